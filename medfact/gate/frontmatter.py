"""Front matter: a small YAML-like block (``---`` ... ``---``) at the top of a text file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from medfact.gate.locate import NEWLINE


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
    first = NEWLINE.match(text, 3) if text.startswith("---") else None
    if first is None or text[3 : first.start()].strip():
        return None
    pos = first.end()
    lines: list[str] = []
    while True:
        match = NEWLINE.search(text, pos)
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
