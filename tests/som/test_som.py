"""SOMs, what is specific to the topic: the reference's bad input and purity, the library findings as explicit
examples (MiniSom's Chebyshev and cosine distances, sklearn-som's σ convention) and the adapter's declared support.
Invariants × implementations, the cross-check and the mutants run in tests/test_topics.py."""
import importlib.util
import itertools
import math

import numpy as np
import pytest

from properties.engine import check_example, find_invariant, get_topic
from properties.oracles import som as oracle
from reference.som.som import MiniSom

HAS_MINISOM = importlib.util.find_spec("minisom") is not None
HAS_SKLEARN_SOM = importlib.util.find_spec("sklearn_som") is not None
DATA = np.array([[0.0, 1.0], [1.0, -1.0], [0.5, 0.25], [-2.0, 0.0]])


# ------------------------------------------------------------- the reference's own contract
@pytest.mark.parametrize("kwargs, param", [
    ({"x": 0}, "x"), ({"y": 2.5}, "y"), ({"input_len": True}, "input_len"),
    ({"sigma": 0.0}, "sigma"), ({"sigma": -1.0}, "sigma"), ({"sigma": math.nan}, "sigma"), ({"sigma": math.inf}, "sigma"),
    ({"learning_rate": -0.1}, "learning_rate"), ({"learning_rate": math.nan}, "learning_rate"),
    ({"neighborhood_function": "cone"}, "neighborhood_function"), ({"activation_distance": "minkowski"}, "activation_distance"),
    ({"decay_function": "inverse_decay_to_one"}, "decay_function"), ({"sigma_decay_function": "linear_decay_to_zero"}, "sigma_decay_function"),
])
def test_bad_parameters_name_the_parameter(kwargs, param):
    args = {"x": 2, "y": 3, "input_len": 2, **kwargs}
    with pytest.raises(ValueError, match=param):
        MiniSom(args.pop("x"), args.pop("y"), args.pop("input_len"), **args)


@pytest.mark.parametrize("act, param", [
    (lambda s: s.train(DATA[:, :1], 3), "input_len"),
    (lambda s: s.train(np.ones((0, 2)), 3), "data"),
    (lambda s: s.train(DATA, 0), "num_iteration"),
    (lambda s: s.train(np.where(DATA == 1.0, np.nan, DATA), 3), "data must be finite"),
    (lambda s: s.winner(np.ones(3)), "x must have shape"),
    (lambda s: s.winner(np.array([np.inf, 0.0])), "x must be finite"),
    (lambda s: s.update(DATA[0], (2, 0), 0, 3), "win must lie on the 2 × 3 grid"),
    (lambda s: s.update(DATA[0], (0, 0), -1, 3), "t must be"),
    (lambda s: s.update(DATA[0], (0, 0), 0, 0), "max_iteration"),
    (lambda s: MiniSom(1, 1, 2).topographic_error(DATA), "at least two units"),
])
def test_bad_calls_name_the_parameter(act, param):
    with pytest.raises(ValueError, match=param):
        act(MiniSom(2, 3, 2, random_seed=0))


def test_inputs_are_not_mutated_and_weights_are_a_copy():
    data, x = DATA.copy(), DATA[1].copy()
    som = MiniSom(2, 3, 2, random_seed=0)
    som.train(data, 7, random_order=True)
    som.update(x, som.winner(x), 1, 7)
    som.random_weights_init(data)
    np.testing.assert_array_equal(data, DATA)
    np.testing.assert_array_equal(x, DATA[1])
    som.get_weights()[:] = 0.0
    assert np.any(som.get_weights() != 0.0)


def test_triangle_peak_is_sigma_squared():
    """MiniSom's triangle is the product of two 1-D triangles: σ² at the winner, so η₀σ₀² > 1 overshoots."""
    som = MiniSom(3, 3, 1, sigma=2.0, learning_rate=0.5, neighborhood_function="triangle", random_seed=0)
    w = som.get_weights()[1, 1, 0]
    som.update(np.array([w + 1.0]), (1, 1), 0, 10)
    assert som.get_weights()[1, 1, 0] == pytest.approx(w + 2.0)  # moved by η₀σ₀² = 2 times x − w: past x


# ------------------------------------------------------------- bit-exact against MiniSom, every configuration
@pytest.mark.skipif(not HAS_MINISOM, reason="minisom not installed")
@pytest.mark.filterwarnings("ignore:sigma should be an integer:UserWarning")  # MiniSom, bubble/triangle with σ = 1.5
def test_reference_is_bit_identical_to_minisom_in_every_configuration():
    """Every neighbourhood × η schedule × σ schedule × order × {euclidean, manhattan}, with and without
    random_weights_init, on a non-square map (LIBRARY-NOTES measured 22 configurations; here all 288).  The
    Chebyshev and cosine distances differ by MiniSom's recorded defects (test_minisom_* below)."""
    from minisom import MiniSom as LibraryMiniSom

    data = np.random.default_rng(7).normal(size=(9, 3))
    different = []
    for nb, eta, sig, order, dist, from_data in itertools.product(
            ("gaussian", "bubble", "triangle", "mexican_hat"),
            ("asymptotic_decay", "inverse_decay_to_zero", "linear_decay_to_zero"),
            ("asymptotic_decay", "inverse_decay_to_one", "linear_decay_to_one"),
            (False, True), ("euclidean", "manhattan"), (False, True)):
        kw = dict(sigma=1.5, learning_rate=0.7, neighborhood_function=nb, decay_function=eta,
                  sigma_decay_function=sig, activation_distance=dist, random_seed=11)
        soms = MiniSom(3, 4, 3, **kw), LibraryMiniSom(3, 4, 3, **kw)
        for som in soms:
            if from_data:
                som.random_weights_init(data)
            som.train(data, 12, random_order=order)
        if not np.array_equal(soms[0].get_weights(), soms[1].get_weights()):
            different.append((nb, eta, sig, order, dist, from_data))
    assert not different


# ------------------------------------------------------------- findings in the libraries, as explicit examples
def _example(distance, data, **extra):
    return {"shape": (2, 3), "input_len": data.shape[1], "sigma": 1.0, "learning_rate": 0.5, "random_seed": 3,
            "activation_distance": distance, "data": data, "weights_from_data": True, **extra}


SIGN_SYMMETRIC = np.array([[1.0, -2.0], [-1.0, 2.0], [3.0, 0.0], [-3.0, 0.0]])


@pytest.mark.skipif(not HAS_MINISOM, reason="minisom not installed")
def test_minisom_chebyshev_has_no_absolute_value():
    """MiniSom 2.3.6: _chebyshev_distance = max(x − w) — caught on sign-symmetric data, the reference passes."""
    from minisom import MiniSom as LibraryMiniSom

    inv = find_invariant("som.activation_distance_definition")
    ex = _example("chebyshev", SIGN_SYMMETRIC)
    assert check_example(inv, MiniSom, ex) is None
    with pytest.raises(AssertionError, match="activation_distance='chebyshev'"):
        check_example(inv, LibraryMiniSom, ex)
    som = LibraryMiniSom(1, 1, 2, activation_distance="chebyshev", random_seed=0)
    w = som.get_weights()[0, 0]
    assert som.activate(w + np.array([-1.0, 0.5]))[0, 0] == pytest.approx(0.5)  # max |x − w| is 1


@pytest.mark.skipif(not HAS_MINISOM, reason="minisom not installed")
def test_minisom_cosine_guard_is_not_scale_invariant():
    """MiniSom's cosine: 1 − x·w/(‖x‖‖w‖ + 1e-8) — on data of size 1e-5 it is far from the angle's cosine."""
    from minisom import MiniSom as LibraryMiniSom

    inv = find_invariant("som.activation_distance_definition")
    ex = _example("cosine", SIGN_SYMMETRIC * 1e-5)
    assert check_example(inv, MiniSom, ex) is None
    with pytest.raises(AssertionError, match="activation_distance='cosine'"):
        check_example(inv, LibraryMiniSom, ex)
    som = LibraryMiniSom(1, 1, 2, activation_distance="cosine", random_seed=0)
    w = som.get_weights()[0, 0]
    # x parallel to the unit vector w: the cosine distance is 0; MiniSom's is ε/(‖x‖ + ε) with ε = 1e-8
    assert som.activate(1e-5 * w)[0, 0] == pytest.approx(1e-8 / (1e-5 + 1e-8), rel=1e-6)
    assert som.activate(1e-8 * w)[0, 0] == pytest.approx(0.5, rel=1e-6)


@pytest.mark.skipif(not HAS_SKLEARN_SOM, reason="sklearn-som not installed")
def test_sklearn_som_gaussian_is_the_textbook_one_at_sigma_over_root_two():
    """sklearn-som's neighbourhood exp(−d²/σ²) is exactly the textbook exp(−d²/2σ'²) with σ' = σ/√2: with σ = √2·σ'
    one step agrees with the textbook step at σ' to round-off, and with σ = σ' it does not."""
    from properties.adapters.sklearn_som import SklearnSOM

    x, c, sigma = np.array([0.3, -0.7]), (1, 2), 1.5
    for factor, agrees in ((math.sqrt(2), True), (1.0, False)):
        som = SklearnSOM(3, 4, 2, sigma=sigma * factor, learning_rate=0.5, random_seed=1)
        W = np.array(som.get_weights(), copy=True)
        som.update(x, c, 0, 10)
        expected = W + 0.5 * oracle.neighbourhood("gaussian", (3, 4), c, sigma)[:, :, None] * (x - W)
        assert np.allclose(som.get_weights(), expected, rtol=0, atol=1e-12) is agrees


@pytest.mark.skipif(not HAS_SKLEARN_SOM, reason="sklearn-som not installed")
def test_sklearn_som_adapter_declares_what_the_probe_finds():
    """The adapter's invariants_support is what `invariants probe` detects, axis by axis."""
    from properties.adapters.sklearn_som import SklearnSOM
    from properties.engine.probe import probe

    outcomes = probe(get_topic("som"), SklearnSOM)
    found = {}
    for o in outcomes:
        found.setdefault(o.axis, []).extend([o.value] if o.supported else [])
    declared = {k: list(v) for k, v in SklearnSOM.invariants_support.items() if k != "precision"}
    assert found == declared
