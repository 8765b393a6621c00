"""Session 13 (helper C3): missed catches of sides, comparisons, routes, time; with controls."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports the compare stage
from medfact.testing import run_rule


def _messages(rule: str, output: str, context: str) -> list[str]:
    return [f.message for f in run_rule(rule, output, context) if f.risk >= 3]


# -- a side given alone, as an answer --------------------------------------------------------------

_SHOWN = (
    "Doctor: Can you show me where you felt it?\n"
    "Patient: Here, on the left, sort of up and towards the middle.\n"
    "Doctor: I can feel a firm lump. The other breast feels normal."
)


def test_a_part_on_the_side_the_answer_does_not_give_is_a_swap() -> None:
    found = _messages("laterality.v1", "Right breast lump, firm.", _SHOWN)
    assert any("left side only" in m for m in found)
    # control: the side the answer gives
    assert _messages("laterality.v1", "Left breast lump, firm.", _SHOWN) == []


def test_handedness_and_questions_give_no_side() -> None:
    ctx = (
        "Doctor: And it's the wrist that hurts? Is it the left?\n"
        "Mother: Just the wrist. He's right-handed, thank goodness."
    )
    assert _messages("laterality.v1", "R wrist pain.", ctx) == []
    assert _messages("laterality.v1", "L wrist pain.", ctx) == []


def test_both_sides_answered_leave_the_side_open() -> None:
    ctx = "Doctor: Where does it hurt?\nPatient: On the left. And my right, a bit, too."
    assert _messages("laterality.v1", "R knee pain.", ctx) == []


def test_a_denied_side_or_one_the_input_words_in_a_question_is_not_swapped() -> None:
    ctx = (
        "Doctor: Does it ever go over to the left at all?\n"
        "Patient: Nope. The pain is on the right side, right after the accident."
    )
    assert _messages("laterality.v1", "Pain in the left leg.", ctx) == []
    # control: without the question, the other side is a swap, and a denial of it is not
    alone = "Patient: The pain is on the right side, right after the accident."
    assert _messages("laterality.v1", "Pain in the left leg.", alone) != []
    assert _messages("laterality.v1", "She denies any left leg symptoms.", alone) == []


# -- values written as a change the input gives the other way -------------------------------------


def test_a_trend_written_backwards_is_a_false_comparison() -> None:
    ctx = "Deficits: right arm weakness 2/5. NIHSS 9 (from 14). HbA1c 71 mmol/mol, up from 58."
    found = _messages("comparison.v1", "NIHSS 9 -> 14.", ctx)
    assert any("other way" in m for m in found)
    assert any("other way" in m for m in _messages("comparison.v1", "HbA1c 71, down from 58.", ctx))
    # controls: the same change the same way
    assert _messages("comparison.v1", "NIHSS 14 -> 9.", ctx) == []
    assert _messages("comparison.v1", "HbA1c 71, up from 58.", ctx) == []


def test_values_in_timed_order_give_the_direction_and_a_look_back_does_not() -> None:
    timed = "Lactate 4.8 mmol/L at 08:00, 2.9 at 14:00."
    found = _messages("comparison.v1", "Lactate 2.9 (08:00) → 4.8 (14:00).", timed)
    assert any("other way" in m for m in found)
    assert _messages("comparison.v1", "Lactate 4.8 (08:00) → 2.9 (14:00).", timed) == []
    # control: "previously" names the earlier value although it comes second
    back = "Platelets 310, previously 280 at 08:00."
    assert _messages("comparison.v1", "Plt 280 -> 310.", back) == []
    assert (
        _messages("comparison.v1", "Recheck in 30 min from 1012.", "Started 30 minutes at 1012.")
        == []
    )


# -- buccal and enteral routes ---------------------------------------------------------------------


def test_a_buccal_or_tube_route_is_a_route() -> None:
    cheek = "Mother: The midazolam, in his cheek, between the gum and the cheek. 7.5 milligrams."
    found = _messages("route.v1", "Intramuscular midazolam 7.5 mg.", cheek)
    assert any("buccal" in m for m in found)
    assert _messages("route.v1", "Buccal midazolam 7.5 mg.", cheek) == []
    tube = "Swallow failed - NBM, NG tube placed. Aspirin 300 mg via NG daily."
    assert any("enteral" in m for m in _messages("route.v1", "Aspirin 300 mg orally.", tube))
    assert _messages("route.v1", "Aspirin 300 mg OD via NG.", tube) == []


# -- a dated "had" without an article is past ------------------------------------------------------


def test_a_dated_had_is_past_and_an_undated_one_is_not() -> None:
    ctx = "She had pulmonary tuberculosis in 2004, fully treated. Chronic cough."
    found = _messages("temporal.v1", "Active pulmonary TB.", ctx)
    assert any("current vs past" in m for m in found)
    assert _messages("temporal.v1", "Pulmonary TB in 2004, treated.", ctx) == []
    # control: "had" with no date in its clause gives no time
    assert (
        _messages("temporal.v1", "Active pulmonary TB.", "She had pulmonary TB, on therapy.") == []
    )
