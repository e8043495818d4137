"""Pattern: text a speaker must never say, e.g. the agent reading out a full card or ID number."""

from __future__ import annotations

from .base import CheckContext


def run(check, ctx: CheckContext) -> list:
    findings = []
    for index in ctx.speaker_indexes(check.speaker):
        for start, end, pattern in ctx.find_text(index, [], check.regex):
            findings.append(
                ctx.finding(
                    check,
                    index,
                    f"第 {index} 句匹配禁止内容（正则 {pattern}）",
                    span=(start, end),
                    method="regex",
                )
            )
    return findings
