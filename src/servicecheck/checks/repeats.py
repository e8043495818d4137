"""Which texts repeat an earlier one: equal to any earlier one, or at least ``cutoff`` similar (rapidfuzz
``fuzz.ratio``) to one of the ``window`` most recent earlier distinct ones (the repeated-question
trigger).

Comparing each text with every earlier one is quadratic: fine for a call's few dozen customer turns,
minutes for the tens of thousands of a transcript that runs for days (a chat left open). A customer who
asks again asks about what they asked recently, so similar texts are looked for among the most recent
distinct turns only; exact repeats are found anywhere by a set. Calls with fewer distinct turns than
the window are compared in full, exactly as before.
"""

from __future__ import annotations

from collections import deque
from math import inf

from rapidfuzz import fuzz, process

# Distinct earlier turns a text is compared with; a call has a few dozen customer turns.
DEFAULT_WINDOW = 100
# Slack in the length bounds, so float rounding never skips a pair that reaches the cutoff.
_ROUNDING = 1e-6


def repeated(texts: list[str], cutoff: float, window: int = DEFAULT_WINDOW) -> list[bool]:
    """For each text, whether it repeats an earlier one; ``cutoff`` is a ``fuzz.ratio`` score (0–100]."""
    recent: deque[str] = deque(maxlen=window)
    # 200·s / (s + l) >= cutoff  ⇔  s >= l · cutoff / (200 − cutoff), for the shorter s of the two
    fraction = cutoff / (200.0 - cutoff)
    distinct: set[str] = set()
    flags = []
    for text in texts:
        if text in distinct:
            flags.append(True)  # an exact repeat needs no comparison
            continue
        # fuzz.ratio is 200 × the longest common subsequence / both lengths, so at most 200 × the
        # shorter length / both: a text shorter than ``fraction`` × this one (or longer than this one /
        # ``fraction``) never reaches the cutoff, and is not compared.
        size = len(text)
        low, high = size * fraction - _ROUNDING, size / fraction + _ROUNDING if fraction else inf
        choices = [earlier for earlier in recent if low <= len(earlier) <= high]
        similar = bool(choices) and process.extractOne(text, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        flags.append(bool(similar))
        distinct.add(text)
        recent.append(text)
    return flags
