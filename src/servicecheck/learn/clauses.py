"""Agent utterances cut into clauses: the unit the classifier labels and a ``model`` finding spans.

A clause, not the utterance, so a finding points at the words (不归我管) and not a whole turn, and
training examples are short enough for character n-grams to carry the stage.
"""

from __future__ import annotations

import re

from ..text.chars import only_punctuation, trim_punctuation

# The clause ends of LABELING.md plus their ASCII forms, which the normaliser folds full-width ones to.
_CUT = re.compile(r"[，。？！；,.?!;\n]+")


def clauses(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each clause, edge punctuation and spaces trimmed; empty clauses skipped."""
    spans = []
    start = 0
    for cut in _CUT.finditer(text):
        spans.append((start, cut.start()))
        start = cut.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        if e <= s or only_punctuation(text[s:e]):
            continue
        out.append(trim_punctuation(text, s, e))
    return out
