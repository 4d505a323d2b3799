"""Insert LoRA and bottleneck adapters into the tiny causal transformer (in place).

* LoRA (Hu et al. 2022, §4.2) wraps a projection of every block — ``c_attn`` (the query/key/value projection, as
  peft's GPT-2 target), ``c_proj``, ``c_fc`` or ``mlp_proj`` — in a :class:`~reference.peft.lora.LoRALinear` that
  shares its frozen weights: n_layer · r · (d_in + d_out) trainable numbers.
* Houlsby adapters (Houlsby et al. 2019, Figure 2) go after the attention's output projection and after the
  feed-forward network of every block, before each residual addition: 2 · n_layer · (2·m·d + d + m) trainable
  numbers.  (Houlsby et al. also train the LayerNorms; they stay frozen here, so the count is the adapters'.)
"""
from __future__ import annotations

from reference.peft.adapter import BottleneckAdapter
from reference.peft.lora import LoRALinear
from reference.peft.transformer import TinyCausalLM

TARGETS = ("c_attn", "c_proj", "c_fc", "mlp_proj")


def add_lora(host: TinyCausalLM, target: str = "c_attn", r: int = 8, lora_alpha: float = 8.0,
             use_rslora: bool = False, seed: int = 0) -> list[LoRALinear]:
    """Wrap ``target`` of every block in LoRA (block l's A drawn with seed + l); returns the LoRA layers."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    layers = []
    for layer, block in enumerate(host.blocks):
        if isinstance(getattr(block, target), LoRALinear):
            raise ValueError(f"target {target!r} of block {layer} already carries LoRA")
        lora = LoRALinear.around(getattr(block, target), r, lora_alpha, use_rslora, seed + layer)
        setattr(block, target, lora)
        layers.append(lora)
    return layers


def add_adapters(host: TinyCausalLM, bottleneck: int, activation: str = "relu", seed: int = 0
                 ) -> list[BottleneckAdapter]:
    """Two bottleneck adapters per block (after attention, after the MLP); returns them."""
    d = host.config["n_embd"]
    adapters = []
    for layer, block in enumerate(host.blocks):
        block.adapter_attn = BottleneckAdapter(d, bottleneck, activation, seed=seed + 2 * layer)
        block.adapter_mlp = BottleneckAdapter(d, bottleneck, activation, seed=seed + 2 * layer + 1)
        adapters += [block.adapter_attn, block.adapter_mlp]
    return adapters
