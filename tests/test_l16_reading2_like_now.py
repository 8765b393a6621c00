"""Session 16 (helper RB2): a denial set against now ("No itching or blistering like I have
now.") denies another time's episode; the comparison tells that the finding is there now."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine


def _flagged(output: str, context: str) -> list[str]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return [f.message for f in result.findings if f.rule == "negation.v1" and f.risk >= 3]


def _visit(then: str) -> str:
    return (
        "Doctor: Have you had a reaction like this before? Patient: Once, after a wasp sting "
        f"last summer. {then} Doctor: Any trouble breathing? Patient: No."
    )


_TODAY = "Reports itching and blistering at the sting site today."


def test_a_denial_compared_with_now_leaves_the_finding_present() -> None:
    assert _flagged(_TODAY, _visit("No itching or blistering like I have now.")) == []


def test_a_denial_of_then_and_now_is_still_caught() -> None:
    then = "No itching or blistering then, and none now."
    assert any("'itching'" in m for m in _flagged(_TODAY, _visit(then)))


def test_another_denial_of_the_visit_is_still_caught() -> None:
    ctx = _visit("No itching or blistering like I have now.")
    assert any("'breathing'" in m for m in _flagged("Reports trouble breathing.", ctx))
