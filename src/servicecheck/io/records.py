"""Turning parsed records (dicts) into validated transcripts, with errors that name line and field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from pydantic import ValidationError

from ..errors import InputError
from ..model import Transcript
from .roles import RoleMap


@dataclass(frozen=True)
class Record:
    """One input record: a transcript, or the error that kept it from being one. Batches never stop."""

    source: Optional[str]  # None for an object read in memory without a name (read_transcript)
    line: Optional[int]
    transcript: Optional[Transcript] = None
    error: Optional[InputError] = None
    id: Optional[str] = None  # of a record that could not be read, when its id could be
    # A JSONL line read but not parsed yet (``iter_records(defer_parsing=True)``): called where the
    # record is checked, in a worker process, it gives the line's records. Then transcript and error
    # are both None.
    unparsed: Optional[Callable[[], list["Record"]]] = None

    def parsed(self) -> list["Record"]:
        """This record, or the records of its line once parsed (one, or several for a recogniser's
        output holding several calls)."""
        return self.unparsed() if self.unparsed is not None else [self]


def record_id(data: object) -> Optional[str]:
    """The ``id`` of a record that failed, if it has a usable one (text or a whole number)."""
    value = data.get("id") if isinstance(data, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value) if value.bit_length() <= 64 else None
    return value if isinstance(value, str) and len(value) <= 1000 else None


def _field(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def transcript_from_dict(
    data: Any,
    role_map: RoleMap,
    *,
    source: Optional[str] = None,
    line: Optional[int] = None,
    default_id: Optional[str] = None,
    time_unit: Optional[str] = None,
) -> Transcript:
    """A transcript in servicecheck's own JSON shape. Speakers go through ``role_map``; a record without
    ``id`` takes ``default_id`` (file name and position); ``time_unit="ms"`` converts times, and without
    it times are seconds and must be plausible as such (see ``check_seconds``)."""
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object, got {type(data).__name__}", source=source, line=line)
    if "id" not in data and default_id is not None:
        data = {**data, "id": default_id}
    utterances = data.get("utterances")
    if isinstance(utterances, list):
        mapped = []
        for i, utterance in enumerate(utterances):
            if isinstance(utterance, dict) and "speaker" in utterance:
                role = role_map.role(utterance["speaker"])
                if role is None:
                    raise InputError(
                        f"unknown speaker {utterance['speaker']!r}: map it to a role "
                        f"(RoleMap({{{str(utterance['speaker'])!r}: 'agent'}}), --role-map "
                        f"{utterance['speaker']}=agent); known: {', '.join(role_map.labels())}",
                        source=source,
                        line=line,
                        field=f"utterances[{i}].speaker",
                    )
                utterance = {**utterance, "speaker": role}
            if time_unit == "ms" and isinstance(utterance, dict):
                utterance = _in_seconds(utterance)
            mapped.append(utterance)
        data = {**data, "utterances": mapped}
    transcript = validated(data, source=source, line=line)
    if time_unit is None:
        check_seconds(transcript, source=source, line=line)
    return transcript


def _in_seconds(utterance: dict) -> dict:
    out = dict(utterance)
    for key in ("start", "end"):
        value = out.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = value / 1000
    return out


MIN_CHARS_PER_SECOND = 0.05  # one character in 20 seconds; people say 3–6 a second
MIN_TIMED_SECONDS = 60.0


def check_seconds(transcript: Transcript, *, source: Optional[str] = None, line: Optional[int] = None) -> None:
    """Refuse times that cannot be seconds: read as seconds, milliseconds make every pause a silence
    of minutes and the speech rate zero. Judged on the characters per second of timed speech."""
    chars = 0
    duration = 0.0
    for utterance in transcript.utterances:
        if utterance.start is not None and utterance.end is not None and utterance.end > utterance.start:
            chars += len(utterance.text)
            duration += utterance.end - utterance.start
    if duration >= MIN_TIMED_SECONDS and chars / duration < MIN_CHARS_PER_SECOND:
        raise InputError(
            f"times do not look like seconds: {chars} characters over {duration:g} seconds of speech "
            "(people say 3 to 6 a second); if they are milliseconds, read with time_unit='ms' "
            "(--time-unit ms); to keep them as they are, time_unit='s'",
            source=source,
            line=line,
            field="utterances",
        )


def validated(data: dict, *, source: Optional[str] = None, line: Optional[int] = None) -> Transcript:
    """``Transcript.model_validate`` with the first problem as an ``InputError`` naming the field."""
    try:
        return Transcript.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise InputError(first["msg"] + more, source=source, line=line, field=_field(tuple(first["loc"]))) from None
