"""Session 16 (helper RA): a procedure the patient wishes or agrees to have is not stated as done
("She wishes to proceed with arthroplasty" where the input offers one); the same procedure written
as done ("had a hip replacement last year", "status post") stays a finding.
"""

from __future__ import annotations

from medfact.testing import run_rule

_OFFERED = (
    "Doctor: Your hip is worn out. We could offer you a hip replacement.\n"
    "Patient: Yes, I think I want that."
)


def _done(output: str) -> list[str]:
    return [f.message for f in run_rule("entities.v1", output, _OFFERED) if "as done" in f.message]


def test_a_wish_to_proceed_is_no_procedure_done() -> None:
    assert _done("She wishes to proceed with hip arthroplasty.") == []
    assert _done("She agrees to a hip replacement.") == []


def test_the_procedure_written_as_done_is_still_a_finding() -> None:
    assert _done("She had a hip replacement last year.")
    assert _done("Status post hip arthroplasty.")
