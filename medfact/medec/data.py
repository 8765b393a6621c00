"""Read MEDEC notes: the published CSV (as the MEDEC repository ships it) and a JSONL form.

The CSV has the columns ``Text ID, Text, Sentences, Error Flag, Error Type, Error Sentence ID,
Error Sentence, Corrected Sentence, Corrected Text``; only ``Text ID`` and ``Text`` are required
(the 2024 MEDIQA-CORR files lack ``Error Type``; a file to correct needs no labels at all).
``Sentences`` holds one ``<id> <sentence>`` per line, 0-based; a line without a leading number
continues the sentence above it, and blank lines are ignored. Fully blank rows (the published
files end with some) are skipped. Error-free rows have flag 0, sentence id -1 and the literal NA.

A malformed row does not stop reading: it comes out as a :class:`RowError` carrying the row's
first physical line number, so that every row yields exactly one note or one error.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from medfact.errors import InputError
from medfact.taxonomy import MedecType
from medfact.types import Sentence

#: Canonical column names of the MEDEC CSV, keyed by their normalised spelling.
COLUMNS = {
    "textid": "Text ID",
    "text": "Text",
    "sentences": "Sentences",
    "errorflag": "Error Flag",
    "errortype": "Error Type",
    "errorsentenceid": "Error Sentence ID",
    "errorsentence": "Error Sentence",
    "correctedsentence": "Corrected Sentence",
    "correctedtext": "Corrected Text",
}
#: Fields a JSONL note may carry (``id`` or ``text_id`` names it).
JSONL_FIELDS = (
    "id",
    "text_id",
    "text",
    "sentences",
    "error_flag",
    "error_type",
    "error_sentence_id",
    "error_sentence",
    "corrected_sentence",
    "corrected_text",
    "metadata",
)
NA = "NA"
MAX_TEXT_CHARS = 200_000

_SENTENCE_LINE = re.compile(r"(\d+)[ \t]+(.*)")
_NUMBER_ONLY = re.compile(r"(\d+)[ \t]*")


@dataclass
class MedecNote:
    """One clinical text, with its MEDEC labels when the source has them.

    ``sentences`` are the source's own sentences (their ids are what MEDEC scores), each with its
    span in ``text`` (``(-1, -1)`` when it could not be found there); ``None`` when the source
    gave none, in which case a corrector segments the text itself.
    """

    id: str
    text: str
    sentences: list[Sentence] | None = None
    error_flag: bool | None = None
    error_type: MedecType | None = None
    error_sentence_id: int | None = None
    error_sentence: str | None = None
    corrected_sentence: str | None = None
    corrected_text: str | None = None
    line: int | None = None
    metadata: dict = field(default_factory=dict)

    @property
    def labelled(self) -> bool:
        return self.error_flag is not None

    @property
    def reference_correction(self) -> str:
        """The reference correction as MEDEC scores it: ``NA`` for a clean note."""
        if not self.error_flag or not self.corrected_sentence:
            return NA
        return " ".join(self.corrected_sentence.split())


@dataclass
class RowError:
    """An input row that could not be read: where it is and why."""

    id: str | None
    line: int | None
    field: str | None
    message: str
    code: str = InputError.code

    def to_dict(self) -> dict:
        error = {"code": self.code, "field": self.field, "message": self.message}
        if self.line is not None:
            error["line"] = self.line
        return {"id": self.id, "error": error}


# -- sentences -----------------------------------------------------------------------------------


def parse_sentences(cell: str) -> list[tuple[int, str]]:
    """``(id, sentence)`` pairs of a ``Sentences`` cell; continuation lines join the sentence
    above with a space. Raises ``ValueError`` when the cell does not start with a numbered line
    or the numbers are not 0, 1, 2, ..."""
    out: list[tuple[int, str]] = []
    for raw in cell.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue
        m = _SENTENCE_LINE.fullmatch(line) or _NUMBER_ONLY.fullmatch(line)
        number = int(m.group(1)) if m else None
        if m and number == len(out):
            text = m.group(2).strip() if m.re is _SENTENCE_LINE else ""
            out.append((number, text))
        elif out:
            # an unnumbered line, or a number that is part of the text ("14 Hemoglobin" is
            # numbered; "99 mEq/L" after sentence 3 is not sentence 99): a continuation
            out[-1] = (out[-1][0], f"{out[-1][1]} {line}".strip())
        else:
            raise ValueError(f"the first line {line[:40]!r} is not '<id> <sentence>'")
    return out


def locate_sentences(text: str, pieces: list[tuple[int, str]]) -> list[Sentence]:
    """Give each sentence its span in ``text``, searched in order and whitespace-insensitively.
    A sentence not found keeps the span ``(-1, -1)``."""
    out: list[Sentence] = []
    cursor = 0
    for index, sentence in pieces:
        span = _find(text, sentence, cursor)
        if span is None:
            span = _find(text, sentence, 0)
        if span is None:
            out.append(Sentence(index=index, span=(-1, -1), text=sentence))
            continue
        out.append(Sentence(index=index, span=span, text=sentence))
        cursor = span[1]
    return out


def _find(text: str, sentence: str, start: int) -> tuple[int, int] | None:
    words = sentence.split()
    if not words:
        return None
    pattern = r"\s*".join(re.escape(w) for w in words)
    m = re.compile(pattern).search(text, start)
    return (m.start(), m.end()) if m else None


def sentences_for(text: str, cell: str | list | None) -> list[Sentence] | None:
    """Sentences of a note from a ``Sentences`` cell (string) or a JSON list of strings."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, str):
        pieces = parse_sentences(cell)
    else:
        if not all(isinstance(s, str) for s in cell):
            raise ValueError("must be a list of strings")
        pieces = list(enumerate(s.strip() for s in cell))
    if not pieces:
        return None
    return locate_sentences(text, pieces)


# -- field parsing shared by CSV and JSONL -------------------------------------------------------


def _parse_flag(value: object) -> bool | None:
    if value is None or (isinstance(value, str) and value.strip() in ("", NA)):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text in ("0", "1", "0.0", "1.0"):
        return text.startswith("1")
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise ValueError(f"must be 0 or 1, got {text[:20]!r}")


def _parse_int(value: object) -> int | None:
    if value is None or (isinstance(value, str) and value.strip() in ("", NA)):
        return None
    if isinstance(value, bool):
        raise ValueError("must be an integer")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"must be an integer, got {text[:20]!r}") from None
    if number != int(number):
        raise ValueError(f"must be an integer, got {text[:20]!r}")
    return int(number)


def _parse_type(value: object) -> MedecType | None:
    if value is None:
        return None
    text = str(value).strip()
    if text in ("", NA, "nan"):
        return None
    return MedecType.parse(text)


def _optional_text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text in ("", NA) else text


def build_note(values: dict, line: int | None) -> MedecNote:
    """A checked :class:`MedecNote` from normalised field values; raises ``InputError``."""
    note_id = values.get("id")
    record = note_id if note_id else (f"line {line}" if line is not None else None)

    def fail(message: str, field_name: str) -> InputError:
        return InputError(message, record=record, field=field_name)

    if not isinstance(note_id, str) or not note_id.strip():
        raise fail("needs a non-empty text id", "Text ID")
    text = values.get("text")
    if not isinstance(text, str) or not text.strip():
        raise fail("needs a non-empty text", "Text")
    if len(text) > MAX_TEXT_CHARS:
        raise fail(f"text has {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}", "Text")
    if "\x00" in text:
        raise fail("text holds NUL bytes (binary input?)", "Text")
    try:
        sentences = sentences_for(text, values.get("sentences"))
    except ValueError as exc:
        raise fail(str(exc), "Sentences") from None
    parsed: dict = {}
    for key, parser, name in (
        ("error_flag", _parse_flag, "Error Flag"),
        ("error_type", _parse_type, "Error Type"),
        ("error_sentence_id", _parse_int, "Error Sentence ID"),
    ):
        try:
            parsed[key] = parser(values.get(key))
        except ValueError as exc:
            raise fail(str(exc), name) from None
    flag = parsed["error_flag"]
    sid = parsed["error_sentence_id"]
    if flag:
        if sid is None or sid < 0:
            raise fail("a note flagged 1 needs an error sentence id >= 0", "Error Sentence ID")
        if sentences is not None and sid >= len(sentences):
            raise fail(
                f"error sentence id {sid} is beyond the note's {len(sentences)} sentences",
                "Error Sentence ID",
            )
    elif flag is False:
        if sid not in (None, -1):
            raise fail(f"a note flagged 0 needs sentence id -1, got {sid}", "Error Sentence ID")
        sid = -1
    return MedecNote(
        id=note_id.strip(),
        text=text,
        sentences=sentences,
        error_flag=flag,
        error_type=parsed["error_type"] if flag else None,
        error_sentence_id=sid,
        error_sentence=_optional_text(values.get("error_sentence")),
        corrected_sentence=_optional_text(values.get("corrected_sentence")),
        corrected_text=_optional_text(values.get("corrected_text")),
        line=line,
        metadata=dict(values.get("metadata") or {}),
    )


_CSV_KEYS = {
    "Text ID": "id",
    "Text": "text",
    "Sentences": "sentences",
    "Error Flag": "error_flag",
    "Error Type": "error_type",
    "Error Sentence ID": "error_sentence_id",
    "Error Sentence": "error_sentence",
    "Corrected Sentence": "corrected_sentence",
    "Corrected Text": "corrected_text",
}


def _norm_header(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


# -- CSV -----------------------------------------------------------------------------------------


def iter_csv(source: str | Path | Iterable[str]) -> Iterator[MedecNote | RowError]:
    """Notes of a MEDEC CSV, in file order; malformed rows as :class:`RowError`.

    ``source`` is a path or an iterable of lines (an open text file). Raises ``InputError`` only
    when the file as a whole is unusable (unreadable, not UTF-8, no header, missing columns).
    """
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
        try:
            content = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path} is not UTF-8 (byte {exc.start})") from None
        lines: Iterable[str] = io.StringIO(content, newline="")
        where = str(path)
    else:
        lines = source
        where = "input"
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{where} is empty: expected a MEDEC CSV header") from None
    except csv.Error as exc:
        raise InputError(f"{where} line 1: unreadable CSV header ({exc})") from None
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    columns: list[str | None] = []
    seen: set[str] = set()
    for name in header:
        canonical = COLUMNS.get(_norm_header(name))
        if canonical in seen:
            raise InputError(f"{where}: column {canonical!r} appears twice", field=canonical)
        if canonical:
            seen.add(canonical)
        columns.append(canonical)
    for required in ("Text ID", "Text"):
        if required not in seen:
            raise InputError(
                f"{where}: no {required!r} column; the header has {', '.join(header)!r}",
                field=required,
            )
    ids: set[str] = set()
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RowError(None, line, None, f"line {line}: malformed CSV ({exc})")
            line = reader.line_num + 1
            continue
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue  # blank rows, such as the published files' trailing ones
        if len(row) != len(header):
            yield RowError(
                row[0].strip() or None if row else None,
                start,
                None,
                f"line {start}: expected {len(header)} columns, found {len(row)}",
            )
            continue
        values = {_CSV_KEYS[c]: cell for c, cell in zip(columns, row, strict=True) if c}
        try:
            note = build_note(values, start)
        except InputError as exc:
            yield RowError(
                values.get("id") or None, start, exc.field, f"line {start}: {exc.message}"
            )
            continue
        if note.id in ids:
            yield RowError(
                note.id, start, "Text ID", f"line {start}: duplicate text id {note.id!r}"
            )
            continue
        ids.add(note.id)
        yield note


# -- JSONL ---------------------------------------------------------------------------------------


def iter_jsonl(source: str | Path | Iterable[str | bytes]) -> Iterator[MedecNote | RowError]:
    """Notes from JSON lines: ``id`` (or ``text_id``), ``text``, optional ``sentences`` (a list
    of strings or a MEDEC ``Sentences`` string) and MEDEC labels (``error_flag``, ``error_type``,
    ``error_sentence_id``, ``error_sentence``, ``corrected_sentence``, ``corrected_text``).
    Blank lines are skipped; a bad line comes out as a :class:`RowError` naming it."""
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
        with handle:
            yield from _notes_from_jsonl(handle)
        return
    pieces = (
        (raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")) + b"\n"
        for raw in source
    )
    yield from _notes_from_jsonl(pieces)


def _notes_from_jsonl(stream: Iterable[bytes] | IO[bytes]) -> Iterator[MedecNote | RowError]:
    """Notes from the records of the shared JSONL reader (:func:`medfact.io.iter_jsonl`)."""
    from medfact.io import iter_jsonl as read_records

    ids: set[str] = set()
    for number, record in read_records(stream, default_id=False):
        if not isinstance(record, dict):
            err = record.error
            message = str(err.get("message", "unreadable line"))
            if not message.startswith(f"line {number}"):
                message = f"line {number}: {message}"
            yield RowError(
                record.id, number, err.get("field"), message, str(err.get("code", InputError.code))
            )
            continue
        unknown = sorted(set(record) - set(JSONL_FIELDS))
        rid = record.get("id", record.get("text_id"))
        rid = str(rid) if isinstance(rid, int | str) and not isinstance(rid, bool) else None
        if unknown:
            yield RowError(
                rid,
                number,
                unknown[0],
                f"line {number}: unknown field {unknown[0]!r}; allowed: {', '.join(JSONL_FIELDS)}",
            )
            continue
        if "id" in record and "text_id" in record:
            yield RowError(rid, number, "text_id", f"line {number}: both 'id' and 'text_id'")
            continue
        if record.get("metadata") is not None and not isinstance(record["metadata"], dict):
            yield RowError(rid, number, "metadata", f"line {number}: 'metadata' must be an object")
            continue
        values = dict(record)
        values["id"] = rid
        values.pop("text_id", None)
        if values.get("sentences") is not None and not isinstance(values["sentences"], str | list):
            yield RowError(rid, number, "sentences", f"line {number}: 'sentences' must be a list")
            continue
        if values.get("text") is not None and not isinstance(values["text"], str):
            yield RowError(rid, number, "text", f"line {number}: 'text' must be a string")
            continue
        try:
            note = build_note(values, number)
        except InputError as exc:
            yield RowError(rid, number, exc.field, f"line {number}: {exc.message}")
            continue
        if note.id in ids:
            yield RowError(note.id, number, "id", f"line {number}: duplicate id {note.id!r}")
            continue
        ids.add(note.id)
        yield note


def read_notes(path: str | Path) -> Iterator[MedecNote | RowError]:
    """Notes from a ``.csv`` (MEDEC) or ``.jsonl``/``.ndjson`` file, by its suffix."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return iter_csv(path)
    if suffix in (".jsonl", ".ndjson"):
        return iter_jsonl(path)
    raise InputError(f"cannot read {path}: expected a .csv (MEDEC) or .jsonl file")


def load_notes(path: str | Path) -> tuple[list[MedecNote], list[RowError]]:
    """All notes and row errors of a file (see :func:`read_notes`)."""
    notes: list[MedecNote] = []
    errors: list[RowError] = []
    for item in read_notes(path):
        (notes if isinstance(item, MedecNote) else errors).append(item)
    return notes, errors
