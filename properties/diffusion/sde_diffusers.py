"""diffusers' score-SDE schedulers, speaking the ``sde`` sampler contract.

What the adapters change, and nothing else:

* ``DiffusersVE`` builds ``ScoreSdeVeScheduler(num_train_timesteps=N, sigma_min, sigma_max, snr)`` from the SDE's
  attributes (score_sde's names), so that its σ table exp(linspace(log σ_min, log σ_max, N)) and its index ⌊t (N−1)⌋
  are score_sde's ``VESDE.discretize``; ``reverse_diffusion_step`` is ``step_pred(score, t, x, generator)``, returning
  its (prev_sample, prev_sample_mean); ``langevin_step`` is one ``step_correct(score, x, generator)`` with the
  scheduler's ``snr`` set to the call's.  ``step_correct`` returns no mean; the adapter reads the noise it drew by
  replaying diffusers' draw ``randn_tensor(shape, generator=g)`` (float32) on a copy of the generator's state, and
  returns x_mean = prev_sample − √(2ε) z with ε = 2 (snr ‖z‖/‖s‖)² — so a wrong noise term in diffusers' sample
  still shows in the pair (x_mean − x is then not a multiple of the score).
* ``DiffusersVP`` builds ``ScoreSdeVpScheduler(beta_min, beta_max)`` and ``set_timesteps(M)`` for a step
  dt = −1/M (diffusers steps by dt = −1/len(timesteps): a step of any other size cannot be asked of it); its
  ``step_pred`` takes the ε-prediction (it computes score = −ε/std itself), so the adapter passes ε = −std(t)·s
  with std from the SDE's ``marginal_prob``.

diffusers validates neither t nor x (the topic's narrow expected failures say where).
"""
from __future__ import annotations

import torch
from diffusers.schedulers import ScoreSdeVeScheduler, ScoreSdeVpScheduler  # the VP one lives in schedulers.deprecated

F64 = torch.float64


class DiffusersVE:
    invariants_support = {"kind": ["ve"], "operations": ["reverse_diffusion_step", "langevin_step"],
                          "probability_flow": [False], "precision": "float32"}

    @staticmethod
    def _scheduler(sde, snr: float = 0.15):
        return ScoreSdeVeScheduler(num_train_timesteps=sde.N, sigma_min=sde.sigma_min, sigma_max=sde.sigma_max,
                                   snr=snr)

    def reverse_diffusion_step(self, sde, score_fn, x, t, generator=None, probability_flow: bool = False):
        if probability_flow:
            raise ValueError("probability_flow: diffusers' step_pred has no probability-flow variant")
        sched = self._scheduler(sde)
        score = score_fn(x, torch.full((x.shape[0],), float(t), dtype=F64))
        out = sched.step_pred(score, t, x, generator=generator)
        return out.prev_sample, out.prev_sample_mean

    def langevin_step(self, sde, score_fn, x, t, snr, generator=None):
        sched = self._scheduler(sde, snr=snr)
        score = score_fn(x, torch.full((x.shape[0],), float(t), dtype=F64))
        if generator is None:
            raise ValueError("generator: the adapter replays the generator to read step_correct's noise")
        replay = torch.Generator().set_state(generator.get_state())
        prev = sched.step_correct(score, x, generator=generator).prev_sample
        z = torch.randn(x.shape, generator=replay).to(x.dtype)   # diffusers' randn_tensor(shape, generator=g)
        grad_norm = torch.linalg.vector_norm(score.reshape(score.shape[0], -1), dim=-1).mean()
        noise_norm = torch.linalg.vector_norm(z.reshape(z.shape[0], -1), dim=-1).mean()
        eps = (snr * noise_norm / grad_norm) ** 2 * 2
        return prev, prev - torch.sqrt(2 * eps) * z


class DiffusersVP:
    invariants_support = {"kind": ["vp"], "operations": ["euler_maruyama_step"], "probability_flow": [False],
                          "precision": "float64"}

    def euler_maruyama_step(self, sde, score_fn, x, t, dt, generator=None, probability_flow: bool = False):
        if probability_flow:
            raise ValueError("probability_flow: diffusers' step_pred has no probability-flow variant")
        M = round(-1.0 / dt)
        if M < 1 or -1.0 / M != dt:
            raise ValueError(f"dt must be −1/M for an integer M (diffusers steps by −1/len(timesteps)), got {dt!r}")
        sched = ScoreSdeVpScheduler(beta_min=sde.beta_0, beta_max=sde.beta_1)
        sched.set_timesteps(M)
        tt = torch.full((x.shape[0],), float(t), dtype=F64)
        _, std = sde.marginal_prob(torch.zeros_like(x), tt)
        eps_pred = -std[:, None] * score_fn(x, tt)
        x_new, x_mean = sched.step_pred(eps_pred, x, tt, generator=generator)
        return x_new, x_mean
