"""The main job: every topic against its reference and every installed library, plus the cross-checks."""
from __future__ import annotations

import importlib.util
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import report
from .records import TopicUnavailable, get_topic, topic_names
from .runner import ImplementationNotFound, Result, load, run_crosscheck, run_invariant


@dataclass
class VerifyOutcome:
    results: list[Result] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # "topic" or "topic impl" -> reason

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


def _plan(topics: list[str], only: list[str] | None, outcome: VerifyOutcome) -> list[tuple]:
    jobs = []
    for name in topics:
        try:
            topic = get_topic(name)
        except TopicUnavailable as exc:
            outcome.skipped[name] = str(exc)
            continue
        available = {}
        for impl in topic.all_implementations():
            missing = [r for r in impl.requires if importlib.util.find_spec(r) is None]
            if missing:
                outcome.skipped[f"{name} {impl.spec}"] = f"not installed: {', '.join(missing)}"
                continue
            try:
                available[impl.spec] = load(impl.spec)
            except ImplementationNotFound as exc:
                outcome.skipped[f"{name} {impl.spec}"] = str(exc)
        for inv in topic.properties():
            if only and inv.id not in only:
                continue
            for spec, obj in available.items():
                jobs.append(("invariant", topic, inv, spec, obj))
        for inv in topic.crosschecks():
            if only and inv.id not in only:
                continue
            for a, b in inv.pairs:
                if a in available and b in available:
                    jobs.append(("crosscheck", topic, inv, a, b))
                else:
                    outcome.skipped[f"{inv.id} {a} vs {b}"] = "an implementation of the pair is not available"
    return jobs


def verify(*, topics: list[str] | None = None, only: list[str] | None = None, profile: str | None = None,
           seed: int | None = None, max_examples: int | None = None, console: Console | None = None,
           progress: bool = True) -> VerifyOutcome:
    console = console or Console(stderr=True)
    outcome = VerifyOutcome()
    jobs = _plan(topics or topic_names(), only, outcome)
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=console, disable=not progress, transient=True) as bar:
        task = bar.add_task("verifying", total=len(jobs))
        for kind, topic, inv, a, b in jobs:
            bar.update(task, description=f"{inv.id} [{a if kind == 'invariant' else 'crosscheck'}]")
            if kind == "invariant":
                # the import string (already imported, so this is cheap) names the implementation exactly
                r = run_invariant(inv, a, topic=topic, profile=profile, seed=seed, max_examples=max_examples)
            else:
                r = run_crosscheck(inv, a, b, profile=profile, seed=seed, max_examples=max_examples)
            outcome.results.append(r)
            bar.advance(task)
    return outcome


def write_reports(outcome: VerifyOutcome, out_dir: Path, *, seconds: float, profile: str) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = {"profile": profile, "seconds": round(seconds, 1), "python": platform.python_version(),
            "skipped": outcome.skipped, "ok": outcome.ok, "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    json_path, md_path = out_dir / "verify.json", out_dir / "verify.md"
    report.write_json(json_path, outcome.results, meta)
    md_path.write_text(report.markdown_report(outcome.results, outcome.skipped,
                                              f"ml-invariants verify ({profile} profile, {seconds:.0f} s)"))
    return json_path, md_path
