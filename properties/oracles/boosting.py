"""XGBoost's second-order statistics in closed form, and brute-force split search.

Chen & Guestrin, "XGBoost: A Scalable Tree Boosting System" (KDD 2016), eq. (2)–(7):

    gᵢ = ∂l(yᵢ, ŷ)/∂ŷ,  hᵢ = ∂²l(yᵢ, ŷ)/∂ŷ²            at the margin before the round
    G = Σ_{i∈I} gᵢ,  H = Σ_{i∈I} hᵢ                     over the rows I of a node
    w* = −G / (H + λ)                                    optimal leaf weight
    gain = G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)        xgboost's reported gain
    gain_paper = ½ · gain − γ                            the paper's eq. (7)
    Obj = Σᵢ l(yᵢ, ŷᵢ) + Σ_trees (γ·T + ½ λ ‖w‖²)        the regularised objective

Everything is float64 and written from the definitions; nothing here imports the
reference implementation.  Trees are the boosting contract's node dicts
(``{"id", "left", "right", "feature", "threshold", "default_left", "gain", "cover", "value"}``).
"""
from __future__ import annotations

import numpy as np

SQUARED, LOGISTIC = "reg:squarederror", "binary:logistic"
SPLIT_EPS = 1e-6          # xgboost's kRtEps: a split must gain more than this


def link(base_score: float, objective: str) -> float:
    """The margin of a base score: b for squared error, log(b / (1 − b)) for the logistic loss."""
    if objective == LOGISTIC:
        return float(np.log(base_score / (1.0 - base_score)))
    return float(base_score)


def sigmoid(margin):
    """σ(ŷ) = 1 / (1 + e^(−ŷ)), written through tanh so that it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(margin, dtype=np.float64)))


def grad_hess(y: np.ndarray, margin: np.ndarray, objective: str) -> tuple[np.ndarray, np.ndarray]:
    """g, h of l(y, ŷ) at ŷ = margin."""
    if objective == LOGISTIC:
        # l = log(1 + e^ŷ) − yŷ:  g = σ(ŷ) − y,  h = σ(ŷ)(1 − σ(ŷ))
        p = sigmoid(margin)
        return p - y, p * (1.0 - p)
    # l = ½(y − ŷ)²:  g = ŷ − y,  h = 1
    return margin - y, np.ones_like(margin)


def loss(y: np.ndarray, margin: np.ndarray, objective: str) -> np.ndarray:
    """l(yᵢ, ŷᵢ) per row."""
    if objective == LOGISTIC:
        return np.logaddexp(0.0, margin) - y * margin
    return 0.5 * (y - margin) ** 2


def leaf_weight(G, H, reg_lambda):
    """w* = −G / (H + λ)."""
    return -np.asarray(G) / (np.asarray(H) + reg_lambda)


def score(G, H, reg_lambda):
    """G² / (H + λ), the structure score of one node (0 for an empty node)."""
    G, H = np.asarray(G, dtype=np.float64), np.asarray(H, dtype=np.float64)
    denom = H + reg_lambda
    return np.divide(G * G, denom, out=np.zeros(np.broadcast(G, denom).shape), where=denom > 0)


def gain_xgboost(GL, HL, GR, HR, reg_lambda):
    """G_L²/(H_L+λ) + G_R²/(H_R+λ) − (G_L+G_R)²/(H_L+H_R+λ): no ½, no γ."""
    return score(GL, HL, reg_lambda) + score(GR, HR, reg_lambda) - score(np.add(GL, GR), np.add(HL, HR), reg_lambda)


def reported_gain(convention: str, GL, HL, GR, HR, reg_lambda, gamma):
    """The gain an implementation reports under its declared convention."""
    raw = gain_xgboost(GL, HL, GR, HR, reg_lambda)
    if convention == "paper":
        # ½ [G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)] − γ
        return 0.5 * raw - gamma
    if convention == "xgboost":
        return raw
    raise ValueError(f"gain_convention must be 'xgboost' or 'paper', got {convention!r}")


def keep_threshold(convention: str, gamma: float) -> float:
    """A split whose two children are leaves survives γ-pruning iff its reported gain is ≥ this."""
    return gamma if convention == "xgboost" else 0.0


def goes_left(x, threshold, default_left):
    """The contract's routing: x < threshold goes left; a missing x follows default_left."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(x), default_left, x < threshold)


# ---------------------------------------------------------------------------------------------
# trees as node dicts
# ---------------------------------------------------------------------------------------------
def node_rows(tree: list[dict], X: np.ndarray) -> dict[int, np.ndarray]:
    """Row indices reaching every node (by id), routing X by the contract's rule."""
    nodes = {n["id"]: n for n in tree}
    out, stack = {}, [(0, np.arange(X.shape[0]))]
    while stack:
        i, rows = stack.pop()
        out[i] = rows
        n = nodes[i]
        if n["left"] != -1:
            left = goes_left(X[rows, n["feature"]], n["threshold"], n["default_left"]).astype(bool)
            stack += [(n["left"], rows[left]), (n["right"], rows[~left])]
    return out


def node_depths(tree: list[dict]) -> dict[int, int]:
    nodes = {n["id"]: n for n in tree}
    depth, stack = {}, [(0, 0)]
    while stack:
        i, d = stack.pop()
        depth[i] = d
        if nodes[i]["left"] != -1:
            stack += [(nodes[i]["left"], d + 1), (nodes[i]["right"], d + 1)]
    return depth


def tree_output(tree: list[dict], X: np.ndarray) -> np.ndarray:
    """f(x): the value of the leaf each row reaches."""
    out = np.zeros(X.shape[0])
    for i, rows in node_rows(tree, X).items():
        n = next(m for m in tree if m["id"] == i)
        if n["left"] == -1:
            out[rows] = n["value"]
    return out


def margins_by_round(trees: list[list[dict]], X: np.ndarray, base_margin: float) -> list[np.ndarray]:
    """ŷ⁽⁰⁾, ŷ⁽¹⁾, …, ŷ⁽ᵀ⁾ with ŷ⁽ᵗ⁾ = ŷ⁽ᵗ⁻¹⁾ + f_t(x) (leaf values already include η)."""
    margins = [np.full(X.shape[0], float(base_margin))]
    for tree in trees:
        margins.append(margins[-1] + tree_output(tree, X))
    return margins


def regularised_objective(y, margin, trees, objective, reg_lambda, gamma) -> float:
    """Σᵢ l(yᵢ, ŷᵢ) + Σ_trees (γ·T + ½ λ Σ_leaves v²), v the trees' leaf outputs."""
    penalty = 0.0
    for tree in trees:
        values = np.array([n["value"] for n in tree if n["left"] == -1])
        penalty += gamma * values.size + 0.5 * reg_lambda * float(np.sum(values**2))
    return float(np.sum(loss(y, margin, objective))) + penalty


# ---------------------------------------------------------------------------------------------
# brute-force split search
# ---------------------------------------------------------------------------------------------
def all_candidates(X: np.ndarray, g: np.ndarray, h: np.ndarray,
                   reg_lambda: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every split of the rows X (one node): each feature, each threshold between consecutive
    distinct present values, and "all present values vs all missing ones", each with the
    missing values sent left and sent right; both children non-empty.  Returns the xgboost
    gains, the left masks and the left children's hessian sums H_L (min_child_weight not applied)."""
    n, d = X.shape
    gains, masks, HLs = [], [], []
    for j in range(d):
        x = X[:, j]
        present = ~np.isnan(x)
        values = np.unique(x[present])
        if values.size == 0:
            continue
        # "left = x < t" for t between consecutive values, plus t below and above every value
        cuts = np.concatenate([[values[0] - 1.0], (values[:-1] + values[1:]) / 2, [values[-1] + 1.0]])
        below = x[None, :] < cuts[:, None]                 # (cuts, n); NaN compares False
        for default_left in (False, True):
            left = np.where(present[None, :], below, default_left)
            ok = left.any(axis=1) & (~left).any(axis=1)
            left = left[ok]
            HL, HR = left @ h, (~left) @ h
            gains.append(gain_xgboost(left @ g, HL, (~left) @ g, HR, reg_lambda))
            masks.append(left)
            HLs.append(HL)
    if not gains:
        return np.zeros(0), np.zeros((0, n), bool), np.zeros(0)
    return np.concatenate(gains), np.concatenate(masks), np.concatenate(HLs)


def candidate_splits(X: np.ndarray, g: np.ndarray, h: np.ndarray, reg_lambda: float,
                     min_child_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`all_candidates` whose two children have hessian sums ≥ min_child_weight:
    (xgboost gains, left masks)."""
    gains, masks, HL = all_candidates(X, g, h, reg_lambda)
    ok = (HL >= min_child_weight) & (h.sum() - HL >= min_child_weight)
    return gains[ok], masks[ok]


def partition_gap(gains: np.ndarray, masks: np.ndarray) -> float:
    """Gap between the best gain and the best gain of a candidate that partitions the rows
    differently (inf when every candidate gives the best partition): a near-tie when small."""
    if gains.size == 0:
        return np.inf
    best = int(np.argmax(gains))
    same = (masks == masks[best]).all(axis=1) | (masks == ~masks[best]).all(axis=1)
    others = gains[~same]
    return float(gains[best] - others.max()) if others.size else np.inf


def gain_bound(g: np.ndarray, h: np.ndarray, reg_lambda: float) -> float:
    """An upper bound of the gain of every split of rows with gradients g and hessians h:
    gain ≤ G_L²/(H_L+λ) + G_R²/(H_R+λ) ≤ (Σᵢ|gᵢ|)² / (minᵢ hᵢ + λ)  (both children non-empty)."""
    denom = float(np.min(h)) + reg_lambda
    return float(np.sum(np.abs(g))) ** 2 / denom if denom > 0 else np.inf


# ---------------------------------------------------------------------------------------------
# the exact greedy booster, by brute force (for near-tie analysis and closed forms)
# ---------------------------------------------------------------------------------------------
def greedy_tree(X: np.ndarray, g: np.ndarray, h: np.ndarray, *, reg_lambda: float, min_child_weight: float,
                max_depth: int, keep_gain: float) -> list[dict]:
    """One exact greedy tree (Algorithms 1 and 3) grown breadth-first by brute force: a node at
    depth < max_depth takes the candidate of largest gain among those whose children have
    H ≥ min_child_weight, if it gains more than SPLIT_EPS; then, bottom-up, a split whose two
    children are leaves is collapsed when its gain is below ``keep_gain`` (γ in xgboost's
    convention).  Node dicts: {"id", "depth", "rows", "left", "right", "gain", "G", "H", "w", "candidates"},
    w = −G/(H+λ) at leaves (0 at a root with H < min_child_weight); "candidates" is
    :func:`all_candidates` of the node (None at max_depth)."""
    nodes = [{"id": 0, "depth": 0, "rows": np.arange(X.shape[0]), "left": -1, "right": -1, "gain": np.nan}]
    i = 0
    while i < len(nodes):
        node = nodes[i]
        rows = node["rows"]
        node["G"], node["H"] = float(g[rows].sum()), float(h[rows].sum())
        node["candidates"] = None
        if node["depth"] < max_depth:
            node["candidates"] = gains, masks, HL = all_candidates(X[rows], g[rows], h[rows], reg_lambda)
            ok = (HL >= min_child_weight) & (node["H"] - HL >= min_child_weight)
            gains, masks = gains[ok], masks[ok]
            if gains.size and gains.max() > SPLIT_EPS:
                k = int(np.argmax(gains))
                node["gain"] = float(gains[k])
                for side, part in (("left", rows[masks[k]]), ("right", rows[~masks[k]])):
                    node[side] = len(nodes)
                    nodes.append({"id": len(nodes), "depth": node["depth"] + 1, "rows": part, "left": -1,
                                  "right": -1, "gain": np.nan})
        i += 1
    changed = True
    while changed:                        # γ-pruning, bottom-up
        changed = False
        for node in nodes:
            l, r = node["left"], node["right"]
            if l != -1 and nodes[l]["left"] == -1 and nodes[r]["left"] == -1 and node["gain"] < keep_gain:
                node["left"] = node["right"] = -1
                changed = True
    for node in nodes:
        small = node["id"] == 0 and node["H"] < min_child_weight
        node["w"] = 0.0 if small or node["H"] + reg_lambda <= 0 else float(leaf_weight(node["G"], node["H"], reg_lambda))
    return live_nodes(nodes)


def live_nodes(nodes: list[dict]) -> list[dict]:
    """The nodes still reachable from the root (pruning leaves collapsed children behind)."""
    out, stack = [], [0]
    while stack:
        i = stack.pop()
        out.append(nodes[i])
        if nodes[i]["left"] != -1:
            stack += [nodes[i]["right"], nodes[i]["left"]]
    return out


def greedy_boosting(X: np.ndarray, y: np.ndarray, objective: str, *, n_estimators: int, max_depth: int,
                    learning_rate: float, reg_lambda: float, min_child_weight: float, keep_gain: float,
                    base_margin: float) -> tuple[list[list[dict]], list[np.ndarray]]:
    """Exact greedy boosting by brute force, in float64: the trees (:func:`greedy_tree`, leaf
    output η·w*) and the training margins ŷ⁽⁰⁾ … ŷ⁽ᵀ⁾."""
    margins = [np.full(y.size, float(base_margin))]
    trees = []
    for _ in range(n_estimators):
        g, h = grad_hess(y, margins[-1], objective)
        tree = greedy_tree(X, g, h, reg_lambda=reg_lambda, min_child_weight=min_child_weight, max_depth=max_depth,
                           keep_gain=keep_gain)
        update = np.zeros(y.size)
        for node in tree:
            if node["left"] == -1:
                update[node["rows"]] = learning_rate * node["w"]
        trees.append(tree)
        margins.append(margins[-1] + update)
    return trees, margins
