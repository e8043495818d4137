"""Normalisation for matching, with a map from every normalised character back to the original text.

Matching runs on a normalised view of each utterance (NFKC full-width to half-width, case folding,
Traditional to Simplified, whitespace between Chinese characters removed, control characters and filler
characters dropped). Findings never show the normalised text: ``TextView.to_original`` turns a span of the
view back into a span of the original, so ``original[start:end]`` is what a reviewer sees.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Final, Iterable, Optional, Sequence

from .chars import char_class

_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

# Formatting characters that carry no text: zero-width spaces and joiners, bidi marks, BOM, soft hyphen.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


@dataclass(frozen=True)
class NormalizeOptions:
    """What the normaliser folds. Packs set these under ``normalize:``."""

    fullwidth: bool = True  # NFKC: full-width letters, digits and punctuation to half-width
    casefold: bool = True
    traditional: bool = True  # Traditional to Simplified Chinese (OpenCC t2s, character level)
    numerals: bool = True  # 幺三五二… (three or more Chinese digits in a row) read as 1352…
    fillers: tuple[str, ...] = ()  # single characters dropped for matching, e.g. 呃


class TextView:
    """An utterance's normalised text plus, for each normalised character, its original span.

    Immutable (read-only attributes in the compiled build, by convention in pure Python): the checker
    caches views and shares them between calls. A plain class and not a frozen dataclass, because one
    is built for every utterance not seen before and a frozen dataclass's ``__init__``
    (``object.__setattr__`` per field) cost seven times as much. ``_segmentation`` memoises what is
    derived from the view (jieba runs, token spans, decisions) and takes no part in equality."""

    def __init__(self, original: str, norm: str, starts: Sequence[int], ends: Sequence[int]) -> None:
        self.original: Final = original
        self.norm: Final = norm
        self.starts: Final = starts  # original index where normalised char i comes from
        self.ends: Final = ends  # original end (exclusive) of that source character
        self._segmentation: Final[dict] = {}

    def __repr__(self) -> str:
        return f"TextView(original={self.original!r}, norm={self.norm!r}, starts={self.starts!r}, ends={self.ends!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TextView):
            return NotImplemented
        return (self.original, self.norm, self.starts, self.ends) == (
            other.original,
            other.norm,
            other.starts,
            other.ends,
        )

    def __hash__(self) -> int:
        return hash((self.original, self.norm, self.starts, self.ends))

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalised span ``[start, end)`` to the original text (end exclusive)."""
        if end <= start:
            if start < len(self.starts):
                position = self.starts[start]
            else:
                position = len(self.original)
            return position, position
        return self.starts[start], self.ends[end - 1]


def _opencc_t2s() -> Callable[[str], str]:
    from opencc import OpenCC  # deferred: only needed once a non-ASCII character shows up

    from .t2s import fast_t2s

    return fast_t2s(OpenCC("t2s"))


class _FoldTable(dict):
    """Code point → folded text for ``str.translate``; a character not seen before is folded (and
    remembered) the first time ``translate`` asks for it."""

    def __init__(self, normalizer: "Normalizer") -> None:
        super().__init__()
        self._normalizer = normalizer

    def __missing__(self, code: int) -> str:
        return self._normalizer.fold_char(chr(code))


class Normalizer:
    """Builds ``TextView`` objects. Thread-safe; caches per character and per utterance text."""

    def __init__(self, options: Optional[NormalizeOptions] = None, cache_size: int = 16384) -> None:
        self.options = options or NormalizeOptions()
        self._fillers = frozenset(self.options.fillers)
        self._char_cache: dict[str, str] = {}
        # The same folds keyed by code point, for str.translate, which also learns new characters.
        self._table: dict[int, str] = _FoldTable(self)
        self._irregular: set[str] = set()  # characters that do not fold to exactly one character
        self._traditional = _CharPresence()  # characters Traditional → Simplified changed
        self._t2s: Optional[Callable[[str], str]] = None
        # The same sets as regex character classes: re.search finds a member in C, where
        # set.isdisjoint(text) makes a string object of every Chinese character it looks at.
        self._irregular_class = _CharClass()
        self._lock = threading.Lock()
        self.view = lru_cache(maxsize=cache_size)(self._build_view)

    # -- characters ---------------------------------------------------------------------------------
    def _converter(self) -> Callable[[str], str]:
        found = self._t2s  # read into locals: another thread may set the attribute between the two checks
        if found is None:
            with self._lock:
                found = self._t2s
                if found is None:
                    found = self._t2s = _opencc_t2s()
        return found

    def fold_char(self, char: str) -> str:
        """The normalised form of one original character ('' when it is dropped for matching)."""
        cached = self._char_cache.get(char)
        if cached is not None:
            return cached
        result = self._fold_uncached(char)
        if len(result) != 1 or result == " ":
            self._irregular.add(char)
        self._table[ord(char)] = result
        self._char_cache[char] = result
        return result

    def _fold_uncached(self, char: str) -> str:
        if char in self._fillers:
            return ""
        if char.isspace():
            return " "
        category = unicodedata.category(char)
        if category in _INVISIBLE_CATEGORIES:
            return ""
        if category.startswith("M"):
            return ""  # combining marks carry nothing a Chinese phrase pattern could need
        folded = char
        if self.options.fullwidth:
            folded = unicodedata.normalize("NFKC", folded)
        if self.options.casefold:
            folded = folded.casefold()
        if self.options.traditional and any(ord(c) >= 0x3400 for c in folded):
            converted = self._converter()(folded)
            if converted:
                if converted != folded:
                    self._traditional.add(char)
                folded = converted
        # NFKC can produce spaces (U+3000) and combining marks (U+00A8 ¨ and U+FFE3 ￣ become a space plus
        # a mark): drop the marks as for original characters and keep whitespace as a single marker.
        folded = "".join(
            c
            for c in folded
            if unicodedata.category(c) not in _INVISIBLE_CATEGORIES and not unicodedata.category(c).startswith("M")
        )
        if folded.isspace():
            return " "
        return folded

    @property
    def ignore_case(self) -> bool:
        """Regexes run case-insensitively when the text is case-folded (a pattern's capitals still match)."""
        return self.options.casefold

    def fold_pattern(self, pattern: str) -> str:
        """A regex rewritten for the normalised text (Traditional and full-width characters folded)."""
        from ..match.regex import fold_pattern

        return fold_pattern(pattern, self.fold_char)

    def normalize(self, text: str) -> str:
        """Normalise a pattern (a phrase from a pack) exactly as utterance text is normalised."""
        return self.view(text).norm

    # -- utterances -----------------------------------------------------------------------------------
    def _build_view(self, text: str) -> TextView:
        folded = text.translate(self._table)  # folds every character, learning the new ones on the way
        if self._identity_map(text):
            view = TextView(text, folded, range(len(text)), range(1, len(text) + 1))
        else:
            view = self._build_mapped_view(text)
        norm = self._final_norm(text, view.norm)
        return view if norm is view.norm else TextView(text, norm, view.starts, view.ends)

    def norm(self, text: str) -> str:
        """``view(text).norm`` without building (or caching) the view: for text that is only searched,
        such as customer turns scanned for a complaint; the view is built if a span must be reported."""
        folded = text.translate(self._table)
        irregular = self._irregular_pattern().findall(text)
        if irregular and not self._dropped_and_clause_spaces(text, folded, irregular):
            folded = self._build_mapped_view(text).norm
        return self._final_norm(text, folded)

    def _dropped_and_clause_spaces(self, text: str, folded: str, irregular: list[str]) -> bool:
        """True when translate alone gives the normalised text, though the offsets may move: the only
        irregular characters are dropped ones (fillers) and single spaces between chunks of two or more
        characters that each keep a character, so every space stays (see ``_clause_spaces``). Covers
        ``_only_clause_spaces``, the case where nothing moves. ``folded``: the text translated;
        ``irregular``: its irregular characters, as found (with repeats)."""
        folds = self._char_cache
        if any(folds[char] for char in set(irregular) if char != " "):
            return False  # something else than a dropped character (an expansion, another space)
        if " " not in irregular:
            return len(text) >= 2 and bool(folded)  # one chunk, the whole text
        table = self._table
        return all(len(chunk) >= 2 and chunk.translate(table) for chunk in text.split(" "))

    def _identity_map(self, text: str) -> bool:
        """Fast path, most utterances: every character folds to exactly one character (or is a single
        space between clauses, which stays), so the offset map is the identity and str.translate does
        the folding in C."""
        irregular = self._irregular_pattern().findall(text)
        return not irregular or _only_clause_spaces(text, irregular)

    def _final_norm(self, text: str, norm: str) -> str:
        """The steps that change characters in place, keeping the offset map: Traditional phrases and
        numbers read out digit by digit. Returns ``norm`` itself when neither applies."""
        if self._traditional.found_in(text):
            norm = self._convert_phrases(norm)
        if self.options.numerals:
            norm = _convert_numerals(norm)
        return norm

    def _convert_phrases(self, norm: str) -> str:
        """Traditional text: convert phrase by phrase (OpenCC), so 著急 becomes 着急 and 瞭解 了解, where the
        character tables alone keep 著 and 瞭. Only when lengths agree, so the offset map stays valid."""
        converted = self._converter()(norm)
        if len(converted) != len(norm) or converted == norm:
            return norm
        return converted

    def _irregular_pattern(self) -> "re.Pattern[str]":
        """A character class of the characters seen so far that do not fold to exactly one character."""
        return self._irregular_class.pattern(self._irregular)

    def _build_mapped_view(self, text: str) -> TextView:
        """Text with spaces, dropped or expanding characters: the stretches between them fold one for
        one (``str.translate`` and ``range`` in C); only the irregular characters are handled here."""
        keep_space = _clause_spaces(text)
        out: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        last = ""  # the last normalised character emitted
        pending_space: Optional[int] = None  # original index of a whitespace run not yet emitted
        position = 0
        table, folds = self._table, self._char_cache

        def space_before(following: str, space: int) -> None:
            # One space is kept between two ASCII words ("call back") and between two chunks of text that
            # are clauses (这个我也不清楚 没见过); it is dropped inside ASR output spelt out character by
            # character ("感 谢 您" matches 感谢您).
            if last and ((last in _ASCII_WORD and following in _ASCII_WORD) or space in keep_space):
                out.append(" ")
                starts.append(space)
                ends.append(space + 1)

        for index in [m.start() for m in self._irregular_pattern().finditer(text)] + [len(text)]:
            if index > position:
                chunk = text[position:index].translate(table)
                if pending_space is not None:
                    space_before(chunk[0], pending_space)
                    pending_space = None
                out.append(chunk)
                starts.extend(range(position, index))
                ends.extend(range(position + 1, index + 1))
                last = chunk[-1]
            if index == len(text):
                break
            position = index + 1
            folded = folds[text[index]]
            if not folded:
                continue
            if folded == " ":
                if pending_space is None:
                    pending_space = index
                continue
            if pending_space is not None:
                space_before(folded[0], pending_space)
                pending_space = None
            out.append(folded)
            starts.extend([index] * len(folded))
            ends.extend([index + 1] * len(folded))
            last = folded[-1]
        return TextView(text, "".join(out), tuple(starts), tuple(ends))


_SPACE_RUN = re.compile(r"\s+")
_CHINESE_DIGITS = "零〇一二三四五六七八九幺两"
_DIGIT_RUN = re.compile(f"[{_CHINESE_DIGITS}]{{3,}}")
_TO_ASCII = str.maketrans(_CHINESE_DIGITS, "0012345678912")


class _CharPresence:
    """Whether a text holds one of a growing set of characters (the Traditional ones met so far): a
    compiled class of most of them, and the few added since, tested as substrings. Compiling a class
    of Chinese characters takes about a millisecond (``re`` builds a bitmap of the plane), and the
    Traditional characters of a batch turn up one by one: compiling at each cost 1 % of checking.
    Compiled again when the characters added since outnumber half of all, so a few times in all."""

    def __init__(self) -> None:
        self._members: set[str] = set()
        # (the class of the members when last compiled, those added since): read in one go by found_in
        self._state: tuple[Optional[re.Pattern[str]], tuple[str, ...]] = (None, ())
        self._lock = threading.Lock()

    def add(self, char: str) -> None:
        with self._lock:
            if char in self._members:
                return
            self._members.add(char)
            compiled, pending = self._state
            if len(pending) + 1 > max(8, len(self._members) // 2):
                self._state = (char_class(self._members), ())
            else:
                self._state = (compiled, (*pending, char))

    def found_in(self, text: str) -> bool:
        compiled, pending = self._state
        if compiled is not None and compiled.search(text) is not None:
            return True
        for char in pending:
            if char in text:
                return True
        return False


class _CharClass:
    """A growing set of characters as a compiled regex character class, rebuilt when the set grows
    (rarely, once the common characters have been seen). Matches nothing while the set is empty."""

    _NOTHING = re.compile("(?!)")

    def __init__(self) -> None:
        self._compiled = self._NOTHING
        self._size = 0
        self._lock = threading.Lock()

    def pattern(self, chars: set[str]) -> "re.Pattern[str]":
        if len(chars) != self._size:
            with self._lock:
                members = list(chars)  # one snapshot: another thread may add to the set meanwhile
                if members:
                    self._compiled = char_class(members)
                self._size = len(members)
        return self._compiled


def _convert_numerals(norm: str) -> str:
    """Numbers read out digit by digit (手机号幺三五…, 工号二零三一) become ASCII digits, one character
    for one, so the offset map stays as it is. Shorter runs (三个工作日, 一二) stay words."""
    if _DIGIT_RUN.search(norm) is None:
        return norm
    return _DIGIT_RUN.sub(lambda m: m.group().translate(_TO_ASCII), norm)


def _only_clause_spaces(text: str, irregular: list[str]) -> bool:
    """True when the only irregular characters (``irregular``: those of the text, as found) are single
    ASCII spaces between chunks of at least two characters: every one of them is kept as it is (see
    ``_clause_spaces``), so nothing moves. ASR output pauses between clauses like this all the time."""
    if any(char != " " for char in irregular):
        return False
    return all(len(chunk) >= 2 for chunk in text.split(" "))


def _clause_spaces(text: str) -> set[int]:
    """Start offsets of the whitespace runs that separate two chunks of at least two characters each:
    those mark a pause between clauses, not ASR spelling out single characters."""
    runs = [m.span() for m in _SPACE_RUN.finditer(text)]
    keep = set()
    for i, (start, end) in enumerate(runs):
        before_start = runs[i - 1][1] if i else 0
        after_end = runs[i + 1][0] if i + 1 < len(runs) else len(text)
        if start - before_start >= 2 and after_end - end >= 2:
            keep.add(start)
    return keep


def normalize_all(normalizer: Normalizer, phrases: Iterable[str]) -> list[str]:
    return [normalizer.normalize(p) for p in phrases]
