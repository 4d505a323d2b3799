"""What the flow topic's checks share: the strategies of its examples, the calls into a transform under the
contract (each through ``call`` and ``expect_array``), its tolerances and the adversarial points it draws."""
from __future__ import annotations

import re

import numpy as np
import torch
from hypothesis import strategies as st
from torch.distributions import Transform, constraints

from properties.engine import (ImplementationFailure, InvariantViolation, Tolerance, assert_true, call, expect_array,
                               option)
from properties.oracles.flows import jacobians

FEATURES = (1, 2, 3, 4, 5, 6, 7, 8)
OPERATIONS = ("inverse", "distribution")
STRUCTURES = ("triangular", "planar")

ROUND_TRIP = Tolerance(rtol=1e-4, atol=1e-4, reason="float32: a few affine layers, each ≲ 10 ε, amplified by the "
                       "inverse's scales (≤ e³ for the drawn parameters)",
                       float64=Tolerance(rtol=1e-9, atol=1e-9, reason="float64: round-off ≲ 1e-13 per layer through "
                                         "scales ≤ e³ (analytic inverses), or iterated to round-off (sequential MAF "
                                         "passes, safeguarded Newton for the planar flow); 1e-9 leaves 3 orders"))
LOG_DET = Tolerance(atol=1e-4, reason="float32: log-scales summed over ≤ 8 coordinates and a float32 LU in slogdet",
                    float64=Tolerance(atol=1e-9, reason="float64: analytic log-dets and slogdet of the autograd "
                                      "Jacobian agree to ~1e-15 (LIBRARY-NOTES); 1e-9 leaves room for d ≤ 8 layers "
                                      "of conditioners"))


class Reverse(Transform):
    """x ↦ x reversed along the event dimension: a permutation, |det| = 1, to mix the coordinates between two
    applications of a transform inside a composition (a coupling layer keeps the same part otherwise)."""

    domain = constraints.real_vector
    codomain = constraints.real_vector
    bijective = True

    def _call(self, x):
        return x.flip(-1)

    def _inverse(self, y):
        return y.flip(-1)

    def log_abs_det_jacobian(self, x, y):
        return torch.zeros(x.shape[:-1], dtype=x.dtype)


def tensor(a) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64))


# ------------------------------------------------------------------------------------------ strategies

FLAVOURS = ("float", "integer", "repeated", "sign_symmetric", "wide")


def make_points(rng: np.random.Generator, flavour: str, n: int, d: int) -> np.ndarray:
    """(n, d) points of a flavour: uniform in [−3, 3]; small integers (ties, the origin, exact arithmetic); one row
    repeated; sign-symmetric rows (x and −x); a wide spread (|x| up to 5, into the flows' tails)."""
    if flavour == "integer":
        return rng.integers(-2, 3, size=(n, d)).astype(np.float64)
    if flavour == "wide":
        return rng.uniform(-5, 5, size=(n, d))
    x = rng.uniform(-3, 3, size=(n, d))
    if flavour == "repeated":
        return np.repeat(x[:1], n, axis=0)
    if flavour == "sign_symmetric":
        return np.concatenate([x, -x])[:n] if n > 1 else x
    return x


@st.composite
def transform_case(draw, rows: tuple[int, int] = (1, 3), features=None):
    """{"d", "seed", "flavour", "x", "x2"}: a dimension from the declared support, a parameter seed, and two batches of
    points of one flavour (drawn from a seeded numpy generator: the arrays are data, their flavour is the hazard)."""
    d = draw(option("features", FEATURES if features is None else features), label="d")
    seed = draw(st.integers(0, 2 ** 16), label="seed")
    n = draw(st.integers(*rows), label="n")
    flavour = draw(st.sampled_from(FLAVOURS), label="flavour")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="data_seed"))
    return {"d": d, "seed": seed, "flavour": flavour, "x": make_points(rng, flavour, n, d),
            "x2": make_points(rng, flavour, n, d)}


# ---------------------------------------------------------------------------- calls under the contract


def build(impl, d: int, seed: int):
    """``Cls(features=d, seed=seed)``: a transform, or a flow distribution carrying one as ``.transform``."""
    return call(impl, features=d, seed=seed)


def transform_of(obj):
    if callable(getattr(obj, "log_prob", None)):
        t = getattr(obj, "transform", None)
        if t is None:
            raise ImplementationFailure("a flow distribution must carry its transform as .transform (data → base)")
        return t
    return obj


def checked_transform(impl, d: int, seed: int):
    t = transform_of(build(impl, d, seed))
    event_dim = getattr(t, "event_dim", None)
    if event_dim != 1:
        raise ImplementationFailure(f"a transform of R^d must have event_dim = 1 (it acts on the last dimension and "
                                    f"sums its log-det over it), got {event_dim!r}")
    return t


def forward(t, x: np.ndarray, what: str = "t(x)") -> np.ndarray:
    return expect_array(call(t, tensor(x)), name=what, shape=x.shape)


def inverse_map(t):
    return call(getattr, t, "inv")


def inverse(t, y: np.ndarray, what: str = "t.inv(y)") -> np.ndarray:
    return expect_array(call(inverse_map(t), tensor(y)), name=what, shape=y.shape)


def ladj(t, x: np.ndarray, y: np.ndarray, what: str = "t.log_abs_det_jacobian(x, y)") -> np.ndarray:
    return expect_array(call(t.log_abs_det_jacobian, tensor(x), tensor(y)), name=what, shape=(x.shape[0],))


def brute_jacobians(t, x: np.ndarray, what: str = "the autograd Jacobian of t") -> np.ndarray:
    J = call(jacobians, t, tensor(x))
    return expect_array(J, name=what, shape=(x.shape[0], x.shape[1], x.shape[1]))


def onto_real_space(t, d: int) -> bool:
    """Whether the transform's declared codomain is all of R^d (far points in every direction belong to it)."""
    codomain = getattr(t, "codomain", constraints.real_vector)
    far = torch.cat([torch.full((1, d), 1e6), torch.full((1, d), -1e6)]).to(torch.float64)
    try:
        return bool(torch.as_tensor(codomain.check(far)).all())
    except (NotImplementedError, AttributeError):
        return True


def target_points(t, x2: np.ndarray) -> np.ndarray:
    """Points of the codomain: x2 itself for a bijection of R^d, t(x2) for a map onto a subset (the sigmoid's cube)."""
    return x2 if onto_real_space(t, x2.shape[1]) else forward(t, x2, what="t(x2)")


def expect_rejection(fn, name: str, what: str) -> None:
    """``fn()`` must raise a ValueError whose message names ``name`` (as a word)."""
    try:
        out = fn()
    except ValueError as exc:
        named = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", str(exc)) is not None
        assert_true(named, f"{what}: ValueError({str(exc)[:200]!r}) does not name the parameter {name}")
        return
    except Exception as exc:  # noqa: BLE001 — any other exception is the implementation's answer, judged here
        raise InvariantViolation(f"{what}: raised {type(exc).__name__}({str(exc)[:200]}) instead of a ValueError "
                                 f"naming {name}") from None
    raise InvariantViolation(f"{what}: accepted and returned {type(out).__name__}; expected a ValueError naming {name}")
