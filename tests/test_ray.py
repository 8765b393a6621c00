"""Batch scoring on Ray Data: the same results, in the same order, as one process.

Runs on a local Ray instance (``ray.init(num_cpus=2)``); skips, saying why, where Ray is not
installed or cannot start. The reference runs with PYTHONHASHSEED=0, and so do the workers
(``score_dataset`` passes the driver's seed on): the engine's float sums can depend on it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from medfact.errors import ConfigError, InputError, MedfactError
from medfact.integrations import ray as ray_path
from medfact.integrations.ray import (
    RESULT_COLUMNS,
    RULES_BATCH_SIZE,
    cases_dataset,
    default_batch_size,
    expand_inputs,
    find_repeats,
    find_repeats_in_files,
    read_jsonl,
    resolve_config,
    score_dataset,
    score_with_ray,
    write_results,
)
from medfact.types import Case, RecordError

NO_MODEL = {"pipeline": {"model": "", "learned_verifiers": [], "scorer": "rules.v1"}}
CONTEXT = (
    "Doctor: Any fever? Patient: No. Doctor: Which ankle hurts? "
    "Patient: The right one, since I twisted it on Sunday. Doctor: Any medicines? "
    "Patient: Ibuprofen 400 mg twice a day."
)
OUTPUTS = [
    "Right ankle pain after a twisting injury on Sunday. Denies fever.",
    "Left ankle pain after a twisting injury on Sunday. Reports fever.",
    "Takes ibuprofen 800 mg three times a day for the right ankle.",
    "Right ankle pain since Sunday; no fever. Ibuprofen 400 mg twice daily.",
]


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray of 2 CPUs for this module (skips where Ray is missing or cannot start)."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"Ray Data is not installed (pip install 'medfact[ray]'): {exc}")
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING")
        except Exception as exc:  # no shared memory, no ports, ...
            pytest.skip(f"a local Ray instance cannot start here: {exc}")
    yield ray
    if started:
        ray.shutdown()


@pytest.fixture
def seed0(monkeypatch):
    monkeypatch.setenv("PYTHONHASHSEED", "0")


def _strip(text: str) -> dict[str, Any]:
    """A result without its timings (the only field that may differ between runs)."""
    data = json.loads(text)
    data.pop("timings", None)
    return data


def _cli(path: Path, *options: str) -> tuple[list[str], subprocess.CompletedProcess]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    args = [sys.executable, "-m", "medfact.cli", "score", "--input", str(path), *options]
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode in (0, 3), done.stderr
    return done.stdout.splitlines(), done


def _mixed_file(path: Path) -> Path:
    """Good records, a duplicate id, and lines the reader or the engine refuses."""
    lines = [json.dumps({"id": f"r{i}", "context": CONTEXT, "output": o}).encode()
             for i, o in enumerate(OUTPUTS)]  # fmt: skip
    lines[2:2] = [
        b'{"id": "bad-json", "output": ',  # not JSON
        b"",  # blank: skipped, as by the CLI
        b"[1, 2]",  # not an object
        b'{"id": "latin1", "output": "caf\xe9"}',  # not UTF-8
        json.dumps({"id": "no-output", "context": CONTEXT}).encode(),
        json.dumps({"id": "r0", "context": CONTEXT, "output": OUTPUTS[1]}).encode(),  # dup id
        json.dumps({"context": CONTEXT, "output": OUTPUTS[3]}).encode(),  # id from its line
        json.dumps({"id": "empty", "context": CONTEXT, "output": "  "}).encode(),
    ]
    lines.append(json.dumps({"id": "extra", "output": OUTPUTS[0], "colour": "blue"}).encode())
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


# -- without Ray -----------------------------------------------------------------------------


def test_expand_inputs_files_folders_globs(tmp_path):
    (tmp_path / "b.jsonl").write_text("{}\n")
    (tmp_path / "a.jsonl").write_text("{}\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.jsonl").write_text("{}\n")
    (tmp_path / "notes.txt").write_text("x\n")
    names = [Path(p).relative_to(tmp_path).as_posix() for p in expand_inputs(tmp_path)]
    assert names == ["a.jsonl", "b.jsonl", "sub/c.jsonl"]
    glob = expand_inputs(str(tmp_path / "*.jsonl"))
    assert [Path(p).name for p in glob] == ["a.jsonl", "b.jsonl"]
    assert expand_inputs([tmp_path / "b.jsonl", tmp_path / "a.jsonl"]) == [
        str(tmp_path / "b.jsonl"),
        str(tmp_path / "a.jsonl"),
    ]
    assert expand_inputs("s3://bucket/cases.jsonl") == ["s3://bucket/cases.jsonl"]


@pytest.mark.parametrize(
    ("given", "words"),
    [("missing.jsonl", "no such file"), ("empty", "holds no"), ("*.none", "matches no")],
)
def test_expand_inputs_names_what_matched_nothing(tmp_path, given, words):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=words) as info:
        expand_inputs(str(tmp_path / given))
    assert info.value.field == "--input"
    with pytest.raises(InputError, match="no input"):
        expand_inputs([])


def test_bad_config_fails_before_ray_starts(tmp_path):
    path = _mixed_file(tmp_path / "cases.jsonl")
    with pytest.raises(ConfigError, match="pipelin"):
        score_with_ray(path, tmp_path / "out.jsonl", overrides={"pipelin": {}})
    with pytest.raises(ConfigError, match="parquet output needs a file path"):
        score_with_ray(path, "-", "parquet", overrides=NO_MODEL)
    with pytest.raises(ConfigError, match="format"):
        score_with_ray(path, tmp_path / "out.csv", "csv", overrides=NO_MODEL)
    assert not (tmp_path / "out.jsonl").exists()


def _two_files(folder: Path) -> list[str]:
    """Two files whose ids repeat within a file and across them, as the paths are given."""
    folder.mkdir()
    first = _mixed_file(folder / "a.jsonl")
    second = folder / "b.jsonl"
    second.write_text(
        "".join(
            json.dumps(record) + "\n"
            for record in [
                {"id": "r3", "context": CONTEXT, "output": OUTPUTS[0]},  # r3: line 12 of a
                {"id": "no-output", "context": CONTEXT, "output": OUTPUTS[1]},  # a's failed
                {"id": "b2", "output": OUTPUTS[2]},
                {"id": "b2", "output": OUTPUTS[3]},
            ]
        )
    )
    return [str(first), str(second)]


def test_driver_id_pass_names_the_repeats_by_line_and_file(tmp_path):
    files = _two_files(tmp_path / "in")
    repeats = find_repeats_in_files(files)
    assert repeats == {
        (files[0], 8): "line 1",  # a.jsonl line 8 repeats r0 of line 1
        (files[1], 1): f"line 12 of {files[0]!r}",
        (files[1], 4): "line 3",
    }  # "no-output" of b is no repeat: a's record of that id is not a case
    assert find_repeats_in_files(files, strict=True) == repeats  # strict fails only "extra"


def test_driver_id_pass_leaves_remote_and_large_inputs_to_ray(tmp_path, monkeypatch):
    files = _two_files(tmp_path / "in")
    assert find_repeats_in_files([*files, "s3://bucket/cases.jsonl"]) is None
    monkeypatch.setattr(ray_path, "DRIVER_ID_PASS_BYTES", os.path.getsize(files[0]))
    assert find_repeats_in_files(files[:1]) is not None
    assert find_repeats_in_files(files) is None  # over the size a driver reads


def test_default_batch_size_is_larger_only_for_rules():
    assert default_batch_size(resolve_config(None, NO_MODEL)) == RULES_BATCH_SIZE > 64
    assert default_batch_size(resolve_config(None, None)) == 64  # tier 1 predicts per batch
    learned = {"pipeline": {**NO_MODEL["pipeline"], "learned_verifiers": ["qualifier.v1"]}}
    assert default_batch_size(resolve_config(None, learned)) == 64
    lm = {"pipeline": {**NO_MODEL["pipeline"], "evaluator": "lm_evaluator.v1"}}
    assert default_batch_size(lm) == 64


# -- on a local Ray ----------------------------------------------------------------------------


def test_driver_id_pass_finds_what_the_ray_pass_finds(local_ray, tmp_path):
    files = _two_files(tmp_path / "in")
    assert find_repeats_in_files(files) == find_repeats(read_jsonl(files, rows_per_block=3))
    for strict in (False, True):
        on_ray = find_repeats(read_jsonl(files), strict=strict)
        assert find_repeats_in_files(files, strict=strict) == on_ray


def test_repeats_across_files_same_either_pass(local_ray, tmp_path, seed0):
    """score_with_ray (ids found by the driver, batch 256) writes what score_dataset writes
    with the id pass on Ray Data and batches of 3."""
    files = _two_files(tmp_path / "in")
    out = tmp_path / "out.jsonl"
    counts = score_with_ray(tmp_path / "in", out, overrides=NO_MODEL, num_workers=1)
    got = [_strip(x) for x in out.read_text().splitlines()]
    results = score_dataset(read_jsonl(files), overrides=NO_MODEL, batch_size=3)
    assert got == [_strip(row["result"]) for row in results.take_all()]
    assert counts["failed"] == 6 + 2
    repeat = got[-4]  # b.jsonl line 1: r3, whose first record is line 12 of a.jsonl
    assert (repeat["id"], repeat["error"]["code"], repeat["error"]["line"]) == ("r3", "E012", 1)
    assert f"line 12 of {files[0]!r}" in repeat["error"]["message"]
    assert got[-1]["error"]["code"] == "E012" and "error" not in got[-3]


def test_hash_seed_probe_asks_the_workers(local_ray):
    @local_ray.remote(num_cpus=0)
    def seed() -> str | None:
        return os.environ.get("PYTHONHASHSEED")

    worker_seed = local_ray.get(seed.remote())
    assert not ray_path._workers_have_seed(local_ray, f"{worker_seed}-other")
    if worker_seed is not None:
        assert ray_path._workers_have_seed(local_ray, worker_seed)


def test_read_jsonl_keeps_every_line_in_order(local_ray, tmp_path):
    _mixed_file(tmp_path / "b.jsonl")
    (tmp_path / "a.jsonl").write_bytes(b'{"id": "first"}\nnot json\n')
    rows = read_jsonl(tmp_path, rows_per_block=2).take_all()
    keys = [(Path(r["path"]).name, r["line"]) for r in rows]
    b_lines = [1, 2, 3, *range(5, 14)]  # line 4 is blank
    assert keys == [("a.jsonl", 1), ("a.jsonl", 2)] + [("b.jsonl", n) for n in b_lines]
    errors = {r["line"]: json.loads(r["error"]) for r in rows if r["error"]}
    assert set(errors) == {2, 3, 5, 6}  # a.jsonl line 2; b.jsonl lines 3, 5, 6
    assert all(e["error"]["line"] == n for n, e in errors.items())
    assert "UTF-8" in errors[6]["error"]["message"]
    assert json.loads(rows[0]["record"]) == {"id": "first"}


def test_file_scored_on_ray_is_identical_to_medfact_score(local_ray, tmp_path, seed0, capfd):
    path = _mixed_file(tmp_path / "cases.jsonl")
    expected, done = _cli(path, "--no-model")
    counts = score_with_ray(path, "-", overrides=NO_MODEL, num_workers=1, batch_size=2)
    captured = capfd.readouterr()
    got = captured.out.splitlines()
    assert [_strip(x) for x in got] == [_strip(x) for x in expected]
    assert len(got) == 12  # one result per non-blank line, the refused ones included
    failed = [json.loads(x) for x in got if "error" in json.loads(x)]
    assert {f["error"]["line"] for f in failed} == {3, 5, 6, 7, 8, 10}
    summary = f"{counts['scored']} scored, {counts['unsafe']} unsafe, {counts['failed']} failed"
    assert summary in done.stderr
    repeat = json.loads(got[6])  # line 8 repeats the id of line 1: its error, not its result
    assert (repeat["id"], repeat["error"]["code"], repeat["error"]["line"]) == ("r0", "E012", 8)
    assert "line 1" in repeat["error"]["message"]


def test_records_scored_on_two_workers_match_score_many(local_ray, seed0):
    """In memory, 2 workers of half a CPU, batches of 3: score_many's results, in order."""
    records: list[Any] = [
        {"id": f"c{i}", "context": CONTEXT, "output": OUTPUTS[i % len(OUTPUTS)]} for i in range(14)
    ]
    records[3] = {"id": "c1", "context": CONTEXT, "output": OUTPUTS[2]}  # duplicate id
    records[5] = {"context": CONTEXT}  # no id, no output
    records[6] = "not a record"
    records[8] = RecordError(id="x", error={"code": "E010", "message": "unreadable"})
    records[9] = Case(id="typed", output=OUTPUTS[0], context=CONTEXT)
    records[11] = {"id": "extra", "output": OUTPUTS[0], "colour": "blue"}
    # What `medfact score` makes of them: an unknown field is metadata, a repeated id an error
    same = [*records[:11], {"id": "extra", "output": OUTPUTS[0], "metadata": {"colour": "blue"}}]
    same += records[12:]

    @local_ray.remote(runtime_env={"env_vars": {"PYTHONHASHSEED": "0"}})
    def reference(items: list[Any]) -> list[str]:
        from medfact.pipeline import Engine

        engine = Engine.from_config(None, NO_MODEL)
        return [r.model_dump_json() for r in engine.score_many(items)]

    expected = local_ray.get(reference.remote(same))
    results = score_dataset(
        cases_dataset(records, rows_per_block=3),
        overrides=NO_MODEL,
        num_workers=2,
        cpus_per_worker=0.5,
        batch_size=3,
        worker_stats=True,
    )
    rows = results.take_all()
    got = [_strip(r["result"]) for r in rows]
    assert got[:3] + got[4:] == [_strip(x) for x in expected[:3] + expected[4:]]
    assert got[3]["error"]["code"] == "E012" and "an earlier record" in got[3]["error"]["message"]
    assert [r["line"] for r in rows] == list(range(len(records)))
    assert got[5]["error"]["message"] == "is required"  # no id: position 5 is named in logs
    assert got[11]["id"] == "extra" and "error" not in got[11]
    assert [r["status"] for r in rows].count("failed") == 4
    assert all(r["worker_peak_rss_mb"] > 0 and r["worker_load_s"] >= 0 for r in rows)


def test_strict_refuses_unknown_fields_as_medfact_score_does(local_ray, tmp_path, seed0):
    path = _mixed_file(tmp_path / "cases.jsonl")
    expected, _ = _cli(path, "--no-model", "--strict")
    out = tmp_path / "out.jsonl"
    counts = score_with_ray(path, out, overrides=NO_MODEL, num_workers=1, strict=True)
    got = out.read_text().splitlines()
    assert [_strip(x) for x in got] == [_strip(x) for x in expected]
    assert json.loads(got[-1])["error"]["field"] == "colour"
    assert counts["failed"] == 7


def test_parquet_holds_the_same_results(local_ray, tmp_path, seed0):
    import pyarrow.parquet as pq

    path = _mixed_file(tmp_path / "cases.jsonl")
    jsonl, parquet = tmp_path / "out.jsonl", tmp_path / "out.parquet"
    counts = score_with_ray(path, jsonl, overrides=NO_MODEL, num_workers=1, batch_size=4)
    again = score_with_ray(path, parquet, "parquet", overrides=NO_MODEL, num_workers=1)
    assert counts == again
    assert (counts["scored"], counts["failed"]) == (6, 6)
    table = pq.read_table(parquet)
    assert counts["unchecked"] == table["checked"].to_pylist().count(False) == 1  # no context
    assert table.column_names == list(RESULT_COLUMNS)
    lines = jsonl.read_text().splitlines()
    assert [_strip(x) for x in table["result"].to_pylist()] == [_strip(x) for x in lines]
    for row in table.to_pylist():
        result = json.loads(row["result"])
        assert row["id"] == result["id"]
        if row["status"] == "scored":
            assert (row["risk_level"], row["safe"]) == (result["risk_level"], result["safe"])
            assert row["checked"] is (result.get("status", "checked") == "checked")
        else:
            assert row["risk_level"] is None and row["line"] == result["error"]["line"]


def test_results_out_of_order_are_refused(local_ray, tmp_path):
    rows = [
        {"path": "a.jsonl", "line": n, "id": str(n), "status": "scored", "risk_level": 1,
         "safe": True, "checked": True, "result": "{}"}
        for n in (1, 3, 2)
    ]  # fmt: skip
    with pytest.raises(MedfactError, match="out of order"):
        write_results(local_ray.data.from_items(rows), tmp_path / "out.jsonl")


def test_default_model_on_ray_matches_medfact_score(local_ray, tmp_path, seed0):
    """One check with the tier-1 cross-encoder loaded in the worker."""
    path = tmp_path / "cases.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"m{i}", "context": CONTEXT, "output": o}) + "\n"
            for i, o in enumerate(OUTPUTS)
        )
    )
    expected, _ = _cli(path)
    out = tmp_path / "out.jsonl"
    counts = score_with_ray(path, out, num_workers=1)
    assert counts["scored"] == len(OUTPUTS) and counts["failed"] == 0
    got = out.read_text().splitlines()
    assert [_strip(x) for x in got] == [_strip(x) for x in expected]
    assert all("model" in json.loads(x)["timings"] for x in got)  # tier 1 ran in the worker


def test_score_ray_flag_writes_what_score_writes(local_ray, tmp_path):
    path = _mixed_file(tmp_path / "cases.jsonl")
    expected, _ = _cli(path, "--no-model")
    out = tmp_path / "ray.jsonl"
    args = ("--no-model", "--ray", "--ray-workers", "1", "--output-file", str(out))
    _, done = _cli(path, *args)
    assert done.returncode == 3  # the refused lines: same exit code as without --ray
    got = out.read_text().splitlines()
    assert [_strip(x) for x in got] == [_strip(x) for x in expected]
    assert "medfact: 6 scored" in done.stderr and "6 failed" in done.stderr


def test_ray_only_options_need_ray(tmp_path):
    path = _mixed_file(tmp_path / "cases.jsonl")
    args = [sys.executable, "-m", "medfact.cli", "score", "--input", str(path), "--no-model"]
    done = subprocess.run([*args, "--format", "parquet"], capture_output=True, text=True)
    assert done.returncode == 2 and "need --ray" in done.stderr
