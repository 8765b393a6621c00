"""laterality.v1: a side or body part of the output that the input gives differently.

Sides lie on axes (left/right, medial/lateral, proximal/distal, anterior/posterior); two sides of
one part contradict only on the same axis. Only left/right is checked against other parts too.
"""

from __future__ import annotations

import bisect

from medfact.analysis import AnalyzedText, SideMention
from medfact.document import CaseDoc
from medfact.lexicon.terms import PROCEDURE_WORDS, SIDE_AXES
from medfact.registry import verifiers
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule

_LEFT_RIGHT = "left-right"


def _axis(side: str) -> str:
    return SIDE_AXES.get(side, _LEFT_RIGHT)


class _Sentences:
    """Whether a sentence of ``doc`` names a procedure or a drug, each sentence read once."""

    def __init__(self, doc: AnalyzedText) -> None:
        self.doc = doc
        self._drugs = sorted((d.start, d.end) for d in doc.drugs)
        self._drug_starts = [start for start, _ in self._drugs]
        self._risky: dict[int, bool] = {}

    def risky(self, sentence: int) -> bool:
        known = self._risky.get(sentence)
        if known is None:
            known = self._risky[sentence] = self._check(sentence)
        return known

    def _check(self, sentence: int) -> bool:
        words = {t.text for t in self.doc.sentence_tokens(sentence)}
        if words & PROCEDURE_WORDS:
            return True
        lo, hi = self.doc.sentences[sentence].span
        # a drug inside the sentence starts at or after lo and so at or before hi
        first = bisect.bisect_left(self._drug_starts, lo)
        last = bisect.bisect_right(self._drug_starts, hi)
        return any(end <= hi for _, end in self._drugs[first:last])


@verifiers.register("laterality.v1")
class LateralityRule(Rule):
    name = "laterality.v1"

    def __init__(self, swap_risk: int = 3, procedure_swap_risk: int = 4, unsupported_risk: int = 2):
        self.swap_risk = swap_risk
        self.procedure_swap_risk = procedure_swap_risk
        self.unsupported_risk = unsupported_risk

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None
        # the input's side mentions by body part and by side, first one first
        by_part: dict[tuple[str, str], SideMention] = {}
        part_sides: dict[tuple[str, str], set[str]] = {}
        by_side: dict[str, SideMention] = {}
        for c in ctx.sides:
            key = (c.anatomy, _axis(c.side))
            by_part.setdefault(key, c)
            part_sides.setdefault(key, set()).add(c.side)
            by_side.setdefault(c.side, c)
        sentences = _Sentences(out)
        ctx_words: set[str] | None = None  # the input's words without a plural "s"
        findings = []
        for m in out.sides:
            axis = _axis(m.side)
            if m.side in part_sides.get((m.anatomy, axis), ()):
                continue
            risky = sentences.risky(m.sentence)
            surface = out.text[m.start : m.end]
            other = by_part.get((m.anatomy, axis))
            if other is not None:
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.DETAIL_MISIDENTIFICATION,
                        self.procedure_swap_risk if risky else self.swap_risk,
                        (m.start, m.end),
                        f"'{surface}': the input gives the {other.side} side",
                        relation=CONTRADICTED,
                        context_span=(other.start, other.end),
                        suggestion=ctx.text[other.start : other.end],
                        confidence=0.85,
                    )
                )
                continue
            if axis != _LEFT_RIGHT:
                continue  # "distal radius" where the input says "radius": rewording, not a side
            part_in_context = m.anatomy in ctx.stems
            if not part_in_context:
                if ctx_words is None:
                    ctx_words = {t.text.rstrip("s") for t in ctx.tokens}
                part_in_context = m.anatomy in ctx_words
            same_side = by_side.get(m.side)
            if part_in_context:
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.DETAIL_MISIDENTIFICATION,
                        self.unsupported_risk,
                        (m.start, m.end),
                        f"'{surface}': the input does not state the side",
                        confidence=0.5,
                    )
                )
            elif same_side is not None:
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.DETAIL_MISIDENTIFICATION,
                        self.procedure_swap_risk if risky else self.swap_risk,
                        (m.start, m.end),
                        f"'{surface}': the input names the {same_side.side} "
                        f"{same_side.anatomy}, not the {m.anatomy}",
                        relation=CONTRADICTED,
                        context_span=(same_side.start, same_side.end),
                        suggestion=ctx.text[same_side.start : same_side.end],
                        confidence=0.45,
                    )
                )
        return findings
