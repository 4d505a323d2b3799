"""The memory PEFT saves, measured: trainable parameters, gradient bytes and AdamW optimiser-state bytes for full
fine-tuning vs LoRA vs prefix tuning vs prompt tuning on the same model (not a test).

The model is transformers' GPT-2, randomly initialised (nothing downloaded), in two sizes: the suite's tiny one
(2 layers, d = 32) and GPT-2 small's shape (12 layers, d = 768, vocabulary 50 257: 124 M parameters).  Each method is
peft's, on a deep copy of the same base; one AdamW step on one short sequence is taken and the bytes of every tensor
in the optimiser's state are summed (exp_avg, exp_avg_sq and the step counter of each trained tensor), as are the
gradients' bytes.  The trainable counts are checked against the closed forms of properties/oracles/attention.py.
The closing lines are the source's motivation in closed form: full fine-tuning with mixed-precision AdamW keeps
16 bytes per parameter (fp16 weights and gradients, fp32 master weights, two fp32 moments; Rajbhandari et al.,
ZeRO, 2020, §3.1), before activations."""
from __future__ import annotations

import copy
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# this script is named peft.py: its own folder must not shadow the peft package
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import torch  # noqa: E402

from properties.oracles.attention import lora_trainable, prefix_trainable, prompt_trainable  # noqa: E402

SIZES = {"tiny GPT-2 (2 × 32)": dict(n_layer=2, n_embd=32, n_head=2, vocab_size=100, n_positions=64),
         "GPT-2 small shape (12 × 768)": dict(n_layer=12, n_embd=768, n_head=12, vocab_size=50257, n_positions=1024)}
R, ALPHA, P, HIDDEN = 8, 16, 20, 512
GIB = 2 ** 30


def methods(cfg: dict):
    from peft import LoraConfig, PrefixTuningConfig, PromptTuningConfig, TaskType

    L, d = cfg["n_layer"], cfg["n_embd"]
    h = min(HIDDEN, d)
    return [
        ("full fine-tuning", None, None),
        (f"LoRA r = {R} on c_attn", LoraConfig(r=R, lora_alpha=ALPHA, target_modules=["c_attn"], fan_in_fan_out=True,
                                                lora_dropout=0.0), L * lora_trainable(d, 3 * d, R)),
        (f"prefix tuning P = {P}", PrefixTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=P),
         prefix_trainable(L, P, d)),
        (f"prefix tuning P = {P}, MLP h = {h}", PrefixTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=P,
                                                                  prefix_projection=True, encoder_hidden_size=h),
         prefix_trainable(L, P, d, h)),
        (f"prompt tuning P = {P}", PromptTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=P),
         prompt_trainable(P, d)),
    ]


def measure(model, vocab: int) -> tuple[int, int, int]:
    """(trainable numbers, gradient bytes, optimiser-state bytes) after one AdamW step."""
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=1e-4)
    ids = torch.randint(0, vocab, (1, 8), generator=torch.Generator().manual_seed(0))
    out = model(input_ids=ids, labels=ids)
    out.loss.backward()
    optimiser.step()
    grads = sum(p.grad.numel() * p.grad.element_size() for p in params)
    state = sum(t.numel() * t.element_size() for s in optimiser.state.values() for t in s.values()
                if isinstance(t, torch.Tensor))
    return sum(p.numel() for p in params), grads, state


def fmt_bytes(n: float) -> str:
    for unit, size in (("GiB", GIB), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n:.0f} B"


def main() -> None:
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    from peft import get_peft_model
    from transformers import GPT2Config, GPT2LMHeadModel

    load = os.getloadavg()[0]
    started = time.perf_counter()
    sections = []
    for name, cfg in SIZES.items():
        torch.manual_seed(0)
        base = GPT2LMHeadModel(GPT2Config(**cfg, bos_token_id=0, eos_token_id=0)).eval()
        total = sum(p.numel() for p in base.parameters())
        rows = [f"### {name}: {total:,} parameters", "",
                "| method | trainable | % of the model | closed form | gradients | AdamW state | state ÷ full |",
                "|---|---:|---:|---|---:|---:|---:|"]
        full_state = None
        for label, config, closed in methods(cfg):
            model = copy.deepcopy(base)
            if config is None:
                closed = total
            else:
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(0)
                    model = get_peft_model(model, config)
            n, grads, state = measure(model, cfg["vocab_size"])
            full_state = state if full_state is None else full_state
            check = "= " + f"{closed:,}" if n == closed else f"≠ {closed:,} (!)"
            rows.append(f"| {label} | {n:,} | {100 * n / total:.3g} % | {check} | {fmt_bytes(grads)} | "
                        f"{fmt_bytes(state)} | {state / full_state:.2g} |")
            del model
        sections.append("\n".join(rows))
        print(sections[-1], "\n")
    closed_form = ["### Full fine-tuning in closed form (mixed-precision AdamW: 16 bytes per parameter, no activations)",
                   "", "| model | parameters | weights + gradients + optimiser state | 80 GB cards |", "|---|---:|---:|---:|"]
    for label, n in (("7 B", 7e9), ("72 B", 72e9)):
        need = 16 * n
        closed_form.append(f"| {label} | {n:.3g} | {need / 1e9:,.0f} GB | {int(-(-need // 80e9))} |")
    sections.append("\n".join(closed_form))
    print(sections[-1])
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "peft.md").write_text(
        "# PEFT memory: trainable parameters and AdamW state, full fine-tuning vs LoRA vs prefix vs prompt tuning\n\n"
        "transformers' GPT-2 with random initialisation, peft's methods on deep copies of the same base; one AdamW step "
        "(torch.optim.AdamW, float32) on one sequence of 8 tokens, then the bytes of the gradients and of every tensor in "
        "the optimiser's state are summed.  *Closed form* is the count from properties/oracles/attention.py (LoRA: "
        "L·r·(d_in + d_out); prefix: L·2·P·d, with the MLP P·d + d·h + h + h·2Ld + 2Ld; prompt: P·d).  AdamW keeps two "
        "moments and a step counter per trained tensor, so its state is 8 bytes per trainable number (+4 per tensor): "
        "the table's last column is the saving.  Generated by `python benchmarks/peft.py` in "
        f"{time.perf_counter() - started:.0f} s (load average {load:.1f} on {os.cpu_count()} cores).\n\n"
        + "\n\n".join(sections) + "\n")


if __name__ == "__main__":
    main()
