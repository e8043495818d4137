"""Cross-validation of a stage classifier against the rules, at utterance level.

Calls are split into k folds (a call's clauses never straddle train and test); golden cases, when
given, train every fold and are never tested (the rules were written against them). For each fold a
model is trained on the other folds and a pack extending the base pack with one ``model`` rule per
stage checks the held-out calls. From its findings come, per stage and threshold:

- ``rules``: findings of the pack's own rules;
- ``model``: utterances with a clause scoring at least the threshold (the classifier alone);
- ``rules+model``: ``any`` mode. At utterance level ``fallback`` gives the same figures (it only
  drops model hits in utterances a rule of the stage already hit) and ``review`` scores like
  ``rules``, leaving the model's extra hits to a person: ``queue`` is how many and how many were right.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Optional

import yaml

from ..evaluate import Counts
from ..text import Normalizer
from .classifier import save, train
from .clauses import clauses
from .data import examples

THRESHOLDS = (0.5, 0.7, 0.8, 0.9)


def folds(groups: list[str], k: int, seed: int = 0) -> list[set[str]]:
    ordered = sorted(groups)
    random.Random(seed).shuffle(ordered)
    return [set(ordered[i::k]) for i in range(k)]


def _gold(record: dict, stages: list[str]) -> set[tuple[int, str]]:
    return {(x["utterance"], x["stage"]) for x in record.get("labels") or [] if x.get("stage") in stages}


def _pack_file(folder: Path, base: str, model: Path, stages: list[str], threshold: float) -> Path:
    content = {
        "id": "cv",
        "extends": base,
        "stages": [
            {
                "id": stage,
                "rules": [
                    {
                        "id": f"{stage}.model",
                        "model": {"path": str(model), "label": stage, "threshold": threshold, "mode": "any"},
                    }
                ],
            }
            for stage in stages
        ],
    }
    path = folder / "pack.yaml"
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


def cross_validate(
    calls: list[tuple[str, dict]],
    cases: list[tuple[str, dict, Optional[str]]],
    stages: list[str],
    *,
    k: int = 5,
    pack: str = "bank-cn",
    thresholds: tuple[float, ...] = THRESHOLDS,
    c: float = 4.0,
    seed: int = 0,
) -> dict:
    """Summed counts over the folds: {"rules": {stage: Counts}, "model@t": …, "rules+model@t": …,
    "queue@t": …}."""
    from ..checker import Checker
    from ..io.records import transcript_from_dict

    base = pack if not Path(pack).is_file() else str(Path(pack).resolve())
    normalizer = Normalizer()
    table: dict[str, dict[str, Counts]] = {}

    def count(name: str, stage: str, gold: bool, predicted: bool) -> None:
        counts = table.setdefault(name, {s: Counts() for s in stages})[stage]
        counts.tp += gold and predicted
        counts.fp += predicted and not gold
        counts.fn += gold and not predicted

    low = min(thresholds)
    with tempfile.TemporaryDirectory() as tmp:
        for number, test in enumerate(folds([g for g, _ in calls], k, seed)):
            training = [(g, r) for g, r in calls if g not in test]
            model = train(examples(training, cases), stages, name=f"cv{number}", c=c)
            folder = Path(tmp) / f"fold{number}"
            save(model, folder / "model")
            checker = Checker(_pack_file(folder, base, folder / "model", stages, low))
            for group, record in calls:
                if group not in test:
                    continue
                transcript = transcript_from_dict(record, checker.role_map)
                report = checker.check(transcript)
                gold = _gold(record, stages)
                ruled = {(f.utterance_index, f.stage) for f in report.findings if f.method != "model"}
                modelled = [(f.utterance_index, f.stage, f.similarity) for f in report.findings if f.method == "model"]
                alone = _model_alone(model, normalizer, transcript, stages)
                agent = [i for i, u in enumerate(transcript.utterances) if u.speaker == "agent"]
                for stage in stages:
                    for i in agent:
                        key = (i, stage)
                        count("rules", stage, key in gold, key in ruled)
                        for t in thresholds:
                            added = any(m[:2] == key and m[2] >= t for m in modelled)
                            count(f"model@{t}", stage, key in gold, alone.get(key, 0.0) >= t)
                            count(f"rules+model@{t}", stage, key in gold, key in ruled or added)
                            if added and key not in ruled:
                                count(f"queue@{t}", stage, key in gold, True)
                            else:
                                table.setdefault(f"queue@{t}", {s: Counts() for s in stages})
    return table


def _model_alone(model, normalizer: Normalizer, transcript, stages: list[str]) -> dict[tuple[int, str], float]:
    """The best clause score of each agent utterance, per stage."""
    best: dict[tuple[int, str], float] = {}
    for i, utterance in enumerate(transcript.utterances):
        if utterance.speaker != "agent":
            continue
        text = normalizer.normalize(utterance.text)
        pieces = [text[s:e] for s, e in clauses(text)]
        for stage in stages:
            scores = model.scores(pieces, stage)
            best[(i, stage)] = max(scores, default=0.0)
    return best


def cv_table(table: dict, stages: list[str]) -> str:
    from ..render import table as render

    rows = []
    for name, per_stage in table.items():
        if name.startswith("queue"):
            continue
        for stage in stages + ["micro"]:
            counts = per_stage[stage] if stage != "micro" else Counts.total(per_stage.values())
            rows.append(
                [
                    name,
                    stage,
                    counts.tp,
                    counts.fp,
                    counts.fn,
                    f"{counts.precision:.3f}",
                    f"{counts.recall:.3f}",
                    f"{counts.f1:.3f}",
                ]
            )
    queue = [
        [name, stage, per_stage[stage].tp, per_stage[stage].fp]
        for name, per_stage in table.items()
        if name.startswith("queue")
        for stage in stages
    ]
    text = render(["setup", "stage", "tp", "fp", "fn", "P", "R", "F1"], rows)
    text += "\n\nreview mode: scored like rules; the model's extra utterances go to a person\n"
    text += render(["queue", "stage", "right", "wrong"], queue)
    return text + "\n"


def cv_dict(table: dict) -> dict:
    return {name: {s: c.as_dict() for s, c in per_stage.items()} for name, per_stage in table.items()}
