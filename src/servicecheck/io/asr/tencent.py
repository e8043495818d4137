"""Tencent Cloud ASR file transcription: a ``DescribeTaskStatus`` response or a callback's ``Data``.

Tencent documents every field as possibly null, so a null is read as "not given", never as an error.
Word offsets are relative to their sentence and become absolute here. ``SpeakerId`` is a channel with
``ChannelNum=2`` and a diarisation cluster otherwise; the data does not say which, so the fragments are
marked "speaker" and the role map decides what each id means. Without ``ResultDetail`` (``ResTextFormat``
0) the ``Result`` text lines ``[m:ss.mmm,m:ss.mmm(,id)]  text`` are read instead.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from ._common import Checked, at, item, kind_of, speaker_text
from .fragments import Fragment, Recognised, Word

FORMAT = "tencent"
_STATUS = {"waiting": 0, "doing": 1, "success": 2, "failed": 3}
_TIME = r"(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)"
_RESULT_LINE = re.compile(r"^\[" + _TIME + r"," + _TIME + r"(?:,\s*([^\]\s]+))?\]\s*(.*)$")


def read_tencent(data: object, source: Optional[str]) -> list[Recognised]:
    """One call from ``{"Response": {"Data": ...}}``, the SDK's ``{"Data": ...}`` or the bare ``Data`` object."""
    checked = Checked(FORMAT, source)
    doc = checked.obj(data, "", "a Tencent ASR result")
    path = ""
    if "Response" in doc:
        response = checked.obj(doc["Response"], "Response")
        error = response.get("Error")
        if isinstance(error, dict):
            raise checked.error("Response.Error", f"the request failed: {error.get('Code')}: {error.get('Message')}")
        path = "Response.Data"
        doc = checked.obj(checked.get(response, "Data", "Response"), path, path)
    elif "Data" in doc and "Status" not in doc:  # the SDK's response.to_json_string(): no "Response" level
        path = "Data"
        doc = checked.obj(doc["Data"], path, path)

    status = _status(checked, doc, path)
    if status in (0, 1):
        shown = doc.get("StatusStr") or ("waiting" if status == 0 else "doing")
        raise checked.error(
            at(path, "Status"), f"the task has not finished (Status {status}, {shown}); ask again later"
        )
    if status == 3:
        raise checked.error(at(path, "Status"), f"the task failed: {doc.get('ErrorMsg') or 'no ErrorMsg given'}")

    metadata: dict[str, Any] = {}
    task = doc.get("TaskId")
    if isinstance(task, (int, str)) and not isinstance(task, bool):
        metadata["task_id"] = str(task)
    duration = checked.seconds(doc, "AudioDuration", path, required=False)
    if duration is not None:
        metadata["duration_seconds"] = duration

    details = checked.list_of(doc, "ResultDetail", path, required=False)
    if details:
        where = at(path, "ResultDetail")
        fragments = [f for i, v in enumerate(details) if v is not None for f in [_sentence(checked, v, item(where, i))]]
    else:
        fragments = _result_lines(checked, checked.text(doc, "Result", path, required=False) or "", at(path, "Result"))
    return [
        Recognised(
            format=FORMAT,
            fragments=fragments,
            speaker_kind=kind_of(fragments, "speaker"),
            metadata=metadata,
        )
    ]


def _status(checked: Checked, doc: dict, path: str) -> Optional[int]:
    status = doc.get("Status")
    if status is None:
        word = doc.get("StatusStr")
        if word is None:
            return None  # both null: judge the result by its content
        if not isinstance(word, str) or word.lower() not in _STATUS:
            raise checked.error(at(path, "StatusStr"), f"unknown StatusStr {word!r:.40}")
        return _STATUS[word.lower()]
    if isinstance(status, bool) or status not in (0, 1, 2, 3):
        raise checked.error(at(path, "Status"), f"Status must be 0, 1, 2 or 3, got {status!r:.40}")
    return int(status)


def _sentence(checked: Checked, value: Any, path: str) -> Fragment:
    entry = checked.obj(value, path, "a ResultDetail entry")
    start_ms = checked.ms(entry, "StartMs", path, required=False)
    end = checked.ms(entry, "EndMs", path, required=False)
    checked.span(start_ms, end, path)
    text = checked.text(entry, "FinalSentence", path, required=False)
    if text is None:  # no punctuated text: the word-segmented one, without its spaces
        text = "".join((checked.text(entry, "SliceSentence", path, required=False) or "").split())
    words = []
    for i, raw in enumerate(checked.list_of(entry, "Words", path, required=False) or []):
        if raw is None:
            continue
        where = item(at(path, "Words"), i)
        word = checked.obj(raw, where, "a word")
        offset_start = checked.ms(word, "OffsetStartMs", where, required=False)
        offset_end = checked.ms(word, "OffsetEndMs", where, required=False)
        checked.span(offset_start, offset_end, where)
        words.append(
            Word(
                checked.text(word, "Word", where, required=False) or "",
                start=_plus(start_ms, offset_start),
                end=_plus(start_ms, offset_end),
            )
        )
    speaker = speaker_text(checked, entry.get("SpeakerId"), at(path, "SpeakerId"))
    loudness = checked.number(entry, "EmotionalEnergy", path, required=False)
    return Fragment(
        speaker=speaker, text=text, start=start_ms, end=end, path=path, words=tuple(words), loudness=loudness
    )


def _plus(base: Optional[float], offset: Optional[float]) -> Optional[float]:
    """Absolute seconds of a sentence-relative offset, rounded to the millisecond (no 0.1+0.2 tails)."""
    if base is None or offset is None:
        return None
    return round(base + offset, 3)


def _clock(hours: Optional[str], minutes: str, seconds: str) -> float:
    return round(int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds), 3)


def _result_lines(checked: Checked, text: str, path: str) -> list[Fragment]:
    fragments = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        where = f"{path} line {number}"
        found = _RESULT_LINE.match(line)
        if found is None:
            raise checked.error(where, f"Result line {number} is not '[m:ss.mmm,m:ss.mmm]  text': {line!r:.60}")
        start = _clock(*found.group(1, 2, 3))
        end = _clock(*found.group(4, 5, 6))
        checked.span(start, end, where)
        fragments.append(
            Fragment(speaker=found.group(7), text=found.group(8).strip(), start=start, end=end, path=where)
        )
    return fragments
