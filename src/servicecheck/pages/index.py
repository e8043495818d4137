"""The batch overview page (``DIR/index.html`` of ``servicecheck report``).

Inline SVG for the score distribution, tables for stages, checks, violations and agents, and the
calls with a filter. The JavaScript (sorting a table by a header, filtering the calls) is a few inline
lines; without it every table is still there, in its default order.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Optional

from ..model import Report
from .style import PAGE_STYLE

INDEX_STYLE = """
.kpi{display:flex;gap:1.5em;flex-wrap:wrap;margin:.5em 0}
.kpi div{border:1px solid #ddd;border-radius:6px;padding:.4em .9em;min-width:7em}
.kpi b{display:block;font-size:1.5em}
.bar{display:inline-block;height:.7em;background:#4a78c2;border-radius:2px;vertical-align:middle;margin-right:.4em}
.bar.low{background:#b00020} th.sortable{cursor:pointer} th.sortable:after{content:" ⇅";color:#999}
svg text{font-size:11px;fill:#444} .hidden{display:none}
"""

SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, column) {
    th.classList.add('sortable');
    th.addEventListener('click', function () {
      var rows = Array.prototype.slice.call(table.querySelectorAll('tr')).slice(1);
      var down = th.dataset.down !== '1'; th.dataset.down = down ? '1' : '0';
      rows.sort(function (a, b) {
        var x = a.children[column].dataset.v || a.children[column].textContent;
        var y = b.children[column].dataset.v || b.children[column].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, 'zh');
        return down ? -c : c;
      });
      rows.forEach(function (row) { table.appendChild(row); });
    });
  });
});
var filter = document.getElementById('filter');
if (filter) {
  filter.addEventListener('change', function () {
    var want = filter.value;
    document.querySelectorAll('#calls tr[data-tags]').forEach(function (row) {
      var tags = row.dataset.tags.split(' ');
      row.classList.toggle('hidden', want !== '' && tags.indexOf(want) < 0);
    });
  });
}
"""


@dataclass(frozen=True)
class CallRow:
    """What the index lists of one call."""

    transcript_id: str
    agent: Optional[str]
    score: float
    passed: bool
    page: str
    tags: tuple[str, ...]  # stages and rules it violated or missed, for the filter
    problems: tuple[str, ...]  # the same, for people

    @classmethod
    def of(cls, report: Report, page: str) -> "CallRow":
        names = {s.stage: s.name for s in report.stages}
        tags: list[str] = []
        problems: list[str] = []
        for finding in report.findings:
            if finding.kind == "hit":
                continue
            for tag in (f"stage:{finding.stage}", f"rule:{finding.rule_id}"):
                if tag not in tags:
                    tags.append(tag)
            label = f"缺少{names.get(finding.stage, finding.stage)}" if finding.kind == "missing" else finding.message
            if label not in problems:
                problems.append(label)
        agent = report.metadata.get("agent_id")
        return cls(
            report.transcript_id,
            None if agent is None else str(agent),
            report.score,
            report.passed,
            page,
            tuple(tags),
            tuple(problems),
        )


def _percent(value: Optional[float]) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _bar(value: Optional[float]) -> str:
    if value is None:
        return ""
    low = " low" if value < 0.8 else ""
    return f"<span class='bar{low}' style='width:{value * 6:.2f}em'></span>"


def histogram_svg(bins: list[tuple[float, float, int]], pass_mark: Optional[float]) -> str:
    """Score distribution as an inline SVG bar chart, with the pass mark drawn in."""
    width, height, left, bottom = 520, 180, 30, 24
    top = max((count for _, _, count in bins), default=0) or 1
    step = (width - left) / max(len(bins), 1)
    parts = [
        f"<svg id=score-chart role=img aria-label='分数分布' width={width} height={height} "
        f"viewBox='0 0 {width} {height}' xmlns='http://www.w3.org/2000/svg'>"
    ]
    for i, (low, high, count) in enumerate(bins):
        bar = (height - bottom - 10) * count / top
        x = left + i * step
        colour = "#176f2c" if pass_mark is not None and low >= pass_mark else "#c04a4a"
        parts.append(
            f"<rect x='{x + 2:.1f}' y='{height - bottom - bar:.1f}' width='{step - 4:.1f}' height='{bar:.1f}' "
            f"fill='{colour}'><title>{low:g}–{high:g} 分：{count} 通</title></rect>"
            f"<text x='{x + step / 2:.1f}' y='{height - 8}' text-anchor=middle>{low:g}</text>"
        )
        if count:
            parts.append(
                f"<text x='{x + step / 2:.1f}' y='{height - bottom - bar - 3:.1f}' text-anchor=middle>{count}</text>"
            )
    parts.append(f"<line x1='{left}' y1='{height - bottom}' x2='{width}' y2='{height - bottom}' stroke='#888'/>")
    if pass_mark is not None and bins:
        span = bins[-1][1] - bins[0][0] or 1
        x = left + (pass_mark - bins[0][0]) / span * (width - left)
        parts.append(
            f"<line x1='{x:.1f}' y1='4' x2='{x:.1f}' y2='{height - bottom}' stroke='#222' stroke-dasharray='4 3'/>"
            f"<text x='{x + 3:.1f}' y='14'>及格线 {pass_mark:g}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def render_index(
    summary,
    rows: list[CallRow],
    pages: dict[str, str],
    errors: list[tuple[str, str]],
    *,
    pack: str,
    pass_mark: Optional[float] = None,
    truncated: int = 0,
) -> str:
    parts = [
        "<!doctype html><html lang=zh><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'><title>质检批次总览</title>"
        f"<style>{PAGE_STYLE}{INDEX_STYLE}</style></head><body>",
        f"<h1>质检批次总览</h1><p class=meta>规则包 {escape(pack)}"
        + (f" · 及格线 {pass_mark:g} 分" if pass_mark is not None else "")
        + "</p>",
        "<div class=kpi>"
        f"<div>通话/会话<b>{summary.calls}</b></div>"
        f"<div>通过率<b>{_percent(summary.pass_rate)}</b></div>"
        f"<div>平均分<b>{'—' if summary.mean_score is None else f'{summary.mean_score:.1f}'}</b></div>"
        f"<div>无法读取<b>{summary.errors}</b></div></div>",
        "<h2>分数分布</h2>",
        histogram_svg(summary.histogram(10), pass_mark),
    ]
    parts.append(
        "<h2>各环节达标率</h2><table class=sortable id=stages><tr><th>环节</th><th>必需</th>"
        "<th>达标率</th><th>出现</th><th>违规</th></tr>"
    )
    for stat in summary.stages():
        parts.append(
            f"<tr><td>{escape(stat.name)}</td><td>{'是' if stat.required else ''}</td>"
            f"<td data-v='{stat.compliance if stat.compliance is not None else -1}'>{_bar(stat.compliance)}"
            f"{_percent(stat.compliance)}</td><td>{stat.present}</td><td>{stat.violating}</td></tr>"
        )
    parts.append("</table>")
    checks = summary.checks()
    if checks:
        parts.append(
            "<h2>流程检查</h2><table class=sortable id=checks><tr><th>检查</th><th>说明</th><th>达标率</th>"
            "<th>发现</th><th>涉及</th></tr>"
        )
        for stat in checks:
            parts.append(
                f"<tr><td>{escape(stat.id)}</td><td>{escape(stat.message or '')}</td>"
                f"<td data-v='{stat.compliance if stat.compliance is not None else -1}'>{_bar(stat.compliance)}"
                f"{_percent(stat.compliance)}</td><td>{stat.findings}</td><td>{stat.calls}</td></tr>"
            )
        parts.append("</table>")
    parts.append(
        "<h2>最常见的问题</h2><table class=sortable id=violations><tr><th>问题</th><th>规则</th>"
        "<th>次数</th><th>涉及</th><th>示例</th></tr>"
    )
    for stat in summary.top_violations(15):
        examples = []
        for example in stat.examples[:3]:
            transcript_id, utterance_index, text = example.transcript_id, example.utterance_index, example.text
            page = pages.get(transcript_id)
            label = escape(f"{transcript_id}" + (f" #{utterance_index}" if utterance_index is not None else ""))
            quote = f"「{escape(text)}」" if text else ""
            anchor = f"#u-{utterance_index}" if utterance_index is not None else ""
            examples.append(f"<a href='{escape(page + anchor)}'>{label}</a>{quote}" if page else f"{label}{quote}")
        parts.append(
            f"<tr><td>{escape(stat.message or stat.rule_id)}</td><td>{escape(stat.rule_id)}</td><td>{stat.count}</td>"
            f"<td>{stat.calls}</td><td>{'<br>'.join(examples)}</td></tr>"
        )
    parts.append("</table>")
    parts.append(
        "<h2>坐席</h2><table class=sortable id=agents><tr><th>坐席</th><th>通话/会话</th><th>平均分</th>"
        "<th>通过率</th><th>最弱环节</th></tr>"
    )
    for stat in summary.agents():
        agent = "未知" if stat.agent is None else str(stat.agent)
        mean = "—" if stat.mean_score is None else f"{stat.mean_score:.1f}"
        parts.append(
            f"<tr><td>{escape(agent)}</td><td>{stat.calls}</td><td>{mean}</td>"
            f"<td data-v='{stat.pass_rate if stat.pass_rate is not None else -1}'>{_percent(stat.pass_rate)}</td>"
            f"<td>{escape(stat.worst_stage or '')}</td></tr>"
        )
    parts.append("</table>")
    worst = summary.worst(10)
    if worst:
        parts.append("<h2>得分最低</h2><ol>")
        for call in worst:
            page = pages.get(call.transcript_id)
            name = escape(call.transcript_id)
            link = f"<a href='{escape(page)}'>{name}</a>" if page else name
            reasons = escape(
                "；".join(
                    [f"{name}：一票否决" for name in call.vetoed]
                    + [f"{d.name} −{d.deducted:g}" for d in call.deductions]
                )
            )
            parts.append(f"<li>{link} — {call.score:g} 分 {'通过' if call.passed else '不通过'}：{reasons}</li>")
        parts.append("</ol>")
    parts.append(_calls_table(rows, summary, truncated))
    if errors:
        parts.append("<h2>无法读取的记录</h2><ul>")
        parts += [f"<li>{escape(source)}：{escape(error)}</li>" for source, error in errors[:500]]
        parts.append("</ul>")
    parts.append(f"<script>{SCRIPT}</script></body></html>\n")
    return "".join(parts)


def _calls_table(rows: list[CallRow], summary, truncated: int) -> str:
    options = ["<option value=''>全部</option>"]
    for stat in summary.stages():
        options.append(f"<option value='stage:{escape(stat.id)}'>环节：{escape(stat.name)}</option>")
    for stat in summary.top_violations(50):
        options.append(
            f"<option value='rule:{escape(stat.rule_id)}'>问题：{escape(stat.message or stat.rule_id)}</option>"
        )
    parts = [
        "<h2>全部通话/会话</h2>",
        f"<p><label>只看有此问题的：<select id=filter>{''.join(options)}</select></label></p>",
        "<table class=sortable id=calls><tr><th>编号</th><th>坐席</th><th>得分</th><th>结果</th><th>问题</th></tr>",
    ]
    for row in rows:
        parts.append(
            f"<tr data-tags='{escape(' '.join(row.tags))}'><td><a href='{escape(row.page)}'>{escape(row.transcript_id)}</a></td>"
            f"<td>{escape(row.agent or '')}</td><td data-v='{row.score}'>{row.score:g}</td>"
            f"<td class={'pass' if row.passed else 'fail'}>{'通过' if row.passed else '不通过'}</td>"
            f"<td>{escape('；'.join(row.problems))}</td></tr>"
        )
    parts.append("</table>")
    if truncated:
        parts.append(f"<p class=meta>另有 {truncated} 通未列出（统计已包含）：明细见各自页面或 CSV。</p>")
    return "".join(parts)
