"""BatchSummary: what a batch adds up to (pass rate, scores, stage and check compliance, violations,
agents, worst calls), checked exactly on five small calls, and in bounded memory on a generated batch
the size of the 994-chat JD.com sample."""

from __future__ import annotations

import json

import pytest
from conftest import generated_chat

from servicecheck import Checker, load_pack
from servicecheck.batch import RecordError
from servicecheck.render import plain, summary_blocks
from servicecheck.summary import (
    EXAMPLES_PER_RULE,
    AgentStat,
    BatchSummary,
    CheckStat,
    Deduction,
    Example,
    StageStat,
    WorstCall,
)

PACK = {
    "id": "mini",
    "version": "1",
    "stages": [
        {"id": "greeting", "name": "问候", "required": True, "rules": [{"id": "greeting.hello", "phrases": ["您好"]}]},
        {"id": "closing", "name": "结束语", "required": True, "rules": [{"id": "closing.bye", "phrases": ["再见"]}]},
        {"id": "empathy", "name": "共情", "rules": [{"id": "empathy.sorry", "phrases": ["抱歉"]}]},
        {
            "id": "forbidden",
            "name": "禁语",
            "violation": True,
            "severity": "critical",
            "rules": [
                {"id": "forbidden.not_mine", "phrases": ["不归我管"], "boundary": "char", "message": "推诿：不归我管"}
            ],
        },
        {"id": "unused", "name": "停用", "enabled": False, "rules": [{"id": "unused.x", "phrases": ["某某"]}]},
    ],
    "checks": [
        {"id": "greeting_first", "type": "sequence", "before": "greeting", "after": "any", "message": "未先问候"}
    ],
    "scorecard": {
        "pass_mark": 60,
        "items": [
            {"id": "opening", "name": "开场", "points": 30, "match": {"stages": ["greeting"]}},
            {"id": "ending", "name": "结束", "points": 30, "match": {"stages": ["closing"]}},
            {"id": "forbidden", "name": "禁语", "points": 0, "veto": True, "match": {"stages": ["forbidden"]}},
        ],
    },
}


def _call(call_id: str, *turns: str, agent=None) -> dict:
    """``A:`` agent turns, ``C:`` customer turns."""
    chat = {
        "id": call_id,
        "utterances": [{"speaker": "agent" if t[0] == "A" else "customer", "text": t[2:]} for t in turns],
    }
    if agent is not None:
        chat["metadata"] = {"agent_id": agent}
    return chat


CALLS = [
    _call("good", "A:您好", "C:嗯", "A:抱歉让您久等了", "A:再见", agent="A1"),  # 100, passes
    _call("rude", "A:您好", "A:这个不归我管", "A:不归我管的", agent="A1"),  # vetoed to 0, no closing
    _call("cold", "A:抱歉", "A:再见", agent="A2"),  # no greeting: 70, passes; greeting_first fails
    _call("mute", "A:嗯", "C:喂", agent=7),  # neither greeting nor closing: 40, fails
    _call("anon", "A:您好", "A:再见"),  # no agent id: 100
]


@pytest.fixture(scope="module")
def mini():
    return Checker(load_pack(PACK))


@pytest.fixture(scope="module")
def summary(mini):
    summary = BatchSummary(mini.pack)
    for chat in CALLS:
        summary.add(mini.check(chat))
    summary.add(RecordError(index=5, source="calls.jsonl", line=6, error="not JSON"))
    return summary


def test_totals(summary):
    assert (summary.calls, summary.errors, summary.passed) == (5, 1, 3)
    assert summary.pass_rate == pytest.approx(0.6)
    assert summary.mean_score == pytest.approx(62.0)  # (100 + 0 + 70 + 40 + 100) / 5
    assert summary.median_score == 70
    assert summary.pass_mark == 60


def test_histogram(summary):
    bins = summary.histogram()
    assert len(bins) == 10 and bins[0][:2] == (0, 10) and bins[-1][:2] == (90, 100)
    assert [n for _, _, n in bins] == [1, 0, 0, 0, 1, 0, 0, 1, 0, 2]  # 0, 40, 70, 100 and 100 (in the last)
    assert summary.histogram(4) == [(0, 25, 1), (25, 50, 1), (50, 75, 1), (75, 100, 2)]
    with pytest.raises(ValueError):
        summary.histogram(0)


def test_median_of_an_even_count(mini):
    summary = BatchSummary(mini.pack)
    for chat in CALLS[:4]:  # 100, 0, 70, 40
        summary.add(mini.check(chat))
    assert summary.median_score == 55


def test_stages(summary):
    rows = {row.id: row for row in summary.stages()}
    assert list(rows) == ["greeting", "closing", "empathy", "forbidden"]  # enabled stages, pack order
    assert rows["greeting"] == StageStat("greeting", "问候", True, False, present=3, violating=1, compliance=0.6)
    assert rows["closing"].compliance == 0.6 and rows["closing"].violating == 0
    assert rows["empathy"] == StageStat("empathy", "共情", False, False, present=2, violating=0, compliance=0.4)
    # a violation stage complies when it does not occur
    assert rows["forbidden"] == StageStat("forbidden", "禁语", False, True, present=1, violating=1, compliance=0.8)


def test_checks(summary):
    assert summary.checks() == [
        CheckStat("greeting_first", "sequence", "greeting", "未先问候", findings=1, calls=1, compliance=0.8)
    ]


def test_top_violations(summary):
    rows = summary.top_violations()
    assert [(r.rule_id, r.stage, r.kind, r.count, r.calls) for r in rows] == [
        ("required_stage", "closing", "missing", 2, 2),  # missing stages are counted per stage
        ("required_stage", "greeting", "missing", 2, 2),
        ("forbidden.not_mine", "forbidden", "violation", 2, 1),  # two in one call
        ("greeting_first", "greeting", "violation", 1, 1),
    ]
    forbidden = rows[2]
    assert forbidden.message == "推诿：不归我管" and forbidden.severity == "critical"
    assert forbidden.examples == (Example("rude", 1, "不归我管"),)  # one example per call
    assert rows[0].examples == (Example("rude", None, ""), Example("mute", None, ""))
    assert len(summary.top_violations(1)) == 1 and len(summary.top_violations(None)) == 4


def test_agents(summary):
    assert summary.agents() == [
        AgentStat("7", 1, 40.0, 0.0, worst_stage="greeting", worst_stage_compliance=0.0),  # an int id, as text
        AgentStat("A1", 2, 50.0, 0.5, worst_stage="closing", worst_stage_compliance=0.5),  # closing, then forbidden
        AgentStat("A2", 1, 70.0, 1.0, worst_stage="greeting", worst_stage_compliance=0.0),
        AgentStat(None, 1, 100.0, 1.0, worst_stage=None, worst_stage_compliance=None),  # no agent id: last
    ]


def test_worst_optional_stage_is_never_an_agents_worst(mini):
    # empathy (optional) is absent from every call of this agent, closing from one: closing is the worst
    summary = BatchSummary(mini.pack)
    summary.add(mini.check(_call("a", "A:您好", "A:再见", agent="B")))
    summary.add(mini.check(_call("b", "A:您好", agent="B")))
    (row,) = summary.agents()
    assert (row.worst_stage, row.worst_stage_compliance) == ("closing", 0.5)


def test_worst(summary):
    assert summary.worst(2) == [
        WorstCall("rude", "A1", 0.0, False, vetoed=("禁语",), deductions=(Deduction("ending", "结束", 30.0),)),
        WorstCall(
            "mute",
            "7",
            40.0,
            False,
            vetoed=(),
            deductions=(Deduction("opening", "开场", 30.0), Deduction("ending", "结束", 30.0)),
        ),
    ]
    # equal scores: the earlier call first
    assert [c.transcript_id for c in summary.worst()] == ["rude", "mute", "cold", "good", "anon"]


def test_worst_keeps_a_fixed_number(mini):
    summary = BatchSummary(mini.pack, keep_worst=2)
    for chat in [CALLS[0], CALLS[4], CALLS[2], CALLS[1], CALLS[3], CALLS[0]]:
        summary.add(mini.check(chat))
    assert [c.transcript_id for c in summary.worst(10)] == ["rude", "mute"]
    assert len(summary._worst) == 2
    assert BatchSummary(mini.pack, keep_worst=0).worst() == []


def test_to_dict_is_json(summary):
    data = json.loads(json.dumps(summary.to_dict(), ensure_ascii=False))
    assert data["calls"] == 5 and data["errors"] == 1 and data["pass_rate"] == pytest.approx(0.6)
    assert data["median_score"] == 70 and data["pass_mark"] == 60
    assert data["histogram"][-1] == {"low": 90, "high": 100, "calls": 2}
    assert [s["id"] for s in data["stages"]] == ["greeting", "closing", "empathy", "forbidden"]
    assert data["checks"][0]["id"] == "greeting_first"
    assert data["top_violations"][2]["examples"] == [
        {"transcript_id": "rude", "utterance_index": 1, "text": "不归我管"}
    ]
    assert [a["agent"] for a in data["agents"]] == ["7", "A1", "A2", None]
    assert data["worst"][0]["deductions"] == [{"item": "ending", "name": "结束", "deducted": 30.0}]


def test_empty_summary(mini):
    summary = BatchSummary(mini.pack)
    assert (summary.calls, summary.pass_rate, summary.mean_score, summary.median_score) == (0, None, None, None)
    assert all(row.compliance is None for row in summary.stages())
    assert summary.top_violations() == summary.agents() == summary.worst() == []
    json.dumps(summary.to_dict())
    assert "0 calls checked" in plain(summary_blocks(summary))


def test_a_report_of_another_pack_is_refused(mini, checker):
    summary = BatchSummary(mini.pack)
    with pytest.raises(ValueError, match="bank-cn"):
        summary.add(checker.check(CALLS[0]))


def test_without_scorecard_the_pass_mark_is_the_packs():
    pack = load_pack({**{k: v for k, v in PACK.items() if k != "scorecard"}, "pass_mark": 75})
    summary = BatchSummary(pack)
    summary.add(Checker(pack).check(CALLS[1]))  # a critical finding fails the call
    assert summary.pass_mark == 75 and summary.passed == 0
    assert summary.worst()[0].vetoed  # the by-severity line of the critical finding


# -- a batch the size of the 994-chat sample --------------------------------------------------------------
def test_generated_batch_of_994_chats(checker):
    summary = BatchSummary(checker.pack)
    reports = [checker.check(generated_chat(n)) for n in range(994)]
    for report in reports:
        summary.add(report)
    assert summary.calls == 994 and summary.errors == 0
    assert summary.passed == sum(r.passed for r in reports)
    assert summary.mean_score == pytest.approx(sum(r.score for r in reports) / 994)
    scores = sorted(r.score for r in reports)
    assert summary.median_score == (scores[496] + scores[497]) / 2
    assert sum(n for _, _, n in summary.histogram()) == 994
    stages = {row.id: row for row in summary.stages()}
    assert stages["greeting"].present == sum(
        any(s.stage == "greeting" and s.present for s in r.stages) for r in reports
    )
    # agents: A00..A11 and the chats without an agent id (every seventh)
    agents = summary.agents()
    assert len(agents) == 13 and agents[-1].agent is None and agents[-1].calls == 142
    assert sum(a.calls for a in agents) == 994
    # what is kept does not grow with the calls
    assert all(len(v.examples) <= EXAMPLES_PER_RULE for v in summary.top_violations(None))
    assert len(summary._worst) == summary.keep_worst
    assert len(summary._scores) <= 101  # whole points only in this pack's scorecard
    assert [c.score for c in summary.worst()] == scores[:10]
    json.dumps(summary.to_dict(), ensure_ascii=False)


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    import io

    from servicecheck.csvout import CsvWriter

    out = io.StringIO()
    writer = CsvWriter(out, ["text", "score"])
    writer.write({"text": '=HYPERLINK("http://x")', "score": -5})
    writer.write({"text": "@SUM(A1)", "score": 3})
    writer.write({"text": "您好", "score": 0})
    rows = out.getvalue().splitlines()
    assert rows[1].startswith("\"'=HYPERLINK") and rows[1].endswith(",-5")
    assert rows[2].startswith("'@SUM") and rows[3] == "您好,0"
