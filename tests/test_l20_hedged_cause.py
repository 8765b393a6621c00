"""A hedge right before the cause it introduces ("likely due to a viral infection", "probably
because of reflux") governs that cause: "due to" and "because of" end other scopes, not this
one (analysis._hedged_cause, session 20, helper J). The hedge reaches to the cause's first
comma ("likely due to UTI, on antibiotics"), and a cause named as given ("probably due to her
asthma") is not hedged.

Each reading has a control that failed before it and a true error of the same shape that is
still caught.
"""

from __future__ import annotations

from medfact.testing import analysed, run_rule

HEDGED = "Doctor: The wheeze is probably because of a chest infection, so I'll start amoxicillin."


def _polarity(text: str, word: str) -> str:
    doc = analysed(text, "Seen.").output
    return next(t.polarity for t in doc.tokens if t.text == word)


def _certainty(output: str, context: str) -> list[str]:
    return [
        f.message
        for f in run_rule("negation.v1", output, context)
        if "only suggests" in f.message or "hedged here" in f.message
    ]


def test_a_hedged_cause_is_uncertain() -> None:
    assert _polarity("Loose stools, likely due to a viral gastroenteritis.", "gastroenteritis") == (
        "uncertain"
    )
    assert _polarity("Heartburn possibly because of reflux.", "reflux") == "uncertain"


def test_the_hedge_stops_at_the_causes_comma() -> None:
    text = "Likely due to cellulitis, on flucloxacillin."
    assert _polarity(text, "cellulitis") == "uncertain"
    assert _polarity(text, "flucloxacillin") == "affirmed"


def test_a_given_cause_is_not_hedged() -> None:
    assert _polarity("Breathless, probably due to her COPD.", "copd") == "affirmed"


def test_an_unhedged_cause_is_stated() -> None:
    assert _polarity("Breathless due to a chest infection.", "infection") == "affirmed"


def test_a_cause_stated_as_fact_against_a_hedged_one_is_caught() -> None:
    found = _certainty("Wheeze due to a chest infection; amoxicillin started.", HEDGED)
    assert any("only suggests" in m for m in found)


def test_a_hedged_cause_agrees_with_a_hedged_input() -> None:
    assert not _certainty("Wheeze, likely due to a chest infection; amoxicillin started.", HEDGED)
