"""Reading user input without losing records, and writing results that always serialise.

Readers: :func:`iter_jsonl` (the one JSONL reader: bounded lines, every failure a RecordError),
:func:`read_regular_bytes` and :func:`read_text_arg` (TEXT_OR_@FILE values), :func:`open_regular`
(a regular file opened for streaming), :func:`to_case` (one record -> Case).

Lone surrogates (``"\\ud800"`` in a JSON string) are refused: the record becomes an error naming
the field, because such a string is not Unicode text and no UTF-8 writer can hold it. Writers
(:func:`result_json`, :func:`printable`) never fail on them either, for values made elsewhere.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ValidationError

from medfact.errors import InputError, InputTooLargeError
from medfact.types import Case, RecordError

log = logging.getLogger("medfact")

MAX_LINE_BYTES = 64 * 1024 * 1024
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 64
"""How deep JSON objects and arrays of one record may nest (a Case needs 2)."""
_CHUNK = 1 << 20


def read_regular_bytes(
    path: str | Path, *, max_bytes: int = MAX_FILE_BYTES, field: str | None = None
) -> bytes:
    """The bytes of a regular file, refusing devices, FIFOs, sockets and directories, and
    stopping as soon as more than ``max_bytes`` have been read (``st_size`` is not trusted:
    /dev/zero and /proc files report 0). Raises InputError naming the path."""
    name = str(path)
    with open_regular(path, field=field, buffering=0) as handle:
        chunks, total = [], 0
        while True:
            chunk = handle.read(min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise InputTooLargeError(
                    f"{name!r} is over the limit of {max_bytes:,} bytes", field=field
                )
    return b"".join(chunks)


def open_regular(path: str | Path, *, field: str | None = None, buffering: int = -1) -> IO[bytes]:
    """``path`` opened for binary reading if it is a regular file; devices, FIFOs, sockets and
    directories are refused with an InputError naming the path (opening never blocks)."""
    import os
    import stat

    name = str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; the fstat below refuses it
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"cannot read {name!r}: {exc.strerror}", field=field) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = (
            "a directory" if stat.S_ISDIR(mode)
            else "a FIFO (read a pipe with '-' as stdin)" if stat.S_ISFIFO(mode)
            else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "not a regular file"
        )  # fmt: skip
        raise InputError(f"{name!r} is {kind}, not a regular file", field=field)
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb", buffering=buffering)


def read_text_arg(value: str | None, option: str) -> str | None:
    """A literal string, or ``@path`` (``@-`` for stdin) read as strict UTF-8."""
    if value is None or not value.startswith("@"):
        return value
    target = value[1:]
    try:
        if target == "-":
            data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                raise InputError(
                    f"stdin is over the limit of {MAX_FILE_BYTES:,} bytes", field=option
                )
        else:
            data = read_regular_bytes(target, field=option)
    except OSError as exc:
        raise InputError(f"cannot read {target!r}: {exc.strerror}", field=option) from None
    return decode(data, field=option, where=f"file {target!r}")


def decode(data: bytes, *, field: str | None, where: str, record: Any = None) -> str:
    if b"\x00" in data[:8192]:
        raise InputError(f"{where} looks binary (NUL bytes), not text", record=record, field=field)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{where} is not valid UTF-8 (byte {exc.start})", record=record, field=field
        ) from None


# --------------------------------------------------------------------------- JSON Lines

_LINE_END = re.compile(rb"\r\n|\r|\n")
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAYBE_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")


def _chunks(source: IO[bytes] | Iterable[bytes], size: int) -> Iterator[bytes]:
    read = getattr(source, "read", None)
    if read is None:
        yield from source  # already pieces (lines or chunks); they are split again below
        return
    while True:
        chunk = read(size)
        if not chunk:
            return
        yield chunk


def iter_lines(
    source: IO[bytes] | Iterable[bytes],
    *,
    max_line_bytes: int = MAX_LINE_BYTES,
    chunk_size: int = _CHUNK,
) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, bytes or None when over ``max_line_bytes``, length) per line of a byte
    stream, read ``chunk_size`` bytes at a time. Lines end at LF, CRLF or a lone CR. An
    over-long line is dropped as it is read, so memory stays under the cap plus one chunk."""
    buf = bytearray()
    length = 0  # bytes of the current line, also those dropped
    number = 0
    after_cr = False  # the previous chunk ended in CR: a leading LF belongs to it
    for chunk in _chunks(source, chunk_size):
        start = 0
        if after_cr and chunk[:1] == b"\n":
            start = 1
        after_cr = False
        for match in _LINE_END.finditer(chunk, start):
            piece = chunk[start : match.start()]
            length += len(piece)
            number += 1
            yield number, (bytes(buf) + piece if length <= max_line_bytes else None), length
            buf.clear()
            length = 0
            start = match.end()
        if chunk.endswith(b"\r"):
            after_cr = True
        rest = chunk[start:]
        length += len(rest)
        if length <= max_line_bytes:
            buf += rest
        else:
            buf.clear()
    if length or buf:
        number += 1
        yield number, (bytes(buf) if length <= max_line_bytes else None), length


def _problem(value: Any, max_depth: int) -> tuple[str | None, str] | None:
    """(field path, what is wrong) for the first lone surrogate or over-deep nesting."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return path or None, "holds a lone surrogate (\\ud800-\\udfff), not Unicode text"
        elif isinstance(item, dict | list):
            if depth >= max_depth:
                top = re.split(r"[.\[]", path, maxsplit=1)[0]
                return top or None, f"nests deeper than {max_depth} levels"
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str) and _SURROGATE.search(key):
                    where = f"{path}.{escape_surrogates(key)}" if path else escape_surrogates(key)
                    return where, "has a name with a lone surrogate, not Unicode text"
                sub = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key
                stack.append((child, sub, depth + 1))
    return None


def escape_surrogates(text: str) -> str:
    """``text`` with each lone surrogate written as ``\\udXXX`` (so UTF-8 can hold it)."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _record_id(record: Any) -> str | None:
    rid = record.get("id") if isinstance(record, dict) else None
    if isinstance(rid, bool) or not isinstance(rid, str | int):
        return None
    return escape_surrogates(str(rid)) if isinstance(rid, str) else str(rid)


def parse_line(
    raw: bytes, number: int, *, max_depth: int = MAX_DEPTH
) -> dict[str, Any] | RecordError:
    """One JSONL line as a dict, or the RecordError that says why it cannot be one."""

    def error(message: str, field: str | None = None, rid: str | None = None) -> RecordError:
        exc = InputError(message, record=number, field=field)
        return RecordError.from_exception(exc, rid, line=number)

    if b"\x00" in raw:
        return error(f"line {number} looks binary (NUL bytes), not text")
    try:
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return error(f"line {number} is not UTF-8 (bad byte at {exc.start + 1})")
    if number != 1 and text.startswith("\ufeff"):
        text = text[1:]
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return error(f"line {number} is not valid JSON: {exc.msg} at column {exc.colno}")
    except RecursionError:
        return error(f"line {number} nests JSON too deeply to read")
    except ValueError as exc:  # an integer over Python's digit limit
        reason = "a number with too many digits" if "digit" in str(exc) else str(exc)
        return error(f"line {number} is not usable JSON: {reason}")
    if not isinstance(record, dict):
        return error(f"line {number} must hold a JSON object, got {type(record).__name__}")
    if _MAYBE_SURROGATE.search(raw) or raw.count(b"{") + raw.count(b"[") > max_depth:
        found = _problem(record, max_depth)
        if found is not None:
            field, what = found
            return error(
                f"line {number}: {field or 'the record'} {what}", field, _record_id(record)
            )
    return record


def iter_jsonl(
    source: IO[bytes] | Iterable[bytes],
    *,
    default_id: bool = True,
    max_line_bytes: int = MAX_LINE_BYTES,
    chunk_size: int = _CHUNK,
    max_depth: int = MAX_DEPTH,
) -> Iterator[tuple[int, dict[str, Any] | RecordError]]:
    """(line number, record or RecordError) for each non-blank line of a byte stream (or an
    iterable of byte pieces); never raises for a line. Lines end at LF, CRLF or a lone CR and
    are capped at ``max_line_bytes`` while they are read. A line fails, as its RecordError, when
    it is too long, holds NUL bytes or invalid UTF-8, is not JSON or not an object, nests
    deeper than ``max_depth``, holds an integer over Python's digit limit, or a lone surrogate.
    With ``default_id``, a record without ``"id"`` takes its line number as id."""
    for number, raw, length in iter_lines(
        source, max_line_bytes=max_line_bytes, chunk_size=chunk_size
    ):
        if raw is None:
            err = InputTooLargeError(
                f"line {number} has {length:,} bytes, over {max_line_bytes:,}", record=number
            )
            yield number, RecordError.from_exception(err, None, line=number)
            continue
        if not raw.strip():
            continue
        record = parse_line(raw, number, max_depth=max_depth)
        if default_id and isinstance(record, dict) and "id" not in record:
            record["id"] = str(number)
        yield number, record


# --------------------------------------------------------------------------- records -> cases

_CASE_FIELDS = tuple(Case.model_fields)
_CASE_FIELD_SET = frozenset(_CASE_FIELDS)  # read once: the class attribute is a property


def to_case(
    record: Case | dict[str, Any],
    position: int | None = None,
    *,
    strict: bool = False,
    warned: set[str] | None = None,
) -> Case:
    """Validate one input record, naming the record and field on failure.

    Fields a Case does not know are kept as ``metadata`` entries (a file medfact wrote, such as
    ``synth pairs`` output, stays readable) with one warning per ``warned`` set (one a process
    when None); ``strict`` refuses them instead. An unknown field whose name is already a
    metadata key is refused (neither value would be kept whole)."""
    if isinstance(record, Case):
        return record
    rid = record.get("id", position) if isinstance(record, dict) else position
    if not isinstance(record, dict):
        raise InputError(f"expected a JSON object, got {type(record).__name__}", record=rid)
    unknown = [k for k in record if k not in _CASE_FIELD_SET]
    if unknown and not strict:
        metadata = record.get("metadata")
        metadata = {} if metadata is None else metadata
        if isinstance(metadata, dict):
            clash = [k for k in unknown if k in metadata]
            if clash:
                raise InputError(
                    "is both a field and a metadata key; keep one", record=rid, field=clash[0]
                )
            moved = {k: record[k] for k in unknown}
            record = {k: v for k, v in record.items() if k not in moved}
            record["metadata"] = {**metadata, **moved}
            _warn_unknown(unknown, rid, _WARNED if warned is None else warned)
    return _validate(record, rid)


_WARNED: set[str] = set()


def _warn_unknown(fields: list[str], rid: Any, warned: set[str]) -> None:
    if warned:
        warned.update(fields)
        return
    warned.update(fields)
    names = ", ".join(repr(escape_surrogates(str(f))) for f in fields)
    log.warning(
        "record %s: unknown field(s) %s kept as metadata (known: %s); further unknown fields "
        "are not reported; --strict refuses them",
        rid,
        names,
        ", ".join(_CASE_FIELDS),
    )


def _validate(record: dict[str, Any], rid: Any) -> Case:
    try:
        return Case.model_validate(record)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        kind = err["type"]
        message = {
            "missing": "is required",
            "extra_forbidden": "is not a known field (known: " + ", ".join(_CASE_FIELDS) + ")",
            "string_type": "must be a string",
        }.get(kind, err["msg"])
        raise InputError(message, record=rid, field=field) from None


# --------------------------------------------------------------------------- writers

_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_CONTROL_LINE = re.compile(_CONTROL.pattern[:-1] + "\\n\\t]")


def _escape_char(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` safe for a terminal: control characters (ESC, CR, C1, ...), bidirectional
    overrides and lone surrogates written as ``\\xNN``/``\\uNNNN``. Newlines and tabs are kept,
    unless ``one_line`` (ids, file names, messages: nothing may start a forged line)."""
    pattern = _CONTROL_LINE if one_line else _CONTROL
    return pattern.sub(lambda m: _escape_char(m.group()), text)


def printable_offsets(text: str) -> tuple[str, list[int]]:
    """``printable(text)`` and, for each offset 0..len(text) of ``text``, its offset in it (so
    spans into the text can be drawn on the escaped copy)."""
    if not _CONTROL.search(text):
        return text, list(range(len(text) + 1))
    out: list[str] = []
    offsets: list[int] = []
    at = 0
    for ch in text:
        offsets.append(at)
        piece = _escape_char(ch) if _CONTROL.fullmatch(ch) else ch
        out.append(piece)
        at += len(piece)
    offsets.append(at)
    return "".join(out), offsets


def result_json(result: BaseModel, *, indent: int | None = None) -> str:
    """A result (Assessment, RecordError, ...) as JSON. Pydantic's own serialiser for valid
    text (the output stays byte-identical); ASCII escapes when a string cannot be UTF-8."""
    try:
        return result.model_dump_json(indent=indent)
    except (ValueError, TypeError):  # PydanticSerializationError: a lone surrogate
        data = result.model_dump(mode="json")
        if indent is None:
            return json.dumps(data, ensure_ascii=True, separators=(",", ":"))
        return json.dumps(data, ensure_ascii=True, indent=indent)
