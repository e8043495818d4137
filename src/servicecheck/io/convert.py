"""Parsed JSON documents into records: servicecheck's own JSON, or a recogniser's output through its
reader and ``assemble``, in the format the caller named or the one detected."""

from __future__ import annotations

from typing import Iterator, Optional

from ..errors import InputError
from .asr.assemble import ReadOptions, assemble
from .records import Record, record_id, transcript_from_dict

RECOGNISER_FORMATS = ("funasr", "aliyun", "dashscope", "tencent", "whisper")
FORMATS = ("auto", *RECOGNISER_FORMATS, "vtt", "srt", "json", "jsonl", "text")


class Converter:
    """Makes records of parsed JSON documents, in the format asked for or the one detected."""

    def __init__(self, requested: str, options: ReadOptions, source: Optional[str], stem: str) -> None:
        self.requested = requested
        self.options = options
        self.source = source
        self.stem = stem

    def __call__(self, data: object, line: Optional[int]) -> Iterator[Record]:
        fmt = self.requested
        # Recogniser outputs are objects (FunASR's a list of them); a JSONL line that is neither is
        # reported as the record it should have been.
        recogniser_shaped = isinstance(data, dict) or (isinstance(data, list) and line is None)
        if fmt in ("auto", "jsonl") and recogniser_shaped and not _is_own(data):
            from .asr.detect import describe_json, detect_json

            detected = detect_json(data)
            if detected is None:
                error = InputError(
                    f"not a format servicecheck recognises ({describe_json(data)}); expected servicecheck "
                    f'JSON ({{"id", "utterances": [...]}}) or a recogniser\'s output '
                    f"({', '.join(RECOGNISER_FORMATS)}): name it with --input-format / format=",
                    source=self.source,
                    line=line,
                )
                yield Record(self.source, line, error=error)
                return
            fmt = detected
        if fmt in ("auto", "json", "jsonl"):
            yield from self._own(data, line)
        else:
            yield from self._recognised(fmt, data, line)

    def _default_id(self, line: Optional[int], position: Optional[int]) -> str:
        if line is not None:
            return f"{self.stem}-{line}"
        return self.stem if position is None else f"{self.stem}-{position + 1}"

    def _own(self, data: object, line: Optional[int]) -> Iterator[Record]:
        items = data if isinstance(data, list) and line is None else [data]
        listed = isinstance(data, list) and line is None
        for i, item in enumerate(items):
            try:
                transcript = transcript_from_dict(
                    item,
                    self.options.role_map,
                    source=self.source,
                    line=line,
                    default_id=self._default_id(line, i if listed else None),
                    time_unit=self.options.time_unit,
                )
            except InputError as exc:
                if listed:
                    exc = InputError(
                        exc.problem, source=self.source, field=f"[{i}]" + ("." + exc.field if exc.field else "")
                    )
                yield Record(self.source, line, error=exc, id=record_id(item))
                continue
            yield Record(self.source, line, transcript)

    def _recognised(self, fmt: str, data: object, line: Optional[int]) -> Iterator[Record]:
        from .asr.detect import READERS

        try:
            calls = READERS[fmt](data, self.source)
        except InputError as exc:
            yield Record(self.source, line, error=_at_line(exc, line))
            return
        for i, call in enumerate(calls):
            default_id = self._default_id(line, i if len(calls) > 1 else None)
            try:
                yield Record(self.source, line, assemble(call, self.options, source=self.source, default_id=default_id))
            except InputError as exc:
                yield Record(self.source, line, error=_at_line(exc, line), id=call.id)


def _is_own(data: object) -> bool:
    """servicecheck's own JSON: an object with ``utterances`` or an ``id`` (no recogniser writes one at
    the top level), or a list whose first item is one. Such a record that is incomplete is reported
    field by field; anything else that is not a recogniser's output is reported as unrecognised."""
    first = data[0] if isinstance(data, list) and data else data
    return isinstance(first, dict) and ("utterances" in first or "id" in first)


def _at_line(exc: InputError, line: Optional[int]) -> InputError:
    if line is None or exc.line is not None:
        return exc
    return InputError(exc.problem, source=exc.source, line=line, field=exc.field)
