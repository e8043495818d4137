"""What a batch of calls adds up to: pass rate, scores, stage and check compliance, the most frequent
violations, agents and the worst calls, for the end of ``--format table`` and the HTML batch report.

``BatchSummary`` takes results one at a time (``add``) and keeps only counters, so a stream of any
length goes through in bounded memory: scores are counted by value (they are rounded to hundredths,
so there are few distinct ones), every per-rule, per-stage and per-check counter is bounded by the
pack, examples are capped, and the worst calls are a heap of fixed size. Per-agent counters grow with
the number of agents, not of calls.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Optional, Union

from .batch import RecordError
from .model import Report
from .pack.schema import Pack

EXAMPLES_PER_RULE = 5
EXAMPLE_TEXT_LIMIT = 200  # characters of an example's text kept (a check may quote a whole utterance)
UNKNOWN_AGENT = "未知"  # how a call without metadata.agent_id is shown


@dataclass(frozen=True)
class StageStat:
    """A stage over the batch. ``compliance``: share of calls that comply (a required stage: present;
    a violation stage: no violation; an optional stage: present)."""

    id: str
    name: str
    required: bool
    violation: bool
    present: int
    violating: int
    compliance: Optional[float]


@dataclass(frozen=True)
class CheckStat:
    """A process check over the batch: its findings, the calls they are in, the share of calls without."""

    id: str
    type: str
    stage: str
    message: str
    findings: int
    calls: int
    compliance: Optional[float]


@dataclass(frozen=True)
class Example:
    """Where one finding of a rule is: the call, the utterance (None for a missing stage), the text."""

    transcript_id: str
    utterance_index: Optional[int]
    text: str


@dataclass(frozen=True)
class ViolationStat:
    """Violation or missing findings of one rule (or check) in one stage, over the batch."""

    rule_id: str
    stage: str
    kind: str
    severity: str
    message: str
    count: int
    calls: int
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class AgentStat:
    """One agent's calls (``agent`` None: calls without ``metadata.agent_id``). ``worst_stage``: among
    the required and violation stages the agent failed at least once, the one with the lowest compliance."""

    agent: Optional[str]
    calls: int
    mean_score: Optional[float]
    pass_rate: Optional[float]
    worst_stage: Optional[str]
    worst_stage_compliance: Optional[float]


@dataclass(frozen=True)
class Deduction:
    """A scorecard item that cost a call points."""

    item: str
    name: str
    deducted: float


@dataclass(frozen=True)
class WorstCall:
    """One of the lowest-scoring calls and why: the items that vetoed it, the items that deducted."""

    transcript_id: str
    agent: Optional[str]
    score: float
    passed: bool
    vetoed: tuple[str, ...]
    deductions: tuple[Deduction, ...]


@dataclass
class _Rule:
    severity: str
    message: str
    count: int = 0
    calls: int = 0
    examples: list[Example] = field(default_factory=list)


@dataclass
class _Agent:
    calls: int = 0
    score_sum: float = 0.0
    passed: int = 0
    failing: Counter = field(default_factory=Counter)  # stage id → calls not complying


def _ratio(part: int, whole: int) -> Optional[float]:
    return part / whole if whole else None


def agent_of(report: Report) -> Optional[str]:
    """``metadata.agent_id`` as text, or None when the call has none."""
    value = report.metadata.get("agent_id") if isinstance(report.metadata, dict) else None
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def pass_mark(pack: Pack) -> float:
    """The score a call needs to pass: the scorecard's, or the pack's when it has no scorecard."""
    return pack.scorecard.pass_mark if pack.scorecard is not None else pack.pass_mark


class BatchSummary:
    """Aggregates of a stream of reports and record errors checked against one pack."""

    def __init__(self, pack: Pack, *, keep_worst: int = 10) -> None:
        self.pack = pack
        self.pass_mark = pass_mark(pack)
        self.top = pack.scorecard.total if pack.scorecard is not None else 100.0
        self.keep_worst = keep_worst
        self.calls = 0
        self.errors = 0
        self.passed = 0
        self._score_sum = 0.0
        self._scores: Counter = Counter()  # score → calls
        self._stages = [s for s in pack.stages if s.enabled]
        self._present: Counter = Counter()
        self._violating: Counter = Counter()
        self._checks = [c for c in pack.checks if c.enabled]
        self._check_ids = {c.id for c in self._checks}
        self._check_findings: Counter = Counter()
        self._check_calls: Counter = Counter()
        self._rules: dict[tuple[str, str, str], _Rule] = {}
        self._agents: dict[Optional[str], _Agent] = {}
        self._worst: list[tuple[tuple[float, int], WorstCall]] = []  # max-heap by (score, order)

    # -- input ----------------------------------------------------------------------------------------------
    def add(self, result: Union[Report, RecordError]) -> None:
        """Count one result: a report of this pack, or a record that could not be checked."""
        if isinstance(result, RecordError):
            self.errors += 1
            return
        if result.pack_id != self.pack.id:
            raise ValueError(f"report {result.transcript_id!r} is of pack {result.pack_id!r}, not {self.pack.id!r}")
        self.calls += 1
        self.passed += result.passed
        self._score_sum += result.score
        self._scores[result.score] += 1
        agent = self._agents.setdefault(agent_of(result), _Agent())
        agent.calls += 1
        agent.score_sum += result.score
        agent.passed += result.passed
        self._add_stages(result, agent)
        self._add_findings(result)
        self._add_worst(result)

    def _add_stages(self, report: Report, agent: _Agent) -> None:
        present = {s.stage for s in report.stages if s.present}
        violating = {f.stage for f in report.findings if f.kind == "violation"}
        for stage in self._stages:
            if stage.id in present:
                self._present[stage.id] += 1
            if stage.id in violating:
                self._violating[stage.id] += 1
            failed = stage.id in violating if stage.violation else stage.required and stage.id not in present
            if failed:
                agent.failing[stage.id] += 1

    def _add_findings(self, report: Report) -> None:
        seen_rules: set[tuple[str, str, str]] = set()
        seen_checks: set[str] = set()
        for finding in report.findings:
            if finding.kind == "hit":
                continue
            if finding.rule_id in self._check_ids:
                self._check_findings[finding.rule_id] += 1
                seen_checks.add(finding.rule_id)
            key = (finding.rule_id, finding.stage, finding.kind)
            rule = self._rules.get(key)
            if rule is None:
                rule = self._rules[key] = _Rule(finding.severity, finding.message)
            rule.count += 1
            if key not in seen_rules:
                seen_rules.add(key)
                rule.calls += 1
                if len(rule.examples) < EXAMPLES_PER_RULE:  # one example per call, from several calls
                    rule.examples.append(
                        Example(report.transcript_id, finding.utterance_index, finding.text[:EXAMPLE_TEXT_LIMIT])
                    )
        for check_id in seen_checks:
            self._check_calls[check_id] += 1

    def _add_worst(self, report: Report) -> None:
        key = (-report.score, -self.calls)  # heapq keeps the smallest: the highest score, the latest call
        if len(self._worst) >= self.keep_worst:
            if not self._worst or key <= self._worst[0][0]:
                return
            heapq.heapreplace(self._worst, (key, _worst_call(report)))
        else:
            heapq.heappush(self._worst, (key, _worst_call(report)))

    # -- results --------------------------------------------------------------------------------------------
    @property
    def pass_rate(self) -> Optional[float]:
        return _ratio(self.passed, self.calls)

    @property
    def mean_score(self) -> Optional[float]:
        return self._score_sum / self.calls if self.calls else None

    @property
    def median_score(self) -> Optional[float]:
        if not self.calls:
            return None
        low, high = (self.calls - 1) // 2, self.calls // 2  # the middle positions, 0-based
        seen, values = 0, []
        for score in sorted(self._scores):
            count = self._scores[score]
            for position in (low, high):
                if seen <= position < seen + count:
                    values.append(score)
            seen += count
            if len(values) == 2:
                break
        return (values[0] + values[1]) / 2

    def histogram(self, bins: int = 10) -> list[tuple[float, float, int]]:
        """``(low, high, calls)`` for ``bins`` equal ranges from 0 to the scorecard total (100); a
        range holds low <= score < high, the last one its high too."""
        if bins < 1:
            raise ValueError("bins must be at least 1")
        width = self.top / bins
        counts = [0] * bins
        for score, count in self._scores.items():
            counts[min(bins - 1, max(0, int(score / width)))] += count
        return [(round(i * width, 6), round((i + 1) * width, 6), counts[i]) for i in range(bins)]

    def stages(self) -> list[StageStat]:
        """Every enabled stage of the pack, in pack order."""
        rows = []
        for stage in self._stages:
            present, violating = self._present[stage.id], self._violating[stage.id]
            complying = self.calls - violating if stage.violation else present
            rows.append(
                StageStat(
                    id=stage.id,
                    name=stage.name,
                    required=stage.required,
                    violation=stage.violation,
                    present=present,
                    violating=violating,
                    compliance=_ratio(complying, self.calls),
                )
            )
        return rows

    def checks(self) -> list[CheckStat]:
        """Every enabled check of the pack, in pack order."""
        return [
            CheckStat(
                id=check.id,
                type=check.type,
                stage=_check_stage(check),
                message=check.message or check.id,
                findings=self._check_findings[check.id],
                calls=self._check_calls[check.id],
                compliance=_ratio(self.calls - self._check_calls[check.id], self.calls),
            )
            for check in self._checks
        ]

    def top_violations(self, n: Optional[int] = 10) -> list[ViolationStat]:
        """Rules, checks and missing stages by how often they were found (``n`` None: all of them)."""
        rows = [
            ViolationStat(
                rule_id=rule_id,
                stage=stage,
                kind=kind,
                severity=rule.severity,
                message=rule.message,
                count=rule.count,
                calls=rule.calls,
                examples=tuple(rule.examples),
            )
            for (rule_id, stage, kind), rule in self._rules.items()
        ]
        rows.sort(key=lambda r: (-r.count, -r.calls))  # stable: first found first among equals
        return rows if n is None else rows[:n]

    def agents(self) -> list[AgentStat]:
        """One row per agent, the lowest mean score first; calls without an agent id last."""
        order = {s.id: i for i, s in enumerate(self._stages)}
        rows = []
        for agent, acc in self._agents.items():
            worst = None
            if acc.failing:  # most calls failing it = lowest compliance; the earlier stage among equals
                worst = max(acc.failing, key=lambda stage: (acc.failing[stage], -order[stage]))
            rows.append(
                AgentStat(
                    agent=agent,
                    calls=acc.calls,
                    mean_score=acc.score_sum / acc.calls,
                    pass_rate=acc.passed / acc.calls,
                    worst_stage=worst,
                    worst_stage_compliance=None if worst is None else (acc.calls - acc.failing[worst]) / acc.calls,
                )
            )
        rows.sort(key=lambda r: (r.agent is None, r.mean_score, r.agent or ""))
        return rows

    def worst(self, n: int = 10) -> list[WorstCall]:
        """The ``n`` lowest-scoring calls (at most ``keep_worst``), lowest first; earlier calls first
        among equal scores."""
        ordered = sorted(self._worst, key=lambda entry: (-entry[0][0], -entry[0][1]))
        return [call for _, call in ordered[:n]]

    def to_dict(self) -> dict[str, Any]:
        """Everything above, JSON-ready (every violation row, the ``keep_worst`` worst calls)."""
        return {
            "pack_id": self.pack.id,
            "pack_version": self.pack.version,
            "pass_mark": self.pass_mark,
            "calls": self.calls,
            "errors": self.errors,
            "passed": self.passed,
            "pass_rate": self.pass_rate,
            "mean_score": self.mean_score,
            "median_score": self.median_score,
            "histogram": [{"low": lo, "high": hi, "calls": n} for lo, hi, n in self.histogram()],
            "stages": [asdict(row) for row in self.stages()],
            "checks": [asdict(row) for row in self.checks()],
            "top_violations": [asdict(row) for row in self.top_violations(None)],
            "agents": [asdict(row) for row in self.agents()],
            "worst": [asdict(row) for row in self.worst(self.keep_worst)],
        }


def _check_stage(check) -> str:
    """The stage a check's findings are reported under (as ``servicecheck.checks`` sets it)."""
    if check.type == "sequence":
        return check.before
    if check.type == "conditional":
        return check.stage or next((r.stage for r in check.then if r.stage), None) or check.id
    return getattr(check, "stage", None) or check.type


def _worst_call(report: Report) -> WorstCall:
    return WorstCall(
        transcript_id=report.transcript_id,
        agent=agent_of(report),
        score=report.score,
        passed=report.passed,
        vetoed=tuple(item.name for item in report.breakdown if item.vetoed),
        deductions=tuple(Deduction(i.item, i.name, i.deducted) for i in report.breakdown if i.deducted),
    )
