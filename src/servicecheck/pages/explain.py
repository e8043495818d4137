"""What a finding means, said for people: the words a reviewer reads beside a mark, in a table or a CSV.

A finding's ``explanation`` is written for pack authors (the rule id, the regex as written). People
need the stage, what the rule looks for, how the text was recognised and what to do instead — never a
regex's source.
"""

from __future__ import annotations

from typing import Optional

from ..model import Finding, Report

METHODS = {
    "exact": "精确匹配",
    "regex": "句式识别",
    "tokens": "词序列识别",
    "pinyin": "同音匹配（拼音）",
    "fuzzy": "模糊匹配",
    "check": "流程检查",
}


def stage_names(report: Report) -> dict[str, str]:
    return {stage.stage: stage.name for stage in report.stages}


def is_check(finding: Finding) -> bool:
    """Findings of process checks (order, conditions, timing): about what is missing or late around an
    utterance, not about the words they point at."""
    return finding.method == "check" or finding.kind == "missing"


def how_recognised(finding: Finding) -> str:
    """精确匹配「您好」, 同音匹配（拼音）「您号」≈「您好」，相似度 0.92 … (no regex source)."""
    method = METHODS.get(finding.method, finding.method)
    if finding.method in ("pinyin", "fuzzy"):
        return f"{method}「{finding.text}」≈「{finding.pattern}」，相似度 {finding.similarity:.2f}"
    return f"{method}「{finding.text}」"


def reason(finding: Finding, names: dict[str, str]) -> str:
    """One line: stage · what the rule is about · how it was recognised (or the check's figures)."""
    stage = names.get(finding.stage, finding.stage)
    if is_check(finding):
        detail = _check_detail(finding)
        for stage_id, name in names.items():  # checks name stages by id: 「greeting」 reads 「问候」
            detail = detail.replace(f"「{stage_id}」", f"「{name}」")
        parts = [stage, finding.message, detail]
    else:
        parts = [stage, finding.message, how_recognised(finding)]
    return " · ".join(part for part in parts if part)


def _check_detail(finding: Finding) -> str:
    """The check's own explanation carries its figures (静默 23.5 秒 … 超过 10 秒); the rule id in front
    of a pattern rule's explanation is for authors and is dropped."""
    text = finding.explanation
    if text.startswith("规则 ") and "：" in text:
        text = text.split("：", 1)[1]
    return text


def suggestion(finding: Finding) -> Optional[str]:
    return finding.suggestion if finding.kind != "hit" else None


def finding_ref(finding: Finding) -> str:
    """How a reader finds a finding: its rule and utterance (``forbidden.shirk.not_mine@4``); a stage
    missing from the whole call by its stage (``missing:greeting``)."""
    if finding.kind == "missing" and finding.utterance_index is None:
        return f"missing:{finding.stage}"
    where = f"@{finding.utterance_index}" if finding.utterance_index is not None else ""
    return f"{finding.rule_id}{where}"


def conversation_word(report: Report, channel: Optional[str]) -> str:
    """会话 for an online chat, 通话 for a call."""
    return "会话" if channel == "online" else "通话"


def raw_score(report: Report) -> Optional[float]:
    """The score before a veto or the floor at zero, from the scorecard's total and deductions."""
    if report.total is None:
        return None
    return round(report.total - sum(item.deducted for item in report.breakdown), 2)


def failure_reasons(report: Report) -> list[str]:
    """Why a call failed, in order: the veto, then the items that cost points."""
    reasons = []
    for item in report.breakdown:
        if item.vetoed:
            reasons.append(f"{item.name}：一票否决")
    lost = [item for item in report.breakdown if item.deducted > 0]
    for item in lost:
        reasons.append(f"{item.name} −{item.deducted:g}")
    return reasons
