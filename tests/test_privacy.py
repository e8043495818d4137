"""Personal data: detection in every way a recogniser writes digits, the confidence check digits give,
what is not personal data, redaction that keeps every offset, and the personal_data check."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicecheck import Checker, Finding, Token, Transcript, load_pack
from servicecheck.batch import RecordError
from servicecheck.pack.schema import PersonalDataKind
from servicecheck.privacy import (
    KINDS,
    MASK,
    find_personal_data,
    redact_record_error,
    redact_report,
    redact_text,
    redact_transcript,
)
from servicecheck.privacy.checksums import hkid_check_char, id_check_char, luhn_valid

DEV_CALLS = Path("/work/shared/dev/calls.jsonl")

# Synthetic numbers (research notes, section 7): all of them check.
CARD = "6212345678901234569"  # UnionPay, 19 digits, Luhn valid
CARD16 = "6212345678901232"
ID = "110105199003071239"
ID_X = "31011519780615002X"
MOBILE = "13800138000"


def fullwidth(text: str) -> str:
    return text.translate(str.maketrans("0123456789X()", "０１２３４５６７８９Ｘ（）"))


def chinese(text: str, one: str = "一", two: str = "二", zero: str = "零") -> str:
    return text.translate(str.maketrans("0123456789", zero + one + two + "三四五六七八九"))


def spaced(text: str, size: int = 4, separator: str = " ") -> str:
    return separator.join(text[i : i + size] for i in range(0, len(text), size))


def only(text: str):
    found = find_personal_data(text)
    assert len(found) == 1, found
    (item,) = found
    assert text[item.start : item.end] == item.text
    return item


# == each kind, however it is written ====================================================================
FORMS = {
    "arabic": lambda n: n,
    "fullwidth": fullwidth,
    "chinese": chinese,
    "chinese_yao_liang_ling": lambda n: chinese(n, one="幺", two="两", zero="〇"),
    "spaces": spaced,
    "dashes": lambda n: spaced(n, 4, "-"),
    "commas": lambda n: spaced(n, 4, "，"),
    "filler": lambda n: spaced(n, 6, "，呃，"),
    "chinese_spaced": lambda n: spaced(chinese(n), 4),
    "fullwidth_spaced": lambda n: spaced(fullwidth(n), 4, "\u3000"),
    "char_by_char": lambda n: " ".join(chinese(n, one="幺")),
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    "kind, number, confidence",
    [("bank_card", CARD, 0.95), ("bank_card", CARD16, 0.95), ("id_number", ID, 0.95), ("mobile", MOBILE, 0.9)],
)
def test_each_number_in_each_form(form, kind, number, confidence):
    written = FORMS[form](number)
    text = f"好的，您的号码是{written}，对吗？"
    item = only(text)
    assert (item.kind, item.text, item.start, item.confidence) == (kind, written, 8, confidence)


@pytest.mark.parametrize("form", ["arabic", "fullwidth", "spaces", "chinese"])
def test_id_number_ending_in_x(form):
    written = FORMS[form](ID_X[:-1]) + ("Ｘ" if form == "fullwidth" else "x" if form == "chinese" else "X")
    item = only(f"身份证号是{written}。")
    assert (item.kind, item.text, item.confidence) == ("id_number", written, 0.95)


@pytest.mark.parametrize(
    "written, confidence",
    [
        ("A123456(3)", 0.95),
        ("AB123456(9)", 0.95),
        ("G123456(A)", 0.95),
        ("E364912（5）", 0.95),
        ("Ａ１２３４５６（３）", 0.95),
        ("A 123456 (3)", 0.95),
        ("a123456(3)", 0.95),
        ("A一二三四五六(3)", 0.95),
        ("A1234563", 0.85),  # bare check digit that holds
        ("A123456(7)", 0.7),  # bracketed check digit that does not
        ("A123456", 0.5),  # no check character
    ],
)
def test_hkid(written, confidence):
    item = only(f"身份證號碼係{written}，")
    assert (item.kind, item.text, item.confidence) == ("hkid", written, confidence)


@pytest.mark.parametrize(
    "written, confidence",
    [
        ("+86 138 0013 8000", 0.95),
        ("+8613800138000", 0.95),
        ("0086-138-0013-8000", 0.95),
        ("86 13800138000", 0.95),
        ("＋８６ １３８ ００１３ ８０００", 0.95),
        ("138-0013-8000", 0.9),
        ("幺三八零零幺三八零零零", 0.9),
        ("幺三五，呃，幺二三四，五六七八", 0.9),
    ],
)
def test_mobile_with_country_code_and_breaks(written, confidence):
    item = only(f"我的手机是{written}，")
    assert (item.kind, item.text, item.confidence) == ("mobile", written, confidence)


def test_email():
    text = "邮箱是 zhang.san+bank@example.com.cn 谢谢，备用的是 li_si＠mail.example.org。"
    found = find_personal_data(text)
    assert [(f.kind, f.text) for f in found] == [
        ("email", "zhang.san+bank@example.com.cn"),
        ("email", "li_si＠mail.example.org"),
    ]
    assert find_personal_data(text, kinds=["mobile"]) == []


# == confidence: check digits raise it, never required ======================================================
@pytest.mark.parametrize(
    "number, kind, confidence",
    [
        (CARD, "bank_card", 0.95),  # UnionPay, Luhn valid
        ("6226221019425170", "bank_card", 0.7),  # UnionPay, Luhn fails (a real card quoted in the notes)
        ("4111111111111111", "bank_card", 0.9),  # Visa, Luhn valid
        ("9876543210123456", "bank_card", 0.6),  # 16 digits, Luhn fails
        ("8765432101234568", "bank_card", 0.85),  # 16 digits, Luhn valid, no known prefix
        ("621234567890123457", "bank_card", 0.95),  # 18-digit UnionPay card: not an ID
        (ID, "id_number", 0.95),
        ("110105199003071234", "id_number", 0.7),  # check digit wrong (9 is right)
        ("110105199013071232", "id_number", 0.8),  # check holds, month 13
        ("440304851120456", "id_number", 0.75),  # 15-digit legacy number
        ("378282246310005", "bank_card", 0.85),  # American Express, 15 digits
    ],
)
def test_confidence(number, kind, confidence):
    item = only(f"号码{number}。")
    assert (item.kind, item.confidence) == (kind, confidence), item.reason


def test_checksums():
    for number in (ID, ID_X, "440304198511204567", "360426199101010071"):
        assert id_check_char(number[:17]) == number[17]
    assert id_check_char("11010519900307123") == "9"
    for card in (CARD, CARD16, "621234567890123457"):
        assert luhn_valid(card)
    assert not luhn_valid("6226221019425170")
    assert [hkid_check_char(*x) for x in [("A", "123456"), ("E", "364912"), ("AB", "123456"), ("G", "123456")]] == [
        "3",
        "5",
        "9",
        "A",
    ]


def test_min_confidence_and_kinds():
    text = f"卡号9876543210123456，手机{MOBILE}"
    assert [f.kind for f in find_personal_data(text)] == ["bank_card", "mobile"]
    assert [f.kind for f in find_personal_data(text, min_confidence=0.7)] == ["mobile"]
    assert [f.kind for f in find_personal_data(text, kinds={"bank_card"})] == ["bank_card"]
    assert set(get_args(PersonalDataKind)) == set(KINDS)


def test_several_numbers_in_one_breath():
    text = f"手机{MOBILE} 13912345678 还有 {MOBILE} 12345"
    assert [(f.kind, f.text) for f in find_personal_data(text)] == [
        ("mobile", MOBILE),
        ("mobile", "13912345678"),
        ("mobile", MOBILE),
    ]
    text = f"卡号{CARD16}，{MOBILE}"
    assert [f.kind for f in find_personal_data(text)] == ["bank_card", "mobile"]


# == not personal data =======================================================================================
@pytest.mark.parametrize(
    "text",
    [
        "您名下有一张尾号8836的信用卡",
        "后四位是3309，后六位是，呃，26001X。",
        "身份证后六位是150318。",
        "转账金额5000元",
        "2026年12月5日下午13:45",
        "二零二六年十二月五号",
        "我是客服小李，工号2031，很高兴为您服务",
        "工 号 2 6 5 0",
        "一共100块，分12期，每期手续费77.16元",
        "订单号是1234567890",
        "东航会员号是，呃，6800123456。",
        "订单号339527111、339526973、339491920",
        "订单号 6222 0212 3456 7890",
        "发件号码是10690012345678",
        "客服热线400-830-8300/800-830-8300",
        "分别是5000，3000，2000，1000元",
        "每笔都是澳门币1,280元，折合港币大约1,242元",
        "圆周率是3.14159265358979323",
        "序列号SN62220212345678901",
        "错误代码E102，请重试",
        "一千二百块钱，三万二的消费，两点十五分",
        "第一、二、三、四、五、六条",
        "",
        "您好，请问有什么可以帮您？",
    ],
)
def test_not_personal(text):
    assert find_personal_data(text) == []


def test_a_mobile_after_a_staff_number():
    (item,) = find_personal_data(f"工号2031 {MOBILE}")
    assert (item.kind, item.text) == ("mobile", MOBILE)


# == offsets and redaction: properties ==========================================================================
_PIECES = [
    "0",
    "1",
    "3",
    "6",
    "8",
    "9",
    "２",
    "８",
    "零",
    "〇",
    "一",
    "幺",
    "两",
    "三",
    "八",
    "X",
    "x",
    "A",
    "B",
    "(",
    ")",
    "（",
    "）",
    " ",
    "-",
    "，",
    "、",
    "呃",
    "@",
    ".",
    "+",
    "元",
    "号",
    "卡",
    "是",
    "的",
    "尾号",
    "工号",
    "订单号",
    "\n",
    MOBILE,
    CARD,
    ID,
    ID_X,
    "A123456(3)",
    "a@b.cn",
    "\U0001f600",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_spans_point_at_the_original_and_redaction_keeps_every_offset(text):
    found = find_personal_data(text)
    for item in found:
        assert 0 <= item.start < item.end <= len(text)
        assert text[item.start : item.end] == item.text
        assert item.kind in KINDS and 0 < item.confidence <= 1 and item.reason
    assert all(a.end <= b.start for a, b in zip(found, found[1:])), "sorted and disjoint"
    redacted = redact_text(text)
    assert len(redacted) == len(text)
    inside = {i for item in found for i in range(item.start, item.end)}
    for i, (before, after) in enumerate(zip(text, redacted)):
        assert after == (MASK if i in inside else before)


_PLAIN = st.text(alphabet="您好的请问是有什么可以帮我卡号码手机身份证，。？！、谢再见", max_size=12)


@settings(max_examples=200, deadline=None)
@given(_PLAIN, st.sampled_from([MOBILE, CARD, ID, ID_X]), st.sampled_from(list(FORMS)), _PLAIN)
def test_a_number_inside_any_text_is_found_where_it_is(before, number, form, after):
    written = number if number.endswith("X") else FORMS[form](number)
    text = before + written + after
    assert [(f.start, f.text) for f in find_personal_data(text)] == [(len(before), written)]


def test_redact_text_with_given_spans():
    assert redact_text("abcdef", [(1, 3), (5, 99)]) == "a**de*"
    assert redact_text("abc", []) == "abc"
    text = f"卡号{spaced(chinese(CARD16))}，手机{MOBILE}"
    redacted = redact_text(text)
    assert redacted == "卡号" + MASK * len(spaced(chinese(CARD16))) + "，手机" + MASK * 11


# == whole objects ================================================================================================
CALL = {
    "id": "call-1",
    "metadata": {"caller": MOBILE, "agent": "A-17", "notes": ["回拨 138 0013 8000"]},
    "utterances": [
        {"speaker": "agent", "text": "您好，请问有什么可以帮您？", "start": 0.0, "end": 2.0},
        {"speaker": "customer", "text": f"我卡丢了，卡号是{spaced(CARD16)}。", "start": 2.5, "end": 6.0},
        {
            "speaker": "agent",
            "text": f"跟您确认一下，卡号是{spaced(chinese(CARD16))}，手机{MOBILE}，对吗？",
            "start": 6.5,
            "end": 12.0,
            "words": [{"start": 0, "end": 6}, {"start": 10, "end": 29}],
        },
        {"speaker": "customer", "text": "对。", "start": 12.5, "end": 13.0},
        {"speaker": "agent", "text": "好的，已为您挂失，感谢您的来电，再见。", "start": 13.5, "end": 17.0},
    ],
}


def _no_number_left(text: str) -> bool:
    """An independent look, by eye as it were: join digits across separators and look for a mobile,
    a card or ID number, or an HKID."""
    table = str.maketrans("０１２３４５６７８９零〇一二三四五六七八九幺两", "0123456789001234567891" + "2")
    joined = re.sub(r"(?<=\d)[\s\-，,、呃嗯额啊]+(?=\d)", "", text.translate(table))
    return not re.search(r"(?<!\d)(?:1[3-9]\d{9}|\d{15,19}|\d{17}[Xx])(?!\d)|[A-Z]{1,2}\d{6}[(（]", joined)


def test_redact_transcript_masks_utterances_and_metadata_and_keeps_offsets():
    transcript = Transcript.model_validate(CALL)
    redacted = redact_transcript(transcript)
    assert redacted.id == transcript.id
    for original, masked in zip(transcript.utterances, redacted.utterances):
        assert len(masked.text) == len(original.text)
        assert (masked.words, masked.start, masked.speaker) == (original.words, original.start, original.speaker)
        assert _no_number_left(masked.text)
    assert redacted.utterances[0] is transcript.utterances[0]  # nothing to mask: the same object
    assert redacted.metadata == {"caller": MASK * 11, "agent": "A-17", "notes": ["回拨 " + MASK * 13]}
    assert transcript.utterances[2].text.startswith("跟您确认一下")  # the original is left alone


def test_redact_report_masks_findings_and_changes_nothing_else():
    checker = Checker(load_pack("bank-cn"))
    transcript = Transcript.model_validate(CALL)
    report = checker.check(transcript)
    (readout,) = report.findings_of(kind="violation", stage="privacy")
    assert readout.text == spaced(chinese(CARD16))
    redacted = redact_report(report, transcript)
    text_fields = {"text", "tokens", "explanation", "message", "suggestion"}
    assert len(redacted.findings) == len(report.findings)
    masked_call = redact_transcript(transcript)
    for original, masked in zip(report.findings, redacted.findings):
        assert original.model_dump(exclude=text_fields) == masked.model_dump(exclude=text_fields)
        assert len(masked.text) == len(original.text)
        if masked.utterance_index is not None:
            assert masked_call.utterances[masked.utterance_index].text[masked.start : masked.end] == masked.text
        for field in text_fields - {"tokens"}:
            assert _no_number_left(getattr(masked, field) or "")
        for token in masked.tokens:
            assert _no_number_left(token.text)
    assert redacted.model_dump(exclude={"findings", "metadata"}) == report.model_dump(exclude={"findings", "metadata"})
    assert redacted.findings_of(kind="violation", stage="privacy")[0].text == MASK * len(readout.text)
    assert redacted.metadata["caller"] == MASK * 11
    # A finding whose explanation quotes its text gets the quoted number masked too.
    quoted = report.model_copy(
        update={
            "findings": (readout.model_copy(update={"explanation": f"念出了「{readout.text}」", "message": CARD16}),)
        }
    )
    (masked,) = redact_report(quoted, transcript).findings
    assert masked.explanation == f"念出了「{MASK * len(readout.text)}」" and masked.message == MASK * 16
    # Without the transcript, the detector alone decides.
    (alone,) = redact_report(quoted, None).findings
    assert alone.text == MASK * len(readout.text) and alone.message == MASK * 16


def test_redact_record_error():
    error = RecordError(index=3, transcript_id="x", error=f"utterances.1.text: bad value '{MOBILE}'")
    assert redact_record_error(error).error == f"utterances.1.text: bad value '{MASK * 11}'"
    clean = RecordError(index=0, error="not JSON")
    assert redact_record_error(clean) is clean


# == the check =======================================================================================================
def _check(*turns, pack="bank-cn"):
    checker = Checker(load_pack(pack))
    return checker.check({"id": "t", "utterances": [{"speaker": s, "text": t} for s, t in turns]})


def _readouts(report, rule="full_number_readout"):
    return [(f.utterance_index, f.text, f.explanation) for f in report.findings if f.rule_id == rule]


def test_bank_cn_catches_spoken_card_and_id_numbers():
    spoken = spaced(chinese(CARD16, one="幺"))
    report = _check(
        ("agent", "您好，请问有什么可以帮您？"),
        ("agent", f"您的卡号是{spoken}，对吗？"),
        ("agent", f"身份证号{ID}对吧？"),
        ("agent", "您的香港身份证是A123456(3)吗？"),
        ("agent", "请问是尾号1232的卡吗？"),  # the last four digits are how it should be done
        ("agent", f"跟您确认一下，手机是{spaced(MOBILE, 4)}，对吗？"),  # reading back a mobile: not this check's
        ("customer", f"我的卡号是{CARD16}"),  # the customer may say it
    )
    assert _readouts(report) == [
        (1, spoken, "坐席念出完整银行卡号（银联 62 开头，Luhn 校验通过，置信度 0.95）"),
        (2, ID, "坐席念出完整身份证号（校验位正确，出生日期合理，置信度 0.95）"),
        (3, "A123456(3)", "坐席念出完整香港身份证号（校验位正确，置信度 0.95）"),
    ]
    f = next(f for f in report.findings if f.rule_id == "full_number_readout")
    assert (f.kind, f.stage, f.severity, f.method, f.message) == (
        "violation",
        "privacy",
        "major",
        "personal_data",
        "坐席完整念出卡号或证件号",
    )


def test_personal_data_check_fields():
    pack = {
        "id": "p",
        "stages": [],
        "checks": [
            {"id": "pd", "type": "personal_data"},
            {
                "id": "cards",
                "type": "personal_data",
                "speaker": "customer",
                "kinds": ["bank_card"],
                "min_confidence": 0.9,
            },
        ],
    }
    report = _check(
        ("agent", f"手机{MOBILE}，邮箱a@example.com"),
        ("customer", "卡号9876543210123456"),  # Luhn fails: 0.6
        ("customer", f"卡号{CARD}"),
        pack=pack,
    )
    assert _readouts(report, "pd") == [(0, MOBILE, "坐席念出完整手机号（1[3-9] 开头的 11 位手机号，置信度 0.90）")]
    assert [(i, t) for i, t, _ in _readouts(report, "cards")] == [(2, CARD)]
    with pytest.raises(Exception, match="kinds"):
        load_pack({"id": "p", "checks": [{"id": "x", "type": "personal_data", "kinds": ["passport"]}]})


# == the dev calls ===================================================================================================
def _dev_calls() -> list[dict]:
    if not DEV_CALLS.exists():
        pytest.skip(f"{DEV_CALLS} is not here")
    return [json.loads(line) for line in DEV_CALLS.read_text(encoding="utf-8").splitlines() if line.strip()]


# What the dev set's README says each call holds (call numbers only: the numbers stay in the file).
DEV_PERSONAL = {
    "bank_card": {"002", "011", "017", "021", "028"},
    "mobile": {"001", "008", "010", "020", "027", "028"},
    "id_number": {"001", "005", "009", "014"},
    "hkid": {"029"},
}


def test_dev_calls_have_nothing_left_after_redaction():
    calls = _dev_calls()
    found: dict[str, set[str]] = {kind: set() for kind in DEV_PERSONAL}
    for call in calls:
        transcript = Transcript.model_validate(call)
        for utterance in transcript.utterances:
            for item in find_personal_data(utterance.text):
                found[item.kind].add(call["id"].split("-")[1])
        redacted = redact_transcript(transcript)
        for original, masked in zip(transcript.utterances, redacted.utterances):
            assert len(masked.text) == len(original.text)
            assert _no_number_left(masked.text), (call["id"], masked.text)
            assert find_personal_data(masked.text) == []
    assert found == DEV_PERSONAL


def test_dev_calls_bank_cn_reports_no_readout_and_redacted_reports_keep_scores():
    checker = Checker(load_pack("bank-cn"))
    for call in _dev_calls():
        transcript = Transcript.model_validate(call)
        report = checker.check(transcript)
        assert _readouts(report) == []  # the agents of the dev set only ever confirm the last digits
        redacted = redact_report(report, transcript)
        assert (redacted.score, redacted.passed) == (report.score, report.passed)
        assert len(redacted.findings) == len(report.findings)
        for finding in redacted.findings:
            assert _no_number_left(finding.text) and _no_number_left(finding.explanation)


def test_redact_report_masks_the_part_of_a_number_a_finding_covers():
    transcript = Transcript.model_validate(
        {"id": "t", "utterances": [{"speaker": "agent", "text": f"卡号是{CARD16}对吗"}]}
    )
    report = Checker(load_pack({"id": "p", "checks": []})).check(transcript)
    finding = Finding(
        rule_id="r",
        stage="s",
        kind="hit",
        severity="info",
        utterance_index=0,
        start=0,
        end=7,
        text="卡号是6212",
        tokens=(
            Token(text="卡号", start=0, end=2),
            Token(text="是", start=2, end=3),
            Token(text="6212", start=3, end=7),
        ),
        explanation="命中「卡号是6212」",
        message="卡号是6212…",
    )
    plain = Finding(rule_id="r", stage="s", kind="hit", severity="info", utterance_index=0, start=7, end=9, text="3456")
    clean = Finding(
        rule_id="r", stage="s", kind="hit", severity="info", utterance_index=0, start=19, end=21, text="对吗"
    )
    redacted = redact_report(report.model_copy(update={"findings": (finding, plain, clean)}), transcript)
    masked, part, same = redacted.findings
    assert (masked.text, [t.text for t in masked.tokens]) == ("卡号是****", ["卡号", "是", "****"])
    assert (masked.explanation, masked.message) == ("命中「卡号是****」", "卡号是****…")
    assert part.text == "3456"  # offsets that do not match the transcript: the detector alone finds no number here
    assert same is clean


def test_kinds_are_checked():
    assert [f.kind for f in find_personal_data(f"手机{MOBILE}", kinds="mobile")] == ["mobile"]
    with pytest.raises(ValueError, match="passport"):
        find_personal_data(f"手机{MOBILE}", kinds=["passport"])
