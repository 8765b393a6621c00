"""Session 16 (helper RA): allergy statements read by their allergen, not by the words of number,
kind or address around it ("a lot of pain medicines", "what they call X", "Yes sir", "all
allergies", "negative allergies").

Each reading has a control that failed before it and a twin, a true allergy error of the same
shape, that must still be found.
"""

from __future__ import annotations

from medfact.testing import run_rule


def _messages(output: str, context: str) -> list[str]:
    found = run_rule("entities.v1", output, context) + run_rule("omission.v1", output, context)
    return [f.message for f in found if f.risk >= 3]


_MANY = "Patient: I get bad reactions, I'm allergic to a lot of pain medicines."


def test_words_of_number_before_the_allergen_are_skipped() -> None:
    assert _messages("Allergies to several pain medicines.", _MANY) == []
    # twin: a named drug the input never gives as an allergen is still a changed allergen
    assert any("penicillin" in m for m in _messages("Allergy to penicillin.", _MANY))


_CALLED = "Nurse: Any allergies?\nPatient: I am allergic to what they call amoxicillin."


def test_what_they_call_names_the_allergen_after_it() -> None:
    assert _messages("Amoxicillin.", _CALLED) == []
    found = _messages("No known allergies.", _CALLED)
    assert any("'amoxicillin'" in m for m in found)
    assert not any("'what'" in m for m in found)


_SIR = "Doctor: Any allergies?\nPatient: Yes sir, to codeine."


def test_a_form_of_address_after_yes_is_no_allergen() -> None:
    assert _messages("Allergic to codeine.", _SIR) == []
    # twin: the allergy written away is still found, by its drug
    assert any("'codeine'" in m for m in _messages("No known drug allergies.", _SIR))


_ALL = (
    "Doctor: Do you have any allergies?\nPatient: No.\n"
    "Doctor: I mean all allergies, food too.\nPatient: Still no."
)


def test_all_allergies_asked_about_is_no_allergy_to_all() -> None:
    assert _messages("Allergies: none known.", _ALL) == []
    # twin: an allergy the input denies is still a finding
    assert any("'eggs'" in m for m in _messages("Allergic to eggs.", _ALL))


def test_significant_before_allergies_is_no_allergen() -> None:
    context = "Doctor: Allergies?\nPatient: Cats, badly."
    assert _messages("Significant allergies, including cat dander.", context) == []


_NEGATIVE = "ROS: negative allergies. Pain in the left hip."


def test_negative_allergies_reads_as_none() -> None:
    assert _messages("No allergies.", _NEGATIVE) == []
    # twin: an allergy written where the input says none is still found
    assert any("morphine" in m for m in _messages("Allergic to morphine.", _NEGATIVE))
