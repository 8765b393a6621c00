"""Words made opposite by a prefix: "stressful" and "unstressful", "national" and
"international", "on-policy" and "off-policy", "preoperative" and "postoperative".

A minimal edit turns a statement into its opposite by adding, dropping or swapping a prefix; the
sentence keeps every other word, so tier 1 reads it as supported. A claim word that the input
never uses, where the claim's aligned window uses the same word with the opposite prefix, says
the opposite of the window.
"""

from __future__ import annotations

from medfact.analysis import AFFIRMED, AnalyzedText, Token

# prefixes that negate or oppose the word they are added to
_ADDED = ("un", "non", "non-", "dis", "mis", "anti")
# prefixes that do so only before an adjective ("insignificant", "atypical", "international");
# before other words they are often part of the word ("information", "amend")
_ADDED_TO_ADJECTIVES = ("in", "im", "il", "ir", "a", "an", "inter")
_ADJECTIVE_ENDINGS = (
    "ful",
    "ive",
    "al",
    "ic",
    "able",
    "ible",
    "ent",
    "ant",
    "ous",
    "ed",
    "ate",
    "ar",
    "ile",
)
# prefixes that swap for their opposite
_SWAPS = (
    ("on", "off"),
    ("pre", "post"),
    ("hyper", "hypo"),
    ("over", "under"),
    ("intra", "extra"),
    ("up", "down"),
)
_MIN_STEM = 4  # letters a word keeps without its prefix
_COMMON = frozenset({"able", "aware", "like", "known", "usual"})  # "unable": too often idiom


def opposite_by_prefix(a: str, b: str) -> bool:
    """Whether two lower-case words are one word with opposite prefixes: one is the other with
    a negating prefix added, or both carry the two prefixes of a swapped pair."""
    if a == b or min(len(a), len(b)) < _MIN_STEM or a in _COMMON or b in _COMMON:
        return False
    short, long_ = sorted((a, b), key=len)
    if len(short) >= _MIN_STEM and any(long_ == p + short for p in _ADDED):
        return True
    if short.endswith(_ADJECTIVE_ENDINGS) and any(long_ == p + short for p in _ADDED_TO_ADJECTIVES):
        return True
    for x, y in _SWAPS:
        for u, v in ((a, b), (b, a)):
            if u.startswith(x) and v.startswith(y) and u[len(x) :] == v[len(y) :]:
                return len(u) - len(x) >= _MIN_STEM
    return False


def opposite_words(
    output: AnalyzedText, claim: tuple[int, int], context: AnalyzedText, span: tuple[int, int]
) -> tuple[Token, Token] | None:
    """The first claim word the input never uses whose prefixed opposite the window uses, with
    that window word; None where there is none."""
    used = {t.text for t in context.tokens}
    window = [
        t
        for t in context.tokens_in(*span)
        if (t.text.isalpha() or "-" in t.text) and t.polarity == AFFIRMED
    ]  # "not tender" says what "nontender" says
    for tok in output.tokens_in(*claim):
        if tok.text in used or not (tok.text.isalpha() or "-" in tok.text):
            continue
        for w in window:
            if opposite_by_prefix(tok.text, w.text):
                return tok, w
    return None


__all__ = ["opposite_by_prefix", "opposite_words"]
