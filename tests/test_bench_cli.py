"""``medfact bench medval|synth``: the official metrics on small files written here, by hand."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from medfact.benchmarks import medval
from medfact.benchmarks.synth import evaluate, markdown, run
from medfact.cli import main
from medfact.config import NO_MODEL
from medfact.pipeline import Engine

CONTEXT = (
    "Doctor: Which knee hurts? Patient: The left knee, for three days. Doctor: Any fever? "
    "Patient: No fever. Doctor: Take ibuprofen 400 mg three times a day."
)
CLEAN = "Left knee pain for three days. No fever. Ibuprofen 400 mg three times a day."
SIDE = "Right knee pain for three days. No fever. Ibuprofen 400 mg three times a day."
DOSE = "Left knee pain for three days. No fever. Ibuprofen 800 mg three times a day."
ADDED = CLEAN + " History of stroke."
SIDE_ADDED = SIDE + " History of stroke."


def _bench(*args: str):
    return CliRunner().invoke(main, ["bench", *args], catch_exceptions=False)


# --- MedVAL-Bench ---------------------------------------------------------------------------

HEADER = [
    "#",
    "id",
    "task",
    "input",
    "reference_output",
    "output",
    "physician_error_assessment",
    "physician_risk_grade",
]
ROWS = [
    # (id, task, input, output, grade)
    ("n1", "dialogue2note", CONTEXT, CLEAN, "1"),
    ("n2", "dialogue2note", CONTEXT, SIDE, "Level 3"),
    ("n3", "dialogue2note", CONTEXT, DOSE, "4 (high risk)"),
    ("n4", "dialogue2note", CONTEXT, ADDED, "Level 2"),
    ("s1", "report2simplified", "The chest x-ray shows no pneumonia.", "No pneumonia.", "1"),
    ("s2", "report2simplified", "Mild scarring at the left lung base.", "Scarring.", "2"),
    ("bad", "report2simplified", "Normal heart size.", "The heart is normal.", "unknown"),
    ("empty", "dialogue2note", "Doctor: any pain?\nPatient: no.", "   ", "1"),
]


@pytest.fixture()
def medval_csv(tmp_path) -> Path:
    path = tmp_path / "small.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n, (rid, task, source, output, grade) in enumerate(ROWS):
            writer.writerow([n, rid, task, source, "a reference", output, "", grade])
    return path


def test_medval_cli_reports_overall_tasks_and_errors(medval_csv):
    result = _bench("medval", "--data", str(medval_csv), "--no-model")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"overall", "tasks", "errors"}
    assert set(report["tasks"]) == {"dialogue2note", "report2simplified"}
    assert report["overall"]["n"] == 6
    assert report["tasks"]["dialogue2note"]["n"] == 4
    assert report["tasks"]["report2simplified"]["n"] == 2
    for block in [report["overall"], *report["tasks"].values()]:
        for key in ("four_class_macro_f1", "safe_unsafe_macro_f1", "unsafe_f1"):
            assert 0.0 <= block[key] <= 1.0
        assert block["pearson"] is None or -1.0 <= block["pearson"] <= 1.0
    errors = {e["id"]: e for e in report["errors"]}
    assert set(errors) == {"bad", "empty"}
    # header is line 1, rows follow one line each; the "empty" row spans lines 9-10
    assert errors["bad"]["line"] == 8 and errors["bad"]["field"] == "physician_risk_grade"
    assert "unknown" in errors["bad"]["message"]
    assert errors["empty"]["field"] == "output" and errors["empty"]["line"] in (9, 10)


def test_medval_run_matches_the_engine(medval_csv):
    """Each row is scored against its input; the metrics are those of the predicted levels."""
    engine = Engine.from_config(None, NO_MODEL).load()
    report = medval.run(medval_csv, engine)
    rows, errors = medval.read_rows(medval_csv)
    assert [r["grade"] for r in rows] == [1, 3, 4, 2, 1, 2]
    assert len(errors) == 2
    predicted = [int(engine.score_one(r["output"], r["input"]).risk_level) for r in rows]
    assert report["overall"] == medval.metrics([r["grade"] for r in rows], predicted)
    # the rules find the laterality and dose errors of the dialogue rows
    assert predicted[:4][1] >= 3 and predicted[:4][2] >= 3 and predicted[0] == 1


def test_medval_missing_column_is_a_clear_error(tmp_path):
    path = tmp_path / "no-grade.csv"
    path.write_text("id,task,input,output\n1,t,a,b\n")
    result = CliRunner().invoke(main, ["bench", "medval", "--data", str(path), "--no-model"])
    assert result.exit_code != 0
    assert "physician_risk_grade" in result.output


def test_medval_error_line_is_where_the_record_starts(tmp_path):
    path = tmp_path / "multi.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerow(
            [0, "a", "t", "Doctor: pain?\nPatient: yes.\nDoctor: ok.", "r", "x", "", "?"]
        )
    _, errors = medval.read_rows(path)
    assert [e["line"] for e in errors] == [2]


@pytest.mark.parametrize(
    ("text", "grade"),
    [("1", 1), ("Level 3", 3), ("4 (high risk)", 4), (" level 2 ", 2), ("Level 1 (No Risk)", 1)],
)
def test_parse_grade(text, grade):
    assert medval.parse_grade(text) == grade


@pytest.mark.parametrize("text", ["", "unknown", "0", "5", "Level 5"])
def test_parse_grade_rejects(text):
    with pytest.raises(ValueError):
        medval.parse_grade(text)


@pytest.mark.parametrize("text", ["10", "Level 34"])
def test_parse_grade_rejects_longer_numbers(text):
    with pytest.raises(ValueError):
        medval.parse_grade(text)


def test_metrics_by_hand():
    # y = 1 2 3 4, p = 1 3 2 4. Four-class F1: level 1 and 4 exact (1.0), levels 2 and 3
    # swapped (0.0): macro 0.5. Safe/unsafe: y 0 0 1 1, p 0 1 0 1: each class tp 1, fp 1,
    # fn 1 -> F1 2/4 = 0.5. Pearson: deviations (-1.5 -.5 .5 1.5) and (-1.5 .5 -.5 1.5),
    # products sum to 4, each variance sum is 5: r = 0.8.
    m = medval.metrics([1, 2, 3, 4], [1, 3, 2, 4])
    assert m == {
        "n": 4,
        "four_class_macro_f1": 0.5,
        "safe_unsafe_macro_f1": 0.5,
        "unsafe_f1": 0.5,
        "pearson": 0.8,
    }
    # y = 1 1 3 4, p = 1 2 3 3. Level 1: tp 1, fn 1 -> 2/3; level 2: fp only -> 0; level 3:
    # tp 1, fp 1 -> 2/3; level 4: fn only -> 0. Macro (2/3 + 2/3) / 4 = 1/3.
    # Safe/unsafe y 0 0 1 1, p 0 0 1 1: perfect. Pearson of (1 2 3 3) and (1 1 3 4):
    # means 2.25 and 2.25; dev p (-1.25 -.25 .75 .75), y (-1.25 -1.25 .75 1.75);
    # cov 1.5625 + .3125 + .5625 + 1.3125 = 3.75; ss p 2.75, ss y 6.75;
    # r = 3.75 / sqrt(2.75 * 6.75) = 0.87287.
    m = medval.metrics([1, 1, 3, 4], [1, 2, 3, 3])
    assert m["four_class_macro_f1"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["safe_unsafe_macro_f1"] == 1.0 and m["unsafe_f1"] == 1.0
    assert m["pearson"] == pytest.approx(0.8704, abs=1e-4)
    # constant predictions have no correlation: None, not a crash or NaN
    assert medval.metrics([1, 2, 3], [2, 2, 2])["pearson"] is None
    assert medval.metrics([2], [2])["pearson"] is None
    assert medval.metrics([], [])["n"] == 0


def test_metrics_agree_with_sklearn():
    sklearn = pytest.importorskip("sklearn.metrics")
    y = [1, 2, 3, 4, 1, 2, 3, 4, 3, 1]
    p = [1, 2, 4, 4, 2, 2, 3, 3, 3, 1]
    m = medval.metrics(y, p)
    f4 = sklearn.f1_score(y, p, labels=[1, 2, 3, 4], average="macro", zero_division=0)
    su = sklearn.f1_score([v >= 3 for v in y], [v >= 3 for v in p], average="macro")
    assert m["four_class_macro_f1"] == pytest.approx(f4, abs=1e-4)
    assert m["safe_unsafe_macro_f1"] == pytest.approx(su, abs=1e-4)


# --- synthetic held-out ---------------------------------------------------------------------


def _ex(eid, output, risk, category=None, span=None) -> dict:
    return {
        "id": eid,
        "doc_id": eid,
        "split": "test",
        "context": CONTEXT,
        "output": output,
        "clean_output": CLEAN,
        "label": {"risk_level": risk, "category": category, "span": span},
    }


def _at(text: str, part: str) -> list[int]:
    start = text.index(part)
    return [start, start + len(part)]


SPLIT = [
    _ex("clean", CLEAN, 1),
    _ex("side", SIDE, 3, "detail_misidentification", _at(SIDE, "Right")),
    # two errors, labelled with the added sentence: the side swap the rules find is then a
    # detail_misidentification claimed on an example that is not one
    _ex("both", SIDE_ADDED, 2, "fabricated_claim", _at(SIDE_ADDED, "History of stroke.")),
    # the label points at another span than the finding: not a hit (but a correct claim)
    _ex("elsewhere", ADDED, 2, "fabricated_claim", _at(ADDED, "Left knee")),
]


@pytest.fixture()
def synth_split(tmp_path) -> Path:
    for split in ("train", "valid", "test"):
        rows = SPLIT if split == "test" else SPLIT[:1]
        (tmp_path / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return tmp_path


# Two rules and no severity stage: the metrics below are worked out by hand from their findings.
PINNED = {
    "pipeline": {
        **NO_MODEL["pipeline"],
        "verifiers": ["laterality.v1", "unsupported.v1"],
        "stages": ["segment", "decompose", "analyze", "retrieve", "rules", "verdicts", "score"],
    },
    "components": {"unsupported.v1": {"needs_entity": False}},
}


def test_synth_run_by_hand(synth_split):
    # The premises: what the rules report on the four outputs (if a rule changes, this says so).
    engine = Engine.from_config(PINNED).load()
    found = {
        ex["id"]: sorted(
            (f.category.value, int(f.risk))
            for f in engine.score_one(ex["output"], ex["context"]).findings
        )
        for ex in SPLIT
    }
    assert found == {
        "clean": [],
        "side": [("detail_misidentification", 3)],
        "both": [("detail_misidentification", 3), ("fabricated_claim", 2)],
        "elsewhere": [("fabricated_claim", 2)],
    }
    results = run(synth_split, "test", {"rule-only": PINNED})
    assert list(results) == ["rule-only"]
    cats = results["rule-only"]["categories"]
    # detail: 1 true example (side), hit; claimed on side and both, right once
    assert cats["detail_misidentification"] == {
        "n": 1,
        "recall": 1.0,
        "precision": 0.5,
        "f1": 0.6667,
    }
    # fabricated: 2 true examples, only "both" hit on its span; claimed on both, right twice
    assert cats["fabricated_claim"] == {"n": 2, "recall": 0.5, "precision": 1.0, "f1": 0.6667}
    assert set(cats) == {"detail_misidentification", "fabricated_claim"}
    # risk: y 1 3 2 2, predicted 1 3 3 2 (worst finding). Levels: 1 -> 1.0; 2 -> tp 1, fn 1:
    # 2/3; 3 -> tp 1, fp 1: 2/3; 4 absent: 0. Macro 7/12. Unsafe: y 0 1 0 0, p 0 1 1 0:
    # unsafe F1 2/3, safe F1 (tp 2, fn 1) 0.8, macro 0.7333.
    risk = results["rule-only"]["risk"]
    assert risk["n"] == 4 and risk["accuracy"] == 0.75
    assert risk["risk_macro_f1"] == pytest.approx(7 / 12, abs=1e-4)
    assert risk["unsafe_f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert risk["safe_unsafe_macro_f1"] == pytest.approx((0.8 + 2 / 3) / 2, abs=1e-4)
    # the clean output (risk 1) ranks below all three with an error (3, 3, 2)
    assert risk["error_auroc"] == 1.0
    table = markdown(results)
    assert "| error_auroc | 1.000 |" in table
    assert "| detail_misidentification (n=1) | F1 0.67 / R 1.00 / P 0.50 |" in table
    assert "| fabricated_claim (n=2) | F1 0.67 / R 0.50 / P 1.00 |" in table
    assert run(synth_split, "test", {"rule-only": NO_MODEL}, limit=2)["rule-only"]["risk"]["n"] == 2


def test_synth_evaluate_reports_failed_records():
    engine = Engine.from_config(None, NO_MODEL).load()
    broken = _ex("empty", "   ", 3, "fabricated_claim", [0, 3])
    out = evaluate(engine, [SPLIT[1], broken])
    assert [e.get("id") for e in out.get("errors", [])] == ["empty"]


def test_synth_cli_prints_both_columns(synth_split):
    result = _bench("synth", "--data", str(synth_split), "--limit", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "| metric | rule-only | trained |"
    assert lines[1] == "|---|---|---|"
    rows = {line.split(" | ")[0].lstrip("| "): line for line in lines[2:]}
    assert {"risk_macro_f1", "safe_unsafe_macro_f1", "unsafe_f1", "accuracy"} <= set(rows)
    assert all(line.count("|") == 4 for line in lines)
    as_json = json.loads(
        _bench("synth", "--data", str(synth_split), "--limit", "3", "--format", "json").stdout
    )
    assert set(as_json) == {"rule-only", "trained"}
    assert as_json["rule-only"]["risk"]["n"] == 3


def test_synth_cli_missing_split_is_a_clear_error(synth_split):
    result = CliRunner().invoke(
        main, ["bench", "synth", "--data", str(synth_split), "--split", "x"]
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "x.jsonl" in result.output
