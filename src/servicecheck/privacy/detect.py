"""Personal data in transcript text: bank cards, resident ID numbers, mobile numbers, e-mail addresses
and Hong Kong identity cards, however a speech recogniser wrote the digits.

Recognisers write 138 as ``138``, ``１３８``, ``幺三八`` or ``一 三 八``, broken by spaces, dashes, commas or
呃. Each run of digits is read through that digit view, and every span is reported in ORIGINAL offsets:
``text[item.start:item.end] == item.text``. A number is recognised by its length and prefix; check
digits (Luhn, GB 11643, HKID) and a plausible birth date raise the confidence but are never required,
because customers misspeak and recognisers drop digits.

One regex finds the runs of six or more digits, so text without them costs a single scan: transcripts
are checked at thousands a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from ..spans import DisjointSpans
from .checksums import birth_date, hkid_check_char, id_check_char, luhn_valid, plausible_region

KINDS = ("bank_card", "id_number", "mobile", "email", "hkid")


@dataclass(frozen=True)
class PersonalData:
    """One piece of personal data: ``text`` is ``original[start:end]``; ``reason`` says in a few
    words (Chinese, for reviewers) what the confidence rests on."""

    kind: str
    start: int
    end: int
    text: str
    confidence: float
    reason: str


# -- the digit view -------------------------------------------------------------------------------------
_DIGIT_CHARS = "0123456789０１２３４５６７８９零〇一二三四五六七八九幺两"
_DIGIT_VALUES = "012345678901234567890012345678912"
_TO_DIGIT = dict(zip(_DIGIT_CHARS, _DIGIT_VALUES))
# Skipped between two digits: spaces, dashes, commas, the enumeration comma and fillers.
_SEPARATORS = " \t\u00a0\u3000-－‐–,，、呃嗯额啊"
_X_CHARS = "XxＸｘ"
_D = "".join(re.escape(c) for c in _DIGIT_CHARS)
_S = "".join(re.escape(c) for c in _SEPARATORS)
_X = "".join(_X_CHARS)
# Six digits at least (an HKID has six, every other number more), at most four separators between two
# digits (``，呃，``), and an ID number's final X.
_RUN = re.compile(f"[{_D}](?:[{_S}]{{0,4}}[{_D}]){{5,}}(?:[{_S}]{{0,2}}[{_X}](?![A-Za-z]))?")
# A number introduced as an order, serial or staff number is none of a person's own.
_NOT_PERSONAL = re.compile(
    r"(?:订单|訂單|单号|單號|流水号|流水號|交易号|交易號|会员号|會員號|会员卡号|會員卡號|工号|工號|编号|編號|"
    r"运单|運單|快递|快遞|合同号|合同號|保单号|保單號|批次号|航班号?|车次|車次|票号|票號|验证码|驗證碼)"
    r"[号號码碼]?(?:是|为|為|係|：|:|\s|，|,|呃|嗯|啊)*$"
)
_BEFORE = 16  # characters before a run searched for such a marker
# A last group followed by one of these is an amount or a count, not part of a number (5000，3000元).
_UNITS = frozenset("元块塊万萬亿億千百角毛分%％多余餘笔筆倍积積")
_AMOUNT_DIGITS = 8  # ... when it has at most this many digits
_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_ALNUM = _WORD | frozenset("./")
_PLUS = frozenset("+＋")

# -- Hong Kong identity cards and e-mail addresses -------------------------------------------------------
_LETTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
)
_HK_CHECK = re.compile(r"[ \u3000]?[(（][ \u3000]?([0-9０-９AaＡａ])[ \u3000]?[)）]|([AaＡａ])(?![A-Za-z])")
_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａ",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZa",
)
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+[@＠][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}(?![A-Za-z])"
)

_LONGEST = 19  # digits of the longest number of any kind (a 19-digit card)
_CARD_SCHEMES = ("4", "51", "52", "53", "54", "55", "35")  # Visa, Mastercard, JCB (UnionPay: 62)


# -- what a run of digits is -----------------------------------------------------------------------------
def _mobile(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"


def _id18(digits: str) -> Optional[tuple[str, float, str]]:
    """An 18-character resident identity number: 17 digits and a check character."""
    check_ok = id_check_char(digits[:17]) == digits[17].upper()
    region, date = plausible_region(digits), bool(birth_date(digits[6:14]))
    if check_ok and region and date:
        return "id_number", 0.95, "校验位正确，出生日期合理"
    if check_ok and (region or date):
        return "id_number", 0.8, "校验位正确"
    if region and date:
        return "id_number", 0.7, "校验位不符，地区码与出生日期合理"
    if digits[17] == "X":
        return "id_number", 0.6, "以 X 结尾的 18 位号码，校验位不符"
    return None


def _card(digits: str) -> tuple[str, float, str]:
    """A 16-19 digit card number (UnionPay cards start with 62)."""
    unionpay = digits.startswith("62")
    prefix = "银联 62 开头，" if unionpay else ""
    if luhn_valid(digits):
        confidence = 0.95 if unionpay else 0.9 if digits.startswith(_CARD_SCHEMES) else 0.85
        return "bank_card", confidence, prefix + "Luhn 校验通过"
    return "bank_card", 0.7 if unionpay else 0.6, prefix + "Luhn 校验未通过"


def classify(digits: str) -> Optional[tuple[str, float, str]]:
    """``(kind, confidence, reason)`` of a number read as ASCII digits (an ID may end in X), or None
    when it is no personal number (too short, a length no kind has)."""
    length = len(digits)
    if digits[-1] == "X":
        return _id18(digits) if length == 18 else None
    if length == 11:
        return ("mobile", 0.9, "1[3-9] 开头的 11 位手机号") if _mobile(digits) else None
    if length == 13 and digits.startswith("86") and _mobile(digits[2:]):
        return "mobile", 0.95, "国家码 86 加 11 位手机号"
    if length == 15:
        if digits.startswith("0086") and _mobile(digits[4:]):
            return "mobile", 0.95, "国家码 0086 加 11 位手机号"
        if plausible_region(digits) and birth_date("19" + digits[6:12]):
            return "id_number", 0.75, "15 位旧身份证号，地区码与出生日期合理"
        if digits.startswith(("34", "37")) and luhn_valid(digits):
            return "bank_card", 0.85, "15 位运通卡号，Luhn 校验通过"
        return None
    if length == 18:
        as_id = _id18(digits)
        as_card = _card(digits)
        if as_id is None:
            return as_card
        # A plausible ID structure beats a card unless the card is a Luhn-valid UnionPay number.
        return as_card if as_card[1] > as_id[1] and digits.startswith("62") else as_id
    if 16 <= length <= 19:
        return _card(digits)
    return None


def _best(digits: str, groups: list[tuple[int, int]], first: int) -> Optional[tuple[int, tuple]]:
    """The groups ``first:end`` read as one number: the longest that is one, unless a shorter one is
    of another kind and clearly surer (13800138000 12345 is a mobile and five digits, not a card)."""
    chosen: Optional[tuple[int, tuple]] = None
    lo = groups[first][0]
    last = first + 1  # past the last group that keeps the number within the longest length
    while last < len(groups) and groups[last][1] - lo <= _LONGEST:
        last += 1
    for end in range(last, first, -1):
        result = classify(digits[lo : groups[end - 1][1]])
        if result is None:
            continue
        if chosen is None:
            chosen = (end, result)
        elif result[0] != chosen[1][0] and result[1] >= chosen[1][1] + 0.2:
            chosen = (end, result)
    return chosen


def _read_run(text: str, start: int, end: int) -> tuple[str, list[int], list[tuple[int, int]]]:
    """The run's digits (X as ``X``), the original index of each, and its groups (digit ranges between
    separators)."""
    digits: list[str] = []
    positions: list[int] = []
    breaks = [0]
    gap = False
    for index in range(start, end):
        char = text[index]
        value = _TO_DIGIT.get(char)
        if value is None:
            if char in _X_CHARS:
                value = "X"
            else:
                gap = True
                continue
        if gap:
            breaks.append(len(digits))
            gap = False
        digits.append(value)
        positions.append(index)
    breaks.append(len(digits))
    return "".join(digits), positions, list(zip(breaks, breaks[1:]))


def _hkid(text: str, start: int, digits: str, positions: list[int]) -> Optional[PersonalData]:
    """An HKID around the run: one or two letters right before it (a space allowed), six digits, and a
    check character in brackets, bare (7 digits, or a trailing A) or missing."""
    letters_end = start - 1 if start and text[start - 1] in " \u3000" else start
    letters_start = letters_end
    while letters_start > 0 and text[letters_start - 1] in _LETTERS and letters_end - letters_start < 3:
        letters_start -= 1
    count = letters_end - letters_start
    if count not in (1, 2) or (letters_start and text[letters_start - 1] in _ALNUM):
        return None
    if not digits[:6].isdigit():
        return None
    letters = text[letters_start:letters_end].translate(_FULLWIDTH)
    bracketed = False
    if len(digits) == 6:
        match = _HK_CHECK.match(text, positions[-1] + 1)
        check = (match.group(1) or match.group(2)).translate(_FULLWIDTH).upper() if match else ""
        bracketed = bool(match and match.group(1))
        stop = match.end() if match else positions[-1] + 1
    elif len(digits) == 7 and digits.isdigit():
        check, stop = digits[6], positions[-1] + 1
    else:
        return None
    # A check character in brackets is what an HKID looks like even when it is wrong; a bare one is
    # evidence only when it is right (X1234567 may be any code).
    if check and check == hkid_check_char(letters, digits[:6]):
        confidence, reason = (0.95, "校验位正确") if bracketed else (0.85, "校验位正确（无括号）")
    elif bracketed:
        confidence, reason = 0.7, "校验位不符"
    else:
        confidence, reason = 0.5, "没有校验位" if not check else "校验位不符（无括号）"
    return PersonalData("hkid", letters_start, stop, text[letters_start:stop], confidence, reason)


def _numbers(text: str, run: "re.Match[str]") -> list[PersonalData]:
    start, end = run.span()
    digits, positions, groups = _read_run(text, start, end)
    spaced = start > 1 and text[start - 1] in " \u3000"
    if start and text[start - 1 - spaced] in _LETTERS:
        hkid = _hkid(text, start, digits, positions)
        if hkid or not spaced:
            return [hkid] if hkid else []  # no HKID: a code such as SN1234567 (letters and digits)
    if _in_code(text, start, end):
        return []
    if _NOT_PERSONAL.search(text, max(0, start - _BEFORE), start):
        groups = _unmarked(groups)
    following = text[end : end + 2].lstrip()
    if groups and following[:1] in _UNITS and groups[-1][1] - groups[-1][0] <= _AMOUNT_DIGITS:
        groups = groups[:-1]  # the last group is an amount or a count
    found = _split(text, digits, positions, groups)
    if groups and groups[-1][1] == len(digits) and digits.endswith("X"):
        if not (found and found[-1].end > positions[-1]):  # the X is no ID's: a letter after a number
            found = _split(text, digits, positions, _without_x(groups))
    return found


def _unmarked(groups: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """After 订单号 / 工号 …: the groups the marker does not name. It names the first group and the
    groups as long as it (订单号339527111、339526973), not a number of another length said next
    (工号2031 13800138000)."""
    length = groups[0][1] - groups[0][0]
    rest = 1
    while rest < len(groups) and groups[rest][1] - groups[rest][0] == length:
        rest += 1
    return groups[rest:]


def _in_code(text: str, start: int, end: int) -> bool:
    """True when the run is part of a code, a URL or a decimal number (SN1234567, 3.1415926, a.b/123456),
    not a number of its own. A full stop after it ends a sentence."""
    if start and text[start - 1] in _ALNUM:
        return True
    following = text[end : end + 2]
    if not following:
        return False
    return following[0] in _WORD or (following[0] in "./" and following[1:] in _WORD)


def _split(text: str, digits: str, positions: list[int], groups: list[tuple[int, int]]) -> list[PersonalData]:
    """The numbers in a run, from the left: one number, or several said in one breath."""
    found: list[PersonalData] = []
    first = 0
    while first < len(groups):
        best = _best(digits, groups, first)
        if best is None:
            first += 1
            continue
        last, (kind, confidence, reason) = best
        begin, stop = positions[groups[first][0]], positions[groups[last - 1][1] - 1] + 1
        if kind == "mobile" and begin and text[begin - 1] in _PLUS:
            begin -= 1
        found.append(PersonalData(kind, begin, stop, text[begin:stop], confidence, reason))
        first = last
    return found


def _without_x(groups: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The groups without the final X."""
    lo, hi = groups[-1]
    return groups[:-1] + ([(lo, hi - 1)] if hi - 1 > lo else [])


def _emails(text: str) -> list[PersonalData]:
    return [PersonalData("email", m.start(), m.end(), m.group(), 0.9, "电子邮箱地址") for m in _EMAIL.finditer(text)]


def _kinds(kinds: Optional[Iterable[str]]) -> frozenset[str]:
    if kinds is None:
        return frozenset(KINDS)
    wanted = frozenset((kinds,) if isinstance(kinds, str) else kinds)
    unknown = wanted.difference(KINDS)
    if unknown:
        raise ValueError(f"unknown kinds of personal data: {', '.join(sorted(unknown))} (known: {', '.join(KINDS)})")
    return wanted


def find_personal_data(
    text: str, kinds: Optional[Iterable[str]] = None, min_confidence: float = 0.0
) -> list[PersonalData]:
    """Every piece of personal data in ``text`` of ``kinds`` (default: all) with at least
    ``min_confidence``, by start. Overlapping candidates keep the surer (then the longer) one."""
    first = _RUN.search(text)
    at = "@" in text or "＠" in text
    if first is None and not at:
        return []  # most utterances: three scans in C, nothing to read
    wanted = _kinds(kinds)
    candidates: list[PersonalData] = []
    if first is not None:
        for run in _RUN.finditer(text, first.start()):
            candidates.extend(_numbers(text, run))
    if at and "email" in wanted:
        candidates.extend(_emails(text))
    candidates = [c for c in candidates if c.kind in wanted and c.confidence >= min_confidence]
    if len(candidates) < 2:
        return candidates
    taken = DisjointSpans()
    kept = [
        candidate
        for candidate in sorted(candidates, key=lambda c: (-c.confidence, c.start - c.end, c.start))
        if taken.add(candidate.start, candidate.end)
    ]
    return sorted(kept, key=lambda c: c.start)
