"""What every process check gets (the call, the stage hits, text search) and how it reports.

Check findings point at an utterance: a span inside it when one decided the outcome (the trigger
phrase, the card number), otherwise the whole utterance. Offsets obey the same invariant as stage hits.

Checks ask about the same utterances many times (a trigger scan, then each window after a trigger), so
the context computes per call, once: the utterance indexes and normalised texts of each speaker, the
stage hits by stage, and a phrase list's matches in all of a speaker's utterances, from one automaton
pass over their joined texts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import ahocorasick

from ..match.regex import RegexSet, find_spans
from ..model import Finding, Transcript, Utterance
from ..text import Normalizer, TextView
from ..text.chars import strip_punctuation

# Joins normalised texts to scan or strip them in one call: a private-use character, which the
# normaliser drops, so no normalised text or phrase contains it (and the joins check that none did).
_SEPARATOR = "\ue000"
# Zero-width assertions RE2 accepts (``\b``/``\B`` are rejected when a pack is compiled): a pattern with
# one may match an utterance and not the same utterance inside a longer text.
_ASSERTIONS = ("^", "$", "\\A", "\\z")

Span = tuple[int, int, str]  # original start, end, the phrase or regex as written


def hit_index(hit: Finding) -> int:
    """The utterance of a stage hit (``stage_hits`` holds only findings in an utterance)."""
    assert hit.utterance_index is not None, hit
    return hit.utterance_index


def hit_span(hit: Finding) -> tuple[int, int]:
    """A stage hit's offsets in its utterance (a finding in an utterance has both)."""
    assert hit.start is not None and hit.end is not None, hit
    return hit.start, hit.end


class PhraseList:
    """One phrase list's Aho-Corasick automaton over the normalised phrases. A key maps to its length and
    the phrases as written that normalise to it, in list order. One automaton per list, not one for all:
    pyahocorasick searches a node's children one by one, so a pass costs more with every distinct first
    character the automaton holds."""

    def __init__(self, phrases: list[str], normalize: Callable[[str], str]) -> None:
        owners: dict[str, list[str]] = {}
        for phrase in phrases:
            key = normalize(phrase)
            if key:
                owners.setdefault(key, []).append(phrase)
        self.joinable = not any(_SEPARATOR in key for key in owners)  # see CheckContext._speaker_matches
        self._automaton: Optional[ahocorasick.Automaton] = None
        if owners:
            self._automaton = ahocorasick.Automaton()
            for key, written in owners.items():
                self._automaton.add_word(key, (len(key), tuple(written)))
            self._automaton.make_automaton()

    def scan(self, norm: str) -> list:
        """``(end index, (length, phrases as written))`` of every occurrence, by end, longest first."""
        if self._automaton is None or not norm:
            return []
        return list(self._automaton.iter(norm))


@dataclass
class CheckContext:
    transcript: Transcript
    hits: list[Finding]  # stage hits and violations from matching, in utterance order
    normalizer: Normalizer
    phrase_indexes: dict = field(default_factory=dict)  # shared by the Checker: automata, regex sets
    offsets: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Utterance index → the view matching built for it; the other utterances' texts are normalised
    # without building views that nobody would reuse (a view is built when a span must be reported).
    views: dict = field(default_factory=dict)
    _hit_utterances: dict = field(default_factory=dict, repr=False)
    # Per-call memos, set in __post_init__ (mypyc's dataclasses would not apply a default given here).
    _by_stage: Optional[dict] = field(init=False, repr=False)
    _speakers: dict = field(init=False, repr=False)
    _norms: dict = field(init=False, repr=False)  # speaker → normalised texts
    _matches: dict = field(init=False, repr=False)  # (index, PhraseList) → scan
    _scanned: dict = field(init=False, repr=False)  # (speaker, PhraseList) → matches
    _columns: Optional[tuple] = field(init=False, repr=False)
    _timed: Optional[bool] = field(init=False, repr=False)
    _bounds: Optional[tuple] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_stage = None
        self._speakers = {}
        self._norms = {}
        self._matches = {}
        self._scanned = {}
        self._columns = None
        self._timed = None
        self._bounds = None
        if not self.offsets:  # the checker passes the ones it worked out
            self.offsets = self.transcript.utterance_offsets()

    @property
    def utterances(self) -> tuple[Utterance, ...]:
        return self.transcript.utterances

    def columns(self) -> tuple[list, list, list[str]]:
        """The utterances' starts, ends and speakers, as lists (read once per call, not per check)."""
        if self._columns is None:
            utterances = self.utterances
            self._columns = (
                [u.start for u in utterances],
                [u.end for u in utterances],
                [u.speaker for u in utterances],
            )
        return self._columns

    @property
    def timed(self) -> bool:
        """True when every utterance has start and end times (asked by every timing check)."""
        if self._timed is None:
            starts, ends, _ = self.columns()
            self._timed = bool(starts) and all(t is not None for t in starts) and all(t is not None for t in ends)
        return self._timed

    def call_bounds(self) -> tuple[Optional[float], Optional[float]]:
        """The earliest start and the latest end of the call (None without times)."""
        if self._bounds is None:
            starts, ends, _ = self.columns()
            starts = [t for t in starts if t is not None]
            ends = [t for t in ends if t is not None]
            self._bounds = (min(starts) if starts else None, max(ends) if ends else None)
        return self._bounds

    # -- stage hits and speakers ------------------------------------------------------------------------
    def stage_hits(self, stage: str, speaker: Optional[str] = None) -> list[Finding]:
        if self._by_stage is None:
            self._by_stage = {}
            for f in self.hits:
                if f.utterance_index is not None:
                    self._by_stage.setdefault(f.stage, []).append(f)
        found = self._by_stage.get(stage, ())
        if speaker in (None, "any"):
            return list(found)
        return [f for f in found if f.speaker == speaker]

    def stage_utterances(self, stage: str, speaker: Optional[str] = None) -> frozenset[int]:
        """Indexes of the utterances with a hit of ``stage``; computed once per stage and speaker, so
        asking about every utterance of a long call stays linear."""
        key = (stage, speaker)
        found = self._hit_utterances.get(key)
        if found is None:
            found = self._hit_utterances[key] = frozenset(f.utterance_index for f in self.stage_hits(stage, speaker))
        return found

    def speaker_indexes(self, speaker: str) -> list[int]:
        """The indexes of the speaker's utterances (``any``: all), in call order."""
        return list(self._indexes(speaker))

    def _indexes(self, speaker: str) -> list[int]:
        found = self._speakers.get(speaker)
        if found is None:
            speakers = self.columns()[2]
            if speaker == "any":
                found = list(range(len(speakers)))
            else:
                found = [i for i, s in enumerate(speakers) if s == speaker]
            self._speakers[speaker] = found
        return found

    # -- text -------------------------------------------------------------------------------------------
    def norm(self, index: int) -> str:
        view = self.views.get(index)
        return view.norm if view is not None else self.normalizer.norm(self.utterances[index].text)

    def view(self, index: int) -> TextView:
        view = self.views.get(index)
        return view if view is not None else self.normalizer.view(self.utterances[index].text)

    def _speaker_norms(self, speaker: str) -> list[str]:
        """The normalised texts of the speaker's utterances, in the order of ``speaker_indexes``."""
        found = self._norms.get(speaker)
        if found is None:
            views, utterances, norm = self.views, self.utterances, self.normalizer.norm
            found = self._norms[speaker] = [
                view.norm if (view := views.get(i)) is not None else norm(utterances[i].text)
                for i in self._indexes(speaker)
            ]
        return found

    def stripped_norms(self, speaker: str, shortest: int = 0) -> list[tuple[int, str]]:
        """(index, normalised text without punctuation, symbols and whitespace) of the speaker's
        utterances whose normalised text has at least ``shortest`` characters (stripping only shortens
        it). Stripping deletes characters one by one, so one call on the joined texts does for all."""
        pairs = [
            (index, norm)
            for index, norm in zip(self._indexes(speaker), self._speaker_norms(speaker))
            if len(norm) >= shortest
        ]
        norms = [norm for _, norm in pairs]
        parts = strip_punctuation(_SEPARATOR.join(norms)).split(_SEPARATOR)
        if len(parts) != len(norms):  # a text held the separator after all
            parts = [strip_punctuation(norm) for norm in norms]
        return [(index, part) for (index, _), part in zip(pairs, parts)]

    def phrase_list(self, phrases: list[str]) -> PhraseList:
        """The automaton of ``phrases``, built once per Checker (kept in ``phrase_indexes``)."""
        key = ("phrases", *phrases)
        found = self.phrase_indexes.get(key)
        if found is None:
            found = self.phrase_indexes[key] = PhraseList(phrases, self.normalizer.normalize)
        return found

    def phrase_utterances(self, speaker: str, phrases: PhraseList) -> list[int]:
        """The speaker's utterances in which one of ``phrases`` occurs, in call order."""
        return list(self._speaker_matches(speaker, phrases))

    def _speaker_matches(self, speaker: str, phrases: PhraseList) -> dict[int, list]:
        """Utterance index → matches of ``phrases``, for the speaker's utterances that have any; from
        one automaton pass over their joined normalised texts. No phrase holds the separator, so no
        match straddles two utterances, and each utterance's matches come out as a pass over it alone
        would give them."""
        found = self._scanned.get((speaker, phrases))
        if found is not None:
            return found
        found = self._scanned[speaker, phrases] = {}
        indexes, norms = self._indexes(speaker), self._speaker_norms(speaker)
        joined = _SEPARATOR.join(norms)
        if not phrases.joinable or joined.count(_SEPARATOR) != max(len(norms) - 1, 0):  # held the separator
            for index, norm in zip(indexes, norms):
                matches = phrases.scan(norm)
                if matches:
                    found[index] = matches
            return found
        number, offset, limit = 0, 0, len(norms[0]) if norms else 0
        for end, value in phrases.scan(joined):
            while end >= limit:  # past utterance ``number``: on to the one the match is in
                number += 1
                offset = limit + 1
                limit = offset + len(norms[number])
            found.setdefault(indexes[number], []).append((end - offset, value))
        return found

    def _phrase_matches(self, index: int, phrases: PhraseList) -> Sequence:  # a list, or () for none
        for speaker in (self.utterances[index].speaker, "any"):
            scanned = self._scanned.get((speaker, phrases))
            if scanned is not None:
                return scanned.get(index, ())
        matches = self._matches.get((index, phrases))
        if matches is None:
            matches = self._matches[index, phrases] = phrases.scan(self.norm(index))
        return matches

    def phrase_spans(self, index: int, phrases: PhraseList) -> list[Span]:
        """Original-text spans of ``phrases`` in utterance ``index``, by end, longest first."""
        matches = self._phrase_matches(index, phrases)
        if not matches:
            return []
        view = self.view(index)
        found = []
        for end, (length, written) in matches:
            start, stop = view.to_original(end + 1 - length, end + 1)
            for phrase in written:
                found.append((start, stop, phrase))
        return found

    def has_phrase(self, index: int, phrases: PhraseList) -> bool:
        """Whether one of ``phrases`` occurs in utterance ``index``."""
        return bool(self._phrase_matches(index, phrases))

    def find_text(self, index: int, phrases: list[str], regexes: list[str]) -> list[Span]:
        """Original-text spans of phrases, then of regexes, in utterance ``index`` (matched on
        normalised text)."""
        found = self.phrase_spans(index, self.phrase_list(phrases)) if phrases else []
        if regexes:
            view = self.view(index)
            norm = view.norm
            regex_set, written = self._regex_set(regexes)
            for number in regex_set.matching(norm):
                for s, e in find_spans(regex_set.patterns[number], norm, regex_set.ignore_case):
                    start, end = view.to_original(s, e)
                    found.append((start, end, written[number]))
        return found

    def may_match(self, speaker: str, regexes: list[str]) -> bool:
        """False when none of ``regexes`` can match any utterance of the speaker: asked once of their
        joined texts, instead of once per utterance. A match inside one text is a match inside the
        joined texts, unless the pattern has an anchor; a pack's regex seldom has one, and then the
        answer is True."""
        regex_set, _ = self._regex_set(regexes)
        key = ("regex anchored", *regexes)
        anchored = self.phrase_indexes.get(key)
        if anchored is None:
            anchored = self.phrase_indexes[key] = any(a in p for p in regex_set.patterns for a in _ASSERTIONS)
        return anchored or bool(regex_set.matching("\n".join(self._speaker_norms(speaker))))

    def _regex_set(self, patterns: list[str]) -> tuple[RegexSet, list[str]]:
        """The patterns folded for normalised text, as one RE2 set; and the patterns as written."""
        key = ("regex", *patterns)
        regex_set = self.phrase_indexes.get(key)
        if regex_set is None:
            folded = [self.normalizer.fold_pattern(p) for p in patterns]
            regex_set = self.phrase_indexes[key] = RegexSet(folded, self.normalizer.ignore_case)
        return regex_set, patterns

    # -- findings ---------------------------------------------------------------------------------------
    def finding(
        self,
        check,
        index: Optional[int],
        explanation: str,
        *,
        kind: str = "violation",
        stage: Optional[str] = None,
        span: Optional[tuple[int, int]] = None,
        message: Optional[str] = None,
        method: str = "check",
    ) -> Finding:
        """A check finding at utterance ``index`` (the whole utterance unless ``span`` is given)."""
        base = dict(
            rule_id=check.id,
            stage=stage or getattr(check, "stage", None) or check.type,
            kind=kind,
            severity=check.severity,
            method=method,
            pattern=None,
            message=message or check.message or check.id,
            explanation=explanation,
            suggestion=check.suggestion,
        )
        if index is None:
            return Finding(**base)
        utterance = self.utterances[index]
        start, end = span if span is not None else (0, len(utterance.text))
        return Finding(
            **base,
            utterance_index=index,
            speaker=utterance.speaker,
            start=start,
            end=end,
            global_start=self.offsets[index] + start,
            global_end=self.offsets[index] + end,
            text=utterance.text[start:end],
            time=utterance.start,
        )


def seconds(value: Optional[float]) -> str:
    return "?" if value is None else f"{value:.1f}s"
