"""Boosting mutants: the reference with one bug each (float64 mode).  Those named ``…BlackBox`` have no tree
access (``get_trees = None``): they show that the invariants needing only fit and predict catch the bug."""
from __future__ import annotations

import numpy as np

from reference.ensemble.boosting import BoostingRegressor, check_X, sigmoid
from tests.zoo import mutant


class WithoutTrees:
    """Mixin: no tree access, as most boosters a user validates (operation "trees" detected absent)."""

    get_trees = None


@mutant("boosting", bug="gain terms G²/H: λ left out of the split gain",
        catches=("boosting.gain_and_cover_formula",))
class GainWithoutLambda(BoostingRegressor):
    def _gain_term(self, G, H):
        return np.divide(G * G, H, out=np.zeros(np.broadcast(G, H).shape), where=H > 0)


@mutant("boosting", bug="declares the paper's convention but reports [G_L²/(H_L+λ)+G_R²/(H_R+λ)−G²/(H+λ)] − γ (no ½) "
                        "and prunes on that as if it had the ½",
        catches=("boosting.gain_and_cover_formula",))
class GainWithoutHalf(BoostingRegressor):
    gain_convention = "paper"

    def _should_prune(self, gain):
        return gain - self.gamma < 0

    def get_trees(self):
        trees = super().get_trees()
        for tree in trees:
            for node in tree:
                node["gain"] = node["gain"] - self.gamma
        return trees


@mutant("boosting", bug="γ ignored: no split is ever pruned", catches=("boosting.gamma_pruning",))
class GammaIgnored(BoostingRegressor):
    def _should_prune(self, gain):
        return False


@mutant("boosting", bug="leaf weight −G/H: λ left out of the leaf value",
        catches=("boosting.leaf_value_is_newton_step", "boosting.lambda_to_infinity"))
class LeafWithoutLambda(BoostingRegressor):
    def _leaf_weight(self, G, H):
        mcw = self.min_child_weight
        return np.divide(-G, H, out=np.zeros(np.broadcast(G, H).shape), where=(H > 0) & (H >= mcw))


@mutant("boosting", bug="shrinkage compounded: round t is scaled by η^(t+1) instead of η",
        catches=("boosting.leaf_value_is_newton_step",))
class CompoundedShrinkage(BoostingRegressor):
    def _shrinkage(self, round_index):
        return self.learning_rate ** (round_index + 1)


@mutant("boosting", bug="base_score ignored: boosting starts from margin 0 (base_score_ still reported)",
        catches=("boosting.zero_rounds_is_base_score", "boosting.predict_matches_trees",
                 "boosting.leaf_value_is_newton_step"))
class BaseScoreIgnored(BoostingRegressor):
    def _initial_margin(self):
        return 0.0


@mutant("boosting", bug="thresholds at the lower value with x ≤ t going left (the contract says x < t)",
        catches=("boosting.predict_matches_trees", "boosting.leaf_value_is_newton_step",
                 "boosting.gain_and_cover_formula"))
class RoutingLessOrEqual(BoostingRegressor):
    def _threshold(self, lo, hi, forward):
        return lo

    def _goes_left(self, x, threshold):
        return x <= threshold


@mutant("boosting", bug="logistic hessian h = p instead of p(1 − p)",
        catches=("boosting.leaf_value_is_newton_step", "boosting.gain_and_cover_formula"))
class LogisticHessianIsP(BoostingRegressor):
    def _gradients(self, y, margin):
        if self.objective_ == "binary:logistic":
            p = sigmoid(margin, False)
            return p - y, p
        return super()._gradients(y, margin)


@mutant("boosting", bug="missing values always sent left (no default direction learned)",
        catches=("boosting.exact_greedy_optimal",))
class MissingAlwaysLeft(BoostingRegressor):
    def _scan_forward(self, has_missing, constant):
        return np.zeros_like(has_missing)


@mutant("boosting", bug="min_child_weight tested on the row count instead of the hessian sum",
        catches=("boosting.min_child_weight_respected",))
class MinChildWeightOnRowCount(BoostingRegressor):
    def _child_ok(self, H, count):
        return np.asarray(count) >= self.min_child_weight


@mutant("boosting", bug="base_score=None estimated as the first label y[0] instead of the mean (no tree access)",
        catches=("boosting.base_score_default_is_mean", "boosting.row_permutation_invariance"))
class BaseScoreFirstLabel(WithoutTrees, BoostingRegressor):
    def _base_score(self, y):
        if self.base_score is None:
            return float(y[0]) if self.objective_ == "reg:squarederror" else float(np.clip(y[0], 0.1, 0.9))
        return super()._base_score(y)


@mutant("boosting", bug="approximate split finding: candidates only at 4 equal-width bin edges of each feature",
        catches=("boosting.exact_greedy_optimal", "boosting.monotone_feature_transform"))
class EqualWidthBins(BoostingRegressor):
    def _coarsen(self, X):
        X = check_X(X)
        width = np.where(self._hi > self._lo, self._hi - self._lo, 1.0) / 4
        with np.errstate(invalid="ignore"):
            k = np.clip(np.floor((X - self._lo) / width), 0, 3)
        return self._lo + k * width

    def fit(self, X, y):
        X = check_X(X)
        self._lo = np.where(np.isnan(X).all(axis=0), 0.0, np.nanmin(np.where(np.isnan(X), np.inf, X), axis=0))
        self._hi = np.where(np.isnan(X).all(axis=0), 0.0, np.nanmax(np.where(np.isnan(X), -np.inf, X), axis=0))
        return super().fit(self._coarsen(X), y)

    def _margin(self, X):
        return super()._margin(self._coarsen(X))


@mutant("boosting", bug="leaf weight with the wrong sign: +G/(H+λ) (a step uphill)",
        catches=("boosting.objective_never_increases", "boosting.leaf_value_is_newton_step"))
class LeafSignFlipped(BoostingRegressor):
    def _leaf_weight(self, G, H):
        return -super()._leaf_weight(G, H)


@mutant("boosting", bug="`learning_rate or 0.3`: η = 0 silently replaced by the default",
        catches=("boosting.eta_zero_changes_nothing",))
class ZeroLearningRateFallsBack(BoostingRegressor):
    def _shrinkage(self, round_index):
        return self.learning_rate or 0.3


@mutant("boosting", bug="logistic margin of base_score b taken as b itself instead of log(b/(1−b))",
        catches=("boosting.logistic_probabilities", "boosting.zero_rounds_is_base_score"))
class BaseScoreNotLinked(BoostingRegressor):
    def _initial_margin(self):
        return float(self.base_score_)


@mutant("boosting", bug="leaf weights clipped to [−1, 1] (a max_delta_step = 1 that is always on)",
        catches=("boosting.target_scaling", "boosting.leaf_value_is_newton_step"))
class LeafClippedToUnit(BoostingRegressor):
    def _leaf_weight(self, G, H):
        return np.clip(super()._leaf_weight(G, H), -1.0, 1.0)


@mutant("boosting", bug="grows one level deeper than max_depth", catches=("boosting.max_depth_respected",))
class OneLevelTooDeep(BoostingRegressor):
    def fit(self, X, y):
        depth, self.max_depth = self.max_depth, self.max_depth + 1
        try:
            return super().fit(X, y)
        finally:
            self.max_depth = depth


@mutant("boosting", bug="ties between equal gains broken at random: features scanned in an order drawn from numpy's "
                        "global random number generator", catches=("boosting.deterministic",))
class RandomTieBreak(BoostingRegressor):
    def _feature_scan_order(self, features):
        return np.random.permutation(features)


# ---------------------------------------------------------------------------------------------
# without tree access: caught by the invariants that need only fit and predict
# ---------------------------------------------------------------------------------------------
@mutant("boosting", bug="leaf weight +G/(H+λ): every leaf steps uphill (no tree access)",
        catches=("boosting.objective_never_increases",))
class LeafSignFlippedBlackBox(WithoutTrees, LeafSignFlipped):
    pass


@mutant("boosting", bug="one level deeper than max_depth (no tree access)", catches=("boosting.depth_limits_distinct_margins",))
class OneLevelTooDeepBlackBox(WithoutTrees, OneLevelTooDeep):
    pass


@mutant("boosting", bug="γ ignored: no split is ever pruned (no tree access)", catches=("boosting.split_iff_gain_pays",))
class GammaIgnoredBlackBox(WithoutTrees, GammaIgnored):
    pass


@mutant("boosting", bug="gain without the parent term: G_L²/(H_L+λ) + G_R²/(H_R+λ), so a node with G ≠ 0 splits where "
                        "nothing pays (no tree access)", catches=("boosting.split_iff_gain_pays",))
class GainWithoutParentBlackBox(WithoutTrees, BoostingRegressor):
    def _parent_term(self, G, H):
        return np.zeros(np.broadcast(G, H).shape)


@mutant("boosting", bug="min_child_weight ignored: any non-empty child, and a root of any H gets −G/(H+λ) "
                        "(no tree access)", catches=("boosting.min_child_weight_limits_leaves",))
class MinChildWeightIgnoredBlackBox(WithoutTrees, BoostingRegressor):
    def _child_ok(self, H, count):
        return np.ones(np.shape(H), bool)

    def _leaf_weight(self, G, H):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(H + self.reg_lambda > 0, -G / (H + self.reg_lambda), 0.0)


@mutant("boosting", bug="min_child_weight tested on the row count instead of the hessian sum (no tree access)",
        catches=("boosting.min_child_weight_limits_leaves",))
class MinChildWeightOnRowCountBlackBox(WithoutTrees, MinChildWeightOnRowCount):
    pass


@mutant("boosting", bug="missing values always sent left (no tree access)",
        catches=("boosting.missing_values_learned_direction",))
class MissingAlwaysLeftBlackBox(WithoutTrees, MissingAlwaysLeft):
    pass


@mutant("boosting", bug="logistic hessian h = p instead of p(1 − p) (no tree access)",
        catches=("boosting.logistic_one_leaf_newton_step",))
class LogisticHessianIsPBlackBox(WithoutTrees, LogisticHessianIsP):
    pass
