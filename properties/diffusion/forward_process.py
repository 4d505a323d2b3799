"""The forward process and its schedule, shared by every diffusion scheduler topic (DDPM and DDIM both promise
``betas``, ``alphas_cumprod`` and ``add_noise``): defined once here and registered on each topic by
:func:`register_forward_process`, so that ``ddim`` judges ``add_noise`` exactly as ``ddpm`` does.

Each invariant's domain is the finite set of (T, beta_schedule) pairs, T ∈ {10, 100, 1000}, enumerated: every pair is
judged (Hypothesis stops when a finite space is exhausted, so ``max_examples`` above its size enumerates it).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from properties.diffusion.scheduler_api import SCHEDULES, constructed, t64
from properties.diffusion.strategies import schedule_case
from properties.diffusion.tolerances import ADD_NOISE, SCHEDULE, SCHEDULE_ABS
from properties.engine import Topic, assert_close, assert_true, call, expect_array, invariant

HO = "Ho, Jain, Abbeel 2020 (arXiv:2006.11239)"
#: every (T, schedule) pair of ``schedule_case()`` (3 × 3), plus room: the space is exhausted before this
ENUMERATE = 12


def named_betas(T: int, schedule: str) -> np.ndarray:
    """The schedule's definition in float64 (Ho et al. §4; latent diffusion; Nichol & Dhariwal eq. 17)."""
    b0, b1 = SCHEDULES[schedule]
    if schedule == "linear":
        return np.linspace(b0, b1, T)
    if schedule == "scaled_linear":
        return np.linspace(b0 ** 0.5, b1 ** 0.5, T) ** 2
    f = lambda u: math.cos((u + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
    return np.array([min(1 - f((t + 1) / T) / f(t / T), 0.999) for t in range(T)])


def register_forward_process(topic: Topic) -> None:
    """Register ``<topic>.alpha_bar_decreasing``, ``.schedule_definition``, ``.add_noise_closed_form`` and
    ``.forward_composition`` on ``topic``."""
    name = topic.name

    @invariant(topic, f"{name}.alpha_bar_decreasing", statement="1 > ᾱ_0 > ᾱ_1 > … > ᾱ_{T−1} > 0, len(ᾱ) = T",
               why="ᾱ_t = ∏(1 − β_s) with every β_s ∈ (0, 1): each factor shrinks the product, none reaches 0.",
               source=f"{HO}, §2 (notation above eq. 4)", kind="exact", strategy=schedule_case(),
               draws={"beta_schedule": None}, max_examples=ENUMERATE)
    def alpha_bar_decreasing(impl, data):
        _, ab = constructed(impl, data)
        drops = np.flatnonzero(np.diff(ab) >= 0)
        assert_true(drops.size == 0, f"ᾱ not strictly decreasing at t = {drops[:5].tolist()} "
                                     f"({data['beta_schedule']}, T = {data['T']})")

    @invariant(topic, f"{name}.schedule_definition",
               statement="β = the named schedule (linear / scaled_linear / cosine) and ᾱ_t = ∏_{s≤t}(1 − β_s)",
               why="The schedule is part of the trained model: sampling with other β's evaluates the model off its "
                   "noise levels.",
               source=f"{HO} §4 (linear); Nichol & Dhariwal 2021 (arXiv:2102.09672) eq. 17 (cosine); Rombach et al. "
                      "2022 (scaled_linear)", kind="tolerance", tolerance=SCHEDULE, strategy=schedule_case(),
               draws={"beta_schedule": None}, max_examples=ENUMERATE)
    def schedule_definition(impl, data):
        T, schedule = data["T"], data["beta_schedule"]
        sched, ab = constructed(impl, data)
        betas = expect_array(sched.betas, shape=(T,), name="betas").astype(np.float64)
        expected = named_betas(T, schedule)
        assert_close(betas, expected, what=f"β ({schedule}, T = {T})")
        assert_close(ab, np.cumprod(1 - expected), what=f"ᾱ ({schedule}, T = {T})")

    @invariant(topic, f"{name}.add_noise_closed_form",
               statement="add_noise(x0, ε, t) = √ᾱ_t x0 + √(1 − ᾱ_t) ε, row by row, at every t ∈ [0, T)",
               why="q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I) reparameterised with ε ~ N(0, I).  One batch holds every "
                   "timestep once, in shuffled order, so each row must read its own ᾱ_t.",
               source=f"{HO}, eq. (4)", kind="tolerance", tolerance=ADD_NOISE, strategy=schedule_case(),
               draws={"beta_schedule": None}, max_examples=ENUMERATE)
    def add_noise_closed_form(impl, data):
        T = data["T"]
        sched, ab = constructed(impl, data)
        rng = np.random.default_rng(T)
        ts = rng.permutation(T)
        x0, eps = rng.uniform(-3, 3, (T, 2)), rng.standard_normal((T, 2))
        out = expect_array(call(sched.add_noise, t64(x0), t64(eps), torch.tensor(ts)), shape=x0.shape,
                           name="add_noise")
        expected = np.sqrt(ab[ts])[:, None] * x0 + np.sqrt(1 - ab[ts])[:, None] * eps
        assert_close(out, expected, what=f"add_noise at every t ({data['beta_schedule']}, T = {T})")

    @invariant(topic, f"{name}.forward_composition",
               statement="x_t from t+1 single steps q(x_s|x_{s−1}) = N(√(1−β_s) x_{s−1}, β_s I) is N(√ᾱ_t x0, (1−ᾱ_t) I)",
               why="Composing the Gaussian transitions multiplies the means' coefficients √(1−β_s) and accumulates the "
                   "variances v_s = (1−β_s)v_{s−1} + β_s, which sum to 1 − ᾱ_t: the closed-form marginal add_noise "
                   "must use.",
               source=f"{HO}, eqs. (2) and (4)", kind="tolerance", tolerance={"default": SCHEDULE, "variance": SCHEDULE_ABS},
               strategy=schedule_case(), draws={"beta_schedule": None}, max_examples=ENUMERATE)
    def forward_composition(impl, data):
        T = data["T"]
        sched, _ = constructed(impl, data)
        betas = expect_array(sched.betas, shape=(T,), name="betas").astype(np.float64)
        mean_coef, var = np.empty(T), np.empty(T)
        m, v = 1.0, 0.0
        for t in range(T):  # one forward step at a time
            m, v = math.sqrt(1 - betas[t]) * m, (1 - betas[t]) * v + betas[t]
            mean_coef[t], var[t] = m, v
        ts = torch.arange(T)
        ones, zeros = torch.ones(T, 1, dtype=torch.float64), torch.zeros(T, 1, dtype=torch.float64)
        a = expect_array(call(sched.add_noise, ones, zeros, ts), shape=(T, 1), name="add_noise(1, 0, t)")[:, 0]
        b = expect_array(call(sched.add_noise, zeros, ones, ts), shape=(T, 1), name="add_noise(0, 1, t)")[:, 0]
        assert_close(a ** 2, mean_coef ** 2, what="(mean coefficient)² of add_noise vs composed steps")
        assert_close(b ** 2, var, tol="variance", what="(noise coefficient)² of add_noise vs composed variance")

