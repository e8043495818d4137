"""Two evaluations side by side, per stage at utterance level: a pack with and without its model
rules (``servicecheck eval`` on a pack that has some), or two packs (``--compare``)."""

from __future__ import annotations

from ..evaluate import Counts, Evaluation


def _cells(counts: Counts) -> list[str]:
    return [f"{counts.precision:.3f}", f"{counts.recall:.3f}", f"{counts.f1:.3f}"]


def comparison_table(results: list[tuple[str, Evaluation]]) -> str:
    """Stage rows, then micro; three columns (P, R, F1) per evaluation."""
    from ..render import table

    stages: list[str] = []
    for _, result in results:
        stages.extend(s for s in result.stages if s not in stages)
    head = ["stage"] + [f"{name} {m}" for name, _ in results for m in ("P", "R", "F1")]
    body = []
    for stage in stages:
        row = [stage]
        for _, result in results:
            row.extend(_cells(result.utterance.get(stage, Counts())))
        body.append(row)
    body.append(["micro"] + [c for _, r in results for c in _cells(r.micro("utterance"))])
    calls = results[0][1].calls
    names = "; ".join(name for name, _ in results)
    return f"utterance-level ({calls} calls): {names}\n" + table(head, body) + "\n"


def comparison_dict(results: list[tuple[str, Evaluation]]) -> dict:
    return {name: result.as_dict()["utterance_level"] for name, result in results}
