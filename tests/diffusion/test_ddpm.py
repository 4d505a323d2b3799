"""DDPM, what is specific to the topic: the reference's own functions (conversions, posterior, timesteps,
bad input, no global RNG).  Invariants × implementations, cross-checks and mutants run in tests/test_topics.py."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the diffusion topics need torch (install the 'diffusion' extra)")
pytest.importorskip("diffusers", reason="the diffusers cross-checks need diffusers (install the 'diffusion' extra)")

from reference.diffusion.ddpm import (DDPMScheduler, eps_from_v, eps_from_x0, make_betas, make_timesteps, posterior_mean_variance,
                            q_sample, q_step, sample, v_from_x0_eps, x0_from_eps, x0_from_v)


# ------------------------------------------------------------------ the reference's own functions


def _x(seed, shape=(4, 3)):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("alpha_bar", [0.999, 0.5, 1e-3])
def test_prediction_conversions_round_trip(alpha_bar):
    x0, eps = _x(0), _x(1)
    x_t = q_sample(x0, alpha_bar, eps)
    v = v_from_x0_eps(x0, eps, alpha_bar)
    torch.testing.assert_close(x0_from_eps(x_t, eps, alpha_bar), x0, rtol=0, atol=1e-12 / alpha_bar ** 0.5)
    torch.testing.assert_close(eps_from_x0(x_t, x0, alpha_bar), eps, rtol=0, atol=1e-12 / (1 - alpha_bar) ** 0.5)
    torch.testing.assert_close(x0_from_v(x_t, v, alpha_bar), x0, rtol=0, atol=1e-12)
    torch.testing.assert_close(eps_from_v(x_t, v, alpha_bar), eps, rtol=0, atol=1e-12)


def test_posterior_variance_is_beta_tilde_and_single_steps_compose():
    betas = make_betas(50)
    alpha_bar = torch.cumprod(1 - betas, 0)
    _, var = posterior_mean_variance(_x(0), _x(1), float(alpha_bar[10]), float(alpha_bar[9]))
    assert var == pytest.approx((1 - alpha_bar[9].item()) / (1 - alpha_bar[10].item()) * betas[10].item(), rel=1e-12)
    # composing q(x_t | x_{t−1}) with all-zero noise multiplies x0 by √ᾱ_t
    x = _x(2)
    for t in range(11):
        x = q_step(x, float(betas[t]), torch.zeros_like(x))
    torch.testing.assert_close(x, alpha_bar[10].sqrt() * _x(2), rtol=1e-13, atol=0)


def test_sample_lands_on_the_data_point():
    s = DDPMScheduler(num_train_timesteps=100, variance_type="fixed_large")
    x0 = _x(3)
    model = lambda x, t: eps_from_x0(x, x0, float(s.alphas_cumprod[t]))  # noqa: E731
    out = sample(s, model, _x(4), num_inference_steps=20, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(out, x0, rtol=0, atol=1e-12)


def test_respects_dtype_and_never_mutates():
    s = DDPMScheduler(num_train_timesteps=20)
    s.set_timesteps(5)
    x, mo = _x(5).float(), _x(6).float()
    x_copy, mo_copy = x.clone(), mo.clone()
    out = s.step(mo, int(s.timesteps[0]), x, generator=torch.Generator().manual_seed(0))
    assert out.prev_sample.dtype == torch.float32 and out.pred_original_sample.dtype == torch.float32
    assert torch.equal(x, x_copy) and torch.equal(mo, mo_copy)
    assert s.add_noise(x, mo, torch.tensor([1, 2, 3, 4])).dtype == torch.float32


def test_trailing_timesteps_have_exactly_S_entries():
    for S in (29, 31, 61, 103, 121):
        ts = make_timesteps(S, 1000, "trailing")
        assert len(ts) == S and ts.min() >= 0 and len(set(ts.tolist())) == S


@pytest.mark.parametrize("call, param", [
    (lambda s: s.set_timesteps(1001), "num_inference_steps"),
    (lambda s: s.set_timesteps(0), "num_inference_steps"),
    (lambda s: s.step(_x(0), 1000, _x(1)), "timestep"),
    (lambda s: s.step(_x(0), -1, _x(1)), "timestep"),
    (lambda s: s.step(_x(0), 5, torch.full((4, 3), float("nan"), dtype=torch.float64)), "sample"),
    (lambda s: s.step(torch.full((4, 3), float("inf"), dtype=torch.float64), 5, _x(1)), "model_output"),
    (lambda s: s.step(_x(0, (2, 3)), 5, _x(1)), "model_output"),
    (lambda s: s.add_noise(_x(0), _x(1), torch.tensor([0, 1, 2, 1000])), "timesteps"),
    (lambda s: s.add_noise(_x(0), _x(1), torch.tensor([0.0, 2.7, 1.0, 3.0])), "timesteps"),  # was truncated to 2
    (lambda s: s.add_noise(_x(0), _x(1), torch.tensor([0, 1, 2])), "timesteps"),  # was a torch RuntimeError
    (lambda s: DDPMScheduler(trained_betas=[1e-4, float("nan"), 0.02]), "trained_betas"),
    (lambda s: DDPMScheduler(trained_betas=[1e-4, 1.0, 0.02]), "trained_betas"),
    (lambda s: DDPMScheduler(trained_betas=[1e-4, -0.01, 0.02]), "trained_betas"),
    (lambda s: DDPMScheduler(steps_offset=2.5), "steps_offset"),  # gave fractional timesteps
    (lambda s: (s.set_timesteps(10), s.step(_x(0), 5, _x(1))), "timestep"),  # not one of the timesteps
    (lambda s: DDPMScheduler(variance_type="learned"), "variance_type"),
    (lambda s: DDPMScheduler(beta_schedule="sigmoid"), "beta_schedule"),
    (lambda s: DDPMScheduler(prediction_type="x0"), "prediction_type"),
    (lambda s: DDPMScheduler(clip_sample=True), "clip_sample"),
])
def test_bad_input_names_the_parameter(call, param):
    with pytest.raises(ValueError, match=param):
        call(DDPMScheduler())


def test_no_global_rng():
    state = torch.random.get_rng_state()
    s = DDPMScheduler(num_train_timesteps=10)
    s.step(_x(0), 5, _x(1), generator=torch.Generator().manual_seed(0))
    assert torch.equal(state, torch.random.get_rng_state())
    assert np.isfinite(s.alphas_cumprod.numpy()).all()


@pytest.mark.parametrize("cls", ["ddpm", "ddim"])
def test_trained_betas_set_the_number_of_training_steps(cls):
    from reference.diffusion.ddim import DDIMScheduler

    sched = (DDPMScheduler if cls == "ddpm" else DDIMScheduler)(trained_betas=np.linspace(1e-4, 0.02, 50))
    assert sched.num_train_timesteps == len(sched.alphas_cumprod) == 50
    assert sched.timesteps.tolist() == list(range(49, -1, -1))


class FinalStepNoise(DDPMScheduler):
    """A float64 DDPM whose last step adds 1e-5·z (Algorithm 2 adds nothing there): invisible at float32 bounds."""

    def step(self, model_output, timestep, sample, generator=None, return_dict=True, variance_noise=None):
        out = super().step(model_output, timestep, sample, generator=generator, variance_noise=variance_noise)
        if self.previous_timestep(timestep) < 0:
            out.prev_sample = out.prev_sample + 1e-5 * torch.randn(sample.shape, generator=generator,
                                                                   dtype=sample.dtype)
        return out


def test_float64_declared_implementation_is_judged_at_float64_bounds():
    """Issue 7: the float32 STEP bound (1e-5·s) hid a last step that adds 1e-5·z; declared float64, it fails."""
    from properties.engine import find_invariant, run_invariant

    inv = find_invariant("ddpm.delta_lands_on_x0")
    as_float64 = run_invariant(inv, FinalStepNoise, support={"precision": "float64"})
    assert as_float64.status == "failed" and "final sample" in as_float64.reason, as_float64.reason
    assert as_float64.details["precision"] == "float64"
    assert run_invariant(inv, FinalStepNoise, support={"precision": "float32"}).status == "passed"
