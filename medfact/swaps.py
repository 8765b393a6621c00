"""A value swapped in its slot: "revenue between $3.515 billion and $3.674 billion" against
"... and $3.575 billion", "the fourth quarter" against "the first quarter", "the millions it
has" against "the billions it has".

A minimal edit replaces one value by another of its kind and keeps the words around it. A claim
word of a closed kind (a number, an ordinal, a quarter, an order of magnitude, a month, a
weekday, a time of day) that the input never uses, standing between the same two words as a
different word of the same kind in the claim's aligned window, is the window's value changed.
"""

from __future__ import annotations

import re

from medfact.analysis import AnalyzedText, Token

_KINDS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth",
    "q1 q2 q3 q4",
    "hundred thousand million billion trillion hundreds thousands millions billions trillions",
    "january february march april may june july august september october november december",
    "monday tuesday wednesday thursday friday saturday sunday",
    "morning afternoon evening night tonight tomorrow yesterday today",
)
_KIND_OF = {w: k for k, words in enumerate(_KINDS) for w in words.split()}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _kind(word: str) -> str | int | None:
    """A word's closed kind: "number", an index into ``_KINDS``, or None."""
    return "number" if _NUMBER.fullmatch(word) else _KIND_OF.get(word)


def _plain(word: str) -> str:
    """A number without its thousands separators ("1,000" is "1000")."""
    return word.replace(",", "") if _NUMBER.fullmatch(word) else word


def _neighbours(tokens: list[Token], i: int) -> tuple[str | None, str | None]:
    before = tokens[i - 1].text if i > 0 else None
    after = tokens[i + 1].text if i + 1 < len(tokens) else None
    return before, after


def swapped_value(
    output: AnalyzedText, claim: tuple[int, int], context: AnalyzedText, span: tuple[int, int]
) -> tuple[Token, Token] | None:
    """The first claim value the input never uses that stands between the same two words as
    another value of its kind in the window (the word before it not a number), with that window
    value; None where there is none."""
    used = {_plain(t.text) for t in context.tokens}
    said = output.tokens_in(*claim)
    window = context.tokens_in(*span)
    for i, tok in enumerate(said):
        kind = _kind(tok.text)
        if kind is None or _plain(tok.text) in used:
            continue
        before, after = _neighbours(said, i)
        if before is None or after is None or _NUMBER.fullmatch(before):
            continue
        for j, given in enumerate(window):
            if _kind(given.text) == kind and _neighbours(window, j) == (before, after):
                return tok, given
    return None


__all__ = ["swapped_value"]
