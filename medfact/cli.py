"""The ``medfact`` command line. Data goes to stdout, logs and progress to stderr.

Every command shares the exit codes of :mod:`medfact.exitcodes`: 0 ok; 1 some output unsafe or
failing (with ``--fail-on-...``); 2 usage or config error; 3 some records not scored; 4 internal
error or output not writable. A closed stdout (``| head -1``) ends quietly with 141.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sys
import traceback
from collections import deque
from collections.abc import Iterator
from typing import Any

import click
from rich.console import Console

from medfact import __version__
from medfact import exitcodes as codes
from medfact.errors import DuplicateIdError, InputError, MedfactError
from medfact.types import RecordError

EXIT_OK, EXIT_UNSAFE, EXIT_USAGE, EXIT_FAILED = (
    codes.OK,
    codes.UNSAFE,
    codes.USAGE,
    codes.NOT_SCORED,
)
EXIT_INTERNAL = codes.INTERNAL

# errno values that mean "the output cannot be written" (not a bug in medfact)
_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS, errno.EBADF}


def _fail(message: str) -> None:
    from medfact.io import printable

    click.echo(f"medfact: error: {printable(message, one_line=True)}", err=True)
    sys.exit(EXIT_USAGE)


def _version_text() -> str:
    from medfact import registry

    lines = [f"medfact {__version__}"]
    for family, reg in registry.families().items():
        try:
            lines.append(f"  {family}: {', '.join(reg.names())}")
        except Exception as exc:  # a broken third-party plug-in must not hide the version
            lines.append(f"  {family}: (failed to load: {exc})")
    return "\n".join(lines)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (a test runner's buffer)
        pass


class _Main(click.Group):
    """The ``medfact`` group: whatever a command raises ends in one of the shared exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        verbose = int(ctx.params.get("verbose") or 0)
        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except BrokenPipeError:
            _silence_stdout()
            sys.exit(codes.BROKEN_PIPE)
        except KeyboardInterrupt:  # not click's "Aborted!" with 1, the unsafe code
            click.echo("medfact: interrupted", err=True)
            sys.exit(codes.INTERRUPTED)
        except OSError as exc:
            if exc.errno not in _OUTPUT_ERRNOS:
                _internal(exc, verbose)
            _silence_stdout()
            click.echo(f"medfact: error: cannot write the output: {exc.strerror}", err=True)
            sys.exit(EXIT_INTERNAL)
        except MedfactError as exc:  # a usage or config problem found late
            _fail(str(exc))
        except Exception as exc:
            _internal(exc, verbose)


def _internal(exc: BaseException, verbose: int) -> None:
    from medfact.io import printable

    if verbose:
        traceback.print_exception(exc, file=sys.stderr)
    text = printable(f"{type(exc).__name__}: {exc}", one_line=True)
    hint = "" if verbose else " (-v shows the traceback)"
    click.echo(f"medfact: internal error: {text}{hint}", err=True)
    sys.exit(EXIT_INTERNAL)


class _LogFormatter(logging.Formatter):
    """``medfact: LEVEL: message``, control characters escaped; a traceback only at -v."""

    def __init__(self, verbose: int) -> None:
        super().__init__("medfact: %(levelname)s: %(message)s")
        self.verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        from medfact.io import printable

        message = printable(record.getMessage())
        if record.exc_info and not self.verbose:
            exc = record.exc_info[1]
            message += f": {type(exc).__name__} (-v shows the traceback)"
        fields = {**record.__dict__, "msg": message, "args": ()}
        if not self.verbose:
            fields.update(exc_info=None, exc_text=None)
        return super().format(logging.makeLogRecord(fields))


def _setup_logging(verbose: int, quiet: bool) -> None:
    """One stderr handler at the chosen level. Its level also holds back libraries that set
    their own loggers to DEBUG (bm25s does) until -vv."""
    level = (
        logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    )
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "medfact_cli", False)]:
        root.removeHandler(handler)
    if not root.handlers:  # a host (a test runner, an application) may have its own
        handler = logging.StreamHandler(sys.stderr)
        handler.medfact_cli = True  # type: ignore[attr-defined]
        handler.setLevel(level)
        handler.setFormatter(_LogFormatter(verbose))
        root.addHandler(handler)
    root.setLevel(level)
    for name in ("bm25s", "urllib3", "httpx", "filelock", "numba", "transformers"):
        logging.getLogger(name).setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)


@click.group(
    cls=_Main, context_settings={"help_option_names": ["-h", "--help"]}, epilog=codes.EPILOG
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _p, v: v and (click.echo(_version_text()) or ctx.exit()),
    help="Show the version and the installed plug-ins, then exit.",
)
@click.option(
    "-v", "--verbose", count=True, help="More logging on stderr (-vv: debug); tracebacks."
)
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def main(verbose: int, quiet: bool) -> None:
    """Validate medical text written by language models.

    \b
    Examples:
      medfact score --context @dialogue.txt --output @note.txt
      medfact score --input cases.jsonl --format jsonl > results.jsonl
      medfact schema > medfact.schema.json
    """
    _setup_logging(verbose, quiet)


def _engine(
    config: str | None,
    no_model: bool = False,
    against: tuple[str, ...] = (),
    lm: dict[str, Any] | None = None,
):
    """The engine for a config file plus flags; ``lm`` holds the ``--lm-*`` options."""
    from medfact.pipeline import cached_engine

    try:
        # One process (a test runner, a long-lived host) loads each distinct pipeline once.
        return cached_engine(config, _overrides(no_model, against, lm))
    except MedfactError as exc:
        _fail(str(exc))


def _overrides(
    no_model: bool, against: tuple[str, ...], lm: dict[str, Any] | None
) -> dict[str, Any]:
    """Config overrides of the --no-model, --against and --lm-* flags."""
    from medfact.config import NO_MODEL, merge

    overrides: dict[str, Any] = dict(NO_MODEL) if no_model else {}
    if against:
        overrides["evidence"] = {"corpora": list(against)}
    if lm and lm.get("backend"):
        from medfact.lm.tier import lm_overrides

        overrides = merge(overrides, lm_overrides(**lm))
    return overrides


def _jsonl_source(source: str) -> Iterator[tuple[int, Any]]:
    """(line, record or RecordError) of ``--input``: a regular file or ``-`` (stdin)."""
    from medfact.io import iter_jsonl, open_regular

    if source == "-":
        return iter_jsonl(sys.stdin.buffer)
    stream = open_regular(source, field="--input")

    def gen() -> Iterator[tuple[int, Any]]:
        with stream:
            try:
                yield from iter_jsonl(stream)
            except OSError as exc:  # the file failed while it was read: a usage error, exit 2
                raise InputError(
                    f"cannot read {source!r}: {exc.strerror}", field="--input"
                ) from None

    return gen()


class _Batch:
    """What the score loop needs to know of each record the engine has not answered yet: its
    line, its output text, and the ids seen (a repeated id is the repeat's error)."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.lines: deque[int | None] = deque()
        self.outputs: deque[str] = deque()
        self.seen: dict[str, int | None] = {}
        self.warned: set[str] = set()

    def cases(self, records: Iterator[tuple[int | None, Any]]) -> Iterator[Any]:
        """Cases (or RecordErrors) for the engine, in input order, one per record."""
        from medfact.io import to_case

        for position, (line, record) in enumerate(records):
            self.lines.append(line)
            text = record.get("output") if isinstance(record, dict) else None
            self.outputs.append(text if isinstance(text, str) else "")
            if isinstance(record, RecordError):
                yield record
                continue
            raw_id = record.get("id")
            rid = None if raw_id is None else str(raw_id)
            try:
                case = to_case(record, position, strict=self.strict, warned=self.warned)
            except MedfactError as exc:
                yield RecordError.from_exception(exc, rid)
                continue
            except Exception as exc:  # a bug must not lose the other records
                logging.getLogger("medfact").exception("record %s failed to read", rid)
                yield RecordError.from_exception(exc, rid)
                continue
            if case.id in self.seen:
                first = self.seen[case.id]
                where = f"line {first}" if first else "an earlier record"
                exc = DuplicateIdError(
                    f"id {case.id!r} repeats the id of {where}; ids must be unique",
                    record=case.id,
                    field="id",
                )
                yield RecordError.from_exception(exc, case.id)
                continue
            self.seen[case.id] = line
            yield case


def _scorer_name(engine: Any) -> str | None:
    name = (getattr(engine, "config", None) or {}).get("pipeline", {}).get("scorer")
    return f"the {name.split('.')[0]} scorer" if isinstance(name, str) and name else None


@main.command(epilog=codes.EPILOG)
@click.option("--output", "output_text", metavar="TEXT|@FILE", help="The generated text to check.")
@click.option("--context", metavar="TEXT|@FILE", help="The input it was generated from.")
@click.option("--question", metavar="TEXT|@FILE", help="The question it answers, if any.")
@click.option("--id", "case_id", default="case", show_default=True, help="Id of a single case.")
@click.option(
    "--input",
    "input_path",
    metavar="FILE.jsonl|-",
    help="Batch: one JSON object a line (id, output, context, question, task); ids unique.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "jsonl", "parquet"]),
    default=None,
    help="text (default on a terminal), json (one case), jsonl (batch default), "
    "parquet (--ray only).",
)
@click.option("--config", type=click.Path(dir_okay=False), help="A TOML config file.")
@click.option("--fail-on-unsafe", is_flag=True, help="Exit 1 when any output is unsafe (risk 3-4).")
@click.option(
    "--fail-on-unchecked",
    is_flag=True,
    help="Exit 1 when any output could not be checked (no context, nothing checkable).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse records with fields a case does not know (default: keep them as metadata).",
)
@click.option(
    "--only-failures",
    is_flag=True,
    help="Write only unsafe, unchecked and failed records (every format).",
)
@click.option(
    "--quiet",
    "terse",
    is_flag=True,
    help="Only failures, one line each, and the summary (text); as --only-failures otherwise.",
)
@click.option(
    "--no-model", is_flag=True, help="Rules only (tier 0) with the rule scorer: no torch, fastest."
)
@click.option(
    "--against",
    multiple=True,
    metavar="CORPUS",
    help="Check claims of cases without a context against this corpus index "
    "(a name from `medfact corpus list`, or a folder). Repeatable.",
)
@click.option(
    "--lm-backend",
    metavar="NAME",
    help="Tier 2: send uncertain cases and claims to an evaluator LM "
    "(transformers, openai, vllm; off by default).",
)
@click.option(
    "--lm-model", metavar="PATH|NAME", help="The LM: a local folder or GGUF file, or a served name."
)
@click.option("--lm-url", metavar="URL", help="openai backend: the server's /v1 URL.")
@click.option(
    "--lm-budget",
    metavar="N|Ntok|N,Mtok",
    help="LM calls and/or tokens per case, e.g. 4, 2000tok or 4,2000tok (default 4 calls).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress on stderr (batch; default when stderr is a terminal and stdout is not).",
)
@click.option(
    "--ray",
    "use_ray",
    is_flag=True,
    help="Score --input (files, folders or globs) on Ray Data, one engine per worker "
    "(pip install 'medfact[ray]'); jsonl or parquet out, input order kept.",
)
@click.option("--ray-address", metavar="ADDR", help="With --ray: a running cluster (or 'auto').")
@click.option("--ray-workers", type=click.IntRange(min=1), help="With --ray: engines (actors).")
@click.option(
    "--output-file",
    type=click.Path(dir_okay=False),
    help="With --ray: write results here (needed for --format parquet); default stdout.",
)
def score(
    output_text,
    context,
    question,
    case_id,
    input_path,
    fmt,
    config,
    fail_on_unsafe,
    fail_on_unchecked,
    strict,
    only_failures,
    terse,
    no_model,
    against,
    lm_backend,
    lm_model,
    lm_url,
    lm_budget,
    progress,
    use_ray,
    ray_address,
    ray_workers,
    output_file,
) -> None:
    """Score generated text against its input: claims, findings, risk 1-4.

    \b
    Examples, one case:
      medfact score --context "Patient denies chest pain." --output "Reports chest pain."
      medfact score --context @dialogue.txt --output @note.txt --format json
    An answer with no input, checked against a corpus (MedScore's mode):
      medfact score --output @answer.txt --against medquad
    A batch (JSONL in, JSONL out, one result or error record per line, written as it is made):
      medfact score --input cases.jsonl > results.jsonl
      cat cases.jsonl | medfact score --input - --fail-on-unsafe
      medfact score --input cases.jsonl --format text --quiet
    Many files on Ray Data (one engine per worker; results identical to the single process):
      medfact score --input 'outputs/*.jsonl' --ray --ray-workers 8 --output-file out.jsonl
    Uncertain cases also checked by an evaluator LM (tier 2), at most 2 calls each:
      medfact score --input cases.jsonl --lm-backend openai \\
          --lm-url http://127.0.0.1:8000/v1 --lm-model medfact-evaluator --lm-budget 2

    Fields a case does not know (such as doc_id and source of `medfact synth pairs`) are kept
    as metadata with one warning; --strict refuses them. A repeated id is an error record.
    """
    if (input_path is None) == (output_text is None):
        _fail("give either --output (one case) or --input (a JSONL batch)")
    if use_ray:
        _score_on_ray(
            input_path, fmt, config, strict, no_model, against, lm_backend, lm_model, lm_url,
            lm_budget, ray_address, ray_workers, output_file, fail_on_unsafe, fail_on_unchecked,
        )  # fmt: skip
        return
    if ray_address or ray_workers or output_file or fmt == "parquet":
        _fail("--ray-address, --ray-workers, --output-file and --format parquet need --ray")
    from medfact.io import read_text_arg

    if input_path is None:
        try:
            texts = {
                name: read_text_arg(value, f"--{name}")
                for name, value in (
                    ("output", output_text),
                    ("context", context),
                    ("question", question),
                )
            }
        except MedfactError as exc:
            _fail(str(exc))
        single = {"id": case_id, **{k: v for k, v in texts.items() if v is not None}}
        records: Iterator[tuple[int | None, Any]] = iter([(None, single)])
        fmt = fmt or ("text" if sys.stdout.isatty() else "json")
    else:
        if output_text or context or question:
            _fail("--input takes the texts from the file; drop --output/--context/--question")
        try:
            records = _jsonl_source(input_path)
        except MedfactError as exc:
            _fail(str(exc))
        fmt = fmt or "jsonl"
    if not lm_backend and (lm_model or lm_url or lm_budget):
        _fail("--lm-model, --lm-url and --lm-budget need --lm-backend")
    lm = {"backend": lm_backend, "model": lm_model, "budget": lm_budget, "url": lm_url}
    engine = _engine(config, no_model, against, lm)
    batch = _Batch(strict)
    out = _Writer(
        fmt, terse=terse, only_failures=only_failures or terse, scorer=_scorer_name(engine)
    )
    show_progress = _show_progress(
        progress,
        batch=input_path is not None,
        fmt=fmt,
        stdout_tty=sys.stdout.isatty(),
        stderr_tty=sys.stderr.isatty(),
    )
    bar = _progress() if show_progress else None
    try:
        for result in engine.score_many(batch.cases(records)):
            line = batch.lines.popleft() if batch.lines else None
            text = batch.outputs.popleft() if batch.outputs else ""
            if isinstance(result, RecordError) and line:
                result.error.setdefault("line", line)
            out.write(result, text)
            if bar is not None:
                bar.advance(bar.task_ids[0])
    finally:
        if bar is not None:
            bar.stop()
    _finish(out.counts, input_path is not None or terse, fail_on_unsafe, fail_on_unchecked)


def _finish(
    counts: dict[str, int], summarize: bool, fail_on_unsafe: bool, fail_on_unchecked: bool
) -> None:
    """The summary line on stderr, then score's exit code: 3 when some record was not scored,
    1 for --fail-on-unsafe / --fail-on-unchecked, else 0."""
    if summarize:
        summary = (
            f"medfact: {counts['scored']} scored, {counts['unsafe']} unsafe, "
            f"{counts['failed']} failed"
        )
        if counts.get("unchecked"):
            summary += f", {counts['unchecked']} not checked"
        click.echo(summary, err=True)
    if counts["failed"]:
        sys.exit(EXIT_FAILED)
    if (fail_on_unsafe and counts["unsafe"]) or (fail_on_unchecked and counts.get("unchecked")):
        sys.exit(EXIT_UNSAFE)


def _score_on_ray(
    input_path, fmt, config, strict, no_model, against, lm_backend, lm_model, lm_url, lm_budget,
    address, workers, output_file, fail_on_unsafe, fail_on_unchecked,
) -> None:  # fmt: skip
    """``score --ray``: the same records, results and exit codes on Ray Data."""
    if input_path is None or input_path == "-":
        _fail("--ray reads --input files, folders or globs (not stdin or --output)")
    if fmt not in (None, "jsonl", "parquet"):
        _fail("--ray writes jsonl or parquet (--format jsonl|parquet)")
    try:
        from medfact.integrations.ray import score_with_ray
    except ImportError as exc:
        _fail(f"--ray needs Ray Data ({exc.name} is missing): pip install 'medfact[ray]'")
    lm = {"backend": lm_backend, "model": lm_model, "budget": lm_budget, "url": lm_url}
    try:
        counts = score_with_ray(
            input_path, output_file or "-", fmt or "jsonl", config,
            _overrides(no_model, against, lm), address, workers, strict=strict,
        )  # fmt: skip
    except MedfactError as exc:
        _fail(str(exc))
    _finish(counts, True, fail_on_unsafe, fail_on_unchecked)


def _show_progress(
    asked: bool | None, *, batch: bool, fmt: str, stdout_tty: bool, stderr_tty: bool
) -> bool:
    """Progress on stderr: by default for a batch when stderr is a terminal and stdout is not;
    never when text goes to the same terminal (a spinner would mix into it)."""
    if fmt == "text" and stdout_tty:
        return False
    if asked is not None:
        return asked
    return batch and stderr_tty and not stdout_tty


def _progress() -> Any:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.completed} records"),
        TimeElapsedColumn(),
        console=Console(file=sys.stderr, soft_wrap=True),
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
    )
    bar.add_task("score")
    bar.start()
    return bar


def _status(result: Any) -> str:
    """The lead adds Assessment.status ("checked" | "unchecked"); until then all are checked."""
    return getattr(result, "status", None) or "checked"


class _Writer:
    """Writes each result as soon as it is made (flushed), in the chosen format, and counts."""

    def __init__(self, fmt: str, *, terse: bool, only_failures: bool, scorer: str | None) -> None:
        self.fmt = fmt
        self.terse = terse
        self.only_failures = only_failures
        self.scorer = scorer
        self.counts = {"scored": 0, "unsafe": 0, "failed": 0, "unchecked": 0}
        self.console = Console(file=sys.stdout, soft_wrap=True)
        self.err_console = Console(file=sys.stderr, soft_wrap=True, highlight=False)

    def write(self, result: Any, text: str) -> None:
        from medfact.io import result_json
        from medfact.render import render_assessment, render_error

        failed = isinstance(result, RecordError)
        unchecked = not failed and _status(result) != "checked"
        unsafe = not failed and not result.safe
        self.counts["failed" if failed else "scored"] += 1
        self.counts["unsafe"] += unsafe
        self.counts["unchecked"] += unchecked
        if self.only_failures and not (failed or unsafe or unchecked):
            return
        if self.fmt == "text":
            if failed:
                render_error(self.err_console, result)
            else:
                render_assessment(
                    self.console, result, text, scorer=self.scorer, compact=self.terse
                )
            self.console.file.flush()
            return
        click.echo(result_json(result, indent=2 if self.fmt == "json" else None))


@main.command(epilog=codes.EPILOG)
def schema() -> None:
    """Print the JSON Schema of medfact's input (Case) and results (Assessment, RecordError).

    \b
    Example:
      medfact schema > medfact.schema.json
    """
    from medfact.types import json_schema

    click.echo(json.dumps(json_schema(), indent=2))


@main.command(epilog=codes.EPILOG)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def taxonomy(fmt: str) -> None:
    """Print the risk levels and error categories.

    \b
    Example:
      medfact taxonomy --format json
    """
    from medfact.taxonomy import describe

    data = describe()
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    for r in data["risk_levels"]:
        click.echo(
            f"{r['level']} {r['name']:<14} {'safe  ' if r['safe'] else 'unsafe'} {r['description']}"
        )
    click.echo()
    for c in data["categories"]:
        click.echo(f"{c['group']:<24} {c['name']:<26} {c['description']}")


@main.command("config", epilog=codes.EPILOG)
@click.option(
    "--config", type=click.Path(dir_okay=False), help="Resolve this file over the default."
)
def show_config(config: str | None) -> None:
    """Print the built-in default config, or a file resolved over it (as JSON).

    \b
    Examples:
      medfact config > medfact.toml
      medfact config --config medfact.toml
    """
    from medfact.config import default_config_text, load_config

    if config is None:
        click.echo(default_config_text(), nl=False)
        return
    try:
        click.echo(json.dumps(load_config(config), indent=2))
    except MedfactError as exc:
        _fail(str(exc))


@main.command(epilog=codes.EPILOG)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def plugins(fmt: str) -> None:
    """List the registered plug-ins of every family (built-in and from entry points).

    \b
    Examples:
      medfact plugins
      medfact plugins --format json
    """
    if fmt == "text":
        click.echo(_version_text())
        return
    from medfact import registry

    data: dict[str, Any] = {}
    for family, reg in registry.families().items():
        try:
            data[family] = reg.names()
        except Exception as exc:  # a broken third-party plug-in must not hide the others
            data[family] = {"error": str(exc)}
    click.echo(json.dumps({"version": __version__, "plugins": data}, indent=2))


_EXTRAS = {
    "torch": "model",
    "transformers": "model",
    "peft": "model",
    "safetensors": "model",
    "sklearn": "model",
    "gguf": "lm",
    "httpx": "lm",
    "jsonschema": "lm",
    "vllm": "vllm",
}


def install_hint(missing: str | None) -> str:
    """What to install for a missing module: the medfact extra that has it, else the module."""
    top = (missing or "").split(".")[0]
    extra = _EXTRAS.get(top)
    if extra:
        return f"pip install 'medfact[{extra}]'"
    return f"pip install {top}" if top else "reinstall medfact"


def _unavailable(name: str, exc: ImportError) -> click.Command:
    """A stand-in for a command whose module cannot be imported: listed in --help, and when
    used it says what is missing and what to install (exit 2)."""
    missing = exc.name or str(exc)
    hint = install_hint(exc.name)

    def callback(args: tuple[str, ...]) -> None:
        _fail(f"`medfact {name}` needs {missing!r}, which is not installed: {hint}")

    return click.Command(
        name,
        callback=callback,
        params=[click.Argument(["args"], nargs=-1, type=click.UNPROCESSED)],
        help=f"(unavailable: needs {missing}; {hint})",
        short_help=f"(unavailable: {hint})",
        context_settings={"ignore_unknown_options": True},
        add_help_option=False,
    )


def _attach_optional() -> None:
    for module, attr, name in (
        ("medfact.corpus_cli", "corpus", "corpus"),
        ("medfact.synth.cli", "synth", "synth"),
        ("medfact.train.cli", "train", "train"),
        ("medfact.benchmarks.cli", "bench", "bench"),
        ("medfact.gate_cli", "gate", "gate"),
        ("medfact.gate_cli", "report", "report"),
        ("medfact.medec.cli", "correct", "correct"),
        ("medfact.lm.cli", "serve", "serve"),
        ("medfact.lm.cli", "speed", "lm-speed"),
        ("medfact.nli.cli", "data", "data"),
    ):
        try:
            mod = __import__(module, fromlist=[attr])
        except ImportError as exc:
            main.add_command(_unavailable(name, exc))
            continue
        main.add_command(getattr(mod, attr))


_attach_optional()


def run() -> Any:  # pragma: no cover - console entry point alias
    return main()


if __name__ == "__main__":  # pragma: no cover
    main()
