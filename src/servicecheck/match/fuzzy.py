"""Fuzzy phrases: edit similarity over candidate windows, for ASR insertions and substitutions.

A phrase is tried only where it can plausibly be: rapidfuzz's ``partial_ratio`` rejects most utterances
in one C call, and windows then start only at characters the phrase contains. Similarity is rapidfuzz's
normalised Indel similarity (``fuzz.ratio`` / 100) between the phrase and the window.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Optional

from rapidfuzz import fuzz

from ..spans import DisjointSpans
from ..text.chars import char_class
from .base import Candidate


@dataclass(frozen=True)
class FuzzyPhrase:
    rule: int
    key: str  # normalised phrase
    pattern: str
    threshold: float


def _max_insertions(length: int, threshold: float) -> int:
    """Most characters a window may add to a phrase of ``length`` and still reach ``threshold``:
    Indel similarity 2m / (2m + k) >= t  ⇔  k <= 2m (1 - t) / t."""
    return int(2 * length * (1 - threshold) / threshold + 1e-9)


def _partial_cutoff(threshold: float) -> float:
    """A ``partial_ratio`` floor no real match can fall under: the best phrase-length window of a
    match with the most insertions the threshold allows keeps 1 - 2(1 - t)/t of the phrase."""
    return max(0.0, 1 - 2 * (1 - threshold) / threshold) * 100


class FuzzyIndex:
    def __init__(self) -> None:
        self._phrases: list[FuzzyPhrase] = []
        self._charsets: list[frozenset[str]] = []
        self._needed: list[float] = []  # distinct characters of the phrase a text must hold, at least
        self._chars: Optional[re.Pattern[str]] = None  # any character of any phrase (see find)
        self._classes: list[re.Pattern[str]] = []  # the characters of each phrase (see _windows)

    def add(self, key: str, rule: int, pattern: str, threshold: float) -> None:
        if key:
            charset = frozenset(key)
            self._phrases.append(FuzzyPhrase(rule, key, pattern, threshold))
            self._charsets.append(charset)
            self._needed.append(threshold * len(charset) - 1)
            self._classes.append(char_class(charset))
            self._chars = None  # built again at the next find

    def _phrase_chars(self) -> "re.Pattern[str]":
        chars = self._chars
        if chars is None:
            chars = self._chars = char_class(set().union(*self._charsets))
        return chars

    def __len__(self) -> int:
        return len(self._phrases)

    def find(self, text: str) -> list[Candidate]:
        out: list[Candidate] = []
        if not text or not self._phrases:
            return out
        # Cheap filter first: enough of a phrase's distinct characters must occur in the text at all.
        # The text's characters that some phrase holds are found in C (set(text) would make a string
        # object of every Chinese character).
        present = set(self._phrase_chars().findall(text))
        for phrase, charset, needed, chars in zip(self._phrases, self._charsets, self._needed, self._classes):
            if len(charset & present) < needed:
                continue
            if fuzz.partial_ratio(phrase.key, text, score_cutoff=_partial_cutoff(phrase.threshold)) == 0:
                continue
            out.extend(self._windows(phrase, chars, text))
        return out

    @staticmethod
    def _windows(phrase: FuzzyPhrase, chars: "re.Pattern[str]", text: str) -> list[Candidate]:
        """Windows start and end on characters of the phrase (``chars``, their class), and are as long
        as the threshold allows; every one reaching it is scored, then the best that do not overlap a
        better one are kept."""
        key = phrase.key
        length = len(key)
        slack = max(1, _max_insertions(length, phrase.threshold))
        cutoff = phrase.threshold * 100
        shortest, longest = max(2, length - slack), length + slack
        positions = [found.start() for found in chars.finditer(text)]
        scored: list[tuple[float, int, int]] = []
        for number, start in enumerate(positions):
            # Ends: the phrase characters at start + shortest - 1 … start + longest - 1.
            last = start + longest - 1
            for index in range(bisect_left(positions, start + shortest - 1, number), len(positions)):
                end = positions[index] + 1
                if end - 1 > last:
                    break
                score = fuzz.ratio(key, text[start:end], score_cutoff=cutoff)
                if score:
                    scored.append((score, start, end))
        # Best windows first; keep those that do not overlap a better one.
        scored.sort(key=lambda s: (-s[0], -(s[2] - s[1]), s[1]))
        chosen: list[tuple[float, int, int]] = []
        taken = DisjointSpans()
        for score, start, end in scored:
            if taken.add(start, end):
                chosen.append((score, start, end))
        return [
            Candidate(phrase.rule, start, end, "fuzzy", round(score / 100, 4), phrase.pattern)
            for score, start, end in sorted(chosen, key=lambda s: s[1])
        ]
