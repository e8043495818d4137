"""Position: a stage must appear within its window (e.g. greeting in the first two agent turns)."""

from __future__ import annotations

from bisect import bisect_left

from ..match.context import Position, in_window_bounds
from .base import CheckContext, hit_index, hit_span


def run(check, ctx: CheckContext) -> list:
    hits = ctx.stage_hits(check.stage)
    if not hits:
        return []  # absence is the stage's `required` flag's business (a `missing` finding)
    utterances = ctx.utterances
    speaker = utterances[hit_index(hits[0])].speaker
    of_all = check.window.of == "all"
    indexes = ctx.speaker_indexes("any" if of_all else speaker)
    call_start, call_end = ctx.call_bounds()
    for hit in hits:
        index = hit_index(hit)
        position = Position(
            index=index,
            total=len(utterances),
            speaker_index=_rank(indexes, index),
            speaker_total=len(indexes),
            start=utterances[index].start,
            call_start=call_start,
            call_end=call_end,
        )
        if in_window_bounds(check.window, position):
            return []
    first = hits[0]
    return [
        ctx.finding(
            check,
            first.utterance_index,
            f"「{check.stage}」出现在第 {first.utterance_index} 句，不在规定位置（{_describe(check.window)}）",
            stage=check.stage,
            span=hit_span(first),
        )
    ]


def _rank(indexes: list[int], index: int) -> int:
    """Where ``index`` is in the sorted ``indexes`` (``index`` itself when it is not there)."""
    number = bisect_left(indexes, index)
    return number if number < len(indexes) and indexes[number] == index else index


def _describe(window) -> str:
    parts = []
    if window.first:
        parts.append(f"前 {window.first} 句")
    if window.last:
        parts.append(f"最后 {window.last} 句")
    if window.first_seconds:
        parts.append(f"开始 {window.first_seconds:g} 秒内")
    if window.last_seconds:
        parts.append(f"结束前 {window.last_seconds:g} 秒内")
    return "、".join(parts)
