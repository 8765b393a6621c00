"""One in, one out, whatever the bytes: a bounded hypothesis fuzz of the JSONL reader and the
writers, and a scripted run of 10,000 random and hostile records through `medfact score`."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medfact.errors import MedfactError
from medfact.io import iter_jsonl, printable, result_json, to_case
from medfact.taxonomy import RiskLevel
from medfact.types import Assessment, RecordError

ROOT = Path(__file__).resolve().parent.parent
ENDS = (b"\n", b"\r\n", b"\r")

# any code point, lone surrogates and control characters included
ANY_TEXT = st.text(alphabet=st.characters(codec=None, min_codepoint=0), max_size=40)
JSON_LEAF = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=8,
)
RECORD = st.fixed_dictionaries(
    {},
    optional={
        "id": ANY_TEXT | st.integers(),
        "output": ANY_TEXT | JSON_VALUE,
        "context": ANY_TEXT,
        "metadata": JSON_VALUE,
        "extra": JSON_VALUE,
    },
)


def _hostile(kind: str, n: int) -> bytes:
    return {
        "deep": b"[" * n + b"]" * n,
        "deep_object": b'{"id": "d", "output": "x", "metadata": '
        + b'{"a": ' * n
        + b"1"
        + b"}" * (n + 1),
        "digits": b'{"id": "n", "output": "x", "v": ' + b"7" * n + b"}",
        "garbage": b"#"
        + bytes(random.Random(n).randrange(256) for _ in range(n % 64))
        .replace(b"\n", b" ")
        .replace(b"\r", b" "),
        "nul": b'{"id": "z", "output": "a\x00b"}',
        "latin1": b'{"id": "l", "output": "caf\xe9"}',
        "scalar": str(n).encode(),
    }[kind]


LINE = st.one_of(
    RECORD.map(lambda r: json.dumps(r, ensure_ascii=True).encode()),
    st.tuples(
        st.sampled_from(["deep", "deep_object", "digits", "garbage", "nul", "latin1", "scalar"]),
        st.integers(min_value=1, max_value=6000),
    ).map(lambda t: _hostile(*t)),
)


def _one_out(number: int, item: dict | RecordError) -> str:
    """What a command would write for one read item: a Case's JSON, or the record's error."""
    if isinstance(item, RecordError):
        return result_json(item)
    try:
        case = to_case(item, number, warned=set())
    except MedfactError as exc:
        rid = item.get("id")
        return result_json(RecordError.from_exception(exc, None if rid is None else str(rid)))
    return result_json(case)


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(lines=st.lists(st.tuples(LINE, st.sampled_from(ENDS)), min_size=1, max_size=12))
def test_reader_and_writer_one_in_one_out(lines: list[tuple[bytes, bytes]]) -> None:
    data = b"".join(line + end for line, end in lines)
    items = list(iter_jsonl(io.BytesIO(data), chunk_size=97))
    assert [n for n, _ in items] == list(range(1, len(lines) + 1))
    for number, item in items:
        text = _one_out(number, item)
        text.encode("utf-8")  # always writable as UTF-8
        assert isinstance(json.loads(text), dict)


@settings(max_examples=100, deadline=None, database=None)
@given(rid=ANY_TEXT, output=ANY_TEXT, message=ANY_TEXT)
def test_text_writers_never_pass_control_characters(rid: str, output: str, message: str) -> None:
    from rich.console import Console

    from medfact.render import render_assessment, render_error

    buf = io.StringIO()
    console = Console(file=buf, width=120)
    a = Assessment(id=rid, risk_level=RiskLevel(1), engine_version="t", config_hash="h")
    render_assessment(console, a, output)
    render_error(console, RecordError(id=rid, error={"code": "E010", "message": message}))
    shown = buf.getvalue()
    shown.encode("utf-8")
    assert not any(ord(c) < 32 and c not in "\n\t" for c in shown)
    assert printable(rid, one_line=True).count("\n") == 0


def _hostile_file(path: Path, count: int, seed: int = 14) -> int:
    """``count`` records, a third of them hostile, with mixed line ends; returns how many
    lines are not blank (the outputs expected)."""
    rng = random.Random(seed)
    words = ["pain", "fever", "left", "right", "knee", "denies", "reports", "mg", "daily", "no"]
    chunks: list[bytes] = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.66:
            out = " ".join(rng.choice(words) for _ in range(rng.randint(1, 12))).capitalize() + "."
            rec: dict = {"id": f"r{i}", "output": out}
            if rng.random() < 0.7:
                rec["context"] = "Patient reports " + " ".join(rng.choices(words, k=8)) + "."
            if rng.random() < 0.05:
                rec["source"] = "fuzz"  # unknown field: kept as metadata
            if rng.random() < 0.02:
                rec["id"] = "r0"  # repeated id
            line = json.dumps(rec).encode()
        else:
            kind = rng.choice(
                ["deep", "deep_object", "digits", "garbage", "nul", "latin1", "scalar",
                 "surrogate", "control", "wrong_type", "missing"]
            )  # fmt: skip
            if kind == "surrogate":
                line = b'{"id": "s%d", "output": "a\\ud8%02xb"}' % (i, rng.randrange(256))
            elif kind == "control":
                line = json.dumps({"id": f"c{i}\x1b[2J", "output": "Fever.\x1b]0;x\x07"}).encode()
            elif kind == "wrong_type":
                line = json.dumps({"id": f"w{i}", "output": rng.choice([5, [], {}, None])}).encode()
            elif kind == "missing":
                line = json.dumps({"id": f"m{i}", "context": "x"}).encode()
            else:
                line = _hostile(kind, rng.randint(60, 5000))
        chunks.append(line + rng.choice(ENDS))
    path.write_bytes(b"".join(chunks))
    return count


def test_ten_thousand_hostile_records_through_score(tmp_path: Path) -> None:
    path = tmp_path / "hostile.jsonl"
    expected = _hostile_file(path, 10_000)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "medfact.cli", "score", "--no-model", "--input", str(path)],
        capture_output=True,
        cwd=ROOT,
        timeout=600,
    )
    seconds = time.perf_counter() - started
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == expected, (len(out), expected)
    assert proc.returncode == 3
    assert b"Traceback" not in proc.stderr
    errors = [r for r in out if "error" in r]
    assert 0 < len(errors) < expected
    lines = [r["error"]["line"] for r in errors if "line" in r["error"]]
    assert lines == sorted(lines)
    assert f"{expected - len(errors)} scored".encode() in proc.stderr
    print(f"10,000 hostile records through score --no-model: {seconds:.1f} s")
