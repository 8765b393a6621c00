"""Done vs planned in note shorthand (session 15, helper C1): "(not yet done)" is no claim that
a test was done. Small texts written for these tests."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.testing import run_rule
from medfact.types import Finding

_NOT_YET = "Doctor: Have you had the gastroscopy yet?\nPatient: No, not yet, it's on the 21st."


def done_for_planned(output: str, context: str) -> list[Finding]:
    """temporal.v1's done-vs-planned findings at risk 3 or more."""
    found = run_rule("temporal.v1", output, context)
    return [f for f in found if f.message.startswith("done vs planned") and f.risk >= 3]


def test_not_yet_done_is_no_claim() -> None:
    assert not done_for_planned("Gastroscopy booked for the 21st (not yet done).", _NOT_YET)
    assert not done_for_planned("Gastroscopy on the 21st, yet to be done.", _NOT_YET)


def test_done_is_still_a_claim() -> None:
    assert done_for_planned("Gastroscopy done; result awaited.", _NOT_YET)
