"""Property tests: offsets, tiling and determinism hold on any text, however messy.

The texts mix common and Traditional Chinese, ASCII, full-width forms, emoji (ZWJ sequences, skin
tones, flags), combining marks, every kind of whitespace, zero-width and bidi controls and arbitrary
code points, with phrases of the bank pack's stages dropped in at random places. The number of examples
comes from the hypothesis profile loaded in conftest.py (``ci``: 500 per property).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from servicecheck import Checker, Transcript, load_pack

# Built once for the module: compiling the pack and loading jieba's dictionary is the slow part.
CHECKER = Checker(load_pack("bank-cn"))

COMMON = (
    "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后"
    "小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长"
    "您请问帮查询账单卡号码银行客服务理解心情确认转接工作日内感谢来电再见祝愉快管办法知道自己投诉"
)
TRADITIONAL = "歡迎致電請問還有什麼幫您謝來電銀行號碼說話們這個時間對為與會東車長門開關見書語認識讓變線寫錢歸辦"
WHITESPACE = [
    " ",
    "  ",
    "\u3000",
    "\t",
    "\n",
    "\r\n",
    "\u00a0",
    "\u2002",
    "\u200a",
    "\u2028",
    "\u2029",
    "\x0b",
    "\x0c",
    "\x85",
    "\u1680",
    "\u205f",
]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f", "\u061c"]
INVISIBLE += ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
COMBINING = ["\u0301", "\u0308", "\u0327", "\u20dd", "\u3099", "\u309a", "\ufe0f", "\ufe0e", "\u0489"]
EMOJI_BASE = ["😀", "👍", "👩", "👨", "👧", "💻", "🏳", "🌈", "❤", "🙏", "📞", "🎉"]
SKIN_TONES = [chr(c) for c in range(0x1F3FB, 0x1F400)]
SPACING_ODDITIES = ["\u00a8", "\uffe3", "\u00b4", "\u2017", "\u3371", "\u33c2", "\ufdfa", "ß", "ﬁ", "①", "㎏", "Ⅻ"]
STAGE_PHRASES = [
    "您好",
    "你好",
    "您好像",
    "您号",
    "歡迎致電",
    "欢迎至电",
    "感 谢 您 的 来 电",
    "感谢您的来电",
    "祝您生活愉快",
    "再见",
    "在见",
    "不归我管",
    "不歸我管",
    "我也没办法",
    "你自己去查",
    "工号１２３４",
    "工号 0 8 1 5",
    "我是客服小王",
    "这里是星海银行信用卡中心",
    "跟您确认一下",
    "您是说要挂失对吗",
    "我非常理解您的心情",
    "给您带来不便",
    "为您转接",
    "三个工作日内",
    "明天下午3点前给您回电",
    "请问还有其他可以帮您的吗",
    "非常重视您的意见",
    "好的",
    "嗯嗯",
    "呃",
    "额",
]


@st.composite
def _emoji(draw) -> str:
    """A single emoji, or a ZWJ sequence, each part with an optional skin tone and variation selector."""
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        part = draw(st.sampled_from(EMOJI_BASE))
        part += draw(st.sampled_from(["", "", *SKIN_TONES, "\ufe0f"]))
        parts.append(part)
    emoji = "\u200d".join(parts)
    if draw(st.booleans()):
        emoji += "🇨🇳"  # a flag: two regional indicators
    return emoji


PIECE = st.one_of(
    st.sampled_from(COMMON),
    st.sampled_from(TRADITIONAL),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.text(st.characters(min_codepoint=0x41, max_codepoint=0x7A), min_size=1, max_size=6),
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
    _emoji(),
    st.sampled_from(COMBINING),
    st.sampled_from(WHITESPACE),
    st.sampled_from(INVISIBLE),
    st.sampled_from(SPACING_ODDITIES),
    st.sampled_from("，。！？、；：“”《》（）…—"),
    st.characters(exclude_categories=("Cs",)),
    st.sampled_from(STAGE_PHRASES),
    st.sampled_from(STAGE_PHRASES),
)
TEXT = st.lists(PIECE, max_size=24).map("".join)


@st.composite
def _utterance(draw, text=TEXT) -> dict:
    utterance = {"speaker": draw(st.sampled_from(["agent", "agent", "customer", "other"])), "text": draw(text)}
    if draw(st.booleans()):
        start = draw(st.floats(0, 3600, allow_nan=False))
        utterance["start"] = start
        utterance["end"] = start + draw(st.floats(0, 60, allow_nan=False))
    return utterance


TRANSCRIPTS = st.builds(
    lambda utterances, channel: Transcript.model_validate({"id": "prop", "channel": channel, "utterances": utterances}),
    st.lists(_utterance(), min_size=1, max_size=6),
    st.sampled_from(["phone", "online"]),
)


def _assert_finding_offsets(transcript: Transcript, report) -> None:
    offsets = transcript.utterance_offsets()
    global_text = transcript.global_text
    for f in report.findings:
        if f.utterance_index is None:
            assert f.start is None and f.end is None and f.text == ""
            continue
        assert 0 <= f.utterance_index < len(transcript.utterances)
        utterance = transcript.utterances[f.utterance_index]
        text = utterance.text
        assert 0 <= f.start <= f.end <= len(text), f
        assert text[f.start : f.end] == f.text, f
        assert f.global_start == offsets[f.utterance_index] + f.start, f
        assert f.global_end == offsets[f.utterance_index] + f.end, f
        assert global_text[f.global_start : f.global_end] == f.text, f
        assert f.speaker == utterance.speaker
        previous_end = 0
        for token in f.tokens:
            assert 0 <= token.start < token.end <= len(text), (f, token)
            assert text[token.start : token.end] == token.text, (f, token)
            assert token.start >= previous_end, f  # in order, not overlapping
            previous_end = token.end


@given(TRANSCRIPTS)
def test_findings_point_into_the_original_text_and_checking_is_deterministic(transcript):
    report = CHECKER.check(transcript)
    _assert_finding_offsets(transcript, report)
    assert CHECKER.check(transcript) == report
    assert CHECKER.check(Transcript.model_validate_json(transcript.model_dump_json())) == report
    assert len(report.stages) == len([s for s in CHECKER.pack.stages if s.enabled])


@given(TEXT)
def test_original_tokens_tile_the_original_text(text):
    view = CHECKER.normalizer.view(text)
    tokens = CHECKER.segmenter.tokens(view)
    position = 0
    for start, end in tokens:
        assert start == position and end > start
        position = end
    assert position == len(view.norm)
    originals = CHECKER.segmenter.original_tokens(view)
    position = 0
    for start, end in originals:
        assert start == position and end > start, originals
        position = end
    assert position == len(text)
    assert "".join(text[s:e] for s, e in originals) == text


def _aligned(view, position: int) -> bool:
    return position in (0, len(view.norm)) or view.starts[position] != view.starts[position - 1]


def _whitespace_marker(view, i: int) -> bool:
    return view.norm[i] == " " and CHECKER.normalizer.fold_char(view.original[view.starts[i]]) == " "


@given(TEXT, st.data())
def test_normalised_spans_map_back_to_text_that_normalises_the_same(text, data):
    normalizer = CHECKER.normalizer
    view = normalizer.view(text)
    assert len(view.starts) == len(view.ends) == len(view.norm)
    if not view.norm:
        return
    start = data.draw(st.integers(0, len(view.norm) - 1), label="start")
    end = data.draw(st.integers(start + 1, len(view.norm)), label="end")
    o_start, o_end = view.to_original(start, end)
    assert 0 <= o_start < o_end <= len(text)
    if _aligned(view, start) and _aligned(view, end):
        # Whitespace at the edge of a span is not part of the span's own normalisation.
        while start < end and _whitespace_marker(view, start):
            start += 1
        while end > start and _whitespace_marker(view, end - 1):
            end -= 1
        # Three normalisations depend on context, so a slice alone may differ there: a space between
        # Chinese chunks is kept only for clause pauses, Traditional text is converted phrase by
        # phrase, and Chinese digits become ASCII only in runs of three. Compare without spaces, with
        # digits unified, and after phrase conversion of both sides.
        digits = str.maketrans("零〇一二三四五六七八九幺两", "0012345678912")
        alone = normalizer.normalize(text[o_start:o_end]).replace(" ", "").translate(digits)
        inside = view.norm[start:end].replace(" ", "").translate(digits)
        convert = normalizer._converter()
        assert alone == inside or convert(alone) == convert(inside)
