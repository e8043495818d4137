"""Ids a pack refers to across its parts: duplicate ids, checks naming stages that do not exist,
scorecard items matching stages, rules or checks that do not exist, and items worth more than the
scorecard's total. Each problem comes with its YAML path, so the loader can name the line.

A misspelt id in a scorecard ``match`` would otherwise load and silently never deduct anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .problems import Loc, suggest
from .schema import ConditionalCheck, SequenceCheck

if TYPE_CHECKING:
    from .schema import Pack, ScorecardItem

Problem = tuple[Loc, str]


def finding_stages(pack: Pack) -> set[str]:
    """Every ``stage`` a finding of this pack can carry: its stages, and what its checks report
    under (their ``stage`` field and its default, a sequence's ``before``, a conditional's
    requirement stage or, lacking both, its id). Disabled parts count: a reference to a part
    switched off is no typo."""
    stages = {s.id for s in pack.stages}
    for check in pack.checks:
        stage = getattr(check, "stage", None)
        # isinstance, not check.type: a plugin check's type is any text, so only the class narrows the
        # union (a plugin check is never given a built-in type's name: see schema._check_tag).
        if isinstance(check, SequenceCheck):
            stages.add(check.before)
        elif isinstance(check, ConditionalCheck):
            stages.update(stage or r.stage or check.id for r in check.then)
        elif stage:
            stages.add(stage)
    return stages


def finding_rules(pack: Pack) -> set[str]:
    """Every ``rule_id`` a finding of this pack can carry: rule ids, check ids, the position checks
    that stages imply (``<stage>.position``) and ``required_stage`` (a missing stage)."""
    rules = {r.id for s in pack.stages for r in s.rules}
    rules.update(c.id for c in pack.checks)
    rules.update(f"{s.id}.position" for s in pack.stages if s.position is not None)
    rules.add("required_stage")
    return rules


def _duplicates(pack: Pack) -> list[Problem]:
    problems: list[Problem] = []
    stage_ids: set[str] = set()
    rule_stage: dict[str, str] = {}
    for s, stage in enumerate(pack.stages):
        if stage.id in stage_ids:
            problems.append((("stages", s, "id"), f"duplicate stage id {stage.id!r}"))
        stage_ids.add(stage.id)
        for r, rule in enumerate(stage.rules):
            if rule.id in rule_stage and rule_stage[rule.id] != stage.id:
                problems.append(
                    (
                        ("stages", s, "rules", r, "id"),
                        f"rule id {rule.id!r} used in stages {rule_stage[rule.id]!r} and {stage.id!r}",
                    )
                )
            rule_stage.setdefault(rule.id, stage.id)
    check_ids: set[str] = set()
    for c, check in enumerate(pack.checks):
        if check.id in check_ids or check.id in rule_stage:
            problems.append((("checks", c, "id"), f"check id {check.id!r} is already used by another check or rule"))
        check_ids.add(check.id)
    return problems


def _check_stages(pack: Pack) -> list[Problem]:
    """Stages a check needs to find in the call must be stages of the pack."""
    stage_ids = [s.id for s in pack.stages]
    problems: list[Problem] = []

    def need(loc: Loc, check_id: str, field: str, value: object) -> None:
        if value is not None and value != "any" and value not in stage_ids:
            problems.append(
                (loc, f"check {check_id!r}: {field} {value!r} is not a stage of this pack{suggest(value, stage_ids)}")
            )

    for c, check in enumerate(pack.checks):
        for field in ("before", "after", "closing_stage"):
            need(("checks", c, field), check.id, field, getattr(check, field, None))
        if check.type in ("position", "sequence"):
            need(("checks", c, "stage"), check.id, "stage", getattr(check, "stage", None))
        if isinstance(check, ConditionalCheck):
            need(("checks", c, "trigger", "stage"), check.id, "stage", check.trigger.stage)
            for r, requirement in enumerate(check.then):
                need(("checks", c, "then", r, "stage"), check.id, "stage", requirement.stage)
    return problems


def _unknown(value: str, known: set[str], what: str, belongs: set[str], where: str) -> str:
    """Why a match value names nothing: a typo (with the closest id) or an id in the wrong list."""
    if value in belongs:
        return f"{value!r} is not a {what} of this pack but one of its {where}: list it under {where}"
    return f"{value!r} is not a {what} of this pack{suggest(value, sorted(known))}"


def _item_problems(loc: Loc, item: ScorecardItem, total: float, stages: set[str], rules: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    for j, stage in enumerate(item.match.stages):
        if stage not in stages:
            message = _unknown(stage, stages, "stage", rules - stages, "rules")
            problems.append(((*loc, "match", "stages", j), f"item {item.id!r}: {message}"))
    for j, rule in enumerate(item.match.rules):
        if rule not in rules:
            message = _unknown(rule, rules, "rule or check id", stages - rules, "stages")
            problems.append(((*loc, "match", "rules", j), f"item {item.id!r}: {message}"))
    for field in ("points", "deduct", "cap"):
        value = getattr(item, field)
        if value is not None and value > total:
            problems.append(
                ((*loc, field), f"item {item.id!r}: {field} {value:g} is more than the scorecard total {total:g}")
            )
    return problems


def _scorecard(pack: Pack) -> list[Problem]:
    card = pack.scorecard
    if card is None:
        return []
    stages, rules = finding_stages(pack), finding_rules(pack)
    problems: list[Problem] = []
    for i, item in enumerate(card.items):
        problems += _item_problems(("scorecard", "items", i), item, card.total, stages, rules)
    return problems


def reference_problems(pack: Pack) -> list[Problem]:
    """Every cross-reference problem of the pack, each at the YAML path of the value at fault."""
    return _duplicates(pack) + _check_stages(pack) + _scorecard(pack)
