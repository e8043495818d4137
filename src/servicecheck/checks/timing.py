"""Timing checks: answer delay, silence, interruption, speech rate, and the agent ending the call.

They need ``start``/``end`` times; a transcript without them gets a note in the report instead.
"""

from __future__ import annotations

import heapq
from typing import Optional

from ..model import elapsed
from ..text.chars import count_content, strip_punctuation
from .base import CheckContext, seconds


def _untimed(check, ctx: CheckContext) -> bool:
    if ctx.timed:
        return False
    ctx.notes.append(f"{check.id}: skipped, the transcript has no timestamps")
    return True


def answer_delay(check, ctx: CheckContext) -> list:
    if _untimed(check, ctx):
        return []
    agent = ctx.speaker_indexes("agent")
    if not agent:
        return []
    first = agent[0]
    delay = ctx.utterances[first].start
    if delay is None or delay <= check.max_seconds:
        return []
    return [ctx.finding(check, first, f"坐席首句在 {seconds(delay)} 开始，超过 {check.max_seconds:g} 秒")]


def _has_any(ctx: CheckContext, index: int, phrases: list[str]) -> bool:
    return bool(phrases) and ctx.has_phrase(index, ctx.phrase_list(phrases))


def silence(check, ctx: CheckContext) -> list:
    """Gaps are measured from the latest ``end`` so far, so a backchannel inside a long turn does not
    hide or fake a silence."""
    if _untimed(check, ctx):
        return []
    starts, ends, speakers = ctx.columns()
    max_seconds = check.max_seconds
    findings = []
    latest_end = ends[0]
    last_agent = 0 if speakers[0] == "agent" else None
    for index in range(1, len(starts)):
        # elapsed() rounds to the microsecond, so a raw gap a millisecond under the limit stays under
        # it: most gaps need no rounding.
        if starts[index] - latest_end > max_seconds - 0.001:
            gap = elapsed(starts[index], latest_end)
            if gap > max_seconds:
                finding = _silence(check, ctx, index, last_agent, gap, latest_end)
                if finding is not None:
                    findings.append(finding)
        if ends[index] > latest_end:  # max(), without the call
            latest_end = ends[index]
        if speakers[index] == "agent":
            last_agent = index
    return findings


def _silence(check, ctx: CheckContext, index: int, last_agent: Optional[int], gap: float, since: float):
    """The finding for a gap over ``max_seconds`` before utterance ``index``, unless it was a hold the
    agent announced (and thanked the customer for) within ``hold_max_seconds``."""
    held = (
        check.hold_max_seconds is not None
        and last_agent is not None
        and _has_any(ctx, last_agent, check.hold_phrases)
        and ctx.utterances[index].speaker == "agent"
        and _has_any(ctx, index, check.thanks_phrases)
    )
    limit = check.hold_max_seconds if held else check.max_seconds
    if gap <= limit:
        return None
    kind = "告知等待后" if held else ""
    start = ctx.utterances[index].start
    return ctx.finding(
        check, index, f"{kind}静默 {gap:.1f} 秒（{seconds(since)} 至 {seconds(start)}），超过 {limit:g} 秒"
    )


def _is_backchannel(check, ctx: CheckContext, index: int) -> bool:
    norm = strip_punctuation(ctx.norm(index))
    return len(norm) <= check.backchannel_max_chars and _backchannel_chars(check, ctx).issuperset(norm)


def _backchannel_chars(check, ctx: CheckContext) -> frozenset[str]:
    """The characters of the normalised backchannels, kept with the Checker's shared indexes."""
    key = ("backchannels", *check.backchannels)
    allowed = ctx.phrase_indexes.get(key)
    if allowed is None:
        allowed = ctx.phrase_indexes[key] = frozenset("".join(ctx.normalizer.normalize(b) for b in check.backchannels))
    return allowed


def interruption(check, ctx: CheckContext) -> list:
    """Each agent turn is compared with the customer turn in progress when it starts: of the customer
    turns that started by then and still run more than ``min_overlap_seconds`` past it, the earliest
    (by start, end, index), whatever order the transcript lists them in.

    One sweep over the turns sorted by start time, O(n log n): a customer turn that no longer
    overlaps an agent turn by enough cannot overlap any later-starting agent turn by enough."""
    if _untimed(check, ctx):
        return []
    starts, ends, _ = ctx.columns()
    customers = sorted([(starts[i], ends[i], i) for i in ctx.speaker_indexes("customer")])
    agents = sorted([(starts[i], i) for i in ctx.speaker_indexes("agent")])
    overlap = check.min_overlap_seconds
    started: list[tuple[float, float, int]] = []  # heap of the customer turns that started by ``begin``
    following = 0
    found = []
    for begin, index in agents:
        while following < len(customers) and customers[following][0] <= begin:
            heapq.heappush(started, customers[following])
            following += 1
        while started and not (begin < started[0][1] and elapsed(started[0][1], begin) > overlap):
            heapq.heappop(started)  # over (or nearly) by now: over for every later agent turn too
        if not started or _is_backchannel(check, ctx, index):
            continue
        _, end, other_index = started[0]
        message = (
            f"坐席在 {seconds(begin)} 开口，客户第 {other_index} 句到 {seconds(end)} 才结束"
            f"（抢话 {elapsed(end, begin):.1f} 秒）"
        )
        found.append((index, ctx.finding(check, index, message)))
    found.sort(key=lambda pair: pair[0])
    return [finding for _, finding in found]


def speech_rate(check, ctx: CheckContext) -> list:
    if _untimed(check, ctx):
        return []
    utterances = ctx.utterances
    agent = ctx.speaker_indexes("agent")
    chars = count_content("".join([utterances[i].text for i in agent]))  # counted per character: sums
    starts, ends, _ = ctx.columns()
    duration = 0.0
    for index in agent:
        duration += max(0.0, ends[index] - starts[index])
    if chars < check.min_chars or duration <= 0:
        return []
    rate = round(chars / duration * 60, 6)
    if check.min_cpm is not None and rate < check.min_cpm:
        return [ctx.finding(check, None, f"坐席语速 {rate:.0f} 字/分钟，低于 {check.min_cpm:g}")]
    if check.max_cpm is not None and rate > check.max_cpm:
        return [ctx.finding(check, None, f"坐席语速 {rate:.0f} 字/分钟，高于 {check.max_cpm:g}")]
    return []


def agent_hangup(check, ctx: CheckContext) -> list:
    utterances = ctx.utterances
    if not utterances or utterances[-1].speaker != "agent":
        return []
    last_agent = ctx.speaker_indexes("agent")[-check.window :]
    closing = {h.utterance_index for h in ctx.stage_hits(check.closing_stage)}
    if closing.intersection(last_agent):
        return []
    last = len(utterances) - 1
    word = "会话" if ctx.transcript.channel == "online" else "通话"
    return [ctx.finding(check, last, f"{word}以坐席发言结束，最后 {check.window} 句坐席发言中没有结束语")]
