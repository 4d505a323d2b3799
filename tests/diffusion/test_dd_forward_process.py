"""The forward process is one set of invariants registered on both ddpm and ddim; its small finite domain, the
(T, beta_schedule) pairs, is enumerated — every pair is judged."""
import itertools

import pytest

pytest.importorskip("torch", reason="the diffusion topics need torch (install the 'diffusion' extra)")

from properties.cli import main  # noqa: E402
from properties.diffusion.scheduler_api import SCHEDULE_NAMES  # noqa: E402
from properties.engine import get_topic, run_invariant  # noqa: E402
from reference.diffusion.ddim import DDIMScheduler  # noqa: E402
from reference.diffusion.ddpm import DDPMScheduler  # noqa: E402

FORWARD = ("alpha_bar_decreasing", "schedule_definition", "add_noise_closed_form", "forward_composition")


def recording(cls):
    class Recording(cls):
        seen: set = set()

        def __init__(self, num_train_timesteps=1000, beta_schedule="linear", **kwargs):
            Recording.seen.add((num_train_timesteps, beta_schedule))
            super().__init__(num_train_timesteps=num_train_timesteps, beta_schedule=beta_schedule, **kwargs)

    return Recording


@pytest.mark.parametrize("topic, cls", [("ddpm", DDPMScheduler), ("ddim", DDIMScheduler)])
@pytest.mark.parametrize("name", FORWARD)
def test_every_schedule_pair_is_judged(topic, cls, name):
    """Review 8.6: 6 examples over 9 (T, schedule) pairs reached only 5 of them; the domain is now enumerated."""
    impl = recording(cls)
    result = run_invariant(get_topic(topic).invariants[f"{topic}.{name}"], impl)
    assert result.status == "passed", result.reason
    assert impl.seen == set(itertools.product((10, 100, 1000), SCHEDULE_NAMES))


def test_the_forward_process_is_the_same_record_on_both_topics():
    ddpm, ddim = get_topic("ddpm"), get_topic("ddim")
    for name in FORWARD:
        a, b = ddpm.invariants[f"ddpm.{name}"], ddim.invariants[f"ddim.{name}"]
        assert (a.statement, a.check.__code__) == (b.statement, b.check.__code__)


def test_check_ddim_catches_add_noise_scaling_the_noise_by_the_variance():
    """Review 8.4: ddim never checked add_noise; a DDIM whose add_noise uses (1 − ᾱ) ε passed `check ddim`."""
    argv = ["check", "ddim", "tests.zoo.diffusion.ddim:AddNoiseScalesNoiseByVariance", "--category", "math"]
    assert main(argv + ["--only", "ddim.add_noise_closed_form", "--only", "ddim.forward_composition"]) == 1
