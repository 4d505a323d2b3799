"""Boosting checks' data: the generated examples, and the sub-domain where float32 input breaks routing.

``boosting_data`` draws X with ties, duplicate and constant columns and NaN entries in five flavours —
small integers, multiples of 1/8, float32 values, float64 values (tiny ones among them), and integers beside
float64 values that lie within float32 rounding of a candidate threshold or of another value (``0.5 − 1e-12``
beside {0, 1}) — labels for both objectives and the parameters.  Hypothesis draws the structure (flavour,
shape, duplicate and constant columns, whether there are NaN, the objective, every parameter) and a seed; the
arrays' entries come from ``numpy.random.default_rng(seed)`` — drawing a few hundred numbers one by one through
Hypothesis cost three quarters of the topic's time.  The objective is drawn with ``option("objective")``;
γ and min_child_weight are held at their neutral value 0 where the implementation declares it lacks them
(axis ``regularisation``).

``float32_hazard`` is the sub-domain where an implementation that reads X as float32 (xgboost, the
reference's float32 mode) legitimately routes a row differently from the contract's float64 "x < t":
a float64 value whose float32 rounding lands on a candidate threshold, or two distinct values that
collide in float32.
"""
from __future__ import annotations

import functools

import numpy as np
from hypothesis import strategies as st

from properties.engine import option, supports
from properties.oracles import boosting as ob

OBJECTIVES = (ob.SQUARED, ob.LOGISTIC)
FLAVOURS = ("integer", "grid", "float32", "float64", "near_float32")
#: offsets that vanish in float32 next to the values drawn (|x| ≤ 100): 0.5 − 1e-12 rounds to 0.5
TINY = np.array([1e-12, 2.0**-40, 3e-10])
SEEDS = st.integers(0, 2**32 - 1)


def _entries(rng: np.random.Generator, flavour: str, shape) -> np.ndarray:
    """Array entries of one flavour: ties and exact arithmetic (integers, multiples of 1/8), or floats in
    [−100, 100] with one in eight of tiny magnitude 10^−300 … 10^−2 (rounded to float32 for that flavour)."""
    if flavour in ("integer", "near_float32"):
        return rng.integers(-3, 4, size=shape).astype(np.float64)
    if flavour == "grid":
        return rng.integers(-32, 33, size=shape) / 8.0
    x = rng.uniform(-100, 100, size=shape)
    tiny = rng.random(shape) < 0.125
    x[tiny] = np.sign(x[tiny]) * 10.0 ** rng.uniform(-300, -2, size=int(tiny.sum()))
    return x.astype(np.float32).astype(np.float64) if flavour == "float32" else x


def near_float32(rng: np.random.Generator, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """X with one entry in six replaced by a value within float32 rounding of the midpoint of two consecutive
    values of its column (a candidate threshold) or of a value itself (a collision in float32); and X_new whose
    rows put, in every column, each such midpoint m in turn as m − δ (below the threshold, where its float32
    rounding is not)."""
    X = X.copy()
    values = [np.unique(X[~np.isnan(X[:, j]), j]) for j in range(X.shape[1])]
    mids = [(v[:-1] + v[1:]) / 2 for v in values]
    for i, j in zip(*np.nonzero((rng.random(X.shape) < 1 / 6) & ~np.isnan(X))):
        anchors = np.concatenate([mids[j], values[j]])
        X[i, j] = rng.choice(anchors) + rng.choice([-1, 1]) * rng.choice(TINY)
    rows = max(1, max(m.size for m in mids))
    delta = rng.choice(TINY)
    X_new = np.array([[m[r % m.size] - delta if m.size else np.nan for m in mids] for r in range(rows)])
    return X, X_new


# strategies built once: building them per example (validation, option()'s composite) cost more than drawing
@functools.lru_cache(maxsize=None)
def choice(values: tuple) -> st.SearchStrategy:
    return st.sampled_from(values)


@functools.lru_cache(maxsize=None)
def between(low: int, high: int) -> st.SearchStrategy:
    return st.integers(low, high)


@functools.lru_cache(maxsize=None)
def objective_option(objectives: tuple) -> st.SearchStrategy:
    return option("objective", objectives)


BOOLEANS = st.booleans()
BASE_REG = st.none() | st.sampled_from([-2.0, 0.0, 0.5, 3.0])
BASE_BIN = st.none() | st.sampled_from([0.25, 0.5, 0.75])


def regularisation(value: float, name: str) -> float:
    """A drawn γ or min_child_weight, held at its neutral value 0 where the implementation lacks it."""
    return value if supports("regularisation", name) else 0.0


@st.composite
def boosting_data(draw, *, objectives=OBJECTIVES, max_rows=20, max_cols=3, rounds=(1, 3), depths=(1, 3),
                  etas=(0.1, 0.3, 0.5, 1.0), gammas=(0.0, 0.0, 0.1, 1.0), generic: bool = False,
                  always_missing: bool = False, min_child_weights=(0.0, 0.5, 1.0, 2.0), flavours=FLAVOURS):
    """X with ties, duplicate and constant columns, NaN entries; labels for both objectives; parameters.

    ``objectives``: the default domain of ``option("objective")`` (an invariant narrows it with ``draws``);
    ``generic``: add to the squared-error labels a small irrational-looking offset per row, and draw
    min_child_weight off the multiples of 1/4 that logistic hessian sums hit, so that two different partitions,
    or a hessian sum and min_child_weight, rarely tie exactly (for the checks that skip near-ties);
    ``always_missing``: X always has NaN entries (otherwise half the time)."""
    if generic:
        min_child_weights = tuple(0.0 if m == 0 else m * 1.1 for m in min_child_weights)
    flavour = draw(choice(tuple(flavours)), label="flavour")
    n, d = draw(between(2, max_rows), label="n"), draw(between(1, max_cols), label="d")
    rng = np.random.default_rng(draw(SEEDS, label="seed of the entries"))
    X = _entries(rng, flavour, (n, d))
    if d >= 2 and draw(BOOLEANS, label="duplicate column"):
        X[:, -1] = X[:, 0]
    if draw(between(0, 3), label="constant column") == 0:
        X[:, rng.integers(d)] = _entries(rng, flavour, 1)[0]
    if always_missing or draw(BOOLEANS, label="with NaN"):
        X[rng.random((n, d)) < 0.25] = np.nan
    X_new = _entries(rng, flavour, (4, d))
    X_new[rng.random((4, d)) < 0.2] = np.nan
    if flavour == "near_float32":
        X, X_new = near_float32(rng, X)
    objective = draw(objective_option(tuple(objectives)))
    y = np.where(rng.random(n) < 0.5, _entries(rng, "float32", n) / 10, rng.integers(-5, 6, size=n))
    if generic:
        y = (y + (np.arange(n) * 0.6180339887498949) % 1 / 64).astype(np.float32).astype(np.float64)
    y_bin = rng.integers(0, 2, size=n).astype(np.float64)
    if y_bin.min() == y_bin.max():
        y_bin[0] = 1.0 - y_bin[0]
    params = {"n_estimators": draw(between(*rounds), label="T"), "max_depth": draw(between(*depths), label="D"),
              "learning_rate": draw(choice(tuple(etas)), label="eta"),
              "gamma": regularisation(draw(choice(tuple(gammas)), label="gamma"), "gamma"),
              "min_child_weight": regularisation(draw(choice(tuple(min_child_weights)), label="mcw"), "min_child_weight")}
    return {"X": X, "X_new": X_new, "y": y, "y_bin": y_bin, "objective": objective, "params": params,
            "reg_lambda": draw(choice((0.0, 0.5, 1.0, 3.0)), label="lambda"),
            "base_reg": draw(BASE_REG, label="b (squared error)"), "base_bin": draw(BASE_BIN, label="b (logistic)")}


def with_case(cases, data=None) -> st.SearchStrategy:
    """``data`` (default: :func:`boosting_data`) with a ``case`` key drawn from ``cases`` (a small finite set
    drawn as part of the example, so that a record can name the cases a library fails)."""
    return st.builds(lambda d, c: {**d, "case": c}, data if data is not None else boosting_data(),
                     st.sampled_from(cases))


# ---------------------------------------------------------------------------------------------
# the float32 sub-domain
# ---------------------------------------------------------------------------------------------
def _f32(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float32).astype(np.float64)


def float32_thresholds(values: np.ndarray) -> np.ndarray:
    """Every threshold a float32 exact-greedy booster can place between two present values a < b of a column in
    some node: their float32 midpoint (a + b)·0.5f, or — where that rounds onto a or b (adjacent float32
    values) — the other value (xgboost's rule)."""
    v = np.unique(_f32(values[~np.isnan(values)])).astype(np.float32)
    i, k = np.triu_indices(v.size, 1)
    a, b = v[i], v[k]
    mid = (a + b) * np.float32(0.5)
    return np.unique(np.where(mid == a, b, np.where(mid == b, a, mid)).astype(np.float64))


def float32_hazard(example) -> bool:
    """Is the example in the sub-domain where reading X as float32 changes routing?  Some float64 value
    (of X or X_new) whose float32 rounding differs from it and lands on a candidate threshold of its
    column, or two distinct values of a training column that collide in float32."""
    data = example_data(example)
    X, X_new = data["X"], data.get("X_new", data["X"][:0])
    for j in range(X.shape[1]):
        col = X[:, j][~np.isnan(X[:, j])]
        if np.unique(col).size != np.unique(_f32(col)).size:
            return True                                  # distinct values that collide in float32
        both = np.concatenate([col, X_new[:, j][~np.isnan(X_new[:, j])]])
        moved = both[_f32(both) != both]
        if moved.size and np.isin(_f32(moved), float32_thresholds(col)).any():
            return True                                  # rounding lands on a candidate threshold
    return False


def example_data(example) -> dict:
    """The boosting data inside an example (a dict with X, or a tuple starting with one)."""
    if isinstance(example, dict) and "X" in example:
        return example
    if isinstance(example, dict) and "data" in example:
        return example["data"]
    if isinstance(example, (tuple, list)):
        return example_data(example[0])
    raise TypeError(f"not a boosting example: {type(example).__name__}")
