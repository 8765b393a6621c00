"""A child's birth told by how or when it came ("my son was born by section", "her daughter was
born early") is the mother's own obstetric history, not the child's: the analysis gives it no
family scope (session 20, helper J). A child's own condition at birth ("born with a cleft lip")
and a relative's own illness stay the relative's.
"""

from __future__ import annotations

from medfact.testing import analysed, run_rule

DELIVERY = (
    "Doctor: Have you had any operations?\n"
    "Patient: Only when my son was born by section, that was six years ago.\n"
    "Doctor: Fine."
)


def _scope(context: str, word: str) -> str:
    doc = analysed("Seen.", context).context
    return next(t.scope for t in doc.tokens if t.text == word)


def _procedure_findings(output: str, context: str) -> list[str]:
    return [f.message for f in run_rule("entities.v1", output, context) if "procedure" in f.message]


def test_a_child_born_by_section_is_the_mothers_delivery() -> None:
    assert _scope(DELIVERY, "section") != "family"
    assert not _procedure_findings(
        "Past surgical history: caesarean section 6 years ago.", DELIVERY
    )


def test_a_child_born_early_is_the_mothers_history() -> None:
    context = "Patient: My daughter was born early, at 33 weeks, she was fine in the end."
    assert _scope(context, "weeks") != "family"


def test_a_child_born_with_a_condition_is_the_childs() -> None:
    context = "Patient: My son was born with a cleft lip, they repaired it."
    assert _scope(context, "cleft") == "family"


def test_a_relatives_own_operation_is_still_the_relatives() -> None:
    context = "Patient: My son had his appendix out last year.\nDoctor: And you?\nPatient: Nothing."
    assert _procedure_findings("Past surgical history: appendicectomy.", context)
