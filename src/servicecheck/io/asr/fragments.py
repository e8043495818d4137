"""What a speech recogniser's output is made of, before it becomes a transcript.

Each vendor reader (``funasr``, ``aliyun``, ``tencent``, ``whisper``, ``subtitles``) turns one vendor
document into ``Recognised`` calls: fragments as the vendor cut them (a clause, a sentence, a segment, a
cue), with times already in float seconds and the vendor's speaker or channel id kept as text. Roles,
ordering and merging into turns happen afterwards, in one place for every format (``assemble``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Optional

SpeakerKind = Literal["channel", "speaker", "name", "none"]


@dataclass(frozen=True)
class Word:
    """One recognised word or character with its times (seconds) and the recogniser's confidence (0–1).

    ``start_char``/``end_char`` locate it in the fragment's text when the reader knows where it is;
    otherwise the word's ``text`` is looked up in order (see ``assemble.align_words``)."""

    text: str
    start: Optional[float] = None
    end: Optional[float] = None
    confidence: Optional[float] = None
    start_char: Optional[int] = None
    end_char: Optional[int] = None


@dataclass(frozen=True)
class Fragment:
    """One piece of recognised speech as the vendor cut it.

    ``speaker`` is the vendor's channel id, speaker cluster id or speaker name, as text ("0",
    "SPEAKER_01", "坐席"), or None when the vendor gives none. ``path`` says where the fragment is in the
    source document ("[0].sentence_info[3]", "Result.Sentences[2]", "line 12"): findings point back to it.
    """

    speaker: Optional[str]
    text: str
    start: Optional[float]
    end: Optional[float]
    path: str
    words: tuple[Word, ...] = ()
    confidence: Optional[float] = None  # of the whole fragment, 0–1, when the vendor gives one
    loudness: Optional[float] = None  # vendor loudness 1–10 (Aliyun EmotionValue, Tencent EmotionalEnergy)


@dataclass
class Recognised:
    """One call as a recogniser wrote it: fragments in the vendor's order, and what is known about it.

    ``speaker_kind`` says what ``Fragment.speaker`` means: a recording channel (fixed by the recording
    system), a diarisation cluster (numbered in no useful order), a name written by a person, or nothing.
    ``metadata`` keeps what the vendor says about the call (task id, duration, language …).
    """

    format: str
    fragments: list[Fragment]
    speaker_kind: SpeakerKind
    id: Optional[str] = None
    metadata: dict[str, Any] = field(default_factory=dict)
