"""Readers: files, streams and objects in, validated transcripts (or per-record errors) out.

Formats (docs/inputs.md): servicecheck's own JSON (one transcript or a list) and JSONL (one per line,
streamed), plain text with speaker prefixes, and what speech recognisers write: FunASR, Alibaba Cloud
(ISI file transcription, DashScope Paraformer), Tencent Cloud ASR, Whisper / WhisperX, WebVTT and SRT.
``format="auto"`` tells them apart by suffix and content where that is unambiguous, and refuses with a
message naming what it saw where it is not.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Mapping, Optional, Union, cast

from ..errors import InputError
from ..model import Transcript
from .asr.assemble import ReadOptions, assemble
from .convert import FORMATS, RECOGNISER_FORMATS, Converter
from .jsonl import iter_json_document, iter_jsonl
from .records import Record, transcript_from_dict
from .roles import DEFAULT_ROLES, RoleMap, parse_role_map
from .text import decode_text, parse_text

__all__ = [
    "DEFAULT_ROLES",
    "FORMATS",
    "ReadOptions",
    "Record",
    "RoleMap",
    "iter_records",
    "parse_role_map",
    "read_transcript",
    "read_transcripts",
    "transcript_from_dict",
]

PathLike = Union[str, Path]


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError(f"unknown input format {fmt!r}; use one of {', '.join(FORMATS)}")


def _records_from_stream(
    stream: BinaryIO,
    source: str,
    fmt: str,
    options: ReadOptions,
    stem: str,
    requested: str = "auto",
    defer_parsing: bool = False,
) -> Iterator[Record]:
    """``fmt``: how the stream is laid out (json, jsonl, text, vtt, srt); ``requested``: the format the
    caller named, or auto."""
    convert = Converter(requested, options, source, stem)
    if fmt == "jsonl":
        yield from iter_jsonl(stream, source, convert, defer=defer_parsing)
    elif fmt == "json":
        yield from iter_json_document(stream, source, convert)
    else:
        try:
            text = decode_text(stream.read(), source)
        except InputError as exc:
            yield Record(source, exc.line, error=exc)
            return
        assert text is not None
        if fmt == "text":
            yield parse_text(text, source, options.role_map, stem, options.time_unit)
            return
        from .asr.subtitles import read_srt, read_vtt

        try:
            calls = (read_vtt if fmt == "vtt" else read_srt)(text, source)
            for i, call in enumerate(calls):
                default_id = stem if len(calls) == 1 else f"{stem}-{i + 1}"
                yield Record(source, None, assemble(call, options, source=source, default_id=default_id))
        except InputError as exc:
            yield Record(source, exc.line, error=exc)


_SNIFF_BYTES = 4 << 20


def _sniff(stream: BinaryIO) -> tuple[str, BinaryIO]:
    """Guess the format from the first line; returns a stream that still starts at the beginning."""
    first = stream.readline(_SNIFF_BYTES)
    rest = stream
    head = first.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        fmt = "json"
    elif head.startswith(b"{") and len(first) >= _SNIFF_BYTES and not first.endswith(b"\n"):
        fmt = "jsonl"  # a first line longer than the sniffing window: one (large) record per line
    elif head.startswith(b"{"):
        import json

        try:
            json.loads(first.decode("utf-8-sig"))
            fmt = "jsonl"
        except json.JSONDecodeError as exc:
            # An error at the very end of the line: the line is the start of an object spread over several
            # lines. An error inside it: a bad first record of a JSONL stream, read on record by record.
            fmt = "json" if exc.pos >= len(exc.doc.rstrip()) else "jsonl"
        except (ValueError, UnicodeDecodeError):
            fmt = "json"
        except RecursionError:
            fmt = "jsonl"  # one record nested too deeply: reported as that line's error
    elif head.startswith(b"WEBVTT"):
        fmt = "vtt"
    elif head.strip().isdigit():
        fmt = "srt"  # a cue number: never a line of a text transcript, which starts with a speaker
    else:
        fmt = "text"
    # A RawIOBase is no BinaryIO to typeshed, but it has all the readers use: read, readline, iteration.
    return fmt, cast(BinaryIO, _Prepended(first, rest))


class _Prepended(io.RawIOBase):
    """A binary stream that yields ``first`` and then the rest of ``stream``, line by line."""

    def __init__(self, first: bytes, stream: BinaryIO) -> None:
        self._first: Optional[bytes] = first
        self._stream = stream

    def readable(self) -> bool:
        return True

    def __iter__(self):
        if self._first:
            yield self._first
        self._first = None
        yield from self._stream

    def read(self, size: int = -1) -> bytes:
        head, self._first = self._first or b"", None
        return head + self._stream.read()

    def readline(self, size: Optional[int] = -1) -> bytes:
        if self._first:
            if size is None or size < 0 or size >= len(self._first):
                line, self._first = self._first, None
            else:
                line, self._first = self._first[:size], self._first[size:]
            return line
        return self._stream.readline(-1 if size is None else size)


_SUFFIX_LAYOUT = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".txt": "text", ".vtt": "vtt", ".srt": "srt"}
_REQUESTED_LAYOUT = {"json": "json", "jsonl": "jsonl", "text": "text", "vtt": "vtt", "srt": "srt"}


def _layout(path: Optional[Path], requested: str) -> Optional[str]:
    """How a file is laid out: from the format asked for, else its suffix; None: sniff the content.
    Recogniser formats are JSON documents, unless the suffix says JSONL (one result per line)."""
    suffix = _SUFFIX_LAYOUT.get(path.suffix.lower()) if path is not None else None
    if requested in _REQUESTED_LAYOUT:
        return _REQUESTED_LAYOUT[requested]
    if requested in RECOGNISER_FORMATS:
        return "jsonl" if suffix == "jsonl" else "json"
    return suffix


def _options(
    role_map: Union[RoleMap, Mapping[Any, str], None], options: Optional[ReadOptions], **settings: Any
) -> ReadOptions:
    if options is None:
        options = ReadOptions()
    if role_map is not None:
        roles = role_map if isinstance(role_map, RoleMap) else options.role_map.with_roles(role_map)
        options = _replace(options, role_map=roles)
    given = {k: v for k, v in settings.items() if v is not None}
    return _replace(options, **given) if given else options


def _replace(options: ReadOptions, **changes: Any) -> ReadOptions:
    from dataclasses import replace

    return replace(options, **changes)


def iter_records(
    paths: Union[PathLike, list],
    role_map: Union[RoleMap, Mapping[Any, str], None] = None,
    *,
    format: str = "auto",
    options: Optional[ReadOptions] = None,
    defer_parsing: bool = False,
) -> Iterator[Record]:
    """Every record of every input, in order: transcripts and error records. Never raises on bad data.

    ``format``: one of ``FORMATS``; ``auto`` decides by suffix and content. ``role_map`` maps speaker
    labels or recogniser channel / speaker ids to roles (a ``RoleMap`` or a dict such as
    ``{0: "agent", 1: "customer"}``); ``options`` carries the rest (``ReadOptions``).

    ``defer_parsing``: JSONL lines come out unparsed (``Record.unparsed``; ``Record.parsed()`` gives
    their records) for ``check_many(workers=N)``, which then parses them in its worker processes
    instead of in this one. The results are the same."""
    _check_format(format)
    options = _options(role_map, options)
    if isinstance(paths, (str, Path)):
        paths = [paths]
    for item in paths:
        if str(item) == "-":
            layout = _layout(None, format)
            stream: BinaryIO = sys.stdin.buffer
            if layout is None:
                layout, stream = _sniff(stream)
            yield from _records_from_stream(stream, "<stdin>", layout, options, "stdin", format, defer_parsing)
            continue
        path = Path(item)
        source = str(path)
        try:
            handle = path.open("rb")
        except OSError as exc:
            yield Record(source, None, error=InputError(f"cannot open: {exc.strerror or exc}", source=source))
            continue
        with handle:
            layout = _layout(path, format)
            stream = handle
            if layout is None:
                layout, stream = _sniff(handle)
            elif layout == "text" and format == "auto":
                sniffed, stream = _sniff(handle)  # a .txt file may hold subtitles
                layout = sniffed if sniffed in ("vtt", "srt") else "text"
            yield from _records_from_stream(stream, source, layout, options, path.stem, format, defer_parsing)


def read_transcripts(
    paths: Union[PathLike, list],
    role_map: Union[RoleMap, Mapping[Any, str], None] = None,
    *,
    format: str = "auto",
    options: Optional[ReadOptions] = None,
) -> Iterator[Transcript]:
    """Like ``iter_records`` but raises the first ``InputError`` (for callers that want all or nothing)."""
    for record in iter_records(paths, role_map, format=format, options=options):
        if record.error is not None:
            raise record.error
        assert record.transcript is not None
        yield record.transcript


def read_transcript(
    path_or_obj: Union[PathLike, dict, list],
    role_map: Union[RoleMap, Mapping[Any, str], None] = None,
    *,
    format: str = "auto",
    options: Optional[ReadOptions] = None,
    merge: Optional[bool] = None,
    merge_gap: Optional[float] = None,
    time_unit: Optional[str] = None,
    source: Optional[str] = None,
    default_id: Optional[str] = None,
) -> Transcript:
    """Exactly one transcript, from a file or from an object already in memory (what ``json.load``
    or a recogniser's Python API returned, such as FunASR's ``model.generate(...)`` list).

    ``format``: one of ``FORMATS`` (auto by default); ``role_map``: ``{channel or speaker id: role}``;
    ``merge``/``merge_gap``: clause merging (see docs/inputs.md); ``time_unit``: "ms" for servicecheck
    JSON written in milliseconds; ``default_id``: the id of an object without one (a file's records
    are named after the file and their position). Raises ``InputError`` naming the file and field."""
    _check_format(format)
    if time_unit not in (None, "s", "ms"):
        raise InputError(f"time_unit {time_unit!r}: use 's' or 'ms'")
    options = _options(role_map, options, merge=merge, merge_gap=merge_gap, time_unit=time_unit)
    if isinstance(path_or_obj, (dict, list)):
        where = source
        if format in ("vtt", "srt", "text"):
            raise InputError(
                f"format {format!r} is read from text, not from a {type(path_or_obj).__name__}", source=where
            )
        records = list(Converter(format, options, where, default_id or source or "transcript")(path_or_obj, None))
    else:
        records = list(iter_records(path_or_obj, format=format, options=options))
        where = str(path_or_obj)
    for record in records:
        if record.error is not None:
            raise record.error
    if len(records) != 1:
        raise InputError(f"expected one transcript, found {len(records)}", source=where)
    assert records[0].transcript is not None
    return records[0].transcript
