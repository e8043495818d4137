"""Spark support (the ``spark`` extra): results from Spark equal those of the Checker on the same input.

Skipped when pyspark is not installed. Needs a Java runtime (Spark runs in a JVM).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")

from servicecheck import Checker, load_pack  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning",
    "ignore::DeprecationWarning:pyspark",
)

DEV_CALLS = Path(__file__).resolve().parents[1].parent / "shared" / "dev" / "calls.jsonl"

SYNTHETIC = [
    {
        "id": "syn-good",
        "channel": "phone",
        "metadata": {"queue": "信用卡"},
        "utterances": [
            {
                "speaker": "agent",
                "text": "您好，欢迎致电青松银行，我是客服小周，工号5120，请问有什么可以帮您？",
                "start": 0.3,
                "end": 6.8,
            },
            {"speaker": "customer", "text": "你好，我想查一下上个月的信用卡账单。", "start": 7.2, "end": 10.0},
            {"speaker": "agent", "text": "好的，跟您确认一下，是尾号6621的这张卡对吗？", "start": 10.5, "end": 14.1},
            {"speaker": "customer", "text": "对的。", "start": 14.6, "end": 15.0},
            {
                "speaker": "agent",
                "text": "请您稍等，我帮您查询一下。您的账单金额是三千二百元，最后还款日是下月五号。",
                "start": 15.4,
                "end": 24.9,
            },
            {"speaker": "agent", "text": "请问还有其他可以帮您的吗？", "start": 25.3, "end": 27.0},
            {"speaker": "customer", "text": "没有了，谢谢。", "start": 27.5, "end": 28.4},
            {"speaker": "agent", "text": "感谢您的来电，祝您生活愉快，再见！", "start": 28.8, "end": 31.6},
        ],
    },
    {
        "id": "syn-rude",
        "channel": "phone",
        "utterances": [
            {"speaker": "agent", "text": "喂，什么事？", "start": 0, "end": 1},
            {
                "speaker": "customer",
                "text": "我的卡被锁了，打了三次电话都没人处理，你们怎么回事？",
                "start": 2,
                "end": 7,
            },
            {"speaker": "agent", "text": "这不归我管，你自己去网点问。", "start": 8, "end": 10},
            {"speaker": "customer", "text": "你们这是什么态度！我要投诉你。", "start": 11, "end": 13},
            {"speaker": "agent", "text": "随便你，你爱投诉就投诉，我刚才不是说了吗。", "start": 14, "end": 17},
        ],
    },
    {
        "id": 20240611,  # numeric ids become text
        "channel": "online",
        "utterances": [
            {"speaker": "客服", "text": "您号，很高兴为您服务，我是在线客服小林。"},
            {"speaker": "客户", "text": "我转账转错了人，钱能追回来吗？急死了"},
            {"speaker": "客服", "text": "我非常理解您的心情，您先别着急，我帮您提交给相关部门，三个工作日内给您回复。"},
            {"speaker": "客户", "text": "好吧"},
            {"speaker": "客服", "text": "还有什么可以帮您的吗？感谢您的咨询，在见。"},
        ],
    },
    {
        "id": "syn-traditional",
        "channel": "online",
        "utterances": [
            {"speaker": "agent", "text": "您好，歡迎諮詢，我是客服小王，很高興為您服務。", "start": 1.0, "end": 3.0},
            {"speaker": "customer", "text": "ＡＴＭ吞卡了怎麼辦", "start": 4.0, "end": 5.0},
            {
                "speaker": "agent",
                "text": "給您帶來不便非常抱歉，您好像需要帶身份證去網點領取。",
                "start": 6.0,
                "end": 9.0,
            },
            {"speaker": "agent", "text": "感謝您的來電，再見。", "start": 10.0, "end": 11.0},
        ],
    },
    {
        "id": "syn-customer-only",
        "channel": "phone",
        "utterances": [
            {"speaker": "customer", "text": "喂？喂？有人吗？", "start": 0.0, "end": 2.0},
            {"speaker": "other", "text": "您的来电即将转入人工服务。", "start": 2.5, "end": 4.0},
        ],
    },
]

UTTERANCE_TYPE = "array<struct<speaker:string,text:string,start:double,end:double>>"
STRUCTURED_SCHEMA = f"id string, channel string, utterances {UTTERANCE_TYPE}, metadata map<string,string>"


def _calls() -> list[dict]:
    calls = [dict(c) for c in SYNTHETIC]
    if DEV_CALLS.is_file():
        with DEV_CALLS.open(encoding="utf-8") as handle:
            calls.extend(json.loads(line) for line in handle if line.strip())
    return calls


def _java_available() -> bool:
    home = os.environ.get("JAVA_HOME")
    return bool(shutil.which("java") or (home and Path(home, "bin", "java").exists()))


@pytest.fixture(scope="session")
def spark():
    if not _java_available():
        pytest.fail("pyspark is installed but no Java runtime was found (install a JRE >= 17 or set JAVA_HOME)")
    from pyspark.sql import SparkSession

    env = pytest.MonkeyPatch()
    # Spark's Python workers must run this interpreter: it has servicecheck, pyarrow and pandas.
    for name in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON"):
        env.setenv(name, os.environ.get(name) or sys.executable)
    env.setenv("SPARK_LOCAL_IP", os.environ.get("SPARK_LOCAL_IP") or "127.0.0.1")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("servicecheck-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "8")  # several Arrow batches per task
        .config("spark.driver.memory", "1g")
        # A short run on a small shared machine: cheap JIT and GC, no code generation for tiny plans.
        .config("spark.driver.extraJavaOptions", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1")
        .config("spark.sql.codegen.wholeStage", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
        env.undo()


@pytest.fixture(scope="module")
def pack():
    # One loaded pack for both sides, so an edit to rules/ during the run cannot make them differ.
    return load_pack("bank-cn")


@pytest.fixture(scope="module")
def expected(pack):
    """What the Checker itself reports for ``_calls()``: (findings, scores) as sorted lists of dicts."""
    return _expected(pack, _calls())


def _only(rows: list[dict], ids: set[str]) -> list[dict]:
    return [r for r in rows if r["transcript_id"] in ids]


def _expected(pack, calls: list[dict]) -> tuple[list[dict], list[dict]]:
    findings, scores = [], []
    for report in Checker(pack).check_many(calls):
        assert report.ok, report
        counts = {kind: sum(1 for f in report.findings if f.kind == kind) for kind in ("hit", "violation", "missing")}
        scores.append(
            {
                "transcript_id": report.transcript_id,
                "pack_id": report.pack_id,
                "pack_version": report.pack_version,
                "pack_hash": report.pack_hash,
                "library_version": report.library_version,
                "score": report.score,
                "passed": report.passed,
                "hits": counts["hit"],
                "violations": counts["violation"],
                "missing": counts["missing"],
                "error": None,
            }
        )
        for index, finding in enumerate(report.findings):
            row = finding.model_dump()
            row["tokens"] = [dict(t) for t in row["tokens"]]
            findings.append({"transcript_id": report.transcript_id, "finding_index": index, **row})
    return _sorted(findings), _sorted(scores)


def _sorted(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))


def _collect(frame) -> list[dict]:
    return _sorted([row.asDict(recursive=True) for row in frame.collect()])


def _structured_rows(calls: list[dict]) -> list[tuple]:
    rows = []
    for call in calls:
        utterances = [
            (
                u["speaker"],
                u["text"],
                None if u.get("start") is None else float(u["start"]),
                None if u.get("end") is None else float(u["end"]),
            )
            for u in call["utterances"]
        ]
        metadata = {str(k): str(v) for k, v in (call.get("metadata") or {}).items()}
        rows.append((str(call["id"]), call.get("channel"), utterances, metadata))
    return rows


def test_json_column_matches_checker(spark, pack, expected):
    from servicecheck.spark import check_dataframe, findings_schema, scores_schema

    calls = _calls()
    frame = spark.createDataFrame([(json.dumps(c, ensure_ascii=False),) for c in calls], "transcript string")
    findings, scores = check_dataframe(frame, pack=pack)
    assert findings.schema == findings_schema()
    assert scores.schema == scores_schema()

    expected_findings, expected_scores = expected
    assert len(expected_scores) == len(calls)
    assert any(f["kind"] == "violation" for f in expected_findings)
    assert any(f["kind"] == "missing" for f in expected_findings)
    assert _collect(scores) == expected_scores
    assert _collect(findings) == expected_findings


def test_structured_columns_match_checker(spark, pack, expected):
    from servicecheck.spark import check_reports, split_reports

    calls = _calls()
    frame = spark.createDataFrame(_structured_rows(calls), STRUCTURED_SCHEMA)
    reports = check_reports(frame, pack=pack).persist()  # checked once, split twice
    try:
        findings, scores = split_reports(reports)
        expected_findings, expected_scores = expected
        assert _collect(scores) == expected_scores
        assert _collect(findings) == expected_findings
    finally:
        reports.unpersist()

    # The same fields nested in a struct column named like the JSON column.
    nested = spark.createDataFrame(_structured_rows(calls[:5]), STRUCTURED_SCHEMA).selectExpr(
        "named_struct('id', id, 'channel', channel, 'utterances', utterances) AS call"
    )
    findings, scores = split_reports(check_reports(nested, pack=pack, column="call"))
    ids = {str(c["id"]) for c in calls[:5]}
    expected_findings, expected_scores = (_only(rows, ids) for rows in expected)
    assert _collect(scores) == expected_scores
    assert _collect(findings) == expected_findings


def test_bad_records_become_error_rows(spark, pack, expected):
    from servicecheck.spark import check_dataframe, check_reports, split_reports

    good = SYNTHETIC[:2]
    bad = {
        "not-json": "{not json",
        "null-json": "null",
        "a-list": "[]",
        "unknown-speaker": json.dumps({"id": "bad-speaker", "utterances": [{"speaker": "robot", "text": "您好"}]}),
        "no-utterances": json.dumps({"id": "no-utterances", "channel": "phone"}),
        "sql-null": None,
    }
    rows = [(f"good-{i}", json.dumps(c, ensure_ascii=False)) for i, c in enumerate(good)]
    rows += list(bad.items())
    frame = spark.createDataFrame(rows, "row_key string, transcript string")
    reports = check_reports(frame, pack=pack, keep=["row_key"]).persist()
    findings, scores = split_reports(reports)

    by_key = {r["row_key"]: r for r in (row.asDict(recursive=True) for row in scores.collect())}
    assert set(by_key) == {key for key, _ in rows}
    for key in bad:
        row = by_key[key]
        assert row["error"], key
        assert row["score"] is None and row["passed"] is None and row["hits"] is None, key
        assert row["pack_id"] == "bank-cn" and row["pack_hash"], key
    assert by_key["not-json"]["error"].startswith("invalid JSON")
    assert "speaker" in by_key["unknown-speaker"]["error"]
    assert by_key["unknown-speaker"]["transcript_id"] == "bad-speaker"
    assert "utterances" in by_key["no-utterances"]["error"]
    assert by_key["no-utterances"]["transcript_id"] == "no-utterances"
    assert by_key["not-json"]["transcript_id"] is None

    ids = {c["id"] for c in good}
    expected_findings, expected_scores = (_only(rows, ids) for rows in expected)
    good_scores = _sorted([{k: v for k, v in by_key[f"good-{i}"].items() if k != "row_key"} for i in range(len(good))])
    assert good_scores == expected_scores
    found = [row.asDict(recursive=True) for row in findings.collect()]
    assert {r["row_key"] for r in found} == {"good-0", "good-1"}
    assert _sorted([{k: v for k, v in r.items() if k != "row_key"} for r in found]) == expected_findings
    reports.unpersist()

    # Structured input: an utterance that ends before it starts, and a null id.
    structured = _structured_rows(good) + [
        ("backwards", "phone", [("agent", "您好", 5.0, 1.0)], None),
        (None, "phone", [("agent", "您好", 0.0, 1.0)], None),
    ]
    frame = spark.createDataFrame(structured, STRUCTURED_SCHEMA)
    _, scores = check_dataframe(frame, pack=pack)
    collected = scores.collect()
    errors = {r["transcript_id"]: r["error"] for r in collected if r["error"]}
    assert set(errors) == {"backwards", None}
    assert "before start" in errors["backwards"]
    assert sorted(r["transcript_id"] for r in collected if not r["error"]) == sorted(c["id"] for c in good)


def test_extra_speaker_labels(spark, pack):
    from servicecheck.io import RoleMap
    from servicecheck.spark import check_dataframe

    call = {
        "id": "labels",
        "utterances": [
            {"speaker": "坐席A", "text": "您好，我是客服小赵，请问有什么可以帮您？"},
            {"speaker": "来电人", "text": "我想挂失一张卡。"},
        ],
    }
    roles = {"坐席A": "agent", "来电人": "customer"}
    frame = spark.createDataFrame([(json.dumps(call, ensure_ascii=False),)], "transcript string")
    findings, scores = check_dataframe(frame, pack=pack, roles=roles)
    report = Checker(pack, role_map=RoleMap(roles)).check(call)
    assert [r["score"] for r in scores.collect()] == [report.score]
    assert findings.count() == len(report.findings)
    _, unknown = check_dataframe(frame, pack=pack)
    assert "坐席A" in unknown.collect()[0]["error"]


def test_findings_schema_covers_every_finding_field():
    from servicecheck import Finding
    from servicecheck.spark import findings_schema

    columns = [f.name for f in findings_schema().fields]
    assert columns[:2] == ["transcript_id", "finding_index"]
    assert columns[2:] == list(Finding.model_fields)


def test_unknown_input_shape_is_rejected(spark, pack):
    from servicecheck.spark import check_dataframe

    frame = spark.createDataFrame([("x",)], "body string")
    with pytest.raises(ValueError, match="cannot find transcripts"):
        check_dataframe(frame, pack=pack)
    with pytest.raises(ValueError, match="keep columns"):
        check_dataframe(frame, pack=pack, column="body", keep=["score"])


def test_core_does_not_import_pyspark():
    code = (
        "import sys, servicecheck, servicecheck.cli, servicecheck.checker, servicecheck.evaluate;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('pyspark', 'pandas', 'pyarrow')"
        " or m == 'servicecheck.spark'];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
