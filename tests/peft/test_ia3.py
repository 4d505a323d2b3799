"""(IA)³, what is specific to the topic: the reference's bad input and merge bookkeeping, the Conv1D layout, and peft
on a whole tiny GPT-2 with its own default (IA)³ placement for GPT-2 (``c_attn`` and ``mlp.c_proj``, the latter as
feed-forward): the model-level trainable count, and why it is larger than the paper's — GPT-2's ``c_attn`` is one
fused q/k/v projection, so peft's output vector scales the queries too, which adds d numbers per block but no
function (per head, a score Σᵢ (l_q,i qᵢ)(l_k,i kᵢ) depends on l_q ⊙ l_k only).  Invariants × implementations, the
cross-check and the mutants run in tests/test_topics.py."""
import copy
import importlib.util

import pytest

torch = pytest.importorskip("torch", reason="the PEFT topics need torch (install the 'peft' extra)")

from reference.peft.ia3 import IA3Linear  # noqa: E402

F64 = torch.float64
needs_peft = pytest.mark.skipif(importlib.util.find_spec("peft") is None or importlib.util.find_spec("transformers") is None,
                                reason="peft and transformers are not installed (the 'peft' extra)")


@pytest.mark.parametrize("kwargs, param", [
    ({"d_in": 0}, "d_in"), ({"d_in": -1}, "d_in"), ({"d_in": 1.5}, "d_in"), ({"d_in": True}, "d_in"),
    ({"d_out": 0}, "d_out"), ({"is_feedforward": "yes"}, "is_feedforward"), ({"fan_in_fan_out": 1}, "fan_in_fan_out"),
])
def test_bad_construction_names_the_parameter(kwargs, param):
    args = {"d_in": 3, "d_out": 7, **kwargs}
    with pytest.raises(ValueError, match=param):
        IA3Linear(**args)


@pytest.mark.parametrize("is_feedforward", [False, True])
@pytest.mark.parametrize("x", [torch.zeros(2, 4, dtype=F64), torch.zeros(2, 1, dtype=F64),
                               torch.zeros(2, 3, 4, dtype=F64), [[0.0, 1.0, 2.0]]])
def test_bad_input_names_x(x, is_feedforward):
    with pytest.raises(ValueError, match="x"):
        IA3Linear(3, 7, is_feedforward=is_feedforward)(x)


@pytest.mark.parametrize("is_feedforward", [False, True])
def test_forward_leaves_the_input_alone_and_accepts_float32(is_feedforward):
    ia3 = IA3Linear(3, 7, is_feedforward=is_feedforward, seed=1)
    with torch.no_grad():
        ia3.ia3_l.mul_(2.0)
    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    before = x.clone()
    y = ia3(x)
    assert y.dtype == F64 and torch.equal(x, before)


def test_unmerge_without_merge_and_a_second_merge_change_nothing():
    ia3 = IA3Linear(5, 4, seed=2)
    with torch.no_grad():
        ia3.ia3_l.copy_(torch.arange(1, 5, dtype=F64)[:, None])
    W0, b0 = ia3.base_layer.weight.clone(), ia3.base_layer.bias.clone()
    ia3.unmerge()
    assert torch.equal(ia3.base_layer.weight, W0) and torch.equal(ia3.base_layer.bias, b0)
    ia3.merge()
    merged = ia3.base_layer.weight.clone()
    ia3.merge()
    assert torch.equal(ia3.base_layer.weight, merged) and not torch.equal(merged, W0)


@pytest.mark.parametrize("is_feedforward", [False, True])
def test_conv1d_layout_scales_the_stored_columns_for_an_output_scale_and_rows_for_an_input_scale(is_feedforward):
    d_in, d_out = 3, 5
    ia3 = IA3Linear(d_in, d_out, is_feedforward=is_feedforward, fan_in_fan_out=True, seed=3)
    n = d_in if is_feedforward else d_out
    l = torch.arange(2, 2 + n, dtype=F64)
    with torch.no_grad():
        ia3.ia3_l.copy_(l.reshape(ia3.ia3_l.shape))
    W0 = ia3.base_layer.weight.clone()                   # stored (d_in, d_out)
    ia3.merge()
    want = W0 * l[:, None] if is_feedforward else W0 * l[None, :]
    torch.testing.assert_close(ia3.base_layer.weight, want, rtol=0, atol=1e-15)


def test_a_refused_unmerge_leaves_the_layer_merged():
    ia3 = IA3Linear(4, 3, seed=4)
    with torch.no_grad():
        ia3.ia3_l.copy_(torch.tensor([[2.0], [0.0], [-0.5]], dtype=F64))
    W0 = ia3.base_layer.weight.clone()
    x = torch.randn(2, 4, generator=torch.Generator().manual_seed(1), dtype=F64)
    y = ia3(x)
    ia3.merge()
    merged = ia3.base_layer.weight.clone()
    with pytest.raises(ValueError, match="ia3_l"):
        ia3.unmerge()
    assert ia3.merged and torch.equal(ia3.base_layer.weight, merged)
    torch.testing.assert_close(ia3(x), y, rtol=0, atol=1e-15)
    assert not torch.any(merged[1]) and torch.any(W0[1])         # the row of W₀ that l_1 = 0 wiped out is gone


@pytest.fixture(scope="module")
def gpt2_ia3_default():
    """peft's IA3Config with GPT-2's default placement (no target_modules given), on the family's host weights
    (projections at scale 0.2, so that attention is far from uniform and the scores matter)."""
    from properties.adapters import peft_gpt2
    from properties.peft.host import base_config, base_state

    _, peft = peft_gpt2.libraries()
    base = peft_gpt2.gpt2_from_state(base_config(), base_state(0))
    return peft.get_peft_model(base, peft.IA3Config(task_type=peft.TaskType.CAUSAL_LM)).eval()


@needs_peft
def test_peft_gpt2_default_trains_n_layer_times_3d_plus_4d(gpt2_ia3_default):
    """c_attn's output (q, k, v: 3d) and mlp.c_proj's input (4d) per block; the paper's l_k, l_v, l_ff would be
    n_layer·(2d + 4d).  Everything else is frozen."""
    from properties.adapters.peft_gpt2 import GPT2

    L, d = GPT2["n_layer"], GPT2["n_embd"]
    trained = {name: p for name, p in gpt2_ia3_default.named_parameters() if p.requires_grad}
    assert all(".ia3_l." in name for name in trained)
    assert sum(p.numel() for p in trained.values()) == L * (3 * d + 4 * d)
    ff = [m for name, m in gpt2_ia3_default.named_modules() if name.endswith("mlp.c_proj")]
    attn = [m for name, m in gpt2_ia3_default.named_modules() if name.endswith("attn.c_attn")]
    assert len(ff) == len(attn) == L
    assert all(m.is_feedforward for m in ff) and not any(m.is_feedforward for m in attn)


@needs_peft
def test_peft_gpt2_query_scale_is_redundant_with_the_key_scale(gpt2_ia3_default):
    """Scaling the queries by v (keys at 1) gives the same logits as scaling the keys by v (queries at 1)."""
    from properties.adapters.peft_gpt2 import GPT2

    d = GPT2["n_embd"]
    model = copy.deepcopy(gpt2_ia3_default)
    v = torch.exp(torch.randn(d, generator=torch.Generator().manual_seed(5)))
    ids = torch.tensor([[1, 5, 9, 2, 0], [7, 3, 3, 3, 8]])
    logits = []
    for part in (slice(0, d), slice(d, 2 * d)):                      # c_attn's output is [q; k; v]
        with torch.no_grad():
            for block in model.get_base_model().transformer.h:
                l = block.attn.c_attn.ia3_l["default"]
                l.fill_(1.0)
                l[part, 0] = v
            logits.append(model(input_ids=ids).logits)
    torch.testing.assert_close(logits[0], logits[1], rtol=0, atol=1e-5 * float(logits[1].abs().max()))
    with torch.no_grad():
        for block in model.get_base_model().transformer.h:
            block.attn.c_attn.ia3_l["default"].fill_(1.0)
        plain = model(input_ids=ids).logits
    assert not torch.allclose(plain, logits[1], rtol=0, atol=1e-3 * float(plain.abs().max()))
