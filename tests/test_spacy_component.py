"""The spaCy component (servicecheck.spacy_component): spans and report match Checker.check, widening,
displaCy, serialisation, and the entry point. Needs the ``spacy`` extra (``pip install -e '.[test,spacy]'``)
and no spaCy model: a blank Chinese pipeline with the jieba segmenter."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

spacy = pytest.importorskip("spacy", reason="spaCy is not installed: pip install -e '.[spacy]'")

from conftest import DEV_CALLS, EXAMPLES, RULES  # noqa: E402
from spacy import displacy  # noqa: E402
from spacy.tokens import Doc  # noqa: E402

from servicecheck import Checker, Report, read_transcript  # noqa: E402
from servicecheck.spacy_component import ServiceCheckComponent, make_doc_from_transcript  # noqa: E402

LINE = "您好，欢迎致电星海银行，你自己去网点问吧"


def blank():
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})


@pytest.fixture(scope="module")
def nlp():
    nlp = blank()
    nlp.add_pipe("servicecheck", config={"pack": "bank-cn"})
    return nlp


@pytest.fixture(scope="module")
def call():
    """One dev call when the labelled calls are at hand, else the rude-agent example."""
    if DEV_CALLS.is_file():
        with DEV_CALLS.open(encoding="utf-8") as handle:
            return read_transcript(json.loads(handle.readline()))
    return read_transcript(EXAMPLES / "call-rude-agent.txt")


def spans_and_findings(doc, report: Report):
    """(span, finding, finding's offsets in the doc) for every span of the doc."""
    offsets = doc._.servicecheck_offsets
    rows = []
    for span in doc.spans["servicecheck"]:
        finding = report.findings[span._.finding_index]
        base = offsets[finding.utterance_index]
        rows.append((span, finding, (base + finding.start, base + finding.end)))
    return rows


def test_whole_call_matches_checker(nlp, call):
    doc = nlp(make_doc_from_transcript(nlp, call))
    assert doc.text == "\n".join(u.text for u in call.utterances)
    expected = Checker("bank-cn").check(call)
    assert doc._.servicecheck == expected.model_dump(mode="json")
    assert doc._.servicecheck_report == expected
    located = [
        f for f in expected.findings if f.utterance_index is not None and f.start is not None and f.start < f.end
    ]
    assert located, "the call should have findings in its text"
    rows = spans_and_findings(doc, expected)
    assert len(rows) == len(located)
    for span, finding, (start, end) in rows:
        assert span.label_ == finding.stage
        assert span._.rule_id == finding.rule_id
        assert span._.kind == finding.kind
        assert span._.method == finding.method
        assert span._.similarity == finding.similarity
        assert span._.message == finding.message
        assert (span._.finding_start, span._.finding_end) == (start, end)
        assert (start, end) == (finding.global_start, finding.global_end)
        assert span._.finding_text == finding.text == doc.text[start:end]
        if span._.widened:
            assert span.start_char <= start and end <= span.end_char
            assert (span.start_char, span.end_char) != (start, end)
            assert finding.text in span.text
        else:
            assert span.text == finding.text
    assert {(f.stage, f.rule_id) for f in located} == {(s.label_, s._.rule_id) for s, _, _ in rows}


def test_transcript_set_by_the_caller_is_found_in_the_text(nlp, call):
    """A caller's own layout (utterances joined by " | ") works: each utterance is found in order."""
    doc = nlp.make_doc(" | ".join(u.text for u in call.utterances))
    doc._.servicecheck_transcript = call.model_dump(mode="json")
    doc = nlp(doc)
    expected = Checker("bank-cn").check(call)
    for span, finding, (start, end) in spans_and_findings(doc, expected):
        assert doc.text[start:end] == finding.text
        assert span._.rule_id == finding.rule_id


def test_transcript_not_in_the_doc_is_refused(nlp, call):
    doc = nlp.make_doc("完全不同的文本")
    doc._.servicecheck_transcript = call
    with pytest.raises(ValueError, match="not in the doc text"):
        nlp(doc)


def test_plain_doc_is_one_utterance_of_the_configured_speaker(nlp):
    doc = nlp(LINE)
    expected = Checker("bank-cn").check({"id": "doc", "utterances": [{"speaker": "agent", "text": LINE}]})
    assert doc._.servicecheck_report == expected
    got = {(s.label_, s._.rule_id, s.text) for s in doc.spans["servicecheck"]}
    assert ("greeting", "greeting.welcome", "欢迎致电") in got
    assert ("forbidden", "forbidden.shirk.do_it_yourself", "你自己去网点问吧") in got

    customer = blank()
    customer.add_pipe("servicecheck", config={"speaker": "customer", "spans_key": "qa"})
    doc = customer(LINE)
    assert "servicecheck" not in doc.spans
    assert not any(s._.rule_id == "greeting.welcome" for s in doc.spans["qa"])  # an agent's rule


def test_span_off_token_boundaries_is_widened(nlp):
    """Tokens cut through 您好 and 欢迎致电: the spans grow to whole tokens and say so."""
    words = ["您好，欢", "迎致", "电星海银行"]
    doc = Doc(nlp.vocab, words=words, spaces=[False] * len(words))
    doc = nlp.get_pipe("servicecheck")(doc)
    by_rule = {s._.rule_id: s for s in doc.spans["servicecheck"]}
    hello, welcome = by_rule["greeting.hello"], by_rule["greeting.welcome"]
    assert hello.text == "您好，欢" and hello._.widened
    assert (hello._.finding_start, hello._.finding_end, hello._.finding_text) == (0, 2, "您好")
    assert welcome.text == "您好，欢迎致电星海银行" and welcome._.widened
    assert (welcome._.finding_start, welcome._.finding_end) == (3, 7)
    assert not by_rule["self_intro.bank_after_greeting"]._.widened or True  # 星海银行 is inside the last token
    assert by_rule["self_intro.bank_after_greeting"]._.widened


def test_findings_over_the_same_tokens_keep_their_own_attributes(nlp):
    """Extension values set on spans are keyed by character offsets; ours read the report by span id,
    so two findings widened to the same token stay apart."""
    doc = Doc(nlp.vocab, words=["您好欢迎致电"], spaces=[False])
    doc = nlp.get_pipe("servicecheck")(doc)
    rules = sorted(s._.rule_id for s in doc.spans["servicecheck"] if s.label_ == "greeting")
    assert rules == ["greeting.hello", "greeting.welcome"]


def test_displacy_renders_the_stages(nlp, call):
    doc = nlp(make_doc_from_transcript(nlp, call))
    html = displacy.render(doc, style="span", options={"spans_key": "servicecheck"}, jupyter=False)
    for label in {s.label_ for s in doc.spans["servicecheck"]}:
        assert label in html
    assert "greeting" in html


def test_doc_bytes_keep_spans_and_report(nlp):
    doc = nlp(LINE)
    again = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert [(s.start_char, s.end_char, s.label_, s._.rule_id) for s in again.spans["servicecheck"]] == [
        (s.start_char, s.end_char, s.label_, s._.rule_id) for s in doc.spans["servicecheck"]
    ]
    assert again._.servicecheck_report == doc._.servicecheck_report


def test_to_disk_and_load_without_the_pack_file(tmp_path):
    """The pipeline saves the pack it uses: the YAML it was built from can be gone."""
    pack_file = tmp_path / "my-bank.yaml"
    shutil.copy(RULES / "bank-cn.yaml", pack_file)
    nlp = blank()
    nlp.add_pipe("servicecheck", config={"pack": str(pack_file)})
    before = nlp(LINE)._.servicecheck
    nlp.to_disk(tmp_path / "pipeline")
    assert (tmp_path / "pipeline" / "servicecheck" / "pack.json").is_file()
    pack_file.unlink()

    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == ["servicecheck"]
    assert loaded(LINE)._.servicecheck == before  # same findings, same pack_hash

    again = blank()
    again.add_pipe("servicecheck", config={"pack": str(pack_file)}).from_bytes(nlp.get_pipe("servicecheck").to_bytes())
    assert again(LINE)._.servicecheck == before


def test_component_is_lazy_and_reports_a_bad_pack_at_first_use():
    nlp = blank()
    component = nlp.add_pipe("servicecheck", config={"pack": "no-such-pack"})
    assert isinstance(component, ServiceCheckComponent)
    with pytest.raises(Exception, match="no-such-pack"):
        nlp(LINE)


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_servicecheck_does_not_import_spacy():
    out = run_python("import sys, servicecheck; print(any(m.split('.')[0] == 'spacy' for m in sys.modules))")
    assert out.strip() == "False"


def test_entry_point_registers_the_factory_without_importing_servicecheck():
    code = (
        "import sys, spacy\n"
        "assert 'servicecheck' not in sys.modules\n"
        "nlp = spacy.blank('zh', config={'nlp': {'tokenizer': {'segmenter': 'jieba'}}})\n"
        "nlp.add_pipe('servicecheck', config={'pack': 'bank-cn'})\n"
        f"doc = nlp({LINE!r})\n"
        "print(sorted({s.label_ for s in doc.spans['servicecheck']}))\n"
    )
    assert "greeting" in run_python(code)


def test_pipe_over_processes_keeps_whole_calls(nlp, call):
    """Docs from make_doc_from_transcript carry JSON-ready data, so they cross process boundaries."""
    docs = [make_doc_from_transcript(nlp, call), nlp.make_doc(LINE)]
    out = list(nlp.pipe(docs, n_process=2, batch_size=1))
    assert out[0]._.servicecheck_report == Checker("bank-cn").check(call)
    assert out[1]._.servicecheck == nlp(LINE)._.servicecheck


def test_make_doc_before_the_component_is_added(call):
    """make_doc_from_transcript works on a pipeline that gets the component afterwards."""
    nlp = blank()
    doc = make_doc_from_transcript(nlp, call)
    nlp.add_pipe("servicecheck")
    assert nlp(doc)._.servicecheck_report == Checker("bank-cn").check(call)
