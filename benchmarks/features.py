"""Feature-engineering benchmark (not a test): reference against scikit-learn, as time ratios in one run.

    .venv/bin/python benchmarks/features.py              # the issue's sizes: 1e6 × 20 and 1e5 × 10
    .venv/bin/python benchmarks/features.py --quick      # a tenth of the rows

* ``StandardScaler.fit_transform`` on 1e6 × 20;
* ``SelectKBest(f_classif, k=5).fit_transform`` on 1e6 × 20 with 3 classes (each side with its own f_classif);
* ``PolynomialFeatures(degree=3).fit_transform`` on 1e5 × 10 (286 columns).

Before anything is timed, the two outputs are compared (same selected columns, outputs equal to 1e-12 in the
output's unit), so the ratios are between equal answers.  Each time is the best of ``--repeat`` runs.  Writes
``benchmarks/results/features.md``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn import feature_selection as fs  # noqa: E402
from sklearn import preprocessing as pp  # noqa: E402

from reference.features import polynomial, scalers, selection, univariate  # noqa: E402
from timing import seconds  # noqa: E402  (benchmarks/ is on sys.path when a script runs)


def cases(rows_scale: float):
    rng = np.random.default_rng(0)
    n_big, n_poly = int(1_000_000 * rows_scale), int(100_000 * rows_scale)
    X = rng.standard_normal((n_big, 20)) * rng.uniform(0.5, 5, 20) + rng.uniform(-100, 100, 20)
    y = rng.integers(0, 3, n_big)
    X[:, :5] += y[:, None] * 0.3  # five informative columns
    P = rng.standard_normal((n_poly, 10))
    return [
        (f"StandardScaler, {n_big:.0e} × 20", lambda: scalers.StandardScaler().fit_transform(X),
         lambda: pp.StandardScaler().fit_transform(X)),
        (f"SelectKBest(f_classif, k=5), {n_big:.0e} × 20, 3 classes",
         lambda: selection.SelectKBest(univariate.f_classif, k=5).fit_transform(X, y),
         lambda: fs.SelectKBest(fs.f_classif, k=5).fit_transform(X, y)),
        (f"PolynomialFeatures(degree=3), {n_poly:.0e} × 10", lambda: polynomial.PolynomialFeatures(degree=3).fit_transform(P),
         lambda: pp.PolynomialFeatures(degree=3).fit_transform(P)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the rows")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "features.md"))
    args = parser.parse_args()
    rows = ["| case | reference (s) | scikit-learn (s) | ratio |", "|---|---:|---:|---:|"]
    for name, ref, lib in cases(0.1 if args.quick else 1.0):
        a, b = ref(), lib()
        u = max(np.abs(a).max(), np.abs(b).max())
        assert a.shape == b.shape and np.abs(a - b).max() <= 1e-12 * u, f"{name}: outputs differ"
        t_ref, t_lib = seconds(ref, args.repeat), seconds(lib, args.repeat)
        rows.append(f"| {name} | {t_ref:.3f} | {t_lib:.3f} | {t_ref / t_lib:.2f} |")
        print(rows[-1], flush=True)
    table = "\n".join(rows)
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(f"# Reference feature transformers vs scikit-learn, best of {args.repeat}\n\n"
                              "Outputs checked equal (to 1e-12 of their unit) before timing. Ratio = reference / "
                              "scikit-learn: above 1 the reference is slower.\n\n" + table + "\n")
    print(table)


if __name__ == "__main__":
    main()
