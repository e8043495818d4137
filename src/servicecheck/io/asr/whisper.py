"""OpenAI Whisper JSON and WhisperX (aligned, optionally diarised) JSON.

Times are already seconds. Whisper's only confidence is per decoding window (``avg_logprob``,
``no_speech_prob``) and per word (``probability``); WhisperX keeps a per-word alignment ``score`` and
labels segments ``SPEAKER_00``… only where a diarisation turn overlaps them, so a speaker can be absent.
"""

from __future__ import annotations

import math
from typing import Any, Optional

from ._common import Checked, at, item, kind_of, speaker_text
from .fragments import Fragment, Recognised, Word

FORMAT = "whisper"


def read_whisper(data: object, source: Optional[str]) -> list[Recognised]:
    """One call from a Whisper/WhisperX result dict (``segments``, ``language``)."""
    checked = Checked(FORMAT, source)
    doc = checked.obj(data, "", "a Whisper result")
    segments = checked.list_of(doc, "segments", "") or []
    fragments = [_segment(checked, value, item("segments", i)) for i, value in enumerate(segments)]
    metadata: dict[str, Any] = {}
    language = doc.get("language")
    if isinstance(language, str):
        metadata["language"] = language
    metadata["variant"] = "whisperx" if "word_segments" in doc or _whisperx(segments) else "whisper"
    return [
        Recognised(
            format=FORMAT,
            fragments=fragments,
            speaker_kind=kind_of(fragments, "speaker"),
            metadata=metadata,
        )
    ]


def _whisperx(segments: list) -> bool:
    """WhisperX marks: diarised speakers or alignment scores (Whisper itself writes ``probability``)."""
    for segment in segments:
        words = segment.get("words") or []
        if "speaker" in segment or any(isinstance(w, dict) and "score" in w for w in words):
            return True
    return False


def _probability(checked: Checked, data: dict, key: str, path: str) -> Optional[float]:
    value = checked.number(data, key, path, required=False)
    if value is not None and not 0 <= value <= 1:
        raise checked.error(at(path, key), f"{key} must be between 0 and 1, got {value:g}")
    return value


def confidence(avg_logprob: Optional[float], no_speech_prob: Optional[float]) -> Optional[float]:
    """exp(avg_logprob) in [0, 1], lowered to the chance that there is speech at all."""
    values = []
    if avg_logprob is not None:
        values.append(min(1.0, max(0.0, math.exp(min(avg_logprob, 0.0)))))
    if no_speech_prob is not None:
        values.append(1.0 - no_speech_prob)
    return min(values) if values else None


def _segment(checked: Checked, value: Any, path: str) -> Fragment:
    segment = checked.obj(value, path, "a segment")
    start = checked.seconds(segment, "start", path)
    end = checked.seconds(segment, "end", path)
    checked.span(start, end, path)
    text = (checked.text(segment, "text", path) or "").strip()
    speaker = speaker_text(checked, segment.get("speaker"), at(path, "speaker"))
    avg_logprob = checked.number(segment, "avg_logprob", path, required=False)
    words = []
    for i, raw in enumerate(checked.list_of(segment, "words", path, required=False) or []):
        where = item(at(path, "words"), i)
        word = checked.obj(raw, where, "a word")
        token = (checked.text(word, "word", where) or "").strip()
        if not token:
            continue
        word_start = checked.seconds(word, "start", where, required=False)
        word_end = checked.seconds(word, "end", where, required=False)
        checked.span(word_start, word_end, where)
        score = _probability(checked, word, "probability" if "probability" in word else "score", where)
        words.append(Word(token, start=word_start, end=word_end, confidence=score))
    return Fragment(
        speaker=speaker,
        text=text,
        start=start,
        end=end,
        path=path,
        words=tuple(words),
        confidence=confidence(avg_logprob, _probability(checked, segment, "no_speech_prob", path)),
    )
