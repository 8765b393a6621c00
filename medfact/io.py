"""Reading user input without losing records: JSONL lines, CSV rows, TEXT_OR_@FILE values."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from medfact.errors import InputError
from medfact.types import Case, RecordError

MAX_LINE_BYTES = 64 * 1024 * 1024
MAX_FILE_BYTES = 256 * 1024 * 1024
_CHUNK = 1 << 20


def read_regular_bytes(
    path: str | Path, *, max_bytes: int = MAX_FILE_BYTES, field: str | None = None
) -> bytes:
    """The bytes of a regular file, refusing devices, FIFOs, sockets and directories, and
    stopping as soon as more than ``max_bytes`` have been read (``st_size`` is not trusted:
    /dev/zero and /proc files report 0). Raises InputError naming the path."""
    import os
    import stat

    from medfact.errors import InputTooLargeError

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
            else "a FIFO" if stat.S_ISFIFO(mode)
            else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "not a regular file"
        )  # fmt: skip
        raise InputError(f"{name!r} is {kind}, not a regular file", field=field)
    with os.fdopen(fd, "rb", buffering=0) as handle:
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


def iter_jsonl(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any] | RecordError]]:
    """(line number, record or RecordError) for each non-blank line; never raises per line."""
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_BYTES:
            err = InputError(
                f"line {number} has {len(raw):,} bytes, over {MAX_LINE_BYTES:,}", record=number
            )
            yield number, RecordError.from_exception(err, None, line=number)
            continue
        try:
            text = decode(raw, field=None, where=f"line {number}", record=number)
            record = json.loads(text)
        except InputError as exc:
            yield number, RecordError.from_exception(exc, None, line=number)
            continue
        except json.JSONDecodeError as exc:
            err = InputError(
                f"line {number} is not valid JSON: {exc.msg} at column {exc.colno}", record=number
            )
            yield number, RecordError.from_exception(err, None, line=number)
            continue
        if not isinstance(record, dict):
            err = InputError(
                f"line {number} must hold a JSON object, got {type(record).__name__}", record=number
            )
            yield number, RecordError.from_exception(err, None, line=number)
            continue
        if "id" not in record:
            record["id"] = str(number)
        yield number, record


def to_case(record: Case | dict[str, Any], position: int | None = None) -> Case:
    """Validate one input record, naming the record and field on failure."""
    if isinstance(record, Case):
        return record
    rid = record.get("id", position) if isinstance(record, dict) else position
    if not isinstance(record, dict):
        raise InputError(f"expected a JSON object, got {type(record).__name__}", record=rid)
    try:
        return Case.model_validate(record)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        kind = err["type"]
        message = {
            "missing": "is required",
            "extra_forbidden": "is not a known field (known: " + ", ".join(Case.model_fields) + ")",
            "string_type": "must be a string",
        }.get(kind, err["msg"])
        raise InputError(message, record=rid, field=field) from None
