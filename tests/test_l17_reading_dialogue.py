"""Session 17 (helper RB3): a clinician's sentence that opens with "or" right after a question
of the same turn goes on asking ("Do you smoke? Or drink, or use any drugs."), so the reply
answers it too (the analysis' dialogue reading, negation.v1)."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine


def _flagged(output: str, context: str) -> list[str]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return [f.message for f in result.findings if f.rule == "negation.v1" and f.risk >= 3]


def test_an_or_after_a_question_is_asked_and_answered() -> None:
    ctx = "Doctor: Do you smoke? Or take alcohol or any street drugs.\nPatient: Nope, none."
    assert _flagged("No history of tobacco, alcohol or drug use.", ctx) == []


def test_the_no_against_a_habit_told_is_still_caught() -> None:
    ctx = "Doctor: Do you smoke? Or take alcohol or any street drugs.\nPatient: Nope, none."
    assert _flagged("Drinks alcohol most evenings.", ctx)


def test_an_or_sentence_after_a_statement_is_read_as_before() -> None:
    ctx = "Doctor: Your sugar is high. Or it was high last week.\nPatient: Okay."
    assert _flagged("Sugar was normal, no diabetes.", ctx) == []
