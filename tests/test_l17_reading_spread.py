"""Session 17 (helper RB3): comparison.v1 reads "progressed ... to involve X" as a spread in
place, told by where it reached, not an invented course of worsening over time."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine

_CTX = (
    "Doctor: Where did the tingling start? Patient: It started in my toes when I woke up, and "
    "by the evening it was up to my knees. It has been like that since."
)


def _flagged(output: str) -> list[str]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": _CTX}])))
    return [f.message for f in result.findings if f.rule == "comparison.v1" and f.risk >= 3]


def test_a_spread_to_a_place_is_no_course_over_time() -> None:
    out = (
        "The tingling began in her toes and gradually progressed over the day to involve "
        "both knees."
    )
    assert _flagged(out) == []


def test_a_course_since_onset_the_input_does_not_give_is_still_caught() -> None:
    assert _flagged("The tingling began in her toes and has gradually progressed since onset.")
