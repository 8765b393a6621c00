"""Session 9 rule fixes found on development parts written blind (dev7, dev8), each with a
control."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports the compare stage
from medfact.testing import analysed


def _polarity(text: str, word: str) -> str:
    return next(t.polarity for t in analysed(text).output.tokens if t.text == word)


def test_a_forward_negation_stops_where_a_parenthesis_closes_or_a_spaced_dash_begins() -> None:
    lesion = "New liver lesion (not present in March) - indeterminate, metastasis not excluded."
    assert _polarity(lesion, "march") == "negated"
    assert _polarity(lesion, "metastasis") == "uncertain"
    bleed = "No anticoagulant - upper GI bleed last year."
    assert _polarity(bleed, "anticoagulant") == "negated"
    assert _polarity(bleed, "bleed") == "affirmed"
    # controls: a parenthesis inside a list goes on; a dash without spaces joins words; a
    # negation after the dash still reads back across it
    assert _polarity("No orthopnoea (one pillow) or PND.", "pnd") == "negated"
    assert _polarity("No anticoagulant-related bleeding.", "bleeding") == "negated"
    assert _polarity("Asked about diazepam - not prescribed.", "diazepam") == "negated"
