"""Boosting, what is specific to the topic: the paper's gain convention, the bit-exact cross-check's counts,
the near-tie skip rate, the reference's own behaviour (bad input, no mutation, seeding).  Every invariant against
every registered implementation, the cross-checks and the mutants run in tests/test_topics.py."""
import importlib.util

import numpy as np
import pytest

from properties.engine import get_topic, run_invariant
from properties.testing import parametrize_crosschecks, parametrize_with_invariants
from reference.ensemble.boosting import BoostingClassifier, BoostingRegressor

HAS_XGBOOST = importlib.util.find_spec("xgboost") is not None


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


@pytest.mark.skipif(not HAS_XGBOOST, reason="xgboost is not installed (extra 'boost')")
@parametrize_crosschecks("boosting")
def test_crosscheck(crosscheck):
    result = crosscheck()
    done = result.details["stats"]
    print(f"\n{result.implementation}: bit-exact in {done['fits']}/{result.examples_run} fits — "
          f"{done['trees']} trees, {done['nodes']} nodes, {done['margins']} margins compared; 0 near-ties skipped")
    assert done["fits"] == result.examples_run > 0, "every generated example must be compared"


def test_metamorphic_checks_skip_few_near_ties():
    """Skipping near-ties is counted, and most examples are compared."""
    t = get_topic("boosting")
    for inv_id in ("boosting.row_permutation_invariance", "boosting.target_scaling"):
        result = run_invariant(t.invariants[inv_id], BoostingRegressor, topic=t)
        stats = result.details["stats"]
        skipped = stats.get("skipped_near_ties", 0)
        checked = skipped + stats.get("compared", 0)
        print(f"\n{inv_id}: {checked - skipped}/{checked} examples compared, {skipped} skipped as near-ties")
        assert result.ok and checked == result.examples_run and skipped <= checked // 2, (inv_id, checked, skipped)






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
])
def test_bad_parameters_name_the_parameter(params, name):
    with pytest.raises(ValueError, match=name):
        BoostingRegressor(**params).fit(X, Y)


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
