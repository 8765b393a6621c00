"""``medfact corpus``: build, search and list persisted evidence indexes.

Data goes to stdout, progress and errors to stderr. Exit status: 0 success, 2 bad usage or a
corpus/input error (one line on stderr).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from medfact.errors import MedfactError

HOME_HELP = (
    "Index home (default: $MEDFACT_HOME, else ~/.cache/medfact); indexes go in HOME/corpora."
)
home_option = click.option(
    "--home", type=click.Path(file_okay=False, path_type=Path), default=None, help=HOME_HELP
)


class CorpusCliError(click.ClickException):
    """One-line error, exit status 2."""

    exit_code = 2


def _fail(exc: MedfactError) -> CorpusCliError:
    return CorpusCliError(exc.message)


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _human(n_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n_bytes < 1024 or unit == "GB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.1f} GB"


@click.group(
    "corpus",
    epilog="""\b
Example:
  medfact corpus build medquad --from ../shared/data/medquad
  medfact corpus search medquad "symptoms of acromegaly" -k 3
  medfact corpus list""",
)
def corpus() -> None:
    """Build, search and list BM25 evidence indexes (MedQuAD, PubMedQA, your own JSONL)."""


@corpus.command(
    "build",
    epilog="""\b
Exit status: 0 built, 2 bad input or an index already there (without --force).
\b
Example:
  medfact corpus build pubmedqa --from ../shared/data/pubmedqa/ori_pqal.json --home /tmp/mf""",
)
@click.argument("name")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(path_type=Path),
    help="A MedQuAD folder, PubMedQA ori_pqal.json, or a JSONL file of passages.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "medquad", "pubmedqa", "jsonl"]),
    default="auto",
    show_default=True,
    help="Input format; auto detects it from the path.",
)
@click.option("--include-conclusion", is_flag=True, help="PubMedQA: also index each LONG_ANSWER.")
@click.option("--force", is_flag=True, help="Replace an index of the same name.")
@home_option
def build_cmd(
    name: str, source: Path, fmt: str, include_conclusion: bool, force: bool, home: Path | None
) -> None:
    """Index the passages at --from as corpus NAME.

    JSONL lines hold "id" (or "doc_id"), "text", and optionally "title" and "metadata".
    """
    from medfact.corpora.bm25 import BM25Corpus, corpus_dir
    from medfact.corpora.loaders import LoadReport, detect_format, load_passages

    try:
        directory = corpus_dir(name, home)
        if (directory / "manifest.json").exists() and not force:
            raise CorpusCliError(f"corpus {name!r} already exists at {directory}; pass --force")
        if not source.exists():
            raise CorpusCliError(f"--from {source} does not exist")
        fmt = detect_format(source) if fmt == "auto" else fmt
        click.echo(f"building {name!r} from {source} ({fmt})", err=True)
        report = LoadReport()
        passages = load_passages(source, fmt, report, include_conclusion=include_conclusion)
        started = time.perf_counter()
        index = BM25Corpus.build(
            name,
            passages,
            directory,
            overwrite=True,
            progress=lambda n: click.echo(f"  {n:,} passages", err=True) if n % 5000 == 0 else None,
        )
    except MedfactError as exc:
        raise _fail(exc) from None
    seconds = time.perf_counter() - started
    if report.skipped_files:
        click.echo(f"  skipped {report.skipped_files} malformed file(s)", err=True)
    click.echo(
        f"built {name!r}: {len(index):,} passages from {report.files:,} file(s) "
        f"in {seconds:.1f} s, {_human(_size(directory))} at {directory}",
        err=True,
    )


@corpus.command(
    "search",
    epilog="""\b
Exit status: 0 searched (even with no match), 2 a missing or broken index.
\b
Example:
  medfact corpus search medquad "vitamin D deficiency" -k 3 --format json""",
)
@click.argument("name")
@click.argument("query")
@click.option(
    "-k", "k", type=click.IntRange(1, 1000), default=5, show_default=True, help="Passages to show."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people; json: a list of Evidence objects.",
)
@home_option
def search_cmd(name: str, query: str, k: int, fmt: str, home: Path | None) -> None:
    """Print the K passages of corpus NAME that best match QUERY."""
    from medfact.corpora.bm25 import BM25Corpus, corpus_dir

    try:
        index = BM25Corpus.load(corpus_dir(name, home))
        hits = [(index.passage(number), score) for number, score in index.top(query, k)]
        results = [index.evidence(passage, score) for passage, score in hits]
    except MedfactError as exc:
        raise _fail(exc) from None
    if fmt == "json":
        click.echo(json.dumps([e.to_dict() for e in results], ensure_ascii=False, indent=2))
        return
    if not results:
        click.echo(f"no passage of {name!r} matches the query", err=True)
    for rank, (evidence, (passage, _)) in enumerate(zip(results, hits, strict=True), 1):
        snippet = " ".join(evidence.text.split())
        snippet = snippet if len(snippet) <= 240 else snippet[:239] + "…"
        click.echo(f"{rank:>2}. {evidence.score:7.3f}  {evidence.doc_id}")
        if passage.title:
            click.echo(f"    {passage.title}")
        click.echo(f"    {snippet}")


@corpus.command(
    "list",
    epilog="""\b
Example:
  medfact corpus list --home /tmp/mf --format json""",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one tab-separated line per index; json: a list of objects.",
)
@home_option
def list_cmd(fmt: str, home: Path | None) -> None:
    """List the indexes under the index home; broken ones say why."""
    from medfact.corpora.bm25 import medfact_home, read_manifest

    root = medfact_home(home) / "corpora"
    rows = []
    for directory in sorted(p for p in root.glob("*") if p.is_dir() and not p.name.startswith(".")):
        row: dict[str, object] = {"name": directory.name, "path": str(directory)}
        try:
            manifest = read_manifest(directory)
        except MedfactError as exc:
            row["error"] = exc.message
        else:
            size = _size(directory)
            row.update(
                passages=manifest["passages"],
                bytes=size,
                size=_human(size),
                built_at=manifest.get("built_at"),
                medfact_version=manifest.get("medfact_version"),
            )
        rows.append(row)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(f"no corpus index under {root}", err=True)
    for row in rows:
        if "error" in row:
            click.echo(f"{row['name']}\tbroken: {row['error']}")
        else:
            click.echo(
                f"{row['name']}\t{row['passages']:,} passages\t{row['size']}\t{row['built_at']}"
            )
