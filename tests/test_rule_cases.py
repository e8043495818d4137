"""Golden cases of the built-in bank-cn pack: rules/cases/bank-cn/<stage>.yaml.

Each case is one agent (or customer) utterance written for these tests, the texts of that stage the
pack must find in it (``expect``; ``[]`` for a trap that must find nothing) and, for a hit, the rule
expected among the findings. Optional ``before`` / ``after`` turns place the utterance inside a call,
for rules that only count at the start or the end of one (windows):

    - rule: closing.thanks_last
      text: 好的，谢谢您，再见。
      before: ["…", {speaker: customer, text: "…"}]   # turns before the checked one
      expect: [谢谢您, 再见]
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from servicecheck import Checker, load_pack

CASES_DIR = Path(__file__).resolve().parents[1] / "rules" / "cases" / "bank-cn"
CASE_KEYS = {"rule", "text", "speaker", "expect", "note", "before", "after"}

PACK = load_pack("bank-cn")
CHECKER = Checker(PACK)  # built once: compiling the pack and loading jieba is the slow part
STAGES = {stage.id for stage in PACK.stages if stage.enabled}
RULES = {rule.id: stage.id for stage in PACK.stages if stage.enabled for rule in stage.rules if rule.enabled}


def _load_cases() -> list[tuple[str, str, dict]]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        stage = data["stage"]
        for number, case in enumerate(data["cases"], start=1):
            cases.append((f"{stage}-{number}", stage, case))
    return cases


CASES = _load_cases()


def _turn(turn, default_speaker: str = "agent") -> dict:
    if isinstance(turn, str):
        return {"speaker": default_speaker, "text": turn}
    return {"speaker": turn.get("speaker", default_speaker), "text": turn["text"]}


def _transcript(case: dict) -> tuple[dict, int]:
    before = [_turn(t) for t in case.get("before", [])]
    after = [_turn(t) for t in case.get("after", [])]
    checked = {"speaker": case.get("speaker", "agent"), "text": case["text"]}
    return {"id": "case", "utterances": before + [checked] + after}, len(before)


def test_case_files_are_well_formed():
    assert CASES, f"no golden cases under {CASES_DIR}"
    files = {p.stem for p in CASES_DIR.glob("*.yaml")}
    assert files == STAGES, "one case file per stage, named after the stage"
    for case_id, stage, case in CASES:
        assert set(case) <= CASE_KEYS, f"{case_id}: unknown keys {set(case) - CASE_KEYS}"
        assert isinstance(case.get("text"), str) and case["text"], case_id
        assert isinstance(case.get("expect"), list), f"{case_id}: expect must be a list"
        if "rule" in case:
            assert RULES.get(case["rule"]) == stage, f"{case_id}: {case['rule']} is no rule of stage {stage}"
            assert case["expect"], f"{case_id}: a case naming a rule expects a hit"


@pytest.mark.parametrize(("stage", "case"), [(s, c) for _, s, c in CASES], ids=[i for i, _, _ in CASES])
def test_rule_case(stage: str, case: dict):
    transcript, index = _transcript(case)
    report = CHECKER.check(transcript)
    found = [
        f
        for f in report.findings
        if f.stage == stage and f.utterance_index == index and f.rule_id in RULES and f.kind != "missing"
    ]
    assert {f.text for f in found} == set(case["expect"]), [(f.rule_id, f.text, f.explanation) for f in found]
    if "rule" in case:
        assert case["rule"] in {f.rule_id for f in found}, [(f.rule_id, f.text) for f in found]


def test_every_rule_has_a_positive_case():
    covered = {case["rule"] for _, _, case in CASES if "rule" in case and case["expect"]}
    missing = sorted(set(RULES) - covered)
    assert not missing, f"rules without a case where they fire: {missing}"


def test_every_stage_has_traps():
    for stage in STAGES:
        traps = [c for _, s, c in CASES if s == stage and c["expect"] == []]
        assert len(traps) >= 3, f"{stage}: needs cases where it must not fire"
