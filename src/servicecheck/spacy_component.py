"""servicecheck as a spaCy pipeline component (``pip install servicecheck[spacy]``).

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.add_pipe("servicecheck", config={"pack": "bank-cn"})
    doc = nlp("您好，欢迎致电星海银行")                    # one utterance, said by config["speaker"]
    doc = nlp(make_doc_from_transcript(nlp, "call.json"))  # a whole call, utterances joined with "\\n"

Findings become spans in ``doc.spans["servicecheck"]`` (label = stage), the report a JSON-ready dict in
``doc._.servicecheck``. spaCy finds the factory through the ``spacy_factories`` entry point, so this
module is imported only by spaCy (or its user): ``import servicecheck`` never imports spaCy.
See docs/integrations.md (spaCy).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Union, cast

from spacy.language import Language
from spacy.tokens import Doc, Span

from .checker import Checker, TranscriptLike
from .io import read_transcript
from .model import Report, Speaker, Transcript, Utterance
from .pack.load import load_pack
from .pack.schema import Pack

FACTORY = "servicecheck"
SPANS_KEY = "servicecheck"
ID_PREFIX = "servicecheck:"  # span.id_ of our spans is this + the finding's index in the report
PACK_FILE = "pack.json"

DEFAULT_CONFIG: dict[str, Any] = {"pack": "bank-cn", "speaker": "agent", "spans_key": SPANS_KEY}


# -- extension attributes ---------------------------------------------------------------------------
# Span extension values set with ``span._.x = v`` live in doc.user_data keyed by the span's character
# offsets only, so two findings over the same text (a hit and a violation, or two findings widened to
# the same tokens) would overwrite each other. Our span attributes are therefore getters that read the
# span's finding from the report, found through the span's id (``servicecheck:<index>``).
def _finding_index(span: Span) -> Optional[int]:
    span_id = span.id_
    if not span_id.startswith(ID_PREFIX):
        return None
    return int(span_id[len(ID_PREFIX) :])


def _finding(span: Span) -> Optional[dict]:
    index = _finding_index(span)
    report = span.doc._.servicecheck
    if index is None or report is None:
        return None
    return report["findings"][index]


def _finding_offsets(span: Span) -> Optional[tuple[int, int]]:
    """The finding's exact character offsets in the doc (before any widening)."""
    finding = _finding(span)
    offsets = span.doc._.servicecheck_offsets
    if finding is None or offsets is None:
        return None
    base = offsets[finding["utterance_index"]]
    return base + finding["start"], base + finding["end"]


def _field(name: str) -> Callable[[Span], Any]:
    def get(span: Span) -> Any:
        finding = _finding(span)
        return None if finding is None else finding.get(name)

    return get


def _widened(span: Span) -> Optional[bool]:
    exact = _finding_offsets(span)
    return None if exact is None else exact != (span.start_char, span.end_char)


SPAN_FIELDS = ("rule_id", "kind", "severity", "method", "similarity", "message", "explanation", "utterance_index")


def register_extensions() -> None:
    """Register the Doc and Span attributes (idempotent; done when the factory runs)."""
    for name in ("servicecheck", "servicecheck_transcript", "servicecheck_offsets"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    if not Doc.has_extension("servicecheck_report"):
        Doc.set_extension("servicecheck_report", getter=_report_of)
    getters: dict[str, Callable[[Span], Any]] = {name: _field(name) for name in SPAN_FIELDS}
    getters.update(
        finding=_finding,
        finding_index=_finding_index,
        finding_start=lambda span: (_finding_offsets(span) or (None, None))[0],
        finding_end=lambda span: (_finding_offsets(span) or (None, None))[1],
        finding_text=_field("text"),
        widened=_widened,
    )
    for name, getter in getters.items():
        Span.set_extension(name, getter=getter, force=True)


def _report_of(doc: Doc) -> Optional[Report]:
    data = doc._.servicecheck
    return None if data is None else Report.model_validate(data)


# -- whole calls ------------------------------------------------------------------------------------
def make_doc_from_transcript(nlp: Language, transcript: TranscriptLike) -> Doc:
    """A Doc holding a whole call: its utterances joined with "\\n", the transcript and each utterance's
    offset remembered on the doc, so the component checks the call (timing, order, per-speaker rules)
    rather than one text. Pass the Doc to ``nlp(doc)``."""
    register_extensions()  # the pipeline may not have the component yet
    call = _read(nlp, transcript)
    doc = nlp.make_doc(call.global_text)
    # A JSON-ready dict, not the Transcript: user_data must survive doc.to_bytes (DocBin, nlp.pipe with
    # n_process > 1), which msgpack-encodes it.
    doc._.servicecheck_transcript = call.model_dump(mode="json")
    doc._.servicecheck_offsets = call.utterance_offsets()
    return doc


def _read(nlp: Language, transcript: TranscriptLike) -> Transcript:
    """A Transcript, read with the pipeline's pack settings (role map, agent cues) when it has our
    component, so recogniser output is read as ``Checker.check`` would read it."""
    for _, component in nlp.pipeline:
        if isinstance(component, ServiceCheckComponent):
            return component.checker._coerce(transcript)
    return transcript if isinstance(transcript, Transcript) else read_transcript(transcript)


def _utterance_offsets(doc: Doc, call: Transcript) -> list[int]:
    """Where each utterance's text is in the doc: remembered, or found in order (any separator)."""
    remembered = doc._.servicecheck_offsets
    if remembered is not None:
        offsets = list(remembered)
        if len(offsets) != len(call.utterances):
            raise ValueError(
                f"doc._.servicecheck_offsets has {len(offsets)} offsets for {len(call.utterances)} utterances"
            )
    else:
        offsets, position = [], 0
        for utterance in call.utterances:
            found = doc.text.find(utterance.text, position)
            if found < 0:
                break
            offsets.append(found)
            position = found + len(utterance.text)
        else:
            return offsets
    for index, (offset, utterance) in enumerate(zip(offsets, call.utterances)):
        if doc.text[offset : offset + len(utterance.text)] != utterance.text:
            raise ValueError(
                f"utterance {index} of transcript {call.id!r} is not in the doc text at {offset}: build the doc "
                "with make_doc_from_transcript(nlp, transcript)"
            )
    if len(offsets) != len(call.utterances):
        raise ValueError(f"utterance {len(offsets)} of transcript {call.id!r} is not in the doc text")
    return offsets


# -- the component ----------------------------------------------------------------------------------
class ServiceCheckComponent:
    """Checks each Doc against a rule pack and writes findings as spans and the report on the doc.

    The Checker is built on first use: ``spacy.load`` constructs the component from its config (whose
    ``pack`` may name a YAML file that no longer exists) and then restores the saved pack in
    ``from_disk``."""

    def __init__(
        self,
        nlp: Language,
        name: str = FACTORY,
        *,
        pack: str = "bank-cn",
        speaker: str = "agent",
        spans_key: str = SPANS_KEY,
    ) -> None:
        if speaker not in ("agent", "customer", "other"):
            raise ValueError(f"speaker must be agent, customer or other, not {speaker!r}")
        self.name = name
        self.pack_source: Union[str, dict, Pack] = pack
        self.speaker = cast(Speaker, speaker)  # one of the three, checked above
        self.spans_key = spans_key
        self._checker: Optional[Checker] = None
        register_extensions()

    @property
    def checker(self) -> Checker:
        if self._checker is None:
            self._checker = Checker(load_pack(self.pack_source))
        return self._checker

    @property
    def pack(self) -> Pack:
        return self.checker.pack

    def __call__(self, doc: Doc) -> Doc:
        carried = doc._.servicecheck_transcript
        if carried is None:
            call = Transcript(id="doc", utterances=(Utterance(speaker=self.speaker, text=doc.text),))
            offsets = [0]
        else:
            call = self.checker._coerce(carried)
            offsets = _utterance_offsets(doc, call)
        report = self.checker.check(call)
        doc._.servicecheck = report.model_dump(mode="json")
        doc._.servicecheck_offsets = offsets
        spans = []
        for index, finding in enumerate(report.findings):
            if finding.utterance_index is None or finding.start is None or finding.end is None:
                continue  # a missing stage or a call-level check: in the report only
            if finding.start == finding.end:
                continue  # nothing to mark
            base = offsets[finding.utterance_index]
            span = doc.char_span(
                base + finding.start,
                base + finding.end,
                label=finding.stage,
                alignment_mode="expand",
                span_id=ID_PREFIX + str(index),
            )
            if span is not None:
                spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterable[Doc]:
        for doc in stream:
            yield self(doc)

    # -- serialisation: the pack travels with the pipeline, as JSON --------------------------------
    # Python's json, not srsly: srsly's ujson writes 0.82 as 0.8200000000000001, and the reloaded pack
    # would then have another pack_hash.
    def _restore(self, content: dict) -> None:
        self.pack_source = content
        self._checker = None

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return json.dumps({"pack": self.pack.portable_content()}, ensure_ascii=False).encode("utf-8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "ServiceCheckComponent":
        self._restore(json.loads(data.decode("utf-8"))["pack"])
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.pack.portable_content(), ensure_ascii=False, indent=1)
        (path / PACK_FILE).write_text(text + "\n", encoding="utf-8")

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> "ServiceCheckComponent":
        pack_file = Path(path) / PACK_FILE
        if pack_file.is_file():
            self._restore(json.loads(pack_file.read_text(encoding="utf-8")))
        return self


@Language.factory(
    FACTORY,
    default_config=DEFAULT_CONFIG,
    assigns=["doc.spans", "doc._.servicecheck"],
)
def make_servicecheck(nlp: Language, name: str, pack: str, speaker: str, spans_key: str) -> ServiceCheckComponent:
    """The ``servicecheck`` factory (entry point ``spacy_factories``)."""
    return ServiceCheckComponent(nlp, name, pack=pack, speaker=speaker, spans_key=spans_key)
