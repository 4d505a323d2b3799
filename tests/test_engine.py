"""The engine itself: misbehaving implementations become results, narrow expected failures, attribution,
time limits, seeds and profiles, records are validated."""
import sys
import time
import types

import numpy as np
import pytest
from hypothesis import strategies as st

from properties.engine import (Axis, Expected, HangPolicy, Implementation, SkipCheck, Tolerance, Topic, assert_close,
                               call, crosscheck, expect_array, invariant, option, run_crosscheck, run_invariant,
                               run_topic)
from properties.engine.loading import Configured, ImplementationNotFound, load, parse_spec

TOY = Topic(name="toy", title="doubling", contract="f = Cls(); f.double(x) -> 2x for a float array x",
            reference="tests.test_engine:Good",
            implementations=[Implementation("tests.test_engine:Stale", expected=(
                                 Expected("toy.doubles", "stale record", where="every example", when=lambda x: True),)),
                             Implementation("tests.test_engine:Halves", expected=(
                                 Expected("toy.doubles", "documented convention: halves", where="every example",
                                          when=lambda x: True),)),
                             Implementation("tests.test_engine:WrongAboveOne", expected=(
                                 Expected("toy.doubles", "wrong above 1", where="some x > 1",
                                          when=lambda x: bool((x > 1).any()), match="double"),))],
            axes=(Axis("operations", ("triple",), "an optional triple()",
                       detect=lambda impl: ["triple"] if hasattr(impl, "triple") else []),))
ARRAYS = st.lists(st.floats(-10, 10, width=64), min_size=1, max_size=5).map(np.array)


@invariant(TOY, "toy.doubles", statement="double(x) = 2x", why="definition", source="arithmetic",
           strategy=ARRAYS, max_examples=20, timeout=5)
def doubles(impl, x):
    y = expect_array(call(impl().double, x), shape=x.shape, name="double(x)")
    assert_close(y, 2 * x, what="double(x)")


@invariant(TOY, "toy.triples", statement="triple(x) = 3x", why="definition", source="arithmetic",
           strategy=ARRAYS, max_examples=5, requires={"operations": ("triple",)})
def triples(impl, x):
    assert_close(call(impl().triple, x), 3 * x, what="triple(x)")


@crosscheck(TOY, "toy.crosscheck", statement="A.double = B.double", why="same definition", source="arithmetic",
            strategy=ARRAYS, pairs=[("tests.test_engine:Good", "tests.test_engine:Halves")], max_examples=5)
def cross(a, b, x):
    assert_close(call(a().double, x), call(b().double, x), what="double")


class Good:
    def double(self, x):
        return 2 * x


class Stale(Good):
    pass


class Halves:
    def double(self, x):
        return x / 2


class WrongAboveOne:
    def double(self, x):
        return np.where(x > 1, 2 * x + 1, 2 * x)


class Raises:
    def double(self, x):
        raise RuntimeError("boom")


class ReturnsNaN:
    def double(self, x):
        return np.where(x > 1, np.nan, 2 * x)


class WrongShape:
    def double(self, x):
        return np.concatenate([2 * x, [0.0]])


class Complex:
    def double(self, x):
        return (2 * x).astype(complex)


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
    assert r.status == "passed" and r.examples_run == 20 and r.ok and r.category == "math"


@pytest.mark.parametrize("impl, fragment", [
    (Raises, "implementation raised RuntimeError"),
    (ReturnsNaN, "NaN"),
    (WrongShape, "expected shape"),
    (Complex, "complex dtype"),
    (Mutates, "mutated its argument 0 in place"),
])
def test_misbehaviour_is_a_failed_result(impl, fragment):
    r = run(impl)
    assert r.status == "failed" and r.caught
    assert fragment in r.reason
    assert r.example is not None and r.repro.startswith("invariants check toy ")


def test_hang_is_a_timeout_and_later_examples_get_a_short_limit():
    started = time.perf_counter()
    hangs = HangPolicy(example_timeout=1.0, after_hang=0.2)
    first = run(Hangs, hangs=hangs)
    assert first.status == "timeout" and "hung" in first.reason and hangs.hung
    assert hangs.limit() == 0.2
    second = run(Hangs, hangs=hangs)
    assert second.status == "timeout"
    assert time.perf_counter() - started < 3


def test_the_per_example_limit_adapts_to_the_implementations_speed():
    policy = HangPolicy()
    assert policy.limit() == 30.0                 # nothing known yet
    for _ in range(9):
        policy.record(0.01)
    assert policy.limit() == 10.0                 # 100 × 10 ms, but never below the floor
    for _ in range(20):
        policy.record(1.0)
    assert policy.limit() == 30.0                 # slow but working code keeps its time (100 × 1 s, capped)
    policy.hung = True
    assert policy.limit() == 2.0


def test_the_invariant_limit_still_bounds_a_slow_run():
    class Slow:
        def double(self, x):
            time.sleep(0.3)
            return 2 * x

    r = run(Slow, timeout=1.0)
    assert r.status == "timeout" and "limit" in r.reason


def test_run_topic_goes_on_after_a_hang():
    results = run_topic(TOY, Hangs, example_timeout=0.5)
    assert [r.status for r in results] == ["timeout", "skipped"]


def test_nondeterminism_is_reported():
    r = run(Nondeterministic)
    assert r.status == "failed"


def test_failure_is_shrunk_to_a_minimal_example():
    r = run(ReturnsNaN)
    x = eval(r.example, {"array": np.array})
    assert x.shape == (1,) and x[0] > 1  # one element, just past the bug's threshold


# ------------------------------------------------------------------------------------- attribution


class NoDouble:
    pass


def test_a_missing_contract_attribute_is_the_implementations_failure():
    r = run(NoDouble)
    assert r.status == "failed" and r.caught
    assert "lacks 'double'" in r.reason and "contract" in r.reason


def test_check_bug_is_an_error_not_a_catch():
    topic = Topic(name="bug", title="", contract="", reference="x:y")

    @invariant(topic, "bug.keyerror", statement="s", why="w", source="s", strategy=st.just(1), max_examples=1)
    def broken(impl, data):
        {}["missing"]

    @invariant(topic, "bug.attribute", statement="s", why="w", source="s", strategy=st.just(1), max_examples=1)
    def broken_attribute(impl, data):
        np.zeros(2).no_such_attribute  # our own object, not the implementation's

    for inv in topic.invariants.values():
        r = run_invariant(inv, Good, topic=topic)
        assert r.status == "error" and not r.caught and not r.ok
        assert "a bug of ml-invariants" in r.reason


def test_skip_check_skips_with_its_reason():
    topic = Topic(name="sk", title="", contract="", reference="x:y")

    @invariant(topic, "sk.needs_libm", statement="s", why="w", source="s", strategy=st.just(1), max_examples=3)
    def needs(impl, data):
        raise SkipCheck("the C library's expf is not available")

    r = run_invariant(topic.invariants["sk.needs_libm"], Good, topic=topic)
    assert r.status == "skipped" and "expf" in r.reason and r.ok


# ------------------------------------------------------------------------------ expected failures


def test_expected_failure_is_xfail_and_stale_record_is_xpass():
    assert run("tests.test_engine:Halves").status == "xfail"
    stale = run("tests.test_engine:Stale")
    assert stale.status == "xpass" and not stale.ok and "stale" in stale.reason


def test_a_narrow_record_judges_everything_outside_its_sub_domain():
    r = run("tests.test_engine:WrongAboveOne")
    assert r.status == "xfail", r.reason
    assert "some x > 1" in r.reason and r.details["expected_hits"] > 0

    class WrongEverywhere:  # the same record would have hidden this under a whole-invariant record
        def double(self, x):
            return 2 * x + 1

    topic = Topic(name="toy", title="", contract="", reference="tests.test_engine:Good", implementations=[
        Implementation("tests.test_engine:WrongEverywhere_", expected=TOY.implementations[2].expected)])
    invariant(topic, "toy.doubles", statement="double(x) = 2x", why="definition", source="arithmetic",
              strategy=ARRAYS, max_examples=20)(doubles)
    r = run_invariant(topic.invariants["toy.doubles"], WrongEverywhere, topic=topic)
    assert r.status == "failed"


def test_a_record_matches_the_failure_it_expects():
    class NaNAboveOne:
        def double(self, x):
            return np.where(x > 1, np.nan, 2 * x)

    topic = Topic(name="toy", title="", contract="", reference="tests.test_engine:Good", implementations=[
        Implementation("tests.test_engine:NaNAboveOne", expected=(
            Expected("toy.doubles", "wrong above 1", where="some x > 1", when=lambda x: bool((x > 1).any()),
                     match=r"double\(x\): not equal"),))])
    invariant(topic, "toy.doubles", statement="double(x) = 2x", why="definition", source="arithmetic",
              strategy=ARRAYS, max_examples=20)(doubles)
    sys.modules[__name__].NaNAboveOne = NaNAboveOne
    r = run_invariant(topic.invariants["toy.doubles"], "tests.test_engine:NaNAboveOne", topic=topic)
    assert r.status == "failed" and "NaN" in r.reason  # a different failure in the same sub-domain is judged


def test_a_non_strict_record_never_goes_stale():
    topic = Topic(name="mf", title="", contract="", reference="tests.test_engine:Good",
                  implementations=[Implementation("tests.test_engine:Halves", expected=(
                      Expected("mf.doubles", "rare corner", where="any", when=lambda x: True, strict=False),)),
                                   Implementation("tests.test_engine:Stale", expected=(
                      Expected("mf.doubles", "rare corner", where="any", when=lambda x: True, strict=False),))])
    invariant(topic, "mf.doubles", statement="double(x) = 2x", why="definition", source="arithmetic",
              strategy=ARRAYS, max_examples=5)(doubles)
    inv = topic.invariants["mf.doubles"]
    assert run_invariant(inv, "tests.test_engine:Halves", topic=topic).status == "xfail"
    assert run_invariant(inv, "tests.test_engine:Stale", topic=topic).status == "passed"


def test_expected_failures_apply_to_the_object_as_well_as_its_import_string():
    """cKDTree's __module__ is scipy.spatial._ckdtree: a registered spec must still be recognised."""
    r = run(Halves)  # passed as the class, registered as "tests.test_engine:Halves"
    assert r.status == "xfail" and r.implementation == "tests.test_engine:Halves"


# ------------------------------------------------------------------------------- support, options

MODES = Topic(name="modes", title="", contract="", reference="tests.test_engine:AllModes",
              axes=(Axis("mode", ("a", "b", "c"), "a mode"),))


@invariant(MODES, "modes.roundtrip", statement="f(m) = m", why="w", source="s", draws={"mode": None},
           strategy=option("mode", ("a", "b", "c")), max_examples=10)
def roundtrip(impl, mode):
    assert_close(len(call(impl().f, mode)), 1, tol=Tolerance(reason="exact"), what=f"f({mode})")


@invariant(MODES, "modes.needs_c", statement="f(c) = c", why="w", source="s", draws={"mode": ("c",)},
           strategy=option("mode"), max_examples=3)
def needs_c(impl, mode):
    call(impl().f, mode)


class AllModes:
    def f(self, m):
        return m


class OnlyA:
    invariants_support = {"mode": ["a"]}

    def f(self, m):
        if m != "a":
            raise NotImplementedError(m)
        return m


def test_declared_support_narrows_what_is_drawn_and_says_what_is_left_out():
    r = run_invariant(MODES.invariants["modes.roundtrip"], OnlyA, topic=MODES)
    assert r.status == "passed"
    assert r.details["not_covered"] == {"mode": ["b", "c"]}
    skipped = run_invariant(MODES.invariants["modes.needs_c"], OnlyA, topic=MODES)
    assert skipped.status == "skipped" and "mode" in skipped.reason
    undeclared = run_invariant(MODES.invariants["modes.roundtrip"], type("OnlyAUndeclared", (OnlyA,), {
        "invariants_support": None}), topic=MODES)
    assert undeclared.status == "failed" and "NotImplementedError" in undeclared.reason


def test_a_declaration_passed_in_overrides_the_class_and_reaches_the_repro_line():
    r = run_invariant(MODES.invariants["modes.roundtrip"], AllModes, topic=MODES, support={"mode": ["b"]})
    assert r.status == "passed" and r.details["not_covered"] == {"mode": ["a", "c"]}

    class BadAtB(AllModes):
        def f(self, m):
            return m * 2 if m == "b" else m

    failed = run_invariant(MODES.invariants["modes.roundtrip"], BadAtB, topic=MODES, support={"mode": ["b"]})
    assert failed.status == "failed" and "--support mode=b" in failed.repro


def test_missing_operation_skips_with_reason():
    r = run(Good, inv="toy.triples")
    assert r.status == "skipped" and "triple" in r.reason


def test_an_option_drawn_without_being_declared_in_the_record_is_an_error():
    topic = Topic(name="od", title="", contract="", reference="x:y", axes=(Axis("mode", ("a",), "a mode"),))

    @invariant(topic, "od.x", statement="s", why="w", source="s", strategy=option("mode", ("a",)), max_examples=1)
    def x(impl, mode):
        pass

    assert run_invariant(topic.invariants["od.x"], Good, topic=topic).status == "error"


def test_precision_picks_the_tolerance():
    topic = Topic(name="pr", title="", contract="", reference="x:y")
    tol = Tolerance(atol=1e-5, reason="float32", float64=Tolerance(atol=1e-12, reason="float64"))

    @invariant(topic, "pr.close", statement="s", why="w", source="s", kind="tolerance", tolerance=tol,
               strategy=st.just(1.0), max_examples=1)
    def close(impl, x):
        assert_close(impl(x), x, what="f(x)")

    def off_by_1e_7(x):
        return x + 1e-7

    inv = topic.invariants["pr.close"]
    assert run_invariant(inv, off_by_1e_7, topic=topic).status == "passed"          # undeclared: float32 bounds
    declared = run_invariant(inv, off_by_1e_7, topic=topic, support={"precision": "float64"})
    assert declared.status == "failed" and declared.details["precision"] == "float64"


def test_too_few_compared_examples_is_a_strategy_problem():
    topic = Topic(name="mc", title="", contract="", reference="x:y")

    @invariant(topic, "mc.mostly_skipped", statement="s", why="w", source="s", strategy=st.integers(0, 100),
               max_examples=10, min_compared=0.5)
    def mostly(impl, n):
        return {"compared": int(n % 10 == 0), "skipped_near_ties": int(n % 10 != 0)}

    r = run_invariant(topic.invariants["mc.mostly_skipped"], Good, topic=topic)
    assert r.status == "error" and "strategy" in r.reason and not r.caught


# ------------------------------------------------------------------------------------ seeds, profiles


def test_same_seed_same_example_and_seeds_differ_by_id():
    a, b = run(ReturnsNaN), run(ReturnsNaN)
    assert a.example == b.example
    assert TOY.invariants["toy.doubles"].seed() != TOY.invariants["toy.triples"].seed()
    assert TOY.invariants["toy.doubles"].seed(0) != TOY.invariants["toy.doubles"].seed(1)


def test_what_is_drawn_does_not_depend_on_which_modules_are_loaded(tmp_path, monkeypatch):
    """Hypothesis mixes literal constants of loaded local modules into its draws: isolated here."""
    topic = Topic(name="cs", title="", contract="", reference="x:y")
    seen = []

    @invariant(topic, "cs.ints", statement="s", why="w", source="s", strategy=st.integers(-10**9, 10**9),
               max_examples=60)
    def record(impl, n):
        seen.append(n)

    run_invariant(topic.invariants["cs.ints"], Good, topic=topic)
    before, seen[:] = list(seen), []
    module = tmp_path / "many_constants.py"
    module.write_text("VALUES = [" + ", ".join(str(123456789 + 7 * i) for i in range(300)) + "]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("many_constants")
    run_invariant(topic.invariants["cs.ints"], Good, topic=topic)
    assert seen == before
    assert not (tmp_path / ".hypothesis").exists()


def test_profiles_scale_examples():
    assert run(Good, profile="thorough", timeout=120).examples_run == 400
    assert run(Good, max_examples=3).examples_run == 3


def test_dev_profile_reports_its_random_seed_in_the_repro():
    r = run(ReturnsNaN, profile="dev")
    assert f"--seed {r.details['seed']}" in r.repro and "--profile ci" in r.repro


def test_crosscheck_reports_disagreement():
    r = run_crosscheck(TOY.invariants["toy.crosscheck"], "tests.test_engine:Good", "tests.test_engine:Halves",
                       topic=TOY)
    assert r.status == "failed" and "vs" in r.implementation and r.repro.startswith("invariants verify")
    assert r.category == "crosscheck"


# ------------------------------------------------------------------------------------------ records


@pytest.mark.parametrize("kwargs, message", [
    (dict(id="toy.doubles"), "registered twice"),
    (dict(id="other.x"), "must start with the topic name"),
    (dict(id="toy.x", statement=""), "statement"),
    (dict(id="toy.x", statement="two\nlines"), "one line"),
    (dict(id="toy.x", kind="vibes"), "kind"),
    (dict(id="toy.x", category="vibes"), "category"),
    (dict(id="toy.rejects_x"), "validation"),
    (dict(id="toy.x", requires={"nope": ("a",)}), "unknown axis"),
    (dict(id="toy.x", draws={"operations": ("quadruple",)}), "not in the contract's domain"),
    (dict(id="toy.x", max_examples=0), "max_examples"),
    (dict(id="toy.x", tolerance={"other": Tolerance()}), "default"),
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
    t = Tolerance(atol=1e-5, reason="a", float64=Tolerance(atol=1e-12, reason="b"))
    assert t.at("float32") is t and t.at("float64").atol == 1e-12 and "float64: rtol=0" in t.describe()


def test_an_expected_failure_record_needs_its_sub_domain_in_words():
    with pytest.raises(ValueError, match="sub-domain"):
        Expected("toy.doubles", "why", where=" ", when=lambda d: True)


def test_counts_returned_by_a_check_are_summed_and_reported():
    topic = Topic(name="cnt", title="", contract="", reference="x:y")

    @invariant(topic, "cnt.counts", statement="s", why="w", source="s", strategy=st.integers(0, 1000), max_examples=5)
    def counts(impl, n):
        return {"compared": 1, "skipped": int(n == 0)}

    r = run_invariant(topic.invariants["cnt.counts"], Good, topic=topic)
    assert r.details["stats"]["compared"] == r.examples_run == 5
    from properties.engine.report import stats_text
    assert "compared=5" in stats_text(r)


# --------------------------------------------------------------------------------- loading specs


def test_factory_specs_fix_constructor_arguments():
    assert parse_spec('pkg.mod:Cls(method="eigh", k=2)') == ("pkg.mod", "Cls", {"method": "eigh", "k": 2})
    obj = load('reference.decomposition.pca:PCA(method="eigh")')
    assert isinstance(obj, Configured) and obj(n_components=1).method == "eigh"
    assert obj(n_components=1, method="svd").method == "svd"         # the caller's own argument wins
    assert obj.fit is load("reference.decomposition.pca:PCA").fit    # class attributes are visible
    for bad in ("pkg.mod:Cls(1)", "pkg.mod:Cls(x=y)", "pkg.mod.Cls", "pkg:Cls(**k)"):
        with pytest.raises(ImplementationNotFound):
            parse_spec(bad)


def test_a_module_object_can_be_an_implementation():
    mod = types.ModuleType("fake")
    mod.double = lambda x: 2 * x
    assert callable(load("tests.test_engine:Good"))


def test_warnings_of_the_implementation_are_kept_in_the_result(recwarn):
    import warnings

    class Warns(Good):
        def double(self, x):
            warnings.warn("constant input", UserWarning)
            return 2 * x

    r = run(Warns)
    assert r.status == "passed" and r.details["warnings"]["count"] == r.examples_run
    assert "constant input" in r.details["warnings"]["first"]
    assert not [w for w in recwarn if "constant input" in str(w.message)]
