"""The mutant zoo: deliberately broken implementations, one bug each, named after it.

Each topic's module ``tests/zoo/<family>/<topic>.py`` (the family of its ``properties/<family>/`` folder) registers its mutants with :func:`mutant`, declaring the
invariants that must catch it.  The test suite runs each mutant against exactly those invariants
(:func:`assert_caught`) and checks that every invariant of every topic is declared by at least one mutant
(:func:`assert_every_invariant_has_teeth`).  ``python -m tests.zoo`` measures, for the documentation, every
invariant that catches each mutant (the whole suite against it), marking the declared ones.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

import pytest

from properties.engine import Result, TopicUnavailable, get_topic, run_topic, topic_names
from properties.engine.registry import topic_family


@dataclass(frozen=True)
class Mutant:
    name: str
    topic: str
    impl: object
    catches: tuple[str, ...]
    bug: str
    support: tuple = ()          # a declaration (axis, values) pairs, for a mutant of a partial implementation

    def __str__(self) -> str:
        return f"{self.topic}:{self.name}"


_ZOO: dict[str, dict[str, Mutant]] = {}


def mutant(topic: str, *, catches: tuple[str, ...], bug: str, support: dict | None = None):
    """Register the decorated class/factory as a mutant of ``topic``."""
    if not catches:
        raise ValueError("a mutant must declare at least one invariant that catches it")

    def register(impl):
        zoo = _ZOO.setdefault(topic, {})
        if impl.__name__ in zoo:
            raise ValueError(f"mutant {impl.__name__!r} registered twice for topic {topic!r}")
        zoo[impl.__name__] = Mutant(impl.__name__, topic, impl, tuple(catches), bug, tuple((support or {}).items()))
        return impl

    return register


def load_zoo(topic: str) -> list[Mutant]:
    """The mutants of ``topic`` (an empty list when it has no zoo module)."""
    family = topic_family(topic)
    try:
        importlib.import_module(f"tests.zoo.{family}.{topic}")
    except ModuleNotFoundError as exc:
        if exc.name not in (f"tests.zoo.{family}", f"tests.zoo.{family}.{topic}"):
            raise
    return list(_ZOO.get(topic, {}).values())


def all_mutants() -> list[Mutant]:
    out = []
    for topic in topic_names():
        try:
            get_topic(topic)
        except Exception:  # noqa: BLE001 — unavailable here, or broken (tests/test_topics.py reports that)
            continue
        out += load_zoo(topic)
    return out


def parametrize_mutants(topic: str | None = None):
    mutants = load_zoo(topic) if topic else all_mutants()
    return pytest.mark.parametrize("mutant", mutants, ids=[str(m) for m in mutants])


def run_against_mutant(m: Mutant, only: tuple[str, ...] | None = None, **kwargs) -> list[Result]:
    """The topic's suite (or ``only`` these invariants) against the mutant; no shrinking (only *whether*
    it is caught matters) and no expected-failure records (a mutant has none)."""
    kwargs.setdefault("shrink", False)
    kwargs.setdefault("timeout", 60)
    return run_topic(get_topic(m.topic), m.impl, only=list(only) if only else None, apply_expected=False,
                     support=dict(m.support) or None, **kwargs)


def assert_caught(m: Mutant, **kwargs) -> set[str]:
    """Every invariant the mutant declares catches it (they alone are run)."""
    unknown = set(m.catches) - set(get_topic(m.topic).invariants)
    assert not unknown, f"mutant {m} declares unknown invariants {sorted(unknown)}"
    results = run_against_mutant(m, only=m.catches, **kwargs)
    by_id = {r.invariant: r for r in results}
    caught = {r.invariant for r in results if r.caught}
    errors = {r.invariant: r.reason for r in results if r.status == "error"}
    assert not errors, f"checks errored (bugs in the checks) on mutant {m}: {errors}"
    missed = [i for i in m.catches if i not in caught]
    assert not missed, (
        f"mutant {m} ({m.bug}) was not caught by {missed}; caught by: {sorted(caught) or 'nothing'}\n"
        + "\n".join(f"  {i}: {by_id[i].status} {by_id[i].reason[:300]}" for i in missed))
    return caught


def measured_catches(m: Mutant) -> list[str]:
    """Every invariant of the topic that catches the mutant (the whole suite is run)."""
    return [r.invariant for r in run_against_mutant(m) if r.caught]


def _measure(key: str) -> list[str]:
    """:func:`measured_catches` of the mutant ``topic:Name`` (a process-pool worker)."""
    topic, name = key.split(":")
    return measured_catches(next(m for m in load_zoo(topic) if m.name == name))


def _measure_all(mutants: list[Mutant], jobs: int) -> dict[str, list[str]]:
    keys = [str(m) for m in mutants]
    if jobs <= 1:
        return {k: measured_catches(m) for k, m in zip(keys, mutants)}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        return dict(zip(keys, pool.map(_measure, keys, chunksize=4)))


def zoo_markdown(measure: bool = True, jobs: int = 1) -> str:
    """The zoo as documentation: every mutant, its bug, and the invariants that catch it — measured by
    running the whole suite against it (in ``jobs`` processes), the declared (and tested) ones in bold."""
    measured = _measure_all(all_mutants(), jobs) if measure else {}
    lines = ["# Mutant zoo", "", "Generated by `python -m tests.zoo` (`make docs`); do not edit by hand. Each mutant is a",
             "deliberately broken implementation with one bug. *Caught by* lists every invariant that fails on it,",
             "measured by running the topic's whole suite (CI profile); the ones in **bold** are declared, and",
             "`tests/test_topics.py` asserts that they catch it.", ""]
    for topic in topic_names():
        try:
            get_topic(topic)
        except TopicUnavailable as exc:
            lines += [f"## {topic}", "", f"_not available here: {exc}_", ""]
            continue
        mutants = load_zoo(topic)
        lines += [f"## {topic} ({len(mutants)} mutants)", "", "| mutant | bug | caught by |", "|---|---|---|"]
        for m in mutants:
            caught = measured[str(m)] if measure else list(m.catches)
            shown = [f"**`{i}`**" if i in m.catches else f"`{i}`" for i in caught]
            shown += [f"**`{i}`** (declared, not caught!)" for i in m.catches if i not in caught]
            lines.append(f"| `{m.name}` | {m.bug.replace('|', '∣')} | {', '.join(shown)} |")
        lines.append("")
    return "\n".join(lines)


def documented_catches(markdown: str) -> dict[str, set[str]]:
    """``topic:Mutant`` → the invariants docs/mutants.md lists as catching it."""
    out, topic = {}, None
    for line in markdown.splitlines():
        if line.startswith("## "):
            topic = line[3:].split(" ")[0]
        elif line.startswith("| `") and topic:
            cells = line.split(" | ")
            name = cells[0].strip("| `")
            out[f"{topic}:{name}"] = set(re.findall(r"`([a-z_][a-z0-9_]*\.[A-Za-z0-9_.]+)`", cells[-1]))
    return out


def assert_every_invariant_has_teeth(topic: str) -> None:
    declared = {i for m in load_zoo(topic) for i in m.catches}
    toothless = [inv.id for inv in get_topic(topic).properties() if inv.id not in declared]
    assert not toothless, f"invariants of {topic!r} that no mutant in tests/zoo/{topic_family(topic)}/{topic}.py is declared to catch: {toothless}"
