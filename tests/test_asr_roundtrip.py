"""Recogniser output end to end: read → check → findings at the right text, time and source fragment.

One synthetic call is written in every format (tests/data/asr/make_fixtures.py): read by the
command or the Python API, each must give the same stage results and findings as servicecheck's own
JSON of the call.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import REPO

from servicecheck import Checker, InputError, load_pack, read_transcript
from servicecheck.cli import main

ASR = REPO / "tests" / "data" / "asr"
SAME_CALL = [
    "funasr.json",
    "aliyun.json",
    "aliyun-legacy.json",
    "dashscope.json",
    "tencent.json",
    "whisperx.json",
    "call.vtt",
    "call.srt",
]


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker(load_pack("bank-cn"))


def _cli(capsys, *argv: str) -> tuple[int, object, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, (json.loads(out) if out.strip() else None), err


def _summary(report: dict) -> tuple:
    stages = [(s["stage"], s["present"], s["count"], tuple(s["utterances"])) for s in report["stages"]]
    findings = sorted((f["rule_id"], f["kind"], f["utterance_index"], f["text"]) for f in report["findings"])
    return stages, findings, report["score"], report["passed"]


@pytest.mark.parametrize("name", SAME_CALL)
def test_every_format_gives_the_stage_results_of_the_same_call(capsys, name):
    status, own, _ = _cli(capsys, "check", str(ASR / "call.json"))
    assert status == 0
    status, report, err = _cli(capsys, "check", str(ASR / name))
    assert status == 0, err
    assert _summary(report) == _summary(own)
    present = {s["stage"] for s in report["stages"] if s["present"]}
    assert {"greeting", "self_intro", "empathy", "confirmation", "transfer", "closing"} <= present


@pytest.mark.parametrize("name", SAME_CALL)
def test_findings_point_at_the_text_and_the_time_it_was_said(checker, name):
    transcript = read_transcript(ASR / name)
    own = read_transcript(ASR / "call.json")
    report = checker.check(transcript)
    assert [u.speaker for u in transcript.utterances] == [u.speaker for u in own.utterances]
    for finding in report.findings:
        if finding.utterance_index is None:
            continue
        utterance = transcript.utterances[finding.utterance_index]
        assert utterance.text[finding.start : finding.end] == finding.text
        if finding.time is not None:
            # Said while the utterance was being said, within a few hundred ms of where call.json puts it.
            assert utterance.start - 0.001 <= finding.time <= utterance.end
            assert abs(utterance.start - own.utterances[finding.utterance_index].start) < 0.6


def _resolve(document: object, path: str) -> object:
    """The value at a reader's JSON path ("Result.Sentences[3]", "[0].sentence_info[2]")."""
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        document = document[name] if name else document[int(index)]  # type: ignore[index]
    return document


@pytest.mark.parametrize("name", ["funasr.json", "aliyun.json", "dashscope.json", "tencent.json", "whisperx.json"])
def test_a_finding_traces_back_to_its_source_fragment(checker, name):
    document = json.loads((ASR / name).read_text(encoding="utf-8"))
    report = checker.check(read_transcript(ASR / name))
    traced = 0
    for finding in report.findings:
        if finding.origin is None or finding.end - finding.start != finding.origin.end - finding.origin.start:
            continue
        fragment = _resolve(document, finding.origin.source)
        text = next(fragment[k] for k in ("text", "Text", "FinalSentence", "sentence") if k in fragment)
        assert text.strip()[finding.origin.start : finding.origin.end] == finding.text
        traced += 1
    assert traced >= 5


def test_funasr_clauses_become_turns_with_their_fragments(checker):
    transcript = read_transcript(ASR / "funasr.json")
    clauses = json.loads((ASR / "funasr.json").read_text(encoding="utf-8"))[0]["sentence_info"]
    assert len(clauses) > len(transcript.utterances) == 12
    first = transcript.utterances[0]
    assert len(first.fragments) > 1
    assert first.text == "".join(c["text"] for c in clauses[: len(first.fragments)])


def test_funasr_milliseconds_are_read_as_milliseconds_without_a_flag(capsys):
    status, report, _ = _cli(capsys, "check", str(ASR / "funasr.json"))
    assert status == 0
    assert not [f for f in report["findings"] if f["rule_id"] in ("silence_phone", "speech_rate", "answer_delay")]
    assert report["metadata"]["input_format"] == "funasr"


def test_servicecheck_json_in_milliseconds_is_refused_naming_the_unit_or_read_with_time_unit(capsys, tmp_path):
    call = json.loads((ASR / "call.json").read_text(encoding="utf-8"))
    for utterance in call["utterances"]:
        utterance["start"], utterance["end"] = round(utterance["start"] * 1000), round(utterance["end"] * 1000)
    path = tmp_path / "ms.json"
    path.write_text(json.dumps(call, ensure_ascii=False), encoding="utf-8")
    status, row, err = _cli(capsys, "check", str(path))
    assert status == 2 and row["ok"] is False and row["transcript_id"] == "call_0001"
    assert "milliseconds" in err and "--time-unit ms" in err and str(path) in err
    status, report, _ = _cli(capsys, "check", str(path), "--time-unit", "ms")
    assert status == 0
    _, own, _ = _cli(capsys, "check", str(ASR / "call.json"))
    assert _summary(report) == _summary(own)


def test_the_heuristic_finds_the_agent_when_the_customer_speaks_first(checker, tmp_path):
    """spk 1 is the agent; here the customer (spk 0) says 喂 before the agent's greeting."""
    result = json.loads((ASR / "funasr.json").read_text(encoding="utf-8"))
    hello = {"text": "喂？", "start": 100, "end": 400, "timestamp": [[100, 400]], "spk": 0}
    result[0]["sentence_info"].insert(0, hello)
    transcript = read_transcript(result)
    roles = transcript.metadata["roles"]
    assert roles["1"]["role"] == "agent" and roles["1"]["by"] == "agent cues in first turns"
    assert roles["0"]["role"] == "customer"
    assert [u.speaker for u in transcript.utterances[:3]] == ["customer", "agent", "customer"]
    report = checker.check(transcript)
    assert report.metadata["roles"] == roles  # the report says how, for the QA lead


def test_a_role_map_overrides_the_heuristic_from_the_command_and_the_pack(capsys, tmp_path):
    status, report, _ = _cli(capsys, "check", str(ASR / "funasr.json"), "--role-map", "0=agent,1=customer")
    assert status == 0
    assert report["metadata"]["roles"]["0"] == {"role": "agent", "by": "role map"}
    pack = tmp_path / "stereo.yaml"
    pack.write_text("id: stereo\nextends: bank-cn\ninput: {role_map: {'1': agent, '0': customer}}\n", encoding="utf-8")
    status, report, _ = _cli(capsys, "check", str(ASR / "aliyun.json"), "--pack", str(pack))
    assert report["metadata"]["roles"]["1"] == {"role": "agent", "by": "role map"}
    _, right, _ = _cli(capsys, "check", str(ASR / "aliyun.json"))
    assert right["metadata"]["roles"]["0"]["role"] == "agent"
    assert _summary(report) != _summary(right)  # the customer's words checked as the agent's


def test_a_low_confidence_closing_needs_review_and_costs_nothing(checker):
    sure = checker.check(read_transcript(ASR / "whisperx.json"))
    unsure = checker.check(read_transcript(ASR / "whisperx-low-confidence.json"))
    closing = [f for f in unsure.findings if f.stage == "closing"]
    assert closing and all(f.needs_review for f in closing if "感谢" in f.text)
    assert unsure.needs_review and not sure.needs_review
    assert (unsure.score, unsure.passed) == (sure.score, sure.passed)
    assert next(s for s in unsure.stages if s.stage == "closing").present


def test_merging_can_be_switched_off_or_tuned_from_the_command(capsys):
    _, merged, _ = _cli(capsys, "check", str(ASR / "funasr.json"), "--format", "jsonl")
    status, split, _ = _cli(capsys, "check", str(ASR / "funasr.json"), "--no-merge")
    assert status in (0, 1)
    assert split["metadata"]["fragments"] == merged["metadata"]["fragments"]
    transcript = read_transcript(ASR / "funasr.json", merge=False)
    assert len(transcript.utterances) == split["metadata"]["fragments"]


def test_an_empty_aliyun_call_is_read_and_checked(capsys):
    status, report, err = _cli(capsys, "check", str(ASR / "aliyun-empty.json"))
    assert status == 0, err
    assert report["findings"] and all(f["kind"] == "missing" for f in report["findings"])


@pytest.mark.parametrize(
    "name, argv, words",
    [
        ("truncated.json", [], ["truncated.json", "line", "invalid JSON"]),
        ("aliyun-running.json", [], ["aliyun", "RUNNING"]),
        ("funasr.json", ["--input-format", "aliyun"], ["aliyun", "funasr.json"]),
        ("whisper.json", [], ["no speaker"]),
    ],
)
def test_bad_or_unusable_vendor_files_exit_2_naming_file_and_problem(capsys, name, argv, words):
    status, row, err = _cli(capsys, "check", str(ASR / name), *argv)
    assert status == 2 and row["ok"] is False and row["source"] == str(ASR / name)
    for word in words:
        assert word in err, (word, err)
    assert "Traceback" not in err


def test_an_unrecognised_json_document_is_refused_with_what_was_seen(capsys, tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"code": 0, "data": {"list": []}}), encoding="utf-8")
    status, _, err = _cli(capsys, "check", str(path))
    assert status == 2
    assert "not a format servicecheck recognises" in err and "code, data" in err and "--input-format" in err


def test_a_batch_of_formats_with_one_bad_file_reports_every_good_call(capsys):
    paths = [str(ASR / n) for n in ("funasr.json", "truncated.json", "call.vtt", "tencent.json")]
    status, reports, err = _cli(capsys, "check", *paths)
    assert status == 1
    assert [r.get("transcript_id") for r in reports] == ["call_0001", None, "call", "tencent"]
    assert reports[1]["ok"] is False and "truncated.json" in reports[1]["error"]


def test_the_python_api_reads_objects_already_in_memory():
    result = json.loads((ASR / "funasr.json").read_text(encoding="utf-8"))
    assert read_transcript(result) == read_transcript(result, format="funasr")
    assert read_transcript(result).id == "call_0001"
    with pytest.raises(InputError, match="tencent"):
        read_transcript(result, format="tencent")
    with pytest.raises(InputError, match="unknown input format"):
        read_transcript(result, format="mp3")


def test_stdin_subtitles_are_sniffed(monkeypatch, capsys):
    import io
    import sys

    raw = (ASR / "call.srt").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    status, report, err = _cli(capsys, "check", "-")
    assert status == 0, err
    assert report["metadata"]["input_format"] == "srt"


def test_render_reads_recogniser_output(tmp_path):
    out = tmp_path / "call.html"
    assert main(["render", str(ASR / "aliyun.json"), "--output", str(out)]) == 0
    assert "感谢您的来电" in out.read_text(encoding="utf-8")
