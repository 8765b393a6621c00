"""medfact gate: inputs, contexts, locations, config, thresholds and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from medfact.config import load_config
from medfact.errors import ConfigError, RegistryError
from medfact.gate import (
    GateSettings,
    LazyEngine,
    LineIndex,
    check_thresholds,
    find_config,
    iter_inputs,
    iter_paths,
    json_string_offsets,
    load_gate_config,
    parse_front_matter,
    resolve_settings,
)
from medfact.gate_cli import gate
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.types import Assessment, Finding

KNEE_CONTEXT = (
    "Doctor: Which knee is swollen?\n"
    "Patient: The left knee, for two weeks.\n"
    "Doctor: What do you take for it?\n"
    "Patient: Ibuprofen 400 mg twice a day.\n"
)
UNSAFE_NOTE = (
    "Visit summary\n\n"
    "Swelling of the right knee for two weeks.\n"
    "Takes ibuprofen 800 mg twice a day.\n"
)
SAFE_NOTE = (
    "Visit summary\n\n"
    "Swelling of the left knee for two weeks.\n"
    "Takes ibuprofen 400 mg twice a day.\n"
)
ANKLE_MD = """---
title: Ankle visit
context: |
  Doctor: Which ankle hurts?
  Patient: My right ankle, since I twisted it on Sunday.
---
# Ankle

Left ankle pain since Sunday.
"""
ANKLE_CONTEXT = "Doctor: Which ankle hurts? Patient: My right ankle, since I twisted it on Sunday."
KNEE_ONLY = "Doctor: Which knee is swollen? Patient: The left knee."


def build_tree(root: Path) -> Path:
    """A small repository of generated texts with their contexts, good and bad."""
    notes = root / "notes"
    (notes / "visits").mkdir(parents=True)
    (notes / "unsafe.txt").write_text(UNSAFE_NOTE, encoding="utf-8")
    (notes / "unsafe.context.txt").write_text(KNEE_CONTEXT, encoding="utf-8")
    (notes / "safe.txt").write_text(SAFE_NOTE, encoding="utf-8")
    (notes / "safe.context.txt").write_text(KNEE_CONTEXT, encoding="utf-8")
    (notes / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (notes / "orphan.txt").write_text("Right knee swelling.\n", encoding="utf-8")
    (notes / "visits" / "ankle.md").write_text(ANKLE_MD, encoding="utf-8")
    records = [
        {"id": "r1", "context": ANKLE_CONTEXT, "output": "Caf\u00e9 visit. Left ankle pain."},
        None,
        {"id": "r3", "context": KNEE_ONLY, "output": "Swelling of the left knee."},
    ]
    lines = [json.dumps(r) if r else '{"id": "r2", "output": "no closing brace"' for r in records]
    (notes / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (notes / ".hidden.txt").write_text("never read", encoding="utf-8")
    (root / "medfact.toml").write_text("[gate]\nmax_risk = 2\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def engine():
    from medfact.pipeline import default_engine

    try:
        return default_engine().load()
    except RegistryError as exc:  # another part of medfact is not in place yet
        pytest.skip(f"the built-in pipeline cannot load: {exc}")


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MEDFACT_HOME", str(tmp_path / "home"))
    return build_tree(tmp_path)


def invoke(*args: str):
    return CliRunner().invoke(gate, list(args), catch_exceptions=False)


def position(text: str, needle: str, start: int = 0) -> tuple[int, int]:
    """1-based line and column of ``needle`` in ``text``, computed the plain way."""
    offset = text.index(needle, start)
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


# --------------------------------------------------------------------------- pure parts


def test_front_matter_inline_and_literal_block():
    fm = parse_front_matter(ANKLE_MD)
    assert fm is not None
    assert fm.fields["title"] == "Ankle visit"
    assert fm.fields["context"] == (
        "Doctor: Which ankle hurts?\nPatient: My right ankle, since I twisted it on Sunday.\n"
    )
    assert ANKLE_MD[fm.body_offset :].startswith("# Ankle")


def test_front_matter_quotes_folding_chomping_and_comments():
    text = (
        "---\r\n"
        "# a comment\r\n"
        "id: 'it''s 7'\r\n"
        'question: "Is it \\"bad\\"?"  \r\n'
        "context: >-\r\n"
        "  first line\r\n"
        "  same paragraph\r\n"
        "\r\n"
        "  second paragraph\r\n"
        "tags:\r\n"
        "  - a\r\n"
        "task: note # trailing comment\r\n"
        "...\r\n"
        "Body."
    )
    fm = parse_front_matter(text)
    assert fm is not None
    assert fm.fields["id"] == "it's 7"
    assert fm.fields["question"] == 'Is it "bad"?'
    assert fm.fields["context"] == "first line same paragraph\nsecond paragraph"
    assert fm.fields["task"] == "note"
    assert "a" not in fm.fields and fm.fields["tags"] == ""
    assert text[fm.body_offset :] == "Body."


def test_front_matter_absent_or_unclosed():
    assert parse_front_matter("Just a note.\n---\n") is None
    assert parse_front_matter("---\ncontext: x\nno end") is None
    assert parse_front_matter("----\ncontext: x\n---\n") is None


def test_line_index_counts_lf_crlf_and_cr_line_ends():
    text = "ab\r\ncd\ref\ngh"
    index = LineIndex(text)
    assert index.position(0) == (1, 1)
    assert index.position(text.index("c")) == (2, 1)
    assert index.position(text.index("f")) == (3, 2)
    assert index.position(text.index("h")) == (4, 2)
    assert index.position(len(text)) == (4, 3)


def test_json_string_offsets_follow_escapes_as_written():
    value = 'Caf\u00e9 "x"\n\U0001f600 left'
    for raw in (
        json.dumps({"id": 1, "output": value}),  # \u00e9, \", \n, surrogate pair
        json.dumps({"output": value}, ensure_ascii=False),
        '{"context": "the \\"output\\": trap", "output" :  ' + json.dumps(value) + "}",
    ):
        offsets = json_string_offsets(raw, "output", value)
        assert offsets is not None and len(offsets) == len(value) + 1
        at = offsets[value.index("left")]
        assert raw[at : at + 4] == "left"
        assert raw[offsets[-1]] == '"'
    assert json_string_offsets('{"output": "other"}', "output", "value") is None


def test_iter_paths_walks_dirs_skips_contexts_and_maps_named_contexts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    build_tree(tmp_path)
    settings = GateSettings()
    names = [p.as_posix() for p in iter_paths(["notes"], settings, tmp_path)]
    assert names == [
        "notes/batch.jsonl",
        "notes/orphan.txt",
        "notes/safe.txt",
        "notes/scan.txt",
        "notes/unsafe.txt",
        "notes/visits/ankle.md",
    ]
    named = iter_paths(
        ["notes/unsafe.context.txt", "notes/unsafe.txt", "notes/missing.txt"], settings, tmp_path
    )
    assert [p.name for p in named] == ["unsafe.txt", "missing.txt"]
    excluded = GateSettings(exclude=("notes/visits/*", "*.jsonl"))
    kept = {p.name for p in iter_paths([tmp_path / "notes"], excluded, tmp_path)}
    assert "ankle.md" not in kept and "batch.jsonl" not in kept and "safe.txt" in kept


def test_inputs_pair_contexts_and_report_bad_files_by_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    build_tree(tmp_path)
    inputs = {i.name: i for i in iter_inputs(["notes"], GateSettings(), tmp_path)}
    assert inputs["notes/unsafe.txt"].case.context == KNEE_CONTEXT
    assert inputs["notes/unsafe.txt"].context_source == "notes/unsafe.context.txt"
    ankle = inputs["notes/visits/ankle.md"]
    assert ankle.context_source == "front matter"
    assert ankle.case.output == "# Ankle\n\nLeft ankle pain since Sunday.\n"
    assert inputs["notes/batch.jsonl:1"].case.id == "r1"
    assert inputs["notes/batch.jsonl:3"].case.id == "r3"
    errors = {name: i.error.error["message"] for name, i in inputs.items() if i.error}
    assert set(errors) == {"notes/scan.txt", "notes/orphan.txt", "notes/batch.jsonl:2"}
    assert "binary" in errors["notes/scan.txt"]
    assert "notes/orphan.context.txt" in errors["notes/orphan.txt"]
    assert "not valid JSON" in errors["notes/batch.jsonl:2"]
    assert inputs["notes/batch.jsonl:2"].error.error["line"] == 2


def test_context_file_field_and_conflicts(tmp_path):
    (tmp_path / "dialogue.txt").write_text(KNEE_CONTEXT, encoding="utf-8")
    (tmp_path / "a.md").write_text("---\ncontext_file: dialogue.txt\n---\nLeft knee.\n")
    (tmp_path / "b.md").write_text("---\ncontext_file: nowhere.txt\n---\nLeft knee.\n")
    (tmp_path / "c.md").write_text("---\ncontext: x\ncontext_file: dialogue.txt\n---\nBody\n")
    rec = {"id": "j", "output": "Left knee.", "context_file": "dialogue.txt"}
    (tmp_path / "d.jsonl").write_text(json.dumps(rec) + "\n")
    inputs = {i.name: i for i in iter_inputs([tmp_path], GateSettings(), tmp_path)}
    assert inputs["a.md"].case.context == KNEE_CONTEXT
    assert inputs["a.md"].context_source == "dialogue.txt"
    assert "nowhere.txt does not exist" in inputs["b.md"].error.error["message"]
    assert "both context and context_file" in inputs["c.md"].error.error["message"]
    assert inputs["d.jsonl:1"].case.context == KNEE_CONTEXT
    lenient = GateSettings(require_context=False)
    orphan = tmp_path / "e.txt"
    orphan.write_text("Left knee.")
    (only,) = list(iter_inputs([orphan], lenient, tmp_path))
    assert only.error is None and only.case.context is None


def test_find_config_walks_up_and_skips_pyprojects_without_medfact(tmp_path):
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    (tmp_path / "a" / "pyproject.toml").write_text("[tool.black]\nline-length = 88\n")
    assert find_config(deep) is None or not str(find_config(deep)).startswith(str(tmp_path))
    (tmp_path / "pyproject.toml").write_text("[tool.medfact.gate]\nmax_risk = 3\n")
    assert find_config(deep) == tmp_path / "pyproject.toml"
    (deep / "medfact.toml").write_text("[gate]\nmax_risk = 1\n")
    assert find_config(deep) == deep / "medfact.toml"


def test_load_gate_config_splits_gate_from_engine_and_checks_keys(tmp_path):
    py = tmp_path / "pyproject.toml"
    py.write_text(
        "[project]\nname = 'x'\n[tool.medfact.evidence]\ntop_k = 5\n"
        "[tool.medfact.gate]\nmax_risk = 3\nmin_factuality = 0.5\ncache_dir = 'cache'\n"
    )
    cfg = load_gate_config(py)
    # one loader (medfact.config.load_config): the engine part is resolved, [gate] split off,
    # and its hash is what an engine config of the same settings always had (cache keys kept)
    assert cfg.engine["evidence"]["top_k"] == 5 and "gate" not in cfg.engine
    assert cfg.engine == load_config({"evidence": {"top_k": 5}})
    assert LazyEngine(cfg.engine).config_hash == LazyEngine({"evidence": {"top_k": 5}}).config_hash
    assert cfg.gate["max_risk"] == 3 and cfg.gate["cache_dir"] == str(tmp_path / "cache")
    settings = resolve_settings(cfg.gate, max_risk=1, min_factuality=None)
    assert settings.max_risk == 1 and settings.min_factuality == 0.5
    bad = tmp_path / "medfact.toml"
    bad.write_text("[gate]\nmax_rsk = 3\n")
    with pytest.raises(ConfigError, match="Did you mean 'max_risk'"):
        load_gate_config(bad)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_risk": 5},
        {"max_risk": True},
        {"min_factuality": 1.5},
        {"format": "xml"},
        {"context_suffix": ""},
        {"cache": "yes"},
    ],
)
def test_settings_reject_bad_values(kwargs):
    key = next(iter(kwargs))
    with pytest.raises(ConfigError, match=rf"\[gate\] {key} must be"):
        GateSettings(**kwargs)


def _assessment(risk: int, factuality: float | None) -> Assessment:
    return Assessment(
        id="x",
        risk_level=RiskLevel(risk),
        factuality=factuality,
        findings=[
            Finding(category=ErrorCategory.OTHER, risk=RiskLevel(risk), message="m", rule="t")
        ],
        engine_version="0",
        config_hash="h",
    )


def test_check_thresholds():
    assert check_thresholds(_assessment(2, 0.9)) == []
    assert check_thresholds(_assessment(3, 0.9)) == ["risk 3 (moderate risk) is over the maximum 2"]
    assert check_thresholds(_assessment(3, 0.9), max_risk=3) == []
    assert "under the minimum 0.80" in check_thresholds(_assessment(1, 0.5), 2, 0.8)[0]
    assert check_thresholds(_assessment(1, None), 2, 0.8) == []  # nothing checked: no verdict


def test_pre_commit_hook_manifest():
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed")
    manifest = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"
    hooks = yaml.safe_load(manifest.read_text())
    (hook,) = [h for h in hooks if h["id"] == "medfact"]
    assert hook["entry"] == "medfact gate" and hook["language"] == "python"
    assert hook["types"] == ["text"]
    import re

    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])

    def checked(path: str) -> bool:
        return bool(files.search(path)) and not exclude.search(path)

    assert checked("notes/a.txt") and checked("b.md") and checked("c.jsonl")
    assert not checked("setup.py") and not checked("README.md")
    assert not checked("requirements-dev.txt") and not checked("docs/LICENSE.txt")
    assert hook.get("require_serial") is True
    assert hook["args"] == ["--no-model"]  # pre-commit's environment has no torch


# --------------------------------------------------------------------------- end to end


def test_gate_tree_fails_unsafe_passes_safe_and_names_bad_inputs(engine, tree):
    result = invoke("notes", "--no-cache")
    assert result.exit_code == 3, result.stderr  # some inputs could not be read
    out, err = result.stdout, result.stderr
    failed = {line.split()[1].rstrip(":") for line in out.splitlines() if line.startswith("FAIL")}
    assert failed == {"notes/unsafe.txt", "notes/visits/ankle.md", "notes/batch.jsonl:1"}
    assert "notes/safe.txt" not in failed and "notes/batch.jsonl:3" not in failed
    for bad in ("notes/scan.txt", "notes/orphan.txt", "notes/batch.jsonl:2"):
        assert f"cannot check {bad}:" in err
    assert "hidden" not in out + err
    assert "8 checked: 2 passed, 3 failed, 3 could not be checked" in err


def test_gate_exit_codes_without_unreadable_inputs(engine, tree):
    assert invoke("notes/unsafe.txt", "notes/safe.txt", "--no-cache").exit_code == 1
    assert invoke("notes/safe.txt", "--no-cache").exit_code == 0
    assert invoke("notes/unsafe.txt", "--max-risk", "4", "--no-cache").exit_code == 0
    # a changed context file (what pre-commit passes) checks the text it belongs to
    result = invoke("notes/unsafe.context.txt", "--no-cache")
    assert result.exit_code == 1 and "FAIL notes/unsafe.txt" in result.stdout


def test_gate_text_lines_locate_findings(engine, tree):
    result = invoke("notes/unsafe.txt", "--no-cache")
    line, col = position(UNSAFE_NOTE, "right knee")  # wrong side: the severity policy's floor 4
    assert f"notes/unsafe.txt:{line}:{col}: risk 4 detail_misidentification" in result.stdout
    line, col = position(UNSAFE_NOTE, "800 mg")
    assert f"notes/unsafe.txt:{line}:{col}: risk 4 detail_misidentification" in result.stdout


def test_sarif_points_at_the_swapped_side(engine, tree):
    result = invoke("notes", "--format", "sarif", "--no-cache")
    assert result.exit_code == 3
    log = json.loads(result.stdout)
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and run["columnKind"] == "unicodeCodePoints"

    def region_of(uri: str, word: str) -> dict:
        for r in run["results"]:
            loc = r["locations"][0]["physicalLocation"]
            if loc["artifactLocation"]["uri"] == uri and word in r["message"]["text"]:
                return {**loc["region"], "level": r["level"], "rule": r["ruleId"]}
        raise AssertionError(f"no result for {word!r} in {uri}")

    knee = region_of("notes/unsafe.txt", "'right knee'")
    line, col = position(UNSAFE_NOTE, "right knee")
    assert (knee["startLine"], knee["startColumn"]) == (line, col) == (3, 17)
    assert (knee["endLine"], knee["endColumn"]) == (line, col + len("right knee"))
    assert knee["level"] == "error" and knee["rule"] == "detail_misidentification"

    ankle = region_of("notes/visits/ankle.md", "'Left ankle'")
    assert (ankle["startLine"], ankle["startColumn"]) == position(ANKLE_MD, "Left ankle")

    raw = (tree / "notes" / "batch.jsonl").read_text(encoding="utf-8").splitlines()[0]
    record = region_of("notes/batch.jsonl", "'Left ankle'")
    assert record["startLine"] == 1
    assert raw[record["startColumn"] - 1 :].startswith("Left ankle")

    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert run["invocations"][0]["executionSuccessful"] is False
    assert {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes} == {
        "notes/scan.txt",
        "notes/orphan.txt",
        "notes/batch.jsonl",
    }


def test_gate_json_lines_and_output_file(engine, tree):
    result = invoke("notes", "--format", "json", "-o", "out/results.jsonl", "--no-cache")
    assert result.exit_code == 3 and result.stdout == ""
    records = [json.loads(x) for x in (tree / "out/results.jsonl").read_text().splitlines()]
    by_input = {r["input"]: r for r in records}
    assert len(records) == 8
    assert by_input["notes/unsafe.txt"]["status"] == "fail"
    assert by_input["notes/unsafe.txt"]["output"] == UNSAFE_NOTE
    assert by_input["notes/unsafe.txt"]["locations"][0]["start_line"] == 3
    assert by_input["notes/scan.txt"]["status"] == "error"
    assert "FAIL notes/unsafe.txt" in result.stderr  # failures are named on stderr too


def test_thresholds_from_config_file_and_command_line(engine, tree):
    (tree / "medfact.toml").write_text("[gate]\nmax_risk = 4\n")
    assert invoke("notes/unsafe.txt", "--no-cache").exit_code == 0
    assert invoke("notes/unsafe.txt", "--no-cache", "--max-risk", "2").exit_code == 1
    (tree / "medfact.toml").write_text("[gate]\nmax_risk = 4\nmin_factuality = 0.9\n")
    result = invoke("notes/unsafe.txt", "--no-cache")  # risk allowed; its swapped claims are not
    assert result.exit_code == 1 and "factuality" in result.stdout
    assert invoke("notes/unsafe.txt", "--no-cache", "--min-factuality", "0").exit_code == 0
    assert invoke("notes/safe.txt", "--no-cache").exit_code == 0  # every claim supported


def test_usage_errors_exit_2(tree):
    assert invoke().exit_code == 2
    assert invoke("notes", "--max-risk", "7").exit_code == 2
    assert invoke("notes", "--format", "xml").exit_code == 2
    (tree / "medfact.toml").write_text("[gate]\nmax_rsk = 4\n")
    result = invoke("notes")
    assert result.exit_code == 2 and "Did you mean 'max_risk'" in result.stderr
    (tree / "medfact.toml").write_text("[pipeline]\nverifiers = ['nope.v1']\n")
    result = invoke("notes/safe.txt", "--no-cache")
    assert result.exit_code == 2 and "nope.v1" in result.stderr


def test_missing_and_dangling_paths_are_reported_not_fatal(engine, tree):
    (tree / "notes" / "dangling.txt").symlink_to(tree / "nowhere.txt")
    result = invoke("notes/safe.txt", "notes/gone.md", "notes/dangling.txt", "--no-cache")
    assert result.exit_code == 3
    assert "cannot check notes/gone.md: file notes/gone.md does not exist" in result.stderr
    assert "cannot check notes/dangling.txt" in result.stderr
    assert "1 passed" in result.stderr


def test_gate_no_model_runs_the_rule_tier_alone(engine, tree):
    texts = ("notes/unsafe.txt", "notes/safe.txt")
    result = invoke(*texts, "--no-model", "--no-cache", "--format=json")
    assert result.exit_code == 1, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["status"] for r in rows] == ["fail", "pass"]
    assert all("model" not in r["assessment"]["timings"] for r in rows)
    trained = invoke("notes/unsafe.txt", "--no-cache", "--format=json")
    assert "model" in json.loads(trained.stdout.splitlines()[0])["assessment"]["timings"]
