"""attributed.v1: a value the output gives as a relative's, which that relative never said.

"Patient: twenty, maybe. - Mother: It was the whole box, thirty." summarised as "20 tablets per
mother": the value is in the input, so a value check reads it as supported, yet the output
gives the mother the patient's guess, where she said another number.

An output number followed closely by its source ("per mother", "according to his wife",
"confirmed by husband", "(son)") is a finding (risk 3, detail_misidentification, relation
"contradicted") where the input's turns of that speaker (their tag names the relative) give
numbers and none of them is the output's.
"""

from __future__ import annotations

import re

from medfact.analysis import AnalyzedText, Quantity, is_relative, speaker_tag
from medfact.document import CaseDoc
from medfact.registry import verifiers
from medfact.rehint import fast_compile
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule

# the source an output gives its statement: "per mother", "according to his wife"
_SOURCE = fast_compile(
    r"\b(?:per|according\s+to|(?:as\s+)?(?:reported|confirmed|counted|stated|told)\s+by)"
    r"\s+(?:(?:the|his|her|their|pt'?s|patient'?s)\s+)?([a-z]+)\b",
    re.IGNORECASE,
)
_REACH = 30  # characters between a value and the source that follows it
# a sentence's or a line's end between a value and a source: the source is of what follows
# the break ("T 37.9 C. Rigors Tues night - reported by wife": the rigors are the wife's)
_BREAK = re.compile(r"[;\n]|\.(?:\s|$)")


def _said_by(ctx: AnalyzedText, speaker: str) -> list[Quantity]:
    """The input's values in the turns whose tag names ``speaker``."""
    who: str | None = None
    turns: set[int] = set()
    for sent in ctx.sentences:
        tag = speaker_tag(ctx.text, sent.span[0])
        if tag is not None:
            who = tag
        if who == speaker:
            turns.add(sent.index)
    return [q for q in ctx.quantities if q.sentence in turns]


def _same(a: Quantity, b: Quantity) -> bool:
    """Whether two values are one number (in the same unit where both have one)."""
    if a.unit_class and b.unit_class and a.unit_class == b.unit_class:
        return abs(a.base_value() - b.base_value()) < 1e-9
    return abs(a.value - b.value) < 1e-9


@verifiers.register("attributed.v1")
class AttributedRule(Rule):
    """An output value given as a relative's that the relative never said."""

    name = "attributed.v1"

    def __init__(self, risk: int = 3) -> None:
        self.risk = risk

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        if out is None or ctx is None or not out.quantities:
            return []
        findings: list[Finding] = []
        for m in _SOURCE.finditer(out.text):
            speaker = m.group(1).lower()
            if not is_relative(speaker):
                continue
            value = next(
                (
                    q
                    for q in reversed(out.quantities)
                    if q.end <= m.start()
                    and m.start() - q.end <= _REACH
                    and not _BREAK.search(out.text, q.end, m.start())
                ),
                None,
            )
            if value is None:
                continue
            said = _said_by(ctx, speaker)
            if not said or any(_same(value, q) for q in said):
                continue
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.risk,
                    (value.start, m.end()),
                    f"'{out.text[value.start : value.end]}' is given as the {speaker}'s, "
                    f"who said another value in the input",
                    relation=CONTRADICTED,
                    context_span=(said[0].start, said[-1].end),
                    confidence=0.6,
                )
            )
        return findings
