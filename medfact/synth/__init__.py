"""Self-supervised training data (MedVAL's idea): clean (input, output) pairs, rule perturbations
with known error category, span and risk level, and seeded, document-split datasets."""

from __future__ import annotations

from medfact.synth.dataset import (
    Example,
    Label,
    derive_seed,
    split_of,
    synthesize,
    write_dataset,
)
from medfact.synth.pairs import SOURCES, LoadStats, Pair, iter_jsonl_pairs, iter_pairs
from medfact.synth.perturb import (
    KINDS,
    PERTURBATIONS,
    Perturbation,
    apply_perturbation,
    check_kinds,
    split_sentences,
)

__all__ = [
    "KINDS",
    "PERTURBATIONS",
    "SOURCES",
    "Example",
    "Label",
    "LoadStats",
    "Pair",
    "Perturbation",
    "apply_perturbation",
    "check_kinds",
    "derive_seed",
    "iter_jsonl_pairs",
    "iter_pairs",
    "split_of",
    "split_sentences",
    "synthesize",
    "write_dataset",
]
