"""Human-readable output: reports as aligned text tables (CJK characters count as two columns)."""

from __future__ import annotations

import unicodedata
from typing import Iterable, Sequence

from .model import Report


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def clip(text: str, width: int) -> str:
    out, used = "", 0
    for char in text:
        w = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used + w > width - 1:
            return out + "…"
        out += char
        used += w
    return out


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    rows = [[str(c) for c in row] for row in rows]
    widths = [display_width(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], display_width(cell))
    lines = ["  ".join(pad(h, w) for h, w in zip(headers, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(pad(c, w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


def report_table(report: Report) -> str:
    verdict = "通过 PASS" if report.passed else "不通过 FAIL"
    parts = [
        f"== {report.transcript_id}  score {report.score:g}  {verdict}  "
        f"(pack {report.pack_id} {report.pack_version}, {report.pack_hash})"
    ]
    parts.append(
        table(
            ["stage", "名称", "required", "present", "count", "utterances"],
            [
                [
                    s.stage,
                    s.name,
                    "yes" if s.required else "",
                    "✓" if s.present else "✗",
                    s.count,
                    ",".join(map(str, s.utterances[:12])) + ("…" if len(s.utterances) > 12 else ""),
                ]
                for s in report.stages
            ],
        )
    )
    issues = [f for f in report.findings if f.kind != "hit"]
    if issues:
        parts.append(
            table(
                ["kind", "severity", "stage", "rule", "utt", "text", "message"],
                [
                    [
                        f.kind,
                        f.severity,
                        f.stage,
                        f.rule_id,
                        "" if f.utterance_index is None else f.utterance_index,
                        clip(f.text, 24),
                        clip(f.message, 30),
                    ]
                    for f in issues
                ],
            )
        )
    if report.breakdown:
        parts.append(
            table(
                ["score item", "name", "points", "deducted", "veto", "findings"],
                [
                    [
                        item.item,
                        item.name,
                        f"{item.points:g}",
                        f"{item.deducted:g}",
                        "VETO" if item.vetoed else "",
                        ",".join(map(str, item.findings)),
                    ]
                    for item in report.breakdown
                ],
            )
        )
    for note in report.notes:
        parts.append(f"note: {note}")
    return "\n\n".join(parts) + "\n"
