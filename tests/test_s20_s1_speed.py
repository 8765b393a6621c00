"""Session 20 speed paths (analysis, drugs, decomposer, rehint search) against the plain ones."""

from __future__ import annotations

import re

import pytest

from medfact import analysis
from medfact.analysis import Analyzer
from medfact.lexicon.drugs import default_lexicon
from medfact.rehint import FastPattern
from medfact.segment import ClinicalSegmenter

_GCS = (
    r"(?:\bGCS (?:has )?(?:dropped|fell|fallen|falling|decreased|down)\b)"
    r"|(?:\b(?:drop|fall|decrease) in (?:his |her |the )?GCS\b)"
)

TEXTS = [
    "GCS dropped to 9 overnight.",
    "There was a drop in his GCS after the fall.",
    "GCS 15, no drop in blood pressure.",  # one string of each branch, not all: no match
    "Fell in the garden; GCS was normal.",
    "",
    "No chest pain on exertion; exertional jaw pain when climbing stairs.",
    "caf\u00e9 GCS dropped",  # not ASCII: the pattern itself reads it
]


@pytest.mark.parametrize(
    "source", [_GCS, r"\bexertional (?:chest|jaw) pain\b|\bpain\b[^.]{0,30}\bclimbing\b", r"ab+c"]
)
@pytest.mark.parametrize("flags", [0, re.IGNORECASE])
def test_fast_search_answers_as_the_pattern(source: str, flags: int) -> None:
    plain = re.compile(source, flags)
    fast = FastPattern(plain)
    for text in TEXTS:
        got, own = fast.search(text), plain.search(text)
        assert (got is None) == (own is None), (source, text)
        if got is not None and own is not None:
            assert got.span() == own.span() and got.groups() == own.groups()
        assert fast.may_match(text) or own is None
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]


def _plain_match(words: list[str], index: dict, count: int) -> list[list[tuple[int, int]]]:
    found: list[list[tuple[int, int]]] = [[] for _ in range(count)]
    for i, word in enumerate(words):
        for phrase, number in index.get(word, ()):
            if words[i : i + len(phrase)] == phrase:
                found[number].append((i, i + len(phrase)))
    return found


def test_synonym_phrases_fold_as_the_plain_pass() -> None:
    text = "High blood pressure and blood in the urine; no blood thinners. Low blood sugar."
    words = [m.group().lower() for m in analysis._TOKEN.finditer(text)]
    phrases = analysis._group_index((tuple(analysis._PHRASE_KEYS),))
    assert analysis._match_groups(words, phrases, 1) == _plain_match(words, phrases, 1)
    # the analyzer's one index finds the phrases where the phrase list alone does
    lists = analysis._SENTENCE_LISTS + 1
    assert (
        analysis._match_groups(words, analysis._WORD_INDEX, lists)[-1]
        == _plain_match(words, phrases, 1)[0]
    )
    doc = Analyzer()(text, ClinicalSegmenter()(text))
    assert doc.tokens[0].stem == doc.tokens[1].stem == doc.tokens[2].stem  # control: folded


def test_drug_lexicon_reads_names_at_their_words_only() -> None:
    lexicon = default_lexicon()
    found = lexicon.find("Folic acid daily, insulin glargine 10 units and metoprolol.")
    assert [d.canonical for d in found][:1] == ["folic acid"]
    assert len(found) == 3
    assert lexicon.find("No medicines today.") == []
