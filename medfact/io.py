"""Reading user input without losing records: JSONL lines, CSV rows, TEXT_OR_@FILE values."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from medfact.errors import InputError
from medfact.types import RecordError

MAX_LINE_BYTES = 64 * 1024 * 1024


def read_text_arg(value: str | None, option: str) -> str | None:
    """A literal string, or ``@path`` (``@-`` for stdin) read as strict UTF-8."""
    if value is None or not value.startswith("@"):
        return value
    target = value[1:]
    try:
        data = sys.stdin.buffer.read() if target == "-" else Path(target).read_bytes()
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
