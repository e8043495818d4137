"""The Checker: one transcript in, one report out. Everything derived from the pack is built once here.

Pipeline per transcript: normalise each utterance and find its raw candidates with the compiled
matchers (cached by text, for texts that repeat) → context filters (speaker, window, boundaries,
negation, unless, context) → overlap resolution per stage → findings with original offsets → stage
results → score.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Optional, Union

from . import __version__
from .cache import RepeatCache
from .checks import CheckContext, pack_checks, run_checks
from .errors import InputError
from .io import ReadOptions, RoleMap, read_transcript
from .limits import Limits
from .match.base import Candidate
from .match.compile import CompiledPack, CompiledRule
from .match.context import (
    Position,
    anchored_hits,
    anchored_if_accepted,
    context_verdict,
    in_window_bounds,
    negator_before,
    on_token_boundaries,
    unless_phrase,
)
from .match.regex import compile_regex
from .model import (
    Channel,
    Finding,
    Report,
    Speaker,
    StageResult,
    Token,
    Transcript,
    Utterance,
    trusted_constructor,
)
from .pack.load import PackSource, load_pack, pack_hash
from .pack.schema import Pack
from .recognition import annotate, carries_recognition
from .score import score_report
from .spans import DisjointSpans
from .text import NormalizeOptions, Normalizer, Segmenter, TextView
from .text.chars import only_punctuation

if TYPE_CHECKING:  # pragma: no cover
    from .batch import RecordError, ReportJson
    from .io.records import Record
    from .live import LiveSession

TranscriptLike = Union[Transcript, dict, list, str, Path]
TIMING_CHECKS = frozenset({"answer_delay", "silence", "interruption", "speech_rate", "agent_hangup"})
CACHED_CHARS = 500  # utterances up to this long are cached by text (see _matched)
TOKEN_CACHE = 8192  # Token objects kept for reuse (see _covered_tokens); the table starts over when full


_validate_token = Token.__pydantic_validator__.validate_python
# Findings and stage results are made by the checker from values of the right types: without
# validation, once a sample built both ways has shown that this pydantic keeps nothing else.
_make_finding = trusted_constructor(
    Finding,
    {
        "rule_id": "greeting.hello",
        "stage": "greeting",
        "kind": "hit",
        "severity": "info",
        "utterance_index": 0,
        "speaker": "agent",
        "start": 0,
        "end": 2,
        "global_start": 0,
        "global_end": 2,
        "text": "您好",
        "tokens": (Token(text="您好", start=0, end=2),),
        "method": "exact",
        "similarity": 1.0,
        "pattern": "您好",
        "message": "问候",
        "explanation": "规则 greeting.hello：精确匹配「您好」",
        "suggestion": None,
        "time": 0.5,
        "needs_review": False,
        "origin": None,
    },
)
_make_stage_result = trusted_constructor(
    StageResult,
    {
        "stage": "greeting",
        "name": "问候",
        "required": True,
        "present": True,
        "count": 1,
        "utterances": (0,),
        "first_time": 0.5,
    },
)

_METHOD_LABEL = {
    "exact": "精确",
    "regex": "正则",
    "tokens": "词序列",
    "pinyin": "拼音同音",
    "fuzzy": "模糊",
    "plugin": "插件",
}


class Checker:
    """Checks transcripts against one rule pack. Build once, share freely (thread-safe)."""

    def __init__(
        self,
        pack: Union[Pack, PackSource],
        *,
        cache_dir: Optional[Path] = None,
        role_map: Optional[RoleMap] = None,
        cache_size: int = 16384,
        limits: Optional[Limits] = None,
        redact: bool = False,
        models: bool = True,
    ) -> None:
        self.pack: Pack = pack if isinstance(pack, Pack) else load_pack(pack)
        self.use_models = models  # False: the pack's model rules are left out (``eval`` compares both)
        # Reports come out with card, ID and phone numbers masked (checking still reads the original).
        self.redact = redact
        self.pack_hash = pack_hash(self.pack)
        settings = self.pack.input
        pack_roles = RoleMap(settings.role_map)
        if role_map is None:
            self.role_map = pack_roles
        elif settings.role_map:
            self.role_map = pack_roles.with_roles(role_map.explicit_items())
        else:
            self.role_map = role_map
        # How recogniser output is read for this pack: its role map (and the caller's), agent cues, merging.
        self.read_options = ReadOptions(
            role_map=self.role_map,
            agent_cues=tuple(settings.agent_cues),
            merge=settings.merge,
            merge_gap=settings.merge_gap_seconds,
        )
        options = self.pack.normalize
        self.normalizer = Normalizer(
            NormalizeOptions(
                fullwidth=options.fullwidth,
                casefold=options.casefold,
                traditional=options.traditional,
                numerals=options.numerals,
                fillers=tuple(options.fillers),
            ),
            cache_size=cache_size,
        )
        self.cache_dir = cache_dir
        self.limits = limits or Limits()
        self.segmenter = Segmenter(self.pack.dictionary_words(), hmm=self.pack.hmm, cache_dir=cache_dir)
        self.compiled = CompiledPack(self.pack, self.normalizer, self.segmenter)
        self._stages = [s for s in self.pack.stages if s.enabled]
        self._checks = pack_checks(self.pack)
        # Checks whose findings rest on timing, not on what was said: a recognition error cannot
        # have caused them, so they are never set aside for review.
        self._untextual = frozenset(c.id for c in self._checks if c.type in TIMING_CHECKS)
        self._check_phrase_indexes: dict = {}
        for check in self._checks:  # compile every regex now, as checks will, not at the first call needing it
            for pattern in [*getattr(check, "regex", [])]:
                compile_regex(self.normalizer.fold_pattern(pattern), self.normalizer.ignore_case)
        # Text → (view, raw candidates), for texts said more than once (see RepeatCache).
        self._candidates: RepeatCache[tuple[TextView, tuple[Candidate, ...]]] = RepeatCache(cache_size)
        self._tokens: dict[tuple[str, int], Token] = {}
        self._run_tokens: dict[tuple, tuple[Token, ...]] = {}  # see _covered_tokens
        # What every finding of a rule shares, worked out once: rule id, stage, kind, severity, message
        # and suggestion.
        self._finding_fields = [
            (
                rule.id,
                rule.stage.id,
                "violation" if rule.stage.violation else "hit",
                rule.severity,
                rule.rule.message or rule.stage.message or rule.stage.name,
                rule.rule.suggestion or rule.stage.suggestion,
            )
            for rule in self.compiled.rules
        ]
        # A stage absent from a call has the same result, and a required one the same ``missing``
        # finding, in every call: immutable objects, made once.
        self._absent = {
            stage.id: (
                StageResult(stage=stage.id, name=stage.name, required=stage.required, present=False, count=0),
                Finding(
                    rule_id="required_stage",
                    stage=stage.id,
                    kind="missing",
                    severity=stage.severity,
                    message=f"缺少{stage.name}",
                    explanation=f"必需环节「{stage.name}」({stage.id}) 在整通对话中未出现",
                    suggestion=stage.suggestion,
                )
                if stage.required and not stage.violation
                else None,
            )
            for stage in self._stages
        }
        self._unmatched_score_lines: dict = {}  # see score_report
        card = self.pack.scorecard
        self._pass_mark = card.pass_mark if card is not None else self.pack.pass_mark
        self._total = card.total if card is not None else 100.0
        # Stage → the anchor all its rules share (see _decide_anchored_in_priority_order).
        anchors_of: dict[str, set] = {}
        for compiled in self.compiled.rules:
            anchors_of.setdefault(compiled.stage_id, set()).add(compiled.anchor)
        self._stage_anchor = {
            stage: next(iter(anchors))
            for stage, anchors in anchors_of.items()
            if len(anchors) == 1 and None not in anchors
        }
        # Stages whose rules anchor at both ends (see _anchor_reachable).
        self._mixed_anchors = any(len(anchors) > 1 for anchors in self.compiled.anchored_stages.values())
        # Model rules (trained classifiers): loaded here, only when the pack has some.
        self._model_rules = [r for r in self.compiled.rules if r.rule.model is not None] if models else []
        self._models = None
        if self._model_rules:
            from .learn.matcher import ModelRules

            self._models = ModelRules(self._model_rules)
        live = [r for r in self.compiled.rules if r.rule.model is None or models]
        speakers = {rule.speaker for rule in live}
        self._matched_speakers = frozenset({"agent", "customer", "other"} if "any" in speakers else speakers)

    # -- input ------------------------------------------------------------------------------------------
    def _coerce(self, item: TranscriptLike, default_id: Optional[str] = None) -> Transcript:
        if isinstance(item, Transcript):
            return item
        if isinstance(item, (dict, list)):
            return read_transcript(item, options=self.read_options, default_id=default_id)
        if isinstance(item, str) and item.lstrip().startswith(("{", "[")):
            try:
                data = json.loads(item)
            except ValueError as exc:
                raise InputError(f"invalid JSON: {exc}", source="<string>") from None
            return read_transcript(data, options=self.read_options, source="<string>", default_id=default_id)
        if isinstance(item, (str, Path)):
            return read_transcript(item, options=self.read_options)
        raise TypeError(
            f"cannot check a {type(item).__name__}: pass a Transcript, a dict or a path, or a list "
            "(a recogniser's output), or a JSON string"
        )

    # -- matching ---------------------------------------------------------------------------------------
    def _matched(self, texts: Iterable[str]) -> dict[str, tuple[TextView, tuple[Candidate, ...]]]:
        """Text → (view, raw candidates) for the utterance texts of one call.

        Texts said before come from the cache; the others are normalised and matched together (see
        ``CompiledPack.find_many``). Long texts are never cached: they are rarely said twice, and with
        their tokens they hold ~100 bytes a character."""
        found: dict[str, tuple[TextView, tuple[Candidate, ...]]] = {}
        missing: list[str] = []
        for text in texts:
            if text in found:
                continue
            cached: Optional[tuple[TextView, tuple[Candidate, ...]]] = None
            if len(text) <= CACHED_CHARS:
                cached = self._candidates.get(text)
            if cached is None:
                missing.append(text)
                found[text] = cached  # type: ignore[assignment]  # filled below, order kept
            else:
                found[text] = cached
        if missing:
            views = [self.normalizer._build_view(text) for text in missing]
            for text, view, candidates in zip(missing, views, self.compiled.find_many(views)):
                found[text] = result = (view, tuple(candidates))
                if len(text) <= CACHED_CHARS:
                    self._candidates.put(text, result)
        return found

    def _decide(self, rule: CompiledRule, view: TextView, candidate: Candidate) -> tuple[Optional[str], list[str]]:
        """Context filters: (why the candidate is dropped or None, notes explaining a kept one).

        Cheapest first: string searches (unless, context) before anything that needs jieba (negation,
        token boundaries), so most dropped candidates never cause a segmentation."""
        if rule.unless:
            phrase = unless_phrase(rule, view, candidate)
            if phrase is not None:
                return f"与排除短语「{phrase}」重叠", []
        if rule.context_all or rule.context_any or rule.context_none:
            reason, notes = context_verdict(rule, view, candidate)
            if reason is not None:
                return reason, []
        else:
            notes = []
        if rule.negation and candidate.method != "model":  # a classifier weighs negators itself
            negator = negator_before(self.compiled, view, candidate)
            if negator is not None:
                return f"前文有否定词「{negator}」", []
        if rule.token_boundary and candidate.method in ("exact", "pinyin"):
            if not on_token_boundaries(self.segmenter, view, candidate):
                return "不在词边界上（分词切开了短语）", []
            notes.insert(0, "词边界对齐")
        return None, notes

    def _anchor_reachable(self, view: TextView, candidates: tuple[Candidate, ...]) -> dict[str, set[Candidate]]:
        """Anchored candidates that could still be at the start (end) once filters ran: anchoring over
        ALL candidates of the stage gives a superset, so the rest can be dropped before any
        segmentation. The exact anchor check runs again on the accepted hits.

        Needed to explain, and when a stage mixes start and end anchors: then a candidate must be
        reachable for its own anchor to count in the other's chain. Otherwise ``anchored_if_accepted``
        finds the same cut-off on its way."""
        anchors = self.compiled.anchored_stages
        rules = self.compiled.rules
        if not anchors or all(rules[candidate.rule].anchor is None for candidate in candidates):
            return {}  # no anchored candidate: nothing will ask
        by_stage: dict[str, list[Candidate]] = {}
        for candidate in candidates:
            stage = rules[candidate.rule].stage_id
            if stage in anchors:
                by_stage.setdefault(stage, []).append(candidate)
        reachable: dict[str, set[Candidate]] = {"start": set(), "end": set()}
        for stage, items in by_stage.items():
            for anchor in anchors[stage]:
                reachable[anchor] |= anchored_hits(view, items, anchor)
        return reachable

    def _utterance_hits(
        self,
        view: TextView,
        candidates: tuple[Candidate, ...],
        speaker: str,
        position: Position,
        trace: Optional[list] = None,
    ) -> list[tuple[Candidate, CompiledRule, list[str]]]:
        """The hits of one utterance, from its raw candidates. ``trace``, when given, receives
        (candidate, rule, reason) for every candidate, reason None for the kept ones: ``explain`` shows
        it to pack authors."""
        if not candidates:
            return []
        rules = self.compiled.rules
        anchored_stages = self.compiled.anchored_stages
        reachable = self._anchor_reachable(view, candidates) if trace is not None or self._mixed_anchors else None
        accepted: dict[str, list[tuple[Candidate, CompiledRule, list[str]]]] = {}
        deferred: dict[str, list[tuple[Candidate, CompiledRule]]] = {}
        for candidate in candidates:
            rule = rules[candidate.rule]
            if rule.speaker != "any" and rule.speaker != speaker:
                reason: Optional[str] = f"规则只适用于 {rule.speaker}"
            elif rule.window is not None and not in_window_bounds(rule.window, position):
                reason = "不在规则的位置窗口内"
            elif reachable is not None and rule.anchor is not None and candidate not in reachable[rule.anchor]:
                reason = "不在句首" if rule.anchor == "start" else "不在句末"
            elif trace is None:  # checking, not explaining: decided lazily, stage by stage, below
                deferred.setdefault(rule.stage_id, []).append((candidate, rule))
                continue
            else:
                reason, notes = self._decide(rule, view, candidate)
                if reason is None:
                    accepted.setdefault(rule.stage_id, []).append((candidate, rule, notes))
                    continue
            if trace is not None:
                trace.append((candidate, rule, reason))
        hits: list[tuple[Candidate, CompiledRule, list[str]]] = []
        for stage, stage_candidates in deferred.items():
            if stage in anchored_stages:
                hits.extend(self._decide_anchored_in_priority_order(view, stage, stage_candidates))
            else:
                hits.extend(self._decide_in_priority_order(view, stage_candidates))
        for stage_hits in accepted.values():
            # Anchors first, then overlaps: a candidate that fails its anchor must not hide another.
            anchors = {h[1].anchor for h in stage_hits if h[1].anchor is not None}
            if anchors:
                everything = [h[0] for h in stage_hits]
                valid = {a: anchored_hits(view, everything, a) for a in anchors}
                kept = []
                for hit in stage_hits:
                    anchor = hit[1].anchor
                    if anchor is None or hit[0] in valid[anchor]:
                        kept.append(hit)
                    elif trace is not None:
                        trace.append((hit[0], hit[1], "不在句首" if anchor == "start" else "不在句末"))
                stage_hits = kept
            chosen = _resolve_overlaps(stage_hits)
            if trace is not None:
                for hit in stage_hits:
                    trace.append((hit[0], hit[1], None if hit in chosen else "与同一环节更优先的命中重叠"))
            hits.extend(chosen)
        hits.sort(key=lambda h: (h[0].start, h[0].end, h[1].order))
        return hits

    def _decide_in_priority_order(
        self,
        view: TextView,
        candidates: list[tuple[Candidate, CompiledRule]],
        anchored: Optional[dict[str, set[Candidate]]] = None,
        verdicts: Optional[dict[Candidate, tuple[Optional[str], list[str]]]] = None,
    ) -> list[tuple[Candidate, CompiledRule, list[str]]]:
        """Filters and overlap resolution of one stage in one pass, best candidate first: one that
        overlaps a hit already kept would lose to it whatever its filters say, so they never run for it
        (most of them need jieba). Keeps exactly what deciding everything and then resolving overlaps
        keeps. For an anchored stage, ``anchored`` holds what each anchor allows and ``verdicts`` the
        decisions its chains already made (see ``_decide_anchored_in_priority_order``)."""
        chosen: list[tuple[Candidate, CompiledRule, list[str]]] = []
        taken = DisjointSpans()
        for candidate, rule in sorted(candidates, key=lambda c: c[0].sort_key(c[1].order)):
            if taken.overlaps(candidate.start, candidate.end):
                continue
            if anchored is not None and rule.anchor is not None and candidate not in anchored[rule.anchor]:
                continue
            verdict = verdicts.get(candidate) if verdicts else None
            reason, notes = verdict if verdict is not None else self._decide(rule, view, candidate)
            if reason is None:
                taken.insert(candidate.start, candidate.end)
                chosen.append((candidate, rule, notes))
        return chosen

    def _decide_anchored_in_priority_order(
        self, view: TextView, stage: str, candidates: list[tuple[Candidate, CompiledRule]]
    ) -> list[tuple[Candidate, CompiledRule, list[str]]]:
        """``_decide_in_priority_order`` for a stage with anchored rules: keeps exactly what deciding
        every candidate, anchoring the accepted ones and resolving overlaps keeps (the way ``explain``
        takes). The anchor chains ask for the decisions they need (``anchored_if_accepted``); the
        candidates then go best first, and one that overlaps a kept hit is never decided."""
        anchor = self._stage_anchor.get(stage)
        if anchor is not None:
            # Every rule of the stage is anchored at the same end: when something other than
            # punctuation comes before the first candidate (after the last), none can be kept. The
            # usual case for listening tokens (好, 对, 是 occur in most turns, seldom first).
            text = view.norm
            if anchor == "start":
                first = min(candidate.start for candidate, _ in candidates)
                if first and not only_punctuation(text[:first]):
                    return []
            else:
                last = max(candidate.end for candidate, _ in candidates)
                if last < len(text) and not only_punctuation(text[last:]):
                    return []
        verdicts: dict[Candidate, tuple[Optional[str], list[str]]] = {}
        rules = dict(candidates)

        def accepted(candidate: Candidate) -> bool:
            found = verdicts.get(candidate)
            if found is None:
                found = verdicts[candidate] = self._decide(rules[candidate], view, candidate)
            return found[0] is None

        everything = [candidate for candidate, _ in candidates]
        anchored = {
            anchor: anchored_if_accepted(view, everything, anchor, accepted)
            for anchor in {rule.anchor for _, rule in candidates if rule.anchor is not None}
        }
        return self._decide_in_priority_order(view, candidates, anchored, verdicts)

    def _model_hits(
        self, view: TextView, speaker: str, position: Position, hits: list
    ) -> list[tuple[Candidate, CompiledRule, list[str]]]:
        """Hits of the model rules in one utterance, joined to the rule hits by each rule's ``mode``:
        never over a rule hit of the same stage (the rule's explanation is the better one); with
        ``fallback`` not at all where a rule of the stage hit."""
        rules = [
            r
            for r in self._model_rules
            if (r.speaker == "any" or r.speaker == speaker)
            and (r.window is None or in_window_bounds(r.window, position))
        ]
        if not rules or self._models is None:
            return []
        by_index = {r.index: r for r in rules}
        taken: dict[str, DisjointSpans] = {}
        for candidate, rule, _ in hits:
            taken.setdefault(rule.stage_id, DisjointSpans()).insert(candidate.start, candidate.end)
        out = []
        for candidate in sorted(self._models.candidates(view, rules), key=lambda c: (-c.similarity, c.start)):
            rule = by_index[candidate.rule]
            stage_taken = taken.get(rule.stage_id)
            model = rule.rule.model  # never None: only model rules are scored
            if (
                model is not None
                and model.mode == "fallback"
                and stage_taken is not None
                and any(h[1].stage_id == rule.stage_id and h[1].rule.model is None for h in hits)
            ):
                continue
            if stage_taken is not None and stage_taken.overlaps(candidate.start, candidate.end):
                continue
            reason, notes = self._decide(rule, view, candidate)
            if reason is not None:
                continue
            taken.setdefault(rule.stage_id, DisjointSpans()).insert(candidate.start, candidate.end)
            out.append((candidate, rule, notes))
        out.sort(key=lambda h: (h[0].start, h[1].order))
        return out

    def explain(self, text: str, speaker: Speaker = "agent") -> list[dict]:
        """Every candidate match in one utterance and what became of it, for pack authors.

        Each row: stage, rule, method, pattern, the original text matched, similarity, ``kept`` and the
        reason a dropped candidate was dropped (negator, unless phrase, token boundary, overlap …).
        """
        utterance = Utterance(speaker=speaker, text=text)
        position = Position(0, 1, 0, 1, utterance.start, None, None)
        trace: list = []
        view, candidates = self._matched([text])[text]
        self._utterance_hits(view, candidates, speaker, position, trace)
        rows = []
        for candidate, rule, reason in sorted(trace, key=lambda t: (t[0].start, t[1].order)):
            start, end = view.to_original(candidate.start, candidate.end)
            words = self.compiled.lexicon_matches(rule, view.norm[candidate.start : candidate.end])
            rows.append(
                {
                    "stage": rule.stage.id,
                    "rule": rule.id,
                    "method": candidate.method,
                    "pattern": candidate.pattern,
                    "start": start,
                    "end": end,
                    "text": text[start:end],
                    "similarity": candidate.similarity,
                    "lexicons": dict(words),
                    "kept": reason is None,
                    "reason": reason or "",
                }
            )
        return rows

    # -- findings ---------------------------------------------------------------------------------------
    def _finding(
        self,
        view: TextView,
        candidate: Candidate,
        rule: CompiledRule,
        notes: list[str],
        index: int,
        speaker: str,
        offset: int,
        time: Optional[float],
    ) -> Finding:
        start, end = view.to_original(candidate.start, candidate.end)
        text = view.original
        method = candidate.method
        review = False
        if method == "model" and self._models is not None:
            explanation = self._models.explanation(
                rule, view.norm[candidate.start : candidate.end], candidate.similarity
            )
            review = rule.rule.model is not None and rule.rule.model.mode == "review"
        else:
            explanation = f"规则 {rule.id}：{_METHOD_LABEL.get(method, method)}匹配「{candidate.pattern}」"
        if method in ("fuzzy", "pinyin"):
            explanation += f"，原文「{text[start:end]}」，相似度 {candidate.similarity:.2f}"
        if rule.lexicon_names:
            words = self.compiled.lexicon_matches(rule, view.norm[candidate.start : candidate.end])
            if words:
                explanation += "，词表 " + "、".join(f"{name}「{word}」" for name, word in words)
        if notes:
            explanation += "（" + "；".join(notes) + "）"
        rule_id, stage, kind, severity, message, suggestion = self._finding_fields[rule.index]
        # Every value has its field's type already (validated on the way in, or made here): built as
        # validation would build it, every field in order (see model.trusted_constructor).
        return _make_finding(
            {
                "rule_id": rule_id,
                "stage": stage,
                "kind": kind,
                "severity": severity,
                "utterance_index": index,
                "speaker": speaker,
                "start": start,
                "end": end,
                "global_start": offset + start,
                "global_end": offset + end,
                "text": text[start:end],
                "tokens": self._covered_tokens(view, candidate.start, candidate.end),
                "method": method,
                "similarity": float(candidate.similarity),
                "pattern": candidate.pattern,
                "message": message,
                "explanation": explanation,
                "suggestion": suggestion,
                "time": time,
                "needs_review": review,
                "origin": None,
            }
        )

    def _covered_tokens(self, view: TextView, start: int, end: int) -> tuple[Token, ...]:
        """The jieba tokens overlapping the normalised span, in original offsets.

        A hit inside one jieba run of an utterance whose offsets map one to one is covered by tokens
        that depend on nothing but that run (its text before and after normalisation, where it
        starts) and the hit's place in it: scripted lines repeat runs far more often than whole
        utterances, so those token tuples are kept in a table keyed by exactly that."""
        if isinstance(view.starts, range):
            runs = self.segmenter.runs(view)
            number = bisect_right(runs.starts, start) - 1
            if number >= 0:
                run_start, run_end = runs.spans[number]
                if run_start <= start and end <= run_end:
                    key = (view.norm[run_start:run_end], view.original[run_start:run_end], run_start, start, end)
                    found = self._run_tokens.get(key)
                    if found is None:
                        if len(self._run_tokens) >= TOKEN_CACHE:
                            self._run_tokens.clear()
                        found = self._run_tokens[key] = self._tokens_between(view, start, end)
                    return found
        return self._tokens_between(view, start, end)

    def _tokens_between(self, view: TextView, start: int, end: int) -> tuple[Token, ...]:
        """``_covered_tokens`` worked out. Token objects are immutable and few distinct ones occur
        (4,748 among 62,767 in 1,000 generated calls: the same words at the same places), so a small
        table hands out the same object again."""
        tokens = self.segmenter.tokens_between(view, start, end)
        if isinstance(view.starts, range):  # an identity offset map: the spans are the original ones
            spans = tokens
        else:
            spans = []
            for t_start, t_end in tokens:
                o_start, o_end = view.to_original(t_start, t_end)
                if spans and o_start < spans[-1][1]:
                    spans[-1] = (spans[-1][0], max(o_end, spans[-1][1]))
                else:
                    spans.append((o_start, o_end))
        text = view.original
        made = self._tokens
        found = []
        for s, e in spans:
            word = text[s:e]
            token = made.get((word, s))
            if token is None:
                if len(made) >= TOKEN_CACHE:
                    made.clear()
                token = made[word, s] = _validate_token({"text": word, "start": s, "end": e})
            found.append(token)
        return tuple(found)

    # -- public API ---------------------------------------------------------------------------------------
    def check(self, transcript: TranscriptLike, *, default_id: Optional[str] = None) -> Report:
        """Check one transcript: a ``Transcript``; a dict, a list or a JSON string (servicecheck JSON or
        a recogniser's output, see docs/inputs.md); or a path. ``default_id`` names an object that has
        no id of its own (default "transcript")."""
        call = self._coerce(transcript, default_id)
        self.limits.check(call)
        utterances = call.utterances
        offsets = call.utterance_offsets()
        totals: dict[str, int] = {}
        for utterance in utterances:
            totals[utterance.speaker] = totals.get(utterance.speaker, 0) + 1
        times = [u.start for u in utterances if u.start is not None]
        ends = [u.end for u in utterances if u.end is not None]
        call_start = min(times) if times else None
        call_end = max(ends) if ends else None

        findings: list[Finding] = []
        seen: dict[str, int] = {}
        # No rule listens to some speakers (bank-cn's stages are all the agent's): customer speech,
        # often half the text, is never matched at all.
        matched = self._matched_speakers
        candidates_of = self._matched(u.text for u in utterances if u.speaker in matched)
        views: dict[int, TextView] = {}
        for index, utterance in enumerate(utterances):
            speaker = utterance.speaker
            speaker_index = seen.get(speaker, 0)
            seen[speaker] = speaker_index + 1
            if speaker not in matched:
                continue  # no rule listens to this speaker
            position = Position(
                index, len(utterances), speaker_index, totals[speaker], utterance.start, call_start, call_end
            )
            view, candidates = candidates_of[utterance.text]
            views[index] = view
            hits = self._utterance_hits(view, candidates, speaker, position)
            for candidate, rule, notes in hits:
                findings.append(
                    self._finding(
                        view, candidate, rule, notes, index, utterance.speaker, offsets[index], utterance.start
                    )
                )
            if self._models is not None:
                for candidate, rule, notes in self._model_hits(view, speaker, position, hits):
                    findings.append(
                        self._finding(
                            view, candidate, rule, notes, index, utterance.speaker, offsets[index], utterance.start
                        )
                    )

        stage_results = self._stage_results(findings, utterances)
        context = CheckContext(
            call, findings, self.normalizer, self._check_phrase_indexes, offsets=offsets, views=views
        )
        findings.extend(run_checks(self._checks, context))
        if carries_recognition(utterances):
            findings = annotate(findings, utterances, self.pack.review.min_confidence, self._untextual)
        score, passed, breakdown = score_report(self.pack, findings, self._unmatched_score_lines)
        report = Report(
            transcript_id=call.id,
            pack_id=self.pack.id,
            pack_version=self.pack.version,
            pack_hash=self.pack_hash,
            library_version=__version__,
            findings=tuple(findings),
            stages=tuple(stage_results),
            score=score,
            passed=passed,
            breakdown=breakdown,
            notes=tuple(context.notes),
            metadata=call.metadata,
            needs_review=any(f.needs_review for f in findings),
            pass_mark=self._pass_mark,
            total=self._total,
        )
        if self.redact:
            from .privacy import redact_report

            report = redact_report(report, call)
        return report

    def _stage_results(self, findings: list[Finding], utterances) -> list[StageResult]:
        """One result per enabled stage; a required stage with no hit adds a ``missing`` finding."""
        by_stage: dict[str, list[Finding]] = {}
        for finding in findings:
            by_stage.setdefault(finding.stage, []).append(finding)
        results = []
        for stage in self._stages:
            stage_findings = by_stage.get(stage.id)
            if not stage_findings:
                absent, missing = self._absent[stage.id]
                results.append(absent)
                if missing is not None:
                    findings.append(missing)
                continue
            indexes = tuple(sorted({f.utterance_index for f in stage_findings if f.utterance_index is not None}))
            results.append(
                _make_stage_result(
                    {
                        "stage": stage.id,
                        "name": stage.name,
                        "required": stage.required,
                        "present": True,
                        "count": len(stage_findings),
                        "utterances": indexes,
                        "first_time": utterances[indexes[0]].start if indexes else None,
                    }
                )
            )
        return results

    def session(
        self, transcript_id: str = "live", channel: Channel = "phone", metadata: Optional[dict] = None
    ) -> "LiveSession":
        """A live session for one call in progress (see ``servicecheck.live``)."""
        from .live import LiveSession

        return LiveSession(self, transcript_id, channel, metadata)

    def check_many(
        self,
        items: Iterable[Union[TranscriptLike, "Record"]],
        *,
        workers: int = 1,
        chunk_size: int = 32,
        as_json: bool = False,
    ) -> Iterator[Union[Report, "RecordError", "ReportJson"]]:
        """Check many items; results come out in input order, one per item.

        Good items give a ``Report``; an item that cannot be read or checked gives a ``RecordError``
        (``ok`` is False) naming its source, line and problem, and the batch goes on. ``workers > 1``
        checks on that many processes, streaming the input with bounded memory.

        ``as_json=True`` gives a ``ReportJson`` (the report's JSON line, its id, score, pass and flagged
        severities) instead of a ``Report``: with workers, the reports are written in the workers and
        this process only passes them on, which is what lets a batch that writes JSON scale with the
        cores. Reading records with ``iter_records(..., defer_parsing=True)`` moves parsing to the
        workers as well (docs/performance.md, "Workers").
        """
        from .batch import run_batch

        return run_batch(self, items, workers=workers, chunk_size=chunk_size, as_json=as_json)


def _resolve_overlaps(
    hits: list[tuple[Candidate, CompiledRule, list[str]]],
) -> list[tuple[Candidate, CompiledRule, list[str]]]:
    """Keep the best of overlapping hits of one stage (see ``METHOD_PRIORITY``); deterministic."""
    ordered = sorted(hits, key=lambda h: h[0].sort_key(h[1].order))
    chosen: list[tuple[Candidate, CompiledRule, list[str]]] = []
    taken = DisjointSpans()  # O(log n) per hit: a long utterance can hold tens of thousands of hits
    for hit in ordered:
        if taken.add(hit[0].start, hit[0].end):
            chosen.append(hit)
    return chosen


def check(transcript: TranscriptLike, pack: Union[Pack, PackSource] = "bank-cn") -> Report:
    """One-off convenience: build a Checker and check one transcript."""
    return Checker(pack).check(transcript)
