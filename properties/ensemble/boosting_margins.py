"""Boosting invariants that need only ``fit`` and ``predict(output_margin=True)``: closed forms of the base score,
shrinkage, λ, the logistic link and hessian, missing values, depth, γ and min_child_weight, and the training
objective across rounds.  What is right is computed here from the data (``properties.oracles.boosting``); the
contract is ``properties.ensemble.boosting``'s docstring."""
from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from properties.engine import Tolerance, assert_close, assert_leq, assert_true, call, expect_array, invariant, supports
from properties.ensemble.boosting import SOURCE, TOPIC
from properties.ensemble.boosting_data import BOOLEANS, SEEDS, between, boosting_data, choice, objective_option
from properties.ensemble.fitting import ROUNDOFF, SPLIT_EPS, Fit, bound, fit_params, labels
from properties.oracles import boosting as ob

BOTH = {"objective": None}
SQUARED_ONLY = {"objective": (ob.SQUARED,)}
LOGISTIC_ONLY = {"objective": (ob.LOGISTIC,)}


def _explicit_base(data) -> dict:
    """The data with a base score given for both objectives."""
    return {**data, "base_reg": 0.5 if data["base_reg"] is None else data["base_reg"],
            "base_bin": 0.5 if data["base_bin"] is None else data["base_bin"]}


def _link_tol(fit, b: float) -> float:
    """Round-off bound of link(b) computed in the declared precision."""
    if fit.objective == ob.LOGISTIC:
        return 16 * fit.u * (1 + abs(ob.link(b, fit.objective))) / min(b, 1 - b)
    return 4 * fit.u * (1 + abs(b))


def _all_rows(fit, data) -> np.ndarray:
    return np.vstack([fit.X, data["X_new"]])


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values (rows of one leaf get bit-identical margins: the same base plus the same leaves)."""
    return np.unique(values)


# ---------------------------------------------------------------------------------------------
# base score, shrinkage, λ, the logistic link
# ---------------------------------------------------------------------------------------------
@invariant(TOPIC, "boosting.zero_rounds_is_base_score",
           statement="n_estimators = 0 ⇒ base_score_ = b and ŷ = link(b) for every x",
           why="Boosting starts from the constant model ŷ⁽⁰⁾ = link(b); with no rounds nothing is added.",
           source=SOURCE + ", eq. (1); xgboost parameter docs (base_score)", kind="tolerance", tolerance=ROUNDOFF,
           strategy=boosting_data(), max_examples=5, draws=BOTH)
def zero_rounds_is_base_score(impl, data):
    fit = Fit(impl, _explicit_base(data), n_estimators=0)
    b = fit.params["base_score"]
    assert_close(fit.base_score(), b, tol=bound(4 * fit.u * abs(b), "b"), what="base_score_")
    X = _all_rows(fit, data)
    link = ob.link(b, fit.objective)
    assert_close(fit.margin(X), np.full(X.shape[0], link), tol=bound(_link_tol(fit, b), "link(b)"),
                 what=f"margin with n_estimators=0 vs link(b) = {link!r} ({fit.objective})")


@invariant(TOPIC, "boosting.base_score_default_is_mean",
           statement="base_score = None ⇒ base_score_ = ȳ, and with n_estimators = 0, ŷ = link(ȳ)",
           why="xgboost (≥ 2.0) and the reference estimate the intercept as the mean label (for the logistic "
               "loss: the mean label as a probability); the model with no trees then predicts exactly that.  "
               "The number of rounds (0 or T) is drawn as part of the example.",
           source="xgboost 3.2 FitInterceptGlmLike::InitEstimation (SampleMean); " + SOURCE, kind="tolerance",
           tolerance=ROUNDOFF, max_examples=8, draws=BOTH,
           strategy=st.builds(lambda d, zero: {**d, "rounds": 0 if zero else d["params"]["n_estimators"]},
                              boosting_data(), st.booleans()))
def base_score_default_is_mean(impl, data):
    rounds = data["rounds"]
    fit = Fit(impl, {**data, "base_reg": None, "base_bin": None}, n_estimators=rounds)
    ybar = float(np.mean(fit.y))
    mean_tol = 4 * fit.u * (fit.y.size + 1) * (1 + np.abs(fit.y).max())
    assert_close(fit.base_score(), ybar, tol=bound(mean_tol, "a mean"),
                 what=f"base_score_ (None ⇒ ȳ) after fit with n_estimators={rounds}")
    if rounds == 0:
        X = _all_rows(fit, data)
        link = ob.link(ybar, fit.objective)
        assert_close(fit.margin(X), np.full(X.shape[0], link), tol=bound(_link_tol(fit, ybar) + 8 * mean_tol, "link(ȳ)"),
                     what=f"margin with n_estimators=0, base_score=None vs link(ȳ) = {link!r} ({fit.objective})")


@invariant(TOPIC, "boosting.eta_zero_changes_nothing",
           statement="η = 0 ⇒ predict(X) = link(base_score_) after any number of rounds",
           why="Shrinkage multiplies every new tree by η (Friedman 2001); with η = 0 each tree outputs 0.",
           source="Friedman, Greedy function approximation (2001), §5; " + SOURCE + ", §2.3", kind="tolerance",
           tolerance=ROUNDOFF, strategy=boosting_data(), max_examples=4, draws=BOTH)
def eta_zero_changes_nothing(impl, data):
    fit = Fit(impl, data, learning_rate=0.0)
    link = fit.base_margin()
    X = _all_rows(fit, data)
    assert_close(fit.margin(X), np.full(X.shape[0], link), tol=bound(_link_tol(fit, fit.base_score()), "link(b)"),
                 what="margin with learning_rate=0")


@invariant(TOPIC, "boosting.lambda_to_infinity",
           statement="λ → ∞ ⇒ |ŷ − link(b)| ≤ T·η·Σᵢ|gᵢ|/λ → 0",
           why="Every leaf output is η·|G|/(H+λ) ≤ η·Σᵢ|gᵢ|/λ, so the trees' contribution vanishes like 1/λ.",
           source=SOURCE + ", eq. (2) and (5)", kind="tolerance", tolerance=ROUNDOFF, max_examples=4, draws=BOTH,
           strategy=st.builds(lambda d, lam: {**d, "reg_lambda": lam}, boosting_data(), st.sampled_from([1e4, 1e6, 1e9])))
def lambda_to_infinity(impl, data):
    fit = Fit(impl, data)
    lam = fit.params["reg_lambda"]
    link = fit.base_margin()
    g, _ = ob.grad_hess(fit.y, np.full(fit.y.size, link), fit.objective)
    T, eta = fit.params["n_estimators"], fit.params["learning_rate"]
    # the margins move by at most ε·T in total, so every |gᵢ| stays below |gᵢ⁽⁰⁾| + ε·T
    step = T * eta * (np.abs(g).sum() + 1.0) * 2 / lam
    limit = step * (1 + T * eta * g.size * 2 / lam) + _link_tol(fit, fit.base_score()) * (T + 1)
    got = fit.margin(_all_rows(fit, data))
    assert_leq(float(np.abs(got - link).max()), limit, tol=bound(0, "none (the bound is the statement)"),
               what=f"max |ŷ − link(b)| with λ = {lam:g}")


@invariant(TOPIC, "boosting.logistic_probabilities",
           statement="binary:logistic: p = σ(ŷ) ∈ (0, 1) (|ŷ| ≤ 15), p(1) + p(0) = 1; n_estimators = 0 ⇒ ŷ = log(b/(1−b)), p = b",
           why="The logistic loss models P(y = 1 | x) = σ(ŷ); the margin of a base probability b is its logit.",
           source=SOURCE + ", §2.1; xgboost binary:logistic", kind="tolerance", tolerance=ROUNDOFF,
           strategy=boosting_data(objectives=(ob.LOGISTIC,)), max_examples=5, draws=LOGISTIC_ONLY,
           requires=LOGISTIC_ONLY)
def logistic_probabilities(impl, data):
    data = _explicit_base(data)
    X = np.vstack([data["X"], data["X_new"]])
    for rounds in (0, data["params"]["n_estimators"]):
        fit = Fit(impl, data, objective=ob.LOGISTIC, n_estimators=rounds)
        margin = fit.margin(X)
        if hasattr(fit.est, "predict_proba"):
            proba = expect_array(call(fit.est.predict_proba, X), shape=(X.shape[0], 2), name="predict_proba")
            assert_close(proba.sum(axis=1), np.ones(X.shape[0]), tol=bound(4 * fit.u, "1 − p + p"), what="p(0) + p(1)")
            p = proba[:, 1]
        else:
            p = expect_array(call(fit.est.predict, X), shape=(X.shape[0],), name="predict (probabilities)")
        assert_close(p, ob.sigmoid(margin), tol=bound(8 * fit.u, "σ"), what="p(1) vs σ(margin)")
        inner = np.abs(margin) <= 15
        assert_true(np.all((p[inner] > 0) & (p[inner] < 1)), f"probabilities outside (0, 1): {p[inner].tolist()}")
        if rounds == 0:
            b = fit.base_score()
            assert_close(margin, np.full(X.shape[0], np.log(b / (1 - b))),
                         tol=bound(16 * fit.u * (1 + abs(np.log(b / (1 - b)))) / min(b, 1 - b), "log(b/(1−b))"),
                         what=f"margin of base_score b = {b!r}")
            assert_close(p, np.full(X.shape[0], b), tol=bound(8 * fit.u, "σ(logit b)"), what="p with no rounds")


# ---------------------------------------------------------------------------------------------
# one leaf under the logistic loss: the hessian p(1 − p)
# ---------------------------------------------------------------------------------------------
def _leaf_tol(fit, G, H, dG, dH) -> float:
    """Round-off bound of η·w* = −η·G/(H+λ) with G, H off by dG, dH."""
    eta, lam = fit.params["learning_rate"], fit.params["reg_lambda"]
    w = abs(G) / (H + lam)
    return 4 * (eta * (dG + w * dH) / max(H + lam - dH, 1e-300) + 4 * fit.u * eta * w)


ONE_ROUND_LOGISTIC = boosting_data(objectives=(ob.LOGISTIC,), rounds=(1, 1))


@st.composite
def one_leaf_cases(draw):
    """Logistic data with a base probability b ≠ ȳ (so G ≠ 0), one round, and a way to force a single leaf that the
    implementation supports: γ above every gain, min_child_weight above half the hessian sum, or max_depth = 0."""
    data = _explicit_base(draw(ONE_ROUND_LOGISTIC))
    y = data["y_bin"].copy()
    if np.mean(y) == data["base_bin"]:                 # flip one label of the larger class (G = 0 otherwise)
        y[np.flatnonzero(y == float(2 * y.sum() >= y.size))[0]] = float(2 * y.sum() < y.size)
        assume(y.min() != y.max())
    routes = [r for r in ("gamma", "min_child_weight") if supports("regularisation", r)] or ["max_depth=0"]
    return {**data, "y_bin": y, "route": draw(choice(tuple(routes)), label="single leaf by")}


@invariant(TOPIC, "boosting.logistic_one_leaf_newton_step",
           statement="binary:logistic, one round, one leaf: ŷ = log(b/(1−b)) − η·G/(H+λ) for every x, "
                     "G = Σ(b − yᵢ), H = Σ b(1−b)",
           why="At the base margin every row has p = b, so g = p − y and the logistic hessian h = p(1 − p); a tree "
               "that cannot split (γ above every possible gain, min_child_weight above half the hessian sum, or "
               "max_depth = 0) is one leaf with the Newton step w* = −G/(H+λ).",
           source=SOURCE + ", eq. (5); Friedman, Hastie & Tibshirani, Additive logistic regression (2000), §4 (the "
                           "logistic Newton step)", kind="tolerance", tolerance=ROUNDOFF, strategy=one_leaf_cases(),
           max_examples=6, draws=LOGISTIC_ONLY, requires=LOGISTIC_ONLY)
def logistic_one_leaf_newton_step(impl, data):
    b = data["base_bin"]
    y = data["y_bin"]
    lam = fit_params(data, ob.LOGISTIC)["reg_lambda"]
    g, h = ob.grad_hess(y, np.full(y.size, ob.link(b, ob.LOGISTIC)), ob.LOGISTIC)
    G, H = float(g.sum()), float(h.sum())
    force = {"gamma": {"gamma": 2 * ob.gain_bound(g, h, lam) + 1.0, "min_child_weight": 0.0},
             "min_child_weight": {"min_child_weight": 0.75 * H}, "max_depth=0": {"max_depth": 0, "min_child_weight": 0.0}}
    force = force[data["route"]]
    fit = Fit(impl, data, objective=ob.LOGISTIC, n_estimators=1, **force)
    eta = fit.params["learning_rate"]
    expected = ob.link(b, ob.LOGISTIC) + eta * float(ob.leaf_weight(G, H, lam))
    dg = 8 * fit.u * y.size
    tol = _leaf_tol(fit, G, H, dg, dg) + _link_tol(fit, b)
    X = _all_rows(fit, data)
    assert_close(fit.margin(X), np.full(X.shape[0], expected), tol=bound(tol, "link(b) + η·w*"),
                 what=f"one-leaf margin vs log(b/(1−b)) − η·G/(H+λ) (G = {G:.9g}, H = Σp(1−p) = {H:.9g}, "
                      f"single leaf by {data['route']})")


# ---------------------------------------------------------------------------------------------
# missing values: the learned default direction
# ---------------------------------------------------------------------------------------------
@st.composite
def missing_cases(draw):
    """One feature: present values in a low group and a high group with different labels, and missing rows
    labelled like one of them (``side``).  The only pure split puts the missing rows with that group."""
    n_low, n_high, n_miss = (draw(between(1, 4), label=k) for k in ("low rows", "high rows", "missing rows"))
    rng = np.random.default_rng(draw(SEEDS, label="seed of the values and the row order"))
    low, high = rng.integers(-3, 1, size=n_low).tolist(), rng.integers(2, 6, size=n_high).tolist()
    side = draw(choice(("low", "high")), label="missing rows labelled like")
    objective = draw(objective_option((ob.SQUARED, ob.LOGISTIC)))
    a, c = (0.0, 1.0) if objective == ob.LOGISTIC else rng.choice([-2.0, -0.5, 0.0, 1.0, 2.5], size=2, replace=False)
    if objective == ob.LOGISTIC and draw(BOOLEANS, label="swap labels"):
        a, c = c, a
    x = np.array(low + high + [np.nan] * n_miss, dtype=np.float64)
    y = np.array([a] * n_low + [c] * n_high + [a if side == "low" else c] * n_miss)
    order = rng.permutation(x.size)
    x, y = x[order], y[order]
    lam = draw(choice((0.0, 0.5, 1.0)), label="lambda")
    base = draw(choice((None, 0.25, 0.5) if objective == ob.LOGISTIC else (None, 0.0, 1.0)), label="b")
    data = {"X": x[:, None], "X_new": np.array([[np.nan], [float(low[0])], [float(high[0])]]), "objective": objective,
            "y": y, "y_bin": y, "reg_lambda": lam, "base_reg": base, "base_bin": base,
            "params": {"n_estimators": 1, "max_depth": 1, "learning_rate": draw(choice((0.3, 1.0)), label="eta"),
                       "gamma": 0.0, "min_child_weight": 0.0}, "side": side}
    # the pure split must be the unique best candidate by a clear margin (λ and b can make a mixed one win)
    lam = fit_params(data, objective)["reg_lambda"]
    b = float(np.mean(y)) if base is None else base
    g, h = ob.grad_hess(y, np.full(y.size, ob.link(b, objective)), objective)
    gains, masks = ob.candidate_splits(data["X"], g, h, lam, 0.0)
    best = int(np.argmax(gains))
    group = (x <= 0) | (np.isnan(x) & (side == "low"))
    assume((masks[best] == group).all() or (masks[best] == ~group).all())
    assume(ob.partition_gap(gains, masks) > 1e-3 * gains[best] and gains[best] > 1e-3)
    return data


@invariant(TOPIC, "boosting.missing_values_learned_direction",
           statement="one feature, one round, depth 1: missing rows labelled like the present rows on one side of a "
                     "threshold share their leaf, ŷ = link(b) − η·G_S/(H_S+λ) on each side S",
           why="Algorithm 3 scores every threshold with the missing rows sent left and sent right and keeps the best "
               "default direction; here the only pure split (unique best, checked by brute force) puts the missing "
               "rows with the group labelled like them, and a NaN at predict time follows them.",
           source=SOURCE + ", Algorithm 3 (sparsity-aware split finding)", kind="tolerance", tolerance=ROUNDOFF,
           strategy=missing_cases(), max_examples=6, draws=BOTH)
def missing_values_learned_direction(impl, data):
    fit = Fit(impl, data)
    x = fit.X[:, 0]
    b = fit.data_base_score()
    base = ob.link(b, fit.objective)
    g, h = ob.grad_hess(fit.y, np.full(x.size, base), fit.objective)
    low = (x <= 0) | (np.isnan(x) & (data["side"] == "low"))
    eta, lam = fit.params["learning_rate"], fit.params["reg_lambda"]
    expected = np.empty(x.size)
    tol = _link_tol(fit, b)
    for rows in (low, ~low):
        G, H = float(g[rows].sum()), float(h[rows].sum())
        expected[rows] = base + eta * float(ob.leaf_weight(G, H, lam))
        tol += _leaf_tol(fit, G, H, 8 * fit.u * x.size * (1 + abs(base)), 8 * fit.u * x.size)
    assert_close(fit.margin(), expected, tol=bound(tol, "link(b) + η·w*"),
                 what=f"training margins (missing rows labelled like the {data['side']} group) vs the pure split's "
                      f"leaves")
    # new rows: a NaN follows the missing rows; present values inside the training range follow their group
    leaf_of = {"missing": expected[np.isnan(x)][0], "low": expected[x <= 0][0], "high": expected[x > 0][0]}
    assert_close(fit.margin(data["X_new"]), np.array([leaf_of["missing"], leaf_of["low"], leaf_of["high"]]),
                 tol=bound(tol, "a leaf"), what="margins of new rows [NaN, a low value, a high value] vs their leaves")


# ---------------------------------------------------------------------------------------------
# the training objective across rounds
# ---------------------------------------------------------------------------------------------
def _penalty(step: np.ndarray, lam: float, tol: float) -> float:
    """½λ Σ v² over the distinct values v of one round's update (values within ``tol`` merged): a lower bound
    of the tree's ½λ‖w‖², since every leaf contributes one value and equal values are counted once."""
    v = np.sort(step)
    keep = np.concatenate([[True], np.diff(v) > tol])
    return 0.5 * lam * float(np.sum(v[keep] ** 2))


@invariant(TOPIC, "boosting.objective_never_increases",
           statement="squared error, η ≤ 1: Obj(t) = Σᵢ l(yᵢ, ŷᵢ⁽ᵗ⁾) + Σ_{k≤t} ½λ‖v_k‖² is non-increasing, and "
                     "Obj(1) ≤ Obj(0) − η(1−η/2)·(G²/(H+λ) + g*) (g*: a paying root split)",
           why="For squared error the second-order expansion is exact: a leaf j with Newton output v_j = −ηG_j/(H_j+λ) "
               "changes Obj by −η(1−η/2)·G_j²/(H_j+λ) ≤ 0, and a kept split adds its gain to Σ_j G_j²/(H_j+λ).  The "
               "margins of refits with n_estimators = 1 … T give each round's update; its distinct values (a lower "
               "bound of ½λ‖w‖²) stand for the leaves, so no tree access is needed.",
           source=SOURCE + ", eq. (2)–(7)", kind="tolerance", tolerance=ROUNDOFF,
           strategy=boosting_data(objectives=(ob.SQUARED,), rounds=(2, 3), etas=(0.3, 0.5, 1.0)), max_examples=6,
           draws=SQUARED_ONLY, requires=SQUARED_ONLY)
def objective_never_increases(impl, data):
    T = data["params"]["n_estimators"]
    fits = [Fit(impl, data, objective=ob.SQUARED, n_estimators=t) for t in range(1, T + 1)]
    first = fits[0]
    y, lam, eta, u = first.y, first.params["reg_lambda"], first.params["learning_rate"], first.u
    margins = [np.full(y.size, first.base_margin())] + [f.margin() for f in fits]
    previous = float(np.sum(ob.loss(y, margins[0], ob.SQUARED)))
    penalty = 0.0
    for t in range(1, T + 1):
        err = 8 * u * (t + 2) * (1 + np.abs(margins[t]))
        penalty += _penalty(margins[t] - margins[t - 1], lam, 2 * float(err.max()))
        current = float(np.sum(ob.loss(y, margins[t], ob.SQUARED))) + penalty
        slack = 4 * float(np.sum((np.abs(y - margins[t]) + 1) * err)) + 64 * 2.0**-53 * y.size * (abs(previous) + abs(current))
        if t == 1:
            decrease = _round_one_decrease(first, y, margins[0])
            assert_leq(current, previous - decrease, tol=bound(slack + 1e-9 * decrease, "the objective"),
                       what=f"Obj after round 1 ≤ Obj(0) − η(1−η/2)·(G²/(H+λ) + g*) = {previous!r} − {decrease!r}")
        assert_leq(current, previous, tol=bound(slack, "the objective"), what=f"Obj after round {t} ≤ Obj after round {t - 1}")
        previous = current


def _round_one_decrease(fit, y, base) -> float:
    """η(1−η/2)·(G²/(H+λ) + g*) where g* is the best root candidate gain when it surely pays (above γ and 1e-6 by
    more than round-off, with max_depth ≥ 1), else 0; 0 when the root's H is below min_child_weight."""
    p = fit.params
    lam, mcw, eta = p["reg_lambda"], p["min_child_weight"], p["learning_rate"]
    g, h = ob.grad_hess(y, base, ob.SQUARED)
    if h.sum() < mcw:
        return 0.0
    paid = 0.0
    if p["max_depth"] >= 1:
        gains, _ = ob.candidate_splits(fit.X, g, h, lam, mcw)
        dg, dh = fit.row_errors(base, 0)
        tol = fit.node_scale_bound(g, h, dg, dh)
        if gains.size and gains.max() > max(fit.keep, SPLIT_EPS) + tol:
            paid = float(gains.max())
    return eta * (1 - eta / 2) * (float(ob.score(g.sum(), h.sum(), lam)) + paid)


# ---------------------------------------------------------------------------------------------
# what limits a tree: depth, γ, min_child_weight
# ---------------------------------------------------------------------------------------------
@invariant(TOPIC, "boosting.depth_limits_distinct_margins",
           statement="n_estimators = 1: ŷ takes at most 2^max_depth distinct values over any inputs",
           why="One tree of depth ≤ D has at most 2^D leaves, and every input's margin is link(b) plus its leaf's "
               "output; rows of one leaf get the same margin.",
           source=SOURCE + ", §2.2; xgboost parameter docs (max_depth)", kind="exact",
           tolerance=Tolerance(reason="exact: a count of distinct values"),
           strategy=boosting_data(rounds=(1, 1), depths=(1, 2), flavours=("grid", "float32", "float64"), gammas=(0.0,),
                                  min_child_weights=(0.0,)),
           max_examples=5, draws=BOTH)
def depth_limits_distinct_margins(impl, data):
    fit = Fit(impl, data, n_estimators=1)
    D = fit.params["max_depth"]
    values = _distinct(fit.margin(_all_rows(fit, data)))
    assert_true(values.size <= 2**D, f"one round of depth ≤ {D} gives {values.size} distinct margins "
                                     f"(> 2^{D} leaves): {values.tolist()}")


def _single_leaf_path(data, objective) -> tuple[float, float]:
    """The margin after T rounds of single-leaf trees (w = −G/(H+λ), 0 when H < min_child_weight), and the largest
    gain any split could reach along that path (``properties.oracles.boosting.gain_bound``)."""
    p = fit_params(data, objective)
    y = labels(data, objective)
    b = float(np.mean(y)) if p["base_score"] is None else p["base_score"]
    m, top = ob.link(b, objective), 0.0
    for _ in range(p["n_estimators"]):
        g, h = ob.grad_hess(y, np.full(y.size, m), objective)
        top = max(top, ob.gain_bound(g, h, p["reg_lambda"]))
        if h.sum() >= p["min_child_weight"]:
            m += p["learning_rate"] * float(ob.leaf_weight(g.sum(), h.sum(), p["reg_lambda"]))
    return m, top


PAIRS_DATA = boosting_data(gammas=(0.0,), max_rows=8, flavours=("integer", "grid"))
GAMMA_ZERO_DATA = boosting_data(gammas=(0.0,))


@st.composite
def nothing_pays(draw):
    """Rows in pairs with the same x and the same labels in every pair (squared error: one constant label;
    logistic: a 0 and a 1), and b ≠ ȳ: every candidate keeps pairs together, so both children have the parent's
    mean gradient and, with λ > 0, every gain is negative although G ≠ 0."""
    data = draw(PAIRS_DATA)
    X = np.repeat(data["X"], 2, axis=0)
    c = float(data["y"][0])
    return {**data, "X": X, "y": np.full(X.shape[0], c), "y_bin": np.tile([0.0, 1.0], data["X"].shape[0]),
            "base_reg": c + draw(choice((-2.0, 1.0, 3.0)), label="b − y"),
            "base_bin": draw(choice((0.25, 0.75)), label="b (logistic)"),
            "reg_lambda": draw(choice((0.5, 1.0, 3.0)), label="lambda")}


NOTHING_PAYS = nothing_pays()


@st.composite
def gain_cases(draw):
    """The case — γ = 0 (one round) on general data or on data where nothing pays, or γ above every possible gain
    (where γ is supported) — drawn as part of the example."""
    cases = ["gamma zero", "nothing pays"] + (["gamma above every gain"] if supports("regularisation", "gamma") else [])
    case = draw(choice(tuple(cases)), label="case")
    data = draw(NOTHING_PAYS if case == "nothing pays" else GAMMA_ZERO_DATA)
    return {**data, "case": case}


@invariant(TOPIC, "boosting.split_iff_gain_pays",
           statement="γ = 0: the first tree splits iff some root candidate gains > 1e-6; γ > every possible gain "
                     "(≤ (Σ|gᵢ|)²/(min h + λ)): every tree is one leaf, ŷ the same for every x",
           why="A split is made when its gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ) exceeds 1e-6 and kept when it "
               "reaches γ; without the parent term −G²/(H+λ) a node with G ≠ 0 splits where nothing pays, and an "
               "implementation ignoring γ splits above every gain.  The gains are recomputed here from the data; "
               "candidates within round-off of 1e-6 decide nothing.",
           source=SOURCE + ", eq. (7); xgboost parameter docs (gamma)", kind="tolerance", tolerance=ROUNDOFF,
           strategy=gain_cases(), max_examples=9, draws=BOTH)
def split_iff_gain_pays(impl, data):
    if data["case"] != "gamma above every gain":
        fit = Fit(impl, data, n_estimators=1, gamma=0.0)
        y, p = fit.y, fit.params
        base = np.full(y.size, ob.link(fit.data_base_score(), fit.objective))
        g, h = ob.grad_hess(y, base, fit.objective)
        dg, dh = fit.row_errors(base, 0)
        tol = fit.node_scale_bound(g, h, dg, dh)
        # candidates whose children's H is within round-off of min_child_weight count only for "must not split"
        sure, maybe = (ob.candidate_splits(fit.X, g, h, p["reg_lambda"], p["min_child_weight"] + s * 4 * dh.sum())[0]
                       for s in (1, -1))
        values = _distinct(fit.margin())
        if sure.size and sure.max() > SPLIT_EPS + tol and p["max_depth"] >= 1:
            assert_true(values.size >= 2, f"γ = 0 and a root split gains {sure.max():.9g} > 1e-6, but every training "
                                          f"row got the same margin {values.tolist()}: no split was made")
        elif not maybe.size or maybe.max() < SPLIT_EPS - tol:
            best = float(maybe.max()) if maybe.size else "none"
            assert_true(values.size == 1, f"no root candidate gains more than 1e-6 (best: {best}), but the training "
                                          f"margins take {values.size} values: a split was made that does not pay")
        return
    m, top = _single_leaf_path(data, data["objective"])
    fit = Fit(impl, data, gamma=2 * top + 1.0)
    T = fit.params["n_estimators"]
    tol = 8 * fit.u * (T + 2) * (1 + abs(m)) * (1 + fit.y.size)
    X = _all_rows(fit, data)
    assert_close(fit.margin(X), np.full(X.shape[0], m), tol=bound(tol, "T single-leaf Newton steps"),
                 what=f"margins with γ = {2 * top + 1.0:.6g} above every possible gain (≤ {top:.6g}) vs {T} single-leaf "
                      f"rounds")


CHILD_WEIGHT_CASES = ("above the total hessian", "above half the total hessian", "above one row's hessian")
child_weight_cases = st.builds(lambda data, case: {**data, "case": case},
                               boosting_data(gammas=(0.0,), flavours=("integer", "grid", "float32", "float64")),
                               st.sampled_from(CHILD_WEIGHT_CASES))


@invariant(TOPIC, "boosting.min_child_weight_limits_leaves",
           statement="min_child_weight m > H = Σᵢhᵢ ⇒ ŷ = link(b); m ∈ (H/2, H] ⇒ one round is one leaf, "
                     "ŷ = link(b) − η·G/(H+λ); m ∈ (h_row, 2h_row) ⇒ every training margin is shared by ≥ 2 rows",
           why="A child needs a hessian sum ≥ min_child_weight, and a root below it gets w* = 0 (xgboost's "
               "CalcWeight): above the total nothing splits or moves, in any round; above half of it no two children "
               "can both reach it, so the root is the only leaf.  At the base margin every row has the same hessian "
               "h_row (1, or b(1−b)), so a value between h_row and 2h_row forbids leaves of one row — whatever "
               "their row count, which is what min_child_weight is not.",
           source=SOURCE + ", §2.2; xgboost parameter docs (min_child_weight)", kind="tolerance", tolerance=ROUNDOFF,
           strategy=child_weight_cases, max_examples=10, draws={**BOTH, "regularisation": ("min_child_weight",)},
           requires={"regularisation": ("min_child_weight",)})
def min_child_weight_limits_leaves(impl, data):
    objective, case = data["objective"], data["case"]
    y, p = labels(data, objective), fit_params(data, objective)
    b = float(np.mean(y)) if p["base_score"] is None else p["base_score"]
    link = ob.link(b, objective)
    g, h = ob.grad_hess(y, np.full(y.size, link), objective)
    G, H = float(g.sum()), float(h.sum())
    if case == "above one row's hessian":
        fit = Fit(impl, data, n_estimators=1, min_child_weight=1.5 * float(h[0]))
        values, counts = np.unique(fit.margin(), return_counts=True)
        alone = values[counts == 1]
        assert_true(alone.size == 0, f"min_child_weight = 1.5·h_row = {1.5 * h[0]:.6g} forbids one-row leaves, but "
                                     f"the training margins {alone.tolist()} belong to a single row each")
        return
    if case == "above the total hessian":
        fit = Fit(impl, data, min_child_weight=1.5 * H)
        expected, tol = link, 4 * _link_tol(fit, b)
    else:
        fit = Fit(impl, data, n_estimators=1, min_child_weight=0.75 * H)
        eta, lam = fit.params["learning_rate"], fit.params["reg_lambda"]
        expected = link + eta * float(ob.leaf_weight(G, H, lam))
        dg = 8 * fit.u * y.size * (1 + abs(link) + float(np.abs(y).max()))
        tol = _leaf_tol(fit, G, H, dg, dg) + _link_tol(fit, b)
    X = _all_rows(fit, data)
    assert_close(fit.margin(X), np.full(X.shape[0], expected), tol=bound(tol, "link(b) (+ η·w*)"),
                 what=f"margins with min_child_weight {case} (H = {H:.6g}) vs {expected!r}")
