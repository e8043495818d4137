"""Are the reports of this checkout byte-identical to those of another revision?

A speed change must not change a single byte of output. This script checks the same inputs with both
versions through ``servicecheck check --format jsonl`` and compares the files:

- the development calls (``../shared/dev/*.jsonl`` beside the checkout, when present),
- a generated corpus (``benchmarks/corpus.py``, seeded),
- the example calls shipped in ``examples/``.

    python benchmarks/same_reports.py --base HEAD~3            # a revision of this repository
    python benchmarks/same_reports.py --base /tmp/old-checkout  # or a checkout of it
    python benchmarks/same_reports.py --base HEAD~3 --calls 5000 --workers 1 2

The base revision is checked out with ``git worktree`` into a temporary folder and imported from its
``src``; packs come from the installed package's ``rules`` for both sides (a pack change is a
behaviour change: its reports are expected to differ). This checkout runs with every ``--workers``
value given, the base with one worker. Exit status 1 when any output differs, naming the first
differing line.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import corpus as corpus_mod  # noqa: E402

_RUN = "import sys; from servicecheck.cli import main; sys.exit(main(sys.argv[1:]))"


def inputs(tmp: Path, calls: int) -> dict[str, list[Path]]:
    """Named input sets: each is checked as one batch."""
    sets: dict[str, list[Path]] = {}
    dev = REPO.parent / "shared" / "dev"
    for name in ("calls.jsonl", "real_calls.jsonl"):
        if (dev / name).is_file():
            sets[f"dev/{name}"] = [dev / name]
    generated = tmp / "corpus.jsonl"
    corpus_mod.write_jsonl(corpus_mod.generate(calls), str(generated))
    sets[f"corpus ({calls} calls)"] = [generated]
    examples = sorted(p for p in (REPO / "examples").iterdir() if p.suffix in (".json", ".jsonl", ".txt"))
    sets["examples"] = examples
    return sets


def run(src: Path, paths: list[Path], out: Path, workers: int) -> Path:
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0"}
    command = [sys.executable, "-c", _RUN, "check", *map(str, paths), "--format", "jsonl"]
    command += ["--no-progress", "--workers", str(workers), "--output", str(out)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):  # 1: findings at or above --fail-on, or a bad record
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return out


def first_difference(a: Path, b: Path) -> Optional[str]:
    left, right = a.read_bytes().splitlines(), b.read_bytes().splitlines()
    for number, (x, y) in enumerate(zip(left, right), start=1):
        if x != y:
            # The first differing byte; where one line is the start of the other, where the shorter ends.
            at = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
            return f"line {number}, byte {at}: {x[max(0, at - 60) : at + 60]!r} vs {y[max(0, at - 60) : at + 60]!r}"
    if len(left) != len(right):
        return f"{len(left)} lines vs {len(right)}"
    return None


def base_source(base: str, tmp: Path) -> tuple[Path, Optional[Path]]:
    """The base's ``src`` folder, and the worktree to remove afterwards (None for a given checkout)."""
    if Path(base).is_dir():
        return Path(base) / "src", None
    tree = tmp / "base"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(tree), base], check=True)
    return tree / "src", tree


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="a git revision, or the path of another checkout")
    parser.add_argument("--calls", type=int, default=2000, help="generated calls (default %(default)s)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="for this checkout (default 1 2)")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="servicecheck-same-"))
    tree = None
    try:
        src, tree = base_source(args.base, tmp)
        differing = 0
        for number, (name, paths) in enumerate(inputs(tmp, args.calls).items()):
            expected = run(src, paths, tmp / f"{number}-base.jsonl", 1)
            lines = len(expected.read_bytes().splitlines())
            for workers in args.workers:
                got = run(REPO / "src", paths, tmp / f"{number}-new-{workers}.jsonl", workers)
                problem = first_difference(expected, got)
                verdict = "identical" if problem is None else f"DIFFERENT: {problem}"
                print(f"{name:<28} workers={workers}: {lines} reports, {verdict}")
                differing += problem is not None
        return 1 if differing else 0
    finally:
        if tree is not None:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
