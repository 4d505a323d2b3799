"""Boosting invariants that read the trees (operation "trees"): leaf values, gains and covers, min_child_weight,
γ-pruning, exact greedy optimality, depth, predictions from the trees; and the bit-exact cross-check against
xgboost.  The contract is ``properties.ensemble.boosting``'s docstring."""
from __future__ import annotations

import numpy as np

from properties.engine import SkipCheck, Tolerance, assert_close, assert_leq, assert_true, crosscheck, invariant
from properties.ensemble.boosting import SOURCE, TOPIC
from properties.ensemble.boosting_data import boosting_data
from properties.ensemble.fitting import ROUNDOFF, SPLIT_EPS, Fit, bound, leaf_tol, node_stats, nodes_by_id, walk
from properties.oracles import boosting as ob

TREES = {"operations": ("trees",)}
BOTH = {"objective": None}


# ---------------------------------------------------------------------------------------------
# invariants of the trees
# ---------------------------------------------------------------------------------------------
@invariant(TOPIC, "boosting.leaf_value_is_newton_step",
           statement="every leaf: value = −η·G/(H+λ), G, H over its rows at ŷ⁽ᵗ⁻¹⁾ (0 if H < min_child_weight)",
           why="The second-order objective Σ_j [G_j w_j + ½(H_j+λ) w_j²] is minimised leaf by leaf at "
               "w* = −G/(H+λ); shrinkage scales the new tree by η.  G and H are recomputed here from the labels "
               "and the margins of the previous rounds' trees.",
           source=SOURCE + ", eq. (5); Friedman (2001) §5 (shrinkage)", kind="tolerance", tolerance=ROUNDOFF,
           strategy=boosting_data(), max_examples=8, draws=BOTH, requires=TREES)
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
           source=SOURCE + ", eq. (7)", kind="tolerance", tolerance=ROUNDOFF, strategy=boosting_data(), max_examples=8,
           draws=BOTH, requires=TREES)
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
           tolerance=ROUNDOFF, strategy=boosting_data(min_child_weights=(0.5, 1.0, 2.0)), max_examples=8,
           draws={**BOTH, "regularisation": ("min_child_weight",)},
           requires={**TREES, "regularisation": ("min_child_weight",)})
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
           tolerance=ROUNDOFF, strategy=boosting_data(gammas=(0.5, 1.0, 3.0, 10.0, 30.0)), max_examples=8,
           draws={**BOTH, "regularisation": ("gamma",)}, requires={**TREES, "regularisation": ("gamma",)})
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
           strategy=boosting_data(always_missing=True), max_examples=12, draws=BOTH, requires=TREES)
def exact_greedy_optimal(impl, data):
    fit = Fit(impl, data)
    lam, mcw = fit.params["reg_lambda"], fit.params["min_child_weight"]
    keep = fit.keep                                                           # in raw units
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
           source=SOURCE + ", eq. (1)", kind="tolerance", tolerance=ROUNDOFF, strategy=boosting_data(), max_examples=8,
           draws=BOTH, requires=TREES)
def predict_matches_trees(impl, data):
    fit = Fit(impl, data)
    X = np.vstack([fit.X, data["X_new"]])
    margins = ob.margins_by_round(fit.trees, X, fit.base_margin())
    size = np.abs(fit.base_margin()) + sum(np.abs(m1 - m0) for m0, m1 in zip(margins, margins[1:]))
    tol = 8 * fit.u * (len(fit.trees) + 2) * (1 + size)
    got = fit.margin(X)
    for i in range(X.shape[0]):
        assert_close(got[i], margins[-1][i], tol=bound(tol[i], "a sum of leaf values"), what=f"margin of row {i} of {X[i].tolist()}")



@invariant(TOPIC, "boosting.max_depth_respected",
           statement="every node lies at depth ≤ max_depth (the root at depth 0)",
           why="max_depth bounds the length of every root-to-leaf path: a node at depth max_depth is a leaf.",
           source=SOURCE + ", §2.2; xgboost parameter docs (max_depth)", kind="exact",
           tolerance=Tolerance(reason="exact: depths are integers"), strategy=boosting_data(rounds=(1, 2), depths=(1, 2)),
           max_examples=5, draws=BOTH, requires=TREES)
def max_depth_respected(impl, data):
    fit = Fit(impl, data)
    D = fit.params["max_depth"]
    for t, tree in enumerate(fit.trees):
        deepest = max(ob.node_depths(tree).values())
        assert_true(deepest <= D, f"tree {t} has a node at depth {deepest} > max_depth = {D}")


# ---------------------------------------------------------------------------------------------
# cross-check against xgboost
# ---------------------------------------------------------------------------------------------
PAIRS = [('reference.ensemble.boosting:BoostingRegressor(precision="float32")', "properties.adapters.xgb:XGBRegressorExact"),
         ('reference.ensemble.boosting:BoostingClassifier(precision="float32")', "properties.adapters.xgb:XGBClassifierExact")]


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
                "xgboost's arithmetic step for step — its float32 reading of X included, so float64 X is compared "
                "too — and no near-tie can separate them.  The sigmoid and the logit need the C library's expf and "
                "logf (numpy's float32 exp differs on ~40% of inputs): where the reference reports them missing "
                "(``libm_unavailable``) the check is skipped with that reason.  The check reports what it "
                "compared (fits, trees, nodes, margins), summed over the examples.",
            source="xgboost 3.2 tree_method='exact' (updaters grow_colmaker, prune) vs reference.ensemble.boosting",
            tolerance=Tolerance(reason="bit-exact: the same float32 operations in the same order"),
            strategy=boosting_data(max_rows=40, max_cols=4, rounds=(1, 4), depths=(1, 4)), max_examples=15,
            draws=BOTH, pairs=PAIRS)
def crosscheck_xgboost(impl_a, impl_b, data):
    a = Fit(impl_a, data)
    missing = getattr(a.est, "libm_unavailable", None)
    if missing:
        raise SkipCheck(f"no bit-exact comparison here: {missing}")
    b = Fit(impl_b, data)
    assert_true(np.float32(a.base_score()) == np.float32(b.base_score()),
                f"base_score_: {a.base_score()!r} (reference) vs {b.base_score()!r} (xgboost)")
    nodes = sum(_same_tree(ta, tb, f"tree {t}") for t, (ta, tb) in enumerate(zip(a.trees, b.trees)))
    X = np.vstack([a.X, data["X_new"]])
    ma, mb = np.float32(a.margin(X)), np.float32(b.margin(X))
    bad = np.flatnonzero(ma != mb)
    assert_true(bad.size == 0, f"margins differ at rows {bad.tolist()}: {ma[bad].tolist()} vs {mb[bad].tolist()}")
    return {"fits": 1, "trees": len(a.trees), "nodes": nodes, "margins": X.shape[0]}

