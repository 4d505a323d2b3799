"""An exact greedy booster written from scratch, the way a user would write one, with the boosting contract's
``fit`` and ``predict`` only — no ``get_trees``, so the suite can judge it only black-box (issue 17).

Plain float64 Python: each node scans every feature's sorted distinct values and, where the node has missing
values, tries them on both sides; a split needs gain > 1e-6 and both children with H ≥ min_child_weight;
splits whose two children are leaves and whose gain is below γ are pruned bottom-up; a root with
H < min_child_weight gets w = 0.  ``ExactGreedyBoosterWithoutGamma`` is the same booster without a γ
parameter (a real booster that lacks one): its declared support leaves γ out.
"""
from __future__ import annotations

import numpy as np

SQUARED, LOGISTIC = "reg:squarederror", "binary:logistic"


def _sigmoid(m):
    return 0.5 * (1.0 + np.tanh(0.5 * m))


class ExactGreedyBooster:
    precision = "float64"

    def __init__(self, n_estimators=100, max_depth=6, learning_rate=0.3, reg_lambda=1.0, gamma=0.0,
                 min_child_weight=1.0, base_score=None, objective=SQUARED):
        self.n_estimators, self.max_depth, self.learning_rate = n_estimators, max_depth, learning_rate
        self.reg_lambda, self.gamma, self.min_child_weight = reg_lambda, gamma, min_child_weight
        self.base_score, self.objective = base_score, objective

    # ---- training ----------------------------------------------------------------------------
    def fit(self, X, y):
        if self.objective not in (SQUARED, LOGISTIC):
            raise ValueError(f"objective must be {SQUARED!r} or {LOGISTIC!r}, got {self.objective!r}")
        X, y = np.array(X, dtype=float), np.array(y, dtype=float)
        self.base_score_ = float(np.mean(y)) if self.base_score is None else float(self.base_score)
        b = self.base_score_
        self.base_margin_ = float(np.log(b / (1 - b))) if self.objective == LOGISTIC else b
        margin = np.full(len(y), self.base_margin_)
        self.trees_ = []
        for _ in range(self.n_estimators):
            if self.objective == LOGISTIC:
                p = _sigmoid(margin)
                g, h = p - y, p * (1 - p)
            else:
                g, h = margin - y, np.ones_like(y)
            tree = self._prune(self._grow(X, g, h, np.arange(len(y)), 0))
            self.trees_.append(tree)
            margin = margin + np.array([self._leaf(tree, row) for row in X])
        return self

    def _weight(self, G, H):
        return -G / (H + self.reg_lambda) if H + self.reg_lambda > 0 else 0.0

    def _grow(self, X, g, h, rows, depth):
        G, H = g[rows].sum(), h[rows].sum()
        w = 0.0 if depth == 0 and H < self.min_child_weight else self._weight(G, H)
        node = {"value": self.learning_rate * w}
        if depth >= self.max_depth:
            return node
        best = self._best_split(X, g, h, rows)
        if best is None:
            return node
        gain, j, threshold, missing_left = best
        x = X[rows, j]
        go_left = np.where(np.isnan(x), missing_left, x < threshold)
        node.update(feature=j, threshold=threshold, missing_left=missing_left, gain=gain,
                    left=self._grow(X, g, h, rows[go_left], depth + 1),
                    right=self._grow(X, g, h, rows[~go_left], depth + 1))
        return node

    def _score(self, G, H):
        return G * G / (H + self.reg_lambda) if H + self.reg_lambda > 0 else 0.0

    def _best_split(self, X, g, h, rows):
        G, H = g[rows].sum(), h[rows].sum()
        parent = self._score(G, H)
        best = None
        for j in range(X.shape[1]):
            x = X[rows, j]
            present = ~np.isnan(x)
            values = np.unique(x[present])
            G_miss, H_miss = g[rows][~present].sum(), h[rows][~present].sum()
            directions = (False, True) if (~present).any() else (False,)
            # thresholds between consecutive values, and one above every value (present | missing)
            cuts = [(a + b) / 2 if a < (a + b) / 2 else b for a, b in zip(values[:-1], values[1:])]
            cuts += [values[-1] + 1.0] if (~present).any() and values.size else []
            for t in cuts:
                below = present & (x < t)
                GL, HL = g[rows][below].sum(), h[rows][below].sum()
                for missing_left in directions:
                    gl, hl = (GL + G_miss, HL + H_miss) if missing_left else (GL, HL)
                    gr, hr = G - gl, H - hl
                    n_left = below.sum() + (missing_left and (~present).sum())
                    if n_left in (0, len(rows)) or hl < self.min_child_weight or hr < self.min_child_weight:
                        continue
                    gain = self._score(gl, hl) + self._score(gr, hr) - parent
                    if gain > 1e-6 and (best is None or gain > best[0]):
                        best = (gain, j, t, missing_left)
        return best

    def _prune(self, node):
        if "left" not in node:
            return node
        node["left"], node["right"] = self._prune(node["left"]), self._prune(node["right"])
        if "left" not in node["left"] and "left" not in node["right"] and node["gain"] < self.gamma:
            return {"value": node["value"]}
        return node

    # ---- prediction ----------------------------------------------------------------------------
    def _leaf(self, node, row):
        while "left" in node:
            x = row[node["feature"]]
            node = node["left"] if (node["missing_left"] if np.isnan(x) else x < node["threshold"]) else node["right"]
        return node["value"]

    def predict(self, X, output_margin=False):
        X = np.array(X, dtype=float)
        margin = self.base_margin_ + np.array([sum(self._leaf(t, row) for t in self.trees_) for row in X])
        if output_margin or self.objective == SQUARED:
            return margin
        return _sigmoid(margin)


class ExactGreedyBoosterWithoutGamma(ExactGreedyBooster):
    """The same booster without γ (the constructor has no such parameter)."""

    def __init__(self, n_estimators=100, max_depth=6, learning_rate=0.3, reg_lambda=1.0, min_child_weight=1.0,
                 base_score=None, objective=SQUARED):
        super().__init__(n_estimators, max_depth, learning_rate, reg_lambda, 0.0, min_child_weight, base_score,
                         objective)
