"""SOM validation invariants: bad input raises a ValueError naming the parameter.  The cases (a small finite set,
enumerated) and the established libraries' records are in ``properties.som.bad_input``."""
from __future__ import annotations

from hypothesis import strategies as st

from properties.engine import invariant
from properties.som.bad_input import NONFINITE, SIGMA, WIDTH, expect_rejection
from properties.som.som import TOPIC

VALIDATION = "the contract's input validation (properties.som.som); MiniSom._check_input_len"


def _cases(cases) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"case": st.sampled_from(tuple(cases))})


@invariant(TOPIC, "som.rejects_wrong_width",
           statement="data with ≠ input_len columns, a sample of length ≠ input_len → ValueError naming data / x / input_len",
           why="A width mismatch is a caller's error that numpy would otherwise broadcast silently (a single value "
               "against every coordinate) or report as a shape clash that names nothing the caller wrote.",
           source=VALIDATION, kind="exact", category="validation", strategy=_cases(WIDTH), max_examples=3 * len(WIDTH))
def rejects_wrong_width(impl, ex):
    return expect_rejection(impl, ex["case"], WIDTH[ex["case"]][0])


@invariant(TOPIC, "som.rejects_bad_sigma", statement="sigma ≤ 0, NaN or ∞ → ValueError naming sigma",
           why="The neighbourhood radius must be a positive number: σ = 0 divides by zero in the Gaussian (NaN "
               "weights), a negative σ is read as |σ| by the Gaussian, and an infinite one switches locality off.",
           source=VALIDATION, kind="exact", category="validation",
           strategy=st.fixed_dictionaries({"case": st.sampled_from(tuple(SIGMA))}), max_examples=3 * len(SIGMA))
def rejects_bad_sigma(impl, ex):
    return expect_rejection(impl, ex["case"], ("sigma",))


@invariant(TOPIC, "som.rejects_nonfinite", statement="NaN or ±∞ in data or in a sample → ValueError naming data / x",
           why="A NaN spreads into every unit it touches and makes every later winner meaningless (argmin over NaN "
               "returns the first unit); it must be refused where it enters.",
           source=VALIDATION, kind="exact", category="validation", strategy=_cases(NONFINITE),
           max_examples=3 * len(NONFINITE))
def rejects_nonfinite(impl, ex):
    return expect_rejection(impl, ex["case"], NONFINITE[ex["case"]][0])
