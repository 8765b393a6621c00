"""Evidence shown with a MEDEC flag must be about the note's condition.

:func:`key_findings` takes the note's findings (every sentence but the flagged one) as content
stems, without vignette boilerplate ("year", "old", "pulse") and without the cue words that say
what kind of statement a sentence makes. A retrieved passage is shown only when it mentions at
least :data:`MIN_HITS` of those findings (:func:`about_note`); a passage on another topic that
shares a word or two of boilerplate is dropped. :func:`vocabulary_evidence` states which of the
note's findings support a proposed correction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from medfact.medec.knowledge import CUE_WORDS
from medfact.medec.rewrite import Proposal
from medfact.textutil import content_stems
from medfact.types import Evidence

#: Distinct key findings a passage must mention to be shown as evidence.
MIN_HITS = 3
VOCAB_SOURCE = "medfact-vocabulary"


def key_findings(
    sentences: Sequence[str], flagged: int | None, boilerplate: Iterable[str] = ()
) -> set[str]:
    """Content stems of the note's findings: every sentence but ``flagged``, without
    ``boilerplate`` stems, cue words and numbers."""
    drop = set(boilerplate) | CUE_WORDS
    return {
        t
        for i, text in enumerate(sentences)
        if i != flagged
        for t in content_stems(text)
        if t not in drop and not t[0].isdigit() and len(t) > 2
    }


def hits(text: str, key: set[str]) -> set[str]:
    """The key findings a passage mentions."""
    return key & set(content_stems(text))


def about_note(evidence: Evidence, key: set[str], min_hits: int = MIN_HITS) -> bool:
    """Whether a passage mentions at least ``min_hits`` of the note's key findings (evidence
    from the note itself or from medfact's vocabularies is always about the note)."""
    if evidence.source in (VOCAB_SOURCE, "context"):
        return True
    return len(hits(evidence.text, key)) >= min_hits


def filter_evidence(
    evidence: Iterable[Evidence], key: set[str], min_hits: int = MIN_HITS
) -> list[Evidence]:
    """The passages that are about the note, in their order, without duplicates."""
    out: list[Evidence] = []
    seen: set[tuple[str, str | None]] = set()
    for ev in evidence:
        ident = (ev.source, ev.doc_id or ev.text[:80])
        if ident in seen or not about_note(ev, key, min_hits):
            continue
        seen.add(ident)
        out.append(ev)
    return out


def vocabulary_evidence(proposal: Proposal) -> Evidence | None:
    """The note's findings that support a proposed replacement, as one evidence item."""
    if proposal.sentence is None or not proposal.basis or not proposal.matched:
        return None
    text = f"Findings in the note that point to {proposal.basis}: " + ", ".join(proposal.matched)
    return Evidence(
        text=text, source=VOCAB_SOURCE, doc_id=proposal.basis, score=round(proposal.support, 2)
    )
