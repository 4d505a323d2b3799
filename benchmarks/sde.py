"""Score SDEs: sample quality against the number of score evaluations (NFE) for the reverse SDE, the
predictor–corrector sampler and the probability-flow ODE, on a Gaussian-mixture target with its exact score.

    .venv/bin/python benchmarks/sde.py          # writes benchmarks/results/sde.{md,png} (minutes: 20 000 samples a cell)

Song et al. (arXiv:2011.13456) compare samplers by FID against NFE (Table 1, Fig. 3): Euler–Maruyama on the reverse
SDE, the reverse-diffusion predictor with a Langevin corrector (PC), and the probability-flow ODE solved by RK45.  Here
the network is replaced by the *exact* score of a known target — a 2-D mixture of 8 anisotropic Gaussians on a ring,
noised by the VP SDE (β from 0.1 to 20) — so what is measured is the samplers' own discretisation error:

* every sampler is the reference (``reference.diffusion.sde_samplers.Samplers``) on ``reference.diffusion.sde.VPSDE``,
  from x_T ~ N(0, I) down to ε = 1e-3, with seeded noise;
* NFE counts score evaluations: Euler–Maruyama and the Euler ODE one per step, Heun two per step, PC two per step
  (one Langevin corrector step, snr 0.16, and one predictor step over N = steps levels), RK45 what scipy's adaptive
  Dormand–Prince uses at the given tolerance;
* quality is the sliced Wasserstein-2 distance (W₂², 200 fixed directions) between n samples and an independent
  sample of the target's law at ε; the floor row is target vs target (independent samples of the same size), below
  which differences are sampling noise.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from properties.oracles.gaussian import random_spd  # noqa: E402
from properties.oracles.sde import GaussianMixture, marginal_coefficients  # noqa: E402
from reference.diffusion.sde import VPSDE  # noqa: E402
from reference.diffusion.sde_samplers import GeneratorBrownian, Samplers  # noqa: E402

t64 = lambda a: torch.as_tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64)  # noqa: E731

F64 = torch.float64
VP = {"beta_min": 0.1, "beta_max": 20.0}
EPS = 1e-3
STEPS = (10, 20, 50, 100, 200, 500, 1000)
PC_STEPS = (25, 50, 100, 250, 500)            # DDPM's chain needs β_max / N < 1
RK45_TOLERANCES = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5)


def ring_mixture(seed: int) -> GaussianMixture:
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(8) / 8
    mus = tuple(2.0 * np.stack([np.cos(angles), np.sin(angles)], 1))
    return GaussianMixture("vp", VP, tuple(np.full(8, 1 / 8)), mus, tuple(random_spd(2, rng, cond=4.0) * 0.01
                                                                          for _ in range(8)), tuple(range(8)))


def target_sample(mix: GaussianMixture, n: int, rng: np.random.Generator) -> np.ndarray:
    """n draws of the target's law at ε: a(ε) x0 + s(ε) z."""
    a, s = (float(c) for c in marginal_coefficients("vp", EPS, VP))
    return a * mix.sample(n, rng) + s * rng.standard_normal((n, 2))


def sliced_w2(a: np.ndarray, b: np.ndarray, directions: np.ndarray) -> float:
    """Sliced W₂² = mean over directions of the 1-D W₂² between sorted projections (equal sample sizes)."""
    pa, pb = np.sort(a @ directions.T, axis=0), np.sort(b @ directions.T, axis=0)
    return float(((pa - pb) ** 2).mean())


class Counted:
    """A score function that counts its evaluations (one per call, whatever the batch)."""

    def __init__(self, score):
        self.score, self.calls = score, 0

    def __call__(self, x, t):
        self.calls += 1
        return self.score(x, t)


def run(method: str, setting, mix: GaussianMixture, n: int, seed: int) -> tuple[np.ndarray, int]:
    """One cell: the sampler from the same x_T ~ N(0, I) (the first draw of the seed) for every method and setting."""
    samplers, score = Samplers(), Counted(mix.score)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g, dtype=F64)
    if method == "reverse SDE (Euler–Maruyama)":
        ts = torch.linspace(1.0, EPS, setting + 1, dtype=F64)
        out = samplers.euler_maruyama(VPSDE(**VP), score, x, ts, GeneratorBrownian((n, 2), g))
    elif method == "predictor–corrector (RD + Langevin)":
        out = samplers.predictor_corrector(VPSDE(**VP, N=setting), score, x, eps=EPS, snr=0.16, n_corrector=1,
                                           generator=g)
    elif method.startswith("probability-flow ODE, Euler"):
        out = samplers.ode(VPSDE(**VP), score, x, torch.linspace(1.0, EPS, setting + 1, dtype=F64), method="euler")
    elif method.startswith("probability-flow ODE, Heun"):
        out = samplers.ode(VPSDE(**VP), score, x, torch.linspace(1.0, EPS, setting + 1, dtype=F64), method="heun")
    else:
        out = samplers.ode_adaptive(VPSDE(**VP), score, x, 1.0, EPS, rtol=setting, atol=setting)
    return out.numpy(), score.calls


METHODS = (("reverse SDE (Euler–Maruyama)", STEPS), ("predictor–corrector (RD + Langevin)", PC_STEPS),
           ("probability-flow ODE, Euler", STEPS), ("probability-flow ODE, Heun", tuple(s // 2 for s in STEPS[1:])),
           ("probability-flow ODE, RK45 (rtol = atol)", RK45_TOLERANCES))


def fmt(v: float) -> str:
    return f"{v:.3g}" if v >= 1e-3 else f"{v:.2e}"


def plot(results: dict, floor: tuple, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for k, (method, rows) in enumerate(results.items()):
        color = f"C{k}"
        ax.plot([r[1] for r in rows], [r[2] for r in rows], "o-", color=color, label=method)
        if any(r[3] is not None for r in rows):
            ax2.plot([r[1] for r in rows], [r[3] for r in rows], "o-", color=color, label=method)
    ax.axhline(floor[0], color="grey", ls="--", lw=1, label="floor: target vs target")
    ax.set_title("sliced W₂² to the target (VP SDE, 8-Gaussian ring, exact score)", fontsize=9)
    ax2.set_title("probability-flow ODE: RMS distance to the converged flow", fontsize=9)
    for a in (ax, ax2):
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlabel("score evaluations (NFE)")
        a.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--n", type=int, default=20_000, help="samples per cell (default 20000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    started = time.perf_counter()
    mix = ring_mixture(args.seed)
    rng = np.random.default_rng(args.seed + 1)
    directions = rng.standard_normal((200, 2))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    reference = target_sample(mix, args.n, rng)
    floors = [sliced_w2(target_sample(mix, args.n, rng), target_sample(mix, args.n, rng), directions) for _ in range(5)]
    floor = (float(np.mean(floors)), float(np.std(floors, ddof=1)))
    start = torch.randn(args.n, 2, generator=torch.Generator().manual_seed(args.seed + 7), dtype=F64)
    converged = Samplers().ode_adaptive(VPSDE(**VP), mix.score, start, 1.0, EPS, rtol=1e-9, atol=1e-9).numpy()
    results = {}
    for method, settings in METHODS:
        rows = []
        for setting in settings:
            out, nfe = run(method, setting, mix, args.n, args.seed + 7)
            flow_err = float(np.sqrt(((out - converged) ** 2).sum(1).mean())) if "ODE" in method else None
            rows.append((setting, nfe, sliced_w2(out, reference, directions), flow_err))
            print(f"{method:42s} {setting!s:>8} NFE {nfe:5d}  SW₂² {fmt(rows[-1][2])}"
                  + (f"  flow RMS {fmt(flow_err)}" if flow_err is not None else ""), flush=True)
        results[method] = rows
    lines = ["# Score SDEs: sample quality against score evaluations", "",
             "Generated by `python benchmarks/sde.py` (fixed seeds). Target: a 2-D mixture of 8 anisotropic Gaussians on a "
             "ring of radius 2 (component variances ≈ 0.005–0.02: sharp modes, where blur shows), noised by the VP SDE "
             f"(β from 0.1 to 20); every sampler uses its exact score and runs from the same x_T ~ N(0, I) (n = {args.n}) "
             f"to ε = {EPS}.  Quality: sliced W₂² (200 directions) to an independent sample of the target at ε (lower is "
             "better; the floor below is its sampling noise).  For the probability-flow ODE also the flow error: the RMS "
             "distance of each sample to the converged ODE solution from the same x_T (RK45 at rtol = atol = 1e-9) — "
             "the discretisation error alone, free of sampling noise.", "",
             "| sampler | setting | NFE | sliced W₂² | ODE flow RMS error |", "|---|---:|---:|---:|---:|"]
    for method, rows in results.items():
        label = "rtol" if "RK45" in method else "steps"
        for setting, nfe, w, e in rows:
            lines.append(f"| {method} | {label} {setting} | {nfe} | {fmt(w)} | {fmt(e) if e is not None else '—'} |")
    # diagnostic: the probability-flow ODE started from the exact marginal q_T instead of the prior N(0, I)
    a_T, s_T = (float(c) for c in marginal_coefficients("vp", 1.0, VP))
    exact_start = t64(a_T * mix.sample(args.n, np.random.default_rng(args.seed + 8))
                      + s_T * np.random.default_rng(args.seed + 9).standard_normal((args.n, 2)))
    from_exact = sliced_w2(Samplers().ode_adaptive(VPSDE(**VP), mix.score, exact_start, 1.0, EPS, rtol=1e-5,
                                                   atol=1e-5).numpy(), reference, directions)
    from_prior = results["probability-flow ODE, RK45 (rtol = atol)"][-1][2]
    lines += ["", f"Floor, target vs target (5 pairs of independent samples of {args.n}): {fmt(floor[0])} ± "
                  f"{fmt(floor[1])}; sliced W₂² within about twice that is sampling noise.", "",
              f"Diagnostic: the probability-flow ODE (RK45, rtol = atol = 1e-5) started from the exact marginal q_T "
              f"instead of the prior N(0, I): sliced W₂² {fmt(from_exact)} (from N(0, I): {fmt(from_prior)}).", "",
              "## Reading", ""]
    for m, rows in results.items():
        reach = next((r for r in rows if r[2] <= 2 * floor[0]), None)
        line = f"- {m}: " + (f"sliced W₂² within twice the floor from NFE {reach[1]}" if reach
                             else "sliced W₂² never within twice the floor at these NFE")
        errs = [(r[1], r[3]) for r in rows if r[3] is not None and r[3] > 0]
        if len(errs) >= 2 and "RK45" not in m:
            (n0, e0), (n1, e1) = errs[-2], errs[-1]
            line += f"; flow error {fmt(e0)} → {fmt(e1)} from NFE {n0} to {n1}: observed order {math.log(e0 / e1) / math.log(n1 / n0):.2f}"
        elif errs:
            line += f"; flow error {fmt(errs[-1][1])} at NFE {errs[-1][0]}"
        lines.append(line + ".")
    if from_exact <= 2 * floor[0] < from_prior:
        lines.append("- The probability-flow ODE from the exact q_T reaches the floor and from N(0, I) it does not, at any "
                     "NFE: the ODE is a bijection, so the prior's small mismatch with q_T (here a(T) μ ≈ 0.013 and "
                     "variance 1 − a(T)² ≈ 1 − 4e-5) is carried to the samples, where the reverse SDE's noise forgets it "
                     "— which is why the stochastic samplers reach the floor and the exact ODE plateaus above it.")
    lines.append("")
    text = "\n".join(lines)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sde.md").write_text(text)
    plot(results, floor, args.out / "sde.png")
    print(text)
    print(f"wrote {args.out / 'sde.md'} and {args.out / 'sde.png'} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
