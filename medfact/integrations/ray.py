"""Batch scoring on Ray Data: one engine per worker actor, one result row per input record.

The contract is the one of ``medfact score --input``: every input record (a JSONL line that
could not be read included) comes out as exactly one result, an Assessment or its RecordError,
in input order (file by file in sorted path order, then line by line).

    import ray
    from medfact.integrations.ray import read_jsonl, score_dataset, write_results

    ray.init()                                     # or ray.init(address="auto") on a cluster
    cases = read_jsonl("cases/*.jsonl")            # malformed lines become error rows
    results = score_dataset(cases, num_workers=8)  # one Engine loaded per actor
    counts = write_results(results, "results.parquet", "parquet")

``score_with_ray`` does all of it (starting or joining Ray) for the command line.

Rows of a cases dataset: ``path`` (source file, "" for in-memory records), ``line`` (line in
that file, or position in the list), ``record`` (the record as JSON text, "" for an error row)
and ``error`` (a RecordError as JSON text, "" for a record). Rows of a results dataset:
``path``, ``line``, ``id``, ``status`` ("scored" or "failed"), ``risk_level`` and ``safe`` (null
when failed), ``result`` (the Assessment or RecordError as JSON text, exactly as
``medfact score --format jsonl`` writes it).
"""

from __future__ import annotations

import glob
import io
import json
import logging
import os
import resource
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from medfact.errors import ConfigError, InputError, MedfactError, OutputError
from medfact.types import Case, RecordError

if TYPE_CHECKING:  # pragma: no cover - types only
    import pyarrow as pa
    from ray.data import Dataset

log = logging.getLogger("medfact")

FORMATS = ("jsonl", "parquet")
CASE_COLUMNS = ("path", "line", "record", "error")
RESULT_COLUMNS = ("path", "line", "id", "status", "risk_level", "safe", "result")
WORKER_COLUMNS = ("worker_pid", "worker_peak_rss_mb", "worker_load_s")
_GLOB_CHARS = frozenset("*?[")


def _require_ray() -> Any:
    """The ``ray`` module with Ray Data, or a ConfigError that says what to install."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            f"batch scoring on Ray needs Ray Data: pip install 'medfact[ray]' ({exc})"
        ) from None
    return ray


# -- input -----------------------------------------------------------------------------------


def expand_inputs(inputs: str | Path | Iterable[str | Path]) -> list[str]:
    """The input files, in order: a file as given, a folder's ``*.jsonl`` files (recursive,
    sorted), a glob's matches (sorted). Remote URIs (``s3://...``) pass through unchanged.
    Raises InputError naming what matched nothing."""
    items = [inputs] if isinstance(inputs, str | Path) else list(inputs)
    if not items:
        raise InputError("no input given", field="--input")
    files: list[str] = []
    for item in map(str, items):
        if "://" in item:
            files.append(item)
        elif os.path.isdir(item):
            found = sorted(str(p) for p in Path(item).rglob("*.jsonl") if p.is_file())
            if not found:
                raise InputError(f"folder {item!r} holds no *.jsonl file", field="--input")
            files.extend(found)
        elif _GLOB_CHARS & set(item):
            found = sorted(p for p in glob.glob(item, recursive=True) if os.path.isfile(p))
            if not found:
                raise InputError(f"pattern {item!r} matches no file", field="--input")
            files.extend(found)
        elif os.path.isfile(item):
            files.append(item)
        else:
            raise InputError(f"cannot read {item!r}: no such file or folder", field="--input")
    return files


def _split_file(row: dict[str, Any]) -> list[dict[str, Any]]:
    """One binary file row -> one cases row per non-blank line (a bad line is an error row)."""
    from medfact.io import iter_jsonl

    path = row["path"]
    out = []
    for line, item in iter_jsonl(io.BytesIO(row["bytes"])):
        if isinstance(item, RecordError):
            out.append({"path": path, "line": line, "record": "", "error": item.model_dump_json()})
        else:
            out.append({"path": path, "line": line, "record": json.dumps(item), "error": ""})
    return out


def read_jsonl(inputs: str | Path | Iterable[str | Path], *, rows_per_block: int = 64) -> Dataset:
    """A cases dataset from JSONL files, folders or globs; no line is lost: an unreadable one
    (bad UTF-8, bad JSON, not an object, too long) becomes its error row.

    ``rows_per_block`` bounds the rows of a block, so that one large file still spreads over
    every worker."""
    ray = _require_ray()
    files = expand_inputs(inputs)
    # Reading and splitting lines is light next to scoring: it asks for no CPU, so that
    # workers holding every CPU do not starve the readers (and deadlock the pipeline).
    ds = ray.data.read_binary_files(files, include_paths=True, num_cpus=0)
    ds = ds.flat_map(_split_file, num_cpus=0)
    return ds.repartition(target_num_rows_per_block=rows_per_block)


def cases_dataset(
    records: Iterable[Case | dict[str, Any] | RecordError], *, rows_per_block: int = 64
) -> Dataset:
    """A cases dataset from records in memory (dicts, Cases or RecordErrors), in order."""
    ray = _require_ray()
    rows = []
    for position, record in enumerate(records):
        row = {"path": "", "line": position, "record": "", "error": ""}
        if isinstance(record, RecordError):
            row["error"] = record.model_dump_json()
        elif isinstance(record, Case):
            row["record"] = record.model_dump_json()
        else:
            try:
                row["record"] = json.dumps(record)
            except (TypeError, ValueError) as exc:
                err = InputError(f"cannot be written as JSON: {exc}", record=position)
                row["error"] = RecordError.from_exception(err, None).model_dump_json()
        rows.append(row)
    if not rows:
        raise InputError("no records given", field="records")
    blocks = max(1, -(-len(rows) // max(1, rows_per_block)))
    return ray.data.from_items(rows, override_num_blocks=blocks)


# -- scoring ---------------------------------------------------------------------------------


def _record_id(record: Any) -> str | None:
    rid = record.get("id") if isinstance(record, dict) else None
    return None if rid is None else str(rid)


class ScoreBatch:
    """The ``map_batches`` callable: an Engine built and loaded once per actor, then every
    batch scored with ``Engine.score_many`` (one result per row, in row order)."""

    def __init__(self, config: dict[str, Any], worker_stats: bool = False) -> None:
        import time

        from medfact.pipeline import Engine

        start = time.perf_counter()
        self.engine = Engine.from_config(config).load()
        self.load_s = time.perf_counter() - start
        self.worker_stats = worker_stats

    def _items(self, batch: dict[str, list[Any]]) -> list[Case | dict[str, Any] | RecordError]:
        """Each row as what ``score_many`` takes. Records of a list are validated here, with
        their position in the whole list, as ``score_many`` would name a record without id."""
        from medfact.pipeline import to_case

        items: list[Case | dict[str, Any] | RecordError] = []
        for path, line, text, error in zip(
            batch["path"], batch["line"], batch["record"], batch["error"], strict=True
        ):
            if error:
                items.append(RecordError.model_validate_json(error))
                continue
            record = json.loads(text)
            if path:  # from a file: the reader gave every record an id, as the CLI's does
                items.append(record)
                continue
            try:
                items.append(to_case(record, line))
            except MedfactError as exc:
                items.append(RecordError.from_exception(exc, _record_id(record)))
        return items

    def __call__(self, batch: pa.Table) -> pa.Table:
        import pyarrow as pa

        columns = batch.select(list(CASE_COLUMNS)).to_pydict()
        items = self._items(columns)
        out: dict[str, list[Any]] = {name: [] for name in RESULT_COLUMNS}
        results = self.engine.score_many(items, batch_size=max(1, len(items)))
        for path, line, result in zip(columns["path"], columns["line"], results, strict=True):
            if isinstance(result, RecordError):
                if path:  # as `medfact score --input FILE` does: say where the record was
                    result.error.setdefault("line", line)
                status, risk, safe = "failed", None, None
            else:
                status, risk, safe = "scored", int(result.risk_level), bool(result.safe)
            out["path"].append(path)
            out["line"].append(line)
            out["id"].append(result.id)
            out["status"].append(status)
            out["risk_level"].append(risk)
            out["safe"].append(safe)
            out["result"].append(result.model_dump_json())
        schema = [
            ("path", pa.string()),
            ("line", pa.int64()),
            ("id", pa.string()),
            ("status", pa.string()),
            ("risk_level", pa.int8()),
            ("safe", pa.bool_()),
            ("result", pa.large_string()),
        ]
        arrays = [pa.array(out[name], type=kind) for name, kind in schema]
        names = [name for name, _ in schema]
        if self.worker_stats:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            n = len(out["id"])
            arrays += [
                pa.array([os.getpid()] * n, pa.int64()),
                pa.array([peak] * n, pa.float64()),
                pa.array([self.load_s] * n, pa.float64()),
            ]
            names += list(WORKER_COLUMNS)
        return pa.Table.from_arrays(arrays, names=names)


def resolve_config(
    config: str | Path | dict[str, Any] | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The full config, resolved here (a bad one fails before any worker starts)."""
    from medfact.pipeline import Engine

    return Engine.from_config(config, overrides).config


def score_dataset(
    cases: Dataset,
    config: str | Path | dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    num_workers: int = 1,
    batch_size: int = 64,
    cpus_per_worker: float = 1.0,
    gpus_per_worker: float = 0.0,
    worker_stats: bool = False,
) -> Dataset:
    """Score a cases dataset on a pool of ``num_workers`` actors, one Engine each. The results
    dataset keeps the input order: Ray Data runs it with ``preserve_order`` (a streaming
    ordered merge; no sort shuffle), and ``write_results`` checks the order while writing.

    ``batch_size`` rows go to ``score_many`` at once (tier 1 predicts over a batch);
    ``worker_stats`` adds each row's worker pid, peak RSS (MB) and engine load time."""
    ray = _require_ray()
    for name, value in (("num_workers", num_workers), ("batch_size", batch_size)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{name} must be an integer of at least 1, got {value!r}")
    if not cpus_per_worker > 0 or not gpus_per_worker >= 0:
        raise ConfigError(
            f"cpus_per_worker must be above 0 and gpus_per_worker at least 0, "
            f"got {cpus_per_worker!r} and {gpus_per_worker!r}"
        )
    resolved = resolve_config(config, overrides)
    extra: dict[str, Any] = {}
    seed = os.environ.get("PYTHONHASHSEED")
    if seed is not None:
        # The engine's results can depend on string hashing (the last digits of float sums
        # over sets): workers get the driver's seed, so that a fixed seed gives the same
        # results as one `medfact score` process run with it.
        extra["runtime_env"] = {"env_vars": {"PYTHONHASHSEED": seed}}
    scored = cases.map_batches(
        ScoreBatch,
        fn_constructor_kwargs={"config": resolved, "worker_stats": worker_stats},
        batch_size=batch_size,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=num_workers),
        num_cpus=cpus_per_worker,
        num_gpus=gpus_per_worker or None,
        **extra,
    )
    scored.context.execution_options.preserve_order = True
    return scored


# -- output ----------------------------------------------------------------------------------


def _open_text(out: str | Path | IO[str]) -> tuple[IO[str], bool]:
    if not isinstance(out, str | Path):
        return out, False
    if str(out) == "-":
        return sys.stdout, False
    try:
        return open(out, "w", encoding="utf-8"), True  # noqa: SIM115
    except OSError as exc:
        raise OutputError(f"cannot write {str(out)!r}: {exc.strerror}") from None


def write_results(
    results: Dataset, out: str | Path | IO[str] = "-", fmt: str = "jsonl"
) -> dict[str, int]:
    """Write a results dataset in its order: JSONL (a path, ``-`` for stdout, or a text
    stream) or Parquet (a path; the result columns). Returns scored/unsafe/failed counts."""
    if fmt not in FORMATS:
        raise ConfigError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    counts = {"scored": 0, "unsafe": 0, "failed": 0}
    # No select_columns: a projection is one more task that would wait for a free CPU.
    batches = results.iter_batches(batch_format="pyarrow")

    seen: set[str] = set()
    last: tuple[str | None, int] = (None, -1)

    def counted() -> Iterator[pa.Table]:
        nonlocal last
        for batch in batches:
            batch = batch.select(list(RESULT_COLUMNS))
            for key in zip(batch["path"].to_pylist(), batch["line"].to_pylist(), strict=True):
                if key[0] != last[0]:
                    if key[0] in seen:
                        raise MedfactError(f"results of {key[0]!r} came back out of order")
                    seen.add(key[0])
                elif key[1] <= last[1]:
                    raise MedfactError(f"results of {key[0]!r} came back out of order")
                last = key
            status = batch.column("status").to_pylist()
            safe = batch.column("safe").to_pylist()
            counts["failed"] += status.count("failed")
            counts["scored"] += status.count("scored")
            counts["unsafe"] += safe.count(False)
            yield batch

    if fmt == "parquet":
        _write_parquet(counted(), out)
        return counts
    handle, close = _open_text(out)
    try:
        for batch in counted():
            for text in batch.column("result").to_pylist():
                handle.write(text)
                handle.write("\n")
            handle.flush()
    except OSError as exc:
        raise OutputError(f"cannot write results: {exc.strerror}") from None
    finally:
        if close:
            handle.close()
    return counts


def _write_parquet(batches: Iterator[pa.Table], out: str | Path | IO[str]) -> None:
    import pyarrow.parquet as pq

    if not isinstance(out, str | Path) or str(out) == "-":
        raise ConfigError("parquet output needs a file path, not stdout or a stream")
    writer = None
    try:
        for batch in batches:
            if writer is None:
                writer = pq.ParquetWriter(str(out), batch.schema)
            writer.write_table(batch.cast(writer.schema))
        if writer is None:  # no rows: still an empty file with the columns
            import pyarrow as pa

            empty = pa.table({name: pa.array([], pa.string()) for name in RESULT_COLUMNS})
            pq.write_table(empty, str(out))
    except OSError as exc:
        raise OutputError(f"cannot write {str(out)!r}: {exc.strerror}") from None
    finally:
        if writer is not None:
            writer.close()


# -- one call for the command line -----------------------------------------------------------


def score_with_ray(
    inputs: str | Path | Iterable[str | Path],
    out: str | Path | IO[str] = "-",
    fmt: str = "jsonl",
    config: str | Path | dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
    address: str | None = None,
    num_workers: int | None = None,
    batch_size: int = 64,
    *,
    cpus_per_worker: float = 1.0,
) -> dict[str, int]:
    """Score JSONL files, folders or globs on Ray and write one result per record to ``out``.

    ``address``: a running cluster (``"auto"``, ``"ray://host:10001"``, ``"host:6379"``); None
    joins the cluster of ``RAY_ADDRESS`` or starts a local one. ``num_workers``: actors, each
    with one Engine (default: the cluster's CPUs / ``cpus_per_worker``). Returns the counts
    ``medfact score`` prints: scored, unsafe, failed. Config and input errors are raised before
    Ray starts."""
    if fmt not in FORMATS:
        raise ConfigError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "parquet" and (not isinstance(out, str | Path) or str(out) == "-"):
        raise ConfigError("parquet output needs a file path (--output-file), not stdout")
    resolved = resolve_config(config, overrides)
    files = expand_inputs(inputs)
    ray = _require_ray()
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING)
    try:
        if num_workers is None:
            cpus = ray.cluster_resources().get("CPU", 1.0)
            num_workers = max(1, int(cpus // cpus_per_worker))
        cases = read_jsonl(files, rows_per_block=batch_size)
        results = score_dataset(
            cases,
            resolved,
            num_workers=num_workers,
            batch_size=batch_size,
            cpus_per_worker=cpus_per_worker,
        )
        return write_results(results, out, fmt)
    finally:
        if started:
            ray.shutdown()
