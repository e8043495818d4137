"""Loading packs: safe YAML, ``extends`` resolution, validation with file + YAML path + line in errors.

Everything that can be wrong with a pack is found here, at load time, never at check time.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Optional, Union

import yaml
from pydantic import ValidationError

from ..errors import PackError
from .lexicons import Expansion, LexiconError, expand_pack, merge_lexicons
from .schema import Pack

try:  # libyaml's parser is ~10x faster on large phrase lists; same safe constructor
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

MAX_YAML_NODES = 2_000_000  # after alias expansion; stops "billion laughs" packs
MAX_EXTENDS_DEPTH = 16

PackSource = Union[str, Path, dict]


# -- built-in packs ------------------------------------------------------------------------------------
def _builtin_dirs() -> Iterator[Path]:
    """Where built-in packs live: the servicecheck.rules package of an installed wheel, then the
    rules/ folder of a source checkout. ``rules/`` has no __init__.py, so importlib gives a
    MultiplexedPath there: its folders are taken one by one, never through str()."""
    try:
        root = resources.files("servicecheck.rules")
    except (ModuleNotFoundError, TypeError):
        root = None
    folders: list[Path] = []
    if root is not None:
        try:
            entries = list(root.iterdir())
        except (OSError, NotADirectoryError):
            entries = []
        for entry in entries:
            if entry.name.endswith(".yaml") and isinstance(entry, os.PathLike):
                folder = Path(os.fspath(entry)).parent
                if folder not in folders:
                    folders.append(folder)
        if not folders and any(entry.name.endswith(".yaml") for entry in entries):
            folders.append(_extracted(root))
    yield from folders
    yield Path(__file__).resolve().parents[3] / "rules"


_EXTRACTED: dict[str, Path] = {}


def _extracted(root: Any) -> Path:
    """The packs of a servicecheck imported from a zip (a wheel on ``--py-files``, a zipapp), copied
    once per process into a private temporary folder: packs are read as files, with line numbers."""
    key = str(root)
    folder = _EXTRACTED.get(key)
    if folder is None:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="servicecheck-rules-"))
        for entry in root.iterdir():
            if entry.name.endswith(".yaml"):
                (folder / entry.name).write_bytes(entry.read_bytes())
        _EXTRACTED[key] = folder
    return folder


def builtin_pack_path(pack_id: str) -> Optional[Path]:
    if not pack_id or "/" in pack_id or "\\" in pack_id or pack_id.startswith("."):
        return None
    for directory in _builtin_dirs():
        candidate = directory / f"{pack_id}.yaml"
        if candidate.is_file():
            return candidate
    return None


def find_pack_path(pack_id: str) -> Optional[Path]:
    """A built-in pack, else one installed by a package (entry point group ``servicecheck.packs``)."""
    found = builtin_pack_path(pack_id)
    if found is None and pack_id and "/" not in pack_id and "\\" not in pack_id:
        from ..plugins import installed_pack_path

        found = installed_pack_path(pack_id)
    return found


def builtin_pack_ids() -> list[str]:
    ids: set[str] = set()
    for directory in _builtin_dirs():
        if directory.is_dir():
            ids.update(p.stem for p in directory.glob("*.yaml"))
    return sorted(ids)


# -- YAML with positions ---------------------------------------------------------------------------------
class _Document:
    """Parsed YAML plus the line of every YAML path, for error messages."""

    def __init__(
        self,
        data: Any,
        lines: dict[tuple, int],
        source: str,
        own: dict | None = None,
        parent: str | None = None,
        orphans: list[tuple[tuple, str]] | None = None,
    ) -> None:
        self.data = data
        self.lines = lines
        self.source = source
        self.own = own  # for a pack that extends another: its own data, before merging
        self.parent = parent  # ... and the parent as its ``extends`` names it
        self.orphans = orphans or []  # own entries that override nothing: (own loc, message)
        self.near_misses: list[tuple[tuple, str]] = []  # complete new entries with an id close to an inherited one

    def translate(self, loc: tuple) -> tuple[tuple, bool]:
        """The same place in the file's own data, and whether it is there at all.

        Stages, rules, checks and scorecard items are matched by id; lists of values (phrases,
        regexes) and keys are replaced whole by a child, so their indexes and names stay. False
        with the path of the nearest own entry when the place is an entry inherited unchanged."""
        if self.own is None:
            return tuple(loc), True
        out: list = []
        merged: Any = self.data
        own: Any = self.own
        for part in loc:
            item = _child(merged, part)
            ident = item.get("id") if isinstance(item, dict) and isinstance(merged, list) else None
            if ident is not None:
                match = _index_of(own, ident)
                if match is None:
                    return tuple(out), False
                out.append(match)
                merged, own = item, own[match]
                continue
            out.append(part)
            merged, own = item, _child(own, part)
        return tuple(out), True

    def own_loc(self, loc: tuple) -> tuple:
        """``translate`` without the flag: where in the author's file to look."""
        return self.translate(loc)[0]

    def line(self, loc: tuple) -> int | None:
        """The line of ``loc`` in the file, or of the nearest enclosing place the file has."""
        probe = tuple(loc)
        while probe and probe not in self.lines:
            probe = probe[:-1]
        return self.lines.get(probe)


def _index_of(entries: Any, ident: object) -> int | None:
    """The index of the entry with id ``ident`` in a list of stages, rules, checks or items."""
    if not isinstance(entries, list):
        return None
    return next((j for j, e in enumerate(entries) if isinstance(e, dict) and e.get("id") == ident), None)


def _child(node: Any, part: Any) -> Any:
    """``node[part]`` for a mapping key or a list index; None where there is nothing."""
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _yaml_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Nodes after alias expansion, computed once per distinct node (so a bomb costs nothing to size)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = 1  # a recursive alias counts once instead of looping
    if isinstance(node, yaml.MappingNode):
        total = 1 + sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        total = 1 + sum(_expanded_size(item, sizes) for item in node.value)
    else:
        total = 1
    sizes[id(node)] = total
    return total


def _walk_lines(node: yaml.Node, source: str) -> dict[tuple, int]:
    """The line of every YAML path, walking each distinct node once (aliases are not re-entered)."""
    if _expanded_size(node, {}) > MAX_YAML_NODES:
        raise PackError(
            source, [("<root>", f"more than {MAX_YAML_NODES} YAML nodes after expanding aliases (alias bomb?)")]
        )
    lines: dict[tuple, int] = {}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple]] = [(node, ())]
    while stack:
        n, path = stack.pop()
        lines.setdefault(path, n.start_mark.line + 1)
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, yaml.MappingNode):
            for key, value in n.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark)
                lines.setdefault(path + (name,), key.start_mark.line + 1)
                stack.append((value, path + (name,)))
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                stack.append((item, path + (i,)))
    return lines


def parse_yaml(text: str, source: str) -> _Document:
    """Safe-load one YAML document; tags such as ``!!python/object`` are rejected."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PackError(source, [("", "the file is empty")])
        lines = _walk_lines(node, source)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PackError(source, [(where, f"invalid YAML: {problem}")]) from None
    finally:
        loader.dispose()
    return _Document(data, lines, source)


# -- extends ------------------------------------------------------------------------------------------------
# What a new entry needs; a child entry without it that overrides nothing is a misspelt override.
_NEEDS = {"stage": ("name",), "check": ("type",), "item": ("name", "points", "match")}
_MATCHERS = ("phrases", "pinyin", "regex", "fuzzy", "tokens", "model", "plugin")
# A pack's identity is its own: a child reports its own id and version, never its parent's.
_NOT_INHERITED = ("id", "version", "extends")
# How similar a complete new id must be to an inherited one to be worth a lint warning: closer than
# new ids sharing a stage prefix usually are (self_intro.branch / self_intro.bank_name: 0.76).
_NEAR_MISS = 0.9


def _lacking(item: dict, what: str) -> str:
    """What ``item`` would need to be a new stage, rule, check or item ("" when complete)."""
    if what == "rule":
        return "" if any(k in item for k in _MATCHERS) else "phrases, pinyin, regex, fuzzy or tokens"
    return ", ".join(k for k in _NEEDS[what] if k not in item)


class _Merger:
    """Merges a child pack into its parent and notes the child's entries that override nothing
    although they can only be meant as overrides (an id typo: ``self_intr``)."""

    def __init__(self, parent: str) -> None:
        self.parent = parent
        self.orphans: list[tuple[tuple, str]] = []
        self.rule_home: dict[str, str] = {}  # the parent's rule ids and their stages
        self.near_misses: list[tuple[tuple, str]] = []

    def by_id(self, base: list, child: list, what: str, loc: tuple, scope: dict | None = None) -> list:
        """Entries merge by id, key by key; new ids are added at the end."""
        merged = [dict(item) if isinstance(item, dict) else item for item in base]
        index = {item.get("id"): i for i, item in enumerate(merged) if isinstance(item, dict)}
        for j, item in enumerate(child):
            if not isinstance(item, dict) or "id" not in item:
                merged.append(item)  # validation reports it with its path
                continue
            if item["id"] in index:
                position = index[item["id"]]
                merged[position] = (
                    self.stage(merged[position], item, (*loc, j)) if what == "stage" else {**merged[position], **item}
                )
                continue
            lacking = _lacking(item, what)
            if lacking:
                self.orphans.append(((*loc, j), self._orphan(item["id"], what, lacking, base, scope)))
            else:
                self._near_miss((*loc, j), item["id"], what, base)
            index[item["id"]] = len(merged)
            merged.append(item)
        return merged

    def stage(self, base: dict, child: dict, loc: tuple) -> dict:
        """A stage override: keys replace the parent's, rules merge by id."""
        merged = {**base, **{k: v for k, v in child.items() if k != "rules"}}
        if "rules" in child:
            if not isinstance(child["rules"], list):
                merged["rules"] = child["rules"]
            else:
                merged["rules"] = self.by_id(base.get("rules") or [], child["rules"], "rule", (*loc, "rules"), base)
        return merged

    def _orphan(self, ident: object, what: str, lacking: str, base: list, scope: dict | None) -> str:
        """The message for a child entry that overrides nothing: the closest inherited id, or the
        stage of the parent a rule id belongs to."""
        from .problems import suggest

        ids = [str(b.get("id")) for b in base if isinstance(b, dict)]
        hint = suggest(ident, ids)
        if what == "rule" and scope is not None:
            home = self.rule_home.get(str(ident))
            if home is not None:
                return f"rule {ident!r} is in stage {home!r} of {self.parent}, not {scope.get('id')!r}: move it there"
            hint = hint or suggest(ident, self.rule_home)
        new = f"a new {what} needs {lacking}"
        if hint:
            return f"id {ident!r} is not in {self.parent}{hint} ({new})"
        shown = ", ".join(ids[:12]) + (" …" if len(ids) > 12 else "")
        return f"id {ident!r} is not in {self.parent} ({new}; the {what}s there: {shown or 'none'})"

    def _near_miss(self, loc: tuple, ident: object, what: str, base: list) -> None:
        """A complete new entry whose id is close to an inherited one may be a misspelt override
        too; it is legal, so ``servicecheck lint`` only warns."""
        from .problems import suggest

        hint = suggest(ident, [str(b.get("id")) for b in base if isinstance(b, dict)], cutoff=_NEAR_MISS)
        if hint:
            self.near_misses.append(
                (loc, f"new {what} {ident!r} overrides nothing in {self.parent}{hint} (an override needs the same id)")
            )

    def packs(self, base: dict, child: dict) -> dict:
        """Child keys override the base; stages, rules, checks and scorecard items merge by id,
        key by key (``enabled: false`` switches one off); dictionary and negators add up."""
        self.rule_home = {
            str(r.get("id")): str(s.get("id"))
            for s in base.get("stages") or []
            if isinstance(s, dict)
            for r in (s.get("rules") or [])
            if isinstance(r, dict)
        }
        merged = {k: v for k, v in base.items() if k not in _NOT_INHERITED}
        merged.update({k: v for k, v in child.items() if k not in ("stages", "checks", "scorecard", "extends")})
        for key, what in (("stages", "stage"), ("checks", "check")):
            if isinstance(child.get(key), list):
                merged[key] = self.by_id(base.get(key) or [], child[key], what, (key,))
            elif key in child:
                merged[key] = child[key]  # not a list: validation reports it
        if "scorecard" in child:
            merged["scorecard"] = self.scorecard(child["scorecard"], base.get("scorecard"))
        if "lexicons" in child:
            merged["lexicons"] = merge_lexicons(base.get("lexicons"), child["lexicons"])
        for key in ("input", "review"):  # settings override one by one
            if isinstance(child.get(key), dict) and isinstance(base.get(key), dict):
                merged[key] = {**base[key], **child[key]}
        for key in ("dictionary", "negators"):
            if key in child and key in base and isinstance(child[key], list) and isinstance(base[key], list):
                merged[key] = list(base[key]) + [w for w in child[key] if w not in base[key]]
        return merged

    def scorecard(self, card: Any, base_card: Any) -> Any:
        """Settings override one by one; items merge by id."""
        if not (isinstance(card, dict) and isinstance(base_card, dict)):
            return card
        merged = {**base_card, **{k: v for k, v in card.items() if k != "items"}}
        if isinstance(card.get("items"), list):
            merged["items"] = self.by_id(base_card.get("items") or [], card["items"], "item", ("scorecard", "items"))
        return merged


def merge_packs(base: dict, child: dict, source: str = "", parent: str = "the parent pack") -> dict:
    """Child keys override the base; stages, rules, checks and scorecard items merge by id, key by key
    (``enabled: false`` switches one off). ``id`` and ``version`` are the child's own."""
    return _Merger(parent).packs(base, child)


def _resolve(reference: str, relative_to: Optional[Path]) -> Path:
    candidate = Path(reference)
    if relative_to is not None and not candidate.is_absolute():
        near = relative_to.parent / candidate
        if near.is_file():
            return near
    if candidate.is_file():
        return candidate
    builtin = find_pack_path(reference)
    if builtin is not None:
        return builtin
    raise FileNotFoundError(reference)


def _load_raw(path: Path, chain: tuple[str, ...]) -> tuple[dict, _Document]:
    source = str(path)
    key = str(path.resolve())
    if key in chain:
        cycle = " -> ".join([*chain, key])
        raise PackError(source, [("extends", f"circular extends: {cycle}")])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise PackError(source, [("extends", f"extends nested deeper than {MAX_EXTENDS_DEPTH}")])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PackError(source, [("", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    except OSError as exc:
        raise PackError(source, [("", f"cannot read: {exc.strerror or exc}")]) from None
    document = parse_yaml(text, source)
    data = document.data
    if not isinstance(data, dict):
        raise PackError(source, [("", "a pack must be a mapping with id, version, stages …")])
    _anchor_model_paths(data, path.parent)
    parent_ref = data.get("extends")
    if parent_ref is None:
        return data, document
    if not isinstance(parent_ref, str):
        raise PackError(source, [(_where(document, ("extends",)), "extends must be a pack id or a path")])
    try:
        parent_path = _resolve(parent_ref, path)
    except FileNotFoundError:
        raise PackError(
            source, [(_where(document, ("extends",)), f"extends {parent_ref!r}: no such pack or file")]
        ) from None
    parent, parent_document = _load_raw(parent_path, (*chain, key))
    _validate(parent, parent_document)  # a parent's own errors are reported against the parent's file
    return _extended(parent, data, document.lines, source, parent_ref)


def _extended(
    parent: dict, data: dict, lines: dict[tuple, int], source: str, parent_ref: str
) -> tuple[dict, _Document]:
    """The child merged into its parent, with a document that maps places back to the child's file."""
    merger = _Merger(parent_ref)
    merged = merger.packs(parent, data)
    document = _Document(merged, lines, source, own=data, parent=parent_ref, orphans=merger.orphans)
    document.near_misses = merger.near_misses
    return merged, document


def _where(document: _Document, loc: tuple) -> str:
    """``path (line N)`` in the author's own file for a place in the (merged) pack."""
    own = document.own_loc(tuple(loc))
    path = _yaml_path(own) or "<root>"
    line = document.line(own)
    return f"{path} (line {line})" if line else path


def _anchor_model_paths(data: dict, folder: Path) -> None:
    """Make each ``model.path`` of this file's rules absolute, relative to this file: a child pack and
    its parent each name models beside themselves, and a worker process given the pack as content
    finds them too."""
    for stage in data.get("stages") or []:
        for rule in (stage.get("rules") or []) if isinstance(stage, dict) else []:
            model = rule.get("model") if isinstance(rule, dict) else None
            if isinstance(model, dict) and isinstance(model.get("path"), str) and model["path"]:
                if not Path(model["path"]).is_absolute():
                    model["path"] = str((folder / model["path"]).resolve())


def _model_problems(pack: Pack) -> list[tuple[tuple, str]]:
    """``model`` rules whose folder holds no trained model (checked at load, not at the first call)."""
    from ..learn.files import missing_model_files

    problems = []
    for s, stage in enumerate(pack.stages):
        for r, rule in enumerate(stage.rules):
            if rule.model is not None and rule.enabled and stage.enabled:
                missing = missing_model_files(Path(rule.model.path))
                if missing:
                    problems.append((("stages", s, "rules", r, "model", "path"), missing))
    return problems


# -- validation ---------------------------------------------------------------------------------------------
def _validate(data: dict, document: _Document) -> Pack:
    """The pack, or a PackError listing every problem at its place in the author's file, in file order."""
    from .problems import validation_problems
    from .references import reference_problems

    pack: Pack | None = None
    try:
        expansion = expand_pack(data)
    except LexiconError as exc:
        located = _without_orphans(document, [(exc.loc, exc.message)])
        raise PackError(document.source, _in_file_order(document, located)) from None
    try:
        pack = Pack.model_validate(expansion.data, context={"references": "later"})
        problems = reference_problems(pack) + _regex_problems(pack) + _model_problems(pack)
        if _uses_plugins(pack):
            from ..plugins import plugin_problems

            problems += plugin_problems(pack)
    except ValidationError as exc:
        problems = validation_problems(exc, expansion.data)
    located = _without_orphans(document, problems)
    if located:
        raise PackError(document.source, _in_file_order(document, located))
    assert pack is not None
    _attach_lexicon_origins(pack, expansion)
    if expansion.used:
        pack._authored_content = data
    return pack


def _uses_plugins(pack: Pack) -> bool:
    """Whether a rule or a check comes from a plugin (only then are entry points looked up)."""
    from .schema import PluginCheck

    return any(isinstance(c, PluginCheck) for c in pack.checks) or any(
        rule.plugin is not None for stage in pack.stages for rule in stage.rules
    )


def _attach_lexicon_origins(pack: Pack, expansion: Expansion) -> None:
    """Tell each rule which lexicons it uses and what the author wrote for each expanded regex."""
    pack._lexicons_used = frozenset(expansion.used)
    for (s, r), names in expansion.used_by_rule.items():
        rule = pack.stages[s].rules[r]
        rule._lexicons = names
        rule._authored = dict(expansion.authored.get((s, r), {}))


def _without_orphans(document: _Document, problems: list[tuple[tuple, str]]) -> list[tuple[tuple, str]]:
    """Problems at places in the author's file. Inside a misspelt override (an entry that overrides
    nothing and lacks what a new one needs), the missing fields are one problem: the id."""
    out = list(document.orphans)
    for loc, message in problems:
        own = document.own_loc(loc)
        if not any(own[: len(orphan)] == orphan for orphan, _ in document.orphans):
            out.append((own, message))
    return out


def _in_file_order(document: _Document, problems: list[tuple[tuple, str]]) -> list[tuple[str, str]]:
    """``(path (line N), message)`` sorted by line (places without one last), each problem once."""
    rows: list[tuple[float, str, str]] = []
    for loc, message in problems:
        path = _yaml_path(loc) or "<root>"
        line = document.line(loc)
        row = (line if line else float("inf"), f"{path} (line {line})" if line else path, message)
        if row not in rows:
            rows.append(row)
    rows.sort(key=lambda row: row[0])
    return [(where, message) for _, where, message in rows]


def _regex_problems(pack: Pack) -> list[tuple[tuple, str]]:
    """Checks the schema cannot express: every ``regex`` list anywhere must compile on RE2."""
    from ..match.regex import RegexCompileError, compile_regex

    problems: list[tuple[tuple, str]] = []
    ignore_case = pack.normalize.casefold  # Normalizer.ignore_case

    def walk(node: Any, loc: tuple) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "regex" and isinstance(value, list):
                    for i, pattern in enumerate(value):
                        try:
                            # With the case setting matching will use: a pattern that normalisation
                            # leaves as it is (most) is then compiled once, here, for the checker too.
                            compile_regex(pattern, ignore_case)
                        except RegexCompileError as exc:
                            problems.append(((*loc, key, i), str(exc)))
                else:
                    walk(value, (*loc, key))
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, (*loc, i))

    walk(pack.model_dump(mode="python", exclude_defaults=False), ())
    return problems


def content_hash(pack: Pack) -> str:
    """A stable hash of the pack's effective content (after extends), reported with every result."""
    canonical = json.dumps(pack.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def load_pack(source: PackSource | Pack) -> Pack:
    """Load a pack by built-in id (``"bank-cn"``), by path to a YAML file, or from a dict; a Pack as it is."""
    if isinstance(source, Pack):
        return source
    return load_pack_document(source)[0]


def load_pack_document(source: str | Path | dict) -> tuple[Pack, _Document]:
    """The pack and its document (its own data, lines, parent), for tools that point into the
    author's file (``servicecheck lint``)."""
    if isinstance(source, dict):
        document = _Document(source, {}, "<dict>")
        data = source
        if "extends" in source and isinstance(source["extends"], str):
            try:
                parent_path = _resolve(source["extends"], None)
            except FileNotFoundError:
                raise PackError("<dict>", [("extends", f"no such pack or file: {source['extends']!r}")]) from None
            parent, parent_document = _load_raw(parent_path, ())
            _validate(parent, parent_document)
            data, document = _extended(parent, source, {}, "<dict>", source["extends"])
        return _finish(_validate(data, document), "<dict>"), document
    path = Path(source)
    if not path.suffix and not path.exists():
        builtin = find_pack_path(str(source))
        if builtin is None:
            from ..plugins import installed_pack_ids

            known = ", ".join(builtin_pack_ids()) or "none"
            installed = ", ".join(installed_pack_ids()) or "none"
            raise PackError(
                str(source), [("", f"no built-in pack {str(source)!r} (built-in: {known}; installed: {installed})")]
            )
        path = builtin
    data, document = _load_raw(path, ())
    return _finish(_validate(data, document), str(path)), document


def _finish(pack: Pack, source: str) -> Pack:
    pack._source = source
    pack._content_hash = content_hash(pack)
    return pack


def pack_source(pack: Pack) -> str:
    return pack._source


def pack_hash(pack: Pack) -> str:
    if pack._content_hash is None:
        pack._content_hash = content_hash(pack)
    return pack._content_hash
