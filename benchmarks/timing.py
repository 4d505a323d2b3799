"""The one timing rule the benchmarks share."""
from __future__ import annotations

import math
import time
from typing import Callable


def seconds(fn: Callable[[], object], repeat: int) -> float:
    """Best of ``repeat`` wall-clock runs (the least disturbed by other processes)."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best
