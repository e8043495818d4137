"""servicecheck.spark on ``local[N]`` against ``check_many(workers=N)`` on the same calls.

    python benchmarks/spark_scale.py [--calls 20000] [--cores 2]

One corpus (``benchmarks/corpus.py``, seeded) is written to a JSONL file, then checked twice, each in a
fresh process:

- **Spark:** ``spark.read.text(file)`` → ``check_reports`` → the scores written as Parquet (the
  findings stay nested in the same rows). Start-up is shown apart: the session (JVM), then a warm-up
  job on a few calls, which starts the Python workers and builds one Checker in each. The figure is
  the job on all calls after that, as on a cluster where executors live for the whole job.
- **check_many:** the same file through ``iter_records(defer_parsing=True)`` →
  ``check_many(workers=N, as_json=True)`` → a JSONL file, as ``servicecheck check --workers N`` runs
  it; the pool's start (jieba in each worker) is inside its figure.

Needs the ``spark`` extra and Java 17+. Prints calls/s for each and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

_SPARK = r"""
import json, sys, time
t0 = time.perf_counter()
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
spark = (
    SparkSession.builder.master("local[{cores}]")
    .config("spark.ui.enabled", "false")
    .config("spark.ui.showConsoleProgress", "false")
    .config("spark.sql.shuffle.partitions", "{cores}")
    .config("spark.driver.memory", "2g")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
session = time.perf_counter() - t0
from servicecheck.spark import check_reports
calls = spark.read.text({corpus!r}).withColumnRenamed("value", "transcript")
t1 = time.perf_counter()
check_reports(calls.limit(8 * {cores}).repartition({cores}), pack="bank-cn").select("score").collect()
warm = time.perf_counter() - t1
t2 = time.perf_counter()
reports = check_reports(calls.repartition({cores}), pack="bank-cn")
reports.drop("findings").write.mode("overwrite").parquet({out!r})
job = time.perf_counter() - t2
rows = spark.read.parquet({out!r}).count()
print("@@RESULT " + json.dumps({{"session": session, "warm": warm, "job": job, "rows": rows}}))
spark.stop()
"""

_POOL = r"""
import json, time
t0 = time.perf_counter()
from servicecheck import Checker
from servicecheck.io import iter_records
checker = Checker("bank-cn")
checker.segmenter.warm_up()
ready = time.perf_counter() - t0
t1 = time.perf_counter()
rows = 0
with open({out!r}, "w", encoding="utf-8") as out:
    records = iter_records({corpus!r}, defer_parsing=True)
    for result in checker.check_many(records, workers={cores}, as_json=True):
        out.write((result.json if hasattr(result, "json") else result.model_dump_json()) + "\n")
        rows += 1
job = time.perf_counter() - t1
print("@@RESULT " + json.dumps({{"ready": ready, "job": job, "rows": rows}}))
"""


def _child(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    line = [x for x in done.stdout.splitlines() if x.startswith("@@RESULT ")][-1]
    return json.loads(line[len("@@RESULT ") :])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    tmp = Path(tempfile.mkdtemp(prefix="servicecheck-spark-bench-"))
    try:
        corpus = tmp / "corpus.jsonl"
        command = [sys.executable, str(HERE / "corpus.py"), "--calls", str(args.calls), "--out", str(corpus)]
        subprocess.run(command, check=True, capture_output=True)
        print(f"{args.calls} calls (benchmarks/corpus.py), {args.cores} cores, {os.cpu_count()} on this machine")
        spark = _child(_SPARK.format(cores=args.cores, corpus=str(corpus), out=str(tmp / "scores.parquet")))
        pool = _child(_POOL.format(cores=args.cores, corpus=str(corpus), out=str(tmp / "reports.jsonl")))
        spark_rate, pool_rate = spark["rows"] / spark["job"], pool["rows"] / pool["job"]
        print(
            f"servicecheck.spark local[{args.cores}]   {spark_rate:7.1f} calls/s  ({spark['job']:.1f} s for "
            f"{spark['rows']} rows; start-up apart: session {spark['session']:.1f} s, first job with "
            f"Python workers and Checkers {spark['warm']:.1f} s)"
        )
        print(
            f"check_many(workers={args.cores})       {pool_rate:7.1f} calls/s  ({pool['job']:.1f} s for "
            f"{pool['rows']} rows, pool start inside; Checker before it {pool['ready']:.1f} s)"
        )
        print(f"spark / check_many = {spark_rate / pool_rate:.2f}")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
