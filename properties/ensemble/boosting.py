"""Gradient boosting with second-order (XGBoost) trees: invariants of exact greedy boosting.

Contract (scikit-learn estimators with xgboost's parameter names)::

    est = Cls(n_estimators=T, max_depth=D, learning_rate=η, reg_lambda=λ, gamma=γ,
              min_child_weight=m, base_score=b or None, objective=...)   # objective: regressors only
    est.fit(X, y)                      # X (n, d) float, NaN = missing; returns self
    est.predict(X, output_margin=True) # the margin ŷ = link(b) + Σ_t f_t(x), shape (n,)
    est.base_score_                    # b; base_score=None means ȳ (the mean label)
    objective "reg:squarederror" (link = identity) or "binary:logistic" (link(b) = log(b/(1−b)),
    y ∈ {0, 1}); a class with ``predict_proba`` (capability "classifier") is a binary logistic
    classifier: predict_proba(X)[:, 1] = σ(ŷ); other classes return σ(ŷ) from predict(X) under
    "binary:logistic".

Tree capability "trees" (``get_trees``)::

    est.get_trees() -> one list per round of node dicts {"id", "left", "right", "feature",
        "threshold", "default_left", "gain", "cover", "value"}: ids 0..N−1 breadth-first (a
        child's id exceeds its parent's), left = right = −1 at leaves; value = the leaf's output
        η·w* (NaN at splits); cover = H, the hessian sum of the node's training rows; gain as
        declared below (NaN at leaves).
    Cls.gain_convention = "xgboost": gain = G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)  (no ½, no γ)
                        | "paper":   gain = ½[G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)] − γ
    Cls.split_rule = "<": x < threshold goes left; a missing x follows default_left.
    Cls.precision = "float32" | "float64" (default "float64"): the arithmetic, from which every
        round-off tolerance below is derived (unit round-off u = 2⁻²⁴ or 2⁻⁵³).

Conventions the invariants hold every implementation to (those of the paper and of xgboost):
a split needs both children with H ≥ min_child_weight and raw gain > 1e-6; a split whose two
children are leaves is kept only if its gain reaches γ (xgboost convention) or 0 (paper);
a node with H < min_child_weight (only the root can be one) has w* = 0.

Inputs are drawn exactly representable in float32 (integers, multiples of 1/8, float32 values),
so an implementation that reads its input as float32 routes rows exactly as the oracle does.
Tolerances are first-order round-off bounds of the declared precision (×4): every gᵢ is off by
at most 4u(t+2)(1+|ŷᵢ|+|yᵢ|) after t rounds, and sums, gains and leaf values propagate that.
Metamorphic checks skip an example whose fit hinges on a near-tie (two candidate splits with
different partitions, a gain and γ or the 1e-6 split threshold, a child's H and min_child_weight,
within round-off): the skips are reported as skipped_near_ties beside the compared count (typically 0–30 % of the examples).
"""
from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from properties.engine import (Axis, Expected, Implementation, Tolerance, Topic, assert_close, assert_leq, assert_true, call,
                               crosscheck, expect_array, invariant)
from properties.ensemble.fitting import (SPLIT_EPS, Fit, boosting_data, bound, leaf_tol, near_tie, near_tie_counts,
                                     node_stats, nodes_by_id, walk)
from properties.oracles import boosting as ob

XGB_ZERO_ROUNDS = ("xgboost 3.2 estimates base_score during the first boosting round: with n_estimators=0 and "
                   "base_score=None it keeps the default 0.5 (not ȳ), and under binary:logistic it uses 0.5 itself as "
                   "the margin, so predict_proba gives σ(0.5) ≈ 0.62 while base_score is 0.5")

TOPIC = Topic(
    name="boosting",
    title="XGBoost-style second-order gradient boosting (exact greedy)",
    contract=__doc__,
    reference="reference.ensemble.boosting:BoostingRegressor",
    implementations=[
        Implementation("reference.ensemble.boosting:BoostingClassifier", note="reference"),
        Implementation('reference.ensemble.boosting:BoostingRegressor(precision="float32")', precision="float32",
                       note="the reference in xgboost's float32 arithmetic"),
        Implementation("properties.adapters.xgb:XGBRegressorExact", requires=("xgboost",),
                       expected=(Expected("boosting.base_score_default_is_mean", XGB_ZERO_ROUNDS,
                                          where="every example (not yet narrowed)", when=lambda d: True),)),
        Implementation("properties.adapters.xgb:XGBClassifierExact", requires=("xgboost",),
                       expected=(Expected("boosting.base_score_default_is_mean", XGB_ZERO_ROUNDS,
                                          where="every example (not yet narrowed)", when=lambda d: True),)),
    ],
    axes=(Axis("operations", ("trees",), "tree access: get_trees() in the contract's node format",
               detect=lambda impl: ["trees"] if callable(getattr(impl, "get_trees", None)) else []),
          Axis("estimator", ("regressor", "classifier"), "a regressor (objective parameter) or a binary logistic "
               "classifier (predict_proba)",
               detect=lambda impl: ["classifier"] if hasattr(impl, "predict_proba") else ["regressor"])),
)

SOURCE = "Chen & Guestrin, XGBoost: A Scalable Tree Boosting System (KDD 2016), §2.2–3.4"
ROUNDOFF = Tolerance(rtol=2.0**-22, atol=0, reason="computed per example: the first-order round-off bound of the "
                     "implementation's declared precision (u = 2⁻²⁴ float32, 2⁻⁵³ float64) ×4, propagated through "
                     "G, H, gains and leaf values (module docstring); rtol shows the float32 scale")


# ---------------------------------------------------------------------------------------------
# invariants of the trees
# ---------------------------------------------------------------------------------------------
@invariant(TOPIC, "boosting.leaf_value_is_newton_step",
           statement="every leaf: value = −η·G/(H+λ), G, H over its rows at ŷ⁽ᵗ⁻¹⁾ (0 if H < min_child_weight)",
           why="The second-order objective Σ_j [G_j w_j + ½(H_j+λ) w_j²] is minimised leaf by leaf at "
               "w* = −G/(H+λ); shrinkage scales the new tree by η.  G and H are recomputed here from the labels "
               "and the margins of the previous rounds' trees.",
           source=SOURCE + ", eq. (5); Friedman (2001) §5 (shrinkage)", kind="tolerance", tolerance=ROUNDOFF,
           strategy=boosting_data(), max_examples=20, requires={"operations": ("trees",)})
def leaf_value_is_newton_step(impl, data):
    fit = Fit(impl, data)
    eta, lam, mcw = fit.params["learning_rate"], fit.params["reg_lambda"], fit.params["min_child_weight"]
    for t, node, depth, rows, g, h, dg, dh in walk(fit):
        if node["left"] != -1:
            continue
        G, H, dG, dH = node_stats(fit, rows, g, h, dg, dh)
        v = node["value"]
        if depth == 0 and H < mcw - dH:
            assert_close(v, 0.0, tol=bound(0, "an exact zero"), what=f"tree {t} root leaf with H = {H:g} < mcw")
            continue
        w = ob.leaf_weight(G, H, lam) if H + lam > 0 else 0.0
        tol = leaf_tol(fit, G, H, dG, dH)
        if depth == 0 and abs(H - mcw) <= dH and abs(v) <= tol:
            continue              # H within round-off of min_child_weight: w* = 0 is as right as −G/(H+λ)
        assert_close(v, eta * w, tol=bound(tol, "η·w*"), what=f"tree {t} leaf {node['id']}: value vs −η·G/(H+λ) "
                     f"(G={G:.9g}, H={H:.9g}, {rows.size} rows)")


@invariant(TOPIC, "boosting.gain_and_cover_formula",
           statement="every split: gain = G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ) (or ½[…] − γ); every node: cover = H",
           why="The gain of a split is the reduction of the second-order objective (eq. 7); xgboost reports it "
               "without the ½ and the γ.  The cover is the hessian sum of the node's rows.",
           source=SOURCE + ", eq. (7)", kind="tolerance", tolerance=ROUNDOFF, strategy=boosting_data(), max_examples=15,
           requires={"operations": ("trees",)})
def gain_and_cover_formula(impl, data):
    fit = Fit(impl, data)
    lam, gamma = fit.params["reg_lambda"], fit.params["gamma"]
    rows_cache = {}
    for t, node, depth, rows, g, h, dg, dh in walk(fit):
        rows_cache[(t, node["id"])] = (rows, g, h, dg, dh)
        G, H, dG, dH = node_stats(fit, rows, g, h, dg, dh)
        assert_close(node["cover"], H, tol=bound(4 * (dH + 4 * fit.u * H), "H"), what=f"tree {t} node {node['id']}: cover")
    for (t, i), (rows, g, h, dg, dh) in rows_cache.items():
        node = fit.trees[t][i]
        if node["left"] == -1:
            continue
        L = node_stats(fit, rows_cache[(t, node["left"])][0], g, h, dg, dh)
        R = node_stats(fit, rows_cache[(t, node["right"])][0], g, h, dg, dh)
        P = node_stats(fit, rows, g, h, dg, dh)
        expected = float(ob.reported_gain(fit.convention, L[0], L[1], R[0], R[1], lam, gamma))
        tol = fit.gain_bound([L, R, P]) + 8 * fit.u * gamma
        assert_close(node["gain"], expected, tol=bound(tol, "the gain"),
                     what=f"tree {t} split {i} ({fit.convention} convention): gain for G_L={L[0]:.9g}, H_L={L[1]:.9g}, "
                          f"G_R={R[0]:.9g}, H_R={R[1]:.9g}")


@invariant(TOPIC, "boosting.min_child_weight_respected",
           statement="every non-root node has H ≥ min_child_weight, and every split has raw gain > 0",
           why="min_child_weight bounds the hessian sum of each child (not its row count); a split is only made "
               "when it improves the second-order objective.",
           source=SOURCE + ", §2.2 and eq. (7); xgboost parameter docs (min_child_weight)", kind="tolerance",
           tolerance=ROUNDOFF, strategy=boosting_data(objectives=(ob.SQUARED, ob.LOGISTIC, ob.LOGISTIC),
                                                      min_child_weights=(0.5, 1.0, 2.0)),
           max_examples=25, requires={"operations": ("trees",)})
def min_child_weight_respected(impl, data):
    fit = Fit(impl, data)
    lam, mcw = fit.params["reg_lambda"], fit.params["min_child_weight"]
    nodes = nodes_by_id(fit)
    for (t, i), (node, rows, g, h, dg, dh) in nodes.items():
        G, H, dG, dH = node_stats(fit, rows, g, h, dg, dh)
        if i != 0:
            assert_leq(mcw, H, tol=bound(dH, "H"), what=f"tree {t} node {i}: min_child_weight ≤ H ({rows.size} rows)")
        if node["left"] != -1:
            L = node_stats(fit, nodes[(t, node["left"])][1], g, h, dg, dh)
            R = node_stats(fit, nodes[(t, node["right"])][1], g, h, dg, dh)
            raw = float(ob.gain_xgboost(L[0], L[1], R[0], R[1], lam))
            assert_true(raw > -fit.gain_bound([L, R, (G, H, dG, dH)]),
                        f"tree {t} split {i}: the split loses objective (raw gain {raw:.9g})")


@invariant(TOPIC, "boosting.gamma_pruning",
           statement="a split whose two children are leaves has gain ≥ γ (xgboost convention) or ≥ 0 (paper)",
           why="γ is the cost of a leaf: after growth, splits that do not pay it are collapsed bottom-up (xgboost's "
               "prune updater), so no remaining split with two leaf children falls short of it.",
           source=SOURCE + ", eq. (7); xgboost parameter docs (gamma, min_split_loss)", kind="tolerance",
           tolerance=ROUNDOFF, strategy=boosting_data(objectives=(ob.SQUARED, ob.SQUARED, ob.LOGISTIC),
                                                      gammas=(0.5, 1.0, 3.0, 10.0, 30.0)),
           max_examples=25, requires={"operations": ("trees",)})
def gamma_pruning(impl, data):
    fit = Fit(impl, data)
    gamma = fit.params["gamma"]
    nodes = nodes_by_id(fit)
    for (t, i), (node, rows, g, h, dg, dh) in nodes.items():
        if node["left"] == -1:
            continue
        if fit.trees[t][node["left"]]["left"] == -1 and fit.trees[t][node["right"]]["left"] == -1:
            stats = [node_stats(fit, nodes[(t, c)][1], g, h, dg, dh) for c in (node["left"], node["right"])]
            tol = fit.gain_bound(stats + [node_stats(fit, rows, g, h, dg, dh)]) + 8 * fit.u * gamma
            assert_leq(ob.keep_threshold(fit.convention, gamma), node["gain"], tol=bound(tol, "the gain"),
                       what=f"tree {t} split {i} with two leaf children: γ-threshold ({fit.convention}) ≤ reported gain")


@invariant(TOPIC, "boosting.exact_greedy_optimal",
           statement="each split has the largest gain of all candidates (features × thresholds × missing left/right); "
                     "a leaf above max_depth has none worth keeping",
           why="Exact greedy split finding enumerates every threshold of every sorted feature and both default "
               "directions for missing values, and keeps the best.  A node left unsplit (not at max depth) had no "
               "candidate with gain above γ (or 1e-6).",
           source=SOURCE + ", Algorithm 1 and Algorithm 3", kind="tolerance", tolerance=ROUNDOFF,
           strategy=boosting_data(always_missing=True), max_examples=40, requires={"operations": ("trees",)})
def exact_greedy_optimal(impl, data):
    fit = Fit(impl, data)
    lam, mcw = fit.params["reg_lambda"], fit.params["min_child_weight"]
    keep = fit.params["gamma"] * (2 if fit.convention == "paper" else 1)      # in raw units
    rows_of = {}
    for t, node, depth, rows, g, h, dg, dh in walk(fit):
        rows_of[(t, node["id"])] = rows
    for t, node, depth, rows, g, h, dg, dh in walk(fit):
        if node["left"] == -1 and depth >= fit.params["max_depth"]:
            continue
        gains, _ = ob.candidate_splits(fit.X[rows], g[rows], h[rows], lam, mcw + 4 * dh[rows].sum())
        if gains.size == 0:
            continue
        tol = fit.node_scale_bound(g[rows], h[rows], dg[rows], dh[rows])
        if node["left"] == -1:
            assert_leq(float(gains.max()), max(keep, SPLIT_EPS), tol=bound(tol, "a gain"),
                       what=f"tree {t} leaf {node['id']} at depth {depth} < max_depth: best candidate gain vs the "
                            f"keep threshold max(γ, 1e-6)")
            continue
        left = rows_of[(t, node["left"])]
        GL, HL = g[left].sum(), h[left].sum()
        chosen = float(ob.gain_xgboost(GL, HL, g[rows].sum() - GL, h[rows].sum() - HL, lam))
        assert_leq(float(gains.max()), chosen, tol=bound(tol, "a gain"),
                   what=f"tree {t} split {node['id']}: best candidate gain (brute force over {gains.size}) vs the chosen split's")


@invariant(TOPIC, "boosting.predict_matches_trees",
           statement="predict(X, output_margin=True) = link(base_score_) + Σ_t f_t(x), f_t routed by x < threshold",
           why="The model is its base margin plus the sum of its trees' leaf outputs (additive training, eq. 1).",
           source=SOURCE + ", eq. (1)", kind="tolerance", tolerance=ROUNDOFF, strategy=boosting_data(), max_examples=15,
           requires={"operations": ("trees",)})
def predict_matches_trees(impl, data):
    fit = Fit(impl, data)
    X = np.vstack([fit.X, data["X_new"]])
    margins = ob.margins_by_round(fit.trees, X, fit.base_margin())
    size = np.abs(fit.base_margin()) + sum(np.abs(m1 - m0) for m0, m1 in zip(margins, margins[1:]))
    tol = 8 * fit.u * (len(fit.trees) + 2) * (1 + size)
    got = fit.margin(X)
    for i in range(X.shape[0]):
        assert_close(got[i], margins[-1][i], tol=bound(tol[i], "a sum of leaf values"), what=f"margin of row {i} of {X[i].tolist()}")


@invariant(TOPIC, "boosting.objective_never_increases",
           statement="γ = 0, η ≤ 1: Obj(t) = Σᵢ l(yᵢ, ŷᵢ⁽ᵗ⁾) + Σ_{k≤t} ½λ‖w_k‖² is non-increasing in t (squared error)",
           why="For squared error the second-order expansion is exact, so adding η·w* changes Obj by "
               "Σ_j G_j²/(H_j+λ)·(η²/2 − η) ≤ 0 for 0 ≤ η ≤ 2 (γ = 0: a leaf costs nothing).",
           source=SOURCE + ", eq. (2)–(6)", kind="tolerance", tolerance=ROUNDOFF,
           strategy=boosting_data(objectives=(ob.SQUARED,), rounds=(2, 4), gammas=(0.0,)), max_examples=15,
           requires={"operations": ("trees",), "estimator": ("regressor",)})
def objective_never_increases(impl, data):
    fit = Fit(impl, data, objective=ob.SQUARED)
    lam = fit.params["reg_lambda"]
    margins = fit.margins()
    previous = ob.regularised_objective(fit.y, margins[0], [], fit.objective, lam, 0.0)
    for t, tree in enumerate(fit.trees):
        # the change is Σ_j [G_j v_j + ½(H_j+λ)v_j²]; leaf values off the exact Newton step by δ_j move
        # it by at most Σ_j [|G_j|·δ_j + ½(H_j+λ)·δ_j²]
        g, h = ob.grad_hess(fit.y, margins[t], fit.objective)
        dg, dh = fit.row_errors(margins[t], t)
        slack = 0.0
        for i, rows in ob.node_rows(tree, fit.X).items():
            if tree[i]["left"] == -1:
                G, H, dG, dH = node_stats(fit, rows, g, h, dg, dh)
                delta = leaf_tol(fit, G, H, dG, dH)
                slack += abs(G) * delta + 0.5 * (H + lam) * delta**2
        current = ob.regularised_objective(fit.y, margins[t + 1], fit.trees[: t + 1], fit.objective, lam, 0.0)
        slack = 2 * slack + 64 * 2.0**-53 * fit.y.size * (abs(previous) + abs(current))
        assert_leq(current, previous, tol=bound(slack, "the objective"), what=f"Obj after round {t + 1} ≤ Obj after round {t}")
        previous = current


# ---------------------------------------------------------------------------------------------
# invariants of the predictions
# ---------------------------------------------------------------------------------------------
def _explicit_base(data) -> dict:
    """The data with a base score given for both objectives."""
    return {**data, "base_reg": 0.5 if data["base_reg"] is None else data["base_reg"],
            "base_bin": 0.5 if data["base_bin"] is None else data["base_bin"]}


def _link_tol(fit, b: float) -> float:
    """Round-off bound of link(b) computed in the declared precision."""
    if fit.objective == ob.LOGISTIC:
        return 16 * fit.u * (1 + abs(ob.link(b, fit.objective))) / min(b, 1 - b)
    return 4 * fit.u * (1 + abs(b))


@invariant(TOPIC, "boosting.zero_rounds_is_base_score",
           statement="n_estimators = 0 ⇒ base_score_ = b and ŷ = link(b) for every x",
           why="Boosting starts from the constant model ŷ⁽⁰⁾ = link(b); with no rounds nothing is added.",
           source=SOURCE + ", eq. (1); xgboost parameter docs (base_score)", kind="tolerance", tolerance=ROUNDOFF,
           strategy=boosting_data(), max_examples=10)
def zero_rounds_is_base_score(impl, data):
    fit = Fit(impl, _explicit_base(data), n_estimators=0)
    b = fit.params["base_score"]
    assert_close(fit.base_score(), b, tol=bound(4 * fit.u * abs(b), "b"), what="base_score_")
    X = np.vstack([fit.X, data["X_new"]])
    link = ob.link(b, fit.objective)
    assert_close(fit.margin(X), np.full(X.shape[0], link), tol=bound(_link_tol(fit, b), "link(b)"),
                 what=f"margin with n_estimators=0 vs link(b) = {link!r} ({fit.objective})")


@invariant(TOPIC, "boosting.base_score_default_is_mean",
           statement="base_score = None ⇒ base_score_ = ȳ, and with n_estimators = 0, ŷ = link(ȳ)",
           why="xgboost (≥ 2.0) and the reference estimate the intercept as the mean label (for the logistic "
               "loss: the mean label as a probability); the model with no trees then predicts exactly that.",
           source="xgboost 3.2 FitInterceptGlmLike::InitEstimation (SampleMean); " + SOURCE, kind="tolerance",
           tolerance=ROUNDOFF, strategy=boosting_data(), max_examples=10)
def base_score_default_is_mean(impl, data):
    data = {**data, "base_reg": None, "base_bin": None}
    mean_tol = None
    for rounds in (data["params"]["n_estimators"], 0):
        fit = Fit(impl, data, n_estimators=rounds)
        ybar = float(np.mean(fit.y))
        mean_tol = 4 * fit.u * (fit.y.size + 1) * (1 + np.abs(fit.y).max())
        assert_close(fit.base_score(), ybar, tol=bound(mean_tol, "a mean"),
                     what=f"base_score_ (None ⇒ ȳ) after fit with n_estimators={rounds}")
    X = np.vstack([fit.X, data["X_new"]])
    link = ob.link(ybar, fit.objective)
    assert_close(fit.margin(X), np.full(X.shape[0], link), tol=bound(_link_tol(fit, ybar) + 8 * mean_tol, "link(ȳ)"),
                 what=f"margin with n_estimators=0, base_score=None vs link(ȳ) = {link!r} ({fit.objective})")


@invariant(TOPIC, "boosting.eta_zero_changes_nothing",
           statement="η = 0 ⇒ predict(X) = link(base_score_) after any number of rounds",
           why="Shrinkage multiplies every new tree by η (Friedman 2001); with η = 0 each tree outputs 0.",
           source="Friedman, Greedy function approximation (2001), §5; " + SOURCE + ", §2.3", kind="tolerance",
           tolerance=ROUNDOFF, strategy=boosting_data(), max_examples=10)
def eta_zero_changes_nothing(impl, data):
    fit = Fit(impl, data, learning_rate=0.0)
    link = fit.base_margin()
    X = np.vstack([fit.X, data["X_new"]])
    assert_close(fit.margin(X), np.full(X.shape[0], link), tol=bound(_link_tol(fit, fit.base_score()), "link(b)"),
                 what="margin with learning_rate=0")


@invariant(TOPIC, "boosting.lambda_to_infinity",
           statement="λ → ∞ ⇒ |ŷ − link(b)| ≤ T·η·Σᵢ|gᵢ|/λ → 0",
           why="Every leaf output is η·|G|/(H+λ) ≤ η·Σᵢ|gᵢ|/λ, so the trees' contribution vanishes like 1/λ.",
           source=SOURCE + ", eq. (2) and (5)", kind="tolerance", tolerance=ROUNDOFF,
           strategy=st.tuples(boosting_data(), st.sampled_from([1e4, 1e6, 1e9])), max_examples=10)
def lambda_to_infinity(impl, pair):
    data, lam = pair
    fit = Fit(impl, {**data, "reg_lambda": lam})
    link = fit.base_margin()
    g, _ = ob.grad_hess(fit.y, np.full(fit.y.size, link), fit.objective)
    T, eta = fit.params["n_estimators"], fit.params["learning_rate"]
    # the margins move by at most ε·T in total, so every |gᵢ| stays below |gᵢ⁽⁰⁾| + ε·T
    step = T * eta * (np.abs(g).sum() + 1.0) * 2 / lam
    limit = step * (1 + T * eta * g.size * 2 / lam) + _link_tol(fit, fit.base_score()) * (T + 1)
    X = np.vstack([fit.X, data["X_new"]])
    got = fit.margin(X)
    assert_leq(float(np.abs(got - link).max()), limit, tol=bound(0, "none (the bound is the statement)"),
               what=f"max |ŷ − link(b)| with λ = {lam:g}")


@st.composite
def permuted(draw):
    data = draw(boosting_data(generic=True))
    return {**data, "perm": np.array(draw(st.permutations(range(data["X"].shape[0])), label="perm"))}


@invariant(TOPIC, "boosting.row_permutation_invariance",
           statement="fit(ΠX, Πy) predicts the training rows as fit(X, y) does, for any row permutation Π",
           why="G, H, the candidate thresholds and the gains are symmetric functions of the rows.  Examples whose "
               "fit hinges on a near-tie (reported as skipped_near_ties) are skipped: there round-off may legitimately pick either.",
           source=SOURCE + ", §2–3", kind="metamorphic", tolerance=ROUNDOFF, strategy=permuted(), max_examples=15,
           requires={"operations": ("trees",)})
def row_permutation_invariance(impl, data):
    a = Fit(impl, data)
    tie = near_tie(a)
    if tie:
        return near_tie_counts(True)
    p = data["perm"]
    b = Fit(impl, data, X=a.X[p], y=a.y[p])
    # training rows only: candidates with the same partition of the training rows are equally good,
    # and may route unseen rows (a NaN where the training rows had none) differently
    ma, mb = a.margin(), b.margin(a.X)
    tol = 8 * a.u * (a.params["n_estimators"] + 2) * (1 + np.abs(ma).max()) * (1 + a.y.size)
    assert_close(mb, ma, tol=bound(tol, "the margins"), what="margins of the fit on permuted rows vs the original fit")
    return near_tie_counts(False)


TRANSFORMS = {"x·|x|": lambda x: x * np.abs(x), "x³+x": lambda x: x**3 + x, "arctan(x)": np.arctan,
              "sign(x)·log(1+|x|)": lambda x: np.sign(x) * np.log1p(np.abs(x))}


@invariant(TOPIC, "boosting.monotone_feature_transform",
           statement="x_j ↦ φ(x_j) with φ strictly increasing leaves the fitted predictions on the training rows unchanged",
           why="A threshold split only sees the order of a feature's values: φ maps every candidate partition to the "
               "same partition, with the same gain and the same scan order (Algorithm 1 sorts the values).",
           source=SOURCE + ", Algorithm 1", kind="metamorphic", tolerance=ROUNDOFF,
           strategy=st.tuples(boosting_data(), st.sampled_from(sorted(TRANSFORMS)), st.integers(0, 2)), max_examples=25)
def monotone_feature_transform(impl, triple):
    data, name, j = triple
    X = data["X"]
    j = j % X.shape[1]
    Xt = X.copy()
    Xt[:, j] = TRANSFORMS[name](X[:, j]).astype(np.float32)          # exactly representable in float32
    values = np.unique(X[~np.isnan(X[:, j]), j])
    assume(np.all(np.diff(TRANSFORMS[name](values).astype(np.float32)) > 0))  # strictly increasing after rounding
    a, b = Fit(impl, data), Fit(impl, data, X=Xt)
    ma, mb = a.margin(), b.margin()
    tol = 4 * a.u * (a.params["n_estimators"] + 2) * (1 + np.abs(ma).max())
    assert_close(mb, ma, tol=bound(tol, "the margins"), what=f"training margins after x_{j} ↦ {name}(x_{j})")


@invariant(TOPIC, "boosting.target_scaling",
           statement="squared error: fit(X, c·y) with base c·b, γ·c² (λ, min_child_weight unchanged) predicts c·ŷ on the training rows",
           why="g = ŷ − y scales by c and h = 1 does not, so w* = −G/(H+λ) scales by c and every gain by c²; γ must "
               "scale with the gains.  Examples hinging on a near-tie (incl. the fixed 1e-6 split threshold) are skipped.",
           source=SOURCE + ", eq. (5) and (7)", kind="metamorphic", tolerance=ROUNDOFF,
           strategy=st.tuples(boosting_data(objectives=(ob.SQUARED,), generic=True),
                              st.sampled_from([0.25, 0.5, 2.0, 4.0, 3.0, 10.0])),
           max_examples=15, requires={"operations": ("trees",), "estimator": ("regressor",)})
def target_scaling(impl, pair):
    data, c = pair
    a = Fit(impl, data, objective=ob.SQUARED)
    tie = near_tie(a, scale=c)
    if tie:
        return near_tie_counts(True)
    b_given = a.params["base_score"]
    b = Fit(impl, data, objective=ob.SQUARED, y=c * a.y, gamma=a.params["gamma"] * c * c,
            base_score=None if b_given is None else c * b_given)
    ma, mb = a.margin(), b.margin()       # training rows (see row_permutation_invariance)
    tol = 8 * a.u * (a.params["n_estimators"] + 2) * c * (1 + np.abs(ma).max()) * (1 + a.y.size)
    assert_close(mb, c * ma, tol=bound(tol, "the margins"), what=f"training margins after y ↦ {c:g}·y vs {c:g}·margins")
    return near_tie_counts(False)


@invariant(TOPIC, "boosting.logistic_probabilities",
           statement="binary:logistic: p = σ(ŷ) ∈ (0, 1) (|ŷ| ≤ 15), p(1) + p(0) = 1; n_estimators = 0 ⇒ ŷ = log(b/(1−b)), p = b",
           why="The logistic loss models P(y = 1 | x) = σ(ŷ); the margin of a base probability b is its logit.",
           source=SOURCE + ", §2.1; xgboost binary:logistic", kind="tolerance", tolerance=ROUNDOFF,
           strategy=boosting_data(objectives=(ob.LOGISTIC,)), max_examples=15)
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
# cross-check against xgboost
# ---------------------------------------------------------------------------------------------
PAIRS = [("reference.ensemble.boosting:BoostingRegressor", "properties.adapters.xgb:XGBRegressorExact"),
         ("reference.ensemble.boosting:BoostingClassifier", "properties.adapters.xgb:XGBClassifierExact")]


def _same_tree(ta: list[dict], tb: list[dict], where: str) -> int:
    """Compare two trees node by node from the root (float32 numbers compared bit for bit)."""
    assert_true(len(ta) == len(tb), f"{where}: {len(ta)} nodes vs {len(tb)}")
    for na, nb in zip(ta, tb):
        for key in ("left", "right", "feature", "default_left"):
            assert_true(na[key] == nb[key], f"{where} node {na['id']}: {key} {na[key]!r} (reference) vs {nb[key]!r} (xgboost)")
        for key in ("threshold", "gain", "cover", "value"):
            a, b = np.float32(na[key]), np.float32(nb[key])
            assert_true(a == b or (np.isnan(a) and np.isnan(b)),
                        f"{where} node {na['id']}: {key} {float(a)!r} (reference) vs {float(b)!r} (xgboost)")
    return len(ta)


@crosscheck(TOPIC, "boosting.crosscheck.xgboost",
            statement="reference (precision='float32') = xgboost exact, bit for bit: trees (structure, thresholds, "
                      "default directions, gains, covers, leaf values), base_score_ and margins",
            why="Both run Algorithms 1 and 3 with the same conventions; the reference's float32 mode repeats "
                "xgboost's arithmetic step for step, so no near-tie can separate them.  The check reports what it "
                "compared (fits, trees, nodes, margins), summed over the examples.",
            source="xgboost 3.2 tree_method='exact' (updaters grow_colmaker, prune) vs reference.ensemble.boosting",
            tolerance=Tolerance(reason="bit-exact: the same float32 operations in the same order"),
            strategy=boosting_data(max_rows=40, max_cols=4, rounds=(1, 4), depths=(1, 4)), max_examples=40, pairs=PAIRS)
def crosscheck_xgboost(impl_a, impl_b, data):
    a = Fit(lambda **kw: impl_a(precision="float32", **kw), data, like=impl_a)
    b = Fit(impl_b, data)
    assert_true(np.float32(a.base_score()) == np.float32(b.base_score()),
                f"base_score_: {a.base_score()!r} (reference) vs {b.base_score()!r} (xgboost)")
    nodes = sum(_same_tree(ta, tb, f"tree {t}") for t, (ta, tb) in enumerate(zip(a.trees, b.trees)))
    X = np.vstack([a.X, data["X_new"]])
    ma, mb = np.float32(a.margin(X)), np.float32(b.margin(X))
    bad = np.flatnonzero(ma != mb)
    assert_true(bad.size == 0, f"margins differ at rows {bad.tolist()}: {ma[bad].tolist()} vs {mb[bad].tolist()}")
    return {"fits": 1, "trees": len(a.trees), "nodes": nodes, "margins": X.shape[0]}
