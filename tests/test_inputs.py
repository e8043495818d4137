"""From a recogniser's fragments to a checked call: order, roles, merged turns, word times, confidence.

These tests build ``Recognised`` calls directly, as every vendor reader does, so they pin the
behaviour shared by all formats; tests/test_asr_readers.py covers each vendor's fields.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicecheck import Checker, InputError, ReadOptions, Report, RoleMap, iter_records, load_pack, read_transcript
from servicecheck.io.asr.assemble import align_words, assemble
from servicecheck.io.asr.fragments import Fragment, Recognised, Word
from servicecheck.io.roles import DEFAULT_AGENT_CUES

CUES = tuple(DEFAULT_AGENT_CUES)


@functools.lru_cache(maxsize=1)
def _bank() -> Checker:
    return Checker(load_pack("bank-cn"))


def frag(speaker, text, start, end, path="", words=(), confidence=None, loudness=None) -> Fragment:
    return Fragment(speaker, text, start, end, path or f"f[{start}]", tuple(words), confidence, loudness)


def chars(text: str, start: float, step: float = 0.2, confidence=None, low=()) -> list[Word]:
    """One word per non-punctuation character, as FunASR and WhisperX give for Chinese."""
    words, t = [], start
    for i, ch in enumerate(text):
        if ch in "，。？！、, ":
            continue
        conf = 0.2 if i in low else confidence
        words.append(Word(ch, t, t + step, conf, i, i + 1))
        t += step
    return words


def call_of(fragments, kind="speaker", **options) -> object:
    recognised = Recognised("funasr", list(fragments), kind, id="c1")
    return assemble(recognised, ReadOptions(agent_cues=CUES, **options), source="c1.json", default_id="c1")


# A two-party call as FunASR cuts it: clauses, spk 1 is the agent (cluster ids carry no role).
CLAUSES = [
    frag("1", "您好，", 0.88, 1.24),
    frag("1", "这里是星海银行信用卡中心，", 1.32, 3.48),
    frag("1", "请问有什么可以帮您？", 3.54, 5.16),
    frag("0", "喂你好，", 6.06, 6.66),
    frag("0", "我的信用卡丢了。", 6.76, 8.16),
    frag("1", "好的，", 8.9, 9.3),
    frag("1", "我马上为您办理挂失。", 9.4, 11.0),
]


def test_clauses_of_one_speaker_merge_into_turns_with_a_fragment_map():
    transcript = call_of(CLAUSES)
    assert [u.speaker for u in transcript.utterances] == ["agent", "customer", "agent"]
    first = transcript.utterances[0]
    assert first.text == "您好，这里是星海银行信用卡中心，请问有什么可以帮您？"
    assert (first.start, first.end) == (0.88, 5.16)
    assert [f.source for f in first.fragments] == ["f[0.88]", "f[1.32]", "f[3.54]"]
    for fragment, source in zip(first.fragments, CLAUSES[:3]):
        assert first.text[fragment.start : fragment.end] == source.text.strip()
        assert (fragment.start_time, fragment.end_time) == (source.start, source.end)


def test_merging_stops_at_the_gap_threshold_and_can_be_switched_off():
    long_pause = [frag("1", "您好，", 0.0, 1.0), frag("1", "请讲。", 4.5, 5.0), frag("0", "喂。", 6.0, 6.5)]
    assert len(call_of(long_pause).utterances) == 3  # 3.5 s apart: two turns
    assert len(call_of(long_pause, merge_gap=5.0).utterances) == 2
    assert len(call_of(CLAUSES, merge=False).utterances) == len(CLAUSES)


def test_the_agent_is_the_speaker_whose_first_turns_carry_agent_cues_and_metadata_says_so():
    transcript = call_of(CLAUSES)
    roles = transcript.metadata["roles"]
    assert roles["1"]["role"] == "agent" and roles["1"]["by"] == "agent cues in first turns"
    assert "这里是" in roles["1"]["evidence"]
    assert roles["0"] == {"role": "customer", "by": "not the agent"}
    assert transcript.metadata["input_format"] == "funasr"


def test_the_customer_speaking_first_does_not_make_them_the_agent():
    customer_first = [frag("0", "喂，你好。", 0.0, 1.0), *[f for f in CLAUSES if f.speaker == "1"][:3]]
    roles = call_of(customer_first).metadata["roles"]
    assert roles["1"]["role"] == "agent" and roles["0"]["role"] == "customer"


def test_without_cues_the_first_speaker_is_the_agent():
    plain = [frag("A", "喂。", 0.0, 1.0), frag("B", "嗯。", 1.5, 2.0)]
    roles = call_of(plain).metadata["roles"]
    assert roles["A"] == {"role": "agent", "by": "first speaker (no agent cues found)"}
    assert roles["B"]["role"] == "customer"


def test_a_role_map_wins_over_the_heuristic_and_integer_ids_match():
    transcript = assemble(
        Recognised("aliyun", CLAUSES, "channel"),
        ReadOptions(role_map=RoleMap({0: "agent", 1: "customer"}), agent_cues=CUES),
        source="x",
        default_id="x",
    )
    assert transcript.utterances[0].speaker == "customer"
    assert transcript.metadata["roles"]["0"] == {"role": "agent", "by": "role map"}
    assert transcript.id == "x"


def test_names_the_recording_systems_use_decide_the_role():
    named = [frag("客户", "您好，这里是哪里？", 0.0, 2.0), frag("坐席", "您好。", 2.5, 3.0)]
    transcript = call_of(named, kind="name")
    assert [u.speaker for u in transcript.utterances] == ["customer", "agent"]
    assert transcript.metadata["roles"]["坐席"]["by"] == "speaker name"


def test_fragments_are_sorted_by_start_time_across_channels():
    by_channel = [CLAUSES[0], CLAUSES[5], CLAUSES[3]]  # channel 1's sentences first, then channel 0's
    transcript = call_of(by_channel)
    assert [u.start for u in transcript.utterances] == [0.88, 6.06, 8.9]


def test_a_fragment_without_speaker_joins_the_one_before_and_no_speaker_at_all_is_refused():
    transcript = call_of([CLAUSES[0], frag(None, "请讲。", 1.3, 2.0), CLAUSES[3]])
    assert transcript.utterances[0].text == "您好，请讲。"
    assert transcript.metadata["unattributed_fragments"] == 1
    with pytest.raises(InputError, match="no speaker or channel"):
        call_of([frag(None, "您好。", 0.0, 1.0)])


def test_word_times_place_utterances_and_findings_and_low_confidence_needs_review():
    text = "感谢您的来电，再见。"
    closing = frag("1", text, 20.0, 23.0, words=chars(text, 20.4, confidence=0.95, low=range(6)))
    transcript = call_of([*CLAUSES, closing])
    last = transcript.utterances[-1]
    assert (last.text, last.start) == (text, 20.4) and last.end == pytest.approx(22.0)  # 8 words of 0.2 s
    report = _bank().check(transcript)
    thanks = [f for f in report.findings if f.stage == "closing" and "感谢" in f.text]
    assert thanks, report.findings
    hit = thanks[0]
    assert hit.needs_review and report.needs_review
    assert "置信度" in hit.explanation
    assert hit.time == 20.4  # the first word's time, not the turn's start
    assert hit.origin is not None and hit.origin.source == "f[20.0]"
    assert transcript.utterances[hit.utterance_index].text[hit.start : hit.end] == hit.text


def _closing_call(confidence: float):
    text = "感谢您的来电，再见。"
    asked = frag("1", "请问还有其他可以帮您的吗？", 12.0, 14.0)
    answered = frag("0", "没有了。", 15.0, 16.0)
    closing = frag("1", text, 17.0, 19.0, words=chars(text, 17.0, confidence=confidence))
    return call_of([*CLAUSES, asked, answered, closing])


def test_a_low_confidence_closing_costs_the_agent_nothing():
    checker = _bank()
    sure, unsure = checker.check(_closing_call(0.95)), checker.check(_closing_call(0.2))
    assert not sure.needs_review and unsure.needs_review
    assert sure.score == 100 and unsure.score == 100 and unsure.passed
    assert next(s for s in unsure.stages if s.stage == "closing").present


def _rude_call(confidence: float):
    rude = "这个不归我管，你自己去查。"
    return call_of([*CLAUSES, frag("1", rude, 12.0, 14.0, words=chars(rude, 12.0, confidence=confidence))])


def test_a_low_confidence_forbidden_phrase_is_set_aside_by_default_and_scored_when_the_pack_says_so(tmp_path):
    checker = Checker(load_pack("bank-cn"))
    sure, unsure = checker.check(_rude_call(0.95)), checker.check(_rude_call(0.3))
    assert not sure.passed
    forbidden = [f for f in unsure.findings if f.stage == "forbidden"]
    assert forbidden and all(f.needs_review for f in forbidden)
    assert not any(i.vetoed for i in unsure.breakdown)
    assert unsure.score > sure.score
    strict = tmp_path / "strict.yaml"
    strict.write_text("id: strict\nextends: bank-cn\nreview: {needs_review: score}\n", encoding="utf-8")
    scored = Checker(load_pack(strict)).check(_rude_call(0.3))
    assert not scored.passed and any(i.vetoed for i in scored.breakdown)
    looser = tmp_path / "looser.yaml"
    looser.write_text("id: looser\nextends: bank-cn\nreview: {min_confidence: 0.2}\n", encoding="utf-8")
    assert not any(f.needs_review for f in Checker(load_pack(looser)).check(_rude_call(0.3)).findings)


def test_timing_findings_are_never_set_aside_for_recognition():
    slow = [*CLAUSES, frag("0", "喂？", 40.0, 41.0, confidence=0.1)]
    report = _bank().check(call_of(slow))
    silence = [f for f in report.findings if f.rule_id == "silence_phone"]
    assert silence and not any(f.needs_review for f in silence)


def test_loudness_can_trigger_the_empathy_check_when_a_pack_asks(tmp_path):
    loud = [*CLAUSES[:3], frag("0", "我的卡到底怎么回事！", 6.0, 8.0, loudness=9.1), CLAUSES[5], CLAUSES[6]]
    default = _bank().check(call_of(loud))
    assert not [f for f in default.findings if f.rule_id == "complaint_empathy"]  # off by default
    pack = tmp_path / "loud.yaml"
    pack.write_text(
        "id: loud\nextends: bank-cn\nchecks:\n  - id: complaint_empathy\n    trigger: {speaker: customer, loudness: 8}\n",
        encoding="utf-8",
    )
    report = Checker(load_pack(pack)).check(call_of(loud))
    found = [f for f in report.findings if f.rule_id == "complaint_empathy"]
    assert found and "音量 9.1" in found[0].explanation


def test_align_words_uses_given_offsets_or_finds_the_text_in_order():
    words = [Word(" Hello", 0.0, 0.5), Word("world", 0.5, 1.0), Word("missing", 1.0, 1.5), Word("好", 1.5, 2.0)]
    spans = [span for _, span in align_words("Hello, world 好", words)]
    assert spans == [(0, 5), (7, 12), (13, 14)]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["0", "1"]),
            st.text(alphabet="您好，再见。谢 ab", min_size=1, max_size=8),
            st.floats(0, 100, allow_nan=False),
            st.floats(0, 3, allow_nan=False),
        ),
        min_size=1,
        max_size=12,
    ),
    st.booleans(),
)
@settings(max_examples=100)
def test_offsets_of_fragments_and_words_hold_on_merged_text(items, merge):
    fragments = []
    for i, (speaker, text, start, length) in enumerate(items):
        if not text.strip():
            continue
        fragments.append(frag(speaker, text, start, start + length, path=f"p[{i}]", words=chars(text, start, 0.01)))
    if not fragments:
        return
    transcript = call_of(fragments, merge=merge)
    by_path = {f.path: f for f in fragments}
    for utterance in transcript.utterances:
        for span in utterance.fragments:
            assert utterance.text[span.start : span.end] == by_path[span.source].text.strip()
        for word in utterance.words:
            assert len(utterance.text[word.start : word.end]) == 1
    report = _bank().check(transcript)
    for finding in report.findings:
        if finding.utterance_index is not None and finding.start is not None:
            utterance = transcript.utterances[finding.utterance_index]
            assert utterance.text[finding.start : finding.end] == finding.text
            if finding.origin is not None:
                source = by_path[finding.origin.source].text.strip()
                assert finding.origin.start >= 0 and finding.origin.end <= len(source)


# -- servicecheck's own JSON, as embedders write it ------------------------------------------------------------
def test_times_in_milliseconds_are_refused_with_the_unit_named_or_converted_on_request():
    data = {
        "utterances": [
            {"speaker": "agent", "text": "您好，这里是星海银行，请问有什么可以帮您？", "start": 880, "end": 5160},
            {"speaker": "customer", "text": "我的信用卡丢了。", "start": 6060, "end": 8160},
        ]
    }
    with pytest.raises(InputError, match="milliseconds"):
        read_transcript(data)
    transcript = read_transcript(data, time_unit="ms")
    assert transcript.utterances[1].start == 6.06


def test_ids_are_derived_integer_speakers_map_and_metadata_reaches_the_report(tmp_path):
    path = tmp_path / "batch-07.jsonl"
    line = {"utterances": [{"speaker": 0, "text": "您好"}], "metadata": {"agent_id": "A7", "queue": "信用卡"}}
    path.write_text(
        json.dumps(line, ensure_ascii=False) + "\n" + json.dumps({"id": 5, **line}) + "\n", encoding="utf-8"
    )
    checker = Checker(load_pack("bank-cn"), role_map=RoleMap({"0": "agent"}))
    reports = list(checker.check_many([*iter_records(path, checker.role_map)]))
    assert [r.transcript_id for r in reports] == ["batch-07-1", "5"]
    assert reports[0].metadata == {"agent_id": "A7", "queue": "信用卡"}
    assert checker.check({"utterances": [{"speaker": 0, "text": "您好"}]}).transcript_id == "transcript"


def test_an_error_row_keeps_the_id_it_could_read(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": "call-9", "utterances": [{"speaker": "robot", "text": "您好"}]}) + "\n")
    [row] = list(Checker(load_pack("bank-cn")).check_many(iter_records(path)))
    assert not row.ok and row.transcript_id == "call-9" and "--role-map" in row.error


def test_workers_run_from_a_script_without_a_main_guard(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text(
        textwrap.dedent(
            """
            from servicecheck import Checker
            checker = Checker("bank-cn")
            calls = [{"id": str(i), "utterances": [{"speaker": "agent", "text": "您好"}]} for i in range(40)]
            results = list(checker.check_many(calls, workers=2, chunk_size=4))
            print(len(results), sum(r.ok for r in results))
            """
        ),
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["40", "40"]
    assert "Traceback" not in done.stderr and "worker" not in done.stderr


def test_a_report_round_trips_as_json_with_the_new_fields():
    report = _bank().check(_closing_call(0.2))
    again = Report.model_validate_json(report.model_dump_json())
    assert again == report
