"""The DDIM paper's Table 1, in closed form: sample quality against the number of steps S and η.

    .venv/bin/python benchmarks/ddim_table1.py          # writes benchmarks/results/ddim_table1.{md,png} (~1 min)

Song et al. (arXiv:2010.02502) Table 1 reports CIFAR-10 FID for rows η ∈ {0.0, 0.2, 0.5, 1.0} and σ̂ (DDPM with the
forward variance β), columns S ∈ {10, 20, 50, 100, 1000}.  Here the learned network is replaced by the *exact* ε of
known data, so every number is computed, not estimated:

* Gaussian data N(μ, Σ), anisotropic Σ, d = 2 and d = 64.  The exact ε(x_t, t) = √(1−ᾱ_t) C_t⁻¹ (x_t − √ᾱ_t μ) is
  affine, so each step of the *reference schedulers* (``reference.diffusion.ddim.DDIMScheduler``, ``reference.diffusion.ddpm.
  DDPMScheduler(variance_type="fixed_large")`` for σ̂) is an affine map of (x_t, z).  The map is read off the
  scheduler itself by probing it with a batch (x = 0, e_i; z = e_j), and the sampler's output Gaussian is propagated
  exactly from x_T ~ N(0, I).  Quality = Fréchet distance W₂²(output, data) (FID's formula, exact here) and
  KL(data ‖ output).  Deterministic: no sampling at all.
* A 2-D Gaussian mixture (8 anisotropic components on a ring): its exact ε is the mixture's posterior-weighted
  score; samples are generated with fixed seeds and compared with an independent data sample by the sliced
  Wasserstein-2 distance (200 fixed directions); the floor row is data vs data.

Setup as in the paper's CIFAR-10 runs: linear β from 1e-4 to 0.02, T = 1000, "leading" timesteps (τ_i = i·T/S, the
paper's uniform skip), last step to ᾱ = 1.  The speed-up is the smallest S (over divisors of 1000) at which DDIM
(η = 0) is at least as close to the data as DDPM with S = 1000; 1000 / S is the factor the paper claims (10-50×).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from properties.oracles.gaussian import (frechet_distance, gaussian_eps_affine, kl_gaussian, mixture_eps,  # noqa: E402
                                         noised_gaussian, propagate_affine, random_spd, sample_mixture)
from reference.diffusion.ddim import DDIMScheduler  # noqa: E402
from reference.diffusion.ddpm import DDPMScheduler  # noqa: E402

T = 1000
COLUMNS = (10, 20, 50, 100, 1000)
ROWS = (("η = 0.0", 0.0), ("η = 0.2", 0.2), ("η = 0.5", 0.5), ("η = 1.0", 1.0), ("σ̂", "sigma_hat"))
SCAN = (10, 20, 25, 40, 50, 100, 125, 200, 250, 500, 1000)  # divisors of T: exact "leading" strides
EXACT_PRIOR = "η = 0.0, x_T ~ q(x_τ)"  # diagnostic row: DDIM started from the exact noised marginal, not N(0, I)


def make_scheduler(row):
    if row == "sigma_hat":
        return DDPMScheduler(num_train_timesteps=T, variance_type="fixed_large")
    return DDIMScheduler(num_train_timesteps=T, set_alpha_to_one=True)


def do_step(sched, row, model_output, t, x, z):
    kw = {} if row == "sigma_hat" else {"eta": row}
    return sched.step(model_output, t, x, variance_noise=z, **kw).prev_sample


def output_gaussian(row, S: int, mu: np.ndarray, sigma: np.ndarray, exact_prior: bool = False):
    """The sampler's exact output N(m, C) for data N(μ, Σ) (each step probed as x ↦ M x + c + J z), started from
    N(0, I) or (``exact_prior``) from the exact marginal q(x_τ) at the first timestep."""
    d = len(mu)
    sched = make_scheduler(row)
    sched.set_timesteps(S)
    ab = sched.alphas_cumprod.numpy()
    probe = np.zeros((2 * d + 1, d))
    probe[1:d + 1] = np.eye(d)
    z = torch.zeros(2 * d + 1, d, dtype=torch.float64)
    z[d + 1:] = torch.eye(d, dtype=torch.float64)
    x = torch.tensor(probe)
    first = int(sched.timesteps[0])
    m, C = noised_gaussian(mu, sigma, ab[first]) if exact_prior else (np.zeros(d), np.eye(d))
    for t in sched.timesteps.tolist():
        A, b = gaussian_eps_affine(mu, sigma, ab[t])
        out = do_step(sched, row, torch.tensor(probe @ A.T + b), t, x, z).numpy()
        c = out[0]
        M, J = (out[1:d + 1] - c).T, (out[d + 1:] - c).T
        m, C = propagate_affine(m, C, M, c, J @ J.T)
    return m, C


def gaussian_tables(d: int, seed: int):
    rng = np.random.default_rng(seed)
    mu, sigma = rng.uniform(-1, 1, d), random_spd(d, rng, cond=100.0)
    fd, kl = {}, {}
    for name, row in ROWS:
        for S in sorted(set(COLUMNS) | set(SCAN)):
            if S not in COLUMNS and row not in (0.0, 1.0):
                continue
            m, C = output_gaussian(row, S, mu, sigma)
            fd[name, S] = frechet_distance(m, C, mu, sigma)
            kl[name, S] = kl_gaussian(mu, sigma, m, C)
    for S in SCAN:
        m, C = output_gaussian(0.0, S, mu, sigma, exact_prior=True)
        fd[EXACT_PRIOR, S] = frechet_distance(m, C, mu, sigma)
        kl[EXACT_PRIOR, S] = kl_gaussian(mu, sigma, m, C)
    return fd, kl, np.linalg.eigvalsh(sigma)


# --------------------------------------------------------------------------------------------- mixture


def ring_mixture(k: int = 8, radius: float = 1.5):
    angles = 2 * np.pi * np.arange(k) / k
    mus = [radius * np.array([np.cos(a), np.sin(a)]) for a in angles]
    sigmas = []
    for a in angles:  # elongated along the ring's tangent
        r = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        sigmas.append(r @ np.diag([0.01, 0.06]) @ r.T)
    return np.full(k, 1.0 / k), mus, sigmas


def sliced_w2(a: np.ndarray, b: np.ndarray, directions: np.ndarray) -> float:
    """Sliced W₂² = mean over directions of the 1-D W₂² between sorted projections (equal sample sizes)."""
    pa, pb = np.sort(a @ directions.T, axis=0), np.sort(b @ directions.T, axis=0)
    return float(((pa - pb) ** 2).mean())


def mixture_table(n: int, seed: int):
    weights, mus, sigmas = ring_mixture()
    directions = np.random.default_rng(seed).standard_normal((200, 2))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    data = sample_mixture(weights, mus, sigmas, n, np.random.default_rng(seed + 1))
    pairs = [sliced_w2(sample_mixture(weights, mus, sigmas, n, np.random.default_rng(seed + 10 + 2 * k)),
                       sample_mixture(weights, mus, sigmas, n, np.random.default_rng(seed + 11 + 2 * k)), directions)
             for k in range(5)]
    floor = (float(np.mean(pairs)), float(np.std(pairs)))
    table = {}
    for name, row in ROWS:
        for S in COLUMNS:
            sched = make_scheduler(row)
            sched.set_timesteps(S)
            ab = sched.alphas_cumprod.numpy()
            g = torch.Generator().manual_seed(seed + 3)
            x = torch.randn(n, 2, generator=g, dtype=torch.float64)
            for t in sched.timesteps.tolist():
                eps = torch.tensor(mixture_eps(x.numpy(), weights, mus, sigmas, ab[t]))
                x = do_step(sched, row, eps, t, x, torch.randn(n, 2, generator=g, dtype=torch.float64))
            table[name, S] = sliced_w2(x.numpy(), data, directions)
    return table, floor


# ------------------------------------------------------------------------------------------------ report


def fmt(v: float) -> str:
    return f"{v:.3g}" if v >= 1e-3 else f"{v:.2e}"


def markdown(title: str, table: dict, note: str = "", extra_rows: tuple = ()) -> str:
    lines = [f"### {title}", "", "| | " + " | ".join(f"S = {S}" for S in COLUMNS) + " |",
             "|---|" + "---:|" * len(COLUMNS)]
    for name in [name for name, _ in ROWS] + list(extra_rows):
        lines.append(f"| {name} | " + " | ".join(fmt(table[name, S]) for S in COLUMNS) + " |")
    return "\n".join(lines + ([f"\n{note}"] if note else [])) + "\n"


def steps_to_reach(fd: dict, row: str, target: float) -> float | None:
    """The S at which ``row`` reaches W₂² = target, log-log interpolated between the scanned S (None: not reached)."""
    values = [(S, fd[row, S]) for S in SCAN]
    for (s0, v0), (s1, v1) in zip(values, values[1:]):
        if v0 <= target:
            return float(s0)
        if v1 <= target:
            frac = (np.log(target) - np.log(v0)) / (np.log(v1) - np.log(v0))
            return float(np.exp(np.log(s0) + frac * (np.log(s1) - np.log(s0))))
    return None


def speedup(fd: dict) -> list[str]:
    out = []
    for S in (10, 20, 50, 100):
        reach = steps_to_reach(fd, "η = 1.0", fd["η = 0.0", S])
        if reach is not None:
            out.append(f"at equal quality: DDPM (η = 1) needs ≈ {reach:.0f} steps to match DDIM (η = 0) with S = {S} "
                       f"(W₂² = {fmt(fd['η = 0.0', S])}): {reach / S:.1f}× more")
    for ddim in ("η = 0.0", EXACT_PRIOR):
        for base in ("η = 1.0", "σ̂"):
            target = fd[base, 1000]
            hits = [S for S in SCAN if fd[ddim, S] <= target]
            label = "DDIM (η = 0)" + (", started from the exact q(x_τ)," if ddim == EXACT_PRIOR else "")
            if hits and hits[0] < 1000:
                reach = steps_to_reach(fd, ddim, target)
                out.append(f"{label} is at least as close as DDPM ({base}, S = 1000; W₂² = {fmt(target)}) from "
                           f"S = {hits[0]} on the scan (≈ {reach:.0f} interpolated): a {T / reach:.1f}× speed-up")
            else:
                out.append(f"{label} is never as close as DDPM ({base}, S = 1000; W₂² = {fmt(target)}) below "
                           f"S = 1000 (its W₂² at S = 1000: {fmt(fd[ddim, 1000])}): no speed-up by this criterion")
    return out


def reading(results: dict) -> list[str]:
    """Computed observations (each one a comparison in the tables above), then what they mean."""
    out = []
    for d in sorted(results):
        fd = results[d][0]
        lo, hi = (10, 100)
        slope = (np.log(fd[EXACT_PRIOR, hi]) - np.log(fd[EXACT_PRIOR, lo])) / np.log(hi / lo)
        beats = [S for S in COLUMNS if fd["η = 0.0", S] < fd["η = 1.0", S]]
        hat = [S for S in COLUMNS if fd["σ̂", S] < fd["η = 0.0", S]]
        out.append(f"- d = {d}: DDIM's W₂² falls like S^{slope:.2f} (η = 0 from q(x_τ), S = {lo} → {hi}); η = 0 is "
                   f"closer than η = 1 at S ∈ {beats}; σ̂ is closer than η = 0 at S ∈ {hat}; at S = 1000 the η = 0 "
                   f"sampler started from N(0, I) sits at {fmt(fd['η = 0.0', 1000])} against "
                   f"{fmt(fd[EXACT_PRIOR, 1000])} from the exact q(x_τ).")
    out.append("- With the exact ε, a 1000-step DDPM is already almost exact, so the paper's criterion (DDIM in 20-100 "
               "steps about as good as DDPM in 1000) measures only discretisation error here, which DDIM shrinks like "
               "a low-order solver; from x_T ~ N(0, I) the deterministic sampler also carries the prior's mismatch "
               "(ᾱ_T ≈ 4e-5) to its output, which the stochastic samplers partly forget.  The paper's 10-50× rests on "
               "the learned ε's own error (large at high noise, where σ̂ and η = 1 suffer most), which an exact "
               "oracle does not have; what the analogue does reproduce is the ordering of the η rows at small S.")
    return out


def plot(results: dict, mixture: dict, floor: float, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    panels = [(f"Gaussian, d = {d}: W₂²(output, data)", results[d][0]) for d in sorted(results)]
    panels.append(("2-D mixture: sliced W₂² (samples)", mixture))
    for ax, (title, table) in zip(axes, panels):
        for name, _ in ROWS:
            ax.plot(COLUMNS, [table[name, S] for S in COLUMNS], marker="o", label=name)
        if table is not mixture:
            ax.plot(SCAN, [table[EXACT_PRIOR, S] for S in SCAN], linestyle="--", color="black", label=EXACT_PRIOR)
        if table is mixture:
            ax.axhspan(max(floor[0] - 2 * floor[1], 1e-6), floor[0] + 2 * floor[1], color="grey", alpha=0.2)
            ax.axhline(floor[0], color="grey", linestyle=":", label="data vs data (±2 sd band)")
            ax.legend(fontsize=8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("steps S")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend()
    fig.suptitle("DDIM Table 1 analogue: exact ε, linear schedule, T = 1000, leading timesteps")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--n", type=int, default=10_000, help="mixture samples per cell (default 10000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = {d: gaussian_tables(d, args.seed + d) for d in (2, 64)}
    mixture, floor = mixture_table(args.n, args.seed)
    parts = ["# DDIM Table 1, closed-form analogue", "",
             "Generated by `python benchmarks/ddim_table1.py` (deterministic; the mixture uses fixed seeds). "
             "Exact ε of known data replaces the network; linear β 1e-4 … 0.02, T = 1000, leading timesteps, "
             "x_T ~ N(0, I), last step to ᾱ = 1.  Rows: DDIM with η (σ_τ(η) of eq. 16) and σ̂ (DDPM ancestral step with "
             "variance β = 1 − ᾱ_t/ᾱ_s).  Lower is better.", ""]
    statements = []
    for d in (2, 64):
        fd, kl, eig = results[d]
        note = f"Σ eigenvalues in [{eig.min():.3g}, {eig.max():.3g}], tr Σ = {eig.sum():.3g}."
        parts.append(markdown(f"Gaussian data, d = {d}: Fréchet distance W₂²(output, data)", fd, note, (EXACT_PRIOR,)))
        parts.append(markdown(f"Gaussian data, d = {d}: KL(data ‖ output)", kl, extra_rows=(EXACT_PRIOR,)))
        statements += [f"d = {d}: {s}" for s in speedup(fd)]
        scan = ", ".join(f"{S}: {fmt(fd['η = 0.0', S])}" for S in SCAN)
        parts.append(f"DDIM η = 0, W₂² by S (d = {d}): {scan}\n")
    parts.append(markdown("2-D Gaussian mixture (8 components on a ring): sliced W₂² to an independent data sample",
                          mixture, f"Sampling floor, data vs data (5 pairs of independent samples of {args.n}): "
                                   f"{fmt(floor[0])} ± {fmt(floor[1])}; differences below about twice that are noise."))
    parts += ["## Speed-up", ""] + [f"- {s}" for s in statements] + ["", "## Reading", ""] + reading(results) + [""]
    text = "\n".join(parts)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ddim_table1.md").write_text(text)
    plot(results, mixture, floor, args.out / "ddim_table1.png")
    print(text)
    print(f"wrote {args.out / 'ddim_table1.md'} and {args.out / 'ddim_table1.png'} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
