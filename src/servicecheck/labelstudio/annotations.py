"""A Label Studio JSON export back into servicecheck gold calls (shared/dev/LABELING.md).

Label Studio writes paragraph indices as strings and offsets as code points; exports from before
2022 counted offsets in UTF-16 units, which differ after an emoji or 𠮷. Every region is checked
against its own ``text`` and repaired from UTF-16 when that is what makes it match; what cannot be
placed inside one utterance is rejected and reported, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from .tasks import DATA_KEY


@dataclass
class Annotation:
    """One non-cancelled annotation of a task, read into gold labels (kept for agreement)."""

    id: Any
    completed_by: Any
    ground_truth: bool
    updated_at: str
    labels: list[dict]


@dataclass
class ImportReport:
    """What an import read, chose, repaired and rejected. ``annotations`` keeps every non-cancelled
    annotation per call id, so that annotators can be compared (agreement.py)."""

    tasks: int = 0
    calls: int = 0
    labels: int = 0
    rejected: list[str] = field(default_factory=list)  # regions and tasks not imported, and why
    repaired: list[str] = field(default_factory=list)  # regions whose UTF-16 offsets were converted
    warnings: list[str] = field(default_factory=list)
    cancelled: int = 0
    ignored_results: int = 0  # results of other controls (choices, text areas …)
    chosen: dict[str, Any] = field(default_factory=dict)  # call id -> id of the annotation taken
    annotations: dict[str, list[Annotation]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tasks": self.tasks,
            "calls": self.calls,
            "labels": self.labels,
            "cancelled": self.cancelled,
            "ignored_results": self.ignored_results,
            "rejected": self.rejected,
            "repaired": self.repaired,
            "warnings": self.warnings,
            "chosen": self.chosen,
        }


class _Reject(Exception):
    """A region or task that cannot become gold labels; the message says why."""


def _index(value: Any, what: str) -> int:
    """A paragraph index or offset: an integer, or a string of digits (Label Studio writes strings)."""
    if isinstance(value, bool):
        raise _Reject(f"{what} {value!r} is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _Reject(f"{what} {value!r} is not a number")


def utf16_to_code_point(text: str, offset: int) -> Optional[int]:
    """The code point offset of UTF-16 offset ``offset`` in ``text``; None when it falls inside a
    surrogate pair or past the end."""
    units = 0
    for position, char in enumerate(text):
        if units == offset:
            return position
        if units > offset:
            return None
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text) if units == offset else None


def _occurrence(text: str, phrase: str, start: int) -> int:
    """How many matches of ``phrase`` (overlapping ones too) start before ``start``."""
    count, position = 0, text.find(phrase)
    while 0 <= position < start:
        count += 1
        position = text.find(phrase, position + 1)
    return count


def _region_labels(result: dict, texts: list[str], where: str, report: ImportReport) -> list[tuple[int, int, int, str]]:
    """(utterance, start, end, stage) for each label of one region, offsets in code points."""
    value = result.get("value")
    if not isinstance(value, dict):
        raise _Reject("no value")
    stages = value.get("paragraphlabels")
    if not isinstance(stages, list) or not stages or not all(isinstance(s, str) and s for s in stages):
        raise _Reject(f"paragraphlabels {stages!r} is not a list of stage names")
    first, last = _index(value.get("start"), "paragraph"), _index(value.get("end"), "paragraph")
    if first != last:
        raise _Reject(f"spans paragraphs {first} to {last}; a label lies within one utterance: split the region")
    if not 0 <= first < len(texts):
        raise _Reject(f"paragraph {first} is not in the call ({len(texts)} utterances)")
    text = texts[first]
    start, end = _index(value.get("startOffset"), "startOffset"), _index(value.get("endOffset"), "endOffset")
    if not 0 <= start < end:
        raise _Reject(f"offsets {start}:{end} select nothing")
    selected = value.get("text")
    if selected is None or (end <= len(text) and text[start:end] == selected):
        if end > len(text):
            raise _Reject(f"offsets {start}:{end} run past utterance {first} ({len(text)} characters)")
        return [(first, start, end, stage) for stage in stages]
    cp_start, cp_end = utf16_to_code_point(text, start), utf16_to_code_point(text, end)
    if cp_start is not None and cp_end is not None and text[cp_start:cp_end] == selected:
        report.repaired.append(
            f"{where}: offsets {start}:{end} counted in UTF-16 (an older Label Studio), read as {cp_start}:{cp_end}"
        )
        return [(first, cp_start, cp_end, stage) for stage in stages]
    raise _Reject(
        f"text {selected!r} is not at {start}:{end} of utterance {first} (there: {text[start:end]!r}),"
        " whether offsets count code points or UTF-16 units"
    )


def _annotation_labels(
    annotation: dict, texts: list[str], speakers: list[Any], where: str, from_name: Optional[str], report: ImportReport
) -> list[dict]:
    """The gold labels of one annotation, sorted by place; bad regions are reported and left out."""
    spans: set[tuple[int, int, int, str]] = set()
    results = annotation.get("result") or []
    if not isinstance(results, list):
        report.rejected.append(f"{where}: result is not a list")
        return []
    for result in results:
        if not isinstance(result, dict) or result.get("type") != "paragraphlabels":
            report.ignored_results += 1
            continue
        if from_name is not None and result.get("from_name") != from_name:
            report.ignored_results += 1
            continue
        region_where = f"{where}, region {result.get('id')!r}"
        try:
            spans.update(_region_labels(result, texts, region_where, report))
        except _Reject as exc:
            report.rejected.append(f"{region_where}: {exc}")
    labels = []
    for utterance, start, end, stage in sorted(spans):
        text = texts[utterance][start:end]
        if speakers[utterance] != "agent":
            report.warnings.append(
                f"{where}: {stage} label {text!r} on a {speakers[utterance]!r} utterance ({utterance})"
            )
        labels.append(
            {
                "stage": stage,
                "utterance": utterance,
                "text": text,
                "occurrence": _occurrence(texts[utterance], text, start),
            }
        )
    return labels


def _latest(annotations: list[tuple[int, dict]]) -> tuple[int, dict]:
    """The annotation saved last (``updated_at``, else ``created_at``; ties: later in the export)."""
    return max(
        annotations, key=lambda pair: (str(pair[1].get("updated_at") or pair[1].get("created_at") or ""), pair[0])
    )


def _choose(annotations: list[tuple[int, dict]], choose: str, where: str, report: ImportReport) -> tuple[int, dict]:
    if choose == "ground_truth":
        marked = [pair for pair in annotations if pair[1].get("ground_truth")]
        if marked:
            return _latest(marked)
        report.warnings.append(f"{where}: no ground-truth annotation, took the latest")
    return _latest(annotations)


def _paragraphs(data: Any) -> tuple[list[dict], list[str], list[Any]]:
    if not isinstance(data, dict):
        raise _Reject("task has no data")
    paragraphs = data.get(DATA_KEY)
    if not isinstance(paragraphs, list) or not paragraphs:
        raise _Reject(f"data.{DATA_KEY} is not a list of paragraphs")
    texts, speakers = [], []
    for n, paragraph in enumerate(paragraphs):
        if not isinstance(paragraph, dict) or not isinstance(paragraph.get("text"), str):
            raise _Reject(f"data.{DATA_KEY}[{n}] has no text")
        texts.append(paragraph["text"])
        speakers.append(paragraph.get("speaker"))
    return paragraphs, texts, speakers


def import_annotations(
    export: list[dict], *, choose: str = "latest", from_name: Optional[str] = None
) -> tuple[list[dict], ImportReport]:
    """Gold calls ``{"id", "channel", "utterances", "labels"}`` from a Label Studio JSON export, one
    per task with a non-cancelled annotation, picked by ``choose`` (``latest`` or ``ground_truth``).
    Tasks without one are left out: an unreviewed call is not a call without stages."""
    if choose not in ("latest", "ground_truth"):
        raise ValueError(f"choose must be 'latest' or 'ground_truth', not {choose!r}")
    if not isinstance(export, list):
        raise ValueError("a Label Studio JSON export is a list of tasks")
    report = ImportReport()
    calls = []
    for position, task in enumerate(export):
        report.tasks += 1
        task_id = task.get("id", f"#{position}") if isinstance(task, dict) else f"#{position}"
        try:
            if not isinstance(task, dict):
                raise _Reject("is not an object")
            paragraphs, texts, speakers = _paragraphs(task.get("data"))
        except _Reject as exc:
            report.rejected.append(f"task {task_id}: {exc}")
            continue
        data = task["data"]
        call_id = str(data.get("call_id") or data.get("id") or task_id)
        where = f"task {task_id} (call {call_id})"
        annotations = task.get("annotations") or []
        live = [(n, a) for n, a in enumerate(annotations) if isinstance(a, dict) and not a.get("was_cancelled")]
        report.cancelled += sum(1 for a in annotations if isinstance(a, dict) and a.get("was_cancelled"))
        if not live:
            continue
        read = []
        for n, annotation in live:
            labels = _annotation_labels(
                annotation, texts, speakers, f"{where}, annotation {annotation.get('id', n)}", from_name, report
            )
            read.append(
                Annotation(
                    id=annotation.get("id", n),
                    completed_by=annotation.get("completed_by"),
                    ground_truth=bool(annotation.get("ground_truth")),
                    updated_at=str(annotation.get("updated_at") or annotation.get("created_at") or ""),
                    labels=labels,
                )
            )
        if call_id in report.annotations:  # agreement keys on the call id: the later task wins there
            report.warnings.append(f"{where}: call id {call_id!r} is in an earlier task too")
        report.annotations[call_id] = read
        chosen_at, _ = _choose(live, choose, where, report)
        chosen = read[[n for n, _ in live].index(chosen_at)]
        report.chosen[call_id] = chosen.id
        channel = data.get("channel") if data.get("channel") in ("phone", "online") else "phone"
        calls.append({"id": call_id, "channel": channel, "utterances": paragraphs, "labels": chosen.labels})
        report.calls += 1
        report.labels += len(chosen.labels)
    return calls, report
