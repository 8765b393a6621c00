"""``medfact`` end to end with click's CliRunner; stdout (data) and stderr (messages) kept apart."""

from __future__ import annotations

import json
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from medfact import __version__
from medfact.cli import main
from medfact.config import default_config

CONTEXT = (
    "Doctor: Any chest pain? Patient: No. Doctor: Which knee hurts? "
    "Patient: My left knee. It is a dull ache."
)
SAFE = "Denies chest pain. Left knee pain."
UNSAFE = "Reports chest pain. Right knee pain."


def invoke(*args: str, input: bytes | str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_click_keeps_stdout_and_stderr_apart() -> None:
    major, minor = (int(x) for x in version("click").split(".")[:2])
    assert (major, minor) >= (8, 2)


# --- one case ------------------------------------------------------------------------------------


def test_single_case_json() -> None:
    result = invoke("score", "--context", CONTEXT, "--output", UNSAFE, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    for key in ("id", "risk_level", "risk_name", "safe", "factuality", "claims", "verdicts"):
        assert key in data
    assert data["id"] == "case"
    assert data["risk_level"] >= 3 and data["safe"] is False
    assert data["risk_name"] in {"moderate risk", "high risk"}
    assert 0.0 <= data["factuality"] <= 1.0
    assert data["claims"] and data["verdicts"]
    assert data["findings"]
    for f in data["findings"]:
        assert {"category", "group", "span", "message", "rule", "risk"} <= set(f)
    spans = [UNSAFE[f["span"][0] : f["span"][1]] for f in data["findings"] if f["span"]]
    assert any("Reports" in s or "chest" in s for s in spans), spans
    assert any("Right" in s for s in spans), spans
    assert result.stderr == ""


def test_single_case_defaults_to_json_when_not_a_terminal() -> None:
    result = invoke("score", "--context", CONTEXT, "--output", SAFE, "--id", "v7")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["id"] == "v7"
    assert data["risk_level"] == 1 and data["safe"] is True
    assert data["findings"] == []


def test_single_case_text() -> None:
    result = invoke("score", "--context", CONTEXT, "--output", UNSAFE, "--format", "text")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("case: risk ")
    assert "UNSAFE" in out
    assert UNSAFE in out
    assert "detail_misidentification" in out
    assert "-> left knee" in out  # the suggestion


def test_single_case_without_context() -> None:
    result = invoke("score", "--output", SAFE, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["factuality"] is None


def test_file_inputs(tmp_path: Path) -> None:
    (tmp_path / "dialogue.txt").write_text(CONTEXT, encoding="utf-8")
    (tmp_path / "note.txt").write_bytes(b"\xef\xbb\xbf" + UNSAFE.encode())  # with a BOM
    (tmp_path / "question.txt").write_text("Summarise the visit.", encoding="utf-8")
    result = invoke(
        "score",
        "--context",
        f"@{tmp_path / 'dialogue.txt'}",
        "--output",
        f"@{tmp_path / 'note.txt'}",
        "--question",
        f"@{tmp_path / 'question.txt'}",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["risk_level"] >= 3
    assert data["claims"][0]["text"].startswith("Reports")  # the BOM was dropped
    assert data["claims"][0]["span"][0] == 0


def test_file_with_non_utf8_bytes_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes(b"Patient reports caf\xe9 intake.")
    result = invoke("score", "--output", f"@{path}")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--output" in result.stderr
    assert "UTF-8" in result.stderr


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("score", "--output", SAFE, "--context", f"@{tmp_path / 'nope.txt'}")
    assert result.exit_code == 2
    assert "--context" in result.stderr


def test_binary_file_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "image.bin"
    path.write_bytes(b"\x89PNG\x00\x00\x00")
    result = invoke("score", "--output", f"@{path}")
    assert result.exit_code == 2
    assert "binary" in result.stderr


def test_empty_output_is_a_failed_record() -> None:
    result = invoke("score", "--output", "  ", "--format", "json")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["id"] == "case"
    assert data["error"]["field"] == "output"


@pytest.mark.parametrize(
    ("output", "code"),
    [(UNSAFE, 1), (SAFE, 0)],
)
def test_fail_on_unsafe_single_case(output: str, code: int) -> None:
    result = invoke("score", "--context", CONTEXT, "--output", output, "--fail-on-unsafe")
    assert result.exit_code == code, result.stderr
    assert json.loads(result.stdout)["safe"] is (code == 0)


# --- batches -------------------------------------------------------------------------------------


def record(rid: str, output: object, context: str | None = CONTEXT) -> bytes:
    data = {"id": rid, "output": output}
    if context is not None:
        data["context"] = context
    return json.dumps(data).encode()


def write_batch(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_batch_from_a_file(tmp_path: Path) -> None:
    path = write_batch(
        tmp_path / "cases.jsonl", [record("a", SAFE), record("b", SAFE), record("c", UNSAFE)]
    )
    result = invoke("score", "--input", str(path))
    assert result.exit_code == 0, result.stderr
    rows = json_lines(result.stdout)
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert [r["safe"] for r in rows] == [True, True, False]
    assert len(result.stdout.splitlines()) == 3  # jsonl: one compact line each
    assert "3 scored, 1 unsafe, 0 failed" in result.stderr


def test_batch_from_stdin() -> None:
    data = b"\n".join([record("s1", SAFE), record("s2", UNSAFE, context=None)]) + b"\n"
    result = invoke("score", "--input", "-", input=data)
    assert result.exit_code == 0, result.stderr
    rows = json_lines(result.stdout)
    assert [r["id"] for r in rows] == ["s1", "s2"]
    assert rows[1]["factuality"] is None


def test_batch_with_bad_lines_keeps_one_output_per_line(tmp_path: Path) -> None:
    lines = [
        record("good", SAFE),  # 1
        b'{"id": "broken", "output": ',  # 2 malformed JSON
        b'{"id": "latin", "output": "caf\xe9"}',  # 3 not UTF-8
        b"",  # 4 blank: skipped
        record("wrong-type", 5),  # 5
        record("unsafe", UNSAFE),  # 6
        b"[1, 2]",  # 7 not an object
        json.dumps({"output": SAFE, "context": CONTEXT}).encode(),  # 8 no id
        record("unknown", SAFE)[:-1] + b', "colour": "red"}',  # 9 unknown field
        b"   ",  # 10 blank
    ]
    path = write_batch(tmp_path / "mixed.jsonl", lines)
    result = invoke("score", "--input", str(path), "--fail-on-unsafe")
    assert result.exit_code == 3, result.stderr
    rows = json_lines(result.stdout)
    non_blank = [i for i, line in enumerate(lines, start=1) if line.strip()]
    assert len(rows) == len(non_blank) == 8
    errors = [r for r in rows if "error" in r]
    scored = [r for r in rows if "error" not in r]
    # an unknown field is kept as metadata (one warning); --strict refuses it
    assert [r["id"] for r in scored] == ["good", "unsafe", "8", "unknown"]
    assert [r["error"]["line"] for r in errors] == [2, 3, 5, 7]
    by_line = {r["error"]["line"]: r for r in errors}
    assert "JSON" in by_line[2]["error"]["message"]
    assert "UTF-8" in by_line[3]["error"]["message"]
    assert by_line[5]["id"] == "wrong-type" and by_line[5]["error"]["field"] == "output"
    assert "object" in by_line[7]["error"]["message"]
    assert all(set(r) == {"id", "error"} for r in errors)
    assert all({"code", "field", "message", "line"} <= set(r["error"]) for r in errors)
    assert "4 scored, 1 unsafe, 4 failed" in result.stderr
    strict = invoke("score", "--input", str(path), "--strict")
    rows = json_lines(strict.stdout)
    assert len(rows) == 8 and strict.exit_code == 3
    assert rows[-1]["id"] == "unknown" and rows[-1]["error"]["field"] == "colour"
    assert "not a known field" in rows[-1]["error"]["message"]


def test_batch_text_format_sends_errors_to_stderr(tmp_path: Path) -> None:
    path = write_batch(tmp_path / "b.jsonl", [record("t1", UNSAFE), record("t2", 5)])
    result = invoke("score", "--input", str(path), "--format", "text")
    assert result.exit_code == 3
    assert "t1: risk" in result.stdout
    assert "t2" not in result.stdout
    assert "record t2" in result.stderr and "line 2" in result.stderr


def test_batch_text_format_shows_each_records_own_text(tmp_path: Path) -> None:
    first, second = "Reports chest pain.", "Denies chest pain today."
    path = write_batch(tmp_path / "two.jsonl", [record("d1", first), record("d2", second)])
    result = invoke("score", "--input", str(path), "--format", "text")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    heads = [i for i, line in enumerate(lines) if line.startswith(("d1: risk", "d2: risk"))]
    assert len(heads) == 2
    assert lines[heads[0] + 1] == first
    assert lines[heads[1] + 1] == second


def test_repeated_id_is_the_repeats_error_record(tmp_path: Path) -> None:
    path = write_batch(
        tmp_path / "dup.jsonl", [record("dup", SAFE), record("other", SAFE), record("dup", UNSAFE)]
    )
    result = invoke("score", "--input", str(path))
    assert result.exit_code == 3
    rows = json_lines(result.stdout)
    assert [r["id"] for r in rows] == ["dup", "other", "dup"]
    assert "error" not in rows[0] and "error" not in rows[1]
    err = rows[2]["error"]
    assert err["code"] == "E012" and err["field"] == "id" and err["line"] == 3
    assert "repeats the id of line 1" in err["message"]


@pytest.mark.parametrize(("outputs", "code"), [([SAFE, UNSAFE], 1), ([SAFE, SAFE], 0)])
def test_fail_on_unsafe_batch(tmp_path: Path, outputs: list[str], code: int) -> None:
    path = write_batch(tmp_path / "b.jsonl", [record(str(i), o) for i, o in enumerate(outputs)])
    result = invoke("score", "--input", str(path), "--fail-on-unsafe")
    assert result.exit_code == code, result.stderr
    assert len(json_lines(result.stdout)) == 2
    plain = invoke("score", "--input", str(path))
    assert plain.exit_code == 0


def test_missing_batch_file_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("score", "--input", str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 2
    assert "nope.jsonl" in result.stderr


# --- usage errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["score"],
        ["score", "--output", SAFE, "--input", "cases.jsonl"],
        ["score", "--input", "-", "--context", CONTEXT],
        ["score", "--output", SAFE, "--format", "xml"],
        ["score", "--bogus"],
        ["nosuchcommand"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = invoke(*args, input=b"")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip()


def test_bad_config_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[pipeline\n", encoding="utf-8")
    result = invoke("score", "--output", SAFE, "--config", str(bad))
    assert result.exit_code == 2
    assert "not valid TOML" in result.stderr
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[pipeline]\nverifiers = ["numbers.v9"]\n', encoding="utf-8")
    result = invoke("score", "--output", SAFE, "--config", str(unknown))
    assert result.exit_code == 2
    assert "numbers.v1" in result.stderr  # did you mean


def test_score_with_a_config_file(tmp_path: Path) -> None:
    path = tmp_path / "medfact.toml"
    path.write_text('[pipeline]\nverifiers = ["laterality.v1"]\n', encoding="utf-8")
    result = invoke("score", "--context", CONTEXT, "--output", UNSAFE, "--config", str(path))
    assert result.exit_code == 0, result.stderr
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert rules - {"compare.v1"} == {"laterality.v1"}  # compare is a stage, not a listed rule


# --- other commands ------------------------------------------------------------------------------


def test_schema_command() -> None:
    result = invoke("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert {"Assessment", "Case", "RecordError", "Finding"} <= set(schema["$defs"])


def test_taxonomy_json() -> None:
    result = invoke("taxonomy", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [r["level"] for r in data["risk_levels"]] == [1, 2, 3, 4]
    assert [r["safe"] for r in data["risk_levels"]] == [True, True, False, False]
    assert len(data["categories"]) == 11
    groups = {c["group"] for c in data["categories"]}
    assert groups == {"hallucination", "omission", "certainty_misalignment", "other"}
    assert {m["name"] for m in data["medec_types"]} >= {"diagnosis", "pharmacotherapy"}


def test_taxonomy_text() -> None:
    result = invoke("taxonomy")
    assert result.exit_code == 0
    assert "high risk" in result.stdout and "fabricated_claim" in result.stdout


def test_config_prints_the_default() -> None:
    result = invoke("config")
    assert result.exit_code == 0
    assert tomllib.loads(result.stdout) == default_config()


def test_config_resolves_a_file(tmp_path: Path) -> None:
    path = tmp_path / "medfact.toml"
    path.write_text("[evidence]\ntop_k = 5\n", encoding="utf-8")
    result = invoke("config", "--config", str(path))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["evidence"]["top_k"] == 5
    assert data["pipeline"] == default_config()["pipeline"]
    path.write_text("[evidence]\ntop_kk = 5\n", encoding="utf-8")
    bad = invoke("config", "--config", str(path))
    assert bad.exit_code == 2
    assert "Did you mean 'top_k'?" in bad.stderr


def test_plugins_and_version_name_the_plugins() -> None:
    for args in (["plugins"], ["--version"]):
        result = invoke(*args)
        assert result.exit_code == 0
        out = result.stdout
        assert out.startswith(f"medfact {__version__}")
        for family in ("segmenters", "decomposers", "verifiers", "corpora", "scorers"):
            assert f"  {family}: " in out
        for name in ("clinical.v1", "condition_aware.v1", "numbers.v1", "omission.v1"):
            assert name in out


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["score"],
        ["schema"],
        ["taxonomy"],
        ["config"],
        ["plugins"],
    ],
)
def test_help_has_examples(command: list[str]) -> None:
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout
