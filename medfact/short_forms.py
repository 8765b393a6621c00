"""Short forms a text defines for a name: "Chloroquine (CQ)", "partially hydrogenated soybean
oil (PHSO)".

A study's claim names an intervention in full and gives its short form in brackets; the
evidence it is read against often uses only the short form ("than those receiving CQ/SP"). A name
whose own short form the input uses is named in the input.
"""

from __future__ import annotations

import re

_REACH = 60  # characters after a name where its bracketed short form may open
# a short form: letters and digits with a capital, at most ten characters ("CQ", "PHSO", "5-FU")
_SHORT = re.compile(r"\(\s*(?P<short>[A-Za-z0-9][A-Za-z0-9+/-]{1,9})\s*\)")
_STOP = re.compile(r"[().;:\n]")


def defined_short_form(text: str, start: int, end: int) -> str | None:
    """The short form a text defines for the name at ``text[start:end]``: the first bracket
    within ``_REACH`` characters after it, holding one word with a capital that has the name's
    first letter ("Chloroquine (CQ)", "soybean oil (PHSO)"); None where there is none."""
    m = _SHORT.search(text, end, min(len(text), end + _REACH))
    if m is None or _STOP.search(text, end, m.start()) is not None:
        return None
    short = m.group("short")
    if not any(c.isupper() for c in short):
        return None
    first = text[start:end].lstrip()[:1].lower()
    return short if first and first in short.lower() else None


def named_by_short_form(output: str, start: int, end: int, context: str) -> bool:
    """Whether the input uses the short form the output defines for the name at
    ``output[start:end]`` ("CQ" for "Chloroquine (CQ)"), as a word of its own."""
    short = defined_short_form(output, start, end)
    if short is None:
        return False
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(short)}(?![A-Za-z0-9])", context) is not None


__all__ = ["defined_short_form", "named_by_short_form"]
