"""What the family finds in scikit-learn, each on one explicit example: scikit-learn fails the invariant (as
its narrow expected-failure record says) and the reference passes.  When scikit-learn changes, these tests
say which record to revisit."""
import re

import numpy as np
import pytest
from sklearn import feature_selection as fs
from sklearn import preprocessing as pp

from properties.engine import check_example, find_invariant
from properties.features.rfe import LeastSquaresImportance
from properties.features.select_kbest import ORACLE
from reference.features import scalers, selection, stateless, univariate
from reference.features.onehot import OneHotEncoder

TINY = np.array([[1e-16], [-5e-17], [2e-17]])


def fails(inv_id, impl, example, match):
    with pytest.raises(AssertionError, match=match):
        check_example(find_invariant(inv_id), impl, example)


def holds(inv_id, impl, example):
    check_example(find_invariant(inv_id), impl, example)


@pytest.mark.parametrize("inv_id, lib, ref, params, match", [
    ("minmax_scaler.in_range_hits_ends", pp.MinMaxScaler, scalers.MinMaxScaler, {"feature_range": (0.0, 1.0)}, "column maxima"),
    ("maxabs_scaler.within_unit_interval", pp.MaxAbsScaler, scalers.MaxAbsScaler, {}, "max |z|"),
    ("robust_scaler.median_zero_iqr_one", pp.RobustScaler, scalers.RobustScaler, {"quantile_range": (25.0, 75.0)},
     "interquartile"),
    ("normalizer.unit_norm", pp.Normalizer, stateless.Normalizer, {"norm": "l2"}, "non-zero rows"),
])
def test_absolute_near_constant_threshold(inv_id, lib, ref, params, match):
    """scikit-learn #19898: a scale below 10ε is treated as 0 — data in units of 1e-16 is left unscaled."""
    example = {"X": TINY.T if inv_id.startswith("normalizer") else TINY, "y": None, "params": params}
    fails(inv_id, lib, example, re.escape(match))
    holds(inv_id, ref, example)


def test_standard_scaler_uses_a_relative_test():
    holds("standard_scaler.standardised", pp.StandardScaler, {"X": TINY, "y": None, "params": {}})


def test_f_classif_scores_a_constant_column():
    """The one-pass sum of squares gives a constant column at 0.1 a 'significant' F = 9 (p = 0.002), not NaN."""
    y = np.repeat([0, 1, 2], 7)
    X = np.full((21, 1), 0.1)
    F, p = fs.f_classif(X, y)
    assert F[0] == pytest.approx(9.0) and p[0] < 0.01
    fails("f_classif.matches_anova", fs.f_classif, {"X": X, "y": y}, "F scores")
    holds("f_classif.matches_anova", univariate.f_classif, {"X": X, "y": y})


def test_f_classif_loses_precision_at_an_offset():
    y = np.repeat([0, 1, 2], 7)
    x = 1e4 + np.random.default_rng(0).integers(0, 10, 21).astype(float) + y
    fails("f_classif.matches_anova", fs.f_classif, {"X": x[:, None], "y": y}, "F scores")
    holds("f_classif.matches_anova", univariate.f_classif, {"X": x[:, None], "y": y})


@pytest.mark.parametrize("X, y", [
    (np.ones((3, 1)), np.array([1.0, 2.0, 4.0])),                                   # −inf instead of 0
    (1e6 + np.arange(20.0)[:, None] % 7, np.arange(20.0) % 7 + np.arange(20.0) / 10),  # 1e-6 of r lost
])
def test_r_regression_cancellation(X, y):
    """scikit-learn #11395: ‖x − x̄‖ as √(Σx² − n·x̄²)."""
    fails("r_regression.matches_pearson", fs.r_regression, {"X": X, "y": y}, "r per feature|infinite")
    holds("r_regression.matches_pearson", univariate.r_regression, {"X": X, "y": y})


def test_variance_threshold_reports_peak_to_peak_at_threshold_zero():
    example = {"X": np.array([[0.0], [8.0], [8.0], [0.0]]), "y": None, "params": {"threshold": 0.0}}
    assert fs.VarianceThreshold().fit(example["X"]).variances_[0] == 8.0  # the range; the variance is 16
    fails("variance_threshold.keeps_above_threshold", fs.VarianceThreshold, example, "variances_")
    holds("variance_threshold.keeps_above_threshold", selection.VarianceThreshold, example)


def test_variance_threshold_keeps_a_rounded_constant_column():
    X = np.hstack([np.full((3, 1), 1e8 + 0.1), [[0.0], [1.0], [2.0]]])
    example = {"X": X, "y": None, "params": {"threshold": 1e-30}}
    assert fs.VarianceThreshold(threshold=1e-30).fit(X).get_support().tolist() == [True, True]
    fails("variance_threshold.keeps_above_threshold", fs.VarianceThreshold, example, "kept")
    holds("variance_threshold.keeps_above_threshold", selection.VarianceThreshold, example)


def _case(case, **data):
    return {**data, "case": case, "case_variant": False}


def test_select_kbest_accepts_k_above_the_width():
    X, y = np.abs(np.random.default_rng(1).normal(size=(6, 2))), np.array([0, 0, 0, 1, 1, 1])
    example = _case("k_too_large", X=X, y=y, params={"score_func": ORACLE["chi2"], "k": 1}, score_func="chi2")
    with pytest.warns(UserWarning, match="All the features will be returned"):
        fails("select_kbest.rejects_bad_input", fs.SelectKBest, example, "accepted")
    holds("select_kbest.rejects_bad_input", selection.SelectKBest, example)


def test_rfe_accepts_too_many_features():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(8, 3)), rng.normal(size=8)
    example = _case("too_many", X=X, y=y, params={"estimator": LeastSquaresImportance(), "n_features_to_select": 1, "step": 1})
    with pytest.warns(UserWarning, match="all features will be kept"):
        fails("rfe.rejects_bad_input", fs.RFE, example, "accepted")
    holds("rfe.rejects_bad_input", selection.RFE, example)


def test_messages_that_name_no_parameter():
    X = np.array([[0.0], [1.0], [2.0]])
    ohe = _case("unknown", X=X, y=None, params={"sparse_output": False, "handle_unknown": "error", "drop": None})
    fails("onehot_encoder.rejects_bad_input", pp.OneHotEncoder, ohe, "Found unknown categories")
    holds("onehot_encoder.rejects_bad_input", OneHotEncoder, ohe)
    counts = _case("nan", X=np.array([[1.0, 2.0], [0.0, 1.0], [3.0, 1.0]]), y=np.array([0, 1, 1]))
    fails("chi_squared.rejects_bad_input", fs.chi2, counts, "Input contains NaN")
    holds("chi_squared.rejects_bad_input", univariate.chi2, counts)
