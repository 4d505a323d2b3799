"""What every transformer of the family promises — scikit-learn's transformer API — registered on a topic.

Each topic of the family calls :func:`register_api` with its examples (a strategy of ``{"X": …, "y": … or
None, "params": {constructor keyword arguments}}``) and gets these invariants, ids prefixed by the topic:

* ``fit_transform_matches`` — ``fit(X)`` returns the estimator and ``fit(X).transform(X) = fit_transform(X)``;
* ``rowwise`` — the transform of a row selection (subset, reordered, repeated) is that selection of the
  transform; for a *stateless* transformer (nothing learnt from the rows) fitting on the selection too;
* ``inputs_unchanged`` — ``fit``, ``transform``, ``fit_transform``, ``inverse_transform`` and
  ``get_feature_names_out`` leave X and y as they were, and no output shares memory with X;
* ``feature_names_out`` — ``get_feature_names_out()`` has one unique string per output column (the input
  names x0, x1, … for a one-to-one transformer, the kept ones for a selector);
* ``support_consistent`` (selectors) — ``transform(X) = X[:, get_support()]``, ``get_support(indices=True)``
  lists the same columns, ``inverse_transform`` puts them back and zeros the others;
* ``rejects_bad_input`` (category validation) — each drawn bad-input case raises a ValueError whose message
  names the parameter (the case is part of the example, so an expected-failure record names exactly the
  cases a library fails).

Outputs are compared in the unit of the output itself (its largest magnitude), never floored at 1.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
from hypothesis import strategies as st

from properties.engine import (ImplementationFailure, InvariantViolation, Tolerance, Topic, assert_close, assert_true,
                               call, expect_array, invariant)
from properties.features.data import row_selections

SOURCE = ("scikit-learn developer guide, 'Developing scikit-learn estimators' (the transformer API: fit, transform, "
          "fit_transform, get_feature_names_out, get_support); Buitinck et al., 'API design for machine learning "
          "software: experiences from the scikit-learn project' (2013), §2–3")
SAME = Tolerance(atol=1e-12, reason="the same arithmetic on the same rows, in units of the output's largest magnitude; "
                 "a BLAS product may block a row differently by batch size: ≤ d·ε ≈ 1e-15")


# ------------------------------------------------------------------------------------------- calling


def build(impl, data: Mapping) -> Any:
    """A fresh estimator with the example's constructor arguments."""
    return call(impl, **data["params"])


def fit(est, data: Mapping, X: np.ndarray | None = None) -> Any:
    X = data["X"] if X is None else X
    out = call(est.fit, X) if data.get("y") is None else call(est.fit, X, data["y"])
    assert_true(out is est, f"fit(X) must return the estimator itself, got {type(out).__name__}")
    return est


def fitted(impl, data: Mapping) -> Any:
    return fit(build(impl, data), data)


def output(Z: Any, n_rows: int, name: str, *, allow_nan: bool = False) -> np.ndarray:
    """A dense 2-D float array with one row per input row."""
    Z = expect_array(Z, name=name, allow_nan=allow_nan)
    if Z.ndim != 2 or Z.shape[0] != n_rows:
        raise ImplementationFailure(f"{name}: expected a 2-D array with {n_rows} rows, got shape {Z.shape}")
    return Z


def transform(est, X: np.ndarray, name: str = "transform(X)", *, allow_nan: bool = False) -> np.ndarray:
    return output(call(est.transform, X), X.shape[0], name, allow_nan=allow_nan)


def fit_transform(est, data: Mapping, X: np.ndarray | None = None, *, allow_nan: bool = False) -> np.ndarray:
    X = data["X"] if X is None else X
    Z = call(est.fit_transform, X) if data.get("y") is None else call(est.fit_transform, X, data["y"])
    return output(Z, X.shape[0], "fit_transform(X)", allow_nan=allow_nan)


def assert_same_output(actual: np.ndarray, expected: np.ndarray, *, what: str, tol: Tolerance | str | None = None) -> None:
    """Equal in the unit u = max(|actual|, |expected|) of the outputs (exactly equal when both are 0)."""
    if actual.shape != expected.shape:
        raise InvariantViolation(f"{what}: shape {actual.shape} where {expected.shape} was expected")
    u = float(max(np.abs(actual).max(initial=0.0), np.abs(expected).max(initial=0.0)))
    u = u if u > 0 and np.isfinite(u) else 1.0
    assert_close(actual / u, expected / u, tol=tol, what=f"{what} (in units of max |output| = {u:.3g})")


def input_names(d: int) -> list[str]:
    """scikit-learn's names for the columns of an array without names: x0, x1, …"""
    return [f"x{j}" for j in range(d)]


# ------------------------------------------------------------------------------------------- bad input


@dataclass(frozen=True)
class BadInput:
    """One bad-input case: ``run(impl, data)`` does the good preparation (through ``call``) and returns the
    zero-argument call that must raise a ValueError naming one of ``names``."""

    doc: str
    run: Callable[[Any, Mapping], Callable[[], Any]]
    names: tuple[str, ...]


def expect_rejection(fn: Callable[[], Any], names: tuple[str, ...], what: str) -> None:
    """``fn()`` must raise a ValueError whose message names one of ``names`` (as a word)."""
    try:
        out = fn()
    except (InvariantViolation, ImplementationFailure):
        raise
    except ValueError as exc:
        named = any(re.search(rf"(?<![A-Za-z_]){re.escape(n)}(?![A-Za-z_])", str(exc)) for n in names)
        assert_true(named, f"{what}: ValueError({str(exc)[:200]!r}) does not name the parameter ({' or '.join(names)})")
        return
    except Exception as exc:  # noqa: BLE001 — any other exception is the wrong answer
        raise InvariantViolation(f"{what}: raised {type(exc).__name__}({str(exc)[:200]}) instead of a ValueError naming "
                                 f"{' or '.join(names)}") from None
    raise InvariantViolation(f"{what}: accepted and returned {type(out).__name__}; expected a ValueError naming "
                             f"{' or '.join(names)}")


def _with_entry(X: np.ndarray, value: float) -> np.ndarray:
    bad = X.copy()
    bad[bad.shape[0] // 2, bad.shape[1] - 1] = value
    return bad


def _fit_bad(value: float):
    def run(impl, data):
        est, bad = build(impl, data), _with_entry(data["X"], value)
        return lambda: est.fit(bad) if data.get("y") is None else est.fit(bad, data["y"])
    return run


def _wrong_width(impl, data):
    est = fitted(impl, data)
    X = data["X"]
    bad = np.hstack([X, X[:, :1]]) if X.shape[1] == 1 or data["case_variant"] else X[:, :-1]
    return lambda: est.transform(bad)


NAN_AT_FIT = BadInput("fit(X) with a NaN entry", _fit_bad(np.nan), ("X",))
INF_AT_FIT = BadInput("fit(X) with an infinite entry", _fit_bad(np.inf), ("X",))
WRONG_WIDTH = BadInput("transform(X) with one column more or fewer than fit saw", _wrong_width, ("X",))


# ------------------------------------------------------------------------------------------- registration


@st.composite
def _with_rows(draw, cases):
    data = draw(cases)
    return {**data, "rows": draw(row_selections(data["X"].shape[0]))}


@st.composite
def _with_case(draw, cases, names):
    case = draw(st.sampled_from(names), label="case")
    return {**draw(cases), "case": case, "case_variant": draw(st.booleans(), label="variant")}


def register_api(topic: Topic, *, cases, draws: Mapping[str, Any] | None = None, stateless: bool = False,
                 selector: bool = False, names: str = "any", inverse: bool = False, allow_nan_output: bool = False,
                 bad_input: Mapping[str, BadInput], max_examples: int = 4, source: str = SOURCE) -> None:
    """Register the transformer-API invariants on ``topic`` (see the module docstring).

    ``cases``: the examples; ``draws``: the axes they draw; ``stateless``: fit learns nothing from the rows;
    ``names``: "one-to-one" (the input names), "selected" (the kept input names) or "any" (length and
    uniqueness only); ``inverse``: the contract has ``inverse_transform``; ``bad_input``: case → BadInput."""
    t = topic.name
    draws = dict(draws or {})

    @invariant(topic, f"{t}.fit_transform_matches", statement="fit(X) is the estimator; fit(X).transform(X) = fit_transform(X)",
               why="fit_transform is a shortcut for fit followed by transform on the same data; a separate code path "
                   "that computes something else is a bug users cannot see.",
               source=source, kind="tolerance", tolerance=SAME, strategy=cases, draws=draws, max_examples=max_examples)
    def fit_transform_matches(impl, data):
        Z = transform(fitted(impl, data), data["X"], allow_nan=allow_nan_output)
        assert_same_output(fit_transform(build(impl, data), data, allow_nan=allow_nan_output), Z,
                           what="fit_transform(X) vs fit(X).transform(X)")

    @invariant(topic, f"{t}.rowwise",
               statement="transform(X[S]) = transform(X)[S] for any row selection S" + (
                   "; and fit_transform(X[S]) = fit_transform(X)[S]" if stateless else ""),
               why="A fitted transformer maps each row with the fitted parameters alone, so a row's image cannot depend "
                   "on the other rows of the batch" + (
                       "; this one learns nothing from the rows at all, so fitting on the selection changes nothing"
                       if stateless else "") + ".",
               source=source, kind="metamorphic", tolerance=SAME, strategy=_with_rows(cases), draws=draws,
               max_examples=max_examples)
    def rowwise(impl, data):
        X, rows = data["X"], data["rows"]
        est = fitted(impl, data)
        Z = transform(est, X, allow_nan=allow_nan_output)
        assert_same_output(transform(est, X[rows], "transform(X[S])", allow_nan=allow_nan_output), Z[rows],
                           what=f"transform(X[S]) vs transform(X)[S], S = {rows}")
        if stateless:
            Zs = fit_transform(build(impl, data), {**data, "X": X[rows]}, allow_nan=allow_nan_output)
            assert_same_output(Zs, Z[rows], what=f"fit_transform(X[S]) vs fit_transform(X)[S], S = {rows}")

    @invariant(topic, f"{t}.inputs_unchanged",
               statement="fit, transform, fit_transform" + (", inverse_transform" if inverse else "") +
                         ", get_feature_names_out leave X (and y) unchanged; no output shares memory with X",
               why="scikit-learn estimators copy before they compute (copy=True by default); writing into the caller's "
                   "array, or returning a view of it that a later in-place edit would write through, corrupts data the "
                   "caller still holds.",
               source=source, kind="exact", strategy=cases, draws=draws, max_examples=max_examples)
    def inputs_unchanged(impl, data):
        X = data["X"]
        est = fitted(impl, data)
        outputs = {"transform(X)": transform(est, X, allow_nan=allow_nan_output),
                   "fit_transform(X)": fit_transform(build(impl, data), data, allow_nan=allow_nan_output)}
        # an (n, 0) output (one-hot with every category dropped) has nothing to invert, and scikit-learn refuses it
        if inverse and outputs["transform(X)"].shape[1] > 0:
            outputs["inverse_transform(Z)"] = expect_array(call(est.inverse_transform, outputs["transform(X)"]),
                                                           name="inverse_transform(Z)", allow_nan=True)
        call(est.get_feature_names_out)
        for name, Z in outputs.items():
            assert_true(not np.shares_memory(Z, X), f"{name} shares memory with the input X (a view of the caller's array)")

    @invariant(topic, f"{t}.feature_names_out",
               statement="len(get_feature_names_out()) = width of transform(X), unique strings" + (
                   " = the input names x0, x1, …" if names == "one-to-one" else
                   " = the input names of the kept columns" if names == "selected" else ""),
               why="Pipelines and column transformers label the output columns with these names; one name per column, "
                   "in order, is the API's promise.",
               source=source, kind="exact", strategy=cases, draws=draws, max_examples=max_examples)
    def feature_names_out(impl, data):
        X = data["X"]
        est = fitted(impl, data)
        width = transform(est, X, allow_nan=allow_nan_output).shape[1]
        got = call(est.get_feature_names_out)
        out = np.asarray(got, dtype=object)
        assert_true(out.ndim == 1 and all(isinstance(s, str) for s in out),
                    f"get_feature_names_out() must be a 1-D array of strings, got {got!r}"[:300])
        assert_true(out.size == width, f"get_feature_names_out() has {out.size} names for {width} output columns: {list(out)}")
        assert_true(len(set(out)) == out.size, f"get_feature_names_out() repeats names: {list(out)}")
        if names == "one-to-one":
            assert_true(list(out) == input_names(X.shape[1]), f"a one-to-one transformer keeps the input names "
                        f"{input_names(X.shape[1])}, got {list(out)}")
        elif names == "selected":
            kept = np.flatnonzero(expect_array(call(est.get_support), name="get_support()", shape=(X.shape[1],)))
            assert_true(list(out) == [f"x{j}" for j in kept], f"a selector names its kept input columns "
                        f"{[f'x{j}' for j in kept]}, got {list(out)}")

    if selector:
        @invariant(topic, f"{t}.support_consistent",
                   statement="transform(X) = X[:, m] for m = get_support(); get_support(indices=True) = {j : m_j}; "
                             "inverse_transform puts the kept columns back, zeros elsewhere",
                   why="A selector only picks columns: its mask, its indices, its output and its inverse are four views "
                       "of one set.",
                   source=source, kind="exact", strategy=cases, draws=draws, max_examples=max_examples)
        def support_consistent(impl, data):
            X = data["X"]
            d = X.shape[1]
            est = fitted(impl, data)
            mask = expect_array(call(est.get_support), name="get_support()", shape=(d,), dtype_kind="b")
            idx = expect_array(call(est.get_support, indices=True), name="get_support(indices=True)", dtype_kind="iu")
            assert_true(list(idx) == list(np.flatnonzero(mask)),
                        f"get_support(indices=True) = {list(idx)} but the mask keeps {list(np.flatnonzero(mask))}")
            Z = transform(est, X)
            assert_true(Z.shape == (X.shape[0], int(mask.sum())) and np.array_equal(Z, X[:, mask]),
                        f"transform(X) is not X[:, get_support()] (kept columns {list(np.flatnonzero(mask))})")
            if not mask.any():  # nothing kept: both libraries refuse an (n, 0) array, and there is nothing to restore
                return {"compared": 1, "empty_selection": 1}
            back = expect_array(call(est.inverse_transform, Z), name="inverse_transform(Z)", shape=X.shape)
            expected = np.where(mask, X, 0.0)
            assert_true(np.array_equal(back, expected),
                        "inverse_transform(transform(X)) must restore the kept columns and zero the dropped ones")
            return {"compared": 1, "empty_selection": 0}

    @invariant(topic, f"{t}.rejects_bad_input", category="validation",
               statement="; ".join(f"{b.doc} ⇒ ValueError naming {' or '.join(b.names)}" for b in bad_input.values()),
               why="Each of these silently produces a wrong answer otherwise (NaN propagates, a column shifts under "
                   "another's parameters, a count goes negative); the error must say which argument is wrong.",
               source="this suite's contract (the issue's bad-input list); scikit-learn's input validation",
               kind="exact", strategy=_with_case(cases, tuple(bad_input)), draws=draws,
               max_examples=max(4, 3 * len(bad_input)))
    def rejects_bad_input(impl, data):
        case = bad_input[data["case"]]
        expect_rejection(case.run(impl, data), case.names, f"{data['case']}: {case.doc}")


# ------------------------------------------------------------------------------------------- cross-checks


def register_crosscheck(topic: Topic, library: str, *, strategy, compare: Callable[[Any, Any, Mapping], None],
                        tolerance: Tolerance | Mapping[str, Tolerance] = SAME, draws: Mapping[str, Any] | None = None,
                        statement: str = "reference and scikit-learn agree on iris and on generated data",
                        max_examples: int = 6) -> None:
    """One cross-check ``<topic>.crosscheck.sklearn``: ``compare(reference, library, example)`` on ``strategy``
    (iris, whole or in part, and the topic's generated hazards)."""
    from properties.engine import crosscheck

    crosscheck(topic, f"{topic.name}.crosscheck.sklearn", statement=statement,
               why="Two independent implementations of one definition must give the same numbers — on the source's "
                   "iris walk-through and on data with constant columns, huge offsets, ties and NaN.",
               source="Fisher's iris data (1936, via sklearn.datasets.load_iris); scikit-learn vs reference.features",
               tolerance=tolerance, strategy=strategy, draws=draws, max_examples=max_examples,
               pairs=[(topic.reference, library)])(compare)


def same_transform(a, b, data) -> None:
    """Fit both on the example and compare transform(X) in the unit of the output."""
    X = data["X"]
    Za = transform(fitted(a, data), X, "reference transform(X)", allow_nan=True)
    Zb = transform(fitted(b, data), X, "library transform(X)", allow_nan=True)
    assert_true(np.array_equal(np.isnan(Za), np.isnan(Zb)), "NaN at different places")
    assert_same_output(np.nan_to_num(Zb), np.nan_to_num(Za), what="library vs reference transform(X)")


def same_support(a, b, data) -> None:
    """Selectors: the same kept columns."""
    d = data["X"].shape[1]
    ma = expect_array(call(fitted(a, data).get_support), name="reference get_support()", shape=(d,), dtype_kind="b")
    mb = expect_array(call(fitted(b, data).get_support), name="library get_support()", shape=(d,), dtype_kind="b")
    assert_true(np.array_equal(ma, mb), f"kept columns differ: reference {np.flatnonzero(ma).tolist()}, library "
                f"{np.flatnonzero(mb).tolist()}")


def iris_cases(params=st.just({}), *, supervised: bool = False, prepare: Callable[[np.ndarray], np.ndarray] | None = None):
    """Examples on iris: {"X", "y" (None unless supervised), "params"}; ``params`` may depend on X (a callable
    X → strategy) or not (a strategy)."""
    from properties.features.data import iris_samples

    @st.composite
    def draw_case(draw):
        X, y = draw(iris_samples())
        if prepare is not None:
            X = prepare(X)
        p = draw(params(X) if callable(params) else params, label="params")
        return {"X": X, "y": y if supervised else None, "params": p}

    return draw_case()
