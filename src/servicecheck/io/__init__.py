"""Readers: files, streams and dicts in, validated transcripts (or per-record errors) out.

Formats: JSON (one transcript or a list), JSONL (one per line, streamed), and plain text with speaker
prefixes. The format comes from the file suffix; standard input (``-``) and unknown suffixes are sniffed.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import BinaryIO, Iterator, Optional, Union

from ..errors import InputError
from ..model import Transcript
from .jsonl import iter_json_document, iter_jsonl
from .records import Record, transcript_from_dict
from .roles import DEFAULT_ROLES, RoleMap
from .text import decode_text, parse_text

__all__ = [
    "DEFAULT_ROLES",
    "Record",
    "RoleMap",
    "iter_records",
    "read_transcript",
    "read_transcripts",
    "transcript_from_dict",
]

PathLike = Union[str, Path]


def _records_from_stream(stream: BinaryIO, source: str, fmt: str, role_map: RoleMap, stem: str) -> Iterator[Record]:
    if fmt == "jsonl":
        yield from iter_jsonl(stream, source, role_map)
    elif fmt == "json":
        yield from iter_json_document(stream, source, role_map)
    else:
        try:
            text = decode_text(stream.read(), source)
        except InputError as exc:
            yield Record(source, exc.line, error=exc)
            return
        yield parse_text(text, source, role_map, stem)


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
    else:
        fmt = "text"
    return fmt, _Prepended(first, rest)


class _Prepended(io.RawIOBase):
    """A binary stream that yields ``first`` and then the rest of ``stream``, line by line."""

    def __init__(self, first: bytes, stream: BinaryIO) -> None:
        self._first: Optional[bytes] = first
        self._stream = stream

    def readable(self) -> bool:
        return True

    def __iter__(self):  # type: ignore[override]
        if self._first:
            yield self._first
        self._first = None
        yield from self._stream

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        head, self._first = self._first or b"", None
        return head + self._stream.read()

    def readline(self, size: int = -1) -> bytes:  # type: ignore[override]
        if self._first:
            if size is None or size < 0 or size >= len(self._first):
                line, self._first = self._first, None
            else:
                line, self._first = self._first[:size], self._first[size:]
            return line
        return self._stream.readline(size)


def _format_of(path: Path) -> Optional[str]:
    suffix = path.suffix.lower()
    return {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".txt": "text"}.get(suffix)


def iter_records(paths: Union[PathLike, list], role_map: Optional[RoleMap] = None) -> Iterator[Record]:
    """Every record of every input, in order: transcripts and error records. Never raises on bad data."""
    role_map = role_map or RoleMap()
    if isinstance(paths, (str, Path)):
        paths = [paths]
    for item in paths:
        if str(item) == "-":
            fmt, stream = _sniff(sys.stdin.buffer)
            yield from _records_from_stream(stream, "<stdin>", fmt, role_map, "stdin")
            continue
        path = Path(item)
        source = str(path)
        try:
            handle = path.open("rb")
        except OSError as exc:
            yield Record(source, None, error=InputError(f"cannot open: {exc.strerror or exc}", source=source))
            continue
        with handle:
            fmt = _format_of(path)
            stream: BinaryIO = handle
            if fmt is None:
                fmt, stream = _sniff(handle)
            yield from _records_from_stream(stream, source, fmt, role_map, path.stem)


def read_transcripts(paths: Union[PathLike, list], role_map: Optional[RoleMap] = None) -> Iterator[Transcript]:
    """Like ``iter_records`` but raises the first ``InputError`` (for callers that want all or nothing)."""
    for record in iter_records(paths, role_map):
        if record.error is not None:
            raise record.error
        assert record.transcript is not None
        yield record.transcript


def read_transcript(path: PathLike, role_map: Optional[RoleMap] = None) -> Transcript:
    """Exactly one transcript from a file."""
    transcripts = list(read_transcripts(path, role_map))
    if len(transcripts) != 1:
        raise InputError(f"expected one transcript, found {len(transcripts)}", source=str(path))
    return transcripts[0]
