"""Alibaba Cloud recogniser outputs: ISI file transcription (4.0 and the legacy snake_case callback) and
DashScope Paraformer transcription files.

Times are milliseconds. Stereo call recordings come back channel by channel, so fragments keep the vendor
order and are sorted later. A task that has not finished (or failed) is refused with its status, since
reading it as an empty call would hide the problem; ``SUCCESS_WITH_NO_VALID_FRAGMENT`` is a real call
in which nobody spoke.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, Optional
from urllib.parse import unquote, urlparse

from ._common import Checked, at, item, kind_of, speaker_text
from .fragments import Fragment, Recognised, SpeakerKind, Word

SUCCESS = 21050000
NO_VALID_FRAGMENT = 21050003
_STATUS_TEXT = {SUCCESS: "SUCCESS", NO_VALID_FRAGMENT: "SUCCESS_WITH_NO_VALID_FRAGMENT"}
_NOT_FINISHED = {"RUNNING", "QUEUEING"}

# (sentences, channel, begin, end, text, loudness, speaker, status text, status code, task id, duration)
_ISI = (
    "Result.Sentences",
    "ChannelId",
    "BeginTime",
    "EndTime",
    "Text",
    "EmotionValue",
    "SpeakerId",
    "StatusText",
    "StatusCode",
    "TaskId",
    "BizDuration",
)
_LEGACY = (
    "result",
    "channel_id",
    "begin_time",
    "end_time",
    "text",
    "emotion_value",
    "speaker_id",
    "status_text",
    "status_code",
    "task_id",
    "biz_duration",
)


def read_aliyun(data: object, source: Optional[str]) -> list[Recognised]:
    """One call from a GetTaskResult response or callback body (version 4.0 or legacy snake_case)."""
    checked = Checked("aliyun", source)
    doc = checked.obj(data, "", "an Aliyun file-transcription result")
    legacy = "Result" not in doc and "StatusText" not in doc and ("result" in doc or "status_text" in doc)
    keys = _LEGACY if legacy else _ISI
    sentences_key, channel_key, begin_key, end_key, text_key, loud_key, spk_key = keys[:7]
    status_key, code_key, task_key, duration_key = keys[7:]

    metadata: dict[str, Any] = {}
    task = doc.get(task_key)
    if isinstance(task, (str, int)) and not isinstance(task, bool):
        metadata["task_id"] = str(task)
    duration = checked.ms(doc, duration_key, "", required=False)
    if duration is not None:
        metadata["duration_seconds"] = duration

    if not _succeeded(checked, doc, status_key, code_key):
        return [Recognised(format="aliyun", fragments=[], speaker_kind="none", metadata=metadata)]

    parent, _, key = sentences_key.rpartition(".")
    container = checked.obj(checked.get(doc, parent, ""), parent, parent) if parent else doc
    path = sentences_key
    sentences = checked.list_of(container, key, parent) or []
    entries = [checked.obj(value, item(path, i), "a sentence") for i, value in enumerate(sentences)]
    by_speaker = bool(entries) and all(entry.get(spk_key) is not None for entry in entries)

    fragments: list[Fragment] = []
    channels: list[Optional[str]] = []
    for i, entry in enumerate(entries):
        where = item(path, i)
        start = checked.ms(entry, begin_key, where)
        end = checked.ms(entry, end_key, where)
        checked.span(start, end, where)
        channel = speaker_text(checked, checked.get(entry, channel_key, where), at(where, channel_key))
        speaker = speaker_text(checked, entry[spk_key], at(where, spk_key)) if by_speaker else channel
        fragments.append(
            Fragment(
                speaker=speaker,
                text=checked.text(entry, text_key, where) or "",
                start=start,
                end=end,
                path=where,
                loudness=checked.number(entry, loud_key, where, required=False),
            )
        )
        channels.append(channel)
    if not legacy and isinstance(doc["Result"], dict) and "Words" in doc["Result"]:
        fragments = _attach_words(checked, doc["Result"], fragments, channels)
    kind: SpeakerKind = "speaker" if by_speaker else "channel"
    return [
        Recognised(
            format="aliyun",
            fragments=fragments,
            speaker_kind=kind_of(fragments, kind),
            metadata=metadata,
        )
    ]


def _succeeded(checked: Checked, doc: dict, status_key: str, code_key: str) -> bool:
    """True to read the sentences, False for a finished call without speech; raises for anything else."""
    status = doc.get(status_key)
    code = doc.get(code_key)
    if status is not None and not isinstance(status, str):
        raise checked.error(status_key, f"{status_key} must be text, got {status!r:.40}")
    if status is None and isinstance(code, int):
        status = _STATUS_TEXT.get(code)
    if status is None and code is None:
        return True  # a bare result without status fields: judge it by its sentences
    if status == "SUCCESS":
        return True
    if status == "SUCCESS_WITH_NO_VALID_FRAGMENT":
        return False
    shown = f"{status_key} {status!r}" + (f" ({code_key} {code})" if code is not None else "")
    if status in _NOT_FINISHED:
        raise checked.error(
            status_key, f"the transcription task has not finished: {shown}; fetch the result again later"
        )
    raise checked.error(
        status_key if status is not None else code_key, f"the transcription task did not succeed: {shown}"
    )


def _attach_words(
    checked: Checked, result: dict, fragments: list[Fragment], channels: list[Optional[str]]
) -> list[Fragment]:
    """``Result.Words`` (enable_words=true) go to the sentence of their channel that contains them."""
    path = "Result.Words"
    words = checked.list_of(result, "Words", "Result", required=False) or []
    found: list[list[Word]] = [[] for _ in fragments]
    for i, value in enumerate(words):
        where = item(path, i)
        entry = checked.obj(value, where, "a word")
        start = checked.ms(entry, "BeginTime", where)
        end = checked.ms(entry, "EndTime", where)
        checked.span(start, end, where)
        channel = speaker_text(checked, checked.get(entry, "ChannelId", where), at(where, "ChannelId"))
        text = checked.text(entry, "Word", where) or ""
        middle = (start + end) / 2  # type: ignore[operator]
        for k, fragment in enumerate(fragments):
            if channels[k] == channel and fragment.start <= middle <= fragment.end:  # type: ignore[operator]
                found[k].append(Word(text, start=start, end=end))
                break
    return [
        Fragment(f.speaker, f.text, f.start, f.end, f.path, tuple(w), f.confidence, f.loudness) if w else f
        for f, w in zip(fragments, found)
    ]


def read_dashscope(data: object, source: Optional[str]) -> list[Recognised]:
    """One call from a DashScope Paraformer transcription file (``transcripts`` per channel)."""
    checked = Checked("dashscope", source)
    doc = checked.obj(data, "", "a DashScope transcription")
    transcripts = checked.list_of(doc, "transcripts", "") or []
    entries = []
    for t, value in enumerate(transcripts):
        where = item("transcripts", t)
        transcript = checked.obj(value, where, "a transcript")
        channel = speaker_text(checked, transcript.get("channel_id"), at(where, "channel_id"))
        sentences = checked.list_of(transcript, "sentences", where, required=False) or []
        for s, sentence in enumerate(sentences):
            path = item(at(where, "sentences"), s)
            entries.append((channel, checked.obj(sentence, path, "a sentence"), path))
    by_speaker = bool(entries) and all(entry.get("speaker_id") is not None for _, entry, _ in entries)
    fragments = []
    for channel, entry, path in entries:
        start = checked.ms(entry, "begin_time", path)
        end = checked.ms(entry, "end_time", path)
        checked.span(start, end, path)
        speaker = speaker_text(checked, entry["speaker_id"], at(path, "speaker_id")) if by_speaker else channel
        fragments.append(
            Fragment(
                speaker=speaker,
                text=checked.text(entry, "text", path) or "",
                start=start,
                end=end,
                path=path,
                words=_dashscope_words(checked, entry, path),
            )
        )

    metadata: dict[str, Any] = {}
    properties = doc.get("properties")
    if isinstance(properties, dict):
        duration = checked.ms(properties, "original_duration_in_milliseconds", "properties", required=False)
        if duration is not None:
            metadata["duration_seconds"] = duration
    url = checked.text(doc, "file_url", "", required=False)
    stem = PurePosixPath(unquote(urlparse(url).path)).stem if url else ""
    kind: SpeakerKind = "speaker" if by_speaker else "channel"
    return [
        Recognised(
            format="dashscope",
            fragments=fragments,
            speaker_kind=kind_of(fragments, kind),
            id=stem or None,
            metadata=metadata,
        )
    ]


def _dashscope_words(checked: Checked, sentence: dict, path: str) -> tuple[Word, ...]:
    words = checked.list_of(sentence, "words", path, required=False) or []
    out = []
    for i, value in enumerate(words):
        where = item(at(path, "words"), i)
        entry = checked.obj(value, where, "a word")
        start = checked.ms(entry, "begin_time", where)
        end = checked.ms(entry, "end_time", where)
        checked.span(start, end, where)
        out.append(Word(checked.text(entry, "text", where) or "", start=start, end=end))
    return tuple(out)
