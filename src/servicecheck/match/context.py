"""Context filters: decide whether a raw candidate counts, and say why.

Each filter returns ``None`` when the candidate passes, or the reason (in Chinese, shown to QA staff)
when it is dropped. Passing filters that decided something (a context phrase found) add a note to the
finding's explanation.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Optional

from ..model import elapsed
from ..text import Segmenter, TextView
from ..text.chars import only_punctuation
from .base import Candidate
from .compile import CompiledCondition, CompiledPack, CompiledRule
from .regex import search_text


class Position(NamedTuple):
    """Where an utterance sits in the call, for rule windows (a tuple: one is made per utterance)."""

    # The field shadows tuple.index(), which mypy reports; renaming it would change Position for its users.
    index: int  # type: ignore[assignment]  # among all utterances
    total: int
    speaker_index: int  # among the utterances of the same speaker
    speaker_total: int
    start: Optional[float]
    call_start: Optional[float]
    call_end: Optional[float]


def in_window_bounds(window, position: Position) -> bool:
    """True when the utterance at ``position`` lies inside the window (a ``Window`` of the pack)."""
    if window.of == "all":
        index, total = position.index, position.total
    else:
        index, total = position.speaker_index, position.speaker_total
    if window.first is not None and index >= window.first:
        return False
    if window.last is not None and index < total - window.last:
        return False
    if window.first_seconds is not None and position.start is not None and position.call_start is not None:
        if elapsed(position.start, position.call_start) > window.first_seconds:
            return False
    if window.last_seconds is not None and position.start is not None and position.call_end is not None:
        if elapsed(position.call_end, position.start) > window.last_seconds:
            return False
    return True


def on_token_boundaries(segmenter: Segmenter, view: TextView, candidate: Candidate) -> bool:
    return segmenter.is_boundary(view, candidate.start) and segmenter.is_boundary(view, candidate.end)


def negator_before(pack: CompiledPack, view: TextView, candidate: Candidate) -> Optional[str]:
    """The negator among the few tokens before the match in the same clause, if any."""
    if pack.negator_search is None:
        return None
    text = view.norm
    if pack.negator_search(text, max(0, candidate.start - 8 * pack.pack.negation_window), candidate.start) is None:
        return None  # the common case: no negator anywhere near, no segmentation needed
    # Negation does not cross a clause boundary, and clause boundaries (punctuation, spaces) also end
    # jieba runs: the tokens of the run that holds the match are all that can matter.
    run = pack.segmenter.runs(view).run_at(candidate.start - 1) if candidate.start else None
    if run is None:
        return None
    tokens = pack.segmenter.tokens_between(view, run[0], candidate.start)
    before = [t for t in tokens if t[1] <= candidate.start]
    for start, end in reversed(before[-pack.pack.negation_window :]):
        word = text[start:end]
        if only_punctuation(word):
            break  # negation does not cross a clause boundary
        if word in pack.negators:
            return word
    return None


def unless_phrase(rule: CompiledRule, view: TextView, candidate: Candidate) -> Optional[str]:
    """The unless phrase overlapping the match (widened by ``unless_within``), if any. The rule's
    unless phrases are found once per utterance, in one automaton pass, and reused for every candidate."""
    if rule.unless_index is None:
        return None
    key = ("unless", id(rule.unless_index))
    found = view._segmentation.get(key)
    if found is None:
        found = view._segmentation[key] = rule.unless_index.find(view.norm)
    low = candidate.start - rule.rule.unless_within
    high = candidate.end + rule.rule.unless_within
    for occurrence in found:
        if occurrence.start < high and occurrence.end > low:
            return occurrence.pattern
    return None


def _condition_hit(condition: CompiledCondition, view: TextView, candidate: Candidate) -> Optional[str]:
    """The text that satisfies the condition near the candidate, or None. ``side`` applies with or
    without ``within`` (no ``within``: as far as the utterance goes on that side)."""
    text = view.norm
    reach = len(text) if condition.within is None else condition.within
    if condition.side == "before":
        low, high = max(0, candidate.start - reach), candidate.start
    elif condition.side == "after":
        low, high = candidate.end, min(len(text), candidate.end + reach)
    else:
        low, high = max(0, candidate.start - reach), min(len(text), candidate.end + reach)
    window = text[low:high]
    for phrase in condition.phrases:
        if phrase in window:
            return phrase
    for pattern in condition.regex:
        # search(), not find_spans: an empty match counts ("^$": nothing on that side of the match).
        matched = search_text(pattern, window, condition.ignore_case)
        if matched is not None:
            return matched or "（空）"
    return None


def context_verdict(rule: CompiledRule, view: TextView, candidate: Candidate) -> tuple[Optional[str], list[str]]:
    """(reason to drop or None, notes on what the context showed)."""
    notes: list[str] = []
    for condition in rule.context_all:
        found = _condition_hit(condition, view, candidate)
        if found is None:
            return "缺少必需的上下文", notes
        notes.append(f"上下文含「{found}」")
    if rule.context_any:
        for condition in rule.context_any:
            found = _condition_hit(condition, view, candidate)
            if found is not None:
                notes.append(f"上下文含「{found}」")
                break
        else:
            return "上下文不含任一所需词语", notes
    for condition in rule.context_none:
        found = _condition_hit(condition, view, candidate)
        if found is not None:
            return f"上下文含排除词「{found}」", notes
    return None, notes


def anchored_hits(view: TextView, hits: list[Candidate], anchor: str) -> set[Candidate]:
    """The candidates that sit at the start (``anchor: start``) or end of the utterance: only
    punctuation, or other candidates chained before them, precede (follow) them. One pass, O(n)."""
    return anchored_if_accepted(view, hits, anchor, _always)


def _always(candidate: Candidate) -> bool:
    return True


def anchored_if_accepted(
    view: TextView, candidates: list[Candidate], anchor: str, accepted: Callable[[Candidate], bool]
) -> set[Candidate]:
    """The candidates that sit at the start (end) once only the accepted ones count: only punctuation,
    or accepted candidates chained before them, precede (follow) them; each is anchored if it is
    accepted itself. ``accepted`` is asked only about candidates that could move the chain on.

    A candidate inside the stretch the chain already covers can neither extend nor break it, so its
    own filters need not run for the chain's sake: it is anchored exactly when it is accepted. Only
    the candidates reaching past the covered stretch are decided, in chain order, and none past the
    first gap that no candidate at all bridges."""
    text = view.norm
    valid: set[Candidate] = set()
    if anchor == "start":
        covered = reach = 0  # reach: covered by any candidate, accepted or not
        for candidate in sorted(candidates, key=lambda c: (c.start, -c.end)):
            if candidate.start > reach and not only_punctuation(text[reach : candidate.start]):
                break  # nobody bridges this gap: neither this candidate nor a later one is anchored
            reach = max(reach, candidate.end)
            if candidate.end <= covered:
                valid.add(candidate)
                continue
            if accepted(candidate):
                if candidate.start > covered and not only_punctuation(text[covered : candidate.start]):
                    break  # something else was said first: no later candidate can be at the start
                valid.add(candidate)
                covered = candidate.end
        return valid
    covered = reach = len(text)
    for candidate in sorted(candidates, key=lambda c: (-c.end, c.start)):
        if candidate.end < reach and not only_punctuation(text[candidate.end : reach]):
            break
        reach = min(reach, candidate.start)
        if candidate.start >= covered:
            valid.add(candidate)
            continue
        if accepted(candidate):
            if candidate.end < covered and not only_punctuation(text[candidate.end : covered]):
                break
            valid.add(candidate)
            covered = candidate.start
    return valid
