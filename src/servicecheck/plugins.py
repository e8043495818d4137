"""Extension points: matchers, checks and packs from other installed packages (docs/plugins.md).

Three entry-point groups, read lazily (the first time a pack uses a plugin, never at
``import servicecheck``) and cached until ``refresh()``:

* ``servicecheck.matchers``: a :class:`MatcherPlugin` subclass, used in a rule as
  ``plugin: {name: NAME, options: {...}}``;
* ``servicecheck.checks``: a :class:`CheckPlugin` subclass, used in ``checks:`` as ``type: NAME``;
* ``servicecheck.packs``: a path to a pack YAML file (str or Path) or a callable returning one, so
  ``load_pack(NAME)`` finds it after the built-in packs.

Options are validated by the plugin's own pydantic model (``Options``) when the pack is loaded; errors
are reported at the author's YAML line like the built-in ones.
"""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterable, Optional, Union

from pydantic import BaseModel, ConfigDict, ValidationError

MATCHERS = "servicecheck.matchers"
CHECKS = "servicecheck.checks"
PACKS = "servicecheck.packs"

# A matcher hit: [start, end) in the NORMALISED text, optionally with the pattern to show in explanations.
Hit = Union[tuple[int, int], tuple[int, int, str]]


class NoOptions(BaseModel):
    """Options model of a plugin that takes none."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class MatcherPlugin:
    """Base of a custom matcher. Subclass it, set ``name`` and ``Options`` (a pydantic model, best with
    ``extra="forbid"``), and implement ``find``.

    One instance is made per rule when a pack is compiled, with the validated options and the pack's
    normaliser (``normalize(text) -> text``: apply it to dictionary words so they compare with
    ``view.norm``). ``find`` must depend on ``view.norm`` only: candidates are cached by it."""

    name: ClassVar[str] = ""
    Options: ClassVar[type[BaseModel]] = NoOptions

    def __init__(self, options: BaseModel, normalize: Callable[[str], str]) -> None:
        self.options = options
        self.normalize = normalize

    def find(self, view: Any) -> Iterable[Hit]:  # view: servicecheck.text.TextView
        """Every hit in ``view.norm``: ``(start, end)`` or ``(start, end, pattern)``."""
        raise NotImplementedError


class CheckPlugin:
    """Base of a custom check. Subclass it, set ``name`` and ``Options``, implement ``run``.

    The check's own keys (besides id, type, severity, message, suggestion, enabled, channels, stage)
    are validated by ``Options``; ``run`` gets the check entry (``check.options`` holds the validated
    options) and the same ``CheckContext`` as built-in checks, and returns findings, best made with
    ``ctx.finding(check, utterance_index, explanation, span=...)``."""

    name: ClassVar[str] = ""
    Options: ClassVar[type[BaseModel]] = NoOptions

    def __init__(self, options: BaseModel) -> None:
        self.options = options

    def run(self, check: Any, ctx: Any) -> list:
        raise NotImplementedError


# -- discovery ------------------------------------------------------------------------------------------
_cache: dict[str, dict[str, metadata.EntryPoint]] = {}
_loaded: dict[tuple[str, str], Any] = {}


def refresh() -> None:
    """Forget discovered entry points (after installing a plugin in a running process, or in tests)."""
    _cache.clear()
    _loaded.clear()


def entry_points(group: str) -> dict[str, metadata.EntryPoint]:
    """The group's entry points by name (the first one of a name wins)."""
    if group not in _cache:
        found = metadata.entry_points(group=group)
        points: dict[str, metadata.EntryPoint] = {}
        for point in found:
            points.setdefault(point.name, point)
        _cache[group] = points
    return _cache[group]


def _load(group: str, name: str) -> Any:
    key = (group, name)
    if key not in _loaded:
        point = entry_points(group).get(name)
        _loaded[key] = None if point is None else point.load()
    return _loaded[key]


def matcher_names() -> list[str]:
    return sorted(entry_points(MATCHERS))


def check_names() -> list[str]:
    return sorted(entry_points(CHECKS))


def matcher_plugin(name: str) -> Optional[type[MatcherPlugin]]:
    return _load(MATCHERS, name)


def check_plugin(name: str) -> Optional[type[CheckPlugin]]:
    return _load(CHECKS, name)


def installed_pack_ids() -> list[str]:
    return sorted(entry_points(PACKS))


def installed_pack_path(pack_id: str) -> Optional[Path]:
    """The YAML file of an installed pack, or None."""
    if pack_id not in entry_points(PACKS):
        return None
    value = _load(PACKS, pack_id)
    if callable(value):
        value = value()
    return Path(os.fspath(value)) if value is not None else None


def installed_pack_source(pack_id: str) -> str:
    """``distribution version`` that installed the pack (or the entry point value)."""
    point = entry_points(PACKS)[pack_id]
    dist = getattr(point, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else point.value


# -- options --------------------------------------------------------------------------------------------
def _errors(exc: ValidationError, prefix: tuple) -> list[tuple[tuple, str]]:
    return [((*prefix, *e["loc"]), e["msg"].removeprefix("Value error, ")) for e in exc.errors()]


def plugin_problems(pack: Any) -> list[tuple[tuple, str]]:
    """Unknown plugins and invalid plugin options, at their place in the pack; validated options are
    kept on the rule's ``plugin`` and on the check (``options``)."""
    from .pack.problems import check_types, suggest

    problems: list[tuple[tuple, str]] = []
    for s, stage in enumerate(pack.stages):
        for r, rule in enumerate(stage.rules):
            if rule.plugin is None:
                continue
            loc = ("stages", s, "rules", r, "plugin")
            cls = matcher_plugin(rule.plugin.name)
            if cls is None:
                installed = matcher_names()
                problems.append(
                    (
                        (*loc, "name"),
                        f"no matcher plugin {rule.plugin.name!r} is installed"
                        f"{suggest(rule.plugin.name, installed)} (installed: {', '.join(installed) or 'none'})",
                    )
                )
                continue
            try:
                rule.plugin._parsed = cls.Options.model_validate(rule.plugin.options)
            except ValidationError as exc:
                problems.extend(_errors(exc, (*loc, "options")))
    for c, check in enumerate(pack.checks):
        if check.type in _builtin_types():
            continue
        check_cls = check_plugin(check.type)
        if check_cls is None:
            known = check_types() + check_names()
            problems.append(
                (
                    ("checks", c, "type"),
                    f"unknown check type {check.type!r}{suggest(check.type, known)} (types: {', '.join(known)})",
                )
            )
            continue
        try:
            check._parsed = check_cls.Options.model_validate(check.model_extra or {})
        except ValidationError as exc:
            problems.extend(_errors(exc, ("checks", c)))
    return problems


def _builtin_types() -> list[str]:
    from .pack.problems import check_types

    return check_types()


def parsed_options(ref: Any, cls: Any, raw: dict) -> BaseModel:
    """The validated options of a rule's plugin or a plugin check (validated now if never loaded)."""
    if ref._parsed is None:
        ref._parsed = cls.Options.model_validate(raw)
    return ref._parsed


def make_matcher(ref: Any, normalize: Callable[[str], str]) -> MatcherPlugin:
    cls = matcher_plugin(ref.name)
    if cls is None:
        raise LookupError(f"no matcher plugin {ref.name!r} is installed")
    return cls(parsed_options(ref, cls, ref.options), normalize)


def run_plugin_check(check: Any, ctx: Any) -> list:
    cls = check_plugin(check.type)
    if cls is None:
        raise LookupError(f"no check plugin {check.type!r} is installed")
    return list(cls(parsed_options(check, cls, check.model_extra or {})).run(check, ctx))


# -- JSON Schema ------------------------------------------------------------------------------------------
def _model_schema(model: type[BaseModel], defs: dict) -> dict:
    schema = model.model_json_schema(ref_template="#/$defs/{model}")
    defs.update(schema.pop("$defs", {}))
    return schema


def extend_json_schema(schema: dict, installed: bool = True) -> dict:
    """The pack schema with each installed plugin's options: a ``plugin:`` of a rule is one of the
    installed matchers, a check may be one of the installed check types. Without ``installed``, as
    if none were installed (a check's type is then never a plugin's)."""
    defs = schema.setdefault("$defs", {})
    matchers = []
    for name in matcher_names() if installed else []:
        cls = matcher_plugin(name)
        if cls is None:
            continue
        matchers.append(
            {
                "type": "object",
                "title": f"matcher plugin {name}",
                "properties": {"name": {"const": name}, "options": _model_schema(cls.Options, defs)},
                "required": ["name"],
                "additionalProperties": False,
            }
        )
    if matchers and "PluginRef" in defs:
        defs["PluginRef"] = {"oneOf": matchers, "description": defs["PluginRef"].get("description", "")}
    base = defs.get("PluginCheck", {})
    variants = []
    for name in check_names() if installed else []:
        check_cls = check_plugin(name)
        if check_cls is None:
            continue
        options = _model_schema(check_cls.Options, defs)
        properties = {k: v for k, v in base.get("properties", {}).items() if k != "type"}
        properties.update(options.get("properties", {}))
        properties["type"] = {"const": name}
        defs[f"plugin_check_{name}"] = {
            "type": "object",
            "title": f"check plugin {name}",
            "properties": properties,
            "required": sorted({"id", "type", *options.get("required", [])}),
            "additionalProperties": False,
        }
        variants.append({"$ref": f"#/$defs/plugin_check_{name}"})
    # The generic PluginCheck would accept any type: editors get the installed check types instead.
    items = schema.get("properties", {}).get("checks", {}).get("items", {})
    if "oneOf" in items:
        items["oneOf"] = [v for v in items["oneOf"] if v.get("$ref") != "#/$defs/PluginCheck"] + variants
        defs.pop("PluginCheck", None)
    return schema
