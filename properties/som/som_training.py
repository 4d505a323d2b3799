"""SOM invariants of training: train as a sequence of updates, the σ → 0 limit (online k-means), the convex hull,
trained maps of a curve and a sheet, the quantization and topographic errors, determinism, and the bit-exact
cross-check against MiniSom.  The contract is in ``properties.som.som``."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from properties.engine import (EXACT, Tolerance, assert_close, assert_deterministic, assert_true, call, crosscheck,
                               invariant, supports, tolerance)
from properties.oracles import som as oracle
from properties.som.map_calls import build, flat_weights, scalar, scale, train, update, weights, winner
from properties.som.som import SOURCE, TOPIC
from properties.som.som_steps import ROUNDOFF
from properties.som.strategies import NEIGHBORHOODS, ORDERS, TRAINED, manifold_data, maps, with_data

BMU_SEARCH = Tolerance(atol=1e-4, reason="float32 round-off of ‖x‖² − 2x·w + ‖w‖²: a unit within √(2·6e-8)·s of the "
                       "best may be taken for it (units of s)",
                       float64=Tolerance(atol=1e-7, reason="a best-matching-unit search through ‖x‖² − 2x·w + ‖w‖² "
                                         "(MiniSom, scikit-learn's euclidean_distances) errs by ~2ε·s² in d², so a "
                                         "unit within √(2ε)·s = 2e-8·s of the best may be taken for it; 1e-7 (units "
                                         "of s) covers that and counts such units as tied"))
HULL = Tolerance(atol=1e-6, reason="the hull's linear program is solved by HiGHS in units of s to its feasibility "
                 "tolerance 1e-7: a unit is outside only when farther than 1e-6·s from the hull")


@st.composite
def _trained(draw, maps_strategy, min_T=1, max_T=20):
    ex = draw(with_data(maps_strategy))
    ex["T"] = draw(st.integers(min_T, max_T), label="T")
    return ex


# ------------------------------------------------------------------ train = T updates
@invariant(TOPIC, "som.train_is_sequence_of_updates",
           statement="train(data, T) = update(x_k, winner(x_k), t, T) for t = 0 … T − 1, k = t mod N",
           why="Online training presents x_{t mod N} at step t, finds its winner and applies one update with the "
               "schedules at t of T: a second map (same seed) driven through winner and update must end identical.",
           source=SOURCE + "; MiniSom.train", kind="metamorphic", tolerance=ROUNDOFF,
           strategy=_trained(maps(options=("neighborhood_function", "activation_distance", "decay_function",
                                           "sigma_decay_function"))),
           draws={"neighborhood_function": None, "activation_distance": None, "decay_function": None,
                  "sigma_decay_function": None},
           requires={"training_order": ("ordered",), "operations": ("update",)}, max_examples=25)
def train_is_sequence_of_updates(impl, ex):
    data, T = ex["data"], ex["T"]
    trained, stepped = build(impl, ex), build(impl, ex)
    train(trained, data, T)
    for t in range(T):
        x = data[t % len(data)]
        update(stepped, x, winner(stepped, x, ex), t, T)
    A, B = weights(trained, ex), weights(stepped, ex)
    s = scale(data, A, B)
    assert_close(A / s, B / s, what=f"train(data, {T}) vs {T} calls of winner + update (units of s = {s:g})")


# ------------------------------------------------------------------ σ → 0: online k-means
KMEANS_NEIGHBORHOODS = ("gaussian", "bubble", "mexican_hat")


@invariant(TOPIC, "som.sigma_to_zero_is_kmeans",
           statement="σ₀ → 0 (h(Δ) = 0 for Δ ≠ 0, h(0) = 1): train = online k-means, w_c ← w_c + η(t)(x_t − w_c)",
           why="When the neighbourhood shrinks to the winner alone the SOM is competitive learning (winner takes all): "
               "MacQueen's online k-means with step sizes η(t).  σ₀ ∈ {0.001, 0.01}: exp(−1/2σ²) underflows to 0 and "
               "the bubble holds the winner alone; the triangle is left out (its peak σ² vanishes with σ).",
           source="MacQueen (1967); Kohonen 2001, ch. 3 (a neighbourhood of the winner alone)", kind="tolerance", tolerance=ROUNDOFF,
           strategy=_trained(maps(options=("neighborhood_function", "decay_function"), sigmas=(0.001, 0.01)), max_T=30),
           draws={"neighborhood_function": KMEANS_NEIGHBORHOODS, "decay_function": None},
           requires={"training_order": ("ordered",)}, max_examples=25)
def sigma_to_zero_is_kmeans(impl, ex):
    som, data, T = build(impl, ex), ex["data"], ex["T"]
    W0 = flat_weights(som, ex)
    train(som, data, T)
    rate = ex["decay_function"]
    expected = oracle.online_kmeans(W0, data, T, lambda t: oracle.learning_rate(rate, ex["learning_rate"], t, T))
    s = scale(data, W0)
    assert_close(flat_weights(som, ex) / s, expected / s,
                 what=f"weights after train(data, {T}) with σ₀ = {ex['sigma']} vs online k-means ({rate}, units of s)")


# ------------------------------------------------------------------ convex hull
HULL_NEIGHBORHOODS = ("gaussian", "bubble", "triangle")


@st.composite
def hull_cases(draw):
    ex = draw(_trained(maps(max_side=4, options=("neighborhood_function", "decay_function", "training_order"),
                            rates=(0.1, 0.5, 1.0))))
    if ex["neighborhood_function"] == "triangle":  # peak σ²: keep η₀σ₀² ≤ 1 (σ(t) ≤ σ₀ under the default schedule)
        ex["learning_rate"] = ex["learning_rate"] / max(1.0, ex["sigma"] ** 2)
    return ex


@invariant(TOPIC, "som.convex_hull",
           statement="0 ≤ η(t)h ≤ 1 ⇒ every unit after train ∈ conv(initial units ∪ data)",
           why="Each update replaces w by the convex combination (1 − ηh)w + ηh·x of itself and a sample, so no unit "
               "ever leaves the hull of where the units started and the data (η₀ ≤ 1; the default σ schedule never "
               "grows σ, so the triangle's peak η₀σ(t)² stays ≤ η₀σ₀² ≤ 1).",
           source=SOURCE + " (the update rule)", kind="tolerance", tolerance=HULL, strategy=hull_cases(),
           draws={"neighborhood_function": HULL_NEIGHBORHOODS, "decay_function": None, "training_order": None},
           max_examples=15)
def convex_hull(impl, ex):
    som, data = build(impl, ex), ex["data"]
    W0 = flat_weights(som, ex)
    train(som, data, ex["T"], ex["training_order"])
    W = flat_weights(som, ex)
    s = scale(data, W0)
    P = np.vstack([W0, data]) / s
    for k, w in enumerate(W / s):
        gap = oracle.distance_to_hull(w, P, within=tolerance().atol)
        assert_true(gap <= tolerance().atol, f"unit {divmod(k, ex['shape'][1])} ended {gap:.3g}·s (L1) outside the "
                                             f"convex hull of the initial units and the data")


# ------------------------------------------------------------------ trained maps (statistical)
RUNS, TE_BOUND, P0 = 4, 0.25, 0.01
MAX_EXCEEDING = 3  # fail only when all 4 runs exceed: P(Binomial(4, 0.01) = 4) = 1e-8


@invariant(TOPIC, "som.trained_map_topology",
           statement="curve on 1 × 8, sheet on 4 × 4; of 4 seeded runs, at least one has TE ≤ 0.25 and QE < QE₀",
           why="A SOM trained on data from a 1-D curve or a 2-D sheet unfolds along it: the best and second-best "
               "units of a sample are neighbours (small topographic error) and the units have moved onto the data "
               "(quantization error below the initial one).  Test: a run exceeds when TE > 0.25 or QE ≥ QE₀ (both by "
               "definition from get_weights); measured over 1000 seeds per (data, order): 0 of 4000 runs of the "
               "reference (= MiniSom) exceed (largest TE 0.17), 1 of 4000 of sklearn-som (a sheet whose map, under "
               "its fixed σ, ended with QE = 1.08·QE₀), so p ≤ P0 = 0.01 per run; failing only when all 4 runs "
               "exceed has false-alarm rate P(Bin(4, 0.01) = 4) = 1e-8 per (data, order), ≤ 4e-8 per check.  "
               "Settings: N = 100, σ₀ = 2, η₀ = 0.5, T = 300, the implementation's default neighbourhood and "
               "schedules; the seeds of data and map are fixed by the example.",
           source="Kiviluoto, Topology preservation in self-organizing maps (ICNN 1996); Kohonen 2001, ch. 3",
           kind="statistical", tolerance=BMU_SEARCH,
           strategy=st.fixed_dictionaries({"seed": st.integers(0, 2**32 - 1)}), draws={"training_order": None},
           max_examples=1)
def trained_map_topology(impl, ex):
    counts = {"runs": 0, "runs_exceeding": 0}
    for order in [o for o in ORDERS if supports("training_order", o)]:
        for case, (shape, _, sigma, eta, T) in TRAINED.items():
            exceeding = []
            for r in range(RUNS):
                seed = (ex["seed"] + r) % 2**32
                data = manifold_data(case, seed)
                mex = {"shape": shape, "input_len": 2, "sigma": sigma, "learning_rate": eta, "random_seed": seed}
                som = build(impl, mex)
                q0 = oracle.quantization_error(flat_weights(som, mex), data)
                train(som, data, T, order)
                W = flat_weights(som, mex)
                q = oracle.quantization_error(W, data)
                te = oracle.topographic_error_bounds(W, data, shape, tolerance().atol * scale(data, W))[0]
                if te > TE_BOUND or not q < q0:
                    exceeding.append(f"seed {seed}: TE = {te:.3f}, QE = {q:.4g} vs QE₀ = {q0:.4g}")
            counts["runs"] += RUNS
            counts["runs_exceeding"] += len(exceeding)
            assert_true(len(exceeding) <= MAX_EXCEEDING,
                        f"{case} on a {shape[0]} × {shape[1]} map, {order} training: {len(exceeding)} of {RUNS} runs "
                        f"exceed TE ≤ {TE_BOUND} and QE < QE₀ ({'; '.join(exceeding)})")
    return counts


# ------------------------------------------------------------------ quality measures
@st.composite
def quality_cases(draw, min_units=1):
    ex = draw(_trained(maps(), min_T=0, max_T=8))
    X, Y = ex["shape"]
    if X * Y < min_units:
        ex["shape"] = (X, Y + 1)
    ex["weights_from_data"] = draw(st.booleans(), label="weights_from_data")
    return ex


def _trained_codebook(impl, ex):
    som = build(impl, ex)
    if ex["weights_from_data"] and supports("operations", "random_weights_init"):
        call(som.random_weights_init, ex["data"])  # duplicate units: ties among the best two
    if ex["T"]:
        train(som, ex["data"], ex["T"])
    return som, flat_weights(som, ex)


@invariant(TOPIC, "som.quantization_error_definition", statement="quantization_error(data) = (1/N) Σ_n min_k ‖x_n − w_k‖₂",
           why="The quantization error is the mean Euclidean distance from each sample to its best-matching unit.",
           source="Kohonen 2001, ch. 3; MiniSom.quantization_error", kind="tolerance", tolerance=BMU_SEARCH,
           strategy=quality_cases(), requires={"operations": ("quantization_error",)}, max_examples=20)
def quantization_error_definition(impl, ex):
    som, W = _trained_codebook(impl, ex)
    qe = scalar(call(som.quantization_error, ex["data"]), "quantization_error(data)")
    s = scale(ex["data"], W)
    assert_close(qe / s, oracle.quantization_error(W, ex["data"]) / s, what=f"quantization_error / s (s = {s:g})")


@invariant(TOPIC, "som.topographic_error_definition",
           statement="topographic_error(data) = (1/N) #{n : best and second-best units of x_n not adjacent}, ties any way",
           why="Kiviluoto's topographic error, with MiniSom's rectangular adjacency (the 8 surrounding units); where "
               "units tie (duplicates from random_weights_init, or within the BMU search's round-off) any order of "
               "the tied units is right, so the value must lie between the smallest and largest over those orders.",
           source="Kiviluoto (ICNN 1996); MiniSom.topographic_error", kind="tolerance", tolerance=BMU_SEARCH,
           strategy=quality_cases(min_units=2), requires={"operations": ("topographic_error",)}, max_examples=20)
def topographic_error_definition(impl, ex):
    som, W = _trained_codebook(impl, ex)
    te = scalar(call(som.topographic_error, ex["data"]), "topographic_error(data)")
    lo, hi = oracle.topographic_error_bounds(W, ex["data"], ex["shape"], tolerance().atol * scale(ex["data"], W))
    assert_true(lo - 1e-12 <= te <= hi + 1e-12, f"topographic_error = {te!r}, outside [{lo!r}, {hi!r}] (the values "
                                                 f"of every order of tied units; adjacency: the 8 surrounding units)")


# ------------------------------------------------------------------ determinism
@invariant(TOPIC, "som.deterministic",
           statement="same random_seed, same calls ⇒ identical weights and winners, under any global random state",
           why="random_seed fixes the initial weights and the random order; an implementation must not draw from a "
               "global random number generator (Hypothesis reseeds those for every example, which would hide it).",
           source="MiniSom (RandomState(random_seed) for initialisation and order)", kind="exact", tolerance=EXACT,
           strategy=_trained(maps(options=("training_order",))), draws={"training_order": None}, max_examples=12)
def deterministic(impl, ex):
    def run():
        som = build(impl, ex)
        train(som, ex["data"], ex["T"], ex["training_order"])
        return weights(som, ex), winner(som, ex["data"][0], ex)

    assert_deterministic(run, what=f"train(data, {ex['T']}, {ex['training_order']}) with random_seed fixed")


# ------------------------------------------------------------------ cross-check
@st.composite
def crosscheck_cases(draw):
    ex = draw(_trained(maps(options=("activation_distance", "decay_function", "sigma_decay_function")), max_T=16))
    ex["weights_from_data"] = draw(st.booleans(), label="weights_from_data")
    return ex


@crosscheck(TOPIC, "som.crosscheck.minisom",
            statement="same seed: bit-identical weights after init, random_weights_init and train (ordered, random), "
                      "every neighbourhood × schedules × distance; equal QE and TE",
            why="The reference follows MiniSom operation for operation (LIBRARY-NOTES: a numpy SOM reproduced it "
                "bit-for-bit in 22/22 configurations), so any difference is a deviation of one of them from the "
                "definitions — which the other invariants then locate.",
            source="MiniSom 2.3.6 vs reference.som.som", tolerance={"default": EXACT, "errors": BMU_SEARCH},
            strategy=crosscheck_cases(), pairs=[("reference.som.som:MiniSom", "minisom:MiniSom")],
            draws={"activation_distance": None, "decay_function": None, "sigma_decay_function": None},
            max_examples=16)
def crosscheck_minisom(a, b, ex):
    data, T = ex["data"], ex["T"]
    setting = (f"activation_distance={ex['activation_distance']!r}, decay_function={ex['decay_function']!r}, "
               f"sigma_decay_function={ex['sigma_decay_function']!r}")
    for name in [n for n in NEIGHBORHOODS if supports("neighborhood_function", n)]:
        for order in [o for o in ORDERS if supports("training_order", o)]:
            run = {**ex, "neighborhood_function": name}
            A, B = build(a, run), build(b, run)
            assert_close(weights(A, run), weights(B, run), what=f"initial weights ({setting})")
            if ex["weights_from_data"]:
                call(A.random_weights_init, data)
                call(B.random_weights_init, data)
                assert_close(weights(A, run), weights(B, run), what=f"weights after random_weights_init ({setting})")
            train(A, data, T, order)
            train(B, data, T, order)
            WA = weights(A, run)
            assert_close(WA, weights(B, run), what=f"weights after train(data, {T}, {order}) with {name} ({setting})")
    s = scale(data, WA)
    qa, qb = (scalar(call(m.quantization_error, data), "quantization_error") for m in (A, B))
    assert_close(qa / s, qb / s, tol="errors", what=f"quantization_error / s after training ({setting})")
    if ex["shape"][0] * ex["shape"][1] > 1:
        lo, hi = oracle.topographic_error_bounds(WA.reshape(-1, ex["input_len"]), data, ex["shape"],
                                                 tolerance("errors").atol * s)
        if lo == hi:  # no tied units among the best two: one right answer
            ta, tb = (scalar(call(m.topographic_error, data), "topographic_error") for m in (A, B))
            assert_close(ta, tb, tol="errors", what=f"topographic_error after training ({setting})")
