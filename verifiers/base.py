"""The tier-0 rule contract (a rule reads a :class:`CaseDoc`, returns findings) and helpers."""

from __future__ import annotations

from medfact.analysis import AnalyzedText, Token
from medfact.document import CaseDoc
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.types import Evidence, Finding

CONTRADICTED, UNSUPPORTED, OMITTED = "contradicted", "unsupported", "omitted"


CaseView = CaseDoc
"""Deprecated name of :class:`medfact.document.CaseDoc` (what rules read), kept for plug-ins."""


class Rule:
    """A tier-0 verifier: ``__call__(view) -> findings``. Rules without a context do nothing."""

    name = "rule"
    needs_context = True

    def __call__(self, view: CaseDoc) -> list[Finding]:
        if self.needs_context and view.context is None:
            return []
        return self.check(view)

    def check(self, view: CaseDoc) -> list[Finding]:
        raise NotImplementedError

    def finding(
        self,
        view: CaseDoc,
        category: ErrorCategory,
        risk: RiskLevel | int,
        span: tuple[int, int] | None,
        message: str,
        *,
        relation: str = UNSUPPORTED,
        context_span: tuple[int, int] | None = None,
        suggestion: str | None = None,
        confidence: float = 0.8,
        evidence: list[Evidence] | None = None,
    ) -> Finding:
        claim = view.claim_at(*span) if span else None
        if evidence is None:
            evidence = []
            if context_span is not None and view.context is not None:
                evidence.append(
                    Evidence(
                        text=view.context.text[context_span[0] : context_span[1]],
                        source="context",
                        span=context_span,
                        score=1.0,
                    )
                )
            elif span is not None:
                evidence = view.context_evidence(*span)[:1]
        return Finding(
            category=category,
            risk=RiskLevel(risk),
            span=span,
            context_span=context_span,
            message=message,
            rule=self.name,
            relation=relation,
            claim_id=claim.id if claim else None,
            evidence=evidence,
            suggestion=suggestion,
            confidence=confidence,
        )


def sentence_span(doc: AnalyzedText, index: int) -> tuple[int, int]:
    return tuple(doc.sentences[index].span)  # type: ignore[return-value]


def window_stems(tokens: list[Token], index: int, width: int = 4) -> set[str]:
    """Content stems within ``width`` tokens of ``tokens[index]`` in the same sentence."""
    sent = tokens[index].sentence
    lo, hi = max(0, index - width), min(len(tokens), index + width + 1)
    return {t.stem for t in tokens[lo:hi] if t.sentence == sent and t.content}


def clause_window_stems(doc: AnalyzedText, i: int, width: int = 4) -> set[str]:
    """What a text says of the word at token ``i``: the content stems within ``width`` words
    in its clause (shorthand packs several into a sentence: "RUL mass; RLL clear")."""
    stems = window_stems(doc.tokens, i, width)
    toks = doc.tokens
    lo, hi = toks[max(0, i - width)].start, toks[min(len(toks) - 1, i + width)].end
    text, at = doc.text, toks[i].start
    left = max(text.rfind(mark, lo, at) for mark in ";,(")
    right = min((k for k in (text.find(mark, at, hi) for mark in ";,)") if k >= 0), default=hi)
    near = toks[max(0, i - width) : i + width + 1]
    return stems & {t.stem for t in near if left < t.start < right}
