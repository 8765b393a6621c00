"""numbers.v1: values, units, doses and durations of the output that disagree with the input."""

from __future__ import annotations

from medfact.analysis import Quantity
from medfact.document import CaseDoc
from medfact.lexicon.terms import DOSE_CLASSES
from medfact.registry import verifiers
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule, window_stems

# Classes whose values are specific enough that a lone competitor is a real disagreement.
_SPECIFIC = DOSE_CLASSES | {"pressure", "ratio", "temperature", "age", "weight", "rate", "percent"}


def _same(a: Quantity, b: Quantity) -> bool:
    if a.second is not None or b.second is not None:
        return a.value == b.value and a.second == b.second
    if a.value == b.value:
        return True
    if a.unit_class and a.unit_class == b.unit_class and a.unit and b.unit and a.unit != b.unit:
        base_a, base_b = a.base_value(), b.base_value()
        return abs(base_a - base_b) <= 0.02 * max(abs(base_a), abs(base_b))
    return False


def _relative_distance(q: Quantity, c: Quantity, out, ctx) -> float:  # noqa: ANN001
    """How far apart two values sit, as fractions of their texts (notes follow dialogues)."""
    return abs(c.start / max(len(ctx.text), 1) - q.start / max(len(out.text), 1))


def _dose_of_new_drug(q: Quantity, out, ctx) -> bool:  # noqa: ANN001
    """Whether the drug named just before this dose (same sentence) is absent from the input."""
    if q.unit_class not in DOSE_CLASSES:
        return False
    before = [
        d
        for d in out.drugs
        if d.end <= q.start and out.text.count(".", d.end, q.start) == 0 and q.start - d.end < 40
    ]
    return bool(before) and before[-1].canonical not in ctx.drug_names


def _fmt(q: Quantity, text: str) -> str:
    return text[q.start : q.end]


@verifiers.register("numbers.v1")
class NumbersRule(Rule):
    name = "numbers.v1"

    def __init__(self, dose_risk: int = 4, value_risk: int = 3, unsupported_risk: int = 2) -> None:
        self.dose_risk = dose_risk
        self.value_risk = value_risk
        self.unsupported_risk = unsupported_risk

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None
        findings = []
        for q in out.quantities:
            if any(_same(q, c) for c in ctx.quantities):
                continue
            anchors = window_stems(out.tokens, q.token_index)
            rivals = []
            for c in ctx.quantities:
                if q.unit_class is None and c.unit_class is not None:
                    continue
                if q.unit_class is not None and c.unit_class != q.unit_class:
                    continue
                overlap = len(anchors & window_stems(ctx.tokens, c.token_index))
                rivals.append((overlap, c))
            same_class = [c for _, c in rivals]
            best = max(rivals, key=lambda r: r[0], default=(0, None))
            rival = best[1] if best[0] > 0 and q.unit_class is not None else None
            if _dose_of_new_drug(q, out, ctx):
                rival = None  # "start prednisone 40 mg": no dose in the input to compare with
            elif rival is None and q.unit_class is not None and same_class:
                # The input speaks of the same kind of value (a dose, a duration), not this one.
                same_unit = [c for c in same_class if c.unit == q.unit]
                if q.unit_class in _SPECIFIC or same_unit:
                    pool = same_class if q.unit_class in _SPECIFIC else same_unit
                    rival = min(pool, key=lambda c: _relative_distance(q, c, out, ctx))
            is_dose = q.unit_class in DOSE_CLASSES
            surface = _fmt(q, out.text)
            if rival is not None:
                stated = _fmt(rival, ctx.text)
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.DETAIL_MISIDENTIFICATION,
                        self.dose_risk if is_dose else self.value_risk,
                        (q.start, q.end),
                        f"{'dose' if is_dose else 'value'} '{surface}' differs from the input's "
                        f"'{stated}'",
                        relation=CONTRADICTED,
                        context_span=(rival.start, rival.end),
                        suggestion=stated,
                        confidence=0.85 if best[0] else 0.65,
                    )
                )
            elif q.unit_class is not None:
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.DETAIL_MISIDENTIFICATION,
                        max(self.unsupported_risk, 3) if is_dose else self.unsupported_risk,
                        (q.start, q.end),
                        f"value '{surface}' does not appear in the input",
                        confidence=0.55,
                    )
                )
        return findings
