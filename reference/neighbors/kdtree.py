"""kd-tree: exact k-nearest-neighbour and fixed-radius search in the Minkowski p metric.

Sources
- J. L. Bentley, "Multidimensional binary search trees used for associative
  searching", CACM 18(9), 1975 -- the kd-tree and its range search.
- J. H. Friedman, J. L. Bentley, R. A. Finkel, "An algorithm for finding best
  matches in logarithmic expected time", ACM TOMS 3(3), 1977 -- split on the
  coordinate of largest spread at the median; kNN by descending to the near
  child first and backtracking into the far child only when the "bounds-overlap-ball"
  test passes (the splitting plane is nearer than the current k-th neighbour).
- S. Maneewongvatana, D. M. Mount, "It's okay to be skinny, if your friends are
  fat", CGC Workshop 1999 -- the sliding-midpoint split.

Contract (scipy.spatial.cKDTree's): ``KDTree(points)``; ``query(x, k=1, p=2)``
returns ``(d, i)`` -- shape (m,) for k = 1 and (m, k) otherwise when x is (m, D),
a scalar / (k,) when x is (D,); when k > n the missing neighbours have distance
inf and index n.  ``query_ball_point(x, r, p=2)`` returns the indices with
‖x − y‖_p ≤ r (inclusive), a list for one point, an object array of lists for (m, D).

Everything works on ρ_p, the p-th power of the distance (ρ = Σ|x_j − y_j|^p for
finite p, ρ = max_j |x_j − y_j| for p = ∞), like scipy: comparisons in that
domain are exact for integer data (no p-th root in the loop).  The only root is
taken on the k distances returned.

Side channel for benchmarks: ``tree.last_query_visits`` -- number of nodes
visited, one entry per query point of the last ``query``/``query_ball_point``.
"""
import heapq
import math
import numbers

import numpy as np

SPLIT_RULES = ("median", "sliding_midpoint")


# ----------------------------------------------------------------- validation
def _check_points(points):
    data = np.array(points, dtype=np.float64, copy=True)  # a copy: never alias the caller's array
    if data.ndim != 2:
        raise ValueError(f"points must be a 2-D array of shape (n, D), got shape {data.shape}")
    if data.shape[0] == 0:
        raise ValueError(f"points must contain at least one point, got shape {data.shape}")
    if data.shape[1] == 0:
        raise ValueError(f"points must have at least one coordinate, got shape {data.shape}")
    if not np.all(np.isfinite(data)):
        raise ValueError("points must be finite, got NaN or inf")
    return data


def _check_k(k):
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    return int(k)


def _check_p(p):
    # bool is an Integral in Python, but p=True is a caller's mistake, not the exponent 1
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not p >= 1:  # `not >=` also rejects NaN
        raise ValueError(f"p must be a number >= 1 (or inf), got {p!r}")
    return float(p)


def _check_r(r):
    if isinstance(r, bool) or not isinstance(r, numbers.Real) or not r >= 0:
        raise ValueError(f"r must be a number >= 0, got {r!r}")
    return float(r)


def _check_x(x, D):
    """Returns the queries as an (m, D) array and whether x was a single point."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim not in (1, 2) or x.shape[-1] != D:
        raise ValueError(f"x must have shape ({D},) or (m, {D}), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite, got NaN or inf")
    return np.atleast_2d(x), x.ndim == 1


# ------------------------------------------------------------------ distances
def power_distance(Y, x, p):
    """ρ_p between x (D,) and every row of Y (n, D): the p-th power of ‖x − y‖_p."""
    a = np.abs(Y - x)
    if p == math.inf:
        # ρ_∞ = max_j |x_j − y_j|  (the distance itself)
        return a.max(axis=1)
    if p == 1:
        # ρ_1 = Σ_j |x_j − y_j|
        return a.sum(axis=1)
    if p == 2:
        # ρ_2 = Σ_j (x_j − y_j)²
        return (a * a).sum(axis=1)
    # ρ_p = Σ_j |x_j − y_j|^p
    return (a**p).sum(axis=1)


def power(t, p):
    """ρ_p of a single coordinate gap t ≥ 0: the distance from x to a splitting plane."""
    if p == math.inf or p == 1:
        return t
    return t * t if p == 2 else t**p


def root(rho, p):
    """‖x − y‖_p = ρ_p^(1/p)."""
    if p == math.inf or p == 1:
        return rho
    return np.sqrt(rho) if p == 2 else rho ** (1.0 / p)


# ---------------------------------------------------------------------- build
class Node:
    """A leaf holds ``index`` (original point indices); an inner node splits on
    coordinate ``dim`` at ``split``: left points have y_dim ≤ split, right points y_dim ≥ split."""

    __slots__ = ("dim", "split", "left", "right", "index")

    def __init__(self):
        self.dim = self.split = self.left = self.right = self.index = None


def split_median(points, idx, lo, hi):
    """Friedman-Bentley-Finkel: the coordinate of largest spread, cut at its median."""
    y = points[idx]
    spread = y.max(axis=0) - y.min(axis=0)
    dim = int(np.argmax(spread))
    if spread[dim] == 0:
        return None  # all points identical: a leaf, however many
    half = len(idx) // 2
    order = np.argpartition(y[:, dim], half)  # order[:half] ≤ y[order[half]] ≤ order[half:]
    split = y[order[half], dim]
    return dim, split, idx[order[:half]], idx[order[half:]]


def split_sliding_midpoint(points, idx, lo, hi):
    """Maneewongvatana-Mount: cut the cell [lo, hi] at the midpoint of its longest side
    (among the coordinates where the points differ); if every point falls on one side,
    slide the plane to the nearest point so that neither side is empty."""
    y = points[idx]
    ymin, ymax = y.min(axis=0), y.max(axis=0)
    spread = ymax - ymin
    if not np.any(spread > 0):
        return None
    side = np.where(spread > 0, hi - lo, -1.0)
    dim = int(np.argmax(side))
    c = y[:, dim]
    # s = (lo_d + hi_d) / 2
    split = 0.5 * (lo[dim] + hi[dim])
    if split < ymin[dim]:  # all points right of the midpoint: slide right onto the nearest
        split = ymin[dim]
    if split >= ymax[dim]:  # all points left (or on the plane): slide left onto the nearest
        split = ymax[dim]
        left = c < split
    else:
        left = c <= split
    return dim, split, idx[left], idx[~left]


def bounding_box(points):
    """The root cell [lo, hi]: per coordinate, the smallest and largest value over the points."""
    return points.min(axis=0), points.max(axis=0)


def build(points, leafsize, rule, cell):
    """Iterative (no recursion limit): a stack of (node, point indices, cell lo, cell hi)."""
    root_node = Node()
    lo, hi = cell
    stack = [(root_node, np.arange(len(points)), lo, hi)]
    while stack:
        node, idx, lo, hi = stack.pop()
        cut = rule(points, idx, lo, hi) if len(idx) > leafsize else None
        if cut is None:
            node.index = idx
            continue
        node.dim, node.split, left_idx, right_idx = cut
        node.left, node.right = Node(), Node()
        left_hi, right_lo = hi.copy(), lo.copy()
        left_hi[node.dim] = right_lo[node.dim] = node.split
        stack.append((node.left, left_idx, lo, left_hi))
        stack.append((node.right, right_idx, right_lo, hi))
    return root_node


# ---------------------------------------------------------------------- trees
class KDTree:
    #: the working precision: every distance is computed in float64
    precision = "float64"
    # input checks and the root cell, as methods so that a subclass can replace one
    _check_points, _check_x = staticmethod(_check_points), staticmethod(_check_x)
    _check_k, _check_p, _check_r = staticmethod(_check_k), staticmethod(_check_p), staticmethod(_check_r)
    _bounding_box = staticmethod(bounding_box)

    def __init__(self, points, leafsize=10, split="median"):
        self.data = self._check_points(points)
        self.n, self.m = self.data.shape
        if isinstance(leafsize, bool) or not isinstance(leafsize, numbers.Integral) or leafsize < 1:
            raise ValueError(f"leafsize must be an integer >= 1, got {leafsize!r}")
        if split not in SPLIT_RULES:
            raise ValueError(f"split must be one of {SPLIT_RULES}, got {split!r}")
        rule = split_median if split == "median" else split_sliding_midpoint
        self.leafsize, self.split = int(leafsize), split
        self.root = build(self.data, self.leafsize, rule, self._bounding_box(self.data))
        self.last_query_visits = np.zeros(0, dtype=np.intp)

    # ------------------------------------------------------------------ kNN
    def query(self, x, k=1, p=2):
        k, p = self._check_k(k), self._check_p(p)
        X, single = self._check_x(x, self.m)
        d = np.full((len(X), k), np.inf)
        i = np.full((len(X), k), self.n, dtype=np.intp)  # k > n: distance inf, index n
        visits = np.zeros(len(X), dtype=np.intp)
        for q, xq in enumerate(X):
            best, visits[q] = self._knn(xq, k, p)
            d[q, : len(best)] = root(np.array([rho for rho, _ in best]), p)
            i[q, : len(best)] = [j for _, j in best]
        self.last_query_visits = visits
        if k == 1:
            d, i = d[:, 0], i[:, 0]
        return (d[0], i[0]) if single else (d, i)

    def _knn(self, x, k, p):
        """Depth-first search with backtracking; returns [(ρ, index)] sorted and the visit count."""
        heap = []  # bounded max-heap of the k best as (−ρ, −index): heap[0] is the current k-th
        visits = 0
        stack = [(self.root, 0.0)]  # (node, lower bound on ρ from x to any point of the node)
        while stack:
            node, bound = stack.pop()
            if self._can_prune(bound, heap, k):
                continue
            visits += 1
            if node.index is not None:
                self._scan_leaf(node.index, x, k, p, heap)
                continue
            t = x[node.dim] - node.split
            near, far = (node.left, node.right) if t <= 0 else (node.right, node.left)
            # every point beyond the splitting plane has ρ ≥ |x_d − s|^p
            stack.append((far, self._far_bound(bound, t, p)))
            stack.append((near, bound))  # popped first: the near child is searched before far is tested
        best = sorted((-neg_rho, -neg_j) for neg_rho, neg_j in heap)
        return best, visits

    def _can_prune(self, bound, heap, k):
        # prune: k candidates are held and the node is farther than the k-th of them (ρ_bound > ρ_k)
        return len(heap) == k and bound > -heap[0][0]

    def _far_bound(self, bound, t, p):
        # ρ(x, far cell) ≥ max(ρ(x, parent cell), |x_d − s|^p)
        return max(bound, power(abs(t), p))

    def _rho(self, index, x, p):
        return power_distance(self.data[index], x, p)

    def _scan_leaf(self, index, x, k, p, heap):
        rho = self._rho(index, x, p)
        for r, j in zip(rho.tolist(), index.tolist()):
            if len(heap) < k:
                heapq.heappush(heap, (-r, -j))
            elif (-r, -j) > heap[0]:  # nearer than the k-th (ties: the smaller index wins)
                heapq.heapreplace(heap, (-r, -j))

    # ---------------------------------------------------------- range query
    def query_ball_point(self, x, r, p=2):
        r, p = self._check_r(r), self._check_p(p)
        X, single = self._check_x(x, self.m)
        # ‖x − y‖_p ≤ r  ⇔  ρ_p ≤ r^p
        rho_r = power(r, p)
        out = np.empty(len(X), dtype=object)
        visits = np.zeros(len(X), dtype=np.intp)
        for q, xq in enumerate(X):
            out[q], visits[q] = self._ball(xq, rho_r, p)
        self.last_query_visits = visits
        return out[0] if single else out

    def _ball(self, x, rho_r, p):
        found, visits = [], 0
        stack = [self.root]
        while stack:
            node = stack.pop()
            visits += 1
            if node.index is not None:
                found.extend(self._ball_leaf(node.index, x, rho_r, p))
                continue
            t = x[node.dim] - node.split
            # left points have y_d ≤ s: when x_d > s they are at ρ ≥ (x_d − s)^p
            if t <= 0 or self._reaches(t, rho_r, p):
                stack.append(node.left)
            # right points have y_d ≥ s: when x_d < s they are at ρ ≥ (s − x_d)^p
            if t >= 0 or self._reaches(-t, rho_r, p):
                stack.append(node.right)
        return sorted(found), visits

    def _reaches(self, gap, rho_r, p):
        # the ball reaches across a plane at distance gap ⇔ gap^p ≤ r^p
        return power(gap, p) <= rho_r

    def _ball_leaf(self, index, x, rho_r, p):
        # inclusive: ρ_p(x, y) ≤ r^p
        return index[self._rho(index, x, p) <= rho_r].tolist()
