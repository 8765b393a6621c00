"""What a perturbation returns and the signature every perturbation function has.

Span conventions (half-open character offsets, never starting or ending with whitespace):

- replacement: ``output[span]`` is the new text and ``clean[original_span]`` the text it replaced;
- insertion: ``output[span]`` is the inserted sentence or clause; ``original_span`` is the empty
  span at the insertion point of the clean output;
- deletion (omission kinds): ``span`` is None, ``original_span`` is the removed text of the clean
  output (with its separating comma, if any) and ``context_span`` points to the dropped content's
  evidence in the context when it can be found. A letter after the cut may be capitalised.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Protocol

from medfact.taxonomy import ErrorCategory, RiskLevel

Span = tuple[int, int]
CategoryRisk = tuple[ErrorCategory, RiskLevel]
"""The label an edit gets: its error category and risk level."""


@dataclass(frozen=True)
class Perturbation:
    """One perturbed output and its label."""

    kind: str
    output: str
    category: ErrorCategory
    risk_level: RiskLevel
    span: Span | None
    original_span: Span
    description: str
    context_span: Span | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "output": self.output,
            "category": self.category.value,
            "group": self.category.group.value,
            "risk_level": int(self.risk_level),
            "span": list(self.span) if self.span else None,
            "original_span": list(self.original_span),
            "context_span": list(self.context_span) if self.context_span else None,
            "description": self.description,
        }


class PerturbFn(Protocol):
    """What every registered perturbation looks like."""

    def __call__(
        self, context: str, output: str, rng: random.Random, *, task: str | None = None
    ) -> Perturbation | None: ...
