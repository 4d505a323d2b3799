"""Boosting mutants: the reference with one bug each (float64 mode)."""
from __future__ import annotations

import numpy as np

from reference.ensemble.boosting import BoostingRegressor, check_X, sigmoid
from tests.zoo import mutant


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


@mutant("boosting", bug="base_score=None estimated as the first label y[0] instead of the mean",
        catches=("boosting.base_score_default_is_mean", "boosting.row_permutation_invariance"))
class BaseScoreFirstLabel(BoostingRegressor):
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
