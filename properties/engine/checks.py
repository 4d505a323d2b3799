"""Assertion helpers for invariant checks.

Three kinds of trouble, kept apart so that reports say what went wrong:

* :class:`InvariantViolation` — the mathematics does not hold;
* :class:`ImplementationFailure` — the implementation under test misbehaved (raised, returned NaN/inf,
  the wrong shape, type or a complex dtype, mutated its input, lacks a part of the contract);
* anything else raised inside a check is a bug in the check itself and is reported as an *error*,
  counted against the suite, never against the implementation.

Both failure classes derive from ``AssertionError`` so Hypothesis shrinks them.  Tolerances come from
the invariant's record: ``assert_close(a, b, what=...)`` uses its default tolerance and
``tol="name"`` another one it declares, each resolved for the implementation's working precision.
"""
from __future__ import annotations

import contextlib
import math
import random
import sys
from typing import Any, Callable, Iterator

import numpy as np

from .context import current
from .tolerance import DEFAULT_PRECISION, Tolerance


class InvariantViolation(AssertionError):
    """The invariant's statement is false for this example."""


class ImplementationFailure(AssertionError):
    """The implementation raised, returned malformed output, mutated its inputs or lacks the contract."""


class SkipCheck(BaseException):
    """Raised by a check that cannot run here (e.g. a bit-exact comparison without the C library it
    needs): the result is *skipped* with this reason, never a pass or a fail.  (A BaseException, so that
    Hypothesis stops at once instead of shrinking it.)"""


def _is_tensor(x: Any) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def to_numpy(x: Any) -> np.ndarray:
    """An ndarray view of arrays, tensors, lists and scalars (tensors are detached and moved to CPU)."""
    if _is_tensor(x):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def resolve_tolerance(tol: Tolerance | str | None) -> Tolerance:
    """``None`` → the record's default tolerance, a name → the record's tolerance of that name, an explicit
    :class:`Tolerance` (a bound computed per example) as given; each at the implementation's precision."""
    ctx = current()
    if isinstance(tol, Tolerance):
        return tol.at(ctx.precision if ctx else DEFAULT_PRECISION)
    if ctx is None:
        raise RuntimeError("a tolerance named by the record needs a running invariant; pass a Tolerance")
    return ctx.tolerance(tol).at(ctx.precision)


def tolerance(name: str | None = None) -> Tolerance:
    """The record's tolerance (default or by name) at the running implementation's precision."""
    return resolve_tolerance(name)


def precision() -> str:
    """The working precision the running implementation is judged at (float32 when undeclared)."""
    ctx = current()
    return ctx.precision if ctx else DEFAULT_PRECISION


def supports(axis: str, value: Any) -> bool:
    """Whether the running implementation supports ``value`` of ``axis`` (a check may skip an optional
    part of a comparison it does not offer; outside a run: True)."""
    ctx = current()
    return True if ctx is None or axis not in ctx.options else value in ctx.options[axis]


def _snapshot(args: tuple, kwargs: dict) -> list[tuple[str, Any, np.ndarray]]:
    snaps = []
    for label, value in [(f"argument {i}", a) for i, a in enumerate(args)] + [(f"argument {k!r}", v) for k, v in kwargs.items()]:
        if isinstance(value, np.ndarray) or _is_tensor(value):
            snaps.append((label, value, to_numpy(value).copy()))
    return snaps


def call(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call implementation code: exceptions and in-place mutation of array inputs become failures, and
    the result is remembered as the implementation's (a contract attribute it lacks is its failure)."""
    snaps = _snapshot(args, kwargs)
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    try:
        out = fn(*args, **kwargs)
    except (InvariantViolation, ImplementationFailure):
        raise
    except Exception as exc:
        raise ImplementationFailure(f"implementation raised {type(exc).__name__} in {name}(): {exc}") from exc
    for label, value, before in snaps:
        after = to_numpy(value)
        if after.shape != before.shape or not np.array_equal(after, before, equal_nan=True):
            raise ImplementationFailure(f"{name}() mutated its {label} in place (inputs must be left unchanged)")
    ctx = current()
    if ctx is not None:
        ctx.produced.append(out)
        if isinstance(out, (tuple, list)) and len(out) <= 8:
            ctx.produced.extend(out)
    return out


def expect_array(x: Any, *, name: str, shape: tuple | None = None, allow_inf: bool = False,
                 allow_nan: bool = False, dtype_kind: str | None = None) -> np.ndarray:
    """The output as a real ndarray, failing on a wrong type, shape or dtype, NaN or inf."""
    try:
        arr = to_numpy(x)
    except Exception as exc:
        raise ImplementationFailure(f"{name}: expected an array, got {type(x).__name__} ({exc})") from exc
    if arr.dtype == object:
        raise ImplementationFailure(f"{name}: expected a numeric array, got {type(x).__name__} of dtype=object")
    if arr.dtype.kind == "c":
        raise ImplementationFailure(f"{name}: expected a real array, got complex dtype {arr.dtype}")
    if arr.dtype.kind not in "biuf":
        raise ImplementationFailure(f"{name}: expected a numeric array, got {type(x).__name__} of dtype {arr.dtype}")
    if shape is not None and tuple(arr.shape) != tuple(shape):
        raise ImplementationFailure(f"{name}: expected shape {tuple(shape)}, got {tuple(arr.shape)}")
    if dtype_kind is not None and arr.dtype.kind not in dtype_kind:
        raise ImplementationFailure(f"{name}: expected dtype kind in {dtype_kind!r}, got {arr.dtype}")
    if arr.dtype.kind == "f":
        if not allow_nan and np.isnan(arr).any():
            raise ImplementationFailure(f"{name}: {int(np.isnan(arr).sum())} NaN value(s) of {arr.size}")
        if not allow_inf and np.isinf(arr).any():
            raise ImplementationFailure(f"{name}: {int(np.isinf(arr).sum())} infinite value(s) of {arr.size}")
    return arr


def expect_scalar(x: Any, *, name: str) -> float:
    arr = expect_array(x, name=name)
    if arr.size != 1:
        raise ImplementationFailure(f"{name}: expected a scalar, got shape {arr.shape}")
    return float(arr.reshape(()))


def assert_close(actual: Any, expected: Any, *, tol: Tolerance | str | None = None, what: str) -> None:
    """numpy's ``assert_allclose`` report (mismatch count, max abs/rel difference) with context."""
    tol = resolve_tolerance(tol)
    a, e = to_numpy(actual), to_numpy(expected)
    if a.shape != e.shape:
        raise InvariantViolation(f"{what}: shape {a.shape} where {e.shape} was expected")
    try:
        np.testing.assert_allclose(a, e, rtol=tol.rtol, atol=tol.atol, equal_nan=True)
    except AssertionError as exc:
        report = str(exc).strip().split("\n", 1)[-1].strip()
        raise InvariantViolation(f"{what}: not equal within {tol.describe()}\n{report}") from None


def assert_true(condition: Any, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    if not bool(condition):
        raise InvariantViolation(message)


def assert_leq(a: float, b: float, *, tol: Tolerance | str | None = None, what: str) -> None:
    """a ≤ b up to the tolerance, with both sides in the message."""
    tol = resolve_tolerance(tol)
    slack = tol.atol + tol.rtol * max(abs(a), abs(b))
    if not (a <= b + slack) or math.isnan(a) or math.isnan(b):
        raise InvariantViolation(f"{what}: {a!r} > {b!r} (by {a - b:.3g}; allowed slack {slack:.3g} — {tol.reason})")


# ------------------------------------------------------------------------------------- determinism


@contextlib.contextmanager
def global_rng_seeded(seed: int) -> Iterator[None]:
    """Python's ``random``, numpy's legacy global RNG and (when imported) torch's, seeded with ``seed``;
    their states are restored afterwards."""
    torch = sys.modules.get("torch")
    saved = (random.getstate(), np.random.get_state(), torch.random.get_rng_state() if torch else None)
    random.seed(seed)
    np.random.seed(seed)
    if torch:
        torch.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
        if torch:
            torch.random.set_rng_state(saved[2])


def _identical(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_identical(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b))
    try:
        x, y = to_numpy(a), to_numpy(b)
    except Exception:  # noqa: BLE001
        return a == b
    if x.dtype == object or y.dtype == object:
        return x.shape == y.shape and all(_identical(p, q) for p, q in zip(x.ravel().tolist(), y.ravel().tolist()))
    return x.shape == y.shape and np.array_equal(x, y, equal_nan=x.dtype.kind in "fc")


def assert_deterministic(run: Callable[[], Any], *, what: str, seeds: tuple[int, int] = (1, 2)) -> Any:
    """``run()`` twice, under two different global RNG states: the results must be identical.

    Hypothesis reseeds the global RNGs for every example, which makes an implementation that draws from
    them look deterministic within one example; reseeding them differently exposes it."""
    outs = []
    for s in seeds:
        with global_rng_seeded(s):
            outs.append(run())
    if not _identical(outs[0], outs[1]):
        raise InvariantViolation(f"nondeterministic: {what} differs between two runs on the same input under "
                                 f"different global random states (the implementation draws from a global random "
                                 f"number generator: Python's random, numpy.random or torch's default generator)")
    return outs[0]
