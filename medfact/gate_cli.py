"""``medfact gate`` and ``medfact report``: check files in hooks and CI, and show results as a page.

Data (the report) goes to stdout or ``--output``; logs, errors and the summary to stderr.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import IO, Any, NoReturn

import click

from medfact import exitcodes as codes
from medfact.errors import MedfactError
from medfact.io import printable

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_UNREADABLE = (
    codes.OK,
    codes.UNSAFE,
    codes.USAGE,
    codes.NOT_SCORED,
)
EXIT_OUTPUT = codes.INTERNAL

log = logging.getLogger("medfact.gate")


def _usage(message: str) -> NoReturn:
    click.echo(f"medfact: error: {printable(message, one_line=True)}", err=True)
    sys.exit(EXIT_USAGE)


def _unwritable(path: str, exc: OSError) -> NoReturn:
    reason = exc.strerror or type(exc).__name__
    click.echo(f"medfact: error: cannot write {printable(path, one_line=True)}: {reason}", err=True)
    sys.exit(EXIT_OUTPUT)


def _open_out(path: str | None) -> IO[str] | None:
    """The report file, opened for writing (None for stdout); exit 4 when it cannot be."""
    if path is None or path == "-":
        return None
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
    except OSError as exc:
        _unwritable(path, exc)


GATE_EPILOG = (
    "\b\nExit codes:\n"
    "  0  every input passes\n"
    "  1  some input fails: risk over max_risk, factuality under min_factuality, or not\n"
    "     checked (nothing checkable; --allow-unchecked turns that off)\n"
    "  2  usage or config error, or nothing to check was found\n"
    "  3  some inputs could not be read or scored (each named on stderr; 3 wins over 1)\n"
    "  4  the report could not be written (--output unwritable, disk full), internal error"
)


@click.command(context_settings={"help_option_names": ["-h", "--help"]}, epilog=GATE_EPILOG)
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--max-risk",
    type=click.IntRange(1, 4),
    default=None,
    help="Fail inputs whose risk is over this level (1-4). Default 2: unsafe (3-4) fails.",
)
@click.option(
    "--min-factuality",
    type=click.FloatRange(0, 1),
    default=None,
    help="Also fail inputs whose factuality (supported / checked claims) is under this.",
)
@click.option(
    "--context-suffix",
    metavar="SUFFIX",
    default=None,
    help="Ending of sibling context files: note.txt pairs with note<SUFFIX>. Default .context.txt.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif", "junit"]),
    default=None,
    help="text (default; path:line:col lines), json (JSON Lines, one object per input), "
    "sarif (SARIF 2.1.0) or junit (JUnit XML).",
)
@click.option(
    "-o",
    "--output",
    "output_path",
    metavar="FILE",
    default=None,
    help="Write the report here instead of stdout.",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="A medfact.toml or pyproject.toml. Default: the nearest one with medfact settings, "
    "from the working directory up.",
)
@click.option(
    "--no-model",
    is_flag=True,
    help="Rules only (tier 0) with the rule scorer: no torch needed, about 10x faster.",
)
@click.option(
    "--cache/--no-cache",
    default=None,
    help="Reuse results of unchanged texts (SQLite, keyed by content and config). Default on.",
)
@click.option(
    "--cache-dir",
    metavar="DIR",
    default=None,
    help="Where the cache lives. Default $MEDFACT_HOME or ~/.cache/medfact.",
)
@click.option(
    "--require-context/--allow-no-context",
    default=None,
    help="Treat a text without a context as an input error (default), or score it alone.",
)
@click.option(
    "--fail-on-unchecked/--allow-unchecked",
    default=None,
    help="Fail a text the engine could not check at all (default), or only warn.",
)
@click.option(
    "--exclude",
    metavar="GLOB",
    multiple=True,
    help="Skip paths matching this pattern (repeatable), e.g. 'drafts/*'.",
)
@click.option(
    "--ignore",
    metavar="CATEGORY",
    multiple=True,
    help="Suppress findings of this error category everywhere (repeatable).",
)
@click.option(
    "--baseline",
    metavar="FILE",
    default=None,
    help="Suppress the findings recorded in this baseline (from --write-baseline).",
)
@click.option(
    "--write-baseline",
    metavar="FILE",
    default=None,
    help="Record every finding not otherwise suppressed in FILE (they pass from now on).",
)
@click.option(
    "--root",
    "roots",
    metavar="DIR",
    multiple=True,
    help="Read files only inside these folders (repeatable). Default: the repository (the "
    "folder with .git, from the working directory up), plus the paths named.",
)
def gate(
    paths: tuple[str, ...],
    max_risk: int | None,
    min_factuality: float | None,
    context_suffix: str | None,
    fmt: str | None,
    output_path: str | None,
    config: str | None,
    no_model: bool,
    cache: bool | None,
    cache_dir: str | None,
    require_context: bool | None,
    fail_on_unchecked: bool | None,
    exclude: tuple[str, ...],
    ignore: tuple[str, ...],
    baseline: str | None,
    write_baseline: str | None,
    roots: tuple[str, ...],
) -> None:
    """Check generated texts against their inputs; fail the ones that are too risky.

    PATHS are text or Markdown files, JSONL files (one case a line: id, output, context,
    question, task, or context_file), or directories (searched for *.txt, *.md and *.jsonl).
    Each text is paired with its input: a front-matter field `context:` or `context_file:`, else
    the sibling file <stem>.context.txt. Context files are never checked themselves; naming one
    checks the text it belongs to. Files (links resolved) outside the repository, the --root
    folders and the paths named are refused unless [gate] allow_outside = true.

    Known findings are accepted with `<!-- medfact: ignore[category] -->` in the text (its line
    and the next), `medfact-ignore: [category]` in the front matter, --ignore, or a baseline.

    Thresholds and options come from [tool.medfact.gate] in pyproject.toml or [gate] in
    medfact.toml (max_risk, min_factuality, context_suffix, format, cache, cache_dir,
    cache_max_mb, require_context, fail_on_unchecked, exclude, ignore, baseline, roots,
    allow_outside); the rest of that file configures the pipeline. Flags override the file.

    \b
    Examples:
      medfact gate notes/
      medfact gate notes/visit.md --max-risk 1 --min-factuality 0.8
      medfact gate outputs.jsonl --format sarif -o medfact.sarif
      medfact gate notes/ --format junit -o medfact-junit.xml --no-cache
      medfact gate notes/ --no-model          # the rule tier alone (no torch)
      medfact gate notes/ --write-baseline .medfact-baseline.json   # accept what is there
      medfact gate notes/ --baseline .medfact-baseline.json         # fail only on new ones
    """
    from medfact.cache import ResultCache
    from medfact.gate import (
        Baseline,
        Confinement,
        LazyEngine,
        find_config,
        load_gate_config,
        resolve_settings,
        run_gate,
    )
    from medfact.gate import report as reports

    if not paths:
        _usage("give at least one file or directory to check (see medfact gate --help)")
    if baseline and write_baseline:
        _usage("give --baseline or --write-baseline, not both")
    try:
        from medfact.config import NO_MODEL

        config_path = Path(config) if config else find_config()
        file_config = load_gate_config(config_path, NO_MODEL if no_model else None)
        settings = resolve_settings(
            file_config.gate,
            max_risk=max_risk,
            min_factuality=min_factuality,
            context_suffix=context_suffix,
            format=fmt,
            cache=cache,
            cache_dir=cache_dir,
            require_context=require_context,
            fail_on_unchecked=fail_on_unchecked,
            exclude=tuple(exclude) or None,
            ignore=tuple(file_config.gate.get("ignore", ())) + ignore if ignore else None,
            baseline=baseline,
            roots=tuple(roots) or None,
        )
        engine = LazyEngine(file_config.engine)
        accepted = None
        if write_baseline:
            accepted = Baseline(path=write_baseline, recording=True)
        elif settings.baseline:
            accepted = Baseline.read(settings.baseline)
        confinement = Confinement.for_run(paths, settings)
    except MedfactError as exc:
        _usage(str(exc))
    if config_path is not None:
        log.info("settings from %s", config_path)
    result_cache = None
    if settings.cache:
        max_bytes = int(settings.cache_max_mb * 1024 * 1024) if settings.cache_max_mb else None
        result_cache = ResultCache(settings.cache_dir, max_bytes=max_bytes)
    out = _open_out(output_path)
    stream = out or sys.stdout
    root = Path.cwd()

    def emit(result: Any) -> None:
        name = printable(result.name, one_line=True)
        if result.status == "error":
            err = result.error.error if result.error else {}
            message = printable(str(err.get("message", "unknown error")), one_line=True)
            click.echo(f"medfact: cannot check {name}: {message}", err=True)
        elif result.status == "fail" and settings.format != "text":
            reasons = printable("; ".join(result.reasons), one_line=True)
            click.echo(f"medfact: FAIL {name}: {reasons}", err=True)
        elif not result.checked and settings.format != "text":
            click.echo(f"medfact: warning: {name} was not checked (nothing checkable)", err=True)
        elif result.status == "pass":
            log.info("pass %s (risk %d)", name, result.risk)
        if settings.format == "text":
            style = click.style if out is None and sys.stdout.isatty() else None
            for line in reports.text_lines(result, style=style):
                click.echo(line, file=stream)
        elif settings.format == "json":
            click.echo(reports.json_line(result), file=stream)

    try:
        try:
            run = run_gate(
                paths,
                settings,
                engine=engine,
                cache=result_cache,
                root=root,
                on_result=emit,
                baseline=accepted,
                confinement=confinement,
            )
        except MedfactError as exc:  # a pipeline that cannot load (bad plug-in name, ...)
            _usage(str(exc))
        if settings.format == "sarif":
            stream.write(reports.sarif_text(run, root=root))
        elif settings.format == "junit":
            stream.write(reports.junit_xml(run))
        stream.flush()
        if out is not None:
            out.close()
    except OSError as exc:
        if out is None or isinstance(exc, BrokenPipeError):
            raise  # stdout: the medfact command group ends it (quietly for a closed pipe)
        _unwritable(str(output_path), exc)
    finally:
        if result_cache is not None:
            result_cache.close()
    if write_baseline and accepted is not None:
        try:
            Path(write_baseline).write_text(accepted.to_json(), encoding="utf-8")
        except OSError as exc:
            _unwritable(write_baseline, exc)
        click.echo(
            f"medfact gate: wrote {accepted.matched} finding(s) to the baseline "
            f"{printable(write_baseline, one_line=True)}",
            err=True,
        )
    if run.nothing_found:
        shown = printable(", ".join(paths), one_line=True)
        click.echo(
            f"medfact gate: error: no texts to check were found in {shown} (looked for *.txt, "
            "*.md, *.markdown and *.jsonl; context files are not checked themselves)",
            err=True,
        )
    elif not run.results:
        click.echo("medfact gate: nothing to check: every path named was excluded", err=True)
    click.echo(f"medfact gate: {run.summary()}", err=True)
    sys.exit(run.exit_code)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--input",
    "input_path",
    metavar="FILE.jsonl|-",
    required=True,
    help="Results: from `medfact gate --format json` or `medfact score --input`.",
)
@click.option(
    "--html",
    "html_path",
    metavar="OUT.html|-",
    required=True,
    help="Where to write the page ('-' for stdout).",
)
@click.option(
    "--cases",
    "cases_path",
    metavar="FILE.jsonl",
    default=None,
    help="The cases the results were scored from (id, output, context), to show the texts "
    "of results that lack them (those of `medfact score`).",
)
@click.option("--title", default="medfact report", show_default=True, help="The page's title.")
def report(input_path: str, html_path: str, cases_path: str | None, title: str) -> None:
    """Write a self-contained HTML page of results: each output with its findings highlighted
    by category, the evidence and suggestions, the risk distribution and per-category counts.

    The page needs no network: styles and script are inline and it loads nothing.

    \b
    Examples:
      medfact gate notes/ --format json > results.jsonl
      medfact report --input results.jsonl --html report.html
      medfact score --input cases.jsonl > scores.jsonl
      medfact report --input scores.jsonl --cases cases.jsonl --html report.html

    \b
    Exit codes: 0 page written; 2 usage error (missing or unreadable file);
                3 page written, but some lines of the input could not be read (listed in it).
    """
    from medfact.html_report import read_cases, read_items, render_html
    from medfact.io import open_regular

    cases = None
    if cases_path is not None:
        try:  # regular files only: a FIFO or a device is refused, never waited on
            with open_regular(cases_path, field="--cases") as fh:
                cases = read_cases(fh)
        except MedfactError as exc:
            _usage(str(exc))
        except OSError as exc:
            _usage(f"cannot read {cases_path!r}: {exc.strerror}")
    try:
        fh = sys.stdin.buffer if input_path == "-" else open_regular(input_path, field="--input")
    except MedfactError as exc:
        _usage(str(exc))
    with fh:
        items = list(read_items(fh, cases))
    unreadable = [i for i in items if i.unreadable]
    for item in unreadable:
        message = (item.error or {}).get("message", "unknown error")
        click.echo(f"medfact: results line {item.line}: {message}", err=True)
    page = render_html(items, title=title, source=os.path.basename(input_path))
    if html_path == "-":
        sys.stdout.write(page)
        sys.stdout.flush()
    else:
        out = _open_out(html_path)
        with out:
            out.write(page)
    scored = sum(i.assessment is not None for i in items)
    click.echo(f"medfact report: {len(items)} results ({scored} scored) -> {html_path}", err=True)
    sys.exit(EXIT_UNREADABLE if unreadable else EXIT_OK)
