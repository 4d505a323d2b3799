"""The example being checked: what the assertion helpers and option strategies consult.

The runner activates a :class:`RunContext` around every example: the invariant's tolerances
resolved for the implementation's working precision, the option values the example may draw
(the declared support, narrowed to what the invariant draws), and the objects the implementation
returned so far (so that a missing contract attribute on one of them is the implementation's
failure, not a bug of the check).
"""
from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from .tolerance import Tolerance


@dataclass
class RunContext:
    invariant: str
    precision: str
    tolerances: Mapping[str, Tolerance]
    domains: Mapping[str, tuple]
    produced: list = field(default_factory=list)
    options: Mapping[str, tuple] = field(default_factory=dict)  # the implementation's whole declared support

    def tolerance(self, name: str | None = None) -> Tolerance:
        key = name or "default"
        if key not in self.tolerances:
            raise KeyError(f"{self.invariant}: tolerance {key!r} is not declared in the record "
                           f"(declared: {sorted(self.tolerances)})")
        return self.tolerances[key]

    def produced_by_implementation(self, obj: Any) -> bool:
        return any(obj is p for p in self.produced)


_ACTIVE: ContextVar[RunContext | None] = ContextVar("ml_invariants_example", default=None)


def current() -> RunContext | None:
    """The context of the example being checked (None outside an invariant run)."""
    return _ACTIVE.get()


@contextlib.contextmanager
def activated(ctx: RunContext) -> Iterator[RunContext]:
    token = _ACTIVE.set(ctx)
    try:
        yield ctx
    finally:
        _ACTIVE.reset(token)
