"""servicecheck report: the batch overview and call pages from transcripts, or from reports alone."""

from __future__ import annotations

import json

from conftest import EXAMPLES

from servicecheck.cli import main


def test_report_from_transcripts_writes_an_index_and_a_page_per_call(tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["report", str(EXAMPLES / "batch.jsonl"), "-o", str(out)]) == 0
    pages = sorted((out / "calls").glob("*.html"))
    assert len(pages) == 24
    index = (out / "index.html").read_text(encoding="utf-8")
    for agent in ("A1024", "A2048", "A3072", "A4096"):
        assert agent in index
    for page in pages:  # every call is linked from the index
        assert f"calls/{page.name}" in index
    assert "24 checked" in capsys.readouterr().err


def test_report_from_check_output_and_a_bad_file(tmp_path, capsys):
    reports = tmp_path / "reports.jsonl"
    assert main(["check", str(EXAMPLES / "batch.jsonl"), "--format", "jsonl", "--output", str(reports)]) in (0, 1)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "utterances": [{"speaker": "robot", "text": "hi"}]}\n', encoding="utf-8")
    out = tmp_path / "report"
    assert main(["report", str(reports), str(bad), "-o", str(out)]) == 1  # one record could not be read
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "无法读取的记录" in index and "bad.jsonl" in index
    page = next((out / "calls").glob("*ind-001.html")).read_text(encoding="utf-8")
    assert "原文未随报告提供" in page  # built from the report alone: findings, no transcript
    first = json.loads(reports.read_text(encoding="utf-8").splitlines()[0])
    assert first["transcript_id"] in page
