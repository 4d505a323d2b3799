"""The invariant engine: records, registry, runner, profiles and assertion helpers.

Writing a topic (see ``properties/pca.py`` for a worked example)::

    TOPIC = Topic(name=..., title=..., contract=__doc__, reference="reference.x:Cls",
                  implementations=[Implementation("lib:Cls", requires=("lib",))])

    @invariant(TOPIC, "x.some_id", statement="one line of math", why="...", source="...",
               kind="exact", tolerance=Tolerance(...), strategy=<hypothesis strategy>, max_examples=20)
    def some_id(impl, data): ...      # raise via checks.assert_close / assert_true; call impl code via checks.call

A check may return a dict of counts (``{"compared": 12, "skipped_near_ties": 1}``): they are summed
over the examples, kept in ``Result.details["stats"]`` and printed by ``check`` and ``verify`` —
use this wherever a check compares only some cases, so that what it skipped is visible.

Running: :func:`run_invariant`, :func:`run_topic`, :func:`run_crosscheck` return :class:`Result` records.
"""
from .checks import (ImplementationFailure, InvariantViolation, assert_close, assert_leq, assert_true,
                     call, expect_array, expect_scalar, to_numpy)
from .records import (EXACT, KINDS, Implementation, Invariant, Tolerance, Topic, TopicUnavailable, crosscheck,
                      find_invariant, get_topic, invariant, topic_names)
from .runner import BAD, Result, load, run_crosscheck, run_invariant, run_topic, spec_of

__all__ = [
    "BAD", "EXACT", "KINDS", "ImplementationFailure", "Implementation", "Invariant", "InvariantViolation",
    "Result", "Tolerance", "Topic", "TopicUnavailable", "assert_close", "assert_leq", "assert_true", "call",
    "crosscheck", "expect_array", "expect_scalar", "find_invariant", "get_topic", "invariant", "load",
    "run_crosscheck", "run_invariant", "run_topic", "spec_of", "to_numpy", "topic_names",
]
