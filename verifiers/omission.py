"""omission.v1: salient findings of the input that the output leaves out.

Salient: a named drug, a dose, a side of the body, or an affirmed finding in a sentence that the
output otherwise summarises (its neighbours are covered), so that the gap is conspicuous.
"""

from __future__ import annotations

from medfact.analysis import AFFIRMED, NEGATED, is_content
from medfact.document import CaseDoc
from medfact.registry import verifiers
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.base import OMITTED, Rule
from medfact.verifiers.drugs import is_drug_class


@verifiers.register("omission.v1")
class OmissionRule(Rule):
    name = "omission.v1"

    def __init__(self, drug_risk: int = 3, finding_risk: int = 2, coverage: float = 0.5) -> None:
        self.drug_risk = drug_risk
        self.finding_risk = finding_risk
        self.coverage = coverage

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None
        out_stems = out.stems
        findings = []
        for d in ctx.drugs:
            if d.canonical in out.drug_names or d.surface.lower() in out.text.lower():
                continue
            if is_drug_class(d.canonical, d.surface):
                continue
            if any(f.context_span == (d.start, d.end) for f in findings):
                continue
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.MISSING_CLAIM,
                    self.drug_risk,
                    None,
                    f"the input mentions '{d.surface}', which the output leaves out",
                    relation=OMITTED,
                    context_span=(d.start, d.end),
                    confidence=0.5,
                )
            )
        # Sentences of the input whose content the output mostly lacks, between covered ones.
        covered = []
        for sent in ctx.sentences:
            toks = [t for t in ctx.sentence_tokens(sent.index) if is_content(t)]
            share = sum(t.stem in out_stems for t in toks) / len(toks) if toks else 1.0
            covered.append((share, toks))
        for i, (share, toks) in enumerate(covered):
            asserted = [t for t in toks if t.polarity in (AFFIRMED, NEGATED)]
            if share >= 0.25 or len(asserted) < 2:
                continue
            before = any(s >= self.coverage for s, _ in covered[max(0, i - 2) : i])
            after = any(s >= self.coverage for s, _ in covered[i + 1 : i + 3])
            if not (before and after):
                continue
            sent = ctx.sentences[i]
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.MISSING_CLAIM,
                    self.finding_risk,
                    None,
                    "the output summarises around this part of the input but leaves it out: "
                    + ", ".join(t.text for t in asserted[:4]),
                    relation=OMITTED,
                    context_span=tuple(sent.span),
                    confidence=0.4,
                )
            )
        return findings
