"""The vendor readers in servicecheck.io.asr, against fixtures that follow the vendors' documented output.

Every fixture in tests/data/asr is the same synthetic call (call.json is its truth), so each reader is
checked for what it reads (text, seconds, speaker ids, words) and not only for not crashing.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicecheck.errors import InputError
from servicecheck.io.asr import (
    READERS,
    TEXT_READERS,
    Recognised,
    describe_json,
    detect_json,
    detect_text,
    load_json,
    read_aliyun,
    read_dashscope,
    read_funasr,
    read_srt,
    read_tencent,
    read_vtt,
    read_whisper,
)
from servicecheck.io.asr.detect import unrecognised

DATA = Path(__file__).resolve().parent / "data" / "asr"
PUNCTUATION = set("，。？！、,.?!")


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def text_of(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def one(calls: list[Recognised]) -> Recognised:
    assert len(calls) == 1
    return calls[0]


TRUTH = [(u["speaker"], u["text"], u["start"], u["end"]) for u in load("call.json")["utterances"]]


def as_turns(call: Recognised, roles: dict[str, str]) -> list[tuple[str, str, float, float]]:
    """Fragments sorted by start, consecutive fragments of one speaker merged: what assembly will do."""
    turns: list[list] = []
    for f in sorted(call.fragments, key=lambda f: f.start):
        role = roles[f.speaker]
        if turns and turns[-1][0] == role:
            turns[-1][1] += f.text
            turns[-1][3] = f.end
        else:
            turns.append([role, f.text, f.start, f.end])
    return [(r, t, round(s, 3), round(e, 3)) for r, t, s, e in turns]


# --------------------------------------------------------------------------------------------------
# The fixtures themselves


def test_fixtures_are_what_the_generator_writes(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("make_fixtures", DATA / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_fixtures", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path)
    module.main()
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in DATA.iterdir() if p.suffix != ".py" and p.is_file())
    for name in written:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_the_call_looks_like_a_phone_call():
    assert 10 <= len(TRUTH) <= 14
    assert TRUTH[0][0] == "agent" and "星海银行" in TRUTH[0][1] and "工号" in TRUTH[0][1]
    assert any("尾号幺三八六" in text for _, text, _, _ in TRUTH)
    assert any("两个工作日内" in text and role == "agent" for role, text, _, _ in TRUTH)
    assert any(text.startswith("感谢您的来电，再见") for role, text, _, _ in TRUTH if role == "agent")
    for i in range(1, len(TRUTH)):
        assert 0.3 <= round(TRUTH[i][2] - TRUTH[i - 1][3], 3) <= 1.5  # the gap between two turns


# --------------------------------------------------------------------------------------------------
# FunASR


def test_funasr_reads_clauses_in_seconds_with_cluster_ids_as_text():
    raw = load("funasr.json")
    call = one(read_funasr(raw, "funasr.json"))
    clauses = raw[0]["sentence_info"]
    assert (call.format, call.id, call.speaker_kind) == ("funasr", "call_0001", "speaker")
    assert len(call.fragments) == len(clauses)
    for i, (fragment, clause) in enumerate(zip(call.fragments, clauses)):
        assert fragment.text == clause["text"]
        assert fragment.start == clause["timestamp"][0][0] / 1000
        assert fragment.end == clause["timestamp"][-1][1] / 1000
        assert fragment.speaker == str(clause["spk"])
        assert fragment.path == f"[0].sentence_info[{i}]"
    assert as_turns(call, {"1": "agent", "0": "customer"}) == TRUTH


def test_funasr_words_have_times_and_character_offsets():
    call = one(read_funasr(load("funasr.json"), "funasr.json"))
    clauses = load("funasr.json")[0]["sentence_info"]
    for fragment, clause in zip(call.fragments, clauses):
        assert len(fragment.words) == len([c for c in fragment.text if c not in PUNCTUATION])
        for word, (start, end) in zip(fragment.words, clause["timestamp"]):
            assert fragment.text[word.start_char : word.end_char] == word.text
            assert (word.start, word.end) == (start / 1000, end / 1000)
            assert len(word.text) == 1


def test_funasr_tokens_an_ascii_run_as_one_word():
    clause = {
        "text": "卡号是ABC123 ok吗？",
        "start": 0,
        "end": 1200,
        "spk": 0,
        "timestamp": [[0, 200], [200, 400], [400, 600], [600, 800], [800, 900], [900, 1000], [1000, 1200]],
    }
    fragment = one(read_funasr([{"key": "k", "sentence_info": [clause]}], "x")).fragments[0]
    assert fragment.words == ()  # seven timestamps, six tokens: counts disagree, so no words are invented
    assert (fragment.start, fragment.end) == (0.0, 1.2)
    clause["timestamp"] = clause["timestamp"][:6]
    fragment = one(read_funasr([{"key": "k", "sentence_info": [clause]}], "x")).fragments[0]
    assert [w.text for w in fragment.words] == ["卡", "号", "是", "ABC123", "ok", "吗"]
    assert [(w.start_char, w.end_char) for w in fragment.words][3:5] == [(3, 9), (10, 12)]
    assert fragment.words[3].start == 0.6 and fragment.end == 1.0


def test_funasr_skips_none_padding_for_times_and_gives_no_words():
    clause = {"text": "好的，", "start": 5000, "end": 5400, "timestamp": [[100, 300], None], "spk": 2}
    fragment = one(read_funasr({"key": "k", "sentence_info": [clause]}, "x")).fragments[0]
    assert (fragment.start, fragment.end, fragment.words) == (0.1, 0.3, ())
    assert fragment.path == "sentence_info[0]"  # a single result dict: paths start at its keys


def test_funasr_uses_start_and_end_without_token_timestamps():
    clause = {"text": "好的。", "start": 1500, "end": 2250}
    call = one(read_funasr([{"key": "rand_key_W3pQz", "sentence_info": [clause]}], "x"))
    assert (call.fragments[0].start, call.fragments[0].end) == (1.5, 2.25)
    assert call.fragments[0].speaker is None and call.speaker_kind == "none"
    assert call.id is None  # raw audio input: FunASR made the key up


def test_funasr_corrects_the_old_start_time_bug():
    raw = load("funasr-old-start-bug.json")
    call = one(read_funasr(raw, "funasr-old-start-bug.json"))
    current = one(read_funasr(load("funasr.json"), "funasr.json"))
    clauses = raw[0]["sentence_info"]
    assert any(c["start"] != c["timestamp"][0][0] for c in clauses)  # the bug is in the fixture
    for fragment, clause, right in zip(call.fragments, clauses, current.fragments):
        assert fragment.start == clause["timestamp"][0][0] / 1000 == right.start
    assert clauses[1]["start"] == clauses[0]["end"]


def test_funasr_vad_segments_use_the_sentence_key():
    raw = load("funasr-vad-segment.json")
    call = one(read_funasr(raw, "funasr-vad-segment.json"))
    assert [(f.text, f.start, f.end) for f in call.fragments] == [(t, s, e) for _, t, s, e in TRUTH]
    assert raw[0]["sentence_info"][0]["start"] / 1000 < call.fragments[0].start  # VAD bounds are wider
    assert all(f.words for f in call.fragments)


def test_funasr_runtime_message():
    raw = load("funasr-runtime.json")
    call = one(read_funasr(raw, "funasr-runtime.json"))
    assert (call.id, call.speaker_kind) == ("call_0001", "none")
    assert "".join(f.text for f in call.fragments) == raw["text"]
    first = call.fragments[0]
    assert (first.text, first.start, first.end, first.speaker, first.path) == (
        "您好，",
        0.88,
        1.3,
        None,
        "stamp_sents[0]",
    )
    for fragment in call.fragments:
        assert [fragment.text[w.start_char : w.end_char] for w in fragment.words] == [w.text for w in fragment.words]
        assert "".join(w.text for w in fragment.words) == fragment.text[:-1]


def test_funasr_runtime_keeps_spaces_between_english_words():
    message = {
        "mode": "offline",
        "stamp_sents": [
            {
                "text_seg": "我 用 apple pay",
                "punc": "。",
                "start": 0,
                "end": 900,
                "ts_list": [[0, 200], [200, 400], [400, 700], [700, 900]],
            }
        ],
    }
    fragment = one(read_funasr(message, "x")).fragments[0]
    assert fragment.text == "我用apple pay。"
    assert [(w.text, w.start_char) for w in fragment.words] == [("我", 0), ("用", 1), ("apple", 2), ("pay", 8)]


def test_funasr_without_sentence_info_explains_how_to_get_it():
    raw = [{"key": "call_0001", "text": "您好。", "timestamp": [[880, 1060], [1060, 1240]]}]
    with pytest.raises(InputError) as caught:
        read_funasr(raw, "plain.json")
    error = caught.value
    assert error.field == "[0].sentence_info"
    assert error.problem.startswith("funasr: sentence_info is missing")
    assert 'spk_model="cam++"' in error.problem and "sentence_timestamp=True" in error.problem


def test_readers_keep_vendor_order():
    raw = load("funasr.json")
    raw[0]["sentence_info"].reverse()
    starts = [f.start for f in one(read_funasr(raw, "x")).fragments]
    assert starts == sorted(starts, reverse=True)


# --------------------------------------------------------------------------------------------------
# Alibaba Cloud


def test_aliyun_reads_channels_in_vendor_order():
    raw = load("aliyun.json")
    call = one(read_aliyun(raw, "aliyun.json"))
    sentences = raw["Result"]["Sentences"]
    assert (call.format, call.speaker_kind) == ("aliyun", "channel")
    assert call.metadata == {"task_id": "c1a7f2e8d05411efa1b2c3d4e5f60001", "duration_seconds": 61.42}
    assert [f.speaker for f in call.fragments] == [str(s["ChannelId"]) for s in sentences]
    assert [f.speaker for f in call.fragments] == ["0"] * 6 + ["1"] * 6  # channel by channel, not by time
    for i, (fragment, sentence) in enumerate(zip(call.fragments, sentences)):
        assert (fragment.start, fragment.end) == (sentence["BeginTime"] / 1000, sentence["EndTime"] / 1000)
        assert fragment.loudness == sentence["EmotionValue"]
        assert fragment.path == f"Result.Sentences[{i}]"
    assert as_turns(call, {"0": "agent", "1": "customer"}) == TRUTH


def test_aliyun_words_go_to_the_sentence_of_their_channel_that_contains_them():
    call = one(read_aliyun(load("aliyun.json"), "aliyun.json"))
    for fragment in call.fragments:
        assert "".join(w.text for w in fragment.words) == "".join(c for c in fragment.text if c not in PUNCTUATION)
        assert all(fragment.start <= w.start <= w.end <= fragment.end for w in fragment.words)


def test_aliyun_speaker_ids_replace_channels_when_every_sentence_has_one():
    raw = load("aliyun.json")
    for sentence in raw["Result"]["Sentences"]:
        sentence["SpeakerId"] = "1" if sentence["ChannelId"] == 0 else "2"
    call = one(read_aliyun(raw, "x"))
    assert call.speaker_kind == "speaker"
    assert {f.speaker for f in call.fragments} == {"1", "2"}
    del raw["Result"]["Sentences"][0]["SpeakerId"]
    assert one(read_aliyun(raw, "x")).speaker_kind == "channel"


def test_aliyun_legacy_callback():
    raw = load("aliyun-legacy.json")
    call = one(read_aliyun(raw, "aliyun-legacy.json"))
    assert call.metadata["task_id"] == raw["task_id"]
    assert call.fragments[1].path == "result[1]"
    assert call.fragments[1].loudness == raw["result"][1]["emotion_value"]
    assert as_turns(call, {"0": "agent", "1": "customer"}) == TRUTH


def test_aliyun_call_without_speech_is_an_empty_call():
    call = one(read_aliyun(load("aliyun-empty.json"), "aliyun-empty.json"))
    assert call.fragments == [] and call.metadata["duration_seconds"] == 15.36


@pytest.mark.parametrize(
    ("status", "code", "words"),
    [
        ("RUNNING", 21050001, "has not finished"),
        ("QUEUEING", 21050002, "has not finished"),
        ("FILE_DOWNLOAD_FAILED", 41050002, "did not succeed"),
    ],
)
def test_aliyun_unfinished_or_failed_task_is_refused(status, code, words):
    raw = load("aliyun-running.json")
    raw.update(StatusText=status, StatusCode=code)
    with pytest.raises(InputError) as caught:
        read_aliyun(raw, "task.json")
    assert caught.value.field == "StatusText"
    assert words in caught.value.problem and status in caught.value.problem and str(code) in caught.value.problem


def test_aliyun_names_the_json_path_of_a_bad_time():
    raw = load("aliyun.json")
    raw["Result"]["Sentences"][3]["BeginTime"] = "abc"
    with pytest.raises(InputError) as caught:
        read_aliyun(raw, "aliyun.json")
    assert caught.value.field == "Result.Sentences[3].BeginTime"
    assert caught.value.problem == "aliyun: BeginTime must be milliseconds as a number, got 'abc'"
    assert str(caught.value) == f"aliyun.json, field Result.Sentences[3].BeginTime: {caught.value.problem}"


def test_dashscope_reads_sentences_words_and_speakers():
    raw = load("dashscope.json")
    call = one(read_dashscope(raw, "dashscope.json"))
    assert (call.format, call.id, call.speaker_kind) == ("dashscope", "call_0001", "speaker")
    assert call.metadata == {"duration_seconds": 61.42}
    assert call.fragments[0].path == "transcripts[0].sentences[0]"
    assert as_turns(call, {"0": "agent", "1": "customer"}) == TRUTH
    words = call.fragments[0].words
    raw_words = raw["transcripts"][0]["sentences"][0]["words"]
    assert [(w.text, w.start, w.end) for w in words] == [
        (w["text"], w["begin_time"] / 1000, w["end_time"] / 1000) for w in raw_words
    ]


def test_dashscope_without_diarisation_gives_channels():
    raw = load("dashscope.json")
    for sentence in raw["transcripts"][0]["sentences"]:
        del sentence["speaker_id"]
    call = one(read_dashscope(raw, "x"))
    assert call.speaker_kind == "channel" and {f.speaker for f in call.fragments} == {"0"}


# --------------------------------------------------------------------------------------------------
# Tencent Cloud


def test_tencent_reads_sentences_and_makes_word_times_absolute():
    raw = load("tencent.json")
    call = one(read_tencent(raw, "tencent.json"))
    details = raw["Response"]["Data"]["ResultDetail"]
    assert (call.format, call.speaker_kind) == ("tencent", "speaker")
    assert call.metadata == {"task_id": "4500055927", "duration_seconds": 61.42}
    assert as_turns(call, {"0": "agent", "1": "customer"}) == TRUTH
    for i, (fragment, detail) in enumerate(zip(call.fragments, details)):
        assert fragment.path == f"Response.Data.ResultDetail[{i}]"
        assert fragment.loudness == detail["EmotionalEnergy"]
        assert fragment.words[0].start == fragment.start  # offset 0 is the sentence start, not second 0
        for word, raw_word in zip(fragment.words, detail["Words"]):
            assert word.start == round((detail["StartMs"] + raw_word["OffsetStartMs"]) / 1000, 3)
            assert word.end == round((detail["StartMs"] + raw_word["OffsetEndMs"]) / 1000, 3)
            assert fragment.start <= word.start <= word.end <= fragment.end


def test_tencent_accepts_the_bare_data_and_the_sdk_json():
    data = load("tencent.json")["Response"]["Data"]
    call = one(read_tencent(data, "callback.json"))
    assert call.fragments[2].path == "ResultDetail[2]" and len(call.fragments) == 12
    sdk = one(read_tencent({"Data": data, "RequestId": "r"}, "sdk.json"))
    assert sdk.fragments[2].path == "Data.ResultDetail[2]" and sdk.fragments[2].text == call.fragments[2].text
    assert detect_json(data) == detect_json({"Data": data, "RequestId": "r"}) == "tencent"


def test_tencent_falls_back_to_the_result_text_when_details_are_null():
    call = one(read_tencent(load("tencent-nulls.json"), "tencent-nulls.json"))
    assert call.metadata == {"task_id": "4500055928"}
    assert [(f.speaker, f.text, f.start, f.end) for f in call.fragments] == [
        ("0" if role == "agent" else "1", text, start, end) for role, text, start, end in TRUTH[:6]
    ]
    assert call.fragments[1].path == "Response.Data.Result line 2"


def test_tencent_result_text_without_third_field_and_with_hours():
    data = {"Status": 2, "Result": "[0:0.020,0:2.380]  腾讯云语音识别欢迎您。\n[1:02:3.500,1:02:5.000]  再见。\n"}
    call = one(read_tencent(data, "x"))
    assert [(f.speaker, f.text, f.start, f.end) for f in call.fragments] == [
        (None, "腾讯云语音识别欢迎您。", 0.02, 2.38),
        (None, "再见。", 3723.5, 3725.0),
    ]
    assert call.speaker_kind == "none"
    data["Result"] = "[0:0.020,0:2.380]  好\n0:3.000 坏行\n"
    with pytest.raises(InputError) as caught:
        read_tencent(data, "x")
    assert caught.value.field == "Result line 2"


def test_tencent_tolerates_null_in_any_detail_field():
    raw = load("tencent.json")
    details = raw["Response"]["Data"]["ResultDetail"]
    for key in ("StartMs", "EndMs", "Words", "SpeakerId", "EmotionalEnergy", "FinalSentence"):
        details[0][key] = None
    details[1]["Words"][0]["OffsetStartMs"] = None
    details[1]["Words"][1] = None
    details.append(None)
    raw["Response"]["RequestId"] = None
    for key in ("AudioDuration", "StatusStr", "ErrorMsg", "TaskId", "Result"):
        raw["Response"]["Data"][key] = None
    call = one(read_tencent(raw, "x"))
    first, second = call.fragments[0], call.fragments[1]
    assert (first.start, first.end, first.speaker, first.loudness, first.words) == (None, None, None, None, ())
    assert first.text == TRUTH[0][1].replace("，", "").replace("？", "")  # SliceSentence without its spaces
    assert second.words[0].start is None and second.words[0].end is not None
    assert len(second.words) == len(details[1]["Words"]) - 1
    assert len(call.fragments) == 12 and call.metadata == {}


@pytest.mark.parametrize(("status", "word"), [(0, "waiting"), (1, "doing")])
def test_tencent_unfinished_task_is_refused(status, word):
    raw = {"Response": {"Data": {"TaskId": 1, "Status": status, "StatusStr": word, "Result": "", "ResultDetail": None}}}
    with pytest.raises(InputError, match="not finished") as caught:
        read_tencent(raw, "x")
    assert caught.value.field == "Response.Data.Status" and word in caught.value.problem


def test_tencent_failed_task_names_the_error_message():
    raw = {"Data": {"TaskId": 1, "Status": 3, "StatusStr": "failed", "ErrorMsg": "Failed to download audio file!"}}
    with pytest.raises(InputError, match="Failed to download audio file!"):
        read_tencent(raw, "x")
    raw["Data"]["Status"] = None  # the status word alone says the same
    with pytest.raises(InputError, match="failed"):
        read_tencent(raw, "x")


def test_tencent_error_response_is_refused():
    raw = {"Response": {"Error": {"Code": "AuthFailure.SignatureExpire", "Message": "expired"}, "RequestId": "r"}}
    with pytest.raises(InputError, match="AuthFailure.SignatureExpire"):
        read_tencent(raw, "x")


# --------------------------------------------------------------------------------------------------
# Whisper and WhisperX


def test_whisper_confidence_comes_from_logprob_and_no_speech():
    raw = load("whisper.json")
    call = one(read_whisper(raw, "whisper.json"))
    assert (call.speaker_kind, call.metadata) == ("none", {"language": "zh", "variant": "whisper"})
    assert all(f.speaker is None for f in call.fragments)
    first, last = call.fragments[0], call.fragments[-1]
    assert first.confidence == pytest.approx(math.exp(-0.1823))
    assert last.confidence == pytest.approx(1 - 0.6215)  # below exp(-0.9012): probably no speech
    assert first.text == "您好,欢迎致电星海银行信用卡中心。"
    assert [(w.text, w.confidence) for w in first.words][:2] == [("您好,", 0.912), ("欢迎", 0.973)]
    assert all(w.start_char is None for f in call.fragments for w in f.words)


def test_whisper_strips_segment_text_and_clips_confidence():
    data = {
        "segments": [
            {"start": 0.0, "end": 1.0, "text": " Hello there. ", "avg_logprob": 0.05},
            {"start": 1.0, "end": 2.0, "text": "ok", "avg_logprob": -50.0, "no_speech_prob": 0.1},
        ],
        "language": "en",
    }
    first, second = one(read_whisper(data, "x")).fragments
    assert first.text == "Hello there." and first.confidence == 1.0
    assert 0 <= second.confidence < 1e-20


def test_whisperx_speakers_and_word_scores():
    raw = load("whisperx.json")
    call = one(read_whisper(raw, "whisperx.json"))
    assert (call.speaker_kind, call.metadata["variant"]) == ("speaker", "whisperx")
    assert as_turns(call, {"SPEAKER_01": "agent", "SPEAKER_00": "customer"}) == TRUTH
    for fragment, segment in zip(call.fragments, raw["segments"]):
        assert [w.confidence for w in fragment.words] == [w.get("score") for w in segment["words"]]
    comma = call.fragments[0].words[2]
    assert (comma.text, comma.start, comma.end, comma.confidence) == ("，", None, None, None)


def test_whisperx_segment_without_speaker():
    call = one(read_whisper(load("whisperx-missing-speaker.json"), "x"))
    assert [f.speaker for f in call.fragments] == ["SPEAKER_01", "SPEAKER_00", None, "SPEAKER_00"]


def test_whisperx_low_confidence_closing_words():
    call = one(read_whisper(load("whisperx-low-confidence.json"), "x"))
    closing = [f for f in call.fragments if f.speaker == "SPEAKER_01"][-1]
    assert closing.text.startswith("感谢您的来电")
    weak = [w for w in closing.words if w.text in "感谢您的来电"]
    assert len(weak) == 6 and all(0.2 <= w.confidence <= 0.3 for w in weak)
    others = [w for f in call.fragments for w in f.words if w.confidence is not None and w not in weak]
    assert others and all(w.confidence >= 0.85 for w in others)


def test_whisper_probability_outside_zero_to_one_is_an_error():
    data = load("whisper.json")
    data["segments"][1]["words"][2]["probability"] = 1.5
    with pytest.raises(InputError) as caught:
        read_whisper(data, "x")
    assert caught.value.field == "segments[1].words[2].probability"


# --------------------------------------------------------------------------------------------------
# WebVTT and SRT


@pytest.mark.parametrize(("name", "reader"), [("call.vtt", read_vtt), ("call.srt", read_srt)])
def test_subtitles_give_named_speakers_and_timing_line_paths(name, reader):
    content = text_of(name)
    call = one(reader(content, name))
    assert (call.format, call.speaker_kind) == (name[-3:], "name")
    assert as_turns(call, {"坐席": "agent", "客户": "customer"}) == TRUTH
    lines = content.replace("\r\n", "\n").split("\n")
    for fragment in call.fragments:
        number = int(fragment.path.removeprefix("line "))
        assert "-->" in lines[number - 1]


VTT = """\ufeffWEBVTT - a call\r
\r
STYLE\r
::cue(v[voice="坐席"]) { color: yellow }\r
\r
NOTE the agent's line
goes on here

REGION
id:left width:40%

intro
00:00.500 --> 00:02.000 align:start position:10%
<v.loud 坐席 一号>您好&nbsp;&amp;欢迎 &lt;星海&gt;

01:00:03.000 --> 01:00:04.250
<v 客户>我的<c.yellow>卡</c><b>丢</b>了<i>，</i><u>急</u></v><lang en>ok</lang>

00:05.000 --> 00:06.000
<00:05.000><v 坐席>好的<00:05.500>，&lrm;稍等&rlm;</v><v 客户>嗯
"""


def test_vtt_voices_tags_and_escapes():
    call = one(read_vtt(VTT, "x.vtt"))
    got = [(f.speaker, f.text, f.start, f.end, f.path) for f in call.fragments]
    assert got == [
        ("坐席 一号", "您好\u00a0&欢迎 <星海>", 0.5, 2.0, "line 13"),
        ("客户", "我的卡丢了，急", 3603.0, 3604.25, "line 16"),
        (None, "ok", 3603.0, 3604.25, "line 16"),
        ("坐席", "好的，\u200e稍等\u200f", 5.0, 6.0, "line 19"),
        ("客户", "嗯", 5.0, 6.0, "line 19"),
    ]


def test_vtt_multiline_payload_joins_chinese_without_and_latin_with_a_space():
    content = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v A>您好，\n请问\n\n00:03.000 --> 00:04.000\nHello\nthere\n"
    call = one(read_vtt(content, "x"))
    assert [(f.speaker, f.text) for f in call.fragments] == [("A", "您好，请问"), (None, "Hello there")]


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("WEBVT\n\n00:01.000 --> 00:02.000\nhi\n", 1),
        ("WEBVTT\n\n00:01.000 --> 00:02.000\nhi\n\n00:03,000 --> 00:04.000\nho\n", 6),
        ("WEBVTT\n\n1\n00:61.000 --> 00:62.000\nhi\n", 4),
        ("WEBVTT\n\n00:05.000 --> 00:04.000\nhi\n", 3),
        ("WEBVTT\n\nsomething\nwithout timing\n", 3),
    ],
)
def test_vtt_malformed_gives_the_line(content, line):
    with pytest.raises(InputError) as caught:
        read_vtt(content, "x.vtt")
    assert caught.value.line == line and caught.value.problem.startswith("vtt: ")


SRT = """\ufeff1
00:00:00,880 --> 00:00:02,000
坐席：您好，<i>星海银行</i>

2
00:00:03.100 --> 00:00:04,000
客户: 我的卡丢了

3
00:00:05,000 --> 00:00:06,000 X1:10 X2:20
Speaker 1: Hi there
[SPEAKER_00]: 你好

4
00:00:07,000 --> 00:00:08,000
注意，这里：不是名字
http://example.com
10:30 见
一个非常非常非常非常非常长的名字的前缀：不是

5
00:00:09,000 --> 00:00:10,000
Agent : 好的

再见
"""


def test_srt_speaker_prefixes():
    call = one(read_srt(SRT, "x.srt"))
    got = [(f.speaker, f.text, f.start, f.end, f.path) for f in call.fragments]
    assert got == [
        ("坐席", "您好，星海银行", 0.88, 2.0, "line 2"),
        ("客户", "我的卡丢了", 3.1, 4.0, "line 6"),
        ("Speaker 1", "Hi there", 5.0, 6.0, "line 10"),
        ("SPEAKER_00", "你好", 5.0, 6.0, "line 10"),
        (
            None,
            "注意，这里：不是名字http://example.com 10:30 见一个非常非常非常非常非常长的名字的前缀：不是",
            7.0,
            8.0,
            "line 15",
        ),
        ("Agent", "好的再见", 9.0, 10.0, "line 22"),  # text after a blank line inside a cue
    ]
    assert call.speaker_kind == "name"


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("1\n00:00:01,000 -> 00:00:02,000\nhi\n", 2),
        ("1\n00:00:01,000 --> 00:00:02,000\nhi\n\n2\n00:00:03 --> 00:00:04,000\nho\n", 6),
        ("hello\nworld\n", 1),
    ],
)
def test_srt_malformed_timing_gives_the_line(content, line):
    with pytest.raises(InputError) as caught:
        read_srt(content, "x.srt")
    assert caught.value.line == line and caught.value.problem.startswith("srt: ")


def test_subtitles_without_speakers():
    call = one(read_srt("1\n00:00:01,000 --> 00:00:02,000\n你好\n", "x"))
    assert call.speaker_kind == "none" and call.fragments[0].speaker is None


# --------------------------------------------------------------------------------------------------
# Detection


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("funasr.json", "funasr"),
        ("funasr-old-start-bug.json", "funasr"),
        ("funasr-vad-segment.json", "funasr"),
        ("funasr-runtime.json", "funasr"),
        ("aliyun.json", "aliyun"),
        ("aliyun-legacy.json", "aliyun"),
        ("aliyun-empty.json", "aliyun"),
        ("aliyun-running.json", "aliyun"),
        ("dashscope.json", "dashscope"),
        ("tencent.json", "tencent"),
        ("tencent-nulls.json", "tencent"),
        ("whisper.json", "whisper"),
        ("whisperx.json", "whisper"),
        ("whisperx-low-confidence.json", "whisper"),
        ("whisperx-missing-speaker.json", "whisper"),
        ("call.json", "json"),
    ],
)
def test_detect_json_fixtures(name, expected):
    assert detect_json(load(name)) == expected


def test_detect_json_other_shapes():
    assert detect_json(load("tencent.json")["Response"]["Data"]) == "tencent"
    assert detect_json([load("call.json"), load("call.json")]) == "json"
    assert detect_json(load("funasr.json")[0]) == "funasr"
    assert detect_json([{"key": "a", "text": "好", "timestamp": [[0, 1]]}]) == "funasr"  # to explain sentence_info
    assert detect_json({"segments": [], "language": "zh", "text": ""}) == "whisper"


@pytest.mark.parametrize(
    "data",
    [
        {},
        [],
        "text",
        5,
        None,
        {"id": "x", "foo": 1},
        {"segments": []},
        {"segments": [{"text": "no times"}]},
        {"segments": [{"start": 0, "end": 1, "text": "a"}], "utterances": []},
        [load("funasr.json")[0], load("call.json")],
        [load("aliyun.json")],
        {"Result": "text"},
        {"transcripts": [{"text": "no sentences"}]},
        [1, 2],
    ],
)
def test_detect_json_refuses_what_it_cannot_tell(data):
    assert detect_json(data) is None


def test_detect_text():
    assert detect_text(text_of("call.vtt")) == "vtt"
    assert detect_text("\ufeffWEBVTT\r\n\r\n") == "vtt"
    assert detect_text(text_of("call.srt")) == "srt"
    assert detect_text("\n\n1\n00:00:01.000 --> 00:00:02.000\nhi") == "srt"
    for other in ("WEBVTTX\n", "坐席：您好\n客户：你好\n", "1\nhello\n", "", '{"utterances": []}'):
        assert detect_text(other) is None


def test_readers_table_and_description():
    assert READERS == {
        "funasr": read_funasr,
        "aliyun": read_aliyun,
        "dashscope": read_dashscope,
        "tencent": read_tencent,
        "whisper": read_whisper,
    }
    assert TEXT_READERS == {"vtt": read_vtt, "srt": read_srt}
    assert describe_json({"id": 1, "foo": 2}) == "top-level keys id, foo"
    assert describe_json([{"a": 1}, 2]) == "a list of 2, the first of which has keys a"
    assert "null" in describe_json(None)
    error = unrecognised({"id": 1, "foo": 2}, "odd.json")
    assert error.source == "odd.json"
    assert error.problem.startswith("not a recognised format: top-level keys id, foo; expected one of FunASR")


def test_truncated_file_is_an_input_error_with_its_line():
    content = text_of("truncated.json")
    with pytest.raises(InputError) as caught:
        load_json(content, "truncated.json")
    assert caught.value.line == content.count("\n") + 1  # where the file stops
    assert caught.value.problem.startswith("invalid JSON")


# --------------------------------------------------------------------------------------------------
# Broken and wrong-typed input: InputError with a JSON path, never another exception


READER_OF: dict[str, Callable] = {
    "funasr.json": read_funasr,
    "funasr-old-start-bug.json": read_funasr,
    "funasr-vad-segment.json": read_funasr,
    "funasr-runtime.json": read_funasr,
    "aliyun.json": read_aliyun,
    "aliyun-legacy.json": read_aliyun,
    "aliyun-empty.json": read_aliyun,
    "aliyun-running.json": read_aliyun,
    "dashscope.json": read_dashscope,
    "tencent.json": read_tencent,
    "tencent-nulls.json": read_tencent,
    "whisper.json": read_whisper,
    "whisperx.json": read_whisper,
    "whisperx-missing-speaker.json": read_whisper,
}
FORMAT_OF = {
    read_funasr: "funasr",
    read_aliyun: "aliyun",
    read_dashscope: "dashscope",
    read_tencent: "tencent",
    read_whisper: "whisper",
}
REPLACEMENTS = [None, True, 0, -5, 2.5, 10**400, float("nan"), "abc", "", [], {}, [None], {"x": 1}, [[1, 2]]]


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    out = [path] if path else []
    if isinstance(value, dict):
        for key, inner in value.items():
            out += _paths(inner, path + (key,))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            out += _paths(inner, path + (index,))
    return out


def _mutated(data: Any, path: tuple, replacement: Any, delete: bool) -> Any:
    """A copy of ``data`` with the value at ``path`` replaced (or its key deleted); siblings are shared."""
    if not path:
        return replacement
    head, rest = path[0], path[1:]
    copy = dict(data) if isinstance(data, dict) else list(data)
    if delete and not rest:
        del copy[head]
    else:
        copy[head] = _mutated(data[head], rest, replacement, delete)
    return copy


def _read_or_input_error(reader: Callable, data: Any) -> None:
    try:
        calls = reader(data, "mutated.json")
    except InputError as exc:
        assert exc.problem.startswith(FORMAT_OF[reader] + ": "), exc.problem
        assert exc.source == "mutated.json"
        return
    for call in calls:
        for fragment in call.fragments:
            assert isinstance(fragment.text, str)
            assert fragment.start is None or (math.isfinite(fragment.start) and fragment.start >= 0)
            assert fragment.end is None or fragment.start is None or fragment.end >= fragment.start


SMALL = [
    "funasr-old-start-bug.json",
    "aliyun-legacy.json",
    "aliyun-empty.json",
    "aliyun-running.json",
    "tencent-nulls.json",
    "whisper.json",
]


@pytest.mark.parametrize("name", SMALL)
def test_every_deletion_and_retyping_of_a_small_fixture(name):
    reader, data = READER_OF[name], load(name)
    for path in _paths(data):
        _read_or_input_error(reader, _mutated(data, path, None, delete=True))
        for replacement in REPLACEMENTS:
            _read_or_input_error(reader, _mutated(data, path, replacement, delete=False))


_DOCUMENTS = {name: load(name) for name in READER_OF}
_PATHS = {name: _paths(document) for name, document in _DOCUMENTS.items()}


@pytest.mark.parametrize("name", sorted(READER_OF))
@given(st.data())
def test_random_mutations_give_only_input_errors(name, data):
    """Up to three random keys deleted or retyped (the shared original is never changed)."""
    reader, document, paths = READER_OF[name], _DOCUMENTS[name], _PATHS[name]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        try:
            document = _mutated(document, path, data.draw(st.sampled_from(REPLACEMENTS)), data.draw(st.booleans()))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or retyped this path's parent
    assert detect_json(document) in {None, "funasr", "aliyun", "dashscope", "tencent", "whisper", "json"}
    _read_or_input_error(reader, document)


@pytest.mark.parametrize(
    ("reader", "name", "path", "value", "field", "words"),
    [
        (
            read_funasr,
            "funasr.json",
            (0, "sentence_info", 2, "timestamp"),
            "x",
            "[0].sentence_info[2].timestamp",
            "must be a list",
        ),
        (
            read_funasr,
            "funasr.json",
            (0, "sentence_info", 2, "timestamp", 1, 0),
            -20,
            "[0].sentence_info[2].timestamp[1][0]",
            "must not be negative",
        ),
        (
            read_funasr,
            "funasr.json",
            (0, "sentence_info", 1, "timestamp", 0),
            [900, 100],
            "[0].sentence_info[1].timestamp[0]",
            "before it starts",
        ),
        (read_funasr, "funasr.json", (0, "sentence_info", 1, "spk"), "1", "[0].sentence_info[1].spk", "whole number"),
        (
            read_aliyun,
            "aliyun.json",
            ("Result", "Sentences", 4, "EndTime"),
            100,
            "Result.Sentences[4]",
            "before it starts",
        ),
        (read_aliyun, "aliyun.json", ("Result", "Words", 7), "w", "Result.Words[7]", "must be an object"),
        (
            read_dashscope,
            "dashscope.json",
            ("transcripts", 0, "sentences", 1, "words", 0, "begin_time"),
            True,
            "transcripts[0].sentences[1].words[0].begin_time",
            "milliseconds as a number",
        ),
        (
            read_tencent,
            "tencent.json",
            ("Response", "Data", "ResultDetail", 3, "StartMs"),
            "9",
            "Response.Data.ResultDetail[3].StartMs",
            "milliseconds as a number",
        ),
        (
            read_tencent,
            "tencent.json",
            ("Response", "Data", "ResultDetail", 3, "Words", 0, "OffsetEndMs"),
            -1,
            "Response.Data.ResultDetail[3].Words[0].OffsetEndMs",
            "must not be negative",
        ),
        (read_whisper, "whisperx.json", ("segments", 1, "start"), -0.5, "segments[1].start", "must not be negative"),
        (read_whisper, "whisperx.json", ("segments", 1, "speaker"), 1.5, "segments[1].speaker", "must be an id"),
        (read_whisper, "whisperx.json", ("segments", 1, "text"), None, "segments[1].text", "text is null"),
    ],
)
def test_errors_name_the_json_path(reader, name, path, value, field, words):
    with pytest.raises(InputError) as caught:
        reader(_mutated(load(name), path, value, delete=False), name)
    assert caught.value.field == field
    assert words in caught.value.problem and caught.value.problem.startswith(FORMAT_OF[reader] + ": ")


@pytest.mark.parametrize(
    ("reader", "data", "field"),
    [
        (read_funasr, [{"key": "a", "sentence_info": [{"text": "好"}]}], "[0].sentence_info[0].start"),
        (read_funasr, "not json objects", ""),
        (read_aliyun, {"StatusText": "SUCCESS", "Result": None}, "Result"),
        (read_aliyun, {"StatusText": "SUCCESS", "Result": {"Sentences": {}}}, "Result.Sentences"),
        (read_dashscope, {"transcripts": "none"}, "transcripts"),
        (read_tencent, {"Response": {"Data": {"Status": "2"}}}, "Response.Data.Status"),
        (read_tencent, {"Response": []}, "Response"),
        (read_whisper, [], ""),
        (read_whisper, {"segments": [{"start": 1, "end": 2}]}, "segments[0].text"),
    ],
)
def test_wrong_shapes_are_input_errors(reader, data, field):
    with pytest.raises(InputError) as caught:
        reader(data, "x")
    assert (caught.value.field or "") == field
