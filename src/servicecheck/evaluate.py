"""Measure a pack against gold labels (the format of shared dev ``calls.jsonl``, see LABELING.md).

Utterance level: a finding of stage S in utterance i against a gold label of S at i. Span level: a
predicted span and a gold span of the same stage and utterance match when their offsets overlap.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Union

from .checker import Checker
from .errors import InputError
from .io.records import transcript_from_dict


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class Evaluation:
    stages: list[str]
    utterance: dict[str, Counts] = field(default_factory=dict)
    span: dict[str, Counts] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)  # false positives and negatives
    rule_hits: Counter = field(default_factory=Counter)
    rules: list[str] = field(default_factory=list)
    calls: int = 0

    @staticmethod
    def _micro(table: dict[str, Counts]) -> Counts:
        total = Counts()
        for counts in table.values():
            total.tp += counts.tp
            total.fp += counts.fp
            total.fn += counts.fn
        return total

    def micro(self, level: str = "utterance") -> Counts:
        return self._micro(self.utterance if level == "utterance" else self.span)

    def macro_f1(self, level: str = "utterance") -> float:
        table = self.utterance if level == "utterance" else self.span
        used = [c for c in table.values() if c.tp + c.fp + c.fn]
        return sum(c.f1 for c in used) / len(used) if used else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "utterance_level": {
                "stages": {s: self.utterance[s].as_dict() for s in self.stages},
                "micro": self.micro("utterance").as_dict(),
                "macro_f1": round(self.macro_f1("utterance"), 4),
            },
            "span_level": {
                "stages": {s: self.span[s].as_dict() for s in self.stages},
                "micro": self.micro("span").as_dict(),
                "macro_f1": round(self.macro_f1("span"), 4),
            },
            "rule_hits": {r: self.rule_hits.get(r, 0) for r in self.rules},
            "rules_never_fired": [r for r in self.rules if not self.rule_hits.get(r)],
            "errors": self.errors,
        }


def _gold_span(text: str, label: dict, where: str) -> tuple[int, int]:
    phrase = label.get("text")
    if not isinstance(phrase, str) or not phrase:
        raise InputError("label without text", source=where, field="labels.text")
    occurrence = int(label.get("occurrence", 0))
    position = -1
    for _ in range(occurrence + 1):
        position = text.find(phrase, position + 1)
        if position == -1:
            raise InputError(f"label text {phrase!r} not in utterance", source=where, field="labels.text")
    return position, position + len(phrase)


def read_gold(path: Union[str, Path]) -> Iterable[tuple[dict, int]]:
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                yield json.loads(raw.decode("utf-8-sig")), number
            except (ValueError, UnicodeDecodeError) as exc:
                raise InputError(f"invalid JSON: {exc}", source=str(path), line=number) from None


def evaluate(checker: Checker, gold: Iterable[tuple[dict, int]], source: str = "<gold>") -> Evaluation:
    stages = [s.id for s in checker.pack.stages if s.enabled]
    rule_ids = [r.id for s in checker.pack.stages if s.enabled for r in s.rules if r.enabled]
    result = Evaluation(stages=stages, rules=rule_ids)
    for stage in stages:
        result.utterance[stage] = Counts()
        result.span[stage] = Counts()
    known_rules = set(rule_ids)
    for record, line in gold:
        where = f"{source}:{line}"
        transcript = transcript_from_dict(record, checker.role_map, source=source, line=line)
        report = checker.check(transcript)
        result.calls += 1
        texts = [u.text for u in transcript.utterances]

        gold_spans: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
        for label in record.get("labels", []):
            index, stage = label.get("utterance"), label.get("stage")
            if not isinstance(index, int) or not 0 <= index < len(texts):
                raise InputError(f"label utterance {index!r} out of range", source=where, field="labels.utterance")
            if stage not in result.utterance:
                continue
            gold_spans[(index, stage)].append(_gold_span(texts[index], label, where))

        predicted: dict[tuple[int, str], list[tuple[int, int, str]]] = defaultdict(list)
        for finding in report.findings:
            if finding.rule_id not in known_rules or finding.utterance_index is None:
                continue
            result.rule_hits[finding.rule_id] += 1
            predicted[(finding.utterance_index, finding.stage)].append(
                (finding.start or 0, finding.end or 0, finding.rule_id)
            )

        for key in set(gold_spans) | set(predicted):
            index, stage = key
            counts = result.utterance[stage]
            in_gold, in_pred = key in gold_spans, key in predicted
            if in_gold and in_pred:
                counts.tp += 1
            elif in_pred:
                counts.fp += 1
            else:
                counts.fn += 1
            spans = result.span[stage]
            gold_list, pred_list = gold_spans.get(key, []), predicted.get(key, [])
            matched_gold = [g for g in gold_list if any(p[0] < g[1] and g[0] < p[1] for p in pred_list)]
            matched_pred = [p for p in pred_list if any(p[0] < g[1] and g[0] < p[1] for g in gold_list)]
            spans.tp += len(matched_gold)
            spans.fn += len(gold_list) - len(matched_gold)
            spans.fp += len(pred_list) - len(matched_pred)
            if in_gold != in_pred:
                text = texts[index]
                result.errors.append(
                    {
                        "type": "false_positive" if in_pred else "false_negative",
                        "call": transcript.id,
                        "utterance": index,
                        "stage": stage,
                        "found": [text[s:e] for s, e, _ in pred_list],
                        "rules": sorted({r for _, _, r in pred_list}),
                        "gold": [text[s:e] for s, e in gold_list],
                        "text": text,
                    }
                )
    result.errors.sort(key=lambda e: (e["stage"], e["type"], e["call"], e["utterance"]))
    return result


def evaluation_table(result: Evaluation, show_errors: Optional[int] = 50) -> str:
    from .render import clip, table

    def rows(level_table: dict[str, Counts]):
        for stage in result.stages:
            c = level_table[stage]
            yield [stage, c.tp, c.fp, c.fn, f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}"]

    parts = []
    for level, level_table in (("utterance", result.utterance), ("span", result.span)):
        micro = result.micro(level)
        body = list(rows(level_table))
        body.append(["micro", micro.tp, micro.fp, micro.fn, f"{micro.precision:.3f}", f"{micro.recall:.3f}", f"{micro.f1:.3f}"])
        body.append(["macro", "", "", "", "", "", f"{result.macro_f1(level):.3f}"])
        parts.append(f"{level}-level ({result.calls} calls)\n" + table(["stage", "tp", "fp", "fn", "P", "R", "F1"], body))
    never = [r for r in result.rules if not result.rule_hits.get(r)]
    parts.append(
        "hits per rule\n" + table(["rule", "hits"], [[r, result.rule_hits.get(r, 0)] for r in result.rules])
    )
    if never:
        parts.append("rules that never fired: " + ", ".join(never))
    if result.errors and show_errors:
        shown = result.errors[:show_errors]
        parts.append(
            f"errors ({len(result.errors)}, first {len(shown)})\n"
            + table(
                ["type", "stage", "call", "utt", "found", "gold", "text"],
                [
                    [
                        "FP" if e["type"] == "false_positive" else "FN",
                        e["stage"],
                        e["call"],
                        e["utterance"],
                        clip("|".join(e["found"]), 16),
                        clip("|".join(e["gold"]), 16),
                        clip(e["text"], 50),
                    ]
                    for e in shown
                ],
            )
        )
    return "\n\n".join(parts) + "\n"
