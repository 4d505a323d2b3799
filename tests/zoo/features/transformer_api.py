"""Mutants of the transformer API that every feature-engineering topic registers on its own reference.

Not a topic: each ``tests/zoo/<topic>.py`` of the family calls :func:`api_mutants` with its reference class,
so that every API invariant of every topic (``properties/features/transformer_api.py``) has a mutant with the
one bug that invariant exists for.
"""
from __future__ import annotations

import numpy as np

from tests.zoo import mutant


def _register(topic: str, base: type, name: str, bug: str, catches: tuple[str, ...], body: dict) -> type:
    cls = type(name, (base,), {"__module__": f"tests.zoo.{topic}", "__qualname__": name, **body})
    return mutant(topic, bug=bug, catches=catches)(cls)


def _fit_transform_on_tail(self, X, y=None):
    X = np.asarray(X)
    self.fit(X[1:], None if y is None else np.asarray(y)[1:])
    return self.transform(X)


def _fit_transform_with_defaults(self, X, y=None):
    fresh = type(self).__mro__[1]()
    return fresh.fit(X, y).transform(X)


def _fit_transform_float32(self, X, y=None):
    return self.fit(X, y).transform(np.asarray(X, dtype=np.float32)).astype(np.float32)


def _sorted_rows(self, X):
    Z = super(type(self), self).transform(X)
    return Z[np.lexsort(Z.T[::-1])] if Z.shape[1] else Z


def _transform_in_place(self, X):
    Z = super(type(self), self).transform(X)
    if isinstance(X, np.ndarray) and X.shape == Z.shape and X.dtype == np.float64:
        X[...] = Z
        return X
    return Z


def _fit_sorts_input(self, X, y=None):
    if isinstance(X, np.ndarray) and X.dtype == np.float64:
        X.sort(axis=0)
    return super(type(self), self).fit(X, y)


def _names_drop_last(self, input_features=None):
    return super(type(self), self).get_feature_names_out(input_features)[:-1]


def _fitted_width(self, X):
    X = np.asarray(X, dtype=np.float64)
    d = self.n_features_in_
    X = X[:, :d] if X.shape[1] >= d else np.hstack([X, np.zeros((X.shape[0], d - X.shape[1]))])
    return super(type(self), self).transform(X)


def _one_based_support(self, indices=False):
    out = super(type(self), self).get_support(indices)
    return out + 1 if indices else out


def api_mutants(topic: str, base: type, *, fit_transform: str = "tail", in_place: str = "transform",
                selector: bool = False) -> None:
    """Register the API mutants of ``topic`` on ``base`` (its reference class).

    ``fit_transform``: "tail" (the shortcut fits without the first row), "float32" (it computes in float32) or
    "defaults" (it forgets the constructor arguments; for a transformer that learns nothing from the rows); ``in_place``: "transform" (writes its result
    into the caller's array and returns it) or "fit" (sorts the caller's array in place, for quantiles)."""
    t = topic
    if fit_transform == "tail":
        _register(t, base, "FitTransformSkipsFirstRow", "fit_transform fits on X[1:] (an off-by-one slice in the shortcut "
                  "path) and then transforms all of X", (f"{t}.fit_transform_matches",),
                  {"fit_transform": _fit_transform_on_tail})
    elif fit_transform == "float32":
        _register(t, base, "FitTransformInFloat32", "fit_transform's shortcut path computes in float32 (a dtype slip)",
                  (f"{t}.fit_transform_matches",), {"fit_transform": _fit_transform_float32})
    else:
        _register(t, base, "FitTransformForgetsParameters", "fit_transform builds a default-constructed estimator: "
                  "the constructor's arguments are ignored on the shortcut path", (f"{t}.fit_transform_matches",),
                  {"fit_transform": _fit_transform_with_defaults})
    _register(t, base, "RowsComeBackSorted", "transform returns its rows in lexicographic order (a sort left unreversed)",
              (f"{t}.rowwise",), {"transform": _sorted_rows})
    if in_place == "transform":
        _register(t, base, "AliasesInput", "transform writes its result into the caller's array and returns it "
                  "(copy=False semantics: the output aliases, and overwrites, the input)", (f"{t}.inputs_unchanged",),
                  {"transform": _transform_in_place})
    else:
        _register(t, base, "SortsInputInPlace", "fit sorts the caller's array in place (X.sort(axis=0), to read "
                  "quantiles) instead of a copy", (f"{t}.inputs_unchanged",), {"fit": _fit_sorts_input})
    _register(t, base, "NamesDropLast", "get_feature_names_out drops the last name (an off-by-one slice)",
              (f"{t}.feature_names_out",), {"get_feature_names_out": _names_drop_last})
    _register(t, base, "NoWidthCheck", "transform truncates or zero-pads X to the fitted width instead of rejecting it",
              (f"{t}.rejects_bad_input",), {"transform": _fitted_width})
    if selector:
        _register(t, base, "OneBasedSupportIndices", "get_support(indices=True) returns 1-based indices",
                  (f"{t}.support_consistent",), {"get_support": _one_based_support})
