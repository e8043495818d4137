"""Label Studio round trip (export tasks and predictions, import annotations as gold) and kappa."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicecheck.agreement import Presence, cohen_kappa
from servicecheck.cli import main
from servicecheck.evaluate import evaluate
from servicecheck.labelstudio import (
    annotator_agreement,
    export_tasks,
    import_annotations,
    labeling_config,
    regions_from_labels,
    utf16_to_code_point,
)

CALL = {
    "id": "ls-1",
    "channel": "phone",
    "utterances": [
        {
            "speaker": "agent",
            "text": "您好😀，这里是星海银行信用卡中心，工号2031，请问有什么可以帮您？",
            "start": 0.5,
            "end": 6.0,
        },
        {"speaker": "customer", "text": "你好，我的卡丢了，名字里有个𠮷字。", "start": 6.5, "end": 9.0},
        {
            "speaker": "agent",
            "text": "您先别着急，我非常理解您的心情。您好，跟您确认一下，是尾号8836的卡对吗？",
            "start": 9.5,
            "end": 15.0,
        },
        {"speaker": "agent", "text": "感谢您的来电，祝您生活愉快，再见。", "start": 16.0, "end": 19.0},
    ],
}


def _key(labels):
    return sorted((lab["stage"], lab["utterance"], lab["text"], lab.get("occurrence", 0)) for lab in labels)


def _task(utterances, result, **annotation):
    return {
        "id": 101,
        "data": {"call_id": "c1", "channel": "online", "utterances": utterances},
        "annotations": [{"id": 7, "result": result, "was_cancelled": False, "ground_truth": False, **annotation}],
    }


def _region(rid, start, end, so, eo, text, stage="greeting"):
    return {
        "id": rid,
        "from_name": "stage",
        "to_name": "dialogue",
        "type": "paragraphlabels",
        "value": {
            "start": start,
            "end": end,
            "startOffset": so,
            "endOffset": eo,
            "text": text,
            "paragraphlabels": [stage],
        },
    }


# -- export -------------------------------------------------------------------------------------------


def test_labeling_config_has_one_label_per_stage(checker):
    root = ET.fromstring(labeling_config(checker.pack))
    labels = root.find("ParagraphLabels")
    assert [lab.get("value") for lab in labels] == [s.id for s in checker.pack.stages if s.enabled]
    assert labels.get("toName") == "dialogue"
    paragraphs = root.find("Paragraphs")
    assert paragraphs.get("nameKey") == "speaker" and paragraphs.get("textKey") == "text"
    assert paragraphs.get("layout") == "dialogue" and paragraphs.get("value") == "$utterances"


def test_export_tasks_with_predictions(checker):
    [task] = export_tasks([CALL], checker)
    assert task["data"]["call_id"] == "ls-1" and task["data"]["channel"] == "phone"
    assert task["data"]["utterances"] == CALL["utterances"]
    [prediction] = task["predictions"]
    assert prediction["model_version"] == f"bank-cn {checker.pack.version} {checker.pack_hash}"
    stages = {r["value"]["paragraphlabels"][0] for r in prediction["result"]}
    assert {"greeting", "self_intro", "empathy", "closing"} <= stages
    for region in prediction["result"]:
        value = region["value"]
        assert region["type"] == "paragraphlabels" and value["start"] == value["end"]
        assert isinstance(value["start"], str)  # as Label Studio writes them
        text = CALL["utterances"][int(value["start"])]["text"]
        assert text[value["startOffset"] : value["endOffset"]] == value["text"]  # code points
    assert len({r["id"] for r in prediction["result"]}) == len(prediction["result"])
    assert "predictions" not in export_tasks([CALL])[0]


def test_accepted_predictions_come_back_as_the_same_labels(checker):
    """A reviewer who accepts every pre-annotation: the gold labels sit exactly where the findings were."""
    [task] = export_tasks([CALL], checker)
    predicted = task["predictions"][0]["result"]
    accepted = copy.deepcopy(predicted)
    for region in accepted:
        region["origin"] = "prediction"
    task = {**task, "id": 5, "annotations": [{"id": 1, "result": accepted, "was_cancelled": False}]}
    [call], report = import_annotations([task])
    assert report.rejected == [] and report.repaired == []
    assert set(call) == {"id", "channel", "utterances", "labels"}
    assert call["utterances"] == CALL["utterances"]
    back = regions_from_labels(call["utterances"], call["labels"])
    where = lambda regions: sorted(  # noqa: E731
        (r["value"]["start"], r["value"]["startOffset"], r["value"]["endOffset"], r["value"]["paragraphlabels"][0])
        for r in regions
    )
    assert where(back) == where(predicted)


def test_second_occurrence_keeps_its_index():
    labels = [{"stage": "greeting", "utterance": 2, "text": "您", "occurrence": 2}]
    [task] = export_tasks([{**CALL, "labels": labels}], gold=True)
    [region] = task["annotations"][0]["result"]
    assert region["value"]["startOffset"] == 16  # 您先别着急，我非常理解您的心情。[您]好
    [call], _ = import_annotations([{**task, "id": 1}])
    assert call["labels"] == labels


# -- the property ------------------------------------------------------------------------------------

ALPHABET = "您好再见的确认一下😀𠮷🙂a1，。 "


@st.composite
def labelled_calls(draw):
    texts = draw(st.lists(st.text(ALPHABET, min_size=1, max_size=12), min_size=1, max_size=5))
    spans = set()
    for _ in range(draw(st.integers(0, 8))):
        index = draw(st.integers(0, len(texts) - 1))
        start = draw(st.integers(0, len(texts[index]) - 1))
        end = draw(st.integers(start + 1, len(texts[index])))
        spans.add((draw(st.sampled_from(["greeting", "closing", "forbidden"])), index, start, end))
    labels = []
    for stage, index, start, end in spans:
        text = texts[index]
        phrase = text[start:end]
        occurrence = sum(1 for p in range(start) if text.startswith(phrase, p))
        labels.append({"stage": stage, "utterance": index, "text": phrase, "occurrence": occurrence})
    utterances = [{"speaker": "agent", "text": t} for t in texts]
    return {"id": "p", "utterances": utterances, "labels": labels}


@given(labelled_calls(), st.booleans())
def test_gold_labels_survive_export_and_import(call, numeric):
    [task] = export_tasks([call], gold=True)
    if numeric:  # numeric paragraph indices (the docs' examples) read the same as strings
        for region in task["annotations"][0]["result"]:
            region["value"]["start"] = int(region["value"]["start"])
            region["value"]["end"] = int(region["value"]["end"])
    calls, report = import_annotations([{**task, "id": 1}])
    assert report.rejected == []
    assert _key(calls[0]["labels"]) == _key(call["labels"])
    assert len(calls[0]["labels"]) == len(call["labels"])


@given(st.text(ALPHABET, max_size=20))
def test_utf16_offsets_map_to_code_points(text):
    units = 0
    for position, char in enumerate(text):
        assert utf16_to_code_point(text, units) == position
        if ord(char) > 0xFFFF:
            assert utf16_to_code_point(text, units + 1) is None  # inside a surrogate pair
        units += 2 if ord(char) > 0xFFFF else 1
    assert utf16_to_code_point(text, units) == len(text)
    assert utf16_to_code_point(text, units + 1) is None


# -- import: what is repaired, rejected and skipped ----------------------------------------------------

UTTERANCES = [
    {"speaker": "agent", "text": "您好😀𠮷，这里是星海银行，再见"},
    {"speaker": "customer", "text": "你好"},
    {"speaker": "agent", "text": "感谢您的来电"},
]


def test_utf16_offsets_of_an_old_export_are_repaired():
    # 再见 is at code points 13:15; an old Label Studio counted 😀 and 𠮷 as two units each: 15:17.
    assert UTTERANCES[0]["text"][13:15] == "再见"
    task = _task(UTTERANCES, [_region("old1", "0", "0", 15, 17, "再见", "closing")])
    [call], report = import_annotations([task])
    assert call["labels"] == [{"stage": "closing", "utterance": 0, "text": "再见", "occurrence": 0}]
    assert len(report.repaired) == 1 and "old1" in report.repaired[0] and "UTF-16" in report.repaired[0]


def test_a_region_whose_text_is_nowhere_is_rejected_with_task_and_region():
    task = _task(
        UTTERANCES,
        [_region("bad7", "0", "0", 3, 5, "再见", "closing"), _region("ok", "2", "2", 0, 2, "感谢", "closing")],
    )
    [call], report = import_annotations([task])
    assert [lab["text"] for lab in call["labels"]] == ["感谢"]
    [message] = report.rejected
    assert "task 101" in message and "'bad7'" in message and "再见" in message


def test_cross_paragraph_regions_are_rejected():
    task = _task(UTTERANCES, [_region("x9", "0", "2", 0, 2, "您好😀…感谢"), _region("g", "0", "0", 0, 2, "您好")])
    [call], report = import_annotations([task])
    assert call["labels"] == [{"stage": "greeting", "utterance": 0, "text": "您好", "occurrence": 0}]
    [message] = report.rejected
    assert "'x9'" in message and "spans paragraphs 0 to 2" in message


def test_region_without_text_uses_the_offsets_and_bad_indices_are_rejected():
    region = _region("n", 2, 2, 0, 2, None, "closing")
    del region["value"]["text"]
    task = _task(UTTERANCES, [region, _region("far", "5", "5", 0, 1, "x"), _region("nan", "a", "a", 0, 1, "x")])
    [call], report = import_annotations([task])
    assert call["labels"] == [{"stage": "closing", "utterance": 2, "text": "感谢", "occurrence": 0}]
    assert len(report.rejected) == 2 and "paragraph 5 is not in the call" in report.rejected[0]


def test_cancelled_annotations_are_skipped_and_one_is_chosen():
    greet, close = _region("g", "0", "0", 0, 2, "您好"), _region("c", "2", "2", 0, 2, "感谢", "closing")
    task = _task(UTTERANCES, [greet], updated_at="2026-01-01T10:00:00Z")
    task["annotations"] += [
        {"id": 8, "result": [close], "was_cancelled": True, "updated_at": "2026-01-03T10:00:00Z"},
        {
            "id": 9,
            "result": [greet, close],
            "was_cancelled": False,
            "ground_truth": True,
            "updated_at": "2025-12-01T00:00:00Z",
        },
    ]
    only_cancelled = {
        "id": 102,
        "data": {"call_id": "c2", "utterances": UTTERANCES},
        "annotations": [{"id": 3, "result": [greet], "was_cancelled": True}],
    }
    unannotated = {"id": 103, "data": {"call_id": "c3", "utterances": UTTERANCES}}
    calls, report = import_annotations([task, only_cancelled, unannotated])
    assert [c["id"] for c in calls] == ["c1"] and report.cancelled == 2
    assert report.chosen == {"c1": 7} and len(calls[0]["labels"]) == 1  # latest non-cancelled
    assert [a.id for a in report.annotations["c1"]] == [7, 9]  # every non-cancelled one, for agreement
    calls, report = import_annotations([task], choose="ground_truth")
    assert report.chosen == {"c1": 9} and len(calls[0]["labels"]) == 2
    assert calls[0]["channel"] == "online"


def test_unusable_tasks_are_reported_and_others_read():
    good = _task(UTTERANCES, [_region("g", "0", "0", 0, 2, "您好")])
    calls, report = import_annotations([{"id": 1, "data": {"text": "plain"}}, "junk", good])
    assert len(calls) == 1 and len(report.rejected) == 2
    assert "task 1: data.utterances is not a list" in report.rejected[0]
    with pytest.raises(ValueError):
        import_annotations({"not": "a list"})


# -- kappa -------------------------------------------------------------------------------------------


def test_kappa_textbook_example():
    # 50 proposals: both yes 20, A yes B no 5, A no B yes 10, both no 15 -> po 0.7, pe 0.5, kappa 0.4
    assert Presence(20, 5, 10, 15).kappa == pytest.approx(0.4)
    assert Presence(45, 15, 25, 15).kappa == pytest.approx(0.1304, abs=1e-4)
    assert Presence(25, 35, 5, 35).kappa == pytest.approx(0.2593, abs=1e-4)
    pairs = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10 + [(False, False)] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)


def test_kappa_edges_and_degenerate_cases():
    assert Presence(3, 0, 0, 7).kappa == 1.0
    assert Presence(0, 5, 5, 0).kappa == -1.0
    assert Presence(0, 0, 0, 9).kappa is None
    assert Presence(0, 0, 0, 9).why_undefined.startswith("both say absent in all 9")
    assert Presence(4, 0, 0, 0).why_undefined.startswith("both say present in all 4")
    assert Presence().kappa is None and Presence().why_undefined == "no calls rated by both"
    assert Presence(0, 0, 3, 7).kappa == 0.0  # one rater constant: defined, no better than chance
    assert Presence(0, 0, 0, 9).as_dict()["kappa"] is None
    assert cohen_kappa([]) is None


def test_annotator_agreement_on_doubly_annotated_tasks():
    """Four calls: both annotators mark a greeting in two, only the first in one, neither in one;
    they agree on closing everywhere. A singly annotated task and a cancelled second opinion do not count."""
    greet, close = _region("g", "0", "0", 0, 2, "您好"), _region("c", "2", "2", 0, 2, "感谢", "closing")

    def task(n, first, second, cancelled=False):
        return {
            "id": n,
            "data": {"call_id": f"c{n}", "utterances": UTTERANCES},
            "annotations": [
                {"id": 10 * n, "completed_by": 1, "result": first},
                {"id": 10 * n + 1, "completed_by": 2, "result": second, "was_cancelled": cancelled},
            ],
        }

    export = [
        task(1, [greet, close], [greet, close]),
        task(2, [greet, close], [greet, close]),
        task(3, [greet], []),
        task(4, [], []),
        task(5, [greet], [], cancelled=True),
        {"id": 6, "data": {"call_id": "c6", "utterances": UTTERANCES}, "annotations": [{"id": 60, "result": [greet]}]},
    ]
    _, report = import_annotations(export)
    result = annotator_agreement(report, ["greeting", "closing", "empathy"])
    assert result.calls == 4 and result.pairs == [(1, 2)] * 4
    greeting = result.stages["greeting"]
    assert (greeting.both, greeting.first_only, greeting.second_only, greeting.neither) == (2, 1, 0, 1)
    assert greeting.kappa == pytest.approx(0.5)  # po 0.75, pe 0.5
    assert result.stages["closing"].kappa == 1.0
    assert result.stages["empathy"].kappa is None and "absent in all 4" in result.stages["empathy"].why_undefined
    assert list(result.stages) == ["greeting", "closing", "empathy"]


def test_eval_reports_kappa_on_stage_presence(checker):
    calls = [
        {**CALL, "id": "a", "labels": [{"stage": "greeting", "utterance": 0, "text": "您好"}]},
        {"id": "b", "utterances": [{"speaker": "agent", "text": "请讲。"}], "labels": []},
        {
            "id": "c",
            "utterances": [{"speaker": "agent", "text": "嗯。"}],
            "labels": [{"stage": "greeting", "utterance": 0, "text": "嗯"}],
        },
    ]
    result = evaluate(checker, [(c, n) for n, c in enumerate(calls, 1)])
    greeting = result.as_dict()["call_level"]["stages"]["greeting"]
    assert (greeting["both"], greeting["pack_only"], greeting["gold_only"], greeting["neither"]) == (1, 0, 1, 1)
    assert greeting["kappa"] == pytest.approx(0.4)
    assert result.as_dict()["call_level"]["stages"]["retention"]["kappa"] is None


def test_eval_prints_a_kappa_per_stage_on_the_dev_calls(capsys, dev_calls):
    assert main(["eval", str(dev_calls), "--errors", "0"]) == 0
    out = capsys.readouterr().out
    utterance_table = out.split("\n\n")[0]
    assert "kappa" in utterance_table.splitlines()[1]
    rows = {line.split()[0]: line.split() for line in utterance_table.splitlines()[3:]}
    for stage in ("greeting", "self_intro", "closing", "forbidden"):
        assert len(rows[stage]) == 8
        assert rows[stage][7] == "n/a" or -1.0 <= float(rows[stage][7]) <= 1.0


# -- commands ------------------------------------------------------------------------------------------


def test_commands_end_to_end(tmp_path, capsys):
    calls = tmp_path / "calls.jsonl"
    labels = [
        {"stage": "greeting", "utterance": 0, "text": "您好"},
        {"stage": "closing", "utterance": 3, "text": "再见"},
    ]
    calls.write_text(json.dumps({**CALL, "labels": labels}, ensure_ascii=False) + "\n", encoding="utf-8")
    tasks, config = tmp_path / "tasks.json", tmp_path / "config.xml"
    assert (
        main(
            ["labelstudio", "export", str(calls), "-o", str(tasks), "--predictions", "--gold", "--config", str(config)]
        )
        == 0
    )
    exported = json.loads(tasks.read_text(encoding="utf-8"))
    assert exported[0]["predictions"][0]["result"] and exported[0]["annotations"][0]["result"]
    assert "<ParagraphLabels" in config.read_text(encoding="utf-8")

    # A second annotator who accepted the predictions; Label Studio adds task ids on export.
    exported[0]["id"] = 11
    exported[0]["annotations"].append(
        {
            "id": 2,
            "result": exported[0]["predictions"][0]["result"],
            "was_cancelled": False,
            "updated_at": "2026-02-01T00:00:00Z",
        }
    )
    export = tmp_path / "export.json"
    export.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    assert main(["labelstudio", "import", str(export), "-o", str(gold), "--choose", "ground_truth"]) == 0
    [call] = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    assert _key(call["labels"]) == _key(labels)
    capsys.readouterr()

    assert main(["labelstudio", "agreement", str(export), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["calls"] == 1 and result["stages"]["greeting"]["kappa"] is None  # one call: undefined
    assert main(["labelstudio", "agreement", str(export)]) == 0
    out = capsys.readouterr().out
    assert "kappa" in out and "empathy" in out

    assert main(["eval", str(gold), "--errors", "0"]) == 0
    assert "kappa" in capsys.readouterr().out


def test_commands_refuse_unusable_files(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert main(["labelstudio", "import", str(bad), "-o", str(tmp_path / "g.jsonl")]) == 2
    assert str(bad) in capsys.readouterr().err
    bad.write_text('{"tasks": []}', encoding="utf-8")
    assert main(["labelstudio", "agreement", str(bad)]) == 2
    assert "list of tasks" in capsys.readouterr().err
    bad.write_text("[]", encoding="utf-8")
    assert main(["labelstudio", "import", str(bad), "-o", str(tmp_path / "g.jsonl")]) == 2
    assert "no task with a usable annotation" in capsys.readouterr().err
    calls = tmp_path / "calls.jsonl"
    calls.write_text("not json\n", encoding="utf-8")
    assert main(["labelstudio", "export", str(calls), "-o", str(tmp_path / "t.json")]) == 2
    assert f"{calls}, line 1: invalid JSON" in capsys.readouterr().err
    assert main(["labelstudio", "export", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "t.json")]) == 2


def test_import_names_rejected_regions_and_exits_1(tmp_path, capsys):
    export = tmp_path / "export.json"
    task = _task(UTTERANCES, [_region("x9", "0", "1", 0, 2, "您好…"), _region("g", "0", "0", 0, 2, "您好")])
    export.write_text(json.dumps([task], ensure_ascii=False), encoding="utf-8")
    assert main(["labelstudio", "import", str(export), "-o", str(tmp_path / "g.jsonl")]) == 1
    err = capsys.readouterr().err
    assert "task 101" in err and "'x9'" in err


def test_the_documented_paragraphs_export_reads():
    """The shape of research/asr-formats.md 6.2: string indices, predictions beside annotations, extra keys."""
    utterances = [
        {
            "speaker": "agent",
            "text": "您好，这里是星海银行信用卡中心，工号2031，请问有什么可以帮您？",
            "start": 0.88,
            "end": 6.2,
        },
        {"speaker": "customer", "text": "我的卡丢了，卡号是6212345678901234569。", "start": 7.1, "end": 12.4},
    ]
    task = {
        "id": 101,
        "inner_id": 1,
        "project": 3,
        "total_annotations": 1,
        "drafts": [],
        "meta": {},
        "data": {"call_id": "call_0001", "utterances": utterances},
        "predictions": [{"model_version": "x", "result": [_region("p2", "0", "0", 16, 22, "工号2031", "self_intro")]}],
        "annotations": [
            {
                "id": 2002,
                "was_cancelled": False,
                "ground_truth": False,
                "completed_by": 7,
                "lead_time": 9.5,
                "result": [
                    {**_region("p1", "0", "0", 0, 2, "您好"), "origin": "prediction"},
                    {
                        "id": "t",
                        "from_name": "note",
                        "to_name": "dialogue",
                        "type": "textarea",
                        "value": {"text": ["ok"]},
                    },
                ],
            }
        ],
    }
    [call], report = import_annotations([task])
    assert call == {
        "id": "call_0001",
        "channel": "phone",
        "utterances": utterances,
        "labels": [{"stage": "greeting", "utterance": 0, "text": "您好", "occurrence": 0}],
    }
    assert report.ignored_results == 1 and report.rejected == [] and report.chosen == {"call_0001": 2002}
