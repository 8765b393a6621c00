"""Build a labelled :class:`Perturbation` from one replacement, insertion or deletion."""

from __future__ import annotations

import re
from functools import lru_cache

from medfact.synth.perturb.base import CategoryRisk, Perturbation, Span
from medfact.synth.perturb.text import sentence_at, split_sentences, wordlist, words_of
from medfact.textutil import content_stems


def make_replacement(
    kind: str,
    output: str,
    start: int,
    end: int,
    new: str,
    label: CategoryRisk,
    description: str,
) -> Perturbation | None:
    """Replace ``output[start:end]`` by ``new``; None when nothing would change."""
    if output[start:end] == new:
        return None
    text = output[:start] + new + output[end:]
    return _labelled(kind, text, label, (start, start + len(new)), (start, end), description)


def make_insertion(
    kind: str,
    output: str,
    at: int,
    new: str,
    sep: str,
    label: CategoryRisk,
    description: str,
) -> Perturbation:
    """Insert ``sep + new`` at ``at`` (or ``new + sep`` at the start of the text)."""
    if at == 0:
        text, start = new + sep + output, 0
    else:
        text, start = output[:at] + sep + new + output[at:], at + len(sep)
    return _labelled(kind, text, label, (start, start + len(new)), (at, at), description)


def make_clause_insertion(
    kind: str,
    output: str,
    at: int,
    clause: str,
    label: CategoryRisk,
    description: str,
) -> Perturbation:
    """Insert ``clause`` (which brings its own leading comma or space) at ``at``."""
    text = output[:at] + clause + output[at:]
    return _labelled(kind, text, label, (at, at + len(clause)), (at, at), description)


_DANGLING = frozenset(
    wordlist(
        """a an the of to for and or as such like with is are was were be been being that which
        than from by at in on feels feel felt seems seem getting gotten has have had"""
    )
)


def make_deletion(
    kind: str,
    output: str,
    start: int,
    end: int,
    label: CategoryRisk,
    description: str,
    context: str = "",
) -> Perturbation | None:
    """Remove ``output[start:end]``; capitalise the next letter when the cut began a sentence.

    None when the cut would leave a dangling word or a broken sentence.
    """
    before, after = output[:start].rstrip(), output[end:]
    text = output[:start] + after
    stripped = after.lstrip()
    if not before or before[-1] in ".!?:\n":
        if stripped[:1].isalpha():
            offset = start + len(after) - len(stripped)
            text = text[:offset] + stripped[0].upper() + text[offset + 1 :]
    elif (
        stripped[:1] in ("", ".", ",", ";", ":")
        and words_of(before)[-1:]
        and (words_of(before)[-1].lower() in _DANGLING)
    ):
        return None
    if not _cut_ok(text, start):
        return None
    removed = output[start:end]
    lead = len(removed) - len(removed.lstrip())
    trail = len(removed) - len(removed.rstrip())
    evidence = _evidence_span(context, removed) if context else None
    return _labelled(kind, text, label, None, (start + lead, end - trail), description, evidence)


def _labelled(
    kind: str,
    text: str,
    label: CategoryRisk,
    span: Span | None,
    original_span: Span,
    description: str,
    context_span: Span | None = None,
) -> Perturbation:
    return Perturbation(
        kind=kind,
        output=text,
        category=label[0],
        risk_level=label[1],
        span=span,
        original_span=original_span,
        description=description,
        context_span=context_span,
    )


def _cut_ok(text: str, pos: int) -> bool:
    """Around a cut: no stray ", ." or empty brackets, and the sentence keeps a word."""
    if re.search(r",\s*[.;,:]|\(\s*\)", text[max(0, pos - 3) : pos + 3]):
        return False
    if not text.strip() or text.lstrip()[0] in ",.;:":
        return False
    start, end = sentence_at(text, min(pos, len(text) - 1))
    return len(words_of(text[start:end])) >= 1


# Words of note-writing ("denies", "reports", "the patient") that say nothing about the finding.
_REPORTING_STEMS = frozenset(
    wordlist("deni report patient state note endors complain present mention describ")
)


def _evidence_span(context: str, dropped: str) -> Span | None:
    """The context line or sentence sharing the most content words with ``dropped``."""
    wanted = set(content_stems(dropped)) - _REPORTING_STEMS
    if not wanted:
        return None
    best: tuple[float, int] | None = None
    units = _context_units(context)
    for i, (_, stems) in enumerate(units):
        shared = wanted & stems
        score = len(shared) / len(wanted)
        if len(shared) >= min(2, len(wanted)) and score >= 0.3 and (not best or score > best[0]):
            best = (score, i)
    if best is None:
        return None
    start, end = units[best[1]][0]
    if context[end - 1] == "?" and best[1] + 1 < len(units):  # a question: add its answer
        end = units[best[1] + 1][0][1]
    return start, end


@lru_cache(maxsize=16)
def _context_units(context: str) -> tuple[tuple[Span, frozenset[str]], ...]:
    return tuple(
        ((start, end), frozenset(content_stems(context[start:end])))
        for start, end in split_sentences(context)
    )
