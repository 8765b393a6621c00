"""Issue 13, rule tier: false alarms on faithful reference notes, and the misses it still had.

Each case comes from a cause read by hand on ACI-Bench train or MTS-Dialog TrainingSet reference
notes (bench/RESULTS.md, "Rule tier precision"), or from a miss the issue names (route, changed
critical lab value, anatomy within a region). Each is paired with a control the rule must still
flag, so a fix cannot pass by silencing the rule.
"""

from __future__ import annotations

import pytest

from medfact.analysis import AFFIRMED, ASKED, NEGATED
from medfact.testing import analysed, run_rule
from medfact.verifiers.aligned import AlignedWindows
from medfact.verifiers.route import route_mentions


def _token(doc, word: str, nth: int = 0):
    return [t for t in doc.tokens if t.text == word][nth]


def _messages(rule: str, output: str, context: str, at_least: int = 3) -> list[str]:
    return [f.message for f in run_rule(rule, output, context) if f.risk >= at_least]


# --- the aligned window on long inputs -----------------------------------------------------------

_SMALL_TALK = (
    "[doctor] how is work going ?\n[patient] work is fine , busy with the garden project .\n"
    "[doctor] and the kids ?\n[patient] they are good , both in school now .\n"
) * 16
_ANKLE = (
    "[doctor] what happened to your ankle ?\n"
    "[patient] i twisted my right ankle after a fall on the stairs yesterday .\n"
    "[doctor] a fall on the stairs yesterday , and you twisted the ankle ?\n"
    "[patient] yes , the right ankle , on the stairs , when i fell yesterday .\n"
    "[doctor] did she twist it in the fall ?\n[patient] she twisted it , yes .\n"
)
_DENIAL = "[doctor] any swelling in your legs ?\n[patient] no .\n"
_ANKLE_NOTE = "She twisted her right ankle in a fall on the stairs yesterday, with swelling."


def test_a_short_input_is_one_window() -> None:
    doc = analysed("Denies fever.", "Doctor: Any fever?\nPatient: No.")
    assert AlignedWindows(doc).window(0, 5) is None


def test_a_denial_far_from_the_claim_in_a_long_transcript_is_not_compared() -> None:
    context = _DENIAL + _SMALL_TALK + _ANKLE
    assert len(context) > 2500
    assert not _messages("negation.v1", _ANKLE_NOTE, context)


def test_a_denial_within_the_claims_window_still_contradicts_it() -> None:
    context = _SMALL_TALK + _ANKLE + _DENIAL
    found = _messages("negation.v1", _ANKLE_NOTE, context)
    assert any("'swelling'" in m for m in found)


# --- negation.v1 and the analysis: causes read on reference notes -------------------------------


def test_weight_loss_is_not_weight_gain() -> None:
    context = (
        "Doctor: Any weight gain recently?\n"
        "Patient: A little bit of weight gain over the summer, nothing radical."
    )
    assert not _messages("negation.v1", "Denies weight loss. Reports weight gain.", context)
    assert _messages("negation.v1", "Reports weight loss.", "Denies weight loss.")


def test_a_statement_with_a_tag_question_is_a_statement() -> None:
    doc = analysed(
        "x",
        "[doctor] on your legs i do appreciate one plus pitting edema , so you have a little "
        "fluid , okay ?\n[patient] okay .",
    ).context
    assert _token(doc, "edema").polarity == AFFIRMED
    asked = analysed("x", "[doctor] any edema in your legs ?\n[patient] hmm .").context
    assert _token(asked, "edema").polarity == ASKED


def test_a_transcript_question_without_a_question_mark_is_answered() -> None:
    doc = analysed(
        "x", "[doctor] okay any joint pain fever weight loss\n[patient] not that i can recall"
    ).context
    assert _token(doc, "fever").polarity == NEGATED


def test_a_bare_no_after_a_question_answers_the_question_not_the_next_sentence() -> None:
    doc = analysed(
        "x",
        "Doctor: Any worsening bone pain? I want to check on your osteoporosis.\nPatient: No.",
    ).context
    assert _token(doc, "osteoporosis").polarity == AFFIRMED


@pytest.mark.parametrize(
    ("output", "context"),
    [
        # "did not relieve" negates the relief, not the pain
        (
            "Ice and heat did not relieve the pain.",
            "He presents with back pain after golfing.",
        ),
        # ROS shorthand: "Negative rash" denies the rash
        ("INTEGUMENTARY: Negative rash, negative jaundice.", "Doctor: Any rash?\nPatient: Nope."),
        # "quit" places the smoking in the past
        ("She quit smoking before her childbirth.", "Doctor: Do you smoke?\nPatient: No."),
        # a patient's "probably" is talk, not clinical uncertainty
        (
            "He felt very dizzy six hours after getting home.",
            "Doctor: How have you felt?\nPatient: Probably six hours after we got home, i felt "
            "very dizzy.",
        ),
        # the Assessment names the doctor's diagnosis ("i think you have a lumbar strain")
        (
            "ASSESSMENT AND PLAN\nLumbar strain.",
            "Doctor: I think you have a lumbar strain.\nPatient: Okay.",
        ),
        # a header line by itself is no statement
        (
            "ALLERGIES\nNo known allergies.",
            "Doctor: Are you allergic to any medicines?\nPatient: No.",
        ),
        # "non-HDL" is a lab name, not a negated HDL
        ("HDL 44, non-HDL 178.", "The good cholesterol HDL was 44 and the non-HDL was 178."),
        # "due to" ends the negation's scope
        (
            "He did not want any steroid due to a reaction to dexamethasone.",
            "He had a reaction to dexamethasone, which causes his heart to race.",
        ),
    ],
)
def test_faithful_wordings_are_not_flips(output: str, context: str) -> None:
    assert not _messages("negation.v1", output, context)


def test_a_clinicians_hedge_still_makes_an_overstatement() -> None:
    found = _messages(
        "negation.v1", "Chest x-ray shows pneumonia.", "Chest x-ray: possible pneumonia."
    )
    assert any("only suggests" in m for m in found)


# --- spoken numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("start flomax zero point four milligrams at night", 0.4, "mg"),
        ("a stone measuring point five centimeters", 0.5, "cm"),
        ("she lost about 3 and a half pounds", 3.5, "lb"),
        ("clobetasol point zero five percent solution", 0.05, "%"),
        ("aldactone twelve point five milligrams daily", 12.5, "mg"),
    ],
)
def test_spoken_decimals_are_one_number(text: str, value: float, unit: str) -> None:
    quantities = [q for q in analysed(text, "x").output.quantities if q.unit == unit]
    assert [q.value for q in quantities] == [pytest.approx(value)]


def test_a_spoken_dose_agrees_with_the_written_one() -> None:
    context = "[doctor] we can start you on flomax zero point four milligrams once a day ."
    assert not _messages("numbers.v1", "Start Flomax 0.4 mg once daily.", context)
    assert _messages("numbers.v1", "Start Flomax 4 mg once daily.", context)


# --- numbers.v1: laboratory results by analyte ---------------------------------------------------


@pytest.mark.parametrize(
    ("output", "context"),
    [
        ("Potassium 4.8 with peaked T waves.", "Potassium 6.8 with peaked T waves."),
        ("INR 2.8 on warfarin, held.", "INR of 8.2 on warfarin. Warfarin held."),
        ("EMS BG 138, given D50.", "Glucose 38 at home per EMS, given D50."),
    ],
)
def test_a_changed_lab_value_is_found(output: str, context: str) -> None:
    found = _messages("numbers.v1", output, context)
    assert any(m.startswith("lab value:") for m in found)


def test_the_same_lab_value_in_other_words_is_not() -> None:
    assert not _messages("numbers.v1", "K 6.8, peaked T waves.", "Potassium 6.8, peaked T waves.")
    assert not _messages("numbers.v1", "Plt 12 this morning.", "Platelets 12,000 this morning.")


# --- route.v1 ------------------------------------------------------------------------------------


def test_a_changed_route_is_found() -> None:
    context = "Vincristine 1.4 mg/m2 given intravenously on day 1."
    found = _messages("route.v1", "Vincristine 1.4 mg/m2 intrathecally on day 1.", context)
    assert found and "intrathecal" in found[0] and "intravenous" in found[0]
    assert not _messages("route.v1", "Vincristine 1.4 mg/m2 IV on day 1.", context)


def test_a_route_given_in_an_answer_belongs_to_the_drug_asked_about() -> None:
    context = (
        "Doctor: How are you taking the testosterone?\n"
        "Patient: It's the gel, I rub it on my shoulders every morning."
    )
    assert _messages("route.v1", "Testosterone by intramuscular injection every morning.", context)
    assert not _messages("route.v1", "Applies testosterone gel every morning.", context)


def test_route_words_attach_to_their_drug_and_stage_iv_is_no_route() -> None:
    doc = analysed("Ceftriaxone 1 g IM once, then PO doxycycline. Stage IV cancer.", "x").output
    assert [(m.route, m.drug) for m in route_mentions(doc)] == [
        ("intramuscular", "ceftriaxone"),
        ("oral", "doxycycline"),
    ]


def test_a_plain_injection_agrees_with_a_needle_route() -> None:
    context = "Ceftriaxone 1 gram intramuscularly once."
    assert not _messages("route.v1", "Ceftriaxone 1 g injection once.", context)


# --- laterality.v1: sides and sites --------------------------------------------------------------


def test_a_neighbouring_bone_is_a_wrong_site() -> None:
    context = "X-ray shows a nondisplaced fracture of the distal fibula. Tibia intact."
    found = _messages("laterality.v1", "Nondisplaced distal tibia fracture.", context)
    assert any("fibula" in m for m in found)
    assert not _messages("laterality.v1", "Nondisplaced distal fibula fracture.", context)


def test_bilateral_is_supported_by_both_sides() -> None:
    context = "There is edema of the right knee and the left knee is tender too."
    assert not _messages("laterality.v1", "Pain in the bilateral knees.", context)
    assert _messages("laterality.v1", "Pain in the left knee.", "Edema of the right knee.")


def test_a_region_holding_the_named_part_is_the_same_place() -> None:
    context = "Patient: I had a struggle in my right foot, like a dropped foot."
    assert not _messages("laterality.v1", "Right lower extremity weakness.", context)


# --- entities.v1: allergy statements --------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "context"),
    [
        (
            "Asthma and allergies.",
            "Doctor: Any conditions?\nPatient: Oh, I have allergies and asthma.",
        ),
        (
            "Endorses nasal congestion from allergies.",
            "Doctor: You endorsed nasal congestion from the fall pollen and allergies.",
        ),
    ],
)
def test_words_before_allergies_are_not_allergens(output: str, context: str) -> None:
    assert not [m for m in _messages("entities.v1", output, context) if "allerg" in m]


def test_an_upper_case_header_without_a_colon_scopes_its_section() -> None:
    doc = analysed(
        "FAMILY HISTORY\n\nMaternal grandfather: pancreatic cancer.\n\nPLAN\n\nCancer screening.",
        "x",
    ).output
    assert _token(doc, "cancer").scope == "family"
    assert _token(doc, "cancer", 1).scope == "current"


def test_a_transcript_without_question_marks_asks_by_its_opening() -> None:
    context = (
        "[doctor] okay do you have any swelling in your lower extremities at all\n"
        "[patient] i have n't noticed any swelling"
    )
    doc = analysed("x", context).context
    assert _token(doc, "swelling").polarity != AFFIRMED
    assert not _messages("negation.v1", "Denies lower extremity swelling.", context)


def test_an_aside_after_a_negation_does_not_end_it() -> None:
    doc = analysed("He denies, however, any bowel or bladder problems.", "x").output
    assert _token(doc, "bladder").polarity == NEGATED


def test_the_patients_own_condition_written_as_family_history() -> None:
    context = "She was treated for melanoma in 2015. There is no family history of it."
    found = _messages("negation.v1", "Family history of melanoma.", context)
    assert any("patient's own" in m for m in found)
    assert not _messages("negation.v1", "History of melanoma treated in 2015.", context)
    # where the input speaks of relatives, their conditions may be misread: left alone
    family = "Her mother had melanoma. She was treated for melanoma in 2015."
    assert not _messages("negation.v1", "Family history of melanoma.", family)
