"""The call page (`servicecheck render … --output X.html`) in a real headless Chromium.

What a QA reviewer gets when they open the page: it loads from disk alone (no request of any kind,
no script error), the score is in the heading, every violation is marked and actually drawn, and the
hover text of each mark names its rule. A full-page screenshot is taken every run; with
SERVICECHECK_SCREENSHOTS=1 it replaces the committed docs/screenshots/call-page.png.
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

SCREENSHOT = REPO / "docs" / "screenshots" / "call-page.png"


@pytest.fixture(scope="module")
def call_page(tmp_path_factory):
    """The page of examples/call-rude-agent.txt, rendered once by the `render` command."""
    path = tmp_path_factory.mktemp("pages") / "call-rude-agent.html"
    assert main(["render", str(EXAMPLES / "call-rude-agent.txt"), "--output", str(path)]) == 0
    return path


@pytest.fixture
def opened(browser_page, call_page):
    return browser_page.open(call_page)


def test_the_page_loads_from_disk_alone(opened):
    assert opened.evaluate("document.title") == "example-002"
    assert opened.evaluate("document.readyState") == "complete"
    assert opened.requests == [], "the page must not fetch anything: it is opened offline"
    assert opened.errors == []
    assert opened.evaluate("document.scripts.length") == 0


def test_the_score_heading_is_visible(opened):
    [heading] = opened.rendered("h1")
    assert heading.text == "example-002 — 0 分 不通过"
    assert heading.y < 800, "the verdict is above the fold"
    [verdict] = opened.rendered("h1 .fail")
    assert verdict.text == "0 分 不通过"
    assert opened.style("h1 .fail", "color") == "rgb(176, 0, 32)"  # .fail{color:#b00020}


def test_every_violation_mark_is_drawn(opened, call_page):
    source = call_page.read_text(encoding="utf-8")
    in_source = [unescape(text) for text in re.findall(r"<mark class='violation[^']*'[^>]*>(.*?)</mark>", source)]
    assert "不归我管" in in_source  # the call's forbidden phrase (a veto) is among them
    marks = opened.elements("mark.violation")
    assert [m.text for m in marks] == in_source
    for mark in marks:
        assert mark.rendered, mark
    assert opened.style("mark.violation", "background-color") == "rgb(255, 214, 214)"
    titles = opened.evaluate("Array.from(document.querySelectorAll('mark.violation'), (m) => m.title)")
    assert all(re.search(r"\S+ · \S+ · \S+ · ", title) for title in titles), titles


def test_the_chinese_text_is_drawn_in_a_font_that_has_it(opened):
    """Without a CJK font the page, and its screenshot, show empty boxes for every 汉字."""
    missing = opened.missing_glyphs("body")
    if missing and not browser_required():
        pytest.skip(f"no font for {''.join(missing[:10])}: apt-get install fonts-noto-cjk (the page's font)")
    assert missing == []


def test_full_page_screenshot(opened, tmp_path):
    """SERVICECHECK_SCREENSHOTS=1 writes docs/screenshots/call-page.png (committed); otherwise the
    screenshot goes to tmp_path, so a test run leaves the work tree as it was."""
    keep = os.environ.get("SERVICECHECK_SCREENSHOTS", "") not in ("", "0")
    target = SCREENSHOT if keep else tmp_path / "call-page.png"
    shot = opened.screenshot(target)
    width, height = png_size(shot)
    assert width == 1280
    assert height >= opened.evaluate("document.documentElement.scrollHeight")
