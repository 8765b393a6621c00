"""MEDEC-style clinical note checking: error flag, error sentence, error type and correction.

>>> from medfact.medec import correct
>>> c = correct("A 3-year-old boy has a barking cough and stridor. Culture confirms E. coli.")
>>> c.error_flag, c.sentence_index, c.corrected_sentence

Correctors are plug-ins (:data:`correctors`, entry-point group ``medfact.correctors``); the CPU
default is ``knowledge.v1``. Data readers live in :mod:`medfact.medec.data`, the official
metrics in :mod:`medfact.medec.metrics`.
"""

from __future__ import annotations

from medfact.medec.corrector import (
    BaseCorrector,
    Corrector,
    KnowledgeCorrector,
    correct,
    correctors,
    cross_validate,
    get_corrector,
)
from medfact.medec.data import MedecNote, RowError, iter_csv, iter_jsonl, load_notes, read_notes
from medfact.medec.metrics import evaluate, mediqa_line, parse_mediqa

__all__ = [
    "BaseCorrector",
    "Corrector",
    "KnowledgeCorrector",
    "MedecNote",
    "RowError",
    "correct",
    "correctors",
    "cross_validate",
    "evaluate",
    "get_corrector",
    "iter_csv",
    "iter_jsonl",
    "load_notes",
    "mediqa_line",
    "parse_mediqa",
    "read_notes",
]
