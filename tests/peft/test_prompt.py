"""Prompt tuning, what is specific to the topic: the reference's bad input and the peft generation defect
characterised exactly (the context PeftModel.generate() really conditions on).  Invariants × implementations, the
cross-check and the mutants run in tests/test_topics.py."""
import importlib.util

import pytest

torch = pytest.importorskip("torch", reason="the PEFT topics need torch (install the 'peft' extra)")

from properties.oracles.attention import gpt2_logits  # noqa: E402
from properties.peft.host import base_config, base_state  # noqa: E402
from reference.peft.prompt import PromptTuning  # noqa: E402

needs_peft = pytest.mark.skipif(importlib.util.find_spec("peft") is None or importlib.util.find_spec("transformers") is None,
                                reason="peft and transformers are not installed (the 'peft' extra)")
IDS = torch.tensor([[4, 8, 15, 16], [23, 42, 0, 9]])


@pytest.mark.parametrize("kwargs, param", [
    ({"n_virtual": -1}, "n_virtual"), ({"n_virtual": "2"}, "n_virtual"), ({"n_virtual": 2, "token_dim": 33}, "token_dim"),
])
def test_bad_construction_names_the_parameter(kwargs, param):
    with pytest.raises(ValueError, match=param):
        PromptTuning(base_config(), base_state(0), **kwargs)


def test_too_long_an_input_is_named():
    with pytest.raises(ValueError, match="input_ids"):
        PromptTuning(base_config(), base_state(0), n_virtual=4).logits(torch.zeros(1, 61, dtype=torch.int64))


def test_generation_respects_the_position_table():
    pr = PromptTuning(base_config(), base_state(0), n_virtual=4)
    with pytest.raises(ValueError, match="input_ids"):
        pr.generate(torch.zeros(1, 58, dtype=torch.int64), 4)        # 4 + 58 + 3 earlier positions > 64
    assert pr.generate(torch.zeros(1, 57, dtype=torch.int64), 4)[0].shape == (1, 61)


@needs_peft
def test_peft_generate_reinserts_the_prompt_before_every_new_token():
    """The recorded defect, exactly: after the first token (right), step k conditions on [P; x; P; x₁; …; P; x_k]."""
    from properties.adapters.peft_gpt2 import PeftPromptTuning

    config, state = base_config(), base_state(0)
    pr = PeftPromptTuning(config, state, n_virtual=3)
    seq, scores = pr.generate(IDS, 3)
    P = pr.embedding.detach().double().expand(IDS.shape[0], -1, -1)
    wte = state["transformer.wte.weight"].double()
    T = IDS.shape[1]
    for k, score in enumerate(scores):
        parts = [P, wte[IDS]] + [piece for j in range(k) for piece in (P, wte[seq[:, T + j: T + j + 1]])]
        want = gpt2_logits(config, state, inputs_embeds=torch.cat(parts, dim=1))[:, -1]
        torch.testing.assert_close(score.double(), want, rtol=0, atol=1e-5 * float(want.abs().max()))
    right = gpt2_logits(config, state, inputs_embeds=torch.cat([P, wte[seq[:, : T + 1]]], dim=1))[:, -1]
    assert float((scores[1].double() - right).abs().max()) > 1e-2 * float(right.abs().max())
