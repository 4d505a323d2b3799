"""Invariant records, topics and the registry.

An invariant is data: an id, a one-line statement in math, why it holds and
where that comes from, its kind, the capabilities it needs, its tolerance with
a written reason, the Hypothesis strategy of its inputs and the check function
``(impl, data) -> None``.  Topics own their invariants; the registry maps topic
names to the modules that define them and imports them lazily, so that a core
topic never pays for torch.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

KINDS = ("exact", "tolerance", "metamorphic", "statistical", "crosscheck")

#: topic name -> (module defining it, distributions it needs to import)
TOPIC_MODULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "pca": ("properties.pca", ("sklearn",)),
    "kdtree": ("properties.kdtree", ("scipy",)),
    "boosting": ("properties.boosting", ()),
    "ddpm": ("properties.ddpm", ("torch",)),
    "ddim": ("properties.ddim", ("torch",)),
}


@dataclass(frozen=True)
class Tolerance:
    """How close is close enough, and why.  ``rtol = atol = 0`` means exact."""

    rtol: float = 0.0
    atol: float = 0.0
    reason: str = "exact: no arithmetic separates the two sides"

    def __post_init__(self) -> None:
        if self.rtol < 0 or self.atol < 0:
            raise ValueError(f"tolerances must be >= 0, got rtol={self.rtol}, atol={self.atol}")
        if not self.reason:
            raise ValueError("a tolerance needs a written reason")

    @property
    def exact(self) -> bool:
        return self.rtol == 0 and self.atol == 0

    def describe(self) -> str:
        if self.exact:
            return f"exact — {self.reason}"
        return f"rtol={self.rtol:g}, atol={self.atol:g} — {self.reason}"


EXACT = Tolerance()


@dataclass(frozen=True)
class Implementation:
    """A known implementation of a topic's contract, named by import string.

    ``expected_failures`` maps invariant ids to the documented reason this
    implementation legitimately differs: the invariant must fail (a pass is an
    *xpass*, a stale record).  ``may_fail`` is for a known defect that only
    some examples reach (a rare corner a deeper profile finds): a failure there
    is an expected failure, a pass is a pass.  Both are counted and shown,
    never hidden.  ``requires`` names the distributions that must be importable.
    """

    spec: str
    requires: tuple[str, ...] = ()
    expected_failures: Mapping[str, str] = field(default_factory=dict)
    may_fail: Mapping[str, str] = field(default_factory=dict)
    note: str = ""

    def __post_init__(self) -> None:
        both = set(self.expected_failures) & set(self.may_fail)
        if both:
            raise ValueError(f"{self.spec}: {sorted(both)} listed both as expected_failures and may_fail")


@dataclass
class Invariant:
    id: str
    topic: str
    statement: str
    why: str
    source: str
    kind: str
    tolerance: Tolerance
    strategy: Any
    check: Callable[..., None]
    max_examples: int = 20
    requires: tuple[str, ...] = ()
    timeout: float = 120.0
    pairs: tuple[tuple[str, str], ...] = ()  # crosschecks only

    @property
    def is_crosscheck(self) -> bool:
        return self.kind == "crosscheck"

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
    capabilities: Mapping[str, Callable[[Any], bool]] = field(default_factory=dict)
    invariants: dict[str, Invariant] = field(default_factory=dict)

    def add(self, inv: Invariant) -> None:
        if inv.id in self.invariants:
            raise ValueError(f"invariant id {inv.id!r} registered twice")
        if not inv.id.startswith(self.name + "."):
            raise ValueError(f"invariant id {inv.id!r} must start with the topic name {self.name!r}")
        unknown = set(inv.requires) - set(self.capabilities)
        if unknown:
            raise ValueError(f"{inv.id}: unknown capabilities {sorted(unknown)}; topic declares {sorted(self.capabilities)}")
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
        from .runner import ImplementationNotFound, load

        for impl in self.all_implementations():
            try:
                if load(impl.spec) is obj:
                    return impl
            except ImplementationNotFound:
                continue
        return None

    def missing_capabilities(self, inv: Invariant, impl: Any) -> list[str]:
        declared = getattr(impl, "invariants_capabilities", None)
        missing = []
        for cap in inv.requires:
            if declared is not None:
                ok = cap in declared
            else:
                try:
                    ok = bool(self.capabilities[cap](impl))
                except Exception:  # a probe that cannot tell means "not provided"
                    ok = False
            if not ok:
                missing.append(cap)
        return missing


def _make_record(topic: Topic, id: str, *, statement: str, why: str, source: str, kind: str,
                 tolerance: Tolerance, strategy: Any, max_examples: int, requires: Sequence[str],
                 timeout: float, pairs: Sequence[tuple[str, str]], check: Callable) -> Invariant:
    if kind not in KINDS:
        raise ValueError(f"{id}: kind must be one of {KINDS}, got {kind!r}")
    for name, value in (("statement", statement), ("why", why), ("source", source)):
        if not value or not value.strip():
            raise ValueError(f"{id}: {name} must be a non-empty string")
    if "\n" in statement.strip():
        raise ValueError(f"{id}: statement must be one line of math")
    if max_examples < 1:
        raise ValueError(f"{id}: max_examples must be >= 1, got {max_examples}")
    return Invariant(id=id, topic=topic.name, statement=statement.strip(), why=" ".join(why.split()),
                     source=source.strip(), kind=kind, tolerance=tolerance, strategy=strategy, check=check,
                     max_examples=max_examples, requires=tuple(requires), timeout=timeout,
                     pairs=tuple(tuple(p) for p in pairs))


def invariant(topic: Topic, id: str, *, statement: str, why: str, source: str, kind: str = "exact",
              tolerance: Tolerance = EXACT, strategy: Any, max_examples: int = 20,
              requires: Sequence[str] = (), timeout: float = 120.0) -> Callable:
    """Register ``check(impl, data)`` as an invariant of ``topic``."""
    if kind == "crosscheck":
        raise ValueError(f"{id}: use @crosscheck for kind='crosscheck'")

    def register(check: Callable) -> Callable:
        topic.add(_make_record(topic, id, statement=statement, why=why, source=source, kind=kind,
                               tolerance=tolerance, strategy=strategy, max_examples=max_examples,
                               requires=requires, timeout=timeout, pairs=(), check=check))
        return check

    return register


def crosscheck(topic: Topic, id: str, *, statement: str, why: str, source: str,
               tolerance: Tolerance = EXACT, strategy: Any, pairs: Sequence[tuple[str, str]],
               max_examples: int = 10, timeout: float = 120.0) -> Callable:
    """Register ``check(impl_a, impl_b, data)`` comparing implementations pairwise."""
    if not pairs:
        raise ValueError(f"{id}: a crosscheck needs at least one pair of implementations")

    def register(check: Callable) -> Callable:
        topic.add(_make_record(topic, id, statement=statement, why=why, source=source, kind="crosscheck",
                               tolerance=tolerance, strategy=strategy, max_examples=max_examples,
                               requires=(), timeout=timeout, pairs=pairs, check=check))
        return check

    return register


class TopicUnavailable(ImportError):
    """A topic whose module (or one of its dependencies) cannot be imported here."""


_TOPICS: dict[str, Topic] = {}


def topic_names() -> list[str]:
    return list(TOPIC_MODULES)


def get_topic(name: str) -> Topic:
    """Import and return a topic; ``TopicUnavailable`` says why it cannot load."""
    if name in _TOPICS:
        return _TOPICS[name]
    if name not in TOPIC_MODULES:
        raise KeyError(f"unknown topic {name!r}; known topics: {', '.join(TOPIC_MODULES)}")
    module_name, requires = TOPIC_MODULES[name]
    for dist in requires:
        if importlib.util.find_spec(dist) is None:
            raise TopicUnavailable(f"topic {name!r} needs {dist!r}, which is not installed")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if (getattr(exc, "name", None) or "").split(".")[0] in ("properties", "reference"):
            raise  # our own module is broken or missing: a bug, never a skip
        raise TopicUnavailable(f"topic {name!r} could not be imported: {exc}") from exc
    topic = getattr(module, "TOPIC")
    _TOPICS[name] = topic
    return topic


def find_invariant(inv_id: str) -> Invariant:
    topic = get_topic(inv_id.split(".", 1)[0])
    try:
        return topic.invariants[inv_id]
    except KeyError:
        raise KeyError(f"unknown invariant {inv_id!r}; topic {topic.name!r} has: {', '.join(topic.invariants)}") from None
