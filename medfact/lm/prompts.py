"""The evaluator LM's prompts, versioned and registered by name like plug-ins.

Each prompt has a system message, a user template, the JSON Schema its answer must satisfy, and a
valid example answer (shown to the model, and checked against the schema by the tests). A
prompt's wording never changes under the same name: new wording gets a new version. Third parties
add prompts through the ``medfact.prompts`` entry-point group.

- ``assess_case.v1``: MedVAL's task in our words: the errors of an output judged against its
  input only, each with a category, an exact quote and a risk, then a risk level 1-4.
- ``verify_claim.v1``: one claim against evidence passages: supported, contradicted or not enough
  information, with an error category and a one-sentence rationale.
- ``decompose.v1``: MedScore's condition-aware decomposition, in our words: one checkable fact a
  claim, conditions kept, advice made checkable, vague references resolved, small talk dropped.
- ``correct_note.v1``: MEDEC's task: does a clinical note hold one medical error, in which
  sentence, and how does the corrected sentence read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from medfact.errors import ConfigError
from medfact.registry import Registry
from medfact.taxonomy import ErrorCategory, MedecType, RiskLevel, VerdictLabel

prompts = Registry("prompts", "medfact.lm.prompts")

CATEGORIES = [c.value for c in ErrorCategory]
LABELS = [v.value for v in VerdictLabel]
MEDEC_TYPES = [m.value for m in MedecType]
CUT_MARK = "\n[... {n} characters left out ...]\n"


@dataclass(frozen=True)
class PromptSpec:
    """One versioned prompt: ``render(**fields)`` -> chat messages; ``schema`` for the answer."""

    name: str
    description: str
    system: str
    user: str
    schema: dict[str, Any]
    example: dict[str, Any]
    fields: tuple[str, ...]
    defaults: dict[str, str] = field(default_factory=dict)

    def render(self, *, max_field_chars: int | None = None, **values: Any) -> list[dict[str, str]]:
        """The chat for these field values. Text over ``max_field_chars`` is cut in the middle,
        with a marker saying how much was left out (the model is never shown a silent cut)."""
        unknown = set(values) - set(self.fields) - set(self.defaults)
        if unknown:
            raise ConfigError(
                f"prompt {self.name!r} takes no field {sorted(unknown)[0]!r}; "
                f"its fields: {', '.join(self.fields + tuple(self.defaults))}"
            )
        filled = {**self.defaults, **{k: v for k, v in values.items() if v is not None}}
        missing = [f for f in self.fields if not isinstance(filled.get(f), str)]
        if missing:
            raise ConfigError(f"prompt {self.name!r} needs the text field {missing[0]!r}")
        if max_field_chars:
            filled = {k: shorten(v, max_field_chars) for k, v in filled.items()}
        answer = json.dumps(self.example, ensure_ascii=False)
        return [
            {"role": "system", "content": self.system},
            {
                "role": "user",
                "content": self.user.format(**filled)
                + "\n\nAnswer with one JSON object and nothing else, shaped like this example:\n"
                + answer,
            },
        ]

    def target(self, answer: dict[str, Any]) -> str:
        """An answer as the model should write it (compact JSON): the training target."""
        return json.dumps(answer, ensure_ascii=False, separators=(", ", ": "))


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    keep = max(limit - 40, 2)
    head, tail = text[: keep // 2], text[len(text) - keep // 2 :]
    return head + CUT_MARK.format(n=len(text) - len(head) - len(tail)) + tail


def get_prompt(name: str) -> PromptSpec:
    """A registered prompt by name; unknown names list the registered ones."""
    return prompts.get(name)


def register(spec: PromptSpec) -> PromptSpec:
    prompts.register(spec.name)(spec)
    return spec


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _categories_text() -> str:
    return "\n".join(f"  - {c.value}: {c.description}" for c in ErrorCategory)


def _risks_text() -> str:
    return "\n".join(f"  {int(r)} = {r.label}: {r.description}" for r in RiskLevel)


_REVIEWER = (
    "You check clinical text that a language model wrote. You compare it with the input it was "
    "written from and report where the two disagree. The input is the only source of truth: a "
    "statement is wrong when the input contradicts it, does not back it, or says it with a "
    "different certainty, side, value, drug or time course. Do not judge style or wording that "
    "keeps the meaning. Copy quotes character for character."
)

ASSESS_CASE = register(
    PromptSpec(
        name="assess_case.v1",
        description="whole-case assessment: errors with category, quote and risk; risk level",
        system=_REVIEWER,
        user=(
            "Task of the text: {task}\n\n"
            "INPUT:\n<<<\n{context}\n>>>\n\n"
            "TEXT TO CHECK:\n<<<\n{output}\n>>>\n\n"
            "List every place where the text disagrees with the input. For each one give:\n"
            "- category, one of:\n" + _categories_text() + "\n"
            "- quote: the wrong words of the text, copied exactly. For something the text left "
            "out, copy the words of the input that are missing.\n"
            "- risk: how much harm this one error could do, 1 to 4 (scale below).\n"
            "- explanation: one short sentence.\n"
            "- correction: the words that should replace the quote, or null.\n"
            "Then grade the whole text with risk_level, 1 to 4; the worst error decides, and a "
            "text without errors is 1.\n" + _risks_text()
        ),
        schema={
            "type": "object",
            "properties": {
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "category": {"type": "string", "enum": CATEGORIES},
                            "quote": {"type": "string", "minLength": 1},
                            "risk": {"type": "integer", "minimum": 1, "maximum": 4},
                            "explanation": {"type": "string"},
                            "correction": _nullable({"type": "string"}),
                        },
                        "required": ["category", "quote", "risk", "explanation"],
                        "additionalProperties": False,
                    },
                },
                "risk_level": {"type": "integer", "minimum": 1, "maximum": 4},
            },
            "required": ["errors", "risk_level"],
            "additionalProperties": False,
        },
        example={
            "errors": [
                {
                    "category": "detail_misidentification",
                    "quote": "left knee",
                    "risk": 3,
                    "explanation": "The input says the right knee.",
                    "correction": "right knee",
                }
            ],
            "risk_level": 3,
        },
        fields=("context", "output"),
        defaults={"task": "a clinical text written from the input"},
    )
)

VERIFY_CLAIM = register(
    PromptSpec(
        name="verify_claim.v1",
        description="one claim against evidence: 3-way label, error category, rationale",
        system=_REVIEWER,
        user=(
            "EVIDENCE:\n<<<\n{evidence}\n>>>\n\n"
            "CLAIM:\n<<<\n{claim}\n>>>\n\n"
            "Decide how the evidence bears on the claim:\n"
            "- supported: the evidence states the claim or plainly implies it, conditions "
            "included.\n"
            "- contradicted: the evidence states something that cannot be true together with "
            "the claim.\n"
            "- not_enough_info: the evidence neither states the claim nor rules it out.\n"
            "Give category (for a claim that is not supported, one of the names below; null for "
            "a supported claim), rationale (one short sentence) and evidence_quote (the words of "
            "the evidence that decided, copied exactly, or null).\n" + _categories_text()
        ),
        schema={
            "type": "object",
            "properties": {
                "label": {"type": "string", "enum": LABELS},
                "category": _nullable({"type": "string", "enum": CATEGORIES}),
                "rationale": {"type": "string"},
                "evidence_quote": _nullable({"type": "string"}),
            },
            "required": ["label", "category", "rationale"],
            "additionalProperties": False,
        },
        example={
            "label": "contradicted",
            "category": "detail_misidentification",
            "rationale": "The evidence gives 500 mg, not 1000 mg.",
            "evidence_quote": "metformin 500 mg twice a day",
        },
        fields=("evidence", "claim"),
    )
)

DECOMPOSE = register(
    PromptSpec(
        name="decompose.v1",
        description="condition-aware decomposition of a text into checkable claims",
        system=(
            "You split medical text into claims that a clinician can check one at a time "
            "against a source."
        ),
        user=(
            "TEXT:\n<<<\n{text}\n>>>\n\n"
            "Write the claims of the text. Rules:\n"
            "1. One checkable fact a claim, readable on its own: write out what 'it', 'this' or "
            "'the condition' stands for.\n"
            "2. A condition stays inside the claim it limits ('if', 'when', 'unless', 'in "
            "patients who ...'), and is also listed under conditions.\n"
            "3. Advice becomes a statement that can be checked and keeps its condition: 'see a "
            "doctor if the rash spreads' becomes 'A spreading rash warrants a visit to a "
            "doctor.'\n"
            "4. Greetings, sympathy, disclaimers and personal stories give no claims.\n"
            "5. quote: the words of the text the claim comes from, copied exactly.\n"
            "A text with nothing to check gives an empty list."
        ),
        schema={
            "type": "object",
            "properties": {
                "claims": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "text": {"type": "string", "minLength": 1},
                            "quote": {"type": "string"},
                            "conditions": {"type": "array", "items": {"type": "string"}},
                        },
                        "required": ["text", "quote"],
                        "additionalProperties": False,
                    },
                }
            },
            "required": ["claims"],
            "additionalProperties": False,
        },
        example={
            "claims": [
                {
                    "text": "Ibuprofen can be taken for knee pain if the patient has no "
                    "kidney disease.",
                    "quote": "you can take ibuprofen for the pain unless your kidneys are weak",
                    "conditions": ["the patient has no kidney disease"],
                }
            ]
        },
        fields=("text",),
    )
)

CORRECT_NOTE = register(
    PromptSpec(
        name="correct_note.v1",
        description="clinical-note error detection and correction (MEDEC)",
        system=(
            "You review clinical notes for medical errors: a wrong diagnosis, a wrong "
            "management step, a wrong treatment, a wrong drug or dose, or a wrong causative "
            "organism. A note holds at most one such error; most details are right."
        ),
        user=(
            "NOTE (one sentence a line, each with its number):\n<<<\n{note}\n>>>\n\n"
            "Does the note hold a medical error? If it does, give has_error true, error_type "
            "(one of " + ", ".join(MEDEC_TYPES) + "), sentence_id (the number of the wrong "
            "sentence), sentence (that sentence copied exactly, without its number) and "
            "correction (the whole sentence as it should read). If it does not, give "
            "has_error false and null for the other fields."
        ),
        schema={
            "type": "object",
            "properties": {
                "has_error": {"type": "boolean"},
                "error_type": _nullable({"type": "string", "enum": MEDEC_TYPES}),
                "sentence_id": _nullable({"type": "integer", "minimum": 0}),
                "sentence": _nullable({"type": "string"}),
                "correction": _nullable({"type": "string"}),
            },
            "required": ["has_error", "error_type", "sentence_id", "sentence", "correction"],
            "additionalProperties": False,
        },
        example={
            "has_error": True,
            "error_type": "pharmacotherapy",
            "sentence_id": 4,
            "sentence": "She was started on amoxicillin for the penicillin-allergic rash.",
            "correction": "She was started on azithromycin for the penicillin-allergic rash.",
        },
        fields=("note",),
    )
)


def numbered(text: str, spans: list[tuple[int, int]]) -> str:
    """A note as ``correct_note.v1`` shows it: one sentence a line, numbered from 0."""
    return "\n".join(f"{i} {text[s:e].strip()}" for i, (s, e) in enumerate(spans))
