"""The invariant catalogue, generated from the registry (``invariants list --markdown``).

``docs/invariants.md`` is this module's output; a test fails when the file is
out of date, so the documentation cannot drift from the code.
"""
from __future__ import annotations

import importlib.util

from .records import Topic, TopicUnavailable, get_topic, topic_names
from .runner import ImplementationNotFound, load


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


def holds_for(topic: Topic, inv, loaded: dict[str, object]) -> tuple[list[str], list[str]]:
    passes, differs = [], []
    for impl in topic.all_implementations():
        if inv.is_crosscheck:
            continue
        reason = impl.expected_failures.get(inv.id)
        obj = loaded.get(impl.spec)
        if reason:
            differs.append(f"`{impl.spec}` — {reason}")
        elif inv.id in impl.may_fail:
            passes.append(f"`{impl.spec}` (in CI; a known defect may surface: {impl.may_fail[inv.id]})")
        elif isinstance(obj, str):
            differs.append(f"`{impl.spec}` — {obj}")
        elif topic.missing_capabilities(inv, obj):
            differs.append(f"`{impl.spec}` — skipped: no {', '.join(topic.missing_capabilities(inv, obj))}")
        else:
            passes.append(f"`{impl.spec}`")
    return passes, differs


def topic_markdown(topic: Topic) -> str:
    loaded = implementation_status(topic)
    lines = [f"## {topic.name} — {topic.title}", "", "Contract:", "", "```text", topic.contract.strip(), "```", "",
             "| id | kind | statement |", "|---|---|---|"]
    for inv in topic.invariants.values():
        lines.append(f"| [`{inv.id}`](#{inv.id.replace('.', '')}) | {inv.kind} | {inv.statement.replace('|', '∣')} |")
    lines.append("")
    for inv in topic.invariants.values():
        lines += [f"### `{inv.id}`", "", f"- **Statement:** {inv.statement}", f"- **Why it holds:** {inv.why}",
                  f"- **Source:** {inv.source}", f"- **Kind:** {inv.kind}",
                  f"- **Tolerance:** {inv.tolerance.describe()}", f"- **Examples in CI:** {inv.max_examples}"]
        if inv.requires:
            lines.append(f"- **Needs capabilities:** {', '.join(inv.requires)}")
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
