"""Speech-recogniser and subtitle outputs: vendor readers (fragments) and their assembly into transcripts."""

from .aliyun import read_aliyun, read_dashscope
from .detect import (
    READERS,
    TEXT_READERS,
    describe_json,
    detect_json,
    detect_text,
    load_json,
)
from .fragments import Fragment, Recognised, Word
from .funasr import read_funasr
from .subtitles import read_srt, read_vtt
from .tencent import read_tencent
from .whisper import read_whisper

__all__ = [
    "READERS",
    "TEXT_READERS",
    "Fragment",
    "Recognised",
    "Word",
    "describe_json",
    "detect_json",
    "detect_text",
    "load_json",
    "read_aliyun",
    "read_dashscope",
    "read_funasr",
    "read_srt",
    "read_tencent",
    "read_vtt",
    "read_whisper",
]
