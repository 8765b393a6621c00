"""Risk scorers: findings and verdicts -> a 4-level risk, and the factuality score.

``rules.v1`` is transparent: the case's risk is its worst finding's, with findings the rules trust
little (confidence under ``min_confidence``) capped one level lower, and several moderate
findings together counting as high.

Neither scorer grades a case below its clinical severity floor (:func:`medfact.severity.case_floor`:
the highest floor of the policy rows its findings name); a learned model may raise a case above
it, never lower it below.
"""

from __future__ import annotations

from typing import Any

from medfact.registry import scorers
from medfact.severity import case_floor
from medfact.taxonomy import RiskLevel, VerdictLabel
from medfact.types import Finding, Verdict

UNCHECKED = "unchecked"


def factuality(verdicts: list[Verdict]) -> float | None:
    """Supported / checked claims; None when nothing was checked.

    A claim no evidence could be found for (corpus mode, verifier ``"unchecked"``) was not
    checked: it counts neither for nor against, unlike MedScore, which counts "unsure" as false.
    """
    checked = [v for v in verdicts if v.verifier != UNCHECKED]
    if not checked:
        return None
    return sum(v.label == VerdictLabel.SUPPORTED for v in checked) / len(checked)


@scorers.register("rules.v1")
class RuleScorer:
    name = "rules.v1"

    def __init__(self, min_confidence: float = 0.5, escalate_at: int = 3) -> None:
        self.min_confidence = min_confidence
        self.escalate_at = escalate_at

    def __call__(
        self, findings: list[Finding], verdicts: list[Verdict], probabilities: Any = None
    ) -> RiskLevel:
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
        return RiskLevel(max(level, case_floor(findings)))


# --- calibrated.v1 -------------------------------------------------------------------------------

FEATURES = (
    "max_risk",
    "n_risk3",
    "n_risk2",
    "max_conf",
    "contra_max",
    "negation_max",
    "unsup_max",
    "omit_max",
    "qualifier_max",
    "certainty_max",
    "p_contra_max",
    "p_nei_max",
    "p_sup_min",
    "p_sup_mean",
    "frac_not_sup",
    "log_claims",
)


def case_features(
    findings: list[Finding], verdicts: list[Verdict], probabilities: Any = None
) -> list[float]:
    """The numbers the calibrated scorer reads: rule findings plus tier-1 probabilities.

    ``probabilities`` is an (n_claims, 3) array of (supported, contradicted, not_enough_info)
    from the cross-encoder, or None when no model ran (those features are then neutral).
    """
    import math

    def worst(keep: Any) -> float:
        return float(max((int(f.risk) for f in findings if keep(f)), default=0))

    risks = [int(f.risk) for f in findings]
    row = [
        float(max(risks, default=0)),
        float(sum(r >= 3 for r in risks)),
        float(sum(r == 2 for r in risks)),
        max((f.confidence for f in findings), default=0.0),
        # negation.v1 apart: its flips are often misread polarity, and the model weighs it alone
        worst(lambda f: f.relation == "contradicted" and f.rule != "negation.v1"),
        worst(lambda f: f.relation == "contradicted" and f.rule == "negation.v1"),
        worst(lambda f: f.relation == "unsupported"),
        worst(lambda f: f.relation == "omitted" and f.rule != "qualifier.v1"),
        max((f.confidence for f in findings if f.rule == "qualifier.v1"), default=0.0),
        worst(lambda f: f.category.group.value == "certainty_misalignment"),
    ]
    if probabilities is not None and len(probabilities):
        p = probabilities
        row += [
            float(p[:, 1].max()),
            float(p[:, 2].max()),
            float(p[:, 0].min()),
            float(p[:, 0].mean()),
            float((p.argmax(axis=1) != 0).mean()),
        ]
    else:
        row += [0.0, 0.0, 1.0, 1.0, 0.0]
    row.append(math.log1p(len(verdicts)))
    return row


@scorers.register("calibrated.v1")
class CalibratedScorer:
    """Multinomial logistic regression over ``case_features``, stored as plain JSON.

    Fitted by ``medfact train risk`` on held-out synthetic cases; probabilities are calibrated
    there (reliability reported in the model card). Predicts the most probable level, but never
    below the risk of a contradiction the rules are confident in (``floor_confidence``): a
    learned model may refine a grade, not talk a clear contradiction down to "safe", nor a case
    below its clinical severity floor (:func:`medfact.severity.case_floor`). Every
    rule's contradictions count, unless the model names ``floor_rules`` (``medfact train risk
    --floor-precision``: only rules whose confident contradictions proved right on validation).
    """

    name = "calibrated.v1"

    def __init__(self, path: str | None = None, floor_confidence: float = 0.7) -> None:
        self.path = path
        self.floor_confidence = floor_confidence
        self.model_: dict[str, Any] | None = None
        self._rules = RuleScorer()

    def load(self) -> CalibratedScorer:
        if self.model_ is None:
            from medfact.fitted import load_fitted

            self.model_ = load_fitted(
                self.path, "risk-v4.json", "risk", "medfact train risk", FEATURES
            )
        return self

    def probabilities(self, features: list[float]) -> list[float]:
        from medfact.fitted import logistic_probabilities

        return list(logistic_probabilities(self.load().model_, [features])[0])

    def unsafe_probability(
        self, findings: list[Finding], verdicts: list[Verdict], probabilities: Any = None
    ) -> float | None:
        """P(risk 3-4) for a case: 1.0 under a confident contradiction's floor of 3 or more,
        None where tier 1 did not run (the rule scorer grades those)."""
        if probabilities is None:
            return None
        if max(self._floor(findings), case_floor(findings)) >= 3:
            return 1.0
        p = self.probabilities(case_features(findings, verdicts, probabilities))
        classes = self.model_["classes"]  # type: ignore[index]
        return float(sum(q for q, c in zip(p, classes, strict=True) if int(c) >= 3))

    def _floor(self, findings: list[Finding]) -> int:
        rules = self.load().model_.get("floor_rules")  # type: ignore[union-attr]
        return max(
            (
                int(f.risk)
                for f in findings
                if f.relation == "contradicted"
                and f.confidence >= self.floor_confidence
                and (rules is None or f.rule in rules)
            ),
            default=1,
        )

    def __call__(
        self, findings: list[Finding], verdicts: list[Verdict], probabilities: Any = None
    ) -> RiskLevel:
        if probabilities is None:  # tier 1 did not run (no input, no corpus): the model's
            return self._rules(findings, verdicts)  # training never saw such a case
        p = self.probabilities(case_features(findings, verdicts, probabilities))
        classes = self.model_["classes"]  # type: ignore[index]
        predicted = int(classes[max(range(len(p)), key=p.__getitem__)])
        return RiskLevel(max(predicted, self._floor(findings), case_floor(findings)))
