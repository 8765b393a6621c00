"""Cases/s of one process vs Ray Data with 1 and 2 workers on the same cases (MTS-Dialog).

The cases: MTS-Dialog dialogue -> note section pairs (all four splits, 1,701 pairs), repeated
with new ids up to ``--cases`` (default 2,000), written to one JSONL file in a temporary folder.

For each pipeline (``--no-model`` rules only; default: with the tier-1 cross-encoder):
- single process: ``Engine.score_many`` over the file's records, results serialised as
  ``medfact score`` writes them; with torch's default threads, and with 1 thread (what one Ray
  worker of ``num_cpus=1`` gets: Ray sets OMP_NUM_THREADS to the worker's CPUs); and the
  ``medfact score --input`` command itself, end to end in a new process;
- Ray: ``score_with_ray``'s path (``read_jsonl`` -> ``score_dataset`` -> ``write_results``)
  with 1 and 2 workers, on a local Ray started once (its start is reported apart), and with
  1 worker without the first pass that finds repeated ids (``unique_ids=False``).

Reported: wall (end to end, engine load included), the steady rate (rows after the first
batch / time after the first batch: what a long run sees), each worker's engine load and peak
RSS. Results are checked to be identical to the single process (timings aside).

    python bench/scale.py                      # both pipelines, 2,000 cases
    python bench/scale.py --no-model --cases 500
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import resource
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


def run_cli(path: Path, no_model: bool) -> dict:
    """``medfact score --input FILE`` as a user runs it: a new process, wall clock."""
    import subprocess

    args = [sys.executable, "-m", "medfact.cli", "score", "--input", str(path)]
    start = time.perf_counter()
    done = subprocess.run(
        [*args, *(["--no-model"] if no_model else [])], capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench/scale.py: medfact score failed: {done.stderr[-2000:]}")
    lines = done.stdout.splitlines()
    return {"wall_s": wall, "rows": len(lines), "lines": lines}


def run_ray(
    path: Path, overrides: dict[str, Any] | None, workers: int, batch: int, unique_ids: bool = True
) -> dict:
    """The ``--ray`` path with ``workers`` actors; the Ray instance is already up."""
    from medfact.integrations.ray import RESULT_COLUMNS, read_jsonl, score_dataset

    start = time.perf_counter()
    cases = read_jsonl(path, rows_per_block=batch)
    results = score_dataset(
        cases,
        None,
        overrides,
        num_workers=workers,
        batch_size=batch,
        unique_ids=unique_ids,
        worker_stats=True,
    )
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--no-model", action="store_true", help="only the rules pipeline")
    parser.add_argument("--model-only", action="store_true", help="only the default pipeline")
    parser.add_argument("--workers", default="1,2", help="Ray worker counts to run")
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args()
    if os.environ.get("PYTHONHASHSEED") != "0":
        # The engine's float sums can depend on string hashing: one seed for every process
        # (the Ray workers get the driver's), or "identical" would compare hash seeds.
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])

    import ray

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
        f"ray={ray.__version__}; {len(cases)} cases, batch {args.batch_size}",
        flush=True,
    )
    figures: dict[str, Any] = {"cases": len(cases), "cores": cores}
    with tempfile.TemporaryDirectory(prefix="medfact-scale-") as tmp:
        path = Path(tmp) / "cases.jsonl"
        path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
        start = time.perf_counter()
        # One logical CPU more than the workers: Ray Data's read/split tasks need a slot.
        ray.init(num_cpus=max(workers) + 1, include_dashboard=False, logging_level="WARNING")
        figures["ray_init_s"] = time.perf_counter() - start
        print(f"ray.init: {figures['ray_init_s']:.1f} s", flush=True)
        try:
            for name, overrides in pipelines:
                rows = figures[name] = {}
                for threads in (None, 1):
                    label = f"single, torch threads={threads or 'default'}"
                    if name == "no-model" and threads:
                        continue  # no torch in the rules pipeline
                    rows[label] = single = run_single(path, overrides, threads)
                    print(_line(name, label, single), flush=True)
                rows["medfact score (CLI process)"] = cli = run_cli(path, overrides is not None)
                print(
                    f"{name:8} | {'medfact score (CLI process)':32} | wall {cli['wall_s']:6.1f} s"
                    f" | {cli['rows'] / cli['wall_s']:6.1f} cases/s end to end",
                    flush=True,
                )
                reference = [_strip(x) for x in rows[next(iter(rows))].pop("lines")]
                if [_strip(x) for x in cli.pop("lines")] != reference:
                    raise SystemExit("bench/scale.py: the CLI's results differ from score_many's")
                runs = [(w, True) for w in workers] + [(min(workers), False)]
                for w, unique in runs:
                    label = f"ray, {w} worker{'s' * (w > 1)}" + ("" if unique else ", no id pass")
                    rows[label] = result = run_ray(path, overrides, w, args.batch_size, unique)
                    same = [_strip(x) for x in result.pop("lines")] == reference
                    result["identical"] = same
                    print(_line(name, label, result) + f" identical={same}", flush=True)
                for row in rows.values():
                    row.pop("lines", None)
        finally:
            ray.shutdown()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


def _line(name: str, label: str, r: dict) -> str:
    text = (
        f"{name:8} | {label:32} | wall {r['wall_s']:6.1f} s | "
        f"{r['rows'] / r['wall_s']:6.1f} cases/s end to end | steady {r['steady']:6.1f} cases/s"
    )
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
