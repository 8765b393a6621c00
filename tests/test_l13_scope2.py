"""Session 13, round 2: negation scope in speech run on without stops. A "no" ends where a
pronoun and its verb open a clause ("no rash she vomited once"), where an amount opens an item
("no back pain a little blood yesterday") and where a part is told with its exam state ("no
stridor chest clear"); a "no" run on into a clause of its own answers the question before it
("weight loss - no if anything I've put on a bit"). Each change has a control: a real negation
still reads as one."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules first
from medfact.analysis import AFFIRMED, ASKED, NEGATED, UNCERTAIN, AnalyzedText, Analyzer, Token
from medfact.pipeline import cached_engine
from medfact.segment import ClinicalSegmenter
from medfact.types import Assessment


def _read(text: str) -> AnalyzedText:
    return Analyzer()(text, ClinicalSegmenter()(text))


def _tok(doc: AnalyzedText, word: str, nth: int = 0) -> Token:
    return [t for t in doc.tokens if t.text == word][nth]


def _score(output: str, context: str) -> Assessment:
    engine = cached_engine({"pipeline": {"learned_verifiers": [], "model": ""}})
    return engine.score_one(output, context)


def _negation(assessment: Assessment) -> list[str]:
    return [f.message for f in assessment.findings if f.rule == "negation.v1" and f.risk >= 3]


def _certainty(assessment: Assessment) -> list[str]:
    return [f.message for f in assessment.findings if "stated as fact" in f.message]


# -- a pronoun and its verb ---------------------------------------------------------------------


def test_a_pronoun_and_its_verb_end_a_spoken_no() -> None:
    doc = _read("Doctor: Any rash?\nMother: no rash she vomited once last night\n")
    assert _tok(doc, "rash", 1).polarity == NEGATED
    assert _tok(doc, "vomited").polarity == AFFIRMED


def test_a_contracted_subject_ends_a_spoken_no() -> None:
    context = (
        "Doctor: power is normal so this sounds like sciatica no red flags today I'll add in "
        "naproxen five hundred twice a day with omeprazole\n"
        "Patient: okay\n"
    )
    assert _tok(_read(context), "naproxen").polarity == AFFIRMED
    assert not _negation(_score("Plan: add naproxen 500 mg BD + omeprazole.", context))


def test_a_clause_the_negation_governs_stays_negated() -> None:
    # controls: "don't think she has", "denies she has had": the clause is what is denied
    doc = _read("I don't think she has pneumonia. The patient denies she has had chest pain.")
    assert _tok(doc, "pneumonia").polarity == NEGATED
    assert _tok(doc, "chest").polarity == NEGATED


# -- an amount, an exam state --------------------------------------------------------------------


def test_an_amount_opens_an_item_of_its_own() -> None:
    context = (
        "Doctor: any fever back pain blood in the urine\n"
        "Patient: no fever no back pain a little blood yesterday\n"
    )
    doc = _read(context)
    assert _tok(doc, "blood", 1).polarity == AFFIRMED
    assert _tok(doc, "back", 1).polarity == NEGATED


def test_an_amount_after_a_preposition_stays_in_scope() -> None:
    # control: "for a few days" is part of what is denied
    assert _tok(_read("No pain for a few days."), "days").polarity == NEGATED


def test_a_part_with_its_exam_state_ends_a_spoken_no() -> None:
    context = (
        "Doctor: there's mild lip swelling no stridor chest clear so this was anaphylaxis\n"
        "Patient: okay\n"
    )
    doc = _read(context)
    assert _tok(doc, "stridor").polarity == NEGATED
    assert _tok(doc, "chest").polarity == AFFIRMED
    assert not _negation(_score("O/E: mild lip swelling, no stridor, chest clear.", context))


def test_an_exam_state_after_a_comma_is_left_to_the_list_rules() -> None:
    # control: "no external lesions, normal labia": "lesions" is still denied
    doc = _read("Pelvic exam: No external lesions, normal labia majora.")
    assert _tok(doc, "lesions").polarity == NEGATED


def test_a_real_flip_of_a_spoken_denial_is_still_caught() -> None:
    context = "Doctor: any rash\nMother: no rash she vomited once last night\n"
    assert _negation(_score("Rash. Vomited once last night.", context))


# -- a no run on into a clause -----------------------------------------------------------------

_WEIGHT = (
    "Doctor: any fevers or night sweats\n"
    "Patient: no nothing like that\n"
    "Doctor: weight loss\n"
    "Patient: no if anything I've put on a bit\n"
    "Doctor: and you're still on the ramipril\n"
    "Patient: yes\n"
)


def test_a_no_run_on_into_a_clause_answers_the_question() -> None:
    assert _tok(_read(_WEIGHT), "loss").polarity == NEGATED
    assert not _negation(_score("No fever, night sweats or weight loss.", _WEIGHT))


def test_a_no_before_a_noun_is_no_bare_answer() -> None:
    # control: "no blood but ..." names what it denies; the question is only asked
    text = "Doctor: any cough or blood\nPatient: no blood but a dry cough every morning\n"
    assert _tok(_read(text), "cough").polarity == ASKED


# -- an answer that names what it denies and tells of the rest ------------------------------------

_URINE = (
    "Doctor: you said you've got burning when you pass urine\n"
    "Patient: yes since Sunday\n"
    "Doctor: any fever back pain blood in the urine\n"
    "Patient: no fever no back pain a little blood yesterday\n"
    "Doctor: any chance you might be pregnant\n"
    "Patient: no\n"
)


def test_a_no_that_names_what_it_denies_leaves_the_rest_of_the_question() -> None:
    output = "Dysuria since Sunday; haematuria yesterday. No fever, no loin pain."
    assert not _negation(_score(output, _URINE))


def test_an_answer_that_names_its_denial_still_denies_it() -> None:
    # control: the fever the answer denies by name is still denied
    assert _negation(_score("Dysuria since Sunday with fever; haematuria yesterday.", _URINE))


def test_an_answer_that_denies_as_a_whole_denies_every_item() -> None:
    # control: "no nothing like that" tells of nothing present, so all that was asked is denied
    context = (
        "Doctor: any fever back pain blood in the urine\n"
        "Patient: no nothing like that\n"
        "Doctor: okay\n"
    )
    assert _negation(_score("Dysuria with haematuria.", context))


# -- an option to be weighed; a patient's question answered "not usually" ------------------------


def test_an_option_to_be_explored_is_hedged() -> None:
    doc = _read("Hospice transfer may be explored if a bed is available.")
    assert _tok(doc, "hospice").polarity == UNCERTAIN
    context = "Possible transfer to hospice if a bed becomes available - to be explored."
    assert not _certainty(_score("Hospice transfer may be explored if a bed is free.", context))


def test_a_plan_made_is_not_hedged() -> None:
    # control: the transfer told as done is still stated as fact against a possible one
    assert _tok(_read("Transferred to hospice today."), "hospice").polarity == AFFIRMED


_OPERATION = (
    "Doctor: it's a break of the scaphoid bone and it's not displaced\n"
    "Patient: is that the one that needs an operation\n"
    "Doctor: not usually when it's not displaced we put you in a cast for six weeks\n"
    "Patient: okay\n"
)


def test_a_patients_question_answered_not_usually_is_denied() -> None:
    assert _tok(_read(_OPERATION), "operation").polarity == NEGATED
    output = "Undisplaced scaphoid fracture; cast 6/52; surgery not needed."
    assert not _negation(_score(output, _OPERATION))


def test_a_patients_statement_is_not_a_question() -> None:
    # control: "is that" inside a turn is no question's opening
    doc = _read("Patient: my wrist is that sore I need an operation\nDoctor: okay\n")
    assert _tok(doc, "operation").polarity == AFFIRMED


# -- what a hedge does not reach ---------------------------------------------------------------


def test_a_hedge_does_not_reach_the_patients_own_condition() -> None:
    doc = _read("Doctor: I think this is a flare up of your COPD with an infection\nPatient: ok\n")
    assert _tok(doc, "copd").polarity == AFFIRMED
    assert _tok(doc, "flare").polarity == UNCERTAIN


def test_a_hedged_diagnosis_without_a_possessive_stays_hedged() -> None:
    # control: "I think you have asthma" is the doctor's suggestion
    assert _tok(_read("I think you have asthma."), "asthma").polarity == UNCERTAIN


def test_a_clause_with_its_own_subject_ends_a_hedge() -> None:
    text = (
        "Doctor: I think she has delirium probably from a urine infection and the oxybutynin "
        "can make confusion worse\nSon: okay\n"
    )
    doc = _read(text)
    assert _tok(doc, "confusion").polarity == AFFIRMED
    assert _tok(doc, "infection").polarity == UNCERTAIN


def test_a_list_joined_by_and_the_stays_in_scope() -> None:
    # control: "and the leg" names another part of what is denied
    assert _tok(_read("No pain in the arm and the leg."), "leg").polarity == NEGATED


# -- a schedule, a window ----------------------------------------------------------------------


def test_not_on_a_drugs_day_is_a_schedule() -> None:
    doc = _read("Folic acid 5 mg once weekly, not on methotrexate day.")
    assert _tok(doc, "methotrexate").polarity == AFFIRMED
    context = "Pharmacist: you're starting methotrexate fifteen mg once a week\nPatient: ok\n"
    output = "Methotrexate 15 mg once weekly. Folic acid weekly, not on methotrexate day."
    assert not _negation(_score(output, context))


def test_not_on_a_drug_is_still_denied() -> None:
    # control: "not on methotrexate" denies the drug
    assert _tok(_read("Not on methotrexate."), "methotrexate").polarity == NEGATED


def test_outside_a_treatments_window_denies_the_treatment() -> None:
    doc = _read("Doctor: he's outside the thrombolysis window because he was last seen well\n")
    assert _tok(doc, "thrombolysis").polarity == NEGATED
    # control: a treatment given within its window is affirmed
    doc = _read("Doctor: he's within the thrombolysis window so we'll give it now\n")
    assert _tok(doc, "thrombolysis").polarity == AFFIRMED
