"""Shared fixtures and the hypothesis profiles of the test suite.

Profiles: ``ci`` (the default: 500 examples per property, no deadline, since the first check of a run
loads jieba's dictionary), ``dev`` (50 examples, for a quick local loop) and ``deep`` (5000, to hunt
for rare failures). Pick one with ``HYPOTHESIS_PROFILE=dev python -m pytest``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# The real-browser fixtures `chromium` and `browser_page` (tests/browser.py, docs/testing.md).
from browser import browser_page, chromium  # noqa: F401
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "dev",
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "deep",
    max_examples=5000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
RULES = REPO / "rules"
GOLDEN = Path(__file__).resolve().parent / "golden"
# Labelled development calls live beside the repository (never copied into it).
DEV_CALLS = REPO.parent / "shared" / "dev" / "calls.jsonl"


@pytest.fixture(scope="session")
def checker():
    """One checker for the built-in bank pack, shared by the whole session (building it is not free)."""
    from servicecheck import Checker, load_pack

    return Checker(load_pack("bank-cn"))


@pytest.fixture(scope="session")
def dev_calls() -> Path:
    if not DEV_CALLS.is_file():
        pytest.skip(f"labelled dev calls not found at {DEV_CALLS}")
    return DEV_CALLS


def call(*turns, id="t-1", channel="phone"):
    """A transcript dict from ``(speaker, text)`` or ``(speaker, text, start, end)`` tuples."""
    utterances = []
    for turn in turns:
        utterance = {"speaker": turn[0], "text": turn[1]}
        if len(turn) == 4:
            utterance["start"], utterance["end"] = turn[2], turn[3]
        utterances.append(utterance)
    return {"id": id, "channel": channel, "utterances": utterances}


def servicecheck_script() -> Path:
    """The ``servicecheck`` console script installed next to this interpreter."""
    bin_dir = Path(sys.executable).parent
    for name in ("servicecheck", "servicecheck.exe"):
        if (bin_dir / name).exists():
            return bin_dir / name
    pytest.fail(f"the servicecheck console script is not installed in {bin_dir}")


# Turns for generated chats: greetings, service, forbidden phrases, closings, in varying mixes.
_OPENINGS = ("您好，很高兴为您服务", "您好，我是客服小王，工号{n}", "在的亲", "您好")
_AGENT_TURNS = (
    "好的，请您稍等，我帮您查询一下",
    "抱歉让您久等了",
    "这个不归我管",
    "我也没办法",
    "您的订单已经发货了",
    "嗯",
)
_CUSTOMER_TURNS = ("我的快递怎么还没到？", "退款什么时候到账", "你们怎么回事，东西坏了", "好的")
_CLOSINGS = ("请问还有什么可以帮您？", "感谢您的耐心等待，祝您生活愉快，再见", "", "再见")


def generated_chat(number: int, agents: int = 12) -> dict:
    """An online chat made up from ``number`` (the same every run): the customer writes first, the agent
    may or may not greet, shirk or close; every seventh chat names no agent, the others one of ``agents``."""
    import random

    pick = random.Random(number)
    turns = [("customer", pick.choice(_CUSTOMER_TURNS)), ("agent", pick.choice(_OPENINGS).format(n=1000 + number % 50))]
    for _ in range(pick.randint(1, 4)):
        turns += [("customer", pick.choice(_CUSTOMER_TURNS)), ("agent", pick.choice(_AGENT_TURNS))]
    closing = pick.choice(_CLOSINGS)
    if closing:
        turns.append(("agent", closing))
    chat = call(*turns, id=f"chat-{number:04d}", channel="online")
    if number % 7:
        chat["metadata"] = {"agent_id": f"A{number % agents:02d}"}
    return chat
