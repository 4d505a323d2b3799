"""Narrow expected-failure records of the logistic topic's libraries: each a documented convention or an upstream
defect, its sub-domain (a predicate over the drawn example) and the failure expected there."""
from __future__ import annotations

from properties.engine import Expected

EVERY_SINGLE_CLASS = "every example (a single-class y is this invariant's whole domain)"


def _all(ex) -> bool:
    return True


def _with_intercept(ex) -> bool:
    return bool(ex["fit_intercept"])


SINGLE_CLASS = Expected(
    "logistic.rejects_single_class",
    "scikit-learn rejects a single-class y with ValueError('This solver needs samples of at least 2 classes in the "
    "data, but the data contains only one class: …'), which names no parameter",
    where=EVERY_SINGLE_CLASS, when=_all, match="does not name the parameter")


def SEPARABLE_SILENT(solver: str) -> Expected:
    return Expected(
        "logistic.separable_data_is_reported",
        f"scikit-learn's {solver} solver, without a penalty on separable data, stops where the gradient has fallen "
        f"below tol along the diverging direction and returns finite coefficients, n_iter_ below max_iter and no "
        f"warning, although the likelihood has no maximum (no scikit-learn issue found on this)",
        where="every example (the data are separable by construction)", when=_all, match="silently")


_LIBLINEAR_INTERCEPT = ("liblinear penalises the intercept like a coefficient (scikit-learn documents it under "
                        "intercept_scaling): it minimises F + ½b² (l2) or F + |b| (l1), so ∂F/∂b = −b (or −sign b) at "
                        "its solution; the coefficients' conditions hold")

LIBLINEAR_RECORDS = (
    Expected("logistic.rejects_single_class",
             "liblinear rejects a single-class y with ValueError('The 'liblinear' solver does not support multiclass "
             "classification (n_classes >= 3)…'): a misleading message (LogisticRegression.fit takes n_classes != 2 "
             "for multiclass), naming no parameter", where=EVERY_SINGLE_CLASS, when=_all,
             match="does not name the parameter"),
    Expected("logistic.rejects_multiclass_if_binary_only",
             "liblinear's ValueError('The 'liblinear' solver does not support multiclass classification (n_classes "
             ">= 3)…') names no parameter", where="every example (three classes is this invariant's whole domain)",
             when=_all, match="does not name the parameter"),
    Expected("logistic.decision_is_logit",
             "liblinear without an intercept sets intercept_ = 0.0, a Python float (sklearn/svm/_base.py, "
             "_fit_liblinear: intercept_ = 0.0), where LogisticRegression documents an ndarray of shape (1,) and the "
             "other solvers return array([0.])", where="fit_intercept=False",
             when=lambda ex: not ex["fit_intercept"], match=r"intercept_: expected shape \(1,\), got \(\)"),
    Expected("logistic.gradient_vanishes", _LIBLINEAR_INTERCEPT, where="fit_intercept=True", when=_with_intercept,
             match="intercept"),
    Expected("logistic.l1_subgradient", _LIBLINEAR_INTERCEPT, where="fit_intercept=True", when=_with_intercept,
             match="intercept"),
    Expected("logistic.objective_minimal", _LIBLINEAR_INTERCEPT, where="fit_intercept=True", when=_with_intercept,
             match="including the intercept"),
    Expected("logistic.crosscheck.solvers", _LIBLINEAR_INTERCEPT + ", so its solution is not the other solvers'",
             where="fit_intercept=True", when=_with_intercept, match=r"Θa − Θb|objective values"),
)

STATSMODELS_RECORDS = (
    Expected("logistic.rejects_nonfinite",
             "statsmodels raises MissingDataError('exog contains inf or nans'), which is not a ValueError and names "
             "its exog, not X", where="NaN or inf in X", when=lambda ex: ex["case"] in ("nan in X", "inf in X"),
             match="MissingDataError"),
    Expected("logistic.rejects_nonfinite",
             "a NaN label becomes a third class, and Logit raises ValueError('endog must be in the unit interval.'), "
             "which names its endog, not y", where="NaN in y", when=lambda ex: ex["case"] == "nan in y",
             match="does not name the parameter"),
    Expected("logistic.rejects_single_class",
             "statsmodels' Logit does not check for a single class: it fits one (warning PerfectSeparationWarning and "
             "ConvergenceWarning) and returns coefficients, or its Newton step fails with LinAlgError('Singular "
             "matrix'), a ValueError that names no parameter", where=EVERY_SINGLE_CLASS, when=_all,
             match="accepted|does not name the parameter"),
    Expected("logistic.rejects_multiclass_if_binary_only",
             "statsmodels' Logit rejects three classes with ValueError('endog must be in the unit interval.'), which "
             "names its endog, not y", where="every example (three classes is this invariant's whole domain)",
             when=_all, match="does not name the parameter"),
    Expected("logistic.separable_data_is_reported",
             "on some separable problems statsmodels' Newton step meets a singular Hessian (the fitted probabilities "
             "saturate at 0 and 1) before its perfect-separation check runs, and Logit.fit raises "
             "LinAlgError('Singular matrix'), which does not say the data are separable; on the others it warns "
             "(PerfectSeparationWarning).  Seen only in the thorough profile",
             where="separable problems whose Newton iterates saturate (not predictable from the example: matched by "
                   "the failure)", when=_all, match=r"LinAlgError.*Singular matrix", strict=False),
)
