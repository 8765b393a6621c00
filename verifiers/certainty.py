"""certainty.v1: certainty, severity and frequency words stronger or weaker than the input's."""

from __future__ import annotations

from medfact.analysis import is_content
from medfact.document import CaseDoc
from medfact.registry import verifiers
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule


@verifiers.register("certainty.v1")
class CertaintyRule(Rule):
    name = "certainty.v1"

    def __init__(
        self, big_shift_risk: int = 3, small_shift_risk: int = 2, unsupported_strong_risk: int = 2
    ) -> None:
        self.big_shift_risk = big_shift_risk
        self.small_shift_risk = small_shift_risk
        self.unsupported_strong_risk = unsupported_strong_risk

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None
        findings = []
        for w in out.scale_words:
            topic = {t.stem for t in out.sentence_tokens(w.sentence) if is_content(t)}
            topic.discard(w.word)
            rivals = [
                c
                for c in ctx.scale_words
                if c.scale == w.scale
                and topic & {t.stem for t in ctx.sentence_tokens(c.sentence) if is_content(t)}
            ]
            if not rivals:
                if (
                    w.value == 3
                    and w.scale != "certainty"
                    and not any(c.scale == w.scale and c.value == 3 for c in ctx.scale_words)
                ):
                    findings.append(
                        self.finding(
                            view,
                            ErrorCategory.OVERSTATED_INTENSITY,
                            self.unsupported_strong_risk,
                            (w.start, w.end),
                            f"'{w.word}' is stronger than anything the input says",
                            confidence=0.45,
                        )
                    )
                continue
            if any(c.value == w.value for c in rivals):
                continue
            closest = min(rivals, key=lambda c: abs(c.value - w.value))
            shift = w.value - closest.value
            category = (
                ErrorCategory.OVERSTATED_INTENSITY
                if shift > 0
                else ErrorCategory.UNDERSTATED_INTENSITY
            )
            risk = self.big_shift_risk if abs(shift) >= 2 else self.small_shift_risk
            findings.append(
                self.finding(
                    view,
                    category,
                    risk,
                    (w.start, w.end),
                    f"'{w.word}' is {'stronger' if shift > 0 else 'weaker'} than the input's "
                    f"'{closest.word}' ({w.scale})",
                    relation=CONTRADICTED,
                    context_span=(closest.start, closest.end),
                    suggestion=closest.word,
                    confidence=0.7,
                )
            )
        return findings
