"""Live sessions: check a call while it happens.

``session = checker.session(transcript_id="c1", channel="phone")``; then ``session.add(utterance)`` per
recognised turn, ``session.tick(now)`` on a timer, and ``session.finish()`` for the report.

* ``add`` costs time proportional to the utterance, not the call: it matches the new utterance alone with
  the Checker's per-utterance machinery and keeps a little state for the alerts.
* Findings from ``add`` are the phrase hits whose rules have no window, or only a ``first`` window (the
  utterance's index is known, so they are decided). Rules with ``last``/``*_seconds`` windows, process
  checks (sequence, position, conditional, timing) and ``missing`` stages are decided by ``finish``.
  Every finding ``add`` returns is in the final report (same rule, utterance, span).
* ``final=False`` adds a partial recognition result: it is kept until the next ``add`` replaces it, and
  makes no findings and no alerts (partials change too much to act on).
* ``finish`` runs ``Checker.check`` on the final utterances, so its report equals a batch check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Union

from .checks.base import PhraseList
from .match.context import Position
from .model import Channel, Finding, Report, Transcript, Utterance

if TYPE_CHECKING:  # pragma: no cover
    from .checker import Checker

PENDING = math.inf  # ``due`` of an alert whose window is counted in utterances and still open


@dataclass(frozen=True)
class Alert:
    """Something owed in the call: due at ``due`` seconds (``inf`` while an utterance-counted window is
    still open). ``kind``: ``missing_stage``, ``conditional`` or ``silence``."""

    key: str
    kind: str
    check_id: str
    stage: Optional[str]
    due: float
    message: str
    utterance_index: Optional[int] = None


@dataclass(frozen=True)
class LiveUpdate:
    """What one ``add`` made final (``findings``) and the alerts it raised or updated (``alerts``)."""

    findings: tuple[Finding, ...] = ()
    alerts: tuple[Alert, ...] = ()


@dataclass
class _Owed:
    """An open conditional window: the trigger at ``index``, requirements still unmet."""

    check: Any
    index: int
    last: Optional[int]  # last utterance index of the window (within_utterances)
    deadline: Optional[float]  # trigger start + within_seconds
    unmet: list = field(default_factory=list)  # requirement numbers


def _decided(rule) -> bool:
    """Whether a rule's hits in an utterance are final when the utterance is (no window but ``first``)."""
    window = rule.window
    return window is None or (window.last is None and window.first_seconds is None and window.last_seconds is None)


class LiveSession:
    """One call in progress. Not thread-safe; one per call. See the module docstring."""

    def __init__(
        self,
        checker: "Checker",
        transcript_id: str = "live",
        channel: Channel = "phone",
        metadata: Optional[dict] = None,
    ) -> None:
        self.checker = checker
        self.transcript_id = transcript_id
        self.channel = channel
        self.metadata = dict(metadata or {})
        self.utterances: list[Utterance] = []
        self.partial: Optional[Utterance] = None
        self._offset = 0  # global offset of the next utterance (see Transcript.utterance_offsets)
        self._spoken: dict[str, int] = {}
        self._call_start: Optional[float] = None
        self._latest_end: Optional[float] = None
        self._stages: dict[int, set[str]] = {}  # utterance index → stages with a decided hit (by speaker below)
        self._speakers: list[str] = []
        self._seen_stages: set[str] = set()
        self._pending: dict[str, Alert] = {}
        self._owed: list[_Owed] = []
        self._last_agent: Optional[int] = None
        checks = [c for c in checker._checks if channel in c.channels]
        self._positions = [c for c in checks if c.type == "position"]
        self._conditionals = [c for c in checks if c.type == "conditional"]
        self._silences = [c for c in checks if c.type == "silence"]
        self._required = {s.id for s in checker._stages if s.required and not s.violation}
        self._phrases: dict[tuple, PhraseList] = {}

    # -- helpers ----------------------------------------------------------------------------------------
    def _phrase_list(self, phrases: list[str]) -> PhraseList:
        key = tuple(phrases)
        found = self._phrases.get(key)
        if found is None:
            found = self._phrases[key] = PhraseList(phrases, self.checker.normalizer.normalize)
        return found

    def _raise(self, alert: Alert, raised: list[Alert]) -> None:
        self._pending[alert.key] = alert
        raised.append(alert)

    def _cancel(self, key: str) -> None:
        self._pending.pop(key, None)

    @property
    def pending(self) -> list[Alert]:
        """Alerts raised and not yet delivered by ``tick`` nor cancelled, soonest first."""
        return sorted(self._pending.values(), key=lambda a: (a.due, a.key))

    # -- public API -------------------------------------------------------------------------------------
    def add(self, utterance: Union[Utterance, dict], final: bool = True) -> LiveUpdate:
        """Add one recognised turn; ``final=False`` for a partial result (replaced by the next add)."""
        if not isinstance(utterance, Utterance):
            utterance = Utterance.model_validate(utterance)
        if not final:
            self.partial = utterance
            return LiveUpdate()
        self.partial = None
        checker = self.checker
        index = len(self.utterances)
        self.utterances.append(utterance)
        speaker = utterance.speaker
        self._speakers.append(speaker)
        speaker_index = self._spoken.get(speaker, 0)
        self._spoken[speaker] = speaker_index + 1
        if utterance.start is not None and (self._call_start is None or utterance.start < self._call_start):
            self._call_start = utterance.start
        offset = self._offset
        self._offset += len(utterance.text) + 1

        findings: list[Finding] = []
        stages: set[str] = set()
        view = None
        if speaker in checker._matched_speakers:
            view, candidates = checker._matched([utterance.text])[utterance.text]
            # Provisional totals: this utterance is the last so far, and the call end is unknown.
            position = Position(
                index, index + 1, speaker_index, speaker_index + 1, utterance.start, self._call_start, None
            )
            for candidate, rule, notes in checker._utterance_hits(view, candidates, speaker, position):
                if _decided(rule):
                    stages.add(rule.stage_id)
                    findings.append(
                        checker._finding(view, candidate, rule, notes, index, speaker, offset, utterance.start)
                    )
        self._stages[index] = stages
        self._seen_stages |= stages
        norm = view.norm if view is not None else checker.normalizer.norm(utterance.text)

        raised: list[Alert] = []
        self._position_alerts(index, speaker, speaker_index, utterance, raised)
        self._conditional_alerts(index, speaker, norm, utterance, stages, raised)
        self._silence_alerts(index, speaker, norm, utterance, raised)
        return LiveUpdate(tuple(findings), tuple(raised))

    def tick(self, now: float) -> list[Alert]:
        """The pending alerts due by ``now`` (each is delivered once)."""
        due = [a for a in self._pending.values() if a.due <= now]
        for alert in due:
            del self._pending[alert.key]
        return sorted(due, key=lambda a: (a.due, a.key))

    def transcript(self) -> Transcript:
        """The call so far: its final utterances."""
        return Transcript(
            id=self.transcript_id, channel=self.channel, utterances=tuple(self.utterances), metadata=self.metadata
        )

    def finish(self) -> Report:
        """The report of the whole call: exactly ``checker.check(session.transcript())``."""
        self._pending.clear()
        return self.checker.check(self.transcript())

    # -- alerts -----------------------------------------------------------------------------------------
    def _position_alerts(self, index, speaker, speaker_index, utterance, raised) -> None:
        """(a) A required stage not seen when its position window (first N turns / seconds) ends."""
        for check in self._positions:
            stage, window = check.stage, check.window
            key = f"{check.id}"
            if stage in self._seen_stages or stage not in self._required:
                self._cancel(key)
                continue
            if key in self._pending or f"done:{key}" in self._seen_stages:
                continue
            if window.first is not None:
                counted = index if window.of == "all" else (speaker_index if speaker == "agent" else None)
                if counted is not None and counted + 1 >= window.first:
                    due = utterance.end if utterance.end is not None else (utterance.start or 0.0)
                    self._seen_stages.add(f"done:{key}")
                    self._raise(
                        Alert(
                            key,
                            "missing_stage",
                            check.id,
                            stage,
                            due,
                            f"{check.message}：前 {window.first} 句未出现「{stage}」",
                            index,
                        ),
                        raised,
                    )
            elif window.first_seconds is not None and self._call_start is not None:
                self._seen_stages.add(f"done:{key}")
                self._raise(
                    Alert(
                        key,
                        "missing_stage",
                        check.id,
                        stage,
                        self._call_start + window.first_seconds,
                        f"{check.message}：开始 {window.first_seconds:g} 秒内未出现「{stage}」",
                        index,
                    ),
                    raised,
                )

    def _meets(self, requirement, speaker: str, norm: str, stages: set[str]) -> bool:
        if requirement.stage and requirement.stage in stages and requirement.speaker in ("any", speaker):
            return True
        if requirement.phrases and requirement.speaker in ("any", speaker):
            return bool(self._phrase_list(requirement.phrases).scan(norm))
        return False

    def _triggered(self, trigger, speaker: str, norm: str, stages: set[str], utterance: Utterance) -> bool:
        """Stage, phrase and loudness triggers (``repeat`` triggers are left to ``finish``)."""
        if trigger.speaker not in ("any", speaker):
            return False
        if trigger.stage and trigger.stage in stages:
            return True
        if trigger.phrases:
            cancels = (
                [(e - n + 1, e + 1) for e, (n, _) in self._phrase_list(trigger.unless).scan(norm)]
                if trigger.unless
                else []
            )
            for end, (length, _) in self._phrase_list(trigger.phrases).scan(norm):
                start = end - length + 1
                if not any(cs < end + 1 and start < ce for cs, ce in cancels):
                    return True
        if trigger.loudness and utterance.loudness is not None and utterance.loudness >= trigger.loudness:
            return True
        return False

    def _conditional_alerts(self, index, speaker, norm, utterance, stages, raised) -> None:
        """(b)/(c) A conditional check whose trigger fired and whose requirement is still owed."""
        still = []
        for owed in self._owed:
            check = owed.check
            if owed.deadline is not None and utterance.start is not None and utterance.start > owed.deadline:
                continue  # window closed by time; the alert already carries its due time
            owed.unmet = [n for n in owed.unmet if not self._meets(check.then[n], speaker, norm, stages)]
            key = f"{check.id}@{owed.index}"
            if not owed.unmet:
                self._cancel(key)
                continue
            if owed.last is not None and index >= owed.last and key in self._pending:
                alert = self._pending[key]
                if alert.due == PENDING:  # the window closes with this utterance
                    due = utterance.end if utterance.end is not None else (utterance.start or 0.0)
                    self._raise(
                        Alert(key, alert.kind, alert.check_id, alert.stage, due, alert.message, alert.utterance_index),
                        raised,
                    )
                continue
            still.append(owed)
        self._owed = still
        for check in self._conditionals:
            if not self._triggered(check.trigger, speaker, norm, stages, utterance):
                continue
            first = index if check.include_trigger_utterance else index + 1
            last = index + check.within_utterances if check.within_utterances is not None else None
            deadline = (
                utterance.start + check.within_seconds
                if check.within_seconds is not None and utterance.start is not None
                else None
            )
            owed = _Owed(check, index, last, deadline, list(range(len(check.then))))
            if first == index:
                owed.unmet = [n for n in owed.unmet if not self._meets(check.then[n], speaker, norm, stages)]
            if not owed.unmet:
                continue
            names = "、".join(r.name or r.stage or "/".join(r.phrases[:3]) for r in check.then)
            due = deadline if deadline is not None else PENDING
            if last is not None and index >= last:
                due = utterance.end if utterance.end is not None else (utterance.start or 0.0)
            key = f"{check.id}@{index}"
            self._raise(
                Alert(
                    key,
                    "conditional",
                    check.id,
                    check.stage,
                    due,
                    f"{check.message or check.id}：第 {index} 句后需要「{names}」",
                    index,
                ),
                raised,
            )
            self._owed.append(owed)

    def _silence_alerts(self, index, speaker, norm, utterance, raised) -> None:
        """(d) A silence in progress: due at the latest end so far + ``max_seconds`` (``hold_max_seconds``
        after an agent turn holding a hold phrase), replaced by every final utterance."""
        if speaker == "agent":
            self._last_agent = index
        if utterance.end is not None and (self._latest_end is None or utterance.end > self._latest_end):
            self._latest_end = utterance.end
        if self._latest_end is None:
            return
        for check in self._silences:
            limit = check.max_seconds
            if (
                check.hold_max_seconds is not None
                and self._last_agent == index
                and self._phrase_list(check.hold_phrases).scan(norm)
            ):
                limit = check.hold_max_seconds
            self._raise(
                Alert(
                    check.id,
                    "silence",
                    check.id,
                    None,
                    self._latest_end + limit,
                    f"{check.message}：已静默超过 {limit:g} 秒",
                    index,
                ),
                raised,
            )
