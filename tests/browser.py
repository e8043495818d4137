"""A real headless Chromium for the tests of the pages servicecheck renders (docs/testing.md).

Playwright's Python package drives the system's Chromium (Debian's ``chromium``, /usr/bin/chromium);
Playwright's own browser download (``playwright install``) is never used. One browser is launched per
test session, with a fresh profile; every test gets a new tab of it::

    def test_heading(browser_page, tmp_path):
        browser_page.open(page_file)
        assert browser_page.requests == []           # the page fetched nothing
        [heading] = browser_page.rendered("h1")      # drawn, with a non-zero box
        browser_page.screenshot(tmp_path / "page.png")

Fixtures (imported by tests/conftest.py, so every test module can ask for them):

``chromium``
    session-scoped: the launched :class:`Browser`.
``browser_page``
    a new :class:`Page` (one tab) of that browser, closed after the test.

Outside pytest, ``with launch() as browser: page = browser.new_page()`` does the same.

Where the browser comes from, and what happens when it is missing:

- ``SERVICECHECK_CHROMIUM``: the Chromium executable; default ``/usr/bin/chromium``, else ``chromium``
  on ``PATH``.
- Without Playwright or Chromium the tests that use the fixtures are **skipped**, with the reason.
- ``SERVICECHECK_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes them **fail** instead, so CI cannot
  pass without running them.

What counts as a network request: every request the page makes (documents, frames, images, styles,
scripts, fonts, fetch/XHR, workers, WebSockets, navigations), except the page's own ``file://`` URL
and ``data:`` URLs; another ``file://`` URL counts. Such requests are recorded in ``Page.requests``
and aborted before they leave the machine (WebSockets are recorded; a test page must not open one to
a host other than loopback). Not seen: connections the browser opens by itself and never as a
request (``<link rel=preconnect>``, DNS prefetch), which the launch flags keep to a minimum.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import unquote, urldefrag

import pytest

#: The flags Chromium needs on a closed network (no background connections that are refused, no
#: lookups of Google's hosts), as root in a container (--no-sandbox), without a GPU.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: Viewport of every tab: the width of a reviewer's laptop window, device pixels = CSS pixels.
VIEWPORT = {"width": 1280, "height": 800}
#: Playwright's wait for an element or a navigation, in ms (its own default is 30 s).
TIMEOUT_MS = 10_000

REQUIRE_ENV = "SERVICECHECK_REQUIRE_BROWSER"
CHROMIUM_ENV = "SERVICECHECK_CHROMIUM"


def browser_required() -> bool:
    """True where a missing browser must fail the tests (CI) rather than skip them."""
    return os.environ.get(REQUIRE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def find_chromium() -> Optional[str]:
    """The Chromium executable to drive, or None when there is none."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


class BrowserUnavailable(RuntimeError):
    """Playwright or Chromium is missing, or Chromium would not start."""


@dataclass(frozen=True)
class Element:
    """One element as the browser laid it out."""

    tag: str
    text: str  # innerText: the text as drawn
    x: float
    y: float
    width: float
    height: float  # bounding box in CSS pixels, relative to the viewport
    display: str
    visibility: str  # computed CSS values

    @property
    def rendered(self) -> bool:
        """Drawn on the page: a non-zero box, not display:none, not visibility:hidden."""
        return (
            self.width > 0
            and self.height > 0
            and self.display != "none"
            and self.visibility not in ("hidden", "collapse")
        )


_ELEMENTS_JS = """
(selector) => Array.from(document.querySelectorAll(selector), (el) => {
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), text: el.innerText ?? el.textContent ?? "",
          x: box.x, y: box.y, width: box.width, height: box.height,
          display: style.display, visibility: style.visibility};
})
"""


# Draws each character of an element's text on a canvas in the element's font and compares it with
# a character no font has (U+10FFFD, private use): equal pixels mean the "missing glyph" box (tofu).
_MISSING_GLYPHS_JS = """
(selector) => {
  const el = document.querySelector(selector);
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 96;
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  ctx.font = getComputedStyle(el).font;
  ctx.textBaseline = "top";
  const draw = (ch) => {
    ctx.clearRect(0, 0, 96, 96);
    ctx.fillText(ch, 8, 8);
    return ctx.getImageData(0, 0, 96, 96).data.join();
  };
  const tofu = draw(String.fromCodePoint(0x10FFFD));
  return [...new Set(el.innerText)].filter((ch) => ch.trim() !== "" && draw(ch) === tofu);
}
"""


class Page:
    """One tab: open a local file, look at what the browser made of it, click, take a screenshot."""

    def __init__(self, page: Any) -> None:
        self.page = page  #: the Playwright ``Page``, for anything this wrapper does not cover
        self.url: Optional[str] = None
        self.requests: list[str] = []  #: network requests since the last open(), in order
        self.errors: list[str] = []  #: uncaught JavaScript errors since the last open()
        page.on("request", lambda request: self._record(request.url))
        page.on("websocket", lambda socket: self._record(socket.url))
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _record(self, url: str) -> None:
        if url.startswith("data:") or (self.url is not None and unquote(urldefrag(url)[0]) == unquote(self.url)):
            return
        self.requests.append(url)

    def open(self, path: os.PathLike | str) -> "Page":
        """Load a local file as ``file://`` and wait for its load event; the request log and the
        error log start afresh."""
        self.url = Path(path).resolve().as_uri()
        self.requests.clear()
        self.errors.clear()
        self.page.goto(self.url, wait_until="load")
        return self

    def evaluate(self, expression: str, arg: Any = None) -> Any:
        """Run JavaScript in the page: an expression (``"document.title"``) or a function taking
        ``arg`` (``"(sel) => document.querySelectorAll(sel).length"``); returns its JSON value."""
        return self.page.evaluate(expression, arg)

    def elements(self, selector: str) -> list[Element]:
        """Every element matching the CSS selector, in document order, drawn or not."""
        return [Element(**row) for row in self.page.evaluate(_ELEMENTS_JS, selector)]

    def rendered(self, selector: str) -> list[Element]:
        """The elements matching the CSS selector that are drawn (see :attr:`Element.rendered`)."""
        return [element for element in self.elements(selector) if element.rendered]

    def style(self, selector: str, prop: str) -> str:
        """The computed value of a CSS property of the first element matching the selector."""
        return self.page.eval_on_selector(selector, "(el, p) => getComputedStyle(el).getPropertyValue(p)", prop)

    def missing_glyphs(self, selector: str) -> list[str]:
        """Characters of the first matching element's text that no installed font can draw (they
        show as empty boxes, "tofu"), tried in that element's font; [] when all are drawn."""
        return self.page.evaluate(_MISSING_GLYPHS_JS, selector)

    def click(self, selector: str) -> None:
        """Click the first element matching the selector, as a person would: Playwright waits until
        it is visible, stable and not covered, and clicks the middle of its box."""
        self.page.locator(selector).first.click()

    def screenshot(self, path: os.PathLike | str) -> Path:
        """Save a PNG of the whole page (not only the viewport) to ``path``; its folder is made."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.page.close()


class Browser:
    """A headless Chromium with a fresh, empty profile; :meth:`new_page` opens a tab."""

    def __init__(self, playwright: Any, context: Any, executable: str, profile: str) -> None:
        self._playwright = playwright
        self._context = context
        self.executable = executable
        self.profile = profile
        self.version = context.browser.version if context.browser else ""

    def new_page(self) -> Page:
        return Page(self._context.new_page())


def _abort_network(route: Any) -> None:
    """Nothing but local files and data: URLs is fetched; the page's listener has recorded it."""
    url = route.request.url
    if url.startswith(("file:", "data:")):
        route.continue_()
    else:
        route.abort("blockedbyclient")


@contextlib.contextmanager
def launch(executable: Optional[str] = None) -> Iterator[Browser]:
    """Start headless Chromium under Playwright and close it (and delete its profile) at the end.

    Raises :class:`BrowserUnavailable` when Playwright is not installed, there is no Chromium, or it
    does not start.
    """
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise BrowserUnavailable(f"Playwright is not installed ({error}); pip install -e '.[test]'") from error
    executable = executable or find_chromium()
    if not executable:
        where = os.environ.get(CHROMIUM_ENV)
        raise BrowserUnavailable(
            f"{CHROMIUM_ENV}={where} is not an executable"
            if where
            else f"no Chromium at /usr/bin/chromium or on PATH (apt-get install chromium, or set {CHROMIUM_ENV})"
        )
    profile = tempfile.mkdtemp(prefix="servicecheck-chromium-")
    playwright = None
    try:
        try:
            playwright = sync_playwright().start()
            # A persistent context is the one way to hand Chromium our own --user-data-dir.
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=executable,
                headless=True,
                args=list(CHROMIUM_FLAGS),
                viewport=VIEWPORT,
                device_scale_factor=1,
                service_workers="block",  # a service worker's requests would bypass the page's log
            )
        except PlaywrightError as error:
            raise BrowserUnavailable(f"{executable} did not start under Playwright: {error.message}") from error
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/*", _abort_network)
        try:
            yield Browser(playwright, context, executable, profile)
        finally:
            context.close()
    finally:
        if playwright is not None:
            playwright.stop()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """The session's one headless Chromium; skipped (or failed, with SERVICECHECK_REQUIRE_BROWSER=1)
    when it cannot be had."""
    try:
        browser_context = launch()
        browser = browser_context.__enter__()
    except BrowserUnavailable as error:
        if browser_required():
            pytest.fail(f"{REQUIRE_ENV} is set but there is no browser to test in: {error}", pytrace=False)
        pytest.skip(f"no browser to test in: {str(error).splitlines()[0]}")  # Playwright's log: in CI
    try:
        yield browser
    finally:
        browser_context.__exit__(None, None, None)


@pytest.fixture
def browser_page(chromium: Browser) -> Iterator[Page]:
    """A new tab of the session's Chromium, closed after the test."""
    page = chromium.new_page()
    try:
        yield page
    finally:
        page.close()
