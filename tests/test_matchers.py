"""Every matcher kind of the pack language, end to end through ``Checker``.

One small pack, written here, holds one stage per behaviour under test (stage ids name the behaviour),
so a single Checker is built for the module. Each test feeds one-utterance transcripts of its own
sentences and asserts the exact matched text, the offsets into the ORIGINAL text, the rule id, the
method and the similarity; ``Checker.explain`` shows why a candidate was dropped.
"""

from __future__ import annotations

import json
import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicecheck import Checker, PackError, load_pack
from servicecheck.checker import _resolve_overlaps
from servicecheck.match.base import METHOD_PRIORITY, Candidate


def _stage(stage_id, *rules, **fields):
    return {"id": stage_id, "name": stage_id, "speaker": "any", "rules": list(rules), **fields}


PACK = {
    "id": "matchers-test",
    "version": "1",
    "negators": ["没", "没有", "不", "不是", "别"],
    "normalize": {"fillers": []},  # fillers such as 呃 stay in the text: fuzzy matching has to cope
    "stages": [
        # phrases
        _stage("tok", {"id": "tok.p", "phrases": ["您好", "了解", "帮您"]}),
        _stage("chr", {"id": "chr.p", "phrases": ["您好", "了解"], "boundary": "char"}),
        _stage("norm", {"id": "norm.p", "phrases": ["谢谢您的耐心", "VIP专线", "信用卡"]}),
        _stage("share_a", {"id": "share_a.p", "phrases": ["请您核对"]}),
        _stage("share_b", {"id": "share_b.p", "phrases": ["请您核对"]}),
        # regex
        _stage(
            "rx",
            {"id": "rx.id", "regex": ["工号[0-9]{4}", r"\p{Han}{2}银行"]},
            {"id": "rx.nested", "regex": ["(a+)+$"]},
        ),
        _stage("rx_case", {"id": "rx_case.p", "regex": ["VIP[0-9]+号", "來電"]}),
        # fuzzy
        _stage("fz", {"id": "fz.thanks", "fuzzy": {"phrases": ["感谢您的来电"], "threshold": 0.8}}),
        # pinyin
        _stage(
            "py",
            {"id": "py.p", "phrases": ["您好", "再见", "欢迎致电", "祝您生活愉快"], "homophones": True},
            {"id": "py.only", "pinyin": ["请稍等"]},
            negation=False,
        ),
        _stage("pyt", {"id": "pyt.p", "phrases": ["您好", "再见"], "homophones": True, "tones": True}, negation=False),
        # tokens
        _stage(
            "tk",
            {"id": "tk.confirm", "tokens": [["您|你", "是说", {"gap": 20}, "对吗|是吗"]]},
            {"id": "tk.understand", "tokens": [["我", "明白|理解", "了?", "您", "的", "意思"]]},
        ),
        # overlap resolution: listed worst first, so the rule order never explains the winner
        _stage(
            "prio",
            {"id": "prio.fuzzy", "fuzzy": {"phrases": ["感谢你的来电"], "threshold": 0.8}},
            {"id": "prio.pinyin", "pinyin": ["感谢你的来电"]},
            {"id": "prio.tokens", "tokens": [["感谢|感谢您", "你|您?", "的|得", "来电"]]},
            {"id": "prio.regex", "regex": ["感谢[你您]的来电"]},
            {"id": "prio.exact", "phrases": ["感谢你的来电"]},
        ),
        _stage(
            "prio_len",
            {"id": "prio_len.regex", "regex": ["本月账单[0-9]+号出"]},
            {"id": "prio_len.exact", "phrases": ["账单"]},
        ),
        _stage("tb_len", {"id": "tb_len.short", "phrases": ["办理"]}, {"id": "tb_len.long", "phrases": ["办理分期"]}),
        _stage(
            "tb_sim",
            {"id": "tb_sim.near", "fuzzy": {"phrases": ["请问还有其它问题吗"], "threshold": 0.8}},
            {"id": "tb_sim.same", "fuzzy": {"phrases": ["请问还有其他问题吗"], "threshold": 0.8}},
        ),
        _stage(
            "tb_start",
            {"id": "tb_start.later", "phrases": ["谢关照"], "boundary": "char"},
            {"id": "tb_start.earlier", "phrases": ["多谢关"], "boundary": "char"},
        ),
        _stage(
            "tb_order",
            {"id": "tb_order.first", "phrases": ["稍等片刻"]},
            {"id": "tb_order.second", "phrases": ["稍等片刻"]},
        ),
        # context filters
        {"id": "closing", "name": "closing", "rules": [{"id": "closing.bye", "phrases": ["再见"]}]},
        {
            "id": "closing_nn",
            "name": "closing",
            "rules": [{"id": "closing_nn.bye", "phrases": ["再见"], "negation": False}],
        },
        {"id": "transfer", "name": "transfer", "rules": [{"id": "transfer.p", "phrases": ["转接"]}]},
        {
            "id": "forbidden",
            "name": "禁语",
            "violation": True,
            "severity": "major",
            "rules": [{"id": "forbidden.dunno", "phrases": ["不知道"], "unless": ["不知道您"]}],
        },
        {
            "id": "uw2",
            "name": "uw2",
            "rules": [{"id": "uw2.p", "phrases": ["处理"], "unless": ["稍后"], "unless_within": 2}],
        },
        {
            "id": "uw3",
            "name": "uw3",
            "rules": [{"id": "uw3.p", "phrases": ["处理"], "unless": ["稍后"], "unless_within": 3}],
        },
        {
            "id": "ctx_all",
            "name": "ctx_all",
            "rules": [
                {
                    "id": "ctx_all.p",
                    "phrases": ["核实"],
                    "context": {"all": [{"phrases": ["为您"], "within": 2, "side": "before"}]},
                }
            ],
        },
        {
            "id": "ctx_side",
            "name": "ctx_side",
            "rules": [
                {"id": "ctx_side.p", "phrases": ["核实"], "context": {"all": [{"phrases": ["为您"], "side": "before"}]}}
            ],
        },
        {
            "id": "ctx_any",
            "name": "ctx_any",
            "rules": [
                {
                    "id": "ctx_any.p",
                    "phrases": ["稍等"],
                    "context": {
                        "any": [
                            {"phrases": ["请您"], "within": 2, "side": "before"},
                            {"regex": ["[0-9]+分钟"], "within": 4, "side": "after"},
                        ]
                    },
                }
            ],
        },
        {
            "id": "ctx_none",
            "name": "ctx_none",
            "rules": [
                {
                    "id": "ctx_none.p",
                    "phrases": ["投诉"],
                    "context": {"none": [{"phrases": ["受理"], "within": 4, "side": "after"}]},
                }
            ],
        },
        {
            "id": "spk",
            "name": "speaker",
            "rules": [
                {"id": "spk.agent", "phrases": ["请稍候"]},
                {"id": "spk.customer", "phrases": ["我要投诉"], "speaker": "customer"},
            ],
        },
        {
            "id": "win_first",
            "name": "first",
            "rules": [{"id": "win_first.p", "phrases": ["早上好"], "window": {"first": 1}}],
        },
        {"id": "win_last", "name": "last", "rules": [{"id": "win_last.p", "phrases": ["再会"], "window": {"last": 1}}]},
        {
            "id": "win_all",
            "name": "first of all",
            "rules": [{"id": "win_all.p", "phrases": ["早上好"], "window": {"first": 2, "of": "all"}}],
        },
        {
            "id": "ack",
            "name": "ack",
            "rules": [{"id": "ack.p", "phrases": ["好的", "嗯嗯", "明白"], "anchor": "start"}],
        },
    ],
}

OVERLAP_REASON = "与同一环节更优先的命中重叠"
BOUNDARY_REASON = "不在词边界上（分词切开了短语）"


@pytest.fixture(scope="module")
def checker():
    return Checker(load_pack(PACK))


def _findings(checker, text, stage=None, speaker="agent"):
    report = checker.check({"id": "t", "utterances": [{"speaker": speaker, "text": text}]})
    found = [f for f in report.findings if stage is None or f.stage == stage]
    for f in found:  # offsets always point into the ORIGINAL text
        assert text[f.start : f.end] == f.text
        assert f.global_start == f.start and f.global_end == f.end
        assert f.pattern and f"「{f.pattern}」" in f.explanation
        for token in f.tokens:
            assert text[token.start : token.end] == token.text
    return found


def _spans(findings):
    return [(f.rule_id, f.start, f.end, f.text, f.method, f.similarity) for f in findings]


def _rows(checker, text, stage, speaker="agent"):
    rows = [r for r in checker.explain(text, speaker) if r["stage"] == stage]
    for r in rows:
        assert text[r["start"] : r["end"]] == r["text"]
    return rows


# -- phrases -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("您好像不太方便", []),  # 您/好像
        ("为了解决这个问题", []),  # 为了/解决
        ("您好，请问", [("tok.p", 0, 2, "您好", "exact", 1.0)]),
        ("您好，帮您查一下", [("tok.p", 0, 2, "您好", "exact", 1.0), ("tok.p", 3, 5, "帮您", "exact", 1.0)]),
        # 帮您 alone is 帮/您, but here jieba cuts 帮/您好/的: the candidate 帮您 crosses a token edge
        ("帮您好的", [("tok.p", 1, 3, "您好", "exact", 1.0)]),
    ],
)
def test_phrases_sit_on_token_boundaries_by_default(checker, text, expected):
    assert _spans(_findings(checker, text, "tok")) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("您好像不太方便", [("chr.p", 0, 2, "您好", "exact", 1.0)]),
        ("为了解决这个问题", [("chr.p", 1, 3, "了解", "exact", 1.0)]),
    ],
)
def test_boundary_char_opts_out_of_token_boundaries(checker, text, expected):
    assert _spans(_findings(checker, text, "chr")) == expected


def test_phrase_found_on_characters_then_checked_against_the_utterance_tokens(checker):
    rows = _rows(checker, "帮您好的", "tok")
    assert [(r["pattern"], r["start"], r["end"], r["kept"], r["reason"]) for r in rows] == [
        ("帮您", 0, 2, False, BOUNDARY_REASON),
        ("您好", 1, 3, True, ""),
    ]
    # 好的 is two tokens in 嗯嗯，好的 (好/的) yet starts and ends on token edges, so it counts.
    assert _spans(_findings(checker, "嗯嗯，好的", "ack"))[1] == ("ack.p", 3, 5, "好的", "exact", 1.0)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("謝謝您的耐心等待", ("norm.p", 0, 6, "謝謝您的耐心")),  # Traditional
        ("请拨打ＶＩＰ专线", ("norm.p", 3, 8, "ＶＩＰ专线")),  # full-width, upper case
        ("谢 谢 您 的 耐 心", ("norm.p", 0, 11, "谢 谢 您 的 耐 心")),  # ASR spaces
        ("您的信 用 卡，", ("norm.p", 2, 7, "信 用 卡")),
        ("「您的ｖｉｐ專線」", ("norm.p", 3, 8, "ｖｉｐ專線")),
    ],
)
def test_normalised_input_offsets_point_into_the_original_text(checker, text, expected):
    found = _findings(checker, text, "norm")
    assert [(f.rule_id, f.start, f.end, f.text) for f in found] == [expected]
    assert found[0].method == "exact" and found[0].similarity == 1.0
    assert found[0].tokens and found[0].tokens[0].start == found[0].start
    assert found[0].tokens[-1].end == found[0].end


def test_two_rules_of_different_stages_sharing_a_phrase_both_fire(checker):
    found = _findings(checker, "请您核对一下")
    shared = [(f.stage, f.rule_id, f.start, f.end, f.text) for f in found if f.stage.startswith("share_")]
    assert shared == [("share_a", "share_a.p", 0, 4, "请您核对"), ("share_b", "share_b.p", 0, 4, "请您核对")]


def test_ten_thousand_phrases_in_one_rule():
    alphabet = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
    phrases = [a + b + c for a in alphabet for b in alphabet for c in alphabet][:10_000]
    assert len(set(phrases)) == 10_000
    began = time.perf_counter()
    pack = load_pack({"id": "big", "stages": [_stage("big", {"id": "big.p", "phrases": phrases})]})
    big = Checker(pack)
    wanted = [phrases[0], phrases[4321], phrases[-1]]
    text = "，".join(wanted) + "。"
    found = _findings(big, text, "big")
    elapsed = time.perf_counter() - began
    assert [(f.start, f.end, f.text, f.pattern) for f in found] == [
        (0, 3, wanted[0], wanted[0]),
        (4, 7, wanted[1], wanted[1]),
        (8, 11, wanted[2], wanted[2]),
    ]
    assert len(big.compiled.phrases) == 10_000
    assert elapsed < 5.0


# -- regex -------------------------------------------------------------------------------------------------
def test_regex_runs_re2_syntax_with_code_point_offsets(checker):
    text = "我是客服，工号2048，星海银行为您服务"
    assert _spans(_findings(checker, text, "rx")) == [
        ("rx.id", 5, 11, "工号2048", "regex", 1.0),
        ("rx.id", 12, 16, "星海银行", "regex", 1.0),
    ]
    found = _findings(checker, "工号２０４８", "rx")  # full-width digits are folded before matching
    assert _spans(found) == [("rx.id", 0, 6, "工号２０４８", "regex", 1.0)]
    assert "「工号[0-9]{4}」" in found[0].explanation


@pytest.mark.parametrize("text", ["VIP8号", "来电", "來電"])
def test_regex_with_capitals_or_traditional_characters_matches(checker, text):
    assert [f.text for f in _findings(checker, text, "rx_case")] == [text]


def test_nested_quantifier_regex_is_linear(checker):
    began = time.perf_counter()
    assert _spans(_findings(checker, "a" * 10_000 + "b", "rx")) == []
    found = _findings(checker, "a" * 10_000, "rx")
    elapsed = time.perf_counter() - began
    assert [(f.rule_id, f.start, f.end) for f in found] == [("rx.nested", 0, 10_000)]
    assert elapsed < 1.0


@pytest.mark.parametrize(
    "pattern, words",
    [
        ("[unclosed", ["not valid for the RE2 engine"]),
        ("a(?=b)", ["not valid for the RE2 engine", "(?="]),
        (r"\b您好", [r"\b", "boundary: token"]),
        (r"\w+", [r"\w", "boundary: token"]),
        (r"[\W]", [r"\W", "boundary: token"]),
    ],
)
def test_invalid_regexes_are_rejected_at_load(pattern, words):
    with pytest.raises(PackError) as raised:
        load_pack({"id": "bad", "stages": [_stage("s", {"id": "r", "regex": ["ok", pattern]})]})
    ((path, message),) = raised.value.problems
    assert path == "stages[0].rules[0].regex[1]"
    for word in words:
        assert word in message


def test_escaped_backslash_before_b_is_no_word_boundary():
    pack = load_pack({"id": "ok", "stages": [_stage("s", {"id": "r", "regex": [r"\\b", r"\p{Han}\d"]})]})
    assert pack.stages[0].rules[0].regex == [r"\\b", r"\p{Han}\d"]


# -- fuzzy -------------------------------------------------------------------------------------------------
def test_fuzzy_tolerates_an_inserted_filler_and_a_substitution(checker):
    found = _findings(checker, "感谢呃您的来电", "fz")
    assert _spans(found) == [("fz.thanks", 0, 7, "感谢呃您的来电", "fuzzy", 0.9231)]  # 2*6/13
    assert "相似度 0.92" in found[0].explanation
    found = _findings(checker, "好的，感谢您滴来电。", "fz")
    assert _spans(found) == [("fz.thanks", 3, 9, "感谢您滴来电", "fuzzy", 0.8333)]  # 1 - 2/12
    for f in found:
        assert 0.8 <= f.similarity < 1


def test_fuzzy_below_threshold_is_not_found(checker):
    assert _findings(checker, "感觉您滴来电", "fz") == []  # two substitutions: 8/12 < 0.8
    assert _rows(checker, "感觉您滴来电", "fz") == []


def test_fuzzy_min_length_is_validated():
    with pytest.raises(PackError):
        load_pack({"id": "f", "stages": [_stage("s", {"id": "r", "fuzzy": {"phrases": ["感谢"], "min_length": 1}})]})


def test_fuzzy_phrase_shorter_than_min_length_is_rejected_at_load():
    with pytest.raises(PackError) as raised:
        load_pack({"id": "f", "stages": [_stage("s", {"id": "r", "fuzzy": {"phrases": ["谢谢"]}})]})
    assert "stages[0].rules[0].fuzzy" in str(raised.value)


# -- pinyin ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("您号，请问", ("py.p", 0, 2, "您号", "您好")),
        ("在见", ("py.p", 0, 2, "在见", "再见")),
        ("欢迎至电星海", ("py.p", 0, 4, "欢迎至电", "欢迎致电")),
        ("祝您生活余快", ("py.p", 0, 6, "祝您生活余快", "祝您生活愉快")),
        ("请稍登", ("py.only", 0, 3, "请稍登", "请稍等")),
    ],
)
def test_pinyin_finds_asr_homophones(checker, text, expected):
    found = _findings(checker, text, "py")
    assert [(f.rule_id, f.start, f.end, f.text, f.pattern) for f in found] == [expected]
    assert found[0].method == "pinyin" and found[0].similarity == 1.0
    assert f"原文「{expected[3]}」" in found[0].explanation


def test_exact_text_is_an_exact_hit_not_also_a_pinyin_one(checker):
    found = _findings(checker, "祝您生活愉快，再见", "py")
    assert _spans(found) == [
        ("py.p", 0, 6, "祝您生活愉快", "exact", 1.0),
        ("py.p", 7, 9, "再见", "exact", 1.0),
    ]
    assert [r["method"] for r in _rows(checker, "祝您生活愉快，再见", "py")] == ["exact", "exact"]


def test_pinyin_tones():
    from pypinyin import Style, lazy_pinyin

    # 号 and 好 share the syllable hao but not the tone; 在 and 再 are both zài.
    assert lazy_pinyin("号好", style=Style.NORMAL) == ["hao", "hao"]
    assert lazy_pinyin("号好", style=Style.TONE3) == ["hao4", "hao3"]
    assert lazy_pinyin("在再", style=Style.TONE3) == ["zai4", "zai4"]


def test_tones_true_rejects_a_different_tone_that_toneless_accepts(checker):
    assert [f.rule_id for f in _findings(checker, "您号，请问") if f.stage in ("py", "pyt")] == ["py.p"]
    found = [f for f in _findings(checker, "在见") if f.stage in ("py", "pyt")]
    assert [(f.rule_id, f.method, f.text) for f in found] == [("py.p", "pinyin", "在见"), ("pyt.p", "pinyin", "在见")]


# -- tokens ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("您是说这个月的账单是吗", (0, 11, "您是说这个月的账单是吗")),
        ("好的，你是说要改密码对吗", (3, 12, "你是说要改密码对吗")),  # 对吗 is 对/吗 here
        ("您是说" + "，" * 20 + "对吗", (0, 25, "您是说" + "，" * 20 + "对吗")),  # gap of exactly 20
    ],
)
def test_token_sequence_matches_paraphrases(checker, text, expected):
    found = _findings(checker, text, "tk")
    assert [(f.rule_id, f.start, f.end, f.text, f.method, f.similarity) for f in found] == [
        ("tk.confirm", *expected, "tokens", 1.0)
    ]
    assert "「您|你 是说 …20 对吗|是吗」" in found[0].explanation


def test_token_sequence_fails_when_the_gap_is_exceeded(checker):
    assert _findings(checker, "您是说" + "，" * 21 + "对吗", "tk") == []


def test_token_sequence_needs_whole_tokens(checker):
    assert _findings(checker, "您是说明白对吗", "tk")[0].text == "您是说明白对吗"
    assert _findings(checker, "您是谁说对吗", "tk") == []  # 是说 must be adjacent tokens


@pytest.mark.parametrize("text", ["我明白了您的意思", "我明白您的意思", "我理解您的意思"])
def test_token_sequence_optional_items(checker, text):
    found = _findings(checker, text, "tk")
    assert [(f.rule_id, f.start, f.end, f.text) for f in found] == [("tk.understand", 0, len(text), text)]


# -- context -----------------------------------------------------------------------------------------------
def test_speaker_of_the_stage_and_of_the_rule(checker):
    assert [f.rule_id for f in _findings(checker, "请稍候", "spk")] == ["spk.agent"]
    assert _findings(checker, "请稍候", "spk", speaker="customer") == []
    assert [f.rule_id for f in _findings(checker, "我要投诉", "spk", speaker="customer")] == ["spk.customer"]
    assert _findings(checker, "我要投诉", "spk", speaker="agent") == []
    (row,) = _rows(checker, "请稍候", "spk", speaker="customer")
    assert not row["kept"] and "agent" in row["reason"]


def test_rule_windows(checker):
    report = checker.check(
        {
            "id": "w",
            "utterances": [
                {"speaker": "customer", "text": "早上好"},
                {"speaker": "agent", "text": "早上好"},
                {"speaker": "agent", "text": "早上好，再会"},
                {"speaker": "customer", "text": "再会"},
                {"speaker": "agent", "text": "再会"},
            ],
        }
    )
    by_stage = {}
    for f in report.findings:
        by_stage.setdefault(f.stage, []).append((f.utterance_index, f.start, f.end))
    assert by_stage["win_first"] == [(1, 0, 3)]  # the agent's first utterance only
    assert by_stage["win_last"] == [(4, 0, 2)]  # the agent's last utterance only
    assert by_stage["win_all"] == [(1, 0, 3)]  # the first two utterances of the call; index 0 is the customer's


@pytest.mark.parametrize(
    "text, stage, expected, negator",
    [
        ("我没说再见", "closing", [], "没"),
        ("好的，再见", "closing", [("closing.bye", 3, 5, "再见", "exact", 1.0)], None),
        ("我没说再见", "closing_nn", [("closing_nn.bye", 3, 5, "再见", "exact", 1.0)], None),
        ("这不是转接", "transfer", [], "不是"),
        ("正在为您转接", "transfer", [("transfer.p", 4, 6, "转接", "exact", 1.0)], None),
        ("不是这个，正在为您转接", "transfer", [("transfer.p", 9, 11, "转接", "exact", 1.0)], None),
    ],
)
def test_negation(checker, text, stage, expected, negator):
    assert _spans(_findings(checker, text, stage)) == expected
    if negator:
        (row,) = _rows(checker, text, stage)
        assert row["reason"] == f"前文有否定词「{negator}」"


def test_unless(checker):
    assert _findings(checker, "不知道您现在方便吗", "forbidden") == []
    found = _findings(checker, "我不知道", "forbidden")
    assert _spans(found) == [("forbidden.dunno", 1, 4, "不知道", "exact", 1.0)]
    assert found[0].kind == "violation" and found[0].severity == "major"


def test_unless_within(checker):
    # 稍后 ends two characters before 处理: within 2 it does not reach, within 3 it does.
    assert _spans(_findings(checker, "稍后为您处理", "uw2")) == [("uw2.p", 4, 6, "处理", "exact", 1.0)]
    assert _findings(checker, "稍后为您处理", "uw3") == []
    assert _spans(_findings(checker, "我来处理", "uw3")) == [("uw3.p", 2, 4, "处理", "exact", 1.0)]


@pytest.mark.parametrize(
    "text, stage, expected",
    [
        ("我为您核实", "ctx_all", [("ctx_all.p", 3, 5)]),
        ("为您仔细核实", "ctx_all", []),  # 为您 is more than 2 characters before
        ("核实后为您回电", "ctx_all", []),  # 为您 is after, the condition says before
        ("请您稍等", "ctx_any", [("ctx_any.p", 2, 4)]),
        ("稍等5分钟", "ctx_any", [("ctx_any.p", 0, 2)]),
        ("您稍等", "ctx_any", []),
        ("我要投诉你们", "ctx_none", [("ctx_none.p", 2, 4)]),
        ("投诉已受理", "ctx_none", []),
        ("投诉的事情我们稍后受理", "ctx_none", [("ctx_none.p", 0, 2)]),  # 受理 beyond 4 characters
    ],
)
def test_context_conditions(checker, text, stage, expected):
    found = _findings(checker, text, stage)
    assert [(f.rule_id, f.start, f.end) for f in found] == expected
    if expected and stage in ("ctx_all", "ctx_any"):
        assert "上下文含" in found[0].explanation


def test_context_side_without_within(checker):
    assert [f.text for f in _findings(checker, "我为您核实", "ctx_side")] == ["核实"]
    assert _findings(checker, "核实一下为您", "ctx_side") == []


def test_context_reasons(checker):
    assert _rows(checker, "为您仔细核实", "ctx_all")[0]["reason"] == "缺少必需的上下文"
    assert _rows(checker, "您稍等", "ctx_any")[0]["reason"] == "上下文不含任一所需词语"
    assert _rows(checker, "投诉已受理", "ctx_none")[0]["reason"] == "上下文含排除词「受理」"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("好的，我来处理", [("ack.p", 0, 2, "好的")]),
        ("嗯嗯，好的", [("ack.p", 0, 2, "嗯嗯"), ("ack.p", 3, 5, "好的")]),  # chained
        ("比较好的选择", []),  # 比较/好/的/选择: on token edges, but not at the start
        ("我觉得好的", []),
    ],
)
def test_anchor_start(checker, text, expected):
    assert [(f.rule_id, f.start, f.end, f.text) for f in _findings(checker, text, "ack")] == expected


# -- overlap resolution ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, winner, losers",
    [
        ("感谢你的来电", "prio.exact", {"prio.regex", "prio.tokens", "prio.pinyin", "prio.fuzzy"}),
        ("感谢您的来电", "prio.regex", {"prio.tokens", "prio.fuzzy"}),
        ("感谢你得来电", "prio.tokens", {"prio.pinyin", "prio.fuzzy"}),
        ("干谢你的来电", "prio.pinyin", {"prio.fuzzy"}),
    ],
)
def test_method_priority_within_a_stage(checker, text, winner, losers):
    found = _findings(checker, text, "prio")
    assert [(f.rule_id, f.start, f.end, f.text) for f in found] == [(winner, 0, 6, text)]
    rows = _rows(checker, text, "prio")
    assert {r["rule"] for r in rows if not r["kept"]} == losers
    assert all(r["reason"] == OVERLAP_REASON for r in rows if not r["kept"])


def test_longer_span_wins_before_method(checker):
    # Length decides first: the regex covering the whole sentence beats the exact phrase inside it.
    text = "本月账单5号出"
    assert [(f.rule_id, f.text) for f in _findings(checker, text, "prio_len")] == [("prio_len.regex", text)]
    (dropped,) = [r for r in _rows(checker, text, "prio_len") if not r["kept"]]
    assert (dropped["rule"], dropped["text"], dropped["reason"]) == ("prio_len.exact", "账单", OVERLAP_REASON)


def test_ties_broken_by_length_similarity_start_and_rule_order(checker):
    assert [(f.rule_id, f.text) for f in _findings(checker, "我要办理分期", "tb_len")] == [("tb_len.long", "办理分期")]

    rows = _rows(checker, "请问还有其他问题吗", "tb_sim")
    assert {(r["rule"], r["start"], r["end"], r["similarity"], r["kept"]) for r in rows} == {
        ("tb_sim.same", 0, 9, 1.0, True),
        ("tb_sim.near", 0, 9, 0.8889, False),
    }

    assert [(f.rule_id, f.text) for f in _findings(checker, "多谢关照", "tb_start")] == [("tb_start.earlier", "多谢关")]

    assert [f.rule_id for f in _findings(checker, "稍等片刻", "tb_order")] == ["tb_order.first"]
    (dropped,) = [r for r in _rows(checker, "稍等片刻", "tb_order") if not r["kept"]]
    assert (dropped["rule"], dropped["reason"]) == ("tb_order.second", OVERLAP_REASON)


def test_hits_of_different_stages_may_overlap(checker):
    stages = [f.stage for f in _findings(checker, "祝您生活余快，再见")]
    assert stages.count("closing") == 1 and stages.count("py") == 2 and stages.count("pyt") == 1


def test_overlap_resolution_is_deterministic(checker):
    assert list(METHOD_PRIORITY) == ["exact", "regex", "tokens", "pinyin", "fuzzy"]
    rules = checker.compiled.rules[:4]  # real compiled rules (the compiled checker takes no stand-ins)
    assert [rule.order for rule in rules] == [0, 1, 2, 3]
    hits = [
        (Candidate(3, 0, 2, "pinyin", 1.0, "d"), rules[3], []),  # short, but a better method than e
        (Candidate(0, 1, 5, "fuzzy", 0.9, "a"), rules[0], []),  # overlaps d
        (Candidate(1, 2, 6, "fuzzy", 0.95, "b"), rules[1], []),
        (Candidate(2, 2, 6, "fuzzy", 0.95, "c"), rules[2], []),  # same as b, later rule
        (Candidate(0, 3, 6, "fuzzy", 0.99, "g"), rules[0], []),  # shorter than b
        (Candidate(1, 2, 6, "fuzzy", 0.94, "h"), rules[1], []),  # lower similarity than b
        (Candidate(3, 6, 8, "fuzzy", 0.86, "e"), rules[3], []),
        (Candidate(0, 7, 9, "fuzzy", 0.86, "f"), rules[0], []),  # same as e but starts later
    ]
    expected = ["b", "d", "e"]  # longest first (b beats a, c, g, h), then method (d before e)
    assert [h[0].pattern for h in _resolve_overlaps(hits)] == expected
    shuffler = random.Random(7)
    for _ in range(50):
        shuffled = hits[:]
        shuffler.shuffle(shuffled)
        assert [h[0].pattern for h in _resolve_overlaps(shuffled)] == expected


# -- explain -----------------------------------------------------------------------------------------------
def test_explain_lists_kept_and_dropped_candidates_with_reasons(checker):
    rows = checker.explain("我没说再见，帮您好的")
    summary = {(r["stage"], r["pattern"], r["start"], r["kept"], r["reason"]) for r in rows}
    assert ("closing", "再见", 3, False, "前文有否定词「没」") in summary
    assert ("closing_nn", "再见", 3, True, "") in summary
    assert ("tok", "帮您", 6, False, BOUNDARY_REASON) in summary
    assert ("tok", "您好", 7, True, "") in summary

    rows = checker.explain("不知道您现在方便吗")
    assert [(r["rule"], r["text"], r["kept"], r["reason"]) for r in rows if r["stage"] == "forbidden"] == [
        ("forbidden.dunno", "不知道", False, "与排除短语「不知道您」重叠")
    ]

    rows = _rows(checker, "感谢你的来电", "prio")
    kept = [r for r in rows if r["kept"]]
    assert [(r["rule"], r["method"], r["pattern"], r["text"], r["similarity"]) for r in kept] == [
        ("prio.exact", "exact", "感谢你的来电", "感谢你的来电", 1.0)
    ]
    assert {r["reason"] for r in rows if not r["kept"]} == {OVERLAP_REASON}
    assert set(rows[0]) == {
        "stage",
        "rule",
        "method",
        "pattern",
        "start",
        "end",
        "text",
        "similarity",
        "lexicons",
        "kept",
        "reason",
    }


def test_explain_reports_original_offsets_and_nothing_for_plain_text(checker):
    rows = _rows(checker, "謝 謝您的耐心", "norm")
    assert [(r["start"], r["end"], r["text"], r["kept"]) for r in rows] == [(0, 7, "謝 謝您的耐心", True)]
    assert checker.explain("今天天气不错") == []
    assert checker.explain("") == []


def test_toneless_syllables_are_pypinyins_classes():
    """Our tone stripping must group characters exactly as pypinyin's does (same homophones)."""
    from pypinyin.pinyin_dict import pinyin_dict
    from pypinyin.style._utils import replace_symbol_to_no_symbol

    from servicecheck.match.pinyin import _load_pinyin_dict, _toneless

    assert _load_pinyin_dict() == pinyin_dict
    ours_to_theirs: dict[str, str] = {}
    theirs_to_ours: dict[str, str] = {}
    for readings in pinyin_dict.values():
        reading = readings.split(",")[0]
        ours, theirs = _toneless(reading), replace_symbol_to_no_symbol(reading)
        assert ours_to_theirs.setdefault(ours, theirs) == theirs, reading
        assert theirs_to_ours.setdefault(theirs, ours) == ours, reading
    assert _toneless("lǜ") == "lü" and _toneless("ḿ") == "m" and _toneless("hǎo") == "hao"


def test_homophone_matching_does_not_import_pypinyin():
    """Importing pypinyin loads its phrase dictionary: 0.15 s of start-up and ~200,000 objects that
    every full garbage collection walks. Matching needs only the per-character readings."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from servicecheck import Checker\n"
        "report = Checker('bank-cn').check({'id': 'x', 'utterances': [{'speaker': 'agent', 'text': '您号，感谢您的来店'}]})\n"
        "assert any(f.method == 'pinyin' for f in report.findings), report.findings\n"
        "assert 'pypinyin' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- regexes anchored at the start: skipped by their first byte -------------------------------------------
ANCHORED = [
    r"^[a-z]{0,3}\s?(?:[0-9]\s?){2,7}[0-9]",
    r"^(?:一下|一遍)[^。]{0,10}?(?:对吗|对吧)",
    r"^(?:的)?(?:来电|致电)",
    r"^\s*好的",
    r"^(?:a|您)好",
    r"^[]|x]",
    r"^a|好",  # not anchored: the alternative matches anywhere
    r"^",  # only the empty match
]


@given(st.text(alphabet="ab xz019一下遍对吗吧的来电致好您。|]\t", max_size=24))
@settings(max_examples=400, deadline=None)
def test_first_byte_filter_keeps_every_match(text):
    from servicecheck.match.regex import RegexSet, _spans, compile_regex

    regex_set = RegexSet(ANCHORED)
    encoded = text.encode("utf-8")
    expected = [
        (number, start, end)
        for number, pattern in enumerate(ANCHORED)
        for start, end in _spans(compile_regex(pattern)._regexp, encoded, text)
    ]
    assert regex_set.find(text) == expected


def test_anchoring_is_read_conservatively():
    from servicecheck.match.regex import _anchored_at_start

    assert _anchored_at_start(r"^(?:a|b)c") and _anchored_at_start(r"^[|]") and _anchored_at_start(r"^\|x")
    assert not _anchored_at_start(r"^a|b") and not _anchored_at_start(r"a^") and not _anchored_at_start(r"^a(b)|c")


# -- lazy decisions for anchored stages ---------------------------------------------------------------------
ACK_PIECES = [
    "好的",
    "好",
    "嗯",
    "嗯嗯",
    "是的",
    "是",
    "对",
    "明白",
    "了解了",
    "收到",
    "您说",
    "，",
    "。",
    " ",
    "我",
    "们",
    "比较好的选择",
    "不明白",
    "行吗",
    "对不起",
    "好的好的",
    "您说的",
    "没",
    "再见",
    "感谢您的来电",
    "请讲",
]


ANCHOR_PACK = {
    "id": "anchors-test",
    "version": "1",
    "negators": ["没", "不"],
    "stages": [
        {
            "id": "sign",
            "name": "sign",
            "rules": [
                {
                    "id": "sign.start",
                    "phrases": ["好的", "好", "嗯", "嗯嗯", "是的", "您说"],
                    "anchor": "start",
                    "unless": ["好的选择", "您说的"],
                    "negation": True,
                },
                {
                    "id": "sign.end",
                    "phrases": ["再见", "见", "好的", "感谢您的来电", "来电", "谢谢"],
                    "anchor": "end",
                    "unless": ["再见面"],
                    "boundary": "char",
                },
                {"id": "sign.free", "phrases": ["明白", "好的", "我们感谢您的"], "boundary": "char"},
            ],
        }
    ],
}
_CHECKERS: dict = {}


def _checker(name):
    """bank-cn (start anchors only), or the pack above with both anchors, or one of them (and no
    unanchored rule: ``-only``)."""
    if name not in _CHECKERS:
        if name == "bank-cn":
            _CHECKERS[name] = Checker(load_pack("bank-cn"))
        else:
            pack = json.loads(json.dumps(ANCHOR_PACK))
            rules = pack["stages"][0]["rules"]
            anchor, _, only = name.partition("-")  # "end-only": no unanchored rule in the stage either
            kept = [r for r in rules if r.get("anchor") == anchor or name == "both" or (not only and "anchor" not in r)]
            pack["stages"][0]["rules"] = kept
            _CHECKERS[name] = Checker(load_pack(pack))
    return _CHECKERS[name]


@pytest.mark.parametrize("pack", ["bank-cn", "both", "start", "end", "start-only", "end-only"])
@given(
    pieces=st.lists(
        st.sampled_from(ACK_PIECES + ["再见面", "谢谢", "明白", "我们感谢您的来电", "见"]), min_size=1, max_size=12
    )
)
@settings(max_examples=300, deadline=None)
def test_anchored_stage_decided_lazily_keeps_what_deciding_everything_keeps(pack, pieces):
    from servicecheck.match.context import Position

    checker = _checker(pack)
    text = "".join(pieces)
    view, candidates = checker._matched([text])[text]
    position = Position(1, 10, 0, 5, None, None, None)
    trace: list = []
    checker._utterance_hits(view, candidates, "agent", position, trace)  # decides every candidate
    full = sorted((c, rule.id) for c, rule, reason in trace if reason is None)
    lazy = sorted((c, rule.id) for c, rule, _ in checker._utterance_hits(view, candidates, "agent", position))
    assert lazy == full


@given(st.text(alphabet="ab 01您好再见。", max_size=20))
@settings(max_examples=300, deadline=None)
def test_regex_spans_are_re2_finditer_without_empty_matches(text):
    import re2

    from servicecheck.match.regex import find_spans

    for pattern in ["再见", "[0-9]+", "a*", "b?", "您好|再见$", "(?:a|b)+$", "[^。]+", "好。?"]:
        expected = [m.span() for m in re2.finditer(pattern, text) if m.end() > m.start()]
        assert list(find_spans(pattern, text)) == expected, pattern


def _fuzzy_windows_by_brute_force(phrase, text):
    """Every window of every allowed size that starts and ends on a phrase character, scored; then
    the best that do not overlap a better one (what FuzzyIndex keeps)."""
    from rapidfuzz import fuzz

    from servicecheck.match.fuzzy import _max_insertions

    length, charset = len(phrase.key), set(phrase.key)
    slack = max(1, _max_insertions(length, phrase.threshold))
    scored = []
    for start in range(len(text)):
        for size in range(max(2, length - slack), length + slack + 1):
            end = start + size
            if end <= len(text) and text[start] in charset and text[end - 1] in charset:
                score = fuzz.ratio(phrase.key, text[start:end], score_cutoff=phrase.threshold * 100)
                if score:
                    scored.append((score, start, end))
    scored.sort(key=lambda s: (-s[0], -(s[2] - s[1]), s[1]))
    kept = []
    for score, start, end in scored:
        if all(end <= s or e <= start for _, s, e in kept):
            kept.append((score, start, end))
    return sorted((start, end, round(score / 100, 4)) for score, start, end in kept)


FUZZY_PIECES = [
    "感谢",
    "您的",
    "来电",
    "感谢您的来电",
    "呃",
    "您",
    "的来",
    "电",
    "欢迎",
    "致电",
    "至电",
    "欢迎致电",
    "很高兴",
    "为您",
    "服务",
    "高兴",
    "，",
    "。",
    "a",
    "谢谢",
]


@given(st.lists(st.sampled_from(FUZZY_PIECES), max_size=12).map("".join))
@settings(max_examples=400, deadline=None)
def test_fuzzy_windows_equal_scoring_every_window(text):
    from rapidfuzz import fuzz

    from servicecheck.match.fuzzy import FuzzyIndex, _partial_cutoff

    index = FuzzyIndex()
    for number, (key, threshold) in enumerate([("感谢您的来电", 0.85), ("欢迎致电", 0.8), ("很高兴为您服务", 0.75)]):
        index.add(key, number, key, threshold)
    found = sorted((c.rule, c.start, c.end, c.similarity) for c in index.find(text))
    expected = []
    for number, phrase in enumerate(index._phrases):
        charset = set(phrase.key)
        if len(charset & set(text)) < phrase.threshold * len(charset) - 1:
            continue
        if not fuzz.partial_ratio(phrase.key, text, score_cutoff=_partial_cutoff(phrase.threshold)):
            continue
        expected += [(number, s, e, sim) for s, e, sim in _fuzzy_windows_by_brute_force(phrase, text)]
    assert found == sorted(expected)


def test_anchored_hits_keep_candidates_inside_the_chain_and_stop_at_words():
    from servicecheck.match.context import anchored_hits, anchored_if_accepted
    from servicecheck.text import Normalizer

    view = Normalizer().view("好的，是的再见，嗯")  # normalised: 好的,是的再见,嗯
    c = lambda start, end: Candidate(0, start, end, "exact", 1.0, view.norm[start:end])  # noqa: E731
    outer, inner, after_comma, late = c(0, 2), c(1, 2), c(3, 5), c(8, 9)
    assert anchored_hits(view, [outer, inner, after_comma, late], "start") == {outer, inner, after_comma}
    tail, inside_tail = c(5, 7), c(6, 7)
    assert anchored_hits(view, [late, tail, inside_tail, outer], "end") == {late, tail, inside_tail}
    # Only accepted candidates carry the chain; one inside it is anchored if accepted, asked or not.
    asked = []
    rejected = {outer}
    valid = anchored_if_accepted(
        view, [outer, inner, after_comma], "start", lambda x: asked.append(x) or x not in rejected
    )
    assert valid == set() and asked == [outer, inner]


# -- token sequences: lazy segmentation ----------------------------------------------------------------
_SEQUENCE_ITEMS = st.lists(
    st.one_of(
        st.builds(
            lambda words, optional: "|".join(words) + ("?" if optional else ""),
            st.lists(
                st.sampled_from(["您", "是", "说", "对吗", "是吗", "办理", "好的", "我", "理"]), min_size=1, max_size=3
            ),
            st.booleans(),
        ),
        st.builds(lambda n: {"gap": n}, st.integers(0, 3)),
    ),
    min_size=1,
    max_size=4,
)


def _sequence_by_token_list(sequence, text, tokens):
    """The matcher as it was before it segmented lazily: every token tried as a start, in order, with the
    whole token list; kept here as the reference the character-position matcher must agree with."""
    from servicecheck.match.tokens import MAX_STEPS, _Gap

    def consume(option, k):
        covered = ""
        while k < len(tokens) and len(covered) < len(option):
            covered += text[tokens[k][0] : tokens[k][1]]
            k += 1
            if not option.startswith(covered):
                return None
        return k if covered == option else None

    def match(item_index, position, steps, first):
        steps[0] += 1
        if steps[0] > MAX_STEPS:
            return None
        if item_index == len(sequence.items):
            return (first if first is not None else position, position)
        item = sequence.items[item_index]
        if isinstance(item, _Gap):
            if first is None:
                return match(item_index + 1, position, steps, first)
            for skip in range(item.limit + 1):
                if position + skip > len(tokens):
                    break
                found = match(item_index + 1, position + skip, steps, first)
                if found is not None:
                    return found
            return None
        for option in item.options:
            after = consume(option, position)
            if after is not None:
                found = match(item_index + 1, after, steps, position if first is None else first)
                if found is not None:
                    return found
        return match(item_index + 1, position, steps, first) if item.optional else None

    out, index = [], 0
    while index < len(tokens):
        end = match(0, index, [0], None)
        if end is not None and end[1] > end[0]:
            out.append((tokens[end[0]][0], tokens[end[1] - 1][1]))
            index = end[1]
        else:
            index += 1
    return out


@settings(max_examples=400, deadline=None)
@given(items=_SEQUENCE_ITEMS, text=st.text(alphabet="您是说对吗办理好的我，。啊 ab1", max_size=40))
def test_token_sequences_segmenting_lazily_find_what_the_whole_token_list_finds(items, text):
    """Matches start only at a leading string's occurrence and segment only the runs they touch (what
    makes a megabyte utterance affordable); trying every token of the whole token list must find exactly
    the same spans."""
    from servicecheck.match.tokens import TokenSequence, parse_sequence

    checker = _checker("bank-cn")
    sequence = TokenSequence(0, parse_sequence(items, checker.normalizer.normalize), "p")
    view = checker.normalizer.view(text)
    expected = _sequence_by_token_list(sequence, view.norm, checker.segmenter.tokens(view))
    fresh = checker.normalizer._build_view(text)  # a view of its own, nothing segmented yet (view() caches)
    assert [(c.start, c.end) for c in sequence.find(fresh, checker.segmenter)] == expected
