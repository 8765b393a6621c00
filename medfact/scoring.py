"""Risk scorers: findings and verdicts -> a 4-level risk, and the factuality score.

``rules.v1`` is transparent: the case's risk is its worst finding's, with findings the rules trust
little (confidence under ``min_confidence``) capped one level lower, and several moderate
findings together counting as high.
"""

from __future__ import annotations

from medfact.registry import scorers
from medfact.taxonomy import RiskLevel, VerdictLabel
from medfact.types import Finding, Verdict


def factuality(verdicts: list[Verdict]) -> float | None:
    """Supported / checked claims; None when nothing was checked."""
    if not verdicts:
        return None
    supported = sum(v.label == VerdictLabel.SUPPORTED for v in verdicts)
    return supported / len(verdicts)


class RuleScorer:
    name = "rules.v1"

    def __init__(self, min_confidence: float = 0.5, escalate_at: int = 3) -> None:
        self.min_confidence = min_confidence
        self.escalate_at = escalate_at

    def __call__(self, findings: list[Finding], verdicts: list[Verdict]) -> RiskLevel:
        level = RiskLevel.NO_RISK
        moderate = 0
        for f in findings:
            risk = int(f.risk)
            if f.confidence < self.min_confidence and risk > 2:
                risk -= 1
            moderate += risk >= 3
            level = max(level, RiskLevel(risk))
        if self.escalate_at and moderate >= self.escalate_at:
            level = RiskLevel.HIGH
        return level


@scorers.register("rules.v1")
def rule_scorer(min_confidence: float = 0.5, escalate_at: int = 3) -> RuleScorer:
    return RuleScorer(min_confidence, escalate_at)
