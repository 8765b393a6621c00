"""Clinical twin pairs: each error hypothesis beside its clean twin on the same premise.

Two makers, both seeded and written by rules in this module:

- :func:`note_twins` finds, in real notes (MTS-Dialog, ACI-Bench), a sentence that one rule can
  edit; the premise is the note around that sentence, the clean twin restates the sentence
  (verbatim or with a faithful paraphrase: "twice daily" -> "b.i.d.", "congestive heart
  failure" -> "CHF") and the error twin carries the edit ("unremarkable" -> "shows a mass",
  "tibia" -> "fibula", "mg" -> "mcg").
- :func:`template_twins` writes short notes and dialogues from templates for the kinds notes
  rarely hold (code status, pregnancy, allergy, dialogue answers, ...).

Every row names its ``kind`` and the differing spans: where the error sits in the hypothesis and
which premise span it conflicts with. Error twins are ``contradicted`` except the ``paraphrase``
kind, whose error twin names another condition (``not_enough_info``).
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medfact.errors import ConfigError, InputError
from medfact.nli.build import _digest, norm
from medfact.synth.dataset import derive_seed, split_of
from medfact.synth.perturb import split_sentences

KINDS = (
    "negation",
    "anatomy",
    "laterality",
    "unit",
    "frequency",
    "route",
    "done_planned",
    "held_continued",
    "family_history",
    "allergy",
    "code_status",
    "pregnancy",
    "time",
    "dialogue_answer",
    "demographics",
    "setting",
    "paraphrase",
)
ERROR_LABEL = {kind: "contradicted" for kind in KINDS} | {"paraphrase": "not_enough_info"}


@dataclass(frozen=True)
class Edit:
    """One rule's edit of a sentence: ``[start, end)`` becomes ``clean`` in the clean twin and
    ``error`` in the error twin."""

    kind: str
    start: int
    end: int
    clean: str
    error: str


@dataclass(frozen=True)
class TwinRow:
    """One row of a twin pair; ``spans`` holds [start, end) offsets of the differing text in
    the hypothesis and of the premise text it is about (both None for nothing)."""

    id: str
    premise: str
    hypothesis: str
    label: str
    source: str
    group: str
    split: str
    kind: str
    twin: str
    role: str  # "clean" or "error"
    spans: dict[str, list[int] | None]
    differs: dict[str, str]
    tags: tuple[str, ...] = ()

    @property
    def derivation(self) -> str:
        return f"twin-{self.role}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "premise": self.premise,
            "hypothesis": self.hypothesis,
            "label": self.label,
            "source": self.source,
            "group": self.group,
            "split": self.split,
            "derivation": self.derivation,
            "kind": self.kind,
            "twin": self.twin,
            "role": self.role,
            "spans": self.spans,
            "differs": self.differs,
            "tags": list(self.tags),
        }


# ---------------------------------------------------------------------------------------------
# small helpers


def _cap(source: str, new: str) -> str:
    """``new`` with the first letter upper-cased when ``source`` starts upper-case."""
    if source[:1].isupper() and new[:1].islower():
        return new[:1].upper() + new[1:]
    return new


def _alternation(forms: Iterable[str]) -> str:
    return "|".join(re.escape(f) for f in sorted(set(forms), key=len, reverse=True))


def _word_re(forms: Iterable[str], flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.])(?:{_alternation(forms)})(?![\w])", flags)


def _present(text: str, phrase: str) -> bool:
    """Whether ``phrase`` occurs in ``text`` as whole words (case-insensitive)."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.IGNORECASE) is not None


_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_WORD_OF = {v: k for k, v in _NUMBER_WORDS.items()}


# ---------------------------------------------------------------------------------------------
# rules over sentences of real notes


def _negation(sentence: str, rng: random.Random) -> Iterator[Edit]:
    """Polarity changed by paraphrase, not by adding "not"."""
    for m in re.finditer(r"\b(denies|denied)\b(?: any\b)?(?! history)", sentence, re.I):
        past = m.group(1).lower() == "denied"
        clean = rng.choice(["reported no", "denied"] if past else ["reports no", "denies"])
        error = rng.choice(
            ["endorsed", "reported", "complained of"]
            if past
            else ["endorses", "reports", "complains of"]
        )
        yield Edit("negation", m.start(), m.end(), _cap(m.group(), clean), _cap(m.group(), error))
    for m in re.finditer(r"\b(complains of|endorses)\b(?! no\b)", sentence, re.I):
        clean = {"complains of": "reports", "endorses": "reports"}[m.group(1).lower()]
        yield Edit(
            "negation", m.start(), m.end(), _cap(m.group(), clean), _cap(m.group(), "denies")
        )
    for m in re.finditer(r"\bafebrile\b", sentence, re.IGNORECASE):
        yield Edit(
            "negation",
            m.start(),
            m.end(),
            _cap(m.group(), rng.choice(["without fever"])),
            _cap(m.group(), rng.choice(["febrile", "running a fever"])),
        )
    for m in re.finditer(r"\b(is|was|were|are) (unremarkable|normal|negative)\b", sentence, re.I):
        clean = {"unremarkable": "normal", "normal": "unremarkable", "negative": "normal"}
        error = rng.choice(["shows a mass", "shows an abnormality", "is abnormal"])
        if m.group(2).lower() == "negative":
            error = "is positive"
        yield Edit(
            "negation",
            m.start(),
            m.end(),
            f"{m.group(1)} {clean[m.group(2).lower()]}",
            _cap(m.group(), error),
        )
    for m in re.finditer(r"\bno evidence of\b", sentence, re.IGNORECASE):
        yield Edit(
            "negation",
            m.start(),
            m.end(),
            _cap(m.group(), "no sign of"),
            _cap(m.group(), rng.choice(["findings consistent with", "clear evidence of"])),
        )
    for m in re.finditer(r"\bnegative for\b", sentence, re.IGNORECASE):
        yield Edit("negation", m.start(), m.end(), m.group(), _cap(m.group(), "positive for"))


_SIBLINGS = {
    "tibia": "fibula",
    "tibial": "fibular",
    "radius": "ulna",
    "radial": "ulnar",
    "upper lobe": "lower lobe",
    "medial": "lateral",
    "proximal": "distal",
    "thoracic": "lumbar",
    "cervical": "thoracic",
    "ascending": "descending",
    "anterior": "posterior",
    "superior": "inferior",
    "index finger": "middle finger",
    "ring finger": "little finger",
    "femur": "tibia",
    "hip": "knee",
    "wrist": "elbow",
    "ankle": "knee",
    "shoulder": "elbow",
    "maxillary": "frontal",
}
_SIBLINGS |= {v: k for k, v in list(_SIBLINGS.items()) if v not in _SIBLINGS}
_ANATOMY_RE = _word_re(_SIBLINGS)


def _anatomy(sentence: str, rng: random.Random) -> Iterator[Edit]:
    for m in _ANATOMY_RE.finditer(sentence):
        sibling = _SIBLINGS[m.group().lower()]
        if _present(sentence, sibling):
            continue
        yield Edit("anatomy", m.start(), m.end(), m.group(), _cap(m.group(), sibling))


_NOT_SIDE_BEFORE = frozenset(
    [
        "had",
        "has",
        "have",
        "was",
        "were",
        "is",
        "she",
        "he",
        "they",
        "i",
        "we",
        "you",
        "it",
        "just",
        "then",
        "all",
        "that's",
        "thats",
        "and",
        "be",
        "been",
        "being",
        "got",
    ]
)
_NOT_SIDE_AFTER = frozenset(
    [
        "the",
        "a",
        "an",
        "for",
        "to",
        "home",
        "work",
        "it",
        "him",
        "her",
        "them",
        "and",
        "at",
        "in",
        "on",
        "with",
        "after",
        "before",
        "now",
        "away",
        "there",
        "here",
        "back",
        "off",
        "of",
        "when",
        "as",
    ]
)


def _laterality(sentence: str, rng: random.Random) -> Iterator[Edit]:
    if re.search(r"\b(bilateral(ly)?|both)\b", sentence, re.IGNORECASE):
        return
    sides = list(re.finditer(r"\b(left|right)\b", sentence, re.IGNORECASE))
    if len({m.group().lower() for m in sides}) != 1:
        return
    m = sides[0]
    before = re.findall(r"[\w']+", sentence[: m.start()].lower())[-1:]
    after = re.match(r"\s*([\w-]+)", sentence[m.end() :])
    if (before and before[0] in _NOT_SIDE_BEFORE) or not after:
        return  # "she left", "that's right", "all right"
    if after.group(1).lower() in _NOT_SIDE_AFTER:
        return  # "left the office", "right now", "right away"
    other = "right" if m.group().lower() == "left" else "left"
    yield Edit("laterality", m.start(), m.end(), m.group(), _cap(m.group(), other))


_UNIT_FORMS = {
    "mg": ("mg", "milligrams"),
    "mcg": ("mcg", "micrograms"),
    "g": ("g", "grams"),
    "units": ("units", "units"),
    "mL": ("mL", "milliliters"),
}
_UNIT_WRONG = {"mg": ("mcg", "g"), "mcg": ("mg",), "g": ("mg",), "units": ("mL",), "mL": ("units",)}
_UNIT_RE = re.compile(
    r"\b(\d+(?:\.\d+)?)\s?(mg|milligrams?|mcg|micrograms?|g|grams?|units?|mL|ml|milliliters?)"
    r"(?![\w/])",
)


def _unit_key(unit: str) -> str:
    u = unit.lower().rstrip("s")
    return {
        "milligram": "mg",
        "microgram": "mcg",
        "gram": "g",
        "unit": "units",
        "ml": "mL",
        "milliliter": "mL",
    }.get(u, u)


def _unit(sentence: str, rng: random.Random) -> Iterator[Edit]:
    for m in _UNIT_RE.finditer(sentence):
        key = _unit_key(m.group(2))
        if key not in _UNIT_FORMS:
            continue
        start = m.start(2)
        clean = rng.choice(_UNIT_FORMS[key])
        yield Edit("unit", start, m.end(), clean, rng.choice(_UNIT_WRONG[key]))


_FREQUENCIES = {
    "daily": ("once daily", "once a day", "daily", "q.d.", "every day"),
    "bid": ("twice daily", "twice a day", "b.i.d.", "BID", "two times a day"),
    "tid": ("three times daily", "three times a day", "t.i.d.", "TID"),
    "qid": ("four times daily", "four times a day", "q.i.d.", "QID"),
    "qhs": ("at bedtime", "nightly", "q.h.s."),
    "weekly": ("once a week", "weekly", "every week"),
}
_FREQ_OF = {form.lower(): key for key, forms in _FREQUENCIES.items() for form in forms}
_FREQ_WRONG = {
    "daily": ("bid", "weekly"),
    "bid": ("qid", "daily", "tid"),
    "tid": ("bid", "qid"),
    "qid": ("bid", "tid"),
    "qhs": ("bid", "tid"),
    "weekly": ("daily",),
}
_FREQ_RE = _word_re(_FREQ_OF)
_NOT_DOSING = re.compile(r"\s+(activities|living|life|basis|routine|tasks|functioning)\b", re.I)


def _frequency(sentence: str, rng: random.Random) -> Iterator[Edit]:
    for m in _FREQ_RE.finditer(sentence):
        if _NOT_DOSING.match(sentence, m.end()):
            continue
        key = _FREQ_OF[m.group().lower()]
        same = [f for f in _FREQUENCIES[key] if f.lower() != m.group().lower()]
        wrong = rng.choice(_FREQUENCIES[rng.choice(_FREQ_WRONG[key])])
        yield Edit("frequency", m.start(), m.end(), rng.choice(same), wrong)


_ROUTE_ADVERB = {
    "oral": ("by mouth", "orally", "PO"),
    "iv": ("intravenously", "IV"),
    "subq": ("subcutaneously", "subQ"),
    "im": ("intramuscularly", "IM"),
    "topical": ("topically",),
}
_ROUTE_ADJECTIVE = {
    "oral": ("oral", "PO"),
    "iv": ("intravenous", "IV"),
    "subq": ("subcutaneous",),
    "im": ("intramuscular",),
    "topical": ("topical",),
    "inhaled": ("inhaled",),
}


_ROMAN_CONTEXT = re.compile(
    r"\b(stage|grade|type|class|level|phase|nerve|part|degree|category|factor)\s*$", re.I
)


def _route_rule(table: dict[str, tuple[str, ...]]) -> Callable[..., Iterator[Edit]]:
    of = {f.lower(): key for key, forms in table.items() for f in forms}
    upper = [f for forms in table.values() for f in forms if f.isupper()]
    lower = [f for forms in table.values() for f in forms if not f.isupper()]
    pattern = re.compile(
        rf"(?<![\w.])(?:(?i:{_alternation(lower)})|{_alternation(upper)})(?!\w)"
        if upper
        else rf"(?<![\w.])(?i:{_alternation(lower)})(?!\w)"
    )

    def rule(sentence: str, rng: random.Random) -> Iterator[Edit]:
        for m in pattern.finditer(sentence):
            if m.group() == "IV" and _ROMAN_CONTEXT.search(sentence[: m.start()]):
                continue  # "stage IV", "grade IV": a numeral, not a route
            key = of[m.group().lower()]
            same = [f for f in table[key] if f.lower() != m.group().lower()] or [m.group()]
            other = rng.choice([k for k in table if k != key])
            yield Edit("route", m.start(), m.end(), rng.choice(same), rng.choice(table[other]))

    return rule


_route_adverb = _route_rule(_ROUTE_ADVERB)
_route_adjective = _route_rule(_ROUTE_ADJECTIVE)


def _route(sentence: str, rng: random.Random) -> Iterator[Edit]:
    # adverbs ("given orally") after a verb; adjectives ("oral antibiotics") before a noun
    if re.search(r"\b(take|takes|taking|took|given|give|administered|dosed)\b", sentence, re.I):
        yield from _route_adverb(sentence, rng)
    else:
        yield from (e for e in _route_adjective(sentence, rng) if e.clean.lower() != "po")


_DONE_PLANNED = (
    (r"\bunderwent\b", ("had",), ("is scheduled for", "will undergo")),
    (r"\bwas started on\b", ("was started on", "was begun on"), ("will be started on",)),
    (r"\bhas been started on\b", ("was started on",), ("will be started on",)),
    (r"\b(is|was) scheduled for\b", ("is booked for",), ("underwent", "already had")),
    (r"\bwe will (order|obtain|schedule|start|refer)\b", ("we plan to {0}",), ("we {past}",)),
    (r"\bwill be (started|scheduled|referred|ordered)\b", ("is to be {0}",), ("was {0}",)),
)
_PAST = {
    "order": "ordered",
    "obtain": "obtained",
    "schedule": "scheduled",
    "start": "started",
    "refer": "referred",
}


def _done_planned(sentence: str, rng: random.Random) -> Iterator[Edit]:
    for pattern, cleans, errors in _DONE_PLANNED:
        for m in re.finditer(pattern, sentence, re.IGNORECASE):
            verb = m.group(1).lower() if m.groups() and m.group(1) else ""
            fill = {"past": _PAST.get(verb, verb)}
            clean = rng.choice(cleans).format(verb, **fill)
            error = rng.choice(errors).format(verb, **fill)
            yield Edit(
                "done_planned", m.start(), m.end(), _cap(m.group(), clean), _cap(m.group(), error)
            )


_HELD = {
    "hold": (("hold", "pause"), ("continue",)),
    "held": (("held", "paused"), ("continued",)),
    "continue": (("continue", "keep"), ("hold", "stop")),
    "continued": (("continued",), ("held", "stopped")),
    "discontinue": (("stop", "discontinue"), ("continue",)),
    "discontinued": (("stopped", "discontinued"), ("continued",)),
    "stop": (("discontinue", "stop"), ("continue",)),
    "stopped": (("discontinued",), ("continued",)),
}
_HELD_RE = _word_re(_HELD)


_MEDICATION_WORDS = re.compile(
    r"\b(medications?|meds|dose|therapy|insulin|anticoagulation|infusion|drip|tablets?)\b", re.I
)


def _about_a_drug(sentence: str, end: int) -> bool:
    """Whether a drug (or a medication word) follows a verb ending at ``end`` closely."""
    if _MEDICATION_WORDS.match(sentence, end + 1) or _MEDICATION_WORDS.search(
        sentence[end : end + 40]
    ):
        return True
    from medfact.lexicon.drugs import default_lexicon

    return any(end <= d.start <= end + 40 for d in default_lexicon().find(sentence))


def _held_continued(sentence: str, rng: random.Random) -> Iterator[Edit]:
    for m in _HELD_RE.finditer(sentence):
        if re.match(r"\s+(to|with|on|at|the same|in)\b", sentence[m.end() :], re.I):
            continue  # "continue to monitor", "stop at": not a medication status
        if not _about_a_drug(sentence, m.end()):
            continue  # "continued back pain", "hold playing": not a medication status
        cleans, errors = _HELD[m.group().lower()]
        yield Edit(
            "held_continued",
            m.start(),
            m.end(),
            _cap(m.group(), rng.choice(cleans)),
            _cap(m.group(), rng.choice(errors)),
        )


def _family_history(sentence: str, rng: random.Random) -> Iterator[Edit]:
    for m in re.finditer(
        r"\b(a )?family history (of|significant for|positive for)\b", sentence, re.IGNORECASE
    ):
        article = m.group(1) or ""
        yield Edit(
            "family_history",
            m.start(),
            m.end(),
            _cap(m.group(), f"{article}family history {m.group(2)}"),
            _cap(m.group(), f"{article}personal history {m.group(2)}"),
        )
    for m in re.finditer(
        r"\b(his|her) (mother|father|sister|brother|grandmother|grandfather)\b"
        r"(?= (has|had|was|is|died)\b)",
        sentence,
        re.IGNORECASE,
    ):
        pronoun = "he" if m.group(1).lower() == "his" else "she"
        relative = {"mother": "mom", "father": "dad"}.get(m.group(2).lower(), m.group(2))
        yield Edit(
            "family_history",
            m.start(),
            m.end(),
            _cap(m.group(), f"{m.group(1)} {relative}"),
            _cap(m.group(), f"{pronoun} herself" if pronoun == "she" else f"{pronoun} himself"),
        )
    for m in re.finditer(r"\b(has|with) a (past medical )?history of\b", sentence, re.I):
        yield Edit(
            "family_history",
            m.start(),
            m.end(),
            f"{m.group(1)} a personal history of",
            f"{m.group(1)} a family history of",
        )


_SEX = {"male": "female", "man": "woman", "gentleman": "lady", "boy": "girl"}
_SEX |= {v: k for k, v in _SEX.items()}
_SHORT_SEX = {
    "male": "M",
    "man": "M",
    "gentleman": "M",
    "boy": "M",
    "female": "F",
    "woman": "F",
    "lady": "F",
    "girl": "F",
}
_AGE_RE = re.compile(
    r"\b(\d{1,3})[- ]year[- ]old (male|female|man|woman|gentleman|lady|boy|girl)\b", re.IGNORECASE
)


def _demographics(sentence: str, rng: random.Random) -> Iterator[Edit]:
    for m in _AGE_RE.finditer(sentence):
        age, sex = int(m.group(1)), m.group(2)
        clean = rng.choice([f"{age}{_SHORT_SEX[sex.lower()]}", f"{age}-year-old {sex}"])
        if rng.random() < 0.5:
            error = f"{age}-year-old {_cap(sex, _SEX[sex.lower()])}"
        else:
            shift = rng.choice([-1, 1]) * rng.randint(6, 20)
            error = f"{max(age + shift, 1) if age + shift != age else age + 7}-year-old {sex}"
        yield Edit("demographics", m.start(), m.end(), clean, error)


_SETTINGS = {
    "ed": ("emergency department", "ER", "emergency room"),
    "clinic": ("clinic", "office"),
    "icu": ("ICU", "intensive care unit"),
    "urgent": ("urgent care",),
}
_SETTING_OF = {f.lower(): k for k, forms in _SETTINGS.items() for f in forms}
_SETTING_RE = _word_re(_SETTING_OF)


_PLACE_BEFORE = re.compile(
    r"\b(in|to|at|from|into|the)\s+(the\s+|our\s+|an?\s+|this\s+)?([\w-]+\s+)?$", re.I
)


def _setting(sentence: str, rng: random.Random) -> Iterator[Edit]:
    for m in _SETTING_RE.finditer(sentence):
        if not _PLACE_BEFORE.search(sentence[: m.start()]):
            continue  # "an office worker": not where the visit happened
        key = _SETTING_OF[m.group().lower()]
        same = [f for f in _SETTINGS[key] if f.lower() != m.group().lower()] or [m.group()]
        other = rng.choice([k for k in _SETTINGS if k != key])
        yield Edit("setting", m.start(), m.end(), rng.choice(same), rng.choice(_SETTINGS[other]))


_TIME_RE = re.compile(
    r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a) "
    r"(day|week|month|year)(s?) (ago|prior to|before|after)\b",
    re.IGNORECASE,
)
_NEXT_UNIT = {"day": "week", "week": "month", "month": "year", "year": "month"}


def _time(sentence: str, rng: random.Random) -> Iterator[Edit]:
    for m in _TIME_RE.finditer(sentence):
        number, unit, plural, relation = m.groups()
        spoken = number.lower()
        clean_number = number
        if spoken in _NUMBER_WORDS:
            clean_number = str(_NUMBER_WORDS[spoken])
        elif number.isdigit() and int(number) in _WORD_OF:
            clean_number = _WORD_OF[int(number)]
        clean_rel = {"ago": "ago", "prior to": "before", "before": "prior to", "after": "after"}
        clean = f"{clean_number} {unit}{plural} {clean_rel[relation.lower()]}"
        if relation.lower() != "ago" and rng.random() < 0.5:
            flipped = "after" if relation.lower() in ("prior to", "before") else "before"
            error = f"{number} {unit}{plural} {flipped}"
        else:
            error = f"{number} {_NEXT_UNIT[unit.lower()]}{plural} {relation}"
        yield Edit("time", m.start(), m.end(), _cap(m.group(), clean), _cap(m.group(), error))


_PARAPHRASES = (
    ("congestive heart failure", "CHF"),
    ("chronic obstructive pulmonary disease", "COPD"),
    ("hypertension", "HTN"),
    ("coronary artery disease", "CAD"),
    ("gastroesophageal reflux disease", "GERD"),
    ("myocardial infarction", "MI"),
    ("urinary tract infection", "UTI"),
    ("shortness of breath", "SOB"),
    ("atrial fibrillation", "AFib"),
    ("diabetes mellitus", "DM"),
    ("chronic kidney disease", "CKD"),
    ("deep vein thrombosis", "DVT"),
    ("within normal limits", "WNL"),
)
_CONDITIONS = tuple(p for p in _PARAPHRASES if p[1] not in ("WNL", "SOB"))
_LONG_OF = {short.lower(): long for long, short in _PARAPHRASES}
_SHORT_OF = {long.lower(): short for long, short in _PARAPHRASES}
_PARA_RE = re.compile(
    rf"(?<!\w)(?:(?i:{_alternation(_SHORT_OF)})|{_alternation(s for _, s in _PARAPHRASES)})(?!\w)"
)


def _paraphrase(sentence: str, rng: random.Random) -> Iterator[Edit]:
    """A faithful rewording (long form <-> abbreviation); its error twin names another
    condition in the same style."""
    for m in _PARA_RE.finditer(sentence):
        text = m.group()
        if text.lower() in _SHORT_OF:  # a long form: reworded as its abbreviation
            clean, short = _SHORT_OF[text.lower()], True
        else:
            clean, short = _LONG_OF[text.lower()], False
        current = next(p for p in _PARAPHRASES if clean in p)
        if current not in _CONDITIONS:
            continue
        others = [p for p in _CONDITIONS if p != current and not _present(sentence, p[0])]
        if not others:
            continue
        wrong = rng.choice(others)
        yield Edit("paraphrase", m.start(), m.end(), clean, wrong[1] if short else wrong[0])


NOTE_RULES: dict[str, Callable[[str, random.Random], Iterator[Edit]]] = {
    "negation": _negation,
    "anatomy": _anatomy,
    "laterality": _laterality,
    "unit": _unit,
    "frequency": _frequency,
    "route": _route,
    "done_planned": _done_planned,
    "held_continued": _held_continued,
    "family_history": _family_history,
    "demographics": _demographics,
    "setting": _setting,
    "time": _time,
    "paraphrase": _paraphrase,
}


def _reword_elsewhere(sentence: str, edit: Edit) -> tuple[str, int] | None:
    """A faithful abbreviation swap outside the edit (applied to both twins), so that a
    reworded clean twin is the norm, not a cue. Returns (new sentence, shift of the edit)."""
    for m in _PARA_RE.finditer(sentence):
        if m.start() < edit.end and edit.start < m.end():
            continue
        text = m.group()
        new = _SHORT_OF.get(text.lower()) or _LONG_OF[text.lower()]
        shift = len(new) - len(text) if m.end() <= edit.start else 0
        return sentence[: m.start()] + new + sentence[m.end() :], shift
    return None


# ---------------------------------------------------------------------------------------------
# twins from notes


@dataclass(frozen=True)
class Note:
    """A clinical note (or section) to draw twins from; ``group`` is its document id."""

    group: str
    text: str
    source: str


def _mts_notes(root: Path) -> Iterator[Note]:
    folder = root / "Main-Dataset" if (root / "Main-Dataset").is_dir() else root
    for path in sorted(folder.glob("MTS-Dialog-*.csv")):
        for number, row in enumerate(_csv_rows(path), start=2):
            text, dialogue = row.get("section_text"), row.get("dialogue")
            for name, value in (("section_text", text), ("dialogue", dialogue)):
                if not isinstance(value, str):
                    raise InputError(f"{path.name}: expected text", record=number, field=name)
            # the group and split of `medfact data nli`'s MTS-Dialog rows: one document, one split
            yield Note(f"mts-dialog:{_digest(norm(str(dialogue)))}", str(text), "mts-dialog")


def _aci_notes(root: Path) -> Iterator[Note]:
    folder = root / "challenge_data" if (root / "challenge_data").is_dir() else root
    for path in sorted(folder.glob("*.csv")):
        if path.name.endswith("_metadata.csv"):
            continue
        for number, row in enumerate(_csv_rows(path), start=2):
            text = row.get("note")
            if not isinstance(text, str):
                raise InputError(f"{path.name}: expected text", record=number, field="note")
            yield Note(f"twins-aci:{_key(text)}", text, "aci-bench")


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _key(text: str) -> str:
    import hashlib

    return hashlib.sha1(re.sub(r"\s+", " ", text).strip().lower().encode()).hexdigest()[:16]


def read_notes(data_dir: Path | str) -> tuple[list[Note], list[Path]]:
    """Notes of MTS-Dialog and ACI-Bench under ``data_dir`` (each read once), and the files."""
    data_dir = Path(data_dir)
    notes: dict[str, Note] = {}
    files: list[Path] = []
    for sub, reader in (("mts-dialog", _mts_notes), ("aci-bench", _aci_notes)):
        root = data_dir / sub
        if not root.is_dir():
            continue
        pattern = "MTS-Dialog-*.csv" if sub == "mts-dialog" else "*.csv"
        files += sorted(p for p in root.rglob(pattern) if not p.name.endswith("_metadata.csv"))
        for note in reader(root):
            notes.setdefault(note.group, note)
    return list(notes.values()), files


def _window(spans: Sequence[tuple[int, int]], i: int, max_chars: int) -> tuple[int, int]:
    """Character range of sentence ``i`` grown by neighbours while it stays under max_chars."""
    lo, hi = i, i
    grew = True
    while grew:
        grew = False
        for j in (lo - 1, hi + 1):
            if 0 <= j < len(spans):
                start, end = spans[min(lo, j)][0], spans[max(hi, j)][1]
                if end - start <= max_chars:
                    lo, hi = min(lo, j), max(hi, j)
                    grew = True
    return spans[lo][0], spans[hi][1]


_NEGATED = re.compile(
    r"\b(no|not|denies|denied|deny|without|negative|never|none|nor|neither)\b|n't", re.I
)


def _usable(sentence: str) -> bool:
    words = sentence.split()
    return 4 <= len(words) <= 60 and not sentence.rstrip().endswith(":") and "\n" not in sentence


@dataclass
class TwinSettings:
    """Knobs of the twin makers; recorded in the manifest."""

    seed: int = 0
    per_note: int = 3
    per_kind_templates: int = 120
    max_premise_chars: int = 700
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)
    kinds: tuple[str, ...] = KINDS
    reword: float = 0.5
    skipped: dict[str, int] = field(default_factory=dict)


def _pair_rows(
    premise: str,
    premise_span: tuple[int, int] | None,
    clean: str,
    error: str,
    span: tuple[int, int],
    edit: Edit,
    group: str,
    split: str,
    source: str,
    tags: tuple[str, ...] = (),
) -> list[TwinRow]:
    """The clean and the error row of one twin pair."""
    twin = f"twins:{_key(group + premise + error + clean)}"
    start = span[0]
    clean_span = [start, start + len(edit.clean)]
    error_span = [start, start + len(edit.error)]
    p_span = list(premise_span) if premise_span else None
    p_text = premise[premise_span[0] : premise_span[1]] if premise_span else ""
    common = {
        "premise": premise,
        "source": source,
        "group": group,
        "split": split,
        "kind": edit.kind,
        "twin": twin,
        "tags": tags,
    }
    return [
        TwinRow(
            id=f"{twin}:clean",
            hypothesis=clean,
            label="supported",
            role="clean",
            spans={"hypothesis": clean_span, "premise": p_span},
            differs={"hypothesis": edit.clean, "premise": p_text},
            **common,
        ),
        TwinRow(
            id=f"{twin}:error",
            hypothesis=error,
            label=ERROR_LABEL[edit.kind],
            role="error",
            spans={"hypothesis": error_span, "premise": p_span},
            differs={"hypothesis": edit.error, "premise": p_text},
            **common,
        ),
    ]


def note_twins(notes: Iterable[Note], settings: TwinSettings) -> list[TwinRow]:
    """Up to ``per_note`` twin pairs per note, at most one per kind, by the note rules."""
    rules = {k: r for k, r in NOTE_RULES.items() if k in settings.kinds}
    rows: list[TwinRow] = []
    skipped = settings.skipped
    for note in notes:
        rng = random.Random(derive_seed(settings.seed, note.group, "twins"))
        spans = [s for s in split_sentences(note.text)]
        candidates: dict[str, list[tuple[int, Edit]]] = {}
        for i, (a, b) in enumerate(spans):
            sentence = note.text[a:b]
            if not _usable(sentence):
                continue
            for kind, rule in rules.items():
                for edit in rule(sentence, rng):
                    if kind != "negation" and _NEGATED.search(sentence[: edit.start]):
                        continue  # "denies right eye pain" vs "denies left eye pain": no conflict
                    if (
                        edit.clean == edit.error
                        or edit.error.lower() == sentence[edit.start : edit.end].lower()
                    ):
                        continue
                    candidates.setdefault(kind, []).append((i, edit))
        kinds = sorted(candidates)
        rng.shuffle(kinds)
        split = split_of(note.group, settings.seed, settings.fractions)
        made = 0
        for kind in kinds:
            if made >= settings.per_note:
                break
            i, edit = rng.choice(candidates[kind])
            lo, hi = _window(spans, i, settings.max_premise_chars)
            premise = note.text[lo:hi]
            if _present(premise, edit.error):
                reason = f"{kind}:error text in premise"
                skipped[reason] = skipped.get(reason, 0) + 1
                continue
            a, b = spans[i]
            sentence = note.text[a:b]
            shift = 0
            tags: tuple[str, ...] = (note.source,)
            if rng.random() < settings.reword:
                reworded = _reword_elsewhere(sentence, edit)
                if reworded:
                    sentence, shift = reworded
                    tags += ("reworded",)
            s, e = edit.start + shift, edit.end + shift
            clean = sentence[:s] + edit.clean + sentence[e:]
            error = sentence[:s] + edit.error + sentence[e:]
            moved = Edit(edit.kind, s, e, edit.clean, edit.error)
            premise_span = (a - lo + edit.start, a - lo + edit.end)
            rows += _pair_rows(
                premise, premise_span, clean, error, (s, e), moved, note.group, split, "twins", tags
            )
            made += 1
    return rows


# ---------------------------------------------------------------------------------------------
# template twins

_FILLERS = (
    "The patient was seen for follow-up today.",
    "Vital signs were reviewed.",
    "Medications were reconciled at this visit.",
    "Recent laboratory results were reviewed with the patient.",
    "Questions were answered and the plan was discussed.",
    "Return precautions were reviewed.",
    "The patient is accompanied by a family member.",
    "The history was obtained from the patient and the chart.",
)
_DRUGS = (
    ("metoprolol", 25, "mg"),
    ("lisinopril", 10, "mg"),
    ("metformin", 500, "mg"),
    ("levothyroxine", 50, "mcg"),
    ("insulin glargine", 20, "units"),
    ("amoxicillin", 500, "mg"),
    ("atorvastatin", 40, "mg"),
    ("furosemide", 40, "mg"),
    ("heparin", 5000, "units"),
    ("ceftriaxone", 1, "g"),
    ("ondansetron", 4, "mg"),
    ("vitamin B12", 1000, "mcg"),
)
_ALLERGENS = ("penicillin", "sulfa drugs", "codeine", "latex", "shellfish", "aspirin")
_CONDITIONS_TEXT = (
    "breast cancer",
    "colon cancer",
    "type 2 diabetes",
    "coronary artery disease",
    "stroke",
    "ovarian cancer",
    "melanoma",
)
_TESTS = (
    ("an MRI of the lumbar spine", "lumbar MRI"),
    ("a colonoscopy", "colonoscopy"),
    ("an echocardiogram", "echocardiogram"),
    ("a CT of the abdomen", "abdominal CT"),
    ("a stress test", "stress test"),
)


@dataclass(frozen=True)
class _Fact:
    """A template fact: the premise sentence, its key span, and clean/error hypotheses with
    their differing spans."""

    premise: str
    key: str  # the premise text the hypotheses are about
    clean: str
    clean_part: str
    error: str
    error_part: str


def _t_code_status(rng: random.Random) -> _Fact:
    if rng.random() < 0.5:
        key = rng.choice(["full code", "a full code"])
        premise = f"Code status was discussed and the patient wishes to remain {key}."
        clean_part, error_part = (
            rng.choice(["full code", "Full Code"]),
            rng.choice(["DNR/DNI", "do not resuscitate"]),
        )
    else:
        key = rng.choice(["DNR/DNI", "do not resuscitate and do not intubate"])
        premise = f"After discussion with the family, code status is {key}."
        clean_part = rng.choice(["DNR/DNI", "do-not-resuscitate"])
        error_part = rng.choice(["full code", "full resuscitation"])
    return _Fact(
        premise,
        key,
        f"Code status: {clean_part}.",
        clean_part,
        f"Code status: {error_part}.",
        error_part,
    )


def _t_pregnancy(rng: random.Random) -> _Fact:
    if rng.random() < 0.5:
        key = rng.choice(["urine pregnancy test is negative", "serum hCG is negative"])
        premise = f"She is 27 years old and her {key}."
        clean_part = rng.choice(["not pregnant", "has a negative pregnancy test"])
        error_part = rng.choice(["pregnant", "has a positive pregnancy test"])
        return _Fact(
            premise,
            key,
            f"The patient is {clean_part}.",
            clean_part,
            f"The patient is {error_part}.",
            error_part,
        )
    weeks = rng.randint(8, 36)
    key = f"{weeks} weeks pregnant"
    premise = f"She is currently {key} and followed by obstetrics."
    clean_part = rng.choice([f"pregnant at {weeks} weeks", f"{weeks} weeks' gestation"])
    error_part = rng.choice(["not pregnant", f"{weeks + rng.randint(6, 12)} weeks' gestation"])
    return _Fact(
        premise, key, f"She is {clean_part}.", clean_part, f"She is {error_part}.", error_part
    )


def _t_allergy(rng: random.Random) -> _Fact:
    allergen = rng.choice(_ALLERGENS)
    if rng.random() < 0.5:
        key = f"allergic to {allergen}"
        premise = f"She reports she is {key}, which causes hives."
        clean_part = rng.choice([f"allergy to {allergen}", f"{allergen} allergy"])
        error_part = rng.choice(["no known drug allergies", "no known allergies"])
        return _Fact(
            premise,
            key,
            f"Allergies: {clean_part}.",
            clean_part,
            f"Allergies: {error_part}.",
            error_part,
        )
    key = rng.choice(["no known drug allergies", "NKDA"])
    premise = f"Allergies: {key}."
    clean_part = "NKDA" if key != "NKDA" else "no known drug allergies"
    error_part = f"an allergy to {allergen}"
    return _Fact(
        premise,
        key,
        f"The patient has {clean_part}.",
        clean_part,
        f"The patient has {error_part}.",
        error_part,
    )


def _t_family_history(rng: random.Random) -> _Fact:
    condition = rng.choice(_CONDITIONS_TEXT)
    relative = rng.choice(["mother", "father", "sister", "brother"])
    if rng.random() < 0.6:
        key = f"Her {relative} had {condition}"
        premise = f"{key}; she has never had it herself."
        clean_part = rng.choice(["Family history", "Positive family history"])
        error_part = rng.choice(["Personal history", "Past medical history"])
    else:
        key = f"She was treated for {condition}"
        premise = f"{key} in 2015. There is no family history of it."
        clean_part = rng.choice(["Personal history", "Past medical history"])
        error_part = "Family history"
    return _Fact(
        premise,
        key,
        f"{clean_part} of {condition}.",
        clean_part,
        f"{error_part} of {condition}.",
        error_part,
    )


def _t_done_planned(rng: random.Random) -> _Fact:
    long, short = rng.choice(_TESTS)
    if rng.random() < 0.5:
        key = f"underwent {long}"
        premise = f"Last week the patient {key}, which was unremarkable."
        clean_part, error_part = "was completed", rng.choice(["is planned", "will be scheduled"])
    else:
        key = f"We will schedule {long}"
        premise = f"{key} next month."
        clean_part, error_part = rng.choice(["is planned", "will be scheduled"]), "was completed"
    return _Fact(
        premise,
        key,
        f"The {short} {clean_part}.",
        clean_part,
        f"The {short} {error_part}.",
        error_part,
    )


def _t_held_continued(rng: random.Random) -> _Fact:
    drug, dose, unit = rng.choice(_DRUGS)
    if rng.random() < 0.5:
        key = f"Hold {drug}"
        premise = f"{key} until the kidney function is rechecked."
        clean_part, error_part = rng.choice(["is on hold", "is paused"]), "is continued"
    else:
        key = f"Continue {drug} {dose} {unit}"
        premise = f"{key} at the current dose."
        clean_part, error_part = (
            rng.choice(["is continued", "stays unchanged"]),
            rng.choice(["is held", "is stopped"]),
        )
    return _Fact(
        premise,
        key,
        f"{drug.capitalize()} {clean_part}.",
        clean_part,
        f"{drug.capitalize()} {error_part}.",
        error_part,
    )


def _t_medication(rng: random.Random, kind: str) -> _Fact:
    drug, dose, unit = rng.choice(_DRUGS)
    freq_key = rng.choice(["daily", "bid", "tid"])
    route_key = rng.choice(["oral", "iv", "subq"]) if unit != "mcg" else "oral"
    route = _ROUTE_ADVERB[route_key]
    freq = _FREQUENCIES[freq_key]
    premise_route, premise_freq = rng.choice(route), rng.choice(freq)
    premise = f"Started {drug} {dose} {unit} {premise_route} {premise_freq}."
    parts = {"unit": f"{dose} {unit}", "route": premise_route, "frequency": premise_freq}
    key = parts[kind]
    if kind == "unit":
        clean_part, error_part = rng.choice(_UNIT_FORMS[unit]), rng.choice(_UNIT_WRONG[unit])
        clean = f"{drug.capitalize()} {dose} {clean_part} was started."
        error = f"{drug.capitalize()} {dose} {error_part} was started."
    elif kind == "route":
        clean_part = rng.choice([f for f in route if f != premise_route] or [premise_route])
        other = rng.choice([k for k in ("oral", "iv", "subq", "im") if k != route_key])
        error_part = rng.choice(_ROUTE_ADVERB[other])
        clean = f"{drug.capitalize()} is given {clean_part}."
        error = f"{drug.capitalize()} is given {error_part}."
    else:
        clean_part = rng.choice([f for f in freq if f != premise_freq])
        error_part = rng.choice(_FREQUENCIES[rng.choice(_FREQ_WRONG[freq_key])])
        clean = f"{drug.capitalize()} {dose} {unit} {clean_part}."
        error = f"{drug.capitalize()} {dose} {unit} {error_part}."
    return _Fact(premise, key, clean, clean_part, error, error_part)


def _t_time(rng: random.Random) -> _Fact:
    n = rng.randint(2, 9)
    unit = rng.choice(["day", "week"])
    relation = rng.choice(["before admission", "prior to admission"])
    key = f"{_WORD_OF[n]} {unit}s {relation}"
    premise = f"Her cough began {key} and has slowly worsened."
    clean_part = f"{n} {unit}s before admission"
    error_part = rng.choice(
        [f"{n} {unit}s after admission", f"{n} {_NEXT_UNIT[unit]}s before admission"]
    )
    return _Fact(
        premise,
        key,
        f"Cough started {clean_part}.",
        clean_part,
        f"Cough started {error_part}.",
        error_part,
    )


_BODY_PARTS = ("knee", "ankle", "shoulder", "wrist", "hip", "elbow", "foot", "ear", "eye")
_SYMPTOMS = (
    ("fevers", "fever"),
    ("chest pain", "chest pain"),
    ("any nausea", "nausea"),
    ("shortness of breath", "shortness of breath"),
    ("night sweats", "night sweats"),
    ("blood in your stool", "blood in the stool"),
)
_NO_ANSWERS = ("Not that I've noticed, no.", "No, none of that.", "Nope.", "No, not at all.")
_PAIN_TIMES = (
    ("at night", "in the morning"),
    ("after meals", "before meals"),
    ("when you walk", "when you rest"),
)
_DRUG_PAIRS = (
    ("ibuprofen", "Tylenol", "acetaminophen"),
    ("aspirin", "Advil", "ibuprofen"),
    ("Tylenol", "Aleve", "naproxen"),
)


def _t_dialogue(rng: random.Random) -> _Fact:
    """A question answered indirectly: the answer flips what the question suggests."""
    shape = rng.randrange(5)
    if shape == 0:
        part, asked = rng.choice(_BODY_PARTS), rng.choice(["left", "right"])
        answer = rng.choice(["No, the other one.", "No, the other side.", "Wrong side, doc."])
        other = "right" if asked == "left" else "left"
        dialogue = f"Doctor: Is it your {asked} {part}?\nPatient: {answer}"
        frame = "The {} " + part + " is affected."
        return _Fact(
            dialogue, answer.rstrip("."), frame.format(other), other, frame.format(asked), asked
        )
    if shape == 1:
        asked, noun = rng.choice(_SYMPTOMS)
        answer = rng.choice(_NO_ANSWERS)
        dialogue = f"Doctor: Have you had {asked}?\nPatient: {answer}"
        right, wrong = f"denies {noun}", rng.choice([f"reports {noun}", f"endorses {noun}"])
        return _Fact(
            dialogue,
            answer.rstrip("."),
            f"The patient {right}.",
            right,
            f"The patient {wrong}.",
            wrong,
        )
    if shape == 2:
        years = rng.choice(["two", "five", "ten", "twenty"])
        answer = f"I used to, but I quit {years} years ago."
        dialogue = f"Doctor: Do you smoke?\nPatient: {answer}"
        right, wrong = "a former smoker", rng.choice(["a current smoker", "a never smoker"])
        return _Fact(
            dialogue,
            answer.rstrip("."),
            f"The patient is {right}.",
            right,
            f"The patient is {wrong}.",
            wrong,
        )
    if shape == 3:
        asked, actual = rng.choice(_PAIN_TIMES)
        answer = f"Actually, it's worse {actual}."
        dialogue = f"Doctor: Is the pain worse {asked}?\nPatient: {answer}"
        return _Fact(
            dialogue,
            answer.rstrip("."),
            f"The pain is worse {actual}.",
            actual,
            f"The pain is worse {asked}.",
            asked,
        )
    asked, took, generic = rng.choice(_DRUG_PAIRS)
    answer = f"No, only {took}."
    dialogue = f"Doctor: Have you taken {asked} for it?\nPatient: {answer}"
    right = rng.choice([took, generic])
    return _Fact(
        dialogue,
        answer.rstrip("."),
        f"The patient took {right} for the pain.",
        right,
        f"The patient took {asked} for the pain.",
        asked,
    )


def _t_demographics(rng: random.Random) -> _Fact:
    age = rng.randint(25, 90)
    sex = rng.choice(["woman", "man", "female", "male"])
    key = f"{age}-year-old {sex}"
    premise = f"This is a {key} who presents with two days of cough."
    clean_part = f"{age}{_SHORT_SEX[sex]}"
    if rng.random() < 0.5:
        error_part = f"{age}{'M' if _SHORT_SEX[sex] == 'F' else 'F'}"
    else:
        error_part = f"{age + rng.choice([-1, 1]) * rng.randint(8, 20)}{_SHORT_SEX[sex]}"
    return _Fact(
        premise,
        key,
        f"{clean_part} with cough for 2 days.",
        clean_part,
        f"{error_part} with cough for 2 days.",
        error_part,
    )


def _t_setting(rng: random.Random) -> _Fact:
    keys = list(_SETTINGS)
    here = rng.choice(keys)
    key = rng.choice(_SETTINGS[here])
    premise = f"The patient was evaluated in the {key} for chest pain."
    clean_part = rng.choice([f for f in _SETTINGS[here] if f != key] or [key])
    error_part = rng.choice(_SETTINGS[rng.choice([k for k in keys if k != here])])
    return _Fact(
        premise,
        key,
        f"Seen in the {clean_part} for chest pain.",
        clean_part,
        f"Seen in the {error_part} for chest pain.",
        error_part,
    )


def _t_negation(rng: random.Random) -> _Fact:
    options = (
        (
            "The chest x-ray is unremarkable",
            "unremarkable",
            "normal",
            "shows a right lower lobe mass",
            "Chest x-ray {}.",
        ),
        (
            "She denies chest pain or palpitations",
            "denies chest pain",
            "reports no chest pain",
            "endorses chest pain",
            "The patient {}.",
        ),
        (
            "He has been afebrile since admission",
            "afebrile",
            "without fever",
            "febrile",
            "The patient has been {} since admission.",
        ),
        (
            "The abdominal exam is benign",
            "benign",
            "nontender",
            "tender with guarding",
            "Abdomen {}.",
        ),
        (
            "Urinalysis was negative for infection",
            "negative for infection",
            "without signs of infection",
            "consistent with infection",
            "Urinalysis {}.",
        ),
    )
    sentence, key, right, wrong, frame = rng.choice(options)
    return _Fact(f"{sentence}.", key, frame.format(right), right, frame.format(wrong), wrong)


def _t_anatomy(rng: random.Random, kind: str) -> _Fact:
    if kind == "laterality":
        side = rng.choice(["left", "right"])
        part = rng.choice(["knee", "ankle", "shoulder", "wrist", "hip"])
        key = f"{side} {part}"
        premise = f"X-ray of the {key} shows a small effusion."
        other = "right" if side == "left" else "left"
        return _Fact(
            premise,
            key,
            f"Effusion in the {side} {part}.",
            side,
            f"Effusion in the {other} {part}.",
            other,
        )
    pairs = (
        ("tibia", "fibula", "fracture of the {}"),
        ("upper lobe", "lower lobe", "nodule in the right {}"),
        ("radius", "ulna", "fracture of the distal {}"),
        ("medial meniscus", "lateral meniscus", "tear of the {}"),
    )
    a, b, frame = rng.choice(pairs)
    if rng.random() < 0.5:
        a, b = b, a
    key = frame.format(a)
    premise = f"Imaging shows a {key}."
    return _Fact(
        premise, a, f"{frame.format(a).capitalize()}.", a, f"{frame.format(b).capitalize()}.", b
    )


def _t_paraphrase(rng: random.Random) -> _Fact:
    long, short = rng.choice(_CONDITIONS)
    wrong = rng.choice([p for p in _CONDITIONS if p[0] != long])
    key = long if rng.random() < 0.5 else short
    premise = f"Past medical history is significant for {key}."
    clean_part = short if key == long else long
    error_part = wrong[1] if key == long else wrong[0]
    return _Fact(
        premise,
        key,
        f"History of {clean_part}.",
        clean_part,
        f"History of {error_part}.",
        error_part,
    )


TEMPLATES: dict[str, Callable[[random.Random], _Fact]] = {
    "code_status": _t_code_status,
    "pregnancy": _t_pregnancy,
    "allergy": _t_allergy,
    "family_history": _t_family_history,
    "done_planned": _t_done_planned,
    "held_continued": _t_held_continued,
    "unit": lambda rng: _t_medication(rng, "unit"),
    "route": lambda rng: _t_medication(rng, "route"),
    "frequency": lambda rng: _t_medication(rng, "frequency"),
    "time": _t_time,
    "dialogue_answer": _t_dialogue,
    "demographics": _t_demographics,
    "setting": _t_setting,
    "negation": _t_negation,
    "anatomy": lambda rng: _t_anatomy(rng, "anatomy"),
    "laterality": lambda rng: _t_anatomy(rng, "laterality"),
    "paraphrase": _t_paraphrase,
}


def template_twins(settings: TwinSettings) -> list[TwinRow]:
    """``per_kind_templates`` twin pairs per kind from the templates, each a short premise of
    the fact among neutral filler sentences (dialogues stand alone)."""
    rows: list[TwinRow] = []
    for kind in settings.kinds:
        maker = TEMPLATES.get(kind)
        if maker is None:
            continue
        seen: set[tuple[str, str]] = set()
        for n in range(settings.per_kind_templates):
            group = f"twins-template:{kind}:{n}"
            rng = random.Random(derive_seed(settings.seed, group))
            fact = maker(rng)
            fillers = [] if kind == "dialogue_answer" else rng.sample(_FILLERS, rng.randint(1, 3))
            at = rng.randint(0, len(fillers))
            sentences = [*fillers[:at], fact.premise, *fillers[at:]]
            premise = " ".join(sentences)
            if (premise, fact.error) in seen:
                continue
            seen.add((premise, fact.error))
            offset = premise.index(fact.premise) + fact.premise.index(fact.key)
            start = fact.clean.index(fact.clean_part)
            error_start = fact.error.index(fact.error_part)
            if start != error_start:
                raise ConfigError(f"template {kind!r}: clean and error parts must start together")
            edit = Edit(kind, start, start + len(fact.clean_part), fact.clean_part, fact.error_part)
            split = split_of(group, settings.seed, settings.fractions)
            rows += _pair_rows(
                premise,
                (offset, offset + len(fact.key)),
                fact.clean,
                fact.error,
                (start, start),
                edit,
                group,
                split,
                "twins",
                ("template",),
            )
    return rows


def check_kinds(kinds: Iterable[str] | None) -> tuple[str, ...]:
    if not kinds:
        return KINDS
    chosen = tuple(kinds)
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise ConfigError(f"twins: unknown kind(s) {unknown}; choose from {', '.join(KINDS)}")
    return chosen


def build_twins(
    data_dir: Path | str | None, settings: TwinSettings | None = None
) -> tuple[list[TwinRow], list[Path]]:
    """Template twins plus note twins from ``data_dir`` (skipped when None or absent)."""
    settings = settings or TwinSettings()
    settings.kinds = check_kinds(settings.kinds)
    rows = template_twins(settings)
    files: list[Path] = []
    if data_dir is not None and Path(data_dir).is_dir():
        notes, files = read_notes(data_dir)
        rows += note_twins(notes, settings)
    return rows, files
