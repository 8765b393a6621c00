"""Tier 1 over the rules: findings for claims the rules said nothing about, and a review of the
word-count rule's findings.

Thresholds come from the model card: ``contradicted``/``not_enough_info`` chosen on validation
pairs by ``medfact train verifier``, ``dismiss_supported`` chosen on validation cases by
``medfact train review``; the defaults below apply when a card has none.
"""

from __future__ import annotations

import re
from typing import Any

from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, UNSUPPORTED

LABELS = ("supported", "contradicted", "not_enough_info")
DEFAULT_THRESHOLDS = {
    "supported": 0.5,  # a claim's verdict is supported at P(supported) >= this
    "contradicted": 0.7,
    "not_enough_info": 0.8,
    "high": 0.9,
    "dismiss_supported": 1.01,  # above any probability: no review without a tuned threshold
}
# Only the word-count rule is reviewed: drugs.v1 and numbers.v1 name the exact drug or value
# the input lacks, which a sentence-level verifier reads past ("losartan" for "lisinopril").
REVIEWED_RULES = ("unsupported.v1",)
_CAUSE = re.compile(r"\b(due to|because|secondary to|caused by|as a result of|from)\b", re.I)


def model_findings(
    view: Any,
    findings: list[Finding],
    probabilities: Any,
    thresholds: dict[str, float] | None = None,
) -> list[Finding]:
    t = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    flagged = {f.claim_id for f in findings if f.claim_id is not None}
    out = []
    for claim, p in zip(view.claims, probabilities, strict=True):
        if claim.id in flagged:
            continue
        p_contra, p_nei = float(p[1]), float(p[2])
        evidence = view.evidence.get(claim.id, [])[:2]
        if not evidence and view.context is None:
            continue  # corpus mode: no passage means unchecked, not wrong
        source = "the input" if view.context is not None else "the retrieved evidence"
        if p_contra >= t["contradicted"] and p_contra >= p_nei:
            category, relation, prob = (
                ErrorCategory.DETAIL_MISIDENTIFICATION,
                CONTRADICTED,
                p_contra,
            )
            message = f"the trained verifier finds this contradicted by {source} (p={p_contra:.2f})"
        elif p_nei >= t["not_enough_info"] and view.context is not None:
            # (a corpus's silence lowers factuality, through the verdict; it is not an error)
            relation, prob = UNSUPPORTED, p_nei
            if claim.kind == "recommendation":
                category = ErrorCategory.INCORRECT_RECOMMENDATION
            elif _CAUSE.search(claim.text):
                category = ErrorCategory.MISLEADING_JUSTIFICATION
            else:
                category = ErrorCategory.FABRICATED_CLAIM
            message = f"the trained verifier finds no support in {source} (p={p_nei:.2f})"
        else:
            continue
        out.append(
            Finding(
                category=category,
                risk=3 if prob >= t["high"] else 2,
                span=tuple(claim.span),
                message=message,
                rule="crossencoder.v1",
                relation=relation,
                claim_id=claim.id,
                evidence=evidence,
                confidence=round(prob, 4),
            )
        )
    return out


def review_findings(
    view: Any,
    findings: list[Finding],
    probabilities: Any,
    thresholds: dict[str, float] | None = None,
) -> list[Finding]:
    """The rules' findings, with each of ``unsupported.v1``'s that the verifier reads as
    supported dismissed.

    The support rule counts words; the verifier reads the claim against its evidence. Where it
    gives P(supported) >= ``dismiss_supported``, the finding stays in the record, at risk 1 and
    with a note, so it no longer counts toward the grade and the claim's verdict is the model's.
    Contradictions and the other rules' findings are never dismissed.
    """
    t = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    limit = t["dismiss_supported"]
    position = {c.id: i for i, c in enumerate(view.claims)}
    out = []
    for f in findings:
        i = position.get(f.claim_id) if f.claim_id is not None else None
        if i is not None and f.rule in REVIEWED_RULES and int(f.risk) >= 2:
            p_sup = float(probabilities[i][0])
            if p_sup >= limit:
                f = f.model_copy(
                    update={
                        "risk": RiskLevel.NO_RISK,
                        "message": f"{f.message} [dismissed: the trained verifier finds the "
                        f"claim supported, p={p_sup:.2f}]",
                    }
                )
        out.append(f)
    return out
