"""statsmodels' ``Logit`` behind scikit-learn's classifier API (the logistic topic's contract).

What the adapter changes, and nothing else:

* labels: ``classes_ = np.unique(y)`` and Logit gets each row's class index (0 or 1) as its endog — with more
  than two classes (or a NaN label, which becomes one) Logit sees indices ≥ 2 and answers for itself;
* the intercept: with ``fit_intercept`` a column of ones is prepended (``sm.add_constant(X, has_constant="add")``,
  so a constant feature in X does not suppress it); ``coef_``/``intercept_`` are Logit's params split accordingly;
* the API: ``fit(X, y)`` runs ``Logit(t, exog).fit(disp=0, method="newton", maxiter=max_iter, tol=tol)``;
  ``n_iter_`` is its iteration count.  Newton's method stops when a step moves no parameter by more than tol;
  its last step leaves a gradient of the order of the step squared, far below tol (the contract's reading of
  tol as a gradient bound is checked by the invariants, not assumed).

Logit is unpenalised and binary: ``penalty`` other than None, ``class_weight`` and ``sample_weight`` raise
NotImplementedError (the support declared in the registry).  ``C`` is accepted and unused, as scikit-learn
does without a penalty.  statsmodels' own warnings (PerfectSeparationWarning, ConvergenceWarning) and errors
(MissingDataError on NaN/inf) pass through unchanged.
"""
from __future__ import annotations

import numpy as np


class StatsmodelsLogit:
    precision = "float64"

    def __init__(self, C: float = 1.0, penalty=None, fit_intercept: bool = True, class_weight=None,
                 tol: float = 1e-8, max_iter: int = 35):
        self.C, self.penalty, self.fit_intercept = C, penalty, fit_intercept
        self.class_weight, self.tol, self.max_iter = class_weight, tol, max_iter

    def fit(self, X, y, sample_weight=None) -> "StatsmodelsLogit":
        import statsmodels.api as sm

        if self.penalty is not None:
            raise NotImplementedError(f"statsmodels' Logit is unpenalised: penalty must be None, got {self.penalty!r}")
        if self.class_weight is not None or sample_weight is not None:
            raise NotImplementedError("statsmodels' Logit takes no class or sample weights")
        X = np.asarray(X, dtype=np.float64)
        self.classes_, t = np.unique(np.asarray(y), return_inverse=True)
        exog = sm.add_constant(X, has_constant="add") if self.fit_intercept else X
        result = sm.Logit(t.astype(np.float64), exog).fit(disp=0, method="newton", maxiter=self.max_iter, tol=self.tol)
        params = np.asarray(result.params, dtype=np.float64)
        self.coef_ = params[1:][None, :].copy() if self.fit_intercept else params[None, :].copy()
        self.intercept_ = params[:1].copy() if self.fit_intercept else np.zeros(1)
        self.n_iter_ = np.array([result.mle_retvals["iterations"]], dtype=np.int32)
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X) -> np.ndarray:
        return np.asarray(X, dtype=np.float64) @ self.coef_[0] + self.intercept_[0]

    def predict_proba(self, X) -> np.ndarray:
        from scipy.special import expit

        z = self.decision_function(X)
        return np.column_stack([expit(-z), expit(z)])

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
