"""A Euclidean k-nearest-neighbour kd-tree written the way a user writes one (not a copy of the reference),
and two realistic defects of it, for ``tests/neighbors/test_kdtree_real_code.py``.

* :class:`EuclideanKNNTree` — Bentley's kd-tree: the splitting coordinate cycles with the depth, the cut is at
  the median, leaves hold up to 8 points; ``query`` only (no range search), p = 2 only (other valid p raise
  NotImplementedError), and it says so in ``invariants_support``.  Correct.
* :class:`PruningBugTree` — the same tree with the far-side test inverted: it searches the far side only when
  the splitting plane is *farther* than the current k-th neighbour, i.e. exactly when that cannot help.
* :class:`HangingTree` — the same tree made thread-safe with a lock; a query for more than 3 neighbours takes a
  second path that acquires the same (non-re-entrant) lock again: a deadlock, i.e. it hangs for k > 3.
"""
from __future__ import annotations

import heapq
import math
import numbers
import threading

import numpy as np


class EuclideanKNNTree:
    """``EuclideanKNNTree(points, leafsize=8)``; ``query(x, k=1, p=2)`` in scipy's shapes."""

    invariants_support = {"p": [2.0], "operations": ["knn"], "precision": "float64"}

    def __init__(self, points, leafsize=8):
        data = np.array(points, dtype=float)
        if data.ndim != 2 or data.shape[0] == 0 or data.shape[1] == 0:
            raise ValueError(f"points must be a non-empty 2-D array (n, dim), got shape {data.shape}")
        if not np.isfinite(data).all():
            raise ValueError("points must not contain NaN or infinity")
        self.data, self.leafsize = data, leafsize
        self.n, self.dim = data.shape
        self.root = self._build(np.arange(self.n), depth=0)

    def _build(self, idx, depth):
        if len(idx) <= self.leafsize:
            return {"leaf": idx}
        axis = depth % self.dim
        idx = idx[np.argsort(self.data[idx, axis], kind="stable")]
        half = len(idx) // 2
        # points before the cut have coordinate ≤ value, points after it ≥ value
        return {"axis": axis, "value": self.data[idx[half], axis],
                "below": self._build(idx[:half], depth + 1), "above": self._build(idx[half:], depth + 1)}

    # ------------------------------------------------------------------------------------- query
    def query(self, x, k=1, p=2):
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or math.isnan(p) or p < 1:
            raise ValueError(f"p must be a number >= 1, got {p!r}")
        if p != 2:
            raise NotImplementedError(f"only the Euclidean metric (p = 2) is implemented, got p = {p!r}")
        x = np.asarray(x, dtype=float)
        if x.ndim not in (1, 2) or x.shape[-1] != self.dim:
            raise ValueError(f"x must have shape ({self.dim},) or (m, {self.dim}), got {x.shape}")
        if not np.isfinite(x).all():
            raise ValueError("x must not contain NaN or infinity")
        rows = np.atleast_2d(x)
        dist = np.full((len(rows), k), np.inf)
        index = np.full((len(rows), k), self.n, dtype=np.intp)
        for q, row in enumerate(rows):
            found = self._nearest(row, k)
            dist[q, :len(found)] = [math.sqrt(d2) for d2, _ in found]
            index[q, :len(found)] = [j for _, j in found]
        if k == 1:
            dist, index = dist[:, 0], index[:, 0]
        return (dist[0], index[0]) if x.ndim == 1 else (dist, index)

    def _nearest(self, x, k):
        """The k nearest as a sorted list of (squared distance, index)."""
        heap = []  # the best k so far as (−d², −index): heap[0] is the worst of them

        def visit(node):
            if "leaf" in node:
                d2 = ((self.data[node["leaf"]] - x) ** 2).sum(axis=1)
                for dd, j in zip(d2.tolist(), node["leaf"].tolist()):
                    if len(heap) < k:
                        heapq.heappush(heap, (-dd, -j))
                    elif (-dd, -j) > heap[0]:
                        heapq.heapreplace(heap, (-dd, -j))
                return
            gap = x[node["axis"]] - node["value"]
            near, far = (node["below"], node["above"]) if gap < 0 else (node["above"], node["below"])
            visit(near)
            if self._far_side_may_help(gap * gap, heap, k):
                visit(far)

        visit(self.root)
        return sorted((-a, -b) for a, b in heap)

    def _far_side_may_help(self, gap2, heap, k):
        # the far side can hold a nearer point only if the splitting plane is nearer than the k-th neighbour
        return len(heap) < k or gap2 <= -heap[0][0]


class PruningBugTree(EuclideanKNNTree):
    """The far-side test inverted (``>`` for ``<=``): the far side is searched only when it cannot help."""

    def _far_side_may_help(self, gap2, heap, k):
        return len(heap) < k or gap2 > -heap[0][0]


class HangingTree(EuclideanKNNTree):
    """Queries serialised by a lock; for k > 3 the query goes through ``_query_many``, which takes the same lock
    again — ``threading.Lock`` is not re-entrant, so the thread waits for itself for ever."""

    def __init__(self, points, leafsize=8):
        super().__init__(points, leafsize)
        self._lock = threading.Lock()

    def query(self, x, k=1, p=2):
        with self._lock:
            if isinstance(k, numbers.Integral) and k > 3:
                return self._query_many(x, k, p)
            return super().query(x, k=k, p=p)

    def _query_many(self, x, k, p):
        with self._lock:
            return super().query(x, k=k, p=p)
