"""Flow-matching mutants: the reference conditional OT path with one bug each."""
from __future__ import annotations

import torch

from reference.flows.flow_matching import CondOTPath, PathSample, _points, _times
from tests.zoo import mutant


class _Path(CondOTPath):
    """The reference with the path and velocity as overridable formulas."""

    def x_t(self, x_0, x_1, t):
        return (1 - (1 - self.sigma_min) * t)[:, None] * x_0 + t[:, None] * x_1

    def dx_t(self, x_0, x_1, t):
        return x_1 - (1 - self.sigma_min) * x_0

    def sample(self, x_0, x_1, t):
        x_0 = _points(x_0, "x_0")
        x_1 = _points(x_1, "x_1", like=x_0)
        t = _times(t, x_0.shape[0])
        return PathSample(x_0, x_1, t, self.x_t(x_0, x_1, t), self.dx_t(x_0, x_1, t))


@mutant("flow_matching", bug="t and 1 − t swapped in the path: x_t = (1 − (1 − σ)(1 − t)) x0 + (1 − t) x1",
        catches=("flow_matching.path_endpoints", "flow_matching.path_closed_form",
                 "flow_matching.velocity_is_time_derivative"))
class TimeSwapped(_Path):
    def x_t(self, x_0, x_1, t):
        return super().x_t(x_0, x_1, 1 - t)


@mutant("flow_matching", bug="σ_min dropped from the path (x_t = (1 − t) x0 + t x1) but kept in the velocity",
        catches=("flow_matching.path_closed_form", "flow_matching.velocity_is_time_derivative",
                 "flow_matching.path_endpoints"))
class SigmaMinIgnoredInPath(_Path):
    def x_t(self, x_0, x_1, t):
        return (1 - t)[:, None] * x_0 + t[:, None] * x_1


@mutant("flow_matching", bug="target velocity x1 − x0 whatever σ_min",
        catches=("flow_matching.path_closed_form", "flow_matching.velocity_is_time_derivative"))
class VelocityWithoutSigma(_Path):
    def dx_t(self, x_0, x_1, t):
        return x_1 - x_0


@mutant("flow_matching", bug="x_t built from a detached t (not differentiable in t)",
        catches=("flow_matching.velocity_is_time_derivative",))
class PathDetachedFromTime(_Path):
    def x_t(self, x_0, x_1, t):
        return super().x_t(x_0, x_1, t.detach())


@mutant("flow_matching", bug="loss with the norm, not its square: mean ‖v − u‖",
        catches=("flow_matching.loss_minimised_by_marginal_velocity",))
class LossNotSquared(CondOTPath):
    def loss(self, v, x_0, x_1, t):
        p = self.sample(x_0, x_1, t)
        return torch.linalg.vector_norm(v(p.x_t, p.t) - p.dx_t, dim=-1).mean()


@mutant("flow_matching", bug="loss summed over the batch instead of averaged",
        catches=("flow_matching.loss_minimised_by_marginal_velocity",))
class LossSummedOverBatch(CondOTPath):
    def loss(self, v, x_0, x_1, t):
        return super().loss(v, x_0, x_1, t) * torch.as_tensor(x_0).shape[0]


@mutant("flow_matching", bug="loss averaged over coordinates too (elementwise mean, ‖·‖²/d)",
        catches=("flow_matching.loss_minimised_by_marginal_velocity",))
class LossMeanOverCoordinates(CondOTPath):
    def loss(self, v, x_0, x_1, t):
        p = self.sample(x_0, x_1, t)
        return ((v(p.x_t, p.t) - p.dx_t) ** 2).mean()


@mutant("flow_matching", bug="v regressed onto the data point x1 instead of the velocity u_t",
        catches=("flow_matching.loss_nonnegative", "flow_matching.loss_minimised_by_marginal_velocity"))
class LossTargetIsData(CondOTPath):
    def loss(self, v, x_0, x_1, t):
        p = self.sample(x_0, x_1, t)
        return ((v(p.x_t, p.t) - p.x_1) ** 2).sum(-1).mean()


@mutant("flow_matching", bug="loss of the signed residual Σ(v − u) instead of its square (can be negative)",
        catches=("flow_matching.loss_nonnegative",))
class LossSignedResidual(CondOTPath):
    def loss(self, v, x_0, x_1, t):
        p = self.sample(x_0, x_1, t)
        return (v(p.x_t, p.t) - p.dx_t).sum(-1).mean()


@mutant("flow_matching", bug="no input validation (σ_min, t, shapes and NaN pass)",
        catches=("flow_matching.rejects_bad_input",))
class NoValidation(_Path):
    def __init__(self, sigma_min=0.0):
        self.sigma_min = sigma_min

    def sample(self, x_0, x_1, t):
        x_0, x_1, t = (torch.as_tensor(a, dtype=torch.float64) for a in (x_0, x_1, t))
        return PathSample(x_0, x_1, t, self.x_t(x_0, x_1, t), self.dx_t(x_0, x_1, t))
