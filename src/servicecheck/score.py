"""Scoring a call from its findings.

Deductions per severity for every violation and missing required stage, from 100; a critical violation
fails the call whatever the score (一票否决). The pack's ``pass_mark`` decides pass or fail.
"""

from __future__ import annotations

from .model import Finding, ScoreItem
from .pack.schema import Pack

DEDUCTION = {"info": 0.0, "minor": 2.0, "major": 5.0, "critical": 20.0}


def score_report(pack: Pack, findings: list[Finding]) -> tuple[float, bool, tuple[ScoreItem, ...]]:
    items: dict[str, dict] = {}
    vetoed = False
    for number, finding in enumerate(findings):
        if finding.kind == "hit":
            continue
        key = f"{finding.stage}:{finding.kind}"
        item = items.setdefault(
            key, {"name": f"{finding.stage} {finding.kind}", "deducted": 0.0, "findings": [], "vetoed": False}
        )
        item["deducted"] += DEDUCTION[finding.severity]
        item["findings"].append(number)
        if finding.severity == "critical":
            item["vetoed"] = vetoed = True
    breakdown = tuple(
        ScoreItem(
            item=key,
            name=value["name"],
            points=0.0,
            deducted=value["deducted"],
            veto=value["vetoed"],
            vetoed=value["vetoed"],
            findings=tuple(value["findings"]),
        )
        for key, value in items.items()
    )
    score = max(0.0, 100.0 - sum(i.deducted for i in breakdown))
    return score, (score >= pack.pass_mark and not vetoed), breakdown
