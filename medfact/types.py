"""The data model: Case in, Assessment out, and what lies between. JSON round-trips exactly.

Spans are half-open character offsets ``[start, end)`` into the text they name: claims and findings
point into ``Case.output``; evidence and omission findings point into ``Case.context`` (or into a
corpus passage, named by ``Evidence.source`` and ``Evidence.doc_id``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, computed_field, field_validator

from medfact.taxonomy import ErrorCategory, ErrorGroup, MedecType, RiskLevel, VerdictLabel

Span = Annotated[tuple[int, int], Field(description="half-open character offsets [start, end)")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, use_enum_values=False)

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=False)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Case(_Model):
    """One text to check and what it was generated from."""

    id: str = Field(description="the record's identifier, echoed in the result")
    output: str = Field(description="the generated text to check")
    context: str | None = Field(None, description="the input the output was generated from")
    question: str | None = Field(None, description="the question the output answers, if any")
    reference: str | None = Field(None, description="a reference output, if any (not required)")
    task: str | None = Field(None, description="free label: summarization, qa, note, ...")
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("id", mode="before")
    @classmethod
    def _id_to_str(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Sentence(_Model):
    index: int
    span: Span
    text: str


class Claim(_Model):
    """A checkable statement of the output. Conditions ("if ...", "when ...") stay in its text."""

    id: str
    text: str
    span: Span = Field(description="where the claim's text lies in the output")
    sentence: int = Field(description="index of the output sentence it came from")
    conditions: list[str] = Field(default_factory=list)
    kind: str = Field("statement", description="statement, recommendation or conditional")


class Evidence(_Model):
    text: str
    source: str = Field(description="'context' or a corpus name")
    doc_id: str | None = None
    span: Span | None = Field(None, description="offsets into the context or the passage")
    score: float = Field(0.0, description="retrieval score (higher is closer)")


#: Many models of one kind validated in one call (each item a dict of its fields): the same
#: validation as the class's constructor, without a Python ``__init__`` per item (about a third
#: cheaper per sentence, claim or evidence chunk).
SENTENCES: TypeAdapter[list[Sentence]] = TypeAdapter(list[Sentence])
CLAIMS: TypeAdapter[list[Claim]] = TypeAdapter(list[Claim])
EVIDENCE: TypeAdapter[list[Evidence]] = TypeAdapter(list[Evidence])


class Verdict(_Model):
    claim_id: str
    label: VerdictLabel
    probability: float = Field(ge=0.0, le=1.0, description="confidence in the label")
    evidence: list[Evidence] = Field(default_factory=list)
    category: ErrorCategory | None = None
    verifier: str
    tier: int = Field(0, description="0 rules, 1 trained cross-encoder, 2 evaluator LM")
    rationale: str = ""


class Finding(_Model):
    """One located problem of the output, typed by the taxonomy."""

    category: ErrorCategory
    risk: RiskLevel = Field(description="the risk this finding alone carries")
    span: Span | None = Field(None, description="offsets into the output; none for omissions")
    context_span: Span | None = Field(None, description="offsets into the context, where it helps")
    message: str
    relation: str = Field(
        "unsupported",
        description="contradicted, unsupported or omitted: how it relates to the input",
    )
    rule: str = Field(description="the verifier that raised it")
    claim_id: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    suggestion: str | None = Field(None, description="a proposed replacement for the span")
    medec_type: MedecType | None = None
    confidence: float = Field(1.0, ge=0.0, le=1.0)
    policy: str | None = Field(
        None,
        description=(
            "the row of the clinical severity policy (medfact/data/severity.toml) that set this"
            " finding's least risk, or its [conversation] ceiling that graded the finding down"
            " on a long transcript; none when neither applies"
        ),
    )
    firm: bool = Field(
        False,
        exclude=True,
        description=(
            "the rule holds its evidence outright (a finding the output affirms and the input"
            " denies in so many words), so the [conversation] ceiling does not grade it down"
            " where the policy exempts the rule; read in-process, not written out"
        ),
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def group(self) -> ErrorGroup:
        return self.category.group


class Correction(_Model):
    """MEDEC-style answer for one clinical note."""

    id: str
    error_flag: bool
    sentence_index: int = -1
    sentence_span: Span | None = None
    sentence: str | None = None
    corrected_sentence: str | None = None
    error_type: MedecType | None = None
    category: ErrorCategory | None = None
    confidence: float = 0.0
    evidence: list[Evidence] = Field(default_factory=list)


class Assessment(_Model):
    """The result for one case."""

    id: str
    risk_level: RiskLevel
    factuality: float | None = Field(
        None, description="supported / checked claims; null when no claim was checked"
    )
    claims: list[Claim] = Field(default_factory=list)
    verdicts: list[Verdict] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    correction: Correction | None = None
    timings: dict[str, float] = Field(default_factory=dict, description="seconds per stage")
    lm: dict[str, Any] | None = Field(
        None,
        description="what the tier-2 LM did: why it was called, budget, decisions, errors",
    )
    engine_version: str
    config_hash: str
    status: Literal["checked", "unchecked"] = Field(
        "checked",
        description="unchecked: nothing to check the output against (no context, no corpus "
        "passage), so its risk level says nothing about its faithfulness",
    )
    status_reason: str | None = Field(None, description="why the output was not checked")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def risk_name(self) -> str:
        return self.risk_level.label

    @computed_field  # type: ignore[prop-decorator]
    @property
    def safe(self) -> bool:
        return self.risk_level.safe

    @classmethod
    def from_json(cls, text: str) -> Assessment:
        data = json.loads(text)
        for key in ("risk_name", "safe"):
            data.pop(key, None)
        for finding in data.get("findings", []):
            finding.pop("group", None)
        return cls.model_validate(data)


class RecordError(_Model):
    """Stands in the output stream for an input record that could not be scored."""

    id: str | None
    error: dict[str, Any] = Field(description="code, field, message (and line for files)")

    @classmethod
    def from_exception(
        cls, exc: Exception, record_id: str | None, line: int | None = None
    ) -> RecordError:
        from medfact.errors import InputError, MedfactError

        error: dict[str, Any] = {
            "code": getattr(exc, "code", "E999"),
            "field": exc.field if isinstance(exc, InputError) else None,
            "message": exc.message if isinstance(exc, MedfactError) else str(exc),
        }
        if line is not None:
            error["line"] = line
        return cls(id=record_id, error=error)


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of medfact's input (Case) and output (Assessment | RecordError)."""
    from pydantic.json_schema import models_json_schema

    _, schema = models_json_schema(
        [
            (Case, "validation"),
            (Assessment, "serialization"),
            (RecordError, "serialization"),
            (Correction, "serialization"),
        ],
        title="medfact",
    )
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
