"""Clinical terms read by their word parts (``data/word_parts.toml``).

``split_term("choledocholithiasis")`` gives its parts (``("choledoch", "lithiasis")``);
``described(term, clauses, affirmed)`` says whether one clause of a text says every part of the
term in plain words near one another ("stones in your C B D"), the way a patient or a doctor
describes what a note names. A term that does not split into known parts is read word by word:
"ureteral stone" is described by "a stone in your left ureteral".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from medfact.errors import ConfigError
from medfact.lexicon.tables import read_tables
from medfact.textutil import SPELLED_LETTERS

_TABLE = "word_parts.toml"
_LINKS = "oia"  # linking vowels between parts: "choledoch-o-lithiasis"
_WINDOW = 6  # the farthest, in words, a part may be said from the term's first part
_MIN_PART = 3

Phrase = tuple[str, ...]
Token = tuple[str, int, int]  # a word in lower case (a final "s" folded), its span


def fold(word: str) -> str:
    """A word in lower case with a plural "s" dropped ("stones" -> "stone"; not "pancreas")."""
    low = word.lower()
    if len(low) > 3 and low.endswith("s") and not low.endswith(("ss", "us", "is", "as")):
        return low[:-1]
    return low


def _meanings(where: str, value: object) -> tuple[Phrase, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"lexicon table data/{_TABLE}, {where}: a non-empty list of strings")
    return tuple(tuple(fold(w) for w in v.split()) for v in value)


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, tuple[Phrase, ...]], ...]:
    """Prefixes, roots and suffixes, each part -> its plain words (folded)."""
    data = read_tables(_TABLE)
    out = []
    for section in ("prefixes", "roots", "suffixes"):
        entries = data.get(section)
        if not isinstance(entries, dict) or not entries:
            raise ConfigError(f"lexicon table data/{_TABLE} has no [{section}]")
        bad = [k for k in entries if len(k) < _MIN_PART or not k.isalpha() or k != k.lower()]
        if bad:
            raise ConfigError(f"lexicon table data/{_TABLE}, [{section}]: bad parts {bad}")
        out.append({k: _meanings(f"[{section}] {k}", v) for k, v in entries.items()})
    return tuple(out)


def _roots(middle: str) -> list[str] | None:
    """``middle`` as one or more roots, each followed by an optional linking vowel."""
    roots = _table()[1]
    for root in sorted((r for r in roots if middle.startswith(r)), key=len, reverse=True):
        rest = middle[len(root) :]
        if rest[:1] and rest[0] in _LINKS:
            rest = rest[1:]
        if not rest:
            return [root]
        if (more := _roots(rest)) is not None:
            return [root, *more]
    return None


@lru_cache(maxsize=4096)
def split_term(word: str) -> tuple[str, ...] | None:
    """The parts of one word ("hypercholesterolemia" -> ("hyper", "cholesterol", "emia")), or
    None unless the whole word is [prefix] root(s) suffix."""
    prefixes, _, suffixes = _table()
    low = word.lower()
    for suffix in (s for s in suffixes if low.endswith(s)):
        body = low[: -len(suffix)]
        for prefix in [*(p for p in prefixes if body.startswith(p)), ""]:
            roots = _roots(body[len(prefix) :]) if body[len(prefix) :] else None
            if roots is not None:
                return (*((prefix,) if prefix else ()), *roots, suffix)
    return None


def root_words(word: str) -> tuple[Phrase, ...]:
    """The plain words of the roots of one word that splits into parts ("hysterectomy" ->
    ("uterus",), ("womb",)), each with its combining form's ``extra`` names; () where the word
    does not split."""
    split = split_term(word)
    if split is None:
        return ()
    roots = _table()[1]
    return tuple(phrase for part in split if part in roots for phrase in roots[part])


def roots_of(word: str) -> tuple[str, ...]:
    """The combining forms of the roots of one word ("cholecystectomy" -> ("cholecyst",))."""
    split = split_term(word)
    roots = _table()[1]
    return tuple(p for p in split if p in roots) if split else ()


def _part_words(part: str) -> tuple[Phrase, ...]:
    prefixes, roots, suffixes = _table()
    return prefixes.get(part) or roots.get(part) or suffixes.get(part) or ()


# a clause: what lies between stops, commas, semicolons, line breaks and "but"
_CLAUSE = re.compile(r"[.;,!?\n]|\bbut\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


def clauses(text: str) -> list[list[Token]]:
    """The words of each clause of ``text``, spelled-out capitals joined ("C B D" -> "cbd")."""
    found: list[list[Token]] = []
    start = 0
    for stop in [*(m.start() for m in _CLAUSE.finditer(text)), len(text)]:
        words: list[Token] = []
        piece = text[start:stop]
        spelled = [(m.start(), m.end()) for m in SPELLED_LETTERS.finditer(piece)]
        for m in _WORD.finditer(piece):
            run = next(((s, e) for s, e in spelled if s <= m.start() < e), None)
            if run is None:
                words.append((fold(m.group()), start + m.start(), start + m.end()))
            elif m.start() == run[0]:
                joined = piece[run[0] : run[1]].replace(" ", "").lower()
                words.append((joined, start + run[0], start + run[1]))
        if words:
            found.append(words)
        start = stop + 1
    return found


def _at(words: list[Token], phrase: Phrase) -> list[int]:
    """The positions in ``words`` where ``phrase`` starts."""
    n = len(phrase)
    return [
        i for i in range(len(words) - n + 1) if all(words[i + k][0] == phrase[k] for k in range(n))
    ]


def _parts(term: str) -> list[tuple[Phrase, ...]] | None:
    """The plain words of each part of ``term``: a word that splits gives its parts, another
    word itself. None where no word splits and the term is a single word (nothing to read)."""
    words = [w for w in re.findall(r"[a-z]+", term.lower()) if len(w) > 2]
    parts: list[tuple[Phrase, ...]] = []
    split_any = False
    for word in words:
        split = split_term(word)
        if split is None:
            parts.append(((fold(word),),))
        else:
            split_any = True
            parts += [_part_words(p) for p in split]
    if not split_any and len(words) < 2:
        return None
    return parts


def described(
    term: str, text_clauses: list[list[Token]], affirmed: Callable[[int, int], bool]
) -> bool:
    """Whether one clause says every part of ``term`` in plain words, each within a few words
    of the first part's, and ``affirmed`` holds of the first part's words there (not denied)."""
    parts = _parts(term)
    if not parts:
        return False
    for words in text_clauses:
        spots = [[i for phrase in part for i in _at(words, phrase)] for part in parts]
        if not all(spots):
            continue
        for anchor in spots[0]:
            if all(any(abs(i - anchor) <= _WINDOW for i in s) for s in spots[1:]) and affirmed(
                words[anchor][1], words[anchor][2]
            ):
                return True
    return False
