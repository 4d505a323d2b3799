"""Brute-force and closed-form oracles for normalizing flows, continuous flows and flow matching (float64).

* **Jacobians by autograd** (:func:`jacobians`): ∂f/∂x of a batch map, one row at a time (a map that mixes the rows
  of its batch shows), by reverse mode vectorised over the outputs; its log|det| by ``slogdet`` (:func:`log_abs_det`).
* **Densities**: log N(x; μ, Σ) (:func:`gaussian_log_prob`); the exact Gaussian pushforward of a linear ODE
  (:func:`linear_flow_map`); adaptive Gauss–Kronrod quadrature of a density over a box in 1-D and 2-D with its own
  error estimate (:func:`adaptive_integral`).
* **ODE flow maps** (:func:`flow_map`): y = z(t₁) and ∂y/∂x from the variational equation dJ/dt = (∂f/∂z) J, by
  scipy's DOP853 at rtol = 1e-12 — Liouville's formula log|det J| = ∫ tr ∂f/∂z dt is then checked, not assumed.
* **Hutchinson's estimator** (:func:`hutchinson_variance`, :func:`mean_deviation_bound`,
  :func:`variance_deviation_bound`): per-probe variances and non-asymptotic deviation bounds for the mean and the
  variance of N iid estimates, at a stated false-alarm rate.
* **Flow matching** (:func:`ot_path`, :func:`ot_velocity`, :func:`gaussian_marginal_velocity`,
  :func:`gaussian_min_loss`): the conditional OT path of Lipman et al. (2023) and its Gaussian-to-Gaussian closed form.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from scipy.integrate import solve_ivp
from scipy.linalg import expm

# ------------------------------------------------------------------------------------------ Jacobians


def jacobians(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """(n, d_out, d_in): the Jacobian of ``fn`` at each row of x, each row evaluated alone as a batch of one, by
    reverse-mode autograd vectorised over the output coordinates (``torch.autograd.functional.jacobian``, whose
    forward pass is plain torch, so implementations that validate their input with Python control flow work)."""
    x = x.detach().to(torch.float64)
    rows = []
    for xi in x:
        one = lambda v: fn(v[None])[0]  # noqa: E731
        try:
            J = torch.autograd.functional.jacobian(one, xi.clone(), vectorize=True)
        except (RuntimeError, NotImplementedError):   # code the vectorised backward cannot batch: one pass per output
            J = torch.autograd.functional.jacobian(one, xi.clone())
        rows.append(J.detach())
    return torch.stack(rows)


def log_abs_det(J: torch.Tensor) -> torch.Tensor:
    return torch.linalg.slogdet(J.to(torch.float64))[1]


def triangular_order(J: np.ndarray) -> list[int] | None:
    """An order of the coordinates in which every Jacobian in J (n, d, d) is lower triangular (output i depends on
    input j only if j comes no later than i), or None when the dependency graph has a cycle."""
    depends = (np.abs(J) > 0).any(axis=0)
    np.fill_diagonal(depends, False)
    d, order, placed = depends.shape[0], [], set()
    while len(order) < d:
        ready = [i for i in range(d) if i not in placed and all(j in placed for j in np.flatnonzero(depends[i]))]
        if not ready:
            return None
        order += ready
        placed.update(ready)
    return order


# ------------------------------------------------------------------------------------------- densities

LOG_2PI = math.log(2 * math.pi)


def standard_normal_log_prob(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    return -0.5 * np.sum(z * z, axis=-1) - 0.5 * z.shape[-1] * LOG_2PI


def gaussian_log_prob(x: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """log N(x; μ, Σ) by a Cholesky factor."""
    L = np.linalg.cholesky(cov)
    r = np.linalg.solve(L, (np.asarray(x) - mean).T).T
    return -0.5 * np.sum(r * r, axis=-1) - np.sum(np.log(np.diag(L))) - 0.5 * len(mean) * LOG_2PI


def linear_flow_map(A: np.ndarray, weight: float) -> np.ndarray:
    """M = exp(w A): the flow map of dz/dt = c(t) A z over an interval where ∫ c(t) dt = w."""
    return expm(weight * np.asarray(A, dtype=np.float64))


# Gauss–Kronrod 7/15 on [−1, 1]: the 15 Kronrod nodes contain the 7 Gauss nodes (every other one, odd positions)
_XGK = (0.991455371120812639206854697526329, 0.949107912342758524526189684047851, 0.864864423359769072789712788640926,
        0.741531185599394439863864773280788, 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
        0.207784955007898467600689403773245, 0.0)
_WGK = (0.022935322010529224963732008058970, 0.063092092629978553290700663189204, 0.104790010322250183839876322541518,
        0.140653259715525918745189590510238, 0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
        0.204432940075298892414161999234649, 0.209482141084727828012999174891714)
_WG = (0.129484966168869693270611432679082, 0.279705391489276667901467771423780, 0.381830050505118944950369775488975,
       0.417959183673469387755102040816327)
_K15_NODES = np.array([-v for v in _XGK[:7]] + [0.0] + list(reversed(_XGK[:7])))
_K15_WEIGHTS = np.array(list(_WGK[:7]) + [_WGK[7]] + list(reversed(_WGK[:7])))
_G7_WEIGHTS = np.zeros(15)
_G7_WEIGHTS[1::2] = list(_WG) + list(reversed(_WG[:3]))


def adaptive_integral(density: Callable[[np.ndarray], np.ndarray], lo, hi, tol: float, budget: int,
                      initial: int = 1) -> tuple[float, float, bool]:
    """(∫ density over the box [lo, hi] (dimension 1 or 2), error estimate, converged) by h-adaptive Gauss–Kronrod:
    every cell gets the (tensor-product) K15 rule and its embedded G7 rule, |K15 − G7| bounds the cell's error
    (conservatively: K15 is the far more accurate of the two), and a cell whose error exceeds its share of ``tol``
    (in proportion to its volume) is halved along each axis.  The box starts as ``initial``^dim cells; the density is
    evaluated in one batch per round, so kinks (ReLU networks, spline knots) are refined where they are.  When the
    evaluation budget runs out, the open cells count with their error estimates and ``converged`` is False."""
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    dim = len(lo)
    if dim == 1:
        nodes, wk, wg = _K15_NODES[:, None], _K15_WEIGHTS, _G7_WEIGHTS
    else:
        a, b = np.meshgrid(_K15_NODES, _K15_NODES, indexing="ij")
        nodes = np.stack([a.ravel(), b.ravel()], axis=1)
        wk, wg = np.outer(_K15_WEIGHTS, _K15_WEIGHTS).ravel(), np.outer(_G7_WEIGHTS, _G7_WEIGHTS).ravel()
    volume = float(np.prod(hi - lo))
    steps = [np.linspace(lo[k], hi[k], initial + 1) for k in range(dim)]
    index = np.array(np.meshgrid(*[np.arange(initial)] * dim, indexing="ij")).reshape(dim, -1).T
    c_lo = np.array([[steps[k][i[k]] for k in range(dim)] for i in index])
    c_hi = np.array([[steps[k][i[k] + 1] for k in range(dim)] for i in index])
    corners = np.array(np.meshgrid(*[[False, True]] * dim, indexing="ij")).reshape(dim, -1).T    # (2^dim, dim)
    value, error, evaluations = 0.0, 0.0, 0
    while len(c_lo):
        mid, half = (c_lo + c_hi) / 2, (c_hi - c_lo) / 2
        pts = (mid[:, None, :] + half[:, None, :] * nodes[None]).reshape(-1, dim)
        f = np.asarray(density(pts), dtype=np.float64).reshape(len(c_lo), len(nodes))
        evaluations += len(pts)
        jac = np.prod(half, axis=1)
        K, G = jac * (f @ wk), jac * (f @ wg)
        err = np.abs(K - G)
        out_of_budget = evaluations + len(corners) * len(pts) > budget
        done = (err <= tol * np.prod(2 * half, axis=1) / volume) | out_of_budget
        value += float(K[done].sum())
        error += float(err[done].sum())
        if out_of_budget:
            return value, error, False
        keep = ~done
        lo_k, hi_k, mid_k = c_lo[keep], c_hi[keep], mid[keep]
        c_lo = np.concatenate([np.where(bits, mid_k, lo_k) for bits in corners]) if keep.any() else c_lo[:0]
        c_hi = np.concatenate([np.where(bits, hi_k, mid_k) for bits in corners]) if keep.any() else c_hi[:0]
    return value, error, True


def gaussian_tail_mass(dim: int, radius: float) -> float:
    """P(‖u‖ > radius) for u ~ N(0, I_dim), dim ∈ {1, 2}."""
    return math.erfc(radius / math.sqrt(2)) if dim == 1 else math.exp(-radius * radius / 2)


# ------------------------------------------------------------------------------------------ ODE flow maps


def flow_map(field: Callable[[float, np.ndarray], np.ndarray], jacobian: Callable[[float, np.ndarray], np.ndarray],
             x: np.ndarray, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
    """(y, J) for each row of x: y = z(t₁) of dz/dt = f(t, z), z(t₀) = x, and J = ∂y/∂x from the variational equation
    dJ/dt = ∂f/∂z(t, z) J, J(t₀) = I, solved together by DOP853 at rtol = 1e-12, atol = 1e-14."""
    x = np.asarray(x, dtype=np.float64)
    n, d = x.shape

    def rhs(t, state):
        z = state[: n * d].reshape(n, d)
        J = state[n * d:].reshape(n, d, d)
        return np.concatenate([field(t, z).ravel(), np.einsum("nij,njk->nik", jacobian(t, z), J).ravel()])

    start = np.concatenate([x.ravel(), np.broadcast_to(np.eye(d), (n, d, d)).ravel()])
    sol = solve_ivp(rhs, (t0, t1), start, method="DOP853", rtol=1e-12, atol=1e-14)
    if not sol.success:
        raise RuntimeError(f"the oracle's ODE solve failed: {sol.message}")
    end = sol.y[:, -1]
    return end[: n * d].reshape(n, d), end[n * d:].reshape(n, d, d)


class LinearField:
    """f(t, z) = c(t) A z with c(t) = a + b t: its flow map over [t₀, t₁] is exp(W A), W = ∫ c = a(t₁ − t₀) +
    b(t₁² − t₀²)/2, and its divergence tr ∂f/∂z = c(t) tr A, so ∫ tr = W tr A."""

    def __init__(self, A: np.ndarray, a: float, b: float) -> None:
        self.A, self.a, self.b = np.asarray(A, dtype=np.float64), float(a), float(b)
        self.torch_A = torch.tensor(self.A)

    def weight(self, t0: float, t1: float) -> float:
        return self.a * (t1 - t0) + self.b * (t1 * t1 - t0 * t0) / 2

    def __call__(self, t, z: torch.Tensor) -> torch.Tensor:
        c = self.a + self.b * torch.as_tensor(t, dtype=z.dtype)
        return c * (z @ self.torch_A.to(z.dtype).T)


class MLPField:
    """f(t, z) = W₂ tanh(W₁ z + c t + b₁): a smooth field with closed-form ∂f/∂z = W₂ diag(1 − tanh²) W₁, in numpy
    for the oracle and in torch for the implementation under test."""

    def __init__(self, W1: np.ndarray, b1: np.ndarray, c: np.ndarray, W2: np.ndarray) -> None:
        self.W1, self.b1, self.c, self.W2 = (np.asarray(a, dtype=np.float64) for a in (W1, b1, c, W2))
        self.torch_params = [torch.tensor(a) for a in (self.W1, self.b1, self.c, self.W2)]

    def numpy(self, t: float, z: np.ndarray) -> np.ndarray:
        return np.tanh(z @ self.W1.T + self.c * t + self.b1) @ self.W2.T

    def numpy_jacobian(self, t: float, z: np.ndarray) -> np.ndarray:
        g = 1 - np.tanh(z @ self.W1.T + self.c * t + self.b1) ** 2             # (n, h)
        return np.einsum("ih,nh,hj->nij", self.W2, g, self.W1)

    def __call__(self, t, z: torch.Tensor) -> torch.Tensor:
        W1, b1, c, W2 = (p.to(z.dtype) for p in self.torch_params)
        return torch.tanh(z @ W1.T + c * torch.as_tensor(t, dtype=z.dtype) + b1) @ W2.T


# ----------------------------------------------------------------------------------- Hutchinson's estimator


def sym(A: np.ndarray) -> np.ndarray:
    return 0.5 * (A + A.T)


def hutchinson_variance(A: np.ndarray, probe: str) -> float:
    """Var(εᵀAε): 2‖S‖²_F for ε ~ N(0, I) and 2(‖S‖²_F − Σ S_ii²) for Rademacher ε, S = (A + Aᵀ)/2
    (Hutchinson 1990; Avron & Toledo 2011, Lemmas 1 and 2)."""
    S = sym(A)
    total = float(np.sum(S * S))
    return 2 * total if probe == "gaussian" else 2 * (total - float(np.sum(np.diag(S) ** 2)))


def mean_deviation_bound(A: np.ndarray, probe: str, n: int, alpha: float) -> float:
    """u with P(|mean of n iid εᵀAε − tr A| ≥ u) ≤ alpha, non-asymptotically.

    Rademacher: εᵀAε − tr A = Σ_{i<j} 2S_ij ε_iε_j lies in [−B, B], B = Σ_{i<j} 2|S_ij|, so Hoeffding's inequality
    gives u = B √(2 ln(2/α)/n).  Gaussian: εᵀAε − tr A = Σ λ_i(ξ_i² − 1) over the eigenvalues λ of S; splitting the
    positive and negative λ and applying Laurent & Massart (2000, Lemma 1) to each of the 2 tails of each part with
    x = ln(4/α): n·|mean − tr A| ≤ 2√(n x)(‖λ⁺‖₂ + ‖λ⁻‖₂) + 2x·max|λ|."""
    S = sym(A)
    if probe == "rademacher":
        B = float(np.sum(np.abs(np.triu(S, 1)))) * 2
        return B * math.sqrt(2 * math.log(2 / alpha) / n)
    lam = np.linalg.eigvalsh(S)
    x = math.log(4 / alpha)
    pos, neg = np.linalg.norm(lam[lam > 0]), np.linalg.norm(lam[lam < 0])
    return (2 * math.sqrt(n * x) * (pos + neg) + 2 * x * float(np.max(np.abs(lam)))) / n


def gaussian_fourth_moment(A: np.ndarray) -> float:
    """E(εᵀAε − tr A)⁴ for Gaussian ε: κ₄ + 3κ₂² with the cumulants κ₂ = 2Σλ², κ₄ = 48Σλ⁴ of Σλ_i(ξ_i² − 1)."""
    lam = np.linalg.eigvalsh(sym(A))
    return 48 * float(np.sum(lam ** 4)) + 3 * (2 * float(np.sum(lam ** 2))) ** 2


def variance_deviation_bound(A: np.ndarray, probe: str, n: int, alpha: float) -> tuple[str, float, int]:
    """A test of the second moment V = mean (εᵀAε − tr A)² (tr A known) against Var(εᵀAε), at false-alarm ≤ alpha:
    (statistic, bound, groups).

    Rademacher: each (εᵀAε − tr A)² lies in [0, B²], Hoeffding: |V − σ²| ≤ B² √(ln(2/α)/(2n)) (statistic "mean",
    groups 1).  Gaussian: the squares are heavy-tailed, so the median of K = ⌈8 ln(1/α)⌉ group means is used
    (Lugosi & Mendelson 2019, Thm 2 with Chebyshev per group): |median − σ²| ≤ 2√((μ₄ − σ⁴)/m), m = ⌊n/K⌋ per group,
    fails with probability ≤ e^{−K/8} ≤ α."""
    S = sym(A)
    if probe == "rademacher":
        B = float(np.sum(np.abs(np.triu(S, 1)))) * 2
        return "mean", B * B * math.sqrt(math.log(2 / alpha) / (2 * n)), 1
    groups = math.ceil(8 * math.log(1 / alpha))
    m = n // groups
    if m < 1:
        raise ValueError(f"{n} estimates cannot fill {groups} groups")
    sigma2 = hutchinson_variance(A, "gaussian")
    return "median_of_means", 2 * math.sqrt((gaussian_fourth_moment(A) - sigma2 ** 2) / m), groups


def second_moment_statistic(estimates: np.ndarray, mean: float, statistic: str, groups: int) -> float:
    sq = (np.asarray(estimates, dtype=np.float64) - mean) ** 2
    if statistic == "mean":
        return float(sq.mean())
    m = len(sq) // groups
    return float(np.median(sq[: m * groups].reshape(groups, m).mean(axis=1)))


# --------------------------------------------------------------------------------------- flow matching


def ot_path(x0: np.ndarray, x1: np.ndarray, t: np.ndarray, sigma_min: float) -> np.ndarray:
    """ψ_t(x₀ | x₁) = (1 − (1 − σ_min) t) x₀ + t x₁ (Lipman et al. 2023, eq. 22)."""
    t = np.asarray(t, dtype=np.float64)[:, None]
    return (1 - (1 - sigma_min) * t) * x0 + t * x1


def ot_velocity(x0: np.ndarray, x1: np.ndarray, sigma_min: float) -> np.ndarray:
    """d/dt ψ_t(x₀ | x₁) = x₁ − (1 − σ_min) x₀ (Lipman et al. 2023, eq. 23)."""
    return x1 - (1 - sigma_min) * x0


def gaussian_marginal_velocity(x: np.ndarray, t: np.ndarray, m: np.ndarray, s: float, sigma_min: float) -> np.ndarray:
    """v*(x, t) = E[x₁ − (1 − σ)x₀ | x_t = x] for x₀ ~ N(0, I), x₁ ~ N(m, s²I) independent: with a = 1 − (1 − σ)t,
    x_t ~ N(t m, (a² + t²s²) I) and Cov(u, x_t) = (t s² − (1 − σ) a) I, so v* = m + k(t)(x − t m),
    k(t) = (t s² − (1 − σ) a)/(a² + t² s²)."""
    t = np.asarray(t, dtype=np.float64)[:, None]
    a = 1 - (1 - sigma_min) * t
    k = (t * s * s - (1 - sigma_min) * a) / (a * a + t * t * s * s)
    return m + k * (x - t * m)


def gaussian_min_loss(t: np.ndarray, s: float, sigma_min: float, dim: int) -> float:
    """min_v E‖v(x_t, t) − u‖² averaged over the given t's: per t, d·(Var u − Cov(u, x_t)²/Var x_t) with
    Var u = s² + (1 − σ)² per coordinate — the residual variance of u after regressing it on x_t."""
    t = np.asarray(t, dtype=np.float64)
    a = 1 - (1 - sigma_min) * t
    var_u = s * s + (1 - sigma_min) ** 2
    cov = t * s * s - (1 - sigma_min) * a
    return float(np.mean(dim * (var_u - cov * cov / (a * a + t * t * s * s))))


def moment_matched_pairs(m: np.ndarray, s: float) -> tuple[np.ndarray, np.ndarray]:
    """(x₀, x₁) rows whose empirical law has exactly the first and second moments of N(0, I) ⊗ N(m, s²I): every pair of
    sign vectors e, e' ∈ {±1}^d gives x₀ = e, x₁ = m + s e'.  Any loss quadratic in (x₀, x₁) — the flow-matching loss
    of an affine field — has the same value on these 4^d rows as in expectation."""
    d = len(m)
    signs = np.array(np.meshgrid(*[[-1.0, 1.0]] * d, indexing="ij")).reshape(d, -1).T          # (2^d, d)
    x0 = np.repeat(signs, len(signs), axis=0)
    x1 = m + s * np.tile(signs, (len(signs), 1))
    return x0, x1
