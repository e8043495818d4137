"""Turning parsed records (dicts) into validated transcripts, with errors that name line and field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from pydantic import ValidationError

from ..errors import InputError
from ..model import Transcript
from .roles import RoleMap


@dataclass(frozen=True)
class Record:
    """One input record: a transcript, or the error that kept it from being one. Batches never stop."""

    source: str
    line: Optional[int]
    transcript: Optional[Transcript] = None
    error: Optional[InputError] = None


def _field(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def transcript_from_dict(
    data: Any, role_map: RoleMap, *, source: Optional[str] = None, line: Optional[int] = None
) -> Transcript:
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object, got {type(data).__name__}", source=source, line=line)
    utterances = data.get("utterances")
    if isinstance(utterances, list):
        mapped = []
        for i, utterance in enumerate(utterances):
            if isinstance(utterance, dict) and "speaker" in utterance:
                role = role_map.role(utterance["speaker"])
                if role is None:
                    raise InputError(
                        f"unknown speaker {utterance['speaker']!r} (known: {', '.join(role_map.labels())})",
                        source=source,
                        line=line,
                        field=f"utterances[{i}].speaker",
                    )
                utterance = {**utterance, "speaker": role}
            mapped.append(utterance)
        data = {**data, "utterances": mapped}
    try:
        return Transcript.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise InputError(first["msg"] + more, source=source, line=line, field=_field(tuple(first["loc"]))) from None
