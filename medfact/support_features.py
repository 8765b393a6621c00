"""Cheap features of a (window, claim) pair beside tier 1's logit, for the support combiner.

Every feature is a function of the claim, its aligned window and the premise the window was cut
from (the input in context mode), never of other cases: a claim's features do not depend on what
else is scored with it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from medfact.textutil import content_stems

# The logistic combiner's inputs, in order. ``z_*`` are tier-1 logits (log-odds of the calibrated
# P(supported)); the rest are shares, counts and log lengths of the pair's words.
FEATURES = (
    "z_best",
    "z_max",
    "recall_window",
    "recall_premise",
    "specific_window",
    "numbers_missing",
    "has_numbers",
    "claim_words",
)

# a number standing alone: not part of a name ("COVID-19", "SARS-CoV-2", "S358", "IL6")
_NUMBER = re.compile(r"(?<![\w.,-])\d+(?:[.,]\d+)*(?![.,]?\d)")
_LIMIT = 8.0  # logits are clipped to +-8 (P within 3e-4 of 0 or 1)


def logit(p: float) -> float:
    """The log-odds of ``p``, clipped to +-8."""
    p = min(max(float(p), 1e-6), 1 - 1e-6)
    return max(-_LIMIT, min(_LIMIT, math.log(p / (1 - p))))


def _numbers(text: str) -> set[str]:
    return {m.group().replace(",", "") for m in _NUMBER.finditer(text)}


def _specific(stems: list[str]) -> set[str]:
    """Stems likely to be specific to a passage: long words, or words with a digit."""
    return {s for s in stems if len(s) >= 7 or any(ch.isdigit() for ch in s)}


def features(window: str, claim: str, premise: str, z: Mapping[str, float]) -> dict[str, float]:
    """The combiner's features of one claim: ``z`` holds its logits (``best``: the aligned
    window's; ``max``: the most supporting window's, the aligned one when only it was read)."""
    claim_stems = content_stems(claim)
    target = set(claim_stems)
    in_window = set(content_stems(window))
    in_premise = set(content_stems(premise)) | in_window
    specific = _specific(claim_stems)
    numbers = _numbers(claim)
    premise_numbers = _numbers(premise) | _numbers(window)
    n = max(len(target), 1)
    return {
        "z_best": float(z["best"]),
        "z_max": float(z.get("max", z["best"])),
        "recall_window": len(target & in_window) / n,
        "recall_premise": len(target & in_premise) / n,
        "specific_window": len(specific & in_window) / len(specific) if specific else 1.0,
        "numbers_missing": len(numbers - premise_numbers) / len(numbers) if numbers else 0.0,
        "has_numbers": 1.0 if numbers else 0.0,
        "claim_words": math.log1p(len(claim_stems)),
    }
