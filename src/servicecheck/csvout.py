"""Reports as CSV for spreadsheets and SQL loaders: one row per finding, and one row per call.

Findings rows carry the call's ``agent_id`` so a sheet can be pivoted without joining; a call with no
findings has no finding row, which is why the per-call file exists (it also lists the records that
could not be read). Text is written as it is (the csv module quotes commas, quotes and line breaks);
``None`` is an empty cell, booleans are ``true``/``false`` as in the JSON output.
"""

from __future__ import annotations

import csv
from typing import IO, Any, Iterator, Optional, Sequence, Union

from .batch import RecordError
from .model import Report
from .summary import agent_of

FINDING_COLUMNS = (
    "transcript_id",
    "agent_id",
    "utterance_index",
    "speaker",
    "time",
    "stage",
    "rule_id",
    "kind",
    "severity",
    "start",
    "end",
    "text",
    "message",
    "suggestion",
    "needs_review",
)
CALL_COLUMNS = (
    "transcript_id",
    "agent_id",
    "score",
    "passed",
    "vetoed",
    "pass_mark",
    "hits",
    "violations",
    "missing",
    "needs_review",
    "failed_items",
    "source",
    "line",
    "error",
)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A value as a cell. Text that a spreadsheet would run as a formula (=, +, -, @ first: a
    transcript is untrusted input) gets a leading apostrophe, as OWASP advises for CSV exports."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def finding_rows(report: Report) -> Iterator[dict[str, Any]]:
    """One row per finding of the report (hits included: filter on ``kind``)."""
    agent = agent_of(report)
    for f in report.findings:
        yield {
            "transcript_id": report.transcript_id,
            "agent_id": agent,
            "utterance_index": f.utterance_index,
            "speaker": f.speaker,
            "time": f.time,
            "stage": f.stage,
            "rule_id": f.rule_id,
            "kind": f.kind,
            "severity": f.severity,
            "start": f.start,
            "end": f.end,
            "text": f.text,
            "message": f.message,
            "suggestion": f.suggestion,
            "needs_review": f.needs_review,
        }


def call_row(result: Union[Report, RecordError], pass_mark: Optional[float] = None) -> dict[str, Any]:
    """One call's verdict, its counts and the scorecard items that cost it points (``opening -10``,
    ``forbidden veto``); for a record that could not be checked, where it was and the error."""
    if isinstance(result, RecordError):
        return {
            "transcript_id": result.transcript_id,
            "source": result.source,
            "line": result.line,
            "error": result.error,
            "pass_mark": pass_mark,
        }
    counts = {"hit": 0, "violation": 0, "missing": 0}
    for finding in result.findings:
        counts[finding.kind] += 1
    failed = [
        f"{item.item} veto" if item.vetoed else f"{item.item} -{item.deducted:g}"
        for item in result.breakdown
        if item.vetoed or item.deducted
    ]
    return {
        "transcript_id": result.transcript_id,
        "agent_id": agent_of(result),
        "score": result.score,
        "passed": result.passed,
        "vetoed": any(item.vetoed for item in result.breakdown),
        "pass_mark": pass_mark,
        "hits": counts["hit"],
        "violations": counts["violation"],
        "missing": counts["missing"],
        "needs_review": sum(f.needs_review for f in result.findings),
        "failed_items": "; ".join(failed),
    }


class CsvWriter:
    """A CSV file of fixed columns: the header first, then rows as dicts (missing keys left empty)."""

    def __init__(self, file: IO[str], columns: Sequence[str], *, bom: bool = False) -> None:
        if bom:  # Excel reads a CSV without a byte order mark in the locale's code page, not UTF-8
            file.write("\ufeff")
        self._writer = csv.DictWriter(file, fieldnames=list(columns), lineterminator="\n", restval="")
        self._writer.writeheader()

    def write(self, row: dict[str, Any]) -> None:
        self._writer.writerow({key: _cell(value) for key, value in row.items()})

    def write_all(self, rows) -> None:
        for row in rows:
            self.write(row)
