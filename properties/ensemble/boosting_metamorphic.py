"""Boosting invariants that refit on transformed data or under another global random state, from ``fit`` and
``predict(output_margin=True)`` alone: row permutation, monotone feature maps, target scaling, determinism.
Near-ties are decided from the data (``properties.ensemble.fitting.near_tie``), never from the implementation's
trees.  The contract is ``properties.ensemble.boosting``'s docstring."""
from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from properties.engine import Tolerance, assert_close, assert_deterministic, call, invariant, supports
from properties.ensemble.boosting import SOURCE, TOPIC
from properties.ensemble.boosting_data import SEEDS, boosting_data
from properties.ensemble.fitting import ROUNDOFF, Fit, bound, near_tie, near_tie_counts
from properties.oracles import boosting as ob

BOTH = {"objective": None}
#: at least this share of the examples must be compared (the rest skipped as near-ties) for a verdict
MIN_COMPARED = 0.6


def _moving_permutation(n: int, seed: int) -> np.ndarray:
    """A random permutation of n rows, the reversal where that would be the identity."""
    perm = np.random.default_rng(seed).permutation(n)
    return perm if (perm != np.arange(n)).any() else np.arange(n)[::-1].copy()


#: at most 12 rows: binary labels tie exactly (two partitions with the same counts) about half as often as with 20
permuted = st.builds(lambda data, seed: {**data, "perm": _moving_permutation(data["X"].shape[0], seed)},
                     boosting_data(generic=True, max_rows=12), SEEDS)


@invariant(TOPIC, "boosting.row_permutation_invariance",
           statement="fit(ΠX, Πy) predicts the training rows as fit(X, y) does, for any row permutation Π",
           why="G, H, the candidate thresholds and the gains are symmetric functions of the rows.  Examples whose "
               "fit hinges on a near-tie (decided from the data; reported as skipped_near_ties) are skipped: there "
               "round-off may legitimately pick either.",
           source=SOURCE + ", §2–3", kind="metamorphic", tolerance=ROUNDOFF, strategy=permuted, max_examples=8,
           draws=BOTH, min_compared=MIN_COMPARED)
def row_permutation_invariance(impl, data):
    a = Fit(impl, data)
    if near_tie(a):
        return near_tie_counts(True)
    p = data["perm"]
    b = Fit(impl, data, X=a.X[p], y=a.y[p])
    # training rows only: candidates with the same partition of the training rows are equally good,
    # and may route unseen rows (a NaN where the training rows had none) differently
    ma, mb = a.margin(), b.margin(a.X)
    tol = 8 * a.u * (a.params["n_estimators"] + 2) * (1 + np.abs(ma).max()) * (1 + a.y.size)
    assert_close(mb, ma, tol=bound(tol, "the margins"), what="margins of the fit on permuted rows vs the original fit")
    return near_tie_counts(False)


TRANSFORMS = {"x·|x|": lambda x: x * np.abs(x), "x³+x": lambda x: x**3 + x, "arctan(x)": np.arctan,
              "sign(x)·log(1+|x|)": lambda x: np.sign(x) * np.log1p(np.abs(x))}


transformed = st.builds(lambda data, name, j: {**data, "transform": name, "column": j % data["X"].shape[1]},
                        boosting_data(), st.sampled_from(sorted(TRANSFORMS)), st.integers(0, 2))


@invariant(TOPIC, "boosting.monotone_feature_transform",
           statement="x_j ↦ φ(x_j) with φ strictly increasing leaves the fitted predictions on the training rows unchanged",
           why="A threshold split only sees the order of a feature's values: φ maps every candidate partition to the "
               "same partition, with the same gain and the same scan order (Algorithm 1 sorts the values).",
           source=SOURCE + ", Algorithm 1", kind="metamorphic", tolerance=ROUNDOFF, strategy=transformed,
           max_examples=6, draws=BOTH)
def monotone_feature_transform(impl, data):
    X, name, j = data["X"], data["transform"], data["column"]
    Xt = X.copy()
    Xt[:, j] = TRANSFORMS[name](X[:, j]).astype(np.float32)          # exactly representable in float32
    values = np.unique(X[~np.isnan(X[:, j]), j])
    assume(np.all(np.diff(TRANSFORMS[name](values).astype(np.float32)) > 0))  # strictly increasing after rounding
    a, b = Fit(impl, data), Fit(impl, data, X=Xt)
    ma, mb = a.margin(), b.margin()
    tol = 4 * a.u * (a.params["n_estimators"] + 2) * (1 + np.abs(ma).max())
    assert_close(mb, ma, tol=bound(tol, "the margins"), what=f"training margins after x_{j} ↦ {name}(x_{j})")


@invariant(TOPIC, "boosting.target_scaling",
           statement="squared error: fit(X, c·y) with base c·b, γ·c² (λ, min_child_weight unchanged) predicts c·ŷ on the training rows",
           why="g = ŷ − y scales by c and h = 1 does not, so w* = −G/(H+λ) scales by c and every gain by c²; γ must "
               "scale with the gains.  Examples hinging on a near-tie (incl. the fixed 1e-6 split threshold; decided "
               "from the data) are skipped.",
           source=SOURCE + ", eq. (5) and (7)", kind="metamorphic", tolerance=ROUNDOFF,
           strategy=st.builds(lambda d, c: {**d, "c": c}, boosting_data(objectives=(ob.SQUARED,), generic=True),
                              st.sampled_from([0.25, 0.5, 2.0, 4.0, 3.0, 10.0])),
           max_examples=8, draws={"objective": (ob.SQUARED,)}, requires={"objective": (ob.SQUARED,)},
           min_compared=MIN_COMPARED)
def target_scaling(impl, data):
    c = data["c"]
    a = Fit(impl, data, objective=ob.SQUARED)
    if near_tie(a, scale=c):
        return near_tie_counts(True)
    b_given = a.params["base_score"]
    b = Fit(impl, data, objective=ob.SQUARED, y=c * a.y, gamma=a.params["gamma"] * c * c,
            base_score=None if b_given is None else c * b_given)
    ma, mb = a.margin(), b.margin()       # training rows (see row_permutation_invariance)
    tol = 8 * a.u * (a.params["n_estimators"] + 2) * c * (1 + np.abs(ma).max()) * (1 + a.y.size)
    assert_close(mb, c * ma, tol=bound(tol, "the margins"), what=f"training margins after y ↦ {c:g}·y vs {c:g}·margins")
    return near_tie_counts(False)


@invariant(TOPIC, "boosting.deterministic",
           statement="fit(X, y) twice, under different global random states: identical margins (and trees)",
           why="Exact greedy boosting without subsampling is a function of its input: sorting, scanning and the tie "
               "rule involve nothing random, so an implementation must not draw from a global random number "
               "generator (Hypothesis reseeds those for every example, which would otherwise hide it).",
           source=SOURCE + ", Algorithms 1 and 3; xgboost's subsample = colsample_bytree = 1", kind="exact",
           tolerance=Tolerance(reason="bit-identical: the same deterministic computation twice"),
           strategy=boosting_data(flavours=("integer", "grid")), max_examples=5, draws=BOTH)
def deterministic(impl, data):
    def run():
        fit = Fit(impl, data)
        X = np.vstack([fit.X, data["X_new"]])
        trees = call(fit.est.get_trees) if supports("operations", "trees") else None
        return fit.margin(X), fit.base_score(), trees

    assert_deterministic(run, what="fit(X, y): the margins, base_score_ or trees")
