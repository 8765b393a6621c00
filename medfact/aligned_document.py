"""Corpus mode: a claim against the whole document its aligned window comes from.

Retrieval cuts each corpus passage to its sentence window closest to the claim, and tier 1
aligns the claim to the most supporting of those windows. For a study's conclusion that window
is often the abstract's aim or background, which states no result, while the result the claim
restates (or contradicts) is elsewhere in the same abstract. Here the aligned *document* (the
whole passage of the aligned window, kept by retrieval in ``CaseDoc.documents``) is read too:

- tier 1 (medfact.stages.Tier1Stage) reads the document's windows closest to a claim that no
  retrieved window supports, and aligns the claim to the most supporting one;
- the comparison stage (medfact.compare, compare.v1) reads the claim's facts against the facts
  of every sentence of the document, and attaches the sentence that differs;
- :func:`absent_values`: a number the claim states (a count, a percentage, a duration, a
  multiplier such as "twice", a fraction such as "one third") that the document states nowhere
  is unsupported (rule ``document_values.v1``; the claim's verdict is not_enough_info).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from medfact.analysis import AnalyzedText, Quantity
from medfact.types import Evidence, Sentence

VALUES_RULE = "document_values.v1"

# spelled numbers that count a thing ("two institutions", "a single study", "once diagnosed")
# are not checked; these are: a multiplier, and a number followed by a fraction word
_MULTIPLIERS = {"twice": 2.0, "thrice": 3.0, "double": 2.0, "doubled": 2.0, "tripled": 3.0}
_FRACTIONS = {
    "half": 2,
    "halves": 2,
    "third": 3,
    "thirds": 3,
    "quarter": 4,
    "quarters": 4,
    "fourth": 4,
    "fourths": 4,
    "fifth": 5,
    "fifths": 5,
}
_FRACTION_AFTER = re.compile(r"[\s-]+([a-z]+)", re.IGNORECASE)
_FOLD = re.compile(r"(\d+(?:\.\d+)?)-?fold", re.IGNORECASE)
_THRESHOLD_BEFORE = re.compile(r"[<>≤≥]\s*=?\s*$")  # "p < 0.05": a threshold, not a result
_PERCENT_SLACK = 1.0  # percentage points: "one third" is "33%" or "33.3%"


def aligned_document(
    documents: dict[tuple[str, str | None], Evidence], window: Evidence
) -> Evidence:
    """The whole passage ``window`` was cut from (``window`` itself when it is not known)."""
    return documents.get((window.source, window.doc_id), window)


def checked_values(
    text: str, quantities: Sequence[Quantity], start: int, end: int
) -> list[tuple[Quantity, float]]:
    """The claim's numbers in [start, end) worth looking for, each with the value to look for:
    written in digits (not part of a name such as "TGF-beta1" or "ACSL6", nor an ordinal such as
    "21st", nor a threshold such as "p < 0.05"), or spelled with a unit ("five years"), as a
    multiplier ("twice") or as a fraction ("one third": 1/3)."""
    out = []
    for q in quantities:
        if not start <= q.start < end:
            continue
        said = text[q.start : q.end]
        before = text[q.start - 1] if q.start > 0 else " "
        after = text[q.end] if q.end < len(text) else " "
        if any(c.isdigit() for c in said):
            if before.isalpha() or after.isalpha():
                continue  # a name or an ordinal
            if _THRESHOLD_BEFORE.search(text, max(0, q.start - 4), q.start):
                continue
            out.append((q, q.value))
            continue
        word = said.lower()
        if word in _MULTIPLIERS:
            out.append((q, _MULTIPLIERS[word]))
            continue
        fraction = _FRACTION_AFTER.match(text, q.end)
        if fraction and fraction.group(1).lower() in _FRACTIONS and q.unit is None:
            out.append((q, q.value / _FRACTIONS[fraction.group(1).lower()]))
        elif q.unit is not None:
            out.append((q, q.value))
    return out


def _number_pattern(value: float) -> re.Pattern[str]:
    """A number as digits in running text, not inside a longer number ("5" is not in "15")."""
    digits = f"{value:g}"
    return re.compile(rf"(?<![\d.]){re.escape(digits)}(?!\.?\d)")


def states_value(document: AnalyzedText, value: float, quantity: Quantity) -> bool:
    """Whether the document states ``value``: as one of its quantities (any unit), as digits
    anywhere in its text, as an n-fold change, or, for a fraction or a percentage, as the same
    share within a percentage point ("one third" and "33%")."""
    if any(abs(q.value - value) < 1e-9 for q in document.quantities):
        return True
    if _number_pattern(value).search(document.text):
        return True
    if any(abs(float(m.group(1)) - value) < 1e-9 for m in _FOLD.finditer(document.text)):
        return True
    if value < 1 or quantity.unit == "%":
        share = value * 100 if value < 1 else value
        return any(
            q.unit == "%" and abs(q.value - share) <= _PERCENT_SLACK for q in document.quantities
        ) or (value < 1 and any(abs(q.value - value) <= 0.01 for q in document.quantities))
    return False


def absent_values(
    claim_text: str,
    quantities: Sequence[Quantity],
    span: tuple[int, int],
    document: AnalyzedText,
) -> list[Quantity]:
    """The claim's checked numbers (:func:`checked_values`) the document states nowhere."""
    return [
        q
        for q, value in checked_values(claim_text, quantities, *span)
        if not states_value(document, value, q)
    ]


def sentence_of(sentences: Sequence[Sentence], offset: int) -> Sentence | None:
    """The sentence of ``sentences`` that holds ``offset``."""
    for s in sentences:
        if s.span[0] <= offset < s.span[1]:
            return s
    return None


__all__ = [
    "VALUES_RULE",
    "absent_values",
    "aligned_document",
    "checked_values",
    "sentence_of",
    "states_value",
]
