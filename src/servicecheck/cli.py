"""The ``servicecheck`` command: a thin layer over Checker and the pack tools.

Exit status: 0 done; 1 a finding at or above ``--fail-on`` exists, or some input records could not be
read (they are reported, the rest is checked); 2 usage error, unusable pack, or no input record could be
read at all. Errors are one line on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import NoReturn, Optional, Sequence

from . import __version__
from .errors import InputError, ServiceCheckError
from .schemas import SCHEMAS

SEVERITIES = ("info", "minor", "major", "critical")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2
        self.exit(2, f"servicecheck: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="servicecheck", description="Check Chinese customer-service transcripts.")
    parser.add_argument("--version", action="version", version=f"servicecheck {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = commands.add_parser("check", help="check transcripts and print reports")
    check.add_argument(
        "paths", nargs="+", metavar="PATH", help="transcripts in any input format (docs/inputs.md); - for stdin"
    )
    check.add_argument("--pack", default="bank-cn", help="built-in pack id or a pack YAML file")
    check.add_argument(
        "--format",
        choices=("json", "jsonl", "table", "csv"),
        default="json",
        help="table ends with a batch summary when there is more than one call; csv: one row per finding",
    )
    check.add_argument("--fail-on", choices=SEVERITIES, default=None, help="exit 1 on findings this severe")
    check.add_argument(
        "-o", "--output", type=Path, default=None, metavar="FILE", help="file to write (default: standard output)"
    )
    check.add_argument(
        "--summary",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write one CSV row per call (score, verdict, failed items, errors); with --format csv "
        "and --output the default is <output stem>.calls.csv beside it",
    )
    check.add_argument("--excel", action="store_true", help="start CSV output with a UTF-8 byte order mark for Excel")
    _input_options(check)
    check.add_argument("--redact", action="store_true", help="mask card, ID and phone numbers in the output")
    check.add_argument("--workers", type=int, default=1, help="processes to check on (default 1)")
    check.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")

    render = commands.add_parser("render", help="the call with every finding marked (HTML page or text)")
    render.add_argument("path", metavar="PATH", help="one transcript (any input format); - for stdin")
    render.add_argument("--pack", default="bank-cn")
    render.add_argument("--redact", action="store_true", help="mask card, ID and phone numbers on the page")
    _input_options(render)
    render.add_argument("--format", choices=("html", "text"), default="html")
    render.add_argument("-o", "--output", type=Path, default=None, help="file to write (default: standard output)")

    report = commands.add_parser(
        "report", help="a batch overview (index.html) and a page per call, for a QA team's browser"
    )
    report.add_argument("paths", nargs="+", metavar="PATH", help="transcripts (any input format) or check reports")
    report.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="folder to write")
    report.add_argument("--pack", default="bank-cn")
    report.add_argument("--redact", action="store_true", help="mask card, ID and phone numbers in every page")
    report.add_argument("--workers", type=int, default=1, help="processes to check on (default 1)")
    _input_options(report)

    explain = commands.add_parser("explain", help="show every candidate match in a sentence and its fate")
    explain.add_argument("text", help="one utterance")
    explain.add_argument("--pack", default="bank-cn")
    explain.add_argument("--speaker", choices=("agent", "customer", "other"), default="agent")
    explain.add_argument("--format", choices=("table", "json"), default="table")

    schema = commands.add_parser("schema", help="print a JSON Schema: the pack language, a transcript or a report")
    schema.add_argument("kind", nargs="?", choices=SCHEMAS, default="pack", help="which schema (default: pack)")
    schema.add_argument("--output", type=Path, default=None)
    schema.add_argument(
        "--no-plugins",
        dest="plugins",
        action="store_false",
        help="the built-in pack language only, without installed plugins' matchers and checks",
    )

    from .tools import add_tool_commands

    add_tool_commands(commands)
    return parser


def _input_options(command: argparse.ArgumentParser) -> None:
    """How inputs are read (docs/inputs.md): the same options for check and render."""
    from .io import FORMATS

    command.add_argument(
        "--input-format", choices=FORMATS, default="auto", help="input format (default: from suffix and content)"
    )
    command.add_argument(
        "--role-map",
        action="append",
        default=[],
        metavar="ID=ROLE,…",
        help="recogniser channel or speaker ids to roles, e.g. 0=agent,1=customer",
    )
    command.add_argument("--role", action="append", default=[], metavar="LABEL=ROLE", help="extra speaker label")
    command.add_argument("--no-merge", action="store_true", help="keep each recogniser fragment an utterance")
    command.add_argument(
        "--merge-gap",
        type=float,
        default=None,
        metavar="SECONDS",
        help="merge a speaker's fragments at most this far apart (default: the pack's, 2)",
    )
    command.add_argument(
        "--time-unit",
        choices=("s", "ms"),
        default=None,
        help="unit of start/end in servicecheck JSON and text (default: seconds, checked)",
    )


def _role_map(args: argparse.Namespace):
    """The labels given with --role and --role-map, or None."""
    from .io import RoleMap, parse_role_map

    extra: dict[str, str] = {}
    for pair in args.role:
        label, sep, role = pair.partition("=")
        if not sep:
            raise ServiceCheckError(f"--role {pair!r}: use LABEL=ROLE")
        extra[label] = role
    try:
        for text in args.role_map:
            extra.update(parse_role_map(text))
        return RoleMap(extra) if extra else None
    except ValueError as exc:
        raise ServiceCheckError(f"--role-map: {exc}") from None


def _read_options(args: argparse.Namespace, checker):
    from dataclasses import replace

    options = checker.read_options
    if args.no_merge:
        options = replace(options, merge=False)
    if args.merge_gap is not None:
        if args.merge_gap < 0:
            raise ServiceCheckError("--merge-gap must not be negative")
        options = replace(options, merge_gap=args.merge_gap)
    if args.time_unit is not None:
        options = replace(options, time_unit=args.time_unit)
    return options


def _one_line(error: BaseException) -> str:
    text = str(error).strip().replace("\n", "; ")
    return text if len(text) < 2000 else text[:2000] + "…"


def _progress(iterable, enabled: bool):
    """A progress bar on an interactive terminal, silent when piped (tqdm)."""
    if not enabled or not sys.stderr.isatty():
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, unit=" calls", file=sys.stderr, dynamic_ncols=True)


def _run_check(args: argparse.Namespace) -> int:
    from contextlib import ExitStack

    from .batch import RecordError, ReportJson
    from .checker import Checker
    from .io import iter_records
    from .model import severity_at_least
    from .output import CallsCsv, ResultSink, open_output

    checker = Checker(args.pack, role_map=_role_map(args), redact=args.redact)
    reports = failed = 0
    worst_hit = False
    summary_path = args.summary
    if summary_path is None and args.format == "csv" and args.output is not None:
        summary_path = args.output.with_name(args.output.stem + ".calls.csv")
    # With workers, lines are parsed and JSON reports written in the workers: this process only reads
    # lines and writes what comes back (docs/performance.md, "Workers").
    pooled = args.workers > 1
    as_json = args.format in ("json", "jsonl") and summary_path is None
    options = _read_options(args, checker)
    records = iter_records(args.paths, format=args.input_format, options=options, defer_parsing=pooled)
    results = checker.check_many(records, workers=args.workers, as_json=as_json)
    with ExitStack() as files:
        out = open_output(files, args.output) if args.output else sys.stdout
        sink = ResultSink(args.format, checker.pack, out, bom=args.excel)
        calls = CallsCsv(open_output(files, summary_path), checker.pack, bom=args.excel) if summary_path else None
        for result in _progress(results, not args.no_progress):
            if isinstance(result, RecordError):
                failed += 1
                where = ", ".join(x for x in (result.source, f"line {result.line}" if result.line else None) if x)
                message = result.error if result.error.startswith(result.source or "\0") else f"{where}: {result.error}"
                print(f"servicecheck: {message}", file=sys.stderr)
            else:
                reports += 1
                flagged = (
                    result.flagged
                    if isinstance(result, ReportJson)
                    else {f.severity for f in result.findings if f.kind != "hit"}
                )
                if args.fail_on and any(severity_at_least(severity, args.fail_on) for severity in flagged):
                    worst_hit = True
            sink.add(result)
            if calls is not None:
                calls.add(result)
        sink.close()
    if failed:
        print(f"servicecheck: {reports} checked, {failed} could not be read or checked", file=sys.stderr)
    if failed and not reports:
        return 2
    return 1 if (worst_hit or failed) else 0


def _run_render(args: argparse.Namespace) -> int:
    from .checker import Checker
    from .highlight import render_html, render_text
    from .io import read_transcripts

    checker = Checker(args.pack, role_map=_role_map(args))
    pages = []
    options = _read_options(args, checker)
    for transcript in read_transcripts(args.path, format=args.input_format, options=options):
        report = checker.check(transcript)
        if args.redact:
            from .privacy import redact_pair

            transcript, report = redact_pair(transcript, report)  # type: ignore[assignment]
        pages.append((render_html if args.format == "html" else render_text)(transcript, report))
    if not pages:
        raise InputError("no transcript to render", source=str(args.path))
    text = "".join(pages)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _run_report(args: argparse.Namespace) -> int:
    from .checker import Checker
    from .io import iter_records
    from .pages.batch import checked_with_transcripts, is_report_file, read_reports, write_batch_report
    from .summary import BatchSummary

    checker = Checker(args.pack, role_map=_role_map(args))
    options = _read_options(args, checker)
    redact = None
    if args.redact:
        from .privacy import redact_pair

        redact = redact_pair

    def items():
        for path in args.paths:
            if path != "-" and is_report_file(Path(path)):
                yield from read_reports(Path(path))
            else:
                records = iter_records([path], format=args.input_format, options=options)
                yield from checked_with_transcripts(checker, records, args.workers)

    summary = BatchSummary(checker.pack)
    index = write_batch_report(
        items(),
        args.output,
        summary,
        pack_id=checker.pack.id,
        pack_version=checker.pack.version,
        pass_mark=checker.pack.scorecard.pass_mark if checker.pack.scorecard else checker.pack.pass_mark,
        redact=redact,
    )
    print(f"servicecheck: {summary.calls} checked, {summary.errors} could not be read; open {index}", file=sys.stderr)
    if summary.errors and not summary.calls:
        return 2
    return 1 if summary.errors else 0


def _run_explain(args: argparse.Namespace) -> int:
    from .checker import Checker
    from .render import table

    rows = Checker(args.pack).explain(args.text, args.speaker)
    if args.format == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif not rows:
        print("no candidate matches")
    else:
        print(
            table(
                ["kept", "stage", "rule", "method", "span", "text", "sim", "lexicons", "reason"],
                [
                    [
                        "✓" if r["kept"] else "✗",
                        r["stage"],
                        r["rule"],
                        r["method"],
                        f"{r['start']}-{r['end']}",
                        r["text"],
                        f"{r['similarity']:.2f}",
                        " ".join(f"{name}={word}" for name, word in r["lexicons"].items()),
                        r["reason"],
                    ]
                    for r in rows
                ],
            )
        )
    return 0


def _run_schema(args: argparse.Namespace) -> int:
    from .schemas import json_schema

    text = json.dumps(json_schema(args.kind, plugins=args.plugins), ensure_ascii=False, indent=2) + "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def reference_markdown() -> str:
    """The command-line reference (docs/reference/cli.md), from the parser itself, so it cannot drift:
    every command's usage and options as ``--help`` prints them."""
    width = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # argparse wraps at the terminal's width: a fixed one here
    try:
        return _reference_markdown()
    finally:
        if width is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = width


def _reference_markdown() -> str:
    parser = _parser()
    parts = [
        "# Command-line reference\n\n",
        "Generated from the parser (`servicecheck.cli.reference_markdown`); `servicecheck COMMAND --help` "
        "prints the same.\n\n```\n",
        parser.format_help(),
        "```\n",
    ]
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        parts += [f"\n## `servicecheck {name}`\n\n```\n", sub.format_help(), "```\n"]
        nested = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
        for group in nested:
            for child, subsub in group.choices.items():
                parts += [f"\n### `servicecheck {name} {child}`\n\n```\n", subsub.format_help(), "```\n"]
    return "".join(parts)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    runners = {
        "check": _run_check,
        "schema": _run_schema,
        "explain": _run_explain,
        "render": _run_render,
        "report": _run_report,
    }
    from .tools import TOOL_RUNNERS

    runners.update(TOOL_RUNNERS)
    try:
        return runners[args.command](args)
    except BrokenPipeError:  # the reader went away (| head): not an error, and before OSError
        try:
            sys.stdout = open(os.devnull, "w")  # nothing more to flush into the closed pipe at exit
        except OSError:
            pass
        return 0
    except (ServiceCheckError, InputError, OSError) as exc:
        print(f"servicecheck: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
