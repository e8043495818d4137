"""``servicecheck eval``: gold labels of stages a pack does not score count as misses, a gold file
without labels is called out, and labels may live apart from the dialogues, in a labels file whose
rows name a dialogue by id in a JSONL corpus beside it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from servicecheck import Checker, load_pack
from servicecheck.cli import main
from servicecheck.evaluate import evaluate, evaluation_table, read_gold

PACK = {
    "id": "mini",
    "version": "1",
    "stages": [
        {"id": "greeting", "name": "问候", "rules": [{"id": "greeting.hello", "phrases": ["您好"]}]},
        {"id": "closing", "name": "结束语", "rules": [{"id": "closing.bye", "phrases": ["再见"]}]},
        {"id": "empathy", "name": "共情", "enabled": False, "rules": [{"id": "empathy.sorry", "phrases": ["抱歉"]}]},
    ],
}

CALLS = [
    {
        "id": "c1",
        "channel": "phone",
        "utterances": [
            {"speaker": "agent", "text": "您好，请讲。"},
            {"speaker": "customer", "text": "我的卡丢了。"},
            {"speaker": "agent", "text": "非常抱歉，已为您挂失，再见。"},
        ],
        "labels": [
            {"stage": "greeting", "utterance": 0, "text": "您好"},
            {"stage": "empathy", "utterance": 2, "text": "抱歉"},
            {"stage": "closing", "utterance": 2, "text": "再见"},
        ],
    },
    {
        "id": "c2",
        "channel": "online",
        "utterances": [
            {"speaker": "agent", "text": "您好，我是客服小王。"},
            {"speaker": "agent", "text": "祝您生活愉快，再见。"},
        ],
        "labels": [
            {"stage": "greeting", "utterance": 0, "text": "您好"},
            {"stage": "self_intro", "utterance": 0, "text": "我是客服小王"},
            {"stage": "closing", "utterance": 1, "text": "祝您生活愉快"},
            {"stage": "closing", "utterance": 1, "text": "再见"},
        ],
    },
]


@pytest.fixture(scope="module")
def pack_file(tmp_path_factory) -> Path:
    import yaml

    path = tmp_path_factory.mktemp("pack") / "mini.yaml"
    path.write_text(yaml.safe_dump(PACK, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker(load_pack(PACK))


def _jsonl(path: Path, rows: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def _run(capsys, *argv) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# -- gold stages the pack does not score --------------------------------------------------------------------
def test_labels_of_stages_the_pack_lacks_or_switched_off_are_misses(checker, tmp_path):
    result = evaluate(checker, read_gold(_jsonl(tmp_path / "gold.jsonl", CALLS)))
    assert result.stages == ["greeting", "closing", "empathy", "self_intro"]
    assert result.unscored == {
        "empathy": {"reason": "disabled", "labels": 1},
        "self_intro": {"reason": "absent", "labels": 1},
    }
    for stage in ("empathy", "self_intro"):
        assert (result.utterance[stage].tp, result.utterance[stage].fp, result.utterance[stage].fn) == (0, 0, 1)
        assert result.span[stage].fn == 1
    # The misses count in the totals: 4 utterance-level hits, 2 misses.
    micro = result.micro("utterance")
    assert (micro.tp, micro.fp, micro.fn) == (4, 0, 2)
    # Spans: 祝您生活愉快 is a closing label the pack has no phrase for, a miss of its own.
    assert (result.micro("span").tp, result.micro("span").fn) == (4, 3)
    misses = [
        (e["stage"], e["call"], e["utterance"], e["gold"]) for e in result.errors if e["type"] == "false_negative"
    ]
    assert misses == [("empathy", "c1", 2, ["抱歉"]), ("self_intro", "c2", 0, ["我是客服小王"])]
    assert result.warnings == [
        "gold stage 'empathy' is switched off in the pack: its 1 label(s) count as misses (false negatives)",
        "gold stage 'self_intro' is not in the pack: its 1 label(s) count as misses (false negatives)",
    ]


def test_eval_says_so_in_the_table_and_in_json(pack_file, tmp_path, capsys):
    gold = _jsonl(tmp_path / "gold.jsonl", CALLS)
    status, out, _ = _run(capsys, "eval", str(gold), "--pack", str(pack_file))
    assert status == 0
    lines = out.splitlines()
    assert (
        lines[0]
        == "warning: gold stage 'empathy' is switched off in the pack: its 1 label(s) count as misses (false negatives)"
    )
    assert (
        lines[1]
        == "warning: gold stage 'self_intro' is not in the pack: its 1 label(s) count as misses (false negatives)"
    )
    rows = {line.split()[0]: line.split() for line in lines if line.split()}
    assert rows["self_intro"][1:4] == ["0", "0", "1"]
    status, out, _ = _run(capsys, "eval", str(gold), "--pack", str(pack_file), "--format", "json")
    result = json.loads(out)
    assert result["unscored_stages"] == {
        "empathy": {"reason": "disabled", "labels": 1},
        "self_intro": {"reason": "absent", "labels": 1},
    }
    assert len(result["warnings"]) == 2 and "'self_intro' is not in the pack" in result["warnings"][1]
    assert result["utterance_level"]["stages"]["self_intro"]["fn"] == 1
    assert result["utterance_level"]["micro"]["recall"] == round(4 / 6, 4)
    assert result["labels"] == 7


def test_a_gold_file_without_labels_is_called_out(pack_file, tmp_path, capsys):
    unlabelled = [{k: v for k, v in call.items() if k != "labels"} for call in CALLS]
    gold = _jsonl(tmp_path / "nolabels.jsonl", unlabelled)
    status, out, _ = _run(capsys, "eval", str(gold), "--pack", str(pack_file))
    assert status == 0
    assert out.splitlines()[0] == (
        f"warning: {gold} has no labels: every finding counts as a false positive and recall says nothing"
    )
    status, out, _ = _run(capsys, "eval", str(gold), "--pack", str(pack_file), "--format", "json")
    result = json.loads(out)
    assert result["labels"] == 0 and result["calls"] == 2
    assert result["warnings"] == [
        f"{gold} has no labels: every finding counts as a false positive and recall says nothing"
    ]
    labelled = _jsonl(tmp_path / "gold.jsonl", CALLS)
    assert not [w for w in evaluate(Checker(load_pack(PACK)), read_gold(labelled)).warnings if "no labels" in w]


def test_a_clean_gold_file_has_no_warnings(checker, tmp_path):
    scored_only = [
        {**call, "labels": [label for label in call["labels"] if label["stage"] in ("greeting", "closing")]}
        for call in CALLS
    ]
    result = evaluate(checker, read_gold(_jsonl(tmp_path / "gold.jsonl", scored_only)))
    assert result.warnings == [] and result.unscored == {}
    assert not evaluation_table(result).startswith("warning")


# -- labels apart from the dialogues ------------------------------------------------------------------------
def _split(tmp_path: Path, file_field: str, corpus: Path) -> Path:
    """The calls as a corpus without labels, and a labels file naming them by id."""
    _jsonl(corpus, [{k: v for k, v in call.items() if k != "labels"} for call in CALLS])
    rows = [{"id": call["id"], "file": file_field, "labels": call["labels"]} for call in reversed(CALLS)]
    return _jsonl(tmp_path / "gold" / "labels.jsonl", rows)


def test_labels_kept_apart_score_like_the_same_labels_inline(checker, tmp_path, monkeypatch):
    inline = evaluate(checker, read_gold(_jsonl(tmp_path / "inline.jsonl", list(reversed(CALLS)))))
    labels = _split(tmp_path, "../corpus/calls.jsonl", tmp_path / "corpus" / "calls.jsonl")
    monkeypatch.chdir(tmp_path / "corpus")  # `file` is relative to the labels file, not to the working directory
    apart = evaluate(checker, read_gold(labels))
    assert apart.row_errors == []
    assert apart.as_dict() == inline.as_dict()
    assert apart.calls == 2 and apart.micro("utterance").tp == 4


def test_an_absolute_corpus_path_works_too(checker, tmp_path):
    corpus = tmp_path / "elsewhere" / "calls.jsonl"
    labels = _split(tmp_path, str(corpus), corpus)
    result = evaluate(checker, read_gold(labels))
    assert (result.calls, result.labels, result.row_errors) == (2, 7, [])


def test_a_missing_dialogue_id_names_the_labels_file_line_and_id_and_the_rest_goes_on(pack_file, tmp_path, capsys):
    corpus = tmp_path / "gold" / "calls.jsonl"
    labels = _split(tmp_path, "calls.jsonl", corpus)
    rows = labels.read_text(encoding="utf-8").splitlines()
    rows.insert(1, json.dumps({"id": "c404", "file": "calls.jsonl", "labels": []}))
    labels.write_text("\n".join(rows) + "\n", encoding="utf-8")
    status, out, err = _run(capsys, "eval", str(labels), "--pack", str(pack_file), "--format", "json")
    assert status == 1
    result = json.loads(out)
    assert result["calls"] == 2  # both other rows were evaluated
    assert result["row_errors"] == [
        {
            "source": str(labels),
            "line": 2,
            "error": f"{labels}, line 2, field id: dialogue id 'c404' is not in {corpus}",
        }
    ]
    assert err.splitlines() == [
        f"servicecheck: {labels}, line 2, field id: dialogue id 'c404' is not in {corpus}",
        "servicecheck: 2 call(s) evaluated, 1 row(s) could not be",
    ]


def test_only_unresolvable_rows_exit_2(pack_file, tmp_path, capsys):
    labels = _jsonl(tmp_path / "labels.jsonl", [{"id": "c1", "file": "nowhere.jsonl", "labels": []}])
    status, _, err = _run(capsys, "eval", str(labels), "--pack", str(pack_file))
    assert status == 2
    assert f"{labels}, line 1, field file: corpus 'nowhere.jsonl' cannot be read" in err
    assert str(tmp_path / "nowhere.jsonl") in err and "Traceback" not in err


def test_corpus_problems_are_errors_of_the_row_that_meets_them(checker, tmp_path):
    corpus = _jsonl(
        tmp_path / "calls.jsonl",
        [
            {"id": "c1", "utterances": [{"speaker": "agent", "text": "您好"}]},
            "{broken",
            {"id": "c2", "utterances": [{"speaker": "robot", "text": "请按1"}]},
            {"id": "twice", "utterances": []},
            {"id": "twice", "utterances": []},
        ],
    )
    labels = _jsonl(
        tmp_path / "labels.jsonl",
        [
            {"id": "c1", "file": "calls.jsonl", "labels": [{"stage": "greeting", "utterance": 0, "text": "你好"}]},
            {"id": "c2", "file": "calls.jsonl", "labels": []},
            {"id": "twice", "file": "calls.jsonl", "labels": []},
            {"id": "c9", "file": "calls.jsonl", "labels": []},
            {"id": "c1", "file": "calls.jsonl", "labels": [{"stage": "greeting", "utterance": 0, "text": "您好"}]},
        ],
    )
    result = evaluate(checker, read_gold(labels))
    errors = [e["error"] for e in result.row_errors]
    assert [e["line"] for e in result.row_errors] == [1, 2, 3, 4]
    assert errors[0].startswith(f"{labels}:1, field labels.text: label text '你好' not in utterance")
    assert errors[1].startswith(
        f"{corpus}, line 3, field utterances[0].speaker: unknown speaker 'robot'"
    )  # where the dialogue is
    assert errors[2] == f"{labels}, line 3, field id: dialogue id 'twice' is on several lines of {corpus} (4, 5)"
    assert errors[3] == f"{labels}, line 4, field id: dialogue id 'c9' is not in {corpus} (1 unreadable line(s): [2])"
    assert result.calls == 1 and result.micro("utterance").tp == 1


def test_bad_rows_of_an_inline_gold_file_are_reported_and_the_rest_goes_on(checker, tmp_path):
    gold = _jsonl(
        tmp_path / "gold.jsonl", [CALLS[0], "{oops", {**CALLS[1], "labels": [{"utterance": 0, "text": "您好"}]}]
    )
    result = evaluate(checker, read_gold(gold))
    assert [(e["line"], e["error"].split(": ")[-1]) for e in result.row_errors][1] == (3, "label without stage")
    assert result.row_errors[0]["line"] == 2 and "invalid JSON" in result.row_errors[0]["error"]
    assert result.calls == 1
