"""The part of a long input that an output claim is about: its aligned window.

A 10-minute visit transcript mentions "pain" or "chest" many times, in many senses; comparing an
output word with every mention anywhere in it raises contradictions between unrelated turns
("denies chest pain" against "show me the chest x-ray"). For a long input, rules compare a claim
only with the sentences around the chunks retrieved for it (``view.evidence[claim.id]``). A short
input (a note, a few dialogue turns) is one window: every sentence of it is aligned to every claim.
"""

from __future__ import annotations

import bisect

from medfact.document import CaseDoc

LONG_CONTEXT = 2500  # characters: below this the whole input is one window
REACH = 3  # sentences on either side of a retrieved chunk that still belong to its window


class AlignedWindows:
    """Per-claim sets of context sentence indices, computed once per claim and case."""

    def __init__(self, view: CaseDoc, reach: int = REACH, long_context: int = LONG_CONTEXT):
        self.view = view
        self.reach = reach
        ctx = view.context
        self.active = ctx is not None and len(ctx.text) >= long_context
        self._starts = [s.span[0] for s in view.context_sentences]
        self._cache: dict[str, frozenset[int]] = {}

    def window(self, start: int, end: int) -> frozenset[int] | None:
        """Sentence indices of the context aligned to the output region [start, end); None when
        the input is short (no restriction). A claim with no retrieved chunk has an empty one."""
        if not self.active:
            return None
        claim = self.view.claim_at(start, end)
        if claim is None:
            return frozenset()
        cached = self._cache.get(claim.id)
        if cached is None:
            cached = self._cache[claim.id] = self._sentences(claim.id)
        return cached

    def _sentences(self, claim_id: str) -> frozenset[int]:
        sentences = self.view.context_sentences
        found: set[int] = set()
        for ev in self.view.evidence.get(claim_id, []):
            if ev.source != "context" or ev.span is None:
                continue
            first = max(0, bisect.bisect_right(self._starts, ev.span[0]) - 1)
            last = max(first, bisect.bisect_left(self._starts, ev.span[1]) - 1)
            lo, hi = max(0, first - self.reach), min(len(sentences) - 1, last + self.reach)
            found.update(sentences[k].index for k in range(lo, hi + 1))
        return frozenset(found)

    def holds(self, window: frozenset[int] | None, sentence: int) -> bool:
        """Whether a context sentence lies in ``window`` (always, for a short input)."""
        return window is None or sentence in window
