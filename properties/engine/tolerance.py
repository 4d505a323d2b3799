"""Tolerances: how close is close enough, why, and how that depends on the implementation's precision."""
from __future__ import annotations

from dataclasses import dataclass

PRECISIONS = ("float32", "float64")
#: an implementation that declares no precision is judged at these bounds (and the report says so)
DEFAULT_PRECISION = "float32"


@dataclass(frozen=True)
class Tolerance:
    """``rtol = atol = 0`` means exact.  ``float64`` is the tighter bound for implementations that declare
    float64 working precision; without it the same bound judges both precisions."""

    rtol: float = 0.0
    atol: float = 0.0
    reason: str = "exact: no arithmetic separates the two sides"
    float64: "Tolerance | None" = None

    def __post_init__(self) -> None:
        if self.rtol < 0 or self.atol < 0:
            raise ValueError(f"tolerances must be >= 0, got rtol={self.rtol}, atol={self.atol}")
        if not self.reason:
            raise ValueError("a tolerance needs a written reason")
        if self.float64 is not None and self.float64.float64 is not None:
            raise ValueError("a float64 tolerance cannot have a float64 variant of its own")

    @property
    def exact(self) -> bool:
        return self.rtol == 0 and self.atol == 0

    def at(self, precision: str) -> "Tolerance":
        """The bound that judges an implementation of the given working precision."""
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        return self.float64 if precision == "float64" and self.float64 is not None else self

    def _one(self) -> str:
        if self.exact:
            return f"exact — {self.reason}"
        return f"rtol={self.rtol:g}, atol={self.atol:g} — {self.reason}"

    def describe(self) -> str:
        if self.float64 is None:
            return self._one()
        return f"float32: {self._one()}; float64: {self.float64._one()}"


EXACT = Tolerance()
