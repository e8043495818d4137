"""How ``servicecheck check`` writes its results: each as it comes (JSONL, CSV rows, a table per call),
so a batch of any size streams, and at the end what needs all of them (the JSON list, the batch summary
of the table format). The per-call CSV of ``--summary`` is written beside any of these."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Union

from .batch import RecordError, ReportJson
from .model import Report
from .pack.schema import Pack

Result = Union[Report, RecordError, ReportJson]


def open_output(files: ExitStack, path: Path) -> IO[str]:
    """A UTF-8 file to write into, closed with ``files`` (a BOM, if asked for, is the CSV writer's)."""
    return files.enter_context(open(path, "w", encoding="utf-8", newline=""))


class CallsCsv:
    """One CSV row per call or unreadable record (``--summary``)."""

    def __init__(self, file: IO[str], pack: Pack, *, bom: bool = False) -> None:
        from .csvout import CALL_COLUMNS, CsvWriter
        from .summary import pass_mark

        self._writer = CsvWriter(file, CALL_COLUMNS, bom=bom)
        self._pass_mark = pass_mark(pack)

    def add(self, result: Result) -> None:
        from .csvout import call_row

        if isinstance(result, ReportJson):
            result = result.report()
        self._writer.write(call_row(result, self._pass_mark))


class ResultSink:
    """Writes results in ``format`` (json, jsonl, table, csv) to ``out``; ``close`` finishes the output."""

    def __init__(self, format: str, pack: Pack, out: IO[str], *, bom: bool = False) -> None:
        self.format, self.pack, self.out = format, pack, out
        self.collected: list[dict] = []
        self.count = 0
        if format == "table":
            from .summary import BatchSummary
            from .terminal import BlockWriter

            self.summary = BatchSummary(pack)
            self.blocks = BlockWriter(out)
        elif format == "csv":
            from .csvout import FINDING_COLUMNS, CsvWriter

            self.csv = CsvWriter(out, FINDING_COLUMNS, bom=bom)

    def add(self, result: Result) -> None:
        self.count += 1
        if isinstance(result, ReportJson) and self.format not in ("json", "jsonl"):
            result = result.report()
        if self.format == "table":
            from .render import Line, report_blocks

            assert not isinstance(result, ReportJson)  # read back above
            self.summary.add(result)
            if isinstance(result, RecordError):
                where = f"== record {result.index} ({result.source}, line {result.line})"
                self.blocks.write([Line(f"{where}: ERROR {result.error}", "bold red")])
            else:
                self.blocks.write(report_blocks(result, self.pack))
        elif self.format == "csv":
            if isinstance(result, Report):  # an unreadable record has no findings: see CallsCsv
                from .csvout import finding_rows

                self.csv.write_all(finding_rows(result))
        elif isinstance(result, ReportJson):  # json or jsonl: the report as a worker wrote it
            if self.format == "jsonl":
                self.out.write(result.json + "\n")
            else:
                self.collected.append(json.loads(result.json))
        elif self.format == "jsonl":
            self.out.write(json.dumps(result.model_dump(mode="json"), ensure_ascii=False) + "\n")
        else:
            self.collected.append(result.model_dump(mode="json"))

    def close(self) -> None:
        if self.format == "json" and self.collected:
            payload = self.collected[0] if len(self.collected) == 1 else self.collected
            self.out.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        elif self.format == "table" and self.count > 1:
            from .render import summary_blocks

            self.blocks.write(summary_blocks(self.summary))
