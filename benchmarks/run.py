"""Throughput, memory and cold-start benchmark of servicecheck against a jieba floor and a spaCy baseline.

    python benchmarks/run.py [--calls 2000] [--utterances 40] [--skip-spacy] [--skip-pure] [--workers-max 2]
    python benchmarks/run.py --calls 200 --rounds 1   # quick run
    python benchmarks/run.py --profile [--calls 500]  # (b) under cProfile, top 25 by cumulative time

One corpus (``benchmarks/corpus.py``, seeded) is generated once and written to a temporary JSONL file;
every measurement runs in its own fresh subprocess over exactly those utterances, so peak RSS
(``ru_maxrss`` inside the child) belongs to one system and every cache starts empty:

  (a) floor         jieba segmentation alone: a private ``jieba.Tokenizer()``, ``list(tok.cut(text))``
  (b) servicecheck  ``Checker("bank-cn").check(transcript)`` per call (checker built before timing), as
                    installed: the modules setup.py compiles with mypyc are extensions (the count is printed)
  (b) pure Python   the same, on a copy of the installed package's .py files without the extensions, as
                    ``SERVICECHECK_PURE_PYTHON=1`` installs it: what compiling gains, measured in the same round
  (c) baseline      ``spacy.blank("zh")`` with the jieba segmenter, a ``PhraseMatcher`` over the pack's
                    literal phrases and rapidfuzz ``fuzz.partial_ratio`` per fuzzy/homophone phrase
  workers           a batch job, JSONL file to JSONL file of reports, as ``servicecheck check --workers N``
                    runs it, for N = 1 .. --workers-max, on --workers-calls calls (default 20,000)
  cold start        ``import servicecheck`` + ``load_pack`` + ``Checker`` + first ``check``, timed inside a
                    fresh interpreter, with a warm jieba cache and with an empty one
                    (``SERVICECHECK_CACHE_DIR`` pointing at a fresh directory), median of --cold-repeats;
                    Python bytecode comes from a primed private cache (``PYTHONPYCACHEPREFIX``) as it
                    would for an installed wheel; with PYTHONDONTWRITEBYTECODE set, one more series
                    shows the start as this environment runs it (sources compiled at every start)
  hostile sizes     ``benchmarks/corners.py``: 50,000 distinct customer turns through the repeated-question
                    trigger, a 100,000-turn chat and a 1 MB agent utterance, in a fresh interpreter

(a), (b) and (c) stream the corpus file call by call and the clock runs only around the work on each
call, so reading, JSON parsing and (for servicecheck) dict → ``Transcript`` validation are outside it
(validation time is printed apart) and peak RSS is the system's, not the corpus's. Dictionary loading
is outside the clock for all three: the floor's tokenizer is initialised, the checker's segmenter
warmed up (``Checker.segmenter.warm_up()``) and spaCy's jieba called once before the first call.
Timings are wall-clock; process CPU seconds are printed next to them because the machine may be
shared (the load average before each measurement is printed as well).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corners as corners_mod  # noqa: E402
import corpus as corpus_mod  # noqa: E402

TARGET_FLOOR_RATIO = 1.5  # b >= 1.5 x a
TARGET_BASELINE_RATIO = 3.0  # b >= 3 x c
TARGET_RSS_MB = 200.0
TARGET_COLD_WARM_S = 0.8
TARGET_WORKERS_SCALING = 1.7  # workers=2 against workers=1 on 2 idle cores, batch of --workers-calls
HOMOPHONE_THRESHOLD_DEFAULT = 0.85  # the pack language's default fuzzy threshold (schema.Fuzzy.threshold)


# ================================================================================================
# children: each measurement runs in its own interpreter
# ================================================================================================
def _rss_now_mb() -> float:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _cpu_seconds() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _code_hash() -> str:
    """Hash of the servicecheck sources and the bank-cn pack this child imported.

    Other engineers commit to the same checkout while the benchmark runs; the parent compares these
    hashes across children and warns when the figures mix versions of the code.
    """
    import servicecheck
    from servicecheck.pack.load import builtin_pack_path

    root = Path(servicecheck.__file__).resolve().parent
    files = sorted(root.rglob("*.py")) + [p for p in [builtin_pack_path("bank-cn")] if p]
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(path.anchor)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class Meter:
    """Streams the corpus one call at a time and times only the work done on each call.

    The systems (a), (b) and (c) read the JSONL file call by call, so their peak RSS is the system's
    and not the corpus's; the clock (wall and process CPU) runs only around the per-call work, so
    reading, JSON parsing and (for servicecheck) ``Transcript`` validation are not counted.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.calls = self.utterances = self.chars = 0
        self.wall = self.cpu = 0.0
        self._t = self._c = 0.0
        self.rss_base_mb = _rss_now_mb()  # before the system under test is imported

    def __iter__(self):
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    call = json.loads(line)
                    self.calls += 1
                    self.utterances += len(call["utterances"])
                    self.chars += sum(len(u["text"]) for u in call["utterances"])
                    yield call

    def start(self) -> None:
        self._c, self._t = time.process_time(), time.perf_counter()

    def stop(self) -> None:
        self.wall += time.perf_counter() - self._t
        self.cpu += time.process_time() - self._c

    def result(self, **extra: Any) -> dict:
        return {
            "calls": self.calls,
            "utterances": self.utterances,
            "chars": self.chars,
            "wall": self.wall,
            "cpu": self.cpu,
            "rss_base_mb": self.rss_base_mb,
            "peak_rss_mb": _peak_rss_mb(),
            **extra,
        }


def child_floor(args: argparse.Namespace) -> dict:
    meter = Meter(args.corpus)
    import logging

    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.tmp_dir = os.environ.get("SERVICECHECK_CACHE_DIR") or None
    tok.initialize()
    tokens = 0
    for call in meter:
        texts = [u["text"] for u in call["utterances"]]
        meter.start()
        for text in texts:
            tokens += len(list(tok.cut(text)))
        meter.stop()
    return meter.result(tokens=tokens)


def _transcripts(path: str) -> list:
    from servicecheck.io import RoleMap, transcript_from_dict

    roles = RoleMap()
    return [transcript_from_dict(call, roles) for call in corpus_mod.read_jsonl(path)]


class Fingerprint:
    """Counts findings and hashes where they are, so runs can be compared without keeping the reports
    (keeping 2,000 reports alive would add their memory to the checker's peak RSS)."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.findings = 0
        self.errors = 0

    def add(self, report: Any) -> None:
        if getattr(report, "ok", True) is False:  # a RecordError from check_many
            self.errors += 1
            return
        for f in report.findings:
            self.findings += 1
            self.digest.update(f"{report.transcript_id}|{f.rule_id}|{f.utterance_index}|{f.start}|{f.end}\n".encode())

    def result(self) -> dict:
        return {"findings": self.findings, "digest": self.digest.hexdigest()[:16], "errors": self.errors}


def child_servicecheck(args: argparse.Namespace) -> dict:
    meter = Meter(args.corpus)
    from servicecheck import Checker
    from servicecheck.io import RoleMap, transcript_from_dict

    roles = RoleMap()
    checker = Checker("bank-cn")  # fresh: every cache starts empty
    checker.segmenter.warm_up()  # jieba's dictionary, loaded before the clock as for the floor
    fingerprint = Fingerprint()
    parse = 0.0
    for call in meter:
        t0 = time.perf_counter()
        transcript = transcript_from_dict(call, roles)
        parse += time.perf_counter() - t0
        meter.start()
        report = checker.check(transcript)
        meter.stop()
        fingerprint.add(report)
    from servicecheck._native import compiled_modules

    return meter.result(
        parse_seconds=parse, code=_code_hash(), compiled=len(compiled_modules()), **fingerprint.result()
    )


def pure_copy(into: Path) -> Path:
    """A copy of the installed servicecheck package's sources without its compiled extensions, for
    PYTHONPATH: the package as ``SERVICECHECK_PURE_PYTHON=1`` would install it. Found without importing
    it (this process's peak RSS is inherited by the children it measures)."""
    import importlib.util

    spec = importlib.util.find_spec("servicecheck")
    if spec is None or spec.origin is None:
        raise SystemExit("servicecheck is not installed: pip install -e .")
    package = Path(spec.origin).parent
    target = into / "servicecheck"
    shutil.copytree(package, target, ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    if not (target / "rules").exists():  # an editable install maps servicecheck.rules to the checkout's rules/
        shutil.copytree(HERE.parent / "rules", target / "rules")
    return into


class TreeSampler:
    """Samples this process's descendants (the worker pool) from /proc: peak RSS (VmHWM) and CPU time.

    ``RUSAGE_CHILDREN`` cannot see them: pool workers are started by a forkserver and never waited for
    by this process. Sampled every ``interval`` seconds, so the last fraction of a second of CPU may be
    missed; VmHWM is a high-water mark, so peaks are not.
    """

    def __init__(self, interval: float = 0.25) -> None:
        import threading

        self.interval = interval
        self.root = os.getpid()
        self.seen: dict[int, tuple[float, float]] = {}  # pid -> (peak RSS MB, CPU seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._ticks = os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> "TreeSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def _children(self, pid: int) -> list[int]:
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as handle:
                return [int(x) for x in handle.read().split()]
        except OSError:
            return []

    def sample(self) -> None:
        stack, descendants = [self.root], []
        while stack:
            for child in self._children(stack.pop()):
                descendants.append(child)
                stack.append(child)
        for pid in descendants:
            try:
                with open(f"/proc/{pid}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                cpu = (int(fields[11]) + int(fields[12])) / self._ticks
                hwm = 0.0
                with open(f"/proc/{pid}/status") as handle:
                    for line in handle:
                        if line.startswith("VmHWM:"):
                            hwm = int(line.split()[1]) / 1024
                            break
            except (OSError, IndexError, ValueError):
                continue
            old = self.seen.get(pid, (0.0, 0.0))
            self.seen[pid] = (max(old[0], hwm), max(old[1], cpu))

    def summary(self) -> dict:
        peaks = [p for p, _ in self.seen.values()]
        return {
            "descendants": len(self.seen),
            "descendant_cpu": sum(c for _, c in self.seen.values()),
            "descendant_peak_rss_mb": max(peaks, default=0.0),
            "descendant_peak_rss_sum_mb": sum(peaks),
        }


def child_workers(args: argparse.Namespace) -> dict:
    """The batch job a post-processor runs: a JSONL file in, a JSONL file of reports out, as
    ``servicecheck check FILE --workers N --format jsonl -o OUT`` does it. With N > 1 lines are parsed
    and reports written in the workers (``defer_parsing``, ``as_json``); this process only reads lines
    and writes what comes back. The clock includes starting the pool (and jieba in each worker)."""
    rss_base = _rss_now_mb()
    from servicecheck import Checker
    from servicecheck.batch import RecordError
    from servicecheck.io import iter_records

    checker = Checker("bank-cn")
    checker.segmenter.warm_up()
    out_path = Path(args.out)
    calls = errors = 0
    first = None
    with TreeSampler() as sampler, out_path.open("w", encoding="utf-8") as out:
        cpu0, t0 = _cpu_seconds(), time.perf_counter()
        records = iter_records(args.corpus, defer_parsing=args.workers > 1)
        for result in checker.check_many(records, workers=args.workers, as_json=True):
            if first is None:
                first = time.perf_counter() - t0
            if isinstance(result, RecordError):
                errors += 1
                out.write(result.model_dump_json() + "\n")
            else:
                calls += 1
                out.write(result.json + "\n")
        wall, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
    utterances = chars = 0
    with open(args.corpus, encoding="utf-8") as handle:  # streamed: peak RSS stays the batch's
        for line in handle:
            texts = [u["text"] for u in json.loads(line)["utterances"]]
            utterances += len(texts)
            chars += sum(map(len, texts))
    return {
        "calls": calls,
        "utterances": utterances,
        "chars": chars,
        "wall": wall,
        "cpu": cpu,
        "rss_base_mb": rss_base,
        "peak_rss_mb": _peak_rss_mb(),
        "workers": args.workers,
        "first_result": first,
        "code": _code_hash(),
        "errors": errors,
        "output_sha256": hashlib.sha256(out_path.read_bytes()).hexdigest()[:16],
        **sampler.summary(),
    }


def child_spacy(args: argparse.Namespace) -> dict:
    meter = Meter(args.corpus)
    with open(args.phrases, encoding="utf-8") as handle:
        phrases = json.load(handle)
    import logging

    import jieba
    import spacy
    from rapidfuzz import fuzz
    from spacy.matcher import PhraseMatcher

    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.dt.tmp_dir = os.environ.get("SERVICECHECK_CACHE_DIR") or None  # same warm cache as the others
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    matcher = PhraseMatcher(nlp.vocab)
    for rule_id, items in phrases["literal"].items():
        matcher.add(rule_id, [nlp.make_doc(p) for p in items])
    fuzzy = [(p, cutoff) for p, cutoff in phrases["fuzzy"]]
    nlp("您好，欢迎致电")  # initialise jieba's dictionary before the clock starts
    matches = fuzzy_hits = 0
    for call in meter:
        texts = [u["text"] for u in call["utterances"]]
        meter.start()
        for text in texts:
            doc = nlp(text)
            matches += len(matcher(doc))
            for phrase, cutoff in fuzzy:
                if fuzz.partial_ratio(phrase, text, score_cutoff=cutoff):
                    fuzzy_hits += 1
        meter.stop()
    return meter.result(
        matches=matches,
        fuzzy_hits=fuzzy_hits,
        literal_phrases=sum(len(v) for v in phrases["literal"].values()),
        fuzzy_phrases=len(fuzzy),
    )


def child_cold(args: argparse.Namespace) -> dict:
    with open(args.corpus, encoding="utf-8") as handle:
        first = json.loads(handle.readline())
    t0 = time.perf_counter()
    import servicecheck
    from servicecheck import Checker, load_pack

    t1 = time.perf_counter()
    pack = load_pack("bank-cn")
    t2 = time.perf_counter()
    checker = Checker(pack)
    t3 = time.perf_counter()
    checker.segmenter.warm_up()  # what the first check would do anyway; timed apart to show the split
    t4 = time.perf_counter()
    report = checker.check(first)
    t5 = time.perf_counter()
    assert servicecheck.__version__ and report.transcript_id == first["id"]
    return {
        "total": t5 - t0,
        "import": t1 - t0,
        "load_pack": t2 - t1,
        "checker": t3 - t2,
        "jieba": t4 - t3,
        "first_check": t5 - t4,
        "peak_rss_mb": _peak_rss_mb(),
        "code": _code_hash(),
    }


def _shorten_paths(stats) -> None:
    """File names relative to their sys.path entry (``servicecheck/checker.py``, ``jieba/__init__.py``)."""
    import servicecheck

    package_root = os.path.dirname(os.path.dirname(os.path.abspath(servicecheck.__file__)))  # editable installs
    roots = sorted({os.path.abspath(p) for p in sys.path if p} | {package_root}, key=len, reverse=True)

    def short(name: str) -> str:
        for root in roots:
            if name.startswith(root + os.sep):
                return name[len(root) + 1 :]
        return name

    def key(func: tuple) -> tuple:
        return (short(func[0]),) + tuple(func[1:])

    stats.stats = {
        key(func): (cc, nc, tt, ct, {key(caller): value for caller, value in callers.items()})
        for func, (cc, nc, tt, ct, callers) in stats.stats.items()
    }
    stats.fcn_list = None


def child_profile(args: argparse.Namespace) -> dict:
    import cProfile
    import io
    import pstats

    from servicecheck import Checker

    transcripts = _transcripts(args.corpus)
    checker = Checker("bank-cn")
    checker.segmenter.warm_up()
    profile = cProfile.Profile()
    t0 = time.perf_counter()
    profile.enable()
    for transcript in transcripts:
        checker.check(transcript)
    profile.disable()
    wall = time.perf_counter() - t0
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    _shorten_paths(stats)
    out.write(
        f"(b) servicecheck under cProfile: {len(transcripts)} calls in {wall:.2f} s "
        f"(profiling overhead included); servicecheck sources + pack hash {_code_hash()}\n\n"
        f"=== top 25 by cumulative time ===\n"
    )
    stats.sort_stats("cumulative").print_stats(25)
    out.write("=== top 15 by own time (tottime) ===\n")
    stats.sort_stats("tottime").print_stats(15)
    return {"text": out.getvalue()}


def child_corners(args: argparse.Namespace) -> dict:
    """The hostile sizes of ``benchmarks/corners.py``, in a process of their own."""
    return {"figures": corners_mod.measure(args.cold_repeats), "code": _code_hash()}


CHILDREN = {
    "corners": child_corners,
    "floor": child_floor,
    "servicecheck": child_servicecheck,
    "workers": child_workers,
    "spacy": child_spacy,
    "cold": child_cold,
    "profile": child_profile,
}


# ================================================================================================
# parent
# ================================================================================================
def collect_phrases() -> dict:
    """The literal and fuzzy phrase lists of ``bank-cn``, as a team writing the baseline would take them."""
    from servicecheck import load_pack

    pack = load_pack("bank-cn")
    literal: dict[str, list[str]] = {}
    fuzzy: list[tuple[str, float]] = []
    for stage in pack.stages:
        if not stage.enabled:
            continue
        for rule in stage.rules:
            if not rule.enabled:
                continue
            items = list(rule.phrases)
            if rule.fuzzy is not None:
                items += rule.fuzzy.phrases
                fuzzy += [(p, rule.fuzzy.threshold * 100) for p in rule.fuzzy.phrases]
            if rule.homophones:
                # no threshold in the pack for these: the pack language's default fuzzy threshold
                fuzzy += [(p, HOMOPHONE_THRESHOLD_DEFAULT * 100) for p in rule.phrases]
            fuzzy += [(p, HOMOPHONE_THRESHOLD_DEFAULT * 100) for p in rule.pinyin]
            if items:
                literal[rule.id] = sorted(set(items), key=items.index)
    return {"literal": literal, "fuzzy": fuzzy}


class Runner:
    def __init__(self, corpus_path: Path, env: dict, phrases_path: Optional[Path] = None) -> None:
        self.corpus_path = corpus_path
        self.env = env
        self.raw_env = env
        self.phrases_path = phrases_path

    def run(self, kind: str, *extra: str, env: Optional[dict] = None, stream: bool = False) -> dict:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--corpus", str(self.corpus_path)]
        if self.phrases_path:
            cmd += ["--phrases", str(self.phrases_path)]
        cmd += list(extra)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env or self.env, capture_output=True, text=True)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            raise SystemExit(f"benchmark child {kind!r} failed with exit status {proc.returncode}")
        lines = [line for line in proc.stdout.splitlines() if line.startswith("@@RESULT ")]
        result = json.loads(lines[-1][len("@@RESULT ") :])
        result["process_wall"] = elapsed
        return result


def _git_state() -> str:
    repo = HERE.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "log", "-1", "--format=%h %ci"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--", "src", "rules"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "servicecheck checkout: git state unknown"
    extra = f", {len(dirty)} uncommitted change(s) under src/ and rules/" if dirty else ", src/ and rules/ clean"
    return f"servicecheck checkout at commit {head}{extra}"


def _load_avg() -> str:
    try:
        return "load %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "load n/a"


def _rate_line(label: str, r: dict) -> str:
    return (
        f"{label:<34}{r['calls'] / r['wall']:>9.1f} calls/s {r['chars'] / r['wall']:>11,.0f} chars/s "
        f"{r['wall'] * 1e6 / r['utterances']:>7.1f} µs/utt   {r['wall']:>7.2f} s wall {r['cpu']:>7.2f} s cpu   "
        f"peak RSS {r['peak_rss_mb']:>6.1f} MB (before import: {r['rss_base_mb']:.1f} MB)"
    )


def _median_run(runs: list[dict]) -> dict:
    """The run with the median wall time (the lower middle one for an even count)."""
    ordered = sorted(runs, key=lambda r: r["wall"])
    return ordered[(len(ordered) - 1) // 2]


def _ratios(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def _cold_series(runner: Runner, repeats: int, warm_dir: Path, tmp: Path) -> dict[str, list[dict]]:
    series: dict[str, list[dict]] = {"warm": [], "empty": [], "no_bytecode": []}
    no_bytecode = bool(runner.raw_env.get("PYTHONDONTWRITEBYTECODE"))
    for i in range(repeats):
        series["warm"].append(runner.run("cold"))
        empty = tmp / f"empty-cache-{i}"
        empty.mkdir()
        series["empty"].append(runner.run("cold", env={**runner.env, "SERVICECHECK_CACHE_DIR": str(empty)}))
        if no_bytecode:
            series["no_bytecode"].append(
                runner.run("cold", env={**runner.raw_env, "SERVICECHECK_CACHE_DIR": str(warm_dir)})
            )
    return series


def _cold_line(label: str, runs: list[dict]) -> str:
    med = {
        k: statistics.median(r[k] for r in runs)
        for k in ("total", "import", "load_pack", "checker", "jieba", "first_check", "process_wall")
    }
    totals = [r["total"] for r in runs]
    return (
        f"{label:<34}{med['total']:>6.2f} s median of {len(runs)} (min {min(totals):.2f}, max {max(totals):.2f}); "
        f"import {med['import']:.2f} + load_pack {med['load_pack']:.2f} + Checker {med['checker']:.2f} + "
        f"jieba dictionary {med['jieba']:.2f} + first check {med['first_check']:.2f}; "
        f"whole process incl. interpreter {med['process_wall']:.2f} s"
    )


def parent(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    print(f"servicecheck benchmark — python {sys.version.split()[0]}, {os.cpu_count()} cores, {_load_avg()}")
    print(_git_state())
    t0 = time.perf_counter()
    calls = corpus_mod.generate(args.calls, args.utterances, args.seed)
    generation = time.perf_counter() - t0
    print(
        f"python benchmarks/corpus.py --calls {args.calls} --utterances {args.utterances} --seed {args.seed}"
        f"  (generated in {generation:.1f} s)"
    )
    for line in corpus_mod.describe(calls):
        print(line)

    tmp = Path(tempfile.mkdtemp(prefix="servicecheck-bench-"))
    try:
        corpus_path = tmp / "corpus.jsonl"
        corpus_mod.write_jsonl(calls, str(corpus_path))
        digest = hashlib.sha256(corpus_path.read_bytes()).hexdigest()[:16]
        print(f"corpus sha256 {digest} (every measurement below reads this same file)")
        del calls
        warm_dir = tmp / "warm-cache"
        warm_dir.mkdir()
        # Children get: the warm jieba cache dir, a fixed hash seed, and a private bytecode cache (as an
        # installed wheel has), so cold starts do not depend on whether this checkout has __pycache__.
        raw_env = {**os.environ, "PYTHONHASHSEED": "0"}
        env = {**raw_env, "SERVICECHECK_CACHE_DIR": str(warm_dir), "PYTHONPYCACHEPREFIX": str(tmp / "pycache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        phrases_path = tmp / "phrases.json"
        phrases = collect_phrases()
        phrases_path.write_text(json.dumps(phrases, ensure_ascii=False), encoding="utf-8")
        runner = Runner(corpus_path, env, phrases_path)
        runner.raw_env = raw_env
        runner.run("cold")  # primes jieba's cache in the warm directory and the bytecode cache

        if args.profile:
            print()
            print(runner.run("profile")["text"])
            return 0

        print()
        # (a), (b) and (c) run in turn, --rounds times: this machine's speed drifts by 10-20 % over a
        # minute (shared, virtual), so each ratio is taken within one round and the median reported.
        rounds: list[tuple[dict, dict, Optional[dict]]] = []
        pure_runs: list[dict] = []
        pure_env = None
        if not args.skip_pure:
            pure_path = pure_copy(tmp / "pure")
            pure_env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(pure_path), env.get("PYTHONPATH")]))}
        for number in range(1, args.rounds + 1):
            print(f"[{_load_avg()}] round {number}/{args.rounds}: (a) floor: jieba alone ...", flush=True)
            a_run = runner.run("floor")
            print(f"[{_load_avg()}] round {number}/{args.rounds}: (b) servicecheck ...", flush=True)
            b_run = runner.run("servicecheck")
            if pure_env is not None:
                print(f"[{_load_avg()}] round {number}/{args.rounds}: (b) pure Python ...", flush=True)
                pure_runs.append(runner.run("servicecheck", env=pure_env))
            c_run = None
            if not args.skip_spacy:
                print(f"[{_load_avg()}] round {number}/{args.rounds}: (c) spaCy baseline ...", flush=True)
                c_run = runner.run("spacy")
            rounds.append((a_run, b_run, c_run))
        if args.skip_spacy:
            print("(c) spaCy baseline skipped (--skip-spacy)")
        a = _median_run([r[0] for r in rounds])
        b = _median_run([r[1] for r in rounds])
        c = None if args.skip_spacy else _median_run([r[2] for r in rounds])
        workers: dict[int, dict] = {}
        if args.workers_max:
            # The batch job gets a corpus of its own, large enough for the pool's start to matter as
            # it does in a real re-check of history (same generator and seed, more calls).
            # Written by a child process: the calls never live in this one, whose peak RSS the
            # measuring children would inherit (Linux keeps ru_maxrss across fork and exec).
            workers_corpus = tmp / "workers-corpus.jsonl"
            generate = [sys.executable, str(HERE / "corpus.py"), "--calls", str(args.workers_calls)]
            generate += ["--utterances", str(args.utterances), "--seed", str(args.seed), "--out", str(workers_corpus)]
            subprocess.run(generate, check=True, capture_output=True)
            batch_runner = Runner(workers_corpus, env)
            for n in range(1, args.workers_max + 1):
                print(f"[{_load_avg()}] batch of {args.workers_calls} calls, workers={n} ...", flush=True)
                workers[n] = batch_runner.run("workers", "--workers", str(n), "--out", str(tmp / f"out-{n}.jsonl"))
        print(f"[{_load_avg()}] cold starts ...", flush=True)
        cold_series = _cold_series(runner, args.cold_repeats, warm_dir, tmp)
        warm_runs = cold_series["warm"]
        print(f"[{_load_avg()}] hostile sizes (benchmarks/corners.py) ...", flush=True)
        corners = runner.run("corners", "--cold-repeats", str(args.cold_repeats))

        rate = lambda r: r["calls"] / r["wall"]  # noqa: E731
        print()
        print("=" * 100)
        print(
            f"throughput over the same utterances (one pass each, fresh process, empty caches; "
            f"the median of {args.rounds} round(s))"
        )
        print(_rate_line("(a) floor: jieba.Tokenizer().cut", a) + f"   [{a['tokens']} tokens]")
        print(
            _rate_line("(b) servicecheck Checker.check", b)
            + f"   [{b['findings']} findings; {b['compiled']} modules compiled]"
        )
        pure = _median_run(pure_runs) if pure_runs else None
        if pure is not None:
            same = "same findings" if pure["digest"] == b["digest"] else "FINDINGS DIFFER"
            print(_rate_line("(b) pure Python, no extensions", pure) + f"   [{pure['findings']} findings, {same}]")
        print(f"{'':<34}(dict → Transcript validation, outside the clock: {b['parse_seconds']:.2f} s)")
        if c is not None:
            print(
                _rate_line("(c) spaCy + PhraseMatcher + rapidfuzz", c)
                + f"   [{c['matches']} phrase matches, {c['fuzzy_hits']} fuzzy hits; "
                f"{c['literal_phrases']} literal, {c['fuzzy_phrases']} fuzzy phrases]"
            )
        print()
        print("ratios and targets")
        ba_rounds = [rate(r[1]) / rate(r[0]) for r in rounds]
        ba = statistics.median(ba_rounds)
        print(
            f"  b/a = {ba:.2f}   target b >= {TARGET_FLOOR_RATIO} x a: {_verdict(ba >= TARGET_FLOOR_RATIO)}"
            f"   (per round: {_ratios(ba_rounds)}; on CPU seconds: "
            f"{statistics.median(r[0]['cpu'] / r[1]['cpu'] for r in rounds):.2f})"
        )
        if c is not None:
            bc_rounds = [rate(r[1]) / rate(r[2]) for r in rounds]
            bc = statistics.median(bc_rounds)
            print(
                f"  b/c = {bc:.2f}   target b >= {TARGET_BASELINE_RATIO} x c: {_verdict(bc >= TARGET_BASELINE_RATIO)}"
                f"   (per round: {_ratios(bc_rounds)}; on CPU seconds: "
                f"{statistics.median(r[2]['cpu'] / r[1]['cpu'] for r in rounds):.2f})"
            )
        else:
            print("  b/c = n/a (spaCy baseline skipped)")
        if pure_runs:
            compiled_rounds = [rate(r[1]) / rate(p) for r, p in zip(rounds, pure_runs)]
            print(
                f"  b compiled / b pure Python = {statistics.median(compiled_rounds):.2f}"
                f"   (per round: {_ratios(compiled_rounds)}; b/a pure Python: "
                f"{statistics.median(rate(p) / rate(r[0]) for r, p in zip(rounds, pure_runs)):.2f})"
            )
        peak = max(r[1]["peak_rss_mb"] for r in rounds)
        print(
            f"  peak RSS of (b) = {peak:.1f} MB   target <= {TARGET_RSS_MB:.0f} MB: "
            f"{_verdict(peak <= TARGET_RSS_MB)}   (whole process, calls streamed from the file; highest round)"
        )
        warm_median = statistics.median(r["total"] for r in warm_runs)
        print(
            f"  cold start, warm jieba cache = {warm_median:.2f} s   target <= {TARGET_COLD_WARM_S} s: "
            f"{_verdict(warm_median <= TARGET_COLD_WARM_S)}"
        )
        print()
        print("cold start: import servicecheck + load_pack + Checker + first check, timed inside a fresh interpreter")
        print("  (the jieba dictionary is loaded by the first check; it is timed apart via segmenter.warm_up())")
        print(_cold_line("  warm jieba cache", warm_runs))
        print(_cold_line("  empty cache dir", cold_series["empty"]))
        if cold_series["no_bytecode"]:
            print(_cold_line("  warm jieba cache, no bytecode", cold_series["no_bytecode"]))
            print(
                "    (the last row runs as this environment does, PYTHONDONTWRITEBYTECODE=1: an editable checkout\n"
                "     without __pycache__ compiles servicecheck's sources on every start; the others use a\n"
                "     primed private bytecode cache, like an installed wheel)"
            )
        print()
        print(
            f"workers: a JSONL file of {args.workers_calls} calls in, a JSONL file of reports out, as\n"
            "  `servicecheck check FILE --workers N --format jsonl -o OUT` runs it: iter_records(defer_parsing=N>1)\n"
            "  -> check_many(workers=N, as_json=True); fresh process each; wall time includes starting the pool"
        )
        scaling = None
        if not workers:
            print("  skipped (--workers-max 0)")
        else:
            base = workers.get(1)
            for n, r in workers.items():
                line = _rate_line(f"  workers={n}", r)
                if base and n > 1:
                    scaling = rate(r) / rate(base)
                    line += f"   scaling vs workers=1: {scaling:.2f}x"
                    if n == 2:
                        line += f"   target >= {TARGET_WORKERS_SCALING}x: {_verdict(scaling >= TARGET_WORKERS_SCALING)}"
                print(line)
                if n > 1 and r["descendants"]:
                    parent_share = r["cpu"] / (r["cpu"] + r["descendant_cpu"])
                    print(f"{'':<34}this (parent) process: {r['cpu']:.2f} s cpu, {parent_share:.1%} of the batch's CPU")
                if r["descendants"]:
                    print(
                        f"{'':<34}{r['descendants']} pool processes (incl. forkserver): "
                        f"{r['descendant_cpu']:.2f} s cpu, peak RSS {r['descendant_peak_rss_mb']:.1f} MB each at most, "
                        f"{r['descendant_peak_rss_sum_mb']:.1f} MB summed; first result after {r['first_result']:.2f} s"
                    )
                    if base and n > 1:
                        # CPU work does not depend on other load; wall time on a shared machine does.
                        work = r["descendant_cpu"] + r["cpu"]
                        cores = min(n, os.cpu_count() or n)
                        print(
                            f"{'':<34}CPU work {work:.2f} s (pool + this process) against {base['cpu']:.2f} s in one "
                            f"process: {work / base['cpu']:.2f}x; on {cores} idle cores the speed-up could be at most "
                            f"{base['cpu'] / (work / cores):.2f}x"
                        )
                if r["errors"]:
                    print(f"    WARNING: {r['errors']} RecordError results")
                if base and r["output_sha256"] != base["output_sha256"]:
                    print("    WARNING: the reports differ from those of workers=1")
            if (os.cpu_count() or 1) < args.workers_max:
                print(f"  note: only {os.cpu_count()} cores")
        print()
        print("hostile sizes (benchmarks/corners.py; median of --cold-repeats runs, the long chat once)")
        for line in corners_mod.report(corners["figures"]):
            print("  " + line)
        runs = [b, corners, *workers.values(), *warm_runs, *cold_series["empty"]]
        codes = {r["code"] for r in runs if "code" in r}
        print()
        if len(codes) > 1:
            print(
                f"WARNING: servicecheck's sources or the pack changed while the benchmark ran ({len(codes)} versions "
                f"seen: {', '.join(sorted(codes))}); the figures above mix versions: run it again"
            )
        else:
            print(f"servicecheck sources + pack hash {codes.pop() if codes else 'n/a'} (the same in every child)")
        print(f"[{_load_avg()}] total benchmark time {time.perf_counter() - started:.0f} s")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--calls", type=int, default=corpus_mod.DEFAULT_CALLS, help="calls in the corpus (default %(default)s)"
    )
    parser.add_argument(
        "--utterances",
        type=int,
        default=corpus_mod.DEFAULT_UTTERANCES,
        help="utterances per call (default %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=corpus_mod.DEFAULT_SEED, help="corpus seed (default %(default)s)")
    parser.add_argument("--skip-spacy", action="store_true", help="skip the spaCy baseline (c)")
    parser.add_argument("--skip-pure", action="store_true", help="skip (b) on the pure-Python sources")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="times (a), (b) and (c) are measured, in turn; ratios are per round, median reported (default %(default)s)",
    )
    parser.add_argument(
        "--workers-max",
        type=int,
        default=2,
        help="measure check_many(workers=N) for N = 1 .. this; 0 skips (default %(default)s)",
    )
    parser.add_argument(
        "--workers-calls",
        type=int,
        default=20000,
        help="calls in the batch the workers measurement runs (default %(default)s)",
    )
    parser.add_argument(
        "--cold-repeats", type=int, default=3, help="cold-start runs per cache state (default %(default)s)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="only run (b) under cProfile and print the top 25 functions by cumulative time",
    )
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    parser.add_argument("--phrases", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = CHILDREN[args.child](args)
        print("@@RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
        return 0
    if args.calls < 1 or args.utterances < 1 or args.cold_repeats < 1:
        parser.error("--calls, --utterances and --cold-repeats must be at least 1")
    if args.workers_max < 0:
        parser.error("--workers-max must be 0 or more")
    if not (args.skip_spacy or args.profile):
        import importlib.util

        if importlib.util.find_spec("spacy") is None:
            parser.error("the spaCy baseline needs spaCy: pip install -e '.[spacy]', or pass --skip-spacy")
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
