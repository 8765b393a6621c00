"""Session 17 (helper E2): a value swapped in its slot ("between 2.1 and 2.6 million" ->
"between 2.1 and 2.9 million", "the third quarter" -> "the second quarter") contradicts the
window; a value the input uses, one in another slot, or one after a number is left alone.
"""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules first
from medfact.swaps import swapped_value
from medfact.testing import analysed

_WINDOW = (
    "Screening visits are expected to number between 2.1 million and 2.6 million in the "
    "third quarter, the clinic network said on Tuesday."
)


def _swap(claim: str, context: str = _WINDOW) -> tuple[str, str] | None:
    doc = analysed(claim, context)
    assert doc.output is not None and doc.context is not None
    pair = swapped_value(
        doc.output, (0, len(doc.output.text)), doc.context, (0, len(doc.context.text))
    )
    return None if pair is None else (pair[0].text, pair[1].text)


def test_a_number_changed_between_the_same_words() -> None:
    claim = "Screening visits will number between 2.1 million and 2.9 million in the third quarter."
    assert _swap(claim) == ("2.9", "2.6")


def test_an_ordinal_or_a_weekday_changed_in_its_slot() -> None:
    claim = "Visits will number between 2.1 million and 2.6 million in the second quarter."
    assert _swap(claim) == ("second", "third")
    window = "The clinic network said on Tuesday that visits would rise."
    assert _swap("The network said on Monday that visits would rise.", window) == (
        "monday",
        "tuesday",
    )


def test_the_faithful_twin_and_values_in_other_slots_are_left() -> None:
    claim = "Screening visits will number between 2.1 million and 2.6 million in the third quarter."
    assert _swap(claim) is None
    assert _swap("About 3 million visits are expected.") is None  # no slot of the window's


def test_thousands_separators_are_one_number() -> None:
    window = "The clinic network said about 1,000 visits were booked on Tuesday."
    assert _swap("The network said about 1000 visits were booked on Tuesday.", window) is None
