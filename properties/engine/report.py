"""Render results: a rich console table, failure details, JSON and markdown reports.

Verdicts are shown by category (math, validation, crosscheck), and the suite's own problems — a check
or strategy that errored, a stale expected-failure record — are counted apart from the implementation's.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Iterable

from rich.console import Console
from rich.table import Table

from .records import CATEGORIES
from .runner import BAD, OURS, Result

STYLE = {"passed": "green", "failed": "bold red", "error": "bold magenta", "timeout": "bold red",
         "skipped": "yellow", "xfail": "cyan", "xpass": "bold magenta"}


def results_table(results: Iterable[Result], title: str) -> Table:
    table = Table(title=title, show_lines=False)
    table.add_column("invariant", no_wrap=True)
    for col in ("category", "kind", "status", "examples", "seconds", "counts"):
        table.add_column(col, justify="right" if col in ("examples", "seconds") else "left")
    for r in sorted(results, key=lambda r: CATEGORIES.index(r.category)):
        table.add_row(r.invariant, r.category, r.kind, f"[{STYLE[r.status]}]{r.status}[/]", str(r.examples_run),
                      f"{r.seconds:.2f}", stats_text(r))
    return table


def stats_text(r: Result) -> str:
    """Counts a check reported, summed over its examples (e.g. comparisons made, near-ties skipped)."""
    stats = r.details.get("stats") or {}
    return ", ".join(f"{k}={v:g}" for k, v in stats.items())


def failure_text(r: Result) -> str:
    lines = [f"{r.status.upper()}: {r.invariant} — {r.implementation}", f"  statement: {r.statement}"]
    lines += ["  " + line for line in r.reason.splitlines()]
    if r.example is not None:
        label = "example (first in the recorded sub-domain)" if r.status == "xfail" else "falsifying example (shrunk)"
        lines += [f"  {label}:"] + ["    " + line for line in r.example.splitlines()]
    if r.repro:
        lines += [f"  reproduce: {r.repro}"]
    return "\n".join(lines)


def print_failures(console: Console, results: Iterable[Result]) -> None:
    """Failures in full (reason, example, repro); expected failures as one line each with their reason."""
    results = list(results)
    for r in results:
        if r.status in BAD:
            console.print(failure_text(r), markup=False, highlight=False, soft_wrap=True)
            console.print()
    for r in results:
        if r.status == "xfail":
            reason = r.reason.splitlines()[0].removeprefix("expected failure — ")
            console.print(f"expected failure: {r.invariant} [{r.implementation}] — {reason}", markup=False,
                          highlight=False, soft_wrap=True)


def not_covered_lines(results: Iterable[Result]) -> list[str]:
    """The invariants declared support left out (the option values it left out are ``Support.describe``'s)."""
    return [f"skipped {r.invariant}: {r.reason}" for r in results if r.status == "skipped"]


def summary_rows(results: list[Result]) -> list[dict]:
    """One row per (topic, implementation, category) with status counts."""
    groups: dict[tuple[str, str, str], list[Result]] = {}
    for r in results:
        groups.setdefault((r.topic, r.implementation, r.category), []).append(r)
    rows = []
    for (topic, impl, category), rs in groups.items():
        counts = Counter(r.status for r in rs)
        rows.append({"topic": topic, "implementation": impl, "category": category,
                     **{s: counts.get(s, 0) for s in STYLE},
                     "seconds": round(sum(r.seconds for r in rs), 2), "ok": all(r.ok for r in rs)})
    return rows


def summary_table(rows: list[dict], title: str = "ml-invariants verify") -> Table:
    """One line per topic × implementation × category; the implementation's failures (failed, timeout)
    and the suite's own problems (errors, stale records) in separate columns."""
    table = Table(title=title)
    for col in ("topic", "implementation", "category"):
        table.add_column(col, no_wrap=True)
    for col in ("passed", "failed", "expected failures", "skipped", "suite errors", "s"):
        table.add_column(col, justify="right", no_wrap=True)
    for row in rows:
        bad = row["failed"] + row["timeout"]
        ours = sum(row[s] for s in OURS)
        table.add_row(row["topic"], row["implementation"], row["category"], f"[green]{row['passed']}[/]",
                      f"[bold red]{bad}[/]" if bad else "0", f"[cyan]{row['xfail']}[/]" if row["xfail"] else "0",
                      f"[yellow]{row['skipped']}[/]" if row["skipped"] else "0",
                      f"[bold magenta]{ours}[/]" if ours else "0", f"{row['seconds']:.1f}")
    return table


def write_json(path: Path, results: list[Result], extra: dict | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"results": [r.to_dict() for r in results], "summary": summary_rows(results), **(extra or {})}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def markdown_report(results: list[Result], skipped_topics: dict[str, str], header: str) -> str:
    out = [f"# {header}", ""]
    rows = summary_rows(results)
    out += ["| topic | implementation | category | " + " | ".join(STYLE) + " | seconds |",
            "|---|---|---|" + "---:|" * len(STYLE) + "---:|"]
    for row in rows:
        out.append(f"| {row['topic']} | `{row['implementation']}` | {row['category']} | "
                   + " | ".join(str(row[s]) for s in STYLE) + f" | {row['seconds']:.1f} |")
    if skipped_topics:
        out += ["", "## Not run", ""] + [f"- **{t}**: {why}" for t, why in skipped_topics.items()]
    counted = [r for r in results if r.details.get("stats")]
    if counted:
        out += ["", "## Counts reported by checks", "", "| invariant | implementation | counts |", "|---|---|---|"]
        out += [f"| `{r.invariant}` | `{r.implementation}` | {stats_text(r)} |" for r in counted]
    notable = [r for r in results if r.status not in ("passed",)]
    if notable:
        out += ["", "## Not passed (failures, expected failures, skips)", ""]
        for r in notable:
            out += [f"### `{r.invariant}` — {r.status} — `{r.implementation}`", "", "```", failure_text(r), "```", ""]
    return "\n".join(out) + "\n"
