"""DDIM, what is specific to the topic: the reference's own behaviour (η = 1 is DDPM, inversion, generators,
dtypes, bad input).  Invariants × implementations, cross-checks and mutants run in tests/test_topics.py."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the diffusion topics need torch (install the 'diffusion' extra)")
pytest.importorskip("diffusers", reason="the diffusers cross-checks need diffusers (install the 'diffusion' extra)")

from reference.diffusion.ddim import DDIMScheduler, ddim_sigma, invert, sample
from reference.diffusion.ddpm import DDPMScheduler, eps_from_x0


# ------------------------------------------------------------------ the reference's own behaviour


def _x(seed, shape=(4, 3)):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_eta_one_on_the_full_schedule_is_the_ddpm_step():
    ddim, ddpm = DDIMScheduler(num_train_timesteps=50), DDPMScheduler(num_train_timesteps=50)
    ddim.set_timesteps(50)
    ddpm.set_timesteps(50)
    for t in (49, 20, 1, 0):
        mo, x, z = _x(t), _x(t + 100), _x(t + 200)
        a = ddim.step(mo, t, x, eta=1.0, variance_noise=z).prev_sample
        b = ddpm.step(mo, t, x, variance_noise=z).prev_sample
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_sigma_eta_zero_and_final_step():
    assert ddim_sigma(0.3, 0.5, 0.0) == 0.0
    assert ddim_sigma(0.3, 1.0, 1.0) == 0.0


def test_inversion_then_sampling_returns_the_data_point():
    s = DDIMScheduler(num_train_timesteps=1000, set_alpha_to_one=False, prediction_type="sample")
    x0 = _x(1)
    x_T = invert(s, x0, lambda x, t: x0, 25)
    torch.testing.assert_close(sample(s, lambda x, t: x0, x_T, 25), x0, rtol=0, atol=1e-12)


def test_eta_zero_never_touches_the_generator():
    s = DDIMScheduler(num_train_timesteps=100)
    g = torch.Generator().manual_seed(0)
    state = g.get_state()
    model = lambda x, t: eps_from_x0(x, torch.zeros_like(x), float(s.alphas_cumprod[t]))  # noqa: E731
    sample(s, model, _x(2), 10, eta=0.0, generator=g)
    assert torch.equal(state, g.get_state())


def test_respects_dtype_and_never_mutates():
    s = DDIMScheduler(num_train_timesteps=20)
    s.set_timesteps(5)
    x, mo, z = _x(5).float(), _x(6).float(), _x(7).float()
    copies = [a.clone() for a in (x, mo, z)]
    out = s.step(mo, int(s.timesteps[0]), x, eta=0.5, variance_noise=z)
    assert out.prev_sample.dtype == torch.float32
    assert all(torch.equal(a, b) for a, b in zip((x, mo, z), copies))


@pytest.mark.parametrize("call, param", [
    (lambda s: s.step(_x(0), 900, _x(1), eta=-0.5), "eta"),
    (lambda s: s.step(_x(0), 900, _x(1), eta=float("nan")), "eta"),
    (lambda s: s.step(_x(0), 900, _x(1), eta=5.0, variance_noise=_x(2)), "eta"),
    (lambda s: s.set_timesteps(1001), "num_inference_steps"),
    (lambda s: s.step(_x(0), 1000, _x(1)), "timestep"),
    (lambda s: s.step(_x(0), 900, torch.full((4, 3), float("nan"), dtype=torch.float64)), "sample"),
    (lambda s: s.step(_x(0), 900, _x(1), eta=0.5, variance_noise=_x(2, (1, 3))), "variance_noise"),
    (lambda s: s.step(_x(0), 900, _x(1), eta=0.5, variance_noise=_x(2), generator=torch.Generator()), "variance_noise"),
    (lambda s: DDIMScheduler(timestep_spacing="karras"), "timestep_spacing"),
    (lambda s: DDIMScheduler(steps_offset=1).set_timesteps(1000), "steps_offset"),
    (lambda s: DDIMScheduler(steps_offset=2.5), "steps_offset"),                   # gave fractional timesteps
    (lambda s: s.step(_x(0), 998, _x(1)), "timestep"),                           # not one of set_timesteps(10)'s
    (lambda s: DDIMScheduler(trained_betas=[1e-4, float("nan"), 0.02]), "trained_betas"),
    (lambda s: DDIMScheduler(trained_betas=[1e-4, 1.5, 0.02]), "trained_betas"),
    (lambda s: s.add_noise(_x(0), _x(1), torch.tensor([0.0, 2.7, 1.0, 3.0])), "timesteps"),
    (lambda s: s.add_noise(_x(0), _x(1), torch.tensor([0, 1])), "timesteps"),
])
def test_bad_input_names_the_parameter(call, param):
    s = DDIMScheduler()
    s.set_timesteps(10)
    with pytest.raises(ValueError, match=param):
        call(s)


def test_step_before_set_timesteps_is_an_error():
    with pytest.raises(ValueError, match="num_inference_steps"):
        DDIMScheduler().step(_x(0), 5, _x(1))


@pytest.mark.parametrize("spacing", ["leading", "trailing", "linspace"])
def test_a_step_goes_to_the_next_timestep_of_the_schedule(spacing):
    """The paper's τ_{i−1}, for every spacing (diffusers' t − ⌊T/S⌋ differs under trailing and linspace)."""
    s = DDIMScheduler(num_train_timesteps=1000, timestep_spacing=spacing)
    s.set_timesteps(30)
    ts = s.timesteps.tolist()
    assert [s.previous_timestep(t) for t in ts] == ts[1:] + [-1]


def test_inversion_walks_the_sampler_levels_upwards():
    s = DDIMScheduler(num_train_timesteps=100, timestep_spacing="linspace")
    calls = []
    s.invert(_x(0), lambda x, t: calls.append(t) or torch.zeros_like(x), 7)
    assert calls == s.timesteps.tolist()[::-1]


def _determinism_example(**kw):
    x = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    return {"T": 10, "S": 3, "i": 0, "beta_schedule": "linear", "timestep_spacing": "leading",
            "prediction_type": "epsilon", "set_alpha_to_one": True, "x": x, "mo": -x, "z": x[::-1].copy(), **kw}


def test_hidden_global_rng_use_is_named_nondeterminism():
    """Review 8.3: a 'deterministic' η = 0 perturbation drawn from torch.randn without a generator."""
    from properties.engine import check_example, find_invariant
    from tests.zoo.diffusion.ddim import EtaZeroDrawsGlobalNoise

    inv = find_invariant("ddim.eta0_deterministic")
    with pytest.raises(AssertionError, match=r"^nondeterministic: an η = 0 chain"):
        check_example(inv, EtaZeroDrawsGlobalNoise, _determinism_example())
    check_example(inv, DDIMScheduler, _determinism_example())


def test_step_without_eta_is_eta_zero():
    """Review 8.14: the default of step's η is part of the contract."""
    from properties.engine import check_example, find_invariant
    from tests.zoo.diffusion.ddim import DefaultEtaOne

    with pytest.raises(AssertionError, match=r"without eta vs eta = 0\.0 \(η must default to 0\)"):
        check_example(find_invariant("ddim.eta0_deterministic"), DefaultEtaOne, _determinism_example())
