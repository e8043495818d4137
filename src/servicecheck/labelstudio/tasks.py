"""Calls out to Label Studio: Paragraphs tasks (one paragraph per utterance), the labelling config,
and the pack's findings as pre-annotations a reviewer accepts or corrects.

Offsets are Python code points within the utterance text, end exclusive, as in servicecheck findings;
paragraph indices are written as strings, the way Label Studio itself writes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Optional, Union
from xml.sax.saxutils import quoteattr

from ..checker import Checker
from ..io.records import transcript_from_dict
from ..io.roles import RoleMap
from ..model import Transcript
from ..pack import Pack, load_pack

FROM_NAME = "stage"  # the ParagraphLabels control
TO_NAME = "dialogue"  # the Paragraphs object
DATA_KEY = "utterances"  # task data key that holds the paragraphs

TranscriptInput = Union[Transcript, dict]


def labeling_config(pack: Union[Pack, str, Any]) -> str:
    """The Label Studio labelling config for ``pack``: one Label per enabled stage, over the call's
    utterances as a dialogue (``nameKey="speaker"`` so paragraphs are utterances unchanged)."""
    pack = pack if isinstance(pack, Pack) else load_pack(pack)
    labels = "\n".join(
        f"    <Label value={quoteattr(stage.id)} hint={quoteattr(stage.name)}/>"
        for stage in pack.stages
        if stage.enabled
    )
    return (
        "<View>\n"
        f'  <ParagraphLabels name="{FROM_NAME}" toName="{TO_NAME}">\n'
        f"{labels}\n"
        "  </ParagraphLabels>\n"
        f'  <Paragraphs name="{TO_NAME}" value="${DATA_KEY}" layout="dialogue" nameKey="speaker" textKey="text"/>\n'
        "</View>\n"
    )


def region(utterance: int, start: int, end: int, text: str, stage: str, region_id: str) -> dict[str, Any]:
    """One ParagraphLabels result region inside utterance ``utterance`` at ``start:end`` (code points)."""
    return {
        "id": region_id,
        "from_name": FROM_NAME,
        "to_name": TO_NAME,
        "type": "paragraphlabels",
        "value": {
            "start": str(utterance),
            "end": str(utterance),
            "startOffset": start,
            "endOffset": end,
            "text": text,
            "paragraphlabels": [stage],
        },
    }


def find_occurrence(text: str, phrase: str, occurrence: int) -> int:
    """Start of the ``occurrence``-th (0-based) match of ``phrase`` in ``text``, counting overlapping
    matches as evaluate does; -1 when there are not that many."""
    position = -1
    for _ in range(occurrence + 1):
        position = text.find(phrase, position + 1)
        if position == -1:
            return -1
    return position


def regions_from_labels(utterances: Sequence[Any], labels: Iterable[dict], prefix: str = "g") -> list[dict]:
    """Gold labels (LABELING.md) as result regions, each at the offset of its ``occurrence``-th match,
    so that importing them gives the same labels back. ValueError names a label that is not there."""
    texts = [u.text if hasattr(u, "text") else u["text"] for u in utterances]
    regions = []
    for n, label in enumerate(labels):
        index, phrase = label.get("utterance"), label.get("text")
        if not isinstance(index, int) or not 0 <= index < len(texts):
            raise ValueError(f"label {n}: utterance {index!r} out of range")
        if not isinstance(phrase, str) or not phrase:
            raise ValueError(f"label {n}: no text")
        start = find_occurrence(texts[index], phrase, int(label.get("occurrence", 0)))
        if start < 0:
            raise ValueError(
                f"label {n}: {phrase!r} (occurrence {label.get('occurrence', 0)}) not in utterance {index}"
            )
        regions.append(region(index, start, start + len(phrase), phrase, label["stage"], f"{prefix}{n}"))
    return regions


def prediction(checker: Checker, transcript: Transcript) -> dict[str, Any]:
    """The pack's findings on one call as a Label Studio prediction: every hit of a stage rule and
    every forbidden-phrase violation (what a reviewer labels), not missing stages or timing checks."""
    report = checker.check(transcript)
    rules = {rule.id for rule in checker.compiled.rules}
    seen: set[tuple] = set()
    result: list[dict[str, Any]] = []
    for finding in report.findings:
        if finding.rule_id not in rules or finding.utterance_index is None or finding.start is None:
            continue
        if finding.kind not in ("hit", "violation"):
            continue
        key = (finding.utterance_index, finding.start, finding.end, finding.stage)
        if key in seen:
            continue
        seen.add(key)
        text = transcript.utterances[finding.utterance_index].text[finding.start : finding.end]
        result.append(
            region(
                finding.utterance_index,
                finding.start,
                finding.end or finding.start,
                text,
                finding.stage,
                f"p{len(result)}",
            )
        )
    version = f"{checker.pack.id} {checker.pack.version} {checker.pack_hash}"
    return {"model_version": version, "result": result}


def _transcript(item: TranscriptInput, role_map: RoleMap, position: int) -> Transcript:
    if isinstance(item, Transcript):
        return item
    return transcript_from_dict(item, role_map, default_id=f"call-{position + 1}")


def export_tasks(
    transcripts: Iterable[TranscriptInput], checker: Optional[Checker] = None, *, gold: bool = False
) -> list[dict]:
    """One Paragraphs task per call. With ``checker``, each task gets the pack's findings as a
    prediction; with ``gold``, the ``labels`` of dict inputs become a completed annotation (to review
    an existing gold set in Label Studio)."""
    role_map = checker.role_map if checker is not None else RoleMap()
    tasks = []
    for position, item in enumerate(transcripts):
        transcript = _transcript(item, role_map, position)
        paragraphs = []
        for utterance in transcript.utterances:
            paragraph: dict[str, Any] = {"speaker": utterance.speaker, "text": utterance.text}
            if utterance.start is not None:
                paragraph["start"] = utterance.start
            if utterance.end is not None:
                paragraph["end"] = utterance.end
            paragraphs.append(paragraph)
        task: dict[str, Any] = {"data": {"call_id": transcript.id, "channel": transcript.channel, DATA_KEY: paragraphs}}
        if checker is not None:
            task["predictions"] = [prediction(checker, transcript)]
        if gold and isinstance(item, dict) and isinstance(item.get("labels"), list):
            # A call labelled with no stage is still a reviewed call: it gets an (empty) annotation.
            try:
                result = regions_from_labels(transcript.utterances, item["labels"])
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ValueError(f"call {transcript.id!r}: {exc}") from None
            task["annotations"] = [{"result": result, "was_cancelled": False, "ground_truth": True}]
        tasks.append(task)
    return tasks
