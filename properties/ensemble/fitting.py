"""Boosting checks' machinery: generated data, fitting an implementation and reading its trees,
round-off bounds and near-tie detection.  The invariants themselves are in ``properties.ensemble.boosting``,
whose docstring states the contract and the tolerance rules this module implements.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.engine import Tolerance, assert_true, call, expect_array, expect_scalar, precision
from properties.engine.checks import ImplementationFailure
from properties.oracles import boosting as ob

SPLIT_EPS = 1e-6          # xgboost's kRtEps: a split must gain more than this


def bound(atol: float, what: str) -> Tolerance:
    return Tolerance(rtol=0, atol=float(atol) + 1e-300, reason=f"round-off bound of {what}")


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------
def _elements(flavour: str):
    if flavour == "integer":
        return st.integers(-3, 3).map(float)
    if flavour == "grid":
        return st.integers(-32, 32).map(lambda k: k / 8)
    return st.floats(-100, 100, width=32, allow_subnormal=False).map(float)


@st.composite
def boosting_data(draw, *, objectives=(ob.SQUARED, ob.LOGISTIC), max_rows=20, max_cols=3, rounds=(1, 3),
                  depths=(1, 3), etas=(0.1, 0.3, 0.5, 1.0), gammas=(0.0, 0.0, 0.1, 1.0), generic: bool = False,
                  always_missing: bool = False, min_child_weights=(0.0, 0.5, 1.0, 2.0)):
    """X with ties, duplicate and constant columns, NaN entries; labels for both objectives; parameters.

    ``generic``: add to the squared-error labels a small irrational-looking offset per row, so
    that two different partitions rarely tie exactly (for the checks that skip near-ties);
    ``always_missing``: X always has NaN entries (otherwise half the time)."""
    n, d = draw(st.integers(2, max_rows), label="n"), draw(st.integers(1, max_cols), label="d")
    flavour = draw(st.sampled_from(["integer", "grid", "float32"]), label="flavour")
    X = draw(hnp.arrays(np.float64, (n, d), elements=_elements(flavour)), label="X")
    if d >= 2 and draw(st.booleans(), label="duplicate column"):
        X[:, -1] = X[:, 0]
    if draw(st.integers(0, 3), label="constant column") == 0:
        X[:, draw(st.integers(0, d - 1))] = draw(_elements(flavour))
    missing = draw(hnp.arrays(bool, (n, d), elements=st.sampled_from([False, False, False, True])), label="NaN mask")
    if always_missing or draw(st.booleans(), label="with NaN"):
        X[missing] = np.nan
    X_new = draw(hnp.arrays(np.float64, (4, d), elements=_elements(flavour) | st.just(float("nan"))), label="X_new")
    objective = draw(st.sampled_from(objectives), label="objective")
    y = draw(hnp.arrays(np.float64, n, elements=st.floats(-10, 10, width=32).map(float) | st.integers(-5, 5).map(float)),
             label="y")
    if generic:
        y = (y + (np.arange(n) * 0.6180339887498949) % 1 / 64).astype(np.float32).astype(np.float64)
    y_bin = draw(hnp.arrays(np.float64, n, elements=st.sampled_from([0.0, 1.0])), label="y_bin")
    if y_bin.min() == y_bin.max():
        y_bin[0] = 1.0 - y_bin[0]
    params = {"n_estimators": draw(st.integers(*rounds), label="T"), "max_depth": draw(st.integers(*depths), label="D"),
              "learning_rate": draw(st.sampled_from(etas), label="eta"), "gamma": draw(st.sampled_from(gammas), label="gamma"),
              "min_child_weight": draw(st.sampled_from(min_child_weights), label="mcw")}
    return {"X": X, "X_new": X_new, "y": y, "y_bin": y_bin, "objective": objective, "params": params,
            "reg_lambda": draw(st.sampled_from([0.0, 0.5, 1.0, 3.0]), label="lambda"),
            "base_reg": draw(st.none() | st.sampled_from([-2.0, 0.0, 0.5, 3.0]), label="b (squared error)"),
            "base_bin": draw(st.none() | st.sampled_from([0.25, 0.5, 0.75]), label="b (logistic)")}


# ---------------------------------------------------------------------------------------------
# fitting and reading an implementation
# ---------------------------------------------------------------------------------------------
class Fit:
    """A fitted implementation with the inputs and the declared conventions."""

    def __init__(self, impl, data, X=None, y=None, objective=None, like=None, **overrides):
        classifier = hasattr(impl if like is None else like, "predict_proba")
        self.objective = ob.LOGISTIC if classifier else (objective or data["objective"])
        logistic = self.objective == ob.LOGISTIC
        self.X = data["X"] if X is None else X
        self.y = y if y is not None else (data["y_bin"] if logistic else data["y"])
        lam = data["reg_lambda"]
        self.params = {**data["params"], "reg_lambda": max(lam, 0.5) if logistic else lam,
                       "base_score": data["base_bin"] if logistic else data["base_reg"], **overrides}
        kwargs = dict(self.params) if classifier else {**self.params, "objective": self.objective}
        self.est = call(impl, **kwargs)
        assert_true(call(self.est.fit, self.X, self.y) is self.est, "fit(X, y) must return self")
        self.convention = getattr(self.est, "gain_convention", "xgboost")
        if self.convention not in ("xgboost", "paper"):
            raise ImplementationFailure(f"gain_convention must be 'xgboost' or 'paper', got {self.convention!r}")
        if getattr(self.est, "split_rule", "<") != "<":
            raise ImplementationFailure(f"split_rule {self.est.split_rule!r} is not the contract's '<'")
        # the instance's own precision (the reference's parameter), else the declared one (float32 when undeclared)
        self.u = 2.0**-24 if getattr(self.est, "precision", precision()) == "float32" else 2.0**-53
        self._trees = None

    def margin(self, X=None) -> np.ndarray:
        X = self.X if X is None else X
        return expect_array(call(self.est.predict, X, output_margin=True), shape=(X.shape[0],), name="margin")

    def base_score(self) -> float:
        return expect_scalar(self.est.base_score_, name="base_score_")

    def base_margin(self) -> float:
        b = self.base_score()
        if self.objective == ob.LOGISTIC:
            assert_true(0 < b < 1, f"base_score_ = {b!r} is not a probability")
        return ob.link(b, self.objective)

    @property
    def trees(self) -> list[list[dict]]:
        if self._trees is None:
            self._trees = read_trees(call(self.est.get_trees), self.params["n_estimators"], self.X.shape[1])
        return self._trees

    def margins(self) -> list[np.ndarray]:
        return ob.margins_by_round(self.trees, self.X, self.base_margin())

    def row_errors(self, margin: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Bounds on |g_impl − g| and |h_impl − h| per row in round t."""
        dg = 4 * self.u * (t + 2) * (1 + np.abs(margin) + np.abs(self.y))
        dh = np.zeros_like(dg) if self.objective == ob.SQUARED else 4 * self.u * (t + 2) * (1 + np.abs(margin))
        return dg, dh

    def term_bound(self, G, H, dG, dH):
        """Round-off bound of G²/(H + λ)."""
        D = H + self.params["reg_lambda"]
        if D <= 0:
            return 0.0
        return 2 * abs(G) * dG / D + G * G * dH / D**2 + 4 * self.u * G * G / D

    def gain_bound(self, stats) -> float:
        """stats: (G, H, dG, dH) of left, right, parent."""
        terms = [self.term_bound(*s) for s in stats]
        size = sum(s[0] ** 2 / max(s[1] + self.params["reg_lambda"], 1e-300) for s in stats)
        return 4 * (sum(terms) + 4 * self.u * size)

    def node_scale_bound(self, g, h, dg, dh) -> float:
        """A bound of the gain round-off valid for every candidate split of one node."""
        lam, mcw = self.params["reg_lambda"], self.params["min_child_weight"]
        S, D = float(np.abs(g).sum()), lam + max(mcw, float(h.min()) if h.size else 0.0)
        if D <= 0:
            return np.inf
        b = 2 * S * dg.sum() / D + S * S * dh.sum() / D**2 + 4 * self.u * S * S / D
        return 8 * (3 * b + 12 * self.u * S * S / D)


def read_trees(trees, n_rounds: int, d: int) -> list[list[dict]]:
    keys = ("id", "left", "right", "feature", "threshold", "default_left", "gain", "cover", "value")
    if not isinstance(trees, (list, tuple)) or len(trees) != n_rounds:
        raise ImplementationFailure(f"get_trees() must return {n_rounds} trees, got {type(trees).__name__} "
                                    f"of length {len(trees) if hasattr(trees, '__len__') else '?'}")
    out = []
    for t, tree in enumerate(trees):
        nodes = []
        for k, node in enumerate(tree):
            missing = [key for key in keys if key not in node]
            if missing:
                raise ImplementationFailure(f"tree {t} node {k} lacks {missing}")
            n = {key: node[key] for key in keys}
            for key in ("id", "left", "right", "feature"):
                n[key] = int(n[key])
            for key in ("threshold", "gain", "cover", "value"):
                n[key] = float(n[key])
            n["default_left"] = bool(n["default_left"])
            nodes.append(n)
        ids = [n["id"] for n in nodes]
        if ids != list(range(len(nodes))):
            raise ImplementationFailure(f"tree {t}: node ids must be 0..{len(nodes) - 1} in order, got {ids}")
        for n in nodes:
            if (n["left"] == -1) != (n["right"] == -1):
                raise ImplementationFailure(f"tree {t} node {n['id']}: one child missing")
            if n["left"] != -1 and not (n["id"] < n["left"] < len(nodes) and n["id"] < n["right"] < len(nodes)
                                        and 0 <= n["feature"] < d and np.isfinite(n["threshold"])):
                raise ImplementationFailure(f"tree {t} node {n['id']}: malformed split {n}")
            if n["left"] == -1 and not np.isfinite(n["value"]):
                raise ImplementationFailure(f"tree {t} leaf {n['id']}: value {n['value']!r}")
        out.append(nodes)
    return out


def node_stats(fit, rows, g, h, dg, dh):
    return float(g[rows].sum()), float(h[rows].sum()), float(dg[rows].sum()), float(dh[rows].sum())


def walk(fit):
    """For every round t and node: (t, node, depth, rows, g, h, dg, dh) with g, h at ŷ⁽ᵗ⁻¹⁾."""
    margins = fit.margins()
    for t, tree in enumerate(fit.trees):
        g, h = ob.grad_hess(fit.y, margins[t], fit.objective)
        dg, dh = fit.row_errors(margins[t], t)
        rows_of, depth = ob.node_rows(tree, fit.X), ob.node_depths(tree)
        for node in tree:
            yield t, node, depth[node["id"]], rows_of[node["id"]], g, h, dg, dh


def nodes_by_id(fit) -> dict:
    """{(t, node id): (node, rows, g, h, dg, dh)} over every round: ``walk`` indexed for child look-ups."""
    return {(t, n["id"]): (n, rows, g, h, dg, dh) for t, n, _, rows, g, h, dg, dh in walk(fit)}


def near_tie(fit, scale: float = 1.0) -> bool:
    """Does the fit hinge on a near-tie: two candidate partitions, a gain and γ or 1e-6, or a
    hessian sum and min_child_weight, within round-off?  (``scale``: gains are also compared
    after multiplication by scale², for a refit on scaled labels.)"""
    lam, mcw = fit.params["reg_lambda"], fit.params["min_child_weight"]
    keep = fit.params["gamma"] * (2 if fit.convention == "paper" else 1)      # in raw (xgboost) units
    for t, node, depth, rows, g, h, dg, dh in walk(fit):
        if node["left"] == -1 and depth >= fit.params["max_depth"]:
            continue
        tol = fit.node_scale_bound(g[rows], h[rows], dg[rows], dh[rows])
        gains, masks = ob.candidate_splits(fit.X[rows], g[rows], h[rows], lam, 0.0)
        if gains.size == 0:
            continue
        HL = masks @ h[rows]
        if np.any(np.abs(np.concatenate([HL, h[rows].sum() - HL]) - mcw) < 4 * dh[rows].sum()):
            return True                       # a child's H within round-off of min_child_weight
        valid = (HL >= mcw) & (h[rows].sum() - HL >= mcw)
        gains, masks = gains[valid], masks[valid]
        if gains.size == 0:
            continue
        best = float(gains.max())
        # the 1e-6 split threshold does not scale with the labels: gains between ε/c² and ε are ambiguous
        band = (min(SPLIT_EPS, SPLIT_EPS / scale**2) - tol, max(SPLIT_EPS, SPLIT_EPS / scale**2) + tol)
        if (ob.partition_gap(gains, masks) <= tol or band[0] <= best <= band[1]
                or (keep > SPLIT_EPS and abs(best - keep) <= tol)):
            return True
    return False


def leaf_tol(fit, G, H, dG, dH) -> float:
    """Round-off bound of a leaf value η·w* = −η·G/(H+λ)."""
    eta, lam = fit.params["learning_rate"], fit.params["reg_lambda"]
    w = abs(G) / (H + lam) if H + lam > 0 else 0.0
    return 4 * (eta * (dG + w * dH) / max(H + lam - dH, 1e-300) + 4 * fit.u * eta * w)


def near_tie_counts(skipped: bool) -> dict:
    """What a metamorphic check reports to the engine: examples compared vs skipped as near-ties."""
    return {"compared": int(not skipped), "skipped_near_ties": int(skipped)}
