"""Sequence: stage ``before`` comes before the first occurrence of stage ``after`` (or of any stage)."""

from __future__ import annotations

from .base import CheckContext, hit_index, hit_span


def run(check, ctx: CheckContext) -> list:
    before = ctx.stage_hits(check.before)
    if check.after == "any":
        speaker = before[0].speaker if before else "agent"
        later = [
            f
            for f in ctx.hits
            if f.kind == "hit" and f.stage != check.before and f.speaker == speaker and f.utterance_index is not None
        ]
    else:
        later = ctx.stage_hits(check.after)
    if not later:
        return []
    first = min(later, key=lambda f: (hit_index(f), hit_span(f)[0]))
    # Same utterance counts as "before": 中心您好 and 您好这里是中心 are both fine openings.
    if any(hit_index(b) <= hit_index(first) for b in before):
        return []
    what = "其他环节" if check.after == "any" else f"「{check.after}」"
    if before:
        explanation = f"「{check.before}」首次出现在第 {before[0].utterance_index} 句，晚于{what}（第 {first.utterance_index} 句）"
    else:
        explanation = f"{what}（第 {first.utterance_index} 句）之前没有「{check.before}」"
    return [ctx.finding(check, first.utterance_index, explanation, stage=check.before, span=hit_span(first))]
