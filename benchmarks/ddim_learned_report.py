"""The speed-up criteria, the markdown table and the figure of ``benchmarks/ddim_learned.py``."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.ddim_learned_metrics import DISTANCES, first_matching_steps, steps_to_reach

ROW_NAMES = ("η = 0.0", "η = 0.2", "η = 0.5", "η = 1.0", "σ̂")
CONTROL_NAMES = ("η = 0.0", "η = 1.0", "σ̂")
BASELINES = ("σ̂", "η = 1.0")
CRITERIA = ("fd", "sw2", "logp")  # the distances, and the log-density's gap to the data's own value
TABLES = ("fd", "sw2", "logp", "off")
METRIC_TITLES = {"fd": "Fréchet distance of Gaussian fits (lower is better)",
                 "sw2": "sliced W₂² (lower is better)",
                 "logp": "mean exact log-density of the samples (closer to the data's own value is better)",
                 "off": "fraction of samples off the data (less likely than every point of the data sample)"}
METRIC_SHORT = {"fd": "Fréchet", "sw2": "sliced W₂²", "logp": "log p gap", "off": "off the data"}


# ------------------------------------------------------------------------------------------------ criteria


def as_distance(e, metric: str, floor) -> tuple[float, float]:
    """(value, upper end of its interval) as a lower-is-better number: the metric itself, or for the log-density
    the gap |mean log p(samples) − mean log p(data)|."""
    if metric != "logp":
        return e.value, e.hi
    gap = abs(e.value - floor.value)
    return gap, gap + (e.hi - e.value)


def floor_bound(metric: str, floor) -> float:
    """The noise floor's upper end, in the same terms as :func:`as_distance`."""
    return floor.hi - floor.value if metric == "logp" else floor.hi


def match_from(table: dict, steps: tuple, metric: str, base: str, floor) -> dict:
    """The smallest S from which DDIM (η = 0) in ``table`` matches ``base`` at the largest S - within its interval
    or within the noise floor - and the speed-up S_max / S (None: no S below S_max)."""
    top = max(steps)
    bound = floor_bound(metric, floor)
    base_hi = as_distance(table[base, top][metric], metric, floor)[1]
    values = {S: as_distance(table["η = 0.0", S][metric], metric, floor)[0] for S in steps}
    S = first_matching_steps(values, max(base_hi, bound), below=top)
    return {"baseline": table[base, top][metric], "S": S, "factor": top / S if S else None,
            "by": None if S is None else ("floor" if bound >= base_hi else "interval")}


def speedups(result: dict, steps: tuple) -> list[dict]:
    """For each criterion and baseline (DDPM at S_max, σ̂ and η = 1): :func:`match_from` with the learned and with
    the exact ε."""
    return [{"metric": metric, "baseline": base,
             "learned": match_from(result["learned"], steps, metric, base, result["floor"][metric]),
             "exact": match_from(result["control"], steps, metric, base, result["floor"][metric])}
            for metric in CRITERIA for base in BASELINES]


def equal_quality(result: dict, steps: tuple, at=(10, 20, 50)) -> list[dict]:
    """The steps DDPM (η = 1) needs to reach DDIM (η = 0)'s distance at S (log-log interpolated), where that
    distance is above the noise floor (below it the comparison is noise)."""
    out = []
    for metric in DISTANCES:
        floor = result["floor"][metric].hi
        for S in [s for s in at if s in steps]:
            row = {"metric": metric, "S": S}
            for which, table in (("learned", result["learned"]), ("exact", result["control"])):
                target = table["η = 0.0", S][metric].value
                reach = None
                if target > floor:
                    reach = steps_to_reach({s: table["η = 1.0", s][metric].value for s in steps}, target)
                row[which] = {"target": target, "reach": reach, "factor": reach / S if reach else None,
                              "at_floor": target <= floor}
            out.append(row)
    return out


# ------------------------------------------------------------------------------------------------ markdown


def fmt(v: float) -> str:
    if not np.isfinite(v):
        return "nan"
    return f"{v:.3g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.2e}"


def cell(e) -> str:
    return f"{fmt(e.value)} ± {fmt((e.hi - e.lo) / 2)}"


def metric_table(result: dict, steps: tuple, metric: str) -> list[str]:
    lines = ["| | " + " | ".join(f"S = {S}" for S in steps) + " |", "|---|" + "---:|" * len(steps)]
    for name in ROW_NAMES:
        lines.append(f"| {name} | " + " | ".join(cell(result["learned"][name, S][metric]) for S in steps) + " |")
    for name in CONTROL_NAMES:
        lines.append(f"| {name}, exact ε | " + " | ".join(cell(result["control"][name, S][metric]) for S in steps)
                     + " |")
    return lines


def factor_text(entry: dict, top: int) -> tuple[str, str]:
    if entry["S"] is None:
        return f"none below {top}", "—"
    return f"{entry['S']} ({entry['by']})", f"{entry['factor']:.0f}×"


def speedup_lines(results: dict, steps: tuple) -> tuple[list[str], list[tuple]]:
    top = max(steps)
    lines = [f"| d | criterion | baseline: DDPM at S = {top}, learned ε | DDIM η = 0, learned ε: matches from S = | "
             f"speed-up | baseline, exact ε | DDIM η = 0, exact ε: matches from S = | speed-up |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    verdicts = []
    for d, result in sorted(results.items()):
        for row in speedups(result, steps):
            ls, lf = factor_text(row["learned"], top)
            es, ef = factor_text(row["exact"], top)
            lines.append(f"| {d} | {METRIC_SHORT[row['metric']]} | {row['baseline']}: "
                         f"{cell(row['learned']['baseline'])} "
                         f"| {ls} | {lf} | {cell(row['exact']['baseline'])} | {es} | {ef} |")
            verdicts.append((d, row["metric"], row["baseline"], row["learned"]["factor"] or 1.0,
                             row["exact"]["factor"] or 1.0))
    return lines, verdicts


def equal_quality_lines(results: dict, steps: tuple) -> list[str]:
    lines = ["| d | metric | DDIM η = 0 at S | learned ε: DDPM η = 1 needs ≈ | ratio | exact ε: DDPM η = 1 needs ≈ "
             "| ratio |", "|---|---|---:|---:|---:|---:|---:|"]
    for d, result in sorted(results.items()):
        for row in equal_quality(result, steps):
            cells = []
            for which in ("learned", "exact"):
                e = row[which]
                if e["at_floor"]:
                    cells += ["at the floor", "—"]
                elif e["reach"] is None:
                    cells += [f"> {max(steps)}", "—"]
                else:
                    cells += [f"{e['reach']:.0f}", f"{e['factor']:.1f}×"]
            lines.append(f"| {d} | {METRIC_SHORT[row['metric']]} | {row['S']} | " + " | ".join(cells) + " |")
    return lines


def dose_lines(results: dict, steps: tuple) -> list[str]:
    """Speed-up against the network's error: the exact ε (none), the trained network, the less trained snapshots."""
    top = max(steps)
    lines = ["| d | ε | mean model error | " + " | ".join(f"{METRIC_SHORT[m]}: from S (σ̂ / η = 1)" for m in CRITERIA)
             + " |", "|---|---|---:|" + "---:|" * len(CRITERIA)]
    for d, r in sorted(results.items()):
        nets = [("exact ε*", r["control"], 0.0), (f"network, {r['config'].steps} steps", r["learned"],
                                                  float(np.mean(list(r["model_error"].values()))))]
        nets += [(f"network, {step} steps", snap["cells"], float(np.mean(list(snap["model_error"].values()))))
                 for step, snap in sorted(r["snapshots"].items(), reverse=True)]
        for label, table, error in nets:
            cells = []
            for metric in CRITERIA:
                found = [match_from(table, steps, metric, base, r["floor"][metric])["S"] for base in BASELINES]
                cells.append(" / ".join("none" if S is None else str(S) for S in found))
            lines.append(f"| {d} | {label} | {fmt(error)} | " + " | ".join(cells) + " |")
    lines += ["", f"(\"none\": DDIM never matches below S = {top}; the speed-up is {top} / S.)"]
    return lines


def hybrid_lines(results: dict, setup) -> list[str]:
    lines = ["| d | learned ε used at | " + " | ".join(METRIC_SHORT[m] for m in ("fd", "sw2", "off")) + " |",
             "|---|---|---:|---:|---:|"]
    for d, result in sorted(results.items()):
        for cut in setup.hybrid_cuts:
            for side, words in (("above", f"t > {cut} only"), ("below", f"t ≤ {cut} only")):
                e = result["hybrid"][cut, side]
                lines.append(f"| {d} | {words} | " + " | ".join(cell(e[m]) for m in ("fd", "sw2", "off")) + " |")
    return lines


def reading(results: dict, steps: tuple, verdicts: list[tuple]) -> list[str]:
    """Computed statements, each a comparison in the tables above."""
    top = max(steps)
    larger = [v for v in verdicts if v[3] > v[4]]
    equal = [v for v in verdicts if v[3] == v[4]]
    smaller = [v for v in verdicts if v[3] < v[4]]

    def names(vs):
        return "; ".join(f"d = {d}, {METRIC_SHORT[m]} vs {b}: {lf:.0f}× vs {ef:.0f}×"
                         for d, m, b, lf, ef in vs) or "none"

    out = [f"- The learned ε's speed-up exceeds the exact ε's in {len(larger)} of {len(verdicts)} comparisons "
           f"({names(larger)}); it is equal in {len(equal)} ({names(equal)}) and smaller in {len(smaller)} "
           f"({names(smaller)})."]
    early = [(d, step, m, b) for d, r in sorted(results.items()) for step, snap in r["snapshots"].items()
             for m in CRITERIA for b in BASELINES
             if (match_from(snap["cells"], steps, m, b, r["floor"][m])["factor"] or 1.0)
             > (match_from(r["control"], steps, m, b, r["floor"][m])["factor"] or 1.0)]
    count = sum(len(r["snapshots"]) for r in results.values()) * len(CRITERIA) * len(BASELINES)
    out.append(f"- The less trained network's speed-up exceeds the exact ε's in {len(early)} of {count} comparisons"
               + (": " + "; ".join(f"d = {d}, {s} steps, {METRIC_SHORT[m]} vs {b}" for d, s, m, b in early)
                  if early else "") + ".")
    for d, r in sorted(results.items()):
        for metric in DISTANCES:
            row = {S: r["learned"]["η = 0.0", S][metric] for S in steps}
            best = min(row, key=lambda S: row[S].value)
            out.append(f"- d = {d}, {METRIC_SHORT[metric]}: with the learned ε, DDIM (η = 0) is closest to the data "
                       f"at S = {best} ({cell(row[best])}); at S = {top} it is at {cell(row[top])}, against "
                       f"{cell(r['learned']['σ̂', top][metric])} for DDPM (σ̂) and "
                       f"{cell(r['control']['η = 0.0', top][metric])} "
                       f"for DDIM with the exact ε.")
        off = {name: r["learned"][name, top]["off"] for name in ROW_NAMES}
        out.append(f"- d = {d}: samples off the data at S = {top}, learned ε: "
                   + ", ".join(f"{name} {cell(e)}" for name, e in off.items())
                   + f"; DDIM with the exact ε {cell(r['control']['η = 0.0', top]['off'])}; "
                   f"data vs data {cell(r['floor']['off'])}.")
    return out


def write_markdown(results: dict, setup, run: dict, path: Path) -> str:
    steps = setup.steps
    top = max(steps)
    any_result = next(iter(results.values()))
    cfg = any_result["config"]
    parts = ["# DDIM's Table 1 with a learned ε-network", "",
             f"Generated by `{run['command']}` in {run['seconds']:.0f} s wall, {run['cpu']:.0f} s CPU (device "
             f"{run['device']}, {run['jobs']} process(es) of {run['threads']} thread, {run['cores']} cores, load "
             f"average {run['load']:.1f} at the start; the figure not counted; training "
             + ", ".join(f"d = {d}: {'cached' if r['cached'] else 'this run'}" for d, r in sorted(results.items()))
             + "). Deterministic: fixed seeds, a `torch.Generator` for every draw, deterministic torch algorithms.", "",
             "## Setup", "",
             "- Data: " + "; ".join(f"{r['mixture'].name} ({len(r['mixture'].weights)} anisotropic Gaussian modes, "
                                    f"weights {fmt(min(r['mixture'].weights))} … {fmt(max(r['mixture'].weights))})"
                                    for _, r in sorted(results.items())) + ".",
             f"- Network: MLP ε_θ(x, t), {cfg.depth} hidden layers of {cfg.width} (SiLU), a {cfg.emb_dim}-dim "
             f"sinusoidal embedding of t; DDPM's simple loss on T = 1000 linear β (1e-4 … 0.02), x_t from the "
             f"reference's forward process; Adam, learning rate {cfg.lr} with a cosine decay, {cfg.steps} steps of "
             f"{cfg.batch}, a training set of {cfg.n_train} points; the weights after "
             + ", ".join(str(k) for k in cfg.snapshots) + " steps of the same run are kept as a less trained network.",
             f"- Samplers: the reference DDIM (η = 0, 0.2, 0.5, 1; σ_τ(η) of eq. 16) and DDPM's ancestral step with "
             f"σ̂² = β (`variance_type=\"fixed_large\"`), leading timesteps, last step to ᾱ = 1; every cell starts from "
             f"the same x_T ~ N(0, I) and draws the same noise. Rows marked *exact ε*: the same samplers and seeds "
             f"driven by the mixture's exact ε* (the control: no model error).",
             f"- Metrics against one data sample of {setup.n} points (every cell has {setup.n} samples): Fréchet "
             f"distance of Gaussian fits, sliced W₂² (fixed directions: "
             + ", ".join(f"{p} for d = {d}" for d, p in sorted(setup.n_directions.items()))
             + f"), mean exact log-density. "
             f"Cells: value ± 1.96 bootstrap standard errors ({setup.n_boot} resamples of the samples). Noise floor: "
             f"the metric between {setup.floor_repeats} independent data samples of {setup.n} and the same data "
             f"sample, mean ± 1.96 sd.", "",
             "## Training", "", "| | " + " | ".join(f"d = {d}" for d in sorted(results)) + " |",
             "|---|" + "---:|" * len(results)]
    rows = [("training time (s)", lambda r: f"{r['train_seconds']:.1f}" + (" (cached)" if r["cached"] else "")),
            ("loss, first 100 steps", lambda r: fmt(np.mean(r["loss"][:100]))),
            ("loss, last 100 steps", lambda r: fmt(np.mean(r["loss"][-100:]))),
            ("irreducible loss (exact ε*)", lambda r: fmt(r["loss_floor"])),
            ("excess (model error)", lambda r: fmt(np.mean(r["loss"][-100:]) - r["loss_floor"]))]
    for label, f in rows:
        parts.append(f"| {label} | " + " | ".join(f(results[d]) for d in sorted(results)) + " |")
    phases = list(any_result["timing"])
    parts += ["", "Wall time by phase (s, in this run):", "", "| d | " + " | ".join(phases) + " |",
              "|---|" + "---:|" * len(phases)]
    for d, r in sorted(results.items()):
        parts.append(f"| {d} | " + " | ".join(f"{r['timing'][p]:.1f}" for p in phases) + " |")
    ts = setup.error_timesteps
    parts += ["", "The network's own error, E‖ε_θ(x_t, t) − ε*(x_t, t)‖² / d on q(x_t), by timestep t (t = 999 is "
              "the noisiest):", "", "| d, network | " + " | ".join(f"t = {t}" for t in ts) + " |",
              "|---|" + "---:|" * len(ts)]
    for d, r in sorted(results.items()):
        parts.append(f"| {d}, {r['config'].steps} steps | " + " | ".join(fmt(r["model_error"][t]) for t in ts) + " |")
        for step, snap in sorted(r["snapshots"].items()):
            parts.append(f"| {d}, {step} steps | " + " | ".join(fmt(snap["model_error"][t]) for t in ts) + " |")
    for d, r in sorted(results.items()):
        parts += ["", f"## {r['mixture'].name}"]
        for metric in TABLES:
            floor = r["floor"][metric]
            label = "data's own value" if metric == "logp" else "noise floor (data vs data)"
            parts += ["", f"### d = {d}: {METRIC_TITLES[metric]}", ""] + metric_table(r, steps, metric)
            parts += ["", f"{label}: {cell(floor)}"]
    lines, verdicts = speedup_lines(results, steps)
    parts += ["", "## Speed-up", "",
              f"DDIM (η = 0) *matches* DDPM at S = {top} when its distance is at most the upper end of that baseline's "
              f"interval or of the noise floor; \"from S\" is the smallest S from which it matches at every larger S "
              f"below {top}; the speed-up is {top} / S. (interval) or (floor) says which bound was the larger. The "
              f"log p gap is |mean log p(samples) − mean log p(data)| (a secondary criterion).", ""]
    parts += lines
    parts += ["", "Against the network's error (the mean over the timesteps of the error table above; the same "
              "training run stopped early gives a network with more of it):", ""]
    parts += dose_lines(results, steps)
    parts += ["", f"At equal quality (the closed-form table's other reading): the steps DDPM with η = 1 needs to "
              f"reach DDIM (η = 0)'s distance at S, where that distance is above the noise floor.", ""]
    parts += equal_quality_lines(results, steps)
    parts += ["", f"## Where the model error enters", "",
              f"DDIM (η = 0, S = {setup.hybrid_steps}) driven by the learned ε only on one side of a timestep and by "
              f"the exact ε on the other (same x_T):", ""]
    parts += hybrid_lines(results, setup)
    parts += ["", "## Reading (computed)", ""] + reading(results, steps, verdicts) + [""]
    text = "\n".join(parts)
    path.write_text(text)
    return text


# ------------------------------------------------------------------------------------------------ figure


def plot(results: dict, setup, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = setup.steps
    dims = sorted(results)
    fig, axes = plt.subplots(3, 4, figsize=(18, 13))
    colours = dict(zip(ROW_NAMES, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    panels = [(d, m) for m in ("sw2", "fd") for d in dims][:4]
    for ax, (d, metric) in zip(axes[0], panels):
        r = results[d]
        for name in ROW_NAMES:
            e = [r["learned"][name, S][metric] for S in steps]
            ax.plot(steps, [x.value for x in e], marker="o", ms=3, color=colours[name], label=name)
            ax.fill_between(steps, [max(x.lo, 1e-9) for x in e], [x.hi for x in e], color=colours[name], alpha=0.15,
                            linewidth=0)
        for name in CONTROL_NAMES:
            ax.plot(steps, [r["control"][name, S][metric].value for S in steps], linestyle="--", color=colours[name],
                    alpha=0.7, label=f"{name}, exact ε")
        f = r["floor"][metric]
        ax.axhspan(max(f.lo, 1e-12), f.hi, color="grey", alpha=0.25, label="noise floor (data vs data)")
        ax.axhline(f.value, color="grey", linestyle=":")
        shown = [e.value for table in (r["learned"], r["control"]) for e in
                 (table[key][metric] for key in table)] + [f.value]
        ax.set_xscale("log")
        ax.set_yscale("log")
        # intervals reaching below zero are cut at the axis: a distance's interval is value ± 1.96 SE
        positive = [v for v in shown if np.isfinite(v) and v > 0]
        if positive:
            ax.set_ylim(0.5 * min(positive), 2 * max(positive))
        ax.set_xlabel("steps S")
        ax.set_title(f"d = {d}: {METRIC_SHORT[metric]}", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].legend(fontsize=7, ncol=2)
    r2 = results[dims[0]]
    lo, hi = min(steps), max(steps)
    scatters = [("data (reference sample)", r2["reference"])]
    scatters += [(f"{name}, S = {S}, learned ε", r2["scatter"][name, S]) for S in (lo, hi) for name in ("η = 0.0", "σ̂")
                 if (name, S) in r2["scatter"]]
    axes_scatter = [axes[1][0], axes[1][1], axes[1][2], axes[1][3], axes[2][0]]
    for ax, (title, x) in zip(axes_scatter, scatters):
        ax.scatter(x[:, 0], x[:, 1], s=1, alpha=0.4)
        ax.set_title(f"d = {r2['mixture'].d}: {title}", fontsize=10)
        ax.set_xlim(-2.6, 2.6)
        ax.set_ylim(-2.6, 2.6)
        ax.set_aspect("equal")
    ax = axes[2][1]
    for d in dims:
        loss = results[d]["loss"]
        window = max(1, len(loss) // 100)
        smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
        ax.plot(np.arange(len(smooth)) + window, smooth, label=f"d = {d}")
        ax.axhline(results[d]["loss_floor"], linestyle=":", color=ax.lines[-1].get_color(),
                   label=f"d = {d}: irreducible (exact ε*)")
    ax.set_xlabel("training step")
    ax.set_title("training loss (moving average)", fontsize=10)
    ax.legend(fontsize=7)
    ax = axes[2][2]
    for d in dims:
        err = results[d]["model_error"]
        ax.plot([t + 1 for t in err], list(err.values()), marker="o", label=f"d = {d}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("t + 1")
    ax.set_title("model error E‖ε_θ − ε*‖² / d", fontsize=10)
    ax.legend(fontsize=7)
    ax = axes[2][3]
    for d in dims:
        r = results[d]
        for name in ("η = 0.0", "σ̂"):
            ax.plot(steps, [r["learned"][name, S]["logp"].value - r["floor"]["logp"].value for S in steps],
                    marker="o", label=f"d = {d}, {name}")
    ax.axhline(0, color="grey")
    ax.set_xscale("log")
    ax.set_xlabel("steps S")
    ax.set_title("mean log p(samples) − mean log p(data)", fontsize=10)
    ax.legend(fontsize=7)
    fig.suptitle("DDIM Table 1 with a learned ε: linear β, T = 1000, leading timesteps (dashed: exact ε)")
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.05, top=0.94, wspace=0.25, hspace=0.3)
    fig.savefig(path, dpi=80)
    plt.close(fig)
