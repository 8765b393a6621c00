"""The engine end to end: results, timings, JSON, batches with bad records, limits, registry and
config errors, the top-level API and the published JSON Schema."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

import medfact
from medfact import registry
from medfact.config import config_hash, default_config, load_config
from medfact.errors import ConfigError, InputError, InputTooLargeError, MedfactError, RegistryError
from medfact.io import iter_jsonl, read_text_arg
from medfact.pipeline import Engine
from medfact.taxonomy import RiskLevel, VerdictLabel
from medfact.types import Assessment, Case, RecordError, json_schema

STAGES = ("segment", "decompose", "analyze", "retrieve", "verify", "score")
CONTEXT = (
    "Doctor: Any chest pain? Patient: No. Doctor: What medicines do you take? "
    "Patient: Metformin 500 mg twice a day and lisinopril 10 mg. Doctor: Which knee hurts? "
    "Patient: My left knee, it has gotten worse since last week. It is a mild ache."
)
GOOD = (
    "The patient denies chest pain. He takes metformin 500 mg twice daily and lisinopril 10 mg. "
    "Left knee pain, worse since last week, mild."
)
BAD = GOOD.replace("500 mg", "1000 mg").replace("Left knee", "Right knee")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_config(None).load()


@pytest.fixture(scope="module")
def good(engine: Engine) -> Assessment:
    return engine.score_one(GOOD, context=CONTEXT, id="visit-1")


@pytest.fixture(scope="module")
def bad(engine: Engine) -> Assessment:
    return engine.score_one(BAD, context=CONTEXT, id="visit-2")


def without_timings(a: Assessment) -> dict:
    data = json.loads(a.to_json())
    data.pop("timings")
    return data


# --- one case ------------------------------------------------------------------------------------


def test_default_config_uses_the_condition_aware_decomposer(engine: Engine) -> None:
    assert engine.config["pipeline"]["decomposer"] == "condition_aware.v1"
    assert "condition_aware.v1" in registry.decomposers.names()
    assert engine.load_seconds is not None


def test_score_one_returns_an_assessment_with_ids(good: Assessment) -> None:
    assert isinstance(good, Assessment)
    assert good.id == "visit-1"
    assert good.risk_level == RiskLevel.NO_RISK
    assert good.safe and good.risk_name == "no risk"
    assert good.engine_version == medfact.__version__
    assert len(good.config_hash) == 16
    assert good.claims
    claim_ids = [c.id for c in good.claims]
    assert len(set(claim_ids)) == len(claim_ids)
    assert [v.claim_id for v in good.verdicts] == claim_ids


def test_claims_point_into_the_output(good: Assessment) -> None:
    for claim in good.claims:
        start, end = claim.span
        assert 0 <= start < end <= len(GOOD)
        assert GOOD[start:end].strip()


def test_timings_cover_every_stage(good: Assessment) -> None:
    for stage in STAGES:
        assert stage in good.timings, good.timings
        assert good.timings[stage] >= 0.0
    assert sum(good.timings.values()) < 5.0


def test_factuality_is_a_share_of_supported_claims(good: Assessment, bad: Assessment) -> None:
    for a in (good, bad):
        assert a.factuality is not None and 0.0 <= a.factuality <= 1.0
        supported = sum(v.label == VerdictLabel.SUPPORTED for v in a.verdicts)
        assert a.factuality == pytest.approx(supported / len(a.verdicts))
    assert good.factuality == 1.0
    assert bad.factuality < 1.0


def test_factuality_is_none_without_context(engine: Engine) -> None:
    a = engine.score_one(GOOD)
    assert a.factuality is None
    assert a.verdicts == []
    assert a.findings == []
    assert a.risk_level == RiskLevel.NO_RISK


def test_blank_context_counts_as_none(engine: Engine) -> None:
    assert engine.score_one(GOOD, context="   \n ").factuality is None


def test_unsafe_case_has_located_findings(bad: Assessment) -> None:
    assert bad.risk_level >= RiskLevel.MODERATE and not bad.safe
    spans = [f.span for f in bad.findings if f.span is not None]
    assert any(BAD[s:e].startswith("1000") for s, e in spans), spans
    assert any("Right" in BAD[s:e] for s, e in spans), spans
    assert any(v.label == VerdictLabel.CONTRADICTED for v in bad.verdicts)
    keys = [(f.span or (10**12, 0), f.rule) for f in bad.findings]
    assert keys == sorted(keys)


def test_json_round_trip_is_equal(good: Assessment, bad: Assessment) -> None:
    for a in (good, bad):
        text = a.to_json()
        back = Assessment.from_json(text)
        assert back == a
        assert back.to_json() == text
        data = json.loads(text)
        assert data["risk_name"] == a.risk_name and data["safe"] == a.safe
        assert all("group" in f for f in data["findings"])


def test_same_input_gives_the_same_output(engine: Engine, bad: Assessment) -> None:
    again = engine.score_one(BAD, context=CONTEXT, id="visit-2")
    assert without_timings(again) == without_timings(bad)
    fresh = Engine.from_config(None).score_one(BAD, context=CONTEXT, id="visit-2")
    assert without_timings(fresh) == without_timings(bad)


def test_score_accepts_a_case_or_a_dict(engine: Engine, bad: Assessment) -> None:
    case = Case(id="visit-2", output=BAD, context=CONTEXT)
    assert without_timings(engine.score(case)) == without_timings(bad)
    record = {"id": "visit-2", "output": BAD, "context": CONTEXT}
    assert without_timings(engine.score(record)) == without_timings(bad)


def test_integer_ids_become_strings(engine: Engine) -> None:
    assert engine.score({"id": 7, "output": "Denies fever."}).id == "7"


def test_score_raises_input_error_naming_the_field(engine: Engine) -> None:
    with pytest.raises(InputError) as info:
        engine.score({"id": "r1", "output": ""})
    assert info.value.field == "output"
    assert info.value.record == "r1"
    assert "record r1" in str(info.value) and "'output'" in str(info.value)


# --- batches -------------------------------------------------------------------------------------


def test_score_many_one_result_per_record_in_order(engine: Engine) -> None:
    records = [
        {"id": "ok-1", "output": GOOD, "context": CONTEXT},
        {"id": "empty", "output": "  "},
        {"id": "missing", "context": CONTEXT},
        {"id": "wrong-type", "output": 5},
        {"id": "unknown", "output": GOOD, "colour": "red"},
        ["not", "a", "record"],
        Case(id="ok-2", output=BAD, context=CONTEXT),
        {"id": "ctx-type", "output": GOOD, "context": 3},
        {"id": 9, "output": GOOD},
        RecordError(id="from-reader", error={"code": "E010", "field": None, "message": "x"}),
    ]
    results = list(engine.score_many(records))
    assert len(results) == len(records)
    kinds = [type(r).__name__ for r in results]
    assert kinds == [
        "Assessment",
        "RecordError",
        "RecordError",
        "RecordError",
        "Assessment",  # an unknown field is kept as metadata (one warning), not refused
        "RecordError",
        "Assessment",
        "RecordError",
        "Assessment",
        "RecordError",
    ]
    assert [r.id for r in results] == [
        "ok-1",
        "empty",
        "missing",
        "wrong-type",
        "unknown",
        None,
        "ok-2",
        "ctx-type",
        "9",
        "from-reader",
    ]
    errors = {r.id: r.error for r in results if isinstance(r, RecordError)}
    assert errors["empty"]["field"] == "output"
    assert errors["missing"]["field"] == "output" and "required" in errors["missing"]["message"]
    assert errors["wrong-type"]["field"] == "output"
    assert "string" in errors["wrong-type"]["message"]
    assert "unknown" not in errors
    assert errors["ctx-type"]["field"] == "context"
    assert errors[None]["field"] is None and "list" in errors[None]["message"]
    assert all(e["code"].startswith("E0") for e in errors.values())
    assert results[0].risk_level == RiskLevel.NO_RISK
    assert results[6].risk_level >= RiskLevel.MODERATE


def test_score_many_results_match_score(engine: Engine, good: Assessment) -> None:
    records = [{"id": "visit-1", "output": GOOD, "context": CONTEXT}] * 3
    results = list(engine.score_many(records, batch_size=2))
    assert [without_timings(r) for r in results] == [without_timings(good)] * 3


def test_score_many_is_lazy_and_streams(engine: Engine) -> None:
    def records():
        yield {"id": "first", "output": GOOD}
        raise AssertionError("read past the first batch")

    first = next(iter(engine.score_many(records(), batch_size=1)))
    assert first.id == "first"


def test_an_engine_bug_becomes_a_record_error(engine: Engine, monkeypatch) -> None:
    def broken(_case):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "_check_limits", broken)
    results = list(engine.score_many([{"id": "x", "output": "a"}, {"id": "y", "output": "b"}]))
    assert [(r.id, r.error["message"]) for r in results] == [("x", "boom"), ("y", "boom")]


def test_iter_jsonl_never_raises_per_line() -> None:
    data = b"\n".join(
        [
            b'{"id": "a", "output": "x"}',
            b"",
            b"{not json",
            b'{"output": "caf\xe9"}',
            b'{"output": "bin\x00ary"}',
            b'"just a string"',
            b'{"output": "no id"}',
            b"\xef\xbb\xbf" + b'{"id": "bom", "output": "y"}',
        ]
    )
    items = list(iter_jsonl(io.BytesIO(data)))
    assert [line for line, _ in items] == [1, 3, 4, 5, 6, 7, 8]
    kinds = [type(item).__name__ for _, item in items]
    assert kinds == ["dict", "RecordError", "RecordError", "RecordError", "RecordError"] + [
        "dict",
        "dict",
    ]
    errors = [item for _, item in items if isinstance(item, RecordError)]
    assert [e.error["line"] for e in errors] == [3, 4, 5, 6]
    assert "binary" in errors[2].error["message"]
    assert items[5][1]["id"] == "7"  # a record without an id takes its line number
    assert items[6][1]["id"] == "bom"


def test_read_text_arg(tmp_path: Path) -> None:
    assert read_text_arg("plain text", "--output") == "plain text"
    assert read_text_arg(None, "--output") is None
    path = tmp_path / "note.txt"
    path.write_text("from a file", encoding="utf-8")
    assert read_text_arg(f"@{path}", "--output") == "from a file"
    path.write_bytes(b"caf\xe9")
    with pytest.raises(InputError) as info:
        read_text_arg(f"@{path}", "--context")
    assert info.value.field == "--context"


# --- limits --------------------------------------------------------------------------------------

# 5 MB of output in 2,500 lines of one long "word" each: cheap to analyse, so the test measures
# the limit, not the analysis (5 MB of real prose takes over a minute to analyse).
BIG = ("x" * 1998 + ".\n") * 2500


def test_large_output_is_refused_by_default(engine: Engine) -> None:
    assert len(BIG) >= 5_000_000
    with pytest.raises(InputTooLargeError) as info:
        engine.score_one(BIG, id="big")
    err = info.value
    assert err.field == "output" and err.record == "big"
    assert "max_output_chars" in str(err)
    (result,) = engine.score_many([{"id": "big", "output": BIG}])
    assert isinstance(result, RecordError)
    assert result.error["field"] == "output" and result.error["code"] == "E011"


def test_large_context_is_refused_by_default(engine: Engine) -> None:
    with pytest.raises(InputTooLargeError) as info:
        engine.score_one("Short.", context="y " * 1_000_001)
    assert info.value.field == "context"


@pytest.mark.slow
def test_large_output_is_scored_when_the_limit_is_raised() -> None:
    # its speed is measured by bench/long_inputs.py, not here (no timed unit tests)
    engine = Engine.from_config({"limits": {"max_output_chars": 6_000_000}}).load()
    a = engine.score_one(BIG, context="Patient reports mild left knee pain.", id="big")
    assert a.id == "big" and a.claims
    assert a.claims[-1].span[1] <= len(BIG)


# --- registry and config errors ------------------------------------------------------------------


def test_unknown_plugin_name_suggests_the_closest() -> None:
    engine = Engine.from_config({"pipeline": {"verifiers": ["numbers.v1", "negaton.v1"]}})
    with pytest.raises(RegistryError, match=r"Did you mean 'negation\.v1'\?") as info:
        engine.load()
    assert "negaton.v1" in str(info.value)
    assert "Registered:" in str(info.value)
    assert isinstance(info.value, ConfigError)


def test_unknown_decomposer_name() -> None:
    with pytest.raises(RegistryError, match="condition_aware.v1"):
        Engine.from_config({"pipeline": {"decomposer": "condition_awre.v1"}}).load()


def test_unknown_plugin_parameter_suggests_the_closest() -> None:
    engine = Engine.from_config({"components": {"numbers.v1": {"dose_risc": 3}}})
    with pytest.raises(ConfigError, match=r"Did you mean 'dose_risk'\?") as info:
        engine.load()
    assert "numbers.v1" in str(info.value)
    with pytest.raises(ConfigError, match="takes no parameter"):
        registry.verifiers.create("laterality.v1", {"colour": "red"})


def test_registry_register_rejects_a_second_factory() -> None:
    factory = registry.verifiers.get("numbers.v1")
    assert registry.verifiers.register("numbers.v1")(factory) is factory
    with pytest.raises(RegistryError, match="already registered"):
        registry.verifiers.register("numbers.v1")(lambda: None)


def test_registries_list_the_builtin_plugins() -> None:
    assert {"condition_aware.v1", "sentence.v1"} <= set(registry.decomposers.names())
    assert set(default_config()["pipeline"]["verifiers"]) <= set(registry.verifiers.names())
    assert "clinical.v1" in registry.segmenters.names()
    assert "rules.v1" in registry.scorers.names()


@pytest.mark.parametrize(
    ("override", "hint"),
    [
        ({"pipline": {}}, "Did you mean 'pipeline'?"),
        ({"limits": {"max_output_char": 5}}, "Did you mean 'max_output_chars'?"),
        ({"pipeline": {"verifier": ["numbers.v1"]}}, "Did you mean 'verifiers'?"),
    ],
)
def test_unknown_config_key_suggests_the_closest(override: dict, hint: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(override)
    assert hint in str(info.value)


@pytest.mark.parametrize(
    "override",
    [
        {"limits": {"max_output_chars": 0}},
        {"limits": {"max_output_chars": "big"}},
        {"pipeline": {"verifiers": "numbers.v1"}},
        {"pipeline": "numbers.v1"},
    ],
)
def test_bad_config_values(override: dict) -> None:
    with pytest.raises(ConfigError):
        load_config(override)


def test_bad_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "medfact.toml"
    path.write_text("[pipeline\nverifiers = [", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML") as info:
        load_config(path)
    assert str(path) in str(info.value)
    with pytest.raises(ConfigError, match="not valid TOML"):
        Engine.from_config(str(path))


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "nope.toml")


def test_toml_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "medfact.toml"
    path.write_text(
        '[pipeline]\nverifiers = ["numbers.v1"]\n[components."numbers.v1"]\ndose_risk = 3\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config["pipeline"]["verifiers"] == ["numbers.v1"]
    assert config["pipeline"]["decomposer"] == "condition_aware.v1"
    assert config["limits"] == default_config()["limits"]
    # 750 vs 500 mg: under 2x, so the severity policy's dose row (floor 3) leaves dose_risk = 3
    a = Engine.from_config(path).score_one("Take 750 mg.", context="Take 500 mg.")
    assert [(f.rule, int(f.risk)) for f in a.findings] == [("numbers.v1", 3)]


def test_tool_medfact_section_of_a_pyproject(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[project]\nname = "someone-else"\n\n[tool.black]\nline-length = 88\n\n'
        '[tool.medfact.pipeline]\nverifiers = ["drugs.v1"]\n\n'
        "[tool.medfact.limits]\nmax_output_chars = 1234\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config["pipeline"]["verifiers"] == ["drugs.v1"]
    assert config["limits"]["max_output_chars"] == 1234
    assert config["pipeline"]["segmenter"] == "clinical.v1"
    assert "project" not in config and "tool" not in config


def test_config_merge_does_not_mutate_the_default() -> None:
    before = default_config()
    load_config({"pipeline": {"verifiers": []}, "limits": {"max_output_chars": 10}})
    assert default_config() == before


def test_config_hash_follows_the_config() -> None:
    a, b = load_config(None), load_config({"evidence": {"top_k": 5}})
    assert config_hash(a) == config_hash(load_config({}))
    assert config_hash(a) != config_hash(b)
    assert Engine(b).config_hash == config_hash(b)


# --- top-level API -------------------------------------------------------------------------------


def test_medfact_score_top_level() -> None:
    a = medfact.score("Take 50 mg daily.", context="Take 5 mg daily.")
    assert isinstance(a, Assessment)
    assert a.risk_level == RiskLevel.HIGH and not a.safe
    assert [f.rule for f in a.findings] == ["numbers.v1"]
    assert a.findings[0].suggestion == "5 mg"
    same = medfact.score("Take 5 mg daily.", context="Take 5 mg daily.", id="x", task="qa")
    assert same.id == "x" and same.safe


def test_medfact_score_with_config_override() -> None:
    a = medfact.score(
        "Take 50 mg of aspirin.",
        context="Take 5 mg of ibuprofen.",
        config={"pipeline": {"verifiers": ["drugs.v1"]}},
    )
    assert {f.rule for f in a.findings} == {"drugs.v1"}


def test_medfact_exposes_engine_and_errors_share_a_root() -> None:
    assert medfact.Engine is Engine
    assert issubclass(InputTooLargeError, InputError) and issubclass(InputError, MedfactError)
    with pytest.raises(AttributeError):
        _ = medfact.does_not_exist


# --- JSON Schema ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict:
    return json_schema()


def validator(schema: dict, name: str) -> jsonschema.Draft202012Validator:
    root = {"$schema": schema["$schema"], "$ref": f"#/$defs/{name}", "$defs": schema["$defs"]}
    jsonschema.Draft202012Validator.check_schema(root)
    return jsonschema.Draft202012Validator(root)


def test_schema_validates_real_assessments(schema: dict, good: Assessment, bad: Assessment) -> None:
    check = validator(schema, "Assessment")
    for a in (good, bad):
        errors = list(check.iter_errors(json.loads(a.to_json())))
        assert errors == [], [e.message for e in errors]
    assert bad.findings  # the schema saw findings, evidence and verdicts


def test_schema_rejects_a_broken_assessment(schema: dict, bad: Assessment) -> None:
    check = validator(schema, "Assessment")
    data = json.loads(bad.to_json())
    data["risk_level"] = 7
    assert list(check.iter_errors(data))
    data = json.loads(bad.to_json())
    data["findings"][0]["category"] = "made_up"
    assert list(check.iter_errors(data))
    data = json.loads(bad.to_json())
    del data["id"]
    assert list(check.iter_errors(data))


def test_schema_validates_cases_and_record_errors(schema: dict, engine: Engine) -> None:
    validator(schema, "Case").validate({"id": "1", "output": "x", "context": None})
    assert list(validator(schema, "Case").iter_errors({"id": "1", "output": "x", "colour": 1}))
    (err,) = engine.score_many([{"id": "e", "output": 5}])
    validator(schema, "RecordError").validate(json.loads(err.to_json()))
    assert schema["$schema"].endswith("2020-12/schema")
