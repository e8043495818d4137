"""Literal phrases, all rules at once, with one Aho-Corasick automaton over the normalised text."""

from __future__ import annotations

from typing import Iterable

import ahocorasick

from .base import Candidate


class PhraseIndex:
    """Finds every occurrence of every phrase in one pass, whatever the number of phrases.

    Keys are normalised phrases; each maps to the (rule index, phrase as written) pairs that use it, so
    two rules sharing a phrase both get a candidate. Candidates are found on characters: whether they sit
    on token boundaries is decided later against the utterance's own segmentation.
    """

    def __init__(self, method: str = "exact") -> None:
        self.method = method
        self._automaton = ahocorasick.Automaton()
        self._entries: dict[str, list[tuple[int, str]]] = {}

    def add(self, key: str, rule: int, pattern: str) -> None:
        if not key:
            return
        self._entries.setdefault(key, []).append((rule, pattern))

    def build(self) -> "PhraseIndex":
        for key, owners in self._entries.items():
            self._automaton.add_word(key, (len(key), tuple(owners)))
        if self._entries:
            self._automaton.make_automaton()
        return self

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> Iterable[str]:
        return self._entries.keys()

    def find(self, text: str) -> list[Candidate]:
        if not self._entries or not text:
            return []
        out = []
        method = self.method
        for end_index, (length, owners) in self._automaton.iter(text):
            start = end_index + 1 - length
            for rule, pattern in owners:
                out.append(Candidate(rule, start, end_index + 1, method, 1.0, pattern))
        return out

    def occurs(self, text: str) -> bool:
        if not self._entries:
            return False
        for _ in self._automaton.iter(text):
            return True
        return False
