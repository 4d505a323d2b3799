"""Invariant records, narrow expected-failure records, implementations and topics.

An invariant is data: an id, a one-line statement in math, why it holds and where that comes from,
its kind and category, its tolerances (each with a written reason — the same objects the check's
assertions use), the options it draws and the ones it requires, the Hypothesis strategy of its inputs
and the check function ``(impl, data) -> None | counts``.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from .loading import ImplementationNotFound, load
from .support import Axis, SupportError
from .tolerance import EXACT, PRECISIONS, Tolerance

KINDS = ("exact", "tolerance", "metamorphic", "statistical", "crosscheck")
#: math: the method's own invariants; validation: clear errors on bad input (a policy); crosscheck: A vs B
CATEGORIES = ("math", "validation", "crosscheck")


@dataclass(frozen=True)
class Expected:
    """A narrow expected failure: ``invariant`` fails for this implementation *inside a sub-domain*.

    ``when(example)`` is the sub-domain as a predicate over the drawn example and ``where`` says it in
    words; ``match`` (a regular expression) is the failure expected there, where practical.  Inside the
    sub-domain a failure that matches is expected (the run goes on with the next example); every other
    example, and every other failure, is judged normally.  ``strict``: the record is stale (an *xpass*)
    when examples reached the sub-domain and none failed; ``strict=False`` records a known defect that
    only some examples reach.
    """

    invariant: str
    reason: str
    where: str
    when: Callable[[Any], bool]
    match: str | None = None
    strict: bool = True

    def __post_init__(self) -> None:
        if not (self.reason.strip() and self.where.strip()):
            raise ValueError(f"{self.invariant}: an expected failure needs a reason and its sub-domain in words")
        if self.match is not None:
            re.compile(self.match)

    def covers(self, example: Any) -> bool:
        try:
            return bool(self.when(example))
        except Exception:  # noqa: BLE001 — a predicate that cannot read the example does not cover it
            return False

    def matches(self, message: str) -> bool:
        return self.match is None or re.search(self.match, message, re.S) is not None

    def describe(self) -> str:
        return f"{self.reason} [only where {self.where}" + (f"; failure matching /{self.match}/" if self.match else "") + "]"


@dataclass(frozen=True)
class Implementation:
    """A known implementation of a topic's contract, by spec (``module:attr`` or a factory spec).

    ``requires``: distributions that must be importable; ``expected``: narrow expected failures;
    ``support`` / ``precision``: its declared support, for a library that cannot carry a class attribute.
    """

    spec: str
    requires: tuple[str, ...] = ()
    expected: tuple[Expected, ...] = ()
    support: Mapping[str, Any] | None = None
    precision: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.precision is not None and self.precision not in PRECISIONS:
            raise ValueError(f"{self.spec}: precision must be one of {PRECISIONS}, got {self.precision!r}")

    def expected_for(self, inv_id: str) -> list[Expected]:
        return [e for e in self.expected if e.invariant == inv_id]


@dataclass
class Invariant:
    id: str
    topic: str
    statement: str
    why: str
    source: str
    kind: str
    category: str
    tolerances: dict[str, Tolerance]
    strategy: Any
    check: Callable[..., Any]
    max_examples: int = 20
    draws: dict[str, tuple | None] = field(default_factory=dict)
    requires: dict[str, tuple] = field(default_factory=dict)
    timeout: float = 120.0
    pairs: tuple[tuple[str, str], ...] = ()
    min_compared: float | None = None

    @property
    def is_crosscheck(self) -> bool:
        return self.kind == "crosscheck"

    @property
    def tolerance(self) -> Tolerance:
        return self.tolerances["default"]

    def seed(self, user_seed: int = 0) -> int:
        """A stable per-invariant seed derived from the id (and the user's seed)."""
        digest = hashlib.sha256(f"{self.id}:{user_seed}".encode()).hexdigest()
        return int(digest[:12], 16)


@dataclass
class Topic:
    name: str
    title: str
    contract: str
    reference: str
    implementations: list[Implementation] = field(default_factory=list)
    axes: tuple[Axis, ...] = ()
    invariants: dict[str, Invariant] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [a.name for a in self.axes]
        if len(set(names)) != len(names):
            raise ValueError(f"topic {self.name!r}: axis names repeat: {names}")

    def axis(self, name: str) -> Axis:
        for a in self.axes:
            if a.name == name:
                return a
        raise KeyError(f"topic {self.name!r} has no axis {name!r}; axes: {[a.name for a in self.axes]}")

    def add(self, inv: Invariant) -> None:
        if inv.id in self.invariants:
            raise ValueError(f"invariant id {inv.id!r} registered twice")
        if not inv.id.startswith(self.name + "."):
            raise ValueError(f"invariant id {inv.id!r} must start with the topic name {self.name!r}")
        for what, mapping in (("draws", inv.draws), ("requires", inv.requires)):
            for axis, values in mapping.items():
                try:
                    a = self.axis(axis)
                except KeyError as exc:
                    raise ValueError(f"{inv.id}: {what} names unknown axis {axis!r}; topic declares "
                                     f"{[a.name for a in self.axes]}") from exc
                if values is not None:
                    try:
                        a.ordered(values)
                    except SupportError as exc:
                        raise ValueError(f"{inv.id}: {what} {exc}") from None
        self.invariants[inv.id] = inv

    def properties(self) -> list[Invariant]:
        """Invariants that judge one implementation (crosschecks excluded)."""
        return [i for i in self.invariants.values() if not i.is_crosscheck]

    def crosschecks(self) -> list[Invariant]:
        return [i for i in self.invariants.values() if i.is_crosscheck]

    def all_implementations(self) -> list[Implementation]:
        return [Implementation(self.reference, note="reference")] + list(self.implementations)

    def known(self, spec: str | None, obj: Any = None) -> Implementation | None:
        """The registered implementation named ``spec`` — or, failing that, the one that *is* ``obj``
        (``scipy.spatial:cKDTree`` reports its module as ``scipy.spatial._ckdtree``)."""
        for impl in self.all_implementations():
            if impl.spec == spec:
                return impl
        if obj is None:
            return None
        for impl in self.all_implementations():
            try:
                if load(impl.spec) is obj:
                    return impl
            except ImplementationNotFound:
                continue
        return None


def _tolerances(id: str, tolerance: Tolerance | Mapping[str, Tolerance]) -> dict[str, Tolerance]:
    tols = dict(tolerance) if isinstance(tolerance, Mapping) else {"default": tolerance}
    if "default" not in tols:
        raise ValueError(f"{id}: the tolerances need a 'default' entry (the one assertions use unnamed)")
    for name, tol in tols.items():
        if not isinstance(tol, Tolerance):
            raise ValueError(f"{id}: tolerance {name!r} must be a Tolerance, got {type(tol).__name__}")
    return tols


def _make_record(topic: Topic, id: str, *, statement: str, why: str, source: str, kind: str, category: str,
                 tolerance, strategy: Any, max_examples: int, draws, requires, timeout: float,
                 pairs: Sequence[tuple[str, str]], min_compared: float | None, check: Callable) -> Invariant:
    if kind not in KINDS:
        raise ValueError(f"{id}: kind must be one of {KINDS}, got {kind!r}")
    if category not in CATEGORIES:
        raise ValueError(f"{id}: category must be one of {CATEGORIES}, got {category!r}")
    if (kind == "crosscheck") != (category == "crosscheck"):
        raise ValueError(f"{id}: kind 'crosscheck' and category 'crosscheck' go together")
    if ".rejects_" in id and category != "validation":
        raise ValueError(f"{id}: an invariant about rejecting bad input belongs to category 'validation'")
    for name, value in (("statement", statement), ("why", why), ("source", source)):
        if not value or not value.strip():
            raise ValueError(f"{id}: {name} must be a non-empty string")
    if "\n" in statement.strip():
        raise ValueError(f"{id}: statement must be one line of math")
    if max_examples < 1:
        raise ValueError(f"{id}: max_examples must be >= 1, got {max_examples}")
    if min_compared is not None and not 0 < min_compared <= 1:
        raise ValueError(f"{id}: min_compared is a fraction in (0, 1], got {min_compared}")
    return Invariant(id=id, topic=topic.name, statement=statement.strip(), why=" ".join(why.split()),
                     source=source.strip(), kind=kind, category=category, tolerances=_tolerances(id, tolerance),
                     strategy=strategy, check=check, max_examples=max_examples,
                     draws={k: (tuple(v) if v is not None else None) for k, v in (draws or {}).items()},
                     requires={k: tuple(v) for k, v in (requires or {}).items()}, timeout=timeout,
                     pairs=tuple(tuple(p) for p in pairs), min_compared=min_compared)


def invariant(topic: Topic, id: str, *, statement: str, why: str, source: str, kind: str = "exact",
              category: str = "math", tolerance: Tolerance | Mapping[str, Tolerance] = EXACT, strategy: Any,
              max_examples: int = 20, draws: Mapping[str, Sequence | None] | None = None,
              requires: Mapping[str, Sequence] | None = None, timeout: float = 120.0,
              min_compared: float | None = None) -> Callable:
    """Register ``check(impl, data)`` as an invariant of ``topic``.

    ``tolerance``: one :class:`Tolerance`, or a mapping name → Tolerance with a ``"default"`` entry (the
    check's assertions use the default unnamed and the others by name); ``draws``: the option axes the
    strategy draws (axis → the subset drawn, None for the whole domain); ``requires``: option values that
    must all be supported for the invariant to run (e.g. ``{"operations": ("range",)}``);
    ``min_compared``: for a check that returns ``{"compared": …, "skipped_…": …}`` counts, the fraction
    of examples that must be compared for a verdict.
    """
    if kind == "crosscheck":
        raise ValueError(f"{id}: use @crosscheck for kind='crosscheck'")

    def register(check: Callable) -> Callable:
        topic.add(_make_record(topic, id, statement=statement, why=why, source=source, kind=kind,
                               category=category, tolerance=tolerance, strategy=strategy,
                               max_examples=max_examples, draws=draws, requires=requires, timeout=timeout,
                               pairs=(), min_compared=min_compared, check=check))
        return check

    return register


def crosscheck(topic: Topic, id: str, *, statement: str, why: str, source: str,
               tolerance: Tolerance | Mapping[str, Tolerance] = EXACT, strategy: Any,
               pairs: Sequence[tuple[str, str]], max_examples: int = 10,
               draws: Mapping[str, Sequence | None] | None = None, timeout: float = 120.0) -> Callable:
    """Register ``check(impl_a, impl_b, data)`` comparing implementations pairwise."""
    if not pairs:
        raise ValueError(f"{id}: a crosscheck needs at least one pair of implementations")

    def register(check: Callable) -> Callable:
        topic.add(_make_record(topic, id, statement=statement, why=why, source=source, kind="crosscheck",
                               category="crosscheck", tolerance=tolerance, strategy=strategy,
                               max_examples=max_examples, draws=draws, requires=None, timeout=timeout,
                               pairs=pairs, min_compared=None, check=check))
        return check

    return register
