"""The data model: what a transcript may contain, and the offsets every finding is measured against."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from servicecheck import Finding, Report, Token, Transcript, Utterance
from servicecheck.model import severity_at_least, trusted_constructor


def test_utterance_accepts_the_three_roles():
    for role in ("agent", "customer", "other"):
        assert Utterance(speaker=role, text="好的").speaker == role


@pytest.mark.parametrize("speaker", ["Agent", "坐席", "bot", "", None, 1])
def test_utterance_rejects_other_speakers(speaker):
    # The model only knows the three roles; labels such as 坐席 are mapped by the readers' RoleMap.
    with pytest.raises(ValidationError) as info:
        Utterance(speaker=speaker, text="好的")
    assert info.value.errors()[0]["loc"] == ("speaker",)


@pytest.mark.parametrize("field", ["start", "end"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, "nan", "inf"])
def test_utterance_rejects_non_finite_times(field, value):
    with pytest.raises(ValidationError) as info:
        Utterance(speaker="agent", text="好的", **{field: value})
    assert info.value.errors()[0]["loc"] == (field,)
    assert "finite" in str(info.value)


def test_utterance_rejects_end_before_start():
    with pytest.raises(ValidationError, match=r"end \(1\.0\) is before start \(2\.5\)"):
        Utterance(speaker="agent", text="好的", start=2.5, end=1.0)


def test_utterance_times_are_optional_and_may_be_equal():
    assert Utterance(speaker="agent", text="好").start is None
    assert Utterance(speaker="agent", text="好", start=3).start == 3.0
    same = Utterance(speaker="agent", text="好", start=2.0, end=2.0)
    assert (same.start, same.end) == (2.0, 2.0)


def test_extra_keys_such_as_labels_are_ignored():
    transcript = Transcript.model_validate(
        {
            "id": "c-1",
            "scenario": "信用卡挂失",
            "labels": [{"stage": "greeting", "utterance": 0, "text": "您好"}],
            "utterances": [{"speaker": "agent", "text": "您好", "emotion": "calm"}],
        }
    )
    assert not hasattr(transcript, "labels")
    assert "labels" not in transcript.model_dump()
    assert "emotion" not in transcript.utterances[0].model_dump()


@pytest.mark.parametrize("raw, expected", [(12345, "12345"), (0, "0"), ("007", "007")])
def test_numeric_ids_become_strings(raw, expected):
    transcript = Transcript.model_validate({"id": raw, "utterances": []})
    assert transcript.id == expected
    assert isinstance(transcript.id, str)


def test_boolean_id_is_not_turned_into_text():
    with pytest.raises(ValidationError):
        Transcript.model_validate({"id": True, "utterances": []})


def test_transcript_requires_id_and_utterances_and_a_known_channel():
    with pytest.raises(ValidationError) as info:
        Transcript.model_validate({"utterances": []})
    assert ("id",) in [e["loc"] for e in info.value.errors()]
    with pytest.raises(ValidationError) as info:
        Transcript.model_validate({"id": "x"})
    assert ("utterances",) in [e["loc"] for e in info.value.errors()]
    with pytest.raises(ValidationError) as info:
        Transcript.model_validate({"id": "x", "channel": "fax", "utterances": []})
    assert info.value.errors()[0]["loc"] == ("channel",)
    assert Transcript.model_validate({"id": "x", "utterances": []}).channel == "phone"


def test_nested_utterance_errors_name_the_index():
    with pytest.raises(ValidationError) as info:
        Transcript.model_validate(
            {"id": "x", "utterances": [{"speaker": "agent", "text": "a"}, {"speaker": "agent", "text": 5}]}
        )
    assert info.value.errors()[0]["loc"] == ("utterances", 1, "text")


def test_models_are_frozen():
    utterance = Utterance(speaker="agent", text="您好")
    transcript = Transcript(id="x", utterances=(utterance,))
    with pytest.raises(ValidationError):
        utterance.text = "再见"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        transcript.id = "y"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Token(text="a", start=0, end=1).start = 5  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Finding(rule_id="r", stage="s", kind="hit", severity="minor").kind = "missing"  # type: ignore[misc]
    assert isinstance(transcript.utterances, tuple)
    assert hash(utterance) == hash(Utterance(speaker="agent", text="您好"))


def test_finding_and_report_reject_unknown_fields_and_values():
    with pytest.raises(ValidationError):
        Finding(rule_id="r", stage="s", kind="hit", severity="minor", colour="red")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Finding(rule_id="r", stage="s", kind="oops", severity="minor")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Finding(rule_id="r", stage="s", kind="hit", severity="fatal")  # type: ignore[arg-type]


def test_utterance_offsets_and_global_text():
    transcript = Transcript.model_validate(
        {
            "id": "x",
            "utterances": [
                {"speaker": "agent", "text": "您好，欢迎致电"},
                {"speaker": "customer", "text": ""},
                {"speaker": "customer", "text": "我的卡😀丢了"},
                {"speaker": "agent", "text": "再见"},
            ],
        }
    )
    assert transcript.global_text == "您好，欢迎致电\n\n我的卡😀丢了\n再见"
    offsets = transcript.utterance_offsets()
    assert offsets == [0, 8, 9, 16]
    for offset, utterance in zip(offsets, transcript.utterances):
        assert transcript.global_text[offset : offset + len(utterance.text)] == utterance.text
    empty = Transcript(id="e", utterances=())
    assert empty.global_text == "" and empty.utterance_offsets() == []


def test_severity_order():
    assert severity_at_least("critical", "major")
    assert severity_at_least("minor", "minor")
    assert not severity_at_least("minor", "major")
    assert not severity_at_least("info", "minor")


def test_report_json_round_trip():
    finding = Finding(
        rule_id="greeting.hello",
        stage="greeting",
        kind="hit",
        severity="major",
        utterance_index=0,
        speaker="agent",
        start=0,
        end=2,
        global_start=0,
        global_end=2,
        text="您好",
        tokens=(Token(text="您好", start=0, end=2),),
    )
    report = Report(
        transcript_id="x",
        pack_id="p",
        pack_version="1",
        pack_hash="sha256:0",
        library_version="0",
        findings=(finding,),
        stages=(),
        score=100,
        passed=True,
    )
    assert Report.model_validate_json(report.model_dump_json()) == report
    assert report.findings_of(kind="hit") == [finding]
    assert report.findings_of(stage="closing") == []


# -- findings made without validation ------------------------------------------------------------------
def _finding_fields(**changes):
    fields = {name: Finding.model_fields[name].get_default() for name in Finding.model_fields}
    fields.update(rule_id="r", stage="s", kind="hit", severity="info", **changes)
    return fields


def test_a_trusted_constructor_builds_what_validation_builds():
    construct = trusted_constructor(Finding, _finding_fields(text="您好", start=0, end=2))
    # The installed pydantic keeps nothing on an instance that the constructor does not set; after an
    # upgrade that does, the checker validates again (correct, slower) and this line says so.
    assert construct is not Finding.__pydantic_validator__.validate_python
    values = _finding_fields(text="再见", start=3, end=5, tokens=(Token(text="再见", start=3, end=5),), time=1.5)
    built, validated = construct(dict(values)), Finding.model_validate(dict(values))
    assert built == validated and hash(built) == hash(validated)
    assert list(built.__dict__.items()) == list(validated.__dict__.items())
    assert built.model_dump_json() == validated.model_dump_json()
    assert built.model_fields_set == validated.model_fields_set
    with pytest.raises(ValidationError):  # still frozen
        built.text = "x"


def test_a_trusted_constructor_validates_when_its_sample_shows_a_difference():
    out_of_order = dict(reversed(list(_finding_fields().items())))
    assert trusted_constructor(Finding, out_of_order) == Finding.__pydantic_validator__.validate_python
    missing_a_field = _finding_fields()
    del missing_a_field["origin"]
    assert trusted_constructor(Finding, missing_a_field) == Finding.__pydantic_validator__.validate_python


def test_the_checkers_findings_and_stage_results_are_what_validation_makes_of_them():
    from servicecheck import Checker

    checker = Checker("bank-cn")
    report = checker.check(
        {
            "id": "t",
            "utterances": [
                {"speaker": "agent", "text": "您好，歡迎致電星海银行，工号幺三五二", "start": 0.0, "end": 3.0},
                {"speaker": "customer", "text": "我的卡被锁了，你们怎么回事", "start": 3.5, "end": 6.0},
                {"speaker": "agent", "text": "我非常理解您的心情，感谢您的来电，再见", "start": 6.5, "end": 9.0},
            ],
        }
    )
    assert report.findings and report.stages
    for item in (*report.findings, *report.stages):
        again = type(item).model_validate(item.model_dump())
        assert item == again and list(item.__dict__.items()) == list(again.__dict__.items())
        assert all(type(value) is type(again.__dict__[name]) for name, value in item.__dict__.items())
