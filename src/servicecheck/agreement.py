"""Cohen's kappa on stage presence per call: do two raters (a pack and the gold, or two annotators)
agree that a stage occurs in a call, beyond what their base rates would give by chance?

Presence, not spans: a reviewer who marks 您好 and one who marks 您好，欢迎致电 agree that the call
has a greeting, and that is what a scorecard rests on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional


@dataclass
class Presence:
    """A 2×2 table of calls: both raters say present, only the first, only the second, neither."""

    both: int = 0
    first_only: int = 0
    second_only: int = 0
    neither: int = 0

    def add(self, first: bool, second: bool) -> None:
        if first and second:
            self.both += 1
        elif first:
            self.first_only += 1
        elif second:
            self.second_only += 1
        else:
            self.neither += 1

    @property
    def total(self) -> int:
        return self.both + self.first_only + self.second_only + self.neither

    @property
    def kappa(self) -> Optional[float]:
        """Cohen's kappa, or None when it is undefined (see ``why_undefined``)."""
        n = self.total
        if not n:
            return None
        observed = (self.both + self.neither) / n
        first_yes = (self.both + self.first_only) / n
        second_yes = (self.both + self.second_only) / n
        expected = first_yes * second_yes + (1 - first_yes) * (1 - second_yes)
        if expected >= 1:  # both raters put every call in the same one class
            return None
        return (observed - expected) / (1 - expected)

    @property
    def why_undefined(self) -> Optional[str]:
        """Why kappa is None, in words; None when it is defined."""
        if not self.total:
            return "no calls rated by both"
        if self.kappa is not None:
            return None
        state = "present" if self.both else "absent"
        return f"both say {state} in all {self.total} call(s): chance agreement is 1, kappa undefined"

    def as_dict(self, first: str = "first", second: str = "second") -> dict[str, Any]:
        kappa = self.kappa
        return {
            "both": self.both,
            f"{first}_only": self.first_only,
            f"{second}_only": self.second_only,
            "neither": self.neither,
            "kappa": None if kappa is None else round(kappa, 4),
            "kappa_undefined": self.why_undefined,
        }


def cohen_kappa(pairs: Iterable[tuple[bool, bool]]) -> Optional[float]:
    """Kappa of paired yes/no ratings; None when undefined (no pairs, or both raters constant and equal)."""
    table = Presence()
    for first, second in pairs:
        table.add(bool(first), bool(second))
    return table.kappa


def presence_tables(
    first: Mapping[str, set[str]], second: Mapping[str, set[str]], stages: Iterable[str]
) -> dict[str, Presence]:
    """Per stage, the presence table over the calls both raters rated. ``first``/``second`` map a
    call id to the stages that rater found in it."""
    calls = [c for c in first if c in second]
    tables = {}
    for stage in stages:
        table = Presence()
        for call in calls:
            table.add(stage in first[call], stage in second[call])
        tables[stage] = table
    return tables


def format_kappa(table: Presence) -> str:
    """Kappa for a table cell: three decimals, or ``n/a`` when undefined."""
    kappa = table.kappa
    return "n/a" if kappa is None else f"{kappa:.3f}"
