"""The rule-pack language, as pydantic models: validated, unknown keys rejected, exported as JSON Schema.

A pack is data written by QA staff. Everything here is declarative; ``servicecheck.match`` compiles it.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StringConstraints,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..io.roles import DEFAULT_AGENT_CUES
from ..model import Severity

SpeakerSel = Literal["agent", "customer", "other", "any"]
_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"id {value!r} may contain only letters, digits, '_', '.' and '-'")
    return value


class _HasId(_Strict):
    id: str

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        return _check_id(value)


def _non_empty_strings(values: list[str], what: str) -> list[str]:
    for value in values:
        if not value or not value.strip():
            raise ValueError(f"empty {what}")
    return values


class Window(_Strict):
    """Where in the call something is expected: the first/last N utterances or seconds.

    Utterances are counted among those of the stage's speaker (``of: speaker``) or all (``of: all``).
    """

    first: Optional[int] = Field(None, ge=1, description="within the first N utterances")
    last: Optional[int] = Field(None, ge=1, description="within the last N utterances")
    first_seconds: Optional[float] = Field(None, gt=0, description="starting within the first N seconds")
    last_seconds: Optional[float] = Field(None, gt=0, description="starting within the last N seconds")
    of: Literal["speaker", "all"] = "speaker"

    @model_validator(mode="after")
    def _one_bound(self) -> "Window":
        if all(v is None for v in (self.first, self.last, self.first_seconds, self.last_seconds)):
            raise ValueError("a window needs first, last, first_seconds or last_seconds")
        return self


class Fuzzy(_Strict):
    """Phrases matched by edit similarity (rapidfuzz Indel ratio) to tolerate ASR insertions/substitutions."""

    phrases: list[str] = Field(min_length=1)
    threshold: float = Field(0.85, gt=0, le=1)
    min_length: int = Field(4, ge=2, description="phrases shorter than this are rejected: too many false hits")

    @field_validator("phrases")
    @classmethod
    def _phrases(cls, v: list[str]) -> list[str]:
        return _non_empty_strings(v, "fuzzy phrase")

    @model_validator(mode="after")
    def _long_enough(self) -> "Fuzzy":
        short = [p for p in self.phrases if len(p.strip()) < self.min_length]
        if short:
            raise ValueError(
                f"fuzzy phrases shorter than min_length {self.min_length} match too much: {', '.join(short)}"
            )
        return self


class Condition(_Strict):
    """Text that must (or must not) occur near a match: phrases or regexes, within N characters."""

    phrases: list[str] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)
    within: Optional[int] = Field(
        None, ge=0, description="characters before and after the match; omit for the whole utterance"
    )
    side: Literal["before", "after", "around"] = "around"

    @model_validator(mode="after")
    def _something(self) -> "Condition":
        if not self.phrases and not self.regex:
            raise ValueError("a condition needs phrases or regex")
        _non_empty_strings(self.phrases, "condition phrase")
        return self


class Context(_Strict):
    """Combinations of conditions: all must hold, at least one of ``any``, none of ``none``."""

    all: list[Condition] = Field(default_factory=list)
    any: list[Condition] = Field(default_factory=list)
    none: list[Condition] = Field(default_factory=list)


TokenItem = Union[str, dict[str, int]]


class ModelRef(_Strict):
    """A stage classifier trained on labels (``servicecheck train``): each clause of the utterances the
    rule applies to scoring above ``threshold`` for ``label`` is a hit spanning the clause.

    ``mode`` says how its hits join the rules of the stage: ``any`` they count like rule hits;
    ``fallback`` only in utterances where no rule of the stage hit; ``review`` they are marked
    ``needs_review`` (set aside from the score by default, see ``review``)."""

    path: str = Field(min_length=1, description="the model folder, relative to the pack file")
    label: str = Field(min_length=1, description="the label (stage) of the model to score")
    threshold: float = Field(0.8, gt=0, lt=1, description="probability a clause needs to be a hit")
    mode: Literal["any", "fallback", "review"] = "review"


class PluginRef(_Strict):
    """A matcher from an installed plugin (entry point group ``servicecheck.matchers``, see
    docs/plugins.md); its options are validated by the plugin's own model when the pack is loaded."""

    name: str = Field(min_length=1, description="the matcher plugin's entry point name")
    options: dict[str, Any] = Field(default_factory=dict)

    _parsed: Any = PrivateAttr(None)  # the validated options, set by load_pack


class Rule(_HasId):
    """One way a stage shows up in text. A rule matches when any of its matchers does and its context
    filters (speaker, window, anchor, negation, unless, context) all let the match through."""

    message: Optional[str] = None
    suggestion: Optional[str] = None
    severity: Optional[Severity] = None
    enabled: bool = True
    description: Optional[str] = None

    phrases: list[str] = Field(default_factory=list, description="literal phrases (Aho-Corasick)")
    boundary: Literal["token", "char"] = Field(
        "token", description="token: a phrase must start and end on jieba token boundaries"
    )
    homophones: bool = Field(False, description="also match the phrases by pinyin (ASR homophones)")
    pinyin: list[str] = Field(default_factory=list, description="phrases matched by pinyin only")
    tones: bool = Field(False, description="pinyin matching compares tones too")
    regex: list[str] = Field(default_factory=list, description="RE2 regular expressions")
    fuzzy: Optional[Fuzzy] = None
    tokens: list[list[TokenItem]] = Field(
        default_factory=list,
        description="token sequences: 'a|b' alternatives, trailing '?' optional, {gap: N} skips up to N tokens",
    )

    speaker: Optional[SpeakerSel] = None
    window: Optional[Window] = None
    anchor: Optional[Literal["start", "end"]] = Field(
        None, description="start: only punctuation or other hits of the stage may precede the match"
    )
    negation: Optional[bool] = Field(None, description="drop matches preceded by one of the pack's negators")
    unless: list[str] = Field(default_factory=list, description="phrases that, overlapping the match, cancel it")
    unless_within: int = Field(0, ge=0, description="characters around the match an unless phrase may be")
    context: Optional[Context] = None
    model: Optional[ModelRef] = Field(None, description="a trained stage classifier (see docs/integrations.md)")
    plugin: Optional[PluginRef] = Field(None, description="a matcher from an installed plugin (docs/plugins.md)")

    # Set by load_pack when the rule refers to lexicons: the lexicon names, and for each regex expanded
    # from a reference what the author wrote (shown in explanations instead of a long alternation).
    _lexicons: tuple[str, ...] = PrivateAttr(())
    _authored: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def lexicon_names(self) -> tuple[str, ...]:
        return self._lexicons

    def authored(self, expanded: str) -> str:
        """What the author wrote for an expanded regex or phrase (itself when nothing was expanded)."""
        return self._authored.get(expanded, expanded)

    @field_validator("phrases", "pinyin", "unless")
    @classmethod
    def _phrases(cls, v: list[str]) -> list[str]:
        return _non_empty_strings(v, "phrase")

    @field_validator("tokens")
    @classmethod
    def _tokens(cls, v: list[list[TokenItem]]) -> list[list[TokenItem]]:
        for sequence in v:
            if not sequence:
                raise ValueError("empty token sequence")
            required = 0
            for item in sequence:
                if isinstance(item, dict):
                    if set(item) != {"gap"} or item["gap"] < 0:
                        raise ValueError(f"token sequence item {item!r}: use {{gap: N}} with N >= 0")
                elif not item.strip("?|") or "||" in item:
                    raise ValueError(f"token sequence item {item!r} is empty")
                elif not item.endswith("?"):
                    required += 1
            if required == 0:
                raise ValueError("a token sequence needs at least one required item")
        return v

    @model_validator(mode="after")
    def _has_matcher(self) -> "Rule":
        matchers = self.phrases or self.pinyin or self.regex or self.fuzzy or self.tokens or self.plugin
        if self.model is not None and matchers:
            raise ValueError(
                "a model rule has no phrases, pinyin, regex, fuzzy or tokens: put those in a rule of their own"
            )
        if not matchers and self.model is None:
            raise ValueError("a rule needs phrases, pinyin, regex, fuzzy or tokens (or a model)")
        return self


class Stage(_HasId):
    """A step of the service process (greeting, empathy …) or a thing to avoid (``violation: true``)."""

    name: str
    description: Optional[str] = None
    speaker: SpeakerSel = "agent"
    required: bool = False
    violation: bool = Field(False, description="hits of this stage are violations (e.g. forbidden phrases)")
    severity: Severity = "minor"
    position: Optional[Window] = Field(None, description="where the stage is expected in the call")
    negation: bool = True
    message: Optional[str] = None
    suggestion: Optional[str] = None
    enabled: bool = True
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_rules(self) -> "Stage":
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"duplicate rule id {rule.id!r}")
            seen.add(rule.id)
        return self


# -- process checks (order, conditions, timing) ------------------------------------------------------------
# Default factories are named functions, not lambdas: mypy infers a lambda's ["phone", "online"] as list[str].
def _every_channel() -> list[Literal["phone", "online"]]:
    return ["phone", "online"]


class _CheckBase(_HasId):
    """Common fields of every check: what to call a failure and what a coach would say instead."""

    severity: Severity = "minor"
    message: Optional[str] = None
    suggestion: Optional[str] = None
    enabled: bool = True
    channels: list[Literal["phone", "online"]] = Field(
        default_factory=_every_channel, description="channels the check applies to"
    )


class PositionCheck(_CheckBase):
    """A stage must appear within a window (first/last N utterances or seconds of its speaker)."""

    type: Literal["position"]
    stage: str
    window: Window


class SequenceCheck(_CheckBase):
    """Stage ``before`` must occur before the first occurrence of stage ``after`` (``any``: any other
    stage hit of the same speaker). Nothing is reported when ``after`` never occurs."""

    type: Literal["sequence"]
    before: str
    after: str


class Trigger(_Strict):
    """What starts a conditional check: a stage's hits, or phrases/regexes said by a speaker, or a
    customer repeating an earlier question (``repeat``)."""

    stage: Optional[str] = None
    phrases: list[str] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)
    speaker: SpeakerSel = "any"
    repeat: Optional[float] = Field(
        None, gt=0, le=1, description="similarity at which an utterance repeats an earlier one of the speaker"
    )
    repeat_min_length: int = Field(6, ge=2)
    loudness: Optional[float] = Field(
        None,
        ge=1,
        le=10,
        description="also trigger on the speaker's utterances at least this loud (vendor loudness 1-10, "
        "Aliyun EmotionValue: volume, not emotion)",
    )
    unless: list[str] = Field(default_factory=list, description="phrases that cancel a phrase trigger")

    @model_validator(mode="after")
    def _something(self) -> "Trigger":
        if not (self.stage or self.phrases or self.regex or self.repeat or self.loudness):
            raise ValueError("a trigger needs stage, phrases, regex, repeat or loudness")
        return self


class Requirement(_Strict):
    """What must follow a trigger: a stage's hits or phrases/regexes said by a speaker."""

    stage: Optional[str] = None
    phrases: list[str] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)
    speaker: SpeakerSel = "agent"
    name: Optional[str] = Field(None, description="how a failure names what was missing")

    @model_validator(mode="after")
    def _something(self) -> "Requirement":
        if not (self.stage or self.phrases or self.regex):
            raise ValueError("a requirement needs stage, phrases or regex")
        return self


class ConditionalCheck(_CheckBase):
    """When the trigger occurs, every requirement must follow within N utterances or T seconds."""

    type: Literal["conditional"]
    stage: Optional[str] = Field(None, description="the stage a failure concerns (default: the first requirement's)")
    trigger: Trigger
    then: list[Requirement] = Field(min_length=1)
    within_utterances: Optional[int] = Field(None, ge=0)
    within_seconds: Optional[float] = Field(None, gt=0)
    include_trigger_utterance: bool = True
    once: bool = Field(True, description="report only the first unanswered trigger per requirement")

    @model_validator(mode="after")
    def _bounded(self) -> "ConditionalCheck":
        if self.within_utterances is None and self.within_seconds is None:
            raise ValueError("a conditional check needs within_utterances or within_seconds")
        return self


class PatternCheck(_CheckBase):
    """Text a speaker must never say, found by RE2 regexes (e.g. reading out a full card number)."""

    type: Literal["pattern"]
    stage: str = "privacy"
    speaker: SpeakerSel = "agent"
    regex: list[str] = Field(min_length=1)


PersonalDataKind = Literal["bank_card", "id_number", "mobile", "email", "hkid"]


def _default_kinds() -> list[PersonalDataKind]:
    return ["bank_card", "id_number", "mobile", "hkid"]


class PersonalDataCheck(_CheckBase):
    """Personal data a speaker must never read out in full: card, ID and mobile numbers, HKIDs, e-mail
    addresses, found however the recogniser wrote the digits (１３８, 幺三八, 六二二二 零二一二 …);
    check digits raise the confidence (see servicecheck.privacy)."""

    type: Literal["personal_data"]
    stage: str = "privacy"
    speaker: SpeakerSel = "agent"
    kinds: list[PersonalDataKind] = Field(
        default_factory=_default_kinds,
        min_length=1,
        description="what to report: bank_card, id_number, mobile, email, hkid (default all but email)",
    )
    min_confidence: float = Field(
        0.6,
        ge=0,
        le=1,
        description="report detections at least this sure: 0.95 a number whose check digit holds, "
        "0.6-0.7 one whose check fails, 0.5 an HKID without its check character",
    )


class AnswerDelayCheck(_CheckBase):
    """The first agent utterance must start within ``max_seconds`` of the start of the recording."""

    type: Literal["answer_delay"]
    stage: str = "greeting"
    max_seconds: float = Field(gt=0)


class SilenceCheck(_CheckBase):
    """No gap longer than ``max_seconds`` between the latest end so far and the next start. A hold that
    the agent announces (``hold_phrases`` before the gap) and thanks for after it (``thanks_phrases``)
    may last up to ``hold_max_seconds``."""

    type: Literal["silence"]
    stage: str = "hold"
    max_seconds: float = Field(gt=0)
    hold_max_seconds: Optional[float] = Field(None, gt=0)
    hold_phrases: list[str] = Field(default_factory=list)
    thanks_phrases: list[str] = Field(default_factory=list)


class InterruptionCheck(_CheckBase):
    """An agent utterance must not start more than ``min_overlap_seconds`` before the customer's current
    utterance ends; short backchannels (``backchannel_max_chars`` of ``backchannels``) do not count."""

    type: Literal["interruption"]
    stage: str = "acknowledgement"
    min_overlap_seconds: float = Field(ge=0)
    backchannels: list[str] = Field(default_factory=list)
    backchannel_max_chars: int = Field(4, ge=0)


class SpeechRateCheck(_CheckBase):
    """Agent speech rate in characters per minute (punctuation and spaces not counted), over the call."""

    type: Literal["speech_rate"]
    stage: str = "delivery"
    min_cpm: Optional[float] = Field(None, gt=0)
    max_cpm: Optional[float] = Field(None, gt=0)
    min_chars: int = Field(40, ge=1, description="agent characters needed before a rate is judged")


class AgentHangupCheck(_CheckBase):
    """The agent must not end the call: the last utterance is the agent's and no closing stage in the
    last ``window`` agent utterances."""

    type: Literal["agent_hangup"]
    stage: str = "closing"
    closing_stage: str = "closing"
    window: int = Field(2, ge=1)


class PluginCheck(_CheckBase):
    """A check from an installed plugin (entry point group ``servicecheck.checks``, see
    docs/plugins.md): ``type`` names it, its other keys are validated by the plugin's own model."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str
    stage: Optional[str] = Field(None, description="the stage findings concern (default: the type)")

    _parsed: Any = PrivateAttr(None)  # the validated options, set by load_pack

    @property
    def options(self) -> Any:
        """The plugin's validated options."""
        from ..plugins import check_plugin, parsed_options

        return parsed_options(self, check_plugin(self.type), self.model_extra or {})


_BUILTIN_CHECKS = {
    "position": PositionCheck,
    "sequence": SequenceCheck,
    "conditional": ConditionalCheck,
    "pattern": PatternCheck,
    "personal_data": PersonalDataCheck,
    "answer_delay": AnswerDelayCheck,
    "silence": SilenceCheck,
    "interruption": InterruptionCheck,
    "speech_rate": SpeechRateCheck,
    "agent_hangup": AgentHangupCheck,
}


def _check_tag(value: Any) -> Optional[str]:
    """The union member for a check: a built-in type, or PluginCheck for any other type."""
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    if not isinstance(kind, str):
        return None
    return kind if kind in _BUILTIN_CHECKS else "PluginCheck"


Check = Annotated[
    Union[
        Annotated[PositionCheck, Tag("position")],
        Annotated[SequenceCheck, Tag("sequence")],
        Annotated[ConditionalCheck, Tag("conditional")],
        Annotated[PatternCheck, Tag("pattern")],
        Annotated[PersonalDataCheck, Tag("personal_data")],
        Annotated[AnswerDelayCheck, Tag("answer_delay")],
        Annotated[SilenceCheck, Tag("silence")],
        Annotated[InterruptionCheck, Tag("interruption")],
        Annotated[SpeechRateCheck, Tag("speech_rate")],
        Annotated[AgentHangupCheck, Tag("agent_hangup")],
        Annotated[PluginCheck, Tag("PluginCheck")],
    ],
    Discriminator(_check_tag),
]


# -- scorecard ------------------------------------------------------------------------------------------------
def _both_kinds() -> list[Literal["violation", "missing"]]:
    return ["violation", "missing"]


class ScoreMatch(_Strict):
    """Which findings an item deducts for: any of the stages / rule or check ids / kinds / severities."""

    stages: list[str] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list, description="rule ids or check ids")
    kinds: list[Literal["violation", "missing"]] = Field(default_factory=_both_kinds)
    severities: list[Severity] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> "ScoreMatch":
        if not (self.stages or self.rules or self.severities):
            raise ValueError("match needs stages, rules or severities")
        return self


class ScorecardItem(_HasId):
    """One line of the scorecard: ``points`` it is worth, ``deduct`` per finding (``per: occurrence``)
    or once, never more than ``cap`` (default: the points). ``veto``: any match fails the call (一票否决)."""

    name: str
    points: float = Field(ge=0)
    deduct: Optional[float] = Field(None, ge=0, description="points per deduction; default all the points")
    per: Literal["occurrence", "once"] = "once"
    cap: Optional[float] = Field(None, ge=0)
    veto: bool = False
    match: ScoreMatch
    enabled: bool = True


class Scorecard(_Strict):
    total: float = Field(100, gt=0)
    pass_mark: float = Field(60, ge=0)
    veto_score: Optional[float] = Field(0, ge=0, description="score of a vetoed call; null keeps the computed score")
    items: list[ScorecardItem] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> "Scorecard":
        ids = [i.id for i in self.items]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate scorecard item ids: {', '.join(duplicates)}")
        return self


class DictionaryWord(_Strict):
    word: str = Field(min_length=1)
    freq: Optional[int] = Field(None, ge=1)


class Normalization(_Strict):
    fullwidth: bool = True
    casefold: bool = True
    traditional: bool = True
    numerals: bool = Field(
        True, description="runs of three or more Chinese digits (幺三五…) read as ASCII digits, one for one"
    )
    fillers: list[str] = Field(default_factory=list, description="single characters ignored for matching")

    @field_validator("fillers")
    @classmethod
    def _single(cls, v: list[str]) -> list[str]:
        for filler in v:
            if len(filler) != 1:
                raise ValueError(f"filler {filler!r} must be a single character")
        return v


class InputSettings(_Strict):
    """How recogniser output becomes a transcript (see docs/inputs.md)."""

    role_map: dict[str, Literal["agent", "customer", "other"]] = Field(
        default_factory=dict, description="channel or speaker id (or name) -> role, e.g. {'0': agent, '1': customer}"
    )
    agent_cues: list[str] = Field(
        default_factory=lambda: list(DEFAULT_AGENT_CUES),
        description="without a role map: the speaker whose first turns say most of these is the agent",
    )
    merge: bool = Field(True, description="merge consecutive fragments of one speaker into one utterance")
    merge_gap_seconds: float = Field(2.0, ge=0, description="fragments further apart than this stay apart")


class Review(_Strict):
    """Findings that rest on text the recogniser was unsure of."""

    min_confidence: float = Field(
        0.5, gt=0, le=1, description="evidence recognised with a lower confidence is marked needs_review"
    )
    needs_review: Literal["set_aside", "score"] = Field(
        "set_aside", description="set_aside: such findings cost no points until a person confirms them"
    )


LexiconName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]
LexiconWord = Annotated[str, StringConstraints(min_length=1)]


class Pack(_HasId):
    """A whole rule pack."""

    version: str = "0"
    name: str = ""
    description: Optional[str] = None
    language: str = "zh"
    extends: Optional[str] = Field(None, description="id or path of a pack to inherit from")
    dictionary: list[Union[str, DictionaryWord]] = Field(default_factory=list)
    hmm: bool = Field(True, description="let jieba's HMM join unknown words")
    negators: list[str] = Field(default_factory=list)
    negation_window: int = Field(3, ge=1, le=20, description="tokens before a match searched for negators")
    normalize: Normalization = Field(default_factory=Normalization)
    lexicons: dict[LexiconName, list[LexiconWord]] = Field(
        default_factory=dict,
        description="named word classes, written {NAME} in phrases, token patterns and regexes",
    )
    pass_mark: float = Field(60, ge=0, le=100, description="used when the pack has no scorecard")
    input: InputSettings = Field(default_factory=InputSettings)
    review: Review = Field(default_factory=Review)
    stages: list[Stage] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    scorecard: Optional[Scorecard] = None

    # Set by load_pack: where the pack came from and the hash of its effective content.
    _source: str = PrivateAttr("<pack>")
    _content_hash: Optional[str] = PrivateAttr(None)
    _lexicons_used: frozenset[str] = PrivateAttr(frozenset())  # names referenced by stages or checks
    _authored_content: Optional[dict] = PrivateAttr(None)  # the merged pack before lexicon expansion

    def portable_content(self) -> dict[str, Any]:
        """JSON-ready content that ``load_pack`` turns back into this same pack in another process (a
        worker, a Spark executor): the pack as its authors wrote it, lexicon references included, so
        explanations there name the regex as written. The expanded content when that is unavailable."""
        if self._authored_content is not None:
            try:
                return json.loads(json.dumps(self._authored_content, ensure_ascii=False))
            except (TypeError, ValueError):  # a YAML value JSON cannot hold (a date): use the expansion
                pass
        return self.model_dump(mode="json")

    @model_validator(mode="after")
    def _unique_ids(self, info: ValidationInfo) -> "Pack":
        """Ids and references across the pack. The loader asks for them afterwards
        (``context={"references": "later"}``) to report each at its own YAML path and line."""
        if (info.context or {}).get("references") != "later":
            from .references import reference_problems

            problems = reference_problems(self)
            if problems:
                raise ValueError(problems[0][1])
        return self

    def stage(self, stage_id: str) -> Stage:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def dictionary_words(self) -> list[tuple[str, Optional[int]]]:
        return [(w, None) if isinstance(w, str) else (w.word, w.freq) for w in self.dictionary]


def pack_json_schema(plugins: bool = True) -> dict[str, Any]:
    """JSON Schema of the pack language, for editors (``servicecheck schema``).

    With ``plugins`` (the default) the matchers and checks of installed plugins are in it, as an
    editor on this machine should see them; without, it is the built-in language alone, which is what
    ``docs/pack.schema.json`` holds whatever is installed where it is regenerated."""
    schema = Pack.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "servicecheck rule pack"
    from ..plugins import extend_json_schema

    return extend_json_schema(schema, installed=plugins)
