"""Guidance mutants: the reference combinators with one bug each."""
from __future__ import annotations

import torch

from reference.diffusion.guidance import F64, Guidance, _alpha_bar, _scale, _tensors
from tests.zoo import mutant


@mutant("guidance", bug="ε-form classifier guidance without √(1 − ᾱ): ε − s ∇log p(y|x) (the score-form gradient "
                        "added to an ε)",
        catches=("guidance.classifier_scale_one_is_bayes", "guidance.classifier_guidance_is_tilted_score"))
class EpsGuidanceWithoutSqrtOneMinusAlphaBar(Guidance):
    def guide_eps(self, eps, classifier_grad, scale, alpha_bar):
        s = _scale(scale)
        eps, grad = _tensors(eps=eps, classifier_grad=classifier_grad)
        _alpha_bar(alpha_bar, eps.shape[0])
        return eps - s * grad


@mutant("guidance", bug="ε-form classifier guidance with √ᾱ instead of √(1 − ᾱ)",
        catches=("guidance.classifier_scale_one_is_bayes",))
class EpsGuidanceWithSqrtAlphaBar(Guidance):
    def guide_eps(self, eps, classifier_grad, scale, alpha_bar):
        s = _scale(scale)
        eps, grad = _tensors(eps=eps, classifier_grad=classifier_grad)
        a = _alpha_bar(alpha_bar, eps.shape[0]).reshape((-1,) + (1,) * (eps.ndim - 1))
        return eps - s * torch.sqrt(a) * grad


@mutant("guidance", bug="classifier guidance subtracts the classifier gradient (score − s ∇log p(y|x)): steers away "
                        "from the class",
        catches=("guidance.classifier_scale_one_is_bayes", "guidance.classifier_confidence_rises"))
class ClassifierGuidanceSignFlipped(Guidance):
    def guide_score(self, score, classifier_grad, scale):
        return super().guide_score(score, classifier_grad, -_scale(scale))

    def guide_eps(self, eps, classifier_grad, scale, alpha_bar):
        return super().guide_eps(eps, classifier_grad, -_scale(scale), alpha_bar)


@mutant("guidance", bug="score-form guidance scales the whole guided score, s (∇log p + ∇log p(y|x))",
        catches=("guidance.classifier_guidance_is_tilted_score",))
class ScoreGuidanceScalesEverything(Guidance):
    def guide_score(self, score, classifier_grad, scale):
        s = _scale(scale)
        score, grad = _tensors(score=score, classifier_grad=classifier_grad)
        return s * (score + grad)


@mutant("guidance", bug="classifier-free guidance written s ε_c + (s − 1) ε_u (the unconditional term's sign flipped)",
        catches=("guidance.cfg_endpoints", "guidance.cfg_is_tilted_score"))
class CFGWrongCombination(Guidance):
    def classifier_free(self, pred_uncond, pred_cond, scale):
        s = _scale(scale)
        u, c = _tensors(pred_uncond=pred_uncond, pred_cond=pred_cond)
        return s * c + (s - 1) * u


@mutant("guidance", bug="classifier-free guidance with the paper's (1 + w) convention read with s for w: "
                        "ε_c + s (ε_c − ε_u)",
        catches=("guidance.cfg_endpoints", "guidance.cfg_is_tilted_score"))
class CFGScaleUsedAsW(Guidance):
    def classifier_free(self, pred_uncond, pred_cond, scale):
        s = _scale(scale)
        u, c = _tensors(pred_uncond=pred_uncond, pred_cond=pred_cond)
        return c + s * (c - u)


@mutant("guidance", bug="classifier-free guidance with the conditional and unconditional predictions swapped: "
                        "ε_c + s (ε_u − ε_c) (guides away from the class)",
        catches=("guidance.cfg_endpoints", "guidance.cfg_confidence_rises"))
class CFGPredictionsSwapped(Guidance):
    def classifier_free(self, pred_uncond, pred_cond, scale):
        return super().classifier_free(pred_cond, pred_uncond, scale)


@mutant("guidance", bug="no input validation: a NaN scale, NaN predictions, mismatched shapes and ᾱ ∉ (0, 1] pass "
                        "through (mismatched shapes broadcast)",
        catches=("guidance.rejects_bad_input",))
class GuidanceWithoutValidation(Guidance):
    def guide_score(self, score, classifier_grad, scale):
        return score + scale * classifier_grad

    def guide_eps(self, eps, classifier_grad, scale, alpha_bar):
        a = torch.as_tensor(alpha_bar, dtype=F64)
        return eps - scale * torch.sqrt(1 - a) * classifier_grad

    def classifier_free(self, pred_uncond, pred_cond, scale):
        return pred_uncond + scale * (pred_cond - pred_uncond)
