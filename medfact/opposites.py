"""Words made opposite by a prefix: "stressful" and "unstressful", "national" and
"international", "on-policy" and "off-policy", "preoperative" and "postoperative".

A minimal edit turns a statement into its opposite by adding, dropping or swapping a prefix; the
sentence keeps every other word, so tier 1 reads it as supported. A claim word that the input
never uses, where the claim's aligned window uses the same word with the opposite prefix, says
the opposite of the window.
"""

from __future__ import annotations

from functools import lru_cache

from medfact.analysis import AFFIRMED, AnalyzedText, Token
from medfact.lexicon.tables import word_groups, word_set

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


@lru_cache(maxsize=65536)
def opposite_by_prefix(a: str, b: str) -> bool:
    """Whether two lower-case words are one word with opposite prefixes: one is the other with
    a negating prefix added, or both carry the two prefixes of a swapped pair. Read once per
    pair: the answer depends on the two words alone."""
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


def _state_table() -> dict[str, frozenset[str]]:
    """Each listed state word with its opposites (``opposites.toml``, both ways)."""
    table: dict[str, set[str]] = {}
    for first, *others in word_groups("opposites.toml", "opposite_states"):
        for other in others:
            table.setdefault(first, set()).add(other)
            table.setdefault(other, set()).add(first)
    return {word: frozenset(opp) for word, opp in table.items()}


STATE_OPPOSITES: dict[str, frozenset[str]] = _state_table()
"""A finding's state words and their opposites: "intact" and "reduced", "medial" and
"lateral"."""


def _same_table() -> dict[str, frozenset[str]]:
    """Each word of ``opposites.toml``'s ``same_states`` with the words of its state."""
    table: dict[str, set[str]] = {}
    for group in word_groups("opposites.toml", "same_states"):
        for word in group:
            table.setdefault(word, set()).update(group)
    return {word: frozenset(same) for word, same in table.items()}


SAME_STATES: dict[str, frozenset[str]] = _same_table()
"""State words with the words of the same state ("intact" and "normal")."""
PLACES: frozenset[str] = word_set("opposites.toml", "places")
"""Directional terms of anatomy ("medial", "upper"): read against their opposites only."""
RESULTS: frozenset[str] = word_set("opposites.toml", "results")
"""A test's result words ("positive", "-ve"): read against their opposites only."""
STATE_WORDS: frozenset[str] = word_set("opposites.toml", "states")
"""State words a negation turns to their opposite ("tender", "swollen")."""


def same_state(a: str, b: str) -> bool:
    """Whether two lower-case state words say one state ("intact" and "normal")."""
    return a == b or b in SAME_STATES.get(a, ())


@lru_cache(maxsize=65536)
def listed_opposites(a: str, b: str) -> bool:
    """Whether two lower-case state words, or words of their states, are a listed pair
    (``opposites.toml``): "-ve" and "positive", "low" and "normal". Read once per pair: the
    answer depends on the two words alone."""
    return any(
        y in STATE_OPPOSITES.get(x, ())
        for x in SAME_STATES.get(a, frozenset({a}))
        for y in SAME_STATES.get(b, frozenset({b}))
    )


def opposite_states(a: str, b: str) -> bool:
    """Whether two lower-case words give one finding opposite states: a listed pair
    (:func:`listed_opposites`) or one word with opposite prefixes (:func:`opposite_by_prefix`)."""
    return listed_opposites(a, b) or opposite_by_prefix(a, b)


__all__ = [
    "PLACES",
    "RESULTS",
    "SAME_STATES",
    "STATE_OPPOSITES",
    "STATE_WORDS",
    "listed_opposites",
    "opposite_by_prefix",
    "opposite_states",
    "opposite_words",
    "same_state",
]
