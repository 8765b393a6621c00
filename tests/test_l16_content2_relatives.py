"""Session 16 (helper RA2): a note's condition written as a relative's in forms the relative
readings missed: a grandparent's short name in capitals before a bracket or colon ("PGM (CAD)"),
and a side of the family after the condition ("CAD on the paternal side"). A condition the
input gives for a relative only is then no fabrication; one stated of the patient still is.
"""

from __future__ import annotations

from medfact.testing import run_rule

_FAMILY = (
    "Doctor: Anything that runs in the family?\n"
    "Patient: My grandmother on my dad's side had two heart attacks, and so did a few of my "
    "dad's cousins."
)


def _entity_messages(output: str, context: str = _FAMILY) -> list[str]:
    return [f.message for f in run_rule("entities.v1", output, context) if f.risk >= 3]


def test_a_grandparent_short_name_owns_the_condition() -> None:
    assert _entity_messages("PGM (CAD).") == []
    assert _entity_messages("PGM: coronary artery disease.") == []


def test_a_side_of_the_family_after_the_condition_owns_it() -> None:
    assert _entity_messages("Coronary artery disease on the paternal side.") == []
    assert _entity_messages("Strong history of CAD in the family.") == []


def test_a_dose_before_a_bracket_is_no_grandparent() -> None:
    # twin: "MG" after a number is milligrams; the condition is the patient's, made up
    assert any("CAD" in m for m in _entity_messages("Aspirin 75 MG (CAD)."))


def test_the_patients_own_condition_is_still_unsupported() -> None:
    # twins: the same condition stated of the patient
    assert any("CAD" in m for m in _entity_messages("History of CAD."))
    assert any("CAD" in m for m in _entity_messages("CAD on the cardiology list."))
