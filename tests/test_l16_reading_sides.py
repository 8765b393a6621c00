"""A side word finds its part within its own clause, session 16 (helper RB), from a false alarm
on a real clinician note. Small texts written for these tests.

"Osteoarthritis of the knees bilaterally, h/o retinal tear": the side after the knees is
theirs; the analysis gave it to the eye after the comma, and laterality.v1 flagged a side the
input never gave the eye. A side written before its part ("left knee") is read as before.
"""

from __future__ import annotations

from medfact.testing import analysed, run_rule

_KNEES = (
    "Doctor: I see from your reports that you have arthritis in both knees, and you had a "
    "retinal tear years ago. Patient: Yes, that's right."
)


def _side_parts(text: str) -> list[tuple[str, str]]:
    return [(s.side, s.anatomy) for s in analysed(text, "Patient: Hello.").output.sides]


def test_a_side_is_not_given_to_a_part_past_a_comma() -> None:
    assert not any(
        part == "eye" or "retin" in part
        for _, part in _side_parts("Osteoarthritis of the knees bilaterally, h/o retinal tear.")
    )


def test_side_after_its_part_agrees_with_the_input() -> None:
    output = "Osteoarthritis of the knees bilaterally, h/o retinal tear."
    assert not [f for f in run_rule("laterality.v1", output, _KNEES) if f.risk >= 3]


def test_side_before_its_part_is_still_read() -> None:
    assert ("left", "knee") in _side_parts("Osteoarthritis of the left knee, h/o retinal tear.")


def test_wrong_side_before_its_part_is_still_caught() -> None:
    context = (
        "Doctor: I see you have arthritis in your right knee, and you had a retinal tear. "
        "Patient: Yes."
    )
    output = "Osteoarthritis of the left knee, h/o retinal tear."
    assert [f for f in run_rule("laterality.v1", output, context) if f.risk >= 3]
