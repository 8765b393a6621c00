"""Verdict construction: one verdict per claim, by one rule in context and corpus mode.

- **contradicted** when a finding on the claim says a fact differs (a rule, or the comparison of
  the claim with its aligned window); the finding's evidence is the deciding passage;
- **not_enough_info** when another finding stands against the claim (context mode; in corpus
  mode only a number the aligned document states nowhere, ``document_values.v1``), or when no
  window reaches tier 1's support threshold;
- **supported** only when tier 1's calibrated P(supported) for the claim's aligned window clears
  the threshold chosen on validation data (the card's ``supported``) and no finding stands
  against it; in corpus mode also only where the claim shares a specific word with the aligned
  passage (``[evidence] anchor_share``).

Without a model (``--no-model``), a context-mode claim with no finding is judged by how many of
its content words the input holds (``support.v1``); a corpus-mode claim is unchecked. A claim
with no passage in corpus mode is unchecked too: it counts neither for nor against factuality.
"""

from __future__ import annotations

from typing import Any

from medfact.aligned_document import VALUES_RULE
from medfact.document import CaseDoc
from medfact.scoring import UNCHECKED
from medfact.taxonomy import VerdictLabel
from medfact.types import Finding, Verdict
from medfact.verifiers.model_findings import DEFAULT_THRESHOLDS

TIER1 = "crossencoder.v1"  # the verifier name tier-1 verdicts carry


def _triple(p: Any) -> str:
    return ", ".join(f"{x:.2f}" for x in p)


def claim_verdicts(
    doc: CaseDoc,
    findings: list[Finding],
    probabilities: Any = None,
    thresholds: dict[str, float] | None = None,
    tier1: str = TIER1,
) -> list[Verdict]:
    """The verdict of every claim of ``doc`` (the module doc gives the rule)."""
    t = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    context_mode = doc.context is not None
    by_claim: dict[str, list[Finding]] = {}
    for f in findings:
        if f.claim_id is not None and int(f.risk) >= 2:
            by_claim.setdefault(f.claim_id, []).append(f)
    verdicts = []
    for position, claim in enumerate(doc.claims):
        mine = by_claim.get(claim.id, [])
        against = [f for f in mine if f.relation == "contradicted"]
        evidence = doc.evidence.get(claim.id, [])
        if not context_mode:  # in corpus mode only the aligned document's check stands against
            mine = [f for f in mine if f.relation == "contradicted" or f.rule == VALUES_RULE]
        if against or mine:
            worst = max(against or mine, key=lambda f: (f.risk, f.confidence))
            verdicts.append(
                Verdict(
                    claim_id=claim.id,
                    label=VerdictLabel.CONTRADICTED if against else VerdictLabel.NOT_ENOUGH_INFO,
                    probability=worst.confidence,
                    evidence=(worst.evidence or evidence[:1])
                    if against or worst.rule == VALUES_RULE
                    else evidence[:1],
                    category=worst.category,
                    verifier=worst.rule,
                    rationale=worst.message,
                )
            )
        elif probabilities is not None and (context_mode or evidence):
            p = probabilities[position]
            supported = float(p[0]) >= t["supported"]
            loose = (  # corpus mode: the aligned passage shares no specific word with the claim
                not context_mode
                and doc.anchored is not None
                and (claim.id, evidence[0].source, evidence[0].doc_id) not in doc.anchored
            )
            if supported and loose:
                verdicts.append(_loose_verdict(claim.id, p, evidence, tier1))
                continue
            where = (
                "the input"
                if context_mode
                else f"{evidence[0].source} passage {evidence[0].doc_id}"
            )
            verdicts.append(
                Verdict(
                    claim_id=claim.id,
                    label=VerdictLabel.SUPPORTED if supported else VerdictLabel.NOT_ENOUGH_INFO,
                    probability=round(float(p[0] if supported else 1.0 - p[0]), 4),
                    evidence=evidence[:1],
                    verifier=tier1,
                    tier=1,
                    rationale=(
                        f"P(supported) {float(p[0]):.2f} "
                        f"{'>=' if supported else '<'} {t['supported']:.2f} against "
                        f"{where} (its best window); P(supported, contradicted, not enough info) = "
                        + _triple(p)
                    ),
                )
            )
        elif context_mode:
            verdicts.append(_word_share_verdict(doc, claim, evidence))
        else:
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
    return verdicts


def _loose_verdict(claim_id: str, p: Any, evidence: list[Any], tier1: str) -> Verdict:
    """not_enough_info for a claim tier 1 reads as supported by a corpus passage it shares only
    common words with (``[evidence] anchor_share``): the passage is not about what it names."""
    return Verdict(
        claim_id=claim_id,
        label=VerdictLabel.NOT_ENOUGH_INFO,
        probability=round(1.0 - float(p[0]), 4),
        evidence=evidence[:1],
        verifier=tier1,
        tier=1,
        rationale=(
            f"P(supported) {float(p[0]):.2f} against {evidence[0].source} passage "
            f"{evidence[0].doc_id}, but the claim shares no specific word with it (each word they "
            "share is in many of the corpus's passages)"
        ),
    )


def _word_share_verdict(doc: CaseDoc, claim: Any, evidence: list[Any]) -> Verdict:
    """The rule tier's verdict for a claim no rule flagged: the share of its content words the
    input holds (``support.v1``; the input's words are read once per case)."""
    from medfact.verifiers.support import SupportIndex, claim_tokens, unsupported_tokens

    assert doc.context is not None and doc.output is not None
    support = SupportIndex.of(doc.context)
    missing, n = unsupported_tokens(claim_tokens(doc.output, claim), support)
    share = 1.0 - len(missing) / n if n else 1.0
    return Verdict(
        claim_id=claim.id,
        label=VerdictLabel.SUPPORTED if share >= 0.5 else VerdictLabel.NOT_ENOUGH_INFO,
        probability=round(0.5 + 0.5 * abs(share - 0.5) * 2, 4) if n else 0.5,
        evidence=evidence[:1],
        verifier="support.v1",
        rationale=f"{n - len(missing)} of {n} content words found in the input",
    )
