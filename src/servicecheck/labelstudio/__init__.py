"""Label Studio round trip: calls out as Paragraphs tasks (with the pack's findings as predictions),
reviewed annotations back as gold labels, and agreement between annotators."""

from __future__ import annotations

from .annotations import Annotation, ImportReport, import_annotations, utf16_to_code_point
from .annotators import AnnotatorAgreement, annotator_agreement
from .tasks import export_tasks, labeling_config, prediction, regions_from_labels

__all__ = [
    "Annotation",
    "AnnotatorAgreement",
    "ImportReport",
    "annotator_agreement",
    "export_tasks",
    "import_annotations",
    "labeling_config",
    "prediction",
    "regions_from_labels",
    "utf16_to_code_point",
]
