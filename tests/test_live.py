"""Live sessions (servicecheck.live): finish() equals a batch check, add() findings are final, alerts."""

from __future__ import annotations

import math
import subprocess
import sys

from conftest import EXAMPLES, REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from servicecheck.model import Transcript

AGENT = [
    "您好，欢迎致电华信银行信用卡中心，我是客服小王，工号1024，请问有什么可以帮您？",
    "您好，很高兴为您服务。",
    "我非常理解您的心情，给您带来不便非常抱歉。",
    "这个我也没办法，你自己去网点问吧。",  # forbidden
    "你听不懂吗？我都说了好几遍了。",  # forbidden
    "我帮您登记工单提交给相关部门处理。",  # transfer
    "三个工作日内会有专员给您回电。",  # time commitment + callback
    "好的，请您稍等，我帮您查询一下。",
    "感谢您的耐心等待。",
    "请问还有其他可以帮您的吗？",
    "感谢您的来电，祝您生活愉快，再见！",
    "嗯嗯，好的。",
    "跟您确认一下，是尾号3086的卡吗？",
]
CUSTOMER = [
    "我的信用卡年费多扣了。",
    "太慢了！我要投诉！",  # complaint
    "你们这什么破银行，气死我了。",  # complaint
    "好的，谢谢。",
    "没有了。",
    "嗯。",
    "对，就是那张金卡。",
]


@st.composite
def calls(draw):
    count = draw(st.integers(1, 14))
    clock = draw(st.floats(0, 8))
    items = []
    for _ in range(count):
        speaker = draw(st.sampled_from(["agent", "customer"]))
        text = draw(st.sampled_from(AGENT if speaker == "agent" else CUSTOMER))
        clock += draw(st.floats(0, 15))
        length = draw(st.floats(0.5, 10))
        utterance = {"speaker": speaker, "text": text, "start": round(clock, 2), "end": round(clock + length, 2)}
        clock += length
        partials = [{**utterance, "text": text[:cut]} for cut in draw(st.lists(st.integers(1, len(text)), max_size=2))]
        items.append((partials, utterance))
    channel = draw(st.sampled_from(["phone", "online"]))
    return channel, items


def _key(finding):
    return (finding.rule_id, finding.utterance_index, finding.start, finding.end)


@settings(max_examples=150)
@given(calls())
def test_finish_equals_check_and_add_findings_are_final(checker, call):
    channel, items = call
    session = checker.session(transcript_id="t1", channel=channel)
    early = []
    for partials, utterance in items:
        for partial in partials:
            assert session.add(partial, final=False).findings == ()
        early.extend(session.add(utterance).findings)
    transcript = Transcript(id="t1", channel=channel, utterances=[u for _, u in items])
    expected = checker.check(transcript)
    report = session.finish()
    assert report == expected
    assert report.model_dump() == expected.model_dump()
    final = {_key(f) for f in report.findings}
    assert {_key(f) for f in early} <= final
    for finding in early:  # the very same finding, not only the same span
        assert finding in report.findings


def test_upset_customer_without_empathy_alert_due_at_window_end(checker):
    session = checker.session(transcript_id="t2", channel="phone")
    session.add({"speaker": "agent", "text": "您好，我是客服小王。", "start": 0.0, "end": 2.0})
    update = session.add({"speaker": "customer", "text": "太慢了！我要投诉！", "start": 2.5, "end": 4.0})
    owed = [a for a in update.alerts if a.check_id == "complaint_empathy"]
    assert len(owed) == 1 and math.isinf(owed[0].due)  # window counted in utterances: still open
    for number in range(3):  # within_utterances: 3 → the window closes with the third reply
        start = 5.0 + 3 * number
        update = session.add({"speaker": "agent", "text": "嗯嗯，好的。", "start": start, "end": start + 1})
    closed = [a for a in update.alerts if a.check_id == "complaint_empathy"]
    assert len(closed) == 1 and closed[0].due == 12.0  # the end of the window's last utterance
    assert [a for a in session.tick(12.0) if a.check_id == "complaint_empathy"] == closed
    report = session.finish()
    assert any(f.rule_id == "complaint_empathy" for f in report.findings)


def test_empathy_in_time_cancels_the_alert(checker):
    session = checker.session(transcript_id="t3", channel="phone")
    session.add({"speaker": "customer", "text": "太慢了！我要投诉！", "start": 0.0, "end": 2.0})
    session.add({"speaker": "agent", "text": "我非常理解您的心情，给您带来不便非常抱歉。", "start": 2.5, "end": 6.0})
    assert not [a for a in session.pending if a.check_id == "complaint_empathy"]
    assert not [a for a in session.tick(1e9) if a.check_id == "complaint_empathy"]


def test_transfer_without_time_limit_is_owed(checker):
    session = checker.session(transcript_id="t4", channel="phone")
    update = session.add({"speaker": "agent", "text": "我帮您登记工单提交给相关部门处理。", "start": 0.0, "end": 3.0})
    assert [a.check_id for a in update.alerts if a.kind == "conditional"] == ["transfer_followup"]
    session.add({"speaker": "agent", "text": "三个工作日内会有专员给您回电。", "start": 3.5, "end": 6.0})
    assert not [a for a in session.pending if a.check_id == "transfer_followup"]


def test_silence_alert_falls_due_via_tick(checker):
    session = checker.session(transcript_id="t5", channel="phone")
    session.add({"speaker": "agent", "text": "您好，很高兴为您服务。", "start": 0.0, "end": 3.0})
    session.add({"speaker": "customer", "text": "我的信用卡年费多扣了。", "start": 3.5, "end": 6.0})
    assert not [a for a in session.tick(15.9) if a.kind == "silence"]
    due = [a for a in session.tick(16.0) if a.kind == "silence"]
    assert len(due) == 1 and due[0].due == 16.0  # last end + max_seconds (10 s on the phone)
    assert session.tick(100.0) == []  # delivered once


def test_missing_greeting_alert_when_window_ends(checker):
    session = checker.session(transcript_id="t6", channel="phone")
    session.add({"speaker": "agent", "text": "请问有什么问题？", "start": 0.0, "end": 2.0})
    update = session.add({"speaker": "agent", "text": "跟您确认一下，是尾号3086的卡吗？", "start": 2.5, "end": 5.0})
    stages = {a.stage for a in update.alerts if a.kind == "missing_stage"}
    assert "greeting" in stages and "self_intro" in stages


def test_partials_are_replaced(checker):
    session = checker.session(transcript_id="t7", channel="phone")
    update = session.add({"speaker": "agent", "text": "这个我也没办法", "start": 0.0, "end": 1.0}, final=False)
    assert update.findings == () and update.alerts == ()
    assert session.partial is not None
    update = session.add({"speaker": "agent", "text": "您好，很高兴为您服务。", "start": 0.0, "end": 2.0})
    assert session.partial is None and len(session.utterances) == 1
    assert all(f.stage != "forbidden" for f in update.findings)


def test_forbidden_phrase_is_final_when_said(checker):
    session = checker.session(transcript_id="t8", channel="phone")
    update = session.add({"speaker": "agent", "text": "这个我也没办法，你自己去网点问吧。", "start": 0.0, "end": 3.0})
    assert any(f.stage == "forbidden" for f in update.findings)


def test_live_replay_example_runs():
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "examples" / "live_replay.py"),
            str(EXAMPLES / "call-credit-card.json"),
            "--speed",
            "10000",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "report" in result.stdout
