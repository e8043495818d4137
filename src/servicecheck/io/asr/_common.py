"""Checked access to parsed vendor JSON, shared by the readers.

Vendor files arrive truncated, hand-edited or from another API version. Every lookup here checks the type
and raises ``InputError`` naming the format and the JSON path (``Result.Sentences[3].BeginTime``), so a
reader never lets a bare ``KeyError``/``TypeError`` escape and every error says where to look.
"""

from __future__ import annotations

import math
from typing import Any, Optional

from ...errors import InputError
from .fragments import SpeakerKind

_MISSING = object()


def at(path: str, key: str) -> str:
    """``path.key`` (just ``key`` at the top level)."""
    return f"{path}.{key}" if path else key


def item(path: str, index: int) -> str:
    return f"{path}[{index}]"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def is_number(value: Any) -> bool:
    """A JSON number: not a boolean (``True`` is an ``int`` in Python), finite, in float range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


class Checked:
    """Typed getters for one document of one format; errors carry the format name and the source."""

    def __init__(self, fmt: str, source: Optional[str]) -> None:
        self.fmt = fmt
        self.source = source

    def error(self, path: str, problem: str) -> InputError:
        return InputError(f"{self.fmt}: {problem}", source=self.source, field=path or None)

    # containers -----------------------------------------------------------------------------------
    def obj(self, value: Any, path: str, what: str = "") -> dict:
        if not isinstance(value, dict):
            name = what or (path or "the document")
            raise self.error(path, f"{name} must be an object, got {_kind(value)}")
        return value

    def arr(self, value: Any, path: str) -> list:
        if not isinstance(value, list):
            raise self.error(path, f"{path or 'the document'} must be a list, got {_kind(value)}")
        return value

    def get(self, data: dict, key: str, path: str, *, required: bool = True, nullable: bool = False) -> Any:
        """``data[key]``; missing (or null, unless ``nullable``) is an error when ``required``."""
        value = data.get(key, _MISSING)
        if value is _MISSING or (value is None and not nullable):
            if required:
                raise self.error(at(path, key), f"{key} is missing" if value is _MISSING else f"{key} is null")
            return None
        return value

    def list_of(self, data: dict, key: str, path: str, *, required: bool = True) -> Optional[list]:
        value = self.get(data, key, path, required=required)
        return None if value is None else self.arr(value, at(path, key))

    # scalars --------------------------------------------------------------------------------------
    def text(self, data: dict, key: str, path: str, *, required: bool = True) -> Optional[str]:
        value = self.get(data, key, path, required=required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(at(path, key), f"{key} must be text, got {_kind(value)} {_shown(value)}")
        return value

    def number(self, data: dict, key: str, path: str, *, required: bool = True) -> Optional[float]:
        value = self.get(data, key, path, required=required)
        if value is None:
            return None
        if not is_number(value):
            raise self.error(at(path, key), f"{key} must be a number, got {_shown(value)}")
        return float(value)

    def time(self, value: Any, path: str, name: str, unit: str) -> float:
        """A time in ``unit`` ("milliseconds" or "seconds") as float seconds; never negative."""
        if not is_number(value):
            raise self.error(path, f"{name} must be {unit} as a number, got {_shown(value)}")
        if value < 0:
            raise self.error(path, f"{name} must not be negative, got {_shown(value)}")
        return value / 1000 if unit == "milliseconds" else float(value)

    def ms(self, data: dict, key: str, path: str, *, required: bool = True) -> Optional[float]:
        """``data[key]`` in milliseconds, as seconds."""
        value = self.get(data, key, path, required=required)
        return None if value is None else self.time(value, at(path, key), key, "milliseconds")

    def seconds(self, data: dict, key: str, path: str, *, required: bool = True) -> Optional[float]:
        value = self.get(data, key, path, required=required)
        return None if value is None else self.time(value, at(path, key), key, "seconds")

    def span(self, start: Optional[float], end: Optional[float], path: str) -> None:
        """End before start is a broken file, not something to sort out later."""
        if start is not None and end is not None and end < start:
            raise self.error(path, f"ends ({end:g} s) before it starts ({start:g} s)")


def speaker_text(checked: Checked, value: Any, path: str) -> Optional[str]:
    """A vendor speaker/channel id (int or string) as text; null means none."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if is_number(value) and float(value).is_integer():
        return str(int(value))
    raise checked.error(path, f"{path.rsplit('.', 1)[-1]} must be an id (a whole number or text), got {_shown(value)}")


def kind_of(fragments: list, kind: SpeakerKind) -> SpeakerKind:
    """``kind`` when some fragment names a speaker, else "none": the reader found no speakers at all."""
    return kind if any(f.speaker is not None for f in fragments) else "none"
