"""Reference logistic regression (Newton/IRLS) vs scikit-learn's lbfgs: fit time ratio, measured in one run (not a
test).  1e5 × 50, L2 penalty, binary; both stop on the same rule (max-norm of the gradient of the scaled objective
≤ tol), so each row compares them at the same tol and reports the gradient each reached.  Both run with one BLAS
thread: on a shared 2-core machine OpenBLAS' threads contend (a 1e5 × 51 Gram matrix took 5.9 s with two threads
under load, 0.06 s with one), so single-threaded timings are the reproducible ones."""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.linear_model import LogisticRegression as SkLogisticRegression  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from properties.oracles import logistic as ol  # noqa: E402
from reference.linear.logistic import LogisticRegression  # noqa: E402
from timing import seconds  # noqa: E402  (benchmarks/ is on sys.path when a script runs)

N, D, C = 100_000, 50, 1.0


def gradient(est, X, y) -> float:
    P = ol.Problem(X, y, 2, np.ones(len(y)), C, "l2", True)
    return float(np.abs(ol.smooth_gradient(P, ol.theta(est.coef_, est.intercept_, True))).max())


def main() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D))
    w = rng.standard_normal(D) / np.sqrt(D)
    y = (rng.random(N) < 1 / (1 + np.exp(-(X @ w + 0.3)))).astype(int)
    rows = ["| tol | reference (ms) | sklearn lbfgs (ms) | ratio | ‖∇f‖∞ reference | ‖∇f‖∞ sklearn | iterations (ref / sklearn) |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for tol in (1e-4, 1e-6):
        ref = LogisticRegression(C=C, tol=tol)
        with warnings.catch_warnings(), threadpool_limits(limits=1):
            warnings.simplefilter("ignore", FutureWarning)
            lib = SkLogisticRegression(C=C, tol=tol, max_iter=1000)
            t_ref = seconds(lambda: ref.fit(X, y), 3)
            t_lib = seconds(lambda: lib.fit(X, y), 3)
        rows.append(f"| {tol:g} | {t_ref * 1e3:.0f} | {t_lib * 1e3:.0f} | {t_ref / t_lib:.2f} | {gradient(ref, X, y):.1e} "
                    f"| {gradient(lib, X, y):.1e} | {ref.n_iter_[0]} / {lib.n_iter_[0]} |")
    table = "\n".join(rows)
    print(table)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "logistic.md").write_text(
        f"# Reference logistic regression (Newton) vs scikit-learn lbfgs, {N} × {D}, L2 (C = {C:g}), best of 3, "
        "one BLAS thread\n\n"
        "Goal: ratio ≤ 2. Both stop when the max-norm of the gradient of f = F/(C·n) is ≤ tol.\n\n" + table + "\n")


if __name__ == "__main__":
    main()
