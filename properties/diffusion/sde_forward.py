"""The ``sde`` topic's statistical checks of the SDE itself (contract part 1, in ``properties.diffusion.sde``): the
forward Euler–Maruyama simulation against ``marginal_prob``, and the prior.  Each states its test and its
false-alarm rate (≤ 1e-6) and runs on fixed seeds."""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from properties.diffusion.sde import SDE_PART, SONG, TOPIC
from properties.diffusion.sde_cases import (F64, ROUNDOFF, arrays, build_sde, chi2_bounds, coefficient, prior_scale,
                                            sde_params, t64, z_bound)
from properties.engine import (Tolerance, assert_close, assert_deterministic, assert_true, call, expect_array,
                               invariant)
from properties.oracles.sde import drift_diffusion, marginal_coefficients

# --------------------------------------------------------------------------------- forward Euler–Maruyama

EM_STEPS, EM_SAMPLES, EM_DIM, EM_CHUNK = 32, 8000, 4, 2
EM_ALPHA = 1e-6


@st.composite
def forward_case(draw):
    return {**draw(sde_params()), "t0": draw(st.sampled_from((0.05, 0.3, 0.6)), label="t0"),
            "span": draw(st.sampled_from((0.1, 0.3)), label="span"),
            "x0": draw(arrays((EM_DIM,), bound=2.0), label="x0"), "seed": draw(st.integers(0, 2 ** 20), label="seed")}


def em_law(p: dict, x0: np.ndarray, t0: float, t1: float, K: int):
    """Mean (d,) and variance of K Euler–Maruyama steps of the closed-form SDE from N(a(t0) x0, s(t0)² I)."""
    a0, s0 = (float(c) for c in marginal_coefficients(p["kind"], t0, p))
    m, v = a0 * x0, s0 ** 2
    h = (t1 - t0) / K
    for k in range(K):
        phi, g = (float(c) for c in drift_diffusion(p["kind"], t0 + k * h, p))
        # x_{k+1} = (1 + φ_k h) x_k + g_k √h z
        m, v = (1 + phi * h) * m, (1 + phi * h) ** 2 * v + g ** 2 * h
    return m, v


@invariant(TOPIC, "sde.forward_euler_maruyama_marginal",
           statement="x(t0) ~ marginal_prob(x0, t0), K Euler–Maruyama steps of sde() to t1 ⇒ x(t1) ≈ marginal_prob(x0, t1) (χ² and z tests, α = 1e-6)",
           why="Simulating the forward SDE with the implementation's own drift and diffusion must reproduce its "
               "closed-form marginal.  Test: u = (x − mean)/std at t1 over n·d = 64 000 coordinates; for a correct SDE "
               "the Euler–Maruyama law is Gaussian with variance factor ρ and mean offset δ computed here from the closed "
               "forms (the discretisation's own bias, no slack), so Σu²/ρ is non-central χ² and Σ(u − δ)/√(nd ρ) is "
               "N(0, 1).  Rejection: the χ² statistic outside its 2.5e-7 and 1 − 2.5e-7 quantiles, or |z| > z_{2.5e-7}: "
               "false-alarm rate ≤ 1e-6.  Power against a 5 % error in the variance: the statistic moves by 0.05 = "
               "8.9 standard deviations (√(2/64000) = 0.0056), 5.0 of which are the threshold: ≥ 0.9999.",
           source=f"{SONG}, eq. (5); Kloeden & Platen (1992) §9.1 (Euler–Maruyama)", kind="statistical",
           tolerance=Tolerance(reason="a hypothesis test with false-alarm rate 1e-6 (see why)"),
           strategy=forward_case(), draws={"kind": None}, requires=SDE_PART, max_examples=2)
def forward_euler_maruyama_marginal(impl, data):
    from scipy.stats import ncx2
    p, x0, t0 = data, data["x0"], data["t0"]
    t1 = t0 + data["span"]
    sde = build_sde(impl, p)
    rng = np.random.default_rng(data["seed"])
    h = (t1 - t0) / EM_STEPS
    m_em, v_em = em_law(p, x0, t0, t1, EM_STEPS)
    a1, s1 = (float(c) for c in marginal_coefficients(p["kind"], t1, p))
    # under a correct SDE: u ~ N(δ, ρ) with the discretisation's own offset δ and variance factor ρ (closed forms)
    delta, rho = (m_em - a1 * x0) / s1, v_em / s1 ** 2
    sq, lin, n_total = 0.0, 0.0, 0
    for _ in range(EM_CHUNK):
        n = EM_SAMPLES // EM_CHUNK * 2
        x0s = t64(np.broadcast_to(x0, (n, EM_DIM)))
        mean0, std0 = call(sde.marginal_prob, x0s, torch.full((n,), t0, dtype=F64))
        x = expect_array(mean0, shape=(n, EM_DIM), name="marginal_prob mean") + \
            coefficient(std0, n, "marginal_prob std")[:, None] * rng.standard_normal((n, EM_DIM))
        x = t64(x)
        for k in range(EM_STEPS):
            tk = torch.full((n,), t0 + k * h, dtype=F64)
            f, g = call(sde.sde, x, tk)
            f = expect_array(f, shape=(n, EM_DIM), name="drift")
            g = coefficient(g, n, "diffusion")
            # x_{k+1} = x_k + f(x_k, t_k) h + g(t_k) √h z_k
            x = x + t64(f * h + g[:, None] * math.sqrt(h) * rng.standard_normal((n, EM_DIM)))
        mean1, std1 = call(sde.marginal_prob, x0s, torch.full((n,), t1, dtype=F64))
        mean1 = expect_array(mean1, shape=(n, EM_DIM), name="marginal_prob mean")
        std1 = coefficient(std1, n, "marginal_prob std")
        u = (x.numpy() - mean1) / std1[:, None]
        sq += float((u ** 2).sum())
        lin += float((u - delta).sum())
        n_total += n * EM_DIM
    nc = n_total // EM_DIM * float((delta ** 2).sum()) / rho
    lo, hi = float(ncx2.ppf(EM_ALPHA / 4, n_total, nc)), float(ncx2.isf(EM_ALPHA / 4, n_total, nc))
    stat = sq / rho
    z = lin / math.sqrt(n_total * rho)
    zmax = z_bound(EM_ALPHA / 2)
    assert_true(lo <= stat <= hi, f"variance: Σu²/ρ = {stat:.1f} outside [{lo:.1f}, {hi:.1f}] (n·d = {n_total}, ρ = "
                                  f"{rho:.5f}): the simulated variance is {sq / n_total / rho:.4f}× what "
                                  f"marginal_prob's std predicts ({p['kind']}, t = {t0} → {t1})")
    assert_true(abs(z) <= zmax, f"mean: z = {z:.2f} beyond ±{zmax:.2f} (n·d = {n_total}): the simulated mean is "
                                f"not marginal_prob's mean ({p['kind']}, t = {t0} → {t1})")
    return {"coordinates": n_total, "variance_excess_ppm": round((sq / n_total / rho - 1) * 1e6),
            "abs_mean_z_x1000": round(abs(z) * 1000)}


# ------------------------------------------------------------------------------------------------- prior

PRIOR_N, PRIOR_D = 5000, 4


@st.composite
def prior_case(draw):
    return {**draw(sde_params()), "z": draw(arrays((3, 2), bound=4.0), label="z"),
            "seed": draw(st.integers(0, 2 ** 20), label="seed")}


@invariant(TOPIC, "sde.prior",
           statement="prior_logp(z) = log N(z; 0, σ_T² I); prior_sampling(shape, generator) is N(0, σ_T² I) (χ² test, α = 1e-6) and reproducible",
           why="Sampling starts from the prior and the likelihood ends in it: σ_T = 1 for VP and sub-VP, σ_max for VE. "
               "Test: Σz²/σ_T² over 20 000 coordinates is χ²₂₀₀₀₀ — rejected outside its 5e-7 tails (false-alarm rate "
               "1e-6); a 5 % error in the scale moves it by ≈ 10 % = 10 standard deviations (√(2/20000) = 0.01), 5 of "
               "which are the threshold: power ≥ 0.9999.  The same generator seed must "
               "give the same draw under any global random state.",
           source=f"{SONG}, §3.3 and appendix C; score_sde sde_lib.prior_sampling / prior_logp", kind="statistical",
           tolerance=ROUNDOFF, strategy=prior_case(), draws={"kind": None}, requires=SDE_PART, max_examples=4)
def prior(impl, data):
    p = data
    sde = build_sde(impl, p)
    sT = prior_scale(p)
    z = t64(data["z"]) * sT
    lp = expect_array(call(sde.prior_logp, z), shape=(z.shape[0],), name="prior_logp(z)")
    d = z.shape[1]
    exact = -0.5 * d * math.log(2 * math.pi * sT ** 2) - (z.numpy() ** 2).sum(1) / (2 * sT ** 2)
    assert_close(lp / (1 + np.abs(exact)), exact / (1 + np.abs(exact)), what="prior_logp(z) / (1 + |log N|)")

    def draw():
        return expect_array(call(sde.prior_sampling, (PRIOR_N, PRIOR_D),
                                 generator=torch.Generator().manual_seed(data["seed"])),
                            shape=(PRIOR_N, PRIOR_D), name="prior_sampling")

    x = assert_deterministic(draw, what="prior_sampling(shape, generator) with the same seed")
    k = PRIOR_N * PRIOR_D
    lo, hi = chi2_bounds(k, 5e-7)
    ratio = float((x ** 2).mean()) / sT ** 2
    assert_true(lo <= ratio <= hi, f"prior_sampling: mean(z²)/σ_T² = {ratio:.4f} outside [{lo:.4f}, {hi:.4f}] "
                                   f"(σ_T = {sT}, {k} coordinates)")
    return {"coordinates": k}
