"""The literal prefilter of regex sets: the strings it says a match must contain are really in every match.

A clause that a pattern does not really require would hide a finding, so the property tests compare
with RE2 itself: every match RE2 finds holds a string of every clause, and ``RegexSet.find`` gives
exactly what running every pattern on every text gives.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from servicecheck import Checker
from servicecheck.match.literals import LiteralPrefilter, _without_superstrings, required_literals
from servicecheck.match.regex import RegexSet, _spans, compile_regex

ALPHABET = "ab您好银行，"


def clauses(pattern: str, ignore_case: bool = False) -> list[set[str]]:
    return [set(clause) for clause in required_literals(pattern, ignore_case)]


# -- what the analysis says ------------------------------------------------------------------------------
def test_literals_around_a_gap_and_an_alternation_are_both_required():
    assert clauses("您好.{0,6}(?:银行|中心)") == [{"您好"}, {"银行", "中心"}]


def test_optional_parts_multiply_into_the_strings_around_them():
    assert clauses("还有(?:没有)?什么") == [{"还有什么", "还有没有什么"}]


def test_a_small_class_is_a_set_of_characters_and_a_repeat_requires_its_body_once():
    assert clauses("[吗么]") == [{"吗", "么"}]
    assert clauses("(?:谢谢)+您") == [{"谢谢"}, {"您"}]


def test_nothing_is_required_of_what_may_be_absent_or_is_not_a_literal():
    assert clauses("(?:您好)?") == []
    assert clauses("[0-9a-z]{4}") == []  # 36 characters: too many to list
    assert clauses("\\p{Han}{2,4}") == []
    assert clauses("[^\\P{Han}的了]+") == []
    assert clauses("(?:您好|.)") == []  # one branch requires nothing


def test_syntax_python_reads_differently_from_re2_gives_no_clause():
    assert clauses("[[:alpha:]]x") == []  # a POSIX class in RE2; Python would read a "]" literal
    assert clauses("(?i)abc") == []
    assert clauses("(?i:ab)c") == []
    assert clauses("\\Qa.b\\E") == []
    assert clauses("\\x{4e00}您") == []  # RE2's \x{...}: Python cannot read it, so nothing is claimed


def test_named_groups_and_non_capturing_groups_are_read():
    assert clauses("(?P<bank>银行)卡") == [{"银行卡"}]
    assert clauses("(?:银行)卡") == [{"银行卡"}]


def test_with_ignore_case_letters_are_not_literals_but_chinese_characters_are():
    assert clauses("abc", ignore_case=True) == []
    assert clauses("您好abc", ignore_case=True) == [{"您好"}]


def test_patterns_without_clauses_are_always_candidates():
    prefilter = LiteralPrefilter(["[0-9a-z]{4}", "您好"])
    assert prefilter.always == [0]
    assert prefilter.candidates("再见") == [0]
    assert prefilter.candidates("您好") == [0, 1]


def test_a_clause_asks_only_its_shortest_strings_and_still_finds_the_longer_ones():
    assert _without_superstrings(frozenset({"真的没有", "没有", "没", "不"})) == {"没", "不"}
    prefilter = LiteralPrefilter(["(?:真的没有|没有|没)办法", "(?:是吗|吗)[？?]"])
    assert prefilter.candidates("真的没有办法") == [0]
    assert prefilter.candidates("有办法吗？") == [1]
    assert prefilter.candidates("办法") == []


# -- against RE2 ---------------------------------------------------------------------------------------------
_ATOMS = st.sampled_from(["a", "b", "您", "好", "银行", ".", "[ab]", "[^a]", "\\p{Han}", "\\s", "[您好]"])


def _pattern(depth: int = 2) -> st.SearchStrategy[str]:
    if depth == 0:
        return _ATOMS
    inner = _pattern(depth - 1)
    sequence = st.lists(inner, min_size=1, max_size=4).map("".join)
    return st.one_of(
        _ATOMS,
        sequence,
        st.lists(sequence, min_size=2, max_size=3).map(lambda items: "(?:" + "|".join(items) + ")"),
        st.tuples(sequence, st.sampled_from(["?", "*", "+", "{2}", "{0,2}", "{1,3}", "??", "+?"])).map(
            lambda pair: "(?:" + pair[0] + ")" + pair[1]
        ),
        sequence.map(lambda s: "^" + s),
        sequence.map(lambda s: s + "$"),
    )


PATTERNS = _pattern()
TEXTS = st.text(alphabet=ALPHABET, max_size=24)


@settings(max_examples=400, deadline=None)
@given(PATTERNS, TEXTS)
def test_every_match_re2_finds_holds_a_string_of_every_clause(pattern, text):
    encoded = text.encode("utf-8")
    for start, end in _spans(compile_regex(pattern)._regexp, encoded, text):
        matched = text[start:end]
        for clause in required_literals(pattern):
            assert any(s in matched for s in clause), (pattern, text, matched, clause)


@settings(max_examples=200, deadline=None)
@given(st.lists(PATTERNS, min_size=1, max_size=6), st.lists(TEXTS, min_size=1, max_size=4))
def test_regex_set_finds_what_every_pattern_run_alone_finds(patterns, texts):
    regex_set = RegexSet(patterns)
    for text in texts:
        expected = [
            (number, start, end)
            for number, pattern in enumerate(patterns)
            for start, end in _spans(compile_regex(pattern)._regexp, text.encode("utf-8"), text)
        ]
        assert regex_set.find(text) == expected
        assert regex_set.matching(text) == [
            number
            for number, pattern in enumerate(patterns)
            if text and compile_regex(pattern).search(text) is not None  # an empty text matches nothing
        ]


# -- the built-in pack ----------------------------------------------------------------------------------------
_BANK = Checker("bank-cn").compiled.regex_set
# Texts made of the pack's own required strings and filler, so that patterns nearly match and often match.
_PIECES = sorted({s for p in _BANK.patterns for clause in required_literals(p) for s in clause})
_BANK_TEXTS = st.lists(st.one_of(st.sampled_from(_PIECES), st.text(alphabet="的了您我一二3，", max_size=3)), max_size=8)


@settings(max_examples=300, deadline=None)
@given(_BANK_TEXTS.map("".join))
def test_the_bank_packs_regexes_find_what_they_find_without_the_prefilter(text):
    expected = [
        (number, start, end)
        for number, regexp in enumerate(_BANK._compiled)
        for start, end in _spans(regexp, text.encode("utf-8"), text)
    ]
    assert _BANK.find(text) == expected


def test_a_text_too_long_for_substring_tests_keeps_every_pattern_its_automaton_finds():
    """Past 4,096 characters the other clauses are not tested: RE2 decides, with the same result."""
    rng = random.Random(5)
    text = "".join(rng.choice(_PIECES) + rng.choice(["", "的", "，", "3"]) for _ in range(2500))
    assert len(text) > 4096
    expected = [
        (number, start, end)
        for number, regexp in enumerate(_BANK._compiled)
        for start, end in _spans(regexp, text.encode("utf-8"), text)
    ]
    assert expected and _BANK.find(text) == expected
