"""The gate's contract with CI (issue 14): bounded reads, confinement to the repository, unchecked
texts, levels that follow the gate, suppressions and baselines, escaped names, exit codes.

A fake engine keeps these fast: it flags 'right' (risk 4, detail_misidentification), 'severe'
(risk 2, overstated_intensity) and 'maybe' (risk 1, other); an output of only zero-width spaces
comes back unchecked.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import medfact.gate
from medfact.gate import GateSettings, run_gate
from medfact.gate.report import finding_levels, junit_xml, sarif_log, text_lines
from medfact.gate_cli import gate
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.types import Assessment, Finding

WORDS = (
    ("right", ErrorCategory.DETAIL_MISIDENTIFICATION, 4),
    ("severe", ErrorCategory.OVERSTATED_INTENSITY, 2),
    ("maybe", ErrorCategory.OTHER, 1),
)


class StatusAssessment(Assessment):
    """An assessment with the status the engine is getting (``checked`` | ``unchecked``)."""

    status: str = "checked"


class FakeEngine:
    config_hash = "fake"

    def __init__(self, config: object = None, case_risk: int | None = None) -> None:
        self.seen: list[str] = []
        self.case_risk = case_risk

    def score_many(self, cases) -> Iterator[Assessment]:
        for case in cases:
            self.seen.append(case.output)
            findings = []
            for word, category, risk in WORDS:
                start = 0
                while (at := case.output.find(word, start)) >= 0:
                    findings.append(
                        Finding(
                            category=category,
                            risk=RiskLevel(risk),
                            span=(at, at + len(word)),
                            message=f"'{word}' is not in the input",
                            rule="fake.v1",
                        )
                    )
                    start = at + len(word)
            level = self.case_risk or max((int(f.risk) for f in findings), default=1)
            unchecked = not case.output.replace("\u200b", "").strip()
            yield StatusAssessment(
                id=case.id,
                risk_level=RiskLevel(level),
                factuality=None if unchecked else 1.0,
                findings=findings,
                engine_version="test",
                config_hash="fake",
                status="unchecked" if unchecked else "checked",
            )


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A repository (it has .git) in tmp/repo, with a secret next to it in tmp/outside."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "notes").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("SECRET-TOKEN left knee\n")
    monkeypatch.chdir(root)
    monkeypatch.setenv("MEDFACT_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(medfact.gate, "LazyEngine", FakeEngine)
    return root


def note(root: Path, name: str, text: str, context: str | None = "left knee") -> Path:
    path = root / "notes" / name
    path.write_text(text, encoding="utf-8")
    if context is not None:
        stem = name.rsplit(".", 1)[0]
        (root / "notes" / f"{stem}.context.txt").write_text(context, encoding="utf-8")
    return path


def invoke(*args: str):
    return CliRunner().invoke(gate, [*args, "--no-cache"], catch_exceptions=False)


@pytest.fixture
def deadline():
    """Fail (instead of hanging the suite) when a read blocks for more than 20 s."""

    def alarm(*_: object) -> None:
        raise TimeoutError("the gate hung")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


# --------------------------------------------------------------------------- bounded reads


def test_a_link_to_dev_zero_and_a_fifo_are_refused_at_once(repo, deadline):
    """Before: a link to /dev/zero was read until memory ran out; a FIFO hung forever."""
    (repo / "medfact.toml").write_text("[gate]\nallow_outside = true\n")
    (repo / "notes" / "zero.txt").symlink_to("/dev/zero")
    (repo / "notes" / "zero.context.txt").write_text("left knee")
    os.mkfifo(repo / "notes" / "pipe.txt")
    (repo / "notes" / "pipe.context.txt").write_text("left knee")
    note(repo, "ok.txt", "Left knee.")
    os.mkfifo(repo / "notes" / "ctx.context.txt")
    note(repo, "ctx.txt", "Left knee.", context=None)
    result = invoke("notes")
    assert result.exit_code == 3, result.stderr
    err = result.stderr
    assert "cannot check notes/zero.txt: file notes/zero.txt: it is a device" in err
    assert "cannot check notes/pipe.txt: file notes/pipe.txt: it is a FIFO" in err
    assert "cannot check notes/ctx.txt: context file notes/ctx.context.txt: it is a FIFO" in err
    assert "1 passed" in err


def test_a_file_over_the_limit_is_an_error_of_its_own(repo, monkeypatch):
    monkeypatch.setattr(medfact.gate.inputs, "MAX_FILE_BYTES", 1000)
    note(repo, "big.txt", "Left knee. " * 200)
    note(repo, "ok.txt", "Left knee.")
    (repo / "notes" / "big.jsonl").write_text(
        json.dumps({"output": "x" * 2000, "context": "y"}) + "\n"
    )
    result = invoke("notes")
    assert result.exit_code == 3
    assert "notes/big.txt: file notes/big.txt: it is over the limit of 1,000 bytes" in result.stderr
    assert "cannot check notes/big.jsonl: file notes/big.jsonl: it is over the limit" in (
        result.stderr
    )
    assert "1 passed" in result.stderr


def test_an_unwritable_output_exits_4(repo):
    """Before: exit 2, the code of a usage error."""
    note(repo, "ok.txt", "Left knee.")
    (repo / "plain").write_text("a file, not a folder")
    result = invoke("notes", "--format", "sarif", "-o", "plain/out.sarif")
    assert result.exit_code == 4 and "cannot write plain/out.sarif" in result.stderr
    if Path("/dev/full").exists():
        result = invoke("notes", "--format", "sarif", "-o", "/dev/full")
        assert result.exit_code == 4 and "No space left" in result.stderr


def test_a_config_that_is_a_fifo_is_a_config_error(repo, deadline):
    os.mkfifo(repo / "fifo.toml")
    note(repo, "ok.txt", "Left knee.")
    result = invoke("notes", "--config", "fifo.toml")
    assert result.exit_code == 2 and "is a FIFO" in result.stderr


# --------------------------------------------------------------------------- confinement


def test_context_files_outside_the_repository_are_refused(repo):
    """Before: context_file ../.. paths, /etc/passwd, JSONL context_file and links out of the
    tree were read and their contents copied into the JSON report."""
    notes = repo / "notes"
    (notes / "up.md").write_text("---\ncontext_file: ../../outside/secret.txt\n---\nLeft knee.\n")
    (notes / "etc.md").write_text("---\ncontext_file: /etc/passwd\n---\nLeft knee.\n")
    (notes / "link.txt").write_text("Left knee.")
    (notes / "link.context.txt").symlink_to(repo.parent / "outside" / "secret.txt")
    (notes / "text-link.txt").symlink_to(repo.parent / "outside" / "secret.txt")
    (notes / "rows.jsonl").write_text(
        json.dumps({"id": "r", "output": "Left knee.", "context_file": "../../outside/secret.txt"})
        + "\n"
    )
    (notes / "inside.md").write_text("---\ncontext_file: ../shared.txt\n---\nLeft knee.\n")
    (repo / "shared.txt").write_text("left knee")
    result = invoke("notes", "--format", "json")
    assert result.exit_code == 3
    assert "SECRET" not in result.stdout + result.stderr
    rows = {r["input"]: r for r in map(json.loads, result.stdout.splitlines())}
    refused = {name for name, r in rows.items() if "outside the folders" in json.dumps(r)}
    assert refused == {
        "notes/up.md",
        "notes/etc.md",
        "notes/link.txt",
        "notes/text-link.txt",
        "notes/rows.jsonl:1",
    }
    assert rows["notes/etc.md"]["error"]["field"] == "context_file"
    assert "allow_outside" in rows["notes/up.md"]["error"]["message"]
    assert rows["notes/inside.md"]["status"] == "pass"


def test_allow_outside_lets_the_config_widen_the_roots(repo):
    (repo / "notes" / "up.md").write_text(
        "---\ncontext_file: ../../outside/secret.txt\n---\nLeft knee.\n"
    )
    (repo / "medfact.toml").write_text("[gate]\nallow_outside = true\n")
    assert invoke("notes/up.md").exit_code == 0
    (repo / "medfact.toml").write_text("[gate]\nroots = ['..']\n")  # relative to the file
    assert invoke("notes/up.md").exit_code == 0


def test_named_paths_are_roots_but_a_linked_folder_inside_is_not(repo):
    outside = repo.parent / "outside"
    (outside / "a.txt").write_text("Left knee.")
    (outside / "a.context.txt").write_text("left knee")
    assert invoke(str(outside / "a.txt")).exit_code == 0  # named on purpose: read
    (repo / "notes" / "linked").symlink_to(outside, target_is_directory=True)
    result = invoke("notes/linked")
    assert result.exit_code == 3 and "outside the folders" in result.stderr


# --------------------------------------------------------------------------- unchecked, nothing


def test_an_unchecked_text_fails_unless_allowed(repo):
    """Before: a text with nothing checkable passed as risk 1."""
    note(repo, "blank.txt", "\u200b\u200b\u200b")
    result = invoke("notes")
    assert result.exit_code == 1
    assert "FAIL notes/blank.txt: not checked" in result.stdout
    result = invoke("notes", "--allow-unchecked")
    assert result.exit_code == 0 and "UNCHECKED notes/blank.txt" in result.stdout
    assert "1 not checked" in result.stderr
    row = json.loads(invoke("notes", "--format", "json").stdout)
    assert row["checked"] == "unchecked" and row["status"] == "fail"


def test_nothing_found_exits_2_and_all_excluded_exits_0(repo):
    """Before: an empty folder exited 0 with nothing checked."""
    (repo / "empty").mkdir()
    result = invoke("empty")
    assert result.exit_code == 2 and "no texts to check were found in empty" in result.stderr
    note(repo, "a.txt", "Left knee.")
    result = invoke("notes/a.txt", "--exclude", "notes/*")
    assert result.exit_code == 0 and "excluded" in result.stderr


# --------------------------------------------------------------------------- levels


def _run(repo: Path, settings: GateSettings | None = None, **engine: int):
    return run_gate(["notes"], settings or GateSettings(), engine=FakeEngine(**engine), root=repo)


def test_sarif_levels_follow_the_gate(repo):
    """Before: every finding was 'error' by its own risk, in passing files too."""
    note(repo, "fail.txt", "right knee, severe pain, maybe more")
    note(repo, "pass.txt", "severe pain, maybe more")
    run = _run(repo)
    log = sarif_log(run.results, settings=run.settings)
    levels: dict[str, list[str]] = {}
    for r in log["runs"][0]["results"]:
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        levels.setdefault(uri, []).append(r["level"])
    assert levels == {
        "notes/fail.txt": ["error", "warning", "note"],
        "notes/pass.txt": ["warning", "note"],
    }
    strict = _run(repo, GateSettings(max_risk=1))
    by_name = {r.name: finding_levels(r, strict.settings) for r in strict.results}
    assert by_name["notes/pass.txt"] == ["error", "note"]
    lenient = _run(repo, GateSettings(max_risk=4))
    assert all("error" not in finding_levels(r, lenient.settings) for r in lenient.results)


def test_a_case_risk_over_the_findings_marks_its_highest_findings(repo):
    note(repo, "a.txt", "severe pain, maybe more")
    run = _run(repo, case_risk=3)
    (result,) = run.results
    assert result.status == "fail" and finding_levels(result, run.settings) == ["error", "note"]


def test_junit_failures_only_for_failing_inputs(repo):
    note(repo, "fail.txt", "maybe, right knee")
    note(repo, "pass.txt", "severe pain")
    xml = junit_xml(_run(repo))
    assert xml.count("<failure") == 1 and 'failures="1"' in xml
    failure = xml[xml.index("<failure") : xml.index("</failure>")]
    # worst first
    assert failure.index("risk 4") < failure.index("risk 1")
    assert "notes/pass.txt:1:1: risk 2 overstated_intensity" in xml  # as system-out


# --------------------------------------------------------------------------- suppressions


def test_inline_suppressions_html_markdown_and_front_matter(repo):
    notes = repo / "notes"
    (notes / "html.md").write_text(
        "---\ncontext: left knee\n---\n"
        "<!-- medfact: ignore[detail_misidentification] -->\n"
        "The right knee.\n"
        "\n"
        "Another right knee.\n"
    )
    (notes / "md.md").write_text(
        "---\ncontext: left knee\n---\nThe right knee. [//]: # (not a comment here)\n"
        "[//]: # (medfact: ignore)\nThe right knee.\n"
    )
    (notes / "front.md").write_text(
        "---\ncontext: left knee\nmedfact-ignore: [detail_misidentification, other]\n---\n"
        "Right? The right knee, maybe.\n"
    )
    engine = FakeEngine()
    run = run_gate(["notes"], GateSettings(), engine=engine, root=repo)
    results = {r.name: r for r in run.results}
    html = results["notes/html.md"]
    # the comment covers its line and the next; the line two below still counts
    assert [s is not None for s in html.suppressions] == [True, False]
    assert html.status == "fail" and html.regions()[1].start_line == 7
    md = results["notes/md.md"]
    assert [s is not None for s in md.suppressions] == [False, True]
    front = results["notes/front.md"]
    assert front.suppressed == 2 and front.status == "pass" and front.risk == 1
    # the directives are blanked before scoring, offsets kept
    assert not any("medfact" in text for text in engine.seen)
    assert all(
        len(r.input.case.output) == len(r.input.case.output.rstrip()) + 1 for r in run.results
    )
    sarif = sarif_log(run.results, settings=run.settings)["runs"][0]["results"]
    kinds = [r.get("suppressions", [{}])[0].get("kind") for r in sarif]
    assert kinds.count("inSource") == 4
    rows = [r.to_dict() for r in run.results]
    assert sum(s is not None for row in rows for s in row["suppressed"]) == 4


def test_directive_search_is_linear_on_hostile_texts():
    import time

    from medfact.gate.suppress import find_directives

    start = time.perf_counter()
    found, spans = find_directives("medfact " + "<!--" * 1_000_000, 1, lambda offset: 1)
    assert not found and not spans and time.perf_counter() - start < 2.0


def test_an_unknown_category_in_a_directive_is_an_input_error(repo):
    (repo / "notes" / "a.md").write_text(
        "---\ncontext: left knee\n---\n<!-- medfact: ignore[wrong_side] -->\nright\n"
    )
    (result,) = _run(repo).results
    assert result.status == "error"
    assert "unknown categories 'wrong_side'" in result.error.error["message"]


def test_jsonl_records_suppress_with_a_field(repo):
    rows = [
        {"id": "a", "output": "right knee", "context": "left", "medfact_ignore": ["other"]},
        {"id": "b", "output": "right knee", "context": "left",
         "medfact_ignore": ["detail_misidentification"]},
    ]  # fmt: skip
    (repo / "notes" / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    statuses = [r.status for r in _run(repo).results]
    assert statuses == ["fail", "pass"]


def test_ignore_flag_and_config(repo):
    note(repo, "a.txt", "right knee, severe")
    assert invoke("notes").exit_code == 1
    result = invoke("notes", "--ignore", "detail_misidentification")
    assert result.exit_code == 0 and "1 finding(s) suppressed" in result.stderr
    (repo / "medfact.toml").write_text("[gate]\nignore = ['detail_misidentification']\n")
    assert invoke("notes").exit_code == 0
    result = invoke("notes", "--ignore", "no_such_category")
    assert result.exit_code == 2 and "[gate] ignore must be error categories" in result.stderr


def test_baseline_accepts_known_findings_by_content_across_line_moves(repo):
    path = note(repo, "a.txt", "Visit.\nThe right knee hurts.\nSevere.\n")
    assert invoke("notes").exit_code == 1
    result = invoke("notes", "--write-baseline", "baseline.json")
    assert result.exit_code == 0 and "wrote 1 finding(s)" in result.stderr
    stored = (repo / "baseline.json").read_text()
    assert "right" not in stored and "knee" not in stored  # digests only
    assert json.loads(stored)["findings"][0]["category"] == "detail_misidentification"
    path.write_text("New first line.\n\nVisit.\nThe right   knee hurts.\nSevere.\n")
    result = invoke("notes", "--baseline", "baseline.json", "--format", "sarif")
    assert result.exit_code == 0
    (item,) = json.loads(result.stdout)["runs"][0]["results"]
    assert item["suppressions"][0]["kind"] == "external" and item["level"] == "warning"
    assert item["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    path.write_text("Visit.\nThe right knee hurts.\nAnd the right hip.\n")
    result = invoke("notes", "--baseline", "baseline.json")
    assert result.exit_code == 1
    lines = [line.strip() for line in result.stdout.splitlines()[1:]]
    assert lines == [
        "notes/a.txt:3:9: risk 4 detail_misidentification: 'right' is not in the input"
    ]
    (repo / "medfact.toml").write_text("[gate]\nbaseline = 'baseline.json'\n")
    assert invoke("notes").exit_code == 1
    (repo / "bad.json").write_text('{"version": 7}')
    result = invoke("notes", "--baseline", "bad.json")
    assert result.exit_code == 2 and "not a medfact baseline" in result.stderr


# --------------------------------------------------------------------------- names and lines


def test_a_file_name_with_a_newline_cannot_forge_a_finding_line(repo):
    """Before: the name went out raw, so it could print a line of its own."""
    name = "a\nforged.txt:1:1: risk 1 other: all fine\x1b]0;owned\x07.txt"
    note(repo, name, "right knee")
    result = invoke("notes")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert not any(line.startswith("forged") for line in lines)
    assert "\x1b" not in result.stdout + result.stderr
    assert any(line.strip().startswith("notes/a\\x0aforged.txt:1:1: risk 1") for line in lines)


def test_lines_are_counted_in_the_file_front_matter_included(repo):
    (repo / "notes" / "a.md").write_text(
        "---\ncontext: |\n  left knee\n  and more\nid: x\n---\n# Title\n\nThe right knee.\n"
    )
    (result,) = _run(repo).results
    (line,) = text_lines(result)[1:]
    assert line.strip().startswith("notes/a.md:9:5: risk 4")


def test_report_refuses_a_fifo_input(repo, deadline):
    """Before: `medfact report --input FIFO` waited forever for a writer."""
    from medfact.gate_cli import report

    os.mkfifo(repo / "results.jsonl")
    result = CliRunner().invoke(report, ["--input", "results.jsonl", "--html", "out.html"])
    assert result.exit_code == 2 and "FIFO" in result.stderr
    (repo / "ok.jsonl").write_text("")
    result = CliRunner().invoke(report, ["--input", "ok.jsonl", "--cases", "results.jsonl",
                                         "--html", "out.html"])  # fmt: skip
    assert result.exit_code == 2 and "FIFO" in result.stderr


def test_jsonl_records_on_cr_only_lines_are_located_on_their_own_lines(repo):
    rows = [{"id": "a", "output": "left", "context": "left"},
            {"id": "b", "output": "the right knee", "context": "left"}]  # fmt: skip
    (repo / "notes" / "r.jsonl").write_bytes("\r".join(json.dumps(r) for r in rows).encode())
    results = _run(repo).results
    assert [r.input.case.id for r in results] == ["a", "b"]
    (region,) = results[1].regions()
    raw = json.dumps(rows[1])
    assert region.start_line == 2 and raw[region.start_column - 1 :].startswith("right knee")
