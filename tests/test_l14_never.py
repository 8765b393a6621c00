"""Session 14 (helper K): "never" denies the patient's past as well as now."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - registers the rules
from medfact.testing import run_rule

_ASTHMA = (
    "Mother: he's been on the ward twice with his chest but he's never been in intensive care\n"
    "Doctor: and today he's using his blue inhaler every two hours"
)


def _flips(output: str, context: str) -> list[str]:
    return [f.message for f in run_rule("negation.v1", output, context)]


def test_a_past_event_written_where_the_input_says_never_is_a_flip() -> None:
    found = _flips("Asthma: 2 ward admissions, one previous ICU stay.", _ASTHMA)
    assert len(found) == 1 and "icu" in found[0]
    # twin: the note that keeps "never"
    assert _flips("Asthma: 2 ward admissions, never ICU.", _ASTHMA) == []
    # control: a plain "no" of now does not deny a past stay
    now = "Doctor: is he in intensive care now\nMother: no, he's on the ward"
    assert _flips("Previous ICU admission.", now) == []
