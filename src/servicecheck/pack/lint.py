"""``servicecheck lint``: problems in a pack that validation alone does not show.

Errors: schema errors, regexes RE2 rejects, stages without rules, phrases an ``unless`` of the same rule
always cancels. Warnings: duplicate phrases (also after normalisation: full-width, Traditional …),
phrases that only match when they stand alone because jieba cuts across their edge in ordinary context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from ..errors import PackError
from .load import load_pack, pack_source
from .schema import Pack

# Neutral neighbours a phrase is tried between when checking token boundaries.
_CONTEXTS = (("，", "。"), ("我", "的"), ("那", "吧"), ("请", "了"), ("他说", "呢"))


@dataclass(frozen=True)
class LintProblem:
    level: str  # error | warning
    where: str
    message: str
    source: str

    def render(self) -> str:
        return f"{self.source}: {self.level}: {self.where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "where": self.where, "message": self.message, "source": self.source}


def lint_pack(source: Union[str, Pack]) -> list[LintProblem]:
    try:
        pack = source if isinstance(source, Pack) else load_pack(source)
    except PackError as exc:
        return [LintProblem("error", path, message, exc.source) for path, message in exc.problems]
    return _lint_loaded(pack)


def _lint_lexicons(pack: Pack, norm, add) -> None:
    """Lexicons nobody refers to, and words listed twice (also after normalisation)."""
    from .lexicons import references

    nested = {name for words in pack.lexicons.values() for word in words for name in references(word)}
    for name, words in pack.lexicons.items():
        where = f"lexicons.{name}"
        if name not in pack._lexicons_used and name not in nested:
            add("warning", where, f"lexicon {{{name}}} is never used by a rule, check or other lexicon")
        seen: set[str] = set()
        for word in words:
            key = norm(word) if not references(word) else word
            if key in seen:
                add("warning", where, f"lists {word!r} twice (same after normalisation)")
            seen.add(key)


def _lint_loaded(pack: Pack) -> list[LintProblem]:
    from ..checker import Checker
    from ..match.base import Candidate

    checker = Checker(pack)
    norm = checker.normalizer.normalize
    source = pack_source(pack)
    problems: list[LintProblem] = []

    def add(level: str, where: str, message: str) -> None:
        problems.append(LintProblem(level, where, message, source))

    _lint_lexicons(pack, norm, add)
    for s, stage in enumerate(pack.stages):
        if not stage.enabled:
            continue
        if not any(r.enabled for r in stage.rules):
            add("error", f"stages[{s}] ({stage.id})", "stage has no enabled rules: it can never be found")
        seen: dict[str, str] = {}
        for r, rule in enumerate(stage.rules):
            where_rule = f"stages[{s}].rules[{r}] ({rule.id})"
            for p, phrase in enumerate(rule.phrases):
                where = f"{where_rule}.phrases[{p}]"
                key = norm(phrase)
                if not key:
                    add("error", where, f"phrase {phrase!r} is empty after normalisation: it never matches")
                    continue
                if key in seen:
                    add("warning", where, f"phrase {phrase!r} duplicates {seen[key]} (same after normalisation)")
                else:
                    seen[key] = f"{rule.id}:{phrase!r}"
                cancelling = [u for u in rule.unless if norm(u) and norm(u) in key]
                if cancelling:
                    add("error", where, f"phrase {phrase!r} contains unless phrase {cancelling[0]!r}: it never matches")
                if rule.boundary == "token" and len(key) > 1:
                    failing = []
                    for before, after in _CONTEXTS:
                        view = checker.normalizer.view(before + phrase + after)
                        start = len(norm(before))
                        candidate = Candidate(0, start, start + len(key), "exact", 1.0, phrase)
                        if not (
                            checker.segmenter.is_boundary(view, candidate.start)
                            and checker.segmenter.is_boundary(view, candidate.end)
                        ):
                            failing.append(before + phrase + after)
                    if len(failing) == len(_CONTEXTS):
                        add(
                            "warning",
                            where,
                            f"phrase {phrase!r} only matches standing alone: jieba cuts across its edge in "
                            f"{', '.join(failing[:3])} …; add it to the dictionary or use boundary: char",
                        )
    return problems
