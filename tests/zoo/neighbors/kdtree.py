"""kd-tree mutants: the reference with one bug each."""
from __future__ import annotations

import math

import numpy as np

from reference.neighbors.kdtree import KDTree, power
from tests.zoo import mutant

# ------------------------------------------------------------------ search bugs


@mutant("kdtree", bug="no backtracking: once k candidates are held the far child is never searched",
        catches=("kdtree.knn_distances", "kdtree.knn_indices"))
class NoBacktracking(KDTree):
    def _far_bound(self, bound, t, p):
        return math.inf


@mutant("kdtree", bug="pruning compares the plain plane distance |x_d − s| with the k-th distance's p-th power "
                      "ρ_k = d_k^p", catches=("kdtree.knn_distances",))
class PrunePlainVsPowered(KDTree):
    def _far_bound(self, bound, t, p):
        return max(bound, abs(t))


@mutant("kdtree", bug="prunes with the worst candidate so far even before the heap holds k candidates",
        catches=("kdtree.knn_distances",))
class BoundBeforeHeapFull(KDTree):
    def _can_prune(self, bound, heap, k):
        return bool(heap) and bound > -heap[0][0]


@mutant("kdtree", bug="neighbours returned in the max-heap's order (farthest first), not sorted",
        catches=("kdtree.knn_sorted", "kdtree.knn_distances"))
class UnsortedNeighbours(KDTree):
    def _knn(self, x, k, p):
        best, visits = super()._knn(x, k, p)
        return best[::-1], visits


@mutant("kdtree", bug="off by one: searches k + 1 neighbours and drops the nearest (meant to skip the query point "
                      "itself)", catches=("kdtree.self_zero", "kdtree.knn_distances"))
class SkipsNearest(KDTree):
    def _knn(self, x, k, p):
        best, visits = super()._knn(x, k + 1, p)
        return best[1:], visits


@mutant("kdtree", bug="off by one: only k − 1 neighbours are kept; the k-th slot is left as (inf, n)",
        catches=("kdtree.knn_distances", "kdtree.knn_indices", "kdtree.self_zero"))
class OffByOneK(KDTree):
    def _knn(self, x, k, p):
        best, visits = super()._knn(x, k, p)
        return best[: k - 1], visits


@mutant("kdtree", bug="missing neighbours (k > n) padded with index n − 1 instead of n",
        catches=("kdtree.k_exceeds_n",))
class PadsWithLastIndex(KDTree):
    def query(self, x, k=1, p=2):
        d, i = super().query(x, k=k, p=p)
        return d, np.where(i == self.n, self.n - 1, i)


@mutant("kdtree", bug="indices are positions in the tree's storage order, not indices into points",
        catches=("kdtree.knn_indices", "kdtree.permutation_invariance", "kdtree.range_exact"))
class TreeOrderIndices(KDTree):
    def __init__(self, points, leafsize=10, split="median"):
        super().__init__(points, leafsize, split)
        order, stack = [], [self.root]
        while stack:
            node = stack.pop()
            if node.index is not None:
                order.extend(node.index.tolist())
            else:
                stack += [node.right, node.left]
        self.position = np.empty(self.n, dtype=np.intp)
        self.position[order] = np.arange(self.n)

    def _knn(self, x, k, p):
        best, visits = super()._knn(x, k, p)
        return [(rho, int(self.position[j])) for rho, j in best], visits

    def _ball_leaf(self, index, x, rho_r, p):
        return self.position[super()._ball_leaf(index, x, rho_r, p)].tolist()


@mutant("kdtree", bug="candidates at a distance already in the heap are skipped (ties and duplicates collapse)",
        catches=("kdtree.duplicates", "kdtree.grid_closed_form", "kdtree.knn_distances"))
class DropsTiedCandidates(KDTree):
    def _scan_leaf(self, index, x, k, p, heap):
        held = {-neg for neg, _ in heap}
        keep = [j for j, r in zip(index.tolist(), self._rho(index, x, p).tolist()) if r not in held]
        super()._scan_leaf(np.array(keep, dtype=np.intp), x, k, p, heap)


# ---------------------------------------------------------------- metric bugs


@mutant("kdtree", bug="Chebyshev distance max(y − x) without the absolute value (MiniSom's bug)",
        catches=("kdtree.knn_distances", "kdtree.range_exact"))
class SignedChebyshev(KDTree):
    def _rho(self, index, x, p):
        if p == math.inf:
            return (self.data[index] - x).max(axis=1)
        return super()._rho(index, x, p)


@mutant("kdtree", bug="p = 1 and p = ∞ swapped: p = 1 computes the Chebyshev and p = ∞ the Manhattan distance",
        catches=("kdtree.norm_order", "kdtree.knn_distances"))
class SwappedManhattanChebyshev(KDTree):
    def _rho(self, index, x, p):
        swap = {1.0: math.inf, math.inf: 1.0}
        return super()._rho(index, x, swap.get(p, p))


# ----------------------------------------------------------------- range bugs


@mutant("kdtree", bug="strict d < r in the range query: points on the sphere are lost",
        catches=("kdtree.range_inclusive", "kdtree.grid_closed_form", "kdtree.duplicates"))
class StrictRangeBoundary(KDTree):
    def _ball_leaf(self, index, x, rho_r, p):
        return index[self._rho(index, x, p) < rho_r].tolist()


@mutant("kdtree", bug="range pruning compares the plain plane distance with r^p",
        catches=("kdtree.range_exact",))
class RangePrunesPlainVsPowered(KDTree):
    def _reaches(self, gap, rho_r, p):
        return gap <= rho_r


@mutant("kdtree", bug="range pruning test inverted: the far child is searched only when the ball cannot reach it",
        catches=("kdtree.range_exact", "kdtree.grid_closed_form"))
class InvertedRangePrune(KDTree):
    def _reaches(self, gap, rho_r, p):
        return power(gap, p) > rho_r


@mutant("kdtree", bug="a fixed result buffer of 8 indices: further points found are silently dropped",
        catches=("kdtree.range_exact", "kdtree.range_monotone"))
class TruncatedBallBuffer(KDTree):
    def _ball(self, x, rho_r, p):
        found, visits, stack = [], 0, [self.root]
        while stack:
            node = stack.pop()
            visits += 1
            if node.index is not None:
                found.extend(self._ball_leaf(node.index, x, rho_r, p))
                continue
            t = x[node.dim] - node.split
            if t <= 0 or self._reaches(t, rho_r, p):
                stack.append(node.left)
            if t >= 0 or self._reaches(-t, rho_r, p):
                stack.append(node.right)
        return sorted(found[:8]), visits


# ------------------------------------------------------------- contract bugs


@mutant("kdtree", bug="k = 1 keeps the neighbour axis: (m, 1) instead of scipy's (m,)",
        catches=("kdtree.shapes", "kdtree.knn_distances"))
class KeepsNeighbourAxis(KDTree):
    def query(self, x, k=1, p=2):
        d, i = super().query(x, k=k, p=p)
        return (d[..., None], i[..., None]) if k == 1 else (d, i)


# ------------------------------------------------------- build, determinism and default bugs


@mutant("kdtree", bug="the root cell's bounding box taken along the wrong axis (min/max over axis=1: one value per "
                      "point, not per coordinate); raises IndexError once a split coordinate is ≥ n (D > n > leafsize)",
        catches=("kdtree.knn_distances", "kdtree.self_zero"))
class BoundingBoxWrongAxis(KDTree):
    _bounding_box = staticmethod(lambda points: (points.min(axis=1), points.max(axis=1)))


@mutant("kdtree", bug="tied neighbours ordered by a random key drawn from numpy's global RNG (np.random.random): "
                      "every answer is a valid k-NN set, but not the same one twice",
        catches=("kdtree.deterministic",))
class RandomTieBreaking(KDTree):
    def _knn(self, x, k, p):
        best, visits = super()._knn(x, k, p)
        key = np.random.random(len(best))
        return [best[j] for j in sorted(range(len(best)), key=lambda j: (best[j][0], key[j]))], visits


@mutant("kdtree", bug="query's default k is 2 instead of 1", catches=("kdtree.defaults",))
class DefaultKTwo(KDTree):
    def query(self, x, k=2, p=2):
        return super().query(x, k=k, p=p)


@mutant("kdtree", bug="query's default p is 3 instead of 2", catches=("kdtree.defaults",))
class DefaultPThreeKnn(KDTree):
    def query(self, x, k=1, p=3):
        return super().query(x, k=k, p=p)


@mutant("kdtree", bug="query_ball_point's default p is 3 instead of 2", catches=("kdtree.defaults",))
class DefaultPThreeRange(KDTree):
    def query_ball_point(self, x, r, p=3):
        return super().query_ball_point(x, r, p=p)


# ------------------------------------------------------------ validation bugs


def _as_matrix(points):
    data = np.array(points, dtype=np.float64, copy=True)
    if data.ndim != 2:
        raise ValueError(f"points must be a 2-D array, got shape {data.shape}")
    return data


@mutant("kdtree", bug="no finiteness check: NaN and inf are stored and queried", catches=("kdtree.rejects_nonfinite",))
class AcceptsNonFinite(KDTree):
    @staticmethod
    def _check_points(points):
        data = _as_matrix(points)
        if data.size == 0:
            raise ValueError(f"points must hold at least one point and one coordinate, got shape {data.shape}")
        return data

    @staticmethod
    def _check_x(x, D):
        x = np.asarray(x, dtype=np.float64)
        if x.ndim not in (1, 2) or x.shape[-1] != D:
            raise ValueError(f"x must have shape ({D},) or (m, {D}), got shape {x.shape}")
        return np.atleast_2d(x), x.ndim == 1


@mutant("kdtree", bug="no emptiness check: (0, D) data reaches numpy's reductions", catches=("kdtree.rejects_empty",))
class AcceptsEmpty(KDTree):
    @staticmethod
    def _check_points(points):
        data = _as_matrix(points)
        if not np.all(np.isfinite(data)):
            raise ValueError("points must be finite")
        return data


@mutant("kdtree", bug="x's last axis not checked against D: a (1,)-point broadcasts against every coordinate",
        catches=("kdtree.rejects_wrong_dims",))
class BroadcastsQuery(KDTree):
    @staticmethod
    def _check_x(x, D):
        x = np.asarray(x, dtype=np.float64)
        if not np.all(np.isfinite(x)):
            raise ValueError("x must be finite")
        return np.atleast_2d(x), x.ndim == 1


@mutant("kdtree", bug="k not validated (k = 0 and k = 2.5 reach the heap)", catches=("kdtree.rejects_bad_k",))
class AcceptsBadK(KDTree):
    _check_k = staticmethod(lambda k: k)


@mutant("kdtree", bug="r not validated: r < 0 is squared into r² (scipy's behaviour for p = 2)",
        catches=("kdtree.rejects_negative_r",))
class AcceptsNegativeRadius(KDTree):
    _check_r = staticmethod(float)


@mutant("kdtree", bug="p not validated: p < 1 gives a non-metric 'distance' that the pruning cannot bound",
        catches=("kdtree.rejects_bad_p",))
class AcceptsBadP(KDTree):
    _check_p = staticmethod(float)


def _unnamed(check):
    def wrapped(*args):
        try:
            return check(*args)
        except ValueError:
            raise ValueError("invalid input") from None
    return staticmethod(wrapped)


@mutant("kdtree", bug="every bad input raises ValueError('invalid input'), which names no parameter",
        catches=("kdtree.rejects_nonfinite", "kdtree.rejects_wrong_dims", "kdtree.rejects_empty",
                 "kdtree.rejects_bad_k", "kdtree.rejects_negative_r", "kdtree.rejects_bad_p"))
class UnnamedErrors(KDTree):
    _check_points, _check_x = _unnamed(KDTree._check_points), _unnamed(KDTree._check_x)
    _check_k, _check_p, _check_r = _unnamed(KDTree._check_k), _unnamed(KDTree._check_p), _unnamed(KDTree._check_r)
