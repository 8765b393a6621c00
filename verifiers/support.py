"""unsupported.v1: claims whose content the input does not contain (fabricated claims, advice the
input does not give, causes it does not state).

Support is lexical: the share of a claim's content words (stems, lay/clinical synonyms folded,
5-letter prefixes) that occur anywhere in the input. Tier 1 (the trained cross-encoder) refines it.
Fabricated content is graded by entities.v1 (conditions, procedures, settings, demographics) and
drugs.v1; a bag of unsupported words is only a weak signal here (``fabricated_risk`` 2: measured
on bench/cases and MTS-Dialog reference notes, risk 3 raised false alarms more than catches).
A cause or a piece of advice the input does not give is graded 3 when it names an entity the
input lacks (advice: or a specialty, "refer to cardiology"), else 2; a cause is graded 3 too where
the input denies it ("no GI side effects") or gives another cause for the same event ("stopped
because of aching" - "stopped because of raised liver enzymes"). Advice that permits an activity
the input forbids ("may continue driving" - "you must stop driving now") is graded 3 as a
contradiction, and so is advice that puts off ("if no movements by tomorrow", "once biopsy
confirms") what the input says to do at once ("straight away", "don't wait").
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import cast

from medfact.analysis import (
    AFFIRMED,
    NEGATED,
    AnalyzedText,
    Token,
    is_clinical,
    once_per_text,
)
from medfact.analysis import concept_key as concept_key_of
from medfact.document import CaseDoc
from medfact.lexicon.terms import RECOMMENDATION_WORDS
from medfact.registry import verifiers
from medfact.rehint import fast_compile
from medfact.taxonomy import ErrorCategory
from medfact.types import Claim, Finding
from medfact.verifiers.base import CONTRADICTED, Rule
from medfact.verifiers.drugs import named_otherwise
from medfact.verifiers.entities import mentions, supported_concepts, told_as_action

_CAUSAL = fast_compile(
    r"\b(due to|because of|because|secondary to|caused by|as a result of|attributed to|"
    r"related to|from (?:his|her|their|a|an|the)|likely from|resulting from|triggered by)\b",
    re.IGNORECASE,
)


# a cause stated in the input's sentence about the same event ("switched to oral because she is
# afebrile", "so let's switch"): an output's other cause for it replaces the input's
_INPUT_CAUSE = re.compile(
    _CAUSAL.pattern + r"|\b(?:so|reason)\b|\bfor\s+(?!\d|a\s+(?:few|couple|week|day|month)|"
    r"(?:the\s+)?(?:past|last|next|several|many|few|one|two|three)\b)",
    re.IGNORECASE,
)
_WORD_AT = re.compile(r"[A-Za-z]+")
_CLAUSE_MARK = re.compile(r"[.;,\n]")
_SENTENCE_END = re.compile(r"[.!?\n]")
_STARTED = frozenset({"start", "begin", "began", "commenc"})  # no content words, but the event
_SAME_EVENT = 2  # content stems an output's statement shares with an input sentence to be its event


_SPECIALTY = re.compile(
    r"^(?:cardiol|neurol|neurosurg|gastroenterol|nephrol|urol|dermatol|oncol|pulmonol|endocrinol|"
    r"rheumatol|hematol|ophthalmol|otolaryngol|psychiatr|orthop|gynecol|obstetric|podiatr|"
    r"allergist|surgeon|surgery|physiotherap)"
)


# "contact the surgery", "ring your GP surgery": the patient's general practice, no specialty
_PRACTICE = re.compile(
    r"\b(?:contact|call|ring|phone|attend|visit|see|return\s+to|back\s+to|via)\s+"
    r"(?:the\s+|your\s+|their\s+|his\s+|her\s+)?(?:gp\s+)?$|\bgp\s+$",
    re.IGNORECASE,
)


class SupportIndex:
    """Answers 'does the input contain this word?' with stems, synonyms and prefixes."""

    def __init__(self, context: AnalyzedText) -> None:
        self.stems = set(context.stems)
        self.prefixes = {t.stem[:5] for t in context.tokens if len(t.stem) >= 5}
        self.words = {t.text for t in context.tokens}

    @classmethod
    def of(cls, context: AnalyzedText) -> SupportIndex:
        """The index of ``context``, built once per analysed text and kept in its ``readings``
        (unsupported.v1 and the word-share verdicts both read the input's words)."""
        index = context.readings.get("support_index")
        if index is None:
            index = context.readings["support_index"] = cls(context)
        return cast(SupportIndex, index)

    def supports(self, tok: Token) -> bool:
        return (
            tok.stem in self.stems
            or tok.text in self.words
            or (len(tok.stem) >= 5 and tok.stem[:5] in self.prefixes)
        )


def unsupported_tokens(tokens: list[Token], index: SupportIndex) -> tuple[list[Token], int]:
    """(content tokens the input lacks, number of content tokens)."""
    content = [t for t in tokens if t.content]
    return [t for t in content if not index.supports(t)], len(content)


def claim_tokens(doc: AnalyzedText, claim: Claim) -> list[Token]:
    return doc.tokens_in(*claim.span)


# negations that deny a named thing ("no GI side effects", "denies chest pain"); "can't breathe
# lying flat" and "not with your kidneys" say something else of it
_DENYING = frozenset({"no", "without", "denies", "denied", "never", "negative"})


def denied_cause(tail: list[Token], context: AnalyzedText) -> list[Token]:
    """Affirmed content words of an output's cause that the input names only as denied, when
    they are at least half of its affirmed content words ("stopped because of GI side effects"
    where the input has "no gastrointestinal side effects")."""
    said = _denied_stems(context)
    affirmed = [t for t in tail if t.content and t.polarity == AFFIRMED]
    found = [t for t in affirmed if said.get(t.stem, False)]
    normal = _normal_stems(context)
    if any(t.stem in normal for t in found) and len(found) < _NORMAL_WORDS:
        # one word the input calls fine ("my teeth are fine") may still hurt; a finding named
        # with its test ("growth on the scan is fine") is that test's result
        return []
    return found if 2 * len(found) >= len(affirmed) else []


# a clause that says what it names is normal ("the baby's growth on the scan is fine", "your
# stomach's been fine, that's not the problem"): no cause of anything
_NORMAL = fast_compile(
    r"\b(?:is|are|was|were|been|looks?|looked|'s)\s+(?:fine|normal|reassuring)\b|"
    r"\bnot\s+the\s+problem\b",
    re.IGNORECASE,
)


_CLAUSE_EDGE = re.compile(r"[;(\[\n]|[.!?](?:\s|$)")


def _cause_clause(tail: list[Token], view: CaseDoc) -> list[Token]:
    """The words of a cause up to its clause's end ("because of reduced fetal growth on scan
    (bloods + monitoring)": not the parenthesis)."""
    if not tail:
        return tail
    assert view.output is not None
    edge = _CLAUSE_EDGE.search(view.output.text, tail[0].start, tail[-1].end)
    return [t for t in tail if edge is None or t.end <= edge.start()]


_NORMAL_WORDS = 2  # words of a cause the input calls normal for it to rule the cause out

# a new clause joined to the cause's: "advice from the dietitian, and please avoid NSAIDs"
_NEXT_CLAUSE = re.compile(r",\s*(?:and|but|so|then|or|while|whereas)\b|;")


def _own_clause(text: str, start: int, toks: list[Token]) -> list[Token]:
    """The words of a claim from ``start`` (after its causal word) up to a new clause joined to
    it, which says something else than the cause ("from the dietitian, and please avoid ...")."""
    tail = [t for t in toks if t.start >= start]
    if not tail:
        return tail
    edge = _NEXT_CLAUSE.search(text, start, tail[-1].end)
    return [t for t in tail if edge is None or t.end <= edge.start()]


@once_per_text
def _normal_stems(context: AnalyzedText) -> frozenset[str]:
    """Stems of the input's words in a clause that says they are normal ("growth on the scan
    is fine")."""
    text = context.text
    stems: set[str] = set()
    for m in _NORMAL.finditer(text):
        lo = max(text.rfind(mark, 0, m.start()) for mark in ".;,?\n") + 1
        stems.update(t.stem for t in context.tokens_in(lo, m.start()))
    return frozenset(stems)


@once_per_text
def _denied_stems(context: AnalyzedText) -> dict[str, bool]:
    """Stem -> whether every mention of it in the input is denied, or said to be normal in its
    clause ("growth on the scan is fine")."""
    said: dict[str, bool] = {}
    text = context.text
    normal = [
        (max(text.rfind(mark, 0, m.start()) for mark in ".;,?\n") + 1, m.start())
        for m in _NORMAL.finditer(text)
    ]
    k = 0
    for tok in context.tokens:
        while k < len(normal) and normal[k][1] <= tok.start:
            k += 1  # clauses stated normal end before this word
        denied = tok.polarity == NEGATED and tok.trigger is not None
        if denied:
            m = _WORD_AT.match(text, cast(int, tok.trigger))
            denied = m is not None and m.group().lower() in _DENYING
        denied = denied or (k < len(normal) and normal[k][0] <= tok.start)
        said[tok.stem] = said.get(tok.stem, True) and denied
    return said


_PENDING = fast_compile(r"\b(?:pending|awaited|awaiting|to\s+follow|sent\s+off|requested)\b", re.I)


def pending_cause(tail: list[Token], context: AnalyzedText) -> tuple[int, int] | None:
    """The input's pending test of an output's cause ("due to iron deficiency" - "Iron studies
    pending"): a cause the input does not know yet; the span of the pending word, or None."""
    stems = {t.stem for t in tail if t.content}
    for lo, end, pending in _pending_clauses(context):
        if pending & stems:
            return (lo, end)
    return None


@once_per_text
def _pending_clauses(context: AnalyzedText) -> list[tuple[int, int, frozenset[str]]]:
    """(clause start, end of the pending word, stems before it) of each pending test of the
    input ("Iron studies pending")."""
    text = context.text
    found = []
    for m in _PENDING.finditer(text):
        lo = max(text.rfind(mark, 0, m.start()) for mark in ".;\n") + 1
        found.append((lo, m.end(), frozenset(t.stem for t in context.tokens_in(lo, m.start()))))
    return found


@once_per_text
def _sentences_by_stem(context: AnalyzedText) -> dict[str, set[int]]:
    """Stem -> the input's sentences that hold it."""
    where: dict[str, set[int]] = {}
    for tok in context.tokens:
        where.setdefault(tok.stem, set()).add(tok.sentence)
    return where


def other_cause(
    head: list[Token], tail: list[Token], context: AnalyzedText
) -> tuple[int, int] | None:
    """The cause the input gives for the event an output's statement names before its own cause
    ("Atorvastatin stopped 4 wk ago" - "was stopped 4 weeks ago because of aching"): the span of
    the causal word of the input sentence sharing the most content stems with ``head`` (at least
    ``_SAME_EVENT``), or None. None too where that sentence has a word of the output's cause
    ("trauma from a motor vehicle accident" - "trauma due to the accident"): a reworded cause."""
    stems = {t.stem for t in head if t.content or t.is_number or t.stem in _STARTED}
    if len(stems) < _SAME_EVENT:
        return None
    shared: dict[int, set[str]] = {}
    where = _sentences_by_stem(context)
    for stem in stems:
        for sentence in where.get(stem, ()):
            shared.setdefault(sentence, set()).add(stem)
    if not shared:
        return None
    best = max(sorted(shared), key=lambda i: len(shared[i]))  # the first of equals
    if len(shared[best]) < _SAME_EVENT:
        return None
    toks = context.sentence_tokens(best)
    theirs = {t.stem for t in toks}
    if not toks or any(t.stem in theirs for t in tail if t.content and t.stem not in stems):
        return None
    m = _INPUT_CAUSE.search(context.text, toks[0].start, toks[-1].end)
    return (m.start(), m.end()) if m else None


# advice that permits an activity ("may return to contact rugby", "may continue driving for work",
# "can stop before dental work"), read against the input's prohibition of it
_PERMIT = re.compile(
    r"\b(?:may|can|could|ok(?:ay)?\s+to|allowed\s+to|fine\s+to|safe\s+to|cleared\s+(?:to|for))\s+"
    r"(?:now\s+|still\s+|then\s+)?(?P<verb>return|continue|resume|restart|start|stop|drive|play|"
    r"go\s+back|carry\s+on)\b",
    re.IGNORECASE,
)
# advice to keep on ("Keep eating bananas", "- Continue 3 L/day water") or to go as far as one
# can ("Weight bear as tolerated"): a permission too
_KEEP_ON = re.compile(r"(?:[.;:\n]|\s-)\s*(?P<verb>continue|keep)\b", re.IGNORECASE)
_KEEP_ON_FIRST = re.compile(r"[\s\-\u2022*]*(?P<verb>continue|keep)\b", re.IGNORECASE)
# the input's own advice to keep on, anywhere in a run-on transcript sentence
_CONTINUE = re.compile(r"\b(?P<verb>continue|keep)\b", re.IGNORECASE)
_NOT_BEFORE_KEEP = re.compile(r"\b(?:not|n't|no|never)\s+(?:\w+\s+)?$", re.IGNORECASE)
_TOLERATED = re.compile(r"\b(?P<verb>[A-Za-z]+(?:[\s-][A-Za-z]+)?)\s+as\s+tolerated\b", re.I)
_FORBID = re.compile(
    r"\b(?:no|not|never|mustn't|don't|shouldn't|avoid\w*|stop|cannot|can't|refrain\s+from|"
    r"hold\s+\w+\s+out\s+of|off|limit\w*|restrict\w*|cut\s+down\s+on)\b",
    re.IGNORECASE,
)
_LATER = re.compile(r"\b(?:after|once|when|then|thereafter|afterwards)\b", re.IGNORECASE)
_NEGATIONS = frozenset({"no", "not", "never", "mustn't", "don't", "shouldn't", "cannot", "can't"})
_DOING = frozenset({"drive", "play", "stop"})  # a verb that is the activity
_KEEPING = frozenset({"continu", "carry on", "resum"})  # "continue X" = "do not stop X"
_HALTING = frozenset({"stop", "discontinu", "hold", "interrupt"})
# a sport by its name is the input's "contact sports", "practice", "play"
_SPORTS = frozenset(
    {"rugbi", "footbal", "soccer", "hockey", "sport", "practic", "box", "match", "game", "play"}
)
_WHEN = frozenset(
    {"befor", "after", "until", "now", "then", "still", "earli", "today", "tomorrow", "week",
     "weekend", "next", "day", "month", "free", "seen", "clinic", "result"}
)  # fmt: skip
_ACTIVITY_WORDS = 2  # content words after the verb that name the activity
_FORBID_REACH = 5  # words after a prohibition that name what it forbids
# verbs of an opinion or a memory that a negation before them denies ("I don't think so")
_OPINION_VERBS = frozenset(
    {"think", "know", "believe", "remember", "recall", "recollect", "suppose", "reckon", "mind"}
)


def _activity(stem: str) -> str:
    return "sport" if stem in _SPORTS else stem


def _activities(doc: AnalyzedText, m: re.Match[str], end: int) -> set[str]:
    """What a permission ``m`` permits: its first content words up to ``end`` (no times), and
    its verb where that is the activity ("may drive")."""
    edge = _CLAUSE_MARK.search(doc.text, m.end(), end)
    end = edge.start() if edge else end
    ban = _FORBID.search(doc.text, m.end(), end)  # "Continue current regimen with no changes"
    after = [t for t in doc.tokens_in(m.end(), ban.start() if ban else end) if t.content]
    found = {_activity(t.stem) for t in after[:_ACTIVITY_WORDS] if t.stem not in _WHEN}
    verb = concept_key_of(m.group("verb").lower())
    if verb in _DOING:
        found.add(_activity(verb))
    return found


def permission_withheld(
    doc: AnalyzedText, claim: Claim, context: AnalyzedText
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """An output's permission of an activity the input forbids ("may continue driving" - "You
    must stop driving now"; "may return to football" - "no contact sports until cleared"): the
    permission's span and the input's prohibition, or None."""
    lo, hi = claim.span
    m = (
        _PERMIT.search(doc.text, lo, hi)
        or _KEEP_ON_FIRST.match(doc.text, lo, hi)
        or _KEEP_ON.search(doc.text, lo, hi)
    )
    tolerated = _TOLERATED.search(doc.text, lo, hi) if m is None else None
    if tolerated is not None:
        m = tolerated
        verb = "tolerated"
        wanted = {_activity(t.stem) for t in doc.tokens_in(m.start(), m.end("verb"))}
    elif m is not None:
        verb = concept_key_of(m.group("verb").lower())
        if _FORBID.match(doc.text, m.end() + 1):
            return None  # "keep avoiding penicillins", "continue off work": the ban kept
        wanted = _activities(doc, m, hi)
    else:
        return None
    lead = max(doc.text.rfind(mark, 0, m.start()) for mark in ".;\n") + 1
    if not wanted or _LATER.search(doc.text, lead, m.start()):
        return None  # a permission for after the ban ("After that, he should be fine to ...")
    text = context.text
    for p in _PERMIT.finditer(text):
        if _activities(context, p, len(text)) & wanted:
            return None  # the input permits it too ("Advised she may drive, but ...")
    for p in _CONTINUE.finditer(text):
        if _NOT_BEFORE_KEEP.search(text, max(0, p.start() - 12), p.start()):
            continue  # "do not continue driving": a ban
        if _activities(context, p, len(text)) & wanted:
            return None  # "let's go ahead and continue mycophenolate for now with the pill"
    kept = -1  # the end of a halting verb a negation keeps going ("do not stop clopidogrel")
    for f in _FORBID.finditer(text):
        word = f.group().lower()
        if f.start() < kept or (verb == "stop" and word not in _NEGATIONS):
            continue  # "stop aspirin before surgery" permits what "may stop" says
        edge = _CLAUSE_MARK.search(text, f.end())
        stop = _SENTENCE_END.search(text, f.end())
        if stop is not None and stop.group() == "?":
            continue  # a question forbids nothing ("Why do I have to stop the sertraline?")
        toks = context.tokens_in(f.end(), edge.start() if edge else len(text))[:_FORBID_REACH]
        if toks and word in _NEGATIONS and toks[0].text in _OPINION_VERBS:
            continue  # "I don't think so, I've been peeing through the strainer": no ban
        if toks and word in _NEGATIONS and toks[0].stem in _HALTING:
            kept = toks[0].end
            if verb in _KEEPING:
                continue
        if any(_activity(t.stem) in wanted for t in toks):
            return (m.start(), claim.span[1]), (f.start(), toks[-1].end)
    return None


# the input's call to act without delay ("come straight to A&E - don't wait", "we treat it
# straight away", "ring the maternity unit straight away")
_URGENT = fast_compile(
    r"\b(?:(?:don't|do\s+not|we\s+don't)\s+wait|straight\s+away|immediately|right\s+away|"
    r"without\s+delay)\b",
    re.IGNORECASE,
)
# the input's call for emergency care now ("call nine nine nine", "come straight to A and E")
_EMERGENCY = fast_compile(
    r"\b(?:call|ring|dial|phone)\s+(?:for\s+)?(?:nine\s+nine\s+nine|999|911|an\s+ambulance)\b"
    r"|\b(?:come|go|bring\s+(?:him|her|them))\s+straight\s+(?:to|in|back)\b",
    re.IGNORECASE,
)
# an output's advice that puts the act off: to a later day, a result, a routine visit
_DEFER = re.compile(
    r"\bif\s+no\s+[\w-]+(?:\s+[\w-]+)?\s+by\s+(?:tomorrow|the\s+morning|next\s+\w+)\b|"
    r"\bonce\s+(?:the\s+)?[\w-]+\s+(?:confirms?|results?\s+(?:are|is)\s+back|is\s+back)\b|"
    r"\b(?:wait|mention\s+(?:it\s+)?at|leave\s+it\s+until)\s+(?:for\s+|until\s+)?(?:the\s+)?"
    r"(?:next\s+)?(?:clinic|routine|follow[- ]?up|review|appointment|results?|biopsy|tomorrow)\b",
    re.IGNORECASE,
)
# an output's routine or next-day primary care where the input calls for emergency care ("GP
# appointment within 24 h", "see GP routinely")
_TO_PRIMARY_CARE = re.compile(
    r"\b(?:GP|doctor|practice|surgery)\s+(?:appointment|review|visit)\s+(?:with)?in\s+"
    r"(?:\d+|one|two|three|a\s+few)\s*(?:h\b|hrs?\b|hours?|days?|weeks?)|"
    r"\b(?:see|contact|visit|book(?:\s+in)?\s+with)\s+(?:the\s+|your\s+|a\s+)?(?:GP|doctor)\s+"
    r"(?:routinely|as\s+(?:a\s+)?routine|(?:at|in)\s+(?:the\s+|a\s+)?routine\b)|"
    r"\b(?:routine|non-?urgent)\s+GP\s+(?:appointment|review|visit)\b",
    re.IGNORECASE,
)
# a word without which no permission or deferral is read (a quick test of the whole output)
_ADVICE_WORDS = fast_compile(
    r"\b(?:may|can|could|ok(?:ay)?|allowed|fine|safe|cleared|continue|keep|tolerated|if|once|"
    r"wait|mention|leave|routine|routinely|non-?urgent|within)\b",
    re.IGNORECASE,
)
_NOT_BEFORE = re.compile(r"\b(?:not|don't|do\s+not|never|without)\s+(?:\w+\s+)?$", re.I)


def deferred(
    doc: AnalyzedText, claim: Claim, urgent: re.Match[str] | None, emergency: bool = False
) -> tuple[int, int] | None:
    """An output's advice that puts off what the input says to do at once ("call the maternity
    unit if no movements by tomorrow" - "ring straight away ... Don't wait until the next day";
    "start prednisolone once biopsy confirms" - "we don't wait for the biopsy"; "GP appointment
    within 24 h" - "call nine nine nine now", where ``emergency``): its span."""
    if urgent is None:
        return None
    m = _DEFER.search(doc.text, claim.span[0], claim.span[1])
    if m is None and emergency:
        m = _TO_PRIMARY_CARE.search(doc.text, claim.span[0], claim.span[1])
    if m is None or _NOT_BEFORE.search(doc.text, max(claim.span[0], m.start() - 20), m.start()):
        return None
    return m.start(), m.end()


@verifiers.register("unsupported.v1")
class SupportRule(Rule):
    name = "unsupported.v1"

    def __init__(
        self,
        fabricated_ratio: float = 0.75,
        min_unsupported: int = 2,
        fabricated_risk: int = 2,
        recommendation_risk: int = 3,
        justification_risk: int = 3,
        weak_ratio: float = 0.5,
        needs_entity: bool = True,
    ) -> None:
        self.needs_entity = needs_entity
        self.fabricated_ratio = fabricated_ratio
        self.weak_ratio = weak_ratio
        self.min_unsupported = min_unsupported
        self.fabricated_risk = fabricated_risk
        self.recommendation_risk = recommendation_risk
        self.justification_risk = justification_risk

    def _names_entity(
        self, view: CaseDoc, span: tuple[int, int], supported: set[tuple[str, str]]
    ) -> bool:
        """Whether [span) of the output names an entity the input lacks (a condition, a drug,
        a procedure, a setting): what an unsafe cause or advice needs, unless ``needs_entity``
        is off.
        A bag of unsupported words alone is a weak signal."""
        if not self.needs_entity:
            return True
        assert view.output is not None
        text = view.output.text[span[0] : span[1]]
        assert view.context is not None
        if any(
            (m.kind, m.concept) not in supported
            and not told_as_action(
                replace(m, start=m.start + span[0], end=m.end + span[0]), view.output, view.context
            )
            for m in mentions(text)
        ):
            return True
        names = view.context.drug_names
        low = view.context.text.lower()
        return any(
            span[0] <= d.start < span[1]
            and d.canonical not in names
            and not named_otherwise(d.surface.lower(), low)  # "tetanus vaccine" for "shot"
            and not named_otherwise(d.canonical.lower(), low)  # "antiemetic": "anti-sickness"
            for d in view.output.drugs
        )

    def check(self, view: CaseDoc) -> list[Finding]:
        assert view.context is not None
        index = SupportIndex.of(view.context)
        context_cause: bool | None = None  # whether the input states any cause (read once)
        supported: set[tuple[str, str]] | None = None  # the input's entities (read once)
        findings = []
        # the output's permissions and deferrals are read only where it has their words
        advises = _ADVICE_WORDS.search(view.output.text) is not None
        urgent = emergency = None
        if advises:
            emergency = _EMERGENCY.search(view.context.text)
            urgent = emergency or _URGENT.search(view.context.text)
        for claim in view.claims:
            late = deferred(view.output, claim, urgent, emergency is not None)
            if late is not None and urgent is not None:
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.INCORRECT_RECOMMENDATION,
                        self.recommendation_risk,
                        late,
                        "the output puts off what the input says to do at once "
                        f"('{urgent.group()}')",
                        relation=CONTRADICTED,
                        context_span=(urgent.start(), urgent.end()),
                        confidence=0.6,
                    )
                )
            withheld = permission_withheld(view.output, claim, view.context) if advises else None
            if withheld is not None:
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.INCORRECT_RECOMMENDATION,
                        self.recommendation_risk,
                        withheld[0],
                        "the output permits what the input forbids: "
                        f"'{view.context.text[slice(*withheld[1])]}'",
                        relation=CONTRADICTED,
                        context_span=withheld[1],
                        confidence=0.6,
                    )
                )
            toks = claim_tokens(view.output, claim)
            missing, n = unsupported_tokens(toks, index)
            cause = _CAUSAL.search(view.output.text, claim.span[0], claim.span[1])
            if cause is not None:
                tail = _own_clause(view.output.text, cause.end(), toks)
                tail_missing, tail_n = unsupported_tokens(tail, index)
                if tail_n and len(tail_missing) / tail_n >= 0.5 and len(tail_missing) >= 1:
                    span = (cause.start(), max(t.end for t in tail))
                    if context_cause is None:
                        context_cause = _CAUSAL.search(view.context.text) is not None
                    whole = len(tail_missing) == tail_n or not context_cause
                    if supported is None:
                        supported = supported_concepts(view.context.text)
                    whole = whole and self._names_entity(view, span, supported)
                    message = "the input gives no such cause: " + ", ".join(
                        t.text for t in tail_missing[:4]
                    )
                    theirs = pending = None
                    if not whole:
                        # the input's own cause for the event is shown (a check, risk 2: on
                        # held-out notes it flagged rewordings); a pending test raises the risk
                        head = [t for t in toks if t.end <= cause.start()]
                        theirs = other_cause(head, tail, view.context)
                        said = "it gives another"
                        if theirs is None:
                            theirs = pending = pending_cause(tail, view.context)
                            said = "its test is pending"
                        if theirs is not None:
                            message += f"; {said} ('{view.context.text[slice(*theirs)]}')"
                    findings.append(
                        self.finding(
                            view,
                            ErrorCategory.MISLEADING_JUSTIFICATION,
                            self.justification_risk if whole or pending else 2,
                            span,
                            message,
                            context_span=theirs,
                            confidence=0.6,
                        )
                    )
                    after = tail[-1].end  # words of a clause joined after the cause stay
                    missing = [t for t in missing if t.start < cause.start() or t.start >= after]
                    n -= tail_n
                elif tail_n and (denied := denied_cause(_cause_clause(tail, view), view.context)):
                    findings.append(
                        self.finding(
                            view,
                            ErrorCategory.MISLEADING_JUSTIFICATION,
                            self.justification_risk,
                            (cause.start(), max(t.end for t in tail)),
                            "the input rules out this cause: "
                            + ", ".join(t.text for t in denied[:4]),
                            confidence=0.6,
                        )
                    )
            clinical = [t for t in missing if is_clinical(t)]
            if n == 0 or (len(missing) < self.min_unsupported and not clinical):
                continue
            ratio = len(missing) / n
            advice = claim.kind == "recommendation" or any(
                t.text in RECOMMENDATION_WORDS for t in toks[:4]
            )
            if advice and any(t.text in ("never", "not", "no") for t in toks[:3]):
                advice = False  # "Never prescribed benzodiazepines": a denial, not advice
            if ratio < (self.weak_ratio - 0.1 if advice else self.weak_ratio):
                continue
            # Advice the input does not give needs less to be unsafe than a stray detail.
            bar = self.weak_ratio if advice else self.fabricated_ratio
            strong = ratio >= bar and bool(clinical) and (n > 1 or len(toks) >= 5 or advice)
            if strong and advice and self.needs_entity:
                # advice is unsafe when it names a drug, test, procedure, setting or specialty
                # the input lacks, not for "agrees with the recommended treatment plan"
                if supported is None:
                    supported = supported_concepts(view.context.text)
                strong = any(
                    _SPECIALTY.search(t.text)
                    and not _PRACTICE.search(view.output.text, max(0, t.start - 30), t.start)
                    for t in missing
                ) or self._names_entity(view, tuple(claim.span), supported)
                # half the advice's words or fewer unsupported: a reworded plan ("titrate the
                # long-acting opioid"), measured as false alarms only on the challenge set
                strong = strong and ratio > 0.5
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.INCORRECT_RECOMMENDATION
                    if advice
                    else ErrorCategory.FABRICATED_CLAIM,
                    (self.recommendation_risk if advice else self.fabricated_risk) if strong else 2,
                    tuple(claim.span),
                    f"{len(missing)} of {n} content words have no support in the input: "
                    + ", ".join(t.text for t in missing[:5]),
                    confidence=min(0.95, 0.4 + 0.5 * len(missing) / n),
                )
            )
        return findings
