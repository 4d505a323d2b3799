"""Declared support: the part of a topic's contract an implementation claims, like scikit-learn's tags.

A topic names its option axes (``Axis``: kd-tree ``p`` and ``operations``, a scheduler's
``timestep_spacing``, …) and their finite domains.  An implementation declares the values it supports,
in one of three ways (later ones win):

1. a class attribute ``invariants_support = {"p": [2.0], "operations": ["knn"], "precision": "float64"}``
   (or the registry's ``Implementation(support=..., precision=...)`` for a library used as-is);
2. a TOML file (``--support-file``) with a ``[support]`` table of the same keys;
3. command-line flags ``--support p=2 --support operations=knn,range --support precision=float64``.

Undeclared axes mean the full contract, except where an axis can *detect* what an implementation offers
by inspection (an optional method that is absent is not offered).  Strategies draw options through
:func:`option`, which reads the domain of the example being checked: the declared support narrowed to
the values the invariant draws.  What is left out is listed as not covered, never judged.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from hypothesis import strategies as st

from .context import current
from .tolerance import DEFAULT_PRECISION, PRECISIONS

PRECISION_KEY = "precision"
ATTRIBUTE = "invariants_support"


class SupportError(ValueError):
    """A declaration names an unknown axis or a value outside the axis' domain."""


@dataclass(frozen=True)
class Axis:
    """One option axis of a contract: its finite domain, in the order strategies shrink towards.

    ``probe(impl, value)`` makes one small canonical call that uses ``value`` (for ``invariants probe``);
    it must not judge the answer.  ``detect(impl)`` returns the values an undeclared implementation
    visibly offers (e.g. the optional methods it has); without it an undeclared axis is the full domain.
    """

    name: str
    values: tuple
    doc: str
    probe: Callable[[Any, Any], Any] | None = None
    detect: Callable[[Any], Iterable] | None = None

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError(f"axis {self.name!r} needs a non-empty domain")
        if self.name == PRECISION_KEY:
            raise ValueError(f"{PRECISION_KEY!r} is declared by every implementation; it is not a topic axis")

    def ordered(self, values: Iterable) -> tuple:
        """``values`` in the domain's order (unknown values raise :class:`SupportError`)."""
        values = list(values)
        unknown = [v for v in values if not any(_same(v, d) for d in self.values)]
        if unknown:
            raise SupportError(f"{self.name}: {unknown} not in the contract's domain {format_values(self.values)}")
        return tuple(d for d in self.values if any(_same(v, d) for v in values))

    def parse(self, text: str) -> Any:
        """The domain value a command-line word names (``2`` → 2.0 for p, ``inf`` → ∞, ``true`` → True)."""
        text = text.strip()
        for d in self.values:
            if text == format_value(d) or text == str(d):
                return d
            if isinstance(d, bool):
                if text.lower() == str(d).lower():
                    return d
            elif isinstance(d, (int, float)):
                try:
                    if float(text) == d:
                        return d
                except ValueError:
                    pass
        raise SupportError(f"{self.name}={text}: not in the contract's domain {format_values(self.values)}")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b)
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def format_value(v: Any) -> str:
    if isinstance(v, float) and math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if isinstance(v, float) and v == int(v):
        return f"{int(v)}"
    return str(v)


def format_values(values: Iterable) -> str:
    return "{" + ", ".join(format_value(v) for v in values) + "}"


@dataclass
class Support:
    """The resolved support of one implementation: axis → supported values, and its working precision."""

    options: dict[str, tuple]
    precision: str | None = None
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def judged_precision(self) -> str:
        return self.precision or DEFAULT_PRECISION

    def not_covered(self, axes: Sequence[Axis]) -> dict[str, tuple]:
        return {a.name: tuple(v for v in a.values if v not in self.options[a.name])
                for a in axes if len(self.options[a.name]) < len(a.values)}

    def describe(self, axes: Sequence[Axis]) -> list[str]:
        """Lines for a report: what was declared, and what was therefore not covered."""
        lines = []
        if self.precision is None:
            lines.append(f"precision: undeclared — judged at {DEFAULT_PRECISION} bounds")
        else:
            lines.append(f"precision: {self.precision} ({self.sources.get(PRECISION_KEY, 'declared')})")
        for axis, missing in self.not_covered(axes).items():
            lines.append(f"{axis} ∈ {format_values(missing)} not checked: "
                         f"{self.sources.get(axis, 'declared')} unsupported")
        return lines

    def intersect(self, other: "Support") -> "Support":
        """The support two implementations share (a cross-check draws only what both claim)."""
        options = {k: tuple(v for v in vs if v in other.options.get(k, ())) for k, vs in self.options.items()}
        precision = "float64" if self.precision == other.precision == "float64" else (
            self.precision if self.precision == other.precision else None)
        return Support(options, precision, {**other.sources, **self.sources})


def parse_flags(items: Sequence[str]) -> dict[str, list[str]]:
    """``["p=2,inf", "operations=knn"]`` → ``{"p": ["2", "inf"], "operations": ["knn"]}``."""
    out: dict[str, list[str]] = {}
    for item in items:
        if "=" not in item:
            raise SupportError(f"--support takes axis=value[,value…], got {item!r}")
        key, values = item.split("=", 1)
        out.setdefault(key.strip(), []).extend(v for v in values.split(",") if v.strip())
    return out


def read_file(path: Path) -> dict[str, Any]:
    """The ``[support]`` table of a TOML file."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SupportError(f"cannot read the support file {path}: {exc}") from None
    if not isinstance(data.get("support"), dict):
        raise SupportError(f"{path}: expected a [support] table (axis = [values…], precision = \"float64\")")
    return data["support"]


def _normalise(axes: Mapping[str, Axis], declared: Mapping[str, Any], source: str) -> tuple[dict, str | None]:
    options, precision = {}, None
    for key, values in declared.items():
        if key == PRECISION_KEY:
            precision = values[0] if isinstance(values, (list, tuple)) and len(values) == 1 else values
            if precision not in PRECISIONS:
                raise SupportError(f"{source}: precision must be one of {PRECISIONS}, got {values!r}")
            continue
        if key not in axes:
            raise SupportError(f"{source}: unknown axis {key!r}; this topic's axes: {sorted(axes)}")
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            values = [values]
        axis = axes[key]
        parsed = [axis.parse(v) if isinstance(v, str) else v for v in values]
        options[key] = axis.ordered(parsed)
    return options, precision


def resolve(axes: Sequence[Axis], impl: Any, *, registry: Mapping[str, Any] | None = None,
            registry_precision: str | None = None, declared: Mapping[str, Any] | None = None) -> Support:
    """The support of ``impl``: detection < class attribute < registry record < ``declared`` (CLI/file)."""
    by_name = {a.name: a for a in axes}
    options: dict[str, tuple] = {}
    sources: dict[str, str] = {}
    for a in axes:
        if a.detect is not None:
            try:
                options[a.name] = a.ordered(a.detect(impl))
            except SupportError:
                raise
            except Exception:  # noqa: BLE001 — a detector that cannot tell offers nothing optional
                options[a.name] = ()
            sources[a.name] = "detected"
        else:
            options[a.name] = a.values
            sources[a.name] = "contract"
    precision = None
    attr_precision = getattr(impl, PRECISION_KEY, None)
    if isinstance(attr_precision, str) and attr_precision in PRECISIONS:
        precision, sources[PRECISION_KEY] = attr_precision, "class attribute"
    layers = [(getattr(impl, ATTRIBUTE, None), "class attribute"), (registry, "registry"), (declared, "declared")]
    for layer, source in layers:
        if not layer:
            continue
        if not isinstance(layer, Mapping):
            raise SupportError(f"{ATTRIBUTE} must be a mapping of axis → values, got {type(layer).__name__}")
        opts, prec = _normalise(by_name, layer, source)
        options.update(opts)
        sources.update({k: source for k in opts})
        if prec is not None:
            precision, sources[PRECISION_KEY] = prec, source
    if registry_precision is not None and (declared is None or PRECISION_KEY not in declared):
        precision, sources[PRECISION_KEY] = registry_precision, "registry"
    return Support(options, precision, sources)


def option(axis: str, default: Sequence | None = None) -> st.SearchStrategy:
    """Draw a value of ``axis`` from the example's domain (declared support ∩ what the invariant draws).

    ``default`` is the domain outside an invariant run (a strategy used directly in a test).  Strategies are
    pure, so one is built per (axis, default) and reused."""
    return _option(axis, None if default is None else tuple(default))


@functools.lru_cache(maxsize=None)
def _option(axis: str, default: tuple | None) -> st.SearchStrategy:
    @st.composite
    def draw_option(draw):
        ctx = current()
        if ctx is None:
            if default is None:
                raise RuntimeError(f"option({axis!r}) drawn outside an invariant run without a default domain")
            values = default
        else:
            if axis not in ctx.domains:
                raise RuntimeError(f"{ctx.invariant} draws option {axis!r} but its record does not declare it "
                                   f"in draws= (declared: {sorted(ctx.domains)})")
            values = ctx.domains[axis]
        return draw(st.sampled_from(values), label=axis)

    return draw_option()


def format_declaration(options: Mapping[str, Sequence], precision: str | None = None) -> str:
    """A ``[support]`` TOML table (``invariants probe`` prints one for review)."""
    def toml(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return "inf" if v == math.inf else ("-inf" if v == -math.inf else repr(v))
        if isinstance(v, int):
            return str(v)
        return '"' + str(v).replace('"', '\\"') + '"'
    lines = ["[support]"]
    if precision:
        lines.append(f'precision = "{precision}"')
    lines += [f"{k} = [{', '.join(toml(v) for v in vs)}]" for k, vs in options.items()]
    return "\n".join(lines) + "\n"
