"""Examples for the SOM invariants: maps (non-square grids, 1 × K strips, one unit), samples and data sets in the
shared adversarial flavours (integer grids with ties and duplicate rows, repeated float rows, sign-symmetric
clouds) at the scales 1, 1e-5 and 1e3, option values drawn inside the declared support, and the data of the
trained-map checks (a 1-D curve and a 2-D sheet)."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from properties.engine import option

NEIGHBORHOODS = ("gaussian", "bubble", "triangle", "mexican_hat")
DISTANCES = ("euclidean", "cosine", "manhattan", "chebyshev")
RATE_DECAYS = ("asymptotic_decay", "inverse_decay_to_zero", "linear_decay_to_zero")
SIGMA_DECAYS = ("asymptotic_decay", "inverse_decay_to_one", "linear_decay_to_one")
ORDERS = ("ordered", "random")
OPERATIONS = ("update", "activate", "quantization_error", "topographic_error", "random_weights_init")
#: the defaults of the contract (MiniSom's), the domain of an option drawn outside an invariant run
DEFAULTS = {"neighborhood_function": NEIGHBORHOODS, "activation_distance": DISTANCES, "decay_function": RATE_DECAYS,
            "sigma_decay_function": SIGMA_DECAYS, "training_order": ORDERS}
SIGMAS = (0.5, 1.0, 1.5, 2.0, 3.0)
RATES = (0.01, 0.3, 0.5, 1.0)
SCALES = (0, -5, 3)
FLAVOURS = ("integer", "float", "duplicates", "sign_symmetric")
#: one strategy per axis, built once (building an option strategy costs milliseconds; examples are many)
OPTIONS = {axis: option(axis, values) for axis, values in DEFAULTS.items()}


@st.composite
def maps(draw, *, max_side: int = 5, min_side: int = 1, max_input_len: int = 4, sigmas=SIGMAS, rates=RATES,
         options: tuple[str, ...] = ()) -> dict:
    """A map: an X × Y grid (independent sides, so mostly non-square), ``input_len``, σ₀, η₀, a seed, and a value of
    each option axis named in ``options`` (drawn inside the example's domain)."""
    ex = {"shape": (draw(st.integers(min_side, max_side), label="x"), draw(st.integers(min_side, max_side), label="y")),
          "input_len": draw(st.integers(1, max_input_len), label="input_len"),
          "sigma": draw(st.sampled_from(sigmas), label="sigma"),
          "learning_rate": draw(st.sampled_from(rates), label="learning_rate"),
          "random_seed": draw(st.integers(0, 2**32 - 1), label="random_seed")}
    for axis in options:
        ex[axis] = draw(OPTIONS[axis], label=axis)
    return ex


@st.composite
def data_sets(draw, d: int, *, min_rows: int = 1, max_rows: int = 12, scales=SCALES) -> np.ndarray:
    """(n, d) data in the flavours of ``properties.strategies.matrices`` — small integers (ties, duplicate rows,
    exact arithmetic), floats, a few distinct rows repeated, sign-symmetric (rows and their negatives) — at scale
    10^e.  The entries come from a drawn seed: Hypothesis' own arrays cost ~8 ms an example, and these invariants
    draw hundreds of data sets."""
    n = draw(st.integers(min_rows, max_rows), label="n")
    flavour = draw(st.sampled_from(FLAVOURS), label="flavour")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="data seed"))
    if flavour == "integer":
        X = rng.integers(-3, 4, size=(n, d)).astype(np.float64)
    elif flavour == "float":
        X = rng.uniform(-1, 1, size=(n, d))
    elif flavour == "duplicates":
        distinct = rng.uniform(-1, 1, size=(int(rng.integers(1, 4)), d))
        X = distinct[rng.integers(0, len(distinct), size=n)]
    else:
        half = rng.uniform(-1, 1, size=((n + 1) // 2, d))
        X = np.concatenate([half, -half])[:n]
    return X * 10.0 ** draw(st.sampled_from(scales), label="scale")


@st.composite
def with_data(draw, maps_strategy, *, min_rows: int = 1, max_rows: int = 12, scales=SCALES) -> dict:
    ex = draw(maps_strategy)
    return {**ex, "data": draw(data_sets(ex["input_len"], min_rows=min_rows, max_rows=max_rows, scales=scales),
                               label="data")}


@st.composite
def with_sample(draw, maps_strategy, *, any_unit: bool = True) -> dict:
    """A map, a sample x (one row of a drawn data set) and — with ``any_unit`` — a drawn unit ``win`` to update
    around (MiniSom's ``update`` takes any unit, not only the winner)."""
    ex = draw(maps_strategy)
    ex["sample"] = draw(data_sets(ex["input_len"], max_rows=1), label="sample")[0]
    if any_unit:
        X, Y = ex["shape"]
        ex["win"] = (draw(st.integers(0, X - 1), label="win i"), draw(st.integers(0, Y - 1), label="win j"))
    ex["T"] = draw(st.integers(1, 100), label="T")
    return ex


def integral(*arrays: np.ndarray, bound: float = 2.0 ** 20) -> bool:
    """Every entry an integer of modest size: sums of squares and of absolute values are exact."""
    return all(np.all(np.mod(a, 1) == 0) and float(np.abs(a).max(initial=0.0)) <= bound for a in arrays)


# ------------------------------------------------------------------ trained maps
#: the map, the data and the training of the trained-map checks (shape, N, σ₀, η₀, T)
TRAINED = {"curve": ((1, 8), 100, 2.0, 0.5, 300), "sheet": ((4, 4), 100, 2.0, 0.5, 300)}


def manifold_data(case: str, seed: int) -> np.ndarray:
    """N points of a 1-D curve (a half circle of radius 1) or a 2-D sheet (the unit square), seeded."""
    rng = np.random.default_rng(seed)
    n = TRAINED[case][1]
    if case == "curve":
        u = rng.random(n) * math.pi
        return np.stack([np.cos(u), np.sin(u)], axis=1)
    return rng.random((n, 2))
