"""Packaging: the wheel installs into a fresh virtualenv and works from outside the repository.

This proves the built-in pack ships inside the wheel (``load_pack("bank-cn")`` without a checkout) and
that the declared dependencies are enough. Slow (it installs the dependencies), but it runs by default;
deselect it with ``-m "not slow"`` for a quick local loop.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO

# What a source distribution would carry: the build must not depend on anything else in the checkout.
_NOT_SHIPPED = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", ".hypothesis", ".pytest_cache", "__pycache__", "tests", "benchmarks"
)

SCRIPT = textwrap.dedent(
    """
    import json, servicecheck
    from servicecheck import Checker, load_pack
    report = Checker(load_pack("bank-cn")).check({
        "id": "wheel-smoke",
        "utterances": [
            {"speaker": "agent", "text": "您好，欢迎致电，我是客服小王，工号1234"},
            {"speaker": "customer", "text": "我的卡丢了"},
            {"speaker": "agent", "text": "这个不归我管"},
        ],
    })
    print(json.dumps({
        "pack_id": report.pack_id,
        "module": servicecheck.__file__,
        "stages": [f.stage for f in report.findings if f.utterance_index is not None],
    }, ensure_ascii=False))
    """
)


def _run(argv, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, **kwargs)


def _undeclared_packages() -> list[str]:
    """Packages under src/servicecheck that pyproject.toml's explicit ``packages`` list leaves out."""
    tomllib = pytest.importorskip("tomllib", reason="tomllib is Python 3.11+")
    declared = set(
        tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    )
    root = REPO / "src"
    found = {".".join(init.parent.relative_to(root).parts) for init in (root / "servicecheck").rglob("__init__.py")}
    return sorted(found - declared)


def test_pyproject_declares_every_package():
    assert _undeclared_packages() == []


@pytest.mark.slow
def test_wheel_installs_and_checks_outside_the_repo(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=_NOT_SHIPPED)
    wheels = tmp_path / "wheels"
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(source)], timeout=900
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = wheels.glob("servicecheck-*.whl")

    venv = tmp_path / "venv"
    created = _run([sys.executable, "-m", "venv", str(venv)], timeout=300)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if created.returncode != 0 or not python.exists():
        pytest.skip(f"cannot create a virtualenv here: {created.stderr.strip() or created.stdout.strip()}")

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["SERVICECHECK_CACHE_DIR"] = str(tmp_path / "cache")
    installed = _run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        env=env,
        timeout=1800,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    done = _run([str(python), "-c", SCRIPT], cwd=outside, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["pack_id"] == "bank-cn"
    assert Path(result["module"]).resolve().is_relative_to(venv.resolve()), result["module"]
    assert "greeting" in result["stages"] and "forbidden" in result["stages"]

    script = venv / ("Scripts/servicecheck.exe" if os.name == "nt" else "bin/servicecheck")
    lint = _run([str(script), "lint", "bank-cn"], cwd=outside, env=env, timeout=300)
    assert lint.returncode == 0, lint.stdout + lint.stderr

    # The wheel itself on the Python path, imported as a zip (what Spark's --py-files does, docs/spark.md):
    # every package imports and the built-in pack is found inside the zip.
    zipped = _run([str(python), "-c", SCRIPT], cwd=outside, env={**env, "PYTHONPATH": str(wheel)}, timeout=300)
    assert zipped.returncode == 0, zipped.stdout + zipped.stderr
    result = json.loads(zipped.stdout.strip().splitlines()[-1])
    assert result["module"].startswith(str(wheel)), result["module"]
    assert result["pack_id"] == "bank-cn" and "forbidden" in result["stages"]
