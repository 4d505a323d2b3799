"""SOM invariants of one step: the winner, the activation distances, one update, the neighbourhood's shape and the
decay of η and σ.  The contract is in ``properties.som.som``."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from properties.engine import (InvariantViolation, Tolerance, assert_close, assert_true, call, invariant, supports,
                               tolerance)
from properties.oracles import som as oracle
from properties.som.map_calls import activation, build, flat, flat_weights, scale, update, weights, winner
from properties.som.som import SOURCE, TOPIC
from properties.som.strategies import integral, maps, with_data, with_sample

ROUNDOFF = Tolerance(atol=1e-5, reason="float32 round-off (6e-8) of a few operations on numbers of size ≤ s, ×100 "
                     "(in units of the data's scale s)",
                     float64=Tolerance(atol=1e-12, reason="a few float64 operations on numbers of size ≤ s err by "
                                       "≲ 10ε·s = 2e-15·s; 1e-12 leaves a margin of 500 (in units of s)"))
SHAPE = Tolerance(atol=1e-2, reason="h_i = ⟨Δw_i, x − w_i⟩/(η₀‖x − w_i‖²) from float32 weights, units with "
                  "‖x − w_i‖ ≥ 1e-2·s only: error ≲ 10·6e-8/(1e-2·η₀) = 6e-3 for η₀ ≥ 0.01",
                  float64=Tolerance(atol=1e-9, reason="h_i = ⟨Δw_i, x − w_i⟩/(η₀‖x − w_i‖²) from float64 weights, "
                                    "units with ‖x − w_i‖ ≥ 1e-2·s only: error ≲ 10ε/(1e-2·η₀) ≤ 2e-11 for η₀ ≥ 0.01"))
MIN_RESIDUAL = 1e-2  # units with ‖x − w_i‖ below this fraction of s are too close to x to read h_i from


# ------------------------------------------------------------------ the winner and the distances
@st.composite
def winner_cases(draw):
    ex = draw(with_data(maps(options=("activation_distance",))))
    ex["weights_from_data"] = draw(st.booleans(), label="weights_from_data")
    return ex


def queries(data: np.ndarray, W: np.ndarray) -> list[np.ndarray]:
    """The data rows and their negatives (sign-symmetric), the negated units, and the midpoint of two units."""
    out = [row for row in data[:6]] + [-row for row in data[:6]] + [-w for w in W[:3]]
    if len(W) >= 2:
        out.append((W[0] + W[-1]) / 2)
    return out


def _codebook(impl, ex):
    som = build(impl, ex)
    if ex["weights_from_data"] and supports("operations", "random_weights_init"):
        call(som.random_weights_init, ex["data"])  # duplicate rows give units that tie exactly
    return som, flat_weights(som, ex)


@invariant(TOPIC, "som.winner_is_first_argmin",
           statement="winner(x) = (i, j) of the first argmin_k d(x, w_k) in row-major order, on any X × Y grid",
           why="The best-matching unit is the unit nearest to x in the activation distance (competitive learning, "
               "winner takes all).  Ties go to the first unit in row-major order — unravel_index over an (X, Y) grid, "
               "which on a non-square grid must divide by Y.  On integer data every distance but the cosine is "
               "computed exactly and ties are exact; elsewhere units within round-off of the minimum are tied, and of "
               "bitwise-identical units the first must win.",
           source=SOURCE + " (the winner c = argmin_i ‖x − m_i‖); MiniSom.winner", kind="exact", tolerance=ROUNDOFF, strategy=winner_cases(),
           draws={"activation_distance": None}, max_examples=30)
def winner_is_first_argmin(impl, ex):
    som, W = _codebook(impl, ex)
    name = ex.get("activation_distance", "euclidean")
    for x in queries(ex["data"], W):
        c = winner(som, x, ex)
        k, D = flat(c, ex), oracle.distances(name, x, W)
        what = f"winner({x.tolist()}) = {c} under activation_distance={name!r}"
        if name != "cosine" and integral(x, W):
            first = oracle.first_minimum(D)
            assert_true(k == first, f"{what}; the first minimum is unit {divmod(first, ex['shape'][1])} "
                                    f"(d = {D[first]!r} there, {D[k]!r} at the winner; exact integer arithmetic)")
            continue
        s = 1.0 if name == "cosine" else scale(x, W)
        assert_true(D[k] <= D.min() + tolerance().atol * s,
                    f"{what} at d = {D[k]!r}, but unit {divmod(int(np.argmin(D)), ex['shape'][1])} has d = {D.min()!r}")
        earlier = oracle.duplicates_before(W, k)
        if earlier:
            raise InvariantViolation(f"{what}, but the identical unit {divmod(earlier[0], ex['shape'][1])} comes first "
                                     f"in row-major order")


@invariant(TOPIC, "som.activation_distance_definition",
           statement="activate(x)_ij = d(x, w_ij) by definition; chebyshev = max_k |x_k − w_k| on sign-symmetric x",
           why="The activation map is the distance of x to every unit: ‖x − w‖₂, ‖x − w‖₁, max_k |x_k − w_k| or "
               "1 − x·w/(‖x‖‖w‖).  Sign-symmetric queries (x and −x, −w) make some differences negative, where a "
               "missing absolute value shows.",
           source="Deza & Deza, Encyclopedia of Distances (2016), §5.1 and §17.1; MiniSom.activate", kind="tolerance",
           tolerance=ROUNDOFF, strategy=winner_cases(), draws={"activation_distance": None},
           requires={"operations": ("activate",)}, max_examples=25)
def activation_distance_definition(impl, ex):
    som, W = _codebook(impl, ex)
    name = ex.get("activation_distance", "euclidean")
    for x in queries(ex["data"], W):
        s = 1.0 if name == "cosine" else scale(x, W)
        assert_close(activation(som, x, ex) / s, oracle.distances(name, x, W) / s,
                     what=f"activate({x.tolist()}) under activation_distance={name!r} (in units of s = {s:g})")


# ------------------------------------------------------------------ one update
def _movement(impl, ex, t: int):
    """(W before, W after) one ``update(sample, win, t, T)`` of a fresh map."""
    som = build(impl, ex)
    W = weights(som, ex)
    update(som, ex["sample"], ex["win"], t, ex["T"])
    return W, weights(som, ex)


@invariant(TOPIC, "som.update_step",
           statement="update(x, c, 0, T): w_i ← w_i + η₀ h(r_i − r_c; σ₀)(x − w_i) for every unit; h = 0 ⇒ w_i unchanged",
           why="Kohonen's rule at t = 0, where every schedule gives η(0) = η₀ and σ(0) = σ₀: each unit moves towards x "
               "by the fraction η₀h of its difference, h the neighbourhood at its grid offset from c (any unit c, as "
               "MiniSom's update takes it).  A unit outside a bubble or a triangle has h = 0 exactly and must not move "
               "at all.",
           source=SOURCE + " (the update m_i ← m_i + h_ci[x − m_i]); MiniSom.update", kind="tolerance", tolerance=ROUNDOFF,
           strategy=with_sample(maps(options=("neighborhood_function",))), draws={"neighborhood_function": None},
           requires={"operations": ("update",)}, max_examples=30)
def update_step(impl, ex):
    W, W1 = _movement(impl, ex, 0)
    x, c, name = ex["sample"], ex["win"], ex["neighborhood_function"]
    h = oracle.neighbourhood(name, ex["shape"], c, ex["sigma"])
    expected = W + ex["learning_rate"] * h[:, :, None] * (x - W)
    s = scale(x, W)
    assert_close(W1 / s, expected / s, what=f"weights after update(x, win, 0, T) with {name} h, σ₀ = {ex['sigma']}, "
                                            f"η₀ = {ex['learning_rate']}, win = {c} (in units of s = {s:g})")
    moved = [divmod(int(i), ex["shape"][1]) for i in np.flatnonzero(((W1 != W).any(axis=-1) & (h == 0)).ravel())]
    assert_true(not moved, f"units {moved[:5]} where h = 0 moved (h = 0 must leave w_i bitwise unchanged)")


@st.composite
def toward_cases(draw):
    ex = draw(with_sample(maps(options=("neighborhood_function",)), any_unit=False))
    if ex["neighborhood_function"] == "triangle":  # the triangle's peak is σ²: keep η₀σ₀² ≤ 1
        ex["learning_rate"] = ex["learning_rate"] / max(1.0, ex["sigma"] ** 2)
    return ex


def _fractions(W, W1, x, s):
    """λ_i = ⟨Δw_i, x − w_i⟩/‖x − w_i‖² and the part of Δw_i off the line through w_i and x (units of s)."""
    R, Dw = x - W, W1 - W
    norm2 = np.einsum("...k,...k->...", R, R)
    lam = np.divide(np.einsum("...k,...k->...", Dw, R), norm2, out=np.zeros_like(norm2), where=norm2 > 0)
    off = np.linalg.norm(Dw - lam[..., None] * R, axis=-1) / s
    return lam, off, np.sqrt(norm2) / s


@invariant(TOPIC, "som.update_toward_sample",
           statement="c = winner(x), η₀h(0) ≤ 1: every w_i moves along x − w_i; ‖x − w_c'‖ < ‖x − w_c‖ and w_c' ∈ [w_c, x]",
           why="Each unit moves along its own difference x − w_i.  The winner has the neighbourhood's peak (1; σ² for "
               "the triangle, whose η₀ is drawn so that η₀σ₀² ≤ 1), so it moves strictly closer to x and never past it; "
               "with a non-negative neighbourhood (all but the Mexican hat) every unit stays on its segment [w_i, x].",
           source=SOURCE + " (the update rule)", kind="metamorphic", tolerance=ROUNDOFF, strategy=toward_cases(),
           draws={"neighborhood_function": None}, requires={"operations": ("update",)}, max_examples=25)
def update_toward_sample(impl, ex):
    som, x = build(impl, ex), ex["sample"]
    c = winner(som, x, ex)
    W = weights(som, ex)
    update(som, x, c, 0, ex["T"])
    W1 = weights(som, ex)
    s, tol = scale(x, W), tolerance().atol
    lam, off, dist = _fractions(W, W1, x, s)
    bad = np.argwhere(off > tol)
    assert_true(bad.size == 0, f"unit {tuple(bad[0]) if bad.size else ''} moved off the line towards x: "
                               f"{off.max():.3g}·s off it")
    lo = -np.inf if ex["neighborhood_function"] == "mexican_hat" else -tol
    outside = np.argwhere(((lam < lo) | (lam > 1 + tol)) & (dist > 0))
    assert_true(outside.size == 0, f"unit {tuple(outside[0]) if outside.size else ''} moved by λ = "
                                   f"{lam[tuple(outside[0])] if outside.size else ''} of x − w (outside [0, 1])")
    if dist[c] > 0:
        before, after = np.linalg.norm(x - W[c]), np.linalg.norm(x - W1[c])
        assert_true(after < before and 0 < lam[c] <= 1 + tol,
                    f"the winner {c} moved from ‖x − w_c‖ = {before!r} to {after!r} (λ = {lam[c]!r}): not strictly "
                    f"closer, or past x")


# ------------------------------------------------------------------ the neighbourhood's shape
def _read_neighbourhood(ex, W, W1):
    """h_i read back from one update at t = 0, and the units it can be read at."""
    s = scale(ex["sample"], W)
    lam, _, dist = _fractions(W, W1, ex["sample"], s)
    return lam / ex["learning_rate"], dist >= MIN_RESIDUAL


@invariant(TOPIC, "som.neighbourhood_shape",
           statement="h(Δ) ≤ h(0), h(±Δ₀, ±Δ₁) = h(Δ₀, Δ₁) = h(Δ₁, Δ₀); non-increasing in |Δ₀| and |Δ₁| (not the Mexican hat)",
           why="The neighbourhood is maximal at the winner and symmetric on the grid (reflections and the swap of the "
               "two axes); the Gaussian, the bubble and the triangle fall off along each axis, so nearer units move "
               "more.  Read from one update: h_i = ⟨Δw_i, x − w_i⟩/(η₀‖x − w_i‖²).",
           source=SOURCE + " (the neighbourhood function h_ci)", kind="metamorphic", tolerance=SHAPE,
           strategy=with_sample(maps(min_side=2, max_side=6, options=("neighborhood_function",))),
           draws={"neighborhood_function": None}, requires={"operations": ("update",)}, max_examples=25)
def neighbourhood_shape(impl, ex):
    W, W1 = _movement(impl, ex, 0)
    h, readable = _read_neighbourhood(ex, W, W1)
    (X, Y), (c0, c1), tol = ex["shape"], ex["win"], tolerance().atol
    name = ex["neighborhood_function"]
    if readable[c0, c1]:
        top = np.argwhere(readable & (h > h[c0, c1] + tol))
        assert_true(top.size == 0, f"{name}: h at offset {tuple(top[0] - (c0, c1)) if top.size else ''} exceeds h at "
                                   f"the winner ({h[c0, c1]!r})")
    compared = 0
    for i in range(X):
        for j in range(Y):
            if not readable[i, j]:
                continue
            a, b = i - c0, j - c1
            images = [(c0 - a, c1 + b), (c0 + a, c1 - b), (c0 + b, c1 + a)]
            if name != "mexican_hat":
                images += [("closer", c0 + a - np.sign(a), c1 + b), ("closer", c0 + a, c1 + b - np.sign(b))]
            for image in images:
                closer = image[0] == "closer"
                p, q = image[1:] if closer else image
                if (p, q) == (i, j) or not (0 <= p < X and 0 <= q < Y) or not readable[p, q]:
                    continue
                compared += 1
                if closer:
                    assert_true(h[i, j] <= h[p, q] + tol, f"{name}: h({a}, {b}) = {h[i, j]!r} exceeds h at the nearer "
                                                          f"offset {(p - c0, q - c1)} = {h[p, q]!r}")
                else:
                    assert_true(abs(h[i, j] - h[p, q]) <= tol, f"{name}: h({a}, {b}) = {h[i, j]!r} but h at the "
                                                                f"mirror offset {(p - c0, q - c1)} = {h[p, q]!r}")
    return {"compared": compared}


# ------------------------------------------------------------------ decay
@st.composite
def decay_cases(draw):
    ex = draw(with_sample(maps(options=("neighborhood_function", "decay_function", "sigma_decay_function"))))
    ex["t"] = draw(st.integers(0, ex["T"] - 1), label="t")
    return ex


@invariant(TOPIC, "som.decay_schedules",
           statement="update(x, c, t, T): w_i ← w_i + η(t) h(r_i − r_c; σ(t))(x − w_i), η and σ by their schedules",
           why="The learning rate and the radius are the schedules' values at t of T (MiniSom's definitions); a step "
               "at t uses both.  A bubble unit within round-off of its edge |Δ| = σ(t) may go either way.",
           source=SOURCE + " (α(t) and the radius decrease with t); MiniSom's decay functions", kind="tolerance",
           tolerance=ROUNDOFF, strategy=decay_cases(),
           draws={"neighborhood_function": None, "decay_function": None, "sigma_decay_function": None},
           requires={"operations": ("update",)}, max_examples=30)
def decay_schedules(impl, ex):
    t, T = ex["t"], ex["T"]
    W, W1 = _movement(impl, ex, t)
    eta = oracle.learning_rate(ex["decay_function"], ex["learning_rate"], t, T)
    sigma = oracle.radius(ex["sigma_decay_function"], ex["sigma"], t, T)
    x, c, name = ex["sample"], ex["win"], ex["neighborhood_function"]
    # a bubble unit within round-off of its edge |Δ| = σ(t) may go either way: both readings are candidates
    factors = (1 - 1e-12, 1 + 1e-12) if name == "bubble" else (1.0, 1.0)
    candidates = [W + eta * oracle.neighbourhood(name, ex["shape"], c, sigma * f)[:, :, None] * (x - W) for f in factors]
    nearer = np.abs(W1 - candidates[0]).max(axis=-1) <= np.abs(W1 - candidates[1]).max(axis=-1)
    expected = np.where(nearer[:, :, None], *candidates)
    s = scale(x, W)
    assert_close(W1 / s, expected / s, what=f"update at t = {t} of T = {T}: η(t) = {eta!r} ({ex['decay_function']}), "
                                            f"σ(t) = {sigma!r} ({ex['sigma_decay_function']}), {name} h (units of s)")


@st.composite
def monotone_cases(draw):
    ex = draw(with_sample(maps(min_side=2, options=("decay_function", "sigma_decay_function"), sigmas=(1.0, 1.5, 2.0, 3.0)),
                          any_unit=False))
    ex["T"] = draw(st.integers(8, 200), label="T")
    ex["win"] = (0, draw(st.integers(0, ex["shape"][1] - 1), label="win j"))
    return ex


@invariant(TOPIC, "som.decay_monotone",
           statement="σ₀ ≥ 1: η(t) strictly decreasing and σ(t) non-increasing over t = 0, T/4, T/2, 3T/4, T − 1",
           why="Learning slows down and the neighbourhood shrinks as training proceeds (the to-one radius schedules "
               "move σ towards 1, from above when σ₀ ≥ 1).  Read from updates at those t on fresh maps: the winner "
               "moves by η(t) (Gaussian peak 1), its grid neighbour by η(t)·exp(−1/2σ(t)²), increasing in σ.",
           source=SOURCE + " (α(t) and the radius decrease with t)", kind="metamorphic", tolerance=SHAPE, strategy=monotone_cases(),
           draws={"decay_function": None, "sigma_decay_function": None},
           requires={"neighborhood_function": ("gaussian",), "operations": ("update",)}, max_examples=20,
           min_compared=0.5)
def decay_monotone(impl, ex):
    T, tol = ex["T"], tolerance().atol
    times = sorted({0, T // 4, T // 2, 3 * T // 4, T - 1})
    rate, spread = [], []
    for t in times:
        W, W1 = _movement(impl, {**ex, "neighborhood_function": "gaussian"}, t)
        h, readable = _read_neighbourhood(ex, W, W1)
        if not (readable[0, ex["win"][1]] and readable[1, ex["win"][1]]):
            return {"compared": 0, "skipped_sample_on_a_unit": 1}
        eta = h[0, ex["win"][1]] * ex["learning_rate"]
        rate.append(eta)
        spread.append(h[1, ex["win"][1]] * ex["learning_rate"] / eta)
    for k in range(1, len(times)):
        assert_true(rate[k] < rate[k - 1] - tol * ex["learning_rate"],
                    f"η does not decrease: η({times[k - 1]}) = {rate[k - 1]!r}, η({times[k]}) = {rate[k]!r} "
                    f"({ex['decay_function']}, T = {T})")
        assert_true(spread[k] <= spread[k - 1] + tol,
                    f"σ grows: the neighbour's share exp(−1/2σ²) goes from {spread[k - 1]!r} at t = {times[k - 1]} to "
                    f"{spread[k]!r} at t = {times[k]} ({ex['sigma_decay_function']}, σ₀ = {ex['sigma']}, T = {T})")
    return {"compared": 1}
