"""Session 17 (helper E2): a minimal edit that makes a word its opposite by a prefix
("comfortable" -> "uncomfortable", "preoperative" -> "postoperative") contradicts the window that
uses the word; a word the input uses itself, or a prefix that is part of the word
("information"), does not.
"""

from __future__ import annotations

import numpy as np

import medfact.verifiers  # noqa: F401 - the rules first
from medfact.denial import denial_findings
from medfact.opposites import opposite_by_prefix, opposite_words
from medfact.testing import analysed

_WINDOW = "Most patients found the new silicone dressing comfortable at the first change."


def _opposite(claim: str, context: str) -> tuple[str, str] | None:
    doc = analysed(claim, context)
    assert doc.output is not None and doc.context is not None
    pair = opposite_words(
        doc.output, (0, len(doc.output.text)), doc.context, (0, len(doc.context.text))
    )
    return None if pair is None else (pair[0].text, pair[1].text)


def test_a_prefixed_opposite_contradicts_the_window() -> None:
    claim = "Most patients found the new silicone dressing uncomfortable at the first change."
    assert _opposite(claim, _WINDOW) == ("uncomfortable", "comfortable")
    claim = "Postoperative nausea was rare after the nerve block."
    assert _opposite(claim, "Preoperative nausea was rare before the nerve block.") == (
        "postoperative",
        "preoperative",
    )


def test_the_faithful_twin_and_words_the_input_uses_are_left() -> None:
    assert _opposite(_WINDOW, _WINDOW) is None
    both = "Unadjusted and adjusted ratios were similar."
    assert _opposite("The unadjusted ratio was similar.", both) is None


def test_a_prefix_that_is_part_of_the_word_is_no_opposite() -> None:
    assert not opposite_by_prefix("information", "formation")
    assert not opposite_by_prefix("insulin", "sulin")
    assert opposite_by_prefix("international", "national")
    assert opposite_by_prefix("on-policy", "off-policy")


def test_the_finding_needs_tier_1_alignment() -> None:
    claim = "Most patients found the new silicone dressing uncomfortable at the first change."
    doc = analysed(claim, _WINDOW)
    doc.probabilities = np.array([[0.9, 0.0, 0.1]])
    doc.thresholds = {"supported": 0.6}
    (found,) = denial_findings(doc)
    assert found.message.startswith("opposite:") and found.relation == "contradicted"
    doc = analysed(claim, _WINDOW)
    doc.probabilities = np.array([[0.2, 0.0, 0.8]])
    doc.thresholds = {"supported": 0.6}
    assert denial_findings(doc) == []


def test_a_denied_word_says_what_its_prefixed_opposite_says() -> None:
    claim = "The abdomen is nontender on palpation."
    assert _opposite(claim, "The abdomen is not tender on palpation.") is None
    assert _opposite(claim, "The abdomen is tender on palpation.") == ("nontender", "tender")
    assert not opposite_by_prefix("unable", "able")  # too often idiom


def test_a_conversation_is_not_read() -> None:
    claim = "The abdomen is nontender on palpation."
    doc = analysed(claim, "[doctor] Is your tummy tender here?\n[patient] It is tender, yes.")
    doc.probabilities = np.array([[0.9, 0.0, 0.1]])
    doc.thresholds = {"supported": 0.6}
    assert denial_findings(doc) == []
