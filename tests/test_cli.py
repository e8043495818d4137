"""The ``servicecheck`` command: formats, stdin, exit statuses and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from conftest import EXAMPLES, REPO, RULES, call, generated_chat, servicecheck_script

from servicecheck.cli import main

CREDIT = str(EXAMPLES / "call-credit-card.json")
RUDE = str(EXAMPLES / "call-rude-agent.txt")


class _Stdin:
    """Stands in for sys.stdin: the readers take bytes from ``.buffer``."""

    def __init__(self, data: bytes):
        self.buffer = io.BytesIO(data)


def _run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def _reports(out: str) -> list[dict]:
    """The reports in JSON or JSONL output (error rows, which have no findings, left out)."""
    if not out.strip():
        return []
    try:
        rows = json.loads(out)
        rows = rows if isinstance(rows, list) else [rows]
    except ValueError:
        rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [r for r in rows if "findings" in r]


def _write_jsonl(path, *records):
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records),
        encoding="utf-8",
    )
    return path


# -- check -----------------------------------------------------------------------------------------------
def test_check_json_one_file(capsys):
    status, out, err = _run(capsys, "check", CREDIT)
    assert status == 0, err
    report = json.loads(out)
    assert report["transcript_id"] == "example-001"
    assert report["pack_id"] == "bank-cn"
    assert report["pack_hash"].startswith("sha256:")
    assert {"findings", "stages", "score", "passed"} <= set(report)
    assert "Traceback" not in err


def test_check_json_several_files_is_a_list_in_order(capsys):
    status, out, _ = _run(capsys, "check", CREDIT, RUDE, "--format", "json")
    assert status == 0  # findings alone do not fail a run without --fail-on
    reports = json.loads(out)
    assert [r["transcript_id"] for r in reports] == ["example-001", "example-002"]


def test_check_jsonl(capsys):
    status, out, _ = _run(capsys, "check", RUDE, CREDIT, "--format", "jsonl")
    assert status == 0
    lines = out.splitlines()
    assert [json.loads(line)["transcript_id"] for line in lines] == ["example-002", "example-001"]
    violations = [f for f in json.loads(lines[0])["findings"] if f["kind"] == "violation" and f["stage"] == "forbidden"]
    assert "不归我管" in [f["text"] for f in violations]


def test_check_table(capsys):
    status, out, _ = _run(capsys, "check", CREDIT, RUDE, "--format", "table")
    assert status == 0
    assert "== example-001" in out and "== example-002" in out
    assert "greeting" in out and "forbidden" in out
    assert "不归我管" in out  # the violation is listed with its text
    assert "FAIL" in out


def test_check_stdin(capsys, monkeypatch):
    data = json.dumps(call(("agent", "您好，欢迎致电"), ("customer", "你好"), id="from-stdin"), ensure_ascii=False)
    monkeypatch.setattr(sys, "stdin", _Stdin(data.encode("utf-8")))
    status, out, err = _run(capsys, "check", "-", "--format", "jsonl")
    assert status == 0, err
    (line,) = out.splitlines()
    assert json.loads(line)["transcript_id"] == "from-stdin"


def test_check_stdin_text(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", _Stdin("# id: piped\n坐席：您好\n客户：喂\n".encode("utf-8")))
    status, out, _ = _run(capsys, "check", "-")
    assert status == 0
    assert json.loads(out)["transcript_id"] == "piped"


def test_fail_on_critical(capsys):
    status, out, _ = _run(capsys, "check", RUDE, "--fail-on", "critical")
    assert status == 1
    assert json.loads(out)["transcript_id"] == "example-002"  # the report is still printed
    status, _, _ = _run(capsys, "check", CREDIT, "--fail-on", "critical")
    assert status == 0


def test_fail_on_ignores_hits(capsys, tmp_path):
    # A call whose only findings are hits and no missing stage passes --fail-on info.
    good = tmp_path / "polite.json"
    good.write_text(json.dumps(call(("agent", "您好"), ("customer", "喂")), ensure_ascii=False), encoding="utf-8")
    status, out, _ = _run(capsys, "check", str(good), "--fail-on", "critical")
    assert status == 0
    assert any(f["kind"] == "hit" for f in json.loads(out)["findings"])


def test_malformed_file_exits_2_with_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.jsonl"
    _write_jsonl(bad, call(("agent", "您好"), ("robot", "请按1")))
    status, out, err = _run(capsys, "check", str(bad))
    assert status == 2
    assert "Traceback" not in err
    first = err.splitlines()[0]
    assert first.startswith("servicecheck: ")
    assert str(bad) in first and "line 1" in first and "utterances[1].speaker" in first
    assert not _reports(out)


def test_malformed_text_file_names_the_line(capsys, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("坐席：您好\n客户：嗯\n[9-2] 坐席：好的\n", encoding="utf-8")
    status, _, err = _run(capsys, "check", str(bad))
    assert status == 2
    first = err.splitlines()[0]
    assert str(bad) in first and "line 3" in first and "utterances[2]" in first
    assert "Traceback" not in err


def test_jsonl_with_some_bad_lines_reports_the_good_ones(capsys, tmp_path):
    mixed = _write_jsonl(
        tmp_path / "mixed.jsonl",
        call(("agent", "您好"), id="good-1"),
        "{oops",
        call(("agent", "再见"), ("nobody", "x"), id="bad-3"),
        call(("agent", "不归我管"), id="good-4"),
    )
    status, out, err = _run(capsys, "check", str(mixed), "--format", "jsonl")
    assert status == 1
    assert [r["transcript_id"] for r in _reports(out)] == ["good-1", "good-4"]
    assert "line 2" in err and "line 3" in err and "utterances[1].speaker" in err
    assert "2 checked, 2 could not be read" in err
    assert "Traceback" not in err


def test_missing_file_exits_2(capsys, tmp_path):
    status, out, err = _run(capsys, "check", str(tmp_path / "nope.json"))
    assert status == 2 and not _reports(out)
    assert "nope.json" in err and "Traceback" not in err


def test_unknown_pack_exits_2(capsys):
    status, out, err = _run(capsys, "check", CREDIT, "--pack", "no-such-pack")
    assert status == 2 and out == ""
    assert "no-such-pack" in err and "bank-cn" in err  # names the built-in packs
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_pack_from_a_file(capsys, tmp_path):
    pack = tmp_path / "mini.yaml"
    pack.write_text(
        "id: mini\nversion: '2'\nstages:\n  - id: bye\n    name: 道别\n    rules:\n      - id: bye.zaijian\n        phrases: [再见]\n",
        encoding="utf-8",
    )
    status, out, _ = _run(capsys, "check", CREDIT, "--pack", str(pack))
    assert status == 0
    report = json.loads(out)
    assert (report["pack_id"], report["pack_version"]) == ("mini", "2")
    assert [s["stage"] for s in report["stages"]] == ["bye"]
    assert [f["text"] for f in report["findings"]] == ["再见"]


def test_extra_role_labels(capsys, tmp_path):
    path = tmp_path / "roles.txt"
    path.write_text("值班员：您好\n来电人：喂\n", encoding="utf-8")
    status, _, err = _run(capsys, "check", str(path))
    assert status == 2 and "值班员" in err
    status, out, _ = _run(capsys, "check", str(path), "--role", "值班员=agent", "--role", "来电人=customer")
    assert status == 0
    assert any(f["stage"] == "greeting" for f in json.loads(out)["findings"])
    status, _, err = _run(capsys, "check", str(path), "--role", "值班员=boss")
    assert status == 2 and "boss" in err


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["check"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["check", CREDIT, "--format", "xml"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err


# -- the table: pass mark, why a call failed, the batch summary ------------------------------------------
def _blocks(out: str) -> list[str]:
    return [block for block in out.split("\n\n") if block.strip()]


def test_table_says_why_a_call_failed(capsys):
    status, out, _ = _run(capsys, "check", RUDE, "--format", "table")
    assert status == 0
    assert "== example-002  score 0  不通过 FAIL  (pass mark 80; pack bank-cn" in out
    why = next(block for block in _blocks(out) if block.startswith("failed because:"))
    lines = why.splitlines()[1:]
    # the veto, by the findings that caused it (rule id @ utterance, as in the findings table) ...
    assert lines[0] == (
        "  - 一票否决 veto forbidden 服务禁语（一票否决）: forbidden.shirk.not_my_job@2, "
        "forbidden.shirk.do_it_yourself@4, forbidden.shirk.helpless@4"
    )
    assert lines[1] == "  - the veto set the score to 0 (without it 65)"
    # ... and every item that deducted points
    assert (
        "  - -30 required_stages 必需环节（问候、自报家门、结束语）: required_stage(greeting), required_stage(closing)"
        in lines
    )
    assert "  - -5 opening 开场问候与自报家门: greeting_first@0" in lines
    assert "== batch summary" not in out  # one call: no summary


def test_table_score_items_name_their_findings(capsys):
    _, out, _ = _run(capsys, "check", RUDE, "--format", "table")
    items = {line.split()[0]: line for line in _blocks(out)[-1].splitlines()[2:]}
    assert items["forbidden"].endswith(
        "VETO  forbidden.shirk.not_my_job@2, forbidden.shirk.do_it_yourself@4, forbidden.shirk.helpless@4"
    )
    assert items["opening"].endswith("greeting_first@0")
    assert items["required_stages"].endswith("required_stage(greeting), required_stage(closing)")
    findings = next(block for block in _blocks(out) if block.startswith("kind"))
    assert any(line.split()[3:5] == ["greeting_first", "0"] for line in findings.splitlines())


def test_table_of_a_passing_call_gives_no_reasons(capsys):
    _, out, _ = _run(capsys, "check", CREDIT, "--format", "table")
    assert "通过 PASS  (pass mark 80;" in out and "failed because" not in out


def test_table_below_the_pass_mark_says_so(capsys, tmp_path):
    curt = call(("agent", "请讲"), ("customer", "你们太慢了，什么态度！"), ("agent", "查一下"), id="curt")
    path = tmp_path / "curt.json"  # no greeting, self-introduction, empathy or closing, nothing forbidden: 40 < 80
    path.write_text(json.dumps(curt, ensure_ascii=False), encoding="utf-8")
    _, out, _ = _run(capsys, "check", str(path), "--format", "table")
    why = next(block for block in _blocks(out) if block.startswith("failed because:"))
    assert "veto" not in why
    assert why.splitlines()[1:] == [
        "  - -45 required_stages 必需环节（问候、自报家门、结束语）: required_stage(greeting), "
        "required_stage(self_intro), required_stage(closing)",
        "  - -5 opening 开场问候与自报家门: greeting_first@0",
        "  - -5 listening 倾听与共情: complaint_empathy@1",
        "  - -5 closing 结束与其他需求: agent_hangup@2",
        "  - score 40 is below the pass mark 80",
    ]


def test_table_of_several_calls_ends_with_the_batch_summary(capsys):
    status, out, _ = _run(capsys, "check", CREDIT, RUDE, "--format", "table")
    assert status == 0
    summary = out[out.index("== batch summary") :]
    assert out.index("== example-002") < out.index("== batch summary")
    assert summary.startswith("== batch summary: 2 calls checked, 0 could not be read or checked\n")
    assert "pass rate 50.0% (1/2, pass mark 80)  mean score 50  median 50" in summary
    blocks = _blocks(summary)
    titles = [block.splitlines()[0] for block in blocks[1:]]
    assert titles == [
        "stage compliance",
        "top violations (of 6)",
        "agents, lowest mean score first",
        "lowest scores",
    ]
    stages = {line.split()[0]: line.split() for line in blocks[1].splitlines()[3:]}
    assert stages["greeting"][-4:] == ["required", "1", "1", "50.0%"]
    assert stages["forbidden"][-4:] == ["forbidden", "1", "1", "50.0%"]
    agents = {line.split()[0]: line.split() for line in blocks[3].splitlines()[3:]}
    assert agents["A1024"][1:4] == ["1", "100.0%", "100"]  # from the example's metadata.agent_id
    assert agents["未知"][1:5] == ["1", "0.0%", "0", "greeting"]  # the text example names no agent
    assert "veto 服务禁语（一票否决）" in blocks[4]


def test_table_of_a_generated_batch_of_994_chats(capsys, tmp_path):
    # the size and mix of the 994-chat JD.com sample (made up here: that corpus is not in the repository),
    # with one line that cannot be read
    lines = [json.dumps(generated_chat(n), ensure_ascii=False) for n in range(994)]
    lines.insert(500, "{not json")
    batch = tmp_path / "chats.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, out, err = _run(capsys, "check", str(batch), "--format", "table", "--no-progress")
    assert status == 1 and "line 501" in err  # the unreadable line is reported; the rest is checked
    assert sum(line.startswith("== chat-") for line in out.splitlines()) == 994
    summary = out[out.index("== batch summary") :]
    assert summary.startswith("== batch summary: 994 calls checked, 1 could not be read or checked")
    agents = next(block for block in _blocks(summary) if block.startswith("agents"))
    rows = agents.splitlines()[3:]
    assert len(rows) == 13 and rows[-1].split()[:2] == ["未知", "142"]
    assert sum(int(row.split()[1]) for row in rows) == 994


def test_rich_tables_on_a_terminal(checker):
    from servicecheck.render import report_blocks, summary_blocks
    from servicecheck.summary import BatchSummary
    from servicecheck.terminal import BlockWriter

    summary = BatchSummary(checker.pack)
    report = checker.check(RUDE)
    summary.add(report)
    screen = io.StringIO()
    BlockWriter(screen, terminal=True).write(report_blocks(report, checker.pack) + summary_blocks(summary))
    text = screen.getvalue()
    assert "\x1b[" in text  # colours
    assert "forbidden.shirk.not_my_job@2" in text.replace("\n", "") or "not_my_job@2" in text
    assert "不归我管" in text and "stage compliance" in text and "一票否决" in text
    piped = io.StringIO()
    BlockWriter(piped).write(report_blocks(report, checker.pack))  # not a terminal: the plain text
    assert "\x1b[" not in piped.getvalue() and "─" not in piped.getvalue()


def test_import_does_not_load_rich():
    code = "import sys, servicecheck, servicecheck.cli; print('rich' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr


# -- CSV -------------------------------------------------------------------------------------------------
AWKWARD_PACK = """\
id: awkward
version: "1"
stages:
  - id: forbidden
    name: 禁语
    violation: true
    severity: major
    rules:
      - id: forbidden.shirk
        regex: ['不归我管[^。]*']
        message: '推诿："不归我管"，说了'
        suggestion: "改说：\\n我来帮您，\\"马上\\"处理"
"""


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_round_trips_awkward_text(capsys, tmp_path):
    pack = tmp_path / "awkward.yaml"
    pack.write_text(AWKWARD_PACK, encoding="utf-8")
    chat = call(("agent", "您好"), ("agent", '这个不归我管，你"自己"去查,\n别问我'), id='id,with "quotes"')
    chat["metadata"] = {"agent_id": "工号,7"}
    path = tmp_path / "awkward.json"
    path.write_text(json.dumps(chat, ensure_ascii=False), encoding="utf-8")
    status, out, err = _run(capsys, "check", str(path), "--pack", str(pack), "--format", "csv")
    assert status == 0, err
    assert not out.startswith("\ufeff")
    (row,) = _csv(out)
    assert row == {
        "transcript_id": 'id,with "quotes"',
        "agent_id": "工号,7",
        "utterance_index": "1",
        "speaker": "agent",
        "time": "",
        "stage": "forbidden",
        "rule_id": "forbidden.shirk",
        "kind": "violation",
        "severity": "major",
        "start": "2",
        "end": "19",
        "text": '不归我管，你"自己"去查,\n别问我',
        "message": '推诿："不归我管"，说了',
        "suggestion": '改说：\n我来帮您，"马上"处理',
        "needs_review": "false",
    }
    assert chat["utterances"][1]["text"][2:19] == row["text"]


def test_csv_every_finding_and_the_calls_file_beside(capsys, tmp_path):
    mixed = _write_jsonl(
        tmp_path / "mixed.jsonl",
        json.loads((EXAMPLES / "call-credit-card.json").read_text(encoding="utf-8")),
        "{oops",
        call(("agent", "这个不归我管"), ("customer", "啊"), id="rude-7"),
    )
    out_file = tmp_path / "findings.csv"
    status, out, err = _run(capsys, "check", str(mixed), "--format", "csv", "--output", str(out_file))
    assert status == 1 and out == "" and "line 2" in err
    findings = _csv(out_file.read_text(encoding="utf-8"))
    reports = _reports(_run(capsys, "check", str(mixed), "--format", "jsonl")[1])
    assert len(findings) == sum(len(r["findings"]) for r in reports)
    assert {r["transcript_id"] for r in findings} == {"example-001", "rude-7"}
    assert {r["agent_id"] for r in findings if r["transcript_id"] == "example-001"} == {"A1024"}
    calls = _csv((tmp_path / "findings.calls.csv").read_text(encoding="utf-8"))
    assert [c["transcript_id"] for c in calls] == ["example-001", "", "rude-7"]
    good, bad, rude = calls
    assert (good["score"], good["passed"], good["vetoed"], good["pass_mark"], good["failed_items"]) == (
        "100.0",
        "true",
        "false",
        "80.0",
        "",
    )
    assert good["agent_id"] == "A1024" and int(good["hits"]) > 0 and good["error"] == ""
    assert bad["line"] == "2" and bad["source"] == str(mixed) and bad["error"] and bad["score"] == ""
    assert (rude["score"], rude["passed"], rude["vetoed"]) == ("0.0", "false", "true")
    assert rude["failed_items"] == "required_stages -45; forbidden veto"
    assert (rude["violations"], rude["missing"]) == ("1", "3")  # 不归我管; no greeting, self_intro, closing


def test_csv_summary_file_and_excel_bom(capsys, tmp_path):
    calls = tmp_path / "calls.csv"
    status, out, _ = _run(capsys, "check", CREDIT, RUDE, "--format", "csv", "--summary", str(calls), "--excel")
    assert status == 0
    assert out.startswith("\ufeff")
    assert _csv(out[1:])[0]["transcript_id"] == "example-001"
    data = calls.read_bytes()
    assert data.startswith("\ufeff".encode("utf-8"))
    assert [c["transcript_id"] for c in _csv(data.decode("utf-8-sig"))] == ["example-001", "example-002"]


def test_summary_csv_with_another_format(capsys, tmp_path):
    calls = tmp_path / "calls.csv"
    status, out, _ = _run(capsys, "check", RUDE, "--format", "jsonl", "--summary", str(calls))
    assert status == 0 and json.loads(out)["transcript_id"] == "example-002"
    assert _csv(calls.read_text(encoding="utf-8"))[0]["vetoed"] == "true"


def test_output_file_for_json(capsys, tmp_path):
    target = tmp_path / "reports.json"
    status, out, _ = _run(capsys, "check", CREDIT, "--output", str(target))
    assert status == 0 and out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["transcript_id"] == "example-001"
    assert not (tmp_path / "reports.calls.csv").exists()  # the calls file comes beside CSV output only


# -- schema, eval, lint ----------------------------------------------------------------------------------
def test_schema(capsys, tmp_path):
    status, out, _ = _run(capsys, "schema")
    assert status == 0
    schema = json.loads(out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "stages" in schema["properties"] and "id" in schema["properties"]
    target = tmp_path / "pack.schema.json"
    assert _run(capsys, "schema", "--output", str(target))[0] == 0
    assert json.loads(target.read_text(encoding="utf-8")) == schema
    assert json.loads(_run(capsys, "schema", "pack")[1]) == schema


@pytest.mark.parametrize("kind", ["pack", "transcript", "report"])
def test_schema_files_in_docs_are_what_the_command_prints(capsys, kind):
    status, out, _ = _run(capsys, "schema", kind, "--no-plugins")
    assert status == 0
    committed = (REPO / "docs" / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert out == committed, (
        f"docs/{kind}.schema.json is stale: servicecheck schema {kind} --no-plugins --output docs/{kind}.schema.json"
    )


def test_transcript_and_report_schemas_validate(capsys, checker):
    from test_packs import _validate

    transcript = json.loads(_run(capsys, "schema", "transcript")[1])
    report = json.loads(_run(capsys, "schema", "report")[1])
    assert transcript["title"] == "servicecheck transcript" and report["title"] == "servicecheck report"
    assert report["properties"]["schema_version"]["default"] == "1"
    example = json.loads((EXAMPLES / "call-credit-card.json").read_text(encoding="utf-8"))
    assert _validate(example, transcript) == []
    assert _validate({"id": "x", "utterances": [{"speaker": "robot", "text": "请按1"}]}, transcript)
    written = checker.check(example).model_dump(mode="json")
    assert written["schema_version"] == "1" and list(written)[-1] == "schema_version"
    assert _validate(written, report) == []


def test_schema_unknown_kind_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["schema", "call"])
    assert info.value.code == 2


def test_eval_on_the_dev_set(capsys, dev_calls):
    status, out, err = _run(capsys, "eval", str(dev_calls))
    assert status == 0, err
    stage_ids = ["greeting", "self_intro", "closing", "forbidden"]
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.split()}
    for stage in stage_ids:
        assert stage in rows, f"no row for {stage}"
        assert len(rows[stage]) == 7  # stage tp fp fn P R F1
        assert 0.0 <= float(rows[stage][6]) <= 1.0
    assert "utterance-level" in out and "span-level" in out and "micro" in rows


def test_eval_json(capsys, dev_calls):
    status, out, _ = _run(capsys, "eval", str(dev_calls), "--format", "json")
    assert status == 0
    result = json.loads(out)
    assert result["calls"] == sum(1 for line in dev_calls.read_text(encoding="utf-8").splitlines() if line.strip())
    assert "greeting" in result["utterance_level"]["stages"]


def test_lint_builtin_pack_is_clean(capsys):
    status, out, err = _run(capsys, "lint", str(RULES / "bank-cn.yaml"))
    assert status == 0, out + err
    assert "0 error(s)" in err


def test_lint_broken_pack_names_the_yaml_path(capsys, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "id: broken\n"
        "version: '1'\n"
        "stages:\n"
        "  - id: greeting\n"
        "    name: 问候\n"
        "    rules:\n"
        "      - id: greeting.hello\n"
        "        phrases: [您好]\n"
        "        colour: red\n"
        "      - id: greeting.regex\n"
        "        regex: ['(unclosed']\n",
        encoding="utf-8",
    )
    status, out, err = _run(capsys, "lint", str(broken))
    assert status != 0
    assert str(broken) in out
    assert "stages[0].rules[0].colour" in out and "line 9" in out
    assert "Traceback" not in out + err


def test_lint_bad_regex_names_the_yaml_path(capsys, tmp_path):
    broken = tmp_path / "regex.yaml"
    broken.write_text(
        "id: regex\nstages:\n  - id: s\n    name: S\n    rules:\n      - id: s.r\n        regex: ['您好', '(unclosed']\n",
        encoding="utf-8",
    )
    status, out, err = _run(capsys, "lint", str(broken))
    assert status != 0
    assert "stages[0].rules[0].regex[1]" in out and "(unclosed" in out
    status, _, err = _run(capsys, "check", CREDIT, "--pack", str(broken))
    assert status == 2 and "stages[0].rules[0].regex[1]" in err and "Traceback" not in err


# -- the installed script --------------------------------------------------------------------------------
def test_installed_script_end_to_end(tmp_path):
    script = servicecheck_script()
    data = "# id: sub-1\n坐席：您好，这个不归我管\n客户：啊？\n"
    done = subprocess.run(
        [str(script), "check", "-", RUDE, "--format", "jsonl", "--fail-on", "critical"],
        input=data.encode("utf-8"),
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr.decode()
    ids = [json.loads(line)["transcript_id"] for line in done.stdout.decode("utf-8").splitlines()]
    assert ids == ["sub-1", "example-002"]
    assert b"Traceback" not in done.stderr
    version = subprocess.run([str(script), "--version"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("servicecheck ")


def test_the_cli_reference_in_the_docs_is_what_the_parser_prints():
    from servicecheck.cli import reference_markdown

    committed = (REPO / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(), (
        "regenerate: python -c 'from servicecheck.cli import reference_markdown; print(reference_markdown(), end=\"\")' > docs/reference/cli.md"
    )
