"""The contract users see: transcripts in, reports with findings out.

Every offset in a finding points into the ORIGINAL utterance text (Python code points, end exclusive), so
``transcript.utterances[f.utterance_index].text[f.start:f.end] == f.text`` holds whatever normalisation
ran before matching.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable, Literal, Optional, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Speaker = Literal["agent", "customer", "other"]
Channel = Literal["phone", "online"]
FindingKind = Literal["hit", "violation", "missing"]
Severity = Literal["info", "minor", "major", "critical"]

REPORT_SCHEMA_VERSION = "1"  # see Report.schema_version

SEVERITY_ORDER: dict[str, int] = {"info": 0, "minor": 1, "major": 2, "critical": 3}


def severity_at_least(severity: str, threshold: str) -> bool:
    """True when ``severity`` is as serious as ``threshold`` or more."""
    return SEVERITY_ORDER[severity] >= SEVERITY_ORDER[threshold]


_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_lone_surrogate(value: str) -> str:
    """Refuse a lone surrogate (from JSON "\\ud800") with its position: text and ids are written into
    every report, and a lone surrogate cannot be written out as UTF-8."""
    found = _SURROGATE.search(value)
    if found:
        raise ValueError(f"lone surrogate U+{ord(found.group()):04X} at character {found.start()}")
    return value


def elapsed(later: float, earlier: float) -> float:
    """``later - earlier`` without binary float noise: timestamps are decimal seconds, so 16.1 - 6.1 is
    10.0 and does not exceed a 10-second limit."""
    return round(later - earlier, 6)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


ModelT = TypeVar("ModelT", bound=BaseModel)


class Word(_Frozen):
    """A recognised word of an utterance: ``start``/``end`` are character offsets into the utterance's
    text, ``start_time``/``end_time`` seconds, ``confidence`` the recogniser's (0–1) when it gave one."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    start_time: Optional[float] = None
    end_time: Optional[float] = None
    confidence: Optional[float] = Field(None, ge=0, le=1)


class Fragment(_Frozen):
    """Where part of an utterance came from: the recogniser's clause, sentence, segment or cue at
    ``source`` (a JSON path such as ``Result.Sentences[2]``, or ``line 12``) is the utterance's text at
    ``start:end``. Turns merged from several fragments keep one entry each (the fragment map)."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    source: str
    start_time: Optional[float] = None
    end_time: Optional[float] = None
    confidence: Optional[float] = Field(None, ge=0, le=1)


class Utterance(_Frozen):
    """One turn of the conversation; ``start``/``end`` are seconds from the start of the recording.

    Read from a speech recogniser, it may also carry the recogniser's ``confidence`` (0–1), its
    ``words`` with their times and confidence, the ``fragments`` it was merged from, and the vendor's
    ``loudness`` (1–10, Aliyun EmotionValue: volume, not emotion)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    speaker: Speaker
    text: str
    start: Optional[float] = None
    end: Optional[float] = None
    confidence: Optional[float] = Field(None, ge=0, le=1)
    words: tuple[Word, ...] = ()
    fragments: tuple[Fragment, ...] = ()
    loudness: Optional[float] = None

    @field_validator("start", "end")
    @classmethod
    def _finite(cls, value: Optional[float]) -> Optional[float]:
        if value is not None and not math.isfinite(value):
            raise ValueError("must be a finite number of seconds")
        if value is not None and value < 0:
            raise ValueError(f"must not be negative ({value}): seconds from the start of the recording")
        return value

    _encodable = field_validator("text")(classmethod(lambda cls, value: _no_lone_surrogate(value)))

    @model_validator(mode="after")
    def _ordered(self) -> "Utterance":
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        if not (self.words or self.fragments):
            return self
        length = len(self.text)
        checked: tuple[tuple[str, tuple[Word | Fragment, ...]], ...] = (
            ("words", self.words),
            ("fragments", self.fragments),
        )
        for kind, spans in checked:
            for i, span in enumerate(spans):
                if not span.start <= span.end <= length:
                    raise ValueError(
                        f"{kind}[{i}] spans {span.start}:{span.end}, outside the text ({length} characters)"
                    )
        return self


class Transcript(_Frozen):
    """A whole call or chat. Extra keys in the input (such as gold ``labels``) are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    channel: Channel = "phone"
    utterances: tuple[Utterance, ...]
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        # Call ids are often numeric in recording systems; keep them as text.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    _encodable_id = field_validator("id")(classmethod(lambda cls, value: _no_lone_surrogate(value)))

    def utterance_offsets(self) -> list[int]:
        """Start of each utterance in the utterances joined with ``"\\n"`` (the global text)."""
        offsets, position = [], 0
        for utterance in self.utterances:
            offsets.append(position)
            position += len(utterance.text) + 1
        return offsets

    @property
    def global_text(self) -> str:
        return "\n".join(u.text for u in self.utterances)


class Token(_Frozen):
    """A segmentation token: ``text == utterance.text[start:end]``."""

    text: str
    start: int
    end: int


class Origin(_Frozen):
    """Where a finding's text is in the recogniser's output: the fragment at ``source`` (see
    ``Fragment``), and the finding's offsets within that fragment's text (clipped to it when the
    finding runs on into the next fragment of a merged turn)."""

    source: str
    start: int
    end: int


class Finding(_Frozen):
    """One thing the checker found, with where it is and why it was reported.

    ``kind`` is ``hit`` (a stage's phrase found here), ``violation`` (something the standard forbids, or a
    failed check) or ``missing`` (a required stage never appears). Findings that belong to no utterance
    (a missing stage) have ``utterance_index`` and the offsets set to ``None`` and an empty ``text``.

    ``time`` is when the finding's text was said: the start of its first recognised word when the
    recogniser gave word times, else the utterance's start. ``needs_review`` is True when the text it
    rests on was recognised with a confidence under the pack's ``review.min_confidence``: a person
    should listen before the agent is judged on it. ``origin`` locates it in the recogniser's output.
    """

    rule_id: str
    stage: str
    kind: FindingKind
    severity: Severity
    utterance_index: Optional[int] = None
    speaker: Optional[Speaker] = None
    start: Optional[int] = None
    end: Optional[int] = None
    global_start: Optional[int] = None
    global_end: Optional[int] = None
    text: str = ""
    tokens: tuple[Token, ...] = ()
    method: str = "exact"
    similarity: float = 1.0
    pattern: Optional[str] = None
    message: str = ""
    explanation: str = ""
    suggestion: Optional[str] = None
    time: Optional[float] = None
    needs_review: bool = False
    origin: Optional[Origin] = None


class StageResult(_Frozen):
    """Whether a stage was found in the call, and in which utterances."""

    stage: str
    name: str
    required: bool
    present: bool
    count: int
    utterances: tuple[int, ...] = ()
    first_time: Optional[float] = None


class ScoreItem(_Frozen):
    """One line of the scorecard: what it is worth, what was deducted and which findings caused it."""

    item: str
    name: str
    points: float
    deducted: float
    veto: bool = False
    vetoed: bool = False
    findings: tuple[int, ...] = ()


class Report(_Frozen):
    """The result of checking one transcript against one pack.

    ``metadata`` is the transcript's (agent, queue, date …, and for recogniser input how each role
    was decided), so results can be grouped; ``needs_review`` is True when some finding needs a person.
    ``total`` and ``pass_mark`` are the scorecard's (what the score counts down from, and what passes):
    with them a report says why a call failed without the pack at hand.

    ``schema_version`` versions the layout of a report as written out (``docs/report.schema.json``):
    it changes when a field is renamed or removed, or its meaning or values change, so that stored
    reports can be read correctly later; fields added with a default do not change it. It is the last
    field, so reports written before it existed keep their order.
    """

    transcript_id: str
    pack_id: str
    pack_version: str
    pack_hash: str
    library_version: str
    findings: tuple[Finding, ...]
    stages: tuple[StageResult, ...]
    score: float
    passed: bool
    breakdown: tuple[ScoreItem, ...] = ()
    notes: tuple[str, ...] = ()
    metadata: dict[str, Any] = Field(default_factory=dict)
    needs_review: bool = False
    pass_mark: Optional[float] = None
    total: Optional[float] = None
    schema_version: str = REPORT_SCHEMA_VERSION

    def __hash__(self) -> int:
        # Hashable like every other frozen result, although ``metadata`` (a dict) is not: equal reports
        # have equal findings, stages and scores, so these are enough.
        return hash((self.transcript_id, self.pack_hash, self.findings, self.stages, self.score, self.breakdown))

    @property
    def ok(self) -> bool:
        """Always True: batch results are a Report or a RecordError (whose ``ok`` is False)."""
        return True

    def findings_of(self, kind: Optional[str] = None, stage: Optional[str] = None) -> list[Finding]:
        return [f for f in self.findings if (kind is None or f.kind == kind) and (stage is None or f.stage == stage)]


def trusted_constructor(model: type[ModelT], sample: dict[str, Any]) -> Callable[[dict[str, Any]], ModelT]:
    """A constructor of ``model`` instances from values that already have their fields' types: for the
    checker's own findings (some twenty-five a call) from values validated on the way in or made by the
    checker, where pydantic's validation cost three quarters of making one.

    The dict must hold every field, in the model's field order: it becomes the instance's ``__dict__``
    as validation would leave it. Before it is trusted, the constructor builds ``sample`` both ways and
    compares everything pydantic keeps on an instance; if anything differs (another pydantic version
    keeps more), validation is what it returns."""
    validate = model.__pydantic_validator__.validate_python
    new, set_attribute = object.__new__, object.__setattr__

    def construct(values: dict[str, Any]) -> ModelT:
        instance = new(model)
        set_attribute(instance, "__dict__", values)
        set_attribute(instance, "__pydantic_fields_set__", set(values))
        set_attribute(instance, "__pydantic_extra__", None)
        set_attribute(instance, "__pydantic_private__", None)
        return instance

    try:
        built, validated = construct(dict(sample)), validate(dict(sample))
        same = (
            list(sample) == list(model.model_fields)
            and built == validated
            and list(built.__dict__.items()) == list(validated.__dict__.items())
            and built.model_fields_set == validated.model_fields_set
            and built.__pydantic_extra__ == validated.__pydantic_extra__
            and built.__pydantic_private__ == validated.__pydantic_private__
            and built.model_dump_json() == validated.model_dump_json()
            and hash(built) == hash(validated)
        )
    except (AttributeError, TypeError, ValueError):
        same = False
    return construct if same else validate
