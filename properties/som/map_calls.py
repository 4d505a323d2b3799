"""Building a map from an example and calling it through MiniSom's contract, every output checked.

An example is a dict: ``shape`` (X, Y), ``input_len``, ``sigma``, ``learning_rate``, ``random_seed`` and the
option values it drew (``neighborhood_function``, ``activation_distance``, ``decay_function``,
``sigma_decay_function``); only drawn options are passed to the constructor, so an implementation is never
handed an option outside its declared support (an undrawn option is the implementation's default).
"""
from __future__ import annotations

import numpy as np

from properties.engine import ImplementationFailure, call, expect_array

CONSTRUCTOR_OPTIONS = ("neighborhood_function", "activation_distance", "decay_function", "sigma_decay_function")


def build(impl, ex: dict, **override):
    """``impl(X, Y, input_len, sigma=, learning_rate=, random_seed=, <drawn options>)``."""
    kw = {"sigma": ex["sigma"], "learning_rate": ex["learning_rate"], "random_seed": ex["random_seed"]}
    kw.update({k: ex[k] for k in CONSTRUCTOR_OPTIONS if k in ex})
    kw.update(override)
    X, Y = ex["shape"]
    return call(impl, X, Y, ex["input_len"], **kw)


def weights(som, ex: dict) -> np.ndarray:
    """A copy of ``get_weights()``, shape (X, Y, input_len)."""
    X, Y = ex["shape"]
    return expect_array(call(som.get_weights), name="get_weights()", shape=(X, Y, ex["input_len"]),
                        dtype_kind="f").astype(np.float64, copy=True)


def flat_weights(som, ex: dict) -> np.ndarray:
    return weights(som, ex).reshape(-1, ex["input_len"])


def winner(som, x: np.ndarray, ex: dict) -> tuple[int, int]:
    """``winner(x)`` as a grid position (i, j) inside the X × Y grid."""
    out = call(som.winner, x)
    try:
        i, j = (int(v) for v in out)
        if any(int(v) != v for v in out):
            raise ValueError
    except (TypeError, ValueError):
        raise ImplementationFailure(f"winner(x) must return a grid position (i, j) of integers, got {out!r}") from None
    X, Y = ex["shape"]
    if not (0 <= i < X and 0 <= j < Y):
        raise ImplementationFailure(f"winner(x) = {(i, j)} lies outside the {X} × {Y} grid")
    return i, j


def flat(position: tuple[int, int], ex: dict) -> int:
    return position[0] * ex["shape"][1] + position[1]


def update(som, x: np.ndarray, win: tuple[int, int], t: int, T: int) -> None:
    call(som.update, x, win, t, T)


def train(som, data: np.ndarray, T: int, order: str = "ordered") -> None:
    call(som.train, data, T, random_order=(order == "random"))


def activation(som, x: np.ndarray, ex: dict) -> np.ndarray:
    """``activate(x)``, shape (X, Y), flattened in row-major order."""
    return expect_array(call(som.activate, x), name="activate(x)", shape=tuple(ex["shape"])).reshape(-1)


def scalar(value, name: str) -> float:
    arr = expect_array(value, name=name)
    if arr.size != 1:
        raise ImplementationFailure(f"{name}: expected a number, got shape {arr.shape}")
    return float(arr.reshape(()))


def scale(*arrays: np.ndarray) -> float:
    """s = the largest magnitude among the arrays (1 when all are zero): the data's own unit."""
    s = max(float(np.abs(a).max(initial=0.0)) for a in arrays)
    return s if s > 0 else 1.0
