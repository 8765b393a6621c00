"""Verdict construction: one verdict per claim, from the findings and tier 1's probabilities.

Context mode (the case has an input): a claim with a contradicting finding is contradicted, one
with another finding is not_enough_info, one whose word-count finding tier 1 dismissed is
supported by tier 1, and the rest are judged by how many of their content words the input
holds. Corpus mode (no input; passages from corpora): tier 1's thresholds decide.
"""

from __future__ import annotations

from typing import Any

from medfact.document import CaseDoc
from medfact.scoring import UNCHECKED
from medfact.taxonomy import VerdictLabel
from medfact.types import Finding, Verdict
from medfact.verifiers.model_findings import DEFAULT_THRESHOLDS, LABELS

TIER1 = "crossencoder.v1"  # the verifier name tier-1 verdicts carry


def context_verdicts(
    doc: CaseDoc, findings: list[Finding], probabilities: Any = None, tier1: str = TIER1
) -> list[Verdict]:
    """Verdicts against the case's input."""
    from medfact.verifiers.support import SupportIndex, claim_tokens, unsupported_tokens

    assert doc.context is not None and doc.output is not None
    index = SupportIndex(doc.context)
    by_claim: dict[str, list[Finding]] = {}
    dismissed: dict[str, Finding] = {}  # risk 1: a rule finding tier 1 read as supported
    for f in findings:
        if f.claim_id is not None:
            if int(f.risk) >= 2:
                by_claim.setdefault(f.claim_id, []).append(f)
            else:
                dismissed[f.claim_id] = f
    verdicts = []
    for position, claim in enumerate(doc.claims):
        mine = by_claim.get(claim.id, [])
        against = [f for f in mine if f.relation == "contradicted"]
        evidence = doc.evidence.get(claim.id, [])
        if mine:
            worst = max(against or mine, key=lambda f: (f.risk, f.confidence))
            verdicts.append(
                Verdict(
                    claim_id=claim.id,
                    label=VerdictLabel.CONTRADICTED if against else VerdictLabel.NOT_ENOUGH_INFO,
                    probability=worst.confidence,
                    evidence=(worst.evidence or evidence[:1]) if against else evidence[:1],
                    category=worst.category,
                    verifier=worst.rule,
                    rationale=worst.message,
                )
            )
            continue
        if claim.id in dismissed and probabilities is not None:
            p_sup = float(probabilities[position][0])
            verdicts.append(
                Verdict(
                    claim_id=claim.id,
                    label=VerdictLabel.SUPPORTED,
                    probability=round(p_sup, 4),
                    evidence=evidence[:2],
                    verifier=tier1,
                    tier=1,
                    rationale=f"the trained verifier reads it as supported (p={p_sup:.2f}); "
                    f"{dismissed[claim.id].rule}'s finding was dismissed",
                )
            )
            continue
        missing, n = unsupported_tokens(claim_tokens(doc.output, claim), index)
        share = 1.0 - len(missing) / n if n else 1.0
        label = VerdictLabel.SUPPORTED if share >= 0.5 else VerdictLabel.NOT_ENOUGH_INFO
        rationale = f"{n - len(missing)} of {n} content words found in the input"
        if probabilities is not None:  # tier 1 ran but crossed none of its thresholds
            rationale += "; verifier P(supported, contradicted, not enough info) = " + (
                ", ".join(f"{x:.2f}" for x in probabilities[position])
            )
        verdicts.append(
            Verdict(
                claim_id=claim.id,
                label=label,
                probability=round(0.5 + 0.5 * abs(share - 0.5) * 2, 4) if n else 0.5,
                evidence=evidence[:1],
                verifier="support.v1",
                rationale=rationale,
            )
        )
    return verdicts


def corpus_verdicts(
    doc: CaseDoc,
    probabilities: Any,
    thresholds: dict[str, float] | None = None,
    tier1: str = TIER1,
) -> list[Verdict]:
    """Verdicts against corpus passages. No passage (or no model) leaves a claim unchecked.

    The verifier's own thresholds (its model card) decide, as for findings in context mode:
    contradicted at P >= ``contradicted``, not_enough_info at P >= ``not_enough_info``, else
    supported. A corpus states general knowledge, so a claim is never "false" for silence.
    """
    t = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    verdicts = []
    for i, claim in enumerate(doc.claims):
        evidence = doc.evidence.get(claim.id, [])
        if not evidence or probabilities is None:
            verdicts.append(
                Verdict(
                    claim_id=claim.id,
                    label=VerdictLabel.NOT_ENOUGH_INFO,
                    probability=1.0,
                    evidence=evidence[:1],
                    verifier=UNCHECKED,
                    rationale="no relevant passage" if not evidence else "no verifier model loaded",
                )
            )
            continue
        p = probabilities[i]
        if p[1] >= t["contradicted"] and p[1] >= p[2]:
            best = 1
        elif p[2] >= t["not_enough_info"]:
            best = 2
        else:
            best = 0
        verdicts.append(
            Verdict(
                claim_id=claim.id,
                label=VerdictLabel(LABELS[best]),
                probability=round(float(p[best]), 4),
                evidence=evidence,
                verifier=tier1,
                tier=1,
                rationale=f"against {evidence[0].source} passage {evidence[0].doc_id}; "
                "P(supported, contradicted, not enough info) = " + ", ".join(f"{x:.2f}" for x in p),
            )
        )
    return verdicts
