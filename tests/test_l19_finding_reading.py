"""Session 19 (helper D): certainty.v1, comparison.v1, attributed.v1 and omission.v1 read
what notes write in shorthand. An abbreviation is the same words as its spelling-out ("PE" and
"pulmonary emboli"), "VS:" labels vital signs (no "versus"), a care bundle named after a
condition ("Sepsis Six") establishes nothing, a direction the input's own two values bear out
is no invented course, "unwell with same" names an illness (no "unchanged"), a source given
after a sentence's end is of that sentence, chemotherapy regimens name their drugs, tumour
abbreviations name a malignancy, and a unit-less bilirubin in a note of SI units is in umol/L.
Each with a true error of the same shape still caught. Sentences written for these tests."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.testing import run_rule
from medfact.verifiers.omission import regimen_drugs, si_units


def _found(rule: str, output: str, context: str) -> list[str]:
    """The rule's messages at risk 3 or more."""
    return [f.message for f in run_rule(rule, output, context) if f.risk >= 3]


# --- certainty.v1 -----------------------------------------------------------------------------

_CTPA = (
    "CT PULMONARY ANGIOGRAM\nClinical details: breathless after hip surgery. ?PE.\n"
    "Findings: filling defects in the right lower lobe arteries, consistent with acute "
    "pulmonary emboli. No right heart strain."
)


def test_an_abbreviation_is_the_same_words_as_its_spelling_out() -> None:
    assert _found("certainty.v1", "CTPA: acute PE, RLL. No RV strain.", _CTPA) == []


def test_a_diagnosis_the_input_only_queries_is_still_caught() -> None:
    context = "CT PULMONARY ANGIOGRAM\nClinical details: breathless after hip surgery. ?PE."
    assert _found("certainty.v1", "CTPA: acute PE.", context)


_TRIAGE = "TRIAGE 14:10\nCC: palpitations.\nVS: HR 132, BP 118/70, RR 18, SpO2 98% RA."


def test_a_vital_signs_label_is_no_versus() -> None:
    assert _found("certainty.v1", "Obs: HR 132, BP 118/70. Palpitations.", _TRIAGE) == []


def test_a_real_versus_still_hedges() -> None:
    context = "Impression: SVT vs atrial flutter. Adenosine planned."
    assert _found("certainty.v1", "Impression: SVT. Adenosine planned.", context)


_BUNDLE = (
    "ED note. Fever 39.1, HR 120, BP 88/50, lactate 4.2. Sepsis Six started at 02:10: "
    "cultures, IV co-amoxiclav, fluids. Source unclear."
)


def test_a_care_bundle_named_after_a_condition_establishes_nothing() -> None:
    out = "ED: suspected sepsis, source unclear. Sepsis 6 done 02:10."
    assert _found("certainty.v1", out, _BUNDLE) == []


def test_a_diagnosis_the_input_states_is_still_caught_when_hedged() -> None:
    context = "Diagnosis: urosepsis. Blood cultures grew E. coli. IV gentamicin given."
    assert _found("certainty.v1", "Possible urosepsis. IV gentamicin given.", context)


# --- comparison.v1 ----------------------------------------------------------------------------

_RENAL = "Results: eGFR 31 (35 six months ago). Potassium 5.1."


def test_a_direction_the_inputs_values_bear_out_is_no_invented_course() -> None:
    out = "Your kidney function is 31, a little lower than six months ago, when it was 35."
    assert _found("comparison.v1", out, _RENAL) == []


def test_a_direction_against_the_inputs_values_is_still_caught() -> None:
    out = "Your kidney function is 31, higher than six months ago, when it was 35."
    assert _found("comparison.v1", out, _RENAL)


_SAME = (
    "Admitted with DKA - triggered by D&V (viral gastroenteritis, husband unwell with same). "
    "Overnight: insulin infusion stopped 05:00."
)


def test_unwell_with_same_names_an_illness() -> None:
    assert _found("comparison.v1", "DKA resolved: insulin infusion off at 05:00.", _SAME) == []


def test_a_change_the_input_says_did_not_happen_is_still_caught() -> None:
    context = "Review: the ulcer is the same size as last week, no better."
    assert _found("comparison.v1", "Ulcer improved since last week.", context)


# --- attributed.v1 ----------------------------------------------------------------------------

_HOME = (
    "Nurse: How's his breathing?\nWife: Worse at night, he was coughing till three.\n"
    "Nurse: His sats are ninety-one today.\nWife: He said his sats were eighty-eight at home."
)


def test_a_source_after_a_sentence_end_is_of_its_own_sentence() -> None:
    out = "SpO2 91% today. Coughing at night - per wife."
    assert _found("attributed.v1", out, _HOME) == []


def test_a_value_given_to_a_relative_who_said_another_is_still_caught() -> None:
    assert _found("attributed.v1", "Home sats 91% per wife.", _HOME)


# --- omission.v1 ------------------------------------------------------------------------------

_ONC = (
    "Oncology letter. Diagnosis: invasive ductal carcinoma of the right breast, T2 N0. She "
    "is receiving adjuvant doxorubicin and cyclophosphamide, cycle 2 today. Bloods fine."
)


def test_a_regimen_acronym_keeps_its_drugs() -> None:
    found = _found("omission.v1", "R breast IDC, T2N0. Adjuvant AC, C2 today.", _ONC)
    assert found == []
    assert {"doxorubicin", "cyclophosphamide"} <= regimen_drugs("Adjuvant AC")
    assert regimen_drugs("adjuvant ac") == frozenset()  # regimens are written in capitals


def test_a_chemotherapy_drug_left_out_is_still_caught() -> None:
    out = "R breast IDC, T2N0. Adjuvant chemotherapy, cycle 2 today."
    assert any("cyclophosphamide" in m for m in _found("omission.v1", out, _ONC))


def test_a_unitless_bilirubin_in_an_si_note_is_in_umol() -> None:
    context = "Bloods today: Hb 121, creatinine 80, bilirubin 14, ALT 30. Well."
    assert si_units(context)
    assert _found("omission.v1", "Bloods: Hb 121, Cr 80, ALT 30. Well.", context) == []


def test_a_high_bilirubin_in_mg_is_still_caught() -> None:
    context = "Labs: Hgb 12.1, creatinine 0.9, total bilirubin 14. Jaundiced."
    assert not si_units(context)
    assert _found("omission.v1", "Labs: Hgb 12.1, Cr 0.9.", context)


def test_a_referral_pathway_named_after_a_condition_states_nothing() -> None:
    context = (
        "Impression: new left lower lobe mass, suspicious for malignancy. Refer via the lung "
        "cancer pathway."
    )
    out = "New LLL mass, suspicious for malignancy. Lung cancer pathway referral."
    assert _found("certainty.v1", out, context) == []
