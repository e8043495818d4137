"""Character classes used by filters and checks: regex ranges and str.translate tables (C speed)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterable

_punctuation: dict[int, None] = {}  # code points of punctuation, symbols and whitespace → deleted
_known: set[str] = set()


def char_class(chars: Iterable[str]) -> "re.Pattern[str]":
    """A compiled regex matching any one of ``chars`` (at least one): a search for it runs in C, where
    testing the characters of a text one by one would make a string object of each."""
    return re.compile("[" + "".join(re.escape(char) for char in sorted(chars)) + "]")


def is_punctuation_or_space(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] in "PSZ"


def _strip_by_table(text: str) -> str:
    """``text`` without punctuation, symbols and whitespace, one character at a time: each character is
    classified once (``is_punctuation_or_space``) and deleted by ``str.translate``."""
    unknown = set(text).difference(_known)
    for char in unknown:
        if is_punctuation_or_space(char):
            _punctuation[ord(char)] = None
        _known.add(char)
    return text.translate(_punctuation)


# Characters that are never punctuation, symbols or whitespace: ASCII letters and digits, CJK ideographs
# and the private-use block (tests/test_checks_speed_equivalence.py checks every one). They are most of
# a Chinese text, and a regex sets them aside in C, so only the rest is classified.
_CONTENT_RANGES = "0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\ue000-\uf8ff"
_CONTENT = re.compile(f"[{_CONTENT_RANGES}]+")
_OTHERS = re.compile(f"([^{_CONTENT_RANGES}]+)")


def _kept(others: str) -> str:
    """The distinct characters of ``others`` that are not punctuation either (usually none)."""
    return _strip_by_table("".join(set(others))) if others else ""


def strip_punctuation(text: str) -> str:
    """``text`` without punctuation, symbols and whitespace. In a few C passes when every character
    outside the content ranges is punctuation (the usual case); otherwise character by character."""
    parts = _OTHERS.split(text)  # content, others, content, …, content
    if not _kept("".join(parts[1::2])):
        return "".join(parts[::2])
    return _strip_by_table(text)


def only_punctuation(text: str) -> bool:
    """True when ``text`` has nothing but punctuation, symbols and whitespace. Stops at the first
    other character, so asking about a long prefix is cheap when the answer is no."""
    for char in text:
        if char not in _known:
            _strip_by_table(char)
        if ord(char) not in _punctuation:
            return False
    return True


def content_length(text: str) -> int:
    """Characters that are not punctuation, symbols or whitespace (for speech rates). Cached for
    utterance-sized texts only: the cache lives as long as the process and keeps every text it holds."""
    return _short_content_length(text) if len(text) <= 500 else count_content(text)


def count_content(text: str) -> int:
    """``len(strip_punctuation(text))``, counted without building the stripped text."""
    others = _CONTENT.sub("", text)
    return len(text) - len(others) + sum(others.count(char) for char in _kept(others))


@lru_cache(maxsize=65536)
def _short_content_length(text: str) -> int:
    return count_content(text)


def trim_punctuation(text: str, start: int, end: int) -> tuple[int, int]:
    """``start, end`` moved inward past punctuation, symbols and whitespace at either edge of the span,
    so that a regex that ends on a clause boundary (``…(?:[，。]|$)``, RE2 has no lookahead) still
    reports only the words. A span of nothing but punctuation is returned unchanged."""
    inner_start, inner_end = start, end
    while inner_end > inner_start and only_punctuation(text[inner_end - 1]):
        inner_end -= 1
    while inner_start < inner_end and only_punctuation(text[inner_start]):
        inner_start += 1
    return (inner_start, inner_end) if inner_end > inner_start else (start, end)
