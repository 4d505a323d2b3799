"""Issue 7 on real code: an ε-only, leading-only DDIM written from the paper (tests/realcode/ddim_eps_leading.py).
Undeclared, it fails invariants on options it never offered; declared, it passes; `invariants probe` finds its
support."""
import pytest

pytest.importorskip("torch", reason="the diffusion topics need torch (install the 'diffusion' extra)")

from properties.cli import main  # noqa: E402
from properties.diffusion.strategies import DOMAINS  # noqa: E402
from properties.engine import BAD, get_topic, run_topic  # noqa: E402
from tests.realcode.ddim_eps_leading import EpsLeadingDDIM  # noqa: E402

SPEC = "tests.realcode.ddim_eps_leading:EpsLeadingDDIM"
#: a light run: every invariant, a few examples each (the registered implementations get the full CI profile)
FEW = 3


def test_declared_it_passes_every_invariant():
    results = run_topic(get_topic("ddim"), EpsLeadingDDIM, max_examples=FEW)
    assert not [r for r in results if r.status in BAD], [(r.invariant, r.reason[:200]) for r in results if r.status in BAD]
    skipped = {r.invariant for r in results if r.status == "skipped"}
    assert {"ddim.inversion_exact_on_delta", "ddim.inversion_roundtrip", "ddim.prediction_types_agree"} == skipped
    uncovered = {tuple(r.details["not_covered"].get("timestep_spacing", ())) for r in results if r.status != "skipped"}
    assert uncovered == {(), ("trailing", "linspace")}  # listed where an invariant draws the spacing


def test_undeclared_it_fails_only_on_options_it_never_offered():
    full = {"prediction_type": list(DOMAINS["prediction_type"]), "timestep_spacing": list(DOMAINS["timestep_spacing"])}
    results = run_topic(get_topic("ddim"), EpsLeadingDDIM, support=full, max_examples=FEW, shrink=False)
    failed = [r for r in results if r.status in BAD]
    assert len(failed) > len(results) // 2, [r.invariant for r in failed]
    for r in failed:
        assert "NotImplementedError" in r.reason and "is implemented" in r.reason, (r.invariant, r.reason[:300])


def test_probe_prints_just_epsilon_and_leading(capsys):
    assert main(["probe", "ddim", SPEC]) == 0
    out = capsys.readouterr().out
    assert 'timestep_spacing = ["leading"]' in out and 'prediction_type = ["epsilon"]' in out
    assert "operations = []" in out


@pytest.mark.parametrize("spec", ["properties.adapters.diffusers_schedulers:DDIMScheduler",
                                  "reference.diffusion.ddim:DDIMScheduler"])
def test_probe_prints_the_full_support_of_diffusers_and_the_reference(spec, capsys):
    assert main(["probe", "ddim", spec]) == 0
    out = capsys.readouterr().out
    assert 'timestep_spacing = ["leading", "trailing", "linspace"]' in out
    assert 'prediction_type = ["epsilon", "sample", "v_prediction"]' in out
    assert 'operations = ["inversion"]' in out
