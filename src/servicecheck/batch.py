"""Batches: many transcripts, in order, optionally on several processes; one bad record never stops it.

``run_batch`` takes transcripts, dicts, paths or reader ``Record`` objects and yields, in input order,
a ``Report`` for each good item and a ``RecordError`` for each bad one. With ``workers > 1`` items go to
a process pool in chunks, with a bounded number of chunks in flight, so a JSONL file of any size streams
through in bounded memory. Each worker builds its own Checker once, from the pack's validated content.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import sys
import warnings
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Optional, Union, overload

from pydantic import BaseModel, ConfigDict

from .io.records import Record
from .model import _SURROGATE, Report

if TYPE_CHECKING:  # pragma: no cover
    from .checker import Checker


class RecordError(BaseModel):
    """An input record that could not be checked: where it was and why. ``ok`` is always False."""

    model_config = ConfigDict(frozen=True)

    source: Optional[str] = None
    line: Optional[int] = None
    index: int
    transcript_id: Optional[str] = None
    error: str
    ok: bool = False


Result = Union[Report, RecordError]


def _describe(item: Any) -> tuple[Optional[str], Optional[int]]:
    if isinstance(item, Record):
        return item.source, item.line
    if isinstance(item, (str, Path)):
        return str(item), None
    return None, None


def _transcript_id(item: Any) -> Optional[str]:
    """The id of a bad item, for its error row, when it has a usable one. Never raises: the id is as
    untrusted as the rest of the item (a 5,000-digit number, an object, a property that fails)."""
    try:
        if isinstance(item, Record):
            value = item.transcript.id if item.transcript is not None else None
        elif isinstance(item, dict):
            value = item.get("id")
        elif isinstance(item, (str, Path, bytes)):
            value = None
        else:
            value = getattr(item, "id", None)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return value if isinstance(value, str) else None
    except Exception:  # noqa: BLE001
        return None


@overload
def _encodable(text: str) -> str: ...
@overload
def _encodable(text: Optional[str]) -> Optional[str]: ...
def _encodable(text: Optional[str]) -> Optional[str]:
    """``text`` with lone surrogates (a JSON "\\ud800", a file name that is not UTF-8) written as
    ``\\udcff`` escapes, so an error row can always be printed as UTF-8."""
    if text is None or not _SURROGATE.search(text):
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def check_one(checker: "Checker", item: Any, index: int) -> Result:
    """Check one item; any failure becomes a ``RecordError`` (never raises for bad data). A checker
    that redacts masks personal data in error rows too (a message may quote the input)."""
    return _redacted(checker, _check_one(checker, item, index))


def _redacted(checker: "Checker", result: Result) -> Result:
    if checker.redact and isinstance(result, RecordError):
        from .privacy import redact_record_error

        result = redact_record_error(result)
    return result


def _check_one(checker: "Checker", item: Any, index: int) -> Result:
    source, line = _describe(item)
    try:
        if isinstance(item, Record):
            if item.error is not None:
                return RecordError(
                    source=_encodable(source),
                    line=line,
                    index=index,
                    transcript_id=_encodable(item.id),
                    error=_encodable(str(item.error)),
                )
            item = item.transcript
        return checker.check(item, default_id=f"item-{index}")
    except Exception as exc:  # noqa: BLE001 - one bad record must never stop a batch; it becomes a row
        return RecordError(
            source=_encodable(source),
            line=line,
            index=index,
            transcript_id=_encodable(_transcript_id(item)),
            error=_encodable(error_message(exc)),
        )


def error_message(exc: BaseException) -> str:
    """One line saying what went wrong with a record (also used by servicecheck.spark)."""
    text = str(exc).strip().replace("\n", "; ") or type(exc).__name__
    return text if len(text) <= 2000 else text[:2000] + "…"


# -- reports as JSON ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportJson:
    """A report already written as its JSON line (``check_many(as_json=True)``), with the few fields a
    batch writer decides on. Worker processes write it, so the process that collects results does no
    per-report work beyond writing ``json``; ``report()`` reads the full ``Report`` back when needed.

    ``json`` is exactly the line ``servicecheck check --format jsonl`` writes (without the line break).
    ``flagged`` holds the severities of the findings that are not hits (violations, missing stages,
    failed checks), for ``--fail-on``."""

    json: str
    transcript_id: str
    score: float
    passed: bool
    flagged: tuple[str, ...]

    ok = True

    @classmethod
    def of(cls, report: Report) -> "ReportJson":
        flagged = tuple(sorted({f.severity for f in report.findings if f.kind != "hit"}))
        line = json.dumps(report.model_dump(mode="json"), ensure_ascii=False)
        return cls(line, report.transcript_id, report.score, report.passed, flagged)

    def report(self) -> Report:
        return Report.model_validate_json(self.json)


def check_item(checker: "Checker", item: Any, index: int) -> list[Result]:
    """The results of one input item, numbered from ``index``: one, or none or several for a JSONL line
    read with ``defer_parsing`` (parsed here; a recogniser's output may hold several calls)."""
    if not (isinstance(item, Record) and item.unparsed is not None):
        return [check_one(checker, item, index)]
    try:
        parts = item.parsed()
    except Exception as exc:  # noqa: BLE001 - a reader's bug on one line must not stop the batch
        error = RecordError(
            source=_encodable(item.source), line=item.line, index=index, error=_encodable(error_message(exc))
        )
        return [_redacted(checker, error)]
    return [check_one(checker, part, index + offset) for offset, part in enumerate(parts)]


def _numbered(result: Result, index: int) -> Result:
    """An error row with its place in the output: a worker numbers the records of a deferred line as if
    each line held one."""
    if isinstance(result, RecordError) and result.index != index:
        return result.model_copy(update={"index": index})
    return result


# -- worker processes -------------------------------------------------------------------------------------
_WORKER_CHECKER: Optional["Checker"] = None


def _init_worker(pack_content: dict, options: dict) -> None:
    global _WORKER_CHECKER
    from .checker import Checker
    from .pack.load import load_pack

    _WORKER_CHECKER = Checker(load_pack(pack_content), **options)
    _WORKER_CHECKER.segmenter.warm_up()
    # This process only ever checks: what it holds now (the pack, the dictionary, the matchers) lives
    # as long as it does, so the garbage collector need not walk it again and again.
    gc.freeze()


Sent = Union[str, ReportJson, RecordError]


def _check_chunk(chunk: list[tuple[int, Any]], as_json: bool) -> list[list[Sent]]:
    """The results of each item of ``chunk``. Reports travel back as JSON: as the final ``ReportJson``
    when the caller writes JSON anyway, otherwise as pydantic's JSON, which it writes and reads in Rust
    in about half the time of pickling and unpickling the report's objects (250 against 420 us for a
    40-utterance call)."""
    assert _WORKER_CHECKER is not None
    return [[_to_parent(r, as_json) for r in check_item(_WORKER_CHECKER, item, index)] for index, item in chunk]


def _to_parent(result: Result, as_json: bool) -> Sent:
    if isinstance(result, Report):
        return ReportJson.of(result) if as_json else result.model_dump_json()
    return result


def _from_worker(result: Sent) -> Union[Result, ReportJson]:
    return Report.model_validate_json(result) if isinstance(result, str) else result


def _context() -> multiprocessing.context.BaseContext:
    """forkserver where possible: never fork a process that may hold the caller's locks mid-use.

    forkserver and spawn re-import the caller's ``__main__`` from its file in every worker. A program
    read from standard input or typed into a REPL has no file, and a script without an
    ``if __name__ == "__main__":`` guard would run again in every worker (and try to start workers of
    its own): there, and only there, fork is used. Where fork does not exist, such a script gets one
    clear error instead of a traceback per worker.
    """
    methods = multiprocessing.get_all_start_methods()
    main = sys.modules.get("__main__")
    main_file = getattr(main, "__file__", None)
    if main_file and _unguarded(main_file):
        if "fork" in methods:
            return multiprocessing.get_context("fork")
        raise RuntimeError(
            f'check_many(workers>1) from {main_file}: the script has no `if __name__ == "__main__":` '
            "guard, and on this platform every worker process would run the whole script again; "
            "put the script's work under that guard (see docs/inputs.md, 'Worker processes')"
        )
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _unguarded(main_file: str) -> bool:
    """A main script that cannot be re-imported safely: no file to import (stdin, ``-c``, a REPL), or
    no ``__name__ == "__main__"`` test anywhere in it."""
    try:
        source = Path(main_file).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    return "__main__" not in source


def run_batch(
    checker: "Checker",
    items: Iterable[Any],
    *,
    workers: int = 1,
    chunk_size: int = 32,
    max_in_flight: Optional[int] = None,
    as_json: bool = False,
) -> Iterator[Union[Result, ReportJson]]:
    """Yield a result per item, in input order (a ``ReportJson`` instead of a ``Report`` with
    ``as_json``). Results are numbered in output order (``RecordError.index``)."""
    counter = 0

    def out(result: Union[Result, ReportJson]) -> Union[Result, ReportJson]:
        nonlocal counter
        if isinstance(result, RecordError):
            result = _numbered(result, counter)
        elif as_json and isinstance(result, Report):
            result = ReportJson.of(result)
        counter += 1
        return result

    def in_this_process(numbered_items: Iterable[tuple[int, Any]]) -> Iterator[Union[Result, ReportJson]]:
        for index, item in numbered_items:
            for result in check_item(checker, item, index):
                yield out(result)

    if workers is None or workers <= 1:
        yield from in_this_process(enumerate(items))
        return
    workers = min(workers, os.cpu_count() or workers)
    in_flight_limit = max_in_flight or workers * 4
    numbered = enumerate(items)
    pending: deque[tuple[Optional[Future], list[tuple[int, Any]]]] = deque()
    warned = False
    options = {
        "cache_dir": checker.cache_dir,
        "role_map": checker.role_map,
        "limits": checker.limits,
        "redact": checker.redact,
    }
    broken = False
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=_init_worker,
        initargs=(checker.pack.portable_content(), options),
    ) as pool:
        while True:
            while not broken and len(pending) < in_flight_limit:
                chunk = list(islice(numbered, chunk_size))
                if not chunk:
                    break
                try:
                    future = pool.submit(_check_chunk, chunk, as_json)
                except BrokenProcessPool:
                    broken = True
                    future = None  # checked in this process below, still in input order
                pending.append((future, chunk))
            if not pending:
                break
            future, chunk = pending.popleft()
            try:
                if future is None:
                    raise BrokenProcessPool("the pool broke before this chunk was sent")
                for results in future.result():
                    for sent in results:
                        yield out(_from_worker(sent))
            except BrokenProcessPool:
                # A worker died (killed, out of memory). Nothing is lost: this chunk and everything
                # after it is checked here, in this process.
                if not warned:
                    warnings.warn(
                        "a worker process died; checking the rest in this process", RuntimeWarning, stacklevel=2
                    )
                broken = warned = True
                yield from in_this_process(chunk)
    yield from in_this_process(numbered)  # left over once the pool broke
