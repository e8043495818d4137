"""Training examples: agent clauses with the stages gold labels give them.

A clause is positive for a stage when a gold label of that stage overlaps it. Calls come from gold
files (``servicecheck eval``'s format); golden cases (``rules/cases/<pack>/<stage>.yaml``) add single
utterances that speak only for their own stage: a greeting case may hold an unlabelled 谢谢, so it is
no negative for other stages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

from ..text import Normalizer
from .clauses import clauses


@dataclass(frozen=True)
class Example:
    text: str  # the clause, normalised as a pack with default settings normalises
    positives: frozenset[str]
    group: str  # the call it comes from: cross-validation keeps a call's clauses in one fold
    only: Optional[str] = None  # a golden case: an example for this stage only


def _gold_spans(text: str, label: dict) -> Optional[tuple[int, int]]:
    phrase = label.get("text")
    if not isinstance(phrase, str) or not phrase:
        return None
    position = -1
    for _ in range(int(label.get("occurrence", 0)) + 1):
        position = text.find(phrase, position + 1)
        if position == -1:
            return None
    return position, position + len(phrase)


def call_examples(record: dict, normalizer: Normalizer, group: str, only: Optional[str] = None) -> list[Example]:
    """The agent clauses of one gold call with their stages."""
    utterances = record.get("utterances") or []
    spans: dict[int, list[tuple[str, int, int]]] = {}
    for label in record.get("labels") or []:
        index = label.get("utterance")
        if not isinstance(index, int) or not 0 <= index < len(utterances):
            continue
        found = _gold_spans(utterances[index].get("text", ""), label)
        if found is not None:
            spans.setdefault(index, []).append((label.get("stage", ""), *found))
    out = []
    for index, utterance in enumerate(utterances):
        if utterance.get("speaker", "agent") != "agent":
            continue
        text = utterance.get("text") or ""
        for start, end in clauses(text):
            stages = frozenset(s for s, gs, ge in spans.get(index, ()) if gs < end and start < ge)
            out.append(Example(normalizer.normalize(text[start:end]), stages, group, only))
    return out


def gold_calls(paths: Iterable[Path]) -> list[tuple[str, dict]]:
    """(group id, call) for every readable row of the gold files; unreadable rows are skipped."""
    from ..evaluate import read_gold

    calls = []
    for path in paths:
        for row in read_gold(path):
            if row.error is None and isinstance(row.record, dict):
                calls.append((f"{path.name}:{row.record.get('id', row.line)}", row.record))
    return calls


def case_calls(folder: Path) -> list[tuple[str, dict, Optional[str]]]:
    """Golden cases as one-utterance gold calls: (group id, call, stage; None for a file without one)."""
    import yaml

    out = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        stage = data.get("stage")
        for number, case in enumerate(data.get("cases") or [], start=1):
            speaker = case.get("speaker", "agent")
            text = case["text"]
            labels = [{"stage": stage, "utterance": 0, "text": t} for t in case.get("expect") or [] if t in text]
            call = {"utterances": [{"speaker": speaker, "text": text}], "labels": labels}
            out.append((f"{path.name}:{number}", call, stage))
    return out


def examples(calls: list[tuple[str, dict]], cases: Sequence[tuple[str, dict, Optional[str]]] = ()) -> list[Example]:
    normalizer = Normalizer()
    out: list[Example] = []
    for group, record in calls:
        out.extend(call_examples(record, normalizer, group))
    for group, record, stage in cases:
        out.extend(call_examples(record, normalizer, group, only=stage))
    return out
