"""A relative's condition the input does not name is a check, not a fabricated diagnosis.

entities.v1 graded a condition with no support in the input at risk 3 (a fabricated diagnosis)
even in a relative's history ("Father died of valvular heart disease" where the patient said
"my dad died of a heart attack"). A relative's history is not the patient's diagnosis and is
often worded by the writer: it is now graded 2 ("check"), naming whose it is. The patient's
own unsupported condition keeps its grade.
"""

from __future__ import annotations

from medfact.testing import run_rule


def _unsupported(output: str, context: str) -> list[tuple[str, int]]:
    return [
        (f.message, int(f.risk))
        for f in run_rule("entities.v1", output, context)
        if "has no support" in f.message
    ]


_CONTEXT = (
    "Doctor: Any illnesses that run in the family? Patient: My grandmother had something "
    "with her nerves, she shook a lot. Doctor: And you, any health problems? Patient: No."
)


def test_a_relatives_condition_is_a_check() -> None:
    found = _unsupported("Family history: grandmother with Parkinson's disease.", _CONTEXT)
    assert found and all(risk == 2 for _, risk in found)
    assert "(a relative's)" in found[0][0]


def test_the_patients_own_condition_stays_fabricated() -> None:
    found = _unsupported("Past history: Parkinson's disease.", _CONTEXT)
    assert found and found[0][1] == 3
