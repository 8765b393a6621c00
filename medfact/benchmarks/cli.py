"""`medfact bench`: benchmarks with the official metrics."""

from __future__ import annotations

import json
from pathlib import Path

import click

from medfact.benchmarks.cases import bench_cases
from medfact.errors import MedfactError
from medfact.nli.cli import nli_bench


@click.group()
def bench() -> None:
    """Run medfact's benchmarks.

    \b
    Examples:
      medfact bench synth --data synth-dir --split test
      medfact bench medval --data MedVAL-Bench.csv
      medfact bench medec --data MEDEC-MS-ValidationSet.csv
    """


@bench.command()
@click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(file_okay=False, exists=True),
    help="A `medfact synth` folder.",
)
@click.option("--split", default="test", show_default=True)
@click.option("--limit", type=int, default=None)
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown")
def synth(data_dir: str, split: str, limit: int | None, fmt: str) -> None:
    """Rule-only vs trained on held-out synthetic errors: per-category recall and precision,
    risk macro-F1, safe/unsafe F1.

    \b
    Example:
      medfact bench synth --data synth --split test
    """
    from medfact.benchmarks.synth import markdown, run

    try:
        results = run(Path(data_dir), split, limit=limit)
    except MedfactError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(markdown(results) if fmt == "markdown" else json.dumps(results, indent=2))


@bench.command()
@click.option(
    "--data",
    "path",
    required=True,
    type=click.Path(dir_okay=False, exists=True),
    help="The MedVAL-Bench CSV (columns #, id, task, input, reference_output, output, "
    "physician_error_assessment, physician_risk_grade).",
)
@click.option("--config", type=click.Path(dir_okay=False), help="A TOML config.")
@click.option("--no-model", is_flag=True, help="Rules only.")
def medval(path: str, config: str | None, no_model: bool) -> None:
    """Agreement with physician risk grades on MedVAL-Bench: 4-class F1, safe/unsafe F1, Pearson.

    \b
    Example:
      medfact bench medval --data medval_bench.csv > medval.json
    """
    from medfact.benchmarks.medval import run
    from medfact.config import NO_MODEL
    from medfact.pipeline import Engine

    try:
        engine = Engine.from_config(config, NO_MODEL if no_model else None).load()
        click.echo(json.dumps(run(Path(path), engine), indent=2))
    except MedfactError as exc:
        raise click.ClickException(str(exc)) from None


def _attach_medec() -> None:
    from medfact.medec.cli import bench_medec

    bench.add_command(bench_medec)


_attach_medec()
bench.add_command(bench_cases)
bench.add_command(nli_bench)
