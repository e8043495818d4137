"""Homophone-tolerant matching: phrases compared by pinyin, for ASR errors such as 您号 → 您好.

Each Han character of the normalised text is replaced by one private-use code point standing for its
pinyin syllable (toneless unless a rule asks for tones). The coded text has the same length as the
normalised text, so an Aho-Corasick automaton over coded phrases yields offsets directly.
"""

from __future__ import annotations

import threading
from typing import Optional

from .base import Candidate
from .phrases import PhraseIndex

_CODE_BASE = 0xF0000  # Supplementary Private Use Area-A: never in real transcripts' matching view


class PinyinTable:
    """Character → syllable code, from pypinyin's per-character dictionary (most common reading)."""

    def __init__(self, tones: bool) -> None:
        self.tones = tones
        self._syllables: dict[str, int] = {}
        self._chars: dict[str, str] = {}
        self._table: dict[int, str] = {}
        self._lock = threading.Lock()
        self._dict: Optional[dict[int, str]] = None

    def _pinyin_dict(self) -> dict[int, str]:
        if self._dict is None:
            with self._lock:
                if self._dict is None:
                    from pypinyin.pinyin_dict import pinyin_dict  # deferred: 0.1 s to import

                    self._dict = pinyin_dict
        return self._dict

    def _syllable(self, char: str) -> Optional[str]:
        readings = self._pinyin_dict().get(ord(char))
        if not readings:
            return None
        reading = readings.split(",")[0]
        if self.tones:
            return reading
        from pypinyin.style._utils import replace_symbol_to_no_symbol

        return replace_symbol_to_no_symbol(reading)

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
                result = chr(_CODE_BASE + number)
        self._chars[char] = result
        return result

    def encode(self, text: str) -> str:
        """The coded text, same length as ``text`` (str.translate over a table filled on demand)."""
        for char in set(text).difference(self._chars):
            self._table[ord(char)] = self.code(char)
        return text.translate(self._table)


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
