"""Score SDEs, what is specific to the topic: the reference's bad input and conventions, the closed-form oracles
(the exact flow, the likelihood, the classifier), sub-VP's std that looks like a variance, and the library facts
behind the topic's expected-failure records.  Invariants × implementations, cross-checks and mutants run in
tests/test_topics.py."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the sde topic needs torch (install the 'diffusion' extra)")

from properties.engine import check_example, find_invariant  # noqa: E402
from properties.oracles.gaussian import random_spd  # noqa: E402
from properties.oracles.sde import GaussianData, GaussianMixture, marginal_coefficients  # noqa: E402
from reference.diffusion.sde import VESDE, VPSDE, subVPSDE  # noqa: E402
from reference.diffusion.sde_samplers import GeneratorBrownian, Samplers  # noqa: E402

F64 = torch.float64
VP = {"beta_min": 0.1, "beta_max": 20.0}


def _x(seed, shape=(4, 3)):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


# ------------------------------------------------------------------------------------------ the reference


@pytest.mark.parametrize("cls, kwargs, param", [
    (VPSDE, {"beta_min": -0.1}, "beta_min"), (VPSDE, {"beta_max": math.nan}, "beta_max"),
    (VPSDE, {"beta_max": 0.0}, "beta_max"), (subVPSDE, {"beta_min": math.inf}, "beta_min"),
    (VESDE, {"sigma_min": 0.0}, "sigma_min"), (VESDE, {"sigma_max": -1.0}, "sigma_max"),
    (VESDE, {"sigma_min": 60.0}, "sigma_max"), (VPSDE, {"N": 1}, "N"), (VESDE, {"N": 2.5}, "N"),
])
def test_bad_parameters_name_themselves(cls, kwargs, param):
    with pytest.raises(ValueError, match=param):
        cls(**kwargs)


def test_ddpm_chain_needs_small_steps():
    """β_i = β(t_i)/N must stay below 1 for √(1 − β_i): VP with β_max = 20 and N = 10 is rejected when discretised."""
    sde = VPSDE(N=10)
    with pytest.raises(ValueError, match="N too small"):
        sde.discretize(_x(0), torch.full((4,), 0.99, dtype=F64))


def test_score_sde_defaults_and_tables():
    """score_sde's discrete tables: β_i = linspace(β_min/N, β_max/N, N), σ_i geometric from σ_min to σ_max."""
    vp, ve = VPSDE(), VESDE()
    torch.testing.assert_close(vp.discrete_betas[[0, -1]], torch.tensor([1e-4, 0.02], dtype=F64))
    torch.testing.assert_close(ve.discrete_sigmas[[0, -1]], torch.tensor([0.01, 50.0], dtype=F64))
    assert vp.T == ve.T == 1.0


def test_nothing_mutates_its_inputs():
    x, t = _x(1), torch.full((4,), 0.5, dtype=F64)
    x0, t0 = x.clone(), t.clone()
    for sde in (VPSDE(), subVPSDE(), VESDE()):
        sde.sde(x, t), sde.marginal_prob(x, t), sde.discretize(x, t)
        sde.reverse(lambda y, s: -y, probability_flow=True).sde(x, t)
    Samplers().langevin_step(VESDE(), lambda y, s: -y, x, 0.5, 0.16, generator=torch.Generator().manual_seed(0))
    assert torch.equal(x, x0) and torch.equal(t, t0)


def test_generator_brownian_drives_euler_maruyama_reproducibly():
    sde, ts = VPSDE(), torch.linspace(1.0, 1e-3, 11, dtype=F64)
    runs = [Samplers().euler_maruyama(sde, lambda y, s: -y, _x(2), ts,
                                      GeneratorBrownian((4, 3), torch.Generator().manual_seed(5))) for _ in range(2)]
    assert torch.equal(runs[0], runs[1])


# -------------------------------------------------- sub-VP's std looks like a variance and must not be flagged


def test_subvp_std_is_vp_variance_yet_only_the_vp_mutant_is_caught():
    """The issue's warning: sub-VP's correct std 1 − a² is VP's variance.  The mutant that returns VP's variance
    as its std is caught by the VP checks; the correct sub-VP, with the same numbers, passes its own."""
    from tests.zoo.diffusion.sde import VPStdReturnedAsVariance

    t = torch.tensor([0.1, 0.5, 0.9], dtype=F64)
    x = torch.ones(3, 2, dtype=F64)
    torch.testing.assert_close(VPStdReturnedAsVariance().marginal_prob(x, t)[1], subVPSDE().marginal_prob(x, t)[1])
    example = {"kind": "vp", **VP, "N": 1000, "t": np.array([0.0, 1.0, 0.1, 0.5, 0.9])}
    with pytest.raises(AssertionError, match="a\\(t\\)² \\+ std²"):
        check_example(find_invariant("sde.vp_marginal"), VPStdReturnedAsVariance, example)
    assert check_example(find_invariant("sde.subvp_marginal"), subVPSDE, {**example, "kind": "subvp"}) is None
    moments = {"kind": "subvp", **VP, "N": 1000, "t": np.array([0.1, 0.5, 0.9])}
    assert check_example(find_invariant("sde.moment_equations"), subVPSDE, moments) is None
    with pytest.raises(AssertionError, match="d s²/dt"):
        check_example(find_invariant("sde.moment_equations"), VPStdReturnedAsVariance, {**moments, "kind": "vp"})


# --------------------------------------------------------------------------------------------- the oracles


def _gaussian(kind="vp", seed=0, d=3):
    rng = np.random.default_rng(seed)
    p = VP if kind != "ve" else {"sigma_min": 0.01, "sigma_max": 50.0}
    return GaussianData(kind, p, rng.standard_normal(d), random_spd(d, rng))


@pytest.mark.parametrize("kind", ["vp", "subvp", "ve"])
def test_exact_flow_composes_and_carries_the_marginal(kind):
    data, x = _gaussian(kind), _x(3, (5, 3))
    torch.testing.assert_close(data.flow(data.flow(x, 0.9, 0.4), 0.4, 0.01), data.flow(x, 0.9, 0.01),
                               rtol=1e-12, atol=1e-12)
    # the map is affine, x ↦ m_t + A (x − m_r), and A C_r Aᵀ = C_t: it carries q_r onto q_t
    a_r, _, c_r = data._c(torch.full((1,), 0.9, dtype=F64))
    _, _, c_t = data._c(torch.full((1,), 0.01, dtype=F64))
    _, Q = data.eig
    m_r = a_r * torch.as_tensor(data.mu, dtype=F64)
    A = torch.stack([data.flow(m_r[None] + e[None], 0.9, 0.01)[0] - data.flow(m_r[None], 0.9, 0.01)[0]
                     for e in torch.eye(3, dtype=F64)], 1)
    C_r, C_t = (Q * c_r[0]) @ Q.T, (Q * c_t[0]) @ Q.T
    torch.testing.assert_close(A @ C_r @ A.T, C_t, rtol=1e-10, atol=1e-10)


def test_pf_likelihood_is_the_marginal_density_when_the_prior_is_exact():
    """Data N(0, I) under VP: every marginal is N(0, I), the prior too, so the likelihood through the flow is
    log q_ε exactly (the oracle's two formulas, computed independently, agree)."""
    data = GaussianData("vp", VP, np.zeros(2), np.eye(2))
    x = _x(4, (5, 2))
    torch.testing.assert_close(data.pf_log_likelihood(x, 1e-3), data.marginal_logp(x, 1e-3), rtol=1e-12, atol=1e-12)


def test_classifier_gradient_is_bayes():
    """∇ log p(y|x) by autograd of the log-sum-exp equals ∇ log p(x|y) − ∇ log p(x) from the closed-form scores."""
    rng = np.random.default_rng(1)
    mix = GaussianMixture("vp", VP, (0.3, 0.2, 0.5), tuple(rng.standard_normal((3, 2))),
                          tuple(random_spd(2, rng) for _ in range(3)), (0, 1, 1))
    x, t = _x(6, (6, 2)), torch.full((6,), 0.3, dtype=F64)
    torch.testing.assert_close(mix.classifier_grad(x, t, 1), mix.conditional_score(x, t, 1) - mix.score(x, t),
                               rtol=1e-10, atol=1e-12)
    a, s = marginal_coefficients("vp", 0.3, VP)
    assert float(a) ** 2 + float(s) ** 2 == pytest.approx(1.0, abs=1e-14)


# ----------------------------------------------------------------- the facts behind the topic's records


def test_torch_randn_float32_and_float64_agree_below_16_elements_only():
    """The sub-domain of the diffusers step_correct record: the CPU generator gives the same normals in both dtypes
    (up to float32 rounding) for fewer than 16 elements, a different stream from 16 on."""
    def draws(n, dtype):
        return torch.randn(n, generator=torch.Generator().manual_seed(3), dtype=dtype).double()
    assert (draws(15, torch.float32) - draws(15, F64)).abs().max() < 1e-6
    assert (draws(16, torch.float32) - draws(16, F64)).abs().max() > 1e-2


def test_torchdiffeq_dopri5_evaluates_past_the_final_time_without_step_t():
    """Why the torchdiffeq adapter passes step_t: by default dopri5 steps beyond t1 and interpolates."""
    torchdiffeq = pytest.importorskip("torchdiffeq")
    seen = []

    def f(t, y):
        seen.append(float(t))
        return -y

    ts = torch.tensor([1.0, 0.3], dtype=F64)
    torchdiffeq.odeint(f, torch.ones(1, dtype=F64), ts, method="dopri5", rtol=1e-3, atol=1e-3)
    assert min(seen) < 0.3
    seen.clear()
    torchdiffeq.odeint(f, torch.ones(1, dtype=F64), ts, method="dopri5", rtol=1e-3, atol=1e-3,
                       options={"step_t": ts[1:]})
    assert min(seen) >= 0.3


def test_diffusers_vp_steps_by_one_over_the_number_of_timesteps():
    """Why the DiffusersVP adapter only takes dt = −1/M: ScoreSdeVpScheduler.step_pred steps by −1/len(timesteps)
    (score_sde's EulerMaruyamaPredictor: dt = −1/N) while its grid linspace(1, sampling_eps, M) is spaced
    (1 − sampling_eps)/(M − 1) — a convention inherited from score_sde, not the grid's step."""
    pytest.importorskip("diffusers")
    from diffusers.schedulers import ScoreSdeVpScheduler

    sched = ScoreSdeVpScheduler(beta_min=0.1, beta_max=20.0, sampling_eps=1e-3)
    sched.set_timesteps(10)
    t = torch.tensor([0.5], dtype=F64)
    x = torch.ones(1, 1, dtype=F64)
    _, x_mean = sched.step_pred(torch.zeros(1, 1, dtype=F64), x, t)       # ε = 0: x_mean = x − ½ β(t) x dt
    dt = float(x_mean - 1) / (-0.5 * (0.1 + 0.5 * 19.9))
    assert dt == pytest.approx(-1 / 10, rel=1e-12)
    spacing = float(sched.timesteps[0] - sched.timesteps[1])
    assert spacing == pytest.approx((1 - 1e-3) / 9, rel=1e-6) and abs(spacing - 0.1) > 0.01


def test_diffusers_score_sde_schedulers_do_not_check_the_time():
    """The facts behind the DiffusersVE / DiffusersVP records: a negative time wraps around VE's σ table silently
    (t = −0.5 with N = 100 steps from σ_{−49}, i.e. σ_51), and VP's step at t = 0 returns −inf."""
    pytest.importorskip("diffusers")
    from diffusers.schedulers import ScoreSdeVeScheduler, ScoreSdeVpScheduler

    ve = ScoreSdeVeScheduler(num_train_timesteps=100, sigma_min=0.01, sigma_max=50.0)
    x, score = torch.zeros(1, 2, dtype=F64), torch.ones(1, 2, dtype=F64)
    out = ve.step_pred(score, -0.5, x, generator=torch.Generator().manual_seed(0))
    sig = ve.discrete_sigmas.double()
    assert torch.allclose(out.prev_sample_mean, (sig[-49] ** 2 - sig[-50] ** 2) * score)
    vp = ScoreSdeVpScheduler()
    vp.set_timesteps(10)
    assert torch.isinf(vp.step_pred(score, x, torch.zeros(1, dtype=F64))[1]).all()
