"""``medfact train``: fit the tier-1 verifier and the calibrated risk model."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from medfact.errors import MedfactError


def _command() -> str:
    return "medfact " + " ".join(sys.argv[1:])


@click.group()
def train() -> None:
    """Train medfact's models on synthetic data from `medfact synth`.

    \b
    Example (the shipped models were made this way; see their model cards):
      medfact synth make --pairs pairs.jsonl --out synth --seed 0
      medfact train verifier --data synth --out medfact/models/verifier-v2 --epochs 1 \\
          --lr 1e-3 --max-length 128 --limit 6000 --supported-ratio 1.5
      medfact train review --data synth --verifier medfact/models/verifier-v2
      medfact train qualifier --data synth --out medfact/models/qualifier-v1.json
      medfact train risk --data synth --out medfact/models/risk-v4.json
    """


@train.command()
@click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(file_okay=False, exists=True),
    help="A `medfact synth` folder (train/valid/test.jsonl).",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Where to write the adapter, head and model card.",
)
@click.option("--epochs", default=2, show_default=True)
@click.option("--lr", default=5e-4, show_default=True)
@click.option("--batch-size", default=32, show_default=True)
@click.option("--max-length", default=160, show_default=True)
@click.option("--rank", default=16, show_default=True, help="LoRA rank.")
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--limit",
    type=int,
    default=None,
    help="A seeded sample of N examples per split (default: all).",
)
@click.option(
    "--supported-ratio",
    default=2.0,
    show_default=True,
    help="At most this many supported pairs per error pair.",
)
@click.option("--device", default=None, help="cpu or cuda (default: cuda when available).")
def verifier(
    data_dir,
    out_dir,
    epochs,
    lr,
    batch_size,
    max_length,
    rank,
    seed,
    limit,
    supported_ratio,
    device,
) -> None:
    """Fine-tune the cross-encoder (LoRA on MiniLM) on claim-level pairs.

    \b
    Example:
      medfact train verifier --data synth --out my-verifier --epochs 2
    """
    from medfact.train.verifier import train_verifier

    try:
        card = train_verifier(
            Path(data_dir),
            Path(out_dir),
            epochs=epochs,
            lr=lr,
            batch_size=batch_size,
            max_length=max_length,
            rank=rank,
            seed=seed,
            limit=limit,
            device=device,
            command=_command(),
            supported_ratio=supported_ratio,
        )
    except MedfactError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps({"metrics": card["metrics"], "thresholds": card["thresholds"]}, indent=2))


@train.command()
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False, exists=True))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
@click.option(
    "--verifier",
    "verifier_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="A trained verifier folder (default: the shipped one).",
)
@click.option("--no-model", is_flag=True, help="Fit on rule findings only (no tier 1).")
@click.option("--limit", type=int, default=None, help="A seeded sample of N examples per split.")
@click.option(
    "--floor-precision",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Over 0: a rule's confident contradictions set a floor under the grade only if at "
    "least this share of them were right on the validation split (fewer false alarms, fewer "
    "caught errors). 0: every rule's do.",
)
def risk(data_dir, out_path, verifier_dir, no_model, limit, floor_precision) -> None:
    """Fit the calibrated risk model (logistic regression, stored as JSON).

    \b
    Example:
      medfact train risk --data synth --out my-risk.json --verifier my-verifier
    """
    from medfact.config import NO_MODEL
    from medfact.train.risk import train_risk

    pipeline = NO_MODEL["pipeline"] if no_model else {"model": "crossencoder.v1"}
    config = {"pipeline": {**pipeline, "scorer": "rules.v1"}}
    if verifier_dir and not no_model:
        config["components"] = {"crossencoder.v1": {"model_dir": verifier_dir}}
    try:
        model = train_risk(
            Path(data_dir),
            Path(out_path),
            engine_config=config,
            limit=limit,
            floor_precision_min=floor_precision,
            command=_command(),
        )
    except MedfactError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(model["metrics"], indent=2))


@train.command()
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False, exists=True))
@click.option(
    "--verifier",
    "verifier_dir",
    required=True,
    type=click.Path(file_okay=False, exists=True),
    help="The trained verifier folder whose model card gets the threshold.",
)
@click.option("--limit", type=int, default=500, show_default=True, help="Validation examples.")
@click.option(
    "--min-recall",
    default=0.9,
    show_default=True,
    help="Keep at least this share of the true findings.",
)
def review(data_dir, verifier_dir, limit, min_recall) -> None:
    """Choose when tier 1 dismisses an unsupported.v1 finding (P(supported) >= t).

    Runs the rules and the verifier on validation examples, picks the threshold with the best
    F1 of those findings that keeps --min-recall of the true ones, and writes it into the
    verifier's model card (thresholds.dismiss_supported).

    \b
    Example:
      medfact train review --data synth --verifier my-verifier
    """
    from medfact.train.review import train_review

    try:
        result = train_review(
            Path(data_dir),
            Path(verifier_dir),
            limit=limit,
            min_recall=min_recall,
            command=_command(),
        )
    except MedfactError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(result, indent=2))


@train.command()
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False, exists=True))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
@click.option(
    "--seeds",
    default=6,
    show_default=True,
    type=click.IntRange(min=1),
    help="Draws of drop_qualifier per clean training output (distinct cuts only).",
)
@click.option(
    "--beta",
    default=0.5,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="The threshold maximises F-beta; under 1 weighs precision more.",
)
@click.option("--limit", type=int, default=None, help="A seeded sample of N examples per split.")
def qualifier(data_dir, out_path, seeds, beta, limit) -> None:
    """Fit the model of qualifier.v1: input qualifiers the output drops (missing context).

    Negatives are the candidates of clean training outputs; positives, the same outputs with a
    qualifier cut out. The threshold is the best F-beta of finding the train split's
    missing-context examples among all others, cross-fitted by document; valid and test are
    reported. Writes JSON (coefficients, scaler, threshold, metrics).

    \b
    Example:
      medfact train qualifier --data synth --out medfact/models/qualifier-v1.json
    """
    from medfact.train.qualifier import train_qualifier

    try:
        model = train_qualifier(
            Path(data_dir),
            Path(out_path),
            seeds=seeds,
            beta=beta,
            limit=limit,
            command=_command(),
        )
    except MedfactError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps({"threshold": model["threshold"], "metrics": model["metrics"]}, indent=2))


def _attach_evaluator() -> None:
    try:
        from medfact.lm.cli import evaluator
    except ImportError:  # the LM tier is optional
        return
    train.add_command(evaluator)


_attach_evaluator()
