"""The packs ``load_pack`` can find by id: built-in ones, then those installed by plugins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .load import builtin_pack_ids, builtin_pack_path


def _version(path: Path) -> str:
    """The pack's ``version`` as written ("" when the file cannot be read)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return ""
    return str(data.get("version", "")) if isinstance(data, dict) else ""


def pack_catalog() -> list[dict[str, Any]]:
    """``{id, version, source, path}`` of every pack, built-in first; an installed pack whose id a
    built-in pack already has is shown with source ``... (shadowed)``: load_pack finds the built-in."""
    from ..plugins import installed_pack_ids, installed_pack_path, installed_pack_source

    rows: list[dict[str, Any]] = []
    for pack_id in builtin_pack_ids():
        path = builtin_pack_path(pack_id)
        if path is not None:
            rows.append({"id": pack_id, "version": _version(path), "source": "built-in", "path": str(path)})
    builtin = {row["id"] for row in rows}
    for pack_id in installed_pack_ids():
        source = installed_pack_source(pack_id)
        try:
            path = installed_pack_path(pack_id)
        except Exception as exc:  # a broken plugin is listed, not fatal
            rows.append({"id": pack_id, "version": "", "source": f"{source} (error: {exc})", "path": None})
            continue
        if pack_id in builtin:
            source += " (shadowed by the built-in pack)"
        version = _version(path) if path is not None else ""
        rows.append({"id": pack_id, "version": version, "source": source, "path": str(path) if path else None})
    return rows
