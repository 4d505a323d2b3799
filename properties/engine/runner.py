"""Run invariants against implementations and return typed results.

A misbehaving implementation is a result, not a crash: exceptions, NaN/inf,
wrong shapes, mutated inputs and hangs (a per-invariant timeout) all become a
failed :class:`Result` with a reason, the shrunk falsifying example and one
command that reproduces exactly that failure.
"""
from __future__ import annotations

import contextlib
import importlib
import random
import shlex
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator

import hypothesis
from hypothesis import errors as hyp_errors
from hypothesis import given

from . import profiles
from .checks import ImplementationFailure, InvariantViolation
from .examples import format_example
from .records import Implementation, Invariant, Topic

STATUSES = ("passed", "failed", "error", "timeout", "skipped", "xfail", "xpass")
#: statuses that make ``check``/``verify`` exit non-zero
BAD = frozenset({"failed", "error", "timeout", "xpass"})


@dataclass
class Result:
    invariant: str
    topic: str
    implementation: str
    kind: str
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


class ImplementationNotFound(ImportError):
    pass


def load(spec: str) -> Any:
    """Import ``module:attr`` (attr may be dotted)."""
    if not isinstance(spec, str) or spec.count(":") != 1:
        raise ImplementationNotFound(f"implementation must be given as 'module:attr', got {spec!r}")
    module_name, attr = spec.split(":")
    try:
        obj = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImplementationNotFound(f"cannot import module {module_name!r}: {exc}") from exc
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ImplementationNotFound(f"module {module_name!r} has no attribute {attr!r}") from None
    return obj


def spec_of(impl: Any) -> str:
    if isinstance(impl, str):
        return impl
    module = getattr(impl, "__module__", None) or type(impl).__module__
    name = getattr(impl, "__qualname__", None) or type(impl).__qualname__
    return f"{module}:{name}"


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """SIGALRM-based limit (main thread on POSIX); elsewhere no limit, which the caller reports."""
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise CheckTimeout(f"no result within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def repro_command(inv: Invariant, spec: str, user_seed: int, profile: str, max_examples: int | None) -> str:
    if inv.is_crosscheck:
        parts = ["invariants", "verify", "--topic", inv.topic, "--only", inv.id]
    else:
        parts = ["invariants", "check", inv.topic, spec, "--only", inv.id]
    parts += ["--seed", str(user_seed), "--profile", "ci" if profile == "dev" else profile]
    if max_examples is not None:
        parts += ["--max-examples", str(max_examples)]
    return shlex.join(parts)


def _resolve_user_seed(profile: str, seed: int | None) -> int:
    if seed is not None:
        return seed
    return 0 if profiles.PROFILES[profile].derandomize else random.SystemRandom().randrange(2**31)


def _execute(inv: Invariant, impls: tuple, label: str, *, profile: str, seed: int | None,
             max_examples: int | None, shrink: bool, timeout: float | None) -> Result:
    user_seed = _resolve_user_seed(profile, seed)
    n = profiles.examples_for(profile, inv.max_examples, max_examples)
    state: dict[str, Any] = {"runs": 0, "last_failed": None, "stats": {}}

    def test(data):
        state["runs"] += 1
        try:
            stats = inv.check(*impls, data)
        except BaseException:
            state["last_failed"] = data
            raise
        # a check may return counts (e.g. {"compared": 3, "skipped_near_ties": 1}); they are summed over examples
        for key, value in (stats or {}).items():
            state["stats"][key] = state["stats"].get(key, 0) + value

    runner = given(inv.strategy)(test)
    runner = profiles.hypothesis_settings(profile, n, shrink=shrink)(runner)
    runner = hypothesis.seed(inv.seed(user_seed))(runner)

    result = Result(invariant=inv.id, topic=inv.topic, implementation=label, kind=inv.kind,
                    statement=inv.statement, status="passed")
    limit = inv.timeout if timeout is None else timeout
    started = time.perf_counter()
    try:
        with time_limit(limit):
            runner()
    except CheckTimeout as exc:
        result.status, result.reason = "timeout", f"the implementation hung: {exc} (per-invariant limit)"
    except (InvariantViolation, ImplementationFailure) as exc:
        result.status, result.reason = "failed", str(exc)
    except hyp_errors.FlakyFailure as exc:
        result.status = "failed"
        result.reason = f"nondeterministic: the same input failed and then passed ({exc})"
    except AssertionError as exc:  # a plain assert inside a check still states a violated property
        result.status, result.reason = "failed", f"{type(exc).__name__}: {exc}"
    except (hyp_errors.Unsatisfiable, hyp_errors.FailedHealthCheck) as exc:
        result.status, result.reason = "error", f"the invariant's strategy is broken: {exc}"
    except Exception as exc:
        result.status = "error"
        result.reason = f"the check itself raised {type(exc).__name__}: {exc} (a bug in the check, not counted against the implementation)"
    result.seconds = time.perf_counter() - started
    result.examples_run = state["runs"]
    if result.status != "passed":
        if state["last_failed"] is not None:
            result.example = format_example(state["last_failed"])
        result.repro = repro_command(inv, label, user_seed, profile, max_examples)
    result.details = {"seed": user_seed, "profile": profile, "max_examples": n, "stats": state["stats"]}
    return result


def _apply_expectation(result: Result, known: Implementation | None) -> Result:
    strict = known.expected_failures.get(result.invariant) if known else None
    reason = strict or (known.may_fail.get(result.invariant) if known else None)
    if reason is None:
        return result
    if result.status in ("failed", "timeout"):
        result.reason = f"expected failure — {reason}\n(observed: {result.reason})"
        result.status = "xfail"
    elif result.status == "passed" and strict:
        result.status = "xpass"
        result.reason = f"recorded as an expected failure ({reason}) but it passed: the record is stale"
    return result


def run_invariant(inv: Invariant, impl: Any, *, topic: Topic | None = None, profile: str | None = None,
                  seed: int | None = None, max_examples: int | None = None, shrink: bool = True,
                  timeout: float | None = None, apply_expected: bool = True) -> Result:
    """Run one (non-cross-check) invariant against ``impl`` (an object or a ``module:attr`` string)."""
    from .records import get_topic

    if inv.is_crosscheck:
        raise ValueError(f"{inv.id} is a crosscheck: use run_crosscheck")
    profile = profile or profiles.default_profile()
    topic = topic or get_topic(inv.topic)
    label = spec_of(impl)
    if isinstance(impl, str):
        impl = load(impl)
    known = topic.known(label, impl) if apply_expected else None
    if known is not None:
        label = known.spec  # name a registered implementation the way the registry (and the user) does
    missing = topic.missing_capabilities(inv, impl)
    if missing:
        return Result(invariant=inv.id, topic=inv.topic, implementation=label, kind=inv.kind,
                      statement=inv.statement, status="skipped",
                      reason=f"implementation does not provide capability {', '.join(missing)}")
    result = _execute(inv, (impl,), label, profile=profile, seed=seed, max_examples=max_examples,
                      shrink=shrink, timeout=timeout)
    return _apply_expectation(result, known) if apply_expected else result


def run_crosscheck(inv: Invariant, impl_a: Any, impl_b: Any, *, profile: str | None = None,
                   seed: int | None = None, max_examples: int | None = None,
                   timeout: float | None = None) -> Result:
    if not inv.is_crosscheck:
        raise ValueError(f"{inv.id} is not a crosscheck")
    profile = profile or profiles.default_profile()
    label = f"{spec_of(impl_a)} vs {spec_of(impl_b)}"
    a = load(impl_a) if isinstance(impl_a, str) else impl_a
    b = load(impl_b) if isinstance(impl_b, str) else impl_b
    return _execute(inv, (a, b), label, profile=profile, seed=seed, max_examples=max_examples,
                    shrink=True, timeout=timeout)


def run_topic(topic: Topic, impl: Any, *, only: list[str] | None = None, **kwargs) -> list[Result]:
    """Every invariant of ``topic`` (or those in ``only``) against one implementation."""
    results = []
    for inv in topic.properties():
        if only and inv.id not in only:
            continue
        results.append(run_invariant(inv, impl, topic=topic, **kwargs))
    return results
