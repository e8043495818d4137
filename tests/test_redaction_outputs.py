"""--redact: no card, ID or phone number of the checked calls appears in any output format.

Every format the command writes is scanned: JSON, JSONL, CSV with its per-call file, the table, the
call page and its text form, and every file of the batch report. The numbers are those the detector
finds in the original transcripts: a synthetic call that reads them out in the ways recognisers write
them, and the labelled dev calls when they are beside the checkout.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import REPO

from servicecheck import Checker, load_pack, read_transcript
from servicecheck.cli import main
from servicecheck.privacy import find_personal_data

DEV_CALLS = REPO.parent / "shared" / "dev" / "calls.jsonl"

NUMBERS_CALL = {
    "id": "pii-1",
    "metadata": {"agent_id": "A9", "callback": "13800138000"},
    "utterances": [
        {
            "speaker": "agent",
            "text": "您好，这里是云杉银行信用卡中心，工号2031，请问有什么可以帮您？",
            "start": 0.5,
            "end": 4.0,
        },
        {
            "speaker": "customer",
            "text": "我的卡丢了，卡号是6212345678901234569，身份证110105199003071239。",
            "start": 4.5,
            "end": 9.0,
        },
        {
            "speaker": "agent",
            "text": "好的，跟您核对一下卡号6212 3456 7890 1234 569，手机号是幺三八 零零幺三 八零零零吗？",
            "start": 9.5,
            "end": 15.0,
        },
        {
            "speaker": "customer",
            "text": "对，另一张卡是六二一二 三四五六 七八九零 一二三二。",
            "start": 15.5,
            "end": 19.0,
        },
        {"speaker": "agent", "text": "已为您挂失，感谢您的来电，再见。", "start": 19.5, "end": 22.0},
    ],
}


def _digits(text: str) -> str:
    table = str.maketrans("零〇一幺二两三四五六七八九０１２３４５６７８９", "0011223456789" + "0123456789")
    return re.sub(r"\D", "", text.translate(table))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pii")
    path = folder / "calls.jsonl"
    lines = [json.dumps(NUMBERS_CALL, ensure_ascii=False)]
    if DEV_CALLS.exists():
        lines += DEV_CALLS.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    secrets = set()
    for line in lines:
        for utterance in json.loads(line)["utterances"]:
            for found in find_personal_data(utterance["text"], kinds=["bank_card", "id_number", "mobile", "hkid"]):
                secrets.add(found.text if found.kind == "hkid" else _digits(found.text))
    assert len(secrets) >= 4  # the synthetic call: two cards, an ID and a mobile, in several spellings
    return path, secrets


_NUMBER_RUN = re.compile(
    r"[0-9０-９零〇一幺二两三四五六七八九](?:[0-9０-９零〇一幺二两三四五六七八九 \-]*[0-9０-９零〇一幺二两三四五六七八九])?"
)


def _leaks(text: str, secrets: set[str]) -> list[str]:
    """Secrets present in ``text`` as written, or in one of its runs of numerals once read as digits
    (spaces and hyphens inside a run ignored, as a person reading it would)."""
    runs = [_digits(run) for run in _NUMBER_RUN.findall(text)]
    return sorted(s for s in secrets if s in text or (s.isdigit() and len(s) >= 11 and any(s in run for run in runs)))


def test_the_secrets_are_in_the_outputs_without_redact(inputs, tmp_path, capsys):
    _, secrets = inputs
    single = tmp_path / "one.json"
    single.write_text(json.dumps(NUMBERS_CALL, ensure_ascii=False), encoding="utf-8")
    main(["render", str(single), "--format", "text"])
    assert _leaks(capsys.readouterr().out, secrets), "the test must be able to see a leak"


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "table"])
def test_check_outputs_carry_no_number(inputs, tmp_path, capsys, fmt):
    path, secrets = inputs
    out = tmp_path / f"out.{fmt}"
    calls = tmp_path / "calls.csv"
    main(
        [
            "check",
            str(path),
            "--format",
            fmt,
            "--redact",
            "--output",
            str(out),
            "--summary",
            str(calls),
            "--no-progress",
        ]
    )
    captured = capsys.readouterr()
    for text in (out.read_text(encoding="utf-8"), calls.read_text(encoding="utf-8"), captured.out, captured.err):
        assert not _leaks(text, secrets)


@pytest.mark.parametrize("fmt", ["html", "text"])
def test_render_carries_no_number(inputs, tmp_path, capsys, fmt):
    _, secrets = inputs
    single = tmp_path / "one.json"
    single.write_text(json.dumps(NUMBERS_CALL, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / f"page.{fmt}"
    assert main(["render", str(single), "--format", fmt, "--redact", "--output", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert not _leaks(page, secrets)
    assert "****" in page
    assert "感谢您的来电" in page  # only the numbers are masked


def test_the_batch_report_carries_no_number(inputs, tmp_path):
    path, secrets = inputs
    out = tmp_path / "report"
    assert main(["report", str(path), "-o", str(out), "--redact"]) == 0
    files = list(out.rglob("*.html"))
    assert len(files) >= 2
    for file in files:
        assert not _leaks(file.read_text(encoding="utf-8"), secrets), file


def test_redaction_never_changes_what_is_found():
    transcript = read_transcript(NUMBERS_CALL)
    plain = Checker(load_pack("bank-cn")).check(transcript)
    masked = Checker(load_pack("bank-cn"), redact=True).check(transcript)
    assert [(f.rule_id, f.utterance_index, f.start, f.end) for f in masked.findings] == [
        (f.rule_id, f.utterance_index, f.start, f.end) for f in plain.findings
    ]
    assert (masked.score, masked.passed, masked.stages) == (plain.score, plain.passed, plain.stages)
    readout = [f for f in plain.findings if f.rule_id == "full_number_readout"]
    assert readout, "the agent read the card number out"
    for before, after in zip(plain.findings, masked.findings):
        assert len(after.text) == len(before.text)  # offsets keep their meaning
        if before.start is not None:
            assert len(after.text) == before.end - before.start
