"""The invariant engine: records, registry, declared support, runner, profiles, assertion helpers.

How to add a topic is in ``CONTRIBUTING.md``; ``properties/decomposition/pca.py`` is a worked example.
In short::

    TOPIC = Topic(name=..., title=..., contract=__doc__, reference="reference.family.x:Cls",
                  implementations=[Implementation("lib:Cls", requires=("lib",), expected=(...))],
                  axes=(Axis("p", (1.0, 2.0), "the metric"),))

    @invariant(TOPIC, "x.some_id", statement="one line of math", why="...", source="...", kind="exact",
               tolerance=Tolerance(...), strategy=<hypothesis strategy>, draws={"p": None}, max_examples=20)
    def some_id(impl, data): ...      # call impl code via call(); assert via assert_close (the record's
                                      # tolerance) / assert_true; draw options with option("p")

A check may return a dict of counts (``{"compared": 12, "skipped_near_ties": 1}``): they are summed over
the examples, kept in ``Result.details["stats"]`` and printed by ``check`` and ``verify``.  Register the
topic as an entry point of the ``ml_invariants.topics`` group; put its mutants in ``tests/zoo/<family>/<topic>.py``.
"""
from .checks import (ImplementationFailure, InvariantViolation, SkipCheck, assert_close, assert_deterministic,
                     assert_leq, assert_true, call, expect_array, expect_scalar, global_rng_seeded, precision,
                     supports, to_numpy, tolerance)
from .loading import Configured, ImplementationNotFound, load, spec_of
from .records import CATEGORIES, KINDS, Expected, Implementation, Invariant, Topic, crosscheck, invariant
from .registry import TopicUnavailable, find_invariant, get_topic, register_topic, topic_names
from .runner import (BAD, OURS, HangPolicy, Result, check_example, run_crosscheck, run_invariant, run_topic, topic_support)
from .support import Axis, Support, SupportError, option
from .tolerance import EXACT, Tolerance

__all__ = [
    "Axis", "BAD", "CATEGORIES", "Configured", "EXACT", "Expected", "HangPolicy", "ImplementationFailure",
    "Implementation", "ImplementationNotFound", "Invariant", "InvariantViolation", "KINDS", "OURS", "Result",
    "SkipCheck", "Support", "SupportError", "Tolerance", "Topic", "TopicUnavailable", "assert_close",
    "assert_deterministic", "assert_leq", "assert_true", "call", "check_example", "crosscheck", "expect_array", "expect_scalar",
    "find_invariant", "get_topic", "global_rng_seeded", "invariant", "load", "option", "precision",
    "register_topic", "run_crosscheck", "supports", "run_invariant", "run_topic", "spec_of", "to_numpy", "tolerance",
    "topic_names", "topic_support",
]
