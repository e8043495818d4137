"""Timing checks: answer delay, silence, interruption, speech rate, and the agent ending the call.

They need ``start``/``end`` times; a transcript without them gets a note in the report instead.
"""

from __future__ import annotations

import heapq

from ..text.chars import content_length, strip_punctuation
from ..model import elapsed
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
    return any(True for _ in ctx.find_text(index, phrases, []))


def silence(check, ctx: CheckContext) -> list:
    """Gaps are measured from the latest ``end`` so far, so a backchannel inside a long turn does not
    hide or fake a silence."""
    if _untimed(check, ctx):
        return []
    utterances = ctx.utterances
    findings = []
    latest_end = utterances[0].end
    last_agent = 0 if utterances[0].speaker == "agent" else None
    for index in range(1, len(utterances)):
        utterance = utterances[index]
        gap = elapsed(utterance.start, latest_end)
        if gap > check.max_seconds:
            held = (
                check.hold_max_seconds is not None
                and last_agent is not None
                and _has_any(ctx, last_agent, check.hold_phrases)
                and utterance.speaker == "agent"
                and _has_any(ctx, index, check.thanks_phrases)
            )
            limit = check.hold_max_seconds if held else check.max_seconds
            if gap > limit:
                kind = "告知等待后" if held else ""
                findings.append(
                    ctx.finding(
                        check,
                        index,
                        f"{kind}静默 {gap:.1f} 秒（{seconds(latest_end)} 至 {seconds(utterance.start)}），"
                        f"超过 {limit:g} 秒",
                    )
                )
        latest_end = max(latest_end, utterance.end)
        if utterance.speaker == "agent":
            last_agent = index
    return findings


def _is_backchannel(check, ctx: CheckContext, index: int) -> bool:
    norm = strip_punctuation(ctx.normalizer.view(ctx.utterances[index].text).norm)
    allowed = set("".join(ctx.normalizer.normalize(b) for b in check.backchannels))
    return len(norm) <= check.backchannel_max_chars and all(c in allowed for c in norm)


def interruption(check, ctx: CheckContext) -> list:
    """Each agent turn is compared with the customer turn in progress when it starts: of the customer
    turns that started by then and still run more than ``min_overlap_seconds`` past it, the earliest
    (by start, end, index), whatever order the transcript lists them in.

    One sweep over the turns sorted by start time, O(n log n): a customer turn that no longer
    overlaps an agent turn by enough cannot overlap any later-starting agent turn by enough."""
    if _untimed(check, ctx):
        return []
    utterances = ctx.utterances
    customers = sorted((u.start, u.end, i) for i, u in enumerate(utterances) if u.speaker == "customer")
    agents = sorted((u.start, i) for i, u in enumerate(utterances) if u.speaker == "agent")
    started: list[tuple[float, float, int]] = []  # heap of the customer turns that started by ``begin``
    following = 0
    found = []
    for begin, index in agents:
        while following < len(customers) and customers[following][0] <= begin:
            heapq.heappush(started, customers[following])
            following += 1
        while started and not (begin < started[0][1] and elapsed(started[0][1], begin) > check.min_overlap_seconds):
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
    chars = 0
    duration = 0.0
    for index in ctx.speaker_indexes("agent"):
        utterance = ctx.utterances[index]
        chars += content_length(utterance.text)
        duration += max(0.0, utterance.end - utterance.start)
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
    return [ctx.finding(check, last, f"通话以坐席发言结束，最后 {check.window} 句坐席发言中没有结束语")]
