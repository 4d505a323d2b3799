"""Samplers and the likelihood for score SDEs: Euler–Maruyama on the reverse SDE, the reverse-diffusion predictor
with the Langevin corrector (predictor–corrector), the probability-flow ODE (fixed-step and adaptive) and the
log-likelihood through it (instantaneous change of variables with an exact trace).

Paper: Song et al., ICLR 2021 (arXiv:2011.13456): the reverse SDE (eq. 6) and its Euler–Maruyama discretisation;
the reverse-diffusion predictor (appendix E, eq. 46–47) and Langevin corrector (appendix G, Algorithms 2–5, with the
step size ε = 2 α (r ‖z‖ / ‖∇ log p‖)² of Algorithm 4/5, α = 1); the probability-flow ODE (eq. 13) and its
likelihood log p_0(x(0)) = log p_T(x(T)) + ∫₀ᵀ ∇·f̃(x(t), t) dt (eq. 39).  score_sde's ``sampling.py`` and
``likelihood.py`` are the code this follows; its likelihood uses the Hutchinson estimator, this one the exact trace.

The kit speaks the sampler contract of ``properties.diffusion.sde`` (every method takes an SDE in score_sde's
contract and a score function ``score_fn(x, t) -> ∇ log p_t(x)``); noise comes from a ``torch.Generator`` or, for
the whole Euler–Maruyama path, from a Brownian motion ``bm(s, u) = W(u) − W(s)`` on the reversed clock s = −t
(torchsde's ``BrownianInterval`` interface).  Times lie in (0, T]; everything is float64; nothing mutates its inputs.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from scipy.integrate import solve_ivp

from reference.diffusion.sde import F64, check_x

ODE_METHODS = ("euler", "heun")
OPERATIONS = ("euler_maruyama", "euler_maruyama_step", "reverse_diffusion_step", "langevin_step",
              "predictor_corrector", "ode", "ode_adaptive", "likelihood")


# --------------------------------------------------------------------------------------------- validation


def _time(name: str, t, T: float) -> float:
    """A time in (0, T] (the score is singular at t = 0 for VP and sub-VP)."""
    try:
        v = float(t)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a time in (0, T], got {t!r}") from None
    if not (0 < v <= T):
        raise ValueError(f"{name} must lie in (0, T] = (0, {T}], got {t!r}")
    return v


def _grid(ts, T: float, decreasing: bool | None) -> torch.Tensor:
    ts = torch.as_tensor(ts, dtype=F64)
    if ts.ndim != 1 or len(ts) < 2:
        raise ValueError(f"ts must be a 1-D grid of at least 2 times, got shape {tuple(ts.shape)}")
    if not bool(torch.isfinite(ts).all()):
        raise ValueError("ts contains NaN or infinite values")
    if bool((ts <= 0).any()) or bool((ts > T).any()):
        raise ValueError(f"ts must lie in (0, T] = (0, {T}], got values in [{float(ts.min())}, {float(ts.max())}]")
    d = torch.diff(ts)
    monotone = bool((d < 0).all()) if decreasing else (bool((d < 0).all()) or bool((d > 0).all()))
    if not monotone:
        raise ValueError("ts must be strictly " + ("decreasing" if decreasing else "monotone"))
    return ts


def _positive(name: str, v) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number, got {v!r}") from None
    if not (math.isfinite(f) and f > 0):
        raise ValueError(f"{name} must be a positive finite number, got {v!r}")
    return f


def _noise(x: torch.Tensor, generator) -> torch.Tensor:
    """z ~ N(0, I), drawn as torch.randn(x.shape, generator=generator, dtype=x.dtype) in the caller's dtype (the
    stream a generator gives depends on it), then used in float64."""
    return torch.randn(x.shape, generator=generator, dtype=x.dtype).to(F64)


def _b(v: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return v.reshape((-1,) + (1,) * (x.ndim - 1))


class GeneratorBrownian:
    """A Brownian motion for :meth:`Samplers.euler_maruyama` from a ``torch.Generator``: each query draws a fresh
    increment √(u − s)·z, so it is valid for the disjoint, sequential queries of one Euler–Maruyama path."""

    def __init__(self, shape, generator=None):
        self.shape, self.generator = tuple(shape), generator

    def __call__(self, s: float, u: float) -> torch.Tensor:
        # W(u) − W(s) ~ N(0, (u − s) I)
        return math.sqrt(u - s) * torch.randn(self.shape, generator=self.generator, dtype=F64)


# ---------------------------------------------------------------------------------------------------- samplers


class Samplers:
    """The reference sampler kit (stateless; ``Samplers()`` takes no options)."""

    invariants_support = {"operations": list(OPERATIONS), "precision": "float64"}

    # -------------------------------------------------------------------------------- reverse SDE, stochastic

    def euler_maruyama(self, sde, score_fn, x, ts, bm=None, probability_flow: bool = False) -> torch.Tensor:
        """Euler–Maruyama on the reverse SDE over the decreasing grid ``ts``; the increment of step i is
        ΔW̄_i = bm(−t_i, −t_{i+1}) (unused, and ``bm`` may be None, for the probability-flow ODE)."""
        x = check_x(x).to(F64)
        ts = _grid(ts, sde.T, decreasing=True)
        if not probability_flow and bm is None:
            raise ValueError("bm (the Brownian motion) is required unless probability_flow")
        rsde = sde.reverse(score_fn, probability_flow)
        B = x.shape[0]
        for i in range(len(ts) - 1):
            t, dt = float(ts[i]), float(ts[i + 1] - ts[i])
            drift, diffusion = rsde.sde(x, torch.full((B,), t, dtype=F64))
            # x_{i+1} = x_i + [f − g² ∇log p_t](x_i, t_i) Δt_i + g(t_i) ΔW̄_i,   Δt_i = t_{i+1} − t_i < 0
            x = x + drift * dt
            if not probability_flow:
                x = x + _b(diffusion, x) * torch.as_tensor(bm(-t, -float(ts[i + 1])), dtype=F64)
        return x

    def euler_maruyama_step(self, sde, score_fn, x, t, dt, generator=None, probability_flow: bool = False):
        """One Euler–Maruyama step of the reverse SDE from t by dt < 0 (score_sde's ``EulerMaruyamaPredictor``,
        with dt explicit): returns (x, x_mean)."""
        z = _noise(check_x(x), generator)
        x = x.to(F64)
        t = _time("t", t, sde.T)
        dt = float(dt)
        if not (math.isfinite(dt) and dt < 0):
            raise ValueError(f"dt must be a negative finite step (reverse time), got {dt!r}")
        drift, diffusion = sde.reverse(score_fn, probability_flow).sde(x, torch.full((x.shape[0],), t, dtype=F64))
        # x_mean = x + f̄(x, t) Δt,   x = x_mean + g(t) √(−Δt) z
        x_mean = x + drift * dt
        return x_mean + _b(diffusion, x) * math.sqrt(-dt) * z, x_mean

    def reverse_diffusion_step(self, sde, score_fn, x, t, generator=None, probability_flow: bool = False):
        """The reverse-diffusion predictor (appendix E, eq. 46–47): (rev_f, rev_G) = reverse(...).discretize(x, t),
        x_mean = x − rev_f, x = x_mean + rev_G z.  Returns (x, x_mean)."""
        z = _noise(check_x(x), generator)
        x = x.to(F64)
        t = _time("t", t, sde.T)
        rev_f, rev_G = sde.reverse(score_fn, probability_flow).discretize(x, torch.full((x.shape[0],), t, dtype=F64))
        # x_{i−1} = x_i − [f_i − G_i² s(x_i, t_i)] + G_i z
        x_mean = x - rev_f
        return x_mean + _b(rev_G, x) * z, x_mean

    def langevin_step(self, sde, score_fn, x, t, snr, generator=None):
        """One Langevin corrector step at t with signal-to-noise ratio r = ``snr`` (Algorithm 4/5, α = 1):
        ε = 2 (r ‖z‖ / ‖s‖)² with the norms averaged over the batch, x_mean = x + ε s, x = x_mean + √(2ε) z.
        (``sde`` is not used: α = 1, as score_sde uses for VE and diffusers' ``step_correct`` does.)"""
        z = _noise(check_x(x), generator)
        x = x.to(F64)
        t = _time("t", t, sde.T)
        r = _positive("snr", snr)
        s = score_fn(x, torch.full((x.shape[0],), t, dtype=F64))
        grad_norm = torch.linalg.vector_norm(s.reshape(s.shape[0], -1), dim=-1).mean()
        noise_norm = torch.linalg.vector_norm(z.reshape(z.shape[0], -1), dim=-1).mean()
        # ε = 2 (r ‖z‖ / ‖∇log p‖)²
        eps = 2 * (r * noise_norm / grad_norm) ** 2
        # x ← x + ε ∇log p_t(x) + √(2ε) z
        x_mean = x + eps * s
        return x_mean + torch.sqrt(2 * eps) * z, x_mean

    def predictor_corrector(self, sde, score_fn, x, eps: float = 1e-3, snr: float = 0.16, n_corrector: int = 1,
                            generator=None, denoise: bool = True) -> torch.Tensor:
        """score_sde's PC sampler (Algorithms 2/3): at each t of linspace(T, eps, N), ``n_corrector`` Langevin
        steps, then one reverse-diffusion step; returns the last predictor's x_mean (``denoise``) or its x.
        Draw order from the generator: each corrector's z, then the predictor's z, step after step."""
        x = check_x(x).to(F64)
        eps = _time("eps", eps, sde.T)
        if isinstance(n_corrector, bool) or not isinstance(n_corrector, int) or n_corrector < 0:
            raise ValueError(f"n_corrector must be an int >= 0, got {n_corrector!r}")
        x_mean = x
        for t in torch.linspace(sde.T, eps, sde.N, dtype=F64).tolist():
            for _ in range(n_corrector):
                x, x_mean = self.langevin_step(sde, score_fn, x, t, snr, generator)
            x, x_mean = self.reverse_diffusion_step(sde, score_fn, x, t, generator)
        return x_mean if denoise else x

    # ---------------------------------------------------------------------------------- probability-flow ODE

    @staticmethod
    def _velocity(sde, score_fn):
        rsde = sde.reverse(score_fn, probability_flow=True)

        def v(x: torch.Tensor, t: float) -> torch.Tensor:
            # dx/dt = f(x, t) − ½ g(t)² ∇log p_t(x)
            return rsde.sde(x, torch.full((x.shape[0],), t, dtype=F64))[0]

        return v

    def ode(self, sde, score_fn, x, ts, method: str = "euler") -> torch.Tensor:
        """The probability-flow ODE on the grid ``ts`` (either direction), fixed steps: Euler
        x + h v(x, t), or Heun (explicit trapezoidal, 2 evaluations) x + h/2 [v(x, t) + v(x + h v(x, t), t + h)]."""
        if method not in ODE_METHODS:
            raise ValueError(f"method must be one of {ODE_METHODS}, got {method!r}")
        x = check_x(x).to(F64)
        ts = _grid(ts, sde.T, decreasing=None)
        v = self._velocity(sde, score_fn)
        for i in range(len(ts) - 1):
            t, t1 = float(ts[i]), float(ts[i + 1])
            h = t1 - t
            k1 = v(x, t)
            if method == "euler":
                # x_{i+1} = x_i + h v(x_i, t_i)
                x = x + h * k1
            else:
                # x_{i+1} = x_i + h/2 [v(x_i, t_i) + v(x_i + h v(x_i, t_i), t_{i+1})]
                x = x + 0.5 * h * (k1 + v(x + h * k1, t1))
        return x

    def ode_adaptive(self, sde, score_fn, x, t0, t1, rtol: float = 1e-5, atol: float = 1e-5) -> torch.Tensor:
        """The probability-flow ODE from t0 to t1 (either direction) by scipy's RK45 (Dormand–Prince, adaptive), as
        score_sde's ODE sampler does."""
        x = check_x(x).to(F64)
        t0, t1 = _time("t0", t0, sde.T), _time("t1", t1, sde.T)
        rtol, atol = _positive("rtol", rtol), _positive("atol", atol)
        if t0 == t1:
            return x.clone()
        v, shape = self._velocity(sde, score_fn), x.shape

        def fun(t, y):
            return v(torch.as_tensor(y, dtype=F64).reshape(shape), t).reshape(-1).numpy()

        sol = solve_ivp(fun, (t0, t1), x.reshape(-1).numpy(), method="RK45", rtol=rtol, atol=atol)
        if not sol.success:
            raise RuntimeError(f"the ODE solver failed: {sol.message}")
        return torch.as_tensor(sol.y[:, -1], dtype=F64).reshape(shape)

    # -------------------------------------------------------------------------------------------- likelihood

    def likelihood(self, sde, score_fn, x, eps: float = 1e-5, rtol: float = 1e-5, atol: float = 1e-5) -> torch.Tensor:
        """log p_ε(x) per sample, in nats: integrate [x, Δ] from ε to T with dΔ/dt = ∇·v(x, t) (the exact trace
        of the Jacobian, one backward pass per dimension), then log p = prior_logp(x(T)) + Δ(T)  (eq. 39)."""
        x = check_x(x).to(F64)
        eps = _time("eps", eps, sde.T)
        rtol, atol = _positive("rtol", rtol), _positive("atol", atol)
        v, shape, B = self._velocity(sde, score_fn), x.shape, x.shape[0]
        D = int(np.prod(shape[1:]))

        def fun(t, y):
            with torch.enable_grad():
                xt = torch.as_tensor(y[: B * D], dtype=F64).reshape(shape).requires_grad_(True)
                vt = v(xt, t)
                flat = vt.reshape(B, D)
                # ∇·v = Σ_j ∂v_j / ∂x_j   (exact trace)
                div = sum(torch.autograd.grad(flat[:, j].sum(), xt, retain_graph=j < D - 1)[0].reshape(B, D)[:, j]
                          for j in range(D))
            return np.concatenate([vt.detach().reshape(-1).numpy(), div.detach().numpy()])

        y0 = np.concatenate([x.reshape(-1).numpy(), np.zeros(B)])
        sol = solve_ivp(fun, (eps, sde.T), y0, method="RK45", rtol=rtol, atol=atol)
        if not sol.success:
            raise RuntimeError(f"the ODE solver failed: {sol.message}")
        zT = torch.as_tensor(sol.y[: B * D, -1], dtype=F64).reshape(shape)
        delta = torch.as_tensor(sol.y[B * D:, -1], dtype=F64)
        # log p_ε(x) = log p_T(x(T)) + ∫_ε^T ∇·v dt
        return sde.prior_logp(zT) + delta
