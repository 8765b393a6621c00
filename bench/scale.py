"""Cases/s of one process vs Ray Data with 1 and 2 workers on the same cases (MTS-Dialog).

The cases: MTS-Dialog dialogue -> note section pairs (all four splits, 1,701 pairs), repeated
with new ids up to ``--cases`` (default 2,000), written to one JSONL file in a temporary folder.

For each pipeline (``--no-model`` rules only; default: with the tier-1 cross-encoder):
- single process: ``Engine.score_many`` over the file's records, results serialised as
  ``medfact score`` writes them; with torch's default threads, and with 1 thread (what one Ray
  worker of ``num_cpus=1`` gets: Ray sets OMP_NUM_THREADS to the worker's CPUs); and the
  ``medfact score --input`` command itself, end to end in a new process, without and with
  ``--ray --ray-workers 1`` (which starts its own local Ray: ``ray.init`` included);
- Ray: ``score_with_ray``'s path (repeated ids found by the driver, ``read_jsonl`` ->
  ``score_dataset`` -> ``write_results``) with 1 and 2 workers, on a local Ray started once
  (its start is reported apart, with the start of one empty actor), and with 1 worker with the
  id pass on Ray Data (``find_repeats``, the path for object storage), without any id pass
  (``unique_ids=False``), and along the old path (before the start-up work: id pass on Ray
  Data, batch 64, every worker in a new process for its runtime env), all in the same rounds.

Reported: wall (end to end, engine load included, ``ray.init`` not), the steady rate (rows
after the first batch / time after the first batch: what a long run sees), each worker's
engine load and peak RSS; with ``--rounds N``, the median of N rounds run back to back, each
round running every row once. Results are checked to be identical to the single process
(timings aside).

    python bench/scale.py                      # both pipelines, 2,000 cases
    python bench/scale.py --no-model --cases 500 --rounds 3 --no-cli
    python bench/scale.py --startup-only --rounds 3   # ray.init, empty actor, empty Ray Data runs
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DATA = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mts-dialog" / "Main-Dataset"
)
NO_MODEL = {"pipeline": {"model": "", "learned_verifiers": [], "scorer": "rules.v1"}}


def build_cases(n: int) -> list[dict[str, str]]:
    """``n`` cases from MTS-Dialog (dialogue -> note section), repeated with new ids."""
    pairs = []
    for path in sorted(DATA.glob("MTS-Dialog-*.csv")):
        split = path.stem.removeprefix("MTS-Dialog-")
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                pairs.append((f"{split}-{row['ID']}", row["section_text"], row["dialogue"]))
    if not pairs:
        sys.exit(f"bench/scale.py: no MTS-Dialog csv in {DATA} (it lives in ../shared/data)")
    return [
        {"id": f"{pairs[i % len(pairs)][0]}-{i // len(pairs)}", "output": pairs[i % len(pairs)][1],
         "context": pairs[i % len(pairs)][2]}
        for i in range(n)
    ]  # fmt: skip


def _strip(line: str) -> dict[str, Any]:
    record = json.loads(line)
    record.pop("timings", None)
    return record


def run_single(path: Path, overrides: dict[str, Any] | None, threads: int | None) -> dict:
    """``medfact score --input`` in this process: read, score, serialise each result."""
    from medfact.io import iter_jsonl
    from medfact.pipeline import Engine
    from medfact.types import RecordError

    if threads:
        import torch

        torch.set_num_threads(threads)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    engine = Engine.from_config(None, overrides).load()
    load_s = time.perf_counter() - start
    out, first = io.StringIO(), None
    with path.open("rb") as handle:
        for n, result in enumerate(engine.score_many(rec for _, rec in iter_jsonl(handle)), 1):
            if isinstance(result, RecordError):
                raise SystemExit(f"bench/scale.py: record {result.id} failed: {result.error}")
            out.write(result.model_dump_json() + "\n")
            if n == 64:
                first = time.perf_counter()
    end = time.perf_counter()
    return {
        "wall_s": end - start,
        "load_s": load_s,
        "steady": (n - 64) / (end - first) if first and n > 64 else n / (end - start),
        "rows": n,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": before,
        "lines": out.getvalue().splitlines(),
    }


def run_cli(path: Path, no_model: bool, ray_workers: int | None = None) -> dict:
    """``medfact score --input FILE [--ray]`` as a user runs it: a new process, wall clock."""
    args = [sys.executable, "-m", "medfact.cli", "score", "--input", str(path)]
    if no_model:
        args.append("--no-model")
    if ray_workers:
        args += ["--ray", "--ray-workers", str(ray_workers)]
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench/scale.py: medfact score failed: {done.stderr[-2000:]}")
    lines = done.stdout.splitlines()
    return {"wall_s": wall, "rows": len(lines), "lines": lines}


def run_ray(
    path: Path, overrides: dict[str, Any] | None, workers: int, batch: int, id_pass: str = "driver"
) -> dict:
    """The ``--ray`` path with ``workers`` actors; the Ray instance is already up. ``id_pass``:
    "driver" (``score_with_ray``'s way for local files), "ray" (a first pass on Ray Data, the
    way for object storage), "none" (``unique_ids=False``), or "old": the path before the
    start-up work of issue 16's second round (a pass on Ray Data, and the hash seed sent
    through a runtime env, so each worker in a new process; give it batch 64)."""
    from medfact.integrations import ray as ray_path

    start = time.perf_counter()
    repeats = ray_path.find_repeats_in_files([str(path)]) if id_pass == "driver" else None
    cases = ray_path.read_jsonl(path, rows_per_block=batch)
    probe = ray_path._workers_have_seed
    if id_pass == "old":
        ray_path._workers_have_seed = lambda ray, seed: False  # type: ignore[assignment]
    try:
        results = ray_path.score_dataset(
            cases,
            None,
            overrides,
            num_workers=workers,
            batch_size=batch,
            unique_ids=id_pass != "none",
            repeats=repeats,
            worker_stats=True,
        )
    finally:
        ray_path._workers_have_seed = probe
    RESULT_COLUMNS = ray_path.RESULT_COLUMNS  # noqa: N806
    lines, first, stats = [], None, {}
    for table in results.iter_batches(batch_format="pyarrow", batch_size=None):
        lines.extend(table["result"].to_pylist())
        for pid, rss, load in zip(
            table["worker_pid"].to_pylist(),
            table["worker_peak_rss_mb"].to_pylist(),
            table["worker_load_s"].to_pylist(),
            strict=True,
        ):
            old = stats.get(pid, (0.0, load))
            stats[pid] = (max(old[0], rss), load)
        if first is None:
            first, n_first = time.perf_counter(), len(lines)
        assert table.column_names[: len(RESULT_COLUMNS)] == list(RESULT_COLUMNS)
    end = time.perf_counter()
    n = len(lines)
    return {
        "wall_s": end - start,
        "steady": (n - n_first) / (end - first) if n > n_first else n / (end - start),
        "rows": n,
        "workers": {pid: {"peak_rss_mb": r, "load_s": ld} for pid, (r, ld) in stats.items()},
        "lines": lines,
    }


def ray_start(workers: int) -> dict[str, float]:
    """Ray's own fixed start-up: ``ray.init`` and then one empty actor (create, first call)."""
    import ray

    start = time.perf_counter()
    # One logical CPU more than the workers: Ray Data's read/split tasks need a slot.
    ray.init(num_cpus=workers + 1, include_dashboard=False, logging_level="WARNING")
    init_s = time.perf_counter() - start

    @ray.remote(num_cpus=1)
    class Empty:
        def pid(self) -> int:
            return os.getpid()

    start = time.perf_counter()
    actor = Empty.remote()  # type: ignore[attr-defined]
    ray.get(actor.pid.remote())
    actor_s = time.perf_counter() - start
    ray.kill(actor)
    return {"ray_init_s": init_s, "empty_actor_s": actor_s}


class _Identity:
    """An actor-pool UDF that does nothing: what Ray Data costs before any scoring."""

    def __call__(self, batch: Any) -> Any:
        return batch


def startup_only(rounds: int) -> list[dict[str, float]]:
    """Ray's fixed start-up alone, in a fresh Ray each round: ``ray.init``, one empty actor,
    the session's first Ray Data execution (64 rows, tasks only), a second one, and an empty
    one-actor pool over 64 rows (the shape of a scoring run, without medfact)."""
    import ray
    import ray.data

    out = []
    for _ in range(rounds):
        row = ray_start(1)
        try:
            for key in ("first_ray_data_s", "second_ray_data_s"):
                start = time.perf_counter()
                ray.data.range(64).take_all()
                row[key] = time.perf_counter() - start
            start = time.perf_counter()
            pool = ray.data.ActorPoolStrategy(size=1)
            ray.data.range(64).map_batches(_Identity, compute=pool).take_all()
            row["empty_actor_pool_s"] = time.perf_counter() - start
        finally:
            ray.shutdown()
        print("ray start-up: " + ", ".join(f"{k} {v:.2f}" for k, v in row.items()), flush=True)
        out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument(
        "--batch-size", type=int, help="Ray batch (default: score_with_ray's, 256 rules / 64)"
    )
    parser.add_argument("--no-model", action="store_true", help="only the rules pipeline")
    parser.add_argument("--model-only", action="store_true", help="only the default pipeline")
    parser.add_argument("--workers", default="1,2", help="Ray worker counts to run")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of every row; medians")
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    parser.add_argument(
        "--startup-only", action="store_true", help="only Ray's own start-up, --rounds times"
    )
    parser.add_argument("--no-cli", action="store_true", help="leave out the new processes")
    args = parser.parse_args()
    if os.environ.get("PYTHONHASHSEED") != "0":
        # The engine's float sums can depend on string hashing: one seed for every process
        # (the Ray workers get the driver's), or "identical" would compare hash seeds.
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])

    import logging

    import ray

    from medfact.integrations.ray import default_batch_size, resolve_config

    logging.getLogger("ray.data").setLevel(logging.WARNING)
    if args.startup_only:
        rows = startup_only(args.rounds)
        medians = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        print("medians: " + ", ".join(f"{k} {v:.2f}" for k, v in medians.items()), flush=True)
        if args.json:
            args.json.write_text(json.dumps({"rounds": rows, "medians": medians}, indent=2))
        return

    cases = build_cases(args.cases)
    pipelines = [("no-model", NO_MODEL), ("default", None)]
    if args.no_model:
        pipelines = pipelines[:1]
    elif args.model_only:
        pipelines = pipelines[1:]
    workers = [int(w) for w in args.workers.split(",")]
    cores = len(os.sched_getaffinity(0))
    print(
        f"machine: {platform.machine()} cores={cores} python={platform.python_version()} "
        f"ray={ray.__version__}; {len(cases)} cases, {args.rounds} round(s)",
        flush=True,
    )
    figures: dict[str, Any] = {"cases": len(cases), "cores": cores, "rounds": args.rounds}
    with tempfile.TemporaryDirectory(prefix="medfact-scale-") as tmp:
        path = Path(tmp) / "cases.jsonl"
        path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
        # The new processes first: `medfact score --ray` starts a Ray of its own.
        cli_runs: dict[str, dict[str, list[dict]]] = {}
        for name, overrides in pipelines:
            cli_rows = cli_runs[name] = {}
            for _ in range(0 if args.no_cli else args.rounds):
                for label, ray_workers in (
                    ("medfact score (CLI process)", None),
                    ("medfact score --ray, 1 worker", 1),
                ):
                    result = run_cli(path, overrides is not None, ray_workers)
                    cli_rows.setdefault(label, []).append(result)
                    print(f"{name:8} | {label:32} | wall {result['wall_s']:6.1f} s", flush=True)
        figures["ray_start"] = start = ray_start(max(workers))
        print(
            f"ray.init: {start['ray_init_s']:.1f} s; then one empty actor: "
            f"{start['empty_actor_s']:.2f} s",
            flush=True,
        )
        try:
            for name, overrides in pipelines:
                batch = args.batch_size or default_batch_size(resolve_config(None, overrides))
                rows = figures[name] = {"ray_batch_size": batch}
                plan: list[tuple[str, Any]] = []
                for threads in (None, 1):
                    if name == "no-model" and threads:
                        continue  # no torch in the rules pipeline
                    plan.append((f"single, torch threads={threads or 'default'}", threads))
                for w in workers:
                    plan.append((f"ray, {w} worker{'s' * (w > 1)}", (w, "driver")))
                plan.append(
                    (f"ray, {min(workers)} worker, id pass on Ray Data", (min(workers), "ray"))
                )
                plan.append((f"ray, {min(workers)} worker, no id pass", (min(workers), "none")))
                plan.append(
                    (f"ray, {min(workers)} worker, old path (batch 64)", (min(workers), "old"))
                )
                runs: dict[str, list[dict]] = {}
                reference = None
                for _ in range(args.rounds):
                    for label, how in plan:
                        if label.startswith("single"):
                            result = run_single(path, overrides, how)
                        else:
                            size = 64 if how[1] == "old" else batch
                            result = run_ray(path, overrides, how[0], size, how[1])
                        lines = [_strip(x) for x in result.pop("lines")]
                        if reference is None:
                            reference = lines
                        result["identical"] = lines == reference
                        runs.setdefault(label, []).append(result)
                        print(_line(name, label, result), flush=True)
                for label, results in cli_runs[name].items():
                    for result in results:
                        result["identical"] = [_strip(x) for x in result.pop("lines")] == reference
                    rows[label] = _median(results)
                for label, results in runs.items():
                    rows[label] = _median(results)
                print(f"-- {name}: medians of {args.rounds} round(s)", flush=True)
                for label, row in rows.items():
                    if isinstance(row, dict):
                        print(_line(name, label, row), flush=True)
        finally:
            ray.shutdown()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


def _median(results: list[dict]) -> dict:
    """The run of median wall time, with the median steady rate and every run's walls."""
    ordered = sorted(results, key=lambda r: r["wall_s"])
    row = dict(ordered[(len(ordered) - 1) // 2])
    if "steady" in row:
        row["steady"] = statistics.median(r["steady"] for r in results)
    row["walls"] = [round(r["wall_s"], 2) for r in results]
    row["identical"] = all(r["identical"] for r in results)
    return row


def _line(name: str, label: str, r: dict) -> str:
    text = (
        f"{name:8} | {label:38} | wall {r['wall_s']:6.1f} s | "
        f"{r['rows'] / r['wall_s']:6.1f} cases/s end to end"
    )
    if "steady" not in r:
        return text + f" | identical={r.get('identical')}"
    text += f" | steady {r['steady']:6.1f} cases/s | identical={r.get('identical')}"
    if "workers" in r:
        text += " | workers: " + ", ".join(
            f"load {w['load_s']:.1f} s peak {w['peak_rss_mb']:.0f} MB"
            for w in r["workers"].values()
        )
    else:
        text += (
            f" | load {r['load_s']:.1f} s | peak RSS {r['peak_rss_mb']:.0f} MB"
            f" (before the engine {r['rss_before_mb']:.0f} MB)"
        )
    return text


if __name__ == "__main__":
    main()
