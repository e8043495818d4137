"""The literal strings a regex match must contain, so that a set of regexes can skip most patterns.

``required_literals(pattern)`` reads a pattern and returns clauses: every match of the pattern contains
at least one string of every clause. ``"您好.{0,6}(?:银行|中心)"`` gives ``[{"您好"}, {"银行", "中心"}]``;
a pattern with nothing to require (``[0-9a-z]{4}``: too many characters to list) gives no clauses and is
always run. One Aho-Corasick pass over a text then tells which patterns can match in it
(``LiteralPrefilter``).

The answer must never be wrong in the unsafe direction: a clause the pattern does not really require
would hide a match. So the analysis keeps to what it is sure of, and gives up (no clause) on anything
else: a pattern Python's parser cannot read, inline flags, POSIX classes, back-references. Python's
``re`` parser reads the RE2 syntax packs use (``\\p{Han}`` is swapped for a class that requires nothing).
"""

from __future__ import annotations

import importlib
import re
import sys
from typing import Any, Iterable, NamedTuple, Optional

import ahocorasick

# Python's own regex parser: re._parser from 3.11 on (sre_parse, its old name, warns there).
_sre_parse: Any = importlib.import_module("re._parser" if sys.version_info >= (3, 11) else "sre_parse")
_sre: Any = importlib.import_module("re._constants" if sys.version_info >= (3, 11) else "sre_constants")


# A set of exact strings is kept while it has at most this many strings of at most this length; a
# clause (strings of which one must occur) may hold more, from the branches of an alternation.
_MAX_EXACT = 16
_MAX_EXACT_LENGTH = 24
_MAX_CLAUSE = 64
_MAX_CLASS = 16  # a class of at most this many characters is an exact set ([吗么呢] → 吗, 么, 呢)
# The other clauses of a pattern are tested (as substrings) on texts up to this long; a longer text
# keeps every pattern its automaton finds. A megabyte: 0.47 s for the tests, against 0.1 s without.
_SUBSTRING_TESTS_UP_TO = 4096

# \p{Han}, \P{Greek}, \pN: Unicode classes Python's parser does not know. \d stands in for them: a
# category, so the class or item never counts as a literal.
_UNICODE_CLASS = re.compile(r"\\[pP](?:\{[^}]*\}|[A-Za-z])")
# What Python's parser reads differently from RE2, in a way that could make up a literal: POSIX
# classes ([[:alpha:]] is a class in RE2, a class and a "]" to Python), inline flags, \Q...\E quoting.
_UNSURE = re.compile(r"\[:|\(\?-?[a-zA-Z]+(?:-[a-zA-Z]*)?[:)]|\\[QE]")


class Clauses(NamedTuple):
    """What one part of a pattern matches: ``exact``, the finite set of strings it matches (None when
    unknown or too large), and ``clauses``, sets of which each must have a string in any match."""

    exact: Optional[frozenset[str]]
    clauses: tuple[frozenset[str], ...]


_NOTHING = Clauses(None, ())
_EMPTY = Clauses(frozenset({""}), ())


def required_literals(pattern: str, ignore_case: bool = False) -> list[frozenset[str]]:
    """Sets of strings, one of each of which occurs in every match of ``pattern`` (empty: no constraint).

    With ``ignore_case`` a letter that has case is no literal (the text may spell it either way)."""
    if _UNSURE.search(pattern):
        return []
    try:
        parsed = _sre_parse.parse(_UNICODE_CLASS.sub(r"\\d", pattern))
    except Exception:  # noqa: BLE001 - any pattern Python cannot read is run on every text
        return []
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return []
    info = _sequence(list(parsed), ignore_case)
    clauses = list(info.clauses)
    if info.exact is not None and "" not in info.exact:
        clauses.append(info.exact)
    return _simplest(clauses)


def _simplest(clauses: list[frozenset[str]]) -> list[frozenset[str]]:
    """Distinct clauses without empty strings, in a stable order."""
    kept: list[frozenset[str]] = []
    for clause in clauses:
        if clause and "" not in clause and clause not in kept:
            kept.append(clause)
    return kept


def _strength(clause: frozenset[str]) -> tuple[int, int]:
    """How selective a clause is: its shortest string's length first, then fewer strings."""
    return (min(len(s) for s in clause), -len(clause))


def _best(info: Clauses) -> Optional[frozenset[str]]:
    """The single most selective clause an item guarantees, or None."""
    options = [c for c in info.clauses if c and "" not in c]
    if info.exact is not None and info.exact and "" not in info.exact:
        options.append(info.exact)
    return max(options, key=_strength) if options else None


def _product(left: frozenset[str], right: frozenset[str]) -> Optional[frozenset[str]]:
    if len(left) * len(right) > _MAX_EXACT:
        return None
    joined = frozenset(a + b for a in left for b in right)
    return joined if max(len(s) for s in joined) <= _MAX_EXACT_LENGTH else None


def _sequence(items: Iterable[Any], ignore_case: bool) -> Clauses:
    """A concatenation: runs of exact items multiply out; the other items add their own clauses."""
    clauses: list[frozenset[str]] = []
    run: frozenset[str] = frozenset({""})
    whole_is_exact = True
    for op, av in items:
        info = _item(op, av, ignore_case)
        if info.exact is not None:
            joined = _product(run, info.exact)
            if joined is None:  # too many or too long: what ran so far is one clause, a new run starts
                clauses.append(run)
                run = info.exact
                whole_is_exact = False
            else:
                run = joined
        else:
            clauses.append(run)
            run = frozenset({""})
            whole_is_exact = False
        clauses.extend(info.clauses)
    if whole_is_exact:
        return Clauses(run, tuple(_simplest(clauses)))
    clauses.append(run)
    return Clauses(None, tuple(_simplest(clauses)))


def _item(op: Any, av: Any, ignore_case: bool) -> Clauses:
    if op is _sre.LITERAL:
        char = chr(av)
        if ignore_case and char.lower() != char.upper():
            return _NOTHING
        return Clauses(frozenset({char}), ())
    if op is _sre.IN:
        return _char_class(av, ignore_case)
    if op is _sre.SUBPATTERN:
        _group, add_flags, _del_flags, body = av
        if add_flags:
            return _NOTHING
        return _sequence(list(body), ignore_case)
    if op is _sre.BRANCH:
        return _alternation([_sequence(list(branch), ignore_case) for branch in av[1]])
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None)):
        low, high, body = av
        info = _sequence(list(body), ignore_case)
        if low == 0:
            if high == 1 and info.exact is not None and len(info.exact) < _MAX_EXACT:
                return Clauses(info.exact | {""}, ())  # optional: the strings, or nothing
            return _EMPTY if high == 0 else Clauses(None, ())
        if low == high == 1:
            return info
        best = _best(info)
        return Clauses(None, (best,) if best is not None else ())
    if op is _sre.AT:
        return _EMPTY  # anchors match the empty string
    return _NOTHING  # ., categories, negated literals, back-references, lookarounds: nothing certain


def _char_class(av: Any, ignore_case: bool) -> Clauses:
    chars: set[str] = set()
    for op, value in av:
        if op is _sre.LITERAL:
            chars.add(chr(value))
        elif op is _sre.RANGE and value[1] - value[0] < _MAX_CLASS:
            chars.update(chr(c) for c in range(value[0], value[1] + 1))
        else:  # NEGATE, CATEGORY, a wide range
            return _NOTHING
        if len(chars) > _MAX_CLASS:
            return _NOTHING
    if not chars or (ignore_case and any(c.lower() != c.upper() for c in chars)):
        return _NOTHING
    return Clauses(frozenset(chars), ())


def _alternation(branches: list[Clauses]) -> Clauses:
    """One of the branches matches: exact if all are; else one clause, the union of each branch's best."""
    if all(b.exact is not None for b in branches):
        union = frozenset().union(*(b.exact for b in branches if b.exact is not None))
        if len(union) <= _MAX_EXACT:
            return Clauses(union, ())
    picked: set[str] = set()
    for branch in branches:
        best = _best(branch)
        if best is None:
            return _NOTHING
        picked |= best
    if len(picked) > _MAX_CLAUSE:
        return _NOTHING
    return Clauses(None, (frozenset(picked),))


class LiteralPrefilter:
    """Which of many patterns can match a text. Each pattern's most selective clause goes into one
    Aho-Corasick automaton; a pattern one of whose strings occurs is then kept if each of its other
    clauses has a string in the text too (a substring test: few patterns get that far). Patterns without
    clauses are kept always. Never drops a pattern that matches; may keep one that does not (RE2 decides)."""

    def __init__(self, patterns: list[str], ignore_case: bool = False) -> None:
        self._always: list[int] = []
        # Per pattern: its other clauses, longest strings first (the likelier to be decisive).
        self._rest: list[tuple[tuple[str, ...], ...]] = []
        owners: dict[str, list[int]] = {}
        for number, pattern in enumerate(patterns):
            minimal = [_without_superstrings(clause) for clause in required_literals(pattern, ignore_case)]
            clauses = sorted(minimal, key=_strength, reverse=True)
            if not clauses:
                self._always.append(number)
                self._rest.append(())
                continue
            for literal in clauses[0]:
                owners.setdefault(literal, []).append(number)
            self._rest.append(tuple(tuple(sorted(c, key=len, reverse=True)) for c in clauses[1:]))
        self._automaton: Optional[Any] = None
        if owners:
            self._automaton = ahocorasick.Automaton()
            for literal, owned in owners.items():
                self._automaton.add_word(literal, tuple(owned))
            self._automaton.make_automaton()

    @property
    def always(self) -> list[int]:
        """Patterns run on every text: nothing could be said about the literals they require."""
        return list(self._always)

    def candidates(self, text: str) -> list[int]:
        """Pattern numbers that may match ``text``, in ascending order."""
        kept: list[int] = []
        if self._automaton is not None:
            touched: set[int] = set()
            for _end, owned in self._automaton.iter(text):
                touched.update(owned)
            if len(text) > _SUBSTRING_TESTS_UP_TO:
                kept.extend(touched)  # each test would read the long text again: RE2 reads it once instead
            else:
                rest = self._rest
                for number in touched:
                    if all(_any_in(clause, text) for clause in rest[number]):
                        kept.append(number)
        if self._always:
            kept.extend(self._always)
        kept.sort()
        return kept


def _without_superstrings(clause: frozenset[str]) -> frozenset[str]:
    """The clause without the strings that hold another of its strings: where 没有 occurs, 没 does,
    so {没有, 没, 不} asks exactly what {没, 不} asks, with fewer substring tests and automaton hits."""
    ordered = sorted(clause, key=len)
    kept: list[str] = []
    for string in ordered:
        if not any(shorter in string for shorter in kept):
            kept.append(string)
    return frozenset(kept)


def _any_in(strings: tuple[str, ...], text: str) -> bool:
    for string in strings:
        if string in text:
            return True
    return False
