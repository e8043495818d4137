"""``servicecheck lint``: problems in a pack that validation alone does not show.

Errors: schema errors, regexes RE2 rejects, stages without rules, phrases an ``unless`` of the same rule
always cancels. Warnings: duplicate phrases (also after normalisation: full-width, Traditional …),
phrases that only match when they stand alone because jieba cuts across their edge in ordinary context,
a missing ``version``, new entries of a child pack whose id is very close to an inherited one.

Every finding points into the file the author wrote: for a pack that extends another, the child's
own indexes and lines, never the merged pack's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PackError
from .load import _Document, _yaml_path, load_pack_document, pack_source
from .schema import Pack

# Neutral neighbours a phrase is tried between when checking token boundaries.
_CONTEXTS = (("，", "。"), ("我", "的"), ("那", "吧"), ("请", "了"), ("他说", "呢"))


@dataclass(frozen=True)
class LintProblem:
    level: str  # error | warning
    where: str  # YAML path in the author's file, with the id of the stage or rule
    message: str
    source: str  # the author's file
    line: int | None = None

    def render(self) -> str:
        at = f"{self.where} (line {self.line})" if self.line else self.where
        return f"{self.source}: {self.level}: {at}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "where": self.where,
            "line": self.line,
            "message": self.message,
            "source": self.source,
        }


_AT_LINE = re.compile(r"^(.*) \(line (\d+)\)$")


def _load_problem(source: str, where: str, message: str) -> LintProblem:
    """A load error as a lint error, its line apart from its path like every lint finding."""
    found = _AT_LINE.match(where)
    if found:
        return LintProblem("error", found.group(1), message, source, int(found.group(2)))
    return LintProblem("error", where or "<root>", message, source)


def lint_pack(source: str | Path | Pack) -> list[LintProblem]:
    """Every problem of a pack (a path or built-in id, or a loaded Pack), in the author's file."""
    if isinstance(source, Pack):
        return _lint_loaded(source, None)
    try:
        pack, document = load_pack_document(source)
    except PackError as exc:
        return [_load_problem(exc.source, path, message) for path, message in exc.problems]
    return _lint_loaded(pack, document)


def _lint_lexicons(pack: Pack, document: _Document | None, norm, source: str) -> list[LintProblem]:
    """Lexicons nobody refers to, and words listed twice (also after normalisation)."""
    from .lexicons import references

    problems: list[LintProblem] = []
    nested = {name for words in pack.lexicons.values() for word in words for name in references(word)}
    for name, words in pack.lexicons.items():
        where = f"lexicons.{name}"
        line = document.line(("lexicons", name)) if document is not None else None

        def add(message: str, where: str = where, line: int | None = line) -> None:
            problems.append(LintProblem("warning", where, message, source, line))

        if name not in pack._lexicons_used and name not in nested:
            add(f"lexicon {{{name}}} is never used by a rule, check or other lexicon")
        seen: set[str] = set()
        for word in words:
            key = norm(word) if not references(word) else word
            if key in seen:
                add(f"lists {word!r} twice (same after normalisation)")
            seen.add(key)
    return problems


class _Places:
    """Where a finding about the merged pack is in the author's file. For a pack that extends
    another, stages and rules are found by id in the child's own data; a finding in an entry the
    child inherits unchanged is put at its ``extends`` line, naming the entry in the parent."""

    def __init__(self, pack: Pack, document: _Document | None) -> None:
        self.pack = pack
        self.document = document

    def _ident(self, entry: tuple) -> str:
        stage = self.pack.stages[entry[1]]
        return stage.rules[entry[3]].id if len(entry) > 2 else stage.id

    def owned(self, entry: tuple) -> bool:
        """Whether the stage or rule at ``entry`` (merged indexes) is written in the author's file."""
        return self.document is None or self.document.translate(entry)[1]

    def at(self, entry: tuple, tail: tuple = ()) -> tuple[str, int | None, str]:
        """``(where, line, prefix)`` of a finding at ``entry`` + ``tail``: the prefix goes before the
        message of a finding reported elsewhere than where it is."""
        label = _yaml_path(entry) + f" ({self._ident(entry)})" + _tail(tail)
        if self.document is None:
            return label, None, ""
        own, complete = self.document.translate((*entry, *tail))
        if not complete:
            parent = self.document.parent or "the parent pack"
            return "extends", self.document.line(("extends",)), f"inherited from {parent} {label}: "
        own_entry = own[: len(entry)]
        return (
            _yaml_path(own_entry) + f" ({self._ident(entry)})" + _tail(own[len(entry) :]),
            self.document.line(own),
            "",
        )


def _tail(parts: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _lint_loaded(pack: Pack, document: _Document | None) -> list[LintProblem]:
    from ..checker import Checker
    from ..match.base import Candidate

    checker = Checker(pack)
    norm = checker.normalizer.normalize
    source = pack_source(pack)
    places = _Places(pack, document)
    problems: list[LintProblem] = []

    def add(level: str, entry: tuple, message: str, tail: tuple = ()) -> None:
        where, line, prefix = places.at(entry, tail)
        problems.append(LintProblem(level, where, prefix + message, source, line))

    problems += _identity(pack, document, source)
    problems += _lint_lexicons(pack, document, norm, source)
    for s, stage in enumerate(pack.stages):
        if not stage.enabled:
            continue
        if not any(r.enabled for r in stage.rules):
            add("error", ("stages", s), "stage has no enabled rules: it can never be found")
        seen: dict[str, tuple[tuple, str, str]] = {}  # normalised phrase -> (place, rule id, phrase)
        for r, rule in enumerate(stage.rules):
            entry = ("stages", s, "rules", r)
            for p, phrase in enumerate(rule.phrases):
                tail = ("phrases", p)
                key = norm(phrase)
                if not key:
                    add("error", entry, f"phrase {phrase!r} is empty after normalisation: it never matches", tail)
                    continue
                if key in seen:
                    first, first_rule, first_phrase = seen[key]
                    if not places.owned(entry) and places.owned(first[:4]):
                        # the author's phrase comes first: tell them at theirs, not in the parent
                        message = f"phrase {first_phrase!r} is duplicated by inherited {rule.id}:{phrase!r}"
                        add("warning", first[:4], message + " (same after normalisation)", first[4:])
                    else:
                        message = f"phrase {phrase!r} duplicates {first_rule}:{first_phrase!r}"
                        add("warning", entry, message + " (same after normalisation)", tail)
                else:
                    seen[key] = ((*entry, *tail), rule.id, phrase)
                cancelling = [u for u in rule.unless if norm(u) and norm(u) in key]
                if cancelling:
                    add(
                        "error",
                        entry,
                        f"phrase {phrase!r} contains unless phrase {cancelling[0]!r}: it never matches",
                        tail,
                    )
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
                            entry,
                            f"phrase {phrase!r} only matches standing alone: jieba cuts across its edge in "
                            f"{', '.join(failing[:3])} …; add it to the dictionary or use boundary: char",
                            tail,
                        )
    return problems


def _identity(pack: Pack, document: _Document | None, source: str) -> list[LintProblem]:
    """A pack without ``version`` (also one that extends another: versions are not inherited), and
    new entries of a child whose id is very close to an inherited one."""
    problems: list[LintProblem] = []
    if "version" not in pack.model_fields_set:
        inherited = f"; it is not inherited from {document.parent}" if document and document.parent else ""
        problems.append(
            LintProblem(
                "warning",
                "version",
                f"no version: reports name this pack version {pack.version!r}{inherited}; "
                "set one so a result can be traced to the rules that made it",
                source,
            )
        )
    if document is not None:
        for loc, message in document.near_misses:
            problems.append(LintProblem("warning", _yaml_path(loc), message, source, document.line(loc)))
    return problems
