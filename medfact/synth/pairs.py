"""Clean (input, output) pairs from the public datasets medfact trains on, and from user JSONL.

Every loader yields :class:`Pair` records; :func:`iter_pairs` dispatches by source name. Data is
read in place (never copied). Pairs whose output is empty are skipped and counted in
:class:`LoadStats`.
"""

from __future__ import annotations

import csv
import json
import logging
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from medfact.errors import ConfigError, InputError

log = logging.getLogger(__name__)

SOURCES = ("mts-dialog", "aci-bench", "medquad", "pubmedqa", "jsonl")

# split name -> file name, per dataset (aliases map onto the canonical name)
_MTS_FILES = {
    "train": "MTS-Dialog-TrainingSet.csv",
    "validation": "MTS-Dialog-ValidationSet.csv",
    "test1": "MTS-Dialog-TestSet-1-MEDIQA-Chat-2023.csv",
    "test2": "MTS-Dialog-TestSet-2-MEDIQA-Sum-2023.csv",
}
_MTS_ALIASES = {"valid": "validation", "val": "validation", "dev": "validation"}
_ACI_FILES = {
    "train": "train.csv",
    "valid": "valid.csv",
    "clinicalnlp_taskB_test1": "clinicalnlp_taskB_test1.csv",
    "clinicalnlp_taskC_test2": "clinicalnlp_taskC_test2.csv",
    "clef_taskC_test3": "clef_taskC_test3.csv",
}
_ACI_ALIASES = {
    "validation": "valid",
    "val": "valid",
    "test1": "clinicalnlp_taskB_test1",
    "test2": "clinicalnlp_taskC_test2",
    "test3": "clef_taskC_test3",
}
_PUBMEDQA_SPLITS = ("train", "test")
_JSONL_FIELDS = {"id", "doc_id", "source", "task", "context", "output"}


@dataclass(frozen=True)
class Pair:
    """One clean (context, output) pair. ``doc_id`` groups pairs that share a source document."""

    id: str
    doc_id: str
    source: str
    task: str
    context: str
    output: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class LoadStats:
    """What a loader read: pairs yielded, empty outputs skipped, and the files it opened."""

    loaded: int = 0
    skipped_empty: int = 0
    files: list[Path] = field(default_factory=list)


def iter_pairs(
    source: str, path: Path | str, split: str | None = None, *, stats: LoadStats | None = None
) -> Iterator[Pair]:
    """Yield the clean pairs of ``source`` read from ``path`` (a dataset folder or one file).

    ``split`` selects one split (dataset-specific names, e.g. ``"validation"`` for MTS-Dialog);
    None reads them all. Pass a :class:`LoadStats` to learn what was skipped and read.
    """
    loaders: dict[str, Callable[[Path, str | None, LoadStats], Iterator[Pair]]] = {
        "mts-dialog": _iter_mts,
        "aci-bench": _iter_aci,
        "medquad": _iter_medquad,
        "pubmedqa": _iter_pubmedqa,
        "jsonl": _iter_jsonl_path,
    }
    if source not in loaders:
        raise ConfigError(
            f"iter_pairs: source must be one of {', '.join(SOURCES)}; received {source!r}"
        )
    stats = stats if stats is not None else LoadStats()
    path = Path(path)
    if str(path) != "-" and not path.exists():
        raise InputError(f"no such file or directory: {path}", field="path")
    yield from loaders[source](path, split, stats)
    if stats.skipped_empty:
        log.info("%s: skipped %d pairs with an empty output", source, stats.skipped_empty)


def _emit(stats: LoadStats, pair: Pair) -> Iterator[Pair]:
    """Yield ``pair`` unless its output is empty (then count it)."""
    if not pair.output.strip():
        stats.skipped_empty += 1
        log.debug("skipping pair %s: empty output", pair.id)
        return
    stats.loaded += 1
    yield pair


def _canonical_split(
    split: str | None, names: Iterable[str], aliases: dict[str, str]
) -> str | None:
    if split is None:
        return None
    canonical = aliases.get(split, split)
    if canonical not in names:
        raise ConfigError(
            f"iter_pairs: split must be one of {', '.join(names)}; received {split!r}"
        )
    return canonical


def _split_files(
    path: Path, split: str | None, files: dict[str, str], aliases: dict[str, str], subdir: str
) -> list[tuple[str, Path]]:
    """(split, CSV file) to read: ``path`` is one CSV, the folder holding them, or its parent."""
    if path.is_file():
        by_name = {name: key for key, name in files.items()}
        return [(by_name.get(path.name, path.stem), path)]
    folder = path / subdir if (path / subdir).is_dir() else path
    wanted = _canonical_split(split, files, aliases)
    chosen = [(k, folder / name) for k, name in files.items() if wanted in (None, k)]
    missing = [str(p) for _, p in chosen if not p.is_file()]
    if missing:
        raise InputError(f"missing data file(s): {', '.join(missing)}", field="path")
    return chosen


def _read_csv(path: Path, stats: LoadStats) -> Iterator[tuple[int, dict[str, str]]]:
    stats.files.append(path)
    csv.field_size_limit(max(csv.field_size_limit(), 10_000_000))
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            yield from enumerate(csv.DictReader(handle), start=1)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 ({exc.reason})", field="path") from exc


def _column(row: dict[str, str], name: str, where: str) -> str:
    value = row.get(name)
    if value is None:
        raise InputError(f"column {name!r} is missing", record=where, field=name)
    return value.strip()


def _iter_mts(path: Path, split: str | None, stats: LoadStats) -> Iterator[Pair]:
    """MTS-Dialog: dialogue -> one note section (``section_text``)."""
    for name, file in _split_files(path, split, _MTS_FILES, _MTS_ALIASES, "Main-Dataset"):
        for line, row in _read_csv(file, stats):
            where = f"{file.name}:{line}"
            pair_id = f"mts-{name}-{_column(row, 'ID', where)}"
            pair = Pair(
                id=pair_id,
                doc_id=pair_id,
                source="mts-dialog",
                task="dialogue_to_note",
                context=_column(row, "dialogue", where),
                output=_column(row, "section_text", where),
            )
            yield from _emit(stats, pair)


def _iter_aci(path: Path, split: str | None, stats: LoadStats) -> Iterator[Pair]:
    """ACI-Bench challenge data: visit conversation -> full clinical note."""
    for _name, file in _split_files(path, split, _ACI_FILES, _ACI_ALIASES, "challenge_data"):
        for line, row in _read_csv(file, stats):
            where = f"{file.name}:{line}"
            pair_id = f"aci-{_column(row, 'encounter_id', where)}"
            pair = Pair(
                id=pair_id,
                doc_id=pair_id,
                source="aci-bench",
                task="dialogue_to_note",
                context=_column(row, "dialogue", where),
                output=_column(row, "note", where),
            )
            yield from _emit(stats, pair)


_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*")


def _tidy(text: str) -> str:
    """Collapse the XML's indentation: runs of spaces to one, blank-line runs to one blank line."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.strip().splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _iter_medquad(path: Path, split: str | None, stats: LoadStats) -> Iterator[Pair]:
    """MedQuAD: question -> answer. ``split`` names one subset folder (e.g. ``5_NIDDK_QA``)."""
    files = [path] if path.is_file() else sorted(path.glob("*/*.xml"))
    if split is not None:
        subsets = sorted({f.parent.name for f in files})
        if split not in subsets:
            raise ConfigError(
                f"iter_pairs: medquad split must be a subset folder ({', '.join(subsets)}); "
                f"received {split!r}"
            )
        files = [f for f in files if f.parent.name == split]
    for file in files:
        stats.files.append(file)
        try:
            root = ET.parse(file).getroot()
        except ET.ParseError as exc:
            raise InputError(f"malformed XML ({exc})", record=str(file)) from exc
        yield from _medquad_document(root, file, stats)


def _medquad_document(root: ET.Element, file: Path, stats: LoadStats) -> Iterator[Pair]:
    doc = root.get("id") or file.stem
    subset = file.parent.name
    for number, qa in enumerate(root.iter("QAPair"), start=1):
        question = qa.find("Question")
        answer = qa.find("Answer")
        qid = question.get("qid") if question is not None else None
        pair = Pair(
            id=f"medquad-{subset}-{qid or f'{doc}-{number}'}",
            doc_id=f"medquad-{subset}-{doc}",
            source="medquad",
            task="qa",
            context=_tidy(question.text or "") if question is not None else "",
            output=_tidy(answer.text or "") if answer is not None else "",
        )
        yield from _emit(stats, pair)


def _iter_pubmedqa(path: Path, split: str | None, stats: LoadStats) -> Iterator[Pair]:
    """PubMedQA (PQA-L): abstract contexts -> long answer (the conclusion).

    ``split="test"`` keeps the PMIDs of ``test_ground_truth.json``; ``"train"`` the others.
    """
    file = path if path.is_file() else path / "ori_pqal.json"
    data = _read_json(file, stats)
    test_ids: set[str] = set()
    if split is not None:
        split = _canonical_split(split, _PUBMEDQA_SPLITS, {})
        test_ids = set(_read_json(file.parent / "test_ground_truth.json", stats))
    for pmid, record in data.items():
        if split is not None and (pmid in test_ids) != (split == "test"):
            continue
        contexts = record.get("CONTEXTS")
        if not isinstance(contexts, list):
            raise InputError("expected a list of strings", record=pmid, field="CONTEXTS")
        pair = Pair(
            id=f"pubmedqa-{pmid}",
            doc_id=f"pubmedqa-{pmid}",
            source="pubmedqa",
            task="abstract_to_conclusion",
            context="\n\n".join(str(c).strip() for c in contexts),
            output=str(record.get("LONG_ANSWER") or "").strip(),
        )
        yield from _emit(stats, pair)


def _read_json(file: Path, stats: LoadStats) -> dict[str, Any]:
    if not file.is_file():
        raise InputError(f"missing data file: {file}", field="path")
    stats.files.append(file)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{file} is not UTF-8 JSON ({exc})", field="path") from exc
    if not isinstance(data, dict):
        raise InputError(f"{file}: expected a JSON object keyed by id", field="path")
    return data


def _iter_jsonl_path(path: Path, split: str | None, stats: LoadStats) -> Iterator[Pair]:
    from medfact.io import iter_jsonl, open_regular

    if split is not None:
        raise ConfigError("iter_pairs: source 'jsonl' has no splits; pass split=None")
    if str(path) == "-":
        yield from _pairs(iter_jsonl(sys.stdin.buffer, default_id=False), "jsonl", stats)
        return
    stats.files.append(path)
    with open_regular(path, field="path") as handle:
        yield from _pairs(iter_jsonl(handle, default_id=False), "jsonl", stats)


def iter_jsonl_pairs(
    lines: Iterable[str | bytes], *, source: str = "jsonl", stats: LoadStats | None = None
) -> Iterator[Pair]:
    """Pairs from JSONL lines (str or bytes) with fields ``id``, ``context``, ``output`` (and
    optionally ``doc_id``, ``source``, ``task``). Unknown fields and repeated ids are errors.
    Lines are read by :func:`medfact.io.iter_jsonl`, as files are."""
    from medfact.io import iter_jsonl

    def pieces() -> Iterator[bytes]:
        for line in lines:
            raw = line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line
            yield raw if raw.endswith((b"\n", b"\r")) else raw + b"\n"

    stats = stats if stats is not None else LoadStats()
    yield from _pairs(iter_jsonl(pieces(), default_id=False), source, stats)


def _pairs(records: Iterable[tuple[int, Any]], source: str, stats: LoadStats) -> Iterator[Pair]:
    seen: set[str] = set()
    for number, record in records:
        if not isinstance(record, dict):  # a RecordError: the line could not be read
            err = InputError(record.error["message"], field=record.error.get("field"))
            err.record = f"line {number}"
            raise err
        _check_fields(record, number)
        pair = _pair_from_record(record, number, source)
        if pair.id in seen:
            raise InputError(f"id {pair.id!r} repeats an earlier record", record=number, field="id")
        seen.add(pair.id)
        yield from _emit(stats, pair)


def _check_fields(record: dict[str, Any], number: int) -> None:
    unknown = sorted(set(record) - _JSONL_FIELDS)
    if unknown:
        raise InputError(
            f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_JSONL_FIELDS))}",
            record=f"line {number}",
            field=unknown[0],
        )


def _pair_from_record(record: dict[str, Any], number: int, source: str) -> Pair:
    where = f"line {number}"
    values: dict[str, str] = {}
    for name in ("id", "context", "output"):
        value = record.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and name == "id":
            value = str(value)
        if not isinstance(value, str):
            raise InputError("required string is missing or not a string", record=where, field=name)
        values[name] = value
    for name in ("doc_id", "source", "task"):
        if record.get(name) is not None and not isinstance(record[name], str):
            raise InputError("must be a string", record=where, field=name)
    return Pair(
        id=values["id"],
        doc_id=record.get("doc_id") or values["id"],
        source=record.get("source") or source,
        task=record.get("task") or "generic",
        context=values["context"],
        output=values["output"],
    )
