"""Compile a pack ONCE into matchers; ``find`` then yields every raw candidate of one utterance.

One automaton holds the literal phrases of all rules; pinyin, fuzzy, regex and token matchers are built
only when some rule uses them. Nothing here depends on who speaks or where: those filters come after
(``servicecheck.match.context``), so raw candidates can be cached by normalised text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..pack.lexicons import Lexicons
from ..pack.schema import Pack, Rule, Stage
from ..text import Normalizer, Segmenter, TextView
from ..text.chars import only_punctuation, trim_punctuation
from .base import Candidate
from .fuzzy import FuzzyIndex
from .phrases import PhraseIndex
from .pinyin import PinyinIndex
from .regex import RegexSet
from .tokens import TokenSequence, describe, parse_sequence


@dataclass(frozen=True)
class CompiledCondition:
    phrases: tuple[str, ...]  # normalised
    regex: tuple[str, ...]
    within: Optional[int]
    side: str
    ignore_case: bool = True


@dataclass(frozen=True)
class CompiledRule:
    """A rule with everything derived from it precomputed."""

    index: int
    order: int  # position in the pack, the last tie-breaker of overlap resolution
    stage: Stage
    rule: Rule
    speaker: str  # agent / customer / other / any
    negation: bool
    unless: tuple[str, ...]  # normalised
    unless_index: Optional[PhraseIndex]  # the same phrases as one automaton (shared by equal lists)
    context_all: tuple[CompiledCondition, ...]
    context_any: tuple[CompiledCondition, ...]
    context_none: tuple[CompiledCondition, ...]
    # Read for every candidate: copied out of the rule and stage once.
    id: str = ""
    stage_id: str = ""
    severity: str = ""
    anchor: Optional[str] = None
    window: Optional[object] = None  # the rule's Window
    token_boundary: bool = True
    lexicon_names: tuple[str, ...] = ()  # the lexicons its patterns use (a private attribute of the Rule)


class CompiledPack:
    def __init__(self, pack: Pack, normalizer: Normalizer, segmenter: Segmenter) -> None:
        self.pack = pack
        self.normalizer = normalizer
        self.segmenter = segmenter
        norm = normalizer.normalize
        self.rules: list[CompiledRule] = []
        self.phrases = PhraseIndex()
        self.pinyin = {False: PinyinIndex(tones=False), True: PinyinIndex(tones=True)}
        self.fuzzy = FuzzyIndex()
        self.regexes: list[tuple[int, str, str]] = []  # (rule, pattern as written, pattern for the view)
        self.sequences: list[TokenSequence] = []
        self.plugins: list[tuple[int, object, str]] = []  # (rule, MatcherPlugin, its name)
        self.negators = frozenset(n for n in (norm(x) for x in pack.negators) if n)
        # One search for "is any negator near?" (escaped literals: no backtracking is possible).
        self.negator_search = (
            re.compile("|".join(re.escape(n) for n in sorted(self.negators, key=len, reverse=True))).search
            if self.negators
            else None
        )
        self._unless_indexes: dict[tuple[str, ...], PhraseIndex] = {}
        # Lexicon name -> its words normalised, longest first: explanations name the word that matched.
        self.lexicon_words: dict[str, tuple[str, ...]] = {
            name: tuple(sorted({w for w in (norm(x) for x in words) if w}, key=len, reverse=True))
            for name, words in Lexicons(pack.lexicons).words.items()
        }

        order = 0
        for stage in pack.stages:
            if not stage.enabled:
                continue
            for rule in stage.rules:
                if not rule.enabled:
                    continue
                index = len(self.rules)
                self.rules.append(self._compile_rule(index, order, stage, rule))
                order += 1
                for phrase in rule.phrases:
                    key = norm(phrase)
                    self.phrases.add(key, index, phrase)
                    if rule.homophones:
                        self.pinyin[rule.tones].add(key, index, phrase)
                for phrase in rule.pinyin:
                    self.pinyin[rule.tones].add(norm(phrase), index, phrase)
                for pattern in rule.regex:
                    self.regexes.append((index, rule.authored(pattern), normalizer.fold_pattern(pattern)))
                if rule.fuzzy is not None:
                    for phrase in rule.fuzzy.phrases:
                        self.fuzzy.add(norm(phrase), index, phrase, rule.fuzzy.threshold)
                for items in rule.tokens:
                    self.sequences.append(TokenSequence(index, parse_sequence(items, norm), describe(items)))
                if rule.plugin is not None:
                    from ..plugins import make_matcher

                    self.plugins.append((index, make_matcher(rule.plugin, norm), rule.plugin.name))
        # Stages with anchored rules, and their anchors: the checker pre-filters those candidates.
        self.anchored_stages: dict[str, set[str]] = {}
        for compiled in self.rules:
            if compiled.rule.anchor is not None:
                self.anchored_stages.setdefault(compiled.stage.id, set()).add(compiled.rule.anchor)
        self.phrases.build()
        for pinyin_index in self.pinyin.values():
            pinyin_index.build()
        self.ignore_case = normalizer.ignore_case
        self.regex_set = RegexSet([folded for _, _, folded in self.regexes], self.ignore_case)

    def _unless_index(self, phrases: tuple[str, ...]) -> Optional[PhraseIndex]:
        if not phrases:
            return None
        index = self._unless_indexes.get(phrases)
        if index is None:
            index = PhraseIndex(method="unless")
            for phrase in phrases:
                index.add(phrase, 0, phrase)
            self._unless_indexes[phrases] = index.build()
        return index

    def _compile_rule(self, index: int, order: int, stage: Stage, rule: Rule) -> CompiledRule:
        norm = self.normalizer.normalize
        unless = tuple(u for u in (norm(x) for x in rule.unless) if u)

        def conditions(items) -> tuple[CompiledCondition, ...]:
            return tuple(
                CompiledCondition(
                    tuple(norm(p) for p in c.phrases),
                    tuple(self.normalizer.fold_pattern(r) for r in c.regex),
                    c.within,
                    c.side,
                    self.normalizer.ignore_case,
                )
                for c in items
            )

        context = rule.context
        return CompiledRule(
            index=index,
            order=order,
            stage=stage,
            rule=rule,
            speaker=rule.speaker or stage.speaker,
            negation=stage.negation if rule.negation is None else rule.negation,
            unless=unless,
            unless_index=self._unless_index(unless),
            context_all=conditions(context.all) if context else (),
            context_any=conditions(context.any) if context else (),
            context_none=conditions(context.none) if context else (),
            id=rule.id,
            stage_id=stage.id,
            severity=rule.severity or stage.severity,
            anchor=rule.anchor,
            window=rule.window,
            token_boundary=rule.boundary == "token",
            lexicon_names=rule.lexicon_names,
        )

    def lexicon_matches(self, rule: CompiledRule, matched: str) -> list[tuple[str, str]]:
        """(lexicon, word) for each lexicon of the rule with a word inside the normalised match."""
        out = []
        for name in rule.lexicon_names:
            word = next((w for w in self.lexicon_words.get(name, ()) if w in matched), None)
            if word is not None:
                out.append((name, word))
        return out

    def find(self, view: TextView) -> list[Candidate]:
        """Every raw candidate in one utterance (normalised offsets), before context filters."""
        return self.find_many([view])[0]

    def find_many(self, views: list[TextView]) -> list[list[Candidate]]:
        """``find`` for many utterances, one matcher at a time over all of them: each matcher's tables
        (automata, RE2 state caches, n-gram sets) stay in the processor's caches for the whole batch
        instead of being evicted by the next matcher at every utterance. Same candidates, same order."""
        texts = [view.norm for view in views]
        found = [self.phrases.find(text) if text else [] for text in texts]
        exact_counts = [len(candidates) for candidates in found]  # homophones repeating these are dropped
        for pinyin_index in self.pinyin.values():
            if not len(pinyin_index):
                continue
            for text, candidates, exact_count in zip(texts, found, exact_counts):
                if not text:
                    continue
                extra = pinyin_index.find(text)
                if extra:
                    exact_spans = {(c.rule, c.start, c.end) for c in candidates[:exact_count]}
                    candidates.extend(c for c in extra if (c.rule, c.start, c.end) not in exact_spans)
        if len(self.regex_set):
            regexes = self.regexes
            for text, candidates in zip(texts, found):
                for number, start, end in self.regex_set.find(text):
                    rule, pattern, _ = regexes[number]
                    if only_punctuation(text[end - 1]) or only_punctuation(text[start]):
                        start, end = trim_punctuation(text, start, end)
                    candidates.append(Candidate(rule, start, end, "regex", 1.0, pattern))
        if len(self.fuzzy):
            for text, candidates in zip(texts, found):
                if text:
                    candidates.extend(self.fuzzy.find(text))
        if self.sequences:
            for view, text, candidates in zip(views, texts, found):
                possible = [s for s in self.sequences if s.possible(text)] if text else ()
                for sequence in possible:
                    candidates.extend(sequence.find(view, self.segmenter))
        for index, matcher, name in self.plugins:
            for view, text, candidates in zip(views, texts, found):
                if text:
                    candidates.extend(_plugin_candidates(index, matcher, name, view))
        return found


def _plugin_candidates(index: int, matcher, name: str, view: TextView) -> list[Candidate]:
    """A matcher plugin's hits as candidates; a hit outside the text is the plugin's bug."""
    out = []
    for hit in matcher.find(view):
        start, end = int(hit[0]), int(hit[1])
        if not 0 <= start < end <= len(view.norm):
            raise ValueError(f"matcher plugin {name!r} returned [{start}, {end}) outside a text of {len(view.norm)}")
        out.append(Candidate(index, start, end, "plugin", 1.0, str(hit[2]) if len(hit) > 2 else name))
    return out
