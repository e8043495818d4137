"""The independent forbidden-phrase set: 273 服务禁语 in six families and 279 polite look-alikes, written
from the labelling guide and the service standard by an author who had not read the pack
(tests/data/forbidden-independent.jsonl; docs/quality.md tells how it was used).

A QA team relies on two things here: a rude agent line is flagged whatever its wording, and a polite
line that shares its words (根据规定…, 抱歉…, 建议您联系…) never fails a call by veto.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from servicecheck import Checker

DATA = Path(__file__).resolve().parent / "data" / "forbidden-independent.jsonl"
ROWS = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def flagged() -> dict[str, bool]:
    checker = Checker("bank-cn")
    out = {}
    for row in ROWS:
        report = checker.check(
            {"id": row["id"], "utterances": [{"speaker": row.get("speaker", "agent"), "text": row["text"]}]}
        )
        out[row["id"]] = any(f.stage == "forbidden" and f.kind == "violation" for f in report.findings)
    return out


def test_the_set_is_what_the_docs_describe():
    counts = Counter((row["expect"], row.get("speaker", "agent")) for row in ROWS)
    assert counts[("forbidden", "agent")] == 273
    assert counts[("polite", "agent")] + counts[("polite", "customer")] == 279
    assert len({row["id"] for row in ROWS}) == len(ROWS)


def test_forbidden_recall_holds_in_every_family(flagged):
    by_family: dict[str, list[bool]] = {}
    for row in ROWS:
        if row["expect"] == "forbidden":
            by_family.setdefault(row["category"], []).append(flagged[row["id"]])
    assert set(by_family) == {"推诿", "指责", "不耐烦", "生硬拒绝", "讽刺威胁", "转嫁责任"}
    total = [hit for hits in by_family.values() for hit in hits]
    assert sum(total) / len(total) >= 0.93
    for family, hits in by_family.items():
        assert sum(hits) / len(hits) >= 0.85, family


def test_polite_look_alikes_are_not_flagged(flagged):
    polite = [row for row in ROWS if row["expect"] == "polite"]
    false_alarms = [row["text"] for row in polite if flagged[row["id"]]]
    assert len(false_alarms) <= 2, false_alarms


def test_customers_quoting_rude_agents_are_never_flagged(flagged):
    customers = [row for row in ROWS if row.get("speaker") == "customer"]
    assert customers and not any(flagged[row["id"]] for row in customers)
