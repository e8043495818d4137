"""How often the agent heuristic (docs/inputs.md) finds the agent, on transcripts whose roles are known.

Each labelled dialogue is turned into what a diarising recogniser gives: the roles are replaced by
speaker ids numbered at random (so "0" is the agent in half the calls, as with real cluster ids), and
the call is assembled without a role map. Printed: the share of calls whose agent was found, and how
it was decided (cues, or the first-speaker fallback).

    python benchmarks/role_heuristic.py ../shared/dev/calls.jsonl ../shared/corpora/*/dialogues.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from servicecheck.io.asr.assemble import ReadOptions, assemble
from servicecheck.io.asr.fragments import Fragment, Recognised


def _as_recognised(call: dict, rng: random.Random) -> tuple[Recognised, str]:
    ids = ["0", "1"]
    rng.shuffle(ids)
    label = {"agent": ids[0], "customer": ids[1]}
    fragments = []
    for i, utterance in enumerate(call["utterances"]):
        speaker = label.get(utterance["speaker"])
        if speaker is None or not utterance["text"].strip():
            continue
        start = utterance.get("start", float(i))
        end = utterance.get("end", start + 0.5)
        fragments.append(Fragment(speaker, utterance["text"], start, end, f"utterances[{i}]"))
    return Recognised("json", fragments, "speaker"), label["agent"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", type=Path, help="JSONL files with agent/customer roles")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    options = ReadOptions()
    for path in args.paths:
        right = total = 0
        how: Counter[str] = Counter()
        wrong_how: Counter[str] = Counter()
        for line in path.read_text(encoding="utf-8").splitlines():
            call = json.loads(line)
            if {u["speaker"] for u in call["utterances"]} != {"agent", "customer"}:
                continue
            recognised, agent = _as_recognised(call, rng)
            roles = assemble(recognised, options, source=str(path), default_id="x").metadata["roles"]
            decided = roles[agent]
            total += 1
            how[decided["by"] if decided["role"] == "agent" else roles[next(s for s in roles if s != agent)]["by"]] += 1
            if decided["role"] == "agent":
                right += 1
            else:
                wrong_how[roles[next(s for s in roles if s != agent)]["by"]] += 1
        print(
            f"{path}: agent found in {right}/{total} ({right / max(total, 1):.3f}); decided by {dict(how)}; wrong: {dict(wrong_how)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
