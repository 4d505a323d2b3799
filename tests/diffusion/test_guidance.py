"""Guidance, what is specific to the topic: the reference's bad input, the s = 1 + w convention, and the diffusers
pipeline lines the topic quotes (checked verbatim against the installed diffusers).  Invariants × implementations,
the cross-check and the mutants run in tests/test_topics.py."""
import importlib.util
import math
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="the guidance topic needs torch (install the 'diffusion' extra)")

from reference.diffusion.guidance import Guidance  # noqa: E402

F64 = torch.float64


def _x(seed, shape=(3, 2)):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


@pytest.mark.parametrize("call, param", [
    (lambda g: g.guide_score(_x(0), _x(1), math.inf), "scale"),
    (lambda g: g.guide_score(_x(0), _x(1, (3, 1)), 1.0), "classifier_grad"),
    (lambda g: g.guide_eps(_x(0), _x(1), 1.0, 0.0), "alpha_bar"),
    (lambda g: g.guide_eps(_x(0), _x(1), 1.0, torch.tensor([0.5, 0.5])), "alpha_bar"),
    (lambda g: g.guide_eps(_x(0) * math.nan, _x(1), 1.0, 0.5), "eps"),
    (lambda g: g.classifier_free(_x(0), [1.0], 2.0), "pred_cond"),
    (lambda g: g.classifier_free(_x(0), _x(1), "two"), "scale"),
])
def test_bad_input_names_the_parameter(call, param):
    with pytest.raises(ValueError, match=param):
        call(Guidance())


def test_scale_is_one_plus_w():
    """Ho & Salimans' ε̃ = (1 + w) ε_c − w ε_u is the reference's ε_u + s (ε_c − ε_u) with s = 1 + w."""
    u, c = _x(2), _x(3)
    for w in (-1.0, 0.0, 0.5, 3.0, 6.5):
        torch.testing.assert_close(Guidance().classifier_free(u, c, 1 + w), (1 + w) * c - w * u, rtol=1e-14, atol=1e-14)


def test_eps_form_is_the_score_form_in_eps_units():
    """ε = −√(1 − ᾱ) ∇ log p, so ε-form guidance is score-form guidance multiplied by −√(1 − ᾱ)."""
    score, grad, alpha_bar = _x(4), _x(5), 0.3
    eps = -math.sqrt(1 - alpha_bar) * score
    torch.testing.assert_close(Guidance().guide_eps(eps, grad, 2.5, alpha_bar),
                               -math.sqrt(1 - alpha_bar) * Guidance().guide_score(score, grad, 2.5))


def test_quoted_pipeline_lines_are_diffusers_own():
    """DiffusersPipelineCFG quotes two lines of diffusers' StableDiffusionPipeline (without importing it: that pulls in
    transformers); they must still be in the installed file, verbatim."""
    spec = importlib.util.find_spec("diffusers")
    if spec is None:
        pytest.skip("diffusers is not installed")
    from properties.diffusion.guidance_diffusers import DiffusersPipelineCFG

    source = (Path(spec.origin).parent / "pipelines" / "stable_diffusion" / "pipeline_stable_diffusion.py").read_text()
    lines = [line.strip() for line in source.splitlines()]
    assert DiffusersPipelineCFG.GATE in lines
    assert DiffusersPipelineCFG.FORMULA in lines
