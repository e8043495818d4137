"""Which modules run compiled (setup.py builds them with mypyc), and whether any is older than its source.

An editable checkout runs the extension built at install time even after its .py file has changed:
Python's import system prefers an extension module to a source file of the same name. Edits would
silently not run, so importing servicecheck warns when an extension is older than its source.
"""

from __future__ import annotations

import os
import warnings
from importlib.machinery import EXTENSION_SUFFIXES

_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_FOLDERS = ("", "checks", "match", "privacy", "text")  # where setup.py's COMPILED modules live
# A wheel's files are written within moments of each other; an edit comes later than this.
_STALE_AFTER_SECONDS = 2.0


def _extensions() -> list[tuple[str, str, str]]:
    """(dotted module name, extension path, source path) of each extension module with a source beside it."""
    found = []
    for folder in _FOLDERS:
        directory = os.path.join(_PACKAGE, folder)
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            for suffix in EXTENSION_SUFFIXES:
                if name.endswith(suffix):
                    stem = name[: -len(suffix)]
                    source = os.path.join(directory, stem + ".py")
                    if os.path.exists(source):
                        module = ".".join(p for p in ("servicecheck", folder, stem) if p and p != "__init__")
                        found.append((module, os.path.join(directory, name), source))
                    break
    return sorted(found)


def compiled_modules() -> list[str]:
    """The servicecheck modules installed as compiled extensions (empty for a pure-Python install)."""
    return [module for module, _, _ in _extensions()]


def stale_modules() -> list[str]:
    """Compiled modules whose source file was changed after the extension was built."""
    stale = []
    for module, extension, source in _extensions():
        try:
            if os.stat(source).st_mtime > os.stat(extension).st_mtime + _STALE_AFTER_SECONDS:
                stale.append(module)
        except OSError:
            continue
    return stale


def warn_if_stale() -> None:
    stale = stale_modules()
    if stale:
        warnings.warn(
            f"servicecheck: {len(stale)} compiled module(s) are older than their sources and run instead of "
            f"them ({', '.join(stale)}). Rebuild with `pip install -e .`, or install with "
            "SERVICECHECK_PURE_PYTHON=1 to run the sources as they are.",
            RuntimeWarning,
            stacklevel=3,
        )
