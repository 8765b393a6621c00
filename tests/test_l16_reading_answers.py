"""Dialogue answers read as a yes or a no, session 16 (helper RB), from false alarms on real
clinician notes. Small texts written for these tests.

- "Absolutely not.", "Definitely not.", "Of course not." say no: the emphasis alone
  ("Absolutely.") is a yes, but not with a "not" after it.
- An answer that says when or how much ("Only in the mornings.", "It's mild.") says yes.
- An attitude word before the answer ("Luckily, no.", "Thankfully, no.", "Unfortunately,
  yes.") says nothing of it: the answer after it is read.
"""

from __future__ import annotations

from medfact.testing import analysed, run_rule


def _polarity(context: str, word: str) -> str:
    doc = analysed("x", context).context
    assert doc is not None
    return next(t.polarity for t in doc.tokens if t.text == word)


def test_emphatic_no_denies() -> None:
    assert _polarity("Doctor: Do you smoke? Patient: Absolutely not.", "smoke") == "negated"
    assert _polarity("Doctor: Any drugs? Patient: Of course not.", "drugs") == "negated"


def test_emphatic_yes_still_affirms() -> None:
    assert _polarity("Doctor: Do you smoke? Patient: Absolutely.", "smoke") == "affirmed"


def test_emphatic_no_agrees_with_a_denial_in_the_note() -> None:
    context = (
        "Doctor: Good. Do you smoke? Patient: Absolutely not. Doctor: What about wine or "
        "beer? Patient: Now and then, with a meal."
    )
    found = run_rule("negation.v1", "She denies any smoking and drinks occasionally.", context)
    assert not [f for f in found if "'smoking'" in f.message]


def test_attitude_word_before_the_answer_is_passed_over() -> None:
    context = "Doctor: Any seizures? Patient: Thankfully, no. I have never had one. Doctor: Good."
    assert _polarity(context, "seizures") == "negated"
    context = "Doctor: Any chest pain lately? Patient: Unfortunately, yes, most days."
    assert _polarity(context, "chest") == "affirmed"


def test_seizures_denied_after_an_attitude_word_are_contradicted() -> None:
    context = "Doctor: Any seizures? Patient: Thankfully, no. I have never had one. Doctor: Good."
    found = run_rule("negation.v1", "She has had seizures.", context)
    assert any("'seizures'" in f.message for f in found)


def test_an_answer_that_says_when_or_how_much_affirms() -> None:
    context = "Doctor: Any cough? Patient: Only in the mornings. Doctor: Fever? Patient: No."
    assert _polarity(context, "cough") == "affirmed"
    assert _polarity(context, "fever") == "negated"
    assert _polarity("Doctor: Any numbness in the feet? Patient: It's mild.", "numbness") == (
        "affirmed"
    )


def test_cough_told_by_when_is_contradicted_by_a_denial() -> None:
    context = "Doctor: Any cough? Patient: Only in the mornings. Doctor: Fever? Patient: No."
    found = run_rule("negation.v1", "Denies cough or fever.", context)
    assert any("'cough'" in f.message for f in found)
