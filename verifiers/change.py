"""comparison.v1: comparisons and changes over time that the input does not state."""

from __future__ import annotations

from medfact.analysis import AnalyzedText, is_content
from medfact.document import CaseDoc
from medfact.lexicon.terms import CHANGE_WORDS
from medfact.registry import verifiers
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule

_NEEDS_THAN = frozenset({"more", "less", "higher", "lower", "larger", "smaller", "better", "worse"})


def change_mentions(doc: AnalyzedText) -> list[tuple[int, str]]:
    """(token index, direction) for each word that states a change or comparison."""
    found = []
    toks = doc.tokens
    for i, tok in enumerate(toks):
        direction = CHANGE_WORDS.get(tok.text)
        if direction is None:
            continue
        if tok.text in _NEEDS_THAN and tok.text not in ("better", "worse"):
            nxt = toks[i + 1].text if i + 1 < len(toks) else ""
            if nxt != "than":
                continue
        found.append((i, direction))
    return found


def _topic(doc: AnalyzedText, sentence: int, width: int) -> set[str]:
    """Content stems of a sentence and its ``width`` neighbours on each side."""
    return {t.stem for t in doc.tokens if abs(t.sentence - sentence) <= width and is_content(t)}


@verifiers.register("comparison.v1")
class ComparisonRule(Rule):
    name = "comparison.v1"

    def __init__(self, unsupported_risk: int = 3, opposite_risk: int = 3) -> None:
        self.unsupported_risk = unsupported_risk
        self.opposite_risk = opposite_risk

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None
        ctx_changes = change_mentions(ctx)
        ctx_topics = {j: _topic(ctx, ctx.tokens[j].sentence, 1) for j, _ in ctx_changes}
        findings = []
        for i, direction in change_mentions(out):
            tok = out.tokens[i]
            if tok.polarity == "negated":
                continue
            topic = {t.stem for t in out.sentence_tokens(tok.sentence) if is_content(t)}
            if any(d == direction and topic & ctx_topics[j] for j, d in ctx_changes):
                continue
            opposite = [
                j
                for j, d in ctx_changes
                if d != "same" and d != direction and topic & ctx_topics[j]
            ]
            if opposite:
                other = ctx.tokens[opposite[0]]
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.FALSE_COMPARISON,
                        self.opposite_risk,
                        (tok.start, tok.end),
                        f"'{tok.text}' states a change the input gives the other way "
                        f"('{other.text}')",
                        relation=CONTRADICTED,
                        context_span=(other.start, other.end),
                        suggestion=other.text,
                        confidence=0.7,
                    )
                )
            else:
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.FALSE_COMPARISON,
                        2 if direction == "same" else self.unsupported_risk,
                        (tok.start, tok.end),
                        f"'{tok.text}' states a change or comparison the input does not make",
                        confidence=0.6,
                    )
                )
        return findings
