"""Querying a nearest-neighbour implementation in scipy's shapes, and comparing answers the way the contract
allows: tied neighbours by distance or as sets, never by index; range sets up to the rounding of r.

Every call goes through :func:`properties.engine.call`; every tie or rounding band is the running invariant's
own tolerance (:func:`properties.engine.tolerance`), never a second copy of it.
"""
from __future__ import annotations

import re

import numpy as np

from properties.engine import ImplementationFailure, InvariantViolation, assert_true, call, expect_array, tolerance


def knn(impl_or_tree, P, X, k, p, *, tree=None):
    """``query(X, k=k, p=p)`` with scipy's shapes checked; returns (m, k) distances and int64 indices."""
    tree = tree if tree is not None else call(impl_or_tree, P)
    out = call(tree.query, X, k=k, p=p)
    return knn_arrays(out, len(X), k, f"query(x, k={k}, p={p})")


def knn_arrays(out, m, k, what):
    """Validate a ``query`` answer for m query rows: a pair (d, i) of shape (m,) for k = 1, else (m, k)."""
    if not (isinstance(out, tuple) and len(out) == 2):
        raise ImplementationFailure(f"{what} must return a pair (d, i), got {type(out).__name__}")
    shape = (m,) if k == 1 else (m, k)
    d = expect_array(out[0], name=f"{what} distances", shape=shape, allow_inf=True, dtype_kind="f")
    i = expect_array(out[1], name=f"{what} indices", shape=shape, dtype_kind="iu")
    return d.reshape(m, k), i.reshape(m, k).astype(np.int64)


def balls(tree, X, r, p=None):
    """``query_ball_point(X, r, p=p)`` (p left to its default when None) as a list of index lists."""
    out = call(tree.query_ball_point, X, r) if p is None else call(tree.query_ball_point, X, r, p=p)
    if len(out) != len(X):
        raise ImplementationFailure(f"query_ball_point on {len(X)} points returned {len(out)} results")
    sets = []
    for q, s in enumerate(out):
        a = np.asarray(list(s))
        if a.size and (a.ndim != 1 or a.dtype.kind not in "iu"):
            raise ImplementationFailure(f"query_ball_point result {q} is not a list of integer indices: {s!r}")
        sets.append([int(j) for j in a])
    return sets


def distances_of(D_row, idx):
    """True distances of ``idx`` for a report (an index outside [0, n) is named as such)."""
    return [float(D_row[j]) if 0 <= j < len(D_row) else f"index {j} out of range" for j in idx]


def tied(D_row, value):
    """Indices whose true distance equals ``value`` within the invariant's tolerance (relative)."""
    if not np.isfinite(value):
        return set()
    return set(np.flatnonzero(np.abs(D_row - value) <= tolerance().rtol * abs(value)).tolist())


def same_up_to_ties(iA, iB, dk, D, n, what):
    """Two k-neighbour index sets may differ only among the points tied at the k-th distance ``dk``."""
    for q in range(len(iA)):
        diff = set(iA[q][iA[q] < n].tolist()) ^ set(iB[q][iB[q] < n].tolist())
        stray = diff - tied(D[q], dk[q])
        assert_true(not stray, f"{what}, query {q}: index sets differ by {sorted(stray)}, which are not tied at the "
                               f"k-th distance {float(dk[q])!r} (their distances: {distances_of(D[q], sorted(stray))})")


def same_balls(SA, SB, D, r, what):
    """Two range answers may differ only by points within rounding of the sphere ‖x − y‖_p = r."""
    for q, (a, b) in enumerate(zip(SA, SB)):
        stray = (set(a) ^ set(b)) - tied(D[q], r)
        assert_true(not stray, f"{what}, query {q}: sets differ by {sorted(stray)} at distances "
                               f"{distances_of(D[q], sorted(stray))}, not within rounding of r = {r!r}")


def expect_rejection(fn, names, what):
    """``fn()`` must raise a ValueError whose message names one of ``names`` (as a word)."""
    try:
        out = fn()
    except ValueError as exc:
        named = any(re.search(rf"(?<![A-Za-z_]){n}(?![A-Za-z_])", str(exc), re.I) for n in names)
        assert_true(named, f"{what}: ValueError({str(exc)!r}) does not name the parameter ({' or '.join(names)})")
        return
    except Exception as exc:  # noqa: BLE001 — any other exception is the implementation's answer, judged here
        raise InvariantViolation(f"{what}: raised {type(exc).__name__}({exc}) instead of a ValueError naming "
                                 f"{' or '.join(names)}") from None
    raise InvariantViolation(f"{what}: accepted and returned {str(out)[:120]!r}; expected a ValueError naming "
                             f"{' or '.join(names)}")
