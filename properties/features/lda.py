"""LDA as a transformer: projection onto Fisher's discriminant directions.

Contract (scikit-learn's ``sklearn.discriminant_analysis.LinearDiscriminantAnalysis``, solver="svd")::

    est = Cls(n_components=m)           # 1 ≤ m ≤ min(C − 1, d); None: min(C − 1, d)
    est.fit(X, y) -> est                # X: (n, d) float64, finite, within-class covariance non-singular; C ≥ 2
    est.transform(X) -> Z = (X − x̄) W   # (n, m); W's columns w_j solve Σ_B w = λ Σ_W w, λ₁ ≥ … ≥ λ_m, with
                                        # Σ_W = (1/n) Σ_k Σ_{i∈k}(xᵢ − μ_k)(xᵢ − μ_k)ᵀ (the prior-weighted,
                                        # ddof-0 within-class covariance) and wᵀΣ_W w = 1
    est.explained_variance_ratio_       # (m,): λ_j / Σ_{i ≤ min(C−1, d)} λ_i
    est.fit_transform(X, y);  est.get_feature_names_out(): m names
    bad input: NaN, a transform-time width other than fit's (X), m > min(C − 1, d) (n_components) → ValueError

Data: C ∈ {2, 3, 4} Gaussian classes of unequal sizes with separated means, correlated features, at
scales 1, 1e-5, 1e3, with cond(Σ_W) < 1e6; directions are compared (up to sign) only where λ_j is simple.
"""
from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.engine import Implementation, Tolerance, Topic, assert_close, assert_leq, assert_true, expect_array, invariant
from properties.features.transformer_api import (NAN_AT_FIT, WRONG_WIDTH, BadInput, build, fitted, iris_cases,
                                                 register_api, register_crosscheck, transform)
from properties.oracles.features import fisher_criterion, fisher_directions, scatter_matrices

TOPIC = Topic(
    name="lda", title="Linear discriminant analysis as a transformer (LDA)", contract=__doc__,
    reference="reference.features.lda:LinearDiscriminantAnalysis",
    implementations=[Implementation("sklearn.discriminant_analysis:LinearDiscriminantAnalysis", requires=("sklearn",),
                                    precision="float64")],
)
SOURCE = "Fisher, 'The use of multiple measurements in taxonomic problems' (1936); Rao (1948); Hastie, Tibshirani & Friedman, ESL §4.3.3"
WHITE = Tolerance(atol=1e-9, reason="whitening by Σ_W^{-1/2} amplifies round-off by cond(Σ_W) < 1e6: ≤ 1e6·d·ε ≈ 1e-9")
SPECTRUM = Tolerance(rtol=1e-8, atol=1e-9, reason="eigenvalues of the whitened between-class covariance, exact to "
                     "cond(Σ_W)·ε relative")
DIRECTION = Tolerance(atol=1e-6, reason="an eigenvector moves by ~cond·ε / relative gap; compared only where the gap ≥ 1e-3")


@st.composite
def cases(draw, n_components=None):
    C = draw(st.sampled_from((2, 3, 4)), label="C")
    d = draw(st.integers(1, 4), label="d")
    sizes = draw(st.lists(st.integers(d + 1, d + 6), min_size=C, max_size=C), label="class sizes")
    rng = np.random.default_rng(draw(st.integers(0, 2**16), label="seed"))
    means = rng.standard_normal((C, d)) * draw(st.sampled_from((1.0, 3.0)), label="separation")
    mixing = np.eye(d) + draw(st.sampled_from((0.0, 0.5)), label="correlation") * rng.standard_normal((d, d))
    X = np.vstack([means[k] + rng.standard_normal((s, d)) @ mixing for k, s in enumerate(sizes)])
    X = X * draw(st.sampled_from((1.0, 1e-5, 1e3)), label="scale")
    y = np.repeat(draw(st.sampled_from(((0, 1, 2, 3), (5, -1, 2, 9))), label="labels")[:C], sizes)
    perm = rng.permutation(y.size)
    X, y = X[perm], y[perm]
    Sw, _, _ = scatter_matrices(X, y)
    assume(np.linalg.cond(Sw) < 1e6)
    top = min(C - 1, d)
    m = draw(st.integers(1, top), label="n_components") if n_components == "drawn" else n_components
    return {"X": X, "y": y, "params": {"n_components": m}, "top": top}


def _too_many(impl, data):
    est = build(impl, {**data, "params": {"n_components": data["top"] + 1}})
    return lambda: est.fit(data["X"], data["y"])


register_api(TOPIC, cases=cases(n_components="drawn"),
             bad_input={"nan": NAN_AT_FIT, "width": WRONG_WIDTH,
                        "too_many_components": BadInput("n_components > min(C − 1, d)", _too_many, ("n_components",))})


def within_between(Z, y):
    """Σ_W and Σ_B of the projection (divided by n)."""
    Sw, Sb, _ = scatter_matrices(Z, y)
    return Sw / Z.shape[0], Sb / Z.shape[0]


@invariant(TOPIC, "lda.at_most_c_minus_1",
           statement="transform(X) has m = n_components columns, min(C − 1, d) by default",
           why="Σ_B is a sum of C rank-one terms constrained by Σ π_k(μ_k − x̄) = 0: rank ≤ C − 1, so at most C − 1 "
               "directions separate the classes.",
           source=SOURCE, kind="exact", strategy=cases(), max_examples=6)
def at_most_c_minus_1(impl, data):
    Z = transform(fitted(impl, data), data["X"])
    assert_true(Z.shape[1] == data["top"], f"transform(X) has {Z.shape[1]} columns; min(C − 1, d) = {data['top']}")


@invariant(TOPIC, "lda.within_class_whitened",
           statement="the within-class covariance of Z = transform(X) is I_m (prior-weighted, ddof 0)",
           why="The directions are normalised by wᵀΣ_W w = 1 and are Σ_W-orthogonal (generalised eigenvectors).",
           source=SOURCE, kind="tolerance", tolerance=WHITE, strategy=cases(n_components="drawn"), max_examples=6)
def within_class_whitened(impl, data):
    Z = transform(fitted(impl, data), data["X"])
    Sw, _ = within_between(Z, data["y"])
    assert_close(Sw, np.eye(Z.shape[1]), what="within-class covariance of the projection")


@invariant(TOPIC, "lda.class_means_separated",
           statement="the between-class covariance of Z is diag(λ₁ ≥ … ≥ λ_m), λ_j > 0: the projected class means are "
                     "separated along every direction",
           why="wⱼᵀΣ_B wₖ = λⱼ δⱼₖ for Σ_W-normalised generalised eigenvectors; the kept λ are the largest, all positive.",
           source=SOURCE, kind="tolerance", tolerance=SPECTRUM, strategy=cases(n_components="drawn"), max_examples=6)
def class_means_separated(impl, data):
    X, y = data["X"], data["y"]
    Z = transform(fitted(impl, data), X)
    _, Sb = within_between(Z, y)
    lam, _ = fisher_directions(X, y)
    m = Z.shape[1]
    scale = 1.0 + lam[0]
    assert_close(Sb / scale, np.diag(lam[:m]) / scale, what="between-class covariance of the projection / (1 + λ₁)")
    assert_true((lam[:m] > 0).all(), f"λ = {lam[:m].tolist()} must be positive")


@st.composite
def with_directions(draw):
    data = draw(cases())
    d = data["X"].shape[1]
    U = draw(hnp.arrays(np.float64, (6, d), elements=st.floats(-1, 1, width=64)), label="U")
    return {**data, "U": U[np.linalg.norm(U, axis=1) > 1e-3]}


@invariant(TOPIC, "lda.fisher_optimal",
           statement="J(w₁) = λ₁ = max_u J(u), J(u) = uᵀΣ_B u / uᵀΣ_W u: the first direction beats every drawn direction",
           why="The first discriminant direction maximises Fisher's criterion (a generalised Rayleigh quotient).",
           source=SOURCE, kind="tolerance", tolerance=SPECTRUM, strategy=with_directions(), max_examples=6)
def fisher_optimal(impl, data):
    X, y, U = data["X"], data["y"], data["U"]
    est = fitted(impl, data)
    Z = transform(est, X)
    Sw, Sb, _ = scatter_matrices(X, y)
    # the implementation's first direction, recovered from its projection of the centred data
    w = np.linalg.lstsq(X - X.mean(axis=0), Z[:, 0] - Z[:, 0].mean(), rcond=None)[0]
    lam, _ = fisher_directions(X, y)
    best = fisher_criterion(w, Sw, Sb)
    assert_close(best, lam[0], what="J(w₁) vs λ₁")
    for u in U:
        assert_leq(fisher_criterion(u, Sw, Sb), best, what="J(u) ≤ J(w₁)")


@invariant(TOPIC, "lda.generalized_eigh",
           statement="W's columns = the eigenvectors of Σ_B w = λ Σ_W w (scipy.linalg.eigh) up to sign, where λ_j is "
                     "simple; explained_variance_ratio_ = λ_j / Σλ",
           why="Fisher's directions are the generalised eigenvectors; their eigenvalues are the between-class variances "
               "the ratio is made of.",
           source=SOURCE + "; scipy.linalg.eigh(S_B, S_W)", kind="tolerance",
           tolerance={"default": SPECTRUM, "direction": DIRECTION}, strategy=cases(n_components="drawn"), max_examples=6)
def generalized_eigh(impl, data):
    X, y = data["X"], data["y"]
    est = fitted(impl, data)
    Z = transform(est, X)
    m = Z.shape[1]
    lam, V = fisher_directions(X, y)
    ratio = expect_array(est.explained_variance_ratio_, name="explained_variance_ratio_", shape=(m,))
    assert_close(ratio, lam[:m] / lam[: data["top"]].sum(), what="explained_variance_ratio_")
    W = np.linalg.lstsq(X - X.mean(axis=0), Z - Z.mean(axis=0), rcond=None)[0]
    Sw, _, _ = scatter_matrices(X, y)
    for j in range(m):
        if np.delete(np.abs(lam - lam[j]), j).min(initial=np.inf) < 1e-3 * lam[0]:
            continue  # λ_j is (nearly) repeated: its eigenvector is not determined
        c = float(W[:, j] @ (Sw / X.shape[0]) @ V[:, j])
        assert_close(abs(c), 1.0, tol="direction", what=f"|⟨w_{j + 1}, v_{j + 1}⟩_Σ_W| (the same unit direction up to sign)")


def same_projection(a, b, data):
    X = data["X"]
    Za = transform(fitted(a, data), X, "reference transform(X)")
    Zb = transform(fitted(b, data), X, "library transform(X)")
    lam, _ = fisher_directions(X, data["y"])
    assert_true(Za.shape == Zb.shape, f"shapes differ: {Za.shape} vs {Zb.shape}")
    for j in range(Za.shape[1]):
        if np.delete(np.abs(lam - lam[j]), j).min(initial=np.inf) < 1e-3 * lam[0]:
            continue
        sign = 1.0 if Za[:, j] @ Zb[:, j] >= 0 else -1.0
        u = max(np.abs(Za[:, j]).max(), 1e-300)
        assert_close(sign * Zb[:, j] / u, Za[:, j] / u, tol="direction", what=f"projection {j} (up to sign)")


register_crosscheck(TOPIC, "sklearn.discriminant_analysis:LinearDiscriminantAnalysis", compare=same_projection,
                    tolerance={"default": SPECTRUM, "direction": DIRECTION},
                    strategy=st.one_of(iris_cases(st.just({"n_components": None}), supervised=True), cases()),
                    statement="reference and scikit-learn project identically (each direction up to sign, where λ is "
                              "simple) on iris and on generated data")
