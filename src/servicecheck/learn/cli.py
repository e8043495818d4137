"""``servicecheck train`` and the side-by-side ``eval``: the command-line faces of the classifier."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_train_command(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser(
        "train", help="train a stage classifier on gold labels (agent clauses; needs servicecheck[train])"
    )
    train.add_argument("gold", nargs="+", type=Path, metavar="GOLD.jsonl", help="calls with labels (eval's format)")
    train.add_argument("--stages", required=True, help="comma-separated stages to learn, e.g. forbidden,empathy")
    train.add_argument("-o", "--output", type=Path, default=None, metavar="DIR", help="model folder to write")
    train.add_argument(
        "--cases",
        type=Path,
        default=None,
        metavar="DIR",
        help="golden cases to add (rules/cases/<pack>): each speaks only for its own stage",
    )
    train.add_argument("--name", default=None, help="the model's name in explanations (default: the folder name)")
    train.add_argument("--C", dest="c", type=float, default=4.0, help="inverse regularisation of the regressions")
    train.add_argument("--cv", type=int, default=None, metavar="K", help="K-fold cross-validation against the rules")
    train.add_argument("--pack", default="bank-cn", help="the rules --cv compares with and extends")
    train.add_argument("--format", choices=("table", "json"), default="table", help="how --cv prints")


def _read(args: argparse.Namespace):
    from ..errors import ServiceCheckError
    from .data import case_calls, gold_calls

    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    if not stages:
        raise ServiceCheckError("--stages names no stage")
    calls = gold_calls(args.gold)
    cases = [c for c in case_calls(args.cases) if c[2] in stages] if args.cases else []
    if not calls and not cases:
        raise ServiceCheckError("no readable gold calls to train on")
    return stages, calls, cases


def run_train(args: argparse.Namespace) -> int:
    from ..errors import ServiceCheckError

    if args.output is None and args.cv is None:
        raise ServiceCheckError("say where the model goes (-o DIR), or ask for --cv K")
    try:
        from .classifier import save, train
    except ImportError:  # pragma: no cover - depends on the environment
        raise ServiceCheckError("training needs scikit-learn: pip install 'servicecheck[train]'") from None
    stages, calls, cases = _read(args)
    if args.cv is not None:
        from .cv import cross_validate, cv_dict, cv_table

        if args.cv < 2:
            raise ServiceCheckError("--cv needs at least 2 folds")
        table = cross_validate(calls, cases, stages, k=args.cv, pack=args.pack, c=args.c)
        if args.format == "json":
            sys.stdout.write(json.dumps(cv_dict(table), ensure_ascii=False, indent=2) + "\n")
        else:
            sys.stdout.write(f"{args.cv}-fold cross-validation, {len(calls)} calls, utterance level\n")
            sys.stdout.write(cv_table(table, stages))
    if args.output is not None:
        from .data import examples

        summary = {"gold": [str(p) for p in args.gold], "calls": len(calls), "cases": len(cases)}
        model = train(examples(calls, cases), stages, name=args.name or args.output.name, c=args.c, summary=summary)
        save(model, args.output)
        counts = ", ".join(
            f"{s} {n['positive']}/{n['clauses']}" for s, n in model.meta["training"]["per_label"].items()
        )
        print(f"servicecheck: model written to {args.output} (positive/all clauses: {counts})", file=sys.stderr)
    return 0


def run_compare(args: argparse.Namespace, checker) -> int:
    """``eval`` of a pack with model rules (with and without them) or of two packs (``--compare``)."""
    from ..checker import Checker
    from ..evaluate import evaluate, read_gold
    from .compare import comparison_dict, comparison_table

    if args.compare is not None:
        others = [(str(args.pack), checker), (str(args.compare), Checker(args.compare))]
    else:
        others = [("rules", Checker(checker.pack, models=False)), ("rules+model", checker)]
    results = [(name, evaluate(c, read_gold(args.gold), source=str(args.gold))) for name, c in others]
    for row in results[0][1].row_errors:
        print(f"servicecheck: {row['error']}", file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(json.dumps(comparison_dict(results), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(comparison_table(results))
    errors = results[0][1].row_errors
    return 0 if not errors else (1 if results[0][1].calls else 2)
