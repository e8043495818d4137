"""Readers: JSON, JSONL and plain text in; transcripts or error records (naming file, line, field) out."""

from __future__ import annotations

import io
import json
import sys

import pytest

from servicecheck import InputError, Transcript
from servicecheck.io import RoleMap, iter_records, read_transcript, read_transcripts, transcript_from_dict

AGENT_HELLO = {"speaker": "agent", "text": "您好，这里是测试银行"}
CUSTOMER_OK = {"speaker": "customer", "text": "好的，谢谢"}


def _write(path, content):
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _jsonl(*records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records)


# -- JSON ------------------------------------------------------------------------------------------------
def test_json_one_object(tmp_path):
    path = _write(tmp_path / "one.json", json.dumps({"id": "a", "utterances": [AGENT_HELLO, CUSTOMER_OK]}))
    transcript = read_transcript(path)
    assert transcript.id == "a"
    assert [u.speaker for u in transcript.utterances] == ["agent", "customer"]
    assert transcript.utterances[0].text == "您好，这里是测试银行"


def test_json_list_in_order_with_a_bad_item(tmp_path):
    items = [
        {"id": 1, "utterances": [AGENT_HELLO]},
        {"id": 2, "utterances": [AGENT_HELLO, {"speaker": "robot", "text": "x"}]},
        {"id": 3, "utterances": [CUSTOMER_OK]},
    ]
    path = _write(tmp_path / "many.json", json.dumps(items, ensure_ascii=False))
    records = list(iter_records(path))
    assert len(records) == 3
    assert records[0].transcript.id == "1" and records[2].transcript.id == "3"
    error = records[1].error
    assert isinstance(error, InputError)
    assert error.source == str(path)
    assert error.field == "[1].utterances[1].speaker"
    assert "robot" in str(error) and str(path) in str(error)


def test_json_syntax_error_names_the_line(tmp_path):
    path = _write(
        tmp_path / "broken.json", '{\n  "id": "a",\n  "utterances": [\n    {"speaker": "agent" "text": "x"}\n]}'
    )
    (record,) = list(iter_records(path))
    assert record.transcript is None
    assert record.error.line == 4
    assert "invalid JSON" in str(record.error) and "line 4" in str(record.error)


def test_json_with_bom(tmp_path):
    path = _write(
        tmp_path / "bom.json", b"\xef\xbb\xbf" + json.dumps({"id": "b", "utterances": [AGENT_HELLO]}).encode()
    )
    assert read_transcript(path).id == "b"


# -- JSONL -----------------------------------------------------------------------------------------------
def test_jsonl_bad_lines_become_errors_and_the_rest_is_read(tmp_path):
    content = _jsonl(
        {"id": "c1", "utterances": [AGENT_HELLO]},
        {"id": "c2", "utterances": [AGENT_HELLO, CUSTOMER_OK, {"speaker": "机器人", "text": "您好"}]},
        "",  # blank lines are skipped but still counted
        "{not json",
        {"id": "c5", "utterances": [{"speaker": "agent", "text": "好", "start": 5, "end": 2}]},
        '{"id": "c6", "utterances": [{"speaker": "agent", "text": "好", "start": NaN}]}',
        {"id": "c7", "utterances": [{"speaker": "agent", "text": 7}]},
        ["not", "an", "object"],
        {"id": "c9", "utterances": [CUSTOMER_OK]},
    )
    path = _write(tmp_path / "calls.jsonl", content)
    records = list(iter_records(path))
    assert [r.line for r in records] == [1, 2, 4, 5, 6, 7, 8, 9]
    good = [r.transcript.id for r in records if r.transcript is not None]
    assert good == ["c1", "c9"]
    errors = {r.line: r.error for r in records if r.error is not None}
    assert errors[2].field == "utterances[2].speaker"
    assert errors[2].line == 2 and errors[2].source == str(path)
    assert str(errors[2]).startswith(f"{path}, line 2, field utterances[2].speaker: unknown speaker '机器人'")
    assert "invalid JSON" in str(errors[4]) and errors[4].line == 4
    assert errors[5].field == "utterances[0]" and "before start" in str(errors[5])
    assert errors[6].field == "utterances[0].start" and "finite" in str(errors[6])
    assert errors[7].field == "utterances[0].text"
    assert "expected a JSON object" in str(errors[8])


def test_jsonl_is_streamed(tmp_path):
    """The first record comes out before later lines are read: a stream that fails later proves it."""

    class Exploding(io.RawIOBase):
        def __init__(self):
            self.lines = iter([_jsonl({"id": "first", "utterances": [AGENT_HELLO]}).encode()])

        def readable(self):
            return True

        def readline(self, size=-1):
            for line in self.lines:
                return line
            raise AssertionError("read past the first record before it was handed out")

    from servicecheck.io import ReadOptions
    from servicecheck.io.convert import Converter
    from servicecheck.io.jsonl import iter_jsonl

    records = iter_jsonl(Exploding(), "<stream>", Converter("auto", ReadOptions(), "<stream>", "stream"))
    assert next(records).transcript.id == "first"


def test_jsonl_invalid_utf8_names_the_line(tmp_path):
    good = _jsonl({"id": "ok", "utterances": [AGENT_HELLO]}).encode()
    path = _write(
        tmp_path / "bytes.jsonl", good + b'{"id": "bad", "utterances": [{"speaker": "agent", "text": "\xff"}]}\n' + good
    )
    records = list(iter_records(path))
    assert [r.transcript is not None for r in records] == [True, False, True]
    assert records[1].error.line == 2 and "UTF-8" in str(records[1].error)


def test_jsonl_first_line_bom(tmp_path):
    path = _write(tmp_path / "bom.jsonl", b"\xef\xbb\xbf" + _jsonl({"id": "b", "utterances": [AGENT_HELLO]}).encode())
    (record,) = list(iter_records(path))
    assert record.transcript.id == "b"


def test_ndjson_suffix_and_sniffing_without_suffix(tmp_path):
    content = _jsonl({"id": "n1", "utterances": [AGENT_HELLO]}, {"id": "n2", "utterances": [CUSTOMER_OK]})
    assert [t.id for t in read_transcripts(_write(tmp_path / "calls.ndjson", content))] == ["n1", "n2"]
    assert [t.id for t in read_transcripts(_write(tmp_path / "calls", content))] == ["n1", "n2"]
    pretty = json.dumps({"id": "p", "utterances": [AGENT_HELLO]}, indent=2)
    assert read_transcript(_write(tmp_path / "pretty", pretty)).id == "p"
    assert read_transcript(_write(tmp_path / "plain", "坐席：您好\n")).utterances[0].text == "您好"


# -- plain text ------------------------------------------------------------------------------------------
def test_text_prefixes_colons_times_and_headers(tmp_path):
    content = (
        "# id: call-42\n"
        "# channel: online\n"
        "# a comment line\n"
        "[0.0-3.5] 坐席：您好，欢迎致电\n"
        "\n"
        "[4-6.25]客户:我想查账单\n"
        "客服： 好的，请稍等\n"
        "agent: one moment please\n"
        "Customer：ok\n"
        "[ 7.5 - 9 ] customer : 时间是10:30，行\n"
    )
    transcript = read_transcript(_write(tmp_path / "call.txt", content))
    assert transcript.id == "call-42"
    assert transcript.channel == "online"
    assert [(u.speaker, u.text, u.start, u.end) for u in transcript.utterances] == [
        ("agent", "您好，欢迎致电", 0.0, 3.5),
        ("customer", "我想查账单", 4.0, 6.25),
        ("agent", "好的，请稍等", None, None),
        ("agent", "one moment please", None, None),
        ("customer", "ok", None, None),
        ("customer", "时间是10:30，行", 7.5, 9.0),
    ]


def test_text_id_defaults_to_the_file_stem_and_bom_is_dropped(tmp_path):
    path = _write(tmp_path / "rec-0815.txt", "\ufeff坐席：您好\r\n客户：你好\r\n")
    transcript = read_transcript(path)
    assert transcript.id == "rec-0815"
    assert [u.text for u in transcript.utterances] == ["您好", "你好"]


def test_text_unknown_speaker_names_file_line_and_field(tmp_path):
    path = _write(tmp_path / "bad.txt", "坐席：您好\n客户：嗯\n机器人：请按1\n坐席：再见\n")
    (record,) = list(iter_records(path))
    assert record.transcript is None
    error = record.error
    assert (error.source, error.line, error.field) == (str(path), 3, "speaker")
    assert "机器人" in str(error)
    with pytest.raises(InputError, match="line 3"):
        read_transcript(path)


def test_text_line_without_prefix_is_an_error(tmp_path):
    (record,) = list(iter_records(_write(tmp_path / "noprefix.txt", "坐席：您好\n请问有什么可以帮您\n")))
    assert record.error.line == 2


def test_text_invalid_utf8_names_the_line(tmp_path):
    path = _write(
        tmp_path / "latin.txt", "坐席：您好\n客户：嗯\n".encode() + b"\xe5\xae\xa2\xe6\x88\xb7\xef\xbc\x9a caf\xe9\n"
    )
    (record,) = list(iter_records(path))
    assert isinstance(record.error, InputError)
    assert record.error.line == 3
    assert "UTF-8" in str(record.error) and "line 3" in str(record.error) and str(path) in str(record.error)
    with pytest.raises(InputError, match="line 3"):
        read_transcript(path)


def test_text_time_errors_name_the_line(tmp_path):
    # Validation errors found after the whole file was parsed still point at the offending line.
    path = _write(tmp_path / "times.txt", "# id: t\n[0-2] 坐席：您好\n[9-3] 客户：嗯\n")
    (record,) = list(iter_records(path))
    assert record.error.line == 3
    assert record.error.field == "utterances[1]"
    assert "before start" in str(record.error)


def test_text_bad_channel_header_names_the_line(tmp_path):
    (record,) = list(iter_records(_write(tmp_path / "chan.txt", "# id: t\n# channel: fax\n坐席：您好\n")))
    assert (record.error.line, record.error.field) == (2, "channel")


def test_text_lines_end_only_at_newline(tmp_path):
    # U+2028, U+0085 and form feeds inside an utterance are text, not line breaks.
    path = _write(tmp_path / "seps.txt", "坐席：您好\u2028请讲\n客户：我\x85想\x0c问\n坐席：好\n")
    transcript = read_transcript(path)
    assert [u.text for u in transcript.utterances] == ["您好\u2028请讲", "我\x85想\x0c问", "好"]
    bad = _write(tmp_path / "seps-bad.txt", "坐席：您好\u2028请讲\n客户：嗯\n路人：喂\n")
    (record,) = list(iter_records(bad))
    assert record.error.line == 3


# -- roles, paths, stdin ---------------------------------------------------------------------------------
def test_role_map_defaults_and_extra_labels():
    roles = RoleMap()
    assert roles.role("坐席") == roles.role(" AGENT ") == roles.role("客服") == "agent"
    assert roles.role("客户") == roles.role("Customer") == "customer"
    assert roles.role("主叫") is None and roles.role(3) is None
    extended = RoleMap({"主叫": "customer", "Operator": "agent"})
    assert extended.role("主叫") == "customer"
    assert extended.role("operator") == "agent"
    assert extended.role("坐席") == "agent"  # the defaults are still there
    replaced = RoleMap({"A": "agent"}, replace=True)
    assert replaced.role("坐席") is None and replaced.role("a") == "agent"
    with pytest.raises(ValueError, match="boss"):
        RoleMap({"经理": "boss"})


def test_role_map_applies_to_json_and_text(tmp_path):
    roles = RoleMap({"主叫": "customer", "被叫": "agent"})
    data = {"id": "r", "utterances": [{"speaker": "被叫", "text": "您好"}, {"speaker": "主叫", "text": "喂"}]}
    assert [u.speaker for u in transcript_from_dict(data, roles).utterances] == ["agent", "customer"]
    path = _write(tmp_path / "roles.txt", "被叫：您好\n主叫：喂\n")
    assert [u.speaker for u in read_transcript(path, roles).utterances] == ["agent", "customer"]
    with pytest.raises(InputError) as info:
        read_transcript(path)
    assert info.value.line == 1


def test_transcript_from_dict_errors():
    with pytest.raises(InputError, match="expected a JSON object"):
        transcript_from_dict(["x"], RoleMap(), source="s.json", line=3)
    with pytest.raises(InputError) as info:
        transcript_from_dict({"utterances": []}, RoleMap(), source="s.jsonl", line=7)
    assert (info.value.source, info.value.line, info.value.field) == ("s.jsonl", 7, "id")
    assert str(info.value).startswith("s.jsonl, line 7, field id: ")
    transcript = transcript_from_dict(
        {"id": 5, "labels": [], "utterances": [{"speaker": "客服", "text": "好"}]}, RoleMap()
    )
    assert isinstance(transcript, Transcript) and transcript.id == "5"


def test_read_transcript_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot open") as info:
        read_transcript(tmp_path / "missing.json")
    assert info.value.source == str(tmp_path / "missing.json")
    two = _write(tmp_path / "two.jsonl", _jsonl({"id": "a", "utterances": []}, {"id": "b", "utterances": []}))
    with pytest.raises(InputError, match="expected one transcript, found 2"):
        read_transcript(two)
    bad = _write(tmp_path / "bad.json", '{"id": "a", "utterances": [{"speaker": "agent"}]}')
    with pytest.raises(InputError) as info:
        read_transcript(bad)
    assert info.value.field == "utterances[0].text"
    assert isinstance(info.value, ValueError)  # callers may catch ValueError too


def test_missing_file_is_an_error_record_and_later_inputs_are_read(tmp_path):
    good = _write(tmp_path / "good.txt", "坐席：您好\n")
    records = list(iter_records([tmp_path / "nope.json", good]))
    assert records[0].error is not None and "cannot open" in str(records[0].error)
    assert records[1].transcript.id == "good"


class _Stdin:
    def __init__(self, data: bytes):
        self.buffer = io.BytesIO(data)


@pytest.mark.parametrize(
    "data, ids",
    [
        (_jsonl({"id": "s1", "utterances": [AGENT_HELLO]}, {"id": "s2", "utterances": []}).encode(), ["s1", "s2"]),
        (json.dumps([{"id": "l1", "utterances": []}, {"id": "l2", "utterances": []}]).encode(), ["l1", "l2"]),
        (json.dumps({"id": "o1", "utterances": [AGENT_HELLO]}, indent=2).encode(), ["o1"]),
        ("\ufeff# id: t1\n坐席：您好\n客户：嗯\n".encode(), ["t1"]),
        ("坐席：您好\n".encode(), ["stdin"]),
    ],
)
def test_stdin_formats_are_sniffed(monkeypatch, data, ids):
    monkeypatch.setattr(sys, "stdin", _Stdin(data))
    records = list(iter_records("-"))
    assert all(r.error is None for r in records), [r.error for r in records]
    assert [r.transcript.id for r in records] == ids
    assert all(r.source == "<stdin>" for r in records)


def test_stdin_jsonl_with_a_bad_first_line_still_reads_the_rest(monkeypatch):
    data = "{oops\n" + _jsonl({"id": "good", "utterances": [AGENT_HELLO]})
    monkeypatch.setattr(sys, "stdin", _Stdin(data.encode("utf-8")))
    records = list(iter_records("-"))
    assert records[0].error is not None and records[0].line == 1 and "invalid JSON" in str(records[0].error)
    assert records[1].transcript.id == "good"


def test_stdin_deeply_nested_first_line_is_an_error_record(monkeypatch):
    deep = '{"a":' * 50_000 + "1" + "}" * 50_000
    data = deep + "\n" + _jsonl({"id": "after", "utterances": []})
    monkeypatch.setattr(sys, "stdin", _Stdin(data.encode("utf-8")))
    records = list(iter_records("-"))
    assert "nested too deeply" in str(records[0].error) and records[0].line == 1
    assert records[1].transcript.id == "after"


def test_stdin_object_spread_over_lines_with_an_utterance_per_line(monkeypatch):
    data = '{"id": "spread", "utterances": [\n  {"speaker": "agent", "text": "您好"},\n  {"speaker": "customer", "text": "喂"}\n]}\n'
    monkeypatch.setattr(sys, "stdin", _Stdin(data.encode("utf-8")))
    (record,) = list(iter_records("-"))
    assert record.transcript.id == "spread" and len(record.transcript.utterances) == 2
