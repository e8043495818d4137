"""Regular expressions on RE2: linear time, so no pattern in a pack can hang a post-processor."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

import re2
from re2 import _re2

from .literals import LiteralPrefilter

# \b and \w are ASCII-only in RE2, so on Chinese text they silently mean something else than the
# author expects. Reject them and point to the token boundary option instead.
_ASCII_ONLY = re.compile(r"(?<!\\)(?:\\\\)*\\([bBwW])")
_ONE_BYTE = re.compile(r"(?<!\\)(?:\\\\)*\\C")


class RegexCompileError(ValueError):
    pass


def _options(ignore_case: bool = False) -> "re2.Options":
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 8 << 20
    options.case_sensitive = not ignore_case
    return options


@lru_cache(maxsize=4096)
def compile_regex(pattern: str, ignore_case: bool = False) -> "re2._Regexp":
    """Compile with RE2 or raise ``RegexCompileError`` saying why, in words a pack author understands."""
    if _ONE_BYTE.search(pattern):
        raise RegexCompileError(
            f"regex {pattern!r}: \\C matches one byte of UTF-8, not one character, and splits Chinese "
            "characters; use . instead"
        )
    found = _ASCII_ONLY.search(pattern)
    if found:
        raise RegexCompileError(
            f"regex {pattern!r}: \\{found.group(1)} has ASCII-only meaning and does not work on Chinese; "
            "use boundary: token on a phrase rule, or spell the characters out"
        )
    try:
        return re2.compile(pattern, _options(ignore_case))
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise RegexCompileError(f"regex {pattern!r} is not valid for the RE2 engine: {reason}") from None


def fold_pattern(pattern: str, fold_char) -> str:
    """A pattern as it must be to run on normalised text: Traditional and full-width characters folded
    like the text (歡迎 → 欢迎, ＶＩＰ → vip). A character that folds to ASCII punctuation is escaped, so a
    full-width （ stays a literal and never opens a group."""
    out = []
    for char in pattern:
        if ord(char) < 0x3000 and not (0xFF01 <= ord(char) <= 0xFF5E):
            out.append(char)
            continue
        folded = fold_char(char)
        if len(folded) != 1 or folded == " ":
            out.append(char)
        elif folded.isascii() and not folded.isalnum():
            out.append("\\" + folded)
        else:
            out.append(folded)
    return "".join(out)


def find_spans(pattern: str, text: str, ignore_case: bool = False) -> Iterator[tuple[int, int]]:
    """Non-empty match spans (code-point offsets) of ``pattern`` in ``text``."""
    return iter(_spans(compile_regex(pattern, ignore_case)._regexp, text.encode("utf-8"), text))


_UNANCHORED = re2._re2.RE2.Anchor.UNANCHORED


def search_text(pattern: str, text: str, ignore_case: bool = False) -> "str | None":
    """The text of the first match of ``pattern`` in ``text`` (possibly empty), or None: ``search``
    without the wrapper's per-call cost, for context conditions checked on every candidate."""
    encoded = text.encode("utf-8")
    start, end = compile_regex(pattern, ignore_case)._regexp.Match(_UNANCHORED, encoded, 0, len(encoded))[0]
    if start < 0:
        return None
    return encoded[start:end].decode("utf-8")


def _spans(regexp, encoded: bytes, text: str) -> list[tuple[int, int]]:
    """Non-empty match spans of a compiled RE2 in code points, from the UTF-8 bytes of ``text``.

    The same iteration as ``re2``'s ``finditer`` (an empty match advances one character), but calling
    the C++ matcher directly: the wrapper's per-call Python (encoding the text again, decoding every
    group offset through a dict) cost three times the match itself on utterance-sized text."""
    found: list[tuple[int, int]] = []
    size = len(encoded)
    narrow = size == len(text)  # ASCII only: byte offsets are code-point offsets
    position = 0
    last_byte = last_char = 0  # byte → code point conversion runs forward, once over the text
    while True:
        start, end = regexp.Match(_UNANCHORED, encoded, position, size)[0]
        if start < 0:
            break
        if end > start:
            if narrow:
                found.append((start, end))
            else:
                char_start = last_char + _re2.BytesToCharLen(encoded, last_byte, start)
                char_end = char_start + _re2.BytesToCharLen(encoded, start, end)
                found.append((char_start, char_end))
                last_byte, last_char = end, char_end
            if end == size:
                break  # a later search could only find an empty match at the end
        if position == size:
            break
        if end == position:  # empty match where the search began: step over one character
            position += _re2.CharLenToBytes(encoded, position, 1)
        else:
            position = end
    return found


class RegexSet:
    """Many patterns, one pass: the literals each pattern requires (``LiteralPrefilter``) are found in
    an utterance with one Aho-Corasick scan, and only the patterns whose literals all occur are run
    for their spans. Most utterances contain the literals of none or a few of a pack's regexes, so most
    pay for the scan only. ``matching`` names exactly the patterns that match somewhere; ``find`` gives
    their spans."""

    def __init__(self, patterns: list[str], ignore_case: bool = False) -> None:
        self.patterns = list(patterns)
        self.ignore_case = ignore_case
        self._compiled = [compile_regex(p, ignore_case)._regexp for p in self.patterns]
        self._first_bytes = [_first_byte_range(p, r) for p, r in zip(self.patterns, self._compiled)]
        self._prefilter = LiteralPrefilter(self.patterns, ignore_case)

    def __len__(self) -> int:
        return len(self.patterns)

    def matching(self, text: str) -> list[int]:
        """The patterns that match somewhere in ``text``, in pattern order."""
        if not self.patterns or not text:
            return []
        encoded = text.encode("utf-8")
        size = len(encoded)
        compiled = self._compiled
        return [
            number
            for number in self._prefilter.candidates(text)
            if compiled[number].Match(_UNANCHORED, encoded, 0, size)[0][0] >= 0
        ]

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """``(pattern number, start, end)`` of every non-empty match of every pattern in ``text``.

        Only the patterns whose required literals occur are searched: asking first which of them really
        match would scan the text twice for each."""
        if not self.patterns or not text:
            return []
        numbers = self._prefilter.candidates(text)
        if not numbers:
            return []
        encoded = text.encode("utf-8")
        found = []
        first = encoded[0]
        for number in numbers:
            bounds = self._first_bytes[number]
            if bounds is not None and not bounds[0] <= first <= bounds[1]:
                continue  # anchored at the start, and no match can begin with this byte
            for start, end in _spans(self._compiled[number], encoded, text):
                found.append((number, start, end))
        return found


def _anchored_at_start(pattern: str) -> bool:
    """True when every match of ``pattern`` starts at the start of the text: it begins with ``^`` and
    has no alternative outside parentheses (``^a|b`` matches b anywhere). False when unsure."""
    if not pattern.startswith("^"):
        return False
    depth = 0
    position = 1
    in_class = False
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            position += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern.startswith("^", position + 1):
                position += 1
            if pattern.startswith("]", position + 1):
                position += 1  # a leading ] is a member of the class
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth <= 0:
            return False
        position += 1
    return True


def _first_byte_range(pattern: str, regexp) -> "tuple[int, int] | None":
    """For a pattern anchored at the start of the text: the lowest and highest first byte any
    non-empty match can have (RE2's ``PossibleMatchRange``: every match lies between its two strings).
    ``^[a-z]{0,3}\\s?[0-9]{3,8}``, which needs no more than a digit anywhere, is then not run on
    text that starts with a Chinese character. None for other patterns."""
    if not _anchored_at_start(pattern):
        return None
    ok, low, high = regexp.PossibleMatchRange(4)
    if not ok or not low or not high:
        return None
    return low[0], high[0]
