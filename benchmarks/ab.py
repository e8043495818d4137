"""Compare the speed of two checkouts of servicecheck, side by side.

This machine's speed drifts by 10–20 % within a minute, so two runs one after the other cannot tell a
2 % change from noise. Here the two versions run at the same time, one on each core, on the same
generated calls, and each pair gives one ratio; the median of the pairs is printed. Two copies of
the same checkout give 1.000 ± 0.005 this way.

    git worktree add /tmp/servicecheck-base HEAD~1      # the version to compare with
    python benchmarks/ab.py /tmp/servicecheck-base      # against this checkout
    python benchmarks/ab.py OLD NEW --calls 600 --pairs 6

Each side imports servicecheck from its checkout's ``src`` (packs load from the installed package's
``rules``, so a pack change needs both checkouts installed or the same pack). The ratio is NEW's CPU
seconds over OLD's for ``Checker("bank-cn").check`` over the calls: below 1 means NEW is faster.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

_CHILD = r"""
import json, sys, time
sys.path.insert(0, {benchmarks!r})
import corpus
from servicecheck import Checker
from servicecheck.io import RoleMap, transcript_from_dict
lines = [json.dumps(call) for call in corpus.generate({calls})]
checker = Checker("bank-cn")
checker.segmenter.warm_up()
clock = time.process_time
started = clock()
for line in lines:
    checker.check(transcript_from_dict(json.loads(line), RoleMap()))
print(clock() - started)
"""


def _start(checkout: Path, calls: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(checkout / "src"))
    code = _CHILD.format(benchmarks=str(HERE), calls=calls)
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)


def _seconds(process: subprocess.Popen, checkout: Path) -> float:
    output, _ = process.communicate()
    if process.returncode:
        raise SystemExit(f"the run of {checkout} failed (exit status {process.returncode})")
    return float(output)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path, help="checkout to compare with")
    parser.add_argument(
        "new", type=Path, nargs="?", default=HERE.parent, help="checkout to measure (default: this one)"
    )
    parser.add_argument("--calls", type=int, default=600, help="generated calls per run (default 600)")
    parser.add_argument("--pairs", type=int, default=6, help="side-by-side runs (default 6)")
    args = parser.parse_args(argv)
    for checkout in (args.old, args.new):
        if not (checkout / "src" / "servicecheck").is_dir():
            parser.error(f"{checkout} is not a servicecheck checkout (no src/servicecheck)")
    ratios = []
    for number in range(args.pairs):
        # Alternate which one starts first, so neither always gets the head start.
        order = (args.old, args.new) if number % 2 == 0 else (args.new, args.old)
        running = {checkout: _start(checkout, args.calls) for checkout in order}
        seconds = {checkout: _seconds(process, checkout) for checkout, process in running.items()}
        ratios.append(seconds[args.new] / seconds[args.old])
        print(
            f"pair {number + 1}: old {seconds[args.old]:.3f} s, new {seconds[args.new]:.3f} s, new/old {ratios[-1]:.3f}"
        )
    print(f"new/old CPU time, median of {len(ratios)} pairs: {statistics.median(ratios):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
