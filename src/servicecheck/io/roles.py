"""Speaker labels as they appear in recording systems, mapped to the roles the checker knows."""

from __future__ import annotations

from typing import Any, Mapping, Optional

DEFAULT_ROLES: dict[str, str] = {
    "agent": "agent",
    "坐席": "agent",
    "客服": "agent",
    "座席": "agent",
    "人工客服": "agent",
    "staff": "agent",
    "customer": "customer",
    "客户": "customer",
    "用户": "customer",
    "顾客": "customer",
    "user": "customer",
    "caller": "customer",
    "other": "other",
    "系统": "other",
    "system": "other",
    "ivr": "other",
}


# How an agent speaks, seldom a customer: opening a call (这里是, 工号, 有什么可以帮您) and serving
# (帮您, 为您, 请您, 稍等, 抱歉 …). The role heuristic's cues (docs/inputs.md); a pack can replace them.
DEFAULT_AGENT_CUES: tuple[str, ...] = (
    "这里是",
    "欢迎致电",
    "欢迎来电",
    "欢迎您",
    "很高兴为您服务",
    "为您服务",
    "有什么可以帮您",
    "有什么可以帮到您",
    "有什么能帮您",
    "有什么需要帮助",
    "请问有什么",
    "请问您",
    "工号",
    "为您",
    "帮您",
    "给您",
    "请您",
    "建议您",
    "麻烦您",
    "感谢您",
    "您的",
    "您可以",
    "稍等",
    "抱歉",
    "您好",
)


class RoleMap:
    """Maps speaker labels to agent / customer / other.

    Labels are compared as text, case-insensitive, surrounding spaces ignored; integer labels (channel
    and speaker ids from recognisers) are taken as their decimal text, so ``{"0": "agent"}`` maps a
    speaker ``0``. The recording systems' usual names (坐席, 客户, agent …) are known unless
    ``replace=True``; the labels given here are the *explicit* ones (``explicit``)."""

    # Labels are text or whole numbers (anything else is refused); Any, since Mapping is invariant in its
    # key type and a dict[str, str] is not a Mapping[object, str].
    def __init__(self, extra: Optional[Mapping[Any, str]] = None, *, replace: bool = False) -> None:
        table: dict[str, str] = {} if replace else dict(DEFAULT_ROLES)
        explicit: dict[str, str] = {}
        for label, role in (extra or {}).items():
            if role not in ("agent", "customer", "other"):
                raise ValueError(f"role map: {label!r} maps to {role!r}; use agent, customer or other")
            key = _key(label)
            if key is None:
                raise ValueError(f"role map: label {label!r} must be text or a whole number")
            table[key] = role
            explicit[key] = role
        # Every key is already a _key (the built-in names are written that way).
        self._table = table
        self._explicit = explicit

    def role(self, label: object) -> Optional[str]:
        key = _key(label)
        return None if key is None else self._table.get(key)

    def explicit(self, label: object) -> Optional[str]:
        """The role given for ``label`` by whoever built this map (not a built-in name), if any."""
        key = _key(label)
        return None if key is None else self._explicit.get(key)

    def labels(self) -> list[str]:
        return sorted(self._table)

    def with_roles(self, extra: Mapping[Any, str]) -> "RoleMap":
        """A copy with more explicit labels (later ones win): a pack's map, then the caller's."""
        merged = RoleMap(replace=True)
        merged._table = {**self._table, **RoleMap(extra, replace=True)._table}
        merged._explicit = {**self._explicit, **RoleMap(extra, replace=True)._explicit}
        return merged

    def explicit_items(self) -> dict[str, str]:
        return dict(self._explicit)


def _key(label: object) -> Optional[str]:
    if isinstance(label, bool):
        return None
    if isinstance(label, int):
        return str(label)
    if isinstance(label, str):
        return label.strip().casefold()
    return None


def parse_role_map(text: str) -> dict[str, str]:
    """``"0=agent,1=customer"`` (the ``--role-map`` option) as a dict; ValueError names a bad pair."""
    found: dict[str, str] = {}
    for pair in text.split(","):
        if not pair.strip():
            continue
        label, sep, role = pair.partition("=")
        if not sep or not label.strip():
            raise ValueError(f"role map {text!r}: {pair.strip()!r} is not LABEL=ROLE")
        found[label.strip()] = role.strip()
    return found
