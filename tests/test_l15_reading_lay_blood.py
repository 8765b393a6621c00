"""A bare "blood" read by the site its question names (session 15, helper C1): "Are you bringing
anything up?" - "No blood" denies haemoptysis; "any problems passing urine?" - "some blood"
tells of haematuria. Each with a control that must be left alone. Small texts written for
these tests."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.analysis import concept_key
from medfact.testing import analysed, run_rule
from medfact.types import Finding


def flips(output: str, context: str) -> list[Finding]:
    """negation.v1's findings at risk 3 or more."""
    return [f for f in run_rule("negation.v1", output, context) if f.risk >= 3]


_SPUTUM = (
    "Doctor: Is the cough bringing anything up?\nPatient: Greenish stuff. "
    "There's been no blood though.\nDoctor: Any fever?\nPatient: No."
)


def test_blood_after_a_sputum_question_is_haemoptysis() -> None:
    doc = analysed("x", _SPUTUM).context
    assert concept_key("haemoptysis") in {t.stem for t in doc.tokens if t.text == "blood"}


def test_haemoptysis_affirmed_against_denied_blood_in_sputum_is_caught() -> None:
    assert flips("Productive cough, green sputum, with haemoptysis. No fever.", _SPUTUM)
    assert not flips("Productive cough, green sputum, no haemoptysis. No fever.", _SPUTUM)


_URINE = "Doctor: Any trouble passing urine?\nPatient: It stings, and I saw some blood."


def test_blood_after_a_urine_question_is_haematuria() -> None:
    assert flips("Dysuria; no haematuria.", _URINE)
    assert not flips("Dysuria and visible haematuria.", _URINE)


def test_blood_with_no_site_or_as_a_test_stays_blood() -> None:
    doc = analysed("x", "Doctor: We'll take some blood tests today and check your urine.").context
    assert {t.stem for t in doc.tokens if t.text == "blood"} == {"blood"}
    two = analysed("x", "Patient: I cough a lot and my urine has blood in it.").context
    assert {t.stem for t in two.tokens if t.text == "blood"} == {"blood"}
