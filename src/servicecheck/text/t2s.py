"""Traditional to Simplified Chinese exactly as ``opencc.OpenCC("t2s").convert`` converts, faster.

opencc-python-reimplemented splits the text at separators (spaces, punctuation), then, in each chunk,
repeatedly replaces the longest phrase of its phrase table (leftmost among the longest; the pieces on
either side may only hold phrases no longer than it), and finally maps every character outside a
phrase through its character table (where an entry lists several candidates, "干 乾", the first). It does so by testing every substring of every length against
the tables, in pure Python: about 50 µs for an utterance with one Traditional character, which the
normaliser pays for every such utterance.

``FastT2S`` reads the same two tables from the same ``OpenCC`` object and computes the same result:
a chunk in which no phrase can start is one ``str.translate``; in the others the phrase occurrences
are listed once and the same ones are chosen (see ``FastT2S._chosen``), without opencc's recursion.
When the converter is not laid out as expected (another opencc version), ``fast_t2s`` returns the
library's own ``convert``.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from .chars import char_class

# A table as opencc keeps it: its longest and shortest key, and the keys with their replacements.
_Table = tuple[int, int, dict[str, str]]


class FastT2S:
    """``convert`` gives what ``OpenCC("t2s").convert`` gives. Build with ``fast_t2s``."""

    def __init__(self, separators: "re.Pattern[str]", phrases: _Table, characters: _Table) -> None:
        self._separators = separators
        # opencc keeps every candidate ("干 乾") and replaces with the first
        self._phrases = {key: value.split(" ")[0] for key, value in phrases[2].items()}
        self._characters = str.maketrans({key: value.split(" ")[0] for key, value in characters[2].items()})
        # Per first character, the lengths of the phrases that start with it, longest first.
        lengths: dict[str, set[int]] = {}
        for key in self._phrases:
            lengths.setdefault(key[0], set()).add(len(key))
        self._lengths = {first: sorted(found, reverse=True) for first, found in lengths.items()}
        self._starts = char_class(lengths) if lengths else None

    def convert(self, text: str) -> str:
        parts = self._separators.split(text)
        for number in range(0, len(parts), 2):  # the odd parts are the separators, kept as they are
            parts[number] = self._chunk(parts[number])
        return "".join(parts)

    def _chunk(self, chunk: str) -> str:
        if self._starts is None or self._starts.search(chunk) is None:
            return chunk.translate(self._characters)  # no phrase can start here: characters only
        chosen = self._chosen(chunk)
        if not chosen:
            return chunk.translate(self._characters)
        out: list[str] = []
        position = 0
        for start, length in chosen:
            out.append(chunk[position:start].translate(self._characters))
            out.append(self._phrases[chunk[start : start + length]])
            position = start + length
        out.append(chunk[position:].translate(self._characters))
        return "".join(out)

    def _chosen(self, chunk: str) -> list[tuple[int, int]]:
        """(start, length) of the phrases opencc replaces, in text order.

        opencc replaces the longest phrase of the chunk (the leftmost of equals), then does the same in
        the pieces left and right of it, where no longer phrase than that can occur anyway. That is
        taking every phrase occurrence, longest first and leftmost first among equals, unless it
        overlaps one taken before: the first occurrence of that order inside a piece is the one opencc
        picks there."""
        found: list[tuple[int, int]] = []
        phrases, lengths, size = self._phrases, self._lengths, len(chunk)
        for start in range(size):
            for length in lengths.get(chunk[start], ()):
                if start + length <= size and chunk[start : start + length] in phrases:
                    found.append((-length, start))
        if not found:
            return []
        found.sort()
        taken = bytearray(size)
        chosen: list[tuple[int, int]] = []
        for negative, start in found:
            end = start - negative
            if not any(taken[start:end]):
                taken[start:end] = b"\x01" * (end - start)
                chosen.append((start, end - start))
        chosen.sort()
        return chosen


def fast_t2s(converter: Any) -> Callable[[str], str]:
    """``FastT2S(...).convert`` for an ``opencc.OpenCC("t2s")``, or its own ``convert`` when its tables
    are not the phrase table and one-character table this module reproduces."""
    converter.convert("")  # loads the tables
    tables: Any = getattr(converter, "_dict_chain_data", None)
    separators: Any = getattr(converter, "split_chars_re", None)
    if _reproducible(tables, separators):
        ((phrases, characters),) = tables
        return FastT2S(separators, tuple(phrases), tuple(characters)).convert
    return converter.convert


def _reproducible(tables: Any, separators: Any) -> bool:
    """Whether opencc holds what t2s holds in the version this module was written against: one group
    of a phrase table and a table of single characters, each (longest key, shortest key, dict)."""
    try:
        ((phrases, characters),) = tables
        if not isinstance(separators, re.Pattern) or not (characters[0] == characters[1] == 1 <= phrases[1]):
            return False
        if not (isinstance(phrases[2], dict) and isinstance(characters[2], dict)):
            return False
        # An empty replacement makes opencc treat its key as no match, which this module does not copy.
        return all(value.split(" ")[0] for table in (phrases, characters) for value in table[2].values())
    except (TypeError, ValueError, IndexError, AttributeError):
        return False
