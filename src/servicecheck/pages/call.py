"""A checked call as a page a QA reviewer reads, prints or screenshots: every reason is on the page.

The transcript with each stage hit marked in its stage's colour (a legend says which), a numbered
reason beside every mark (stage, what the rule is about, how the text was recognised, the suggestion
for a violation), the stage table, and the scorecard with each deduction linked to the findings that
caused it. Process checks (order, conditions, timing) are notes at the place where something is
missing or late; they never paint a correct phrase, or the customer's words, red.
"""

from __future__ import annotations

from html import escape
from typing import Optional

from ..model import Finding, Report, Transcript
from .explain import (
    conversation_word,
    failure_reasons,
    finding_ref,
    is_check,
    raw_score,
    reason,
    stage_names,
    suggestion,
)
from .style import PAGE_STYLE, css_name, stage_classes

SPEAKERS = {"agent": "坐席", "customer": "客户", "other": "其他"}


def render_call_page(transcript: Transcript, report: Report, *, back: Optional[str] = None) -> str:
    """A whole self-contained HTML document (inline CSS, no scripts, no external requests).
    ``back``: a link to the batch overview, for pages written by ``servicecheck report``."""
    title = f"{conversation_word(report, transcript.channel)} {report.transcript_id}"
    return (
        "<!doctype html><html lang=zh><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width, initial-scale=1'><title>{escape(title)}</title>"
        f"<style>{PAGE_STYLE}{stage_classes(report)}</style></head><body>"
        + (f"<p class=nav><a href='{escape(back)}'>← 批次总览</a></p>" if back else "")
        + call_body(transcript, report)
        + "</body></html>\n"
    )


def call_body(transcript: Transcript, report: Report) -> str:
    """The page's content, without the document around it."""
    numbers = {id(f): n for n, f in enumerate(report.findings, start=1)}
    names = stage_names(report)
    parts = [_header(transcript, report), _scorecard(report, numbers), _stages(report), _legend(report)]
    general = [f for f in report.findings if f.kind != "hit" and f.utterance_index is None]
    if general:
        parts.append("<section class=general><h2>整体问题</h2><ol class=reasons>")
        parts += [_reason_item(f, numbers, names) for f in general]
        parts.append("</ol></section>")
    parts.append(f"<section class=dialogue><h2>{conversation_word(report, transcript.channel)}内容</h2>")
    by_utterance: dict[int, list[Finding]] = {}
    for finding in report.findings:
        if finding.utterance_index is not None:
            by_utterance.setdefault(finding.utterance_index, []).append(finding)
    for index, utterance in enumerate(transcript.utterances):
        found = by_utterance.get(index, [])
        marked = [f for f in found if not is_check(f) and f.start is not None and f.end is not None and f.end > f.start]
        notes = [f for f in found if f not in marked]
        time = "" if utterance.start is None else f"<span class=t>{utterance.start:.1f}s</span>"
        who = SPEAKERS.get(utterance.speaker, utterance.speaker)
        parts.append(
            f"<div class='u {utterance.speaker}' id=u-{index}><div class=head><span class=who>{who} #{index}</span>"
            f"{time}</div><p class=text>{_marked_text(utterance.text, marked, numbers)}</p>"
        )
        if marked or notes:
            parts.append("<ol class=reasons>")
            parts += [_reason_item(f, numbers, names) for f in marked]
            parts += [_note_item(f, numbers, names, utterance.speaker) for f in notes]
            parts.append("</ol>")
        parts.append("</div>")
    parts.append("</section>")
    return "".join(parts)


def _header(transcript: Transcript, report: Report) -> str:
    verdict, css = ("通过", "pass") if report.passed else ("不通过", "fail")
    word = conversation_word(report, transcript.channel)
    agent = report.metadata.get("agent_id")
    facts = [
        f"及格线 {report.pass_mark:g} 分" if report.pass_mark is not None else None,
        f"坐席 {escape(str(agent))}" if agent is not None else None,
        "渠道 在线会话" if transcript.channel == "online" else "渠道 电话",
        f"规则包 {escape(report.pack_id)} {escape(report.pack_version)}",
    ]
    out = [
        f"<header><h1>{word} {escape(report.transcript_id)} — <span class={css}>{report.score:g} 分 {verdict}</span></h1>",
        f"<p class=meta>{' · '.join(f for f in facts if f)}</p>",
    ]
    vetoed = [item for item in report.breakdown if item.vetoed]
    if vetoed:
        before = raw_score(report)
        was = f"（扣分后本为 {before:g} 分）" if before is not None and before != report.score else ""
        out.append(
            f"<p class=veto>一票否决：{escape('、'.join(i.name for i in vetoed))}，得分记为 {report.score:g} 分{was}</p>"
        )
    elif not report.passed:
        out.append(f"<p class=why>未通过：{escape('；'.join(failure_reasons(report)))}</p>")
    review = [f for f in report.findings if f.needs_review]
    if review:
        out.append(f"<p class=review>{len(review)} 条发现所依据的文字识别置信度低，需人工复核（虚线标出）</p>")
    out.append("</header>")
    return "".join(out)


def _scorecard(report: Report, numbers: dict[int, int]) -> str:
    if not report.breakdown:
        return ""
    rows = ["<section class=card><h2>评分表</h2><table><tr><th>评分项</th><th>分值</th><th>扣分</th><th>依据</th></tr>"]
    for item in report.breakdown:
        links = ", ".join(
            f"<a href='#f-{numbers[id(report.findings[i])]}'>{escape(finding_ref(report.findings[i]))}</a>"
            for i in item.findings
        )
        css = " class=lost" if item.deducted or item.vetoed else ""
        deducted = "<b class=fail>一票否决</b>" if item.vetoed else f"{item.deducted:g}"
        veto = "（一票否决项）" if item.veto and not item.vetoed and item.points == 0 else ""
        rows.append(
            f"<tr{css}><td>{escape(item.name)}{veto}</td><td>{item.points:g}</td><td>{deducted}</td>"
            f"<td>{links}</td></tr>"
        )
    rows.append("</table></section>")
    return "".join(rows)


def _stages(report: Report) -> str:
    rows = ["<section class=stages><h2>环节</h2><table><tr><th>环节</th><th>必需</th><th>结果</th><th>位置</th></tr>"]
    for stage in report.stages:
        violation = any(f.stage == stage.stage and f.kind == "violation" and not is_check(f) for f in report.findings)
        if violation:
            result = "<span class=fail>违规</span>"
        elif stage.present:
            result = f"<span class=pass>✓ 出现 {stage.count} 次</span>"
        elif stage.required:
            result = "<span class=fail>✗ 缺失</span>"
        else:
            result = "未出现"
        where = " ".join(f"<a href='#u-{i}'>#{i}</a>" for i in stage.utterances[:20])
        rows.append(
            f"<tr><td><span class='sw {css_name(stage.stage)}'></span>{escape(stage.name)}</td>"
            f"<td>{'是' if stage.required else ''}</td><td>{result}</td><td>{where}</td></tr>"
        )
    rows.append("</table></section>")
    return "".join(rows)


def _legend(report: Report) -> str:
    items = "".join(
        f"<li><mark class='{css_name(s.stage)}'>{escape(s.name)}</mark></li>" for s in report.stages if s.present
    )
    methods = "<li><mark class='hit fuzzy'>虚下划线</mark> 同音或模糊匹配</li><li><mark class='hit review'>虚线框</mark> 识别置信度低</li>"
    return f"<section class=legend><h2>图例</h2><ul>{items}{methods}</ul></section>"


def _marked_text(text: str, marked: list[Finding], numbers: dict[int, int]) -> str:
    """The utterance with one ``<mark>`` per finding; nested or overlapping findings are cut into
    pieces, and each finding's number follows its last piece."""
    cuts = {0, len(text)}
    for f in marked:
        cuts.update((f.start, f.end))  # type: ignore[arg-type]
    points = sorted(c for c in cuts if 0 <= c <= len(text))
    out = []
    for start, end in zip(points, points[1:]):
        piece = escape(text[start:end])
        covering = [f for f in marked if f.start <= start and end <= f.end]  # type: ignore[operator]
        if not covering:
            out.append(piece)
            continue
        main = min(covering, key=lambda f: (f.kind == "hit", (f.end or 0) - (f.start or 0)))
        classes = [css_name(main.stage), "violation" if main.kind != "hit" else "hit"]
        if any(f.method in ("pinyin", "fuzzy") for f in covering):
            classes.append("fuzzy")
        if any(f.needs_review for f in covering):
            classes.append("review")
        ends = "".join(f"<sup>{numbers[id(f)]}</sup>" for f in covering if f.end == end)
        out.append(f"<mark class='{' '.join(escape(c) for c in classes)}'>{piece}{ends}</mark>")
    return "".join(out)


def _reason_item(finding: Finding, numbers: dict[int, int], names: dict[str, str]) -> str:
    number = numbers[id(finding)]
    css = "violation" if finding.kind != "hit" else "hit"
    extra = ""
    tip = suggestion(finding)
    if tip:
        extra += f"<span class=tip>建议：{escape(tip)}</span>"
    if finding.needs_review:
        extra += "<span class=badge>需人工复核</span>"
    return (
        f"<li id=f-{number} value={number} class='{css} {css_name(finding.stage)}'>"
        f"<span class=r>{escape(reason(finding, names))}</span>{extra}</li>"
    )


def _note_item(finding: Finding, numbers: dict[int, int], names: dict[str, str], speaker: str) -> str:
    """A check's finding at an utterance. On the customer's words it says what the agent should have
    done after them; it never marks the customer's text."""
    number = numbers[id(finding)]
    lead = "↳ 此后" if speaker != "agent" else "⚠"
    css = "note after" if speaker != "agent" else "note"
    tip = suggestion(finding)
    extra = f"<span class=tip>建议：{escape(tip)}</span>" if tip else ""
    if finding.needs_review:
        extra += "<span class=badge>需人工复核</span>"
    return (
        f"<li id=f-{number} value={number} class='{css}'><span class=r>{lead} {escape(reason(finding, names))}</span>"
        f"{extra}</li>"
    )
