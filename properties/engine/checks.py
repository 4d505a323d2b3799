"""Assertion helpers for invariant checks.

Three kinds of trouble, kept apart so that reports say what went wrong:

* :class:`InvariantViolation` — the mathematics does not hold;
* :class:`ImplementationFailure` — the implementation under test misbehaved
  (raised, returned NaN/inf or the wrong shape, mutated its input);
* anything else raised inside a check is a bug in the check itself and is
  reported as an *error*, never counted as the implementation failing.

Both failure classes derive from ``AssertionError`` so Hypothesis shrinks them.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .records import Tolerance


class InvariantViolation(AssertionError):
    """The invariant's statement is false for this example."""


class ImplementationFailure(AssertionError):
    """The implementation raised, returned malformed output or mutated its inputs."""


def _is_tensor(x: Any) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def to_numpy(x: Any) -> np.ndarray:
    """An ndarray view of arrays, tensors, lists and scalars (tensors are detached and moved to CPU)."""
    if _is_tensor(x):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _snapshot(args: tuple, kwargs: dict) -> list[tuple[str, Any, np.ndarray]]:
    snaps = []
    for label, value in [(f"argument {i}", a) for i, a in enumerate(args)] + [(f"argument {k!r}", v) for k, v in kwargs.items()]:
        if isinstance(value, np.ndarray) or _is_tensor(value):
            snaps.append((label, value, to_numpy(value).copy()))
    return snaps


def call(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call implementation code: exceptions and in-place mutation of array inputs become failures."""
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
    return out


def expect_array(x: Any, *, name: str, shape: tuple | None = None, allow_inf: bool = False,
                 allow_nan: bool = False, dtype_kind: str | None = None) -> np.ndarray:
    """The output as a float/int ndarray, failing on a wrong shape, NaN or inf."""
    try:
        arr = to_numpy(x)
    except Exception as exc:
        raise ImplementationFailure(f"{name}: expected an array, got {type(x).__name__} ({exc})") from exc
    if arr.dtype == object:
        raise ImplementationFailure(f"{name}: expected a numeric array, got dtype=object")
    if shape is not None and tuple(arr.shape) != tuple(shape):
        raise ImplementationFailure(f"{name}: expected shape {tuple(shape)}, got {tuple(arr.shape)}")
    if dtype_kind is not None and arr.dtype.kind not in dtype_kind:
        raise ImplementationFailure(f"{name}: expected dtype kind in {dtype_kind!r}, got {arr.dtype}")
    if arr.dtype.kind in "fc":
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


def assert_close(actual: Any, expected: Any, *, tol: Tolerance, what: str) -> None:
    """numpy's ``assert_allclose`` report (mismatch count, max abs/rel difference) with context."""
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


def assert_leq(a: float, b: float, *, tol: Tolerance, what: str) -> None:
    """a ≤ b up to the tolerance, with both sides in the message."""
    slack = tol.atol + tol.rtol * max(abs(a), abs(b))
    if not (a <= b + slack) or math.isnan(a) or math.isnan(b):
        raise InvariantViolation(f"{what}: {a!r} > {b!r} (by {a - b:.3g}; allowed slack {slack:.3g} — {tol.reason})")
