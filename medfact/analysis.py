"""One pass over a text that every rule reads: tokens, stems, polarity, quantities, sides, drugs.

The output and the context of a case are analysed the same way, once, so rules only compare.
Polarity follows ConText: a trigger ("denies", "no", "without") negates the words after it up to a
terminator (";", "but", "although", ...) or the sentence end; pseudo-negations ("no change in",
"not only") negate nothing; "cannot be excluded" hedges. Each token also has a scope: the patient's
now ("current"), the patient's past ("history"), a relative ("family") or a condition that has not
happened ("hypothetical"), set by triggers and by section headers ("Family history:"). A condition
named as a possibility is hypothetical in either word order ("risk of falls", "bleeding risk", "to
prevent a clot", "may cause drowsiness", a consent's list of risks), so that no rule reads it as a
statement that the patient has it or as a denial. In dialogue,
a question and the next speaker's answer are one statement: "No" negates what was asked, and a
side in the answer ("Which ankle? - The right one.") names the part the question asked about.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, wraps
from itertools import pairwise, takewhile
from typing import TypeVar, cast

from medfact.lexicon import terms
from medfact.lexicon.drugs import DrugMention, default_lexicon, inhalers_by_colour
from medfact.registry import analyzers
from medfact.rehint import fast_compile
from medfact.textutil import STOPWORDS, stem
from medfact.types import Sentence

# ".7" (no word character or "." before the point) is read after its point: every alternative
# then opens with a character class, which the regex engine scans for between words
_TOKEN = re.compile(
    r"[A-Za-z]+(?:[-'][A-Za-z]+)*|\d+(?:[.,]\d+)*(?:/\d+(?:\.\d+)?)?|\.(?<![\w.]\.)\d+\b|%|°[FC]"
)
# the same pattern as one group: ``split`` gives a sentence's gaps and words in turn, in C
_TOKEN_SPLIT = re.compile(f"({_TOKEN.pattern})")
# a speaker's tag: "[doctor]", "Patient:", or a role of two or three words whose last is a
# clinical role ("Day nurse:", "ICU registrar:", "Paediatric SHO:", "Ward pharmacist:")
_ROLE_WORDS = (
    r"nurse|registrar|reg|sho|doctor|dr|consultant|pharmacist|midwife|physio|physiotherapist|"
    r"therapist|surgeon|anaesthetist|anesthetist|paramedic|hca|carer|interpreter|clinician|"
    r"resident|intern|fellow|gp|fy1|fy2|biochemist|radiologist|dietitian|dietician|worker|"
    r"practitioner|technician|assistant|coordinator|manager|attending"
)
# (possessive runs: the space, role or ":" after a run never matches the run's own characters,
# so giving some back can find no other match, and is not tried)
_SPEAKER = re.compile(
    rf"^\s*(?:\[(\w+)\]|((?:[\w-]++\s+){{1,2}}(?:{_ROLE_WORDS}))\s*:|(\w++)\s*+:)", re.IGNORECASE
)


def _speaker_match(text: str) -> re.Match[str] | None:
    """``_SPEAKER.match(text)``, run only where a tag may be: every tag holds a "[" or a ":"
    (most sentences hold neither)."""
    return _SPEAKER.match(text) if ":" in text or "[" in text else None


def _untagged(text: str) -> str:
    """``text`` without the speaker's tag that opens it (``_SPEAKER.sub("", text)``)."""
    return _SPEAKER.sub("", text) if ":" in text or "[" in text else text


def _speaker_name(match: re.Match[str]) -> str:
    """The lower-cased name of a speaker's tag that :data:`_SPEAKER` matched."""
    return (match.group(1) or match.group(2) or match.group(3)).lower()


def speaker_tag(text: str, at: int) -> str | None:
    """The lower-cased speaker's tag ("[doctor]", "Patient:", "Day nurse:") that opens
    ``text`` at offset ``at``, or None."""
    match = _speaker_match(text[at : at + 60])  # its "^" anchors at a string's start only
    return None if match is None else _speaker_name(match)


_SCOPE_WINDOW = 12  # long enough for "denies fever, chills, nausea, vomiting or diarrhea"
_BARE_ANSWER = re.compile(r"(yes|yeah|yep|yup|no|nope|nah)\b\s*[,.!;]")

AFFIRMED, NEGATED, UNCERTAIN, ASKED = "affirmed", "negated", "uncertain", "asked"
CURRENT, HISTORY, FAMILY, HYPOTHETICAL = "current", "history", "family", "hypothetical"
_SCOPE_RANK = {CURRENT: 0, HISTORY: 1, HYPOTHETICAL: 2, FAMILY: 3}  # a stronger scope wins
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# a section's header, "Family history:" at a line's start or after a period, and one in capitals
# alone on its line ("FAMILY HISTORY"): each pattern in two, at the text's start and after the
# character it follows, which the regex engine scans for (a "^" or a look-behind is tried at
# every offset); no match holds a "." or "\n", so the matches are the same
_HEADER_BODY = r"[ \t]*([A-Za-z][A-Za-z /]{0,40}?)[ \t]*:"
_HEADER_AT_START = re.compile(_HEADER_BODY)
# (its look-ahead, which every match passes, turns down a sentence's "." without a ":" at once)
_HEADER_AFTER = re.compile(r"[.\n](?=[ \tA-Za-z /]*:)" + _HEADER_BODY)
_CAPS_HEADER_BODY = r"[ \t]*([A-Z][A-Z /]{1,40}?)[ \t]*$"
_CAPS_HEADER_AT_START = re.compile(_CAPS_HEADER_BODY, re.MULTILINE)
_CAPS_HEADER_AFTER = re.compile(r"\n" + _CAPS_HEADER_BODY, re.MULTILINE)
_ANAPHORA = frozenset({"one", "side", "sided"})  # "the right one": the part named before
_SURFACE_WORDS = frozenset({"surface", "aspect", "of", "the", "portion", "border"})
_LOBES = frozenset({"rul", "rml", "rll", "lul", "lll"})
_CHANGE_WORDS = frozenset({"change", "changes", "changed", "difference", "increase", "decrease"})
_LIST_LIMIT = 40  # a negated list of short items is followed this far
_LONG_ITEM = 6  # a comma-separated item longer than this is a new statement
_FAMILY_WINDOW = 20  # "my son ... suffers from glaucoma, high cholesterol, high blood pressure"
# a structure written as a code after its side: "M1", "ICA", "VUJ", "CN7" (capitals, maybe digits)
_CODED_PART = re.compile(r"[ \t]+([A-Z]{2,4}\d{0,2}|[A-Z]\d{1,2})\b")
# no unit across it ("MCP 2-3; L hand"); a pause is no end ("Seventy-five... micrograms")
# verbs whose object a post-negation leaves alone ("Stop aspirin is not required")
_ACTION_VERBS = frozenset({"stop", "stopping", "hold", "holding", "discontinue", "discontinuing"})
_CLAUSE_END = re.compile(r"[;,:\n]|(?<!\.)\.(?!\.)")
_AFTER_CLAUSE = re.compile(r"[.,;:\n()\-\u2013\u2014]")  # "not indicated - explained"
_CLAUSE_GAP = re.compile(r"[.,;:\n]")  # a gap between words that ends a clause
_COPULAS = frozenset({"is", "was", "'s"})
_PART_MEMORY = 3  # sentences a named body part stays the referent of "the right one"


@dataclass(slots=True)
class Token:
    text: str  # lower-cased surface
    start: int
    end: int
    sentence: int
    stem: str
    polarity: str = AFFIRMED
    trigger: int | None = None  # start offset of the word that set a non-affirmed polarity
    scope: str = CURRENT  # current / history / family / hypothetical
    speaker: str | None = None  # in a dialogue: who said it (a question: who answered it)
    content: bool = False  # ``is_content`` of the word, set once by the analysis

    @property
    def is_number(self) -> bool:
        return self.text[0].isdigit()


@dataclass(slots=True)
class Quantity:
    value: float
    unit_class: str | None
    unit: str | None
    start: int
    end: int
    sentence: int
    token_index: int
    second: float | None = None  # 120/80 -> 80

    def base_value(self) -> float:
        return self.value * terms.UNIT_FACTORS.get(self.unit or "", 1.0)


@dataclass(slots=True)
class SideMention:
    side: str
    anatomy: str
    start: int  # span of "left knee"
    end: int
    sentence: int
    coded: bool = False  # a code read after the side ("L M1"), not a lexicon part


@dataclass(slots=True)
class ScaleWord:
    scale: str  # certainty / severity / frequency
    value: int
    word: str
    start: int
    end: int
    sentence: int
    token_index: int


@dataclass
class AnalyzedText:
    text: str
    sentences: list[Sentence]
    tokens: list[Token] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    sides: list[SideMention] = field(default_factory=list)
    scale_words: list[ScaleWord] = field(default_factory=list)
    drugs: list[DrugMention] = field(default_factory=list)
    is_dialogue: bool = False
    # readings of this text that several rules ask for (code status, allergies), kept by the
    # first to read them; not part of the text's value
    readings: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def lowered(self) -> str:
        """The text lower-cased (several readings look words up in it)."""
        return self.text.lower()

    @cached_property
    def stem_polarities(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for tok in self.tokens:
            out.setdefault(tok.stem, set()).add(tok.polarity)
        return out

    @cached_property
    def stems(self) -> frozenset[str]:
        """Concept keys of every token, plus acronyms spelled out letter by letter."""
        return frozenset(t.stem for t in self.tokens) | self._acronyms()

    def _acronyms(self) -> set[str]:
        """Spelled-out letters of a dialogue ("P T", "M R I") read as the acronym they spell."""
        found, run = set(), []
        for tok in [*self.tokens, None]:
            if tok is not None and len(tok.text) == 1 and tok.text.isalpha():
                run.append(tok.text)
                continue
            if len(run) >= 2:
                found.add(concept_key("".join(run)))
            run = []
        return found

    @cached_property
    def drug_names(self) -> frozenset[str]:
        return frozenset(d.canonical for d in self.drugs)

    @cached_property
    def _starts(self) -> list[int]:
        return [t.start for t in self.tokens]

    @cached_property
    def _sentence_ranges(self) -> dict[int, tuple[int, int]]:
        ranges: dict[int, tuple[int, int]] = {}
        for i, tok in enumerate(self.tokens):
            first, _ = ranges.get(tok.sentence, (i, i))
            ranges[tok.sentence] = (first, i + 1)
        return ranges

    def tokens_in(self, start: int, end: int) -> list[Token]:
        """Tokens inside [start, end), by binary search (texts can be long)."""
        lo = bisect.bisect_left(self._starts, start)
        hi = bisect.bisect_left(self._starts, end)
        return [t for t in self.tokens[lo:hi] if t.end <= end]

    def token_range(self, start: int, end: int) -> range:
        """Indices of the tokens that start inside [start, end), by binary search."""
        return range(bisect.bisect_left(self._starts, start), bisect.bisect_left(self._starts, end))

    def sentence_range(self, index: int) -> range:
        """Indices of sentence ``index``'s tokens (one run: the analyser adds them in order)."""
        return range(*self._sentence_ranges.get(index, (0, 0)))

    def sentence_tokens(self, index: int) -> list[Token]:
        first, last = self._sentence_ranges.get(index, (0, 0))
        return self.tokens[first:last]


_Read = TypeVar("_Read")


def once_per_text(read: Callable[[AnalyzedText], _Read]) -> Callable[[AnalyzedText], _Read]:
    """``read`` computed once per analysed text and kept in its ``readings``: several rules ask
    for the input's code status, allergies, denied words or plans. Callers read the result and
    never change it."""
    name = read.__name__

    @wraps(read)
    def once(doc: AnalyzedText) -> _Read:
        if name not in doc.readings:
            doc.readings[name] = read(doc)
        return cast(_Read, doc.readings[name])

    return once


def concept_key(word: str) -> str:
    """Stem with lay/clinical synonyms folded to one key ("htn" and "hypertension" agree);
    "non-smoker" keys as "smoker" (its negation is the polarity's business). Read once per
    word: the key depends on the word alone."""
    key = _CONCEPT_KEYS.get(word)
    if key is None:
        bare = word[4:] if word.startswith("non-") and len(word) > 4 else word
        key = _SYNONYM_KEY.get(bare, stem(bare))
        if len(_CONCEPT_KEYS) >= 200_000:
            _CONCEPT_KEYS.clear()
        _CONCEPT_KEYS[word] = key
    return key


_CONCEPT_KEYS: dict[str, str] = {}


def group_key(group: tuple[str, ...]) -> str:
    return stem(group[0].split()[0])


_SYNONYM_KEY: dict[str, str] = {}
for _group in terms.SYNONYM_GROUPS:
    for _w in _group:
        if " " not in _w:
            _SYNONYM_KEY.setdefault(_w, group_key(_group))
for _surface, (_cls, _canonical) in terms.UNITS.items():
    if " " not in _surface and len(_surface) > 1:
        _SYNONYM_KEY.setdefault(_surface, _canonical)


_PHRASES = [
    (member.split(), group_key(group))
    for group in terms.SYNONYM_GROUPS
    for member in group
    if " " in member
]


_PHRASE_KEYS = {" ".join(phrase): key for phrase, key in _PHRASES}


def _fold_phrases(toks: list[Token], words: list[str], found: list[tuple[int, int]]) -> None:
    """Give every word of a multi-word synonym its group's key ("high blood pressure" -> htn);
    ``words`` are the tokens' texts; ``found``: where the phrases occur (the last list of
    :data:`_WORD_INDEX`'s matches)."""
    for start, end in found:
        key = _PHRASE_KEYS[" ".join(words[start:end])]
        for tok in toks[start:end]:
            tok.stem = key


_CANCER_KEY = concept_key("cancer")


def _cancer_abbreviation(toks: list[Token], words: list[str]) -> None:
    """Key "ca" beside an organ as cancer ("ovarian ca", "ca prostate") where no phrase has
    keyed it ("breast ca"); alone it may be calcium ("Ca 2.31"). A "ca" keyed either way is
    content (``is_content``)."""
    if "ca" not in words:
        return
    for i, word in enumerate(words):
        if word != "ca":
            continue
        if toks[i].stem == word and (
            (i > 0 and words[i - 1] in terms.CANCER_SITES)
            or (i + 1 < len(words) and words[i + 1] in terms.CANCER_SITES)
        ):
            toks[i].stem = _CANCER_KEY
        toks[i].content = toks[i].stem != word


# a bare "blood" read by where it comes from, as the sentence or the question before it says
# ("Are you bringing anything up?" - "No blood": no haemoptysis); lay words of the site
_BLOOD_SITES = {
    "hemoptysis": frozenset(
        {"cough", "coughs", "coughing", "coughed", "sputum", "phlegm", "spit", "spitting"}
        | {"mucus"}
    ),
    "hematuria": frozenset({"urine", "urinating", "wee", "weeing", "pee", "peeing", "waterworks"}),
    "hematochezia": frozenset(
        {"stool", "stools", "poo", "poos", "bowel", "bowels", "motions", "bottom", "wipe"}
    ),
}
# what "blood" names when a word follows it: a test, a value or a drug, not a bleed
_BLOOD_THINGS = frozenset(
    {"pressure", "pressures", "test", "tests", "sugar", "sugars", "glucose", "count", "counts"}
    | {"results", "result", "thinner", "thinners", "work", "transfusion", "group", "levels"}
    | {"level", "cultures", "culture", "gas", "gases", "donor", "bank", "vessel", "vessels"}
    | {"clot", "clots", "flow", "supply", "form", "forms", "sample", "samples", "tests"}
)


_BRING = frozenset({"bring", "bringing", "brought", "coughing", "cough"})


def _blood_by_site(toks: list[Token], words: list[str], previous: list[Token]) -> None:
    """Key a bare "blood" as the bleed of the one site its sentence or the words just before it
    (``previous``: the question, as a rule) name (coughing or sputum: haemoptysis; urine:
    haematuria; stool: rectal bleeding)."""
    if "blood" not in words:
        return
    near = set(words) | {t.text for t in previous}
    if "up" in near and near & _BRING:
        near.add("sputum")  # "Are you bringing anything up?"
    sites = [site for site, cues in _BLOOD_SITES.items() if near & cues]
    if len(sites) != 1:
        return  # no site, or several: the word is read as it stands
    key = concept_key(sites[0])
    for i, word in enumerate(words):
        if word != "blood" or toks[i].stem != "blood":
            continue  # folded already ("blood in the urine") or another word
        if i + 1 < len(words) and words[i + 1] in _BLOOD_THINGS:
            continue
        toks[i].stem = key


@lru_cache(maxsize=64)
def _phrase_index(phrases: tuple[str, ...]) -> dict[str, list[list[str]]]:
    """Phrases grouped by their first word, so matching costs one lookup per token."""
    index: dict[str, list[list[str]]] = {}
    for phrase in phrases:
        words = phrase.split()
        index.setdefault(words[0], []).append(words)
    return index


def _match_phrases(words: list[str], phrases: tuple[str, ...]) -> list[tuple[int, int]]:
    """Token index ranges where any phrase (space-separated words) occurs."""
    return _match_indexed(words, _phrase_index(phrases))


def _match_indexed(words: list[str], index: dict[str, list[list[str]]]) -> list[tuple[int, int]]:
    """Token index ranges where any phrase of ``index`` (by :func:`_phrase_index`) occurs."""
    found = []
    for i, word in enumerate(words):
        for p in index.get(word, ()):
            if words[i : i + len(p)] == p:
                found.append((i, i + len(p)))
    return found


def _parse_number(word: str) -> float | None:
    if word in terms.NUMBER_WORDS:
        return float(terms.NUMBER_WORDS[word])
    try:
        return float(word.replace(",", ""))
    except ValueError:
        return None


_MULTIPLIERS = {"hundred": 100, "thousand": 1000}
_NOT_COMPOUND = frozenset({"once", "twice", "half", "couple", "single", "double", "dozen"})


def _spoken_fraction(toks: list[Token], first: int, last: int) -> tuple[float, int] | None:
    """A number said the way it is spoken in a transcript: "(zero) point four" (0.4), "point
    zero five" (0.05), "three and a half" (3.5). Returns (value, index of its first token), or
    None when ``toks[first:last + 1]`` is no such ending."""
    if toks[last].text == "half" and first == last and first >= 3:
        if toks[first - 1].text == "a" and toks[first - 2].text == "and":
            whole = first - 3
            if toks[whole].is_number or toks[whole].text in terms.NUMBER_WORDS:
                base = _parse_number(toks[whole].text) if toks[whole].is_number else None
                start = whole
                if base is None:
                    base, start = _compound_number(toks, whole)
                return base + 0.5, start
        return None
    if first == 0 or toks[first - 1].text != "point":
        return None
    # "point twenty five" (0.25), "point one twenty five" (0.125): each group reads as its digits
    digits = fraction_digits([t.text for t in toks[first : last + 1]])
    if digits is None:
        return None
    fraction = float("0." + digits)
    start = first - 1
    before = first - 2
    base = 0.0
    hyphenated = _hyphenated_number(toks[before].text) if before >= 0 else None
    if hyphenated is not None:
        return hyphenated + fraction, before  # "sixty-two point five"
    if before >= 0 and (
        toks[before].is_number
        or (toks[before].text in terms.NUMBER_WORDS and toks[before].text not in _NOT_COMPOUND)
    ):
        if toks[before].is_number:
            parsed = _parse_number(toks[before].text)
            if parsed is None:
                return None
            base, start = parsed, before
        else:
            base, start = _compound_number(toks, before)
    return base + fraction, start


def fraction_digits(words: list[str]) -> str | None:
    """The digits said after a decimal point: "zero five" -> "05", "twenty five" -> "25", "one
    twenty five" -> "125"; None when a word is no digit group ("hundred", "half")."""
    out = []
    i = 0
    while i < len(words):
        word = words[i]
        if word.isdigit():
            out.append(word)
            i += 1
            continue
        value = terms.NUMBER_WORDS.get(word)
        if not isinstance(value, int) or word in _NOT_COMPOUND or not 0 <= value <= 90:
            return None
        nxt = terms.NUMBER_WORDS.get(words[i + 1]) if i + 1 < len(words) else None
        if value >= 20 and value % 10 == 0 and isinstance(nxt, int) and 1 <= nxt <= 9:
            out.append(str(value + nxt))  # "twenty five"
            i += 2
        elif value < 20 or value % 10 == 0:
            out.append(str(value))
            i += 1
        else:
            return None
    return "".join(out) or None


# A transcript's decimal point written as a full stop between number words ("two . five of
# norvasc", "a zero . zero five percent solution", "a . five centimeter stone"): the segmenter
# ends a sentence there, so the two halves are joined after both sentences are read.
_NOT_AN_AMOUNT_OF = frozenset({"us", "them", "you", "those", "these", "which", "whom", ""})
_SPOKEN_POINT = re.compile(r"[ \t]+\.[ \t]+")


def _join_spoken_point(
    doc: AnalyzedText, prev: list[Token], toks: list[Token], n_before: int
) -> None:
    """Make the number opening ``toks`` (a sentence) the fraction of the number ending ``prev``
    (the sentence before) when only " . " lies between them and the number has a unit or an
    "of" after it. ``n_before``: how many quantities the document had before ``toks`` was read.
    """
    if not prev or not toks or len(doc.quantities) <= n_before:
        return
    last = prev[-1]
    gap = doc.text[last.end : toks[0].start]
    if not _SPOKEN_POINT.fullmatch(gap):
        return
    q = doc.quantities[n_before]
    if q.start != toks[0].start or q.second is not None or q.unit_class in ("time", "age"):
        return  # "... until two . five days later": a sentence, then a time
    if not (doc.text[q.start].islower() or doc.text[q.start].isdigit()):
        return  # "at 5 . Five mg was given": a new sentence in written text
    inside = [k for k, t in enumerate(toks) if q.start <= t.start and t.end <= q.end]
    at = inside[-1] + 1 if inside else len(toks)
    after = [t.text for t in toks[at : at + 2]] + ["", ""]
    if q.unit_class is None and (after[0] != "of" or after[1] in _NOT_AN_AMOUNT_OF):
        return  # "two . five of norvasc", not "two . five of us came"
    words = list(
        takewhile(lambda w: w in terms.NUMBER_WORDS or w.isdigit(), (toks[k].text for k in inside))
    )
    digits = fraction_digits(words)
    if digits is None or len(digits) > 3:
        return
    whole = 0.0
    if last.text != "a":
        before = doc.quantities[n_before - 1] if n_before > 0 else None
        if (
            before is None
            or before.end != last.end
            or before.unit_class is not None
            or "." in last.text
            or last.text in _NOT_COMPOUND
        ):
            return
        whole = before.value
        del doc.quantities[n_before - 1]
    q.value = whole + float("0." + digits)


def _said_twice(toks: list[Token], first: int, last: int) -> int | None:
    """Where the number words ``toks[first:last + 1]`` are one number said twice ("five
    hundred five hundred"), the index its second saying starts at; None otherwise."""
    n = last - first + 1
    if n < 4 or n % 2:
        return None
    mid = first + n // 2
    words = [t.text for t in toks[first : last + 1]]
    if words[: n // 2] != words[n // 2 :] or not any(w in _MULTIPLIERS for w in words):
        return None
    return mid


def _word_value(word: str) -> float | None:
    """A number word's value, hyphenated ("seventy-five") or not; else None."""
    if word in terms.NUMBER_WORDS and word not in _NOT_COMPOUND:
        return float(terms.NUMBER_WORDS[word])
    return _hyphenated_number(word)


_DIGIT_WORDS = {
    w: n
    for n, w in enumerate(
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"], 1
    )
}


def _oh_digits(toks: list[Token], j: int, following: str) -> bool:
    """Whether ``toks[j]`` is the "oh" (zero) of three digits said one by one: "one oh four"."""
    return (
        toks[j].text == "oh"
        and following in _DIGIT_WORDS
        and j > 0
        and toks[j - 1].text in _DIGIT_WORDS
        and _adjacent(toks, j - 1)
    )


def _adjacent(toks: list[Token], j: int) -> bool:
    """Whether tokens j and j + 1 are one space apart: "Three, four times" are two numbers."""
    return toks[j + 1].start - toks[j].end <= 1


def _rate_follows(toks: list[Token], k: int) -> bool:
    """Whether a units word at ``k`` counts a rate after a tens word or a decimal's digits
    ("fifty three times a day": 50, three times a day; "point two five three times a day")."""
    value = _word_value(toks[k].text)
    if value is None or not 1 <= value <= 9 or k == 0:
        return False
    before = _word_value(toks[k - 1].text)
    if before is None:
        return False
    if (before < 20 or before % 10) and not _after_point(toks, k - 1):
        return False  # not "fifty three times", nor "point two five three times a day"
    nxt = [t.text for t in toks[k + 1 : k + 3]]
    return len(nxt) == 2 and nxt[0] == "times" and nxt[1] in _RATE_WORDS


_RATE_WORDS = frozenset({"a", "per", "daily", "each", "every", "weekly", "an"})


def _joins(word: str, nxt: str) -> bool:
    """Whether the number word ``nxt`` continues a number whose last word is ``word``: "twenty
    six", "five hundred", "hundred five", "seven fifty" (750: hundreds said the short way, as
    in "from five hundred to seven fifty"), "one twenty-five"; not "three four" or "twenty
    thirty", which a transcript says for a range ("three four years ago", "for twenty thirty
    minutes")."""
    if word in _NOT_COMPOUND or nxt in _NOT_COMPOUND:
        return False
    first, second = _word_value(word), _word_value(nxt)
    if first is None or second is None:
        return False
    if nxt in _MULTIPLIERS:
        return word not in _MULTIPLIERS or second > first  # "five hundred", "hundred thousand"
    if word in _MULTIPLIERS:
        return True
    if first == 0:
        return 0 < second < 10  # "zero five" of "a zero . zero five percent"
    if second == 0:
        return False
    if first >= 20:
        return first % 10 == 0 and second < 10 and "-" not in word  # "twenty six"
    # "seven fifty", "nineteen eighty", "one twenty-five"; not "three four"
    return second >= 20 and (second % 10 == 0 or "-" in nxt)


def _hundred_and_teen(word: str, value: float) -> bool:
    """Whether a teen after "one" or "two" may count hundreds said the short way ("one
    eighteen", "two ten": 118, 210), as a pressure, a rate or a weight is said."""
    return word in ("one", "two") and 10 <= value < 20


# what a vital sign said the short way comes after ("heart rate one sixteen") or before ("one
# eighteen over seventy", "one twelve beats a minute")
_VITAL_BEFORE = frozenset(
    ["rate", "pulse", "pressure", "bp", "hr", "systolic", "weight", "weighs", "sugar", "glucose"]
    + ["over"]  # a pressure's second part ("two hundred over one ten")
)
_VITAL_AFTER = frozenset(["over", "beats", "bpm", "systolic", "pounds", "lbs"])


def _teen_hundreds(toks: list[Token], j: int) -> bool:
    """Whether "one"/"two" at ``toks[j]`` and the teen after it are one vital sign's value
    ("blood pressure one eighteen over seventy four" is 118/74); elsewhere they are two
    numbers ("one ten milligram tablet", "at one fifteen")."""
    if j + 1 >= len(toks) or not _hundred_and_teen(
        toks[j].text, _word_value(toks[j + 1].text) or 0
    ):
        return False
    before = toks[j - 1].text if j > 0 else ""
    after = toks[j + 2].text if j + 2 < len(toks) else ""
    return before in _VITAL_BEFORE or after in _VITAL_AFTER


def _unit_and_a_half(toks: list[Token], i: int) -> tuple[int, str, str] | None:
    """For "half" ending "a(n)/one <unit> and a half" ("an hour and a half"): the index of the
    phrase's first token and the unit's class and name; None otherwise."""
    if toks[i].text != "half" or i < 4:
        return None
    article, unit_word, conj, a = (t.text for t in toks[i - 4 : i])
    if conj != "and" or a != "a" or article not in ("a", "an", "one"):
        return None
    if unit_word not in terms.UNITS:
        return None
    unit_class, unit = terms.UNITS[unit_word]
    return i - 4, unit_class, unit


def _out_of(toks: list[Token], i: int) -> tuple[float, int] | None:
    """For a number at ``toks[i]`` followed by "out of <number>": the total and the index of
    its last token; None otherwise."""
    if i + 3 >= len(toks) or toks[i + 1].text != "out" or toks[i + 2].text != "of":
        return None
    k = i + 3
    if toks[k].is_number:
        value = _parse_number(toks[k].text)
        return (value, k) if value is not None else None
    if _word_value(toks[k].text) is None:
        return None
    while k + 1 < len(toks) and _joins(toks[k].text, toks[k + 1].text):
        k += 1
    return _compound_number(toks, k)[0], k


def _short_hundreds(word: str, previous: str | None) -> bool:
    """Whether the tens word ``word`` after ``previous`` counts hundreds ("seven fifty")."""
    if previous is None or previous in _MULTIPLIERS or previous == "and":
        return False
    before, value = _word_value(previous), _word_value(word)
    if before is None or value is None:
        return False
    return (0 < before < 20 and 20 <= value < 100) or _hundred_and_teen(previous, value)


def _after_point(toks: list[Token], i: int) -> bool:
    """Whether the number word at ``i`` is in the run of digits said after "point" ("seven
    point two one")."""
    k = i
    while k > 0 and _word_value(toks[k].text) is not None and _adjacent(toks, k - 1):
        if toks[k - 1].text == "point":
            return True
        k -= 1
    return False


def _ends_tens_pair(toks: list[Token], i: int) -> bool:
    """Whether the units word at ``i`` ends a tens-and-units number that another tens word
    follows ("twenty four | twenty six" of a combination tablet, "forty five fifty"): two
    numbers, not hundreds said the short way ("seven fifty")."""
    if i < 1 or i + 1 >= len(toks) or not _adjacent(toks, i - 1):
        return False
    tens, units, nxt = (_word_value(toks[k].text) for k in (i - 1, i, i + 1))
    return (
        tens is not None
        and units is not None
        and nxt is not None
        and 20 <= tens < 100
        and tens % 10 == 0
        and 0 < units < 10
        and 20 <= nxt < 100
    )


def _continues_number(toks: list[Token], i: int) -> bool:
    nxt = toks[i + 1].text if i + 1 < len(toks) else ""
    after = toks[i + 2].text if i + 2 < len(toks) else ""
    if toks[i].text in _NOT_COMPOUND or not nxt or not _adjacent(toks, i):
        return False
    if _ends_tens_pair(toks, i):
        return False  # "twenty four twenty six": 24, then 26
    if _rate_follows(toks, i + 1):
        return False  # "fifty three times a day": 50, and a rate
    if _after_point(toks, i) and _word_value(nxt) is not None:
        return True  # "point two one": digits, each said
    if nxt == "oh" and toks[i].text in _DIGIT_WORDS and after in _DIGIT_WORDS:
        return _adjacent(toks, i + 1)  # "one oh four": 104, read at its last word
    return (
        _joins(toks[i].text, nxt)
        or (nxt == "and" and toks[i].text in _MULTIPLIERS and _word_value(after) is not None)
        or _teen_hundreds(toks, i)
    )


def _compound_number(toks: list[Token], last: int) -> tuple[float, int]:
    """Value and first token index of the number words ending at ``toks[last]``.

    "two thousand and two" -> 2002; "one hundred and twenty-five" -> 125; "and" joins only after
    hundred/thousand ("five and ten" is two numbers); once/twice/half/... never join a compound;
    a pause ("Three, four times") parts two numbers; a units word before tens is spoken
    hundreds ("seven fifty" -> 750); "three four" is a range, two numbers.
    """
    words = [toks[last].text]
    j = last - 1
    if toks[last].text not in _NOT_COMPOUND and not _rate_follows(toks, last):
        following = toks[last].text  # the word the next one read back must join
        while j >= 0 and _adjacent(toks, j):
            word = toks[j].text
            if _oh_digits(toks, j, following):
                # "one oh four" (a heart rate of 104), "two oh five" pounds: digits said
                words += ["oh", toks[j - 1].text]
                j -= 2
                break
            if _ends_tens_pair(toks, j):
                break  # "twenty four twenty six": the 26 ends here
            joins = word == "and" and j > 0 and toks[j - 1].text in _MULTIPLIERS
            counts = (
                _joins(word, following)
                or (_after_point(toks, j) and _word_value(word) is not None)
                or (following == toks[j + 1].text and _teen_hundreds(toks, j))
            )
            if joins or counts:
                words.append(word)
                if counts:
                    following = word
            else:
                break
            j -= 1
    if "oh" in words:
        return float(
            "".join("0" if w == "oh" else str(_DIGIT_WORDS[w]) for w in reversed(words))
        ), j + 1
    total, current = 0.0, 0.0
    previous = None
    for word in reversed(words):
        if word == "and":
            previous = word
            continue
        value = _word_value(word)
        if value is None:  # "twice", "half": a word of its own
            value = float(terms.NUMBER_WORDS[word])
        if word in _MULTIPLIERS:
            current = max(current, 1) * value
            if value >= 1000:
                total, current = total + current, 0.0
        elif _short_hundreds(word, previous) and current < 20:
            current = current * 100 + value  # "seven fifty", "nineteen ninety"
        else:
            current += value
        previous = word
    return total + current, j + 1


def _tokenize(sent: Sentence) -> tuple[list[Token], list[str], list[str]]:
    """A sentence's tokens, their words (lower-cased) and its gaps (``gaps[j]``: the text
    between token j - 1 and token j; ``gaps[0]`` is ""), from one split of the sentence.

    An ASCII sentence is split lower-cased: the pattern matches the same spans in either case
    (its letters are ``[A-Za-z]``), and every letter lies in a word, so its gaps are the same.
    """
    text, index = sent.text, sent.index
    plain = text.isascii()
    parts = _TOKEN_SPLIT.split(text.lower() if plain else text)  # gap, word, gap, ..., gap
    words = parts[1::2]
    if not plain:
        words = [word.lower() for word in words]
    keys_get, contents_get = _CONCEPT_KEYS.get, _CONTENT_WORDS.get  # the two per-word memos
    toks = []
    end = sent.span[0]
    for k, word in enumerate(words):
        start = end + len(parts[2 * k])
        end = start + len(parts[2 * k + 1])
        if word[0] == ".":
            word = words[k] = "0" + word  # "creatinine was .7"
        key = keys_get(word)  # concept_key's memo, read here first (once per token)
        if key is None:
            key = concept_key(word)
        content = contents_get(word)
        if content is None:
            content = _word_content(word)
        toks.append(Token(word, start, end, index, key, AFFIRMED, None, CURRENT, None, content))
    gaps = [""]
    gaps += parts[2:-1:2]
    return toks, words, gaps


def _triggered(
    triggers: tuple[tuple[str | None, bool, tuple[str, ...]], ...],
    matches: list[list[tuple[int, int]]],
) -> list[tuple[int, int, str | None, bool]]:
    """(start, end, label, forward) of each trigger list's matches in a sentence; [] where none
    matched (most sentences)."""
    if not any(matches[: len(triggers)]):
        return []
    return [
        (a, b, label, forward)
        for (label, forward, _), group in zip(triggers, matches, strict=False)
        for a, b in group
    ]


@analyzers.register("clinical.v1")
class Analyzer:
    """Turns text plus its sentences into an AnalyzedText. Stateless apart from lexicons."""

    def __init__(self, drugs: bool = True) -> None:
        self.use_drugs = drugs

    def __call__(self, text: str, sentences: list[Sentence]) -> AnalyzedText:
        doc = AnalyzedText(text=text, sentences=sentences)
        speakers = []
        tags: list[Token] = []  # the words of speakers' tags of several words
        sections = _section_scopes(text)
        last_part: list[str] = []  # the last body part named, for "the right one"
        speaker: str | None = None  # of the turn the sentence belongs to
        previous: list[Token] = []
        prev_tokens: list[Token] = []
        addressed = _addressed_relatives(sentences) if _YOUR_RELATIVE.search(text) else frozenset()
        tag_matches = [_speaker_match(sent.text) for sent in sentences]
        fields = _field_labels(sentences, tag_matches)
        persons: dict[str, bool] = {}  # _is_person_tag's reading of each one-word tag's name
        # each sentence's tokens and their run in doc.tokens, kept as they are made
        by_sentence: dict[int, list[Token]] = {}
        ranges: dict[int, tuple[int, int]] = {}
        for sent, match in zip(sentences, tag_matches, strict=True):
            first, index = len(doc.tokens), sent.index
            sent_tokens, words, gaps = _tokenize(sent)
            doc.tokens += sent_tokens
            if sent_tokens:
                by_sentence[index], ranges[index] = sent_tokens, (first, len(doc.tokens))
            # the polarity and scope phrase lists and the synonym phrases, in one pass
            matches = _match_groups(words, _WORD_INDEX, _SENTENCE_LISTS + 1)
            _fold_phrases(sent_tokens, words, matches[-1])
            _cancer_abbreviation(sent_tokens, words)
            if "blood" in words:  # (_blood_by_site reads nothing else)
                _blood_by_site(sent_tokens, words, doc.tokens[max(0, first - 40) : first])
            polarity = matches[: len(_POLARITY_LISTS)]
            scope = matches[len(_POLARITY_LISTS) : _SENTENCE_LISTS]
            joined = "".join(gaps)
            # where the terminators stop a scope: the last list of both (the same list)
            stops = _stops(polarity[-1], gaps, words, joined)
            name = _speaker_name(match) if match is not None else None
            if name is not None and (_not_a_speaker(name) or name in fields):
                # "S:", "Plan:", "Allergies:", "Extent:": a note's headers and fields, not turns
                match = name = None
            self._polarity(sent_tokens, words, gaps, polarity, stops, joined)
            if match is not None and _is_person_tag(match, name, persons):
                _tag_outside_scope(sent_tokens, sent.span[0] + match.end())
            self._scope(
                sent_tokens, words, gaps, sections, scope, addressed, speaker, stops, joined
            )
            n_quantities = len(doc.quantities)
            if _may_hold_quantity(sent.text, words):
                self._quantities(doc, sent_tokens, first)
            _join_spoken_point(doc, prev_tokens, sent_tokens, n_quantities)
            prev_tokens = sent_tokens
            self._sides(doc, sent_tokens, words, last_part)
            if not _SCALE_WORDS.keys().isdisjoint(words):  # most sentences hold no scale word
                self._scales(doc, sent_tokens, first)
            speakers.append(name)
            if match is not None:
                speaker, previous = name, []
                if match.group(2):
                    # "Hospice nurse:": a tag of several words states nothing of its own
                    tags += [t for t in sent_tokens if t.start < sent.span[0] + match.end()]
            if speaker == "patient" and _continues_relative(sent_tokens, previous, match):
                # "My mum. She had bipolar.": the patient's "she" is the relative just named
                for tok in sent_tokens:
                    tok.scope = FAMILY
            elif speaker is not None and is_relative(speaker):
                # "Mother: I had epilepsy as a girl": a relative who speaks tells of her own
                for j in _own_condition(words):
                    sent_tokens[j].scope = FAMILY
            previous = sent_tokens
        doc.__dict__["_sentence_ranges"] = ranges  # the cached property's value, read above
        _unit_said_after(doc)
        _spoken_pressures(doc)
        _unit_of_current_dose(doc)
        _score_asked(doc)
        _unit_asked(doc)
        _retracted_values(doc)
        _reported_questions(doc)
        _denied_unlike_now(doc)
        doc.is_dialogue = len(speakers) - speakers.count(None) >= 2
        if doc.is_dialogue and doc.quantities:
            _corrected_by_another(doc)
        if doc.is_dialogue:
            self._dialogue_polarity(doc, speakers, by_sentence)
        for tok in tags:
            tok.polarity = ASKED
        if self.use_drugs:
            doc.drugs = default_lexicon().find(text)
            by_colour = inhalers_by_colour(text)
            if by_colour:
                doc.drugs = sorted([*doc.drugs, *by_colour], key=lambda d: d.start)
        return doc

    @staticmethod
    def _polarity(
        toks: list[Token],
        words: list[str],
        gaps: list[str],
        matches: list[list[tuple[int, int]]],
        stops: set[int],
        joined: str,
    ) -> None:
        """Negated, uncertain and asked words from the sentence's triggers (``matches``: where
        each of :data:`_POLARITY_LISTS` occurs; ``stops``: :func:`_stops` of its terminators,
        left as they are; ``joined``: the gaps joined)."""
        found = _triggered(_POLARITY_TRIGGERS, matches)
        queried = "?" in joined  # a "?" between words (few sentences have one)
        # each word's own cues below: a "?" before it, a word of _WORD_CUES or a "non-" word
        cued = queried or not _WORD_CUES.isdisjoint(words) or "non-" in "".join(words)
        if not found and not cued:
            return  # no trigger and no word's own cue (most sentences): nothing is marked
        # "She has no appetite and vomited once": an event told after "and" is a new clause
        if "and" in words:
            stops = stops | {
                j
                for j in range(1, len(words))
                if words[j - 1] == "and" and words[j] in _EVENT_VERBS
            }
        # what a trigger's forward scope stops at (read where there is a trigger)
        ahead = stops | _breaks_ahead(gaps, words, joined) if found else stops
        colons = (
            {j for j, gap in enumerate(gaps) if ":" in gap} if found and ":" in joined else set()
        )
        for start, end, kind, forward in _longest(found):
            if kind is None:
                if " ".join(words[start:end]) in _TAKE_BACKS:
                    _retract(toks, gaps, start, stops)
                continue  # a pseudo-negation: "no change in", "not only"
            if end - start == 1 and words[start] in _ANSWER_WORDS and _answers(start, gaps, words):
                continue  # "No, I had a hysterectomy": an answer, not a negation of what follows
            if (
                words[start] == "no"
                and end < len(toks)
                and toks[end].is_number
                and gaps[end].strip() == "."
            ):
                continue  # "Tylenol No. 3": a number's name, not a negation
            if words[start] == "may" and end - start == 1 and _month_may(toks, start):
                continue  # "on 12 May: swelling of the lips": the month, not a hedge
            if words[start] == "not" and _on_which_days(words, end):
                continue  # "folic acid weekly, not on methotrexate day": when, not whether
            if words[start] == "never" and _NEVER_THIS_GOOD.match(" ".join(words[end : end + 9])):
                continue  # "she has never seen my blood pressure this good": praise, no denial
            if (
                kind == UNCERTAIN
                and words[start] in ("vs", "versus")
                and start > 0
                and end < len(toks)
                and (toks[start - 1].is_number or toks[end].is_number)
            ):
                continue  # "Bloods 18/11 vs 20/05", "HbA1c 49 vs 58": values compared
            if words[start] == "vs" and end < len(toks) and ":" in gaps[end]:
                continue  # "VS: afebrile, HR 80": the vital signs' label, no differential
            if forward and kind == UNCERTAIN and words[start] in ("vs", "versus"):
                # "(cyst vs more serious pathology)": a differential hedges both sides
                for j in range(start - 1, max(-1, start - 4), -1):
                    if j + 1 in ahead or _CLAUSE_GAP.search(gaps[j + 1]):
                        break
                    if toks[j].polarity == AFFIRMED:
                        toks[j].polarity, toks[j].trigger = UNCERTAIN, toks[start].start
            if (
                forward
                and words[end - 1] == "negative"
                and (
                    end == len(toks)
                    or _CLAUSE_GAP.search(gaps[end])
                    # "skin tests negative and oral challenge tolerated": the next clause's own
                    or (words[end] in _NEXT_CLAUSE and end - start == 1)
                )
            ):
                # "ketones negative, basic metabolic panel ...", "leukocyte esterase and
                # nitrite negative.": a result said of the words before it, up to a clause break;
                # a test's ("urine dipstick negative", "HIV screen negative") is the test's
                reach = []
                for j in range(start - 1, max(-1, start - 6), -1):
                    if j + 1 in stops or _CLAUSE_GAP.search(gaps[j + 1]):
                        break
                    reach.append(j)
                if (
                    reach
                    and words[start - 1] not in _QUANTIFIERS
                    and not any(words[j] in _RESULT_TESTS for j in reach)
                ):
                    for j in reach:
                        toks[j].polarity, toks[j].trigger = NEGATED, toks[start].start
                continue
            if forward and start > 0 and words[start] == "negative" and gaps[start] == "-":
                continue  # "HER2-negative breast cancer": a kind of the cancer, not its denial
            if (
                forward
                and kind == NEGATED
                and end - start == 1
                and words[start] in ("no", "nope")
                and start > 0
                and words[start - 1] not in ("or", "and", "yes")  # "is that normal or no"
                and not _CLAUSE_GAP.search(gaps[start])
                and (end == len(toks) or _CLAUSE_GAP.search(gaps[end]))
            ):
                # "no fainting. dizzy no": a spoken answer after the finding it denies
                for j in range(start - 1, max(-1, start - _TRAILING_ANSWER - 1), -1):
                    if toks[j].text in _ANSWER_WORDS or toks[j].polarity != AFFIRMED:
                        break
                    toks[j].polarity, toks[j].trigger = NEGATED, toks[start].start
                    if _CLAUSE_GAP.search(gaps[j]):
                        break
                continue
            if forward:
                reach = _forward_scope(toks, end, gaps, ahead, colons)
                if kind == NEGATED:
                    reach = _past_change_word(reach, words, gaps)
                    reach = _speech_formula(reach, words, gaps)
                elif kind == UNCERTAIN:
                    # "I think this is a flare up of your COPD": the patient's own condition,
                    # named with a possessive, is known; the hedge is of what it is doing now
                    reach = [
                        j
                        for j in reach
                        if not _owned(toks, j)
                        and not _definite_subject(words, gaps, (start, end), j)
                    ]
                for j in reach:
                    if toks[j].polarity == AFFIRMED or kind == NEGATED:
                        toks[j].polarity = kind
                        toks[j].trigger = toks[start].start
            else:
                if (
                    start > 0
                    and _CLAUSE_GAP.search(gaps[start])
                    and end < len(toks)
                    and not _CLAUSE_GAP.search(gaps[end])
                ):
                    continue  # "AF in 2019, none since": a clause of its own, not "AF: none"
                if any(words[j] in _ACTION_VERBS for j in range(max(0, start - 5), start)):
                    continue  # "Stop aspirin is not required": the stopping is denied
                ahead_reach = (
                    _forward_scope(toks, start + 1, gaps, ahead, colons)
                    if words[start] in ("not", "never")
                    and end < len(toks)
                    and not _AFTER_CLAUSE.search(gaps[end])
                    and words[end - 1] not in _NOT_FORWARD
                    and words[end] not in _REASONS
                    and not _passive_subject(words, start)
                    else []
                )
                if (
                    ahead_reach
                    and ahead_reach[-1] >= end
                    and not _for_a_person(words, end, ahead_reach[-1])
                ):
                    # "was not prescribed any medications": the "not" denies what follows; a
                    # reach that ends in the trigger ("not started because of ...") has no
                    # object ahead, and the denial is of what comes before
                    for j in ahead_reach:
                        toks[j].polarity = kind
                        toks[j].trigger = toks[start].start
                    continue
                back = []
                for j in range(start - 1, max(-1, start - 6), -1):
                    if j + 1 in stops:  # j is in an earlier clause
                        break
                    if "," in gaps[j + 1] and _instructs(words, gaps, j):
                        break  # "continue denosumab for bone, dexamethasone not needed"
                    back.append(j)
                purpose = next((j for j in back if words[j] == "for"), None)
                if kind == NEGATED and purpose is not None and purpose > 0:
                    # "diazepam for daytime anxiety - not prescribed": the treatment is denied,
                    # not what it is for
                    back = [
                        j
                        for j in range(purpose - 1, max(-1, purpose - _TREATMENT_REACH - 1), -1)
                        if not any(k + 1 in stops for k in range(j, purpose))
                    ]
                for j in back:
                    if toks[j].polarity == AFFIRMED or kind == NEGATED:
                        toks[j].polarity = kind
                        toks[j].trigger = toks[end - 1].start
        for i, w in enumerate(words) if cued else ():
            if queried and gaps[i].endswith("?") and (len(gaps[i]) == 1 or gaps[i][-2] in " (/,;"):
                # "?bipolar spectrum", "(?PE)", "?R hip fracture": a query written before a
                # short noun phrase, to the end of its clause or a joining word
                for j in range(i, min(i + _QUERY_REACH, len(toks))):
                    if j > i and (_OPENS_CLAUSE.search(gaps[j]) or words[j] in _QUERY_ENDS):
                        break
                    if toks[j].polarity == AFFIRMED:
                        toks[j].polarity = UNCERTAIN
                        toks[j].trigger = toks[i].start - 1
            if w in _CLAUSE_OPENING_NEGATIONS and (i == 0 or _OPENS_CLAUSE.search(gaps[i])):
                # "Absent breath sounds L", "Nil murmurs": a clause that opens with the word
                for j in range(i + 1, min(i + 4, len(toks))):
                    if j in stops or _OPENS_CLAUSE.search(gaps[j]):
                        break
                    toks[j].polarity = NEGATED
                    toks[j].trigger = toks[i].start
            if (
                w in _DENYING_VALUES
                and i > 0
                and (":" in gaps[i] or _field_after_separator(gaps, i, len(toks)))
                and (i + 1 == len(toks) or _OPENS_CLAUSE.search(gaps[i + 1]))
            ):
                # "Smoking: never.", "Alcohol: none", "Alcohol use, denies.", "Drugs - nil.": a
                # field whose value, closing its clause, denies its label
                for j in range(i - 1, max(-1, i - 4), -1):
                    if toks[j].polarity == AFFIRMED:
                        toks[j].polarity, toks[j].trigger = NEGATED, toks[i].start
                    if _OPENS_CLAUSE.search(gaps[j]) or j == 0:
                        break
            if w == "window" and i > 1 and "outside" in words[max(0, i - 5) : i - 1]:
                # "outside the thrombolysis window": too late for the treatment named in it
                at = max(k for k in range(max(0, i - 5), i - 1) if words[k] == "outside")
                for j in range(at + 1, i):
                    if words[j] not in ("the", "of", "a"):
                        toks[j].polarity, toks[j].trigger = NEGATED, toks[at].start
            if w == "free" and _free_of_previous(words, gaps, i):
                # "pain free now", "seizure free for a year": the word before is absent
                toks[i - 1].polarity, toks[i - 1].trigger = NEGATED, toks[i].start
            if w.startswith("non-") and "-".join(w.split("-")[:2]) not in terms.NON_NAMES:
                # "non-tender", "non-healing wound": the word itself only ("non-HDL" is a name)
                toks[i].polarity = NEGATED
                toks[i].trigger = toks[i].start

    @staticmethod
    def _scope(
        toks: list[Token],
        words: list[str],
        gaps: list[str],
        sections: list[tuple[int, int, str]],
        matches: list[list[tuple[int, int]]],
        addressed: frozenset[str],
        turn: str | None,
        stops: set[int],
        joined: str,
    ) -> None:
        """History, family and hypothetical scope from the section and the sentence's triggers
        (``matches``: where each of :data:`_SCOPE_LISTS` occurs; ``addressed``: the patient as
        the relatives who speak in the dialogue name her, "your mum" to a daughter; ``turn``:
        the speaker of the turn the sentence goes on; ``stops``: :func:`_stops` of the
        terminators; ``joined``: the gaps joined)."""
        if not toks:
            return
        base = _section_at(sections, toks[0].start) if sections else CURRENT
        if base == FAMILY and _match_phrases(words[:2], terms.PERSONAL_SUBJECTS):
            base = CURRENT  # "Family history: ... Patient has had no cancers." ends the section
            for k, (start, end, scope) in enumerate(sections):
                if start <= toks[0].start < end:
                    sections[k] = (start, toks[0].start, scope)
        if base != CURRENT:  # a token is made current, and nothing before this sets a scope
            for tok in toks:
                tok.scope = base
        history_stops = stops | {a for a, _ in matches[-2]} if matches[-2] else stops

        def mark(start: int, end: int, scope: str, forward: bool, window: int) -> None:
            limits = history_stops if scope == HISTORY else stops
            rng = (
                range(end, min(end + window, len(toks)))
                if forward
                else range(start - 1, max(-1, start - window), -1)
            )
            for j in rng:
                if j in limits or (not forward and j + 1 in limits):
                    break
                if _SCOPE_RANK[scope] > _SCOPE_RANK[toks[j].scope]:
                    toks[j].scope = scope

        found = _triggered(_SCOPE_TRIGGERS, matches)
        for start, end, scope, forward in _longest(found):
            if scope is not None:
                mark(start, end, scope, forward, _SCOPE_WINDOW)
            if scope == HYPOTHETICAL and forward:
                # "call if he has fevers over 101.4, chills, nausea or vomiting, continuing
                # diarrhea or redness": a condition reaches every item of its list
                for j in _forward_scope(toks, end, gaps, stops, set()):
                    _widen(toks[j], HYPOTHETICAL)
        opener = _conditional_opener(words, gaps)
        if opener is not None:
            # "If you get numbness ... or trouble opening your bowels, go to A&E": a sentence
            # that opens with a condition is a condition and what follows from it, however long
            mark(opener, opener + 1, HYPOTHETICAL, True, len(toks))
        _mark_risk_list(toks, words)
        n = len(_SCOPE_TRIGGERS)  # the possibility lists follow the scope triggers
        if matches[n] or matches[n + 1]:  # most sentences name no possibility
            possible_stops = stops | {a for a, _ in matches[n + 2]}
            _mark_possible(toks, words, gaps, possible_stops, matches[n : n + 2])
        escalation = _escalation_after(words, gaps, joined)
        if escalation is not None:
            # "floppy, hard to wake or any blood -> 999": the signs that call for help
            for j in range(escalation - 1, -1, -1):
                if _SCOPE_RANK[HYPOTHETICAL] > _SCOPE_RANK[toks[j].scope]:
                    toks[j].scope = HYPOTHETICAL
                if j in stops:
                    break
        if not _may_name_relative(words):
            return  # the rest reads relatives (most sentences name none)
        family_stops = _stops(matches[-1], gaps, words, joined)
        # the turn's speaker ("Daughter: ..."), whose relatives' names may name the patient
        # or of the turn it goes on ("Daughter: ... No wait, that was my dad. Mum's is ...")
        speaker = words[0] if len(words) > 1 and ":" in gaps[1] else turn
        for i, w in enumerate(words):
            if w not in _RELATIVE_WORDS and "'" not in w and "\u2019" not in w and "-" not in w:
                continue  # no relative, nor "relative(s)" (is_relative and _by_degree say no)
            if not is_relative(w) and not _by_degree(words, i):
                continue
            after_word = gaps[i + 1] if i + 1 < len(toks) else ""
            if ":" in after_word or "]" in after_word:
                continue  # "Guest_family: He was cooking": a speaker, not a relative's condition
            if "by" in words[max(0, i - 2) : i]:
                continue  # "brought in by her daughter with two days of confusion": a companion
            if {"pregnant", "expecting"} & set(words[max(0, i - 5) : i]):
                continue  # "pregnant with her second child, attends with ...": the pregnancy
            if speaker is not None and w.removesuffix("'s") in _PATIENT_AS_SEEN_BY.get(speaker, ()):
                continue  # "Daughter: Mum's allergic to ibuprofen": her mum is the patient
            if i > 0 and words[i - 1] == "your" and w.removesuffix("'s") in addressed:
                continue  # "Doctor: Your mum's been confused" to the daughter: the patient
            if _birth_of_child(words, i):
                continue  # "my daughter was born by section": the speaker's own delivery
            verb = None
            for j in range(i + 1, min(i + 6, len(toks))):
                if j in family_stops or _other_subject(w, words[j]):
                    break  # "with her and her husband she is DNR": the verb is the patient's
                if words[j] in terms.RELATIVE_VERBS:
                    verb = j
                    break
            if w.endswith("'s") or verb is not None:
                toks[i].scope = FAMILY
                after = i + 1 if verb is None else verb + 1
                for j in range(i + 1, min(after + _FAMILY_WINDOW, len(toks))):
                    if j in family_stops or (
                        j > after and (_other_subject(w, words[j]) or words[j] in _SPEAKER_SELF)
                    ):
                        # "Her son has asthma and she has eczema": hers again; "my husband has
                        # been hauling corn and it is making my allergies worse": the speaker's
                        break
                    toks[j].scope = FAMILY
            elif i > 0 and {"in", "of"} & set(words[max(0, i - 3) : i]) and is_relative(w):
                # "diabetes in mother", "colon cancer in a paternal uncle"
                at = max(j for j in range(max(0, i - 3), i) if words[j] in ("in", "of"))
                mark(at, at, FAMILY, False, 7)

    @staticmethod
    def _dialogue_polarity(
        doc: AnalyzedText, speakers: list[str | None], by_sentence: dict[int, list[Token]]
    ) -> None:
        """A question and the next speaker's answer are one statement.

        Only the question that ends a turn is answered; earlier questions of the turn stay
        asked, so a "No" is never given to a question it may not answer. A bare "No" negates
        what was asked and "Yes" affirms it; the question's words are attributed to whoever
        answered. Sides asked as alternatives ("left or right?") or denied are not mentions;
        the answer's side is ("Is it the left? - No, the other one." names the right).
        ``by_sentence``: each sentence's tokens, by its index."""
        sents = doc.sentences
        turns: list[tuple[str | None, list[int]]] = []
        for i, spk in enumerate(speakers):
            if spk is not None or not turns:
                turns.append((spk, [i]))
            else:
                turns[-1][1].append(i)
        for spk, idxs in turns:
            for i in idxs:
                for tok in by_sentence.get(sents[i].index, []):
                    tok.speaker = spk
        drop: set[int] = set()  # sentences whose side mentions were only asked about
        # a transcript with no question marks at all: a turn that opens like a question is one
        unmarked = "?" not in doc.text
        # whether each sentence asks, read once (the steps below ask it of a sentence again)
        asks = [_is_question(s.text, len(by_sentence.get(s.index, []))) for s in sents]
        for t, (spk, idxs) in enumerate(turns):
            reply_turn = turns[t + 1] if t + 1 < len(turns) else None
            if reply_turn is not None and reply_turn[0] in (None, spk):
                reply_turn = None
            if reply_turn is not None and t + 3 < len(turns):
                reply_turn = _delayed_answer(sents, turns, t) or reply_turn
            reply = (
                # "i have n't": a transcript's split clitic joined, so it reads as a no
                _untagged(sents[reply_turn[1][0]].text).strip().lower().replace(" n't", "n't")
                if reply_turn
                else None
            )
            if reply is not None:
                # "Oh, no. Is that bad?": dismay at what was said, no answer to it
                reply = "" if _DISMAY.match(reply) else _FILLERS.sub("", reply)
                # "Actually, yes, I keep seeing flashes": the answer after the fillers
            if reply is not None and reply_turn is not None and len(reply_turn[1]) > 1:
                # "No. Well... actually, yes, on Tuesday": the answer the speaker settles on
                reply = _corrected(reply, [sents[k].text for k in reply_turn[1][1:3]])
            if (
                reply is not None
                and reply_turn is not None
                and t + 2 < len(turns)
                and sents[idxs[-1]].text.rstrip().endswith("?")
                and not sents[reply_turn[1][-1]].text.rstrip().endswith("?")
            ):
                # "Did he bite his tongue? - Patient: I don't think so. - Wife: He did, ...":
                # a witness who answers after the patient settles it
                witness = turns[t + 2]
                if witness[0] not in (None, spk, reply_turn[0]):
                    said = _untagged(sents[witness[1][0]].text).strip().lower()
                    first = re.split(r"[,.;!]", said, maxsplit=1)[0].strip()
                    if len(first.split()) <= 5 and (
                        _POSITIVE.match(first) or _NEGATIVE.match(first)
                    ):
                        reply = first + "."
                    elif _echoes_as_fact(first, sents[idxs[-1]].text):
                        # "Did you black out? - I don't think so. - Wife: He was out.": the
                        # witness states as fact what was asked, in its words
                        reply = "yes."
            # "Do you drink? Excessive drinking can hurt the liver. - No, I do not.": the answer
            # is to the turn's last question, not to what it said after it
            target = next(
                (k for k in reversed(idxs) if asks[k] or _or_goes_on(sents, idxs, k, by_sentence)),
                idxs[-1],
            )
            for i in idxs:
                sent = sents[i]
                toks = by_sentence.get(sent.index, [])
                is_question = (
                    asks[i]
                    or (unmarked and _opens_question(toks))
                    or _or_goes_on(sents, idxs, i, by_sentence)
                )
                answered = reply is not None and (
                    i == target or _followed_by_fragment(sents, idxs, i, target, by_sentence)
                )
                if not is_question:
                    # A turn that ends without "?" but draws a one-word "no" was a question too
                    # ("[doctor] blood in your stool . [patient] no ."): its words are denied,
                    # unless the turn asked a question before ("Any bone pain? I want to check
                    # on your osteoporosis. - No.": the "no" answers the question).
                    if (
                        answered
                        and (len(reply.split()) <= 3 or _asks(toks) or _names_only(toks))
                        and _is_bare_no(reply)
                        and not any(asks[k] for k in idxs[:-1])
                    ):
                        # what the turn asks about: after its last "any" ("how's the lupus, any
                        # joint pain, rashes - no": the rashes are denied, not the lupus)
                        cue = max((j for j, t in enumerate(toks) if t.text in _ASKING), default=-1)
                        asked = toks[max(cue + 1, len(toks) - _SCOPE_WINDOW) :]
                        if cue > 0 and not any(t.text not in _BACK_REFERENCE for t in asked):
                            # "lung infections or pneumonia do you have any previous history
                            # of that - no": what "that" points back to is denied
                            opening = next(
                                (j for j in range(cue - 1, 0, -1) if toks[j].text == "do"), cue
                            )
                            asked = toks[max(0, opening - _SCOPE_WINDOW) : opening]
                        for k, tok in enumerate(asked):
                            # "any numbness with the headaches - no": the headaches are given
                            if not given_circumstance(asked, k):
                                tok.polarity = NEGATED
                    elif answered and _CONFIRM_TAG.search(sent.text) and _POSITIVE.match(reply):
                        # "i think you've got an allergy to penicillin is that correct - that's
                        # correct yes": the hedge the answer confirms is a fact
                        for tok in toks:
                            if tok.polarity == UNCERTAIN:
                                tok.polarity = AFFIRMED
                    continue
                polarity = ASKED
                fine = False  # "Any shortness of breath? - She is breathing fine."
                # Only a bare yes/no answers the question; a longer answer speaks for itself.
                if answered and reply is not None and _is_bare_no(reply):
                    polarity = NEGATED
                elif answered and (
                    len(reply.split()) <= 5 or _BARE_ANSWER.match(reply) or _yes_clause(reply)
                ):
                    # (no bare no: the test above said so of this reply)
                    if _says_yes(reply) and not (
                        len(reply_turn[1]) > 1 and _item_by_item(sent.text, reply)
                    ):
                        polarity = AFFIRMED
                    elif _fine_state(reply) and _asks_of_a_problem(toks):
                        polarity = NEGATED
                        fine = True
                alternative = " or " in sent.text.lower() and polarity != NEGATED
                if (alternative or polarity != AFFIRMED) and not (
                    polarity == ASKED and answered and _ASKS_OF_SIDE.match(sent.text)
                ):
                    drop.add(sent.index)
                # "Any change in your bowels? - No.", "Do these headaches change with the
                # position? - No.": the no denies the change, not the bowels or headaches
                # (read only where the no is: a change matters to nothing else)
                changed = polarity == NEGATED and any(t.text in _CHANGE_WORDS for t in toks)
                # "Drinking or smoking? - No, I never smoked; I take two drinks a day."
                said = (
                    {t.stem for t in by_sentence.get(sents[reply_turn[1][0]].index, [])}
                    if answered and reply_turn is not None and polarity == NEGATED and not fine
                    else set()
                )
                # "How is your appetite, are you having a proper diet? - No.": the no answers
                # the yes/no question, not the open one before it
                opened = _yes_no_after_open(toks) if polarity in (NEGATED, AFFIRMED) else 0
                named = _NAMED_NO.match(reply) if said and reply is not None else None
                if (
                    named is not None
                    and reply_turn is not None
                    and concept_key(named.group(1)) in {t.stem for t in toks}
                    and _BUT_THE_REST.search(
                        " ".join([reply] + [sents[k].text for k in reply_turn[1][1:2]]),
                        named.end(),
                    )
                ):
                    # "Any weight loss or night sweats? - No weight loss. I do wake up drenched":
                    # the no names what it denies and sets the rest against it, unanswered by it
                    polarity = ASKED
                elif named is not None and reply_turn is not None:
                    asking = [by_sentence.get(sents[k].index, []) for k in idxs]
                    following = [sents[k].text for k in reply_turn[1][1:2]]
                    if _denies_only_named(named, toks, asking, following):
                        polarity = ASKED
                # "Any hypos where you needed help? - No, never needed help.": the no denies
                # the kind the question narrows to, which the answer repeats, not every one
                narrowed = _narrowed_to(toks, said) if said else 0
                for n, tok in enumerate(toks):
                    if answered:
                        tok.speaker = reply_turn[0]
                    if (
                        (polarity == NEGATED and (changed or tok.stem in said))
                        or n < opened
                        or n < narrowed
                    ):
                        tok.polarity = ASKED
                        continue
                    if tok.polarity == NEGATED:
                        # "No nausea?" "No." confirms the denial; "Yes" leaves it unclear.
                        tok.polarity = NEGATED if polarity == NEGATED else ASKED
                    else:
                        tok.polarity = ASKED if alternative else polarity
                if (
                    answered
                    and not alternative
                    and len(toks) <= _POINTING_WORDS
                    and _POINTS_BACK.search(sent.text)
                ):
                    # "Some people have thoughts of ending their life. Have you had thoughts
                    # like that? - No.": the statement the question points back to is asked too
                    at = idxs.index(i)
                    before = sents[idxs[at - 1]] if at > 0 else None
                    if before is not None and not before.text.rstrip().endswith("?"):
                        for tok in by_sentence.get(before.index, []):
                            if reply_turn is not None:
                                tok.speaker = reply_turn[0]
                            if polarity != AFFIRMED or tok.polarity != NEGATED:
                                tok.polarity = polarity
                if (
                    answered
                    and polarity == NEGATED
                    and _closes_list(toks, _speaker_match(sent.text) is not None)
                ):
                    # "[doctor] blood in your stool . weight loss . anything like that ? - no":
                    # the closing question asks of the items the turn named before it
                    at = idxs.index(i)
                    for k in reversed(idxs[:at]):
                        named = by_sentence.get(sents[k].index, [])
                        tagged = _speaker_match(sents[k].text) is not None
                        if asks[k] or not _names_only(named, tagged):
                            break
                        for tok in named:
                            if tok.polarity == AFFIRMED:
                                tok.polarity = NEGATED
                if polarity in (NEGATED, AFFIRMED):
                    # "Does the pain go down your legs? - No.": the answer is about where it
                    # goes; the pain itself is taken as given
                    for tok in _presupposed(toks, _speaker_match(sent.text) is not None):
                        tok.polarity = AFFIRMED
                    for k, tok in enumerate(toks):
                        if tok.polarity == NEGATED and given_circumstance(toks, k):
                            tok.polarity = AFFIRMED  # "Any numbness with the headaches? - No."
                if answered and reply_turn is not None:
                    reply_index = sents[reply_turn[1][0]].index
                    reply_toks = by_sentence.get(reply_index, [])
                    if _SIDE_CORRECTION.search(sents[reply_turn[1][0]].text):
                        # "The left... no, wait. The right.": the side the answer settles on
                        for k in reply_turn[1][1:3]:
                            reply_toks = reply_toks + by_sentence.get(sents[k].index, [])
                    _answer_side(doc, toks, reply_toks, polarity)
        if drop:
            doc.sides = [m for m in doc.sides if m.sentence not in drop]
        _late_corrections(doc, by_sentence)
        _side_corrections(doc, by_sentence)
        _given_to_relative(doc, by_sentence)

    @staticmethod
    def _quantities(doc: AnalyzedText, toks: list[Token], offset: int) -> None:
        skip_to = -1  # the last token of a score's total, read with its score
        for i, tok in enumerate(toks):
            if i <= skip_to:
                continue
            word = tok.text
            # "within the hour", "three-hour": only an article or a hyphenated word is read
            one = (_one_time_unit(toks, i) if word in _ARTICLES else None) or (
                _number_and_time_unit(word) if "-" in word else None
            )
            if one is not None:  # "within the hour", "the three-hour troponin": 1 h, 3 h
                value, unit, last = one
                doc.quantities.append(
                    Quantity(
                        value, "time", unit, tok.start, toks[i + last].end, tok.sentence, offset + i
                    )
                )
                skip_to = i + last
                continue
            if not (word[0].isdigit() or word in terms.NUMBER_WORDS or "-" in word):
                continue  # no digit, number word ("half" too) or hyphen: no number (most words)
            unit_and_half = _unit_and_a_half(toks, i)
            if unit_and_half is not None:
                # "an hour and a half": 1.5 h; "a" of "an hour" was never read as a number
                first, unit_class, unit = unit_and_half
                while doc.quantities and doc.quantities[-1].start >= toks[first].start:
                    doc.quantities.pop()
                doc.quantities.append(
                    Quantity(
                        1.5, unit_class, unit, toks[first].start, tok.end, tok.sentence, offset + i
                    )
                )
                continue
            hyphenated = _hyphenated_number(word)  # "seventy-five"
            hundreds = None
            if hyphenated is None and not (i > 0 and toks[i - 1].text in _CLOCK_BEFORE):
                hundreds = hyphenated = _spoken_hundreds(word)  # "one-twenty", "one-oh-five"
            if not (tok.is_number or word in terms.NUMBER_WORDS or hyphenated is not None):
                continue
            if (
                i > 0
                and toks[i - 1].text in terms.UNITS
                and doc.text[toks[i - 1].end : tok.start].strip() == "/"
            ):
                continue  # "120 mg/5 mL": a strength's denominator, not an amount
            second = None
            unit_class = unit = None
            if tok.is_number and "/" in word:
                head, _, tail = word.partition("/")
                value, second = _parse_number(head), _parse_number(tail)
                if (
                    second in _WEEKS_DAYS
                    and value is not None
                    and 0 < value <= min(second, 42)
                    and not (  # 6/12 is also a visual acuity
                        (second, value) == (12.0, 6.0)
                        and _ACUITY_BEFORE.search(doc.text, max(0, tok.start - 20), tok.start)
                    )
                ):
                    # "8/52", "3/7": weeks and days the British way
                    unit_class, unit = "time", _WEEKS_DAYS[second]
                    second = None
            elif hyphenated is not None:
                value = hyphenated
            else:
                value = _parse_number(word)
            if value is None:
                continue
            spelled = not tok.is_number
            if spelled and _continues_number(toks, i):
                continue  # "twenty" of "twenty six": the compound is read at its last word
            first = i
            if spelled and hundreds is None:
                value, first = _compound_number(toks, i)
                half = _said_twice(toks, first, i)
                if half is not None:
                    # "five hundred five hundred milligrams": a transcript's repetition
                    value, first = _compound_number(toks[half : i + 1], i - half)
                    first += half
            spoken = _spoken_fraction(toks, first, i)
            if spoken is not None:
                # "zero point four milligrams", "3 and a half pounds": one number; the whole
                # part, read before as a number of its own, is dropped
                value, first = spoken
                while doc.quantities and doc.quantities[-1].start >= toks[first].start:
                    doc.quantities.pop()
            end = tok.end
            if (
                i + 1 < len(toks)
                and unit is None
                and not _CLAUSE_END.search(doc.text, tok.end, toks[i + 1].start)
            ):
                nxt = toks[i + 1].text
                pair = nxt + (" " + toks[i + 2].text if i + 2 < len(toks) else "")
                for cand in (pair, nxt):
                    if cand in terms.UNITS:
                        unit_class, unit = terms.UNITS[cand]
                        end = toks[i + 1 + cand.count(" ")].end
                        break
                if unit is None and nxt == "h" and _hours_after(doc.text, tok):
                    unit_class, unit, end = "time", "h", toks[i + 1].end  # "48 h", "24h"
                if (
                    unit is None
                    and nxt in _MORE_WORDS
                    and i + 2 < len(toks)
                    and toks[i + 2].text in terms.UNITS
                    and not _CLAUSE_END.search(doc.text, toks[i + 1].end, toks[i + 2].start)
                ):
                    # "20 more pounds", "2 extra tablets": the unit after the word for more
                    unit_class, unit = terms.UNITS[toks[i + 2].text]
                    end = toks[i + 2].end
                article = word == "half" and nxt in ("a", "an") and i + 2 < len(toks)
                if article and toks[i + 2].text in terms.UNITS:
                    # "half an hour", "half a day": the unit after the article
                    unit_class, unit = terms.UNITS[toks[i + 2].text]
                    end = toks[i + 2].end
                if nxt in ("year", "years") and i + 2 < len(toks) and toks[i + 2].text == "old":
                    unit_class, unit, end = "age", "yr", toks[i + 2].end
            total = _out_of(toks, i) if second is None and unit is None else None
            if total is not None:
                # "26 out of 30", "pain zero out of 10": a score, the same as "26/30"
                second, skip_to = total
                end = toks[skip_to].end
                low = doc.quantities[-1] if doc.quantities and first >= 2 else None
                if (
                    low is not None
                    and toks[first - 1].text in ("to", "through", "-")
                    and low.end == toks[first - 2].end
                    and low.unit_class is None
                    and low.second is None
                    and low.value < value
                ):
                    low.second, low.unit_class = second, "ratio"  # "two through seven out of 10"
            if second is not None and unit_class is None:
                unit_class = "ratio"
            if unit == "wk" and _GESTATION_DAYS.match(doc.text, max(0, toks[first].start - 4)):
                unit = "d"  # "22+3/40", "30+4 weeks": the weeks, then the days of gestation
                weeks = doc.quantities[-1] if doc.quantities else None
                if weeks is not None and weeks.unit is None and toks[first].start - weeks.end <= 2:
                    weeks.unit_class, weeks.unit = "time", "wk"
            start = toks[first].start
            whole = _whole_before(doc, start, value, second, unit)
            if whole is not None:  # "2-1/2 weeks": two and a half weeks, not half a week
                doc.quantities.pop()
                value, second, start = whole.value + value / (second or 1), None, whole.start
            doc.quantities.append(
                Quantity(
                    value,
                    unit_class,
                    unit,
                    start,
                    end,
                    tok.sentence,
                    offset + i,
                    second,
                )
            )

    @staticmethod
    def _sides(
        doc: AnalyzedText, toks: list[Token], words: list[str], last_part: list[tuple[str, int]]
    ) -> None:
        """A side word and the body part within three words after it ("left knee"); "the right
        one" (or "the left side", not "side of ...") names the part named just before
        (``last_part``: the last part named, and its sentence; ``words``: the tokens' texts)."""
        part_keys = _PART_KEYS.get  # _part_key's memo, read here first (once per token)
        if terms.LATERALITY.keys().isdisjoint(words):
            # no side word (most sentences): only the last part the sentence names is kept
            for word in reversed(words):
                part = part_keys(word)
                if part is None:
                    part = _part_key(word)
                if part:
                    last_part[:] = [(part, toks[0].sentence)]  # (one sentence's tokens)
                    return
            return
        for i, tok in enumerate(toks):
            part = part_keys(tok.text)
            if part is None:
                part = _part_key(tok.text)
            if part:
                last_part[:] = [(part, tok.sentence)]
            side = terms.LATERALITY.get(tok.text)
            if side is None or (len(tok.text) <= 2 and not doc.text[tok.start].isupper()):
                continue
            referent = (
                last_part[0][0]
                if last_part and tok.sentence - last_part[0][1] <= _PART_MEMORY
                else None
            )
            if tok.text in _LOBES:  # "RLL": a side and its lobe in one word
                doc.sides.append(SideMention(side, "lobe", tok.start, tok.end, tok.sentence))
                continue
            coded = _CODED_PART.match(doc.text, tok.end)
            if (
                coded
                and coded[1].lower() not in terms.ANATOMY
                and coded[1].lower() not in terms.ANATOMY_KEYS
                and not (len(tok.text) > 2 and doc.text[tok.start : tok.end].isupper())  # LEFT KNEE
            ):
                # "L M1 occlusion", "R ICA stenosis": a structure written as a code after its side
                code = coded[1].lower()
                key = terms.ANATOMY_KEYS.get(code, code)
                doc.sides.append(
                    SideMention(side, key, tok.start, coded.end(1), tok.sentence, key == code)
                )
                continue
            j, words_left, fillers_left = i + 1, 3, 3
            # the part is looked for within the side's clause: "knees bilaterally, h/o retinal
            # tear" gives the side to the knees before it, not to the eye after the comma
            reach = _clause_reach(doc.text, toks, i)
            while j < reach and words_left > 0:
                word = toks[j].text
                after = toks[j + 1].text if j + 1 < len(toks) else ""
                # "the right one", "the left is the one that locks": the part named before
                near = j <= i + 2 or (j == i + 3 and toks[i + 1].text in _COPULAS)
                if referent and _bare(word) in _ANAPHORA and near and after != "of":
                    # "my calf is bigger than the right one": the side the part is compared
                    # with; the part itself is on the other side
                    told = _OTHER_SIDE.get(side, side) if _compared_with(toks, i) else side
                    doc.sides.append(
                        SideMention(told, referent, tok.start, toks[j].end, tok.sentence)
                    )
                    break
                if (
                    word in terms.ANATOMY
                    or word.rstrip("s") in terms.ANATOMY
                    or word in terms.ANATOMY_KEYS
                ):
                    part = terms.ANATOMY_KEYS.get(word, _part_word(word))
                    doc.sides.append(SideMention(side, part, tok.start, toks[j].end, tok.sentence))
                    break
                if word in _SURFACE_WORDS and fillers_left > 0:
                    fillers_left -= 1  # "palmar surface of the index finger"
                else:
                    words_left -= 1
                j += 1
            else:
                if (
                    referent
                    and i + 1 == len(toks)
                    and i > 0
                    and toks[i - 1].text == "the"
                    and (last_part[0][1] == tok.sentence or doc.text[tok.end : tok.end + 1] == "?")
                ):
                    # "And the right?" asked of the part just talked about: that part's side
                    # "last year was the right knee, and now it's the left.": that part's side
                    doc.sides.append(SideMention(side, referent, tok.start, tok.end, tok.sentence))
                    continue
                _side_after_part(doc, toks, i, side, last_part)

    @staticmethod
    def _scales(doc: AnalyzedText, toks: list[Token], offset: int) -> None:
        for i, tok in enumerate(toks):
            for scale, value in _SCALE_WORDS.get(tok.text, ()):
                doc.scale_words.append(
                    ScaleWord(scale, value, tok.text, tok.start, tok.end, tok.sentence, offset + i)
                )


# each scale word's (scale, value) pairs, in the order of ``terms.SCALES``: one look-up per token
_SCALE_WORDS: dict[str, tuple[tuple[str, float], ...]] = {}
for _scale, _table in terms.SCALES.items():
    for _word, _value in _table.items():
        _SCALE_WORDS[_word] = (*_SCALE_WORDS.get(_word, ()), (_scale, _value))


def _delayed_answer(
    sents: list[Sentence], turns: list[tuple[str | None, list[int]]], t: int
) -> tuple[str | None, list[int]] | None:
    """The turn that answers turn ``t``'s question after a counter-question or a silence and a
    reply that asks nothing ("Ever tried to end your life? - Is that going in the notes? - It's
    important I know. - Yes. Tablets."; "Any thoughts of ending your life? - ... - Take your
    time. - At night, sometimes."), or None."""
    asker, ask = turns[t]
    replier, counter = turns[t + 1]
    again, explained = turns[t + 2]
    if again != asker or turns[t + 3][0] != replier:
        return None
    if not sents[ask[-1]].text.rstrip().endswith("?"):
        return None
    if len(counter) > 1:
        return None
    said = _untagged(sents[counter[0]].text)
    if not sents[counter[-1]].text.rstrip().endswith("?") and _WORD.search(said):
        return None  # neither a counter-question nor a silence ("...", "[pause]")
    if any(sents[k].text.rstrip().endswith("?") for k in explained):
        return None
    return turns[t + 3]


_SIDE_CLAUSE_GAP = re.compile(r"[,;:.]")


def _clause_reach(text: str, toks: list[Token], i: int) -> int:
    """The index of the first token after ``toks[i]`` that a comma, a semicolon, a colon or a
    stop sets apart from it (or the end): the side word's own clause."""
    for j in range(i + 1, min(len(toks), i + 8)):
        if _SIDE_CLAUSE_GAP.search(text, toks[j - 1].end, toks[j].start):
            return j
    return len(toks)


# a question that names only a side of the part talked about ("And the right one?", "What
# about the left knee?"): it asks what there is to tell of that side, and the answer tells it
_ASKS_OF_SIDE = re.compile(
    r"^(?:[\w ]{1,20}:\s*)?(?:and|what about|how about|and what about)\s+(?:the|your|his|her)\s+"
    r"(?:left|right)(?:\s+(?:one|side|\w+))?\s*\?\s*$",
    re.IGNORECASE,
)


def _bare(word: str) -> str:
    """A word without a possessive or contracted "'s" ("one's" -> "one")."""
    return word[:-2] if word.endswith(("'s", "\u2019s")) else word


def _part_word(word: str) -> str:
    """A body part's singular ("legs" -> "leg"), keeping a part whose name ends in s
    ("thoracentesis")."""
    bare = word.rstrip("s")
    return word if bare not in terms.ANATOMY and word in terms.ANATOMY else bare


def _part_key(word: str) -> str:
    """The key of the body part ``word`` names ("legs" -> "leg"), or "" for a word that names
    none ("one" and "side" refer to a part named before). Read once per word: the key depends
    on the word alone."""
    key = _PART_KEYS.get(word)
    if key is None:
        part = _part_word(word)
        named = (part in terms.ANATOMY or part in terms.ANATOMY_KEYS) and part not in _ANAPHORA
        key = terms.ANATOMY_KEYS.get(word, part) if named else ""
        if len(_PART_KEYS) >= 100_000:
            _PART_KEYS.clear()
        _PART_KEYS[word] = key
    return key


_PART_KEYS: dict[str, str] = {}


def _side_after_part(
    doc: AnalyzedText, toks: list[Token], i: int, side: str, last_part: list[tuple[str, int]]
) -> None:
    """A side after its part: "thoracentesis planned on the right" (a part named earlier in the
    same sentence, the side at the end of its clause after "on/to the")."""
    tok = toks[i]
    if i < 2 or toks[i - 1].text != "the" or toks[i - 2].text not in ("on", "to"):
        return
    if not last_part or last_part[0][1] != tok.sentence:
        return
    following = doc.text[tok.end : tok.end + 8].lstrip()
    if following and following[0] not in ".,;:!?\n" and not following.startswith("side"):
        return
    doc.sides.append(SideMention(side, last_part[0][0], tok.start, tok.end, tok.sentence))


# How a relative who speaks names the patient: a daughter's "mum" is the patient.
_PATIENT_AS_SEEN_BY: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        ("daughter", "son", "child"), frozenset({"mum", "mom", "mother", "dad", "father"})
    ),
    **dict.fromkeys(("wife",), frozenset({"husband", "partner"})),
    **dict.fromkeys(("husband",), frozenset({"wife", "partner"})),
    **dict.fromkeys(("partner",), frozenset({"wife", "husband", "partner"})),
    **dict.fromkeys(
        ("mother", "mum", "mom", "father", "dad", "parent"),
        frozenset({"son", "daughter", "child", "baby"}),
    ),
}
_THIRD_PERSON = frozenset({"she", "he", "they", "she's", "he's", "they've", "she'd", "he'd"})
_MEN = frozenset({"father", "dad", "brother", "son", "husband", "uncle", "grandfather", "grandpa"})
_WOMEN = frozenset({"mother", "mum", "mom", "sister", "daughter", "wife", "aunt", "grandmother"})


# the speaker's own words after a relative's verb ("my husband hauls corn and it makes my
# allergies worse"): what follows is the speaker's again (session 17)
_SPEAKER_SELF = frozenset({"my", "i", "i'm", "i've", "myself", "me"})


def _other_subject(relative: str, word: str) -> bool:
    """Whether ``word``, between a relative and a verb, is a subject other than the relative:
    the patient, or a pronoun of the other sex ("with her husband she is DNR/DNI"); "My sister,
    she had a melanoma" is the sister's."""
    bare = _bare(relative)
    return (
        word in ("patient", "pt")
        or (word in ("she", "she's") and bare in _MEN)
        or (word in ("he", "he's") and bare in _WOMEN)
    )


# a child's birth told by how or when it came ("my daughter was born by section", "her son was
# born early, at 32 weeks"): the mother's own obstetric history, not the child's (session 20);
# "born with a hole in the heart" is the child's
_CHILDREN = frozenset({"son", "daughter", "baby", "child", "twins", "boy", "girl", "kids"})
_BIRTH_MANNER = frozenset(
    {"by", "via", "at", "early", "prematurely", "premature", "naturally", "vaginally", "preterm"}
)
_BIRTH_REACH = 3  # "my son was born", "my eldest daughter was born"


def _birth_of_child(words: list[str], i: int) -> bool:
    """Whether the relative word ``i`` names a child whose birth the next words tell by how or
    when it came ("my daughter was born by section"): the mother's delivery, not the child's."""
    if _bare(words[i]) not in _CHILDREN:
        return False
    for j in range(i + 1, min(i + 1 + _BIRTH_REACH, len(words) - 1)):
        if words[j] == "born":
            return words[j + 1] in _BIRTH_MANNER
    return False


def pronoun_for_relative(pronoun: str, relative: str) -> bool:
    """Whether a sentence's opening pronoun can stand for a relative just named: "he" for a
    father, "she" for a mother, "they" or "both" for anyone ("His father had a bypass. He is
    80."); "he" after "his mother" is someone else, most often the patient."""
    bare = _bare(relative)
    if pronoun in ("they", "they've", "both"):
        return True
    if bare.endswith("s") or bare in ("family", "relatives"):
        return False  # "her parents ... She has": the patient, not one of them
    if pronoun in ("he", "he's", "he'd"):
        return bare not in _WOMEN
    if pronoun in ("she", "she's", "she'd"):
        return bare not in _MEN
    return False


def follows_relative(doc: AnalyzedText, sentence: int) -> bool:
    """Whether a sentence opens with a pronoun that stands for a relative the sentence before
    names ("Her father had a stroke. He also has gout.", "Both parents are alive. Both have
    dementia."); a pronoun of the other sex ("His mother ... He has gout") is the patient."""
    toks = doc.sentence_tokens(sentence)
    if not toks or sentence == 0:
        return False
    first = toks[0].text
    before = doc.sentence_tokens(sentence - 1)
    return any(is_relative(t.text) and pronoun_for_relative(first, t.text) for t in before)


def companions_kin(ctx: AnalyzedText | None, tok: Token) -> bool:
    """Whether an input's relative is named by or to a companion of no stated kinship who
    speaks ("Guest_family: My father has depression", "your father" asked of the patient's
    son): the relative may be the patient, so it is no proof the condition is a relative's.
    A speaker tagged by kinship ("Mother:") is read by :data:`_PATIENT_AS_SEEN_BY`."""
    if ctx is None or tok.speaker == "patient" or not _has_companion(ctx):
        return False
    # the companion's "my father", or "your father" said to the companion or by it
    owners = ("my", "your") if _is_companion(tok.speaker) else ("your",)
    toks = ctx.sentence_tokens(tok.sentence)
    return any(
        a.text in owners
        and b.text in _MAY_BE_PATIENT
        and (k + 2 >= len(toks) or not is_relative(toks[k + 2].text))
        for k, (a, b) in enumerate(zip(toks, toks[1:], strict=False))
    )


# the words by which a companion may name the patient ("my father", "my wife"); not a
# possessive ("my husband's sister" is the patient's aunt)
_MAY_BE_PATIENT = frozenset().union(*_PATIENT_AS_SEEN_BY.values())


@once_per_text
def _has_companion(ctx: AnalyzedText) -> bool:
    """Whether a companion of no stated kinship speaks in the input's dialogue."""
    return any(_is_companion(t.speaker) for t in ctx.tokens)


def _is_companion(speaker: str | None) -> bool:
    """A speaker neither the patient nor a clinician and of no stated kinship: "Guest_family",
    "Family member", "Guest"."""
    if speaker is None:
        return False
    return ("family" in speaker or "guest" in speaker) and speaker not in _PATIENT_AS_SEEN_BY


_CHANGE_HEADS = frozenset({"change", "changes", "difference", "differences"})


def before_denied_change(toks: list[Token], i: int) -> bool:
    """Whether an affirmed word only names what a denied change is of ("no visual changes",
    "no bowel change"): the negation is read onto the change, and the word itself is neither
    affirmed nor denied by it."""
    tok = toks[i]
    if tok.polarity != AFFIRMED or i + 1 >= len(toks):
        return False
    nxt = toks[i + 1]
    return nxt.sentence == tok.sentence and nxt.text in _CHANGE_HEADS and nxt.polarity == NEGATED


# "your mum", "your husband": the words the search for relatives who speak waits for
# "your mum": the word boundary before "your" is read after it ("(?<!\wyour)"), so the
# pattern opens with its literal, which the lower-cased copy finds fast
_YOUR_RELATIVE = fast_compile(
    r"your(?<!\wyour)\s+(?:"
    + "|".join(sorted(set().union(*_PATIENT_AS_SEEN_BY.values()), key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)


def _addressed_relatives(sentences: list[Sentence]) -> frozenset[str]:
    """How a dialogue's relatives who speak name the patient ("Daughter:" names her "mum",
    "mother", "dad"): a clinician's "your mum" is then the patient, not the daughter's mother."""
    names: set[str] = set()
    for sent in sentences:
        match = _speaker_match(sent.text)
        if match is not None:
            names |= _PATIENT_AS_SEEN_BY.get(_speaker_name(match), frozenset())
    return frozenset(names)


def _continues_relative(toks: list[Token], previous: list[Token], tagged: object) -> bool:
    """A sentence of a patient's turn that opens with "she"/"he"/"they" after one that names a
    relative ("My mum. She had bipolar."): it speaks of the relative. The patient is "I"."""
    first = 1 if tagged is not None else 0
    return (
        len(toks) > first
        and toks[first].text in _THIRD_PERSON
        and any(is_relative(t.text) for t in previous)
    )


_OWN_HAVING = frozenset({"had", "have", "got", "suffered", "suffer"})
_PATIENT_PRONOUNS = frozenset({"he", "she", "his", "her", "him", "he's", "she's"})


def _own_condition(words: list[str]) -> range:
    """The words of a speaker's condition of her own, from "I had", "I've had" or "I was
    diagnosed" to the patient's next "he" or "his" ("I had epilepsy as a girl"); empty where
    the sentence has none or names the patient first ("I had to hold him down")."""
    for k, word in enumerate(words[:-2]):
        if word in _PATIENT_PRONOUNS:
            break
        nxt, after = words[k + 1], words[k + 2]
        if (
            (word == "i" and nxt in _OWN_HAVING and after not in ("to", "been"))
            or (word == "i've" and nxt == "had" and after != "to")
            or (word == "i" and nxt == "was" and after == "diagnosed")
        ):
            stop = next((j for j in range(k, len(words)) if words[j] in _PATIENT_PRONOUNS), None)
            return range(k, len(words) if stop is None else stop)
    return range(0)


# the words is_relative or _by_degree may accept without a "'", "\u2019" or "-" in them
_RELATIVE_WORDS = terms.RELATIVES | {"relative", "relatives"}


def _may_name_relative(words: list[str]) -> bool:
    """Whether a word of ``words`` may name a relative: one of :data:`_RELATIVE_WORDS`, or one
    with a "'", "\u2019" or "-" in it (most sentences have neither)."""
    spelled = "".join(words)
    return (
        "'" in spelled
        or "-" in spelled
        or "\u2019" in spelled
        or not _RELATIVE_WORDS.isdisjoint(words)
    )


def _by_degree(words: list[str], i: int) -> bool:
    """A relative named by degree ("a first-degree relative with colon cancer"); "relative"
    alone is often no one ("relative afferent pupillary defect", "relative rest")."""
    return (
        words[i] in ("relative", "relatives")
        and i > 0
        and (words[i - 1].endswith("-degree") or words[i - 1] == "degree")
    )


def is_relative(word: str) -> bool:
    """A relative: "mother", "mom's", "daughter's", "great-uncle", "half-brother"."""
    if word in terms.RELATIVES:
        return True
    if "'" not in word and "\u2019" not in word and "-" not in word:
        return False
    bare = _bare(word)
    return bare in terms.RELATIVES or ("-" in bare and bare.rsplit("-", 1)[-1] in terms.RELATIVES)


def _answer_side(
    doc: AnalyzedText, question: list[Token], reply: list[Token], polarity: str
) -> None:
    """The side an answer gives to the part its question asked about: "Which ankle? - Left."
    and "Is it the left knee? - No, the other one." (the right knee)."""
    if not question or not reply:
        return
    first = [t.text for t in reply[:6]]
    if "other" not in first and terms.LATERALITY.keys().isdisjoint(first[:4]):
        return  # a side is given in the answer's first words, or as "the other one"
    if any(m.sentence == reply[0].sentence for m in doc.sides):
        return
    parts = [
        terms.ANATOMY_KEYS.get(t.text, t.text.rstrip("s"))
        for t in question
        if t.text.rstrip("s") in terms.ANATOMY and t.text.rstrip("s") not in _ANAPHORA
    ]
    asked = {m.side for m in doc.sides if m.sentence == question[0].sentence}
    if polarity == NEGATED and len(asked) == 1 and asked <= {"left", "right"}:
        other = next((t for t in reply[:6] if t.text == "other"), None)
        side = "right" if asked == {"left"} else "left"
        part = next(m.anatomy for m in doc.sides if m.sentence == question[0].sentence)
        if other is not None:
            doc.sides.append(SideMention(side, part, other.start, other.end, other.sentence))
        return
    if not parts:
        return
    said = [
        tok
        for tok in reply[:12]
        if terms.LATERALITY.get(tok.text) is not None
        and (len(tok.text) > 2 or doc.text[tok.start].isupper())
    ]
    if said and said[0] in reply[:4]:
        corrected = len(said) > 1 and _SIDE_CORRECTION.search(doc.text, said[0].end, said[-1].start)
        tok = said[-1] if corrected else said[0]
        side = terms.LATERALITY[tok.text]
        doc.sides.append(SideMention(side, parts[-1], tok.start, tok.end, tok.sentence))


# (trigger phrases, polarity they set (None: a pseudo-negation), whether they look forward)
_POLARITY_TRIGGERS: tuple[tuple[str | None, bool, tuple[str, ...]], ...] = (
    (NEGATED, True, terms.NEGATION_PRE),
    (NEGATED, False, terms.NEGATION_POST),
    (UNCERTAIN, True, terms.UNCERTAINTY_PRE),
    (UNCERTAIN, False, terms.UNCERTAINTY_POST),
    (None, True, terms.PSEUDO_NEGATIONS),
)
_SCOPE_TRIGGERS: tuple[tuple[str | None, bool, tuple[str, ...]], ...] = (
    (HISTORY, True, terms.HISTORY_PRE),
    (HISTORY, False, terms.HISTORY_POST),
    (None, True, terms.HISTORY_PSEUDO),
    (FAMILY, True, terms.FAMILY_PRE),
    (HYPOTHETICAL, True, terms.HYPOTHETICAL_PRE),
)


def _longest(
    found: list[tuple[int, int, str | None, bool]],
) -> list[tuple[int, int, str | None, bool]]:
    """Matches that no longer match overlaps: "cannot rule out" hedges, its "cannot" does not
    negate; "no change" is a pseudo-negation, its "no" negates nothing. Earlier wins a tie; a
    phrase listed both before and after keeps both directions."""
    if len(found) <= 1:
        return found  # most sentences hold one trigger or none: nothing overlaps
    kept: list[tuple[int, int, str | None, bool]] = []
    taken: set[int] = set()
    spans: set[tuple[int, int, str | None]] = set()
    for match in sorted(found, key=lambda m: (-(m[1] - m[0]), m[0])):
        cover = set(range(match[0], max(match[1], match[0] + 1)))
        # one phrase can trigger both ways ("ruled out" before or after what it negates)
        if cover & taken and match[:3] not in spans:
            continue
        taken |= cover
        spans.add(match[:3])
        kept.append(match)
    return sorted(kept, key=lambda m: m[0])


def _forward_scope(
    toks: list[Token], end: int, gaps: list[str], stops: set[int], colons: set[int]
) -> list[int]:
    """Indices a trigger ending at ``end`` reaches: up to a stop, a ":" after its object
    ("without contrast: small hematoma"; "Negative: ANA, RF" lists) or the window; a list of
    short comma-separated items ("denies fever, chills, ..., neck pain or back pain") is read
    past the window to its end; an item that holds a number ("no recurrence, cholecystectomy 10
    years ago") is another statement, and so is a long item past the window."""
    reach: list[int] = []
    in_list = False
    opened = end  # where the window is counted from: the trigger, or the last "or" it reached
    # "no palpable mass, no visible haemorrhoids, blood on glove": a list whose items each
    # carry their own "no" ends at an item without one, which is told present
    own_noes = (
        end >= 2
        and toks[end - 1].text == "no"
        and "," in gaps[end - 1]
        and toks[end - 2].polarity == NEGATED
    )
    j = end
    while j < len(toks) and j - end < _LIST_LIMIT:
        if j == end and toks[j].text in _ASIDES and "," in gaps[j]:
            j += 1  # "denies, however, any bowel problems": an aside, not the scope's end
            continue
        if j in stops or (j in colons and j > end):
            break
        if j > end and _next_exam(toks, j):
            break  # "without wheezes or rhonchi on your abdominal exam bowel sounds are present"
        if j > end and _new_subject(toks, j):
            break  # "i do n't appreciate any extra beats ... your skin is pink": its own clause
        if j > end and _run_on_statement(toks, gaps, j):
            break  # "no rash she vomited once", "no stridor chest clear": speech run on
        if j > end and "," in gaps[j]:
            item = j + 1
            while item < len(toks) and item - j <= _LONG_ITEM:
                if item in stops or "," in gaps[item]:
                    break
                item += 1
            words = toks[j:item]
            if item < len(toks) and item in stops and toks[item].text in _OWN_TRIGGERS:
                break  # "no palpable mass, brown stool guaiac positive": the item's own result
            if any(t.is_number or t.text in _STATES for t in words):
                break  # "no murmur, femoral pulses palpable": an item stating its own finding
            if words and words[0].text in _OPENS_OWN_ITEM:
                break  # "no asterixis, mild icterus", "no NSAIDs, refer for ...": its own
            if words and words[0].text == "no":
                own_noes = True  # the list's items carry their own "no"
            elif (
                own_noes
                and words
                and words[0].text not in _ITEM_DENIALS
                and not _or_ahead(toks, gaps, j, stops)
            ):
                # "no mass, no haemorrhoids, blood on glove": the item has no "no"; one of a
                # last "no"'s own alternatives ("no rash, no swelling, redness or warmth") has
                break
            if _opens_clause([t.text for t in words[:3]]):
                break  # "no significant changes, and please add ...", "..., patient has a"
            if any(t.text in _OWN_TRIGGERS or _spelled_number(t) for t in words):
                break  # "..., hypertension not at goal", "..., sodium one thirty two": its own
            if not in_list and any(t.is_number or _spelled_number(t) for t in toks[end:j]):
                break  # "no driving for six months from april, sleep hygiene": a bounded object
            if len(words) > _LONG_ITEM and j - end >= _SCOPE_WINDOW:
                break
            if (
                _sited(words)
                and not any(t.text in ("or", "nor", "and") for t in words)
                and any(toks[k].text in ("or", "nor") for k in range(end, j))
                and not _list_goes_on(toks, gaps, item, stops)
            ):
                # "no nodules or cysts, hyperpigmentation on the cheeks, cheilitis": the list
                # closed with "or", and an item with a site of its own is a new finding; one
                # that joins on goes on ("..., or weakness in her arms")
                break
            in_list = True
        if j - opened >= _SCOPE_WINDOW and not in_list:
            break
        if toks[j].text in ("or", "nor") and not _CLAUSE_GAP.search(gaps[j]):
            # "nobody was diagnosed with any colon cancer or any other cancer": a denial reaches
            # every alternative it offers, and the window is counted again from the last one
            opened = j
        reach.append(j)
        j += 1
    return reach


def _or_ahead(toks: list[Token], gaps: list[str], j: int, stops: set[int]) -> bool:
    """Whether an "or" or "nor" joins the words from ``j`` on, before the clause ends."""
    for k in range(j, min(len(toks), j + _SCOPE_WINDOW)):
        if k > j and (k in stops or _CLAUSE_END.search(gaps[k].replace(",", ""))):
            return False
        if toks[k].text in ("or", "nor"):
            return True
    return False


_ITEM_DENIALS = frozenset({"no", "nor", "not", "nil", "without", "or", "and"})


# words before a "free" that is no absence of them ("feel free to call", "is free", "for free")
_NOT_FREE = frozenset(
    {"feel", "feels", "felt", "is", "are", "was", "were", "be", "been", "for", "and", "or", "of"}
    | {"a", "the", "set", "break", "breaks", "broke", "get", "got", "totally", "completely"}
)


# words that make a "pain free" a goal or a condition ("until pain free", "when she can hop")
_GOAL_WORDS = frozenset({"when", "until", "till", "once", "if", "unless", "can", "able", "goal"})


def _free_of_previous(words: list[str], gaps: list[str], i: int) -> bool:
    """Whether the "free" at ``i`` says the word right before it is absent ("pain free",
    "symptom-free", "seizure free for a year"), not that something is free ("feel free to", "free
    of charge" reads its own object) (session 17)."""
    return (
        i > 0
        and gaps[i].strip() in ("", "-")
        and words[i - 1] not in _NOT_FREE
        and words[i - 1].isalpha()
        and (i + 1 == len(words) or words[i + 1] not in ("of", "to", "from"))
        # "return to running when she can hop pain free": a goal, not how it is now
        and not _GOAL_WORDS.intersection(words[max(0, i - 6) : i - 1])
    )


def _list_goes_on(toks: list[Token], gaps: list[str], item: int, stops: set[int]) -> bool:
    """Whether the comma list goes on after the item that ends before ``item`` to a later
    "or"/"nor" in the same clause ("denied diarrhea or constipation, changes in his urinary
    habits, rashes, headache or visual changes"): the items between belong to one list
    (session 17)."""
    for k in range(item, min(len(toks), item + _LIST_LIMIT)):
        if k in stops or _CLAUSE_GAP.search(gaps[k]) and "," not in gaps[k]:
            return False
        if toks[k].text in ("or", "nor"):
            return True
    return False


_SITE_PREPOSITIONS = frozenset({"on", "of", "in", "over", "at"})
_SITE_DETERMINERS = frozenset({"the", "both", "her", "his", "their"})


# words that open a conditional sentence ("If she gets worse, ...", "Should the pain return")
_CONDITIONAL_OPENERS = frozenset({"if", "unless", "whenever"})


_POSSIBLE_REACH = 8  # "at risk of developing a blood clot in the legs"
_NAME_BEFORE = 3  # "deep vein thrombosis prophylaxis"
_NAME_GAP = re.compile(r"[ \t/-]*")  # "DVT/VTE prophylaxis", "fall-risk": one name
_LIST_TRIGGERS = frozenset({"risk", "risks", "chance", "chances", "effects", "cause", "lead"})
_POSSIBLE_END = re.compile(r"[;:\n()]|(?<!\.)\.(?!\.)")  # a list's commas do not end it


def _mark_possible(
    toks: list[Token],
    words: list[str],
    gaps: list[str],
    stops: set[int],
    matches: list[list[tuple[int, int]]],
) -> None:
    """Make a condition named as a possibility hypothetical: the words after a possibility
    trigger ("risk of falls", "to prevent a clot", "may cause drowsiness"), up to a short reach,
    a stop or a gap with punctuation, and the name just before a trigger written after it
    ("bleeding risk", "aspiration precautions"). A word that presupposes the condition right after
    the trigger ("risk of another stroke", "to prevent further bleeding") leaves it as it was,
    and so does a risk's size or direction ("lower stroke risk", "an increased rate of").
    ``matches``: where the triggers before and after their words occur; ``stops``: indices no
    reach passes beyond the trigger's first word."""
    before, after = matches
    for start, end in before:
        if end < len(words) and words[end] in terms.POSSIBILITY_PRESUPPOSED:
            continue
        # a list of risks goes on past a comma ("risk of bleeding, stroke or infection"); what
        # is avoided or prevented is one thing ("avoid late meals, head of bed elevation")
        ends = _POSSIBLE_END if _LIST_TRIGGERS.intersection(words[start:end]) else _CLAUSE_GAP
        for j in range(end, min(end + _POSSIBLE_REACH, len(toks))):
            if j > end and (j in stops or ends.search(gaps[j])):
                break
            if words[j] not in terms.POSSIBILITY_DEGREES:
                _widen(toks[j], HYPOTHETICAL)
    for start, _ in after:
        for j in range(start - 1, max(-1, start - 1 - _NAME_BEFORE), -1):
            if not _NAME_GAP.fullmatch(gaps[j + 1]) or words[j] in STOPWORDS:
                break
            if words[j] in terms.POSSIBILITY_DEGREES:
                break  # "lower stroke risk" names the stroke, "lower" is the risk's size
            _widen(toks[j], HYPOTHETICAL)


# what names a list of possibilities, and the words that open its items ("the risks of surgery
# include", "risks were explained, such as", "possible complications including")
_RISK_NOUNS = frozenset({"risk", "risks"})
_HARM_NOUNS = frozenset({"complication", "complications", "effect", "effects"})
_COUNSEL_WORDS = frozenset(
    {"risk", "risks", "possible", "potential", "discussed", "explained", "counseled", "counselled"}
    | {"consent", "consented", "warned", "advised", "reviewed"}
)
_INCLUDE_WORDS = frozenset({"include", "includes", "including"})
_LIST_OPENERS = frozenset({"as", "like", "are", "were"})
_OWN_SUBJECTS = frozenset({"he", "she", "i", "we", "they", "patient"})  # a new statement


def _risk_list_start(words: list[str]) -> int | None:
    """Index of the first item of a list of risks in a sentence, or None: after a word that
    opens the items ("include", "such as", "are") following "risks", or following
    "complications" or "side effects" in a sentence that counsels ("possible", "discussed").
    Complications told in the past ("complications included pneumonia") are no list of risks
    without such a word."""
    if _RISK_NOUNS.isdisjoint(words) and _HARM_NOUNS.isdisjoint(words):
        return None  # no noun of risk or harm (most sentences)
    noun = next(
        (
            i
            for i, w in enumerate(words)
            if w in _RISK_NOUNS or (w in _HARM_NOUNS and _COUNSEL_WORDS.intersection(words))
        ),
        None,
    )
    if noun is None:
        return None
    after = range(noun + 1, len(words) - 1)
    opener = next((j for j in after if words[j] in _INCLUDE_WORDS), None)
    if opener is None:  # "risks are bleeding and infection", "risks such as bleeding"
        opener = next((j for j in after if words[j] in _LIST_OPENERS), None)
        if opener is not None and words[opener] == "as" and words[opener - 1] != "such":
            return None  # "risks as well as benefits"
    return None if opener is None else opener + 1


def _mark_risk_list(toks: list[Token], words: list[str]) -> None:
    """Make the items of a consent's list of risks hypothetical ("Risks discussed include
    bleeding, infection and DVT"), to the sentence's end ("include anesthesia; infection;
    bleeding; ...") or a new subject."""
    listed = _risk_list_start(words)
    if listed is None:
        return
    for j in range(listed, len(toks)):
        if words[j] in _OWN_SUBJECTS:
            break
        _widen(toks[j], HYPOTHETICAL)


def _widen(tok: Token, scope: str) -> None:
    """Give ``tok`` the scope ``scope`` where it ranks above the one it has."""
    if _SCOPE_RANK[scope] > _SCOPE_RANK[tok.scope]:
        tok.scope = scope


_PRESUPPOSING_REACH = 3  # "your left knee pain"


def presupposed(doc: AnalyzedText, mention: Token) -> bool:
    """Whether a hypothetical mention is named as had: a possessive or definite word, or one of
    treating or going on, just before it in its sentence ("if your pain gets worse", "failure
    to relieve pain", "if more breathless"; ``presupposing_words`` in scope.toml), not past
    another word of possibility ("to avoid the risk of a fall")."""
    at = bisect.bisect_left(doc.tokens, mention.start, key=lambda t: t.start)
    for j in range(at - 1, max(-1, at - 1 - _PRESUPPOSING_REACH), -1):
        prev = doc.tokens[j]
        if prev.sentence != mention.sentence or prev.text in _POSSIBILITY_WORDS:
            return False
        if prev.text in terms.PRESUPPOSING_WORDS:
            return True
    return False


# words of a possibility a definite name may follow ("the risk of", "your chance of")
_POSSIBILITY_WORDS = frozenset(
    {"risk", "risks", "chance", "chances", "of", "for", "if", "prevent", "avoid", "cause"}
)


def _conditional_opener(words: list[str], gaps: list[str]) -> int | None:
    """Index of the word that opens the sentence as a condition ("If ...", "Doctor: If ..."),
    or None."""
    first = 1 if len(words) > 1 and ":" in gaps[1] else 0  # after a speaker's tag
    if first < len(words) and words[first] in _CONDITIONAL_OPENERS:
        return first
    return None


# an arrow between words ("no LVO -> tenecteplase", "any blood -> 999"): what follows is a
# consequence, not another item of what came before
_ARROWS = ("\u2192", "->", "=>")


def _has_arrow(text: str) -> bool:
    """Whether ``text`` holds one of :data:`_ARROWS` (most gaps hold neither ">" nor "\u2192")."""
    return (">" in text or "\u2192" in text) and any(a in text for a in _ARROWS)


# where an arrow to help may lead ("-> 999", "-> A&E", "-> call GP", "-> return to ED")
_ESCALATIONS = frozenset(
    {"999", "911", "112", "111", "ed", "er", "call", "ring", "phone", "return", "attend", "seek"}
    | {"go", "come", "urgent", "emergency", "hospital", "gp", "ambulance"}
)


def _escalation_after(words: list[str], gaps: list[str], joined: str | None = None) -> int | None:
    """Index of the first word after an arrow that leads to help ("-> 999", "-> A&E"), or
    None: the words before it are the signs that call for the help, not findings. ``joined``:
    the gaps joined, where the caller has them (a sentence with no arrow in it is not read)."""
    joined = "".join(gaps) if joined is None else joined
    if not _has_arrow(joined):
        return None
    for j in range(1, len(words)):
        if not any(a in gaps[j] for a in _ARROWS):
            continue
        after_amp = j + 1 < len(words) and "&" in gaps[j + 1]
        if words[j] in _ESCALATIONS or (words[j] == "a" and after_amp):
            return j
    return None


def _sited(item: list[Token]) -> bool:
    """Whether a list item names where it is ("hyperpigmentation on the cheeks")."""
    return any(
        a.text in _SITE_PREPOSITIONS and b.text in _SITE_DETERMINERS
        for a, b in zip(item, item[1:], strict=False)
    )


_NEVER_THIS_GOOD = re.compile(
    r"(?:seen|been|had|felt|looked)\b.*?\b(?:this|so)\s+(?:good|well|low|better|great|steady)\b"
)


def _month_may(toks: list[Token], i: int) -> bool:
    """Whether the "may" at token ``i`` is the month: a day or a year next to it ("12 May",
    "May 2023", "in May 12th")."""
    return (i > 0 and toks[i - 1].is_number) or (i + 1 < len(toks) and toks[i + 1].is_number)


def _next_exam(toks: list[Token], j: int) -> bool:
    """Whether token ``j`` opens the next part of a dictated exam ("on your abdominal exam",
    "on the neuro examination")."""
    return toks[j].text == "on" and any(
        t.text in ("exam", "examination") and t.sentence == toks[j].sentence
        for t in toks[j + 1 : j + 4]
    )


_CLAUSE_SUBJECTS = frozenset({"patient", "she", "he", "i", "we", "you", "they", "please"})
_SUBJECT_VERBS = frozenset({"has", "have", "had", "is", "was", "are", "were", "reports", "says"})


def _opens_clause(words: list[str]) -> bool:
    """Whether a comma-separated item opens a clause of its own: an instruction ("and please
    add ...") or a subject with its verb ("patient has a history of ...", "and she is ...")."""
    if words and words[0] in ("and", "but", "so"):
        words = words[1:]
    if not words:
        return False
    if words[0] == "please":
        return True
    # "no bleeding, i checked her gums, urine and stools": a subject and its past verb
    return (
        words[0] in _CLAUSE_SUBJECTS
        and len(words) > 1
        and (words[1] in _SUBJECT_VERBS or (words[1].endswith("ed") and len(words[1]) > 4))
    )


_POSSESSIVES = frozenset({"your", "his", "her", "their", "my"})
_COPULAS = frozenset({"is", "are", "was", "were", "looks", "appears", "seems", "feels"})
_CLAUSE_VERBS = _COPULAS | {"did", "does", "has", "had", "have"}


def _new_subject(toks: list[Token], j: int) -> bool:
    """Whether token ``j`` opens a clause with its own subject and verb ("your skin is pink",
    "his left knee looks swollen", "my mom did have breast cancer"), which speech run on
    without stops puts after a negated finding; not after "that" ("denies that his pain is
    worse")."""
    if toks[j].text not in _POSSESSIVES or j + 2 >= len(toks) or toks[j - 1].text == "that":
        return False
    return (
        any(
            k < len(toks) and toks[k].text in _CLAUSE_VERBS and toks[k].sentence == toks[j].sentence
            for k in (j + 2, j + 3)
        )
        and toks[j + 1].text not in _CLAUSE_VERBS
    )


# a pronoun that opens a clause of its own ("no rash she vomited once last night"), with the
# words a verb after it is told by; a contraction is a subject and its verb in one word
_PRONOUN_SUBJECTS = frozenset({"i", "we", "she", "he", "they"})
_CONTRACTED_CLAUSES = frozenset(
    {"i'll", "we'll", "she'll", "he'll", "they'll", "i'd", "we'd", "she's", "he's", "we're"}
    | {"they're", "i'm", "we've", "they've"}
)
_PRONOUN_VERBS = _CLAUSE_VERBS | {"will", "would", "can", "could", "should", "may", "might", "must"}
# words after which a subject and its verb are what the trigger says ("don't think she has")
_CLAUSE_TAKERS = frozenset(
    {"that", "if", "whether", "think", "thinks", "know", "knows", "sure", "say", "says"}
    | {"said", "when", "because", "feel", "feels", "believe", "told", "tell"}
)
# an amount that opens an item of its own ("no back pain a little blood yesterday")
_DEMONSTRATIVES = frozenset({"the", "this", "that", "these", "those"})
_AMOUNT_WORDS = frozenset({"little", "bit", "lot", "few", "couple"})
# exam states told right after the part, without a comma ("no stridor chest clear")
_EXAM_STATES = frozenset({"clear", "normal", "soft", "intact", "unremarkable", "nad"})
_JOINERS = frozenset({"or", "and", "nor", "of", "for", "in", "with", "than", "to", "the"})


_OWNERS = frozenset({"your", "his", "their", "my"})
_DAYS = frozenset({"day", "days"})


def _on_which_days(words: list[str], end: int) -> bool:
    """Whether the "not" that ends at ``end`` opens "on ... day(s)", a schedule ("not on
    methotrexate day", "not on the same day", "not on dialysis days"), not a denial."""
    return (
        end < len(words)
        and words[end] == "on"
        and any(w in _DAYS for w in words[end + 1 : end + 4])
    )


def _owned(toks: list[Token], j: int) -> bool:
    """Whether token ``j`` is a clinical word right after a possessive ("your COPD", "his
    asthma"), or the word after it in the same name ("your heart failure")."""
    if not is_clinical(toks[j]):
        return False
    return toks[j - 1].text in _OWNERS or (
        j > 1 and toks[j - 2].text in _OWNERS and is_clinical(toks[j - 1])
    )


# verbs after a hedged clause's definite subject ("I think the pain is in my hip"): what the
# hedge doubts is what is said of the subject, not the subject
_SAID_OF_SUBJECT = frozenset(
    {"is", "was", "has", "had", "started", "began", "begins", "starts", "gets", "got", "comes"}
    | {"came", "goes", "went", "seems", "seemed", "feels", "felt", "spreads", "spread", "moves"}
)


# a speaker's belief, right before the clause it hedges ("I think the pain is ...")
_BELIEF_HEDGES = frozenset(
    {"i think", "i believe", "i guess", "i suppose", "maybe", "probably", "perhaps"}
)


def _definite_subject(words: list[str], gaps: list[str], trigger: tuple[int, int], j: int) -> bool:
    """Whether word ``j`` is the definite subject of the clause a belief hedge (``trigger``:
    its word span) opens right after it ("I think the pain is in my hip", "maybe the swelling
    started on Monday"): the thing named with "the" is taken as there; the hedge is of its
    place, time or cause (session 20, helper K2). A hedge with a break before the clause
    ("not sure, the ...") or of whether ("unclear whether the fall was ...") is left as it is."""
    start, end = trigger
    if end >= len(words) or words[end] != "the" or not end < j <= end + 2:
        return False
    if " ".join(words[start:end]) not in _BELIEF_HEDGES or gaps[end].strip():
        return False
    after = j + 1
    return after < len(words) and words[after] in _SAID_OF_SUBJECT


def _run_on_statement(toks: list[Token], gaps: list[str], j: int) -> bool:
    """Whether token ``j`` opens a statement of its own in speech run on without stops, after
    a negated finding: a pronoun and its verb ("no rash she vomited once", "no red flags
    today I'll add naproxen"), an amount ("no back pain a little blood yesterday") or a part
    and its exam state ("no stridor chest clear"); not after a word that takes a clause ("don't
    think she has") or joins a phrase ("no pain for a few days"); a stop between the words is
    read by the caller's list rules ("no external lesions, normal labia")."""
    word, before = toks[j].text, toks[j - 1].text
    if word == "and" and j + 3 < len(toks) and toks[j + 1].text in _DEMONSTRATIVES:
        # "... probably from a urine infection and the oxybutynin can make confusion worse"
        return toks[j + 3].text in _PRONOUN_VERBS
    if before in _JOINERS or before in _CLAUSE_TAKERS or gaps[j].strip():
        return False
    if j + 1 < len(toks) and gaps[j + 1].strip():
        return word in _CONTRACTED_CLAUSES
    nxt = toks[j + 1].text if j + 1 < len(toks) else ""
    if word in _CONTRACTED_CLAUSES:
        return True
    if word in _PRONOUN_SUBJECTS:
        return nxt in _PRONOUN_VERBS or (nxt.endswith("ed") and len(nxt) > 4)
    if word == "a":
        return nxt in _AMOUNT_WORDS
    return nxt in _EXAM_STATES and not toks[j].is_number


# words that open a list item of its own after a negated one: an amount of a present finding
# ("no asterixis, mild scleral icterus, trace edema") or an instruction of a plan ("no NSAIDs,
# refer for transplant evaluation")
_OPENS_OWN_ITEM = frozenset(
    {"mild", "mildly", "moderate", "severe", "trace", "small", "large", "few", "minimal"}
    | {"marked", "slight", "positive", "continue", "start", "repeat", "refer", "follow"}
    | {"check", "recheck", "switch", "screen", "call", "return", "increase", "decrease"}
    | {"reduce", "order", "schedule", "avoid", "keep", "cut", "begin", "resume", "restart"}
    # how often or how much a habit is had: "no tobacco, occasional alcohol", "social ETOH"
    | {"occasional", "occasionally", "social", "socially", "rare", "rarely"}
)
# an item holding one of these states its own negation or result
_OWN_TRIGGERS = frozenset({"not", "negative", "positive", "normal", "abnormal"})


def _instructs(words: list[str], gaps: list[str], last: int) -> bool:
    """Whether the comma-separated item that ends at word ``last`` is an instruction of its own
    ("continue denosumab for bone", "refer to physio"): a negation after the next item does
    not reach back into it."""
    first = last
    while first > 0 and "," not in gaps[first] and ";" not in gaps[first]:
        first -= 1
    return any(words[k] in _OPENS_OWN_ITEM for k in range(first, last + 1))


def _spelled_number(tok: Token) -> bool:
    """A number said in words that a list item counts with ("sodium one thirty two")."""
    return tok.text in terms.NUMBER_WORDS and tok.text not in ("one", "a", "an", "once")


_ANSWER_WORDS = frozenset({"no", "nope", "nah", "yes", "yeah"})
# words that state what an exam item found: an item holding one is a statement of its own
_STATES = frozenset(
    {"palpable", "present", "intact", "equal", "reactive", "descended", "normal", "clear"}
    | {"nl", "wnl", "unremarkable"}  # "no distension, lactate nl"
    | {"tolerating", "tolerated", "tolerates"}  # "no further vomiting, tolerating soup"
    # "no SOB or pruritus, appetite good", "no fevers, sleep improved" ("as well as" goes on)
    | {"good", "fine", "ok", "okay", "stable", "better", "improved", "improving"}
    | {"preserved", "adequate"}
    | {"steady", "unchanged", "settled"}  # "no blood, weight's steady, ankles are fine"
)
_CLAUSE_OPENING_NEGATIONS = frozenset({"absent", "nil"})
# a field's value that denies the field's label ("Smoking: never", "Alcohol: none")
_DENYING_VALUES = frozenset({"never", "none", "nil", "no", "negative", "denies", "denied"})
# the words that _polarity reads one by one, after its triggers
_WORD_CUES = _CLAUSE_OPENING_NEGATIONS | _DENYING_VALUES | {"window", "free"}
# what sets a field's value apart from its label where no colon does: a comma or a spaced
# dash; the value closes its sentence, and the label opens one
_FIELD_GAP = re.compile(r"^\s*(?:,|[-\u2013]\s)\s*$")
_VALUE_CLOSES = re.compile(r"^\s*[.;!\n]")
_LABEL_OPENS = re.compile(r"[.;!?\n]\s*$")
_LABEL_WORDS = 3  # "Alcohol use, denies.": a label of at most this many words


def _field_after_separator(gaps: list[str], i: int, n: int) -> bool:
    """Whether word ``i`` is a field's value set apart by a comma or a spaced dash ("Alcohol
    use, denies.", "Fever - denied."): it closes its sentence, and the words before it back to
    the separator's sentence opening are a short label, not the last item of a list
    ("brachioradialis, reflexes bilaterally, negative")."""
    if _FIELD_GAP.match(gaps[i]) is None:
        return False
    if i + 1 < n and _VALUE_CLOSES.match(gaps[i + 1]) is None:
        return False  # "fall at home, no #.": something the words do not show follows
    for j in range(i - 1, max(-1, i - 1 - _LABEL_WORDS), -1):
        if j == 0 or _LABEL_OPENS.search(gaps[j]):
            return True
        if _OPENS_CLAUSE.search(gaps[j]):
            return False
    return False


# a question that points back to the statement before it ("Have you had thoughts like that?")
# ("anything like that?" closes a list of its own: it points back to nothing)
_POINTS_BACK = fast_compile(
    r"(?<!anything )(?<!something )(?<!stuff )\b(?:like|of)\s+(?:that|this|those|these)\W*$",
    re.IGNORECASE,
)
_POINTING_WORDS = 8  # a question that points back is short ("Have you had thoughts like that?")
# a word said: a turn of "...", "…" or "[pause]" alone is a silence
_WORD = re.compile(r"(?<![\[(])\b[A-Za-z0-9]+\b(?![\])])")
_DISMAY = re.compile(r"(?:oh|ah|uh)\s*,?\s*no\b(?!\s*,?\s*(?:i|it|not|never|he|she)\b)", re.I)
# words before an answer that say nothing of it ("Well, no.", "Luckily, no.", "Sadly, yes.")
_FILLERS = re.compile(
    r"^(?:(?:actually|well|um+|erm|er|oh|hmm|so|ah|luckily|thankfully|fortunately|happily"
    r"|unfortunately|sadly)\b[\s,.\u2026]*)+"
)
# a late answer that points back to a question instead of naming it ("going back to your
# question, it was pinkish yesterday")
_BACK_TO_QUESTION = re.compile(
    r"\b(?:back\s+to|about)\s+your\s+(?:\w+\s+)?question\b"
    r"|\bwhat\s+you\s+asked\s+(?:before|earlier)\b",
    re.IGNORECASE,
)
# a speaker who takes back an earlier answer ("Oh, actually, the blood.", "I forgot about it")
_LATE_CORRECTION = fast_compile(
    r"\b(?:oh,?\s+actually|actually,|i\s+forgot|now\s+(?:that\s+)?i\s+think|come\s+to\s+think)"
    "|" + _BACK_TO_QUESTION.pattern,
    re.IGNORECASE,
)
_LATE_REACH = 8  # sentences back that a late correction may take back
# a side put right: "it's actually my left elbow", "actually, the right one"
_ACTUALLY_SIDE = re.compile(
    r"\bactually\s*,?\s+(?:(?:it's|it\s+is|it\s+was)\s+)?(?:my|the|his|her|on\s+the)\s+$", re.I
)
# speakers whose words are no patient's account (None: no tag at all)
CLINICIAN_SPEAKERS = frozenset({None, "doctor", "nurse"})
_SIDE_CORRECTION = fast_compile(r"\b(?:no,?\s+wait|wait|sorry|i mean|actually|no,\s+the)\b", re.I)
_EVENT_VERBS = frozenset(
    {"vomited", "fainted", "collapsed", "fell", "bled", "coughed", "passed", "lost", "gained"}
    | {"woke", "developed", "noticed", "took", "started", "needed", "went", "came"}
)
_OPENS_CLAUSE = re.compile(r"[.,;:(\n]")
_QUERY_REACH = 4  # words a "?" written before a phrase queries: "?R hip fracture"
_QUERY_ENDS = frozenset({"and", "with", "but", "plus", "or", "so", "then", "for", "given"})
_ASIDES = frozenset({"however", "though", "also"})
# "..., so you do have a little fluid in your legs, okay?": a statement with a tag, not a question
_TAG_QUESTION = fast_compile(
    r"[\s,]+(?:okay|ok|all right|alright|right|yeah|you know|sound good|sounds good|"
    r"does that sound good|does that sound okay|is that okay|is that ok|got it)\s*\?\s*$",
    re.IGNORECASE,
)
_TAG_MIN_WORDS = 6  # words a statement needs before its tag ("Right knee, right?" is asked)


_ASKING = frozenset({"any", "anything"})
# the words of a question that closes a list ("anything like that?", "or anything else?")
_LIST_CLOSERS = frozenset(
    {"anything", "something", "like", "that", "this", "those", "else", "or", "any", "other"}
    | {"of", "the", "sort", "kind", "stuff", "things", "okay", "and"}
)
# a statement turned into a question at its end ("..., is that correct", "..., right")
_CONFIRM_TAG = fast_compile(
    r"\b(?:is\s+that\s+(?:correct|right|true)|correct|right)\W*$", re.IGNORECASE
)
# what an "any" asks about when it only points back ("any previous history of that")
_BACK_REFERENCE = frozenset(
    {"previous", "prior", "past", "history", "of", "that", "those", "these", "them", "it"}
)
_ASKING_PAIRS = frozenset(
    {("do", "you"), ("did", "you"), ("have", "you"), ("are", "you"), ("is", "there")}
    | {("how", "about"), ("what", "about"), ("were", "you"), ("has", "there")}
)
# a patient's question, read only where a turn opens with it ("is that the one that needs an
# operation", "will i need surgery"); at a turn's end "is that correct" is a tag
_OPENING_PAIRS = _ASKING_PAIRS | {("is", "that"), ("will", "i"), ("do", "i"), ("can", "i")}


_OPEN_QUESTION = frozenset({"how", "what", "where", "when", "which", "why", "who"})
_NAMED_NO = re.compile(r"no\s+([a-z]+)")  # "no weight loss": a no that names what it denies
# what follows a named no and sets itself against it ("No weight loss. I do wake up drenched")
_BUT_THE_REST = re.compile(r"[.,;]\s*(?:but|though|however|yes|i\s+do|i\s+did|i\s+get)\b", re.I)
_WHEN_CLAUSE = frozenset({"before", "after", "once", "until", "since", "while"})
_OPEN_OR_WHEN = _OPEN_QUESTION | _WHEN_CLAUSE


def _yes_no_after_open(toks: list[Token]) -> int:
    """The index of a yes/no question ("are you", "do you", "any") that follows an open one in
    the same sentence ("How is your appetite are you having a proper diet"), else 0."""
    # the open word first, or after a tag; or a clause of time before the question ("Before we
    # start the methotrexate, is there any chance you could be pregnant?")
    if _OPEN_OR_WHEN.isdisjoint([t.text for t in toks[:2]]):
        return 0
    words = [t.text for t in toks]
    for k in range(2, len(words) - 1):
        if (words[k], words[k + 1]) in _ASKING_PAIRS or words[k] in _ASKING:
            return k
    return 0


def _asks(toks: list[Token]) -> bool:
    """Whether the end of a sentence without "?" reads as a question ("okay any joint pain
    fever weight loss", "how about headaches"): transcripts often drop the question mark."""
    tail = [t.text for t in toks[-_SCOPE_WINDOW:]]
    return not _ASKING.isdisjoint(tail) or not _ASKING_PAIRS.isdisjoint(pairwise(tail))


_OPENING_FILLERS = frozenset(
    {"okay", "ok", "alright", "all", "right", "and", "so", "um", "uh", "now", "well", "doctor"}
    | {"patient"}
    | {"then", "also", "just", "let", "me", "ask", "tell", "hmm", "yeah", "good", "great"}
)


# words that make a turn a statement, not a list of findings asked about
_STATEMENT_WORDS = frozenset(
    {"is", "are", "was", "were", "be", "been", "have", "has", "had", "i", "you", "we", "it"}
    | {"let's", "lets", "go", "take", "start", "continue", "okay", "ok", "good", "great", "so"}
)


def _names_only(toks: list[Token], tagged: bool = True) -> bool:
    """Whether a turn's sentence only names findings, the way a transcript's clinician asks
    ("[doctor] vomiting, black stools, weight loss"): a few words after the tag (if it has
    one), no verb of a statement."""
    if not 0 < len(toks) - tagged <= 8:
        return False  # (the words after the tag are counted before they are read)
    return _STATEMENT_WORDS.isdisjoint([t.text for t in toks[1 if tagged else 0 :]])


def _closes_list(toks: list[Token], tagged: bool) -> bool:
    """Whether a question only closes the list before it ("anything like that?", "or anything
    else?"): it names nothing of its own."""
    words = [t.text for t in toks[1 if tagged else 0 :]]
    return 0 < len(words) <= 5 and all(w in _LIST_CLOSERS for w in words)


def _opens_question(toks: list[Token]) -> bool:
    """Whether a sentence opens as a question ("okay do you have any swelling", "any fever"),
    after the fillers a speaker starts with."""
    words = [t.text for t in toks[:8]]
    k = 0
    while k < len(words) and words[k] in _OPENING_FILLERS:
        k += 1
    rest = words[k : k + 2]
    if not rest:
        return False
    return rest[0] in _ASKING or (len(rest) == 2 and (rest[0], rest[1]) in _OPENING_PAIRS)


def _or_goes_on(
    sents: list[Sentence], idxs: list[int], k: int, by_sentence: dict[int, list[Token]]
) -> bool:
    """Whether sentence ``k`` of a turn opens with "or" right after a question of the same
    turn ("Do you smoke? Or drink or have ever used any drugs."): it goes on asking, whatever
    it ends with (session 17)."""
    if k not in idxs or idxs.index(k) == 0 or not sents[k].text.lstrip().lower().startswith("or "):
        return False
    before = idxs[idxs.index(k) - 1]
    return _is_question(sents[before].text, len(by_sentence.get(sents[before].index, [])))


_FRAGMENT_WORDS = 3  # a follow-up question this short only rewords the one before it


def _followed_by_fragment(
    sents: list[Sentence],
    idxs: list[int],
    i: int,
    target: int,
    by_sentence: dict[int, list[Token]],
) -> bool:
    """A question whose turn ends with a short follow-up that only rewords it ("Any fluid
    leaking at all? Wet underwear?"): the answer to the turn answers it too. The follow-up is
    the answered (last) question, directly after this one, a few words without a verb of
    asking or an "any" ("Did it hurt?", "Any cough?" ask questions of their own)."""
    if i == target or target not in idxs or idxs.index(target) != idxs.index(i) + 1:
        return False
    toks = by_sentence.get(sents[i].index, [])
    follow = [t for t in by_sentence.get(sents[target].index, []) if t.text.isalpha()]
    if not _is_question(sents[i].text, len(toks)) or not 0 < len(follow) <= _FRAGMENT_WORDS:
        return False
    if _OPENS_OPEN.match(_untagged(sents[i].text)):
        return False  # "How about siblings? Any problems?": a yes or no answers no open question
    return follow[0].text not in _QUESTION_VERBS and follow[0].text not in _OWN_QUESTION


# words that open a follow-up asking a question of its own ("Any cough?", "What colour?")
_OWN_QUESTION = frozenset(
    {"what", "when", "where", "which", "who", "why", "how", "or", "and"}
    | {"any", "anything", "anyone", "some", "something", "ever"}
)
_OPENS_OPEN = re.compile(
    r"\s*(?:(?:and|so|okay|ok|now|well|alright|right)\W+)*"
    r"(?:what|when|where|which|who|whose|why|how|tell\s+me)\b",
    re.IGNORECASE,
)


def _is_question(text: str, n_tokens: int) -> bool:
    """A sentence that asks: ends with "?" and is not a statement with a tag ("okay?")."""
    text = text.rstrip()
    if not text.endswith("?"):
        return False
    return not (n_tokens > _TAG_MIN_WORDS and _TAG_QUESTION.search(text))


_QUESTION_VERBS = frozenset(
    {"does", "did", "is", "was", "has", "had", "do", "are", "were", "will", "can", "could"}
)
_DEFINITE = frozenset({"the", "your", "his", "her", "their"})  # not "Is that aspirin?"
_PAIN_HEADS = frozenset({"pain", "ache", "aching", "pains", "swelling", "rash", "bleeding"})


_CIRCUMSTANCE_PREPS = frozenset({"with", "during", "after"})
_GIVEN_DETERMINERS = frozenset({"the", "your", "his", "her", "their", "these", "those"})


def given_circumstance(toks: list[Token], k: int) -> bool:
    """Whether word ``k`` of a question is the definite circumstance of what it asks, right
    after "with the", "during your", "after these" ("any numbness with the headaches", "any
    pain during your periods"): the question takes it as given, and its no denies the rest."""
    for back in (1, 2):  # "with the headaches", "with the bad headaches"
        d = k - back
        if d >= 1 and toks[d].text in _GIVEN_DETERMINERS:
            # "problems with your vision", "trouble with your breathing": what is asked of
            return toks[d - 1].text in _CIRCUMSTANCE_PREPS and (
                d < 2 or toks[d - 2].text not in _PROBLEM_NOUNS
            )
    return False


_PROBLEM_NOUNS = frozenset(
    {"problem", "problems", "trouble", "troubles", "issue", "issues", "difficulty", "wrong"}
    | {"difficulties", "concerns", "concern", "anything", "something", "changes", "change"}
)


def _presupposed(toks: list[Token], tagged: bool) -> list[Token]:
    """The definite subject a yes/no question takes as given: "the pain" of "Does the pain go
    down your legs?", "your cough" of "Has your cough got worse?" (a modifier and its pain word:
    "the chest pain"); what the question asks about it is not."""
    k = 1 if tagged else 0  # the speaker's tag
    while k < len(toks) and toks[k].text in ("and", "so", "okay", "ok", "now"):
        k += 1
    if k + 2 >= len(toks) or toks[k].text not in _QUESTION_VERBS:
        return []
    if toks[k + 1].text not in _DEFINITE or not toks[k + 2].content:
        return []
    subject = [toks[k + 2]]
    if k + 3 < len(toks) and toks[k + 3].text in _PAIN_HEADS:
        subject.append(toks[k + 3])
    # the question must go on to ask something of it ("Is the pain ... worse?")
    return subject if k + 1 + len(subject) + 1 < len(toks) else []


_ACUITY_BEFORE = re.compile(r"\b(?:va|acuity|vision|visual|eye|r|l|right|left)\W*$", re.I)
# "8/52" weeks, "3/7" days, "3/12" months, "36/40" weeks of gestation (the British way)
_WEEKS_DAYS = {52.0: "wk", 7.0: "d", 12.0: "mo", 40.0: "wk"}
_GESTATION_DAYS = re.compile(r".{0,3}\d\s?\+\s?(?=\d)")  # the "22+" of "22+3/40"


def _hyphenated_number(word: str) -> float | None:
    """The value of a hyphenated number word ("seventy-five"), else None."""
    tens, dash, ones = word.partition("-")
    if not dash or tens not in terms.NUMBER_WORDS or ones not in terms.NUMBER_WORDS:
        return None
    if terms.NUMBER_WORDS[tens] < 20 or terms.NUMBER_WORDS[ones] >= 10:
        return None
    return float(terms.NUMBER_WORDS[tens] + terms.NUMBER_WORDS[ones])


# words before a clock time: "at two-thirty" is half past two, not 230
_CLOCK_BEFORE = frozenset(
    {"at", "about", "around", "by", "till", "until", "from", "before", "after", "past", "since"}
)


def _spoken_hundreds(word: str) -> float | None:
    """The value of a hundreds number said in hyphenated parts, as transcripts write spoken
    pressures, rates and weights ("one-twenty": 120, "one-oh-five": 105, "two-ten": 210,
    "one-forty-five": 145); None for any other word."""
    parts = word.split("-")
    if len(parts) not in (2, 3) or parts[0] not in ("one", "two"):
        return None
    hundreds = 100 * terms.NUMBER_WORDS[parts[0]]
    if len(parts) == 2:
        rest = terms.NUMBER_WORDS.get(parts[1])
        return float(hundreds + rest) if rest is not None and 10 <= rest < 100 else None
    if parts[1] == "oh":
        ones = terms.NUMBER_WORDS.get(parts[2])
        return float(hundreds + ones) if ones is not None and 0 < ones < 10 else None
    tens = _hyphenated_number(f"{parts[1]}-{parts[2]}")
    return float(hundreds + tens) if tens is not None else None


def _answers(i: int, gaps: list[str], words: list[str]) -> bool:
    """Whether token ``i`` ("no") opens its sentence or turn, after a speaker's tag and a word
    or two that lead into an answer ("me no, my mother had a clot"), and is followed by
    punctuation: a bare answer ("No, I had a hysterectomy."), not a trigger ("No fever")."""
    k = 1 if len(gaps) > 1 and any(c in gaps[1] for c in ":]") else 0  # past the tag
    while k < i and words[k] in _ANSWER_LEAD_INS and i - k <= 2:
        k += 1
    after = gaps[i + 1] if i + 1 < len(gaps) else "."
    return (i == 0 or i == k) and any(c in after for c in ",.!;-")


# words a speaker may say before a bare "no" that answers ("me no", "um no", "well no")
_ANSWER_LEAD_INS = frozenset({"me", "um", "uh", "erm", "er", "well", "oh", "honestly", "myself"})


def _trailing_otherwise(k: int, gaps: list[str], words: list[str]) -> bool:
    """An "otherwise" that closes the words it follows, with a comma after it ("no chronic
    health problems otherwise, fevers, chills"): an adverb of the denial, whose list goes on;
    "no fever, otherwise well" (a clause it opens) still ends the scope."""
    if words[k] != "otherwise" or k + 1 >= len(words) or k == 0:
        return False
    return not gaps[k].strip() and gaps[k + 1].strip() == ","


def _stops(
    terminators: list[tuple[int, int]],
    gaps: list[str],
    words: list[str],
    joined: str | None = None,
) -> set[int]:
    """Token indices a scope cannot reach: where a terminator phrase starts, and the first token
    after a ";" (the tokenizer drops punctuation, so the gap between tokens is read).
    ``joined``: the gaps joined, where the caller has them."""
    stops = (
        {
            a
            for a, _ in terminators
            if not _trailing_otherwise(a, gaps, words) and not _denial_verb(words, a)
        }
        if terminators
        else set()  # most sentences hold no terminator
    )
    joined = "".join(gaps) if joined is None else joined
    if "," in joined and not _CLAUSE_HEDGES.isdisjoint(words):
        # a hedge opening a clause after a comma starts a new statement: "no vomiting, possibly
        # a touch of gastritis" leaves the gastritis open (certainty reads it), not denied
        stops.update(
            j for j, w in enumerate(words) if w in _CLAUSE_HEDGES and gaps[j].strip() == ","
        )
    if ";" in joined or "(" in joined or _has_arrow(joined):
        # most sentences have none: the gaps are not read then
        # after a ";" or inside a parenthesis ("no renal disease (bloods normal last year)"),
        # unless the parenthesis is an aside in a list ("no orthopnoea (one pillow) or PND");
        # after an arrow ("no bleed, no LVO -> tenecteplase": what was done because of it)
        for j, gap in enumerate(gaps):
            if (
                ";" in gap
                or ("(" in gap and not _aside_in_list(gaps, words, j) and not _word_part(gaps, j))
                or any(a in gap for a in _ARROWS)
            ):
                stops.add(j)
    return stops


# a speaker's correction of what they just said ("I take clarithromycin... no, sorry, that
# finished"): it denies nothing after it, and takes back the clause before it
_TAKE_BACKS = frozenset({"no sorry", "no wait", "oh no sorry"})
_RETRACT_REACH = 6


def _retract(toks: list[Token], gaps: list[str], start: int, stops: set[int]) -> None:
    """Deny the affirmed words of the clause before a correction at ``start``, back to the
    sentence's or clause's opening and at most a few words."""
    for j in range(start - 1, max(-1, start - 1 - _RETRACT_REACH), -1):
        if j + 1 < start and (j + 1 in stops or _CLAUSE_GAP.search(gaps[j + 1])):
            break
        if toks[j].polarity == AFFIRMED:
            toks[j].polarity, toks[j].trigger = NEGATED, toks[start].start


def _word_part(gaps: list[str], j: int) -> bool:
    """Whether the parenthesis opening before word ``j`` closes right after it, inside a word
    ("(pre)syncope", "(peri)orbital"): a part of the word, no aside."""
    return gaps[j].endswith("(") and j + 1 < len(gaps) and gaps[j + 1] == ")"


# hedges that, right after a comma, open a clause of their own (see _stops)
_CLAUSE_HEDGES = frozenset({"possibly", "probably", "likely", "perhaps", "maybe", "suspect"})

# words that deny the verb right after them ("has not noted", "did not report")
_VERB_DENIALS = frozenset(
    {"not", "n't", "never", "hasn't", "haven't", "hadn't", "didn't", "doesn't", "don't"}
)


def _denial_verb(words: list[str], a: int) -> bool:
    """Whether the terminator at ``a`` is the verb of a denial right before it ("they have not
    noted any fever", "she did not report any pain"): the verb is what the denial denies, and
    its object is in the denial's scope; "no fever, noted to have a rash" still ends at
    "noted" (session 17)."""
    return a > 0 and words[a - 1] in _VERB_DENIALS


# (session 20) verbs of knowing, saying or remembering that a speaker negates as a formula
# before what they go on to tell ("I don't know, the pain is bad", "I won't lie, it hurts")
_FORMULA_VERBS = frozenset(
    {"know", "remember", "recall", "recollect", "lie", "say", "tell", "think", "kid", "joke"}
)
# words between the negation and the verb ("not gonna lie", "don't really know") and after the
# verb ("not gonna lie to you", "I don't think so"), before the formula's clause ends
_FORMULA_BEFORE = frozenset(
    {"really", "even", "exactly", "quite", "honestly", "gonna", "going", "to", "wanna", "want"}
)
_FORMULA_AFTER = frozenset({"to", "you", "ya", "so", "it", "that"})
_FORMULA_REACH = 3  # words between the negation and the verb, or after the verb


def _speech_formula(reach: list[int], words: list[str], gaps: list[str]) -> list[int]:
    """A negated verb of knowing, saying or remembering whose clause ends at a comma or "but"
    ("I don't know, the pain is bad", "not gonna lie, it hurts a lot", "I can't remember, it
    started on Monday"): the denial is of the verb, a formula of speech, and reaches nothing
    after the clause; a verb with an object ("I don't remember any fever") is read as before."""
    for n, k in enumerate(reach[: _FORMULA_REACH + 1]):
        if n and _CLAUSE_GAP.search(gaps[k]):
            return reach
        if words[k] in _FORMULA_VERBS:
            return reach[: n + 1 + _formula_tail(reach[n + 1 :], words, gaps)]
        if words[k] not in _FORMULA_BEFORE:
            return reach
    return reach


def _formula_tail(rest: list[int], words: list[str], gaps: list[str]) -> int:
    """How many words of ``rest`` (what follows a negated verb of speech) close the formula
    ("to you", "so") before a comma or "but"; the whole of ``rest`` where the clause goes on."""
    for n, k in enumerate(rest[: _FORMULA_REACH + 1]):
        if "," in gaps[k] or words[k] == "but":
            return n
        if words[k] not in _FORMULA_AFTER:
            break
    return len(rest)


def _past_change_word(reach: list[int], words: list[str], gaps: list[str]) -> list[int]:
    """A negation of a change ("no recent smoking change") negates the change, not the words
    that say what changed: the scope starts at the change word when one closes a short phrase
    (no list or punctuation before it: "no nausea or visual change" denies the nausea)."""
    for n, k in enumerate(reach[:4]):
        if words[k] in ("or", "and", "nor") or (n and gaps[k].strip()):
            return reach  # a list or a clause ("no nipple discharge/skin change")
        if words[k] in _CHANGE_WORDS and (k + 1 >= len(words) or words[k + 1] != "of"):
            return reach[n:]
    return reach


# tests whose result a "negative" after them reports (not the specimen's or the target's absence)
_RESULT_TESTS = frozenset(
    {"dip", "dipstick", "dipstix", "screen", "screening", "test", "tests", "testing", "swab"}
    | {"culture", "cultures"}
    | {"panel", "serology", "pcr", "smear", "film", "films", "x-ray", "xray", "scan", "study"}
    | {"ua", "urinalysis", "assay", "antigen", "antibody", "antibodies", "titre", "titer"}
    | {"profile", "enzyme", "enzymes", "level", "levels", "labs", "bloods", "workup", "imaging"}
)
# words before a result that say of which items it is ("reflexes bilateral all negative")
_QUANTIFIERS = frozenset({"all", "both", "each", "bilateral", "bilaterally", "otherwise"})
_TREATMENT_REACH = 4  # words before a treatment's "for" that name it ("hydroxyzine 25 mg PRN")
_TRAILING_ANSWER = 2  # words before a turn's last "no" that it answers ("dizzy no")
_MODALS = frozenset({"will", "would", "should", "shall", "can", "could", "must", "may", "to"})
_SUBJECT_PRONOUNS = frozenset({"i", "we", "you", "he", "she", "they", "it", "patient", "pt"})


def _passive_subject(words: list[str], start: int) -> bool:
    """Whether the "not" at ``start`` opens a passive after a modal whose subject is a thing
    named before it ("a benzodiazepine will not be started given ..."): the denial is the
    subject's, not what follows; a person's ("she will not be prescribed opioids") is not."""
    return (
        start >= 2
        and start + 1 < len(words)
        and words[start + 1] == "be"
        and words[start - 1] in _MODALS
        and words[start - 2] not in _SUBJECT_PRONOUNS
    )


# post-negations that take no object ("Antibiotics are not indicated as the infection is
# localised"): they deny what comes before them even when words follow
_NOT_FORWARD = frozenset({"indicated", "needed", "required", "necessary", "warranted"})
# words right after a post-negation that give its reason ("not suitable given renal function",
# "not started because of the allergy"): what follows is why, not what is denied
_REASONS = frozenset({"given", "because", "due", "as", "since", "considering", "owing"})
# the people a post-negation's verdict is for ("not an option for him", "not suitable for the
# patient"): a forward reach of only these names no object, and the denial is of what comes
# before (session 20, helper K2)
_FOR_WHOM = frozenset({"for", "to", "in"})
_PERSON_WORDS = frozenset(
    {"him", "her", "them", "you", "me", "us", "he", "she", "the", "this", "that", "my", "your"}
    | {"his", "our", "their", "patient", "pt", "man", "woman", "lady", "gentleman", "child"}
    | {"baby", "boy", "girl", "people", "person", "someone", "everyone", "anyone", "now"}
)
_SPACED_DASH = re.compile(r"\s[-\u2013\u2014]+\s")


def _for_a_person(words: list[str], end: int, last: int) -> bool:
    """Whether the words a post-negation's forward reach passes (``end`` to ``last``) only name
    whom the verdict is for ("not an option for him", "not safe for you"): no object is denied."""
    rest = words[end : last + 1]
    return (
        bool(rest)
        and rest[0] in _FOR_WHOM
        and len(rest) > 1
        and all(w in _PERSON_WORDS or is_relative(w) for w in rest[1:])
    )


def _breaks_ahead(gaps: list[str], words: list[str], joined: str) -> set[int]:
    """Token indices a forward scope cannot reach besides :func:`_stops`: the first after a
    parenthesis closes ("(not present in March) - indeterminate"), unless a list goes on with
    "or"/"and" or the parenthesis is part of a word ("(pre)syncope", "tender(ness)"), the first
    after a spaced dash ("No anticoagulant - upper GI bleed last
    year") and the first after a period that ends a sentence ("no edema. labs ..."). A
    trigger after them still reads back across ("diazepam - not prescribed").
    ``joined``: the gaps joined, which the caller has read already."""
    if ")" not in joined and "- " not in joined and "\u2013" not in joined and ". " not in joined:
        return set()
    return {
        j
        for j, gap in enumerate(gaps)
        if (")" in gap and words[j] not in ("or", "and", "nor") and gap != ")")
        or _SPACED_DASH.search(gap)
        or (". " in gap and _ends_a_sentence(words[j - 1]))
    }


# words after a result ("... negative and ...") that open the next clause, not its object
_NEXT_CLAUSE = frozenset({"and", "but", "so", "then", "while", "whereas"})
# words a period follows inside a sentence without ending it ("Dr. Patel", "approx. 5 cm")
_ABBREVIATED = frozenset(
    {"dr", "mr", "mrs", "ms", "st", "vs", "approx", "etc", "eg", "ie", "no", "fig", "ref"}
    # "no pain incl. chest pain", "no red flags, e.g. weight loss": the list goes on
    | {"incl", "inc", "esp", "excl", "e", "g"}
)


def _ends_a_sentence(word: str) -> bool:
    """Whether a period after ``word`` ends a sentence that the segmenter kept whole: speech
    written without capitals ("no edema. labs sodium one thirty four") goes on in one
    "sentence", and a negation before the period denies nothing after it."""
    return (len(word) >= 3 or word.isdigit()) and word not in _ABBREVIATED


def _aside_in_list(gaps: list[str], words: list[str], j: int) -> bool:
    """Whether the parenthesis opening before token ``j`` closes before "or"/"and"."""
    k = next((k for k in range(j + 1, len(gaps)) if ")" in gaps[k]), None)
    return k is not None and words[k] in ("or", "and", "nor")


# a phrase of a list as :func:`_match_groups` tries it: its words after the first two, its list's
# number and its length in words
_Candidate = tuple[list[str], int, int]


class _GroupIndex(dict[str, list[tuple[list[str], int]]]):
    """Phrases of several lists by their first word, each with the number of its list; ``pairs``
    holds the same by their first two words, so a word that opens many phrases ("and", "not")
    tries only those its next word goes on with."""

    pairs: dict[str, tuple[tuple[_Candidate, ...], dict[str, tuple[_Candidate, ...]]]]


def _group_index(
    groups: tuple[tuple[str, ...], ...],
) -> _GroupIndex:
    """Phrases of several lists by their first word, each with the number of its list (and
    ``pairs``: by the first word, the one-word phrases and, by the second word, those that go
    on with it, each in the order of the lists)."""
    index = _GroupIndex()
    for number, phrases in enumerate(groups):
        for phrase in phrases:
            words = phrase.split()
            index.setdefault(words[0], []).append((words, number))
    index.pairs = {}
    for first, entries in index.items():
        singles = tuple((p[2:], number, 1) for p, number in entries if len(p) == 1)
        seconds = {p[1] for p, _ in entries if len(p) > 1}
        by_next = {
            second: tuple(
                (p[2:], number, len(p)) for p, number in entries if len(p) == 1 or p[1] == second
            )
            for second in seconds
        }
        index.pairs[first] = (singles, by_next)
    return index


def _match_groups(words: list[str], index: _GroupIndex, count: int) -> list[list[tuple[int, int]]]:
    """Token index ranges where the phrases of each list occur, in one pass over the words."""
    found: list[list[tuple[int, int]]] = [[] for _ in range(count)]
    if index.keys().isdisjoint(words):
        return found  # no phrase of any list starts on a word of the sentence
    get = index.pairs.get
    last = len(words) - 1
    for i, word in enumerate(words):
        entry = get(word)
        if entry is None:
            continue
        singles, by_next = entry
        # the phrases the next word goes on with, and the one-word phrases, in list order
        candidates = by_next.get(words[i + 1], singles) if i < last else singles
        for tail, number, n in candidates:
            if n <= 2 or words[i + 2 : i + n] == tail:
                found[number].append((i, i + n))
    return found


# the trigger lists, then the terminators (polarity); then the terminators, the current markers
# and the family terminators (scope)
_POLARITY_LISTS = (*(p for _, _, p in _POLARITY_TRIGGERS), terms.SCOPE_TERMINATORS)
_SCOPE_LISTS = (
    *(p for _, _, p in _SCOPE_TRIGGERS),
    terms.POSSIBILITY_PRE,
    terms.POSSIBILITY_POST,
    terms.POSSIBILITY_STOPS,
    terms.SCOPE_TERMINATORS,
    terms.CURRENT_MARKERS,
    terms.FAMILY_TERMINATORS,
)
_SENTENCE_LISTS = len(_POLARITY_LISTS) + len(_SCOPE_LISTS)
# the polarity lists, the scope lists numbered after them, then the synonym phrases as one last
# list (matched by their first two words), in one index: one pass per sentence (a list's matches
# are the same in any index: its phrases are looked up by their own words)
_WORD_INDEX = _group_index((*_POLARITY_LISTS, *_SCOPE_LISTS, tuple(_PHRASE_KEYS)))


def _section_scopes(text: str) -> list[tuple[int, int, str]]:
    """(start, end, scope) of each section whose header carries a scope ("Family history:").

    A header with text after it on its line scopes that line; a header alone on its line scopes
    the lines below it up to a blank line or the next known header."""
    headers = []
    for m in _matches_from(text, _HEADER_AT_START, _HEADER_AFTER):
        scope = terms.SECTION_HEADERS.get(" ".join(m.group(1).lower().split()))
        if scope is not None:
            headers.append((m.start(1), m.end(), scope))
    # "FAMILY HISTORY" alone on its line, no colon
    for m in _matches_from(text, _CAPS_HEADER_AT_START, _CAPS_HEADER_AFTER):
        scope = terms.SECTION_HEADERS.get(" ".join(m.group(1).lower().split()))
        if scope is not None:
            headers.append((m.start(1), m.end(), scope))
    headers.sort()
    sections = []
    for k, (start, after, scope) in enumerate(headers):
        nxt = headers[k + 1][0] if k + 1 < len(headers) else len(text)
        line_end = text.find("\n", after)
        line_end = len(text) if line_end < 0 else line_end
        if text[after:line_end].strip():
            end = min(line_end, nxt)
        else:
            # the section runs from its first line (blank lines after the header skipped) to
            # the next blank line
            body = len(text) - len(text[line_end:].lstrip(" \t\n"))
            blank = _BLANK_LINE.search(text, body)
            end = min(nxt, blank.start() if blank else len(text))
        if scope != CURRENT:
            sections.append((start, end, scope))
    return sections


def _matches_from(
    text: str, at_start: re.Pattern[str], after: re.Pattern[str]
) -> Iterator[re.Match[str]]:
    """The match of ``at_start`` at the text's start, then those of ``after`` (which opens with
    the character a match follows)."""
    first = at_start.match(text)
    if first is not None:
        yield first
    yield from after.finditer(text)


def _section_at(sections: list[tuple[int, int, str]], offset: int) -> str:
    for start, end, scope in sections:
        if start <= offset < end:
            return scope
    return CURRENT


def _answer_pattern(answers: tuple[str, ...]) -> re.Pattern[str]:
    """A reply that opens with one of ``answers`` as whole words."""
    return re.compile("(?:" + "|".join(re.escape(a) for a in answers) + r")\b")


_POSITIVE = _answer_pattern(terms.POSITIVE_ANSWERS)
_NEGATIVE = _answer_pattern(terms.NEGATIVE_ANSWERS)
_LEADING_NEGATIVE = _answer_pattern(terms.LEADING_NEGATIVE_ANSWERS)


_CORRECTION = re.compile(
    r"^(?:(?:well|oh|um|erm|hmm|sorry)\b[\s,.\u2026]*)*"
    r"(?:actually|wait|sorry|i mean|come to think of it)\b[\s,.\u2026]+"
    r"(yes|yeah|no)\b",
    re.IGNORECASE,
)


# a question the text reports being put to the patient ("When asked about daytime fatigue, she
# ...", "was questioned regarding chest pain"): what it asks about is neither affirmed nor
# denied by the asking. The patient's own asking ("had asked about diazepam for anxiety") is a
# request, and its words stand as they are.
_REPORTED_QUESTION = fast_compile(
    r"\b(?:when|was|were|is|are|being|if|on|upon)\s+(?:specifically\s+|directly\s+)?"
    r"(?:asked|questioned|queried)\s+(?:\w+\s+)?(?:about|regarding|concerning|whether|if)\b",
    re.IGNORECASE,
)
_QUESTION_ENDS = re.compile(
    r"[,.;:?!\n]|\s(?:and|but)\s+(?:he|she|they|the\s+patient|said|says|reports?|reported"
    r"|denie[sd]|den(?:y|ying)|admit\w*|states?|stated)\b",
    re.IGNORECASE,
)


# a denial set against now ("no redness or swelling like I do now", "never had pain like it
# is now"): what it denies is a past episode's, and now it is there
_LIKE_NOW = fast_compile(
    r"\b(?:like|as)\s+(?:i|it|she|he|they|you|there)(?:'s|'re)?\s+(?:(?:do|does|have|has|am|is|are|"
    r"get|gets|feel|feels)\s+)?(?:right\s+)?now\b|"
    # "never felt palpitations like this", "never had a headache this bad" (session 17)
    r"\b(?:like\s+(?:this|these)|this\s+(?:bad|severe|intense|painful))\b(?!\s+(?:one|kind|type)\b)",
    re.IGNORECASE,
)


def _denied_unlike_now(doc: AnalyzedText) -> None:
    """Words a denial reaches before a comparison with now ("No redness or swelling like I do
    now."): the denial is of another time, and the comparison tells that they are there now."""
    lowered = doc.lowered
    if "now" not in lowered and " this" not in lowered:
        return  # most texts compare nothing with now: no pattern is run
    for match in _LIKE_NOW.finditer(doc.text):
        toks = doc.tokens_in(max(0, match.start() - 120), match.start())
        if not toks:
            continue
        here = doc.tokens_in(match.start(), match.end())
        sentence = here[0].sentence if here else toks[-1].sentence
        for tok in toks:
            if tok.sentence == sentence and tok.polarity == NEGATED:
                tok.polarity, tok.trigger = AFFIRMED, None


def _reported_questions(doc: AnalyzedText) -> None:
    """The words a reported question asks about, up to the end of its clause, are asked, as a
    question's are: the answer the text goes on to give, not the asking, says whether they are
    there ("When asked about night sweats, he denied them")."""
    lowered = doc.lowered
    if not any(stem in lowered for stem in ("ask", "question", "quer")):
        return  # most texts report no question: no pattern is run
    for match in _REPORTED_QUESTION.finditer(doc.text):
        end = _QUESTION_ENDS.search(doc.text, match.end())
        for tok in doc.tokens_in(match.end(), end.start() if end else len(doc.text)):
            if tok.polarity in (AFFIRMED, UNCERTAIN):
                tok.polarity = ASKED


def _retracted_values(doc: AnalyzedText) -> None:
    """Values of a sentence its speaker takes back in the next ("Just the one. Well... no,
    that's not right. Three now."): dropped, so only the corrected value stands."""
    if not doc.quantities or not _retraction_hint(doc.text):
        return  # most texts take nothing back: no sentence is read
    retracted = {
        sent.index - 1
        for sent in doc.sentences[1:]
        if _RETRACTION.match(sent.text) and not _speaker_match(sent.text)
    }
    if retracted:
        doc.quantities = [q for q in doc.quantities if q.sentence not in retracted]
        _mark_retracted(doc, retracted)


def _corrected_by_another(doc: AnalyzedText) -> None:
    """Values of a turn the next speaker corrects with a value of their own ("Patient: One a
    day. - Daughter: Dad, no - it's two."): dropped, so only the corrected value stands."""
    with_values = {q.sentence for q in doc.quantities}
    dropped: set[int] = set()
    for sent in doc.sentences[1:]:
        if sent.index not in with_values:
            continue  # a correction gives the value it corrects to
        if _relative_gives_other_value(doc, sent):
            dropped.add(sent.index - 1)
            continue
        if _OTHERS_CORRECTION.match(sent.text) is None:
            continue
        for back in (sent.index - 1, sent.index - 2):
            if back in with_values and back >= 0:
                dropped.add(back)
                break
    if dropped:
        doc.quantities = [q for q in doc.quantities if q.sentence not in dropped]
        _mark_retracted(doc, dropped)


def _relative_gives_other_value(doc: AnalyzedText, sent: Sentence) -> bool:
    """Whether ``sent`` is a relative's turn that opens with a value of the kind that the
    other speaker's sentence before it gave, with another number ("Patient: they said it was a
    five millimeter stone - Wife: four millimeter, the paper says four")."""
    tag = _speaker_match(sent.text)
    if tag is None or not is_relative(_speaker_name(tag)):
        return False
    ours = [q for q in doc.quantities if q.sentence == sent.index]
    if not ours or doc.text[sent.span[0] + tag.end() : ours[0].start].strip(" ,.-"):
        return False  # the turn says something before its value: no correction of it
    before = doc.sentences[sent.index - 1]
    told = next(
        (m for k in range(before.index, -1, -1) if (m := _speaker_match(doc.sentences[k].text))),
        None,
    )
    if told is None or _speaker_name(told) == _speaker_name(tag):
        return False
    return any(
        q.sentence == before.index
        and q.unit_class is not None
        and q.unit_class == ours[0].unit_class
        and q.base_value() != ours[0].base_value()
        for q in doc.quantities
    )


def _mark_retracted(doc: AnalyzedText, sentences: set[int]) -> None:
    """Keep the indices of sentences whose values were taken back (``readings["retracted"]``),
    for readers of the text's values other than its quantities (frequencies)."""
    kept = doc.readings.setdefault("retracted", set())
    assert isinstance(kept, set)
    kept.update(sentences)


_OTHERS_CORRECTION = re.compile(
    r"\s*(?:\[\w+\]|\w+\s*:)\s*(?:[A-Za-z]+,\s*)?no\b[\s,\-\u2013\u2014.!]*"
    r"(?:it'?s|it\s+is|that'?s|(?:s?he|they)\s+(?:takes?|has|have|is|are)|(?:s?he'?s|they'?re))\b",
    re.IGNORECASE,
)
_RETRACTION_WORDS = ("not right", "wrong", "not true", "i mean", "wait")
_RETRACTION_HINT = re.compile("|".join(_RETRACTION_WORDS), re.IGNORECASE)


def _retraction_hint(text: str) -> bool:
    """``_RETRACTION_HINT.search(text)`` as a truth value, by substring look-ups where the text
    is ASCII (the pattern's ignored case folds a few non-ASCII letters: those texts go to it)."""
    if not text.isascii():
        return _RETRACTION_HINT.search(text) is not None
    low = text.lower()
    return any(word in low for word in _RETRACTION_WORDS)


_RETRACTION = re.compile(
    r"\s*(?:well\W*)?(?:no,?\s+)?(?:that'?s|that\s+is)\s+(?:not\s+right|wrong|not\s+true)"
    r"|\s*(?:no,?\s+)?(?:sorry,?\s+)?i\s+mean\b|\s*no,?\s+wait\b",
    re.IGNORECASE,
)


def _unit_said_after(doc: AnalyzedText) -> None:
    """A unit said as a sentence of its own after a bare number ("One hundred and twenty-five.
    Micrograms.") is that number's unit."""
    for q in doc.quantities:
        if q.unit is not None:
            continue
        m = _LONE_UNIT.match(doc.text, q.end)
        if m is not None and m.group(1).lower() in terms.UNITS:
            q.unit_class, q.unit = terms.UNITS[m.group(1).lower()]
            q.end = m.end(1)


_MORE_WORDS = frozenset({"more", "extra", "additional", "further", "less", "fewer"})
# "one eighteen over seventy four", "120 over 80": a pressure said with "over"
_OVER = re.compile(r"\s+over\s+(?:a\s+)?$", re.IGNORECASE)


def _spoken_pressures(doc: AnalyzedText) -> None:
    """Two bare numbers joined by "over", the first the larger and both in the range of a
    pressure ("one eighteen over seventy four", "two hundred over one ten", "one seventy over a
    hundred"), are one two-part value, as "118/74" is."""
    if " over " not in doc.lowered:
        return  # most texts say no pressure aloud: nothing is read
    merged: list[Quantity] = []
    for q in doc.quantities:
        top = merged[-1] if merged else None
        if (
            top is not None
            and top.second is None
            and top.unit is None
            and q.unit is None
            and q.second is None
            and top.sentence == q.sentence
            and _OVER.match(doc.text[top.end : q.start]) is not None
            and 50 <= top.value <= 300
            and 20 <= q.value < top.value
        ):
            top.second, top.unit_class, top.end = q.value, "ratio", q.end
            continue
        merged.append(q)
    doc.quantities = merged


def _score_asked(doc: AnalyzedText) -> None:
    """A bare number that answers "on a scale of one to ten ...?" in the next sentences is a
    score out of ten ("How severe, one to ten? - About a seven." is 7/10)."""
    if "scale" not in doc.lowered:
        return  # most texts ask for no score: their sentences are not read
    asked: set[int] = set()
    for sent in doc.sentences:
        if _SCALE_OF_TEN.search(sent.text):
            asked.update((sent.index + 1, sent.index + 2))
    per_sentence = Counter(q.sentence for q in doc.quantities)
    for q in doc.quantities:
        if (
            q.sentence in asked
            and q.unit is None
            and q.unit_class is None
            and q.second is None
            and 0 <= q.value <= 10
            and per_sentence[q.sentence] == 1
        ):
            q.unit_class, q.second = "ratio", 10.0


_SCALE_OF_TEN = re.compile(
    r"\bscale\s+(?:of\s+|from\s+)?(?:zero|one|0|1)\s+to\s+(?:ten|10)\b", re.I
)


def _unit_of_current_dose(doc: AnalyzedText) -> None:
    """A bare number said as where one is now ("increasing my testosterone to 175 milligrams?
    i'm at 140 now") is in the unit of the dose said just before it."""
    previous: Quantity | None = None
    for q in doc.quantities:
        if (
            q.unit is None
            and previous is not None
            and previous.unit_class in terms.DOSE_CLASSES
            and q.start - previous.end < 120
            and _AT_DOSE.search(doc.text, max(0, q.start - 20), q.start)
        ):
            q.unit_class, q.unit = previous.unit_class, previous.unit
        previous = q


_AT_DOSE = re.compile(r"\b(?:i'm|i\s+am|he's|she's|currently|now)\s+(?:at|on)\s+$", re.IGNORECASE)
_LONE_UNIT = re.compile(r"\.\s+([A-Za-z]+)\.?[ \t]*(?=\n|$)")


def _unit_asked(doc: AnalyzedText) -> None:
    """A bare number that answers "How many weeks ...?" in the next turn is in that unit
    ("How many weeks pregnant are you? - Twenty-two.")."""
    if not doc.quantities or "many" not in doc.lowered:
        return  # most texts ask no such question: their sentences are not read
    asked: dict[int, tuple[str, str]] = {}  # sentence index -> the unit its question asks for
    for sent in doc.sentences:
        m = _HOW_MANY_UNITS.search(sent.text)
        if m is not None and sent.text.rstrip().endswith("?"):
            unit = terms.UNITS.get(m.group(1).lower())
            if unit is not None:
                asked[sent.index + 1] = unit
    if not asked:
        return
    per_sentence = Counter(q.sentence for q in doc.quantities)
    # one number only: "36 and 2" to "How many weeks?" is weeks and days
    bare = (q for q in doc.quantities if q.unit is None and q.second is None)
    for q in bare:
        if q.sentence in asked and per_sentence[q.sentence] == 1:
            q.unit_class, q.unit = asked[q.sentence]


_HOW_MANY_UNITS = re.compile(
    r"\bhow\s+many\s+(weeks|days|months|years|hours|minutes)\b"
    r"(?![^?]*\b(?:a|per|each|every)\s+(?:day|week|month|year|night)\b)",
    re.IGNORECASE,
)


def _whole_before(
    doc: AnalyzedText, start: int, value: float, second: float | None, unit: str | None
) -> Quantity | None:
    """The whole number of a mixed number whose fraction ("1/2" of "2-1/2 weeks", "1 1/2
    tablets") starts at ``start``: the bare whole number just before, joined by a hyphen or a
    space, where the fraction is a proper half, third or quarter of a unit. Else None."""
    if unit is None or second not in (2.0, 3.0, 4.0) or not 0 < value < second:
        return None
    last = doc.quantities[-1] if doc.quantities else None
    if last is None or last.unit is not None or last.second is not None:
        return None
    joined = doc.text[last.end : start] in ("-", " ")
    return last if joined and last.value == int(last.value) else None


_ARTICLES = frozenset({"a", "an", "the"})
# words that _quantities reads a quantity at (or after: "within the hour"), digits aside
_QUANTITY_WORDS = frozenset(terms.NUMBER_WORDS) | {"within"}


def _may_hold_quantity(text: str, words: list[str]) -> bool:
    """Whether :meth:`Analyzer._quantities` may read a quantity in a sentence (``text``, its
    ``words``): it reads one only at a number word, an article after "within", a word with a
    hyphen or one that opens with a digit. An ASCII text's words open with ASCII characters,
    and one that opens with a digit sorts below ":" (letters sort above it)."""
    return (
        not _QUANTITY_WORDS.isdisjoint(words)
        or "-" in text
        or not text.isascii()
        or (bool(words) and min(words) < ":")
    )


def _one_time_unit(toks: list[Token], i: int) -> tuple[float, str, int] | None:
    """One unit of time said with an article after "within" ("within the hour", "within a
    day"): its value 1, its unit and the offset of its last token from ``i``, else None."""
    if toks[i].text not in _ARTICLES or i == 0 or toks[i - 1].text != "within":
        return None
    if i + 1 >= len(toks):
        return None
    unit = terms.UNITS.get(toks[i + 1].text)
    return (1.0, unit[1], 1) if unit is not None and unit[0] == "time" else None


def _number_and_time_unit(word: str) -> tuple[float, str, int] | None:
    """A number word and a unit of time in one hyphenated word ("three-hour", "two-week"): its
    value, its unit and 0 (it is one token), else None. "five-year-old" is an age, not read."""
    number, dash, rest = word.partition("-")
    if not dash or "-" in rest or number not in terms.NUMBER_WORDS:
        return None
    unit = terms.UNITS.get(rest)
    if unit is None or unit[0] != "time":
        return None
    return float(terms.NUMBER_WORDS[number]), unit[1], 0


def _hours_after(text: str, tok: Token) -> bool:
    """Whether an "h" after the number ``tok`` is hours: a number in digits of its own ("48 h",
    "24h"), not one glued to a letter ("q4h": a frequency) nor a spoken one. Only this bare
    "h" is read here: as a unit in the table it would make "three-hour" and "the hour" read."""
    glued = tok.start > 0 and text[tok.start - 1].isalpha()
    return tok.text[0].isdigit() and "/" not in tok.text and not glued


def _field_labels(sentences: list[Sentence], matches: list[re.Match[str] | None]) -> frozenset[str]:
    """The one-word "Name:" tags of a written form's fields ("Extent:", "Complications:",
    "Overnight:"): a tag that opens one sentence only and names no person or role. A
    dialogue's speakers speak more than once, or are named as the people they are
    ("Patient:", "Dad:", "Interpreter:", "Paramedic:"), and are turns even when they speak
    once; a tag in brackets or of several words ("[doctor]", "Day nurse:") is always one.
    ``matches``: each sentence's :data:`_SPEAKER` match."""
    seen: dict[str, int] = {}
    for sent, match in zip(sentences, matches, strict=True):
        if match is not None and match.group(3):
            name = match.group(3).lower()
            # "Sonographer: any chance you are pregnant?": a form's field asks nothing
            asks = 2 if sent.text.rstrip().endswith("?") else 1
            seen[name] = seen.get(name, 0) + asks
    return frozenset(name for name, n in seen.items() if n == 1 and not _names_person(name))


def _names_person(name: str) -> bool:
    """Whether a one-word tag names a person who may speak: a role ("Nurse:", "Carer:"), a
    relative ("Mum:", "Dad:", "Wife:") or another party to a talk ("Patient:", "Caller:")."""
    parts = re.split(r"[_-]", name)  # "Guest_family:", "Family_member:"
    return any(
        p in _PEOPLE or is_relative(p) or _ROLE.fullmatch(p) or _ROLE_ENDING.search(p)
        for p in parts
    )


# tags that name a party to a talk, though no clinical role (_ROLE) nor relative (is_relative)
_PEOPLE = frozenset(
    {"patient", "pt", "caller", "friend", "interviewer", "client", "relative", "neighbour"}
    | {"neighbor", "colleague", "student", "speaker", "teacher", "guardian", "physician"}
    | {"provider", "witness", "bystander", "officer", "police", "staff", "guest", "member"}
    | {"visitor", "person", "man", "woman", "girl", "boy"}
)
_ROLE = re.compile(_ROLE_WORDS, re.IGNORECASE)
# the endings of the names of professions ("radiographer", "optometrist", "paediatrician")
_ROLE_ENDING = re.compile(r"(?:grapher|(?<!check)(?<!^)ist|ician|itian)$")


def _is_person_tag(match: re.Match[str], name: str, known: dict[str, bool]) -> bool:
    """Whether a speaker's tag names a person ("[doctor]", "Day nurse:", "Patient:", "Mum:",
    "GP:"), not a word a note may label a value with ("Aspirin: not indicated"). ``name``: its
    :func:`_speaker_name`; ``known``: the answers for a text's one-word tags so far, by name
    (a dialogue's speakers speak again and again)."""
    if match.group(1) or match.group(2):
        return True
    person = known.get(name)
    if person is None:
        person = known[name] = name in _PEOPLE or is_relative(name) or bool(_ROLE.fullmatch(name))
    return person


def _tag_outside_scope(toks: list[Token], tag_end: int) -> None:
    """A speaker's tag opening a turn is never inside a negation's or a hedge's scope ("Doctor:
    aspirin not indicated" reached back over "Doctor"): its words stay affirmed (session 20,
    helper K2)."""
    for tok in toks:
        if tok.start >= tag_end:
            break
        if tok.polarity in (NEGATED, UNCERTAIN):
            tok.polarity, tok.trigger = AFFIRMED, None


def _not_a_speaker(name: str) -> bool:
    """Whether a "Name:" that opens a sentence is a note's header rather than a speaker: one or
    two letters (SOAP and SBAR: "S:", "A:", "Rx:") or a section name ("Plan:", "Meds:")."""
    return len(name) <= 2 or name in _HEADER_NAMES


_HEADER_NAMES = frozenset(
    {"plan", "assessment", "impression", "allergies", "allergy", "meds", "medications", "exam"}
    | {"examination", "history", "hpi", "pmh", "psh", "pmhx", "pshx", "fhx", "shx", "ddx", "imp"}
    | {"diagnosis", "situation", "background", "recommendation", "subjective", "objective"}
    | {"vitals", "labs", "bloods", "results", "ros", "social", "family", "note", "summary"}
    | {"procedure", "findings", "indication", "advice", "discharge", "investigations", "obs"}
    | {"current", "past", "presenting", "complaint", "management", "diet", "activity", "action"}
    | {"response", "intervention", "evaluation", "goals", "problem", "problems", "ix", "mx"}
    # an exam's systems ("HEAD: No angioedema.", "SKIN: No rash.")
    | {"constitutional", "general", "head", "heent", "eyes", "ears", "nose", "throat", "neck"}
    | {"respiratory", "lungs", "chest", "cardiovascular", "cardiac", "heart", "cvs", "abdomen"}
    | {"abdominal", "genitourinary", "musculoskeletal", "msk", "extremities", "skin", "neuro"}
    | {"neurological", "neurologic", "psych", "psychiatric", "lymphatic", "integumentary"}
    | {"back", "spine", "pelvic", "rectal", "breasts", "endocrine", "hematologic", "derm"}
)


# a speaker who takes back what they just said, mid-sentence, and says the opposite
_TAKEN_BACK = re.compile(
    r"\b(?:(?:i'?m\s+gon\s*na|let\s+me|i'?ll|i\s+(?:want|need)\s+to)\s+change\s+that"
    r"|i\s+take\s+that\s+back"
    r"|actually\s+(?:i|he|she|we)\s+(?:did|do|does|have|has|had|was)\b)",
    re.IGNORECASE,
)


def _corrected_in_sentence(doc: AnalyzedText, sent: Sentence, toks: list[Token]) -> None:
    """A denial the speaker takes back later in the same sentence, naming it again affirmed
    ("i've never broken a bone actually no i'm gonna change that actually i did break my
    arm"): the denied words named again after the take-back are affirmed."""
    low = sent.text.lower()
    quick = "actually" in low or "change that" in low or "take that back" in low  # as below
    if not quick or not toks or toks[0].speaker in CLINICIAN_SPEAKERS:
        return  # most sentences take nothing back: the pattern is not run
    m = _TAKEN_BACK.search(doc.text, sent.span[0], sent.span[1])
    if m is None:
        return
    named = {t.stem for t in toks if t.start >= m.start() and t.content and t.polarity != NEGATED}
    _take_back(
        doc, [t for t in toks if t.start < m.start() and t.polarity == NEGATED and t.stem in named]
    )


# the words without which no sentence takes a denial back (_corrected_in_sentence's quick test)
_TAKE_BACK_WORDS = ("actually", "change that", "take that back")


def _take_back(doc: AnalyzedText, denied: list[Token]) -> None:
    """Affirm ``denied``, words of a denial their speaker took back, and keep them in the
    text's ``readings["taken_back"]`` (for a rule that reads an output keeping the denial)."""
    kept = doc.readings.setdefault("taken_back", [])
    assert isinstance(kept, list)
    for tok in denied:
        tok.polarity = AFFIRMED
        kept.append(tok)


def _late_corrections(doc: AnalyzedText, by_sentence: dict[int, list[Token]]) -> None:
    """A denial the speaker takes back turns later ("Any blood? - No. ... - Oh, actually, the
    blood. There was once a streak of red."): the denied words the later sentence names again
    are affirmed; so are those the speaker takes back later in the same sentence ("i have
    never broken a bone actually no i'm gonna change that actually i did break my arm")."""
    # (the sentences lie in the text: a word or a pattern's string in one is in the text, so
    # the text's look-ups below pass wherever a sentence's would; each sentence is read again)
    low = doc.lowered
    for sent in doc.sentences if any(word in low for word in _TAKE_BACK_WORDS) else ():
        _corrected_in_sentence(doc, sent, by_sentence.get(sent.index, []))
    _conceded_corrections(doc, by_sentence)
    if not _LATE_CORRECTION.may_match(doc.text):
        return  # the text holds no word every correction needs (most texts)
    for sent in doc.sentences:
        if not _LATE_CORRECTION.search(sent.text):
            continue
        toks = by_sentence.get(sent.index, [])
        if (
            toks
            and toks[0].speaker not in CLINICIAN_SPEAKERS
            and _BACK_TO_QUESTION.search(sent.text)
        ):
            # "Oh, and sorry, going back to your question, it was pinkish yesterday": the
            # question the speaker last denied is answered yes
            _affirm_last_denied(doc, by_sentence, sent.index, toks[0].speaker)
            continue
        named = {t.stem for t in toks if t.content and t.polarity != NEGATED}
        if not named or not toks or toks[0].speaker in CLINICIAN_SPEAKERS:
            continue
        first = max(0, sent.index - _LATE_REACH)
        for earlier in range(first, sent.index):
            _take_back(
                doc,
                [
                    tok
                    for tok in by_sentence.get(earlier, [])
                    if tok.polarity == NEGATED
                    and tok.stem in named
                    and tok.speaker == toks[0].speaker
                ],
            )


# a speaker who owns to what another has just told ("Oh. Yes, sorry, I forgot that one.")
_CONCEDES = re.compile(
    r"^(?:(?:oh|ah|um+|erm|er|hmm|well)\b[\s,.!\u2026\-\u2013\u2014]*)*"
    r"(?:yes|yeah|yep)\b[\s,.!\u2026\-\u2013\u2014]*"
    r"(?:sorry|you'?re\s+right|that'?s\s+(?:right|true))\b",
    re.IGNORECASE,
)
# a speaker who grudgingly grants what another has just said ("I suppose, yeah.", "I guess
# so."): a plain "yeah" in a transcript agrees with everything and takes nothing back
_AGREES = re.compile(
    r"^(?:(?:oh|ah|um+|erm|er|hmm|well|yes|yeah)\b[\s,.!\u2026\-\u2013\u2014]*)*"
    r"(?:i\s+suppose|i\s+guess|suppose\s+so|guess\s+so)\b",
    re.IGNORECASE,
)
_CONCEDE_REACH = 20  # sentences back that an agreement may take a denial back
_NEGATING = re.compile(r"\b(?:no|not|never|none|nothing|nor|neither)\b|n't\b", re.IGNORECASE)


def _conceded_corrections(doc: AnalyzedText, by_sentence: dict[int, list[Token]]) -> None:
    """A denial the speaker owns to be wrong when another speaker (a relative, not a
    clinician) tells otherwise ("Any surgery? - No. - Wife: You had your gallbladder out. -
    Oh. Yes, sorry."): the question the speaker last denied is answered yes. A speaker who
    grants anyone's statement naming what they denied ("I suppose") takes that denial back.
    The other's turn must state, not deny or ask ("Wife: He's never smoked. - Yes, that's
    right" agrees with a no)."""
    low = doc.lowered
    if not any(word in low for word in ("sorry", "right", "true", "suppose", "guess")):
        return  # no turn concedes or grants: the turns are not read
    turns = _turn_texts(doc)
    for (said_at, other, said), (start, speaker, text) in pairwise(turns):
        if speaker in CLINICIAN_SPEAKERS or other == speaker:
            continue
        if said.rstrip().endswith("?") or _NEGATING.search(said):
            continue
        if other not in CLINICIAN_SPEAKERS and _CONCEDES.match(text):
            _affirm_last_denied(doc, by_sentence, start, speaker)
        elif _AGREES.match(text):
            _take_back_named(doc, by_sentence, range(said_at, start), start, speaker)


def _take_back_named(
    doc: AnalyzedText,
    by_sentence: dict[int, list[Token]],
    told: range,
    start: int,
    speaker: str | None,
) -> None:
    """A denial the speaker grants away when another names what was denied as present ("Any
    falls? - No. ... - Doctor: So a fall on the stairs in May. - I suppose, yeah."): the
    speaker's earlier denied words that the other's statement names again are affirmed."""
    named = {
        form
        for i in told
        for t in by_sentence.get(i, [])
        if t.content and t.polarity != NEGATED and t.text not in terms.ANATOMY
        for form in _word_forms(t)
    }
    if not named:
        return
    for earlier in range(max(0, start - _CONCEDE_REACH), told.start):
        _take_back(
            doc,
            [
                t
                for t in by_sentence.get(earlier, [])
                if t.polarity == NEGATED and t.speaker == speaker and _word_forms(t) & named
            ],
        )


def _word_forms(tok: Token) -> set[str]:
    """A word's stem, and its plain stem in the singular ("blackouts" and "blackout" agree
    where a synonym key folds only one of them)."""
    singular = tok.text[:-1] if tok.text.endswith("s") and len(tok.text) > 3 else tok.text
    return {tok.stem, stem(tok.text), stem(singular)}


def _turn_texts(doc: AnalyzedText) -> list[tuple[int, str | None, str]]:
    """The turns of a tagged dialogue: (index of the turn's first sentence, its speaker, its
    text without the tag)."""
    turns: list[tuple[int, str | None, list[str]]] = []  # each turn's sentences' texts
    for sent in doc.sentences:
        tag = _speaker_match(sent.text)
        if tag is not None:
            speaker = speaker_tag(doc.text, sent.span[0])
            turns.append((sent.index, speaker, [sent.text[tag.end() :].strip()]))
        elif turns:
            turns[-1][2].append(sent.text.strip())
    return [(start, speaker, " ".join(parts)) for start, speaker, parts in turns]


def _side_corrections(doc: AnalyzedText, by_sentence: dict[int, list[Token]]) -> None:
    """A side the patient puts right ("I see you're here for right elbow pain ... - It's
    actually my left elbow"): the other side's earlier mentions of that part are dropped."""
    wrong: set[tuple[int, str, str]] = set()  # (sentence, part, side said before it)
    for m in doc.sides:
        toks = by_sentence.get(m.sentence, [])
        if m.side not in ("left", "right") or not toks or toks[0].speaker in CLINICIAN_SPEAKERS:
            continue
        if _ACTUALLY_SIDE.search(doc.text, max(0, m.start - 30), m.start):
            wrong.add((m.sentence, m.anatomy, "right" if m.side == "left" else "left"))
    if wrong:
        doc.sides = [
            m
            for m in doc.sides
            if not any(
                m.sentence < at and m.anatomy == part and m.side == side for at, part, side in wrong
            )
        ]


# a speaker who takes back what was just named as a relative's ("Yes - the apixaban. No, wait.
# That's my wife's."; "the penicillin one... no, hang on, sorry, that's my husband")
_TAKE_BACK = r"(?:no|wait|sorry|hang\s+on|hold\s+on|oh)\b[\s,.!\u2026\-\u2013\u2014]+"
# what it is given to: every match of _GIVEN_TO_RELATIVE ends in one
_GIVEN_TO = (
    r"(?:that'?s|that\s+(?:is|was)|those\s+(?:are|were))\s+(?:(?:my|his|her|our)\s+)?"
    r"([a-z]+(?:'s)?)\b"
)
_GIVEN_TO_RELATIVE = fast_compile(
    rf"\b(?:no|wait|sorry|hang\s+on|hold\s+on)\b[\s,.!\u2026\-\u2013\u2014]+(?:{_TAKE_BACK})*"
    + _GIVEN_TO,
    re.IGNORECASE,
)
_GIVEN_TO_ALONE = fast_compile(_GIVEN_TO, re.IGNORECASE)


def _given_to_relative(doc: AnalyzedText, by_sentence: dict[int, list[Token]]) -> None:
    """What a speaker names and at once gives to a relative ("Yes - the apixaban. No, wait.
    That's my wife's.") is the relative's, told as fact: the words named before the take-back,
    in its sentence or else in the turn's sentence before it."""
    low = doc.lowered
    if "that" not in low and "those" not in low:
        return  # most texts give nothing back: the pattern is not run
    if not any(is_relative(m.group(1).lower()) for m in _GIVEN_TO_ALONE.finditer(doc.text)):
        # no "that's my wife's" at all: no match's ending names a relative (the ending's
        # matches do not overlap where a match's could begin: after "no", "wait", ...)
        return
    for m in _GIVEN_TO_RELATIVE.finditer(doc.text):
        if not is_relative(m.group(1).lower()):
            continue
        sent = next((s for s in doc.sentences if s.span[0] <= m.start() < s.span[1]), None)
        if sent is None:
            continue
        tag = _speaker_match(sent.text)
        opens = sent.span[0] + (tag.end() if tag else 0)
        named = [
            t for t in by_sentence.get(sent.index, []) if opens <= t.start and t.end <= m.start()
        ]
        if not any(t.content for t in named):
            if tag is not None or sent.index == 0:
                continue  # a turn that opens with the take-back gives back nothing of its own
            before = doc.sentences[sent.index - 1]
            tag = _speaker_match(before.text)
            opens = before.span[0] + (tag.end() if tag else 0)
            named = [t for t in by_sentence.get(before.index, []) if opens <= t.start]
        for tok in named:
            if tok.content:
                tok.scope = FAMILY
                if tok.polarity == ASKED:
                    tok.polarity = AFFIRMED  # "she was on warfarin, wasn't she? - that was Dad"


def _affirm_last_denied(
    doc: AnalyzedText, by_sentence: dict[int, list[Token]], index: int, speaker: str | None
) -> None:
    """Affirm the words of the last question before sentence ``index`` that ``speaker`` denied
    (within :data:`_LATE_REACH` sentences)."""
    for earlier in range(index - 1, max(-1, index - _LATE_REACH - 1), -1):
        if not doc.sentences[earlier].text.rstrip().endswith("?"):
            continue
        denied = [
            t
            for t in by_sentence.get(earlier, [])
            if t.polarity == NEGATED and t.speaker == speaker and t.content
        ]
        if denied:
            _take_back(doc, denied)
            return


_YES_OR_NO_ONLY = re.compile(r"(yes|yeah|no)\W*")  # a whole reply (fullmatch)


def _corrected(reply: str, following: list[str]) -> str:
    """The reply a speaker corrects in the next sentences of the turn ("No. Well... actually,
    yes, a tightness on Tuesday." answers yes; "No... well. Sometimes at night." too); the
    first reply where none corrects it."""
    bare = _BARE_ANSWER.match(reply) or _YES_OR_NO_ONLY.fullmatch(reply)
    if bare is None:
        return reply
    for text in following:
        match = _CORRECTION.match(text.strip())
        if match is not None:
            return match.group(1).lower() + "."
    if following and _hedged_yes(reply, following[0]):
        return "yes."
    if following and _hedged_statement(reply, following[0]):
        return ""  # "No. Well he was sick once last night": the no is taken back in part
    return reply


# a yes in so many words, not a statement that answers one item ("I was sick once")
_YES_WORD = re.compile(r"\W*(?:yes|yeah|yep|yup|sure|correct|definitely|absolutely)\b", re.I)
_LIST_GAP = re.compile(r",|\bor\b", re.IGNORECASE)


def _denies_only_named(
    named: re.Match[str], toks: list[Token], asking: list[list[Token]], following: list[str]
) -> bool:
    """Whether a no that names what it denies ("No rash.", "No falls.") leaves the question
    sentence ``toks`` unanswered: the word it names is asked in another sentence of the turn
    and not in this one ("Any rash? Vomiting? - No rash."), or it is asked here and the answer
    goes on with a statement of its own ("Any nausea, any falls? - No falls. She felt sick
    once."), which tells the rest item by item, or it closes the turn ("Any nausea, any
    falls? - No falls.", session 20). A closing denial ("No discharge. Nothing else.") denies
    the rest too."""
    stem = concept_key(named.group(1))
    here = {t.stem for t in toks}
    if stem not in here:
        return any(stem in {t.stem for t in other} for other in asking if other is not toks)
    if named.end() < len(named.string.rstrip(" .!")):
        return False  # "no rash, no vomiting": the answer goes on in its own sentence
    if not following:
        return True  # "Any nausea, any falls? - No falls.": the rest is left unanswered
    rest = _untagged(following[0]).strip().lower()
    first = _FIRST_CLAUSE.split(rest, maxsplit=1)[0]
    if not first or _NEGATIVE.match(rest) or _TELLS_NONE.search(first):
        return False  # "My eyes are fine", "None of those": it denies the rest too
    # "No fevers. Night sweats... no, I don't think so": the next item named, to be answered
    named_next = [w for w in re.findall(r"[a-z']+", first) if w not in STOPWORDS]
    asked = {t.text for t in toks}
    return not named_next or not all(w in asked for w in named_next)


# a statement that tells of nothing present: a denial, or a good state ("my eyes are fine")
_TELLS_NONE = re.compile(
    r"\b(?:no|not|never|none|nothing|else|fine|normal|okay|ok|alright|good|well|clear)\b|n't\b"
)


def _item_by_item(question: str, reply: str) -> bool:
    """Whether a reply of several sentences answers a question that lists several things
    ("Any vomiting, stiff neck, problems with your vision? - I was sick once. My neck feels
    stiff. My vision's okay.") one item at a time: its opening statement answers the first
    item, not every one, unless it opens with a yes in so many words."""
    return len(_LIST_GAP.findall(question)) >= 2 and _YES_WORD.match(reply) is None


# words that open a clause narrowing what a question asks of ("any hypos where you needed help")
_NARROWING = frozenset({"where", "that", "which", "when", "requiring", "needing"})


def _narrowed_to(toks: list[Token], said: set[str]) -> int:
    """Index of the word that opens a clause narrowing the question, when a content word of
    that clause is one the answer repeats (its stem in ``said``); else 0."""
    for k, tok in enumerate(toks):
        if k > 0 and tok.text in _NARROWING:
            if any(t.content and t.stem in said for t in toks[k + 1 :]):
                return k
            return 0
    return 0


# a no the speaker hedges at once ("No... well.", "No. Well..."), then a yes of degree
_HEDGED_NO = re.compile(
    r"(?:no|nope|nah)\b[\s,.\u2026]*(?:well|hmm+|um+|erm|actually|i mean)\b[\s,.\u2026]*",
    re.IGNORECASE,
)


def _hedged_yes(reply: str, following: str) -> bool:
    """Whether a no that the speaker hedges with "well" is taken back by the next sentence's
    yes of degree ("No... well. Sometimes at night I think ..."): a plain "No. Sometimes I get
    heartburn" is no such correction."""
    joined = f"{reply.strip()} {following.strip()}"
    hedge = _HEDGED_NO.match(joined)
    return hedge is not None and _POSITIVE.match(joined[hedge.end() :].lower()) is not None


def _hedged_statement(reply: str, following: str) -> bool:
    """Whether a no the speaker hedges with "well" ("No. Well he was sick once last night but
    not since.") is followed by a statement that is neither a yes nor a no: it tells of one
    of the things asked, so the bare no answers none of them for sure."""
    joined = f"{reply.strip()} {following.strip()}"
    hedge = _HEDGED_NO.match(joined)
    if hedge is None or hedge.end() <= len(reply.strip()):
        return False  # the hedge must reach into the next sentence ("No. Well ...")
    rest = joined[hedge.end() :].lower()
    return bool(rest.strip()) and not (_NEGATIVE.match(rest) or _POSITIVE.match(rest))


# words of a witness's statement that say nothing of what was asked ("he was out": "out")
_NOT_ECHOED = STOPWORDS | terms.GENERIC_WORDS
_NEGATION_WORD = re.compile(r"\b(?:no|not|never|didn'?t|wasn'?t|weren'?t|hasn'?t|hadn'?t|n't)\b")


def _echoes_as_fact(first: str, question: str) -> bool:
    """Whether a third speaker's short first clause states as fact, with no negation, a word
    of the question just answered ("Did you black out?" - "He was out."; "Did she have a
    temperature?" - "She did have a temperature last night")."""
    words = re.findall(r"[a-z']+", first)
    if not words or len(words) > 8 or _NEGATION_WORD.search(first) or first.endswith("?"):
        return False
    asked = set(re.findall(r"[a-z']+", question.lower())) - _NOT_ECHOED
    return bool(asked & (set(words) - _NOT_ECHOED))


def _says_yes(answer: str) -> bool:
    """A reply that opens with a yes, or whose first sentence has one as a part of its own
    ("At night, sometimes.")."""
    if _POSITIVE.match(answer):
        return True
    first = re.split(r"[.!?\u2026]", answer, maxsplit=1)[0]
    return any(_POSITIVE.fullmatch(part.strip()) is not None for part in first.split(",")[1:])


# a "no" run on into a clause of its own, in a transcript without stops ("no if anything I've
# put on a bit", "no she's been fine"): no noun follows it, so it answers, and negates nothing
_NO_THEN_CLAUSE = re.compile(
    r"(?:no|nope|nah)\s+(?:if|i|i've|i'm|i'd|she|she's|he|he's|it|it's|they|they're|we|not"
    r"|never|nothing|none|that's|thank|thanks)\b(?!-)"
)


# a reply that compares with before rather than denying ("no more than before", "no worse
# than usual", "not any different from normal")
_COMPARED_ANSWER = re.compile(
    r"\W*(?:no|not|nothing)\s+(?:any\s+|much\s+)?(?:more|worse|less|different)\s+"
    r"(?:than|from|to)\b",
    re.IGNORECASE,
)


# a reply that gives a person or a body part in a good state, whole ("She is breathing fine.",
# "They're in great shape.", "I'm sleeping well."): the subject is named, so "It's okay" (a
# bearable pain) is none, and a state narrowed ("fine now", "fine but ...") is none either
_FINE_STATE = re.compile(
    r"(?:i|i'm|i am|we|we're|we are|s?he|s?he's|s?he is|they|they're|they are|"
    r"(?:my|her|his|their)\s+[a-z]+(?:'s|\s+(?:is|are))?)\s+"
    r"(?:(?:is|are|am|has been|have been|seems?|feels?)\s+)?(?:[a-z]+ing\s+)?"
    r"(?:just\s+|perfectly\s+|really\s+|totally\s+|absolutely\s+)?"
    r"(?:fine|well|great|good|normal|all right|alright|in (?:great|good|perfect|fine) shape)"
    r"\s*(?:[.!]|$)"
)
# words of a question that ask how well something is, which a good state answers yes to
_WELLNESS_WORDS = frozenset(terms.WELLNESS_QUESTION_WORDS)


def _fine_state(answer: str) -> bool:
    """Whether a reply's first sentence is a person or a body part in a good state, and
    nothing more ("She is breathing fine."): it denies the problem a question asked about."""
    first = re.split(r"(?<=[.!?;])\s", answer.strip(), maxsplit=1)[0]
    return _FINE_STATE.fullmatch(first) is not None


def _asks_of_a_problem(toks: list[Token]) -> bool:
    """Whether a question asks whether something is there ("Any shortness of breath?"), not how
    well something is ("Are you feeling well?", "How is your breathing?")."""
    return not any(t.text in _WELLNESS_WORDS for t in toks)


_FIRST_CLAUSE = re.compile(r"[,.;!?]|\s(?:and|but)\s")


def _yes_clause(answer: str) -> bool:
    """Whether a longer reply opens with a whole short yes before "and" or a comma ("It is mild
    and about the same as last time.", "Yes and it is getting worse"): it answers yes, and what
    follows adds to it; a first clause that goes on ("mild in the mornings but ...") is none."""
    stop = _FIRST_CLAUSE.search(answer)
    if stop is None or answer[stop.start() :].lstrip().startswith("but"):
        return False
    first = answer[: stop.start()].strip()
    return len(first.split()) <= 4 and _POSITIVE.fullmatch(first) is not None


_OTHER_SIDE = {"left": "right", "right": "left"}


def _compared_with(toks: list[Token], i: int) -> bool:
    """Whether the side word at ``i`` names what a comparison is made with ("bigger than the
    right one", "worse than the left")."""
    k = i - 1 if i > 0 and toks[i - 1].text == "the" else i
    return k > 0 and toks[k - 1].text == "than"


# (session 20) a reply that the speaker does not know or remember, its clause ending there ("I
# don't know.", "I don't really remember, maybe last year"): no answer; "I don't know of any"
# (a no) and "I don't think so" are not it
_NOT_KNOWN = re.compile(
    r"i\s+(?:don't|do not|dont|didn't|did not|can't|cannot|can not)\s+"
    r"(?:really\s+|even\s+|quite\s+|exactly\s+)?(?:know|remember|recall|recollect)"
    r"(?:\s*(?:[,.!;?\u2026]|$)|\s+but\b)"
)


def _is_bare_no(answer: str) -> bool:
    """A short reply (or one that opens with a bare yes/no) that says no."""
    if _COMPARED_ANSWER.match(answer):
        return False  # "Breathless at all? - No more than before": as before, so still there
    if _NOT_KNOWN.match(answer):
        return False  # "Any chest pain? - I don't know, maybe.": unsure, no answer either way
    if _LEADING_NEGATIVE.match(answer) or _NO_THEN_CLAUSE.match(answer):
        return True
    short = len(answer.split()) <= 5 or _BARE_ANSWER.match(answer)
    return bool(short) and _NEGATIVE.match(answer) is not None


def context_labels(doc: AnalyzedText, start: int, end: int) -> frozenset[str]:
    """ConText-style labels of the words in [start, end): "negated", "uncertain" (hedged, asked
    and hypothetical), "historical", "family"; empty for a present, affirmed mention."""
    toks = doc.tokens_in(start, end)
    polarities = {t.polarity for t in toks}
    scopes = {t.scope for t in toks}
    labels = set()
    if NEGATED in polarities:
        labels.add("negated")
    elif polarities & {UNCERTAIN, ASKED} or HYPOTHETICAL in scopes:
        labels.add("uncertain")
    if FAMILY in scopes:
        labels.add("family")
    elif HISTORY in scopes:
        labels.add("historical")
    return frozenset(labels)


# the words ``is_content`` rules out, in one set: one look-up per call (it runs per token, often)
_NOT_CONTENT = frozenset(
    STOPWORDS | terms.GENERIC_WORDS | frozenset(terms.NUMBER_WORDS) | terms.DEMOGRAPHIC_WORDS
)


def is_content(tok: Token) -> bool:
    """A word that carries checkable content: not a stopword, generic word or number."""
    text = tok.text
    if len(text) <= 2:
        # "MI", "DM"; "ca" beside an organ, keyed as cancer ("breast ca")
        return text in _SHORT_CONDITIONS or (text == "ca" and tok.stem != text)
    return not text[0].isdigit() and text not in _NOT_CONTENT


def _word_content(word: str) -> bool:
    """``is_content`` of a token of the word as the analysis makes it, read once per word (a
    "ca" keyed as cancer is content too: :func:`_cancer_abbreviation` marks it)."""
    if len(word) <= 2:
        content = word in _SHORT_CONDITIONS
    else:
        content = not word[0].isdigit() and word not in _NOT_CONTENT
    if len(_CONTENT_WORDS) >= 200_000:
        _CONTENT_WORDS.clear()
    _CONTENT_WORDS[word] = content
    return content


_CONTENT_WORDS: dict[str, bool] = {}


# two-letter abbreviations that name a condition ("MI", "DM", "AF"); "PE" (an examination too),
# "RA" (room air) and "MS" (multiple sclerosis, mitral stenosis, morphine) are not read as one
_SHORT_CONDITIONS = frozenset({"mi", "dm", "af", "uc", "oa", "tb", "cf"})


_CLINICAL_SUFFIX = re.compile(
    r"(itis|osis|emia|oma|omas|ectomy|otomy|ostomy|plasty|scopy|graphy|gram|pathy|algia|uria|"
    r"penia|megaly|plegia|paresis|trophy|rrhea|rrhage|cardia|pnea|lysis|cyte|cytes|ology|ologist|"
    r"edema)$"
)


def is_clinical(tok: Token) -> bool:
    """A word that names a diagnosis, finding, test, body part or treatment (read once per
    word: the answer depends on the word alone)."""
    word = tok.text
    known = _CLINICAL.get(word)
    if known is None:
        if len(_CLINICAL) >= 100_000:
            _CLINICAL.clear()
        known = _CLINICAL[word] = (
            word in terms.CLINICAL_WORDS
            or word in terms.ANATOMY
            or word.rstrip("s") in terms.ANATOMY
            or word in _SYNONYM_KEY
            or (len(word) > 5 and _CLINICAL_SUFFIX.search(word) is not None)
            or default_lexicon().variants.get(word) is not None
        )
    return known


_CLINICAL: dict[str, bool] = {}
