"""ddim's contract is the paper's (a step goes to the next timestep of the schedule); diffusers' hard-coded stride
t − ⌊T/S⌋ is a narrow expected failure, and a new bug inside a recorded invariant is still reported as a failure."""
import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the diffusion topics need torch (install the 'diffusion' extra)")
pytest.importorskip("diffusers", reason="the diffusers records need diffusers (install the 'diffusion' extra)")

from properties.adapters.diffusers_schedulers import DDIMScheduler as DiffusersDDIM  # noqa: E402
from properties.cli import main  # noqa: E402
from properties.diffusion.diffusers_records import stride_differs_at  # noqa: E402
from properties.engine import Implementation, check_example, get_topic, run_invariant, spec_of  # noqa: E402

REFERENCE = "reference.diffusion.ddim:DDIMScheduler"
ADAPTER = "properties.adapters.diffusers_schedulers:DDIMScheduler"
ADAPTER64 = "properties.adapters.diffusers_schedulers:DDIMScheduler64"
STRIDE_SENSITIVE = ("ddim.delta_lands_on_x0", "ddim.marginal_preservation", "ddim.sigma_eta")


@pytest.mark.parametrize("spacing", ["leading", "trailing", "linspace"])
def test_paper_faithful_ddim_passes_check_for_every_spacing(spacing):
    """Review 8.1: the reference (the next entry of its schedule) passes `invariants check ddim` under each spacing."""
    argv = ["check", "ddim", REFERENCE, "--support", f"timestep_spacing={spacing}", "--max-examples", "6"]
    for inv in STRIDE_SENSITIVE:
        argv += ["--only", inv]
    assert main(argv) == 0


def _example(T, S, spacing, i, offset=0, eta=0.5, one=True):
    return {"T": T, "S": S, "i": i, "eta": eta, "timestep_spacing": spacing, "set_alpha_to_one": one,
            "steps_offset": offset, "beta_schedule": "linear", "prediction_type": "epsilon",
            "x0": np.array([0.5, -1.0, 2.0])}


@pytest.mark.parametrize("T, S, spacing, i, offset, differs", [
    (10, 2, "linspace", 0, 0, True),     # timesteps 9, 0: diffusers steps from 9 to 4
    (10, 6, "trailing", 0, 0, True),     # 9, 7, 6, 4, 2, 1: diffusers steps from 9 to 8
    (10, 5, "trailing", 0, 0, False),    # T/S = 2: the stride is the next entry
    (10, 2, "leading", 0, 0, False),
    (1000, 7, "leading", 6, 0, False),   # the last step: both go to final_alpha_cumprod
    (10, 6, "leading", 5, 1, True),      # 6, 5, 4, 3, 2, 1: diffusers ends at ᾱ_0, not at final_alpha_cumprod = 1
])
def test_diffusers_stride_is_expected_only_where_it_differs(T, S, spacing, i, offset, differs):
    topic = get_topic("ddim")
    example = _example(T, S, spacing, i, offset)
    assert stride_differs_at(example, i) is differs
    inv = topic.invariants["ddim.marginal_preservation"]
    if differs:
        with pytest.raises(AssertionError, match=r"of x_s"):
            check_example(inv, ADAPTER64, example)
    else:
        check_example(inv, ADAPTER64, example)
    check_example(inv, REFERENCE, example)


def test_diffusers_stride_is_an_xfail_inside_its_sub_domain_only():
    topic = get_topic("ddim")
    result = run_invariant(topic.invariants["ddim.delta_lands_on_x0"], ADAPTER64, topic=topic)
    assert result.status == "xfail" and result.details["expected_hits"] > 0, result.reason
    assert "every other example passed" in result.reason


class OffsetStep(DiffusersDDIM):
    """diffusers' DDIM with a new bug, +0.01 on every step: registered nowhere."""

    def step(self, *args, **kwargs):
        out = super().step(*args, **kwargs)
        out.prev_sample = out.prev_sample + 0.01
        return out


def test_a_new_bug_under_a_recorded_invariant_is_failed_not_xfail():
    """Issue 7: the +0.01 offset was reported as an expected failure of ddim.marginal_preservation.  Run through the
    registered adapter's records, every recorded invariant that sees the offset where no record applies (leading
    spacing, whose stride is the schedule's) still fails over the whole domain, records applied."""
    topic = get_topic("ddim")
    registered = next(i for i in topic.implementations if i.spec == ADAPTER)
    copy = dataclasses.replace(topic, implementations=[
        Implementation(spec_of(OffsetStep), expected=registered.expected, precision="float32")])
    recorded = sorted({e.invariant for e in registered.expected} & set(STRIDE_SENSITIVE + ("ddim.inversion_exact_on_delta",)))
    caught = []
    for inv_id in recorded:
        inv = copy.invariants[inv_id]
        leading = run_invariant(inv, OffsetStep, topic=copy, support={"timestep_spacing": ["leading"]}, shrink=False)
        if leading.status != "failed":  # the offset is invisible to this invariant (e.g. σ is read off differences)
            continue
        caught.append(inv_id)
        with_records = run_invariant(inv, OffsetStep, topic=copy, shrink=False)
        assert with_records.status == "failed", f"{inv_id}: {with_records.status} {with_records.reason[:300]}"
    assert "ddim.marginal_preservation" in caught and "ddim.delta_lands_on_x0" in caught, caught
