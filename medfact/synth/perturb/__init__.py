"""Rule perturbations of a clean output, each with a known error category, risk level and span.

Every perturbation function has the signature ``(context, output, rng, *, task=None)`` and returns
a :class:`Perturbation` or None when it does not apply to the pair; :data:`PERTURBATIONS` holds
them by kind. The span conventions are in :mod:`medfact.synth.perturb.base`. Modules:

- ``base``: :class:`Perturbation` and the perturbation signature;
- ``text``: sentence spans and word matching; ``edits``: a labelled replacement, insertion or
  deletion; ``vocabulary``: word lists several families share;
- one module per family: ``laterality``, ``values``, ``drugs``, ``negation``, ``additions``
  (unsupported sentences), ``clauses`` (unsupported causes and comparisons), ``certainty``,
  ``omissions``;
- ``registry``: the kinds, :func:`check_kinds` and :func:`apply_perturbation`.

All word lists and sentences are medfact's own.
"""

from __future__ import annotations

from medfact.synth.perturb.additions import add_unsupported_finding, add_unsupported_recommendation
from medfact.synth.perturb.base import Perturbation, PerturbFn, Span
from medfact.synth.perturb.certainty import overstate_certainty, understate_certainty
from medfact.synth.perturb.clauses import add_misleading_justification, invent_comparison
from medfact.synth.perturb.drugs import change_drug
from medfact.synth.perturb.laterality import swap_laterality
from medfact.synth.perturb.negation import flip_negation
from medfact.synth.perturb.omissions import drop_comparison, drop_finding, drop_qualifier
from medfact.synth.perturb.registry import KINDS, PERTURBATIONS, apply_perturbation, check_kinds
from medfact.synth.perturb.text import split_sentences
from medfact.synth.perturb.values import change_value

__all__ = [
    "KINDS",
    "PERTURBATIONS",
    "PerturbFn",
    "Perturbation",
    "Span",
    "add_misleading_justification",
    "add_unsupported_finding",
    "add_unsupported_recommendation",
    "apply_perturbation",
    "change_drug",
    "change_value",
    "check_kinds",
    "drop_comparison",
    "drop_finding",
    "drop_qualifier",
    "flip_negation",
    "invent_comparison",
    "overstate_certainty",
    "split_sentences",
    "swap_laterality",
    "understate_certainty",
]
