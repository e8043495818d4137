"""Human-readable output: reports and batch summaries as aligned text tables (CJK characters count as
two columns).

Reports and summaries are first laid out as blocks (lines of text and tables, ``Line`` and ``Grid``),
then written out: as plain text here (files, pipes, ``report_table``), or with colours and wrapping on
a terminal by ``servicecheck.terminal``. Both show the same content.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Iterable, NamedTuple, Optional, Sequence, Union

from .model import Finding, Report

if TYPE_CHECKING:  # pragma: no cover
    from .pack.schema import Pack
    from .summary import BatchSummary


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def clip(text: str, width: int) -> str:
    """``text`` on one line (runs of white space, line breaks included, as one space), cut to ``width``
    columns with an ellipsis."""
    text = " ".join(text.split())
    out, used = "", 0
    for char in text:
        w = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used + w > width - 1:
            return out + "…"
        out += char
        used += w
    return out


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], right: Sequence[int] = ()) -> str:
    """Columns padded to the widest cell; the columns numbered in ``right`` aligned right (numbers)."""
    texts = [[str(c) for c in row] for row in rows]
    widths = [display_width(h) for h in headers]
    for row in texts:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], display_width(cell))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            " " * (w - display_width(c)) + c if i in right else pad(c, w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    lines = [line(headers), "  ".join("-" * w for w in widths)]
    lines.extend(line(row) for row in texts)
    return "\n".join(lines)


# -- blocks --------------------------------------------------------------------------------------------------
class Line(NamedTuple):
    """Text of one or more lines; ``style`` (a rich style such as "bold red") is used on terminals."""

    text: str
    style: str = ""


class Grid(NamedTuple):
    """A table under an optional title; the columns numbered in ``right`` hold numbers."""

    title: str
    headers: Sequence[str]
    rows: list[list[str]]
    right: tuple[int, ...] = ()


Block = Union[Line, Grid]


def plain(blocks: Iterable[Block]) -> str:
    """The blocks as plain text, a blank line between them."""
    parts = []
    for block in blocks:
        if isinstance(block, Line):
            parts.append(block.text)
        else:
            body = table(block.headers, block.rows, block.right)
            parts.append(f"{block.title}\n{body}" if block.title else body)
    return "\n\n".join(parts) + "\n"


def percent(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.1%}"


def number(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.1f}".removesuffix(".0")


# -- one report ----------------------------------------------------------------------------------------------
def finding_ref(finding: Finding) -> str:
    """How a score item names a finding so that a reader can find it in the findings table: the rule and
    the utterance (``forbidden.shirk.not_mine@4``), or the stage a ``missing`` finding is about."""
    if finding.utterance_index is not None:
        return f"{finding.rule_id}@{finding.utterance_index}"
    if finding.kind == "missing":
        return f"{finding.rule_id}({finding.stage})"
    return finding.rule_id


def finding_refs(report: Report, numbers: Sequence[int], limit: int = 6) -> str:
    """The findings at ``numbers`` in the report, the same one counted (``×2``), at most ``limit`` named."""
    counts: dict[str, int] = {}
    for number_ in numbers:
        ref = finding_ref(report.findings[number_])
        counts[ref] = counts.get(ref, 0) + 1
    names = [ref if n == 1 else f"{ref} ×{n}" for ref, n in counts.items()]
    more = f", +{len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def failure_reasons(report: Report, pack: Optional["Pack"] = None) -> list[str]:
    """Why a call failed, one reason a line: the vetoes (and the score a veto set), the items that
    deducted points, and the pass mark the score missed. Empty for a call that passed."""
    if report.passed:
        return []
    reasons = []
    card = pack.scorecard if pack is not None else None
    vetoed = [item for item in report.breakdown if item.vetoed]
    for item in vetoed:
        reasons.append(f"一票否决 veto {item.item} {item.name}: {finding_refs(report, item.findings)}")
    if vetoed and card is not None and card.veto_score is not None:
        computed = max(0.0, card.total - sum(item.deducted for item in report.breakdown))
        if computed > card.veto_score:
            reasons.append(f"the veto set the score to {card.veto_score:g} (without it {computed:g})")
    for item in report.breakdown:
        if item.deducted:
            reasons.append(f"-{item.deducted:g} {item.item} {item.name}: {finding_refs(report, item.findings)}")
    if pack is not None:
        from .summary import pass_mark

        mark = pass_mark(pack)
        if report.score < mark and not vetoed:  # a veto fails the call whatever the score
            reasons.append(f"score {report.score:g} is below the pass mark {mark:g}")
    return reasons


def report_blocks(report: Report, pack: Optional["Pack"] = None) -> list[Block]:
    """One report: verdict, why it failed, stages, violation and missing findings, the scorecard."""
    verdict = "通过 PASS" if report.passed else "不通过 FAIL"
    mark = ""
    if pack is not None:
        from .summary import pass_mark

        mark = f"pass mark {pass_mark(pack):g}; "
    blocks: list[Block] = [
        Line(
            f"== {report.transcript_id}  score {report.score:g}  {verdict}  "
            f"({mark}pack {report.pack_id} {report.pack_version}, {report.pack_hash})",
            "bold green" if report.passed else "bold red",
        )
    ]
    reasons = failure_reasons(report, pack)
    if reasons:
        blocks.append(Line("failed because:\n" + "\n".join(f"  - {r}" for r in reasons), "red"))
    blocks.append(
        Grid(
            "",
            ["stage", "名称", "required", "present", "count", "utterances"],
            [
                [
                    s.stage,
                    s.name,
                    "yes" if s.required else "",
                    "✓" if s.present else "✗",
                    str(s.count),
                    ",".join(map(str, s.utterances[:12])) + ("…" if len(s.utterances) > 12 else ""),
                ]
                for s in report.stages
            ],
            right=(4,),
        )
    )
    issues = [f for f in report.findings if f.kind != "hit"]
    if issues:
        headers = ["kind", "severity", "stage", "rule", "utt", "text", "message"]
        if report.needs_review:
            headers.append("review")
        blocks.append(
            Grid(
                "",
                headers,
                [
                    [
                        f.kind,
                        f.severity,
                        f.stage,
                        f.rule_id,
                        "" if f.utterance_index is None else str(f.utterance_index),
                        clip(f.text, 24),
                        clip(f.message, 30),
                    ]
                    + (["needs review"] if f.needs_review else [""]) * report.needs_review
                    for f in issues
                ],
                right=(4,),
            )
        )
    if report.breakdown:
        blocks.append(
            Grid(
                "",
                ["score item", "name", "points", "deducted", "veto", "findings"],
                [
                    [
                        item.item,
                        item.name,
                        f"{item.points:g}",
                        f"{item.deducted:g}",
                        "VETO" if item.vetoed else ("veto" if item.veto else ""),
                        finding_refs(report, item.findings),
                    ]
                    for item in report.breakdown
                ],
                right=(2, 3),
            )
        )
    if report.notes:
        blocks.append(Line("\n".join(f"note: {note}" for note in report.notes)))
    return blocks


def report_table(report: Report, pack: Optional["Pack"] = None) -> str:
    """One report as plain text; with the pack, also the pass mark and what a veto did to the score."""
    return plain(report_blocks(report, pack))


# -- a batch -------------------------------------------------------------------------------------------------
def summary_blocks(summary: "BatchSummary", top: int = 10, agents: int = 20, worst: int = 5) -> list[Block]:
    """The batch: pass rate and scores, per-stage compliance, the most frequent violations, the agents
    (when calls name one) and the lowest-scoring calls."""
    from .summary import UNKNOWN_AGENT

    s = summary
    head = (
        f"== batch summary: {s.calls} calls checked, {s.errors} could not be read or checked\n"
        f"pass rate {percent(s.pass_rate)} ({s.passed}/{s.calls}, pass mark {s.pass_mark:g})  "
        f"mean score {number(s.mean_score)}  median {number(s.median_score)}"
    )
    blocks: list[Block] = [Line(head, "bold")]
    if not s.calls:
        return blocks
    blocks.append(
        Grid(
            "stage compliance",
            ["stage", "名称", "type", "present", "violating", "compliance"],
            [
                [
                    row.id,
                    row.name,
                    "forbidden" if row.violation else ("required" if row.required else "optional"),
                    str(row.present),
                    str(row.violating),
                    percent(row.compliance),
                ]
                for row in s.stages()
            ],
            right=(3, 4, 5),
        )
    )
    violations = s.top_violations(top)
    if violations:
        blocks.append(
            Grid(
                f"top violations (of {len(s.top_violations(None))})",
                ["rule", "stage", "kind", "count", "calls", "message", "example"],
                [
                    [
                        v.rule_id,
                        v.stage,
                        v.kind,
                        str(v.count),
                        str(v.calls),
                        clip(v.message, 30),
                        _example(v.examples[0]) if v.examples else "",
                    ]
                    for v in violations
                ],
                right=(3, 4),
            )
        )
    agent_rows = s.agents()
    if any(row.agent is not None for row in agent_rows):
        names = {row.id: row.name for row in s.stages()}
        shown = agent_rows[:agents]
        title = "agents, lowest mean score first" + (
            f" (first {len(shown)} of {len(agent_rows)})" if len(agent_rows) > len(shown) else ""
        )
        blocks.append(
            Grid(
                title,
                ["agent", "calls", "pass rate", "mean score", "worst stage", "its compliance"],
                [
                    [
                        UNKNOWN_AGENT if row.agent is None else row.agent,
                        str(row.calls),
                        percent(row.pass_rate),
                        number(row.mean_score),
                        "" if row.worst_stage is None else f"{row.worst_stage} {names.get(row.worst_stage, '')}",
                        percent(row.worst_stage_compliance),
                    ]
                    for row in shown
                ],
                right=(1, 2, 3, 5),
            )
        )
    lowest = s.worst(worst)
    if lowest:
        blocks.append(
            Grid(
                "lowest scores",
                ["call", "agent", "score", "verdict", "why"],
                [
                    [
                        call.transcript_id,
                        call.agent or "",
                        f"{call.score:g}",
                        "PASS" if call.passed else "FAIL",
                        clip(
                            "; ".join(
                                [f"veto {name}" for name in call.vetoed]
                                + [f"-{d.deducted:g} {d.name}" for d in call.deductions]
                            ),
                            60,
                        ),
                    ]
                    for call in lowest
                ],
                right=(2,),
            )
        )
    return blocks


def _example(example) -> str:
    where = (
        example.transcript_id
        if example.utterance_index is None
        else f"{example.transcript_id}@{example.utterance_index}"
    )
    return clip(f"{where} {example.text}".strip(), 40)
