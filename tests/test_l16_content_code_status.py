"""Session 16 (helper RA): code status in a patient's own words.

"I do not want to be resuscitated" is a DNR wish; "from now on, only comfort" is care for comfort
only. Each reading has a control that failed before it and a twin, a code status the input
contradicts or never gives, that must still be found.
"""

from __future__ import annotations

from medfact.testing import run_rule


def _code(output: str, context: str) -> list[tuple[int, str]]:
    found = run_rule("entities.v1", output, context)
    return [(int(f.risk), f.message) for f in found if f.message.startswith("code status")]


_NO_RESUS = "Patient: I have decided I do not want to be resuscitated if my heart stops."


def test_a_wish_not_to_be_resuscitated_is_a_dnr() -> None:
    assert _code("Code status: DNR.", _NO_RESUS) == []
    # twin: full code against that wish is a contradiction
    assert any(r == 4 for r, _ in _code("Code status: full code.", _NO_RESUS))
    # and a DNR where the input says nothing of it is still made up
    assert _code("Code status: DNR.", "Patient: My knee hurts when I climb stairs.")


_COMFORT = "Patient: No more chemo for me. From now on, only comfort."


def test_comfort_only_in_a_patients_words_supports_comfort_care() -> None:
    assert _code("Plan: comfort care measures.", _COMFORT) == []
    # twin: full code against it is a contradiction; comfort care from nothing is made up
    assert any(r == 4 for r, _ in _code("Full code.", _COMFORT))
    assert _code("Plan: comfort care measures.", "Patient: No more chemo for me.")
