"""Measure a pack against gold labels (the format of shared dev ``calls.jsonl``, see LABELING.md).

Utterance level: a finding of stage S in utterance i against a gold label of S at i. Span level: a
predicted span and a gold span of the same stage and utterance match when their offsets overlap.

Call level: Cohen's kappa between the pack and the gold on whether each stage is present in each
call (see agreement.py), the agreement figure reviewers are used to.

Gold labels of a stage the pack does not have, or has switched off, are misses: a pack is measured
against the standard the labels describe, not only against what it happens to look for. Labels may
be kept apart from the dialogues: a row ``{"id", "file", "labels"}`` takes dialogue ``id`` from the
JSONL corpus ``file`` (relative to the labels file). A row that cannot be read or evaluated is
reported and the others go on.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from .agreement import Presence, format_kappa
from .checker import Checker
from .errors import InputError
from .io.records import transcript_from_dict

# Why a gold stage is counted as missed, by the state of the stage in the pack.
_UNSCORED = {"absent": "is not in the pack", "disabled": "is switched off in the pack"}


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

    @classmethod
    def total(cls, counts: Iterable["Counts"]) -> "Counts":
        """Micro-averaged counts: the sum over stages."""
        summed = cls()
        for item in counts:
            summed.tp += item.tp
            summed.fp += item.fp
            summed.fn += item.fn
        return summed

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
    presence: dict[str, Presence] = field(default_factory=dict)  # stage -> calls by (pack, gold) presence
    errors: list[dict[str, Any]] = field(default_factory=list)  # false positives and negatives
    rule_hits: Counter = field(default_factory=Counter)
    rules: list[str] = field(default_factory=list)
    calls: int = 0
    labels: int = 0  # gold labels read
    # Gold stages the pack does not score: stage -> {"reason": absent | disabled, "labels": n}.
    unscored: dict[str, dict[str, Any]] = field(default_factory=dict)
    row_errors: list[dict[str, Any]] = field(default_factory=list)  # rows skipped: source, line, error
    empty_source: str | None = None  # the gold file, when it holds calls but not one label

    @property
    def warnings(self) -> list[str]:
        """What makes the figures mean less than they seem, one line each."""
        lines = [
            f"gold stage {stage!r} {_UNSCORED[info['reason']]}: its {info['labels']} label(s) count as misses "
            f"(false negatives)"
            for stage, info in self.unscored.items()
        ]
        if self.empty_source is not None:
            lines.append(
                f"{self.empty_source} has no labels: every finding counts as a false positive and recall says nothing"
            )
        return lines

    def micro(self, level: str = "utterance") -> Counts:
        return Counts.total((self.utterance if level == "utterance" else self.span).values())

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
            "call_level": {
                "stages": {s: self.presence[s].as_dict("pack", "gold") for s in self.stages},
            },
            "rule_hits": {r: self.rule_hits.get(r, 0) for r in self.rules},
            "rules_never_fired": [r for r in self.rules if not self.rule_hits.get(r)],
            "labels": self.labels,
            "unscored_stages": self.unscored,
            "warnings": self.warnings,
            "row_errors": self.row_errors,
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


@dataclass(frozen=True)
class GoldRow:
    """One row of a gold file: a call with its labels, or the error that kept it from being one."""

    record: dict | None
    line: int
    source: str
    error: InputError | None = None
    dialogue: tuple[str, int] | None = None  # (corpus file, line) of a dialogue kept apart from its labels


class _Corpus:
    """A JSONL corpus of dialogues, indexed by id once (file offsets, not the dialogues: corpora
    may be large) and read back one dialogue at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where: dict[str, list[tuple[int, int]]] = defaultdict(list)  # id -> [(offset, line)]
        self.unreadable: list[int] = []
        with open(path, "rb") as handle:
            offset = 0
            for number, raw in enumerate(handle, start=1):
                if raw.strip():
                    try:
                        ident = json.loads(raw.decode("utf-8-sig")).get("id")
                    except (ValueError, UnicodeDecodeError, AttributeError):
                        self.unreadable.append(number)
                    else:
                        if ident is not None:
                            self.where[str(ident)].append((offset, number))
                offset += len(raw)

    def dialogue(self, ident: str) -> tuple[dict, int]:
        """The dialogue with ``ident`` and its line; ValueError when there is not exactly one."""
        found = self.where.get(ident, [])
        if not found:
            unreadable = (
                f" ({len(self.unreadable)} unreadable line(s): {self.unreadable[:5]})" if self.unreadable else ""
            )
            raise ValueError(f"dialogue id {ident!r} is not in {self.path}{unreadable}")
        if len(found) > 1:
            lines = ", ".join(str(line) for _, line in found)
            raise ValueError(f"dialogue id {ident!r} is on several lines of {self.path} ({lines})")
        offset, line = found[0]
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            return json.loads(handle.readline().decode("utf-8-sig")), line


def _referenced(row: dict, labels_file: Path, line: int, corpora: dict[Path, _Corpus]) -> GoldRow:
    """A labels row that names its dialogue by id in a corpus file, resolved to the call with labels."""
    source = str(labels_file)
    file, ident = row.get("file"), row.get("id")
    if not isinstance(file, str) or not file:
        return GoldRow(
            None,
            line,
            source,
            InputError("file must be the path of a JSONL corpus", source=source, line=line, field="file"),
        )
    if ident is None:
        return GoldRow(
            None,
            line,
            source,
            InputError("a labels row needs the id of its dialogue", source=source, line=line, field="id"),
        )
    path = Path(file) if Path(file).is_absolute() else labels_file.parent / file
    try:
        corpus = corpora.get(path) or corpora.setdefault(path, _Corpus(path))
        dialogue, corpus_line = corpus.dialogue(str(ident))
    except OSError as exc:
        problem = f"corpus {file!r} cannot be read ({exc.strerror or exc}: {path})"
        return GoldRow(None, line, source, InputError(problem, source=source, line=line, field="file"))
    except ValueError as exc:
        return GoldRow(None, line, source, InputError(str(exc), source=source, line=line, field="id"))
    if not isinstance(dialogue, dict):
        problem = f"line {corpus_line} of {path} is no dialogue"
        return GoldRow(None, line, source, InputError(problem, source=source, line=line, field="id"))
    return GoldRow({**dialogue, "labels": row.get("labels", [])}, line, source, dialogue=(str(path), corpus_line))


def read_gold(path: str | Path) -> Iterable[GoldRow]:
    """The rows of a gold file: calls with their labels inline, or labels rows that refer to
    dialogues in a corpus file. A row that cannot be read is a row with an error; reading goes on."""
    labels_file = Path(path)
    corpora: dict[Path, _Corpus] = {}
    with open(labels_file, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw.decode("utf-8-sig"))
            except (ValueError, UnicodeDecodeError) as exc:
                yield GoldRow(
                    None, number, str(path), InputError(f"invalid JSON: {exc}", source=str(path), line=number)
                )
                continue
            if isinstance(row, dict) and "file" in row and "utterances" not in row:
                yield _referenced(row, labels_file, number, corpora)
            else:
                yield GoldRow(row, number, str(path))


def _as_row(item: GoldRow | tuple[dict, int], source: str) -> GoldRow:
    """Gold rows may also be given as ``(record, line)`` pairs."""
    return item if isinstance(item, GoldRow) else GoldRow(item[0], item[1], source)


def _stage_of(label: Any, where: str) -> str:
    stage = label.get("stage") if isinstance(label, dict) else None
    if not isinstance(stage, str) or not stage:
        raise InputError("label without stage", source=where, field="labels.stage")
    return stage


def evaluate(checker: Checker, gold: Iterable[GoldRow | tuple[dict, int]], source: str = "<gold>") -> Evaluation:
    """Check every gold call and count findings against its labels, per stage, at utterance and
    span level. Rows with an error are listed in ``row_errors``; the others are scored."""
    pack_stages = {s.id: s.enabled for s in checker.pack.stages}
    stages = [s for s, enabled in pack_stages.items() if enabled]
    rule_ids = [r.id for s in checker.pack.stages if s.enabled for r in s.rules if r.enabled]
    result = Evaluation(stages=stages, rules=rule_ids)
    for stage in stages:
        result.utterance[stage] = Counts()
        result.span[stage] = Counts()
        result.presence[stage] = Presence()
    known_rules = set(rule_ids)
    for item in gold:
        row = _as_row(item, source)
        try:
            if row.error is not None:
                raise row.error
            _score_call(checker, row, result, pack_stages, known_rules)
        except InputError as exc:
            result.row_errors.append({"source": row.source, "line": row.line, "error": str(exc)})
    if result.calls and not result.labels:
        result.empty_source = source
    result.errors.sort(key=lambda e: (e["stage"], e["type"], e["call"], e["utterance"]))
    return result


def _unscored(result: Evaluation, stage: str, enabled: bool | None, labels: int) -> None:
    """A gold stage the pack does not score: it gets rows in the tables, where its labels are misses."""
    if stage not in result.unscored:
        result.unscored[stage] = {"reason": "absent" if enabled is None else "disabled", "labels": 0}
        result.stages.append(stage)
        result.utterance[stage] = Counts()
        result.span[stage] = Counts()
        result.presence[stage] = Presence(neither=result.calls - 1)  # the calls before had it nowhere
    result.unscored[stage]["labels"] += labels


def _score_call(
    checker: Checker, row: GoldRow, result: Evaluation, pack_stages: dict[str, bool], known_rules: set[str]
) -> None:
    """Check one gold call and count its hits, misses and false alarms into ``result``."""
    where = f"{row.source}:{row.line}"
    source, line = row.dialogue or (row.source, row.line)  # utterance errors: where the dialogue is
    transcript = transcript_from_dict(row.record, checker.role_map, source=source, line=line)
    record = cast(dict, row.record)  # a dict: transcript_from_dict refuses anything else
    texts = [u.text for u in transcript.utterances]
    labels = record.get("labels", [])
    if not isinstance(labels, list):
        raise InputError("labels must be a list", source=where, field="labels")

    gold_spans: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    for label in labels:
        stage = _stage_of(label, where)
        index = label.get("utterance")
        if not isinstance(index, int) or not 0 <= index < len(texts):
            raise InputError(f"label utterance {index!r} out of range", source=where, field="labels.utterance")
        gold_spans[(index, stage)].append(_gold_span(texts[index], label, where))
    report = checker.check(transcript)
    result.calls += 1
    result.labels += len(labels)
    for (_, stage), spans in gold_spans.items():
        if not pack_stages.get(stage):
            _unscored(result, stage, pack_stages.get(stage), len(spans))

    predicted: dict[tuple[int, str], list[tuple[int, int, str]]] = defaultdict(list)
    for finding in report.findings:
        if finding.rule_id not in known_rules or finding.utterance_index is None:
            continue
        result.rule_hits[finding.rule_id] += 1
        predicted[(finding.utterance_index, finding.stage)].append(
            (finding.start or 0, finding.end or 0, finding.rule_id)
        )

    for key in set(gold_spans) | set(predicted):
        _count(result, transcript.id, texts, key, gold_spans.get(key, []), predicted.get(key, []))
    pack_present = {stage for _, stage in predicted}
    gold_present = {stage for _, stage in gold_spans}
    for stage in result.stages:
        result.presence[stage].add(stage in pack_present, stage in gold_present)


def _count(
    result: Evaluation,
    call: str,
    texts: list[str],
    key: tuple[int, str],
    gold_list: list[tuple[int, int]],
    pred_list: list[tuple[int, int, str]],
) -> None:
    """Utterance- and span-level counts for one (utterance, stage), and the error row of a miss or
    a false alarm."""
    index, stage = key
    counts = result.utterance[stage]
    in_gold, in_pred = bool(gold_list), bool(pred_list)
    if in_gold and in_pred:
        counts.tp += 1
    elif in_pred:
        counts.fp += 1
    else:
        counts.fn += 1
    spans = result.span[stage]
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
                "call": call,
                "utterance": index,
                "stage": stage,
                "found": [text[s:e] for s, e, _ in pred_list],
                "rules": sorted({r for _, _, r in pred_list}),
                "gold": [text[s:e] for s, e in gold_list],
                "text": text,
            }
        )


def evaluation_table(result: Evaluation, show_errors: int | None = 50) -> str:
    from .render import clip, table

    def rows(level_table: dict[str, Counts], kappa: bool):
        for stage in result.stages:
            c = level_table[stage]
            row = [stage, c.tp, c.fp, c.fn, f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}"]
            yield row + [format_kappa(result.presence[stage])] if kappa else row

    parts = ["\n".join(f"warning: {w}" for w in result.warnings)] if result.warnings else []
    for level, level_table in (("utterance", result.utterance), ("span", result.span)):
        micro = result.micro(level)
        # The kappa column (call-level presence, pack against gold) rides on the utterance table.
        kappa = level == "utterance"
        extra = [""] if kappa else []
        body = list(rows(level_table, kappa))
        body.append(
            [
                "micro",
                micro.tp,
                micro.fp,
                micro.fn,
                f"{micro.precision:.3f}",
                f"{micro.recall:.3f}",
                f"{micro.f1:.3f}",
                *extra,
            ]
        )
        body.append(["macro", "", "", "", "", "", f"{result.macro_f1(level):.3f}", *extra])
        headers = ["stage", "tp", "fp", "fn", "P", "R", "F1"] + (["kappa"] if kappa else [])
        title = f"{level}-level ({result.calls} calls)" + (
            "; kappa: pack vs gold on stage presence per call" if kappa else ""
        )
        parts.append(title + "\n" + table(headers, body))
    never = [r for r in result.rules if not result.rule_hits.get(r)]
    parts.append("hits per rule\n" + table(["rule", "hits"], [[r, result.rule_hits.get(r, 0)] for r in result.rules]))
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
