"""Boosting, what is specific to the topic: the paper's gain convention, float32 input (xgboost's documented reading
of X), determinism, the xgboost cross-check without libm, the reference's own behaviour (bad input, no mutation,
seeding).  Every invariant against every registered implementation (every mode of the reference included), the
cross-checks and the mutants run in tests/test_topics.py; the black-box booster in test_boosting_real_code.py."""
import ctypes
import importlib.util

import numpy as np
import pytest

import reference.ensemble.boosting as ref
from properties.engine import check_example, find_invariant, get_topic, run_crosscheck, run_invariant
from properties.ensemble.boosting_data import float32_hazard
from properties.testing import parametrize_with_invariants
from reference.ensemble.boosting import BoostingClassifier, BoostingRegressor

HAS_XGBOOST = importlib.util.find_spec("xgboost") is not None
needs_xgboost = pytest.mark.skipif(not HAS_XGBOOST, reason="xgboost is not installed (extra 'boost')")


class PaperConvention(BoostingRegressor):
    """A correct variant in the paper's convention: reports ½[…] − γ and keeps a split iff that is ≥ 0."""

    gain_convention = "paper"

    def _should_prune(self, gain):
        return 0.5 * gain - self.gamma < 0

    def get_trees(self):
        trees = super().get_trees()
        for tree in trees:
            for node in tree:
                node["gain"] = 0.5 * node["gain"] - self.gamma
        return trees


@parametrize_with_invariants("boosting", [PaperConvention], only=[
    "boosting.gain_and_cover_formula", "boosting.gamma_pruning", "boosting.exact_greedy_optimal",
    "boosting.leaf_value_is_newton_step"])
def test_paper_convention_is_accepted(impl, check):
    """The invariants read the declared convention: a correct paper-convention booster passes them."""
    check(impl)


# ---------------------------------------------------------------------------------------------
# float32 input: x = 0.5 − 1e-12 beside {0, 1} (review finding 8.7)
# ---------------------------------------------------------------------------------------------
def _midpoint_example(x_new: float) -> dict:
    y = np.array([0.0, 1.0, 0.0, 1.0])
    return {"X": np.array([[0.0], [1.0], [0.0], [1.0]]), "X_new": np.array([[x_new], [0.0], [1.0], [np.nan]]),
            "y": y, "y_bin": y, "objective": "reg:squarederror", "reg_lambda": 0.0, "base_reg": 0.5, "base_bin": None,
            "params": {"n_estimators": 1, "max_depth": 1, "learning_rate": 1.0, "gamma": 0.0, "min_child_weight": 0.0}}


FLOAT32_READERS = ['reference.ensemble.boosting:BoostingRegressor(precision="float32")',
                   pytest.param("properties.adapters.xgb:XGBRegressorExact", marks=needs_xgboost)]


@pytest.mark.parametrize("spec", FLOAT32_READERS)
def test_float32_reading_sends_a_value_below_the_threshold_right(spec):
    """Trained on x ∈ {0, 1} (threshold 0.5), x = 0.49999999999899997 rounds to 0.5 in float32 and goes right,
    where the contract's x < t sends it left: the example lies in the recorded sub-domain, and its recorded
    failure is the routing one.  The same data with x_new = 0.25 is outside the sub-domain and passes."""
    inv = find_invariant("boosting.predict_matches_trees")
    below = _midpoint_example(0.49999999999899997)
    assert np.float32(0.49999999999899997) == 0.5 and float32_hazard(below)
    with pytest.raises(AssertionError, match=r"margin of row 4 of \[0\.4999999999"):
        check_example(inv, spec, below)
    outside = _midpoint_example(0.25)
    assert not float32_hazard(outside)
    check_example(inv, spec, outside)


def test_the_float64_reference_routes_the_float64_value_left():
    check_example(find_invariant("boosting.predict_matches_trees"), BoostingRegressor,
                  _midpoint_example(0.49999999999899997))
    est = BoostingRegressor(n_estimators=1, max_depth=1, learning_rate=1.0, reg_lambda=0.0, min_child_weight=0.0,
                            base_score=0.5).fit(np.array([[0.0], [1.0]]), np.array([0.0, 1.0]))
    np.testing.assert_array_equal(est.predict(np.array([[0.49999999999899997], [0.5]])), [0.0, 1.0])


def test_float32_hazard_names_collisions_and_thresholds_only():
    base = _midpoint_example(0.25)
    assert not float32_hazard({**base, "X": np.array([[0.1], [0.7], [2.3], [0.7]])})        # float64, nothing meets
    assert float32_hazard({**base, "X": np.array([[0.0], [1.0 + 1e-12], [1.0], [2.0]])})    # 1 and 1 + 1e-12 collide
    assert float32_hazard({**base, "X_new": np.array([[0.5 - 2.0**-40]])})                 # onto the midpoint 0.5
    assert not float32_hazard({**base, "X_new": np.array([[1.0 + 1e-12]])})                # onto a value, no threshold


# ---------------------------------------------------------------------------------------------
# determinism (review finding 8.3)
# ---------------------------------------------------------------------------------------------
def test_random_tie_breaking_is_named_as_nondeterminism():
    from tests.zoo.ensemble.boosting import RandomTieBreak

    result = run_invariant(find_invariant("boosting.deterministic"), RandomTieBreak, shrink=False)
    assert result.status == "failed" and result.reason.startswith("nondeterministic:"), result.reason


# ---------------------------------------------------------------------------------------------
# the bit-exact cross-check without the C library's expf/logf (review finding 8.8)
# ---------------------------------------------------------------------------------------------
def test_libm_loader_returns_none_when_the_library_cannot_be_loaded(monkeypatch):
    def no_library(*args, **kwargs):
        raise OSError("libm.so.6: cannot open shared object file")

    monkeypatch.setattr(ctypes, "CDLL", no_library)
    assert ref._libm_float_function("expf") is None
    assert ref._libm_float_function("logf") is None


def test_float32_mode_reports_libm_and_falls_back_to_numpy(monkeypatch):
    if ref._EXPF is not None and ref._LOGF is not None:                          # where ctypes found them
        assert BoostingRegressor(precision="float32").libm_unavailable is None
    monkeypatch.setattr(ref, "_EXPF", None)
    monkeypatch.setattr(ref, "_LOGF", None)
    reason = BoostingRegressor(precision="float32").libm_unavailable
    assert "expf and logf could not be loaded" in reason and "numpy" in reason
    p = ref.sigmoid(np.array([0.3, -2.0]), True)                               # the fallback still computes σ
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-np.array([0.3, -2.0]))), rtol=1e-6)


@needs_xgboost
def test_bit_exact_crosscheck_skips_without_libm(monkeypatch):
    monkeypatch.setattr(ref, "_EXPF", None)
    monkeypatch.setattr(ref, "_LOGF", None)
    t = get_topic("boosting")
    a, b = t.invariants["boosting.crosscheck.xgboost"].pairs[1]
    result = run_crosscheck(t.invariants["boosting.crosscheck.xgboost"], a, b, topic=t, max_examples=3)
    assert result.status == "skipped", (result.status, result.reason)
    assert "expf and logf could not be loaded" in result.reason


# ---------------------------------------------------------------------------------------------
# the reference's own behaviour
# ---------------------------------------------------------------------------------------------
X = np.array([[0.0, 1.0], [1.0, np.nan], [2.0, 0.0], [3.0, 1.0], [4.0, 2.0], [5.0, np.nan]])
Y = np.array([0.5, 1.0, -1.0, 2.0, 0.0, 3.0])
YB = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize("params, name", [
    ({"reg_lambda": -1.0}, "reg_lambda"), ({"gamma": -0.5}, "gamma"), ({"max_depth": -1}, "max_depth"),
    ({"max_depth": 2.5}, "max_depth"), ({"learning_rate": -0.1}, "learning_rate"),
    ({"min_child_weight": -1.0}, "min_child_weight"), ({"n_estimators": -1}, "n_estimators"),
    ({"colsample_bytree": 0.0}, "colsample_bytree"), ({"colsample_bytree": 1.5}, "colsample_bytree"),
    ({"objective": "reg:absoluteerror"}, "objective"), ({"precision": "float16"}, "precision"),
    ({"reg_lambda": float("nan")}, "reg_lambda"), ({"gamma": True}, "gamma"),
    ({"random_state": "a"}, "random_state"), ({"random_state": -1}, "random_state"), ({"random_state": 1.5}, "random_state"),
])
def test_bad_parameters_name_the_parameter(params, name):
    with pytest.raises(ValueError, match=name):
        BoostingRegressor(**params).fit(X, Y)


def test_classifier_rejects_a_regression_objective():
    """Review finding 8.5: BoostingClassifier(objective="reg:squarederror") was accepted."""
    with pytest.raises(ValueError, match="objective must be one of .*binary:logistic.* got 'reg:squarederror'"):
        BoostingClassifier(objective="reg:squarederror").fit(X, YB)
    assert BoostingClassifier(objective="binary:logistic", n_estimators=1).fit(X, YB).objective_ == "binary:logistic"


def test_random_state_a_is_a_value_error_not_numpy_type_error():
    """Review finding 8.5: random_state='a' raised numpy's TypeError (only when colsample_bytree < 1)."""
    with pytest.raises(ValueError, match="random_state must be None or a non-negative integer, got 'a'"):
        BoostingRegressor(colsample_bytree=0.5, random_state="a").fit(X, Y)
    assert BoostingRegressor(n_estimators=1, random_state=None).fit(X, Y).get_params()["random_state"] is None


def test_bad_labels_name_y():
    with pytest.raises(ValueError, match=r"^y "):
        BoostingRegressor().fit(X, np.array([0.5, np.nan, 1, 2, 3, 4]))
    with pytest.raises(ValueError, match=r"^y "):
        BoostingClassifier().fit(X, np.array([0, 1, 2, 0, 1, 0]))
    with pytest.raises(ValueError, match=r"^y "):
        BoostingClassifier().fit(X, np.zeros(6))           # one class: no base_score to estimate
    with pytest.raises(ValueError, match=r"^y "):
        BoostingRegressor().fit(X, Y[:5])


def test_bad_base_score_and_data():
    with pytest.raises(ValueError, match="base_score"):
        BoostingClassifier(base_score=1.0).fit(X, YB)
    with pytest.raises(ValueError, match=r"^X "):
        BoostingRegressor().fit(np.where(np.isnan(X), np.inf, X), Y)
    est = BoostingRegressor(n_estimators=2).fit(X, Y)
    with pytest.raises(ValueError, match="features"):
        est.predict(np.ones((2, 3)))
    with pytest.raises(ValueError, match="fit"):
        BoostingRegressor().predict(X)


def test_fit_does_not_mutate_inputs():
    Xc, yc = X.copy(), Y.copy()
    est = BoostingRegressor(n_estimators=3).fit(Xc, yc)
    est.predict(Xc)
    np.testing.assert_array_equal(Xc, X)
    np.testing.assert_array_equal(yc, Y)


def test_colsample_bytree_is_seeded():
    rng = np.random.default_rng(0)
    Xr, yr = rng.normal(size=(40, 6)), rng.normal(size=40)
    a = BoostingRegressor(n_estimators=5, colsample_bytree=0.5, random_state=3).fit(Xr, yr).get_trees()
    b = BoostingRegressor(n_estimators=5, colsample_bytree=0.5, random_state=3).fit(Xr, yr).get_trees()
    assert str(a) == str(b)                              # same seed, same trees (NaN-safe comparison)
    used = [{n["feature"] for n in tree if n["left"] != -1} for tree in a]
    assert all(len(u) <= 3 for u in used)                # ⌊0.5·6⌋ features per tree
    assert len(set().union(*used)) > 3                   # different trees see different features


def test_classifier_api():
    est = BoostingClassifier(n_estimators=4, max_depth=2, min_child_weight=0.0).fit(X, YB)
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(est.predict(X), (proba[:, 1] > 0.5).astype(int))
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-est.predict(X, output_margin=True))))
    assert est.get_params()["n_estimators"] == 4 and est.set_params(max_depth=3).max_depth == 3
