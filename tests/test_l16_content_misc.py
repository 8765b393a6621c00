"""Session 16 (helper RA): smaller readings of what an input supports or a note leaves out.

- "Sisters (HTN)": a relative, plural, before a bracket, names whose condition it is.
- "they took some fluid out of your back": the lay account of a lumbar puncture.
- "J A K two": the last letter of a spelled-out name, no potassium of two.
- "I take Keppra for my seizures": a condition a drug treats, no red-flag event to keep.
- "G C S F": a drug abbreviation spelled out letter by letter supports "G-CSF".

Each reading has a control that failed before it and a twin that must still be found.
"""

from __future__ import annotations

from medfact.testing import run_rule


def _messages(rule: str, output: str, context: str) -> list[str]:
    return [f.message for f in run_rule(rule, output, context) if f.risk >= 3]


_FAMILY = "Patient: My sisters all have blood pressure issues, and my mom has sugar problems."


def test_a_plural_relative_before_a_bracket_owns_the_condition() -> None:
    assert _messages("entities.v1", "Sisters (HTN), no DM in relatives.", _FAMILY) == []
    # twin: the same condition given as the patient's own has no support
    assert _messages("entities.v1", "PMH: HTN.", _FAMILY)


def test_fluid_taken_from_the_back_supports_a_lumbar_puncture() -> None:
    tapped = "Doctor: In the ER they took some fluid out of your back to test it."
    assert _messages("entities.v1", "Lumbar puncture done in the ER.", tapped) == []
    # twin: blood taken is no lumbar puncture
    bloods = "Doctor: In the ER they took some blood to test it."
    assert _messages("entities.v1", "Lumbar puncture done in the ER.", bloods)


def test_a_spelled_out_name_ending_in_k_is_no_potassium() -> None:
    spelled = "Doctor: Your tests say you are J A K two positive, with high red cell counts."
    assert _messages("omission.v1", "JAK2-positive polycythaemia.", spelled) == []
    # twin: a potassium of two said as such is a critical value to keep
    low = "Doctor: Your K is two point one this morning, which is dangerously low."
    assert any("potassium" in m for m in _messages("omission.v1", "Seen on the ward.", low))


def test_a_red_flag_a_drug_is_taken_for_is_no_event() -> None:
    treated = "Patient: I take Keppra for my seizures and amlodipine for blood pressure."
    assert _messages("omission.v1", "Meds: levetiracetam, amlodipine.", treated) == []
    # twin: a seizure that happened is a red flag the note must keep
    event = "Patient: I take Keppra and amlodipine. I had a seizure this morning."
    assert any("seizure" in m for m in _messages("omission.v1", "Meds: Keppra.", event))


def test_a_drug_spelled_out_letter_by_letter_supports_its_abbreviation() -> None:
    spelled = "Doctor: We gave you G C S F shots to boost your white counts."
    assert _messages("drugs.v1", "She received G-CSF support.", spelled) == []
    # twin: the same drug where the input names no drug at all is made up
    plain = "Doctor: We gave you some shots to boost your white counts."
    assert _messages("drugs.v1", "She received G-CSF support.", plain)
