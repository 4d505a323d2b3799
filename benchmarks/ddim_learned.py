"""DDIM's headline claim with a learned ε-network: does DDIM in 20-100 steps match DDPM's 1000 (issue 16)?

    .venv/bin/python benchmarks/ddim_learned.py                   # writes benchmarks/results/ddim_learned.{md,png}
    .venv/bin/python benchmarks/ddim_learned.py --quick --out DIR  # smoke mode: tiny network, two S values

The closed-form analogue (``benchmarks/ddim_table1.py``) drives the samplers with the *exact* ε and finds about a
2× speed-up, not the paper's 10-50×; its explanation - the paper's factor rests on the learned model's own error -
is measured here.  Per dimension (a 2-D ring of 8 anisotropic modes with unequal weights, and a 16-D mixture):

1. a small MLP ε_θ(x, t) with a sinusoidal time embedding is trained with DDPM's simple loss on T = 1000 linear β
   (the reference's forward process), weights cached under a hash of the training configuration;
2. the reference samplers run from the same x_T with the same noise in every cell: DDIM (η ∈ {0, 0.2, 0.5, 1},
   ``reference.diffusion.ddim.DDIMScheduler``) and DDPM's ancestral step with σ̂² = β (``DDPMScheduler(variance_type=
   "fixed_large")``), leading timesteps, S ∈ {10, 20, 50, 100, 200, 500, 1000}; the same samplers driven by the exact ε
   of the same mixture are the control (rows η = 0, η = 1, σ̂);
3. every cell is scored against one data sample (Fréchet distance of Gaussian fits, sliced W₂², mean exact
   log-density) with bootstrap error bars, next to the noise floor (the same metric between independent data samples);
4. the speed-up: the smallest S from which DDIM (η = 0) stays within the interval of DDPM at S = 1000 (σ̂ and η = 1)
   or within the noise floor, for the learned ε and for the exact ε; the hypothesis "model error makes DDIM's
   advantage larger" holds where the learned factor exceeds the exact one.  A dose of model error: the same training
   run stopped at a third gives a network with more error, whose speed-up is measured too;
5. where the error enters: DDIM driven by the learned ε only above (or only below) a timestep, the exact ε elsewhere.

Deterministic: fixed seeds, a ``torch.Generator`` for every draw, ``torch.use_deterministic_algorithms(True)``.
A GPU is used when present (``--device``), never needed; numbers on a GPU differ from the CPU's in the last digits.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS, before CUDA starts

import numpy as np  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.ddim_learned_metrics import Evaluator  # noqa: E402
from benchmarks.ddim_learned_model import (ExactEps, Mixture, TrainConfig, high_dim_mixture, load_or_train,  # noqa: E402
                                           model_error, ring_mixture, simple_loss_floor)
from benchmarks.ddim_learned_report import plot, write_markdown  # noqa: E402
from reference.diffusion.ddim import DDIMScheduler  # noqa: E402
from reference.diffusion.ddpm import DDPMScheduler  # noqa: E402

T = 1000
ROWS = (("η = 0.0", 0.0), ("η = 0.2", 0.2), ("η = 0.5", 0.5), ("η = 1.0", 1.0), ("σ̂", "sigma_hat"))
CONTROL = ("η = 0.0", "η = 1.0", "σ̂")  # rows also run with the exact ε
SEEDS = {"reference": 2000, "floor": 3000, "error": 4000, "loss_floor": 5000, "noise": 6000, "eval": 7000}


NETWORK = TrainConfig(width=64, depth=3, emb_dim=32, steps=15_000, batch=512, lr=2e-3, n_train=20_000, seed=0,
                      snapshots=(5000,))


@dataclass(frozen=True)
class Setup:
    steps: tuple = (10, 20, 50, 100, 200, 500, 1000)
    n: int = 3000                   # samples per cell, and the reference data sample's size
    n_boot: int = 50                # bootstrap resamples per cell (for the standard error)
    n_directions: dict = field(default_factory=lambda: {2: 32, 16: 64})  # directions of the sliced W₂, by d
    floor_repeats: int = 40         # independent data samples for the noise floor
    error_n: int = 4000             # points per timestep for the model-error diagnostic
    error_timesteps: tuple = (0, 10, 50, 100, 200, 400, 600, 800, 999)
    loss_floor_n: int = 20_000
    hybrid_steps: int = 100         # the diagnostic: DDIM (η = 0) with the learned ε above or below a timestep only
    hybrid_cuts: tuple = (800, 500, 200, 50)
    train: dict = field(default_factory=lambda: {2: NETWORK, 16: NETWORK})


FULL = Setup()
TINY = TrainConfig(width=16, depth=2, emb_dim=8, steps=20, batch=64, n_train=512, snapshots=(10,))
QUICK = Setup(steps=(10, 20), n=256, n_boot=10, n_directions={2: 8, 16: 8}, floor_repeats=5, error_n=256,
              error_timesteps=(0, 500, 999), loss_floor_n=512, hybrid_steps=10, hybrid_cuts=(500,),
              train={2: TINY, 16: TINY})
MIXTURES = {2: ring_mixture, 16: high_dim_mixture}


# ------------------------------------------------------------------------------------------------ sampling


def make_scheduler(row):
    if row == "sigma_hat":
        return DDPMScheduler(num_train_timesteps=T, variance_type="fixed_large")
    return DDIMScheduler(num_train_timesteps=T, set_alpha_to_one=True)


def sample(eps_fn, row, S: int, n: int, d: int, seed: int, device: str) -> np.ndarray:
    """x_T ~ N(0, I) and one z per step from ``torch.Generator().manual_seed(seed)``: the same in every cell."""
    sched = make_scheduler(row)
    sched.set_timesteps(S)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g, dtype=torch.float64).to(device)
    with torch.inference_mode():
        for t in sched.timesteps.tolist():
            z = torch.randn(n, d, generator=g, dtype=torch.float64).to(device)
            kw = {} if row == "sigma_hat" else {"eta": row}
            x = sched.step(eps_fn(x, t), t, x, variance_noise=z, **kw).prev_sample
    return x.cpu().numpy()


def network_eps(model: torch.nn.Module):
    """ε_θ as the samplers call it: float64 state in, the float32 network, float64 out."""
    return lambda x, t: model(x.float(), t).double()


# ------------------------------------------------------------------------------------------------ one dimension


def run_dimension(mixture: Mixture, setup: Setup, cache: Path, device: str, log) -> dict:
    d = mixture.d
    out: dict = {"mixture": mixture, "timing": {}}
    started = time.perf_counter()
    model, info, cached = load_or_train(mixture, setup.train[d], cache, device)
    out["timing"]["train (this run)"] = time.perf_counter() - started
    out.update(config=setup.train[d], loss=info["loss"], train_seconds=info["seconds"], cached=cached)
    log(f"d = {d}: network {'loaded from the cache' if cached else 'trained'} "
        f"(training took {info['seconds']:.1f} s), final loss {np.mean(info['loss'][-100:]):.4f}")

    exact = ExactEps(mixture, device)
    started = time.perf_counter()
    out["loss_floor"] = simple_loss_floor(exact, mixture, setup.loss_floor_n, SEEDS["loss_floor"], device)
    out["model_error"] = model_error(model, exact, mixture, setup.error_timesteps, setup.error_n, SEEDS["error"],
                                     device)
    out["timing"]["diagnostics"] = time.perf_counter() - started

    reference = mixture.sample(setup.n, SEEDS["reference"])
    evaluator = Evaluator(mixture, reference, setup.n_boot, setup.n_directions[d], SEEDS["eval"])
    out["reference"] = reference
    out["floor"] = evaluator.floor(setup.floor_repeats, SEEDS["floor"])
    learned, control, scatter = {}, {}, {}
    sampling = scoring = 0.0
    for which, eps_fn, rows, table in (("learned", network_eps(model), [r for r in ROWS], learned),
                                       ("exact", exact, [r for r in ROWS if r[0] in CONTROL], control)):
        for name, row in rows:
            for S in setup.steps:
                t0 = time.perf_counter()
                x = sample(eps_fn, row, S, setup.n, d, SEEDS["noise"], device)
                t1 = time.perf_counter()
                table[name, S] = evaluator(x)
                scoring += time.perf_counter() - t1
                sampling += t1 - t0
                if d == 2 and which == "learned" and name in ("η = 0.0", "σ̂") and S in (min(setup.steps),
                                                                                       max(setup.steps)):
                    scatter[name, S] = x
            log(f"d = {d}: {which} ε, {name} done ({sampling:.0f} s sampling, {scoring:.0f} s scoring so far)")
    out.update(learned=learned, control=control, scatter=scatter)
    out["timing"]["sampling"] = sampling
    out["timing"]["scoring"] = scoring
    started = time.perf_counter()
    out["snapshots"] = {}
    for step, state in sorted(info["snapshots"].items()):
        early = setup.train[d].network(d, state, device)
        out["snapshots"][step] = {
            "model_error": model_error(early, exact, mixture, setup.error_timesteps, setup.error_n, SEEDS["error"],
                                       device),
            "cells": speedup_cells(network_eps(early), setup, evaluator, d, device)}
        log(f"d = {d}: the network after {step} steps done")
    out["timing"]["less trained network"] = time.perf_counter() - started
    started = time.perf_counter()
    out["hybrid"] = hybrid(network_eps(model), exact, setup, evaluator, d, device)
    out["timing"]["hybrid diagnostic"] = time.perf_counter() - started
    log(f"d = {d}: done")
    return out


def speedup_cells(eps_fn, setup: Setup, evaluator, d: int, device: str) -> dict:
    """The cells the speed-up needs: DDIM (η = 0) at every S, DDPM (σ̂ and η = 1) at the largest."""
    top = max(setup.steps)
    cells = {("η = 0.0", S): (0.0, S) for S in setup.steps}
    cells.update({("σ̂", top): ("sigma_hat", top), ("η = 1.0", top): (1.0, top)})
    return {key: evaluator(sample(eps_fn, row, S, setup.n, d, SEEDS["noise"], device))
            for key, (row, S) in cells.items()}


def hybrid(net, exact, setup: Setup, evaluator, d: int, device: str) -> dict:
    """Where the model error enters: DDIM (η = 0, S = ``hybrid_steps``) driven by the learned ε only at timesteps
    above a cut (the exact ε below it), and only below it (the exact ε above)."""
    out = {}
    for cut in setup.hybrid_cuts:
        for side, eps_fn in (("above", lambda x, t, c=cut: net(x, t) if t > c else exact(x, t)),
                             ("below", lambda x, t, c=cut: exact(x, t) if t > c else net(x, t))):
            x = sample(eps_fn, 0.0, setup.hybrid_steps, setup.n, d, SEEDS["noise"], device)
            out[cut, side] = evaluator(x)
    return out


def dimension_job(d: int, setup: Setup, cache: Path, device: str, threads: int) -> dict:
    """One dimension, start to end, in this process or in a worker process (deterministic settings are set here)."""
    torch.set_num_threads(threads)
    if not torch.are_deterministic_algorithms_enabled():
        torch.use_deterministic_algorithms(True)
    with threadpool_limits(threads):
        return run_dimension(MIXTURES[d](), setup, cache, device, log=lambda s: print(s, flush=True))


def run(args, setup: Setup) -> None:
    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    jobs = [(d, setup, args.cache, args.device, args.threads) for d in sorted(MIXTURES)]
    if args.jobs > 1:  # one process per dimension: the two halves of the work run side by side
        with ProcessPoolExecutor(max_workers=args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = dict(zip(sorted(MIXTURES), pool.map(dimension_job, *zip(*jobs))))
    else:
        results = {job[0]: dimension_job(*job) for job in jobs}
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    info = {"seconds": time.perf_counter() - started, "load": load, "cores": os.cpu_count(), "jobs": args.jobs,
            "cpu": (time.process_time() - cpu + done.ru_utime + done.ru_stime
                    - children.ru_utime - children.ru_stime),
            "threads": args.threads, "device": args.device,
            "command": "python benchmarks/ddim_learned.py" + (" --quick" if args.quick else "")}
    args.out.mkdir(parents=True, exist_ok=True)
    text = write_markdown(results, setup, info, args.out / "ddim_learned.md")
    plot(results, setup, args.out / "ddim_learned.png")
    print(text)
    print(f"wrote {args.out / 'ddim_learned.md'} and {args.out / 'ddim_learned.png'} "
          f"in {time.perf_counter() - started:.1f} s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / ".cache",
                        help="folder of the trained weights (git-ignored)")
    parser.add_argument("--quick", action="store_true", help="smoke mode: tiny network, a few steps, two S values")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads for torch and BLAS (default 1: the matrices are too small to gain from more, "
                             "and a loaded machine makes extra threads spin)")
    parser.add_argument("--jobs", type=int, default=2,
                        help="processes, one dimension each (default 2: the 2-D and 16-D runs side by side)")
    args = parser.parse_args(argv)
    deterministic, threads = torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()
    if not deterministic:
        torch.use_deterministic_algorithms(True)
    torch.set_num_threads(args.threads)
    try:
        with threadpool_limits(args.threads):
            run(args, QUICK if args.quick else FULL)
    finally:  # leave the caller's torch as it was (the smoke test runs main in-process)
        if not deterministic:
            torch.use_deterministic_algorithms(False)
        torch.set_num_threads(threads)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
