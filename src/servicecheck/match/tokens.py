"""Token sequences with optional items and bounded gaps: 您 是 说 {gap: 12} 对吗|是吗.

Items are written as text: ``a|b`` gives alternatives, a trailing ``?`` makes an item optional, and
``{gap: N}`` lets up to N tokens pass. An alternative may cover several jieba tokens (对吗 matches 对/吗),
because a phrase's own segmentation can differ from its segmentation in context.

Matching works in character positions of the normalised text and asks the segmenter only where a match
could start: at an occurrence of one of the sequence's leading strings (what its first items spell
before any gap). Only the jieba runs such a match touches are segmented, so a sequence over a megabyte
utterance costs a string search, not a segmentation of the megabyte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional, Sequence, Union

import ahocorasick

from .base import Candidate

if TYPE_CHECKING:  # pragma: no cover
    from ..text import Segmenter, TextView

MAX_STEPS = 20_000  # backtracking budget per sequence and utterance
MAX_LEADING = 256  # leading strings spelled out before the prefix stops growing (see _leading_strings)


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


def _leading_strings(items: tuple[Item, ...]) -> Optional[frozenset[str]]:
    """Strings one of which every match starts with: the options of the first items concatenated, up to the
    first gap after something was matched (a gap before it is skipped, as ``_match`` skips it), growing no
    further than MAX_LEADING strings. None when a match could start with anything (every item optional)."""
    done: set[str] = set()  # prefixes that end where a gap begins
    states = {""}
    for item in items:
        if isinstance(item, _Gap):
            done |= {s for s in states if s}
            states = {""} & states  # only a match that has consumed nothing yet goes on past a gap
            if not states:
                break
            continue
        grown = {s + option for s in states for option in item.options}
        if item.optional:
            grown |= states
        if len(grown) + len(done) > MAX_LEADING:
            break  # the shorter prefixes are still necessary
        states = grown
    found = done | states
    return None if "" in found else frozenset(found)


class TokenSequence:
    def __init__(self, rule: int, items: tuple[Item, ...], pattern: str) -> None:
        self.rule = rule
        self.items = items
        self.pattern = pattern
        # One literal alternation per required item (re is safe here: escaped literals cannot backtrack).
        required = [i.options for i in items if isinstance(i, _Alternatives) and not i.optional]
        self._never = any(not options for options in required)  # an item with nothing left to match
        self._required = [re.compile("|".join(map(re.escape, options))) for options in required if options]
        leading = _leading_strings(items)
        self._leading: Optional[ahocorasick.Automaton] = None  # None: any token may start a match
        if leading is not None:
            self._leading = ahocorasick.Automaton()
            for string in leading:
                self._leading.add_word(string, len(string))
            if leading:
                self._leading.make_automaton()

    def possible(self, text: str) -> bool:
        """Cheap pre-check on characters: every required item has an alternative in the text."""
        if self._never:
            return False
        for required in self._required:
            if required.search(text) is None:
                return False
        return True

    def _starts(self, view: "TextView", segmenter: "Segmenter") -> list[int]:
        """Positions, in order, where a match could start: token starts (segmenting only their runs) at
        an occurrence of a leading string; every token start when any token could begin a match."""
        text = view.norm
        if self._leading is None:
            starts, position = [], 0
            while position < len(text):
                starts.append(position)
                position = segmenter.token_end(view, position)
            return starts
        if self._leading.kind != ahocorasick.AHOCORASICK:
            return []  # no leading string at all: a required item lost every option
        places = sorted({end + 1 - length for end, length in self._leading.iter(text)})
        return [start for start in places if segmenter.is_boundary(view, start)]

    def find(self, view: "TextView", segmenter: "Segmenter") -> list[Candidate]:
        """Every match in the view's normalised text, leftmost first; the search goes on after a match's end."""
        out: list[Candidate] = []
        resume = 0
        for start in self._starts(view, segmenter):
            if start < resume:
                continue
            steps = [0]
            found = self._match(0, start, view, segmenter, steps, first=None)
            if found is not None and found[1] > found[0]:
                out.append(Candidate(self.rule, found[0], found[1], "tokens", 1.0, self.pattern))
                resume = found[1]
        return out

    def _consume(self, option: str, position: int, view: "TextView", segmenter: "Segmenter") -> Optional[int]:
        """The position after ``option`` if it covers whole tokens from ``position`` (a token start): it is
        spelled there and a token ends where it ends."""
        end = position + len(option)
        if view.norm.startswith(option, position) and segmenter.is_boundary(view, end):
            return end
        return None

    def _match(self, item_index, position, view, segmenter, steps, first) -> Optional[tuple[int, int]]:
        steps[0] += 1
        if steps[0] > MAX_STEPS:
            return None
        if item_index == len(self.items):
            return (first if first is not None else position, position)
        item = self.items[item_index]
        if isinstance(item, _Gap):
            if first is None:  # a leading gap means nothing: start at the next item
                return self._match(item_index + 1, position, view, segmenter, steps, first)
            size = len(view.norm)
            for skip in range(item.limit + 1):
                if skip:
                    if position >= size:
                        break
                    position = segmenter.token_end(view, position)  # let one more token pass
                found = self._match(item_index + 1, position, view, segmenter, steps, first)
                if found is not None:
                    return found
            return None
        for option in item.options:
            after = self._consume(option, position, view, segmenter)
            if after is not None:
                found = self._match(item_index + 1, after, view, segmenter, steps, position if first is None else first)
                if found is not None:
                    return found
        if item.optional:
            return self._match(item_index + 1, position, view, segmenter, steps, first)
        return None
