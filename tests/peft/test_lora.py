"""LoRA, what is specific to the topic: the reference's bad input, merge bookkeeping and input handling, LoRA hosted
on every block's c_attn of the reference transformer, and peft on a whole tiny GPT-2 (LoRA on every c_attn): the
model-level trainable count n_layer·r·(d_in + d_out), the same logits as the reference host on the same numbers, and
merge_and_unload, which changes the base model in place.  Invariants × implementations, the cross-check and the
mutants run in tests/test_topics.py."""
import copy
import importlib.util
import math

import pytest

torch = pytest.importorskip("torch", reason="the PEFT topics need torch (install the 'peft' extra)")

from properties.peft.host import base_config, base_state  # noqa: E402
from reference.peft.hosting import add_lora  # noqa: E402
from reference.peft.lora import LoRALinear  # noqa: E402
from reference.peft.transformer import TinyCausalLM  # noqa: E402

F64 = torch.float64
needs_peft = pytest.mark.skipif(importlib.util.find_spec("peft") is None or importlib.util.find_spec("transformers") is None,
                                reason="peft and transformers are not installed (the 'peft' extra)")


@pytest.mark.parametrize("kwargs, param", [
    ({"r": 0}, "r"), ({"r": -2}, "r"), ({"r": 4}, "r"), ({"r": 1.5}, "r"), ({"r": True}, "r"),
    ({"d_in": 0}, "d_in"), ({"d_out": -1}, "d_out"),
    ({"lora_alpha": 0.0}, "lora_alpha"), ({"lora_alpha": math.inf}, "lora_alpha"), ({"lora_alpha": "8"}, "lora_alpha"),
])
def test_bad_construction_names_the_parameter(kwargs, param):
    args = {"d_in": 3, "d_out": 7, "r": 2, **kwargs}
    with pytest.raises(ValueError, match=param):
        LoRALinear(**args)


@pytest.mark.parametrize("x", [torch.zeros(2, 4, dtype=F64), torch.zeros(2, 3, 4, dtype=F64), [[0.0, 1.0, 2.0]]])
def test_bad_input_names_x(x):
    with pytest.raises(ValueError, match="x"):
        LoRALinear(3, 7, r=2)(x)


def test_forward_leaves_the_input_alone_and_accepts_float32():
    lora = LoRALinear(3, 7, r=2, seed=1)
    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    before = x.clone()
    y = lora(x)
    assert y.dtype == F64 and torch.equal(x, before)


def test_unmerge_without_merge_and_a_second_merge_change_nothing():
    lora = LoRALinear(5, 4, r=2, seed=2)
    with torch.no_grad():
        lora.lora_B.copy_(torch.ones(4, 2, dtype=F64))
    W0 = lora.base_layer.weight.clone()
    lora.unmerge()
    assert torch.equal(lora.base_layer.weight, W0)
    lora.merge()
    merged = lora.base_layer.weight.clone()
    lora.merge()
    assert torch.equal(lora.base_layer.weight, merged) and not torch.equal(merged, W0)


def test_conv1d_layout_stores_the_transposed_update():
    lora = LoRALinear(3, 5, r=1, lora_alpha=2.0, fan_in_fan_out=True, seed=3)
    with torch.no_grad():
        lora.lora_B.copy_(torch.arange(5, dtype=F64)[:, None])
    W0 = lora.base_layer.weight.clone()
    assert W0.shape == (3, 5)
    lora.merge()
    torch.testing.assert_close(lora.base_layer.weight - W0, 2.0 * (lora.lora_B @ lora.lora_A).T, rtol=0, atol=1e-15)


IDS = torch.tensor([[1, 5, 9, 2, 0], [7, 3, 3, 3, 8]])


def _host_with_lora(seed: int = 0):
    host = TinyCausalLM(base_config(), base_state(seed))
    layers = add_lora(host, "c_attn", r=4, lora_alpha=8.0, seed=seed)
    return host, layers


def test_hosted_lora_is_a_no_op_at_init_and_trains_n_layer_r_times_d_in_plus_d_out():
    host, layers = _host_with_lora()
    plain = TinyCausalLM(base_config(), base_state(0))(input_ids=IDS)[0]
    assert torch.equal(host(input_ids=IDS)[0], plain)
    trained = [p for p in host.parameters() if p.requires_grad]
    assert sum(p.numel() for p in trained) == 2 * 4 * (32 + 96)
    assert {id(p) for p in trained} == {id(p) for lora in layers for p in (lora.lora_A, lora.lora_B)}


def test_hosted_lora_merged_equals_unmerged():
    host, layers = _host_with_lora(1)
    with torch.no_grad():
        for k, lora in enumerate(layers):
            lora.lora_B.copy_(torch.randn(lora.lora_B.shape, generator=torch.Generator().manual_seed(k), dtype=F64))
    adapted = host(input_ids=IDS)[0]
    for lora in layers:
        lora.merge()
    torch.testing.assert_close(host(input_ids=IDS)[0], adapted, rtol=0, atol=1e-12 * float(adapted.abs().max()))


@pytest.mark.parametrize("target, r", [("c_attn", 33), ("mlp_proj", 0), ("ln_1", 2)])
def test_hosting_rejects_a_bad_rank_or_target(target, r):
    with pytest.raises(ValueError, match="target" if target == "ln_1" else "r"):
        add_lora(TinyCausalLM(base_config(), base_state(0)), target, r=r)


@needs_peft
def test_peft_on_gpt2_agrees_with_the_reference_host_on_the_same_numbers():
    """The model-level cross-check of LoRA on c_attn (Conv1D): same state, same A and B in every block."""
    from properties.adapters import peft_gpt2

    _, peft = peft_gpt2.libraries()
    host, layers = _host_with_lora(2)
    model = peft.get_peft_model(peft_gpt2.gpt2_from_state(base_config(), base_state(2)),
                                peft.LoraConfig(r=4, lora_alpha=8, target_modules=["c_attn"], lora_dropout=0.0,
                                                fan_in_fan_out=True)).eval()
    with torch.no_grad():
        for k, lora in enumerate(layers):
            lora.lora_B.copy_(torch.randn(lora.lora_B.shape, generator=torch.Generator().manual_seed(k), dtype=F64))
            theirs = model.get_base_model().transformer.h[k].attn.c_attn
            theirs.lora_A["default"].weight.copy_(lora.lora_A)
            theirs.lora_B["default"].weight.copy_(lora.lora_B)
        want = host(input_ids=IDS)[0]
        scale = float(want.abs().max())
        torch.testing.assert_close(model(input_ids=IDS).logits.double(), want, rtol=0, atol=1e-5 * scale)
        unloaded = copy.deepcopy(model).merge_and_unload()
        torch.testing.assert_close(unloaded(input_ids=IDS).logits.double(), want, rtol=0, atol=1e-5 * scale)


@pytest.fixture(scope="module")
def gpt2_lora():
    from properties.adapters import peft_gpt2

    transformers, peft = peft_gpt2.libraries()
    base = copy.deepcopy(peft_gpt2.gpt2_from_seed(0))
    config = peft.LoraConfig(r=4, lora_alpha=8, target_modules=["c_attn"], lora_dropout=0.0, fan_in_fan_out=True)
    with peft_gpt2.seeded(0):
        model = peft.get_peft_model(base, config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=torch.Generator().manual_seed(len(name))))
    return model


@needs_peft
def test_peft_gpt2_trains_n_layer_r_times_d_in_plus_d_out(gpt2_lora):
    """LIBRARY-NOTES: n_layers·r·(d_in + d_out) trainable LoRA numbers; everything else frozen."""
    n = sum(p.numel() for p in gpt2_lora.parameters() if p.requires_grad)
    assert n == 2 * 4 * (32 + 96)
    assert all("lora_" in name for name, p in gpt2_lora.named_parameters() if p.requires_grad)


@needs_peft
def test_peft_merge_and_unload_keeps_the_function_and_changes_the_base_in_place(gpt2_lora):
    ids = torch.tensor([[1, 5, 9, 2], [0, 3, 3, 7]])
    with torch.no_grad():
        adapted = gpt2_lora(input_ids=ids).logits
        model = copy.deepcopy(gpt2_lora)
        base_weight = model.get_base_model().transformer.h[0].attn.c_attn.base_layer.weight.clone()
        unloaded = model.merge_and_unload()
        merged = unloaded(input_ids=ids).logits
    torch.testing.assert_close(merged, adapted, rtol=0, atol=1e-5 * float(adapted.abs().max()))
    c_attn = unloaded.transformer.h[0].attn.c_attn
    assert type(c_attn).__name__ == "Conv1D" and not torch.equal(c_attn.weight, base_weight)
    # in place: the unloaded model *is* the peft model's base model, now merged
    assert unloaded is model.get_base_model()
    # the original (deep-copied above) still holds the unmerged weight
    assert torch.equal(gpt2_lora.get_base_model().transformer.h[0].attn.c_attn.base_layer.weight, base_weight)
