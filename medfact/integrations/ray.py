"""Batch scoring on Ray Data: one engine per worker actor, one result row per input record.

The contract is the one of ``medfact score --input``: every input record (a JSONL line that
could not be read included) comes out as exactly one result, an Assessment or its RecordError,
in input order (file by file as :func:`expand_inputs` lists them, then line by line), with the
record rules of the command (unknown fields kept as metadata, a repeated id an error).

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
``path``, ``line``, ``id``, ``status`` ("scored" or "failed"), ``risk_level``, ``safe`` and
``checked`` (null when failed), ``result`` (the Assessment or RecordError as JSON text, exactly
as ``medfact score --format jsonl`` writes it).
"""

from __future__ import annotations

import glob
import io
import json
import logging
import os
import resource
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
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
RESULT_COLUMNS = ("path", "line", "id", "status", "risk_level", "safe", "checked", "result")
WORKER_COLUMNS = ("worker_pid", "worker_peak_rss_mb", "worker_load_s")
_GLOB_CHARS = frozenset("*?[")
# Rows per batch where no stage predicts over a batch (rules only): the batch does not change a
# result, and fewer, larger batches cost Ray Data fewer tasks.
RULES_BATCH_SIZE = 256
# Up to this many input bytes, the driver finds repeated ids itself (about 4 s a GB here)
# instead of a first pass on Ray Data, whose start alone costs about a second.
DRIVER_ID_PASS_BYTES = 1 << 30


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
    from medfact.io import iter_jsonl, result_json

    path = row["path"]
    out = []
    for line, item in iter_jsonl(io.BytesIO(row["bytes"])):
        if isinstance(item, RecordError):
            out.append({"path": path, "line": line, "record": "", "error": result_json(item)})
        else:
            out.append({"path": path, "line": line, "record": json.dumps(item), "error": ""})
    return out


def read_jsonl(inputs: str | Path | Iterable[str | Path], *, rows_per_block: int = 64) -> Dataset:
    """A cases dataset from JSONL files, folders or globs, in order (files as
    :func:`expand_inputs` lists them, then lines); no line is lost: an unreadable one (bad
    UTF-8, bad JSON, not an object, too long) becomes its error row.

    ``rows_per_block`` bounds the rows of a block, so that one large file still spreads over
    every worker."""
    ray = _require_ray()
    files = expand_inputs(inputs)
    # Reading and splitting lines is light next to scoring: it asks for no CPU, so that
    # workers holding every CPU do not starve the readers (and deadlock the pipeline).
    ds = ray.data.read_binary_files(files, include_paths=True, num_cpus=0)
    ds = ds.flat_map(_split_file, num_cpus=0)
    ds = ds.repartition(target_num_rows_per_block=rows_per_block, strict=True)
    ds.context.execution_options.preserve_order = True
    return ds


def cases_dataset(
    records: Iterable[Case | dict[str, Any] | RecordError], *, rows_per_block: int = 64
) -> Dataset:
    """A cases dataset from records in memory (dicts, Cases or RecordErrors), in order."""
    from medfact.io import result_json

    ray = _require_ray()
    rows = []
    for position, record in enumerate(records):
        row = {"path": "", "line": position, "record": "", "error": ""}
        if isinstance(record, RecordError):
            row["error"] = result_json(record)
        elif isinstance(record, Case):
            row["record"] = result_json(record)
        else:
            try:
                row["record"] = json.dumps(record)
            except (TypeError, ValueError) as exc:
                err = InputError(f"cannot be written as JSON: {exc}", record=position)
                row["error"] = result_json(RecordError.from_exception(err, None))
        rows.append(row)
    if not rows:
        raise InputError("no records given", field="records")
    blocks = max(1, -(-len(rows) // max(1, rows_per_block)))
    ds = ray.data.from_items(rows, override_num_blocks=blocks)
    ds.context.execution_options.preserve_order = True
    return ds


# -- scoring ---------------------------------------------------------------------------------


def _rows(batch: dict[str, list[Any]]) -> Iterator[tuple[str, int, Any]]:
    """(path, line, record or RecordError) of each row of a cases batch."""
    for path, line, text, error in zip(
        batch["path"], batch["line"], batch["record"], batch["error"], strict=True
    ):
        if error:
            yield path, line, RecordError.model_validate_json(error)
        else:
            yield path, line, json.loads(text)


def _prepare(record: Any, position: int, strict: bool, warned: set[str]) -> Case | RecordError:
    """What ``medfact score`` hands the engine for one record: its Case (unknown fields kept as
    metadata, or refused with ``strict``), or the RecordError that says why there is none."""
    from medfact.io import to_case

    if isinstance(record, RecordError):
        return record
    raw_id = record.get("id") if isinstance(record, dict) else None
    rid = None if raw_id is None else str(raw_id)
    try:
        return to_case(record, position, strict=strict, warned=warned)
    except MedfactError as exc:
        return RecordError.from_exception(exc, rid)
    except Exception as exc:  # a bug must not lose the other records
        log.exception("record %s failed to read", rid)
        return RecordError.from_exception(exc, rid)


def _case_ids(batch: pa.Table, strict: bool) -> pa.Table:
    """``path``, ``line`` and the case id of each row (null where the row is no Case)."""
    import pyarrow as pa

    columns = batch.select(list(CASE_COLUMNS)).to_pydict()
    quiet = {"(reported by the scoring pass)"}  # a non-empty set: no unknown-field warning
    ids = []
    for _path, line, record in _rows(columns):
        item = _prepare(record, line, strict, quiet)
        ids.append(item.id if isinstance(item, Case) else None)
    return pa.table(
        {
            "path": pa.array(columns["path"], pa.string()),
            "line": pa.array(columns["line"], pa.int64()),
            "case_id": pa.array(ids, pa.string()),
        }
    )


class _InOrder:
    """Checks that rows arrive in input order: a path once, its lines increasing."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.last: tuple[str | None, int] = (None, -1)

    def check(self, paths: list[str], lines: list[int]) -> None:
        for key in zip(paths, lines, strict=True):
            if key[0] != self.last[0]:
                if key[0] in self.seen:
                    raise MedfactError(f"results of {key[0]!r} came back out of order")
                self.seen.add(key[0])
            elif key[1] <= self.last[1]:
                raise MedfactError(f"results of {key[0]!r} came back out of order")
            self.last = key


def find_repeats(cases: Dataset, *, strict: bool = False) -> dict[tuple[str, int], str]:
    """The rows whose case id an earlier row already has, as ``medfact score`` refuses them:
    ``{(path, line): where the first one is}``. A first pass over the cases: the rows are
    validated on the cluster, and only their ids come back here."""
    ids = cases.map_batches(_case_ids, fn_kwargs={"strict": strict}, batch_format="pyarrow")
    ids.context.execution_options.preserve_order = True
    repeats = _Repeats()
    order = _InOrder()
    for table in ids.iter_batches(batch_format="pyarrow", batch_size=None):
        paths, lines = table["path"].to_pylist(), table["line"].to_pylist()
        order.check(paths, lines)
        for path, line, case_id in zip(paths, lines, table["case_id"].to_pylist(), strict=True):
            repeats.add(path, line, case_id)
    return repeats.found


def find_repeats_in_files(
    files: Iterable[str], *, strict: bool = False
) -> dict[tuple[str, int], str] | None:
    """What :func:`find_repeats` finds in ``read_jsonl(files)``, read here instead of on Ray:
    the files one after the other, each line validated as ``medfact score`` validates it.
    None when a file is not a local path (``s3://...``: only Ray's readers open it), or when
    the files hold more than ``DRIVER_ID_PASS_BYTES`` (a pass spread over the cluster is then
    the faster one). Rows are keyed by the path as given, which is what Ray's file reader
    puts in ``path``."""
    from medfact.io import iter_jsonl

    files = list(files)
    if any("://" in name for name in files):
        return None
    try:
        if sum(os.path.getsize(name) for name in files) > DRIVER_ID_PASS_BYTES:
            return None
    except OSError:
        return None  # Ray's reader names the file that cannot be read
    repeats = _Repeats()
    quiet = {"(reported by the scoring pass)"}  # a non-empty set: no unknown-field warning
    for path in files:
        try:
            with open(path, "rb") as handle:
                for line, record in iter_jsonl(handle):
                    item = _prepare(record, line, strict, quiet)
                    repeats.add(path, line, item.id if isinstance(item, Case) else None)
        except OSError:
            return None
    return repeats.found


class _Repeats:
    """Rows whose case id an earlier row already has, fed one row at a time in input order."""

    def __init__(self) -> None:
        self.first: dict[str, tuple[str, int]] = {}
        self.found: dict[tuple[str, int], str] = {}

    def add(self, path: str, line: int, case_id: str | None) -> None:
        if case_id is None:
            return
        if case_id not in self.first:
            self.first[case_id] = (path, line)
            return
        fpath, fline = self.first[case_id]
        if not fpath:
            self.found[(path, line)] = "an earlier record"
        elif fpath == path:
            self.found[(path, line)] = f"line {fline}"
        else:
            self.found[(path, line)] = f"line {fline} of {fpath!r}"


class ScoreBatch:
    """The ``map_batches`` callable: an Engine built and loaded once per actor, then every
    batch scored with ``Engine.score_many`` (one result per row, in row order). Each record is
    prepared as ``medfact score`` prepares it; ``repeats`` (from :func:`find_repeats`) names
    the rows whose id is taken."""

    def __init__(
        self,
        config: dict[str, Any],
        *,
        strict: bool = False,
        repeats: dict[tuple[str, int], str] | None = None,
        worker_stats: bool = False,
    ) -> None:
        from medfact.pipeline import Engine

        start = time.perf_counter()
        self.engine = Engine.from_config(config).load()
        self.load_s = time.perf_counter() - start
        self.strict = strict
        self.repeats = repeats or {}
        self.worker_stats = worker_stats
        self.warned: set[str] = set()

    def _item(self, path: str, line: int, record: Any) -> Case | RecordError:
        from medfact.errors import DuplicateIdError

        item = _prepare(record, line, self.strict, self.warned)
        where = self.repeats.get((path, line))
        if where is None or not isinstance(item, Case):
            return item
        exc = DuplicateIdError(
            f"id {item.id!r} repeats the id of {where}; ids must be unique",
            record=item.id,
            field="id",
        )
        return RecordError.from_exception(exc, item.id)

    def __call__(self, batch: pa.Table) -> pa.Table:
        import pyarrow as pa

        from medfact.io import result_json

        columns = batch.select(list(CASE_COLUMNS)).to_pydict()
        items = [self._item(path, line, record) for path, line, record in _rows(columns)]
        out: dict[str, list[Any]] = {name: [] for name in RESULT_COLUMNS}
        results = self.engine.score_many(items, batch_size=max(1, len(items)))
        for path, line, result in zip(columns["path"], columns["line"], results, strict=True):
            if isinstance(result, RecordError):
                if path:  # as `medfact score --input FILE` does: say where the record was
                    result.error.setdefault("line", line)
                status, risk, safe, checked = "failed", None, None, None
            else:
                status, risk, safe = "scored", int(result.risk_level), bool(result.safe)
                checked = (getattr(result, "status", None) or "checked") == "checked"
            out["path"].append(path)
            out["line"].append(line)
            out["id"].append(result.id)
            out["status"].append(status)
            out["risk_level"].append(risk)
            out["safe"].append(safe)
            out["checked"].append(checked)
            out["result"].append(result_json(result))
        schema = [
            ("path", pa.string()),
            ("line", pa.int64()),
            ("id", pa.string()),
            ("status", pa.string()),
            ("risk_level", pa.int8()),
            ("safe", pa.bool_()),
            ("checked", pa.bool_()),
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


def _workers_have_seed(ray: Any, seed: str) -> bool:
    """Whether the workers already run with the driver's hash seed, so that they need no
    runtime env to get it (a runtime env costs each actor a new process, about a second here).
    Asked of one worker, on a cluster of one node only: a node's workers inherit the
    environment that its Ray was started with."""
    if sum(1 for node in ray.nodes() if node.get("Alive")) != 1:
        return False
    probe = ray.remote(num_cpus=0)(_hash_seed)
    return bool(ray.get(probe.remote()) == seed)


def _hash_seed() -> str | None:
    return os.environ.get("PYTHONHASHSEED")


def default_batch_size(config: dict[str, Any]) -> int:
    """64 (the batch of ``medfact score``) where a stage predicts over a batch (tier 1, the
    learned verifiers, tier 2's prompts), else ``RULES_BATCH_SIZE``."""
    pipe = config.get("pipeline", {})
    if pipe.get("model") or pipe.get("learned_verifiers") or pipe.get("evaluator"):
        return 64
    return RULES_BATCH_SIZE


def score_dataset(
    cases: Dataset,
    config: str | Path | dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    num_workers: int = 1,
    batch_size: int = 64,
    cpus_per_worker: float = 1.0,
    gpus_per_worker: float = 0.0,
    strict: bool = False,
    unique_ids: bool = True,
    repeats: dict[tuple[str, int], str] | None = None,
    worker_stats: bool = False,
) -> Dataset:
    """Score a cases dataset on a pool of ``num_workers`` actors, one Engine each, with the
    record rules of ``medfact score``: unknown fields kept as metadata (``strict`` refuses
    them), and a repeated id is the repeat's error (``unique_ids``; it costs a first pass over
    the cases, see :func:`find_repeats`, unless ``repeats`` gives its result, for instance
    from :func:`find_repeats_in_files`). The results dataset keeps the input order: Ray Data
    runs it with ``preserve_order`` (a streaming ordered merge, no sort shuffle), and
    ``write_results`` checks the order while writing.

    ``batch_size`` rows go to ``score_many`` at once (tier 1 predicts over a batch; 64, the
    default of ``medfact score``, gives its tier-1 probabilities to the last digit);
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
    if seed is not None and not _workers_have_seed(ray, seed):
        # The engine's results can depend on string hashing (the last digits of float sums
        # over sets): workers get the driver's seed, so that a fixed seed gives the same
        # results as one `medfact score` process run with it.
        extra["runtime_env"] = {"env_vars": {"PYTHONHASHSEED": seed}}
    if unique_ids and repeats is None:
        repeats = find_repeats(cases, strict=strict)
    # Blocks of exactly `batch_size` rows from the first row on: the engine's batches are then
    # the ones `medfact score` makes (tier 1's int8 activations and padding depend on them).
    blocks = cases.repartition(target_num_rows_per_block=batch_size, strict=True)
    scored = blocks.map_batches(
        ScoreBatch,
        fn_constructor_kwargs={
            "config": resolved,
            "strict": strict,
            "repeats": repeats if unique_ids else None,
            "worker_stats": worker_stats,
        },
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
    stream) or Parquet (a path; the result columns). Returns the counts ``medfact score``
    prints: scored, unsafe, failed, unchecked (scored but checked against nothing)."""
    if fmt not in FORMATS:
        raise ConfigError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    counts = {"scored": 0, "unsafe": 0, "failed": 0, "unchecked": 0}
    # No select_columns: a projection is one more task that would wait for a free CPU.
    batches = results.iter_batches(batch_format="pyarrow", batch_size=None)
    order = _InOrder()

    def counted() -> Iterator[pa.Table]:
        for batch in batches:
            batch = batch.select(list(RESULT_COLUMNS))
            order.check(batch["path"].to_pylist(), batch["line"].to_pylist())
            status = batch.column("status").to_pylist()
            safe = batch.column("safe").to_pylist()
            counts["failed"] += status.count("failed")
            counts["scored"] += status.count("scored")
            counts["unsafe"] += safe.count(False)
            counts["unchecked"] += batch.column("checked").to_pylist().count(False)
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
    batch_size: int | None = None,
    *,
    cpus_per_worker: float = 1.0,
    strict: bool = False,
) -> dict[str, int]:
    """Score JSONL files, folders or globs on Ray and write one result per record to ``out``.

    ``address``: a running cluster (``"auto"``, ``"ray://host:10001"``, ``"host:6379"``); None
    joins the cluster of ``RAY_ADDRESS`` or starts a local one. ``num_workers``: actors, each
    with one Engine (default: the cluster's CPUs less one, over ``cpus_per_worker``).
    ``batch_size``: rows per engine batch (default :func:`default_batch_size`). ``strict``:
    refuse unknown fields (``--strict``). Returns the counts ``medfact score`` prints (see
    :func:`write_results`). Config and input errors are raised before Ray starts.

    Local input files are read here for repeated ids (:func:`find_repeats_in_files`), while
    Ray starts, instead of by a first pass on Ray Data."""
    if fmt not in FORMATS:
        raise ConfigError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "parquet" and (not isinstance(out, str | Path) or str(out) == "-"):
        raise ConfigError("parquet output needs a file path (--output-file), not stdout")
    resolved = resolve_config(config, overrides)
    files = expand_inputs(inputs)
    if batch_size is None:
        batch_size = default_batch_size(resolved)
    # The ids are read while Ray Data is imported and Ray starts (both mostly wait).
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="medfact-ids")
    local = pool.submit(find_repeats_in_files, files, strict=strict)
    pool.shutdown(wait=False)
    ray = _require_ray()
    if not log.isEnabledFor(logging.INFO):
        # Ray Data's progress lines on stderr only with `medfact -v`
        logging.getLogger("ray.data").setLevel(logging.WARNING)
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING)
    try:
        repeats = local.result()
        if num_workers is None:
            # One CPU stays free for Ray Data's reading and block splitting, which would
            # otherwise wait for a worker's CPU forever.
            cpus = ray.cluster_resources().get("CPU", 1.0)
            num_workers = max(1, int((cpus - 1) // cpus_per_worker))
        cases = read_jsonl(files, rows_per_block=batch_size)
        results = score_dataset(
            cases,
            resolved,
            num_workers=num_workers,
            batch_size=batch_size,
            cpus_per_worker=cpus_per_worker,
            strict=strict,
            repeats=repeats,
        )
        return write_results(results, out, fmt)
    finally:
        if started:
            ray.shutdown()
