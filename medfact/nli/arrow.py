"""A small reader for Apache Arrow IPC stream files of string and list-of-string columns.

MedHallu ships as a Hugging Face ``datasets`` Arrow file; ``pyarrow`` is not a medfact dependency,
so this reads the subset of the format such a file uses: uncompressed record batches whose
columns are ``utf8``, ``large_utf8`` or ``list``/``large_list`` of those. Anything else raises
:class:`~medfact.errors.InputError` naming the file and the column.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medfact.errors import InputError

_CONTINUATION = 0xFFFFFFFF
# Arrow's flatbuffer enums (Schema.fbs / Message.fbs)
_HEADER_SCHEMA, _HEADER_BATCH = 1, 3
_TYPE_UTF8, _TYPE_LIST, _TYPE_LARGE_UTF8, _TYPE_LARGE_LIST = 5, 12, 20, 21


class _Table:
    """A flatbuffer table: fields read through its vtable."""

    def __init__(self, buf: bytes, pos: int) -> None:
        self.buf = buf
        self.pos = pos
        vtable = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vt_len = struct.unpack_from("<H", buf, vtable)[0]
        self.vtable = vtable

    def _offset(self, index: int) -> int:
        slot = 4 + 2 * index
        if slot >= self.vt_len:
            return 0
        return struct.unpack_from("<H", self.buf, self.vtable + slot)[0]

    def scalar(self, index: int, fmt: str, default: int = 0) -> int:
        off = self._offset(index)
        return struct.unpack_from(fmt, self.buf, self.pos + off)[0] if off else default

    def table(self, index: int) -> _Table | None:
        off = self._offset(index)
        if not off:
            return None
        at = self.pos + off
        return _Table(self.buf, at + struct.unpack_from("<I", self.buf, at)[0])

    def _vector(self, index: int) -> tuple[int, int]:
        off = self._offset(index)
        if not off:
            return 0, 0
        at = self.pos + off
        start = at + struct.unpack_from("<I", self.buf, at)[0]
        return start + 4, struct.unpack_from("<I", self.buf, start)[0]

    def string(self, index: int) -> str:
        start, n = self._vector(index)
        return self.buf[start : start + n].decode("utf-8")

    def tables(self, index: int) -> list[_Table]:
        start, n = self._vector(index)
        out = []
        for i in range(n):
            at = start + 4 * i
            out.append(_Table(self.buf, at + struct.unpack_from("<I", self.buf, at)[0]))
        return out

    def structs(self, index: int, fmt: str) -> list[tuple[int, ...]]:
        start, n = self._vector(index)
        size = struct.calcsize(fmt)
        return [struct.unpack_from(fmt, self.buf, start + i * size) for i in range(n)]


@dataclass
class _Field:
    name: str
    type_id: int
    children: list[_Field] = field(default_factory=list)


def _field(table: _Table) -> _Field:
    return _Field(
        name=table.string(0),
        type_id=table.scalar(2, "<B"),
        children=[_field(child) for child in table.tables(5)],
    )


def _messages(data: bytes, where: str) -> Iterator[tuple[_Table, bytes]]:
    pos = 0
    while pos + 4 <= len(data):
        (length,) = struct.unpack_from("<I", data, pos)
        pos += 4
        if length == _CONTINUATION:
            (length,) = struct.unpack_from("<I", data, pos)
            pos += 4
        if length == 0:
            return
        message = _Table(data[pos : pos + length], struct.unpack_from("<I", data, pos)[0])
        pos += length
        body_length = message.scalar(3, "<q")
        body = data[pos : pos + body_length]
        if len(body) != body_length:
            raise InputError(f"{where}: truncated Arrow message body", field="path")
        pos += body_length
        yield message, body


class _Cursor:
    """Walks a record batch's field nodes and buffers in schema order."""

    def __init__(self, batch: _Table, body: bytes) -> None:
        self.nodes = batch.structs(1, "<qq")
        self.buffers = batch.structs(2, "<qq")
        self.body = body
        self.node = 0
        self.buffer = 0

    def next_node(self) -> tuple[int, int]:
        node = self.nodes[self.node]
        self.node += 1
        return node[0], node[1]

    def next_buffer(self) -> bytes:
        offset, length = self.buffers[self.buffer]
        self.buffer += 1
        return self.body[offset : offset + length]


def _valid(bitmap: bytes, null_count: int, i: int) -> bool:
    return null_count == 0 or not bitmap or bool(bitmap[i >> 3] >> (i & 7) & 1)


def _read_column(spec: _Field, cursor: _Cursor, where: str) -> list[Any]:
    length, nulls = cursor.next_node()
    bitmap = cursor.next_buffer()
    offsets_raw = cursor.next_buffer()
    if spec.type_id in (_TYPE_UTF8, _TYPE_LIST):
        offsets = struct.unpack_from(f"<{length + 1}i", offsets_raw) if length else (0,)
    elif spec.type_id in (_TYPE_LARGE_UTF8, _TYPE_LARGE_LIST):
        offsets = struct.unpack_from(f"<{length + 1}q", offsets_raw) if length else (0,)
    else:
        raise InputError(
            f"{where}: Arrow type id {spec.type_id} is not supported (strings and lists of "
            "strings only)",
            field=spec.name,
        )
    if spec.type_id in (_TYPE_UTF8, _TYPE_LARGE_UTF8):
        data = cursor.next_buffer()
        return [
            data[offsets[i] : offsets[i + 1]].decode("utf-8") if _valid(bitmap, nulls, i) else None
            for i in range(length)
        ]
    if len(spec.children) != 1:
        raise InputError(f"{where}: a list column needs one child field", field=spec.name)
    values = _read_column(spec.children[0], cursor, where)
    return [
        values[offsets[i] : offsets[i + 1]] if _valid(bitmap, nulls, i) else None
        for i in range(length)
    ]


def read_arrow_stream(path: Path | str) -> list[dict[str, Any]]:
    """The rows of an Arrow IPC stream file as dicts keyed by column name."""
    path = Path(path)
    data = path.read_bytes()
    fields: list[_Field] | None = None
    rows: list[dict[str, Any]] = []
    try:
        for message, body in _messages(data, str(path)):
            kind = message.scalar(1, "<B")
            header = message.table(2)
            if header is None:
                continue
            if kind == _HEADER_SCHEMA:
                fields = [_field(f) for f in header.tables(1)]
            elif kind == _HEADER_BATCH:
                if fields is None:
                    raise InputError(f"{path}: record batch before the schema", field="path")
                if header.table(3) is not None:
                    raise InputError(f"{path}: compressed Arrow batches are not supported")
                cursor = _Cursor(header, body)
                columns = {f.name: _read_column(f, cursor, str(path)) for f in fields}
                count = header.scalar(0, "<q")
                rows.extend({name: col[i] for name, col in columns.items()} for i in range(count))
    except (struct.error, IndexError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable Arrow stream ({exc})", field="path") from exc
    if fields is None:
        raise InputError(f"{path}: no Arrow schema found", field="path")
    return rows
