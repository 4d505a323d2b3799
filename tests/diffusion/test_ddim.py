"""DDIM, what is specific to the topic: the reference's own behaviour (η = 1 is DDPM, inversion, generators,
dtypes, bad input).  Invariants × implementations, cross-checks and mutants run in tests/test_topics.py."""
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
    (lambda s: s.step(_x(0), 999, _x(1), eta=-0.5), "eta"),
    (lambda s: s.step(_x(0), 999, _x(1), eta=float("nan")), "eta"),
    (lambda s: s.step(_x(0), 999, _x(1), eta=5.0, variance_noise=_x(2)), "eta"),
    (lambda s: s.set_timesteps(1001), "num_inference_steps"),
    (lambda s: s.step(_x(0), 1000, _x(1)), "timestep"),
    (lambda s: s.step(_x(0), 999, torch.full((4, 3), float("nan"), dtype=torch.float64)), "sample"),
    (lambda s: s.step(_x(0), 999, _x(1), eta=0.5, variance_noise=_x(2, (1, 3))), "variance_noise"),
    (lambda s: s.step(_x(0), 999, _x(1), eta=0.5, variance_noise=_x(2), generator=torch.Generator()), "variance_noise"),
    (lambda s: DDIMScheduler(timestep_spacing="karras"), "timestep_spacing"),
    (lambda s: DDIMScheduler(steps_offset=1).set_timesteps(1000), "steps_offset"),
])
def test_bad_input_names_the_parameter(call, param):
    s = DDIMScheduler()
    s.set_timesteps(10)
    with pytest.raises(ValueError, match=param):
        call(s)


def test_step_before_set_timesteps_is_an_error():
    with pytest.raises(ValueError, match="num_inference_steps"):
        DDIMScheduler().step(_x(0), 5, _x(1))
