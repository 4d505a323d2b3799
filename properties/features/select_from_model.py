"""SelectFromModel: keep exactly the features whose importance reaches the threshold.

Contract (scikit-learn's ``sklearn.feature_selection.SelectFromModel``, prefit=False, max_features=None)::

    est = Cls(estimator=e, threshold=t) # t a number, "mean" or "median" (option axis ``threshold``: number, mean,
                                        # median); importances: |coef_| (1-D), or feature_importances_
    est.fit(X, y) -> est                # fits a clone of e
    est.threshold_                      # the number t, or the mean / median of the importances
    est.get_support() = importances ≥ threshold_   (inclusive: an importance equal to the threshold is kept)
    est.transform(X) -> X[:, get_support()];  selector API (get_support, inverse_transform, names)
    bad input: a transform-time width other than fit's → ValueError naming X

The estimator is this suite's probe, :class:`PlantedImportance`, whose coef_ is drawn (negative values
included, with ties, and thresholds equal to an importance), so that the selection is judged exactly.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.base import BaseEstimator

from properties.engine import Axis, Implementation, Topic, assert_close, assert_true, call, expect_array, invariant, option
from properties.features.transformer_api import WRONG_WIDTH, fitted, iris_cases, register_api, register_crosscheck, same_support


class PlantedImportance(BaseEstimator):
    """The probe estimator: ``coef_`` is the planted ``importances`` (one per feature), whatever the data."""

    def __init__(self, importances=(1.0,)):
        self.importances = importances

    def fit(self, X, y=None):
        self.coef_ = np.asarray(self.importances, dtype=np.float64)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self


THRESHOLDS = ("number", "mean", "median")
_X = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 1.0]])
TOPIC = Topic(
    name="select_from_model", title="Model-based selection (SelectFromModel)", contract=__doc__,
    reference="reference.features.selection:SelectFromModel",
    implementations=[Implementation("sklearn.feature_selection:SelectFromModel", requires=("sklearn",), precision="float64")],
    axes=(Axis("threshold", THRESHOLDS, "how the threshold is given: a number, or the mean or median importance",
               probe=lambda impl, v: call(call(impl, estimator=PlantedImportance((1.0, -2.0, 0.5)),
                                               threshold=1.0 if v == "number" else v).fit(_X, None).get_support)),),
)
SOURCE = "scikit-learn User Guide §1.13.4 'Feature selection using SelectFromModel'"
DRAWS = {"threshold": None}


@st.composite
def cases(draw):
    n, d = draw(st.integers(2, 6), label="n"), draw(st.integers(1, 6), label="d")
    X = draw(hnp.arrays(np.float64, (n, d), elements=st.integers(-5, 5).map(float)), label="X")
    coef = draw(hnp.arrays(np.float64, d, elements=st.sampled_from((0.0, 0.5, -0.5, 1.0, -2.0, 3.0))), label="coef")
    kind = draw(option("threshold", THRESHOLDS))
    if kind == "number":
        t = float(draw(st.sampled_from(sorted(set(np.abs(coef).tolist()) | {0.75})), label="threshold value"))
    else:
        t = kind
    return {"X": X, "y": None, "params": {"estimator": PlantedImportance(tuple(coef.tolist())), "threshold": t},
            "coef": coef}


register_api(TOPIC, cases=cases(), draws=DRAWS, selector=True, names="selected", bad_input={"width": WRONG_WIDTH})


@invariant(TOPIC, "select_from_model.keeps_at_least_threshold",
           statement="threshold_ = t, mean |coef| or median |coef|; get_support() = (|coef_j| ≥ threshold_)",
           why="SelectFromModel keeps the features whose importance reaches the threshold, inclusively (a median "
               "threshold of an odd count keeps the median feature itself).",
           source=SOURCE, kind="exact", strategy=cases(), draws=DRAWS, max_examples=6)
def keeps_at_least_threshold(impl, data):
    coef, t = data["coef"], data["params"]["threshold"]
    imp = np.abs(coef)
    want_t = {"mean": lambda: float(np.mean(imp)), "median": lambda: float(np.median(imp))}.get(t, lambda: float(t))()
    est = fitted(impl, data)
    assert_close(float(est.threshold_), want_t, what=f"threshold_ ({t!r})")
    mask = expect_array(call(est.get_support), name="get_support()", shape=coef.shape, dtype_kind="b")
    assert_true(np.array_equal(mask, imp >= want_t), f"threshold {want_t} ({t!r}): kept {np.flatnonzero(mask).tolist()}, "
                f"importances {imp.tolist()} reach it at {np.flatnonzero(imp >= want_t).tolist()}")


def _sfm_params(X):
    return st.builds(lambda coef, kind: {"estimator": PlantedImportance(tuple(coef)), "threshold": 0.75 if kind == "number" else kind},
                     st.lists(st.sampled_from((0.0, 0.5, -0.5, 1.0, -2.0, 3.0)), min_size=X.shape[1], max_size=X.shape[1]),
                     option("threshold", THRESHOLDS))


register_crosscheck(TOPIC, "sklearn.feature_selection:SelectFromModel", compare=same_support, draws=DRAWS,
                    strategy=st.one_of(iris_cases(_sfm_params), cases()))
