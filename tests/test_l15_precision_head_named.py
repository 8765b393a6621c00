"""An unsupported condition or procedure whose head word the input names (session 15).

"Osteoarthritis of both knees" for "arthritis in both knees", "pulmonary embolism" for "I had
an embolism in my lung", "cardiac catheterization" for "they put a catheter into my heart":
the input names the finding, the output a kind of it. entities.v1 graded these as fabricated
diagnoses (risk 3); they are now a "check" (risk 2, below the severity policy's confidence
floor) naming the input's word. A class word ("disease", "surgery", "haemorrhage"), a body
part, a denied word, or a word of another named condition ("renal failure") names no head.
"""

from __future__ import annotations

from medfact.testing import run_rule


def _unsupported(output: str, context: str) -> list[tuple[str, int]]:
    return [
        (f.message, int(f.risk))
        for f in run_rule("entities.v1", output, context)
        if "has no support" in f.message
    ]


def test_a_kind_of_the_named_condition_is_a_check() -> None:
    context = "Doctor: I see from your notes you have arthritis in both knees. Patient: Yes."
    found = _unsupported("Osteoarthritis of both knees.", context)
    assert found == [
        ("condition 'Osteoarthritis' (the input names 'arthritis') has no support in the input", 2)
    ]


def test_a_procedure_named_by_its_device_is_a_check() -> None:
    context = "Patient: Last spring they put catheters up into my heart to look at the arteries."
    found = _unsupported("Cardiac catheterization last spring.", context)
    assert found and all(risk == 2 for _, risk in found)
    assert "(the input names 'catheter')" in found[0][0]


def test_an_unnamed_condition_stays_fabricated() -> None:
    context = "Doctor: Any joint problems? Patient: My knees ache after walking the dog."
    assert _unsupported("Osteoarthritis of both knees.", context)[0][1] == 3


def test_a_denied_head_names_nothing() -> None:
    context = "Doctor: Have you ever had arthritis? Patient: No, never."
    assert _unsupported("Osteoarthritis of both knees.", context)[0][1] == 3


def test_a_class_word_is_no_head() -> None:
    context = "Patient: I had back surgery in 2019 and my heart disease is stable."
    found = dict(_unsupported("Cataract surgery in 2019. Kidney disease, stable.", context))
    assert found and all(risk == 3 for risk in found.values())


def test_a_word_of_another_named_condition_is_no_head() -> None:
    context = "Patient: The kidney doctor says I have renal failure and need dialysis soon."
    assert _unsupported("Congestive heart failure.", context)[0][1] == 3


def test_an_organ_is_no_head() -> None:
    context = "Patient: The scan of my pancreas was normal, they said."
    assert _unsupported("Chronic pancreatitis.", context)[0][1] == 3
