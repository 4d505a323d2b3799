"""Guidance: invariants of classifier guidance (score and ε forms) and classifier-free guidance.

Contract (no ecosystem standard exists for classifier guidance; this is the smallest one that the reference and
diffusers' classifier-free guider satisfy — tensors in, the combined tensor out)::

    g = Cls()
    g.guide_score(score, classifier_grad, scale) -> score + s · ∇ log p_t(y | x)                   [form "score"]
    g.guide_eps(eps, classifier_grad, scale, alpha_bar) -> eps − s · √(1 − ᾱ) · ∇ log p_t(y | x)   [form "epsilon"]
    g.classifier_free(pred_uncond, pred_cond, scale) -> pred_uncond + s · (pred_cond − pred_uncond)
                                                                        [operation "classifier_free"]

All inputs are float64 tensors of one shape (B, ...); ``alpha_bar`` is a float or a (B,) tensor in (0, 1] (ᾱ_t of
the VP / DDPM process, so √(1 − ᾱ) turns a score into ε = −√(1 − ᾱ) ∇ log p_t); ``scale`` s is a float.  The
classifier-free convention is stated as **s = 1 + w**: Ho & Salimans write ε̃ = (1 + w) ε_c − w ε_u, diffusers'
pipelines and its guider ``guidance_scale`` use ε_u + s (ε_c − ε_u); they are the same with s = 1 + w, so s = 1
is the conditional prediction and s = 0 the unconditional one.  Bad input — a non-finite scale, ᾱ outside (0, 1],
inputs of different shapes, NaN — raises ``ValueError`` naming the parameter.

Oracles: a two-class Gaussian mixture in 2-D noised by the VP SDE (β from 0.1 to 20), with its exact scores
∇ log p_t(x) and ∇ log p_t(x | y), the exact classifier log p_t(y | x) (its gradient by automatic differentiation of
the log-sum-exp, a computation of its own) and the score of the tilted density p_t(x)^{1−s} p_t(x | y)^s by finite
differences of log-densities (no score formula), all from ``properties.oracles.sde``.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from properties.diffusion.guidance_cases import (FORMS, SCALES, F64, alpha_bar_sigma, combined, confidence, exact,
                                                 expect_value_error, guidance_case, guided_sample, guider,
                                                 labelled_mixture, t64, tilted_score_fd)
from properties.engine import (Axis, Expected, Implementation, Tolerance, Topic, assert_close, assert_true, call,
                               crosscheck, invariant, option)

_U = torch.zeros(2, 2, dtype=F64)
_C = torch.ones(2, 2, dtype=F64)


def _probe_form(impl, form):
    g = guider(impl)
    if form == "score":
        call(g.guide_score, _U, _C, 2.0)
    else:
        call(g.guide_eps, _U, _C, 2.0, 0.5)


def _probe_operation(impl, op):
    call(guider(impl).classifier_free, _U, _C, 2.0)


_DIFFUSERS = "properties.diffusion.guidance_diffusers"
PIPELINE_GATE = (
    "diffusers' pipelines guide only when guidance_scale > 1 (StableDiffusionPipeline.do_classifier_free_guidance, "
    "pipelines/stable_diffusion/pipeline_stable_diffusion.py line 764: 'guidance_scale = 1 corresponds to doing no "
    "classifier free guidance'); below it they return the conditional prediction, not the interpolation toward — "
    "or, at s = 0, the — unconditional one: a documented convention of the pipelines, not of the formula")
NO_VALIDATION_GUIDER = ("diffusers' ClassifierFreeGuidance does not validate its inputs: a NaN scale or prediction "
                        "propagates, and predictions of shapes (2, 3) and (2, 1) broadcast silently")
NO_VALIDATION_PIPELINE = ("diffusers' pipelines do not validate guidance_scale or the predictions: a NaN scale fails "
                          "the gate 'guidance_scale > 1' and silently disables guidance; NaN predictions propagate and "
                          "mismatched shapes broadcast")


def _scale_below_one(ex) -> bool:
    return ex.get("scale", 2.0) < 1


TOPIC = Topic(
    name="guidance",
    title="Guidance: classifier guidance (score and ε forms) and classifier-free guidance",
    contract=__doc__,
    reference="reference.diffusion.guidance:Guidance",
    implementations=[
        Implementation(f"{_DIFFUSERS}:DiffusersCFG", requires=("diffusers",),
                       note="diffusers.guiders.ClassifierFreeGuidance (diffusers-native: guidance_scale = s)",
                       expected=(Expected("guidance.rejects_bad_input", NO_VALIDATION_GUIDER,
                                          where="cases scale=nan, pred=nan, shape",
                                          when=lambda ex: ex["case"] in ("scale=nan", "pred=nan", "shape"),
                                          match="accepted silently"),)),
        Implementation(f"{_DIFFUSERS}:DiffusersCFGOriginal", requires=("diffusers",),
                       note="diffusers.guiders.ClassifierFreeGuidance(use_original_formulation=True), guidance_scale "
                            "= w = s − 1 (Ho & Salimans' (1 + w) ε_c − w ε_u)",
                       expected=(Expected("guidance.rejects_bad_input", NO_VALIDATION_GUIDER,
                                          where="cases scale=nan, pred=nan, shape",
                                          when=lambda ex: ex["case"] in ("scale=nan", "pred=nan", "shape"),
                                          match="accepted silently"),)),
        Implementation(f"{_DIFFUSERS}:DiffusersPipelineCFG", requires=("diffusers",),
                       note="the formula of diffusers' pipelines (pipeline_stable_diffusion.py line 1055) behind its "
                            "gate do_classifier_free_guidance (guidance_scale > 1, line 764), quoted",
                       expected=(Expected("guidance.cfg_endpoints", PIPELINE_GATE, where="s = 0",
                                          when=lambda ex: ex["scale"] == 0.0, match="s = 0"),
                                 Expected("guidance.cfg_is_tilted_score", PIPELINE_GATE, where="scales s < 1",
                                          when=_scale_below_one, match="not equal within"),
                                 Expected("guidance.crosscheck.diffusers", PIPELINE_GATE, where="scales s < 1",
                                          when=_scale_below_one, match="not equal within"),
                                 Expected("guidance.cfg_confidence_rises", PIPELINE_GATE,
                                          where="the pair of scales 0 → 1 (which every example tests)",
                                          when=lambda ex: True, match="from s = 0 to s = 1"),
                                 Expected("guidance.rejects_bad_input", NO_VALIDATION_PIPELINE,
                                          where="cases scale=nan, pred=nan, shape",
                                          when=lambda ex: ex["case"] in ("scale=nan", "pred=nan", "shape"),
                                          match="accepted silently"))),
    ],
    axes=(
        Axis("form", FORMS, "classifier guidance in score form (∇log p + s∇log p(y|x)) or ε form "
                            "(ε − s√(1−ᾱ)∇log p(y|x)); absent when only classifier-free guidance is offered",
             probe=_probe_form,
             detect=lambda impl: [f for f, m in (("score", "guide_score"), ("epsilon", "guide_eps"))
                                  if callable(getattr(impl, m, None))]),
        Axis("operations", ("classifier_free",), "classifier-free guidance (pred_u + s (pred_c − pred_u))",
             probe=_probe_operation,
             detect=lambda impl: ["classifier_free"] if callable(getattr(impl, "classifier_free", None)) else []),
    ),
)

DN = "Dhariwal & Nichol 2021 (arXiv:2105.05233), §4 and Algorithm 2"
SONG = "Song et al. 2021 (arXiv:2011.13456), eq. (14)"
HS = "Ho & Salimans 2022 (arXiv:2207.12598), eq. (6)"
CFG = {"operations": ("classifier_free",)}

ROUNDOFF = Tolerance(rtol=1e-9, atol=1e-9, reason=(
    "a few float64 operations on O(1) scores (relative to 1 + max|expected|): ≲ 1e-14; the classifier's gradient by "
    "autograd and the closed-form scores agree to ~1e-13"))
FD = Tolerance(atol=1e-6, reason=(
    "fourth-order central differences (h = 1e-3) of mixture log-densities whose components have variance ≥ 0.2: "
    "truncation ≲ h⁴ |f⁽⁵⁾| / 30 ≈ 1e-9, round-off ε |log p| / h ≈ 1e-12; in units of 1 + |s| · max|score|"))


def _guided(g, form: str, e: dict, s: float):
    """Classifier guidance of the implementation in ``form``, returned as a score."""
    if form == "score":
        return combined(call(g.guide_score, e["score_u"], e["grad"], s), e["x"].shape, "guide_score")
    out = combined(call(g.guide_eps, e["eps_u"], e["grad"], s, e["alpha_bar"]), e["x"].shape, "guide_eps")
    return out / -e["sigma"]      # ε̂ = −σ ∇ log p̃  ⇒  ∇ log p̃ = −ε̂ / σ


def _in_form(form: str, score: np.ndarray, e: dict) -> tuple[np.ndarray, float]:
    """A score expressed in the form's own units (ε = −σ · score), and that unit."""
    return (score, 1.0) if form == "score" else (-e["sigma"] * score, e["sigma"])


@st.composite
def form_case(draw):
    return {**draw(guidance_case()), "form": draw(option("form"))}


@invariant(TOPIC, "guidance.classifier_scale_one_is_bayes",
           statement="scale 1: ∇log p_t(x) + ∇log p_t(y|x) = ∇log p_t(x|y); ε form: ε_u − √(1−ᾱ)∇log p_t(y|x) = ε(x|y)",
           why="Bayes' rule p(x|y) = p(y|x) p(x) / p(y): the gradient of its log adds the classifier's gradient to the "
               "unconditional score, so guidance at scale 1 with the exact classifier samples the exact conditional.  "
               "In ε units the classifier gradient enters multiplied by √(1 − ᾱ) = σ_t.",
           source=f"{SONG}; {DN}", kind="tolerance", tolerance=ROUNDOFF, strategy=form_case(), draws={"form": None},
           max_examples=10)
def classifier_scale_one_is_bayes(impl, data):
    form, e = data["form"], exact(data["mixture"], data["x"], data["t"], data["y"])
    g = guider(impl)
    if form == "score":
        got = combined(call(g.guide_score, e["score_u"], e["grad"], 1.0), e["x"].shape, "guide_score")
        want = e["score_c"].numpy()
    else:
        got = combined(call(g.guide_eps, e["eps_u"], e["grad"], 1.0, e["alpha_bar"]), e["x"].shape, "guide_eps")
        want = e["eps_c"].numpy()
    scale = 1 + np.abs(want).max()
    assert_close(got / scale, want / scale, what=f"{form}-form guidance at s = 1 vs the exact conditional "
                                                 f"(t = {data['t']}, y = {data['y']})")


@st.composite
def scaled_form_case(draw):
    return {**draw(form_case()), "scale": draw(st.sampled_from(SCALES), label="scale")}


@invariant(TOPIC, "guidance.classifier_guidance_is_tilted_score",
           statement="scale s: ∇log p_t(x) + s ∇log p_t(y|x) = ∇ log[p_t(x)^{1−s} p_t(x|y)^s] (ε form: × −√(1−ᾱ))",
           why="Guidance at scale s follows the score of the tilted density p(x) p(y|x)^s ∝ p(x)^{1−s} p(x|y)^s: s > 1 "
               "sharpens toward the class, s = 0 ignores it.  The right side is computed by finite differences of the "
               "mixture's log-densities, with no score formula.",
           source=f"{DN}, §4 (scaling the classifier gradient); {SONG}", kind="tolerance", tolerance=FD,
           strategy=scaled_form_case(), draws={"form": None}, max_examples=12)
def classifier_guidance_is_tilted_score(impl, data):
    form, s, mix = data["form"], data["scale"], data["mixture"]
    e = exact(mix, data["x"], data["t"], data["y"])
    got = _guided(guider(impl), form, e, s)
    want = tilted_score_fd(mix, data["x"], data["t"], data["y"], s)
    unit = 1 + abs(s) * max(float(e["score_u"].abs().max()), float(e["score_c"].abs().max()))
    got_f, k = _in_form(form, got, e)
    want_f, _ = _in_form(form, want, e)
    assert_close(got_f / (k * unit), want_f / (k * unit),
                 what=f"{form}-form guidance at s = {s} vs ∇log p^(1−s) p(x|y)^s (t = {data['t']})")


@st.composite
def endpoint_case(draw):
    return {"scale": draw(st.sampled_from((1.0, 0.0)), label="scale"),
            "u": draw(st.lists(st.floats(-3, 3), min_size=6, max_size=6), label="u"),
            "c": draw(st.lists(st.floats(-3, 3), min_size=6, max_size=6), label="c")}


ENDPOINT = Tolerance(atol=1e-15, rtol=4 * 2.0 ** -52, reason=(
    "u + s (c − u) at s ∈ {0, 1} rounds twice: within 4 ulps of the endpoint (|values| ≤ 3, so also 1e-15 absolute)"),
    float64=Tolerance(atol=1e-15, rtol=4 * 2.0 ** -52, reason=(
        "u + s (c − u) at s ∈ {0, 1} rounds twice: within 4 ulps of the endpoint")))


@invariant(TOPIC, "guidance.cfg_endpoints",
           statement="classifier_free(ε_u, ε_c, s = 1) = ε_c and classifier_free(ε_u, ε_c, s = 0) = ε_u",
           why="With s = 1 + w, s = 1 (w = 0) is plain conditional sampling and s = 0 (w = −1) unconditional sampling; "
               "a formula with the scale on the wrong term (s ε_c + (s−1) ε_u, or the original (1 + s) convention "
               "read with s for w) moves both endpoints.",
           source=f"{HS}; diffusers pipelines/stable_diffusion/pipeline_stable_diffusion.py line 1055", kind="exact",
           tolerance=ENDPOINT, strategy=endpoint_case(), requires=CFG, max_examples=8)
def cfg_endpoints(impl, data):
    u, c, s = t64(data["u"]).reshape(3, 2), t64(data["c"]).reshape(3, 2), data["scale"]
    want, name = (c, "ε_c") if s == 1.0 else (u, "ε_u")
    got = combined(call(guider(impl).classifier_free, u, c, s), u.shape, f"classifier_free(s = {s:g})")
    assert_close(got, want.numpy(), what=f"classifier_free at s = {s:g} vs {name}")


@st.composite
def cfg_case(draw):
    return {**draw(guidance_case()), "scale": draw(st.sampled_from(SCALES), label="scale")}


@invariant(TOPIC, "guidance.cfg_is_tilted_score",
           statement="exact ε_u, ε_c: classifier_free(ε_u, ε_c, s) = −√(1−ᾱ) ∇ log[p_t(x)^{1−s} p_t(x|y)^s]",
           why="Classifier-free guidance mixes the two predictions linearly, so with exact ε's it is the ε of the "
               "tilted density p(x)^{1−s} p(x|y)^s — the same target as classifier guidance at scale s, with the "
               "implicit classifier p(y|x) ∝ p(x|y)/p(x).  Right side by finite differences of log-densities.",
           source=f"{HS}, §3.2; {DN}", kind="tolerance", tolerance=FD, strategy=cfg_case(), requires=CFG,
           max_examples=12)
def cfg_is_tilted_score(impl, data):
    s, mix = data["scale"], data["mixture"]
    e = exact(mix, data["x"], data["t"], data["y"])
    got = combined(call(guider(impl).classifier_free, e["eps_u"], e["eps_c"], s), e["x"].shape, "classifier_free")
    want = -e["sigma"] * tilted_score_fd(mix, data["x"], data["t"], data["y"], s)
    unit = e["sigma"] * (1 + abs(s) * max(float(e["score_u"].abs().max()), float(e["score_c"].abs().max())))
    assert_close(got / unit, want / unit, what=f"classifier_free at s = {s} vs the tilted density's ε (t = {data['t']})")


# --------------------------------------------------------------------------------- guided sampling, statistical

CONF_SCALES, CONF_N, CONF_STEPS, CONF_SEPARATION = (0.0, 1.0, 3.0), 1000, 40, 1.5
CONF_Z = 5.0


def _confidence_test(mix, y: int, seed: int, guided_at) -> dict:
    """Guided samples at each scale (same noise), the exact classifier's confidence, paired one-sided z tests."""
    eps = 1e-3
    counts = {"samples": CONF_N}
    s0, c0 = CONF_SCALES[0], confidence(mix, guided_sample(guided_at(CONF_SCALES[0]), CONF_N, CONF_STEPS, seed, eps),
                                        eps, y)
    for s1 in CONF_SCALES[1:]:
        c1 = confidence(mix, guided_sample(guided_at(s1), CONF_N, CONF_STEPS, seed, eps), eps, y)
        d = c1 - c0
        se = float(d.std(ddof=1)) / math.sqrt(len(d))
        z = float(d.mean()) / se if se > 0 else (math.inf if d.mean() > 0 else 0.0)
        counts[f"z_{s0:g}_to_{s1:g}_x10"] = round(min(z, 1e6) * 10)
        assert_true(z > CONF_Z, f"mean confidence p(y|x) did not rise from s = {s0:g} to s = {s1:g}: "
                                f"{c0.mean():.4f} → {c1.mean():.4f}, paired z = {z:.2f} ≤ {CONF_Z} (n = {CONF_N})")
        s0, c0 = s1, c1
    return counts


CONF_WHY = (
    "Guidance tilts sampling toward p(x) p(y|x)^s, whose mean log-confidence grows with s (its derivative in s is "
    "the variance of log p(y|x)).  Test, per pair of scales (0 → 1 → 3): the same noise drives all three samplers "
    "(common random numbers), the paired differences of p_ε(y|x) over n = 1000 samples give a one-sided z statistic, "
    "and the invariant fails unless z > 5 (a guidance that does nothing passes with probability ≤ 3e-7 per pair).  "
    "On these balanced two-class mixtures (class means 1.5 apart, 40 Euler–Maruyama steps) the correct guidance "
    "measures z ≥ 13 (first twelve mixtures of the strategy; the statistics are in the result), so a false alarm "
    "needs an 8-standard-error shortfall: probability < 1e-15.  Seeds are fixed.")


@st.composite
def confidence_case(draw, with_form: bool):
    case = {"mixture": draw(labelled_mixture(separation=CONF_SEPARATION)), "y": draw(st.integers(0, 1), label="y"),
            "seed": draw(st.integers(0, 2 ** 20), label="seed")}
    if with_form:
        case["form"] = draw(option("form"))
    return case


@invariant(TOPIC, "guidance.classifier_confidence_rises",
           statement="classifier-guided sampling with the exact classifier: mean p(y|x) rises from s = 0 to 1 to 3 (paired z > 5)",
           why=CONF_WHY, source=f"{DN}, §4 and Fig. 3 (scale vs fidelity)", kind="statistical",
           tolerance=Tolerance(reason="a one-sided paired z test at z = 5 (see why)"),
           strategy=confidence_case(with_form=True), draws={"form": None}, max_examples=2)
def classifier_confidence_rises(impl, data):
    mix, y, form, g = data["mixture"], data["y"], data["form"], guider(impl)

    def guided_at(s):
        def score(x, t):
            tt = torch.full((x.shape[0],), t, dtype=F64)
            ab, sigma = alpha_bar_sigma(t)
            su, grad = mix.score(x, tt), mix.classifier_grad(x, tt, y)
            e = {"x": x, "score_u": su, "eps_u": -sigma * su, "grad": grad, "alpha_bar": ab, "sigma": sigma}
            return t64(_guided(g, form, e, s))
        return score

    return _confidence_test(mix, y, data["seed"], guided_at)


@invariant(TOPIC, "guidance.cfg_confidence_rises",
           statement="classifier-free guided sampling with exact ε_u, ε_c: mean p(y|x) rises from s = 0 to 1 to 3 (paired z > 5)",
           why=CONF_WHY, source=f"{HS}, §4 and Fig. 2 (guidance strength)", kind="statistical",
           tolerance=Tolerance(reason="a one-sided paired z test at z = 5 (see why)"),
           strategy=confidence_case(with_form=False), requires=CFG, max_examples=1)
def cfg_confidence_rises(impl, data):
    mix, y, g = data["mixture"], data["y"], guider(impl)

    def guided_at(s):
        def score(x, t):
            tt = torch.full((x.shape[0],), t, dtype=F64)
            _, sigma = alpha_bar_sigma(t)
            eps_u, eps_c = -sigma * mix.score(x, tt), -sigma * mix.conditional_score(x, tt, y)
            out = combined(call(g.classifier_free, eps_u, eps_c, s), x.shape, "classifier_free")
            return t64(out / -sigma)
        return score

    return _confidence_test(mix, y, data["seed"], guided_at)


# ------------------------------------------------------------------------------------------------- bad input

BAD_CASES = {"score": ("scale=nan", "pred=nan", "shape"), "epsilon": ("scale=nan", "pred=nan", "shape",
                                                                      "alpha_bar<=0", "alpha_bar>1"),
             "classifier_free": ("scale=nan", "pred=nan", "shape")}


@st.composite
def bad_case(draw):
    from properties.engine import supports
    mechanisms = [f for f in FORMS if supports("form", f)] + (["classifier_free"] if supports(
        "operations", "classifier_free") else [])
    if not mechanisms:
        from properties.engine import SkipCheck
        raise SkipCheck("the implementation offers no guidance")
    mechanism = draw(st.sampled_from(mechanisms), label="mechanism")
    return {"mechanism": mechanism, "case": draw(st.sampled_from(BAD_CASES[mechanism]), label="case")}


@invariant(TOPIC, "guidance.rejects_bad_input", category="validation",
           statement="a NaN scale or prediction, predictions of different shapes, ᾱ ∉ (0, 1] ⇒ ValueError naming the parameter",
           why="A NaN scale or prediction makes every guided sample NaN; mismatched shapes broadcast silently into "
               "garbage; ᾱ outside (0, 1] makes √(1 − ᾱ) NaN or scales the classifier gradient by 0.",
           source="this project's contract", kind="exact", strategy=bad_case(), max_examples=20)
def rejects_bad_input(impl, data):
    g, m, case = guider(impl), data["mechanism"], data["case"]
    a, b = torch.zeros(2, 3, dtype=F64), torch.ones(2, 3, dtype=F64)
    scale, alpha_bar = 2.0, 0.5
    param = {"scale=nan": "scale", "alpha_bar<=0": "alpha_bar", "alpha_bar>1": "alpha_bar"}.get(case)
    if case == "scale=nan":
        scale = math.nan
    elif case == "alpha_bar<=0":
        alpha_bar = 0.0
    elif case == "alpha_bar>1":
        alpha_bar = 1.5
    elif case == "pred=nan":
        b = b.clone()
        b[1, 2] = math.nan
    elif case == "shape":
        b = torch.ones(2, 1, dtype=F64)
    names = {"score": ("score", "classifier_grad"), "epsilon": ("eps", "classifier_grad"),
             "classifier_free": ("pred_uncond", "pred_cond")}[m]
    param = param or names[1]
    if m == "score":
        expect_value_error(param, g.guide_score, a, b, scale)
    elif m == "epsilon":
        expect_value_error(param, g.guide_eps, a, b, scale, alpha_bar)
    else:
        expect_value_error(param, g.classifier_free, a, b, scale)


# ------------------------------------------------------------------------------------------------- cross-check


@st.composite
def crosscheck_case(draw):
    return {"u": draw(st.lists(st.floats(-3, 3), min_size=6, max_size=6), label="u"),
            "c": draw(st.lists(st.floats(-3, 3), min_size=6, max_size=6), label="c"),
            "scale": draw(st.sampled_from(SCALES + (1.5, 12.0)), label="scale")}


CROSS = Tolerance(rtol=1e-13, atol=1e-13, reason=(
    "u + s (c − u) against c + w (c − u) with w = s − 1: the same value by two roundings, ≤ a few ulps of s·max|c − u| "
    "≤ 15·6"))


@crosscheck(TOPIC, "guidance.crosscheck.diffusers",
            statement="reference classifier_free(u, c, s) = diffusers' ClassifierFreeGuidance (native s, original w = s − 1) and its pipelines' formula",
            why="diffusers' guider computes pred_u + s (pred_c − pred_u) (native) or pred_c + w (pred_c − pred_u) "
                "(original); its pipelines write noise_pred_uncond + guidance_scale * (noise_pred_text − "
                "noise_pred_uncond).  All are the reference's formula once s = 1 + w.",
            source=f"diffusers 0.42 guiders/classifier_free_guidance.py (forward) and pipelines/stable_diffusion/"
                   f"pipeline_stable_diffusion.py lines 764 and 1055; {HS}", tolerance=CROSS,
            strategy=crosscheck_case(), max_examples=8,
            pairs=[("reference.diffusion.guidance:Guidance", f"{_DIFFUSERS}:DiffusersCFG"),
                   ("reference.diffusion.guidance:Guidance", f"{_DIFFUSERS}:DiffusersCFGOriginal"),
                   ("reference.diffusion.guidance:Guidance", f"{_DIFFUSERS}:DiffusersPipelineCFG")])
def crosscheck_diffusers(impl_a, impl_b, data):
    u, c, s = t64(data["u"]).reshape(3, 2), t64(data["c"]).reshape(3, 2), data["scale"]
    outs = [combined(call(guider(impl).classifier_free, u, c, s), u.shape, "classifier_free") for impl in (impl_a, impl_b)]
    assert_close(outs[1], outs[0], what=f"classifier_free at s = {s}")

