"""Text helpers shared by the perturbations: sentence spans, word lists and term matching."""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

from medfact.synth.perturb.base import Span


def wordlist(text: str) -> list[str]:
    """Whitespace-separated words: keeps long word lists readable."""
    return text.split()


_ABBREVIATIONS = frozenset(wordlist("dr mr mrs ms st vs etc approx e.g i.e fig jr sr prof dept"))
_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*(?=\s)|\n")
_LIST_MARKER = re.compile(r"^(?:\d{1,2}|[a-z])[.)]?$")


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of ``text``: breaks at line ends and at ``.!?`` before a capital or digit,
    but not after common abbreviations, initials or list markers ("1.")."""
    return list(_split_sentences(text))


@lru_cache(maxsize=256)
def _split_sentences(text: str) -> tuple[Span, ...]:
    spans: list[Span] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group() != "\n" and not _is_boundary(text, start, match.start(), match.end()):
            continue
        _add_span(spans, text, start, match.end())
        start = match.end()
    _add_span(spans, text, start, len(text))
    return tuple(spans)


def _is_boundary(text: str, start: int, dot: int, end: int) -> bool:
    before = text[start:dot].strip()
    last = before.split()[-1].lower().strip("(\"'") if before else ""
    if last in _ABBREVIATIONS or re.fullmatch(r"[a-z]", last) or _LIST_MARKER.match(before):
        return False
    following = re.match(r"\s*(\S)", text[end:])
    return not (following and following.group(1).islower())


def _add_span(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))


def is_header(sentence: str) -> bool:
    """A section title such as "CHIEF COMPLAINT" or "Plan:"."""
    if sentence[-1] in ".!?":
        return False
    letters = [c for c in sentence if c.isalpha()]
    return sentence.endswith(":") or (len(letters) > 1 and sentence.isupper())


def is_list_item(sentence: str) -> bool:
    """A numbered or bulleted item ("1. ...", "- ...")."""
    return bool(re.match(r"(?:\d{1,2}[.)]|[-•*])\s", sentence))


def match_case(source: str, new: str) -> str:
    """``new`` spelled with the capitalisation pattern of ``source``."""
    if len(source) > 1 and source.isupper() and new.lower() == new:
        return new.upper()
    if source[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


def capitalize(word: str) -> str:
    """``word`` with its first letter upper-cased and the rest kept."""
    return word[:1].upper() + word[1:]


def sentence_at(text: str, pos: int) -> Span:
    """The span of the sentence holding offset ``pos`` (the whole text when none does)."""
    for start, end in split_sentences(text):
        if start <= pos < end:
            return start, end
    return 0, len(text)


def words_of(text: str) -> list[str]:
    """The words of ``text``: letters, apostrophes and hyphens, starting with a letter."""
    return re.findall(r"[A-Za-z][A-Za-z'-]*", text)


@lru_cache(maxsize=4096)
def term_regex(terms: tuple[str, ...]) -> re.Pattern[str]:
    """Matches any term at a word start (terms are stems: "allerg" matches "allergic"); a term
    ending in "$" must be a whole word, optionally plural ("uti$" does not match "utilize")."""
    escaped = (re.escape(t[:-1]) + r"s?\b" if t.endswith("$") else re.escape(t) for t in terms)
    alternatives = sorted(escaped, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + ")", re.IGNORECASE)


_TOKEN_RE = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


@lru_cache(maxsize=64)
def _sorted_words(text: str) -> tuple[str, ...]:
    """Lower-cased words of ``text`` and the parts of hyphenated ones, sorted for prefix search."""
    words = set(_TOKEN_RE.findall(text.lower()))
    words |= {part for word in words if "-" in word for part in word.split("-")}
    return tuple(sorted(words))


def mentions(text: str, keywords: tuple[str, ...]) -> bool:
    """Whether a word of ``text`` starts with one of ``keywords`` (stems such as "allerg")."""
    words = _sorted_words(text)
    for keyword in keywords:
        if not _TOKEN_RE.fullmatch(keyword):
            if term_regex((keyword,)).search(text):
                return True
            continue
        i = bisect_left(words, keyword)
        if i < len(words) and words[i].startswith(keyword):
            return True
    return False
