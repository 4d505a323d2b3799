"""Every topic, generically, from the registry: each invariant against each known implementation (expected
failures applied, every strict record's sub-domain reached), every cross-check, every mutant caught by the
invariants it declares, and every invariant with teeth.  ``tests/<family>/test_<topic>.py`` holds only what is
specific to a topic."""
import importlib.util

import pytest

from properties.engine import TopicUnavailable, get_topic, run_crosscheck, run_invariant, topic_names
from properties.testing import _outcome
from tests.zoo import assert_caught, assert_every_invariant_has_teeth, parametrize_mutants


def _topics():
    """(name, topic or None, why not); a topic whose own module is broken becomes one failing test, so the other
    topics still run."""
    out = []
    for name in topic_names():
        try:
            out.append((name, get_topic(name), None))
        except TopicUnavailable as exc:
            out.append((name, None, str(exc)))
        except Exception as exc:  # noqa: BLE001 — our own module is broken: a failure, reported below
            out.append((name, None, f"BROKEN {type(exc).__name__}: {exc}"))
    return out


TOPICS = _topics()


def _missing(spec_requires) -> str | None:
    missing = [r for r in spec_requires if importlib.util.find_spec(r) is None]
    return f"not installed: {', '.join(missing)}" if missing else None


def _invariant_cases():
    for name, topic, why in TOPICS:
        if topic is None:
            broken = why.startswith("BROKEN")
            yield pytest.param(name, None, why, marks=[] if broken else [pytest.mark.skip(reason=why)], id=name)
            continue
        for impl in topic.all_implementations():
            skip = _missing(impl.requires)
            for inv in topic.properties():
                marks = [pytest.mark.skip(reason=skip)] if skip else []
                yield pytest.param(name, inv.id, impl.spec, marks=marks, id=f"{inv.id}[{impl.spec}]")


def _crosscheck_cases():
    for name, topic, why in TOPICS:
        if topic is None:
            continue
        specs = {i.spec: i for i in topic.all_implementations()}
        for inv in topic.crosschecks():
            for a, b in inv.pairs:
                skip = _missing(specs[a].requires + specs[b].requires)
                marks = [pytest.mark.skip(reason=skip)] if skip else []
                yield pytest.param(name, inv.id, a, b, marks=marks, id=f"{inv.id}[{a} vs {b}]")


@pytest.mark.parametrize("topic, inv_id, spec", list(_invariant_cases()))
def test_invariant(topic, inv_id, spec):
    if inv_id is None:
        pytest.fail(f"topic {topic!r} cannot be imported: {spec}")
    t = get_topic(topic)
    result = run_invariant(t.invariants[inv_id], spec, topic=t)
    assert result.status not in ("passed", "xfail") or not result.details.get("records_not_reached"), (
        f"{spec}: the strategy of {inv_id} never reached the sub-domain of its expected-failure record(s) "
        f"{result.details['records_not_reached']}: the record is untested")
    _outcome(result)


@pytest.mark.parametrize("topic, inv_id, a, b", list(_crosscheck_cases()))
def test_crosscheck(topic, inv_id, a, b):
    t = get_topic(topic)
    _outcome(run_crosscheck(t.invariants[inv_id], a, b, topic=t))


@parametrize_mutants()
def test_mutant_is_caught(mutant):
    assert_caught(mutant)


@pytest.mark.parametrize("topic", [name for name, t, _ in TOPICS if t is not None])
def test_every_invariant_has_teeth(topic):
    assert_every_invariant_has_teeth(topic)
