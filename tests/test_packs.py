"""Loading rule packs: validation errors with file, YAML path and line; extends; unsafe YAML; hashes;
the JSON Schema of the pack language; ``servicecheck lint``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
import yaml

from servicecheck import Checker, PackError, load_pack
from servicecheck.cli import main as cli_main
from servicecheck.pack import pack_hash, pack_json_schema, pack_source
from servicecheck.pack.lint import lint_pack

REPO = Path(__file__).resolve().parents[1]
BANK = REPO / "rules" / "bank-cn.yaml"
SCHEMA_FILE = REPO / "docs" / "pack.schema.json"

MINI = """\
id: mini
version: "1"
negators: [没, 不]
stages:
  - id: greeting
    name: 问候
    rules:
      - id: greeting.hello
        phrases: [您好]
      - id: greeting.welcome
        phrases: [欢迎致电]
  - id: closing
    name: 结束语
    rules:
      - id: closing.bye
        phrases: [再见]
"""


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _error(source) -> PackError:
    with pytest.raises(PackError) as raised:
        load_pack(source)
    return raised.value


def _mini(**changes) -> dict:
    data = yaml.safe_load(MINI)
    data.update(changes)
    return data


# -- validation errors ---------------------------------------------------------------------------------------
def test_unknown_keys_are_rejected_with_file_path_and_line(tmp_path):
    text = MINI.replace("        phrases: [再见]", "        phrases: [再见]\n        phrse: [拜拜]")
    text = text.replace('version: "1"', 'version: "1"\nnegator: [别]')
    path = _write(tmp_path, "typo.yaml", text)
    error = _error(path)
    assert error.source == str(path)
    assert sorted(error.problems) == [
        ("negator (line 3)", "unknown key 'negator'; did you mean 'negators'?"),
        ("stages[1].rules[0].phrse (line 18)", "unknown key 'phrse'; did you mean 'phrases'?"),
    ]
    message = str(error)
    assert f"{path}: stages[1].rules[0].phrse (line 18): unknown key 'phrse'; did you mean 'phrases'?" in message
    assert "typo.yaml" in message.splitlines()[0]


def test_unknown_nested_key_in_a_mapping(tmp_path):
    text = MINI.replace("        phrases: [欢迎致电]", "        fuzzy: {phrases: [欢迎致电您], treshold: 0.9}")
    error = _error(_write(tmp_path, "nested.yaml", text))
    assert error.problems == [
        ("stages[0].rules[1].fuzzy.treshold (line 11)", "unknown key 'treshold'; did you mean 'threshold'?")
    ]


def test_unknown_keys_from_a_dict_name_the_path():
    data = _mini()
    data["stages"][0]["rules"][0]["phrase"] = ["你好"]
    error = _error(data)
    assert error.source == "<dict>"
    assert error.problems == [("stages[0].rules[0].phrase", "unknown key 'phrase'; did you mean 'phrases'?")]


def test_wrong_types(tmp_path):
    text = """\
id: types
negation_window: many
stages:
  - id: s
    name: S
    severity: 5
    required: maybe
    rules:
      - id: r
        phrases: 您好
      - id: r2
        fuzzy: {phrases: [感谢您的来电], threshold: high}
      - id: r3
        tokens: [[您, {gap: -1}]]
      - id: r4
        boundary: word
        phrases: [你好]
      - id: has space
        phrases: [请问]
      - id: r6
"""
    error = _error(_write(tmp_path, "types.yaml", text))
    problems = dict(error.problems)
    assert set(problems) == {
        "negation_window (line 2)",
        "stages[0].severity (line 6)",
        "stages[0].required (line 7)",
        "stages[0].rules[0].phrases (line 10)",
        "stages[0].rules[1].fuzzy.threshold (line 12)",
        "stages[0].rules[2].tokens (line 14)",
        "stages[0].rules[3].boundary (line 16)",
        "stages[0].rules[4].id (line 18)",
        "stages[0].rules[5] (line 20)",
    }
    assert "valid integer" in problems["negation_window (line 2)"]
    assert "'critical'" in problems["stages[0].severity (line 6)"]
    assert "valid list" in problems["stages[0].rules[0].phrases (line 10)"]
    assert "gap" in problems["stages[0].rules[2].tokens (line 14)"]
    assert "letters, digits" in problems["stages[0].rules[4].id (line 18)"]
    assert "needs phrases, pinyin, regex, fuzzy or tokens" in problems["stages[0].rules[5] (line 20)"]


def test_invalid_regexes_name_the_yaml_path_and_line(tmp_path):
    text = MINI.replace(
        "        phrases: [再见]",
        "        regex:\n          - '再见'\n          - '[unclosed'\n          - '\\b再见'\n          - '(?=再见)'",
    )
    error = _error(_write(tmp_path, "regex.yaml", text))
    assert [path for path, _ in error.problems] == [
        "stages[1].rules[0].regex[1] (line 18)",
        "stages[1].rules[0].regex[2] (line 19)",
        "stages[1].rules[0].regex[3] (line 20)",
    ]
    lines = str(error).splitlines()
    assert lines[0].startswith(f"{tmp_path / 'regex.yaml'}: stages[1].rules[0].regex[1] (line 18): regex '[unclosed'")
    assert "boundary: token" in lines[1] and "(?=" in lines[2]


def test_value_ranges():
    for rule, where in [
        ({"id": "r", "fuzzy": {"phrases": ["感谢您的来电"], "threshold": 1.5}}, "fuzzy.threshold"),
        ({"id": "r", "phrases": ["好"], "unless_within": -1}, "unless_within"),
        ({"id": "r", "phrases": ["好"], "window": {"of": "all"}}, "window"),
        ({"id": "r", "phrases": [" "]}, "phrases"),
        ({"id": "r", "tokens": [["好?"]]}, "tokens"),
        ({"id": "r", "phrases": ["好"], "context": {"all": [{"within": 3}]}}, "context.all[0]"),
    ]:
        error = _error({"id": "p", "stages": [{"id": "s", "name": "S", "rules": [rule]}]})
        assert [path for path, _ in error.problems] == [f"stages[0].rules[0].{where}"], rule


def test_duplicate_ids(tmp_path):
    data = _mini()
    data["stages"].append({"id": "greeting", "name": "again", "rules": [{"id": "greeting.again", "phrases": ["嗨"]}]})
    error = _error(data)
    assert "duplicate stage id 'greeting'" in str(error)

    data = _mini()
    data["stages"][0]["rules"].append({"id": "greeting.hello", "phrases": ["你好"]})
    error = _error(data)
    assert error.problems[0][0] == "stages[0]" and "duplicate rule id 'greeting.hello'" in error.problems[0][1]

    data = _mini()
    data["stages"][1]["rules"].append({"id": "greeting.hello", "phrases": ["拜拜"]})
    assert "rule id 'greeting.hello' used in stages 'greeting' and 'closing'" in str(_error(data))

    text = MINI + "  - id: closing\n    name: 又一个\n    rules: [{id: x, phrases: [拜拜]}]\n"
    error = _error(_write(tmp_path, "dup.yaml", text))
    assert "dup.yaml" in str(error) and "duplicate stage id 'closing'" in str(error)


def test_root_level_problem_path_is_readable(tmp_path):
    text = MINI + "  - id: closing\n    name: 又一个\n    rules: [{id: x, phrases: [拜拜]}]\n"
    error = _error(_write(tmp_path, "dup.yaml", text))
    assert not error.problems[0][0].startswith(" ")
    assert ":  (line" not in str(error)


# -- extends -------------------------------------------------------------------------------------------------
CHILD_OF_BANK = """\
id: my-bank
version: "1"
extends: bank-cn
negators: [绝不]
stages:
  - id: greeting
    severity: info
    rules:
      - id: greeting.hello
        phrases: [您好呀]
      - id: greeting.welcome
        enabled: false
  - id: farewell
    name: 道别
    rules:
      - id: farewell.bye
        phrases: [拜拜]
"""


@pytest.fixture(scope="module")
def bank():
    return load_pack("bank-cn")


def test_extends_a_builtin_pack_by_id(tmp_path, bank):
    child = load_pack(_write(tmp_path, "my-bank.yaml", CHILD_OF_BANK))
    assert child.id == "my-bank" and child.extends is None
    base_greeting, greeting = bank.stage("greeting"), child.stage("greeting")
    assert greeting.severity == "info" and base_greeting.severity != "info"  # a stage field overridden
    assert greeting.name == base_greeting.name and greeting.required == base_greeting.required
    hello, base_hello = greeting.rules[0], base_greeting.rules[0]
    assert hello.id == "greeting.hello" and hello.phrases == ["您好呀"]  # replaced key by key
    assert (hello.message, hello.unless, hello.window) == (base_hello.message, base_hello.unless, base_hello.window)
    assert [r.id for r in greeting.rules] == [r.id for r in base_greeting.rules]
    welcome = next(r for r in greeting.rules if r.id == "greeting.welcome")
    assert welcome.enabled is False and welcome.phrases  # switched off, still there
    assert [s.id for s in child.stages] == [s.id for s in bank.stages] + ["farewell"]
    assert child.negators == bank.negators + ["绝不"]
    assert child.checks == bank.checks

    checker = Checker(child)
    compiled = {r.id for r in checker.compiled.rules}
    assert "greeting.welcome" not in compiled and {"greeting.hello", "farewell.bye"} <= compiled
    rows = checker.explain("您好呀，欢迎致电星海银行，拜拜")
    assert not [r for r in rows if r["rule"] == "greeting.welcome"]
    kept = {(r["rule"], r["text"]) for r in rows if r["kept"]}
    assert ("greeting.hello", "您好呀") in kept and ("farewell.bye", "拜拜") in kept


def test_extends_from_a_dict(bank):
    child = load_pack({"id": "from-dict", "extends": "bank-cn", "stages": [{"id": "closing", "severity": "critical"}]})
    assert child.stage("closing").severity == "critical"
    assert child.stage("closing").rules == bank.stage("closing").rules
    assert pack_source(child) == "<dict>"


def test_extends_by_relative_path(tmp_path, monkeypatch):
    _write(tmp_path, "base/base.yaml", MINI)
    _write(
        tmp_path, "base/middle.yaml", "id: middle\nextends: base.yaml\nstages:\n  - {id: closing, severity: major}\n"
    )
    child_path = _write(
        tmp_path,
        "teams/child.yaml",
        """\
id: child
extends: ../base/middle.yaml
stages:
  - id: greeting
    rules:
      - {id: greeting.welcome, phrases: [欢迎来电]}
      - {id: greeting.hello, enabled: false}
""",
    )
    monkeypatch.chdir(tmp_path / "teams")  # relative to the file, not to the working directory
    child = load_pack(child_path.name)
    monkeypatch.chdir(REPO)
    assert load_pack(child_path).model_dump() == child.model_dump()
    assert child.id == "child"
    assert child.stage("closing").severity == "major"
    assert [(r.id, r.enabled, r.phrases) for r in child.stage("greeting").rules] == [
        ("greeting.hello", False, ["您好"]),
        ("greeting.welcome", True, ["欢迎来电"]),
    ]


def test_errors_in_a_child_pack_name_the_child_path_and_line(tmp_path):
    _write(tmp_path, "base.yaml", MINI)
    child = _write(
        tmp_path,
        "child.yaml",
        """\
id: child
extends: base.yaml
stages:
  - id: closing
    rules:
      - id: closing.bye
        phrse: [拜拜]
  - id: greeting
    rules:
      - id: greeting.hello
        phrases: [您好呀]
""",
    )
    error = _error(child)
    assert error.problems == [("stages[0].rules[0].phrse (line 7)", "unknown key 'phrse'; did you mean 'phrases'?")]


def test_errors_in_a_parent_pack_name_the_parent_file(tmp_path):
    _write(tmp_path, "base.yaml", MINI.replace("        phrases: [再见]", "        phrses: [再见]"))
    error = _error(_write(tmp_path, "kid.yaml", "id: kid\nextends: base.yaml\n"))
    assert "base.yaml" in str(error) and "line 16" in str(error)


def test_circular_extends(tmp_path):
    a = _write(tmp_path, "a.yaml", "id: a\nextends: b.yaml\nstages: []\n")
    _write(tmp_path, "b.yaml", "id: b\nextends: a.yaml\nstages: []\n")
    error = _error(a)
    assert "circular extends" in str(error)
    assert "a.yaml -> " in str(error) and "b.yaml" in str(error)
    itself = _write(tmp_path, "self.yaml", "id: self\nextends: self.yaml\n")
    assert "circular extends" in str(_error(itself))


def test_missing_extends(tmp_path):
    path = _write(tmp_path, "orphan.yaml", "id: orphan\n\nextends: no-such-parent.yaml\nstages: []\n")
    error = _error(path)
    assert error.problems == [("extends (line 3)", "extends 'no-such-parent.yaml': no such pack or file")]
    assert str(path) in str(error)
    error = _error({"id": "orphan", "extends": "no-such-parent"})
    assert "no-such-parent" in str(error) and error.source == "<dict>"
    assert "extends must be a pack id or a path" in str(_error(_write(tmp_path, "n.yaml", "id: n\nextends: 3\n")))


def test_unknown_builtin_pack_lists_the_builtin_ones():
    error = _error("no-such-pack")
    assert "no built-in pack 'no-such-pack'" in str(error) and "bank-cn" in str(error)


# -- unsafe or broken YAML -----------------------------------------------------------------------------------
def test_yaml_alias_bomb_is_rejected(tmp_path):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 8):  # 9**8 ≈ 43 million nodes once expanded
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    lines.append("id: bomb")
    path = _write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    began = time.perf_counter()
    error = _error(path)
    assert "alias bomb" in str(error) and "bomb.yaml" in str(error)
    assert time.perf_counter() - began < 15


def test_python_tags_are_rejected_without_running_anything(tmp_path):
    marker = tmp_path / "pwned"
    text = f'id: evil\nname: !!python/object/apply:os.system ["touch {marker}"]\nstages: []\n'
    error = _error(_write(tmp_path, "evil.yaml", text))
    assert "invalid YAML" in str(error) and "line 2" in str(error)
    assert not marker.exists()
    error = _error(_write(tmp_path, "evil2.yaml", f'!!python/object/apply:os.system ["touch {marker}"]\n'))
    assert not marker.exists()


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(tmp_path, text):
    path = _write(tmp_path, "empty.yaml", text)
    error = _error(path)
    assert error.problems == [("", "the file is empty")]
    assert str(error) == f"{path}: <root>: the file is empty"


@pytest.mark.parametrize("text", ["- id: a\n- id: b\n", "just text\n", "42\n"])
def test_root_must_be_a_mapping(tmp_path, text):
    error = _error(_write(tmp_path, "list.yaml", text))
    assert "a pack must be a mapping" in str(error)


def test_invalid_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("id: bad\nname: 问候\n".encode("utf-8") + b"description: caf\xe9\n")
    error = _error(path)
    assert "not UTF-8" in str(error) and "latin1.yaml" in str(error)


def test_invalid_yaml_syntax_names_the_line(tmp_path):
    error = _error(_write(tmp_path, "syntax.yaml", "id: x\nstages:\n  - id: s\n   name: [unclosed\n"))
    assert "invalid YAML" in str(error) and "line 4" in str(error)


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINI.encode("utf-8"))
    assert load_pack(path).id == "mini"


# -- loading from a dict, hashes -----------------------------------------------------------------------------
def test_pack_from_a_dict_equals_the_same_yaml(tmp_path):
    from_yaml = load_pack(_write(tmp_path, "mini.yaml", MINI))
    from_dict = load_pack(yaml.safe_load(MINI))
    assert from_dict.model_dump() == from_yaml.model_dump()
    assert pack_source(from_dict) == "<dict>" and pack_source(from_yaml) == str(tmp_path / "mini.yaml")
    assert pack_hash(from_dict) == pack_hash(from_yaml)
    assert load_pack(from_dict) is from_dict
    assert Checker(from_dict).pack_hash == pack_hash(from_dict)


def test_content_hash_is_stable_and_follows_every_rule_change(tmp_path):
    first = pack_hash(load_pack(yaml.safe_load(MINI)))
    assert re.fullmatch(r"sha256:[0-9a-f]{16}", first)
    assert pack_hash(load_pack(yaml.safe_load(MINI))) == first
    # Formatting, comments and key order are no content.
    reordered = "# comment\nstages:\n" + MINI.split("stages:\n", 1)[1] + 'version: "1"\nnegators: [没, 不]\nid: mini\n'
    assert pack_hash(load_pack(_write(tmp_path, "reordered.yaml", reordered))) == first

    def changed(mutate) -> str:
        data = yaml.safe_load(MINI)
        mutate(data)
        return pack_hash(load_pack(data))

    rule = lambda d: d["stages"][0]["rules"][0]  # noqa: E731
    hashes = {
        first,
        changed(lambda d: rule(d)["phrases"].append("你好")),
        changed(lambda d: rule(d).update(phrases=["你好"])),
        changed(lambda d: rule(d).update(enabled=False)),
        changed(lambda d: rule(d).update(boundary="char")),
        changed(lambda d: rule(d).update(unless=["您好像"])),
        changed(lambda d: rule(d).update(message="问候语")),
        changed(lambda d: d["stages"][0]["rules"].reverse()),
        changed(lambda d: d["stages"][1].update(severity="major")),
        changed(lambda d: d.update(negators=["没"])),
    }
    assert len(hashes) == 10


def test_bank_pack_hash_is_stable(bank):
    assert pack_hash(load_pack(BANK)) == pack_hash(bank) == pack_hash(load_pack("bank-cn"))


# -- JSON Schema ---------------------------------------------------------------------------------------------
def _schema_errors(instance, schema, root, path="$") -> list[str]:
    """A small JSON Schema (2020-12 subset) validator: what pydantic's schemas use."""
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _schema_errors(instance, target, root, path)
    errors: list[str] = []
    if "anyOf" in schema:
        if all(_schema_errors(instance, option, root, path) for option in schema["anyOf"]):
            errors.append(f"{path}: matches no anyOf option")
        return errors
    if "oneOf" in schema:
        matching = [o for o in schema["oneOf"] if not _schema_errors(instance, o, root, path)]
        if len(matching) != 1:
            errors.append(f"{path}: matches {len(matching)} oneOf options")
        return errors
    kinds = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
        "null": lambda v: v is None,
    }
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(kinds[t](instance) for t in types):
            return [f"{path}: {instance!r} is not of type {schema['type']}"]
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{path}: {instance!r} not in {schema['enum']}")
    if "const" in schema and instance != schema["const"]:
        errors.append(f"{path}: {instance!r} is not {schema['const']!r}")
    if isinstance(instance, (int, float)) and not isinstance(instance, bool):
        if "minimum" in schema and instance < schema["minimum"]:
            errors.append(f"{path}: below minimum")
        if "maximum" in schema and instance > schema["maximum"]:
            errors.append(f"{path}: above maximum")
        if "exclusiveMinimum" in schema and instance <= schema["exclusiveMinimum"]:
            errors.append(f"{path}: not above exclusiveMinimum")
    if isinstance(instance, str) and len(instance) < schema.get("minLength", 0):
        errors.append(f"{path}: too short")
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            errors.append(f"{path}: too few items")
        if "items" in schema:
            for i, item in enumerate(instance):
                errors += _schema_errors(item, schema["items"], root, f"{path}[{i}]")
    if isinstance(instance, dict):
        properties = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in instance:
                errors.append(f"{path}: {key!r} is required")
        for key, value in instance.items():
            if key in properties:
                errors += _schema_errors(value, properties[key], root, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unknown key {key!r}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += _schema_errors(value, schema["additionalProperties"], root, f"{path}.{key}")
    return errors


def _validate(instance, schema) -> list[str]:
    try:
        import jsonschema
    except ImportError:
        return _schema_errors(instance, schema, schema)
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(instance)]


def test_json_schema_structure():
    schema = pack_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert schema["required"] == ["id"]
    assert {"id", "extends", "negators", "normalize", "stages", "checks", "scorecard"} <= set(schema["properties"])
    rule = schema["$defs"]["Rule"]
    assert rule["additionalProperties"] is False
    assert {
        "phrases",
        "boundary",
        "homophones",
        "pinyin",
        "tones",
        "regex",
        "fuzzy",
        "tokens",
        "speaker",
        "window",
        "anchor",
        "negation",
        "unless",
        "unless_within",
        "context",
    } <= set(rule["properties"])
    assert rule["properties"]["boundary"]["enum"] == ["token", "char"]
    assert schema["$defs"]["Stage"]["additionalProperties"] is False
    assert json.loads(json.dumps(schema, ensure_ascii=False)) == schema


def test_json_schema_validates_the_bank_pack_data():
    schema = pack_json_schema()
    data = yaml.safe_load(BANK.read_text(encoding="utf-8"))
    assert _validate(data, schema) == []
    assert _validate(yaml.safe_load(MINI), schema) == []
    broken = yaml.safe_load(MINI)
    broken["stages"][0]["rules"][0]["phrse"] = ["你好"]
    broken["stages"][1]["severity"] = "huge"
    errors = _validate(broken, schema)
    assert len(errors) == 2, errors


def test_json_schema_file_is_up_to_date():
    if not SCHEMA_FILE.is_file():
        pytest.skip("docs/pack.schema.json is absent")
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == pack_json_schema(plugins=False)


# -- lint ----------------------------------------------------------------------------------------------------
LINTED = """\
id: linted
version: "1"
stages:
  - id: greeting
    name: 问候
    rules:
      - id: greeting.hello
        phrases: [您好, 早上好]
      - id: greeting.again
        phrases: [早上好]
  - id: forbidden
    name: 禁语
    violation: true
    rules:
      - id: forbidden.dunno
        phrases: [不知道, 我不清楚]
        unless: [知道]
  - id: empty
    name: 空
    rules: []
  - id: calls
    name: 来电
    rules:
      - {id: calls.a, phrases: [來電, VIP专线]}
      - {id: calls.b, phrases: [来电, ＶＩＰ专线]}
"""


@pytest.fixture(scope="module")
def linted(tmp_path_factory):
    path = _write(tmp_path_factory.mktemp("lint"), "linted.yaml", LINTED)
    return path, lint_pack(str(path))


def test_lint_reports_duplicates_cancelled_phrases_and_empty_stages(linted):
    path, problems = linted
    assert all(p.source == str(path) for p in problems)
    levels = {p.where: p.level for p in problems}
    assert levels == {
        "stages[0].rules[1] (greeting.again).phrases[0]": "warning",
        "stages[1].rules[0] (forbidden.dunno).phrases[0]": "error",
        "stages[2] (empty)": "error",
        # duplicates after normalisation: Traditional and full-width spellings
        "stages[3].rules[1] (calls.b).phrases[0]": "warning",
        "stages[3].rules[1] (calls.b).phrases[1]": "warning",
    }
    assert {p.where: p.line for p in problems} == {
        "stages[0].rules[1] (greeting.again).phrases[0]": 10,
        "stages[1].rules[0] (forbidden.dunno).phrases[0]": 16,
        "stages[2] (empty)": 18,
        "stages[3].rules[1] (calls.b).phrases[0]": 25,
        "stages[3].rules[1] (calls.b).phrases[1]": 25,
    }
    messages = {p.where: p.message for p in problems}
    assert "duplicates greeting.hello:'早上好'" in messages["stages[0].rules[1] (greeting.again).phrases[0]"]
    assert "unless phrase '知道'" in messages["stages[1].rules[0] (forbidden.dunno).phrases[0]"]
    assert "no enabled rules" in messages["stages[2] (empty)"]
    assert "duplicates calls.a:'來電'" in messages["stages[3].rules[1] (calls.b).phrases[0]"]
    rendered = [p.render() for p in problems]
    assert f"{path}: error: stages[2] (empty) (line 18): stage has no enabled rules: it can never be found" in rendered


def test_lint_reports_load_errors_with_their_path(tmp_path):
    text = MINI.replace("phrases: [再见]", "regex: ['\\b再见']")
    problems = lint_pack(str(_write(tmp_path, "bad.yaml", text)))
    assert [(p.level, p.where, p.line) for p in problems] == [("error", "stages[1].rules[0].regex[0]", 16)]
    assert "boundary: token" in problems[0].message


def test_lint_command(linted, capsys):
    path, _ = linted
    assert cli_main(["lint", str(path)]) == 1
    out, err = capsys.readouterr()
    assert f"{path}: warning: stages[0].rules[1] (greeting.again).phrases[0] (line 10):" in out
    assert f"{path}: error: stages[2] (empty) (line 18): stage has no enabled rules" in out
    assert "2 error(s), 3 warning(s)" in err

    warning_only = _write(path.parent, "warn.yaml", LINTED.split("  - id: forbidden")[0])
    assert cli_main(["lint", str(warning_only), "--strict", "--format", "json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [(r["level"], r["where"], r["line"], r["source"]) for r in rows] == [
        ("warning", "stages[0].rules[1] (greeting.again).phrases[0]", 10, str(warning_only))
    ]


def test_lint_is_clean_on_the_bank_pack(capsys):
    assert cli_main(["lint", str(BANK), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
