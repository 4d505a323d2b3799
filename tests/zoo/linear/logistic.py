"""Logistic-regression mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.linear.logistic import LogisticRegression, Objective, check_X, minimise, sigmoid, softmax
from tests.zoo import mutant


def _with_C(est: LogisticRegression, C: float, X, y, sample_weight):
    """Fit as the reference would with another C, and restore the caller's C."""
    saved = est.C
    est.C = C
    try:
        LogisticRegression.fit(est, X, y, sample_weight)
    finally:
        est.C = saved
    return est


@mutant("logistic", bug="fit_intercept ignored: the model never has an intercept",
        catches=("logistic.gradient_vanishes", "logistic.objective_minimal"))
class NoIntercept(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        wanted = self.fit_intercept
        self.fit_intercept = False
        try:
            return super().fit(X, y, sample_weight)
        finally:
            self.fit_intercept = wanted


@mutant("logistic", bug="loss averaged over the rows where scikit-learn's objective sums it: C·(1/n)·Σ sᵢℓᵢ + R",
        catches=("logistic.duplicate_rows_double_C", "logistic.gradient_vanishes"))
class LossAveragedNotSummed(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        return _with_C(self, self.C / len(np.asarray(y)), X, y, sample_weight)


@mutant("logistic", bug="the loss gradient Σ sᵢ rᵢ x̃ᵢ summed where the scaled objective averages it (the penalty's "
                        "gradient left as it is): the solver converges to the fit for C·S",
        catches=("logistic.gradient_vanishes", "logistic.l1_subgradient"))
class GradientSummedNotAveraged(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        S = float(np.sum(sample_weight)) if sample_weight is not None else float(len(np.asarray(y)))
        return _with_C(self, self.C * S, X, y, sample_weight)


@mutant("logistic", bug="C multiplies the penalty instead of the loss: Σ sᵢℓᵢ + C·R",
        catches=("logistic.gradient_vanishes", "logistic.objective_minimal"))
class CMultipliesPenalty(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        return _with_C(self, 1.0 / self.C, X, y, sample_weight)


@mutant("logistic", bug="predict_proba's columns swapped: column k holds the probability of the last-but-k class",
        catches=("logistic.decision_is_logit",))
class SwappedProbabilityColumns(LogisticRegression):
    def predict_proba(self, X):
        return super().predict_proba(X)[:, ::-1]


@mutant("logistic", bug="stopped before convergence: one Newton step, reported as converged",
        catches=("logistic.gradient_vanishes", "logistic.objective_minimal"))
class StoppedBeforeConvergence(LogisticRegression):
    def _solve(self, obj):
        theta, n_iter, _ = minimise(obj, np.zeros((obj.rows, obj.p)), float(self.tol), 1)
        return theta, n_iter, True


@mutant("logistic", bug="σ(z) computed as e^{z}/(1 + e^{z}) (softmax without subtracting the maximum): inf/inf = NaN "
                        "once z > 709",
        catches=("logistic.stable_at_large_margins",))
class OverflowingSigmoid(LogisticRegression):
    def predict_proba(self, X):
        Z = self.decision_function(X)
        with np.errstate(over="ignore", invalid="ignore"):
            if Z.ndim == 1:
                e = np.exp(Z)
                return np.column_stack([1.0 / (1.0 + e), e / (1.0 + e)])
            E = np.exp(Z)
            return E / E.sum(axis=1, keepdims=True)


def hard_threshold(v: float, tau: float) -> float:
    return float(v) if abs(v) > tau else 0.0


@mutant("logistic", bug="the L1 coordinate update is a hard threshold (keep v if |v| > τ, else 0), not the "
                        "soft-threshold sign(v)·max(|v| − τ, 0)",
        catches=("logistic.l1_subgradient",))
class L1HardThreshold(LogisticRegression):
    def _solve(self, obj):
        return minimise(obj, np.zeros((obj.rows, obj.p)), float(self.tol), int(self.max_iter), shrink=hard_threshold)


@mutant("logistic", bug="class_weight ignored",
        catches=("logistic.class_weight_is_sample_weight",))
class ClassWeightIgnored(LogisticRegression):
    def _weights(self, y_index, K, sample_weight):
        saved = self.class_weight
        self.class_weight = None
        try:
            return super()._weights(y_index, K, sample_weight)
        finally:
            self.class_weight = saved


@mutant("logistic", bug="coef_ scores the class of the first row instead of classes_[1] (a label-encoding slip; right "
                        "only when y[0] = classes_[1])",
        catches=("logistic.relabelling_permutes_rows", "logistic.gradient_vanishes"))
class PositiveClassOfFirstRow(LogisticRegression):
    def _solve(self, obj: Objective):
        if obj.K == 2 and obj.yi[0] == 0:
            obj.T = 1.0 - obj.T
        return super()._solve(obj)


@mutant("logistic", bug="the last row left out of the fit (an off-by-one in a slice)",
        catches=("logistic.row_permutation_invariance", "logistic.gradient_vanishes"))
class DropsLastRow(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        sw = None if sample_weight is None else np.asarray(sample_weight)[:-1]
        return super().fit(np.asarray(X)[:-1], np.asarray(y)[:-1], sw)


@mutant("logistic", bug="sample_weight silently rescaled to mean 1 (s ← s·n/Σs)",
        catches=("logistic.integer_weights_repeat_rows",))
class SampleWeightRenormalised(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        if sample_weight is not None:
            s = np.asarray(sample_weight, dtype=np.float64)
            sample_weight = s * len(s) / s.sum()
        return super().fit(X, y, sample_weight)


@mutant("logistic", bug="fits on standardised features and reports coef_ in standardised units (never mapped back)",
        catches=("logistic.feature_scaling", "logistic.decision_is_logit"))
class StandardisedCoefficients(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        X = check_X(X)
        self._mean, sd = X.mean(axis=0), X.std(axis=0)
        self._sd = np.where(sd > 0, sd, 1.0)
        return super().fit((X - self._mean) / self._sd, y, sample_weight)

    def decision_function(self, X):
        return super().decision_function((check_X(X) - self._mean) / self._sd)


@mutant("logistic", bug="no check for separable data: without a penalty the fit stops where the gradient has vanished "
                        "along the diverging direction and returns finite coefficients silently",
        catches=("logistic.separable_data_is_reported",))
class SilentOnSeparableData(LogisticRegression):
    def _check_separation(self, obj):
        return None


@mutant("logistic", bug="multinomial probabilities as normalised sigmoids σ(z_k)/Σ_j σ(z_j) instead of the softmax",
        catches=("logistic.multinomial_shift_invariance", "logistic.decision_is_logit"))
class NormalisedSigmoidsNotSoftmax(LogisticRegression):
    def predict_proba(self, X):
        Z = self.decision_function(X)
        if Z.ndim == 1:
            return super().predict_proba(X)
        P = sigmoid(Z)
        return P / P.sum(axis=1, keepdims=True)


@mutant("logistic", bug="multinomial probabilities e^{z_k − max z} left unnormalised",
        catches=("logistic.probabilities_on_simplex", "logistic.decision_is_logit"))
class UnnormalisedSoftmax(LogisticRegression):
    def predict_proba(self, X):
        Z = self.decision_function(X)
        if Z.ndim == 1:
            return super().predict_proba(X)
        return np.exp(Z - Z.max(axis=1, keepdims=True))


@mutant("logistic", bug="predict returns the class index argmax_k P(k|x), not the label classes_[k]",
        catches=("logistic.predict_is_argmax",))
class PredictReturnsIndices(LogisticRegression):
    def predict(self, X):
        return np.argmax(self.predict_proba(X), axis=1)


@mutant("logistic", bug="no input validation: NaN/inf, a single class and C ≤ 0 reach the solver",
        catches=("logistic.rejects_nonfinite", "logistic.rejects_bad_C", "logistic.rejects_single_class"))
class NoInputValidation(LogisticRegression):
    def _check_params(self):
        return None

    def fit(self, X, y, sample_weight=None):
        X = np.asarray(X, dtype=np.float64)
        self.classes_, yi = np.unique(np.asarray(y), return_inverse=True)
        s = self._weights(yi, len(self.classes_), sample_weight)
        with np.errstate(all="ignore"):
            Xt = np.hstack([X, np.ones((X.shape[0], 1))]) if self.fit_intercept else X
            obj = Objective(Xt, yi, max(len(self.classes_), 2), s, float(self.C), self.penalty, bool(self.fit_intercept))
            theta, n_iter, _ = minimise(obj, np.zeros((obj.rows, obj.p)), float(self.tol), int(self.max_iter))
        d = X.shape[1]
        self.coef_ = theta[:, :d]
        self.intercept_ = theta[:, d] if self.fit_intercept else np.zeros(obj.rows)
        self.n_iter_ = np.array([n_iter])
        return self


@mutant("logistic", bug="a binary-only implementation that fits classes_[1] against the rest when given three classes",
        catches=("logistic.rejects_multiclass_if_binary_only",), support={"multiclass": ["binary"]})
class BinaryOnlyFitsOneVersusRest(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        labels = np.unique(np.asarray(y))
        if len(labels) <= 2:
            return super().fit(X, y, sample_weight)
        super().fit(X, np.asarray(y) == labels[1], sample_weight)
        self.classes_ = labels
        return self


@mutant("logistic", bug="predict_proba computed from coefficients cached at fit time: assigning coef_ changes nothing",
        catches=("logistic.multinomial_shift_invariance",))
class CachedCoefficients(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight)
        self._W, self._b = self.coef_.copy(), self.intercept_.copy()
        return self

    def predict_proba(self, X):
        Z = check_X(X) @ self._W.T + self._b
        return np.column_stack([sigmoid(-Z[:, 0]), sigmoid(Z[:, 0])]) if Z.shape[1] == 1 else softmax(Z)
