"""benchmarks/ddim_learned.py: the --quick smoke run, and every metric and criterion against a known answer.

The full run is a benchmark, not a test; here it runs in --quick mode (a tiny network, 20 training steps, two S
values) into a temporary folder.
"""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the benchmark needs torch (install the 'diffusion' extra)")
ot = pytest.importorskip("ot", reason="the benchmark needs pot (install the 'bench' extra)")
pytest.importorskip("matplotlib", reason="the benchmark's plot needs matplotlib (install the 'bench' extra)")

from benchmarks import ddim_learned  # noqa: E402
from benchmarks.ddim_learned_metrics import (Evaluator, bootstrap_counts, first_matching_steps, frechet_of_fits,  # noqa: E402
                                             frechet_resampled, gaussian_fit, mean_log_density,
                                             sliced_w2_sq, sliced_w2_sq_resampled, steps_to_reach, unit_directions)
from benchmarks.ddim_learned_model import (EpsMLP, ExactEps, Mixture, high_dim_mixture, load_or_train, ring_mixture,  # noqa: E402
                                           simple_loss_floor, time_embedding, train)
from properties.oracles.gaussian import frechet_distance, mixture_eps  # noqa: E402


def exact_moment_sample(n: int, mean: np.ndarray, cov: np.ndarray, seed: int) -> np.ndarray:
    """n points whose sample mean is ``mean`` and whose 1/n covariance is ``cov``, exactly (up to round-off)."""
    z = np.random.default_rng(seed).standard_normal((n, len(mean)))
    z -= z.mean(0)
    z = z @ np.linalg.inv(np.linalg.cholesky(z.T @ z / n)).T       # whitened: identity sample covariance
    return mean + z @ np.linalg.cholesky(cov).T


def rotation(d: int, seed: int) -> np.ndarray:
    return np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))[0]


# -------------------------------------------------------------------------------------------- the smoke run


def test_quick_run_writes_table_one_shaped_tables_with_finite_figures(tmp_path):
    deterministic, threads = torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()
    argv = ["--quick", "--jobs", "1", "--out", str(tmp_path), "--cache", str(tmp_path / "cache")]
    assert ddim_learned.main(argv) == 0
    assert (torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()) == (deterministic, threads)
    assert (tmp_path / "ddim_learned.png").stat().st_size > 0
    text = (tmp_path / "ddim_learned.md").read_text()
    steps = ddim_learned.QUICK.steps
    header = "| | " + " | ".join(f"S = {S}" for S in steps) + " |"
    rows = [name for name, _ in ddim_learned.ROWS] + [f"{name}, exact ε" for name in ddim_learned.CONTROL]
    tables = text.split("\n### ")[1:]
    assert [t.split(":")[0] for t in tables] == ["d = 2"] * 4 + ["d = 16"] * 4  # Fréchet, sliced W₂², log p, off
    for table in tables:
        lines = table.split("\n")
        assert lines[2] == header
        body = lines[4:lines.index("", 4)]
        assert [line.split(" | ")[0][2:] for line in body] == rows
        for line in body:
            cells = line.strip("| ").split(" | ")[1:]
            assert len(cells) == len(steps)
            for cell in cells:
                value, half = (float(v) for v in cell.split(" ± "))
                assert np.isfinite(value) and np.isfinite(half) and half >= 0, line
    speedup = text.split("## Speed-up")[1].split("\n\n")[2].split("\n")[2:]
    assert len(speedup) == 2 * 3 * 2  # dimensions × criteria × baselines
    # the smoke run cached its networks under the configuration's key: loading skips training and gives the
    # weights a fresh (deterministic) training run gives
    mixture, cfg = ring_mixture(), ddim_learned.QUICK.train[2]
    cached_model, info, cached = load_or_train(mixture, cfg, tmp_path / "cache")
    assert cached and len(info["loss"]) == cfg.steps and np.isfinite(info["loss"]).all()
    assert sorted(info["snapshots"]) == list(cfg.snapshots)
    fresh_model, _ = train(mixture, cfg)
    for (name, a), b in zip(cached_model.state_dict().items(), fresh_model.state_dict().values()):
        assert torch.equal(a, b), name


# -------------------------------------------------------------------------------------------- metrics


def test_frechet_of_fits_is_the_closed_form_w2_between_two_gaussians():
    # commuting covariances Σ_i = Q diag(λ_i) Qᵀ: W₂² = ‖m₁ − m₂‖² + Σ (√λ₁ − √λ₂)²
    q = rotation(3, 1)
    m1, m2 = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0, -0.5])
    lam1, lam2 = np.array([0.2, 1.0, 4.0]), np.array([1.0, 0.3, 2.0])
    x = exact_moment_sample(500, m1, (q * lam1) @ q.T, seed=2)
    y = exact_moment_sample(700, m2, (q * lam2) @ q.T, seed=3)
    expected = np.sum((m1 - m2) ** 2) + np.sum((np.sqrt(lam1) - np.sqrt(lam2)) ** 2)
    assert frechet_of_fits(x, y) == pytest.approx(expected, rel=1e-10)


def test_metrics_of_identical_samples_are_zero():
    x = high_dim_mixture().sample(300, seed=4)
    theta = unit_directions(16, 20, seed=5)
    assert frechet_of_fits(x, x) == pytest.approx(0.0, abs=1e-10)
    assert sliced_w2_sq(x, x, theta) == 0.0
    evaluator = Evaluator(high_dim_mixture(), x, n_boot=10, n_directions=20, seed=6)
    point = evaluator.point(x.copy())
    assert point["fd"] == pytest.approx(0.0, abs=1e-10) and point["sw2"] == 0.0
    assert point["logp"] == pytest.approx(mean_log_density(x, high_dim_mixture()))


def test_sliced_w2_between_two_gaussians_is_the_closed_form():
    # N(m, Σ) and N(m + c, s²Σ): in direction θ the projections are 1-D Gaussians, and the 1-D W₂² is
    # (θᵀc)² + (√θᵀΣθ − s√θᵀΣθ)².  Samples with exact moments related by the monotone map y = m + c + s (x − m)
    # reach it exactly (the sorted coupling is the map itself).
    d, s = 4, 0.6
    q = rotation(d, 7)
    sigma, m, c = (q * np.array([0.1, 0.5, 1.0, 3.0])) @ q.T, np.array([1.0, -2.0, 0.0, 0.5]), np.array([0.3, 0, -1, 2])
    x = exact_moment_sample(400, m, sigma, seed=8)
    y = m + c + s * (x - m)
    theta = unit_directions(d, 50, seed=9)
    quad = np.einsum("pi,ij,pj->p", theta, sigma, theta)
    expected = np.mean((theta @ c) ** 2 + (np.sqrt(quad) - s * np.sqrt(quad)) ** 2)
    assert sliced_w2_sq(x, y, theta) == pytest.approx(expected, rel=1e-10)
    # POT's estimator with the same directions computes the same number (it returns SW₂, not squared)
    assert ot.sliced_wasserstein_distance(x, y, projections=theta.T) ** 2 == pytest.approx(expected, rel=1e-10)


def test_sliced_w2_rejects_unequal_sample_sizes():
    with pytest.raises(ValueError, match="equal sample sizes"):
        sliced_w2_sq(np.zeros((3, 2)), np.zeros((4, 2)), unit_directions(2, 3, 0))


def test_resampled_sliced_w2_equals_sorting_each_resample():
    mixture = ring_mixture()
    x, y = mixture.sample(200, 10), mixture.sample(200, 11)
    theta = unit_directions(2, 16, 12)
    counts = bootstrap_counts(200, 7, 13)
    y_sorted = np.sort(y @ theta.T, axis=0)
    naive = [sliced_w2_sq(np.repeat(x, c, axis=0), y, theta) for c in counts]
    np.testing.assert_allclose(sliced_w2_sq_resampled(x, y_sorted, theta, counts, chunk=3), naive, rtol=1e-10)
    ones = np.ones((1, 200), dtype=np.int64)
    assert sliced_w2_sq_resampled(x, y_sorted, theta, ones)[0] == pytest.approx(sliced_w2_sq(x, y, theta), rel=1e-12)


def test_weighted_fits_equal_the_fits_of_repeated_rows():
    x = high_dim_mixture().sample(100, 14)
    counts = bootstrap_counts(100, 3, 15)
    ref_mean, ref_cov = gaussian_fit(high_dim_mixture().sample(100, 16))
    expected = [frechet_distance(*gaussian_fit(np.repeat(x, c, axis=0)), ref_mean, ref_cov) for c in counts]
    np.testing.assert_allclose(frechet_resampled(x, ref_mean, ref_cov, counts), expected, rtol=1e-10)


def test_mean_log_density_of_a_gaussian_is_minus_its_entropy():
    # for points with sample mean μ and 1/n covariance Σ: mean log N(x; μ, Σ) = −d/2 − ½ log det(2πΣ) exactly
    d = 3
    q = rotation(d, 17)
    sigma, mu = (q * np.array([0.2, 1.0, 2.5])) @ q.T, np.array([1.0, 2.0, -1.0])
    single = Mixture("one Gaussian", np.ones(1), mu[None], sigma[None])
    x = exact_moment_sample(300, mu, sigma, seed=18)
    expected = -d / 2 - 0.5 * np.linalg.slogdet(2 * np.pi * sigma)[1]
    assert mean_log_density(x, single) == pytest.approx(expected, rel=1e-10)


def test_bootstrap_standard_error_of_a_mean_is_s_over_root_n():
    # the bootstrap SE of a sample mean estimates s/√n; with 400 resamples its relative error is about 3.5%, and
    # this fixed-seed draw must land within 15% (over 4 of those standard errors)
    n = 2000
    values = np.random.default_rng(19).standard_normal(n)
    counts = bootstrap_counts(n, 400, 20)
    se = np.std(counts @ values / n, ddof=1)
    assert se == pytest.approx(np.std(values) / np.sqrt(n), rel=0.15)


def test_off_data_fraction_counts_the_samples_less_likely_than_every_data_point():
    mixture = ring_mixture()
    reference = mixture.sample(200, 500)
    evaluator = Evaluator(mixture, reference, n_boot=5, n_directions=4, seed=600)
    x = reference.copy()
    x[:7] += 100.0  # far from every mode: less likely than any data point
    assert evaluator.point(reference)["off"] == 0.0
    assert evaluator.point(x)["off"] == 7 / 200


def test_evaluator_interval_and_noise_floor():
    mixture = ring_mixture()
    reference = mixture.sample(400, 21)
    # seeds apart: two numpy Generators from one seed draw the same stream, and a bootstrap whose counts follow
    # the sample's own draws is no bootstrap
    evaluator = Evaluator(mixture, reference, n_boot=20, n_directions=8, seed=100)
    shifted = evaluator(mixture.sample(400, 200) + 0.5)
    same = evaluator(mixture.sample(400, 300))
    floor = evaluator.floor(repeats=8, seed=400)
    for metric in ("fd", "sw2"):
        assert shifted[metric].lo < shifted[metric].value < shifted[metric].hi
        # a shift c = (0.5, 0.5) adds about ‖c‖² = 0.5 to both distances: far above the floor
        assert shifted[metric].lo > floor[metric].hi
        assert same[metric].value < floor[metric].hi


# -------------------------------------------------------------------------------------------- criteria


def test_first_matching_steps_needs_every_larger_step_to_match():
    values = {10: 5.0, 20: 3.0, 50: 1.0, 100: 2.0, 200: 0.5, 500: 0.4, 1000: 0.1}
    assert first_matching_steps(values, 2.0, below=1000) == 50
    assert first_matching_steps(values, 1.0, below=1000) == 200
    assert first_matching_steps(values, 0.1, below=1000) is None
    assert first_matching_steps(values, 9.0, below=1000) == 10


def test_steps_to_reach_interpolates_a_power_law_exactly():
    values = {S: S ** -2.0 for S in (10, 20, 50, 100)}
    assert steps_to_reach(values, 30.0 ** -2) == pytest.approx(30.0, rel=1e-12)
    assert steps_to_reach(values, 1.0) == 10.0
    assert steps_to_reach(values, 1e-6) is None


# -------------------------------------------------------------------------------------------- data and model


@pytest.mark.parametrize("mixture", [ring_mixture(), high_dim_mixture()], ids=lambda m: m.name)
def test_exact_eps_is_the_oracle_mixture_eps(mixture):
    exact = ExactEps(mixture)
    x = torch.tensor(mixture.sample(50, 26)) * 1.3
    for t in (0, 37, 500, 999):
        expected = mixture_eps(x.numpy(), mixture.weights, list(mixture.mus), list(mixture.sigmas),
                               float(exact.alpha_bar[t]))
        np.testing.assert_allclose(exact(x, t).numpy(), expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("mixture", [ring_mixture(), high_dim_mixture()], ids=lambda m: m.name)
def test_mixtures_have_unequal_weights_and_anisotropic_modes(mixture):
    assert mixture.weights.sum() == pytest.approx(1.0) and len(set(mixture.weights)) == len(mixture.weights)
    for sigma in mixture.sigmas:
        eig = np.linalg.eigvalsh(sigma)
        assert eig.min() > 0 and eig.max() / eig.min() > 2
    assert len(mixture.weights) == 8


def test_ring_modes_lie_on_a_circle():
    np.testing.assert_allclose(np.linalg.norm(ring_mixture().mus, axis=1), 1.5)


def test_loss_floor_of_standard_normal_data_is_the_mean_alpha_bar():
    # data N(0, I): q_t = N(0, I), ε* = √(1 − ᾱ) x_t, and E‖ε − ε*‖²/d = ᾱ_t; averaged over t uniform.  Monte Carlo
    # with 20000 × 2 terms of variance below 2.2: standard error below 0.008, tolerance 0.04 (5 of them)
    standard = Mixture("N(0, I)", np.ones(1), np.zeros((1, 2)), np.eye(2)[None])
    exact = ExactEps(standard)
    assert simple_loss_floor(exact, standard, 20_000, 27) == pytest.approx(float(exact.alpha_bar.mean()), abs=0.04)


def test_network_draws_only_from_its_generator():
    state = torch.random.get_rng_state()
    a = EpsMLP(2, 8, 2, 4, torch.Generator().manual_seed(3))
    b = EpsMLP(2, 8, 2, 4, torch.Generator().manual_seed(3))
    assert torch.equal(torch.random.get_rng_state(), state)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)
    x = torch.zeros(5, 2)
    assert a(x, 7).shape == (5, 2) and a(x, torch.arange(5)).shape == (5, 2)


def test_time_embedding_is_sin_and_cos_of_t_times_frequencies():
    emb = time_embedding(torch.tensor([0, 3]), 8)
    np.testing.assert_allclose(emb[0].numpy(), [0, 0, 0, 0, 1, 1, 1, 1])
    omega = 10000.0 ** (-np.arange(4) / 4)
    np.testing.assert_allclose(emb[1].numpy(), np.concatenate([np.sin(3 * omega), np.cos(3 * omega)]), rtol=1e-6)



def test_exact_eps_by_rows_is_exact_eps_per_timestep():
    mixture = high_dim_mixture()
    exact = ExactEps(mixture)
    x = torch.tensor(mixture.sample(6, 28))
    t = torch.tensor([0, 999, 37, 500, 37, 1])
    expected = torch.stack([exact(x[i:i + 1], int(t[i]))[0] for i in range(len(t))])
    torch.testing.assert_close(exact.rows(x, t), expected, rtol=1e-12, atol=1e-14)
