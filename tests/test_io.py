"""medfact.io: the one JSONL reader, to_case, and writers that never fail on odd text."""

from __future__ import annotations

import io
import json
import logging
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from medfact.errors import InputError
from medfact.io import (
    escape_surrogates,
    iter_jsonl,
    iter_lines,
    open_regular,
    printable,
    printable_offsets,
    read_regular_bytes,
    result_json,
    to_case,
)
from medfact.types import Case, RecordError


def read(data: bytes, **kw) -> list[tuple[int, dict | RecordError]]:
    return list(iter_jsonl(io.BytesIO(data), **kw))


def errors(items) -> dict[int, dict]:
    return {n: r.error for n, r in items if isinstance(r, RecordError)}


# --- line splitting ------------------------------------------------------------------------------


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"])
def test_every_line_end_splits_records(end: bytes) -> None:
    data = end.join(json.dumps({"id": str(i), "output": "x"}).encode() for i in range(3)) + end
    items = read(data)
    assert [(n, r["id"]) for n, r in items] == [(1, "0"), (2, "1"), (3, "2")]


def test_cr_only_records_are_not_merged_and_crlf_across_chunks_is_one_end() -> None:
    data = b'{"id": "a"}\r{"id": "b"}\r\n{"id": "c"}\r\n\r\n{"id": "d"}'
    for size in (1, 2, 3, 5, 7, 64):
        items = read(data, chunk_size=size)
        assert [(n, r["id"]) for n, r in items] == [(1, "a"), (2, "b"), (3, "c"), (5, "d")], size


def test_iter_lines_reports_lengths_and_drops_long_lines() -> None:
    data = b"short\n" + b"y" * 100 + b"\nlast"
    got = list(iter_lines(io.BytesIO(data), max_line_bytes=10, chunk_size=8))
    assert got == [(1, b"short", 5), (2, None, 100), (3, b"last", 4)]


class _Endless:
    """A byte stream of one endless line (as /dev/zero would be, or a 400 MB line)."""

    def __init__(self, total: int) -> None:
        self.left = total
        self.largest_read = 0

    def read(self, n: int) -> bytes:
        self.largest_read = max(self.largest_read, n)
        n = min(n, self.left)
        self.left -= n
        return b"a" * n


def test_a_huge_line_is_capped_while_it_is_read() -> None:
    stream = _Endless(40 * 1024 * 1024)
    tracemalloc.start()
    try:
        items = list(iter_jsonl(stream, max_line_bytes=1024 * 1024, chunk_size=256 * 1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(items) == 1
    number, err = items[0]
    assert number == 1 and err.error["code"] == "E011" and "over 1,048,576" in err.error["message"]
    assert stream.largest_read <= 256 * 1024
    assert peak < 6 * 1024 * 1024  # the cap plus a few chunks, not the 40 MB line


# --- one result or one error per line, whatever the bytes ----------------------------------------


def test_hostile_lines_each_become_that_lines_error() -> None:
    lines = [
        b'{"id": "ok", "output": "fine"}',  # 1
        b"[" * 1000 + b"]" * 1000,  # 2 nested 1,000 deep (RecursionError)
        b'{"id": "big", "output": "x", "n": ' + b"9" * 5000 + b"}",  # 3 5,000 digits
        b'{"id": "s\\ud800", "output": "x"}',  # 4 lone surrogate in the id
        b'{"id": "t", "output": "a\\udfffb"}',  # 5 lone surrogate in the text
        b'{"id": "nul", "output": "a\x00b"}',  # 6 NUL byte
        b'{"id": "latin", "output": "caf\xe9"}',  # 7 not UTF-8
        b"42",  # 8 not an object
        b'{"id": "deep", "output": "x", "metadata": ' + b'{"a": ' * 70 + b"1" + b"}" * 71,  # 9
        b'{"id": "pair", "output": "\\ud83d\\ude00"}',  # 10 a valid surrogate pair
        b'{"id": "k", "output": "x", "\\ud800": 1}',  # 11 lone surrogate in a name
    ]
    items = read(b"\n".join(lines) + b"\n")
    assert [n for n, _ in items] == list(range(1, 12))
    errs = errors(items)
    assert sorted(errs) == [2, 3, 4, 5, 6, 7, 8, 9, 11]
    assert items[0][1]["id"] == "ok" and items[9][1]["output"] == "\U0001f600"
    assert "too deeply" in errs[2]["message"]
    assert "too many digits" in errs[3]["message"]
    assert errs[4]["field"] == "id" and "surrogate" in errs[4]["message"]
    assert items[3][1].id == "s\\ud800"  # the id, escaped, so the error record can be written
    assert errs[5]["field"] == "output" and items[4][1].id == "t"
    assert "binary" in errs[6]["message"]
    assert "not UTF-8" in errs[7]["message"]
    assert "object" in errs[8]["message"]
    assert errs[9]["field"] == "metadata" and "deeper than 64" in errs[9]["message"]
    assert errs[11]["field"] == "\\ud800"
    assert all(e["line"] == n for n, e in errs.items())
    for _, item in items:  # every error record can be written as JSON
        if isinstance(item, RecordError):
            json.loads(result_json(item))


def test_missing_id_takes_the_line_number_unless_asked_not_to() -> None:
    data = b'\n{"output": "x"}\n'
    assert read(data)[0][1]["id"] == "2"
    assert "id" not in read(data, default_id=False)[0][1]


def test_byte_order_mark_only_on_the_first_line_is_dropped() -> None:
    data = b'\xef\xbb\xbf{"id": "a"}\n{"id": "b"}\n'
    assert [r["id"] for _, r in read(data)] == ["a", "b"]


def test_an_iterable_of_pieces_reads_like_a_stream() -> None:
    pieces = [b'{"id": "a"', b'}\n{"id"', b': "b"}\r', b'\n{"id": "c"}']
    assert [(n, r["id"]) for n, r in iter_jsonl(pieces)] == [(1, "a"), (2, "b"), (3, "c")]


# --- regular files only --------------------------------------------------------------------------


def test_open_regular_refuses_devices_fifos_and_folders(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "zero"
    link.symlink_to("/dev/zero")
    for path, word in ((fifo, "FIFO"), (link, "device"), (tmp_path, "directory")):
        with pytest.raises(InputError, match=word):
            open_regular(path, field="--input")
    with pytest.raises(InputError, match="device"):
        read_regular_bytes("/dev/zero")
    plain = tmp_path / "a.jsonl"
    plain.write_bytes(b'{"id": "a"}\n')
    with open_regular(plain) as fh:
        assert fh.read() == b'{"id": "a"}\n'


# --- to_case -------------------------------------------------------------------------------------


def test_to_case_keeps_unknown_fields_as_metadata_with_one_warning(caplog) -> None:
    warned: set[str] = set()
    with caplog.at_level(logging.WARNING, logger="medfact"):
        a = to_case({"id": "a", "output": "x", "doc_id": "d1", "source": "mts"}, warned=warned)
        b = to_case({"id": "b", "output": "y", "doc_id": "d2", "colour": "red"}, warned=warned)
    assert a.metadata == {"doc_id": "d1", "source": "mts"}
    assert b.metadata == {"doc_id": "d2", "colour": "red"}
    warnings = [r for r in caplog.records if "unknown field" in r.getMessage()]
    assert len(warnings) == 1 and "'doc_id'" in warnings[0].getMessage()
    kept = to_case({"id": "c", "output": "z", "extra": 1, "metadata": {"k": 2}}, warned=warned)
    assert kept.metadata == {"k": 2, "extra": 1}


def test_to_case_strict_and_clashes_name_the_field() -> None:
    with pytest.raises(InputError) as info:
        to_case({"id": "a", "output": "x", "doc_id": "d"}, strict=True)
    assert info.value.field == "doc_id" and "not a known field" in str(info.value)
    with pytest.raises(InputError) as info:
        to_case({"id": "a", "output": "x", "k": 1, "metadata": {"k": 2}}, warned=set())
    assert info.value.field == "k"
    with pytest.raises(InputError) as info:
        to_case({"id": "a"})
    assert info.value.field == "output" and info.value.record == "a"
    with pytest.raises(InputError, match="JSON object"):
        to_case(["a"], 3)  # type: ignore[arg-type]
    case = Case(id="z", output="o")
    assert to_case(case) is case


# --- writers -------------------------------------------------------------------------------------


def test_result_json_is_pydantics_for_valid_text_and_escapes_surrogates() -> None:
    fine = RecordError(id="é", error={"code": "E010", "message": "m"})
    assert result_json(fine) == fine.model_dump_json()
    odd = RecordError(id="a\ud800", error={"code": "E010", "message": "b\udfff"})
    line = result_json(odd)
    assert line.isascii() and "\\ud800" in line
    assert json.loads(line)["id"] == "a\ud800"
    assert json.loads(result_json(odd, indent=2))["error"]["message"] == "b\udfff"


def test_printable_escapes_what_a_terminal_would_obey() -> None:
    hostile = "a\x1b]0;owned\x07b\r\x9b31mc\u202ed\ud800\n\te"
    assert printable(hostile) == "a\\x1b]0;owned\\x07b\\x0d\\x9b31mc\\u202ed\\ud800\n\te"
    assert printable(hostile, one_line=True).count("\\x0a") == 1
    assert "\n" not in printable("name\nforged.txt:1:1: risk 1", one_line=True)
    assert printable("plain text, ünïcode") == "plain text, ünïcode"
    assert escape_surrogates("x\udc80y") == "x\\udc80y"


def test_printable_offsets_map_spans_onto_the_escaped_text() -> None:
    text = "ab\x1bcd"
    shown, offsets = printable_offsets(text)
    assert shown == "ab\\x1bcd"
    assert shown[offsets[3] : offsets[5]] == "cd" and shown[offsets[0] : offsets[2]] == "ab"
    same, ident = printable_offsets("plain")
    assert same == "plain" and ident == list(range(6))


def _gen(n: int) -> Iterator[bytes]:
    for i in range(n):
        yield json.dumps({"id": i, "output": "x"}).encode() + b"\n"


def test_many_lines_one_record_each() -> None:
    items = list(iter_jsonl(_gen(2000)))
    assert len(items) == 2000 and items[-1][1]["id"] == 1999
