"""What finding personal data costs per utterance, with digits in it and without (docs/privacy.md).

Most utterances hold no run of six digits and cost one regex scan; those that do are read digit by
digit ("with digits" counts any digit, 一 included). Printed: microseconds per utterance of
``find_personal_data`` and of ``redact_text`` for each group, best of several rounds.

    python benchmarks/privacy.py ../shared/dev/calls.jsonl ../shared/dev/real_calls.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from servicecheck.privacy import find_personal_data, redact_text
from servicecheck.privacy.detect import _RUN  # runs of six digits or more: what is read digit by digit

_ANY_DIGIT = re.compile(r"[0-9０-９零〇一二三四五六七八九幺两]")


def _per_utterance(function, texts: list[str], rounds: int) -> float:
    repeat = max(1, 100_000 // max(len(texts), 1))
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(repeat):
            for text in texts:
                function(text)
        best = min(best, time.perf_counter() - started)
    return best / repeat / max(len(texts), 1) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="JSON Lines of calls with utterances")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    texts = [
        utterance["text"]
        for path in args.files
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
        for utterance in json.loads(line).get("utterances", [])
    ]
    groups = {
        "all": texts,
        "with digits": [t for t in texts if _ANY_DIGIT.search(t)],
        "without digits": [t for t in texts if not _ANY_DIGIT.search(t)],
        "6+ digits": [t for t in texts if _RUN.search(t)],
    }
    found = sum(len(find_personal_data(t)) for t in texts)
    print(f"{len(texts)} utterances, {found} pieces of personal data")
    for name, group in groups.items():
        detect = _per_utterance(find_personal_data, group, args.rounds)
        redact = _per_utterance(redact_text, group, args.rounds)
        print(f"{name:15} {len(group):6} utterances  find {detect:6.2f} µs  redact {redact:6.2f} µs")


if __name__ == "__main__":
    main()
