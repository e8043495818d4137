"""Word segmentation with jieba, through a private tokenizer per pack, computed only where needed.

jieba cuts each maximal run of Han characters and alphanumerics (``jieba.re_han_default``) on its own;
everything between runs becomes one-character tokens. So the tokens of a whole utterance are exactly the
tokens of its runs, and a matcher that needs token boundaries only around a candidate hit segments just
that run. Runs are cached by their text: agents repeat their scripts, so most runs are seen before.
"""

from __future__ import annotations

import logging
import marshal
import os
import sys
import tempfile
import threading
from bisect import bisect_right
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Optional, Sequence

if "jieba" not in sys.modules and "pkg_resources" not in sys.modules:
    # jieba 0.42 imports pkg_resources (setuptools: 50 ms of start-up and a deprecation warning) only to
    # open its own data files, and opens them by path when the import fails: make it fail, just for jieba.
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        del sys.modules["pkg_resources"]
import jieba

from .fastcut import LONG_RUN, RunCutter
from .normalize import TextView

_RUN_PATTERN = jieba.re_han_default  # the exact pattern jieba splits blocks with
CACHED_RUN_CHARS = LONG_RUN  # runs longer than this are cut without caching anything

logging.getLogger("jieba").setLevel(logging.WARNING)  # jieba prints its cache messages at INFO


def default_cache_dir() -> Path:
    """Where jieba's dictionary cache goes: ``$SERVICECHECK_CACHE_DIR``, else the user's cache folder."""
    configured = os.environ.get("SERVICECHECK_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "servicecheck"


def _private_dir(path: Path) -> Path:
    """Create ``path`` readable by its owner only; fall back to a fresh private temp dir if we can't."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if os.name == "posix":
            if path.stat().st_uid != os.getuid():
                # Someone else's folder: a cache file planted there would be unmarshalled by jieba.
                raise PermissionError(f"{path} belongs to another user")
            os.chmod(path, 0o700)
        probe = tempfile.NamedTemporaryFile(dir=path, delete=True)
        probe.close()
        return path
    except OSError:
        return Path(tempfile.mkdtemp(prefix="servicecheck-"))


def _plausible(tokenizer: jieba.Tokenizer) -> bool:
    """Whether the prefix dictionary jieba loaded looks like its own: a dict of a few hundred
    thousand words and prefixes whose frequencies add up to the total (cheap: a few milliseconds;
    jieba counts a word listed twice in its dictionary twice in the total, so allow a little less)."""
    freq, total = tokenizer.FREQ, tokenizer.total
    try:
        return (
            isinstance(freq, dict)
            and len(freq) >= 100_000
            and isinstance(total, int)
            and total > 0
            and 0.99 * total <= sum(freq.values()) <= total
        )
    except TypeError:
        return False


def _load_cache(tokenizer: jieba.Tokenizer) -> bool:
    """Load jieba's cached prefix dictionary as ``initialize`` would, three times faster: ``marshal.load``
    on a file object reads it object by object through the file's Python methods (0.45 s of a cold
    start), ``marshal.loads`` on its bytes does not (0.15 s). False when there is no usable cache, for
    ``initialize`` to build one. Only for jieba's default dictionary, whose cache name is fixed."""
    if tokenizer.dictionary != jieba.DEFAULT_DICT or not tokenizer.tmp_dir:
        return False
    try:
        freq, total = marshal.loads(Path(tokenizer.tmp_dir, "jieba.cache").read_bytes())
    except Exception:  # missing, unreadable or not marshal data: jieba's own load gives up on anything too
        return False
    tokenizer.FREQ, tokenizer.total = freq, total
    tokenizer.initialized = True
    return True


class Segmenter:
    """A private ``jieba.Tokenizer`` plus run-level caching. Safe to share between threads.

    The global ``jieba`` instance is never touched, and words are only ever added (``del_word`` would
    leak into other tokenizers through jieba's shared HMM force-split table).
    """

    def __init__(
        self,
        words: Sequence[tuple[str, Optional[int]]] = (),
        *,
        hmm: bool = True,
        cache_dir: Optional[Path] = None,
        cache_size: int = 65536,
    ) -> None:
        self._words = tuple(words)
        self.hmm = hmm
        self._cache_dir = cache_dir
        self._tokenizer: Optional[jieba.Tokenizer] = None
        self._cutter: Optional[RunCutter] = None
        self._lock = threading.Lock()
        self._cut_run_cached = lru_cache(maxsize=cache_size)(self._cut_run)
        # Tokens cached on a view belong to this segmenter (its dictionary and HMM setting); runs don't.
        self._tokens_key = ("tokens", object())

    @property
    def tokenizer(self) -> jieba.Tokenizer:
        found = self._tokenizer  # read into locals: another thread may set the attribute between the two checks
        if found is None:
            with self._lock:
                found = self._tokenizer
                if found is None:
                    found = self._tokenizer = self._build()
        return found

    def _build(self) -> jieba.Tokenizer:
        tokenizer = jieba.Tokenizer()
        tokenizer.tmp_dir = str(_private_dir(Path(self._cache_dir) if self._cache_dir else default_cache_dir()))
        if not _load_cache(tokenizer):
            tokenizer.initialize()  # builds the dictionary and writes the cache; a corrupt cache is rebuilt
        if not _plausible(tokenizer):
            # One that unmarshals into something else (truncated, overwritten) is not trusted either:
            # it would crash the first cut or segment wrongly. Drop it and build the dictionary again.
            try:
                os.remove(os.path.join(tokenizer.tmp_dir, "jieba.cache"))
            except OSError:
                pass
            tokenizer.initialized = False
            tokenizer.initialize()
            if not _plausible(tokenizer):  # the file could not be replaced: build in memory
                tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
        for word, freq in self._words:
            # freq must be positive: add_word(freq=0) registers a force-split in jieba's global HMM.
            tokenizer.add_word(word, freq if freq else None)
        return tokenizer

    def warm_up(self) -> None:
        """Load the dictionary now instead of at the first segmentation."""
        _ = self.tokenizer

    def cut_run(self, run: str) -> tuple[int, ...]:
        """Token end offsets (relative to the run) of one jieba run; cached by run text, except long runs
        (rarely repeated, and each would hold its text and tuple in the cache)."""
        return self._cut_run(run) if len(run) > CACHED_RUN_CHARS else self._cut_run_cached(run)

    def _cut_run(self, run: str) -> tuple[int, ...]:
        """Token end offsets (relative to the run) of one jieba run: ``tokenizer.cut(run)``, computed by
        ``RunCutter`` (identical tokens, a fraction of the overhead)."""
        cutter = self._cutter
        if cutter is None:
            tokenizer = self.tokenizer
            with self._lock:
                cutter = self._cutter
                if cutter is None:
                    cutter = self._cutter = RunCutter(tokenizer.FREQ, tokenizer.total, self.hmm)
        return cutter.ends(run)

    # -- views --------------------------------------------------------------------------------------
    def runs(self, view: TextView) -> "RunIndex":
        index = view._segmentation.get("runs")
        if index is None:
            index = RunIndex(view.norm)
            view._segmentation["runs"] = index
        return index

    def _run_ends(self, view: TextView, run_start: int, run_end: int) -> tuple[int, ...]:
        """``cut_run`` of the view's run at ``[run_start, run_end)``. A long run, which ``cut_run`` does not
        cache, is cut once per view: boundary checks and token lists over a long utterance ask for the same
        run again and again."""
        if run_end - run_start <= CACHED_RUN_CHARS:
            return self._cut_run_cached(view.norm[run_start:run_end])
        key = (self._tokens_key, run_start)
        ends = view._segmentation.get(key)
        if ends is None:
            ends = view._segmentation[key] = self._cut_run(view.norm[run_start:run_end])
        return ends

    def is_boundary(self, view: TextView, position: int) -> bool:
        """True when a token starts (or ends) at ``position`` of the normalised text."""
        if position <= 0 or position >= len(view.norm):
            return True
        run = self.runs(view).run_at(position)
        if run is None:
            return True
        run_start, run_end = run
        if position == run_start:
            return True
        return (position - run_start) in self._run_ends(view, run_start, run_end)

    def token_end(self, view: TextView, position: int) -> int:
        """Where the token starting at ``position`` (a token start before the end) ends, segmenting only
        the run it is in."""
        run = self.runs(view).run_at(position)
        if run is None:
            return position + 1  # a character between runs is a token of its own
        run_start, run_end = run
        ends = self._run_ends(view, run_start, run_end)
        return run_start + ends[bisect_right(ends, position - run_start)]

    def tokens(self, view: TextView) -> list[tuple[int, int]]:
        """All tokens of the normalised text as ``(start, end)``, exactly as ``jieba.cut`` would give."""
        cached = view._segmentation.get(self._tokens_key)
        if cached is not None:
            return cached
        norm = view.norm
        spans: list[tuple[int, int]] = []
        position = 0
        for run_start, run_end in self.runs(view).spans:
            spans.extend((i, i + 1) for i in range(position, run_start))
            previous = run_start
            for end in self._run_ends(view, run_start, run_end):
                spans.append((previous, run_start + end))
                previous = run_start + end
            position = run_end
        spans.extend((i, i + 1) for i in range(position, len(norm)))
        view._segmentation[self._tokens_key] = spans
        return spans

    def tokens_between(self, view: TextView, start: int, end: int) -> list[tuple[int, int]]:
        """The tokens overlapping ``[start, end)`` of the normalised text, segmenting only the runs
        that overlap it (identical to the matching slice of ``tokens(view)``)."""
        cached = view._segmentation.get(self._tokens_key)
        if cached is not None:
            # The tokens tile the text in order, so the ones overlapping the span are one slice of the
            # list: found by bisection, not by a scan that made long utterances quadratic.
            first = bisect_right(cached, start, key=itemgetter(1))
            last = first
            while last < len(cached) and cached[last][0] < end:
                last += 1
            return cached[first:last]
        runs = self.runs(view)
        spans: list[tuple[int, int]] = []
        position = start
        while position < end:
            run = runs.run_at(position)
            if run is None:
                spans.append((position, position + 1))
                position += 1
                continue
            run_start, run_end = run
            previous = run_start
            for token_end in self._run_ends(view, run_start, run_end):
                token = (previous, run_start + token_end)
                if token[1] > start and token[0] < end:
                    spans.append(token)
                previous = token[1]
            position = run_end
        return spans

    def original_tokens(self, view: TextView) -> list[tuple[int, int]]:
        """Tokens in original offsets that tile the original text exactly.

        Characters dropped by normalisation (spaces, fillers, control characters) become tokens of their
        own, so every original character belongs to exactly one token.
        """
        text = view.original
        spans: list[tuple[int, int]] = []
        cursor = 0
        for start, end in self.tokens(view):
            o_start, o_end = view.to_original(start, end)
            if o_end <= cursor:
                continue  # part of a character that normalisation expanded into several
            o_start = max(o_start, cursor)
            if o_start > cursor:
                spans.append((cursor, o_start))
            spans.append((o_start, o_end))
            cursor = o_end
        if cursor < len(text):
            spans.append((cursor, len(text)))
        return spans


# jieba's pattern is one group, so split alternates text between runs and runs (see _run_spans).
_RUNS_SPLIT = _RUN_PATTERN.groups == 1


def _run_spans(norm: str) -> list[tuple[int, int]]:
    """The runs' spans from ``split``, not ``finditer``: the runs are every other part, and strings cost
    less to make than match objects."""
    spans: list[tuple[int, int]] = []
    position = 0
    for number, part in enumerate(_RUN_PATTERN.split(norm)):
        if number % 2:
            spans.append((position, position + len(part)))
        position += len(part)
    return spans


class RunIndex:
    """The jieba runs of one normalised text, searchable by position."""

    __slots__ = ("spans", "starts")

    def __init__(self, norm: str) -> None:
        self.spans = _run_spans(norm) if _RUNS_SPLIT else [m.span() for m in _RUN_PATTERN.finditer(norm)]
        self.starts = [s for s, _ in self.spans]

    def run_at(self, position: int) -> Optional[tuple[int, int]]:
        i = bisect_right(self.starts, position) - 1
        if i >= 0:
            start, end = self.spans[i]
            if start <= position < end:
                return start, end
        return None
