"""Correction writing: replace the stated answer of a flagged sentence by one of the right type.

:func:`propose` finds what the sentence states (an organism, a condition, a drug or regimen, an
action: by the typed vocabularies of :mod:`medfact.medec.vocab`, the drug lexicon, or the words
the rest of the note does not contain), ranks the concepts of the type the error needs by the
note's findings, and writes the best-supported one into the sentence in clinical form (article
and capital fixed). When nothing of the right type is better supported by the findings than the
stated answer, it abstains: :attr:`Proposal.sentence` is ``None`` and :attr:`Proposal.reason`
says why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from medfact.medec.knowledge import stem_word
from medfact.medec.vocab import (
    DRUG_CLASS_WORDS,
    MARGIN,
    MIN_SUPPORT,
    Ranked,
    drug_lexicon,
    is_drug_or_regimen,
    is_test_name,
    treatment_candidates,
    vocabulary,
)
from medfact.taxonomy import MedecType

_WORD_SPAN = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_JOINER = re.compile(r"^\s*(,|and|plus|with|/|, and)\s*$", re.I)
_ARTICLE_BEFORE = re.compile(r"\b(a|an)\s+$", re.I)
_VIRUS = re.compile(r"\b[A-Za-z-]*virus\b|\b[A-Za-z-]+ virus\b", re.I)
#: Words after which a sentence names its diagnosis or organism.
_STATED_LEAD = {
    "condition": re.compile(
        r"\b(?:diagnosed with|diagnosis (?:is|of|was)|suspected(?: of)?|suspicion of|"
        r"consistent with|confirms?|confirmed|most likely|likely has|has)\s+"
        r"(?:an?\s+|the\s+|possible\s+|acute\s+(?=\w+\s+\w))?",
        re.I,
    ),
    "organism": re.compile(
        r"\b(?:infection (?:by|with)|infected with|caused by|grew|grows|growth of|indicates?|"
        r"organism is|organism was|due to|positive for|suspected(?: of)?|confirms?|has)\s+"
        r"(?:an?\s+|the\s+)?",
        re.I,
    ),
}
#: Words that end a stated answer ("VIPoma comes to the physician").
_STATED_END = re.compile(
    r"\s+(?:comes?|presents?|is|was|were|are|after|based|because|due|following|who|which|that|"
    r"as|in|on|at|with|and\s+the|infection|when|since)\b|[,.;:()]|$",
    re.I,
)
#: A management step as the subject ("A colonoscopy was performed") or the object ("scheduled
#: for a colonoscopy") of a management verb.
_ACTION_SUBJECT = re.compile(
    r"^(?:an?\s+|the\s+)?(?P<x>[A-Za-z][\w\s/'-]{2,60}?)\s+(?:is|was|were|are|will be|has been)"
    r"\s+(?:\w+\s+)?(?:recommended|performed|ordered|required|scheduled|obtained|done|started|"
    r"administered|given|initiated|planned|measured|conducted|prescribed|indicated|advised)\b",
    re.I,
)
_ACTION_OBJECT = re.compile(
    r"\b(?:scheduled for|recommended|underwent|undergo|referred for|started on|prescribed|"
    r"given|treated with|requires?|needs?)\s+(?:an?\s+|the\s+)?(?P<x>[A-Za-z][\w\s/'-]{2,60}?)"
    r"(?=[,.;:]|\s+(?:to|for|and then|after|based|because|was|is)\b|$)",
    re.I,
)
MAX_STATED_WORDS = 6
_PERSON = re.compile(
    r"patient|patients|he|she|they|it|child|infant|boy|girl|man|woman|mother|father|"
    r"parents?|physician|doctor|team",
    re.I,
)


def stated_span(sentence: str, kind: str) -> tuple[int, int] | None:
    """Where a sentence states its answer of ``kind`` (condition, organism or action) when no
    vocabulary entry names it: after a lead ("diagnosed with", "caused by") or as the subject
    or object of a management verb; ``None`` when the sentence says it in no such way."""
    if kind == "action":
        for rx in (_ACTION_SUBJECT, _ACTION_OBJECT):
            m = rx.search(sentence)
            if m is None or len(m.group("x").split()) > MAX_STATED_WORDS:
                continue
            if _PERSON.fullmatch(m.group("x").split()[-1]):
                continue  # "Patient was scheduled for ...": the step is the object
            return m.start("x"), m.end("x")
        return None
    if kind == "organism":
        m = _VIRUS.search(sentence)
        if m:
            return m.start(), m.end()
    lead = _STATED_LEAD[kind]
    for m in lead.finditer(sentence):
        start = m.end()
        end_m = _STATED_END.search(sentence, start)
        end = end_m.start() if end_m else len(sentence)
        words = sentence[start:end].split()
        if 0 < len(words) <= MAX_STATED_WORDS:
            return start, end
    return None


@dataclass
class Proposal:
    """What :func:`propose` found: the corrected sentence, or ``None`` with the reason."""

    error_type: MedecType
    sentence: str | None = None
    replacement: str | None = None
    stated: str | None = None
    support: float = 0.0
    matched: tuple[str, ...] = ()
    basis: str | None = None  # the concept whose findings support the replacement
    reason: str = ""
    ranked: list[Ranked] = field(default_factory=list)


def answer_span(sentence: str, answer: Sequence[str]) -> tuple[int, int] | None:
    """Character span of the longest run of consecutive words whose stems are the stated
    answer (stop words inside a run are kept: "vitamin D deficiency rickets")."""
    wanted = set(answer)
    words = list(_WORD_SPAN.finditer(sentence))
    best: tuple[int, int] | None = None
    run_start = None
    length = best_length = 0
    for m in words:
        st = stem_word(m.group())
        if st in wanted:
            if run_start is None:
                run_start, length = m.start(), 0
            length += 1
            if length > best_length:
                best, best_length = (run_start, m.end()), length
        elif st:  # a content word outside the answer ends the run; stop words do not
            run_start, length = None, 0
    return best


def drug_span(sentence: str) -> tuple[int, int] | None:
    """Span of the drug mentions of a sentence, joined into one regimen when they are listed
    together ("rifampin, isoniazid, and ethambutol"); test names are not drugs."""
    mentions = [
        m
        for m in drug_lexicon().find(sentence)
        if not is_test_name(m.surface) and m.surface.lower() not in DRUG_CLASS_WORDS
    ]
    mentions = [m for m in mentions if not _is_test_context(sentence, m.start, m.end)]
    if not mentions:
        return None
    start, end = mentions[0].start, mentions[0].end
    for m in mentions[1:]:
        if _JOINER.match(sentence[end : m.start]) or not sentence[end : m.start].strip():
            end = m.end
        else:
            break
    return start, end


_TEST_AFTER = re.compile(
    r"[\s-]*(\w+[\s-]+)?(protein|test|level|levels|assay|antigen|titer|titre|count|screen\w*|"
    r"panel|culture|concentration|antibod\w*)\b",
    re.I,
)


def _is_test_context(sentence: str, start: int, end: int) -> bool:
    """A drug name that is part of a test name ("C-reactive protein", "glucose test")."""
    if _TEST_AFTER.match(sentence[end : end + 24]):
        return True
    return bool(re.search(r"-\s*$", sentence[max(0, start - 12) : start]))


def fit_into(sentence: str, start: int, end: int, replacement: str) -> str:
    """``sentence`` with ``[start, end)`` replaced, its article and initial capital fixed."""
    before, after = sentence[:start], sentence[end:]
    if not before.strip() or re.search(r"[.:;]\s*$", before):
        replacement = replacement[:1].upper() + replacement[1:]
    article = _ARTICLE_BEFORE.search(before)
    if article:
        word = "an" if replacement[:1].lower() in "aeiou" else "a"
        if article.group(1)[0].isupper():
            word = word.capitalize()
        before = before[: article.start(1)] + word + before[article.end(1) :]
    return before + replacement + after


def _stated_concept(sentence: str, kind: str):
    found = vocabulary(kind).mentions(sentence)
    return found[0] if found else None


def _support_of(name: str, ranked: Sequence[Ranked]) -> float:
    for r in ranked:
        if r.concept.name == name:
            return r.support
    return 0.0


def propose(
    sentence: str, findings: str, error_type: MedecType, answer: Sequence[str] = ()
) -> Proposal:
    """A corrected sentence of the right type for ``error_type``, or an abstention.

    ``findings`` is the rest of the note (never the flagged sentence), ``answer`` the stems of
    what the sentence states (used to find it when no vocabulary names it).
    """
    if error_type is MedecType.CAUSAL_ORGANISM:
        return _replace_concept(sentence, findings, error_type, "organism", answer)
    if error_type is MedecType.DIAGNOSIS:
        if vocabulary("organism").mentions(sentence) or _VIRUS.search(sentence):
            # "Suspected of paramyxovirus": the stated diagnosis is an organism
            return _replace_concept(
                sentence, findings, MedecType.CAUSAL_ORGANISM, "organism", answer
            )
        return _replace_concept(sentence, findings, error_type, "condition", answer)
    if error_type in (MedecType.PHARMACOTHERAPY, MedecType.TREATMENT):
        return _replace_treatment(sentence, findings, error_type, answer)
    # management: an action, or a drug when the sentence's step is a drug
    if drug_span(sentence) and not vocabulary("action").mentions(sentence):
        return _replace_treatment(sentence, findings, error_type, answer)
    return _replace_concept(sentence, findings, error_type, "action", answer)


def _replace_concept(
    sentence: str, findings: str, error_type: MedecType, kind: str, answer: Sequence[str]
) -> Proposal:
    ranked = vocabulary(kind).rank(findings)
    out = Proposal(error_type=error_type, ranked=ranked)
    stated = _stated_concept(sentence, kind)
    if stated is None:
        # what the sentence states is unknown to the vocabulary: its fit cannot be compared
        out.reason = f"the sentence states no {kind} of medfact's vocabulary"
        return out
    span = (stated.start, stated.end)
    if kind == "action":
        # "Unsynchronized cardioversion was ...": replace the whole step, not a word of it
        whole = stated_span(sentence, "action")
        if whole and whole[0] <= span[0] and span[1] <= whole[1]:
            span = whole
    stated_name = stated.concept.name
    out.stated = sentence[span[0] : span[1]]
    stated_rank = next((r for r in ranked if r.concept.name == stated_name), None)
    if stated_rank is not None and stated_rank.supported:
        out.reason = f"the note's findings support the stated {kind}"
        return out
    stated_support = stated_rank.support if stated_rank else 0.0
    for r in ranked:
        if not r.supported or r.support < max(stated_support + MARGIN, 2 * stated_support):
            break
        if any(n.lower() in out.stated.lower() for n in r.concept.names):
            continue
        out.sentence = fit_into(sentence, span[0], span[1], r.concept.name)
        out.replacement, out.support, out.matched = r.concept.name, r.support, r.matched
        out.basis = r.concept.name
        return out
    if stated_name and ranked and ranked[0].concept.name == stated_name:
        out.reason = f"the stated {kind} is the one the findings support best"
    else:
        out.reason = f"no {kind} is better supported by the note's findings than the stated one"
    return out


def _replace_treatment(
    sentence: str, findings: str, error_type: MedecType, answer: Sequence[str]
) -> Proposal:
    ranked = sorted(
        vocabulary("condition").rank(findings) + vocabulary("organism").rank(findings),
        key=lambda r: (-r.support, r.concept.name),
    )
    out = Proposal(error_type=error_type, ranked=ranked)
    span = drug_span(sentence)
    stated_is_drug = span is not None
    if span is None:
        span = stated_span(sentence, "action")
    if span is None:
        out.reason = "the sentence names no drug or treatment medfact can locate"
        return out
    out.stated = sentence[span[0] : span[1]]
    stated_drugs = {m.canonical for m in drug_lexicon().find(out.stated)}
    # a drug is replaced by a drug or regimen, a procedure by a procedure
    candidates = [
        (t, r)
        for t, r in treatment_candidates(ranked, drugs_only=stated_is_drug)
        if stated_is_drug or not is_drug_or_regimen(t)
    ]
    if not candidates:
        out.reason = "no condition the findings support has a treatment of the right type"
        return out
    top = candidates[0][1]
    for treatment, r in candidates:
        if _same_treatment(treatment, out.stated, stated_drugs):
            out.reason = (
                f"the stated treatment is a first-line choice for {r.concept.name}, "
                "a condition the findings support"
            )
            return out
    if top.support < MIN_SUPPORT + MARGIN:
        out.reason = "no condition is supported strongly enough to choose its treatment"
        return out
    for treatment, r in candidates:
        if r.support < top.support:
            break
        if _same_treatment(treatment, out.stated, stated_drugs):
            continue
        out.sentence = fit_into(sentence, span[0], span[1], treatment)
        out.replacement, out.support, out.matched = treatment, r.support, r.matched
        out.basis = r.concept.name
        return out
    out.reason = "no treatment of the right type differs from the stated one"
    return out


def _same_treatment(candidate: str, stated: str, stated_drugs: set[str]) -> bool:
    if candidate.lower() in stated.lower() or stated.lower() in candidate.lower():
        return True
    cand_drugs = {m.canonical for m in drug_lexicon().find(candidate)}
    return bool(cand_drugs) and cand_drugs <= stated_drugs
