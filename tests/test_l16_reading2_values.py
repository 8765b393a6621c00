"""Session 16 (helper RB2): values read as their kind on real notes: a calendar year is no
count, and weeks told as whole months are the same duration (numbers.v1)."""

from medfact.testing import run_rule

_HIP = (
    "Doctor: How many operations on your hip have you had? Patient: Three so far. "
    "Doctor: And the last one was a revision? Patient: Yes, with Doctor P."
)


def _messages(output: str, context: str) -> list[str]:
    return [f.message for f in run_rule("numbers.v1", output, context)]


def test_a_year_is_not_compared_with_a_count() -> None:
    out = "She has had three hip operations and in 2011 she had a revision by Dr. P."
    assert _messages(out, _HIP) == []


def test_a_changed_count_beside_a_year_is_still_caught() -> None:
    out = "She has had two hip operations and in 2011 she had a revision by Dr. P."
    assert any("'two'" in m for m in _messages(out, _HIP))


_WEEKS = "Doctor: Your midwife's letter says you are twenty-one weeks along? Patient: That's right."


def test_weeks_told_as_whole_months_are_the_same_duration() -> None:
    assert _messages("She is currently 5 months pregnant.", _WEEKS) == []


def test_months_beyond_rounding_are_still_caught() -> None:
    assert any("'4 months'" in m for m in _messages("She is 4 months pregnant.", _WEEKS))
    assert any("'6 months'" in m for m in _messages("She is 6 months pregnant.", _WEEKS))
