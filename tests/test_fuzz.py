"""A bounded fuzz run with hypothesis, part of every test run.

Strategies produce transcripts close to the schema (wrong types included), JSONL byte streams (broken
lines, invalid UTF-8, BOMs), text-format files, and small rule packs (random stages and rules with
random phrases, regexes from a small safe grammar, random context filters and process checks, and now
and then a broken key or value). Properties: the readers and ``load_pack`` raise only ``InputError`` /
``PackError``; a pack that loads never fails at check time; offsets point into the original text;
checking is deterministic and survives a JSON round trip of the transcript. A state machine builds
chains of packs with ``extends`` and compares what loads with a model of the merge.

Budget: each test's ``max_examples`` is scaled by the hypothesis profile (``ci``, the default, runs
the counts written here; ``HYPOTHESIS_PROFILE=deep`` ten times as many; ``dev`` a tenth). See
docs/reliability.md for how to run a long campaign before a release.
"""

from __future__ import annotations

import json
import string
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

import servicecheck.checker as checker_module
import servicecheck.text.normalize as normalize_module
from servicecheck import Checker, InputError, PackError, Report, Transcript, load_pack
from servicecheck.batch import RecordError
from servicecheck.io import RoleMap, iter_records, transcript_from_dict
from servicecheck.text import Segmenter

PROFILE_EXAMPLES = settings().max_examples  # 500 in the "ci" profile


def examples(count: int) -> int:
    """``count`` examples under the ci profile, scaled for the others (deep: x10, dev: x0.1)."""
    return max(5, round(count * PROFILE_EXAMPLES / 500))


FUZZ = dict(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
)


# -- shared heavy resources --------------------------------------------------------------------------------------
# Every Checker loads jieba's dictionary (0.5 s) and OpenCC (0.2 s). Random packs would spend the whole
# budget there, so checkers built here share one Segmenter per (dictionary, hmm) and one OpenCC
# converter: both are pure and thread-safe, sharing them changes no result.
_SEGMENTERS: dict = {}


def _shared_segmenter(words=(), *, hmm=True, cache_dir=None, **kwargs):
    key = (tuple(words), hmm)
    if key not in _SEGMENTERS:
        _SEGMENTERS[key] = Segmenter(words, hmm=hmm, cache_dir=cache_dir, **kwargs)
    return _SEGMENTERS[key]


@pytest.fixture(scope="module", autouse=True)
def _shared_resources():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checker_module, "Segmenter", _shared_segmenter)
        patch.setattr(normalize_module, "_opencc_t2s", lru_cache(maxsize=1)(normalize_module._opencc_t2s))
        yield


@lru_cache(maxsize=1)
def bank() -> Checker:
    return Checker(load_pack("bank-cn"))


# -- text ------------------------------------------------------------------------------------------------------
WORDS = [
    "您好",
    "你好",
    "您好像",
    "您号",
    "欢迎致电",
    "歡迎致電",
    "感谢您的来电",
    "再见",
    "在见",
    "祝您生活愉快",
    "不归我管",
    "你自己去查",
    "我也没办法",
    "工号",
    "客服",
    "小李",
    "星海银行",
    "理解",
    "心情",
    "抱歉",
    "确认",
    "转接",
    "专员",
    "三个工作日",
    "回电",
    "投诉",
    "太慢了",
    "请稍等",
    "久等了",
    "理财产品",
    "有风险",
    "卡号",
    "6222020200112233445",
    "幺三五二",
    "嗯",
    "好的",
    "不",
    "没",
    "吗",
    "呢",
    "还有",
    "其他",
]
ODD = [
    " ",
    "  ",
    "\u3000",
    "\t",
    "\n",
    "\r",
    "\x00",
    "\x1b",
    "\u200b",
    "\u200d",
    "\u200e",
    "\u202e",
    "\ufeff",
    "\u0301",
    "\u20dd",
    "\ufe0f",
    "👍🏽",
    "👩\u200d💻",
    "🇨🇳",
    "ＡＢＣ",
    "１２３",
    "Straße",
    "ﬁ",
    "①",
    "㎏",
    "\u00a8",
    "\uffe3",
    "，",
    "。",
    "？",
    "！",
    "、",
    "…",
    "“",
    "”",
    "（",
    "）",
    "\U0010fffd",
    "\uffff",
]
TEXT = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.sampled_from(ODD),
        st.characters(exclude_categories=("Cs",)),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80),
    ),
    max_size=16,
).map("".join)

FLOATS_HOSTILE = st.one_of(
    st.floats(0, 4000, allow_nan=False),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([-1, -0.0, 0, True, False, "1.5", "x", None, 10**400, [], {}]),
)


@st.composite
def near_utterance(draw):
    """An utterance dict, usually valid, sometimes with a wrong type or value anywhere."""
    utterance = {
        "speaker": draw(st.sampled_from(["agent", "customer", "other", "坐席", "客户", " Agent ", "系统"])),
        "text": draw(TEXT),
    }
    if draw(st.booleans()):
        start = draw(st.floats(0, 4000, allow_nan=False))
        utterance["start"], utterance["end"] = start, start + draw(st.floats(0, 30, allow_nan=False))
    if draw(st.integers(0, 24)) == 0:  # something hostile
        key = draw(st.sampled_from(["speaker", "text", "start", "end", "extra"]))
        utterance[key] = draw(
            st.one_of(
                FLOATS_HOSTILE,
                st.sampled_from(["机器人", "", None, 0, ["agent"], {"a": 1}, "\ud800", "您\udfff好"]),
                TEXT,
            )
        )
    if draw(st.integers(0, 49)) == 0:
        del utterance[draw(st.sampled_from(["speaker", "text"]))]
    return utterance


@st.composite
def near_transcript(draw):
    data = {
        "id": draw(
            st.one_of(st.text(max_size=8), st.integers())
            if draw(st.integers(0, 9))
            else st.sampled_from([None, True, ["x"], 1.5, "\ud800"])
        ),
        "channel": draw(
            st.sampled_from(["phone", "online"]) if draw(st.integers(0, 9)) else st.sampled_from(["fax", None, 1])
        ),
        "utterances": draw(st.lists(near_utterance(), max_size=8)),
    }
    if draw(st.integers(0, 9)) == 0:
        data["utterances"] = draw(st.sampled_from(["您好", None, 3, {"0": {}}, [None], [[]]]))
    if draw(st.integers(0, 9)) == 0:
        data["metadata"] = draw(st.sampled_from([{}, {"a": [1, {"b": None}]}, [], "x"]))
    if draw(st.integers(0, 19)) == 0:
        del data[draw(st.sampled_from(["id", "utterances", "channel"]))]
    return data


def valid_transcripts(text=TEXT, max_size=8):
    @st.composite
    def build(draw):
        utterances = []
        clock = draw(st.floats(0, 20, allow_nan=False))
        timed = draw(st.booleans())
        for _ in range(draw(st.integers(0, max_size))):
            utterance = {"speaker": draw(st.sampled_from(["agent", "agent", "customer", "other"])), "text": draw(text)}
            if timed:
                start = max(0.0, clock + draw(st.floats(-5, 15, allow_nan=False)))
                utterance["start"], utterance["end"] = start, start + draw(st.floats(0, 20, allow_nan=False))
                clock = utterance["end"]
            utterances.append(utterance)
        return Transcript.model_validate(
            {
                "id": draw(st.text(max_size=6)),
                "channel": draw(st.sampled_from(["phone", "online"])),
                "utterances": utterances,
            }
        )

    return build()


def assert_offsets(transcript: Transcript, report: Report) -> None:
    offsets = transcript.utterance_offsets()
    for f in report.findings:
        if f.utterance_index is None:
            assert f.start is None and f.end is None and f.text == "", f
            continue
        assert 0 <= f.utterance_index < len(transcript.utterances), f
        text = transcript.utterances[f.utterance_index].text
        assert 0 <= f.start <= f.end <= len(text), f
        assert text[f.start : f.end] == f.text, f
        assert f.global_start == offsets[f.utterance_index] + f.start
        for token in f.tokens:
            assert 0 <= token.start < token.end <= len(text) and text[token.start : token.end] == token.text


def assert_sound(checker: Checker, transcript: Transcript) -> Report:
    """Checks, with the properties every report must have: offsets, determinism, JSON round trip."""
    report = checker.check(transcript)
    assert_offsets(transcript, report)
    assert checker.check(transcript) == report
    assert checker.check(Transcript.model_validate_json(transcript.model_dump_json())) == report
    assert Report.model_validate_json(report.model_dump_json()) == report
    return report


# -- transcripts -------------------------------------------------------------------------------------------------
@settings(max_examples=examples(300), **FUZZ)
@given(st.lists(near_transcript(), min_size=1, max_size=4))
def test_near_transcripts_give_a_report_or_an_input_error(items):
    checker = bank()
    for data in items:
        try:
            transcript = transcript_from_dict(data, RoleMap(), source="fuzz", line=7, default_id="transcript")
        except InputError as exc:
            event("transcript: InputError")
            assert exc.source == "fuzz" and exc.line == 7 and str(exc).startswith("fuzz, line 7")
            with pytest.raises(InputError):
                checker.check(data)
            continue
        event("transcript: valid")
        assert_sound(checker, transcript)
        assert checker.check(data) == checker.check(transcript)
    results = list(checker.check_many(items))
    assert len(results) == len(items)
    for index, result in enumerate(results):
        assert isinstance(result, (Report, RecordError))
        if isinstance(result, RecordError):
            assert result.index == index
            json.dumps(result.model_dump(mode="json"), ensure_ascii=False).encode("utf-8")
        else:
            result.model_dump_json()


@settings(max_examples=examples(250), **FUZZ)
@given(valid_transcripts())
def test_bank_pack_on_valid_transcripts(transcript):
    assert_sound(bank(), transcript)


# -- JSONL and text files ----------------------------------------------------------------------------------------
@st.composite
def jsonl_bytes(draw) -> tuple[bytes, int]:
    """A JSONL stream and its number of non-blank lines."""
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["good", "good", "near", "mutated", "blank", "junk"]))
        if kind == "good":
            line = draw(valid_transcripts(max_size=3)).model_dump_json().encode()
        elif kind == "near":
            line = json.dumps(draw(near_transcript()), ensure_ascii=draw(st.booleans()), allow_nan=True).encode(
                "utf-8", "surrogatepass"
            )
        elif kind == "mutated":
            line = bytearray(draw(valid_transcripts(max_size=2)).model_dump_json().encode())
            for _ in range(draw(st.integers(1, 3))):
                position = draw(st.integers(0, max(0, len(line) - 1)))
                action = draw(st.sampled_from(["flip", "cut", "insert"]))
                if action == "flip" and line:
                    line[position] = draw(st.integers(0, 255))
                elif action == "cut":
                    del line[position:]
                else:
                    line[position:position] = draw(
                        st.sampled_from([b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\x00", b"\r", b"\\u", b'"', b"{", b"]"])
                    )
            line = bytes(line).replace(b"\n", b" ")
        elif kind == "blank":
            line = draw(st.sampled_from([b"", b" ", b"\t", b"\r", b"  \r"]))
        else:
            line = draw(st.binary(max_size=40)).replace(b"\n", b"")
        if draw(st.integers(0, 9)) == 0:
            line = b"\xef\xbb\xbf" + line
        lines.append(line)
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    data = ending.join(lines) + (ending if lines and draw(st.booleans()) else b"")
    return data, lines


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz-files")


@settings(max_examples=examples(300), **FUZZ)
@given(jsonl_bytes(), st.sampled_from(["calls.jsonl", "calls.ndjson", "calls"]))
def test_jsonl_streams_never_raise_and_keep_every_line(scratch, stream, name):
    data, lines = stream
    path = scratch / name
    path.write_bytes(data)
    records = list(iter_records(path))
    if name != "calls":  # a suffix fixes the format: one record per non-blank line, in order
        expected = [number for number, line in enumerate(lines, start=1) if line.strip()]
        assert [r.line for r in records] == expected
    event(f"jsonl: {sum(r.error is not None for r in records)} error rows of {len(records)}")
    for record in records:
        assert (record.transcript is None) != (record.error is None)
        if record.error is not None:
            assert isinstance(record.error, InputError)
            assert record.error.line is None or record.error.line >= 1
    results = list(bank().check_many(records))
    assert len(results) == len(records)
    for record, result in zip(records, results):
        assert isinstance(result, RecordError if record.error is not None else Report)
        json.dumps(result.model_dump(mode="json"), ensure_ascii=False).encode("utf-8")


SPEAKER_PREFIX = st.sampled_from(
    ["坐席：", "客户：", "坐席：", "客户：", "客服:", "agent: ", "Customer：", "用户 ：", "系统: "]
)
BAD_PREFIX = st.sampled_from(["机器人：", "", "：", "坐席", "a very long speaker name: "])


@st.composite
def text_file(draw) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["utterance"] * 6 + ["header", "comment", "blank", "junk"]))
        if kind == "utterance":
            prefix = draw(SPEAKER_PREFIX if draw(st.integers(0, 19)) else BAD_PREFIX)
            line = prefix + draw(TEXT).replace("\n", " ")
            if draw(st.booleans()):
                a, b = draw(st.sampled_from(["0", "1.5", "10", "3.25"])), draw(st.sampled_from(["12.5", "20", "11"]))
                if draw(st.integers(0, 9)) == 0:  # negative, reversed or unreadable times
                    a, b = draw(st.sampled_from([("-2", "1"), ("0", "-1"), ("10", "9"), ("1e3", "2"), ("x", "1")]))
                line = f"[{a}{draw(st.sampled_from(['-', '–', '~', ' - ']))}{b}] " + line
        elif kind == "header":
            line = draw(
                st.sampled_from(
                    ["# id: ", "#ID：", "# channel：online", "# channel: phone", "# id: ", "# channel: fax"]
                )
            ) + draw(st.text(string.ascii_letters + "-_ 您", max_size=5))
        elif kind == "comment":
            line = "#" + draw(TEXT).replace("\n", " ")
        elif kind == "blank":
            line = draw(st.sampled_from(["", " ", "\t", "\r"]))
        elif draw(st.integers(0, 9)) == 0:
            line = draw(TEXT).replace("\n", " ")
        else:
            line = ""
        lines.append(line.encode("utf-8", "surrogatepass"))
    data = b"\n".join(lines)
    if draw(st.integers(0, 9)) == 0 and data:
        position = draw(st.integers(0, len(data)))
        data = data[:position] + draw(st.sampled_from([b"\xff", b"\xe4\xbd", b"\xef\xbb\xbf"])) + data[position:]
    return data


@settings(max_examples=examples(250), **FUZZ)
@given(text_file())
def test_text_files_give_one_record_with_a_line_in_range(scratch, data):
    path = scratch / "call.txt"
    path.write_bytes(data)
    (record,) = list(iter_records(path))
    lines = data.count(b"\n") + 1
    event("text file: " + ("InputError" if record.error is not None else "transcript"))
    if record.error is not None:
        assert isinstance(record.error, InputError)
        assert record.error.line is None or 1 <= record.error.line <= lines, (record.error, lines)
    else:
        assert record.transcript.id
        assert_sound(bank(), record.transcript)


# -- packs -------------------------------------------------------------------------------------------------------
SAFE_ATOMS = [
    "您",
    "好",
    "再",
    "见",
    "工号",
    "a",
    "Z",
    "1",
    r"\d",
    ".",
    "[您你]",
    "[^，。]",
    r"\p{Han}",
    r"\.",
    "（",
    "歡",
    "ｂ",
    r"\s",
]


def safe_regex(depth: int = 2):
    atom = st.sampled_from(SAFE_ATOMS)
    if depth > 0:
        atom = st.one_of(
            atom,
            st.builds(lambda a, b: f"(?:{a}|{b})", safe_regex(depth - 1), safe_regex(depth - 1)),
            st.builds(lambda a: f"({a})", safe_regex(depth - 1)),
        )
    piece = st.builds(lambda a, q: a + q, atom, st.sampled_from(["", "", "?", "*", "+", "{1,3}", "{2}"]))
    body = st.lists(piece, min_size=1, max_size=4).map("".join)
    return st.builds(lambda a, b, c: a + b + c, st.sampled_from(["", "", "^"]), body, st.sampled_from(["", "", "$"]))


PHRASE = st.one_of(
    st.sampled_from(WORDS), st.builds(lambda a, b: a + b, st.sampled_from(WORDS), st.sampled_from(WORDS + ODD))
)
LONG_PHRASE = (
    st.lists(st.sampled_from(WORDS), min_size=2, max_size=3).map("".join).filter(lambda p: len(p.strip()) >= 4)
)
SPEAKERS = st.sampled_from(["agent", "customer", "other", "any"])
SEVERITY = st.sampled_from(["info", "minor", "major", "critical"])


@st.composite
def window(draw):
    bounds = {}
    for key, value in (
        ("first", st.integers(1, 5)),
        ("last", st.integers(1, 5)),
        ("first_seconds", st.floats(0.5, 100, allow_nan=False)),
        ("last_seconds", st.floats(0.5, 100, allow_nan=False)),
    ):
        if draw(st.booleans()):
            bounds[key] = draw(value)
    if not bounds:
        bounds["first"] = 2
    bounds["of"] = draw(st.sampled_from(["speaker", "all"]))
    return bounds


@st.composite
def condition(draw):
    out = {}
    if draw(st.booleans()):
        out["phrases"] = draw(st.lists(PHRASE, min_size=1, max_size=3))
    if draw(st.booleans()) or not out:
        out["regex"] = draw(st.lists(safe_regex(1), min_size=1, max_size=2))
    if draw(st.booleans()):
        out["within"] = draw(st.integers(0, 10))
    out["side"] = draw(st.sampled_from(["before", "after", "around"]))
    return out


@st.composite
def token_sequence(draw):
    items = [draw(st.sampled_from(WORDS))]
    for _ in range(draw(st.integers(0, 3))):
        items.append(
            draw(
                st.one_of(
                    st.sampled_from(WORDS),
                    st.builds(lambda a, b: f"{a}|{b}", st.sampled_from(WORDS), st.sampled_from(WORDS)),
                    st.sampled_from(WORDS).map(lambda w: w + "?"),
                    st.integers(0, 3).map(lambda n: {"gap": n}),
                )
            )
        )
    return items


@st.composite
def pack_rule(draw, rule_id: str):
    out: dict = {"id": rule_id}
    matchers = draw(st.sets(st.sampled_from(["phrases", "pinyin", "regex", "fuzzy", "tokens"]), min_size=1, max_size=3))
    if "phrases" in matchers:
        out["phrases"] = draw(st.lists(PHRASE, min_size=1, max_size=4))
        out["homophones"] = draw(st.booleans())
        out["boundary"] = draw(st.sampled_from(["token", "char"]))
    if "pinyin" in matchers:
        out["pinyin"] = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=2))
        out["tones"] = draw(st.booleans())
    if "regex" in matchers:
        out["regex"] = draw(st.lists(safe_regex(), min_size=1, max_size=3))
    if "fuzzy" in matchers:
        out["fuzzy"] = {
            "phrases": draw(st.lists(LONG_PHRASE, min_size=1, max_size=2)),
            "threshold": draw(st.sampled_from([0.6, 0.75, 0.85, 1.0])),
        }
    if "tokens" in matchers:
        out["tokens"] = draw(st.lists(token_sequence(), min_size=1, max_size=2))
    if draw(st.booleans()):
        out["speaker"] = draw(SPEAKERS)
    if draw(st.integers(0, 3)) == 0:
        out["window"] = draw(window())
    if draw(st.integers(0, 3)) == 0:
        out["anchor"] = draw(st.sampled_from(["start", "end"]))
    if draw(st.booleans()):
        out["negation"] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        out["unless"] = draw(st.lists(PHRASE, min_size=1, max_size=2))
        out["unless_within"] = draw(st.integers(0, 6))
    if draw(st.integers(0, 3)) == 0:
        out["context"] = {
            part: draw(st.lists(condition(), min_size=1, max_size=2))
            for part in draw(st.sets(st.sampled_from(["all", "any", "none"]), min_size=1))
        }
    if draw(st.integers(0, 4)) == 0:
        out["severity"] = draw(SEVERITY)
    if draw(st.integers(0, 9)) == 0:
        out["enabled"] = False
    return out


@st.composite
def pack_check(draw, check_id: str, stages: list[str]):
    kind = draw(
        st.sampled_from(
            [
                "position",
                "sequence",
                "conditional",
                "pattern",
                "answer_delay",
                "silence",
                "interruption",
                "speech_rate",
                "agent_hangup",
            ]
        )
    )
    stage = st.sampled_from(stages)
    out: dict = {"id": check_id, "type": kind, "severity": draw(SEVERITY)}
    if draw(st.integers(0, 4)) == 0:
        out["channels"] = [draw(st.sampled_from(["phone", "online"]))]
    if kind == "position":
        out.update(stage=draw(stage), window=draw(window()))
    elif kind == "sequence":
        out.update(before=draw(stage), after=draw(st.one_of(stage, st.just("any"))))
    elif kind == "conditional":
        trigger = {"speaker": draw(SPEAKERS)}
        for key, value in (
            ("stage", stage),
            ("phrases", st.lists(PHRASE, min_size=1, max_size=3)),
            ("regex", st.lists(safe_regex(1), min_size=1, max_size=2)),
            ("repeat", st.floats(0.5, 1.0)),
        ):
            if draw(st.booleans()):
                trigger[key] = draw(value)
        trigger.setdefault("phrases", ["投诉"])
        if draw(st.booleans()):
            trigger["unless"] = draw(st.lists(PHRASE, min_size=1, max_size=2))
        then = []
        for _ in range(draw(st.integers(1, 2))):
            requirement = {"speaker": draw(SPEAKERS)}
            choice = draw(st.sampled_from(["stage", "phrases", "regex"]))
            requirement[choice] = draw(
                {
                    "stage": stage,
                    "phrases": st.lists(PHRASE, min_size=1, max_size=3),
                    "regex": st.lists(safe_regex(1), min_size=1, max_size=2),
                }[choice]
            )
            then.append(requirement)
        out.update(trigger=trigger, then=then, include_trigger_utterance=draw(st.booleans()), once=draw(st.booleans()))
        if draw(st.booleans()):
            out["within_utterances"] = draw(st.integers(0, 5))
        if draw(st.booleans()) or "within_utterances" not in out:
            out["within_seconds"] = draw(st.floats(0.5, 60, allow_nan=False))
    elif kind == "pattern":
        out.update(regex=draw(st.lists(safe_regex(), min_size=1, max_size=2)), speaker=draw(SPEAKERS))
    elif kind == "answer_delay":
        out.update(max_seconds=draw(st.floats(0.5, 20, allow_nan=False)))
    elif kind == "silence":
        out.update(max_seconds=draw(st.floats(0.5, 20, allow_nan=False)))
        if draw(st.booleans()):
            out.update(
                hold_max_seconds=draw(st.floats(1, 60, allow_nan=False)),
                hold_phrases=["请稍等"],
                thanks_phrases=["久等了"],
            )
    elif kind == "interruption":
        out.update(
            min_overlap_seconds=draw(st.floats(0, 3, allow_nan=False)),
            backchannels=["嗯", "好的"],
            backchannel_max_chars=draw(st.integers(0, 4)),
        )
    elif kind == "speech_rate":
        out.update(
            min_cpm=draw(st.floats(1, 200, allow_nan=False)),
            max_cpm=draw(st.floats(100, 600, allow_nan=False)),
            min_chars=draw(st.integers(1, 40)),
        )
    else:
        out.update(closing_stage=draw(stage), window=draw(st.integers(1, 3)))
    return out


@st.composite
def small_pack(draw) -> dict:
    stage_ids = [f"s{i}" for i in range(draw(st.integers(1, 4)))]
    stages = []
    for stage_id in stage_ids:
        stage = {
            "id": stage_id,
            "name": draw(st.sampled_from(["问候", "结束语", "禁语", "Stage"])),
            "speaker": draw(SPEAKERS),
            "required": draw(st.booleans()),
            "violation": draw(st.integers(0, 3)) == 0,
            "severity": draw(SEVERITY),
            "rules": [draw(pack_rule(f"{stage_id}.r{j}")) for j in range(draw(st.integers(1, 3)))],
        }
        if draw(st.integers(0, 4)) == 0:
            stage["position"] = draw(window())
        if draw(st.integers(0, 9)) == 0:
            stage["enabled"] = False
        stages.append(stage)
    pack = {
        "id": "fuzz",
        "version": "1",
        "negators": draw(st.lists(st.sampled_from(["不", "没", "没有", "别", "\u200b"]), max_size=3, unique=True)),
        "negation_window": draw(st.integers(1, 6)),
        "normalize": {
            "fullwidth": draw(st.booleans()),
            "casefold": draw(st.booleans()),
            "traditional": draw(st.booleans()),
            "numerals": draw(st.booleans()),
            "fillers": draw(st.lists(st.sampled_from(["呃", "额", "嗯", "啊"]), max_size=2, unique=True)),
        },
        "stages": stages,
        "checks": [draw(pack_check(f"c{i}", stage_ids)) for i in range(draw(st.integers(0, 3)))],
    }
    if draw(st.booleans()):
        pack["dictionary"] = draw(
            st.lists(st.sampled_from(["星海银行", "工号", {"word": "小李子", "freq": 5}, "您好像"]), max_size=2)
        )
    if draw(st.booleans()):
        pack["hmm"] = False
    if draw(st.booleans()):
        pack["scorecard"] = {
            "total": 100,
            "pass_mark": draw(st.integers(0, 100)),
            "items": [
                {
                    "id": f"i{k}",
                    "name": "项",
                    "points": draw(st.integers(0, 40)),
                    "per": draw(st.sampled_from(["once", "occurrence"])),
                    "veto": draw(st.integers(0, 5)) == 0,
                    "match": {"stages": [draw(st.sampled_from(stage_ids))]},
                }
                for k in range(draw(st.integers(1, 3)))
            ],
        }
    return pack


def _nodes(data, path=()):
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _nodes(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _nodes(value, path + (i,))


@st.composite
def maybe_broken_pack(draw) -> dict:
    """A small pack; one time in three with something wrong in it (an unknown key, a wrong type, a
    missing field, a dangling reference, an invalid regex)."""
    pack = json.loads(json.dumps(draw(small_pack())))
    if draw(st.integers(0, 2)) == 0:
        nodes = [(p, n) for p, n in _nodes(pack) if isinstance(n, (dict, list)) and p]
        path, node = draw(st.sampled_from(nodes))
        action = draw(st.sampled_from(["unknown key", "wrong type", "drop", "regex", "dangling"]))
        if isinstance(node, dict):
            if action == "unknown key":
                node[draw(st.sampled_from(["phrase", "stagse", "Regex", "speeker"]))] = 1
            elif action == "drop" and node:
                del node[draw(st.sampled_from(sorted(node)))]
            elif action == "regex":
                node["regex"] = [draw(st.sampled_from(["(", "[z-a]", r"\b", r"(a)\1", r"\C", "(?<=x)y", "a{2,1}"]))]
            elif action == "dangling" and "stage" in node:
                node["stage"] = "nowhere"
            elif node:
                node[draw(st.sampled_from(sorted(node)))] = draw(
                    st.sampled_from([None, 1, -1, "x", [], {}, [1], 1e309, True])
                )
        elif node:
            node[draw(st.integers(0, len(node) - 1))] = draw(st.sampled_from([None, 1, "", {}, [], "x"]))
    return pack


@settings(max_examples=examples(150), **FUZZ)
@given(maybe_broken_pack(), st.lists(valid_transcripts(max_size=6), min_size=1, max_size=3))
def test_random_packs_fail_at_load_or_never(scratch, data, transcripts):
    path = scratch / "pack.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    outcomes = []
    for source in (data, path):
        try:
            outcomes.append(load_pack(source))
        except PackError as exc:
            assert exc.problems and all(isinstance(p, str) and isinstance(m, str) for p, m in exc.problems)
            outcomes.append(None)
    from_dict, from_yaml = outcomes
    assert (from_dict is None) == (from_yaml is None)
    event("pack: " + ("PackError" if from_dict is None else "loads"))
    if from_dict is None:
        return
    assert from_dict.model_dump() == from_yaml.model_dump()
    checker = Checker(from_dict)
    for transcript in transcripts:
        assert_sound(checker, transcript)
    assert Checker(from_yaml).check(transcripts[0]) == checker.check(transcripts[0])  # a second checker agrees
    for row in checker.explain(transcripts[0].utterances[0].text if transcripts[0].utterances else "您好"):
        assert row["kept"] in (True, False)


@st.composite
def mutated_yaml(draw) -> str:
    """The YAML of a small valid pack with characters deleted, replaced or inserted."""
    text = yaml.safe_dump(draw(small_pack()), allow_unicode=True)
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        text = (
            text[:position]
            + draw(st.sampled_from(["", ":", "-", " ", "\n", "&a ", "*a", "!!", "{", "'", "\t", "? "]))
            + text[position + draw(st.integers(0, 3)) :]
        )
    return text


@settings(max_examples=examples(100), **FUZZ)
@given(st.one_of(st.text(max_size=300), mutated_yaml()))
def test_arbitrary_yaml_text_is_a_pack_error_or_a_pack(scratch, text):
    path = scratch / "any.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_pack(path)
        event("yaml text: loads")
    except PackError:
        event("yaml text: PackError")


# -- pack chains with extends: a state machine -----------------------------------------------------------------------
STAGE_POOL = ["greeting", "closing", "empathy", "forbidden", "transfer"]


class PackChains(RuleBasedStateMachine):
    """Writes pack files that extend each other (sometimes in a cycle, sometimes broken) and checks that
    loading any of them gives what a model of the merge predicts, or the PackError it predicts."""

    files = Bundle("files")

    @initialize()
    def start(self):
        self.folder = Path(tempfile.mkdtemp(prefix="servicecheck-chains-"))
        self.model: dict[str, dict] = {}  # name -> {"parent", "stages", "broken"}
        self.counter = 0

    def _write(self, name: str, parent, stages: list[str], broken: bool, disabled: list[str]) -> None:
        data: dict = {"id": name.replace(".yaml", ""), "version": str(self.counter)}
        if parent is not None:
            data["extends"] = parent
        data["stages"] = [
            {"id": s, "name": s, "rules": [{"id": f"{name[:-5]}.{s}", "phrases": [s[:2] + "您好"]}]} for s in stages
        ] + [{"id": s, "enabled": False} for s in disabled]
        text = yaml.safe_dump(data, allow_unicode=True)
        if broken:
            text += "stagse: []\n"
        (self.folder / name).write_text(text, encoding="utf-8")
        self.model[name] = {"parent": parent, "stages": stages, "broken": broken, "disabled": disabled}

    @rule(target=files, stages=st.lists(st.sampled_from(STAGE_POOL), max_size=3, unique=True), broken=st.integers(0, 7))
    def base(self, stages, broken):
        self.counter += 1
        name = f"p{self.counter}.yaml"
        self._write(name, None, stages, broken == 0, [])
        return name

    @rule(
        target=files,
        parent=files,
        stages=st.lists(st.sampled_from(STAGE_POOL), max_size=2, unique=True),
        disable=st.booleans(),
    )
    def child(self, parent, stages, disable):
        self.counter += 1
        name = f"p{self.counter}.yaml"
        inherited = self._expected(parent)
        disabled = (
            [inherited[0]]
            if disable and isinstance(inherited, list) and inherited and inherited[0] not in stages
            else []
        )
        self._write(name, parent, stages, False, disabled)
        return name

    @rule(name=files, parent=files)
    def repoint(self, name, parent):
        """Make ``name`` extend ``parent``: may close a cycle."""
        entry = self.model[name]
        self._write(name, parent, entry["stages"], entry["broken"], [])

    def _expected(self, name: str):
        """The enabled stage ids of the merged pack, in order, or words of the error loading it gives.

        Like load_pack: going down the chain, a file seen before is a cycle and a 17th file is too
        deep; coming back up, each file is validated after its parent has merged into it."""
        chain, seen = [], set()
        while name is not None:
            if name in seen:
                return "circular extends"
            if len(chain) >= 16:
                return "nested deeper"
            seen.add(name)
            chain.append(name)
            name = self.model[name]["parent"]
        stages: list[str] = []
        enabled: dict[str, bool] = {}
        for n in reversed(chain):
            entry = self.model[n]
            if entry["broken"]:
                return "unknown key 'stagse'; did you mean 'stages'?"
            for s in entry["stages"]:
                if s not in stages:
                    stages.append(s)
                enabled.setdefault(s, True)  # merged key by key: a redefinition keeps enabled: false
            for s in entry["disabled"]:
                if s not in stages:
                    return "is not in"  # a stage switched off that this chain does not have: a misspelt override
                enabled[s] = False
        return [s for s in stages if enabled[s]]

    @rule(name=files)
    def load(self, name):
        expected = self._expected(name)
        note(f"{name}: expected {expected}")
        event("chain: " + (expected if isinstance(expected, str) else "loads"))
        try:
            pack = load_pack(self.folder / name)
        except PackError as exc:
            assert isinstance(expected, str), (expected, str(exc))
            assert expected in str(exc), (expected, str(exc))
            return
        assert isinstance(expected, list), (expected, pack)
        assert [s.id for s in pack.stages if s.enabled] == expected
        report = Checker(pack).check(
            {"id": "x", "utterances": [{"speaker": "agent", "text": "grgreeting 您好 clclosing"}]}
        )
        assert report.pack_id == name[:-5]

    @invariant()
    def files_are_few(self):
        assert self.counter <= 40

    def teardown(self):
        import shutil

        shutil.rmtree(getattr(self, "folder", ""), ignore_errors=True)


TestPackChains = PackChains.TestCase
TestPackChains.settings = settings(max_examples=examples(40), stateful_step_count=15, **FUZZ)


# -- reference implementations --------------------------------------------------------------------------------------
@settings(max_examples=examples(400), **FUZZ)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 8)), max_size=40))
def test_disjoint_spans_agree_with_a_linear_scan(spans):
    from servicecheck.spans import DisjointSpans

    taken, kept = DisjointSpans(), []
    for start, length in spans:
        end = start + length
        expected = all(end <= s or start >= e for s, e in kept)
        if expected:
            kept.append((start, end))
        assert taken.add(start, end) == expected
    event(f"spans kept: {min(len(kept), 10)}")


def _interruptions_by_brute_force(check, ctx) -> list[tuple[int, str]]:
    """The interruption check as it was before the sweep: every agent turn against every customer turn."""
    from servicecheck.checks.timing import _is_backchannel, elapsed

    utterances = ctx.utterances
    customers = sorted((u.start, u.end, i) for i, u in enumerate(utterances) if u.speaker == "customer")
    found = []
    for index, utterance in enumerate(utterances):
        if utterance.speaker != "agent":
            continue
        begin = utterance.start
        for start, end, other in customers:
            if start > begin:
                break
            if start <= begin < end and elapsed(end, begin) > check.min_overlap_seconds:
                if not _is_backchannel(check, ctx, index):
                    found.append((index, f"客户第 {other} 句到 {end:.1f}s"))
                break
    return found


TIMES = st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.5, 5.0, 7.25, 10.0, 10.1, 12.0])


@settings(max_examples=examples(300), **FUZZ)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["agent", "customer", "other"]),
            TIMES,
            TIMES,
            st.sampled_from(["嗯", "好的", "您好，请讲", "我想问一下账单"]),
        ),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from([0.0, 0.5, 1.0, 2.0]),
)
def test_interruption_sweep_agrees_with_brute_force(turns, overlap):
    from servicecheck.checks import CheckContext
    from servicecheck.checks.timing import interruption
    from servicecheck.pack.schema import InterruptionCheck

    transcript = Transcript.model_validate(
        {
            "id": "t",
            "utterances": [{"speaker": s, "text": t, "start": min(a, b), "end": max(a, b)} for s, a, b, t in turns],
        }
    )
    check = InterruptionCheck(id="i", type="interruption", min_overlap_seconds=overlap, backchannels=["嗯", "好的"])
    ctx = CheckContext(transcript, [], bank().normalizer)
    got = [(f.utterance_index, f.explanation) for f in interruption(check, ctx)]
    event(f"interruptions: {min(len(got), 3)}")
    expected = _interruptions_by_brute_force(check, CheckContext(transcript, [], bank().normalizer))
    assert [i for i, _ in got] == [i for i, _ in expected]
    for (_, explanation), (_, part) in zip(got, expected):
        assert part in explanation


# -- optional: atheris ------------------------------------------------------------------------------------------------
def atheris_main() -> None:  # pragma: no cover - run by hand, never by pytest
    """Coverage-guided fuzzing of the readers (format sniffed as for standard input: JSON, JSONL or
    text) and of the checker on whatever they accept, with atheris (libFuzzer), when it is installed:

        pip install atheris && python tests/test_fuzz.py -max_total_time=600 [CORPUS_DIR]

    Any exception other than InputError from the readers, or any exception from the checker, is a
    crash that libFuzzer reports with the input that caused it.
    """
    import io
    import sys

    import atheris

    from servicecheck.io import _records_from_stream, _sniff

    # Small caches: the fuzzer feeds hundreds of thousands of distinct texts, and the default caches
    # (bounded by entries, not bytes) would fill gigabytes; this way RSS growth means a real leak.
    checker = Checker(load_pack("bank-cn"), cache_size=256)
    from servicecheck.io import ReadOptions

    options = ReadOptions()
    atheris.instrument_all()

    def one(data: bytes) -> None:
        fmt, stream = _sniff(io.BytesIO(data))
        for record in _records_from_stream(stream, "<fuzz>", fmt, options, "fuzz"):
            if record.transcript is not None:
                assert_offsets(record.transcript, checker.check(record.transcript))

    atheris.Setup(sys.argv, one)
    atheris.Fuzz()


if __name__ == "__main__":  # pragma: no cover
    atheris_main()
