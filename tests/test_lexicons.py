"""Named word classes in packs (``lexicons``): expansion in phrases, token patterns and regexes,
inheritance through ``extends``, errors with the author's line, explanations and lint."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicecheck import Checker, PackError, load_pack
from servicecheck.pack.lint import lint_pack

PACK = """\
id: lex
version: "1"
lexicons:
  YOU: [你, 您]
  SELF_YOU: ["{YOU}自己"]
  LOOK: [查, 看, 问]
  TAG: [对吗, 是吗, 是吧]
stages:
  - id: forbidden
    name: 服务禁语
    violation: true
    negation: false
    rules:
      - id: forbidden.diy
        message: 推诿
        phrases: ["{SELF_YOU}去{LOOK}"]
        boundary: char
      - id: forbidden.diy_regex
        message: 推诿
        regex: ['{YOU}(?:就)?自己{LOOK}(?:去|吧)$']
  - id: confirmation
    name: 确认
    rules:
      - id: confirmation.tag
        tokens: [["{YOU}", "是说|意思是", {gap: 20}, "{TAG}"]]
        unless: ["{YOU}是说笑"]
"""


def _pack(tmp_path: Path, text: str, name: str = "lex.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _base(tmp_path: Path) -> Path:
    return _pack(tmp_path, PACK)


def _texts(checker: Checker, text: str, stage: str = "forbidden") -> list[str]:
    report = checker.check({"id": "t", "utterances": [{"speaker": "agent", "text": text}]})
    return [f.text for f in report.findings if f.stage == stage and f.kind in ("hit", "violation")]


def test_phrases_expand_to_every_combination_including_nested_lexicons(tmp_path):
    checker = Checker(load_pack(_base(tmp_path)))
    rule = checker.pack.stage("forbidden").rules[0]
    assert sorted(rule.phrases) == sorted(a + "自己去" + b for a in "你您" for b in "查看问")
    assert _texts(checker, "这个你自己去问。") == ["你自己去问"]


def test_regex_reference_becomes_an_alternation_and_explanations_show_what_was_written(tmp_path):
    checker = Checker(load_pack(_base(tmp_path)))
    report = checker.check({"id": "t", "utterances": [{"speaker": "agent", "text": "不会的话您就自己查吧"}]})
    (finding,) = [f for f in report.findings if f.stage == "forbidden"]
    assert finding.text == "您就自己查吧"
    assert finding.pattern == "{YOU}(?:就)?自己{LOOK}(?:去|吧)$"  # not a long alternation
    assert "YOU「您」" in finding.explanation and "LOOK「查」" in finding.explanation


def test_token_items_and_unless_expand(tmp_path):
    checker = Checker(load_pack(_base(tmp_path)))
    assert _texts(checker, "您是说要退订这个业务是吧", "confirmation")
    assert _texts(checker, "你是说要挂失对吗", "confirmation")
    assert not _texts(checker, "你是说笑吧对吗", "confirmation")  # the expanded unless phrase cancels it


def test_explain_lists_the_lexicon_words_of_each_candidate(tmp_path):
    rows = Checker(load_pack(_base(tmp_path))).explain("你自己去看")
    assert rows[0]["lexicons"] == {"SELF_YOU": "你自己", "LOOK": "看"}


def test_an_unknown_lexicon_is_a_load_error_with_the_authors_line_and_a_suggestion(tmp_path):
    path = _pack(tmp_path, _base(tmp_path).read_text(encoding="utf-8").replace("去{LOOK}", "去{LOKK}"))
    with pytest.raises(PackError) as caught:
        load_pack(path)
    message = str(caught.value)
    assert "stages[0].rules[0].phrases[0] (line 16)" in message
    assert "unknown lexicon {LOKK}; did you mean {LOOK}?" in message


@pytest.mark.parametrize(
    "lexicons, expected",
    [
        ("  lower: [你]\n", "must be upper case"),
        ("  EMPTY: []\n", "non-empty list"),
        ("  A: ['{B}']\n  B: ['{A}']\n", "circle"),
        ("  BRACE: ['a{b']\n", "brace"),
    ],
)
def test_bad_lexicons_are_load_errors(tmp_path, lexicons, expected):
    text = _base(tmp_path).read_text(encoding="utf-8").replace("lexicons:\n", "lexicons:\n" + lexicons, 1)
    with pytest.raises(PackError, match=expected):
        load_pack(_pack(tmp_path, text, "bad.yaml"))


def test_a_child_pack_overrides_or_extends_an_inherited_lexicon_and_inherited_rules_follow(tmp_path):
    _base(tmp_path)
    child = 'id: child\nversion: "1"\nextends: lex.yaml\nlexicons:\n  LOOK: {add: [翻], remove: [问]}\n'
    add = _pack(tmp_path, child, "add.yaml")
    checker = Checker(load_pack(add))
    assert _texts(checker, "你自己去翻。") == ["你自己去翻"]
    assert _texts(checker, "你自己去问。") == []
    assert load_pack(add).lexicons["LOOK"] == ["查", "看", "翻"]

    replace = _pack(tmp_path, 'id: child2\nversion: "1"\nextends: lex.yaml\nlexicons:\n  YOU: [你]\n', "replace.yaml")
    checker = Checker(load_pack(replace))
    assert _texts(checker, "你自己去查。") == ["你自己去查"]
    assert _texts(checker, "您自己去查。") == []


def test_add_without_a_parent_lexicon_is_an_error(tmp_path):
    text = _base(tmp_path).read_text(encoding="utf-8").replace("  LOOK: [查, 看, 问]\n", "  LOOK: {add: [查]}\n")
    with pytest.raises(PackError, match="extends none that has it"):
        load_pack(_pack(tmp_path, text, "add-alone.yaml"))


def test_expansion_is_bounded(tmp_path):
    words = "[" + ", ".join(f"w{i}" for i in range(30)) + "]"
    text = (
        f'id: big\nversion: "1"\nlexicons:\n  W: {words}\nstages:\n  - id: s\n    name: s\n    rules:\n'
        "      - id: s.r\n        phrases: ['{W}{W}{W}']\n"
    )
    with pytest.raises(PackError, match="expands to more than"):
        load_pack(_pack(tmp_path, text, "big.yaml"))


def test_packs_without_lexicons_load_as_before_and_braces_in_regex_quantifiers_stay(tmp_path):
    text = (
        'id: plain\nversion: "1"\nstages:\n  - id: s\n    name: s\n    rules:\n'
        "      - id: s.r\n        regex: ['工号[0-9]{3,6}']\n"
    )
    checker = Checker(load_pack(_pack(tmp_path, text, "plain.yaml")))
    assert _texts(checker, "我的工号1023", "s") == ["工号1023"]


def test_lint_warns_about_unused_lexicons_and_duplicate_words(tmp_path):
    text = (
        _base(tmp_path)
        .read_text(encoding="utf-8")
        .replace("  LOOK: [查, 看, 问]\n", "  LOOK: [查, 看, 问, 查]\n  UNUSED: [甲]\n")
    )
    problems = lint_pack(str(_pack(tmp_path, text, "lint.yaml")))
    messages = [(p.level, p.where, p.message) for p in problems]
    assert any(level == "warning" and "UNUSED" in where and "never used" in m for level, where, m in messages)
    assert any(level == "warning" and "LOOK" in where and "'查' twice" in m for level, where, m in messages)


def test_the_builtin_pack_lints_clean_of_lexicon_problems():
    problems = [p for p in lint_pack("bank-cn") if "lexicons" in p.where]
    assert problems == []


def test_portable_content_rebuilds_the_same_pack_with_its_explanations(tmp_path):
    """Workers and Spark executors rebuild the pack from this content: same hash, same explanations."""
    from servicecheck.pack import pack_hash

    pack = load_pack(_base(tmp_path))
    again = load_pack(pack.portable_content())
    assert pack_hash(again) == pack_hash(pack)
    text = "不会的话您就自己查吧"
    first, second = (
        Checker(p).check({"id": "t", "utterances": [{"speaker": "agent", "text": text}]}).findings
        for p in (pack, again)
    )
    assert [(f.text, f.pattern, f.explanation) for f in first] == [(f.text, f.pattern, f.explanation) for f in second]
    assert "{YOU}" in first[0].pattern
