"""Finding the inputs of a gate run and reading them: text files, JSONL records, their contexts.

Inputs
    A file is checked whole (``.txt``, ``.md`` or any file named explicitly); a directory is walked
    for ``*.txt``, ``*.md``, ``*.markdown`` and ``*.jsonl`` (hidden entries skipped, symbolic links
    to folders not followed); a ``.jsonl`` file gives one case per line (fields ``id``,
    ``output``, ``context``, ``question``, ``task``, or ``context_file``, relative to the JSONL
    file, and ``medfact_ignore``).

Contexts, first found wins
    1. a front-matter field ``context:`` (inline or a ``|`` block) at the top of the file;
    2. a front-matter field ``context_file:`` (a path relative to the file);
    3. a sibling file ``<stem><context suffix>`` (``note.txt`` -> ``note.context.txt``).
    Files that end with the context suffix are contexts, never checked themselves; naming one
    (as pre-commit does when it changed) checks the texts it belongs to.

Bounds and confinement
    Every file is read through :func:`medfact.io.read_regular_bytes`: regular files only (a FIFO,
    a device or a socket is refused, never waited on), at most :data:`MAX_FILE_BYTES`, counted
    while reading. Every file read, symbolic links resolved, must lie inside the gate's roots:
    the repository (the nearest folder up from the working directory that holds ``.git``, else
    the working directory) or ``[gate] roots`` / ``--root``, plus the paths named on the command
    line that lie outside them. Anything else is refused with an error naming it, unless
    ``[gate] allow_outside = true``.
"""

from __future__ import annotations

import fnmatch
import io
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medfact.errors import InputError, MedfactError
from medfact.gate.frontmatter import parse_front_matter
from medfact.gate.locate import LineIndex, Locator, json_string_offsets
from medfact.gate.settings import GateSettings
from medfact.gate.suppress import InlineSuppressions, blank, find_directives, parse_categories
from medfact.io import decode, iter_jsonl, read_regular_bytes, to_case
from medfact.types import Case, RecordError

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
JSONL_SUFFIXES = (".jsonl",)
MAX_FILE_BYTES = 64 * 1024 * 1024
FRONT_MATTER_KEYS = ("context", "context_file", "question", "id", "task", "medfact-ignore")
IGNORE_FIELD = "medfact_ignore"


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
    suppress: InlineSuppressions = field(default_factory=InlineSuppressions)

    @property
    def region_line(self) -> int:
        return self.line or 1


# --------------------------------------------------------------------------- confinement


def repository_root(start: str | os.PathLike[str] | None = None) -> Path:
    """The nearest folder from ``start`` (default: the working directory) up that holds a
    ``.git`` folder or file (a worktree), else ``start`` itself; resolved."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def _inside(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


@dataclass(frozen=True)
class Confinement:
    """The folders a gate run may read from (resolved), unless ``allow_outside``."""

    roots: tuple[Path, ...]
    allow_outside: bool = False

    @classmethod
    def for_run(
        cls,
        paths: Iterable[str | os.PathLike[str]],
        settings: GateSettings,
        cwd: str | os.PathLike[str] | None = None,
    ) -> Confinement:
        """The repository (or ``settings.roots``), plus each named path that lies outside it
        (a folder itself, a file its folder). A named path is placed by its folder with links
        resolved, so a link inside the repository that points out does not widen the roots."""
        base = [Path(r).resolve() for r in settings.roots] or [repository_root(cwd)]
        roots = list(base)
        for raw in paths:
            absolute = Path(os.path.abspath(raw))
            placed = Path(os.path.realpath(absolute.parent)) / absolute.name
            if _inside(placed, base):
                continue
            extra = placed.resolve() if placed.is_dir() else placed.parent
            if extra not in roots:
                roots.append(extra)
        return cls(tuple(roots), settings.allow_outside)

    def outside(self, path: Path) -> Path | None:
        """Where ``path`` really is when that is outside the roots; None when it may be read."""
        if self.allow_outside:
            return None
        real = Path(os.path.realpath(path))
        return None if _inside(real, self.roots) else real


# --------------------------------------------------------------------------- reading


def display(path: Path, root: Path) -> str:
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
    name: str,
    path: Path,
    uri: str,
    message: str,
    *,
    field: str | None = None,
    line: int | None = None,
    code_error: MedfactError | None = None,
) -> GateInput:
    exc = code_error or InputError(message, field=field)
    return GateInput(
        name=name,
        path=path,
        uri=uri,
        line=line,
        error=RecordError.from_exception(exc, name, line=line),
    )


@dataclass
class Reader:
    """Reads the files of one run: bounded, confined, named in errors as the report names them."""

    root: Path
    confinement: Confinement

    def shown(self, path: Path) -> str:
        return display(path, self.root)

    def read_bytes(self, path: Path, what: str, field: str | None = None) -> bytes:
        real = self.confinement.outside(path)
        if real is not None:
            raise InputError(
                f"{what} {self.shown(path)} resolves to {real}, outside the folders the gate may "
                f"read ({', '.join(map(str, self.confinement.roots))}); set [gate] "
                "allow_outside = true to allow it",
                field=field,
            )
        if not os.path.lexists(path):
            raise InputError(f"{what} {self.shown(path)} does not exist", field=field)
        try:
            return read_regular_bytes(path, max_bytes=MAX_FILE_BYTES, field=field)
        except InputError as exc:  # a FIFO, a device, too large, unreadable: say which file
            detail = exc.message.replace(repr(str(path)), "it")
            raise type(exc)(f"{what} {self.shown(path)}: {detail}", field=field) from None

    def read_text(self, path: Path, what: str, field: str | None = None) -> str:
        """Strict UTF-8 text of a file, or InputError naming it."""
        data = self.read_bytes(path, what, field)
        try:
            return decode(data, field=field, where=what)
        except InputError as exc:
            message = exc.message.replace(what, f"{what} {self.shown(path)}", 1)
            raise InputError(message, field=field) from None


def iter_paths(
    paths: Iterable[str | os.PathLike[str]],
    settings: GateSettings,
    root: Path,
    skipped: list[str] | None = None,
) -> Iterator[Path]:
    """Files to check, deduplicated, in the order given (directories walked in sorted order).

    A named context file stands for the texts it belongs to; a named path that does not exist
    is yielded as is (it becomes an error result). Named paths passed over on purpose (excluded,
    or a context file with no text) are appended to ``skipped``.
    """
    seen: set[Any] = set()
    suffix = settings.context_suffix
    passed = skipped if skipped is not None else []

    def excluded(path: Path) -> bool:
        if not settings.exclude:
            return False
        shown = display(path, root)
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
                    ):
                        continue
                    if excluded(child):
                        passed.append(display(child, root))
                    elif fresh(child):
                        yield child
        elif path.name.endswith(suffix) and path.name != suffix:
            stem = path.name[: -len(suffix)]
            owners = [path.with_name(stem + ext) for ext in TEXT_SUFFIXES]
            found = [o for o in owners if o.is_file() and not excluded(o)]
            if not found:
                passed.append(display(path, root))
            for owner in found:
                if fresh(owner):
                    yield owner
        elif excluded(path):
            passed.append(display(path, root))
        elif fresh(path):
            yield path


def iter_inputs(
    paths: Iterable[str | os.PathLike[str]],
    settings: GateSettings | None = None,
    root: str | os.PathLike[str] | None = None,
    *,
    confinement: Confinement | None = None,
    skipped: list[str] | None = None,
) -> Iterator[GateInput]:
    """Every input to check, each with its case or the error that stops it. Never raises for a
    bad file: it becomes a GateInput with ``error`` set and the others go on.

    ``root`` is where names are shown from (default: the working directory); ``confinement``
    the folders that may be read (default: :meth:`Confinement.for_run` of ``paths``).
    """
    settings = settings or GateSettings()
    paths = list(paths)
    root_path = Path(root or Path.cwd()).resolve()
    if confinement is None:
        confinement = Confinement.for_run(paths, settings)
    reader = Reader(root_path, confinement)
    for path in iter_paths(paths, settings, root_path, skipped):
        if path.name.lower().endswith(JSONL_SUFFIXES):
            yield from _jsonl_inputs(path, settings, reader)
        else:
            yield _text_input(path, settings, reader)


def _text_input(path: Path, settings: GateSettings, reader: Reader) -> GateInput:
    name = reader.shown(path)
    try:
        text = reader.read_text(path, "file")
    except InputError as exc:
        return _error_input(name, path, name, exc.message, code_error=exc)
    fm = parse_front_matter(text)
    fields = fm.fields if fm else {}
    body_offset = fm.body_offset if fm else 0
    output = text[body_offset:]
    context, source = None, None
    try:
        lines = LineIndex(text)
        suppress, spans = find_directives(
            output, 1, lambda offset: lines.position(body_offset + offset)[0]
        )
        if "medfact-ignore" in fields:
            suppress.everywhere |= parse_categories(fields["medfact-ignore"], "medfact-ignore")
        output = blank(output, spans)
        if "context" in fields and "context_file" in fields:
            raise InputError("front matter gives both context and context_file; keep one")
        if "context" in fields:
            context, source = fields["context"], "front matter"
        elif "context_file" in fields:
            target = path.parent / fields["context_file"]
            context = reader.read_text(target, "context file", "context_file")
            source = reader.shown(target)
        else:
            sibling = path.with_name(_stem(path.name) + settings.context_suffix)
            if os.path.lexists(sibling):
                context = reader.read_text(sibling, "context file", "context")
                source = reader.shown(sibling)
            elif settings.require_context:
                raise InputError(
                    f"no context: expected {reader.shown(sibling)} next to it, or a "
                    "'context:' or 'context_file:' field in its front matter",
                    field="context",
                )
        if settings.require_context and context is not None and not context.strip():
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
        suppress=suppress,
    )


def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name


def _jsonl_inputs(path: Path, settings: GateSettings, reader: Reader) -> Iterator[GateInput]:

    shown = reader.shown(path)
    try:
        data = reader.read_bytes(path, "file")
    except InputError as exc:
        yield _error_input(shown, path, shown, exc.message, code_error=exc)
        return
    if b"\x00" in data[:8192]:
        yield _error_input(shown, path, shown, f"file {shown} looks binary (NUL bytes), not text")
        return
    lines = data.splitlines()  # LF, CRLF and CR, as the JSONL reader numbers them
    for number, record in iter_jsonl(io.BytesIO(data)):
        raw = lines[number - 1] if 0 < number <= len(lines) else b""
        yield _record_input(path, shown, number, record, raw, settings, reader)


def _record_input(
    path: Path,
    shown: str,
    number: int,
    record: dict[str, Any] | RecordError,
    raw: bytes,
    settings: GateSettings,
    reader: Reader,
) -> GateInput:
    name = f"{shown}:{number}"
    if isinstance(record, RecordError):
        record.id = record.id or name
        return GateInput(name=name, path=path, uri=shown, line=number, error=record)
    rid = record.get("id")
    suppress = InlineSuppressions()
    try:
        source = "record"
        if IGNORE_FIELD in record:
            suppress.everywhere |= parse_categories(record.pop(IGNORE_FIELD), IGNORE_FIELD)
        if "context_file" in record:
            target = record.pop("context_file")
            if not isinstance(target, str):
                raise InputError("must be a path", record=rid, field="context_file")
            if record.get("context") is not None:
                raise InputError("record gives both context and context_file; keep one", record=rid)
            target_path = path.parent / target
            record["context"] = reader.read_text(target_path, "context file", "context_file")
            source = reader.shown(target_path)
        case = to_case(record, number)
        if settings.require_context and not (case.context and case.context.strip()):
            raise InputError("has no context to check the output against", field="context")
    except MedfactError as exc:
        error = RecordError.from_exception(exc, None if rid is None else str(rid), line=number)
        return GateInput(name=name, path=path, uri=shown, line=number, error=error)
    text = raw.decode("utf-8-sig", errors="replace")
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
        suppress=suppress,
    )
