"""certainty.v1: certainty, severity and frequency words stronger or weaker than the input's.

Only a shift relative to the input about the same finding counts: a hedge the input has and the
output drops ("possible pneumonia" -> "confirmed pneumonia"), or one the output adds to what the
input confirms. A diagnosis under an Assessment, Impression, Plan or Diagnosis header is the
clinician's judgement: stated without a hedge there, it is not overstated.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import cast

from medfact.analysis import (
    AFFIRMED,
    ASKED,
    CURRENT,
    HYPOTHETICAL,
    NEGATED,
    UNCERTAIN,
    AnalyzedText,
    ScaleWord,
    Token,
    concept_key,
    is_clinical,
    once_per_text,
)
from medfact.direction import statistical_significance
from medfact.document import CaseDoc
from medfact.lexicon.terms import ANATOMY, CLINICAL_WORDS, DOSE_CLASSES
from medfact.registry import verifiers
from medfact.rehint import fast_compile
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.aligned import AlignedWindows
from medfact.verifiers.base import CONTRADICTED, Rule, window_stems
from medfact.verifiers.entities import Mention, mentions
from medfact.verifiers.temporal import anchored, first_words

# Certainty phrases beyond the analyser's single words (1 hedged .. 3 certain).
_CERTAINTY_PHRASES = {
    "confirms": 3,
    "confirm": 3,
    "confirming": 3,
    "diagnostic of": 3,
    "proves": 3,
    "definitive": 3,
    "excluded": 3,
    "ruled out": 3,
    "cannot be excluded": 1,
    "can not be excluded": 1,
    "cannot be ruled out": 1,
    "not excluded": 1,
    "not ruled out": 1,
    "rule out": 1,
    "concern for": 1,
    "concerning for": 1,
    "question of": 1,
    "differential": 1,
    "versus": 1,
    "may represent": 1,
}
_PHRASE_RE = re.compile(
    r"\b(?:"
    + "|".join(re.escape(p) for p in sorted(_CERTAINTY_PHRASES, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)
_PHRASE_FIRSTS = first_words(_CERTAINTY_PHRASES)
_PURPOSE = re.compile(r"\b(?:to|to be|order to|help|be|been|being)\s+$", re.IGNORECASE)
_JUDGEMENT_HEADER = re.compile(
    r"(?:^[ \t]*(?:#+\s*)?(?:assessment(?:\s+and\s+plan)?|a/p|a&p|impression|plan|diagnos[ie]s|"
    r"differential(?:\s+diagnosis)?|clinical\s+impression|working\s+diagnosis|imp|dx|ddx|"
    r"a(?=\s*:))"
    # inline, after a sentence of a compact note ("... enlarged tonsils. Imp: tonsillitis."):
    # the diagnosis headers only
    r"|(?<=[.;] )(?:assessment|impression|imp|dx|ddx|diagnosis|a(?=\s*:)))"
    r"\b[^\n:]{0,20}(?::|$)",
    re.IGNORECASE | re.MULTILINE,
)
_OTHER_HEADER = re.compile(
    r"^[ \t]*(?:#+\s*)?[A-Za-z][A-Za-z /&]{1,40}:[ \t]*(?:$|(?=\S))"
    r"|(?<=[.;] )[A-Z][A-Za-z/&]{0,20}:",  # inline: "... Imp: tonsillitis. Plan: ..."
    re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class _Word:
    """A certainty, severity or frequency word or phrase (a ScaleWord or a phrase here)."""

    scale: str
    value: float
    word: str
    start: int
    end: int
    sentence: int
    token_index: int


def judgement_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of the text under an Assessment/Impression/Plan/Diagnosis header (or
    an "Assessment: ..." line), up to the next header."""
    heads = sorted(
        [(m.start(), True) for m in _JUDGEMENT_HEADER.finditer(text)]
        + [(m.start(), False) for m in _OTHER_HEADER.finditer(text)]
    )
    spans = []
    for k, (start, judging) in enumerate(heads):
        if not judging:
            continue
        end = len(text)
        for later, _ in heads[k + 1 :]:
            if later > start:
                end = later
                break
        spans.append((start, end))
    return spans


def judged_spans(doc: AnalyzedText) -> list[tuple[int, int]]:
    """``judgement_spans`` of an analysed text, read once and kept in its ``readings``
    (compare.v1, negation.v1 and certainty.v1 all ask for the output's). Callers read the
    list and never change it."""
    spans = doc.readings.get("judgement_spans")
    if spans is None:
        spans = doc.readings["judgement_spans"] = judgement_spans(doc.text)
    return cast(list[tuple[int, int]], spans)


def _inside(spans: list[tuple[int, int]], starts: list[int], offset: int) -> bool:
    """Whether ``offset`` falls in one of ``spans`` (sorted; ``starts``: their starts)."""
    k = bisect_right(starts, offset) - 1
    return k >= 0 and spans[k][0] <= offset < spans[k][1]


_MODALS = frozenset({"may", "might", "could", "can", "would"})  # "may continue": not a label
_ESTABLISHES = re.compile(
    r"\b(?:diagnos(?:is|ed)|confirm\w*|shows?|showed|positive for|consistent with|proven|"
    r"demonstrat\w*)\b|^\s*(?:impression|diagnosis|dx)\s*:",
    re.IGNORECASE | re.MULTILINE,
)


def _established(
    out: AnalyzedText, ctx: AnalyzedText, w: _Word, ctx_words: list[_Word]
) -> tuple[int, int] | None:
    """The input's statement that establishes what the output hedges at ``w``: by the hedged
    words (``_established_words``) or, where the two name it differently ("possible PE" and
    "pulmonary embolism"), by the condition named (``_established_condition``)."""
    found = _established_words(out, ctx, w, ctx_words)
    return found if found is not None else _established_condition(out, ctx, w, ctx_words)


_LIST_BREAK = re.compile(r"[,;:()]")


def _established_words(
    out: AnalyzedText, ctx: AnalyzedText, w: _Word, ctx_words: list[_Word]
) -> tuple[int, int] | None:
    """The input's unhedged diagnostic statement ("Diagnosis: meningococcal meningitis",
    "CT shows a PE") of what the output hedges right after ``w`` ("possible meningococcal
    meningitis"): a sentence that establishes and holds the hedged words. None if there is
    none. ``ctx_words``: the input's scale words (``scale_words(ctx)``, read once)."""
    toks = out.tokens
    named = []
    for t in toks[w.token_index + 1 : w.token_index + 9]:
        if t.sentence != toks[w.token_index].sentence or _LIST_BREAK.search(
            out.text, w.end, t.start
        ):
            break
        if len(t.text) == 1 or t.text[0].isdigit():
            continue  # a side's letter or a level ("L MCA M1", "L3-4") qualifies, names nothing
        if t.content:
            named.append(t.stem)
            if len(named) == 4:
                break
    if not named or (
        len(named) == 1
        and not any(
            m.start == 0
            for m in mentions(out.text[toks[w.token_index + 1].start :], ("condition",))
        )
    ):
        return None  # one plain word ("possible improvement") names no diagnosis
    hedges = [c for c in ctx_words if c.scale == "certainty" and c.value < 3]
    for sent in ctx.sentences:
        lo, hi = sent.span
        sent_toks = ctx.sentence_tokens(sent.index)
        stems = {t.stem for t in sent_toks}
        missing = [n for n in named if n not in stems]
        if any(not _spelled_out(n, sent_toks) for n in missing):
            continue
        first = next((t for t in sent_toks if t.stem in named), sent_toks[0])
        if not (
            _ESTABLISHES.search(ctx.text, lo, hi)
            # a report's labelled result states the finding it names as found
            or (_labelled(sent.text) and first.polarity == AFFIRMED and first.scope == CURRENT)
        ):
            continue
        if any(lo <= c.start < hi for c in hedges) or any(
            t.stem in named and t.polarity == UNCERTAIN for t in sent_toks
        ):
            return None  # the input hedges it too ("i do n't know if you have a tear yet")
        return (first.start, first.end)
    return None


# a clause boundary between a hedge and a condition: the hedge is about something else
_CLAUSE_BREAK = re.compile(r"[,;:.()+/]|\b(?:and|with|but|after|from|of)\b", re.IGNORECASE)
# a hedge that ends its clause looks back at the condition before it ("AF - possible",
# "melanoma not excluded")
_CLAUSE_END = re.compile(r"\s*(?:$|[,;:.)])")
# a report's labelled finding ("CT angiogram: occlusion ...", "Conclusion: adenocarcinoma"),
# not a speaker's turn ("Doctor: ...", "Day nurse: ...")
_LABELLED = re.compile(r"\s*([A-Z][A-Za-z0-9 -]{1,40}):\s")
_SPEAKERS = frozenset(
    {"patient", "pt", "doctor", "dr", "nurse", "clinician", "consultant", "registrar", "mother"}
    | {"mum", "mom", "father", "dad", "son", "daughter", "wife", "husband", "partner", "parent"}
    | {"carer", "relative", "friend", "brother", "sister", "guest", "family", "caller", "student"}
    | {"pharmacist", "midwife", "therapist", "surgeon", "paramedic", "resident", "interpreter"}
)


# labels of what is to be done, not found ("Plan: ... if contractions do not establish")
_NOT_FOUND = frozenset({"plan", "plans", "advice", "recommendation", "recommendations", "goals"})


def _labelled(text: str) -> bool:
    """Whether a sentence opens with a report's label ("MRI lumbar spine: discitis ...")."""
    m = _LABELLED.match(text)
    return m is not None and m.group(1).split()[-1].lower() not in _SPEAKERS | _NOT_FOUND


# a clinician naming the diagnosis ("It's a pulmonary embolism", "it's called a subarachnoid
# haemorrhage", "you have atrial fibrillation")
_NAMES_IT = re.compile(
    r"\b(?:it's|it is|this is|that's|that is|you have|you've got)\s+(?:called\s+)?"
    r"(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,2}$",
    re.IGNORECASE,
)


def _hedged_conditions(out: AnalyzedText, w: _Word) -> set[str]:
    """The conditions (concept keys) that the hedge ``w`` is about: named right after it in its
    clause ("possible small PE"), or right before a hedge that ends its clause ("?AF -
    possible")."""
    lo, hi = out.sentences[w.sentence].span
    looks_back = _CLAUSE_END.match(out.text, w.end, hi) is not None
    named = set()
    for m in mentions(out.text[lo:hi], ("condition",)):
        start, end = m.start + lo, m.end + lo
        if start >= w.end:
            between = out.text[w.end : start]
        elif end <= w.start and looks_back:
            between = out.text[end : w.start]
        else:
            continue
        if len(between) <= 25 and not _CLAUSE_BREAK.search(between):
            named.add(m.concept)
    return named


def _established_condition(
    out: AnalyzedText, ctx: AnalyzedText, w: _Word, ctx_words: list[_Word]
) -> tuple[int, int] | None:
    """The input's unhedged statement of a condition the output hedges, named by another word
    ("CTPA: possible small PE" where the input has "It's a pulmonary embolism"): the input
    mentions it, affirmed and current, in a sentence that establishes it (a diagnostic verb, a
    certain word, a report's label or a clinician naming it), and never hedges, denies or asks
    about it. None if there is none."""
    named = _hedged_conditions(out, w)
    if not named:
        return None
    hedges = [c for c in ctx_words if c.scale == "certainty" and c.value < 3]
    sure = [c.sentence for c in ctx_words if c.scale == "certainty" and c.value == 3]
    # "possibly raised GDM risk" against "HIGH risk for gestational diabetes": a hedge of a
    # risk is read against the input's statement of the risk (a possibility, hypothetical)
    scopes = {CURRENT} | ({HYPOTHETICAL} if _hedges_possibility(out, w) else set())
    found = None
    for m in mentions(ctx.text, ("condition",)):
        if m.concept not in named or _PROTOCOL_AFTER.match(ctx.text, m.end):
            continue  # "Sepsis six started": a care bundle's name, not the condition found
        toks = ctx.tokens_in(m.start, m.end)
        if not toks:
            continue
        tok = toks[0]
        sent = ctx.sentences[tok.sentence]
        lo, hi = sent.span
        if (
            tok.polarity != AFFIRMED
            or any(lo <= c.start < hi for c in hedges)
            or sent.text.rstrip().endswith("?")
        ):
            return None  # the input hedges, denies or asks about it somewhere
        if found is not None or tok.scope not in scopes:
            continue
        if (
            _ESTABLISHES.search(ctx.text, lo, hi)
            or tok.sentence in sure
            or tok.sentence + 1 in sure
            or _labelled(sent.text)
            or _NAMES_IT.search(ctx.text, max(lo, m.start - 40), m.start)
            # a written report's sentence that opens with it ("Invasive malignant melanoma,
            # superficial spreading type.")
            or (not ctx.is_dialogue and tok in ctx.sentence_tokens(tok.sentence)[:3])
        ):
            found = (m.start, m.end)
    return found


# a condition's name that names a care bundle, pathway or screening tool ("Sepsis Six", "the
# stroke pathway", "sepsis screen"): started for a suspicion, it establishes nothing
_PROTOCOL_AFTER = re.compile(
    r"[\s-]+(?:six|6|bundle|pathway|protocol|proforma|screen|screening|tool|checklist|score)\b",
    re.IGNORECASE,
)
_HEDGE_REACH = 6  # "possibly raised gestational diabetes risk"


def _hedges_possibility(out: AnalyzedText, w: _Word) -> bool:
    """Whether the hedge ``w`` is of a possibility: a word read hypothetical or a risk's word
    follows it in its sentence ("possibly raised GDM risk")."""
    toks = out.tokens[w.token_index + 1 : w.token_index + 1 + _HEDGE_REACH]
    same = [t for t in toks if t.sentence == out.tokens[w.token_index].sentence]
    return any(t.scope == HYPOTHETICAL or t.text in _RISK_WORDS for t in same)


_RISK_WORDS = frozenset({"risk", "risks", "chance", "likelihood"})


def _spelled_out(acronym: str, toks: list[Token]) -> bool:
    """Whether an acronym of three to five letters ("mca") is spelled out by the first letters
    of consecutive content words of a sentence ("middle cerebral artery"); two letters match
    too much by chance ("PE" and "physical exam")."""
    if not 3 <= len(acronym) <= 5 or not acronym.isalpha():
        return False
    initials = "".join(t.text[0] for t in toks if t.content)
    return acronym in initials


def _hedged(doc: AnalyzedText, w: ScaleWord) -> float:
    """A certain word denied just before it ("no definite fracture", "not confirmed") is a
    hedge: nothing is established."""
    if w.scale != "certainty" or w.value != 3:
        return w.value
    before = doc.tokens[max(0, w.token_index - 2) : w.token_index]
    return 1 if any(t.text in ("no", "not", "without") for t in before) else w.value


_NOT_A_SEVERITY_AFTER = frozenset({"bit", "while", "more", "less", "better", "worse"})


def _no_degree(doc: AnalyzedText, w: ScaleWord) -> bool:
    """A scale word used in another sense: "certain medications" (some), "on a consistent
    basis" (regular; "consistent with" is the certainty), "a little mystery" (a small thing
    that is no finding)."""
    nxt = doc.tokens[w.token_index + 1] if w.token_index + 1 < len(doc.tokens) else None
    if nxt is not None and nxt.sentence != w.sentence:
        nxt = None
    prev = doc.tokens[w.token_index - 1] if w.token_index > 0 else None
    if w.word == "certain":
        # "a certain way", "certain medications": some, not sure
        return (nxt is not None and nxt.content) or (prev is not None and prev.text == "a")
    if w.word in ("certainly", "definitely") and nxt is not None:
        # "I would certainly be happy to recommend it": a courtesy, about no finding
        after = [t.text for t in doc.tokens[w.token_index + 1 : w.token_index + 3]]
        return bool(_COURTESY & set(after))
    if w.word == "consistent":
        return nxt is None or nxt.text != "with"
    if w.word == "little" and nxt is not None and nxt.content:
        if nxt.text in _STATE_WORDS or (nxt.text.endswith("ed") and len(nxt.text) > 4):
            return False  # "a little elevated", "a little swollen": a degree
        return nxt.text not in _NOT_A_SEVERITY_AFTER and not is_clinical(nxt)
    if w.scale == "certainty" and w.value == 3:
        # "once we get this diagnosed", "to be confirmed": what is to be done, not a certainty
        return _GET_DONE.search(doc.text, max(0, w.start - 25), w.start) is not None
    return False


_COURTESY = frozenset({"happy", "glad", "willing", "welcome"})
_STATE_WORDS = frozenset(
    {"high", "low", "sore", "tender", "red", "warm", "stiff", "weak", "tight", "short", "off"}
)
_GET_DONE = re.compile(r"\b(?:get|getting|to\s+be)\s+(?:(?:this|that|it)\s+)?$", re.IGNORECASE)


def scale_words(doc: AnalyzedText) -> list[_Word]:
    """The analyser's scale words plus the certainty phrases above, in text order; a phrase
    replaces the words inside it ("may represent", not "may")."""
    phrases = []
    if doc.tokens:
        starts = [t.start for t in doc.tokens]
        for m in anchored(_PHRASE_RE, doc, _PHRASE_FIRSTS):
            i = max(bisect_right(starts, m.start()) - 1, 0)
            value = _CERTAINTY_PHRASES[m.group().lower()]
            if value == 3 and _PURPOSE.search(doc.text, max(0, m.start() - 20), m.start()):
                continue  # "aspiration to confirm": what a test is for, not a certainty
            word = m.group().lower()
            sentence = doc.tokens[i].sentence
            phrases.append(_Word("certainty", value, word, m.start(), m.end(), sentence, i))
    phrase_starts = [p.start for p in phrases]

    def covered(w: ScaleWord) -> bool:
        k = bisect_right(phrase_starts, w.start) - 1
        return k >= 0 and w.start < phrases[k].end

    words = [
        _Word(w.scale, _hedged(doc, w), w.word, w.start, w.end, w.sentence, w.token_index)
        for w in doc.scale_words
        if not (w.scale == "certainty" and w.word == "will")  # a plan, not a certainty
        and not covered(w)
        and not _no_degree(doc, w)
    ]
    return sorted(words + phrases, key=lambda w: w.start)


def _asked(doc: AnalyzedText, w: _Word) -> bool:
    """A scale word of a question that the dialogue does not make a statement: a question that
    offers alternatives ("is the pain constant or does it come and go") or that the next turn
    answers no ("Did you always have that pain?" - "No, it comes and goes")."""
    text = doc.sentences[w.sentence].text
    asked = doc.tokens[w.token_index].polarity == ASKED
    if not (asked or text.rstrip().endswith("?") or _ASKS.match(text)):
        # a question inside a run-on transcript sentence that offers alternatives ("when i
        # lift that leg up does that cause you significant pain or any pain at all")
        lo = max(doc.sentences[w.sentence].span[0], w.start - 40)
        return bool(
            _QUESTION_BEFORE.search(doc.text, lo, w.start)
            and _OR_AFTER.match(doc.text, w.end, doc.sentences[w.sentence].span[1])
        )
    if _OR_AFTER.match(doc.text, w.end, doc.sentences[w.sentence].span[1]):
        return True
    if _OR_BEFORE.search(doc.text, max(doc.sentences[w.sentence].span[0], w.start - 20), w.start):
        return True  # "Was it mild, moderate, or severe?": the last of the offered answers
    later = doc.sentences[w.sentence + 1 : w.sentence + 2]
    return bool(later) and _NO.match(later[0].text) is not None


_OR_BEFORE = re.compile(r",?\s+or\s+(?:\w+\s+)?$", re.IGNORECASE)
_QUESTION_BEFORE = re.compile(
    r"\b(?:does|do|did|is|are|was|were|has|have|can|could)\s+(?:that|it|this|you|he|she|they)\b",
    re.IGNORECASE,
)
_OR_AFTER = re.compile(r"\W*(?:\w+\W+){0,4}?or\b", re.IGNORECASE)  # "constant or ..."


_NO = re.compile(r"\s*(?:\[\w+\]|\w+:)?\s*(?:no|nope|nah|not)\b", re.IGNORECASE)
# A transcript's question without its "?": "[doctor] okay and is the pain constant or ..."
_ASKS = re.compile(
    r"\s*(?:\[doctor\]|doctor:)\s*(?:(?:okay|ok|and|so|alright|um|uh|now)\b[\s,]*)*"
    r"(?:is|are|was|were|does|do|did|has|have|had|can|could|how|what|when|where|which|any)\b",
    re.IGNORECASE,
)


def _both_told(out: AnalyzedText, w: _Word, rivals: list[_Word]) -> bool:
    """Whether the output's sentence also holds a word of the input's value on the same scale
    (a change told: "initially intermittent, but over the last 48 hours constant")."""
    words = {t.text for t in out.sentence_tokens(w.sentence)}
    if not words & _TOLD_CHANGE:
        return False  # "severe tenderness with mild pain": two findings, not a change
    values = {c.value for c in rivals}
    return any(
        o.sentence == w.sentence and o.scale == w.scale and o.value in values and o.start != w.start
        for o in out.scale_words
    )


_TOLD_CHANGE = frozenset(
    {"initially", "first", "then", "now", "until", "later", "became", "become", "previously"}
)


def _topic(doc: AnalyzedText, w: _Word | ScaleWord, width: int) -> set[str]:
    stems = window_stems(doc.tokens, w.token_index, width)
    stems.discard(doc.tokens[w.token_index].stem)
    return stems - _WHEN_STEMS


_PART_STEMS = frozenset(concept_key(w) for w in ANATOMY)  # "wrist", "knee", "scalp"
# stems of when a thing is said ("marked improvement now" and "atrium mildly dilated ... now"):
# no topic of their own
_WHEN_STEMS = frozenset({"now", "today", "current", "still", "sinc", "ago", "recent", "todai"})
_DOSE_REACH = 4  # tokens before a frequency word that may hold its dose ("60 mg daily")
_TIMES = frozenset({"once", "twice", "thrice", "times", "x"})


@once_per_text
def _dosing(doc: AnalyzedText) -> frozenset[int]:
    """Token indices of frequency words that say how often a drug is taken ("sixty milligrams
    daily", "twice daily", "isotretinoin daily"): a dosing, not how often a finding occurs."""
    drug_tokens = {t.start for d in doc.drugs for t in doc.tokens_in(d.start, d.end)}
    dosed = {
        k
        for q in doc.quantities
        if q.unit_class in DOSE_CLASSES
        for k in range(q.token_index, min(len(doc.tokens), q.token_index + _DOSE_REACH + 1))
        if doc.tokens[k].sentence == q.sentence
    }
    found = set()
    for w in doc.scale_words:
        if w.scale != "frequency":
            continue
        before = doc.tokens[max(0, w.token_index - _DOSE_REACH) : w.token_index]
        named = [t for t in before if t.start in drug_tokens or t.text in _TIMES]
        if named or w.token_index in dosed:
            # the drug or dose said in the same phrase ("methotrexate; elbows nearly clear,
            # persistent scalp flaking" is not methotrexate's dosing)
            start = named[0].end if named else doc.tokens[max(0, w.token_index - 3)].start
            if not _PHRASE_BREAK.search(doc.text, start, w.start):
                found.add(w.token_index)
    return frozenset(found)


_PHRASE_BREAK = re.compile(r"[.;,:\n()]")


# --- a diagnosis stated as found where the input only suggests it ---------------------------

# words before a condition, in its clause, that hedge it beyond the analyser's triggers ("it
# looks like gout", "raises the possibility of malignancy", "might have been a mini-stroke")
_HEDGE_BEFORE = fast_compile(
    r"(?P<hedge>\b(?:possibl[ey]|probabl[ey]|likely|suspect(?:ed|s)?|suspicious|suspicion|query|"
    r"questionable|could|might|may|possibility|differential|versus|vs(?!\s*:)|r/o|rule\s+out|presumed|"
    r"provisional|indeterminate|equivocal|uncertain|unclear|not\s+sure|maybe|perhaps|"
    r"suggest\w*)\b|\?)"
    r"[^.;!,\n]{0,60}$",
    re.IGNORECASE,
)


def _hedges_before(before: str) -> list[int]:
    """Where each hedge word of ``before`` ends that reaches its end within its clause (no
    comma, stop or new line between)."""
    found = []
    at = 0
    while (m := _HEDGE_BEFORE.search(before, at)) is not None:
        found.append(m.end("hedge"))
        at = m.end("hedge")
    return found


# "it looks like gout" is a clinician's ordinary way of naming it; it hedges only where the
# sentence doubts it too ("It looks like gout, but I can't be sure until ...")
_LOOKS_LIKE = re.compile(r"\b(?:looks?|sounds?|seems?)\s+like\b[^.;!\n]{0,40}$", re.IGNORECASE)
_DOUBT = re.compile(
    r"\b(?:can't|cannot|can\s+not|couldn't)\s+(?:be\s+sure|say|tell|be\s+certain)|"
    r"\bnot\s+(?:yet\s+)?(?:sure|certain|confirmed)\b|\bto\s+be\s+sure\b",
    re.IGNORECASE,
)
# a question's own mark after a word ("Does she have asthma?") is no hedge, as a note's is
# ("SVT?")
_QUESTION_OPENER = re.compile(
    r"\s*(?:[\w ]{1,25}:\s*)?(?:(?:and|so|okay|ok)\W+)*(?:does|do|did|is|are|was|were|has|"
    r"have|had|any|can|could|would|will|what|how|when|where|which|who|why)\b",
    re.IGNORECASE,
)
# a hedge right after a condition ("ectopic not excluded", "AF - possible", "SVT?"); not "or",
# which as often glosses it ("nephrolithiasis or kidney stone")
_HEDGE_AFTER = re.compile(
    r"\s*[-,(]?\s*(?:\?|(?:is\s+|remains\s+|still\s+)?(?:possible|probable|likely|suspected|"
    r"query|not\s+(?:yet\s+)?(?:excluded|ruled\s+out|confirmed|proven)|cannot\s+be\s+"
    r"(?:excluded|ruled\s+out)|to\s+be\s+(?:excluded|ruled\s+out|confirmed)|vs\b|versus|"
    r"unconfirmed|uncertain))",
    re.IGNORECASE,
)
# a clause break between a hedge and the condition after it: the hedge is of another clause
_HEDGE_BREAK = re.compile(r"\b(?:but|however|although|though)\b|[.;!\n]", re.IGNORECASE)
# an answer that leaves a question about a diagnosis open ("Is it cancer?" - "I can't tell
# you that yet", "Possibly")
_OPEN_ANSWER = re.compile(
    r"^\W*(?:\w+:\s*)?(?:(?:well|so|um|uh|okay|ok)\W+)*(?:possibly|maybe|perhaps|might|"
    r"could|i\s+(?:can't|cannot|can\s+not)\s+(?:tell|say|be\s+sure)|(?:i\s+)?(?:don't|do\s+not)"
    r"\s+know|not\s+(?:sure|yet)|too\s+early|we\s+(?:don't|do\s+not)\s+know)\b",
    re.IGNORECASE,
)
# words of the output that state a condition as found ("this was a TIA", "which shows the
# cancer has come back", "confirmed unstable angina", "your baby has a cleft lip")
_STATES_FOUND = re.compile(
    r"\b(?:(?:this|that|it|which)\s+(?:was|is)|diagnos(?:is|ed)(?:\s+(?:of|with|is))?|"
    r"confirm(?:ed|s)|definite(?:ly)?|shows?|showed|found(?:\s+that)?|proven|"
    r"(?:has|have|had)|known)\s+(?:(?:an?|the|your|his|her)\s+)?(?:[\w-]+\s+){0,3}$",
    re.IGNORECASE,
)
# words before a condition in its clause that make it something else than a finding ("sleep
# study for OSA", "risk of stroke", "no evidence of", "if cancer"): not stated as found
_NOT_STATED = frozenset(
    {"for", "of", "to", "against", "exclude", "excluding", "risk", "screen", "screening"}
    | {"no", "not", "without", "if", "whether", "prevent", "prevention", "prophylaxis"}
    | {"treat", "treating", "treatment", "about", "re", "regarding", "avoid", "vs", "versus"}
    | {"or", "and", "in", "on", "after", "from", "than", "history", "hx", "pmh", "fhx"}
)


# a condition named as the cause, owned or definite ("the cough is probably because of your
# asthma", "likely due to her diabetes"): the hedge before the link doubts the causal link, and
# the condition itself is known; a bare cause ("probably due to pneumonia") stays hedged
_OWN_CAUSE = re.compile(
    r"\b(?:because\s+of|due\s+to|secondary\s+to|caused\s+by|related\s+to|owing\s+to|"
    r"attributable\s+to|from)\s+(?:your|her|his|their|my|our|the)\s+(?:[\w'-]+\s+){0,2}$",
    re.IGNORECASE,
)


def _hedged_at(doc: AnalyzedText, start: int, end: int) -> bool:
    """Whether the condition named at ``start:end`` is hedged: by the analyser, by a hedge
    before it in its clause, or by one right after it."""
    toks = doc.tokens_in(start, end)
    if toks and toks[0].polarity == UNCERTAIN and not _opinion(doc, toks[0]):
        return True
    sentence = doc.sentences[toks[0].sentence] if toks else None
    lo, hi = sentence.span if sentence else (max(0, start - 80), len(doc.text))
    before = doc.text[max(lo, start - 80) : start]
    link = _OWN_CAUSE.search(before)
    floor = link.start() if link else -1  # a hedge before an owned cause doubts the link
    if any(at > floor and not _HEDGE_BREAK.search(before, at) for at in _hedges_before(before)):
        return True
    if _LOOKS_LIKE.search(before) and _DOUBT.search(doc.text, lo, hi):
        return True
    after = _HEDGE_AFTER.match(doc.text, end)
    if after is None:
        return False
    # "And high cholesterol?" in a conversation is a question (its answer reads it), not a
    # note's "PE?" hedge
    asked = sentence is not None and (
        doc.is_dialogue or _QUESTION_OPENER.match(sentence.text) is not None
    )
    return not (asked and after.group().strip() == "?")


# a speaker's own view, the way a clinician names a diagnosis in talk ("I think it's a viral
# gastroenteritis"): no hedge of the diagnosis
_OPINION = re.compile(r"(?:i|we)\s+(?:think|believe|reckon)\b", re.IGNORECASE)


def _opinion(doc: AnalyzedText, tok: Token) -> bool:
    """Whether ``tok`` is hedged only by a speaker's "I think" or "we believe", or by a "VS:"
    label (vital signs, not "versus")."""
    return tok.trigger is not None and (
        _OPINION.match(doc.text, tok.trigger) is not None
        or _VITALS_LABEL.match(doc.text, tok.trigger) is not None
    )


# "VS: HR 96, BP 162/94": the vital signs' label, which the analyser reads as "versus"
_VITALS_LABEL = re.compile(r"vs\s*:", re.IGNORECASE)


# a hedge right before the condition it hedges ("possible depression", "?MSSA", "may be an
# early AF"): the output's own doubt of that condition, not of a cause after it
_HEDGE_RIGHT_BEFORE = re.compile(
    r"(?:\?\s*|\b(?:possible|possibly|probable|probably|likely|suspected|query|questionable|"
    r"presumed|unlikely|(?:may|might|could)\s+(?:be|have|represent|show)|(?:may|might|could)\s+"
    r"have\s+been)\s+)(?:(?:an?|the|some)\s+)?(?:[\w'-]+\s+){0,2}$",
    re.IGNORECASE,
)


def _hedge_start(doc: AnalyzedText, start: int) -> int | None:
    """Where a hedge right before the condition at ``start`` begins; None if there is none."""
    m = _HEDGE_RIGHT_BEFORE.search(doc.text, max(0, start - 40), start)
    if m is None or _HEDGE_BREAK.search(m.group()):
        return None
    if _LINKS & set(m.group().lower().split()[1:]):
        return None  # "could be involved with urolithiasis": the doubt is of something else
    return m.start()


# words between a hedge and a condition that tie the hedge to something else
_LINKS = frozenset(
    {"with", "in", "of", "for", "by", "to", "from", "on", "at", "about", "and", "or"}
    | {"involved", "related", "due", "contributing", "causing", "caused", "linked"}
)


def _word_before(doc: AnalyzedText, start: int) -> str | None:
    """The stem of the word right before ``start`` in its sentence ("deep" of "deep
    infection"), or None."""
    k = bisect_right([t.start for t in doc.tokens], start) - 1
    if k < 1 or doc.tokens[k - 1].sentence != doc.tokens[k].sentence:
        return None
    return doc.tokens[k - 1].stem


def _kept_open(out: AnalyzedText, tok: Token, kinds: set[str | None]) -> bool:
    """Whether the output still leaves open what it denies at ``tok`` ("XR: no fracture seen
    ... Imp: possible scaphoid fracture"): another of its mentions of the word is hedged. A
    denial of the input's own kind ("no concern for deep infection" where "deep infection
    cannot be excluded"; ``kinds``: the words before the input's mentions) is not taken
    back by a hedge of another kind."""
    kind = _word_before(out, tok.start)
    if kind is not None and kind in kinds:
        return False
    return any(
        t.stem == tok.stem and t.start != tok.start and _hedged_at(out, t.start, t.end)
        for t in out.tokens
    )


def _left_open(doc: AnalyzedText, tok: Token) -> bool:
    """Whether a question about a condition ("Is it the gout again?") is answered by a turn
    that leaves it open ("Possibly.", "I can't tell you that yet")."""
    later = doc.sentences[tok.sentence + 1 : tok.sentence + 2]
    return bool(later) and _OPEN_ANSWER.match(later[0].text) is not None


def _input_suggests_only(
    ctx: AnalyzedText, concept: str, surface: set[str]
) -> tuple[int, int] | None:
    """The input's first hedged mention of ``concept`` where it only suggests it
    (``_only_suggested``). Mentions that share a word with the output's (``surface``: its
    lower-cased words) are read alone where there are any ("possibly early Alzheimer's"
    against "Alzheimer's dementia", though "cognitive impairment" is the same concept)."""
    found = _condition_mentions(ctx, concept)
    same = [m for m in found if _same_words(surface, m.surface)]
    return _only_suggested(ctx, [(m.start, m.end) for m in same or found])


def _condition_mentions(ctx: AnalyzedText, concept: str) -> list[Mention]:
    """The input's mentions of the condition ``concept``, less the names of care bundles
    ("Sepsis Six started": a bundle started on a suspicion, no finding of sepsis)."""
    return [
        m
        for m in mentions(ctx.text, ("condition",))
        if m.concept == concept and not _PROTOCOL_AFTER.match(ctx.text, m.end)
    ]


def _same_words(surface: set[str], theirs: str) -> bool:
    """Whether a mention of the input (``theirs``) shares a word with the output's
    (``surface``: its lower-cased words), or spells out the output's abbreviation ("pulmonary
    emboli" of "PE", "myocardial infarction" of "MI")."""
    words = theirs.lower().split()
    if surface & set(words):
        return True
    initials = "".join(w[0] for w in words if w[:1].isalpha())
    return len(words) > 1 and any(len(w) > 1 and w == initials for w in surface)


def _input_finds(ctx: AnalyzedText, concept: str, surface: set[str]) -> tuple[int, int] | None:
    """The input's mention of ``concept`` that tells it as found (``_finds_among``); mentions
    are chosen as in ``_input_suggests_only``."""
    found = _condition_mentions(ctx, concept)
    if any(_hedged_at(ctx, m.start, m.end) for m in found):
        return None
    # only the same words found: a concept's looser names ("temperature 37.9" for a fever
    # the patient only felt) tell another thing
    same = [m for m in found if _same_words(surface, m.surface)]
    return _finds_among(ctx, [(m.start, m.end) for m in same])


def _first_tokens(
    ctx: AnalyzedText, spans: list[tuple[int, int]]
) -> list[tuple[int, int, Token]] | None:
    """Each of the input's mentions at ``spans`` with its first token; None if one has none."""
    firsts = []
    for start, end in spans:
        toks = ctx.tokens_in(start, end)
        if not toks:
            return None
        firsts.append((start, end, toks[0]))
    return firsts


def _finds_among(ctx: AnalyzedText, spans: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The first of the input's mentions at ``spans`` that tells the condition as found (a
    report's item, a diagnostic verb, a clinician naming it) where no mention hedges, denies
    or dates it; None if there is none."""
    firsts = _first_tokens(ctx, spans)
    if firsts is None:
        return None
    told = None
    for start, end, tok in firsts:
        if tok.polarity == ASKED:
            continue
        # a clinician's "I think this is heart failure" or "it sounds like osteoarthritis" is
        # written "suspected" or "probable" as often as not: no firm finding to hedge
        lo = ctx.sentences[tok.sentence].span[0]
        if (
            tok.polarity != AFFIRMED
            or tok.scope != CURRENT
            or _hedged_at(ctx, start, end)
            or _OPINION.search(ctx.text, max(lo, start - 60), start)
            or _LOOKS_LIKE.search(ctx.text, max(lo, start - 60), start)
        ):
            return None
        if told is None and _told_as_found(ctx, tok, start, end):
            told = (start, end)
    return told


def _told_as_found(ctx: AnalyzedText, tok: Token, start: int, end: int) -> bool:
    """Whether the input's mention at ``start:end`` tells the condition as found: a diagnostic
    verb or a report's label in its sentence, a clinician naming it, or an item's head, in a
    written input. Talk is read as no firm finding: "this is heart failure" is written
    "suspected" as often as not, and a note's hedge of a spoken diagnosis is the writer's
    caution."""
    if ctx.is_dialogue:
        return False
    sent = ctx.sentences[tok.sentence]
    lo, hi = sent.span
    return bool(
        _ESTABLISHES.search(ctx.text, lo, hi)
        or _labelled(sent.text)
        or _NAMES_IT.search(ctx.text, max(lo, start - 40), start)
        or _stated_as_found(ctx, start, end)
    )


def _only_suggested(ctx: AnalyzedText, spans: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The first of the input's mentions at ``spans`` where every one is hedged, or asked and
    left open, and none is denied, told as found or of another time or person; None if any
    is, or if there is none."""
    firsts = _first_tokens(ctx, spans)
    if firsts is None:
        return None
    hedged = None
    for start, end, tok in firsts:
        if tok.polarity == ASKED:
            if not _left_open(ctx, tok):
                continue
        elif tok.polarity == NEGATED or tok.scope != CURRENT or not _hedged_at(ctx, start, end):
            return None  # denied, of another time or person, or told as found
        hedged = hedged or (start, end)
    return hedged


# words that name a disease by their ending ("fibroadenoma", "cardiomyopathy"), for conditions
# the concept table lacks
_DISEASE_ENDING = re.compile(r"(?:itis|osis|emia|aemia|oma|omas|pathy|megaly|rrhage|plegia)$")
_ABBREVIATION = re.compile(r"[A-Z]{2,5}")


def _unlisted_condition(
    out: AnalyzedText, tok: Token, taken: set[int], words: bool = False
) -> bool:
    """Whether ``tok`` may name a condition the concept table lacks ("fibroadenoma", "SVT"):
    a word with a disease's ending or a capitalised abbreviation (with ``words``, a clinical
    word too: "infection", "depression"), not a body part, a drug, a test, a unit or a word
    of a listed concept (``taken``: their starts)."""
    if tok.start in taken or tok.text in ANATOMY:
        return False
    surface = out.text[tok.start : tok.end]
    return (
        (words and tok.text in CLINICAL_WORDS)
        or (len(tok.text) > 5 and _DISEASE_ENDING.search(tok.text) is not None)
        or (surface.isupper() and _ABBREVIATION.fullmatch(surface) is not None)
    )


def _same_abbreviation(ctx: AnalyzedText, surface: str, spans: list[tuple[int, int]]) -> bool:
    """Whether an abbreviation (``surface``, in capitals) is written so in the input too: a
    header's capitals ("HISTORY") against a plain word are no abbreviation."""
    return not surface.isupper() or any(ctx.text[a:b] == surface for a, b in spans)


_A_TEST_OF = re.compile(r"[\s-]+(?:test|testing|screen|screening|scan|swab|risk|status)\b", re.I)


def _stated_as_found(out: AnalyzedText, start: int, end: int) -> bool:
    """Whether the output states the condition at ``start:end`` as found: it opens its clause
    (a problem list's or an impression's item, "LV apical thrombus.") after at most three
    words that do not subordinate it, or follows words that assert it ("this was a TIA")."""
    toks = out.tokens_in(start, end)
    if not toks or toks[0].scope != CURRENT:
        return False
    if toks[0].polarity != AFFIRMED or _A_TEST_OF.match(out.text, end):
        return False  # "pregnancy test", "sepsis screen": a test of it, not it
    if _PROTOCOL_AFTER.match(out.text, end):
        return False  # "referral via the lung cancer pathway": a route, not a finding
    lo = out.sentences[toks[0].sentence].span[0]
    before = out.text[max(lo, start - 60) : start]
    if _STATES_FOUND.search(before):
        return True
    words = re.findall(r"[\w/'-]+|[.;:(\n,]|\s-\s", before)
    head: list[str] = []
    for w in reversed(words):
        if w.strip() in {".", ";", ":", "(", ",", "-", ""} or w == "\n":
            break
        head.append(w.lower())
    else:
        if lo < start - 60:
            return False
    return len(head) <= 3 and not (_NOT_STATED & set(head))


def _once_per_sentence(out: AnalyzedText, findings: list[Finding]) -> list[Finding]:
    """The findings less a diagnosis's certainty (``_overstated_diagnoses``) whose sentence
    already has a finding of a certainty word at risk 3 or more ("Renal colic confirmed."
    against "it might be a kidney stone"): one shift told once."""

    def sentence(f: Finding) -> int | None:
        toks = out.tokens_in(*f.span) if f.span else []
        return toks[0].sentence if toks else None

    def of_diagnosis(f: Finding) -> bool:
        return any(said in f.message for said in _OF_DIAGNOSIS)

    worded = {sentence(f) for f in findings if not of_diagnosis(f) and f.risk >= 3}
    return [f for f in findings if not of_diagnosis(f) or sentence(f) not in worded]


_HEDGED_FOUND = "is hedged here but the input finds it"
_RULED_OUT = "is ruled out here but the input leaves it open"
_STATED = "is stated as found but the input only suggests it"
_OF_DIAGNOSIS = (_HEDGED_FOUND, _RULED_OUT, _STATED)


@verifiers.register("certainty.v1")
class CertaintyRule(Rule):
    name = "certainty.v1"

    def __init__(
        self, big_shift_risk: int = 3, small_shift_risk: int = 2, unsupported_strong_risk: int = 2
    ) -> None:
        self.big_shift_risk = big_shift_risk
        self.small_shift_risk = small_shift_risk
        self.unsupported_strong_risk = unsupported_strong_risk

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None
        findings = self._overstated_diagnoses(view)
        said = scale_words(out)
        if not said:
            return findings  # no degree or certainty word in the output: the input is not read
        judged = judged_spans(out)
        judged_starts = [a for a, _ in judged]
        ctx_words = scale_words(ctx)
        # the input's scale words by scale and topic stem: a lookup reads only its rivals
        by_stem: dict[tuple[str, str], list[int]] = {}
        for k, c in enumerate(ctx_words):
            for stem in _topic(ctx, c, 8):
                by_stem.setdefault((c.scale, stem), []).append(k)
        strong = {c.scale for c in ctx_words if c.value == 3}
        windows = AlignedWindows(view)
        for w in said:
            if statistical_significance(w.word, ctx):
                continue  # "no significant difference" in a study's text: a test, no degree
            shared: dict[int, int] = {}  # input word -> topic stems it shares with this one
            named: set[int] = set()  # input words sharing a stem other than a body part
            for stem in _topic(out, w, 6):
                for k in by_stem.get((w.scale, stem), ()):
                    shared[k] = shared.get(k, 0) + 1
                    if stem not in _PART_STEMS or w.scale != "frequency":
                        named.add(k)
            # in a long input one shared word is chance ("marked improvement since ..." and
            # "left atrium mildly dilated ... since"): there, two make the same topic; a body
            # part alone names no finding whose frequency is told ("persistent activity at the
            # wrist" and "the wrist swells sometimes"), though it may name a diagnosis ("renal
            # colic") or a sign's degree ("mildly positive straight leg raise")
            need = 2 if windows.active else 1
            rivals = [ctx_words[k] for k in sorted(shared) if shared[k] >= need and k in named]
            if rivals and windows.active:
                # in a long input, only the part aligned to this claim speaks of the same thing
                window = windows.window(w.start, w.end)
                rivals = [c for c in rivals if windows.holds(window, c.sentence)]
                if not rivals:
                    continue
            if not rivals:
                if (
                    w.value == 3
                    and not _inside(judged, judged_starts, w.start)
                    and w.scale != "certainty"
                    and w.scale not in strong
                ):
                    findings.append(
                        self.finding(
                            view,
                            ErrorCategory.OVERSTATED_INTENSITY,
                            self.unsupported_strong_risk,
                            (w.start, w.end),
                            f"'{w.word}' is stronger than anything the input says",
                            confidence=0.45,
                        )
                    )
                elif w.scale == "certainty" and w.value == 1 and w.word not in _MODALS:
                    established = _established(out, ctx, w, ctx_words)
                    if established is not None:
                        findings.append(
                            self.finding(
                                view,
                                ErrorCategory.UNDERSTATED_INTENSITY,
                                self.big_shift_risk,
                                (w.start, w.end),
                                f"'{w.word}' hedges what the input establishes: "
                                f"'{ctx.text[established[0] : established[1]]}'",
                                relation=CONTRADICTED,
                                context_span=established,
                                confidence=0.65,
                            )
                        )
                continue
            # an asked or denied word of the input asserts no degree ("it's not terrible"); a
            # drug's dosing ("isotretinoin sixty milligrams daily") is no finding's frequency
            dosing = _dosing(ctx) if w.scale == "frequency" else frozenset()
            if dosing and w.token_index in _dosing(out):
                dosing = frozenset()
            rivals = [
                c
                for c in rivals
                if not _asked(ctx, c)
                and ctx.tokens[c.token_index].polarity != NEGATED
                and c.token_index not in dosing
            ]
            if not rivals or any(c.value == w.value for c in rivals):
                continue  # "is the pain constant or does it come and go?" asserts neither
            if _both_told(out, w, rivals):
                continue  # "at first intermittent, but now constant": the output says both
            closest = min(rivals, key=lambda c: abs(c.value - w.value))
            shift = w.value - closest.value
            if shift > 0 and out.tokens[w.token_index].polarity == NEGATED:
                continue  # "not significant relief" where the input has "helped a little"
            category = (
                ErrorCategory.OVERSTATED_INTENSITY
                if shift > 0
                else ErrorCategory.UNDERSTATED_INTENSITY
            )
            # a diagnosis made certain from a hedge (or the reverse) is a big shift however
            # strong the hedge: "suggestive of" -> "confirms" changes what is established
            # the output's "consistent with" says that results support a diagnosis, often a
            # made one: a small shift from "diagnosed", not a hedge of it ("confirmed" where
            # the input has "consistent with" still crosses)
            crosses = (
                w.scale == "certainty"
                and (w.value == 3) != (closest.value == 3)
                and w.word != "consistent"
            )
            risk = self.big_shift_risk if abs(shift) >= 2 or crosses else self.small_shift_risk
            findings.append(
                self.finding(
                    view,
                    category,
                    risk,
                    (w.start, w.end),
                    f"'{w.word}' is {'stronger' if shift > 0 else 'weaker'} than the input's "
                    f"'{closest.word}' ({w.scale})",
                    relation=CONTRADICTED,
                    context_span=(closest.start, closest.end),
                    suggestion=closest.word,
                    confidence=0.7,
                )
            )
        return _once_per_sentence(out, findings)

    def _overstated_diagnoses(self, view: CaseDoc) -> list[Finding]:
        """Conditions the output states as found ("Imp: SAH.", "This was a TIA") that the
        input only suggests ("could be a bleed ... a subarachnoid haemorrhage"): a hedge
        dropped. An Impression header does not excuse it: the input's clinician was unsure."""
        out, ctx = view.output, view.context
        assert ctx is not None
        findings: list[Finding] = []
        seen: set[str] = set()
        named = mentions(out.text, ("condition",))
        for m in named:
            toks = out.tokens_in(m.start, m.end)
            if m.concept in seen or not toks or toks[0].scope != CURRENT:
                continue
            surface = set(m.surface.lower().split())
            span = (m.start, m.end)
            others = [o for o in named if o.concept == m.concept and o.start != m.start]
            if toks[0].polarity == NEGATED:
                if any(_hedged_at(out, o.start, o.end) for o in others):
                    continue  # "XR: no fracture seen ... possible scaphoid fracture": still open
                found = self._ruled_out(view, span, _input_suggests_only(ctx, m.concept, surface))
            elif _hedged_at(out, m.start, m.end):
                hedge = _hedge_start(out, m.start)
                if hedge is None:
                    continue
                anchor = _input_finds(ctx, m.concept, surface)
                found = self._found_hedged(view, (hedge, m.end), anchor)
            elif _stated_as_found(out, m.start, m.end):
                anchor = _input_suggests_only(ctx, m.concept, surface)
                found = None if anchor is None else self._overstated(view, (m.start, m.end), anchor)
            else:
                continue
            if found is not None:
                seen.add(m.concept)
                findings.append(found)
        findings.extend(self._overstated_unlisted(view, findings))
        return findings

    def _ruled_out(
        self, view: CaseDoc, span: tuple[int, int], anchor: tuple[int, int] | None
    ) -> Finding | None:
        """A condition the output denies or rules out ("no concern for deep infection") where
        the input keeps it open at ``anchor`` ("deep infection cannot be excluded")."""
        return self._shift(view, span, anchor, _RULED_OUT)

    def _found_hedged(
        self, view: CaseDoc, span: tuple[int, int], anchor: tuple[int, int] | None
    ) -> Finding | None:
        """A condition the output hedges ("possible depression", "?MSSA") where the input
        tells it as found at ``anchor`` ("I think this is a moderate depression")."""
        return self._shift(view, span, anchor, _HEDGED_FOUND)

    def _shift(
        self, view: CaseDoc, span: tuple[int, int], anchor: tuple[int, int] | None, said: str
    ) -> Finding | None:
        """A finding that the output's certainty of the condition at ``span`` is weaker than
        the input's at ``anchor`` (None where there is no anchor)."""
        if anchor is None:
            return None
        assert view.context is not None
        return self.finding(
            view,
            ErrorCategory.UNDERSTATED_INTENSITY,
            self.big_shift_risk,
            span,
            f"'{view.output.text[span[0] : span[1]]}' {said}: "
            f"'{view.context.text[anchor[0] : anchor[1]]}'",
            relation=CONTRADICTED,
            context_span=anchor,
            confidence=0.6,
        )

    def _overstated_unlisted(self, view: CaseDoc, found: list[Finding]) -> list[Finding]:
        """``_overstated_diagnoses`` for a condition the concept table lacks ("Imp: SVT."
        where the input has "it could be SVT"): read by the word's stem."""
        out, ctx = view.output, view.context
        assert ctx is not None
        taken = {t.start for m in mentions(out.text) for t in out.tokens_in(m.start, m.end)}
        taken |= {t.start for d in out.drugs for t in out.tokens_in(d.start, d.end)}
        taken |= {t.start for f in found if f.span for t in out.tokens_in(*f.span)}
        # a quantity's unit ("10 min") or a value's name is no condition
        taken |= {t.start for q in out.quantities for t in out.tokens_in(q.start, q.end)}
        # only the stems of the output's current words are looked up below
        wanted = {t.stem for t in out.tokens if t.scope == CURRENT}
        by_stem: dict[str, list[tuple[int, int]]] = {}
        for t in ctx.tokens:
            if t.stem in wanted:
                by_stem.setdefault(t.stem, []).append((t.start, t.end))
        findings: list[Finding] = []
        seen: set[str] = set()
        for tok in out.tokens:
            if tok.stem in seen or tok.stem not in by_stem or tok.scope != CURRENT:
                continue
            spans = by_stem[tok.stem]
            span = (tok.start, tok.end)
            if not _unlisted_condition(out, tok, taken, words=True) or not _same_abbreviation(
                ctx, out.text[tok.start : tok.end], spans
            ):
                continue
            if tok.polarity == NEGATED:
                anchor = _only_suggested(ctx, spans)
                kinds = {_word_before(ctx, a) for a, _ in spans}
                if anchor is not None and _kept_open(out, tok, kinds):
                    continue
                found = self._ruled_out(view, span, anchor)
            elif _hedged_at(out, tok.start, tok.end):
                hedge = _hedge_start(out, tok.start)
                if hedge is None:
                    continue
                found = self._found_hedged(view, (hedge, tok.end), _finds_among(ctx, spans))
            elif _unlisted_condition(out, tok, taken) and _stated_as_found(out, *span):
                anchor = _only_suggested(ctx, spans)
                found = None if anchor is None else self._overstated(view, span, anchor)
            else:
                continue
            if found is not None:
                seen.add(tok.stem)
                findings.append(found)
        return findings

    def _overstated(self, view: CaseDoc, span: tuple[int, int], anchor: tuple[int, int]) -> Finding:
        """The finding of a condition stated as found at ``span`` that the input only
        suggests at ``anchor``."""
        assert view.context is not None
        return self.finding(
            view,
            ErrorCategory.OVERSTATED_INTENSITY,
            self.big_shift_risk,
            span,
            f"'{view.output.text[span[0] : span[1]]}' {_STATED}: "
            f"'{view.context.text[anchor[0] : anchor[1]]}'",
            relation=CONTRADICTED,
            context_span=anchor,
            confidence=0.6,
        )
