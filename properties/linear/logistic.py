"""Logistic regression: invariants of (penalised) maximum-likelihood logistic classifiers.

Contract (scikit-learn's classifier API, ``sklearn.linear_model.LogisticRegression``)::

    est = Cls(C=1.0, penalty="l2" | "l1" | None, fit_intercept=True, class_weight=None | {label: w} | "balanced")
    est.fit(X, y, sample_weight=None)    # X (n, d) float64, y (n,) labels (≥ 2 classes); returns self
    est.classes_                         # (K,) the sorted distinct labels
    est.coef_, est.intercept_            # (1, d), (1,) for K = 2 (the row scores classes_[1]);
                                         # (K, d), (K,) for K ≥ 3 (multinomial); intercept_ = 0 without one
    est.decision_function(X)             # z = X coef_ᵀ + intercept_: (m,) for K = 2, (m, K) for K ≥ 3
    est.predict_proba(X)                 # (m, K): [1 − σ(z), σ(z)] for K = 2, softmax(z) for K ≥ 3
    est.predict(X)                       # classes_[argmax_k predict_proba(X)]
    est.n_iter_, est.tol, est.max_iter   # iterations used (an int array), the stopping tolerance, the cap
    coef_ and intercept_ are the model: assigning them changes what decision_function/predict_proba return.

The fit minimises scikit-learn's objective F(Θ) = C·Σᵢ sᵢ ℓ(yᵢ, zᵢ) + R(W) with sᵢ = sample weight × class weight
(class_weight="balanced": class k weighs Σᵢsᵢ/(K·Σ_{yᵢ=k}sᵢ)), ℓ the binary or multinomial log-loss,
R = ½‖W‖², ‖W‖₁ or 0, the intercept unpenalised (``properties.oracles.logistic``).  ``tol`` bounds the
optimality reached: with f = F/(C·S) (F/S without a penalty), S = Σᵢsᵢ, and R = Σⱼ maxᵢ|x̃ᵢⱼ| (x̃ = (x, 1)
with an intercept) the returned Θ has ‖∂f(Θ)‖∞ ≤ tol·max(1, R/4) (the least-norm subgradient for l1).
That covers an absolute stopping rule ‖∇f‖∞ ≤ tol (lbfgs, newton-cg) and liblinear's relative one
‖∇f‖ ≤ tol·max(min(n₊, n₋), 1)/n·‖∇f(0)‖ ≤ tol·R/4.  Every comparison of two fits is sized from that
promise and the curvature of f at the solution (a certified distance, the oracle's docstring); two l1 fits are compared by
their objective values, with the intercept unpenalised or penalised like a coefficient (liblinear's way:
every relation between fits holds for both objectives).  An implementation whose tol bounds something else
declares ``stopping`` accordingly, and the checks sized from tol skip it.

Bad input raises ValueError naming the parameter: a single class (y), NaN/inf (X, y), C ≤ 0 or NaN (C),
more than two classes for a binary-only implementation (y).  Without a penalty on (quasi-)separable data
the likelihood has no maximum: fit must say so — raise an error that says the data are separable, warn
(a warning about separation or convergence), or stop at its cap (max n_iter_ ≥ max_iter).

Data: features in [−3, 3] (integer grids with ties and duplicate rows, floats, sign-symmetric rows), 1–3
features, 2 or 3 classes with labels such as (−1, 1), (1, 2), (2, 5, 7), plus anchor rows (the origin and each
unit vector, once with every class), which keep the maximum-likelihood estimate finite and X̃ of full rank.

Out of scope: elastic net, dual and intercept_scaling (liblinear), warm starts, sparse X, string labels.
scikit-learn ≥ 1.8 deprecates ``penalty`` (removal planned for 1.10) with a FutureWarning; it is still honoured.
"""
from __future__ import annotations

import warnings

import numpy as np
from hypothesis import strategies as st

from properties.engine import (Axis, Expected, Implementation, ImplementationFailure, InvariantViolation, SkipCheck,
                               Tolerance, Topic, assert_close, assert_leq, assert_true, call, crosscheck, expect_array,
                               invariant, supports)
from properties.linear.logistic_cases import (Fit, anchors, bound, draws, eps, problems, roundoff_objective,
                                              same_minimiser)
from properties.linear.logistic_records import (LIBLINEAR_RECORDS, SEPARABLE_SILENT, SINGLE_CLASS, STATSMODELS_RECORDS)
from properties.oracles import logistic as ol

LBFGS = 'sklearn.linear_model:LogisticRegression(solver="lbfgs")'
NEWTON_CG = 'sklearn.linear_model:LogisticRegression(solver="newton-cg")'
LIBLINEAR = 'sklearn.linear_model:LogisticRegression(solver="liblinear")'
SAGA = 'sklearn.linear_model:LogisticRegression(solver="saga", random_state=0)'
STATSMODELS = "properties.adapters.statsmodels_logit:StatsmodelsLogit"
REFERENCE = "reference.linear.logistic:LogisticRegression"

_X, _y = anchors(2, 2)
_X3, _y3 = anchors(2, 3)


def _probe(option: str):
    def probe(impl, value):
        X, y, kwargs, fit_kw = _X, _y, {}, {}
        if option == "penalty":
            kwargs["penalty"] = value
        elif option == "multiclass" and value == "multinomial":
            X, y = _X3, _y3
        elif option == "fit_intercept":
            kwargs["fit_intercept"] = value
        elif option == "class_weight" and value is not None:
            kwargs["class_weight"] = {0: 2.0, 1: 1.0} if value == "dict" else "balanced"
        elif option == "sample_weight" and value:
            fit_kw["sample_weight"] = np.full(len(y), 2.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")          # scikit-learn's deprecation notices are not the probe's subject
            call(call(impl, **kwargs).fit, X, y, **fit_kw)
    return probe


TOPIC = Topic(
    name="logistic",
    title="Logistic regression (binary and multinomial, L2 / L1 / no penalty)",
    contract=__doc__,
    reference=REFERENCE,
    implementations=[
        Implementation(LBFGS, requires=("sklearn",), precision="float64", support={"penalty": ["l2", None]},
                       expected=(SINGLE_CLASS, SEPARABLE_SILENT("lbfgs"))),
        Implementation(NEWTON_CG, requires=("sklearn",), precision="float64", support={"penalty": ["l2", None]},
                       expected=(SINGLE_CLASS, SEPARABLE_SILENT("newton-cg"))),
        Implementation(LIBLINEAR, requires=("sklearn",), precision="float64", expected=LIBLINEAR_RECORDS,
                       support={"penalty": ["l2", "l1"], "multiclass": ["binary"]}),
        Implementation(SAGA, requires=("sklearn",), precision="float64", expected=(SINGLE_CLASS,),
                       support={"stopping": ["coefficient_change"]},
                       note="random_state=0: saga shuffles with numpy's global generator otherwise.  Its tol bounds "
                            "the relative change of coef_ over a pass (scikit-learn's sag_solver), not the gradient: "
                            "of its fits that report convergence on these problems, 9 % end with ‖∇f‖∞ above the "
                            "contract's tol·max(1, R/4), by up to 390×, so the checks sized from tol do not judge it "
                            "(declared stopping)"),
        Implementation(STATSMODELS, requires=("statsmodels",), precision="float64", expected=STATSMODELS_RECORDS,
                       support={"penalty": [None], "multiclass": ["binary"], "class_weight": [None],
                                "sample_weight": [False]},
                       note="statsmodels' Logit (Newton's method) through an adapter; unpenalised and binary only"),
    ],
    axes=(Axis("penalty", (None, "l2", "l1"), "the penalty R(W): ½‖W‖², ‖W‖₁ or none", probe=_probe("penalty")),
          Axis("multiclass", ("binary", "multinomial"), "two classes, or K ≥ 3 classes with the multinomial "
               "(softmax) likelihood", probe=_probe("multiclass")),
          Axis("fit_intercept", (True, False), "whether an (unpenalised) intercept is fitted",
               probe=_probe("fit_intercept")),
          Axis("class_weight", (None, "dict", "balanced"), "class weights: none, a {label: weight} dict, 'balanced'",
               probe=_probe("class_weight")),
          Axis("sample_weight", (False, True), "whether fit accepts sample_weight", probe=_probe("sample_weight")),
          Axis("stopping", ("gradient", "coefficient_change"), "what tol bounds at the returned solution: the "
               "gradient (the contract's promise, on which every comparison of fits is sized) or only the change "
               "of coef_ over one pass of a stochastic solver (saga), which certifies no distance to the optimum")),
)

SOURCE = ("Cox (1958); McCullagh & Nelder, Generalized Linear Models (1989) §4.4; scikit-learn user guide §1.1.11 "
          "(the objective C·Σ sᵢ ℓᵢ + R(w))")
ROUND = Tolerance(rtol=0, atol=2e-6, reason="round-off of a few float32 operations on scores of size ≤ 30",
                  float64=Tolerance(rtol=0, atol=4e-15, reason="round-off of a few float64 operations on scores of "
                                    "size ≤ 30"))
OPTIMAL = Tolerance(rtol=0, atol=2.5e-4, reason="computed per example: tol·max(1, R/4) plus float64 round-off of ∇f "
                    "(module docstring); atol shows scikit-learn's default tol = 1e-4 at R = 10")
CERTIFIED = Tolerance(rtol=0, atol=1e-3, reason="computed per example: ‖Θa − Θb‖₂ ≤ e^δ·√m·(Ga + Gb)/μ on the "
                      "identified directions (l2, None), |fa − fb| ≤ max(Ga, Gb)·‖Θa − Θb‖₁ (l1), G the fits' "
                      "promised ‖∂f‖∞; atol shows a typical size at tol = 1e-4")
NEEDS_CERTIFICATE = {"stopping": ("gradient",)}


def new_points(ex: dict, scale: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(ex["seed"])
    return np.vstack([ex["X"][:4], rng.uniform(-4, 4, (6, ex["X"].shape[1]))]) * scale


def oracle_proba(Z: np.ndarray) -> np.ndarray:
    return np.column_stack([ol.sigmoid(-Z), ol.sigmoid(Z)]) if Z.ndim == 1 else ol.probabilities_from_scores(Z)


# ---------------------------------------------------------------------------------------------
# the model: probabilities, predictions, decision values
# ---------------------------------------------------------------------------------------------
@invariant(TOPIC, "logistic.probabilities_on_simplex", statement="0 ≤ P(y = k | x) ≤ 1 and Σ_k P(y = k | x) = 1",
           why="predict_proba returns a distribution over classes_: the logistic or softmax link maps every score "
               "vector onto the simplex.", source=SOURCE, kind="tolerance", tolerance=ROUND,
           strategy=problems(), draws=draws(), max_examples=6)
def probabilities_on_simplex(impl, ex):
    fit = Fit(impl, ex)
    Pr = fit.proba(np.vstack([ex["X"], new_points(ex)]))
    assert_true(((Pr >= 0) & (Pr <= 1)).all(), f"probabilities outside [0, 1]: {Pr[(Pr < 0) | (Pr > 1)][:5].tolist()}")
    assert_close(Pr.sum(axis=1), np.ones(len(Pr)), what="row sums of predict_proba")


@invariant(TOPIC, "logistic.predict_is_argmax", statement="predict(X) = classes_ at the index argmax_k predict_proba(X)",
           why="The Bayes decision under 0-1 loss picks the most probable class; predict must return the label, not its "
               "index.", source=SOURCE, kind="exact", strategy=problems(), draws=draws(), max_examples=6,
           min_compared=0.5)
def predict_is_argmax(impl, ex):
    fit, X = Fit(impl, ex), new_points(ex)
    Pr = fit.proba(X)
    top = np.sort(Pr, axis=1)
    clear = top[:, -1] - top[:, -2] > 64 * eps()
    pred = expect_array(call(fit.est.predict, X), name="predict(X)", shape=(len(X),))
    want = np.asarray(ex["labels"])[np.argmax(Pr, axis=1)]
    bad = np.flatnonzero(clear & (pred != want))
    assert_true(bad.size == 0, f"predict ≠ classes_[argmax predict_proba] at rows {bad.tolist()}: "
                               f"{pred[bad].tolist()} vs {want[bad].tolist()}")
    return {"compared": int(clear.sum()), "skipped_near_ties": int((~clear).sum())}


@invariant(TOPIC, "logistic.decision_is_logit",
           statement="z = X coef_ᵀ + intercept_ = decision_function(X); predict_proba = [σ(−z), σ(z)] (K = 2) or softmax(z)",
           why="The model is linear in the log-odds: log P(classes_[1]|x)/P(classes_[0]|x) = z (binary) and "
               "P(k|x) ∝ e^{z_k} (multinomial); without an intercept intercept_ = 0.",
           source=SOURCE, kind="tolerance", tolerance=ROUND, strategy=problems(), draws=draws(), max_examples=8)
def decision_is_logit(impl, ex):
    fit, X = Fit(impl, ex), new_points(ex)
    Z = fit.decision(X)
    mine = X @ fit.coef.T + fit.intercept
    scale = 1.0 + np.abs(X) @ np.abs(fit.coef.T) + np.abs(fit.intercept)
    assert_close(Z.reshape(len(X), -1) / scale, mine / scale, what="decision_function(X) vs X coef_ᵀ + intercept_ "
                                                                    "(relative to the size of the terms)")
    expect_array(fit.est.intercept_, name="intercept_", shape=fit.intercept.shape)
    if not ex["fit_intercept"]:
        assert_close(fit.intercept, np.zeros_like(fit.intercept), what="intercept_ without fit_intercept")
    assert_close(fit.proba(X), oracle_proba(Z), what="predict_proba vs the link of decision_function")


@invariant(TOPIC, "logistic.stable_at_large_margins",
           statement="|z| up to 1e4: decision_function and predict_proba finite, predict_proba = link(z) to round-off",
           why="σ(z) = 1/(1 + e^{−z}) and softmax must be evaluated without forming e^{|z|}: e^{710} overflows float64 "
               "(e^{89} float32), and e^{z}/(1 + e^{z}) is then inf/inf = NaN.",
           source="Goldberg (1991), What every computer scientist should know about floating-point arithmetic; " + SOURCE,
           kind="tolerance", tolerance=ROUND, strategy=problems(), draws=draws(), max_examples=6, min_compared=0.3)
def stable_at_large_margins(impl, ex):
    fit = Fit(impl, ex)
    X = new_points(ex)
    size = np.abs(X @ fit.coef.T).max()
    if size < 1e-3:
        return {"compared": 0, "skipped_zero_coefficients": 1}
    Xfar = X * (1e4 / size)
    Z = fit.decision(Xfar)
    Pr = fit.proba(Xfar)
    assert_close(Pr, oracle_proba(Z), what="predict_proba at |z| ≈ 1e4 vs the link of decision_function")
    return {"compared": 1, "skipped_zero_coefficients": 0}


@st.composite
def shifted(draw):
    ex = draw(problems())
    d = ex["X"].shape[1]
    c = draw(st.lists(st.sampled_from((-3.0, -1.0, 0.5, 2.0, 7.0)), min_size=d + 1, max_size=d + 1), label="shift")
    k = draw(st.integers(0, ex["K"] - 1), label="perturbed class")
    return {**ex, "shift": np.array(c), "perturbed": k}


@invariant(TOPIC, "logistic.multinomial_shift_invariance",
           statement="W_k ← W_k + c, b_k ← b_k + c₀ for every class k changes no probability (softmax rows sum to 1)",
           why="softmax(z + c·1) = softmax(z): the multinomial model is identified only up to a common shift of the "
               "classes' scores, so probabilities depend on differences z_k − z_j alone.",
           source="McCullagh & Nelder (1989) §5.2; " + SOURCE, kind="tolerance", tolerance=ROUND, strategy=shifted(),
           draws=draws(multiclass=("multinomial",)), requires={"multiclass": ("multinomial",)}, max_examples=6)
def multinomial_shift_invariance(impl, ex):
    fit, X = Fit(impl, ex), new_points(ex)
    W, b = fit.coef.copy(), fit.intercept.copy()
    W[ex["perturbed"]] += 0.5                           # a model of our choosing, to show coef_ is read
    fit.est.coef_, fit.est.intercept_ = W, b
    want = ol.probabilities_from_scores(X @ W.T + b)
    assert_close(fit.proba(X), want, what="predict_proba after assigning coef_, intercept_")
    c = ex["shift"]
    fit.est.coef_, fit.est.intercept_ = W + c[:-1], b + c[-1]
    assert_close(fit.proba(X), want, what="predict_proba after adding the same vector to every class's coefficients")


# ---------------------------------------------------------------------------------------------
# optimality
# ---------------------------------------------------------------------------------------------
@invariant(TOPIC, "logistic.gradient_vanishes",
           statement="‖∇f(Θ̂)‖∞ ≤ tol·max(1, R/4), f = (C·Σᵢ sᵢ ℓᵢ + ½‖W‖²)/(C·S) (l2) or Σᵢ sᵢ ℓᵢ/S (None)",
           why="f is smooth and convex, so the fitted Θ̂ minimises it iff ∇f(Θ̂) = 0; tol is the solver's promise on how "
               "small the gradient is when it stops (module docstring).  The gradient is computed here from the "
               "objective's definition.", source=SOURCE, kind="tolerance", tolerance=OPTIMAL, strategy=problems(),
           draws=draws(penalty=("l2", None)), requires=NEEDS_CERTIFICATE, max_examples=10)
def gradient_vanishes(impl, ex):
    fit = Fit(impl, ex)
    g, G, d = fit.gradient(), fit.promise, ex["X"].shape[1]
    reason = f"tol = {fit.tol:g} promises ‖∇f‖∞ ≤ {G:.3g}"
    assert_leq(float(np.abs(g[:, :d]).max()), G, tol=bound(0, reason), what="max |∂f/∂coef_|")
    if ex["fit_intercept"]:
        assert_leq(float(np.abs(g[:, d]).max()), G, tol=bound(0, reason), what="max |∂f/∂intercept_|")


@invariant(TOPIC, "logistic.l1_subgradient",
           statement="wⱼ ≠ 0 ⇒ C·∂ⱼΣᵢsᵢℓᵢ = −sign(wⱼ); wⱼ = 0 ⇒ |C·∂ⱼΣᵢsᵢℓᵢ| ≤ 1; ∂_b Σᵢsᵢℓᵢ = 0 (to tol·max(1, R/4)/λ)",
           why="0 ∈ ∂F(Θ̂) for F = C·Σ sᵢℓᵢ + ‖W‖₁: the subdifferential of |w| is sign(w) away from 0 and [−1, 1] at 0; "
               "the intercept is unpenalised.  In f = F/(C·S) units the slack is the promise tol·max(1, R/4).",
           source="Rockafellar, Convex Analysis (1970) §23; Yuan, Ho & Lin (JMLR 2012) eq. (6); " + SOURCE,
           kind="tolerance", tolerance=OPTIMAL, strategy=problems(), draws=draws(penalty=("l1",)),
           requires={**NEEDS_CERTIFICATE, "penalty": ("l1",)}, max_examples=10)
def l1_subgradient(impl, ex):
    fit = Fit(impl, ex)
    P, T, G, d = fit.P, fit.theta, fit.promise, ex["X"].shape[1]
    smooth, lam = ol.smooth_gradient(P, T), P.penalty_scale
    W, gW = T[:, :d], smooth[:, :d]
    reason = f"tol = {fit.tol:g} promises a least-norm subgradient ≤ {G:.3g} (λ = 1/(C·S) = {lam:.3g})"
    active = W != 0
    if active.any():
        assert_leq(float(np.abs(gW[active] + lam * np.sign(W[active])).max()), G, tol=bound(0, reason),
                   what="max over wⱼ ≠ 0 of |∂ⱼ + λ·sign(wⱼ)|")
    if (~active).any():
        assert_leq(float(np.abs(gW[~active]).max()), lam + G, tol=bound(0, reason), what="max over wⱼ = 0 of |∂ⱼ| vs λ")
    if ex["fit_intercept"]:
        assert_leq(float(np.abs(smooth[:, d]).max()), G, tol=bound(0, reason), what="max |∂f/∂intercept_|")
    return {"zero_coefficients": int((~active).sum()), "active_coefficients": int(active.sum())}


@invariant(TOPIC, "logistic.objective_minimal",
           statement="f(Θ̂) ≤ f(Θ̂ + δ) + G·‖δ‖₁ for random δ of sizes 1e-3 … 1 (G = tol·max(1, R/4))",
           why="f is convex, so f(Θ̂ + δ) ≥ f(Θ̂) + ⟨g, δ⟩ ≥ f(Θ̂) − ‖g‖∞‖δ‖₁ for any g ∈ ∂f(Θ̂); a fit off the minimiser "
               "is beaten by a perturbation towards it.", source="Boyd & Vandenberghe, Convex Optimization (2004) "
               "§3.1.3; " + SOURCE, kind="tolerance", tolerance=OPTIMAL, strategy=problems(), draws=draws(),
           requires=NEEDS_CERTIFICATE, max_examples=8)
def objective_minimal(impl, ex):
    fit = Fit(impl, ex)
    P, T, G = fit.P, fit.theta, fit.promise
    rng = np.random.default_rng(ex["seed"])
    f0 = ol.objective(P, T)
    coefficients_only = np.ones_like(T)
    if ex["fit_intercept"]:
        coefficients_only[:, -1] = 0.0
    for mask, what in ((coefficients_only, "coefficient perturbation"), (np.ones_like(T), "perturbation including "
                                                                                          "the intercept")):
        for size in (1e-3, 1e-2, 1e-1, 1.0):
            for _ in range(3):
                u = rng.standard_normal(T.shape) * mask
                delta = size * max(1.0, float(np.abs(T).max())) * u / max(np.abs(u).max(), 1e-300)
                slack = G * float(np.abs(delta).sum()) + roundoff_objective(P, T, T + delta)
                f1 = ol.objective(P, T + delta)
                if f0 > f1 + slack:
                    raise InvariantViolation(f"{what} of size {size:g} lowers f from {f0!r} to {f1!r} (by {f0 - f1:.3g}; "
                                             f"tol = {fit.tol:g} allows {slack:.3g}): Θ̂ is not the minimiser")


# the relations between fits, the cross-check and the bad-input checks register on TOPIC as they are imported
from properties.linear import logistic_rejections, logistic_relations  # noqa: E402,F401
