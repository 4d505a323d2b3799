"""``invariants probe``: detect an implementation's support, one small canonical call per option value.

Each axis of a topic may carry a probe ``probe(impl, value)`` that makes one small call using that value.
A value counts as unsupported when the call raises ``NotImplementedError``, ``TypeError``, ``ValueError`` or
``AttributeError`` (an option or operation the implementation does not offer).  The probe never judges the
answer, and any other exception leaves the value *in* the support — so that the checks, not the probe,
report it: a wrong answer is never turned into "unsupported".  The output is a declaration for the user
to review, not a verdict.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .checks import ImplementationFailure
from .context import RunContext, activated
from .records import Topic
from .support import format_declaration, format_value

UNSUPPORTED = (NotImplementedError, TypeError, ValueError, AttributeError)


@dataclass
class ProbeOutcome:
    axis: str
    value: Any
    supported: bool
    note: str


def probe(topic: Topic, impl: Any) -> list[ProbeOutcome]:
    outcomes = []
    ctx = RunContext(f"{topic.name} probe", "float64", {}, {a.name: a.values for a in topic.axes})
    for axis in topic.axes:
        if axis.probe is None:
            continue
        for value in axis.values:
            try:
                with activated(ctx):
                    axis.probe(impl, value)
            except Exception as exc:  # noqa: BLE001
                cause = exc.__cause__ if isinstance(exc, ImplementationFailure) and exc.__cause__ else exc
                if isinstance(cause, UNSUPPORTED):
                    outcomes.append(ProbeOutcome(axis.name, value, False, f"{type(cause).__name__}: {cause}"[:160]))
                else:  # a crash is for the checks to judge, not a sign of missing support
                    outcomes.append(ProbeOutcome(axis.name, value, True, f"raised {type(cause).__name__}: "
                                                 f"{cause}"[:160] + " — kept in the support so that the checks judge it"))
            else:
                outcomes.append(ProbeOutcome(axis.name, value, True, "ok"))
    return outcomes


def declaration(topic: Topic, outcomes: list[ProbeOutcome], precision: str | None = None) -> str:
    options = {a.name: [o.value for o in outcomes if o.axis == a.name and o.supported]
               for a in topic.axes if any(o.axis == a.name for o in outcomes)}
    return format_declaration(options, precision)


def summary_lines(outcomes: list[ProbeOutcome]) -> list[str]:
    return [f"{o.axis} = {format_value(o.value)}: {'supported' if o.supported else 'unsupported'} ({o.note})"
            for o in outcomes]
