"""medfact.synth.twins: clinical twin pairs from note rules and templates."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from medfact.errors import ConfigError
from medfact.nli.build import BuildSettings, build_rows
from medfact.nli.cli import main as nli_main
from medfact.synth.twins import (
    ERROR_LABEL,
    KINDS,
    NOTE_RULES,
    TEMPLATES,
    Note,
    TwinRow,
    TwinSettings,
    build_twins,
    note_twins,
    template_twins,
)


def _edits(kind: str, sentence: str, seed: int = 0) -> list[tuple[str, str, str]]:
    """(original span, clean text, error text) of every edit one rule makes."""
    rng = random.Random(seed)
    return [(sentence[e.start : e.end], e.clean, e.error) for e in NOTE_RULES[kind](sentence, rng)]


def test_negation_is_paraphrased_not_negated() -> None:
    [(orig, clean, error)] = _edits("negation", "The chest x-ray was unremarkable.")
    assert orig == "was unremarkable" and clean == "was normal"
    assert error in ("Shows a mass", "Shows an abnormality", "Is abnormal") or "not" not in error
    [(orig, clean, error)] = _edits("negation", "He denies any chest pain.")
    assert orig == "denies any" and error in ("endorses", "reports", "complains of")
    [(_, _, error)] = _edits("negation", "She is afebrile today.")
    assert error in ("febrile", "running a fever")


def test_anatomy_and_laterality() -> None:
    assert [e[2] for e in _edits("anatomy", "Fracture of the distal tibia.")] == [
        "proximal",
        "fibula",
    ]
    assert _edits("anatomy", "Nodule in the right upper lobe.")[0][2] == "lower lobe"
    assert _edits("anatomy", "Fractures of the tibia and fibula.") == []  # sibling present
    assert _edits("laterality", "Pain in the left knee.") == [("left", "left", "right")]
    for sentence in (
        "Her sister had left the house early.",
        "That's right, the knee hurts.",
        "Pain in the left knee and the right hip.",
        "Bilateral left and right edema.",
    ):
        assert _edits("laterality", sentence) == [], sentence


def test_units_frequency_route_time() -> None:
    [(orig, clean, error)] = _edits("unit", "Start metoprolol 25 mg daily.")
    assert orig == "mg" and clean in ("mg", "milligrams") and error in ("mcg", "g")
    assert _edits("unit", "Hemoglobin 12 g/dL.") == []
    assert _edits("unit", "Insulin 10 units at night.")[0][2] == "mL"
    [(orig, clean, error)] = _edits("frequency", "Take amoxicillin twice daily.")
    assert orig == "twice daily" and clean in ("twice a day", "b.i.d.", "BID", "two times a day")
    assert error.lower() not in ("twice daily", "twice a day", "b.i.d.", "bid", "two times a day")
    assert _edits("frequency", "She needs help with daily activities.") == []
    [(orig, clean, error)] = _edits("route", "Ondansetron was given orally.")
    assert orig == "orally" and clean in ("by mouth", "PO")
    assert error in ("intravenously", "IV", "subcutaneously", "subQ", "intramuscularly", "IM",
                     "topically")  # fmt: skip
    assert _edits("route", "Stage IV CKD, seen weekly.") == []
    edits = {e[2] for s in range(10) for e in _edits("time", "Onset two days before admission.", s)}
    assert edits <= {"two weeks before", "two days after"} and edits


def test_demographics_setting_family_done_held() -> None:
    [(orig, clean, error)] = _edits("demographics", "A 72-year-old woman presents.")
    assert orig == "72-year-old woman" and clean in ("72F", "72-year-old woman")
    assert error != orig and ("man" in error or "72" not in error)
    [(orig, _, error)] = _edits("setting", "She was seen in the emergency department.")
    assert orig == "emergency department" and error in (
        "clinic",
        "office",
        "ICU",
        "intensive care unit",
        "urgent care",
    )
    assert _edits("setting", "He retired as an office worker.") == []
    [(orig, _, error)] = _edits("family_history", "She has a family history of breast cancer.")
    assert error == "a personal history of"
    [(orig, _, error)] = _edits("family_history", "Her mother had a stroke.")
    assert error == "She herself"
    assert _edits("done_planned", "She underwent a colonoscopy.")[0][2] in (
        "Is scheduled for",
        "is scheduled for",
        "will undergo",
    )
    assert [e[2] for e in _edits("held_continued", "Hold metformin tonight.")] == ["Continue"]
    assert _edits("held_continued", "We will continue to monitor.") == []
    assert _edits("held_continued", "He has continued lower back pain.") == []
    assert [e[0] for e in _edits("held_continued", "Continued her home medications.")] == [
        "Continued"
    ]


def test_paraphrase_error_is_another_condition() -> None:
    [(orig, clean, error)] = _edits("paraphrase", "History of congestive heart failure.")
    assert orig == "congestive heart failure" and clean == "CHF"
    assert error in {"COPD", "HTN", "CAD", "GERD", "MI", "UTI", "AFib", "DM", "CKD", "DVT"}
    [(orig, clean, _)] = _edits("paraphrase", "Known COPD on inhalers.")
    assert clean == "chronic obstructive pulmonary disease"
    assert _edits("paraphrase", "The mi was small.") == []  # lower-case "mi": not MI
    assert ERROR_LABEL["paraphrase"] == "not_enough_info"


def _check_pair(clean: TwinRow, error: TwinRow) -> None:
    assert clean.premise == error.premise and clean.twin == error.twin
    assert clean.label == "supported" and error.label == ERROR_LABEL[error.kind]
    assert clean.hypothesis != error.hypothesis
    for row in (clean, error):
        a, b = row.spans["hypothesis"]
        assert row.hypothesis[a:b] == row.differs["hypothesis"]
        p = row.spans["premise"]
        assert p is not None and row.premise[p[0] : p[1]] == row.differs["premise"]
        assert row.differs["premise"]
    # outside the differing span the twins are the same text
    ca, cb = clean.spans["hypothesis"]
    ea, eb = error.spans["hypothesis"]
    assert clean.hypothesis[:ca] == error.hypothesis[:ea]
    assert clean.hypothesis[cb:] == error.hypothesis[eb:]


def _pairs(rows: list[TwinRow]) -> list[tuple[TwinRow, TwinRow]]:
    by_twin: dict[str, dict[str, TwinRow]] = {}
    for row in rows:
        by_twin.setdefault(row.twin, {})[row.role] = row
    return [(p["clean"], p["error"]) for p in by_twin.values()]


def test_note_twins_spans_and_negated_context() -> None:
    text = (
        "HISTORY: The patient is a 64-year-old man seen in the clinic. He takes lisinopril "
        "10 mg by mouth daily. X-ray of the right wrist was unremarkable. Denies left eye pain."
    )
    settings = TwinSettings(per_note=20, reword=0.0)
    rows = note_twins([Note("doc-1", text, "test")], settings)
    pairs = _pairs(rows)
    assert len(pairs) >= 5
    for clean, error in pairs:
        _check_pair(clean, error)
        assert clean.group == "doc-1" and clean.split in ("train", "valid", "test")
        # "Denies left eye pain": swapping the side of a denied finding is no contradiction
        assert not (error.kind == "laterality" and "eye" in error.hypothesis)
    assert note_twins([Note("doc-1", text, "test")], settings) == rows  # seeded


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_template_twins_every_kind(kind: str) -> None:
    settings = TwinSettings(per_kind_templates=15, kinds=(kind,))
    rows = template_twins(settings)
    pairs = _pairs(rows)
    assert len(pairs) >= 3
    for clean, error in pairs:
        _check_pair(clean, error)
        assert error.kind == kind and "template" in error.tags
    assert template_twins(TwinSettings(per_kind_templates=15, kinds=(kind,))) == rows


def test_template_dialogue_answer_flips_the_question() -> None:
    rows = template_twins(TwinSettings(per_kind_templates=40, kinds=("dialogue_answer",)))
    side = [(c, e) for c, e in _pairs(rows) if "other" in e.differs["premise"].lower()]
    assert side
    for clean, error in side:
        asked = "left" if "your left" in clean.premise else "right"
        assert asked in error.hypothesis and asked not in clean.hypothesis


def test_every_kind_has_a_maker() -> None:
    assert set(KINDS) == set(TEMPLATES)
    assert set(NOTE_RULES) <= set(KINDS)
    with pytest.raises(ConfigError, match="unknown kind"):
        build_twins(None, TwinSettings(kinds=("nonsense",)))


def _mts_fixture(root: Path) -> None:
    folder = root / "mts-dialog" / "Main-Dataset"
    folder.mkdir(parents=True)
    rows = [
        {
            "ID": str(i),
            "section_header": "GENHX",
            "section_text": f"The patient is a {40 + i}-year-old woman with pain in the left "
            f"knee for {i + 2} days. She was seen in the clinic and started on ibuprofen "
            "400 mg by mouth twice daily.",
            "dialogue": f"Doctor: How old are you?\nPatient: I am {40 + i}.\nDoctor: Which "
            f"knee?\nPatient: The left one, for {i + 2} days now.",
        }
        for i in range(6)
    ]
    with (folder / "MTS-Dialog-TrainingSet.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_mts_twins_share_documents_and_splits_with_nli(tmp_path: Path) -> None:
    _mts_fixture(tmp_path)
    rows, files = build_twins(tmp_path, TwinSettings(per_kind_templates=0, seed=4))
    assert files and rows
    nli_rows, _ = build_rows(tmp_path, BuildSettings(seed=4), sources=["mts-dialog"])
    nli_split = {r.group: r.split for r in nli_rows}
    assert nli_split
    for row in rows:
        assert row.group in nli_split and row.split == nli_split[row.group]


def test_cli_data_twins(tmp_path: Path) -> None:
    _mts_fixture(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        nli_main,
        ["data", "twins", "--data-dir", str(tmp_path), "--out", str(out), "--per-kind", "5"],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert (
        manifest["dataset"] == "twins" and manifest["total"] == json.loads(result.output)["total"]
    )
    lines = [
        json.loads(line)
        for split in ("train", "valid", "test")
        for line in (out / f"{split}.jsonl").read_text().splitlines()
    ]
    assert len(lines) == manifest["total"]
    assert {"kind", "twin", "role", "spans", "differs"} <= set(lines[0])
    bad = CliRunner().invoke(nli_main, ["data", "twins", "--out", str(out), "--kinds", "nope"])
    assert bad.exit_code != 0 and "unknown kind" in bad.output
