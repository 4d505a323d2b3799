"""Shared Hypothesis strategies that reach the hard cases.

Data matrices come in adversarial flavours, mixed by ``st.one_of`` so that
shrinking moves towards the simplest one: general floats, small integers (ties
and duplicate rows), a few distinct rows repeated, sign-symmetric clouds
(X and −X), and exactly low-rank data.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

FLOAT_BOUND = 1e3


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
        return draw(hnp.arrays(np.int64, (n, d), elements=st.integers(-3, 3))).astype(np.float64)
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
