"""laterality.v1: a movement the output gives one direction ("midline shift to the right")
that the input gives only the other ("leftward midline shift") is a side swapped, whichever
way round each side writes it (anatomy.movements, session 20, helper J)."""

from __future__ import annotations

from medfact.testing import run_rule


def _sides(output: str, context: str) -> list[str]:
    return [f.message for f in run_rule("laterality.v1", output, context)]


def test_shift_to_the_right_against_a_leftward_shift_is_caught() -> None:
    context = "CT head: subdural haematoma with 7 mm leftward midline shift."
    assert any("movement to the left" in m for m in _sides("Midline shift to the right.", context))


def test_a_rightward_word_against_shift_to_the_left_is_caught() -> None:
    context = "CXR: mediastinal shift to the left."
    assert any("movement to the left" in m for m in _sides("Rightward mediastinal shift.", context))


def test_the_same_direction_either_way_round_agrees() -> None:
    context = "CT head: subdural haematoma with 7 mm leftward midline shift."
    assert not _sides("Midline shift to the left (7 mm).", context)


def test_another_kind_of_movement_is_not_compared() -> None:
    context = "Exam: trachea deviated to the right. CT: no midline shift."
    assert not _sides("Neck rotation to the left is painful.", context)


def test_both_directions_in_the_input_agree_with_either() -> None:
    context = "Neck rotation to the left is full; rotation to the right is limited by pain."
    assert not _sides("Painful rotation to the right.", context)
