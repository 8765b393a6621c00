"""The ``medfact`` command line. Data goes to stdout, logs and progress to stderr.

Exit codes: 0 all records scored (and safe, with --fail-on-unsafe); 1 some output unsafe
(only with --fail-on-unsafe); 2 usage or config error; 3 some records could not be scored.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import deque
from collections.abc import Iterator
from typing import Any

import click
from rich.console import Console

from medfact import __version__
from medfact.errors import MedfactError
from medfact.types import RecordError

EXIT_OK, EXIT_UNSAFE, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3


def _fail(message: str) -> None:
    click.echo(f"medfact: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _version_text() -> str:
    from medfact import registry

    lines = [f"medfact {__version__}"]
    for family, reg in registry.FAMILIES.items():
        try:
            lines.append(f"  {family}: {', '.join(reg.names())}")
        except Exception as exc:  # a broken third-party plug-in must not hide the version
            lines.append(f"  {family}: (failed to load: {exc})")
    return "\n".join(lines)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _p, v: v and (click.echo(_version_text()) or ctx.exit()),
    help="Show the version and the installed plug-ins, then exit.",
)
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def main(verbose: int, quiet: bool) -> None:
    """Validate medical text written by language models.

    \b
    Examples:
      medfact score --context @dialogue.txt --output @note.txt
      medfact score --input cases.jsonl --format jsonl > results.jsonl
      medfact schema > medfact.schema.json
    """
    level = (
        logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    )
    logging.basicConfig(
        level=level, stream=sys.stderr, format="medfact: %(levelname)s: %(message)s"
    )


def _engine(
    config: str | None,
    no_model: bool = False,
    against: tuple[str, ...] = (),
    lm: dict[str, Any] | None = None,
):
    """The engine for a config file plus flags; ``lm`` holds the ``--lm-*`` options."""
    from medfact.config import NO_MODEL, merge
    from medfact.pipeline import cached_engine

    overrides: dict[str, Any] = dict(NO_MODEL) if no_model else {}
    if against:
        overrides["evidence"] = {"corpora": list(against)}
    try:
        if lm and lm.get("backend"):
            from medfact.lm.tier import lm_overrides

            overrides = merge(overrides, lm_overrides(**lm))
        # One process (a test runner, a long-lived host) loads each distinct pipeline once.
        return cached_engine(config, overrides)
    except MedfactError as exc:
        _fail(str(exc))


def _records_with_lines(source: str) -> tuple[Iterator[Any], deque[int]]:
    from medfact.io import iter_jsonl

    stream = sys.stdin.buffer if source == "-" else open(source, "rb")  # noqa: SIM115
    lines: deque[int] = deque()

    def gen() -> Iterator[Any]:
        with stream:
            for line, record in iter_jsonl(stream):
                lines.append(line)
                yield record

    return gen(), lines


@main.command()
@click.option("--output", "output_text", metavar="TEXT|@FILE", help="The generated text to check.")
@click.option("--context", metavar="TEXT|@FILE", help="The input it was generated from.")
@click.option("--question", metavar="TEXT|@FILE", help="The question it answers, if any.")
@click.option("--id", "case_id", default="case", show_default=True, help="Id of a single case.")
@click.option(
    "--input",
    "input_path",
    metavar="FILE.jsonl|-",
    help="Batch: one JSON object a line (id, output, context, question, task).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "jsonl"]),
    default=None,
    help="text (default on a terminal), json (one case), jsonl (batch default).",
)
@click.option("--config", type=click.Path(dir_okay=False), help="A TOML config file.")
@click.option("--fail-on-unsafe", is_flag=True, help="Exit 1 when any output is unsafe (risk 3-4).")
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
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (batch).")
def score(
    output_text,
    context,
    question,
    case_id,
    input_path,
    fmt,
    config,
    fail_on_unsafe,
    no_model,
    against,
    lm_backend,
    lm_model,
    lm_url,
    lm_budget,
    progress,
) -> None:
    """Score generated text against its input: claims, findings, risk 1-4.

    \b
    Examples, one case:
      medfact score --context "Patient denies chest pain." --output "Reports chest pain."
      medfact score --context @dialogue.txt --output @note.txt --format json
    An answer with no input, checked against a corpus (MedScore's mode):
      medfact score --output @answer.txt --against medquad
    A batch (JSONL in, JSONL out, one result or error record per line):
      medfact score --input cases.jsonl > results.jsonl
      cat cases.jsonl | medfact score --input - --fail-on-unsafe
    Uncertain cases also checked by an evaluator LM (tier 2), at most 2 calls each:
      medfact score --input cases.jsonl --lm-backend openai \\
          --lm-url http://127.0.0.1:8000/v1 --lm-model medfact-evaluator --lm-budget 2

    \b
    Exit codes: 0 all scored; 1 some unsafe (with --fail-on-unsafe);
                2 usage error; 3 some records failed (see their error records).
    """
    if (input_path is None) == (output_text is None):
        _fail("give either --output (one case) or --input (a JSONL batch)")
    from medfact.io import read_text_arg
    from medfact.render import render_assessment, render_error

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
        records: Iterator[Any] = iter(
            [{"id": case_id, **{k: v for k, v in texts.items() if v is not None}}]
        )
        lines: deque[int] = deque([0])
        fmt = fmt or ("text" if sys.stdout.isatty() else "json")
    else:
        if output_text or context or question:
            _fail("--input takes the texts from the file; drop --output/--context/--question")
        try:
            records, lines = _records_with_lines(input_path)
        except OSError as exc:
            _fail(f"cannot read {input_path!r}: {exc.strerror}")
        fmt = fmt or "jsonl"
    if not lm_backend and (lm_model or lm_url or lm_budget):
        _fail("--lm-model, --lm-url and --lm-budget need --lm-backend")
    lm = {"backend": lm_backend, "model": lm_model, "budget": lm_budget, "url": lm_url}
    engine = _engine(config, no_model, against, lm)
    console = Console(file=sys.stdout, soft_wrap=True)
    err_console = Console(file=sys.stderr, soft_wrap=True)
    # Each record's own output text, in order: one result comes back per record.
    outputs: deque[str] = deque()

    def remember(stream: Iterator[Any]) -> Iterator[Any]:
        for rec in stream:
            text = rec.get("output") if isinstance(rec, dict) else None
            outputs.append(text if isinstance(text, str) else "")
            yield rec

    counts = {"scored": 0, "unsafe": 0, "failed": 0}
    show_progress = (
        progress if progress is not None else (input_path is not None and sys.stderr.isatty())
    )
    results = engine.score_many(remember(records))
    if show_progress:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.completed} records"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        )
        task = bar.add_task("score")
        bar.start()
    for result in results:
        line = lines.popleft() if lines else None
        if isinstance(result, RecordError):
            counts["failed"] += 1
            if line:
                result.error.setdefault("line", line)
        else:
            counts["scored"] += 1
            counts["unsafe"] += not result.safe
        _emit(result, fmt, console, err_console, outputs, render_assessment, render_error)
        if show_progress:
            bar.advance(task)
    if show_progress:
        bar.stop()
    if input_path is not None:
        click.echo(
            f"medfact: {counts['scored']} scored, {counts['unsafe']} unsafe, "
            f"{counts['failed']} failed",
            err=True,
        )
    if counts["failed"]:
        sys.exit(EXIT_FAILED)
    if fail_on_unsafe and counts["unsafe"]:
        sys.exit(EXIT_UNSAFE)


def _emit(result, fmt, console, err_console, outputs, render_assessment, render_error) -> None:
    text = outputs.popleft() if outputs else ""
    if fmt == "text":
        if isinstance(result, RecordError):
            render_error(err_console, result)
        else:
            render_assessment(console, result, text)
        return
    payload = result.model_dump_json(indent=2 if fmt == "json" else None)
    click.echo(payload)


@main.command()
def schema() -> None:
    """Print the JSON Schema of medfact's input (Case) and results (Assessment, RecordError).

    \b
    Example:
      medfact schema > medfact.schema.json
    """
    from medfact.types import json_schema

    click.echo(json.dumps(json_schema(), indent=2))


@main.command()
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


@main.command("config")
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


@main.command()
def plugins() -> None:
    """List the registered plug-ins of every family (built-in and from entry points).

    \b
    Example:
      medfact plugins
    """
    click.echo(_version_text())


def _attach_optional() -> None:
    for module, attr in (
        ("medfact.corpus_cli", "corpus"),
        ("medfact.synth.cli", "synth"),
        ("medfact.train.cli", "train"),
        ("medfact.benchmarks.cli", "bench"),
        ("medfact.gate_cli", "gate"),
        ("medfact.gate_cli", "report"),
        ("medfact.medec.cli", "correct"),
        ("medfact.lm.cli", "serve"),
        ("medfact.lm.cli", "speed"),
    ):
        try:
            mod = __import__(module, fromlist=[attr])
        except ImportError:
            continue
        main.add_command(getattr(mod, attr))


_attach_optional()


def run() -> Any:  # pragma: no cover - console entry point alias
    return main()


if __name__ == "__main__":  # pragma: no cover
    main()
