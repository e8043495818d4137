"""JSON Schemas of what servicecheck reads and writes, for editors and for the systems that store
reports (``servicecheck schema pack|transcript|report``; the files in docs/ are these, committed)."""

from __future__ import annotations

from typing import Any

SCHEMAS = ("pack", "transcript", "report")
_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(kind: str = "pack", plugins: bool = True) -> dict[str, Any]:
    """The schema of a rule pack, of a transcript as servicecheck JSON reads it (validation: what may
    be given), or of a report as written (serialization: what will be there). ``plugins=False``
    leaves installed plugins' matchers and checks out of the pack schema."""
    if kind == "pack":
        from .pack import pack_json_schema

        return pack_json_schema(plugins=plugins)
    from .model import Report, Transcript

    if kind == "transcript":
        schema = Transcript.model_json_schema(mode="validation")
        title = "servicecheck transcript"
    elif kind == "report":
        schema = Report.model_json_schema(mode="serialization")
        title = "servicecheck report"
    else:
        raise ValueError(f"no schema {kind!r}: use one of {', '.join(SCHEMAS)}")
    schema["$schema"] = _DRAFT
    schema["title"] = title
    return schema
