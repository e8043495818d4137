"""Build: the modules every check runs through are compiled to C extensions with mypyc.

Everything else about the package is declared in pyproject.toml; this file only adds the compiled
modules. mypyc turns the type-annotated Python of ``COMPILED`` into C (the same sources, the same
behaviour: the test suite and ``benchmarks/same_reports.py`` run on the compiled build), which makes
``Checker.check`` about a quarter faster (docs/performance.md). The .py sources ship beside the
extensions and are what runs wherever an extension is missing.

- ``SERVICECHECK_PURE_PYTHON=1`` at install time builds a pure-Python package (a wheel for any
  platform, e.g. for Spark's ``--py-files``; or a checkout whose edits take effect without a rebuild).
- Without a C compiler the extensions are skipped (each is ``optional``) and the package is pure Python.
"""

from __future__ import annotations

import os
import tempfile

from setuptools import setup

# The modules on the path of Checker.check, under src/. Compiled as one group: calls between them
# are native calls. Adding a module here: it must pass mypy, and the suite must pass on the build.
COMPILED = [
    "servicecheck/cache.py",
    "servicecheck/checker.py",
    "servicecheck/recognition.py",
    "servicecheck/score.py",
    "servicecheck/spans.py",
    "servicecheck/checks/__init__.py",
    "servicecheck/checks/base.py",
    "servicecheck/checks/conditional.py",
    "servicecheck/checks/pattern.py",
    "servicecheck/checks/personal_data.py",
    "servicecheck/checks/position.py",
    "servicecheck/checks/repeats.py",
    "servicecheck/checks/sequence.py",
    "servicecheck/checks/timing.py",
    "servicecheck/match/base.py",
    "servicecheck/match/compile.py",
    "servicecheck/match/context.py",
    "servicecheck/match/fuzzy.py",
    "servicecheck/match/literals.py",
    "servicecheck/match/phrases.py",
    "servicecheck/match/pinyin.py",
    "servicecheck/match/regex.py",
    "servicecheck/match/tokens.py",
    "servicecheck/privacy/checksums.py",
    "servicecheck/privacy/detect.py",
    "servicecheck/text/chars.py",
    "servicecheck/text/fastcut.py",
    "servicecheck/text/normalize.py",
    "servicecheck/text/segment.py",
    "servicecheck/text/t2s.py",
]

MYPYC_CONFIG = """\
[mypy]
ignore_missing_imports = True
no_site_packages = True
follow_imports = silent
check_untyped_defs = True
"""


def _extensions() -> list:
    if os.environ.get("SERVICECHECK_PURE_PYTHON", "").strip() not in ("", "0"):
        return []
    from mypyc.build import mypycify

    # mypyc type-checks what it compiles. In an isolated build environment only setuptools and mypy are
    # installed, so the build has a mypy configuration of its own: every installed package is Any, whether
    # or not the environment has it (no_site_packages: the same build everywhere; mypyc then
    # calls into it as Python does) and pydantic's plugin is not needed. CI type-checks the sources in
    # full with [tool.mypy] from pyproject.toml.
    with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as config:
        config.write(MYPYC_CONFIG)
    try:
        # mypy names each module by the packages above its file: src/servicecheck/checker.py is
        # servicecheck.checker.
        extensions = mypycify(
            ["--config-file", config.name] + [f"src/{path}" for path in COMPILED],
            opt_level="3",
            debug_level="0",
            group_name="servicecheck_native",
        )
    finally:
        os.unlink(config.name)
    for extension in extensions:
        extension.optional = True  # no compiler (or a failed build): that module stays pure Python
    return extensions


setup(ext_modules=_extensions())
