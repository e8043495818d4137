"""The Checker: inputs it accepts, the report it returns, and findings on small synthetic calls."""

from __future__ import annotations

import difflib
import json

import pytest
import regen_golden
from conftest import EXAMPLES, call

import servicecheck
from servicecheck import Checker, InputError, Report, Transcript, check, load_pack

# A short, complete call written for these tests: every required stage of bank-cn is in it.
GOOD_CALL = call(
    ("agent", "您好，欢迎致电星海银行信用卡中心，我是客服小周，工号2048，请问有什么可以帮您？", 0.0, 6.0),
    ("customer", "我想问一下账单什么时候出。", 6.5, 8.0),
    ("agent", "好的，跟您确认一下，您是说本月的账单对吗？", 8.5, 11.0),
    ("customer", "对。", 11.5, 12.0),
    ("agent", "本月账单五号出，请问还有其他可以帮您的吗？", 12.5, 15.0),
    ("customer", "没有了，谢谢。", 15.5, 16.5),
    ("agent", "感谢您的来电，祝您生活愉快，再见！", 17.0, 19.0),
    id="synthetic-good",
)


def _agent(text, **kwargs):
    return call(("agent", text), **kwargs)


def _hits(report, stage, kind="hit"):
    return [f for f in report.findings if f.stage == stage and f.kind == kind]


def _assert_offsets(transcript: Transcript, report: Report):
    for f in report.findings:
        if f.utterance_index is None:
            continue
        text = transcript.utterances[f.utterance_index].text
        assert text[f.start : f.end] == f.text
        assert transcript.global_text[f.global_start : f.global_end] == f.text


# -- inputs ----------------------------------------------------------------------------------------------
def test_check_accepts_a_transcript_a_dict_and_paths(checker, tmp_path):
    transcript = Transcript.model_validate(GOOD_CALL)
    as_json = tmp_path / "synthetic-good.json"
    as_json.write_text(json.dumps(GOOD_CALL, ensure_ascii=False), encoding="utf-8")
    as_text = tmp_path / "synthetic-good.txt"
    lines = [
        f"[{u['start']}-{u['end']}] {'坐席' if u['speaker'] == 'agent' else '客户'}：{u['text']}"
        for u in GOOD_CALL["utterances"]
    ]
    as_text.write_text("\n".join(lines) + "\n", encoding="utf-8")

    reports = [checker.check(item) for item in (transcript, GOOD_CALL, as_json, str(as_json), as_text)]
    assert all(r == reports[0] for r in reports)
    assert reports[0].transcript_id == "synthetic-good"


def test_check_rejects_other_objects_and_bad_input(checker, tmp_path):
    with pytest.raises(TypeError, match="Transcript, a dict or a path"):
        checker.check(42)  # type: ignore[arg-type]
    with pytest.raises(InputError) as info:
        checker.check({"id": "x", "utterances": [{"speaker": "机器人", "text": "您好"}]})
    assert info.value.field == "utterances[0].speaker"
    bad = tmp_path / "bad.txt"
    bad.write_text("坐席：您好\n路人：喂\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        checker.check(bad)


def test_check_many_yields_reports_in_order(checker):
    items = [_agent("您好", id=f"c{i}") for i in range(5)]
    items[2] = Transcript.model_validate(_agent("再见", id="c2"))
    reports = checker.check_many(iter(items))
    assert not isinstance(reports, list)  # a lazy iterator
    assert [r.transcript_id for r in reports] == ["c0", "c1", "c2", "c3", "c4"]


def test_module_level_check_uses_the_bank_pack():
    report = check(_agent("您好"))
    assert report.pack_id == "bank-cn"
    assert _hits(report, "greeting")


# -- report fields ---------------------------------------------------------------------------------------
def test_report_fields(checker):
    report = checker.check(GOOD_CALL)
    pack = load_pack("bank-cn")
    assert report.transcript_id == "synthetic-good"
    assert report.pack_id == "bank-cn" == pack.id
    assert report.pack_version == pack.version
    assert report.pack_hash.startswith("sha256:") and len(report.pack_hash) > len("sha256:")
    assert report.pack_hash == checker.pack_hash
    assert report.library_version == servicecheck.__version__
    enabled = [s.id for s in pack.stages if s.enabled]
    assert [s.stage for s in report.stages] == enabled
    for result in report.stages:
        stage = pack.stage(result.stage)
        assert result.name == stage.name and result.required == stage.required
        found = [f for f in report.findings if f.stage == result.stage and f.kind != "missing"]
        assert result.present == bool(found)
        assert result.count == len(found)
        assert result.utterances == tuple(sorted({f.utterance_index for f in found if f.utterance_index is not None}))


def test_a_complete_call_has_every_required_stage(checker):
    report = checker.check(GOOD_CALL)
    required = [s.stage for s in report.stages if s.required]
    assert required
    assert all(s.present for s in report.stages if s.required)
    assert not report.findings_of(kind="missing")
    assert not report.findings_of(stage="forbidden")
    assert report.passed
    _assert_offsets(Transcript.model_validate(GOOD_CALL), report)
    greeting = next(s for s in report.stages if s.stage == "greeting")
    assert greeting.utterances == (0,) and greeting.first_time == 0.0


def test_pack_hash_changes_with_the_pack_content():
    base = {
        "id": "tiny",
        "version": "1",
        "stages": [{"id": "greeting", "name": "问候", "rules": [{"id": "greeting.hello", "phrases": ["您好"]}]}],
    }
    changed = json.loads(json.dumps(base))
    changed["stages"][0]["rules"][0]["phrases"].append("你好")
    first, second = Checker(load_pack(base)), Checker(load_pack(changed))
    assert first.pack_hash != second.pack_hash
    assert first.pack_hash == Checker(load_pack(json.loads(json.dumps(base)))).pack_hash


# -- findings --------------------------------------------------------------------------------------------
def test_greeting_exact(checker):
    report = checker.check(_agent("您好，请问有什么可以帮您"))
    (hit,) = _hits(report, "greeting")
    assert (hit.utterance_index, hit.start, hit.end, hit.text, hit.method) == (0, 0, 2, "您好", "exact")
    assert hit.speaker == "agent" and hit.rule_id.startswith("greeting.")
    assert hit.message and hit.explanation and hit.rule_id in hit.explanation
    assert [t.text for t in hit.tokens] == ["您好"]


def test_nin_hao_xiang_is_no_greeting(checker):
    report = checker.check(_agent("我看您好像没收到验证码"))
    assert not _hits(report, "greeting")
    report = checker.check(_agent("您好，您好像还没激活"))
    assert [(f.start, f.end) for f in _hits(report, "greeting")] == [(0, 2)]


def test_homophone_found_by_pinyin(checker):
    report = checker.check(_agent("您号，请问有什么可以帮您"))
    (hit,) = _hits(report, "greeting")
    assert (hit.text, hit.start, hit.end, hit.method) == ("您号", 0, 2, "pinyin")
    assert "您好" in hit.explanation


def test_traditional_script_offsets_point_into_the_original(checker):
    text = "喂，歡迎致電星海銀行，請問有什麼可以幫您"
    report = checker.check(_agent(text))
    welcome = [f for f in _hits(report, "greeting") if "致" in f.text]
    assert [(f.start, f.end, f.text) for f in welcome] == [(2, 6, "歡迎致電")]
    assert text[2:6] == "歡迎致電"
    assert welcome[0].method == "exact"


def test_spaced_characters_are_found_with_their_spaces(checker):
    report = checker.check(_agent("您 好，请讲"))
    (hit,) = _hits(report, "greeting")
    assert (hit.text, hit.start, hit.end) == ("您 好", 0, 3)
    report = checker.check(_agent("好的，感 谢 您 的 来 电"))
    closing = _hits(report, "closing")
    assert "感 谢 您 的 来 电" in [f.text for f in closing]


def test_fullwidth_staff_number(checker):
    text = "您好，我的工号０８１５"
    report = checker.check(_agent(text))
    numbers = [f for f in _hits(report, "self_intro") if "工号" in f.text]
    assert [f.text for f in numbers] == ["工号０８１５"]
    assert text[numbers[0].start : numbers[0].end] == "工号０８１５"
    assert numbers[0].method == "regex"


def test_customer_speech_gives_no_agent_stage_hits(checker):
    transcript = call(
        ("agent", "喂。"),
        ("customer", "您好，欢迎致电，我是客服，工号1234，感谢您的来电，再见，不归我管，我也没办法"),
    )
    report = checker.check(transcript)
    agent_stages = {s.id for s in checker.pack.stages if s.speaker == "agent"}
    assert agent_stages
    on_customer = [f for f in report.findings if f.utterance_index == 1 and f.stage in agent_stages]
    assert on_customer == []
    assert not _hits(report, "greeting") and not _hits(report, "forbidden", "violation")
    # The same words from the agent are found.
    swapped = call(("customer", "喂。"), ("agent", transcript["utterances"][1]["text"]))
    report = checker.check(swapped)
    assert _hits(report, "greeting") and _hits(report, "forbidden", "violation")


def test_missing_required_stage(checker):
    report = checker.check(_agent("请问有什么可以帮您"))
    required = [s for s in checker.pack.stages if s.enabled and s.required and not s.violation]
    assert required
    missing = report.findings_of(kind="missing")
    assert sorted(f.stage for f in missing) == sorted(s.id for s in required)
    for finding in missing:
        stage = checker.pack.stage(finding.stage)
        assert finding.utterance_index is None and finding.start is None and finding.text == ""
        assert finding.severity == stage.severity
        assert stage.name in finding.message
        assert stage.id in finding.explanation
    stage_results = {s.stage: s for s in report.stages}
    assert all(not stage_results[s.id].present for s in required)


def test_forbidden_phrases_are_violations(checker):
    text = "这个不归我管，你自己去查吧"
    report = checker.check(_agent(text))
    violations = _hits(report, "forbidden", "violation")
    assert [f.text for f in violations] == ["不归我管", "你自己去查"]
    for finding in violations:
        assert finding.severity == "critical"
        assert text[finding.start : finding.end] == finding.text
        assert finding.suggestion
    assert not report.passed
    assert any(item.vetoed for item in report.breakdown)


def test_offsets_are_code_points_after_emoji_and_invisible_characters(checker):
    text = "😀👨\u200d👩\u200d👧\u200b您好，不\u200d归我管"
    report = checker.check(call(("customer", "喂"), ("agent", text)))
    greeting = _hits(report, "greeting")
    assert [(f.start, f.end, f.text) for f in greeting] == [(7, 9, "您好")]
    (violation,) = _hits(report, "forbidden", "violation")
    assert violation.text == "不\u200d归我管"
    assert violation.global_start == len("喂\n") + violation.start
    _assert_offsets(Transcript.model_validate(call(("customer", "喂"), ("agent", text))), report)


# -- golden reports --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(regen_golden.EXAMPLES))
def test_golden_report(checker, name):
    path = regen_golden.golden_path(name)
    assert path.is_file(), f"{path} is missing: run `python tests/regen_golden.py`"
    expected = json.loads(path.read_text(encoding="utf-8"))
    actual = regen_golden.golden_report(checker, regen_golden.EXAMPLES[name])
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                regen_golden.render(expected).splitlines(keepends=True),
                regen_golden.render(actual).splitlines(keepends=True),
                fromfile=f"{path.name} (golden)",
                tofile=f"{name} (current report)",
                n=2,
            )
        )
        pytest.fail(
            f"the report of {regen_golden.EXAMPLES[name].name} differs from {path.name}:\n{diff}\n"
            "If the change is intended, review the diff and run `python tests/regen_golden.py`.",
            pytrace=False,
        )


def test_golden_examples_exist():
    assert set(regen_golden.EXAMPLES) == {"call-credit-card", "call-rude-agent"}
    assert all(p.parent == EXAMPLES and p.is_file() for p in regen_golden.EXAMPLES.values())
