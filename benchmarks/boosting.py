"""Boosting benchmark (not a test): reference fit time against xgboost exact, as ratios measured in one run.

    .venv/bin/python benchmarks/boosting.py            # 1e4 × 20 and 1e5 × 20, depth 6, 50 rounds (a few minutes)
    .venv/bin/python benchmarks/boosting.py --quick    # 1e4 × 20 only

Same data, same parameters (squared error, max_depth=6, 50 rounds, η = 0.3, λ = 1,
base_score = ȳ) for: the reference in float64 (the default) and in float32 (xgboost's
arithmetic), and ``xgboost.XGBRegressor(tree_method="exact")`` with one thread and with
all threads.  Before anything is timed the float32 reference is checked to give the same
margins as xgboost bit for bit, and the float64 one to agree to float32 round-off, so the
ratios are between equal answers.  Each time is the best of ``--repeat`` runs (the least
disturbed by other processes).  Prints a markdown table; ``--out FILE`` also writes it.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import xgboost

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reference.ensemble.boosting import BoostingRegressor  # noqa: E402
from timing import seconds  # noqa: E402  (benchmarks/ is on sys.path when a script runs)

PARAMS = dict(n_estimators=50, max_depth=6, learning_rate=0.3, reg_lambda=1.0, gamma=0.0, min_child_weight=1.0)




def data(n: int, d: int = 20, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32).astype(np.float64)
    y = X[:, 0] + np.sin(2 * X[:, 1]) + 0.5 * X[:, 2] * X[:, 3] + 0.1 * rng.normal(size=n)
    return X, y


def xgb_model(n_jobs):
    return xgboost.XGBRegressor(tree_method="exact", n_jobs=n_jobs, **PARAMS)


def check_agreement(X, y) -> str:
    """The answers the timings compare: float32 reference = xgboost bit for bit; float64 close."""
    lib = xgb_model(1).fit(X, y).predict(X, output_margin=True)
    f32 = BoostingRegressor(precision="float32", **PARAMS).fit(X, y).predict(X, output_margin=True)
    f64 = BoostingRegressor(**PARAMS).fit(X, y).predict(X, output_margin=True)
    same32 = int(np.sum(np.float32(f32) == lib))
    if same32 != X.shape[0]:
        raise SystemExit(f"float32 reference and xgboost disagree on {X.shape[0] - same32} of {X.shape[0]} margins")
    return f"float32 margins equal to xgboost's bit for bit ({same32}/{X.shape[0]}); float64 max |Δ| = {np.abs(f64 - lib).max():.2e}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1e4 rows only")
    parser.add_argument("--repeat", type=int, default=2, help="best of this many runs per timing")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "boosting.md",
                        help="where to write the markdown table (default: benchmarks/results/boosting.md)")
    args = parser.parse_args()
    sizes = [10_000] if args.quick else [10_000, 100_000]
    lines = [f"Exact greedy boosting fit, {PARAMS['n_estimators']} rounds, depth {PARAMS['max_depth']}, 20 features; "
             f"{os.cpu_count()} CPU cores; xgboost {xgboost.__version__}.", "",
             "| n | reference float64 (s) | reference float32 (s) | xgboost 1 thread (s) | xgboost all threads (s) "
             "| ratio float64 / 1 thread | ratio float64 / all threads |", "|---|---|---|---|---|---|---|"]
    notes = []
    for n in sizes:
        X, y = data(n)
        notes.append(f"- n = {n}: {check_agreement(X, y)}")
        t64 = seconds(lambda: BoostingRegressor(**PARAMS).fit(X, y), args.repeat)
        t32 = seconds(lambda: BoostingRegressor(precision="float32", **PARAMS).fit(X, y), args.repeat)
        t1 = seconds(lambda: xgb_model(1).fit(X, y), args.repeat)
        tall = seconds(lambda: xgb_model(None).fit(X, y), args.repeat)
        lines.append(f"| {n} | {t64:.2f} | {t32:.2f} | {t1:.2f} | {tall:.2f} | {t64 / t1:.1f}× | {t64 / tall:.1f}× |")
        print(lines[-1], flush=True)
    text = "\n".join(lines + [""] + notes) + "\n"
    print("\n" + text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("# Reference booster vs xgboost exact\n\n" + text)


if __name__ == "__main__":
    main()
