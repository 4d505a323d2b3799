"""Samplers of the ``sde`` contract backed by established solvers: torchsde (Euler–Maruyama) and torchdiffeq (the
probability-flow ODE, fixed-step and adaptive, and the likelihood through it).

What the glue does, and nothing else:

* ``TorchsdeSamplers.euler_maruyama`` integrates the reverse SDE with ``torchsde.sdeint(method="euler")`` on the
  reversed clock s = −t, where it runs forward: y(s) = x(−s), dy = −f̄(y, −s) ds + g(−s) dW(s) (diagonal noise,
  Itô).  The caller's Brownian motion is handed to torchsde as its ``bm`` (a seeded ``BrownianInterval`` is used
  as-is); each grid step is one ``sdeint`` call over [s_i, s_{i+1}] with ``dt`` larger than the step, so torchsde
  takes exactly the grid's steps (its loop clamps a step at the end of the interval; with dt equal to the step, float
  rounding of s_i + dt can add a spurious tiny step).
* ``TorchdiffeqSamplers`` calls ``torchdiffeq.odeint`` on the probability-flow velocity f − ½ g² s: ``euler`` and
  ``heun2`` (its explicit trapezoidal rule) on the caller's grid, ``dopri5`` for the adaptive solve, and ``dopri5`` on
  the state (x, Δ) with dΔ/dt = ∇·v — the exact trace, one autograd pass per dimension — for the likelihood.
  ``dopri5`` gets ``options={"step_t": [t1]}``: by default torchdiffeq steps past the final time and interpolates,
  evaluating the field beyond it — for T → ε at t < 0, where VP's marginal variance 1 − e^{−B(t)} is negative and
  the score blows up ("underflow in dt"); with ``step_t`` the last step ends on t1.
* Both check the contract's time domain (0, T] and a NaN x first: a solver does not know the SDE's time domain, the
  glue that applies it to a score SDE does.
"""
from __future__ import annotations

import torch
import torchdiffeq
import torchsde
from torchsde._brownian.brownian_base import BaseBrownian

F64 = torch.float64


def _time(name: str, t, T: float) -> float:
    v = float(t)
    if not (0 < v <= T):
        raise ValueError(f"{name} must lie in (0, T] = (0, {T}], got {t!r}")
    return v


def _grid(ts, T: float) -> torch.Tensor:
    ts = torch.as_tensor(ts, dtype=F64)
    if ts.ndim != 1 or len(ts) < 2 or not bool(torch.isfinite(ts).all()):
        raise ValueError(f"ts must be a finite 1-D grid of at least 2 times, got {ts!r}")
    if bool((ts <= 0).any()) or bool((ts > T).any()):
        raise ValueError(f"ts must lie in (0, T] = (0, {T}]")
    return ts


def _finite_x(x) -> torch.Tensor:
    x = torch.as_tensor(x, dtype=F64)
    if not bool(torch.isfinite(x).all()):
        raise ValueError("x contains NaN or infinite values")
    return x


class _CallerBrownian(BaseBrownian):
    """torchsde's Brownian interface over a caller's ``bm(s, u)``."""

    __slots__ = ("_bm", "_shape")

    def __init__(self, bm, shape):
        self._bm, self._shape = bm, tuple(shape)

    def __call__(self, ta, tb=None, return_U=False, return_A=False):
        return torch.as_tensor(self._bm(ta, tb), dtype=F64)

    def __repr__(self):
        return f"_CallerBrownian({self._bm!r})"

    dtype = property(lambda self: F64)
    device = property(lambda self: torch.device("cpu"))
    shape = property(lambda self: self._shape)
    levy_area_approximation = property(lambda self: "none")


class _ReversedSDE(torch.nn.Module):
    """The reverse SDE of ``rsde`` on the clock s = −t: drift −f̄(y, −s), diffusion g(−s) (diagonal)."""

    noise_type, sde_type = "diagonal", "ito"

    def __init__(self, rsde):
        super().__init__()
        self.rsde = rsde

    def _at(self, s, y):
        return self.rsde.sde(y, torch.full((y.shape[0],), -float(s), dtype=F64))

    def f(self, s, y):
        return -self._at(s, y)[0]

    def g(self, s, y):
        return self._at(s, y)[1][:, None].expand_as(y)


class TorchsdeSamplers:
    invariants_support = {"operations": ["euler_maruyama"], "precision": "float64"}

    def euler_maruyama(self, sde, score_fn, x, ts, bm=None, probability_flow: bool = False):
        x, ts = _finite_x(x), _grid(ts, sde.T)
        if not bool((torch.diff(ts) < 0).all()):
            raise ValueError("ts must be strictly decreasing")
        rev = _ReversedSDE(sde.reverse(score_fn, probability_flow))
        brownian = bm if isinstance(bm, BaseBrownian) else _CallerBrownian(
            bm if bm is not None else (lambda a, b: torch.zeros(x.shape, dtype=F64)), x.shape)
        s = -ts
        for i in range(len(s) - 1):
            interval = torch.stack([s[i], s[i + 1]])
            x = torchsde.sdeint(rev, x, interval, bm=brownian, method="euler",
                                dt=2 * float(s[i + 1] - s[i]))[-1]
        return x


class TorchdiffeqSamplers:
    invariants_support = {"operations": ["ode", "ode_adaptive", "likelihood"], "ode_method": ["euler", "heun"],
                          "precision": "float64"}
    METHODS = {"euler": "euler", "heun": "heun2"}

    @staticmethod
    def _velocity(sde, score_fn):
        rsde = sde.reverse(score_fn, probability_flow=True)
        return lambda t, y: rsde.sde(y, torch.full((y.shape[0],), float(t), dtype=F64))[0]

    def ode(self, sde, score_fn, x, ts, method: str = "euler"):
        if method not in self.METHODS:
            raise ValueError(f"method must be one of {tuple(self.METHODS)}, got {method!r}")
        x, ts = _finite_x(x), _grid(ts, sde.T)
        return torchdiffeq.odeint(self._velocity(sde, score_fn), x, ts, method=self.METHODS[method])[-1]

    def ode_adaptive(self, sde, score_fn, x, t0, t1, rtol: float = 1e-5, atol: float = 1e-5):
        x = _finite_x(x)
        t0, t1 = _time("t0", t0, sde.T), _time("t1", t1, sde.T)
        if t0 == t1:
            return x.clone()
        ts = torch.tensor([t0, t1], dtype=F64)
        return torchdiffeq.odeint(self._velocity(sde, score_fn), x, ts, method="dopri5", rtol=rtol, atol=atol,
                                  options={"step_t": ts[1:]})[-1]

    def likelihood(self, sde, score_fn, x, eps: float = 1e-5, rtol: float = 1e-5, atol: float = 1e-5):
        x = _finite_x(x)
        eps = _time("eps", eps, sde.T)
        v = self._velocity(sde, score_fn)
        D = x[0].numel()

        def augmented(t, state):
            y, _ = state
            with torch.enable_grad():
                y = y.detach().requires_grad_(True)
                vy = v(t, y)
                flat = vy.reshape(y.shape[0], -1)
                div = sum(torch.autograd.grad(flat[:, j].sum(), y, retain_graph=j < D - 1)[0].reshape(y.shape[0], -1)[:, j]
                          for j in range(D))
            return vy.detach(), div.detach()

        ts = torch.tensor([eps, sde.T], dtype=F64)
        zT, delta = torchdiffeq.odeint(augmented, (x, torch.zeros(x.shape[0], dtype=F64)), ts, method="dopri5",
                                       rtol=rtol, atol=atol, options={"step_t": ts[1:]})
        return sde.prior_logp(zT[-1]) + delta[-1]


def brownian_interval(ts, shape, seed: int):
    """A seeded torchsde ``BrownianInterval`` on the reversed clock of the decreasing grid ``ts``."""
    ts = torch.as_tensor(ts, dtype=F64)
    return torchsde.BrownianInterval(t0=-float(ts[0]), t1=-float(ts[-1]), size=tuple(shape), dtype=F64,
                                     entropy=seed, tol=0.0, levy_area_approximation="none")

