"""Concurrency: one Checker shared by many threads gives exactly the serial results; packs with
different dictionaries in one process stay apart and never touch jieba's global tokenizer; the jieba
cache is private and a corrupt one is rebuilt, not trusted.
"""

from __future__ import annotations

import json
import marshal
import os
import pickle
import random
import stat
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jieba
import pytest
from conftest import DEV_CALLS, REPO

from servicecheck import Checker, Transcript, load_pack
from servicecheck.io import read_transcripts
from servicecheck.text import Segmenter

THREADS = 8
INDEPENDENT_CALLS = REPO / "tests" / "data" / "independent-calls.jsonl"

AGENT = [
    "您好，欢迎致电星海银行信用卡中心，我是客服小李，工号2031，请问有什么可以帮您？",
    "歡迎致電星海銀行，請問有什麼可以幫您？",
    "感 谢 您 的 来 电 ， 再 见",
    "我非常理解您的心情，给您带来不便非常抱歉。",
    "这个不归我管，你自己去查吧。",
    "好的，跟您确认一下，您是要挂失尾号8836的卡对吗？",
    "我这边为您转接到专员，三个工作日内给您回电。",
    "请问还有其他可以帮您的吗？感谢您的来电，祝您生活愉快，再见。",
    "您\u200b好\u202e，👨\u200d👩\u200d👧 家庭卡👍🏽办好了",
    "ＡＢＣ１２３，卡号６２２２０２０２００１１２２３３４４５",
    "呃，您号，我这边查一下 OK 吗，在见",
    "理财产品有风险，投资须谨慎。",
]
CUSTOMER = [
    "喂，你好，我信用卡丢了。",
    "你们太慢了，我要投诉！",
    "嗯。",
    "好的，谢谢。",
    "我上个月的账单不对。",
    "什么破银行，气死我了",
]


def _synthetic(count: int, seed: int = 11) -> list[Transcript]:
    rnd = random.Random(seed)
    calls = []
    for n in range(count):
        utterances, clock = [], rnd.uniform(0, 8)
        for turn in range(rnd.randint(1, 14)):
            speaker = "agent" if turn % 2 == 0 else rnd.choice(["customer", "customer", "other"])
            text = rnd.choice(AGENT if speaker == "agent" else CUSTOMER)
            if rnd.random() < 0.5:  # a fresh text, so threads fill the caches at the same time
                text = (
                    text[: rnd.randint(0, len(text))]
                    + rnd.choice("，。嗯呃好的")
                    + str(n)
                    + text[rnd.randint(0, len(text)) :]
                )
            length = rnd.uniform(0.3, 9)
            start = max(0.0, clock + rnd.uniform(-2, 12))
            utterances.append(
                {"speaker": speaker, "text": text, "start": round(start, 2), "end": round(start + length, 2)}
            )
            clock = start + length
        calls.append(
            Transcript.model_validate(
                {"id": f"syn-{n}", "channel": rnd.choice(["phone", "online"]), "utterances": utterances}
            )
        )
    return calls


def _corpus() -> list[Transcript]:
    calls = _synthetic(240)
    for path in (DEV_CALLS, INDEPENDENT_CALLS):
        if path.is_file():
            calls.extend(read_transcripts(path))
    return calls


@pytest.fixture(scope="module")
def corpus() -> list[Transcript]:
    return _corpus()


@pytest.fixture(scope="module")
def serial(corpus) -> list[dict]:
    checker = Checker(load_pack("bank-cn"))
    return [checker.check(t).model_dump() for t in corpus]


def test_the_dev_calls_are_part_of_the_corpus(corpus):
    if not DEV_CALLS.is_file():
        pytest.skip(f"labelled dev calls not found at {DEV_CALLS}")
    assert sum(t.id.startswith("dev-") for t in corpus) >= 10


def test_one_checker_shared_by_8_threads_gives_the_serial_results(corpus, serial):
    """A cold checker (nothing loaded, every cache empty) hit by 8 threads at once, started together
    and switching often, then again warm and in another order."""
    shared = Checker(load_pack("bank-cn"))
    start = threading.Barrier(THREADS)
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # interleave the threads as finely as possible
    try:

        def work(part: int) -> list[tuple[int, dict]]:
            start.wait()
            return [(i, shared.check(corpus[i]).model_dump()) for i in range(part, len(corpus), THREADS)]

        with ThreadPoolExecutor(THREADS) as pool:
            results = dict(pair for chunk in pool.map(work, range(THREADS)) for pair in chunk)
        assert [results[i] for i in range(len(corpus))] == serial

        order = list(range(len(corpus))) * 2
        random.Random(5).shuffle(order)
        with ThreadPoolExecutor(THREADS) as pool:
            again = list(pool.map(lambda i: (i, shared.check(corpus[i]).model_dump()), order))
        for i, dumped in again:
            assert dumped == serial[i], corpus[i].id
    finally:
        sys.setswitchinterval(previous)


def test_check_many_from_several_threads_on_one_checker(corpus, serial):
    shared = Checker(load_pack("bank-cn"))
    with ThreadPoolExecutor(4) as pool:
        outputs = list(pool.map(lambda _: [r.model_dump() for r in shared.check_many(corpus)], range(4)))
    assert all(output == serial for output in outputs)


def test_explain_and_check_at_the_same_time(corpus, serial):
    shared = Checker(load_pack("bank-cn"))
    with ThreadPoolExecutor(THREADS) as pool:
        explained = pool.map(lambda text: shared.explain(text), AGENT * 8)
        checked = pool.map(lambda t: shared.check(t).model_dump(), corpus)
        rows = list(explained)
        assert list(checked) == serial
    alone = Checker(load_pack("bank-cn"))
    assert rows == [alone.explain(text) for text in AGENT * 8]


def _name_pack(pack_id: str, words: list[str]):
    return load_pack(
        {
            "id": pack_id,
            "dictionary": words,
            "stages": [{"id": "name", "name": "姓名", "rules": [{"id": "name.li", "phrases": ["小李"]}]}],
        }
    )


def test_two_packs_with_different_dictionaries_checked_at_the_same_time_stay_apart(tmp_path):
    text = "我是星海小李，很高兴为您服务"
    call = {"id": "x", "utterances": [{"speaker": "agent", "text": text}]}
    plain = Checker(_name_pack("plain", []), cache_dir=tmp_path)
    custom = Checker(_name_pack("custom", ["星海小李"]), cache_dir=tmp_path)

    def words(checker):
        view = checker.normalizer.view(text)
        return [view.norm[s:e] for s, e in checker.segmenter.tokens(view)]

    def run(checker):
        return [([f.text for f in checker.check(call).findings], words(checker)) for _ in range(50)]

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(run, [plain, custom] * 4))
    for checker, outcome in zip([plain, custom] * 4, outcomes):
        expected = ([], ["我", "是", "星海小李"]) if checker is custom else (["小李"], ["我", "是", "星海", "小李"])
        for found, tokens in outcome:
            assert found == expected[0] and tokens[: len(expected[1])] == expected[1]


def test_jieba_global_tokenizer_stays_uninitialised_with_two_packs_in_threads(tmp_path):
    script = textwrap.dedent(
        """
        import threading
        import jieba
        from servicecheck import Checker, load_pack

        def pack(pack_id, words):
            return load_pack({"id": pack_id, "dictionary": words, "stages": [
                {"id": "n", "name": "N", "rules": [{"id": "n.li", "phrases": ["小李"]}]}]})

        checkers = [Checker(pack("a", ["星海小李"])), Checker(pack("b", ["云杉金卡"])), Checker(load_pack("bank-cn"))]
        call = {"id": "x", "utterances": [{"speaker": "agent", "text": "我是星海小李，办云杉金卡，您好再见"}]}
        errors = []

        def run(checker):
            try:
                for _ in range(20):
                    checker.check(call)
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(c,)) for c in checkers * 3]
        for t in threads: t.start()
        for t in threads: t.join()
        assert not errors, errors
        a, b = (c.segmenter.tokenizer.FREQ for c in checkers[:2])
        assert "星海小李" in a and "星海小李" not in b, "dictionary words leaked between packs"
        assert "云杉金卡" in b and "云杉金卡" not in a, "dictionary words leaked between packs"
        assert jieba.dt.initialized is False, "the global jieba tokenizer was initialised"
        assert jieba.dt.FREQ == {}, "words went into the global jieba dictionary"
        print("ok")
        """
    )
    env = {**os.environ, "SERVICECHECK_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert stat.S_IMODE((tmp_path / "cache").stat().st_mode) == 0o700


def test_jieba_cache_dir_and_file_are_private(tmp_path):
    cache = tmp_path / "deep" / "cache"
    Segmenter(cache_dir=cache).warm_up()
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert stat.S_IMODE((cache / "jieba.cache").stat().st_mode) & 0o077 == 0
    Segmenter(cache_dir=str(cache)).warm_up()  # a str works as well as a Path


def _valid_cache(tmp_path: Path) -> bytes:
    source = tmp_path / "source"
    Segmenter(cache_dir=source).warm_up()
    return (source / "jieba.cache").read_bytes()


@pytest.fixture(scope="module")
def valid_cache(tmp_path_factory) -> bytes:
    return _valid_cache(tmp_path_factory.mktemp("valid-cache"))


CORRUPTIONS = {
    "garbage": lambda valid: random.Random(1).randbytes(50_000),
    "empty": lambda valid: b"",
    "truncated": lambda valid: valid[: len(valid) // 2],
    "bit flips": lambda valid: bytes(b ^ 0x5A if i % 997 == 0 else b for i, b in enumerate(valid)),
    "wrong shape": lambda valid: marshal.dumps((1, 2)),
    "strings": lambda valid: marshal.dumps(("ab", "cd")),
    "tiny dictionary": lambda valid: marshal.dumps(({"您好": 1, "小": 1, "李": 1}, 3)),
    "wrong total": lambda valid: marshal.dumps(({f"词{i}": 1 for i in range(150_000)}, 10**9)),
    "text": lambda valid: "您好 1\n再见 2\n".encode(),
}


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_a_corrupt_jieba_cache_is_rebuilt_not_trusted(tmp_path, valid_cache, kind):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    (cache / "jieba.cache").write_bytes(CORRUPTIONS[kind](valid_cache))
    reference = jieba.Tokenizer()
    reference.tmp_dir = str(tmp_path / "reference")
    reference.add_word("星海小李")
    checker = Checker(_name_pack("c", ["星海小李"]), cache_dir=cache)
    text = "我是星海小李，请问您今天办理什么业务，信用卡还是储蓄卡"
    view = checker.normalizer.view(text)
    assert [view.norm[s:e] for s, e in checker.segmenter.tokens(view)] == list(reference.cut(view.norm))
    report = checker.check({"id": "x", "utterances": [{"speaker": "agent", "text": "您好，小李为您服务"}]})
    assert [f.text for f in report.findings] == ["小李"]
    # The cache file was replaced by a good one, which the next segmenter loads as it is.
    freq, total = marshal.loads((cache / "jieba.cache").read_bytes())
    assert len(freq) > 100_000 and total > 0
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700


def test_a_directory_in_place_of_the_cache_file(tmp_path):
    cache = tmp_path / "cache"
    (cache / "jieba.cache").mkdir(parents=True)
    checker = Checker(_name_pack("d", []), cache_dir=cache)
    assert [
        f.text for f in checker.check({"id": "x", "utterances": [{"speaker": "agent", "text": "我是小李"}]}).findings
    ] == ["小李"]


def test_segmenters_building_at_once_on_one_corrupt_cache(tmp_path, valid_cache):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    (cache / "jieba.cache").write_bytes(valid_cache[:1000])
    segmenters = [Segmenter(cache_dir=cache) for _ in range(4)]
    start = threading.Barrier(len(segmenters))

    def build(segmenter):
        start.wait()
        segmenter.warm_up()
        return len(segmenter.tokenizer.FREQ)

    with ThreadPoolExecutor(len(segmenters)) as pool:
        sizes = list(pool.map(build, segmenters))
    assert len(set(sizes)) == 1 and sizes[0] > 100_000


def test_a_checker_pickles_only_as_its_pack():
    """A Checker holds locks and compiled automata: it is not picklable, by design. What crosses a
    process boundary is the pack (batch workers and Spark send ``pack.model_dump``); a Checker rebuilt
    from an unpickled pack gives the same reports."""
    checker = Checker(load_pack("bank-cn"))
    try:
        pickle.dumps(checker)
    except (TypeError, pickle.PicklingError, AttributeError):
        pass
    else:  # pragma: no cover - if Checker ever becomes picklable, this test should check the round trip
        pytest.skip("Checker became picklable: extend this test to compare the round trip")
    pack = pickle.loads(pickle.dumps(checker.pack))
    rebuilt = Checker(pack)
    assert rebuilt.pack_hash == checker.pack_hash
    for transcript in _synthetic(30, seed=3):
        assert rebuilt.check(transcript).model_dump() == checker.check(transcript).model_dump()
    report = checker.check(_synthetic(1)[0])
    assert pickle.loads(pickle.dumps(report)) == report
    assert json.loads(report.model_dump_json())["transcript_id"] == report.transcript_id


def test_a_valid_jieba_cache_loads_as_jieba_itself_would_load_it(tmp_path, valid_cache):
    """The segmenter reads jieba's cache with marshal.loads (three times faster than jieba's
    marshal.load on the file); the dictionary it gets must be the one jieba's initialize gets."""
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    (cache / "jieba.cache").write_bytes(valid_cache)
    reference = jieba.Tokenizer()
    reference.tmp_dir = str(cache)
    reference.initialize()
    segmenter = Segmenter(cache_dir=cache)
    segmenter.warm_up()
    assert segmenter.tokenizer.initialized
    assert segmenter.tokenizer.total == reference.total
    assert segmenter.tokenizer.FREQ == reference.FREQ
    assert (cache / "jieba.cache").read_bytes() == valid_cache  # loaded, not rebuilt


def test_importing_servicecheck_does_not_import_pkg_resources():
    """jieba would import setuptools' pkg_resources (50 ms of start-up, a deprecation warning) only to
    open its own data files; servicecheck imports jieba without it, and jieba still segments."""
    code = (
        "import sys, servicecheck, jieba; "
        "from servicecheck.text import Segmenter; "
        "assert 'pkg_resources' not in sys.modules, 'pkg_resources was imported'; "
        "print(list(jieba.Tokenizer().cut('您好请问有什么可以帮您')))"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", code], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "您好" in done.stdout
