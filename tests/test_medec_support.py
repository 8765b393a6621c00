"""MEDEC with the tier-1 support model: features, the scorer's cache, the optional variant."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from medfact.medec import correctors
from medfact.medec.corrector import KnowledgeCorrector, _flag_or_path
from medfact.medec.data import MedecNote
from medfact.medec.flagging import prepare
from medfact.medec.support import (
    SUPPORT_FLAG,
    SupportScorer,
    flag_values,
    premise_for,
    typed_sentences,
)
from medfact.types import Sentence


@pytest.fixture(autouse=True)
def _home(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDFACT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MEDFACT_SUPPORT_MODEL", raising=False)


# -- features (no model) -------------------------------------------------------------------------


def test_flag_values_of_the_least_supported_sentence():
    probs = [0.9, 0.2, 0.6, 0.8]
    values = flag_values(probs, 1)
    assert set(values) == set(SUPPORT_FLAG)
    assert values["support_p"] == 0.2
    assert values["support_low_rank"] == 0.0
    assert values["support_is_lowest"] == 1.0
    assert values["support_min_other"] == 0.6
    assert values["support_margin"] == pytest.approx(0.2 - 0.8)  # median of 0.9, 0.6, 0.8
    top = flag_values(probs, 0)
    assert top["support_low_rank"] == 1.0 and top["support_is_lowest"] == 0.0
    assert top["support_margin"] == pytest.approx(0.9 - 0.6)


def test_one_sentence_note_gets_neutral_features():
    values = flag_values([0.3], 0)
    assert values["support_min_other"] == 1.0 and values["support_low_rank"] == 0.5


def test_unscored_sentences_count_as_supported_and_stay_out_of_ranks():
    probs = [0.9, None, 0.2]
    untyped = flag_values(probs, 1)
    assert untyped["support_p"] == 1.0 and untyped["support_low_rank"] == 1.0
    assert untyped["support_is_lowest"] == 0.0 and untyped["support_min_other"] == 0.2
    typed = flag_values(probs, 2)
    assert typed["support_low_rank"] == 0.0 and typed["support_is_lowest"] == 1.0
    assert typed["support_min_other"] == 0.9  # the unscored sentence is not a competitor
    assert typed["support_margin"] == pytest.approx(0.2 - 0.9)


def test_typed_sentences_are_the_ones_that_state_an_answer():
    note = _notes()[1]
    assert typed_sentences(prepare(note)) == [False, False, True, True]


def test_premise_leaves_the_judged_sentence_out():
    sentences = [
        "A boy has a barking cough.",
        "Stridor is heard.",
        "The organism is Escherichia coli.",
    ]
    premise = premise_for(sentences, 2)
    assert "Escherichia" not in premise and "barking cough" in premise
    assert premise_for(["Only one sentence."], 0) == ""


# -- optional: no model, no torch needed ---------------------------------------------------------


def test_missing_support_model_is_unavailable_and_the_corrector_uses_the_plain_model(
    tmp_path, caplog
):
    scorer = SupportScorer(tmp_path / "nothing")
    assert scorer.available() is False
    assert str(tmp_path / "nothing") in (scorer.why_unavailable() or "")
    corrector = KnowledgeCorrector(support_model=tmp_path / "nothing")
    with caplog.at_level(logging.WARNING, logger="medfact.medec.corrector"):
        assert corrector.scorer() is None
    assert "support model off" in caplog.text
    assert KnowledgeCorrector(support_model=False).scorer() is None


def test_support_model_parameter_from_a_command_line():
    assert _flag_or_path("off") is False and _flag_or_path("None") is False
    assert _flag_or_path("/models/v3") == "/models/v3"
    corrector = correctors.create("knowledge.v1", {"support_model": "false"})
    assert corrector.support_model is False and corrector.scorer() is None


# -- with a (random, tiny-headed) support model --------------------------------------------------

FINDINGS = [
    ("a barking cough and inspiratory stridor", "croup", "parainfluenza virus", "Escherichia coli"),
    (
        "a sore throat, fever and tonsillar exudates",
        "strep throat",
        "Streptococcus pyogenes",
        "Candida albicans",
    ),
    (
        "burning on urination and urinary frequency",
        "cystitis",
        "Escherichia coli",
        "Giardia lamblia",
    ),
    (
        "a productive cough, fever and a lobar consolidation",
        "pneumonia",
        "Streptococcus pneumoniae",
        "Clostridium difficile",
    ),
    (
        "bloody diarrhea after eating undercooked beef",
        "colitis",
        "Escherichia coli O157:H7",
        "Borrelia burgdorferi",
    ),
    (
        "an expanding target rash after a tick bite",
        "early Lyme disease",
        "Borrelia burgdorferi",
        "Staphylococcus aureus",
    ),
]


def _notes() -> list[MedecNote]:
    notes = []
    number = 0
    for round_ in range(2):
        for findings, condition, right, wrong in FINDINGS:
            for error in (False, True):
                organism = wrong if error else right
                sentences = [
                    f"A {20 + round_ + number % 7}-year-old patient comes with {findings}.",
                    "Vital signs are within normal limits.",
                    f"The clinical picture is consistent with {condition}.",
                    f"Culture confirms {organism} as the causal organism.",
                ]
                text = " ".join(sentences)
                spans, start = [], 0
                for i, s in enumerate(sentences):
                    spans.append(Sentence(index=i, span=(start, start + len(s)), text=s))
                    start += len(s) + 1
                notes.append(
                    MedecNote(
                        id=f"syn-{number}",
                        text=text,
                        sentences=spans,
                        error_flag=error,
                        error_sentence_id=3 if error else -1,
                        error_sentence=sentences[3] if error else None,
                        corrected_sentence=(
                            f"Culture confirms {right} as the causal organism." if error else None
                        ),
                    )
                )
                number += 1
    return notes


@pytest.fixture(scope="module")
def support_dir(make_support_model) -> Path:
    pytest.importorskip("sklearn")
    return make_support_model()


def test_scorer_scores_every_sentence_and_caches_by_pair(support_dir, tmp_path):
    notes = [[s.text for s in n.sentences] for n in _notes()[:3]]
    scorer = SupportScorer(support_dir, home=tmp_path)
    assert scorer.available()
    some = scorer.score_notes(notes[:1], [[False, True, False, True]])
    assert some[0][0] is None and some[0][2] is None and 0.0 < some[0][1] < 1.0
    probs = scorer.score_notes(notes)
    assert probs[0][1] == some[0][1] and probs[0][3] == some[0][3]
    assert [len(p) for p in probs] == [4, 4, 4]
    assert all(0.0 < p < 1.0 for row in probs for p in row)
    assert len({round(p, 5) for row in probs for p in row}) > 4  # pairs differ
    cache = list((tmp_path / "medec-support").glob("*.jsonl"))
    assert len(cache) == 1 and "barking" not in cache[0].read_text()  # keys, never text
    again = SupportScorer(support_dir, home=tmp_path)
    assert again.score_notes(notes) == probs
    assert again._encoder is None  # answered from the cache, the model never loaded


def test_fit_keeps_a_plain_model_and_a_support_variant(support_dir, tmp_path, caplog):
    notes = _notes()
    empty = tmp_path / "data"
    empty.mkdir()
    kwargs = {"data_dir": empty, "notes": False, "home": tmp_path / "h"}
    with caplog.at_level(logging.WARNING):
        corrector = KnowledgeCorrector(support_model=support_dir, **kwargs).fit(notes, folds=2)
    fitted = corrector._model()
    assert fitted["support"] is not None and "locator" not in fitted["support"]
    assert fitted["support"]["flag"].dense_names[-len(SUPPORT_FLAG) :] == SUPPORT_FLAG
    assert not set(SUPPORT_FLAG) & set(fitted["flag"].dense_names)
    assert corrector.variant() is fitted["support"]
    with_support = corrector.correct(notes[1])
    assert 0.0 <= with_support.confidence <= 1.0

    path = tmp_path / "model.json"
    corrector.save(path)
    saved = json.loads(path.read_text())
    assert saved["support"]["model_sha256"] == SupportScorer(support_dir).digest()
    loaded = KnowledgeCorrector(model=path, support_model=support_dir, **kwargs)
    assert loaded.correct(notes[1]) == with_support

    # without the model the plain variant answers, as a corrector fitted without support would
    plain = KnowledgeCorrector(model=path, support_model=False, **kwargs)
    assert plain.variant() is plain._model()
    unsupported = KnowledgeCorrector(support_model=False, **kwargs).fit(notes, folds=2)
    assert plain.correct(notes[1]) == unsupported.correct(notes[1])


def test_a_different_support_model_falls_back_to_the_plain_model(support_dir, tmp_path, caplog):
    notes = _notes()
    empty = tmp_path / "data"
    empty.mkdir()
    kwargs = {"data_dir": empty, "notes": False, "home": tmp_path / "h"}
    corrector = KnowledgeCorrector(support_model=support_dir, **kwargs).fit(notes, folds=2)
    corrector._model()["support"]["model_sha256"] = "0" * 64  # fitted with other weights
    with caplog.at_level(logging.WARNING, logger="medfact.medec.corrector"):
        assert corrector.variant() is corrector._model()
    assert "not the one the corrector was fitted with" in caplog.text


# -- command line --------------------------------------------------------------------------------


def test_cli_support_options_are_checked(tmp_path):
    from click.testing import CliRunner

    from medfact.medec.cli import correct as correct_cmd

    runner = CliRunner()
    both = runner.invoke(
        correct_cmd, ["--note", "A note.", "--no-model", "--support-model", str(tmp_path)]
    )
    assert both.exit_code == 2 and "not both" in both.output
    lm = runner.invoke(correct_cmd, ["--note", "A note.", "--corrector", "lm.v1", "--no-model"])
    assert lm.exit_code == 2 and "knowledge.v1 only" in lm.output


def test_cli_answers_with_no_model_and_with_a_missing_support_model(tmp_path):
    from click.testing import CliRunner

    from medfact.medec.cli import correct as correct_cmd

    note = "A 4-year-old boy has a barking cough. Stridor is heard. Culture grows E. coli."
    empty = tmp_path / "data"
    empty.mkdir()
    runner = CliRunner()
    outputs = []
    for extra in (["--no-model"], ["--support-model", str(tmp_path / "none")]):
        result = runner.invoke(
            correct_cmd,
            ["--note", note, "--format", "json", "--data-dir", str(empty), *extra],
        )
        assert result.exit_code == 0, result.output
        outputs.append(json.loads(result.stdout))
    # a support model that is not there changes nothing: the plain model answers both
    assert outputs[0] == outputs[1] and outputs[0]["id"] == "note"
