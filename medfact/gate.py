"""The gate: find the texts to check, pair each with its context, score, and pass or fail them.

Used by ``medfact gate`` (pre-commit hook, CI step) and by :mod:`medfact.guard`.

Inputs
    A file is checked whole (``.txt``, ``.md`` or any file named explicitly); a directory is walked
    for ``*.txt``, ``*.md``, ``*.markdown`` and ``*.jsonl`` (hidden entries skipped); a ``.jsonl``
    file gives one case per line (fields ``id``, ``output``, ``context``, ``question``, ``task``,
    or ``context_file``, relative to the JSONL file).

Contexts, first found wins
    1. a front-matter field ``context:`` (inline or a ``|`` block) at the top of the file;
    2. a front-matter field ``context_file:`` (a path relative to the file);
    3. a sibling file ``<stem><context suffix>`` (``note.txt`` -> ``note.context.txt``).
    Files that end with the context suffix are contexts, never checked themselves; naming one
    (as pre-commit does when it changed) checks the texts it belongs to.

Locations
    Findings are located by 1-based line and column, columns counted in Unicode code points
    (SARIF ``columnKind: unicodeCodePoints``); end columns are exclusive. Lines end at LF, CRLF
    or CR. Findings in a JSONL record point into the record's line, at the characters of the
    ``output`` string as written in the file (escapes included).
"""

from __future__ import annotations

import bisect
import fnmatch
import json
import logging
import os
import re
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from json.decoder import scanstring
from pathlib import Path
from typing import Any

from medfact.errors import ConfigError, InputError, MedfactError
from medfact.types import Assessment, Case, RecordError

log = logging.getLogger("medfact.gate")

FORMATS = ("text", "json", "sarif", "junit")
TEXT_SUFFIXES = (".txt", ".md", ".markdown")
JSONL_SUFFIXES = (".jsonl",)
DEFAULT_CONTEXT_SUFFIX = ".context.txt"
MAX_FILE_BYTES = 64 * 1024 * 1024
FRONT_MATTER_KEYS = ("context", "context_file", "question", "id", "task")
CONFIG_NAMES = ("medfact.toml", "pyproject.toml")

PASS, FAIL, ERROR = "pass", "fail", "error"


# --------------------------------------------------------------------------- settings and config


@dataclass(frozen=True)
class GateSettings:
    """The gate's policy and options. ``[gate]`` keys of the config file have the same names."""

    max_risk: int = 2
    min_factuality: float | None = None
    context_suffix: str = DEFAULT_CONTEXT_SUFFIX
    format: str = "text"
    cache: bool = True
    cache_dir: str | None = None
    cache_max_mb: float | None = None
    require_context: bool = True
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_settings(self)


def _setting_error(key: str, allowed: str, value: Any) -> ConfigError:
    return ConfigError(f"[gate] {key} must be {allowed}, got {value!r}")


def _check_settings(s: GateSettings) -> None:
    if isinstance(s.max_risk, bool) or not isinstance(s.max_risk, int) or not 1 <= s.max_risk <= 4:
        raise _setting_error("max_risk", "an integer from 1 to 4", s.max_risk)
    mf = s.min_factuality
    if mf is not None and (
        isinstance(mf, bool) or not isinstance(mf, int | float) or not 0.0 <= mf <= 1.0
    ):
        raise _setting_error("min_factuality", "a number from 0 to 1", mf)
    if not isinstance(s.context_suffix, str) or not s.context_suffix.strip():
        raise _setting_error("context_suffix", "a non-empty string", s.context_suffix)
    if "/" in s.context_suffix or "\\" in s.context_suffix:
        raise _setting_error(
            "context_suffix", "a file-name ending, without slashes", s.context_suffix
        )
    if s.format not in FORMATS:
        raise _setting_error("format", "one of " + ", ".join(FORMATS), s.format)
    for key in ("cache", "require_context"):
        if not isinstance(getattr(s, key), bool):
            raise _setting_error(key, "true or false", getattr(s, key))
    if s.cache_dir is not None and not isinstance(s.cache_dir, str):
        raise _setting_error("cache_dir", "a path", s.cache_dir)
    mb = s.cache_max_mb
    if mb is not None and (isinstance(mb, bool) or not isinstance(mb, int | float) or mb <= 0):
        raise _setting_error("cache_max_mb", "a positive number", mb)
    if not all(isinstance(p, str) for p in s.exclude):
        raise _setting_error("exclude", "a list of glob patterns", list(s.exclude))


GATE_KEYS = tuple(GateSettings.__dataclass_fields__)


@dataclass
class GateConfig:
    """A resolved config file: the engine's part, the ``[gate]`` part, and where it came from."""

    engine: dict[str, Any]
    gate: dict[str, Any]
    path: Path | None = None


def find_config(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The nearest ``medfact.toml``, or ``pyproject.toml`` with ``[tool.medfact]``, from ``start``
    (default: the working directory) up to the filesystem root; None when there is none."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "medfact.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "medfact" in _read_toml(candidate).get("tool", {}):
            return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config file {str(path)!r}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from None


def load_gate_config(path: str | os.PathLike[str] | None) -> GateConfig:
    """Read a ``medfact.toml`` or a ``pyproject.toml`` (its ``[tool.medfact]`` table).

    The ``[gate]`` table is split off (gate thresholds do not change scores, so they stay out of
    the engine's config hash and the cache stays valid when they change); the rest configures
    the engine. ``cache_dir`` is resolved relative to the file. None gives the defaults.
    """
    if path is None:
        return GateConfig(engine={}, gate={})
    path = Path(path)
    data = _read_toml(path)
    if path.name == "pyproject.toml" or "tool" in data:
        data = data.get("tool", {}).get("medfact", {})
        if not isinstance(data, dict):
            raise ConfigError(f"[tool.medfact] in {str(path)!r} must be a table")
    data = dict(data)
    gate = data.pop("gate", {})
    if not isinstance(gate, dict):
        raise ConfigError(f"[gate] in {str(path)!r} must be a table, got {type(gate).__name__}")
    for key in gate:
        if key not in GATE_KEYS:
            import difflib

            close = difflib.get_close_matches(key, GATE_KEYS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"unknown config key [gate] {key!r} in {str(path)!r}.{hint} "
                f"Allowed: {', '.join(sorted(GATE_KEYS))}."
            )
    gate = dict(gate)
    if isinstance(gate.get("cache_dir"), str):
        gate["cache_dir"] = str((path.parent / gate["cache_dir"]).expanduser())
    if isinstance(gate.get("exclude"), list):
        gate["exclude"] = tuple(gate["exclude"])
    return GateConfig(engine=data, gate=gate, path=path)


def resolve_settings(file_gate: dict[str, Any], **overrides: Any) -> GateSettings:
    """File values over the defaults, then every override that is not None."""
    values = dict(file_gate)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return GateSettings(**values)


# --------------------------------------------------------------------------- thresholds


def check_thresholds(
    assessment: Assessment, max_risk: int = 2, min_factuality: float | None = None
) -> list[str]:
    """Why an assessment fails the thresholds; an empty list when it passes.

    A factuality of None (no claim could be checked) does not fail ``min_factuality``.
    """
    reasons = []
    level = int(assessment.risk_level)
    if level > max_risk:
        reasons.append(f"risk {level} ({assessment.risk_name}) is over the maximum {max_risk}")
    fact = assessment.factuality
    if min_factuality is not None and fact is not None and fact < min_factuality:
        reasons.append(f"factuality {fact:.2f} is under the minimum {min_factuality:.2f}")
    return reasons


# --------------------------------------------------------------------------- locations


@dataclass(frozen=True)
class Region:
    """1-based lines and columns (code points); ``end_column`` is exclusive, as in SARIF.

    Columns are None for a region that names a whole line (omissions).
    """

    start_line: int
    start_column: int | None = None
    end_line: int | None = None
    end_column: int | None = None

    def to_dict(self) -> dict[str, int]:
        out = {"start_line": self.start_line}
        if self.start_column is not None:
            out.update(
                start_column=self.start_column,
                end_line=self.end_line or self.start_line,
                end_column=self.end_column or self.start_column,
            )
        return out


_NEWLINE = re.compile(r"\r\n|\r|\n")


class LineIndex:
    """Maps character offsets of a text to 1-based (line, column). Lines end at LF, CRLF or CR."""

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self.starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]

    def position(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, self.length))
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1


def json_string_offsets(raw: str, key: str, value: str) -> list[int] | None:
    """Where each character of the string ``value`` of ``key`` lies in the raw JSON text ``raw``.

    Returns ``len(value) + 1`` offsets (the last one is the closing quote), or None when the
    key's string cannot be found as written.
    """
    pattern = re.compile('"' + re.escape(key) + r'"\s*:\s*"')
    for match in pattern.finditer(raw):
        start = match.end()
        try:
            decoded, end = scanstring(raw, start)
        except ValueError:
            continue
        if decoded != value:
            continue
        offsets: list[int] = []
        i, stop = start, end - 1
        while i < stop:
            offsets.append(i)
            if raw[i] != "\\":
                i += 1
            elif raw[i + 1] != "u":
                i += 2
            else:
                code = int(raw[i + 2 : i + 6], 16)
                i += 6
                if 0xD800 <= code < 0xDC00 and raw.startswith("\\u", i):
                    low = int(raw[i + 2 : i + 6], 16)
                    if 0xDC00 <= low < 0xE000:
                        i += 6
        offsets.append(stop)
        if len(offsets) == len(value) + 1:
            return offsets
    return None


class Locator:
    """Turns spans into the output into regions of the file the output came from."""

    def __init__(
        self,
        text: str,
        output_offset: int = 0,
        first_line: int = 1,
        char_offsets: list[int] | None = None,
    ) -> None:
        self.index = LineIndex(text)
        self.output_offset = output_offset
        self.first_line = first_line
        self.char_offsets = char_offsets

    def _point(self, offset: int) -> tuple[int, int]:
        if self.char_offsets is not None:
            offset = self.char_offsets[max(0, min(offset, len(self.char_offsets) - 1))]
        else:
            offset += self.output_offset
        line, column = self.index.position(offset)
        return line + self.first_line - 1, column

    def region(self, span: tuple[int, int] | None) -> Region:
        if span is None:
            return Region(start_line=self.first_line)
        start_line, start_col = self._point(span[0])
        end_line, end_col = self._point(max(span[0], span[1]))
        return Region(start_line, start_col, end_line, end_col)


# --------------------------------------------------------------------------- front matter


@dataclass
class FrontMatter:
    fields: dict[str, str]
    body_offset: int  # where the text after the front matter starts


_FM_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:(?:\s+(.*?))?\s*$")


def parse_front_matter(text: str) -> FrontMatter | None:
    """A YAML-like front matter block (``---`` ... ``---``) at the top of ``text``, or None.

    Understood: ``key: value`` (plain, 'single' or "double" quoted), and block scalars
    ``key: |`` (``|-``, ``|+``) and ``key: >`` (``>-``, ``>+``) with indented lines below.
    Comments (``# ...`` lines) and keys nested under others are skipped; no other YAML.
    """
    first = _NEWLINE.match(text, 3) if text.startswith("---") else None
    if first is None or text[3 : first.start()].strip():
        return None
    pos = first.end()
    lines: list[str] = []
    while True:
        match = _NEWLINE.search(text, pos)
        line = text[pos : match.start() if match else len(text)]
        if line.rstrip() in ("---", "..."):
            return FrontMatter(_parse_fields(lines), match.end() if match else len(text))
        if match is None:
            return None  # never closed: not front matter
        lines.append(line)
        pos = match.end()


def _parse_fields(lines: list[str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#") or line[:1] in (" ", "\t"):
            continue
        match = _FM_KEY.match(line)
        if match is None:
            continue
        key, value = match.group(1), match.group(2) or ""
        block = re.fullmatch(r"([|>])([+-]?)(?:\s+#.*)?", value)
        if block is None:
            fields[key] = _scalar(value)
            continue
        body: list[str] = []
        while i < len(lines) and (not lines[i].strip() or lines[i][:1] in (" ", "\t")):
            body.append(lines[i])
            i += 1
        fields[key] = _block(body, block.group(1), block.group(2))
    return fields


def _scalar(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value[1:-1]
    return re.sub(r"\s+#.*$", "", value)


def _block(body: list[str], style: str, chomp: str) -> str:
    while body and not body[-1].strip():  # trailing blank lines belong to chomping
        body.pop()
    indents = [len(b) - len(b.lstrip()) for b in body if b.strip()]
    cut = min(indents) if indents else 0
    rows = [b[cut:] if b.strip() else "" for b in body]
    if style == "|":
        text = "\n".join(rows)
    else:
        paragraphs, current = [], []
        for row in rows:
            if row:
                current.append(row.strip())
            else:
                paragraphs.append(" ".join(current))
                current = []
        paragraphs.append(" ".join(current))
        text = "\n".join(paragraphs)
    return text if chomp == "-" or not text else text + "\n"


# --------------------------------------------------------------------------- inputs


@dataclass
class GateInput:
    """One thing to check: a text file, or one record of a JSONL file, or why it can't be."""

    name: str  # how reports name it: "notes/a.txt", "cases.jsonl:3"
    path: Path
    uri: str  # relative path with forward slashes (or absolute) for SARIF and JUnit
    line: int | None = None  # the JSONL line, for records
    case: Case | None = None
    error: RecordError | None = None
    locator: Locator | None = None
    context_source: str | None = None  # "front matter", a file name, or "record"

    @property
    def region_line(self) -> int:
        return self.line or 1


def _display(path: Path, root: Path) -> str:
    """The path relative to ``root`` with forward slashes (symbolic links not followed), or
    absolute when it lies outside."""
    absolute = os.path.abspath(path)
    base = os.path.abspath(root)
    if absolute == base:
        return "."
    prefix = base if base.endswith(os.sep) else base + os.sep
    if absolute.startswith(prefix):
        absolute = absolute[len(prefix) :]
    return absolute.replace(os.sep, "/")


def _error_input(
    name: str, path: Path, uri: str, message: str, *, field: str | None = None, line=None
) -> GateInput:
    exc = InputError(message, field=field)
    return GateInput(
        name=name,
        path=path,
        uri=uri,
        line=line,
        error=RecordError.from_exception(exc, name, line=line),
    )


class _Shown:
    """A path's display name, worked out only when a message needs it."""

    def __init__(self, path: Path, root: Path) -> None:
        self.path, self.root = path, root

    def __str__(self) -> str:
        return _display(self.path, self.root)


def _read_text(path: Path, what: str, root: Path) -> str:
    """Strict UTF-8 text of a file, or InputError naming it."""
    shown = _Shown(path, root)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{what} {shown} has {size:,} bytes, over {MAX_FILE_BYTES:,}")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{what} {shown} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{what} {shown} is a directory") from None
    except OSError as exc:
        raise InputError(f"cannot read {what} {shown}: {exc.strerror}") from None
    from medfact.io import decode

    try:
        return decode(data, field=None, where=what)
    except InputError as exc:
        raise InputError(exc.message.replace(what, f"{what} {shown}", 1)) from None


def iter_paths(
    paths: Iterable[str | os.PathLike[str]], settings: GateSettings, root: Path
) -> Iterator[Path]:
    """Files to check, deduplicated, in the order given (directories walked in sorted order).

    A named context file stands for the texts it belongs to; a named path that does not exist
    is yielded as is (it becomes an error result).
    """
    seen: set[Any] = set()
    suffix = settings.context_suffix

    def excluded(path: Path) -> bool:
        if not settings.exclude:
            return False
        shown = _display(path, root)
        return any(
            fnmatch.fnmatch(shown, pat) or fnmatch.fnmatch(path.name, pat)
            for pat in settings.exclude
        )

    def fresh(path: Path) -> bool:
        try:
            st = path.stat()
            key: Any = (st.st_dev, st.st_ino)
        except OSError:
            key = os.path.abspath(path)
        if key in seen:
            return False
        seen.add(key)
        return True

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    child = Path(folder) / name
                    if (
                        name.startswith(".")
                        or name.endswith(suffix)
                        or not name.lower().endswith(TEXT_SUFFIXES + JSONL_SUFFIXES)
                        or excluded(child)
                    ):
                        continue
                    if fresh(child):
                        yield child
        elif path.name.endswith(suffix) and path.name != suffix:
            stem = path.name[: -len(suffix)]
            owners = [path.with_name(stem + ext) for ext in TEXT_SUFFIXES]
            for owner in owners:
                if owner.is_file() and not excluded(owner) and fresh(owner):
                    yield owner
        elif not excluded(path) and fresh(path):
            yield path


def iter_inputs(
    paths: Iterable[str | os.PathLike[str]],
    settings: GateSettings | None = None,
    root: str | os.PathLike[str] | None = None,
) -> Iterator[GateInput]:
    """Every input to check, each with its case or the error that stops it. Never raises for a
    bad file: it becomes a GateInput with ``error`` set and the others go on."""
    settings = settings or GateSettings()
    root_path = Path(root or Path.cwd()).resolve()
    for path in iter_paths(paths, settings, root_path):
        if path.name.lower().endswith(JSONL_SUFFIXES):
            yield from _jsonl_inputs(path, settings, root_path)
        else:
            yield _text_input(path, settings, root_path)


def _text_input(path: Path, settings: GateSettings, root: Path) -> GateInput:
    name = _display(path, root)
    try:
        text = _read_text(path, "file", root)
    except InputError as exc:
        return _error_input(name, path, name, exc.message)
    fm = parse_front_matter(text)
    fields = fm.fields if fm else {}
    body_offset = fm.body_offset if fm else 0
    output = text[body_offset:]
    context, source = None, None
    try:
        if "context" in fields and "context_file" in fields:
            raise InputError("front matter gives both context and context_file; keep one")
        if "context" in fields:
            context, source = fields["context"], "front matter"
        elif "context_file" in fields:
            target = path.parent / fields["context_file"]
            context, source = _read_text(target, "context file", root), _display(target, root)
        else:
            sibling = path.with_name(_stem(path.name) + settings.context_suffix)
            if sibling.exists():
                context, source = _read_text(sibling, "context file", root), _display(sibling, root)
            elif settings.require_context:
                raise InputError(
                    f"no context: expected {_display(sibling, root)} next to it, or a "
                    "'context:' or 'context_file:' field in its front matter",
                    field="context",
                )
        if settings.require_context and source is not None and not context.strip():
            raise InputError(f"the context ({source}) is empty", field="context")
    except InputError as exc:
        return _error_input(name, path, name, exc.message, field=exc.field)
    case = Case(
        id=fields.get("id") or name,
        output=output,
        context=context,
        question=fields.get("question"),
        task=fields.get("task"),
    )
    return GateInput(
        name=name,
        path=path,
        uri=name,
        case=case,
        locator=Locator(text, output_offset=body_offset),
        context_source=source,
    )


def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name


def _jsonl_inputs(path: Path, settings: GateSettings, root: Path) -> Iterator[GateInput]:
    from medfact.io import iter_jsonl

    shown = _display(path, root)
    try:
        stream = path.open("rb")
        head = stream.read(8192)
        stream.seek(0)
    except OSError as exc:
        reason = "does not exist" if isinstance(exc, FileNotFoundError) else exc.strerror
        yield _error_input(shown, path, shown, f"cannot read file {shown}: {reason}")
        return
    with stream:
        if b"\x00" in head:
            yield _error_input(
                shown, path, shown, f"file {shown} looks binary (NUL bytes), not text"
            )
            return
        last: dict[str, bytes] = {}

        def lines() -> Iterator[bytes]:
            for raw in stream:
                last["raw"] = raw
                yield raw

        try:
            for number, record in iter_jsonl(lines()):
                yield _record_input(path, shown, number, record, last["raw"], settings, root)
        except OSError as exc:  # the file went away or failed while reading
            yield _error_input(shown, path, shown, f"cannot read file {shown}: {exc.strerror}")


def _to_case(record: dict[str, Any], number: int) -> Case:
    """A JSONL record as a Case, naming the record and field on failure (as the pipeline's
    ``to_case`` does, without importing the pipeline: a cached run never needs it)."""
    from pydantic import ValidationError

    try:
        return Case.model_validate(record)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        message = {
            "missing": "is required",
            "extra_forbidden": "is not a known field (known: "
            + ", ".join([*Case.model_fields, "context_file"])
            + ")",
            "string_type": "must be a string",
        }.get(err["type"], err["msg"])
        raise InputError(message, record=record.get("id", number), field=field) from None


def _record_input(
    path: Path,
    shown: str,
    number: int,
    record: dict[str, Any] | RecordError,
    raw: bytes,
    settings: GateSettings,
    root: Path,
) -> GateInput:
    name = f"{shown}:{number}"
    if isinstance(record, RecordError):
        record.id = record.id or name
        return GateInput(name=name, path=path, uri=shown, line=number, error=record)
    rid = record.get("id")
    try:
        source = "record"
        if "context_file" in record:
            target = record.pop("context_file")
            if not isinstance(target, str):
                raise InputError("must be a path", record=rid, field="context_file")
            if record.get("context") is not None:
                raise InputError("record gives both context and context_file; keep one", record=rid)
            target_path = path.parent / target
            record["context"] = _read_text(target_path, "context file", root)
            source = _display(target_path, root)
        case = _to_case(record, number)
        if settings.require_context and not (case.context and case.context.strip()):
            raise InputError("has no context to check the output against", field="context")
    except MedfactError as exc:
        error = RecordError.from_exception(exc, None if rid is None else str(rid), line=number)
        return GateInput(name=name, path=path, uri=shown, line=number, error=error)
    text = raw.decode("utf-8-sig", errors="replace").rstrip("\r\n")
    offsets = json_string_offsets(text, "output", case.output)
    locator = (
        Locator(text, first_line=number, char_offsets=offsets)
        if offsets is not None
        else Locator("", first_line=number, char_offsets=[0])
    )
    return GateInput(
        name=name,
        path=path,
        uri=shown,
        line=number,
        case=case,
        locator=locator,
        context_source=source,
    )


# --------------------------------------------------------------------------- running


class LazyEngine:
    """An engine that is built and loaded only when a text must really be scored.

    The config is resolved (and checked) at once, so its hash, the cache key, is known without
    importing the pipeline: a run served wholly from the cache never loads a model or lexicon.
    An empty config shares the process's default engine.
    """

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        from medfact.config import config_hash, load_config

        self.overrides = dict(config or {})
        self.config = load_config(self.overrides)
        self.config_hash = config_hash(self.config)
        self._engine: Any = None

    def load(self) -> Any:
        if self._engine is None:
            from medfact.pipeline import Engine, default_engine

            engine = default_engine() if not self.overrides else Engine(self.config)
            self._engine = engine.load()
        return self._engine

    def score(self, case: Any) -> Assessment:
        return self.load().score(case)

    def score_many(self, records: Iterable[Any]) -> Iterator[Assessment | RecordError]:
        return self.load().score_many(records)


@dataclass
class GateResult:
    """The verdict on one input."""

    input: GateInput
    status: str  # "pass", "fail" or "error"
    assessment: Assessment | None = None
    error: RecordError | None = None
    reasons: list[str] = field(default_factory=list)
    cached: bool = False

    @property
    def name(self) -> str:
        return self.input.name

    def regions(self) -> list[Region]:
        """One region per finding of the assessment, in order."""
        if self.assessment is None:
            return []
        locator = self.input.locator or Locator("", first_line=self.input.region_line)
        return [locator.region(f.span) for f in self.assessment.findings]

    def to_dict(self, texts: bool = True) -> dict[str, Any]:
        """A JSON-ready record (``medfact gate --format json`` writes one per line)."""
        case = self.input.case
        out: dict[str, Any] = {
            "input": self.input.name,
            "path": self.input.uri,
            "line": self.input.line,
            "id": self.assessment.id
            if self.assessment
            else (self.error.id if self.error else None),
            "status": self.status,
            "reasons": self.reasons,
            "cached": self.cached,
            "context_source": self.input.context_source,
        }
        if self.assessment is not None:
            out["assessment"] = self.assessment.to_dict()
            out["locations"] = [r.to_dict() for r in self.regions()]
        if self.error is not None:
            out["error"] = self.error.error
        if texts and case is not None:
            out["output"] = case.output
            out["context"] = case.context
            out["question"] = case.question
        return out


@dataclass
class GateRun:
    """All results of one gate run, and what they add up to."""

    settings: GateSettings
    results: list[GateResult] = field(default_factory=list)
    seconds: float = 0.0
    scored: int = 0  # assessments the engine computed
    cached: int = 0  # assessments read from the cache

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def exit_code(self) -> int:
        """0 all passed; 1 some failed the thresholds; 3 some could not be checked (wins over 1)."""
        if self.count(ERROR):
            return 3
        return 1 if self.count(FAIL) else 0

    def summary(self) -> str:
        return (
            f"{len(self.results)} checked: {self.count(PASS)} passed, {self.count(FAIL)} failed, "
            f"{self.count(ERROR)} could not be checked ({self.scored} scored, {self.cached} from "
            f"cache) in {self.seconds:.2f} s"
        )


def evaluate(inp: GateInput, assessment: Assessment, settings: GateSettings) -> GateResult:
    reasons = check_thresholds(assessment, settings.max_risk, settings.min_factuality)
    return GateResult(
        input=inp, status=FAIL if reasons else PASS, assessment=assessment, reasons=reasons
    )


def iter_gate(
    paths: Iterable[str | os.PathLike[str]],
    settings: GateSettings | None = None,
    *,
    engine: Any = None,
    cache: Any = None,
    root: str | os.PathLike[str] | None = None,
    run: GateRun | None = None,
) -> Iterator[GateResult]:
    """Check every input, yielding one result each, in order.

    ``engine`` is a :class:`medfact.pipeline.Engine` (default: the built-in config); it is loaded
    only when an input is not in ``cache`` (a :class:`medfact.cache.ResultCache` or None).
    """
    settings = settings or GateSettings()
    if engine is None:
        engine = LazyEngine()
    for inp in iter_inputs(paths, settings, root):
        if inp.case is None:
            result = GateResult(input=inp, status=ERROR, error=inp.error)
        else:
            result = _score(inp, engine, cache, run)
            if result.status != ERROR:
                result = replace(
                    evaluate(inp, result.assessment, settings),  # type: ignore[arg-type]
                    cached=result.cached,
                )
        if run is not None:
            run.results.append(result)
        yield result


def _score(inp: GateInput, engine: Any, cache: Any, run: GateRun | None) -> GateResult:
    case: Case = inp.case  # type: ignore[assignment]
    key = None
    if cache is not None:
        key = cache.key(engine.config_hash, case)
        hit = cache.get(key, case_id=case.id)
        if hit is not None:
            if run is not None:
                run.cached += 1
            return GateResult(input=inp, status=PASS, assessment=hit, cached=True)
    load = getattr(engine, "load", None)
    if load is not None:
        load()  # a pipeline that cannot be built is a config error, raised, not a record error
    (outcome,) = list(engine.score_many([case]))
    if isinstance(outcome, RecordError):
        outcome.id = outcome.id or inp.name
        if inp.line is not None:
            outcome.error.setdefault("line", inp.line)
        return GateResult(input=inp, status=ERROR, error=outcome)
    if run is not None:
        run.scored += 1
    if cache is not None and key is not None:
        cache.put(key, outcome)
    return GateResult(input=inp, status=PASS, assessment=outcome)


def run_gate(
    paths: Iterable[str | os.PathLike[str]],
    settings: GateSettings | None = None,
    *,
    engine: Any = None,
    cache: Any = None,
    root: str | os.PathLike[str] | None = None,
    on_result: Callable[[GateResult], None] | None = None,
) -> GateRun:
    """Check every input and collect the results (``on_result`` sees each as it comes)."""
    settings = settings or GateSettings()
    run = GateRun(settings=settings)
    start = time.perf_counter()
    for result in iter_gate(paths, settings, engine=engine, cache=cache, root=root, run=run):
        if on_result is not None:
            on_result(result)
    run.seconds = time.perf_counter() - start
    return run
