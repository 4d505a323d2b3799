"""Boosting checks' machinery: fitting an implementation and reading its trees, round-off bounds, and
near-tie detection from the data (the brute-force exact greedy fit of ``properties.oracles.boosting``, never
the implementation's trees).  The contract and the tolerance rules are in ``properties.ensemble.boosting``;
the generated data in ``properties.ensemble.boosting_data``.
"""
from __future__ import annotations

import numpy as np

from properties.engine import Tolerance, assert_true, call, expect_array, expect_scalar, precision, supports
from properties.engine.checks import ImplementationFailure
from properties.oracles import boosting as ob
from properties.oracles.boosting import SPLIT_EPS

REGULARISATION = ("gamma", "min_child_weight")
ROUNDOFF = Tolerance(rtol=2.0**-22, atol=0, reason="computed per example: the first-order round-off bound of the "
                     "implementation's declared precision (u = 2⁻²⁴ float32, 2⁻⁵³ float64) ×4, propagated through "
                     "G, H, gains and leaf values (module docstring); rtol shows the float32 scale")


def bound(atol: float, what: str) -> Tolerance:
    return Tolerance(rtol=0, atol=float(atol) + 1e-300, reason=f"round-off bound of {what}")


# ---------------------------------------------------------------------------------------------
# fitting and reading an implementation
# ---------------------------------------------------------------------------------------------
def labels(data: dict, objective: str) -> np.ndarray:
    """The example's labels for the objective (binary ones for the logistic loss)."""
    return data["y_bin"] if objective == ob.LOGISTIC else data["y"]


def fit_params(data: dict, objective: str) -> dict:
    """The parameters a fit of the example uses (λ ≥ 0.5 under the logistic loss, whose hessians can be tiny)."""
    logistic = objective == ob.LOGISTIC
    lam = data["reg_lambda"]
    return {**data["params"], "reg_lambda": max(lam, 0.5) if logistic else lam,
            "base_score": data["base_bin"] if logistic else data["base_reg"]}


class Fit:
    """A fitted implementation with the inputs and the declared conventions.

    ``objective`` and ``X``/``y`` override the example's; other keywords override its parameters.  γ and
    min_child_weight are not passed to an implementation that declares it lacks them (they are 0 there)."""

    def __init__(self, impl, data, X=None, y=None, objective=None, **overrides):
        classifier = hasattr(impl, "predict_proba")
        self.objective = objective or data["objective"]
        if classifier and self.objective != ob.LOGISTIC:
            raise ValueError(f"a classifier fits binary:logistic only, not {self.objective} (a strategy bug)")
        self.X = data["X"] if X is None else X
        self.y = y if y is not None else labels(data, self.objective)
        self.params = {**fit_params(data, self.objective), **overrides}
        kwargs = dict(self.params) if classifier else {**self.params, "objective": self.objective}
        for name in REGULARISATION:
            if not supports("regularisation", name):
                if kwargs.pop(name, 0.0) != 0.0:
                    raise ValueError(f"{name} is unsupported here and must be held at 0 (a strategy bug)")
                self.params[name] = 0.0
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

    @property
    def keep(self) -> float:
        """γ in raw (xgboost) gain units: a split with two leaf children survives iff its raw gain reaches it."""
        return self.params["gamma"] * (2 if self.convention == "paper" else 1)

    def data_base_score(self) -> float:
        """b from the data: the given base_score, else ȳ (the contract)."""
        b = self.params["base_score"]
        return float(np.mean(self.y)) if b is None else float(b)

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


def greedy(fit) -> tuple[list[list[dict]], list[np.ndarray]]:
    """The brute-force exact greedy fit (``properties.oracles.boosting.greedy_boosting``) of the fit's data and
    parameters: what a correct implementation computes, up to round-off."""
    p = fit.params
    return ob.greedy_boosting(fit.X, fit.y, fit.objective, n_estimators=p["n_estimators"], max_depth=p["max_depth"],
                              learning_rate=p["learning_rate"], reg_lambda=p["reg_lambda"],
                              min_child_weight=p["min_child_weight"], keep_gain=fit.keep,
                              base_margin=ob.link(fit.data_base_score(), fit.objective))


def near_tie(fit, scale: float = 1.0) -> bool:
    """Does the data's exact greedy fit hinge on a near-tie — two candidate partitions, a gain and γ or 1e-6,
    or a hessian sum and min_child_weight, within the round-off of the implementation's precision?  Decided
    along the brute-force fit of the data (:func:`greedy`), never from the implementation's trees: without
    a near-tie there, a correct implementation makes the same decisions at every node.  (``scale``: gains are
    also compared after multiplication by scale², for a refit on scaled labels.)"""
    lam, mcw, keep = fit.params["reg_lambda"], fit.params["min_child_weight"], fit.keep
    trees, margins = greedy(fit)
    for t, tree in enumerate(trees):
        g, h = ob.grad_hess(fit.y, margins[t], fit.objective)
        dg, dh = fit.row_errors(margins[t], t)
        if abs(h.sum() - mcw) < 4 * dh.sum():
            return True                       # the root's H within round-off of min_child_weight (w* = 0 or not)
        for node in tree:
            if node["candidates"] is None:
                continue
            rows = node["rows"]
            gains, masks, HL = node["candidates"]
            if gains.size == 0:
                continue
            H = h[rows].sum()
            if np.any(np.abs(np.concatenate([HL, H - HL]) - mcw) < 4 * dh[rows].sum()):
                return True                   # a child's H within round-off of min_child_weight
            valid = (HL >= mcw) & (H - HL >= mcw)
            gains, masks = gains[valid], masks[valid]
            if gains.size == 0:
                continue
            tol = fit.node_scale_bound(g[rows], h[rows], dg[rows], dh[rows])
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
