"""Logistic regression: relations between fits (symmetries and equivalent weightings), separable data, and the
cross-check of solvers.  Registered on the topic of ``properties.linear.logistic`` (its docstring is the contract)."""
from __future__ import annotations

import re

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.engine import ImplementationFailure, InvariantViolation, assert_close, crosscheck, invariant, supports
from properties.linear.logistic import (CERTIFIED, LBFGS, LIBLINEAR, NEEDS_CERTIFICATE, NEWTON_CG, REFERENCE, SAGA,
                                        SOURCE, STATSMODELS, TOPIC, new_points)
from properties.linear.logistic_cases import (LABEL_SETS, OPTIONS, Fit, bound, draws, problems, same_minimiser,
                                              weights_of)
from properties.oracles import logistic as ol


def _compare(fa: Fit, fb: Fit, Tb: np.ndarray, Gb: float, what: str) -> dict:
    """fb's Θ mapped into fa's parametrisation (Tb, whose gradient bound is Gb) against fa's Θ."""
    return same_minimiser(fa.P, fa.theta, Tb, fa.promise, Gb, what=what)


# ---------------------------------------------------------------------------------------------
# symmetries
# ---------------------------------------------------------------------------------------------
@st.composite
def relabelled(draw):
    ex = draw(problems())
    K = ex["K"]
    perm = [1, 0] if K == 2 else draw(st.permutations(range(K)), label="π")
    return {**ex, "perm": list(perm)}


@invariant(TOPIC, "logistic.relabelling_permutes_rows",
           statement="labels k ↦ π(k): coef_, intercept_ rows permuted by π (two classes: swapping them negates both)",
           why="The likelihood depends on which rows carry which class, not on the labels' names: relabelling y permutes "
               "the rows of Θ (binary: θ scores classes_[1], so swapping the classes gives −θ).",
           source=SOURCE, kind="metamorphic", tolerance=CERTIFIED, strategy=relabelled(), draws=draws(),
           requires=NEEDS_CERTIFICATE, max_examples=7)
def relabelling_permutes_rows(impl, ex):
    labels, perm = np.asarray(ex["labels"]), ex["perm"]
    yi = np.searchsorted(labels, ex["y"])
    y2 = labels[np.asarray(perm)[yi]]
    cw = ex["class_weight"]
    cw2 = {labels[perm[k]]: cw[labels[k]] for k in range(ex["K"])} if isinstance(cw, dict) else cw
    a, b = Fit(impl, ex), Fit(impl, ex, y=y2, class_weight=cw2)
    Tb = -b.theta if ex["K"] == 2 else b.theta[perm]
    return _compare(a, b, Tb, b.promise, "relabelled fit, mapped back, vs the original")


@st.composite
def permuted_rows(draw):
    ex = draw(problems())
    return {**ex, "rows": list(draw(st.permutations(range(len(ex["y"]))), label="row order"))}


@invariant(TOPIC, "logistic.row_permutation_invariance", statement="fit(ΠX, Πy, Πs) = fit(X, y, s) for a row permutation Π",
           why="F = C·Σᵢ sᵢ ℓᵢ + R is a sum over rows: their order cannot matter.", source=SOURCE, kind="metamorphic",
           tolerance=CERTIFIED, strategy=permuted_rows(), draws=draws(), requires=NEEDS_CERTIFICATE, max_examples=7)
def row_permutation_invariance(impl, ex):
    rows = np.asarray(ex["rows"])
    s = ex["sample_weight"]
    a = Fit(impl, ex)
    b = Fit(impl, ex, X=ex["X"][rows], y=ex["y"][rows], sample_weight=None if s is None else s[rows])
    return _compare(a, b, b.theta, b.promise, "fit on permuted rows vs the original")


@invariant(TOPIC, "logistic.duplicate_rows_double_C",
           statement="fit(X ⧺ X, y ⧺ y; C) = fit(X, y; 2C)  (without a penalty: = fit(X, y))",
           why="Duplicating every row doubles Σᵢ sᵢℓᵢ: C·2Σ sᵢℓᵢ + R = (2C)·Σ sᵢℓᵢ + R.  An implementation that "
               "averages the loss instead of summing it is unchanged by duplication.", source=SOURCE, kind="metamorphic",
           tolerance=CERTIFIED, strategy=problems(), draws=draws(), requires=NEEDS_CERTIFICATE, max_examples=7)
def duplicate_rows_double_C(impl, ex):
    s = ex["sample_weight"]
    a = Fit(impl, ex, C=2 * ex["C"])
    b = Fit(impl, ex, X=np.vstack([ex["X"], ex["X"]]), y=np.concatenate([ex["y"], ex["y"]]),
            sample_weight=None if s is None else np.concatenate([s, s]))
    return _compare(a, b, b.theta, b.promise, "fit on duplicated rows with C vs fit with 2C")


@invariant(TOPIC, "logistic.integer_weights_repeat_rows",
           statement="fit(X, y, sample_weight=m) = fit(X repeated mᵢ times, y repeated mᵢ times) for integer m",
           why="sᵢ multiplies row i's loss; a row counted mᵢ times contributes mᵢ·ℓᵢ (and, with class_weight='balanced', "
               "mᵢ to its class's weighted count).", source=SOURCE + "; scikit-learn glossary, sample_weight",
           kind="metamorphic", tolerance=CERTIFIED, strategy=problems(integer_weights=True), draws=draws(),
           requires={**NEEDS_CERTIFICATE, "sample_weight": (True,)}, max_examples=7)
def integer_weights_repeat_rows(impl, ex):
    m = ex["sample_weight"]
    if m is None:
        m = 1.0 + np.arange(len(ex["y"])) % 3
    reps = m.astype(int)
    a = Fit(impl, ex, sample_weight=m)
    b = Fit(impl, ex, X=np.repeat(ex["X"], reps, axis=0), y=np.repeat(ex["y"], reps), sample_weight=None)
    return _compare(a, b, b.theta, b.promise, "fit with integer sample_weight vs fit on repeated rows")


@invariant(TOPIC, "logistic.class_weight_is_sample_weight",
           statement="fit(class_weight=c) = fit(sample_weight=s·c(y)); 'balanced': c_k = Σᵢsᵢ/(K·Σ_{yᵢ=k}sᵢ)",
           why="A class weight multiplies the loss of every row of its class, exactly as a sample weight would.",
           source=SOURCE + "; scikit-learn compute_class_weight", kind="metamorphic", tolerance=CERTIFIED,
           strategy=problems(), draws=draws(class_weight=("dict", "balanced")),
           requires={**NEEDS_CERTIFICATE, "sample_weight": (True,)}, max_examples=7)
def class_weight_is_sample_weight(impl, ex):
    yi = np.searchsorted(np.asarray(ex["labels"]), ex["y"])
    a = Fit(impl, ex)
    b = Fit(impl, ex, class_weight=None, sample_weight=weights_of(ex, yi))
    return _compare(a, b, b.theta, b.promise, "fit with class_weight vs fit with the matching sample_weight")


@st.composite
def rescaled(draw):
    ex = draw(problems())
    j = draw(st.integers(0, ex["X"].shape[1] - 1), label="feature")
    return {**ex, "feature": j, "a": draw(st.sampled_from((0.25, 2.0, 10.0)), label="a")}


@invariant(TOPIC, "logistic.feature_scaling",
           statement="without a penalty, x_j ↦ a·x_j (a > 0) gives w_j ↦ w_j/a; every other coefficient, the intercept "
                     "and the probabilities unchanged",
           why="z = Σ_j w_j x_j + b is unchanged when w_j x_j is: the unpenalised likelihood is invariant under that "
               "reparametrisation (a penalty on w_j is not).", source=SOURCE, kind="metamorphic", tolerance=CERTIFIED,
           strategy=rescaled(), draws=draws(penalty=(None,)), requires={**NEEDS_CERTIFICATE, "penalty": (None,)},
           max_examples=7)
def feature_scaling(impl, ex):
    j, s = ex["feature"], ex["a"]
    X2 = ex["X"].copy()
    X2[:, j] *= s
    a, b = Fit(impl, ex), Fit(impl, ex, X=X2)
    Tb = b.theta.copy()
    Tb[:, j] *= s                                   # w_j = a·w'_j
    counts = _compare(a, b, Tb, b.promise * max(1.0, 1.0 / s), f"fit with feature {j} scaled by {s:g}, mapped back")
    Xn = new_points(ex)
    Xn2 = Xn.copy()
    Xn2[:, j] *= s
    r = ol.certified_distance(a.P, a.theta, Tb, a.promise, b.promise * max(1.0, 1.0 / s))
    spread = r * float(np.linalg.norm(np.hstack([Xn, np.ones((len(Xn), 1))]), axis=1).max()) * (1 if ex["K"] == 2 else 2)
    assert_close(b.proba(Xn2), a.proba(Xn), tol=bound(spread / 4 + 1e-14, "¼·(score difference allowed by the "
                 "certified distance)"), what="probabilities of the rescaled fit at rescaled points")
    return counts


# ---------------------------------------------------------------------------------------------
# separable data
# ---------------------------------------------------------------------------------------------
@st.composite
def separable_problems(draw):
    K = 2 if draw(OPTIONS["multiclass"], label="multiclass") == "binary" else 3
    d = draw(st.integers(1, 3), label="d")
    n = draw(st.integers(2 * K, 16), label="n")
    X = draw(hnp.arrays(np.float64, (n, d), elements=st.integers(-3, 3).map(float)), label="X")
    V = draw(hnp.arrays(np.float64, (K, d + 1), elements=st.integers(-2, 2).map(float)), label="V")
    Xt = np.hstack([X, np.ones((n, 1))])
    Z = Xt @ V.T
    if K == 2:
        Z = np.column_stack([np.zeros(n), Z[:, 0] - Z[:, 1]])
    top = np.sort(Z, axis=1)
    keep = top[:, -1] - top[:, -2] >= 1.0           # a margin: every kept row strictly on its class's side
    yi = np.argmax(Z, axis=1)[keep]
    assume(len(np.unique(yi)) == K)
    labels = draw(st.sampled_from(LABEL_SETS[K]), label="labels")
    return {"X": X[keep], "y": np.array(labels)[yi], "labels": labels, "K": K, "penalty": None, "C": 1.0,
            "fit_intercept": True, "class_weight": None, "sample_weight": None, "seed": 0}


SEPARATION_WORDS = re.compile(r"separa|converge|iteration", re.I)


@invariant(TOPIC, "logistic.separable_data_is_reported",
           statement="separable data, no penalty: fit raises (separable), warns (separation/convergence) or n_iter_ ≥ max_iter",
           why="If some Θ scores every row's own class highest, the likelihood increases without bound along Θ: there "
               "is no maximum-likelihood estimate, and finite coefficients returned without a word are an artefact of "
               "the stopping rule (Albert & Anderson 1984).",
           source="Albert & Anderson, Biometrika 71(1) 1984; " + SOURCE, kind="exact", strategy=separable_problems(),
           draws={"multiclass": None}, requires={"penalty": (None,), "fit_intercept": (True,)}, max_examples=5)
def separable_data_is_reported(impl, ex):
    try:
        fit = Fit(impl, ex)
    except ImplementationFailure as failure:
        if failure.__cause__ is not None and re.search(r"separa", str(failure.__cause__), re.I):
            return {"raised": 1}
        raise
    said = [str(w.message) for w in fit.warnings if SEPARATION_WORDS.search(str(w.message))
            or "Convergence" in w.category.__name__]
    if said:
        return {"warned": 1}
    n_iter = int(np.max(np.asarray(fit.est.n_iter_)))
    if n_iter >= int(fit.est.max_iter):
        return {"at_cap": 1}
    raise InvariantViolation(f"separable data fitted silently: no error, no warning about separation or convergence, "
                             f"n_iter_ = {n_iter} < max_iter = {fit.est.max_iter}; max |coef_| = "
                             f"{np.abs(fit.coef).max():.3g}")


# ---------------------------------------------------------------------------------------------
# the cross-check
# ---------------------------------------------------------------------------------------------
@crosscheck(TOPIC, "logistic.crosscheck.solvers",
            statement="two solvers agree: Θ within the certified distance (l2, None) or f within max G·‖ΔΘ‖₁ (l1); "
                      "probabilities likewise",
            why="Both minimise the same strictly convex f (l2, None; up to the multinomial null directions) or convex f "
                "(l1); each fit's tol certifies how far from the minimiser it can be.  A solver whose tol certifies "
                "nothing (saga) is held to the distance its own measured gradient certifies — a bound that holds for "
                "any point, so such a pair checks consistency (coef_ vs predict_proba) only; the count 'uncertified' "
                "says how many comparisons were of that kind.",
            source=SOURCE, tolerance=CERTIFIED, strategy=problems(), draws=draws(), max_examples=7,
            pairs=[(REFERENCE, LBFGS), (REFERENCE, NEWTON_CG), (REFERENCE, LIBLINEAR), (REFERENCE, SAGA),
                   (REFERENCE, STATSMODELS), (LBFGS, NEWTON_CG), (LBFGS, STATSMODELS)])
def crosscheck_solvers(impl_a, impl_b, ex):
    a, b = Fit(impl_a, ex), Fit(impl_b, ex)
    certified = supports("stopping", "gradient")
    measured = [float(np.abs(fit.gradient()).max()) for fit in (a, b)]
    Ga = a.promise if certified else max(a.promise, measured[0])
    Gb = b.promise if certified else max(b.promise, measured[1])
    counts = same_minimiser(a.P, a.theta, b.theta, Ga, Gb, what="the two solvers' Θ")
    X = new_points(ex)
    if ex["penalty"] != "l1":
        r = ol.certified_distance(a.P, a.theta, b.theta, Ga, Gb)
        Xt = np.hstack([X, np.ones((len(X), 1))]) if ex["fit_intercept"] else X
        spread = r * float(np.linalg.norm(Xt, axis=1).max()) * (1 if ex["K"] == 2 else 2)
        assert_close(b.proba(X), a.proba(X), tol=bound(spread / 4 + 1e-14, "¼·(score difference allowed by the "
                     "certified distance)"), what="the two solvers' probabilities")
        counts["compared_probabilities"] = 1
    counts["uncertified"] = int(not certified)
    counts["fits_beyond_their_tol"] = int(not certified) * int(sum(g > fit.promise for g, fit in zip(measured, (a, b))))
    return counts
