"""A claim's window of the input for tier 1: the run of consecutive sentences, at most a number of
characters long, that holds most of the claim's content stems (the window the support model was
trained and validated on, ``medfact.nli.build.best_window``), with its span in the input.

bench/RESULTS.md, "Session 10, helper K": read against this window (300 characters) instead of
retrieval's BM25 chunks of one or two sentences, tier 1's P(supported) separates supported claims
from claims the input does not state better on every validation set of ``medfact bench nli`` (on
test too, but for Evidence Inference, 0.948 -> 0.938). The
window gives the probability only: compare still reads retrieval's chunks (those inside the
window first); reading the whole window raised false alarms on the challenge set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from medfact.corpora.context import fast_stems
from medfact.types import Evidence


class ClaimWindows:
    """The windows of one input: ``window(claim_text)`` -> an ``Evidence`` (source "context",
    ``doc_id`` "s3" or "s3-5" by sentence index, as retrieval names its chunks) or None when the
    claim shares no content stem with the input. The sentences' stems are read once."""

    def __init__(self, text: str, sentences: Sequence[Any], max_chars: int) -> None:
        self.text = text
        self.max_chars = max_chars
        self.units = sorted(
            (s.span[0], s.span[1], s.index) for s in sentences if s.span[1] > s.span[0]
        )
        self.stems = [set(fast_stems(text[a:b])) for a, b, _ in self.units]
        self.all_stems: set[str] = set().union(*self.stems)

    def window(self, claim: str) -> Evidence | None:
        """The claim's window: the whole input when it fits in ``max_chars`` (as in training),
        else the run covering the largest share of its content stems, starting on a sentence
        that holds one; among equal shares the earliest start, then the shortest run. A single
        sentence longer than ``max_chars`` is cut at a word boundary."""
        target = set(fast_stems(claim))
        if not target or not self.units:
            return None
        units, limit = self.units, self.max_chars
        if units[-1][1] - units[0][0] <= limit:  # the whole input fits: it is the window
            if not target & self.all_stems:
                return None
            return self._evidence(0, len(units), units[-1][1])
        best = (0, 0, 0)  # (stems covered, first unit, last unit + 1)
        for first in range(len(units)):
            if not self.stems[first] & target:
                continue  # no better for starting on a sentence without the claim's words
            covered: set[str] = set()
            for last in range(first, len(units)):
                if last > first and units[last][1] - units[first][0] > limit:
                    break
                covered |= self.stems[last] & target
                if len(covered) > best[0]:
                    best = (len(covered), first, last + 1)
                if units[last][1] - units[first][0] > limit:
                    break
        if not best[0]:
            return None
        start, end = units[best[1]][0], units[best[2] - 1][1]
        if end - start > limit:
            cut = self.text.rfind(" ", start, start + limit)
            end = cut if cut > start else start + limit
        return self._evidence(best[1], best[2], end)

    def _evidence(self, first: int, stop: int, end: int) -> Evidence:
        """The window of units ``first`` .. ``stop - 1``, ending at ``end``."""
        start = self.units[first][0]
        a, b = self.units[first][2], self.units[stop - 1][2]
        return Evidence.model_construct(
            text=self.text[start:end],
            source="context",
            doc_id=f"s{a}" if a == b else f"s{a}-{b}",
            span=(start, end),
            score=0.0,
        )
