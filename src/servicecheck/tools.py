"""CLI commands for QA teams that tune packs: ``eval`` (against gold labels), ``lint`` (pack hygiene)
and ``labelstudio`` (review calls in Label Studio, bring the labels back as gold)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_tool_commands(commands: argparse._SubParsersAction) -> None:
    evaluate = commands.add_parser("eval", help="precision/recall/F1 of a pack against gold labels")
    evaluate.add_argument(
        "gold",
        type=Path,
        metavar="GOLD.jsonl",
        help="calls with labels, or labels rows naming dialogues in a corpus file",
    )
    evaluate.add_argument("--pack", default="bank-cn")
    evaluate.add_argument("--format", choices=("table", "json"), default="table")
    evaluate.add_argument("--errors", type=int, default=50, help="false positives/negatives to list in a table")
    evaluate.add_argument(
        "--compare",
        default=None,
        metavar="PACK",
        help="a second pack: per-stage P/R/F1 of both side by side (a pack with model rules is "
        "always shown with and without them)",
    )

    from .learn.cli import add_train_command

    add_train_command(commands)

    lint = commands.add_parser("lint", help="check a pack for errors and dead or shadowed phrases")
    lint.add_argument("pack", metavar="PACK")
    lint.add_argument("--format", choices=("text", "json"), default="text")
    lint.add_argument("--strict", action="store_true", help="warnings fail too")

    from .labelstudio.commands import add_labelstudio_command

    add_labelstudio_command(commands)

    packs = commands.add_parser("packs", help="list the built-in packs and those installed by plugins")
    packs.add_argument("--format", choices=("table", "json"), default="table")


def run_eval(args: argparse.Namespace) -> int:
    """Exit 0; 1 when some gold rows could not be evaluated (each is named on standard error, the
    rest is scored); 2 when none could."""
    from .checker import Checker
    from .evaluate import evaluate, evaluation_table, read_gold

    checker = Checker(args.pack)
    if args.compare is not None or checker._model_rules:
        from .learn.cli import run_compare

        return run_compare(args, checker)
    result = evaluate(checker, read_gold(args.gold), source=str(args.gold))
    for row in result.row_errors:
        print(f"servicecheck: {row['error']}", file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(evaluation_table(result, args.errors))
    if not result.row_errors:
        return 0
    print(
        f"servicecheck: {result.calls} call(s) evaluated, {len(result.row_errors)} row(s) could not be",
        file=sys.stderr,
    )
    return 1 if result.calls else 2


def run_lint(args: argparse.Namespace) -> int:
    from .pack.lint import lint_pack

    problems = lint_pack(args.pack)
    if args.format == "json":
        sys.stdout.write(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2) + "\n")
    else:
        for problem in problems:
            print(problem.render())
        errors = sum(p.level == "error" for p in problems)
        warnings = len(problems) - errors
        print(f"{args.pack}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    failing = [p for p in problems if p.level == "error" or args.strict]
    return 1 if failing else 0


def run_labelstudio(args: argparse.Namespace) -> int:
    from .labelstudio.commands import run_labelstudio as run

    return run(args)


def run_train(args: argparse.Namespace) -> int:
    from .learn.cli import run_train as run

    return run(args)


def run_packs(args: argparse.Namespace) -> int:
    from .pack.catalog import pack_catalog

    rows = pack_catalog()
    if args.format == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return 0
    width = max([len(r["id"]) for r in rows] + [2])
    vwidth = max([len(r["version"]) for r in rows] + [7])
    print(f"{'id':<{width}}  {'version':<{vwidth}}  source")
    for row in rows:
        print(f"{row['id']:<{width}}  {row['version']:<{vwidth}}  {row['source']}")
    return 0


TOOL_RUNNERS = {
    "packs": run_packs,
    "eval": run_eval,
    "lint": run_lint,
    "labelstudio": run_labelstudio,
    "train": run_train,
}
