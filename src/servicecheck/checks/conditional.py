"""Conditional: when a trigger occurs (a complaint, a transfer, a product mention), something must follow
within N utterances or T seconds (empathy, a time limit and a follow-up channel, a risk disclosure)."""

from __future__ import annotations

from typing import Optional

from ..model import elapsed
from .base import CheckContext, PhraseList, hit_index, hit_span
from .repeats import repeated


def _triggers(trigger, ctx: CheckContext) -> list[tuple[int, Optional[tuple[int, int]], str]]:
    """(utterance index, span, what triggered) in call order."""
    found: list[tuple[int, Optional[tuple[int, int]], str]] = []
    if trigger.stage:
        for hit in ctx.stage_hits(trigger.stage, trigger.speaker):
            found.append((hit_index(hit), hit_span(hit), f"「{hit.text}」"))
    if trigger.phrases or trigger.regex:
        found.extend(_text_triggers(trigger, ctx))
    if trigger.repeat:
        found.extend(_repeats(trigger, ctx))
    if trigger.loudness:
        found.extend(_loud(trigger, ctx))
    found.sort(key=lambda t: (t[0], t[1] or (0, 0)))
    return found


def _text_triggers(trigger, ctx: CheckContext) -> list[tuple[int, tuple[int, int], str]]:
    """The first trigger phrase or regex match of each utterance that no ``unless`` phrase overlaps."""
    utterances = ctx.utterances
    phrases = ctx.phrase_list(trigger.phrases) if trigger.phrases else None
    unless = ctx.phrase_list(trigger.unless) if trigger.unless else None
    if phrases is not None and not trigger.regex:
        indexes = ctx.phrase_utterances(trigger.speaker, phrases)  # phrases: the call in one pass
    else:
        indexes = ctx.speaker_indexes(trigger.speaker)  # regexes are searched utterance by utterance
    found: list[tuple[int, tuple[int, int], str]] = []
    for index in indexes:
        spans = ctx.phrase_spans(index, phrases) if phrases is not None else []
        if trigger.regex:
            spans += ctx.find_text(index, [], trigger.regex)
        if not spans:
            continue
        cancels = ctx.phrase_spans(index, unless) if unless is not None else []
        for start, end, _ in spans:
            if any(cs < end and start < ce for cs, ce, _ in cancels):
                continue
            found.append((index, (start, end), f"「{utterances[index].text[start:end]}」"))
            break  # one trigger per utterance is enough
    return found


def _repeats(trigger, ctx: CheckContext) -> list[tuple[int, None, str]]:
    """Utterances that repeat an earlier one of the speaker (see ``repeats.repeated``), compared on
    their normalised text without punctuation, if it has at least ``repeat_min_length`` characters."""
    shortest = trigger.repeat_min_length
    pairs = [(index, norm) for index, norm in ctx.stripped_norms(trigger.speaker, shortest) if len(norm) >= shortest]
    flags = repeated([norm for _, norm in pairs], trigger.repeat * 100)
    return [(index, None, "客户重复提问") for (index, _), flag in zip(pairs, flags) if flag]


def _loud(trigger, ctx: CheckContext) -> list[tuple[int, None, str]]:
    """Utterances the recogniser measured at least ``trigger.loudness`` loud (Aliyun EmotionValue,
    Tencent EmotionalEnergy: volume in dB / 10, so a raised voice, not a feeling)."""
    found = []
    for index in ctx.speaker_indexes(trigger.speaker):
        loudness = ctx.utterances[index].loudness
        if loudness is not None and loudness >= trigger.loudness:
            found.append((index, None, f"音量 {loudness:g}（≥ {trigger.loudness:g}）"))
    return found


def _satisfied(requirement, index: int, ctx: CheckContext, phrases: Optional[PhraseList]) -> bool:
    """Whether utterance ``index`` meets the requirement (``phrases``: its phrases' automaton)."""
    if requirement.stage:
        if index in ctx.stage_utterances(requirement.stage, requirement.speaker):
            return True
    if requirement.phrases or requirement.regex:
        if requirement.speaker in ("any", ctx.utterances[index].speaker):
            if phrases is not None and ctx.has_phrase(index, phrases):
                return True
            if requirement.regex and ctx.find_text(index, [], requirement.regex):
                return True
    return False


def _label(requirement) -> str:
    if requirement.name:
        return requirement.name
    if requirement.stage:
        return requirement.stage
    return "/".join(requirement.phrases[:3] or requirement.regex[:1])


def run(check, ctx: CheckContext) -> list:
    utterances = ctx.utterances
    if check.within_utterances is None and not ctx.timed:
        ctx.notes.append(f"{check.id}: skipped, the transcript has no timestamps")
        return []
    automata = [ctx.phrase_list(r.phrases) if r.phrases else None for r in check.then]
    findings = []
    reported: set[int] = set()
    triggered: set[int] = set()
    for index, span, what in _triggers(check.trigger, ctx):
        if index in triggered:
            continue  # one event per utterance, however many trigger hits it holds
        triggered.add(index)
        start_time = utterances[index].start
        first = index if check.include_trigger_utterance else index + 1
        last = len(utterances) - 1
        if check.within_utterances is not None:
            last = min(last, index + check.within_utterances)
        window = []
        for candidate in range(first, last + 1):
            if check.within_seconds is not None and start_time is not None:
                begin = utterances[candidate].start
                if begin is not None and elapsed(begin, start_time) > check.within_seconds:
                    break
            window.append(candidate)
        for number, requirement in enumerate(check.then):
            if check.once and number in reported:
                continue
            if any(_satisfied(requirement, i, ctx, automata[number]) for i in window):
                continue
            reported.add(number)
            bound = []
            if check.within_utterances is not None:
                bound.append(f"{check.within_utterances} 句")
            if check.within_seconds is not None:
                bound.append(f"{check.within_seconds:g} 秒")
            findings.append(
                ctx.finding(
                    check,
                    index,
                    f"第 {index} 句出现{what}后 {' / '.join(bound)} 内没有「{_label(requirement)}」",
                    stage=check.stage or requirement.stage or check.id,
                    span=span,
                    message=(check.message or check.id) + f"：缺少{_label(requirement)}",
                )
            )
    return findings
