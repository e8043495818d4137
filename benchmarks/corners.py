"""The two hostile sizes that once took time out of proportion to the input, each against its target.

    python benchmarks/corners.py

- **Repeated questions in a very long transcript:** 50,000 distinct customer turns through the
  repeated-question trigger (``checks.repeats.repeated``, bank-cn's cutoff 0.85), and the whole
  ``Checker.check`` of a chat of 100,000 turns (50,000 of them the customer's, raised limits).
  Comparing every turn with every earlier one took 16 s for 20,000 turns; target: 50,000 under 2 s.
- **One 1 MB agent utterance** of ordinary text with a stage phrase every kilobyte, raised limit.
  Target: under 2 s. jieba segmenting the megabyte alone is printed beside it as the floor.

Texts are generated (seeded) from common characters and bank vocabulary; each figure is the median
of --repeats runs in this process, after one untimed run that loads the dictionaries.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Callable

COMMON = "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方"
BANK = [
    "信用卡",
    "账单",
    "额度",
    "分期",
    "还款",
    "利息",
    "手续费",
    "积分",
    "密码",
    "挂失",
    "补卡",
    "转账",
    "限额",
    "网银",
    "验证码",
    "到账",
    "退款",
    "查询",
]
SPRINKLES = ["您好", "我非常理解您的心情", "不归我管", "卡号6222020200112233445", "再见", "请您稍等"]
TARGET_S = 2.0


def customer_turns(count: int, seed: int = 1) -> list[str]:
    """``count`` distinct customer questions of 8-40 characters, mixing bank words and common text."""
    rnd = random.Random(seed)
    turns: dict[str, None] = {}
    while len(turns) < count:
        parts = [rnd.choice(BANK) if rnd.random() < 0.4 else rnd.choice(COMMON) for _ in range(rnd.randint(6, 20))]
        turns["我想问一下" + "".join(parts) + rnd.choice(["？", "。", "吗？", "呢"])] = None
    return list(turns)


def megabyte(seed: int = 3) -> str:
    """~1,000,000 characters of ordinary text with a stage phrase every kilobyte or so."""
    rnd = random.Random(seed)
    pieces, size = [], 0
    while size < 1_000_000:
        chunk = "".join(rnd.choice(COMMON) for _ in range(rnd.randint(200, 1500))) + "，" + rnd.choice(SPRINKLES) + "。"
        pieces.append(chunk)
        size += len(chunk)
    return "".join(pieces)[:1_000_000]


def timed(work: Callable[[], object], repeats: int) -> float:
    work()
    runs = []
    for _ in range(repeats):
        began = time.perf_counter()
        work()
        runs.append(time.perf_counter() - began)
    return statistics.median(runs)


def verdict(seconds: float) -> str:
    return f"target < {TARGET_S:g} s: {'met' if seconds < TARGET_S else 'NOT MET'}"


def measure(repeats: int = 3) -> dict[str, float]:
    """Seconds for each corner (the median of ``repeats`` timed runs; the 100,000-turn chat once)."""
    from servicecheck import Checker, Limits, Transcript
    from servicecheck.checks.repeats import repeated

    checker = Checker("bank-cn")
    checker.check(Transcript(id="warm", utterances=[{"speaker": "agent", "text": "您好"}]))
    turns = customer_turns(50_000)
    figures = {"repeated": timed(lambda: repeated(turns, 85.0), repeats)}
    roomy = Checker(
        checker.pack,
        limits=Limits(max_utterances=200_000, max_utterance_chars=2_000_000, max_transcript_chars=10_000_000),
    )
    chat = Transcript(
        id="long-chat",
        utterances=[
            {"speaker": "agent", "text": "好的，我帮您查一下。"}
            if i % 2 == 0
            else {"speaker": "customer", "text": turns[i // 2]}
            for i in range(100_000)
        ],
    )
    figures["long_chat"] = timed(lambda: roomy.check(chat), 1)
    text = megabyte()
    call = Transcript(
        id="megabyte",
        utterances=[{"speaker": "agent", "text": text}, {"speaker": "customer", "text": "好的"}],
    )
    figures["megabyte"] = timed(lambda: roomy.check(call), repeats)
    tokenizer = roomy.segmenter.tokenizer
    figures["megabyte_jieba"] = timed(lambda: list(tokenizer.cut(text)), 1)
    return figures


def report(figures: dict[str, float]) -> list[str]:
    """The lines printed for ``measure``'s figures (here and by ``benchmarks/run.py``)."""
    return [
        f"repeated questions, 50,000 distinct customer turns        {figures['repeated']:6.2f} s   "
        + verdict(figures["repeated"]),
        f"Checker.check of a 100,000-turn chat (50,000 customer)    {figures['long_chat']:6.2f} s",
        f"Checker.check of one 1 MB agent utterance                 {figures['megabyte']:6.2f} s   "
        + verdict(figures["megabyte"]),
        f"  jieba segmenting the megabyte alone                     {figures['megabyte_jieba']:6.2f} s",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per figure (default %(default)s)")
    args = parser.parse_args()
    for line in report(measure(args.repeats)):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
