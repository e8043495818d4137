"""Per-utterance latency of ``LiveSession.add`` early and late in a long call.

    python benchmarks/live.py [--calls 30] [--seed 20240601]

Generates ``--calls`` calls of 1,010 utterances (benchmarks/corpus.py, seeded) and adds them one by one to
a live session each. The latency of ``add`` is sampled around utterance 10 (indexes 5–15) and around
utterance 1,000 (995–1,005); median and p99 are printed, with the ratio to ``checker.check`` of a
one-utterance transcript holding the same utterance, timed in the same run on a second Checker (so
neither benefits from the other's text cache).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import DEFAULT_SEED, make_call  # noqa: E402

from servicecheck import Checker  # noqa: E402
from servicecheck.model import Transcript, Utterance  # noqa: E402

WINDOWS = {"utterance 10": range(5, 16), "utterance 1,000": range(995, 1006)}


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    calls = [make_call(rng, i, 1010) for i in range(args.calls)]
    live, batch = Checker("bank-cn"), Checker("bank-cn")
    live.segmenter.warm_up()
    batch.segmenter.warm_up()
    wanted = {i: name for name, r in WINDOWS.items() for i in r}
    adds: dict[str, list[float]] = {name: [] for name in WINDOWS}
    checks: dict[str, list[float]] = {name: [] for name in WINDOWS}
    for call in calls:
        session = live.session(transcript_id=call["id"], channel="phone")
        for index, raw in enumerate(call["utterances"]):
            utterance = Utterance.model_validate(raw)
            began = time.perf_counter()
            session.add(utterance)
            took = time.perf_counter() - began
            name = wanted.get(index)
            if name is not None:
                adds[name].append(took)
                one = Transcript(id="one", channel="phone", utterances=(utterance,))
                began = time.perf_counter()
                batch.check(one)
                checks[name].append(time.perf_counter() - began)
    print(f"{args.calls} calls of 1,010 utterances; latency of session.add in ms")
    print(f"{'':16} {'median':>8} {'p99':>8} {'check(1) median':>16} {'add/check':>10}")
    for name in WINDOWS:
        a, c = adds[name], checks[name]
        median, p99, check = statistics.median(a), _p(a, 0.99), statistics.median(c)
        print(f"{name:16} {median * 1e3:8.3f} {p99 * 1e3:8.3f} {check * 1e3:16.3f} {median / check:10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
