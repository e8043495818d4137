"""Agreement between two annotators of the same tasks, per stage, on stage presence per call."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Optional

from ..agreement import Presence, presence_tables
from .annotations import ImportReport


@dataclass
class AnnotatorAgreement:
    """Kappa tables per stage over ``calls`` (the tasks with two or more non-cancelled annotations:
    the first two in the export's order are compared)."""

    stages: dict[str, Presence]
    calls: int
    more_than_two: int = 0  # tasks with a third annotation or more, not compared
    pairs: list[tuple[Any, Any]] = field(default_factory=list)  # (completed_by, completed_by) per call

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "more_than_two": self.more_than_two,
            "stages": {s: t.as_dict("first", "second") for s, t in self.stages.items()},
        }


def annotator_agreement(report: ImportReport, stages: Optional[Iterable[str]] = None) -> AnnotatorAgreement:
    """Cohen's kappa per stage between the first and second annotation of each doubly annotated task.
    ``stages`` defaults to every stage either annotator used."""
    first: dict[str, set[str]] = {}
    second: dict[str, set[str]] = {}
    pairs, extra = [], 0
    for call, done in report.annotations.items():
        if len(done) < 2:
            continue
        extra += len(done) > 2
        a, b = done[0], done[1]
        first[call] = {label["stage"] for label in a.labels}
        second[call] = {label["stage"] for label in b.labels}
        pairs.append((a.completed_by, b.completed_by))
    used = set().union(*first.values(), *second.values()) if first else set()
    ordered = list(stages or [])
    ordered += sorted(used - set(ordered))
    return AnnotatorAgreement(presence_tables(first, second, ordered), len(first), extra, pairs)
