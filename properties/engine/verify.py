"""The main job: every topic against its reference and every installed library, plus the cross-checks.

``jobs`` runs the (invariant, implementation) pairs in a process pool; results come back in plan order,
so the report is the same for any number of jobs.  ``shard=(k, n)`` keeps every n-th job starting at the
k-th (1-based), for a CI matrix: each shard writes its own report.
"""
from __future__ import annotations

import importlib.util
import multiprocessing
import platform
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import report
from .loading import ImplementationNotFound, load
from .registry import TopicUnavailable, get_topic, topic_names
from .runner import HangPolicy, Result, run_crosscheck, run_invariant


@dataclass
class VerifyOutcome:
    results: list[Result] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # "topic" or "topic impl" -> reason

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


#: a job is ("invariant", topic, invariant id, spec) or ("crosscheck", topic, invariant id, spec a, spec b)
Job = tuple


def plan(topics: list[str], only: list[str] | None, categories: list[str] | None,
         outcome: VerifyOutcome) -> list[Job]:
    jobs: list[Job] = []
    for name in topics:
        try:
            topic = get_topic(name)
        except TopicUnavailable as exc:
            outcome.skipped[name] = str(exc)
            continue
        available = []
        for impl in topic.all_implementations():
            missing = [r for r in impl.requires if importlib.util.find_spec(r) is None]
            if missing:
                outcome.skipped[f"{name} {impl.spec}"] = f"not installed: {', '.join(missing)}"
                continue
            try:
                load(impl.spec)
            except ImplementationNotFound as exc:
                outcome.skipped[f"{name} {impl.spec}"] = str(exc)
                continue
            available.append(impl.spec)
        wanted = [inv for inv in topic.invariants.values()
                  if (not only or inv.id in only) and (not categories or inv.category in categories)]
        for spec in available:
            jobs += [("invariant", name, inv.id, spec) for inv in wanted if not inv.is_crosscheck]
        for inv in (i for i in wanted if i.is_crosscheck):
            for a, b in inv.pairs:
                if a in available and b in available:
                    jobs.append(("crosscheck", name, inv.id, a, b))
                else:
                    outcome.skipped[f"{inv.id} {a} vs {b}"] = "an implementation of the pair is not available"
    return jobs


_HANGS: dict[tuple[str, str], HangPolicy] = {}


def run_job(job: Job, options: dict) -> Result:
    """One job (in this process or a pool worker); hang limits carry over between an implementation's jobs."""
    kind, name, inv_id = job[:3]
    topic = get_topic(name)
    inv = topic.invariants[inv_id]
    if kind == "invariant":
        hangs = _HANGS.setdefault((name, job[3]), HangPolicy())
        return run_invariant(inv, job[3], topic=topic, hangs=hangs, **options)
    return run_crosscheck(inv, job[3], job[4], topic=topic, **options)


def _label(job: Job) -> str:
    return f"{job[2]} [{job[3] if job[0] == 'invariant' else 'crosscheck'}]"


def verify(*, topics: list[str] | None = None, only: list[str] | None = None, categories: list[str] | None = None,
           profile: str | None = None, seed: int | None = None, max_examples: int | None = None,
           jobs: int = 1, shard: tuple[int, int] | None = None, console: Console | None = None,
           progress: bool = True) -> VerifyOutcome:
    console = console or Console(stderr=True)
    outcome = VerifyOutcome()
    work = plan(topics or topic_names(), only, categories, outcome)
    if shard is not None:
        k, n = shard
        if not (n >= 1 and 1 <= k <= n):
            raise ValueError(f"shard must be K/N with 1 <= K <= N, got {k}/{n}")
        work = work[k - 1::n]
    options = {"profile": profile, "seed": seed, "max_examples": max_examples}
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    results: list[Result | None] = [None] * len(work)
    with Progress(*columns, console=console, disable=not progress, transient=True) as bar:
        task = bar.add_task("verifying", total=len(work))
        if jobs <= 1:
            for i, job in enumerate(work):
                bar.update(task, description=_label(job))
                results[i] = run_job(job, options)
                bar.advance(task)
        else:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
                futures = {pool.submit(run_job, job, options): i for i, job in enumerate(work)}
                for future in as_completed(futures):
                    i = futures[future]
                    results[i] = future.result()
                    bar.update(task, description=_label(work[i]))
                    bar.advance(task)
    outcome.results = [r for r in results if r is not None]
    return outcome


def write_reports(outcome: VerifyOutcome, out_dir: Path, *, seconds: float, profile: str,
                  shard: tuple[int, int] | None = None) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = {"profile": profile, "seconds": round(seconds, 1), "python": platform.python_version(),
            "shard": f"{shard[0]}/{shard[1]}" if shard else None,
            "skipped": outcome.skipped, "ok": outcome.ok, "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    json_path, md_path = out_dir / "verify.json", out_dir / "verify.md"
    report.write_json(json_path, outcome.results, meta)
    title = f"ml-invariants verify ({profile} profile{f', shard {shard[0]}/{shard[1]}' if shard else ''}, {seconds:.0f} s)"
    md_path.write_text(report.markdown_report(outcome.results, outcome.skipped, title))
    return json_path, md_path
