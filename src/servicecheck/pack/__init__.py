"""Rule packs: the schema (what QA staff write), loading (YAML, extends) and linting."""

from .load import builtin_pack_ids, load_pack, pack_hash, pack_source
from .schema import Pack, Rule, Stage, pack_json_schema

__all__ = ["Pack", "Rule", "Stage", "builtin_pack_ids", "load_pack", "pack_hash", "pack_json_schema", "pack_source"]
