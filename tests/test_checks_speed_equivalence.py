"""The process checks' shortcuts give what the plain computations give.

``CheckContext`` scans a speaker's joined utterances once per phrase list, strips punctuation with a few
regex passes, and asks a pattern check's regexes once of the joined texts; long lists of customer turns
compare a repeated question with a window of recent turns. Each shortcut is compared here with the
computation it replaces: the phrase spans with a ``PhraseIndex`` per utterance (what the checks used
before), stripping and counting with ``text.chars``, the regex prefilter with every pattern run on
every utterance, and the repeat window with comparing every pair.
"""

from __future__ import annotations

import re
import sys

from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from servicecheck import Transcript, load_pack
from servicecheck.checks import CheckContext
from servicecheck.checks.base import _SEPARATOR
from servicecheck.checks.repeats import repeated
from servicecheck.match.phrases import PhraseIndex
from servicecheck.match.regex import find_spans
from servicecheck.text import NormalizeOptions, Normalizer
from servicecheck.text.chars import (
    _CONTENT,
    _strip_by_table,
    content_length,
    count_content,
    is_punctuation_or_space,
    strip_punctuation,
)

NORMALIZER = Normalizer(NormalizeOptions(fillers=("呃",)))

# Pieces that make phrase hits, overlaps, near misses and every normalisation path likely: Traditional
# characters, full-width letters and digits, spaced-out characters, fillers, digit runs, punctuation.
PIECES = [
    "投诉",
    "太慢",
    "太慢了",
    "不投诉",
    "慢了",
    "生气",
    "没生气",
    "基金",
    "基金会",
    "公积金",
    "有风险",
    "市场有风险",
    "风险",
    "回电",
    "给您打电话",
    "工号",
    "您好",
    "請稍等",
    "稍等",
    "ＶＩＰ",
    "vip",
    "Call",
    "１２３",
    "幺三五二",
    "一二三四五六七八九零一二三四五六",
    "6222 0212 3456 7890",
    "a123456(7)",
    "感 谢 您",
    "呃",
    "，",
    "。",
    "？",
    "！",
    " ",
    "  ",
    "\u3000",
    "\u200b",
    "~",
    "é",
    "ｶ",
    "カ",
    "①",
    "😀",
    "\ue000",
    "ǅ",
    "x",
]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)
UTTERANCES = st.lists(st.tuples(st.sampled_from(["agent", "customer", "other"]), TEXTS), min_size=1, max_size=10)
PHRASE_LISTS = [
    ["投诉", "太慢了", "太慢", "生气", "气死"],
    ["不投诉", "没生气"],
    ["基金", "理财产品"],
    ["基金会", "公积金"],
    ["有风险", "市场有风险", "风险提示", "有一定风险"],
    ["回电", "给您打电话", "工号", "稍等", "請稍等", "请稍等"],
    ["ＶＩＰ", "vip", "Call back"],
    ["感谢您"],
    ["123", "1352"],
]
REGEX_LISTS = [
    ["(?:[0-9][ -]?){15,18}[0-9]", "[0-9]{17}[0-9x]", "[a-z][0-9]{6}\\(?[0-9a]\\)?"],
    ["^您好", "风险$", "太慢"],
    ["a*", "[^0-9]{3}"],
    ["vip|call", "幺三五"],
]


def bank_corpus():
    """The benchmark's call generator (benchmarks/corpus.py)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import corpus

    return corpus


def transcript(turns) -> Transcript:
    return Transcript.model_validate(
        {"id": "t", "utterances": [{"speaker": speaker, "text": text} for speaker, text in turns]}
    )


def reference_spans(normalizer: Normalizer, text: str, phrases: list[str]) -> list[tuple[int, int, str]]:
    """Phrase spans as the checks found them before: one automaton per list, run per utterance."""
    index = PhraseIndex()
    for phrase in phrases:
        index.add(normalizer.normalize(phrase), 0, phrase)
    index.build()
    view = normalizer.view(text)
    return [(*view.to_original(c.start, c.end), c.pattern) for c in index.find(view.norm)]


# -- stripping and counting --------------------------------------------------------------------------
def test_content_characters_are_never_punctuation():
    """Every character the fast paths set aside without classifying it (``_strip_by_table``)."""
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if _CONTENT.match(char):
            assert not is_punctuation_or_space(char), hex(code)


@given(TEXTS)
def test_strip_and_count_agree_with_text_chars(text):
    assert strip_punctuation(text) == _strip_by_table(text)
    assert count_content(text) == len(_strip_by_table(text))
    assert content_length(text) == len(_strip_by_table(text))


def test_strip_and_count_agree_on_the_bank_corpus():
    corpus = bank_corpus()

    texts = [u["text"] for call in corpus.generate(40) for u in call["utterances"]]
    joined = "".join(texts)
    assert strip_punctuation(joined) == _strip_by_table(joined)
    assert count_content(joined) == sum(len(_strip_by_table(t)) for t in texts)
    norms = [NORMALIZER.view(t).norm for t in texts]
    assert strip_punctuation(_SEPARATOR.join(norms)).split(_SEPARATOR) == [_strip_by_table(n) for n in norms]


# -- phrases -----------------------------------------------------------------------------------------
@settings(max_examples=200)
@given(UTTERANCES, st.sampled_from(["agent", "customer", "other", "any"]))
def test_joined_phrase_scan_agrees_with_one_utterance_at_a_time(turns, speaker):
    call = transcript(turns)
    ctx = CheckContext(call, [], NORMALIZER)
    for phrases in PHRASE_LISTS:
        automaton = ctx.phrase_list(phrases)
        expected = {
            i: reference_spans(NORMALIZER, u.text, phrases)
            for i, u in enumerate(call.utterances)
            if speaker in ("any", u.speaker)
        }
        assert ctx.phrase_utterances(speaker, automaton) == [i for i, spans in expected.items() if spans]
        for index, spans in expected.items():
            assert ctx.phrase_spans(index, automaton) == spans
            assert ctx.has_phrase(index, automaton) == bool(spans)
            assert ctx.find_text(index, phrases, []) == spans


@given(UTTERANCES)
def test_phrase_spans_without_a_speaker_scan(turns):
    """Windows after a trigger ask about single utterances that no speaker scan has covered."""
    call = transcript(turns)
    ctx = CheckContext(call, [], NORMALIZER)
    for phrases in PHRASE_LISTS:
        for index, utterance in enumerate(call.utterances):
            expected = reference_spans(NORMALIZER, utterance.text, phrases)
            assert ctx.phrase_spans(index, ctx.phrase_list(phrases)) == expected


# -- regexes -----------------------------------------------------------------------------------------
@settings(max_examples=200)
@given(UTTERANCES, st.sampled_from(["agent", "customer", "any"]))
def test_regex_prefilter_never_hides_a_match(turns, speaker):
    call = transcript(turns)
    ctx = CheckContext(call, [], NORMALIZER)
    for regexes in REGEX_LISTS:
        folded = [NORMALIZER.fold_pattern(p) for p in regexes]
        matched = any(
            next(iter(find_spans(pattern, NORMALIZER.view(u.text).norm, NORMALIZER.ignore_case)), None)
            for u in call.utterances
            if speaker in ("any", u.speaker)
            for pattern in folded
        )
        if matched:
            assert ctx.may_match(speaker, regexes)
        spans = [ctx.find_text(i, [], regexes) for i in ctx.speaker_indexes(speaker)]
        assert any(spans) == matched


def test_regex_prefilter_lets_anchored_patterns_through():
    call = transcript([("agent", "风险"), ("agent", "您好")])
    ctx = CheckContext(call, [], NORMALIZER)
    assert re.search("风险$", "风险\n您好") is None  # joined, the anchor no longer holds
    assert ctx.may_match("agent", ["风险$"])


# -- the bank pack's calls -----------------------------------------------------------------------------
def test_bank_pack_phrase_lists_on_the_corpus():
    corpus = bank_corpus()

    pack = load_pack("bank-cn")
    lists = []
    for check in pack.checks:
        trigger = getattr(check, "trigger", None)
        if trigger is not None:
            lists += [trigger.phrases, trigger.unless]
        lists += [r.phrases for r in getattr(check, "then", [])]
        lists += [getattr(check, "hold_phrases", []), getattr(check, "thanks_phrases", [])]
    lists = [phrases for phrases in lists if phrases]
    assert len(lists) >= 5
    for data in corpus.generate(25):
        call = Transcript.model_validate(data)
        ctx = CheckContext(call, [], NORMALIZER)
        for phrases in lists:
            automaton = ctx.phrase_list(phrases)
            for speaker in ("agent", "customer"):
                found = ctx.phrase_utterances(speaker, automaton)
                for index in ctx.speaker_indexes(speaker):
                    spans = reference_spans(NORMALIZER, call.utterances[index].text, phrases)
                    assert ctx.phrase_spans(index, automaton) == spans
                    assert (index in found) == bool(spans)


# -- repeated questions ------------------------------------------------------------------------------
def repeated_by_brute_force(texts: list[str], cutoff: float) -> list[bool]:
    """The trigger as it was written first: every text against every earlier distinct one."""
    seen: list[str] = []
    flags = []
    for text in texts:
        flags.append(
            text in seen or bool(seen and process.extractOne(text, seen, scorer=fuzz.ratio, score_cutoff=cutoff))
        )
        if text not in seen:
            seen.append(text)
    return flags


SIMILAR_TEXTS = st.lists(
    st.one_of(
        st.text(alphabet="我想问一下账单分期怎么还款", min_size=2, max_size=24),
        st.text(alphabet="abcab", min_size=2, max_size=12),
        st.sampled_from(
            ["我想问一下我的账单", "我想问一下我的帐单", "我想问下我的账单", "你们效率太低了", "效率太低了吧"]
        ),
    ),
    max_size=60,
)


@settings(max_examples=300)
@given(SIMILAR_TEXTS, st.one_of(st.sampled_from([1.0, 50.0, 85.0, 90.0, 99.5, 100.0]), st.floats(0.5, 100.0)))
def test_repeat_window_finds_what_comparing_everything_finds_within_it(texts, cutoff):
    expected = repeated_by_brute_force(texts, cutoff)
    assert repeated(texts, cutoff) == expected  # at most 60 texts: within the default window
    assert repeated(texts, cutoff, window=len(texts) + 1) == expected


def test_texts_whose_lengths_just_allow_the_cutoff_are_still_compared():
    # fuzz.ratio("ab", "abcdef") is 200 × 2 / 8 = 50: the highest two texts of these lengths can score
    assert repeated(["ab", "abcdef"], 50.0) == [False, True]
    assert repeated(["abcdef", "ab"], 50.0) == [False, True]
    assert repeated(["abcdef", "ab"], 50.5) == [False, False]


def test_repeat_window_bounds_the_comparisons_but_not_exact_repeats():
    question, variant = "我想问一下我的账单什么时候寄到", "我想问下我的账单什么时候寄到"
    others = ["信用卡额度能提高吗", "积分怎么兑换礼品", "密码忘了怎么办呢", "网银登录不了了", "挂失以后多久补卡"]
    texts = [question, *others, variant, question]
    assert repeated(texts, 85.0, window=10) == [False] * 6 + [True, True]
    # Five distinct turns later, a window of three no longer holds the question: the variant is new,
    # the question itself is still an exact repeat.
    assert repeated(texts, 85.0, window=3) == [False] * 7 + [True]


def test_repeat_window_on_a_long_call_of_the_corpus():
    """A call longer than the window: what the window finds, comparing everything finds too; exact
    repeats are found all the same."""
    corpus = bank_corpus()
    call = Transcript.model_validate(corpus.generate(1, utterances=1200, seed=3)[0])
    ctx = CheckContext(call, [], NORMALIZER)
    texts = [norm for _, norm in ctx.stripped_norms("customer", 8) if len(norm) >= 8]
    assert len(texts) > 300
    everything = repeated_by_brute_force(texts, 85.0)
    assert any(everything) and not all(everything)
    assert repeated(texts, 85.0, window=200) == everything  # its repeats lie within 200 distinct turns
    assert repeated(texts, 85.0, window=len(texts)) == everything
    windowed = repeated(texts, 85.0, window=50)
    assert windowed != everything  # ... but further back than 50 distinct turns
    assert all(e for w, e in zip(windowed, everything) if w)
