"""A pytest helper in the style of scikit-learn's ``parametrize_with_checks``.

In your own test file::

    from properties.testing import parametrize_with_invariants

    @parametrize_with_invariants("pca", [MyPCA])
    def test_my_pca(impl, check):
        check(impl)

One test per (implementation, invariant); a failure shows the statement, the
shrunk falsifying example and the command that reproduces it.  Options the
implementation does not support (its declared support, or ``support={...}``
passed here) skip with the reason; recorded expected failures xfail.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import pytest

from .engine import report
from .engine.loading import spec_of
from .engine.records import Invariant
from .engine.registry import get_topic
from .engine.runner import Result, run_crosscheck, run_invariant


def _outcome(result: Result) -> Result:
    if result.status == "skipped":
        pytest.skip(result.reason)
    if result.status == "xfail":
        pytest.xfail(result.reason)
    if not result.ok:
        pytest.fail(report.failure_text(result), pytrace=False)
    return result


class _Check:
    """Callable bound to one invariant; ``check(impl)`` runs it and turns the result into a pytest outcome."""

    def __init__(self, inv: Invariant, **options: Any) -> None:
        self.invariant, self.options = inv, options

    def __call__(self, impl: Any) -> Result:
        return _outcome(run_invariant(self.invariant, impl, **self.options))

    def __repr__(self) -> str:
        return self.invariant.id


def parametrize_with_invariants(topic: str, implementations: Sequence[Any], *, only: Sequence[str] | None = None,
                                **options: Any) -> Callable:
    """``pytest.mark.parametrize("impl, check", ...)`` over implementations × the topic's invariants.

    ``implementations`` are classes/factories or ``"module:attr"`` strings; ``options``
    go to :func:`properties.engine.run_invariant` (``support``, ``profile``, ``seed``, ``max_examples``,
    ``timeout``, ``example_timeout``).
    """
    t = get_topic(topic)
    params, ids = [], []
    for impl in implementations:
        for inv in t.properties():
            if only and inv.id not in only:
                continue
            params.append((impl, _Check(inv, topic=t, **options)))
            ids.append(f"{spec_of(impl)}-{inv.id}")
    return pytest.mark.parametrize("impl, check", params, ids=ids)


def parametrize_crosschecks(topic: str, **options: Any) -> Callable:
    """``pytest.mark.parametrize("crosscheck", ...)``: one test per cross-check pair; call ``crosscheck()``."""
    t = get_topic(topic)
    params, ids = [], []
    for inv in t.crosschecks():
        for a, b in inv.pairs:
            params.append(lambda inv=inv, a=a, b=b: _outcome(run_crosscheck(inv, a, b, topic=t, **options)))
            ids.append(f"{inv.id}-{a}-vs-{b}")
    return pytest.mark.parametrize("crosscheck", params, ids=ids)
