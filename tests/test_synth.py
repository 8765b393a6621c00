"""medfact.synth: loaders, rule perturbations (labels and exact spans), seeded datasets, CLI."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from medfact.errors import ConfigError, InputError
from medfact.synth import (
    KINDS,
    Pair,
    Perturbation,
    apply_perturbation,
    iter_pairs,
    split_of,
    split_sentences,
    synthesize,
    write_dataset,
)
from medfact.synth.cli import synth
from medfact.synth.pairs import LoadStats
from medfact.synth.perturb.drugs import DRUG_BY_NAME
from medfact.taxonomy import ErrorCategory, RiskLevel

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MTS = DATA / "mts-dialog"
needs_mts = pytest.mark.skipif(
    not (MTS / "Main-Dataset").is_dir(), reason=f"MTS-Dialog not found at {MTS}"
)

DETAIL = ErrorCategory.DETAIL_MISIDENTIFICATION
CONTEXT = (
    "Doctor: What brings you in today?\n"
    "Patient: My left knee has been hurting for about three weeks.\n"
    "Doctor: Any fever or chills?\n"
    "Patient: No, none of that.\n"
    "Doctor: What medicines do you take?\n"
    "Patient: I take lisinopril ten milligrams every day."
)


def _squash(text: str) -> str:
    return re.sub(r"\s+([.,;:])", r"\1", re.sub(r"\s+", " ", text)).strip()


def assert_exact(p: Perturbation, clean: str) -> None:
    """The label's spans describe the edit exactly and the text really changed."""
    assert p.output != clean
    start, end = p.original_span
    assert 0 <= start <= end <= len(clean)
    assert clean[start:end] == clean[start:end].strip()
    if p.span is None:  # deletion: the perturbed text is the clean one minus original_span
        assert start < end
        rebuilt = clean[:start] + clean[end:]
        assert _squash(rebuilt).lower() == _squash(p.output).lower()
        return
    s, e = p.span
    assert 0 <= s < e <= len(p.output)
    assert p.output[s:e] == p.output[s:e].strip()
    rebuilt = p.output[:s] + clean[start:end] + p.output[e:]
    if start < end:  # replacement: exact
        assert rebuilt == clean
        assert p.output[s:e] != clean[start:end]
    else:  # insertion: exact up to the separating whitespace
        assert _squash(rebuilt) == _squash(clean)


def run(kind: str, output: str, context: str = CONTEXT, seed: int = 0) -> Perturbation | None:
    return apply_perturbation(kind, context, output, random.Random(seed), task="dialogue_to_note")


def changed(p: Perturbation) -> str:
    assert p.span is not None
    return p.output[p.span[0] : p.span[1]]


# ------------------------------------------------------------------------------------------
# sentence splitting
# ------------------------------------------------------------------------------------------


def test_split_sentences_keeps_lists_abbreviations_and_doses():
    text = "1.  Bipolar disorder. 2.  Anemia.  Seen by Dr. Smith. Took 0.5 mg daily.\nPLAN"
    parts = [text[s:e] for s, e in split_sentences(text)]
    assert parts == [
        "1.  Bipolar disorder.",
        "2.  Anemia.",
        "Seen by Dr. Smith.",
        "Took 0.5 mg daily.",
        "PLAN",
    ]


# ------------------------------------------------------------------------------------------
# each perturbation kind: positive and negative
# ------------------------------------------------------------------------------------------


def test_swap_laterality_changes_the_side():
    clean = "She has left knee pain for three weeks."
    p = run("swap_laterality", clean, context="Patient: my knee hurts.")
    assert p is not None
    assert_exact(p, clean)
    assert changed(p) == "right" and p.output == "She has right knee pain for three weeks."
    assert (p.category, p.risk_level, p.kind) == (DETAIL, RiskLevel.MODERATE, "swap_laterality")


def test_swap_laterality_near_a_procedure_is_high_risk_and_keeps_case():
    clean = "Status post Right knee arthroplasty."
    p = run("swap_laterality", clean, context="")
    assert p is not None and changed(p) == "Left"
    assert p.risk_level is RiskLevel.HIGH


@pytest.mark.parametrize(
    "clean",
    [
        "She has knee pain.",
        "She left the hospital yesterday.",
        "He is right-handed and feels all right.",
        "Bunions in both feet, right greater than left.",
    ],
)
def test_swap_laterality_needs_a_body_side(clean):
    assert run("swap_laterality", clean) is None


def test_swap_laterality_skips_a_side_the_context_also_names():
    assert run("swap_laterality", "Left knee pain.", context="my right knee hurts too") is None


def test_change_value_dose_is_high_risk():
    clean = "She takes lisinopril 10 mg daily."
    p = run("change_value", clean)
    assert p is not None
    assert_exact(p, clean)
    assert p.category is DETAIL and p.risk_level is RiskLevel.HIGH
    assert float(changed(p)) not in (10.0,) and float(changed(p)) > 0


def test_change_value_number_words_keep_agreement():
    clean = "Knee pain for one week."
    p = run("change_value", clean, context="")
    assert p is not None
    assert_exact(p, clean)
    assert re.fullmatch(r"(two|three) weeks", changed(p))
    assert p.risk_level is RiskLevel.MODERATE


def test_change_value_age_and_lab():
    p = run("change_value", "A 26-year-old woman.", context="")
    assert p is not None and "year-old" in p.output and "26" not in p.output
    lab = run("change_value", "Sodium 133 on admission.", context="")
    assert lab is not None and 120 <= float(changed(lab)) <= 155


def test_change_value_keeps_gestational_age_plausible():
    for seed in range(10):
        p = run("change_value", "Born at 32 weeks gestation.", context="", seed=seed)
        assert p is not None and 24 <= int(changed(p)) <= 42 and changed(p) != "32"


@pytest.mark.parametrize(
    "clean",
    [
        "Seen on 04/15/2005 in clinic.",
        "Smokes 2-3 packs per day.",
        "She has two children.",
        "No numbers here.",
    ],
)
def test_change_value_needs_a_clinical_number(clean):
    assert run("change_value", clean, context="") is None


def test_change_drug_uses_another_real_drug_absent_from_the_pair():
    clean = "She takes lisinopril 10 mg daily."
    for seed in range(20):
        p = run("change_drug", clean, seed=seed)
        assert p is not None
        assert_exact(p, clean)
        new = changed(p).lower()
        assert new in DRUG_BY_NAME and DRUG_BY_NAME[new].generic != "lisinopril"
        assert new not in CONTEXT.lower()
        assert (p.category, p.risk_level) == (DETAIL, RiskLevel.HIGH)


@pytest.mark.parametrize("clean", ["She takes no medications.", "Driven by insulin resistance."])
def test_change_drug_needs_a_drug(clean):
    assert run("change_drug", clean) is None


@pytest.mark.parametrize(
    ("clean", "expected", "risk"),
    [
        ("She denies chest pain.", "She reports chest pain.", RiskLevel.HIGH),
        ("No fever.", "Fever.", RiskLevel.HIGH),
        ("Urine pregnancy test was negative.", "Urine pregnancy test was positive.", None),
        ("He does not smoke.", "He does smoke.", RiskLevel.MODERATE),
        ("She has a history of asthma.", "She has no history of asthma.", None),
    ],
)
def test_flip_negation(clean, expected, risk):
    p = run("flip_negation", clean)
    assert p is not None
    assert_exact(p, clean)
    assert p.output == expected and p.category is DETAIL
    if risk is not None:
        assert p.risk_level is risk


@pytest.mark.parametrize("clean", ["She has knee pain.", "Otherwise negative.", "None."])
def test_flip_negation_needs_a_negation_or_affirmation(clean):
    assert run("flip_negation", clean) is None


@pytest.mark.parametrize(
    ("kind", "category", "risk"),
    [
        ("add_unsupported_finding", ErrorCategory.FABRICATED_CLAIM, RiskLevel.MODERATE),
        ("add_unsupported_recommendation", ErrorCategory.INCORRECT_RECOMMENDATION, RiskLevel.HIGH),
    ],
)
def test_added_sentences_are_unsupported(kind, category, risk):
    clean = "Left knee pain for three weeks.  No fever."
    for seed in range(10):
        p = run(kind, clean, seed=seed)
        assert p is not None
        assert_exact(p, clean)
        assert (p.category, p.risk_level) == (category, risk)
        sentence = changed(p)
        assert sentence.endswith(".") and sentence[0].isupper()
        assert sentence not in clean and "lisinopril" not in sentence.lower()


def test_added_finding_avoids_what_the_context_mentions():
    context = "Patient: I get night sweats and palpitations."
    for seed in range(30):
        p = run("add_unsupported_finding", "Knee pain.", context=context, seed=seed)
        assert p is not None
        assert "sweats" not in changed(p) and "palpitations" not in changed(p)


@pytest.mark.parametrize("kind", ["add_unsupported_finding", "add_unsupported_recommendation"])
def test_added_sentences_need_a_place(kind):
    assert run(kind, "CHIEF COMPLAINT") is None


def test_misleading_justification_attaches_a_cause():
    clean = "She has had persistent nausea and vomiting.  Lives alone."
    p = run("add_misleading_justification", clean, context="Patient: I feel sick.")
    assert p is not None
    assert_exact(p, clean)
    assert changed(p).startswith(", ") and p.output.split(".")[0].endswith(changed(p))
    assert (p.category, p.risk_level) == (
        ErrorCategory.MISLEADING_JUSTIFICATION,
        RiskLevel.MODERATE,
    )


@pytest.mark.parametrize(
    "clean",
    [
        "She denies nausea.",
        "Nausea due to chemotherapy.",
        "None.",
        "Her mother had oral cancer.",
        "He continues to utilize his medications.",
    ],
)
def test_misleading_justification_needs_an_affirmed_finding_without_a_cause(clean):
    assert run("add_misleading_justification", clean) is None


def test_invent_comparison_adds_a_change_over_time():
    clean = "She reports left knee swelling."
    p = run("invent_comparison", clean, context="Patient: my knee is swollen.")
    assert p is not None
    assert_exact(p, clean)
    assert re.search(r"worse|improved|worsened", changed(p))
    assert p.category is ErrorCategory.FALSE_COMPARISON


def test_invent_comparison_skips_when_the_context_states_a_change():
    context = "Patient: it got worse, then a bit better."
    assert run("invent_comparison", "She reports left knee swelling.", context=context) is None


def test_overstate_and_understate_certainty():
    clean = "Possible meniscal tear."
    p = run("overstate_certainty", clean)
    assert p is not None
    assert_exact(p, clean)
    assert changed(p) == "Definite" and p.category is ErrorCategory.OVERSTATED_INTENSITY
    assert p.risk_level is RiskLevel.MODERATE
    clean = "Severe left knee pain."
    q = run("understate_certainty", clean)
    assert q is not None
    assert_exact(q, clean)
    assert changed(q) == "Mild" and q.category is ErrorCategory.UNDERSTATED_INTENSITY


@pytest.mark.parametrize(
    ("kind", "clean"),
    [
        ("overstate_certainty", "Meniscal tear."),
        ("overstate_certainty", "Call back as soon as possible."),
        ("overstate_certainty", "Mild to moderate pain."),
        ("understate_certainty", "Mild knee pain."),
    ],
)
def test_certainty_changes_need_a_changeable_word(kind, clean):
    assert run(kind, clean) is None


def test_drop_finding_removes_a_salient_sentence_with_evidence():
    clean = "She lives with her husband.  She takes lisinopril 10 mg daily."
    p = run("drop_finding", clean)
    assert p is not None
    assert_exact(p, clean)
    assert p.span is None and p.output == "She lives with her husband."
    assert clean[slice(*p.original_span)] == "She takes lisinopril 10 mg daily."
    assert p.context_span is not None
    assert "lisinopril" in CONTEXT[slice(*p.context_span)]
    assert (p.category, p.risk_level) == (ErrorCategory.MISSING_CLAIM, RiskLevel.MODERATE)


def test_drop_finding_of_a_pertinent_negative_is_low_risk_and_cites_the_answer():
    clean = "She lives alone.  She denies fever."
    p = run("drop_finding", clean)
    assert p is not None and p.output == "She lives alone."
    assert p.risk_level is RiskLevel.LOW
    assert p.context_span is not None
    assert (
        CONTEXT[slice(*p.context_span)]
        == "Doctor: Any fever or chills?\nPatient: No, none of that."
    )


@pytest.mark.parametrize("clean", ["Lisinopril 10 mg daily.", "She lives alone.  She reads."])
def test_drop_finding_needs_two_sentences_and_a_finding(clean):
    assert run("drop_finding", clean) is None


def test_drop_finding_keeps_paragraph_breaks():
    clean = "HPI\n\nShe has knee pain. She denies fever.\n\nPLAN\n\nIce and rest."
    for seed in range(5):
        p = run("drop_finding", clean, seed=seed)
        assert p is not None
        assert "\n\nPLAN\n\n" in p.output


@pytest.mark.parametrize(
    ("clean", "expected", "risk"),
    [
        ("She has chest pain on exertion.", "She has chest pain.", RiskLevel.MODERATE),
        ("She has knee pain at night.", "She has knee pain.", RiskLevel.LOW),
        ("History of migraine.", "Migraine.", RiskLevel.MODERATE),
        ("Partial colon resection.", "Colon resection.", RiskLevel.LOW),
    ],
)
def test_drop_qualifier(clean, expected, risk):
    p = run("drop_qualifier", clean)
    assert p is not None
    assert_exact(p, clean)
    assert p.output == expected and p.span is None
    assert (p.category, p.risk_level) == (ErrorCategory.MISSING_CONTEXT, risk)


@pytest.mark.parametrize(
    "clean",
    [
        "She has knee pain.",
        "Past medical history of diabetes.",
        "Prior surgery 13 years ago.",
        "Denies history of drug use.",
    ],
)
def test_drop_qualifier_needs_a_qualifier_that_matters(clean):
    assert run("drop_qualifier", clean) is None


@pytest.mark.parametrize(
    ("clean", "expected", "risk"),
    [
        ("She reports increasing knee pain.", "She reports knee pain.", RiskLevel.MODERATE),
        (
            "Hearing was poor, although that has greatly improved.",
            "Hearing was poor.",
            RiskLevel.LOW,
        ),
        ("Bunions in both feet, right greater than left.", "Bunions in both feet.", RiskLevel.LOW),
    ],
)
def test_drop_comparison(clean, expected, risk):
    p = run("drop_comparison", clean)
    assert p is not None
    assert_exact(p, clean)
    assert p.output == expected
    assert (p.category, p.risk_level) == (ErrorCategory.MISSING_COMPARISON, risk)


@pytest.mark.parametrize(
    "clean", ["She reports knee pain.", "The pituitary responds by decreasing TSH production."]
)
def test_drop_comparison_needs_a_trend(clean):
    assert run("drop_comparison", clean) is None


def test_unknown_kind_is_a_config_error_with_a_suggestion():
    with pytest.raises(ConfigError, match="swap_laterality"):
        apply_perturbation("swap_lateralty", "", "Left knee.", random.Random(0))


# ------------------------------------------------------------------------------------------
# datasets: determinism and splits
# ------------------------------------------------------------------------------------------

PAIRS = [
    Pair(
        id=f"p{i}",
        doc_id=f"d{i // 2}",
        source="test",
        task="dialogue_to_note",
        context=CONTEXT,
        output=(
            "The patient is a 45-year-old woman with left knee pain for 3 weeks.  She denies "
            "fever.  She takes lisinopril 10 mg daily.  Possible meniscal tear."
        ),
    )
    for i in range(12)
]


def _dump(examples) -> list[dict]:
    return [e.to_dict() for e in examples]


def test_same_seed_same_examples_in_any_order():
    first = _dump(synthesize(PAIRS, seed=7))
    again = _dump(synthesize(PAIRS, seed=7))
    reordered = _dump(synthesize(list(reversed(PAIRS)), seed=7))
    assert first == again
    assert sorted(first, key=lambda e: e["id"]) == sorted(reordered, key=lambda e: e["id"])


def test_different_seed_different_examples():
    assert _dump(synthesize(PAIRS, seed=1)) != _dump(synthesize(PAIRS, seed=2))


def test_synthesize_counts_kinds_and_labels():
    examples = list(synthesize(PAIRS, seed=0, per_pair=3))
    per_pair = Counter(e.id.split(":")[0] for e in examples)
    assert set(per_pair.values()) == {4}  # one clean + three perturbations of different kinds
    for e in examples:
        label = e.label
        if label.kind is None:
            assert label.risk_level is RiskLevel.NO_RISK and e.output == e.clean_output
            assert label.safe and label.category is None
        else:
            assert e.output != e.clean_output and label.category is not None
            assert label.safe == (label.risk_level <= RiskLevel.LOW)


def test_synthesize_respects_kinds_and_rejects_bad_settings():
    examples = list(synthesize(PAIRS, seed=0, kinds=["change_value"], clean_per_pair=0))
    assert {e.label.kind for e in examples} == {"change_value"}
    with pytest.raises(ConfigError, match="did you mean|Did you mean"):
        list(synthesize(PAIRS, seed=0, kinds=["change_valu"]))
    with pytest.raises(ConfigError, match="clean_per_pair"):
        list(synthesize(PAIRS, seed=0, clean_per_pair=2))


def test_split_is_stable_and_close_to_the_fractions():
    splits = Counter(split_of(f"doc-{i}", seed=3) for i in range(5000))
    assert split_of("doc-1", 3) == split_of("doc-1", 3)
    assert abs(splits["train"] / 5000 - 0.8) < 0.03
    assert abs(splits["test"] / 5000 - 0.1) < 0.02
    with pytest.raises(ConfigError, match="fractions"):
        split_of("doc", 0, (0.5, 0.5, 0.5))


def test_a_document_never_crosses_splits(tmp_path):
    write_dataset(synthesize(PAIRS, seed=5), tmp_path, seed=5)
    seen: dict[str, set[str]] = {}
    for split in ("train", "valid", "test"):
        for line in (tmp_path / f"{split}.jsonl").read_text().splitlines():
            record = json.loads(line)
            assert record["split"] == split
            seen.setdefault(record["doc_id"], set()).add(split)
    assert all(len(splits) == 1 for splits in seen.values())
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["sources"] == ["test"]
    assert manifest["total"] == sum(sum(c.values()) for c in manifest["counts"].values())
    assert manifest["kinds"]["clean"] == len(PAIRS)


def test_example_json_shape():
    example = next(e for e in synthesize(PAIRS[:1], seed=0) if e.label.kind)
    record = example.to_dict()
    assert set(record) == {
        "id", "doc_id", "split", "source", "task", "context", "output", "clean_output", "label",
    }  # fmt: skip
    label = record["label"]
    assert {"risk_level", "safe", "category", "group", "span", "context_span", "kind"} <= set(label)
    assert label["group"] == ErrorCategory(label["category"]).group.value


# ------------------------------------------------------------------------------------------
# loaders
# ------------------------------------------------------------------------------------------


def test_jsonl_loader_skips_empty_outputs_and_names_bad_records(tmp_path):
    good = tmp_path / "pairs.jsonl"
    good.write_text(
        '{"id": "a", "context": "c", "output": "Knee pain."}\n'
        '{"id": "b", "context": "c", "output": "  "}\n'
        "\n"
        '{"id": 3, "context": "c", "output": "Fever.", "task": "qa"}\n'
    )
    stats = LoadStats()
    pairs = list(iter_pairs("jsonl", good, stats=stats))
    assert [p.id for p in pairs] == ["a", "3"] and pairs[1].task == "qa"
    assert stats.skipped_empty == 1 and stats.files == [good]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "context": "c", "output": "x"}\n{"id": "b", oops}\n')
    with pytest.raises(InputError, match="line 2"):
        list(iter_pairs("jsonl", bad))
    bad.write_text('{"id": "a", "context": "c", "output": "x", "extra": 1}\n')
    with pytest.raises(InputError, match="extra"):
        list(iter_pairs("jsonl", bad))
    bad.write_text('{"id": "a", "output": "x"}\n')
    with pytest.raises(InputError, match="context"):
        list(iter_pairs("jsonl", bad))


def test_unknown_source_and_missing_path():
    with pytest.raises(ConfigError, match="mts-dialog"):
        list(iter_pairs("mts", Path(".")))
    with pytest.raises(InputError, match="no such file"):
        list(iter_pairs("jsonl", Path("/nonexistent/pairs.jsonl")))


@needs_mts
def test_mts_validation_has_100_pairs():
    pairs = list(iter_pairs("mts-dialog", MTS, "validation"))
    assert len(pairs) == 100
    assert pairs[0].id == pairs[0].doc_id == "mts-validation-0"
    assert all(p.task == "dialogue_to_note" and p.context and p.output for p in pairs)
    with pytest.raises(ConfigError, match="validation"):
        list(iter_pairs("mts-dialog", MTS, "dev2"))


@pytest.mark.skipif(not (DATA / "aci-bench").is_dir(), reason="ACI-Bench data absent")
def test_aci_bench_valid_split():
    pairs = list(iter_pairs("aci-bench", DATA / "aci-bench", "valid"))
    assert len(pairs) == 20 and pairs[0].id.startswith("aci-D2N")


@pytest.mark.skipif(not (DATA / "pubmedqa").is_dir(), reason="PubMedQA data absent")
def test_pubmedqa_test_split():
    pairs = list(iter_pairs("pubmedqa", DATA / "pubmedqa", "test"))
    assert len(pairs) == 500 and all(p.task == "abstract_to_conclusion" for p in pairs)


@pytest.mark.skipif(not (DATA / "medquad").is_dir(), reason="MedQuAD data absent")
def test_medquad_subset():
    stats = LoadStats()
    pairs = list(iter_pairs("medquad", DATA / "medquad", "5_NIDDK_QA", stats=stats))
    assert len(pairs) > 100 and all(p.task == "qa" and p.output.strip() for p in pairs)
    assert "  " not in pairs[0].output


@needs_mts
def test_full_run_over_mts_validation_covers_most_kinds():
    pairs = list(iter_pairs("mts-dialog", MTS, "validation"))
    examples = list(synthesize(pairs, seed=0, per_pair=len(KINDS)))
    kinds = Counter(e.label.kind for e in examples if e.label.kind)
    assert len(kinds) >= len(KINDS) - 1, kinds
    for e in examples:
        if e.label.kind:
            label = e.label
            p = Perturbation(
                kind=label.kind,
                output=e.output,
                category=label.category,
                risk_level=label.risk_level,
                span=label.span,
                original_span=label.original_span,
                description=label.description or "",
            )
            assert_exact(p, e.clean_output)


# ------------------------------------------------------------------------------------------
# CLI
# ------------------------------------------------------------------------------------------


def test_cli_make_and_pairs(tmp_path):
    pairs_file = tmp_path / "pairs.jsonl"
    pairs_file.write_text("".join(json.dumps(p.to_dict()) + "\n" for p in PAIRS))
    runner = CliRunner()
    result = runner.invoke(
        synth, ["make", "--pairs", str(pairs_file), "--out", str(tmp_path / "out"), "--seed", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["inputs"][0]["sha256"] and manifest["settings"]["per_pair"] == 3
    bad = runner.invoke(
        synth, ["make", "--pairs", str(pairs_file), "--out", str(tmp_path / "o2"), "--kinds", "x"]
    )
    assert bad.exit_code == 1 and "kinds must be among" in bad.output
    both = runner.invoke(
        synth,
        ["make", "--pairs", str(pairs_file), "--from", "jsonl", str(pairs_file), "--out", "o"],
    )
    assert both.exit_code == 2
    exported = runner.invoke(synth, ["pairs", "--from", "jsonl", str(pairs_file)])
    assert exported.exit_code == 0
    assert [json.loads(line)["id"] for line in exported.stdout.splitlines()] == [
        p.id for p in PAIRS
    ]


# ------------------------------------------------------------------------------------------
# package layout: the split into modules kept the API and every result
# ------------------------------------------------------------------------------------------

PIN_CONTEXT = (
    "Doctor: What brings you in today?\n"
    "Patient: My left knee has been hurting for about three weeks, worse when I climb stairs.\n"
    "Doctor: Any fever or chills?\nPatient: No, none of that.\n"
    "Doctor: What medicines do you take?\nPatient: I take lisinopril ten milligrams every day."
)
PIN_NOTE = (
    "The patient is a 54-year-old man with left knee pain for the past three weeks, worse when "
    "climbing stairs. He denies fever or chills. He has a history of hypertension, treated with "
    "lisinopril 10 mg daily. Possible mild effusion of the left knee. Severe tenderness over the "
    "medial joint line. The pain has worsened. Plan: start ibuprofen 400 mg every 8 hours and "
    "follow up in two weeks."
)
PIN_CONTEXT_2 = "Patient: I have a cough and my back hurts. My head feels better. I am tired."
PIN_NOTE_2 = (
    "She reports a dry cough. She has lower back pain. Her headache is better than before, "
    "and she has increasing fatigue."
)
# Recorded with seed 0 from the single-module perturb.py before the split:
# (original_span, span, risk level, description)
PINNED = {
    "swap_laterality": ((235, 239), (235, 240), 3, "Changed the side from 'left' to 'right'."),
    "change_value": ((350, 351), (350, 352), 4, "Changed the frequency from '8' to '24'."),
    "change_drug": (
        (327, 336),
        (327, 341),
        4,
        "Replaced the drug 'ibuprofen' with another drug, 'hydrocortisone'.",
    ),
    "flip_negation": ((137, 142), (137, 143), 3, "Reversed the negation: 'has a' became 'has no'."),
    "add_unsupported_finding": (
        (314, 314),
        (315, 376),
        3,
        "Added a finding that the input does not support: "
        "'The patient was diagnosed with atrial fibrillation last year.'",
    ),
    "add_unsupported_recommendation": (
        (314, 314),
        (315, 357),
        4,
        "Added a recommendation that the input does not support: "
        "'Increase fluid intake to 4 liters per day.'",
    ),
    "overstate_certainty": (
        (214, 218),
        (214, 220),
        3,
        "Raised the severity or frequency: 'mild' became 'severe'.",
    ),
    "understate_certainty": (
        (246, 252),
        (246, 250),
        3,
        "Lowered the severity or frequency: 'Severe' became 'Mild'.",
    ),
    "drop_finding": (
        (246, 291),
        None,
        3,
        "Removed the sentence 'Severe tenderness over the medial joint line.'.",
    ),
    "drop_qualifier": (
        (85, 105),
        None,
        2,
        "Removed the condition qualifier 'when climbing stairs'.",
    ),
}
PINNED_2 = {
    "add_misleading_justification": "She reports a dry cough. She has lower back pain, likely "
    "due to a new exercise routine. Her headache is better than before, and she has increasing "
    "fatigue.",
    "invent_comparison": "She reports a dry cough. She has lower back pain, which is worse than "
    "at the previous visit. Her headache is better than before, and she has increasing fatigue.",
    "drop_comparison": "She reports a dry cough. She has lower back pain. Her headache is better "
    "than before, and she has fatigue.",
}


def test_every_kind_is_pinned():
    assert set(PINNED) | set(PINNED_2) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(PINNED))
def test_pinned_result_on_a_note(kind):
    p = apply_perturbation(kind, PIN_CONTEXT, PIN_NOTE, random.Random(0), task="dialogue_to_note")
    assert p is not None
    assert_exact(p, PIN_NOTE)
    assert (p.original_span, p.span, int(p.risk_level), p.description) == PINNED[kind]


@pytest.mark.parametrize("kind", sorted(PINNED_2))
def test_pinned_clause_results(kind):
    p = apply_perturbation(
        kind, PIN_CONTEXT_2, PIN_NOTE_2, random.Random(0), task="dialogue_to_note"
    )
    assert p is not None
    assert_exact(p, PIN_NOTE_2)
    assert p.output == PINNED_2[kind]


def test_kinds_keep_their_order_and_the_package_its_names():
    """The kind order decides which kinds a pair gets, so it is part of the output."""
    import medfact.synth.perturb as perturb

    assert KINDS == (
        "swap_laterality",
        "change_value",
        "change_drug",
        "flip_negation",
        "add_unsupported_finding",
        "add_unsupported_recommendation",
        "add_misleading_justification",
        "invent_comparison",
        "overstate_certainty",
        "understate_certainty",
        "drop_finding",
        "drop_qualifier",
        "drop_comparison",
    )
    for name in perturb.__all__:
        assert getattr(perturb, name) is not None
    for kind, fn in perturb.PERTURBATIONS.items():
        assert getattr(perturb, kind) is fn  # each kind importable from the package by name
        assert fn.__module__.rsplit(".", 1)[-1] not in ("registry", "base", "text", "edits")
