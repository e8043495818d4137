"""Homophone-tolerant matching: phrases compared by pinyin, for ASR errors such as 您号 → 您好.

Each Han character of the normalised text is replaced by one private-use code point standing for its
pinyin syllable (toneless unless a rule asks for tones). The coded text has the same length as the
normalised text, so an Aho-Corasick automaton over coded phrases yields offsets directly.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import unicodedata
from pathlib import Path
from typing import Optional

from .base import Candidate
from .phrases import PhraseIndex

# Syllable codes: the Private Use Area, which the normaliser drops, so never in a matching view. The
# plane's own area (6,400 code points, for some 1,500 syllables with tones) keeps the coded text two
# bytes a character; the supplementary area takes any beyond.
_CODE_BASE = 0xE000
_CODES_IN_PLANE = 0xF900 - 0xE000
_CODE_BASE_BEYOND = 0xF0000
_TONE_MARKS = dict.fromkeys(map(ord, "\u0304\u0301\u030c\u0300"))  # combining macron, acute, caron, grave


def _load_pinyin_dict() -> dict[int, str]:
    """pypinyin's per-character readings, read from its data file WITHOUT importing the package:
    ``import pypinyin`` also loads its phrase dictionary (0.15 s and some 200,000 lists that every
    full garbage collection of the process would then walk), which homophone matching never uses."""
    spec = importlib.util.find_spec("pypinyin")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / "pinyin_dict.json"
        if path.is_file():
            with open(path, encoding="utf-8") as handle:
                return {int(code): readings for code, readings in json.load(handle).items()}
    from pypinyin.pinyin_dict import pinyin_dict  # a layout without the data file: the slow way

    return pinyin_dict


def _toneless(reading: str) -> str:
    """A reading without its tone mark (lǜ → lü, ḿ → m): the same syllable classes as pypinyin's
    ``replace_symbol_to_no_symbol``, without importing pypinyin."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", reading).translate(_TONE_MARKS))


class PinyinTable:
    """Character → syllable code, from pypinyin's per-character dictionary (most common reading)."""

    def __init__(self, tones: bool) -> None:
        self.tones = tones
        self._syllables: dict[str, int] = {}
        self._chars: dict[str, str] = {}
        self._table: dict[int, str] = _CodeTable(self)  # for str.translate; learns new characters
        self._lock = threading.Lock()
        self._dict: Optional[dict[int, str]] = None

    def _pinyin_dict(self) -> dict[int, str]:
        found = self._dict  # read into locals: another thread may set the attribute between the two checks
        if found is None:
            with self._lock:
                found = self._dict
                if found is None:
                    found = self._dict = _load_pinyin_dict()
        return found

    def _syllable(self, char: str) -> Optional[str]:
        readings = self._pinyin_dict().get(ord(char))
        if not readings:
            return None
        reading = readings.split(",")[0]
        return reading if self.tones else _toneless(reading)

    def code(self, char: str) -> str:
        cached = self._chars.get(char)
        if cached is not None:
            return cached
        result = char
        if "\u3400" <= char <= "\U0002ffff":
            syllable = self._syllable(char)
            if syllable:
                with self._lock:
                    number = self._syllables.setdefault(syllable, len(self._syllables))
                result = chr(_CODE_BASE + number if number < _CODES_IN_PLANE else _CODE_BASE_BEYOND + number)
        self._chars[char] = result
        return result

    def encode(self, text: str) -> str:
        """The coded text, same length as ``text`` (one str.translate; a character not seen before is
        coded when translate first asks for it)."""
        return text.translate(self._table)


class _CodeTable(dict):
    """Code point → syllable code for ``str.translate``, filled on demand."""

    def __init__(self, table: PinyinTable) -> None:
        super().__init__()
        self._pinyin = table

    def __missing__(self, code: int) -> str:
        result = self[code] = self._pinyin.code(chr(code))
        return result


class PinyinIndex:
    """Phrases of all pinyin rules, matched on the pinyin-coded normalised text."""

    def __init__(self, tones: bool) -> None:
        self.table = PinyinTable(tones)
        self._phrases = PhraseIndex(method="pinyin")
        self._literals: dict[str, str] = {}

    def add(self, normalised: str, rule: int, pattern: str) -> None:
        self._phrases.add(self.table.encode(normalised), rule, pattern)

    def build(self) -> "PinyinIndex":
        self._phrases.build()
        return self

    def __len__(self) -> int:
        return len(self._phrases)

    def find(self, text: str) -> list[Candidate]:
        if not len(self._phrases):
            return []
        return self._phrases.find(self.table.encode(text))
