"""What every process check gets (the call, the stage hits, text search) and how it reports.

Check findings point at an utterance: a span inside it when one decided the outcome (the trigger
phrase, the card number), otherwise the whole utterance. Offsets obey the same invariant as stage hits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Optional

from ..match.phrases import PhraseIndex
from ..match.regex import RegexSet, find_spans
from ..model import Finding, Transcript
from ..text import Normalizer


@dataclass
class CheckContext:
    transcript: Transcript
    hits: list[Finding]  # stage hits and violations from matching, in utterance order
    normalizer: Normalizer
    phrase_indexes: dict = field(default_factory=dict)  # shared by the Checker: phrases → automaton
    offsets: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _hit_utterances: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.offsets = self.transcript.utterance_offsets()

    @property
    def utterances(self):
        return self.transcript.utterances

    @property
    def timed(self) -> bool:
        """True when every utterance has start and end times."""
        return bool(self.utterances) and all(u.start is not None and u.end is not None for u in self.utterances)

    def stage_hits(self, stage: str, speaker: Optional[str] = None) -> list[Finding]:
        return [
            f
            for f in self.hits
            if f.stage == stage and f.utterance_index is not None and (speaker in (None, "any") or f.speaker == speaker)
        ]

    def stage_utterances(self, stage: str, speaker: Optional[str] = None) -> frozenset[int]:
        """Indexes of the utterances with a hit of ``stage``; computed once per stage and speaker, so
        asking about every utterance of a long call stays linear."""
        key = (stage, speaker)
        found = self._hit_utterances.get(key)
        if found is None:
            found = self._hit_utterances[key] = frozenset(f.utterance_index for f in self.stage_hits(stage, speaker))
        return found

    def speaker_indexes(self, speaker: str) -> list[int]:
        return [i for i, u in enumerate(self.utterances) if speaker in ("any", u.speaker)]

    def find_text(self, index: int, phrases: list[str], regexes: list[str]) -> Iterator[tuple[int, int, str]]:
        """Original-text spans of phrases/regexes in utterance ``index`` (matched on normalised text)."""
        view = self.normalizer.view(self.utterances[index].text)
        norm = view.norm
        if phrases:
            for candidate in self._phrase_index(phrases).find(norm):
                start, end = view.to_original(candidate.start, candidate.end)
                yield start, end, candidate.pattern
        if regexes:
            regex_set, written = self._regex_set(regexes)
            for number in regex_set.matching(norm):
                for s, e in find_spans(regex_set.patterns[number], norm, regex_set.ignore_case):
                    start, end = view.to_original(s, e)
                    yield start, end, written[number]

    def _phrase_index(self, phrases: list[str]) -> PhraseIndex:
        key = tuple(phrases)
        index = self.phrase_indexes.get(key)
        if index is None:
            index = PhraseIndex()
            for phrase in phrases:
                index.add(self.normalizer.normalize(phrase), 0, phrase)
            index.build()
            self.phrase_indexes[key] = index
        return index

    def _regex_set(self, patterns: list[str]) -> tuple[RegexSet, list[str]]:
        """The patterns folded for normalised text, as one RE2 set; and the patterns as written."""
        key = ("regex", *patterns)
        regex_set = self.phrase_indexes.get(key)
        if regex_set is None:
            folded = [self.normalizer.fold_pattern(p) for p in patterns]
            regex_set = self.phrase_indexes[key] = RegexSet(folded, self.normalizer.ignore_case)
        return regex_set, patterns

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
