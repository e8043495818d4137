"""Token sequences with optional items and bounded gaps: 您 是 说 {gap: 12} 对吗|是吗.

Items are written as text: ``a|b`` gives alternatives, a trailing ``?`` makes an item optional, and
``{gap: N}`` lets up to N tokens pass. An alternative may cover several jieba tokens (对吗 matches 对/吗),
because a phrase's own segmentation can differ from its segmentation in context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Union

from .base import Candidate

MAX_STEPS = 20_000  # backtracking budget per sequence and utterance


@dataclass(frozen=True)
class _Alternatives:
    options: tuple[str, ...]
    optional: bool


@dataclass(frozen=True)
class _Gap:
    limit: int


Item = Union[_Alternatives, _Gap]


def parse_sequence(items: Sequence[Union[str, dict]], normalize: Callable[[str], str]) -> tuple[Item, ...]:
    parsed: list[Item] = []
    for item in items:
        if isinstance(item, dict):
            parsed.append(_Gap(int(item["gap"])))
            continue
        optional = item.endswith("?")
        body = item[:-1] if optional else item
        options = tuple(sorted({normalize(o) for o in body.split("|") if normalize(o)}, key=len, reverse=True))
        parsed.append(_Alternatives(options, optional))
    return tuple(parsed)


def describe(items: Sequence[Union[str, dict]]) -> str:
    return " ".join(f"…{i['gap']}" if isinstance(i, dict) else i for i in items)


class TokenSequence:
    def __init__(self, rule: int, items: tuple[Item, ...], pattern: str) -> None:
        self.rule = rule
        self.items = items
        self.pattern = pattern
        # One literal alternation per required item (re is safe here: escaped literals cannot backtrack).
        required = [i.options for i in items if isinstance(i, _Alternatives) and not i.optional]
        self._never = any(not options for options in required)  # an item with nothing left to match
        self._required = [re.compile("|".join(map(re.escape, options))) for options in required if options]

    def possible(self, text: str) -> bool:
        """Cheap pre-check on characters: every required item has an alternative in the text."""
        if self._never:
            return False
        for required in self._required:
            if required.search(text) is None:
                return False
        return True

    def find(self, text: str, tokens: list[tuple[int, int]]) -> list[Candidate]:
        out: list[Candidate] = []
        index = 0
        while index < len(tokens):
            steps = [0]
            end = self._match(0, index, text, tokens, steps, first=None)
            if end is not None and end[1] > end[0]:
                start_token, end_token = end
                out.append(
                    Candidate(self.rule, tokens[start_token][0], tokens[end_token - 1][1], "tokens", 1.0, self.pattern)
                )
                index = end_token
            else:
                index += 1
        return out

    def _consume(self, option: str, position: int, text: str, tokens: list[tuple[int, int]]) -> Optional[int]:
        """Token index after ``option`` if it covers whole tokens starting at ``position``."""
        covered = ""
        k = position
        while k < len(tokens) and len(covered) < len(option):
            covered += text[tokens[k][0] : tokens[k][1]]
            k += 1
            if not option.startswith(covered):
                return None
        return k if covered == option else None

    def _match(self, item_index, position, text, tokens, steps, first) -> Optional[tuple[int, int]]:
        steps[0] += 1
        if steps[0] > MAX_STEPS:
            return None
        if item_index == len(self.items):
            return (first if first is not None else position, position)
        item = self.items[item_index]
        if isinstance(item, _Gap):
            if first is None:  # a leading gap means nothing: start at the next item
                return self._match(item_index + 1, position, text, tokens, steps, first)
            for skip in range(item.limit + 1):
                if position + skip > len(tokens):
                    break
                found = self._match(item_index + 1, position + skip, text, tokens, steps, first)
                if found is not None:
                    return found
            return None
        for option in item.options:
            after = self._consume(option, position, text, tokens)
            if after is not None:
                found = self._match(item_index + 1, after, text, tokens, steps, position if first is None else first)
                if found is not None:
                    return found
        if item.optional:
            return self._match(item_index + 1, position, text, tokens, steps, first)
        return None
