"""Embedding servicecheck in a post-processor: check calls and act on the findings."""

from pathlib import Path

from servicecheck import Checker, load_pack

here = Path(__file__).parent
checker = Checker(load_pack("bank-cn"))  # build once, reuse for every call (thread-safe)

for path in sorted(here.glob("call-*")):
    report = checker.check(path)
    print(f"{report.transcript_id}: score {report.score:g}, {'passed' if report.passed else 'FAILED'}")
    for finding in report.findings:
        if finding.kind == "hit":
            continue
        where = "" if finding.utterance_index is None else f" utterance {finding.utterance_index}"
        print(f"  {finding.kind:9} {finding.stage:16}{where} {finding.text!r} {finding.message}")
        if finding.suggestion:
            print(f"  {'':9} 建议: {finding.suggestion}")
