"""Regression guard: bank-cn on the independent labelled calls (tests/data/independent-calls.jsonl).

The 24 calls were written from the labelling guide alone, before the pack was read (see the section
"Independent calls" in docs/quality.md). After the pack was generalised on them it scores an
utterance-level micro-F1 of 1.000; the guard allows 0.03 for future trade-offs, and forbidden
precision must stay at or above 0.95 (a false 服务禁语 vetoes a call's score).
"""

from __future__ import annotations

from pathlib import Path

from servicecheck import Checker, load_pack
from servicecheck.evaluate import evaluate, read_gold

CALLS = Path(__file__).resolve().parent / "data" / "independent-calls.jsonl"
FINAL_MICRO_F1 = 1.000


def test_bank_cn_on_independent_calls():
    result = evaluate(Checker(load_pack("bank-cn")), read_gold(CALLS), source=str(CALLS))
    assert result.calls == 24
    micro = result.micro("utterance")
    errors = [(e["type"], e["call"], e["utterance"], e["stage"], e["text"]) for e in result.errors]
    assert micro.f1 >= FINAL_MICRO_F1 - 0.03, errors
    assert result.utterance["forbidden"].precision >= 0.95, errors
