"""laterality.v1: a side or body part of the output that the input gives differently."""

from __future__ import annotations

from medfact.document import CaseDoc
from medfact.lexicon.terms import PROCEDURE_WORDS
from medfact.registry import verifiers
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule


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
        findings = []
        for m in out.sides:
            same_part = [c for c in ctx.sides if c.anatomy == m.anatomy]
            if any(c.side == m.side for c in same_part):
                continue
            words = {t.text for t in out.sentence_tokens(m.sentence)}
            risky = bool(words & PROCEDURE_WORDS) or any(
                d.start >= out.sentences[m.sentence].span[0]
                and d.end <= out.sentences[m.sentence].span[1]
                for d in out.drugs
            )
            surface = out.text[m.start : m.end]
            if same_part:
                other = same_part[0]
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
            part_in_context = m.anatomy in ctx.stems or any(
                t.text.rstrip("s") == m.anatomy for t in ctx.tokens
            )
            same_side = [c for c in ctx.sides if c.side == m.side]
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
            elif same_side:
                other = same_side[0]
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.DETAIL_MISIDENTIFICATION,
                        self.procedure_swap_risk if risky else self.swap_risk,
                        (m.start, m.end),
                        f"'{surface}': the input names the {other.side} {other.anatomy}, "
                        f"not the {m.anatomy}",
                        relation=CONTRADICTED,
                        context_span=(other.start, other.end),
                        suggestion=ctx.text[other.start : other.end],
                        confidence=0.45,
                    )
                )
        return findings
