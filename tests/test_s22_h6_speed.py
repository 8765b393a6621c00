"""Session 22, helper h6: the analysis and rehint speed-ups read the same as before."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from medfact import analysis
from medfact.rehint import fast_compile, lowered_copy, scanning_copy
from medfact.types import Sentence

_TEXTS = [
    "Creatinine was .7 and BP 120/80, HR 88%; temp 38.2°C.",
    "Doctor: Any chest pain? Patient: No, none at all... x2 weeks",
    "Pt's non-smoker, BRCA-negative; İstanbul trip (İ lowers to two characters)",
    "",
    "...",
]


@pytest.mark.parametrize("text", _TEXTS)
def test_tokenize_reads_what_finditer_read(text: str) -> None:
    sent = Sentence(index=3, span=(10, 10 + len(text)), text=text)
    toks, words, gaps = analysis._tokenize(sent)
    found = list(analysis._TOKEN.finditer(text))
    expected = [
        ("0" + m.group().lower()) if m.group()[0] == "." else m.group().lower() for m in found
    ]
    assert words == [t.text for t in toks] == expected
    assert [(t.start, t.end) for t in toks] == [(10 + m.start(), 10 + m.end()) for m in found]
    assert gaps == [""] + [text[a.end() : b.start()] for a, b in pairwise(found)]
    assert all(t.sentence == 3 and t.stem == analysis.concept_key(t.text) for t in toks)
    assert [t.content for t in toks] == [analysis._word_content(w) for w in words]


_SOURCES = [
    r"\b(?:due\s+for|schedule|book)\b",
    r"(?<![\w/-])(?:skilled\s+nursing|emergency\s+department)",
    r"\b(due to|because of)\s+(\w+)",
    r"(?<!not )(?<!to be )\b(?:done|taken)\b",
]
_PROBES = [
    "due for review; rescheduled, book it",
    "x-skilled nursing / emergency department-emergency department",
    "because of pain, due to falls; overdue to",
    "not done, to be taken, done and taken",
]


@pytest.mark.parametrize("source", _SOURCES)
def test_scanning_copy_matches_where_the_copy_matches(source: str) -> None:
    copy = lowered_copy(re.compile(source, re.IGNORECASE))
    assert copy is not None
    scanned = scanning_copy(copy)
    assert scanned is not copy  # each of these opens with a boundary or a look-behind
    for text in _PROBES:
        for pos in range(len(text) + 1):
            for end in (pos, len(text)):
                assert [m.span() for m in scanned.finditer(text, pos, end)] == [
                    m.span() for m in copy.finditer(text, pos, end)
                ]
            ours, theirs = scanned.match(text, pos), copy.match(text, pos)
            assert (ours and ours.span()) == (theirs and theirs.span())


def test_scanning_copy_keeps_what_it_cannot_move() -> None:
    for source in (r"\b\d+\s*mg", r"\bx?y", r"(?=a)\bab", r"\b(?:a|\.)b", r"\b(xz)\s+\1"):
        copy = lowered_copy(re.compile(source, re.IGNORECASE))
        assert copy is not None and scanning_copy(copy) is copy


def test_fast_pattern_reads_through_the_scanning_copy() -> None:
    fast = fast_compile(r"\b(?:sudden|abrupt)\s+onset\b", re.IGNORECASE)
    assert fast.shortcuts()[1] is not None and fast.shortcuts()[1].pattern is None
    assert fast.search("An ABRUPT onset").span() == (3, 15)
    assert fast.search("an abruptly onset") is None
    assert [m.span() for m in fast.finditer("Sudden onset, abrupt onset")] == [(0, 12), (14, 26)]


def test_scanning_copy_reads_a_choice_that_opens_an_alternative_per_choice() -> None:
    source = r"\bstop\b|\b(?P<neg>do not|never) (?:give|take)\b|(?<![\w-])(withheld)\b"
    copy = lowered_copy(re.compile(source, re.IGNORECASE))
    assert copy is not None
    scanned = scanning_copy(copy)
    assert scanned is not copy
    text = "never take it; don't stop; xnever take; do not give; withheld, not withheld."
    for pos in range(len(text) + 1):
        assert [m.span() for m in scanned.finditer(text, pos)] == [
            m.span() for m in copy.finditer(text, pos)
        ]


def test_scanning_copy_keeps_a_copy_opening_with_common_letters() -> None:
    # "a", "e", "i", "o", "t" open a third of all characters: the boundary's test is as fast
    copy = lowered_copy(re.compile(r"\b(?:at|each|in|on|to)\b", re.IGNORECASE))
    assert copy is not None and scanning_copy(copy) is copy
