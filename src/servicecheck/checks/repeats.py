"""Which texts repeat an earlier one: equal to it, or at least ``cutoff`` similar (rapidfuzz ``fuzz.ratio``)
to an earlier distinct one (the repeated-question trigger).

Comparing each text with every earlier one is quadratic: fine for a call's few dozen customer turns,
minutes for tens of thousands. Long lists therefore go through an index that hands rapidfuzz only the
earlier texts that can reach the cutoff, found by prefix filtering on their characters; the answers
are the same, only the number of comparisons changes.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from itertools import chain

from rapidfuzz import fuzz, process

# From this many texts on, the index costs less than the comparisons it saves.
INDEXED_FROM = 300


def repeated(texts: list[str], cutoff: float, indexed_from: int = INDEXED_FROM) -> list[bool]:
    """For each text, whether it repeats an earlier one; ``cutoff`` is a ``fuzz.ratio`` score (0–100]."""
    index = _Earlier(texts, cutoff) if len(texts) >= indexed_from else None
    seen: list[str] = []
    distinct: set[str] = set()
    flags = []
    for text in texts:
        if text in distinct:
            flags.append(True)  # an exact repeat needs no comparison
            continue
        if index is None:
            choices = seen
        else:
            prefix = index.prefix(text)
            choices = index.candidates(prefix)
            index.add(text, prefix)  # after the lookup: a text is not its own candidate
        similar = bool(choices) and process.extractOne(text, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        flags.append(bool(similar))
        distinct.add(text)
        seen.append(text)
    return flags


class _Earlier:
    """The texts added so far, indexed by a prefix of their characters.

    ``fuzz.ratio(a, b) = 200 · LCS / (|a| + |b|)``, and the LCS is at most the characters ``a`` and ``b``
    share (counted with repeats). Reaching the cutoff ``100 · s`` needs ``|b| ≥ s·|a| / (2 − s)`` and so
    at least ``t = s·|a| / (2 − s)`` shared characters. Order every character occurrence (character,
    n-th time in the text) the same way for all texts, rarest characters first: two texts that share at
    least ``t`` occurrences share one among the first ``|a| − t + 1`` of each (prefix filtering). ``s``
    is taken a little low, so float rounding in rapidfuzz can only add candidates, never drop one."""

    def __init__(self, texts: list[str], cutoff: float) -> None:
        counts = Counter(chain.from_iterable(texts))
        self._rank = {char: rank for rank, char in enumerate(sorted(counts, key=lambda c: (counts[c], c)))}
        share = cutoff / 100 - 1e-4
        self._share = max(share, 0.0) / (2 - share)
        self._texts: list[str] = []
        self._postings: defaultdict[tuple[str, int], list[int]] = defaultdict(list)

    def prefix(self, text: str) -> list[tuple[str, int]]:
        """The first ``|text| − t + 1`` occurrences ``(character, n-th time)`` of ``text`` in the order."""
        keep = len(text) - math.ceil(self._share * len(text)) + 1  # ``t``: occurrences in common, at least
        counts = Counter(text)
        prefix = []
        for char in sorted(counts, key=self._rank.__getitem__):
            for occurrence in range(counts[char]):
                prefix.append((char, occurrence))
                if len(prefix) >= keep:
                    return prefix
        return prefix

    def candidates(self, prefix: list[tuple[str, int]]) -> list[str]:
        """The texts added so far that may be at least ``cutoff`` similar to the text of ``prefix``."""
        postings = self._postings
        found: set[int] = set()
        for token in prefix:
            found.update(postings.get(token, ()))
        return [self._texts[number] for number in sorted(found)]

    def add(self, text: str, prefix: list[tuple[str, int]]) -> None:
        number = len(self._texts)
        self._texts.append(text)
        for token in prefix:
            self._postings[token].append(number)
