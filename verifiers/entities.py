"""entities.v1: clinical entities of the output that the input does not support.

An entity is a concept of a curated table (written for medfact): a condition, a procedure or test,
a care setting, a high-alert medication class member, a code status, an age, a sex or a household
member. Each concept has its aliases, abbreviations and lay names, so that "CHF" is supported by
"congestive heart failure" and "72F" by "72-year-old woman"; rewording is not a finding. An
affirmed entity of the output whose concept the input never names is a fabricated claim; an age,
sex or code status that the input states differently is a contradiction.

The tables and finders here are shared with omission.v1 (critical content the output drops) and
drugs.v1 (the high-alert classes).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from medfact.analysis import (
    AFFIRMED,
    FAMILY,
    HYPOTHETICAL,
    NEGATED,
    AnalyzedText,
    Token,
    once_per_text,
    presupposed,
)
from medfact.document import CaseDoc
from medfact.errors import ConfigError
from medfact.lab_criteria import haemoglobin_low, urine_infection_shown
from medfact.lexicon.abbreviations import ABBREVIATION, abbreviated_in, spelled_out
from medfact.lexicon.actions import acted_on, action_kind, told
from medfact.lexicon.drugs import class_named, class_of_drug, default_lexicon
from medfact.lexicon.parts import clauses, described
from medfact.lexicon.tables import read_tables
from medfact.lexicon.terms import ANATOMY, DOSE_CLASSES
from medfact.registry import verifiers
from medfact.rehint import fast_compile, lower_ascii
from medfact.taxonomy import ErrorCategory
from medfact.textutil import SPELLED_LETTERS, STOPWORDS, sentence_at
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule

# The concept tables live in medfact/lexicon/data/entities.toml (its header says how they are
# matched): each concept's names, and the words that support it in the input without naming it.
_TABLE = "entities.toml"
_KINDS = ("condition", "procedure", "setting", "high_alert")
_FIELDS = frozenset({"names", "support", "signs", "lay", "broader", "near", "topic"})


def _phrases(where: str, value: Any) -> tuple[str, ...]:
    """A list of non-empty strings, each once, as a tuple; a ConfigError naming ``where``."""
    if not isinstance(value, list) or not value:
        raise ConfigError(f"lexicon table data/{_TABLE}, {where}: must be a non-empty list")
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, str) or not item.strip() or item in seen:
            raise ConfigError(
                f"lexicon table data/{_TABLE}, {where}: {item!r} is not a non-empty string "
                "listed once"
            )
        seen.add(item)
    return tuple(value)


_Words = dict[tuple[str, str], tuple[str, ...]]


def _load() -> tuple[dict[str, dict[str, tuple[str, ...]]], _Words, _Words, _Words, _Words]:
    """The names of each kind's concepts, and the support words (lay names among them), signs,
    lay names and broader findings of (kind, concept)."""
    data = read_tables(_TABLE)
    names: dict[str, dict[str, tuple[str, ...]]] = {}
    support: _Words = {}
    signs: _Words = {}
    lay: _Words = {}
    broader: _Words = {}
    for kind in _KINDS:
        table = data.get(kind)
        if not isinstance(table, dict):
            raise ConfigError(f"lexicon table data/{_TABLE} has no [{kind}.*] concepts")
        names[kind] = {}
        for concept, entry in table.items():
            where = f"[{kind}.{concept!r}]"
            if not isinstance(entry, dict) or "names" not in entry or set(entry) - _FIELDS:
                raise ConfigError(
                    f"lexicon table data/{_TABLE}, {where}: must have 'names' and may have "
                    "'support', 'signs', 'lay', 'broader', 'near' and 'topic'; received "
                    f"{sorted(entry) if isinstance(entry, dict) else entry!r}"
                )
            names[kind][concept] = _phrases(f"{where} names", entry["names"])
            if "support" in entry:
                support[(kind, concept)] = _phrases(f"{where} support", entry["support"])
            if "signs" in entry:
                signs[(kind, concept)] = _phrases(f"{where} signs", entry["signs"])
            if "broader" in entry:
                broader[(kind, concept)] = _phrases(f"{where} broader", entry["broader"])
            if "lay" in entry:
                lay[(kind, concept)] = _phrases(f"{where} lay", entry["lay"])
                support[(kind, concept)] = (
                    *support.get((kind, concept), ()),
                    *lay[(kind, concept)],
                )
    return names, support, signs, lay, broader


# SUPPORT_ONLY: words that support a concept in the input wherever they stand; SIGNS: words that
# support it only where the input does not deny them ("no hernias", "denies seizures"); LAY: support
# words that name the concept itself, so that their denial denies it ("Any sugar? - No");
# BROADER: findings or classes of which the concept is a more specific diagnosis, a clinician's
# judgement that an output may name but that a reader should confirm ("heart rhythm disorder" for
# atrial fibrillation).
def _with_class_names(support: _Words, classes: dict[str, tuple[str, ...]]) -> _Words:
    """``support`` where a support word that names a class of ``classes`` ("insulin") stands
    for every name of that class too ("glargine", "aspart", "Lantus"): an input that names the
    member names the class its support word means."""
    out: _Words = {}
    for key, words in support.items():
        extra = [n for w in words if w.lower() in classes for n in classes[w.lower()]]
        out[key] = tuple(dict.fromkeys((*words, *extra)))
    return out


_TOPIC_REACH = 150  # characters either side of a "near" word where its topic may be named


def _near_rows() -> list[tuple[str, str, tuple[str, ...], re.Pattern[str]]]:
    """(kind, concept, near words, topic pattern) of each concept with ``near`` and ``topic``:
    words that support it only where the input names its topic close by ("stent" near
    "heart": "Any heart problems? - I had a stent put in")."""
    rows = []
    for kind in _KINDS:
        for concept, entry in read_tables(_TABLE).get(kind, {}).items():
            if "near" not in entry:
                continue
            where = f"[{kind}.{concept!r}]"
            if "topic" not in entry:
                raise ConfigError(f"lexicon table data/{_TABLE}, {where}: 'near' needs 'topic'")
            topic = _phrases(f"{where} topic", entry["topic"])
            alts = "|".join(re.escape(t) for t in sorted(topic, key=len, reverse=True))
            pattern = re.compile(rf"\b(?:{alts})\b", re.IGNORECASE)
            rows.append((kind, concept, _phrases(f"{where} near", entry["near"]), pattern))
    return rows


_NAMES, SUPPORT_ONLY, SIGNS, LAY, BROADER = _load()
_NEAR = _near_rows()
SUPPORT_ONLY = _with_class_names(SUPPORT_ONLY, _NAMES["high_alert"])
CONDITIONS: dict[str, tuple[str, ...]] = _NAMES["condition"]
PROCEDURES: dict[str, tuple[str, ...]] = _NAMES["procedure"]
SETTINGS: dict[str, tuple[str, ...]] = _NAMES["setting"]
# ISMP high-alert medication classes (acute and community lists), members by generic and brand.
HIGH_ALERT: dict[str, tuple[str, ...]] = _NAMES["high_alert"]

_FAMILY = ("wife", "husband", "partner", "daughter", "son", "mother", "father", "sister", "brother")
_AGE = re.compile(  # "45-year-old", "45 yo", "72F", "aged 60"; not "5 years ago"
    r"\b(\d{1,3})[\s-]*(?:years?|yrs?)[\s-]+old\b|\b(\d{1,3})\s*(?:y/o|yo\b|y\.o\.)"
    r"|\b(\d{1,3})\s?(?:F|M)\b|\baged?\s+(\d{1,3})\b"
)
# "54F", "32 M"; not a temperature's degrees ("100.4 F") or a decimal's last digits (tested in
# code: a look-behind here would slow the scan of every text)
_SEX_AFTER_AGE = re.compile(r"\b\d{1,3}\s?(?:(?P<f>F)|(?P<m>M))\b")
# what every match of _AGE (but its "aged" form) and of _SEX_AFTER_AGE holds: patterns without a
# leading "\b", which re scans for fast
_AGE_HINT = re.compile(r"\d[\s-]*[yFM]")
_SEX_HINT = re.compile(r"\d\s?[FM]")
_HOUSEHOLD = fast_compile(
    r"\blives?\s+with\s+(?:his|her|their|a|an|the)?\s*(" + "|".join(_FAMILY) + r")s?\b",
    re.IGNORECASE,
)


_WORD = re.compile(r"[A-Za-z0-9]+")
_AGE_SEX = re.compile(r"[^\S\n]+\d{1,3}[^\S\n]?[MF]\b")
# a spelled-out run after the article "a" or the pronoun "I" ("a C T scan", "I C U")
_SPELLED_AFTER_WORD = re.compile(r"\b[AI] ([A-Z](?: [A-Z]\b)+)")
# two letters joined by "and" as spoken: "D and C", "I and D" (D&C, I&D)
_SPELLED_AND = re.compile(r"\b([A-Z]) and ([A-Z])\b")
# what every match of SPELLED_LETTERS holds: without the leading "\b", re scans for it fast
_SPELLED_HINT = re.compile(r"[A-Z] [A-Z]")
_SPELLED_AND_HINT = re.compile(r"[A-Z] and [A-Z]")  # the same for _SPELLED_AND


def _spells_out(text: str) -> bool:
    """Whether ``text`` spells out letters ("U T I", "D and C"): SPELLED_LETTERS or
    _SPELLED_AND matches in it."""
    return bool(
        (_SPELLED_HINT.search(text) and SPELLED_LETTERS.search(text))
        or (" and " in text and _SPELLED_AND_HINT.search(text) and _SPELLED_AND.search(text))
    )


def _exact(alias: str) -> bool:
    """All-caps abbreviations (CT, ED, PE) match only as written; other aliases in any case."""
    return alias.isupper() or (alias[:1].isupper() and alias[1:2].isupper())


# Abbreviations that, in lower case, are ordinary words or too ambiguous to read as the concept.
_WORDLIKE = frozenset(
    ["us", "ed", "er", "pe", "mi", "ra", "af", "hd", "lp", "tb", "aids", "dm", "fx", "ms", "mr"]
    + ["cad", "ich", "icd", "oa", "sdh", "tia", "pci"]
)
# An alias followed by one of these words names something else ("CVA tenderness": the flank).
_NOT_BEFORE = {
    ("cva",): frozenset({"tenderness"}),
    ("septic",): frozenset({"screen", "workup", "work-up", "work"}),  # tests, not sepsis
    ("rheumatoid",): frozenset({"factor"}),  # a blood test, not the arthritis
    # "DVT prophylaxis", "VTE ppx", "DVT risk assessment": a prevention, not a clot ("VTE" is no
    # name of the concept: notes write it for its prevention)
    **dict.fromkeys(
        [("dvt",), ("venous", "thromboembolism")],
        frozenset({"prophylaxis", "ppx", "prevention", "risk", "assessment", "stockings"}),
    ),
    # "adjuvant radiation therapy": the adjuvant is the radiation, not chemotherapy
    ("adjuvant",): frozenset({"radiation", "radiotherapy", "endocrine", "hormonal", "hormone"}),
    # "ER strength 5/5", "ER/IR": external rotation; "ER positive", "ER/PR/HER2": the oestrogen
    # receptor; not the emergency room
    ("er",): frozenset(
        {"strength", "rotation", "rom", "ir", "positive", "negative", "status", "pr", "her2"}
    ),
}
# A condition named as what a test looks for ("dementia screen bloods", "sepsis screen", "anaemia
# work-up", "cancer screening"): the test, not the diagnosis, unless a positive result follows in
# its clause ("HIV screen positive").
_TESTED_FOR = re.compile(
    r"[ \t]*-?[ \t]*(?:screen(?:s|ing|ed)?|work[ \t-]?up)\b"
    r"(?![^.;\n]{0,40}\b(?:positive|pos|\+ve|reactive|detected|confirmed)\b)",
    re.IGNORECASE,
)
# Abbreviations that mean something else after these words: "SpO2 91% RA" and "on RA" are room
# air, not rheumatoid arthritis.
_NOT_AFTER = {
    ("ra",): re.compile(r"(?:%|\bon|\bsats?|\bspo2|\bo2|\bsaturations?)\s*$", re.I),
    # "renal fx normal", "LFTs: liver fx ok": an organ's function, not a fracture
    ("fx",): re.compile(
        r"\b(?:renal|kidney|liver|hepatic|thyroid|lung|pulmonary|bowel|bladder|cardiac|heart|"
        r"LV|RV|ventricular|systolic|diastolic|motor|sensory|cognitive|sexual)\s*$",
        re.I,
    ),
    # "hormone-receptor positive (ER and PR)": the oestrogen receptor, not the emergency room
    ("er",): re.compile(r"\b(?:receptors?|positive|negative)\s*\(?\s*$", re.I),
    # "low back pain with right leg radiation": where the pain spreads, not radiotherapy
    ("radiation",): re.compile(
        r"\b(?:leg|arm|back|neck|buttock|jaw|shoulder|groin|thigh|calf|pain|no|without)\s*$",
        re.I,
    ),
}


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: str
    concept: str
    exact: tuple[str, ...] | None  # the words as they must be written, for abbreviations
    joins: tuple[str, ...] = ()  # an abbreviation's marks between its words ("&" of "D&C")


# British spellings read as American ones ("haemodialysis", "oedema", "anaemia", "paediatric").
_BRITISH = (
    ("haem", "hem"),
    ("aemia", "emia"),
    ("oedem", "edem"),
    ("oesoph", "esoph"),
    ("paed", "ped"),
    ("anaesth", "anesth"),
    ("oestr", "estr"),
    ("diarrhoea", "diarrhea"),
    ("tumour", "tumor"),
    ("coeliac", "celiac"),
    ("foet", "fet"),
    ("ischaem", "ischem"),
    ("caec", "cec"),
    ("gynaec", "gynec"),
    ("leukaem", "leukem"),
    ("pnoe", "pne"),  # apnoea, dyspnoea
)


_NUMBERED = re.compile(r"(?<![\w-])\d-")  # a numbered chemical name: "5-fluorouracil"
# a specialty or its specialist, whose name may close a compound ("gynae-oncology", "neuro-
# oncologist", "uro-gynaecology"): the part before the hyphen narrows the field, never denies it
_SPECIALTY = re.compile(r"olog(?:y|ist|ists|ical)$")


_JOIN = re.compile(r"[^A-Za-z0-9]+")


def _joins(alias: str) -> tuple[str, ...]:
    """The marks between an abbreviation's words where one is not a space or hyphen ("&" of
    "D&C", "I&D"): the abbreviation is read only with those marks, since another mark makes
    another abbreviation ("D/C": discharge or discontinue, ISMP's list of error-prone
    abbreviations); () where every mark is a space or hyphen ("AV block")."""
    marks = tuple(" " if set(j) <= {" ", "-"} else j.strip() for j in _JOIN.findall(alias))
    return marks if any(j != " " for j in marks) else ()


def _fold(word: str) -> str:
    """A word in lower case with British spellings made American."""
    low = word.lower()
    if "ae" in low or "oe" in low or "our" in low:
        for british, american in _BRITISH:
            low = low.replace(british, american)
    return low


_DETERMINERS = frozenset({"the", "a", "an", "his", "her", "my", "your", "their", "our", "its"})


def _fold_determiner(word: str) -> str:
    """``_fold``, with every determiner read as "the"."""
    low = _fold(word)
    return "the" if low in _DETERMINERS else low


def _singular(word: str, cut: int) -> str:
    """``word`` less a plural ending: "s" (cut 1), "es" (2), or "ies" made "y" (3:
    "hysterectomies", "biopsies"); a word not ending in "ies" has no third form."""
    if cut < 3:
        return word[:-cut]
    return word[:-3] + ("y" if word[-1] == "s" else "Y") if word.lower().endswith("ies") else word


_FEW_NEEDLES = 32  # an index with at most this many first words looks them up first


class _Words:
    """A text's words (runs of letters and digits) as written and folded (``_fold``), with
    where each is (found only where an index matches one). Shared by the indexes that read the
    same text, which never change it."""

    __slots__ = ("text", "words", "folded", "_determined", "_spans")

    def __init__(self, text: str) -> None:
        self.text = text
        self.words: list[str] = _WORD.findall(text)
        if text.isascii():
            # the folded text's words are the words folded: a British spelling lies in one word
            self.folded: list[str] = _WORD.findall(_fold(text))
        else:
            self.folded = [_fold(w) for w in self.words]
        self._determined: list[str] | None = None
        self._spans: list[tuple[int, int]] | None = None

    def determined(self) -> list[str]:
        """The folded words with every determiner read as "the" (``_fold_determiner``)."""
        if self._determined is None:
            self._determined = ["the" if w in _DETERMINERS else w for w in self.folded]
        return self._determined

    def spans(self) -> list[tuple[int, int]]:
        """Where each word starts and ends."""
        if self._spans is None:
            self._spans = [m.span() for m in _WORD.finditer(self.text)]
        return self._spans


@lru_cache(maxsize=4)  # the texts of one case, which its indexes read in turn
def _words(text: str) -> _Words:
    return _Words(text)


class AliasIndex:
    """Finds aliases of concepts in one pass over a text's words (1-4 word keys, plurals folded).

    Words are runs of letters and digits, so "x-ray", "x ray" and "X-rays" are one key.
    """

    def __init__(
        self,
        rows: list[tuple[str, str, tuple[str, ...]]],
        loose: bool = False,
        determiners: bool = False,
    ) -> None:
        """``loose``: abbreviations match in any case too ("ekg" in a lower-case transcript),
        except those that are also words ("us", "ed", "aids"). ``determiners``: "the", "a",
        "his", "her", "my", "your" ... are one word, so that "a tracing of the heart" matches
        "a tracing of your heart" (for lay phrases, which people say with any of them)."""
        self.fold = _fold_determiner if determiners else _fold
        self.keys: dict[tuple[str, ...], list[_Entry]] = {}
        for kind, concept, aliases in rows:
            for alias in aliases:
                words = tuple(_WORD.findall(alias))
                exact = _exact(alias) and (not loose or alias.lower() in _WORDLIKE)
                joins = _joins(alias) if exact else ()
                entry = _Entry(kind, concept, words if exact else None, joins)
                self.keys.setdefault(tuple(self.fold(w) for w in words), []).append(entry)
        # only where a longer key starts is a longer match worth trying, up to the longest key
        # that starts there
        self.first_words: dict[str, int] = {}
        for k in self.keys:
            if len(k) > 1:
                self.first_words[k[0]] = max(len(k), self.first_words.get(k[0], 0))
        # one-word keys: a word that is none (nor its singular) and starts no longer key is
        # passed over without a look-up
        self.singles = frozenset(k[0] for k in self.keys if len(k) == 1)
        self.starters = self.singles | self.first_words.keys()
        # what every match's first folded word holds: a key's first word, less the "y" a
        # plural in "ies" drops ("biopsies" holds "biops")
        self.needles = frozenset(
            k[0][:-1] if len(k) == 1 and k[0].endswith("y") else k[0] for k in self.keys
        )
        # a small index ("stent", the drug abbreviations) looks them up in the text first
        self.few = len(self.needles) <= _FEW_NEEDLES

    def _lookup(self, words: list[str], lowers: list[str], i: int, n: int) -> list[_Entry]:
        key = tuple(lowers[i : i + n])
        entries = self.keys.get(key)
        last = key[-1]
        if entries is None and last.endswith("s") and len(last) > 3:
            for cut in (1, 2, 3):  # "x rays", "strokes", "biopsies"
                entries = self.keys.get(key[:-1] + (_singular(last, cut),))
                if entries is not None:
                    break
            else:
                return []
            written = tuple(words[i : i + n - 1]) + (_singular(words[i + n - 1], cut),)
            if cut > 1:  # an abbreviation's plural adds "s" only: "ERAS" is no "ER"
                entries = [e for e in entries if e.exact is None]
        elif entries is None:
            return []
        else:
            written = tuple(words[i : i + n])
        return [e for e in entries if e.exact is None or e.exact == written]

    def may_find(self, text: str) -> bool:
        """False only where ``find`` finds nothing in ``text``: its lower-cased copy holds no
        key's ``needles`` (a word's folded form holds them only where the word does, unless a
        British spelling is folded in it or a determiner read as "the")."""
        low = text.lower()
        if any(british in low for british, _ in _BRITISH):
            return True
        if self.fold is _fold_determiner and any(n in "the" for n in self.needles):
            return True
        return any(n in low for n in self.needles)

    def find(self, text: str, kinds: tuple[str, ...] | None = None) -> list[Mention]:
        if self.few and not self.may_find(text):
            return []  # none of its words: the text need not be read word by word
        read = _words(text)
        words = read.words
        lowers = read.determined() if self.fold is _fold_determiner else read.folded
        spans: list[tuple[int, int]] = []  # read at the first match
        found: list[Mention] = []
        total = len(words)
        first_words = self.first_words
        at = 0  # the first word after the last match
        for i in self._starts(lowers):
            if i < at:
                continue  # inside the last match
            # a longer key's first word: up to the longest key that starts with it; else one
            longest = min(first_words.get(lowers[i], 1), total - i)
            for n in range(longest, 0, -1):
                hits = self._lookup(words, lowers, i, n)
                if kinds is not None:
                    hits = [e for e in hits if e.kind in kinds]
                if not hits:
                    continue
                spans = spans or read.spans()
                start, end = spans[i][0], spans[i + n - 1][1]
                if n > 1 and any(e.joins for e in hits):
                    joins = _joins(text[start:end])
                    hits = [e for e in hits if not e.joins or e.joins == joins]
                    if not hits:
                        continue
                if (
                    text[start - 1 : start] in ("/", "-")
                    and not _NUMBERED.match(text, start - 2)
                    and not _SPECIALTY.search(lowers[i + n - 1])
                ) or text[end : end + 1] == "/":
                    continue  # part of shorthand ("c/s") or of a longer hyphenated word
                if text[end : end + 1] == "-" and text[end + 1 : end + 2].isalnum():
                    continue  # "MRI-guided"; not a word cut off in a transcript ("an mri- ")
                if text[end : end + 1] == "+":  # "ER+": a receptor or marker result, no place
                    hits = [e for e in hits if e.kind != "setting"]
                    if not hits:
                        continue
                if any(e.kind == "condition" for e in hits) and _TESTED_FOR.match(text, end):
                    hits = [e for e in hits if e.kind != "condition"]  # "dementia screen"
                    if not hits:
                        continue
                after = _NOT_BEFORE.get(tuple(lowers[i : i + n]))
                if after and i + n < total and lowers[i + n] in after:
                    continue
                before = _NOT_AFTER.get(tuple(lowers[i : i + n]))
                if before and before.search(text, max(0, start - 16), start):
                    continue
                if (
                    n == 1
                    and len(words[i]) <= 3
                    and words[i].isupper()
                    and _AGE_SEX.match(text, end)
                ):
                    continue  # "B2-4 LP 71M", "LM 33M": a patient's initials before age and sex
                for e in dict.fromkeys(hits):
                    found.append(Mention(e.kind, e.concept, start, end, text[start:end]))
                at = i + n
                break
        return found

    def _starts(self, lowers: list[str]) -> list[int]:
        """Where a match may start: a longer key's first word, a one-word key, or its plural
        ("strokes", "biopsies"); the other words are passed over without a look-up."""
        starters, singles = self.starters, self.singles
        return [
            i
            for i, low in enumerate(lowers)
            if low in starters
            or (
                len(low) > 3
                and low[-1] == "s"
                and (
                    low[:-1] in singles
                    or low[:-2] in singles
                    or (low.endswith("ies") and low[:-3] + "y" in singles)
                )
            )
        ]


@dataclass(frozen=True, slots=True)
class Mention:
    """A concept named in a text: ``kind`` is condition, procedure, setting or high-alert class."""

    kind: str
    concept: str
    start: int
    end: int
    surface: str


def _rows() -> list[tuple[str, str, tuple[str, ...]]]:
    rows = []
    for kind, table in (
        ("condition", CONDITIONS),
        ("procedure", PROCEDURES),
        ("setting", SETTINGS),
        ("high_alert", HIGH_ALERT),
    ):
        rows += [(kind, concept, aliases) for concept, aliases in table.items()]
    return rows


@lru_cache(maxsize=1)
def _index() -> AliasIndex:
    return AliasIndex(_rows())


_SIGN = "sign of "  # a sign's kind in the support index: "sign of condition"


@lru_cache(maxsize=1)
def _support_index() -> AliasIndex:
    """Support words and signs, in one index (one pass over the input)."""
    rows = [(k, c, a) for (k, c), a in SUPPORT_ONLY.items()]
    rows += [(_SIGN + k, c, a) for (k, c), a in SIGNS.items()]
    return AliasIndex(rows, determiners=True)


@lru_cache(maxsize=256)
def _mentions(text: str) -> tuple[Mention, ...]:
    return tuple(_index().find(text))


def mentions(text: str, kinds: tuple[str, ...] | None = None) -> list[Mention]:
    """Every concept mention of ``text``, in text order."""
    found = _mentions(text)
    return [m for m in found if kinds is None or m.kind in kinds]


@lru_cache(maxsize=1)
def _loose_index() -> AliasIndex:
    return AliasIndex([(k, c, a) for k, c, a in _rows()], loose=True)


@lru_cache(maxsize=256)
def _support_mentions(text: str) -> tuple[tuple[Mention, ...], tuple[Mention, ...]]:
    """The support words and the signs of a text (each with its concept's own kind)."""
    support, signs = [], []
    for m in _support_index().find(text):
        if m.kind.startswith(_SIGN):
            signs.append(Mention(m.kind[len(_SIGN) :], m.concept, m.start, m.end, m.surface))
        else:
            support.append(m)
    return tuple(support), tuple(signs)


@lru_cache(maxsize=256)
def _loose_mentions(text: str) -> tuple[Mention, ...]:
    """The concept names of a text, abbreviations in any case too ("ekg")."""
    return tuple(_loose_index().find(text))


@lru_cache(maxsize=256)
def _loose_concepts(text: str) -> frozenset[tuple[str, str]]:
    """Concepts a text names or spells out ("U T I")."""
    return frozenset((m.kind, m.concept) for t in _spelled_joins(text) for m in _loose_mentions(t))


def _spelled_joins(text: str) -> tuple[str, ...]:
    """``text`` with its spelled-out letters joined ("U T I" -> "UTI", "D and C" -> "D&C"), and
    a second reading that keeps a leading "A"/"I" a word of its own ("a C T scan" -> "a CT
    scan") where the text has one."""
    spelled_and = " and " in text and _SPELLED_AND_HINT.search(text)
    anded = _SPELLED_AND.sub(r"\1&\2", text) if spelled_and else text
    if not _SPELLED_HINT.search(anded):
        return (anded,)  # no capitals spelled out: every match below holds two ("U T")
    joined = _join_letters(anded)
    if not _SPELLED_AFTER_WORD.search(anded):
        return (joined,)
    apart = _SPELLED_AFTER_WORD.sub(lambda m: m.group()[:2] + m.group(1).replace(" ", ""), anded)
    return joined, _join_letters(apart)


def _join_letters(text: str) -> str:
    """``text`` with each run of spelled-out capitals joined ("U T I" -> "UTI")."""
    return SPELLED_LETTERS.sub(lambda m: m.group().replace(" ", ""), text)


def _named_concepts(text: str) -> frozenset[tuple[str, str]]:
    """Concepts a text names, spells out or supports by a support word."""
    named = _loose_concepts(text) | {(m.kind, m.concept) for m in _support_mentions(text)[0]}
    return named | _turned_concepts(text)


def _head_last(name: str) -> tuple[str, str] | None:
    """A two-word name's (head, modifier), plurals folded: "water infection" -> ("infection",
    "water"); None for other names."""
    words = name.split()
    if len(words) != 2 or not all(w.isalpha() and w.islower() for w in words):
        return None
    return _fold(words[1]).rstrip("s"), _fold(words[0]).rstrip("s")


@lru_cache(maxsize=1)
def _turned_names() -> dict[tuple[str, str], tuple[str, str]]:
    """(head, modifier) of the two-word names of conditions and procedures -> (kind, concept)."""
    turned: dict[tuple[str, str], tuple[str, str]] = {}
    for kind, table in (("condition", CONDITIONS), ("procedure", PROCEDURES)):
        for concept, aliases in table.items():
            for alias in aliases:
                if (pair := _head_last(alias)) is not None:
                    turned.setdefault(pair, (kind, concept))
    return turned


# a head noun, then what it is of or in: "the infection in his water", "stones in the kidney"
_TURNED = fast_compile(
    r"\b([a-z]+)\s+(?:in|of|on)\s+(?:(?:the|his|her|my|your|their|a|an|our)\s+)?([a-z]+)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=256)
def _turned_concepts(text: str) -> frozenset[tuple[str, str]]:
    """Concepts a text names with the words of a two-word name turned round ("the infection in
    his water" for a water infection, "stones in the kidney" for kidney stones)."""
    turned, heads = _turned_names(), _turned_heads()
    found = set()
    for m in _TURNED.finditer(text):
        head = _fold(m.group(1)).rstrip("s")
        if head not in heads:
            continue  # no turned name has this head (most "X of Y")
        pair = (head, _fold(m.group(2)).rstrip("s"))
        if pair in turned:
            found.add(turned[pair])
    return frozenset(found)


@lru_cache(maxsize=1)
def _turned_heads() -> frozenset[str]:
    """The heads of the turned names (``_turned_names``)."""
    return frozenset(head for head, _ in _turned_names())


def _signs(text: str) -> tuple[Mention, ...]:
    return _support_mentions(text)[1]


def supported_concepts(text: str) -> set[tuple[str, str]]:
    """(kind, concept) pairs a text supports: named, spelled out ("U T I"), by a lay word or by
    a sign, denied or not (a text without its analysis)."""
    return set(_named_concepts(text)) | {(m.kind, m.concept) for m in _signs(text)}


def high_alert_class(name: str) -> str | None:
    """The ISMP high-alert class of a drug name (generic, brand or class word), or None."""
    found = mentions(name, ("high_alert",))
    return found[0].concept if found else None


def polarity_at(doc: AnalyzedText, start: int, end: int) -> str:
    """The polarity of the first token of [start, end) (affirmed when there is none)."""
    toks = doc.tokens_in(start, end)
    return toks[0].polarity if toks else AFFIRMED


_POSSESSIVE_BEFORE = re.compile(r"\b(?:his|her|my|your|their|our)\s+$", re.IGNORECASE)


@lru_cache(maxsize=8)
def _age_matches(text: str) -> tuple[re.Match[str], ...]:
    """Every match of :data:`_AGE` in ``text``, read once: entities.v1 reads the input's ages
    twice (with and without events) and compare.v1 once more."""
    if "age" not in text and not _AGE_HINT.search(text):
        return ()
    return tuple(_AGE.finditer(text))


_NOW_AGED = fast_compile(r"\b(?:now|currently|turned|turning)\s+(\d+)\b", re.IGNORECASE)


def _age_now(text: str, age: int) -> bool:
    """Whether ``text`` gives ``age`` as the age now or lately reached ("now 17", "turned
    40"): one pattern for every age, the number compared as written."""
    said = str(age)
    return any(m.group(1) == said for m in _NOW_AGED.finditer(text))


def ages(text: str, events: bool = True) -> list[tuple[int, int, int]]:
    """(age, start, end) of each stated age ("45-year-old", "72F", "aged 60"); with ``events``
    off, not the age at an event ("appendectomy at age 7")."""
    out = []
    for m in _age_matches(text):
        if _POSSESSIVE_BEFORE.search(text, max(0, m.start() - 8), m.start()):
            continue  # "his 4-year-old daughter": someone else's age
        if m.group(3) and _after_decimal(text, m.start()):
            continue  # "100.4 F": the last digits of a decimal
        if text[m.start() - 1 : m.start()] == "/":
            continue  # "8/12 F": eight months old (twelfths of a year), not 12
        if (
            m.group(3)
            and m.group().endswith("F")
            and _TEMPERATURE_BEFORE.search(text, max(0, m.start() - 24), m.start())
        ):
            continue  # "fever above 101 F": degrees Fahrenheit
        if _AGE_RANGE.search(text, max(0, m.start() - 30), m.start()):
            continue  # "children between the ages of 9 to 11 years old": a group, not the patient
        if not events and _EVENT_AGE_BEFORE.search(text, max(0, m.start() - 12), m.start()):
            continue  # "appendectomy at age 7", "breast cancer at age 40": an event's age
        if not events and _RELATIVE_BEFORE.search(text, max(0, m.start() - 30), m.start()):
            continue  # "FHx: father - SCD aged 41": a relative's age
        value = next(g for g in m.groups() if g is not None)
        out.append((int(value), m.start(), m.end()))
    if "M" in text:  # "Mr", "Mrs", "Ms", "Miss", "Master"
        named = [(int(m.group(1)), m.start(1), m.end(1)) for m in _NAMED_AGE.finditer(text)]
        out = sorted(out + [a for a in named if a[0] <= 120], key=lambda a: a[1])
    return out


# A letter's or handover's age after the patient's name: "Mr Arjun Patel, 58, a retired taxi
# driver", "Mrs Hana Sato, 34, P1."
_NAMED_AGE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Master)\.?[^\S\n]+(?:[A-Z][\w'-]*\.?[^\S\n]+){0,3}?[A-Z][\w'-]+,"
    r"[^\S\n]*(\d{1,3})(?=[^\S\n]*(?:[,.;)\n]|$))"
)


_EVENT_AGE_BEFORE = re.compile(
    r"\b(?:at|since|from|by|until|before|after|around|when)\s+(?:the\s+)?$", re.IGNORECASE
)
_RELATIVE_BEFORE = re.compile(
    r"\b(?:father|mother|dad|mum|mom|brother|sister|son|daughter|uncle|aunt|grandfather|"
    r"grandmother|cousin|husband|wife|partner)\b[^.;\n]*$",
    re.IGNORECASE,
)
_BIRTH = re.compile(r"\b(?:DOB|D\.O\.B\.?|date of birth|born (?:on|in))\b", re.IGNORECASE)
_DECADES = ("twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties")
_DECADE = re.compile(  # "in her sixties", "in his 60s", "in their late 70's"
    r"\bin\s+(?:his|her|their|the)\s+(?:(?:early|mid|late)[\s-]+)?"
    r"(?:(" + "|".join(_DECADES) + r"|nineties)|([2-9]0)'?s)\b",
    re.IGNORECASE,
)


def _in_decade(age: int, text: str) -> bool:
    """Whether the text puts the patient in the decade of ``age`` ("in her sixties")."""
    for m in _DECADE.finditer(text):
        tens = (_DECADES + ("nineties",)).index(m.group(1).lower()) * 10 + 20 if m.group(1) else 0
        if (tens or int(m.group(2))) == age // 10 * 10:
            return True
    return False


_AGE_RANGE = re.compile(r"(?:\d+\s*(?:to|-|and|through)\s*|\bages\s+(?:of\s+)?)$", re.IGNORECASE)


_SEX_WORDS = {
    **dict.fromkeys(("woman", "women", "female", "girl", "lady", "mrs", "ms"), "f"),
    **dict.fromkeys(("man", "men", "male", "boy", "gentleman", "mr"), "m"),
}
_TITLES = frozenset({"mr", "mrs", "ms"})
_PRONOUNS = {
    **dict.fromkeys(("she", "her", "hers"), "f"),
    **dict.fromkeys(("he", "him", "his"), "m"),
}
_SEX_MARKERS = {**_SEX_WORDS, **_PRONOUNS}  # the words and pronouns share no word


def sexes(doc: AnalyzedText, pronouns: bool) -> Iterator[tuple[str, int, int]]:
    """("f" or "m", start, end) of each sex marker of an analysed text; pronouns when asked."""
    for sex, start, end, pronoun in _sex_markers(doc):
        if pronouns or not pronoun:
            yield sex, start, end


@once_per_text
def _sex_markers(doc: AnalyzedText) -> tuple[tuple[str, int, int, bool], ...]:
    """("f" or "m", start, end, whether a pronoun) of each sex marker of an analysed text, read
    once per text (entities.v1 and compare.v1 ask up to four times)."""
    found = []
    for tok in doc.tokens:
        sex = _SEX_MARKERS.get(tok.text)
        if sex is None:
            continue
        if tok.text in _TITLES and doc.text[tok.start : tok.end].isupper():
            continue  # "nitrofurantoin MR" (modified release), "MS" (multiple sclerosis)
        found.append((sex, tok.start, tok.end, tok.text in _PRONOUNS))
    for m in _SEX_AFTER_AGE.finditer(doc.text) if _SEX_HINT.search(doc.text) else ():
        if _after_decimal(doc.text, m.start()):
            continue  # "100.4 F": the last digits of a decimal
        if m.group("f") and _TEMPERATURE_BEFORE.search(doc.text, max(0, m.start() - 24), m.start()):
            continue  # "Temp 101 F", "fever over 101 F": degrees Fahrenheit
        found.append(("f" if m.group("f") else "m", m.start(), m.end(), False))
    return tuple(found)


def _after_decimal(text: str, start: int) -> bool:
    """Whether the number at ``start`` continues a longer number or a decimal ("100.4")."""
    return start > 0 and (text[start - 1].isdigit() or text[start - 1] == ".")


_TEMPERATURE_BEFORE = re.compile(r"\b(?:temp\w*|fever|febrile|pyrexi\w*|t)\b[^.,;\n]*$", re.I)


PREGNANCY = fast_compile(  # the patient's pregnancy; "born at 34 weeks' gestation" is not one
    r"\b(?:pregnan\w*|hCG positive|positive (?:urine |serum )?hCG|G\d\s*P\d|gravid\w*)",
    re.IGNORECASE,
)
_GRAVIDA_PARA = re.compile(r"g\d\s*p\d")  # "G2P1", in lower-cased text
# "pregnancy check", "pregnancy test": a test of the status, not a pregnancy
_PREGNANCY_TEST = re.compile(
    r"\s*(?:check|checked|test|tests|testing|screen|status|question)\b"
    r"(?![^.;\n]{0,20}\b(?:positive|pos|\+ve)\b)",  # a positive test states one
    re.IGNORECASE,
)


def may_name_pregnancy(text: str) -> bool:
    """Whether PREGNANCY may match in ``text``: each of its forms holds "pregnan", "hcg",
    "gravid" or a G-P code. By substring look-ups where the text is ASCII (ignored case folds a
    few non-ASCII letters: those texts go to the pattern)."""
    low = lower_ascii(text)  # the kept lower-cased copy (None: not ASCII, or a long text)
    if low is None:
        if not text.isascii():
            return True
        low = text.lower()
    return (
        "pregnan" in low or "hcg" in low or "gravid" in low or _GRAVIDA_PARA.search(low) is not None
    )


# A pregnancy of the past ("after her 2nd pregnancy", "during a previous pregnancy"): history, not
# a pregnancy status.
# a pregnancy the output rules out or calls unlikely
_PREGNANCY_DENIED = fast_compile(
    r"\b(?:not pregnant|non-?pregnant|pregnancy (?:is\s+)?(?:unlikely|excluded|ruled out|not "
    r"possible)|(?:no|denies(?:\s+(?:any|the))?) (?:chance|possibility) of (?:a\s+)?pregnancy|"
    r"(?:excluded|ruled out) pregnancy)\b",
    re.IGNORECASE,
)
# the input leaves a pregnancy open: "can't rule it out" (after a pregnancy is named), "pregnancy
# not excluded", "could be pregnant"
_PREGNANCY_OPEN = re.compile(
    r"\b(?:can'?t|cannot|can not|unable to)\s+(?:rule|exclude)\s+(?:it|this|that|a\s+pregnancy|"
    r"pregnancy)(?:\s+out)?\b|\bpregnancy\s+(?:is\s+)?(?:not\s+(?:yet\s+)?(?:excluded|ruled out)|"
    r"cannot be (?:excluded|ruled out)|possible)\b|\b(?:possibly|might be|may be) pregnant\b",
    re.IGNORECASE,
)
_PREGNANCY_REACH = 400  # characters back "can't rule it out" looks for the pregnancy it means
_PAST_PREGNANCY = re.compile(
    r"\b(?:after|during|since|previous|prior|past|last|earlier|each|both|all|first|second|third|"
    r"1st|2nd|3rd|\d+th)\s+(?:(?:her|my|his|their|a|the|two|three)\s+)?$",
    re.IGNORECASE,
)

# a pregnancy told with its outcome is one of the obstetric history ("Pregnancy and delivery
# without complications"), not a pregnancy now
_WITH_ITS_OUTCOME = re.compile(
    r"\s*(?:and|or|&|/)\s*(?:the\s+|her\s+)?(?:delivery|labou?r|birth|childbirth)\b", re.I
)
# a pregnancy a question's denied trouble is about ("problems with your pregnancy? - no")
_TROUBLE_WITH = re.compile(
    r"\b(?:complications?|problems?|issues?|trouble|difficult(?:y|ies))\s+"
    r"(?:with|in|during|of|from)\s+(?:(?:your|her|my|the|this|that|their)\s+)?$",
    re.IGNORECASE,
)

# a pregnancy a method prevents or a test looks for ("an IUD to prevent pregnancy", "to avoid
# pregnancy"): no pregnancy stated
_PREVENTED_PREGNANCY = re.compile(
    r"\b(?:prevent|prevents|preventing|prevention\s+of|avoid|avoiding|against|contracepti\w*"
    r"\s+(?:for|against))\s+(?:a\s+|any\s+|unwanted\s+|unplanned\s+)*$",
    re.IGNORECASE,
)

# a pregnancy test's result: "urine hCG today negative", "positive pregnancy test", "UPT -ve"
_PREGNANCY_RESULT = re.compile(
    r"\b(?:b?hCG|UPT|(?:pregnancy|preg)\s+test|tests?)\b[^.;\n?]{0,30}?"
    r"(?:\b(?P<after>positive|negative)\b|\s(?P<sign>[+-])ve\b)"
    r"|\b(?P<before>positive|negative)\s+(?:urine\s+|serum\s+)?(?:b?hCG|UPT|pregnancy\s+test)\b",
    re.IGNORECASE,
)
# a word every match of _PREGNANCY_RESULT and _DONE_ONE holds, in lower case
_RESULT_WORDS = ("positive", "negative", "+ve", "-ve")
_PREGNANCY_TOPIC = re.compile(r"pregnan|\bb?hcg\b|\bupt\b", re.IGNORECASE)
# a test answered in the next turn: "Have you done a test? - I did one on Saturday and it was,
# um, positive"
_DONE_ONE = re.compile(
    r"\b(?:did|done|took|had)\s+(?:one|a\s+test|it)\b[^.;\n?]{0,40}?\b(?P<said>positive|negative)\b",
    re.IGNORECASE,
)
# a pregnancy test the input has not got a result for yet: "the sample is still awaited", "we'll
# do a pregnancy test before you go to theatre", "urine for hCG requested"
_TEST_NAMED = re.compile(
    r"\b(?:b?hCG|UPT|(?:pregnancy|preg|urine)\s+(?:tests?|sample))\b", re.IGNORECASE
)
# a result awaited, not given: "until the test is negative", "if UPT positive", "once hCG negative"
_AWAITED = re.compile(
    r"\b(?:until|till|unless|if|once|when|whether|pending|as\s+soon\s+as|after)\b[^.;\n]{0,30}$",
    re.IGNORECASE,
)
_TEST_PENDING = re.compile(
    r"\b(?:awaited|pending|not\s+(?:yet|been)\s+(?:done|sent|able)|to\s+be\s+(?:done|sent|taken)|"
    r"requested|(?:we|I)(?:'ll|\s+will)\s+(?:do|send|check|get)|going\s+to\s+(?:do|send|check)|"
    r"can'?t\s+right\s+now|unable\s+to\s+(?:give|pass|provide))\b",
    re.IGNORECASE,
)
_TOPIC_REACH = 120  # characters back a bare "the test" looks for the pregnancy it tests
# a result required before something is done, not one given: "you need to be on contraception
# and have a negative pregnancy test", "it must be negative before we start" (in one clause: "she
# needed a test, which was negative" gives one)
_REQUIRED = re.compile(
    r"\b(?:need(?:s|ed)?|must|require[sd]?|requirement|have\s+to|has\s+to)\b[^.;,\n?]{0,60}$",
    re.IGNORECASE,
)


def _result_given(text: str, start: int) -> bool:
    """Whether the test result word at ``start`` is a result given: not one a plan waits for
    ("once we know the test is negative") or requires ("need a negative pregnancy test")."""
    lo = max(0, start - 80, text.rfind("(", 0, start) + 1)  # "pending review (positive hCG)"
    return not _AWAITED.search(text, lo, start) and not _REQUIRED.search(text, lo, start)


def pregnancy_results(text: str) -> list[tuple[int, int, bool]]:
    """The pregnancy test results of ``text``: span of the result word and whether positive. A
    bare "test" is a pregnancy test only just after a pregnancy is raised ("any chance you could
    be pregnant - no ... the test they did downstairs was negative")."""
    found: list[tuple[int, int, bool]] = []
    low = lower_ascii(text)
    if low is not None and not any(word in low for word in _RESULT_WORDS):
        return found  # no result given (ASCII text: its case folds to ASCII only)
    for m in _PREGNANCY_RESULT.finditer(text):
        if not _PREGNANCY_TOPIC.search(m.group(0)) and not _PREGNANCY_TOPIC.search(
            text, max(0, m.start() - _TOPIC_REACH), m.start()
        ):
            continue
        key = next(k for k in ("after", "sign", "before") if m.group(k))
        if not _result_given(text, m.start(key)):
            continue
        word = m.group(key).lower()
        found.append((m.start(key), m.end(key), word in ("positive", "+")))
    for m in _DONE_ONE.finditer(text):
        if _PREGNANCY_TOPIC.search(text, max(0, m.start() - _TOPIC_REACH), m.start()):
            found.append((m.start("said"), m.end("said"), m.group("said").lower() == "positive"))
    return sorted(found)


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence (or line) holding ``text[start:end]``."""
    before = max(text.rfind(c, 0, start) for c in ".?!\n") + 1
    after = [i for i in (text.find(c, end) for c in ".?!\n") if i >= 0]
    return before, min(after, default=len(text))


def pending_pregnancy_test(text: str) -> tuple[int, int] | None:
    """Where the input names a pregnancy test it has no result for yet ("the sample is still
    awaited", "we'll do a pregnancy test before theatre"); None when it gives a result or names
    no test pending."""
    if pregnancy_results(text):
        return None
    for m in _TEST_NAMED.finditer(text):
        if not _PREGNANCY_TOPIC.search(m.group(0)) and not _PREGNANCY_TOPIC.search(
            text, max(0, m.start() - _TOPIC_REACH), m.start()
        ):
            continue  # a urine test for an infection
        start, end = _sentence_around(text, m.start(), m.end())
        if _TEST_PENDING.search(text, start, end):
            return m.span()
    return None


# --- code status ---------------------------------------------------------------------------------
_FULL = fast_compile(
    # "Mum said she'd want everything done": full code, in the words families use
    r"\bfull\s+(?:code|resuscitation|CPR)\b|\b(?:want(?:s|ed)?|'d want|would want)\s+"
    r"everything\s+(?:done|possible)\b",
    re.IGNORECASE,
)
_DNR = fast_compile(
    r"\b(?:DNR|DNACPR|DNAR|do[\s-]+not[\s-]+(?:attempt[\s-]+)?(?:cardiopulmonary[\s-]+)?"
    # "not for resus": the ward's short form
    r"resuscitat\w*|no\s+(?:CPR|resus(?:citation)?)|not\s+for\s+(?:CPR|resus(?:citation)?)"
    r"|allow natural death)\b"
    # "I do not want to be resuscitated", "she wishes not to be resuscitated"
    r"|\b(?:(?:do(?:es)?\s+not|don't|doesn't|never)\s+(?:want|wish)|(?:wants?|wish(?:es)?)\s+not)"
    r"\s+(?:to\s+be\s+|any\s+)?resuscitat\w*"
    # "If my heart stops, let me go", "let him go peacefully"; not what an employer did ("I
    # don't know why they let me go", "the company let him go")
    r"|\b(?<!they\s)(?<!\bhe\s)(?<!she\s)(?<!boss\s)(?<!pany\s)(?<!oyer\s)"
    r"let\s+(?:me|him|her|them)\s+go(?:\s+(?:peacefully|naturally|in\s+peace)\b|(?=\s*[.,;!]))",
    re.IGNORECASE,
)
_DNI = fast_compile(
    r"\b(?:DNI|do[\s-]+not[\s-]+intubate|no\s+intubation|not\s+for\s+intubation)\b",
    re.IGNORECASE,
)
_COMFORT = fast_compile(r"\b(?:comfort\s+(?:care|measures)|CMO)\b", re.IGNORECASE)
# care for comfort only in the words of a conversation, read in an input: "I know, only comfort",
# "just to make me comfortable", "focusing on comfort", "comfort only"
_COMFORT_SAID = re.compile(
    r"\b(?:only|just|purely)\s+(?:for\s+)?comfort\b|\bcomfort\s+only\b|"
    r"\bfocus(?:ing|ed)?\s+(?:on|is)\s+(?:his\s+|her\s+|my\s+|your\s+)?comfort\b|"
    r"\bjust\s+to\s+(?:make|keep)\s+(?:me|him|her|them|you)\s+comfortable\b",
    re.IGNORECASE,
)
_CPR = fast_compile(
    r"\b(?:CPR|resuscitation|chest (?:compressions|pumping))\b"
    r"|\bheart\b[^.?!]{0,80}\brestart\w*\b",
    re.IGNORECASE,
)
_INTUBATION = fast_compile(r"\b(?:intubation|intubate|breathing tube|ventilator)\b", re.IGNORECASE)
_ACCEPTS = re.compile(
    # "accepts BiPAP and intubation", "Would accept ICU care and intubation", "OK to intubate"
    r"\b(?:accepts?|would accept|ok(?:ay)? (?:for|to)|agrees? to|wants?|would want|"
    r"(?:but|remains|is|still|be) for)(?:\s+[\w-]+){0,3}?(?:\s+and|,)?\s*$"
    # an order opening a note's item or sentence: "Resuscitation: for CPR", "- For CPR (family
    # supportive)", "Escalation: for ICU readmission and intubation", "... on time. For CPR."
    r"|(?:^|[:;(\n\u2013-]|(?<!\w\.\w)\.[ \t])\s*for(?:\s+[\w-]+){0,3}?(?:\s+and|,)?\s*$",
    re.I,
)
_NOT_AN_ORDER = re.compile(r"\s+(?:discussion|decision|conversation|form|status)\b", re.I)


_CODE_HINT = re.compile(
    r"code|DN[RI]|CPR|resus|intubat|tube|ventilat|comfort|CMO|natural death|compression|"
    r"restart|everything done|everything possible|pumping|let (?:me|him|her|them) go",
    re.I,
)


# _CODE_HINT's words in lower case: in ASCII text it matches exactly where one of them occurs
_CODE_HINT_WORDS = (
    "code",
    "dnr",
    "dni",
    "cpr",
    "resus",  # "resuscitation", "not for resus"
    "intubat",
    "tube",
    "ventilat",
    "comfort",
    "cmo",
    "natural death",
    "compression",
    "restart",
    "everything done",
    "everything possible",
    "pumping",
    "let me go",
    "let him go",
    "let her go",
    "let them go",
)


def _code_hint(text: str) -> bool:
    """``_CODE_HINT.search(text)`` as a truth value, by substring look-ups where the text is
    ASCII (the pattern's ignored case folds a few non-ASCII letters: those texts go to it)."""
    low = lower_ascii(text)  # kept: several rules read the input's lower-cased copy
    if low is None:
        return _CODE_HINT.search(text) is not None
    return any(word in low for word in _CODE_HINT_WORDS)


# an order that a later one replaces: "has changed her earlier wish for full resuscitation",
# "previously full code, now DNR" (a confirmed earlier wish still stands)
_CHANGED_FROM = re.compile(
    r"\b(?:chang(?:ed|es|ing)|revok\w*|rescind\w*|revers\w*|withdr[ae]w\w*|no\s+longer|"
    r"instead\s+of|rather\s+than|moved?\s+away\s+from)\b[^.;:?!\n]{0,40}$",
    re.IGNORECASE,
)
_EARLIER = re.compile(
    r"\b(?:earlier|previous(?:ly)?|prior|former(?:ly)?|original(?:ly)?|initial(?:ly)?)\b"
    r"[^.;:?!\n]{0,30}$",
    re.IGNORECASE,
)
_NOW = re.compile(r"[^.?!\n]{0,30}?\bnow\b", re.IGNORECASE)


# a possible outcome, not an order: "if it did he could be on a ventilator for a long time"
_POSSIBLE = re.compile(r"\b(?:could|might|may)\s+(?!not\b)(?:\w+\s+){0,3}$", re.IGNORECASE)


def _superseded(text: str, start: int, end: int) -> bool:
    """Whether the order at ``start:end`` is one a later order replaces."""
    before = text[max(0, start - 60) : start]
    return bool(_CHANGED_FROM.search(before)) or bool(
        _EARLIER.search(before) and _NOW.match(text, end)
    )


@dataclass(frozen=True, slots=True)
class CodeStatus:
    """What a text says about resuscitation: each item is a set of (start, end) spans."""

    full: list[tuple[int, int]]
    dnr: list[tuple[int, int]]
    dni: list[tuple[int, int]]
    comfort: list[tuple[int, int]]
    cpr_ok: list[tuple[int, int]]
    intubation_ok: list[tuple[int, int]]

    @property
    def any(self) -> bool:
        return bool(self.full or self.dnr or self.dni or self.comfort)


def _answered_yes(doc: AnalyzedText, start: int, end: int) -> bool:
    """A question of a conversation that its answer affirms ("Would you want us to try to
    restart it? - Yes. Definitely.")."""
    if not doc.is_dialogue:
        return False
    sent = sentence_at(doc.sentences, start)
    return (
        sent is not None
        and sent.text.rstrip().endswith("?")
        and polarity_at(doc, start, end) == AFFIRMED
    )


_ORDER_ABSENT = re.compile(
    r"\s*(?:order|form|decision)?\s*(?::|-)?\s*(?:is\s+|was\s+)?"
    # "none", "no" only as the whole answer: "DNR - no CPR" is the order's content
    r"(?:not\s+(?:in\s+place|in\s+effect|active|completed)|(?:none|no)\b(?=\s*(?:[.,;\n]|$)))",
    re.IGNORECASE,
)
_NO_ORDER = re.compile(r"\b(?:no|not)\s+(?:an?\s+)?$", re.IGNORECASE)
# CPR or intubation declined by the patient or ruled out by the team, in the words before it:
# "declines CPR", "no intubation", "we won't do CPR", "we will not attempt resuscitation"
_DECLINED_BEFORE = re.compile(
    r"\b(?:declines?|refuses?|does not want|doesn't want|no|won't|will not|wouldn't|would not|"
    r"(?:are|is|am) not going to)\b[\w\s]*$",
    re.IGNORECASE,
)


@once_per_text
def code_status(doc: AnalyzedText) -> CodeStatus:
    """Read the code status of an analysed text: explicit orders, or CPR/intubation declined."""
    text = doc.text
    if not _code_hint(text):
        return CodeStatus([], [], [], [], [], [])

    def spans(pattern: re.Pattern[str]) -> list[tuple[int, int]]:
        found = pattern.finditer(text)
        return [(m.start(), m.end()) for m in found if not _superseded(text, m.start(), m.end())]

    dnr, dni, full = spans(_DNR), spans(_DNI), spans(_FULL)
    cpr_ok, intubation_ok = [], []
    # "DNACPR: not in place", "no DNAR order": an order said to be absent accepts CPR
    absent = [
        (s, e)
        for s, e in dnr
        if _ORDER_ABSENT.match(text, e) or _NO_ORDER.search(text, max(0, s - 12), s)
    ]
    if absent:
        dnr = [span for span in dnr if span not in absent]
        cpr_ok += absent
    for pattern, declined, accepted in ((_CPR, dnr, cpr_ok), (_INTUBATION, dni, intubation_ok)):
        for m in pattern.finditer(text):
            if any(s <= m.start() < e for s, e in dnr + dni + full):
                continue  # "wants full resuscitation": the order already read
            before = text[max(0, m.start() - 25) : m.start()]
            if _DECLINED_BEFORE.search(before) or (
                polarity_at(doc, m.start(), m.end()) == NEGATED
                and not _POSSIBLE.search(before)  # "he could be on a ventilator for long"
            ):
                declined.append((m.start(), m.end()))
            elif (
                _ACCEPTS.search(before) and not _NOT_AN_ORDER.match(text, m.end())
            ) or _answered_yes(doc, m.start(), m.end()):
                accepted.append((m.start(), m.end()))
    return CodeStatus(full, dnr, dni, spans(_COMFORT), cpr_ok, intubation_ok)


# --- allergies -----------------------------------------------------------------------------------
_DRUG_ONLY = re.compile(r"drug|medication|medicine|NKDA", re.IGNORECASE)  # "no drug allergies"
NO_ALLERGY = fast_compile(
    r"\b(?:NKDA|NKA|no\s+known\s+(?:drug\s+|medication\s+|medicine\s+)?allergies|"
    r"no\s+(?:drug\s+|medication\s+|medicine\s+)?allergies|"
    # "negative allergies", "allergies negative" (a review of systems' shorthand)
    r"negative\s+(?:for\s+)?(?:drug\s+)?allergies|allergies\s*(?::|-)?\s*negative|"
    r"denies\s+(?:any\s+)?(?:drug\s+)?allergies|"
    # a list's heading with nothing under it ("Allergies: none known", "Drug allergies - nil")
    r"(?:drug\s+)?allerg(?:y|ies)\s*(?::|-)\s*(?:none|nil)(?:\s+known)?)\b",
    re.IGNORECASE,
)
_ALLERGY = re.compile(r"\ballerg(?:y|ies|ic)\b|\banaphyla\w*", re.IGNORECASE)
_ALLERGEN = re.compile(
    r"\b(?:allergic\s+to|allerg(?:y|ies)(?:\s+and\s+(?:adverse\s+)?(?:drug\s+)?reactions?)?"
    r"\s*(?:to|:|-)|anaphylaxis\s+to|anaphylaxis\s*(?::|-)|reactions?\s+to)\s*"
    r"(?:an?\s+|the\s+)?(?!allerg)([A-Za-z][\w-]*(?:\s+[a-z][\w-]*)?)",
    re.IGNORECASE,
)
# a yes and the fillers before what it names: hesitations, an address, a stance adverb ("Yes,
# actually he is", "Yeah, unfortunately I have those")
_ANSWER = re.compile(
    r"^\s*(?:\w+)\s*:\s*(?:yes|yeah|yep)\b[,.]?\s*"
    r"(?:(?:uh|um|erm|er|well|oh|so|the|a|an|my|to|ma'?am|sir|doc|doctor|[a-z]{4,}ly)\b[,.]?\s*)*"
    r"([A-Za-z][\w-]*)?",
    re.IGNORECASE | re.MULTILINE,
)
_NOT_ALLERGENS = frozenset(
    {"none", "no", "nothing", "any", "anything", "something", "medicines", "medications", "drugs"}
    | {"one", "some", "that", "this", "it", "those", "these", "a", "just", "only", "yes"}
    | {"is", "was", "are", "were", "to", "be", "being"}
    | {"anaphylaxis", "anaphylactic", "rash", "hives", "urticaria", "swelling", "angioedema"}
    | {"drug", "medication", "medicine", "food", "known", "seasonal", "environmental", "an", "the"}
    | {"iv", "oral", "severe", "mild", "documented", "reported", "true", "other", "nkda", "nka"}
    | {"uh", "um", "er", "erm", "well", "oh", "your", "his", "her", "my", "their", "our", "he"}
    | {"she", "they", "son", "daughter", "child", "patient", "pt", "i", "we", "you"}
)
# Words before "allergies" that name no allergen: pronouns, verbs, seasons and kinds.
_NOT_NOUN_ALLERGENS = frozenset(
    {"her", "his", "your", "my", "their", "our", "have", "has", "had", "having", "with", "for"}
    | {"and", "from", "of", "to", "or", "fall", "spring", "summer", "winter", "seasonal"}
    | {"inhalant", "environmental", "nasal", "skin", "multiple", "several", "many", "some"}
    | {"possible", "known", "any", "no", "bad", "these", "those", "its", "list"}
    | {"not", "nil", "never", "without", "true", "real", "an", "the", "drug", "food"}
    | {"new", "updated", "confirmed", "suspected", "recorded", "listed", "current", "previous"}
    | {"old", "reported", "documented", "severe", "mild", "serious"}
    # a list's status ("Retained allergies: chlorhexidine", "Active allergies -")
    | {"retained", "remaining", "ongoing", "active", "existing", "persisting", "outstanding"}
    | {"relevant", "further", "additional", "verified", "genuine"}
    # prepositions and conjunctions ("congestion from allergies"; "form", its common typo)
    | {"form", "by", "in", "on", "at", "due", "about", "like", "because", "than", "also"}
    # how many or how much, not what ("significant allergies", "all allergies", "medical
    # allergies" for drug allergies, "negative allergies" for none)
    | {"significant", "all", "medical", "negative", "various", "different", "numerous"}
    | {"certain", "other", "few", "lot", "lots", "major", "minor", "usual", "typical"}
)
# words before an allergen that say how many or what kind, not which ("allergic to a lot of pain
# medications", "quite a few medicines", "what you call Cipro", "several different antibiotics")
_COUNT_WORDS = re.compile(
    r"(?:(?:a\s+)?(?:lot|lots|number|couple|bunch|variety|range|handful)\s+of|"
    r"quite\s+a\s+(?:few|lot|number)(?:\s+of)?|a\s+few|what\s+(?:you|they|we)\s+call(?:ed)?|"
    r"what'?s\s+called|so[\s-]called|many|several|multiple|numerous|various|different|certain|"
    r"some|all(?:\s+the)?|significant|other|previous|prior|past|earlier|recent)\s+",
    re.IGNORECASE,
)


def _past_count_words(text: str, start: int) -> int:
    """Where the allergen starts after words of number or kind at ``start`` ("a lot of",
    "quite a few", "what you call", "different"): ``start`` itself when none open there."""
    while (m := _COUNT_WORDS.match(text, start)) is not None:
        start = m.end()
    return start


# the first word of each item of a list after "Allergies:" (items after ",", ";" or "and",
# parentheses skipped)
_LIST_ITEM = re.compile(
    r"(?:[,;)]|\band\b)\s*(?:and\s+)?(?:\([^)]*\)\s*)?([A-Za-z][\w-]{2,})", re.IGNORECASE
)
_NOT_AN_ALLERGY = re.compile(r"\btolerat\w*|\bintoleran\w*|\bno\s+reaction", re.IGNORECASE)
# allergens a list names that the drug lexicon does not ("sulfa drugs", "latex")
ALLERGEN_WORDS = frozenset(
    {"sulfa", "sulpha", "sulfonamide", "sulphonamide", "latex", "iodine", "contrast", "peanut"}
    | {"nut", "shellfish", "egg", "penicillin", "nsaid", "opiate", "opioid", "cephalosporin"}
)
# "penicillin allergy"; not across a line ("Pre-op assessment" / "ALLERGY: chlorhexidine")
# nor where "allergy" names a service or a record ("pharmacist allergy reconciliation", "refer
# to the allergy clinic")
_NOUN_ALLERGY = re.compile(
    r"\b([A-Za-z][\w-]{2,})[^\S\n]+allerg(?:y|ies)\b(?![^\S\n]+(?:clinic|review|reconciliation|"
    r"check|band|alert|tests?|testing|referral|team|service|nurse|specialist|assessment)\b)",
    re.IGNORECASE,
)


def _allergy_hint(text: str) -> bool:
    """Whether ``text`` may state an allergy: each pattern ``allergies`` reads (_ALLERGEN,
    _NOUN_ALLERGY, _ALLERGY) needs "allerg", "anaphyla" or "reaction". By substring look-ups
    where the text is ASCII (ignored case folds a few non-ASCII letters: those texts go to the
    patterns)."""
    if not text.isascii():
        return True
    low = text.lower()
    return "allerg" in low or "anaphyla" in low or "reaction" in low


@dataclass(frozen=True, slots=True)
class Allergy:
    """An allergy the text states: the allergen word and the span of the statement."""

    allergen: str
    start: int
    end: int
    word: tuple[int, int] = (0, 0)  # the allergen's own span


def names_allergen(word: str, start: int, drug_starts: Collection[int]) -> bool:
    """Whether the word at ``start`` is an allergen by itself: a drug named there (its start in
    ``drug_starts``) or an allergen word ("sulfa", "latex"), unlike any noun before "allergy"."""
    return start in drug_starts or word.rstrip("s") in ALLERGEN_WORDS


# a clause of advice after an allergy list: its drugs are advice, not more allergies
_ADVICE_CLAUSE = re.compile(
    r";\s*(?:avoid|advised?|use|never|do\s+not|don'?t|caution|consider|tolerates?)\b", re.I
)


@once_per_text
def allergies(doc: AnalyzedText) -> list[Allergy]:
    """Allergies stated (not denied) in a text: "allergic to X", "Allergies: X", a yes answer."""
    text, found = doc.text, []
    if not _allergy_hint(text):
        return found
    drug_starts = {d.start for d in doc.drugs}
    for m in _ALLERGEN.finditer(text):
        allergen, first = m.group(1).split()[0].lower(), m.start(1)
        if (head := _past_count_words(text, first)) > first:
            word = _WORD_AT.match(text, head)
            if word is None:
                continue
            allergen, first = word.group().lower(), head
        if allergen in _NOT_ALLERGENS or NO_ALLERGY.search(text, max(0, m.start() - 12), m.end()):
            continue
        if _named_before(text, m):
            continue  # "HEPARIN ALLERGY: HIT last year": after the colon, the reaction
        if m.group().lower().startswith("reaction") and m.start(1) not in drug_starts:
            continue  # "a reaction to" a drug: "an acute lung reaction to nitrofurantoin"
        if polarity_at(doc, m.start(), m.end()) == NEGATED:
            continue
        line_end = text.find("\n", m.end())
        if "?" in text[m.end() : line_end if line_end >= 0 else len(text)]:
            continue  # a question, not a statement
        sent_end = text.find(".", m.end())
        end = sent_end if sent_end > 0 else len(text)
        advice = _ADVICE_CLAUSE.search(text, m.end(), end)
        if advice is not None:
            end = advice.start()  # "carbamazepine - SJS; avoid carbamazepine and oxcarbazepine"
        found.append(Allergy(allergen, m.start(), end, (first, first + len(allergen))))
        if ":" in m.group():
            # "Allergies: morphine (hallucinations) and sulfa drugs (SJS)": every item of the list
            for item in _LIST_ITEM.finditer(text, m.start(1), end):
                head = text[m.start(1) : item.start(1)]
                if head.count("(") > head.count(")"):
                    continue  # "peanut - anaphylaxis (facial swelling, wheeze, adrenaline)"
                word = item.group(1).lower()
                named = names_allergen(word, item.start(1), drug_starts)
                semi = text.find(";", item.end(1), end)
                own = text[item.start(1) : semi if semi >= 0 else end]
                if _NOT_AN_ALLERGY.search(own):
                    continue  # "penicillin tolerated", "simvastatin - myalgia (intolerance)"
                if word != allergen and named:
                    found.append(Allergy(word, item.start(1), end, item.span(1)))
    for m in _NOUN_ALLERGY.finditer(text):
        allergen = m.group(1).lower()
        if allergen in STOPWORDS or allergen in _NOT_NOUN_ALLERGENS:
            continue  # "asthma and allergies", "her allergies", "fall allergies"
        if allergen in _NOT_ALLERGENS or any(a.start <= m.start() < a.end for a in found):
            continue
        if polarity_at(doc, m.start(), m.end()) == NEGATED:
            continue
        found.append(Allergy(allergen, m.start(), m.end(), (m.start(1), m.end(1))))
    if doc.is_dialogue:
        found += _answered_allergies(doc, drug_starts)
    return found


_WORD_AT = re.compile(r"[A-Za-z](?:[\w-]*\w)?")


def _answered_allergies(doc: AnalyzedText, drug_starts: Collection[int]) -> list[Allergy]:
    """Allergies a speaker gives in answer to a question about allergies: "Any allergies? -
    Yes, penicillin", "Any allergies? - Latex. I'm properly allergic.", "any allergies - sulfa
    and codeine" (a transcript may drop the "?")."""
    text, found = doc.text, []
    lines = text.splitlines(keepends=True)
    offset = 0
    for i, line in enumerate(lines):
        asked = "?" in line or _ASKED_ALLERGIES.search(line)
        if _ALLERGY.search(line) and asked and i + 1 < len(lines):
            nxt = offset + len(line)
            end = nxt + len(lines[i + 1])
            answer = _ANSWER.match(text, nxt, end)
            if answer and answer.group(1) and answer.group(1).lower() not in _NOT_ALLERGENS:
                word = (answer.start(1), answer.end(1))
                found.append(Allergy(answer.group(1).lower(), nxt, end, word))
            elif (named := _NAMED_ANSWER.match(text, nxt, end)) is not None:
                # the answer opens with the allergens themselves: each one the list names
                said = text[nxt:end].lower()
                for item in _ANSWER_ITEM.finditer(text, named.start(1), named.end(1)):
                    name = item.group(1).lower()
                    if re.search(rf"\bnot\s+(?:the\s+)?{re.escape(name)}", said):
                        continue  # "Eggs. No, wait, sorry, not eggs ... It's peanuts."
                    if names_allergen(name, item.start(1), drug_starts):
                        found.append(Allergy(name, nxt, end, item.span(1)))
                    else:
                        break  # "codeine makes her confused": the list has ended
        offset += len(line)
    return found


# a clinician's turn that asks about allergies without a "?" ("any allergies I have sulfa on
# here", "allergies")
_ASKED_ALLERGIES = re.compile(r"\bany\s+(?:\w+\s+)?allerg|^\s*\w+\s*:\s*allergies\s*$", re.I)
# an answer that opens with what the patient is allergic to ("Daughter: sulfa and codeine,
# codeine makes her confused"): its first clause
_NAMED_ANSWER = re.compile(
    r"^\s*\w+\s*:\s*(?:(?:uh|um|erm|er|well|oh|just|only)\b[,.]?\s*)*([^.;!?\n]+)",
    re.IGNORECASE | re.MULTILINE,
)
_ANSWER_ITEM = re.compile(r"(?:\band\s+|\bor\s+|,\s*|(?<![\w-]))([A-Za-z][\w-]*)", re.I)


# on the same line: a line's "Allergy: penicillin" follows the last line's words ("check LFT")
_WORD_BEFORE = re.compile(r"([A-Za-z][\w-]{2,})[^\S\n]+$")


def _named_before(text: str, m: re.Match[str]) -> bool:
    """Whether an "allergy:" match follows its allergen ("Heparin allergy: HIT")."""
    if not m.group().lower().startswith("allerg"):
        return False
    prev = _WORD_BEFORE.search(text, max(0, m.start() - 30), m.start())
    if prev is None:
        return False
    word = prev.group(1).lower()
    return word not in STOPWORDS and word not in _NOT_ALLERGENS | _NOT_NOUN_ALLERGENS


# A relative named just before a note's concept, without a verb: "partner vasectomy",
# "Contraception: husband's vasectomy", "mother - T1DM"
# "Sisters (HTN)", "grandmother: stroke": a relative, singular or plural, then a dash, a colon or
# an opening bracket
_RELATIVES = (*_FAMILY, "mum", "dad", "mom", "grandmother", "grandfather", "aunt", "uncle")
_RELATIVE_JUST_BEFORE = re.compile(
    r"\b(?:" + "|".join(_RELATIVES) + r")(?:'s|s)?[^\S\n]*(?:-|:|\()?[^\S\n]*$",
    re.IGNORECASE,
)


# A family history's short names of grandparents, in capitals, then a dash, a colon or a bracket:
# "MG (stroke)", "PGF: CAD" (maternal grandmother, paternal grandfather); not after a number
# ("25 MG (CAD)" is a dose)
_GRANDPARENT_JUST_BEFORE = re.compile(
    r"(?<![\d.])(?<![\d.][^\S\n])\b(?:MG|PG|MGM|MGF|PGM|PGF)[^\S\n]*(?:-|:|\()[^\S\n]*$"
)
# A relative's side of the family just after a note's concept: "epilepsy on the maternal side",
# "heart disease on his father's side", "diabetes in the family"
_RELATIVE_JUST_AFTER = re.compile(
    r"[^\S\n]+(?:on|in)[^\S\n]+(?:the|his|her|their|my)[^\S\n]+(?:(?:maternal|paternal|"
    r"mother'?s|father'?s|mom'?s|mum'?s|dad'?s)[^\S\n]+side|family)\b",
    re.IGNORECASE,
)


def _relative_named_before(text: str, start: int) -> bool:
    """Whether a note names a relative just before the concept at ``start`` ("partner
    vasectomy", "MG (stroke)"): the telegraphic form of "her partner has had a vasectomy"."""
    lo = max(0, start - 20)
    return (
        _RELATIVE_JUST_BEFORE.search(text, lo, start) is not None
        or _GRANDPARENT_JUST_BEFORE.search(text, lo, start) is not None
    )


def _relative_named_after(text: str, end: int) -> bool:
    """Whether a note names a side of the family just after the concept ending at ``end``
    ("a history of epilepsy on the maternal side")."""
    return _RELATIVE_JUST_AFTER.match(text, end) is not None


def _of_family(doc: AnalyzedText, start: int, end: int) -> bool:
    """Whether [start, end) of a text is about a relative ("FHx: mother on thyroid tablets")."""
    return any(t.scope == FAMILY for t in doc.tokens_in(start, end))


# A creatinine given with an earlier value: "creatinine 612 (baseline 290)", "Cr 198 from 104"
_CREATININE_RISE = re.compile(
    r"\b(?:(?i:creatinine|creat)|Cr)\b[^\d\n]{0,20}?(\d{1,4}(?:\.\d+)?)[^\d\n]{0,25}?"
    r"\b(?i:baseline|from|previously|prev|was)\b[^\d\n]{0,12}?(\d{1,4}(?:\.\d+)?)"
    # not a date ("from 12 January", "from 3/4")
    r"(?![\d/]|[.-]\d|\s*(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))"
)


def _creatinine_risen(text: str) -> bool:
    """Whether the input gives a creatinine at 1.5 times its earlier value or more: an acute
    kidney injury by the KDIGO criterion, which a note may name without the input naming it."""
    low = lower_ascii(text)
    if "Cr" not in text and low is not None and "creat" not in low:
        return False  # no creatinine named (ASCII text: its case folds to ASCII only)
    for m in _CREATININE_RISE.finditer(text):
        now, before = float(m.group(1)), float(m.group(2))
        if before > 0 and now >= 1.5 * before:
            return True
    return False


@lru_cache(maxsize=1)
def _near_index() -> AliasIndex:
    return AliasIndex([(k, c, words) for k, c, words, _ in _NEAR], determiners=True)


def _near_concepts(text: str) -> set[tuple[str, str]]:
    """Concepts a "near" word supports in ``text`` where its topic is named within
    ``_TOPIC_REACH`` characters of it."""
    topics = {(k, c): pattern for k, c, _, pattern in _NEAR}
    return {
        (m.kind, m.concept)
        for m in _near_index().find(text)
        if topics[(m.kind, m.concept)].search(
            text, max(0, m.start - _TOPIC_REACH), m.end + _TOPIC_REACH
        )
    }


@once_per_text
def input_concepts(
    doc: AnalyzedText,
) -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]:
    """``supported_concepts`` of an analysed input, and those it supports for a relative only.

    A sign counts only where the input does not deny it: "No hernias" does not support a hernia
    repair, "I had a hernia done" does. A support word or sign said of a relative ("mother on
    thyroid tablets") supports the concept in a relative's history only; a name of the concept
    supports it wherever it stands (the family history's own rules read that)."""
    found = set(_loose_concepts(doc.text)) | _turned_concepts(doc.text)
    if _creatinine_risen(doc.text):
        found.add(("condition", "acute kidney injury"))
    found |= _near_concepts(doc.text)
    if haemoglobin_low(doc.text):
        found.add(("condition", "anemia"))
    if urine_infection_shown(doc.text):
        found.add(("condition", "urinary tract infection"))
    family: set[tuple[str, str]] = set()
    support, signs = _support_mentions(doc.text)
    for m in (*support, *signs):
        key = (m.kind, m.concept)
        if key in found or (
            m in signs
            and polarity_at(doc, m.start, m.end) != AFFIRMED
            and not _presupposed(doc.text, m.start, m.end)
        ):
            continue
        (family if _of_family(doc, m.start, m.end) else found).add(key)
    return frozenset(found), frozenset(family - found)


# a question that takes the patient's finding as given: "How are your seizures doing?", "When did
# his headaches start?" (not "Have you had any seizures?")
_PRESUPPOSING = re.compile(
    r"\b(?:how|when|what|where|which)\b[^.?!\n]{0,40}\b(?:your|his|her|their)\s+(?:[a-z]+\s+)?$",
    re.IGNORECASE,
)
# an answer that denies it all the same ("No, I don't get them")
_DENYING_ANSWER = re.compile(
    r"\s*\w+\s*:\s*(?:no|nope|never|i\s+(?:don'?t|do\s+not|haven'?t|have\s+not))\b", re.I
)


_SENTENCE_MARK = re.compile(r"[.?!\n]")
# a question after the sign that asks when it began, so takes it as given: "So the burning when
# you pass urine - since when?", "the headaches, how long have you had them?"
_ASKS_SINCE_WHEN = re.compile(
    r"[^.?!\n]{0,25}?\b(?:since\s+when|how\s+long|when\s+did\s+(?:it|that|this|they|those)\s+"
    r"(?:start|begin|come\s+on))\b[^.?!\n]{0,40}\?",
    re.IGNORECASE,
)


def _presupposed(text: str, start: int, end: int) -> bool:
    """Whether a sign at [start, end) stands in a question that takes it as the patient's
    ("How are your seizures since the new dose?") and the next turn does not deny it."""
    stop = _SENTENCE_MARK.search(text, end)
    if stop is None or stop.group() != "?":
        return False
    if (
        _PRESUPPOSING.search(text, max(0, start - 60), start) is None
        and _ASKS_SINCE_WHEN.match(text, end, stop.end()) is None
    ):
        return False
    line_end = text.find("\n", end)
    return line_end < 0 or _DENYING_ANSWER.match(text, line_end + 1) is None


# Words just before an input's name that leave the procedure or condition undone or
# unestablished ("never had an endoscopy", "discuss TURP if no better", "Did anyone talk about
# ECT", "Options discussed: DC cardioversion", "nobody's tested me"), and just after it ("ERCP was
# not needed", "LP has not been done yet"); not a plan alone, which temporal.v1 reads against the
# output's aspect. Near the name only: a transcript without stops runs on for lines.
_NOT_DONE_BEFORE = re.compile(
    r"\b(?:never|declined|refused|discuss(?:ed)?|offer(?:ed)?|options?|consider(?:ation)?|"
    r"talk(?:ed|ing)?\s+about|suspects?|nobody|no\s+one|didn't\s+(?:want|have|need))\b",
    re.IGNORECASE,
)
_NOT_DONE_AFTER = re.compile(
    r"\b(?:declined|refused|never|didn't\s+want|nobody|no\s+one|"
    r"not\s+(?:been\s+|yet\s+|be\s+)?(?:done|needed|required|given|performed|indicated|had))\b",
    re.IGNORECASE,
)
# a clause of its own after the name ("sometimes i get migraine but i never take anything")
_OTHER_CLAUSE = re.compile(
    r"\b(?:but|although|though|however|whereas)\s+(?:i|he|she|we|they|you)\s+"
    r"(?!declined|refused|never|didn't|did\s+not|was\s+not|wasn't|not\b)",
    re.IGNORECASE,
)
_CUE_BEFORE, _CUE_AFTER = 40, 30  # characters of the clause read either side of an input's name
# Words of an output's clause that leave it unstated as done or present: the above, and plans,
# hedges, denials and firsts ("LP when safe", "?oesophageal", "first UTI", "Hep B and C neg")
_OUTPUT_NOT_DONE = re.compile(
    r"\b(?:never|declin\w*|refus\w*|discuss\w*|offer\w*|options?|consider\w*|talk\w*|"
    r"suspect\w*|nobody|no|not|\w+n't|plan\w*|refer\w*|re|due|booked|schedul\w*|will|would|"
    r"to\s+be|if|once|until|when|possible|possibly|probable|query|risks?|rule\s+out|r/o|vs|"
    r"candidate|indicated|request\w*|listed|negative|neg|excluded|ruled\s+out|first|new|"
    r"awaiting|pending|next|tomorrow|follow\w*|repeat|arrange\w*|advised?|"
    # a wish or a consent, not the deed: "wishes to proceed with arthroplasty", "agrees to an
    # endoscopy", "would like to have the TKR", "desires the same procedure"
    r"wish\w*|wants?|proceed|desires?|agrees?|consents?|keen|hop(?:es|ing)|like\s+to|"
    r"ready\s+for|intends?|seeks?|seeking|"
    r"in\s+\d+\s*(?:days?|d|weeks?|wks?|w|months?|mo|/))\b|\?|-ve\b",
    re.IGNORECASE,
)
_CLAUSE_EDGE = re.compile(r"[.;!?\n]")
_HEADER = re.compile(r"^[ \t]*([A-Za-z][A-Za-z &/]{0,40}):", re.MULTILINE)
_PLAN_HEADER = re.compile(
    r"plan|recommend|follow|next|action|to do|management|advice|request|investigation", re.I
)
_ASSESSMENT_HEADER = re.compile(r"assessment|impression|diagnos", re.I)  # "Assessment and Plan"
# _DENIED_BEFORE ("no precancerous", "without any"): defined with avoided_drugs below
_DENIAL_REACH = 30  # characters from a denying word to the name it denies ("no previous stents")
_DENYING = frozenset({"no", "not", "without", "denies", "denied", "never", "negative", "nil"})


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around [start, end): from the last sentence or clause mark before it to the
    next after it (";", ".", "?", a line end; a header's ":" stays in: "Plan: LP once safe")."""
    lo = max((m.end() for m in _CLAUSE_EDGE.finditer(text, max(0, start - 200), start)), default=0)
    nxt = _CLAUSE_EDGE.search(text, end, end + 200)
    return max(lo, start - 200), nxt.start() if nxt else min(len(text), end + 200)


def _under_plan(text: str, start: int) -> bool:
    """Whether ``start`` of a note is under a plan's header ("Plan:", "Recommendations:"); an
    "Assessment and Plan" lists diagnoses too."""
    headers = [m.group(1) for m in _HEADER.finditer(text, 0, start)]
    return (
        bool(headers)
        and _PLAN_HEADER.search(headers[-1]) is not None
        and _ASSESSMENT_HEADER.search(headers[-1]) is None
    )


def _denied(doc: AnalyzedText, start: int, tok: Token) -> bool:
    """Whether an input's mention at ``start`` is denied by a denying word just before it ("no
    stoma", "not transfused") or by the answer to its question ("Any stents? - No"), not by a
    verb that reads as one ("I stopped when I had my heart attack") nor a far one ("will not be
    restarted until reviewed by the stroke consultant")."""
    if tok.polarity != NEGATED:
        return False
    if tok.trigger is None:  # a dialogue's answer: to the question that names it
        lo, hi = _clause(doc.text, start, tok.end)
        return "?" in doc.text[lo : hi + 1]
    word = _WORD.match(doc.text, tok.trigger)
    return (
        word is not None
        and word.group().lower() in _DENYING
        and start - _DENIAL_REACH <= tok.trigger
    )


def _asserted(doc: AnalyzedText, start: int, end: int, output: bool) -> bool:
    """Whether a text states a procedure or condition at [start, end) as done or present: not
    denied and no not-done word in its clause. The output's mention must be affirmed too, not a
    relative's nor hypothetical nor under a plan's header; the input's may be asked about
    ("Have you had a colonoscopy? - At 45") or a relative's (the family rules read those)."""
    toks = doc.tokens_in(start, end)
    if output:
        if toks and (toks[0].polarity != AFFIRMED or toks[0].scope in (FAMILY, HYPOTHETICAL)):
            return False
        if _under_plan(doc.text, start):
            return False
    elif toks and _denied(doc, start, toks[0]):
        return False
    elif toks and toks[0].scope == HYPOTHETICAL and not presupposed(doc, toks[0]):
        return False  # "you are at risk of a stroke", "call if you get a rash": a possibility
    lo, hi = _clause(doc.text, start, end)
    if output:
        return _OUTPUT_NOT_DONE.search(doc.text, lo, hi) is None
    before = _NOT_DONE_BEFORE.search(doc.text, max(lo, start - _CUE_BEFORE), start)
    reach = min(hi, end + _CUE_AFTER)
    turn = _OTHER_CLAUSE.search(doc.text, end, reach)  # "migraine but i never take anything"
    after = _NOT_DONE_AFTER.search(doc.text, start, turn.start() if turn else reach)
    return before is None and after is None


# A result just after a test's name: "head CT negative", "CXR: normal", "echo unremarkable"
_RESULT_AFTER = re.compile(
    r"[^\S\n]*[:,-]?[^\S\n]*(?:negative|neg|-ve|normal|NAD|unremarkable|clear)\b", re.I
)


def _resulted(doc: AnalyzedText, m: Mention) -> bool:
    """Whether the output gives a result of a test it names, affirmed and not planned ("head CT
    negative"): the test stated as done, where the not-done words would read the result
    ("negative") as the test's absence."""
    result = _RESULT_AFTER.match(doc.text, m.end) if m.kind == "procedure" else None
    if result is None:
        return False
    toks = doc.tokens_in(m.start, m.end)
    if not toks or toks[0].scope in (FAMILY, HYPOTHETICAL):
        return False
    tok = toks[0]
    # the result may be read as the name's negation ("CT negative"): that one only
    by_result = tok.trigger is not None and result.start() <= tok.trigger < result.end()
    if tok.polarity != AFFIRMED and not (tok.polarity == NEGATED and by_result):
        return False
    lo, _ = _clause(doc.text, m.start, m.end)
    # "?CT normal", "CT if not normal": a plan or a question before the name
    return not _under_plan(doc.text, m.start) and not _OUTPUT_NOT_DONE.search(doc.text, lo, m.start)


def _lay_name(m: Mention) -> bool:
    """Whether a support word of the input is a lay name of its concept (``lay`` in the table):
    "sugar" for diabetes, ending the words it was found as ("your blood sugar")."""
    words = m.surface.lower().split()
    return any(
        words[-len(w.split()) :] == w.lower().split() for w in LAY.get((m.kind, m.concept), ())
    )


@once_per_text
def unasserted_concepts(doc: AnalyzedText) -> dict[tuple[str, str], tuple[int, int]]:
    """Conditions and procedures an analysed input names only as not done, absent or offered
    ("ERCP was not needed", "No stents? - No", "consider gastroscopy"), each with the span of
    its first mention; a concept spelled out letter by letter ("U T I") is read as stated, and
    one the input supports by other words (a lay phrase) not denied is left to those words."""
    text = doc.text
    seen: dict[tuple[str, str], tuple[int, int]] = {}
    stated: set[tuple[str, str]] = set()
    for m in _loose_mentions(text):
        if m.kind not in ("condition", "procedure"):
            continue
        key = (m.kind, m.concept)
        if _asserted(doc, m.start, m.end, output=False):
            stated.add(key)
        else:
            seen.setdefault(key, (m.start, m.end))
    if _spells_out(text):
        stated |= _loose_concepts(text)
    support, signs = _support_mentions(text)
    for m in (*support, *signs):
        toks = doc.tokens_in(m.start, m.end)
        if toks and _lay_name(m) and _denied(doc, m.start, toks[0]):
            seen.setdefault((m.kind, m.concept), (m.start, m.end))
            continue  # "Do you have sugar? - No": a lay name of the condition, denied
        # a lay phrase denied by a word before it ("no precancerous changes") states nothing; one
        # a dialogue's answer denies may have been denied of something else ("Is this the knee
        # we scanned? - No, the other one")
        denied = toks and toks[0].trigger is not None and _denied(doc, m.start, toks[0])
        if not (denied or _DENIED_BEFORE.search(text, max(0, m.start - 20), m.start)):
            stated.add((m.kind, m.concept))
    return {k: v for k, v in seen.items() if k not in stated}


# "radiation" as the spread of a pain, not radiotherapy: "radiation of the pain up her leg", "pain
# with radiation into the left leg", "no radiation to the arm" ("radiation to the chest wall" is
# radiotherapy: "to" counts only after a word of pain)
_SPREAD_OF_PAIN = re.compile(
    r"\s+(?:of\s+(?:the\s+|her\s+|his\s+|their\s+|this\s+)?(?:pain|discomfort|ache)|"
    r"(?:in)?to\b|up\b|down\b|through\b|along\b|around\b|towards?\b|across\b|distally\b)",
    re.IGNORECASE,
)
_PAIN_BEFORE = re.compile(
    r"\b(?:pain|pains|ache|aching|discomfort|tenderness|sciatica|numbness|tingling|colic)\b"
    r"[^.;\n]{0,40}$|\b(?:no|without|with|denies)\s+"
    r"(?:(?:any|some|slight|mild|minimal|occasional|intermittent)\s+)?$",
    re.IGNORECASE,
)


# a pain history's heading (SOCRATES: site, onset, character, radiation, ...): "Radiation: L leg
# to posterior knee", "Radiation - none"; not a course of radiotherapy given in grays
_RADIATION_HEADING = re.compile(
    r"[ \t]*[:\-][ \t]*(?:none\b|nil\b|no\b|(?![^\n]*\b(?:Gy|grays?|fractions?)\b)"
    r"[^.;\n]{0,40}?\b(?:to|into|down|up|towards?)\b)",
    re.IGNORECASE,
)
_PAIN_WORD = re.compile(r"\b(?:pain|pains|ache|aching|discomfort|sciatica|colic)\b", re.I)
_HEADING_REACH = 200  # characters back a "Radiation:" heading looks for the pain it describes


def _pain_spreads(text: str, m: Mention) -> bool:
    """Whether a note's "radiation" is a pain's spread: "of the pain" after it, a word of pain
    before it and a direction after it, or a heading of a pain's history ("Radiation: L leg to
    knee") after a pain is named."""
    if not m.surface.lower().startswith("radiat"):
        return False
    if _RADIATION_HEADING.match(text, m.end) and _PAIN_WORD.search(
        text, max(0, m.start - _HEADING_REACH), m.start
    ):
        return True
    after = _SPREAD_OF_PAIN.match(text, m.end)
    if after is None:
        return False
    if after.group().lower().lstrip().startswith("of"):
        return True  # "of the pain"
    return _PAIN_BEFORE.search(text, max(0, m.start - 60), m.start) is not None


@once_per_text
def _clauses(doc: AnalyzedText) -> list[list[tuple[str, int, int]]]:
    return clauses(doc.text)


def _described(term: str, ctx: AnalyzedText) -> bool:
    """Whether one clause of the input describes ``term`` by its word parts, not denied:
    "inflammation in your gallbladder" for cholecystitis, "your cholesterol levels are a bit
    elevated" for hypercholesterolemia, "a lump removed from my breast" for a lumpectomy."""
    return described(term, _clauses(ctx), lambda s, e: polarity_at(ctx, s, e) == AFFIRMED)


def told_as_action(m: Mention, out: AnalyzedText, ctx: AnalyzedText) -> bool:
    """Whether the input tells the output's procedure ``m`` as its action on what it acts on
    ("they took my womb out" for a hysterectomy, "skin cancer ... treated by removal" for an
    excision of one; procedure_actions.toml), affirmed, not asked and not planned."""
    if m.kind != "procedure":
        return False
    kind = action_kind(m.surface)
    if kind is None:
        return False
    objects, _ = acted_on(m.surface, out.text, m.start, m.end)
    return told(kind, objects, ctx.text, lambda s, e: polarity_at(ctx, s, e) == AFFIRMED)


def _abbreviation_of(surface: str, text: str) -> bool:
    """Whether an output's name and a phrase of the input are one thing, one of them an
    abbreviation of the other ("HCV": "hepatitis C virus")."""
    if ABBREVIATION.fullmatch(surface):
        return spelled_out(surface, text) is not None
    return " " in surface and abbreviated_in(surface, text)


def _supported(concept: str, kind: str, context_concepts: Collection[tuple[str, str]]) -> bool:
    if (kind, concept) in context_concepts:
        return True
    # chemotherapy is both a procedure and a high-alert class: either in the input supports it
    return concept == "chemotherapy" and ("high_alert", "antineoplastic") in context_concepts


_HEAD_WORD_CHARS = 6  # shorter words ("pain", "heart", "stone") name too much to be a head
# heads that name a class, not a finding: "kidney disease" is not named by "heart disease", nor
# "cataract surgery" by "back surgery", nor "subarachnoid haemorrhage" by a bowel haemorrhage
_CLASS_HEADS = frozenset(
    {"disease", "diseases", "disorder", "disorders", "syndrome", "condition", "conditions"}
    | {"problem", "problems", "surgery", "surgeries", "operation", "procedure", "infection"}
    | {"injury", "injuries", "failure", "cancer", "tumour", "tumor", "lesion", "lesions"}
    | {"hemorrhage", "haemorrhage", "bleeding", "insufficiency", "deficiency", "dysfunction"}
    | {"abnormality", "disturbance", "obstruction", "stenosis", "fracture", "repair"}
)


def _head_named(m: Mention, ctx: AnalyzedText, named: list[tuple[int, int]]) -> str | None:
    """A word of the input, not denied, that is the head of the output's unsupported concept
    ("arthritis" of "osteoarthritis", "embolism" of "pulmonary embolism", "catheter" of
    "catheterization") and names no concept of its own there (the "failure" of "renal failure"
    is not that of "heart failure"): the input names the finding, the output a kind of it. A
    body part is no head ("kidney" of "kidney disease")."""
    words = re.findall(r"[a-z]+", m.surface.lower())
    if not words:
        return None
    head = words[-1]
    for tok in ctx.tokens:
        if (
            len(tok.text) < _HEAD_WORD_CHARS
            or tok.text in ANATOMY
            or tok.text in _CLASS_HEADS
            or tok.polarity == NEGATED
            or any(s <= tok.start < e for s, e in named)
        ):
            continue
        # "catheters", "embolisms": the word without its plural; "arthritis", "pancreas" and
        # "uterus" keep their s
        plural = tok.text.endswith("s") and tok.text[-2] not in "aiosu"
        for word in (tok.text, tok.text[:-1]) if plural else (tok.text,):
            if len(word) >= _HEAD_WORD_CHARS and (head.endswith(word) or head.startswith(word)):
                return word
    return None


@lru_cache(maxsize=1)
def _broader_index() -> AliasIndex:
    return AliasIndex([(k, c, a) for (k, c), a in BROADER.items()], determiners=True)


@lru_cache(maxsize=256)
def _broader_mentions(text: str) -> tuple[Mention, ...]:
    """The findings of a text that a more specific diagnosis may name (``broader``)."""
    return tuple(_broader_index().find(text))


def _broader_named(
    m: Mention,
    out: AnalyzedText,
    ctx: AnalyzedText,
    context_concepts: Collection[tuple[str, str]],
    named: list[tuple[int, int]],
) -> str | None:
    """The input's words for a finding of which the output's unsupported concept is a more
    specific diagnosis ("heart rhythm disorder" for atrial fibrillation, "bone disease" for
    osteoporosis): affirmed, not inside a name of its own, said of the same person (the
    patient's or a relative's, as the output's is), and not explained by another concept the
    input supports that the same words also ground (the input's "heart disease" is its heart
    failure, not a fabricated coronary disease). None where the input has no such words."""
    key = (m.kind, m.concept)
    found = _broader_mentions(ctx.text)
    family = _of_family(out, m.start, m.end)
    for b in found:
        if (b.kind, b.concept) != key or any(s <= b.start < e for s, e in named):
            continue
        if (
            polarity_at(ctx, b.start, b.end) != AFFIRMED
            or _of_family(ctx, b.start, b.end) != family
        ):
            continue
        rivals = {(o.kind, o.concept) for o in found if (o.start, o.end) == (b.start, b.end)}
        rivals |= _named_within(b.surface)
        if not (rivals - {key}) & set(context_concepts):
            return b.surface
    return None


@lru_cache(maxsize=256)
def _named_within(phrase: str) -> frozenset[tuple[str, str]]:
    """The concepts one of whose names holds ``phrase`` as whole words: the input's "arthritis"
    may be its "rheumatoid arthritis"."""
    words = f" {' '.join(_WORD.findall(phrase.lower()))} "
    return frozenset(
        (kind, concept)
        for kind, table in _NAMES.items()
        for concept, aliases in table.items()
        if any(words in f" {' '.join(_WORD.findall(a.lower()))} " for a in aliases)
    )


_RISK_LIST = re.compile(
    r"\b(?:risks?|complications?|side[ -]effects?)\b(?:\s+[\w-]+){0,4}?\s+"
    r"(?:of|include|includes|including|such\s+as|like|are)\b[^.;:\n]*$",
    re.IGNORECASE,
)


# care settings where a patient lives (not an encounter's place: ED, ICU, urgent care)
_RESIDENCES = frozenset({"nursing home", "assisted living", "hospice", "rehabilitation facility"})
_PLACED_BEFORE = re.compile(
    r"\b(?:in|at|from|to|into)\s+(?:(?:the|a|an|his|her|their|our)\s+)?(?:local\s+)?$", re.I
)
_RESIDENT_AFTER = re.compile(r"\s*(?:resident|residence|placement)\b", re.I)


# how a consultation took place: remote ("telephone consultation", "phone appointment", "video
# call") or in person ("face-to-face", "seen in clinic", "home visit")
_REMOTE = fast_compile(
    r"\b(?:telehealth|telemedicine|virtual (?:visit|consult\w*)|(?:tele)?(?:phone|video|tel\.?)"
    r" (?:call|consult\w*|appointment|review|clinic|assessment|triage))\b",
    re.IGNORECASE,
)
# a word each pattern above needs (a substring look-up before the patterns are run)
_ENCOUNTER_WORDS = ("face", "person", "visit", "clinic", "tele", "virtual", "phone", "video", "tel")
# a sentence about another contact: "telephone review in 2 weeks", "we'll do a video call"
_LATER = re.compile(
    r"\b(?:follow[- ]?up|f/u|next|will|we'll|plan\w*|arrange\w*|book\w*|offered|in \d+|in (?:a|one|"
    r"two|three|four|six) (?:day|week|month)s?|previous|last|prior)\b",
    re.IGNORECASE,
)
_BOUNDARY = re.compile(r"[.;!?\n]")


def _this_visit(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match of ``pattern`` in a sentence about the present contact, not a later or
    earlier one ("Telephone review in 2 weeks")."""
    for m in pattern.finditer(text):
        start = max(
            (b.end() for b in _BOUNDARY.finditer(text, max(0, m.start() - 200), m.start())),
            default=max(0, m.start() - 200),
        )
        nxt = _BOUNDARY.search(text, m.end())
        end = nxt.start() if nxt else len(text)
        if not _LATER.search(text, start, end):
            return m
    return None


_IN_PERSON = fast_compile(
    r"\b(?:face[- ]to[- ]face|in[- ]person|home visit|(?:seen|attended|reviewed) in (?:the )?clinic"
    r"|attended (?:the )?clinic)\b",
    re.IGNORECASE,
)


def _residence(text: str, m: Mention) -> bool:
    """Whether a residential setting is said as where the patient lives or comes from ("nursing
    home resident", "lives in a care home", "admitted from a nursing facility")."""
    return m.concept in _RESIDENCES and (
        _PLACED_BEFORE.search(text, max(0, m.start - 24), m.start) is not None
        or _RESIDENT_AFTER.match(text, m.end) is not None
    )


def _risk_list(text: str, start: int) -> bool:
    """Whether the mention at ``start`` is an item of a list of risks or complications in its
    sentence ("There is always a risk of amputation, heart attack, stroke")."""
    return _RISK_LIST.search(text, max(0, start - 160), start) is not None


def _possible(doc: AnalyzedText, m: Mention) -> bool:
    """Whether a text names the condition at ``m`` as a possibility (read hypothetical: a risk,
    what is prevented or avoided, a condition of an instruction)."""
    toks = doc.tokens_in(m.start, m.end)
    return bool(toks) and toks[0].scope == HYPOTHETICAL


@verifiers.register("entities.v1")
class EntitiesRule(Rule):
    """Unsupported conditions, procedures, settings, high-alert drugs, demographics, code status."""

    name = "entities.v1"

    def __init__(
        self,
        condition_risk: int = 3,
        procedure_risk: int = 3,
        setting_risk: int = 2,
        residence_risk: int = 3,
        high_alert_risk: int = 4,
        demographic_risk: int = 2,
        note_age_risk: int = 3,
        contradicted_demographic_risk: int = 3,
        code_status_risk: int = 4,
        allergy_risk: int = 4,
        pregnancy_risk: int = 4,
    ) -> None:
        self.pregnancy_risk = pregnancy_risk
        self.risks = {
            "condition": condition_risk,
            "procedure": procedure_risk,
            "setting": setting_risk,
            "high_alert": high_alert_risk,
        }
        self.residence_risk = residence_risk
        self.demographic_risk = demographic_risk
        self.note_age_risk = note_age_risk
        self.contradicted_demographic_risk = contradicted_demographic_risk
        self.code_status_risk = code_status_risk
        self.allergy_risk = allergy_risk

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None
        findings = self._unsupported(view, out, ctx)
        findings += self._demographics(view, out, ctx)
        findings += self._encounter(view, out, ctx)
        findings += self._code_status(view, out, ctx)
        reacted = reacted_drugs(ctx)  # read once: both allergy checks use it
        findings += self._allergies(view, out, ctx, reacted)
        findings += self._reactions(view, out, ctx, reacted)
        findings += self._pregnancy(view, out, ctx)
        return findings

    def _pregnancy_denied(
        self, view: CaseDoc, out: AnalyzedText, ctx: AnalyzedText
    ) -> list[Finding]:
        """A pregnancy the output rules out or calls unlikely ("31F, not pregnant", "so
        pregnancy unlikely") where the input states one ("22+4 weeks pregnant") or says it
        cannot be ruled out ("so we can't rule it out")."""
        said = _PREGNANCY_DENIED.search(out.text)
        if said is None:
            return []
        from medfact.compare import pregnancy_facts  # compare imports the rules' helpers

        current = [
            f
            for f in pregnancy_facts(ctx)
            if f.kind == "gestation"
            or f.value == "yes"
            and polarity_at(ctx, f.start, f.end) == AFFIRMED
            and not _PAST_PREGNANCY.search(ctx.text, max(0, f.start - 24), f.start)
        ]
        if current:
            where, why, risk = (current[0].start, current[0].end), "states", self.pregnancy_risk
        else:
            open_ = _PREGNANCY_OPEN.search(ctx.text)
            named = open_ is not None and PREGNANCY.search(
                ctx.text, max(0, open_.start() - _PREGNANCY_REACH), open_.end()
            )
            if open_ is None or not named:
                return []
            where, why, risk = open_.span(), "cannot rule out", 3
        return [
            self.finding(
                view,
                ErrorCategory.DETAIL_MISIDENTIFICATION,
                risk,
                said.span(),
                f"pregnancy status: '{said.group()}' where the input {why} a pregnancy "
                f"('{ctx.text[where[0] : where[1]]}')",
                relation=CONTRADICTED,
                context_span=where,
                confidence=0.75,
            )
        ]

    def _pregnancy_result_pending(
        self, view: CaseDoc, out: AnalyzedText, ctx: AnalyzedText
    ) -> list[Finding]:
        """A pregnancy test result ("UPT negative") or a pregnancy ruled out ("denies possibility
        of pregnancy") where the input's test has no result yet ("the sample is still awaited",
        "we'll do a pregnancy test before theatre")."""
        said = [r for r in pregnancy_results(out.text) if not _AWAITED.search(out.text, 0, r[0])]
        denied = _PREGNANCY_DENIED.search(out.text)
        if not said and denied is None:
            return []
        where = pending_pregnancy_test(ctx.text)
        if where is None:
            return []
        span = said[0][:2] if said else denied.span()
        return [
            self.finding(
                view,
                ErrorCategory.FABRICATED_CLAIM,
                self.pregnancy_risk if said else 3,
                span,
                f"pregnancy status: '{out.text[span[0] : span[1]]}' where the input's pregnancy "
                f"test has no result yet ('{ctx.text[where[0] : where[1]]}')",
                relation=CONTRADICTED,
                context_span=where,
                confidence=0.75,
            )
        ]

    def _pregnancy(self, view: CaseDoc, out: AnalyzedText, ctx: AnalyzedText) -> list[Finding]:
        """A pregnancy the output states (or raises) that the input denies or never mentions, or
        a pregnancy test result the input gives the other way."""
        named = may_name_pregnancy(out.text)  # False: PREGNANCY matches nowhere in the output
        if named or any(w in out.text.lower() for w in ("test", "upt")):
            stated = pregnancy_results(ctx.text)
            theirs = {r[2] for r in stated}
            if len(theirs) == 1:
                for start, end, positive in pregnancy_results(out.text):
                    if positive not in theirs:
                        said = "negative" if positive else "positive"
                        return [
                            self.finding(
                                view,
                                ErrorCategory.DETAIL_MISIDENTIFICATION,
                                self.pregnancy_risk,
                                (start, end),
                                f"pregnancy status: the input's pregnancy test is {said}",
                                relation=CONTRADICTED,
                                context_span=stated[0][:2],
                                confidence=0.8,
                            )
                        ]
        pending = self._pregnancy_result_pending(view, out, ctx)
        if pending:
            return pending
        denied = self._pregnancy_denied(view, out, ctx)
        if denied:
            return denied
        stated = list(PREGNANCY.finditer(out.text)) if named else []
        stated = [
            m
            for m in stated
            if polarity_at(out, m.start(), m.end()) != NEGATED
            and not _PAST_PREGNANCY.search(out.text, max(0, m.start() - 24), m.start())
            and not _PREVENTED_PREGNANCY.search(out.text, max(0, m.start() - 30), m.start())
            and not _PREGNANCY_TEST.match(out.text, m.end())
            and not _WITH_ITS_OUTCOME.match(out.text, m.end())
        ]
        if not stated:
            return []
        in_ctx = list(PREGNANCY.finditer(ctx.text))
        if any(
            polarity_at(ctx, m.start(), m.end()) != NEGATED
            or _TROUBLE_WITH.search(ctx.text, max(0, m.start() - 40), m.start())
            # "you need a negative pregnancy test first": a requirement, no pregnancy denied
            or not _result_given(ctx.text, m.start())
            for m in in_ctx
        ):
            return []  # "any complications with your pregnancy? - No": the trouble is denied
        m = stated[0]
        if in_ctx:
            return [
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.pregnancy_risk,
                    (m.start(), m.end()),
                    "pregnancy status: the input rules out a pregnancy",
                    relation=CONTRADICTED,
                    context_span=(in_ctx[0].start(), in_ctx[0].end()),
                    confidence=0.75,
                )
            ]
        return [
            self.finding(
                view,
                ErrorCategory.FABRICATED_CLAIM,
                self.pregnancy_risk,
                (m.start(), m.end()),
                "pregnancy status: the input does not mention a pregnancy",
                confidence=0.65,
            )
        ]

    def _unsupported(self, view: CaseDoc, out: AnalyzedText, ctx: AnalyzedText) -> list[Finding]:
        context_concepts, relatives = input_concepts(ctx)
        drug_spans = [(d.start, d.end) for d in out.drugs]
        findings: list[Finding] = []
        seen: set[tuple[str, str]] = set()
        undone = unasserted_concepts(ctx)
        # the input's own named concepts: a word of one ("renal failure") names that one
        named_spans = [(x.start, x.end) for x in mentions(ctx.text)]
        for m in mentions(out.text):
            if (m.kind, m.concept) in seen:
                continue
            if _supported(m.concept, m.kind, context_concepts):
                where = undone.get((m.kind, m.concept))
                if where is not None and (
                    _asserted(out, m.start, m.end, output=True) or _resulted(out, m)
                ):
                    seen.add((m.kind, m.concept))
                    findings.append(self._undone(view, m, where))
                continue
            if (m.kind, m.concept) in relatives and (
                _of_family(out, m.start, m.end)
                or _relative_named_before(out.text, m.start)
                or _relative_named_after(out.text, m.end)
            ):
                continue  # a relative's, as the input's support words are
            if m.kind == "procedure" and _pain_spreads(out.text, m):
                continue  # "back pain with radiation into the left leg": no radiotherapy
            if m.kind in ("condition", "procedure") and _described(m.surface, ctx):
                continue  # "choledocholithiasis" for "stones in your C B D" (word_parts.toml)
            if told_as_action(m, out, ctx):
                continue  # "knee replacements" for "my knees ... they put in the new ones"
            if m.kind == "high_alert" and any(s < m.end and m.start < e for s, e in drug_spans):
                continue  # drugs.v1 reports the drugs its lexicon finds
            if polarity_at(out, m.start, m.end) != AFFIRMED:
                continue  # "no history of CHF", "rule out pneumonia": not a claim that it is so
            if _abbreviation_of(m.surface, ctx.text):
                continue  # "HCV" for the input's "hepatitis C virus", and the other way
            seen.add((m.kind, m.concept))
            label = "high-alert medication" if m.kind == "high_alert" else m.kind
            detail = f" ({m.concept})" if m.kind == "high_alert" else ""
            risk, confidence = self.risks[m.kind], 0.7
            if m.kind == "setting" and _residence(out.text, m):
                # "a nursing home resident", "admitted from a care home": where the patient lives,
                # which the input would say; an encounter's place ("presented to the ED") is often
                # known to the writer from the record and stays below
                risk, detail = max(risk, self.residence_risk), " (where the patient lives)"
            elif m.kind == "setting":
                # a place is no drug's dose: a sentence's high-alert drug must not raise it
                confidence = 0.45
            if m.kind in ("condition", "procedure") and _risk_list(out.text, m.start):
                # "risks of bleeding, stroke, amputation": a consent list, no claim of the
                # patient's; check this (below the severity policy's confidence floor)
                risk, detail, confidence = min(risk, 2), " (named as a risk)", 0.45
            elif m.kind == "condition" and _possible(out, m):
                # "heparin to prevent a blood clot", "at risk of falls": named as a possibility,
                # no claim that the patient has it; check it
                risk, detail, confidence = min(risk, 2), " (named as a possibility)", 0.45
            elif m.kind == "condition" and _of_family(out, m.start, m.end):
                # "Father died of valvular heart disease" where the input has "my dad passed
                # away from a heart attack": a relative's history, which the input words its
                # own way and which is not the patient's diagnosis; check it
                risk, detail, confidence = min(risk, 2), " (a relative's)", 0.45
            elif m.kind in ("condition", "procedure"):
                parent = _head_named(m, ctx, named_spans)
                if parent is not None:
                    # "osteoarthritis of the knees" for "arthritis in both knees": the input
                    # names the finding by its head word, the output by a kind of it; check it
                    risk, confidence = min(risk, 2), 0.45
                    detail = f" (the input names '{parent}')"
                elif wider := _broader_named(m, out, ctx, context_concepts, named_spans):
                    # "atrial fibrillation" for "a heart rhythm disorder": a diagnosis more
                    # specific than the input's finding, a clinician's judgement; check it
                    risk, confidence = min(risk, 2), 0.45
                    detail = (
                        f" (more specific than the input's '{wider}': a clinical judgement "
                        "to confirm)"
                    )
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.FABRICATED_CLAIM,
                    risk,
                    (m.start, m.end),
                    f"{label} '{m.surface}'{detail} has no support in the input",
                    confidence=confidence,
                )
            )
        return findings

    def _undone(self, view: CaseDoc, m: Mention, where: tuple[int, int]) -> Finding:
        """A procedure said as done, or a condition as present, that the input names only as
        not done, absent or offered ("S/p TURP" - "They talked about the TURP but
        I didn't want it"), or only as a possibility ("Stroke." - "at risk of a stroke")."""
        done = "done" if m.kind == "procedure" else "present"
        ctx = view.context
        toks = ctx.tokens_in(*where) if ctx is not None else []
        how = (
            "as a possibility"  # "at risk of a stroke", "call if you get a rash"
            if toks and toks[0].scope == HYPOTHETICAL
            else "as not done, absent or offered"
        )
        return self.finding(
            view,
            ErrorCategory.FABRICATED_CLAIM,
            self.risks[m.kind],
            (m.start, m.end),
            f"{m.kind} '{m.surface}' is stated as {done}; the input names it only {how}",
            context_span=where,
            confidence=0.6,
        )

    def _demographics(self, view: CaseDoc, out: AnalyzedText, ctx: AnalyzedText) -> list[Finding]:
        findings = []
        out_ages = ages(out.text, events=False)
        ctx_ages = ages(ctx.text) if out_ages else []  # the input's, read only when needed
        ctx_numbers = {q.value for q in ctx.quantities} | {a for a, _, _ in ctx_ages}
        # an age at an event ("diabetes since age 9") supports the same age in the output but
        # is not the patient's age now, which a different age of the output would contradict
        own = ages(ctx.text, events=False) if out_ages else []
        for age, start, end in out_ages:
            if any(a == age for a, _, _ in ctx_ages) or _age_now(ctx.text, age):
                continue  # "since age 9, now 17"
            if own:
                first = own[0]
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.DETAIL_MISIDENTIFICATION,
                        self.contradicted_demographic_risk,
                        (start, end),
                        f"age {age} differs from the input's {first[0]}",
                        relation=CONTRADICTED,
                        context_span=(first[1], first[2]),
                        confidence=0.8,
                    )
                )
            elif float(age) not in ctx_numbers and not _in_decade(age, ctx.text):
                # a written input (a clinic letter, a review note) that gives no age is the
                # output's only source; a conversation's speakers rarely say the age the writer
                # takes from the record, and a date of birth gives it with the visit's date
                written = not ctx.is_dialogue and not _BIRTH.search(ctx.text)
                risk = self.note_age_risk if written else self.demographic_risk
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.FABRICATED_CLAIM,
                        risk,
                        (start, end),
                        f"demographic: age {age} is not stated in the input",
                        confidence=0.7 if written else 0.6,
                    )
                )
        out_sex = list(sexes(out, pronouns=False))
        ctx_sex = {s for s, _, _ in sexes(ctx, pronouns=True)} if out_sex else set()
        ctx_explicit = list(sexes(ctx, pronouns=False)) if out_sex else []
        for sex, start, end in out_sex:
            if sex in ctx_sex or not ctx_explicit:
                continue
            other = ctx_explicit[0]
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.contradicted_demographic_risk,
                    (start, end),
                    f"demographic: sex '{out.text[start:end]}' differs from the input's "
                    f"'{ctx.text[other[1] : other[2]]}'",
                    relation=CONTRADICTED,
                    context_span=(other[1], other[2]),
                    confidence=0.75,
                )
            )
            break
        ctx_lower = ctx.text.lower()
        for m in _HOUSEHOLD.finditer(out.text):
            if m.group(1).lower() not in ctx_lower:
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.FABRICATED_CLAIM,
                        self.demographic_risk,
                        (m.start(), m.end()),
                        f"demographic: household '{m.group(1)}' is not in the input",
                        confidence=0.6,
                    )
                )
        return findings

    def _encounter(self, view: CaseDoc, out: AnalyzedText, ctx: AnalyzedText) -> list[Finding]:
        """A consultation said as in person that the input gives only as remote ("Seen in
        clinic" - "calling for your phone appointment"), or the reverse."""
        low = out.text.lower()
        if not any(w in low for w in _ENCOUNTER_WORDS):
            return []  # no consultation mode named: the patterns are not run
        for said, other in ((_IN_PERSON, _REMOTE), (_REMOTE, _IN_PERSON)):
            m = _this_visit(said, out.text)
            if m is None or said.search(ctx.text):
                continue
            given = _this_visit(other, ctx.text)
            if given is None:
                continue
            return [
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.contradicted_demographic_risk,
                    (m.start(), m.end()),
                    f"setting: '{m.group()}' differs from the input's '{given.group()}'",
                    relation=CONTRADICTED,
                    context_span=(given.start(), given.end()),
                    confidence=0.75,
                )
            ]
        return []

    def _code_status(self, view: CaseDoc, out: AnalyzedText, ctx: AnalyzedText) -> list[Finding]:
        o, c = code_status(out), code_status(ctx)
        conflicts: list[tuple[tuple[int, int], list[tuple[int, int]], str]] = []
        said = [m.span() for m in _COMFORT_SAID.finditer(ctx.text)] if o.any else []
        limits = c.dnr + c.dni + c.comfort + said
        for span in o.full:
            if limits:
                conflicts.append((span, limits, "full code, but the input limits resuscitation"))
        for span in o.dnr:
            if not c.dnr and not c.comfort and (c.full or c.cpr_ok):
                conflicts.append((span, c.full + c.cpr_ok, "DNR, but the input accepts CPR"))
        for span in o.dni:
            if not c.dni and not c.comfort and (c.full or c.intubation_ok):
                conflicts.append((span, c.full + c.intubation_ok, "DNI, but the input accepts it"))
        for span in o.cpr_ok:
            if c.dnr or c.comfort:
                conflicts.append((span, c.dnr + c.comfort, "CPR accepted, but the input is DNR"))
        for span in o.intubation_ok:
            if c.dni or c.comfort:
                conflicts.append((span, c.dni + c.comfort, "intubation accepted, but input is DNI"))
        findings = [
            self.finding(
                view,
                ErrorCategory.DETAIL_MISIDENTIFICATION,
                self.code_status_risk,
                span,
                f"code status: {why}",
                relation=CONTRADICTED,
                context_span=where[0],
                confidence=0.8,
            )
            for span, where, why in conflicts
        ]
        if not c.any and not c.cpr_ok and not c.intubation_ok and not said and not findings:
            for span in o.full + o.dnr + o.dni + o.comfort:
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.FABRICATED_CLAIM,
                        3,
                        span,
                        "code status: the input states none",
                        confidence=0.6,
                    )
                )
                break
        return findings

    def _allergen_changed(
        self, view: CaseDoc, out: AnalyzedText, ctx: AnalyzedText, stated: list[Allergy]
    ) -> list[Finding]:
        """An allergy of the output to something the input states no allergy to."""
        findings = []
        ctx_low = ctx.text.lower()
        for a in allergies(out):
            if any(same_allergen(a.allergen, b.allergen) for b in stated):
                continue
            if any(_answers_allergy(ctx, w) for w in _allergen_phrase(out.text, a)):
                continue  # "sticking plasters" for "Any allergies? - Plasters, the sticky ones"
            if _in_reaction_list(ctx, a.allergen):
                continue  # "I've reacted poorly to sulfa drugs, penicillin, and some mycins"
            if not stated and a.allergen[:4] not in ctx_low:
                risk, why, where = 3, "the input states no allergies", None
            elif (
                stated
                and a.allergen[:4] in ctx_low
                and any(_CLASS_ALLERGEN.search(b.allergen) for b in stated)
            ):
                continue  # "an antibiotic ... Cef... cefazolin": the class named, then the drug
            elif stated:
                risk, why = self.allergy_risk, f"the input's allergy is to '{stated[0].allergen}'"
                where = (stated[0].start, stated[0].end)
            else:
                continue  # the input names it, not as an allergy: left to the negation rules
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION
                    if where
                    else ErrorCategory.FABRICATED_CLAIM,
                    risk,
                    a.word,
                    f"allergy to '{a.allergen}': {why}",
                    relation=CONTRADICTED if where else "unsupported",
                    context_span=where,
                    confidence=0.75,
                )
            )
        return findings

    def _reactions(
        self, view: CaseDoc, out: AnalyzedText, ctx: AnalyzedText, reacted: dict[str, Any]
    ) -> list[Finding]:
        """A drug's reaction given as mild (or the drug as tolerated) where the input gives
        an allergic reaction to it."""
        if not out.drugs:
            return []  # only a drug of the output is checked
        severe = {name: span for name, (_, span) in reacted.items()}
        avoided = avoided_drugs(ctx)
        allergens = _allergen_drugs(ctx, severe)
        dosed = _dosed_drugs(ctx)
        findings, seen = [], set()
        for d in out.drugs:
            if d.canonical in seen or d.canonical not in severe | avoided | allergens:
                continue
            sent = sentence_at(out.sentences, d.start)
            if sent is None:
                continue
            clause = out.text[sent.span[0] : sent.span[1]]
            # a stated allergy alone ("Any allergies? - the penicillin one... no, that's my
            # husband") is checked only against a dose given, not a tolerance
            tolerated = (
                next(
                    (
                        m
                        for m in _TOLERATES.finditer(clause)
                        if _bound(out.text, sent.span[0] + m.start(), sent.span[0] + m.end(), d)
                    ),
                    None,
                )
                if d.canonical in severe | avoided
                else None
            )
            # the drug's own segment of the sentence ("penicillin - facial swelling;
            # simvastatin - myalgia (intolerance)": the intolerance is simvastatin's)
            own = _own_segment(out, d, sent.span[1])
            mild = (
                _MILD_REACTION.search(out.text, d.start, d.start + len(own))
                if d.canonical in severe
                else None
            )
            if mild is None and d.canonical in severe and _severe_in(ctx, severe[d.canonical]):
                mild = _ANY_RASH.search(out.text, d.start, d.start + len(own))
            if mild is not None and (
                _SEVERE_REACTION.search(clause)
                or (_gives_allergic(own) and not _severe_in(ctx, severe[d.canonical]))
            ):
                mild = None  # the output gives the allergic reaction too ("diarrhoea + rash")
            advised = None
            if (
                (d.canonical in avoided or d.canonical in allergens)
                and not _AVOIDS.search(clause)
                # the sentence gives the drug's allergic reaction: "(penicillin ANAPHYLAXIS -
                # no piperacillin-tazobactam)" names it to keep it out
                and not _SEVERE_REACTION.search(clause)
                and not _STOPPED_BEFORE.search(out.text, max(0, d.start - 16), d.start)
                and not _NOT_BEFORE_DRUG.search(out.text, max(0, d.start - 12), d.start)
            ):
                advised = _ADVISES.search(
                    out.text, _clause_start(out.text, sent.span[0], d), d.start
                )
                if advised is None and d.canonical not in dosed:
                    advised = _DOSE_GIVEN.match(out.text, d.end)  # "Trimethoprim 100 mg BD"
            hit = tolerated or mild or advised
            if hit is None:
                continue
            where = severe.get(d.canonical) or avoided.get(d.canonical) or allergens[d.canonical]
            allergic = d.canonical in severe or d.canonical in allergens
            stated = (
                "an allergic reaction"
                if d.canonical in severe
                else "an allergy"
                if allergic
                else "that it is avoided"
            )
            seen.add(d.canonical)
            said = (
                "tolerated"
                if hit is tolerated
                else "advised"
                if hit is advised
                else f"a mild reaction ('{hit.group()}')"
            )
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.allergy_risk,
                    # a tolerance is read in the sentence; a reaction and advice in the text
                    (sent.span[0] + hit.start(), sent.span[0] + hit.end())
                    if hit is tolerated
                    # advice: its word through the drug it gives ("Plan: trimethoprim")
                    else (min(hit.start(), d.start), max(hit.end(), d.end))
                    if hit is advised
                    else hit.span(),
                    f"{'allergy' if allergic else 'avoided drug'}: "
                    f"'{d.surface}' {said} where the input gives {stated} "
                    f"('{ctx.text[where[0] : where[1]]}')",
                    relation=CONTRADICTED,
                    context_span=where,
                    confidence=0.75,
                )
            )
        return findings

    def _allergies(
        self, view: CaseDoc, out: AnalyzedText, ctx: AnalyzedText, reacted: dict[str, Any]
    ) -> list[Finding]:
        stated = allergies(ctx)
        # a drug the input gives an allergic reaction to is an allergen too ("What did the
        # clarithromycin do? - A rash, really itchy")
        known = stated + [
            Allergy(name.lower(), span[0], span[1], (d.start, d.end))
            for d, span in reacted.values()
            for name in (d.canonical, d.surface)  # "Bactrim" is trimethoprim/sulfamethoxazole
        ]
        findings = self._allergen_changed(view, out, ctx, known)
        for m in NO_ALLERGY.finditer(out.text):
            drug_only = _DRUG_ONLY.search(m.group()) is not None
            if drug_only and any(
                _DRUG_ONLY.search(c.group()) for c in NO_ALLERGY.finditer(ctx.text)
            ):
                continue  # the input says the same: its allergies are not to drugs
            rivals = [
                a
                for a in stated
                if not drug_only
                or (_is_drug_allergen(a, ctx) and not _NOT_A_MEDICINE.search(a.allergen))
            ]
            if not rivals:
                rivals = [
                    Allergy(d.surface, d.start, span[1], (d.start, d.end))
                    for d, span in reacted.values()
                    # a food, venom or latex the drug table lists is no drug allergy
                    if not (drug_only and _NOT_A_MEDICINE.search(d.surface))
                ]
            if not rivals:
                continue
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.allergy_risk,
                    (m.start(), m.end()),
                    f"allergy: the input states an allergy to '{rivals[0].allergen}'",
                    relation=CONTRADICTED,
                    context_span=(rivals[0].start, rivals[0].end),
                    confidence=0.85,
                )
            )
        return findings


# Drug reactions by severity: a reaction the output gives as a mild intolerance where the input
# gives an allergic one (swelling of the airway, hives, anaphylaxis, bronchospasm, SJS) hides a
# drug that must not be given again; so does "tolerates X" for a drug the input reacts to.
_SEVERE_REACTION = re.compile(
    r"\banaphyla\w*|\bangio-?edema\b|\b(?:lips?|tongue|throat|face|facial|mouth|eyes?)\b[^.\n]{0,30}"
    r"\b(?:swell\w*|swollen|tight\w*|clos\w*|puff\w*)|\b(?:blood pressure|BP)\b[^.\n]{0,20}"
    r"\b(?:dropped|fell|crashed|plummeted)\b|\bcollapsed?\b|\b(?:swell\w*|swollen)\b[^.\n]{0,20}"
    r"\b(?:lips?|tongue|throat|face)\b|\bhives\b|\burticaria\b|\b(?:trouble|difficulty|"
    r"couldn'?t|could not|can'?t) breath\w*|\bwheez\w*|\bbronchospasm\b|\basthma\b"
    r"|\bstevens[- ]johnson\b|\bSJS\b|\bemergency (?:room|department|visit)|\bER\b|\bA&E\b"
    r"|\bskin\b[^.\n]{0,25}\bpeel\w*|\bpeel\w*\b[^.\n]{0,15}\bskin\b|\bblister\w*"
    r"|\btoxic epidermal\b|\bDRESS\b"
    r"|\bepi-?pen\b|\bepinephrine\b",
    re.IGNORECASE,
)
_ALLERGIC_REACTION = fast_compile(
    _SEVERE_REACTION.pattern + r"|\b(?:came|come|broke|breaks?) out in (?:a )?(?:rash|hives)\b"
    r"|\brash\b|\bwelts\b|\bwheals\b",
    re.IGNORECASE,
)
_MILD_REACTION = re.compile(
    r"\bnausea\w*|\bupset stomach\b|\bstomach upset\b|\bGI upset\b|\bdiarrh\w*"
    r"|\bheadaches?\b|\bdrows\w*|\bconstipat\w*|\bintoleran\w*|\bside effects?\b"
    r"|\b(?:mild|minor|slight)\s+(?:skin\s+)?(?:rash|itch\w*|irritation|redness)\b"
    r"|\bskin\s+irritation\b|\bcough\b",
    re.IGNORECASE,
)
# a rash alone: mild where the input gives swelling, hives or a collapse
_RASH_ONLY = re.compile(r"\b(?:non-itchy|itchy|minor|slight|small|skin)\s+(?:skin\s+)?rash\b", re.I)
# ... and a plain rash, where the input's reaction is severe ("penicillin (rash in childhood)"
# for "my throat closed up")
_ANY_RASH = re.compile(r"\brash\b", re.I)
# a drug stopped or held is not advised ("Plan: STOP digoxin")
_STOPPED_BEFORE = re.compile(
    r"\b(?:stop|stopped|hold|held|discontinue|discontinued|omit|withhold|cease)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
# "use paracetamol - NOT ibuprofen", "no NSAIDs": the drug named to keep it out
_NOT_BEFORE_DRUG = re.compile(r"\b(?:not|no|never|nor|avoid)[^\S\n]+(?:\w+[^\S\n]+)?$", re.I)
_TOLERATES = re.compile(
    r"\b(?:tolerates?|tolerated|tolerating|no (?:problems?|issues?|reaction) (?:with|to)|"
    r"fine with|can take|safe to (?:take|use))\b",
    re.IGNORECASE,
)
_AVOIDS = fast_compile(
    r"\bavoids?\b|\bavoiding\b|\ballerg(?:ic|y)\b|\breacts?\b|\breaction\b|\bstay away from\b"
    r"|\b(?:do not|don'?t|never) (?:give|take|use)\b|\bcontraindicated\b"
    # "I won't use trimethoprim this early in pregnancy", "you shouldn't take ibuprofen"
    r"|\b(?:won'?t|will not|wouldn'?t|would not|shouldn'?t|should not|must not|mustn'?t|can'?t|"
    r"cannot) (?:give|take|use|prescribe)\b",
    re.I,
)
_ADVISES = re.compile(
    r"\b(?:advi[cs]e[sd]?|recommend\w*|give|start\w*|take|use|try|prescrib\w*|plan|rx)\b",
    re.I,
)
# what may stand between "avoid"/"allergic" and its drug ("allergic to the penicillin")
_LINK_WORDS = re.compile(
    r"^\s*(?:(?:to|the|any|all|taking|using|giving|of|from|on|with)\s+){0,3}$", re.IGNORECASE
)
_PRONOUN = re.compile(  # "avoid it", "stay away from all of those"; not "avoid that rash"
    r"\s*(?:all (?:of )?)?(?:it|them|those|(?:that|this) one)\b"
    r"(?=\s*(?:[.,;!?]|$|too\b|as well\b|either\b|because\b|since\b|now\b))",
    re.IGNORECASE,
)


def _clause_start(text: str, lo: int, drug: Any) -> int:
    """Where the clause of ``drug`` opens in the sentence starting at ``lo``: after the last
    semicolon before it, so that advice to start one drug ("Started sertraline 3/52 ago; also on
    indapamide") is not read as advice about the next."""
    return max(lo, text.rfind(";", lo, drug.start) + 1)


_PLAYED_DOWN = re.compile(r"\b(?:mild|minor|slight|small|faint)\s+(?:skin\s+)?$", re.I)


_PHRASE_END = re.compile(r"[(\-,;:.\n]| - ")
_PHRASE_WORD = re.compile(r"[A-Za-z]{4,}")


def _allergen_phrase(text: str, allergy: Allergy) -> list[str]:
    """The words of an allergy's allergen phrase, up to its reaction or the next item:
    "fabric adhesive plasters" of "Allergy: fabric adhesive plasters (rash)"."""
    start = allergy.word[0]
    stop = _PHRASE_END.search(text, allergy.word[1])
    end = min(stop.start() if stop else len(text), start + 40)
    return [w.lower() for w in _PHRASE_WORD.findall(text[start:end])]


# the first word of the answer after an input's "allergies": past the rest of the question, a
# speaker's tag and a filler ("Any allergies at all? / Patient: Um, plasters, the sticky ones")
_FIRST_ANSWER_WORD = re.compile(
    r"(?:[^?\n]{0,30}\?)?[^\S\n]*[?.:,-]?[^\S\n]*(?:\n[^\S\n]*(?:[A-Za-z][\w ]{0,20}:)?)?[^\S\n]*"
    r"(?:(?:yes|yeah|yep|um|uh|er|erm|well|oh|just|only|the|to|an?)\b[,.]?[^\S\n]*)*"
    r"([A-Za-z][\w-]*)",
    re.IGNORECASE,
)


def _answers_allergy(ctx: AnalyzedText, word: str) -> bool:
    """Whether the input's answer to an allergy question or heading opens with ``word`` (by
    its stem: "plaster", "plasters"): "Any allergies? - Plasters, the sticky ones", an allergen
    the drug lexicon does not know, which the allergy readers above do not take."""
    if (
        word in STOPWORDS
        or word in _NOT_ALLERGENS
        or any(d.surface.lower().startswith(word[:4]) for d in ctx.drugs)
    ):
        return False
    for m in _ALLERGY.finditer(ctx.text):
        first = _FIRST_ANSWER_WORD.match(ctx.text, m.end())
        if first is not None and first.group(1).lower()[:5] == word[:5]:
            return True
    return False


# a word of reaction opening a list of what the patient reacts to
_REACTION_WORD = re.compile(
    r"\b(?:react\w*|allerg\w*|intoleran\w*|sensitiv\w*|anaphyla\w*)\b", re.IGNORECASE
)
_LIST_REACH = 80  # characters back from an item to the reaction word its list follows
# what follows the reaction word up to the item: "(poorly) to" and the items before it
_LISTED_AFTER = re.compile(r"\s*(?:\w+\s+)?to\s+([^.;:]*)$", re.IGNORECASE)


def _in_reaction_list(ctx: AnalyzedText, allergen: str) -> bool:
    """Whether the input names ``allergen`` as an item of a list after a word of reaction in
    its sentence ("I've reacted poorly to sulfa drugs, penicillin, and some mycins"), not
    denied: the list's later items are allergens as much as its first."""
    if len(allergen) < 4:
        return False
    text = ctx.text
    for m in re.finditer(rf"\b{re.escape(allergen)}\w*", text, re.IGNORECASE):
        head = text[max(0, m.start() - _LIST_REACH) : m.start()]
        cut = max(head.rfind(c) for c in ".?!\n")
        head = head[cut + 1 :]
        react = list(_REACTION_WORD.finditer(head))
        listed = _LISTED_AFTER.match(head, react[-1].end()) if react else None
        if listed is None or "," not in listed.group(1):
            continue
        items = re.split(r",|\band\b|\bor\b", listed.group(1))
        if all(len(item.split()) <= 3 for item in items) and (
            polarity_at(ctx, m.start(), m.end()) == AFFIRMED
        ):
            return True
    return False


def _gives_allergic(segment: str) -> bool:
    """Whether a drug's own segment of an output names an allergic reaction that is not
    played down ("diarrhoea + rash"; not "mild rash", "no rash")."""
    for m in _ALLERGIC_REACTION.finditer(segment):
        if _REACTION_DENIED.search(segment, max(0, m.start() - 24), m.start()):
            continue
        if _RASH_ONLY.search(segment, max(0, m.start() - 12), m.end()):
            continue
        if _PLAYED_DOWN.search(segment, max(0, m.start() - 12), m.start()):
            continue
        return True
    return False


# a dose written right after a drug's name: the drug given ("trimethoprim 100 mg BD")
_DOSE_GIVEN = re.compile(
    r"[^\S\n]+\d+(?:\.\d+)?[^\S\n]*(?:mg|mcg|micrograms?|milligrams?|g|units?|ml|iu)\b", re.I
)


def _allergen_drugs(ctx: AnalyzedText, severe: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """Drugs the input states an allergy to ("Allergies: trimethoprim", "Any allergies? -
    Yes, trimethoprim"), canonical -> the allergy's span; those with a reaction excluded."""
    found: dict[str, tuple[int, int]] = {}
    stated = allergies(ctx)
    for d in ctx.drugs:
        if d.canonical in severe or d.canonical in found:
            continue
        for a in stated:
            if a.word[0] <= d.start < a.word[1] or (
                a.word == (0, 0) and a.start <= d.start < a.end
            ):
                found[d.canonical] = (a.start, a.end)
                break
    return found


_DOSE_REACH = 120  # characters after a drug its dose may be said in ("warfarin? - Five mg")


def _dosed_drugs(ctx: AnalyzedText) -> frozenset[str]:
    """Drugs the input itself gives a dose of ("trimethoprim 200 mg", "what dose of warfarin
    are you on? - Five milligrams"), before any other drug is named: a dose of them in the
    output is no new prescription."""
    doses = [q.start for q in ctx.quantities if q.unit_class in DOSE_CLASSES]
    drugs = sorted(ctx.drugs, key=lambda d: d.start)
    found = set()
    for k, d in enumerate(drugs):
        stop = min(d.end + _DOSE_REACH, drugs[k + 1].start if k + 1 < len(drugs) else len(ctx.text))
        if any(d.end <= q < stop for q in doses):
            found.add(d.canonical)
    return frozenset(found)


def _own_segment(doc: AnalyzedText, drug: Any, end: int) -> str:
    """The text from a drug up to the next drug named or ";" before ``end``."""
    stop = min((d.start for d in doc.drugs if drug.end < d.start < end), default=end)
    semi = doc.text.find(";", drug.end, stop)
    return doc.text[drug.start : semi if semi >= 0 else stop]


_DENIED_BEFORE = re.compile(r"\b(?:no|without|not|nil|denies|never)\s+(?:\w+\s+)?$", re.I)
# a reaction denied: "it's not a rash", "never had a rash", "no hives"
_REACTION_DENIED = re.compile(
    r"\b(?:no|without|not|nil|denies|denied|never|nor)\s+(?:\w+\s+){0,2}$", re.I
)


def avoided_drugs(doc: AnalyzedText) -> dict[str, tuple[int, int]]:
    """Drugs the text says to avoid or that the patient reacts to, each bound to its words:
    the drug right after them ("avoiding ibuprofen", "allergic to penicillin"), right before
    them ("penicillin allergy"), or, for "avoid it", the drug named last before."""
    found: dict[str, tuple[int, int]] = {}
    if not doc.drugs:
        return found  # every binding is to a drug: none named, none avoided
    drugs = sorted(doc.drugs, key=lambda d: d.start)
    for m in _AVOIDS.finditer(doc.text):
        if _DENIED_BEFORE.search(doc.text, max(0, m.start() - 16), m.start()):
            continue  # "tolerated paclitaxel with no reaction", "not allergic to"
        after = [d for d in drugs if m.end() <= d.start <= m.end() + 25]
        before = [d for d in drugs if m.start() - 20 <= d.end <= m.start()]
        if after and _LINK_WORDS.match(doc.text[m.end() : after[0].start]):
            d = after[0]
        elif before and not re.search(r"[.;:?!,]", doc.text[before[-1].end : m.start()]):
            d = before[-1]
        elif _PRONOUN.match(doc.text, m.end()):
            earlier = [d for d in drugs if m.start() - 300 <= d.end <= m.start()]
            if not earlier:
                continue
            d = earlier[-1]
        else:
            continue
        found.setdefault(d.canonical, (m.start(), m.end()))
    return found


_REACTION_REACH = 4  # sentences after a drug's that may still describe its reaction (an answer)


_RESCUE = frozenset(
    {"epinephrine", "adrenaline", "diphenhydramine", "hydrocortisone", "cetirizine"}
)


def _severe_in(doc: AnalyzedText, span: tuple[int, int]) -> bool:
    """Whether the sentence holding a reaction gives a severe one (swelling, hives, a fall in
    blood pressure, a collapse)."""
    sent = sentence_at(doc.sentences, span[0])
    return sent is not None and _SEVERE_REACTION.search(doc.text, *sent.span) is not None


_SENT_THERE = re.compile(
    r"\b(?:go|goes|come|attend|straight|ring|call|take|bring)\s+"
    # "take him to A&E", "bring her straight to the ED": the child or relative sent there
    r"(?:(?:him|her|them|me|us|yourself|the\s+\w+)\s+)?(?:straight\s+|to\s+|the\s+)*$",
    re.I,
)


def reacted_drugs(doc: AnalyzedText) -> dict[str, tuple[Any, tuple[int, int]]]:
    """Drugs the text gives an allergic reaction to: each reaction ("my throat closed up",
    "hives", "came out in a rash") belongs to the nearest drug named before it, within its
    sentence or, in a conversation, the two before (canonical -> (drug mention, reaction
    span)). Rescue treatments named with the reaction ("they gave me adrenaline") are not."""
    found: dict[str, tuple[Any, tuple[int, int]]] = {}
    if not doc.drugs:
        return found  # a reaction belongs to a drug named before it: none named, none found
    reach = _REACTION_REACH if doc.is_dialogue else 0
    for m in _ALLERGIC_REACTION.finditer(doc.text):
        if _SENT_THERE.search(doc.text, max(0, m.start() - 24), m.start()):
            continue  # "if you're still vomiting, go to A&E": advice, not a reaction
        if _REACTION_DENIED.search(doc.text, max(0, m.start() - 24), m.start()):
            continue  # "it makes him sick, but it's not a rash": a reaction denied
        if m.group().lower() == "asthma" and _HAS_CONDITION.search(
            doc.text, max(0, m.start() - 24), m.start()
        ):
            continue  # "I've got asthma - is that okay?": the patient's condition, no reaction
        if m.group().lower() == "rash" and _KNOWN_RASH.search(
            doc.text, max(0, m.start() - 30), m.start()
        ):
            continue  # "steroids will make this kind of rash worse": the rash being treated
        sent = sentence_at(doc.sentences, m.start())
        if sent is None:
            continue
        first = doc.sentences[max(0, sent.index - reach)].span[0]
        before = [
            d
            for d in doc.drugs
            if first <= d.start and d.end <= m.start() and d.canonical.lower() not in _RESCUE
        ]
        after = _drug_caused(doc, m.end(), sent.span[1]) if not before else None
        if after is not None:
            before = [after]  # "facial swelling with clarithromycin": the drug named after it
        if before:
            d = before[-1]
            if d.canonical.lower() in _AIRWAY_DRUGS and _AIRWAY_WORDS.match(m.group()):
                continue  # "the blue inhaler ... a few wheezes": what it treats, no reaction
            found.setdefault(d.canonical, (d, (m.start(), m.end())))
    return found


# a drug named right after a reaction as its cause: "tongue swelling with clarithromycin",
# "hives after co-amoxiclav", "a rash from the penicillin"
_CAUSED_BY = re.compile(
    r"\s*(?:with|after|from|to|on|following|when\s+(?:given|taking|he\s+took|she\s+took))"
    r"\s+(?:the\s+|his\s+|her\s+|iv\s+|oral\s+)?$",
    re.IGNORECASE,
)


def _drug_caused(doc: AnalyzedText, end: int, limit: int) -> Any:
    """The drug a reaction ending at ``end`` names as its cause right after it, in its sentence
    (ending at ``limit``); None when none follows that way."""
    for d in doc.drugs:
        if end <= d.start <= min(limit, end + 30):
            return d if _CAUSED_BY.fullmatch(doc.text, end, d.start) else None
    return None


# drugs given for wheeze and asthma: those words near them are their indication
_AIRWAY_DRUGS = frozenset(
    {"albuterol", "salbutamol", "levalbuterol", "beclometasone", "beclomethasone", "budesonide"}
    | {"fluticasone", "mometasone", "ciclesonide", "ipratropium", "tiotropium", "montelukast"}
    | {"prednisolone", "prednisone", "formoterol", "salmeterol", "terbutaline", "theophylline"}
    | {"aminophylline", "methylprednisolone", "hydrocortisone", "dexamethasone"}
)
_AIRWAY_WORDS = re.compile(r"wheez|asthma|bronchospasm|(?:trouble|difficulty) breath", re.I)


# asthma named as the patient's condition: "I've got asthma", "known asthma", "history of asthma"
_HAS_CONDITION = re.compile(
    r"\b(?:got|have|has|known|diagnosed\s+with|history\s+of|hx\s+of|PMH:?)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)


# a rash already known ("this kind of rash", "the rash", "your rash"): not a new reaction
_KNOWN_RASH = re.compile(
    r"\b(?:this|that|the|your|her|his)\s+(?:(?:kind|type|sort)\s+of\s+)?(?:\w+\s+)?$",
    re.IGNORECASE,
)


def _bound(text: str, start: int, end: int, drug: Any) -> bool:
    """Whether the words at [start, end) are about ``drug``: next to it in one phrase
    ("tolerates ibuprofen", "ibuprofen tolerated")."""
    between = text[end : drug.start] if drug.start >= end else text[drug.end : start]
    return len(between) <= 15 and not re.search(r"[,;:.()]", between)


def same_allergen(a: str, b: str) -> bool:
    """Two allergen words name the same thing: one is a prefix of the other, or 4 letters agree
    ("sulfa" and "sulfonamides"), or they share an abbreviation (PCN for penicillin)."""
    a, b = a.lower(), b.lower()
    if a.startswith(b) or b.startswith(a) or a[:4] == b[:4]:
        return True
    # a class and its member ("ACEi", "lisinopril"): one allergy
    if (named := class_named(a)) is not None and named == class_of_drug(b):
        return True
    if (named := class_named(b)) is not None and named == class_of_drug(a):
        return True
    short = {"pcn": "penicillin", "asa": "aspirin", "smx": "sulfa", "tmp-smx": "sulfa"}
    short |= {"iodinated": "contrast", "iodine": "contrast", "dye": "contrast"}  # one allergy
    if short.get(a, a)[:4] == short.get(b, b)[:4]:
        return True
    # one drug by two names ("pip-tazo", "piperacillin-tazobactam")
    lexicon = default_lexicon()
    named = {d.canonical for d in lexicon.find(a)}
    return bool(named) and bool(named & {d.canonical for d in lexicon.find(b)})


# allergens that name a class, whose member the input may name elsewhere
_CLASS_ALLERGEN = re.compile(r"antibiotic|anti-?bacterial|medic|drug|agents", re.IGNORECASE)
# allergens the drug table lists that are no medicine: foods, venoms, latex
_NOT_A_MEDICINE = re.compile(
    r"\b(?:nuts?|cashews?|peanuts?|almonds?|walnuts?|hazelnuts?|pecans?|pistachios?|eggs?|"
    r"milk|shellfish|prawns?|shrimps?|fish|wheat|soya?|sesame|latex|bee|wasp|venom)\b",
    re.IGNORECASE,
)
_DRUG_LIKE = re.compile(r"contrast|iodine|sulfa|antibiotic|vaccine|medic", re.IGNORECASE)

# Abbreviations clinicians write for drugs (canonical generic name -> abbreviations).
DRUG_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "methotrexate": ("MTX",),
    "hydrochlorothiazide": ("HCTZ",),
    "aspirin": ("ASA",),
    "acetaminophen": ("APAP", "tylenol", "paracetamol"),
    "nitroglycerin": ("NTG",),
    "morphine": ("MSO4",),
    "potassium chloride": ("KCl",),
    "levothyroxine": ("LT4",),
    "sulfamethoxazole": ("TMP-SMX", "SMX-TMP", "bactrim"),
    "fluorouracil": ("5-FU",),
    "metformin": ("MTF",),
    "enoxaparin": ("LMWH",),
    "ondansetron": ("zofran",),
    "vincristine": ("VCR",),
    "mercaptopurine": ("6-MP", "6MP"),
    "vitamin k": ("vit K", "Vit K", "VitK"),
    "tranexamic acid": ("TXA",),
    "piperacillin": ("pip-tazo", "tazocin", "Tazocin"),
}


@lru_cache(maxsize=1)
def abbreviation_index() -> AliasIndex:
    return AliasIndex([("drug", name, abbr) for name, abbr in DRUG_ABBREVIATIONS.items()])


def drug_abbreviated(canonical: str, text: str) -> bool:
    """Whether ``text`` names the drug ``canonical`` by one of its abbreviations."""
    return any(m.concept in canonical.lower() for m in abbreviation_mentions(text))


@lru_cache(maxsize=256)
def abbreviation_mentions(text: str) -> tuple[Mention, ...]:
    """The drug abbreviations of a text (read once per text)."""
    return tuple(abbreviation_index().find(text))


def _is_drug_allergen(allergy: Allergy, ctx: AnalyzedText) -> bool:
    """Whether an allergen is a drug (by the drug lexicon, a high-alert class or a drug word)."""
    if _DRUG_LIKE.search(allergy.allergen) or high_alert_class(allergy.allergen):
        return True
    return any(
        allergy.start <= d.start < allergy.end + 40
        and d.surface.lower().startswith(allergy.allergen)
        for d in ctx.drugs
    )
