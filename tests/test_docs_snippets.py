"""Every YAML example in docs/ loads as a pack, and every Python example runs.

A YAML example that is a whole pack is loaded as it is; a check, a list of checks or stages, or a
settings fragment is loaded inside a pack that extends bank-cn — the way a team would use it. An
example that cannot run on its own says why on the line before it: ``<!-- snippet: skip (reason) -->``;
one that needs an installed distribution names it, ``<!-- snippet: needs servicecheck-product-names -->``,
and runs where it is installed (the README's test command installs the example plugin).
The Python examples of a page run in order in one namespace, from the repository's root, as a reader
would paste them; the few names they take as given (a FunASR model, a transcript, paths) are provided.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from servicecheck import load_pack

SKIP = re.compile(r"<!-- snippet: skip \((?P<reason>[^)]+)\) -->\s*$")
NEEDS = re.compile(r"<!-- snippet: needs (?P<distribution>[\w.-]+) -->\s*$")


def _installed(distribution: str) -> bool:
    from importlib import metadata

    try:
        metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


FENCE = re.compile(r"^```(?P<lang>yaml|python)\n(?P<body>.*?)^```", re.S | re.M)


def _snippets(lang: str) -> list:
    found = []
    for page in sorted((REPO / "docs").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            if match.group("lang") != lang:
                continue
            line = text[: match.start()].count("\n") + 1
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            skip, needs = SKIP.search(before), NEEDS.search(before)
            marks = [pytest.mark.skip(reason=skip.group("reason"))] if skip else []
            if needs and not _installed(needs.group("distribution")):
                marks.append(pytest.mark.skip(reason=f"needs {needs.group('distribution')} installed"))
            found.append(pytest.param(match.group("body"), id=f"{page.name}:{line}", marks=marks))
    return found


def _as_pack(data: object) -> dict:
    if isinstance(data, dict) and "id" in data and {"stages", "checks", "extends", "scorecard"} & set(data):
        return data
    base = {"id": "doc-snippet", "extends": "bank-cn"}
    if isinstance(data, dict) and "type" in data:
        return {**base, "checks": [data]}
    if isinstance(data, list) and data and all(isinstance(item, dict) and "type" in item for item in data):
        return {**base, "checks": data}
    if isinstance(data, list) and data and all(isinstance(item, dict) and "rules" in item for item in data):
        return {**base, "stages": data}
    if isinstance(data, dict):
        return {**base, **data}
    raise AssertionError(f"a YAML example that is neither a pack nor part of one: {data!r:.80}")


@pytest.mark.parametrize("body", _snippets("yaml"))
def test_yaml_examples_load_as_packs(body: str, tmp_path: Path):
    pack = _as_pack(yaml.safe_load(body))
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(pack, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_pack(path)


def _pages_with_python() -> list:
    return [page for page in sorted((REPO / "docs").glob("*.md")) if "```python" in page.read_text(encoding="utf-8")]


class _FunASR:
    """What ``AutoModel(...).generate`` returns, for the examples: the FunASR fixture."""

    def generate(self, input=None, **options):  # noqa: A002 - FunASR's own keyword
        import json

        return json.loads((REPO / "tests" / "data" / "asr" / "funasr.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", _pages_with_python(), ids=lambda page: page.name)
def test_python_examples_run(page: Path, monkeypatch):
    from servicecheck import read_transcript

    monkeypatch.chdir(REPO)
    namespace = {
        "funasr_model": _FunASR(),
        "paths": ["examples/call-credit-card.json", "examples/call-rude-agent.txt"],
        "transcript": read_transcript(REPO / "examples" / "call-credit-card.json"),
    }
    for snippet in _snippets("python"):
        if not snippet.id.startswith(page.name + ":") or snippet.marks:
            continue
        body = snippet.values[0]
        ast.parse(body)
        try:
            exec(compile(body, snippet.id, "exec"), namespace)  # noqa: S102 - the docs' own examples
        except ImportError as exc:  # an optional extra (spacy, train) this environment lacks
            pytest.skip(f"{snippet.id}: {exc}")
