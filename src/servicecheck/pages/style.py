"""The pages' look: one stylesheet, and a colour per stage (a legend names them)."""

from __future__ import annotations

import re

from ..model import Report

# Distinct, light enough to read black text on; violation stages are always red.
PALETTE = (
    "#cfe3ff",
    "#d4f2d0",
    "#ffe9b8",
    "#e6d9ff",
    "#c9f0ef",
    "#ffd9ec",
    "#e8f0c2",
    "#f7dcc8",
    "#d9e0e8",
    "#f0d4f7",
    "#c8e6d8",
    "#fff3a8",
)
VIOLATION = "#ffcaca"

PAGE_STYLE = """
body{font-family:system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:1.5em auto;max-width:64em;
 padding:0 1em;color:#222;line-height:1.6}
h1{font-size:1.35em;margin:.2em 0} h2{font-size:1.05em;margin:1.2em 0 .4em;border-bottom:1px solid #ddd}
.pass{color:#176f2c} .fail{color:#b00020} .meta,.nav{color:#555;font-size:.9em;margin:.2em 0}
.veto,.why{background:#fff0f0;border-left:4px solid #b00020;padding:.3em .6em;margin:.4em 0}
.review{color:#8a5300}
table{border-collapse:collapse;margin:.3em 0 .8em} td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left;
 vertical-align:top} tr.lost td{background:#fff6f6} th{background:#f4f4f4}
.u{margin:.4em 0;padding:.3em .7em;border-left:4px solid #ddd} .u.agent{border-color:#4a78c2}
.u.customer{border-color:#aaa;background:#fafafa} .head{font-size:.8em;color:#666}
.who{margin-right:.6em;font-weight:600} .t{color:#999} .text{margin:.1em 0;font-size:1.05em}
mark{border-radius:3px;padding:0 2px;margin:0 1px;box-shadow:inset 0 -2px 0 rgba(0,0,0,.18)}
mark.violation{background:#ffcaca;box-shadow:inset 0 -2px 0 #b00020}
mark.fuzzy{text-decoration:underline dashed #555;text-underline-offset:3px}
mark.review{outline:2px dashed #c77700}
mark sup{font-size:.7em;color:#444;margin-left:1px}
ol.reasons{margin:.2em 0 .3em 1.2em;padding-left:1em;font-size:.88em;color:#333}
ol.reasons li.violation .r{color:#b00020} ol.reasons li.note .r{color:#8a2b00}
ol.reasons li.after .r{color:#6b4b00}
.tip{display:block;color:#176f2c} .badge{background:#fff0d6;color:#8a5300;border-radius:3px;padding:0 .4em;
 margin-left:.4em;font-size:.85em}
.legend mark.hit{background:#eee} .legend ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4em 1em;margin:.2em 0}
.sw{display:inline-block;width:.9em;height:.9em;border-radius:2px;margin-right:.4em;vertical-align:-.1em}
@media print{.nav{display:none} .u{break-inside:avoid}}
"""


def css_name(stage: str) -> str:
    """A stage id as a CSS class name (ids may hold dots)."""
    return "s-" + re.sub(r"[^A-Za-z0-9_-]", "_", stage)


def stage_colours(report: Report) -> dict[str, str]:
    """Stage id -> colour: violation stages red, the others from the palette in the pack's order."""
    violation_stages = {f.stage for f in report.findings if f.kind == "violation" and f.method != "check"}
    colours, next_colour = {}, 0
    for stage in report.stages:
        if stage.stage in violation_stages:
            colours[stage.stage] = VIOLATION
            continue
        colours[stage.stage] = PALETTE[next_colour % len(PALETTE)]
        next_colour += 1
    return colours


def stage_classes(report: Report) -> str:
    """CSS rules giving each stage's marks and swatches its colour."""
    return "".join(
        f"mark.{css_name(stage)},.sw.{css_name(stage)}{{background:{colour}}}"
        for stage, colour in stage_colours(report).items()
    )
