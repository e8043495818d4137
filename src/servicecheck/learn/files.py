"""What a model folder must hold; asked when a pack loads, so it imports nothing heavy."""

from __future__ import annotations

from pathlib import Path

MODEL_FILE = "model.joblib"
META_FILE = "model.json"


def missing_model_files(folder: Path) -> str:
    """Why ``folder`` is no usable model ("" when it is one)."""
    if not folder.is_dir():
        return f"no model folder {str(folder)!r} (train one with servicecheck train … -o {folder.name})"
    absent = [name for name in (MODEL_FILE, META_FILE) if not (folder / name).is_file()]
    if absent:
        return f"model folder {str(folder)!r} lacks {', '.join(absent)}"
    return ""
