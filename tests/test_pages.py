"""The pages QA reviewers open, in a real headless Chromium: the batch overview and the call pages.

What a reviewer gets: the pages load from disk alone (no request of any kind, no script error), the
overview shows the score chart, the stage table and the agent table, sorting and filtering work (and
the page is whole without JavaScript), a call page has its verdict above the fold, a legend of stage
colours, and the reason printed beside every mark — visible in a screenshot, not only on hover.
Full-page screenshots are taken every run; with SERVICECHECK_SCREENSHOTS=1 they replace the
committed ones in docs/screenshots/.
"""

from __future__ import annotations

import os
import re
from html import unescape

import pytest
from browser import browser_required
from conftest import EXAMPLES, REPO
from test_browser_helper import png_size

from servicecheck.cli import main

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "docs" / "screenshots"
DEV_CALLS = REPO.parent / "shared" / "dev" / "calls.jsonl"


def _keep(name: str, tmp_path):
    """Where a screenshot goes: docs/screenshots with SERVICECHECK_SCREENSHOTS=1, else tmp_path (a test
    run leaves the work tree as it was)."""
    keep = os.environ.get("SERVICECHECK_SCREENSHOTS", "") not in ("", "0")
    return (SCREENSHOTS if keep else tmp_path) / name


@pytest.fixture(scope="module")
def call_page(tmp_path_factory):
    """The page of examples/call-rude-agent.txt, rendered once by the `render` command."""
    path = tmp_path_factory.mktemp("pages") / "call-rude-agent.html"
    assert main(["render", str(EXAMPLES / "call-rude-agent.txt"), "--output", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """`servicecheck report` of a batch with agent ids (examples/batch.jsonl), and of the labelled dev
    calls when they are beside the checkout."""
    out = tmp_path_factory.mktemp("report")
    inputs = [str(EXAMPLES / "batch.jsonl")] + ([str(DEV_CALLS)] if DEV_CALLS.exists() else [])
    assert main(["report", *inputs, "-o", str(out)]) == 0
    return out


@pytest.fixture
def opened(browser_page, call_page):
    return browser_page.open(call_page)


def test_the_call_page_loads_from_disk_alone(opened):
    assert opened.evaluate("document.title") == "通话 example-002"
    assert opened.evaluate("document.readyState") == "complete"
    assert opened.requests == [], "the page must not fetch anything: it is opened offline"
    assert opened.errors == []
    assert opened.evaluate("document.scripts.length") == 0


def test_the_verdict_and_the_veto_are_visible(opened):
    [heading] = opened.rendered("h1")
    assert heading.text == "通话 example-002 — 0 分 不通过"
    assert heading.y < 800, "the verdict is above the fold"
    assert opened.style("h1 .fail", "color") == "rgb(176, 0, 32)"  # .fail{color:#b00020}
    [veto] = opened.rendered("p.veto")
    assert "一票否决" in veto.text and "得分记为 0 分" in veto.text
    assert "及格线 80 分" in opened.rendered("p.meta")[0].text


def test_every_mark_is_drawn_with_its_reason_printed_beside_it(opened, call_page):
    source = call_page.read_text(encoding="utf-8")
    in_source = [
        unescape(re.sub(r"<sup>\d+</sup>", "", t))
        for t in re.findall(r"<mark class='[^']*violation[^']*'>(.*?)</mark>", source)
    ]
    assert "不归我管" in in_source  # the call's forbidden phrase (a veto) is among them
    marks = opened.elements(".dialogue mark.violation")
    assert [re.sub(r"\d+$", "", m.text) for m in marks] == in_source
    for mark in marks:
        assert mark.rendered, mark
    assert opened.style(".dialogue mark.violation", "background-color") == "rgb(255, 202, 202)"
    # Each mark's number leads to a reason printed on the page: stage, rule, how it was recognised, and
    # for a violation the suggestion, drawn (not a tooltip).
    numbers = opened.evaluate("Array.from(document.querySelectorAll('.dialogue mark sup'), (s) => s.textContent)")
    assert numbers
    for number in numbers:
        [reason] = opened.rendered(f"#f-{number}")
        assert " · " in reason.text
    forbidden = [r for r in opened.rendered("ol.reasons li.violation") if "服务禁语" in r.text]
    assert forbidden and all("建议：" in r.text for r in forbidden)


def test_the_legend_and_the_stage_table_are_drawn(opened):
    legend = opened.rendered(".legend mark")
    assert {"自报家门", "服务禁语"} <= {m.text for m in legend}
    rows = opened.rendered(".stages tr")
    assert any("缺失" in r.text for r in rows) and any("违规" in r.text for r in rows)
    assert opened.rendered(".card a"), "score items link to the findings that cost points"


def test_the_chinese_text_is_drawn_in_a_font_that_has_it(opened):
    """Without a CJK font the page, and its screenshot, show empty boxes for every 汉字."""
    missing = opened.missing_glyphs("body")
    if missing and not browser_required():
        pytest.skip(f"no font for {''.join(missing[:10])}: apt-get install fonts-noto-cjk (the page's font)")
    assert missing == []


def test_call_page_screenshot(opened, tmp_path):
    shot = opened.screenshot(_keep("call-page.png", tmp_path))
    width, height = png_size(shot)
    assert width == 1280
    assert height >= opened.evaluate("document.documentElement.scrollHeight")


# -- the batch overview ----------------------------------------------------------------------------------
def test_the_overview_shows_chart_stages_and_agents_without_requests(browser_page, batch, tmp_path):
    page = browser_page.open(batch / "index.html")
    assert page.requests == [] and page.errors == []
    [chart] = page.rendered("svg#score-chart")
    assert chart.width > 200 and chart.height > 100
    assert len(page.elements("svg#score-chart rect")) == 10  # a bar per ten points, empty ones flat
    assert page.rendered("svg#score-chart rect")
    kpis = page.rendered(".kpi div")
    assert any("通过率" in k.text for k in kpis)
    stages = page.rendered("#stages tr")
    assert any("问候" in r.text for r in stages)
    agents = [r.text for r in page.rendered("#agents tr")][1:]
    assert {"A1024", "A2048", "A3072", "A4096"} <= {row.split()[0] for row in agents}
    page.screenshot(_keep("batch-overview.png", tmp_path))


def test_the_overview_sorts_and_filters(browser_page, batch):
    page = browser_page.open(batch / "index.html")
    scores = lambda: [  # noqa: E731
        float(v)
        for v in page.evaluate(  # noqa: E731
            "Array.from(document.querySelectorAll('#calls tr[data-tags] td:nth-child(3)'), (td) => td.dataset.v)"
        )
    ]
    page.click("#calls th:nth-child(3)")
    assert scores() == sorted(scores(), reverse=True)
    page.click("#calls th:nth-child(3)")
    assert scores() == sorted(scores())
    page.page.select_option("#filter", "stage:forbidden")
    visible = list(page.rendered("#calls tr[data-tags]"))
    assert visible and all(
        "stage:forbidden"
        in page.evaluate(
            "(id) => document.querySelector(`#calls a[href*='${id}']`).closest('tr').dataset.tags", r.text.split()[0]
        )
        for r in visible
    )
    assert len(visible) < len(page.elements("#calls tr[data-tags]"))


def test_an_example_link_opens_the_call_page_at_its_utterance(browser_page, batch, tmp_path):
    page = browser_page.open(batch / "index.html")
    href = page.evaluate("document.querySelector('#violations a').getAttribute('href')")
    assert href.startswith("calls/")
    target = batch / href.split("#")[0]
    call = browser_page.open(target)
    assert call.requests == [] and call.errors == []
    assert call.rendered(".legend mark") and call.rendered("ol.reasons li")
    assert call.rendered(".nav a")[0].text == "← 批次总览"
    if "#u-" in href:
        assert call.rendered(f"#{href.split('#')[1]}")
    call.screenshot(_keep("batch-call-page.png", tmp_path))
