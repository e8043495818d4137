"""The scorecard: deductions, caps, veto, the pass mark, the breakdown, the fallback by severity,
overriding bank-cn's items and checks through ``extends``, and the score in the command's output."""

from __future__ import annotations

import json

import pytest
from conftest import call

from servicecheck import Checker, Finding, load_pack
from servicecheck.cli import main
from servicecheck.score import score_report

STAGES = [
    {"id": "greeting", "name": "问候", "required": True, "rules": [{"id": "greeting.hello", "phrases": ["您好"]}]},
    {"id": "closing", "name": "结束语", "rules": [{"id": "closing.bye", "phrases": ["再见"]}]},
    {
        "id": "forbidden",
        "name": "禁语",
        "violation": True,
        "severity": "critical",
        "rules": [{"id": "forbidden.not_mine", "phrases": ["不归我管"], "boundary": "char"}],
    },
]


# Checks for the ids the items below match: a scorecard may only name stages, rules and checks the
# pack has. The findings of these tests are made by hand, so what the checks look for does not matter.
CHECKS = [{"id": i, "type": "pattern", "regex": ["卡号[0-9]{16}"]} for i in ("r", "s", "a", "b", "c")] + [
    {"id": "agent_hangup", "type": "agent_hangup"},
    {"id": "silence", "type": "silence", "max_seconds": 10},  # reports under stage "hold"
]


def card(*items: dict, **settings) -> object:
    """A pack whose scorecard has ``items`` (and total / pass_mark / veto_score from ``settings``)."""
    scorecard = {"items": list(items), **settings}
    return load_pack({"id": "card", "version": "1", "stages": STAGES, "checks": CHECKS, "scorecard": scorecard})


def item(item_id: str, points: float, match: dict, **more) -> dict:
    return {"id": item_id, "name": item_id, "points": points, "match": match, **more}


def F(rule_id: str, stage: str = "process", kind: str = "violation", severity: str = "minor") -> Finding:
    return Finding(rule_id=rule_id, stage=stage, kind=kind, severity=severity)


def score(pack, findings):
    total, passed, breakdown = score_report(pack, findings)
    return total, passed, {i.item: i for i in breakdown}


# -- deductions -----------------------------------------------------------------------------------------
def test_once_deducts_one_deduction_however_many_findings():
    pack = card(item("a", 10, {"rules": ["r"]}, deduct=4), item("b", 10, {"rules": ["r"]}))  # b: all its points
    total, passed, items = score(pack, [F("r"), F("other"), F("r"), F("r")])
    assert (items["a"].deducted, items["a"].findings) == (4, (0, 2, 3))
    assert (items["b"].deducted, items["b"].findings) == (10, (0, 2, 3))
    assert (total, passed) == (86, True)


@pytest.mark.parametrize(
    "occurrences, cap, deducted",
    [
        (0, None, 0),
        (1, None, 4),
        (2, None, 8),
        (3, None, 10),  # 12, capped at the item's points
        (3, 12, 12),  # exactly at a cap above the points
        (4, 12, 12),
        (2, 5, 5),
    ],
)
def test_per_occurrence_and_cap(occurrences, cap, deducted):
    extra = {} if cap is None else {"cap": cap}
    pack = card(item("a", 10, {"rules": ["r"]}, deduct=4, per="occurrence", **extra))
    total, _, items = score(pack, [F("r")] * occurrences)
    assert items["a"].deducted == deducted and items["a"].findings == tuple(range(occurrences))
    assert total == 100 - deducted


def test_score_never_below_zero():
    pack = card(item("a", 60, {"rules": ["r"]}), item("b", 60, {"rules": ["s"]}))
    assert score(pack, [F("r"), F("s")])[:2] == (0, False)


# -- veto ---------------------------------------------------------------------------------------------------
FORBIDDEN = item("forbidden", 0, {"stages": ["forbidden"], "kinds": ["violation"]}, veto=True)
MINOR = item("minor", 10, {"rules": ["r"]}, deduct=2, per="occurrence")


def test_veto_sets_the_score_to_veto_score_and_fails():
    findings = [F("r"), F("forbidden.not_mine", "forbidden", severity="critical")]
    total, passed, items = score(card(MINOR, FORBIDDEN), findings)
    assert (total, passed) == (0, False)  # veto_score defaults to 0
    assert items["forbidden"].vetoed and items["forbidden"].veto and items["forbidden"].findings == (1,)
    assert items["forbidden"].deducted == 0 and items["minor"].deducted == 2
    assert score(card(MINOR, FORBIDDEN, veto_score=40), findings)[:2] == (40, False)
    assert score(card(MINOR, FORBIDDEN, veto_score=None), findings)[:2] == (98, False)  # null: keep the score


def test_veto_item_without_a_match_does_nothing():
    total, passed, items = score(card(MINOR, FORBIDDEN), [F("r")])
    assert (total, passed) == (98, True)
    assert items["forbidden"].veto and not items["forbidden"].vetoed and items["forbidden"].findings == ()


# -- pass mark ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("deduct, passed", [(19.5, True), (20, True), (20.5, False)])
def test_pass_mark_boundary(deduct, passed):
    pack = card(item("a", 30, {"rules": ["r"]}, deduct=deduct), pass_mark=80)
    assert score(pack, [F("r")])[:2] == (100 - deduct, passed)


def test_exactly_at_the_pass_mark_passes_despite_float_sums():
    # 2.7 + 29.6 + 7.7 deducted from 100 is 59.99999999999999 in binary floats; the score is 60.
    pack = card(
        item("a", 2.7, {"rules": ["a"]}),
        item("b", 29.6, {"rules": ["b"]}),
        item("c", 7.7, {"rules": ["c"]}),
        pass_mark=60,
    )
    assert score(pack, [F("a"), F("b"), F("c")])[:2] == (60, True)


def test_total_is_configurable():
    pack = card(item("a", 3, {"rules": ["r"]}), total=10, pass_mark=7)
    assert score(pack, [F("r")])[:2] == (7, True)


# -- what an item matches --------------------------------------------------------------------------------------
FINDINGS = [
    F("greeting.hello", "greeting", kind="hit"),  # 0: hits are never deducted
    F("required_stage", "greeting", kind="missing", severity="major"),  # 1
    F("closing.position", "closing", severity="minor"),  # 2
    F("agent_hangup", "closing", severity="major"),  # 3
    F("forbidden.not_mine", "forbidden", severity="critical"),  # 4
    F("silence", "hold", severity="minor"),  # 5
]


@pytest.mark.parametrize(
    "match, expected",
    [
        ({"stages": ["greeting"]}, (1,)),
        ({"stages": ["closing", "hold"]}, (2, 3, 5)),
        ({"rules": ["agent_hangup", "silence"]}, (3, 5)),
        ({"rules": ["greeting.hello"]}, ()),  # a hit, not a violation
        ({"rules": ["greeting.hello"], "kinds": ["violation", "missing"]}, ()),
        ({"severities": ["major", "critical"]}, (1, 3, 4)),
        ({"stages": ["greeting", "closing"], "kinds": ["missing"]}, (1,)),
        ({"stages": ["greeting", "closing"], "kinds": ["violation"]}, (2, 3)),
        ({"stages": ["closing"], "severities": ["major"]}, (3,)),  # every given criterion must hold
        ({"stages": ["closing"], "rules": ["silence"]}, ()),
    ],
)
def test_items_match_by_stages_rules_kinds_and_severities(match, expected):
    _, _, items = score(card(item("x", 10, match, deduct=1, per="occurrence")), FINDINGS)
    assert items["x"].findings == expected and items["x"].deducted == len(expected)


def test_disabled_items_are_left_out_and_order_is_kept():
    pack = card(
        item("b", 5, {"rules": ["r"]}), item("a", 5, {"rules": ["r"]}, enabled=False), item("c", 5, {"rules": ["s"]})
    )
    _, _, breakdown = score_report(pack, [F("r")])
    assert [i.item for i in breakdown] == ["b", "c"]


def test_match_needs_a_criterion():
    from servicecheck import PackError

    with pytest.raises(PackError):
        card(item("x", 10, {"kinds": ["missing"]}))


# -- the breakdown in a report -----------------------------------------------------------------------------
def test_breakdown_indexes_point_into_the_report_findings():
    checks = [
        {"id": "hangup", "type": "agent_hangup", "closing_stage": "closing", "severity": "major"},
        {"id": "quiet", "type": "silence", "max_seconds": 10},
    ]
    items = [
        item("process", 20, {"stages": ["greeting", "closing"]}, deduct=5, per="occurrence"),
        item("waiting", 10, {"rules": ["quiet"]}, deduct=3, per="occurrence"),
        item("words", 0, {"stages": ["forbidden"]}, veto=True),
    ]
    pack = load_pack({"id": "card", "stages": STAGES, "checks": checks, "scorecard": {"items": items, "pass_mark": 80}})
    report = Checker(pack).check(
        call(
            ("agent", "请讲。", 0.0, 1.0),
            ("customer", "我的卡丢了。", 1.5, 3.0),
            ("agent", "请稍等。", 14.0, 15.0),  # 11 s of silence
            ("customer", "喂？", 30.0, 31.0),  # 15 s more
            ("agent", "好，就这样。", 31.5, 33.0),  # no greeting anywhere, no closing: the agent hangs up
        )
    )
    by_item = {i.item: i for i in report.breakdown}
    assert [report.findings[n].rule_id for n in by_item["process"].findings] == ["required_stage", "hangup"]
    assert [(report.findings[n].rule_id, report.findings[n].utterance_index) for n in by_item["waiting"].findings] == [
        ("quiet", 2),
        ("quiet", 3),
    ]
    assert (by_item["process"].deducted, by_item["waiting"].deducted, by_item["words"].findings) == (10, 6, ())
    assert (report.score, report.passed) == (84, True)


# -- no scorecard: by severity -------------------------------------------------------------------------------
def test_fallback_scoring_by_severity():
    pack = load_pack({"id": "plain", "stages": STAGES, "pass_mark": 93})
    findings = [
        F("greeting.hello", "greeting", kind="hit"),
        F("a", "hold", severity="minor"),  # 2
        F("b", "hold", severity="major"),  # 5
        F("c", "closing", kind="missing", severity="info"),  # 0
    ]
    total, passed, items = score(pack, findings)
    assert (total, passed) == (93, True)  # exactly at the pack's pass_mark
    assert {k: (i.deducted, i.findings, i.vetoed) for k, i in items.items()} == {
        "hold:violation": (7, (1, 2), False),
        "closing:missing": (0, (3,), False),
    }
    assert score(pack, findings + [F("d", "hold")])[:2] == (91, False)
    total, passed, items = score(pack, findings + [F("forbidden.not_mine", "forbidden", severity="critical")])
    assert (total, passed) == (73, False) and items["forbidden:violation"].vetoed  # critical fails the call


# -- extends: bank-cn with one item and one check changed -----------------------------------------------------
CHILD = """\
id: bank-child
version: "1.0"
name: 子行规范
extends: bank-cn
checks:
  - id: interruption
    enabled: false
scorecard:
  items:
    - id: transfer
      points: 30
"""

TALK_OVER_AND_TRANSFER = call(
    ("agent", "您好，欢迎致电星河银行，我是客服小周，工号1024，请问有什么可以帮您？", 0.0, 6.0),
    ("customer", "我上周申请的账单分期到现在还没生效，你们帮我看看怎么回事。", 6.5, 16.0),
    ("agent", "这个我这边为您登记工单，提交给相关部门处理。", 13.0, 17.0),  # starts 3 s before the customer ends
    ("customer", "行吧。", 17.5, 18.0),
    ("agent", "请问还有其他可以帮您的吗？", 18.5, 21.0),
    ("customer", "没有了。", 21.5, 22.0),
    ("agent", "感谢您的来电，祝您生活愉快，再见。", 22.5, 25.0),
)


def test_extends_bank_cn_overrides_one_item_and_one_check(tmp_path, checker):
    path = tmp_path / "bank-child.yaml"
    path.write_text(CHILD, encoding="utf-8")
    child, base = load_pack(path), checker.pack
    assert (child.id, child.version, child.name) == ("bank-child", "1.0", "子行规范")

    base_checks = {c.id: c for c in base.checks}
    child_checks = {c.id: c for c in child.checks}
    assert list(child_checks) == list(base_checks)
    assert not child_checks["interruption"].enabled
    assert child_checks["interruption"].model_copy(update={"enabled": True}) == base_checks["interruption"]
    assert all(child_checks[k] == v for k, v in base_checks.items() if k != "interruption")

    base_items = {i.id: i for i in base.scorecard.items}
    child_items = {i.id: i for i in child.scorecard.items}
    assert list(child_items) == list(base_items)
    assert child_items["transfer"].points == 30
    assert child_items["transfer"] == base_items["transfer"].model_copy(update={"points": 30.0})
    assert all(child_items[k] == v for k, v in base_items.items() if k != "transfer")
    assert child.scorecard.model_copy(update={"items": []}) == base.scorecard.model_copy(update={"items": []})
    assert child.stages == base.stages and child.negators == base.negators

    base_report, child_report = checker.check(TALK_OVER_AND_TRANSFER), Checker(child).check(TALK_OVER_AND_TRANSFER)
    assert [f.rule_id for f in base_report.findings if f.rule_id == "interruption"] == ["interruption"]
    assert not [f for f in child_report.findings if f.rule_id == "interruption"]
    transfer = {r: {i.item: i for i in r.breakdown}["transfer"] for r in (base_report, child_report)}
    # Two transfer_followup findings (no time limit, no callback), 5 points each.
    assert transfer[base_report].points == 15 and transfer[child_report].points == 30
    assert transfer[base_report].deducted == transfer[child_report].deducted == 10
    listening = {i.item: i for i in base_report.breakdown}["listening"]
    assert listening.deducted == 5  # the interruption, gone in the child
    assert (base_report.score, child_report.score) == (85, 90)


# -- the command -------------------------------------------------------------------------------------------------
RUDE_CALL = call(
    ("agent", "您好，欢迎致电星河银行，我是客服小周，工号1024，请问有什么可以帮您？"),
    ("customer", "我的信用卡额度为什么降了？"),
    ("agent", "这个不归我管，你自己去网点问。"),
    ("customer", "你这是什么态度！"),
    id="rude-1",
)


def test_cli_table_shows_the_score_breakdown(tmp_path, capsys):
    path = tmp_path / "rude.json"
    path.write_text(json.dumps(RUDE_CALL, ensure_ascii=False), encoding="utf-8")
    main(["check", str(path), "--format", "table"])
    out = capsys.readouterr().out
    assert "== rude-1  score 0  不通过 FAIL" in out
    assert "score item" in out and "deducted" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.split()}
    for item_id in ("opening", "listening", "transfer", "closing", "efficiency", "compliance", "forbidden"):
        assert item_id in lines
    assert "VETO" in lines["forbidden"]


def test_cli_json_contains_the_breakdown(tmp_path, capsys):
    path = tmp_path / "rude.json"
    path.write_text(json.dumps(RUDE_CALL, ensure_ascii=False), encoding="utf-8")
    main(["check", str(path), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert (report["score"], report["passed"]) == (0, False)
    items = {i["item"]: i for i in report["breakdown"]}
    assert items["forbidden"]["vetoed"] is True
    assert {report["findings"][n]["stage"] for n in items["forbidden"]["findings"]} == {"forbidden"}
    missing = {report["findings"][n]["stage"] for n in items["required_stages"]["findings"]}
    assert "closing" in missing and all(
        report["findings"][n]["kind"] == "missing" for n in items["required_stages"]["findings"]
    )


def test_cached_lines_of_unmatched_items_change_nothing():
    pack = card(item("a", 10, {"rules": ["r"]}, deduct=4), item("b", 10, {"rules": ["s"]}, veto=True))
    unmatched: dict = {}
    for findings in ([F("r")], [F("s")], [], [F("r"), F("s")], [F("other")]):
        assert score_report(pack, findings, unmatched) == score_report(pack, findings)
    assert set(unmatched) == {"a", "b"}  # both were unmatched once, and their lines were kept
    other = card(item("a", 5, {"rules": ["r"]}))  # same item id, another pack: its own line
    assert score_report(other, [], unmatched) == score_report(other, [])
