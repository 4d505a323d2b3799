"""Readable, exact rendering of falsifying examples."""
from __future__ import annotations

from typing import Any

import numpy as np

_MAX_ELEMENTS = 2000


def _plain(x: Any) -> Any:
    if type(x).__module__.startswith("torch") and hasattr(x, "detach"):
        arr = x.detach().cpu().numpy()
        return _Tensor(arr, str(x.dtype))
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_plain(v) for v in x) if not hasattr(x, "_fields") else x
    return x


class _Tensor:
    def __init__(self, arr: np.ndarray, dtype: str) -> None:
        self.arr, self.dtype = arr, dtype

    def __repr__(self) -> str:
        return f"torch.tensor({np.array2string(self.arr, separator=', ')}, dtype={self.dtype})"


def format_example(data: Any) -> str:
    """repr with every float at full (round-trip) precision; huge arrays are summarised."""
    with np.printoptions(floatmode="unique", threshold=_MAX_ELEMENTS, linewidth=100):
        try:
            return repr(_plain(data))
        except Exception as exc:  # an unprintable example still deserves a report
            return f"<unprintable example of type {type(data).__name__}: {exc}>"
