"""What a pack's author is told when a pack is wrong: unknown keys and check types with the closest
valid spelling, scorecard items naming stages, rules or checks that do not exist, misspelt overrides
in a pack that extends another, and every problem at its place (file, YAML path, line) in the file
the author wrote, never in the merged pack or the parent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from servicecheck import Checker, PackError, load_pack
from servicecheck.pack.schema import Pack

REPO = Path(__file__).resolve().parents[1]

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
    assert (
        problems["checks[0].max_second (line 18)"]
        == "unknown key 'max_second' for a silence check; did you mean 'max_seconds'?"
    )
    assert problems["checks[0].max_seconds (line 16)"] == "Field required"
    assert not [where for where in problems if ".silence" in where]  # the type is no key of the file
    assert f"{path}: checks[0].max_second (line 18): unknown key 'max_second'" in str(raised.value)


# One valid check of every type, and a typo of one of its own keys.
EVERY_CHECK = [
    ({"type": "position", "stage": "greeting", "window": {"first": 2}}, "window", "windw"),
    ({"type": "sequence", "before": "greeting", "after": "any"}, "before", "befor"),
    (
        {
            "type": "conditional",
            "trigger": {"phrases": ["投诉"]},
            "then": [{"stage": "closing"}],
            "within_utterances": 2,
        },
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
    path = _write(
        tmp_path, "type.yaml", "id: p\n" + STAGES + "checks:\n  - id: quiet\n    type: silense\n    max_seconds: 5\n"
    )
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
                "a check needs a type: one of position, sequence, conditional, pattern, personal_data, answer_delay, silence, "
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
        (
            "scorecard.items[0].match.stages[0] (line 28)",
            "item 'opening': 'greetng' is not a stage of this pack; did you mean 'greeting'?",
        ),
        (
            "scorecard.items[1].match.rules[1] (line 32)",
            "item 'waiting': 'interuption' is not a rule or check id of this pack; did you mean 'interruption'?",
        ),
    ]
    assert str(raised.value).startswith(f"{path}: scorecard.items[0].match.stages[0] (line 28): ")


def test_scorecard_items_may_name_everything_a_finding_can_carry():
    checks = yaml.safe_load(CHECKS)["checks"] + [
        {"id": "numbers", "type": "pattern", "regex": ["[0-9]{16}"]},  # reports under stage "privacy"
        {
            "id": "followup",
            "type": "conditional",
            "trigger": {"phrases": ["投诉"]},
            "then": [{"phrases": ["抱歉"]}],
            "within_utterances": 2,
        },
        {"id": "old", "type": "agent_hangup", "enabled": False},  # switched off: still no typo
    ]
    items = [
        {
            "id": "a",
            "name": "a",
            "points": 10,
            "match": {"stages": ["greeting", "hold", "acknowledgement", "privacy", "followup"]},
        },
        {
            "id": "b",
            "name": "b",
            "points": 10,
            "match": {"rules": ["greeting.hello", "quiet", "required_stage", "closing.position", "old"]},
        },
    ]
    pack = load_pack(_pack(checks=checks, scorecard={"items": items}))
    assert [i.id for i in pack.scorecard.items] == ["a", "b"]


def test_a_stage_listed_under_rules_is_told_where_it_belongs():
    items = [{"id": "a", "name": "a", "points": 10, "match": {"rules": ["greeting"]}}]
    assert _problems(_pack(scorecard={"items": items})) == [
        (
            "scorecard.items[0].match.rules[0]",
            "item 'a': 'greeting' is not a rule or check id of this pack but one of its stages: list it under stages",
        )
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
    text = (
        "id: p\n" + STAGES + "  - id: greeting\n    name: 又一个\n    rules: [{id: greeting.again, phrases: [你好]}]\n"
    )
    text += "checks:\n  - id: order\n    type: sequence\n    before: greting\n    after: any\n"
    path = _write(tmp_path, "dup.yaml", text)
    assert _problems(path) == [
        ("stages[2].id (line 14)", "duplicate stage id 'greeting'"),
        (
            "checks[0].before (line 20)",
            "check 'order': before 'greting' is not a stage of this pack; did you mean 'greeting'?",
        ),
    ]


# -- extends: misspelt overrides ------------------------------------------------------------------------------
def _child(tmp_path: Path, body: str, name: str = "child.yaml") -> Path:
    return _write(tmp_path, name, 'id: child\nversion: "1"\nextends: bank-cn\n' + body)


def test_a_misspelt_stage_override_names_the_inherited_stage(tmp_path):
    path = _child(tmp_path, "stages:\n  - id: greeting\n    severity: info\n  - id: self_intr\n    severity: minor\n")
    with pytest.raises(PackError) as raised:
        load_pack(path)
    assert raised.value.problems == [
        ("stages[1] (line 7)", "id 'self_intr' is not in bank-cn; did you mean 'self_intro'? (a new stage needs name)")
    ]
    assert f"{path}: stages[1] (line 7): id 'self_intr' is not in bank-cn; did you mean 'self_intro'?" in str(
        raised.value
    )
    assert "Field required" not in str(raised.value)


def test_a_misspelt_rule_override_names_the_inherited_rule(tmp_path):
    body = "stages:\n  - id: self_intro\n    rules:\n      - id: self_intro.staff_numbr\n        enabled: false\n"
    assert _problems(_child(tmp_path, body)) == [
        (
            "stages[0].rules[0] (line 7)",
            (
                "id 'self_intro.staff_numbr' is not in bank-cn; did you mean 'self_intro.staff_number'? "
                "(a new rule needs phrases, pinyin, regex, fuzzy or tokens)"
            ),
        )
    ]


def test_a_rule_override_under_the_wrong_stage_names_its_stage(tmp_path):
    body = "stages:\n  - id: closing\n    rules:\n      - id: greeting.hello\n        enabled: false\n"
    assert _problems(_child(tmp_path, body)) == [
        (
            "stages[0].rules[0] (line 7)",
            "rule 'greeting.hello' is in stage 'greeting' of bank-cn, not 'closing': move it there",
        )
    ]


def test_misspelt_check_and_item_overrides(tmp_path):
    body = (
        "checks:\n  - id: interuption\n    enabled: false\nscorecard:\n  items:\n    - id: openning\n      points: 20\n"
    )
    assert _problems(_child(tmp_path, body)) == [
        (
            "checks[0] (line 5)",
            "id 'interuption' is not in bank-cn; did you mean 'interruption'? (a new check needs type)",
        ),
        (
            "scorecard.items[0] (line 9)",
            "id 'openning' is not in bank-cn; did you mean 'opening'? (a new item needs name, match)",
        ),
    ]


def test_an_override_with_no_close_id_lists_the_inherited_ones():
    (problem,) = _problems({"id": "c", "extends": "bank-cn", "stages": [{"id": "zzz", "severity": "info"}]})
    assert problem[0] == "stages[0]"
    assert problem[1].startswith(
        "id 'zzz' is not in bank-cn (a new stage needs name; the stages there: greeting, self_intro,"
    )


def test_other_problems_of_the_file_are_still_reported(tmp_path):
    body = "negator: [绝不]\nstages:\n  - id: self_intr\n    severity: minor\n"
    assert [where for where, _ in _problems(_child(tmp_path, body))] == ["negator (line 4)", "stages[0] (line 6)"]


def test_complete_new_entries_stay_legal_whatever_their_id(tmp_path):
    body = """\
stages:
  - id: self_intro2
    name: 二次自报家门
    rules:
      - id: self_intro2.again
        phrases: [我再介绍一下]
  - id: self_intro
    rules:
      - id: self_intro.staff_numbr
        phrases: [员工编号]
checks:
  - id: interuption
    type: interruption
    min_overlap_seconds: 2
"""
    pack = load_pack(_child(tmp_path, body))
    assert pack.stages[-1].id == "self_intro2"
    assert "self_intro.staff_numbr" in [r.id for r in pack.stage("self_intro").rules]
    assert pack.checks[-1].id == "interuption"


# -- extends: every problem in the author's own file -------------------------------------------------------
def test_problems_of_a_child_point_at_the_child_file_in_line_order(tmp_path):
    body = """\
stages:
  - id: farewell
    name: 道别
    rules:
      - id: farewell.bye
        regex: ['再见', '\\b拜拜']
  - id: greeting
    rules:
      - id: greeting.hello
        regex: ['(oops']
  - id: closing
    rules:
      - id: greeting.welcome
        phrases: [欢迎再来]
"""
    path = _child(tmp_path, body)
    with pytest.raises(PackError) as raised:
        load_pack(path)
    assert raised.value.source == str(path)
    assert [where for where, _ in raised.value.problems] == [
        "stages[0].rules[0].regex[1] (line 9)",
        "stages[1].rules[0].regex[0] (line 13)",
        "stages[2].rules[0].id (line 16)",
    ]
    assert "used in stages 'greeting' and 'closing'" in raised.value.problems[2][1]


def test_scorecard_references_of_a_child_point_at_the_child_file(tmp_path):
    body = "scorecard:\n  items:\n    - id: listening\n      match: {rules: [complaint_empathy, interuption]}\n"
    assert _problems(_child(tmp_path, body)) == [
        (
            "scorecard.items[0].match.rules[1] (line 7)",
            "item 'listening': 'interuption' is not a rule or check id of this pack; did you mean 'interruption'?",
        )
    ]


# -- version and id are the pack's own ---------------------------------------------------------------------
def test_a_child_without_version_does_not_report_its_parents(tmp_path):
    path = _write(tmp_path, "child.yaml", "id: child\nextends: bank-cn\n")
    child, bank = load_pack(path), load_pack("bank-cn")
    assert bank.version not in ("", "0")  # the parent has a version of its own
    assert (child.id, child.version) == ("child", "0")
    report = Checker(child).check({"id": "c", "utterances": [{"speaker": "agent", "text": "您好"}]})
    assert (report.pack_id, report.pack_version) == ("child", "0")
    grandchild = _write(tmp_path, "grandchild.yaml", "id: grandchild\nextends: child.yaml\n")
    assert load_pack(grandchild).version == "0"
    versioned = _write(tmp_path, "versioned.yaml", "id: v\nversion: '2.1'\nextends: bank-cn\n")
    assert load_pack(versioned).version == "2.1"
    assert load_pack(_write(tmp_path, "below.yaml", "id: below\nextends: versioned.yaml\n")).version == "0"


def test_a_child_without_id_is_an_error_not_its_parent():
    assert _problems({"extends": "bank-cn", "version": "1"}) == [("id", "Field required")]


def test_the_builtin_pack_and_the_guides_examples_load(tmp_path):
    assert load_pack("bank-cn").id == "bank-cn"
    text = (REPO / "docs" / "packs.md").read_text(encoding="utf-8")
    section = text.split("## Extending a pack", 1)[1]
    example = yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])
    pack = load_pack(_write(tmp_path, "my-bank.yaml", yaml.safe_dump(example, allow_unicode=True)))
    assert pack.version == example["version"] and pack.stage("self_intro").severity == "minor"


def test_a_child_whose_stages_or_checks_are_no_list_is_an_error_not_ignored():
    problems = _problems({"id": "c", "extends": "bank-cn", "stages": "greeting", "checks": {"id": "x"}})
    assert [where for where, _ in problems] == ["stages", "checks"]


# -- lint: findings in the author's file ----------------------------------------------------------------------
PARENT = """\
id: parent
version: "3"
stages:
  - id: greeting
    name: 问候
    rules:
      - id: greeting.hello
        phrases: [您好]
      - id: greeting.morning
        phrases: [早上好]
  - id: ack
    name: 回应
    rules:
      - id: ack.hmm
        phrases: [嗯, 好的]
  - id: closing
    name: 结束语
    rules:
      - id: closing.bye
        phrases: [再见]
"""


def _lint(path: Path) -> list:
    from servicecheck.pack.lint import lint_pack

    return lint_pack(str(path))


def test_lint_of_a_child_uses_the_childs_indexes_lines_and_path(tmp_path):
    _write(tmp_path, "parent.yaml", PARENT)
    child = _write(
        tmp_path,
        "child.yaml",
        """\
id: child
version: "1"
extends: parent.yaml
stages:
  - id: closing
    rules:
      - id: closing.bye
        unless: [再见]
  - id: farewell
    name: 道别
    rules:
      - id: farewell.bye
        phrases: [回见, 回見]
  - id: greeting
    rules:
      - id: greeting.hello
        enabled: false
      - id: greeting.morning
        enabled: false
""",
    )
    problems = _lint(child)
    assert {p.source for p in problems} == {str(child)}
    assert [(p.level, p.where, p.line) for p in problems] == [
        ("error", "stages[2] (greeting)", 14),  # the child's third stage, not the merged pack's first
        ("error", "stages[0].rules[0] (closing.bye).phrases[0]", 7),  # an inherited phrase the child's unless cancels
        ("warning", "stages[1].rules[0] (farewell.bye).phrases[1]", 13),
    ]
    assert "contains unless phrase '再见'" in problems[1].message


def test_lint_finding_in_an_entry_the_child_inherits_is_at_its_extends_line(tmp_path):
    _write(tmp_path, "parent.yaml", PARENT)
    child = _write(
        tmp_path, "child.yaml", 'id: child\nversion: "1"\nextends: parent.yaml\nnormalize: {fillers: [嗯]}\n'
    )
    (problem,) = _lint(child)
    assert (problem.level, problem.where, problem.line, problem.source) == ("error", "extends", 3, str(child))
    assert problem.message == (
        "inherited from parent.yaml stages[1].rules[0] (ack.hmm).phrases[0]: "
        "phrase '嗯' is empty after normalisation: it never matches"
    )
    assert problem.render() == f"{child}: error: extends (line 3): {problem.message}"


def test_lint_duplicate_of_an_inherited_phrase_is_reported_at_the_authors_phrase(tmp_path):
    _write(tmp_path, "parent.yaml", PARENT)
    child = _write(
        tmp_path,
        "child.yaml",
        'id: child\nversion: "1"\nextends: parent.yaml\nstages:\n  - id: greeting\n    rules:\n'
        "      - id: greeting.hello\n        phrases:\n          - 您好\n          - 早上好\n",
    )
    (problem,) = _lint(child)
    assert (problem.level, problem.where, problem.line) == (
        "warning",
        "stages[0].rules[0] (greeting.hello).phrases[1]",
        10,
    )
    assert (
        problem.message
        == "phrase '早上好' is duplicated by inherited greeting.morning:'早上好' (same after normalisation)"
    )


def test_lint_warns_about_a_missing_version_and_ids_close_to_inherited_ones(tmp_path):
    _write(tmp_path, "parent.yaml", PARENT)
    child = _write(
        tmp_path,
        "child.yaml",
        "id: child\nextends: parent.yaml\nstages:\n  - id: closing\n    rules:\n      - id: closing.bye2\n        phrases: [再会]\n",
    )
    problems = _lint(child)
    assert [(p.level, p.where, p.line) for p in problems] == [
        ("warning", "version", None),
        ("warning", "stages[0].rules[0]", 6),
    ]
    assert problems[0].message.startswith(
        "no version: reports name this pack version '0'; it is not inherited from parent.yaml"
    )
    assert problems[1].message == (
        "new rule 'closing.bye2' overrides nothing in parent.yaml; did you mean 'closing.bye'? (an override needs the same id)"
    )
    alone = _write(tmp_path, "alone.yaml", PARENT.replace('version: "3"\n', ""))
    assert [(p.level, p.where) for p in _lint(alone)] == [("warning", "version")]
    assert _lint(_write(tmp_path, "versioned.yaml", PARENT)) == []


def test_lint_reports_load_errors_of_a_child_with_the_childs_line(tmp_path, capsys):
    from servicecheck.cli import main

    child = _child(tmp_path, "stages:\n  - id: greeting\n    severity: info\n  - id: self_intr\n    severity: minor\n")
    (problem,) = _lint(child)
    assert (problem.level, problem.where, problem.line) == ("error", "stages[1]", 7)
    assert main(["lint", str(child)]) == 1
    out = capsys.readouterr().out
    assert (
        out
        == f"{child}: error: stages[1] (line 7): id 'self_intr' is not in bank-cn; did you mean 'self_intro'? (a new stage needs name)\n"
    )
