"""Logistic-regression checks' machinery: generated problems, fitting an implementation and reading it, and the
tolerance rules sized from the implementation's ``tol``.  The invariants are in ``properties.linear.logistic``,
whose docstring states the contract these helpers implement.
"""
from __future__ import annotations

import re
import warnings

import numpy as np
from hypothesis import strategies as st
from threadpoolctl import ThreadpoolController

from properties.engine import (ImplementationFailure, InvariantViolation, Tolerance, assert_true, call, expect_array,
                               option, precision)
from properties.oracles import logistic as ol

LABEL_SETS = {2: ((0, 1), (-1, 1), (1, 2), (3, 7)), 3: ((0, 1, 2), (-1, 0, 4), (2, 5, 7))}
C_VALUES = (0.1, 1.0, 10.0)
AXES_DRAWN = ("penalty", "multiclass", "fit_intercept", "class_weight", "sample_weight")


#: one strategy per axis, built once (option() builds a composite strategy; it reads the example's domain when drawn)
OPTIONS = {axis: option(axis) for axis in AXES_DRAWN}


def draws(**subsets) -> dict:
    """The ``draws=`` of an invariant whose strategy is :func:`problems` (every axis it draws; a subset where given)."""
    return {axis: subsets.get(axis) for axis in AXES_DRAWN}


def eps() -> float:
    """Unit round-off of the running implementation's declared precision."""
    return float(np.finfo(np.float64 if precision() == "float64" else np.float32).eps)


# ---------------------------------------------------------------------------------------------
# problems
# ---------------------------------------------------------------------------------------------
FLAVOURS = ("integer", "float", "duplicates", "sign_symmetric")


def features(rng: np.random.Generator, flavour: str, n: int, d: int) -> np.ndarray:
    """(n, d) in [−3, 3]: an integer grid (ties), floats, a few distinct rows repeated, or rows and their negatives."""
    if flavour == "integer":
        return rng.integers(-3, 4, (n, d)).astype(np.float64)
    if flavour == "float":
        return rng.uniform(-3, 3, (n, d))
    if flavour == "duplicates":
        distinct = rng.integers(-3, 4, (int(rng.integers(1, 4)), d)).astype(np.float64)
        return distinct[rng.integers(0, len(distinct), n)]
    half = rng.uniform(-3, 3, ((n + 1) // 2, d))
    return np.concatenate([half, -half])[:n]


def anchors(d: int, K: int) -> tuple[np.ndarray, np.ndarray]:
    """The origin and the d unit vectors, each once with every class: no Θ ≠ 0 can score every row's class at
    least as high as the others (so the likelihood has a maximum), and X̃ has full column rank."""
    A = np.vstack([np.zeros(d), np.eye(d)])
    return np.repeat(A, K, axis=0), np.tile(np.arange(K), d + 1)


@st.composite
def problems(draw, *, integer_weights: bool = False, max_rows: int = 14, max_cols: int = 3):
    """A fitting problem: X (a drawn flavour, plus the anchors), labels from a label set, C, and the options of the
    example (penalty, binary/multinomial, intercept, class and sample weights).  The arrays come from a drawn seed."""
    K = 2 if draw(OPTIONS["multiclass"], label="multiclass") == "binary" else 3
    d = draw(st.integers(1, max_cols), label="d")
    n = draw(st.integers(K, max_rows), label="n")
    flavour = draw(st.sampled_from(FLAVOURS), label="flavour")
    labels = draw(st.sampled_from(LABEL_SETS[K]), label="labels")
    cw_kind = draw(OPTIONS["class_weight"], label="class_weight")
    weighted = draw(OPTIONS["sample_weight"], label="sample_weight") and draw(st.booleans(), label="weighted")
    ex = {"labels": labels, "K": K, "penalty": draw(OPTIONS["penalty"], label="penalty"),
          "C": draw(st.sampled_from(C_VALUES), label="C"), "fit_intercept": draw(OPTIONS["fit_intercept"], label="fit_intercept"),
          "seed": draw(st.integers(0, 2**32 - 1), label="seed")}
    rng = np.random.default_rng(ex["seed"])
    X = features(rng, flavour, n, d)
    yi = rng.integers(0, K, n)
    yi[:K] = np.arange(K)
    Xa, ya = anchors(d, K)
    X, yi = np.vstack([X, Xa]), np.concatenate([yi, ya])
    class_weight = None
    if cw_kind == "dict":
        class_weight = {lab: float(w) for lab, w in zip(labels, rng.choice((0.5, 1.0, 2.0, 3.0), K))}
    elif cw_kind == "balanced":
        class_weight = "balanced"
    sample_weight = None
    if weighted:
        sample_weight = rng.choice((1.0, 2.0, 3.0) if integer_weights else (0.5, 1.0, 2.0, 3.0), len(yi))
    return {**ex, "X": X, "y": np.array(labels)[yi], "class_weight": class_weight, "sample_weight": sample_weight}


def weights_of(ex: dict, yi: np.ndarray) -> np.ndarray:
    """sᵢ = sample weight × class weight of yᵢ (the contract's definition of both)."""
    s = np.ones(len(yi)) if ex.get("sample_weight") is None else np.asarray(ex["sample_weight"], dtype=np.float64)
    cw = ex.get("class_weight")
    if cw is None:
        return s
    if isinstance(cw, str):
        return s * ol.balanced_class_weights(yi, ex["K"], ex.get("sample_weight"))[yi]
    return s * np.array([cw[lab] for lab in ex["labels"]])[yi]


def problem_of(ex: dict, **override) -> ol.Problem:
    ex = {**ex, **override}
    yi = np.searchsorted(np.asarray(ex["labels"]), ex["y"])
    return ol.Problem(np.asarray(ex["X"], dtype=np.float64), yi, ex["K"], weights_of(ex, yi), float(ex["C"]),
                      ex["penalty"], bool(ex["fit_intercept"]))


# ---------------------------------------------------------------------------------------------
# fitting an implementation and reading it
# ---------------------------------------------------------------------------------------------
_THREADS: list = []


def one_thread():
    """BLAS/OpenMP limited to one thread (the controller is built once: discovering the libraries reads /proc)."""
    if not _THREADS:
        _THREADS.append(ThreadpoolController())
    return _THREADS[0].limit(limits=1)


class Fit:
    """An implementation fitted on an example (``override`` replaces parts of it), read through the contract.

    The fit runs with BLAS/OpenMP limited to one thread: on problems this small, threads only add contention
    (scikit-learn's lbfgs fit of a 20 × 3 problem took 185 ms with two OpenBLAS threads on a loaded 2-core
    machine, 29 ms with one); the arithmetic, and so the verdict, is the same."""

    def __init__(self, impl, ex: dict, **override):
        ex = {**ex, **override}
        self.ex, self.P = ex, problem_of(ex)
        kwargs = {"C": ex["C"], "penalty": ex["penalty"], "fit_intercept": ex["fit_intercept"]}
        if ex.get("class_weight") is not None:
            kwargs["class_weight"] = ex["class_weight"]
        fit_kw = {} if ex.get("sample_weight") is None else {"sample_weight": ex["sample_weight"]}
        self.est = call(impl, **kwargs)
        with warnings.catch_warnings(record=True) as caught, one_thread():
            warnings.simplefilter("always")
            out = call(self.est.fit, ex["X"], ex["y"], **fit_kw)
        self.warnings = [w for w in caught]
        assert_true(out is self.est, "fit(X, y) must return self (scikit-learn estimator contract)")
        K, d, rows = ex["K"], ex["X"].shape[1], self.P.rows
        classes = expect_array(self.est.classes_, name="classes_", shape=(K,))
        assert_true(np.array_equal(classes, np.asarray(ex["labels"])),
                    f"classes_ = {classes.tolist()}, expected the sorted labels {list(ex['labels'])}")
        self.coef = expect_array(self.est.coef_, name="coef_", shape=(rows, d))
        # the shape of intercept_ is judged by logistic.decision_is_logit; here only its values are needed
        intercept = expect_array(self.est.intercept_, name="intercept_")
        self.intercept = intercept.reshape(rows) if intercept.size == rows else expect_array(
            intercept, name="intercept_", shape=(rows,))
        self.theta = ol.theta(self.coef, self.intercept, ex["fit_intercept"])

    @property
    def tol(self) -> float:
        tol = float(np.asarray(self.est.tol).reshape(()))
        if not tol > 0:
            raise ImplementationFailure(f"tol = {tol!r}: the contract needs a positive tol")
        return tol

    @property
    def promise(self) -> float:
        """G = tol·max(1, R/4) + round-off: the bound on ‖∇f‖∞ (least-norm subgradient for l1) that ``tol``
        promises at the returned solution (module docstring of properties.linear.logistic)."""
        return self.tol * max(1.0, self.P.data_radius() / 4) + roundoff_gradient(self.P)

    def gradient(self) -> np.ndarray:
        return ol.min_norm_subgradient(self.P, self.theta)

    def proba(self, X: np.ndarray) -> np.ndarray:
        return expect_array(call(self.est.predict_proba, X), name="predict_proba(X)", shape=(len(X), self.ex["K"]))

    def decision(self, X: np.ndarray) -> np.ndarray:
        shape = (len(X),) if self.ex["K"] == 2 else (len(X), self.ex["K"])
        return expect_array(call(self.est.decision_function, X), name="decision_function(X)", shape=shape)


def roundoff_gradient(P: ol.Problem) -> float:
    """What separates two float64 evaluations of ∇f: n terms of size ≤ max|x̃|, each off by a few ulp."""
    return 16 * len(P.yi) * np.finfo(np.float64).eps * float(np.abs(P.design).max())


def roundoff_objective(P: ol.Problem, *thetas: np.ndarray) -> float:
    """What separates two float64 evaluations of f near Θ: n terms log(1 + e^{z}) of size ≤ 1 + |z|."""
    zmax = max(float(np.abs(ol.scores(P, T)).max(initial=0.0)) for T in thetas)
    return 16 * len(P.yi) * np.finfo(np.float64).eps * (1.0 + zmax)


def bound(atol: float, reason: str) -> Tolerance:
    return Tolerance(rtol=0.0, atol=float(atol) + 1e-300, reason=reason)


# ---------------------------------------------------------------------------------------------
# comparing two fits of the same objective
# ---------------------------------------------------------------------------------------------
def same_minimiser(P: ol.Problem, Ta: np.ndarray, Tb: np.ndarray, Ga: float, Gb: float, *, what: str) -> dict:
    """Θa and Θb are approximate minimisers of P's f with ‖∂f‖∞ ≤ Ga, Gb: for l2/None their identified parts are
    within the certified distance (oracle docstring); for l1 their objective values within max(Ga, Gb)·‖Θa − Θb‖₁."""
    if P.penalty == "l1":
        slack = max(Ga, Gb) * float(np.abs(Ta - Tb).sum()) + roundoff_objective(P, Ta, Tb)
        gaps = [abs(f(P, Ta) - f(P, Tb)) for f in (ol.objective, _intercept_penalised)]
        if min(gaps) > slack:
            raise InvariantViolation(f"{what}: objective values f = {ol.objective(P, Ta)!r} and {ol.objective(P, Tb)!r} "
                                     f"differ by {gaps[0]:.3g} (by {gaps[1]:.3g} with the intercept penalised too), more "
                                     f"than the {slack:.3g} that the two fits' tol allows (‖∂f‖∞ ≤ {Ga:.3g}, {Gb:.3g})")
        return {"compared_objective": 1}
    r = ol.certified_distance(P, Ta, Tb, Ga, Gb)
    gap = float(np.linalg.norm(ol.identified(P, Ta) - ol.identified(P, Tb)))
    slack = r + 64 * np.finfo(np.float64).eps * (1.0 + float(np.abs(Ta).max()))
    if not gap <= slack:
        raise InvariantViolation(f"{what}: ‖Θa − Θb‖₂ = {gap:.3g} on the identified directions, more than the "
                                 f"{slack:.3g} certified by the fits' tol (‖∇f‖∞ ≤ {Ga:.3g}, {Gb:.3g}; curvature "
                                 f"μ = {ol.curvature(P, Ta):.3g})\nΘa = {Ta.tolist()}\nΘb = {Tb.tolist()}")
    return {"compared_coefficients": 1}


def _intercept_penalised(P: ol.Problem, T: np.ndarray) -> float:
    """f with the intercept penalised like a coefficient (liblinear's convention): every relation between fits that
    the invariants state holds for this objective too, so a comparison accepts either."""
    extra = float(np.abs(np.asarray(T)[:, -1]).sum()) if P.fit_intercept else 0.0
    return ol.objective(P, T) + P.penalty_scale * extra


def expect_rejection(fn, names: tuple[str, ...], what: str) -> None:
    """``fn()`` must raise a ValueError whose message names one of ``names``."""
    try:
        out = fn()
    except ImplementationFailure as failure:
        exc = failure.__cause__
        if not isinstance(exc, ValueError):
            raise InvariantViolation(f"{what}: raised {type(exc).__name__}({exc}) instead of a ValueError naming "
                                     f"{' or '.join(names)}") from None
        named = any(re.search(rf"(?<![A-Za-z_]){n}(?![A-Za-z_])", str(exc)) for n in names)
        assert_true(named, f"{what}: ValueError({str(exc)[:200]!r}) does not name the parameter ({' or '.join(names)})")
        return
    raise InvariantViolation(f"{what}: accepted, returned {type(out).__name__}; expected a ValueError naming "
                             f"{' or '.join(names)}")


def fit_call(impl, ex: dict, **kwargs):
    """A thunk fitting ``impl`` on ``ex`` with constructor ``kwargs`` (for validation checks)."""
    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = call(impl, **kwargs)
            return call(est.fit, ex["X"], ex["y"])
    return run
