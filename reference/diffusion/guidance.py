"""Guidance for diffusion models: classifier guidance (score and ε forms) and classifier-free guidance.

Papers:
  Dhariwal, Nichol, "Diffusion Models Beat GANs on Image Synthesis", NeurIPS 2021 (arXiv:2105.05233) — §4, Algorithm 2
    (ε form: ε̂ = ε − s √(1 − ᾱ) ∇ log p_φ(y | x_t)) and §4.1 (score form, the scale s).
  Song et al., "Score-Based Generative Modeling through SDEs", ICLR 2021 (arXiv:2011.13456) — eq. (14):
    ∇ log p_t(x | y) = ∇ log p_t(x) + ∇ log p_t(y | x).
  Ho, Salimans, "Classifier-Free Diffusion Guidance", 2022 (arXiv:2207.12598) — eq. (6):
    ε̃ = (1 + w) ε(x, c) − w ε(x); with s = 1 + w this is ε_u + s (ε_c − ε_u), the form diffusers' pipelines use.

Contract (``properties.diffusion.guidance``): ``g = Guidance()``; ``g.guide_score``, ``g.guide_eps``,
``g.classifier_free`` combine tensors of the same shape (B, ...) in float64 and return a new tensor.  Bad input —
a non-finite scale, ᾱ outside (0, 1], inputs of different shapes, NaN — raises ``ValueError`` naming the parameter.
Nothing mutates its inputs.
"""
from __future__ import annotations

import math

import torch

F64 = torch.float64


def _scale(scale) -> float:
    try:
        s = float(scale)
    except (TypeError, ValueError):
        raise ValueError(f"scale must be a real number, got {scale!r}") from None
    if not math.isfinite(s):
        raise ValueError(f"scale must be finite, got {scale!r}")
    return s


def _tensors(**named) -> list[torch.Tensor]:
    """The named inputs as float64 tensors of one shape, finite."""
    out, shape = [], None
    for name, value in named.items():
        if not isinstance(value, torch.Tensor):
            raise ValueError(f"{name} must be a tensor, got {type(value).__name__}")
        if shape is None:
            shape, first = value.shape, name
        elif value.shape != shape:
            raise ValueError(f"{name} has shape {tuple(value.shape)}, {first} has {tuple(shape)}: they must match")
        if not bool(torch.isfinite(value).all()):
            raise ValueError(f"{name} contains NaN or infinite values")
        out.append(value.to(F64))
    return out


def _alpha_bar(alpha_bar, batch: int) -> torch.Tensor:
    """ᾱ as a (B, 1, …)-broadcastable float64 tensor in (0, 1]."""
    a = torch.as_tensor(alpha_bar, dtype=F64)
    if a.ndim == 0:
        a = a.expand(batch)
    if a.shape != (batch,):
        raise ValueError(f"alpha_bar must be a float or a tensor of shape ({batch},), got shape {tuple(a.shape)}")
    if not bool(torch.isfinite(a).all()) or bool((a <= 0).any()) or bool((a > 1).any()):
        raise ValueError(f"alpha_bar must lie in (0, 1], got {a.tolist()}")
    return a


class Guidance:
    """The reference guidance combinators (stateless; ``Guidance()`` takes no options)."""

    invariants_support = {"form": ["score", "epsilon"], "operations": ["classifier_free"], "precision": "float64"}

    def guide_score(self, score, classifier_grad, scale) -> torch.Tensor:
        """Classifier guidance in score form: ∇ log p_t(x) + s ∇ log p_t(y | x)   (Song et al. eq. 14 with a scale)."""
        s = _scale(scale)
        score, grad = _tensors(score=score, classifier_grad=classifier_grad)
        # ∇ log p̃_t(x | y) = ∇ log p_t(x) + s ∇ log p_t(y | x)
        return score + s * grad

    def guide_eps(self, eps, classifier_grad, scale, alpha_bar) -> torch.Tensor:
        """Classifier guidance in ε form: ε − s √(1 − ᾱ) ∇ log p_t(y | x)   (Dhariwal & Nichol, Algorithm 2)."""
        s = _scale(scale)
        eps, grad = _tensors(eps=eps, classifier_grad=classifier_grad)
        a = _alpha_bar(alpha_bar, eps.shape[0]).reshape((-1,) + (1,) * (eps.ndim - 1))
        # ε̂ = ε − s √(1 − ᾱ_t) ∇ log p(y | x_t)
        return eps - s * torch.sqrt(1 - a) * grad

    def classifier_free(self, pred_uncond, pred_cond, scale) -> torch.Tensor:
        """Classifier-free guidance: pred_u + s (pred_c − pred_u), s = 1 + w   (Ho & Salimans eq. 6)."""
        s = _scale(scale)
        u, c = _tensors(pred_uncond=pred_uncond, pred_cond=pred_cond)
        # ε̃ = ε_u + s (ε_c − ε_u)  =  (1 + w) ε_c − w ε_u  with  s = 1 + w
        return u + s * (c - u)
