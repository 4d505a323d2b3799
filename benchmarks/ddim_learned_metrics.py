"""Sample-quality metrics with error bars for ``benchmarks/ddim_learned.py``, and the speed-up criteria.

Every metric compares a set of n samples with one fixed reference sample of the data (also n points):

* ``fd``   - the Fréchet distance W₂²(N(m̂_x, Ĉ_x), N(m̂_y, Ĉ_y)) between Gaussian fits (maximum-likelihood mean and
  covariance, 1/n): FID's formula without the Inception network (``properties.oracles.gaussian.frechet_distance``);
* ``sw2``  - the sliced 2-Wasserstein distance squared, SW₂² = (1/P) Σ_θ W₂²(θᵀx, θᵀy) over P fixed unit directions;
  for equal sample sizes the 1-D W₂² is the mean squared difference of the sorted projections, which is what
  ``ot.sliced_wasserstein_distance(x, y, projections=Θ) ** 2`` computes (checked in the tests);
* ``logp`` - the data's exact log-density averaged over the samples (secondary: it rewards samples piled on the
  modes as much as it punishes samples off them; the data's own value is the row to compare with);
* ``off``  - the fraction of samples less likely than every point of the data sample (exact log-density below the
  data sample's minimum): samples off the data, which the squared distances above weigh heavily.

Error bars: a bootstrap over the samples (the reference sample held fixed, so that every cell of a table is judged
against the same data), B resamples drawn once from a fixed seed and shared by every cell; the interval is
value ± 1.96 × the bootstrap standard error (the percentile interval of a distance is biased upwards, since a
resample with duplicates is farther from the data than the sample itself).  The noise floor of a metric: its value
between R independent data samples and the reference sample, reported as mean ± 1.96 × sd over the R draws.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from properties.oracles.gaussian import frechet_distance  # noqa: E402

METRICS = ("fd", "sw2", "logp", "off")
DISTANCES = ("fd", "sw2")  # lower is better; the speed-up criteria use these
Z95 = 1.959963984540054  # the standard normal's 97.5% quantile


@dataclass(frozen=True)
class Estimate:
    """A value with its 95% interval [lo, hi]."""

    value: float
    lo: float
    hi: float

    @classmethod
    def normal(cls, value: float, sd: float) -> "Estimate":
        return cls(float(value), float(value - Z95 * sd), float(value + Z95 * sd))


# ------------------------------------------------------------------------------------------ point values


def gaussian_fit(x: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood mean and covariance (1/n; ``weights``: one non-negative weight per row)."""
    x = np.asarray(x, dtype=np.float64)
    w = np.full(len(x), 1.0 / len(x)) if weights is None else np.asarray(weights, float) / np.sum(weights)
    mean = w @ x
    centred = x - mean
    return mean, (centred * w[:, None]).T @ centred


def frechet_of_fits(x: np.ndarray, y: np.ndarray) -> float:
    """W₂² between the Gaussian fits of two samples (FID's formula)."""
    return frechet_distance(*gaussian_fit(x), *gaussian_fit(y))


def unit_directions(d: int, p: int, seed: int) -> np.ndarray:
    """P fixed directions, uniform on the unit sphere of R^d, as rows."""
    theta = np.random.default_rng(seed).standard_normal((p, d))
    return theta / np.linalg.norm(theta, axis=1, keepdims=True)


def sliced_w2_sq(x: np.ndarray, y: np.ndarray, directions: np.ndarray) -> float:
    """SW₂² = mean over θ of (1/n) Σ_i (sort(xθ)_i − sort(yθ)_i)²  (equal sample sizes)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) != len(y):
        raise ValueError(f"sliced_w2_sq needs equal sample sizes, got {len(x)} and {len(y)}")
    px, py = np.sort(x @ directions.T, axis=0), np.sort(y @ directions.T, axis=0)
    return float(((px - py) ** 2).mean())


def mean_log_density(x: np.ndarray, mixture) -> float:
    """(1/n) Σ_i log p(x_i) under the data's exact density."""
    return float(np.mean(mixture.log_density(x)))


# ------------------------------------------------------------------------------------------- bootstrap


def bootstrap_counts(n: int, b: int, seed: int) -> np.ndarray:
    """(b, n) multiplicities of b bootstrap resamples of n rows (each row of the result sums to n)."""
    return np.random.default_rng(seed).multinomial(n, np.full(n, 1.0 / n), size=b)


def sliced_w2_sq_resampled(x: np.ndarray, y_sorted: np.ndarray, directions: np.ndarray,
                           counts: np.ndarray, chunk: int = 10) -> np.ndarray:
    """SW₂² of each resample of ``x`` (row i repeated ``counts[b, i]`` times) against ``y`` (its sorted projections).

    No sort per resample.  In direction θ, with a_1 ≤ … ≤ a_n the sorted xθ, c_j their multiplicities and
    C_j = c_1 + … + c_j, the resample's sorted projections are a_j repeated c_j times at ranks C_{j−1} … C_j − 1, so
    with r the sorted yθ and R_k = r_1 + … + r_k (R_0 = 0):
        Σ_i (a*_i − r_i)² = Σ_j c_j a_j² − 2 Σ_j a_j (R_{C_j} − R_{C_{j−1}}) + Σ_i r_i²,
    and by summation by parts Σ_j a_j (R_{C_j} − R_{C_{j−1}}) = Σ_j (a_j − a_{j+1}) R_{C_j}  (a_{n+1} = 0).
    The first sum does not depend on the order: Σ_i c_i (x_iθ)².
    """
    proj = np.asarray(x, float) @ directions.T
    n, p = proj.shape
    if len(y_sorted) != n:
        raise ValueError(f"sliced_w2_sq_resampled needs equal sample sizes, got {n} and {len(y_sorted)}")
    order = np.argsort(proj, axis=0, kind="stable")
    a = np.take_along_axis(proj, order, axis=0)
    da = a - np.vstack([a[1:], np.zeros((1, p))])
    prefix = np.vstack([np.zeros(p), np.cumsum(y_sorted, axis=0)]).ravel()  # R_k at k·p + column
    cols = np.arange(p)
    small = np.asarray(counts, dtype=np.int32)
    cross = []
    for start in range(0, len(small), chunk):
        cum = np.cumsum(small[start:start + chunk][:, order], axis=1)      # C_j per replicate and direction
        cross.append(np.einsum("bnp,np->bp", prefix[cum * p + cols], da))
    total = counts @ proj ** 2 - 2 * np.concatenate(cross) + (y_sorted ** 2).sum(0)
    return total.mean(1) / n


def frechet_resampled(x: np.ndarray, y_mean: np.ndarray, y_cov: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The Fréchet distance of each weighted resample's Gaussian fit to N(y_mean, y_cov)."""
    return np.array([frechet_distance(*gaussian_fit(x, c), y_mean, y_cov) for c in counts])


# ------------------------------------------------------------------------------------------- evaluation


class Evaluator:
    """Metrics of sample sets against one reference data sample, with bootstrap error bars and noise floors."""

    def __init__(self, mixture, reference: np.ndarray, n_boot: int, n_directions: int, seed: int):
        self.mixture = mixture
        self.reference = np.asarray(reference, float)
        self.n = len(self.reference)
        self.directions = unit_directions(mixture.d, n_directions, seed)
        self.ref_sorted = np.sort(self.reference @ self.directions.T, axis=0)
        self.ref_fit = gaussian_fit(self.reference)
        self.least_likely = float(mixture.log_density(self.reference).min())
        self.counts = bootstrap_counts(self.n, n_boot, seed + 1)

    def point(self, x: np.ndarray, logp: np.ndarray | None = None) -> dict[str, float]:
        logp = self.mixture.log_density(x) if logp is None else logp
        return {"fd": frechet_distance(*gaussian_fit(x), *self.ref_fit),
                "sw2": sliced_w2_sq(x, self.reference, self.directions),
                "logp": float(np.mean(logp)), "off": float(np.mean(logp < self.least_likely))}

    def __call__(self, x: np.ndarray) -> dict[str, Estimate]:
        """Each metric with value ± 1.96 bootstrap standard errors."""
        x = np.asarray(x, float)
        if x.shape != self.reference.shape:
            raise ValueError(f"samples must have the reference's shape {self.reference.shape}, got {x.shape}")
        if not np.isfinite(x).all():
            nan = float("nan")
            return {m: Estimate(nan, nan, nan) for m in METRICS}
        logp = self.mixture.log_density(x)
        value = self.point(x, logp)
        boot = {"fd": frechet_resampled(x, *self.ref_fit, self.counts),
                "sw2": sliced_w2_sq_resampled(x, self.ref_sorted, self.directions, self.counts),
                "logp": self.counts @ logp / self.n,
                "off": self.counts @ (logp < self.least_likely) / self.n}
        return {m: Estimate.normal(value[m], np.std(boot[m], ddof=1)) for m in METRICS}

    def floor(self, repeats: int, seed: int) -> dict[str, Estimate]:
        """Each metric between ``repeats`` independent data samples of size n and the reference: mean ± 1.96 sd."""
        draws = [self.point(self.mixture.sample(self.n, seed + r)) for r in range(repeats)]
        return {m: Estimate.normal(np.mean([v[m] for v in draws]), np.std([v[m] for v in draws], ddof=1))
                for m in METRICS}


# ------------------------------------------------------------------------------------ speed-up criteria


def first_matching_steps(values: dict[int, float], threshold: float, below: int) -> int | None:
    """The smallest S < ``below`` from which ``values[S] <= threshold`` holds at S and at every larger S < ``below``."""
    grid = sorted(s for s in values if s < below)
    found = None
    for s in reversed(grid):
        if not values[s] <= threshold:
            break
        found = s
    return found


def steps_to_reach(values: dict[int, float], target: float) -> float | None:
    """The S at which a row of ``values`` (by S) first falls to ``target``, log-log interpolated between grid points;
    None when it never does (a noisy row is read from the left: its first crossing)."""
    grid = sorted(values)
    if values[grid[0]] <= target:
        return float(grid[0])
    for s0, s1 in zip(grid, grid[1:]):
        v0, v1 = values[s0], values[s1]
        if v1 <= target:
            frac = (np.log(target) - np.log(v0)) / (np.log(v1) - np.log(v0))
            return float(np.exp(np.log(s0) + frac * (np.log(s1) - np.log(s0))))
    return None
