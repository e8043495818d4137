"""Normalisation with offset maps, and jieba segmentation through a private tokenizer."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap

import jieba
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from servicecheck import Checker, load_pack
from servicecheck.text import NormalizeOptions, Normalizer, Segmenter, TextView, default_cache_dir

SAMPLES = [
    "您好，欢迎致电云杉银行信用卡中心，我是客服小陈，工号3086。",
    "歡迎致電星海銀行，請問有什麼可以幫您？",
    "感 谢 您 的 来 电 ， 再 见",
    "呃，您好额，我这边查一下 OK 吗",
    "ＡＢＣ１２３，Call  Back\tLater！",
    "您\u200b好\u202e，👨\u200d👩\u200d👧 家庭卡👍🏽办好了",
    "Straße ㎏ ① ＰＩＮ码",
    "",
    "   ",
]


@pytest.fixture(scope="module")
def normalizer():
    return Normalizer(NormalizeOptions(fillers=("呃", "额")))


@pytest.fixture(scope="module")
def segmenter(tmp_path_factory):
    return Segmenter(cache_dir=tmp_path_factory.mktemp("jieba-cache"))


@pytest.fixture(scope="module")
def reference_tokenizer(tmp_path_factory):
    """jieba's own tokenizer (a fresh instance, never the global one), with its cache in a temp dir."""
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(tmp_path_factory.mktemp("jieba-reference"))
    return tokenizer


# -- normalisation ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "original, normalised",
    [
        ("ＡＢＣ１２３！？", "abc123!?"),  # full-width to half-width
        ("工号０８１５", "工号0815"),
        ("Hello WORLD", "hello world"),  # case folding, one space kept between ASCII words
        ("call \t  back", "call back"),
        ("歡迎致電", "欢迎致电"),  # Traditional to Simplified
        ("請問還有什麼需要", "请问还有什么需要"),
        ("感 谢 您", "感谢您"),  # spaces between Chinese characters removed
        ("您\u3000好", "您好"),  # ideographic space too
        ("abc 您好 def", "abc 您好 def"),  # chunks of two or more characters: clause pauses, kept
        ("a 您 b", "a您b"),
        ("呃您好额", "您好"),  # fillers dropped
        ("您\u200b好\u200d", "您好"),  # zero-width characters dropped
        ("\u202e您好\u202c\u2066", "您好"),  # bidi controls dropped
        ("您\u0301好", "您好"),  # combining marks dropped
        ("您\u00a8好", "您好"),  # … also when NFKC produces them (¨ is a space plus a combining mark)
        ("ａ\uffe3ｂ", "a b"),
        ("Straße", "strasse"),
        ("", ""),
    ],
)
def test_normalize(normalizer, original, normalised):
    assert normalizer.normalize(original) == normalised


def test_normalize_options_can_be_switched_off():
    plain = Normalizer(NormalizeOptions(fullwidth=False, casefold=False, traditional=False))
    assert plain.normalize("ＡＢ歡迎Hi") == "ＡＢ歡迎Hi"
    assert plain.normalize("呃好") == "呃好"  # no fillers unless the pack lists them


def _aligned(view, position: int) -> bool:
    """True when ``position`` of the normalised text does not fall inside one original character's output."""
    return position in (0, len(view.norm)) or view.starts[position] != view.starts[position - 1]


def _whitespace_marker(normalizer, view, i: int) -> bool:
    return view.norm[i] == " " and normalizer.fold_char(view.original[view.starts[i]]) == " "


@pytest.mark.parametrize("text", SAMPLES, ids=[f"sample{i}" for i in range(len(SAMPLES))])
def test_view_maps_every_span_back_to_the_original(normalizer, text):
    view = normalizer.view(text)
    assert view.original == text
    assert len(view.starts) == len(view.ends) == len(view.norm)
    assert list(view.starts) == sorted(view.starts)
    spans = 0
    for start in range(len(view.norm)):
        for end in range(start + 1, len(view.norm) + 1):
            o_start, o_end = view.to_original(start, end)
            assert 0 <= o_start < o_end <= len(text)
            if not (_aligned(view, start) and _aligned(view, end)):
                continue
            # A whitespace marker at the edge of a span is dropped when the slice is normalised alone.
            s, e = start, end
            while s < e and _whitespace_marker(normalizer, view, s):
                s += 1
            while e > s and _whitespace_marker(normalizer, view, e - 1):
                e -= 1
            # Whether a space between Chinese chunks is kept depends on the chunks around it (a clause
            # pause is kept, ASR spelling-out is not), so compare slices with such spaces removed.
            assert normalizer.normalize(text[o_start:o_end]).replace(" ", "") == view.norm[s:e].replace(" ", ""), (
                start,
                end,
            )
            spans += 1
    assert spans or not view.norm


def test_view_offsets_of_a_traditional_phrase(normalizer):
    text = "喂，歡迎致電星海銀行"
    view = normalizer.view(text)
    start = view.norm.index("欢迎致电")
    o_start, o_end = view.to_original(start, start + 4)
    assert text[o_start:o_end] == "歡迎致電"


def _opencc_tables():
    from opencc import OpenCC

    from servicecheck.text.t2s import fast_t2s

    reference = OpenCC("t2s")
    reference.convert("")
    ((phrases, characters),) = reference._dict_chain_data
    return reference, fast_t2s(OpenCC("t2s")), phrases[2], characters[2]


_OPENCC, _FAST_T2S, _PHRASES, _CHARACTERS = _opencc_tables()
# Characters of the phrase table (where opencc's choice among phrases matters), some of the character
# table's (one with several candidates, 乾 → 干 乾, among them), separators and plain text.
_T2S_ALPHABET = sorted(set("".join(_PHRASES))) + sorted(_CHARACTERS)[:200] + list("乾儘覆藉，。 ?!-ab1的是")
_PHRASE_RUNS = st.lists(
    st.one_of(st.sampled_from(sorted(_PHRASES)), st.text(alphabet=_T2S_ALPHABET, max_size=4)), max_size=8
).map("".join)


@settings(max_examples=1500)
@given(st.one_of(_PHRASE_RUNS, st.text(alphabet=_T2S_ALPHABET, max_size=40)))
@example("龍鍾沈沒成本")  # 龍鍾 is a phrase with two candidates: opencc takes the first
@example("於萬覆乾")
def test_traditional_conversion_is_opencc_s(text):
    assert _FAST_T2S(text) == _OPENCC.convert(text)


def test_traditional_conversion_falls_back_to_opencc_when_its_tables_are_laid_out_otherwise():
    from opencc import OpenCC

    from servicecheck.text.t2s import FastT2S, fast_t2s

    assert isinstance(fast_t2s(OpenCC("t2s")).__self__, FastT2S)
    other = OpenCC("t2s")
    other.convert("")
    other._dict_chain_data = [other._dict_chain_data[0][::-1]]  # the character table first
    assert fast_t2s(other) == other.convert


def test_view_offsets_across_removed_spaces_and_fillers(normalizer):
    text = "感 谢 呃 您 的 来 电"
    view = normalizer.view(text)
    assert view.norm == "感谢您的来电"
    assert view.to_original(0, 6) == (0, len(text))
    assert text[slice(*view.to_original(2, 3))] == "您"
    assert view.to_original(3, 3) == (text.index("的"), text.index("的"))  # empty span
    assert view.to_original(6, 6) == (len(text), len(text))


# -- segmentation ----------------------------------------------------------------------------------------
def _check_tiling(spans, length):
    position = 0
    for start, end in spans:
        assert start == position and end > start, spans
        position = end
    assert position == length


@pytest.mark.parametrize("text", SAMPLES, ids=[f"sample{i}" for i in range(len(SAMPLES))])
def test_tokens_tile_normalised_and_original_text(normalizer, segmenter, text):
    view = normalizer.view(text)
    tokens = segmenter.tokens(view)
    _check_tiling(tokens, len(view.norm))
    originals = segmenter.original_tokens(view)
    _check_tiling(originals, len(text))
    assert "".join(text[s:e] for s, e in originals) == text


@pytest.mark.parametrize("text", SAMPLES + ["我是星海小李，转接到3号线 C++ 部门-A_1", "他说\u2028好的"])
def test_token_boundaries_equal_jiebas_own(normalizer, segmenter, reference_tokenizer, text):
    view = normalizer.view(text)
    ours = [view.norm[s:e] for s, e in segmenter.tokens(view)]
    assert ours == list(reference_tokenizer.cut(view.norm))
    for position in range(len(view.norm) + 1):
        boundaries = {0, len(view.norm)} | {e for _, e in segmenter.tokens(view)}
        assert segmenter.is_boundary(view, position) == (position in boundaries)


def test_segmenter_without_hmm_matches_jieba_without_hmm(normalizer, reference_tokenizer, tmp_path):
    segmenter = Segmenter(hmm=False, cache_dir=tmp_path)
    text = "我是星海小李，请问有什么可以帮您"
    view = normalizer.view(text)
    assert [view.norm[s:e] for s, e in segmenter.tokens(view)] == list(reference_tokenizer.cut(view.norm, HMM=False))


def test_segmenter_cache_goes_to_a_private_dir(tmp_path):
    cache = tmp_path / "cache" / "servicecheck"
    segmenter = Segmenter(cache_dir=cache)
    segmenter.warm_up()
    assert (cache / "jieba.cache").is_file()
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700


@pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")
def test_existing_cache_dir_is_made_private(tmp_path):
    cache = tmp_path / "shared-cache"
    cache.mkdir(mode=0o755)
    os.chmod(cache, 0o755)
    Segmenter(cache_dir=cache).warm_up()
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert (cache / "jieba.cache").is_file()


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("SERVICECHECK_CACHE_DIR", str(tmp_path / "explicit"))
    assert default_cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("SERVICECHECK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "servicecheck"


def test_checker_uses_its_cache_dir(tmp_path):
    checker = Checker(load_pack("bank-cn"), cache_dir=tmp_path / "c")
    checker.check({"id": "x", "utterances": [{"speaker": "agent", "text": "您好，转接到专员"}]})
    assert (tmp_path / "c" / "jieba.cache").is_file()


def test_global_jieba_tokenizer_is_never_touched_in_process(tmp_path):
    before_initialized = jieba.dt.initialized
    before_size = len(jieba.dt.FREQ)
    pack = _pack("dict-probe", ["星海小李子", "云杉金卡"], "小李")
    checker = Checker(pack, cache_dir=tmp_path)
    checker.check({"id": "x", "utterances": [{"speaker": "agent", "text": "我是星海小李子，办云杉金卡"}]})
    assert "星海小李子" in checker.segmenter.tokenizer.FREQ
    assert jieba.dt.initialized == before_initialized
    assert len(jieba.dt.FREQ) == before_size
    assert "星海小李子" not in jieba.dt.FREQ


def test_global_jieba_tokenizer_is_never_touched_in_a_fresh_interpreter(tmp_path):
    script = textwrap.dedent(
        """
        import jieba
        from servicecheck import Checker, load_pack
        checker = Checker(load_pack("bank-cn"))
        report = checker.check({"id": "x", "utterances": [
            {"speaker": "agent", "text": "您好，欢迎致电，我是客服小李，感谢您的来电，再见"}]})
        assert report.findings, report
        assert jieba.dt.initialized is False, "the global jieba tokenizer was initialised"
        assert jieba.dt.FREQ == {}, "words went into the global jieba dictionary"
        print("ok")
        """
    )
    env = {**os.environ, "SERVICECHECK_CACHE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def _pack(pack_id, words, phrase):
    return load_pack(
        {
            "id": pack_id,
            "version": "1",
            "dictionary": words,
            "stages": [{"id": "name", "name": "姓名", "rules": [{"id": "name.phrase", "phrases": [phrase]}]}],
        }
    )


def test_checkers_with_different_dictionaries_do_not_affect_each_other(tmp_path):
    text = "我是星海小李，很高兴为您服务"
    call = {"id": "x", "utterances": [{"speaker": "agent", "text": text}]}
    plain = Checker(_pack("plain", [], "小李"), cache_dir=tmp_path)
    before = [f.text for f in plain.check(call).findings]
    custom = Checker(_pack("custom", ["星海小李"], "小李"), cache_dir=tmp_path)

    def words(checker):
        view = checker.normalizer.view(text)
        return [view.norm[s:e] for s, e in checker.segmenter.tokens(view)]

    assert "星海小李" in words(custom)
    assert "星海小李" not in words(plain) and "小李" in words(plain)
    # 小李 sits on token boundaries only without the dictionary word.
    assert [f.text for f in custom.check(call).findings] == []
    assert [f.text for f in plain.check(call).findings] == before == ["小李"]
    assert "星海小李" not in words(Checker(_pack("again", [], "小李"), cache_dir=tmp_path))


def test_bank_pack_segmentation_equals_jieba_with_the_same_words(checker, tmp_path):
    reference = jieba.Tokenizer()
    reference.tmp_dir = str(tmp_path)
    for word, freq in checker.pack.dictionary_words():
        reference.add_word(word, freq)
    for text in SAMPLES + ["您好，转接到工单系统，感谢您的来电，再见"]:
        view = checker.normalizer.view(text)
        ours = [view.norm[s:e] for s, e in checker.segmenter.tokens(view)]
        assert ours == list(reference.cut(view.norm, HMM=checker.pack.hmm)), text


def test_one_view_segmented_by_two_segmenters(normalizer, tmp_path):
    # Views are cached by the normaliser; tokens cached on a view must not leak between segmenters.
    plain = Segmenter(cache_dir=tmp_path)
    custom = Segmenter([("星海小李", None)], cache_dir=tmp_path)
    view = normalizer.view("我是星海小李，请讲")
    assert [view.norm[s:e] for s, e in plain.tokens(view)][:4] == ["我", "是", "星海", "小李"]
    assert [view.norm[s:e] for s, e in custom.tokens(view)][:3] == ["我", "是", "星海小李"]
    assert custom.tokens_between(view, 2, 4) == [(2, 6)]
    assert plain.tokens_between(view, 2, 4) == [(2, 4)]


@pytest.mark.parametrize("text", SAMPLES, ids=[f"sample{i}" for i in range(len(SAMPLES))])
def test_tokens_between_is_a_slice_of_tokens(normalizer, segmenter, text):
    view = normalizer.view(text)
    tokens = segmenter.tokens(view)
    for start in range(len(view.norm)):
        for end in range(start + 1, len(view.norm) + 1):
            expected = [t for t in tokens if t[1] > start and t[0] < end]
            uncached = TextView(view.original, view.norm, view.starts, view.ends)  # nothing cached: runs cut on demand
            assert segmenter.tokens_between(uncached, start, end) == expected, (start, end)
            assert segmenter.tokens_between(view, start, end) == expected, (start, end)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="needs root to hand a folder to another user")
def test_cache_dir_of_another_user_is_not_used(tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    os.chmod(foreign, 0o777)
    os.chown(foreign, 65534, 65534)  # nobody
    segmenter = Segmenter(cache_dir=foreign)
    segmenter.warm_up()
    assert list(foreign.iterdir()) == []  # jieba's cache went to a private temp dir instead
    private = segmenter.tokenizer.tmp_dir
    assert private != str(foreign) and stat.S_IMODE(os.stat(private).st_mode) == 0o700
    shutil.rmtree(private, ignore_errors=True)


# -- the run cutter is jieba's cut, exactly -------------------------------------------------------------
# Common characters, ASCII letters and digits and the symbols jieba keeps inside a run: random strings of
# them hit dictionary words, unknown words (the HMM), ties and single ASCII characters.
_RUN_ALPHABET = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产"
    "种面而方后多定行学法所民得经十三之进着等部度家电力里如小心金银您好谢再见客服卡号转接理财蒋娜"
    "abcXYZ0123456789+#&._%-"
)


@settings(max_examples=300)
@given(st.text(alphabet=_RUN_ALPHABET, min_size=1, max_size=40))
@example("表表表出白鸥来")  # two routes with equal probability: jieba takes the longer first word
def test_run_cutter_equals_jieba_cut_with_and_without_hmm(segmenter, reference_tokenizer, run):
    from servicecheck.text.fastcut import RunCutter

    tokenizer = segmenter.tokenizer
    for hmm in (True, False):
        cutter = RunCutter(tokenizer.FREQ, tokenizer.total, hmm)
        for block in jieba.re_han_default.findall(run):
            ends, position = [], 0
            for word in reference_tokenizer.cut(block, HMM=hmm):
                position += len(word)
                ends.append(position)
            assert cutter.ends(block) == tuple(ends)


@pytest.mark.parametrize(
    "text, normalised",
    [
        ("您好 欢迎来电 请问有什么可以帮您", "您好 欢迎来电 请问有什么可以帮您"),  # clause pauses: kept, nothing moves
        ("您好 欢 迎来电", "您好欢迎来电"),  # a one-character chunk: spelt out, the spaces go
        ("您好  欢迎来电", "您好 欢迎来电"),  # a run of two spaces becomes one
        (" 您好 欢迎", "您好 欢迎"),  # leading space dropped
        ("您好 欢迎 ", "您好 欢迎"),  # trailing space dropped
    ],
)
def test_clause_spaces_with_and_without_an_identity_map(normalizer, text, normalised):
    view = normalizer.view(text)
    assert view.norm == normalised
    for i in range(len(view.norm)):  # every normalised character maps back onto itself
        assert text[view.starts[i] : view.ends[i]] in (view.norm[i], " ")


@settings(max_examples=300)
@given(st.text(alphabet=_RUN_ALPHABET + "蒋娜鑫琳璐珂", min_size=1, max_size=30))
@example("小蒋为您服务")
def test_hmm_lengths_equal_jieba_finalseg(chars):
    from jieba import finalseg

    from servicecheck.text.fastcut import _hmm_lengths

    assert _hmm_lengths(chars, 0) == tuple(len(w) for w in finalseg.cut(chars))


def test_hmm_lengths_follow_jiebas_force_split_words():
    from jieba import finalseg

    from servicecheck.text.fastcut import _hmm_lengths

    text = "小蒋为您服务"
    words = [w for w in finalseg.cut(text) if len(w) > 1]
    assert words, "the example needs a word of two or more characters from the HMM"
    finalseg.Force_Split_Words.add(words[0])
    try:
        expected = tuple(len(w) for w in finalseg.cut(text))
        assert _hmm_lengths(text, len(finalseg.Force_Split_Words)) == expected
        assert sum(1 for n in expected if n == 1) >= len(words[0])
    finally:
        finalseg.Force_Split_Words.discard(words[0])


@settings(max_examples=300)
@given(st.text(alphabet="ab 1２　呃额好的您ＡÉé\u0301\u200b\tﬁ①歡迎著急幺三五二零 xY¨", max_size=30))
@example("您好 欢迎来电")
@example("歡迎 幺三五二")
def test_norm_alone_equals_the_views_norm(text):
    """Customer turns are normalised without a view (Normalizer.norm); it must give the same text."""
    normalizer = Normalizer(NormalizeOptions(fillers=("呃", "额")))
    assert normalizer.norm(text) == normalizer.view(text).norm


def test_a_growing_character_set_finds_every_member_added_however_many_were_compiled():
    from servicecheck.text.normalize import _CharPresence

    presence = _CharPresence()
    assert not presence.found_in("國語")
    added = "國語說這個還會與對時後開關點電話號碼錢帳戶銀行"
    for number, char in enumerate(added):
        presence.add(char)
        presence.add(char)  # again: no change
        for earlier in added[: number + 1]:
            assert presence.found_in(f"简体{earlier}简体"), (number, earlier)
        assert not presence.found_in("简体中文的句子")
    compiled, pending = presence._state
    assert compiled is not None and len(pending) <= len(added) // 2  # compiled a few times, not at every add
