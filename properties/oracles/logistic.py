"""The regularised logistic objective, its gradient and Hessian, and the L1 subgradient conditions.

Computed here from the definitions, never from ``reference/``.  The objective is scikit-learn's,
divided by C·S so that every tolerance below is on one scale (S = Σᵢ sᵢ):

    F(Θ) = C·Σᵢ sᵢ ℓ(yᵢ, zᵢ) + R(W),   zᵢ = Θ x̃ᵢ,   x̃ᵢ = (xᵢ, 1) with an intercept, xᵢ without
    f(Θ) = F(Θ)/(C·S) = (1/S) Σᵢ sᵢ ℓᵢ + R(W)/(C·S)         (penalty None: f = (1/S) Σᵢ sᵢ ℓᵢ)

    binary (K = 2, one row θ):  ℓ = log(1 + e^{z}) − t·z,    t = [y = classes_[1]]
    multinomial (K ≥ 3, K rows): ℓ = log Σ_k e^{z_k} − z_y
    R(W) = ½‖W‖²_F (l2), ‖W‖₁ (l1), 0 (None); the intercept column is never penalised.

Θ is a (K', p) array, K' = 1 for a binary problem and K otherwise, p = d + [fit_intercept], the
intercept in the last column.  sᵢ is the sample weight times the class weight of yᵢ.

Curvature.  For two parameter sets whose scores differ by Δᵢ = z'ᵢ − zᵢ the Hessian of ℓ changes by
at most a factor e^{δᵢ}, δᵢ = max_k Δᵢₖ − min_k Δᵢₖ (|Δᵢ| for a binary row): the softmax Hessian is
vᵀ(diag p − ppᵀ)v = min_c Σ_k p_k(v_k − c)², and every p'_k/p_k lies in [e^{−δᵢ}, e^{δᵢ}].  Hence
two approximate minimisers Θa, Θb of the same f (L2 or None) with ‖∇f‖∞ ≤ Ga, Gb satisfy
‖Π(Θa − Θb)‖₂ ≤ e^{δ}·√m·(Ga + Gb)/μ(Θa), δ = maxᵢ δᵢ, m = K'·p, μ the least eigenvalue of
∇²f(Θa) on the directions f depends on (Π projects out the others: adding one constant to every
class's intercept — or, without a penalty, to every class's coefficient of a feature — changes no
probability).  For any convex f and g ∈ ∂f(Θa): f(Θa) − f(Θ) ≤ ‖g‖∞·‖Θa − Θ‖₁.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

PENALTIES = ("l2", "l1", None)


def logsumexp(Z: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """log Σ e^{z} along ``axis``, shifted by the maximum (no overflow)."""
    m = np.max(Z, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(Z - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def softmax(Z: np.ndarray, axis: int = -1) -> np.ndarray:
    """e^{z_k} / Σ_j e^{z_j} along ``axis``, shifted by the maximum (no overflow)."""
    E = np.exp(Z - np.max(Z, axis=axis, keepdims=True))
    return E / np.sum(E, axis=axis, keepdims=True)


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    """log σ(z) = −log(1 + e^{−z}), finite for every finite z."""
    return -np.logaddexp(0.0, -np.asarray(z, dtype=np.float64))


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1/(1 + e^{−z}) without overflow (scipy's expit)."""
    return expit(np.asarray(z, dtype=np.float64))


def log_softmax(Z: np.ndarray) -> np.ndarray:
    """log softmax(z) row-wise: z_k − log Σ_j e^{z_j}, finite for every finite z."""
    Z = np.asarray(Z, dtype=np.float64)
    return Z - logsumexp(Z, axis=-1, keepdims=True)


@dataclass(frozen=True)
class Problem:
    """One fitting problem: design, class indices 0…K−1, weights sᵢ (sample × class), C and penalty."""

    X: np.ndarray
    yi: np.ndarray
    K: int
    s: np.ndarray
    C: float
    penalty: str | None
    fit_intercept: bool

    @property
    def design(self) -> np.ndarray:
        """X̃ = [X, 1] with an intercept, X without."""
        X = np.asarray(self.X, dtype=np.float64)
        return np.hstack([X, np.ones((X.shape[0], 1))]) if self.fit_intercept else X

    @property
    def rows(self) -> int:
        return 1 if self.K == 2 else self.K

    @property
    def p(self) -> int:
        return self.X.shape[1] + int(self.fit_intercept)

    @property
    def S(self) -> float:
        return float(np.sum(self.s))

    @property
    def penalty_scale(self) -> float:
        """1/(C·S): the weight of R(W) in f."""
        return 0.0 if self.penalty is None else 1.0 / (self.C * self.S)

    def weights_mask(self) -> np.ndarray:
        """True where Θ holds a penalised coefficient (every column but the intercept)."""
        mask = np.ones((self.rows, self.p), dtype=bool)
        if self.fit_intercept:
            mask[:, -1] = False
        return mask

    def data_radius(self) -> float:
        """R = Σ_j maxᵢ |x̃ᵢⱼ| (≥ ‖x̃ᵢ‖₁ ≥ ‖x̃ᵢ‖₂ for every row)."""
        return float(np.abs(self.design).max(axis=0).sum())


def theta(coef: np.ndarray, intercept: np.ndarray | None, fit_intercept: bool) -> np.ndarray:
    """Θ = [coef_, intercept_] as one (K', p) array (the intercept column only with fit_intercept)."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    if not fit_intercept:
        return coef.copy()
    return np.hstack([coef, np.asarray(intercept, dtype=np.float64).reshape(-1, 1)])


def scores(P: Problem, T: np.ndarray) -> np.ndarray:
    """z = X̃ Θᵀ, shape (n, K')."""
    return P.design @ np.asarray(T, dtype=np.float64).T


def residuals(P: Problem, Z: np.ndarray) -> np.ndarray:
    """∂ℓ/∂z: σ(z) − t (binary) or softmax(z) − onehot(y) (multinomial), shape (n, K')."""
    if P.K == 2:
        return sigmoid(Z) - (P.yi == 1).astype(np.float64)[:, None]
    R = softmax(Z, axis=1)
    R[np.arange(len(P.yi)), P.yi] -= 1.0
    return R


def pointwise_loss(P: Problem, Z: np.ndarray) -> np.ndarray:
    if P.K == 2:
        z = Z[:, 0]
        # ℓ = log(1 + e^{z}) − t·z
        return np.logaddexp(0.0, z) - (P.yi == 1) * z
    # ℓ = log Σ_k e^{z_k} − z_y
    return logsumexp(Z, axis=1) - Z[np.arange(len(P.yi)), P.yi]


def penalty_value(P: Problem, T: np.ndarray) -> float:
    W = np.asarray(T)[P.weights_mask()]
    if P.penalty == "l2":
        return 0.5 * float(W @ W)
    if P.penalty == "l1":
        return float(np.abs(W).sum())
    return 0.0


def objective(P: Problem, T: np.ndarray) -> float:
    """f(Θ) = (1/S) Σᵢ sᵢ ℓᵢ + R(W)/(C·S)."""
    return float(P.s @ pointwise_loss(P, scores(P, T))) / P.S + P.penalty_scale * penalty_value(P, T)


def smooth_gradient(P: Problem, T: np.ndarray) -> np.ndarray:
    """∇ of f's smooth part: (1/S) Σᵢ sᵢ rᵢ x̃ᵢᵀ, plus W/(C·S) for l2; shape (K', p)."""
    G = (residuals(P, scores(P, T)) * P.s[:, None]).T @ P.design / P.S
    if P.penalty == "l2":
        G = G + P.penalty_scale * np.where(P.weights_mask(), T, 0.0)
    return G


def min_norm_subgradient(P: Problem, T: np.ndarray) -> np.ndarray:
    """The element of ∂f(Θ) of least norm (= ∇f for l2 and None).

    For l1, per penalised coordinate j with λ = 1/(C·S) and g = ∂ⱼ(smooth part):
    wⱼ ≠ 0 → g + λ·sign(wⱼ);  wⱼ = 0 → sign(g)·max(|g| − λ, 0).  Intercepts: g."""
    T = np.asarray(T, dtype=np.float64)
    G = smooth_gradient(P, T)
    if P.penalty != "l1":
        return G
    lam, mask = P.penalty_scale, P.weights_mask()
    active = mask & (T != 0)
    zero = mask & (T == 0)
    out = G.copy()
    out[active] = G[active] + lam * np.sign(T[active])
    out[zero] = np.sign(G[zero]) * np.maximum(np.abs(G[zero]) - lam, 0.0)
    return out


def hessian(P: Problem, T: np.ndarray) -> np.ndarray:
    """∇² of f's smooth part (with the l2 term), as a (K'p, K'p) matrix over Θ.ravel()."""
    Xt, Z = P.design, scores(P, T)
    if P.K == 2:
        h = P.s * sigmoid(Z[:, 0]) * sigmoid(-Z[:, 0]) / P.S
        H = (Xt * h[:, None]).T @ Xt
    else:
        Pr = softmax(Z, axis=1)
        A = np.einsum("ik,kl->ikl", Pr, np.eye(P.K)) - np.einsum("ik,il->ikl", Pr, Pr)
        H = np.einsum("i,ikl,ia,ib->kalb", P.s / P.S, A, Xt, Xt).reshape(P.rows * P.p, P.rows * P.p)
    if P.penalty == "l2":
        H = H + P.penalty_scale * np.diag(P.weights_mask().ravel().astype(np.float64))
    return H


def null_directions(P: Problem) -> np.ndarray:
    """Directions along which f is constant (rows, over Θ.ravel()): a multinomial model is unchanged by
    adding one constant to every class's intercept, and, without a penalty, to every class's coefficient
    of one feature."""
    if P.K == 2:
        return np.zeros((0, P.rows * P.p))
    cols = [P.p - 1] if P.fit_intercept else []
    if P.penalty is None:
        cols = list(range(P.p))
    out = []
    for j in cols:
        v = np.zeros((P.rows, P.p))
        v[:, j] = 1.0 / np.sqrt(P.rows)
        out.append(v.ravel())
    return np.array(out).reshape(len(out), P.rows * P.p)


def identified(P: Problem, T: np.ndarray) -> np.ndarray:
    """Θ with its null-direction component removed (what every minimiser shares)."""
    v = np.asarray(T, dtype=np.float64).ravel()
    N = null_directions(P)
    return (v - N.T @ (N @ v)).reshape(P.rows, P.p)


def curvature(P: Problem, T: np.ndarray) -> float:
    """μ(Θ): the least eigenvalue of ∇²f(Θ) on the directions f depends on."""
    H = hessian(P, T)
    N = null_directions(P)
    if len(N):
        # an orthonormal basis of the complement of the null directions
        Q = np.linalg.svd(np.eye(H.shape[0]) - N.T @ N)[0][:, : H.shape[0] - len(N)]
        H = Q.T @ H @ Q
    return float(np.linalg.eigvalsh(H)[0])


def score_spread(P: Problem, Ta: np.ndarray, Tb: np.ndarray) -> float:
    """δ = maxᵢ δᵢ: how far the two parameter sets' scores differ, in the sense of the module docstring."""
    D = scores(P, Tb) - scores(P, Ta)
    if P.K == 2:
        return float(np.abs(D).max(initial=0.0))
    return float((D.max(axis=1) - D.min(axis=1)).max(initial=0.0))


def certified_distance(P: Problem, Ta: np.ndarray, Tb: np.ndarray, Ga: float, Gb: float) -> float:
    """An upper bound on ‖Π(Θa − Θb)‖₂ when ‖∇f(Θa)‖∞ ≤ Ga and ‖∇f(Θb)‖∞ ≤ Gb (L2 or None): inf where f is
    not strongly convex at Θa."""
    if P.penalty == "l1":
        raise ValueError("the distance bound needs a strongly convex f (penalty l2 or None)")
    mu = curvature(P, Ta)
    if not mu > 0:
        return np.inf
    m = P.rows * P.p
    with np.errstate(over="ignore"):
        return float(np.exp(score_spread(P, Ta, Tb)) * np.sqrt(m) * (Ga + Gb) / mu)


def probabilities(P: Problem, T: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
    """(m, K) class probabilities: [1 − σ(z), σ(z)] or softmax(z)."""
    Xt = P.design if X is None else (np.hstack([X, np.ones((len(X), 1))]) if P.fit_intercept else X)
    Z = Xt @ np.asarray(T).T
    if P.K == 2:
        return np.hstack([sigmoid(-Z), sigmoid(Z)])
    return softmax(Z, axis=1)


def balanced_class_weights(yi: np.ndarray, K: int, sample_weight: np.ndarray | None = None) -> np.ndarray:
    """'balanced': class k weighs Σᵢ sᵢ / (K·Σ_{yᵢ=k} sᵢ) (counts when there are no sample weights)."""
    s = np.ones(len(yi)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    return s.sum() / (K * np.bincount(yi, weights=s, minlength=K))


def normal_logpdf(x: np.ndarray, mean: float, sd: float) -> np.ndarray:
    """log N(x; mean, sd²), for the logistic distribution's tail comparison."""
    z = (np.asarray(x, dtype=np.float64) - mean) / sd
    return -0.5 * z * z - np.log(sd) - 0.5 * np.log(2 * np.pi)


def probabilities_from_scores(Z: np.ndarray) -> np.ndarray:
    """softmax(z) row-wise (K ≥ 3) from (m, K) scores."""
    return softmax(np.asarray(Z, dtype=np.float64), axis=1)


# ---------------------------------------------------------------------------------------------
# the logistic distribution, location μ and scale γ: z = (x − μ)/γ
# ---------------------------------------------------------------------------------------------
def dist_logpdf(x, mu: float, gamma: float) -> np.ndarray:
    """log f(x) = −|z| − 2·log(1 + e^{−|z|}) − log γ (f is even in z)."""
    a = np.abs((np.asarray(x, dtype=np.float64) - mu) / gamma)
    return -a - 2.0 * np.log1p(np.exp(-a)) - np.log(gamma)


def dist_pdf(x, mu: float, gamma: float) -> np.ndarray:
    """f(x) = e^{−|z|} / (γ·(1 + e^{−|z|})²)."""
    a = np.abs((np.asarray(x, dtype=np.float64) - mu) / gamma)
    e = np.exp(-a)
    return e / (gamma * (1.0 + e) ** 2)


def dist_cdf(x, mu: float, gamma: float) -> np.ndarray:
    """F(x) = σ(z)."""
    return sigmoid((np.asarray(x, dtype=np.float64) - mu) / gamma)


def dist_sf(x, mu: float, gamma: float) -> np.ndarray:
    """1 − F(x) = σ(−z), without cancellation."""
    return sigmoid(-(np.asarray(x, dtype=np.float64) - mu) / gamma)


def dist_ppf(q, mu: float, gamma: float) -> np.ndarray:
    """F⁻¹(q) = μ + γ·log(q/(1 − q)) = μ + γ·(log q − log(1 − q))."""
    q = np.asarray(q, dtype=np.float64)
    return mu + gamma * (np.log(q) - np.log1p(-q))


def dist_mean_var(mu: float, gamma: float) -> tuple[float, float]:
    """E X = μ, Var X = π²γ²/3."""
    return float(mu), float(np.pi ** 2 * gamma ** 2 / 3.0)


def normal_density_crossing(side: float = 1.0) -> float:
    """The z > 0 beyond which the standard logistic density exceeds the density of the normal of equal variance
    (σ = π/√3): the largest root of log f(z) = log φ_σ(z), found by bisection on [0, 10]."""
    sd = np.pi / np.sqrt(3.0)
    h = lambda z: float(dist_logpdf(z, 0.0, 1.0) - normal_logpdf(z, 0.0, sd))  # noqa: E731
    lo, hi = 2.0, 10.0                      # h(2) < 0 < h(10): the outer crossing lies between
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if h(mid) < 0 else (lo, mid)
    return hi


def normal_sf(z: np.ndarray, sd: float) -> np.ndarray:
    """P(N(0, sd²) > z), from the complementary error function (no cancellation)."""
    from scipy.special import erfc

    return 0.5 * erfc(np.asarray(z, dtype=np.float64) / (sd * np.sqrt(2.0)))
