"""What the ``guidance`` topic's checks share: a labelled Gaussian mixture noised by the VP SDE (its exact scores,
ε and classifier from ``properties.oracles.sde``), finite-difference scores of a tilted density, a guided reverse-SDE
sampler (the harness of the confidence test, not an implementation under test) and the calls into an
implementation.  The invariants are in ``properties.diffusion.guidance``."""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from properties.engine import ImplementationFailure, InvariantViolation, assert_true, call, expect_array
from properties.oracles.gaussian import random_spd
from properties.oracles.sde import GaussianMixture, marginal_coefficients

F64 = torch.float64
VP = {"beta_min": 0.1, "beta_max": 20.0}
FORMS = ("score", "epsilon")
SCALES = (0.0, 0.5, 1.0, 2.0, 7.5, -1.0)


def t64(a) -> torch.Tensor:
    return torch.as_tensor(np.array(a, dtype=np.float64), dtype=F64)


def alpha_bar_sigma(t: float) -> tuple[float, float]:
    """ᾱ(t) = a(t)² and σ(t) = √(1 − ᾱ) of the VP SDE: ε = −σ ∇ log p_t."""
    a, s = (float(c) for c in marginal_coefficients("vp", t, VP))
    return a * a, s


@st.composite
def labelled_mixture(draw, separation: float | None = None) -> GaussianMixture:
    """Two classes of weight ½ in 2-D, one or two components each (std ≈ 0.5–0.9), class means ≈ ``separation`` apart."""
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 20), label="mixture_seed"))
    per_class = draw(st.sampled_from(((1, 1), (2, 1), (1, 2))), label="components")
    sep = separation or draw(st.sampled_from((2.0, 3.0)), label="separation")
    direction = rng.standard_normal(2)
    direction /= np.linalg.norm(direction)
    mus, labels = [], []
    for y, k in enumerate(per_class):
        centre = (y - 0.5) * sep * direction
        for _ in range(k):
            mus.append(centre + 0.4 * rng.standard_normal(2))
            labels.append(y)
    # the classes weigh ½ each (balanced); a class's components share its half at random
    weights = np.concatenate([0.5 * rng.dirichlet(np.full(k, 5.0)) for k in per_class])
    return GaussianMixture("vp", VP, tuple(weights), tuple(mus),
                           tuple(random_spd(2, rng, cond=3.0) * 0.5 for _ in range(len(mus))), tuple(labels))


@st.composite
def guidance_case(draw):
    mix = draw(labelled_mixture())
    t = draw(st.sampled_from((0.02, 0.2, 0.5, 0.9)), label="t")
    a, s = (float(c) for c in marginal_coefficients("vp", t, VP))
    x = a * mix.sample(4, np.random.default_rng(draw(st.integers(0, 2 ** 20), label="x_seed")))
    x = x + s * np.asarray(draw(st.lists(st.floats(-2, 2), min_size=8, max_size=8), label="noise")).reshape(4, 2)
    return {"mixture": mix, "t": t, "x": x, "y": draw(st.integers(0, 1), label="y")}


def exact(mix: GaussianMixture, x: np.ndarray, t: float, y: int) -> dict:
    """Closed-form scores at (x, t): unconditional, conditional, the classifier gradient (by autograd), ε's."""
    xt, tt = t64(x), torch.full((len(x),), t, dtype=F64)
    ab, sigma = alpha_bar_sigma(t)
    su, sc = mix.score(xt, tt), mix.conditional_score(xt, tt, y)
    return {"x": xt, "alpha_bar": ab, "sigma": sigma, "score_u": su, "score_c": sc,
            "grad": mix.classifier_grad(xt, tt, y), "eps_u": -sigma * su, "eps_c": -sigma * sc}


def tilted_score_fd(mix: GaussianMixture, x: np.ndarray, t: float, y: int, s: float, h: float = 1e-3) -> np.ndarray:
    """∇ log [p_t(x)^{1−s} p_t(x | y)^s] by fourth-order central differences of the log-densities (no score formula)."""
    tt = torch.full((len(x),), t, dtype=F64)

    def f(z):
        zt = t64(z)
        return ((1 - s) * mix.log_density(zt, tt) + s * mix.log_density(zt, tt, y)).numpy()

    out = np.empty_like(np.asarray(x, dtype=np.float64))
    for j in range(out.shape[1]):
        e = np.zeros(out.shape[1])
        e[j] = h
        # f'(x) ≈ [8 (f(x+h) − f(x−h)) − (f(x+2h) − f(x−2h))] / (12 h)
        out[:, j] = (8 * (f(x + e) - f(x - e)) - (f(x + 2 * e) - f(x - 2 * e))) / (12 * h)
    return out


# ----------------------------------------------------------------------------------- implementation calls


def guider(impl):
    return call(impl)


def combined(out, shape, what: str) -> np.ndarray:
    return expect_array(out, shape=shape, name=what).astype(np.float64)


def expect_value_error(param: str, fn, *args, **kwargs) -> None:
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn))
    try:
        fn(*args, **kwargs)
    except ValueError as exc:
        assert_true(param in str(exc), f"{name}(): ValueError does not name {param!r}: {exc}")
        return
    except Exception as exc:  # noqa: BLE001 — any other exception is the implementation's answer
        raise InvariantViolation(f"{name}(): bad {param} raised {type(exc).__name__} ({exc}), not ValueError") from None
    raise InvariantViolation(f"{name}(): bad {param} was accepted silently (expected ValueError naming {param!r})")


# ------------------------------------------------------------------------------ the guided sampler (harness)


def guided_sample(guided_score, n: int, steps: int, seed: int, eps: float = 1e-3) -> torch.Tensor:
    """Euler–Maruyama on the reverse VP SDE with ``guided_score(x, t)`` from x_T ~ N(0, I) over linspace(1, ε,
    steps + 1), the noise from ``numpy.random.default_rng(seed)`` (the same for every scale: common random numbers)."""
    rng = np.random.default_rng(seed)
    ts = np.linspace(1.0, eps, steps + 1)
    x = t64(rng.standard_normal((n, 2)))
    for i in range(steps):
        t, dt = ts[i], ts[i + 1] - ts[i]
        b = VP["beta_min"] + t * (VP["beta_max"] - VP["beta_min"])
        score = guided_score(x, t)
        if not bool(torch.isfinite(score).all()):
            raise ImplementationFailure(f"the guided score is not finite at t = {t:.4g}")
        # x ← x + [−½β x − β s̃(x, t)] Δt + √(β |Δt|) z
        x = x + (-0.5 * b * x - b * score) * dt + math.sqrt(b * -dt) * t64(rng.standard_normal((n, 2)))
    return x


def confidence(mix: GaussianMixture, x: torch.Tensor, t: float, y: int) -> np.ndarray:
    """p_t(y | x) per sample, the exact classifier."""
    return torch.exp(mix.classifier_log_prob(x, torch.full((x.shape[0],), t, dtype=F64), y)).numpy()
