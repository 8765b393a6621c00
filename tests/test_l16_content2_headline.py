"""Session 16 (helper RA2): an output that is a headline (one sentence of a few words, naming no
drug, denying nothing, no list, and a small part of a longer input: a chief complaint or reason
for visit, "Here for a repeat prescription.") is not expected to list the input's drugs: a
high-alert drug it leaves out is graded as any left-out drug (2), not as an active high-alert
medication dropped (3). A longer note, a short list, or a headline that denies ("No
medications.") still is.
"""

from __future__ import annotations

from medfact.testing import run_rule

_CONTEXT = (
    "Doctor: What can I do for you today?\n"
    "Patient: I've run out of my oxycodone, I take it for my back, ten milligrams twice a day.\n"
    "Doctor: Any side effects?\n"
    "Patient: A bit of constipation, nothing else.\n"
    "Doctor: And how is the back itself these days?\n"
    "Patient: About the same as last winter, I can still get to the shops and back."
)


def _omission_risks(output: str) -> list[int]:
    return [int(f.risk) for f in run_rule("omission.v1", output, _CONTEXT)]


def test_a_headline_need_not_list_a_high_alert_drug() -> None:
    assert max(_omission_risks("Here for a repeat prescription."), default=0) <= 2
    assert max(_omission_risks("Ran out of pain tablets."), default=0) <= 2


def test_a_longer_note_still_drops_the_high_alert_drug() -> None:
    note = (
        "Patient attends for a repeat prescription of his regular analgesia for chronic back "
        "pain. Reports mild constipation and no other side effects."
    )
    assert max(_omission_risks(note)) >= 3


def test_a_headline_that_denies_still_drops_it() -> None:
    assert max(_omission_risks("No regular medications.")) >= 3


def test_a_short_list_is_a_summary_not_a_headline() -> None:
    assert max(_omission_risks("Chronic back pain; constipation.")) >= 3
