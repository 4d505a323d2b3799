"""The logistic distribution: invariants of its density, distribution and quantile functions, moments and sampler.

Contract (``scipy.stats``' continuous-distribution API, in its unfrozen form — the object ``scipy.stats.logistic``
itself, every parameter a keyword; a class is instantiated once with no arguments)::

    dist.pdf(x, loc=μ, scale=γ)      # f(x), elementwise over an array x
    dist.logpdf(x, loc=μ, scale=γ)   # log f(x), finite wherever f > 0 mathematically (every finite x)
    dist.cdf(x, loc=μ, scale=γ)      # F(x) = σ((x − μ)/γ)
    dist.sf(x, loc=μ, scale=γ)       # 1 − F(x), accurate where F(x) rounds to 1
    dist.ppf(q, loc=μ, scale=γ)      # F⁻¹(q), q ∈ [0, 1]
    dist.rvs(loc=μ, scale=γ, size=n, random_state=seed)   # n draws; the same seed gives the same draws
    dist.mean(loc=μ, scale=γ), dist.var(loc=μ, scale=γ)  # μ and π²γ²/3
    scale ≤ 0 ⇒ ValueError naming scale (every method).

The unfrozen form is chosen because it is what scipy registers (``scipy.stats.logistic`` is an ``rv_continuous``
instance; a frozen ``logistic(loc, scale)`` is built from it) and because the location–scale law is a statement
across parameter values.  Oracles are the closed forms (``properties.oracles.logistic``).

Tolerances are relative to the size of what is computed, in units of the declared precision's ε: a value
computed from z = (x − μ)/γ carries an error of about ε·|z| (the rounding of z), which every bound below
allows for; points are chosen so that x − μ and z are exact where a check compares two evaluations.
"""
from __future__ import annotations

import warnings

import numpy as np
from hypothesis import strategies as st

from properties.engine import (Expected, Implementation, InvariantViolation, Tolerance, Topic, assert_close,
                               assert_deterministic, assert_true, call, expect_array, expect_scalar, invariant,
                               precision, tolerance)
from properties.linear.logistic_cases import bound, expect_rejection
from properties.oracles import logistic as ol

SCIPY_NAN = ("scipy.stats returns nan for a scale ≤ 0 instead of raising (rv_continuous' documented convention: "
             "arguments outside the support of the parameters give nan)")
SCIPY_RVS_ZERO = ("scipy.stats' rvs accepts scale = 0 and returns loc (a point mass), although its own error for "
                  "scale < 0 says 'The `scale` parameter must be positive'")

TOPIC = Topic(
    name="logistic_distribution",
    title="The logistic distribution (location μ, scale γ)",
    contract=__doc__,
    reference="reference.linear.logistic_distribution:logistic",
    implementations=[
        Implementation("scipy.stats:logistic", requires=("scipy",), precision="float64", expected=(
            Expected("logistic_distribution.rejects_bad_scale", SCIPY_NAN, where="every method but rvs",
                     when=lambda ex: ex["method"] != "rvs", match="accepted"),
            Expected("logistic_distribution.rejects_bad_scale", SCIPY_RVS_ZERO, where="rvs with scale = 0",
                     when=lambda ex: ex["method"] == "rvs" and ex["scale"] == 0, match="accepted"))),
    ],
)

SOURCE = "Johnson, Kotz & Balakrishnan, Continuous Univariate Distributions vol. 2 (1995), ch. 23"
RELATIVE = Tolerance(rtol=2e-5, atol=0, reason="computed per example: 64·ε·(1 + |z|) relative (the rounding of z "
                     "propagates into e^{−|z|} as ε·|z|); rtol shows float32 at |z| ≈ 1",
                     float64=Tolerance(rtol=1e-14, atol=0, reason="computed per example: 64·ε·(1 + |z|) relative; "
                                       "rtol shows float64 at |z| ≈ 1"))
QUADRATURE = Tolerance(rtol=0, atol=2e-4, reason="24-node Gauss–Legendre on unit panels integrates f·u^k (analytic in "
                       "|Im z| < π) to ~1e-20; what remains is the round-off of ~3000 float32 terms of size ≤ 1/2",
                       float64=Tolerance(rtol=0, atol=1e-12, reason="quadrature error ~1e-20; the round-off of "
                                         "~3000 float64 terms of size ≤ 1/2"))
LOCS, SCALES = (0.0, -3.0, 2.5, 1000.0), (1.0, 0.5, 4.0, 1e-3, 250.0)
Z_POINTS = np.array([-40.0, -12.5, -3.0, -1.0, -0.125, 0.0, 0.25, 1.0, 2.5, 7.0, 20.0, 36.0])
GL_NODES, GL_WEIGHTS = np.polynomial.legendre.leggauss(24)


def dist(impl):
    """The distribution object (a class is instantiated once)."""
    return call(impl) if isinstance(impl, type) else impl


def eps() -> float:
    return float(np.finfo(np.float64 if precision() == "float64" else np.float32).eps)


def values(fn, x, *, name: str, **kw) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return expect_array(call(fn, x, **kw), name=name, shape=x.shape, allow_inf=name.startswith("ppf"))


params = st.fixed_dictionaries({"loc": st.sampled_from(LOCS), "scale": st.sampled_from(SCALES)})


@st.composite
def at_points(draw):
    p = draw(params)
    z = draw(st.lists(st.sampled_from(Z_POINTS), min_size=3, max_size=8, unique=True), label="z")
    return {**p, "z": np.array(sorted(z))}


def relative(z: np.ndarray) -> Tolerance:
    return Tolerance(rtol=64 * eps() * (1.0 + float(np.abs(z).max())), atol=1e-300,
                     reason="64·ε·(1 + max|z|) relative: the rounding of z = (x − μ)/γ")


@invariant(TOPIC, "logistic_distribution.closed_forms",
           statement="f = e^{−|z|}/(γ(1+e^{−|z|})²), log f, F = σ(z), 1 − F = σ(−z), F⁻¹(q) = μ + γ·logit q",
           why="The logistic distribution is defined by F(x) = σ((x − μ)/γ); the others follow by differentiation, "
               "logarithm, complement and inversion.", source=SOURCE, kind="tolerance", tolerance=RELATIVE,
           strategy=at_points(), max_examples=12)
def closed_forms(impl, ex):
    d, mu, g, z = dist(impl), ex["loc"], ex["scale"], ex["z"]
    x = mu + g * z
    zz = (x - mu) / g                               # the z an implementation computes from x
    tol = relative(zz)
    kw = {"loc": mu, "scale": g}
    assert_close(values(d.pdf, x, name="pdf(x)", **kw), ol.dist_pdf(x, mu, g), tol=tol, what="pdf")
    assert_close(values(d.logpdf, x, name="logpdf(x)", **kw), ol.dist_logpdf(x, mu, g), tol=tol, what="logpdf")
    assert_close(values(d.cdf, x, name="cdf(x)", **kw), ol.dist_cdf(x, mu, g), tol=tol, what="cdf")
    assert_close(values(d.sf, x, name="sf(x)", **kw), ol.dist_sf(x, mu, g), tol=tol, what="sf")
    q = np.array([1e-300, 1e-12, 0.01, 0.25, 0.5, 0.75, 0.99, 1 - 2.0 ** -40])
    logit = np.abs(np.log(q)) + np.abs(np.log1p(-q))
    assert_close(values(d.ppf, q, name="ppf(q)", **kw), ol.dist_ppf(q, mu, g),
                 tol=bound(16 * eps() * (abs(mu) + g * logit.max()), "16·ε·(|μ| + γ·(|log q| + |log(1 − q)|))"),
                 what="ppf")


@st.composite
def symmetric_points(draw):
    p = draw(params)
    t = draw(st.lists(st.integers(1, 320).map(lambda k: k / 8), min_size=2, max_size=6, unique=True), label="t")
    return {**p, "t": np.array(t)}


@invariant(TOPIC, "logistic_distribution.cdf_symmetry",
           statement="σ(−z) = 1 − σ(z): F(μ − t) = 1 − F(μ + t) = sf(μ + t); f(μ − t) = f(μ + t)",
           why="σ(−z) = 1/(1 + e^{z}) = 1 − 1/(1 + e^{−z}): the logistic distribution is symmetric about μ.",
           source=SOURCE, kind="tolerance", tolerance=RELATIVE, strategy=symmetric_points(), max_examples=10)
def cdf_symmetry(impl, ex):
    d, mu, g = dist(impl), ex["loc"], ex["scale"]
    t = ex["t"] * g                                 # multiples of γ/8: μ ± t and (x − μ)/γ are exact
    kw = {"loc": mu, "scale": g}
    tol = relative(ex["t"])
    lower, upper = values(d.cdf, mu - t, name="cdf(μ − t)", **kw), values(d.cdf, mu + t, name="cdf(μ + t)", **kw)
    assert_close(lower, values(d.sf, mu + t, name="sf(μ + t)", **kw), tol=tol, what="F(μ − t) vs sf(μ + t)")
    assert_close(lower + upper, np.ones_like(lower), tol=bound(4 * eps(), "4ε: two rounded terms"),
                 what="F(μ − t) + F(μ + t)")
    assert_close(values(d.pdf, mu - t, name="pdf(μ − t)", **kw), values(d.pdf, mu + t, name="pdf(μ + t)", **kw),
                 tol=tol, what="f(μ − t) vs f(μ + t)")


@st.composite
def intervals(draw):
    p = draw(params)
    a = draw(st.integers(-30, 29), label="a")
    return {**p, "a": float(a), "b": float(draw(st.integers(a + 1, 30), label="b"))}


def quadrature_tolerance(mu: float, g: float, name: str | None = None) -> Tolerance:
    """The record's quadrature bound plus what rounding the nodes x = μ + γu costs: each moves by ≤ ε|x|/γ in u,
    which changes an integrand of total variation ≤ 2 by ≤ 2ε(|μ|/γ + 60) in all."""
    base = tolerance(name)
    return Tolerance(rtol=0, atol=base.atol + 4 * eps() * (abs(mu) / g + 60), reason=base.reason + "; plus "
                     "4ε(|μ|/γ + 60) for the rounding of the nodes x = μ + γu")


def quadrature(d, mu: float, g: float, za: float, zb: float, power: int = 0) -> float:
    """∫ (x − μ)^power f(x) dx over x ∈ [μ + γ·za, μ + γ·zb], by 24-node Gauss–Legendre on panels of width γ in
    x (one vectorised pdf call); the substitution x = μ + γu makes it γ^{power+1}·∫ u^power f(μ + γu) du."""
    edges = np.linspace(za, zb, int(np.ceil(zb - za)) + 1)
    mid, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    u = mid[:, None] + half[:, None] * GL_NODES
    f = values(d.pdf, mu + g * u.ravel(), name="pdf at the quadrature nodes", loc=mu, scale=g).reshape(u.shape)
    return float(np.sum(half * ((f * u ** power) @ GL_WEIGHTS))) * g ** (power + 1)


@invariant(TOPIC, "logistic_distribution.cdf_integrates_pdf", statement="F(b) − F(a) = ∫_a^b f(x) dx (Gauss–Legendre)",
           why="F is the distribution function of the density f: F' = f.", source=SOURCE + "; Davis & Rabinowitz, "
           "Methods of Numerical Integration (1984) §2.7", kind="tolerance", tolerance=QUADRATURE,
           strategy=intervals(), max_examples=10)
def cdf_integrates_pdf(impl, ex):
    d, mu, g = dist(impl), ex["loc"], ex["scale"]
    F = values(d.cdf, np.array([mu + g * ex["a"], mu + g * ex["b"]]), name="cdf", loc=mu, scale=g)
    assert_close(F[1] - F[0], quadrature(d, mu, g, ex["a"], ex["b"]), tol=quadrature_tolerance(mu, g),
                 what=f"F(b) − F(a) vs ∫ f over [μ{ex['a']:+g}γ, μ{ex['b']:+g}γ]")


@invariant(TOPIC, "logistic_distribution.ppf_inverts_cdf",
           statement="F⁻¹(F(x)) = x for |z| ≤ 30, F(F⁻¹(q)) = q",
           why="F is continuous and strictly increasing, so F⁻¹ is its inverse.  Rounding F(x) to ε·F costs "
               "ε/(1 − F) in z, which grows like e^{z}: the bound allows for it.",
           source=SOURCE, kind="tolerance", tolerance=RELATIVE, strategy=at_points(), max_examples=10)
def ppf_inverts_cdf(impl, ex):
    d, mu, g = dist(impl), ex["loc"], ex["scale"]
    z = ex["z"][np.abs(ex["z"]) <= 30]
    x = mu + g * z
    kw = {"loc": mu, "scale": g}
    back = values(d.ppf, values(d.cdf, x, name="cdf(x)", **kw), name="ppf(cdf(x))", **kw)
    slack = 8 * eps() * (np.abs(x) + g * (1.0 + np.abs(z) + np.exp(z)))
    bad = np.abs(back - x) > slack
    assert_true(not bad.any(), f"ppf(cdf(x)) ≠ x at z = {z[bad].tolist()}: {back[bad].tolist()} vs {x[bad].tolist()} "
                               f"(allowed {slack[bad].tolist()}: 8ε(|x| + γ(1 + |z| + e^z)))")
    q = np.array([1e-9, 0.02, 0.3, 0.5, 0.8, 0.999])
    logit = np.abs(np.log(q / (1 - q)))
    assert_close(values(d.cdf, values(d.ppf, q, name="ppf(q)", **kw), name="cdf(ppf(q))", **kw), q,
                 tol=Tolerance(rtol=16 * eps() * (1 + abs(mu) / g + logit.max()), atol=0, reason="16ε(1 + |μ|/γ + "
                               "|logit q|): the rounding of F⁻¹(q) times F'"), what="cdf(ppf(q))")


@invariant(TOPIC, "logistic_distribution.moments",
           statement="mean = μ = ∫x f dx, var = π²γ²/3 = ∫(x − μ)² f dx",
           why="f is symmetric about μ, and for the standard logistic 2∫₀^∞ z² e^{−z}/(1 + e^{−z})² dz = "
               "4·Σ_{k≥1} (−1)^{k+1}/k² = π²/3; scaling by γ multiplies the variance by γ².  Checked against the "
               "closed forms and, by quadrature, against the implementation's own pdf.", source=SOURCE + " §23.3",
           kind="tolerance", tolerance={"default": RELATIVE, "quadrature": QUADRATURE}, strategy=params, max_examples=8)
def moments(impl, p):
    d, mu, g = dist(impl), p["loc"], p["scale"]
    m, v = ol.dist_mean_var(mu, g)
    tol = Tolerance(rtol=16 * eps(), atol=16 * eps() * g, reason="16ε (a few rounded operations)")
    assert_close(expect_scalar(call(d.mean, loc=mu, scale=g), name="mean"), m, tol=tol, what="mean")
    assert_close(expect_scalar(call(d.var, loc=mu, scale=g), name="var"), v, tol=tol, what="var")
    assert_close(quadrature(d, mu, g, -60.0, 60.0, power=1) / g, 0.0, tol=quadrature_tolerance(mu, g, "quadrature"),
                 what="∫(x − μ) f dx / γ")
    assert_close(quadrature(d, mu, g, -60.0, 60.0, power=2) / g ** 2, v / g ** 2, tol=quadrature_tolerance(mu, g, "quadrature"),
                 what="∫(x − μ)² f dx / γ² (the tails beyond |z| = 60 hold < 1e-22)")


@invariant(TOPIC, "logistic_distribution.location_scale",
           statement="f(x; μ, γ) = f(z; 0, 1)/γ, F(x; μ, γ) = F(z; 0, 1), F⁻¹(q; μ, γ) = μ + γ F⁻¹(q; 0, 1)",
           why="X = μ + γZ with Z standard logistic: the density picks up the Jacobian 1/γ.",
           source=SOURCE, kind="metamorphic", tolerance=RELATIVE, strategy=at_points(), max_examples=10)
def location_scale(impl, ex):
    d, mu, g, z = dist(impl), ex["loc"], ex["scale"], ex["z"]
    x = mu + g * z
    zz = (x - mu) / g
    tol = relative(zz)
    std = {"loc": 0.0, "scale": 1.0}
    kw = {"loc": mu, "scale": g}
    assert_close(values(d.pdf, x, name="pdf(x; μ, γ)", **kw), values(d.pdf, zz, name="pdf(z)", **std) / g, tol=tol,
                 what="f(x; μ, γ) vs f(z; 0, 1)/γ")
    assert_close(values(d.logpdf, x, name="logpdf(x; μ, γ)", **kw) + np.log(g),
                 values(d.logpdf, zz, name="logpdf(z)", **std),
                 tol=Tolerance(rtol=tol.rtol, atol=tol.rtol * (1 + abs(np.log(g))), reason=tol.reason),
                 what="log f(x; μ, γ) + log γ vs log f(z; 0, 1)")
    assert_close(values(d.cdf, x, name="cdf(x; μ, γ)", **kw), values(d.cdf, zz, name="cdf(z)", **std), tol=tol,
                 what="F(x; μ, γ) vs F(z; 0, 1)")
    q = np.array([0.01, 0.3, 0.5, 0.9])
    assert_close(values(d.ppf, q, name="ppf(q; μ, γ)", **kw), mu + g * values(d.ppf, q, name="ppf(q)", **std),
                 tol=bound(16 * eps() * (abs(mu) + 8 * g), "16ε(|μ| + γ·max|logit q|)"), what="F⁻¹(q; μ, γ)")


@invariant(TOPIC, "logistic_distribution.heavier_tails_than_normal",
           statement="|x − μ| ≥ c·γ (c ≈ 4.307): f(x) > φ(x) and P(X − μ > t) > P(N − μ > t), N ~ N(μ, π²γ²/3)",
           why="log f ≈ −|z| decays linearly, log φ quadratically: beyond their outer crossing c the logistic density "
               "(and hence its tail probability) is the larger; its excess kurtosis is 6/5.",
           source=SOURCE + " §23.3", kind="exact", strategy=params, max_examples=8)
def heavier_tails_than_normal(impl, p):
    d, mu, g = dist(impl), p["loc"], p["scale"]
    c, sd = ol.normal_density_crossing(), np.pi / np.sqrt(3.0)
    z = c * np.array([1.05, 1.5, 2.0, 4.0, 8.0])
    kw = {"loc": mu, "scale": g}
    for sign in (1.0, -1.0):
        x = mu + sign * g * z
        logf = values(d.logpdf, x, name="logpdf", **kw) + np.log(g)
        logphi = ol.normal_logpdf(z, 0.0, sd)
        bad = logf <= logphi
        assert_true(not bad.any(), f"log f ≤ log φ at z = {(sign * z[bad]).tolist()}: {logf[bad].tolist()} vs "
                                   f"{logphi[bad].tolist()} (γ-standardised)")
    tail = values(d.sf, mu + g * z, name="sf", **kw)
    bad = tail <= ol.normal_sf(z, sd)
    assert_true(not bad.any(), f"P(X − μ > zγ) ≤ the normal's at z = {z[bad].tolist()}: {tail[bad].tolist()}")


TAIL_Z = np.array([30.0, 50.0, 100.0, 700.0, 750.0, 1e3, 1e4])


@invariant(TOPIC, "logistic_distribution.stable_in_tails",
           statement="|z| ≤ 1e4: pdf, cdf, sf finite and relatively exact (e^{−|z|} underflowing to 0 is exact); "
                     "logpdf = −|z| − log γ finite",
           why="Forming e^{|z|} overflows for |z| > 709, and 1 − F(x) loses every digit once F rounds to 1 (z > 37): "
               "stable forms use e^{−|z|} and σ(−z).", source="Goldberg (1991); " + SOURCE, kind="tolerance",
           tolerance=RELATIVE, strategy=params, max_examples=6)
def stable_in_tails(impl, p):
    d, mu, g = dist(impl), p["loc"], p["scale"]
    kw = {"loc": mu, "scale": g}
    for sign in (1.0, -1.0):
        z = sign * TAIL_Z
        x = mu + g * z
        tol = relative((x - mu) / g)
        with np.errstate(all="ignore"):
            assert_close(values(d.logpdf, x, name="logpdf(x)", **kw), ol.dist_logpdf(x, mu, g), tol=tol,
                         what=f"logpdf at z = {sign:+g}·{TAIL_Z.tolist()}")
            assert_close(values(d.pdf, x, name="pdf(x)", **kw), ol.dist_pdf(x, mu, g), tol=tol, what="pdf in the tails")
            assert_close(values(d.cdf, x, name="cdf(x)", **kw), ol.dist_cdf(x, mu, g), tol=tol, what="cdf in the tails")
            assert_close(values(d.sf, x, name="sf(x)", **kw), ol.dist_sf(x, mu, g), tol=tol, what="sf in the tails")


ALPHA = 1e-7          # per example; ≤ 10 examples per run: a false alarm ≤ 1e-6 per invariant run


@st.composite
def samples(draw):
    return {**draw(params), "n": draw(st.sampled_from((2000, 5000)), label="n"),
            "seed": draw(st.integers(0, 2**31 - 1), label="seed")}


@invariant(TOPIC, "logistic_distribution.rvs_distribution",
           statement="rvs: sup_x |F_n(x) − F(x)| ≤ √(log(2/α)/(2n)), α = 1e-7; the same random_state gives the same draws",
           why="The Dvoretzky–Kiefer–Wolfowitz inequality (Massart's constant): P(sup|F_n − F| > ε) ≤ 2e^{−2nε²} for "
               "n i.i.d. draws from F, so a sampler drawing from F exceeds the bound with probability ≤ α = 1e-7 per "
               "example (≤ 1e-6 over the ≤ 10 examples of a run, seeds fixed).",
           source="Massart, Ann. Probab. 18(3) 1990; " + SOURCE, kind="statistical", strategy=samples(), max_examples=4)
def rvs_distribution(impl, ex):
    d, mu, g, n, seed = dist(impl), ex["loc"], ex["scale"], ex["n"], ex["seed"]
    draws = assert_deterministic(lambda: expect_array(call(d.rvs, loc=mu, scale=g, size=n, random_state=seed),
                                                      name="rvs", shape=(n,)), what="rvs(random_state=seed)")
    x = np.sort(draws)
    F = ol.dist_cdf(x, mu, g)
    D = float(max(np.max(np.arange(1, n + 1) / n - F), np.max(F - np.arange(n) / n)))
    limit = float(np.sqrt(np.log(2 / ALPHA) / (2 * n)))
    if D > limit:
        raise InvariantViolation(f"Kolmogorov distance of {n} draws from F(·; μ={mu:g}, γ={g:g}): D = {D:.4f} > "
                                 f"{limit:.4f} (DKW bound at α = {ALPHA:g})")
    return {"draws": n}


BAD_SCALE_METHODS = ("pdf", "cdf", "sf", "logpdf", "ppf", "rvs", "mean", "var")


@invariant(TOPIC, "logistic_distribution.rejects_bad_scale", statement="scale ≤ 0 ⇒ ValueError naming scale, every method",
           why="γ > 0 is the distribution's parameter space: F(x) = σ((x − μ)/γ) is no distribution function for "
               "γ ≤ 0, and a nan or a point mass returned silently propagates.",
           source=SOURCE + "; the contract", kind="exact", category="validation",
           strategy=st.fixed_dictionaries({"method": st.sampled_from(BAD_SCALE_METHODS),
                                           "scale": st.sampled_from((0.0, -1.0))}), max_examples=40)
def rejects_bad_scale(impl, ex):
    d, method, g = dist(impl), ex["method"], ex["scale"]
    fn = getattr(d, method)
    if method in ("mean", "var"):
        run = lambda: call(fn, loc=0.0, scale=g)  # noqa: E731
    elif method == "rvs":
        run = lambda: call(fn, loc=0.0, scale=g, size=3, random_state=0)  # noqa: E731
    else:
        run = lambda: call(fn, np.array([0.3]), loc=0.0, scale=g)  # noqa: E731
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expect_rejection(run, ("scale",), f"{method}(…, scale={g:g})")
