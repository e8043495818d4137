"""Pattern: text a speaker must never say, e.g. the agent reading out a full card or ID number."""

from __future__ import annotations

from ..model import Finding
from ..spans import DisjointSpans
from .base import CheckContext


def run(check, ctx: CheckContext) -> list:
    findings: list[Finding] = []
    if not ctx.may_match(check.speaker, check.regex):
        return findings  # most calls: one regex pass over the speaker's joined text, not one per utterance
    for index in ctx.speaker_indexes(check.speaker):
        spans = sorted(ctx.find_text(index, [], check.regex), key=lambda s: (s[0] - s[1], s[0]))
        chosen: list[tuple[int, int, str]] = []
        taken = DisjointSpans()
        for start, end, pattern in spans:  # longest first; overlapping matches are one finding
            if taken.add(start, end):
                chosen.append((start, end, pattern))
        for start, end, pattern in sorted(chosen):
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
