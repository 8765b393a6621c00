"""Passages from the corpora medfact knows: MedQuAD XML, PubMedQA's ori_pqal.json, and JSONL.

Loaders read files in place and yield ``Passage`` objects in a stable (sorted) order; they never
copy data anywhere. A ``LoadReport`` passed in is filled with what was read and skipped.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from medfact.errors import CorpusError, InputError
from medfact.registry import corpora

from .bm25 import Passage

log = logging.getLogger(__name__)

FORMATS = ("medquad", "pubmedqa", "jsonl")
JSONL_FIELDS = ("id", "doc_id", "text", "title", "metadata")
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass
class LoadReport:
    """Counts from one loader run."""

    files: int = 0
    passages: int = 0
    skipped_files: int = 0
    skipped_records: int = 0


def _clean(text: str) -> str:
    """Strip each line and keep at most one blank line between paragraphs."""
    lines = "\n".join(line.strip() for line in text.strip().splitlines())
    return _BLANK_LINES.sub("\n\n", lines)


def iter_medquad(root: Path, report: LoadReport | None = None) -> Iterator[Passage]:
    """One passage per QAPair with a non-empty answer, from every ``*.xml`` under ``root`` (the
    MedQuAD folder or one subset folder). ``doc_id`` is ``"<source>/<file stem>#<qid>"``: file
    stems and qids repeat across subsets. Malformed files are skipped and counted."""
    report = report if report is not None else LoadReport()
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"MedQuAD folder {root} does not exist")
    for path in sorted(root.rglob("*.xml")):
        report.files += 1
        try:
            document = ET.parse(path).getroot()
        except (ET.ParseError, OSError, UnicodeDecodeError):
            report.skipped_files += 1
            log.warning("skipped malformed MedQuAD file %s", path.name)
            continue
        source = document.get("source") or path.parent.name
        focus = (document.findtext("Focus") or "").strip()
        for pair in document.iter("QAPair"):
            answer = _clean(pair.findtext("Answer") or "")
            question_el = pair.find("Question")
            if not answer or question_el is None:
                report.skipped_records += 1
                continue
            question = " ".join((question_el.text or "").split())
            qid = question_el.get("qid") or pair.get("pid") or str(report.passages)
            title = f"{focus}: {question}" if focus and question else (focus or question or None)
            report.passages += 1
            yield Passage(
                doc_id=f"{source}/{path.stem}#{qid}",
                text=answer,
                title=title,
                metadata={
                    "source": source,
                    "focus": focus or None,
                    "question": question,
                    "qtype": question_el.get("qtype"),
                    "url": document.get("url"),
                    "file": f"{path.parent.name}/{path.name}",
                },
            )


def iter_pubmedqa(
    path: Path, include_conclusion: bool = False, report: LoadReport | None = None
) -> Iterator[Passage]:
    """One passage per PMID: the abstract's CONTEXTS joined, titled by its QUESTION. With
    ``include_conclusion`` the LONG_ANSWER is a second passage, ``"<PMID>#conclusion"``."""
    report = report if report is not None else LoadReport()
    data = _read_json(Path(path))
    if not isinstance(data, dict):
        raise CorpusError(f"{path} is not a PubMedQA file: expected an object keyed by PMID")
    report.files += 1
    for pmid, record in data.items():
        if not isinstance(record, dict):
            raise InputError("expected an object", record=pmid)
        contexts = record.get("CONTEXTS")
        if not isinstance(contexts, list) or not all(isinstance(c, str) for c in contexts):
            raise InputError("expected a list of strings", record=pmid, field="CONTEXTS")
        question = record.get("QUESTION")
        metadata = {
            "final_decision": record.get("final_decision"),
            "year": record.get("YEAR"),
            "labels": record.get("LABELS"),
            "meshes": record.get("MESHES"),
        }
        text = "\n".join(c.strip() for c in contexts if c.strip())
        if not text:
            report.skipped_records += 1
            continue
        report.passages += 1
        yield Passage(doc_id=str(pmid), text=text, title=question, metadata=metadata)
        conclusion = record.get("LONG_ANSWER")
        if include_conclusion and isinstance(conclusion, str) and conclusion.strip():
            report.passages += 1
            yield Passage(
                doc_id=f"{pmid}#conclusion",
                text=conclusion.strip(),
                title=question,
                metadata={"final_decision": record.get("final_decision"), "part": "conclusion"},
            )


def iter_jsonl(path: Path, report: LoadReport | None = None) -> Iterator[Passage]:
    """Passages from JSON lines with ``id`` (or ``doc_id``), ``text``, optional ``title`` and
    ``metadata``, read by :func:`medfact.io.iter_jsonl` (bounded lines; LF, CRLF or CR ends).
    Blank lines are skipped; any bad line raises ``InputError`` naming it."""
    from medfact.io import iter_jsonl as read_jsonl
    from medfact.io import open_regular

    report = report if report is not None else LoadReport()
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"JSONL file {path} does not exist")
    report.files += 1
    with open_regular(path, field="path") as handle:
        for number, record in read_jsonl(handle, default_id=False):
            if not isinstance(record, dict):  # a RecordError: the line could not be read
                raise InputError(
                    f"{path.name} {record.error['message']}",
                    record=number,
                    field=record.error.get("field"),
                )
            report.passages += 1
            yield _jsonl_passage(record, number, path)


def _jsonl_passage(record: dict[str, Any], number: int, path: Path) -> Passage:
    where = f"{path.name} line {number}"
    unknown = sorted(set(record) - set(JSONL_FIELDS))
    if unknown:
        raise InputError(
            f"{where} has unknown field {unknown[0]!r}; allowed: {', '.join(JSONL_FIELDS)}",
            record=number,
            field=unknown[0],
        )
    if "id" in record and "doc_id" in record:
        raise InputError(f"{where} has both 'id' and 'doc_id'", record=number, field="doc_id")
    key = "id" if "id" in record else "doc_id"
    doc_id = record.get(key)
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise InputError(f"{where} needs a non-empty string 'id'", record=number, field=key)
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where} needs a non-empty string 'text'", record=number, field="text")
    title = record.get("title")
    if title is not None and not isinstance(title, str):
        raise InputError(f"{where}: 'title' must be a string", record=number, field="title")
    metadata = record.get("metadata")
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict):
        raise InputError(f"{where}: 'metadata' must be an object", record=number, field="metadata")
    return Passage(doc_id=doc_id, text=text, title=title, metadata=metadata)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        raise CorpusError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path} is not readable JSON ({exc})") from None


def detect_format(path: Path) -> str:
    """The format of ``path``: "medquad" (a folder of XML), "pubmedqa" (a JSON object keyed by
    PMID) or "jsonl" (a .jsonl file)."""
    path = Path(path)
    if path.is_dir():
        if next(path.rglob("*.xml"), None) is not None:
            return "medquad"
        raise CorpusError(f"cannot tell the format of folder {path}: it holds no XML files")
    if not path.is_file():
        raise CorpusError(f"{path} does not exist")
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return "jsonl"
    if path.suffix.lower() == ".json":
        data = _read_json(path)
        if (
            isinstance(data, dict)
            and data
            and all(
                k.isdigit() and isinstance(v, dict) and "CONTEXTS" in v for k, v in data.items()
            )
        ):
            return "pubmedqa"
    raise CorpusError(f"cannot tell the format of {path}; name one with --format ({FORMATS})")


def load_passages(
    path: Path,
    fmt: str = "auto",
    report: LoadReport | None = None,
    include_conclusion: bool = False,
) -> Iterator[Passage]:
    """Passages from ``path`` in format ``fmt`` ("auto" detects it). ``include_conclusion``
    applies to PubMedQA only."""
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt == "medquad":
        return iter_medquad(path, report=report)
    if fmt == "pubmedqa":
        return iter_pubmedqa(path, include_conclusion, report=report)
    if fmt == "jsonl":
        return iter_jsonl(path, report=report)
    raise CorpusError(f"unknown corpus format {fmt!r}; known: auto, {', '.join(FORMATS)}")


@corpora.register("medquad.v1")
def medquad_loader() -> Callable[[Path], Iterator[Passage]]:
    """Loader of MedQuAD XML folders."""
    return iter_medquad


@corpora.register("pubmedqa.v1")
def pubmedqa_loader(include_conclusion: bool = False) -> Callable[[Path], Iterator[Passage]]:
    """Loader of PubMedQA ori_pqal.json files."""
    return partial(iter_pubmedqa, include_conclusion=include_conclusion)


@corpora.register("jsonl.v1")
def jsonl_loader() -> Callable[[Path], Iterator[Passage]]:
    """Loader of passage JSONL files."""
    return iter_jsonl
