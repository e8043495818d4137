"""``servicecheck report``: a folder a QA team opens in a browser — the batch overview and a page per call.

``DIR/index.html`` gives the pass rate and the score distribution, compliance per stage and per check,
the most frequent violations with links to examples, a sortable table per agent, the worst calls, and
every call with a filter by stage or violation. ``DIR/calls/*.html`` are the call pages. Everything is
self-contained: inline CSS, a few lines of inline JavaScript for sorting and filtering (the page works
without it), no network request. Calls stream through: memory holds the summary and one row per call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Union

from ..model import Report, Transcript
from .call import render_call_page
from .index import CallRow, render_index

MAX_LISTED_CALLS = 20_000  # rows in the index's call table; the summary counts every call


@dataclass
class BatchReport:
    """Writes call pages as results arrive and the index at the end (``finish``)."""

    directory: Path
    pack_id: str
    pack_version: str
    pass_mark: Optional[float] = None
    redact: Optional[Callable[[Optional[Transcript], Report], tuple[Optional[Transcript], Report]]] = None
    rows: list[CallRow] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    pages: dict[str, str] = field(default_factory=dict)  # transcript id -> page, for the index's links

    def __post_init__(self) -> None:
        from ..summary import BatchSummary  # noqa: F401 - imported here so a missing module fails early

        (self.directory / "calls").mkdir(parents=True, exist_ok=True)
        self.count = 0
        self.listed = 0

    def add(self, result: Union[Report, object], transcript: Optional[Transcript], summary) -> None:
        """One result: a Report (with its transcript when it was checked here) or a RecordError."""
        if not isinstance(result, Report):
            summary.add(result)
            self.errors.append((getattr(result, "source", None) or "", getattr(result, "error", str(result))))
            return
        report = result
        if self.redact is not None:  # before anything is written or summed up: examples quote text
            transcript, report = self.redact(transcript, report)
        summary.add(report)
        self.count += 1
        page_name = f"{self.count:05d}-{_safe(report.transcript_id)}.html"
        if transcript is not None:
            html = render_call_page(transcript, report, back="../index.html")
        else:
            html = _report_only_page(report)
        (self.directory / "calls" / page_name).write_text(html, encoding="utf-8")
        self.pages.setdefault(report.transcript_id, f"calls/{page_name}")
        if self.listed < MAX_LISTED_CALLS:
            self.listed += 1
            self.rows.append(CallRow.of(report, f"calls/{page_name}"))

    def finish(self, summary) -> Path:
        index = self.directory / "index.html"
        html = render_index(
            summary,
            self.rows,
            self.pages,
            self.errors,
            pack=f"{self.pack_id} {self.pack_version}",
            pass_mark=self.pass_mark,
            truncated=self.count - self.listed,
        )
        index.write_text(html, encoding="utf-8")
        return index


def _safe(identifier: str) -> str:
    """A transcript id as part of a file name: letters, digits, CJK and - _ . only, at most 60."""
    cleaned = re.sub(r"[^\w.\-]", "_", identifier, flags=re.UNICODE).strip("._") or "call"
    return cleaned[:60]


def _report_only_page(report: Report) -> str:
    """A call page from a report whose transcript is not at hand (``report`` read from check output):
    the findings without the text around them."""
    empty = Transcript(id=report.transcript_id, utterances=())
    page = render_call_page(empty, report, back="../index.html")
    return page.replace("</header>", "<p class=meta>原文未随报告提供：只列出发现。</p></header>", 1)


def write_batch_report(
    items: Iterable[tuple[Union[Report, object], Optional[Transcript]]],
    directory: Path,
    summary,
    *,
    pack_id: str,
    pack_version: str,
    pass_mark: Optional[float] = None,
    redact: Optional[Callable[[Optional[Transcript], Report], tuple[Optional[Transcript], Report]]] = None,
) -> Path:
    """Write ``directory/index.html`` and ``directory/calls/``; returns the index's path."""
    builder = BatchReport(directory, pack_id, pack_version, pass_mark, redact)
    for result, transcript in items:
        builder.add(result, transcript, summary)
    return builder.finish(summary)


def checked_with_transcripts(checker, records: Iterable, workers: int = 1):
    """(result, transcript) for each reader record, in input order: ``check_many`` with the transcript
    each report came from kept beside it (only the records in flight are held)."""
    from collections import deque

    waiting: deque = deque()

    def feed():
        for record in records:
            waiting.append(getattr(record, "transcript", None))
            yield record

    for result in checker.check_many(feed(), workers=workers):
        yield result, waiting.popleft()


def read_reports(path: Path):
    """(Report or RecordError, None) for each report in a JSON or JSONL file written by
    ``servicecheck check``: the overview can be made from reports alone."""
    import json

    from ..batch import RecordError

    text = path.read_text(encoding="utf-8-sig")
    stripped = text.lstrip()
    rows: list[tuple[Optional[int], Any]]  # (line number in a JSONL file, the parsed row)
    if stripped.startswith("["):
        rows = [(None, row) for row in json.loads(stripped)]
    elif stripped.startswith("{") and "\n{" not in stripped.strip():
        rows = [(None, json.loads(stripped))]
    else:
        rows = []
        for number, text_line in enumerate(text.splitlines(), start=1):
            if text_line.strip():
                try:
                    rows.append((number, json.loads(text_line)))
                except ValueError as exc:
                    rows.append((number, {"ok": False, "error": f"invalid JSON: {exc}"}))
    for index, (line, row) in enumerate(rows):
        if isinstance(row, dict) and row.get("ok") is False:
            yield RecordError(source=str(path), line=line, index=index, error=str(row.get("error"))), None
            continue
        try:
            yield Report.model_validate(row), None
        except ValueError as exc:
            yield RecordError(source=str(path), line=line, index=index, error=f"not a report: {exc}"), None


def is_report_file(path: Path) -> bool:
    """Whether a file holds reports (``servicecheck check`` output) rather than transcripts."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).decode("utf-8", "ignore")
    except OSError:
        return False
    return '"transcript_id"' in head and '"findings"' in head and '"utterances"' not in head
