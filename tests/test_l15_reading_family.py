"""A relative's condition given as the patient's, read by the condition named whatever its words
(session 15, helper C1): "established RA" where the input has the mother's rheumatoid arthritis.
Each with a control that must be left alone. Small texts written for these tests."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.testing import run_rule
from medfact.types import Finding

_MOTHER = (
    "Doctor: Any illnesses in the family?\nPatient: My mother has rheumatoid arthritis, she's "
    "on methotrexate.\nDoctor: And you yourself?\nPatient: Only hay fever."
)


def whose(output: str, context: str) -> list[Finding]:
    """negation.v1's findings that a condition is a relative's, at risk 3 or more."""
    found = run_rule("negation.v1", output, context)
    return [f for f in found if "a relative's in the input" in f.message and f.risk >= 3]


def test_relatives_condition_by_its_abbreviation_is_caught() -> None:
    assert whose("Hay fever. Known RA on methotrexate.", _MOTHER)
    assert whose("PMH: RA, hay fever.", _MOTHER)


def test_relatives_condition_kept_the_relatives_is_left_alone() -> None:
    assert not whose("Hay fever. FHx: mother RA on methotrexate.", _MOTHER)


def test_todays_event_of_a_kind_a_relative_had_is_left_alone() -> None:
    ctx = "Crushing chest pain since 7am. Brother had an MI at 49. ECG: ST elevation V1-V4."
    assert not whose("Anterior STEMI on ECG. FHx: brother MI at 49.", ctx)
