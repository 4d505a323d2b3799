"""Import an implementation from its spec.

A spec is ``module:attr`` (attr may be dotted), or a *factory spec* that fixes some constructor
arguments, ``module:attr(key=literal, ...)`` with Python literals as values, e.g.
``reference.decomposition.pca:PCA(method="eigh")``.  A factory spec loads as a :class:`Configured`
callable: calling it calls ``attr`` with the fixed arguments as defaults (the caller's own arguments
win), and attribute look-ups reach ``attr`` itself, so class attributes (declared support, precision,
``predict_proba`` …) are visible through it.
"""
from __future__ import annotations

import ast
import importlib
from typing import Any


class ImplementationNotFound(ImportError):
    """The spec is malformed, or its module or attribute cannot be imported."""


def parse_spec(spec: str) -> tuple[str, str, dict]:
    """``(module, attr, fixed keyword arguments)`` of a spec."""
    if not isinstance(spec, str) or ":" not in spec:
        raise ImplementationNotFound(f"implementation must be given as 'module:attr', got {spec!r}")
    module_name, rest = spec.split(":", 1)
    kwargs: dict = {}
    attr = rest
    if rest.endswith(")") and "(" in rest:
        attr, args = rest[:-1].split("(", 1)
        try:
            call = ast.parse(f"f({args})", mode="eval").body
            if call.args:
                raise ValueError("positional arguments")
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
            if any(k is None for k in kwargs):
                raise ValueError("**kwargs")
        except (SyntaxError, ValueError) as exc:
            raise ImplementationNotFound(f"a factory spec takes keyword arguments with literal values, "
                                         f"module:attr(key=value, ...); got {spec!r} ({exc})") from None
    if not module_name or not attr or ":" in attr or not all(p.isidentifier() for p in attr.split(".")):
        raise ImplementationNotFound(f"implementation must be given as 'module:attr', got {spec!r}")
    return module_name, attr, kwargs


class Configured:
    """``target`` with some constructor arguments fixed (a factory spec)."""

    def __init__(self, target: Any, kwargs: dict, spec: str) -> None:
        self.__wrapped__, self.kwargs, self.spec = target, dict(kwargs), spec

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__wrapped__(*args, **{**self.kwargs, **kwargs})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.__wrapped__, name)

    def __repr__(self) -> str:
        return self.spec


def load(spec: str) -> Any:
    """The object a spec names (a :class:`Configured` for a factory spec)."""
    module_name, attr, kwargs = parse_spec(spec)
    try:
        obj = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImplementationNotFound(f"cannot import module {module_name!r}: {exc}") from exc
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ImplementationNotFound(f"module {module_name!r} has no attribute {attr!r}") from None
    return Configured(obj, kwargs, spec) if kwargs else obj


def spec_of(impl: Any) -> str:
    """The spec that names ``impl`` (an object, a :class:`Configured`, or a spec string)."""
    if isinstance(impl, str):
        return impl
    if isinstance(impl, Configured):
        return impl.spec
    module = getattr(impl, "__module__", None) or type(impl).__module__
    name = getattr(impl, "__qualname__", None) or type(impl).__qualname__
    return f"{module}:{name}"
