"""The invariant catalogue, generated from the registry (``invariants list --markdown``).

``docs/invariants.md`` is this module's output; a test fails when the file is out of date, so the
documentation cannot drift from the code.
"""
from __future__ import annotations

import importlib.util

from .loading import ImplementationNotFound, load
from .records import CATEGORIES, Invariant, Topic
from .registry import TopicUnavailable, get_topic, topic_family, topic_names
from .runner import domains_for, topic_support
from .support import format_values


def implementation_status(topic: Topic) -> dict[str, object]:
    """spec -> the loaded implementation, or the reason it cannot be loaded here."""
    out: dict[str, object] = {}
    for impl in topic.all_implementations():
        missing = [r for r in impl.requires if importlib.util.find_spec(r) is None]
        if missing:
            out[impl.spec] = f"not installed: {', '.join(missing)}"
            continue
        try:
            out[impl.spec] = load(impl.spec)
        except ImplementationNotFound as exc:
            out[impl.spec] = f"cannot import: {exc}"
    return out


def holds_for(topic: Topic, inv: Invariant, loaded: dict[str, object]) -> tuple[list[str], list[str]]:
    passes, differs = [], []
    for impl in topic.all_implementations():
        obj = loaded.get(impl.spec)
        records = impl.expected_for(inv.id)
        if isinstance(obj, str):
            differs.append(f"`{impl.spec}` — {obj}")
            continue
        _, skip = domains_for(topic, inv, topic_support(topic, obj))
        if skip:
            differs.append(f"`{impl.spec}` — skipped: {skip}")
        elif records:
            differs.append(f"`{impl.spec}` — " + "; ".join(e.describe() for e in records))
        else:
            passes.append(f"`{impl.spec}`")
    return passes, differs


def _draws(topic: Topic, inv: Invariant) -> str:
    parts = [f"{axis} ∈ {format_values(values if values is not None else topic.axis(axis).values)}"
             for axis, values in inv.draws.items()]
    parts += [f"needs {axis} ∋ {format_values(values)}" for axis, values in inv.requires.items()]
    return "; ".join(parts) or "—"


def topic_markdown(topic: Topic) -> str:
    loaded = implementation_status(topic)
    lines = [f"## {topic.name} — {topic.title}", "", "Contract:", "", "```text", topic.contract.strip(), "```", ""]
    if topic.axes:
        lines += ["Option axes (declared support narrows them):", ""]
        lines += [f"- `{a.name}` ∈ {format_values(a.values)} — {a.doc}" for a in topic.axes]
        lines.append("")
    lines += ["| id | category | kind | statement |", "|---|---|---|---|"]
    ordered = sorted(topic.invariants.values(), key=lambda i: CATEGORIES.index(i.category))
    for inv in ordered:
        lines.append(f"| [`{inv.id}`](#{inv.id.replace('.', '')}) | {inv.category} | {inv.kind} | "
                     f"{inv.statement.replace('|', '∣')} |")
    lines.append("")
    for inv in ordered:
        lines += [f"### `{inv.id}`", "", f"- **Statement:** {inv.statement}", f"- **Why it holds:** {inv.why}",
                  f"- **Source:** {inv.source}", f"- **Category:** {inv.category}; **kind:** {inv.kind}",
                  f"- **Options drawn:** {_draws(topic, inv)}"]
        for name, tol in inv.tolerances.items():
            label = "Tolerance" if name == "default" else f"Tolerance `{name}`"
            lines.append(f"- **{label}:** {tol.describe()}")
        lines.append(f"- **Examples in CI:** {inv.max_examples}")
        if inv.min_compared:
            lines.append(f"- **Verdict needs:** at least {inv.min_compared:.0%} of the examples compared")
        if inv.is_crosscheck:
            lines.append("- **Compares:** " + "; ".join(f"`{a}` vs `{b}`" for a, b in inv.pairs))
        else:
            passes, differs = holds_for(topic, inv, loaded)
            lines.append("- **Holds for:** " + (", ".join(passes) or "—"))
            if differs:
                lines.append("- **Does not apply / differs:** " + "; ".join(differs))
        lines.append("")
    return "\n".join(lines)


def catalogue_markdown(topics: list[str] | None = None) -> str:
    names = topics or topic_names()
    parts = ["# Invariant catalogue", "",
             "Generated from the registry by `invariants list --markdown`; do not edit by hand.", ""]
    unavailable = []
    for name in names:
        try:
            topic = get_topic(name)
        except TopicUnavailable as exc:
            unavailable.append(f"- **{name}**: {exc}")
            continue
        parts.append(topic_markdown(topic))
    if unavailable:
        parts += ["## Topics not available in this environment", ""] + unavailable + [""]
    return "\n".join(parts).rstrip() + "\n"


README_START, README_END = "<!-- topics:start -->", "<!-- topics:end -->"


def topics_table() -> str:
    """The README's topic table: every available topic, its family, title and the implementations it validates."""
    rows = ["| topic | family | what | implementations validated |", "|---|---|---|---|"]
    for name in topic_names():
        try:
            topic = get_topic(name)
        except TopicUnavailable:
            continue
        impls = ", ".join(f"`{i.spec}`" for i in topic.all_implementations())
        rows.append(f"| `{name}` | {topic_family(name)} | {topic.title} | {impls} |")
    return "\n".join(rows)


def with_topics_table(readme: str) -> str:
    """``readme`` with the table between its ``<!-- topics:start -->`` / ``<!-- topics:end -->`` markers renewed."""
    if README_START not in readme or README_END not in readme:
        raise ValueError("the README has no <!-- topics:start --> … <!-- topics:end --> markers")
    head, rest = readme.split(README_START, 1)
    return f"{head}{README_START}\n{topics_table()}\n{README_END}{rest.split(README_END, 1)[1]}"
