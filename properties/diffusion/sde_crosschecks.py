"""The ``sde`` topic's cross-checks: the reference samplers against torchsde, torchdiffeq and diffusers' score-SDE
schedulers, on the closed-form SDE of ``properties.oracles.sde``."""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from properties.diffusion.sde import SONG, TOPIC
from properties.diffusion.sde_cases import (F64, LIKELIHOOD, ODE_TOL, PATH, ROUNDOFF, TRANSPORT, arrays, gaussian_data,
                                            gaussian_of, grid_strategy, kit, mid_cell_time, oracle_sde, pair, points_at,
                                            prior_scale, scale_of, scaled_smooth_score, sde_params, t64)
from properties.engine import assert_close, call, crosscheck, expect_array, option

REF = "reference.diffusion.sde_samplers:Samplers"
LIB = "properties.diffusion.sde_libraries"
DIFFUSERS = "properties.diffusion.sde_diffusers"


@st.composite
def bm_path_case(draw):
    p = draw(sde_params())
    return {**p, "ts": draw(grid_strategy(max_steps=20)), "probability_flow": draw(option("probability_flow")),
            "x": draw(arrays((3, 2)), label="x"), "seed": draw(st.integers(0, 2 ** 20), label="seed")}


@crosscheck(TOPIC, "sde.crosscheck.torchsde",
            statement="reference euler_maruyama = torchsde.sdeint(method='euler') on the time-reversed SDE, same seeded BrownianInterval",
            why="Two implementations of Euler–Maruyama on the reverse SDE driven by the same Brownian path must give "
                "the same sample path up to round-off.",
            source=f"{SONG}, eq. (6); torchsde 0.2.6 sdeint / BrownianInterval (Li et al. 2020)", tolerance=PATH,
            strategy=bm_path_case(), draws={"kind": None, "probability_flow": None}, max_examples=6,
            pairs=[(REF, f"{LIB}:TorchsdeSamplers")])
def crosscheck_torchsde(impl_a, impl_b, data):
    from properties.diffusion.sde_libraries import brownian_interval
    p, ts, pf = data, data["ts"], data["probability_flow"]
    sde, score = oracle_sde(p), scaled_smooth_score(p)
    x = t64(data["x"]) * prior_scale(p)
    bm = brownian_interval(ts, x.shape, data["seed"])
    outs = [expect_array(call(kit(impl).euler_maruyama, sde, score, x, t64(ts), bm, probability_flow=pf),
                         shape=x.shape, name=f"euler_maruyama ({name})").astype(np.float64)
            for impl, name in ((impl_a, "reference"), (impl_b, "torchsde"))]
    s = scale_of(*outs)
    assert_close(outs[1] / s, outs[0] / s, what=f"sample / scale ({p['kind']}, {len(ts) - 1} steps, pf = {pf})")


@st.composite
def ode_case(draw):
    return {**draw(gaussian_data(dims=(1, 2))), "method": draw(option("ode_method")),
            "n": draw(st.sampled_from((5, 20)), label="n")}


@crosscheck(TOPIC, "sde.crosscheck.torchdiffeq_fixed_step",
            statement="reference ode(method) = torchdiffeq.odeint(method='euler' | 'heun2') on the same grid",
            why="The same one-step method on the same grid evaluates the same velocity at the same points: the "
                "results agree to round-off (torchdiffeq's heun2 is the explicit trapezoidal rule).",
            source=f"{SONG}, eq. (13); torchdiffeq 0.2.5 fixed-grid solvers (Chen et al. 2018)", tolerance=PATH,
            strategy=ode_case(), draws={"kind": None, "ode_method": None}, max_examples=4,
            pairs=[(REF, f"{LIB}:TorchdiffeqSamplers")])
def crosscheck_torchdiffeq_fixed_step(impl_a, impl_b, case):
    data, sde = gaussian_of(case), oracle_sde(case)
    x = points_at(data, case["w"], 1.0)
    ts = torch.linspace(1.0, case["eps"], case["n"] + 1, dtype=F64)
    outs = [expect_array(call(kit(impl).ode, sde, data.score, x, ts, method=case["method"]), shape=x.shape,
                         name="ode").astype(np.float64) for impl in (impl_a, impl_b)]
    s = scale_of(*outs)
    assert_close(outs[1] / s, outs[0] / s, what=f"ODE({case['method']}, {case['n']} steps) / scale ({case['kind']})")


@crosscheck(TOPIC, "sde.crosscheck.torchdiffeq_adaptive",
            statement="reference ode_adaptive (scipy RK45) and likelihood = torchdiffeq dopri5, both at rtol = atol = 1e-7",
            why="Two adaptive Dormand–Prince solvers asked for the same accuracy agree within it: the probability-flow "
                "ODE's endpoint and the log-likelihood through it.",
            source=f"{SONG}, eqs. (13), (39); scipy 1.17 solve_ivp(RK45) vs torchdiffeq 0.2.5 odeint(dopri5)",
            tolerance={"default": TRANSPORT, "likelihood": LIKELIHOOD}, strategy=gaussian_data(dims=(1, 2)),
            draws={"kind": None}, max_examples=1, pairs=[(REF, f"{LIB}:TorchdiffeqSamplers")])
def crosscheck_torchdiffeq_adaptive(impl_a, impl_b, case):
    data, sde, eps = gaussian_of(case), oracle_sde(case), case["eps"]
    x = points_at(data, case["w"], 1.0)
    ends = [expect_array(call(kit(impl).ode_adaptive, sde, data.score, x, 1.0, eps, rtol=ODE_TOL, atol=ODE_TOL),
                         shape=x.shape, name="ode_adaptive").astype(np.float64) for impl in (impl_a, impl_b)]
    s = scale_of(*ends)
    assert_close(ends[1] / s, ends[0] / s, what=f"ODE endpoint / scale ({case['kind']}, ε = {eps})")
    xe = points_at(data, case["w"][:2], eps)
    lps = [expect_array(call(kit(impl).likelihood, sde, data.score, xe, eps, rtol=1e-7, atol=1e-7), shape=(2,),
                        name="likelihood").astype(np.float64) for impl in (impl_a, impl_b)]
    assert_close(lps[1], lps[0], tol="likelihood", what=f"log-likelihood ({case['kind']}, ε = {eps})")


@st.composite
def ve_step_case(draw, dtypes=("float64",)):
    p = draw(sde_params("ve", Ns=(10, 100, 1000)))
    i = draw(st.integers(0, p["N"] - 1), label="i")
    B = draw(st.sampled_from((3, 8)), label="B")
    return {**p, "t": mid_cell_time(i, p["N"]), "x": draw(arrays((B, 2)), label="x"),
            "seed": draw(st.integers(0, 2 ** 20), label="seed"), "dtype": draw(st.sampled_from(dtypes), label="dtype"),
            "snr": draw(st.sampled_from((0.16, 0.075)), label="snr")}


@crosscheck(TOPIC, "sde.crosscheck.diffusers_ve_predictor",
            statement="reference reverse_diffusion_step = diffusers ScoreSdeVeScheduler.step_pred (same generator): x and x_mean",
            why="diffusers' step_pred is score_sde's reverse-diffusion predictor for VESDE: x_mean = x + (σ_i² − σ_{i−1}²) s, "
                "x = x_mean + √(σ_i² − σ_{i−1}²) z, with z = randn(x.shape, generator, dtype=x.dtype).",
            source="diffusers 0.42 schedulers/scheduling_sde_ve.py (step_pred) vs reference.diffusion.sde_samplers; "
                   f"{SONG}, eq. (47)", tolerance=ROUNDOFF, strategy=ve_step_case(), draws={"kind": ("ve",)},
            max_examples=6, pairs=[(REF, f"{DIFFUSERS}:DiffusersVE")])
def crosscheck_diffusers_ve_predictor(impl_a, impl_b, data):
    sde, score = oracle_sde(data), scaled_smooth_score(data)
    x = t64(data["x"]) * data["sigma_max"]
    outs = [pair(call(kit(impl).reverse_diffusion_step, sde, score, x, data["t"],
                      generator=torch.Generator().manual_seed(data["seed"])), x.shape, name)
            for impl, name in ((impl_a, "reference"), (impl_b, "diffusers"))]
    s = scale_of(*outs[0])
    for k, what in enumerate(("x", "x_mean")):
        assert_close(outs[1][k] / s, outs[0][k] / s, what=f"{what} / scale at t = {data['t']:.4g}, N = {data['N']}")


@crosscheck(TOPIC, "sde.crosscheck.diffusers_ve_corrector",
            statement="reference langevin_step = diffusers ScoreSdeVeScheduler.step_correct (same generator, same dtype)",
            why="diffusers' step_correct is score_sde's Langevin corrector for VESDE (α = 1): ε = 2 (r ‖z‖/‖s‖)², "
                "x = x + ε s + √(2ε) z.  The same generator gives the same z when both draw it in the same dtype.",
            source="diffusers 0.42 schedulers/scheduling_sde_ve.py (step_correct) vs reference.diffusion.sde_samplers; "
                   f"{SONG}, Algorithm 5", tolerance=ROUNDOFF, strategy=ve_step_case(dtypes=("float32", "float64")),
            draws={"kind": ("ve",)}, max_examples=8, pairs=[(REF, f"{DIFFUSERS}:DiffusersVE")])
def crosscheck_diffusers_ve_corrector(impl_a, impl_b, data):
    sde, score = oracle_sde(data), scaled_smooth_score(data)
    dtype = getattr(torch, data["dtype"])
    x = (t64(data["x"]) * data["sigma_max"]).to(dtype)
    outs = [pair(call(kit(impl).langevin_step, sde, score, x, data["t"], data["snr"],
                      generator=torch.Generator().manual_seed(data["seed"])), x.shape, name)
            for impl, name in ((impl_a, "reference"), (impl_b, "diffusers"))]
    s = scale_of(*outs[0])
    assert_close(outs[1][0] / s, outs[0][0] / s, what=f"x / scale ({data['dtype']} sample, snr = {data['snr']})")


@st.composite
def vp_step_case(draw):
    p = draw(sde_params("vp"))
    return {**p, "t": draw(st.floats(0.01, 1.0), label="t"), "M": draw(st.sampled_from((10, 100, 1000)), label="M"),
            "x": draw(arrays((3, 2)), label="x"), "seed": draw(st.integers(0, 2 ** 20), label="seed")}


@crosscheck(TOPIC, "sde.crosscheck.diffusers_vp_step",
            statement="reference euler_maruyama_step(dt = −1/M) = diffusers ScoreSdeVpScheduler.step_pred after set_timesteps(M), fed ε = −std·s",
            why="diffusers' VP step_pred is score_sde's EulerMaruyamaPredictor with dt = −1/len(timesteps) and the "
                "model output read as ε (score = −ε/std); with that dt and that conversion it is one Euler–Maruyama "
                "step of the reverse VP SDE.",
            source="diffusers 0.42 schedulers/deprecated/scheduling_sde_vp.py (step_pred) vs reference.diffusion."
                   f"sde_samplers; {SONG}, eq. (6)", tolerance=ROUNDOFF, strategy=vp_step_case(),
            draws={"kind": ("vp",)}, max_examples=6, pairs=[(REF, f"{DIFFUSERS}:DiffusersVP")])
def crosscheck_diffusers_vp_step(impl_a, impl_b, data):
    sde, score = oracle_sde(data), scaled_smooth_score(data)
    x, dt = t64(data["x"]), -1.0 / data["M"]
    outs = [pair(call(kit(impl).euler_maruyama_step, sde, score, x, data["t"], dt,
                      generator=torch.Generator().manual_seed(data["seed"])), x.shape, name)
            for impl, name in ((impl_a, "reference"), (impl_b, "diffusers"))]
    s = scale_of(*outs[0])
    for k, what in enumerate(("x", "x_mean")):
        assert_close(outs[1][k] / s, outs[0][k] / s, what=f"{what} / scale at t = {data['t']:.4g}, dt = {dt:.4g}")

