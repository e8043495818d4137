"""FunASR output: ``AutoModel.generate`` results and the runtime (websocket) server's offline message.

FunASR cuts a call into clauses (``sentence_info``, one per ``，``/``。``), each with per-token
timestamps in milliseconds. Clause ``start`` values written before FunASR PR #2024 (Aug 2024) are the
previous clause's end, so the first and last token timestamps are trusted over ``start``/``end``.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from ._common import Checked, at, item, kind_of, speaker_text
from .fragments import Fragment, Recognised, Word

FORMAT = "funasr"

# One timestamp per token: an ASCII letter/digit run (an English word or a number), or any other single
# letter or digit (a CJK character). Punctuation and spaces get no timestamp.
_TOKEN = re.compile(r"[A-Za-z0-9]+|[^\W_A-Za-z0-9]")
_NO_SENTENCES = (
    "sentence_info is missing: this result has one timestamp list for the whole audio and no clauses; "
    'run FunASR with AutoModel(..., spk_model="cam++") for clauses with speaker ids, or '
    "generate(..., sentence_timestamp=True) for clauses without them"
)


def tokens(text: str) -> list[tuple[int, int]]:
    """Character spans of the tokens FunASR gives a timestamp to."""
    return [m.span() for m in _TOKEN.finditer(text)]


def read_funasr(data: object, source: Optional[str]) -> list[Recognised]:
    """One ``Recognised`` per FunASR result: a ``generate`` list, one result dict, or a runtime message."""
    checked = Checked(FORMAT, source)
    if isinstance(data, list):
        return [_result(checked, entry, item("", i)) for i, entry in enumerate(data)]
    return [_result(checked, data, "")]


def _result(checked: Checked, data: Any, path: str) -> Recognised:
    result = checked.obj(data, path, "a FunASR result")
    if "stamp_sents" in result:
        return _runtime(checked, result, path)
    if "sentence_info" not in result:
        raise checked.error(at(path, "sentence_info"), _NO_SENTENCES)
    clauses = checked.list_of(result, "sentence_info", path) or []
    where = at(path, "sentence_info")
    fragments = [_clause(checked, entry, item(where, i)) for i, entry in enumerate(clauses)]
    key = checked.text(result, "key", path, required=False)
    return Recognised(
        format=FORMAT,
        fragments=fragments,
        speaker_kind=kind_of(fragments, "speaker"),
        id=None if key is None or key.startswith("rand_key") else key,
    )


def _pairs(checked: Checked, value: Any, path: str) -> list[Optional[tuple[float, float]]]:
    """``[[start_ms, end_ms], ...]`` as seconds; ``None`` entries (zip_longest padding) stay ``None``."""
    out: list[Optional[tuple[float, float]]] = []
    for k, pair in enumerate(checked.arr(value, path)):
        where = item(path, k)
        if pair is None:
            out.append(None)
            continue
        if not isinstance(pair, list) or len(pair) < 2:
            raise checked.error(where, f"a token timestamp must be [start_ms, end_ms], got {pair!r:.40}")
        start = checked.time(pair[0], item(where, 0), "a token start", "milliseconds")
        end = checked.time(pair[1], item(where, 1), "a token end", "milliseconds")
        checked.span(start, end, where)
        out.append((start, end))
    return out


def _times(
    checked: Checked, entry: dict, path: str, stamps: list[Optional[tuple[float, float]]]
) -> tuple[float, float]:
    present = [pair for pair in stamps if pair is not None]
    if present:
        start, end = present[0][0], present[-1][1]
    else:
        start = checked.ms(entry, "start", path)  # type: ignore[assignment]
        end = checked.ms(entry, "end", path)  # type: ignore[assignment]
    checked.span(start, end, path)
    return start, end


def _clause(checked: Checked, value: Any, path: str) -> Fragment:
    entry = checked.obj(value, path, "a sentence_info entry")
    key = "text" if "text" in entry or "sentence" not in entry else "sentence"  # spk_mode="vad_segment"
    text = checked.text(entry, key, path) or ""
    raw = entry.get("timestamp")
    stamps = [] if raw is None else _pairs(checked, raw, at(path, "timestamp"))
    start, end = _times(checked, entry, path, stamps)
    spans = tokens(text)
    words: tuple[Word, ...] = ()
    if stamps and len(spans) == len(stamps) and all(pair is not None for pair in stamps):
        words = tuple(
            Word(text[a:b], start=pair[0], end=pair[1], start_char=a, end_char=b)  # type: ignore[index]
            for (a, b), pair in zip(spans, stamps)
        )
    spk = entry.get("spk")
    if isinstance(spk, str):
        raise checked.error(at(path, "spk"), f"spk must be a whole number, got {spk!r:.40}")
    speaker = speaker_text(checked, spk, at(path, "spk"))
    return Fragment(speaker=speaker, text=text, start=start, end=end, path=path, words=words)


def _runtime(checked: Checked, message: dict, path: str) -> Recognised:
    """The runtime server's offline message: ``stamp_sents`` clauses of space-separated tokens, no speakers."""
    if message["stamp_sents"] == "":  # what the server sends when it could not build the clauses
        raise checked.error(at(path, "stamp_sents"), "stamp_sents is empty: the server sent no clause timestamps")
    clauses = checked.list_of(message, "stamp_sents", path) or []
    where = at(path, "stamp_sents")
    fragments = [_stamp_sent(checked, entry, item(where, i)) for i, entry in enumerate(clauses)]
    name = checked.text(message, "wav_name", path, required=False)
    return Recognised(format=FORMAT, fragments=fragments, speaker_kind="none", id=name or None)


def _stamp_sent(checked: Checked, value: Any, path: str) -> Fragment:
    entry = checked.obj(value, path, "a stamp_sents entry")
    segments = (checked.text(entry, "text_seg", path) or "").split()
    raw = entry.get("ts_list")
    stamps = [] if raw is None else _pairs(checked, raw, at(path, "ts_list"))
    start, end = _times(checked, entry, path, stamps)
    text, spans = "", []
    for token in segments:
        if text and text[-1].isascii() and text[-1].isalnum() and token[0].isascii() and token[0].isalnum():
            text += " "  # English words keep their spaces; CJK characters are written together
        spans.append((len(text), len(text) + len(token)))
        text += token
    text += checked.text(entry, "punc", path, required=False) or ""
    words: tuple[Word, ...] = ()
    if stamps and len(stamps) == len(spans) and all(pair is not None for pair in stamps):
        words = tuple(
            Word(text[a:b], start=pair[0], end=pair[1], start_char=a, end_char=b)  # type: ignore[index]
            for (a, b), pair in zip(spans, stamps)
        )
    return Fragment(speaker=None, text=text, start=start, end=end, path=path, words=words)
