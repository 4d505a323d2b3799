"""Prefix tuning: trainable keys and values prepended in every attention layer of a frozen LM (Li & Liang, ACL 2021).

Contract (peft's prefix tuning on a causal LM; no ecosystem standard names a lone prefix, so this is the smallest
wrapper over a torch module that the reference and the peft adapter both satisfy)::

    pt = Cls(config, state, n_virtual=P, prefix_projection=False, encoder_hidden_size=None, token_dim=None, seed=s)
        # config: {n_layer, n_embd, n_head, vocab_size, n_positions}; state: the frozen host, a GPT-2 state dict
        # (names and Conv1D layout of transformers' GPT2LMHeadModel, float32) — see properties.peft.host
    pt.embedding        # live prefix parameter: (P, 2·L·d), or (P, d) with prefix_projection
    pt.transform        # [prefix_projection] torch.nn.Sequential(Linear(d, h), Tanh(), Linear(h, 2·L·d)), h =
                        # encoder_hidden_size (default d); the prefix matrix is transform(embedding)
                        # layout: row p of the prefix matrix, viewed as (2L, H, D), holds layer l's key at index 2l
                        # and its value at 2l + 1 (peft's layout)
    pt.logits(input_ids)            # (B, T) int64 → (B, T, V): every layer attends over [prefix; sequence];
                                    # real token t sits at position P + t and sees all P prefix positions and the
                                    # real tokens ≤ t
    pt.generate(input_ids, n)       # greedy, exactly n new tokens (no end-of-sequence stop):
                                    # (sequences (B, T + n), scores: n tensors (B, V) of next-token logits)
    pt.module                       # the torch.nn.Module: base frozen, prefix parameters trainable

Bad input raises ``ValueError`` naming the parameter: P < 0 (``n_virtual``), encoder_hidden_size < 1
(``encoder_hidden_size``), a token_dim other than the host's hidden size (``token_dim``), P + T > n_positions
(``input_ids``).  What is right comes from :mod:`properties.oracles.attention`: the host's forward in float64 with one
explicit softmax per query over ``cat(prefix keys, keys[: t + 1])`` — no mask is built — and the zero prefix's
closed form.  The checks write the prefix parameters with drawn values and read them back.
"""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from properties.engine import (Axis, Expected, Implementation, Topic, assert_close, assert_true, call, crosscheck,
                               invariant, option, tolerance)
from properties.oracles.attention import (gpt2_logits, prefix_kv, prefix_logits, prefix_rows, prefix_trainable,
                                          zero_prefix_logits)
from properties.peft.cases import (CONFIG, HOST_SEEDS, UNIT, expect_rejection, host, logits_of, normal, token_ids, unit,
                                   write)
from properties.peft.prompt_learning import (check_only_prompt_trains, count_trainable, greedy_generation,
                                             peft_validation_gaps)

PROJECTION = (False, True)
HIDDEN = (None, 8)
_PEFT = "properties.adapters.peft_gpt2"
SOURCE = "Li & Liang, Prefix-Tuning: Optimizing Continuous Prompts for Generation (ACL 2021)"
L, d, H = CONFIG["n_layer"], CONFIG["n_embd"], CONFIG["n_head"]


def _probe_projection(impl, projection):
    config, state = host(0)
    pt = call(impl, config, state, n_virtual=1, prefix_projection=projection)
    call(pt.logits, torch.zeros(1, 2, dtype=torch.int64))


GENERATE_DROPS_PREFIX = (
    "PeftModel.generate() drops the prefix under transformers 5.24 with peft 0.21.2: transformers' "
    "prepare_inputs_for_generation now hands the KV cache over as `cache` (renamed from `past_key_values`, "
    "deprecate_kwarg until 5.40); peft's PeftModelForCausalLM.prepare_inputs_for_generation still looks for and writes "
    "`past_key_values`, so it injects the prefix under the deprecated name next to generate's own empty `cache`, "
    "and the model keeps `cache` and ignores the prefix ('Both `past_key_values` and `cache` are set … ignoring "
    "deprecated `past_key_values`').  Its `cache_position += num_virtual_tokens` still applies, so the scores are the "
    "base model's with positions shifted by P (measured equal to 9e-8).  The forward is right; "
    "base_model.generate(input_ids, attention_mask=ones(B, P + T), cache=peft_model.get_prompt(B)) is the workaround")


def _peft_prefix_records() -> tuple[Expected, ...]:
    return (
        Expected("prefix.generation_is_greedy_decoding", GENERATE_DROPS_PREFIX,
                 where="every prefix of length P ≥ 1 (with P = 0 there is nothing to drop), the generate() operation only",
                 when=lambda ex: ex["n_virtual"] >= 1, match=r"generate\(\) step 0"),
        Expected("prefix.rejects_bad_input", "peft accepts encoder_hidden_size=0: Linear(d, 0) → Linear(0, 2Ld) builds, "
                 "and the prefix silently becomes the second layer's bias, the same at every position",
                 where="case encoder_hidden_size = 0 (with the projection)",
                 when=lambda ex: ex["case"] == "encoder_hidden_size_zero", match="accepted"),
        Expected("prefix.rejects_bad_input", "peft accepts token_dim ≠ the model's hidden size at construction; the "
                 "forward then fails with RuntimeError (a shape that cannot be viewed as (B, P, 2L, H, D))",
                 where="case token_dim ≠ n_embd", when=lambda ex: ex["case"] == "token_dim_mismatch", match="accepted"),
    ) + peft_validation_gaps("prefix")


TOPIC = Topic(
    name="prefix",
    title="Prefix tuning: trainable keys and values in every attention layer of a frozen causal LM",
    contract=__doc__,
    reference="reference.peft.prefix:PrefixTuning",
    implementations=[Implementation(f"{_PEFT}:PeftPrefixTuning", requires=("peft", "transformers"),
                                    expected=_peft_prefix_records(),
                                    note="peft PrefixTuningConfig on a tiny GPT-2 loaded from the contract's state")],
    axes=(Axis("prefix_projection", PROJECTION, "the MLP reparameterisation Linear(d, h) → tanh → Linear(h, 2Ld)",
               probe=_probe_projection),),
)


@st.composite
def prefix_case(draw, *, virtual=(1, 4), max_len: int = 6):
    """A host seed, P, the projection option, input ids and drawn prefix parameters."""
    projection = draw(option("prefix_projection", PROJECTION))
    P = draw(st.integers(*virtual), label="n_virtual")
    h = draw(st.sampled_from(HIDDEN), label="encoder_hidden_size") if projection else None
    width = h or d
    data = draw(st.integers(0, 2**16), label="data_seed")
    case = {"seed": draw(HOST_SEEDS, label="host_seed"), "n_virtual": P, "prefix_projection": projection,
            "encoder_hidden_size": h, "ids": draw(token_ids(max_len)),
            "E": normal(data, P, d if projection else 2 * L * d)}
    if projection:
        case.update(W1=normal(data + 1, width, d, scale=d ** -0.5), b1=normal(data + 2, width, scale=0.5),
                    W2=normal(data + 3, 2 * L * d, width, scale=width ** -0.5), b2=normal(data + 4, 2 * L * d, scale=0.5))
    return case


def build(impl, case):
    config, state = host(case["seed"])
    return call(impl, config, state, n_virtual=case["n_virtual"], prefix_projection=case["prefix_projection"],
                encoder_hidden_size=case["encoder_hidden_size"], seed=case["seed"])


def trained_parameters(pt, case) -> list[torch.Tensor]:
    params = [pt.embedding]
    if case["prefix_projection"]:
        params += [pt.transform[0].weight, pt.transform[0].bias, pt.transform[-1].weight, pt.transform[-1].bias]
    return params


def prepared(impl, case):
    """The implementation with the case's prefix parameters written."""
    pt = build(impl, case)
    write_prefix(pt, case)
    return pt


def write_prefix(pt, case) -> None:
    write(pt.embedding, case["E"], name="embedding")
    if case["prefix_projection"]:
        for i, (W, b) in ((0, ("W1", "b1")), (-1, ("W2", "b2"))):
            write(pt.transform[i].weight, case[W], name=f"transform[{i}].weight")
            write(pt.transform[i].bias, case[b], name=f"transform[{i}].bias")


def oracle(pt, case, input_ids: torch.Tensor) -> np.ndarray:
    """The host with the implementation's own prefix parameters (read back), from the slicing oracle."""
    transform = (pt.transform[0], pt.transform[-1]) if case["prefix_projection"] else None
    rows = prefix_rows(pt.embedding, transform)
    _, state = host(case["seed"])
    return prefix_logits(CONFIG, state, input_ids, prefix_kv(rows, L, H)).numpy()


def logits(pt, input_ids: torch.Tensor, what: str = "logits(input_ids)") -> np.ndarray:
    return logits_of(pt.logits, input_ids, input_ids.shape[1], what=what)


@invariant(TOPIC, "prefix.attention_over_concatenated_kv",
           statement="layer l: head_t = softmax(q_t [K_l^pre; K_{≤t}]ᵀ/√D) [V_l^pre; V_{≤t}], tokens at P + t",
           why="A prefix is P extra key/value rows in every layer, computed from the prefix parameters alone; the frozen "
               "model's queries attend over them and the causal past, and the real tokens follow the prefix.",
           source=f"{SOURCE}, §4.2 (h_i = P_θ[i, :] for i ∈ P_idx); Vaswani et al. 2017, eq. 1", kind="tolerance",
           tolerance=UNIT, strategy=prefix_case(), draws={"prefix_projection": None}, max_examples=5)
def attention_over_concatenated_kv(impl, case):
    pt = prepared(impl, case)
    got, want = logits(pt, case["ids"]), oracle(pt, case, case["ids"])
    assert_close(got / unit(want), want / unit(want), what="logits vs the host with [prefix; sequence] attention "
                                                           "(logit units)")


@st.composite
def mask_case(draw):
    case = draw(prefix_case(max_len=5))
    T = case["ids"].shape[1]
    case["changed_token"] = draw(st.integers(1, T - 1), label="changed_token") if T > 1 else None
    case["perturbation"] = normal(draw(st.integers(0, 2**16), label="perturbation_seed"), case["E"].shape[1])
    return case


def _sees(changed: np.ndarray, predicted: np.ndarray, u: float, what: str, first: int = 0) -> tuple[int, int]:
    """Rows (b, t) the oracle predicts to move by more than 10× the tolerance must move by at least half as much;
    returns (rows judged, rows whose predicted move is below that noise floor)."""
    judged = predicted > 10 * tolerance().atol * u
    blind = np.argwhere(judged & (changed < predicted / 2))
    if len(blind):
        b, t = blind[0]
        assert_true(False, f"{what}: real token {first + t} (sequence {b}) moves by {changed[b, t]:.3g} where the "
                           f"attention over [prefix; sequence] predicts {predicted[b, t]:.3g} — it does not see it")
    return int(judged.sum()), int((~judged).sum())


@invariant(TOPIC, "prefix.mask",
           statement="token t sees all P prefix positions and the real tokens s ≤ t; tokens s > t change nothing at t",
           why="The causal mask is offset by P: the prefix precedes every real token (so every one of them attends to "
               "every prefix position) while the order among the real tokens is kept.",
           source=f"{SOURCE}, §4.2 and Figure 2; peft extends the attention mask with ones for the prefix",
           kind="tolerance", tolerance=UNIT, strategy=mask_case(), draws={"prefix_projection": None}, max_examples=4,
           min_compared=0.5)
def mask(impl, case):
    ids, E = case["ids"], case["E"]
    pt = prepared(impl, case)
    base, base_o = logits(pt, ids), oracle(pt, case, ids)
    u = unit(base_o)
    judged = skipped = 0
    for p in range(case["n_virtual"]):
        E2 = E.clone()
        E2[p] += case["perturbation"]
        write(pt.embedding, E2, name="embedding")
        moved = np.abs(logits(pt, ids, f"logits with prefix row {p} moved") - base).max(axis=-1)
        predicted = np.abs(oracle(pt, case, ids) - base_o).max(axis=-1)
        j, s = _sees(moved, predicted, u, f"prefix position {p} moved")
        judged, skipped = judged + j, skipped + s
    write(pt.embedding, E, name="embedding")
    s_ = case["changed_token"]
    if s_ is not None:
        ids2 = ids.clone()
        ids2[:, s_] = (ids2[:, s_] + 1) % CONFIG["vocab_size"]
        moved = logits(pt, ids2, f"logits with token {s_} changed")
        assert_close(moved[:, :s_] / u, base[:, :s_] / u, what=f"logits of tokens before {s_} after token {s_} changed "
                                                               f"(the future must not leak)")
        predicted = np.abs(oracle(pt, case, ids2) - base_o).max(axis=-1)
        j, s = _sees(np.abs(moved - base).max(axis=-1)[:, s_:], predicted[:, s_:], u, f"token {s_} changed", first=s_)
        judged, skipped = judged + j, skipped + s
    return {"compared": judged, "skipped_below_noise": skipped}


@invariant(TOPIC, "prefix.permutation_invariant", statement="logits(x; prefix rows permuted by π) = logits(x; prefix)",
           why="Prefix positions carry no position embedding and every real token sees all of them, so attention — a "
               "softmax-weighted sum over a set of key/value rows — cannot tell their order.",
           source=f"{SOURCE}, §4.2; attention is permutation-equivariant in its keys and values", kind="tolerance",
           tolerance=UNIT, strategy=prefix_case(virtual=(2, 4)), draws={"prefix_projection": None}, max_examples=4)
def permutation_invariant(impl, case):
    ids, E = case["ids"], case["E"]
    pt = prepared(impl, case)
    base = logits(pt, ids)
    write(pt.embedding, torch.flip(E, dims=[0]), name="embedding")
    u = unit(base)
    assert_close(logits(pt, ids, "logits with the prefix reversed") / u, base / u,
                 what="logits with the prefix positions reversed vs in order (logit units)")


@invariant(TOPIC, "prefix.zero_prefix_closed_form",
           statement="K^pre = V^pre = 0 ⇒ head_t = σ(lse_t − log P) · head_t^(no prefix) ≠ head_t^(no prefix)",
           why="A zero key scores 0, so each of the P zero rows takes softmax weight e⁰ = 1 and contributes a zero value: "
               "the prefix-free attention is scaled by Z/(P + Z), Z = Σ_{s≤t} e^{score}.  A zero prefix is not a no-op.",
           source=f"{SOURCE}, §4.2; closed form in properties/oracles/attention.py", kind="tolerance", tolerance=UNIT,
           strategy=prefix_case(), draws={"prefix_projection": None}, max_examples=4)
def zero_prefix_closed_form(impl, case):
    ids = case["ids"]
    pt = build(impl, case)
    if case["prefix_projection"]:
        write_prefix(pt, case)
        write(pt.transform[-1].weight, torch.zeros_like(case["W2"]), name="transform[-1].weight")
        write(pt.transform[-1].bias, torch.zeros_like(case["b2"]), name="transform[-1].bias")
    else:
        write(pt.embedding, torch.zeros_like(case["E"]), name="embedding")
    _, state = host(case["seed"])
    want = zero_prefix_logits(CONFIG, state, ids, case["n_virtual"]).numpy()
    plain = gpt2_logits(CONFIG, state, input_ids=ids, first_position=case["n_virtual"]).numpy()
    u = unit(want)
    assert_true(np.abs(want - plain).max() > 10 * tolerance().atol * u,
                "the zero prefix's closed form and the prefix-free host agree on this example: it cannot discriminate")
    assert_close(logits(pt, ids, "logits with a zero prefix") / u, want / u,
                 what="logits with a zero prefix vs the closed form σ(lse − log P)·attention (logit units)")


@invariant(TOPIC, "prefix.parameter_count",
           statement="Σ numel(trainable) = L·2·P·d; with the projection P·d + (d·h + h) + (h·2Ld + 2Ld)",
           why="Without the reparameterisation the prefix itself is the parameter, one key and one value of width d per "
               "layer and position; with it, the embedding and the two-layer MLP are trained (and the prefix computed).",
           source=f"{SOURCE}, §4.3 (reparameterisation P_θ[i, :] = MLP_θ(P'_θ[i, :]))", kind="exact",
           strategy=prefix_case(max_len=2), draws={"prefix_projection": None}, max_examples=4)
def parameter_count(impl, case):
    pt = build(impl, case)
    h = (case["encoder_hidden_size"] or d) if case["prefix_projection"] else None
    want, n = prefix_trainable(L, case["n_virtual"], d, h), count_trainable(pt)
    assert_true(n == want, f"{n} trainable numbers, expected {want} (L = {L}, P = {case['n_virtual']}, d = {d}"
                           f"{'' if h is None else f', h = {h}'})")


@invariant(TOPIC, "prefix.only_prefix_trains",
           statement="trainable = prefix parameters; ∂L/∂θ_base = none, ∂L/∂prefix ≠ 0",
           why="Prefix tuning keeps the language model frozen and trains only the prefix (and its MLP); the gradient "
               "must reach the prefix through every layer's attention.",
           source=f"{SOURCE}, §4.2 (“the language model parameters φ are fixed”)", kind="exact",
           strategy=prefix_case(max_len=3), draws={"prefix_projection": None}, max_examples=4)
def only_prefix_trains(impl, case):
    pt = prepared(impl, case)
    check_only_prompt_trains(pt, trained_parameters(pt, case), case["ids"], case["ids"].shape[1])


@st.composite
def generation_case(draw):
    case = draw(prefix_case(virtual=(0, 3), max_len=4))
    case["max_new_tokens"] = draw(st.integers(1, 3), label="max_new_tokens")
    return case


@invariant(TOPIC, "prefix.generation_is_greedy_decoding",
           statement="generate(x, n) = greedy decoding: x_{T+k} = argmax logits([x; x_{T..T+k−1}])_last, scores equal",
           why="Generation must use the same model as the forward — the prefix in every layer — one token at a time; "
               "a KV cache is an optimisation of that loop, never a different model.",
           source=f"{SOURCE}, §5 (decoding with the prefix-conditioned model)", kind="tolerance", tolerance=UNIT,
           strategy=generation_case(), draws={"prefix_projection": None}, max_examples=5, min_compared=0.5)
def generation_is_greedy_decoding(impl, case):
    pt = prepared(impl, case)
    return greedy_generation(pt, case["ids"], case["max_new_tokens"], 0)


BAD_CASES = ("n_virtual_negative", "token_dim_mismatch", "input_too_long")


@st.composite
def bad_case(draw):
    projection = draw(option("prefix_projection", PROJECTION))
    cases = BAD_CASES + (("encoder_hidden_size_zero",) if projection else ())
    return {"case": draw(st.sampled_from(cases), label="case"), "prefix_projection": projection}


@invariant(TOPIC, "prefix.rejects_bad_input",
           statement="P < 0, encoder_hidden_size < 1, token_dim ≠ d, P + T > n_positions → ValueError naming each",
           why="A negative prefix length, an empty MLP, a width other than the model's and an input the position table "
               "cannot hold are the caller's mistakes; each must be named where it is made.",
           source="this contract (module docstring)", kind="exact", category="validation", strategy=bad_case(),
           draws={"prefix_projection": None}, max_examples=8)
def rejects_bad_input(impl, case):
    config, state = host(0)
    kind, projection = case["case"], case["prefix_projection"]
    if kind == "input_too_long":
        pt = call(impl, config, state, n_virtual=2, prefix_projection=projection)
        ids = torch.zeros(1, CONFIG["n_positions"] - 1, dtype=torch.int64)
        expect_rejection(lambda: pt.logits(ids), "input_ids", f"P = 2 and T = {ids.shape[1]} > n_positions − P")
        return
    kwargs, name = {"n_virtual_negative": ({"n_virtual": -1}, "n_virtual"),
                    "encoder_hidden_size_zero": ({"n_virtual": 2, "encoder_hidden_size": 0}, "encoder_hidden_size"),
                    "token_dim_mismatch": ({"n_virtual": 2, "token_dim": d - 1}, "token_dim")}[kind]
    expect_rejection(lambda: impl(config, state, prefix_projection=projection, **kwargs), name,
                     f"{', '.join(f'{k}={v}' for k, v in kwargs.items())} (prefix_projection={projection})")


@crosscheck(TOPIC, "prefix.crosscheck.peft",
            statement="same host, same prefix parameters: logits(x) agree with peft's prefix tuning on GPT-2",
            why="peft is the ecosystem's prefix tuning; on the same frozen GPT-2 and the same prefix (and MLP) the "
                "reference's forward must match it, with and without the reparameterisation.",
            source=f"{SOURCE}; peft 0.21 PeftModelForCausalLM.forward, get_prompt", tolerance=UNIT,
            strategy=prefix_case(), draws={"prefix_projection": None},
            pairs=[("reference.peft.prefix:PrefixTuning", f"{_PEFT}:PeftPrefixTuning")], max_examples=4)
def crosscheck_peft(ref, lib, case):
    a, b = prepared(ref, case), prepared(lib, case)
    la, lb = logits(a, case["ids"], "reference logits"), logits(b, case["ids"], "peft logits")
    assert_close(lb / unit(la), la / unit(la), what="logits: peft vs reference (logit units)")
