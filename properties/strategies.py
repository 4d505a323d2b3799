"""Shared strategies for the data hazards every topic meets, and the helpers that go with them.

* **Adversarial matrices** (:func:`matrices`): general floats, small integers (ties and duplicate rows),
  a few distinct rows repeated, sign-symmetric clouds (X and −X), exactly low-rank data — mixed by
  ``st.one_of``-style flavours so that shrinking moves towards the simplest.
* **Integer grids and ties** (:func:`integer_grids`): every coordinate on a few levels.
* **A chosen spectrum** (:func:`spectral_data`): data whose sample covariance has exactly the eigenvalues
  drawn — repeated and near-repeated ones included — in a random orientation.
* **Scale** (:func:`at_scale`): the same data at 1e-5, 1 and 1e3, so a tolerance that is really absolute shows.
* **Data whose spread float64 resolves** (:func:`resolvable`) and **its relative unit** (:func:`unit`,
  :func:`column_units`): constant data (whose computed mean is off by an ulp, so "centred" data is a spurious
  ±1e-15), spreads whose squares underflow, and spreads below ~1e-4 of the magnitude (where centring or a
  translation rounds the variance away) are not data any method can be judged on; tolerances are relative to
  the data's own spread, never floored at 1.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

FLOAT_BOUND = 1e3
MIN_TOTAL_VARIANCE = 1e-100  # below it Σ var is at or near float64 underflow: ratios are 0/0
MIN_RELATIVE_SPREAD = 1e-4   # spread / magnitude: centring round-off (≈ n·ε·max|X|) stays ≤ 1e-9 of the spread


def finite_floats(bound: float = FLOAT_BOUND) -> st.SearchStrategy[float]:
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, allow_subnormal=False, width=64)


@st.composite
def matrices(draw, *, min_rows: int = 1, max_rows: int = 30, min_cols: int = 1, max_cols: int = 6,
             flavours: tuple[str, ...] = ("integer", "float", "duplicates", "sign_symmetric", "low_rank")) -> np.ndarray:
    """An (n, d) float64 matrix in one of several adversarial flavours."""
    n = draw(st.integers(min_rows, max_rows), label="n")
    d = draw(st.integers(min_cols, max_cols), label="d")
    flavour = draw(st.sampled_from(flavours), label="flavour")
    if flavour == "integer":
        return draw(integer_grids(n, d))
    if flavour == "float":
        return draw(hnp.arrays(np.float64, (n, d), elements=finite_floats()))
    if flavour == "duplicates":
        distinct = draw(hnp.arrays(np.float64, (draw(st.integers(1, 3)), d), elements=finite_floats()))
        picks = draw(hnp.arrays(np.int64, n, elements=st.integers(0, distinct.shape[0] - 1)))
        return distinct[picks]
    if flavour == "sign_symmetric":
        half = draw(hnp.arrays(np.float64, ((n + 1) // 2, d), elements=finite_floats()))
        return np.concatenate([half, -half])[:n] if n > 1 else half[:n]
    if flavour == "low_rank":
        r = draw(st.integers(1, max(1, d - 1)))
        a = draw(hnp.arrays(np.int64, (n, r), elements=st.integers(-4, 4))).astype(np.float64)
        b = draw(hnp.arrays(np.int64, (r, d), elements=st.integers(-4, 4))).astype(np.float64)
        return a @ b
    raise ValueError(f"unknown flavour {flavour!r}")


def integer_grids(n: int, d: int, low: int = -3, high: int = 3) -> st.SearchStrategy[np.ndarray]:
    """(n, d) float64 with every entry an integer in [low, high]: ties, duplicate rows, exact arithmetic."""
    return hnp.arrays(np.int64, (n, d), elements=st.integers(low, high)).map(lambda a: a.astype(np.float64))


def orthogonal_matrices(d: int) -> st.SearchStrategy[np.ndarray]:
    """Haar-like orthogonal d×d matrices from the QR factorisation of a drawn matrix."""
    def to_q(a: np.ndarray) -> np.ndarray:
        q, r = np.linalg.qr(a)
        signs = np.sign(np.diag(r))
        signs[signs == 0] = 1.0
        return q * signs
    well_conditioned = hnp.arrays(np.float64, (d, d), elements=st.floats(-1, 1, width=64)).filter(
        lambda a: np.linalg.cond(a) < 1e6)
    return well_conditioned.map(to_q)


@st.composite
def spectra(draw, d: int) -> np.ndarray:
    """d eigenvalues, descending, with repeated and near-repeated values (relative gaps 0, 1e-9, 1e-6)."""
    pattern = draw(st.sampled_from(("repeated", "near_repeated", "all_equal", "distinct")), label="spectrum")
    base = np.sort(draw(hnp.arrays(np.float64, d, elements=st.sampled_from((0.25, 1.0, 2.0, 9.0)))))[::-1]
    if pattern == "all_equal":
        return np.full(d, base[0])
    if pattern == "distinct":
        return np.sort(base * (1 + 0.5 * np.arange(d)))[::-1]
    j = draw(st.integers(0, max(d - 2, 0)), label="tied pair")
    lam = np.sort(base * (1 + 0.5 * np.arange(d)))[::-1]
    if d >= 2:
        gap = 0.0 if pattern == "repeated" else draw(st.sampled_from((1e-9, 1e-6)), label="relative gap")
        lam[j + 1] = lam[j] * (1 - gap)
        lam = np.sort(lam)[::-1]
    return lam


@st.composite
def spectral_data(draw, *, max_rows: int = 25, max_cols: int = 5) -> np.ndarray:
    """(n, d) data, n > d, whose ddof = 1 sample covariance is Q diag(λ) Qᵀ for drawn λ (see :func:`spectra`)
    and a drawn rotation Q: X = √(n−1)·Z·diag(√λ)·Qᵀ + μ with Z orthonormal, centred columns."""
    d = draw(st.integers(2, max_cols), label="d")
    n = draw(st.integers(d + 2, max(d + 2, max_rows)), label="n")
    lam = draw(spectra(d), label="λ")
    Q = draw(orthogonal_matrices(d), label="Q")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    A = rng.standard_normal((n, d))
    A -= A.mean(axis=0)
    Z, _ = np.linalg.qr(A)                      # orthonormal columns, each still centred (they span centred vectors)
    mu = draw(hnp.arrays(np.float64, d, elements=st.integers(-5, 5).map(float)), label="μ")
    return np.sqrt(n - 1) * (Z * np.sqrt(lam)) @ Q.T + mu


def at_scale(strategy: st.SearchStrategy[np.ndarray], exponents=(0, -5, 3)) -> st.SearchStrategy[np.ndarray]:
    """``strategy``'s arrays multiplied by 10^e for a drawn e (the first exponent is the simplest)."""
    return st.tuples(strategy, st.sampled_from(exponents)).map(lambda xe: xe[0] * 10.0 ** xe[1])


def resolvable(X: np.ndarray, offset: float = 0.0) -> bool:
    """Data whose variance float64 can resolve: not constant, no underflow, and a spread that stands above
    the round-off of centring (and of adding an ``offset`` of that size) — the module docstring."""
    X = np.asarray(X, dtype=np.float64)
    spread = float(np.ptp(X, axis=0).max())
    magnitude = float(np.abs(X).max()) + offset
    total = float(X.var(axis=0, ddof=1).sum()) if X.shape[0] > 1 else 0.0
    return spread > MIN_RELATIVE_SPREAD * magnitude and total > MIN_TOTAL_VARIANCE


def unit(X: np.ndarray) -> float:
    """s = max |X − X̄|: the data's own unit, so that tolerances are relative at every scale (never floored
    at 1: data of size 1e-5 is judged as strictly as data of size 1)."""
    X = np.asarray(X, dtype=np.float64)
    return float(np.abs(X - X.mean(axis=0)).max(initial=0.0))


def column_units(X: np.ndarray) -> np.ndarray:
    """s_j = max_i |X_ij − X̄_j| per column (1 for a constant column, which has no unit of its own)."""
    X = np.asarray(X, dtype=np.float64)
    s = np.abs(X - X.mean(axis=0)).max(axis=0, initial=0.0)
    return np.where(s > 0, s, 1.0)
