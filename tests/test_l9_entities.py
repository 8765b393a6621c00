"""entities.v1's concepts named the way people name them (session 9, helper L): the concept
tables of medfact/lexicon/data/entities.toml, each lay, British or "had X done" name checked
with a control (an input that does not talk about the concept at all still leaves the output's
concept unsupported). Small texts written for these tests."""

from __future__ import annotations

import pytest

from medfact.errors import ConfigError
from medfact.lexicon import tables
from medfact.testing import run_rule
from medfact.verifiers import entities

RULE = "entities.v1"


def unsupported(output: str, context: str) -> list[str]:
    """The messages of entities.v1's condition/procedure/setting findings."""
    return [
        f.message
        for f in run_rule(RULE, output, context)
        if f.rule == RULE and f.message.startswith(("condition", "procedure", "setting"))
    ]


# --- the data file -------------------------------------------------------------------------------


def test_tables_load_from_the_data_file() -> None:
    data = tables.read_tables("entities.toml")
    assert set(data) == {"condition", "procedure", "setting", "high_alert"}
    assert entities.CONDITIONS["heart failure"][:2] == ("heart failure", "CHF")
    assert ("procedure", "cholecystectomy") in entities.SUPPORT_ONLY
    # every support entry belongs to a concept with names
    for kind, concept in entities.SUPPORT_ONLY:
        assert concept in entities._NAMES[kind]


@pytest.mark.parametrize(
    "table",
    [
        {"condition": {"x": {"names": []}}},
        {"condition": {"x": {"names": ["a", "a"]}}},
        {"condition": {"x": {"names": ["a"], "suport": ["b"]}}},
        {"condition": {"x": ["a"]}},
        {"procedure": {}},
    ],
)
def test_a_broken_table_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, table: dict[str, object]
) -> None:
    full = {"condition": {}, "procedure": {}, "setting": {}, "high_alert": {}} | table
    if table == {"procedure": {}}:
        del full["setting"]
    monkeypatch.setattr(entities, "read_tables", lambda name: full)
    with pytest.raises(ConfigError, match="entities.toml"):
        entities._load()
