"""Replay a call through a live session in scaled real time, printing findings and alerts as they come.

    python examples/live_replay.py [examples/call-credit-card.json] [--speed 20]

Each utterance is added when its ``end`` is reached (``--speed 20``: twenty times faster than the call);
in between, ``session.tick`` reports the alerts that fall due. The report of the whole call comes last.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from servicecheck import Checker

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("call", nargs="?", default=str(HERE / "call-credit-card.json"))
    parser.add_argument("--speed", type=float, default=20.0, help="times faster than real time")
    parser.add_argument("--pack", default="bank-cn")
    args = parser.parse_args()
    call = json.loads(Path(args.call).read_text(encoding="utf-8"))
    checker = Checker(args.pack)
    session = checker.session(transcript_id=call.get("id", "live"), channel=call.get("channel", "phone"))
    began = time.monotonic()

    def clock() -> float:  # seconds of the call so far
        return (time.monotonic() - began) * args.speed

    def wait_until(moment: float) -> None:
        while clock() < moment:
            for alert in session.tick(clock()):
                print(f"[{alert.due:7.1f}s] ALERT {alert.kind} {alert.check_id}: {alert.message}")
            time.sleep(min(0.05, max(0.0, (moment - clock()) / args.speed)))

    for utterance in call["utterances"]:
        wait_until(utterance.get("end") or utterance.get("start") or clock())
        update = session.add(utterance)
        print(f"[{clock():7.1f}s] {utterance['speaker']}: {utterance['text']}")
        for finding in update.findings:
            print(f"          {finding.kind} {finding.rule_id} 「{finding.text}」")
    for alert in session.tick(clock()):
        print(f"[{alert.due:7.1f}s] ALERT {alert.kind} {alert.check_id}: {alert.message}")
    report = session.finish()
    print(f"report: score {report.score:g}, passed {report.passed}, {len(report.findings)} findings")
    for finding in report.findings:
        if finding.kind != "hit":
            print(f"  {finding.kind} {finding.rule_id}: {finding.message}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
