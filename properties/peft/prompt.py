"""Prompt tuning: trainable soft-prompt embeddings prepended to the input of a frozen LM (Lester et al., EMNLP 2021).

Contract (peft's prompt tuning on a causal LM; the smallest wrapper over a torch module that the reference and the
peft adapter both satisfy)::

    pr = Cls(config, state, n_virtual=P, token_dim=None, seed=s)
        # config, state: the frozen host, a GPT-2 state dict (see properties.peft.host and the prefix topic)
    pr.embedding            # live soft prompt (P, d)
    pr.logits(input_ids)    # (B, T) int64 → (B, P + T, V) = LM([P; embed(x)]) at positions 0 … P + T − 1
                            # (the virtual positions' rows included, as peft returns them)
    pr.generate(input_ids, n)   # greedy, exactly n new tokens: (sequences (B, T + n) without the virtual tokens,
                                # scores: n tensors (B, V) of next-token logits)
    pr.module               # the torch.nn.Module: base frozen, the soft prompt trainable

Bad input raises ``ValueError`` naming the parameter: P < 0 (``n_virtual``), a token_dim other than the host's hidden
size (``token_dim``), P + T > n_positions (``input_ids``).  What is right is the host's forward in float64 on
``cat(P, wte[x])`` (:func:`properties.oracles.attention.gpt2_logits`), with the soft prompt the checks write.
"""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from properties.engine import Expected, Implementation, Topic, assert_close, assert_true, call, crosscheck, invariant
from properties.oracles.attention import F64, gpt2_logits, prompt_trainable
from properties.peft.cases import (CONFIG, HOST_SEEDS, UNIT, expect_rejection, host, logits_of, normal, token_ids, unit,
                                   write)
from properties.peft.prompt_learning import (check_only_prompt_trains, count_trainable, greedy_generation,
                                             peft_validation_gaps)

_PEFT = "properties.adapters.peft_gpt2"
SOURCE = "Lester, Al-Rfou & Constant, The Power of Scale for Parameter-Efficient Prompt Tuning (EMNLP 2021), §2"
d = CONFIG["n_embd"]

GENERATE_REINSERTS_PROMPT = (
    "PeftModel.generate() with prompt tuning re-inserts the soft prompt before every generated token under "
    "transformers 5.24 with peft 0.21.2: the first new token is right, but from the second on the context is "
    "[P; x; P; x_{T+1}; …; P; x_{T+k}] (measured equal to 4e-6).  Same root cause as the prefix defect: transformers "
    "hands the KV cache over as `cache`, peft's prepare_inputs_for_generation looks for `past_key_values`, finds "
    "none, and prepends the prompt to each new token (the symptom of peft issue #1391, 'only the first token "
    "generated is correct', fixed for the transformers of its day)")


def _peft_prompt_records() -> tuple[Expected, ...]:
    return (
        Expected("prompt.generation_is_greedy_decoding", GENERATE_REINSERTS_PROMPT,
                 where="every generation of n ≥ 2 new tokens (the first token is right), the generate() operation only",
                 when=lambda ex: ex["max_new_tokens"] >= 2 and ex["n_virtual"] >= 1, match=r"generate\(\) step [1-9]"),
        Expected("prompt.rejects_bad_input", "peft accepts token_dim ≠ the model's hidden size at construction; the "
                 "forward then fails with RuntimeError in torch.cat of the prompt and the token embeddings",
                 where="case token_dim ≠ n_embd", when=lambda ex: ex["case"] == "token_dim_mismatch", match="accepted"),
    ) + peft_validation_gaps("prompt")


TOPIC = Topic(
    name="prompt",
    title="Prompt tuning: a trainable soft prompt prepended to the input of a frozen causal LM",
    contract=__doc__,
    reference="reference.peft.prompt:PromptTuning",
    implementations=[Implementation(f"{_PEFT}:PeftPromptTuning", requires=("peft", "transformers"),
                                    expected=_peft_prompt_records(),
                                    note="peft PromptTuningConfig (random init) on a tiny GPT-2 loaded from the state")],
)


@st.composite
def prompt_case(draw, *, virtual=(1, 4), max_len: int = 6):
    data = draw(st.integers(0, 2**16), label="data_seed")
    P = draw(st.integers(*virtual), label="n_virtual")
    return {"seed": draw(HOST_SEEDS, label="host_seed"), "n_virtual": P, "ids": draw(token_ids(max_len)),
            "prompt": normal(data, P, d)}


def prepared(impl, case):
    config, state = host(case["seed"])
    pr = call(impl, config, state, n_virtual=case["n_virtual"], seed=case["seed"])
    write(pr.embedding, case["prompt"], name="embedding")
    return pr


def rows(case, T: int) -> int:
    return case["n_virtual"] + T


def logits(pr, case, input_ids: torch.Tensor, what: str = "logits(input_ids)") -> np.ndarray:
    return logits_of(pr.logits, input_ids, rows(case, input_ids.shape[1]), what=what)


@invariant(TOPIC, "prompt.equals_base_on_prepended_embeddings",
           statement="logits(x) = LM([P; wte(x)]), positions 0 … P + T − 1",
           why="Prompt tuning changes nothing in the model: it only prepends P trainable vectors to the embedded input, "
               "which then occupy the first P positions.",
           source=SOURCE, kind="tolerance", tolerance=UNIT, strategy=prompt_case(), max_examples=5)
def equals_base_on_prepended_embeddings(impl, case):
    pr = prepared(impl, case)
    ids = case["ids"]
    P_read = pr.embedding.detach().to(F64)
    _, state = host(case["seed"])
    embeds = torch.cat([P_read.expand(ids.shape[0], -1, -1), state["transformer.wte.weight"].to(F64)[ids]], dim=1)
    want = gpt2_logits(CONFIG, state, inputs_embeds=embeds).numpy()
    got = logits(pr, case, ids)
    assert_close(got / unit(want), want / unit(want), what="logits vs the host on [P; wte(x)] (logit units)")


@invariant(TOPIC, "prompt.parameter_count", statement="Σ numel(trainable) = P·d",
           why="The soft prompt is the only parameter: P vectors of the model's hidden size.",
           source=f"{SOURCE} (“only the prompt parameters P_e ∈ R^{{p×e}} are updated”)", kind="exact",
           strategy=prompt_case(max_len=2), max_examples=3)
def parameter_count(impl, case):
    pr = prepared(impl, case)
    n, want = count_trainable(pr), prompt_trainable(case["n_virtual"], d)
    assert_true(n == want, f"{n} trainable numbers, expected P·d = {case['n_virtual']}·{d} = {want}")


@invariant(TOPIC, "prompt.only_prompt_trains", statement="trainable = {P}; ∂L/∂θ_base = none, ∂L/∂P ≠ 0",
           why="The model is frozen; the loss's gradient reaches the soft prompt through every layer.",
           source=f"{SOURCE} (“the model parameters θ are frozen”)", kind="exact", strategy=prompt_case(max_len=3),
           max_examples=3)
def only_prompt_trains(impl, case):
    pr = prepared(impl, case)
    check_only_prompt_trains(pr, [pr.embedding], case["ids"], rows(case, case["ids"].shape[1]))


@st.composite
def generation_case(draw):
    case = draw(prompt_case(virtual=(0, 3), max_len=4))
    case["max_new_tokens"] = draw(st.integers(1, 3), label="max_new_tokens")
    return case


@invariant(TOPIC, "prompt.generation_is_greedy_decoding",
           statement="generate(x, n) = greedy decoding: x_{T+k} = argmax LM([P; x; x_{T..T+k−1}])_last, scores equal",
           why="Generation must condition every step on the same context as the forward — the soft prompt once, then "
               "the input and the tokens generated so far.",
           source=SOURCE, kind="tolerance", tolerance=UNIT, strategy=generation_case(), max_examples=6,
           min_compared=0.5)
def generation_is_greedy_decoding(impl, case):
    pr = prepared(impl, case)
    return greedy_generation(pr, case["ids"], case["max_new_tokens"], case["n_virtual"])


BAD_CASES = ("n_virtual_negative", "token_dim_mismatch", "input_too_long")


@invariant(TOPIC, "prompt.rejects_bad_input",
           statement="P < 0, token_dim ≠ d, P + T > n_positions → ValueError naming n_virtual, token_dim, input_ids",
           why="A negative prompt length, a prompt of another width than the model's and an input the position table "
               "cannot hold are the caller's mistakes; each must be named where it is made.",
           source="this contract (module docstring)", kind="exact", category="validation",
           strategy=st.fixed_dictionaries({"case": st.sampled_from(BAD_CASES)}), max_examples=3)
def rejects_bad_input(impl, case):
    config, state = host(0)
    if case["case"] == "input_too_long":
        pr = call(impl, config, state, n_virtual=2)
        ids = torch.zeros(1, CONFIG["n_positions"] - 1, dtype=torch.int64)
        expect_rejection(lambda: pr.logits(ids), "input_ids", f"P = 2 and T = {ids.shape[1]} > n_positions − P")
        return
    kwargs, name = {"n_virtual_negative": ({"n_virtual": -1}, "n_virtual"),
                    "token_dim_mismatch": ({"n_virtual": 2, "token_dim": d - 1}, "token_dim")}[case["case"]]
    expect_rejection(lambda: impl(config, state, **kwargs), name, ", ".join(f"{k}={v}" for k, v in kwargs.items()))


@crosscheck(TOPIC, "prompt.crosscheck.peft",
            statement="same host, same soft prompt: logits(x) (all P + T rows) agree with peft's prompt tuning on GPT-2",
            why="peft is the ecosystem's prompt tuning; on the same frozen GPT-2 and the same prompt the reference's "
                "forward must match it, virtual rows included.",
            source=f"{SOURCE}; peft 0.21 PeftModelForCausalLM.forward", tolerance=UNIT, strategy=prompt_case(),
            pairs=[("reference.peft.prompt:PromptTuning", f"{_PEFT}:PeftPromptTuning")], max_examples=4)
def crosscheck_peft(ref, lib, case):
    a, b = prepared(ref, case), prepared(lib, case)
    la, lb = logits(a, case, case["ids"], "reference logits"), logits(b, case, case["ids"], "peft logits")
    assert_close(lb / unit(la), la / unit(la), what="logits: peft vs reference (logit units)")
