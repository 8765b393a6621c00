"""Tokenisation shared by retrieval and rules: lower-cased word tokens with spans, one-character
tokens kept ("type 2", "vitamin D"), optional Snowball stems."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

import Stemmer

TOKEN_RE = re.compile(r"[A-Za-z]+(?:'[a-z]+)?|\d+(?:[.,]\d+)*")
# capitals spelled out one by one, as a transcript writes a spoken abbreviation ("C B D", "G C S F")
SPELLED_LETTERS = re.compile(r"\b[A-Z](?: [A-Z]\b)+")

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "ours",
        "she",
        "so",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "too",
        "up",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "um",
        "uh",
        "okay",
        "ok",
        "yeah",
        "yes",
        "oh",
        "well",
        "just",
        "also",
        "very",
        "really",
        "like",
        "some",
        "any",
        "about",
        "s",
        "t",
    ]
)

_stemmer = Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def iter_tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """(lower-cased token, start, end) for each word or number in ``text``."""
    for m in TOKEN_RE.finditer(text):
        yield m.group().lower(), m.start(), m.end()


def tokens(text: str) -> list[str]:
    return [t for t, _, _ in iter_tokens(text)]


def content_stems(text: str) -> list[str]:
    """Stems of the non-stopword tokens: what retrieval and support overlap compare."""
    return [stem(t) for t, _, _ in iter_tokens(text) if t not in STOPWORDS]


def spans_overlap(
    a: tuple[int, int] | list[int] | None, b: tuple[int, int] | list[int] | None
) -> bool:
    """Whether two [start, end) character spans share at least one character (None: never)."""
    return a is not None and b is not None and min(a[1], b[1]) > max(a[0], b[0])


class SpanIndex:
    """Spans by start with a running maximum of their ends: the spans overlapping a range are
    found by binary search, walking back only while an earlier span can still reach it."""

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        self.spans = spans
        self.order = sorted(range(len(spans)), key=lambda i: (spans[i][0], i))
        self.starts = [spans[i][0] for i in self.order]
        self.reach: list[int] = []
        top = -1
        for i in self.order:
            top = max(top, spans[i][1])
            self.reach.append(top)

    def overlapping(self, start: int, end: int) -> Iterator[int]:
        """Indices (into ``spans``) of the spans overlapping [start, end), latest start first."""
        j = bisect.bisect_left(self.starts, end) - 1
        while j >= 0 and self.reach[j] > start:
            i = self.order[j]
            if self.spans[i][1] > start:
                yield i
            j -= 1

    def holds(self, pos: int) -> bool:
        """Whether a span contains the position ``pos``."""
        return next(self.overlapping(pos, pos + 1), None) is not None


def sentence_at(sentences: Sequence[Any], pos: int) -> Any | None:
    """The sentence (anything with ``span``, in text order) holding character ``pos``."""
    j = bisect.bisect_right(sentences, pos, key=lambda s: s.span[0]) - 1
    if j >= 0 and sentences[j].span[0] <= pos < sentences[j].span[1]:
        return sentences[j]
    return None
