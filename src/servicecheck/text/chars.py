"""Character classes used by filters and checks, computed with str.translate tables (C speed)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_punctuation: dict[int, None] = {}  # code points of punctuation, symbols and whitespace → deleted
_known: set[str] = set()


def is_punctuation_or_space(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] in "PSZ"


def strip_punctuation(text: str) -> str:
    """``text`` without punctuation, symbols and whitespace."""
    unknown = set(text).difference(_known)
    for char in unknown:
        if is_punctuation_or_space(char):
            _punctuation[ord(char)] = None
        _known.add(char)
    return text.translate(_punctuation)


def only_punctuation(text: str) -> bool:
    """True when ``text`` has nothing but punctuation, symbols and whitespace. Stops at the first
    other character, so asking about a long prefix is cheap when the answer is no."""
    for char in text:
        if char not in _known:
            strip_punctuation(char)
        if ord(char) not in _punctuation:
            return False
    return True


def content_length(text: str) -> int:
    """Characters that are not punctuation, symbols or whitespace (for speech rates). Cached for
    utterance-sized texts only: the cache lives as long as the process and keeps every text it holds."""
    return _short_content_length(text) if len(text) <= 500 else len(strip_punctuation(text))


@lru_cache(maxsize=65536)
def _short_content_length(text: str) -> int:
    return len(strip_punctuation(text))
