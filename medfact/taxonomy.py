"""The clinical risk taxonomy: 4 risk levels, 11 error categories in 4 groups, MEDEC's error types.

Names follow the field (MedVAL, MEDEC); descriptions are our own words.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class RiskLevel(IntEnum):
    """How dangerous the inconsistencies of a text are. Levels 1-2 are safe, 3-4 unsafe."""

    NO_RISK = 1
    LOW = 2
    MODERATE = 3
    HIGH = 4

    @property
    def label(self) -> str:
        return _RISK_NAMES[self]

    @property
    def description(self) -> str:
        return _RISK_DESCRIPTIONS[self]

    @property
    def safe(self) -> bool:
        return self <= RiskLevel.LOW


_RISK_NAMES = {
    RiskLevel.NO_RISK: "no risk",
    RiskLevel.LOW: "low risk",
    RiskLevel.MODERATE: "moderate risk",
    RiskLevel.HIGH: "high risk",
}
_RISK_DESCRIPTIONS = {
    RiskLevel.NO_RISK: "no clinically meaningful inconsistency with the input",
    RiskLevel.LOW: "subtle inconsistency, unlikely to change any clinical decision",
    RiskLevel.MODERATE: "inconsistency that could change interpretation or decisions",
    RiskLevel.HIGH: "inconsistency that could lead to unsafe clinical decisions",
}


class ErrorGroup(StrEnum):
    HALLUCINATION = "hallucination"
    OMISSION = "omission"
    CERTAINTY = "certainty_misalignment"
    OTHER = "other"


class ErrorCategory(StrEnum):
    """The 11 error categories. The value is the stable machine name used in JSON."""

    FABRICATED_CLAIM = "fabricated_claim"
    MISLEADING_JUSTIFICATION = "misleading_justification"
    DETAIL_MISIDENTIFICATION = "detail_misidentification"
    FALSE_COMPARISON = "false_comparison"
    INCORRECT_RECOMMENDATION = "incorrect_recommendation"
    MISSING_CLAIM = "missing_claim"
    MISSING_COMPARISON = "missing_comparison"
    MISSING_CONTEXT = "missing_context"
    OVERSTATED_INTENSITY = "overstated_intensity"
    UNDERSTATED_INTENSITY = "understated_intensity"
    OTHER = "other"

    @property
    def group(self) -> ErrorGroup:
        return _GROUPS[self]

    @property
    def description(self) -> str:
        return _CATEGORY_DESCRIPTIONS[self]


_GROUPS = {
    ErrorCategory.FABRICATED_CLAIM: ErrorGroup.HALLUCINATION,
    ErrorCategory.MISLEADING_JUSTIFICATION: ErrorGroup.HALLUCINATION,
    ErrorCategory.DETAIL_MISIDENTIFICATION: ErrorGroup.HALLUCINATION,
    ErrorCategory.FALSE_COMPARISON: ErrorGroup.HALLUCINATION,
    ErrorCategory.INCORRECT_RECOMMENDATION: ErrorGroup.HALLUCINATION,
    ErrorCategory.MISSING_CLAIM: ErrorGroup.OMISSION,
    ErrorCategory.MISSING_COMPARISON: ErrorGroup.OMISSION,
    ErrorCategory.MISSING_CONTEXT: ErrorGroup.OMISSION,
    ErrorCategory.OVERSTATED_INTENSITY: ErrorGroup.CERTAINTY,
    ErrorCategory.UNDERSTATED_INTENSITY: ErrorGroup.CERTAINTY,
    ErrorCategory.OTHER: ErrorGroup.OTHER,
}
_CATEGORY_DESCRIPTIONS = {
    ErrorCategory.FABRICATED_CLAIM: "a statement with no basis in the input",
    ErrorCategory.MISLEADING_JUSTIFICATION: "a reason or causal link the input does not give",
    ErrorCategory.DETAIL_MISIDENTIFICATION: (
        "a wrong detail: body part, side, finding, value, dose, drug or negation"
    ),
    ErrorCategory.FALSE_COMPARISON: "a comparison or change over time the input does not state",
    ErrorCategory.INCORRECT_RECOMMENDATION: (
        "advice, treatment or next step the input does not support"
    ),
    ErrorCategory.MISSING_CLAIM: "a salient finding of the input left out",
    ErrorCategory.MISSING_COMPARISON: "a comparison or trend of the input left out",
    ErrorCategory.MISSING_CONTEXT: "a qualifier left out, changing how a statement reads",
    ErrorCategory.OVERSTATED_INTENSITY: "more certainty or severity than the input gives",
    ErrorCategory.UNDERSTATED_INTENSITY: "less certainty or severity than the input gives",
    ErrorCategory.OTHER: "an inconsistency outside the other categories",
}


class MedecType(StrEnum):
    """The error types of MEDEC clinical notes, kept as a second label on findings."""

    DIAGNOSIS = "diagnosis"
    MANAGEMENT = "management"
    TREATMENT = "treatment"
    PHARMACOTHERAPY = "pharmacotherapy"
    CAUSAL_ORGANISM = "causal_organism"

    @property
    def category(self) -> ErrorCategory:
        return MEDEC_TO_CATEGORY[self]

    @classmethod
    def parse(cls, value: str) -> MedecType:
        """Accept the spellings of the MEDEC CSV ("causalOrganism", "Pharmacotherapy", ...)."""
        key = "".join(ch for ch in value.lower() if ch.isalpha())
        for member in cls:
            if member.value.replace("_", "") == key:
                return member
        raise ValueError(f"unknown MEDEC error type {value!r}")


# A wrong diagnosis or organism is a misidentified detail of the case; a wrong next step,
# treatment or drug is advice the case does not support.
MEDEC_TO_CATEGORY = {
    MedecType.DIAGNOSIS: ErrorCategory.DETAIL_MISIDENTIFICATION,
    MedecType.CAUSAL_ORGANISM: ErrorCategory.DETAIL_MISIDENTIFICATION,
    MedecType.MANAGEMENT: ErrorCategory.INCORRECT_RECOMMENDATION,
    MedecType.TREATMENT: ErrorCategory.INCORRECT_RECOMMENDATION,
    MedecType.PHARMACOTHERAPY: ErrorCategory.INCORRECT_RECOMMENDATION,
}


class VerdictLabel(StrEnum):
    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    NOT_ENOUGH_INFO = "not_enough_info"


def describe() -> dict:
    """The whole taxonomy as plain data (for `medfact taxonomy` and documentation)."""
    return {
        "risk_levels": [
            {"level": int(r), "name": r.label, "safe": r.safe, "description": r.description}
            for r in RiskLevel
        ],
        "categories": [
            {"name": c.value, "group": c.group.value, "description": c.description}
            for c in ErrorCategory
        ],
        "medec_types": [{"name": m.value, "category": m.category.value} for m in MedecType],
    }
