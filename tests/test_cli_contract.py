"""The command-line contract (issue 14): one result or error record per input, whatever the bytes;
shared exit codes; nothing raw reaches the terminal; a display that explains itself."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from medfact import cli, exitcodes
from medfact.cli import main
from medfact.render import line_col, render_assessment, risk_summary, sorted_findings
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.types import Assessment, Finding

CONTEXT = "Doctor: Any chest pain? Patient: No. Doctor: Which knee? Patient: My left knee."
SAFE = "Denies chest pain. Left knee pain."
UNSAFE = "Reports chest pain. Right knee pain."
ROOT = Path(__file__).resolve().parent.parent


def invoke(*args: str, input: bytes | str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def rows(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def write(path: Path, records: list[dict | bytes], end: bytes = b"\n") -> Path:
    path.write_bytes(
        b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + end for r in records)
    )
    return path


def medfact(*args: str, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "medfact.cli", *args], cwd=ROOT, **kw)


@pytest.fixture
def own_logging(monkeypatch):
    """Call it in the test body: the CLI then installs its own stderr log handler (pytest's
    capture handlers, added when the test starts, stand aside until the test ends)."""
    root = logging.getLogger()

    def isolate() -> None:
        monkeypatch.setattr(root, "handlers", [])

    yield isolate
    for handler in [h for h in root.handlers if getattr(h, "medfact_cli", False)]:
        root.removeHandler(handler)


# --- every input, one output ---------------------------------------------------------------------


def test_hostile_records_each_get_one_output_and_the_rest_are_scored(tmp_path: Path) -> None:
    records = [
        {"id": "a", "output": SAFE, "context": CONTEXT},
        b"[" * 1000 + b"]" * 1000,
        b'{"id": "big", "output": "x", "n": ' + b"9" * 5000 + b"}",
        b'{"id": "s\\ud800", "output": "x"}',
        b'{"id": "t", "output": "bad \\udfff text"}',
        {"id": "b", "output": UNSAFE, "context": CONTEXT},
    ]
    path = write(tmp_path / "h.jsonl", records)
    for fmt in ("jsonl", "json"):
        result = invoke("score", "--no-model", "--input", str(path), "--format", fmt)
        assert result.exit_code == exitcodes.NOT_SCORED, result.stderr
        out = rows(result.stdout) if fmt == "jsonl" else _json_objects(result.stdout)
        assert len(out) == 6
        assert [r["id"] for r in out] == ["a", None, None, "s\\ud800", "t", "b"]
        assert [("error" in r) for r in out] == [False, True, True, True, True, False]
        assert out[4]["error"]["field"] == "output"
    text = invoke("score", "--no-model", "--input", str(path), "--format", "text")
    assert text.exit_code == exitcodes.NOT_SCORED
    assert "a: risk" in text.stdout and "b: risk" in text.stdout
    assert text.stderr.count("error record") == 4


def _json_objects(text: str) -> list[dict]:
    decoder, at, out = json.JSONDecoder(), 0, []
    while at < len(text.rstrip()):
        obj, at = decoder.raw_decode(text, at)
        out.append(obj)
        while at < len(text) and text[at].isspace():
            at += 1
    return out


def test_cr_only_line_ends_are_separate_records(tmp_path: Path) -> None:
    recs = [{"id": str(i), "output": SAFE, "context": CONTEXT} for i in range(3)]
    path = write(tmp_path / "cr.jsonl", recs, end=b"\r")
    result = invoke("score", "--no-model", "--input", str(path))
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in rows(result.stdout)] == ["0", "1", "2"]


def test_repeated_id_gets_an_error_record_with_code_and_message(tmp_path: Path) -> None:
    path = write(
        tmp_path / "d.jsonl",
        [{"id": "x", "output": SAFE}, {"id": "x", "output": UNSAFE}, {"id": 7, "output": SAFE}],
    )
    result = invoke("score", "--no-model", "--input", str(path))
    out = rows(result.stdout)
    assert result.exit_code == exitcodes.NOT_SCORED and len(out) == 3
    assert (
        out[1]["error"]["code"] == "E012"
        and "repeats the id of line 1" in out[1]["error"]["message"]
    )
    assert "error" not in out[2]


def test_synth_pairs_output_scores_every_record(tmp_path: Path) -> None:
    pairs = tmp_path / "src.jsonl"
    write(pairs, [{"id": f"p{i}", "context": CONTEXT, "output": SAFE} for i in range(3)])
    exported = tmp_path / "pairs.jsonl"
    made = invoke("synth", "pairs", "--from", "jsonl", str(pairs), "--out", str(exported))
    assert made.exit_code == 0, made.stderr
    assert "doc_id" in exported.read_text()
    result = invoke("score", "--no-model", "--input", str(exported))
    assert result.exit_code == 0, result.stdout
    assert [r["id"] for r in rows(result.stdout)] == ["p0", "p1", "p2"]
    strict = invoke("score", "--no-model", "--input", str(exported), "--strict")
    assert strict.exit_code == exitcodes.NOT_SCORED
    assert all(r["error"]["field"] in ("doc_id", "source") for r in rows(strict.stdout))


def test_an_internal_error_in_one_record_is_that_records_error(
    tmp_path: Path, monkeypatch, own_logging
) -> None:
    from medfact.stages import DecomposeStage

    decompose = DecomposeStage.__call__

    def flaky(self, doc):
        if "BOOM" in doc.case.output:
            raise RuntimeError("synthetic failure")
        return decompose(self, doc)

    monkeypatch.setattr(DecomposeStage, "__call__", flaky)
    own_logging()
    path = write(
        tmp_path / "b.jsonl",
        [
            {"id": "a", "output": SAFE},
            {"id": "boom", "output": "BOOM"},
            {"id": "c", "output": SAFE},
        ],
    )
    result = invoke("score", "--no-model", "--input", str(path))
    out = rows(result.stdout)
    assert result.exit_code == exitcodes.NOT_SCORED
    assert [r["id"] for r in out] == ["a", "boom", "c"]
    assert out[1]["error"]["code"] == "E999" and "synthetic failure" in out[1]["error"]["message"]
    assert "Traceback" not in result.stderr and "-v shows the traceback" in result.stderr
    verbose = invoke("-v", "score", "--no-model", "--input", str(path))
    assert "Traceback" in verbose.stderr


def test_a_crash_outside_records_exits_4_with_the_traceback_only_at_v(monkeypatch) -> None:
    from medfact.pipeline import Engine

    def broken(self, records, batch_size=64):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(Engine, "score_many", broken)
    result = invoke("score", "--no-model", "--output", SAFE)
    assert result.exit_code == exitcodes.INTERNAL
    assert "internal error: ZeroDivisionError: bug" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Traceback" in invoke("-v", "score", "--no-model", "--output", SAFE).stderr


# --- reads bounded, outputs writable -------------------------------------------------------------


def test_input_that_is_not_a_regular_file_is_a_usage_error(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.jsonl"
    zero.symlink_to("/dev/zero")
    for path, word in ((fifo, "FIFO"), (zero, "device"), ("/dev/zero", "device")):
        result = invoke("score", "--no-model", "--input", str(path))
        assert result.exit_code == exitcodes.USAGE, result.stderr
        assert word in result.stderr and "--input" in result.stderr


def test_full_disk_exits_4_with_a_message() -> None:
    with open("/dev/full", "w") as full:
        proc = medfact(
            "score", "--no-model", "--input", "examples/cases.jsonl", stdout=full, timeout=120
        )
    assert proc.returncode == exitcodes.INTERNAL
    assert b"No space left on device" in proc.stderr and b"Traceback" not in proc.stderr


def test_broken_pipe_ends_quietly(tmp_path: Path) -> None:
    path = write(
        tmp_path / "many.jsonl",
        [{"id": str(i), "output": UNSAFE, "context": CONTEXT} for i in range(300)],
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "medfact.cli", "score", "--no-model", "--input", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    first = proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read()
    proc.wait(timeout=120)
    assert json.loads(first)["id"] == "0"
    assert proc.returncode == exitcodes.BROKEN_PIPE
    assert b"Traceback" not in stderr and b"BrokenPipe" not in stderr and b"Exception" not in stderr


# --- text output ---------------------------------------------------------------------------------


def test_control_characters_never_reach_the_terminal_raw(tmp_path: Path) -> None:
    evil = "Reports chest pain.\x1b]0;owned\x07 Right knee.\x1b[2J"
    path = write(
        tmp_path / "c.jsonl",
        [
            {"id": "id\x1b[31m", "output": evil, "context": CONTEXT},
            {"id": "e\x1b]0;x\x07", "output": 5},
        ],
    )
    result = invoke("score", "--no-model", "--input", str(path), "--format", "text")
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\x1b" not in result.stderr
    assert "\\x1b]0;owned\\x07" in result.stdout and "id\\x1b[31m: risk" in result.stdout
    assert "e\\x1b]0;x\\x07" in result.stderr


def _finding(risk: int, span: tuple[int, int] | None, msg: str) -> Finding:
    return Finding(
        category=ErrorCategory.DETAIL_MISIDENTIFICATION if span else ErrorCategory.MISSING_CLAIM,
        risk=RiskLevel(risk),
        span=span,
        message=msg,
        rule="test.v1",
    )


def _assessment(level: int, findings: list[Finding]) -> Assessment:
    return Assessment(
        id="c1", risk_level=RiskLevel(level), findings=findings, engine_version="t", config_hash="h"
    )


def test_display_sorts_by_severity_uses_line_col_and_explains_the_case_risk() -> None:
    text = "First line.\nSecond line has right knee."
    findings = [
        _finding(2, (0, 5), "low one"),
        _finding(3, (28, 32), "worse one"),
        _finding(3, None, "left out"),
        _finding(3, (12, 18), "earlier worse one"),
    ]
    a = _assessment(2, findings)
    assert [f.message for f in sorted_findings(a.findings)] == [
        "earlier worse one",
        "worse one",
        "left out",
        "low one",
    ]
    assert line_col(text, 28) == (2, 17) and line_col(text, 0) == (1, 1)
    assert risk_summary(a, "the calibrated scorer") == (
        "risk 2 (low risk, safe; the calibrated scorer; worst finding risk 3)"
    )
    assert risk_summary(_assessment(3, findings[:2])) == "risk 3 (moderate risk, UNSAFE)"
    from io import StringIO

    from rich.console import Console

    buf = StringIO()
    render_assessment(Console(file=buf, width=200), a, text, scorer="the calibrated scorer")
    lines = buf.getvalue().splitlines()
    assert "worst finding risk 3" in lines[0]
    shown = [line.strip() for line in lines if "risk" in line and ":" in line][1:]
    assert shown[0].startswith("2:1 ") and "earlier worse one" in shown[0]
    assert shown[1].startswith("2:17 ") and shown[2].startswith("(omission)")
    assert shown[3].startswith("1:1 ")
    assert "[0:5]" not in buf.getvalue()


def test_unchecked_output_is_warned_in_text_and_fails_with_the_flag(monkeypatch) -> None:
    class Unchecked(Assessment):
        status: str = "unchecked"
        status_reason: str = "no context and no corpus"

    from io import StringIO

    from rich.console import Console

    buf = StringIO()
    a = Unchecked(id="u", risk_level=RiskLevel(1), engine_version="t", config_hash="h")
    render_assessment(Console(file=buf), a, "Some text.")
    assert "warning: not checked: no context and no corpus" in buf.getvalue()
    monkeypatch.setattr(cli, "_status", lambda result: "unchecked")
    plain = invoke("score", "--no-model", "--output", SAFE)
    assert plain.exit_code == 0
    failing = invoke("score", "--no-model", "--output", SAFE, "--fail-on-unchecked")
    assert failing.exit_code == exitcodes.UNSAFE


def test_quiet_and_only_failures(tmp_path: Path) -> None:
    path = write(
        tmp_path / "q.jsonl",
        [
            {"id": "good", "output": SAFE, "context": CONTEXT},
            {"id": "bad", "output": UNSAFE, "context": CONTEXT},
        ],
    )
    base = ("score", "--no-model", "--input", str(path))
    only = invoke(*base, "--only-failures")
    assert [r["id"] for r in rows(only.stdout)] == ["bad"]
    quiet = invoke(*base, "--format", "text", "--quiet")
    assert quiet.stdout.splitlines()[0].startswith("bad: risk")
    assert len(quiet.stdout.strip().splitlines()) == 1
    assert "good" not in quiet.stdout
    assert "2 scored, 1 unsafe, 0 failed" in quiet.stderr
    full = invoke(*base, "--format", "text")
    assert "good: risk" in full.stdout and "bad: risk" in full.stdout


def test_progress_never_goes_to_a_terminal_that_gets_text(monkeypatch) -> None:
    assert not cli._show_progress(None, batch=True, fmt="text", stdout_tty=True, stderr_tty=True)
    assert not cli._show_progress(True, batch=True, fmt="text", stdout_tty=True, stderr_tty=True)
    assert cli._show_progress(None, batch=True, fmt="jsonl", stdout_tty=False, stderr_tty=True)
    assert not cli._show_progress(None, batch=False, fmt="json", stdout_tty=False, stderr_tty=True)


def test_library_debug_lines_stay_hidden_without_v(capsys, own_logging) -> None:
    own_logging()
    cli._setup_logging(0, False)
    chatty = logging.getLogger("bm25s")
    chatty.setLevel(logging.DEBUG)  # as bm25s does on import
    chatty.debug("tokenizing 5 passages")
    logging.getLogger("medfact").warning("a warning")
    err = capsys.readouterr().err
    assert "tokenizing" not in err and "a warning" in err
    cli._setup_logging(2, False)
    chatty.debug("tokenizing 6 passages")
    assert "tokenizing 6" in capsys.readouterr().err


# --- exit codes, help, plug-ins, optional commands -----------------------------------------------


def test_every_help_names_the_exit_codes() -> None:
    for args in (["--help"], ["score", "--help"], ["plugins", "--help"], ["schema", "--help"]):
        result = invoke(*args)
        assert result.exit_code == 0
        assert "Exit codes:" in result.stdout and "4  internal error" in result.stdout


def test_plugins_lists_every_family(monkeypatch) -> None:
    from medfact import registry

    fake = registry.Registry("widgets")
    fake.register("widget.v1")(lambda: None)
    monkeypatch.setitem(registry.FAMILIES, "widgets", fake)
    result = invoke("plugins")
    for family in registry.families():
        assert f"  {family}: " in result.stdout
    data = json.loads(invoke("plugins", "--format", "json").stdout)
    assert data["plugins"]["widgets"] == ["widget.v1"]
    assert set(data["plugins"]) == set(registry.families())
    assert {"lms", "prompts", "correctors", "stages"} <= set(data["plugins"])


@pytest.fixture
def restore_commands():
    saved = dict(main.commands)
    yield
    main.commands.clear()
    main.commands.update(saved)


def test_a_command_whose_dependency_is_missing_is_listed_and_says_what_to_install(
    monkeypatch, restore_commands
) -> None:
    monkeypatch.setitem(sys.modules, "medfact.lm.cli", None)  # import now raises ImportError
    missing = ImportError("No module named 'httpx'", name="httpx")

    real_import = __import__

    def fake_import(name, *args, **kwargs):
        if name == "medfact.train.cli":
            raise missing
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr("builtins.__import__", fake_import)
    cli._attach_optional()
    monkeypatch.undo()
    listing = invoke("--help").stdout
    assert "serve" in listing and "train" in listing
    used = invoke("train", "risk", "--help")
    assert used.exit_code == exitcodes.USAGE
    assert "pip install 'medfact[lm]'" in used.stderr and "httpx" in used.stderr
    assert isinstance(main.commands["serve"], click.Command)
    assert invoke("serve").exit_code == exitcodes.USAGE


def test_install_hints() -> None:
    assert cli.install_hint("torch") == "pip install 'medfact[model]'"
    assert cli.install_hint("vllm.engine") == "pip install 'medfact[vllm]'"
    assert cli.install_hint("somelib") == "pip install somelib"


# --- report --------------------------------------------------------------------------------------


def test_report_refuses_cases_with_repeated_ids_and_survives_bad_findings(tmp_path: Path) -> None:
    cases = write(
        tmp_path / "cases.jsonl", [{"id": "a", "output": SAFE}, {"id": "a", "output": UNSAFE}]
    )
    scores = tmp_path / "scores.jsonl"
    scored = invoke("score", "--no-model", "--input", str(cases))
    scores.write_text(scored.stdout)
    page = tmp_path / "r.html"
    result = invoke("report", "--input", str(scores), "--cases", str(cases), "--html", str(page))
    assert result.exit_code == exitcodes.USAGE
    assert "ids must be unique" in result.stderr and "lines 1 and 2" in result.stderr
    first = rows(scored.stdout)[0]
    bad = tmp_path / "bad.jsonl"
    write(bad, [first, {**first, "id": "z", "findings": "not a list"}, {**first, "findings": [1]}])
    result = invoke("report", "--input", str(bad), "--html", str(page))
    assert result.exit_code == exitcodes.NOT_SCORED
    assert "results line 2" in result.stderr and "findings" in result.stderr
    assert "results line 3" in result.stderr and "Traceback" not in result.stderr
    assert page.read_text().startswith("<!DOCTYPE html>")


def test_ctrl_c_is_not_the_unsafe_code(monkeypatch) -> None:
    from medfact.pipeline import Engine

    def interrupted(self, records, batch_size=64):
        raise KeyboardInterrupt

    monkeypatch.setattr(Engine, "score_many", interrupted)
    result = invoke("score", "--no-model", "--output", SAFE)
    assert result.exit_code == exitcodes.INTERRUPTED and "interrupted" in result.stderr


def test_findings_on_overlapping_words_are_one_group_under_the_worst() -> None:
    from io import StringIO

    from rich.console import Console

    from medfact.render import grouped_findings

    text = "Start prednisone 40 mg daily. Fever."
    drug = _finding(4, (6, 16), "drug not in the input")
    words = _finding(3, (0, 28), "2 of 2 content words unsupported")
    dose = _finding(3, (17, 22), "value not in the input")
    fever = _finding(4, (30, 35), "fever affirmed")
    omitted = _finding(3, None, "left out")
    groups = grouped_findings([words, fever, dose, omitted, drug])
    assert [[f.message for f in g] for g in groups] == [
        ["drug not in the input", "2 of 2 content words unsupported", "value not in the input"],
        ["fever affirmed"],
        ["left out"],
    ]
    buf = StringIO()
    render_assessment(
        Console(file=buf, width=200), _assessment(4, [words, fever, dose, drug]), text
    )
    lines = [line for line in buf.getvalue().splitlines() if "risk " in line][1:]
    assert lines[0].startswith("  1:7 ") and lines[1].startswith("      + 1:1 ")
    assert lines[2].startswith("      + 1:18 ") and lines[3].startswith("  1:31 ")
