"""What prefix tuning and prompt tuning share (peft calls them prompt-learning methods): the greedy-generation check,
the trainable-parameter checks and the bad-input cases."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from properties.engine import Expected, ImplementationFailure, assert_close, assert_true, call, tolerance
from properties.peft.cases import CONFIG, generation, logits_of, trainable, unit


def greedy_generation(obj: Any, input_ids: torch.Tensor, n: int, virtual_rows: int) -> dict:
    """``generate`` must be greedy decoding through the implementation's own forward: at step k its scores are the
    last row of ``logits`` on the tokens so far (its own output, so one divergence does not cascade) and its token
    the argmax, except where the top two logits are within the tolerance (a near tie, counted and not judged)."""
    B, T = input_ids.shape
    seq, scores = generation(obj, input_ids, n)
    assert_true(np.array_equal(seq[:, :T], input_ids.numpy()), "generate() must return the input ids first")
    compared = ties = 0
    for k in range(n):
        context = torch.as_tensor(seq[:, : T + k], dtype=torch.int64)
        want = logits_of(obj.logits, context, virtual_rows + T + k, what=f"logits on the first {T + k} tokens")[:, -1]
        u = unit(want)
        assert_close(scores[k] / u, want / u, what=f"generate() step {k}: scores vs the last row of logits() on the "
                                                   f"tokens so far (logit units)")
        slack = tolerance().atol * u
        for b in range(B):
            top2 = np.sort(want[b])[-2:]
            if top2[1] - top2[0] <= 2 * slack:
                ties += 1
                continue
            compared += 1
            assert_true(int(seq[b, T + k]) == int(np.argmax(want[b])),
                        f"generate() step {k}, sequence {b}: token {int(seq[b, T + k])}, but the argmax of the forward's "
                        f"logits is {int(np.argmax(want[b]))}")
    return {"compared": compared, "skipped_near_ties": ties}


def check_only_prompt_trains(obj: Any, trained: list[torch.Tensor], input_ids: torch.Tensor, rows: int) -> None:
    """The trainable parameters of ``obj.module`` are exactly ``trained``; after a backward pass through the logits
    every other parameter has no gradient and every trained one has a non-zero gradient."""
    params = trainable(obj.module)
    names = {id(p): n for n, p in params}
    want = {id(p) for p in trained}
    assert_true(set(names) == want, f"the trainable parameters are {sorted(names.values())}; expected exactly the "
                                    f"{len(want)} prompt parameter(s) of the contract")
    for p in call(obj.module.parameters):
        p.grad = None
    out = call(obj.logits, input_ids)
    shape = (input_ids.shape[0], rows, CONFIG["vocab_size"])
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != shape:
        raise ImplementationFailure(f"logits(): expected a tensor of shape {shape}")
    assert_true(out.requires_grad, "logits() carry no autograd graph: no gradient can reach the prompt parameters")
    G = torch.cos(torch.arange(out.numel(), dtype=torch.float64)).reshape(out.shape)
    (out.to(torch.float64) * G).sum().backward()
    for name, p in call(obj.module.named_parameters):
        if id(p) not in want:
            assert_true(p.grad is None or not torch.any(p.grad), f"the frozen base parameter {name} received a gradient")
    for p in trained:
        assert_true(p.grad is not None and bool(torch.any(p.grad != 0)),
                    f"a prompt parameter of shape {tuple(p.shape)} received no gradient")


def count_trainable(obj: Any) -> int:
    return sum(p.numel() for _, p in trainable(obj.module))


def peft_validation_gaps(topic: str) -> tuple[Expected, ...]:
    """The bad-input cases peft's prompt-learning methods leave to torch (prefix and prompt tuning alike)."""
    return (
        Expected(f"{topic}.rejects_bad_input", "peft does not check num_virtual_tokens: −1 fails inside "
                 "torch.nn.Embedding with RuntimeError 'Trying to create tensor with negative dimension'",
                 where="case n_virtual < 0", when=lambda ex: ex["case"] == "n_virtual_negative", match="RuntimeError"),
        Expected(f"{topic}.rejects_bad_input", "an input longer than n_positions − P reaches GPT-2's position embedding "
                 "and fails with IndexError 'index out of range in self'",
                 where="case P + T > n_positions", when=lambda ex: ex["case"] == "input_too_long", match="IndexError"),
    )
