"""``model`` rules at check time: clauses scored by a trained classifier become candidates.

Kept apart from ``CompiledPack.find_many`` because model hits join the rule hits of their stage only
after those are decided (``mode``: any / fallback / review), and because the classifier is loaded only
when a pack has such a rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..match.base import Candidate
from ..match.compile import CompiledRule
from ..pack.schema import ModelRef
from ..text import TextView
from .clauses import clauses

if TYPE_CHECKING:  # pragma: no cover
    from .classifier import StageClassifier


def model_ref(rule: CompiledRule) -> ModelRef:
    """The classifier of a model rule (the only rules ModelRules and the checker's model hits see)."""
    ref = rule.rule.model
    assert ref is not None, f"rule {rule.id} has no model"
    return ref


class ModelRules:
    """The model rules of one compiled pack with their classifiers (loaded once per folder)."""

    def __init__(self, rules: list[CompiledRule]) -> None:
        from .classifier import load_cached

        self.rules = rules
        self.classifiers: dict[int, StageClassifier] = {}
        for rule in rules:
            ref = model_ref(rule)
            classifier = load_cached(Path(ref.path))
            if ref.label not in classifier.labels:
                known = ", ".join(classifier.labels)
                raise ValueError(f"model {ref.path} has no label {ref.label!r} (it has {known})")
            self.classifiers[rule.index] = classifier

    def candidates(self, view: TextView, rules: list[CompiledRule]) -> list[Candidate]:
        """Clauses of the utterance scoring at least each rule's threshold, in normalised offsets."""
        text = view.norm
        spans = clauses(text)
        if not spans:
            return []
        pieces = [text[s:e] for s, e in spans]
        out: list[Candidate] = []
        for rule in rules:
            ref = model_ref(rule)
            classifier = self.classifiers[rule.index]
            for (start, end), score in zip(spans, classifier.scores(pieces, ref.label)):
                if score >= ref.threshold:
                    out.append(
                        Candidate(rule.index, start, end, "model", round(score, 4), f"{classifier.name}:{ref.label}")
                    )
        return out

    def explanation(self, rule: CompiledRule, clause: str, score: float) -> str:
        """模型 my-team：forbidden 0.91（「不归我」「自己去」）"""
        ref = model_ref(rule)
        classifier = self.classifiers[rule.index]
        grams = "".join(f"「{g}」" for g in classifier.features(clause, ref.label))
        text = f"规则 {rule.id}：模型 {classifier.name}：{ref.label} {score:.2f}"
        text += f"（{grams}）" if grams else ""
        if ref.mode == "review":
            text += "，模型命中待人工复核"
        elif ref.mode == "fallback":
            text += "，本句无规则命中时由模型补充"
        return text
