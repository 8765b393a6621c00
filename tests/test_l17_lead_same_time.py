"""Session 17 (lead): "at the same time" says when two things happen, not that something stayed
the same, so a course told elsewhere ("getting worse") is not contradicted by it (comparison.v1).
Twin: "about the same the whole time" still states no change and stays caught."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine

_OUTPUT = "Two months of progressive headaches with dizziness."


def _change_risks(context: str) -> list[int]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": _OUTPUT, "context": context}])))
    return [f.risk for f in result.findings if f.rule == "comparison.v1"]


def test_together_is_not_unchanged() -> None:
    context = (
        "Patient: It began two months ago. I've had the headaches and dizziness at the same time."
    )
    assert max(_change_risks(context), default=0) <= 2


def test_on_the_same_day_is_not_unchanged() -> None:
    context = "Patient: Two months now. Headaches and dizziness, always on the same day."
    assert max(_change_risks(context), default=0) <= 2


def test_about_the_same_still_contradicts_a_progression() -> None:
    context = "Patient: Two months of headaches and dizziness; they have stayed about the same."
    assert max(_change_risks(context), default=0) >= 3
