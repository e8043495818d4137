"""Which recogniser wrote a file, judged by keys only that one vendor uses.

A wrong guess would read a file with the wrong reader and report nonsense, so detection answers None
when nothing distinctive is there or when two formats' marks are both present; the caller then asks for
the format by name and ``describe_json`` says what the file looked like.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Optional

from ...errors import InputError
from .aliyun import read_aliyun, read_dashscope
from .fragments import Recognised
from .funasr import read_funasr
from .subtitles import read_srt, read_vtt
from .tencent import read_tencent
from .whisper import read_whisper

READERS: dict[str, Callable[[object, Optional[str]], list[Recognised]]] = {
    "funasr": read_funasr,
    "aliyun": read_aliyun,
    "dashscope": read_dashscope,
    "tencent": read_tencent,
    "whisper": read_whisper,
}
TEXT_READERS: dict[str, Callable[[str, str], list[Recognised]]] = {"vtt": read_vtt, "srt": read_srt}

EXPECTED = (
    "FunASR (sentence_info or stamp_sents), Aliyun (Result.Sentences, StatusText), DashScope (transcripts "
    "with sentences), Tencent (Response.Data.ResultDetail, StatusStr), Whisper/WhisperX (segments with "
    "start), servicecheck JSON (utterances)"
)

_SRT_TIMING = re.compile(r"^\s*\d+:\d{1,2}:\d{1,2}[,.]\d{1,3}\s*-->\s*\d+:\d{1,2}:\d{1,2}[,.]\d{1,3}")


def _marks(data: dict) -> set[str]:
    """Every format whose distinctive keys ``data`` has."""
    found = set()
    if "sentence_info" in data or "stamp_sents" in data:
        found.add("funasr")
    elif isinstance(data.get("key"), str) and isinstance(data.get("timestamp"), list) and "text" in data:
        found.add("funasr")  # a result without clauses: the reader explains how to get them
    result = data.get("Result")
    if (isinstance(result, dict) and "Sentences" in result) or "StatusText" in data or "BizDuration" in data:
        found.add("aliyun")
    legacy = data.get("result")
    if "status_text" in data or (
        isinstance(legacy, list) and legacy and isinstance(legacy[0], dict) and "channel_id" in legacy[0]
    ):
        found.add("aliyun")
    transcripts = data.get("transcripts")
    if isinstance(transcripts, list) and any(isinstance(t, dict) and "sentences" in t for t in transcripts):
        found.add("dashscope")
    response = data.get("Response")
    if isinstance(response, dict) and ("Data" in response or "Error" in response):
        found.add("tencent")
    for body in (data, data.get("Data")):  # the bare Data of a callback, or the SDK's {"Data": ...}
        if isinstance(body, dict) and ("ResultDetail" in body or "StatusStr" in body or "AudioDuration" in body):
            found.add("tencent")
    segments = data.get("segments")
    if isinstance(segments, list) and segments and all(isinstance(s, dict) and "start" in s for s in segments):
        found.add("whisper")
    elif isinstance(segments, list) and not segments and "language" in data:
        found.add("whisper")  # a silent recording
    if "utterances" in data:
        found.add("json")
    return found


def detect_json(data: object) -> Optional[str]:
    """ "funasr", "aliyun", "dashscope", "tencent", "whisper", "json" (servicecheck's own) or None."""
    if isinstance(data, list):
        if not data or not all(isinstance(entry, dict) for entry in data):
            return None
        kinds = set.union(*(_marks(entry) for entry in data))
        return kinds.pop() if kinds in ({"funasr"}, {"json"}) else None  # only these two come as lists
    if isinstance(data, dict):
        kinds = _marks(data)
        return kinds.pop() if len(kinds) == 1 else None
    return None


def detect_text(text: str) -> Optional[str]:
    """ "vtt", "srt" or None, from the first lines of a subtitle file."""
    text = text.lstrip("\ufeff")
    if re.match(r"WEBVTT(?:[ \t\r\n]|$)", text):
        return "vtt"
    lines = text.replace("\r\n", "\n").lstrip("\n").split("\n", 2)
    if len(lines) >= 2 and lines[0].strip().isdigit() and _SRT_TIMING.match(lines[1]):
        return "srt"
    return None


def describe_json(data: object) -> str:
    """What the top level looks like, for 'not a recognised format: …' messages."""

    def keys(entry: dict) -> str:
        names = [str(k) for k in list(entry)[:8]]
        return ", ".join(names) + (", …" if len(entry) > 8 else "") if names else "none"

    if isinstance(data, dict):
        return f"top-level keys {keys(data)}"
    if isinstance(data, list):
        if not data:
            return "an empty list"
        first = data[0]
        inside = f"has keys {keys(first)}" if isinstance(first, dict) else f"is a {type(first).__name__}"
        return f"a list of {len(data)}, the first of which {inside}"
    return f"a JSON {type(data).__name__ if data is not None else 'null'}, not an object"


def unrecognised(data: object, source: Optional[str]) -> InputError:
    """The error for a JSON file no reader claims."""
    return InputError(f"not a recognised format: {describe_json(data)}; expected one of {EXPECTED}", source=source)


def load_json(text: str, source: str) -> object:
    """Parse a vendor JSON file; broken (for example truncated) JSON is an InputError with its line."""
    try:
        return json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", source=source, line=exc.lineno) from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply", source=source) from None
