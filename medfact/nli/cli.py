"""``medfact data`` (``nli``, ``twins``) and ``medfact bench nli``.

``data`` is a click group the main CLI attaches; ``nli_bench`` is a command for the ``bench``
group. ``python -m medfact.nli.cli`` runs both without the main CLI.
"""

from __future__ import annotations

import json
import logging
import shlex
import sys
from pathlib import Path

import click

from medfact.errors import MedfactError

log = logging.getLogger("medfact.nli")


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = (
        logging.ERROR
        if quiet
        else {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    )
    root = logging.getLogger("medfact")
    root.setLevel(level)
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)


def _command_line() -> str:
    """The command as ``medfact data ...`` with every option that was in effect."""
    ctx = click.get_current_context()
    names: list[str] = []
    outer: click.Context | None = ctx
    while outer is not None and outer.parent is not None:  # up to, not including, the root
        names.insert(0, str(outer.info_name))
        outer = outer.parent
    words = ["medfact", *names]
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if value is None or param.name in ("verbose", "quiet") or not param.opts:
            continue
        if isinstance(param, click.Option) and param.is_flag:
            words += [param.opts[0]] if value else []
        else:
            words += [param.opts[0], str(value)]
    return " ".join(shlex.quote(w) for w in words)


def _verbosity(command: click.Command) -> click.Command:
    command = click.option("-q", "--quiet", is_flag=True, help="Only log errors.")(command)
    return click.option("-v", "--verbose", count=True, help="Log progress to stderr.")(command)


@click.group(name="data")
def data() -> None:
    """Build labelled data sets from the public data in ../shared/data.

    \b
    Examples:
      medfact data nli --data-dir ../shared/data --out /tmp/nli --seed 0
      medfact data twins --data-dir ../shared/data --out /tmp/twins --seed 0
    """


@data.command("nli")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    required=True,
    help="The shared data folder (with nli/, pubmedqa/, medec-ms/, mts-dialog/).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for train.jsonl, valid.jsonl, test.jsonl and manifest.json.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for every choice.")
@click.option(
    "--sources",
    default=None,
    help="Comma-separated sources (default: all): check-covid, evidence-inference, summedits, "
    "medhallu, pubmedqa, medec, mts-dialog.",
)
@click.option(
    "--max-premise-chars",
    type=click.IntRange(min=200),
    default=1500,
    show_default=True,
    help="SummEdits documents longer than this are cut to the window around the summary.",
)
@_verbosity
def nli(
    data_dir: Path,
    out_dir: Path,
    seed: int,
    sources: str | None,
    max_premise_chars: int,
    verbose: int,
    quiet: bool,
) -> None:
    """Write human-labelled (premise, hypothesis, label) rows with document-level splits.

    Labels are supported, contradicted and not_enough_info; each row names its source, its
    document (group) and how it was derived. No document and no claim is in two splits; each
    dataset's own test split stays test. Prints pairs per source and label as JSON.

    \b
    Example:
      medfact data nli --data-dir ../shared/data --out /tmp/nli --seed 0
    """
    from medfact.nli.build import BuildSettings, build_rows, write_nli

    _configure_logging(verbose, quiet)
    settings = BuildSettings(seed=seed, max_premise_chars=max_premise_chars)
    chosen = [s.strip() for s in sources.split(",") if s.strip()] if sources else None
    try:
        rows, stats = build_rows(data_dir, settings, chosen)
        manifest = write_nli(rows, out_dir, stats, settings, _command_line())
    except MedfactError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        json.dumps({"total": manifest["total"], "per_source": manifest["per_source"]}, indent=2)
    )


@data.command("twins")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="The shared data folder; notes come from its mts-dialog/ and aci-bench/ (default: "
    "templates only).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for train.jsonl, valid.jsonl, test.jsonl and manifest.json.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed for every choice (use the seed of `data nli`: MTS-Dialog documents then share "
    "their split).",
)
@click.option(
    "--per-note",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Twin pairs per note (one per kind).",
)
@click.option(
    "--per-kind",
    type=click.IntRange(min=0),
    default=120,
    show_default=True,
    help="Template twin pairs per kind.",
)
@click.option("--kinds", default=None, help="Comma-separated kinds (default: all).")
@_verbosity
def twins(
    data_dir: Path | None,
    out_dir: Path,
    seed: int,
    per_note: int,
    per_kind: int,
    kinds: str | None,
    verbose: int,
    quiet: bool,
) -> None:
    """Write clinical twin pairs: each error hypothesis beside its clean twin on one premise.

    Kinds: negation by paraphrase, anatomy within a region, laterality, units, frequency,
    route, done vs planned, held vs continued, family vs personal history, allergy, code
    status, pregnancy, times and sequence, dialogue answers, demographics, setting, and
    faithful paraphrases (CHF, q.d., 72F). Rows carry kind, twin id and the differing spans.
    Prints pairs per kind as JSON.

    \b
    Example:
      medfact data twins --data-dir ../shared/data --out /tmp/twins --seed 0
    """
    from collections import Counter

    from medfact.nli.build import BuildSettings, BuildStats, write_nli
    from medfact.synth.twins import KINDS, TwinSettings, build_twins

    _configure_logging(verbose, quiet)
    chosen = tuple(k.strip() for k in kinds.split(",") if k.strip()) if kinds else KINDS
    settings = TwinSettings(seed=seed, per_note=per_note, per_kind_templates=per_kind, kinds=chosen)
    stats = BuildStats()
    try:
        rows, files = build_twins(data_dir, settings, stats.skipped)
        per_kind_counts: Counter[str] = Counter(f"{r.kind}:{r.label}" for r in rows)
        stats.inputs = files
        manifest = write_nli(
            rows,
            out_dir,
            stats,
            BuildSettings(seed=seed, fractions=settings.fractions),
            _command_line(),
            name="twins",
            extra={
                "twin_settings": {
                    "per_note": per_note,
                    "per_kind_templates": per_kind,
                    "max_premise_chars": settings.max_premise_chars,
                    "reword": settings.reword,
                    "kinds": list(settings.kinds),
                },
                "kinds": dict(sorted(per_kind_counts.items())),
            },
        )
    except MedfactError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps({"total": manifest["total"], "kinds": manifest["kinds"]}, indent=2))


@click.command("nli")
@click.option(
    "--data",
    "data_dirs",
    multiple=True,
    required=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="A `medfact data nli` or `data twins` folder (repeat for several).",
)
@click.option("--split", default="test", show_default=True, help="The held-out split.")
@click.option(
    "--verifier",
    "verifier_dir",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="A crossencoder.v1 model folder (default: the shipped verifier).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=400,
    show_default=True,
    help="At most this many pairs per source (seeded sample).",
)
@click.option(
    "--window-chars",
    type=click.IntRange(min=0),
    default=600,
    show_default=True,
    help="Cut longer premises to the claim's sentence window (0: whole premise).",
)
@click.option(
    "--quantize/--no-quantize",
    default=None,
    help="Dynamic int8 quantization of the verifier (default: the plug-in's default).",
)
@click.option("--threads", type=click.IntRange(min=1), default=None, help="Torch threads.")
@click.option("--no-model", is_flag=True, help="Majority baseline only (no model loads).")
@click.option(
    "--through-score",
    is_flag=True,
    help="Score each pair with the whole `medfact score` pipeline (premise as the input, "
    "hypothesis as the output) and report its 3-way verdict, instead of tier 1's probabilities "
    "alone. --verifier, --quantize and --threads then set tier 1's plug-in parameters.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="A medfact config for --through-score.",
)
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown")
@_verbosity
def nli_bench(
    data_dirs: tuple[Path, ...],
    split: str,
    verifier_dir: str | None,
    limit: int,
    window_chars: int,
    quantize: bool | None,
    threads: int | None,
    no_model: bool,
    through_score: bool,
    config_path: str | None,
    fmt: str,
    verbose: int,
    quiet: bool,
) -> None:
    """Score a tier-1 verifier on held-out NLI sets beside a majority baseline.

    Per set (one per source, subsets by challenge tag or twin kind): per-class F1, macro-F1,
    accuracy, ECE, support-vs-NEI AUC and supported-vs-contradicted AUC; macro-F1 and
    support-vs-NEI AUC with 95% bootstrap intervals (seeded).

    \b
    Examples:
      medfact bench nli --data /tmp/nli --data /tmp/twins --split test
      medfact bench nli --data /tmp/nli --verifier medfact/models/verifier-v3 --format json
      medfact bench nli --data /tmp/nli --through-score     # the default pipeline's verdicts
    """
    from medfact.nli.bench import markdown, registry_predictor, run, score_predictor
    from medfact.verifiers.crossencoder import DEFAULT_MODEL

    _configure_logging(verbose, quiet)
    name = Path(verifier_dir).name if verifier_dir else DEFAULT_MODEL
    try:
        if no_model:
            predict = None
        elif through_score:
            params = {"model_dir": verifier_dir, "quantize": quantize, "threads": threads}
            plugin = {k: v for k, v in params.items() if v is not None}
            overrides = {"components": {"crossencoder.v1": plugin}} if plugin else None
            predict = score_predictor(overrides, config_path)
            name = f"score ({name})"
        else:
            predict = registry_predictor(verifier_dir, quantize, threads)
        results = run(
            data_dirs,
            predict,
            split=split,
            limit=limit,
            window_chars=window_chars,
            model_name=name,
        )
    except MedfactError as exc:
        raise click.ClickException(str(exc)) from None
    results["model"] = None if no_model else name
    click.echo(markdown(results, name) if fmt == "markdown" else json.dumps(results, indent=2))


@click.group(name="bench")
def bench() -> None:
    """Benchmarks of this package (the main CLI's `bench` group gets `nli` attached)."""


bench.add_command(nli_bench)


@click.group(name="main")
def main() -> None:
    """medfact's NLI data and benchmark commands, runnable without the main CLI."""


main.add_command(data)
main.add_command(bench)


if __name__ == "__main__":  # pragma: no cover
    main()
