"""Session 14 (helper K): dialogue answers corrected later in the turn or by a third speaker,
and a loss of consciousness in a note's and a speaker's words."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - registers the rules
from medfact.testing import run_rule


def _flips(output: str, context: str) -> list[str]:
    return [f.message for f in run_rule("negation.v1", output, context)]


_HEDGED = (
    "Doctor: Have you had any thoughts of ending your life lately?\n"
    "Patient: No... well. Sometimes late at night I wish I just wouldn't wake up.\n"
    "Doctor: Thank you for telling me."
)


def test_a_no_the_speaker_hedges_then_takes_back_with_a_yes_of_degree_is_a_yes() -> None:
    found = _flips("Denies suicidal thoughts.", _HEDGED)
    assert len(found) == 1 and "suicid" in found[0]
    # twin: the output that keeps the passive wish is no flip
    assert _flips("Passive suicidal thoughts at night.", _HEDGED) == []
    # control: a plain no, then another matter said with "sometimes", stays a no
    plain = _HEDGED.replace("No... well. Sometimes", "No. Sometimes")
    assert _flips("Denies suicidal thoughts.", plain) == []


_WITNESS = (
    "Doctor: Did you pass out when you came off the bike?\n"
    "Patient: I don't think so, I just remember the road.\n"
    "Husband: You were out. I couldn't wake you for about a minute.\n"
    "Doctor: Any headache now?\n"
    "Patient: A bit."
)


def test_a_third_speaker_who_states_as_fact_what_was_asked_settles_the_answer() -> None:
    found = _flips("Cycling accident. No loss of consciousness. Mild headache.", _WITNESS)
    assert len(found) == 1 and "negated here" in found[0]
    # twin: the output that keeps it
    assert _flips("Cycling accident. LOC ~1 min (husband). Mild headache.", _WITNESS) == []
    # control: a witness who denies, or speaks of something else, settles nothing
    denied = _WITNESS.replace("You were out. I couldn't", "You weren't out. I could")
    assert _flips("Cycling accident. No loss of consciousness. Mild headache.", denied) == []
    other = _WITNESS.replace("You were out.", "I got there later.")
    assert _flips("Cycling accident. No loss of consciousness. Mild headache.", other) == []


_KNOCKED = (
    "Nurse: did she cry straight after the fall\n"
    "Mum: yes right away she didn't knock herself out\n"
    "Nurse: any vomiting\n"
    "Mum: no"
)


def test_a_note_s_loss_of_consciousness_is_the_speaker_s_knocked_herself_out() -> None:
    assert len(_flips("Fall. Brief LOC, then cried. No vomiting.", _KNOCKED)) == 1
    # twin: the denial kept in the note's words
    assert _flips("Fall. Cried at once, no LOC. No vomiting.", _KNOCKED) == []
    # control: a tooth knocked out is no loss of consciousness
    tooth = "Mum: she fell off the swing and her front tooth got knocked out"
    assert _flips("Fall from swing, tooth avulsed. No LOC.", tooth) == []


def test_poor_sleep_is_told_by_its_degree_not_a_flip_of_i_don_t_sleep() -> None:
    ctx = "Patient: since the divorce I don't sleep, maybe three hours"
    assert _flips("Low mood; poor sleep (~3 h).", ctx) == []
    # twin: sleep said normal against the denial is still a flip
    assert len(_flips("Sleep normal.", ctx)) == 1


_TAKEN_BACK = (
    "[doctor] any operations in the past\n"
    "[patient] no i've never had surgery actually no let me change that actually i did have "
    "surgery on my wrist when i was twelve"
)


def test_a_denial_taken_back_later_in_the_same_sentence_is_affirmed() -> None:
    assert _flips("Past surgical history: wrist surgery aged 12.", _TAKEN_BACK) == []
    # twin: the note that keeps the first denial contradicts the correction
    assert len(_flips("No previous surgery.", _TAKEN_BACK)) == 1
    # control: a denial with no take-back stays a denial
    plain = "[doctor] any operations in the past\n[patient] no i've never had surgery"
    assert len(_flips("Past surgical history: wrist surgery aged 12.", plain)) == 1
