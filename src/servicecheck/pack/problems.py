"""Validation errors said the way the pack's author wrote the pack.

pydantic reports where it looked, not where the author typed: an error inside a check carries the
check's type in its path (``checks[0].silence.max_second``), a smart union the member it tried
(``dictionary[0].DictionaryWord.freq``). Authors cannot find those keys in their file, so the paths
are given back without them, and unknown keys and types come with the closest valid spelling.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterable
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .schema import Pack

Loc = tuple  # a YAML path: keys and list indexes


def suggest(word: object, candidates: Iterable[str], cutoff: float = 0.6) -> str:
    """``"; did you mean 'x'?"`` for the closest candidate, or ``""``: a typo is named with its fix.
    ``cutoff`` is difflib's similarity ratio a candidate needs."""
    if not isinstance(word, str):
        return ""
    found = difflib.get_close_matches(word, list(candidates), n=1, cutoff=cutoff)
    return f"; did you mean {found[0]!r}?" if found else ""


def _unwrap(annotation: Any) -> Any:
    """The type under ``Annotated[...]`` and ``Optional[...]``: neither adds a step to an error path."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType) and type(None) in get_args(annotation):
            rest = [a for a in get_args(annotation) if a is not type(None)]
            annotation = rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007
        else:
            return annotation


def _members(annotation: Any) -> tuple:
    """The members of a union (``()`` for anything else), each without its ``Annotated`` tag."""
    if get_origin(annotation) not in (Union, types.UnionType):
        return ()
    return tuple(get_args(m)[0] if get_origin(m) is Annotated else m for m in get_args(annotation))


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _tag(model: Any) -> str | None:
    """The ``type`` literal of a check model: the tag pydantic puts into error paths."""
    if not _is_model(model) or "type" not in model.model_fields:
        return None
    values = get_args(model.model_fields["type"].annotation)
    return values[0] if len(values) == 1 else None


def _label(member: Any) -> str:
    """The name pydantic gives a smart-union member in error paths."""
    if _is_model(member):
        return member.__name__
    origin = get_origin(member)
    if origin is None:
        return getattr(member, "__name__", str(member))
    args = ",".join(_label(a) for a in get_args(member))
    return f"{origin.__name__}[{args}]"


def _fits(member: Any, node: Any) -> bool:
    """Whether ``node`` has the shape of ``member``: errors of members the value was never meant
    to be (a mapping tried as a string) are noise."""
    origin = get_origin(member) or member
    if _is_model(member) or origin is dict:
        return isinstance(node, dict)
    if origin is list:
        return isinstance(node, list)
    if member is str:
        return isinstance(node, str)
    return True


def check_types() -> list[str]:
    """Every check ``type``, in schema order."""
    union = _unwrap(get_args(Pack.model_fields["checks"].annotation)[0])
    return [t for t in (_tag(m) for m in _members(union)) if t]


class _Step:
    """Where a walk along an error path stands: the author's path so far, the type expected here,
    the data there, and whether the error belongs to a union member the data does not fit."""

    def __init__(self, data: Any) -> None:
        self.loc: list = []
        self.annotation: Any = Pack
        self.node: Any = data
        self.owner: Any = None  # the model the last key belongs to
        self.noise = False

    def enter(self, part: Any) -> None:
        """One step into a model field, a list item or a dict value."""
        annotation = _unwrap(self.annotation)
        self.owner = annotation if _is_model(annotation) else None
        if self.owner is not None:
            field = self.owner.model_fields.get(part)
            self.annotation = field.annotation if field else None
        elif get_origin(annotation) in (list, dict):
            self.annotation = get_args(annotation)[-1]
        else:
            self.annotation = None
        self.loc.append(part)
        if isinstance(self.node, dict):
            self.node = self.node.get(part)
        elif isinstance(self.node, list) and isinstance(part, int) and 0 <= part < len(self.node):
            self.node = self.node[part]
        else:
            self.node = None

    def choose(self, label: str) -> None:
        """Skip a union member's name in the path and go on with that member."""
        members = _members(_unwrap(self.annotation))
        chosen = next((m for m in members if label in (_tag(m), _label(m))), None)
        if chosen is not None and not _fits(chosen, self.node) and any(_fits(m, self.node) for m in members):
            self.noise = True
        self.annotation = chosen

    def at_union(self) -> bool:
        return len(_members(_unwrap(self.annotation))) > 1


def author_path(loc: Iterable, data: Any) -> _Step:
    """Walk pydantic's error path through the pack's schema and data, leaving out union labels."""
    step = _Step(data)
    for part in loc:
        if isinstance(part, str) and step.at_union():
            step.choose(part)
        else:
            step.enter(part)
    return step


def _message(error: ErrorDetails, step: _Step) -> tuple[Loc, str]:
    """The author's path and a message that names what they typed and what they may have meant."""
    loc = tuple(step.loc)
    kind = error["type"]
    if kind == "extra_forbidden" and step.owner is not None:
        key = loc[-1]
        check = _tag(step.owner)
        where = f" for a {check} check" if check else ""
        return loc, f"unknown key {key!r}{where}{suggest(key, step.owner.model_fields)}"
    if kind == "union_tag_invalid":
        tag = (error.get("ctx") or {}).get("tag")
        known = check_types()
        return (*loc, "type"), f"unknown check type {tag!r}{suggest(tag, known)} (types: {', '.join(known)})"
    if kind == "union_tag_not_found":
        return loc, f"a check needs a type: one of {', '.join(check_types())}"
    return loc, error["msg"].removeprefix("Value error, ")


def validation_problems(exc: ValidationError, data: Any) -> list[tuple[Loc, str]]:
    """pydantic's errors as (author's YAML path, message), without the noise of union members
    the value never was, each problem once."""
    problems: list[tuple[Loc, str]] = []
    for error in exc.errors():
        step = author_path(error["loc"], data)
        if step.noise:
            continue
        problem = _message(error, step)
        if problem not in problems:
            problems.append(problem)
    return problems
