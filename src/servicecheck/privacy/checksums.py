"""Check digits and plausibility tests of the numbers that identify a person.

They only raise or lower confidence: customers misspeak and recognisers drop digits, so a number that
fails its check is still most likely what it looks like (see docs/privacy.md).
"""

from __future__ import annotations

import datetime

# Province-level prefixes of GB/T 2260 administrative division codes (the first two digits of a
# resident identity number): 11-15 north, 21-23 north-east, 31-37 east, 41-46 centre-south,
# 50-54 south-west, 61-65 north-west, 71 Taiwan, 81-82 Hong Kong and Macao, 83 and 91 issued to
# Taiwan residents and abroad.
_REGIONS = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91}
)


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of a card number: the last digit checks all the others."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def id_check_char(first17: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits: ``0``-``9`` or ``X``."""
    value = (1 - 2 * int(first17, 13)) % 11
    return "X" if value == 10 else str(value)


def plausible_region(digits: str) -> bool:
    """True when the first two digits are a province-level division code."""
    return len(digits) >= 2 and digits[:2].isdigit() and int(digits[:2]) in _REGIONS


def birth_date(yyyymmdd: str) -> str:
    """``YYYY-MM-DD`` when the eight digits are a real date from 1900 to 2099, else ``""``."""
    if len(yyyymmdd) != 8 or not yyyymmdd.isdigit():
        return ""
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:])
    if not 1900 <= year <= 2099:
        return ""
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return ""


def hkid_check_char(letters: str, digits: str) -> str:
    """HKID check character of one or two letters and six digits: ``0``-``9`` or ``A``.

    Letters count A=10 … Z=35, a missing first letter (one-letter ids) 36; weights 9 down to 2."""
    letters = letters.upper()
    values = ([36] if len(letters) == 1 else []) + [ord(c) - 55 for c in letters] + [int(d) for d in digits]
    total = sum(value * weight for value, weight in zip(values, range(9, 1, -1)))
    check = (11 - total % 11) % 11
    return "A" if check == 10 else str(check)
