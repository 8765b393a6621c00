"""Issue 13, session 7: false alarms of the rules other than compare.v1 and negation.v1 on
faithful reference notes (ACI-Bench and MTS-Dialog development notes).

Each test is a cause read by hand on flagged reference notes (bench/RESULTS.md, "Faithful
reference notes left alone ... helper C, session 7"), written as a small case of our own, with
a control: the true disagreement of the same form that the rule must still report.
"""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - registers the rules
from medfact.analysis import Analyzer, fraction_digits
from medfact.segment import segment
from medfact.testing import run_rule


def _values(text: str) -> list[tuple[float, str | None]]:
    doc = Analyzer(drugs=False)(text, segment(text))
    return [(round(q.value, 4), q.unit) for q in doc.quantities]


def _flags(rule: str, output: str, context: str, at_least: int = 3) -> list[str]:
    return [f.message for f in run_rule(rule, output, context) if f.risk >= at_least]


# --- numbers as a transcript writes them --------------------------------------------------------


def test_a_decimal_point_written_as_a_full_stop_joins_the_two_halves() -> None:
    assert _values("[doctor] you're on two . five of norvasc for your blood pressure .") == [
        (2.5, None)
    ]
    assert _values("[doctor] i want to add aldactone twelve . five milligrams daily .") == [
        (12.5, "mg")
    ]
    assert _values("[doctor] use clobetasol that's a zero . zero five percent solution") == [
        (0.05, "%")
    ]
    assert _values("[doctor] it does show a . five centimeter kidney stone") == [(0.5, "cm")]


def test_a_full_stop_between_a_number_and_a_new_sentence_is_no_point() -> None:
    # a time after the stop, a capital, or no unit: two numbers, as before
    assert _values("i was there until two . five days later it hurt") == [
        (2.0, None),
        (5.0, "d"),
    ]
    assert _values("I saw him at 5 . Five mg was given.") == [(5.0, None), (5.0, "mg")]
    assert _values("we had two . five of us came") == [(2.0, None), (5.0, None)]


def test_a_leading_point_and_digit_groups_after_a_spoken_point() -> None:
    assert _values("your creatinine was .7 not .8") == [(0.7, None), (0.8, None)]
    assert _values("he takes point one twenty five M G of Xanax") == [(0.125, "mg")]
    assert _values("take point twenty five mg") == [(0.25, "mg")]
    assert fraction_digits(["zero", "five"]) == "05"
    assert fraction_digits(["five", "hundred"]) is None


def test_half_an_hour_is_a_time() -> None:
    assert _values("after about a half an hour i was short of breath") == [(0.5, "h")]


def test_transcript_doses_agree_with_the_note_and_a_changed_dose_is_still_caught() -> None:
    context = (
        "[doctor] you're on two . five of norvasc for your blood pressure . [patient] yes .\n"
        "[doctor] i want to add aldactone twelve . five milligrams daily ."
    )
    assert not _flags("numbers.v1", "Norvasc 2.5 mg daily. Aldactone 12.5 mg daily.", context)
    assert _flags("numbers.v1", "Norvasc 2.5 mg daily. Aldactone 25 mg daily.", context)
    lab = "[doctor] your creatinine was .7 not .8 so you're doing well ."
    assert not _flags("numbers.v1", "Creatinine 0.7.", lab)
    assert _flags("numbers.v1", "Creatinine 7.", lab)


# --- laterality.v1 ----------------------------------------------------------------------------


def test_both_sides_named_supports_either_side_and_bilateral() -> None:
    context = (
        "[doctor] which elbow is it ?\n"
        "[patient] actually it's both my elbows but my right elbow is hurting me the most ."
    )
    assert not _flags("laterality.v1", "Bilateral elbow pain, right worse than left.", context)
    assert not _flags("laterality.v1", "Examination of the left elbow: minimal pain.", context)
    # control: a part named on one side only
    one = "[patient] my right elbow is hurting me the most ."
    assert _flags("laterality.v1", "Bilateral elbow pain.", one)
    assert _flags("laterality.v1", "Left elbow pain.", one)


def test_a_plural_or_either_part_is_both_sides() -> None:
    hips = "[doctor] let me look at the hips . [doctor] pain in the right hip with rotation ."
    assert not _flags("laterality.v1", "Bilateral hip exam: pain in the right hip.", hips)
    breast = (
        "[patient] there was a lump under my left breast .\n"
        "[doctor] i do not feel any mass on either breast ."
    )
    assert not _flags("laterality.v1", "Bilateral breast incisions well healed.", breast)
    only_left = "[patient] there was a lump under my left breast ."
    assert _flags("laterality.v1", "Bilateral breast incisions well healed.", only_left)


def test_a_side_denied_where_the_input_affirms_the_other_is_consistent() -> None:
    context = "[doctor] you do have pain with palpation on the medial aspect of that right knee ."
    out = "Right knee: no pain to palpation of the lateral aspect of the right knee."
    assert not _flags("laterality.v1", out, context)
    # control: the finding itself moved to the other side
    moved = "Right knee: pain to palpation of the lateral aspect of the right knee."
    assert _flags("laterality.v1", moved, context)


def test_regions_hold_their_parts_in_the_plural_and_arteries() -> None:
    hands = "[doctor] i'd like you to squeeze both hands for me ."
    assert not _flags("laterality.v1", "EMG of the bilateral upper extremities.", hands)
    radial = "[doctor] i don't see any swelling on your right radial artery cath site ."
    assert not _flags("laterality.v1", "Right upper extremity: no swelling.", radial)
    assert _flags("laterality.v1", "No swelling at the left radial artery cath site.", radial)


def test_the_low_back_is_the_lumbar_spine() -> None:
    context = (
        "[doctor] examination of the cervical spine , no tenderness .\n"
        "[doctor] exam of the low back . range of motion is decreased ."
    )
    assert not _flags("laterality.v1", "Lumbar spine exam: range of motion decreased.", context)
    neck = "[doctor] examination of the cervical spine , no tenderness ."
    assert _flags("laterality.v1", "Lumbar spine exam: no tenderness.", neck)
