"""Writes the speech-recogniser fixtures beside this file: one synthetic call in every vendor format.

The call (星海银行 credit-card centre: an annual fee charged by mistake, transferred to a specialist team)
is made up, and so are every number and id. Each format follows the structures documented in
shared/research/asr-formats.md, so the readers are tested against what the vendors write rather than
against the readers' own idea of it. Deterministic: the same files come out on every run.

    python tests/data/asr/make_fixtures.py
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PUNCTUATION = "，。？！、"
AGENT, CUSTOMER = "agent", "customer"

# Words separated by spaces (the vendors that give words use this segmentation), punctuation standalone.
# Numbers are Chinese numerals, as recognisers write them without inverse text normalisation.
TURNS = [
    (AGENT, "您好 ， 星海 银行 信用卡 中心 ， 工号 三七五二 ， 很 高兴 为 您 服务 ， 请问 有 什么 可以 帮 您 ？"),
    (CUSTOMER, "喂 ， 你好 ， 我 这个 月 的 账单 多 扣 了 一 笔 年费 ， 我 根本 没 开通 过 ， 你们 怎么 回事 啊 ？"),
    (AGENT, "先生 您 别 着急 ， 非常 抱歉 给 您 带来 困扰 ， 我 理解 您 的 心情 ， 请问 您 的 卡片 尾号 是 多少 ？"),
    (CUSTOMER, "尾号 幺三八六 。"),
    (AGENT, "好 的 ， 跟 您 核实 一下 ， 尾号 幺三八六 ， 是 您 本人 的 卡片 对 吗 ？"),
    (CUSTOMER, "对 ， 是 我 的 。"),
    (
        AGENT,
        "这 笔 是 年费 扣款 ， 我 这边 需要 转 给 专员 团队 核实 ， 会 在 两 个 工作日 内 给 您 回电 ， 您 看 可以 吗 ？",
    ),
    (CUSTOMER, "两 个 工作日 啊 ， 那 好 吧 ， 你们 一定 要 给 我 回 电话 啊 。"),
    (AGENT, "好 的 ， 请 您 放心 ， 专员 会 在 两 个 工作日 内 联系 您 ， 请问 还有 其他 可以 帮 您 的 吗 ？"),
    (CUSTOMER, "没有 了 。"),
    (AGENT, "感谢 您 的 来电 ， 再见 。"),
    (CUSTOMER, "再见 。"),
]
LABEL = {AGENT: "坐席", CUSTOMER: "客户"}


@dataclass
class Char:
    text: str
    start: int  # ms
    end: int


@dataclass
class WordT:
    chars: list[Char]
    punct: str = ""

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chars)

    @property
    def start(self) -> int:
        return self.chars[0].start

    @property
    def end(self) -> int:
        return self.chars[-1].end


@dataclass
class Clause:
    words: list[WordT] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(w.text + w.punct for w in self.words)

    @property
    def chars(self) -> list[Char]:
        return [c for w in self.words for c in w.chars]

    @property
    def start(self) -> int:
        return self.words[0].start

    @property
    def end(self) -> int:
        return self.words[-1].end


@dataclass
class Turn:
    role: str
    clauses: list[Clause]
    loudness: float

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.clauses)

    @property
    def words(self) -> list[WordT]:
        return [w for c in self.clauses for w in c.words]

    @property
    def chars(self) -> list[Char]:
        return [ch for c in self.clauses for ch in c.chars]

    @property
    def start(self) -> int:
        return self.clauses[0].start

    @property
    def end(self) -> int:
        return self.clauses[-1].end


def build_call() -> list[Turn]:
    """Times on FunASR's 20 ms grid: 160–240 ms a character, short pauses at commas, 0.3–1.5 s between turns."""
    rng = random.Random(20251205)
    t = 880
    turns = []
    for number, (role, line) in enumerate(TURNS):
        if number:
            t += rng.randrange(300, 1500, 20)
        clauses, clause = [], Clause()
        tokens = line.split()
        for k, token in enumerate(tokens):
            if token in PUNCTUATION:
                clause.words[-1].punct = token
                clauses.append(clause)
                clause = Clause()
                if k < len(tokens) - 1:  # after the last clause the gap to the next turn follows
                    t += rng.choice([80, 120, 160, 200, 260, 320])
                continue
            if clause.words:
                t += rng.choice([0, 0, 0, 20, 40])
            chars = []
            for ch in token:
                duration = rng.choice([160, 180, 200, 220, 240] if role == AGENT else [140, 160, 180, 200])
                chars.append(Char(ch, t, t + duration))
                t += duration
            clause.words.append(WordT(chars))
        upset = role == CUSTOMER and number < 3
        loudness = round(rng.uniform(7.4, 8.2) if upset else rng.uniform(6.3, 7.1), 1)
        turns.append(Turn(role, clauses, loudness))
    return turns


# ----------------------------------------------------------------------------------------------------
# Output helpers


def _dump(value: Any, indent: int = 0) -> str:
    """JSON that a person can read: short objects and lists of numbers on one line."""
    flat = json.dumps(value, ensure_ascii=False)
    scalars = isinstance(value, list) and all(not isinstance(v, dict) for v in value)
    if len(flat) + indent <= 110 or scalars or not isinstance(value, (dict, list)):
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        body = [f"{pad}{json.dumps(k, ensure_ascii=False)}: {_dump(v, indent + 2)}" for k, v in value.items()]
        return "{\n" + ",\n".join(body) + "\n" + " " * indent + "}"
    body = [pad + _dump(v, indent + 2) for v in value]
    return "[\n" + ",\n".join(body) + "\n" + " " * indent + "]"


def write(name: str, text: str) -> None:
    (HERE / name).write_bytes(text.encode("utf-8"))


def write_json(name: str, value: Any) -> None:
    write(name, _dump(value) + "\n")


def sec(ms: int) -> float:
    return round(ms / 1000, 3)


# ----------------------------------------------------------------------------------------------------
# FunASR

SPK = {AGENT: 1, CUSTOMER: 0}  # diarisation cluster ids: not in role order


def _stamps(chars: list[Char]) -> list[list[int]]:
    return [[c.start, c.end] for c in chars]


def funasr(turns: list[Turn]) -> list[dict]:
    clauses = [(turn, clause) for turn in turns for clause in turn.clauses]
    return [
        {
            "key": "call_0001",
            "text": "".join(t.text for t in turns),
            "timestamp": _stamps([c for t in turns for c in t.chars]),
            "sentence_info": [
                {
                    "text": clause.text,
                    "start": clause.start,
                    "end": clause.end,
                    "timestamp": _stamps(clause.chars),
                    "spk": SPK[turn.role],
                }
                for turn, clause in clauses
            ],
        }
    ]


def funasr_old_start_bug(turns: list[Turn]) -> list[dict]:
    """Before FunASR PR #2024 a clause's start was the previous clause's end (the first: 0)."""
    result = funasr(turns[:4])
    previous_end = 0
    for entry in result[0]["sentence_info"]:
        entry["start"], previous_end = previous_end, entry["end"]
    return result


def funasr_vad_segment(turns: list[Turn]) -> list[dict]:
    """spk_mode="vad_segment": one entry per VAD segment, text under ``sentence``, VAD bounds as start/end."""
    return [
        {
            "key": "call_0001",
            "text": "".join(t.text for t in turns),
            "timestamp": _stamps([c for t in turns for c in t.chars]),
            "sentence_info": [
                {
                    "start": max(0, t.start - 60),
                    "end": t.end + 100,
                    "sentence": t.text,
                    "timestamp": _stamps(t.chars),
                    "spk": SPK[t.role],
                }
                for t in turns
            ],
        }
    ]


def funasr_runtime(turns: list[Turn]) -> dict:
    """The runtime websocket server's offline message: no speakers, ``timestamp`` as a string."""
    clauses = [clause for turn in turns for clause in turn.clauses]
    return {
        "mode": "offline",
        "wav_name": "call_0001",
        "text": "".join(t.text for t in turns),
        "is_final": False,
        "timestamp": json.dumps(_stamps([c for t in turns for c in t.chars]), separators=(",", ":")),
        "stamp_sents": [
            {
                "text_seg": " ".join(c.text for c in clause.chars),
                "punc": clause.words[-1].punct,
                "start": clause.start,
                "end": clause.end,
                "ts_list": _stamps(clause.chars),
            }
            for clause in clauses
        ],
    }


# ----------------------------------------------------------------------------------------------------
# Alibaba Cloud

CHANNEL = {AGENT: 0, CUSTOMER: 1}  # stereo recording: the agent's line is the first channel


def _silence_and_rate(turns: list[Turn]) -> dict[int, tuple[int, int]]:
    """SilenceDuration (s, from the previous sentence on the same channel) and SpeechRate (chars/min)."""
    out, last_end = {}, {AGENT: 0, CUSTOMER: 0}
    for i, t in enumerate(turns):
        silence = (t.start - last_end[t.role]) // 1000
        last_end[t.role] = t.end
        out[i] = (silence, len(t.text) * 60000 // (t.end - t.start))
    return out


def aliyun(turns: list[Turn]) -> dict:
    extra = _silence_and_rate(turns)
    order = [i for role in (AGENT, CUSTOMER) for i, t in enumerate(turns) if t.role == role]  # channel by channel
    sentences = [
        {
            "EndTime": turns[i].end,
            "SilenceDuration": extra[i][0],
            "BeginTime": turns[i].start,
            "Text": turns[i].text,
            "ChannelId": CHANNEL[turns[i].role],
            "SpeechRate": extra[i][1],
            "EmotionValue": turns[i].loudness,
        }
        for i in order
    ]
    words = [
        {"Word": w.text, "EndTime": w.end, "BeginTime": w.start, "ChannelId": CHANNEL[turns[i].role]}
        for i in order
        for w in turns[i].words
    ]
    return {
        "TaskId": "c1a7f2e8d05411efa1b2c3d4e5f60001",
        "RequestId": "3F1B0C2D-7E6A-4B9C-8D1E-2A3B4C5D0001",
        "StatusText": "SUCCESS",
        "StatusCode": 21050000,
        "BizDuration": turns[-1].end + 640,
        "SolveTime": 1764316800123,
        "Result": {"Sentences": sentences, "Words": words},
    }


def aliyun_legacy(turns: list[Turn]) -> dict:
    extra = _silence_and_rate(turns)
    return {
        "result": [
            {
                "begin_time": t.start,
                "channel_id": CHANNEL[t.role],
                "emotion_value": t.loudness,
                "end_time": t.end,
                "silence_duration": extra[i][0],
                "speech_rate": extra[i][1],
                "text": t.text,
            }
            for i, t in enumerate(turns)
        ],
        "task_id": "c1a7f2e8d05411efa1b2c3d4e5f60002",
        "status_code": 21050000,
        "status_text": "SUCCESS",
        "request_time": 1764316790456,
        "solve_time": 1764316800123,
        "biz_duration": turns[-1].end + 640,
    }


def aliyun_empty() -> dict:
    return {
        "TaskId": "c1a7f2e8d05411efa1b2c3d4e5f60003",
        "RequestId": "3F1B0C2D-7E6A-4B9C-8D1E-2A3B4C5D0003",
        "StatusText": "SUCCESS_WITH_NO_VALID_FRAGMENT",
        "StatusCode": 21050003,
        "BizDuration": 15360,
        "SolveTime": 1764316861045,
    }


def aliyun_running() -> dict:
    return {
        "TaskId": "c1a7f2e8d05411efa1b2c3d4e5f60004",
        "RequestId": "3F1B0C2D-7E6A-4B9C-8D1E-2A3B4C5D0004",
        "StatusText": "RUNNING",
        "StatusCode": 21050001,
        "BizDuration": 0,
        "SolveTime": 0,
    }


def dashscope(turns: list[Turn]) -> dict:
    """Mono 8 kHz with diarization_enabled: one transcript, speaker_id per sentence (0 = agent here)."""
    sentences = [
        {
            "begin_time": t.start,
            "end_time": t.end,
            "text": t.text,
            "sentence_id": i + 1,
            "speaker_id": 0 if t.role == AGENT else 1,
            "words": [
                {"begin_time": w.start, "end_time": w.end, "text": w.text, "punctuation": w.punct} for w in t.words
            ],
        }
        for i, t in enumerate(turns)
    ]
    total = turns[-1].end + 640
    return {
        "file_url": "https://example.com/recordings/call_0001.wav",
        "properties": {
            "audio_format": "pcm_s16le",
            "channels": [0],
            "original_sampling_rate": 8000,
            "original_duration_in_milliseconds": total,
        },
        "transcripts": [
            {
                "channel_id": 0,
                "content_duration_in_milliseconds": sum(t.end - t.start for t in turns),
                "text": "".join(t.text for t in turns),
                "sentences": sentences,
            }
        ],
    }


# ----------------------------------------------------------------------------------------------------
# Tencent Cloud


def _clock(ms: int) -> str:
    """Tencent's Result text times: minutes:seconds.milliseconds, seconds not zero-padded."""
    return f"{ms // 60000}:{ms % 60000 // 1000}.{ms % 1000:03d}"


def _result_text(turns: list[Turn]) -> str:
    return "".join(f"[{_clock(t.start)},{_clock(t.end)},{CHANNEL[t.role]}]  {t.text}\n" for t in turns)


def tencent(turns: list[Turn]) -> dict:
    """ChannelNum=2, ResTextFormat=2: SpeakerId is the channel (0 = agent); word offsets relative."""
    details, previous_end = [], 0
    for t in turns:
        details.append(
            {
                "FinalSentence": t.text,
                "SliceSentence": " ".join(w.text for w in t.words),
                "StartMs": t.start,
                "EndMs": t.end,
                "WordsNum": len(t.words),
                "Words": [
                    {"Word": w.text, "OffsetStartMs": w.start - t.start, "OffsetEndMs": w.end - t.start}
                    for w in t.words
                ],
                "SpeechSpeed": round(len(t.chars) / ((t.end - t.start) / 1000), 1),
                "SpeakerId": CHANNEL[t.role],
                "EmotionalEnergy": t.loudness,
                "SilenceTime": t.start - previous_end,
            }
        )
        previous_end = t.end
    return {
        "Response": {
            "RequestId": "5b2c9e7a-1f3d-4c8e-9a6b-0d4e2f1a0001",
            "Data": {
                "TaskId": 4500055927,
                "Status": 2,
                "StatusStr": "success",
                "AudioDuration": sec(turns[-1].end + 640),
                "Result": _result_text(turns),
                "ErrorMsg": "",
                "ResultDetail": details,
            },
        }
    }


def tencent_nulls(turns: list[Turn]) -> dict:
    """ResTextFormat=0 answered with nulls: no ResultDetail, so only the Result text lines carry the call."""
    return {
        "Response": {
            "RequestId": "5b2c9e7a-1f3d-4c8e-9a6b-0d4e2f1a0002",
            "Data": {
                "TaskId": 4500055928,
                "Status": 2,
                "StatusStr": None,
                "AudioDuration": None,
                "Result": _result_text(turns),
                "ErrorMsg": None,
                "ResultDetail": None,
            },
        }
    }


# ----------------------------------------------------------------------------------------------------
# Whisper / WhisperX

SPEAKER = {AGENT: "SPEAKER_01", CUSTOMER: "SPEAKER_00"}


def whisperx(turns: list[Turn], low: str = "", speakerless: tuple[int, ...] = ()) -> dict:
    """Aligned per character (zh has no spaces); punctuation cannot be aligned, so it has no times or
    score. ``low``: a phrase of the agent's last turn whose characters score 0.2–0.3 (a garbled ending)."""
    rng = random.Random(7)
    last_agent = max(i for i, t in enumerate(turns) if t.role == AGENT)
    segments, word_segments = [], []
    for i, t in enumerate(turns):
        weak = set()
        if low and i == last_agent:
            at = t.text.index(low)
            weak = set(range(at, at + len(low)))
        words, position = [], 0
        for clause in t.clauses:
            for w in clause.words:
                for c in w.chars:
                    score = rng.uniform(0.2, 0.3) if position in weak else rng.uniform(0.85, 0.995)
                    word = {"word": c.text, "start": sec(c.start), "end": sec(c.end), "score": round(score, 3)}
                    word_segments.append(dict(word))
                    if i not in speakerless:
                        word["speaker"] = SPEAKER[t.role]
                    words.append(word)
                    position += 1
                if w.punct:
                    words.append({"word": w.punct})
                    word_segments.append({"word": w.punct})
                    position += 1
        segment: dict[str, Any] = {"start": sec(t.start), "end": sec(t.end), "text": t.text, "words": words}
        if i not in speakerless:
            segment["speaker"] = SPEAKER[t.role]
        segments.append(segment)
    return {"segments": segments, "word_segments": word_segments, "language": "zh"}


def whisper_plain() -> str:
    """Plain Whisper, one speaker (the bank's recorded greeting), word_timestamps=True. Written as the
    CLI writes it: json.dump with its default ensure_ascii, so the Chinese is in \\u escapes."""
    first = {"avg_logprob": -0.1823, "compression_ratio": 1.0476, "no_speech_prob": 0.0214}
    words0 = [
        ("您好,", 0.0, 0.62, 0.912),
        ("欢迎", 0.62, 1.04, 0.973),
        ("致电", 1.04, 1.42, 0.958),
        ("星海", 1.42, 1.82, 0.884),
        ("银行", 1.82, 2.16, 0.967),
        ("信用卡", 2.16, 2.74, 0.981),
        ("中心。", 2.74, 3.2, 0.949),
    ]
    words1 = [
        ("为了", 3.62, 3.96, 0.968),
        ("保障", 3.96, 4.38, 0.941),
        ("您的", 4.38, 4.7, 0.977),
        ("服务", 4.7, 5.04, 0.962),
        ("质量,", 5.04, 5.5, 0.935),
        ("本次", 5.5, 5.86, 0.958),
        ("通话", 5.86, 6.22, 0.971),
        ("将被", 6.22, 6.58, 0.903),
        ("录音。", 6.58, 7.1, 0.926),
    ]
    words2 = [("请", 30.4, 30.62, 0.412), ("稍候。", 30.62, 31.2, 0.356)]

    def segment(n: int, seek: int, words: list, scores: dict, tokens: list[int]) -> dict:
        return {
            "id": n,
            "seek": seek,
            "start": words[0][1],
            "end": words[-1][2],
            "text": "".join(w[0] for w in words),
            "tokens": tokens,
            "temperature": 0.0,
            **scores,
            "words": [{"word": w, "start": s, "end": e, "probability": p} for w, s, e, p in words],
        }

    segments = [
        segment(0, 0, words0, first, [50364, 11561, 2131, 11, 20015, 29485, 26476, 13565, 15569, 8225, 16786, 1543]),
        segment(1, 0, words1, first, [11561, 1546, 25390, 8225, 14345, 2131, 11, 8225, 21015, 25987, 1543, 50720]),
        segment(
            2,
            3000,
            words2,
            {"avg_logprob": -0.9012, "compression_ratio": 0.6667, "no_speech_prob": 0.6215},
            [50384, 25390, 20015, 1543, 50414],
        ),
    ]
    result = {"text": "".join(s["text"] for s in segments), "segments": segments, "language": "zh"}
    return json.dumps(result)


# ----------------------------------------------------------------------------------------------------
# Subtitles and servicecheck's own format


def _vtt_time(ms: int) -> str:
    return f"{ms // 60000:02d}:{ms % 60000 // 1000:02d}.{ms % 1000:03d}"


def _srt_time(ms: int) -> str:
    return f"{ms // 3600000:02d}:{ms % 3600000 // 60000:02d}:{ms % 60000 // 1000:02d},{ms % 1000:03d}"


def vtt(turns: list[Turn]) -> str:
    """Voice spans name the speaker; the closing </v> is left out on some cues (the spec allows it), and a
    long turn's payload runs over two lines."""
    out = ["WEBVTT", "", "NOTE 星海银行信用卡中心 来电 call_0001（合成数据）", ""]
    for i, t in enumerate(turns, start=1):
        out.append(str(i))
        out.append(f"{_vtt_time(t.start)} --> {_vtt_time(t.end)}")
        texts = [c.text for c in t.clauses]
        payload = "".join(texts) if len(texts) < 4 else "".join(texts[:2]) + "\n" + "".join(texts[2:])
        close = "</v>" if i % 3 else ""
        out.append(f"<v {LABEL[t.role]}>{payload}{close}")
        out.append("")
    return "\n".join(out)


def srt(turns: list[Turn]) -> str:
    """Speaker name prefixes (the usual convention); Windows line endings, as many SRT writers use."""
    out = []
    for i, t in enumerate(turns, start=1):
        out += [str(i), f"{_srt_time(t.start)} --> {_srt_time(t.end)}", f"{LABEL[t.role]}：{t.text}", ""]
    return "\r\n".join(out)


def servicecheck_json(turns: list[Turn]) -> dict:
    return {
        "id": "call_0001",
        "channel": "phone",
        "utterances": [{"speaker": t.role, "text": t.text, "start": sec(t.start), "end": sec(t.end)} for t in turns],
    }


def main() -> None:
    turns = build_call()
    write_json("funasr.json", funasr(turns))
    write_json("funasr-old-start-bug.json", funasr_old_start_bug(turns))
    write_json("funasr-vad-segment.json", funasr_vad_segment(turns))
    write_json("funasr-runtime.json", funasr_runtime(turns))
    write_json("aliyun.json", aliyun(turns))
    write_json("aliyun-legacy.json", aliyun_legacy(turns))
    write_json("aliyun-empty.json", aliyun_empty())
    write_json("aliyun-running.json", aliyun_running())
    write_json("dashscope.json", dashscope(turns))
    write_json("tencent.json", tencent(turns))
    write_json("tencent-nulls.json", tencent_nulls(turns[:6]))
    write_json("whisperx.json", whisperx(turns))
    write_json("whisperx-low-confidence.json", whisperx(turns, low="感谢您的来电"))
    write_json("whisperx-missing-speaker.json", whisperx(turns[:4], speakerless=(2,)))
    write("whisper.json", whisper_plain())
    write("call.vtt", vtt(turns))
    write("call.srt", srt(turns))
    write_json("call.json", servicecheck_json(turns))
    complete = (HERE / "aliyun.json").read_text(encoding="utf-8")
    write("truncated.json", complete[: len(complete) * 3 // 5])  # a download cut off mid-way


if __name__ == "__main__":
    main()
