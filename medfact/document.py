"""``CaseDoc``: the one typed document that travels through the pipeline, one per case.

Every stage reads and writes it (as spaCy's ``Doc``): the segmenter fills the sentences, the
decomposer the claims, the analyzer the analysed texts, retrieval the evidence, the rules and
tier 1 the findings and probabilities, verdict construction the verdicts, tier 2 its record, and
the scorer the risk. The engine turns a finished document into an :class:`Assessment`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from medfact.textutil import SpanIndex
from medfact.types import Case, Claim, Evidence, Finding, Sentence, Verdict

if TYPE_CHECKING:
    import numpy as np

    from medfact.analysis import AnalyzedText
    from medfact.taxonomy import RiskLevel

Search = Callable[[str, int], list[Evidence]]


@dataclass
class CaseDoc:
    """One case on its way through the stages.

    ``context_text`` is the case's context, or None when it has none (or only whitespace): every
    stage that checks against the input tests it. ``output`` and ``context`` are the analysed
    texts (after the ``analyze`` stage), which is what the tier-0 rules read.
    """

    case: Case
    output_sentences: list[Sentence] = field(default_factory=list)
    context_sentences: list[Sentence] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    output: AnalyzedText | None = None
    context: AnalyzedText | None = None
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)  # claim id -> passages
    # corpus mode: the whole passage of every retrieved hit, by (corpus, doc id); the evidence
    # above holds each cut to its window nearest the claim
    documents: dict[tuple[str, str | None], Evidence] = field(default_factory=dict)
    # corpus mode: claims whose aligned window tier 1 read from the whole document, not retrieval
    document_aligned: set[str] = field(default_factory=set)
    # corpus mode: (claim id, corpus, doc id) of each passage the claim shares a specific word
    # with ([evidence] anchor_share); None where the corpora cannot tell
    anchored: set[tuple[str, str, str | None]] | None = None
    search: Search | None = None  # the case's context index, for rules that look things up
    checkable: bool = False  # there is a context or a corpus to check the claims against
    findings: list[Finding] = field(default_factory=list)
    probabilities: np.ndarray | None = None  # tier 1: (n_claims, 3) supported/contradicted/NEI
    thresholds: dict[str, float] | None = None  # tier 1's model-card thresholds
    verdicts: list[Verdict] = field(default_factory=list)
    lm: dict[str, Any] | None = None  # what tier 2 did, when it ran
    risk: RiskLevel | None = None
    timings: dict[str, float] = field(default_factory=dict)
    error: Exception | None = None  # set by the engine when a stage failed on this case

    def __post_init__(self) -> None:
        self._clock = time.perf_counter()
        self._index_key: tuple[int, int] | None = None
        self._index: SpanIndex | None = None

    @property
    def context_text(self) -> str | None:
        text = self.case.context
        return text if text and text.strip() else None

    def start_clock(self) -> None:
        self._clock = time.perf_counter()

    def lap(self, stage: str) -> None:
        """Add the time since the last lap to ``timings[stage]``."""
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - self._clock
        self._clock = now

    def claim_at(self, start: int, end: int) -> Claim | None:
        """The claim whose span holds [start, end), or the one overlapping it most (the first
        such claim on a tie). Binary search over the claims by start: a rule calling it once per
        finding stays linear in the output's length."""
        best, overlap = -1, 0
        for i in self._claim_index().overlapping(start, end):
            s, e = self.claims[i].span
            ov = min(end, e) - max(start, s)
            if ov > overlap or (ov == overlap and ov > 0 and i < best):
                best, overlap = i, ov
        return self.claims[best] if best >= 0 else None

    def _claim_index(self) -> SpanIndex:
        """The claims' span index, rebuilt when the claims list changes."""
        key = (id(self.claims), len(self.claims))
        if self._index is None or self._index_key != key:
            self._index = SpanIndex([tuple(c.span) for c in self.claims])
            self._index_key = key
        return self._index

    def context_evidence(self, start: int, end: int) -> list[Evidence]:
        """Evidence chunks for the output region [start, end): the owning claim's retrieval."""
        claim = self.claim_at(start, end)
        return self.evidence.get(claim.id, []) if claim else []
