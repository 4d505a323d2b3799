"""Bad input for SOMs: the cases the validation invariants enumerate, how each is fed to an implementation, and the
established libraries' behaviour on them (narrow expected-failure records, one per case and behaviour).

Every case runs on a 2 × 3 map of ``input_len`` 3 with σ₀ = 1, η₀ = 0.5 and a 4-row data set; a case passes when a
ValueError whose message names the parameter is raised — at construction or at the call that uses the input.
"""
from __future__ import annotations

import math
import re

import numpy as np

from properties.engine import Expected, InvariantViolation, assert_true, call

SHAPE, INPUT_LEN = (2, 3), 3
DATA = np.array([[0.0, 1.0, 2.0], [1.0, -1.0, 0.5], [0.5, 0.25, -2.0], [2.0, 0.0, 1.0]])

#: case → (parameter names a message may use, what is done)
WIDTH = {
    "train_wider_data": (("data", "input_len"), "train(data) with input_len + 1 columns"),
    "train_narrower_data": (("data", "input_len"), "train(data) with input_len − 1 columns"),
    "winner_longer_sample": (("x", "input_len"), "winner(x) with len(x) = input_len + 1"),
    "winner_shorter_sample": (("x", "input_len"), "winner(x) with len(x) = input_len − 1"),
    "winner_single_value": (("x", "input_len"), "winner(x) with len(x) = 1 (broadcasts against any input_len)"),
    "quantization_wider_data": (("data", "input_len"), "quantization_error(data) with input_len + 1 columns"),
}
SIGMA = {"sigma_zero": 0.0, "sigma_negative": -1.0, "sigma_nan": math.nan, "sigma_inf": math.inf}
NONFINITE = {
    "train_nan_data": (("data",), "train(data) with a NaN entry"),
    "train_inf_data": (("data",), "train(data) with an infinite entry"),
    "winner_nan_sample": (("x",), "winner(x) with a NaN entry"),
    "update_nan_sample": (("x",), "update(x, (0, 0), 0, 4) with a NaN entry"),
}


def _map(impl, sigma=1.0):
    return call(impl, SHAPE[0], SHAPE[1], INPUT_LEN, sigma=sigma, learning_rate=0.5, random_seed=0)


def run_case(impl, case: str) -> tuple[object, str] | None:
    """Feed the bad input of ``case``; returns (what came back, what was done), or None when the case needs an
    operation the implementation does not offer.  Exceptions propagate (raw, not wrapped)."""
    if case in SIGMA:
        som = impl(SHAPE[0], SHAPE[1], INPUT_LEN, sigma=SIGMA[case], learning_rate=0.5, random_seed=0)
        som.train(DATA, 4)
        return som.get_weights(), f"MiniSom-style map with sigma = {SIGMA[case]} built and trained"
    som = impl(SHAPE[0], SHAPE[1], INPUT_LEN, sigma=1.0, learning_rate=0.5, random_seed=0)
    x = DATA[1].copy()
    if case == "train_wider_data":
        return som.train(np.hstack([DATA, DATA[:, :1]]), 4), WIDTH[case][1]
    if case == "train_narrower_data":
        return som.train(DATA[:, :-1], 4), WIDTH[case][1]
    if case == "winner_longer_sample":
        return som.winner(np.append(x, 1.0)), WIDTH[case][1]
    if case == "winner_shorter_sample":
        return som.winner(x[:-1]), WIDTH[case][1]
    if case == "winner_single_value":
        return som.winner(x[:1]), WIDTH[case][1]
    if case == "quantization_wider_data":
        if not callable(getattr(som, "quantization_error", None)):
            return None
        return som.quantization_error(np.hstack([DATA, DATA[:, :1]])), WIDTH[case][1]
    bad = DATA.copy()
    bad[1, 2] = math.inf if case == "train_inf_data" else math.nan
    if case in ("train_nan_data", "train_inf_data"):
        return som.train(bad, 4), NONFINITE[case][1]
    x[1] = math.nan
    if case == "winner_nan_sample":
        return som.winner(x), NONFINITE[case][1]
    if case == "update_nan_sample":
        if not callable(getattr(som, "update", None)):
            return None
        return som.update(x, (0, 0), 0, 4), NONFINITE[case][1]
    raise ValueError(f"unknown bad-input case {case!r}")


def names_parameter(message: str, names) -> bool:
    return any(re.search(rf"(?<![A-Za-z_]){re.escape(n)}(?![A-Za-z_])", message) for n in names)


def expect_rejection(impl, case: str, names) -> dict:
    """``case`` must raise ValueError naming one of ``names``; the counts say whether it could run."""
    try:
        out = run_case(impl, case)
    except ValueError as exc:
        assert_true(names_parameter(str(exc), names), f"{case}: ValueError({str(exc)!r}) does not name the parameter "
                                                      f"({' or '.join(names)})")
        return {"rejected": 1}
    except Exception as exc:  # noqa: BLE001 — any other exception is a wrong answer, not a crash of the check
        raise InvariantViolation(f"{case}: raised {type(exc).__name__}({exc}) instead of a ValueError naming "
                                 f"{' or '.join(names)}") from None
    if out is None:
        return {"skipped_operation_not_offered": 1}
    result, done = out
    raise InvariantViolation(f"{case}: {done} — accepted (returned {str(result)[:80]!r}); expected a ValueError "
                             f"naming {' or '.join(names)}")


# ---------------------------------------------------------------------------------------------
# the established libraries on bad input
# ---------------------------------------------------------------------------------------------
def _cases(*names):
    return lambda ex: ex["case"] in names


def _record(inv, reason, cases, match=None):
    return Expected(inv, reason, where="the case(s) " + ", ".join(cases), when=_cases(*cases), match=match)


MINISOM_BAD_INPUT = (
    _record("som.rejects_wrong_width", "MiniSom checks the width of data, but its message 'Received 4 features, "
            "expected 3.' names neither data nor input_len",
            ("train_wider_data", "train_narrower_data", "quantization_wider_data"), match=r"does not name"),
    _record("som.rejects_wrong_width", "MiniSom's winner(x) does not check len(x): numpy fails to broadcast x "
            "against the (x, y, input_len) weights ('operands could not be broadcast together …')",
            ("winner_longer_sample", "winner_shorter_sample"), match=r"does not name"),
    _record("som.rejects_wrong_width", "MiniSom's winner(x) does not check len(x): a single value broadcasts "
            "against every coordinate and a winner comes back", ("winner_single_value",), match=r"accepted"),
    _record("som.rejects_bad_sigma", "MiniSom does not check sigma: σ = 0 or NaN give NaN weights (0/0 in the "
            "Gaussian), σ = −1 trains as σ = 1 (only σ² enters the Gaussian) and σ = ∞ gives every unit h = 1",
            tuple(SIGMA), match=r"accepted"),
    _record("som.rejects_nonfinite", "MiniSom does not check for NaN or inf: they spread into the weights, and the "
            "winner of a NaN sample is unit (0, 0) (argmin of an all-NaN map)", tuple(NONFINITE), match=r"accepted"),
)

SKLEARN_SOM_BAD_INPUT = (
    _record("som.rejects_wrong_width", "sklearn-som checks no widths: numpy fails to broadcast the sample against "
            "the codebook ('operands could not be broadcast together …'), a message that names no parameter",
            ("train_wider_data", "train_narrower_data", "winner_longer_sample", "winner_shorter_sample",
             "quantization_wider_data"), match=r"does not name"),
    _record("som.rejects_wrong_width", "sklearn-som checks no widths: a single value broadcasts against every "
            "coordinate and a winner comes back", ("winner_single_value",), match=r"accepted"),
    _record("som.rejects_bad_sigma", "sklearn-som does not check sigma: σ = 0 or NaN give NaN weights, σ = −1 "
            "trains as σ = 1 and σ = ∞ gives every unit h = 1", tuple(SIGMA), match=r"accepted"),
    _record("som.rejects_nonfinite", "sklearn-som does not check for NaN or inf: they spread into the weights",
            tuple(NONFINITE), match=r"accepted"),
)
