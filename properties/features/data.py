"""The data the feature-engineering family draws, with its hazards, and the iris data set.

Built on the shared hazards of ``properties.strategies`` (adversarial ``matrices``, ``at_scale``,
``resolvable``): every column is either exactly constant (planted, at values that include 0.1 and 1e8 + 0.1,
whose means float64 cannot represent exactly) or has a spread float64 resolves, so that a tolerance
relative to the column's own unit judges it; constant columns, ties and duplicate rows, NaN entries
(missing values), huge offsets and labelled data with a few classes of unequal sizes.  Iris (Fisher, 1936)
ships with scikit-learn (``sklearn.datasets.load_iris``): nothing is downloaded.
"""
from __future__ import annotations

import functools

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.strategies import at_scale, matrices, resolvable

#: values of planted constant columns: 0 (MaxAbs's zero column), values whose mean rounds (0.1, 1e8 + 0.1)
CONSTANTS = (0.0, 1.0, 0.1, -2.5, 3e-6, 1e8 + 0.1)
#: class labels: not always 0 … C − 1, so that labels are never confused with indices
LABELS = ((0, 1, 2), (3, -1, 7), (2, 5, 9))
#: the offset of the huge-offset invariants (the issue's "shifted by 1e8")
OFFSET = 1e8


def column_resolvable(column: np.ndarray, offset: float = 0.0) -> bool:
    """Exactly constant on its observed values, or with a spread float64 resolves (``resolvable``)."""
    x = column[~np.isnan(column)]
    if x.size == 0 or np.ptp(x) == 0:
        return True
    return x.size >= 2 and resolvable(x[:, None], offset=offset)


def columns_resolvable(X: np.ndarray, offset: float = 0.0) -> bool:
    return all(column_resolvable(X[:, j], offset) for j in range(X.shape[1]))


def constant_columns(X: np.ndarray) -> np.ndarray:
    """Mask of the columns whose observed values are all equal."""
    out = np.zeros(X.shape[1], dtype=bool)
    for j in range(X.shape[1]):
        x = X[~np.isnan(X[:, j]), j]
        out[j] = x.size > 0 and np.ptp(x) == 0
    return out


@st.composite
def feature_matrices(draw, *, min_rows: int = 2, max_rows: int = 10, min_cols: int = 1, max_cols: int = 4,
                     constant: bool = True, scales=(0, -5, 3)) -> np.ndarray:
    """An (n, d) matrix from the shared adversarial flavours at a drawn scale, some columns planted constant;
    every column constant or resolvable."""
    X = draw(at_scale(matrices(min_rows=min_rows, max_rows=max_rows, min_cols=min_cols, max_cols=max_cols),
                      scales), label="X").copy()
    if constant:
        planted = draw(hnp.arrays(np.bool_, X.shape[1]), label="constant columns")
        values = draw(hnp.arrays(np.float64, X.shape[1], elements=st.sampled_from(CONSTANTS)), label="constants")
        X[:, planted] = values[planted]
    assume(columns_resolvable(X))
    return X


@st.composite
def with_missing(draw, X: np.ndarray, *, empty_columns: bool = False) -> np.ndarray:
    """X with NaN at drawn places; unless ``empty_columns``, every column keeps an observed value."""
    mask = draw(hnp.arrays(np.bool_, X.shape), label="missing")
    if not empty_columns:
        mask[0, mask.all(axis=0)] = False
    X = X.copy()
    X[mask] = np.nan
    assume(columns_resolvable(X))
    return X


@st.composite
def shifted_matrices(draw, offset: float = OFFSET) -> np.ndarray:
    """Non-constant data whose spread float64 still resolves after adding ``offset`` (σ ≳ 1e-4·offset):
    the shared flavours rescaled to a spread of 10^4.5 … 10^6, before the shift."""
    X = draw(matrices(min_rows=3, max_rows=10, max_cols=3, flavours=("float", "integer", "sign_symmetric")), label="X")
    spread = np.ptp(X, axis=0)
    assume((spread > 0).all())
    X = X / spread * 10.0 ** draw(st.sampled_from((4.5, 5.0, 6.0)), label="log10 spread")
    assume(columns_resolvable(X, offset=offset))
    return X


@st.composite
def labels(draw, *, n_classes=(2, 3), min_per_class: int = 2, max_per_class: int = 5) -> np.ndarray:
    """Class labels of C classes of unequal sizes, each ≥ ``min_per_class``, in a drawn order."""
    C = draw(st.sampled_from(n_classes), label="C")
    sizes = draw(st.lists(st.integers(min_per_class, max_per_class), min_size=C, max_size=C), label="class sizes")
    names = np.array(draw(st.sampled_from(LABELS), label="labels")[:C])
    y = np.repeat(names, sizes)
    return y[list(draw(st.permutations(range(y.size)), label="order"))]


@st.composite
def labelled(draw, *, n_classes=(2, 3), min_per_class: int = 2, max_per_class: int = 5, max_cols: int = 4,
             constant: bool = True, scales=(0, -5, 3)) -> tuple[np.ndarray, np.ndarray]:
    """(X, y): a feature matrix with one row per label."""
    y = draw(labels(n_classes=n_classes, min_per_class=min_per_class, max_per_class=max_per_class))
    X = draw(feature_matrices(min_rows=y.size, max_rows=y.size, max_cols=max_cols, constant=constant, scales=scales))
    return X, y


@st.composite
def row_selections(draw, n: int) -> list[int]:
    """Row indices: a shuffled subset (of at least one row), then a few repeated rows."""
    order = draw(st.permutations(range(n)), label="order")
    kept = order[: draw(st.integers(1, n), label="kept")] if n > 2 else order
    return list(kept) + draw(st.lists(st.integers(0, n - 1), max_size=2), label="repeats")


@functools.lru_cache(maxsize=1)
def iris() -> tuple[np.ndarray, np.ndarray]:
    """Fisher's iris: 150 × 4 measurements (cm) of three species, 50 each."""
    from sklearn.datasets import load_iris

    data = load_iris()
    return np.asarray(data.data, dtype=np.float64), np.asarray(data.target)


@st.composite
def iris_samples(draw, min_per_class: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Iris, whole or a drawn subset of rows (≥ ``min_per_class`` per species) and of columns."""
    X, y = iris()
    if draw(st.booleans(), label="whole iris"):
        return X.copy(), y.copy()
    per = draw(st.integers(min_per_class, 12), label="rows per species")
    seed = draw(st.integers(0, 2**16), label="seed")
    rng = np.random.default_rng(seed)
    rows = np.sort(np.concatenate([rng.choice(np.flatnonzero(y == k), per, replace=False) for k in range(3)]))
    cols = draw(st.lists(st.integers(0, 3), min_size=1, max_size=4, unique=True), label="columns")
    return X[np.ix_(rows, sorted(cols))], y[rows]
