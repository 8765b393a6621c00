"""Evidence sources: the case's own context, persisted BM25 corpora, and corpus loaders.

Importing this package registers ``context.v1``, ``bm25.v1``, ``medquad.v1``, ``pubmedqa.v1`` and
``jsonl.v1`` in ``medfact.registry.corpora``.
"""

from medfact.corpora.bm25 import BM25Corpus, Passage, corpus_dir, medfact_home, read_manifest
from medfact.corpora.context import ContextIndex
from medfact.corpora.loaders import (
    LoadReport,
    detect_format,
    iter_jsonl,
    iter_medquad,
    iter_pubmedqa,
    load_passages,
)

__all__ = [
    "BM25Corpus",
    "ContextIndex",
    "LoadReport",
    "Passage",
    "corpus_dir",
    "detect_format",
    "iter_jsonl",
    "iter_medquad",
    "iter_pubmedqa",
    "load_passages",
    "medfact_home",
    "read_manifest",
]
