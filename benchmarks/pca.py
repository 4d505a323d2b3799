"""Reference PCA vs scikit-learn PCA: fit time ratio, measured in one run (not a test)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.decomposition import PCA as SkPCA  # noqa: E402

from reference.decomposition.pca import PCA  # noqa: E402
from timing import seconds  # noqa: E402  (benchmarks/ is on sys.path when a script runs)




def main() -> None:
    rng = np.random.default_rng(0)
    rows = ["| n × d | k | reference (ms) | sklearn (ms) | ratio |", "|---|---:|---:|---:|---:|"]
    for n, d, k in [(1_000, 20, 5), (10_000, 50, 10), (100_000, 20, 5), (2_000, 500, 20)]:
        X = rng.standard_normal((n, d)) @ rng.standard_normal((d, d))
        for method in ("svd", "eigh"):
            ref = seconds(lambda: PCA(k, method=method).fit(X), 5)
            lib = seconds(lambda: SkPCA(k, svd_solver="full").fit(X), 5)
            rows.append(f"| {n} × {d} ({method}) | {k} | {ref * 1e3:.1f} | {lib * 1e3:.1f} | {ref / lib:.2f} |")
    table = "\n".join(rows)
    print(table)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "pca.md").write_text("# Reference PCA vs scikit-learn (full SVD), best of 5\n\n" + table + "\n")


if __name__ == "__main__":
    main()
