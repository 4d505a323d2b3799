"""Command line: ``invariants list | check | verify`` (also ``python -m properties``).

Exit status: 0 when every invariant holds, 1 when any fails, 2 on usage or import errors.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rich.console import Console

from .engine import profiles, report
from .engine.catalogue import catalogue_markdown
from .engine.records import TopicUnavailable, get_topic, topic_names
from .engine.runner import BAD, ImplementationNotFound, load, run_topic

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--only", action="append", metavar="ID", help="run only this invariant id (repeatable)")
    p.add_argument("--seed", type=int, default=None, help="user seed mixed into each invariant's seed (default 0)")
    p.add_argument("--max-examples", type=int, default=None, metavar="N", help="examples per invariant (overrides the profile)")
    p.add_argument("--profile", choices=sorted(profiles.PROFILES), default=None,
                   help=f"hypothesis profile (default: ${profiles.ENV_VAR} or 'ci')")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="invariants", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", help="print the invariant catalogue")
    p.add_argument("topic", nargs="?", choices=topic_names())
    p.add_argument("--markdown", action="store_true", help="the full catalogue as markdown (docs/invariants.md)")
    p = sub.add_parser("check", help="validate an implementation (module:attr) against a topic's invariants")
    p.add_argument("topic", choices=topic_names())
    p.add_argument("implementation", help="import string module:attr of a class or factory speaking the contract")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    p.add_argument("--timeout", type=float, default=None, help="seconds per invariant before a hang is reported")
    _common(p)
    p = sub.add_parser("verify", help="every topic against the reference and every installed library, plus cross-checks")
    p.add_argument("--topic", action="append", choices=topic_names(), help="restrict to this topic (repeatable)")
    p.add_argument("--out", type=Path, default=Path("reports"), help="folder for verify.json and verify.md (default: reports)")
    p.add_argument("--no-progress", action="store_true")
    _common(p)
    return parser


def cmd_list(args, console: Console) -> int:
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
        for col in ("id", "kind", "statement"):
            table.add_column(col, overflow="fold")
        for inv in topic.invariants.values():
            table.add_row(inv.id, inv.kind, inv.statement)
        console.print(table)
    return EXIT_OK


def cmd_check(args, console: Console) -> int:
    try:
        topic = get_topic(args.topic)
    except TopicUnavailable as exc:
        console.print(f"[red]error:[/] {exc}")
        return EXIT_USAGE
    try:
        load(args.implementation)  # fail early (exit 2) when it cannot be imported
    except ImplementationNotFound as exc:
        console.print(f"[red]error:[/] {exc}")
        return EXIT_USAGE
    unknown = set(args.only or ()) - set(topic.invariants)
    if unknown:
        console.print(f"[red]error:[/] unknown invariant(s) {sorted(unknown)} for topic {topic.name!r}")
        return EXIT_USAGE
    profile = args.profile or profiles.default_profile()
    # the import string, not the object: results and repro lines name the implementation as the user did
    results = run_topic(topic, args.implementation, only=args.only, profile=profile, seed=args.seed,
                        max_examples=args.max_examples, timeout=args.timeout)
    console.print(report.results_table(results, f"{topic.name}: {args.implementation} ({profile} profile)"))
    report.print_failures(console, results)
    bad = [r for r in results if r.status in BAD]
    counts = {s: sum(r.status == s for r in results) for s in ("passed", "xfail", "skipped")}
    tally = f"{counts['passed']} passed, {counts['xfail']} expected failures (recorded differences), {counts['skipped']} skipped"
    console.print(f"{len(bad)} of {len(results)} invariants FAILED; {tally}" if bad else f"no invariant fails: {tally}")
    if args.json:
        report.write_json(args.json, results, {"topic": topic.name, "implementation": args.implementation})
    return EXIT_FAIL if bad else EXIT_OK


def cmd_verify(args, console: Console) -> int:
    from .engine.verify import verify, write_reports

    profile = args.profile or profiles.default_profile()
    started = time.perf_counter()
    outcome = verify(topics=args.topic, only=args.only, profile=profile, seed=args.seed,
                     max_examples=args.max_examples, progress=not args.no_progress)
    seconds = time.perf_counter() - started
    console.print(report.summary_table(report.summary_rows(outcome.results)))
    for r in outcome.results:
        if r.details.get("stats"):
            console.print(f"{r.invariant} [{r.implementation}]: {report.stats_text(r)}", markup=False, soft_wrap=True)
    for what, why in outcome.skipped.items():
        console.print(f"[yellow]not run:[/] {what} — {why}")
    report.print_failures(console, outcome.results)
    json_path, md_path = write_reports(outcome, args.out, seconds=seconds, profile=profile)
    console.print(f"report: {md_path} and {json_path} ({seconds:.0f} s)")
    return EXIT_OK if outcome.ok else EXIT_FAIL


def main(argv: list[str] | None = None) -> int:
    # like `python -m` and pytest: the user's own modules in the working directory are importable
    if "" not in sys.path and "." not in sys.path:
        sys.path.insert(0, "")
    args = build_parser().parse_args(argv)
    # tables are meant to be read whole: not squeezed to 80 columns when piped or logged
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    return {"list": cmd_list, "check": cmd_check, "verify": cmd_verify}[args.command](args, console)


if __name__ == "__main__":
    sys.exit(main())
