"""The ``servicecheck`` command: formats, stdin, exit statuses and one-line errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from conftest import EXAMPLES, REPO, RULES, call, servicecheck_script

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
