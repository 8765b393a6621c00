"""Session 18 (helper D2): a value the output gives as a relative's ("per wife") that the
relative never said in the conversation: attributed.v1."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine


def _result(output: str, context: str) -> tuple[int, list[str]]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    found = [f.message for f in result.findings if f.rule == "attributed.v1"]
    return result.risk_level, found


_FALLS = (
    "Doctor: How many falls have you had since the summer?\n"
    "Patient: Two, I think. Maybe two.\n"
    "Wife: It's more than that. Five. I've written them on the calendar.\n"
    "Doctor: Any head injury with them?\n"
    "Patient: No.\n"
)


def test_a_value_given_to_a_relative_who_said_another_is_caught() -> None:
    risk, found = _result("Two falls since summer per wife (calendar). No head injury.", _FALLS)
    assert found and risk >= 3


def test_the_relatives_own_value_is_left_alone() -> None:
    risk, found = _result("Five falls since summer per wife (calendar); pt estimated two.", _FALLS)
    assert found == [] and risk <= 2


def test_a_value_with_no_source_is_no_finding_of_this_rule() -> None:
    _, found = _result("Two or five falls since the summer. No head injury.", _FALLS)
    assert found == []


def test_a_relative_who_gave_no_value_is_no_finding_of_this_rule() -> None:
    context = (
        "Doctor: How many falls have you had since the summer?\n"
        "Patient: Two.\n"
        "Wife: That's right, I was there both times.\n"
    )
    _, found = _result("Two falls since summer, confirmed by wife.", context)
    assert found == []
