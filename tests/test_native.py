"""The compiled build (setup.py compiles the checking modules with mypyc): it is the one installed, it
behaves exactly as the sources do, and an edited source is not silently shadowed by an old extension.

Where the package was installed without extensions (SERVICECHECK_PURE_PYTHON=1, or no C compiler) the
tests that need them are skipped; CI sets SERVICECHECK_REQUIRE_COMPILED=1, so there they must run.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from conftest import REPO

import servicecheck
from servicecheck import _native

PACKAGE = Path(servicecheck.__file__).resolve().parent


def _setup_compiled() -> list[str]:
    """setup.py's COMPILED list as module names, read without running setup.py."""
    tree = ast.parse((REPO / "setup.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "COMPILED" for t in node.targets):
            paths = ast.literal_eval(node.value)
            return sorted(p[: -len(".py")].replace("/", ".").removesuffix(".__init__") for p in paths)
    raise AssertionError("setup.py has no COMPILED list")


def _require_compiled() -> None:
    if not _native.compiled_modules():
        if os.environ.get("SERVICECHECK_REQUIRE_COMPILED"):
            pytest.fail("servicecheck was installed without its compiled modules (SERVICECHECK_REQUIRE_COMPILED=1)")
        pytest.skip("a pure-Python install (SERVICECHECK_PURE_PYTHON=1 or no C compiler)")


def test_every_module_setup_py_compiles_runs_compiled():
    _require_compiled()
    assert _native.compiled_modules() == _setup_compiled()
    assert _native.stale_modules() == []
    assert Path(sys.modules["servicecheck.checker"].__file__).suffix in (".so", ".pyd")


def test_an_extension_older_than_its_source_is_reported_and_warned_about(tmp_path):
    (tmp_path / "match").mkdir()
    source = tmp_path / "match" / "regex.py"
    extension = tmp_path / "match" / "regex.cpython-311-x86_64-linux-gnu.so"
    fresh = tmp_path / "cache.py"
    fresh_extension = tmp_path / "cache.cpython-311-x86_64-linux-gnu.so"
    for path in (source, extension, fresh, fresh_extension):
        path.write_text("")
    built = time.time() - 60
    os.utime(extension, (built, built))  # built a minute before the source was edited
    os.utime(fresh_extension, (built, built))
    os.utime(fresh, (built - 1, built - 1))
    suffix = ".cpython-311-x86_64-linux-gnu.so"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_native, "_PACKAGE", str(tmp_path))
        patch.setattr(_native, "EXTENSION_SUFFIXES", [suffix])
        assert _native.compiled_modules() == ["servicecheck.cache", "servicecheck.match.regex"]
        assert _native.stale_modules() == ["servicecheck.match.regex"]
        with pytest.warns(RuntimeWarning, match=r"servicecheck\.match\.regex.*pip install -e \."):
            _native.warn_if_stale()
        os.utime(extension, None)  # rebuilt
        assert _native.stale_modules() == []
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _native.warn_if_stale()


_CLI = "import sys; from servicecheck.cli import main; sys.exit(main(sys.argv[1:]))"


@pytest.mark.slow
def test_compiled_and_pure_python_write_the_same_reports(tmp_path):
    """The examples through `servicecheck check --format jsonl`, once as installed and once from a copy
    of the sources without the extensions: byte-identical output."""
    _require_compiled()
    pure = tmp_path / "pure"
    shutil.copytree(PACKAGE, pure / "servicecheck", ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    if not (pure / "servicecheck" / "rules").exists():  # editable: servicecheck.rules is the checkout's rules/
        shutil.copytree(REPO / "rules", pure / "servicecheck" / "rules")
    examples = [
        str(REPO / "examples" / name) for name in ("call-credit-card.json", "call-rude-agent.txt", "batch.jsonl")
    ]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    outputs = {}
    for name, extra in (("compiled", {}), ("pure", {"PYTHONPATH": str(pure)})):
        out = tmp_path / f"{name}.jsonl"
        probe = "import servicecheck.checker as c, sys; sys.stdout.write(c.__file__)"
        where = subprocess.run([sys.executable, "-c", probe], env={**env, **extra}, capture_output=True, text=True)
        assert (where.stdout.endswith(".py")) == (name == "pure"), where.stdout + where.stderr
        done = subprocess.run(
            [sys.executable, "-c", _CLI, "check", *examples, "--format", "jsonl", "-o", str(out)],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode in (0, 1), done.stdout + done.stderr  # 1: some example call fails its check
        outputs[name] = out.read_bytes()
    assert outputs["compiled"] and outputs["compiled"] == outputs["pure"]
