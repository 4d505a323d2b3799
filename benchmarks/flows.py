"""Flows benchmark (not a test): reference coupling and MAF layers against zuko's, and the CNF's exact trace
against Hutchinson's estimator as the dimension grows.

    .venv/bin/python benchmarks/flows.py            # about a minute
    .venv/bin/python benchmarks/flows.py --quick    # seconds; writes nothing unless --out is given

1. Throughput of forward + log-det (samples per second, float64, batch 4096, one layer, one hidden layer of 64 units in
   both): the reference's ``t(x)`` then ``t.log_abs_det_jacobian(x, y)`` (two passes through the conditioner: the
   torch Transform API) vs zuko's ``call_and_ladj(x)`` (one pass), and their ratio.  Both sides are checked to be
   bijections with matching log-dets (against autograd) before anything is timed.  The conditioners differ only in
   the activation (tanh in the reference, ReLU in zuko) and in zuko's soft-clipped log-scale.
2. CNF cost: the reference's augmented solve (RK4, 64 steps) of f(t, z) = W₂ tanh(W₁ z + c t), hidden width 64, 256
   rows, with the exact trace (d vector–Jacobian products per stage) and with Hutchinson's estimator (one), for
   d = 2 … 64.  The exact trace's cost grows like d; Hutchinson's stays flat — FFJORD's motivation.
Single-threaded torch on both sides.  Prints markdown tables and writes them to benchmarks/results/flows.md (``--out`` elsewhere).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
import zuko

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from properties.oracles.flows import MLPField, jacobians, log_abs_det  # noqa: E402
from reference.flows.autoregressive import MAF  # noqa: E402
from reference.flows.cnf import CNF  # noqa: E402
from reference.flows.coupling import AffineCoupling  # noqa: E402
from timing import seconds  # noqa: E402  (benchmarks/ is on sys.path when a script runs)

HIDDEN = 64


def zuko_coupling(d: int):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        lazy = zuko.flows.GeneralCouplingTransform(features=d, hidden_features=(HIDDEN,)).double()
    return lazy()


def zuko_maf(d: int):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        lazy = zuko.flows.MaskedAutoregressiveTransform(features=d, hidden_features=(HIDDEN,)).double()
    return lazy()


def verified(t, d: int) -> None:
    x = torch.randn(3, d, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    y = t(x)
    assert torch.allclose(t.inv(y), x, atol=1e-10), "not a round trip"
    assert torch.allclose(t.log_abs_det_jacobian(x, y), log_abs_det(jacobians(t, x)), atol=1e-10), "log-det"


def throughput(dims, n: int, repeat: int) -> list[str]:
    rows = ["| layer | d | reference (samples/s) | zuko (samples/s) | reference / zuko |", "|---|---:|---:|---:|---:|"]
    x_all = {d: torch.randn(n, d, generator=torch.Generator().manual_seed(d), dtype=torch.float64) for d in dims}
    for name, ours, theirs in (("affine coupling", lambda d: AffineCoupling(d, 0, hidden=HIDDEN), zuko_coupling),
                               ("MAF (MADE)", lambda d: MAF(d, 0, hidden=HIDDEN), zuko_maf)):
        for d in dims:
            a, b, x = ours(d), theirs(d), x_all[d]
            verified(a, d)
            verified(b, d)
            with torch.no_grad():
                ta = seconds(lambda: a.log_abs_det_jacobian(x, a(x)), repeat)
                tb = seconds(lambda: b.call_and_ladj(x), repeat)
            rows.append(f"| {name} | {d} | {n / ta:,.0f} | {n / tb:,.0f} | {(n / ta) / (n / tb):.2f} |")
    return rows


def cnf_cost(dims, n: int, repeat: int) -> list[str]:
    rows = ["| d | exact trace (s) | Hutchinson (s) | exact / Hutchinson |", "|---:|---:|---:|---:|"]
    for d in dims:
        rng = np.random.default_rng(d)
        field = MLPField(rng.standard_normal((HIDDEN, d)) / np.sqrt(d), np.zeros(HIDDEN), rng.standard_normal(HIDDEN),
                         0.5 * rng.standard_normal((d, HIDDEN)) / np.sqrt(HIDDEN))
        x = torch.randn(n, d, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
        exact = CNF(field, 0.0, 1.0, exact=True)
        hutch = CNF(field, 0.0, 1.0, exact=False, generator=torch.Generator().manual_seed(0))
        te = seconds(lambda: exact.augmented(x), repeat)
        th = seconds(lambda: hutch.augmented(x), repeat)
        rows.append(f"| {d} | {te:.3f} | {th:.3f} | {te / th:.1f} |")
    return rows


def main() -> None:
    torch.set_num_threads(1)           # one thread on both sides: the ratio is the code's, not the scheduler's
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    dims = (4, 16) if args.quick else (4, 16, 64)
    cnf_dims = (2, 8) if args.quick else (2, 4, 8, 16, 32, 64)
    repeat = 2 if args.quick else 5
    table1 = "\n".join(throughput(dims, 4096, repeat))
    table2 = "\n".join(cnf_cost(cnf_dims, 256, 1 if args.quick else 3))
    text = (f"# Flows: reference vs zuko, and the CNF's trace estimators (best of {repeat}, float64, "
            f"torch {torch.__version__}, zuko {zuko.__version__}, {torch.get_num_threads()} threads)\n\n"
            "## Forward + log-det throughput, batch 4096, one layer, hidden width 64\n\n" + table1 +
            "\n\n## CNF augmented solve (RK4, 64 steps, 256 rows): exact trace vs Hutchinson\n\n" + table2 + "\n")
    print(text)
    out = args.out or (None if args.quick else Path(__file__).parent / "results" / "flows.md")
    if out is not None:
        out.parent.mkdir(exist_ok=True)
        out.write_text(text)


if __name__ == "__main__":
    main()
