"""medfact.lexicon: the word tables in data/*.toml, their loader and the terms API built on them."""

from __future__ import annotations

import fnmatch
import tomllib
from importlib.resources import files
from pathlib import Path

import pytest

from medfact.errors import ConfigError
from medfact.lexicon import tables, terms

ROOT = Path(__file__).resolve().parents[1]
DATA_FILES = sorted(p.name for p in files("medfact.lexicon").joinpath("data").iterdir())


def _public_tables() -> dict[str, object]:
    return {name: value for name, value in vars(terms).items() if name.isupper()}


def test_every_data_key_is_a_terms_name_with_the_same_content():
    assert DATA_FILES == [
        "abbreviations.toml",  # read by medfact.lexicon.abbreviations
        "anatomy.toml",
        "change.toml",
        "drug_classes.toml",  # the drug class table, read by medfact.lexicon.drugs
        "entities.toml",  # entities.v1's concept tables, read by medfact.verifiers.entities
        "exceptions.toml",  # exception.v1's topic groups, read by medfact.verifiers.exception
        "lab_ranges.toml",  # abnormal-value limits, read by medfact.verifiers.omission
        "lay_terms.toml",  # lay names of drugs and classes, read by medfact.lexicon.lay
        "negation.toml",
        "oncology.toml",  # regimens, tumour abbreviations: medfact.verifiers.omission
        "opposites.toml",  # opposite states of a finding, read by medfact.opposites
        "outcomes.toml",  # study outcomes good or bad for the patient, read by medfact.direction
        "procedure_actions.toml",  # procedures told as actions, read by medfact.lexicon.actions
        "quantities.toml",
        "red_flags.toml",  # omission.v1's red flags, read by medfact.verifiers.omission
        "routes.toml",
        "scales.toml",
        "scope.toml",
        "uk_brands.toml",  # UK brands by their generic, read by medfact.lexicon.drugs
        "word_parts.toml",  # word parts of clinical terms, read by medfact.lexicon.parts
        "words.toml",
    ]
    seen = set()
    own = (
        "entities.toml",
        "red_flags.toml",
        "abbreviations.toml",
        "drug_classes.toml",
        "lab_ranges.toml",
        "lay_terms.toml",
        "word_parts.toml",
        "outcomes.toml",
        "procedure_actions.toml",
        "opposites.toml",
        "exceptions.toml",
        "oncology.toml",
        "uk_brands.toml",
    )
    for name in (n for n in DATA_FILES if n not in own):
        for key, raw in tables.read_tables(name).items():
            value = getattr(terms, key.upper())
            seen.add(key.upper())
            if isinstance(raw, dict):
                assert list(value) == list(raw)  # file order is the dict order
                assert {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()} == raw
            elif isinstance(value, frozenset):
                assert value == set(raw) and len(value) == len(raw)
            else:
                assert [list(v) if isinstance(v, tuple) else v for v in value] == raw
    assert set(_public_tables()) - seen == {"SCALES"}  # built from the three scales


def test_terms_keep_their_types():
    for name in ("NEGATION_PRE", "NEGATION_POST", "UNCERTAINTY_PRE", "SCOPE_TERMINATORS"):
        assert type(getattr(terms, name)) is tuple
    for name in ("NEGATIVE_ANSWERS", "POSITIVE_ANSWERS", "COMPARISON_MARKERS"):
        assert type(getattr(terms, name)) is tuple
    for name in ("ANATOMY", "PROCEDURE_WORDS", "RECOMMENDATION_WORDS", "GENERIC_WORDS"):
        assert type(getattr(terms, name)) is frozenset
    for name in ("CLINICAL_WORDS", "DEMOGRAPHIC_WORDS", "DOSE_CLASSES"):
        assert type(getattr(terms, name)) is frozenset
    assert all(type(group) is tuple for group in terms.SYNONYM_GROUPS)
    assert terms.UNITS["mg"] == ("mass", "mg") and type(terms.UNITS["mm hg"]) is tuple
    assert terms.SCALES["severity"] is terms.SEVERITY_SCALE
    assert list(terms.SCALES) == ["certainty", "severity", "frequency"]
    # integers stay integers and fractions are exact: values flow into scores and JSON output
    assert type(terms.NUMBER_WORDS["one"]) is int and terms.NUMBER_WORDS["half"] == 0.5
    assert type(terms.UNIT_FACTORS["mg"]) is float and type(terms.FREQUENCIES["bid"]) is int
    assert terms.UNIT_FACTORS["s"] == 1 / 3600 and terms.FREQUENCIES["weekly"] == 1 / 7
    assert terms.FREQUENCIES["monthly"] == 1 / 30 and terms.UNIT_FACTORS["min"] == 1 / 60
    assert terms.LATERALITY["left-sided"] == "left" and terms.CHANGE_WORDS["no change"] == "same"
    assert {"extremity", "lumbar", "knee"} <= terms.ANATOMY
    assert {"asthma", "troponin", "dose"} <= terms.CLINICAL_WORDS


def test_every_entry_is_lower_case():
    words: list[str] = []
    for value in _public_tables().values():
        if isinstance(value, dict):
            words += [k for k in value if isinstance(k, str)]
        else:
            for item in value:
                words += list(item) if isinstance(item, tuple) else [item]
    assert words and all(w == w.lower() and w == w.strip() for w in words)


def test_installed_wheel_ships_the_data_files():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = project["package-data"]["medfact.lexicon"]
    for name in DATA_FILES:
        assert any(fnmatch.fnmatch(f"data/{name}", pattern) for pattern in patterns)
    assert "medfact.synth.perturb" in project["packages"]


# ------------------------------------------------------------------------------------------
# loader errors name the file, the key and the entry
# ------------------------------------------------------------------------------------------


@pytest.fixture
def fake_tables(monkeypatch):
    data = {
        "words": ["a", "b"],
        "twice": ["a", "b", "a"],
        "mixed": ["a", 3],
        "empty": ["a", ""],
        "groups": [["a", "b"], "c"],
        "sides": {"l": "left", "r": 2},
        "numbers": {"one": 1, "yes": True},
        "units": {"mg": ["mass", "mg"], "g": ["mass"]},
        "text": "not a list",
    }
    monkeypatch.setattr(tables, "read_tables", lambda name: data)
    return data


def test_loader_reads_good_entries(fake_tables):
    assert tables.word_tuple("t.toml", "words") == ("a", "b")
    assert tables.word_set("t.toml", "words") == frozenset({"a", "b"})


@pytest.mark.parametrize(
    ("reader", "key", "message"),
    [
        (tables.word_tuple, "missing", "data/t.toml has no key 'missing'"),
        (tables.word_tuple, "text", "key 'text': must be a list; received str"),
        (tables.word_tuple, "mixed", "key 'mixed', entry 1: must be a non-empty string"),
        (tables.word_tuple, "empty", "entry 1: must be a non-empty string; received ''"),
        (tables.word_set, "twice", "key 'twice': 'a' is listed twice"),
        (tables.word_groups, "groups", "key 'groups', entry 1: must be a list of strings"),
        (tables.text_map, "sides", "key 'sides', entry 'r': must be a non-empty string"),
        (tables.number_map, "numbers", "entry 'yes': must be a number; received True"),
        (tables.pair_map, "units", "entry 'g': must be a list of two strings"),
    ],
)
def test_loader_rejects_bad_entries(fake_tables, reader, key, message):
    with pytest.raises(ConfigError, match="lexicon table") as err:
        reader("t.toml", key)
    assert message in str(err.value) and "data/t.toml" in str(err.value)


def test_missing_or_broken_file_is_a_config_error(monkeypatch, tmp_path):
    with pytest.raises(ConfigError, match="data/nope.toml is missing"):
        tables.read_tables.__wrapped__("nope.toml")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "bad.toml").write_text("words = [\n")
    monkeypatch.setattr(tables, "files", lambda package: tmp_path)
    with pytest.raises(ConfigError, match="data/bad.toml is not valid TOML"):
        tables.read_tables.__wrapped__("bad.toml")
