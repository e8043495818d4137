"""The rule-pack language, as pydantic models: validated, unknown keys rejected, exported as JSON Schema.

A pack is data written by QA staff. Everything here is declarative; ``servicecheck.match`` compiles it.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

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
        if not (self.phrases or self.pinyin or self.regex or self.fuzzy or self.tokens):
            raise ValueError("a rule needs phrases, pinyin, regex, fuzzy or tokens")
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


class DictionaryWord(_Strict):
    word: str = Field(min_length=1)
    freq: Optional[int] = Field(None, ge=1)


class Normalization(_Strict):
    fullwidth: bool = True
    casefold: bool = True
    traditional: bool = True
    fillers: list[str] = Field(default_factory=list, description="single characters ignored for matching")

    @field_validator("fillers")
    @classmethod
    def _single(cls, v: list[str]) -> list[str]:
        for filler in v:
            if len(filler) != 1:
                raise ValueError(f"filler {filler!r} must be a single character")
        return v


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
    pass_mark: float = Field(60, ge=0, le=100)
    stages: list[Stage] = Field(default_factory=list)

    # Set by load_pack: where the pack came from and the hash of its effective content.
    _source: str = PrivateAttr("<pack>")
    _content_hash: Optional[str] = PrivateAttr(None)

    @model_validator(mode="after")
    def _unique_ids(self) -> "Pack":
        stage_ids: set[str] = set()
        rule_ids: dict[str, str] = {}
        for stage in self.stages:
            if stage.id in stage_ids:
                raise ValueError(f"duplicate stage id {stage.id!r}")
            stage_ids.add(stage.id)
            for rule in stage.rules:
                if rule.id in rule_ids:
                    raise ValueError(
                        f"rule id {rule.id!r} used in stages {rule_ids[rule.id]!r} and {stage.id!r}"
                    )
                rule_ids[rule.id] = stage.id
        return self

    def stage(self, stage_id: str) -> Stage:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def dictionary_words(self) -> list[tuple[str, Optional[int]]]:
        return [(w, None) if isinstance(w, str) else (w.word, w.freq) for w in self.dictionary]


def pack_json_schema() -> dict[str, Any]:
    """JSON Schema of the pack language, for editors (``servicecheck schema``)."""
    schema = Pack.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "servicecheck rule pack"
    return schema
