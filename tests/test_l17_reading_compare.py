"""Session 17 (helper RB3): compare.v1 readings found on real clinicians' notes: a result
waited for ("pending") agrees with a test done, and a treatment denied "for" a condition does
not deny the condition. Each has a control flagged without it and a twin still flagged."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine

_DONE = "Guest_family: Yes. We did a C T chest scan and bloods there.\nDoctor: Okay."


def _flagged(output: str, context: str, rule: str = "compare.v1") -> list[str]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return [f.message for f in result.findings if f.rule == rule and f.risk >= 3]


def test_a_result_pending_agrees_with_a_test_done() -> None:
    out = "At the urgent care she had bloods and a chest CT, which is currently pending."
    assert _flagged(out, _DONE) == []


def test_a_test_done_written_as_planned_is_still_caught() -> None:
    out = "At the urgent care she had bloods and a chest CT, which is still planned."
    assert _flagged(out, _DONE)


def test_a_treatment_denied_for_a_condition_leaves_the_condition() -> None:
    ctx = "Doctor: Are you using any creams for your eczema? Patient: Nope, nothing regular."
    assert _flagged("She has eczema but does not need regular creams.", ctx) == []
    assert _flagged("She has eczema but does not need regular creams.", ctx, "negation.v1") == []


def test_the_condition_itself_denied_is_still_caught() -> None:
    ctx = "Doctor: Do you have eczema? Patient: Nope, never had it."
    assert _flagged("She has eczema but does not need regular creams.", ctx, "negation.v1")
