"""Prefix tuning, what is specific to the topic: the reference host against transformers' GPT-2 on the same state,
the reference's bad input, the oracle's mask, and the peft generation defect characterised exactly (what
PeftModel.generate computes instead, and that the documented workaround is greedy decoding through the prefix
forward).  Invariants × implementations, the cross-check and the mutants run in tests/test_topics.py."""
import importlib.util

import pytest

torch = pytest.importorskip("torch", reason="the PEFT topics need torch (install the 'peft' extra)")

from properties.oracles.attention import causal_allowed, gpt2_logits  # noqa: E402
from properties.peft.host import base_config, base_state  # noqa: E402
from reference.peft.prefix import PrefixTuning  # noqa: E402
from reference.peft.transformer import TinyCausalLM  # noqa: E402

needs_peft = pytest.mark.skipif(importlib.util.find_spec("peft") is None or importlib.util.find_spec("transformers") is None,
                                reason="peft and transformers are not installed (the 'peft' extra)")
IDS = torch.tensor([[1, 5, 9, 2, 0], [7, 3, 3, 3, 8]])
P = 3


def test_reference_host_matches_the_oracle_without_a_prefix():
    config, state = base_config(), base_state(1)
    got = TinyCausalLM(config, state)(input_ids=IDS)[0]
    want = gpt2_logits(config, state, input_ids=IDS)
    torch.testing.assert_close(got, want, rtol=0, atol=1e-12 * float(want.abs().max()))


def test_oracle_mask_is_the_offset_causal_mask():
    allowed = causal_allowed(3, 2)
    assert allowed.tolist() == [[True, True, True, False, False], [True, True, True, True, False],
                                [True, True, True, True, True]]
    assert torch.equal(allowed, torch.ones(3, 5, dtype=torch.bool).tril(diagonal=2))


@pytest.mark.parametrize("kwargs, param", [
    ({"n_virtual": -1}, "n_virtual"), ({"n_virtual": 1.0}, "n_virtual"), ({"n_virtual": 2, "token_dim": 16}, "token_dim"),
    ({"n_virtual": 2, "prefix_projection": True, "encoder_hidden_size": 0}, "encoder_hidden_size"),
])
def test_bad_construction_names_the_parameter(kwargs, param):
    with pytest.raises(ValueError, match=param):
        PrefixTuning(base_config(), base_state(0), **kwargs)


@pytest.mark.parametrize("config, state, match", [
    ({**base_config(), "n_head": 3}, base_state(0), "n_head"),
    ({**base_config(), "dropout": 0}, base_state(0), "config"),
    (base_config(), {k: v for k, v in base_state(0).items() if k != "lm_head.weight"}, "lm_head.weight"),
    ({**base_config(), "n_positions": 32}, base_state(0), "wpe"),
])
def test_bad_host_is_named(config, state, match):
    with pytest.raises(ValueError, match=match):
        TinyCausalLM(config, state)


@pytest.mark.parametrize("ids", [torch.zeros(1, 62, dtype=torch.int64), torch.tensor([[1, 100]]),
                                 torch.tensor([[-1, 2]]), torch.zeros(1, 3), torch.zeros(3, dtype=torch.int64)])
def test_bad_input_ids_are_named(ids):
    with pytest.raises(ValueError, match="input_ids"):
        PrefixTuning(base_config(), base_state(0), n_virtual=P).logits(ids)


def test_an_empty_prefix_is_the_base_model():
    config, state = base_config(), base_state(2)
    want = TinyCausalLM(config, state)(IDS)[0]
    torch.testing.assert_close(PrefixTuning(config, state, n_virtual=0).logits(IDS), want, rtol=0,
                               atol=1e-12 * float(want.abs().max()))   # an empty concatenation may change the BLAS path


@pytest.fixture(scope="module")
def peft_prefix():
    from properties.adapters.peft_gpt2 import PeftPrefixTuning

    pt = PeftPrefixTuning(base_config(), base_state(0), n_virtual=P)
    return pt, IDS, P


@needs_peft
def test_reference_host_matches_transformers_gpt2(peft_prefix):
    pt, ids, _ = peft_prefix
    with torch.no_grad():
        want = pt.model.get_base_model()(input_ids=ids).logits
    got = TinyCausalLM(base_config(), base_state(0))(input_ids=ids)[0]
    torch.testing.assert_close(got.float(), want, rtol=0, atol=1e-5 * float(want.abs().max()))


@needs_peft
def test_peft_generate_is_the_base_model_at_positions_shifted_by_p(peft_prefix):
    """The recorded defect, exactly: PeftModel.generate()'s first-step scores are the base model's (no prefix) with
    the real tokens at positions P … P + T − 1 — and not the prefix forward's."""
    pt, ids, P_ = peft_prefix
    _, scores = pt.generate(ids, 1)
    base = pt.model.get_base_model()
    with torch.no_grad():
        shifted = base(input_ids=ids, position_ids=torch.arange(P_, P_ + ids.shape[1]).expand_as(ids)).logits[:, -1]
        forward = pt.logits(ids)[:, -1]
    scale = float(shifted.abs().max())
    torch.testing.assert_close(scores[0], shifted, rtol=0, atol=1e-5 * scale)
    assert float((scores[0] - forward).abs().max()) > 1e-2 * scale


@needs_peft
def test_peft_workaround_generate_is_greedy_decoding_through_the_prefix(peft_prefix):
    """LIBRARY-NOTES' workaround: base_model.generate(input_ids, attention_mask=ones(B, P + T), cache=get_prompt(B))."""
    pt, ids, P_ = peft_prefix
    B, T = ids.shape
    with torch.no_grad():
        out = pt.model.get_base_model().generate(input_ids=ids, attention_mask=torch.ones(B, P_ + T, dtype=torch.long),
                                                 cache=pt.model.get_prompt(B), max_new_tokens=3, do_sample=False,
                                                 output_logits=True, return_dict_in_generate=True, eos_token_id=None,
                                                 pad_token_id=0)
        for k, score in enumerate(out.logits):
            want = pt.logits(out.sequences[:, : T + k])[:, -1]
            torch.testing.assert_close(score, want, rtol=0, atol=1e-5 * float(want.abs().max()))
            assert torch.equal(out.sequences[:, T + k], want.argmax(dim=-1))
