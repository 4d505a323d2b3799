"""PCA: invariants of principal component analysis.

Contract (scikit-learn's estimator API)::

    est = Cls(n_components=k)          # k: int, 1 <= k <= min(n, d)
    est.fit(X)                         # X: (n, d) float64, n >= 2; returns self; deterministic in X
    est.components_                    # (k, d), rows = principal axes
    est.explained_variance_            # (k,), eigenvalues of the ddof=1 sample covariance
    est.explained_variance_ratio_      # (k,), explained_variance_ / total variance   [operation, optional]
    est.mean_                          # (d,)
    est.transform(X) -> (m, k)         # (X − mean_) componentsᵀ
    est.inverse_transform(Z) -> (m, d) # Z components + mean_                          [operation, optional]

Sizes are measured in the data's own unit s = max|X − X̄| (``properties.strategies.unit``, never floored at
1), so every tolerance is relative at every scale: variances are compared after division by s², vectors by
s.  Where the top-k subspace is not unique (λ_k = λ_{k+1}, up to a relative gap of 1e-4) no check compares
components; such checks compare the spectrum alone.  Data are drawn in adversarial flavours and with a chosen
spectrum (repeated and near-repeated eigenvalues, ``properties.strategies.spectral_data``), at scales 1, 1e-5
and 1e3.

Out of scope — data whose variance float64 cannot resolve (``properties.strategies.resolvable``): constant
data, spreads whose squares underflow, and spreads below 1e-4 of the data's magnitude.
"""
from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.engine import (Axis, Implementation, Tolerance, Topic, assert_close, assert_deterministic, assert_leq,
                               assert_true, call, crosscheck, expect_array, invariant, supports)
from properties.oracles.linalg import covariance_spectrum, projector, sample_covariance, top_k_is_determined
from properties.strategies import at_scale, matrices, orthogonal_matrices, resolvable, spectral_data, unit

OPERATIONS = ("inverse_transform", "explained_variance_ratio_")
_X = np.array([[0.0, 1.0], [1.0, 3.0], [3.0, 2.0]])


def _probe_operation(impl, operation):
    est = call(impl, n_components=1)
    call(est.fit, _X)
    if operation == "inverse_transform":
        call(est.inverse_transform, call(est.transform, _X))
    else:
        expect_array(getattr(est, operation), name=operation)


TOPIC = Topic(
    name="pca",
    title="Principal component analysis",
    contract=__doc__,
    reference="reference.decomposition.pca:PCA",
    implementations=[
        Implementation('reference.decomposition.pca:PCA(method="eigh")', precision="float64",
                       note="the reference's covariance-eigendecomposition solver"),
        Implementation("sklearn.decomposition:PCA", requires=("sklearn",), precision="float64"),
    ],
    axes=(Axis("operations", OPERATIONS, "the optional parts of the estimator API", probe=_probe_operation,
               detect=lambda impl: [op for op in OPERATIONS
                                    if op != "inverse_transform" or callable(getattr(impl, op, None))]),),
)

ROUNDOFF = Tolerance(rtol=0, atol=1e-9, reason="eigen-solver round-off is ~n·ε·‖C‖ ≈ 1e-13 in units of s²; 1e-9 "
                     "leaves four orders of margin")
SUBSPACE = Tolerance(rtol=0, atol=1e-7, reason="projectors are compared only when the relative eigengap is ≥ 1e-4, "
                     "so their round-off is ≤ ε/gap ≈ 1e-12")
ORTHONORMAL = Tolerance(atol=1e-10, reason="a computed orthonormal basis is orthonormal to ~d·ε ≈ 1e-15")
SOURCE = "Jolliffe, Principal Component Analysis (2002), §1.1 and §3.1; Pearson (1901); Hotelling (1933)"


@st.composite
def fit_data(draw, full_rank: bool = False):
    """X (n ≥ 2, resolvable) at scale 1, 1e-5 or 1e3, and k ∈ [1, min(n, d)] (k = min(n, d) when ``full_rank``)."""
    X = draw(at_scale(st.one_of(matrices(min_rows=2, max_rows=25, max_cols=5), spectral_data())), label="X")
    assume(resolvable(X))
    kmax = min(X.shape)
    k = kmax if full_rank else draw(st.integers(1, kmax), label="k")
    return {"X": X, "k": k}


def fitted(impl, X, k):
    est = call(impl, n_components=k)
    out = call(est.fit, X)
    assert_true(out is est, "fit(X) must return self (scikit-learn estimator contract)")
    return est


# each fitted attribute is read where a check needs it, so a missing one fails only the checks that use it
def components(est, X, k):
    return expect_array(est.components_, shape=(k, X.shape[1]), name="components_")


def variances(est, k):
    return expect_array(est.explained_variance_, shape=(k,), name="explained_variance_")


def mean_of(est, X):
    return expect_array(est.mean_, shape=(X.shape[1],), name="mean_")


def ratio(est, k):
    return expect_array(est.explained_variance_ratio_, shape=(k,), name="explained_variance_ratio_")


def transform(est, X, k):
    return expect_array(call(est.transform, X), shape=(X.shape[0], k), name="transform(X)")


@invariant(TOPIC, "pca.components_orthonormal", statement="W Wᵀ = I_k for W = components_",
           why="Principal axes are eigenvectors of the symmetric covariance, chosen orthonormal (also inside an "
               "eigenspace of a repeated eigenvalue, where a general eigen-solver need not return them so).",
           source=SOURCE, kind="tolerance", tolerance=ORTHONORMAL, strategy=fit_data(), max_examples=25)
def components_orthonormal(impl, data):
    X, k = data["X"], data["k"]
    W = components(fitted(impl, X, k), X, k)
    assert_close(W @ W.T, np.eye(k), what="W Wᵀ")


@invariant(TOPIC, "pca.variance_sorted", statement="λ₁ ≥ λ₂ ≥ … ≥ λ_k ≥ 0",
           why="Components are ordered by the variance they explain; a variance cannot be negative.",
           source=SOURCE, kind="tolerance", tolerance=ROUNDOFF, strategy=fit_data(), max_examples=25)
def variance_sorted(impl, data):
    X, k = data["X"], data["k"]
    lam = variances(fitted(impl, X, k), k) / unit(X) ** 2
    for j in range(k - 1):
        assert_leq(lam[j + 1], lam[j], what=f"λ_{j + 2} ≤ λ_{j + 1} (units of s²)")
    assert_leq(0.0, lam[-1], what=f"λ_{k} ≥ 0 (units of s²)")


@invariant(TOPIC, "pca.variance_is_top_eigenvalues",
           statement="explained_variance_ = top-k eigenvalues of C = (X−X̄)ᵀ(X−X̄)/(n−1)",
           why="The j-th principal variance is the j-th largest eigenvalue of the unbiased sample covariance (ddof = 1).",
           source=SOURCE, kind="tolerance", tolerance=ROUNDOFF, strategy=fit_data(), max_examples=30)
def variance_is_top_eigenvalues(impl, data):
    X, k = data["X"], data["k"]
    lam = variances(fitted(impl, X, k), k)
    s2 = unit(X) ** 2
    assert_close(lam / s2, covariance_spectrum(X)[:k] / s2, what="explained_variance_ / s²")


@invariant(TOPIC, "pca.ratio_of_total_variance",
           statement="ratio_j = λ_j / tr C; Σ_j ratio_j ≤ 1, = 1 when k = min(n, d)",
           why="The ratio divides by the total variance tr C = Σ all eigenvalues, so the kept share is at most 1 and all of it at full rank.",
           source=SOURCE, kind="tolerance", tolerance=ROUNDOFF, strategy=fit_data(), max_examples=25,
           requires={"operations": ("explained_variance_ratio_",)})
def ratio_of_total_variance(impl, data):
    X, k = data["X"], data["k"]
    r = ratio(fitted(impl, X, k), k)
    total = np.trace(sample_covariance(X))
    assert_close(r, covariance_spectrum(X)[:k] / total, what="explained_variance_ratio_")
    assert_leq(float(r.sum()), 1.0, what="Σ explained_variance_ratio_")
    if k == min(X.shape):
        assert_close(r.sum(), 1.0, what="Σ explained_variance_ratio_ at full rank")


@invariant(TOPIC, "pca.mean_is_column_mean", statement="mean_ = X̄ = (1/n) Σᵢ xᵢ",
           why="PCA centres the data at its sample mean before the eigendecomposition.",
           source=SOURCE, kind="tolerance", tolerance=ROUNDOFF, strategy=fit_data(), max_examples=15)
def mean_is_column_mean(impl, data):
    X, k = data["X"], data["k"]
    mean = mean_of(fitted(impl, X, k), X)
    s = unit(X)
    assert_close(mean / s, X.mean(axis=0) / s, what="mean_ / s")


@invariant(TOPIC, "pca.scores_decorrelated",
           statement="Z = transform(X): Z̄ = 0 and Cov(Z) = diag(λ₁…λ_k) (ddof = 1)",
           why="Z = (X − X̄)Wᵀ with orthonormal eigenvectors W, so Cov(Z) = W C Wᵀ = diag(λ) — inside a repeated "
               "eigenvalue's eigenspace too, which is where non-orthogonal eigenvectors show.",
           source=SOURCE, kind="tolerance", tolerance=ROUNDOFF, strategy=fit_data(), max_examples=30)
def scores_decorrelated(impl, data):
    X, k = data["X"], data["k"]
    est = fitted(impl, X, k)
    s = unit(X)
    Z = transform(est, X, k) / s
    assert_close(Z.mean(axis=0), np.zeros(k), what="column means of transform(X) / s")
    lam = covariance_spectrum(X)[:k] / s ** 2
    assert_close(sample_covariance(Z), np.diag(lam), what="Cov(transform(X)) / s²")


@invariant(TOPIC, "pca.reconstruction_error",
           statement="‖X − X̂‖²_F / (n−1) = Σ_{j>k} λ_j for X̂ = inverse_transform(transform(X))",
           why="Projecting onto the top-k eigenvectors discards exactly the variance of the others (Eckart–Young).",
           source="Eckart & Young (1936); " + SOURCE, kind="tolerance", tolerance=ROUNDOFF,
           strategy=fit_data(), max_examples=30, requires={"operations": ("inverse_transform",)})
def reconstruction_error(impl, data):
    X, k = data["X"], data["k"]
    est = fitted(impl, X, k)
    Xhat = expect_array(call(est.inverse_transform, transform(est, X, k)), shape=X.shape, name="inverse_transform(Z)")
    s2 = unit(X) ** 2
    err = np.sum((X - Xhat) ** 2) / (X.shape[0] - 1)
    assert_close(err / s2, covariance_spectrum(X)[k:].sum() / s2, what="reconstruction error / s²")


@invariant(TOPIC, "pca.full_rank_round_trip", statement="k = min(n, d) ⇒ inverse_transform(transform(X)) = X",
           why="With every non-null direction kept, the projection is the identity on the (centred) data.",
           source=SOURCE, kind="tolerance", tolerance=ROUNDOFF, strategy=fit_data(full_rank=True), max_examples=20,
           requires={"operations": ("inverse_transform",)})
def full_rank_round_trip(impl, data):
    X, k = data["X"], data["k"]
    est = fitted(impl, X, k)
    Xhat = expect_array(call(est.inverse_transform, transform(est, X, k)), shape=X.shape, name="inverse_transform(Z)")
    s = unit(X)
    assert_close(Xhat / s, X / s, what="round trip / s")


@invariant(TOPIC, "pca.transform_is_affine_projection",
           statement="transform(Y) = (Y − mean_) componentsᵀ for new points Y",
           why="The fitted map is the orthogonal projection of the centred input onto the principal axes; nothing else (no whitening, no refit).",
           source=SOURCE, kind="tolerance", tolerance=ROUNDOFF,
           strategy=st.tuples(fit_data(), hnp.arrays(np.float64, (4, 5), elements=st.integers(-5, 5).map(float))),
           max_examples=20)
def transform_is_affine_projection(impl, pair):
    data, Y = pair
    X, k = data["X"], data["k"]
    Y = Y[:, : X.shape[1]] * unit(X)
    est = fitted(impl, X, k)
    W, mean = components(est, X, k), mean_of(est, X)
    Z = expect_array(call(est.transform, Y), shape=(Y.shape[0], k), name="transform(Y)")
    s = max(unit(X), float(np.abs(Y).max(initial=0.0)), float(np.abs(mean).max(initial=0.0)))
    assert_close(Z / s, (Y - mean) @ W.T / s, what="transform(Y) / s")


def _same_fit(est_a, est_b, X, k, *, variance_factor: float, rotation: np.ndarray | None, what: str):
    """Spectra equal (after the factor) and — where the subspace is determined — projectors equal."""
    la, lb = variances(est_a, k), variances(est_b, k)
    s2 = unit(X) ** 2
    assert_close(lb / (s2 * variance_factor), la / s2, what=f"{what}: explained_variance_")
    if supports("operations", "explained_variance_ratio_"):
        assert_close(ratio(est_b, k), ratio(est_a, k), what=f"{what}: explained_variance_ratio_")
    if top_k_is_determined(covariance_spectrum(X), k):
        Wa, Wb = components(est_a, X, k), components(est_b, X, k)
        expected = projector(Wa) if rotation is None else rotation @ projector(Wa) @ rotation.T
        assert_close(projector(Wb), expected, tol="subspace", what=f"{what}: projector onto the principal subspace")


@st.composite
def translated(draw):
    data = draw(fit_data())
    s = unit(data["X"])
    c = draw(hnp.arrays(np.float64, data["X"].shape[1], elements=st.integers(-50, 50).map(float)), label="c") * s
    assume(resolvable(data["X"], offset=float(np.abs(c).max())))
    return {**data, "c": c}


@invariant(TOPIC, "pca.translation_invariance",
           statement="fit(X + c): same λ, same principal subspace, mean_ shifted by c",
           why="Centring removes any constant offset before the covariance is formed.",
           source=SOURCE, kind="metamorphic", tolerance={"default": ROUNDOFF, "subspace": SUBSPACE},
           strategy=translated(), max_examples=20)
def translation_invariance(impl, data):
    X, k, c = data["X"], data["k"], data["c"]
    a, b = fitted(impl, X, k), fitted(impl, X + c, k)
    _same_fit(a, b, X, k, variance_factor=1.0, rotation=None, what="X + c vs X")
    s = unit(X) + float(np.abs(c).max())
    assert_close(expect_array(b.mean_, shape=c.shape, name="mean_") / s, (X.mean(axis=0) + c) / s, what="mean_ of X + c")


@st.composite
def rotated(draw):
    data = draw(fit_data())
    return {**data, "Q": draw(orthogonal_matrices(data["X"].shape[1]), label="Q")}


@invariant(TOPIC, "pca.rotation_equivariance",
           statement="fit(X Qᵀ) for orthogonal Q: same λ, principal subspace Q P Qᵀ",
           why="C(XQᵀ) = Q C Qᵀ has the same eigenvalues and eigenvectors rotated by Q.",
           source=SOURCE, kind="metamorphic", tolerance={"default": ROUNDOFF, "subspace": SUBSPACE},
           strategy=rotated(), max_examples=20)
def rotation_equivariance(impl, data):
    X, k, Q = data["X"], data["k"], data["Q"]
    _same_fit(fitted(impl, X, k), fitted(impl, X @ Q.T, k), X, k, variance_factor=1.0, rotation=Q, what="X Qᵀ vs X")


@st.composite
def scaled(draw):
    data = draw(fit_data())
    return {**data, "c": draw(st.sampled_from([0.5, 2.0, 3.0, -1.0, 10.0]), label="c")}


@invariant(TOPIC, "pca.scale_equivariance",
           statement="fit(cX): λ ↦ c²λ, ratios and principal subspace unchanged",
           why="C(cX) = c²C: the same eigenvectors, eigenvalues scaled by c².",
           source=SOURCE, kind="metamorphic", tolerance={"default": ROUNDOFF, "subspace": SUBSPACE},
           strategy=scaled(), max_examples=20)
def scale_equivariance(impl, data):
    X, k, c = data["X"], data["k"], data["c"]
    _same_fit(fitted(impl, X, k), fitted(impl, c * X, k), X, k, variance_factor=c * c, rotation=None, what="cX vs X")


@st.composite
def permuted(draw):
    data = draw(fit_data())
    return {**data, "perm": draw(st.permutations(range(data["X"].shape[0])), label="perm")}


@invariant(TOPIC, "pca.row_permutation_invariance",
           statement="fit(ΠX) = fit(X) for any row permutation Π (λ, subspace, mean_)",
           why="The sample mean and covariance are symmetric functions of the rows.",
           source=SOURCE, kind="metamorphic", tolerance={"default": ROUNDOFF, "subspace": SUBSPACE},
           strategy=permuted(), max_examples=15)
def row_permutation_invariance(impl, data):
    X, k = data["X"], data["k"]
    a, b = fitted(impl, X, k), fitted(impl, X[list(data["perm"])], k)
    _same_fit(a, b, X, k, variance_factor=1.0, rotation=None, what="ΠX vs X")


@st.composite
def with_directions(draw):
    data = draw(fit_data())
    U = draw(hnp.arrays(np.float64, (6, data["X"].shape[1]), elements=st.floats(-1, 1, width=64)), label="U")
    U = U[np.linalg.norm(U, axis=1) > 1e-3]
    return {**data, "U": U / np.linalg.norm(U, axis=1, keepdims=True) if U.size else U}


@invariant(TOPIC, "pca.first_component_maximises_variance",
           statement="Var(X w₁) = λ₁ = max_{‖u‖=1} Var(X u)",
           why="The first principal axis solves max uᵀCu over unit vectors (Rayleigh quotient); its value is λ₁.",
           source="Hotelling (1933); " + SOURCE, kind="tolerance", tolerance=ROUNDOFF,
           strategy=with_directions(), max_examples=25)
def first_component_maximises_variance(impl, data):
    X, k, U = data["X"], data["k"], data["U"]
    W = components(fitted(impl, X, k), X, k)
    C = sample_covariance(X) / unit(X) ** 2
    w = W[0]
    best = float(w @ C @ w)
    assert_close(best, covariance_spectrum(X)[0] / unit(X) ** 2, what="Var(X w₁) / s² vs λ₁")
    for u in U:
        assert_leq(float(u @ C @ u), best, what="Var(X u) ≤ Var(X w₁) (units of s²)")


@invariant(TOPIC, "pca.deterministic",
           statement="fit(X) twice, under different global random states: identical components_, explained_variance_, mean_, transform(X)",
           why="PCA is a function of X: the eigendecomposition (or SVD) of the centred data has nothing random in "
               "it, so an implementation must not draw from a global random number generator (Hypothesis reseeds "
               "those for every example, which would otherwise hide it).",
           source=SOURCE + "; scikit-learn's full and covariance_eigh solvers", kind="exact",
           tolerance=Tolerance(reason="bit-identical: the same deterministic computation twice"),
           strategy=fit_data(), max_examples=10)
def deterministic(impl, data):
    X, k = data["X"], data["k"]

    def run():
        est = fitted(impl, X, k)
        return components(est, X, k), variances(est, k), mean_of(est, X), transform(est, X, k)

    assert_deterministic(run, what="fit(X)")


@crosscheck(TOPIC, "pca.crosscheck.sklearn",
            statement="reference and scikit-learn agree: λ, ratios, mean_, projectors (components up to sign)",
            why="Two independent implementations of the same definition must give the same numbers.",
            source="scikit-learn PCA (svd_solver='auto': covariance_eigh when n ≥ 10·d, a full SVD otherwise, for "
                   "inputs this small) vs reference.decomposition.pca",
            tolerance={"default": ROUNDOFF, "subspace": SUBSPACE}, strategy=fit_data(), max_examples=30,
            pairs=[("reference.decomposition.pca:PCA", "sklearn.decomposition:PCA")])
def crosscheck_sklearn(impl_a, impl_b, data):
    X, k = data["X"], data["k"]
    a, b = fitted(impl_a, X, k), fitted(impl_b, X, k)
    _same_fit(a, b, X, k, variance_factor=1.0, rotation=None, what="reference vs library")
    s = unit(X)
    assert_close(mean_of(b, X) / s, mean_of(a, X) / s, what="mean_ / s")
    lam = covariance_spectrum(X)
    # Individual axes are defined up to sign only where each λ_j is simple.
    simple = [j for j in range(k) if top_k_is_determined(lam, j + 1) and (j == 0 or top_k_is_determined(lam, j))]
    for j in simple:
        wa, wb = components(a, X, k)[j], components(b, X, k)[j]
        assert_close(abs(float(wa @ wb)), 1.0, tol="subspace", what=f"|⟨w_{j + 1}^ref, w_{j + 1}^lib⟩|")
