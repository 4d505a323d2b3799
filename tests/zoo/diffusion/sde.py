"""Score-SDE mutants: the reference SDEs and sampler kit with one bug each."""
from __future__ import annotations

import math

import torch
from scipy.integrate import solve_ivp

from reference.diffusion.sde import F64, VESDE, VPSDE, ReverseSDE, _bcast, check_t, subVPSDE
from reference.diffusion.sde_samplers import Samplers, _noise
from tests.zoo import mutant

# ------------------------------------------------------------------------------------------------- the SDEs


class _Reverse(ReverseSDE):
    """A reverse SDE whose drift uses ``k`` g² s (k = 1 reverse, ½ flow) with a sign ``sign``."""

    k_sde, k_flow, sign = 1.0, 0.5, -1.0

    def _coef(self):
        return self.k_flow if self.probability_flow else self.k_sde

    def sde(self, x, t):
        drift, diffusion = self.forward.sde(x, t)
        t = check_t(t, x.shape[0], self.T)
        drift = drift + self.sign * self._coef() * _bcast(diffusion ** 2, x) * self.score_fn(x, t)
        return drift, (torch.zeros_like(diffusion) if self.probability_flow else diffusion)

    def discretize(self, x, t):
        f, G = self.forward.discretize(x, t)
        t = check_t(t, x.shape[0], self.T)
        rev_f = f + self.sign * self._coef() * _bcast(G ** 2, x) * self.score_fn(x, t)
        return rev_f, (torch.zeros_like(G) if self.probability_flow else G)


class _FlowWithoutHalf(_Reverse):
    k_flow = 1.0


class _SignFlipped(_Reverse):
    sign = +1.0


@mutant("sde", bug="probability-flow drift f − g² s: the ½ is missing (the flow then is the reverse SDE's drift "
                   "without its noise, and does not keep the marginals)",
        catches=("sde.reverse_drifts",))
class ProbabilityFlowWithoutHalf(VPSDE):
    def reverse(self, score_fn, probability_flow=False):
        return _FlowWithoutHalf(self, score_fn, probability_flow)


@mutant("sde", bug="reverse drift f + g² s: the score term's sign flipped", catches=("sde.reverse_drifts",))
class ReverseDriftSignFlipped(VESDE):
    def reverse(self, score_fn, probability_flow=False):
        return _SignFlipped(self, score_fn, probability_flow)


@mutant("sde", bug="VE σ(t) = σ_max (σ_min/σ_max)^t: σ_min and σ_max swapped (σ decreases; √(2 log(σ_max/σ_min)) "
                   "of the swapped pair is NaN)",
        catches=("sde.ve_marginal", "sde.moment_equations"))
class VESigmaMinMaxSwapped(VESDE):
    def sigma(self, t):
        return self.sigma_max * (self.sigma_min / self.sigma_max) ** t

    def sde(self, x, t):
        x, t = self._args(x, t)
        return torch.zeros_like(x), self.sigma(t) * torch.sqrt(
            torch.tensor(2 * (math.log(self.sigma_min) - math.log(self.sigma_max)), dtype=F64))


@mutant("sde", bug="VP std returned as the variance 1 − a(t)² (sub-VP's std formula on VP)",
        catches=("sde.vp_marginal", "sde.moment_equations", "sde.forward_euler_maruyama_marginal"))
class VPStdReturnedAsVariance(VPSDE):
    def marginal_prob(self, x, t):
        mean, std = super().marginal_prob(x, t)
        return mean, std ** 2


@mutant("sde", bug="sub-VP std √(1 − a²), VP's: correct for VP, wrong for sub-VP (its std is 1 − a²)",
        catches=("sde.subvp_marginal", "sde.moment_equations"))
class SubVPWithVPStd(subVPSDE):
    def marginal_prob(self, x, t):
        mean, std = super().marginal_prob(x, t)
        return mean, torch.sqrt(std)        # √(1 − a²) from sub-VP's std 1 − a²


@mutant("sde", bug="VP drift −β(t) x: the ½ of −½β x is missing",
        catches=("sde.moment_equations", "sde.forward_euler_maruyama_marginal", "sde.vp_marginal"))
class VPDriftWithoutHalf(VPSDE):
    def sde(self, x, t):
        drift, diffusion = super().sde(x, t)
        return 2 * drift, diffusion


@mutant("sde", bug="VP discretize with β_i = β(t_i), not β(t_i)/N: every DDPM step N times too large",
        catches=("sde.discretize_matches_discrete_chain",))
class DiscretizeWithoutOneOverN(VPSDE):
    def discretize(self, x, t):
        x, t = self._args(x, t)
        beta = self.beta(t).clamp(max=0.999)
        return (_bcast(torch.sqrt(1 - beta), x) - 1.0) * x, torch.sqrt(beta)


@mutant("sde", bug="VE discretize G_i = σ_i − σ_{i−1}: the difference of the σ's, not of their squares",
        catches=("sde.discretize_matches_discrete_chain",))
class VEDiscretizeWithoutSquares(VESDE):
    def discretize(self, x, t):
        f, G = super().discretize(x, t)
        x, t = self._args(x, t)
        i = (t * (self.N - 1) / self.T).long()
        sigma = self.discrete_sigmas[i]
        adjacent = torch.where(i == 0, torch.zeros_like(sigma), self.discrete_sigmas[(i - 1).clamp(min=0)])
        return f, sigma - adjacent


@mutant("sde", bug="prior_logp without the normalising constant −(d/2) log(2π σ²)",
        catches=("sde.prior",))
class PriorLogpWithoutNormaliser(VESDE):
    def prior_logp(self, z):
        return -(z.reshape(z.shape[0], -1) ** 2).sum(-1) / (2 * self.sigma_max ** 2)


@mutant("sde", bug="prior_sampling ignores the generator and draws from torch's global RNG",
        catches=("sde.prior",))
class PriorFromGlobalRNG(VPSDE):
    def prior_sampling(self, shape, generator=None):
        return torch.randn(*shape, dtype=F64)


@mutant("sde", bug="sub-VP prior sampled at 0.9 × its scale (a 19 % variance error)",
        catches=("sde.prior",))
class PriorScaledDown(subVPSDE):
    def prior_sampling(self, shape, generator=None):
        return 0.9 * super().prior_sampling(shape, generator)


@mutant("sde", bug="no input validation: a negative β, t outside [0, T] and NaN pass through",
        catches=("sde.rejects_bad_input",))
class SDEWithoutValidation(VPSDE):
    def __init__(self, beta_min=0.1, beta_max=20.0, N=1000):
        self.N, self.beta_0, self.beta_1 = N, beta_min, beta_max
        self.discrete_betas = torch.linspace(beta_min / N, beta_max / N, N, dtype=F64)
        self.alphas = 1.0 - self.discrete_betas

    def _args(self, x, t):
        t = torch.as_tensor(t, dtype=F64)
        return x.to(F64), (t.expand(x.shape[0]) if t.ndim == 0 else t)


# ---------------------------------------------------------------------------------------------- the samplers


@mutant("sde", bug="Langevin corrector x_mean + √ε z: the √2 on the noise is missing (the chain then targets a "
                   "narrower law, p² rather than p)",
        catches=("sde.langevin_step",))
class LangevinWithoutSqrt2(Samplers):
    def langevin_step(self, sde, score_fn, x, t, snr, generator=None):
        x_new, x_mean = super().langevin_step(sde, score_fn, x, t, snr, generator)
        return x_mean + (x_new - x_mean) / math.sqrt(2), x_mean


@mutant("sde", bug="Langevin step size from each sample's own ‖z‖/‖s‖ instead of the batch means",
        catches=("sde.langevin_step",))
class LangevinPerSampleStep(Samplers):
    def langevin_step(self, sde, score_fn, x, t, snr, generator=None):
        z = _noise(x, generator)
        x = x.to(F64)
        s = score_fn(x, torch.full((x.shape[0],), float(t), dtype=F64))
        eps = 2 * (snr * z.norm(dim=-1, keepdim=True) / s.norm(dim=-1, keepdim=True)) ** 2
        x_mean = x + eps * s
        return x_mean + torch.sqrt(2 * eps) * z, x_mean


@mutant("sde", bug="Euler–Maruyama noise g · Δt · z instead of g · √Δt · z",
        catches=("sde.euler_maruyama_pathwise", "sde.euler_maruyama_step"))
class EulerMaruyamaNoiseTimesDt(Samplers):
    def euler_maruyama(self, sde, score_fn, x, ts, bm=None, probability_flow=False):
        ts = torch.as_tensor(ts, dtype=F64)

        def scaled(s, u):  # ΔW · √|Δt| = g Δt z
            return bm(s, u) * math.sqrt(abs(u - s))

        return super().euler_maruyama(sde, score_fn, x, ts, scaled if bm is not None else None, probability_flow)

    def euler_maruyama_step(self, sde, score_fn, x, t, dt, generator=None, probability_flow=False):
        x_new, x_mean = super().euler_maruyama_step(sde, score_fn, x, t, dt, generator, probability_flow)
        return x_mean + (x_new - x_mean) * math.sqrt(-dt), x_mean


@mutant("sde", bug="Euler–Maruyama evaluates the drift at the step's end time t_{i+1} instead of t_i",
        catches=("sde.euler_maruyama_pathwise",))
class EulerMaruyamaDriftAtEndTime(Samplers):
    def euler_maruyama(self, sde, score_fn, x, ts, bm=None, probability_flow=False):
        ts = torch.as_tensor(ts, dtype=F64)
        x = x.to(F64)
        rsde = sde.reverse(score_fn, probability_flow)
        for i in range(len(ts) - 1):
            t, t1 = float(ts[i]), float(ts[i + 1])
            drift, g = rsde.sde(x, torch.full((x.shape[0],), t1, dtype=F64))
            x = x + drift * (t1 - t) + (0 if probability_flow else g[:, None] * bm(-t, -t1))
        return x


@mutant("sde", bug="reverse-diffusion step with noise G_i² z instead of G_i z",
        catches=("sde.reverse_diffusion_step",))
class ReverseDiffusionNoiseSquared(Samplers):
    def reverse_diffusion_step(self, sde, score_fn, x, t, generator=None, probability_flow=False):
        x_new, x_mean = super().reverse_diffusion_step(sde, score_fn, x, t, generator, probability_flow)
        _, G = sde.reverse(score_fn, probability_flow).discretize(x_mean, torch.full((x.shape[0],), float(t), dtype=F64))
        return x_mean + (x_new - x_mean) * G[:, None], x_mean


@mutant("sde", bug="reverse-diffusion step draws its noise from torch's global RNG, not the generator",
        catches=("sde.reverse_diffusion_step",))
class ReverseDiffusionGlobalNoise(Samplers):
    def reverse_diffusion_step(self, sde, score_fn, x, t, generator=None, probability_flow=False):
        return super().reverse_diffusion_step(sde, score_fn, x, t, None, probability_flow)


@mutant("sde", bug="predictor–corrector returns the last sample with its noise instead of x_mean (no denoising)",
        catches=("sde.predictor_corrector_composes_steps",))
class PCWithoutDenoising(Samplers):
    def predictor_corrector(self, sde, score_fn, x, eps=1e-3, snr=0.16, n_corrector=1, generator=None, denoise=True):
        return super().predictor_corrector(sde, score_fn, x, eps, snr, n_corrector, generator, denoise=False)


@mutant("sde", bug="probability-flow ODE integrated with the reverse SDE's drift f − g² s (probability_flow=False)",
        catches=("sde.pf_ode_transports_marginal", "sde.pf_ode_fixed_step_converges"))
class ODEWithReverseSDEDrift(Samplers):
    @staticmethod
    def _velocity(sde, score_fn):
        rsde = sde.reverse(score_fn, probability_flow=False)
        return lambda x, t: rsde.sde(x, torch.full((x.shape[0],), t, dtype=F64))[0]


@mutant("sde", bug="Heun's step without its corrector: x + h v(x + h v(x, t), t + h) (an Euler step at the predicted "
                   "point)",
        catches=("sde.pf_ode_fixed_step_converges",))
class HeunWithoutAveraging(Samplers):
    def ode(self, sde, score_fn, x, ts, method="euler"):
        if method != "heun":
            return super().ode(sde, score_fn, x, ts, method)
        v = self._velocity(sde, score_fn)
        ts, x = torch.as_tensor(ts, dtype=F64), x.to(F64)
        for i in range(len(ts) - 1):
            t, t1 = float(ts[i]), float(ts[i + 1])
            x = x + (t1 - t) * v(x + (t1 - t) * v(x, t), t1)
        return x


@mutant("sde", bug="adaptive ODE ignores the requested rtol/atol and runs at scipy's defaults (1e-3, 1e-6)",
        catches=("sde.pf_ode_round_trip", "sde.pf_ode_transports_marginal"))
class AdaptiveIgnoresTolerances(Samplers):
    def ode_adaptive(self, sde, score_fn, x, t0, t1, rtol=1e-5, atol=1e-5):
        return super().ode_adaptive(sde, score_fn, x, t0, t1, rtol=1e-3, atol=1e-6)


@mutant("sde", bug="adaptive ODE always integrates from the later to the earlier time (ignores the direction)",
        catches=("sde.pf_ode_round_trip",))
class AdaptiveAlwaysBackward(Samplers):
    def ode_adaptive(self, sde, score_fn, x, t0, t1, rtol=1e-5, atol=1e-5):
        return super().ode_adaptive(sde, score_fn, x, max(t0, t1), min(t0, t1), rtol, atol)


@mutant("sde", bug="likelihood subtracts the divergence integral: log p = log π(x_T) − ∫∇·v",
        catches=("sde.likelihood_is_exact",))
class LikelihoodDivergenceSignFlipped(Samplers):
    def likelihood(self, sde, score_fn, x, eps=1e-5, rtol=1e-5, atol=1e-5):
        lp = super().likelihood(sde, score_fn, x, eps, rtol, atol)
        zT = self.ode_adaptive(sde, score_fn, x, eps, sde.T, rtol, atol)
        prior = sde.prior_logp(zT)
        return prior - (lp - prior)


@mutant("sde", bug="samplers without time validation: t > T, t = 0 and NaN run (and return garbage)",
        catches=("sde.rejects_bad_sampler_times",))
class SamplersWithoutValidation(Samplers):
    def reverse_diffusion_step(self, sde, score_fn, x, t, generator=None, probability_flow=False):
        z = _noise(x, generator)
        x = x.to(F64)
        rev_f, rev_G = sde.reverse(score_fn, probability_flow).discretize(x, torch.full((x.shape[0],), float(t)))
        return x - rev_f + rev_G[:, None] * z, x - rev_f

    def ode_adaptive(self, sde, score_fn, x, t0, t1, rtol=1e-5, atol=1e-5):
        v = self._velocity(sde, score_fn)
        sol = solve_ivp(lambda t, y: v(torch.as_tensor(y).reshape(x.shape), t).reshape(-1).numpy(),
                        (float(t0), float(t1)), x.reshape(-1).numpy(), rtol=rtol, atol=atol)
        return torch.as_tensor(sol.y[:, -1]).reshape(x.shape)

