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
        found = self.windows(claim, 1)
        return found[0] if found else None

    def windows(self, claim: str, k: int) -> list[Evidence]:
        """The claim's ``k`` best windows, best first: ``window(claim)``, then the runs that
        reach a sentence no window before them holds, by the same order (stems covered, earliest
        start, shortest run). One window where the input fits whole; none where the claim shares
        no content stem with the input. Each is read from this input and the claim alone."""
        target = set(fast_stems(claim))
        if not target or not self.units or k < 1:
            return []
        units = self.units
        if units[-1][1] - units[0][0] <= self.max_chars:  # the whole input fits: one window
            if not target & self.all_stems:
                return []
            return [self._evidence(0, len(units), units[-1][1])]
        ranked = sorted(self._runs(target), key=lambda r: (-r[0], r[1], r[2]))
        out: list[Evidence] = []
        held: set[int] = set()
        for _, first, stop in ranked:
            if len(out) == k:
                break
            if set(range(first, stop)) <= held:
                continue  # adds no sentence to the windows already chosen
            held |= set(range(first, stop))
            out.append(self._cut(first, stop))
        return out

    def _runs(self, target: set[str]) -> list[tuple[int, int, int]]:
        """(stems covered, first unit, last unit + 1) of each run, at most ``max_chars`` long (a
        single longer sentence included), that starts on a sentence holding one of ``target``
        and covers more of it than the shorter runs from the same start."""
        units, limit = self.units, self.max_chars
        out = []
        for first in range(len(units)):
            if not self.stems[first] & target:
                continue  # no better for starting on a sentence without the claim's words
            covered: set[str] = set()
            for last in range(first, len(units)):
                if last > first and units[last][1] - units[first][0] > limit:
                    break
                before = len(covered)
                covered |= self.stems[last] & target
                if len(covered) > before:
                    out.append((len(covered), first, last + 1))
                if units[last][1] - units[first][0] > limit:
                    break
        return out

    def _cut(self, first: int, stop: int) -> Evidence:
        """The run of units ``first`` .. ``stop - 1``, cut at a word within ``max_chars``."""
        start, end = self.units[first][0], self.units[stop - 1][1]
        if end - start > self.max_chars:
            cut = self.text.rfind(" ", start, start + self.max_chars)
            end = cut if cut > start else start + self.max_chars
        return self._evidence(first, stop, end)

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
