"""The mutant zoo: deliberately broken implementations, one bug each, named after it.

Each topic's module here registers its mutants with :func:`mutant`, declaring
the invariants that must catch it.  :func:`assert_caught` runs the topic's
whole suite against a mutant and checks the declared invariants fail (and
reports every invariant that did); :func:`assert_every_invariant_has_teeth`
checks each invariant of the topic is declared by at least one mutant.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

import pytest

from properties.engine import Result, get_topic, run_topic


@dataclass(frozen=True)
class Mutant:
    name: str
    topic: str
    impl: object
    catches: tuple[str, ...]
    bug: str

    def __str__(self) -> str:
        return f"{self.topic}:{self.name}"


_ZOO: dict[str, dict[str, Mutant]] = {}


def mutant(topic: str, *, catches: tuple[str, ...], bug: str):
    """Register the decorated class/factory as a mutant of ``topic``."""
    if not catches:
        raise ValueError("a mutant must declare at least one invariant that catches it")

    def register(impl):
        zoo = _ZOO.setdefault(topic, {})
        if impl.__name__ in zoo:
            raise ValueError(f"mutant {impl.__name__!r} registered twice for topic {topic!r}")
        zoo[impl.__name__] = Mutant(impl.__name__, topic, impl, tuple(catches), bug)
        return impl

    return register


def load_zoo(topic: str) -> list[Mutant]:
    importlib.import_module(f"tests.zoo.{topic}")
    return list(_ZOO.get(topic, {}).values())


def parametrize_mutants(topic: str):
    mutants = load_zoo(topic)
    return pytest.mark.parametrize("mutant", mutants, ids=[m.name for m in mutants])


def run_against_mutant(m: Mutant, **kwargs) -> list[Result]:
    """The topic's whole suite against the mutant; no shrinking (only *whether* it is caught matters)."""
    kwargs.setdefault("shrink", False)
    kwargs.setdefault("timeout", 60)
    return run_topic(get_topic(m.topic), m.impl, apply_expected=False, **kwargs)


def assert_caught(m: Mutant, **kwargs) -> set[str]:
    results = run_against_mutant(m, **kwargs)
    by_id = {r.invariant: r for r in results}
    unknown = set(m.catches) - set(by_id)
    assert not unknown, f"mutant {m} declares unknown invariants {sorted(unknown)}"
    caught = {r.invariant for r in results if r.caught}
    errors = {r.invariant: r.reason for r in results if r.status == "error"}
    assert not errors, f"checks errored (bugs in the checks) on mutant {m}: {errors}"
    missed = [i for i in m.catches if i not in caught]
    assert not missed, (
        f"mutant {m} ({m.bug}) was not caught by {missed}; caught by: {sorted(caught) or 'nothing'}\n"
        + "\n".join(f"  {i}: {by_id[i].status} {by_id[i].reason[:200]}" for i in missed))
    print(f"{m}: {m.bug} — caught by {', '.join(sorted(caught))}")
    return caught


def assert_every_invariant_has_teeth(topic: str) -> None:
    declared = {i for m in load_zoo(topic) for i in m.catches}
    toothless = [inv.id for inv in get_topic(topic).properties() if inv.id not in declared]
    assert not toothless, f"invariants of {topic!r} that no mutant in tests/zoo/{topic}.py is declared to catch: {toothless}"
