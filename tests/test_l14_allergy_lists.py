"""Session 14: allergy lists read as a clinician writes them - an allergen that is a phrase
("adhesive dressings"), a list's status word ("Confirmed allergies:"), a reaction the patient
denies, an intolerance given with its rash, a child sent to A&E - each with a control that a
changed or dropped allergy is still reported."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - registers the rules
from medfact.testing import analysed, run_rule
from medfact.verifiers.entities import allergies, reacted_drugs


def _risky(rule: str, output: str, context: str) -> list[str]:
    return [f.message for f in run_rule(rule, output, context) if f.risk >= 3]


def test_an_allergen_phrase_matches_the_answer_by_any_of_its_words() -> None:
    ctx = (
        "Nurse: Taking anything regularly?\nPatient: Just the ferrous sulfate.\n"
        "Nurse: Any allergies at all?\nPatient: Um, plasters, they bring me out in a rash."
    )
    assert _risky("entities.v1", "Allergy: sticking plasters (rash).", ctx) == []
    assert _risky("entities.v1", "Allergy: adhesive plaster - rash.", ctx) == []
    # control: an allergen the answer does not open with is still a changed allergy
    assert _risky("entities.v1", "Allergy: latex gloves (rash).", ctx) != []
    assert _risky("entities.v1", "Allergy: sticking tape (rash).", ctx) != []


def test_a_status_word_before_allergies_is_no_allergen() -> None:
    ctx = "Allergy review: the label of latex allergy was confirmed; trimethoprim allergy removed."
    out = "Confirmed allergies: latex. Trimethoprim label removed."
    doc = analysed(out, ctx).output
    assert [a.allergen for a in allergies(doc)] == ["latex"]
    out2 = "Remaining allergies: latex (skin testing positive)."
    assert [a.allergen for a in allergies(analysed(out2, ctx).output)] == ["latex"]
    # control: a drug word before "allergy" is still its allergen
    doc3 = analysed("Ibuprofen allergy: wheeze.", ctx).output
    assert [a.allergen for a in allergies(doc3)] == ["ibuprofen"]


def test_a_reaction_the_speaker_denies_is_no_allergic_reaction() -> None:
    ctx = (
        "Doctor: Anything you react to?\nPatient: Tramadol makes me dizzy and sick, "
        "but I never had a rash or anything with it."
    )
    assert "tramadol" not in reacted_drugs(analysed("x", ctx).context)
    assert _risky("entities.v1", "Tramadol - intolerance (dizziness, vomiting).", ctx) == []
    # control: a rash affirmed makes the intolerance an understatement
    said = "Doctor: Anything you react to?\nPatient: Tramadol, I came out in a rash all over."
    assert _risky("entities.v1", "Tramadol - intolerance (nausea).", said) != []


def test_an_intolerance_given_with_its_rash_keeps_the_allergic_reaction() -> None:
    ctx = "Patient: the doxycycline gave me an upset stomach and a rash on my arms."
    assert _risky("entities.v1", "Allergy: doxycycline (GI upset + rash).", ctx) == []
    # control: the reaction given as the upset alone, or its rash played down, is reported
    assert _risky("entities.v1", "Allergy: doxycycline (GI upset).", ctx) != []
    swollen = "Patient: the doxycycline made my lips swell up and gave me a rash."
    assert _risky("entities.v1", "Doxycycline: nausea + mild rash.", swollen) != []


def test_a_relative_told_to_take_the_patient_to_a_and_e_is_advice_not_a_reaction() -> None:
    ctx = (
        "Doctor: If she needs the salbutamol more than every three hours, take her to "
        "A&E.\nMother: Okay."
    )
    assert reacted_drugs(analysed("x", ctx).context) == {}
    # control: a drug after which the child went to A&E is still a reaction
    went = "Mother: after the amoxicillin her face swelled and we had to take her to A&E."
    assert "amoxicillin" in reacted_drugs(analysed("x", went).context)
