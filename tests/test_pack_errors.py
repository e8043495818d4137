"""What a pack's author is told when a pack is wrong: unknown keys and check types with the closest
valid spelling, scorecard items naming stages, rules or checks that do not exist, and every problem at
its place (file, YAML path, line) in the file the author wrote.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from servicecheck import PackError, load_pack
from servicecheck.pack.schema import Pack

STAGES = """\
stages:
  - id: greeting
    name: 问候
    rules:
      - id: greeting.hello
        phrases: [您好]
  - id: closing
    name: 结束语
    position: {last: 2}
    rules:
      - id: closing.bye
        phrases: [再见]
"""


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(source) -> list[tuple[str, str]]:
    with pytest.raises(PackError) as raised:
        load_pack(source)
    return raised.value.problems


def _pack(**more) -> dict:
    data = {"id": "p", "version": "1", **yaml.safe_load(STAGES)}
    data.update(more)
    return data


# -- checks: unknown keys and types -------------------------------------------------------------------------
def test_a_misspelt_key_of_a_silence_check_is_named_with_its_fix(tmp_path):
    path = _write(
        tmp_path,
        "silence.yaml",
        "id: p\nversion: '1'\n" + STAGES + "checks:\n  - id: quiet\n    type: silence\n    max_second: 5\n",
    )
    with pytest.raises(PackError) as raised:
        load_pack(path)
    problems = dict(raised.value.problems)
    assert problems["checks[0].max_second (line 18)"] == "unknown key 'max_second' for a silence check; did you mean 'max_seconds'?"
    assert problems["checks[0].max_seconds (line 16)"] == "Field required"
    assert not [where for where in problems if ".silence" in where]  # the type is no key of the file
    assert f"{path}: checks[0].max_second (line 18): unknown key 'max_second'" in str(raised.value)


# One valid check of every type, and a typo of one of its own keys.
EVERY_CHECK = [
    ({"type": "position", "stage": "greeting", "window": {"first": 2}}, "window", "windw"),
    ({"type": "sequence", "before": "greeting", "after": "any"}, "before", "befor"),
    (
        {"type": "conditional", "trigger": {"phrases": ["投诉"]}, "then": [{"stage": "closing"}], "within_utterances": 2},
        "within_utterances",
        "within_utterance",
    ),
    ({"type": "pattern", "regex": ["[0-9]{16}"]}, "speaker", "speeker"),
    ({"type": "answer_delay", "max_seconds": 5}, "max_seconds", "max_secs"),
    ({"type": "silence", "max_seconds": 10}, "hold_phrases", "hold_phrase"),
    ({"type": "interruption", "min_overlap_seconds": 1}, "backchannels", "backchanels"),
    ({"type": "speech_rate", "min_cpm": 150}, "max_cpm", "max_cmp"),
    ({"type": "agent_hangup"}, "closing_stage", "closing_stag"),
]


@pytest.mark.parametrize("check, key, typo", EVERY_CHECK, ids=[c[0]["type"] for c in EVERY_CHECK])
def test_every_check_type_names_an_unknown_key_where_it_is(check, key, typo):
    assert load_pack(_pack(checks=[{"id": "k", **check}]))  # the check itself is valid
    wrong = {"id": "k", **check, typo: 1}
    problems = _problems(_pack(checks=[wrong]))
    assert (f"checks[0].{typo}", f"unknown key {typo!r} for a {check['type']} check; did you mean {key!r}?") in problems
    assert all(where.startswith(("checks[0].", "checks[0]")) and check["type"] not in where for where, _ in problems)


def test_an_unknown_check_type_names_the_type_key_and_the_closest_type(tmp_path):
    path = _write(tmp_path, "type.yaml", "id: p\n" + STAGES + "checks:\n  - id: quiet\n    type: silense\n    max_seconds: 5\n")
    (problem,) = _problems(path)
    assert problem[0] == "checks[0].type (line 16)"
    assert problem[1].startswith("unknown check type 'silense'; did you mean 'silence'? (types: position, sequence,")
    (problem,) = _problems(_pack(checks=[{"id": "k", "type": "teleport"}]))
    assert "did you mean" not in problem[1] and "agent_hangup" in problem[1]


def test_a_check_without_a_type_lists_the_types():
    assert _problems(_pack(checks=[{"id": "k", "max_seconds": 5}])) == [
        (
            "checks[0]",
            (
                "a check needs a type: one of position, sequence, conditional, pattern, answer_delay, silence, "
                "interruption, speech_rate, agent_hangup"
            ),
        )
    ]


def test_a_whole_check_problem_is_at_the_check_not_at_its_type():
    conditional = {"id": "k", "type": "conditional", "trigger": {"phrases": ["投诉"]}, "then": [{"stage": "closing"}]}
    assert _problems(_pack(checks=[conditional])) == [
        ("checks[0]", "a conditional check needs within_utterances or within_seconds")
    ]


def test_union_member_names_never_appear_in_paths():
    problems = _problems(_pack(dictionary=["工号", {"word": "星海", "freq": 0}]))
    assert problems == [("dictionary[1].freq", "Input should be greater than or equal to 1")]
    stages = yaml.safe_load(STAGES)["stages"]
    stages[0]["rules"][0]["tokens"] = [["您", {"gap": "many"}]]
    problems = _problems(_pack(stages=stages))
    assert [where for where, _ in problems] == ["stages[0].rules[0].tokens[0][1].gap"]


# -- scorecard references ---------------------------------------------------------------------------------
CARD = """\
scorecard:
  total: 100
  items:
    - id: opening
      name: 开场
      points: 20
      match: {stages: [greetng]}
    - id: waiting
      name: 等待
      points: 10
      match: {rules: [quiet, interuption]}
"""

CHECKS = """\
checks:
  - id: quiet
    type: silence
    max_seconds: 10
  - id: interruption
    type: interruption
    min_overlap_seconds: 1
"""


def test_scorecard_items_naming_unknown_stages_or_checks_fail_at_load_with_the_line(tmp_path):
    path = _write(tmp_path, "card.yaml", "id: p\nversion: '1'\n" + STAGES + CHECKS + CARD)
    with pytest.raises(PackError) as raised:
        load_pack(path)
    assert raised.value.problems == [
        ("scorecard.items[0].match.stages[0] (line 28)", "item 'opening': 'greetng' is not a stage of this pack; did you mean 'greeting'?"),
        (
            "scorecard.items[1].match.rules[1] (line 32)",
            "item 'waiting': 'interuption' is not a rule or check id of this pack; did you mean 'interruption'?",
        ),
    ]
    assert str(raised.value).startswith(f"{path}: scorecard.items[0].match.stages[0] (line 28): ")


def test_scorecard_items_may_name_everything_a_finding_can_carry():
    checks = yaml.safe_load(CHECKS)["checks"] + [
        {"id": "numbers", "type": "pattern", "regex": ["[0-9]{16}"]},  # reports under stage "privacy"
        {"id": "followup", "type": "conditional", "trigger": {"phrases": ["投诉"]}, "then": [{"phrases": ["抱歉"]}], "within_utterances": 2},
        {"id": "old", "type": "agent_hangup", "enabled": False},  # switched off: still no typo
    ]
    items = [
        {"id": "a", "name": "a", "points": 10, "match": {"stages": ["greeting", "hold", "acknowledgement", "privacy", "followup"]}},
        {"id": "b", "name": "b", "points": 10, "match": {"rules": ["greeting.hello", "quiet", "required_stage", "closing.position", "old"]}},
    ]
    pack = load_pack(_pack(checks=checks, scorecard={"items": items}))
    assert [i.id for i in pack.scorecard.items] == ["a", "b"]


def test_a_stage_listed_under_rules_is_told_where_it_belongs():
    items = [{"id": "a", "name": "a", "points": 10, "match": {"rules": ["greeting"]}}]
    assert _problems(_pack(scorecard={"items": items})) == [
        ("scorecard.items[0].match.rules[0]", "item 'a': 'greeting' is not a rule or check id of this pack but one of its stages: list it under stages")
    ]


@pytest.mark.parametrize("field, value", [("points", 101), ("deduct", 150), ("cap", 120)])
def test_items_worth_more_than_the_total_fail_at_load(field, value):
    item = {"id": "a", "name": "a", "points": 10, "match": {"stages": ["greeting"]}, field: value}
    assert _problems(_pack(scorecard={"total": 100, "items": [item]})) == [
        (f"scorecard.items[0].{field}", f"item 'a': {field} {value} is more than the scorecard total 100")
    ]


def test_an_item_worth_exactly_the_total_loads():
    item = {"id": "a", "name": "a", "points": 100, "deduct": 100, "cap": 100, "match": {"stages": ["greeting"]}}
    assert load_pack(_pack(scorecard={"total": 100, "items": [item]})).scorecard.items[0].points == 100


def test_the_model_alone_rejects_unknown_references_too():
    items = [{"id": "a", "name": "a", "points": 10, "match": {"stages": ["greetng"]}}]
    with pytest.raises(ValidationError, match="'greetng' is not a stage of this pack; did you mean 'greeting'"):
        Pack.model_validate(_pack(scorecard={"items": items}))


def test_duplicate_ids_and_dangling_check_stages_name_their_line(tmp_path):
    text = "id: p\n" + STAGES + "  - id: greeting\n    name: 又一个\n    rules: [{id: greeting.again, phrases: [你好]}]\n"
    text += "checks:\n  - id: order\n    type: sequence\n    before: greting\n    after: any\n"
    path = _write(tmp_path, "dup.yaml", text)
    assert _problems(path) == [
        ("stages[2].id (line 14)", "duplicate stage id 'greeting'"),
        ("checks[0].before (line 20)", "check 'order': before 'greting' is not a stage of this pack; did you mean 'greeting'?"),
    ]
