"""Bottleneck adapter, what is specific to the topic: the reference's bad input, its initialisation, that it leaves
its input alone, and Houlsby adapters hosted in the reference transformer (two per block).  Invariants and mutants
run in tests/test_topics.py."""
import pytest

torch = pytest.importorskip("torch", reason="the PEFT topics need torch (install the 'peft' extra)")

from properties.peft.host import base_config, base_state  # noqa: E402
from reference.peft.adapter import INIT_STD, BottleneckAdapter  # noqa: E402
from reference.peft.hosting import add_adapters  # noqa: E402
from reference.peft.transformer import TinyCausalLM  # noqa: E402


@pytest.mark.parametrize("args, kwargs, param", [
    ((4, 0), {}, "bottleneck"), ((4, -3), {}, "bottleneck"), ((4, 1.5), {}, "bottleneck"),
    ((0, 2), {}, "d_model"), ((True, 2), {}, "d_model"), ((4, 2), {"activation": "tanh"}, "activation"),
])
def test_bad_construction_names_the_parameter(args, kwargs, param):
    with pytest.raises(ValueError, match=param):
        BottleneckAdapter(*args, **kwargs)


@pytest.mark.parametrize("h", [torch.zeros(2, 5, dtype=torch.float64), torch.zeros(2, 0, dtype=torch.float64), [0.0] * 4])
def test_bad_hidden_size_names_h(h):
    with pytest.raises(ValueError, match="h"):
        BottleneckAdapter(4, 2)(h)


def test_initialisation_near_identity_down_and_zero_up():
    ad = BottleneckAdapter(64, 16, seed=3)
    assert not torch.any(ad.up.weight) and not torch.any(ad.up.bias) and not torch.any(ad.down.bias)
    assert abs(float(ad.down.weight.std()) / INIT_STD - 1) < 0.1      # 1024 draws: sd of the estimate ≈ 2.2 %


def test_forward_leaves_the_input_alone():
    ad = BottleneckAdapter(4, 2, activation="gelu", seed=1)
    with torch.no_grad():
        ad.up.weight.fill_(0.5)
    h = torch.randn(3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    before = h.clone()
    out = ad(h)
    assert torch.equal(h, before) and not torch.equal(out, h)


def test_hosted_adapters_leave_the_host_unchanged_until_trained():
    ids = torch.tensor([[1, 5, 9, 2], [0, 3, 3, 7]])
    plain = TinyCausalLM(base_config(), base_state(0))(input_ids=ids)[0]
    host = TinyCausalLM(base_config(), base_state(0))
    adapters = add_adapters(host, bottleneck=4, activation="swish")
    assert torch.equal(host(input_ids=ids)[0], plain)
    trained = [p for p in host.parameters() if p.requires_grad]
    assert sum(p.numel() for p in trained) == 2 * 2 * (2 * 32 * 4 + 32 + 4)        # 2 per block, 2 blocks
    with torch.no_grad():
        # the first block's attention adapter now adds a fixed vector (not a constant one: LayerNorm removes those)
        adapters[0].up.bias.copy_(torch.linspace(-1, 1, 32, dtype=torch.float64))
    assert float((host(input_ids=ids)[0] - plain).abs().max()) > 1e-3 * float(plain.abs().max())
