"""Locations of findings: character offsets of an output as 1-based lines and columns of its file.

Columns count Unicode code points (SARIF ``columnKind: unicodeCodePoints``); end columns are
exclusive. Lines end at LF, CRLF or CR. Findings in a JSONL record point into the record's line,
at the characters of the ``output`` string as written in the file (escapes included).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from json.decoder import scanstring


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


NEWLINE = re.compile(r"\r\n|\r|\n")


class LineIndex:
    """Maps character offsets of a text to 1-based (line, column). Lines end at LF, CRLF or CR."""

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self.starts = [0] + [m.end() for m in NEWLINE.finditer(text)]

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
