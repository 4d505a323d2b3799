"""What the four scalers share, as invariants: each is a per-column affine map z = (x − c_j) / s_j.

A scaler topic describes itself with a :class:`ScalerSpec` — the oracle's centre c and scale s of each
column (from its observed values; s = 1 where the column gives no scale), the expected fitted attributes,
how a negative factor maps z, whether a translation leaves z unchanged — and :func:`register_scaler` adds:

* ``statistics`` — the fitted attributes and transform(X) = (X − c)/s, NaN ignored by fit and kept by transform;
* ``constant_column_scale_one`` — a constant column is scaled by 1 (no division by zero) and maps to the value
  the contract says;
* ``inverse_round_trip`` — inverse_transform(transform(X)) = X;
* ``affine_equivariant`` — refitting on X·diag(a) + b (b = 0 when the scaler does not centre) gives z, or its
  reflection where a_j < 0;
* ``idempotent`` — fit_transform applied twice = once;
* ``shift_invariant`` (centring scalers) — z(X + 1e8) = z(X) on data whose spread float64 resolves at that
  offset (σ ≳ 1e-4·1e8: ``properties.features.data.shifted_matrices``).

Units: z = x/s − c/s is computed with a rounding error of a few ε·(|x| + |c|)/s, so z is compared in the
unit u_j = max_i |x_ij|/s_j + |c_j|/s_j of its own column (never floored at 1); X and the location-type
attributes in the column's magnitude m_j = max_i |x_ij|.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.strategies import MIN_RELATIVE_SPREAD
from properties.engine import Expected, Tolerance, Topic, assert_close, assert_true, call, expect_array, invariant
from properties.features.data import (CONSTANTS, OFFSET, columns_resolvable, constant_columns, feature_matrices,
                                      shifted_matrices, with_missing)
from properties.features.transformer_api import (build, fit_transform, fitted, iris_cases, output, register_crosscheck,
                                                 transform)

ROUNDING = Tolerance(atol=1e-13, reason="a handful of roundings of size ε·(|x| + |c|)/s per entry, in the column's unit "
                     "u_j (or m_j): ≤ 10ε ≈ 2e-15; 1e-13 leaves a margin of 50 for the sums over ≤ 12 rows")
FACTORS = (2.0, -1.0, 0.5, -3.0, 1e3)
#: the scales scaler data is drawn at; besides, a quarter of the examples get a column of small integers × 1e-16,
#: whose spread is below 10ε ≈ 2.2e-15, where a scaler with an absolute "near-constant" threshold stops scaling
#: (scikit-learn #19898)
SCALES = (0, -5, 3, -16)
#: 10·ε: scikit-learn's absolute threshold below which MinMax-, MaxAbs- and RobustScaler treat a scale as 0
SKLEARN_NEAR_ZERO = 10 * np.finfo(np.float64).eps


@dataclass(frozen=True)
class ScalerSpec:
    """``centre_scale(X, params)`` → (c, s) from each column's observed values; ``attributes(X, params)`` →
    {name: (expected, unit m_j, power p)} compared in units m_j^p; ``reflect(z, params)``: the output for a column multiplied by a negative number;
    ``constant_value(c, params)``: what a constant column c maps to; ``centres``: translations leave z unchanged;
    ``fallback(X, params)``: the non-constant columns scaled by the fallback 1 (RobustScaler's zero-IQR columns),
    whose z = x − c is not scale-free."""

    centre_scale: Callable[[np.ndarray, Mapping], tuple[np.ndarray, np.ndarray]]
    attributes: Callable[[np.ndarray, Mapping], dict[str, tuple[np.ndarray, np.ndarray]]]
    reflect: Callable[[np.ndarray, Mapping], np.ndarray]
    constant_value: Callable[[np.ndarray, Mapping], np.ndarray]
    scale_attribute: str
    centres: bool
    fallback: Callable[[np.ndarray, Mapping], np.ndarray] = lambda X, params: np.zeros(X.shape[1], dtype=bool)
    params: st.SearchStrategy = st.just({})
    source: str = ""


def magnitudes(X: np.ndarray) -> np.ndarray:
    """m_j = max_i |x_ij| over observed values (1 for an all-zero column, which has no magnitude)."""
    m = np.nanmax(np.abs(X), axis=0)
    return np.where(m > 0, m, 1.0)


def in_units(v: np.ndarray, unit: np.ndarray, power: int) -> np.ndarray:
    """v / unit^power, dividing ``power`` times (unit² of a tiny column would underflow)."""
    for _ in range(abs(power)):
        v = v / unit if power > 0 else v * unit
    return v


def z_units(X: np.ndarray, c: np.ndarray, s: np.ndarray) -> np.ndarray:
    """u_j = max_i |x_ij| / s_j + |c_j| / s_j: the size of the terms z is computed from."""
    u = np.nanmax(np.abs(X), axis=0) / s + np.abs(c) / s
    return np.where(u > 0, u, 1.0)


def assert_z(Z: np.ndarray, expected: np.ndarray, units: np.ndarray, *, what: str) -> None:
    assert_true(np.array_equal(np.isnan(Z), np.isnan(expected)),
                f"{what}: NaN at {np.argwhere(np.isnan(Z)).tolist()} where the input is missing at "
                f"{np.argwhere(np.isnan(expected)).tolist()}")
    assert_close(Z / units, expected / units, what=f"{what} (in units u_j = {np.round(units, 3).tolist()})")


@st.composite
def scaler_data(draw, spec: ScalerSpec, *, missing: bool = False, constant: bool = True, force_constant: bool = False):
    X = draw(feature_matrices(constant=constant, scales=SCALES), label="X")
    if force_constant:
        j = draw(st.integers(0, X.shape[1] - 1), label="constant column")
        X = X.copy()
        X[:, j] = draw(st.sampled_from(CONSTANTS), label="constant")
    if draw(st.sampled_from((False, False, False, True)), label="tiny column"):
        j = draw(st.integers(0, X.shape[1] - 1), label="tiny column index")
        X = X.copy()
        X[:, j] = draw(hnp.arrays(np.float64, X.shape[0], elements=st.integers(-3, 3).map(float)), label="tiny") * 1e-16
        assume(columns_resolvable(X))
    if missing and draw(st.booleans(), label="with NaN"):
        X = draw(with_missing(X))
    return {"X": X, "y": None, "params": draw(spec.params, label="params")}


def register_scaler(topic: Topic, spec: ScalerSpec, *, max_examples: int = 6) -> None:
    t = topic.name
    source = spec.source

    @invariant(topic, f"{t}.statistics",
               statement="fitted attributes = the columns' statistics of the observed values; transform(X) = (X − c)/s; "
                         "NaN ignored by fit, kept by transform",
               why="The scaler is defined by these statistics; scikit-learn treats NaN as a missing value that fit "
                   "disregards and transform passes through.",
               source=source, kind="tolerance", tolerance=ROUNDING, strategy=scaler_data(spec, missing=True),
               max_examples=max_examples)
    def statistics(impl, data):
        X, params = data["X"], data["params"]
        est = fitted(impl, data)
        for name, (expected, unit, power) in spec.attributes(X, params).items():
            got = expect_array(getattr(est, name), name=name, shape=expected.shape)
            assert_close(in_units(got, unit, power), in_units(expected, unit, power),
                         what=f"{name} (in units m_j^{power}, m = {np.round(unit, 3).tolist()})")
        c, s = spec.centre_scale(X, params)
        assert_z(transform(est, X, allow_nan=True), (X - c) / s, z_units(X, c, s), what="transform(X)")

    @invariant(topic, f"{t}.constant_column_scale_one",
               statement=f"a constant column c: {spec.scale_attribute} as for scale 1 (no division by zero), "
                         "transform maps it to the contract's value",
               why="A constant column has no spread to divide by; scikit-learn scales it by 1 so that the output is "
                   "finite and the column still inverts.",
               source=source, kind="tolerance", tolerance=ROUNDING, strategy=scaler_data(spec, force_constant=True),
               max_examples=4)
    def constant_column_scale_one(impl, data):
        X, params = data["X"], data["params"]
        const = constant_columns(X)
        est = fitted(impl, data)
        expected, unit, power = spec.attributes(X, params)[spec.scale_attribute]
        got = expect_array(getattr(est, spec.scale_attribute), name=spec.scale_attribute, shape=expected.shape)
        assert_close(in_units(got, unit, power)[const], in_units(expected, unit, power)[const],
                     what=f"{spec.scale_attribute} of the constant columns {np.flatnonzero(const).tolist()}")
        Z = transform(est, X)
        c, s = spec.centre_scale(X, params)
        want = np.broadcast_to(spec.constant_value(X[0, const], params), Z[:, const].shape)
        assert_z(Z[:, const], want, z_units(X, c, s)[const], what="transform of the constant columns")

    @invariant(topic, f"{t}.inverse_round_trip", statement="inverse_transform(transform(X)) = X",
               why="z = (x − c)/s is invertible for s ≠ 0: x = z·s + c.",
               source=source, kind="tolerance", tolerance=ROUNDING, strategy=scaler_data(spec), max_examples=max_examples)
    def inverse_round_trip(impl, data):
        X = data["X"]
        est = fitted(impl, data)
        back = output(call(est.inverse_transform, transform(est, X)), X.shape[0], "inverse_transform(Z)")
        c, s = spec.centre_scale(X, data["params"])
        m = z_units(X, c, s) * s
        assert_close(back / m, X / m, what="inverse_transform(transform(X)) (in units m_j + |c_j| of each column)")

    @st.composite
    def affine_cases(draw):
        data = draw(scaler_data(spec))
        X = data["X"]
        a = draw(hnp.arrays(np.float64, X.shape[1], elements=st.sampled_from(FACTORS)), label="a")
        b = (draw(hnp.arrays(np.float64, X.shape[1], elements=st.integers(-20, 20).map(float)), label="b")
             * magnitudes(X)) if spec.centres else np.zeros(X.shape[1])
        assume(columns_resolvable(X * a + b))
        return {**data, "a": a, "b": b}

    @invariant(topic, f"{t}.affine_equivariant",
               statement=("fit(X·diag(a) + b): z unchanged where a_j > 0, reflected where a_j < 0" if spec.centres else
                          "fit(X·diag(a)): z unchanged where a_j > 0, reflected where a_j < 0"),
               why="The statistics are location-scale equivariant (c(ax + b) = a·c(x) + b, s(ax + b) = |a|·s(x)), so "
                   "the change of units cancels in (x − c)/s" + ("" if spec.centres else " (this scaler does not centre, "
                   "so only a change of scale, b = 0, cancels)") + "; a constant column maps to the same value whatever "
                   "its units, and a non-constant column scaled by the fallback 1 is not scale-free (it is left out).",
               source=source, kind="metamorphic", tolerance=ROUNDING, strategy=affine_cases(), max_examples=max_examples)
    def affine_equivariant(impl, data):
        X, a, b, params = data["X"], data["a"], data["b"], data["params"]
        Y = X * a + b
        Z = fit_transform(build(impl, data), data)
        Zy = fit_transform(build(impl, data), {**data, "X": Y})
        const = constant_columns(X)
        expected = np.where(a > 0, Z, spec.reflect(Z, params))
        expected[:, const] = spec.constant_value(Y[0, const], params)
        learnt = ~spec.fallback(X, params)
        c, s = spec.centre_scale(Y, params)
        assert_z(Zy[:, learnt], expected[:, learnt], z_units(Y, c, s)[learnt],
                 what=f"z(X·diag(a) + b) for a = {a.tolist()}, columns {np.flatnonzero(learnt).tolist()}")

    @invariant(topic, f"{t}.idempotent", statement="fit_transform(fit_transform(X)) = fit_transform(X)",
               why="Scaled data already has the target statistics (c ↦ the target centre, s ↦ the target scale), so "
                   "scaling it again is the identity; a constant column, scaled by 1, stays where it was mapped.",
               source=source, kind="tolerance", tolerance=ROUNDING, strategy=scaler_data(spec), max_examples=max_examples)
    def idempotent(impl, data):
        X, params = data["X"], data["params"]
        Z = fit_transform(build(impl, data), data)
        Z2 = fit_transform(build(impl, data), {**data, "X": Z})
        c, s = spec.centre_scale(X, params)
        assert_z(Z2, Z, z_units(X, c, s), what="fit_transform applied twice vs once (in the units of the first pass)")

    def same_scaling(a, b, data):
        X, params = data["X"], data["params"]
        Za = transform(fitted(a, data), X, "reference transform(X)", allow_nan=True)
        Zb = transform(fitted(b, data), X, "library transform(X)", allow_nan=True)
        c, s = spec.centre_scale(X, params)
        assert_z(Zb, Za, z_units(X, c, s), what="library vs reference transform(X)")

    register_crosscheck(topic, topic.implementations[0].spec, compare=same_scaling, tolerance=ROUNDING,
                        strategy=st.one_of(iris_cases(spec.params), scaler_data(spec, missing=True)),
                        statement="reference and scikit-learn give the same z on iris and on generated data (constant "
                                  "columns, tiny and huge scales, NaN)")

    if spec.centres:
        @st.composite
        def shift_cases(draw):
            X, params = draw(shifted_matrices()), draw(spec.params, label="params")
            # the learnt scale itself (not only the spread) must be resolvable at the offset: an interquartile
            # range can be far below the column's range
            _, s = spec.centre_scale(X, params)
            learnt = ~spec.fallback(X, params)
            assume((s[learnt] > MIN_RELATIVE_SPREAD * (OFFSET + np.abs(X).max(axis=0)[learnt])).all())
            return {"X": X, "y": None, "params": params}

        @invariant(topic, f"{t}.shift_invariant", statement=f"z(X + {OFFSET:g}) = z(X)",
                   why="Centring removes any offset before scaling; an algorithm that squares raw values first "
                       "(E[x²] − E[x]²) cancels the spread away at this offset. Judged only on data whose spread float64 "
                       "resolves at the offset (σ ≳ 1e-4·offset); below that no algorithm can be.",
                   source=source, kind="metamorphic", tolerance=ROUNDING, strategy=shift_cases(),
                   max_examples=max_examples)
        def shift_invariant(impl, data):
            X, params = data["X"], data["params"]
            Z = fit_transform(build(impl, data), data)
            Zs = fit_transform(build(impl, data), {**data, "X": X + OFFSET})
            c, s = spec.centre_scale(X + OFFSET, params)
            assert_z(Zs, Z, z_units(X + OFFSET, c, s), what=f"z(X + {OFFSET:g}) vs z(X)")


def tiny_scale(scale: Callable[[np.ndarray, Mapping], np.ndarray]) -> Callable[[Mapping], bool]:
    """The sub-domain of an example whose data — or the refitted data of a metamorphic invariant — has a
    column with 0 < scale < 10ε (scikit-learn's absolute near-constant threshold, #19898)."""
    def when(data: Mapping) -> bool:
        arrays = [data["X"]] + ([data["X"] * data["a"] + data["b"]] if "a" in data else [])
        return any(((s > 0) & (s < SKLEARN_NEAR_ZERO)).any() for s in (scale(A, data["params"]) for A in arrays))
    return when


NEAR_ZERO_REASON = ("scikit-learn treats a scale below 10·ε ≈ 2.2e-15 as zero (the absolute threshold of "
                    "_handle_zeros_in_scale) and scales that column by 1: data in small units (a spread of 1e-16) is "
                    "left unscaled. A known upstream defect, open as scikit-learn #19898 ('Improve near constant "
                    "feature detection in scalers'); StandardScaler's relative test (#19788) does not have it")


def near_constant_records(topic: str, scale: Callable[[np.ndarray, Mapping], np.ndarray], headline: str,
                          also: tuple[str, ...] = ()) -> tuple:
    """Narrow records of scikit-learn's absolute near-constant threshold.  Not strict: the drawn examples reach
    the sub-domain only sometimes (a quarter of them carry a tiny column); tests/features/test_scalers.py shows
    the failure on an explicit example of each, so a fix upstream is noticed."""
    where = "some column (of X, or of the refitted X·diag(a) + b) has a scale strictly between 0 and 10ε"
    when = tiny_scale(scale)
    return tuple(Expected(f"{topic}.{inv}", NEAR_ZERO_REASON, where=where, when=when, strict=False)
                 for inv in ("statistics", headline, "affine_equivariant", "idempotent", "crosscheck.sklearn", *also))


def observed_columns(X: np.ndarray) -> list[np.ndarray]:
    return [X[~np.isnan(X[:, j]), j] for j in range(X.shape[1])]


def params_of(data: Mapping[str, Any]) -> Mapping[str, Any]:
    return data["params"]
