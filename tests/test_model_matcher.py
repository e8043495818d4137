"""The ``model:`` matcher and ``servicecheck train``: a classifier trained on a tiny synthetic gold set.

Needs scikit-learn (``pip install -e '.[test,train]'``); without it these tests skip, except the ones
about what happens when no model is in play (import cost, a missing model folder).
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

from servicecheck import Checker
from servicecheck.cli import main
from servicecheck.errors import PackError
from servicecheck.learn.clauses import clauses
from servicecheck.pack.load import load_pack

needs_sklearn = pytest.mark.skipif(
    find_spec("sklearn") is None, reason="scikit-learn is not installed (pip install -e '.[train]')"
)

# Forbidden phrases bank-cn's rules do not know, so the model's hits are its own.
RUDE = ["懒得跟你解释", "关我什么事", "烦不烦啊", "懒得管你", "关我啥事啊", "你烦不烦"]
POLITE = [
    "好的，我帮您查一下",
    "请您稍等",
    "您的卡已经挂失成功",
    "这边为您登记",
    "麻烦您报一下卡号",
    "已经帮您处理好了",
]


def _gold_call(number: int) -> dict:
    rude = RUDE[number % len(RUDE)]
    polite = POLITE[number % len(POLITE)]
    other = POLITE[(number + 1) % len(POLITE)]
    utterances = [
        {"speaker": "customer", "text": "我的卡怎么还没办好？"},
        {"speaker": "agent", "text": f"{polite}。"},
        {"speaker": "customer", "text": "到底什么时候能好？"},
        {"speaker": "agent", "text": f"{other}，{rude}。"},
    ]
    labels = [{"stage": "forbidden", "utterance": 3, "text": rude}]
    return {"id": f"syn-{number:03d}", "utterances": utterances, "labels": labels}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    if find_spec("sklearn") is None:
        pytest.skip("scikit-learn is not installed (pip install -e '.[train]')")
    folder = tmp_path_factory.mktemp("train")
    gold = folder / "gold.jsonl"
    gold.write_text("".join(json.dumps(_gold_call(i), ensure_ascii=False) + "\n" for i in range(24)), encoding="utf-8")
    status = main(["train", str(gold), "--stages", "forbidden", "-o", str(folder / "models" / "my-team")])
    assert status == 0
    return folder / "models" / "my-team"


def _pack(folder: Path, mode: str, threshold: float = 0.6, path: str = "models/my-team") -> Path:
    pack = folder / f"pack-{mode}.yaml"
    pack.write_text(
        "id: team\nextends: bank-cn\nstages:\n  - id: forbidden\n    rules:\n      - id: forbidden.model\n"
        f"        model: {{path: {path}, label: forbidden, threshold: {threshold}, mode: {mode}}}\n",
        encoding="utf-8",
    )
    return pack


def _forbidden(report) -> list:
    return [f for f in report.findings if f.stage == "forbidden"]


def _call(*agent_lines: str) -> dict:
    utterances = []
    for line in agent_lines:
        utterances += [{"speaker": "customer", "text": "我的事到底怎么办？"}, {"speaker": "agent", "text": line}]
    return {"id": "t", "utterances": utterances}


def test_clauses_trim_edge_punctuation():
    text = "好的，懒得跟你解释！ 再见。"
    assert [text[s:e] for s, e in clauses(text)] == ["好的", "懒得跟你解释", "再见"]


@needs_sklearn
def test_train_writes_a_model(model_dir):
    meta = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    assert (model_dir / "model.joblib").is_file()
    assert meta["labels"] == ["forbidden"]
    assert meta["training"]["per_label"]["forbidden"]["positive"] == 24
    assert "scikit-learn" in meta["versions"]


@needs_sklearn
def test_model_hits_have_exact_offsets_and_explanations(model_dir):
    checker = Checker(_pack(model_dir.parent.parent, "any"))
    call = _call("好的，ＯＫ，懒得跟你解释！")
    report = checker.check(call)
    [hit] = [f for f in _forbidden(report) if f.method == "model"]
    text = call["utterances"][hit.utterance_index]["text"]
    assert text[hit.start : hit.end] == hit.text == "懒得跟你解释"
    assert hit.similarity >= 0.6 and not hit.needs_review
    assert hit.explanation.startswith("规则 forbidden.model：模型 my-team：forbidden ")
    assert "「" in hit.explanation  # the n-grams that weighed most


@needs_sklearn
def test_modes(model_dir):
    folder = model_dir.parent.parent
    both = "不归我管，懒得跟你解释"  # a rule hit (不归我管) and a model hit in one utterance
    alone = "懒得跟你解释"  # only the model knows this one
    call = _call(both, alone)

    def methods(mode: str) -> list[tuple[int, str, bool]]:
        report = Checker(_pack(folder, mode)).check(call)
        return [(f.utterance_index, f.method, f.needs_review) for f in _forbidden(report)]

    rules_only = Checker("bank-cn").check(call)
    assert [(f.utterance_index, f.method) for f in _forbidden(rules_only)] == [(1, "exact")]
    assert methods("any") == [(1, "exact", False), (1, "model", False), (3, "model", False)]
    assert methods("fallback") == [(1, "exact", False), (3, "model", False)]
    assert methods("review") == [(1, "exact", False), (1, "model", True), (3, "model", True)]
    # review: the model's hits cost nothing until a person confirms them; any: they cost like rule hits
    quiet = _call(alone)
    plain = Checker("bank-cn").check(quiet).score
    reviewed = Checker(_pack(folder, "review")).check(quiet)
    assert reviewed.score == plain and reviewed.needs_review
    assert Checker(_pack(folder, "any")).check(quiet).score < plain


@needs_sklearn
def test_check_and_eval_through_the_cli(model_dir, capsys, tmp_path):
    pack = _pack(model_dir.parent.parent, "any")
    transcript = tmp_path / "call.json"
    transcript.write_text(json.dumps(_call("懒得跟你解释"), ensure_ascii=False), encoding="utf-8")
    assert main(["check", str(transcript), "--pack", str(pack)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [f["method"] for f in report["findings"] if f["stage"] == "forbidden"] == ["model"]

    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(_gold_call(100), ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["eval", str(gold), "--pack", str(pack), "--format", "json"]) == 0
    both = json.loads(capsys.readouterr().out)
    assert both["rules"]["stages"]["forbidden"]["recall"] == 0.0
    assert both["rules+model"]["stages"]["forbidden"]["recall"] == 1.0
    assert main(["eval", str(gold), "--pack", "bank-cn", "--compare", str(pack)]) == 0
    out = capsys.readouterr().out
    assert "bank-cn P" in out and "forbidden" in out


def test_import_does_not_load_the_ml_library():
    code = (
        "import sys, servicecheck; from servicecheck import Checker; Checker('bank-cn');"
        "print(sorted(m for m in ('sklearn', 'joblib', 'scipy', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_missing_model_is_a_pack_error_with_file_and_line(tmp_path):
    pack = _pack(tmp_path, "any", path="models/nowhere")
    with pytest.raises(PackError) as caught:
        load_pack(pack)
    message = str(caught.value)
    assert str(pack) in message and "(line 7)" in message and "nowhere" in message


def test_model_rule_takes_no_phrases(tmp_path):
    pack = tmp_path / "p.yaml"
    pack.write_text(
        "id: p\nstages:\n  - id: s\n    name: S\n    rules:\n      - id: s.m\n        phrases: [你好]\n"
        "        model: {path: m, label: s}\n",
        encoding="utf-8",
    )
    with pytest.raises(PackError, match="a model rule has no phrases"):
        load_pack(pack)
