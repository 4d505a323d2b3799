"""Command line: ``invariants list | check | probe | verify`` (also ``python -m properties``).

Exit status: 0 when every invariant holds, 1 when any fails, 2 on usage or import errors.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from .engine import profiles, report
from .engine.catalogue import catalogue_markdown
from .engine.loading import ImplementationNotFound, load
from .engine.records import CATEGORIES
from .engine.registry import TopicUnavailable, get_topic, topic_names
from .engine.runner import ADAPTIVE_FLOOR, BAD, EXAMPLE_TIMEOUT, HANG_FOLLOWUP, run_topic, topic_support
from .engine.support import SupportError, parse_flags, read_file

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

TIME_RULE = (f"Time limits: an example may take --timeout seconds (default {EXAMPLE_TIMEOUT:g}) until the "
             f"implementation's speed is known, then 100x the median time of its examples so far (at least "
             f"{ADAPTIVE_FLOOR:g} s, at most --timeout); once the implementation has hung, every later example gets at "
             f"most {HANG_FOLLOWUP:g} s; an invariant stops after its own limit (120 s unless its record says "
             f"otherwise).  A hang is reported as 'timeout' and the run goes on, so a hanging implementation is "
             f"reported in well under a minute.")
SUPPORT_HELP = ("Declared support: --support AXIS=V1[,V2…] (repeatable; e.g. --support p=2 --support "
                "operations=knn --support precision=float64) or --support-file FILE (a TOML [support] table, as "
                "`invariants probe` prints).  Undeclared axes mean the whole contract; an undeclared precision is "
                "judged at float32 bounds.")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--only", action="append", metavar="ID", help="run only this invariant id (repeatable)")
    p.add_argument("--category", action="append", choices=CATEGORIES,
                   help="run only invariants of this category (repeatable): math, validation, crosscheck")
    p.add_argument("--seed", type=int, default=None, help="user seed mixed into each invariant's seed (default 0)")
    p.add_argument("--max-examples", type=int, default=None, metavar="N", help="examples per invariant (overrides the profile)")
    p.add_argument("--profile", choices=sorted(profiles.PROFILES), default=None,
                   help=f"hypothesis profile (default: ${profiles.ENV_VAR} or 'ci')")


def _support(p: argparse.ArgumentParser) -> None:
    p.add_argument("--support", action="append", default=[], metavar="AXIS=VALUES", help="declare supported option values")
    p.add_argument("--support-file", type=Path, metavar="FILE", help="a TOML file with a [support] table")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="invariants", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    names = topic_names()
    p = sub.add_parser("list", help="print the invariant catalogue")
    p.add_argument("topic", nargs="?", choices=names)
    p.add_argument("--markdown", action="store_true", help="the full catalogue as markdown (docs/invariants.md)")
    p.add_argument("--readme", type=Path, metavar="FILE", help="renew the topic table between the markers in FILE")
    p = sub.add_parser("check", help="validate an implementation (module:attr) against a topic's invariants",
                       epilog=f"{SUPPORT_HELP}\n\n{TIME_RULE}", formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("topic", choices=names)
    p.add_argument("implementation", help="module:attr of a class or factory speaking the contract, or a factory "
                                          "spec module:attr(key=value, ...)")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    p.add_argument("--timeout", type=float, default=None, metavar="S", help=f"seconds per example (default {EXAMPLE_TIMEOUT:g})")
    _support(p)
    _common(p)
    p = sub.add_parser("probe", help="detect the option values an implementation supports; prints a declaration to review")
    p.add_argument("topic", choices=names)
    p.add_argument("implementation")
    p = sub.add_parser("verify", help="every topic against the reference and every installed library, plus cross-checks",
                       epilog="--shard K/N runs every N-th job from the K-th: a CI matrix runs K = 1 … N in parallel, "
                              "each writing its own report folder.")
    p.add_argument("--topic", action="append", choices=names, help="restrict to this topic (repeatable)")
    p.add_argument("--out", type=Path, default=Path("reports"), help="folder for verify.json and verify.md (default: reports)")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="run jobs in N processes (same report as 1)")
    p.add_argument("--shard", default=None, metavar="K/N", help="run only shard K of N (1-based)")
    p.add_argument("--no-progress", action="store_true")
    _common(p)
    return parser


def cmd_list(args, console: Console) -> int:
    if args.readme:
        from .engine.catalogue import with_topics_table

        args.readme.write_text(with_topics_table(args.readme.read_text()))
        return EXIT_OK
    if args.markdown:
        sys.stdout.write(catalogue_markdown([args.topic] if args.topic else None))
        return EXIT_OK
    from rich.table import Table

    for name in [args.topic] if args.topic else topic_names():
        try:
            topic = get_topic(name)
        except TopicUnavailable as exc:
            console.print(f"[yellow]{name}: unavailable — {exc}[/]")
            continue
        table = Table(title=f"{name} — {topic.title}", show_lines=False)
        for col in ("id", "category", "kind", "statement"):
            table.add_column(col, overflow="fold")
        for inv in sorted(topic.invariants.values(), key=lambda i: CATEGORIES.index(i.category)):
            table.add_row(inv.id, inv.category, inv.kind, escape(inv.statement))
        console.print(table)
    return EXIT_OK


def _declared(args) -> dict:
    declared: dict = {}
    if args.support_file:
        declared.update(read_file(args.support_file))
    for key, values in parse_flags(args.support).items():
        declared[key] = values
    return declared


def cmd_check(args, console: Console) -> int:
    try:
        topic = get_topic(args.topic)
        impl = load(args.implementation)  # fail early (exit 2) when it cannot be imported
        declared = _declared(args)
        support = topic_support(topic, impl, declared or None)
    except (TopicUnavailable, ImplementationNotFound, SupportError) as exc:
        console.print(f"[red]error:[/] {exc}")
        return EXIT_USAGE
    unknown = set(args.only or ()) - set(topic.invariants)
    if unknown:
        console.print(f"[red]error:[/] unknown invariant(s) {sorted(unknown)} for topic {topic.name!r}")
        return EXIT_USAGE
    profile = args.profile or profiles.default_profile()
    # the import string, not the object: results and repro lines name the implementation as the user did
    results = run_topic(topic, args.implementation, only=args.only, categories=args.category, profile=profile,
                        seed=args.seed, max_examples=args.max_examples, example_timeout=args.timeout,
                        support=declared or None)
    console.print(report.results_table(results, f"{topic.name}: {args.implementation} ({profile} profile)"))
    coverage = support.describe(topic.axes) + report.not_covered_lines(results)
    if coverage:
        console.print("Declared support and what it left out:", markup=False)
        for line in dict.fromkeys(coverage):
            console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
    report.print_failures(console, results)
    bad = [r for r in results if r.status in BAD]
    counts = {s: sum(r.status == s for r in results) for s in ("passed", "xfail", "skipped")}
    tally = f"{counts['passed']} passed, {counts['xfail']} expected failures (recorded differences), {counts['skipped']} skipped"
    for category in CATEGORIES:
        mine = [r for r in results if r.category == category]
        if mine:
            failed = sum(r.status in BAD for r in mine)
            console.print(f"{category}: {len(mine) - failed} of {len(mine)} hold" + (f", {failed} FAILED" if failed else ""))
    console.print(f"{len(bad)} of {len(results)} invariants FAILED; {tally}" if bad else f"no invariant fails: {tally}")
    if args.json:
        report.write_json(args.json, results, {"topic": topic.name, "implementation": args.implementation,
                                               "support": {"options": {k: [str(v) for v in vs] for k, vs in support.options.items()},
                                                           "precision": support.precision}})
    return EXIT_FAIL if bad else EXIT_OK


def cmd_probe(args, console: Console) -> int:
    from .engine.probe import declaration, probe, summary_lines

    try:
        topic = get_topic(args.topic)
        impl = load(args.implementation)
    except (TopicUnavailable, ImplementationNotFound) as exc:
        console.print(f"[red]error:[/] {exc}")
        return EXIT_USAGE
    outcomes = probe(topic, impl)
    for line in summary_lines(outcomes):
        console.print(f"# {line}", markup=False, highlight=False, soft_wrap=True)
    console.print(f"# detected support of {args.implementation} for {topic.name}: review it, then pass it to "
                  f"`invariants check --support-file`", markup=False, highlight=False)
    console.print(declaration(topic, outcomes, getattr(impl, "precision", None) if isinstance(
        getattr(impl, "precision", None), str) else None), markup=False, highlight=False, end="")
    return EXIT_OK


def cmd_verify(args, console: Console) -> int:
    from .engine.verify import verify, write_reports

    shard = None
    if args.shard:
        try:
            k, n = (int(x) for x in args.shard.split("/"))
            if not 1 <= k <= n:
                raise ValueError
            shard = (k, n)
        except ValueError:
            console.print(f"[red]error:[/] --shard takes K/N with 1 <= K <= N, got {args.shard!r}")
            return EXIT_USAGE
    profile = args.profile or profiles.default_profile()
    started = time.perf_counter()
    outcome = verify(topics=args.topic, only=args.only, categories=args.category, profile=profile, seed=args.seed,
                     max_examples=args.max_examples, jobs=args.jobs, shard=shard, progress=not args.no_progress)
    seconds = time.perf_counter() - started
    console.print(report.summary_table(report.summary_rows(outcome.results)))
    for r in outcome.results:
        if r.details.get("stats"):
            console.print(f"{r.invariant} [{r.implementation}]: {report.stats_text(r)}", markup=False, soft_wrap=True)
    for what, why in outcome.skipped.items():
        console.print(f"[yellow]not run:[/] {what} — {why}")
    report.print_failures(console, outcome.results)
    json_path, md_path = write_reports(outcome, args.out, seconds=seconds, profile=profile, shard=shard)
    console.print(f"report: {md_path} and {json_path} ({seconds:.0f} s)")
    return EXIT_OK if outcome.ok else EXIT_FAIL


def main(argv: list[str] | None = None) -> int:
    # like `python -m` and pytest: the user's own modules in the working directory are importable
    if "" not in sys.path and "." not in sys.path:
        sys.path.insert(0, "")
    args = build_parser().parse_args(argv)
    # tables are meant to be read whole: not squeezed to 80 columns when piped or logged
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    return {"list": cmd_list, "check": cmd_check, "probe": cmd_probe, "verify": cmd_verify}[args.command](args, console)


if __name__ == "__main__":
    sys.exit(main())
