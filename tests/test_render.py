"""servicecheck render: the call with its findings marked, for people."""

from __future__ import annotations

import re
from html import unescape

import pytest

from conftest import REPO

from servicecheck import Checker
from servicecheck.cli import main
from servicecheck.highlight import render_html, render_text
from servicecheck.model import Transcript

CALL = Transcript.model_validate(
    {
        "id": "render-1",
        "utterances": [
            {"speaker": "agent", "text": "您好，欢迎致电云杉银行信用卡中心，工号1234。", "start": 0.2, "end": 4.0},
            {"speaker": "customer", "text": "<script>alert(1)</script> 我的卡被冻结了", "start": 4.5, "end": 8.0},
            {"speaker": "agent", "text": "这个不归我管，你自己去查。", "start": 8.4, "end": 11.0},
        ],
    }
)


@pytest.fixture(scope="module")
def checker():
    return Checker("bank-cn")


def test_html_marks_every_finding_at_its_offsets(checker):
    report = checker.check(CALL)
    page = render_html(CALL, report)
    marked = [unescape(m) for m in re.findall(r"<mark[^>]*>(.*?)</mark>", page)]
    for finding in report.findings:
        if finding.kind == "hit" or finding.stage == "forbidden":
            assert finding.text in "".join(marked), finding
    assert "不归我管" in marked and "你自己去查" in marked
    assert re.search(r"<mark class='violation'[^>]*>不归我管</mark>", page)


def test_html_escapes_transcript_text(checker):
    page = render_html(CALL, checker.check(CALL))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_shows_score_and_missing_stages(checker):
    report = checker.check(CALL)
    page = render_html(CALL, report)
    assert f"{report.score:g} 分" in page and ("不通过" in page) == (not report.passed)
    for finding in report.findings:
        if finding.kind == "missing":
            assert finding.message in page


def test_text_brackets_findings(checker):
    text = render_text(CALL, checker.check(CALL))
    assert "[不归我管|!forbidden]" in text
    assert "[您好|greeting]" in text


def test_render_command_writes_a_page(tmp_path, capsys):
    source = tmp_path / "call.json"
    source.write_text(CALL.model_dump_json(), encoding="utf-8")
    output = tmp_path / "call.html"
    assert main(["render", str(source), "--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert main(["render", str(source), "--format", "text"]) == 0
    assert "[不归我管|!forbidden]" in capsys.readouterr().out


def test_render_bad_input_exits_2(tmp_path, capsys):
    source = tmp_path / "bad.json"
    source.write_text("{not json", encoding="utf-8")
    assert main(["render", str(source)]) == 2
    assert "bad.json" in capsys.readouterr().err


def test_findings_that_need_review_are_marked_for_the_reviewer(checker):
    from servicecheck import read_transcript

    transcript = read_transcript(REPO / "tests" / "data" / "asr" / "whisperx-low-confidence.json")
    report = checker.check(transcript)
    assert report.needs_review
    page = render_html(transcript, report)
    assert "需人工复核" in page
    assert re.search(r"<mark class='hit review'[^>]*>感谢您的来电</mark>", page)
    assert "|closing?]" in render_text(transcript, report)
