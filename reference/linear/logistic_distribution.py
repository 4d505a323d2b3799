"""The logistic distribution with location μ and scale γ > 0.

Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions* vol. 2 (1995), ch. 23.
With z = (x − μ)/γ:

    F(x) = 1/(1 + e^{−z}) = σ(z)                         (the logistic sigmoid)
    f(x) = e^{−z}/(γ(1 + e^{−z})²) = σ(z)σ(−z)/γ
    F⁻¹(q) = μ + γ·log(q/(1 − q))
    E X = μ,   Var X = π²γ²/3

Every function is evaluated in a form that neither overflows nor cancels for any finite z:
f and log f through e^{−|z|} (f is even in z), F and 1 − F through σ of ±z, F⁻¹ through log q − log1p(−q).
The API follows ``scipy.stats.logistic`` (an unfrozen ``rv_continuous``): every method takes ``loc`` and
``scale`` keywords; ``rvs`` draws by inversion from ``numpy.random.default_rng(random_state)``.
"""
from __future__ import annotations

import numpy as np


def check_loc_scale(loc, scale) -> tuple[float, float]:
    loc, scale = float(loc), float(scale)
    if not np.isfinite(loc):
        raise ValueError(f"loc must be finite, got {loc!r}")
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a finite positive number, got {scale!r}")
    return loc, scale


def standardise(x, loc, scale) -> tuple[np.ndarray, float]:
    loc, scale = check_loc_scale(loc, scale)
    # z = (x − μ)/γ
    return (np.asarray(x, dtype=np.float64) - loc) / scale, scale


def sigmoid(z: np.ndarray) -> np.ndarray:
    # σ(z) = 1/(1 + e^{−z}) for z ≥ 0, e^{z}/(1 + e^{z}) for z < 0
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


class LogisticDistribution:
    """``scipy.stats.logistic``'s interface: pdf, logpdf, cdf, sf, ppf, rvs, mean, var with loc and scale."""

    precision = "float64"

    def pdf(self, x, loc=0.0, scale=1.0) -> np.ndarray:
        z, scale = standardise(x, loc, scale)
        e = np.exp(-np.abs(z))
        # f(x) = e^{−|z|} / (γ (1 + e^{−|z|})²)
        return e / (scale * (1.0 + e) ** 2)

    def logpdf(self, x, loc=0.0, scale=1.0) -> np.ndarray:
        z, scale = standardise(x, loc, scale)
        a = np.abs(z)
        # log f(x) = −|z| − 2 log(1 + e^{−|z|}) − log γ
        return -a - 2.0 * np.log1p(np.exp(-a)) - np.log(scale)

    def cdf(self, x, loc=0.0, scale=1.0) -> np.ndarray:
        z, _ = standardise(x, loc, scale)
        # F(x) = σ(z)
        return sigmoid(z)

    def sf(self, x, loc=0.0, scale=1.0) -> np.ndarray:
        z, _ = standardise(x, loc, scale)
        # 1 − F(x) = σ(−z)
        return sigmoid(-z)

    def ppf(self, q, loc=0.0, scale=1.0) -> np.ndarray:
        loc, scale = check_loc_scale(loc, scale)
        q = np.asarray(q, dtype=np.float64)
        if np.any((q < 0) | (q > 1) | np.isnan(q)):
            raise ValueError("q must lie in [0, 1]")
        with np.errstate(divide="ignore"):
            # F⁻¹(q) = μ + γ (log q − log(1 − q))   (−∞ at q = 0, +∞ at q = 1)
            return loc + scale * (np.log(q) - np.log1p(-q))

    def mean(self, loc=0.0, scale=1.0) -> float:
        loc, _ = check_loc_scale(loc, scale)
        # E X = μ
        return loc

    def var(self, loc=0.0, scale=1.0) -> float:
        _, scale = check_loc_scale(loc, scale)
        # Var X = π² γ² / 3
        return np.pi ** 2 * scale ** 2 / 3.0

    def rvs(self, loc=0.0, scale=1.0, size=None, random_state=None) -> np.ndarray:
        loc, scale = check_loc_scale(loc, scale)
        rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
        u = rng.random(size)
        # X = F⁻¹(U), U ~ Uniform(0, 1)  (u = 0 has probability 2⁻⁵³ and maps to −∞)
        with np.errstate(divide="ignore"):
            return loc + scale * (np.log(u) - np.log1p(-u))


#: the distribution object, as ``scipy.stats.logistic`` is one
logistic = LogisticDistribution()
