"""entities.v1's care settings and ages read precisely (session 12, helper E): a residence the
input never gives is graded 3; receptor, rotation and plural readings of "ER" are no setting; a
coronary or cardiac unit, an ambulance and a transcript's "the er" support the setting; "8/12 F"
is eight months; an age a written input never gives is graded 3, and a conversation's, a date of
birth or the age's decade ("in her sixties") keep it at 2 or support it; a consultation said as
in person that the input gives as remote (or the reverse) is graded 3. Each with a control.
Small texts written for these tests."""

from __future__ import annotations

from medfact.testing import run_rule
from medfact.types import Finding
from medfact.verifiers.entities import ages, mentions, supported_concepts

RULE = "entities.v1"


def settings(output: str, context: str) -> list[Finding]:
    """entities.v1's setting findings."""
    found = run_rule(RULE, output, context)
    return [f for f in found if f.rule == RULE and f.message.startswith("setting")]


CONTEXT = "Doctor: What brings you in? Patient: My cough has been bad for a week."


# --- a residence stated as the patient's --------------------------------------------------------


def test_residence_the_input_never_gives_is_graded_3() -> None:
    for output in (
        "Nursing home resident with a week of cough.",
        "Admitted from a nursing home with cough.",
        "Lives in a residential home; cough for a week.",
    ):
        found = settings(output, CONTEXT)
        assert [f.risk for f in found] == [3], output
        assert "where the patient lives" in found[0].message


def test_residence_the_input_gives_is_no_finding() -> None:
    context = "Patient: The nurses at my care home said my cough has been bad for a week."
    assert settings("Nursing home resident with a week of cough.", context) == []


def test_a_setting_not_placed_or_an_encounter_setting_stays_at_2() -> None:
    # a residence named without saying the patient is there; an encounter's place, which the
    # writer often knows from the record
    for output in ("Cough for a week. Nursing home staff aware.", "Presented to the ED, coughing."):
        assert [f.risk for f in settings(output, CONTEXT)] == [2], output


# --- what "ER" names ------------------------------------------------------------------------------


def test_er_as_receptor_rotation_or_eras_is_no_setting() -> None:
    for text in (
        "ER+/HER2- breast cancer",
        "ER strength 5/5",
        "ER positive",
        "Post-op: ERAS",
        "hormone-receptor positive (ER and PR)",
    ):
        assert mentions(text, ("setting",)) == [], text


def test_er_as_a_place_is_still_a_setting() -> None:
    for text in ("Seen in the ER overnight.", "Went to the ER; EDs were full."):
        assert [m.concept for m in mentions(text, ("setting",))][:1] == ["emergency department"]


# --- support --------------------------------------------------------------------------------------


def test_cardiac_unit_ambulance_and_transcript_er_support_settings() -> None:
    assert ("setting", "intensive care unit") in supported_concepts(
        "He's going to the cardiac unit once a bed's ready."
    )
    for context in ("They took me into the er.", "The ambulance came at noon."):
        assert ("setting", "emergency department") in supported_concepts(context), context


def test_unrelated_input_does_not_support_settings() -> None:
    found = supported_concepts("Her heart rate was fine; the error was mine.")
    assert ("setting", "emergency department") not in found
    assert ("setting", "intensive care unit") not in found


# --- ages -----------------------------------------------------------------------------------------


def test_months_in_twelfths_are_no_age() -> None:
    assert ages("8/12 F, first UTI") == []
    assert ages("10/12 M with eczema") == []


def test_an_age_with_sex_is_still_read() -> None:
    assert ages("72F, lives alone") == [(72, 0, 3)]
    found = run_rule(RULE, "8/12 F, first UTI.", "Mother: She's eight months old and feverish.")
    assert not [f for f in found if "age" in f.message]


# --- an age a written input never gives ----------------------------------------------------------

NOTE = "Clinic review. Itchy rash on both forearms after gardening. Prescribed an emollient."
OUTPUT = "67-year-old with an itchy rash on both forearms."


def age_risks(output: str, context: str) -> list[int]:
    """The risks of entities.v1's "age ... is not stated" findings."""
    found = run_rule(RULE, output, context)
    return [int(f.risk) for f in found if f.rule == RULE and "is not stated" in f.message]


def test_an_age_a_written_note_never_gives_is_graded_3() -> None:
    assert age_risks(OUTPUT, NOTE) == [3]


def test_an_age_a_conversation_never_says_stays_at_2() -> None:
    # the writer of a visit's note takes the age from the record, not from what is said
    dialogue = "Doctor: What is bothering you?\nPatient: An itchy rash on my forearms."
    assert age_risks(OUTPUT, dialogue) == [2]


def test_a_date_of_birth_keeps_an_unstated_age_at_2() -> None:
    assert age_risks(OUTPUT, "DOB 02/03/1958. " + NOTE) == [2]


def test_the_decade_of_the_age_supports_it() -> None:
    assert age_risks(OUTPUT, "Woman in her sixties. " + NOTE) == []
    assert age_risks(OUTPUT, "Woman in her late 60s. " + NOTE) == []
    assert age_risks(OUTPUT, "Woman in her fifties. " + NOTE) == [3]  # another decade


# --- how the consultation took place -------------------------------------------------------------

PHONE = "Doctor: Hi, it's Dr Osei calling for your phone appointment.\nPatient: Yes, I'm at home."


def encounter(output: str, context: str) -> list[int]:
    """The risks of entities.v1's consultation-mode findings."""
    found = run_rule(RULE, output, context)
    return [int(f.risk) for f in found if f.rule == RULE and f.message.startswith("setting: '")]


def test_in_person_against_a_remote_consultation_is_graded_3() -> None:
    assert encounter("Seen in clinic with her son. Itchy rash.", PHONE) == [3]
    assert encounter("Home visit. COPD flare.", "Telephone consultation. COPD flare.") == [3]
    assert encounter("Telephone review. Rash.", "Seen in clinic. Rash on hands.") == [3]


def test_same_mode_or_another_contact_is_no_finding() -> None:
    assert encounter("Telephone consult. Itchy rash.", PHONE) == []
    assert encounter("Seen in clinic. Rash. Telephone review in 2 weeks.", "Seen in clinic.") == []
    later = "Rash on hands. We will do a phone call next week."
    assert encounter("Seen in clinic. Rash.", later) == []
    assert encounter("Seen in clinic. Rash.", "Clinic letter. Rash on hands.") == []
