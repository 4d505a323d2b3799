"""What the ``sde`` topic's checks share: option domains, SDE parameter strategies, score functions, a recorded
Brownian motion, tolerances and the calls into an implementation.  The invariants are in
``properties.diffusion.sde`` (the SDE), ``properties.diffusion.sde_sampling`` (the samplers) and
``properties.diffusion.sde_crosschecks``.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.engine import ImplementationFailure, InvariantViolation, Tolerance, assert_true, call, expect_array, option
from properties.oracles.gaussian import random_spd
from properties.oracles.sde import KINDS, ClosedFormSDE, GaussianData

F64 = torch.float64
SAMPLER_OPERATIONS = ("euler_maruyama", "euler_maruyama_step", "reverse_diffusion_step", "langevin_step",
                      "predictor_corrector", "ode", "ode_adaptive", "likelihood")
OPERATIONS = ("sde",) + SAMPLER_OPERATIONS
ODE_METHODS = ("euler", "heun")
#: score_sde's defaults (CIFAR-10 configurations)
DEFAULTS = {"vp": {"beta_min": 0.1, "beta_max": 20.0, "N": 1000}, "subvp": {"beta_min": 0.1, "beta_max": 20.0, "N": 1000},
            "ve": {"sigma_min": 0.01, "sigma_max": 50.0, "N": 1000}}

ROUNDOFF = Tolerance(rtol=1e-4, atol=1e-4, reason=(
    "in units of the quantity's own scale; a float32 implementation carries ~2⁻²⁴ ≈ 6e-8 relative per operation, and "
    "VE's σ_i² − σ_{i−1}² (N ≤ 1000) loses up to (N−1)/(2 log(σ_max/σ_min)) ≈ 60× of that to cancellation"),
    float64=Tolerance(rtol=1e-10, atol=1e-10, reason=(
        "the same closed-form arithmetic in float64, in units of the quantity's scale: ≲ 100 ulps")))


# ---------------------------------------------------------------------------------------------- strategies


@st.composite
def sde_params(draw, kind: str | None = None, Ns=(100, 1000)) -> dict:
    """A family (the example's ``kind`` option unless given) and its parameters, score_sde's names."""
    kind = kind or draw(option("kind", KINDS))
    N = draw(st.sampled_from(Ns), label="N")
    if kind == "ve":
        return {"kind": kind, "sigma_min": draw(st.sampled_from((0.01, 0.002, 0.05)), label="sigma_min"),
                "sigma_max": draw(st.sampled_from((50.0, 10.0, 378.0)), label="sigma_max"), "N": N}
    return {"kind": kind, "beta_min": draw(st.sampled_from((0.1, 0.01, 1.0)), label="beta_min"),
            "beta_max": draw(st.sampled_from((20.0, 5.0, 25.0)), label="beta_max"), "N": N}


PARAMETERS = ("beta_min", "beta_max", "sigma_min", "sigma_max", "N")


def constructor_kwargs(p: dict) -> dict:
    """The SDE's constructor arguments in an example (score_sde's names)."""
    return {k: v for k, v in p.items() if k in PARAMETERS}


def arrays(shape, bound: float = 3.0):
    return hnp.arrays(np.float64, shape, elements=st.floats(-bound, bound, width=64))


def t64(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a, dtype=np.float64), dtype=F64)


def oracle_sde(p: dict) -> ClosedFormSDE:
    return ClosedFormSDE(p["kind"], **constructor_kwargs(p))


def prior_scale(p: dict) -> float:
    return p["sigma_max"] if p["kind"] == "ve" else 1.0


# ----------------------------------------------------------------------------------------- score functions


def smooth_score(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """A fixed nonlinear 'network' that depends on x and t (not a true score): drifts built from it expose a
    wrong coefficient, sign, evaluation point or time."""
    return torch.tanh(0.7 * x + 1.3 * t[:, None]) - 0.2 * x


def scaled_smooth_score(p: dict):
    """``smooth_score`` in units of the marginal's size (x / scale), so VE's large x stay in tanh's range."""
    s = prior_scale(p)
    return lambda x, t: smooth_score(x / s, t) / s


# ----------------------------------------------------------------------------------- implementation calls


def build_sde(impl, p: dict):
    """The implementation's SDE for the parameters ``p``."""
    return call(impl, **constructor_kwargs(p))


def kit(impl):
    """A sampler kit: ``impl()``."""
    return call(impl)


def pair(out, shape, what: str) -> tuple[np.ndarray, np.ndarray]:
    """A (x, x_mean) result as two arrays of ``shape``."""
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise ImplementationFailure(f"{what}: expected a pair (x, x_mean), got {type(out).__name__}")
    return (expect_array(out[0], shape=shape, name=f"{what}: x").astype(np.float64),
            expect_array(out[1], shape=shape, name=f"{what}: x_mean").astype(np.float64))


def coefficient(v, batch: int, what: str) -> np.ndarray:
    """A per-sample coefficient (diffusion, std): shape (B,) — score_sde returns (B,)."""
    arr = expect_array(v, name=what).astype(np.float64)
    if arr.shape != (batch,):
        raise ImplementationFailure(f"{what}: expected shape ({batch},) (one value per sample), got {arr.shape}")
    return arr


def expect_value_error(param: str, fn, *args, **kwargs) -> None:
    """``fn(*args)`` must raise ValueError whose message names ``param``."""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn))
    try:
        fn(*args, **kwargs)
    except ValueError as exc:
        assert_true(param in str(exc), f"{name}(): ValueError does not name {param!r}: {exc}")
        return
    except Exception as exc:  # noqa: BLE001 — any other exception is the implementation's answer
        raise InvariantViolation(f"{name}(): bad {param} raised {type(exc).__name__} ({exc}), not ValueError") from None
    raise InvariantViolation(f"{name}(): bad {param} was accepted silently (expected ValueError naming {param!r})")


def regenerated_noise(shape, seed: int, dtype=F64) -> np.ndarray:
    """z = torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype): the contract's draw."""
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype).to(F64).numpy()


# ------------------------------------------------------------------------------------ a recorded Brownian path


class GridBrownian:
    """A Brownian motion on the reversed clock s = −t, known on a grid: ``bm(−t_i, −t_{i+1})`` returns the
    recorded increment √(t_i − t_{i+1})·z_i (z from ``numpy.random.default_rng(seed)``).  A query that is not a grid
    step is the sampler's failure (the contract fixes the increments of an Euler–Maruyama path)."""

    def __init__(self, ts: np.ndarray, shape: tuple, seed: int):
        self.ts = np.asarray(ts, dtype=np.float64)
        z = np.random.default_rng(seed).standard_normal((len(self.ts) - 1,) + tuple(shape))
        self.increments = np.sqrt(self.ts[:-1] - self.ts[1:]).reshape((-1,) + (1,) * len(shape)) * z
        self.shape, self.dtype = tuple(shape), F64
        self.queries = 0

    def __call__(self, s, u) -> torch.Tensor:
        s, u = float(s), float(u)
        i = np.flatnonzero(-self.ts[:-1] == s)
        if i.size != 1 or -self.ts[i[0] + 1] != u:
            raise ImplementationFailure(f"the sampler queried the Brownian motion on ({s!r}, {u!r}), not a step "
                                        f"(−t_i, −t_(i+1)) of its grid")
        self.queries += 1
        return torch.as_tensor(self.increments[i[0]], dtype=F64)


def grid_strategy(max_steps: int = 12):
    """A strictly decreasing time grid in (0, 1] (non-uniform: a wrong Δt_i shows)."""
    @st.composite
    def grid(draw):
        n = draw(st.integers(1, max_steps), label="steps")
        cuts = sorted(set(draw(st.lists(st.integers(1, 999), min_size=n + 1, max_size=n + 1, unique=True),
                               label="grid")), reverse=True)
        return np.asarray(cuts, dtype=np.float64) / 1000.0
    return grid()


def mid_cell_time(i: int, N: int) -> float:
    """The middle of score_sde's step cell i (t (N−1) ∈ (i, i+1)), or T for i = N − 1: the index is unambiguous."""
    return 1.0 if i >= N - 1 else (i + 0.5) / (N - 1)


def scale_of(*arrays) -> float:
    return 1.0 + max(float(np.abs(np.asarray(a)).max(initial=0.0)) for a in arrays)


def chi2_bounds(k: int, alpha_each: float) -> tuple[float, float]:
    """(lower, upper) quantiles of χ²_k / k with ``alpha_each`` in each tail."""
    from scipy.stats import chi2
    return float(chi2.ppf(alpha_each, k)) / k, float(chi2.isf(alpha_each, k)) / k


def z_bound(alpha_two_sided: float) -> float:
    from scipy.stats import norm
    return float(norm.isf(alpha_two_sided / 2))


def log2_ratio(a: float, b: float) -> float:
    return math.log2(a / b) if a > 0 and b > 0 else float("nan")


# ------------------------------------------------------------------------ samplers: data and tolerances

PATH = Tolerance(rtol=1e-4, atol=1e-4, reason=(
    "in units of the path's scale; float32 arithmetic over ≤ 12 steps: ≲ 12 · 8 · 2⁻²⁴ ≈ 6e-6, VE's σ² differences "
    "lose up to 60× to cancellation"), float64=Tolerance(rtol=1e-10, atol=1e-10, reason=(
        "the same update in float64 over ≤ 12 steps, in units of the path's scale: ≲ 1e-13")))


@st.composite
def gaussian_data(draw, dims=(1, 2, 3)):
    """Data N(μ, Σ) with Σ of a chosen size and condition number (never I: a unit covariance makes VP's marginal
    variance constant and the flow a mere shift), and 4 whitened positions w of points (from the seed, so never 0)."""
    p = draw(sde_params())
    d = draw(st.sampled_from(dims), label="d")
    seed = draw(st.integers(0, 2 ** 20), label="data_seed")
    rng = np.random.default_rng(seed)
    size = draw(st.sampled_from((0.25, 4.0)), label="size")
    cond = draw(st.sampled_from((1.0, 10.0, 100.0)), label="cond")
    return {**p, "d": d, "mu": rng.standard_normal(d), "Sigma": size * random_spd(d, rng, cond=cond),
            "w": rng.standard_normal((4, d)), "eps": draw(st.sampled_from((1e-3, 1e-2)), label="eps")}


def gaussian_of(case) -> GaussianData:
    return GaussianData(case["kind"], {k: case[k] for k in ("beta_min", "beta_max", "sigma_min", "sigma_max")
                                       if k in case}, case["mu"], case["Sigma"])


def points_at(data: GaussianData, w: np.ndarray, t: float) -> torch.Tensor:
    """a(t) μ + C_t^{1/2} w: points of the exact marginal q_t at whitened positions w."""
    B = w.shape[0]
    a, _, c = data._c(torch.full((B,), t, dtype=F64))
    lam, Q = data.eig
    return a[:, None] * t64(data.mu) + ((t64(w) @ Q) * torch.sqrt(c)) @ Q.T


ODE_TOL = 1e-7
TRANSPORT = Tolerance(rtol=1e-3, atol=1e-3, reason=(
    "an adaptive solver asked for rtol = atol = 1e-7 in float32 carries float32 round-off over ~10² steps: ≲ 1e-4"),
    float64=Tolerance(rtol=1e-5, atol=1e-5, reason=(
        "an adaptive Runge–Kutta solver asked for rtol = atol = 1e-7 keeps the global error within 10–100× the local "
        "tolerance on these smooth, non-stiff flows; in units of the point's size")))


LIKELIHOOD = Tolerance(rtol=1e-3, atol=1e-3, reason=(
    "log-density in nats from an adaptive solve at rtol = atol = 1e-7 in float32: round-off of Σz²/2 ≲ 1e-5 · d"),
    float64=Tolerance(rtol=1e-6, atol=1e-4, reason=(
        "an adaptive solve at rtol = atol = 1e-7: the integral of the divergence and log π(x_T) within 10–100× the "
        "local tolerance (measured ≤ 4e-7 nats for scipy's RK45)")))
