"""``medfact corpus`` end to end with click's CliRunner (stdout and stderr kept apart)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from medfact.corpus_cli import corpus

LINES = [
    {"id": "d1", "text": "Vitamin D deficiency causes rickets.", "title": "Rickets"},
    {"id": "d2", "text": "Type 2 diabetes is treated with metformin."},
    {"id": "d3", "text": "Type 1 diabetes needs insulin.", "metadata": {"source": "test"}},
]


@pytest.fixture()
def jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "passages.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in LINES))
    return path


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(corpus, list(args), env=env, catch_exceptions=False)


def test_build_search_list_end_to_end(tmp_path: Path, jsonl: Path) -> None:
    home = str(tmp_path / "home")
    built = run("build", "toy", "--from", str(jsonl), "--home", home)
    assert built.exit_code == 0, built.stderr
    assert built.stdout == ""
    assert "3 passages" in built.stderr
    assert (tmp_path / "home" / "corpora" / "toy" / "manifest.json").is_file()

    found = run("search", "toy", "type 2", "-k", "1", "--home", home)
    assert found.exit_code == 0
    assert "d2" in found.stdout and "metformin" in found.stdout and "d3" not in found.stdout

    as_json = run("search", "toy", "vitamin D", "--format", "json", "--home", home)
    results = json.loads(as_json.stdout)
    assert results[0]["doc_id"] == "d1" and results[0]["source"] == "toy"
    assert results[0]["text"] == LINES[0]["text"]

    listed = run("list", "--home", home)
    assert listed.stdout.startswith("toy\t3 passages")
    rows = json.loads(run("list", "--format", "json", "--home", home).stdout)
    assert rows[0]["name"] == "toy" and rows[0]["passages"] == 3


def test_home_from_environment(tmp_path: Path, jsonl: Path) -> None:
    env = {"MEDFACT_HOME": str(tmp_path / "envhome")}
    assert run("build", "toy", "--from", str(jsonl), env=env).exit_code == 0
    assert (tmp_path / "envhome" / "corpora" / "toy").is_dir()
    assert "d1" in run("search", "toy", "rickets", env=env).stdout


def test_errors_exit_2_with_one_line(tmp_path: Path, jsonl: Path) -> None:
    home = str(tmp_path / "home")
    missing = run("search", "nope", "query", "--home", home)
    assert missing.exit_code == 2
    assert missing.stderr.count("\n") == 1 and "no corpus index" in missing.stderr
    assert "Traceback" not in missing.stderr and missing.stdout == ""

    assert run("build", "toy", "--from", str(jsonl), "--home", home).exit_code == 0
    again = run("build", "toy", "--from", str(jsonl), "--home", home)
    assert again.exit_code == 2 and "--force" in again.stderr
    assert run("build", "toy", "--from", str(jsonl), "--home", home, "--force").exit_code == 0

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "ok"}\n{"id": "b"}\n')
    failed = run("build", "bad", "--from", str(bad), "--home", home)
    assert failed.exit_code == 2
    assert "line 2" in failed.stderr and "'text'" in failed.stderr
    assert not (tmp_path / "home" / "corpora" / "bad").exists()

    nowhere = run("build", "x", "--from", str(tmp_path / "nowhere.jsonl"), "--home", home)
    assert nowhere.exit_code == 2 and "does not exist" in nowhere.stderr
    bad_name = run("build", "../x", "--from", str(jsonl), "--home", home)
    assert bad_name.exit_code == 2 and "not allowed" in bad_name.stderr


def test_list_reports_broken_index(tmp_path: Path) -> None:
    (tmp_path / "corpora" / "broken").mkdir(parents=True)
    listed = run("list", "--home", str(tmp_path))
    assert listed.exit_code == 0
    assert listed.stdout.startswith("broken\tbroken:")


@pytest.mark.parametrize("command", [[], ["build"], ["search"], ["list"]])
def test_help_ends_with_an_example(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    tail = result.stdout.rstrip().splitlines()
    assert any(line.strip() == "Example:" for line in tail[-4:])
    assert tail[-1].strip().startswith("medfact corpus")
