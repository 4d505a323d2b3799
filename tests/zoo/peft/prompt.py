"""Prompt-tuning mutants: the reference with one bug each."""
from __future__ import annotations

import torch

from reference.peft.prompt import PromptTuning
from reference.peft.transformer import greedy
from tests.zoo import mutant


@mutant("prompt", bug="the soft prompt appended after the input, [embed(x); P]",
        catches=("prompt.equals_base_on_prepended_embeddings",))
class PromptAppended(PromptTuning):
    def inputs_embeds(self, input_ids):
        B = input_ids.shape[0]
        return torch.cat([self.host.embed(input_ids), self.embedding.expand(B, -1, -1)], dim=1)


@mutant("prompt", bug="the soft prompt without position embeddings and the tokens at positions 0 … T − 1",
        catches=("prompt.equals_base_on_prepended_embeddings",))
class PromptWithoutPositions(PromptTuning):
    def inputs_embeds(self, input_ids):
        P, T = self.n_virtual, input_ids.shape[1]
        wpe = self.host.wpe
        shift = torch.cat([-wpe[:P], wpe[:T] - wpe[P: P + T]], dim=0)
        return super().inputs_embeds(input_ids) + shift


@mutant("prompt", bug="the word embeddings left trainable (the base model not frozen)",
        catches=("prompt.parameter_count", "prompt.only_prompt_trains"))
class WordEmbeddingsTrainable(PromptTuning):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.host.wte.requires_grad_(True)


@mutant("prompt", bug="generate() decodes with the base model alone (the soft prompt dropped)",
        catches=("prompt.generation_is_greedy_decoding",))
class GenerateWithoutPrompt(PromptTuning):
    def generate(self, input_ids, max_new_tokens):
        return greedy(self.host, max_new_tokens, input_ids=input_ids)


@mutant("prompt", bug="generate() re-inserts the soft prompt before every new token (peft's generate under "
                      "transformers 5.24): only the first new token is right",
        catches=("prompt.generation_is_greedy_decoding",))
class GenerateReinsertsPrompt(PromptTuning):
    def generate(self, input_ids, max_new_tokens):
        B = input_ids.shape[0]
        sequences, scores = input_ids, []
        with torch.no_grad():
            logits, cache = self.host(inputs_embeds=self.inputs_embeds(input_ids))
            for step in range(max_new_tokens):
                scores.append(logits[:, -1])
                token = logits[:, -1].argmax(dim=-1, keepdim=True)
                sequences = torch.cat([sequences, token], dim=1)
                if step + 1 < max_new_tokens:
                    embeds = torch.cat([self.embedding.expand(B, -1, -1), self.host.embed(token)], dim=1)
                    logits, cache = self.host(inputs_embeds=embeds, past=cache)
        return sequences, scores


@mutant("prompt", bug="a negative prompt length accepted as 0", catches=("prompt.rejects_bad_input",))
class AcceptsNegativeLength(PromptTuning):
    def __init__(self, config, state, n_virtual, *args, **kwargs):
        super().__init__(config, state, max(n_virtual, 0) if isinstance(n_virtual, int) else n_virtual, *args, **kwargs)
