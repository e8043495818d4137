"""Process checks over a whole call: position, sequence, conditional, pattern, personal data and timing.

Each check kind is a function ``run(check, ctx) -> list[Finding]``; ``run_checks`` dispatches on the
check's ``type``. A stage's ``position`` in the pack is shorthand for a position check.
"""

from __future__ import annotations

from typing import Callable

from ..model import Finding
from ..pack.schema import Pack, PositionCheck
from . import conditional, pattern, personal_data, position, sequence, timing
from .base import CheckContext

RUNNERS: dict[str, Callable] = {
    "position": position.run,
    "sequence": sequence.run,
    "conditional": conditional.run,
    "pattern": pattern.run,
    "personal_data": personal_data.run,
    "answer_delay": timing.answer_delay,
    "silence": timing.silence,
    "interruption": timing.interruption,
    "speech_rate": timing.speech_rate,
    "agent_hangup": timing.agent_hangup,
}


def pack_checks(pack: Pack) -> list:
    """The pack's enabled checks, with the position checks its stages imply first."""
    implied = [
        PositionCheck(
            id=f"{stage.id}.position",
            type="position",
            stage=stage.id,
            window=stage.position,
            severity=stage.severity,
            message=f"{stage.name}位置不规范",
            suggestion=stage.suggestion,
        )
        for stage in pack.stages
        if stage.enabled and stage.position is not None and not stage.violation
    ]
    return implied + [c for c in pack.checks if c.enabled]


def run_checks(checks: list, ctx: CheckContext) -> list[Finding]:
    findings: list[Finding] = []
    for check in checks:
        if ctx.transcript.channel not in check.channels or not ctx.utterances:
            continue
        runner = RUNNERS.get(check.type)
        if runner is None:  # a check type from an installed plugin (docs/plugins.md)
            from ..plugins import run_plugin_check

            findings.extend(run_plugin_check(check, ctx))
        else:
            findings.extend(runner(check, ctx))
    return findings


__all__ = ["CheckContext", "RUNNERS", "pack_checks", "run_checks"]
