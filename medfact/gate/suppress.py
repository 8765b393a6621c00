"""Accepting known findings: inline suppressions, ignored categories, and baseline files.

Inline, in the text itself
    ``<!-- medfact: ignore[wrong_category, other] -->`` (an HTML comment) or
    ``[//]: # (medfact: ignore[category])`` (a Markdown comment) suppresses findings of those
    categories that start on the comment's lines or on the line after it; ``medfact: ignore``
    without brackets suppresses every category there. A front-matter field
    ``medfact-ignore: [category, ...]`` suppresses them in the whole file (omissions included),
    as does a JSONL record's ``medfact_ignore`` list for that record. The directives are blanked
    (replaced by spaces, offsets kept) before the text is scored.
Everywhere
    ``--ignore CATEGORY`` and ``[gate] ignore = [...]``.
Baselines
    ``--write-baseline FILE`` records every current finding; ``--baseline FILE`` then suppresses
    the findings it records. A finding is matched by its file and a content fingerprint (the
    category, the rule, and the normalised flagged text with up to 40 characters of its line on
    either side, or the message of an omission): moving lines or editing other lines does not
    break the match, editing the flagged line near the finding does. The file holds digests
    only, no text.

A suppressed finding is still reported (JSON ``suppressed``, SARIF ``suppressions``) but no
longer counts: the gate's risk for the input is the case risk capped by its highest
unsuppressed finding (1 when none is left).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medfact.errors import ConfigError, InputError
from medfact.gate.settings import CATEGORIES
from medfact.types import Finding

BASELINE_VERSION = 1
MAX_BASELINE_BYTES = 64 * 1024 * 1024
ALL = "*"
SNIPPET = 40  # characters of the flagged line kept on each side of a finding in its fingerprint

_DIRECTIVE = re.compile(r"medfact:\s*ignore(?:\[([^\]\n]*)\])?", re.IGNORECASE)
_MD_COMMENT = re.compile(r'^[ \t]*\[//\]:[ \t]*#[ \t]*(?:\((.*)\)|"(.*)")[ \t]*$', re.MULTILINE)


@dataclass(frozen=True)
class Suppression:
    """Why a finding does not count: ``kind`` is SARIF's ``inSource`` or ``external``."""

    kind: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "reason": self.reason}


@dataclass
class InlineSuppressions:
    """What a text suppresses: categories for the whole input, and per line (1-based, in the
    file's own line numbering)."""

    everywhere: set[str] = field(default_factory=set)
    by_line: dict[int, set[str]] = field(default_factory=dict)

    def covers(self, category: str, line: int | None) -> bool:
        if category in self.everywhere or ALL in self.everywhere:
            return True
        if line is None:
            return False
        found = self.by_line.get(line, ())
        return category in found or ALL in found

    def __bool__(self) -> bool:
        return bool(self.everywhere or self.by_line)


def parse_categories(value: Any, where: str) -> set[str]:
    """Category names from a front-matter or record value: a list, or ``[a, b]`` / ``a, b`` as
    text. Unknown names are an InputError naming ``where``."""
    if isinstance(value, str):
        items = [v.strip().strip("'\"") for v in value.strip().strip("[]").split(",")]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = [v.strip() for v in value]
    else:
        raise InputError(f"{where} must be a list of error categories", field=where)
    names = {v for v in items if v}
    unknown = sorted(n for n in names if n not in CATEGORIES and n != ALL)
    if unknown:
        raise InputError(
            f"{where} names unknown categories {', '.join(map(repr, unknown))} "
            f"(known: {', '.join(CATEGORIES)})",
            field=where,
        )
    return names


def find_directives(
    text: str, first_line: int, line_of: Any
) -> tuple[InlineSuppressions, list[tuple[int, int]]]:
    """The ``medfact: ignore`` comments of ``text``: what they suppress (lines from ``line_of``,
    a function of an offset), and the character spans of the comments (to blank them)."""
    out = InlineSuppressions()
    spans: list[tuple[int, int]] = []
    if "medfact" not in text.lower():
        return out, spans
    comments = list(_html_comments(text))
    comments += [
        (m.start(), m.end(), m.group(1) or m.group(2) or "") for m in _MD_COMMENT.finditer(text)
    ]
    for start, end, body in sorted(comments):
        directives = list(_DIRECTIVE.finditer(body))
        if not directives:
            continue
        names: set[str] = set()
        for d in directives:
            line = line_of(start)
            names |= (
                parse_categories(d.group(1), f"medfact: ignore[...] on line {line}")
                if d.group(1) is not None
                else {ALL}
            )
        top, bottom = line_of(start), line_of(max(start, end - 1))
        for line in range(top, bottom + 2):
            out.by_line.setdefault(line, set()).update(names)
        spans.append((start, end))
    return out, spans


def _html_comments(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, body) of each ``<!-- ... -->``, in one pass (an unclosed ``<!--`` ends the
    search: no later comment can close, so hostile texts cost linear time)."""
    at = 0
    while (start := text.find("<!--", at)) >= 0:
        close = text.find("-->", start + 4)
        if close < 0:
            return
        yield start, close + 3, text[start + 4 : close]
        at = close + 3


def blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the spans replaced by spaces (line ends kept): offsets do not move."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if chars[i] not in "\r\n":
                chars[i] = " "
    return "".join(chars)


# --------------------------------------------------------------------------- baseline


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def fingerprint(output: str, finding: Finding) -> str:
    """A content fingerprint of a finding, independent of where its line sits in the file."""
    if finding.span is not None:
        start, end = finding.span
        line_start = max(output.rfind("\n", 0, start), output.rfind("\r", 0, start)) + 1
        line_end = min(
            (i for i in (output.find("\n", end), output.find("\r", end)) if i >= 0),
            default=len(output),
        )
        before = _norm(output[max(line_start, start - SNIPPET) : start])
        after = _norm(output[end : min(line_end, end + SNIPPET)])
        where = [_norm(output[start:end]), before, after]
    else:
        where = [_norm(finding.message)]
    blob = json.dumps(
        ["medfact-baseline/1", finding.category.value, finding.rule, *where], ensure_ascii=True
    )
    return hashlib.sha256(blob.encode("ascii")).hexdigest()[:32]


class Baseline:
    """Accepted findings by file and fingerprint, each as many times as it was recorded.

    ``recording``: every finding offered is accepted and kept, to be written by :meth:`write`.
    """

    def __init__(
        self,
        entries: Counter[tuple[str, str]] | None = None,
        *,
        path: str | None = None,
        recording: bool = False,
    ) -> None:
        self.entries: Counter[tuple[str, str]] = entries or Counter()
        self.path = path
        self.recording = recording
        self.matched = 0
        self.categories: dict[tuple[str, str], str] = {}  # for people reading a written file

    @classmethod
    def read(cls, path: str | Path) -> Baseline:
        """A baseline file, or ConfigError naming it."""
        from medfact.io import read_regular_bytes

        name = str(path)
        try:
            data = json.loads(read_regular_bytes(path, max_bytes=MAX_BASELINE_BYTES))
        except InputError as exc:
            raise ConfigError(f"cannot read baseline {name!r}: {exc.message}") from None
        except (ValueError, RecursionError) as exc:
            raise ConfigError(f"baseline {name!r} is not valid JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
            raise ConfigError(
                f"baseline {name!r} is not a medfact baseline (version {BASELINE_VERSION}); "
                "write one with --write-baseline"
            )
        rows = data.get("findings")
        if not isinstance(rows, list):
            raise ConfigError(f"baseline {name!r} must hold a list 'findings'")
        entries: Counter[tuple[str, str]] = Counter()
        for i, row in enumerate(rows):
            ok = isinstance(row, dict) and all(
                isinstance(row.get(k), str) for k in ("path", "fingerprint")
            )
            count = row.get("count", 1) if isinstance(row, dict) else None
            if not ok or isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ConfigError(
                    f"baseline {name!r}: findings[{i}] needs 'path', 'fingerprint' and a "
                    "positive 'count'"
                )
            entries[(row["path"], row["fingerprint"])] += count
        return cls(entries, path=name)

    def accept(self, path: str, print_: str, category: str | None = None) -> bool:
        """Whether the finding is in the baseline (each recorded occurrence matches once)."""
        key = (path, print_)
        if self.recording:
            self.entries[key] += 1
            if category is not None:
                self.categories[key] = category
        elif self.entries[key] <= 0:
            return False
        else:
            self.entries[key] -= 1
        self.matched += 1
        return True

    def to_json(self) -> str:
        """The baseline file: per file and fingerprint, how many times (and the category)."""
        rows = []
        for (path, print_), count in sorted(self.entries.items()):
            if count <= 0:
                continue
            row: dict[str, Any] = {"path": path, "fingerprint": print_, "count": count}
            if (path, print_) in self.categories:
                row["category"] = self.categories[(path, print_)]
            rows.append(row)
        doc = {"version": BASELINE_VERSION, "tool": "medfact", "findings": rows}
        return json.dumps(doc, indent=1, ensure_ascii=True) + "\n"
