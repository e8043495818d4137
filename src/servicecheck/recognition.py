"""Findings on recognised speech: when each was said, how sure the recogniser was, where it came from.

Transcripts read from a speech recogniser carry word times, confidence and a fragment map on their
utterances. A finding then gets the time of its first word (more precise than the turn's start), is
marked ``needs_review`` when the text it rests on was recognised below the pack's
``review.min_confidence`` (a person listens before the agent is judged on a recognition error), and
gets an ``origin`` pointing into the recogniser's own output.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Iterable, Optional, Sequence

from .model import Finding, Origin, Utterance


def carries_recognition(utterances: Sequence[Utterance]) -> bool:
    """Whether any utterance has word, fragment or confidence data (else nothing here applies)."""
    return any(u.words or u.fragments or u.confidence is not None for u in utterances)


def evidence_confidence(utterance: Utterance, start: int, end: int) -> Optional[float]:
    """The lowest confidence of what lies under ``start:end``: its words' when they have one, else the
    fragments', else the utterance's. None: the recogniser said nothing about it."""
    if end <= start:
        end = start + 1  # an empty span rests on the character it points at
    words = [w.confidence for w in utterance.words if w.confidence is not None and w.start < end and start < w.end]
    if words:
        return min(words)
    fragments = [
        f.confidence for f in utterance.fragments if f.confidence is not None and f.start < end and start < f.end
    ]
    if fragments:
        return min(fragments)
    return utterance.confidence


def said_at(utterance: Utterance, start: int) -> Optional[float]:
    """When the character at ``start`` was said: its word's start time, else its fragment's, else the
    utterance's start."""
    words = utterance.words
    if words:
        index = bisect_right([w.start for w in words], start) - 1
        for word in words[max(index, 0) :]:
            if word.end > start and word.start_time is not None:
                return word.start_time
    fragment = _fragment_at(utterance, start)
    if fragment is not None and fragment.start_time is not None:
        return fragment.start_time
    return utterance.start


def _fragment_at(utterance: Utterance, start: int):
    for fragment in utterance.fragments:
        if fragment.start <= start < fragment.end or (start == fragment.start == fragment.end):
            return fragment
    return None


def origin_of(utterance: Utterance, start: int, end: int) -> Optional[Origin]:
    fragment = _fragment_at(utterance, start)
    if fragment is None:
        return None
    return Origin(source=fragment.source, start=start - fragment.start, end=min(end, fragment.end) - fragment.start)


def annotate(
    findings: Iterable[Finding],
    utterances: Sequence[Utterance],
    min_confidence: float,
    untextual: frozenset[str] = frozenset(),
) -> list[Finding]:
    """The findings with ``time``, ``needs_review`` and ``origin`` worked out from the recognition data.
    ``untextual``: rule ids whose findings rest on timing, not text (silence, speech rate …): those
    are never set aside for a recognition error, but still get an origin."""
    out = []
    for finding in findings:
        index = finding.utterance_index
        if index is None or finding.start is None or finding.end is None:
            out.append(finding)
            continue
        utterance = utterances[index]
        changes: dict = {}
        time = said_at(utterance, finding.start)
        if time != finding.time:
            changes["time"] = time
        if finding.rule_id not in untextual:
            confidence = evidence_confidence(utterance, finding.start, finding.end)
            if confidence is not None and confidence < min_confidence:
                changes["needs_review"] = True
                changes["explanation"] = (
                    f"{finding.explanation}（识别置信度 {confidence:.2f}，低于 {min_confidence:g}，需人工复核）"
                )
        origin = origin_of(utterance, finding.start, finding.end)
        if origin is not None:
            changes["origin"] = origin
        out.append(finding.model_copy(update=changes) if changes else finding)
    return out
