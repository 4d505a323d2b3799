"""Logistic-distribution mutants: the reference with one bug each (classes; the checks instantiate them)."""
from __future__ import annotations

import numpy as np
from scipy import special

from reference.linear.logistic_distribution import LogisticDistribution, check_loc_scale, standardise
from tests.zoo import mutant

EULER_GAMMA = 0.5772156649015329


@mutant("logistic_distribution", bug="cdf as e^{z}/(1 + e^{z}): inf/inf = NaN once z > 709",
        catches=("logistic_distribution.stable_in_tails",))
class OverflowingSigmoidCdf(LogisticDistribution):
    def cdf(self, x, loc=0.0, scale=1.0):
        z, _ = standardise(x, loc, scale)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.exp(z) / (1.0 + np.exp(z))


@mutant("logistic_distribution", bug="pdf not divided by the scale: e^{−|z|}/(1 + e^{−|z|})²",
        catches=("logistic_distribution.location_scale", "logistic_distribution.cdf_integrates_pdf",
                 "logistic_distribution.closed_forms"))
class PdfNotDividedByScale(LogisticDistribution):
    def pdf(self, x, loc=0.0, scale=1.0):
        return super().pdf(x, loc, scale) * float(scale)


@mutant("logistic_distribution", bug="variance γ² (the π²/3 forgotten)",
        catches=("logistic_distribution.moments",))
class VarianceWithoutPiSquaredOverThree(LogisticDistribution):
    def var(self, loc=0.0, scale=1.0):
        _, scale = check_loc_scale(loc, scale)
        return scale ** 2


@mutant("logistic_distribution", bug="ppf forgets the scale: μ + logit(q)",
        catches=("logistic_distribution.ppf_inverts_cdf", "logistic_distribution.closed_forms",
                 "logistic_distribution.location_scale"))
class PpfWithoutScale(LogisticDistribution):
    def ppf(self, q, loc=0.0, scale=1.0):
        return super().ppf(q, loc, 1.0)


@mutant("logistic_distribution", bug="the Gumbel (extreme-value) distribution, F = exp(−e^{−z}), in place of the logistic",
        catches=("logistic_distribution.cdf_symmetry", "logistic_distribution.closed_forms",
                 "logistic_distribution.moments"))
class GumbelInsteadOfLogistic(LogisticDistribution):
    def logpdf(self, x, loc=0.0, scale=1.0):
        z, scale = standardise(x, loc, scale)
        with np.errstate(over="ignore"):
            return -z - np.exp(-z) - np.log(scale)

    def pdf(self, x, loc=0.0, scale=1.0):
        return np.exp(self.logpdf(x, loc, scale))

    def cdf(self, x, loc=0.0, scale=1.0):
        z, _ = standardise(x, loc, scale)
        with np.errstate(over="ignore"):
            return np.exp(-np.exp(-z))

    def sf(self, x, loc=0.0, scale=1.0):
        z, _ = standardise(x, loc, scale)
        with np.errstate(over="ignore"):
            return -np.expm1(-np.exp(-z))

    def ppf(self, q, loc=0.0, scale=1.0):
        loc, scale = check_loc_scale(loc, scale)
        with np.errstate(divide="ignore"):
            return loc - scale * np.log(-np.log(np.asarray(q, dtype=np.float64)))

    def mean(self, loc=0.0, scale=1.0):
        loc, scale = check_loc_scale(loc, scale)
        return loc + scale * EULER_GAMMA

    def var(self, loc=0.0, scale=1.0):
        _, scale = check_loc_scale(loc, scale)
        return np.pi ** 2 * scale ** 2 / 6.0

    def rvs(self, loc=0.0, scale=1.0, size=None, random_state=None):
        loc, scale = check_loc_scale(loc, scale)
        return self.ppf(np.random.default_rng(random_state).random(size), loc, scale)


@mutant("logistic_distribution", bug="the normal distribution of equal variance (σ = πγ/√3) in place of the logistic",
        catches=("logistic_distribution.heavier_tails_than_normal", "logistic_distribution.closed_forms"))
class NormalOfEqualVariance(LogisticDistribution):
    def _z(self, x, loc, scale):
        z, scale = standardise(x, loc, scale)
        return z * np.sqrt(3.0) / np.pi, scale * np.pi / np.sqrt(3.0)

    def logpdf(self, x, loc=0.0, scale=1.0):
        u, sd = self._z(x, loc, scale)
        return -0.5 * u * u - np.log(sd) - 0.5 * np.log(2 * np.pi)

    def pdf(self, x, loc=0.0, scale=1.0):
        return np.exp(self.logpdf(x, loc, scale))

    def cdf(self, x, loc=0.0, scale=1.0):
        return special.ndtr(self._z(x, loc, scale)[0])

    def sf(self, x, loc=0.0, scale=1.0):
        return special.ndtr(-self._z(x, loc, scale)[0])

    def ppf(self, q, loc=0.0, scale=1.0):
        loc, scale = check_loc_scale(loc, scale)
        return loc + scale * np.pi / np.sqrt(3.0) * special.ndtri(np.asarray(q, dtype=np.float64))


@mutant("logistic_distribution", bug="logpdf computed as log(pdf): −inf once e^{−|z|} underflows (|z| > 745)",
        catches=("logistic_distribution.stable_in_tails",))
class LogpdfAsLogOfPdf(LogisticDistribution):
    def logpdf(self, x, loc=0.0, scale=1.0):
        with np.errstate(divide="ignore"):
            return np.log(self.pdf(x, loc, scale))


@mutant("logistic_distribution", bug="sf computed as 1 − cdf: 0 once F rounds to 1 (z > 37), every digit lost before",
        catches=("logistic_distribution.stable_in_tails", "logistic_distribution.closed_forms"))
class SfAsOneMinusCdf(LogisticDistribution):
    def sf(self, x, loc=0.0, scale=1.0):
        return 1.0 - self.cdf(x, loc, scale)


@mutant("logistic_distribution", bug="rvs ignores the scale: μ + logit(U)",
        catches=("logistic_distribution.rvs_distribution",))
class RvsIgnoresScale(LogisticDistribution):
    def rvs(self, loc=0.0, scale=1.0, size=None, random_state=None):
        return super().rvs(loc, 1.0, size, random_state)


@mutant("logistic_distribution", bug="rvs draws from numpy's global generator, ignoring random_state",
        catches=("logistic_distribution.rvs_distribution",))
class RvsFromGlobalRNG(LogisticDistribution):
    def rvs(self, loc=0.0, scale=1.0, size=None, random_state=None):
        loc, scale = check_loc_scale(loc, scale)
        u = np.random.random(size)
        return loc + scale * (np.log(u) - np.log1p(-u))


@mutant("logistic_distribution", bug="scale never validated: scale ≤ 0 gives nan, negative densities or a reflected sample",
        catches=("logistic_distribution.rejects_bad_scale",))
class ScaleNotValidated(LogisticDistribution):
    @staticmethod
    def _z(x, loc, scale):
        with np.errstate(all="ignore"):
            return (np.asarray(x, dtype=np.float64) - loc) / scale

    def pdf(self, x, loc=0.0, scale=1.0):
        e = np.exp(-np.abs(self._z(x, loc, scale)))
        with np.errstate(all="ignore"):
            return e / (scale * (1.0 + e) ** 2)

    def logpdf(self, x, loc=0.0, scale=1.0):
        with np.errstate(all="ignore"):
            return np.log(self.pdf(x, loc, scale))

    def cdf(self, x, loc=0.0, scale=1.0):
        return special.expit(self._z(x, loc, scale))

    def sf(self, x, loc=0.0, scale=1.0):
        return special.expit(-self._z(x, loc, scale))

    def ppf(self, q, loc=0.0, scale=1.0):
        return loc + scale * special.logit(np.asarray(q, dtype=np.float64))

    def mean(self, loc=0.0, scale=1.0):
        return float(loc)

    def var(self, loc=0.0, scale=1.0):
        return np.pi ** 2 * scale ** 2 / 3.0

    def rvs(self, loc=0.0, scale=1.0, size=None, random_state=None):
        return loc + scale * special.logit(np.random.default_rng(random_state).random(size))
