"""The scorecard: from findings to a score, a pass/fail verdict and a per-item breakdown.

A pack's ``scorecard`` lists items worth points; each deducts for the violation or missing findings it
matches (by stage, rule or check id, kind, severity), once or per occurrence, never more than its cap.
A veto item (一票否决) fails the call whenever it matches. Packs without a scorecard are scored by
severity: minor 2, major 5, critical 20 points per finding, and any critical finding fails the call.
Findings marked ``needs_review`` (recognised with low confidence) are set aside by default: they cost
nothing until a person confirms them (``review.needs_review: score`` counts them as usual).
"""

from __future__ import annotations

from typing import Optional

from .model import Finding, ScoreItem
from .pack.schema import Pack, ScorecardItem

SEVERITY_DEDUCTION = {"info": 0.0, "minor": 2.0, "major": 5.0, "critical": 20.0}


def _matches(item: ScorecardItem, finding: Finding) -> bool:
    match = item.match
    return (
        finding.kind in match.kinds
        and (not match.stages or finding.stage in match.stages)
        and (not match.rules or finding.rule_id in match.rules)
        and (not match.severities or finding.severity in match.severities)
    )


def _score_item(
    item: ScorecardItem, numbered: list[tuple[int, Finding]], unmatched: Optional[dict] = None
) -> ScoreItem:
    """``numbered``: the report's violation and missing findings with their index in the report.
    ``unmatched``: a cache of the item's line when nothing matches it (the same in every call)."""
    matched = tuple(i for i, f in numbered if _matches(item, f))
    if not matched and unmatched is not None:
        found = unmatched.get(item.id)
        if found is not None and found[0] is item:
            return found[1]
    per = item.points if item.deduct is None else item.deduct
    cap = item.points if item.cap is None else item.cap
    if not matched:
        deducted = 0.0
    elif item.per == "once":
        deducted = min(per, cap)
    else:
        deducted = min(per * len(matched), cap)
    line = ScoreItem(
        item=item.id,
        name=item.name,
        points=item.points,
        deducted=deducted,
        veto=item.veto,
        vetoed=item.veto and bool(matched),
        findings=matched,
    )
    if not matched and unmatched is not None:
        unmatched[item.id] = (item, line)
    return line


def _counted(pack: Pack, finding: Finding) -> bool:
    """Violation and missing findings cost points, unless they await a person's review and the pack
    sets those aside (``review.needs_review: set_aside``, the default)."""
    if finding.kind == "hit":
        return False
    return not (finding.needs_review and pack.review.needs_review == "set_aside")


def _by_severity(pack: Pack, findings: list[Finding]) -> tuple[float, bool, tuple[ScoreItem, ...]]:
    groups: dict[str, list[int]] = {}
    for number, finding in enumerate(findings):
        if _counted(pack, finding):
            groups.setdefault(f"{finding.stage}:{finding.kind}", []).append(number)
    items = []
    for key, numbers in groups.items():
        vetoed = any(findings[n].severity == "critical" for n in numbers)
        items.append(
            ScoreItem(
                item=key,
                name=key.replace(":", " "),
                points=0.0,
                deducted=sum(SEVERITY_DEDUCTION[findings[n].severity] for n in numbers),
                veto=vetoed,
                vetoed=vetoed,
                findings=tuple(numbers),
            )
        )
    score = max(0.0, 100.0 - sum(i.deducted for i in items))
    vetoed = any(i.vetoed for i in items)
    return score, score >= pack.pass_mark and not vetoed, tuple(items)


def score_report(
    pack: Pack, findings: list[Finding], unmatched: Optional[dict] = None
) -> tuple[float, bool, tuple[ScoreItem, ...]]:
    """Score, verdict and breakdown. ``unmatched``: a dict the caller keeps for one pack (the Checker
    does), in which the lines of items nothing matched are kept and handed out again."""
    card = pack.scorecard
    if card is None:
        return _by_severity(pack, findings)
    numbered = [(i, f) for i, f in enumerate(findings) if _counted(pack, f)]
    items = tuple(_score_item(item, numbered, unmatched) for item in card.items if item.enabled)
    score = max(0.0, card.total - sum(i.deducted for i in items))
    vetoed = any(i.vetoed for i in items)
    if vetoed and card.veto_score is not None:
        score = min(score, card.veto_score)
    score = round(score, 2)  # judge the score that is reported: 100 - (2.7 + 29.6 + 7.7) is 60, not 59.99…
    return score, score >= card.pass_mark and not vetoed, items
