"""Logistic regression, what is specific to the topic: the reference's bad input, its warnings, overflow-free fitting,
no mutation of inputs, and the CLI on one scikit-learn solver.  Invariants × implementations, the cross-check and the
mutants run in tests/test_topics.py."""
import subprocess
import sys
import warnings

import numpy as np
import pytest

from properties.engine import check_example, find_invariant
from properties.linear.logistic import LBFGS
from properties.linear.logistic_cases import anchors
from reference.linear.logistic import ConvergenceWarning, LogisticRegression, SeparationWarning

X, y = anchors(2, 2)


@pytest.mark.parametrize("kwargs, param", [
    ({"C": 0.0}, "C"), ({"C": -1.0}, "C"), ({"C": float("nan")}, "C"), ({"C": True}, "C"),
    ({"penalty": "elasticnet"}, "penalty"), ({"fit_intercept": "yes"}, "fit_intercept"),
    ({"tol": 0.0}, "tol"), ({"max_iter": 0}, "max_iter"),
    ({"class_weight": "auto"}, "class_weight"), ({"class_weight": {5: 2.0}}, "class_weight"),
])
def test_bad_parameters_name_the_parameter(kwargs, param):
    with pytest.raises(ValueError, match=param):
        LogisticRegression(**kwargs).fit(X, y)


@pytest.mark.parametrize("Xb, yb, fit_kw, param", [
    (np.ones(6), y, {}, "X"),
    (X[:0], y[:0], {}, "X"),
    (X, y[:-1], {}, "y"),
    (X, np.zeros(len(y)), {}, "y"),
    (X, y.astype(float) * np.array([1, 1, 1, 1, 1, np.nan]), {}, "y"),
    (X, y, {"sample_weight": -np.ones(len(y))}, "sample_weight"),
    (X, y, {"sample_weight": np.ones(3)}, "sample_weight"),
])
def test_bad_data_names_the_parameter(Xb, yb, fit_kw, param):
    with pytest.raises(ValueError, match=param):
        LogisticRegression().fit(Xb, yb, **fit_kw)


def test_predict_checks_the_number_of_features():
    with pytest.raises(ValueError, match="features"):
        LogisticRegression().fit(X, y).predict(np.ones((2, 3)))


def test_fit_leaves_its_inputs_alone():
    Xc, yc, s = X.copy(), y.copy(), np.full(len(y), 2.0)
    LogisticRegression(class_weight="balanced").fit(Xc, yc, sample_weight=s)
    np.testing.assert_array_equal(Xc, X)
    np.testing.assert_array_equal(yc, y)
    np.testing.assert_array_equal(s, np.full(len(y), 2.0))


def test_separable_data_without_a_penalty_warn():
    Xs = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    with pytest.warns(SeparationWarning, match="separable"):
        LogisticRegression(penalty=None).fit(Xs, [0, 0, 1, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LogisticRegression(penalty="l2").fit(Xs, [0, 0, 1, 1])        # a penalty restores the maximum


def test_an_iteration_cap_short_of_tol_warns():
    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(40, 3))
    yr = (rng.random(40) < 0.5).astype(int)
    with pytest.warns(ConvergenceWarning, match="max_iter=1,"):
        LogisticRegression(C=100.0, max_iter=1).fit(Xr, yr)


def test_fitting_with_scores_of_size_1e4_does_not_overflow():
    """Features of size 1e3 make the first Newton steps' scores |z| ~ 1e4: the log-sigmoid and log-sum-exp must stay
    finite (e^{710} overflows), and the fit must still reach its tol."""
    Xa, ya = anchors(2, 3)
    rng = np.random.default_rng(1)
    Xbig = np.vstack([Xa, rng.normal(size=(12, 2))]) * 1e3
    ybig = np.concatenate([ya, rng.integers(0, 3, 12)])
    example = {"X": Xbig, "y": ybig, "labels": (0, 1, 2), "K": 3, "penalty": "l2", "C": 1.0, "fit_intercept": True,
               "class_weight": None, "sample_weight": None, "seed": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        check_example(find_invariant("logistic.gradient_vanishes"), LogisticRegression, example)


def test_cli_validates_lbfgs_with_its_declared_support():
    """`invariants check logistic <lbfgs spec>` exits 0: the factory spec finds its registry record, so the declared
    support (no l1) and the narrow records apply.  Three invariants keep it quick: one that holds, two recorded
    differences; every invariant runs on every solver through the same engine in tests/test_topics.py."""
    only = ["logistic.gradient_vanishes", "logistic.separable_data_is_reported", "logistic.rejects_single_class"]
    args = [a for i in only for a in ("--only", i)]
    out = subprocess.run([sys.executable, "-m", "properties", "check", "logistic", LBFGS, *args, "--max-examples", "3"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "2 expected failures" in out.stdout and "1 passed" in out.stdout, out.stdout[-2000:]
