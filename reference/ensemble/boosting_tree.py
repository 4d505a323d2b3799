"""Exact greedy tree growth for second-order boosting (the tree half of ``reference.ensemble.boosting``).

Chen & Guestrin, "XGBoost: A Scalable Tree Boosting System", KDD 2016:
Algorithm 1 (exact greedy split finding over sorted feature values) and
Algorithm 3 (sparsity-aware split finding: every candidate is tried with the
missing values sent left and sent right, and the better default is learned).

Growth is level-wise like xgboost's ``grow_colmaker``: every feature is sorted
once per fit; at each depth the rows of all open nodes are scanned together
(one stable partition of the per-feature orders by node, then cumulative sums
of g and h inside each node's block).  Pruning by γ happens after growth,
bottom-up, as in xgboost's ``prune`` updater.

Two arithmetics, chosen by ``f32``:

* float64 (the default of the estimators): the textbook formulas.
* float32: xgboost's own arithmetic, step for step (gradients, leaf weights,
  gain terms and margins in float32; sums of g and h in float64 in xgboost's
  summation order; thresholds as float32 midpoints) so that the trees agree
  with ``xgboost`` ``tree_method="exact"`` bit for bit.

The estimator passed as ``rules`` supplies the formulas that define the method
(gain term, leaf weight, child-weight test, routing, midpoint, scan directions);
keeping them as overridable methods lets tests build one-bug variants.
"""
from __future__ import annotations

import numpy as np

#: xgboost's kRtEps: a split must improve the (unhalved) gain by more than this
RT_EPS = 1e-6


class Tree:
    """Node arrays of one grown tree; node 0 is the root, ids are assigned level by level."""

    def __init__(self) -> None:
        self.parent: list[int] = []
        self.depth: list[int] = []
        self.left: list[int] = []
        self.right: list[int] = []
        self.feature: list[int] = []
        self.threshold: list[float] = []
        self.default_left: list[bool] = []
        self.gain: list[float] = []
        self.G: list[float] = []
        self.H: list[float] = []
        self.weight: list[float] = []     # w* of the node (before shrinkage)
        self.value: list[float] = []      # leaf output η·w* (NaN for split nodes)
        self.deleted: list[bool] = []

    def add(self, parent: int, depth: int, G: float, H: float, weight: float) -> int:
        for name, v in (("parent", parent), ("depth", depth), ("left", -1), ("right", -1), ("feature", -1),
                        ("threshold", np.nan), ("default_left", True), ("gain", np.nan), ("G", G), ("H", H),
                        ("weight", weight), ("value", np.nan), ("deleted", False)):
            getattr(self, name).append(v)
        return len(self.parent) - 1

    def is_leaf(self, i: int) -> bool:
        return self.left[i] == -1

    def arrays(self) -> dict[str, np.ndarray]:
        return {"left": np.asarray(self.left, np.int64), "right": np.asarray(self.right, np.int64),
                "feature": np.asarray(self.feature, np.int64), "threshold": np.asarray(self.threshold, np.float64),
                "default_left": np.asarray(self.default_left, bool), "value": np.asarray(self.value, np.float64)}


def midpoint(lo: np.ndarray, hi: np.ndarray, forward: bool, f32: bool) -> np.ndarray:
    """The threshold between consecutive distinct values lo < hi (x < t goes left)."""
    if f32:
        lo32, hi32 = lo.astype(np.float32), hi.astype(np.float32)
        # xgboost: t = (v + v_last)·0.5f in float32; if it rounds onto the value being scanned, use v_last
        mid = (lo32 + hi32) * np.float32(0.5)
        current, last = (hi32, lo32) if forward else (lo32, hi32)
        return np.where(mid == current, last, mid).astype(np.float64)
    # t = (lo + hi) / 2, kept strictly above lo so that lo goes left and hi goes right
    mid = 0.5 * (lo + hi)
    return np.where(mid > lo, mid, hi)


def end_threshold(v: np.ndarray, forward: bool, f32: bool) -> np.ndarray:
    """Threshold of the split "every present value on one side, the missing ones on the other".

    xgboost: v_max + (|v_max| + 1e-6) (present values go left) or v_min − (|v_min| + 1e-6) (right).
    """
    if f32:
        v32 = v.astype(np.float32)
        gap = np.abs(v32) + np.float32(RT_EPS)
        return (v32 + gap if forward else v32 - gap).astype(np.float64)
    gap = np.abs(v) + RT_EPS
    return v + gap if forward else v - gap


def presort(X: np.ndarray) -> np.ndarray:
    """(d, n) row order of every feature, ascending, NaN last (computed once per fit)."""
    return np.argsort(X.T, axis=1, kind="stable")


def _block_sums(a: np.ndarray, starts: np.ndarray, counts: np.ndarray, f32: bool):
    """Running sums of ``a`` inside each node block: from the left (ascending values, inclusive)
    and, in float32 mode only, from the right (descending values, inclusive)."""
    if f32:
        # xgboost adds in scan order (ascending for the default-right scan, descending for the
        # default-left one); the order decides the last bit of a float64 sum, so keep it
        prefix, suffix = np.empty_like(a), np.empty_like(a)
        for s, e in zip(starts, starts + counts):
            prefix[:, s:e] = np.cumsum(a[:, s:e], axis=1)
            suffix[:, s:e] = np.cumsum(a[:, s:e][:, ::-1], axis=1)[:, ::-1]
        return prefix, suffix
    prefix = np.cumsum(a, axis=1)
    earlier = np.zeros((a.shape[0], starts.size))
    earlier[:, 1:] = prefix[:, starts[1:] - 1]        # sum of all earlier blocks
    prefix -= np.repeat(earlier, counts, axis=1)
    return prefix, None


def _best_per_block(loss: np.ndarray, starts: np.ndarray, block: np.ndarray, last: bool):
    """Per (feature, node block): the largest loss and the column where it first (or last) occurs."""
    top = np.maximum.reduceat(loss, starts, axis=1)
    cols = np.arange(loss.shape[1])
    hit = loss == top[:, block]
    if last:
        return top, np.maximum.reduceat(np.where(hit, cols, -1), starts, axis=1)
    return top, np.minimum.reduceat(np.where(hit, cols, loss.shape[1]), starts, axis=1)


def _find_splits(XT, order, g, h, rules, GT, HT, starts, ends, forward_ok, f32) -> dict:
    """The best candidate split of every node block (keyed by block index).

    ``order[:, starts[b]:ends[b]]`` holds the rows of block b sorted by each feature (missing
    values last); GT, HT are the blocks' node sums.  Candidates are scanned in xgboost's order
    (ascending feature index; inside a feature the default-right candidates by ascending
    threshold, then the default-left ones by descending threshold) and the first maximum wins,
    which sends ties to the lowest feature index (xgboost's SplitEntry::Update).
    """
    d, m = order.shape
    counts = ends - starts
    nb = starts.size
    block = np.repeat(np.arange(nb), counts)          # block of every column
    V = np.take_along_axis(XT, order, axis=1)          # sorted values, NaN last in each block
    present = ~np.isnan(V)
    gs, hs = g[order], h[order]
    if not present.all():
        gs[~present], hs[~present] = 0.0, 0.0
    PG, SG = _block_sums(gs, starts, counts, f32)
    PH, SH = _block_sums(hs, starts, counts, f32)
    n_present = np.add.reduceat(present, starts, axis=1, dtype=np.int64)     # (d, nb)
    rank = np.arange(m) - starts[block]                # position of a column inside its block
    root = rules._parent_term(GT, HT)

    def loss(valid, GL, HL, CL, GR, HR, CR, b):
        # gain = G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ), where both children are heavy enough
        gain = (rules._gain_term(GL, HL) + rules._gain_term(GR, HR)) - root[b]
        valid = valid & rules._child_ok(HL, CL) & rules._child_ok(HR, CR)
        return np.where(valid, gain, -np.inf).astype(np.float64, copy=False)

    # candidate thresholds between columns i and i+1: same block, next value present and larger
    b0 = block[:-1]
    between = (b0 == block[1:]) & present[:, 1:] & (V[:, :-1] != V[:, 1:])
    n_left = rank[:-1] + 1                             # present values ≤ V[:, i] in the block
    Gt, Ht, Nt = GT[b0], HT[b0], counts[b0]
    # losses are laid out on m columns (the last one never a candidate) so blocks align with ``starts``
    loss_b, loss_f = np.full((d, m), -np.inf), np.full((d, m), -np.inf)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # default left (backward scan): right = present values ≥ V[:, i+1]; left = the rest, missing included
        CR = n_present[:, b0] - n_left
        if f32:    # xgboost sums the right side (descending scan) and subtracts it from the node
            GR, HR = SG[:, 1:], SH[:, 1:]
            GL, HL = Gt - GR, Ht - HR
        else:      # left = present values ≤ V[:, i] plus the missing ones
            GL, HL = PG[:, :-1], PH[:, :-1]
            if n_present.sum() < d * m:
                last_col, none_missing = starts + counts - 1, n_present == counts
                G_miss = np.where(none_missing, 0.0, GT - PG[:, last_col])    # exactly 0 with nothing missing
                H_miss = np.where(none_missing, 0.0, HT - PH[:, last_col])
                GL = GL + np.repeat(G_miss, counts, axis=1)[:, :-1]
                HL = HL + np.repeat(H_miss, counts, axis=1)[:, :-1]
            GR, HR = Gt - GL, Ht - HL
        loss_b[:, :-1] = loss(between, GL, HL, Nt - CR, GR, HR, CR, b0)
        # default right (forward scan, only features with missing values): left = present values ≤ V[:, i]
        fw = np.flatnonzero(forward_ok)
        if fw.size:
            GL, HL = PG[fw, :-1], PH[fw, :-1]
            loss_f[fw, :-1] = loss(between[fw], GL, HL, n_left, Gt - GL, Ht - HL, Nt - n_left, b0)
        # "every present value on one side, every missing value on the other", one per (feature, block)
        has = n_present > 0 if f32 else (n_present > 0) & (n_present < counts)   # float64: no empty child
        rows, blocks = np.arange(d)[:, None], np.arange(nb)
        last = starts + np.maximum(n_present, 1) - 1   # column of the largest present value
        GLe, HLe = PG[rows, last], PH[rows, last]
        GRe, HRe = (SG[rows, starts], SH[rows, starts]) if f32 else (GLe, HLe)
        n_missing = counts - n_present
        top_fe = loss(has & forward_ok[:, None], GLe, HLe, n_present, GT - GLe, HT - HLe, n_missing, blocks)
        top_be = loss(has, GT - GRe, HT - HRe, n_missing, GRe, HRe, n_present, blocks)
    top_b, at_b = _best_per_block(loss_b, starts, block, last=True)
    top_f, at_f = _best_per_block(loss_f, starts, block, last=False) if fw.size else (np.full_like(top_b, -np.inf), at_b)
    # scan order inside a feature: forward boundaries, forward end, backward boundaries, backward end
    stacked = np.stack([top_f, top_fe, top_b, top_be], axis=1).reshape(4 * d, nb)
    pick = np.argmax(stacked, axis=0)
    out = {}
    for b in range(nb):
        best = stacked[pick[b], b]
        if not np.isfinite(best):
            continue
        j, kind = divmod(int(pick[b]), 4)
        if kind in (0, 2):
            i = int((at_f if kind == 0 else at_b)[j, b])
            thr = float(rules._threshold(V[j, i:i + 1], V[j, i + 1:i + 2], kind == 0)[0])
        else:
            v = V[j, last[j, b]] if kind == 1 else V[j, starts[b]]
            thr = float(end_threshold(np.array([v]), kind == 1, f32)[0])
        out[b] = {"feature": j, "threshold": thr, "default_left": kind >= 2, "loss": float(best)}
    return out


def grow(X: np.ndarray, order: np.ndarray, g: np.ndarray, h: np.ndarray, rules, *, max_depth: int,
         features: np.ndarray, forward_ok: np.ndarray, f32: bool) -> Tree:
    """Grow one tree on gradients g and hessians h (float64 arrays; float32 values when ``f32``).

    ``order`` is :func:`presort` of X restricted to ``features``; ``forward_ok[j]`` says whether
    feature ``features[j]`` also gets the default-right scan (it has missing values).
    """
    n = g.size
    XT = np.ascontiguousarray(X[:, features].T)
    order = order.copy()
    # G = Σᵢ gᵢ, H = Σᵢ hᵢ, added in row order like xgboost's InitNewNode (np.sum would add pairwise;
    # np.cumsum and np.bincount add sequentially)
    G0, H0 = float(np.cumsum(g)[-1]), float(np.cumsum(h)[-1])
    tree = Tree()
    tree.add(-1, 0, G0, H0, float(rules._leaf_weight(np.array([G0]), np.array([H0]))[0]))
    pos = np.zeros(n, np.int64)                    # node of each row; −1 once its node is final
    open_nodes = [0]
    for depth in range(max_depth):
        k = len(open_nodes)
        slot = np.full(len(tree.parent) + 1, k, np.int64)
        slot[open_nodes] = np.arange(k)
        key = slot[pos]                            # pos = −1 picks the last entry (k): closed rows sort last
        # stable partition of every feature's sorted order by node: within a node the values stay sorted
        key_dtype = np.int16 if k < np.iinfo(np.int16).max else np.int64
        order = np.take_along_axis(order, np.argsort(key.astype(key_dtype)[order], axis=1, kind="stable"), axis=1)
        counts = np.bincount(key, minlength=k + 1)[:k]
        m = int(counts.sum())
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        ends = starts + counts
        nonempty = counts > 0
        owners = np.asarray(open_nodes)[nonempty]          # the open node of each non-empty block
        found = _find_splits(XT, order[:, :m], g, h, rules, np.asarray(tree.G)[owners], np.asarray(tree.H)[owners],
                             starts[nonempty], ends[nonempty], forward_ok, f32)
        best = {int(owners[b]): c for b, c in found.items()}
        next_open = []
        for node in open_nodes:
            choice = best.get(node)
            if choice is None or not choice["loss"] > (np.float32(RT_EPS) if f32 else RT_EPS):
                continue
            tree.feature[node] = int(features[choice["feature"]])
            tree.threshold[node] = choice["threshold"]
            tree.default_left[node] = choice["default_left"]
            tree.gain[node] = choice["loss"]
            tree.left[node] = tree.add(node, depth + 1, 0.0, 0.0, 0.0)
            tree.right[node] = tree.add(node, depth + 1, 0.0, 0.0, 0.0)
            next_open += [tree.left[node], tree.right[node]]
        # route the rows of split nodes: x < t goes left, a missing x follows the default direction
        split = np.array([not tree.is_leaf(i) for i in range(len(tree.parent))])
        rows = np.flatnonzero((pos >= 0) & split[np.maximum(pos, 0)])
        node = pos[rows]
        x = X[rows, np.asarray(tree.feature)[node]]
        thr = np.asarray(tree.threshold)[node]
        go_left = np.where(np.isnan(x), np.asarray(tree.default_left)[node], rules._goes_left(x, thr))
        pos[pos >= 0] = np.where(split[pos[pos >= 0]], pos[pos >= 0], -1)   # rows of new leaves are final
        pos[rows] = np.where(go_left, np.asarray(tree.left)[node], np.asarray(tree.right)[node])
        if next_open:
            live = pos >= 0
            Gs = np.bincount(pos[live], weights=g[live], minlength=len(tree.parent))
            Hs = np.bincount(pos[live], weights=h[live], minlength=len(tree.parent))
            w = rules._leaf_weight(Gs[next_open], Hs[next_open])
            for j, c in enumerate(next_open):
                tree.G[c], tree.H[c], tree.weight[c] = float(Gs[c]), float(Hs[c]), float(w[j])
        open_nodes = next_open
        if not open_nodes:
            break
    return tree


def prune(tree: Tree, should_prune, learning_rate, f32: bool) -> None:
    """γ-pruning after growth (xgboost's ``prune`` updater): collapse, bottom-up, every split whose
    two children are leaves and whose gain is below γ; the collapsed node's output is η·w*."""
    changed = True
    while changed:
        changed = False
        for i in range(len(tree.parent)):
            if tree.deleted[i] or tree.is_leaf(i):
                continue
            l, r = tree.left[i], tree.right[i]
            if tree.is_leaf(l) and tree.is_leaf(r) and should_prune(tree.gain[i]):
                tree.deleted[l] = tree.deleted[r] = True
                tree.left[i] = tree.right[i] = -1
                tree.value[i] = leaf_value(tree.weight[i], learning_rate, f32)
                changed = True


def leaf_value(weight: float, learning_rate: float, f32: bool) -> float:
    """Leaf output with shrinkage: η · w*."""
    if f32:
        return float(np.float32(weight) * np.float32(learning_rate))
    return learning_rate * weight


def apply(tree_arrays: dict[str, np.ndarray], X: np.ndarray, goes_left) -> np.ndarray:
    """Index of the leaf every row of X reaches."""
    left, right = tree_arrays["left"], tree_arrays["right"]
    feature, threshold, default_left = tree_arrays["feature"], tree_arrays["threshold"], tree_arrays["default_left"]
    node = np.zeros(X.shape[0], np.int64)
    rows = np.arange(X.shape[0])
    while True:
        inner = left[node] != -1
        if not inner.any():
            return node
        r, nd = rows[inner], node[inner]
        x = X[r, feature[nd]]
        go = np.where(np.isnan(x), default_left[nd], goes_left(x, threshold[nd]))
        node[inner] = np.where(go, left[nd], right[nd])
