"""jieba's segmentation of one run, computed exactly as ``jieba.Tokenizer.cut`` does, with less overhead.

``Tokenizer.cut`` builds a DAG of dictionary words as a dict of lists, scores every edge with
``log(freq) - log(total)`` again on every call and yields words through two generators. Here the words
starting at each position are found while the route is computed (one right-to-left pass over lists),
what the dictionary says of a fragment is looked up once and kept in a small table, and the hidden
Markov model that joins unknown single characters (``jieba.finalseg.cut``) runs with back-pointers
instead of copied paths and is cached by its input. The arithmetic and the tie-breaking are jieba's own (the route
maximises ``(log probability, end)``, the Viterbi ``(probability, state)``), so the tokens are
identical; ``tests/test_text.py`` compares both on random text, ties included.
"""

from __future__ import annotations

import re
from functools import lru_cache
from math import log
from typing import Any

from jieba import finalseg

_PREFIX = object()  # a fragment that only starts longer dictionary words (frequency 0)
_ABSENT = object()  # a fragment no dictionary word starts with
LONG_RUN = 500  # runs longer than this are cut without remembering anything, here or in the Segmenter
_HMM_CACHED_CHARS = 32  # longer unknown stretches are rarely seen twice; caching them would hold their text
_KNOWN_LIMIT = 200_000  # fragments remembered before starting over (about 25 MB at most)
_ENGLISH = re.compile("[a-zA-Z0-9]", re.U)  # jieba.re_eng: joined into one token without the HMM


class RunCutter:
    """Token end offsets of one jieba run (a maximal match of ``jieba.re_han_default``)."""

    def __init__(self, freq: dict, total: int, hmm: bool = True) -> None:
        self._freq = freq
        self._log_total = log(total)
        self._log_p: dict[str, float] = {}  # character → log(freq or 1) - log(total), as jieba's calc has it
        # fragment → log probability, _PREFIX or _ABSENT (see _learn). Any: mypy cannot narrow the plain
        # object sentinels away, and the hot loop in _route should not pay for a cast() call.
        self._known: dict[str, Any] = {}
        self.hmm = hmm

    def ends(self, run: str) -> tuple[int, ...]:
        # A long run is rarely seen again (the Segmenter does not cache it either): what it holds is not
        # remembered, so long utterances nobody said before leave nothing behind.
        remember = len(run) <= LONG_RUN
        route = self._route(run, remember)
        return self._walk_hmm(run, route, remember) if self.hmm else self._walk_plain(run, route)

    def _route(self, run: str, remember: bool = True) -> list[int]:
        """``route[i]``: the last index of the best word starting at ``i`` (jieba's ``get_DAG`` and
        ``calc`` in one right-to-left pass: the words starting at ``i`` are found when ``i`` is scored)."""
        known, freq = self._known, self._freq
        if len(known) > _KNOWN_LIMIT:
            known.clear()
        size = len(run)
        score = [0.0] * (size + 1)
        route = [0] * (size + 1)
        for start in range(size - 1, -1, -1):
            best = None
            best_end = start
            stop = start
            fragment = run[start]
            while True:  # every dictionary word starting here; the prefixes have frequency 0
                p = known.get(fragment)
                if p is None:
                    if fragment not in freq:
                        if remember:
                            known[fragment] = _ABSENT
                        break
                    p = self._learn(fragment, remember)
                elif p is _ABSENT:
                    break
                if p is not _PREFIX:
                    p += score[stop + 1]
                    if best is None or p >= best:  # ties go to the longer word, as max() over (p, end)
                        best, best_end = p, stop
                stop += 1
                if stop == size:
                    break
                fragment = run[start : stop + 1]
            if best is None:  # no word starts here: the character alone, frequency taken as 1
                p = self._single(run[start])
                best = p + score[start + 1]
            score[start] = best
            route[start] = best_end
        return route

    def _learn(self, fragment: str, remember: bool = True):
        """What the dictionary says of a fragment it holds: the word's log probability, or _PREFIX
        when it only starts longer words. Kept in a table of the fragments met so far, far smaller than
        jieba's, so lookups stay in the CPU cache; bounded by the dictionary itself."""
        count = self._freq[fragment]
        value = log(count) - self._log_total if count else _PREFIX
        if remember:
            self._known[fragment] = value
        return value

    def _single(self, char: str) -> float:
        """The log probability jieba gives a character no word starts with (frequency 0 counts as 1)."""
        p = self._log_p.get(char)
        if p is None:
            p = self._log_p[char] = log(self._freq.get(char) or 1) - self._log_total
        return p

    def _walk_hmm(self, run: str, route: list[int], remember: bool = True) -> tuple[int, ...]:
        """jieba's ``__cut_DAG``: runs of single characters not in the dictionary go through the HMM."""
        ends: list[int] = []
        size = len(run)
        position = 0
        pending = -1  # start of the single characters collected so far
        while position < size:
            after = route[position] + 1
            if after - position == 1:
                if pending < 0:
                    pending = position
            else:
                if pending >= 0:
                    self._flush(run, pending, position, ends, remember)
                    pending = -1
                ends.append(after)
            position = after
        if pending >= 0:
            self._flush(run, pending, size, ends, remember)
        return tuple(ends)

    def _flush(self, run: str, start: int, end: int, ends: list[int], remember: bool) -> None:
        if end - start == 1:
            ends.append(end)
            return
        chars = run[start:end]
        if self._in_dictionary(chars):
            ends.extend(range(start + 1, end + 1))
            return
        position = start
        version = len(finalseg.Force_Split_Words)
        if remember and len(chars) <= _HMM_CACHED_CHARS:
            lengths = _hmm_lengths_cached(chars, version)
        else:
            lengths = _hmm_lengths(chars, version)
        for length in lengths:
            position += length
            ends.append(position)

    def _in_dictionary(self, chars: str) -> bool:
        """``FREQ.get(chars)`` as jieba asks it (a word with a count), answered from the fragment table
        when ``_route`` already looked ``chars`` or its first two characters up: the dictionary holds
        every prefix of every word, so a fragment whose start is absent is absent too."""
        known = self._known
        value = known.get(chars)
        if value is None:
            if known.get(chars[:2]) is _ABSENT:
                return False
            return bool(self._freq.get(chars))
        return value is not _PREFIX and value is not _ABSENT

    def _walk_plain(self, run: str, route: list[int]) -> tuple[int, ...]:
        """jieba's ``__cut_DAG_NO_HMM``: single ASCII letters and digits are joined into one token."""
        ends: list[int] = []
        size = len(run)
        position = 0
        joining = False
        while position < size:
            after = route[position] + 1
            if after - position == 1 and _ENGLISH.match(run[position]):
                joining = True
            else:
                if joining:
                    ends.append(position)
                    joining = False
                ends.append(after)
            position = after
        if joining:
            ends.append(size)
        return tuple(ends)


@lru_cache(maxsize=16384)
def _hmm_lengths_cached(chars: str, force_split_version: int) -> tuple[int, ...]:
    """``_hmm_lengths``, cached for short inputs: the same names and unknown words come back call after
    call. Keyed by the size of jieba's global force-split set too, the one global that changes the
    result."""
    return _hmm_lengths(chars, force_split_version)


def _hmm_lengths(chars: str, force_split_version: int) -> tuple[int, ...]:
    """Token lengths the HMM gives a string of unknown characters: ``jieba.finalseg.cut``, exactly."""
    lengths: list[int] = []
    for block in _HMM_HAN.split(chars):
        if _HMM_HAN.match(block):
            lengths.extend(_viterbi_lengths(block))
        else:
            lengths.extend(len(piece) for piece in _HMM_SKIP.split(block) if piece)
    return _force_split(chars, tuple(lengths))


def _force_split(chars: str, lengths: tuple[int, ...]) -> tuple[int, ...]:
    """finalseg yields a word of jieba's force-split set character by character."""
    forced = finalseg.Force_Split_Words
    if not forced:
        return lengths
    out: list[int] = []
    position = 0
    for length in lengths:
        word = chars[position : position + length]
        if length > 1 and word in forced and _HMM_HAN.fullmatch(word):
            out.extend([1] * length)
        else:
            out.append(length)
        position += length
    return tuple(out)


_HMM_HAN = re.compile("([\u4e00-\u9fd5]+)")  # jieba.finalseg.re_han
_HMM_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")  # jieba.finalseg.re_skip
_MIN_FLOAT = -3.14e100  # jieba.finalseg.MIN_FLOAT


@lru_cache(maxsize=4)
def _transitions(trans_id: int) -> tuple[float, ...]:
    """The log probabilities of the transitions jieba's Viterbi can take, for its model's current
    table (keyed by its identity): E→B, S→B, M→M, B→M, S→S, E→S, B→E, M→E."""
    trans_p = finalseg.trans_P
    pairs = ("EB", "SB", "MM", "BM", "SS", "ES", "BE", "ME")
    return tuple(trans_p[pair[0]].get(pair[1], _MIN_FLOAT) for pair in pairs)


_STATE = {"B": 0, "M": 1, "E": 2, "S": 3}  # index into a step's back-pointers


def _viterbi_lengths(block: str) -> list[int]:
    """Word lengths of ``finalseg.__cut(block)`` for a block of Han characters: jieba's Viterbi over
    the states B, M, E, S with the same arithmetic, the same order of additions and the same tie
    rules (``max`` over (probability, state)), keeping back-pointers instead of copying paths.

    Each state has two possible predecessors (``finalseg.PrevStatus``); the four are written out.
    A tie goes to the greater state letter, as ``max`` over (probability, state) has it: S over E
    into B, M over B into M, S over E into S, M over B into E."""
    start_p, emit_p = finalseg.start_P, finalseg.emit_P
    emit_b, emit_m, emit_e, emit_s = emit_p["B"], emit_p["M"], emit_p["E"], emit_p["S"]
    t_eb, t_sb, t_mm, t_bm, t_ss, t_es, t_be, t_me = _transitions(id(finalseg.trans_P))
    first = block[0]
    s_b = start_p["B"] + emit_b.get(first, _MIN_FLOAT)
    s_m = start_p["M"] + emit_m.get(first, _MIN_FLOAT)
    s_e = start_p["E"] + emit_e.get(first, _MIN_FLOAT)
    s_s = start_p["S"] + emit_s.get(first, _MIN_FLOAT)
    back: list[tuple[str, str, str, str]] = []  # per character after the first: predecessors of B, M, E, S
    for char in block[1:]:
        e_b = emit_b.get(char, _MIN_FLOAT)
        e_m = emit_m.get(char, _MIN_FLOAT)
        e_e = emit_e.get(char, _MIN_FLOAT)
        e_s = emit_s.get(char, _MIN_FLOAT)
        p0, p1 = s_e + t_eb + e_b, s_s + t_sb + e_b
        n_b, f_b = (p1, "S") if p1 >= p0 else (p0, "E")
        p0, p1 = s_m + t_mm + e_m, s_b + t_bm + e_m
        n_m, f_m = (p1, "B") if p1 > p0 else (p0, "M")
        p0, p1 = s_b + t_be + e_e, s_m + t_me + e_e
        n_e, f_e = (p1, "M") if p1 >= p0 else (p0, "B")
        p0, p1 = s_s + t_ss + e_s, s_e + t_es + e_s
        n_s, f_s = (p1, "E") if p1 > p0 else (p0, "S")
        back.append((f_b, f_m, f_e, f_s))
        s_b, s_m, s_e, s_s = n_b, n_m, n_e, n_s
    state = "S" if s_s >= s_e else "E"
    tags = [state]
    for pointers in reversed(back):
        state = pointers[_STATE[state]]
        tags.append(state)
    tags.reverse()
    lengths: list[int] = []
    begin = following = 0
    for index, tag in enumerate(tags):
        if tag == "B":
            begin = index
        elif tag == "E":
            lengths.append(index + 1 - begin)
            following = index + 1
        elif tag == "S":
            lengths.append(1)
            following = index + 1
    if following < len(block):
        lengths.append(len(block) - following)
    return lengths
