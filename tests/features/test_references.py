"""The feature-engineering references: what is specific to them (bad input naming the parameter, the
contract's special cases).  Every invariant × implementation, the cross-checks and the mutants run in
tests/test_topics.py."""
import numpy as np
import pytest

from reference.features.imputer import SimpleImputer
from reference.features.lda import LinearDiscriminantAnalysis
from reference.features.onehot import OneHotEncoder
from reference.features.polynomial import PolynomialFeatures
from reference.features.scalers import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler
from reference.features.selection import RFE, SelectFromModel, SelectKBest, VarianceThreshold
from reference.features.stateless import Binarizer, FunctionTransformer, Normalizer
from reference.features.univariate import chi2, f_classif, mutual_info_classif, r_regression

X = np.array([[1.0, 2.0, 0.0], [3.0, 1.0, 1.0], [2.0, 5.0, 0.0], [0.0, 4.0, 2.0]])
y = np.array([0, 0, 1, 1])


class _Probe:
    def __init__(self, coef=(1.0, 2.0, 3.0)):
        self.coef = coef

    def get_params(self, deep=True):
        return {"coef": self.coef}

    def fit(self, X, y=None):
        self.coef_ = np.asarray(self.coef[: np.asarray(X).shape[1]])
        return self


@pytest.mark.parametrize("make, param", [
    (lambda: MinMaxScaler(feature_range=(1.0, 0.0)).fit(X), "feature_range"),
    (lambda: RobustScaler(quantile_range=(75.0, 25.0)).fit(X), "quantile_range"),
    (lambda: Normalizer(norm="l3").fit(X), "norm"),
    (lambda: Binarizer(threshold=np.nan).fit(X), "threshold"),
    (lambda: FunctionTransformer(func="log1p").fit(X), "func"),
    (lambda: PolynomialFeatures(degree=-1).fit(X), "degree"),
    (lambda: PolynomialFeatures(degree=1.5).fit(X), "degree"),
    (lambda: OneHotEncoder(handle_unknown="warn").fit(X), "handle_unknown"),
    (lambda: OneHotEncoder(drop="last").fit(X), "drop"),
    (lambda: OneHotEncoder().fit(X[:2]).transform(X), "X"),
    (lambda: SimpleImputer(strategy="mode").fit(X), "strategy"),
    (lambda: VarianceThreshold(threshold=-1.0).fit(X), "threshold"),
    (lambda: VarianceThreshold(threshold=100.0).fit(X), "threshold"),
    (lambda: SelectKBest(chi2, k=4).fit(X, y), "k"),
    (lambda: SelectKBest("chi2", k=1).fit(X, y), "score_func"),
    (lambda: RFE(_Probe(), n_features_to_select=0).fit(X, y), "n_features_to_select"),
    (lambda: RFE(_Probe(), n_features_to_select=1, step=0).fit(X, y), "step"),
    (lambda: SelectFromModel(_Probe(), threshold="max").fit(X, y), "threshold"),
    (lambda: LinearDiscriminantAnalysis(n_components=2).fit(X, y), "n_components"),
    (lambda: chi2(-X, y), "X"),
    (lambda: mutual_info_classif(X, y, discrete_features=False), "discrete_features"),
    (lambda: f_classif(X[1:3], y[1:3]), "X"),
])
def test_bad_parameters_name_the_parameter(make, param):
    with pytest.raises(ValueError, match=param):
        make()


@pytest.mark.parametrize("make", [StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler, Normalizer, Binarizer,
                                  PolynomialFeatures, lambda: OneHotEncoder(handle_unknown="ignore")])
@pytest.mark.parametrize("bad, param", [
    (np.array([[1.0, np.inf]]), "X"),
    (np.ones(3), "X"),
    (np.empty((0, 2)), "X"),
])
def test_bad_data_names_x(make, bad, param):
    with pytest.raises(ValueError, match=param):
        make().fit(bad)


def test_nan_is_rejected_where_it_is_not_missing():
    for est in (Normalizer(), Binarizer(), PolynomialFeatures(), FunctionTransformer(np.log1p)):
        with pytest.raises(ValueError, match="X"):
            est.fit(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="X"):
        r_regression(np.array([[1.0], [np.nan], [2.0]]), np.array([1.0, 2.0, 3.0]))


def test_a_column_with_no_observed_value_has_no_scaler_statistics():
    with pytest.raises(ValueError, match="X"):
        StandardScaler().fit(np.array([[1.0, np.nan], [2.0, np.nan]]))


def test_constant_columns_are_recognised_exactly():
    """A constant column whose mean float64 cannot represent (1e8 + 0.1 on 3 rows) is constant: variance 0,
    z = 0 — not the rounded ±1.5e-8 of a computed mean."""
    C = np.full((3, 1), 1e8 + 0.1)
    est = StandardScaler().fit(C)
    assert est.var_[0] == 0.0 and est.scale_[0] == 1.0
    assert np.array_equal(est.transform(C), np.zeros((3, 1)))
    assert VarianceThreshold(threshold=1e-30).fit(np.hstack([C, [[0.0], [1.0], [2.0]]])).get_support().tolist() == [False, True]
    F, p = f_classif(np.hstack([np.full((4, 1), 0.1), [[0.0], [1.0], [5.0], [6.0]]]), y)
    assert np.isnan(F[0]) and np.isnan(p[0])


def test_rfe_ranks_in_reverse_order_of_elimination():
    """coef = (1, 2, 3) ranks the first feature last: it goes first, then the second; the third stays."""
    est = RFE(_Probe((1.0, 2.0, 3.0)), n_features_to_select=1).fit(X, y)
    assert est.ranking_.tolist() == [3, 2, 1]


def test_inverse_transform_of_onehot_needs_a_category():
    est = OneHotEncoder(handle_unknown="ignore").fit(X[:, :1])
    with pytest.raises(ValueError, match="Z"):
        est.inverse_transform(np.zeros((1, est.transform(X[:1, :1]).shape[1])))
