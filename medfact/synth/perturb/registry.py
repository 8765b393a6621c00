"""The perturbations by kind, the kind check and :func:`apply_perturbation`, which rejects a
result whose spans do not describe its edit."""

from __future__ import annotations

import difflib
import logging
import random
import re

from medfact.errors import ConfigError
from medfact.synth.perturb.additions import add_unsupported_finding, add_unsupported_recommendation
from medfact.synth.perturb.base import Perturbation, PerturbFn
from medfact.synth.perturb.certainty import overstate_certainty, understate_certainty
from medfact.synth.perturb.clauses import add_misleading_justification, invent_comparison
from medfact.synth.perturb.drugs import change_drug
from medfact.synth.perturb.laterality import swap_laterality
from medfact.synth.perturb.negation import flip_negation
from medfact.synth.perturb.omissions import drop_comparison, drop_finding, drop_qualifier
from medfact.synth.perturb.values import change_value

log = logging.getLogger(__name__)

PERTURBATIONS: dict[str, PerturbFn] = {
    "swap_laterality": swap_laterality,
    "change_value": change_value,
    "change_drug": change_drug,
    "flip_negation": flip_negation,
    "add_unsupported_finding": add_unsupported_finding,
    "add_unsupported_recommendation": add_unsupported_recommendation,
    "add_misleading_justification": add_misleading_justification,
    "invent_comparison": invent_comparison,
    "overstate_certainty": overstate_certainty,
    "understate_certainty": understate_certainty,
    "drop_finding": drop_finding,
    "drop_qualifier": drop_qualifier,
    "drop_comparison": drop_comparison,
}
KINDS: tuple[str, ...] = tuple(PERTURBATIONS)


def check_kinds(kinds: list[str] | tuple[str, ...] | None, owner: str = "synthesize") -> list[str]:
    """The kinds to use (all when None); unknown names raise ConfigError with a suggestion."""
    if kinds is None:
        return list(KINDS)
    for kind in kinds:
        if kind not in PERTURBATIONS:
            close = difflib.get_close_matches(kind, KINDS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"{owner}: kinds must be among {', '.join(KINDS)}; received {kind!r}.{hint}"
            )
    return list(dict.fromkeys(kinds))


def apply_perturbation(
    kind: str, context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Apply the perturbation ``kind``; None when it does not apply or fails its own checks."""
    check_kinds([kind], "apply_perturbation")
    result = PERTURBATIONS[kind](context, output, rng, task=task)
    if result is None or not _valid(result, output):
        return None
    return result


def _valid(p: Perturbation, clean: str) -> bool:
    """Span sanity: in range, no edge whitespace, and the edit is the only difference."""
    if p.output == clean or _squash(p.output).lower() == _squash(clean).lower():
        return False
    spans = [(p.original_span, clean)] + ([(p.span, p.output)] if p.span else [])
    for (start, end), text in spans:
        if not 0 <= start <= end <= len(text) or text[start:end] != text[start:end].strip():
            log.debug("rejected %s: bad span", p.kind)
            return False
    if p.span is None:
        rebuilt = clean[: p.original_span[0]] + clean[p.original_span[1] :]
        return _bare(rebuilt).lower() == _bare(p.output).lower()
    s, e = p.span
    rebuilt = p.output[:s] + clean[slice(*p.original_span)] + p.output[e:]
    return _bare(rebuilt) == _bare(clean)


def _bare(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _squash(text: str) -> str:
    """Whitespace-insensitive form used to compare texts around an edit."""
    return re.sub(r"\s+([.,;:])", r"\1", re.sub(r"\s+", " ", text)).strip()
