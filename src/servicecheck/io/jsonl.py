"""JSON and JSONL documents, read as a stream: each document (a line, or a whole .json file) is handed
to a converter that makes records of it (servicecheck's own JSON, or a recogniser's output)."""

from __future__ import annotations

import json
from functools import partial
from typing import BinaryIO, Callable, Iterator, Optional

from ..errors import InputError
from .records import Record

# (parsed document, line it starts on or None for a whole file) -> its records
Convert = Callable[[object, Optional[int]], Iterator[Record]]

MAX_LINE_BYTES = 64 << 20  # one JSONL record; larger lines become an error row, not a memory spike


def _decode(raw: bytes, source: str, line: int) -> str:
    """One JSON document (a JSONL line, or a whole .json file starting at ``line``) as text. A BOM in
    front of it is dropped wherever it is: files joined with ``cat`` keep theirs mid-stream."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = line + raw.count(b"\n", 0, exc.start)  # a .json file spans many lines
        raise InputError(f"invalid UTF-8 at byte {exc.start}", source=source, line=where) from None
    return text.lstrip("\ufeff")


def _parse(text: str, source: str, line: int) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc.msg} (column {exc.colno})", source=source, line=line + exc.lineno - 1
        ) from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply", source=source, line=line) from None


def _bounded_lines(stream: BinaryIO, limit: int) -> Iterator[tuple[bytes, bool]]:
    """Lines of at most ``limit`` bytes, and whether the line was longer (its rest is skipped in
    chunks, never held in memory)."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line, False
            continue
        while line and not line.endswith(b"\n"):
            line = stream.readline(1 << 20)
        yield b"", True


def iter_jsonl(stream: BinaryIO, source: str, convert: Convert, defer: bool = False) -> Iterator[Record]:
    """One document per non-blank line; a bad line becomes an error record and reading goes on.

    With ``defer``, each line is handed on unparsed (``Record.unparsed``): a batch on several processes
    then parses in its workers, and the reading process only splits lines."""
    for number, (raw, too_long) in enumerate(_bounded_lines(stream, MAX_LINE_BYTES), start=1):
        if not too_long and not raw.strip():
            continue
        if too_long:
            error = InputError(f"record longer than {MAX_LINE_BYTES} bytes", source=source, line=number)
            yield Record(source, number, error=error)
        elif defer:
            yield Record(source, number, unparsed=partial(parse_line, raw, source, number, convert))
        else:
            yield from parse_line(raw, source, number, convert)


def parse_line(raw: bytes, source: str, number: int, convert: Convert) -> list[Record]:
    """The records of one JSONL line (its error record if it is not a document)."""
    try:
        # Without its line break: JSON cut short would otherwise be reported on the next line.
        data = _parse(_decode(raw, source, number).rstrip("\r\n"), source, number)
    except InputError as exc:
        return [Record(source, number, error=exc)]
    return list(convert(data, number))


def iter_json_document(stream: BinaryIO, source: str, convert: Convert) -> Iterator[Record]:
    """A .json file: one document (a transcript, a list of them, or a recogniser's output)."""
    raw = stream.read()
    try:
        data = _parse(_decode(raw, source, 1), source, 1)
    except InputError as exc:
        yield Record(source, exc.line, error=exc)
        return
    yield from convert(data, None)
