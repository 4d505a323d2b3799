"""diffusers' classifier-free guidance, speaking the ``guidance`` contract (``classifier_free`` only).

* ``DiffusersCFG``: ``diffusers.guiders.ClassifierFreeGuidance(guidance_scale=s)``, diffusers' native formulation
  pred_u + s (pred_c − pred_u), called through its ``forward(pred_cond, pred_uncond)``.
* ``DiffusersCFGOriginal``: the same guider with ``use_original_formulation=True`` and ``guidance_scale = w = s − 1``
  — Ho & Salimans' pred_c + w (pred_c − pred_u); the only change is the stated convention s = 1 + w.
* ``DiffusersPipelineCFG``: what diffusers' pipelines do, quoted from pipelines/stable_diffusion/
  pipeline_stable_diffusion.py (diffusers 0.42): the property ``do_classifier_free_guidance`` (line 764,
  ``self._guidance_scale > 1 and self.unet.config.time_cond_proj_dim is None``) decides whether to guide; with
  guidance the step uses ``noise_pred_uncond + self.guidance_scale * (noise_pred_text - noise_pred_uncond)``
  (line 1055), without it the conditional prediction alone.  The pipeline needs a UNet and a text encoder to run, and
  importing it pulls in transformers (seconds), so the two lines are quoted here, not called;
  ``tests/diffusion/test_guidance.py`` checks that the installed diffusers still contains them verbatim.

The guider logs "Guiders are currently an experimental feature" on construction; that logger is silenced here.
"""
from __future__ import annotations

import logging

from diffusers.guiders import ClassifierFreeGuidance

logging.getLogger("diffusers.guiders.guider_utils").setLevel(logging.ERROR)


class DiffusersCFG:
    invariants_support = {"form": [], "operations": ["classifier_free"], "precision": "float64"}
    original = False

    def classifier_free(self, pred_uncond, pred_cond, scale):
        guidance_scale = scale - 1 if self.original else scale
        guider = ClassifierFreeGuidance(guidance_scale=guidance_scale, use_original_formulation=self.original)
        return guider.forward(pred_cond=pred_cond, pred_uncond=pred_uncond).pred


class DiffusersCFGOriginal(DiffusersCFG):
    original = True


class DiffusersPipelineCFG:
    invariants_support = {"form": [], "operations": ["classifier_free"], "precision": "float64"}
    #: the quoted lines (tests/diffusion/test_guidance.py checks them against the installed diffusers)
    GATE = "return self._guidance_scale > 1 and self.unet.config.time_cond_proj_dim is None"
    FORMULA = "noise_pred = noise_pred_uncond + self.guidance_scale * (noise_pred_text - noise_pred_uncond)"

    def classifier_free(self, pred_uncond, pred_cond, scale):
        if not scale > 1:                  # do_classifier_free_guidance (time_cond_proj_dim is None: no LCM embedding)
            return pred_cond
        noise_pred_uncond, noise_pred_text = pred_uncond, pred_cond
        return noise_pred_uncond + scale * (noise_pred_text - noise_pred_uncond)
