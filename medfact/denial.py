"""A claim that denies what its aligned passage states: "There is no link between singing and
the transmission of COVID-19" against "singing might have contributed to transmission".

Tier 1 aligns a claim with the passage that speaks of what it speaks of, but reads past a "no"
or "not": a denied claim and the passage it denies share their words. This module reads the
denial with the analysis every rule reads (each token's polarity and its trigger,
:mod:`medfact.analysis`) and compares it, word by word, with the aligned window: where the claim
denies that something exists or happened ("no", "none", "nothing") and the window states a
specific word of it without any denial, word of absence, plan or finding of no effect, the claim
is contradicted (rule ``denial.v1``; the finding shows the denied phrase and the passage's
words). The same rule reads two minimal edits tier 1 reads past: a word's prefixed opposite
(:mod:`medfact.opposites`) and a value swapped in its slot (:mod:`medfact.swaps`).

It reads only a written input (a conversation's "no" answers are negation.v1's) and only a
claim tier 1 aligns (P(supported) at the card's ``supported`` threshold): elsewhere the window
need not be about the claim. Without a model it reads nothing.
"""

from __future__ import annotations

import re

from medfact.analysis import HYPOTHETICAL, NEGATED, AnalyzedText, Token, is_content
from medfact.direction import denied_by_no_effect
from medfact.document import CaseDoc
from medfact.opposites import opposite_words
from medfact.swaps import swapped_value
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.types import Claim, Evidence, Finding

RULE = "denial.v1"
_MIN_SHARED = 1  # specific denied words the window must state
_PREFIX = 5  # letters two stems of one word share
# a "check" grade, under the severity policy's confidence floor: the readings are precise on
# study text but cannot tell a note's instruction ("No NSAIDs.", "no heavy lifting") from a
# statement; the claim's verdict is contradicted all the same
_RISK = RiskLevel(2)
_CONFIDENCE = 0.45

# words of every research statement: sharing them says nothing of what is denied
_GENERIC = frozenset(
    ["patient", "patients", "people", "person", "individuals", "study", "studies", "evidence"]
    + ["data", "research", "researchers", "scientists", "result", "results", "finding", "findings"]
    + ["report", "reports", "group", "groups", "case", "cases"]
    + ["virus", "disease", "infection", "infections", "effect", "effects"]
    + ["impact", "association", "link", "correlation", "difference", "differences"]
)
# words of a passage clause that deny what follows or precedes them without a "no"
_PRIVATIVE = re.compile(
    r"\b(?:below|lack\w*|absen\w*|free\s+of|unable|fail\w*|insufficient|inadequate|"
    r"limited|neither|nor|rather\s+than|instead\s+of|rule[ds]?\s+out|unlikely|never|"
    r"resolv\w*|subsid\w*|settled|cleared|ceased|stopped|discontinu\w*|no\s+longer)\b",
    re.IGNORECASE,
)

# a sentence that asks, sets out to study or leaves open: it states nothing
_OPEN_OR_AIM = re.compile(
    r"\b(?:whether|if|unclear|unknown|remains?\s+to\s+be|poorly\s+(?:defined|understood)|"
    r"aims?|aimed|objectives?|purpose|hypothes\w+|to\s+(?:investigate|evaluate|determine|"
    r"assess|examine|test|compare|analy[sz]e|explore|study|describe|identify))\b",
    re.IGNORECASE,
)
# words that deny that something exists or happened at all ("there is no evidence that X",
# "no new cases were traced to X", "none of the transmission"): a window that states X says
# otherwise. A denied predicate ("X is not impaired") is left alone: the window may name X and
# never speak of the predicate.
_EXISTENCE = frozenset({"no", "none", "nothing", "nobody", "neither", "nor"})
_NO_START = re.compile(r"\s*(?:[-*\u2022]\s*)?no\b", re.IGNORECASE)
# a finite verb, roughly: an auxiliary or a past form ("No deaths occurred.", "no cases were")
_VERB = re.compile(
    r"\b(?:is|are|was|were|be|been|being|has|have|had|do|does|did|can|could|will|would|"
    r"shall|should|may|might|must|exists?|occur\w*|appears?|seems?|shows?|\w{3,}ed)\b",
    re.IGNORECASE,
)
_LABEL = re.compile(r"\s*(?::|-\s)")  # "Allergies: NKDA", "Fever - none"
# a "no" that names a comparator arm: "compared with no treatment", "versus no intervention"
_ARM_BEFORE = re.compile(r"\b(?:with|versus|vs\.?|than|to|or|and)\s*$", re.IGNORECASE)


def denial_findings(doc: CaseDoc) -> list[Finding]:
    """A ``denial.v1`` finding for each claim that denies what its tier-1 window states in so
    many words, or that a minimal edit made of it: a word's prefixed opposite
    (medfact.opposites), a value swapped in its slot (medfact.swaps). Written inputs only: in a
    conversation the words are asked and answered ("is it tender? - no" for "nontender")."""
    if not _applies(doc):
        return []
    assert doc.output is not None and doc.context is not None
    cut = float((doc.thresholds or {}).get("supported", 0.5))
    done = {f.claim_id for f in doc.findings if f.relation == "contradicted" and f.claim_id}
    out = []
    for position, claim in enumerate(doc.claims):
        if claim.id in done or float(doc.probabilities[position][0]) < cut:
            continue
        windows = doc.evidence.get(claim.id) or []
        if not windows or windows[0].source != "context" or windows[0].span is None:
            continue
        found = _denied_and_stated(doc, claim, windows[0].span)
        if found is not None:
            out.append(_finding(doc, claim, *found))
            continue
        span = windows[0].span
        pair = opposite_words(doc.output, claim.span, doc.context, span)
        if pair is not None:
            out.append(_edit_finding(claim, *pair, "opposite"))
            continue
        pair = swapped_value(doc.output, claim.span, doc.context, span)
        if pair is not None:
            out.append(_edit_finding(claim, *pair, "value"))
    return out


def _applies(doc: CaseDoc) -> bool:
    """A written input, an output and tier 1's probabilities."""
    return (
        doc.context is not None
        and not doc.context.is_dialogue
        and doc.output is not None
        and doc.probabilities is not None
        and bool(doc.claims)
    )


def _denied_and_stated(
    doc: CaseDoc, claim: Claim, span: tuple[int, int]
) -> tuple[list[Token], list[Token]] | None:
    """The claim's denied words and the window's statements of them (see
    :func:`denied_and_stated`)."""
    assert doc.output is not None and doc.context is not None
    return denied_and_stated(doc.output, claim.span, doc.context, span)


def denied_and_stated(
    output: AnalyzedText, claim: tuple[int, int], context: AnalyzedText, span: tuple[int, int]
) -> tuple[list[Token], list[Token]] | None:
    """The claim's denied specific words and the window's mentions of them, where at least
    ``_MIN_SHARED`` of them are mentioned in statements of the window (not a question or an
    aim) and no mention is denied, narrowed by a word of absence or a finding of no effect."""
    if _verbless_denial(output.text[claim[0] : claim[1]]):
        return None
    denied = [t for t in output.tokens_in(*claim) if _denied_claim_word(output, t)]
    if not denied:
        return None
    stating = _stating_sentences(context, span)
    mentions = [t for t in context.tokens_in(*span) if _specific(t)]
    shared: set[str] = set()
    stated: list[Token] = []
    for t in denied:
        found = [m for m in mentions if _same_word(t.stem, m.stem)]
        if any(_denied_in_window(context, m) for m in found):
            return None  # the window denies, narrows or finds no effect on it too
        found = [m for m in found if m.sentence in stating]
        if found:
            shared.add(t.stem)
            stated.extend(found)
    if len(shared) < _MIN_SHARED:
        return None
    return denied, sorted(stated, key=lambda m: m.start)


def _verbless_denial(text: str) -> bool:
    """A "No X." with no verb ("No NSAIDs.", "No heavy lifting for six weeks."): in a note an
    instruction or a field, not a statement that X does not exist."""
    return bool(_NO_START.match(text)) and not _VERB.search(text)


def _denied_claim_word(doc: AnalyzedText, tok: Token) -> bool:
    """A specific word the claim denies in so many words: not by a finding of no effect (the
    effect comparison's), not as a comparator arm ("compared with no treatment"), not in a
    relative clause's "never"."""
    if tok.polarity != NEGATED or not _specific(tok) or tok.trigger is None:
        return False
    if denied_by_no_effect(doc, tok) or _only_privative(doc, tok):
        return False
    if _first_word(doc.text, tok.trigger) not in _EXISTENCE:
        return False  # "X is not impaired": a predicate the window may not speak of
    return _ARM_BEFORE.search(doc.text, max(0, tok.trigger - 16), tok.trigger) is None


def _first_word(text: str, at: int) -> str:
    m = re.match(r"[A-Za-z]+", text[at : at + 12])
    return m.group().lower() if m else ""


def _denied_in_window(doc: AnalyzedText, tok: Token) -> bool:
    """Whether the window's mention is denied, narrowed, resolved, planned or a field's label
    ("Allergies: NKDA": the value after it says what holds)."""
    return (
        tok.polarity == NEGATED
        or tok.scope == HYPOTHETICAL  # "consider antibiotics if worse": a plan, not a fact
        or _LABEL.match(doc.text, tok.end) is not None
        or denied_by_no_effect(doc, tok)
        or _privative_clause(doc, tok)
    )


def _same_word(a: str, b: str) -> bool:
    """Two stems of one word: equal, or sharing their first ``_PREFIX`` letters
    ("transmiss" and "transmit", "persist" and "persistence")."""
    return a == b or (min(len(a), len(b)) >= _PREFIX and a[:_PREFIX] == b[:_PREFIX])


def _stating_sentences(doc: AnalyzedText, span: tuple[int, int]) -> set[int]:
    """The window's sentences that state something: not a question, an aim or an open one
    ("To investigate whether X affects Y", "it is unclear whether ...")."""
    out = set()
    for s in doc.sentences:
        a, b = s.span
        if b <= span[0] or a >= span[1]:
            continue
        text = doc.text[a:b]
        if not text.rstrip().endswith("?") and _OPEN_OR_AIM.search(text) is None:
            out.add(s.index)
    return out


def _specific(tok: Token) -> bool:
    return is_content(tok) and tok.text not in _GENERIC and not tok.is_number


def _only_privative(doc: AnalyzedText, tok: Token) -> bool:
    """Whether the token's denial is a word such as "never showed symptoms" inside a relative
    clause, read as no denial of the claim (kept narrow: "never", "nor")."""
    return tok.trigger is not None and doc.text[tok.trigger : tok.trigger + 5].lower() in (
        "never",
        "nor ",
    )


def _privative_clause(doc: AnalyzedText, tok: Token) -> bool:
    """Whether the window's clause around a token holds a word of absence ("remained below
    herd immunity thresholds", "a lack of type I IFNs")."""
    lo, hi = doc.sentences[tok.sentence].span
    left = max(lo, doc.text.rfind(",", lo, tok.start) + 1, doc.text.rfind(";", lo, tok.start) + 1)
    return _PRIVATIVE.search(doc.text, left, min(hi, tok.end + 40)) is not None


def _finding(doc: CaseDoc, claim: Claim, denied: list[Token], stated: list[Token]) -> Finding:
    """The finding for a claim that denies what the window states (from the denial's trigger,
    where it is inside the claim, to the last denied word)."""
    out_doc, ctx = doc.output, doc.context
    assert out_doc is not None and ctx is not None
    start, end = denied[0].start, denied[-1].end
    trigger = denied[0].trigger
    if trigger is not None and claim.span[0] <= trigger < start:
        start = trigger
    a, b = stated[0].start, stated[-1].end
    said, given = out_doc.text[start:end], ctx.text[a:b]
    message = f"denial: output says '{said[:80]}'; input says '{given[:80]}' without denying it"
    return _contradiction(claim, (start, end), (a, b), given, message)


def _edit_finding(claim: Claim, said: Token, given: Token, kind: str) -> Finding:
    """The finding for a claim word that a minimal edit made of the window's (its prefixed
    opposite, or another value in the same slot)."""
    message = f"{kind}: output says '{said.text}'; input says '{given.text}'"
    return _contradiction(
        claim, (said.start, said.end), (given.start, given.end), given.text, message
    )


def _contradiction(
    claim: Claim, span: tuple[int, int], given: tuple[int, int], text: str, message: str
) -> Finding:
    """A ``denial.v1`` finding: the claim's words at ``span`` contradicted by the window's
    ``text`` at ``given``, graded ``_RISK`` at ``_CONFIDENCE``."""
    return Finding(
        rule=RULE,
        category=ErrorCategory.DETAIL_MISIDENTIFICATION,
        risk=_RISK,
        span=span,
        context_span=given,
        claim_id=claim.id,
        message=message,
        relation="contradicted",
        evidence=[Evidence(text=text, source="context", span=given, score=1.0)],
        confidence=_CONFIDENCE,
    )


__all__ = ["RULE", "denial_findings"]
