"""Feature engineering on iris with scikit-learn, step by step — each step checked by its invariants.

The walk-through of the source (preprocessing, feature selection, dimensionality reduction on Fisher's
iris, ``sklearn.datasets.load_iris``; nothing is downloaded).  Every step prints its output's shape and
then runs its topic's invariants on the iris example itself (``properties.engine.check_example``), against
the scikit-learn class the step used.  Invariants that need drawn extras (metamorphic variants, bad input)
are run on generated data by ``invariants check <topic> <class>``; here the data is iris.

Run:  python examples/iris_features.py        (exit status 1 if any invariant fails)
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scipy.stats import pearsonr  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis  # noqa: E402
from sklearn.feature_selection import (RFE, SelectFromModel, SelectKBest, VarianceThreshold, chi2,  # noqa: E402
                                       f_classif, mutual_info_classif, r_regression)
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.preprocessing import (Binarizer, FunctionTransformer, MinMaxScaler, Normalizer, OneHotEncoder,  # noqa: E402
                                   PolynomialFeatures, StandardScaler)

from properties.engine import check_example, get_topic  # noqa: E402
from properties.features.rfe import LeastSquaresImportance  # noqa: E402
from properties.features.select_from_model import PlantedImportance  # noqa: E402
from properties.features.select_kbest import ORACLE  # noqa: E402

FAILURES: list[str] = []


def check(topic: str, impl, example: dict, ids: list[str]) -> None:
    """Run the named invariants of ``topic`` on one explicit example; report each."""
    t = get_topic(topic)
    for name in ids:
        inv = t.invariants[f"{topic}.{name}"]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check_example(inv, impl, example)
        except AssertionError as exc:
            FAILURES.append(f"{inv.id}: {str(exc).splitlines()[0]}")
            print(f"      ✗ {inv.id}: {str(exc).splitlines()[0]}")
        else:
            print(f"      ✓ {inv.id}: {inv.statement}")


def step(title: str, out) -> None:
    print(f"\n{title}\n    output shape {np.shape(out)}")


def main() -> int:
    iris = load_iris()
    X, y = iris.data.astype(np.float64), iris.target
    plain = {"X": X, "y": None, "params": {}}
    print(f"iris: X {X.shape}, y {y.shape}, classes {np.unique(y).tolist()}")

    # ------------------------------------------------------------------ preprocessing
    step("1. standardisation — StandardScaler", StandardScaler().fit_transform(X))
    check("standard_scaler", StandardScaler, plain, ["statistics", "standardised", "inverse_round_trip", "idempotent",
                                                       "fit_transform_matches", "inputs_unchanged", "feature_names_out"])

    step("2. interval scaling — MinMaxScaler", MinMaxScaler().fit_transform(X))
    check("minmax_scaler", MinMaxScaler, {**plain, "params": {"feature_range": (0.0, 1.0)}},
          ["statistics", "in_range_hits_ends", "inverse_round_trip", "idempotent"])

    step("3. normalisation (rows) — Normalizer", Normalizer().fit_transform(X))
    check("normalizer", Normalizer, {**plain, "params": {"norm": "l2"}}, ["unit_norm", "zero_rows_stay_zero"])

    step("4. binarisation at 3 — Binarizer", Binarizer(threshold=3).fit_transform(X))
    check("binarizer", Binarizer, {**plain, "params": {"threshold": 3.0}}, ["strict_threshold"])

    target = y.reshape(-1, 1).astype(np.float64)
    step("5. one-hot encoding of the target — OneHotEncoder", OneHotEncoder(sparse_output=False).fit_transform(target))
    check("onehot_encoder", OneHotEncoder, {"X": target, "y": None,
                                            "params": {"sparse_output": False, "handle_unknown": "error", "drop": None}},
          ["one_hot_rows", "column_count", "inverse_round_trip"])

    holes = np.vstack([np.full((1, 4), np.nan), X])
    step("6. missing values (a row of NaN prepended) — SimpleImputer", SimpleImputer().fit_transform(holes))
    check("simple_imputer", SimpleImputer, {"X": holes, "y": None, "params": {"strategy": "mean"}},
          ["fills_every_missing", "fill_is_statistic"])

    step("7. polynomial features of degree 2 — PolynomialFeatures", PolynomialFeatures().fit_transform(X))
    check("polynomial_features", PolynomialFeatures,
          {**plain, "params": {"degree": 2, "interaction_only": False, "include_bias": True}}, ["column_count", "monomials"])

    log1p = {"func": np.log1p, "inverse_func": np.expm1, "validate": True, "feature_names_out": "one-to-one"}
    step("8. a custom transform, log1p — FunctionTransformer", FunctionTransformer(**log1p).fit_transform(X))
    check("function_transformer", FunctionTransformer, {**plain, "params": log1p}, ["applies_func", "inverse_round_trip"])

    # ------------------------------------------------------------------ feature selection
    step("9. variance threshold 3 — VarianceThreshold", VarianceThreshold(threshold=3).fit_transform(X))
    check("variance_threshold", VarianceThreshold, {**plain, "params": {"threshold": 3.0}},
          ["keeps_above_threshold", "support_consistent"])

    def pearson(X, Y):
        r, p = np.array([pearsonr(x, Y) for x in X.T]).T
        return r, p

    step("10. correlation: the 2 features most correlated with the target — SelectKBest(pearsonr)",
         SelectKBest(pearson, k=2).fit_transform(X, y))
    check("r_regression", r_regression, {"X": X, "y": y.astype(np.float64)}, ["matches_pearson"])

    supervised = {"X": X, "y": y}
    step("11. chi² — SelectKBest(chi2, k=2)", SelectKBest(chi2, k=2).fit_transform(X, y))
    check("chi_squared", chi2, supervised, ["matches_contingency"])
    for name in ("chi2", "f_classif", "mutual_info_classif"):
        check("select_kbest", SelectKBest, {**supervised, "params": {"score_func": ORACLE[name], "k": 2}, "score_func": name},
              ["keeps_top_k", "support_consistent"])
    check("f_classif", f_classif, supervised, ["matches_anova"])

    codes = np.round(X)
    step("12. mutual information (discrete, iris rounded to cm) — SelectKBest(mutual_info_classif)",
         SelectKBest(lambda A, b: mutual_info_classif(A, b, discrete_features=True), k=2).fit_transform(codes, y))
    check("mutual_info_classif", mutual_info_classif, {"X": codes, "y": y}, ["discrete_plugin"])

    with warnings.catch_warnings():  # the source's default LogisticRegression stops at 100 iterations on raw iris
        warnings.simplefilter("ignore")
        rfe_out = RFE(LogisticRegression(), n_features_to_select=2).fit_transform(X, y)
    step("13. recursive elimination with logistic regression — RFE(n_features_to_select=2)", rfe_out)
    print("    (checked with the suite's least-squares probe, whose importances are known at every round)")
    check("rfe", RFE, {"X": X, "y": y.astype(np.float64),
                       "params": {"estimator": LeastSquaresImportance(), "n_features_to_select": 2, "step": 1}},
          ["ranking_permutation", "eliminates_least_important", "support_consistent"])

    def l1_logistic():
        return LogisticRegression(l1_ratio=1.0, C=0.1, solver="saga", max_iter=2000, tol=1e-3)

    l1 = l1_logistic().fit(X, y)
    step("14. model-based selection with an L1 logistic model — SelectFromModel",
         SelectFromModel(l1_logistic()).fit_transform(X, y))
    importance = np.abs(l1.coef_).sum(axis=0)
    print(f"    (checked with the fitted model's importances planted: {np.round(importance, 3).tolist()})")
    check("select_from_model", SelectFromModel,
          {"X": X, "y": None, "params": {"estimator": PlantedImportance(tuple(importance)), "threshold": "mean"},
           "coef": importance}, ["keeps_at_least_threshold", "support_consistent"])

    # ------------------------------------------------------------------ dimensionality reduction
    step("15. principal component analysis — PCA(n_components=2)", PCA(n_components=2).fit_transform(X))
    check("pca", PCA, {"X": X, "k": 2}, ["variance_is_top_eigenvalues", "components_orthonormal", "scores_decorrelated",
                                          "reconstruction_error"])

    step("16. linear discriminant analysis — LinearDiscriminantAnalysis(n_components=2)",
         LinearDiscriminantAnalysis(n_components=2).fit_transform(X, y))
    check("lda", LinearDiscriminantAnalysis, {"X": X, "y": y, "params": {"n_components": 2}, "top": 2},
          ["at_most_c_minus_1", "within_class_whitened", "class_means_separated", "generalized_eigh"])

    print(f"\n{'all invariants hold' if not FAILURES else f'{len(FAILURES)} invariant(s) failed'} on iris")
    for f in FAILURES:
        print(f"  {f}")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
