"""Personal data: a speaker reading out a full card, ID or mobile number, found by the same detector
that redacts output (servicecheck.privacy), so spoken and broken-up numbers count too."""

from __future__ import annotations

from ..privacy import PersonalData, find_personal_data
from .base import CheckContext

_NAMES = {
    "bank_card": "银行卡号",
    "id_number": "身份证号",
    "mobile": "手机号",
    "email": "电子邮箱",
    "hkid": "香港身份证号",
}
_WHO = {"agent": "坐席", "customer": "客户"}


def explain(item: PersonalData, speaker: str) -> str:
    """What was read out and what the confidence rests on, e.g. 坐席念出完整银行卡号（Luhn 校验通过）."""
    who = _WHO.get(speaker, "")
    return f"{who}念出完整{_NAMES[item.kind]}（{item.reason}，置信度 {item.confidence:.2f}）"


def run(check, ctx: CheckContext) -> list:
    findings = []
    kinds, utterances = frozenset(check.kinds), ctx.utterances
    for index in ctx.speaker_indexes(check.speaker):
        utterance = utterances[index]
        for item in find_personal_data(utterance.text, kinds, check.min_confidence):
            findings.append(
                ctx.finding(
                    check,
                    index,
                    explain(item, utterance.speaker),
                    span=(item.start, item.end),
                    method="personal_data",
                )
            )
    return findings
