"""Session 16 (helper RB2): a longer reply that opens with a whole short yes before "and" or a
comma ("It is mild and it comes and goes like before.") answers the question yes; a no so
opened still denies (dialogue polarity, negation.v1)."""

from medfact.analysis import _yes_clause
from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine


def _flagged(output: str, context: str) -> list[str]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return [f.message for f in result.findings if f.risk >= 3]


def _visit(first_answer: str) -> str:
    return (
        f"Doctor: Have you had any numbness in the left hand? Patient: {first_answer} "
        "Doctor: Any numbness in the right hand? Patient: No, not really."
    )


def test_a_yes_clause_before_and_answers_yes() -> None:
    out = "Mild numbness in the left hand, none on the right."
    assert _flagged(out, _visit("It is mild and it comes and goes like before.")) == []


def test_a_no_clause_before_and_still_denies() -> None:
    out = "Mild numbness in the left hand."
    assert any("'numbness'" in m for m in _flagged(out, _visit("No and the right one is fine.")))


def test_only_a_whole_short_yes_opens_such_a_reply() -> None:
    assert _yes_clause("yes and it is getting worse.")
    assert _yes_clause("a little, mostly after typing.")
    assert not _yes_clause("a little but not any more.")
    assert not _yes_clause("mild in the mornings when i wake up and then it goes.")
