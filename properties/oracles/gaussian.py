"""Closed-form oracles for diffusion on Gaussian data, Gaussian mixtures and a single data point (numpy, float64).

Under the variance-preserving forward process q(x_t | x_0) = N(√ᾱ x_0, (1 − ᾱ) I) (Ho et al. 2020, eq. 4):

* data N(μ, Σ)             → marginal q_t = N(√ᾱ μ, C_t),  C_t = ᾱ Σ + (1 − ᾱ) I;
* data Σ_k w_k N(μ_k, Σ_k) → marginal Σ_k w_k N(√ᾱ μ_k, ᾱ Σ_k + (1 − ᾱ) I);
* data δ(x_0)              → marginal N(√ᾱ x_0, (1 − ᾱ) I).

The exact (MMSE) noise prediction is ε*(x_t, t) = E[ε | x_t] = −√(1 − ᾱ) ∇ log q_t(x_t) (Tweedie; Vincent 2011 /
Song et al. 2021, eq. (11) of the DDIM paper's appendix), so for Gaussian data ε* is affine in x_t and every DDIM /
DDPM step driven by it is an affine map of (x_t, z): Gaussians stay Gaussian and their mean and covariance are
propagated exactly (:func:`propagate_affine`).

Matrix square roots are taken by the eigen route on symmetric matrices (``numpy.linalg.eigh``), not
``scipy.linalg.sqrtm``: the Fréchet distance's cross term tr((C₁^{1/2} C₂ C₁^{1/2})^{1/2}) is a function of a
symmetric positive semi-definite matrix, for which ``eigh`` is backward stable, always real, and lets tiny negative
round-off eigenvalues be clipped to 0; ``sqrtm`` of the non-symmetric product C₁C₂ (the common FID code) can return
spurious imaginary parts and loses accuracy when C₁C₂ is ill-conditioned.
"""
from __future__ import annotations

import numpy as np

# ------------------------------------------------------------------------------------------- helpers


def _sym(a: np.ndarray) -> np.ndarray:
    return 0.5 * (a + a.T)


def sqrtm_psd(a: np.ndarray) -> np.ndarray:
    """The symmetric PSD square root by ``eigh`` (negative round-off eigenvalues clipped to 0)."""
    w, v = np.linalg.eigh(_sym(np.asarray(a, dtype=np.float64)))
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def random_spd(d: int, rng: np.random.Generator, cond: float = 10.0) -> np.ndarray:
    """An anisotropic SPD matrix: random rotation, eigenvalues log-spaced on [1/√cond, √cond]."""
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    eig = np.logspace(-0.5, 0.5, d) ** np.log10(cond) if d > 1 else np.ones(1)
    return _sym((q * eig) @ q.T)


# --------------------------------------------------------------------------------- Gaussian data


def noised_gaussian(mu: np.ndarray, sigma: np.ndarray, alpha_bar: float) -> tuple[np.ndarray, np.ndarray]:
    """q_t for data N(μ, Σ): (√ᾱ μ, ᾱ Σ + (1 − ᾱ) I)."""
    mu, sigma = np.asarray(mu, float), np.asarray(sigma, float)
    return np.sqrt(alpha_bar) * mu, alpha_bar * sigma + (1 - alpha_bar) * np.eye(len(mu))


def gaussian_eps_affine(mu: np.ndarray, sigma: np.ndarray, alpha_bar: float) -> tuple[np.ndarray, np.ndarray]:
    """(A, b) with ε*(x) = A x + b:  A = √(1 − ᾱ) C_t⁻¹,  b = −A √ᾱ μ."""
    m, c = noised_gaussian(mu, sigma, alpha_bar)
    a = np.sqrt(1 - alpha_bar) * np.linalg.inv(c)
    return _sym(a), -a @ m


def gaussian_score(x: np.ndarray, mu: np.ndarray, sigma: np.ndarray, alpha_bar: float) -> np.ndarray:
    """∇ log q_t(x) = −C_t⁻¹ (x − √ᾱ μ), rows of ``x`` are points."""
    m, c = noised_gaussian(mu, sigma, alpha_bar)
    return -np.linalg.solve(c, (np.atleast_2d(x) - m).T).T.reshape(np.shape(x))


def gaussian_eps(x: np.ndarray, mu: np.ndarray, sigma: np.ndarray, alpha_bar: float) -> np.ndarray:
    """ε*(x, t) = −√(1 − ᾱ) ∇ log q_t(x) for data N(μ, Σ)."""
    return -np.sqrt(1 - alpha_bar) * gaussian_score(x, mu, sigma, alpha_bar)


# ------------------------------------------------------------------------------------ a single point


def delta_eps(x: np.ndarray, x0: np.ndarray, alpha_bar: float) -> np.ndarray:
    """ε*(x, t) for data δ(x_0): the noise that explains x exactly, (x − √ᾱ x_0) / √(1 − ᾱ)."""
    return (np.asarray(x, float) - np.sqrt(alpha_bar) * np.asarray(x0, float)) / np.sqrt(1 - alpha_bar)


# ---------------------------------------------------------------------------------- Gaussian mixtures


def mixture_noised(weights, mus, sigmas, alpha_bar: float):
    """Component parameters of q_t for data Σ_k w_k N(μ_k, Σ_k)."""
    comps = [noised_gaussian(m, s, alpha_bar) for m, s in zip(mus, sigmas)]
    return np.asarray(weights, float), [c[0] for c in comps], [c[1] for c in comps]


def mixture_log_density(x: np.ndarray, weights, mus, covs) -> np.ndarray:
    """log Σ_k w_k N(x; μ_k, C_k) for rows of ``x`` (log-sum-exp)."""
    x = np.atleast_2d(np.asarray(x, float))
    logs = []
    for w, m, c in zip(weights, mus, covs):
        chol = np.linalg.cholesky(c)
        sol = np.linalg.solve(chol, (x - m).T)
        logdet = 2 * np.log(np.diag(chol)).sum()
        logs.append(np.log(w) - 0.5 * (sol ** 2).sum(0) - 0.5 * logdet - 0.5 * len(m) * np.log(2 * np.pi))
    logs = np.stack(logs)
    top = logs.max(0)
    return top + np.log(np.exp(logs - top).sum(0))


def mixture_score(x: np.ndarray, weights, mus, sigmas, alpha_bar: float) -> np.ndarray:
    """∇ log q_t(x) = Σ_k r_k(x) (−C_k⁻¹ (x − √ᾱ μ_k)), r_k the posterior responsibilities."""
    x2 = np.atleast_2d(np.asarray(x, float))
    w, ms, cs = mixture_noised(weights, mus, sigmas, alpha_bar)
    logr, scores = [], []
    for wk, m, c in zip(w, ms, cs):
        logr.append(mixture_log_density(x2, [1.0], [m], [c]) + np.log(wk))
        scores.append(-np.linalg.solve(c, (x2 - m).T).T)
    logr = np.stack(logr)
    r = np.exp(logr - logr.max(0))
    r /= r.sum(0)
    return np.einsum("kn,knd->nd", r, np.stack(scores)).reshape(np.shape(x))


def mixture_eps(x: np.ndarray, weights, mus, sigmas, alpha_bar: float) -> np.ndarray:
    """ε*(x, t) = −√(1 − ᾱ) ∇ log q_t(x) for a Gaussian mixture."""
    return -np.sqrt(1 - alpha_bar) * mixture_score(x, weights, mus, sigmas, alpha_bar)


def sample_mixture(weights, mus, sigmas, n: int, rng: np.random.Generator) -> np.ndarray:
    ks = rng.choice(len(weights), size=n, p=np.asarray(weights) / np.sum(weights))
    out = np.empty((n, len(mus[0])))
    for k in range(len(weights)):
        idx = np.flatnonzero(ks == k)
        out[idx] = rng.multivariate_normal(mus[k], sigmas[k], size=len(idx))
    return out


# --------------------------------------------------------------------------- affine propagation, distances


def propagate_affine(mean: np.ndarray, cov: np.ndarray, m: np.ndarray, c: np.ndarray,
                     noise_cov: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """x ~ N(mean, cov), y = M x + c + ξ with ξ ~ N(0, noise_cov) independent:  y ~ N(M mean + c, M cov Mᵀ + noise_cov)."""
    d = len(mean)
    noise = noise_cov * np.eye(d) if np.isscalar(noise_cov) else np.asarray(noise_cov, float)
    return m @ mean + c, _sym(m @ cov @ m.T + noise)


def frechet_distance(m1: np.ndarray, c1: np.ndarray, m2: np.ndarray, c2: np.ndarray) -> float:
    """W₂² between Gaussians (the FID formula): ‖m₁ − m₂‖² + tr(C₁ + C₂ − 2 (C₁^{1/2} C₂ C₁^{1/2})^{1/2}).

    The cross term is Σ √λ_i of the symmetric PSD matrix C₁^{1/2} C₂ C₁^{1/2} (eigen route, see module docstring).
    """
    s1 = sqrtm_psd(c1)
    lam = np.linalg.eigvalsh(_sym(s1 @ np.asarray(c2, float) @ s1))
    cross = np.sqrt(np.clip(lam, 0.0, None)).sum()
    diff = np.asarray(m1, float) - np.asarray(m2, float)
    return float(max(diff @ diff + np.trace(c1) + np.trace(c2) - 2 * cross, 0.0))


def kl_gaussian(m0: np.ndarray, c0: np.ndarray, m1: np.ndarray, c1: np.ndarray) -> float:
    """KL(N(m₀, C₀) ‖ N(m₁, C₁)) = ½ [tr(C₁⁻¹C₀) + Δᵀ C₁⁻¹ Δ − d + log det C₁ − log det C₀] (Cholesky)."""
    l1 = np.linalg.cholesky(np.asarray(c1, float))
    l0 = np.linalg.cholesky(np.asarray(c0, float))
    a = np.linalg.solve(l1, l0)
    delta = np.linalg.solve(l1, np.asarray(m1, float) - np.asarray(m0, float))
    logdet = 2 * (np.log(np.diag(l1)).sum() - np.log(np.diag(l0)).sum())
    return float(0.5 * ((a ** 2).sum() + delta @ delta - len(delta) + logdet))
