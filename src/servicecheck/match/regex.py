"""Regular expressions on RE2: linear time, so no pattern in a pack can hang a post-processor."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

import re2

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
    for match in compile_regex(pattern, ignore_case).finditer(text):
        start, end = match.span()
        if end > start:
            yield start, end


class RegexSet:
    """Many patterns, one pass: RE2's FilteredRE2 says which patterns could match an utterance (their
    required literal atoms occur in it), and only those are run for their spans. Most utterances
    contain the atoms of none or a few of a pack's regexes, so most pay for one cheap scan only.
    ``matching`` may name a pattern that then finds nothing; it never leaves out one that matches."""

    def __init__(self, patterns: list[str], ignore_case: bool = False) -> None:
        self.patterns = list(patterns)
        self.ignore_case = ignore_case
        self._filter = None
        if self.patterns:
            self._filter = re2.Filter()
            for pattern in self.patterns:
                compile_regex(pattern, ignore_case)  # the clear error message, before RE2's terse one
                self._filter.Add(pattern, _options(ignore_case))
            self._filter.Compile()

    def __len__(self) -> int:
        return len(self.patterns)

    def matching(self, text: str) -> list[int]:
        if self._filter is None or not text:
            return []
        return sorted(self._filter.Match(text, potential=True) or ())
