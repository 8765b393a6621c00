"""Session 12, helper G: false alarms on faithful twins (issue 13), each reading with a control."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.testing import run_rule


def _risky(rule: str, output: str, context: str) -> list[str]:
    """Messages of the rule's findings at risk 3 or more."""
    return [f.message for f in run_rule(rule, output, context) if f.risk >= 3]


_GOUT = (
    "Doctor: what are you taking for this flare\n"
    "Patient: the colchicine, I took {count} then one an hour later on sunday\n"
    "Doctor: continue colchicine point six milligrams twice daily."
)


def test_tablets_taken_times_strength_is_the_dose() -> None:
    out = "Took colchicine 1.2 mg then 0.6 mg an hour later."
    assert _risky("numbers.v1", out, _GOUT.format(count="two")) == []
    # control: one tablet taken, 1.2 mg is a doubled dose
    assert any("dose x2" in m for m in _risky("numbers.v1", out, _GOUT.format(count="one")))


def test_a_count_of_days_is_no_tablet_count() -> None:
    ctx = _GOUT.format(count="one").replace("on sunday", "and took two days off")
    out = "Took colchicine 1.2 mg then 0.6 mg an hour later."
    assert any("dose x2" in m for m in _risky("numbers.v1", out, ctx))


_DRESS = (
    "Patient: two years ago, I got a rash all over, fever, {liver}, I was in the hospital a week\n"
    "Wife: they called it dress, they said never take it again"
)


def test_a_liver_injury_in_lay_words_supports_hepatitis() -> None:
    out = "Allergy: DRESS (generalized rash, fever, hepatitis)."
    assert _risky("entities.v1", out, _DRESS.format(liver="my liver went crazy")) == []
    # control: the liver spared, the hepatitis is unsupported
    spared = _DRESS.format(liver="no liver damage")
    assert any("hepatitis" in m for m in _risky("entities.v1", out, spared))
