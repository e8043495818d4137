"""WebVTT and SRT subtitles: one fragment per cue (per speaker, when a cue holds two), times in seconds.

Subtitles carry speakers only by convention: WebVTT voice spans (``<v 坐席>``) and, in SRT, a short name
before a colon (``客户：``). Styling tags are dropped, since checks match words, not markup. A timing line
that cannot be read is an error with its line number: skipping it would shift every later cue.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Optional

from ...errors import InputError
from ._common import kind_of
from .fragments import Fragment, Recognised

_VTT_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})\.(\d{3})"
_VTT_TIMING = re.compile(rf"^\s*{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t]+.*)?$")
_SRT_TIME = r"(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})"
_SRT_TIMING = re.compile(rf"^\s*{_SRT_TIME}[ \t]*-->[ \t]*{_SRT_TIME}(?:[ \t]+.*)?$")
_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")
_SKIPPED_BLOCK = re.compile(r"^(?:NOTE|STYLE|REGION)(?:[ \t].*)?$")
_TAG = re.compile(r"<[^>]*>")
_VOICE = re.compile(r"^<v(?:\.[^\s>]*)?(?:[ \t]+([^>]*))?>$")
_ASS_TAG = re.compile(r"\{\\[^}]*\}")  # {\an8} positioning codes some SRT writers add
# "坐席：", "Speaker 1:", "[SPEAKER_00]:": a short name, without sentence punctuation, then a colon.
_PREFIX = re.compile(
    r"^\s*(?:\[(?P<bracket>[^\[\]]{1,16})\]|(?P<name>[^\s:：\[\]][^:：]{0,15}?))\s*[:：]\s*(?P<rest>.*)$"
)
_NOT_IN_NAME = set("，。！？；、,.!?;…\"“”'‘’()（）《》<>/\\")


def _lines(text: str) -> list[str]:
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _blocks(lines: list[str]) -> Iterator[list[tuple[int, str]]]:
    """Runs of non-blank lines, each line with its 1-based number."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            block.append((number, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _seconds(parts: tuple, fmt: str, number: int, source: str, line: str) -> float:
    hours, minutes, seconds, fraction = parts
    if int(minutes) >= 60 or int(seconds) >= 60:
        raise InputError(
            f"{fmt}: minutes and seconds must be below 60 in {line.strip()!r:.60}", source=source, line=number
        )
    return round(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + float("0." + fraction), 3)


def _timing(pattern: re.Pattern, fmt: str, expected: str, number: int, line: str, source: str) -> tuple[float, float]:
    found = pattern.match(line)
    if found is None:
        raise InputError(
            f"{fmt}: malformed cue timing {line.strip()!r:.60}: expected '{expected}'", source=source, line=number
        )
    start = _seconds(found.groups()[:4], fmt, number, source, line)
    end = _seconds(found.groups()[4:], fmt, number, source, line)
    if end < start:
        raise InputError(f"{fmt}: the cue ends ({end:g} s) before it starts ({start:g} s)", source=source, line=number)
    return start, end


def _join(lines: list[str]) -> str:
    """Payload lines as one text: Chinese lines run together, Latin words keep a space between them."""
    out = ""
    for line in (part.strip() for part in lines):
        if out and line and out[-1].isascii() and line[0].isascii():
            out += " "
        out += line
    return out


def _cue(speaker: Optional[str], lines: list[str], start: float, end: float, number: int) -> Optional[Fragment]:
    text = _join(lines)
    if not text:
        return None
    return Fragment(speaker=speaker, text=text, start=start, end=end, path=f"line {number}")


def _recognised(fmt: str, fragments: list[Fragment]) -> list[Recognised]:
    return [Recognised(format=fmt, fragments=fragments, speaker_kind=kind_of(fragments, "name"))]


# WebVTT -------------------------------------------------------------------------------------------------


def _voices(payload: str) -> list[tuple[Optional[str], str]]:
    """Cue text split at voice spans: (speaker name or None, text without tags, entities unescaped)."""
    runs: list[tuple[Optional[str], str]] = []
    voice: Optional[str] = None
    position = 0
    for tag in _TAG.finditer(payload):
        runs.append((voice, payload[position : tag.start()]))
        position = tag.end()
        found = _VOICE.match(tag.group())
        if found:
            voice = (found.group(1) or "").strip() or None
        elif tag.group() == "</v>":
            voice = None
    runs.append((voice, payload[position:]))
    merged: list[tuple[Optional[str], str]] = []
    for speaker, text in runs:
        if merged and merged[-1][0] == speaker:
            merged[-1] = (speaker, merged[-1][1] + text)
        elif text.strip():
            merged.append((speaker, text))
    return [(speaker, html.unescape(text)) for speaker, text in merged]


def read_vtt(text: str, source: str) -> list[Recognised]:
    """One call from a WebVTT file; ``<v Name>`` gives the speaker."""
    lines = _lines(text)
    if not _HEADER.match(lines[0]):
        raise InputError("vtt: a WebVTT file must start with 'WEBVTT'", source=source, line=1)
    fragments: list[Fragment] = []
    for index, block in enumerate(_blocks(lines)):
        if index == 0:  # the header, possibly with cues glued to it (no blank line)
            block = [entry for k, entry in enumerate(block) if any("-->" in e[1] for e in block[: k + 1])]
        if not block or _SKIPPED_BLOCK.match(block[0][1]):
            continue
        if "-->" not in block[0][1] and (len(block) < 2 or "-->" not in block[1][1]):
            raise InputError(
                "vtt: expected a cue: an optional identifier, then '[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt'",
                source=source,
                line=block[0][0],
            )
        cue: Optional[tuple[int, float, float]] = None
        payload: list[str] = []
        for number, line in block:
            if "-->" in line:
                fragments.extend(_vtt_cue(cue, payload))
                start, end = _timing(_VTT_TIMING, "vtt", "[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt", number, line, source)
                cue, payload = (number, start, end), []
            elif cue is not None:
                payload.append(line)
        fragments.extend(_vtt_cue(cue, payload))
    return _recognised("vtt", fragments)


def _vtt_cue(cue: Optional[tuple[int, float, float]], payload: list[str]) -> list[Fragment]:
    if cue is None:
        return []
    number, start, end = cue
    found = (_cue(speaker, text.split("\n"), start, end, number) for speaker, text in _voices("\n".join(payload)))
    return [fragment for fragment in found if fragment is not None]


# SRT ----------------------------------------------------------------------------------------------------


def speaker_prefix(line: str) -> tuple[Optional[str], str]:
    """("坐席", "您好") from "坐席：您好"; (None, line) when the line starts with no speaker name."""
    found = _PREFIX.match(line)
    if found is None:
        return None, line
    name = (found.group("bracket") or found.group("name") or "").strip()
    rest = found.group("rest")
    if not name or name.isdigit() or _NOT_IN_NAME & set(name) or rest.startswith("//"):
        return None, line
    return name, rest


def read_srt(text: str, source: str) -> list[Recognised]:
    """One call from an SRT file; a ``名字：`` prefix on a line gives the speaker."""
    fragments: list[Fragment] = []
    for block in _blocks(_lines(text)):
        if block[0][1].strip().isdigit() and len(block) > 1:
            block = block[1:]  # the cue number: the next line must be its timing
        elif "-->" not in block[0][1]:
            if fragments:  # a blank line inside a cue's text: the text goes on
                last = fragments[-1]
                more = _join([last.text] + [_ASS_TAG.sub("", _TAG.sub("", entry)) for _, entry in block])
                fragments[-1] = Fragment(last.speaker, more, last.start, last.end, last.path)
                continue
            raise InputError(
                "srt: expected a cue number, then 'HH:MM:SS,mmm --> HH:MM:SS,mmm'", source=source, line=block[0][0]
            )
        number, line = block[0]
        start, end = _timing(_SRT_TIMING, "srt", "HH:MM:SS,mmm --> HH:MM:SS,mmm", number, line, source)
        speaker: Optional[str] = None
        lines: list[str] = []
        for _, entry in block[1:]:
            name, rest = speaker_prefix(_ASS_TAG.sub("", _TAG.sub("", entry)))
            if name is not None and name != speaker and lines:
                fragment = _cue(speaker, lines, start, end, number)
                fragments.extend([fragment] if fragment else [])
                lines = []
            speaker = name if name is not None else speaker
            lines.append(rest)
        fragment = _cue(speaker, lines, start, end, number)
        fragments.extend([fragment] if fragment else [])
    return _recognised("srt", fragments)
