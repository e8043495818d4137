"""Check transcripts held in a Spark DataFrame: one row per finding, one score row per call.

This module is an optional extra (``pip install 'servicecheck[spark]'``: pyspark, pandas, pyarrow); the
rest of servicecheck never imports it or pyspark. Importing it does not import pyspark either: pyspark is
imported when a function is called, so the module can be shipped to executors with the rest of the
package.

    from servicecheck.spark import check_dataframe

    findings, scores = check_dataframe(df, pack="bank-cn", column="transcript")
    scores.write.parquet("scores/")
    findings.write.parquet("findings/")

Input: either shape, chosen from the DataFrame's schema.

- **JSON**: a string (or binary, UTF-8) column named ``column`` (default ``transcript``), each value one
  transcript in the JSON format servicecheck reads: ``{"id", "channel", "utterances": [{"speaker",
  "text", "start", "end"}], "metadata"}``.
- **Structured**: columns ``id``, ``utterances`` (``array<struct<speaker, text, start, end>>``) and,
  optionally, ``channel`` and ``metadata`` (a map, a struct or a JSON string). The same fields may
  instead be the fields of a struct column named ``column``. A null ``channel`` means the default
  (``phone``); speaker labels go through the role map (``坐席``/``客户`` … and ``roles``).

Output of ``check_dataframe``: ``(findings, scores)``.

- ``findings`` — :func:`findings_schema`: ``transcript_id``, ``finding_index`` (position in the
  report's ``findings``; a missing stage comes after the hits) and every field of
  :class:`servicecheck.Finding` under its own name: ``rule_id, stage, kind, severity, utterance_index,
  speaker, start, end, global_start, global_end, text, tokens, method, similarity, pattern, message,
  explanation, suggestion, time``. ``tokens`` is ``array<struct<text: string, start: int, end: int>>``.
  Offsets are Python code points into the original utterance text, end exclusive.
- ``scores`` — :func:`scores_schema`: one row per input row: ``transcript_id, pack_id, pack_version,
  pack_hash, library_version, score, passed, hits, violations, missing, error``.

A record that cannot be read or checked becomes a score row with ``error`` set (the reason, with the
field when known), ``score``, ``passed`` and the counts null, and no findings; the job goes on.
``transcript_id`` is the record's id when it can be recovered, else null, so pass ``keep=[...]`` to
carry key columns of the input (a file name, a row key) into both outputs, in front of the fields above.

Both outputs are lazy transformations of one plan, :func:`check_reports` (one row per input row: the
score columns plus ``findings`` as an array of structs), so acting on both runs the checks twice.
To check once, persist that plan and split it::

    reports = check_reports(df, pack="bank-cn").persist()
    findings, scores = split_reports(reports)

Execution: the pack is loaded and validated once on the driver and shipped inside the task closure as
its content (``pack.portable_content()``); ``mapInArrow`` runs the check in the Python workers,
where a :class:`servicecheck.Checker` is built lazily on first use and cached in a module-level dict
keyed by the pack's content hash (and the role map), so each Python worker process compiles the pack
and loads jieba once and reuses the checker for every later batch and task (Spark reuses Python
workers by default, ``spark.python.worker.reuse``). See ``docs/spark.md``.
"""

from __future__ import annotations

import functools
import json
import threading
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Optional, Sequence, Union

from . import __version__
from .checker import Checker
from .errors import InputError, ServiceCheckError
from .io import RoleMap
from .model import Finding, Report
from .pack.load import PackSource, load_pack, pack_hash
from .pack.schema import Pack

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

__all__ = [
    "check_dataframe",
    "check_reports",
    "findings_schema",
    "reports_schema",
    "scores_schema",
    "split_reports",
]

# (name, Spark SQL type, nullable); the order is the column order of the outputs.
_TOKEN_FIELDS = (("text", "string", False), ("start", "int", False), ("end", "int", False))
_ORIGIN_FIELDS = (("source", "string", False), ("start", "int", False), ("end", "int", False))
_FINDING_FIELDS = (
    ("rule_id", "string", False),
    ("stage", "string", False),
    ("kind", "string", False),
    ("severity", "string", False),
    ("utterance_index", "int", True),
    ("speaker", "string", True),
    ("start", "int", True),
    ("end", "int", True),
    ("global_start", "int", True),
    ("global_end", "int", True),
    ("text", "string", False),
    ("tokens", "tokens", False),
    ("method", "string", False),
    ("similarity", "double", False),
    ("pattern", "string", True),
    ("message", "string", False),
    ("explanation", "string", False),
    ("suggestion", "string", True),
    ("time", "double", True),
    ("needs_review", "boolean", False),
    ("origin", "origin", True),
)
_SCORE_FIELDS = (
    ("transcript_id", "string", True),
    ("pack_id", "string", False),
    ("pack_version", "string", False),
    ("pack_hash", "string", False),
    ("library_version", "string", False),
    ("score", "double", True),
    ("passed", "boolean", True),
    ("hits", "int", True),
    ("violations", "int", True),
    ("missing", "int", True),
    ("error", "string", True),
)
_FINDINGS_COLUMN = "findings"
_STRUCTURED_FIELDS = ("id", "channel", "utterances", "metadata")


# -- schemas ------------------------------------------------------------------------------------------
def _spark_type(kind: str) -> Any:
    from pyspark.sql import types as T

    if kind == "tokens":
        token = T.StructType([T.StructField(n, _spark_type(k), nullable) for n, k, nullable in _TOKEN_FIELDS])
        return T.ArrayType(token, containsNull=False)
    if kind == "origin":
        return T.StructType([T.StructField(n, _spark_type(k), nullable) for n, k, nullable in _ORIGIN_FIELDS])
    return {
        "string": T.StringType(),
        "int": T.IntegerType(),
        "double": T.DoubleType(),
        "boolean": T.BooleanType(),
    }[kind]


def _struct(fields: Iterable[tuple[str, str, bool]]) -> "StructType":
    from pyspark.sql import types as T

    return T.StructType([T.StructField(n, _spark_type(k), nullable) for n, k, nullable in fields])


def findings_schema() -> "StructType":
    """Schema of the findings DataFrame (without ``keep`` columns, which come first)."""
    from pyspark.sql import types as T

    return T.StructType(
        [
            T.StructField("transcript_id", T.StringType(), True),
            T.StructField("finding_index", T.IntegerType(), False),
            *_struct(_FINDING_FIELDS).fields,
        ]
    )


def scores_schema() -> "StructType":
    """Schema of the scores DataFrame (without ``keep`` columns, which come first)."""
    return _struct(_SCORE_FIELDS)


def reports_schema() -> "StructType":
    """Schema of :func:`check_reports`: the score columns plus ``findings: array<struct<…>>``."""
    from pyspark.sql import types as T

    finding = _struct(_FINDING_FIELDS)
    return T.StructType([*scores_schema().fields, T.StructField(_FINDINGS_COLUMN, T.ArrayType(finding, False), False)])


def _arrow_type(kind: str) -> "pa.DataType":
    import pyarrow as pa

    if kind == "tokens":
        token = pa.struct([pa.field(n, _arrow_type(k), nullable) for n, k, nullable in _TOKEN_FIELDS])
        return pa.list_(pa.field("element", token, nullable=False))
    if kind == "origin":
        return pa.struct([pa.field(n, _arrow_type(k), nullable) for n, k, nullable in _ORIGIN_FIELDS])
    return {"string": pa.string(), "int": pa.int32(), "double": pa.float64(), "boolean": pa.bool_()}[kind]


def _arrow_fields(fields: Iterable[tuple[str, str, bool]]) -> list:
    import pyarrow as pa

    return [pa.field(n, _arrow_type(k), nullable) for n, k, nullable in fields]


# -- the executor side ----------------------------------------------------------------------------------
_CHECKERS: dict[tuple, Checker] = {}
_CHECKERS_LOCK = threading.Lock()


def _checker(content: dict, expected_hash: str, roles: Optional[tuple[tuple[str, str], ...]]) -> Checker:
    """The Checker of this Python worker process for this pack, built on first use."""
    key = (expected_hash, roles)
    checker = _CHECKERS.get(key)
    if checker is None:
        with _CHECKERS_LOCK:
            checker = _CHECKERS.get(key)
            if checker is None:
                checker = Checker(load_pack(content), role_map=RoleMap(dict(roles)) if roles else None)
                if checker.pack_hash != expected_hash:
                    raise RuntimeError(
                        f"pack content changed in transit: driver hash {expected_hash}, "
                        f"executor hash {checker.pack_hash}"
                    )
                _CHECKERS[key] = checker
    return checker


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        text = f"invalid JSON: {exc}"
    elif isinstance(exc, ServiceCheckError):
        text = str(exc)  # an InputError names the field
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = text.strip().replace("\n", "; ")
    return text if len(text) <= 2000 else text[:2000] + "…"


def _id_of(data: Any) -> Optional[str]:
    if isinstance(data, dict):
        value = data.get("id")
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            return str(value)
    return None


def _from_json(value: Any) -> Any:
    if value is None:
        raise InputError("the transcript is null")
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value).decode("utf-8")
    return json.loads(value)


def _metadata(value: Any) -> Any:
    if isinstance(value, list):  # an Arrow map arrives as a list of (key, value) pairs
        return dict(value)
    if isinstance(value, (str, bytes)):
        parsed = json.loads(value)
        if not isinstance(parsed, dict):
            raise InputError("must be a JSON object", field="metadata")
        return parsed
    return value


def _from_columns(row: dict) -> dict:
    data: dict[str, Any] = {"id": row["id"], "utterances": row["utterances"]}
    if row.get("channel") is not None:
        data["channel"] = row["channel"]
    if row.get("metadata") is not None:
        data["metadata"] = _metadata(row["metadata"])
    return data


def _finding_row(finding: Finding) -> dict:
    row = finding.model_dump()
    row["tokens"] = list(row["tokens"])
    return row


def _score_row(report: Report) -> dict:
    counts = {"hit": 0, "violation": 0, "missing": 0}
    for finding in report.findings:
        counts[finding.kind] += 1
    return {
        "transcript_id": report.transcript_id,
        "pack_id": report.pack_id,
        "pack_version": report.pack_version,
        "pack_hash": report.pack_hash,
        "library_version": report.library_version,
        "score": float(report.score),
        "passed": bool(report.passed),
        "hits": counts["hit"],
        "violations": counts["violation"],
        "missing": counts["missing"],
        "error": None,
        _FINDINGS_COLUMN: [_finding_row(f) for f in report.findings],
    }


def _check_batches(
    batches: Iterator["pa.RecordBatch"],
    *,
    content: dict,
    pack_info: tuple[str, str, str],
    roles: Optional[tuple[tuple[str, str], ...]],
    shape: str,
    keep: tuple[str, ...],
) -> Iterator["pa.RecordBatch"]:
    """mapInArrow body: one output row (score columns + nested findings) per input row."""
    import pyarrow as pa

    pack_id, pack_version, hash_ = pack_info
    keep_columns = [f"_sc_keep_{i}" for i in range(len(keep))]
    finding_type = pa.struct(_arrow_fields(_FINDING_FIELDS))
    findings_type = pa.list_(pa.field("element", finding_type, nullable=False))
    report_schema = pa.schema([*_arrow_fields(_SCORE_FIELDS), pa.field(_FINDINGS_COLUMN, findings_type, False)])
    for batch in batches:
        if batch.num_rows == 0:
            continue  # an empty partition builds no Checker
        checker = _checker(content, hash_, roles)
        names = batch.schema.names
        if shape == "json":
            values = batch.column(names.index("_sc_json")).to_pylist()
            records: list[tuple[Optional[dict], Any]] = [(None, v) for v in values]
        else:
            columns = {
                name: batch.column(names.index(f"_sc_{name}")).to_pylist()
                for name in _STRUCTURED_FIELDS
                if f"_sc_{name}" in names
            }
            records = [({name: values[i] for name, values in columns.items()}, None) for i in range(batch.num_rows)]
        rows = []
        for structured, text in records:
            data: Any = None
            try:
                data = _from_json(text) if shape == "json" else _from_columns(structured)  # type: ignore[arg-type]
                if not isinstance(data, dict):
                    raise InputError(f"expected a JSON object, got {type(data).__name__}")
                rows.append(_score_row(checker.check(data)))
            except Exception as exc:  # one bad record never fails the job
                rows.append(
                    {
                        "transcript_id": _id_of(data if data is not None else structured),
                        "pack_id": pack_id,
                        "pack_version": pack_version,
                        "pack_hash": hash_,
                        "library_version": __version__,
                        "score": None,
                        "passed": None,
                        "hits": None,
                        "violations": None,
                        "missing": None,
                        "error": _error_text(exc),
                        _FINDINGS_COLUMN: [],
                    }
                )
        out = pa.RecordBatch.from_pylist(rows, schema=report_schema)
        if keep:
            kept = [batch.column(names.index(c)) for c in keep_columns]
            fields = [pa.field(keep[i], kept[i].type) for i in range(len(keep))]
            out = pa.RecordBatch.from_arrays([*kept, *out.columns], schema=pa.schema([*fields, *out.schema]))
        yield out


# -- the driver side ------------------------------------------------------------------------------------
def _input_shape(df: "DataFrame", column: str) -> tuple[str, list]:
    """("json" | "structured", the columns to project, aliased ``_sc_*``)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    fields = {f.name: f.dataType for f in df.schema.fields}
    data_type = fields.get(column)
    if isinstance(data_type, (T.StringType, T.BinaryType)):
        return "json", [F.col(f"`{column}`").alias("_sc_json")]
    if isinstance(data_type, T.StructType):
        inner = {f.name for f in data_type.fields}
        source = lambda name: F.col(f"`{column}`").getField(name)  # noqa: E731
    elif "utterances" in fields:
        inner = set(fields)
        source = lambda name: F.col(f"`{name}`")  # noqa: E731
    else:
        raise ValueError(
            f"cannot find transcripts in columns {sorted(fields)}: expected a JSON string column "
            f"{column!r}, a struct column {column!r}, or columns id, utterances[, channel, metadata]"
        )
    missing = {"id", "utterances"} - inner
    if missing:
        raise ValueError(f"structured transcripts need columns {sorted(missing)} as well")
    return "structured", [source(name).alias(f"_sc_{name}") for name in _STRUCTURED_FIELDS if name in inner]


def check_reports(
    df: "DataFrame",
    pack: Union[Pack, PackSource] = "bank-cn",
    column: str = "transcript",
    *,
    keep: Sequence[str] = (),
    roles: Optional[Mapping[str, str]] = None,
) -> "DataFrame":
    """One row per input row: ``keep`` columns, the score columns and ``findings`` (array of structs).

    ``pack`` is a built-in pack id, a YAML path (read on the driver), a dict or a :class:`Pack`;
    ``roles`` adds speaker labels to the role map (label → ``agent``/``customer``/``other``).
    Raises :class:`servicecheck.PackError` on the driver when the pack is invalid.
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    loaded = load_pack(pack)
    content = loaded.portable_content()
    hash_ = pack_hash(loaded)
    role_items = tuple(sorted(dict(roles).items())) if roles else None
    if role_items:
        RoleMap(dict(role_items))  # validate on the driver
    keep = tuple(keep)
    output_names = {f.name for f in reports_schema().fields}
    clashes = [k for k in keep if k in output_names or keep.count(k) > 1]
    if clashes:
        raise ValueError(f"keep columns {clashes} clash with each other or with output columns")
    unknown = [k for k in keep if k not in df.columns]
    if unknown:
        raise ValueError(f"keep columns {unknown} are not columns of the DataFrame")

    shape, projection = _input_shape(df, column)
    keep_projection = [F.col(f"`{k}`").alias(f"_sc_keep_{i}") for i, k in enumerate(keep)]
    projected = df.select(*keep_projection, *projection)
    keep_fields = [T.StructField(k, df.schema[k].dataType, True) for k in keep]
    schema = T.StructType([*keep_fields, *reports_schema().fields])
    body = functools.partial(
        _check_batches,
        content=content,
        pack_info=(loaded.id, loaded.version, hash_),
        roles=role_items,
        shape=shape,
        keep=keep,
    )
    return projected.mapInArrow(body, schema)


def split_reports(reports: "DataFrame") -> tuple["DataFrame", "DataFrame"]:
    """``(findings, scores)`` from the output of :func:`check_reports` (``keep`` columns carried)."""
    from pyspark.sql import functions as F

    base = {f.name for f in reports_schema().fields}
    kept = [F.col(f"`{c}`") for c in reports.columns if c not in base]
    scores = reports.select(*kept, *[F.col(f.name) for f in scores_schema().fields])
    exploded = reports.select(
        *kept, F.col("transcript_id"), F.posexplode(_FINDINGS_COLUMN).alias("finding_index", "_sc_finding")
    )
    findings = exploded.select(
        *kept,
        F.col("transcript_id"),
        F.col("finding_index").cast("int").alias("finding_index"),
        *[F.col("_sc_finding").getField(name).alias(name) for name, _, _ in _FINDING_FIELDS],
    )
    return findings, scores


def check_dataframe(
    df: "DataFrame",
    pack: Union[Pack, PackSource] = "bank-cn",
    column: str = "transcript",
    *,
    keep: Sequence[str] = (),
    roles: Optional[Mapping[str, str]] = None,
) -> tuple["DataFrame", "DataFrame"]:
    """Check every transcript of ``df``; returns ``(findings, scores)`` (see the module docstring)."""
    return split_reports(check_reports(df, pack, column, keep=keep, roles=roles))
