"""Process checks: position, sequence, conditional, pattern and the timing checks.

Each check kind is exercised on small synthetic calls with a small pack written here, so that every
threshold is explicit: at the threshold, just under it and just over it. Timestamps are chosen so that
float subtraction goes wrong when a check compares raw differences (16.1 - 6.1 > 10 in binary floats).
A few tests run the built-in bank-cn pack, and one compares its silence and interruption findings on
the dev calls with a plain re-implementation of the two rules from the timestamps.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache

import pytest
import yaml
from conftest import REPO, call
from pydantic import TypeAdapter

from servicecheck import Checker, Report, Transcript, load_pack
from servicecheck.pack.schema import Check, Scorecard

# -- a small pack: a few stages with phrase rules; each test adds the check under test ------------------
STAGES = [
    {"id": "greeting", "name": "问候", "rules": [{"id": "greeting.hello", "phrases": ["您好"], "boundary": "char"}]},
    {
        "id": "empathy",
        "name": "共情",
        "rules": [{"id": "empathy.calm", "phrases": ["别着急", "非常理解", "抱歉"], "boundary": "char"}],
    },
    {
        "id": "transfer",
        "name": "转办",
        "rules": [{"id": "transfer.ticket", "phrases": ["登记工单", "提交给相关部门"], "boundary": "char"}],
    },
    {"id": "time_commitment", "name": "时限", "rules": [{"id": "time.days", "regex": ["[0-9]+个工作日内"]}]},
    {"id": "closing", "name": "结束语", "rules": [{"id": "closing.bye", "phrases": ["再见"], "boundary": "char"}]},
    {
        "id": "forbidden",
        "name": "禁语",
        "violation": True,
        "severity": "critical",
        "rules": [{"id": "forbidden.not_mine", "phrases": ["不归我管"], "boundary": "char"}],
    },
]


# Every check under test lives in one pack (ids keep them apart; findings are picked by rule_id): building
# a Checker loads a jieba dictionary, so the tests share a single one. Variants of a check get their own id.
CHECKS: list[dict] = []


def check(definition: dict) -> dict:
    CHECKS.append(definition)
    return definition


def variant(base: dict, check_id: str, **changes) -> dict:
    return check({**{k: v for k, v in base.items() if v is not None}, "id": check_id, **changes})


@lru_cache(maxsize=1)
def _checker() -> Checker:
    positions = {"greeting": {"first": 2}, "closing": {"last": 3}}
    stages = [dict(s, position=positions[s["id"]]) if s["id"] in positions else s for s in STAGES]
    return Checker(load_pack({"id": "mini", "version": "1", "stages": stages, "checks": CHECKS}))


def run(*turns, channel: str = "phone") -> Report:
    """Check a call made of ``(speaker, text[, start, end])`` turns; every finding's offsets are verified."""
    data = call(*turns, channel=channel)
    report = _checker().check(data)
    assert_offsets(Transcript.model_validate(data), report)
    return report


def notes_of(report: Report, check_id: str) -> list[str]:
    return [n for n in report.notes if n.startswith(f"{check_id}:")]


def assert_offsets(transcript: Transcript, report: Report) -> None:
    for f in report.findings:
        if f.utterance_index is None:
            assert f.start is None and f.end is None and f.text == ""
            continue
        utterance = transcript.utterances[f.utterance_index]
        assert utterance.text[f.start : f.end] == f.text
        assert transcript.global_text[f.global_start : f.global_end] == f.text
        assert f.speaker == utterance.speaker
        assert f.time == utterance.start


def of(report: Report, check_id: str) -> list:
    return [f for f in report.findings if f.rule_id == check_id]


def one(report: Report, check_id: str):
    found = of(report, check_id)
    assert len(found) == 1, found
    return found[0]


def whole(finding, text: str) -> None:
    """The finding covers the whole utterance ``text``."""
    assert (finding.start, finding.end, finding.text) == (0, len(text), text)


# == position ==============================================================================================
# The stages of the shared pack carry positions: greeting {first: 2}, closing {last: 3}; each implies a
# check named <stage>.position.
GREET_EARLY = check({"id": "greet_early", "type": "position", "stage": "greeting", "window": {"first": 2, "of": "all"}})
GREET_FAST = check({"id": "greet_fast", "type": "position", "stage": "greeting", "window": {"first_seconds": 10}})
GREET_FIRST_TURN = check({"id": "greet_first_turn", "type": "position", "stage": "greeting", "window": {"first": 1}})


def _greeting_at(agent_turn: int) -> list:
    """A call whose greeting is the agent's turn number ``agent_turn`` (0-based), 5 s per utterance."""
    turns = []
    for _ in range(agent_turn):
        turns += [("agent", "请讲。"), ("customer", "我想问一下账单。")]
    turns += [("agent", "您好，这里是客服中心。"), ("customer", "好。")]
    return [(s, t, 5.0 * i, 5.0 * i + 3) for i, (s, t) in enumerate(turns)]


@pytest.mark.parametrize("agent_turn, fails", [(0, False), (1, False), (2, True)])
def test_position_first_two_agent_turns(agent_turn, fails):
    report = run(*_greeting_at(agent_turn))
    if not fails:
        assert of(report, "greeting.position") == []
        return
    f = one(report, "greeting.position")
    assert (f.kind, f.stage, f.severity, f.utterance_index, f.time) == ("violation", "greeting", "minor", 4, 20.0)
    assert (f.start, f.end, f.text) == (0, 2, "您好")
    assert "前 2 句" in f.explanation


@pytest.mark.parametrize("agent_turn, fails", [(0, False), (1, True)])
def test_position_window_of_all_utterances(agent_turn, fails):
    report = run(*_greeting_at(agent_turn))
    # With of: all the customer's turns count too: the agent's 2nd turn is the call's 3rd utterance.
    assert [(f.kind, f.stage, f.utterance_index, f.text) for f in of(report, "greet_early")] == (
        [("violation", "greeting", 2, "您好")] if fails else []
    )


@pytest.mark.parametrize("start, fails", [(9.9, False), (10.0, False), (10.1, True)])
def test_position_first_seconds(start, fails):
    report = run(
        ("agent", "请讲。", 0.0, 2.0),
        ("customer", "我想问一下。", 3.0, 5.0),
        ("agent", "您好，这里是客服中心。", start, start + 3),
    )
    found = of(report, "greet_fast")
    assert [(f.utterance_index, f.time, f.text) for f in found] == ([(2, start, "您好")] if fails else [])


def _closing_from_end(back: int) -> list:
    """Five agent turns; the one ``back`` turns before the last (0 = the last) says goodbye."""
    turns = []
    for i in range(5):
        turns += [("customer", "嗯。"), ("agent", "再见。" if i == 4 - back else "请讲。")]
    return turns


@pytest.mark.parametrize("back, fails", [(1, False), (2, False), (3, True)])
def test_position_last_three_agent_turns(back, fails):
    found = of(run(*_closing_from_end(back)), "closing.position")
    index = 2 * (4 - back) + 1
    assert [(f.kind, f.stage, f.utterance_index, f.text) for f in found] == (
        [("violation", "closing", index, "再见")] if fails else []
    )


def test_position_passes_when_any_hit_is_inside_and_ignores_an_absent_stage():
    report = run(
        ("agent", "请讲。"),  # no greeting at all: that is the `required` flag's business, not position's
        ("agent", "再见？不，您先说。"),  # a closing far from the end …
        ("agent", "请讲。"),
        ("agent", "请讲。"),
        ("agent", "请讲。"),
        ("agent", "好的，再见。"),  # … and one inside the window
    )
    assert of(report, "closing.position") == [] and of(report, "greet_first_turn") == []
    late = run(("agent", "请讲。"), ("agent", "您好。"), ("agent", "您好。"))
    f = one(late, "greet_first_turn")  # reported at the first hit when none is inside
    assert (f.utterance_index, f.text) == (1, "您好")


# == sequence ==============================================================================================
SEQUENCE = check({"id": "greet_before_transfer", "type": "sequence", "before": "greeting", "after": "transfer"})
SEQUENCE_ANY = check({"id": "greet_first", "type": "sequence", "before": "greeting", "after": "any"})


def test_sequence_before_earlier_or_in_the_same_utterance_passes():
    earlier = run(("agent", "您好。"), ("customer", "卡丢了。"), ("agent", "我帮您登记工单。"))
    same = run(("agent", "您好，我帮您登记工单。"))
    assert of(earlier, "greet_before_transfer") == [] and of(same, "greet_before_transfer") == []


def test_sequence_before_later_is_a_violation_at_the_after_stage():
    text = "我帮您登记工单。"
    report = run(("agent", text, 1.0, 3.0), ("customer", "好。", 3.5, 4.0), ("agent", "您好，还有别的吗？", 4.5, 6.0))
    f = one(report, "greet_before_transfer")
    assert (f.kind, f.stage, f.utterance_index, f.time) == ("violation", "greeting", 0, 1.0)
    assert (f.start, f.end, f.text) == (3, 7, "登记工单")
    assert "晚于" in f.explanation


def test_sequence_before_absent_after_present_and_after_absent():
    f = one(run(("agent", "请讲。"), ("agent", "我帮您登记工单。")), "greet_before_transfer")
    assert (f.utterance_index, f.text) == (1, "登记工单") and "之前没有" in f.explanation
    assert of(run(("agent", "请讲。"), ("agent", "非常理解。")), "greet_before_transfer") == []


def test_sequence_after_any_other_stage_of_the_same_speaker():
    assert of(run(("agent", "您别着急，您好。")), "greet_first") == []
    late = run(("agent", "您别着急。"), ("customer", "嗯。"), ("agent", "您好。"))
    f = one(late, "greet_first")
    assert (f.kind, f.stage, f.utterance_index, f.text) == ("violation", "greeting", 0, "别着急")


# == conditional ===========================================================================================
TRANSFER_TIME = check(
    {
        "id": "transfer_time",
        "type": "conditional",
        "stage": "transfer",
        "trigger": {"stage": "transfer", "speaker": "agent"},
        "then": [{"stage": "time_commitment", "name": "处理时限"}],
        "within_utterances": 2,
    }
)
TRANSFER_EXCLUSIVE = variant(TRANSFER_TIME, "transfer_time_after", include_trigger_utterance=False)
TRANSFER_EVERY = variant(TRANSFER_TIME, "transfer_time_every", once=False)
TRANSFER_NO_STAGE = variant(TRANSFER_TIME, "transfer_time_plain", stage=None)
TRANSFER_PHRASES = variant(
    TRANSFER_TIME, "transfer_callback", stage=None, then=[{"phrases": ["回电"], "name": "回复方式"}]
)


def _transfer_call(distance: int) -> list:
    """The transfer is utterance 2; the time limit comes ``distance`` utterances later (0: the same)."""
    trigger = "我帮您登记工单，3个工作日内回复。" if distance == 0 else "我帮您登记工单。"
    after = ["请稍等。", "请稍等。", "请稍等。"]
    if distance:
        after[distance - 1] = "3个工作日内给您答复。"
    turns = [("agent", "您好。"), ("customer", "我的卡被冻结了。"), ("agent", trigger)] + [("agent", t) for t in after]
    return [(s, t, 4.0 * i, 4.0 * i + 3) for i, (s, t) in enumerate(turns)]


@pytest.mark.parametrize("distance, fails", [(0, False), (1, False), (2, False), (3, True)])
def test_conditional_stage_trigger_within_utterances(distance, fails):
    report = run(*_transfer_call(distance))
    if not fails:
        assert of(report, "transfer_time") == []
        return
    f = one(report, "transfer_time")
    assert (f.kind, f.stage, f.severity, f.utterance_index, f.time) == ("violation", "transfer", "minor", 2, 8.0)
    assert (f.start, f.end, f.text) == (3, 7, "登记工单")  # the trigger's span
    assert "缺少处理时限" in f.message and "2 句" in f.explanation


def test_conditional_trigger_utterance_can_be_excluded():
    report = run(*_transfer_call(0))
    assert of(report, "transfer_time") == []
    assert [f.utterance_index for f in of(report, "transfer_time_after")] == [2]


def test_conditional_stage_defaults_to_the_requirement_then_the_check_id():
    report = run(*_transfer_call(3))
    assert one(report, "transfer_time_plain").stage == "time_commitment"
    f = one(report, "transfer_callback")
    assert f.stage == "transfer_callback" and "缺少回复方式" in f.message


def test_conditional_one_event_per_utterance_even_with_two_trigger_hits():
    report = run(("agent", "我帮您登记工单，提交给相关部门。"), ("customer", "好。"))
    assert [(f.utterance_index, f.text) for f in of(report, "transfer_time_every")] == [(0, "登记工单")]


COMPLAINT = check(
    {
        "id": "complaint",
        "type": "conditional",
        "stage": "empathy",
        "severity": "major",
        "trigger": {"speaker": "customer", "phrases": ["投诉"], "unless": ["不投诉"]},
        "then": [{"stage": "empathy", "name": "安抚"}],
        "within_utterances": 1,
    }
)
COMPLAINT_EVERY = variant(COMPLAINT, "complaint_every", once=False)
COMPLAINT_APOLOGY = variant(
    COMPLAINT, "complaint_apology", then=[{"phrases": ["抱歉"], "speaker": "agent", "name": "致歉"}]
)


@pytest.mark.parametrize("answer_at, fails", [(1, False), (2, True)])
def test_conditional_phrase_trigger(answer_at, fails):
    turns = [("agent", "您好。"), ("customer", "我要投诉你们！"), ("agent", "请讲。"), ("agent", "请讲。")]
    turns[1 + answer_at] = ("agent", "非常抱歉给您添麻烦了。")
    report = run(*turns)
    if not fails:
        assert of(report, "complaint") == []
        return
    f = one(report, "complaint")
    assert (f.kind, f.stage, f.severity, f.utterance_index, f.speaker) == (
        "violation",
        "empathy",
        "major",
        1,
        "customer",
    )
    assert (f.start, f.end, f.text) == (2, 4, "投诉")


def test_conditional_phrase_trigger_speaker_unless_and_normalisation():
    assert of(run(("agent", "您要投诉的话请讲。"), ("agent", "请讲。")), "complaint") == []
    assert of(run(("customer", "我不投诉，就问问。"), ("agent", "请讲。")), "complaint") == []
    # Traditional script: matched on the normalised text, reported with the original characters.
    f = one(run(("customer", "我要投訴！"), ("agent", "請講。")), "complaint")
    assert (f.utterance_index, f.start, f.end, f.text) == (0, 2, 4, "投訴")


def test_conditional_requirement_must_come_from_its_speaker():
    customer_apologises = run(("customer", "我要投诉，抱歉我有点急。"), ("customer", "抱歉。"))
    assert [f.utterance_index for f in of(customer_apologises, "complaint_apology")] == [0]
    assert of(run(("customer", "我要投诉。"), ("agent", "很抱歉。")), "complaint_apology") == []


def test_conditional_once_reports_the_first_unanswered_trigger_only():
    report = run(("customer", "我要投诉。"), ("agent", "请讲。"), ("customer", "我还要投诉。"), ("agent", "请讲。"))
    assert [f.utterance_index for f in of(report, "complaint")] == [0]
    assert [f.utterance_index for f in of(report, "complaint_every")] == [0, 2]


REPEAT = check(
    {
        "id": "repeat_question",
        "type": "conditional",
        "stage": "empathy",
        "trigger": {"speaker": "customer", "repeat": 0.9, "repeat_min_length": 6},
        "then": [{"stage": "empathy"}],
        "within_utterances": 1,
    }
)


@pytest.mark.parametrize(
    "first, again, fails",
    [
        ("信用卡什么时候能寄到？", "信用卡，什么时候能寄到", True),  # identical without punctuation: 100
        ("信用卡什么时候能寄到", "信用卡什么时候才寄到", True),  # 1 of 10 characters differs: exactly 90
        ("信用卡什么时候寄到", "信用卡什么时候寄来", False),  # 1 of 9 differs: 88.9, just under 90
        ("信用卡什么时候能寄到", "信用卡什么时间才寄到", False),  # 2 of 10 differ: 80
        ("卡到了吗", "卡到了吗", False),  # shorter than repeat_min_length
    ],
)
def test_conditional_repeated_question_trigger(first, again, fails):
    report = run(("customer", first), ("agent", "请稍等。"), ("customer", again), ("agent", "请稍等。"))
    if not fails:
        assert of(report, "repeat_question") == []
        return
    f = one(report, "repeat_question")
    assert (f.kind, f.stage, f.utterance_index, f.speaker) == ("violation", "empathy", 2, "customer")
    whole(f, again)  # a repeat has no span: the whole utterance
    assert "客户重复提问" in f.explanation


def test_conditional_repeated_question_answered_with_empathy():
    question = "信用卡什么时候能寄到"
    report = run(("customer", question), ("agent", "请稍等。"), ("customer", question), ("agent", "您别着急。"))
    assert of(report, "repeat_question") == []


COMPLAINT_FAST = check(
    {
        "id": "complaint_fast",
        "type": "conditional",
        "stage": "empathy",
        "trigger": {"speaker": "customer", "phrases": ["投诉"]},
        "then": [{"stage": "empathy"}],
        "within_seconds": 10,
    }
)


@pytest.mark.parametrize("answer_start, fails", [(16.0, False), (16.1, False), (16.2, True)])
def test_conditional_within_seconds(answer_start, fails):
    # The trigger starts at 6.1 s: 9.9 / 10.0 / 10.1 s later (16.1 - 6.1 is 10.000000000000002 in floats).
    report = run(
        ("agent", "您好。", 0.0, 1.0),
        ("customer", "我要投诉。", 6.1, 7.5),
        ("agent", "请讲。", 8.0, 9.0),
        ("agent", "非常抱歉。", answer_start, answer_start + 1),
    )
    found = of(report, "complaint_fast")
    assert [(f.kind, f.stage, f.utterance_index, f.time, f.text) for f in found] == (
        [("violation", "empathy", 1, 6.1, "投诉")] if fails else []
    )
    if fails:
        assert "10 秒" in found[0].explanation


def test_conditional_within_seconds_without_timestamps_is_skipped_with_a_note():
    report = run(("customer", "我要投诉。"), ("agent", "请讲。"))
    assert of(report, "complaint_fast") == []
    assert notes_of(report, "complaint_fast") == ["complaint_fast: skipped, the transcript has no timestamps"]
    # A bound in utterances needs no timestamps: reported, and no note.
    assert [f.utterance_index for f in of(report, "complaint")] == [0] and notes_of(report, "complaint") == []


# == pattern ===============================================================================================
PATTERN = check(
    {"id": "card_number", "type": "pattern", "speaker": "agent", "severity": "major", "regex": ["[0-9]{16,19}"]}
)


@pytest.mark.parametrize(
    "number, fails",
    [
        ("622202123456789", False),  # 15 digits
        ("6222021234567890", True),  # 16
        ("62220212345678901", True),  # 17
        ("６２２２０２１２３４５６７８９０", True),  # full-width: matched normalised, reported as written
    ],
)
def test_pattern(number, fails):
    text = f"您的卡号是{number}，对吗？"
    report = run(("customer", f"卡号{number}。", 0.0, 3.0), ("agent", text, 3.5, 8.0))
    found = of(report, "card_number")  # the customer saying the number is never reported
    if not fails:
        assert found == []
        return
    (f,) = found
    assert (f.kind, f.stage, f.severity, f.method, f.utterance_index, f.time) == (
        "violation",
        "privacy",
        "major",
        "regex",
        1,
        3.5,
    )
    assert (f.start, f.end, f.text) == (5, 5 + len(number), number)


# == answer_delay ==========================================================================================
ANSWER = check({"id": "answer_fast", "type": "answer_delay", "channels": ["phone"], "max_seconds": 5})


@pytest.mark.parametrize("start, fails", [(4.9, False), (5.0, False), (5.1, True)])
def test_answer_delay(start, fails):
    text = "您好，请讲。"
    report = run(("customer", "喂？", 0.0, 0.8), ("agent", text, start, start + 2))
    if not fails:
        assert of(report, "answer_fast") == []
        return
    f = one(report, "answer_fast")  # at the agent's first utterance, not the call's first
    assert (f.kind, f.stage, f.utterance_index, f.time) == ("violation", "greeting", 1, 5.1)
    whole(f, text)
    assert "5.1s" in f.explanation


def test_answer_delay_other_channel_and_untimed():
    online = run(("agent", "您好。", 30.0, 31.0), channel="online")
    assert of(online, "answer_fast") == [] and notes_of(online, "answer_fast") == []
    untimed = run(("agent", "您好。"))
    assert of(untimed, "answer_fast") == []
    assert notes_of(untimed, "answer_fast") == ["answer_fast: skipped, the transcript has no timestamps"]


# == silence ===============================================================================================
SILENCE = check(
    {
        "id": "quiet",
        "type": "silence",
        "max_seconds": 10,
        "hold_max_seconds": 60,
        "hold_phrases": ["请您稍等"],
        "thanks_phrases": ["感谢您的耐心等待"],
    }
)
SILENCE_NO_HOLD = variant(SILENCE, "quiet_no_hold", hold_max_seconds=None)


@pytest.mark.parametrize(
    "end, start, fails",
    [
        (3.0, 12.9, False),
        (3.0, 13.0, False),
        (3.0, 13.1, True),
        (6.1, 16.1, False),  # 16.1 - 6.1 > 10 in binary floats; the gap is 10.0 s
        (6.1, 16.2, True),
        (8.1, 18.0, False),
        (8.1, 18.1, False),
        (8.1, 18.2, True),
    ],
)
def test_silence_threshold(end, start, fails):
    text = "我想查一下余额。"
    report = run(("agent", "请讲。", 0.0, end), ("customer", text, start, start + 3))
    if not fails:
        assert of(report, "quiet") == []
        return
    f = one(report, "quiet")
    assert (f.kind, f.stage, f.utterance_index, f.time) == ("violation", "hold", 1, start)
    whole(f, text)
    assert f"静默 {start - end:.1f} 秒" in f.explanation and "超过 10 秒" in f.explanation


@pytest.mark.parametrize("gap, fails", [(30.0, False), (59.9, False), (60.0, False), (60.1, True)])
def test_silence_announced_and_thanked_hold(gap, fails):
    back = "感谢您的耐心等待，查到了。"
    report = run(
        ("customer", "帮我查一下积分。", 0.0, 2.0),
        ("agent", "好的，请您稍等。", 2.5, 4.0),
        ("agent", back, 4.0 + gap, 8.0 + gap),
    )
    assert [f.utterance_index for f in of(report, "quiet_no_hold")] == [2]  # no hold limit: 10 s applies
    if not fails:
        assert of(report, "quiet") == []
        return
    f = one(report, "quiet")
    assert (f.utterance_index, f.time) == (2, 64.1)
    whole(f, back)
    assert "告知等待后静默 60.1 秒" in f.explanation and "超过 60 秒" in f.explanation


@pytest.mark.parametrize(
    "before, after_speaker, after",
    [
        ("好的，请您稍等。", "agent", "查到了。"),  # announced, not thanked
        ("好的。", "agent", "感谢您的耐心等待。"),  # thanked, not announced
        ("好的，请您稍等。", "customer", "喂，还在吗？"),  # the customer breaks the silence
    ],
)
def test_silence_hold_needs_announcement_and_thanks(before, after_speaker, after):
    report = run(("agent", before, 0.0, 2.0), (after_speaker, after, 32.0, 34.0))
    f = one(report, "quiet")
    assert (f.utterance_index, f.text) == (1, after) and "超过 10 秒" in f.explanation


def test_silence_hold_phrase_must_be_in_the_last_agent_utterance_before_the_gap():
    report = run(
        ("agent", "请您稍等。", 0.0, 2.0), ("agent", "嗯。", 2.5, 3.0), ("agent", "感谢您的耐心等待。", 33.0, 35.0)
    )
    assert [f.utterance_index for f in of(report, "quiet")] == [2]


def test_silence_hold_phrases_are_matched_on_normalised_text():
    report = run(("agent", "請您稍等。", 0.0, 2.0), ("agent", "感謝您的耐心等待。", 32.0, 34.0))
    assert of(report, "quiet") == []


@pytest.mark.parametrize("reply, fails", [(105.0, False), (109.9, False), (110.0, False), (110.1, True)])
def test_silence_is_measured_from_the_latest_end_so_far(reply, fails):
    # An agent backchannel at 50-51 s sits inside a 100 s customer turn. Measured from the previous
    # utterance's end (51 s) every reply here would look like a silence; from the latest end (100 s)
    # only a reply more than 10 s after the customer stopped is one.
    long_turn = "我跟你说，上个月我在你们网点办业务，" * 8
    report = run(
        ("customer", long_turn, 0.0, 100.0),
        ("agent", "嗯嗯。", 50.0, 51.0),
        ("agent", "明白了，我帮您查。", reply, reply + 3),
    )
    found = of(report, "quiet")
    assert [(f.utterance_index, f.time) for f in found] == ([(2, reply)] if fails else [])
    if fails:
        assert "100.0s 至 110.1s" in found[0].explanation


def test_silence_first_utterance_is_not_a_silence_and_untimed_calls_get_a_note():
    late_start = run(("agent", "您好。", 40.0, 41.0), ("customer", "你好。", 41.5, 42.0))
    assert of(late_start, "quiet") == []  # waiting for the first word is answer_delay's business
    untimed = run(("agent", "您好。"), ("customer", "你好。"))
    assert of(untimed, "quiet") == []
    assert notes_of(untimed, "quiet") == ["quiet: skipped, the transcript has no timestamps"]
    partly = run(("agent", "您好。", 0.0, 1.0), ("customer", "你好。"))  # every utterance needs times
    assert of(partly, "quiet") == [] and len(notes_of(partly, "quiet")) == 1


# == interruption ==========================================================================================
INTERRUPTION = check(
    {
        "id": "talk_over",
        "type": "interruption",
        "channels": ["phone"],
        "min_overlap_seconds": 1.0,
        "backchannels": ["嗯", "嗯嗯", "好的", "是的", "对"],
        "backchannel_max_chars": 4,
    }
)


@pytest.mark.parametrize(
    "customer_end, agent_start, fails",
    [
        (10.0, 9.1, False),  # 0.9 s before the customer finishes
        (10.0, 9.0, False),  # exactly 1.0 s
        (10.0, 8.9, True),  # 1.1 s
        (2.2, 1.2, False),  # 2.2 - 1.2 > 1.0 in binary floats; the overlap is 1.0 s
        (4.4, 3.4, False),
        (4.4, 3.3, True),
        (10.0, 10.0, False),  # starts as the customer stops
        (10.0, 10.5, False),
    ],
)
def test_interruption_threshold(customer_end, agent_start, fails):
    text = "这个您得去网点办理。"
    report = run(
        ("customer", "我上个月的账单好像多扣了一笔钱。", 0.0, customer_end),
        ("agent", text, agent_start, agent_start + 3),
    )
    if not fails:
        assert of(report, "talk_over") == []
        return
    f = one(report, "talk_over")
    assert (f.kind, f.stage, f.utterance_index, f.speaker, f.time) == (
        "violation",
        "acknowledgement",
        1,
        "agent",
        agent_start,
    )
    whole(f, text)
    assert f"抢话 {customer_end - agent_start:.1f} 秒" in f.explanation


@pytest.mark.parametrize(
    "text, fails",
    [
        ("嗯嗯。", False),
        ("好的好的", False),  # 4 characters: at backchannel_max_chars
        ("嗯，是的！", False),  # punctuation does not count
        ("好的，好的，是的", True),  # 6 characters
        ("嗯，您说", True),  # 您说 is no backchannel
        ("我明白", True),
    ],
)
def test_interruption_backchannels(text, fails):
    report = run(("customer", "我上个月的账单好像多扣了一笔钱，你们查一下。", 0.0, 10.0), ("agent", text, 5.0, 5.5))
    assert [(f.utterance_index, f.text) for f in of(report, "talk_over")] == ([(1, text)] if fails else [])


def test_interruption_only_of_the_customer_and_not_on_other_channels():
    agent_over_agent = run(("agent", "您好，请讲。", 0.0, 10.0), ("agent", "这里是客服中心。", 5.0, 8.0))
    assert of(agent_over_agent, "talk_over") == []
    turns = [("customer", "我上个月的账单好像多扣了一笔钱。", 0.0, 10.0), ("agent", "这个您得去网点办理。", 5.0, 8.0)]
    assert [f.utterance_index for f in of(run(*turns), "talk_over")] == [1]
    online = run(*turns, channel="online")
    assert of(online, "talk_over") == [] and notes_of(online, "talk_over") == []


# == speech_rate ===========================================================================================
RATE = check(
    {"id": "pace", "type": "speech_rate", "channels": ["phone"], "min_cpm": 150, "max_cpm": 330, "min_chars": 40}
)
TEN = "请您核对一下账户信息"  # ten characters


def _agent_chars(n: int) -> str:
    """``n`` characters, with punctuation and spaces (which do not count) between the tens."""
    text = "，".join([TEN] * (n // 10)) + TEN[: n % 10]
    return text.replace("，", "， ", 1) + "。"


@pytest.mark.parametrize(
    "chars, seconds, verdict",
    [
        (60, 23.9, None),  # 150.6 characters per minute
        (60, 24.0, None),  # exactly 150
        (60, 24.1, "低于 150"),  # 149.4
        (65, 12.0, None),  # 325
        (66, 12.0, None),  # exactly 330
        (67, 12.0, "高于 330"),  # 335
    ],
)
def test_speech_rate(chars, seconds, verdict):
    report = run(
        ("customer", "我想问一下我的账单为什么多了一百块钱，" * 5, 0.0, 1.0),  # the customer's rate does not count
        ("agent", _agent_chars(chars), 2.0, 2.0 + seconds),
    )
    if verdict is None:
        assert of(report, "pace") == []
        return
    f = one(report, "pace")  # a whole-call finding: no utterance, no offsets, no time
    assert (f.kind, f.stage, f.utterance_index, f.start, f.end, f.text, f.time) == (
        "violation",
        "delivery",
        None,
        None,
        None,
        "",
        None,
    )
    assert verdict in f.explanation


def test_speech_rate_sums_agent_turns_and_needs_min_chars():
    # 30 + 30 characters in 12.0 + 12.0 s: 150 per minute (the float sum of the durations is 24.000000000000004).
    turns = [
        ("agent", _agent_chars(30), 0.1, 12.1),
        ("customer", "嗯。", 12.5, 13.0),
        ("agent", _agent_chars(30), 13.3, 25.3),
    ]
    assert of(run(*turns), "pace") == []
    assert of(run(("agent", _agent_chars(39), 0.0, 1.0)), "pace") == []  # 2340 per minute, but 39 characters
    assert one(run(("agent", _agent_chars(40), 0.0, 1.0)), "pace").explanation.endswith("高于 330")


# == agent_hangup ==========================================================================================
HANGUP = check({"id": "hangup", "type": "agent_hangup", "closing_stage": "closing", "window": 2, "severity": "major"})


@pytest.mark.parametrize("back, fails", [(0, False), (1, False), (2, True), (None, True)])
def test_agent_hangup(back, fails):
    agent = ["请讲。", "好的。", "我帮您查了。", "就这样。"]
    if back is not None:
        agent[3 - back] = "好的，再见。"
    turns = []
    for text in agent:
        turns += [("customer", "嗯。"), ("agent", text)]
    report = run(*turns)  # no timestamps needed, and no note
    assert notes_of(report, "hangup") == []
    if not fails:
        assert of(report, "hangup") == []
        return
    f = one(report, "hangup")
    assert (f.kind, f.stage, f.severity, f.utterance_index, f.speaker) == ("violation", "closing", "major", 7, "agent")
    whole(f, agent[3])


def test_agent_hangup_not_when_the_customer_speaks_last():
    assert of(run(("agent", "您好。"), ("agent", "就这样。"), ("customer", "行吧。")), "hangup") == []


# == the bank-cn pack ======================================================================================
OPENING = ("agent", "您好，欢迎致电星河银行，我是客服小周，工号1024，请问有什么可以帮您？")
ENDING = [
    ("agent", "请问还有其他可以帮您的吗？"),
    ("customer", "没有了。"),
    ("agent", "感谢您的来电，祝您生活愉快，再见。"),
]


def _bank(checker, *turns, channel="phone", times=None) -> Report:
    """bank-cn on a call; ``times`` gives each utterance a (start, end) pair."""
    if times is not None:
        turns = tuple((s, t, a, b) for (s, t), (a, b) in zip(turns, times))
    data = call(*turns, channel=channel)
    report = checker.check(data)
    assert_offsets(Transcript.model_validate(data), report)
    return report


def _steady(n: int, gaps: dict | None = None, length: float = 3.0) -> list:
    """Times for ``n`` utterances of ``length`` s with 0.5 s pauses, and extra pauses before utterance i."""
    times, t = [], 0.5
    for i in range(n):
        t += (gaps or {}).get(i, 0.0)
        times.append((t, t + length))
        t += length + 0.5
    return times


def test_bank_transfer_without_time_limit_or_callback(checker):
    turns = [
        OPENING,
        ("customer", "我上周申请的账单分期到现在还没生效。"),
        ("agent", "好的，这个问题我这边为您登记工单，提交给相关部门处理。"),
        ("customer", "行吧。"),
        *ENDING,
    ]
    report = _bank(checker, *turns)
    found = of(report, "transfer_followup")
    assert [(f.kind, f.stage, f.severity, f.utterance_index) for f in found] == [
        ("violation", "transfer", "major", 2)
    ] * 2
    assert [f.message.split("：")[-1] for f in found] == ["缺少处理时限", "缺少回复方式"]
    assert "登记工单" in found[0].text  # the trigger: the transfer phrase


def test_bank_transfer_with_time_limit_and_callback(checker):
    turns = [
        OPENING,
        ("customer", "我上周申请的账单分期到现在还没生效。"),
        ("agent", "好的，我这边为您登记工单，3个工作日内由专员给您回电。"),
        ("customer", "行吧。"),
        *ENDING,
    ]
    report = _bank(checker, *turns)
    assert of(report, "transfer_followup") == []
    assert [s.present for s in report.stages if s.stage in ("transfer", "time_commitment")] == [True, True]


@pytest.mark.parametrize("empathy", [True, False])
def test_bank_complaint_needs_empathy(checker, empathy):
    answer = "非常抱歉给您带来不便，我马上帮您查。" if empathy else "那我帮您查一下。"
    turns = [
        OPENING,
        ("customer", "你们扣了我两次年费，我要投诉！"),
        ("agent", answer),
        ("customer", "快点。"),
        *ENDING,
    ]
    found = of(_bank(checker, *turns), "complaint_empathy")
    if empathy:
        assert found == []
    else:
        assert [(f.kind, f.stage, f.severity, f.utterance_index, f.text) for f in found] == [
            ("violation", "empathy", "major", 1, "投诉")
        ]


TIMING_CHECKS = ("answer_delay", "silence_phone", "silence_online", "interruption", "speech_rate")


def test_bank_untimed_call_gets_notes_and_no_timing_findings(checker):
    turns = [OPENING, ("customer", "我想查一下账单。"), ("agent", "好的，本月账单五号出。"), *ENDING]
    report = _bank(checker, *turns)
    assert not [f for f in report.findings if f.rule_id in TIMING_CHECKS]
    assert set(report.notes) == {
        f"{c}: skipped, the transcript has no timestamps"
        for c in ("answer_delay", "silence_phone", "interruption", "speech_rate")
    }
    online = _bank(checker, *turns, channel="online")  # online: only the online silence check needs times
    assert online.notes == ("silence_online: skipped, the transcript has no timestamps",)


def test_bank_timed_call_silence_answer_delay_and_channels(checker):
    turns = [OPENING, ("customer", "我想查一下账单。"), ("agent", "好的，本月账单五号出。"), *ENDING]
    # The agent starts at 5.5 s (the standard: answer within three rings, 5 s); 20.5 s of silence before
    # utterance 2; 66 agent characters in 4 x 2.5 s is 396 characters a minute (at most 330).
    times = _steady(len(turns), {0: 5.0, 2: 20.0}, length=2.5)
    phone = _bank(checker, *turns, times=times)
    assert [(f.rule_id, f.utterance_index, f.severity) for f in phone.findings if f.rule_id in TIMING_CHECKS] == [
        ("answer_delay", 0, "minor"),
        ("silence_phone", 2, "minor"),
        ("speech_rate", None, "minor"),
    ]
    assert phone.notes == ()
    online = _bank(checker, *turns, channel="online", times=times)
    assert [f.rule_id for f in online.findings if f.rule_id in TIMING_CHECKS] == []  # 20.5 s < 30 s online


def test_bank_interruption_on_phone_calls_only(checker):
    turns = [
        OPENING,
        ("customer", "我上个月的账单好像多扣了一笔钱，你们帮我看看怎么回事。"),
        ("agent", "嗯嗯。"),
        ("agent", "这个您得去网点办理。"),
        *ENDING,
    ]
    times = [(0.0, 6.0), (6.5, 16.0), (10.0, 10.5), (14.0, 17.0), (17.5, 20.0), (20.5, 21.0), (21.5, 25.0)]
    phone = _bank(checker, *turns, times=times)
    f = one(phone, "interruption")  # the 嗯嗯 backchannel is fine; talking over the last 2 s is not
    assert (f.kind, f.stage, f.utterance_index, f.time) == ("violation", "acknowledgement", 3, 14.0)
    online = _bank(checker, *turns, channel="online", times=times)
    assert of(online, "interruption") == []


def test_bank_full_card_number(checker):
    text = "您的卡号是6222 0212 3456 7890，对吗？"
    report = _bank(checker, OPENING, ("customer", "我卡丢了。"), ("agent", text), *ENDING)
    f = one(report, "full_number_readout")
    assert (f.kind, f.stage, f.severity, f.utterance_index, f.text) == (
        "violation",
        "privacy",
        "major",
        2,
        "6222 0212 3456 7890",
    )
    assert of(_bank(checker, OPENING, ("agent", "请问是尾号7890的卡吗？"), *ENDING), "full_number_readout") == []


# == dev calls: bank-cn silence and interruption against a plain re-implementation ======================
def _plain(text: str) -> str:
    """Full-width to half-width, Traditional to Simplified, no spaces: how the text is compared."""
    from opencc import OpenCC

    global _T2S
    if _T2S is None:
        _T2S = OpenCC("t2s")
    return re.sub(r"\s+", "", _T2S.convert(unicodedata.normalize("NFKC", text))).lower()


_T2S = None


def _tenths(seconds: float) -> int:
    return round(seconds * 10)  # dev timestamps have one decimal: compare in exact tenths


def expected_silences(utterances: list[dict], check) -> set[int]:
    found = set()
    latest_end = utterances[0]["end"]
    for i in range(1, len(utterances)):
        gap = _tenths(utterances[i]["start"]) - _tenths(latest_end)
        if gap > _tenths(check.max_seconds):
            agents_before = [k for k in range(i) if utterances[k]["speaker"] == "agent"]
            held = (
                check.hold_max_seconds is not None
                and agents_before
                and any(_plain(p) in _plain(utterances[agents_before[-1]]["text"]) for p in check.hold_phrases)
                and utterances[i]["speaker"] == "agent"
                and any(_plain(p) in _plain(utterances[i]["text"]) for p in check.thanks_phrases)
            )
            if not held or gap > _tenths(check.hold_max_seconds):
                found.add(i)
        latest_end = max(latest_end, utterances[i]["end"])
    return found


def expected_interruptions(utterances: list[dict], check) -> set[int]:
    words = sorted((_plain(b) for b in check.backchannels), key=len, reverse=True)
    backchannel = re.compile("(?:" + "|".join(map(re.escape, words)) + ")*")
    found = set()
    for i, agent in enumerate(utterances):
        if agent["speaker"] != "agent":
            continue
        bare = "".join(c for c in _plain(agent["text"]) if unicodedata.category(c)[0] not in "PSZ")
        if len(bare) <= check.backchannel_max_chars and backchannel.fullmatch(bare):
            continue
        for customer in utterances:
            if customer["speaker"] != "customer":
                continue
            if _tenths(customer["start"]) <= _tenths(agent["start"]) < _tenths(customer["end"]) and _tenths(
                customer["end"]
            ) - _tenths(agent["start"]) > _tenths(check.min_overlap_seconds):
                found.add(i)
                break
    return found


def test_dev_calls_silence_and_interruption_agree_with_the_timestamps(checker, dev_calls):
    checks = {c.id: c for c in checker.pack.checks}
    silence = {"phone": checks["silence_phone"], "online": checks["silence_online"]}
    interruption = checks["interruption"]
    assert "online" not in interruption.channels
    want_silence, want_interruption, got_silence, got_interruption = set(), set(), set(), set()
    with dev_calls.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    for record in records:
        utterances, channel = record["utterances"], record.get("channel", "phone")
        assert all(u.get("start") is not None and u.get("end") is not None for u in utterances)
        want_silence |= {(record["id"], i) for i in expected_silences(utterances, silence[channel])}
        if channel in interruption.channels:
            want_interruption |= {(record["id"], i) for i in expected_interruptions(utterances, interruption)}
        report = checker.check(record)
        assert not any("skipped" in n for n in report.notes)
        for f in report.findings:
            if f.rule_id in ("silence_phone", "silence_online"):
                assert f.rule_id == silence[channel].id
                got_silence.add((record["id"], f.utterance_index))
            elif f.rule_id == "interruption":
                got_interruption.add((record["id"], f.utterance_index))
    assert got_silence == want_silence
    assert got_interruption == want_interruption
    # The dev set has both kinds (README: gaps of 10 s or more, agents starting 1 s early, a 嗯嗯 in a long turn).
    assert len(want_silence) >= 5 and len(want_interruption) >= 5
    print(f"dev calls: {len(records)}, silences {len(want_silence)}, interruptions {len(want_interruption)}")


# == docs/checks.md ========================================================================================
def test_the_yaml_examples_in_the_checks_guide_are_valid(tmp_path):
    text = (REPO / "docs" / "checks.md").read_text(encoding="utf-8")
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S)]
    checks = [c for b in blocks if isinstance(b, list) for c in b]
    checks += [c for b in blocks if isinstance(b, dict) and "extends" not in b for c in b.get("checks", [])]
    # Every built-in type, and the example plugin's type (docs/plugins.md), which the guide shows too.
    assert {c["type"] for c in checks} - {"risk_disclosure"} == {
        "position",
        "sequence",
        "conditional",
        "pattern",
        "personal_data",
        "answer_delay",
        "silence",
        "interruption",
        "speech_rate",
        "agent_hangup",
    }
    for definition in checks:
        TypeAdapter(Check).validate_python(definition)
    cards = [b["scorecard"] for b in blocks if isinstance(b, dict) and "extends" not in b and "scorecard" in b]
    assert [len(Scorecard.model_validate(c).items) for c in cards] == [2]
    (child,) = [b for b in blocks if isinstance(b, dict) and b.get("extends") == "bank-cn"]
    path = tmp_path / "child.yaml"
    path.write_text(yaml.safe_dump(child, allow_unicode=True), encoding="utf-8")
    pack = load_pack(path)
    checks_by_id = {c.id: c for c in pack.checks}
    assert not checks_by_id["interruption"].enabled and checks_by_id["silence_phone"].max_seconds == 15
    assert checks_by_id["silence_phone"].hold_max_seconds == 60 and "greeting_fast" in checks_by_id
