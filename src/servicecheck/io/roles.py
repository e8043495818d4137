"""Speaker labels as they appear in recording systems, mapped to the roles the checker knows."""

from __future__ import annotations

from typing import Mapping, Optional

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


class RoleMap:
    """Maps speaker labels (case-insensitive, surrounding spaces ignored) to agent / customer / other."""

    def __init__(self, extra: Optional[Mapping[str, str]] = None, *, replace: bool = False) -> None:
        table = {} if replace else dict(DEFAULT_ROLES)
        for label, role in (extra or {}).items():
            if role not in ("agent", "customer", "other"):
                raise ValueError(f"role map: {label!r} maps to {role!r}; use agent, customer or other")
            table[label] = role
        self._table = {k.strip().casefold(): v for k, v in table.items()}

    def role(self, label: object) -> Optional[str]:
        if not isinstance(label, str):
            return None
        return self._table.get(label.strip().casefold())

    def labels(self) -> list[str]:
        return sorted(self._table)
