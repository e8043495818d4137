"""Masking personal data in what the library writes out, without moving an offset.

Every character of a detected span becomes ``*``: lengths stay, so finding offsets, tokens, recognised
words and fragment maps all still point at the right characters. Redaction is for output only: the
checker always sees the original text, so findings never depend on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Optional, Union

from ..model import Finding, Report, Token, Transcript, Utterance
from .detect import PersonalData, find_personal_data

if TYPE_CHECKING:
    from ..batch import RecordError

MASK = "*"
# Parts of a number (a finding that covers only part of one) are masked in free text from this length
# on: shorter pieces are no number anyone could use, and masking every "12" would garble explanations.
_MIN_PIECE = 4

SpanLike = Union[PersonalData, tuple[int, int]]


def _bounds(span: SpanLike) -> tuple[int, int]:
    if isinstance(span, PersonalData):
        return span.start, span.end
    return span[0], span[1]


def redact_text(text: str, spans: Optional[Iterable[SpanLike]] = None) -> str:
    """``text`` with every character inside ``spans`` (default: the personal data found in it)
    replaced by ``*``; same length, every other character unchanged."""
    if spans is None:
        spans = find_personal_data(text)
    chars: Optional[list[str]] = None
    for span in spans:
        start, end = _bounds(span)
        start, end = max(0, start), min(len(text), end)
        if start < end:
            if chars is None:
                chars = list(text)
            chars[start:end] = MASK * (end - start)
    return text if chars is None else "".join(chars)


def _redact_value(value: Any) -> Any:
    """Strings inside metadata (nested dicts and lists included) redacted; keys and other values kept."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {key: _redact_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_redact_value(item) for item in value)
    return value


def _redact_utterance(utterance: Utterance) -> Utterance:
    text = redact_text(utterance.text)
    return utterance if text == utterance.text else utterance.model_copy(update={"text": text})


def redact_transcript(transcript: Transcript) -> Transcript:
    """The transcript with personal data masked in every utterance and in string metadata. Its id is
    kept: reports and systems downstream join on it."""
    utterances = tuple(_redact_utterance(u) for u in transcript.utterances)
    return transcript.model_copy(update={"utterances": utterances, "metadata": _redact_value(transcript.metadata)})


def _mask_free_text(value: str, replacements: list[tuple[str, str]]) -> str:
    """Free text (an explanation, a message) with the given original pieces replaced, longest first,
    then anything the detector finds in it masked as a backstop."""
    for original, masked in replacements:
        if original in value:
            value = value.replace(original, masked)
    return redact_text(value)


class _Utterances:
    """Each utterance's original text, redacted text and spans, worked out once per report."""

    def __init__(self, transcript: Optional[Transcript]) -> None:
        self._utterances = transcript.utterances if transcript is not None else ()
        self._done: dict[int, tuple[str, str, list[PersonalData]]] = {}

    def get(self, index: Optional[int]) -> Optional[tuple[str, str, list[PersonalData]]]:
        if index is None or not 0 <= index < len(self._utterances):
            return None
        found = self._done.get(index)
        if found is None:
            text = self._utterances[index].text
            spans = find_personal_data(text)
            found = self._done[index] = (text, redact_text(text, spans), spans)
        return found


def _redact_token(token: Token) -> Token:
    text = redact_text(token.text)
    return token if text == token.text else token.model_copy(update={"text": text})


def _redact_finding(finding: Finding, utterances: _Utterances) -> Finding:
    known = utterances.get(finding.utterance_index)
    start, end = finding.start, finding.end
    replacements: list[tuple[str, str]] = []
    if known is not None and start is not None and end is not None and known[0][start:end] == finding.text:
        original, redacted, spans = known
        text = redacted[start:end]
        tokens = tuple(
            t.model_copy(update={"text": redacted[t.start : t.end]})
            if original[t.start : t.end] == t.text
            else _redact_token(t)
            for t in finding.tokens
        )
        for span in spans:
            replacements.append((span.text, MASK * len(span.text)))
            piece = original[max(span.start, start) : min(span.end, end)]
            if len(piece) >= _MIN_PIECE:
                replacements.append((piece, MASK * len(piece)))
    else:  # no utterance to go by (a missing stage, another transcript): what the detector finds
        text = redact_text(finding.text)
        tokens = tuple(_redact_token(t) for t in finding.tokens)
    if text != finding.text:
        replacements.append((finding.text, text))
    replacements.sort(key=lambda pair: -len(pair[0]))
    update = {"text": text, "tokens": tokens}
    for field in ("explanation", "message", "suggestion"):
        value = getattr(finding, field)
        if value:
            update[field] = _mask_free_text(value, replacements)
    if all(update[k] == getattr(finding, k) for k in update):
        return finding
    return finding.model_copy(update=update)


def redact_report(report: Report, transcript: Optional[Transcript]) -> Report:
    """The report with personal data masked in each finding's ``text``, ``tokens``, ``explanation``,
    ``message`` and ``suggestion``, in its notes and in its metadata. Which characters of a finding are
    personal comes from the transcript it was checked on (by offsets); free text is also scanned.
    Offsets, kinds and scores are unchanged."""
    utterances = _Utterances(transcript)
    findings = tuple(_redact_finding(f, utterances) for f in report.findings)
    return report.model_copy(
        update={
            "findings": findings,
            "notes": tuple(redact_text(note) for note in report.notes),
            "metadata": _redact_value(report.metadata),
        }
    )


def redact_record_error(error: "RecordError") -> "RecordError":
    """A batch error row with personal data masked in its message (validation errors quote input)."""
    masked = redact_text(error.error)
    return error if masked == error.error else error.model_copy(update={"error": masked})


def redact_pair(transcript: Optional[Transcript], report: Report) -> tuple[Optional[Transcript], Report]:
    """A report and the transcript it came from, both masked (for the pages, which show both)."""
    return (None if transcript is None else redact_transcript(transcript)), redact_report(report, transcript)
