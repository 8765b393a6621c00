"""A drug named as stopped or not tolerated is not said to be taken (negation.v1), session 16
(helper RB), from false alarms on real clinician notes. Small texts written for these tests.

- "since discontinuation of sertraline", "after cessation of ...": the drug is stopped, as
  "sertraline was discontinued" says; it agrees with an input where it is no longer taken.
- "an intolerance to omeprazole" names a reaction to the drug, as "tolerates" does: whether it
  is taken is not what the note says.
A drug written as taken against an input where it was stopped is still contradicted.
"""

from __future__ import annotations

from medfact.testing import run_rule


def _taken_flips(output: str, context: str) -> list[str]:
    return [
        f.message
        for f in run_rule("negation.v1", output, context)
        if "is affirmed here but denied" in f.message
    ]


_SERTRALINE = (
    "Doctor: Is he still on the sertraline? Guest_family: No, he takes only his vitamin now. "
    "Doctor: And the shaking? Guest_family: Much less."
)
_OMEPRAZOLE = (
    "Doctor: Is she still taking the omeprazole? Patient: No, it gave her terrible cramps so "
    "she stopped."
)


def test_discontinuation_of_a_drug_is_no_claim_it_is_taken() -> None:
    output = "Tremor has lessened since discontinuation of sertraline."
    assert not _taken_flips(output, _SERTRALINE)


def test_intolerance_to_a_drug_is_no_claim_it_is_taken() -> None:
    assert not _taken_flips("She has an intolerance to omeprazole.", _OMEPRAZOLE)


def test_the_stopped_drug_written_as_taken_is_still_contradicted() -> None:
    assert _taken_flips("Continues omeprazole daily.", _OMEPRAZOLE)
    assert _taken_flips("Remains on sertraline.", _SERTRALINE)
