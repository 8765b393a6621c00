"""Abbreviations read against the phrases they shorten ("GTCS" for "generalised tonic-clonic
seizure", "TURP" for "transurethral resection of the prostate").

The reading is strict so that a fabricated abbreviation is not found by chance: at least three
letters, every one the initial of a word (or of a known part of a compound) of one phrase, in
order, the words next to each other within one sentence and no comma, colon or bracket between
them; only short function words ("of", "the") may be passed over. The rules of the reading are in
``data/abbreviations.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from medfact.lexicon.tables import text_map, word_set, word_tuple

_TABLE = "abbreviations.toml"
_PREFIXES: tuple[str, ...] = tuple(
    sorted(word_tuple(_TABLE, "compound_prefixes"), key=len, reverse=True)
)
_FUNCTION: frozenset[str] = word_set(_TABLE, "function_words")

# an abbreviation: 2-6 capitals, a plural "s" or an inhibitor's "i" after them ("UTIs", "ACEi")
ABBREVIATION = re.compile(r"\b([A-Z]{2,6})(s|i)?\b")
_MIN_LETTERS = 3  # two letters ("MI", "AF") are spelled by chance too often
# words of a phrase and what breaks one: sentence stops, commas, colons, brackets, dashes
_TOKEN = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*|&|[.;:,()!?\n]|\s[-–]\s")


@dataclass(frozen=True, slots=True)
class _Word:
    start: int
    end: int
    initials: str  # of its parts: "endovascular" -> "ev", "tonic-clonic" -> "tc"
    function: bool


@lru_cache(maxsize=8192)
def _initials(word: str) -> str:
    """The initials of a lower-case word's parts ("endovascular" -> "ev", "tonic-clonic" ->
    "tc"; a word of no known parts: its first letter)."""
    return "".join(p[0] for p in _parts(word)) or word[0]


def _parts(word: str) -> list[str]:
    """A word's parts: hyphen pieces, each split after known prefixes ("endo|vascular")."""
    parts: list[str] = []
    for piece in word.split("-"):
        while True:
            prefix = next(
                (p for p in _PREFIXES if piece.startswith(p) and len(piece) - len(p) > 3), None
            )
            if prefix is None:
                break
            parts.append(prefix)
            piece = piece[len(prefix) :]
        if piece:
            parts.append(piece)
    return parts


@lru_cache(maxsize=256)
def _phrases(text: str) -> tuple[tuple[_Word, ...], ...]:
    """The runs of words of ``text`` that no stop or comma breaks (read once per text)."""
    runs: list[tuple[_Word, ...]] = []
    run: list[_Word] = []
    for m in _TOKEN.finditer(text):
        token = m.group()
        if not (token[0].isalpha() or token == "&"):
            if run:
                runs.append(tuple(run))
            run = []
            continue
        low = token.lower()
        run.append(_Word(m.start(), m.end(), _initials(low), low in _FUNCTION))
    if run:
        runs.append(tuple(run))
    return tuple(runs)


def _spells(letters: str, run: tuple[_Word, ...], i: int) -> int | None:
    """The index of the last word of a phrase that starts at ``run[i]`` and whose initials are
    ``letters``, or None."""
    if not letters:
        return i - 1
    if i >= len(run):
        return None
    word = run[i]
    if word.function and i > 0 and (end := _spells(letters, run, i + 1)) is not None:
        return end  # passed over: "resection of the prostate"
    for k in range(len(word.initials), 0, -1):
        if letters.startswith(word.initials[:k]):
            end = _spells(letters[k:], run, i + 1)
            if end is not None and end >= i:
                return end
    return None


def _letter_options(abbreviation: str) -> tuple[str, ...]:
    """The letters an abbreviation spells: "UTIs" -> "uti"; "ACEi" -> "acei" or "ace"."""
    m = ABBREVIATION.fullmatch(abbreviation)
    if m is None:
        return ()
    core = m.group(1).lower()
    return (core + "i", core) if m.group(2) == "i" else (core,)


@lru_cache(maxsize=1024)
def spelled_out(abbreviation: str, text: str, least: int = _MIN_LETTERS) -> tuple[int, int] | None:
    """The span of a phrase of ``text`` that ``abbreviation`` shortens ("GTCS" in "an unprovoked
    generalised tonic-clonic seizure"), or None; ``least`` letters at the fewest."""
    for letters in _letter_options(abbreviation):
        if len(letters) < least:
            continue
        for run in _phrases(text):
            for i, word in enumerate(run):
                if word.function or not letters.startswith(word.initials[0]):
                    continue
                end = _spells(letters, run, i)
                if end is not None and not run[end].function:
                    return run[i].start, run[end].end
    return None


@lru_cache(maxsize=256)
def _abbreviations(text: str) -> frozenset[str]:
    return frozenset(m.group() for m in ABBREVIATION.finditer(text))


def abbreviated_in(phrase: str, text: str, least: int = _MIN_LETTERS) -> bool:
    """Whether ``text`` writes the whole of ``phrase`` as one of its abbreviations ("UTI" in the
    input for "urinary tract infection"); ``least`` letters at the fewest (two where the phrase
    is known to be said, as an input's diagnosis: "AS" for "aortic stenosis")."""
    return any(spelled_out(a, phrase, least) == (0, len(phrase)) for a in _abbreviations(text))


# symbols that name a concept in clinical shorthand ("rib #", "#NOF": a fracture), from the
# table; "#" before a number is a number ("bed #4")
SYMBOLS: dict[str, str] = text_map(_TABLE, "symbols")


def symbol_concepts(text: str) -> set[str]:
    """The concepts ``text`` names by a symbol ("L wrist #" -> "fracture")."""
    return {
        concept
        for symbol, concept in SYMBOLS.items()
        if symbol in text and re.search(rf"{re.escape(symbol)}(?!\s?\d)", text)
    }
