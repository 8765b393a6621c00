"""The comparison stage: each claim against the passage window tier 1 aligned it to, fact by fact.

A *fact* is one checkable detail of a text (a dose, a frequency, a route, a side, a polarity, a
status, a time, an age...), read from the analysis the rules already do: the analyser's tokens,
quantities and sides, and the helpers of ``verifiers/*.py`` (frequencies, temporal mentions, code
status, allergies, ages, change words). Each fact has a *key* (what it is about: a drug, a body
part, a concept) and a *value*. A claim's fact contradicts the window only where the window holds
facts of the same kind and key and none of them agrees with it: a fact the window does not state
is silence, not contradiction, and rewording folds to the same value (the analyser's synonym
keys, unit conversion, "72F" as an age and a sex).

In corpus mode the window is general knowledge, not the patient's record: only values, change
direction, a study's effect, the effect on an outcome (medfact.direction: "reduced mortality"
against "no significant difference in mortality"), comparative order and the polarity of the
same statement are compared there.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from medfact import direction as effects
from medfact.aligned_document import (
    VALUES_RULE,
    absent_values,
    aligned_document,
    checked_values,
    sentence_of,
)
from medfact.analysis import (
    AFFIRMED,
    ASKED,
    FAMILY,
    HISTORY,
    HYPOTHETICAL,
    NEGATED,
    UNCERTAIN,
    AnalyzedText,
    Quantity,
    Token,
    before_denied_change,
    companions_kin,
    concept_key,
    follows_relative,
    is_relative,
    once_per_text,
    speaker_tag,
)
from medfact.corpora.context import ContextIndex
from medfact.document import CaseDoc
from medfact.lexicon.terms import (
    ANATOMY,
    ANATOMY_KEYS,
    CHANGE_WORDS,
    DOSE_CLASSES,
    LATERALITY,
    RELATIVE_VERBS,
    RELATIVES,
    SIDE_AXES,
)
from medfact.registry import stages
from medfact.rehint import FastPattern, fast_compile
from medfact.stages import Stage
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.textutil import sentence_at, stem
from medfact.types import Claim, Evidence, Finding, Sentence
from medfact.verifiers.aligned import LONG_CONTEXT
from medfact.verifiers.base import window_stems
from medfact.verifiers.certainty import judged_spans
from medfact.verifiers.change import change_mentions
from medfact.verifiers.drugs import is_drug_class
from medfact.verifiers.entities import (
    NO_ALLERGY,
    PREGNANCY,
    ages,
    allergies,
    code_status,
    may_name_pregnancy,
    same_allergen,
    sexes,
)
from medfact.verifiers.polarity import (
    NO_ISSUE,
    complement_of_denied,
    family_section,
    names_finding,
    planned_starts,
    read_polarity,
)
from medfact.verifiers.route import compatible as routes_agree
from medfact.verifiers.route import route_mentions
from medfact.verifiers.temporal import WAITED
from medfact.verifiers.temporal import mentions as temporal_mentions
from medfact.verifiers.values import (
    PER_KG,
    TABLETS_OF,
    Frequency,
    difference_of_two,
    frequencies,
    monitored,
    rate_closed,
    rate_then_joined,
    same_value,
    stated_as_change,
)

if TYPE_CHECKING:
    from medfact.config import Settings
    from medfact.stages import Parts

RULE = "compare.v1"
CONTRADICTED = "contradicted"

# --- small word tables of this stage (written for medfact) ----------------------------------------

_SETTINGS: dict[str, str] = {
    **dict.fromkeys(
        ("emergency room", "emergency department", "er", "ed", "emergency"), "emergency"
    ),
    **dict.fromkeys(("intensive care unit", "icu", "intensive care", "micu", "sicu"), "icu"),
    **dict.fromkeys(("urgent care",), "urgent care"),
    **dict.fromkeys(("clinic", "office", "outpatient clinic", "primary care office"), "clinic"),
    **dict.fromkeys(("nursing home", "snf", "skilled nursing facility"), "nursing home"),
    **dict.fromkeys(("operating room",), "operating room"),
    **dict.fromkeys(("telehealth", "video visit", "telemedicine"), "telehealth"),
}
_UPPER_ONLY_SETTINGS = frozenset({"er", "ed"})

# a result word and whether it says the study or exam found nothing
_RESULTS: dict[str, str] = {
    **dict.fromkeys(
        (
            "unremarkable",
            "normal",
            "negative",
            "benign",
            "wnl",
            "within normal limits",
            "nontender",
            "non-tender",
            "clear",
            "without signs of",
            "no evidence of",
            "negative for",
            "no acute",
        ),
        "normal",
    ),
    **dict.fromkeys(
        (
            "shows",
            "showed",
            "reveals",
            "revealed",
            "demonstrates",
            "demonstrated",
            "consistent with",
            "positive for",
            "positive",
            "abnormal",
            "tender",
            "significant for",
            "notable for",
        ),
        "abnormal",
    ),
}
# a word that carries its own negation: (concept key it negates or affirms, polarity)
_SELF_NEGATING: dict[str, tuple[str, str]] = {
    "afebrile": (concept_key("fever"), NEGATED),
    "febrile": (concept_key("fever"), AFFIRMED),
    "asymptomatic": (concept_key("symptoms"), NEGATED),
    "symptomatic": (concept_key("symptoms"), AFFIRMED),
}

_PLANNED = fast_compile(
    r"\b(?:will\s+(?:be\s+)?(?:schedul\w*|order\w*|obtain\w*|arrang\w*|refer\w*|get|check)|"
    r"will\s+(?:be\s+)?start\w*|is\s+planned|are\s+planned|to\s+be\s+scheduled|"
    r"plan\s+(?:is\s+)?(?:for|to))\b",
    re.IGNORECASE,
)
_DONE = fast_compile(
    r"\b(?:(?:was|were|has\s+been|have\s+been)\s+(?:completed|done|performed|started)|"
    r"we\s+(?:ordered|referred|started|obtained|performed|did|gave|sent))\b(?!\s*n't|\s+not)",
    re.IGNORECASE,
)

_ORDER = fast_compile(
    r"\b(?P<cmp>more|less|higher|lower|greater|fewer)\s+(?P<adj>[a-z]+\s+)?"
    r"(?:in|among|for)\s+(?P<a>[a-z]+(?:\s+[a-z]+)?)\s+than\s+(?:in\s+|among\s+|for\s+)?"
    r"(?P<b>[a-z]+(?:\s+[a-z]+)?)",
    re.IGNORECASE,
)
_ORDER_SIGN = {"more": 1, "higher": 1, "greater": 1, "less": -1, "lower": -1, "fewer": -1}
_GESTATION = re.compile(r"\bgestation|\bpregnan", re.IGNORECASE)
_INTERVAL_BEFORE = re.compile(r"\b(?:in|every|each|for|within|after|next)\s+$", re.IGNORECASE)
_PREGNANCY_NEGATIVE = re.compile(r"\bnegative\b|\bnot\b|\bno\b|\bdenies\b", re.IGNORECASE)
_NOT_A_PREGNANCY = re.compile(
    # "monthly pregnancy tests" plans tests; "pregnancy test positive" is read below
    r"\s+(?:prevention|programme|program|plans?|planning|risk|advice|counsel\w*|tests)\b",
    re.I,
)
_NO_PREGNANCY_BEFORE = re.compile(
    r"\b(?:prevent\w*|avoid\w*|planning|plan|plans|trying\s+for|future|another)\s+(?:a\s+)?$",
    re.I,
)
_STUDY = re.compile(r"\btest\b|\bscreen\b|\bhcg\b", re.IGNORECASE)
_STUDY_POSITIVE = re.compile(
    r"\b(?:hcg|pregnancy\s+test)\s+(?:was\s+|is\s+|came\s+back\s+)?positive\b"
    r"|\bpositive\s+(?:\w+\s+)?(?:pregnancy\s+test|hcg|upt)\b",  # "positive home pregnancy test"
    re.IGNORECASE,
)

# kinds compared against a corpus passage (general knowledge, no patient)
CORPUS_KINDS = frozenset({"amount", "direction", "effect", "order", "polarity", "outcome"})
_CATEGORY = {
    "direction": ErrorCategory.FALSE_COMPARISON,
    "order": ErrorCategory.FALSE_COMPARISON,
    "effect": ErrorCategory.FALSE_COMPARISON,
    "outcome": ErrorCategory.FALSE_COMPARISON,
}
_CERTAINTY = {
    "certain": ErrorCategory.OVERSTATED_INTENSITY,
    "judged": ErrorCategory.OVERSTATED_INTENSITY,
    "probable": ErrorCategory.OVERSTATED_INTENSITY,  # a view said over a hedge ("could be")
    "uncertain": ErrorCategory.UNDERSTATED_INTENSITY,
}
_RISK = {"allergy": 4, "code": 4, "route": 3, "unit": 4, "side": 3, "pregnancy": 4}


@dataclass(frozen=True, slots=True)
class Fact:
    """One checkable detail: its kind, what it is about (``key``; empty: the whole text), its
    value, and its span in the analysed text."""

    kind: str
    key: str
    value: str
    start: int
    end: int
    data: Any = field(default=None, compare=False)
    modifier: str = field(default="", compare=False)  # "rebound" of "rebound tenderness"
    when: frozenset[str] = field(default=frozenset(), compare=False)  # its clause's time of day
    head: str = field(default="", compare=False)  # "pneumonitis" of "radiation pneumonitis"


@dataclass(frozen=True, slots=True)
class Difference:
    """A claim fact and the window fact it disagrees with."""

    said: Fact
    given: Fact


# --- reading facts --------------------------------------------------------------------------------


def _token_index(doc: AnalyzedText) -> list[int]:
    return doc._starts  # the analysis's own list of token starts, built once per text


def _token_at(doc: AnalyzedText, starts: list[int], offset: int) -> int:
    return max(0, bisect_left(starts, offset + 1) - 1)


def _drug_before(doc: AnalyzedText, start: int, reach: int) -> tuple[Any, str] | None:
    """The drug named last before ``start``, within ``reach`` characters and in its sentence,
    with the text between them; None when there is none."""
    k = bisect_right(doc.drugs, start, key=lambda d: d.end) - 1  # the last one ending before
    if k < 0 or start - doc.drugs[k].end > reach:
        return None
    between = doc.text[doc.drugs[k].end : start]
    return None if _SENTENCE_BREAK.search(between) else (doc.drugs[k], between)


def _drug_anchor(doc: AnalyzedText, start: int, reach: int = 60) -> str:
    """The drug named last before ``start`` in its sentence and within ``reach`` characters,
    not past a list's next item ("X in the morning, and the ...")."""
    found = _drug_before(doc, start, reach)
    return "" if found is None or _NEXT_ITEM.search(found[1]) else found[0].canonical


_SENTENCE_BREAK = re.compile(r"[.;\n]\s")
# a list's next item: "Amlodipine in the morning, and the brown one ...", "alendronate 70 mg
# weekly + Adcal-D3 1 tab BD"
_NEXT_ITEM = re.compile(r",\s+and\b|\s\+\s*[A-Za-z]|\bplus\s+[A-Za-z]")


_OF = re.compile(r"\s+of\s+(?:the\s+)?$", re.IGNORECASE)


def _drug_after(doc: AnalyzedText, end: int) -> str:
    """The drug an amount is "of" ("0.5 cc of lidocaine"), named right after it."""
    k = bisect_left(doc.drugs, end, key=lambda d: d.start)
    if k >= len(doc.drugs) or doc.drugs[k].start - end > 16:
        return ""
    drug = doc.drugs[k]
    return drug.canonical if _OF.match(doc.text[end : drug.start]) else ""


def _words_at(text: str, table: dict[str, str], upper_only: frozenset[str]) -> Iterable[Fact]:
    """Phrases of ``table`` in ``text`` as whole words; short ones listed in ``upper_only``
    count only when written in capitals ("PO", not "po" inside a word)."""
    for m in _table_pattern(table).finditer(text):
        word = m.group().lower()
        if word in upper_only and not m.group().isupper():
            continue
        yield Fact("", "", table[word], m.start(), m.end())


# each table's pattern, by the table (a module constant, kept here so its id stays its own)
_PATTERNS: dict[int, tuple[dict[str, str], FastPattern]] = {}


def _table_pattern(table: dict[str, str]) -> FastPattern:
    """The phrases of ``table`` as whole words, longest first; built once per table (the
    tables are constants: sorting and hashing their phrases on every read cost more than the
    look-up)."""
    known = _PATTERNS.get(id(table))
    if known is None or known[0] is not table:
        words = sorted(table, key=len, reverse=True)
        body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
        pattern = fast_compile(rf"(?<![\w/-])(?:{body})(?![\w/-])", re.IGNORECASE)
        known = _PATTERNS[id(table)] = (table, pattern)
    return known[1]


class _Near:
    """A pattern searched in the few characters around a word, for every word of a text:
    answered False at once where they are plain ASCII and hold none of the strings every match
    holds (:mod:`medfact.rehint` reads them from the pattern), else by the pattern itself."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = re.compile(pattern, flags)
        self.words = FastPattern(self.pattern).shortcuts()[0] or ("",)

    def found(self, text: str, start: int, end: int) -> bool:
        """Whether ``self.pattern.search(text, start, end)`` finds a match."""
        span = text[start:end]
        if span.isascii():
            low = span.lower()
            for word in self.words:  # noqa: SIM110 (a loop: no generator frame per call)
                if word in low:
                    break
            else:
                return False
        return self.pattern.search(text, start, end) is not None


_PLANNED_BEFORE = _Near(
    r"\b(?:schedule|scheduled|order|ordered|arrange|arranged|book|booked|request|requested|"
    r"refer(?:red)?\s+for|plan(?:ned)?|recommend(?:ed)?|consider)\s+(?:a\s+|an\s+|the\s+)?"
    r"(?:\w+\s+)?$",
    re.IGNORECASE,
)
_ANOTHER = re.compile(r"\b(?:other|another|further|additional)\b", re.IGNORECASE)

# the day and the time of day a clause speaks of: "no insulin this morning" says nothing of
# "the bedtime insulin yesterday"
_WHEN = re.compile(
    r"\b(?:(this|last|tomorrow)\s+)?(morning|breakfast|lunch(?:time)?|afternoon|evening|dinner|"
    r"tea\s*time|night(?:ly)?|bedtime|tonight|today|yesterday|tomorrow)(?:'s)?\b",
    re.IGNORECASE,
)
_WHEN_OF = {
    "breakfast": "morning",
    "lunch": "midday",
    "lunchtime": "midday",
    "afternoon": "midday",
    "dinner": "evening",
    "teatime": "evening",
    "tea time": "evening",
    "nightly": "night",
    "bedtime": "night",
}
_DAY_OF = {"this": "today", "last": "yesterday", "tomorrow": "tomorrow"}
_CLAUSE_END = re.compile(r"[.;:?!\n]")
_CLAUSE_REACH = 80  # characters either side of a word read as its clause


# the words of _WHEN, lower case, found by plain search (a superset: "tea" in "instead")
_WHEN_WORD = re.compile(
    "morning|breakfast|lunch|afternoon|evening|dinner|tea|night|bedtime|today|yesterday|tomorrow"
)


@lru_cache(maxsize=64)
def _when_starts(text: str) -> tuple[int, ...]:
    """Where ``text`` may name a day or a time of day (read once per text)."""
    return tuple(m.start() for m in _WHEN_WORD.finditer(text.lower()))


def _when(text: str, start: int, end: int) -> frozenset[str]:
    """The times of day and the days named in the clause around ``start:end`` ("this
    morning": morning, today; "the bedtime insulin yesterday": night, yesterday)."""
    starts = _when_starts(text)
    i = bisect_left(starts, start - _CLAUSE_REACH - 10)
    if i == len(starts) or starts[i] > end + _CLAUSE_REACH:
        return frozenset()  # no day or time of day within reach: most words of most texts
    left = text[max(0, start - _CLAUSE_REACH) : start]
    stops = list(_CLAUSE_END.finditer(left))
    begin = start - len(left) + (stops[-1].end() if stops else 0)
    stop = _CLAUSE_END.search(text, end, end + _CLAUSE_REACH)
    out: set[str] = set()
    for m in _WHEN.finditer(text, begin, stop.start() if stop else end + _CLAUSE_REACH):
        day, word = (m.group(1) or "").lower(), m.group(2).lower()
        word = _WHEN_OF.get(word, word)
        out |= {"today", "night"} if word == "tonight" else {word}
        if day in _DAY_OF:
            out.add(_DAY_OF[day])  # "last night": yesterday's; "this morning": today's
    return frozenset(out)


_PART_OF_TABLET = re.compile(
    r"\b(?:half|quarter|third|halves)\s+(?:of\s+)?(?:a|an|the|my|her|his|old|\s)*$", re.I
)
_TABLET_AFTER = re.compile(r"\s*(?:tablets?|tabs?|pills?)\b", re.IGNORECASE)
_DIET_AFTER = re.compile(
    r"\s*(?:of\s+)?(?:sodium|salt|fluid|water|protein|carbs?|carbohydrates?|fat|fibre|fiber|"
    r"calories|kcal)\b",
    re.IGNORECASE,
)


def amount_facts(doc: AnalyzedText, skip: Sequence[tuple[int, int]]) -> list[Fact]:
    """Doses and measured values: the analyser's quantities with a unit (not ages, times or
    counts, which other facts read), keyed by the drug they follow or by their unit class."""
    out = []
    score: Quantity | None = None  # the last score "out of N", whose total an earlier one keeps
    dose: Quantity | None = None  # the last dose of its sentence, whose unit a titration carries
    asked: Quantity | None = None  # a dialogue's dose of the sentence before, which a reply carries
    for q in doc.quantities:
        if dose is not None and dose.sentence != q.sentence:
            asked = dose if doc.is_dialogue else None
            dose = None
        if asked is not None and q.sentence != asked.sentence + 1:
            asked = None
        reply_to = asked or dose
        threshold = q.unit_class is None and bool(
            _THRESHOLD_BEFORE.search(doc.text, max(0, q.start - 20), q.start)
        )  # "until INR >= 2.5", "if it's still over a hundred": a bound, no dose
        if (
            q.unit_class is None
            and reply_to is not None
            and doc.is_dialogue
            and not threshold
            and not _signed(doc.text, q.start)
            and _REPLY_DOSE[0] <= q.value / reply_to.value <= _REPLY_DOSE[1]
            and _other_turn(doc.text, reply_to.end, q.start)
        ):
            # "the three milligrams every day? - three every day except mondays and fridays
            # it's four and a half": the reply's doses are the question's unit
            q = replace(q, unit_class=reply_to.unit_class, unit=reply_to.unit)
        elif (
            q.unit_class is None
            and dose is not None
            and not threshold
            and (
                _TITRATED.fullmatch(doc.text, dose.end, q.start)
                or (
                    _STEPPED.fullmatch(doc.text, dose.end, q.start)
                    and _STEP[0] <= q.value / dose.value <= _STEP[1]
                )
            )
        ):
            # "sertraline twenty five milligrams daily for one week then fifty": 50 mg
            q = replace(q, unit_class=dose.unit_class, unit=dose.unit)
        elif q.unit_class in DOSE_CLASSES:
            dose = q  # a step that carries the unit is no new anchor ("by 25 each week to 50")
        elif q.unit_class is None and _FEVER_BEFORE.search(doc.text, max(0, q.start - 30), q.start):
            # "if fever over one hundred point four": degrees, Fahrenheit above 45
            q = replace(q, unit_class="temperature", unit="f" if q.value > 45 else "c")
        if score is not None and _earlier_score(doc.text, score, q):
            # "eighteen out of thirty. It was twenty-one last year": 21 out of 30
            q = replace(q, unit_class=score.unit_class, unit=score.unit, second=score.second)
        # only the value right after a score may be its earlier one
        score = q if q.second is not None and q.value <= q.second else None
        if q.unit_class in (None, "count", "age", "time", "duration") or _inside(q.start, skip):
            continue
        if q.unit is None and _DATE.fullmatch(doc.text[q.start : q.end]):
            continue  # "01/2020", "12/19": a month and year, no ratio
        if q.unit is None and day_month(doc.text, q.start, q.end):
            continue  # "admitted 3/3", "informal from 20/03": a day and month, no ratio
        if TABLETS_OF.search(doc.text, max(0, q.start - 8), q.start):
            continue  # "15 mg (6 x 2.5 mg)": each tablet's strength, not the dose
        if _PART_OF_TABLET.search(doc.text, max(0, q.start - 25), q.start) and _TABLET_AFTER.match(
            doc.text, q.end
        ):
            continue  # "half of the old 100 mcg tablets": a tablet's strength, not the dose
        if _DIET_AFTER.match(doc.text, q.end):
            continue  # "two gram sodium diet", "1.5 L fluid restriction": a diet, no drug's dose
        family = "dose" if q.unit_class in DOSE_CLASSES else q.unit_class
        drug = (_drug_after(doc, q.end) or _drug_anchor(doc, q.start)) if family == "dose" else ""
        unit = (q.unit or "") + ("/kg" if _per_kg(doc.text, q.end) else "")
        value = f"{q.value:g}{'/' + format(q.second, 'g') if q.second is not None else ''} {unit}"
        topic = frozenset(window_stems(doc.tokens, q.token_index, 4)) if doc.tokens else frozenset()
        former = _FORMER if _CHANGED_AFTER.match(doc.text, q.end) else ""
        if not former and q.unit is not None and stated_as_change(q, doc.text):
            former = _CHANGE  # "+1.2 L", "2.4 kg above dry weight": a difference
        out.append(
            Fact("amount", f"{family}|{drug}", value.strip(), q.start, q.end, (q, topic), former)
        )
    return out


_FORMER = "former"  # the modifier of an amount the text changes to another ("400 mcg -> 5 mg")
_CHANGE = "change"  # the modifier of an amount written as a change ("+1.2 L", "2.4 kg above")
# an amount changed to another right after it: "400 mcg -> increase to 5 mg", "10 mg, now 20 mg"
_CHANGED_AFTER = re.compile(
    r"\s*(?:->|\u2192|=>)|\s*,?\s*(?:increas|reduc|decreas|chang|titrat|go|went)\w*\s+(?:up\s+|"
    r"down\s+)?to\b",
    re.IGNORECASE,
)


_BEFORE_NOW = re.compile(
    r"\b(?:was|were|previously|before|last|ago|from|baseline|prior)\b", re.IGNORECASE
)


def _earlier_score(text: str, score: Quantity, q: Quantity) -> bool:
    """Whether a bare number just after a score "out of N" is that score's earlier value: in
    its sentence or the next, no more than its total, said with a word of the past ("It was
    twenty-one last year")."""
    if q.unit_class is not None or q.second is not None or score.second is None:
        return False
    if not 0 <= q.sentence - score.sentence <= 1 or not 0 < q.value <= score.second:
        return False
    if re.match(r"\s*(?:-|x\b|times\b|hourly|daily|weekly)", text[q.end : q.end + 8], re.I):
        return False  # "4-hourly", "3 times": a rate of its own
    lo = text.rfind("\n", 0, q.start)
    lo = max(lo, text.rfind(". ", 0, q.start), score.end)
    return _BEFORE_NOW.search(text, lo, min(len(text), q.end + 24)) is not None


def _signed(text: str, start: int) -> bool:
    """Whether the number at ``start`` is written with a sign ("RASS -3", "+2"): a score or a
    change, never a dose."""
    if start == 0 or text[start - 1] not in "-+\u2212":
        return False
    return start < 2 or not text[start - 2].isalnum()


def _other_turn(text: str, start: int, end: int) -> bool:
    """Whether a new speaker's turn ("Daughter: ...") opens between two offsets, after the
    tag of the turn at ``start``."""
    line = text.rfind("\n", start, end)
    if line < 0:
        return False
    tag = speaker_tag(text, line + 1)
    return tag is not None and tag != speaker_tag(text, text.rfind("\n", 0, start) + 1)


_REPLY_DOSE = (0.25, 4.0)  # a reply's bare number this near the asked dose is a dose of it
_FEVER_BEFORE = re.compile(
    r"\b(?:fever|temp(?:erature)?)\s+(?:of\s+|over\s+|above\s+|greater\s+than\s+|>\s*)$", re.I
)
_DATE = re.compile(r"(?:0?[1-9]|1[0-2])[/-](?:\d{2}|\d{4})(?:[/-]\d{2,4})?")
# what lies between a dose and a bare number that carries its unit: a step of a titration
# ("increase by twenty five each week to fifty": the step and the target both carry it)
_TITRATED = re.compile(
    r"[^.;\n]{0,60}?\b(?:then|(?:increas|titrat|reduc|decreas|taper)\w*(?:\s+by(?:\s+[\w.]+){0,2}"
    r"(?:\s+(?:each|every|per|a)\s+\w+)?)?)(?:\s+to)?\s+",
    re.IGNORECASE,
)


# a dose moved to a bare number later in its sentence: "0.25 milligrams for four weeks then go
# up to 0.5", "up by two units to twenty four ... drop it back to twenty"
_STEPPED = re.compile(
    r"[^.;\n]{0,60}?\b(?:go(?:es|ing)?|went|put(?:ting)?|drop(?:s|ped|ping)?|bring(?:ing)?|"
    r"mov(?:e|es|ed|ing)|cut(?:ting)?|come?s?|coming)(?:\s+(?:it|them|that|this|the\s+\w+))?"
    r"\s+(?:up|down|back)(?:\s+by\s+[\w.]+(?:\s+\w+)?)?\s+to\s+|\s*,?\s*to\s+",
    re.IGNORECASE,
)
_STEP = (0.05, 20.0)  # a step's new dose this near the one it moves from
# a comparison before a bare number: a threshold ("INR >= 2.5", "at least 2.5", "over 100")
_THRESHOLD_BEFORE = re.compile(
    r"(?:[<>\u2264\u2265]=?|\b(?:at\s+least|above|below|over|under|(?:less|more|greater|"
    r"higher|lower)\s+than))\s*$",
    re.IGNORECASE,
)


_DAY_MONTH = re.compile(r"(0?[1-9]|[12]\d|3[01])/(0?[1-9]|1[0-2])")
_DATE_WORD_BEFORE = re.compile(
    r"\b(?:on|from|since|until|till|admitted|discharged|dated|born|seen|started|stopped|"
    r"between|of)\s+$|\d/\d{1,2}\s*(?:-|to|until|\u2013)\s*$",
    re.IGNORECASE,
)
_DATE_RANGE_AFTER = re.compile(r"\s*(?:-|\u2013)\s*\d{1,2}/\d{1,2}\b")


def day_month(text: str, start: int, end: int) -> bool:
    """Whether the value "D/M" at [start, end) is a day and month: written with a leading zero
    ("20/03"), after a word that dates it ("admitted 3/3", "from 20/3"), or as one end of a
    range of dates ("3/3-11/4")."""
    m = _DAY_MONTH.fullmatch(text, start, end)
    if m is None:
        return False
    if m.group(2).startswith("0") or (m.group(1).startswith("0") and len(m.group(1)) == 2):
        return True
    if _DATE_WORD_BEFORE.search(text, max(0, start - 16), start):
        return True
    return _DATE_RANGE_AFTER.match(text, end) is not None


def _per_kg(text: str, end: int) -> bool:
    return PER_KG.match(text, end) is not None


def _inside(offset: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(s <= offset < e for s, e in spans)


_RUN_ON = 40  # tokens: a sentence without stops, where its words no longer share one topic
_NEAR = 12  # tokens either side of a frequency read as its topic in such a sentence
_RUN_ON_MARK = "@run-on"  # in a frequency's topic: read from a run-on sentence
_OTHER_ITEM_MARK = "@other-item"  # in a frequency's topic: said of a list item without a drug


# a check named right before a rate, as a list's item ("..., bloods every 3 months", "monitoring
# blood tests weekly"): what may stand before its name, and after it
_CHECK_LEAD = re.compile(
    r"(?:^|[.,;:(\n]|\band\b)\s*(?:(?:monitoring|repeat|routine|check)\s+)?", re.IGNORECASE
)
_CHECK_TAIL = re.compile(r"\s*(?:tests?|checks?|levels?|monitoring)?\s*$", re.IGNORECASE)
_CHECK_REACH = 40  # characters before a rate searched for its check


def _check_before(text: str, start: int) -> str | None:
    """The check a list item names right before the rate at ``start`` ("continue methotrexate,
    bloods every 3 months": "bloods"), whose rate it is, or None."""
    lo = max(0, start - _CHECK_REACH)
    leads = list(_CHECK_LEAD.finditer(text, lo, start))
    if not leads:
        return None
    check = monitored(text[:start], leads[-1].end())
    if check is None or not _CHECK_TAIL.match(text[:start], leads[-1].end() + len(check)):
        return None
    return check


def frequency_facts(doc: AnalyzedText) -> list[Fact]:
    """Dosing frequencies (numbers.v1's reading) keyed by the drug before them, with the other
    content words of their sentence (what is done that often)."""
    out = []
    starts = _token_index(doc)
    found = frequencies(doc)
    for f in found:
        if f.per_day == 1 and any(0 < f.start - g.start <= 60 for g in found):
            continue  # "twice a day through the spacer, every day": used daily, told twice
        topic: frozenset[str] = frozenset()
        if doc.tokens:
            at = _token_at(doc, starts, f.start)
            sentence = doc.tokens[at].sentence
            toks = doc.sentence_tokens(sentence)
            run_on = len(toks) > _RUN_ON
            if run_on:
                # a transcript's run-on sentence: what is done that often is said near it
                toks = [t for t in doc.tokens[max(0, at - _NEAR) : at + _NEAR] if t in toks]
            topic = frozenset(
                t.stem for t in toks if t.content and not f.start <= t.start < f.end
            ) | ({_RUN_ON_MARK} if run_on else frozenset())
        # "continue labetalol, QDS BP", "continue methotrexate, bloods every 3 months": the
        # rate of the check, not of the drug before
        drug, check = "", monitored(doc.text, f.end) or _check_before(doc.text, f.start)
        before = _drug_before(doc, f.start, 80) if check is None else None
        if check is not None:  # the check's name, and its stems ("bloods" is "blood tests")
            topic = frozenset({check.strip().lower(), *map(stem, check.lower().split())})
        if before is not None and (
            _NEXT_ITEM.search(before[1]) or rate_then_joined(before[1]) or rate_closed(before[1])
        ):
            # "Amlodipine OD, and the brown one BD", "alendronate weekly + Adcal 1 tab BD",
            # "Symbicort 2 puffs BD: reliever 1-2x/week"
            topic |= {_OTHER_ITEM_MARK}  # said of a list's next item, not of the drug before
        elif before is not None:
            drug = before[0].canonical
        rate = f"{f.per_day:g}" if f.other is None else f"{f.per_day:g}-{f.other:g}"
        out.append(Fact("frequency", drug, f"{rate}/day", f.start, f.end, topic))
    return out


def _rates_overlap(a: str, b: str) -> bool:
    """Whether two frequency facts' rates ("6/day", a range "6-4/day") are the same or overlap
    (numbers.v1's :meth:`Frequency.agrees`): "every 6-8 hours" agrees with "every eight
    hours"."""
    return _rate(a).agrees(_rate(b))


def _rate(value: str) -> Frequency:
    """The rate of a frequency fact's value ("6/day", "6-4/day"), without a span."""
    ends = [float(v) for v in value.removesuffix("/day").split("-")]
    return Frequency(0, 0, ends[0], ends[1] if len(ends) > 1 else None)


def route_facts(doc: AnalyzedText) -> list[Fact]:
    """Routes of administration, each keyed by the drug it qualifies (route.v1's reading)."""
    return [Fact("route", m.drug, m.route, m.start, m.end) for m in route_mentions(doc)]


def setting_facts(doc: AnalyzedText) -> list[Fact]:
    """Care settings ("ER", "emergency room", "ICU", "clinic"), for the whole text."""
    found = [
        Fact("setting", "", f.value, f.start, f.end)
        for f in _words_at(doc.text, _SETTINGS, _UPPER_ONLY_SETTINGS)
        if not _EMERGENCY_OF.match(doc.text, f.start)
    ]
    # a transcript writes "er" in lower case: a setting after "the", "any" or another setting
    # ("any urgent care or er visits"), not the filler "er"
    found.extend(
        Fact("setting", "", _SETTINGS["er"], m.start(1), m.end(1))
        for m in (_LOWER_ER.finditer(doc.text) if _SPACE_ER.search(doc.text) else ())
    )
    return found


# "emergency" before a noun it qualifies names no place: "emergency seizure plan", "emergency
# contraception", "emergency services" (a place is "in emergency", "to the emergency room")
_EMERGENCY_OF = re.compile(
    r"emergency\s+(?!room|department|dept|unit|ward|and\b|or\b|at\b|in\b|on\b|for\b|with\b|"
    r"today|yesterday|overnight|last|this|where|who|after|before)[a-z]",
    re.IGNORECASE,
)
_LOWER_ER = re.compile(r"\b(?:the|any|an|urgent\s+care\s+(?:or|and))\s+(er)\b(?!\s*,)")
# what every match of _LOWER_ER holds ("\ser\b"), opening on the "er" that `re` scans for
_SPACE_ER = re.compile(r"er\b(?<=\ser)")


def side_facts(doc: AnalyzedText) -> list[Fact]:
    """Sides of body parts (the analyser's, dialogue answers included), keyed by the part and
    the axis: "left knee" and "right knee" differ, "left" and "medial" do not. A side before a
    word the anatomy table lacks ("right gluteal abscess") is keyed by that word; levels
    ("upper lobe", "inferior wall") by the word after them. Sides asked about are not read."""
    out = []
    covered: set[int] = set()
    starts = _token_index(doc)
    for m in doc.sides:
        covered.add(m.start)
        if _asked(doc, starts, m.start):
            continue
        axis = SIDE_AXES.get(m.side, m.side)
        denied = _denied(doc, starts, m.start)
        out.append(Fact("side", f"{m.anatomy}|{axis}{denied}", m.side, m.start, m.end))
    toks = doc.tokens
    for tok in [t for t in toks if "-hand" in t.text]:
        hand = _HANDED.fullmatch(tok.text)  # the word it needs
        if hand is not None:
            out.append(Fact("side", "handed|left-right", hand.group(1), tok.start, tok.end))
    # (a word that is neither a side nor a level is passed over at once)
    for i in [k for k, t in enumerate(toks[:-1]) if t.text in LATERALITY or t.text in _LEVELS]:
        tok = toks[i]
        side = LATERALITY.get(tok.text) if len(tok.text) > 2 else None
        level = tok.text if tok.text in _LEVELS else None
        if side is None and level is None:
            continue
        if tok.start in covered or _asked(doc, starts, tok.start):
            continue
        nxt = next(
            (t for t in toks[i + 1 : i + 4] if t.sentence == tok.sentence and t.content), None
        )
        if nxt is None or nxt.text in _LEVELS or nxt.text in LATERALITY:
            continue
        axis = "level" if level else SIDE_AXES.get(side or "", side or "")
        key = f"{nxt.stem}|{axis}{_denied(doc, starts, tok.start)}"
        out.append(Fact("side", key, level or side or "", tok.start, nxt.end))
    return out


def _denied(doc: AnalyzedText, starts: list[int], offset: int) -> str:
    """ "|no" for a side in a denial ("No tenderness over the proximal phalanx", "no lower
    extremity edema"): where a finding is absent says nothing about where one is present, so
    such sides are compared only with the input's denied sides."""
    if not doc.tokens:
        return ""
    read = read_polarity(doc, doc.tokens[_token_at(doc, starts, offset)])
    return "|no" if read is not None and read.polarity == NEGATED else ""


_HANDED = re.compile(r"(left|right)-hand(?:ed)?(?:-dominant)?")
_LEVELS = frozenset({"upper", "lower", "middle", "superior", "inferior"})


def _asked(doc: AnalyzedText, starts: list[int], offset: int) -> bool:
    """A word of a question ("Is it your left ankle?")."""
    if not doc.tokens:
        return False
    tok = doc.tokens[_token_at(doc, starts, offset)]
    sentence = doc.sentences[tok.sentence]
    return tok.polarity == "asked" or sentence.text.rstrip().endswith("?")


_GENERIC_PARTS = frozenset({"side", "sided", "limb", "extremity", "extremitie"})


def part_facts(doc: AnalyzedText) -> list[Fact]:
    """Body parts named in a frame: "fracture of the tibia" is the part "tibia" of the frame
    "fractur", keyed by the content word before the part (and, as a second fact, the one
    after), so "fracture of the fibula" differs while "tibial fracture" is silence."""
    out = []
    toks = doc.tokens
    for i, tok in enumerate(toks):
        word = tok.text.removesuffix("'s").rstrip("s")  # "hand's doing okay": the hand
        if word not in ANATOMY or not tok.content or word in _GENERIC_PARTS:
            continue  # "limb jerking" against "arms and legs jerking": not another part
        part = concept_key(ANATOMY_KEYS.get(word, word))  # "PTX" is the pneumothorax
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(toks) and toks[j].sentence == tok.sentence and abs(j - i) <= 3:
                t = toks[j]
                if t.text in LATERALITY or t.text in _LEVELS or not t.content:
                    j += step
                    continue
                if t.text.rstrip("s") not in ANATOMY:
                    where = "before" if step < 0 else "after"
                    out.append(Fact("part", f"{t.stem}|{where}", part, tok.start, tok.end))
                break
    out.extend(_drug_frames(doc))
    return out


def _drug_frames(doc: AnalyzedText) -> list[Fact]:
    """Drugs named in a frame ("takes metoprolol", "metoprolol for blood pressure"), keyed
    by the nearest content word before and after that names no drug."""
    out = []
    starts = _token_index(doc)
    drug_starts = {d.start for d in doc.drugs}
    for drug in doc.drugs:
        if is_drug_class(drug.canonical, drug.surface):
            continue  # "benzodiazepines", "an antiemetic": a class names no one drug
        i = _token_at(doc, starts, drug.start)
        j = _token_at(doc, starts, max(drug.end - 1, drug.start))
        for step, first in ((-1, i - 1), (1, j + 1)):
            k = first
            while 0 <= k < len(doc.tokens) and abs(k - (i if step < 0 else j)) <= 3:
                t = doc.tokens[k]
                if t.sentence != doc.tokens[i].sentence or t.start in drug_starts:
                    break
                if t.content:
                    where = "before" if step < 0 else "after"
                    out.append(
                        Fact("drug", f"{t.stem}|{where}", drug.canonical, drug.start, drug.end)
                    )
                    break
                k += step
    return out


def _near_topic(doc: AnalyzedText, i: int) -> frozenset[str]:
    """Content stems of the tokens within ``_NEAR`` of token ``i`` in its sentence."""
    sentence = doc.tokens[i].sentence
    return frozenset(
        t.stem
        for t in doc.tokens[max(0, i - _NEAR) : i + _NEAR]
        if t.sentence == sentence and t.content
    )


# a result waited for ("a head CT which is currently pending"): the test may be done or
# not yet, and agrees with either (session 17)
_PENDING = re.compile(r"\b(?:pending|await(?:ing|ed)|outstanding)\b", re.IGNORECASE)


def _pending_or(text: str, start: int, end: int, value: str) -> str:
    """The value "pending" where the status words at [start, end) are a result waited for, else
    ``value``."""
    return "pending" if _PENDING.search(text, start, end) else value


def status_facts(doc: AnalyzedText) -> list[Fact]:
    """Done vs planned and medication actions (temporal.v1's reading), with this stage's forms
    first ("will schedule", "was completed", "we ordered"); times relative to an event."""
    out = []
    starts = _token_index(doc)
    for pattern, value in ((_PLANNED, "planned"), (_DONE, "done")):
        for found in pattern.finditer(doc.text):
            i = _token_at(doc, starts, found.start())
            topic = _sentence_stems(doc, doc.tokens[i].sentence) if doc.tokens else frozenset()
            if doc.tokens and len(doc.sentence_tokens(doc.tokens[i].sentence)) > _RUN_ON:
                # a transcript's run-on sentence: what is done or planned is said near the verb
                # ("we did an x-ray of your foot" is not the ankle brachial index planned later)
                topic = _near_topic(doc, i)
            value = _pending_or(doc.text, found.start(), found.end(), value)
            out.append(Fact("status", "", value, found.start(), found.end(), topic))
    mine = [(f.start, f.end) for f in out]
    for m in temporal_mentions(doc, carry=True):
        if m.kind == "aspect" and m.value in ("done", "planned"):
            if not any(s < m.end and m.start < e for s, e in mine):
                topic = m.topic
                i = _token_at(doc, starts, m.start) if doc.tokens else 0
                if (
                    not topic
                    and doc.tokens
                    and len(doc.sentence_tokens(doc.tokens[i].sentence)) > _RUN_ON
                ):
                    # no content word in its clause of a run-on transcript sentence ("we can
                    # get you scheduled today"): the words near it, else it would align with
                    # every claim
                    topic = _near_topic(doc, i)
                value = _pending_or(doc.text, m.start, m.end, m.value)
                out.append(Fact("status", "", value, m.start, m.end, topic))
        elif m.kind == "action" and not m.asked:
            # not "if his heart stopped, ... carry on with the antibiotics": a condition; a hold
            # for a while ("hold warfarin tonight and tomorrow") carries its end in ``data``
            bounded = m.value == "held" and _HELD_FOR_A_WHILE.match(doc.text, m.end) is not None
            out.append(Fact("action", m.drug or "", m.value, m.start, m.end, bounded))
        elif (
            m.kind == "time"
            and m.amount is not None
            and not _RELATIVE.search(doc.text, m.start, m.end)
            and not WAITED.search(doc.text, max(0, m.start - 30), m.start)
            and not _TAKEN_BACK.match(doc.text, m.end)
        ):  # "2 weeks later" counts from another event, "wait 5 days before" lies between two;
            # "yesterday... no, the day before": the time its speaker takes back is none
            vague = "~" if _VAGUE_COUNT.search(doc.text, m.start, m.end) else ""
            out.append(Fact("time", "", f"{m.value}:{vague}{m.amount:g}", m.start, m.end, m))
    return out


_RELATIVE = re.compile(r"\b(?:later|afterwards)\b", re.IGNORECASE)
# a speaker's correction right after what they said: "yesterday... no, the day before",
# "three weeks - sorry, four", "on Monday, I mean Tuesday"
_TAKEN_BACK = re.compile(
    r"\s*(?:\.{2,}|\u2026|[-\u2013\u2014,])\s*(?:no\b|sorry\b|i\s+mean\b|actually\b|wait\b)",
    re.IGNORECASE,
)
_VAGUE_COUNT = re.compile(r"\b(?:couple|few|several)\b", re.IGNORECASE)


def _sentence_stems(doc: AnalyzedText, sentence: int) -> frozenset[str]:
    return frozenset(t.stem for t in doc.sentence_tokens(sentence) if t.content)


def concept_facts(doc: AnalyzedText, stems: frozenset[str] | None = None) -> list[Fact]:
    """Polarity (present, absent) and whose it is (the patient's or a relative's) of every
    content word, by its concept key. Sentences that state a result ("negative for infection")
    are read by :func:`result_facts`, allergies by :func:`allergy_facts`. With ``stems``, only
    the words of those stems (and the words that negate themselves) are read: each other
    word's facts are keyed by its own stem (:func:`key_words`), and a word reads the same
    whichever others are read."""
    tokens = doc.tokens
    if stems is None:
        picked: Iterable[int] = range(len(tokens))
    else:  # the words to read: those of the stems, and those that negate themselves
        picked = [i for i, t in enumerate(tokens) if t.stem in stems or t.text in _SELF_NEGATING]
        if not picked:
            return []
    out = []
    result_sentences = {t.sentence for t in doc.tokens if t.stem in _RESULT_STEMS}
    aims = _aim_sentences(doc)
    questions = {s.index for s in doc.sentences if s.text.rstrip().endswith("?")}
    family: tuple[set[int], set[int]] | None = None  # _family_sentences, read when first asked
    drug_starts = {d.start for d in doc.drugs}  # "you might call it Lipitor": a name, not a doubt
    for i in picked:
        tok = tokens[i]
        if tok.text in _SELF_NEGATING:
            key, polarity = _SELF_NEGATING[tok.text]
            if tok.polarity == NEGATED:
                polarity = AFFIRMED if polarity == NEGATED else NEGATED
            out.append(Fact("polarity", key, polarity, tok.start, tok.end, tok))
            continue
        if stems is not None and tok.stem not in stems:
            continue
        if not tok.content or tok.scope == HYPOTHETICAL or tok.stem in _RESULT_STEMS:
            continue
        if tok.sentence in aims or tok.polarity == ASKED:
            continue
        if tok.sentence in questions and tok.polarity != NEGATED:
            continue  # a question states only what its answer denies ("Tylenol? - No, Aleve")
        # "All questions were answered", "the same size": no clinical statement
        finding = _names_finding(tok)
        if not finding:
            continue  # each reading below is of a finding
        if (
            tok.polarity in (AFFIRMED, UNCERTAIN)
            and _direct(doc, tok)
            and tok.start not in drug_starts
            and not (tok.polarity == UNCERTAIN and _lay_hedge(doc, tok))
            and not _CAUSE_BEFORE.found(doc.text, max(0, tok.start - 30), tok.start)
        ):  # "most likely due to the radiation": a hedge of a cause ends at "due to" (a
            # negation's scope does): how sure the cause is, is not read
            sure = "uncertain" if tok.polarity == UNCERTAIN else "certain"
            if (
                sure == "uncertain"
                and tok.trigger is not None
                and _OPINION.match(doc.text, tok.trigger)
            ):
                sure = "probable"  # "I think it's tonsillitis": the clinician's view
            # a relative's diagnosis is told second-hand: its certainty is compared only with
            # what is said of the relative, not with the clinician naming the condition
            key = f"{tok.stem}|family" if tok.scope == FAMILY else tok.stem
            head = _head_after(doc, i)
            out.append(Fact("certainty", key, sure, tok.start, tok.end, tok, head=head))
        stated = tok.polarity in (AFFIRMED, NEGATED) and tok.sentence not in result_sentences
        if tok.polarity == NEGATED and complement_of_denied(doc, i, tok):
            stated = False  # "any medicines for your asthma? - nope": the asthma is not denied
        if tok.polarity == NEGATED and tok.trigger is not None:
            stated = stated and not NO_ISSUE.match(doc.text, tok.trigger)  # "no issues with pain"
            # "no other bruising", "no further episodes": another one is denied, not this one
            stated = stated and not _ANOTHER.search(doc.text, tok.trigger, tok.start)
        # "no visual changes": the change is denied, the eyes neither affirmed nor denied
        stated = stated and not before_denied_change(doc.tokens, i)
        stated = stated and not _no_presence(doc, tok) and not _other_item_denied(doc, tok)
        if (
            stated
            and tok.start not in drug_starts
            and _direct(doc, tok)
            and not (
                tok.polarity == AFFIRMED
                and (
                    _PLANNED_BEFORE.found(doc.text, max(0, tok.start - 30), tok.start)
                    or tok.start in planned_starts(doc)
                )
            )  # "Schedule colonoscopy", "Colonoscopy screening is due": a plan, not one had
        ):
            # a drug's presence is its actions' and allergies' business ("avoid ibuprofen")
            key = f"{tok.stem}|past" if tok.scope == HISTORY else tok.stem
            modifier = _modifier_of(doc, tok)
            if tok.text in _NEEDS_MODIFIER:  # "sensory loss" is no "weight loss"
                key = f"{modifier}|{key}"
            when = _when(doc.text, tok.start, tok.end)
            out.append(Fact("polarity", key, tok.polarity, tok.start, tok.end, tok, modifier, when))
        if tok.polarity != AFFIRMED:
            continue  # whose it is matters for what is present ("uncle had polyps (not cancer)")
        if family is None:
            family = _family_sentences(doc)
        relatives, kin = family
        if tok.scope == FAMILY and tok.sentence in relatives:
            out.append(Fact("scope", tok.stem, "family", tok.start, tok.end, tok))
        elif tok.scope != FAMILY and tok.sentence not in kin:
            out.append(Fact("scope", tok.stem, "patient", tok.start, tok.end, tok))
    return out


# the words that name a cause before it ("due to", "related to the", "secondary to")
_CAUSE_BEFORE = _Near(
    r"\b(?:due|related|secondary|attributed|attributable)\s+to\s+(?:the\s+|his\s+|her\s+)?$",
    re.IGNORECASE,
)

_CLINICIANS = frozenset({"doctor", "dr", "physician", "provider", "clinician", "nurse", "np", "pa"})

# "bowels normal", "normal bowels", "appetite fine": a system said to be well, no finding present
_WELL_AFTER = re.compile(
    r"\s*(?:(?:is|are|was|were)\s+)?(?:normal|nad|unremarkable|ok|okay|fine)\b", re.IGNORECASE
)
_WELL_BEFORE = re.compile(r"\bnormal\s+$", re.IGNORECASE)
# the body's functions a review of systems says are normal ("bowels normal", "appetite fine")
_FUNCTIONS = frozenset(
    concept_key(w)
    for w in (
        *("bowels", "bowel", "stools", "bladder", "urine", "waterworks", "appetite", "sleep"),
        *("mood", "breathing", "periods", "menses", "swallowing", "hearing", "vision"),
    )
)
# "abstain from alcohol", "avoid any NSAIDs": advice to go without, which says nothing of whether
# the thing is there now (and agrees with the input's "no alcohol at all")
_AVOID_BEFORE = _Near(
    r"\b(?:avoid(?:s|ed|ing)?|abstain(?:s|ed|ing)?\s+from|refrain(?:s|ed|ing)?\s+from|"
    r"cut(?:s|ting)?\s+(?:out|down\s+on))\s+(?:(?:any|all|the)\s+)?$",
    re.IGNORECASE,
)


def _no_presence(doc: AnalyzedText, tok: Token) -> bool:
    """Whether an affirmed word is not said to be present: said to be normal ("bowels normal")
    or the object of advice to avoid it ("abstain from alcohol")."""
    if tok.polarity != AFFIRMED:
        return False
    before = doc.text[max(0, tok.start - 40) : tok.start]
    well = tok.stem in _FUNCTIONS and bool(
        _WELL_AFTER.match(doc.text, tok.end) or _WELL_BEFORE.search(before)
    )  # not "colonoscopy was normal": a test done, whose result is normal
    return well or _AVOID_BEFORE.found(before, 0, len(before))


# an answer that denies one named thing: "No falls.", "Daughter: no more vomiting"
_ANSWER_NO = re.compile(
    r"\s*(?:[A-Z][\w ]{0,20}:\s*)?(?:no|none)\s+(?:more\s+|real\s+)?(\w+)", re.IGNORECASE
)


def _other_item_denied(doc: AnalyzedText, tok: Token) -> bool:
    """Whether a word of a question ("any nausea, dizziness, any falls?") is read as denied by
    an answer that denies another of its items only ("No falls."): the word is left open."""
    if tok.polarity != NEGATED or tok.trigger is not None:
        return False
    question = doc.sentences[tok.sentence]
    if not question.text.rstrip().endswith("?") or tok.sentence + 1 >= len(doc.sentences):
        return False
    m = _ANSWER_NO.match(doc.sentences[tok.sentence + 1].text)
    if m is None:
        return False
    named = concept_key(m.group(1).lower())
    asked = {t.stem for t in doc.tokens if t.sentence == tok.sentence}
    return named != tok.stem and named in asked


def _lay_hedge(doc: AnalyzedText, tok: Token) -> bool:
    """A dialogue word hedged by someone other than the clinician ("probably more
    constipation"): ordinary talk, not clinical uncertainty."""
    return doc.is_dialogue and tok.speaker is not None and tok.speaker not in _CLINICIANS


# ordinary words a note and a visit use in other senses ("All questions were answered" after
# "any questions? - No"; "an hour before the pain resolved"; "the same size")
_ORDINARY = frozenset(
    {"question", "before", "after", "over", "under", "same", "size", "lower", "upper", "basically"}
    | {"vacation", "member", "work", "working", "travel", "traveled", "time", "thing", "way"}
)


# words that name a finding only with the word before them ("weight loss", "sensory loss")
_NEEDS_MODIFIER = frozenset({"loss", "gain", "change", "changes", "increase", "decrease"})


def _head_after(doc: AnalyzedText, i: int) -> str:
    """The content word right after token ``i`` in its phrase (no punctuation between), that
    the token modifies ("pneumonitis" of "radiation pneumonitis"), or "": the token is the
    phrase's head itself ("related to the radiation")."""
    tok = doc.tokens[i]
    if i + 1 >= len(doc.tokens):
        return ""
    nxt = doc.tokens[i + 1]
    if nxt.sentence != tok.sentence or doc.text[tok.end : nxt.start].strip():
        return ""
    return nxt.stem if nxt.content else ""


def _modifier_of(doc: AnalyzedText, tok: Token) -> str:
    """The content word right before ``tok`` in its sentence, or ""."""
    k = bisect_left(_token_index(doc), tok.start)
    if k == 0:
        return ""
    prev = doc.tokens[k - 1]
    return prev.stem if prev.sentence == tok.sentence and prev.content else ""


def _plain_statement(doc: AnalyzedText, tok: Token) -> bool:
    """Whether the polarity of a word that names no finding is read ("able to walk", "lives
    alone"): in written text, not in a dialogue (whose questions and answers say yes and no
    to ordinary words all the time), and not an ordinary word, a body part or a vague one."""
    word = tok.text.rstrip("s")
    return (
        not (doc.is_dialogue or word in _ORDINARY or tok.text in _ORDINARY or tok.text in _VAGUE)
        and word not in ANATOMY
    )


def _names_finding(tok: Token) -> bool:
    """A clinical word that names something a patient has or lacks: not a body part alone,
    not a vague word ("signs", "problems") and not an ordinary word ("questions", "before",
    "size"), whose presence or absence the analysis misreads too often to compare. Read once
    per (word, stem): the answer depends on nothing else."""
    key = (tok.text, tok.stem)
    known = _NAMES_FINDING.get(key)
    if known is None:
        if len(_NAMES_FINDING) >= _MEMO_LIMIT:
            _NAMES_FINDING.clear()
        word = tok.text.rstrip("s")
        if tok.text in _VAGUE or word in ANATOMY:
            known = False
        else:  # "myalgias": the singular is the clinical word
            known = names_finding(tok) or (
                word != tok.text and names_finding(replace(tok, text=word))
            )
        _NAMES_FINDING[key] = known
    return known


_NAMES_FINDING: dict[tuple[str, str], bool] = {}
_MEMO_LIMIT = 100_000


_AIM = re.compile(
    r"\b(?:whether|aims?|aimed|objectives?|purpose|sought|hypothes[ie]s|to\s+(?:investigate|"
    r"test|evaluate|assess|determine|examine|compare|analy[sz]e|explore))\b",
    re.IGNORECASE,
)


def _aim_sentences(doc: AnalyzedText) -> set[int]:
    """Sentences that set out to study something rather than state it ("we sought to assess
    whether ..."). A question is read by its words' polarity: answered, it states; unanswered,
    its words are "asked" and state nothing."""
    return {s.index for s in doc.sentences if _aims(s.text)}


def _aims(sentence: str) -> bool:
    """Whether a sentence sets out to study something; read once per sentence text (a window
    of the input holds the same sentences as its neighbours)."""
    if len(sentence) > _AIM_MEMO_CHARS:
        return _AIM.search(sentence) is not None  # a long sentence is not kept
    known = _AIMS.get(sentence)
    if known is None:
        if len(_AIMS) >= 10_000:  # sentences are long keys: a smaller memo
            _AIMS.clear()
        known = _AIMS[sentence] = _AIM.search(sentence) is not None
    return known


_AIM_MEMO_CHARS = 1_000


_AIMS: dict[str, bool] = {}


def _direct(doc: AnalyzedText, tok: Token) -> bool:
    """An affirmed word, or one negated or hedged by a trigger in its own sentence a few words
    away ("denies myalgias", "no fever", "possible pneumonia"), or by the answer to its question:
    not a long statement negated or hedged as a whole ("did not establish herd immunity", "no
    significant difference in CBF", "might have contributed to ... COVID-19 events")."""
    if tok.polarity == AFFIRMED or tok.trigger is None:
        return True
    lo, hi = doc.sentences[tok.sentence].span
    if doc.sentences[tok.sentence].text.rstrip().endswith("?") and tok.trigger >= hi:
        return True  # a question its answer denies: "Have you taken Tylenol? - No, only Aleve."
    if _NO_DIFFERENCE.match(doc.text, tok.trigger) or _BARE_NO.match(doc.text, tok.trigger):
        return False
    if not lo <= tok.trigger < hi:
        return False
    if tok.polarity == NEGATED and not _FINDING_NEGATION.match(doc.text, tok.trigger):
        return False  # "not effective for pain control" says nothing about the pain
    between = doc.text[min(tok.trigger, tok.start) : max(tok.trigger, tok.start)]
    if _SCOPE_BREAK.search(between):
        return False  # "denies any weakness per se, just clumsiness"
    if _DENIAL.match(doc.text, tok.trigger):
        return True  # "denies any left leg symptoms or right leg weakness": a list denied
    return abs(tok.start - tok.trigger) <= _NEAR


_NEAR = 20
# triggers that deny a finding (not "not effective", "did not establish")
_FINDING_NEGATION = re.compile(
    r"deni|deny|no\b|without|negative|free\s+of|absen|rule|ruling|never|non-|nor\b|none|"
    r"(?:not|n't)\s+(?:have|has|had|experienc\w*|report\w*|complain\w*|feel\w*|show\w*|"
    r"reveal\w*|see\w*|notice\w*|any)\b|resolved|neither",
    re.IGNORECASE,
)
_SCOPE_BREAK = re.compile(r"\b(?:just|only|except|but|however|although|though)\b", re.I)
_BARE_NO = re.compile(
    r"no\s*[,.!;-]|(?:no|not)\s+(?:more|less|fewer|greater)\s+than", re.I
)  # an answer ("No, he is ..."), no negation
_DENIAL = re.compile(
    r"deni|negative\s+for|free\s+of", re.IGNORECASE
)  # characters between a negation trigger and the word it negates

_NO_DIFFERENCE = re.compile(r"(?:no|not)\s+(?:statistically\s+)?significant", re.IGNORECASE)

# words too vague to carry a polarity of their own ("vital signs" vs "without signs of ...");
# a body part's polarity is its side's business ("Is it your left ankle? - No")
_VAGUE = frozenset({"signs", "sign", "symptoms", "symptom", "evidence", "issues", "problems"})
_RESULT_STEMS = frozenset(
    concept_key(w) for w in ("negative", "positive", "allergies", "allergy", "allergic", "nkda")
)


_THIRD_PERSON = frozenset({"he", "she", "they", "him", "his", "her", "their", "them"})
_FIRST_PERSON = frozenset({"i", "my", "me", "mine", "myself", "i'm", "i've"})


def _family_sentences(doc: AnalyzedText) -> tuple[set[int], set[int]]:
    """Sentences that say a relative has or had something: "family history", "her sister had
    breast cancer" (a relative then a verb such as had, has, died), not "talked with the
    daughter"; and, second, the sentences where someone else may be spoken of: those naming a
    relative, and dialogue sentences with a third-person pronoun and no first-person one ("my
    dad died. He had colon cancer"), where whose condition it is stays unknown. One pass over
    the tokens reads both."""
    out: set[int] = set()
    kin: set[int] = set()
    third: set[int] = set()  # sentences with a third-person pronoun, then with a first-person
    first: set[int] = set()
    toks, dialogue = doc.tokens, doc.is_dialogue
    last = len(toks) - 1
    for i, tok in enumerate(toks):
        # is_relative, called only where the word is no relative by itself and holds a mark
        # ("mom's", "great-uncle"): a word of letters or digits alone is in RELATIVES or none
        relative = tok.text in RELATIVES or (not tok.text.isalnum() and is_relative(tok.text))
        if relative:
            kin.add(tok.sentence)
        if dialogue:
            word = tok.text.lower()
            if word in _THIRD_PERSON:
                third.add(tok.sentence)
            elif word in _FIRST_PERSON:
                first.add(tok.sentence)
        if i == last or not (relative or tok.text == "family"):
            continue  # neither "family history" nor a relative before a verb ("sister had")
        nxt = toks[i + 1]
        history = tok.text == "family" and nxt.text == "history"
        if not (history or (relative and nxt.text in RELATIVE_VERBS)):
            continue
        if _TOLD_OR_SHOWN.match(doc.text, nxt.end):
            continue  # "your wife has been shown how to use it": told, not a condition of hers
        # a companion's "my father" may be the patient
        if (
            nxt.sentence == tok.sentence
            and not re.search(r"[,;:]", doc.text[tok.end : nxt.start])
            and not companions_kin(doc, tok)
        ):
            out.add(tok.sentence)
    # "Both parents are alive. Both have dementia.": whose stays unknown
    kin |= {s.index for s in doc.sentences if s.index - 1 in kin and follows_relative(doc, s.index)}
    return out, kin | (third - first)


# after "has", "had": a relative told, shown or present, not one who has a condition
_TOLD_OR_SHOWN = re.compile(
    r"\s+been\s+(?:shown|taught|trained|told|informed|updated|given|asked|called|contacted|"
    r"involved|present|here|with)\b",
    re.IGNORECASE,
)


def result_facts(doc: AnalyzedText) -> list[Fact]:
    """Normal or abnormal results of a study or exam ("chest x-ray unremarkable" vs "shows a
    mass"), keyed by the words before the result word in its sentence (or, at its start, the
    words after it: "Negative for chest pain")."""
    out = []
    starts = _token_index(doc)
    for m in _table_pattern(_RESULTS).finditer(doc.text):
        if not doc.tokens:
            break
        i = _token_at(doc, starts, m.start())
        tok = doc.tokens[i]
        phrase = re.sub(r"\s+", " ", m.group().lower())
        value = _RESULTS[phrase]
        if value == "abnormal" and _NOT_BEFORE.search(doc.text, max(0, m.start() - 5), m.start()):
            value = "normal"  # "trochanteric is non tender" (a transcript's "nontender")
        after = _token_at(doc, starts, m.end() - 1) + 1
        following = [t for t in doc.tokens[after : after + 8] if t.sentence == tok.sentence]
        if phrase in _REPORTING and any(t.text in _NORMAL_AFTER for t in following):
            continue  # "it shows preserved ejection fraction and normal filling": no verdict
        if phrase in ("positive", "present") and any(
            t.text in _PRESENT_IS_NORMAL for t in following[:2]
        ):
            value = "normal"  # "positive bowel sounds", "pulses present": there, as they should be
        denied = tok.polarity == NEGATED and tok.trigger is not None and _direct(doc, tok)
        if denied and value == "abnormal" and "," not in doc.text[tok.trigger : tok.start]:
            value = "normal"
        subject = []
        if phrase not in _PREFIX_RESULTS:
            before = _clause_before(doc, i, 6)
            subject = [t.stem for t in before if t.content]
            # "C3/C4 normal": a code names the test, not the words after the result
            subject = subject or [t.text for t in before if t.text not in _FUNCTION_WORDS]
        if not subject:  # "Positive for smoking", "no evidence of rebound": what follows
            subject = [t.stem for t in following[:4] if t.content]
        if subject:
            out.append(Fact("result", " ".join(subject), value, m.start(), m.end()))
    return out


# words that name no test ("C3 and C4 normal"): left out of a result's subject
_FUNCTION_WORDS = frozenset({"and", "or", "the", "a", "an", "is", "was", "are", "were", "all"})
# signs whose presence is the normal finding ("positive bowel sounds", "positive pulses")
_PRESENT_IS_NORMAL = frozenset({"bowel", "pulses", "pulse", "peristalsis"})
_NOT_BEFORE = re.compile(r"\b(?:non|not)[\s-]*$", re.IGNORECASE)
# result words that name what they judge after them ("no evidence of rebound", "positive CVA
# tenderness"): the words before them belong to another finding in a run-on exam
_PREFIX_RESULTS = frozenset(
    {"no evidence of", "negative for", "positive for", "positive", "without signs of", "no acute"}
)
# verbs that report a study's content, whatever it is: abnormal only where nothing normal follows
_REPORTING = frozenset({"shows", "showed", "reveals", "revealed", "demonstrates", "demonstrated"})
_NORMAL_AFTER = frozenset(
    {"normal", "no", "preserved", "intact", "unremarkable", "without", "negative", "stable"}
)


# stems said of any test or exam ("tests", "bilaterally"): a shared one names no test
_ANY_TEST_STEMS = frozenset(
    {"test", "sign", "maneuv", "exam", "examin", "result", "find", "bilater", "left", "right"}
)


_CLAUSE_BREAK = re.compile(r"[,;:]|\.\s")


def _clause_before(doc: AnalyzedText, i: int, width: int) -> list[Token]:
    """Up to ``width`` tokens before token ``i`` in its sentence, stopping at a comma, ";" or
    a period that ends a sentence the segmenter kept whole ("no nodules. bladder scan shows")."""
    toks, out = doc.tokens, []
    j = i - 1
    while j >= 0 and len(out) < width and toks[j].sentence == toks[i].sentence:
        if _CLAUSE_BREAK.search(doc.text[toks[j].end : toks[j + 1].start]):
            break
        out.append(toks[j])
        j -= 1
    return out[::-1]


def allergy_facts(doc: AnalyzedText) -> list[Fact]:
    """Allergies stated (entities.v1's reading) and "no known allergies"."""
    out = [
        Fact("allergy", "", a.allergen, a.word[0] or a.start, a.word[1] or a.end)
        for a in allergies(doc)
        if not a.allergen.startswith("allerg")
    ]
    out.extend(
        Fact("allergy", "", "none", m.start(), m.end()) for m in NO_ALLERGY.finditer(doc.text)
    )
    return out


def code_facts(doc: AnalyzedText) -> list[Fact]:
    """Full code vs a limit on resuscitation (entities.v1's reading)."""
    status = code_status(doc)
    out = [Fact("code", "", "full", s, e) for s, e in status.full]
    for spans in (status.dnr, status.dni, status.comfort):
        out.extend(Fact("code", "", "limited", s, e) for s, e in spans)
    return out


_AGE_NOW = fast_compile(r"\b(?:now|currently|turned|turning)\s+(\d{1,3})\b(?!\s*(?:mg|%|/))", re.I)


def demographic_facts(doc: AnalyzedText) -> list[Fact]:
    """Ages ("45-year-old", "72F") and sex words ("woman", "72F") of the patient (entities.v1's
    reading; a relative's are left out, pronouns are not read)."""
    out = [Fact("age", "", str(age), s, e) for age, s, e in ages(doc.text)]
    if out:  # "since age 9, now 17": the age now, beside the age something began
        out += [
            Fact("age", "", m.group(1), m.start(1), m.end(1)) for m in _AGE_NOW.finditer(doc.text)
        ]
    starts = _token_index(doc)
    for sex, start, end in sexes(doc, pronouns=False):
        tok = doc.tokens[_token_at(doc, starts, start)] if doc.tokens else None
        if tok is None or tok.scope != FAMILY:
            out.append(Fact("sex", "", sex, start, end))
    return out


# "harmful in pregnancy", "during pregnancy": a time of life a caution or a history is about,
# not whether this patient is pregnant (the text before the word is searched, so the pattern is
# anchored at its end)
_IN_PREGNANCY = re.compile(
    r"\b(?:during|in)\s+$"
    # a drug's caution: "not in early pregnancy", "avoided in pregnancy", "can harm a baby in"
    r"|\b(?:not|avoid\w*|contraindicated|unsafe|harm\w*|caution\w*)\b[^.;\n]{0,30}?\b(?:in|during)"
    r"\s+(?:(?:early|late|first|second|third|this|the)\s+)?$",
    re.IGNORECASE,
)


def pregnancy_facts(doc: AnalyzedText) -> list[Fact]:
    """Whether the patient is pregnant, and the weeks of gestation."""
    out: list[Fact] = []
    aims: set[int] | None = None  # read at the first pregnancy word: most texts have none
    for m in PREGNANCY.finditer(doc.text) if may_name_pregnancy(doc.text) else ():
        if not doc.tokens:
            break
        if _NOT_A_PREGNANCY.match(doc.text, m.end()) or _NO_PREGNANCY_BEFORE.search(
            doc.text, max(0, m.start() - 25), m.start()
        ):
            continue  # "the pregnancy prevention programme", "planning a pregnancy"
        i = _token_at(doc, _token_index(doc), m.start())
        if aims is None:
            aims = _aim_sentences(doc)
        tok = doc.tokens[i]
        if (
            tok.polarity == ASKED
            or tok.sentence in aims
            or _IN_PREGNANCY.search(doc.text, max(0, m.start() - 60), m.start())
        ):
            continue
        sentence = doc.text[slice(*doc.sentences[tok.sentence].span)]
        negative = tok.polarity == NEGATED or (
            _STUDY.search(sentence) is not None and _PREGNANCY_NEGATIVE.search(sentence) is not None
        )
        if negative and _STUDY_POSITIVE.search(sentence):
            negative = False  # "hCG positive; she was not aware she was pregnant": pregnant
        if _STUDY.search(sentence) and not negative and "positive" not in sentence.lower():
            continue  # a test ordered, not a result
        out.append(Fact("pregnancy", "", "no" if negative else "yes", m.start(), m.end()))
    for q in doc.quantities:
        if q.unit in ("wk", "week", "weeks") or (q.unit_class == "time" and q.unit == "wk"):
            near = doc.text[q.start : q.end + 30]
            if _INTERVAL_BEFORE.search(doc.text, max(0, q.start - 12), q.start):
                continue  # "recheck TSH in four weeks ... through mid pregnancy": an interval
            if _GESTATION.search(near) or _GESTATION.search(
                doc.text[max(0, q.start - 20) : q.start]
            ):
                out.append(Fact("gestation", "", f"{q.value:g}", q.start, q.end))
    return out


def direction_facts(doc: AnalyzedText) -> list[Fact]:
    """Change and comparison words (comparison.v1's reading), keyed by their sentence's
    content words; a negated one ("not improved") is left out."""
    out = []
    for i, direction in change_mentions(doc):
        tok = doc.tokens[i]
        if tok.polarity == NEGATED or direction == "same":
            continue
        topic = _sentence_stems(doc, tok.sentence) - {tok.stem}
        family = "valence" if tok.text.startswith(_VALENCE) else "magnitude"
        out.append(Fact("direction", family, direction, tok.start, tok.end, topic))
    return out


# change words that say better or worse, not more or less ("improved" is no "decrease")
_VALENCE = (
    "worse",
    "improv",
    "better",
    "progress",
    "deteriorat",
    "resolv",
    "exacerbat",
    "relie",
    "eased",
    "flare",
    "aggravat",
    "subsid",
)


_NO_EFFECT = re.compile(
    r"\b(?:(?:no|not|nor|did\s+not|does\s+not|was\s+not|were\s+not)\s+(?:a\s+|any\s+)?"
    r"(?:statistically\s+)?significant(?:ly)?|similar|comparable|non-?significant)\b",
    re.IGNORECASE,
)
_SIGNIFICANT = re.compile(
    r"\b(?:statistically\s+)?significant(?:ly)?\s+(?P<word>[a-z]+)", re.IGNORECASE
)
_EFFECT_WORDS = ("significant", "similar", "comparable")  # one of them in every effect above


def _effect_hint(text: str) -> bool:
    """Whether ``text`` may report an effect (_NO_EFFECT or _SIGNIFICANT), by substring
    look-ups where the text is ASCII (ignored case folds a few non-ASCII letters: those texts
    go to the patterns)."""
    if not text.isascii():
        return True
    low = text.lower()
    return any(word in low for word in _EFFECT_WORDS)


def effect_facts(doc: AnalyzedText) -> list[Fact]:
    """The effect a study reports: none ("no significant difference", "similar") or a
    direction ("significantly increased", "a significant reduction"), keyed by its sentence's
    content words."""
    out = []
    starts = _token_index(doc)
    if not doc.tokens or not _effect_hint(doc.text):
        return out
    for m in _NO_EFFECT.finditer(doc.text):
        tok = doc.tokens[_token_at(doc, starts, m.start())]
        topic = _sentence_stems(doc, tok.sentence)
        out.append(Fact("effect", "", "none", m.start(), m.end(), topic))
    for m in _SIGNIFICANT.finditer(doc.text):
        direction = CHANGE_WORDS.get(m.group("word").lower())
        before = doc.text[max(0, m.start() - 12) : m.start()].lower()
        if direction in (None, "same") or re.search(r"\b(?:no|not|any)\s+$", before):
            continue
        tok = doc.tokens[_token_at(doc, starts, m.start())]
        topic = _sentence_stems(doc, tok.sentence)
        out.append(Fact("effect", "", direction, m.start(), m.end(), topic))
    return out


def outcome_facts(doc: AnalyzedText) -> list[Fact]:
    """The effect on an outcome each statement reports (medfact.direction's reading: "reduced
    mortality", "no significant difference in mortality", "failed to improve survival"); the
    span runs from the cue over its outcome words. A conversation reports none (its study
    outcomes are not compared: see CompareStage)."""
    if doc.is_dialogue:
        return []
    return [
        Fact("outcome", "", e.value, e.start, e.phrase_end, e)
        for e in effects.read_effects(doc, frozenset(_aim_sentences(doc)))
    ]


def order_facts(doc: AnalyzedText) -> list[Fact]:
    """Comparative order: "more common in men than in women" keyed by the pair compared."""
    out = []
    for m in _ORDER.finditer(doc.text):
        a = _group_key(m.group("a"))
        b = _group_key(m.group("b"))
        if not a or not b or a == b:
            continue
        sign = _ORDER_SIGN[m.group("cmp").lower()]
        adj = concept_key(m.group("adj").strip().lower()) if m.group("adj") else ""
        high, low = (a, b) if sign > 0 else (b, a)
        key = f"{adj}|{'|'.join(sorted((a, b)))}"
        out.append(Fact("order", key, f"{high}>{low}", m.start(), m.end()))
    return out


def _group_key(words: str) -> str:
    stems = [concept_key(w) for w in words.lower().split() if w not in ("the", "a", "an")]
    return stems[0] if stems else ""


# the kinds of facts each reader gives (a reader not listed here always runs); the status and
# age readers also give the spans that amounts skip
_KINDS_OF: dict[Callable[..., list[Fact]], frozenset[str]] = {
    amount_facts: frozenset({"amount"}),
    frequency_facts: frozenset({"frequency"}),
    route_facts: frozenset({"route"}),
    setting_facts: frozenset({"setting"}),
    side_facts: frozenset({"side"}),
    part_facts: frozenset({"part", "drug"}),
    status_facts: frozenset({"status", "action", "time", "amount"}),
    concept_facts: frozenset({"polarity", "certainty", "scope"}),
    result_facts: frozenset({"result"}),
    allergy_facts: frozenset({"allergy"}),
    code_facts: frozenset({"code"}),
    demographic_facts: frozenset({"age", "sex", "amount"}),
    pregnancy_facts: frozenset({"pregnancy", "gestation"}),
    direction_facts: frozenset({"direction"}),
    effect_facts: frozenset({"effect"}),
    order_facts: frozenset({"order"}),
    outcome_facts: frozenset({"outcome"}),
}


def read_facts(
    doc: AnalyzedText,
    kinds: frozenset[str] | None = None,
    memo: dict[Any, list[Fact]] | None = None,
    stems: frozenset[str] | None = None,
) -> list[Fact]:
    """Every fact of an analysed text, sorted by where it starts. With ``kinds``, the facts of
    those kinds only, and a reader that gives none of them is not run (a window of the input
    is read for the kinds its claim states); with ``stems``, the word-level facts
    (:func:`concept_facts`) of those stems' words only; ``memo`` keeps each reader's facts for
    the next call on the same text."""
    memo = {} if memo is None else memo

    def read(reader: Callable[..., list[Fact]], *args: Any) -> list[Fact]:
        key = reader if stems is None or reader is not concept_facts else (reader, stems)
        if key in memo:
            return memo[key]
        if kinds is not None and kinds.isdisjoint(_KINDS_OF.get(reader, kinds)):
            return []
        memo[key] = reader(doc, *args)
        return memo[key]

    status = read(status_facts)
    age = read(demographic_facts)
    times = [(f.start, f.end) for f in status if f.kind == "time"]
    skip = times + [(f.start, f.end) for f in age if f.kind == "age"]
    facts = [
        *read(amount_facts, skip),
        *read(frequency_facts),
        *read(route_facts),
        *read(setting_facts),
        *read(side_facts),
        *read(part_facts),
        *status,
        *read(concept_facts, stems),
        *read(result_facts),
        *read(allergy_facts),
        *read(code_facts),
        *age,
        *read(pregnancy_facts),
        *read(direction_facts),
        *read(effect_facts),
        *read(order_facts),
        *read(outcome_facts),
    ]
    facts.sort(key=attrgetter("start", "end", "kind"))
    if kinds is not None:
        facts = [f for f in facts if f.kind in kinds]
    return facts


class Windows:
    """Facts of windows of one analysed text, each read from the analysis cut to the window's
    sentences (so a long input costs what its windows cost), cached by window."""

    def __init__(self, doc: AnalyzedText) -> None:
        self.doc = doc
        self.quantities = sorted(doc.quantities, key=lambda q: q.start)
        self.sides = sorted(doc.sides, key=lambda m: m.start)
        self.drugs = sorted(doc.drugs, key=lambda d: d.start)
        # by window, kinds and stems: the facts read
        self.cache: dict[tuple[Any, ...], list[Fact]] = {}
        self.topic_cache: dict[tuple[Any, ...], dict[int, frozenset[str]]] = {}
        self.memo: dict[tuple[int, int], dict[Any, list[Fact]]] = {}  # each reader's, by window
        self.views: dict[tuple[int, int], AnalyzedText] = {}  # the cut analyses, by window

    def facts(
        self,
        start: int,
        end: int,
        kinds: frozenset[str] | None = None,
        stems: frozenset[str] | None = None,
    ) -> list[Fact]:
        """The facts of the sentences inside [start, end), with offsets into the whole text;
        with ``kinds``, those of these kinds only (the window's other readers are not run);
        with ``stems``, the word-level facts of those stems' words only (see read_facts)."""
        key = (start, end, kinds, stems)
        if key not in self.cache:
            memo = self.memo.setdefault((start, end), {})
            if start <= 0 and end >= len(self.doc.text):  # the whole text: no cut
                self.cache[key] = read_facts(self.doc, kinds, memo, stems)
            else:
                if (start, end) not in self.views:
                    self.views[start, end] = self.cut(start, end)
                view = self.views[start, end]
                self.cache[key] = [_shifted(f, start) for f in read_facts(view, kinds, memo, stems)]
        return self.cache[key]

    def topics(
        self,
        start: int,
        end: int,
        kinds: frozenset[str] | None = None,
        stems: frozenset[str] | None = None,
    ) -> dict[int, frozenset[str]]:
        """The content words of the sentence holding each word-level fact of the window (of
        ``kinds`` and ``stems``, when given)."""
        key = (start, end, kinds, stems)
        if key not in self.topic_cache:
            facts = self.facts(start, end, kinds, stems)
            self.topic_cache[key] = sentence_topics(self.doc, facts)
        return self.topic_cache[key]

    def cut(self, start: int, end: int) -> AnalyzedText:
        """The analysis of the sentences inside [start, end) as a text of its own: polarity,
        scope, speakers and dialogue answers as the whole text's analysis read them; offsets
        from ``start``."""
        doc = self.doc
        view = AnalyzedText(text=doc.text[start:end], sentences=[], is_dialogue=doc.is_dialogue)
        sentences = _between(doc.sentences, start, end, lambda s: s.span)
        if not sentences:
            return view
        first = sentences[0].index
        view.sentences = [
            s.model_copy(
                update={"index": s.index - first, "span": (s.span[0] - start, s.span[1] - start)}
            )
            for s in sentences
        ]
        lo = doc.token_range(start, end).start
        view.tokens = [
            Token(
                t.text,
                t.start - start,
                t.end - start,
                t.sentence - first,
                t.stem,
                t.polarity,
                None if t.trigger is None else t.trigger - start,
                t.scope,
                t.speaker,
                t.content,
            )
            for t in doc.tokens_in(start, end)
        ]
        view.quantities = [
            replace(
                q,
                start=q.start - start,
                end=q.end - start,
                sentence=q.sentence - first,
                token_index=q.token_index - lo,
            )
            for q in _between(self.quantities, start, end, lambda q: (q.start, q.end))
        ]
        view.sides = [
            replace(m, start=m.start - start, end=m.end - start, sentence=m.sentence - first)
            for m in _between(self.sides, start, end, lambda m: (m.start, m.end))
        ]
        view.drugs = [
            replace(d, start=d.start - start, end=d.end - start)
            for d in _between(self.drugs, start, end, lambda d: (d.start, d.end))
        ]
        return view


def _shifted(fact: Fact, by: int) -> Fact:
    """``fact`` moved ``by`` characters (a window's fact into the whole text's offsets)."""
    return Fact(
        fact.kind,
        fact.key,
        fact.value,
        fact.start + by,
        fact.end + by,
        fact.data,
        fact.modifier,
        fact.when,
        fact.head,
    )


_CONCEPT_KINDS = _KINDS_OF[concept_facts]


def key_words(keys: Iterable[str]) -> frozenset[str]:
    """Every run of whole "|"-separated parts of each key ("a|b|past": a, b, past, a|b, b|past,
    a|b|past): a word's word-level facts (concept_facts) are keyed by its stem, alone or with
    parts around it, so a word whose stem is none of these gives no fact of these keys."""
    out = set()
    for key in keys:
        parts = key.split("|")
        for i in range(len(parts)):
            for j in range(i + 1, len(parts) + 1):
                out.add("|".join(parts[i:j]))
    return frozenset(out)


def _between(items: Sequence[Any], start: int, end: int, span: Any) -> list[Any]:
    """The items (sorted by start) that lie inside [start, end), by binary search."""
    out = []
    for k in range(bisect_left(items, start, key=lambda x: span(x)[0]), len(items)):
        s, e = span(items[k])
        if s >= end:
            break
        if e <= end:
            out.append(items[k])
    return out


def facts_in(facts: Sequence[Fact], start: int, end: int) -> list[Fact]:
    """The facts of a sorted list that lie inside [start, end)."""
    out = []
    for k in range(bisect_left(facts, start, key=lambda f: f.start), len(facts)):
        if facts[k].start >= end:
            break
        if facts[k].end <= end:
            out.append(facts[k])
    return out


# --- comparing facts ------------------------------------------------------------------------------


def _keys_match(a: Fact, b: Fact) -> bool:
    """Same subject: equal keys; for doses, the same class and the same (or an unnamed) drug;
    for results, a shared word of the subject; for status and direction, a shared topic."""
    if a.kind == "effect":
        return len(a.data & b.data) >= 2
    if a.kind == "outcome":
        return effects.comparable(a.data, b.data)
    if a.kind == "status":
        return _aligned(a.data, b.data) if a.data and b.data else True
    if a.kind == "direction":
        return a.key == b.key and bool(a.data & b.data)
    if a.kind == "result":
        ka, kb = set(a.key.split()), set(b.key.split())
        na, nb = ka - _ANY_TEST_STEMS, kb - _ANY_TEST_STEMS
        if na and nb:  # both name their test: "patellar grind test" is no "mcmurray test"
            return bool(na & nb)
        return bool(ka & kb)
    if a.kind in ("amount", "frequency", "route", "action"):
        fa, _, da = a.key.partition("|") if a.kind == "amount" else ("", "", a.key)
        fb, _, db = b.key.partition("|") if b.kind == "amount" else ("", "", b.key)
        if fa != fb:
            return False
        if a.kind == "action":
            return da == db
        if a.kind == "amount":
            qa, qb = a.data[0], b.data[0]
            if qa.unit_class != qb.unit_class and qa.value != qb.value:
                return False  # "EBL 900 mL" and "250 micrograms": two quantities, no unit swap
        if a.kind == "amount" and not (da and db):
            return bool(a.data[1] & b.data[1])  # no drug named: the same measured thing
        if a.kind == "frequency" and not da and not db:  # "inserts every 3 months" vs "check
            ta, tb = a.data - {_RUN_ON_MARK}, b.data - {_RUN_ON_MARK}  # your feet daily"
            return not ta or not tb or _aligned(ta, tb)
        if a.kind == "frequency" and bool(da) != bool(db) and _OTHER_ITEM_MARK in (a.data | b.data):
            return False  # "the brown one twice a day" is not the amlodipine named before it
        if a.kind == "frequency" and bool(da) != bool(db) and _RUN_ON_MARK in (a.data | b.data):
            # one drug-less frequency against a drug's in a run-on transcript sentence ("physical
            # therapy 3 times a week" vs "ultram every six hours"): only about the same thing
            return _aligned(a.data - {_RUN_ON_MARK}, b.data - {_RUN_ON_MARK})
        return da == db or not da or not db
    return a.key == b.key


def _same_topic(a: frozenset[str] | None, b: frozenset[str] | None) -> bool:
    """Whether two facts' sentences share a content word (either without one: unknown, yes)."""
    return not a or not b or bool(a & b)


_NO_OUTCOME = frozenset().union(*_KINDS_OF.values()) - {"outcome"}  # kinds read against a talk
_JUDGED = "judged"  # stated under an Assessment or Impression header
_OPINION = re.compile(
    r"(?:i|we)\s+(?:think|believe|suspect)|(?:most\s+)?likely|probabl[ey]|in\s+keeping\s+with",
    re.IGNORECASE,
)


def _agree(a: Fact, b: Fact) -> bool:
    if a.kind == "outcome":
        return effects.agree(a.data, b.data)
    if a.kind == "effect" and "none" not in (a.value, b.value):
        return True  # up against down depends on which group is named first: outcome facts read it
    if a.kind == "amount":
        same = same_value(a.data[0], b.data[0])
        return same and a.value.endswith("/kg") == b.value.endswith("/kg")
    if a.kind == "time":
        ma, mb = a.data, b.data
        if ma.value != mb.value and "0" not in (ma.value, mb.value):
            return False
        if "~" in a.value or "~" in b.value:  # "a couple of months ago" and "3 months ago"
            return max(ma.amount, mb.amount) <= 2 * min(ma.amount, mb.amount)
        return abs(ma.amount - mb.amount) <= 0.1 * max(ma.amount, mb.amount, 1e-9)
    if a.kind == "allergy":
        if "none" in (a.value, b.value):
            return a.value == b.value
        return same_allergen(a.value, b.value)
    if a.kind == "action":
        if {a.value, b.value} == {"held", "resumed"} and (a.data or b.data):
            return True  # "resume warfarin" after "hold warfarin tonight and tomorrow"
        return not _actions_conflict(a.value, b.value)
    if a.kind == "route":
        return routes_agree(a.value, b.value)
    if a.kind == "status" and "pending" in (a.value, b.value):
        return True  # "CT head pending" for "we did a CT head": its result is waited for
    if a.kind == "age":
        return abs(int(a.value) - int(b.value)) <= 1
    if a.kind == "frequency" and "-" in a.value + b.value:
        return _rates_overlap(a.value, b.value)
    if a.kind == "certainty" and a.value != b.value:
        # a judgement agrees with a statement or a view; a view and a hedge are both hedged
        pair = {a.value, b.value}
        judged = _JUDGED in pair and pair <= {_JUDGED, "certain", "probable"}
        return judged or pair == {"probable", "uncertain"}
    if a.kind == "part" and _EXTREMITY in (a.value, b.value):
        return a.value in _LIMBS or b.value in _LIMBS  # "lower extremity swelling" = "legs"
    return a.value == b.value


_EXTREMITY = concept_key("extremity")
_LIMBS = frozenset(
    concept_key(w)
    for w in ("extremity", "leg", "arm", "foot", "feet", "ankle", "hand", "knee", "thigh", "calf")
)


# a hold with an end: "hold warfarin tonight and tomorrow", "held until a repeat creatinine"
_HELD_FOR_A_WHILE = re.compile(
    r"[^.;\n]{0,60}?\b(?:until|till|tonight|tomorrow|for\s+(?:the\s+next\s+)?\w+\s+(?:days?|"
    r"doses?|nights?|weeks?|hours?)|over\s+the\s+weekend|then\s+(?:restart|resume))\b",
    re.IGNORECASE,
)


def _actions_conflict(a: str, b: str) -> bool:
    held = {"held", "stopped"}
    going = {"continued", "started", "given", "resumed"}
    if {a, b} == {"stopped", "given"}:
        return False  # "I've taken Elavil ... not any more": taken, then stopped (temporal.v1)
    return (a in held and b in going) or (a in going and b in held)


# kinds whose facts are about the same thing when their keys are equal
_PLAIN_KEYS = frozenset(
    {"polarity", "scope", "certainty", "side", "part", "drug", "setting", "age", "sex", "code"}
    | {"allergy", "pregnancy", "gestation", "time", "order"}
)


def _index(given: Sequence[Fact]) -> tuple[dict[str, list[Fact]], dict[Any, list[Fact]]]:
    """The window's facts by kind and by (kind, key)."""
    by_kind: dict[str, list[Fact]] = {}
    by_key: dict[Any, list[Fact]] = {}
    for g in given:
        by_kind.setdefault(g.kind, []).append(g)
        by_key.setdefault((g.kind, g.key), []).append(g)
    return by_kind, by_key


def differences(
    said: Sequence[Fact],
    given: Sequence[Fact],
    kinds: frozenset[str] | None = None,
    topics: tuple[frozenset[str], dict[int, frozenset[str]]] | None = None,
) -> list[Difference]:
    """Each claim fact that the window states otherwise: the window has facts of its kind and
    key and none agrees. Facts of one kind on one side only are silence. With ``topics`` (the
    claim's content words, and those of the window sentence at each window fact's start), a
    word-level fact (polarity, certainty, whose, part, drug) is compared only with window
    sentences about the same thing."""
    out = []
    by_kind, by_key = _index(given)
    said_kinds = _index(said)[0]  # the claim's facts by kind, for the tests against its others
    settled = _settled_effects(said, by_kind.get("outcome", []))
    for fact in said:
        if kinds is not None and fact.kind not in kinds:
            continue
        if fact.kind not in by_kind:
            continue  # silence
        if fact.kind in ("direction", "effect") and _inside(fact.start, settled):
            continue  # the effect read with its outcome and groups agrees: the bare word is moot
        if fact.kind in _PLAIN_KEYS:
            rivals = by_key.get((fact.kind, fact.key), [])
            if fact.kind == "time":
                rivals = _time_rivals(fact, rivals)
            if fact.modifier:
                # "RIF tenderness" is not "no rebound tenderness": two findings of one word
                rivals = [g for g in rivals if not g.modifier or g.modifier == fact.modifier]
            if fact.when:
                # "the bedtime insulin yesterday" is not "no insulin this morning"
                rivals = [g for g in rivals if not g.when or bool(g.when & fact.when)]
            if fact.kind == "polarity" and fact.value == AFFIRMED:
                rivals = [g for g in rivals if not _narrower_denial(fact, g)]
            if fact.kind == "certainty" and fact.value != "certain":
                # "possibly related to radiation" (the head itself) says nothing of "radiation
                # pneumonitis" (a word of another head); "liver mets" is still "liver metastases"
                rivals = [g for g in rivals if fact.head or not g.head]
        else:
            rivals = [g for g in by_kind[fact.kind] if _keys_match(fact, g)]
        if fact.kind in ("part", "drug") and any(
            g.value in fact.value or fact.value in g.value for g in by_kind[fact.kind]
        ):
            continue  # the part is named in the window, whatever the frame
        if fact.kind in ("part", "drug") and any(
            o.value == g.value for o in said_kinds[fact.kind] for g in rivals
        ):
            continue  # "grooving in shoulders or indentation on the chest wall": both named
        if fact.kind in _TOKEN_KINDS and topics is not None:
            key = frozenset({fact.key.split("|")[0]})  # the word both sides share
            rivals = [
                g for g in rivals if _aligned(topics[0] | key, topics[1].get(g.start, key) | key)
            ]
        if fact.kind == "time" and any(
            o is not fact and _agree(o, g) for o in said_kinds["time"] for g in rivals
        ):
            continue  # "began 2 weeks ago, worse last week": the claim's other time is theirs
        if fact.kind == "frequency" and fact.key:
            # "lisinopril daily and metformin twice a day" against a drug-less "twice a day":
            # the claim's other drug is what the window's rate is about
            rivals = [
                g
                for g in rivals
                if g.key
                or not any(
                    o.key not in ("", fact.key) and _agree(o, g) for o in said_kinds["frequency"]
                )
            ]
        if (
            fact.kind == "side"
            and topics is not None
            and rivals
            and _side_said_of(fact, by_kind, topics[0])
        ):
            continue
        if (
            fact.kind == "amount"
            and fact.modifier == _FORMER
            and _new_value_agrees(fact, said, rivals)
        ):
            continue  # "folic acid 400 mcg -> 5 mg" where the input gives only the new 5 mg
        if (
            fact.kind == "amount"
            and fact.modifier == _CHANGE
            and difference_of_two(fact.data[0], [g.data[0] for g in by_kind["amount"]])
        ):
            continue  # "balance +1.2 L" where the window gives "in 2.1 L, out 0.9 L"
        if not rivals or any(_agree(fact, g) for g in rivals):
            continue
        if fact.kind in _ONE_VALUE and any(
            _keys_match(fact, o) and not _agree(fact, o) for o in said_kinds[fact.kind]
        ):
            continue  # the claim itself states two values ("left worse than right"): two events
        out.append(Difference(fact, rivals[0]))
    return _one_per_span(out)


def _new_value_agrees(fact: Fact, said: Sequence[Fact], rivals: list[Fact]) -> bool:
    """Whether the amount a claim's former amount changes to (its next amount of the same key)
    is the window's every amount of that key: the window tells the change's end only, so the
    start has nothing to be compared with (a window that gives both is compared as usual)."""
    after = [o for o in said if o.kind == "amount" and o.key == fact.key and o.start > fact.end]
    if not after or not rivals:
        return False
    new = min(after, key=attrgetter("start"))
    return all(_agree(new, g) for g in rivals)


def _narrower_denial(fact: Fact, given: Fact) -> bool:
    """Whether the window denies only a narrower finding than the claim affirms: one of a kind
    or at a site ("no tongue swelling") or at a time ("any pain at night? - no") that the
    claim's bare word ("swelling of the hand", "rates his pain 6/10") does not name. A denial
    of a kind leaves the finding open elsewhere; the reverse, a bare denial against a finding
    of a kind ("no pain" against "knee pain"), is still a difference."""
    return given.value == NEGATED and (
        (bool(given.modifier) and not fact.modifier) or (bool(given.when) and not fact.when)
    )


def _side_said_of(fact: Fact, by_kind: dict[str, list[Fact]], claim: frozenset[str]) -> bool:
    """Whether the window gives the claim's side, without its part, to a word the claim says of
    it ("L hand quiet" - "swelling on the right hand, the left is quiet")."""
    part, _, axis = fact.key.partition("|")
    for g in by_kind["side"]:
        word, _, their_axis = g.key.partition("|")
        if g.value == fact.value and their_axis == axis and word != part and word in claim:
            return True
    return False


def _settled_effects(said: Sequence[Fact], given: Sequence[Fact]) -> list[tuple[int, int]]:
    """Spans of the claim's outcome facts (medfact.direction) that a window outcome fact about
    the same outcome agrees with."""
    return [
        (f.start, f.end)
        for f in said
        if f.kind == "outcome"
        and any(effects.comparable(f.data, g.data) and effects.agree(f.data, g.data) for g in given)
    ]


def _time_rivals(fact: Fact, rivals: list[Fact]) -> list[Fact]:
    """The window's times about the claim's event (a shared content word); where none is, only
    a time on the other side of now ("done last month" vs "scheduled next month") disagrees:
    "pain began 6 weeks ago" says nothing against "antibiotics six days ago"."""
    near = [g for g in rivals if _same_topic(fact.data.topic, g.data.topic)]
    if near or any(_agree(fact, g) for g in rivals):
        return near
    return [
        g
        for g in rivals
        if g.data.value != fact.data.value and "0" not in (g.data.value, fact.data.value)
    ]


_TOKEN_KINDS = frozenset({"polarity", "certainty", "scope", "part", "drug"})
_MIN_OVERLAP = 0.5  # shared content words / the smaller side's, for word-level facts


def _aligned(claim: frozenset[str], sentence: frozenset[str]) -> bool:
    """Whether a window sentence is about what the claim is about: half the content words of
    the shorter of the two are shared."""
    smaller = min(len(claim), len(sentence))
    return smaller > 0 and len(claim & sentence) / smaller >= _MIN_OVERLAP


def sentence_topics(doc: AnalyzedText, facts: Sequence[Fact]) -> dict[int, frozenset[str]]:
    """The content words of the sentence holding each fact, by the fact's start."""
    starts = _token_index(doc)
    out: dict[int, frozenset[str]] = {}
    for f in facts:
        if f.kind in _TOKEN_KINDS and doc.tokens and f.start not in out:
            out[f.start] = _sentence_stems(
                doc, doc.tokens[_token_at(doc, starts, f.start)].sentence
            )
    return out


# two values in one claim are two events ("tingling until Sunday, none today"; "oral antibiotics,
# to avoid intravenous ones"): none of them is compared
_ONE_VALUE = frozenset({"status", "side", "direction", "polarity", "route", "sex", "outcome"})


def _one_per_span(found: list[Difference]) -> list[Difference]:
    """One difference per stretch of the claim: the first of overlapping ones (an effect read
    with its outcome before the bare "significantly reduced")."""
    kept: list[Difference] = []
    for d in sorted(found, key=lambda d: d.said.kind == "effect"):
        if any(k.said.start < d.said.end and d.said.start < k.said.end for k in kept):
            continue
        kept.append(d)
    return kept


# --- the stage ------------------------------------------------------------------------------------


@stages.register("compare")
class CompareStage(Stage):
    """Each claim of a checkable case against its aligned window (its first evidence item):
    a finding "contradicted" (rule compare.v1) for every fact the window states otherwise.
    Claims that already have a contradicted finding are left alone."""

    name = "compare"
    timing = "verify"

    def __init__(self, settings: Settings, parts: Parts) -> None:
        self.analyzer = parts.analyzer
        self.segmenter = parts.segmenter
        self.values = settings.evidence.corpus_document
        self.scope = settings.evidence.corpus_compare
        # corpus passages analysed and their facts, by (corpus, doc id, text); one case's worth
        self._read: dict[tuple[str, str | None, int], tuple[AnalyzedText, list[Fact]]] = {}

    def __call__(self, doc: CaseDoc) -> CaseDoc:
        if not doc.checkable or doc.output is None or not doc.claims:
            return doc
        self._read = {}
        done = {f.claim_id for f in doc.findings if f.relation == CONTRADICTED and f.claim_id}
        # study outcomes are not read against a conversation: a transcript's "increased back
        # pain" or "no edema in the lower extremities" is no study outcome (MTS, ACI notes)
        study = doc.context is None or not doc.context.is_dialogue
        aligned = {c.id for i, c in enumerate(doc.claims) if self._aligned(doc, i)}
        # a written input's study effects are compared in any window (corpus passages only in
        # one tier 1 aligns: another study's effect may be on the same outcome)
        effects_anywhere = study and doc.context is not None
        open_claims = [
            c
            for c in doc.claims
            if c.id not in done and doc.evidence.get(c.id) and (c.id in aligned or effects_anywhere)
        ]
        whole = len(open_claims) * _WHOLE_OUTPUT > len(doc.claims)
        said_all = Windows(doc.output)  # the whole output, or only where a claim is compared
        given_all = Windows(doc.context) if doc.context is not None else None
        judged = judged_spans(doc.output) if open_claims else []
        for claim in open_claims:
            windows = doc.evidence[claim.id]
            bounds = (0, len(doc.output.text)) if whole else _sentences_of(doc, claim.span)
            # the Assessment's diagnosis is the clinician's judgement, not an overstatement of
            # a view the input gives ("I think it's X"); it still overstates "it could be X"
            if claim.id in aligned:
                around = said_all.facts(*bounds, None if study else _NO_OUTCOME)
            else:  # a window tier 1 does not align: only the study effects, which align
                around = said_all.facts(*bounds, _SELF_ALIGNED)
            said = [
                replace(f, value=_JUDGED)
                if f.kind == "certainty" and f.value == "certain" and _inside(f.start, judged)
                else f
                for f in facts_in(around, *claim.span)
            ]
            if not said and not (self.values and doc.context is None):
                continue
            doc.findings.extend(
                self._compare(doc, claim, said, windows[0], given_all, around=around)
            )
        return doc

    def _aligned(self, doc: CaseDoc, position: int) -> bool:
        """Whether the claim's first window is one tier 1 reads as supporting it (P(supported)
        at or above the card's ``supported`` threshold): a difference counts only there, where
        the window speaks of what the claim speaks of. Without tier 1, every first window."""
        if doc.probabilities is None or not doc.thresholds:
            return True
        cut = doc.thresholds.get("supported")
        return cut is None or float(doc.probabilities[position][0]) >= cut

    def _compare(
        self,
        doc: CaseDoc,
        claim: Claim,
        said: list[Fact],
        window: Evidence,
        windows: Windows | None,
        named: frozenset[str] | None = None,
        around: Sequence[Fact] = (),
    ) -> list[Finding]:
        """The findings of ``claim`` (its facts ``said``) against its ``window``. ``named``: the
        drugs and body parts the input names anywhere (None: read from it where a part or drug
        differs, which few claims have)."""
        claim_topic = frozenset(
            t.stem
            for t in doc.output.tokens_in(*claim.span)
            if t.content  # type: ignore[union-attr]
        )
        if window.source == "context" and windows is not None and window.span is not None:
            span = _with_answer(doc, window.span)
            kinds = frozenset(f.kind for f in said)  # only facts of these kinds are compared
            # a word-level fact is compared only with the window's of its key (differences): the
            # window's words of other stems are not read
            stems = key_words(f.key for f in said if f.kind in _CONCEPT_KINDS)
            given = windows.facts(*span, kinds, stems)
            topics = (claim_topic, windows.topics(*span, kinds, stems))
            found = [
                d
                for d in differences(said, given, topics=topics)
                if not (
                    d.said.kind in ("part", "drug")
                    and d.said.value in (_named(windows.doc) if named is None else named)
                    and not d.said.key.startswith(_STRONG_FRAMES)
                )
                and not _stated_elsewhere(d.said, windows, claim_topic)
                and not _status_of_another(d, around, claim.span)
                and not (d.said.kind == "scope" and family_section(doc))
            ]  # a drug or part the input names elsewhere is no substitution ("continue Bumex"),
            # unless its frame is one that matters by itself ("ALLERGY: cefalexin")
            text, corpus = doc.context.text, False  # type: ignore[union-attr]
        else:
            return self._compare_corpus(doc, claim, said, window, claim_topic)
        return [_finding(doc, claim, d, window, text, corpus) for d in found]

    def _compare_corpus(
        self,
        doc: CaseDoc,
        claim: Claim,
        said: list[Fact],
        window: Evidence,
        claim_topic: frozenset[str],
    ) -> list[Finding]:
        """A claim against a corpus passage: its facts against the aligned window's (or, with
        ``corpus_compare = "results"``, also against the aligned document's result sentences
        closest to it); where none differs and ``corpus_document`` is on, its numbers against
        the whole aligned document. A claim tier 1 aligned to a window it read from the whole
        document (not a retrieved one) has its numbers checked only: on development abstracts
        the facts of such windows added false alarms."""
        document = aligned_document(doc.documents, window)
        findings: list[Finding] = []
        if claim.id in doc.document_aligned:
            pass  # tier 1 found its support in the document, not in retrieval: values only
        elif said and self.scope == "results" and document is not window:
            analysed, given = self._passage_facts(document)
            given = self._result_facts(claim.text, window, document, analysed, given)
            topics = (claim_topic, sentence_topics(analysed, given))
            found = differences(said, given, CORPUS_KINDS, topics)
            findings = [_finding(doc, claim, d, document, analysed, True) for d in found]
        elif said:
            analysed, given = self._passage_facts(window)
            topics = (claim_topic, sentence_topics(analysed, given))
            found = differences(said, given, CORPUS_KINDS, topics)
            findings = [_finding(doc, claim, d, window, window.text, True) for d in found]
        if not findings and self.values and document is not window:
            findings = self._absent_values(doc, claim, document)
        return findings

    def _absent_values(self, doc: CaseDoc, claim: Claim, document: Evidence) -> list[Finding]:
        """One risk-2 "unsupported" finding (rule document_values.v1) for the claim's numbers
        its aligned document states nowhere; the document is the evidence. The document is read
        only for a claim that states a number."""
        output = doc.output
        assert output is not None
        if not checked_values(output.text, output.quantities, *claim.span):
            return []
        analysed = self._passage_facts(document)[0]
        missing = absent_values(output.text, output.quantities, claim.span, analysed)
        if not missing:
            return []
        said = ", ".join(f"'{output.text[q.start : q.end]}'" for q in missing)
        return [
            Finding(
                category=ErrorCategory.DETAIL_MISIDENTIFICATION,
                risk=RiskLevel(2),
                span=(missing[0].start, missing[-1].end),
                message=f"value: output says {said}; passage {document.doc_id} states no such "
                "value",
                relation="unsupported",
                rule=VALUES_RULE,
                claim_id=claim.id,
                evidence=[document],
                confidence=0.6,
            )
        ]

    def _result_facts(
        self,
        claim: str,
        window: Evidence,
        document: Evidence,
        analysed: AnalyzedText,
        given: list[Fact],
    ) -> list[Fact]:
        """The document's facts the claim is compared with: those of its aligned window, and
        those of the document's result sentences (:func:`result_sentences`) closest to the
        claim's words (BM25 over the document's sentences)."""
        spans = [window.span] if window.span is not None else []
        results = result_sentences(analysed.sentences)
        if results:
            index = ContextIndex(document.text, results, window=1)
            spans += [e.span for e in index.search(claim, _RESULT_SENTENCES) if e.span]
        return [f for f in given if any(s <= f.start < e for s, e in spans)]

    def _passage_facts(self, passage: Evidence) -> tuple[AnalyzedText, list[Fact]]:
        """A corpus passage analysed and its facts, read once per case."""
        key = (passage.source, passage.doc_id, hash(passage.text))
        if key not in self._read:
            analysed = self.analyzer(passage.text, self.segmenter(passage.text))
            given = [  # an effect of a corpus passage may be another study's
                replace(g, data=replace(g.data, corpus=True)) if g.kind == "outcome" else g
                for g in read_facts(analysed)
            ]
            self._read[key] = (analysed, given)
        return self._read[key]


_RESULT_SENTENCES = 2  # a document's result sentences a claim is compared with, beside its window
# a sentence that reports a result: a figure or a test of significance
_RESULT = re.compile(r"\d|signific", re.IGNORECASE)


def result_sentences(sentences: Sequence[Sentence]) -> list[Sentence]:
    """The sentences of a study's text that report a result (a figure or a significance) and do
    not set out an aim: a background sentence ("AIs are reported to raise the incidence of X")
    is another study's finding, not this one's."""
    return [s for s in sentences if _RESULT.search(s.text) and not _aims(s.text)]


def _stated_elsewhere(fact: Fact, windows: Windows, claim_topic: frozenset[str]) -> bool:
    """Whether the input states the claim's fact, for the same key, outside the aligned window
    ("then 100 mg daily" after "25 mg daily for two weeks"; "It could be your thyroid" after
    "I'll check your thyroid"): the window was another event's, not a contradiction. A word's
    reading (present, hedged, whose) counts only in a sentence about more of the claim than
    the word ("tender over the fifth metatarsal" says nothing of the malleolus)."""
    if fact.kind in ("part", "drug", "allergy", "code", "status"):
        return False  # substitutions and safety frames are read by their own rules
    doc = windows.doc
    # the whole input's facts of this kind only: the readers of other kinds are not run
    for g in windows.facts(0, len(doc.text), frozenset({fact.kind})):
        if g.kind != fact.kind or not _same_subject(fact, g) or not _agree(fact, g):
            continue
        if fact.kind == "action" and g.value != fact.value:
            continue  # an action only by the same action ("stop the norvasc" for "discontinue")
        if fact.kind not in _WORD_KINDS:
            return True
        sentence = getattr(g.data, "sentence", None)
        if sentence is not None and (claim_topic - {fact.key.split("|")[-1]}) & _sentence_stems(
            doc, sentence
        ):
            return True
    return False


def _status_of_another(d: Difference, around: Sequence[Fact], span: tuple[int, int]) -> bool:
    """Whether the output's sentence states the input's status of another event: named by
    words the claim's fact lacks ("Pneumococcal + flu vaccines done; shingles vaccine
    recommended" - "the shingles vaccine is recommended"), or outside the claim and at least as
    much about the input's event ("Cataract surgery planned on the left eye; right eye done
    last year" - "the right one was done last year")."""
    if d.said.kind != "status" or not d.given.data:
        return False
    mine = d.said.data or frozenset()
    theirs = d.given.data - mine
    shared = len(mine & d.given.data)
    return any(
        o.kind == "status"
        and o.value == d.given.value
        and o.data
        and (
            bool(o.data & theirs)
            or (not span[0] <= o.start < span[1] and len(o.data & d.given.data) >= max(shared, 1))
        )
        for o in around
    )


def _same_subject(a: Fact, b: Fact) -> bool:
    """The same key; for amounts, the same class and drug, or no drug named on one side ("then
    100 mg daily" in a titration that named its drug once)."""
    if a.kind == "outcome":
        return effects.comparable(a.data, b.data)
    if a.key == b.key:
        return True
    if a.kind != "amount":
        return False
    fa, _, da = a.key.partition("|")
    fb, _, db = b.key.partition("|")
    return fa == fb and "" in (da, db)


_STRONG_FRAMES = tuple(concept_key(w) for w in ("allergy", "allergic", "reaction", "intolerance"))


@once_per_text
def _named(ctx: AnalyzedText) -> frozenset[str]:
    """The drugs (canonical names) and body parts (concept keys) the input names anywhere (read
    where a part or drug differs, once per input)."""
    parts = {
        concept_key(word)
        for t in ctx.tokens
        if (word := t.text.removesuffix("'s").rstrip("s")) in ANATOMY  # "hand's": the hand
    }
    return frozenset({d.canonical for d in ctx.drugs} | parts)


# word-level readings (a word's polarity, certainty, whose it is): on a long transcript, where
# turns run on unpunctuated and one word recurs in many senses, a difference is a "check this"
_WORD_KINDS = frozenset({"polarity", "certainty", "scope"})

# kinds whose comparison checks by itself that the window speaks of the claim's subject (an
# effect is compared only with one on the same outcome words: medfact.direction.comparable), so
# they are compared in a window tier 1 does not read as supporting too
_SELF_ALIGNED = frozenset({"outcome"})
_WHOLE_OUTPUT = 4  # read the whole output at once when over a quarter of its claims are open


def _sentences_of(doc: CaseDoc, span: tuple[int, int]) -> tuple[int, int]:
    """The bounds of the output sentences that hold ``span`` (a claim may be part of one)."""
    first = sentence_at(doc.output_sentences, span[0])
    last = sentence_at(doc.output_sentences, max(span[1] - 1, span[0]))
    start = first.span[0] if first is not None else span[0]
    end = last.span[1] if last is not None else span[1]
    return min(start, span[0]), max(end, span[1])


def _with_answer(doc: CaseDoc, span: tuple[int, int]) -> tuple[int, int]:
    """A window that ends on a question, with the sentence that answers it: in a dialogue the
    two are one statement ("Is it your left foot? - No, the other one."). In a dialogue, so is
    a sentence and the reply that corrects it, with or without a "?" ("some right knee pain
    what's going on - it's not the right knee it's the left knee")."""
    start, end = span
    sentences = doc.context_sentences
    last = sentence_at(sentences, max(end - 1, start))
    if last is None or last.index + 1 >= len(sentences):
        return start, end
    reply = sentences[last.index + 1]
    dialogue = doc.context is not None and doc.context.is_dialogue
    if last.text.rstrip().endswith("?") or (dialogue and _CORRECTION.match(reply.text)):
        return start, max(end, reply.span[1])
    return start, end


_CORRECTION = re.compile(
    r"\W*(?:\[[a-z_]+\]|[a-z_]+\s*:)\s*(?:(?:well|uh|um|oh|it|so)\W+)*"
    r"(?:no|nope|not|it's\s+not|it\s+is\s+not|actually)\b",
    re.IGNORECASE,
)


def _finding(
    doc: CaseDoc,
    claim: Claim,
    d: Difference,
    window: Evidence,
    window_text: str | AnalyzedText,
    corpus: bool,
) -> Finding:
    """The finding for one difference. ``window_text`` given analysed is a whole corpus
    document: the finding's evidence is then the document's sentence that differs."""
    said_text = doc.case.output[d.said.start : d.said.end]
    sentence = None
    if isinstance(window_text, AnalyzedText):
        sentence = sentence_of(window_text.sentences, d.given.start)
        window_text = window_text.text
    given_text = window_text[d.given.start : d.given.end]
    where = "passage" if corpus else "input"
    span: tuple[int, int] | None = None
    if sentence is not None:
        evidence = window.model_copy(update={"text": sentence.text, "span": sentence.span})
    elif corpus:
        offset = window.span[0] if window.span is not None else None
        span = (offset + d.given.start, offset + d.given.end) if offset is not None else None
    else:
        span = (d.given.start, d.given.end)
    if sentence is None:
        evidence = window.model_copy(update={"text": given_text, "span": span})
    kind = d.said.kind
    if kind == "amount" and _unit_only(d.said.data[0], d.given.data[0]):
        kind = "unit"
    label = "dose" if kind == "amount" and d.said.key.startswith("dose|") else kind
    category = _CATEGORY.get(kind, ErrorCategory.DETAIL_MISIDENTIFICATION)
    if kind == "certainty":
        category = _CERTAINTY[d.said.value]
    risk = _RISK.get(kind, 3)
    if kind in _WORD_KINDS and not corpus and len(doc.context.text) >= LONG_CONTEXT:  # type: ignore[union-attr]
        risk = 2  # one word's reading in a long transcript: check it (negation.v1 grades flips)
    return Finding(
        category=category,
        risk=RiskLevel(risk),
        span=(d.said.start, d.said.end),
        context_span=None if corpus else span,
        message=_message(label, d, said_text, given_text, where),
        relation=CONTRADICTED,
        rule=RULE,
        claim_id=claim.id,
        evidence=[evidence],
        confidence=0.9,
    )


def _message(label: str, d: Difference, said: str, given: str, where: str) -> str:
    """The finding's message: both sides' words, and where the words are the same ("'alcohol'
    ... 'alcohol'") the reading of each that differs ("affirmed", "negated")."""
    if said.lower() != given.lower() or d.said.value == d.given.value:
        return f"{label}: output says '{said}'; {where} says '{given}'"
    return (
        f"{label}: output says '{said}' ({d.said.value}); {where} says '{given}' ({d.given.value})"
    )


def _unit_only(a: Quantity, b: Quantity) -> bool:
    """The same number in another unit: "10 mcg" for "10 mg", "20 mL" for "20 units"."""
    return a.value == b.value and (a.unit or "") != (b.unit or "")


def compare_texts(
    said: AnalyzedText, given: AnalyzedText, kinds: frozenset[str] | None = None
) -> list[Difference]:
    """Differences between two whole analysed texts (for benchmarks and tools)."""
    return differences(read_facts(said), read_facts(given), kinds)


__all__ = [
    "CompareStage",
    "Difference",
    "Fact",
    "compare_texts",
    "differences",
    "facts_in",
    "read_facts",
]
