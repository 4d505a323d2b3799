"""Continuous normalizing flow (Chen, Rubanova, Bettencourt & Duvenaud 2018, Thm 1; Grathwohl et al., FFJORD 2019).

The state z(t) follows dz/dt = f(t, z); the log-density along the path follows the instantaneous change of variables

    d/dt log p(z(t)) = −tr(∂f/∂z(t, z(t)))                                   (Chen et al., Thm 1, eq. 8)

integrated as the augmented ODE (z, Δ), Δ(t₀) = 0:

    dz/dt = f(t, z),   dΔ/dt = −tr(∂f/∂z)                                      (FFJORD, eq. 4)
    log p₁(z(t₁)) = log p₀(z(t₀)) + Δ(t₁)

so the transform x = z(t₀) ↦ y = z(t₁) has log|det ∂y/∂x| = −Δ(t₁) = ∫ tr(∂f/∂z) dt (torch's sign convention, which
``log_abs_det_jacobian`` follows; ``augmented`` returns the paper's Δ).  Hutchinson's estimator replaces the trace by
εᵀ(∂f/∂z)ε with one probe ε per row, drawn once per solve and held fixed along it (FFJORD, eq. 7), Gaussian or
Rademacher; E[εᵀAε] = tr A.

Solvers: ``"rk4"`` — classical Runge–Kutta with ``steps`` equal steps; ``"dopri5"`` — torchdiffeq's adaptive
Dormand–Prince at ``rtol``/``atol``.  The constructor follows zuko's ``FreeFormJacobianTransform(f, t0, t1, exact)``.
"""
from __future__ import annotations

import math
import numbers

import torch
from torch.distributions import Transform, constraints

DTYPE = torch.float64
NOISES = ("gaussian", "rademacher")
SOLVERS = ("rk4", "dopri5")


def _finite_points(x, name: str) -> torch.Tensor:
    if not torch.is_tensor(x):
        x = torch.as_tensor(x)
    if x.dim() < 1 or x.is_complex():
        raise ValueError(f"{name} must be a real tensor of shape (..., d), got shape {tuple(x.shape)}")
    x = x.to(DTYPE)
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} has {int((~torch.isfinite(x)).sum())} non-finite entries (NaN or inf)")
    return x


class CNF(Transform):
    domain = constraints.real_vector
    codomain = constraints.real_vector
    bijective = True

    def __init__(self, f, t0: float = 0.0, t1: float = 1.0, exact: bool = True, noise: str = "gaussian",
                 solver: str = "rk4", steps: int = 64, rtol: float = 1e-9, atol: float = 1e-11,
                 generator: torch.Generator | None = None) -> None:
        super().__init__(cache_size=0)
        if not callable(f):
            raise ValueError(f"f must be a callable f(t, z) -> dz/dt, got {type(f).__name__}")
        for name, value in (("t0", t0), ("t1", t1)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite real number, got {value!r}")
        if not isinstance(exact, bool):
            raise ValueError(f"exact must be a bool, got {exact!r}")
        if noise not in NOISES:
            raise ValueError(f"noise must be one of {NOISES}, got {noise!r}")
        if solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
        if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1:
            raise ValueError(f"steps must be a positive int, got {steps!r}")
        self.f, self.t0, self.t1, self.exact, self.noise = f, float(t0), float(t1), exact, noise
        self.solver, self.steps, self.rtol, self.atol, self.generator = solver, int(steps), rtol, atol, generator

    # ------------------------------------------------------------------------------- the augmented field

    def _probe(self, z: torch.Tensor) -> torch.Tensor:
        if self.noise == "gaussian":
            return torch.randn(z.shape, generator=self.generator, dtype=DTYPE)
        return torch.randint(0, 2, z.shape, generator=self.generator).to(DTYPE) * 2 - 1

    def _field(self, t: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        dz = self.f(t, z)
        if not torch.is_tensor(dz) or dz.shape != z.shape:
            raise ValueError(f"f(t, z) must return a tensor of z's shape {tuple(z.shape)}, got "
                             f"{getattr(dz, 'shape', type(dz).__name__)}")
        return dz

    def _trace(self, t: torch.Tensor, z: torch.Tensor, eps: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """(f(t, z), tr ∂f/∂z per row — exact, or εᵀ(∂f/∂z)ε)."""
        with torch.enable_grad():
            z = z.detach().requires_grad_(True)
            dz = self._field(t, z)
            if eps is not None:
                # Hutchinson: εᵀ (∂f/∂z) ε, with εᵀ(∂f/∂z) by one vector–Jacobian product
                vjp, = torch.autograd.grad(dz, z, grad_outputs=eps)
                return dz.detach(), (vjp * eps).sum(-1)
            # tr ∂f/∂z = Σ_i ∂f_i/∂z_i, one vector–Jacobian product per coordinate
            trace = torch.zeros(z.shape[:-1], dtype=DTYPE)
            for i in range(z.shape[-1]):
                grad_i, = torch.autograd.grad(dz[..., i].sum(), z, retain_graph=True)
                trace = trace + grad_i[..., i]
            return dz.detach(), trace

    # ------------------------------------------------------------------------------------------ solvers

    def _solve(self, rhs, state: tuple[torch.Tensor, ...], t0: float, t1: float) -> tuple[torch.Tensor, ...]:
        if self.solver == "dopri5":
            import torchdiffeq

            ts = torch.tensor([t0, t1], dtype=DTYPE)
            out = torchdiffeq.odeint(lambda t, s: rhs(t, s), state, ts, rtol=self.rtol, atol=self.atol,
                                     method="dopri5")
            return tuple(o[-1] for o in out)
        h = (t1 - t0) / self.steps
        for k in range(self.steps):
            t = torch.tensor(t0 + k * h, dtype=DTYPE)
            # classical RK4: s_{k+1} = s_k + h/6 (k₁ + 2k₂ + 2k₃ + k₄)
            k1 = rhs(t, state)
            k2 = rhs(t + h / 2, tuple(s + h / 2 * d for s, d in zip(state, k1)))
            k3 = rhs(t + h / 2, tuple(s + h / 2 * d for s, d in zip(state, k2)))
            k4 = rhs(t + h, tuple(s + h * d for s, d in zip(state, k3)))
            state = tuple(s + h / 6 * (a + 2 * b + 2 * c + e) for s, a, b, c, e in zip(state, k1, k2, k3, k4))
        return state

    def integrate(self, x: torch.Tensor, t0: float, t1: float) -> torch.Tensor:
        """z(t₁) from z(t₀) = x."""
        z, = self._solve(lambda t, s: (self._field(t, s[0]).detach(),), (x,), t0, t1)
        return z

    def augmented(self, x, t0: float | None = None, t1: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(z(t₁), Δ(t₁)) of the augmented ODE dz/dt = f, dΔ/dt = −tr ∂f/∂z (or −εᵀ(∂f/∂z)ε), Δ(t₀) = 0."""
        x = _finite_points(x, "x")
        t0 = self.t0 if t0 is None else t0
        t1 = self.t1 if t1 is None else t1
        eps = None if self.exact else self._probe(x)      # one probe per row, fixed along the solve

        def rhs(t, s):
            dz, trace = self._trace(t, s[0], eps)
            # dΔ/dt = −tr(∂f/∂z)
            return dz, -trace

        z, delta = self._solve(rhs, (x, torch.zeros(x.shape[:-1], dtype=DTYPE)), t0, t1)
        return z, delta

    # ----------------------------------------------------------------------------------- Transform API

    def _call(self, x):
        return self.integrate(_finite_points(x, "x"), self.t0, self.t1)

    def _inverse(self, y):
        return self.integrate(_finite_points(y, "y"), self.t1, self.t0)

    def log_abs_det_jacobian(self, x, y):
        _finite_points(y, "y")
        # log|det ∂y/∂x| = −Δ(t₁) = ∫ tr ∂f/∂z dt
        return -self.augmented(x)[1]

    def call_and_ladj(self, x):
        z, delta = self.augmented(x)
        return z, -delta

    @property
    def inv(self) -> "CNF":
        return CNF(self.f, self.t1, self.t0, self.exact, self.noise, self.solver, self.steps, self.rtol, self.atol,
                   self.generator)
