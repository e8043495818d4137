"""A checked call for people: the transcript with every finding marked at its exact offsets.

``render_html`` writes one self-contained HTML page (no scripts, no external files) that a QA reviewer
opens in a browser: each utterance with its stage hits highlighted, violations in red, hovering a mark
shows the rule, method and explanation, and the scorecard and missing stages sit on top.
``render_text`` marks the same spans with brackets for a terminal.
"""

from __future__ import annotations

from html import escape

from .model import Finding, Report, Transcript

_STYLE = """
body{font-family:system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:2em;max-width:60em;color:#222}
h1{font-size:1.3em} .pass{color:#176f2c} .fail{color:#b00020}
table{border-collapse:collapse;margin:.5em 0 1.5em} td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}
.u{margin:.3em 0;padding:.3em .6em;border-left:4px solid #ddd} .agent{border-color:#4a78c2} .customer{border-color:#aaa}
.who{color:#666;font-size:.85em;margin-right:.6em} .t{color:#999;font-size:.8em;margin-right:.6em}
mark{background:#dceafe;border-radius:3px;padding:0 1px} mark.violation{background:#ffd6d6}
.issue{color:#b00020;font-size:.85em;margin-left:1em}
mark.review{outline:2px dashed #c77700} .review{color:#8a5300}
"""


def _segments(text: str, findings: list[Finding]) -> list[tuple[str, list[Finding]]]:
    """Cut ``text`` at every finding boundary; each piece carries the findings covering it."""
    cuts = {0, len(text)}
    for f in findings:
        cuts.update((f.start, f.end))
    points = sorted(c for c in cuts if 0 <= c <= len(text))
    pieces = []
    for start, end in zip(points, points[1:]):
        covering = [f for f in findings if f.start <= start and end <= f.end and f.end > f.start]
        pieces.append((text[start:end], covering))
    return pieces


def _span_findings(report: Report, index: int, text: str) -> list[Finding]:
    """Findings to mark inside utterance ``index``: all with a span, except check findings that cover
    the whole utterance (a silence, an interruption): those are listed beside it instead."""
    return [
        f
        for f in report.findings
        if f.utterance_index == index
        and f.start is not None
        and f.end is not None
        and f.end > f.start
        and (f.kind == "hit" or (f.start, f.end) != (0, len(text)))
    ]


def render_html(transcript: Transcript, report: Report) -> str:
    verdict = "通过" if report.passed else "不通过"
    parts = [
        "<!doctype html><html lang=zh><head><meta charset=utf-8>",
        f"<title>{escape(report.transcript_id)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(report.transcript_id)} — <span class={'pass' if report.passed else 'fail'}>"
        f"{report.score:g} 分 {verdict}</span></h1>",
        f"<p>规则包 {escape(report.pack_id)} {escape(report.pack_version)} ({escape(report.pack_hash)})</p>",
    ]
    review = [f for f in report.findings if f.needs_review]
    if review:
        parts.append(
            f"<p class=review>{len(review)} 条发现所依据的文字识别置信度低，需人工复核（虚线标出）</p>"
        )
    if report.breakdown:
        parts.append("<table><tr><th>评分项</th><th>分值</th><th>扣分</th><th></th></tr>")
        for item in report.breakdown:
            veto = "一票否决" if item.vetoed else ""
            parts.append(
                f"<tr><td>{escape(item.name)}</td><td>{item.points:g}</td><td>{item.deducted:g}</td>"
                f"<td>{veto}</td></tr>"
            )
        parts.append("</table>")
    general = [f for f in report.findings if f.kind != "hit" and f.utterance_index is None]
    if general:
        parts.append("<ul>")
        for f in general:
            suggestion = f"（建议：{escape(f.suggestion)}）" if f.suggestion else ""
            parts.append(f"<li class=fail>{escape(f.message)}：{escape(f.explanation)}{suggestion}</li>")
        parts.append("</ul>")
    for index, utterance in enumerate(transcript.utterances):
        marks = _span_findings(report, index, utterance.text)
        issues = [f for f in report.findings if f.utterance_index == index and f.kind != "hit"]
        time = "" if utterance.start is None else f"<span class=t>{utterance.start:.1f}s</span>"
        body = []
        for piece, covering in _segments(utterance.text, marks):
            if not covering:
                body.append(escape(piece))
                continue
            kind = "violation" if any(f.kind != "hit" for f in covering) else "hit"
            if any(f.needs_review for f in covering):
                kind += " review"
            title = "\n".join(f"{f.stage} · {f.rule_id} · {f.method} · {f.explanation}" for f in covering)
            body.append(f"<mark class='{kind}' title=\"{escape(title)}\">{escape(piece)}</mark>")
        notes = "".join(f"<span class=issue>⚠ {escape(f.message)}</span>" for f in issues)
        parts.append(
            f"<div class='u {utterance.speaker}'><span class=who>{index} {utterance.speaker}</span>{time}"
            f"{''.join(body)}{notes}</div>"
        )
    parts.append("</body></html>\n")
    return "".join(parts)


def render_text(transcript: Transcript, report: Report) -> str:
    """Each utterance with its findings bracketed: [您好|greeting] … [不归我管|!forbidden]; a finding
    that needs a person's review (low recognition confidence) ends in ``?``."""
    lines = [f"{report.transcript_id}: score {report.score:g} {'PASS' if report.passed else 'FAIL'}"]
    for index, utterance in enumerate(transcript.utterances):
        marks = sorted(_span_findings(report, index, utterance.text), key=lambda f: (f.start, -f.end))
        out, cursor = [], 0
        for f in marks:
            if f.start < cursor:
                continue  # nested or overlapping: the outer mark is shown
            label = ("!" if f.kind != "hit" else "") + f.stage + ("?" if f.needs_review else "")
            out.append(utterance.text[cursor : f.start])
            out.append(f"[{utterance.text[f.start:f.end]}|{label}]")
            cursor = f.end
        out.append(utterance.text[cursor:])
        lines.append(f"{index:>3} {utterance.speaker:<8} {''.join(out)}")
    for f in report.findings:
        if f.kind != "hit" and f.utterance_index is None:
            lines.append(f"    {f.kind}: {f.message}")
    return "\n".join(lines) + "\n"
