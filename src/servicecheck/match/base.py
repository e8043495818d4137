"""What every matcher produces: a candidate hit on the normalised text of one utterance."""

from __future__ import annotations

from typing import NamedTuple

# Overlapping hits of one stage are resolved by the longer span first (感谢您的来店 found by pinyin beats
# the exact 感谢您 inside it), then by this method priority (lower wins), the higher similarity, the
# earlier start and the rule's order in the pack. Documented in docs/packs.md.
METHOD_PRIORITY = {"exact": 0, "regex": 1, "tokens": 2, "pinyin": 3, "fuzzy": 4}  # plugin hits: 9, last


class Candidate(NamedTuple):
    """A raw match before context filters: ``[start, end)`` indexes the NORMALISED text.

    A tuple: tens of them per utterance are made and cached, and a tuple of plain values is quick to
    build and is left alone by the garbage collector."""

    rule: int  # index into CompiledPack.rules
    start: int
    end: int
    method: str
    similarity: float
    pattern: str  # the pattern as written in the pack

    def sort_key(self, rule_order: int) -> tuple:
        return (
            -(self.end - self.start),
            METHOD_PRIORITY.get(self.method, 9),
            -self.similarity,
            self.start,
            rule_order,
        )
