"""Lay names of drugs and drug classes (``data/lay_terms.toml``), read in an input only.

``lay_named(canonical, text)``: the input's lay name of that very drug ("weed" for marijuana).
``lay_class(canonical, text)``: the input's lay name of the drug's class ("water pill" for
furosemide), with the class.
"""

from __future__ import annotations

import re
from functools import lru_cache

from medfact.errors import ConfigError
from medfact.lexicon.tables import read_tables

_TABLE = "lay_terms.toml"


def _phrases(where: str, value: object) -> tuple[str, ...]:
    """A non-empty list of lower-case strings as a tuple; a ConfigError naming ``where``."""
    if not isinstance(value, list) or not value:
        raise ConfigError(f"lexicon table data/{_TABLE}, {where}: must be a non-empty list")
    if not all(isinstance(v, str) and v.strip() and v == v.lower() for v in value):
        raise ConfigError(f"lexicon table data/{_TABLE}, {where}: lower-case strings only")
    return tuple(value)


def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Whole-word alternatives, longest first; spaces match any run of spaces."""
    alts = sorted((re.escape(p).replace(r"\ ", r"\s+") for p in phrases), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b")


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, re.Pattern[str]], dict[str, tuple[str, re.Pattern[str]]]]:
    """Drug canonical -> its lay names; member canonical -> (class, the class's lay names)."""
    data = read_tables(_TABLE)
    drugs = {
        name: _pattern(_phrases(f"[drug.{name!r}] lay", entry.get("lay")))
        for name, entry in data.get("drug", {}).items()
    }
    members: dict[str, tuple[str, re.Pattern[str]]] = {}
    for name, entry in data.get("class", {}).items():
        pattern = _pattern(_phrases(f"[class.{name!r}] lay", entry.get("lay")))
        for member in _phrases(f"[class.{name!r}] members", entry.get("members")):
            members[member] = (name, pattern)
    return drugs, members


def lay_named(canonical: str, text_lower: str) -> str | None:
    """The input's lay name (``text_lower``: the input in lower case) of the drug ``canonical``
    ("weed" for "medical cannabis"), or None."""
    pattern = _tables()[0].get(canonical.lower())
    m = pattern.search(text_lower) if pattern is not None else None
    return m.group() if m else None


def lay_class_of(canonical: str) -> str | None:
    """The class whose lay names the table gives and of which ``canonical`` is a member."""
    entry = _tables()[1].get(canonical.lower())
    return entry[0] if entry else None


def lay_class(canonical: str, text_lower: str) -> list[tuple[str, str, int, int]]:
    """(class, the input's words, start, end) of each place the input names the class of the
    drug ``canonical`` in lay words ("water pill" for furosemide)."""
    entry = _tables()[1].get(canonical.lower())
    if entry is None:
        return []
    return [(entry[0], m.group(), m.start(), m.end()) for m in entry[1].finditer(text_lower)]
