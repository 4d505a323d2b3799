"""Flow mutants: the reference transforms and flow with one bug each."""
from __future__ import annotations

import torch
from torch.distributions.transforms import _InverseTransform

from reference.flows.autoregressive import MAF
from reference.flows.base import Conditioner, check_points, generator
from reference.flows.coupling import AffineCoupling
from reference.flows.flow import Flow, standard_normal_log_prob
from reference.flows.linear import LULinear
from reference.flows.planar import Planar, Radial
from tests.zoo import mutant


@mutant("flow", bug="coupling log-det with the sign flipped (−Σ s)",
        catches=("flow.log_det_brute_force", "flow.composition_adds", "flow.inverse_log_det_negates"))
class LogDetSignFlipped(AffineCoupling):
    def ladj(self, x):
        return -super().ladj(x)


@mutant("flow", bug="coupling split by parity but re-joined by halves (kept part written into the first slots)",
        catches=("flow.round_trip", "flow.triangular_jacobian"))
class ParitySplitHalvesJoin(AffineCoupling):
    def merge(self, y_a, y_b, like):
        return torch.cat([y_a, y_b], dim=-1)


@mutant("flow", bug="coupling inverse divides by exp(−s): x_b = (y_b − t)·exp(s)",
        catches=("flow.round_trip",))
class InverseWithExpPlusS(AffineCoupling):
    def inverse(self, y):
        y_a, y_b = y[..., self.idx_a], y[..., self.idx_b]
        s, t = self.scale_shift(y_a)
        return self.merge(y_a, (y_b - t) * torch.exp(s), y)


@mutant("flow", bug="log-det not summed over the event dimension: returns s_j per coordinate, shape (n, |b|)",
        catches=("flow.log_det_brute_force", "flow.composition_adds"))
class LogDetNotSummed(AffineCoupling):
    def ladj(self, x):
        s, _ = self.scale_shift(x[..., self.idx_a])
        return s


@mutant("flow", bug="planar flow without the û constraint: û = u, so wᵀu < −1 folds the map",
        catches=("flow.planar_constraint",))
class PlanarWithoutConstraint(Planar):
    def u_hat(self):
        return self.u


@mutant("flow", bug="radial flow whose norm r = ‖z − z₀‖ is taken over the whole batch",
        catches=("flow.rows_independent", "flow.log_det_brute_force"))
class RadialNormOverBatch(Radial):
    def _r(self, z):
        return torch.linalg.vector_norm(z - self.z0).expand(z.shape[:-1])

    def forward(self, z):
        alpha, beta = self.alpha_beta()
        return z + (beta / (alpha + self._r(z)))[..., None] * (z - self.z0)

    def ladj(self, z):
        alpha, beta = self.alpha_beta()
        r = self._r(z)
        bh = beta / (alpha + r)
        return (self.features - 1) * torch.log1p(bh) + torch.log(1 + bh - beta * r / (alpha + r) ** 2)


@mutant("flow", bug="log_abs_det_jacobian returns the log-det cached by the last forward call, ignoring its arguments",
        catches=("flow.composition_adds",))
class LogDetFromLastCall(AffineCoupling):
    def forward(self, x):
        self._last = super().ladj(x)
        return super().forward(x)

    def ladj(self, x):
        return self._last if getattr(self, "_last", None) is not None and self._last.shape == x.shape[:-1] \
            else super().ladj(x)


@mutant("flow", bug="parameters drawn from torch's global generator, not from the seed",
        catches=("flow.deterministic",))
class GlobalRngParameters(AffineCoupling):
    def __init__(self, features, seed=0, **kwargs):
        super().__init__(features, seed, **kwargs)
        self.net = Conditioner(len(self.idx_a), 2 * len(self.idx_b), torch.default_generator)


@mutant("flow", bug="MADE hidden units see every input (no input mask): μ_i, α_i depend on x_{≥i}",
        catches=("flow.triangular_jacobian", "flow.log_det_brute_force", "flow.round_trip"))
class MadeWithoutInputMask(MAF):
    def __init__(self, features, seed=0, **kwargs):
        super().__init__(features, seed, **kwargs)
        d, hidden = self.features, self.net.W1.shape[0]
        full = Conditioner(d, 2 * d, generator(self.seed), hidden=hidden)
        self.net.W1 = full.W1


@mutant("flow", bug="1×1 LU log-det Σ log s_i without the absolute value (NaN for a negative s_i)",
        catches=("flow.log_det_brute_force",))
class LogDetWithoutAbs(LULinear):
    def ladj(self, x):
        return torch.log(self.s).sum().expand(x.shape[:-1]).clone()


@mutant("flow", bug="t.inv.log_abs_det_jacobian returns +log|det ∂t/∂x| (the inverse not negated)",
        catches=("flow.inverse_log_det_negates",))
class InverseLogDetNotNegated(AffineCoupling):
    @property
    def inv(self):
        forward = self

        class SameSign(_InverseTransform):
            def log_abs_det_jacobian(self, y, x):
                return forward.log_abs_det_jacobian(x, y)

        return SameSign(self)


@mutant("flow", bug="no input validation: NaN and wrong event shapes pass into the map",
        catches=("flow.rejects_bad_input",))
class NoValidation(AffineCoupling):
    def _call(self, x):
        return self.forward(torch.as_tensor(x, dtype=torch.float64))

    def _inverse(self, y):
        return self.inverse(torch.as_tensor(y, dtype=torch.float64))


@mutant("flow", bug="log_prob(x) = log N(t(x)) − ladj: torch's TransformedDistribution sign used with a data → base map",
        catches=("flow.change_of_variables", "flow.density_normalised"))
class LogProbMinusLogDet(Flow):
    def log_prob(self, x):
        x = check_points(x, self.features, "x")
        return standard_normal_log_prob(self.transform.forward(x)) - self.transform.ladj(x)


@mutant("flow", bug="log_prob without the −(d/2) log 2π of the base density",
        catches=("flow.change_of_variables", "flow.density_normalised"))
class MissingNormalisingConstant(Flow):
    def log_prob(self, x):
        x = check_points(x, self.features, "x")
        u = self.transform.forward(x)
        return -0.5 * (u * u).sum(-1) + self.transform.ladj(x)


@mutant("flow", bug="sample maps base draws through the forward map t (data → base) instead of t⁻¹",
        catches=("flow.sample_distribution",))
class SampleThroughForward(Flow):
    def rsample(self, sample_shape=torch.Size(), generator=None):
        u = torch.randn(torch.Size(sample_shape) + self.event_shape, generator=generator, dtype=torch.float64)
        return self.transform.forward(u)

