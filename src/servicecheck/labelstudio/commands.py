"""``servicecheck labelstudio export|import|agreement``.

Exit status: 0 done; 1 some calls, tasks or regions could not be used (each is named on standard
error, the rest is written); 2 the file is unusable, or nothing in it could be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import InputError


def add_labelstudio_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("labelstudio", help="Label Studio tasks out, reviewed gold labels back, agreement")
    sub = parser.add_subparsers(dest="labelstudio_command", metavar="{export,import,agreement}", required=True)

    export = sub.add_parser("export", help="calls as Label Studio Paragraphs tasks")
    export.add_argument("calls", type=Path, metavar="CALLS.jsonl", help="servicecheck calls, one per line")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="TASKS.json")
    export.add_argument("--predictions", action="store_true", help="the pack's findings as pre-annotations")
    export.add_argument("--gold", action="store_true", help="the calls' own labels as completed annotations")
    export.add_argument("--pack", default="bank-cn")
    export.add_argument("--config", type=Path, metavar="CONFIG.xml", help="also write the labelling config")

    read = sub.add_parser("import", help="a Label Studio JSON export as gold calls (LABELING.md)")
    read.add_argument("export", type=Path, metavar="EXPORT.json")
    read.add_argument("-o", "--output", type=Path, required=True, metavar="GOLD.jsonl")
    read.add_argument(
        "--choose", choices=("latest", "ground_truth"), default="latest", help="which annotation of a task"
    )
    read.add_argument("--from-name", help="read only this ParagraphLabels control (default: any)")

    agree = sub.add_parser("agreement", help="Cohen's kappa per stage between two annotators of the same tasks")
    agree.add_argument("export", type=Path, metavar="EXPORT.json")
    agree.add_argument("--pack", default="bank-cn", help="list the stages of this pack too")
    agree.add_argument("--format", choices=("table", "json"), default="table")


def _say(message: str) -> None:
    print(f"servicecheck: {message}", file=sys.stderr)


def _read_calls(path: Path) -> tuple[list[dict], list[str]]:
    """Calls of a JSONL file; lines that are not a JSON object are named and left out."""
    calls, problems = [], []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                call = json.loads(raw.decode("utf-8-sig"))
            except (ValueError, UnicodeDecodeError) as exc:
                problems.append(f"{path}, line {number}: invalid JSON: {exc}")
                continue
            if not isinstance(call, dict):
                problems.append(f"{path}, line {number}: not a call (a JSON object)")
                continue
            calls.append(call)
    return calls, problems


def run_export(args: argparse.Namespace) -> int:
    from ..checker import Checker
    from .tasks import export_tasks, labeling_config

    calls, problems = _read_calls(args.calls)
    checker = Checker(args.pack) if args.predictions else None
    tasks = []
    for call in calls:
        try:
            tasks.extend(export_tasks([call], checker, gold=args.gold))
        except (InputError, ValueError) as exc:
            problems.append(f"{args.calls}, call {call.get('id')!r}: {exc}")
    for problem in problems:
        _say(problem)
    if not tasks:
        _say(f"{args.calls}: no call could be exported")
        return 2
    args.output.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if args.config:
        args.config.write_text(labeling_config(args.pack), encoding="utf-8")
    print(f"{len(tasks)} task(s) written to {args.output}", file=sys.stderr)
    return 1 if problems else 0


def _read_export(path: Path) -> list[Any]:
    try:
        export = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"not a Label Studio JSON export: {exc}", source=str(path)) from None
    if not isinstance(export, list):
        raise InputError(
            "not a Label Studio JSON export: expected a list of tasks (export as JSON, not JSON-MIN or CSV)",
            source=str(path),
        )
    return export


def run_import(args: argparse.Namespace) -> int:
    from .annotations import import_annotations

    export = _read_export(args.export)
    calls, report = import_annotations(export, choose=args.choose, from_name=args.from_name)
    for line in report.rejected:
        _say(f"{args.export}: {line}")
    for line in report.repaired + report.warnings:
        _say(f"{args.export}: note: {line}")
    if not calls:
        _say(
            f"{args.export}: no task with a usable annotation ({report.tasks} task(s), {report.cancelled} cancelled annotation(s))"
        )
        return 2
    with open(args.output, "w", encoding="utf-8") as out:
        for call in calls:
            out.write(json.dumps(call, ensure_ascii=False) + "\n")
    print(
        f"{report.calls} call(s), {report.labels} label(s) written to {args.output}; "
        f"{len(report.rejected)} rejected, {len(report.repaired)} repaired from UTF-16",
        file=sys.stderr,
    )
    return 1 if report.rejected else 0


def run_agreement(args: argparse.Namespace) -> int:
    from ..agreement import format_kappa
    from ..pack import load_pack
    from ..render import table
    from .annotations import import_annotations
    from .annotators import annotator_agreement

    export = _read_export(args.export)
    _, report = import_annotations(export)
    for line in report.rejected:
        _say(f"{args.export}: {line}")
    stages = [s.id for s in load_pack(args.pack).stages if s.enabled] if args.pack else []
    result = annotator_agreement(report, stages)
    if not result.calls:
        _say(f"{args.export}: no task has two non-cancelled annotations")
        return 2
    if args.format == "json":
        sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n")
        return 0
    rows = [
        [stage, t.both, t.first_only, t.second_only, t.neither, format_kappa(t), t.why_undefined or ""]
        for stage, t in result.stages.items()
    ]
    title = f"annotator agreement on stage presence ({result.calls} calls with two annotations"
    title += f"; {result.more_than_two} had more, first two compared)" if result.more_than_two else ")"
    sys.stdout.write(
        title + "\n" + table(["stage", "both", "1st only", "2nd only", "neither", "kappa", "note"], rows) + "\n"
    )
    return 0


RUNNERS = {"export": run_export, "import": run_import, "agreement": run_agreement}


def run_labelstudio(args: argparse.Namespace) -> int:
    return RUNNERS[args.labelstudio_command](args)
