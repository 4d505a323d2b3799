"""The engine itself: misbehaving implementations become results, seeds are stable, records are validated."""
import time

import numpy as np
import pytest
from hypothesis import strategies as st

from properties.engine import (Implementation, Tolerance, Topic, assert_close, call, crosscheck, expect_array,
                               invariant, run_crosscheck, run_invariant, run_topic)

TOY = Topic(name="toy", title="doubling", contract="f = Cls(); f.double(x) -> 2x for a float array x",
            reference="tests.test_engine:Good",
            implementations=[Implementation("tests.test_engine:Stale", expected_failures={"toy.doubles": "stale record"}),
                             Implementation("tests.test_engine:Halves", expected_failures={"toy.doubles": "documented convention: halves"})],
            capabilities={"triple": lambda impl: hasattr(impl, "triple")})
ARRAYS = st.lists(st.floats(-10, 10, width=64), min_size=1, max_size=5).map(np.array)


@invariant(TOY, "toy.doubles", statement="double(x) = 2x", why="definition", source="arithmetic",
           strategy=ARRAYS, max_examples=20, timeout=2)
def doubles(impl, x):
    y = expect_array(call(impl().double, x), shape=x.shape, name="double(x)")
    assert_close(y, 2 * x, tol=Tolerance(), what="double(x)")


@invariant(TOY, "toy.triples", statement="triple(x) = 3x", why="definition", source="arithmetic",
           strategy=ARRAYS, max_examples=5, requires=("triple",))
def triples(impl, x):
    assert_close(call(impl().triple, x), 3 * x, tol=Tolerance(), what="triple(x)")


@crosscheck(TOY, "toy.crosscheck", statement="A.double = B.double", why="same definition", source="arithmetic",
            strategy=ARRAYS, pairs=[("tests.test_engine:Good", "tests.test_engine:Halves")], max_examples=5)
def cross(a, b, x):
    assert_close(call(a().double, x), call(b().double, x), tol=Tolerance(), what="double")


class Good:
    def double(self, x):
        return 2 * x


class Stale(Good):
    pass


class Halves:
    def double(self, x):
        return x / 2


class Raises:
    def double(self, x):
        raise RuntimeError("boom")


class ReturnsNaN:
    def double(self, x):
        return np.where(x > 1, np.nan, 2 * x)


class WrongShape:
    def double(self, x):
        return np.concatenate([2 * x, [0.0]])


class Mutates:
    def double(self, x):
        x *= 2
        return x


class Hangs:
    def double(self, x):
        while True:
            time.sleep(0.01)


class Nondeterministic:
    calls = 0

    def double(self, x):
        Nondeterministic.calls += 1
        return 2 * x + (Nondeterministic.calls % 2) * (x.size > 2)


def run(impl, inv="toy.doubles", **kw):
    return run_invariant(TOY.invariants[inv], impl, topic=TOY, **kw)


def test_good_passes():
    r = run(Good)
    assert r.status == "passed" and r.examples_run == 20 and r.ok


@pytest.mark.parametrize("impl, fragment", [
    (Raises, "implementation raised RuntimeError"),
    (ReturnsNaN, "NaN"),
    (WrongShape, "expected shape"),
    (Mutates, "mutated its argument 0 in place"),
])
def test_misbehaviour_is_a_failed_result(impl, fragment):
    r = run(impl)
    assert r.status == "failed" and r.caught
    assert fragment in r.reason
    assert r.example is not None and r.repro.startswith("invariants check toy ")


def test_hang_is_a_timeout_and_the_run_goes_on():
    started = time.perf_counter()
    results = run_topic(TOY, Hangs, timeout=0.5)
    assert time.perf_counter() - started < 5
    assert [r.status for r in results] == ["timeout", "skipped"]
    assert "hung" in results[0].reason


def test_nondeterminism_is_reported():
    r = run(Nondeterministic)
    assert r.status == "failed"


def test_failure_is_shrunk_to_a_minimal_example():
    r = run(ReturnsNaN)
    x = eval(r.example, {"array": np.array})
    assert x.shape == (1,) and x[0] > 1  # one element, just past the bug's threshold


def test_missing_capability_skips_with_reason():
    r = run(Good, inv="toy.triples")
    assert r.status == "skipped" and "triple" in r.reason


def test_declared_capabilities_override_probes():
    class Declares(Good):
        invariants_capabilities = ()

        def triple(self, x):
            return 3 * x

    assert run(Declares, inv="toy.triples").status == "skipped"


def test_expected_failure_is_xfail_and_stale_record_is_xpass():
    assert run("tests.test_engine:Halves").status == "xfail"
    stale = run("tests.test_engine:Stale")
    assert stale.status == "xpass" and not stale.ok and "stale" in stale.reason


def test_check_bug_is_an_error_not_a_catch():
    topic = Topic(name="bug", title="", contract="", reference="x:y")

    @invariant(topic, "bug.keyerror", statement="s", why="w", source="s", strategy=st.just(1), max_examples=1)
    def broken(impl, data):
        {}["missing"]

    r = run_invariant(topic.invariants["bug.keyerror"], Good, topic=topic)
    assert r.status == "error" and not r.caught and not r.ok
    assert "bug in the check" in r.reason


def test_same_seed_same_example_and_seeds_differ_by_id():
    a, b = run(ReturnsNaN), run(ReturnsNaN)
    assert a.example == b.example
    assert TOY.invariants["toy.doubles"].seed() != TOY.invariants["toy.triples"].seed()
    assert TOY.invariants["toy.doubles"].seed(0) != TOY.invariants["toy.doubles"].seed(1)


def test_profiles_scale_examples():
    assert run(Good, profile="thorough").examples_run == 400
    assert run(Good, max_examples=3).examples_run == 3


def test_dev_profile_reports_its_random_seed_in_the_repro():
    r = run(ReturnsNaN, profile="dev")
    assert f"--seed {r.details['seed']}" in r.repro and "--profile ci" in r.repro


def test_crosscheck_reports_disagreement():
    r = run_crosscheck(TOY.invariants["toy.crosscheck"], "tests.test_engine:Good", "tests.test_engine:Halves")
    assert r.status == "failed" and "vs" in r.implementation and r.repro.startswith("invariants verify")


@pytest.mark.parametrize("kwargs, message", [
    (dict(id="toy.doubles"), "registered twice"),
    (dict(id="other.x"), "must start with the topic name"),
    (dict(id="toy.x", statement=""), "statement"),
    (dict(id="toy.x", statement="two\nlines"), "one line"),
    (dict(id="toy.x", kind="vibes"), "kind"),
    (dict(id="toy.x", requires=("nope",)), "unknown capabilities"),
    (dict(id="toy.x", max_examples=0), "max_examples"),
])
def test_records_are_validated(kwargs, message):
    args = {**dict(statement="s", why="w", source="s", strategy=st.just(1)), **kwargs}
    with pytest.raises(ValueError, match=message):
        invariant(TOY, args.pop("id"), **args)(lambda impl, data: None)


def test_tolerance_needs_a_reason_and_sane_values():
    with pytest.raises(ValueError, match="reason"):
        Tolerance(1e-6, 0, "")
    with pytest.raises(ValueError, match="rtol"):
        Tolerance(-1, 0, "x")


def test_counts_returned_by_a_check_are_summed_and_reported():
    topic = Topic(name="cnt", title="", contract="", reference="x:y")

    @invariant(topic, "cnt.counts", statement="s", why="w", source="s", strategy=st.integers(0, 1000), max_examples=5)
    def counts(impl, n):
        return {"compared": 1, "skipped": int(n == 0)}

    r = run_invariant(topic.invariants["cnt.counts"], Good, topic=topic)
    assert r.details["stats"]["compared"] == r.examples_run == 5
    from properties.engine.report import stats_text
    assert "compared=5" in stats_text(r)


def test_expected_failures_apply_to_the_object_as_well_as_its_import_string():
    """cKDTree's __module__ is scipy.spatial._ckdtree: a registered spec must still be recognised."""
    r = run(Halves)  # passed as the class, registered as "tests.test_engine:Halves"
    assert r.status == "xfail" and r.implementation == "tests.test_engine:Halves"


def test_may_fail_turns_a_failure_into_xfail_and_a_pass_stays_a_pass():
    topic = Topic(name="mf", title="", contract="", reference="tests.test_engine:Good",
                  implementations=[Implementation("tests.test_engine:Halves", may_fail={"mf.doubles": "rare corner"}),
                                   Implementation("tests.test_engine:Stale", may_fail={"mf.doubles": "rare corner"})])
    invariant(topic, "mf.doubles", statement="double(x) = 2x", why="definition", source="arithmetic",
              strategy=ARRAYS, max_examples=5)(doubles)
    inv = topic.invariants["mf.doubles"]
    assert run_invariant(inv, "tests.test_engine:Halves", topic=topic).status == "xfail"
    assert run_invariant(inv, "tests.test_engine:Stale", topic=topic).status == "passed"
    with pytest.raises(ValueError, match="both"):
        Implementation("x:y", expected_failures={"a": "r"}, may_fail={"a": "r"})
