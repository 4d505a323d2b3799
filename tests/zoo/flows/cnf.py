"""CNF mutants: the reference continuous flow with one bug each."""
from __future__ import annotations

import torch

from reference.flows.cnf import CNF, DTYPE, _finite_points
from tests.zoo import mutant


@mutant("cnf", bug="log-det with the paper's sign: returns Δ = −∫ tr instead of log|det| = −Δ",
        catches=("cnf.linear_field_log_det", "cnf.gaussian_pushforward"))
class TraceSignFlipped(CNF):
    def log_abs_det_jacobian(self, x, y):
        return self.augmented(x)[1]


@mutant("cnf", bug="the field is evaluated at t0 at every step (time ignored)",
        catches=("cnf.linear_field_log_det",))
class FieldFrozenAtStart(CNF):
    def _field(self, t, z):
        return super()._field(torch.tensor(self.t0, dtype=DTYPE), z)


@mutant("cnf", bug="forward Euler instead of RK4 (first-order solve)",
        catches=("cnf.gaussian_pushforward", "cnf.liouville"))
class EulerSolver(CNF):
    def _solve(self, rhs, state, t0, t1):
        h = (t1 - t0) / self.steps
        for k in range(self.steps):
            state = tuple(s + h * d for s, d in zip(state, rhs(torch.tensor(t0 + k * h, dtype=DTYPE), state)))
        return state


@mutant("cnf", bug="the inverse integrates forward again (t0 → t1) instead of back",
        catches=("cnf.round_trip",))
class InverseIntegratesForward(CNF):
    def _inverse(self, y):
        return self.integrate(_finite_points(y, "y"), self.t0, self.t1)

    @property
    def inv(self):
        return torch.distributions.transforms._InverseTransform(self)


@mutant("cnf", bug="Hutchinson probes scaled by √2 (E εᵀAε = 2 tr A)",
        catches=("cnf.hutchinson_unbiased",))
class HutchinsonProbeScaled(CNF):
    def _probe(self, z):
        return super()._probe(z) * 2 ** 0.5


@mutant("cnf", bug="a fresh Hutchinson probe at every solver stage (the estimate averages many probes)",
        catches=("cnf.hutchinson_variance",))
class HutchinsonFreshProbePerStage(CNF):
    def _trace(self, t, z, eps):
        return super()._trace(t, z, None if eps is None else self._probe(z))


@mutant("cnf", bug="one Hutchinson probe shared by every row of the batch",
        catches=("cnf.hutchinson_variance",))
class HutchinsonOneProbeForBatch(CNF):
    def _probe(self, z):
        return super()._probe(z[:1]).expand(z.shape).clone()


@mutant("cnf", bug="Rademacher probes drawn whatever noise is asked for (variance 2(‖S‖² − Σ S_ii²), not 2‖S‖²)",
        catches=("cnf.hutchinson_variance",), support={"noise": ["gaussian"]})
class RademacherForGaussian(CNF):
    def _probe(self, z):
        return torch.randint(0, 2, z.shape, generator=self.generator).to(DTYPE) * 2 - 1


@mutant("cnf", bug="exact=True computes a Hutchinson estimate anyway",
        catches=("cnf.deterministic", "cnf.linear_field_log_det"))
class HutchinsonWhenExact(CNF):
    def augmented(self, x, t0=None, t1=None):
        exact, self.exact = self.exact, False
        try:
            return super().augmented(x, t0, t1)
        finally:
            self.exact = exact


@mutant("cnf", bug="trace taken as d·∂f₀/∂z₀ (the first diagonal entry only)",
        catches=("cnf.linear_field_log_det",))
class TraceFromFirstEntry(CNF):
    def _trace(self, t, z, eps):
        if eps is not None:
            return super()._trace(t, z, eps)
        with torch.enable_grad():
            z = z.detach().requires_grad_(True)
            dz = self._field(t, z)
            g, = torch.autograd.grad(dz[..., 0].sum(), z)
        return dz.detach(), z.shape[-1] * g[..., 0]


@mutant("cnf", bug="no input validation: NaN and inf start points go into the solver",
        catches=("cnf.rejects_bad_input",))
class NoValidation(CNF):
    def _call(self, x):
        return self.integrate(torch.as_tensor(x, dtype=DTYPE), self.t0, self.t1)
