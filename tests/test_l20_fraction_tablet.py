"""numbers.v1: a bare fraction of a dose unit ("1/2 tablet", "1/4 tab") is the one value it is
(half a tablet), not a ratio 1/2 (values._fraction_of_unit, session 20, helper J)."""

from __future__ import annotations

from medfact.testing import run_rule


def _values(output: str, context: str) -> list[str]:
    return [f.message for f in run_rule("numbers.v1", output, context)]


def test_half_tablet_written_as_a_fraction_agrees_with_half_a_tablet() -> None:
    context = "Doctor: Take half a tablet of the bisoprolol each morning."
    assert not _values("Bisoprolol 1/2 tablet each morning.", context)
    assert not _values("Bisoprolol 1/2 tab each morning.", context)


def test_a_fraction_against_a_whole_tablet_is_caught() -> None:
    context = "Doctor: Take one tablet of the bisoprolol each morning."
    assert any("1/2" in m for m in _values("Bisoprolol 1/2 tablet each morning.", context))


def test_a_whole_tablet_against_half_is_still_caught() -> None:
    context = "Doctor: Take half a tablet of the bisoprolol each morning."
    assert any("1 tablet" in m for m in _values("Bisoprolol 1 tablet each morning.", context))


def test_a_ratio_without_a_unit_stays_a_ratio() -> None:
    context = "Echo: E/A ratio 1/3."
    assert _values("E/A ratio 1/2.", context)
