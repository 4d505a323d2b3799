"""Reference SOM vs MiniSom: training time as a ratio, measured in one run (not a test).

A 10 × 10 map of 4-dimensional units, 10 000 samples, 10 000 iterations, ordered and random order (Gaussian
neighbourhood, the defaults otherwise); both implementations start from the same seed and end bit-identical (checked
here, so the two timings are of the same computation).  The runs of the two alternate, and each keeps its best of
REPEAT, so that a change in the machine's load falls on both."""
from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minisom import MiniSom as LibraryMiniSom  # noqa: E402

from reference.som.som import MiniSom  # noqa: E402
from timing import seconds  # noqa: E402  (benchmarks/ is on sys.path when a script runs)

SHAPE, INPUT_LEN, N, T, REPEAT = (10, 10), 4, 10_000, 10_000, 5


def train(cls, data, random_order: bool) -> np.ndarray:
    som = cls(*SHAPE, INPUT_LEN, sigma=3.0, learning_rate=0.5, random_seed=0)
    som.train(data, T, random_order=random_order)
    return som.get_weights()


def main() -> None:
    warnings.simplefilter("ignore")
    data = np.random.default_rng(0).random((N, INPUT_LEN))
    load = os.getloadavg()[0]
    rows = ["| order | reference (s) | MiniSom (s) | ratio | weights |", "|---|---:|---:|---:|---|"]
    for random_order in (False, True):
        same = np.array_equal(train(MiniSom, data, random_order), train(LibraryMiniSom, data, random_order))
        ref = lib = float("inf")
        for _ in range(REPEAT):
            ref = min(ref, seconds(lambda: train(MiniSom, data, random_order), 1))
            lib = min(lib, seconds(lambda: train(LibraryMiniSom, data, random_order), 1))
        order = "random" if random_order else "ordered"
        rows.append(f"| {order} | {ref:.2f} | {lib:.2f} | {ref / lib:.2f} | {'bit-identical' if same else 'DIFFERENT'} |")
    table = "\n".join(rows)
    print(table)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "som.md").write_text(f"# Reference SOM vs MiniSom: train time, best of {REPEAT}\n\n"
                                f"{SHAPE[0]} × {SHAPE[1]} map, input_len {INPUT_LEN}, {N} samples, {T} iterations, "
                                f"σ₀ = 3, η₀ = 0.5, Gaussian neighbourhood, asymptotic decays, Euclidean distance; "
                                f"the runs of the two alternate.  Load average {load:.1f} on {os.cpu_count()} cores when the run started: "
                                f"absolute times are inflated, the ratio is what to read.\n\n" + table + "\n")


if __name__ == "__main__":
    main()
