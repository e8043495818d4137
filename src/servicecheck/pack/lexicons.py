"""Named word classes (``lexicons``) and their expansion into phrases, token patterns and regexes.

A pack names a family of words once (``lexicons: {BLAME: [怪, 赖, 怨]}``) and writes ``{BLAME}`` wherever
one of them may stand: a QA author then widens a whole family of phrasings by adding one word, instead of
editing a long regex. Expansion happens at load time, on the merged pack (so a child pack's lexicon
reaches the rules it inherits), and every expanded string remembers what the author wrote, for
explanations and error messages:

- in a phrase list (``phrases``, ``pinyin``, ``unless``, condition and check phrases) a phrase becomes
  one phrase per combination of words (``{YOU}自己去查`` → 你自己去查, 您自己去查);
- in a ``regex`` the reference becomes a non-capturing alternation of the escaped words, longest first
  (``(?:不看清楚|不看)``), so RE2's leftmost-first choice takes the longest word;
- in a token pattern item (``[{YOU}, 是说]``) the reference becomes ``a|b|c`` alternatives.

A lexicon word may itself refer to other lexicons (``SELF_YOU: ["{YOU}自己"]``); cycles are errors.
"""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass, field
from typing import Any, Optional

REFERENCE = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
MAX_EXPANSIONS = 20_000  # phrases one authored string may expand to

# Keys whose value is a list of literal phrases, wherever they occur in stages and checks.
PHRASE_KEYS = frozenset({"phrases", "pinyin", "unless", "hold_phrases", "thanks_phrases", "backchannels"})


class LexiconError(ValueError):
    """A problem with a lexicon or a reference to one, at a YAML path."""

    def __init__(self, loc: tuple, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


@dataclass
class Expansion:
    """The result of expanding one pack: the data to validate and, per rule, where strings came from."""

    data: dict
    # (stage index, rule index) -> {expanded regex or phrase: what the author wrote}
    authored: dict[tuple[int, int], dict[str, str]] = field(default_factory=dict)
    # (stage index, rule index) -> names of the lexicons the rule refers to
    used_by_rule: dict[tuple[int, int], tuple[str, ...]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)


def merge_lexicons(base: Any, child: Any) -> Any:
    """``extends``: a child's list replaces the parent's lexicon of that name; ``{add: [...], remove: [...]}``
    changes the parent's list word by word (a QA team adds its own words to an inherited family)."""
    if not isinstance(base, dict) or not isinstance(child, dict):
        return child
    merged = dict(base)
    for name, value in child.items():
        if isinstance(value, dict) and set(value) <= {"add", "remove"}:
            words = list(base.get(name) or []) if isinstance(base.get(name), list) else []
            remove = value.get("remove") or []
            words = [w for w in words if w not in remove]
            words += [w for w in value.get("add") or [] if w not in words]
            merged[name] = words
        else:
            merged[name] = value
    return merged


def _check_lexicons(lexicons: Any) -> dict[str, list[str]]:
    if lexicons is None:
        return {}
    if not isinstance(lexicons, dict):
        raise LexiconError(("lexicons",), "lexicons must be a mapping of NAME: [words]")
    for name, words in lexicons.items():
        loc = ("lexicons", name)
        if not isinstance(name, str) or not NAME.match(name):
            raise LexiconError(loc, f"lexicon name {name!r} must be upper case letters, digits and '_' (e.g. BLAME)")
        if isinstance(words, dict):
            raise LexiconError(loc, "{add, remove} changes an inherited lexicon: this pack extends none that has it")
        if not isinstance(words, list) or not words:
            raise LexiconError(loc, "a lexicon is a non-empty list of words")
        for i, word in enumerate(words):
            if not isinstance(word, str) or not word.strip():
                raise LexiconError((*loc, i), "empty or non-text lexicon word")
            if "{" in REFERENCE.sub("", word) or "}" in REFERENCE.sub("", word):
                raise LexiconError((*loc, i), f"lexicon word {word!r} contains a brace")
    return lexicons


class Lexicons:
    """Resolved word lists by name (references inside words expanded), with expansion helpers."""

    def __init__(self, raw: Any) -> None:
        self.raw = _check_lexicons(raw)
        self.words: dict[str, tuple[str, ...]] = {}
        for name in self.raw:
            self._resolve(name, ())

    def _resolve(self, name: str, chain: tuple[str, ...]) -> tuple[str, ...]:
        known = self.words.get(name)
        if known is not None:
            return known
        if name in chain:
            circle = " -> ".join((*chain, name))
            raise LexiconError(("lexicons", chain[0]), f"lexicons refer to each other in a circle: {circle}")
        out: list[str] = []
        for i, word in enumerate(self.raw[name]):
            for expanded in self._phrases(word, (*chain, name), ("lexicons", name, i)):
                if expanded not in out:
                    out.append(expanded)
        self.words[name] = tuple(out)
        return self.words[name]

    def _lookup(self, ref: str, chain: tuple[str, ...], loc: tuple) -> tuple[str, ...]:
        if ref not in self.raw:
            close = difflib.get_close_matches(ref, list(self.raw), n=1)
            hint = (
                f"; did you mean {{{close[0]}}}?"
                if close
                else ("; define it under lexicons:" if self.raw else "; the pack has no lexicons")
            )
            raise LexiconError(loc, f"unknown lexicon {{{ref}}}{hint}")
        return self._resolve(ref, chain)

    def _phrases(self, text: str, chain: tuple[str, ...], loc: tuple) -> list[str]:
        parts = REFERENCE.split(text)  # literal, name, literal, name, …, literal
        if len(parts) == 1:
            return [text]
        choices: list[tuple[str, ...]] = []
        size = 1
        for i, part in enumerate(parts):
            if i % 2:
                words = self._lookup(part, chain, loc)
                size *= len(words)
                if size > MAX_EXPANSIONS:
                    raise LexiconError(loc, f"{text!r} expands to more than {MAX_EXPANSIONS} phrases; use a regex")
                choices.append(words)
            else:
                choices.append((part,))
        return ["".join(combo) for combo in itertools.product(*choices)]

    def phrases(self, text: str, loc: tuple) -> list[str]:
        """Every phrase ``text`` stands for."""
        return self._phrases(text, (), loc)

    def regex(self, pattern: str, loc: tuple) -> str:
        """``pattern`` with each reference replaced by an alternation of its escaped words, longest first."""

        def alternation(match: re.Match) -> str:
            words = sorted(self._lookup(match.group(1), (), loc), key=len, reverse=True)
            return "(?:" + "|".join(_escape(w) for w in words) + ")"

        return REFERENCE.sub(alternation, pattern)

    def token_item(self, item: str, loc: tuple) -> str:
        """A token pattern item: each ``a|b`` alternative expanded, the trailing ``?`` kept."""
        optional = item.endswith("?")
        body = item[:-1] if optional else item
        alternatives: list[str] = []
        for alternative in body.split("|"):
            for phrase in self.phrases(alternative, loc):
                if phrase not in alternatives:
                    alternatives.append(phrase)
        return "|".join(alternatives) + ("?" if optional else "")


def _escape(word: str) -> str:
    """Escape a literal for RE2: only ASCII punctuation needs it (re.escape leaves CJK alone)."""
    return re.escape(word)


def references(text: str) -> list[str]:
    return REFERENCE.findall(text)


def expand_pack(data: dict) -> Expansion:
    """Expand every lexicon reference in ``stages`` and ``checks`` of a (merged) pack dict.

    Raises LexiconError with the YAML path of the first problem. Data without references is returned
    as it is (the same objects), so packs that use no lexicons pay nothing."""
    lexicons = Lexicons(data.get("lexicons"))
    expansion = Expansion(data)
    if not _mentions_reference(data.get("stages")) and not _mentions_reference(data.get("checks")):
        return expansion
    out = dict(data)
    for key in ("stages", "checks"):
        if isinstance(data.get(key), list):
            out[key] = [_expand_node(item, lexicons, (key, i), expansion, None) for i, item in enumerate(data[key])]
    if isinstance(out.get("stages"), list):
        for s, stage in enumerate(out["stages"]):
            if isinstance(stage, dict) and isinstance(stage.get("rules"), list):
                stage = out["stages"][s] = dict(stage)
                stage["rules"] = [
                    _expand_node(rule, lexicons, ("stages", s, "rules", r), expansion, (s, r))
                    for r, rule in enumerate(data["stages"][s]["rules"])
                ]
    expansion.data = out
    return expansion


def _mentions_reference(node: Any) -> bool:
    """Whether any string below ``node`` refers to a lexicon. False for data that contains itself
    (a recursive YAML alias): validation reports that, and expanding it would never end."""
    found = False
    state: dict[int, bool] = {}  # id -> finished?
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:
        item, leaving = stack.pop()
        if leaving:
            state[id(item)] = True
            continue
        if isinstance(item, str):
            found = found or bool(REFERENCE.search(item))
            continue
        if not isinstance(item, (dict, list)):
            continue
        seen = state.get(id(item))
        if seen is False:
            return False  # a cycle
        if seen:
            continue
        state[id(item)] = False
        stack.append((item, True))
        stack.extend((child, False) for child in (item.values() if isinstance(item, dict) else item))
    return found


def _expand_node(
    node: Any, lexicons: Lexicons, loc: tuple, expansion: Expansion, rule: Optional[tuple[int, int]]
) -> Any:
    """Expand references below one stage, rule or check. A stage's ``rules`` are left for their own
    pass (each rule records its own origins)."""
    if isinstance(node, list):
        return [_expand_node(v, lexicons, (*loc, i), expansion, rule) for i, v in enumerate(node)]
    if not isinstance(node, dict):
        return node
    out: dict = {}
    for key, value in node.items():
        here = (*loc, key)
        if key == "rules" and len(loc) == 2 and loc[0] == "stages":
            out[key] = value
        elif key in PHRASE_KEYS and isinstance(value, list):
            out[key] = _expand_phrases(value, lexicons, here, expansion, rule)
        elif key == "regex" and isinstance(value, list):
            out[key] = _expand_regexes(value, lexicons, here, expansion, rule)
        elif key == "tokens" and isinstance(value, list):
            out[key] = [
                [_expand_token(item, lexicons, (*here, i, j), expansion, rule) for j, item in enumerate(sequence)]
                if isinstance(sequence, list)
                else sequence
                for i, sequence in enumerate(value)
            ]
        else:
            out[key] = _expand_node(value, lexicons, here, expansion, rule)
    return out


def _note(expansion: Expansion, rule: Optional[tuple[int, int]], text: str, expanded: Optional[str] = None) -> None:
    names = references(text)
    if not names:
        return
    expansion.used.update(names)
    if rule is None:
        return
    known = expansion.used_by_rule.get(rule, ())
    expansion.used_by_rule[rule] = known + tuple(n for n in dict.fromkeys(names) if n not in known)
    if expanded is not None:
        expansion.authored.setdefault(rule, {})[expanded] = text


def _expand_phrases(values: list, lexicons: Lexicons, loc: tuple, expansion: Expansion, rule) -> list:
    out: list = []
    for i, value in enumerate(values):
        if not isinstance(value, str):
            out.append(value)  # validation reports it
            continue
        _note(expansion, rule, value)
        for phrase in lexicons.phrases(value, (*loc, i)):
            if phrase not in out:
                out.append(phrase)
    return out


def _expand_regexes(values: list, lexicons: Lexicons, loc: tuple, expansion: Expansion, rule) -> list:
    out: list = []
    for i, value in enumerate(values):
        if isinstance(value, str) and references(value):
            expanded = lexicons.regex(value, (*loc, i))
            _note(expansion, rule, value, expanded)
            out.append(expanded)
        else:
            out.append(value)
    return out


def _expand_token(item: Any, lexicons: Lexicons, loc: tuple, expansion: Expansion, rule) -> Any:
    if not isinstance(item, str) or not references(item):
        return item
    _note(expansion, rule, item)
    return lexicons.token_item(item, loc)
