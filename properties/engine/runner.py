"""Run invariants against implementations and return typed results.

A misbehaving implementation is a result, not a crash: exceptions, NaN/inf, wrong shapes or types,
mutated inputs, a missing part of the contract and hangs all become a failed :class:`Result` with a
reason, the shrunk falsifying example and one command that reproduces exactly that failure.

Time limits (stated in ``invariants check --help``): an example may take at most ``EXAMPLE_TIMEOUT`` seconds
(30) while nothing is known of the implementation's speed; once examples have run, at most 100× the median time
of its examples so far, clamped to [``ADAPTIVE_FLOOR``, ``EXAMPLE_TIMEOUT``] = [10 s, 30 s] (so a first call that
imports a library mid-run still fits); once it has hung, ``HANG_FOLLOWUP`` (2 s) per example for the rest of the run; and an invariant stops after its own limit (120 s
unless its record says otherwise).  So a hanging implementation is reported in well under a minute, not in one
full limit per invariant, while slow but working code keeps its time.
"""
from __future__ import annotations

import contextlib
import random
import shlex
import signal
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator, Mapping, Sequence

import hypothesis
from hypothesis import errors as hyp_errors
from hypothesis import given

from . import profiles
from .checks import ImplementationFailure, InvariantViolation, SkipCheck
from .context import RunContext, activated
from .examples import format_example
from .loading import load, spec_of
from .records import Expected, Implementation, Invariant, Topic
from .registry import get_topic
from .support import Support, format_values, resolve

STATUSES = ("passed", "failed", "error", "timeout", "skipped", "xfail", "xpass")
#: statuses that make ``check``/``verify`` exit non-zero
BAD = frozenset({"failed", "error", "timeout", "xpass"})
#: statuses that are the suite's own problem (a broken check or strategy, a stale record), not the implementation's
OURS = frozenset({"error", "xpass"})
EXAMPLE_TIMEOUT = 30.0
ADAPTIVE_FLOOR = 10.0
ADAPTIVE_FACTOR = 100.0
HANG_FOLLOWUP = 2.0


@dataclass
class Result:
    invariant: str
    topic: str
    implementation: str
    kind: str
    category: str
    statement: str
    status: str
    reason: str = ""
    example: str | None = None
    repro: str | None = None
    examples_run: int = 0
    seconds: float = 0.0
    details: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status not in BAD

    @property
    def caught(self) -> bool:
        """The implementation was shown wrong (a check's own bug — ``error`` — does not count)."""
        return self.status in ("failed", "timeout")

    def to_dict(self) -> dict:
        return asdict(self)


class CheckTimeout(BaseException):
    """Raised by the alarm; a BaseException so that Hypothesis does not try to shrink a hang."""


@dataclass
class HangPolicy:
    """Per-example time limits for one run over an implementation (see the module docstring)."""

    example_timeout: float = EXAMPLE_TIMEOUT
    after_hang: float = HANG_FOLLOWUP
    hung: bool = False
    durations: list = field(default_factory=list)

    def record(self, seconds: float) -> None:
        self.durations.append(seconds)
        del self.durations[:-200]      # the recent past is what predicts the next example

    def limit(self) -> float:
        if self.hung:
            return min(self.example_timeout, self.after_hang)
        if not self.durations:
            return self.example_timeout
        median = sorted(self.durations)[len(self.durations) // 2]
        return min(self.example_timeout, max(ADAPTIVE_FLOOR, ADAPTIVE_FACTOR * median))


@contextlib.contextmanager
def _alarm(seconds: float, message: str) -> Iterator[None]:
    """SIGALRM-based limit (main thread on POSIX); elsewhere no limit."""
    usable = seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise CheckTimeout(message)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def declaration_flags(declared: Mapping[str, Any] | None) -> list[str]:
    """``--support`` flags that re-declare ``declared`` on a command line."""
    from .support import format_value

    flags = []
    for axis, values in (declared or {}).items():
        values = [values] if isinstance(values, str) or not hasattr(values, "__iter__") else values
        words = ["inf" if v == float("inf") else (str(v) if isinstance(v, str) else format_value(v).replace("∞", "inf"))
                 for v in values]
        flags += ["--support", f"{axis}={','.join(words)}"]
    return flags


def repro_command(inv: Invariant, spec: str, user_seed: int, profile: str, max_examples: int | None,
                  declared: Mapping[str, Any] | None = None) -> str:
    if inv.is_crosscheck:
        parts = ["invariants", "verify", "--topic", inv.topic, "--only", inv.id]
    else:
        parts = ["invariants", "check", inv.topic, spec, "--only", inv.id] + declaration_flags(declared)
    parts += ["--seed", str(user_seed), "--profile", "ci" if profile == "dev" else profile]
    if max_examples is not None:
        parts += ["--max-examples", str(max_examples)]
    return shlex.join(parts)


def _resolve_user_seed(profile: str, seed: int | None) -> int:
    if seed is not None:
        return seed
    return 0 if profiles.PROFILES[profile].derandomize else random.SystemRandom().randrange(2**31)


def domains_for(topic: Topic, inv: Invariant, support: Support) -> tuple[dict[str, tuple], str | None]:
    """The option values the invariant may draw here, or why it cannot run (a skip reason)."""
    for axis, needed in inv.requires.items():
        missing = [v for v in needed if v not in support.options[axis]]
        if missing:
            return {}, f"needs {axis} ∋ {format_values(missing)}, which the implementation does not support " \
                       f"({support.sources.get(axis, 'declared')}: {format_values(support.options[axis])})"
    domains = {}
    for a in topic.axes:
        wanted = inv.draws.get(a.name) if a.name in inv.draws else None
        values = tuple(v for v in support.options[a.name] if wanted is None or v in wanted)
        if a.name in inv.draws and not values:
            return {}, f"draws {a.name} ∈ {format_values(wanted or a.values)}, none of which the implementation " \
                       f"supports ({support.sources.get(a.name, 'declared')}: {format_values(support.options[a.name])})"
        if a.name in inv.draws:
            domains[a.name] = values
    return domains, None


def _not_covered(topic: Topic, inv: Invariant, support: Support) -> dict[str, list]:
    out = {}
    for axis, subset in inv.draws.items():
        domain = subset if subset is not None else topic.axis(axis).values
        missing = [v for v in domain if v not in support.options[axis]]
        if missing:
            out[axis] = missing
    return out


def _attribute_missing(exc: AttributeError, ctx: RunContext, impls: tuple) -> ImplementationFailure | None:
    """The implementation's failure when the missing attribute was looked up on something it made: an object
    its code returned, the implementation itself, or an instance of it (``impl()`` called directly)."""
    obj = getattr(exc, "obj", None)
    classes = tuple(getattr(i, "__wrapped__", i) for i in impls if isinstance(getattr(i, "__wrapped__", i), type))
    if obj is None or not (ctx.produced_by_implementation(obj) or isinstance(obj, classes)):
        return None
    what = type(obj).__name__ if not isinstance(obj, type) else obj.__name__
    return ImplementationFailure(f"the implementation's {what} lacks {exc.name!r}, a part of the contract "
                                 f"(AttributeError: {exc})")


def _execute(topic: Topic, inv: Invariant, impls: tuple, label: str, *, support: Support,
             expected: Sequence[Expected], declared: Mapping[str, Any] | None, profile: str, seed: int | None,
             max_examples: int | None, shrink: bool, timeout: float | None, hangs: HangPolicy) -> Result:
    result = Result(invariant=inv.id, topic=inv.topic, implementation=label, kind=inv.kind, category=inv.category,
                    statement=inv.statement, status="passed")
    domains, skip = domains_for(topic, inv, support)
    if skip:
        result.status, result.reason = "skipped", skip
        return result
    user_seed = _resolve_user_seed(profile, seed)
    n = profiles.examples_for(profile, inv.max_examples, max_examples)
    precision = support.judged_precision
    state: dict[str, Any] = {"runs": 0, "last_failed": None, "stats": {}, "hits": {}, "reached": {},
                             "first_hit": None, "warnings": 0, "first_warning": None}
    limit = inv.timeout if timeout is None else timeout
    deadline = time.perf_counter() + limit

    def test(data):
        state["runs"] += 1
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise CheckTimeout(f"no verdict within {limit:g} s (the invariant's limit)")
        ctx = RunContext(inv.id, precision, inv.tolerances, domains, produced=list(impls), options=support.options)
        covering = [e for e in expected if e.covers(data)]
        try:
            per_example = hangs.limit()
            alarm = (_alarm(per_example, f"no result within {per_example:g} s for one example") if per_example <= remaining
                     else _alarm(remaining, f"no verdict within {limit:g} s (the invariant's limit)"))
            began = time.perf_counter()
            with activated(ctx), alarm, warnings.catch_warnings(record=True) as caught:
                # what the implementation warns about on the suite's adversarial data is kept in the result,
                # not printed into the user's test session
                warnings.simplefilter("always")
                try:
                    stats = inv.check(*impls, data)
                except AttributeError as exc:
                    failure = _attribute_missing(exc, ctx, impls)
                    if failure is None:
                        raise
                    raise failure from exc
                finally:
                    hangs.record(time.perf_counter() - began)
                    state["warnings"] += len(caught)
                    if caught and state["first_warning"] is None:
                        w = caught[0]
                        state["first_warning"] = f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})"
        except CheckTimeout:
            state["last_failed"] = data
            raise
        except (InvariantViolation, ImplementationFailure, AssertionError) as exc:
            message = f"{type(exc).__name__}: {exc}" if type(exc) is AssertionError else str(exc)
            for e in covering:
                state["reached"][e] = state["reached"].get(e, 0) + 1
            hit = next((e for e in covering if e.matches(message)), None)
            if hit is not None:
                state["hits"][hit] = state["hits"].get(hit, 0) + 1
                if state["first_hit"] is None:
                    state["first_hit"] = (hit, message, format_example(data))
                return None  # an expected failure inside its sub-domain: judge the next example
            state["last_failed"] = data
            raise
        except BaseException:
            state["last_failed"] = data
            raise
        for e in covering:
            state["reached"][e] = state["reached"].get(e, 0) + 1
        for key, value in (stats or {}).items():
            state["stats"][key] = state["stats"].get(key, 0) + value
        return None

    runner = given(inv.strategy)(test)
    runner = profiles.hypothesis_settings(profile, n, shrink=shrink)(runner)
    runner = hypothesis.seed(inv.seed(user_seed))(runner)
    started = time.perf_counter()
    drawing = RunContext(inv.id, precision, inv.tolerances, domains, options=support.options)  # options drawn
    try:
        with profiles.isolated_generation(), activated(drawing):
            runner()
    except CheckTimeout as exc:
        hangs.hung = True
        result.status, result.reason = "timeout", f"the implementation hung: {exc}"
    except SkipCheck as exc:
        result.status, result.reason = "skipped", str(exc)
    except (InvariantViolation, ImplementationFailure) as exc:
        result.status, result.reason = "failed", str(exc)
    except hyp_errors.FlakyFailure as exc:
        result.status = "failed"
        result.reason = f"nondeterministic: the same input failed and then passed ({exc})"
    except AssertionError as exc:  # a plain assert inside a check still states a violated property
        result.status, result.reason = "failed", f"{type(exc).__name__}: {exc}"
    except (hyp_errors.Unsatisfiable, hyp_errors.FailedHealthCheck) as exc:
        result.status, result.reason = "error", f"the invariant's strategy is broken: {exc} (a bug of ml-invariants)"
    except Exception as exc:  # noqa: BLE001
        result.status = "error"
        result.reason = (f"the check itself raised {type(exc).__name__}: {exc} (a bug of ml-invariants, "
                         f"not counted against the implementation)")
    result.seconds = time.perf_counter() - started
    result.examples_run = state["runs"]
    hits = sum(state["hits"].values())
    if result.status == "passed":
        stale = [e for e in expected if e.strict and state["reached"].get(e) and not state["hits"].get(e)]
        if stale:
            e = stale[0]
            result.status = "xpass"
            result.reason = (f"recorded as an expected failure ({e.reason}) where {e.where}, but all "
                             f"{state['reached'][e]} examples there passed: the record is stale")
        elif hits:
            e, message, example = state["first_hit"]
            result.status = "xfail"
            result.reason = (f"expected failure — {e.reason}\n(only where {e.where}: {state['hits'][e]} example(s) "
                             f"there failed as recorded; every other example passed)\n(observed: {message})")
            for other, count in state["hits"].items():
                if other is not e:
                    result.reason += (f"\n(also expected — {other.reason}: only where {other.where}, {count} "
                                      f"example(s) failed as recorded)")
            result.example = example
        elif inv.min_compared and state["stats"]:
            compared = state["stats"].get("compared", 0)
            total = compared + sum(v for k, v in state["stats"].items() if k.startswith("skipped"))
            if total and compared < inv.min_compared * total:
                result.status = "error"
                result.reason = (f"the strategy left too few examples to judge: {compared} of {total} compared "
                                 f"({', '.join(f'{k}={v}' for k, v in state['stats'].items())}); the invariant needs "
                                 f"{inv.min_compared:.0%} (a problem of ml-invariants' strategy, not of the implementation)")
    elif hits:
        result.reason += f"\n({hits} other example(s) failed inside recorded sub-domains, as expected)"
    if result.status not in ("passed", "skipped"):
        if result.example is None and state["last_failed"] is not None:
            result.example = format_example(state["last_failed"])
        result.repro = repro_command(inv, label, user_seed, profile, max_examples, declared)
    result.details = {"seed": user_seed, "profile": profile, "max_examples": n, "stats": state["stats"],
                      "precision": precision, "expected_hits": hits,
                      "not_covered": {k: [str(v) for v in vs] for k, vs in _not_covered(topic, inv, support).items()},
                      "records_not_reached": [e.where for e in expected if e.strict and not state["reached"].get(e)],
                      "warnings": {"count": state["warnings"], "first": state["first_warning"]}}
    return result


def support_of(topic: Topic, impl: Any, known: Implementation | None, declared: Mapping[str, Any] | None) -> Support:
    return resolve(topic.axes, impl, registry=known.support if known else None,
                   registry_precision=known.precision if known else None, declared=declared)


def run_invariant(inv: Invariant, impl: Any, *, topic: Topic | None = None, profile: str | None = None,
                  seed: int | None = None, max_examples: int | None = None, shrink: bool = True,
                  timeout: float | None = None, example_timeout: float | None = None,
                  apply_expected: bool = True, support: Mapping[str, Any] | None = None,
                  hangs: HangPolicy | None = None) -> Result:
    """Run one (non-cross-check) invariant against ``impl`` (an object or a spec string).

    ``support``: a declaration (axis → values, ``precision``) that overrides the implementation's own;
    ``timeout``: the invariant's total limit (default: its record's); ``example_timeout``: per example."""
    if inv.is_crosscheck:
        raise ValueError(f"{inv.id} is a crosscheck: use run_crosscheck")
    profile = profile or profiles.default_profile()
    topic = topic or get_topic(inv.topic)
    label = spec_of(impl)
    if isinstance(impl, str):
        impl = load(impl)
    known = topic.known(label, impl)
    if known is not None:
        label = known.spec  # name a registered implementation the way the registry (and the user) does
    hangs = hangs or HangPolicy(example_timeout or EXAMPLE_TIMEOUT)
    resolved = support_of(topic, impl, known, support)
    expected = known.expected_for(inv.id) if (known and apply_expected) else []
    return _execute(topic, inv, (impl,), label, support=resolved, expected=expected, declared=support,
                    profile=profile, seed=seed, max_examples=max_examples, shrink=shrink, timeout=timeout,
                    hangs=hangs)


def check_example(inv: Invariant, impl: Any, example: Any, *, topic: Topic | None = None,
                  support: Mapping[str, Any] | None = None) -> Any:
    """Run ``inv``'s check on one explicit example (a regression test of a known case): returns what the check
    returns and lets its :class:`InvariantViolation` / :class:`ImplementationFailure` propagate."""
    topic = topic or get_topic(inv.topic)
    obj = load(impl) if isinstance(impl, str) else impl
    resolved = support_of(topic, obj, topic.known(spec_of(impl), obj), support)
    domains, skip = domains_for(topic, inv, resolved)
    if skip:
        raise ValueError(f"{inv.id} cannot run on {spec_of(impl)}: {skip}")
    ctx = RunContext(inv.id, resolved.judged_precision, inv.tolerances, domains, produced=[obj],
                     options=resolved.options)
    with activated(ctx):
        return inv.check(obj, example)


def run_crosscheck(inv: Invariant, impl_a: Any, impl_b: Any, *, topic: Topic | None = None,
                   profile: str | None = None, seed: int | None = None, max_examples: int | None = None,
                   timeout: float | None = None, example_timeout: float | None = None) -> Result:
    """Compare two implementations; they are judged on the support both declare."""
    if not inv.is_crosscheck:
        raise ValueError(f"{inv.id} is not a crosscheck")
    profile = profile or profiles.default_profile()
    topic = topic or get_topic(inv.topic)
    label = f"{spec_of(impl_a)} vs {spec_of(impl_b)}"
    objs, supports, expected = [], [], []
    for impl in (impl_a, impl_b):
        spec = spec_of(impl)
        obj = load(impl) if isinstance(impl, str) else impl
        known = topic.known(spec, obj)
        objs.append(obj)
        supports.append(support_of(topic, obj, known, None))
        expected += known.expected_for(inv.id) if known else []
    return _execute(topic, inv, tuple(objs), label, support=supports[0].intersect(supports[1]), expected=expected,
                    declared=None, profile=profile, seed=seed, max_examples=max_examples, shrink=True,
                    timeout=timeout, hangs=HangPolicy(example_timeout or EXAMPLE_TIMEOUT))


def run_topic(topic: Topic, impl: Any, *, only: Sequence[str] | None = None, categories: Sequence[str] | None = None,
              **kwargs) -> list[Result]:
    """Every invariant of ``topic`` (or those in ``only`` / of ``categories``) against one implementation;
    a hang shortens the limits of the invariants after it (:class:`HangPolicy`)."""
    kwargs.setdefault("hangs", HangPolicy(kwargs.pop("example_timeout", None) or EXAMPLE_TIMEOUT))
    results = []
    for inv in topic.properties():
        if only and inv.id not in only:
            continue
        if categories and inv.category not in categories:
            continue
        results.append(run_invariant(inv, impl, topic=topic, **kwargs))
    return results


def topic_support(topic: Topic, impl: Any, declared: Mapping[str, Any] | None = None) -> Support:
    """The resolved support of ``impl`` for ``topic`` (for reports)."""
    spec = spec_of(impl)
    obj = load(impl) if isinstance(impl, str) else impl
    return support_of(topic, obj, topic.known(spec, obj), declared)
