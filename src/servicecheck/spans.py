"""A set of pairwise non-overlapping spans that answers "does this span overlap one of you?" in
O(log n), for the greedy "keep the best, drop what overlaps it" passes (stage overlaps, fuzzy windows,
pattern checks). A linear scan there is quadratic in the number of matches: a 100,000-character
utterance of repeated greetings has tens of thousands of them.

Overlap means what the scans it replaces meant: ``[a, b)`` and ``[s, e)`` overlap unless ``b <= s`` or
``a >= e`` (so an empty span strictly inside another overlaps it).
"""

from __future__ import annotations

from bisect import bisect_left, insort


class DisjointSpans:
    __slots__ = ("_spans",)

    def __init__(self) -> None:
        # Sorted by (start, end). The spans are pairwise disjoint, so their ends are sorted too, and the
        # last span starting before ``b`` has the largest end of all spans starting before ``b``.
        self._spans: list[tuple[int, int]] = []

    def overlaps(self, start: int, end: int) -> bool:
        before = bisect_left(self._spans, (end, -1))  # spans with s < end
        return before > 0 and self._spans[before - 1][1] > start

    def add(self, start: int, end: int) -> bool:
        """Add ``[start, end)`` unless it overlaps a span already there; True when added."""
        if self.overlaps(start, end):
            return False
        insort(self._spans, (start, end))
        return True

    def insert(self, start: int, end: int) -> None:
        """Add ``[start, end)``, known not to overlap any span already there (``overlaps`` said so)."""
        insort(self._spans, (start, end))

    def __len__(self) -> int:
        return len(self._spans)
