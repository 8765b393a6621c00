"""The relation and procedure patterns of medfact.verifiers.anchors tried only where one of
their opening words starts (session 21): the same matches as their own finditer."""

from __future__ import annotations

import pytest

from medfact.verifiers import anchors

TEXTS = [
    "Onset of the rash before the antibiotics; pain started after the fall.",
    "PPI pre-endoscopy, post op review, post-op day 2. Pre op bloods. Prior to the scope.",
    "Stop the warfarin 5 days pre-op and restart it two days after the operation.",
    "Before, after, prior to, following: Following his surgery he felt better.",
    "Pressure, prescription, postural, preposterous, afterwards, beforehand, stop, people.",
    "Any pain before the fall? No pain after the fall. Hope the shop is open.",
    "BEFORE THE COUGH, AFTER THE SCAN, PRE-OP, POST PROCEDURE, THEATRE, SURGERY.",
    "Seen in theatre; procedure planned. Seen pre\u2011op (a non-ASCII hyphen) before lunch.",
    "postpost prepre afterafter before-the-fall after\nthe scan",
    "",
]
PATTERNS = [
    (anchors._RELATION, anchors._RELATION_OPENS),
    (anchors._MENTIONS_PROCEDURE, anchors._PROCEDURE_OPENS),
]


@pytest.mark.parametrize("text", TEXTS)
def test_matches_opening_answers_as_finditer(text: str) -> None:
    for pattern, opens in PATTERNS:
        own = [(m.span(), m.groupdict()) for m in pattern.finditer(text)]
        ours = [(m.span(), m.groupdict()) for m in anchors._matches_opening(pattern, text, opens)]
        assert ours == own, pattern.pattern


@pytest.mark.parametrize("text", TEXTS)
def test_every_match_opens_with_an_opening_word(text: str) -> None:
    for pattern, opens in PATTERNS:
        for m in pattern.finditer(text):
            assert m.group().lower().startswith(opens), (pattern.pattern, m.group())


def test_start_clashes_check_the_whole_output_as_the_patterns_do() -> None:
    for text in TEXTS:
        assert (anchors._NOW_IN_TEXT.search(text) is None) == (anchors._NOW.search(text) is None)
        assert (anchors._START_IN_TEXT.search(text) is None) == (
            anchors._START.search(text) is None
        )
