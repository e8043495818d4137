"""Extension points (docs/plugins.md) with the example plugin of examples/plugin.

The README's test command installs the plugin into the test venv (``pip install … ./examples/plugin``),
so these tests find it as a user would: through its installed entry points. Where it is not installed
(a venv made with ``.[test]`` alone), the ``plugin`` fixture makes it visible instead: its src/ folder
goes on sys.path and ``importlib.metadata.entry_points`` also returns the entry points its
pyproject.toml declares; ``test_the_example_plugin_is_installed`` is then skipped.
"""

from __future__ import annotations

import importlib.metadata as metadata
import json
import subprocess
import sys
from pathlib import Path

import pytest

from servicecheck import Checker, PackError, load_pack, plugins
from servicecheck.model import Transcript, Utterance

PLUGIN = Path(__file__).resolve().parents[1] / "examples" / "plugin"

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python < 3.11
    tomllib = None


def _declared() -> list[metadata.EntryPoint]:
    """The entry points examples/plugin/pyproject.toml declares."""
    if tomllib is None:
        pytest.skip("tomllib needs Python 3.11")
    groups = tomllib.loads((PLUGIN / "pyproject.toml").read_text(encoding="utf-8"))["project"]["entry-points"]
    return [
        metadata.EntryPoint(name, value, group)
        for group, points in groups.items()
        if group.startswith("servicecheck.")
        for name, value in points.items()
    ]


DISTRIBUTION = "servicecheck-product-names"
_ORIGINAL_ENTRY_POINTS = metadata.entry_points


def _installed() -> bool:
    try:
        metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return False
    return True


# Decided once, before the fixture may put the plugin's src/ (where an editable install leaves its
# metadata) on sys.path.
INSTALLED = _installed()


@pytest.fixture
def plugin(monkeypatch):
    """The example plugin: installed, or visible as if installed."""
    if INSTALLED:
        plugins.refresh()
        yield
        plugins.refresh()
        return
    declared = _declared()
    original = metadata.entry_points

    def entry_points(**params):
        found = list(original(**params))
        group = params.get("group")
        return found + [p for p in declared if p.group == group]

    monkeypatch.syspath_prepend(str(PLUGIN / "src"))
    monkeypatch.setattr(metadata, "entry_points", entry_points)
    plugins.refresh()
    yield
    plugins.refresh()
    sys.modules.pop("servicecheck_product_names", None)


def _call(*lines: tuple[str, str]) -> Transcript:
    return Transcript(
        id="c1",
        channel="phone",
        utterances=[Utterance(speaker=speaker, text=text) for speaker, text in lines],
    )


def _hits(report, stage):
    return [f for f in report.findings if f.stage == stage and f.kind in ("hit", "violation") and f.method == "plugin"]


def test_installed_pack_runs_with_exact_offsets(plugin):
    pack = load_pack("bank-products")
    assert pack.id == "bank-products"
    report = Checker(pack).check(
        _call(
            ("agent", "您好，给您介绍一下朝朝宝，随存随取。"),
            ("customer", "那月月盈呢？"),
            ("agent", "月月盈已经停售了，聚鑫理财也可以看看，理财有风险。"),
        )
    )
    mentions = [(f.utterance_index, f.start, f.end, f.text) for f in _hits(report, "product_mention")]
    assert mentions == [(0, 9, 12, "朝朝宝"), (2, 9, 13, "聚鑫理财")]
    discontinued = [(f.utterance_index, f.start, f.end, f.text) for f in _hits(report, "discontinued_product")]
    assert discontinued == [(2, 0, 3, "月月盈")]
    assert all(
        f.pattern in ("朝朝宝", "聚鑫理财", "月月盈")
        for f in _hits(report, "product_mention") + _hits(report, "discontinued_product")
    )


def test_custom_check_reports_undisclosed_product(plugin):
    checker = Checker(load_pack("bank-products"))
    report = checker.check(
        _call(
            ("agent", "给您推荐安心存。"),
            ("customer", "好的。"),
            ("agent", "还有别的问题吗？"),
            ("agent", "金葵花信用卡也不错，理财有风险。"),
        )
    )
    failed = [f for f in report.findings if f.rule_id == "product_mention.risk"]
    assert [(f.utterance_index, f.start, f.end, f.text, f.severity) for f in failed] == [(0, 4, 7, "安心存", "major")]
    assert failed[0].stage == "product_mention" and failed[0].message == "介绍产品未提示风险"


def test_options_are_validated_by_the_plugin_at_the_yaml_line(plugin, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: bad\n"
        "stages:\n"
        "  - id: product\n"
        "    name: 产品\n"
        "    rules:\n"
        "      - id: product.names\n"
        "        plugin:\n"
        "          name: product_names\n"
        "          options:\n"
        "            bundled: true\n"
        "            product: [朝朝宝]\n"
        "checks:\n"
        "  - id: risk\n"
        "    type: risk_disclosure\n"
        "    product_stage: product\n"
        "    within_utterances: -1\n",
        encoding="utf-8",
    )
    with pytest.raises(PackError) as error:
        load_pack(path)
    text = str(error.value)
    assert "stages[0].rules[0].plugin.options.product (line 11)" in text and "Extra inputs" in text
    assert "checks[0].within_utterances (line 16)" in text
    assert "checks[0].phrases" in text  # required by the plugin's model, reported at the check


def test_unknown_plugins_are_named(plugin, tmp_path):
    path = tmp_path / "unknown.yaml"
    path.write_text(
        "id: unknown\nstages:\n  - id: s\n    name: s\n    rules:\n      - id: s.r\n        plugin: {name: product_nams}\n"
        "checks:\n  - id: c\n    type: risk_disclosur\n",
        encoding="utf-8",
    )
    with pytest.raises(PackError) as error:
        load_pack(path)
    text = str(error.value)
    assert "no matcher plugin 'product_nams'" in text and "did you mean 'product_names'" in text
    assert "checks[0].type (line 10)" in text and "did you mean 'risk_disclosure'" in text


def test_builtin_check_errors_are_unchanged(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text("id: typo\nchecks:\n  - id: c\n    type: silense\n    max_seconds: 5\n", encoding="utf-8")
    with pytest.raises(PackError) as error:
        load_pack(path)
    assert "did you mean 'silence'" in str(error.value)


def test_packs_command_lists_the_plugin_pack(plugin, capsys):
    from servicecheck.cli import main

    assert main(["packs", "--format", "json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["bank-cn"]["source"] == "built-in"
    assert rows["bank-products"]["version"] == "0.1"
    assert rows["bank-products"]["path"].endswith("bank-products.yaml")
    assert main(["packs"]) == 0
    assert "bank-products" in capsys.readouterr().out


def test_json_schema_and_lint_know_the_plugins(plugin):
    from servicecheck.pack.lint import lint_pack
    from servicecheck.pack.schema import pack_json_schema

    schema = pack_json_schema()
    matcher = schema["$defs"]["PluginRef"]["oneOf"][0]
    assert matcher["properties"]["name"] == {"const": "product_names"}
    assert "exclude" in matcher["properties"]["options"]["properties"]
    check = schema["$defs"]["plugin_check_risk_disclosure"]
    assert {"product_stage", "phrases", "id", "severity"} <= set(check["properties"])
    assert {"$ref": "#/$defs/plugin_check_risk_disclosure"} in schema["properties"]["checks"]["items"]["oneOf"]
    assert [p for p in lint_pack("bank-products") if p.level == "error"] == []


def test_the_example_plugin_is_installed(plugin):
    """The installed distribution's entry points, not a patched lookup, provide the plugin's parts."""
    if not INSTALLED:
        pytest.skip(f"{DISTRIBUTION} is not installed: pip install -e examples/plugin (the README's test command does)")
    names = {(p.group, p.name) for p in metadata.distribution(DISTRIBUTION).entry_points}
    assert names == {
        ("servicecheck.matchers", "product_names"),
        ("servicecheck.checks", "risk_disclosure"),
        ("servicecheck.packs", "bank-products"),
    }
    assert metadata.entry_points is _ORIGINAL_ENTRY_POINTS
    assert plugins.matcher_names() == ["product_names"] and plugins.check_names() == ["risk_disclosure"]
    assert plugins.installed_pack_source("bank-products") == f"{DISTRIBUTION} 0.1.0"
    pack = load_pack("bank-products")
    report = Checker(pack).check(_call(("agent", "您好，朝朝宝随存随取。")))
    [hit] = _hits(report, "product_mention")
    assert (hit.start, hit.end, hit.text) == (3, 6, "朝朝宝")


def test_import_servicecheck_does_not_load_plugins():
    code = (
        "import sys, servicecheck; "
        "print('servicecheck_product_names' in sys.modules, 'servicecheck.plugins' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(PLUGIN / "src"), "PATH": ""},
    ).stdout.split()
    assert out == ["False", "False"]
