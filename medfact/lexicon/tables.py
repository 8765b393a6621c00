"""Read the word tables in ``medfact/lexicon/data/*.toml`` into typed Python values.

Each file is parsed once. A missing file, a missing key or an entry of the wrong type raises
:class:`~medfact.errors.ConfigError` naming the file, the key and the entry, so a broken table
stops the import instead of silently matching nothing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from typing import Any

from medfact.errors import ConfigError

_PACKAGE = "medfact.lexicon"


@cache
def read_tables(name: str) -> dict[str, Any]:
    """The parsed TOML file ``data/<name>`` of this package (read once, then cached)."""
    where = f"lexicon table data/{name}"
    try:
        text = files(_PACKAGE).joinpath("data", name).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{where} is missing from the installed medfact package") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where} is not valid TOML: {exc}") from exc


def _entry(name: str, key: str, kind: type) -> Any:
    tables = read_tables(name)
    if key not in tables:
        raise ConfigError(f"lexicon table data/{name} has no key {key!r}")
    value = tables[key]
    if not isinstance(value, kind):
        raise ConfigError(
            f"lexicon table data/{name}, key {key!r}: must be a {kind.__name__}; "
            f"received {type(value).__name__}"
        )
    return value


def _strings(name: str, key: str, items: list[Any]) -> list[str]:
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item:
            raise ConfigError(
                f"lexicon table data/{name}, key {key!r}, entry {i}: must be a non-empty string; "
                f"received {item!r}"
            )
    return items


def word_tuple(name: str, key: str) -> tuple[str, ...]:
    """An ordered list of words or phrases."""
    return tuple(_strings(name, key, _entry(name, key, list)))


def word_set(name: str, key: str) -> frozenset[str]:
    """A set of words or phrases; a repeated entry is an editing mistake and raises."""
    words = _strings(name, key, _entry(name, key, list))
    seen: set[str] = set()
    for word in words:
        if word in seen:
            raise ConfigError(f"lexicon table data/{name}, key {key!r}: {word!r} is listed twice")
        seen.add(word)
    return frozenset(words)


def word_groups(name: str, key: str) -> tuple[tuple[str, ...], ...]:
    """A list of groups (lists) of words or phrases."""
    groups = _entry(name, key, list)
    for i, group in enumerate(groups):
        if not isinstance(group, list):
            raise ConfigError(
                f"lexicon table data/{name}, key {key!r}, entry {i}: must be a list of strings; "
                f"received {group!r}"
            )
        _strings(name, f"{key}[{i}]", group)
    return tuple(tuple(group) for group in groups)


def text_map(name: str, key: str) -> dict[str, str]:
    """A table from a word or phrase to a word (in file order)."""
    table = _entry(name, key, dict)
    _values(name, key, table, lambda v: isinstance(v, str) and bool(v), "a non-empty string")
    return dict(table)


def number_map(name: str, key: str) -> dict[str, float]:
    """A table from a word or phrase to a number; integers stay ``int`` as written."""
    table = _entry(name, key, dict)
    _values(name, key, table, _is_number, "a number")
    return dict(table)


def pair_map(name: str, key: str) -> dict[str, tuple[str, str]]:
    """A table from a word or phrase to a pair of words (in file order)."""
    table = _entry(name, key, dict)
    _values(name, key, table, _is_word_pair, "a list of two strings")
    return {word: (value[0], value[1]) for word, value in table.items()}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_word_pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)


def _values(
    name: str, key: str, table: dict[str, Any], check: Callable[[Any], bool], allowed: str
) -> None:
    for word, value in table.items():
        if not check(value):
            raise ConfigError(
                f"lexicon table data/{name}, key {key!r}, entry {word!r}: must be {allowed}; "
                f"received {value!r}"
            )
