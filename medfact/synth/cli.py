"""``medfact synth``: self-supervised training data from clean (input, output) pairs.

A click group with two subcommands, ``make`` (perturb and write a dataset) and ``pairs`` (export
the clean pairs of a dataset as JSONL). The main CLI adds it with ``cli.add_command(synth)``.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import click

from medfact.errors import MedfactError
from medfact.synth.dataset import DEFAULT_FRACTIONS, synthesize, write_dataset
from medfact.synth.pairs import SOURCES, LoadStats, Pair, iter_pairs
from medfact.synth.perturb import KINDS

log = logging.getLogger("medfact.synth")


def _configure_logging(verbose: int, quiet: bool) -> None:
    """Logs go to stderr; -v shows progress, -vv debug details, -q only errors."""
    level = logging.ERROR if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    if verbose == 0 and not quiet:
        level = logging.WARNING
    root = logging.getLogger("medfact")
    root.setLevel(level)
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)


def _verbosity(command: click.Command) -> click.Command:
    command = click.option("-q", "--quiet", is_flag=True, help="Only log errors.")(command)
    return click.option("-v", "--verbose", count=True, help="Log progress to stderr (-vv: debug).")(
        command
    )


def _source_option(command: click.Command) -> click.Command:
    command = click.option(
        "--split",
        default=None,
        help="One split of the source (mts-dialog: train, validation, test1, test2; aci-bench: "
        "train, valid, test1-3; pubmedqa: train, test; medquad: a subset folder). Default: all.",
    )(command)
    return click.option(
        "--from",
        "from_",
        nargs=2,
        type=(click.Choice(SOURCES), click.Path(exists=True, path_type=Path)),
        metavar="SOURCE PATH",
        default=None,
        help=f"Read a dataset in place: SOURCE is one of {', '.join(SOURCES)}.",
    )(command)


@click.group(name="synth")
def synth() -> None:
    """Make labelled training data by perturbing clean (input, output) pairs.

    Two subcommands: `make` writes a dataset of clean and perturbed outputs with known error
    category, span and risk level; `pairs` exports the clean pairs of a dataset as JSONL.
    Everything is seeded: the same seed and pairs give the same files.

    \b
    Example:
      medfact synth make --from mts-dialog ../shared/data/mts-dialog --split validation \\
          --out /tmp/synth-mts --seed 0
    """


@synth.command("make")
@click.option(
    "--pairs",
    "pairs_file",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    help="A JSONL file of clean pairs (fields id, context, output; optional doc_id, source, "
    "task); '-' reads stdin.",
)
@_source_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for train.jsonl, valid.jsonl, test.jsonl and manifest.json.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for every choice.")
@click.option(
    "--per-pair",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Perturbations per pair (of different kinds).",
)
@click.option(
    "--clean-per-pair",
    type=click.IntRange(0, 1),
    default=1,
    show_default=True,
    help="1 keeps the clean output as a risk-1 example.",
)
@click.option(
    "--kinds",
    default=None,
    help=f"Comma-separated perturbation kinds (default: all). Known: {', '.join(KINDS)}.",
)
@click.option(
    "--fractions",
    default=",".join(map(str, DEFAULT_FRACTIONS)),
    show_default=True,
    help="Train, valid and test fractions of documents.",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Use the first N pairs.")
@_verbosity
def make(
    pairs_file: Path | None,
    from_: tuple[str, Path] | None,
    split: str | None,
    out_dir: Path,
    seed: int,
    per_pair: int,
    clean_per_pair: int,
    kinds: str | None,
    fractions: str,
    limit: int | None,
    verbose: int,
    quiet: bool,
) -> None:
    """Write a synthetic dataset: each pair's clean output plus up to --per-pair perturbations.

    Documents never cross splits (a stable hash of the seed and document id decides). Prints a
    summary of counts per split and kind to stdout; logs go to stderr. Exit codes: 0 done,
    1 bad input or settings (the message names the record and field), 2 wrong usage.

    \b
    Example:
      medfact synth make --from mts-dialog ../shared/data/mts-dialog --split validation \\
          --out /tmp/synth-mts --seed 0 --per-pair 3 --kinds swap_laterality,change_value
    """
    _configure_logging(verbose, quiet)
    kind_list = [k.strip() for k in kinds.split(",") if k.strip()] if kinds else None
    try:
        shares = _parse_fractions(fractions)
        pairs, stats = _open_pairs(pairs_file, from_, split)
        examples = synthesize(
            islice(pairs, limit), seed, kind_list, per_pair, clean_per_pair, fractions=shares
        )
        settings = {
            "per_pair": per_pair,
            "clean_per_pair": clean_per_pair,
            "kinds": kind_list or list(KINDS),
            "fractions": list(shares),
            "split": split,
            "limit": limit,
        }
        manifest = write_dataset(
            examples, out_dir, seed=seed, input_files=stats.files, settings=settings
        )
    except MedfactError as exc:
        raise click.ClickException(str(exc)) from exc
    if stats.skipped_empty:
        log.warning("skipped %d pairs with an empty output", stats.skipped_empty)
    _print_summary(manifest, out_dir)


def _parse_fractions(text: str) -> tuple[float, float, float]:
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 3:
        raise click.BadParameter(f"expected three numbers like 0.8,0.1,0.1; got {text!r}")
    return values  # type: ignore[return-value]


def _open_pairs(
    pairs_file: Path | None, from_: tuple[str, Path] | None, split: str | None
) -> tuple[Iterator[Pair], LoadStats]:
    if (pairs_file is None) == (from_ is None):
        raise click.UsageError("give exactly one of --pairs FILE.jsonl or --from SOURCE PATH")
    stats = LoadStats()
    if pairs_file is not None:
        if split is not None:
            raise click.UsageError("--split applies to --from, not to --pairs")
        return iter_pairs("jsonl", pairs_file, stats=stats), stats
    source, path = from_ or ("", Path())
    return iter_pairs(source, path, split, stats=stats), stats


def _print_summary(manifest: dict[str, Any], out_dir: Path) -> None:
    click.echo(f"wrote {manifest['total']} examples to {out_dir}")
    for split, counts in manifest["counts"].items():
        click.echo(f"  {split}: {sum(counts.values())} ({_format_counts(counts)})")
    click.echo(f"  kinds: {_format_counts(manifest['kinds'])}")


def _format_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items())


@synth.command("pairs")
@_source_option
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default="-",
    show_default=True,
    help="JSONL file to write; '-' writes stdout.",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Export the first N pairs.")
@_verbosity
def pairs_command(
    from_: tuple[str, Path] | None,
    split: str | None,
    out_file: Path,
    limit: int | None,
    verbose: int,
    quiet: bool,
) -> None:
    """Export the clean pairs of a dataset as JSONL (id, doc_id, source, task, context, output).

    The file is what `make --pairs` reads. Counts go to stderr. Exit codes: 0 done, 1 bad
    input (the message names the record and field), 2 wrong usage.

    \b
    Example:
      medfact synth pairs --from aci-bench ../shared/data/aci-bench --split valid \\
          --out aci-valid.jsonl
    """
    _configure_logging(verbose, quiet)
    if from_ is None:
        raise click.UsageError("--from SOURCE PATH is required")
    stats = LoadStats()
    try:
        pairs = islice(iter_pairs(from_[0], from_[1], split, stats=stats), limit)
        written = _write_pairs(pairs, out_file)
    except MedfactError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"exported {written} pairs; skipped {stats.skipped_empty} with an empty output", err=True
    )


def _write_pairs(pairs: Iterable[Pair], out_file: Path) -> int:
    written = 0
    with click.open_file(str(out_file), "w", encoding="utf-8") as handle:
        for pair in pairs:
            handle.write(json.dumps(pair.to_dict(), ensure_ascii=False) + "\n")
            written += 1
    return written
