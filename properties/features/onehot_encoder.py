"""OneHotEncoder: one indicator column per category of each input column.

Contract (scikit-learn's ``sklearn.preprocessing.OneHotEncoder`` with dense output)::

    est = Cls(sparse_output=False, handle_unknown=h, drop=dr)   # option axes: h ∈ {error, ignore},
                                                                 # dr ∈ {none (None), first, if_binary}
    est.fit(X) -> est                   # X: (n, d) float64 category codes; NaN is a category of its own
    est.categories_                     # d arrays: each column's distinct values, sorted, NaN last
    est.transform(X) -> (n, Σⱼ Kⱼ − dropped) 0/1 array: column j's block is e_k for x = categories_[j][k];
                                        # drop="first" removes each block's first indicator, "if_binary" only
                                        # for two-category columns; a dropped category encodes as all zeros
    est.inverse_transform(Z) -> X       est.fit_transform(X);  est.get_feature_names_out(): one name per column
    an unknown value at transform: handle_unknown="ignore" encodes it as all zeros; "error" raises
    bad input: a transform-time width other than fit's (X), an unknown value with handle_unknown="error"
    (X or handle_unknown) → ValueError naming the parameter

Values are drawn from a few codes per column (ties by construction), with NaN as a category in some examples.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.engine import (Axis, Expected, Implementation, Topic, assert_true, call, expect_array, invariant,
                               option)
from properties.features.transformer_api import BadInput, WRONG_WIDTH, fitted, iris_cases, register_api, register_crosscheck, transform

HANDLE = ("error", "ignore")
DROPS = ("none", "first", "if_binary")
CODES = (-1.0, 0.0, 2.0, 5.0, np.nan)
_X = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0]])


def _param(axis, value):
    return None if (axis == "drop" and value == "none") else value


def _probe(axis):
    return lambda impl, v: call(call(impl, sparse_output=False, **{axis: _param(axis, v)}).fit(_X).transform, _X)


UNKNOWN_MESSAGE = ("scikit-learn raises ValueError('Found unknown categories [...] in column j during transform'), which "
                   "names neither X nor handle_unknown")
TOPIC = Topic(
    name="onehot_encoder", title="One-hot encoding (OneHotEncoder)", contract=__doc__,
    reference="reference.features.onehot:OneHotEncoder",
    implementations=[Implementation(
        "sklearn.preprocessing:OneHotEncoder", requires=("sklearn",), precision="float64",
        expected=(Expected("onehot_encoder.rejects_bad_input", UNKNOWN_MESSAGE, where="case = an unknown category",
                           when=lambda d: d["case"] == "unknown", match="Found unknown categories"),))],
    axes=(Axis("handle_unknown", HANDLE, "what transform does with a value fit never saw", probe=_probe("handle_unknown")),
          Axis("drop", DROPS, "which indicator of each column is dropped (none: None)", probe=_probe("drop"))),
)
SOURCE = "scikit-learn User Guide §7.3.6 'Encoding categorical features'"
DRAWS = {"handle_unknown": None, "drop": None}


@st.composite
def cases(draw, handle=None, drop=None):
    n = draw(st.integers(1, 8), label="n")
    d = draw(st.integers(1, 3), label="d")
    codes = CODES if draw(st.booleans(), label="NaN a category") else CODES[:-1]
    X = draw(hnp.arrays(np.float64, (n, d), elements=st.sampled_from(codes)), label="X")
    return {"X": X, "y": None, "params": {"sparse_output": False,
                                          "handle_unknown": handle or draw(option("handle_unknown", HANDLE)),
                                          "drop": _param("drop", drop or draw(option("drop", DROPS)))}}


def categories(X: np.ndarray) -> list[np.ndarray]:
    """Sorted distinct values per column, one NaN last."""
    return [np.unique(X[:, j]) for j in range(X.shape[1])]


def dropped(cats: list[np.ndarray], drop) -> list:
    return [None if drop is None or (drop == "if_binary" and len(c) != 2) else 0 for c in cats]


def position(cats: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.array([int(np.flatnonzero((cats == v) | (np.isnan(cats) & np.isnan(v)))[0]) for v in x])


def expected_encoding(X: np.ndarray, drop) -> np.ndarray:
    cats = categories(X)
    blocks = []
    for j, (c, dr) in enumerate(zip(cats, dropped(cats, drop))):
        block = np.eye(len(c))[position(c, X[:, j])]
        blocks.append(block if dr is None else np.delete(block, dr, axis=1))
    return np.hstack(blocks)


def unknown_run(impl, data):
    est = fitted(impl, {**data, "params": {**data["params"], "handle_unknown": "error"}})
    bad = data["X"].copy()
    bad[0, 0] = 7.0  # not among the codes
    return lambda: est.transform(bad)


register_api(TOPIC, cases=cases(), draws=DRAWS, inverse=True, max_examples=6,
             bad_input={"width": WRONG_WIDTH,
                        "unknown": BadInput("transform(X) with a value fit never saw, handle_unknown='error'",
                                            unknown_run, ("X", "handle_unknown"))})


def check_categories(est, X):
    got = list(est.categories_)
    want = categories(X)
    assert_true(len(got) == len(want) and all(np.array_equal(np.asarray(g, dtype=float), w, equal_nan=True)
                                              for g, w in zip(got, want)),
                f"categories_ {[np.asarray(g).tolist() for g in got]} are not the sorted distinct values "
                f"{[w.tolist() for w in want]}")


@invariant(TOPIC, "onehot_encoder.one_hot_rows",
           statement="each input column's block holds exactly one 1 per row, at its value's category (0 for a dropped "
                     "category), and 0 elsewhere",
           why="One-hot encoding is the indicator of the value's category: one category per value, so one 1.",
           source=SOURCE, kind="exact", strategy=cases(), draws=DRAWS, max_examples=6)
def one_hot_rows(impl, data):
    X, drop = data["X"], data["params"]["drop"]
    est = fitted(impl, data)
    check_categories(est, X)
    Z = transform(est, X)
    want = expected_encoding(X, drop)
    assert_true(Z.shape == want.shape and np.array_equal(Z, want),
                f"transform(X) (drop={drop!r}) is not the indicator encoding of X by its sorted categories; "
                f"got {Z.tolist()}, expected {want.tolist()}"[:600])


@invariant(TOPIC, "onehot_encoder.column_count",
           statement="width of transform(X) = Σⱼ |categories_ⱼ| − (one per column dropped)",
           why="One indicator per category of each column; drop='first' removes one per column, 'if_binary' one per "
               "two-category column.",
           source=SOURCE, kind="exact", strategy=cases(), draws=DRAWS, max_examples=6)
def column_count(impl, data):
    X, drop = data["X"], data["params"]["drop"]
    est = fitted(impl, data)
    cats = categories(X)
    want = sum(len(c) for c in cats) - sum(dr is not None for dr in dropped(cats, drop))
    got = transform(est, X).shape[1]
    assert_true(got == want, f"transform(X) has {got} columns; Σ categories {[len(c) for c in cats]} with drop={drop!r} "
                f"gives {want}")


@invariant(TOPIC, "onehot_encoder.drop_first_removes_one",
           statement="transform with drop='first' = transform with drop=None without each block's first column",
           why="Dropping the first category removes its indicator and nothing else; that category then encodes as "
               "all zeros.",
           source=SOURCE, kind="exact", strategy=cases(drop="first"), draws=DRAWS, max_examples=8,
           requires={"drop": ("none", "first")})
def drop_first_removes_one(impl, data):
    X = data["X"]
    full = transform(fitted(impl, {**data, "params": {**data["params"], "drop": None}}), X)
    first = transform(fitted(impl, data), X)
    starts = np.cumsum([0] + [len(c) for c in categories(X)])[:-1]
    want = np.delete(full, starts, axis=1)
    assert_true(first.shape == want.shape and np.array_equal(first, want),
                f"drop='first' output {first.tolist()} is not the full encoding without columns {starts.tolist()}"[:600])


@st.composite
def unknown_cases(draw):
    data = draw(cases(handle="ignore"))
    X = data["X"]
    new = X[: draw(st.integers(1, X.shape[0]), label="rows")].copy()
    j = draw(st.integers(0, X.shape[1] - 1), label="column")
    new[0, j] = 7.0  # a value fit never saw
    return {**data, "X_new": new, "column": j}


@invariant(TOPIC, "onehot_encoder.handle_unknown_ignore",
           statement="handle_unknown='ignore': an unknown value encodes as all zeros in its block; the rest as if known",
           why="'ignore' promises no error and no indicator for a category fit never saw.",
           source=SOURCE, kind="exact", strategy=unknown_cases(), draws=DRAWS, max_examples=8,
           requires={"handle_unknown": ("ignore",)})
def handle_unknown_ignore(impl, data):
    X, new, j, drop = data["X"], data["X_new"], data["column"], data["params"]["drop"]
    est = fitted(impl, data)
    Z = transform(est, new, "transform(X with an unknown value)")
    cats = categories(X)
    widths = [len(c) - (dr is not None) for c, dr in zip(cats, dropped(cats, drop))]
    start = int(np.sum(widths[:j]))
    assert_true(not Z[0, start:start + widths[j]].any(),
                f"the unknown value in column {j} encodes as {Z[0, start:start + widths[j]].tolist()}, not all zeros")
    known = new.copy()
    known[0, j] = X[0, j]
    ref = transform(est, known, "transform(X)")
    others = np.ones(Z.shape[1], dtype=bool)
    others[start:start + widths[j]] = False
    assert_true(np.array_equal(Z[:, others], ref[:, others]) and np.array_equal(Z[1:], ref[1:]),
                "an unknown value changed the encoding of other columns or rows")


@invariant(TOPIC, "onehot_encoder.inverse_round_trip", statement="inverse_transform(transform(X)) = X (NaN a category)",
           why="The encoding is injective on the known categories: the position of the 1 (or the dropped category) "
               "names the value.",
           source=SOURCE, kind="exact", strategy=cases(), draws=DRAWS, max_examples=6)
def inverse_round_trip(impl, data):
    X = data["X"]
    est = fitted(impl, data)
    Z = transform(est, X)
    if Z.shape[1] == 0:  # every column has one category and drop removed it: nothing to invert (scikit-learn refuses)
        return {"compared": 0, "nothing_encoded": 1}
    back = call(est.inverse_transform, Z)
    back = expect_array(np.asarray(back, dtype=np.float64), name="inverse_transform(Z)", shape=X.shape, allow_nan=True)
    assert_true(np.array_equal(back, X, equal_nan=True), f"inverse_transform(transform(X)) = {back.tolist()} ≠ X = {X.tolist()}")
    return {"compared": 1, "nothing_encoded": 0}


def same_encoding(a, b, data):
    X = data["X"]
    ea, eb = fitted(a, data), fitted(b, data)
    check_categories(eb, X)
    Za, Zb = transform(ea, X, "reference transform(X)"), transform(eb, X, "library transform(X)")
    assert_true(Za.shape == Zb.shape and np.array_equal(Za, Zb), "library and reference encodings differ")


def _ohe_params(X):
    return st.builds(lambda h, dr: {"sparse_output": False, "handle_unknown": h, "drop": _param("drop", dr)},
                     option("handle_unknown", HANDLE), option("drop", DROPS))


register_crosscheck(TOPIC, "sklearn.preprocessing:OneHotEncoder", compare=same_encoding, draws=DRAWS,
                    strategy=st.one_of(iris_cases(_ohe_params, prepare=lambda X: np.round(X[:, :2])), cases()))
