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


def _marks(page: str) -> list[tuple[str, str]]:
    """(classes, text) of every mark, without the finding numbers after the text."""
    found = re.findall(r"<mark class='([^']*)'>(.*?)</mark>", page)
    return [(classes, unescape(re.sub(r"<sup>\d+</sup>", "", text))) for classes, text in found]


def test_html_marks_every_finding_at_its_offsets(checker):
    report = checker.check(CALL)
    page = render_html(CALL, report)
    marks = _marks(page)
    marked = "".join(text for _, text in marks)
    for finding in report.findings:
        if finding.kind == "hit" or finding.stage == "forbidden":
            assert finding.text in marked, finding
    violations = [text for classes, text in marks if "violation" in classes.split()]
    assert "不归我管" in violations and "你自己去查" in violations


def test_html_prints_the_reason_beside_every_mark(checker):
    from servicecheck.pages.explain import reason, stage_names

    report = checker.check(CALL)
    page = unescape(render_html(CALL, report))
    names = stage_names(report)
    for number, finding in enumerate(report.findings, start=1):
        assert f"id=f-{number}" in page
        assert reason(finding, names) in page
        if finding.kind != "hit" and finding.suggestion:
            assert f"建议：{finding.suggestion}" in page
    assert "(?" not in page and "\\p{" not in page  # no regex source shown to people


def test_html_never_paints_a_correct_phrase_or_the_customer_red(checker):
    late = Transcript.model_validate(
        {
            "id": "late",
            "utterances": [
                {"speaker": "customer", "text": "你们太慢了，我要投诉！", "start": 0.0, "end": 2.0},
                {"speaker": "agent", "text": "您好，这里是云杉银行，工号1234。", "start": 2.5, "end": 5.0},
                {"speaker": "agent", "text": "感谢您的来电，再见。", "start": 5.5, "end": 7.0},
            ],
        }
    )
    report = checker.check(late)
    assert [f.rule_id for f in report.findings if f.kind == "violation"]  # checks did fire
    page = render_html(late, report)
    assert not [text for classes, text in _marks(page) if "violation" in classes.split()]
    customer = page[page.index("id=u-0") : page.index("id=u-1")]
    assert "<mark" not in customer and "此后" in customer


def test_html_says_why_a_call_failed_and_what_a_veto_did(checker):
    report = checker.check(CALL)
    page = render_html(CALL, report)
    assert "及格线 80 分" in page
    assert "一票否决" in page and "得分记为 0 分" in page
    quiet = Transcript.model_validate(
        {"id": "chat-1", "channel": "online", "utterances": [{"speaker": "agent", "text": "请稍等。"}]}
    )
    quiet_report = checker.check(quiet)
    assert not quiet_report.passed
    quiet_page = render_html(quiet, quiet_report)
    assert "未通过：" in quiet_page and "必需环节" in quiet_page
    assert "会话 chat-1" in quiet_page and "会话内容" in quiet_page and "会话以坐席发言结束" in quiet_page
    assert "通话 chat-1" not in quiet_page


def test_html_shows_timing_figures(checker):
    slow = Transcript.model_validate(
        {
            "id": "slow",
            "utterances": [
                {"speaker": "agent", "text": "您好，这里是云杉银行。", "start": 0.0, "end": 2.0},
                {"speaker": "customer", "text": "我想查账单。", "start": 2.5, "end": 4.0},
                {"speaker": "agent", "text": "好的。", "start": 27.5, "end": 28.0},
            ],
        }
    )
    page = render_html(slow, checker.check(slow))
    assert "静默 23.5 秒" in page and "超过 10 秒" in page


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


def test_text_brackets_findings_and_lists_every_other_one(checker):
    report = checker.check(CALL)
    text = render_text(CALL, report)
    assert "[不归我管|!forbidden]" in text
    assert "[您好|greeting]" in text
    assert "pass mark 80" in text
    interrupted = Transcript.model_validate(
        {
            "id": "talk-over",
            "utterances": [
                {"speaker": "agent", "text": "您好，这里是云杉银行。", "start": 0.0, "end": 2.0},
                {"speaker": "customer", "text": "我的卡昨天被冻结了，我想问问怎么解冻。", "start": 2.5, "end": 9.0},
                {"speaker": "agent", "text": "您先听我说，这个要去网点办理。", "start": 4.0, "end": 7.0},
            ],
        }
    )
    report = checker.check(interrupted)
    text = render_text(interrupted, report)
    for finding in report.findings:
        if finding.kind != "hit":
            assert finding.message in text, finding


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
    assert ("hit review", "感谢您的来电") in [(" ".join(c.split()[1:]), t) for c, t in _marks(page)]
    assert "|closing?]" in render_text(transcript, report)
