"""Plain-text transcripts: one utterance per line with a speaker prefix (坐席：/客户：/agent: …).

Optional extras: a leading ``[12.5-15.0]`` gives start and end seconds; ``# id: …`` and
``# channel: online`` header lines set the transcript id and channel; other ``#`` lines are comments.
"""

from __future__ import annotations

import re
from typing import Optional

from ..errors import InputError
from .records import Record, transcript_from_dict
from .roles import RoleMap

_LINE = re.compile(
    r"^\s*(?:\[\s*(?P<start>-?\d+(?:\.\d+)?)\s*[-–~]\s*(?P<end>-?\d+(?:\.\d+)?)\s*\]\s*)?"
    r"(?P<speaker>[^:：\s][^:：]{0,19}?)\s*[:：]\s?(?P<text>.*)$"
)
_HEADER = re.compile(r"^#\s*(id|channel)\s*[:：]\s*(.+?)\s*$", re.IGNORECASE)
_UTTERANCE_FIELD = re.compile(r"^utterances\[(\d+)\]")


def parse_text(text: str, source: str, role_map: RoleMap, default_id: str, time_unit: Optional[str] = None) -> Record:
    header: dict[str, str] = {}
    utterances = []
    line_numbers: list[int] = []  # source line of each utterance, for validation errors
    header_lines: dict[str, int] = {}
    # Lines end at "\n" only (as in JSONL and in decode_text's line count): str.splitlines would also
    # break inside an utterance at U+2028, U+0085, form feeds … and shift every later line number.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line[:-1] if line.endswith("\r") else line
        line = line.lstrip("\ufeff")  # a BOM starts the file, or the next file after a `cat`
        if not line.strip():
            continue
        if line.lstrip().startswith("#"):
            found = _HEADER.match(line.strip())
            if found:
                header[found.group(1).lower()] = found.group(2)
                header_lines[found.group(1).lower()] = number
            continue
        match = _LINE.match(line)
        role = role_map.role(match.group("speaker")) if match else None
        if match is None or role is None:
            label = match.group("speaker") if match else line.strip()[:12]
            error = InputError(
                f"expected '<speaker>：<text>' with a known speaker, got {label!r} "
                f"(known: {', '.join(role_map.labels())})",
                source=source,
                line=number,
                field="speaker",
            )
            return Record(source, number, error=error)
        utterance: dict = {"speaker": role, "text": match.group("text")}
        if match.group("start") is not None:
            utterance["start"] = float(match.group("start"))
            utterance["end"] = float(match.group("end"))
        utterances.append(utterance)
        line_numbers.append(number)
    data = {"id": header.get("id", default_id), "channel": header.get("channel", "phone"), "utterances": utterances}
    try:
        return Record(source, None, transcript_from_dict(data, role_map, source=source, time_unit=time_unit))
    except InputError as exc:
        found = _UTTERANCE_FIELD.match(exc.field or "")
        if found and int(found.group(1)) < len(line_numbers):
            error_line: Optional[int] = line_numbers[int(found.group(1))]
        else:
            error_line = header_lines.get(exc.field or "")
        if error_line is not None:
            exc = InputError(exc.problem, source=source, line=error_line, field=exc.field)
        return Record(source, error_line, error=exc)


def decode_text(raw: bytes, source: str) -> Optional[str]:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"invalid UTF-8 at byte {exc.start}", source=source, line=line) from None
