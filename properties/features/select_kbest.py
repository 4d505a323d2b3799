"""SelectKBest: keep the k features with the highest scores of a score function.

Contract (scikit-learn's ``sklearn.feature_selection.SelectKBest``)::

    est = Cls(score_func=f, k=k)        # f(X, y) -> scores or (scores, pvalues); k ∈ {0, …, d} or "all"
    est.fit(X, y) -> est                # X: (n, d) float64, finite; y: n labels
    est.scores_, est.pvalues_           # f's output (pvalues_ None when f returns scores only)
    est.get_support(): exactly k columns, every kept score ≥ every dropped score (NaN ranks lowest; among equal
                       scores at the k-th place any may be kept); k = "all" keeps every column
    est.transform(X) -> X[:, get_support()];  selector API (get_support, inverse_transform, names)
    bad input: NaN, a transform-time width other than fit's (X), k > d (k) → ValueError naming the parameter

The selector is judged with score functions computed by this suite's oracles (option axis ``score_func``:
chi2 from contingency counts, the ANOVA F, the plug-in mutual information), so selection is judged apart from
scoring (each scoring function has its own topic).  Data: non-negative features with duplicated columns
(tied scores), constant columns (NaN F), labelled with 2 or 3 classes.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from properties.engine import (Axis, Expected, Implementation, Tolerance, Topic, assert_close, assert_true, call, expect_array,
                               invariant, option)
from properties.features.data import labelled
from properties.features.transformer_api import (NAN_AT_FIT, WRONG_WIDTH, BadInput, build, fitted, iris_cases,
                                                 register_api, register_crosscheck, same_support)
from properties.oracles.features import anova_f, chi2_scores, mutual_information

SCORE_FUNCS = ("chi2", "f_classif", "mutual_info_classif")


def mutual_info_scores(X, y):
    return np.array([mutual_information(X[:, j], y) for j in range(X.shape[1])])


ORACLE = {"chi2": chi2_scores, "f_classif": anova_f, "mutual_info_classif": mutual_info_scores}
_X, _y = np.array([[1.0, 0.0, 2.0], [2.0, 1.0, 0.0], [0.0, 1.0, 1.0], [3.0, 0.0, 1.0]]), np.array([0, 0, 1, 1])
K_TOO_LARGE = ("scikit-learn deliberately accepts k > n_features: it warns ('k=… is greater than n_features=…. All the "
               "features will be returned.') and keeps every feature")
TOPIC = Topic(
    name="select_kbest", title="Univariate selection (SelectKBest)", contract=__doc__,
    reference="reference.features.selection:SelectKBest",
    implementations=[Implementation(
        "sklearn.feature_selection:SelectKBest", requires=("sklearn",), precision="float64",
        expected=(Expected("select_kbest.rejects_bad_input", K_TOO_LARGE, where="case = k larger than the number of features",
                           when=lambda d: d["case"] == "k_too_large", match="accepted"),))],
    axes=(Axis("score_func", SCORE_FUNCS, "the score function the selector ranks by (scores with p-values, or scores only)",
               probe=lambda impl, v: call(call(impl, score_func=ORACLE[v], k=1).fit(_X, _y).get_support)),),
)
SOURCE = "scikit-learn User Guide §1.13.2 'Univariate feature selection'"
DRAWS = {"score_func": None}


@st.composite
def cases(draw, k=None):
    X, y = draw(labelled(max_cols=3))
    X = np.abs(X)
    if draw(st.booleans(), label="duplicate a column"):
        X = np.hstack([X, X[:, [draw(st.integers(0, X.shape[1] - 1), label="duplicated")]]])
    name = draw(option("score_func", SCORE_FUNCS))
    kk = k if k is not None else draw(st.integers(1, X.shape[1]), label="k")
    return {"X": X, "y": y, "params": {"score_func": ORACLE[name], "k": kk}, "score_func": name}


def _k_too_large(impl, data):
    est = build(impl, {**data, "params": {**data["params"], "k": data["X"].shape[1] + 1}})
    return lambda: est.fit(data["X"], data["y"])


register_api(TOPIC, cases=cases(), draws=DRAWS, selector=True, names="selected",
             bad_input={"nan": NAN_AT_FIT, "width": WRONG_WIDTH,
                        "k_too_large": BadInput("k larger than the number of features", _k_too_large, ("k",))})


def ranking_scores(s):
    return np.where(np.isnan(s), -np.inf, s)


@invariant(TOPIC, "select_kbest.keeps_top_k",
           statement="scores_ = score_func(X, y); |support| = k; min kept score ≥ max dropped score (NaN lowest)",
           why="The k best features are the k highest scores; only a tie at the k-th score leaves a choice.",
           source=SOURCE, kind="exact", strategy=cases(), draws=DRAWS, max_examples=12)
def keeps_top_k(impl, data):
    X, y, k, name = data["X"], data["y"], data["params"]["k"], data["score_func"]
    est = fitted(impl, data)
    out = ORACLE[name](X, y)
    want_s, want_p = out if isinstance(out, tuple) else (out, None)
    s = expect_array(est.scores_, name="scores_", shape=want_s.shape, allow_nan=True, allow_inf=True)
    assert_close(s, want_s, what=f"scores_ ({name})")
    if want_p is None:
        assert_true(est.pvalues_ is None, f"pvalues_ must be None for a score function without p-values, got {est.pvalues_!r}")
    else:
        assert_close(expect_array(est.pvalues_, name="pvalues_", shape=want_p.shape, allow_nan=True), want_p,
                     what="pvalues_")
    mask = expect_array(call(est.get_support), name="get_support()", shape=(X.shape[1],), dtype_kind="b")
    assert_true(mask.sum() == k, f"k = {k} but {int(mask.sum())} features are kept")
    r = ranking_scores(want_s)
    if 0 < k < X.shape[1]:
        assert_true(r[mask].min() >= r[~mask].max(),
                    f"a dropped feature scores higher than a kept one: kept {np.flatnonzero(mask).tolist()} with scores "
                    f"{want_s[mask].tolist()}, dropped scores {want_s[~mask].tolist()} ({name})")


@invariant(TOPIC, "select_kbest.k_all_keeps_everything", statement="k = 'all' ⇒ get_support() is all True and transform(X) = X",
           why="'all' bypasses the selection (for parameter searches).",
           source=SOURCE, kind="exact", strategy=cases(k="all"), draws=DRAWS, max_examples=5)
def k_all_keeps_everything(impl, data):
    X = data["X"]
    est = fitted(impl, data)
    mask = expect_array(call(est.get_support), name="get_support()", shape=(X.shape[1],), dtype_kind="b")
    assert_true(mask.all(), f"k='all' kept only {np.flatnonzero(mask).tolist()}")
    assert_true(np.array_equal(expect_array(call(est.transform, X), name="transform(X)"), X), "k='all': transform(X) ≠ X")


def same_selection(a, b, data):
    X, k = data["X"], data["params"]["k"]
    ea, eb = fitted(a, data), fitted(b, data)
    sa = expect_array(ea.scores_, name="reference scores_", shape=(X.shape[1],), allow_nan=True, allow_inf=True)
    assert_close(expect_array(eb.scores_, name="library scores_", shape=sa.shape, allow_nan=True, allow_inf=True), sa,
                 what="scores_")
    r = np.sort(ranking_scores(sa))[::-1]
    if k == "all" or k >= X.shape[1] or r[k - 1] > r[k]:  # the k-th place is not tied
        same_support(a, b, data)


def _kbest_params(X):
    return st.builds(lambda name, k: {"score_func": ORACLE[name], "k": k}, option("score_func", SCORE_FUNCS),
                     st.integers(1, X.shape[1]))


register_crosscheck(TOPIC, "sklearn.feature_selection:SelectKBest", compare=same_selection, draws=DRAWS,
                    tolerance=Tolerance(rtol=1e-12, reason="the same score function on the same data"),
                    strategy=st.one_of(iris_cases(_kbest_params, supervised=True), cases()))
