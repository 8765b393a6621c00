"""route.v1: a drug given by another route than the input's (PO vs IV, IM vs SC, gel vs shot).

Each route word ("IV", "orally", "by mouth", "intrathecal", "gel", "injection") is attached to the
drug it qualifies: a drug right after it ("IV vancomycin"), else the nearest drug before it in the
sentence ("vincristine 1.4 mg/m2 intravenously"). A drug whose route in the output agrees with
none of its routes in the input is a finding. A plain "injection" agrees with any needle route;
a drug the input gives no route for is not checked. The severity policy grades it (``dose.route``,
and the high-alert rows for an antineoplastic, opioid, insulin, ...).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from medfact.analysis import ASKED, NEGATED, AnalyzedText, Token
from medfact.document import CaseDoc
from medfact.lexicon.terms import DRUG_WORDS, NEEDLE_ROUTES, ROUTES
from medfact.registry import verifiers
from medfact.taxonomy import ErrorCategory
from medfact.textutil import STOPWORDS
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule
from medfact.verifiers.entities import abbreviation_mentions
from medfact.verifiers.values import another_item

_AFTER = 3  # a drug this many words after a route word is the one it qualifies ("IV vanc")
_BEFORE = 14  # else the nearest drug this many words before it in the sentence
_PREVIOUS = 2  # sentences back a route word without a drug of its own looks for one
_SHORT = 2  # route abbreviations this short count only in upper case ("PO", not "po" in a word)
_BREAK = re.compile(r"[;,]")  # a route word qualifies a drug after it only in one phrase
_NOT_A_ROUTE_BEFORE = frozenset({"stage", "grade", "class", "type", "phase", "level", "nyha"})
_INJECTION = "injection"
_OWN_DOSE = 5  # "diclofenac 75 mg IM": a route word this close after a drug's dose is its own
_JOINS = frozenset({"then", "and", "or", "to", "switched", "changed", "stepped", "down"})


def _own_route_between(words: list[str], end: int, first: int) -> bool:
    """Whether another route word between a route word and the drug after it has an item of its
    own before it: "IV vanc -> PO linezolid" (not "IV then oral amoxicillin", "epidural
    infusion of levobupivacaine")."""
    for j in range(end, first):
        if words[j] in _ROUTE_INDEX:
            return any(w not in _JOINS for w in words[end:j])
    return False


@dataclass(frozen=True, slots=True)
class RouteMention:
    route: str
    start: int
    end: int
    drug: str  # canonical name of the drug it qualifies ("" where it qualifies none)
    sentence: int = -1


def _phrases() -> dict[str, list[list[str]]]:
    index: dict[str, list[list[str]]] = {}
    for phrase in sorted(ROUTES, key=lambda p: -len(p.split())):
        words = phrase.split()
        index.setdefault(words[0], []).append(words)
    return index


_ROUTE_INDEX = _phrases()
_DRUG_WORD_INDEX: dict[str, list[list[str]]] = {}
for _w in sorted(DRUG_WORDS, key=lambda p: -len(p.split())):
    _DRUG_WORD_INDEX.setdefault(_w.split()[0], []).append(_w.split())


def compatible(a: str, b: str) -> bool:
    """Whether two routes can name the same administration."""
    if a == b:
        return True
    if _INJECTION in (a, b):
        other = b if a == _INJECTION else a
        return other in NEEDLE_ROUTES or other == _INJECTION
    return False


def _drug_spans(doc: AnalyzedText) -> list[tuple[int, int, str]]:
    """(start, end, canonical) of each drug: the lexicon's, plus words it may not know."""
    found = [(d.start, d.end, d.canonical.lower()) for d in doc.drugs]
    # abbreviations clinicians write for drugs ("VCR" for vincristine, "Vit K")
    found += [(m.start, m.end, m.concept) for m in abbreviation_mentions(doc.text)]
    toks = doc.tokens
    words = [t.text for t in toks]
    for i in [k for k, word in enumerate(words) if word in _DRUG_WORD_INDEX]:
        for phrase in _DRUG_WORD_INDEX[words[i]]:
            if words[i : i + len(phrase)] == phrase:
                found.append((toks[i].start, toks[i + len(phrase) - 1].end, " ".join(phrase)))
                break
    return sorted(set(found))


_REPLACED = re.compile(
    r"\b(?:in\s+place\s+of|instead\s+of|rather\s+than|replacing)\s+"
    r"(?:the\s+|his\s+|her\s+|their\s+)?(?:usual\s+)?$",
    re.IGNORECASE,
)


def route_mentions(doc: AnalyzedText, unattached: bool = False) -> list[RouteMention]:
    """Route words of a text, each with the drug it qualifies (those with none are left out,
    or with ``unattached`` kept with an empty drug)."""
    toks = doc.tokens
    if not toks:
        return []
    words = [t.text for t in toks]
    route_words = [i for i, w in enumerate(words) if w in _ROUTE_INDEX]
    if not route_words:
        return []  # no route word: the drugs need not be read
    drugs = _drug_spans(doc)
    starts = [t.start for t in toks]
    drug_tokens = [
        (bisect.bisect_left(starts, s), bisect.bisect_left(starts, e) - 1, name)
        for s, e, name in drugs
    ]
    first_index = [d[0] for d in drug_tokens]
    found = []
    read_to = 0  # the tokens before it are read (a route of several words is read once)
    for i in route_words:
        if i < read_to:
            continue
        match = _route_at(doc, toks, words, i)
        if match is None:
            continue
        end, route = match
        end = _injection_of(words, end, route)
        drug = _qualified(doc.text, toks, words, drug_tokens, first_index, i, end)
        if drug is not None and _REPLACED.search(
            doc.text, max(0, toks[i].start - 24), toks[i].start
        ):
            drug = None  # "rotigotine patch in place of oral PD meds": the others' route
        if toks[i].polarity in (NEGATED, ASKED):  # "no injections"
            pass
        elif drug is not None or unattached:
            span = (toks[i].start, toks[end - 1].end)
            found.append(RouteMention(route, *span, drug or "", toks[i].sentence))
        read_to = end
    return found


def _injection_of(words: list[str], end: int, route: str) -> int:
    """The end of a needle route with the word "injection" after it ("subcutaneous injection",
    "IM injections"): one route, not a second, looser one that any needle route agrees with."""
    if route in NEEDLE_ROUTES and end < len(words) and ROUTES.get(words[end]) == _INJECTION:
        return end + 1
    return end


def _route_at(
    doc: AnalyzedText, toks: list[Token], words: list[str], i: int
) -> tuple[int, str] | None:
    for phrase in _ROUTE_INDEX.get(words[i], ()):
        if words[i : i + len(phrase)] != phrase:
            continue
        if len(phrase) == 1 and len(words[i]) <= _SHORT:
            surface = doc.text[toks[i].start : toks[i].end]
            if not surface.isupper() or (i > 0 and words[i - 1] in _NOT_A_ROUTE_BEFORE):
                return None  # "stage IV", "po" inside shorthand in lower case
        return i + len(phrase), ROUTES[" ".join(phrase)]
    return None


def _qualified(
    text: str,
    toks: list[Token],
    words: list[str],
    drug_tokens: list[tuple[int, int, str]],
    first_index: list[int],
    start: int,
    end: int,
) -> str | None:
    """The drug a route word at tokens [start, end) qualifies, in its sentence and phrase (a
    comma or semicolon between them leads to another item: "carboprost IM, TXA IV")."""
    sentence = toks[start].sentence
    k = bisect.bisect_left(first_index, end)
    if (
        k < len(drug_tokens)
        and drug_tokens[k][0] == end
        and not text[toks[end - 1].end : toks[end].start].strip()
    ):
        return drug_tokens[k][2]  # "PO nitrofurantoin": the drug written right after it
    k = bisect.bisect_left(first_index, start) - 1
    if k >= 0:
        # "diclofenac 75 mg IM and ondansetron", "fentanyl 12 mcg/h patch + morphine": the
        # route written after the drug's own dose
        _, last, name = drug_tokens[k]
        between = text[toks[min(last, len(toks) - 1)].end : toks[start].start]
        dose = any(toks[j].text[:1].isdigit() for j in range(last + 1, start))
        if dose and 0 < start - last <= _OWN_DOSE and not _BREAK.search(between):
            return name
    k = bisect.bisect_left(first_index, end)
    if k < len(drug_tokens):
        first, _, name = drug_tokens[k]
        between = text[toks[end - 1].end : toks[first].start]
        if (
            first - end < _AFTER
            and toks[first].sentence == sentence
            and not _BREAK.search(between)
            and not _own_route_between(words, end, first)
        ):
            return name
    k = bisect.bisect_left(first_index, start) - 1
    if k >= 0:
        _, last, name = drug_tokens[k]
        drug_sentence = toks[min(last, len(toks) - 1)].sentence
        between = text[toks[min(last, len(toks) - 1)].end : toks[start].start]
        if start - last <= _BEFORE and drug_sentence == sentence and not another_item(between):
            return name
        # "How are you taking the testosterone? - It's the gel.": a sentence naming no drug
        # speaks of the drug named just before
        if 0 < sentence - drug_sentence <= _PREVIOUS and not _own_item(text, toks, start, end):
            return name
    return None


# a sentence that adds an item of its own ("Oh, and I've got the inhaler", "Also the cream")
_ADDS_ITEM = re.compile(
    r"^\W*(?:[A-Z][\w ]{0,20}:\s*)?(?:(?:oh|um|er|well|yes|yeah|no|okay|ok)\W+)*(?:and|also|plus)\b"
    r"|\b(?:also|another|as\s+well)\b",
    re.IGNORECASE,
)
# words a route word may qualify that name no drug of its own ("oral intake", "IV access")
_ROUTE_NOUN_FREE = frozenset(
    {"prn", "od", "bd", "tds", "qds", "daily", "once", "twice", "stat", "only", "now", "then"}
)


def _own_item(text: str, toks: list[Token], start: int, end: int) -> bool:
    """Whether a route word with no drug in its sentence names an item of its own, not the
    drug of the sentence before: a word it qualifies right after it ("IV abx", "oral intake
    improves") or a sentence that adds another item ("Oh, and I've got the inhaler")."""
    sentence = toks[start].sentence
    if end == start + 1 and end < len(toks) and toks[end].sentence == sentence:
        # a one-word route before a word of substance ("IV abx"), not "under the skin of ..."
        after = toks[end]
        gap = text[toks[end - 1].end : after.start]
        if (
            not gap.strip()
            and after.text.isalpha()
            and after.text not in _ROUTE_NOUN_FREE
            and after.text not in STOPWORDS
        ):
            return True
    first = start
    while first > 0 and toks[first - 1].sentence == sentence:
        first -= 1
    return _ADDS_ITEM.search(text[toks[first].start : toks[start].start]) is not None


@verifiers.register("route.v1")
class RouteRule(Rule):
    name = "route.v1"

    def __init__(self, route_risk: int = 3) -> None:
        self.route_risk = route_risk

    def check(self, view: CaseDoc) -> list[Finding]:
        ctx = view.context
        assert ctx is not None
        read = route_mentions(ctx, unattached=True)  # the input is read once
        theirs: dict[str, list[RouteMention]] = {}
        for m in read:
            if m.drug:
                theirs.setdefault(m.drug, []).append(m)
        if not theirs:
            return []
        loose = [m for m in read if not m.drug]
        findings = []
        for m in route_mentions(view.output):
            given = theirs.get(m.drug)
            if not given or any(compatible(m.route, c.route) for c in given):
                continue
            if _said_beside(ctx, m, loose):
                continue  # "30 mg twice a day, so sixty by mouth a day ... of morphine"
            other = given[0]
            surface = view.output.text[m.start : m.end]
            stated = ctx.text[other.start : other.end]
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.route_risk,
                    (m.start, m.end),
                    f"route: '{surface}' ({m.route}) for {m.drug} where the input has "
                    f"'{stated}' ({other.route})",
                    relation=CONTRADICTED,
                    context_span=(other.start, other.end),
                    suggestion=stated,
                    confidence=0.85,
                )
            )
        return findings


def _said_beside(ctx: AnalyzedText, m: RouteMention, loose: list[RouteMention]) -> bool:
    """Whether the input gives ``m``'s route, qualifying no drug it could read, in a clause
    that names ``m``'s drug (a drug given by two routes, one said loosely), not past a ";"
    ("...; we have stopped his tablets" is another item)."""
    said = [c for c in loose if compatible(m.route, c.route)]
    if not said:
        return False
    starts = [t.start for t in ctx.tokens]
    for d in ctx.drugs:
        if d.canonical.lower() != m.drug:
            continue
        k = bisect.bisect_right(starts, d.start) - 1
        for c in said:
            lo, hi = min(c.start, d.start), max(c.end, d.end)
            if k >= 0 and ctx.tokens[k].sentence == c.sentence and ";" not in ctx.text[lo:hi]:
                return True
    return False
