"""The real-browser helper (tests/browser.py) sees what it claims to see.

A page test that asserts "no network request" is only worth the request log behind it: these tests
give the browser pages that do fetch things and check that every kind of request is recorded (and
aborted: nothing leaves the machine), and that hidden elements are told from drawn ones.
"""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser

# Every request goes to the reserved .invalid domain (never resolvable) or to loopback, and the
# helper aborts all but file: and data: before they are sent.
FETCHING_PAGE = """<!doctype html><html><head><meta charset=utf-8><title>fetching</title>
<link rel=stylesheet href="https://cdn.example.invalid/style.css">
<script src="https://cdn.example.invalid/script.js"></script>
<style>@font-face{font-family:F;src:url("https://fonts.example.invalid/f.woff2")} p{font-family:F}</style>
</head><body>
<p>字</p>
<img src="http://img.example.invalid/pixel.png" alt="">
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="">
<img src="other.png" alt="">
<iframe src="https://frame.example.invalid/"></iframe>
<script>
fetch("https://api.example.invalid/fetch").catch(() => {});
const xhr = new XMLHttpRequest(); xhr.open("GET", "https://api.example.invalid/xhr"); xhr.send();
</script>
</body></html>
"""

LAYOUT_PAGE = """<!doctype html><html><head><meta charset=utf-8><title>layout</title></head><body>
<p id=shown class=x>看得见</p>
<p id=none class=x style="display:none">display none</p>
<p id=hidden class=x style="visibility:hidden">visibility hidden</p>
<p id=empty class=x></p>
<div style="height:3000px"></div>
<button id=go onclick="document.title = '点过了'; this.textContent = 'done'">go</button>
</body></html>
"""


def test_every_request_but_the_page_itself_and_data_urls_is_recorded(browser_page, tmp_path):
    page = tmp_path / "fetching.html"
    page.write_text(FETCHING_PAGE, encoding="utf-8")
    browser_page.open(page)
    expected = {
        "https://cdn.example.invalid/style.css",
        "https://cdn.example.invalid/script.js",
        "https://fonts.example.invalid/f.woff2",
        "http://img.example.invalid/pixel.png",
        (tmp_path / "other.png").as_uri(),
        "https://frame.example.invalid/",
        "https://api.example.invalid/fetch",
        "https://api.example.invalid/xhr",
    }
    requests = wait_for_requests(browser_page, expected)
    assert expected <= requests, requests
    assert not any(url.startswith("data:") for url in requests)
    assert page.as_uri() not in requests


def test_a_websocket_is_recorded(browser_page, tmp_path):
    page = tmp_path / "socket.html"
    # Loopback, port 9 (discard): refused at once, nothing leaves the machine.
    page.write_text("<script>new WebSocket('ws://127.0.0.1:9/')</script>", encoding="utf-8")
    browser_page.open(page)
    assert "ws://127.0.0.1:9/" in wait_for_requests(browser_page, {"ws://127.0.0.1:9/"})


def test_a_self_contained_page_makes_no_request(browser_page, tmp_path):
    page = tmp_path / "quiet.html"
    page.write_text(LAYOUT_PAGE, encoding="utf-8")
    browser_page.open(page)
    assert browser_page.requests == []
    assert browser_page.errors == []


def test_hidden_and_empty_elements_are_not_rendered(browser_page, tmp_path):
    page = tmp_path / "layout.html"
    page.write_text(LAYOUT_PAGE, encoding="utf-8")
    browser_page.open(page)
    elements = browser_page.elements("p.x")
    assert [e.rendered for e in elements] == [True, False, False, False]
    [shown] = browser_page.rendered("p.x")
    assert shown.text == "看得见" and shown.width > 0 and shown.height > 0


def test_click_evaluate_and_full_page_screenshot(browser_page, tmp_path):
    page = tmp_path / "layout.html"
    page.write_text(LAYOUT_PAGE, encoding="utf-8")
    browser_page.open(page)
    browser_page.click("#go")  # below the fold: Playwright scrolls to it
    assert browser_page.evaluate("document.title") == "点过了"
    assert browser_page.evaluate("(sel) => document.querySelector(sel).textContent", "#go") == "done"
    shot = browser_page.screenshot(tmp_path / "shots" / "layout.png")
    width, height = png_size(shot)
    assert width == 1280 and height >= 3000  # the whole page, not the 800-pixel viewport


def test_characters_no_font_has_are_found(browser_page, tmp_path):
    page = tmp_path / "glyphs.html"
    # U+F0000 and U+F0001: private use, in no font; "A", "1" and "。" are in any Latin or CJK font.
    page.write_text("<meta charset=utf-8><p>A1\U000f0000 \U000f0001。</p>", encoding="utf-8")
    browser_page.open(page)
    assert browser_page.missing_glyphs("p") == ["\U000f0000", "\U000f0001"]


def wait_for_requests(browser_page, expected: set, seconds: float = 5) -> set:
    """The page's request log once it holds ``expected`` (or after ``seconds``): a fetch or a socket
    opened by a script may be reported after the load event."""
    deadline = time.monotonic() + seconds
    while not expected <= set(browser_page.requests) and time.monotonic() < deadline:
        browser_page.page.wait_for_timeout(50)  # lets Playwright deliver the browser's events
    return set(browser_page.requests)


def png_size(path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (and proof that the file is a PNG)."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
