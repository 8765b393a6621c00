"""Typed corrections (vocabularies, rewriting), evidence filtering, held-out figures, the MEDIQA
line format, exit codes and logging of the MEDEC corrector."""

from __future__ import annotations

import json
import logging
import re

import pytest
from click.testing import CliRunner

from medfact.errors import ConfigError
from medfact.medec.cli import _setup_logging
from medfact.medec.cli import correct as correct_cmd
from medfact.medec.data import MedecNote
from medfact.medec.evidence import VOCAB_SOURCE, filter_evidence, key_findings
from medfact.medec.metrics import fold_figures, mediqa_line, threshold_curve
from medfact.medec.rewrite import drug_span, fit_into, propose, stated_span
from medfact.medec.vocab import (
    FILES,
    Vocabulary,
    is_drug_or_regimen,
    is_test_name,
    vocabulary,
)
from medfact.taxonomy import MedecType
from medfact.types import Correction, Evidence

#: The line the MEDIQA-CORR 2024 evaluation script accepts (it skips any other line).
OFFICIAL_LINE = re.compile(r"[a-z0-9\-]+\s[0-9]+\s\-?[0-9]+\s.+")

STREP_FINDINGS = (
    "A 9-year-old girl is brought to the physician because of a 2-day history of sore throat "
    "and fever. She has no cough. Examination shows tonsillar exudate and tender anterior "
    "cervical lymphadenopathy. A rapid streptococcal antigen test is positive."
)
STEMI_FINDINGS = (
    "A 62-year-old man comes to the emergency department with crushing substernal chest pain "
    "radiating to the left arm for 1 hour. He smokes and has hyperlipidemia. An ECG shows "
    "ST-segment elevation in leads II, III, and aVF with reciprocal ST depression. Troponin is "
    "elevated."
)


# -- vocabularies --------------------------------------------------------------------------------


def test_every_shipped_vocabulary_loads_with_findings_for_each_entry():
    for kind in FILES:
        vocab = vocabulary(kind)
        assert len(vocab.concepts) >= 50, kind
        assert all(c.findings for c in vocab.concepts), kind
        assert len({c.name for c in vocab.concepts}) == len(vocab.concepts), kind


def test_treatments_of_conditions_and_organisms_are_never_test_names():
    for kind in ("condition", "organism"):
        for concept in vocabulary(kind).concepts:
            for treatment in concept.treatments:
                assert not is_test_name(treatment), (concept.name, treatment)


def test_a_bad_vocabulary_file_is_refused_with_its_kind():
    with pytest.raises(ConfigError, match="kind"):
        Vocabulary.from_dict({"entries": []})
    with pytest.raises(ConfigError, match="entry 0"):
        Vocabulary.from_dict({"kind": "organism", "entries": [{"synonyms": []}]})


def test_mentions_prefer_the_longest_name_and_respect_word_boundaries():
    vocab = vocabulary("organism")
    found = vocab.mentions("Culture grew Escherichia coli O157:H7 after the picnic.")
    assert [m.concept.name for m in found] == ["Escherichia coli O157:H7"]
    assert vocab.mentions("The sample was hivless.") == []


def test_ranking_puts_the_organism_the_findings_point_to_first():
    ranked = vocabulary("organism").rank(STREP_FINDINGS)
    assert ranked[0].concept.name == "Streptococcus pyogenes"
    assert ranked[0].supported and "tonsillar exudate" in ranked[0].matched


def test_lab_names_are_not_drugs():
    assert is_test_name("C-reactive protein") and not is_drug_or_regimen("C-reactive protein")
    assert is_drug_or_regimen("amoxicillin")
    assert drug_span("Her C-reactive protein level is 12 mg/L.") is None
    sentence = "He was treated with rifampin, isoniazid, and ethambutol."
    start, end = drug_span(sentence)
    assert sentence[start:end] == "rifampin, isoniazid, and ethambutol"


# -- writing a correction ------------------------------------------------------------------------


def test_fit_into_fixes_the_article_and_the_initial_capital():
    assert fit_into("She has a viral infection.", 10, 15, "acute") == "She has an acute infection."
    assert fit_into("colonoscopy is ordered.", 0, 11, "lumbar puncture") == (
        "Lumbar puncture is ordered."
    )


def test_stated_span_finds_what_a_sentence_states():
    s = "A 40-year-old woman with a suspected VIPoma comes to the physician."
    start, end = stated_span(s, "condition")
    assert s[start:end] == "VIPoma"
    s = "Patient was scheduled for a colonoscopy."
    start, end = stated_span(s, "action")
    assert s[start:end] == "colonoscopy"
    assert stated_span("The weather was fine.", "action") is None


def test_strep_throat_with_a_planted_staphylococcus_is_corrected_to_the_streptococcus():
    p = propose(
        "The causal organism is Staphylococcus aureus.",
        STREP_FINDINGS,
        MedecType.CAUSAL_ORGANISM,
    )
    assert p.sentence == "The causal organism is Streptococcus pyogenes."
    assert p.error_type is MedecType.CAUSAL_ORGANISM and "sore throat" in p.matched


def test_amoxicillin_for_strep_throat_is_not_replaced():
    p = propose(
        "He is started on oral amoxicillin for 10 days.",
        STREP_FINDINGS,
        MedecType.PHARMACOTHERAPY,
    )
    assert p.sentence is None and "first-line" in p.reason


def test_stemi_written_as_pericarditis_gets_a_condition_from_the_vocabulary():
    p = propose("He is diagnosed with acute pericarditis.", STEMI_FINDINGS, MedecType.DIAGNOSIS)
    assert p.sentence == "He is diagnosed with acute ST-elevation myocardial infarction."
    names = {c.name for c in vocabulary("condition").concepts}
    assert p.replacement in names


def test_no_correction_when_the_findings_support_nothing_of_the_type():
    p = propose(
        "The causal organism is Staphylococcus aureus.",
        "A 30-year-old man comes for a routine visit. He feels well.",
        MedecType.CAUSAL_ORGANISM,
    )
    assert p.sentence is None and p.reason


def test_a_drug_is_replaced_by_a_drug_and_never_by_a_test():
    findings = (
        "A 25-year-old woman has dysuria, urinary frequency and urgency for 2 days. She has "
        "suprapubic pain. Urinalysis is nitrite-positive with leukocyte esterase."
    )
    p = propose("She is prescribed oral metformin.", findings, MedecType.PHARMACOTHERAPY)
    assert p.replacement is not None and is_drug_or_regimen(p.replacement)
    assert "metformin" not in p.sentence


def test_a_stated_organism_under_a_diagnosis_cue_is_corrected_as_an_organism():
    findings = (
        "A 4-year-old boy has a barking cough and inspiratory stridor. X-ray shows a steeple sign."
    )
    p = propose("Suspected of rhinovirus.", findings, MedecType.DIAGNOSIS)
    assert p.error_type is MedecType.CAUSAL_ORGANISM
    assert p.replacement in {c.name for c in vocabulary("organism").concepts}


# -- evidence ------------------------------------------------------------------------------------


def test_evidence_that_does_not_mention_the_findings_is_not_shown():
    sentences = [*re.split(r"(?<=\.) ", STREP_FINDINGS), "The organism is Staphylococcus aureus."]
    key = key_findings(sentences, len(sentences) - 1, boilerplate={"year", "old"})
    on_topic = Evidence(
        text="Strep throat causes a sore throat, fever and tonsillar exudate; a rapid test "
        "confirms it.",
        source="medquad",
        doc_id="a",
    )
    off_topic = Evidence(
        text="Oral cancer can form in any part of the mouth or throat.",
        source="medquad",
        doc_id="b",
    )
    vocab = Evidence(text="Findings in the note point to X", source=VOCAB_SOURCE, doc_id="X")
    shown = filter_evidence([on_topic, off_topic, vocab, on_topic], key)
    assert shown == [on_topic, vocab]


# -- held-out figures ----------------------------------------------------------------------------


def _note(i: int, error: bool) -> MedecNote:
    return MedecNote(
        id=f"n-{i}",
        text="x",
        error_flag=error,
        error_sentence_id=2 if error else None,
        corrected_sentence="fixed" if error else None,
    )


def test_fold_figures_give_mean_and_standard_error_of_paired_differences():
    notes = [_note(i, i % 2 == 0) for i in range(8)]
    answers = {
        n.id: Correction(id=n.id, error_flag=True, sentence_index=2, sentence="s")
        if n.error_flag
        else Correction(id=n.id, error_flag=False)
        for n in notes
    }
    folds = [0, 0, 0, 0, 1, 1, 1, 1]
    f = fold_figures(notes, answers, folds)
    assert f["flag_accuracy"] == (1.0, 0.0) and f["sentence_accuracy"] == (1.0, 0.0)
    assert f["flag_minus_always_error"] == (0.5, 0.0)
    answers["n-0"] = Correction(id="n-0", error_flag=False)
    f = fold_figures(notes, answers, folds)
    mean, se = f["flag_accuracy"]
    assert mean == pytest.approx(0.875) and se == pytest.approx(0.125)


def test_threshold_curve_trades_recall_for_precision_and_keeps_forced_decisions():
    notes = [_note(i, i < 2) for i in range(4)]
    scores = {
        "n-0": (0.9, 2, None),
        "n-1": (0.4, 2, None),
        "n-2": (0.6, 0, None),
        "n-3": (0.1, 0, True),
    }
    low, high = threshold_curve(notes, scores, [0.3, 0.7])
    assert low["recall"] == 1.0 and low["precision"] == pytest.approx(2 / 4)
    assert high["recall"] == 0.5 and high["precision"] == pytest.approx(1 / 2)
    assert high["flagged"] == 0.5  # n-0 and the forced n-3


# -- submission format, exit codes, logging ------------------------------------------------------


def test_mediqa_lines_are_accepted_by_the_official_line_format():
    flagged = Correction(
        id="ms-val-0",
        error_flag=True,
        sentence_index=5,
        sentence="Culture tests indicate\nNeisseria gonorrhoeae.",
    )
    clean = Correction(id="ms-val-1", error_flag=False)
    for c in (flagged, clean):
        assert OFFICIAL_LINE.fullmatch(mediqa_line(c)), mediqa_line(c)
    assert mediqa_line(clean) == "ms-val-1 0 -1 NA"
    assert mediqa_line(flagged) == "ms-val-0 1 5 Culture tests indicate Neisseria gonorrhoeae."


def test_ids_the_evaluation_script_would_skip_get_an_error_and_exit_3(tmp_path):
    path = tmp_path / "notes.jsonl"
    rows = [
        {"id": "case-1", "text": "A boy has a cough. Culture grows E. coli."},
        {"id": "Case_2", "text": "A girl has a rash. She is given amoxicillin."},
        "{not json",
    ]
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(correct_cmd, ["--input", str(path), "--format", "mediqa"])
    assert result.exit_code == 3, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and OFFICIAL_LINE.fullmatch(lines[0])
    assert "Case_2" in result.stderr and "line 3" in result.stderr


def test_subcommand_verbosity_agrees_with_the_main_group():
    root = logging.getLogger()
    bm25s = logging.getLogger("bm25s")
    saved = (root.level, bm25s.level)
    try:
        root.setLevel(logging.WARNING)
        _setup_logging(0, False)  # nothing given: the main group's level stays
        assert root.level == logging.WARNING
        _setup_logging(1, False)
        assert root.level == logging.INFO and bm25s.level == logging.WARNING
        _setup_logging(2, False)
        assert root.level == logging.DEBUG and bm25s.level == logging.DEBUG
        _setup_logging(0, True)
        assert root.level == logging.ERROR
    finally:
        root.setLevel(saved[0])
        bm25s.setLevel(saved[1])


def test_missing_medquad_says_where_it_looked_and_how_to_point_at_it(tmp_path, caplog):
    from medfact.medec.corrector import KnowledgeCorrector

    with caplog.at_level(logging.WARNING):
        KnowledgeCorrector(data_dir=tmp_path, home=tmp_path / "home").knowledge()
    text = caplog.text
    assert str(tmp_path / "medquad") in text and "--data-dir" in text and "MEDFACT_DATA" in text


def test_negated_findings_do_not_support_a_concept():
    vocab = vocabulary("condition")
    said = "There is rebound tenderness and right lower quadrant pain."
    denied = "Right lower quadrant pain without rebound tenderness; no fever."
    support = {r.concept.name: r.support for r in vocab.rank(said)}
    assert support["acute appendicitis"] >= 5
    support = {r.concept.name: r.support for r in vocab.rank(denied)}
    assert support.get("acute appendicitis", 0) < 5


def test_a_finding_contained_in_another_is_counted_once():
    ranked = vocabulary("action").rank("ECG shows ST-segment elevation in the inferior leads.")
    pci = next(r for r in ranked if r.concept.name == "percutaneous coronary intervention")
    assert pci.matched == ("ST-segment elevation",)
