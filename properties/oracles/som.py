"""Self-organizing map oracles, from the definitions (never from ``reference/``).

* activation distances by definition (Euclidean, Manhattan, Chebyshev ‖x − w‖_∞ = max_k |x_k − w_k|, cosine);
* neighbourhoods h(Δ; σ) by definition, as functions of the grid offset Δ = r_i − r_c;
* the learning-rate and radius schedules by definition;
* the winner by brute force (first minimum in row-major order, ties up to a tolerance reported);
* the quantization error and the bounds of the topographic error over every resolution of tied units;
* online k-means (competitive learning, MacQueen 1967), the σ → 0 limit of SOM training;
* the distance from a point to the convex hull of a point set (a least-squares screen, then a linear program).
"""
from __future__ import annotations

import numpy as np


# ------------------------------------------------------------------ distances: x (d,), W (K, d) → (K,)
def distances(name: str, x: np.ndarray, W: np.ndarray) -> np.ndarray:
    diff = W - x
    if name == "euclidean":
        return np.sqrt(np.einsum("kd,kd->k", diff, diff))
    if name == "manhattan":
        return np.abs(diff).sum(axis=1)
    if name == "chebyshev":
        return np.abs(diff).max(axis=1, initial=0.0)
    if name == "cosine":
        norms = np.sqrt((W * W).sum(axis=1)) * np.sqrt(float(x @ x))
        dots = W @ x
        # 1 − cos θ, with cos θ := 0 where a norm is 0 (the angle is undefined; scikit-learn's convention)
        return 1.0 - np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
    raise ValueError(f"unknown activation distance {name!r}")


# ------------------------------------------------------------------ neighbourhoods on an X × Y grid
def offsets(shape: tuple[int, int], c: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Δ₀, Δ₁ of every unit (shape (X, Y)) from the unit c."""
    i, j = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
    return (i - c[0]).astype(float), (j - c[1]).astype(float)


def neighbourhood(name: str, shape: tuple[int, int], c: tuple[int, int], sigma: float) -> np.ndarray:
    d0, d1 = offsets(shape, c)
    r2 = d0 ** 2 + d1 ** 2
    if name == "gaussian":
        return np.exp(-r2 / (2 * sigma ** 2))
    if name == "mexican_hat":
        return np.exp(-r2 / (2 * sigma ** 2)) * (1 - r2 / sigma ** 2)
    if name == "bubble":
        return ((np.abs(d0) < sigma) & (np.abs(d1) < sigma)).astype(float)
    if name == "triangle":
        return np.clip(sigma - np.abs(d0), 0, None) * np.clip(sigma - np.abs(d1), 0, None)
    raise ValueError(f"unknown neighbourhood {name!r}")


def peak(name: str, sigma: float) -> float:
    """h(0; σ): 1, except the unnormalised triangle's σ²."""
    return sigma ** 2 if name == "triangle" else 1.0


# ------------------------------------------------------------------ schedules
def learning_rate(name: str, eta0: float, t: int, T: int) -> float:
    if name == "asymptotic_decay":
        return eta0 / (1 + 2 * t / T)
    if name == "inverse_decay_to_zero":
        return eta0 * (T / 100) / (T / 100 + t)
    if name == "linear_decay_to_zero":
        return eta0 * (1 - t / T)
    raise ValueError(f"unknown learning-rate schedule {name!r}")


def radius(name: str, sigma0: float, t: int, T: int) -> float:
    if name == "asymptotic_decay":
        return sigma0 / (1 + 2 * t / T)
    if name == "inverse_decay_to_one":
        return sigma0 / (1 + t * (sigma0 - 1) / T)
    if name == "linear_decay_to_one":
        return sigma0 + t * (1 - sigma0) / T
    raise ValueError(f"unknown radius schedule {name!r}")


# ------------------------------------------------------------------ winners
def near_minimum(D: np.ndarray, tol: float) -> np.ndarray:
    """Flat indices of the units within ``tol`` of the minimum distance (tied up to rounding)."""
    return np.flatnonzero(D <= D.min() + tol)


def first_minimum(D: np.ndarray) -> int:
    """The first unit (row-major) at exactly the minimum distance."""
    return int(np.flatnonzero(D == D.min())[0])


def duplicates_before(W: np.ndarray, k: int) -> list[int]:
    """Units before k (row-major) whose codebook vector is bitwise identical to unit k's."""
    return [i for i in range(k) if np.array_equal(W[i], W[k])]


def quantization_error(W: np.ndarray, data: np.ndarray) -> float:
    """QE = (1/N) Σ_n min_k ‖x_n − w_k‖₂ (W flat, (K, d))."""
    return float(np.mean([distances("euclidean", x, W).min() for x in data]))


def adjacent(shape: tuple[int, int], a: int, b: int) -> bool:
    """Units a ≠ b (flat, row-major) are neighbours on the grid: one step at most along each axis."""
    (a0, a1), (b0, b1) = divmod(a, shape[1]), divmod(b, shape[1])
    return max(abs(a0 - b0), abs(a1 - b1)) <= 1


def topographic_error_bounds(W: np.ndarray, data: np.ndarray, shape: tuple[int, int], tol: float) -> tuple[float, float]:
    """[TE_min, TE_max]: the topographic error (Kiviluoto 1996) under every way of ordering units whose
    distances are tied up to ``tol``.  A sample errs when its best and second-best units are not adjacent."""
    certain = possible = 0
    for x in data:
        D = distances("euclidean", x, W)
        order = np.argsort(D, kind="stable")
        first = np.flatnonzero(D <= D[order[0]] + tol)
        if len(first) >= 2:
            pairs = [(a, b) for a in first for b in first if a != b]
        else:
            second = np.flatnonzero((D <= D[order[1]] + tol) & (np.arange(len(D)) != first[0]))
            pairs = [(int(first[0]), int(b)) for b in second]
        errs = [not adjacent(shape, int(a), int(b)) for a, b in pairs]
        certain += all(errs)
        possible += any(errs)
    return certain / len(data), possible / len(data)


# ------------------------------------------------------------------ σ → 0: online k-means
def online_kmeans(W0: np.ndarray, data: np.ndarray, T: int, eta) -> np.ndarray:
    """MacQueen's online k-means with step sizes η(t): at t = 0 … T−1 take x = x_{t mod N}, its nearest centre
    c (first in row-major order on ties) moves: w_c ← w_c + η(t)(x − w_c).  W0 flat (K, d)."""
    W = np.array(W0, dtype=np.float64, copy=True)
    for t in range(T):
        x = data[t % len(data)]
        c = first_minimum(distances("euclidean", x, W))
        W[c] = W[c] + eta(t) * (x - W[c])
    return W


# ------------------------------------------------------------------ convex hull
HULL_WEIGHT = 10.0  # weight of the row Σλ = 1 in the non-negative least-squares screen


def distance_to_hull(w: np.ndarray, P: np.ndarray, within: float) -> float:
    """How far w lies from conv P: a certified upper bound on the Euclidean distance when that bound is ≤ ``within``
    (w is inside up to ``within``), else the exact L1 distance min_{λ ∈ simplex} ‖Σ_p λ_p P_p − w‖₁ of a linear
    program.

    The screen solves min_{λ ≥ 0} ‖Pᵀλ − w‖² + M²(Σλ − 1)² (non-negative least squares, M = HULL_WEIGHT); its
    residual r bounds the distance from w to the point Pᵀλ/Σλ of the hull by r(1 + ‖w‖/M)/(1 − r/M)."""
    from scipy.optimize import linprog, nnls  # imported here: scipy.optimize takes seconds to import

    n, d = P.shape
    A = np.vstack([P.T, HULL_WEIGHT * np.ones((1, n))])
    lam, r = nnls(A, np.concatenate([w, [HULL_WEIGHT]]))
    if r < HULL_WEIGHT:
        bound = r * (1 + float(np.linalg.norm(w)) / HULL_WEIGHT) / (1 - r / HULL_WEIGHT)
        if bound <= within:
            return bound
    # variables: λ (n), s⁺ (d), s⁻ (d) ≥ 0;  Pᵀλ + s⁺ − s⁻ = w,  Σλ = 1;  minimise Σ s⁺ + s⁻
    A_eq = np.zeros((d + 1, n + 2 * d))
    A_eq[:d, :n] = P.T
    A_eq[:d, n:n + d] = np.eye(d)
    A_eq[:d, n + d:] = -np.eye(d)
    A_eq[d, :n] = 1.0
    b_eq = np.concatenate([w, [1.0]])
    cost = np.concatenate([np.zeros(n), np.ones(2 * d)])
    res = linprog(cost, A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if res.status != 0:
        raise RuntimeError(f"the convex-hull linear program failed: {res.message}")
    return float(res.fun)
