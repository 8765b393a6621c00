"""omission.v1: content of the input that the output leaves out.

Critical omissions (risk 3-4, category missing_claim, relation "omitted", the dropped text as
``context_span``): a stated allergy, a code status, a critical laboratory value, a pregnancy, an
active high-alert medication, a diagnosis the input establishes (imaging or a stated
diagnosis), and an affirmed red-flag finding (double vision, syncope, melena, ...). Weaker
signals (risk 2): any other named drug, and an affirmed finding in a sentence that the output
otherwise summarises around.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from medfact.analysis import AFFIRMED, FAMILY, NEGATED, AnalyzedText, Token
from medfact.document import CaseDoc
from medfact.errors import ConfigError
from medfact.lexicon.abbreviations import (
    ABBREVIATION,
    abbreviated_in,
    spelled_out,
    symbol_concepts,
)
from medfact.lexicon.drugs import class_named, class_of_drug
from medfact.lexicon.tables import read_tables
from medfact.registry import verifiers
from medfact.rehint import (
    FastPattern,
    Needs,
    alternative_needs,
    fast_compile,
    lower_ascii,
    opening_unbounded,
)
from medfact.taxonomy import ErrorCategory
from medfact.textutil import SpanIndex, sentence_at
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, OMITTED, Rule
from medfact.verifiers.drugs import is_drug_class, same_but_salt
from medfact.verifiers.entities import (
    PREGNANCY,
    allergies,
    code_status,
    drug_abbreviated,
    high_alert_class,
    mentions,
    names_allergen,
    polarity_at,
    reacted_drugs,
    same_allergen,
    supported_concepts,
)

# Chemotherapy regimens by acronym, then their drugs, and abbreviations of malignant tumour types
# (medfact/lexicon/data/oncology.toml, sources there): a note that writes "Adjuvant EC" keeps the
# epirubicin and cyclophosphamide of its input; one that writes "L breast IDC" keeps the carcinoma.
REGIMENS: tuple[tuple[str, ...], ...] = tuple(
    (row["acronym"], *row["drugs"]) for row in read_tables("oncology.toml")["regimen"]
)
MALIGNANCY_ABBREVIATIONS: tuple[str, ...] = tuple(
    read_tables("oncology.toml")["malignancy_abbreviations"]
)
_REGIMENS = tuple(
    (re.compile(rf"(?<![\w-]){re.escape(group[0])}(?![\w])"), frozenset(group[1:]))
    for group in REGIMENS
)
_MALIGNANCY_ABBREVIATION = fast_compile(r"\b(?:" + "|".join(MALIGNANCY_ABBREVIATIONS) + r")\b")


def regimen_drugs(text: str) -> frozenset[str]:
    """The drugs of the chemotherapy regimens ``text`` names by acronym ("EC", "R-CHOP",
    "TCHP"), written in capitals as regimens are."""
    found: set[str] = set()
    for pattern, drugs in _REGIMENS:
        if pattern.search(text):
            found |= drugs
    return frozenset(found)


# a pregnancy written the obstetric way: gravida alone ("G1, 35+2"), weeks+days of gestation
# ("35+2", "41+3"), weeks over forty ("11/40")
_GESTATION_SHORTHAND = re.compile(
    r"\bG\d{1,2}\b|\b(?:[4-9]|[1-3]\d|4[0-2])\+[0-6]\b|\b(?:[4-9]|[1-3]\d|4[0-2])/40\b"
)


@dataclass(frozen=True, slots=True)
class Lab:
    """A laboratory test: its names, the values outside which it is critical (in the units of
    ``low``/``high``), how a value in another common unit is brought to them, and the words
    that state its abnormality ("hyperkalaemia" keeps a potassium of 6.6)."""

    name: str
    pattern: re.Pattern[str]
    low: float | None
    high: float | None
    thousands: bool = False  # counts written as 12,000 or 12K are read in thousands
    scale: tuple[tuple[str, float, float], ...] = ()  # ("<" or ">", bound, factor)
    states: re.Pattern[str] | None = None
    written: bool = False  # read only in digits ("BP 86/50"; a spoken pressure is read elsewhere)

    def normal_units(self, value: float) -> float:
        """``value`` in the units of the limits ("2.1" mmol/L glucose -> 37.8 mg/dL)."""
        for side, bound, factor in self.scale:
            if (side == "<" and value < bound) or (side == ">" and value > bound):
                return value * factor
        return value


def _cased(alias: str) -> bool:
    """Whether an alias pattern names capitals outside its letter classes ("K\\+?", "INR")."""
    bare = re.sub(r"\[[^\]]*\]", "", alias)
    return bare != bare.lower()


def _lab(
    name: str,
    aliases: str,
    low: float | None,
    high: float | None,
    k: bool = False,
    scale: tuple[tuple[str, float, float], ...] = (),
    states: str = "",
    written: bool = False,
) -> Lab:
    """Aliases with a capital (K, Na, INR) match as written; lower-case names in any case (the
    capitals of a letter class do not count: "troponin(?: [IT])?" also reads "Troponin")."""
    parts = [a if _cased(a) else f"(?i:{a})" for a in aliases.split("|")]
    pattern = re.compile(rf"\b(?:{'|'.join(parts)})(?![\w])")
    said = re.compile(states, re.IGNORECASE) if states else None
    return Lab(name, pattern, low, high, k, scale, said, written)


# Critical (panic) limits in adults, as commonly set by hospital laboratories; conservative ends.
# Values in the SI units of UK notes are converted: glucose mmol/L (x 18), calcium mmol/L (x 4),
# haemoglobin g/L (/ 10), bilirubin umol/L (/ 17.1), high-sensitivity troponin ng/L (/ 1000),
# neutrophils 10^9/L (x 1000).
LABS: tuple[Lab, ...] = (
    _lab("potassium", r"potassium|K\+?", 3.0, 6.0, states=r"hyperkal|hypokal"),
    _lab("sodium", r"sodium|Na\+?", 125.0, 155.0, states=r"hyponat|hypernat"),
    _lab(
        "glucose",
        r"glucose|blood sugar|sugar|BG|CBG|BM|fingerstick|finger-prick sugar|finger-prick|"
        r"POC glucose|capillary glucose",
        54.0,
        400.0,
        scale=(("<", 35.0, 18.0),),
        states=r"hypoglyc|hyperglyc|\bhypo\b|\bDKA\b",
    ),
    _lab(
        "hemoglobin",
        r"hemoglobin|haemoglobin|Hgb|Hb",
        7.0,
        None,
        scale=((">", 25.0, 0.1),),
        states=r"an(?:a)?emi",
    ),
    _lab("platelets", r"platelets?|plt", 50.0, None, k=True, states=r"thrombocytopeni"),
    _lab(
        "white cell count",
        r"WBC|white (?:blood )?(?:cell )?count",
        1.0,
        30.0,
        k=True,
        states=r"leuk(?:o)?peni|neutropeni|leukocytosis",
    ),
    _lab("lactate", r"lactate|lactic acid", None, 4.0, states=r"lactic acidosis"),
    _lab("INR", r"INR", None, 4.5, states=r"coagulopath|supratherapeutic"),
    _lab(
        "calcium",
        r"calcium|Ca",
        6.5,
        13.0,
        scale=(("<", 4.0, 4.0),),
        states=r"hypercalc|hypocalc",
    ),
    _lab("magnesium", r"magnesium|Mg", 1.0, None, states=r"hypomag"),
    # a Glasgow coma score of 12 or less: a moderate or severe head injury or falling level
    _lab("GCS", r"GCS|Glasgow coma (?:scale|score)", 13.0, None, states=r"obtunded|comatose"),
    _lab("pH", r"pH", 7.2, 7.6, states=r"acidosis|alkalosis|acidaemi|acidemi"),
    _lab(
        "troponin",
        r"troponin(?: [IT])?|trop|TnI|TnT",
        None,
        0.04,
        scale=((">", 10.0, 0.001),),
        states=r"NSTEMI|STEMI|myocardial infarction|\bMI\b|troponin (?:rise|elevat)",
    ),
    _lab(
        "absolute neutrophil count",
        r"ANC|absolute neutrophil count|absolute neutrophils|neutrophils|neuts",
        500.0,
        None,
        scale=(("<", 20.0, 1000.0),),
        states=r"neutropeni",
    ),
    _lab(
        "bilirubin",
        r"bilirubin|SBR|bili",
        None,
        15.0,
        scale=((">", 50.0, 1 / 17.1),),
        states=r"hyperbilirubin",
    ),
)
# lithium: a narrow-therapeutic-index drug whose serum level above 2.0 mmol/L is on hospital
# laboratories' critical lists (toxicity; the conservative end of the 1.5-2.0 limits in use)
LABS += (_lab("lithium", r"lithium|Li", None, 2.0, states=r"lithium toxicity|toxic lithium"),)
# digoxin: a serum level above 2.0 ng/mL is on laboratories' critical lists (toxicity); only its
# level is read ("digoxin level 3.1"), not a dose written without a unit ("digoxin 125")
LABS += (
    _lab(
        "digoxin level",
        r"digoxin (?:level|concentration)|dig level",
        None,
        2.0,
        states=r"digoxin toxicity|toxic digoxin|digoxin level",
    ),
)
# vital signs in the range that scores 3 on the NEWS2 chart (Royal College of Physicians, 2017):
# a systolic pressure of 90 mmHg or less, an oxygen saturation of 91% or less; the systolic value
# is the first of "86/50"
LABS += (
    _lab(
        "systolic blood pressure",
        r"BP|SBP|blood pressure",
        91.0,
        None,
        states=r"hypotens",
        written=True,
    ),
    _lab(
        "oxygen saturation",
        r"SpO2|SaO2|O2 sats|sats|oxygen sat(?:uration)?s?|saturations?|oxygen level|oximeter|"
        r"oxygen meter|oxygen monitor|oxygen probe|finger probe|pulse ox",
        92.0,
        None,
        states=r"hypox|desaturat",
    ),
)
# blood ketones of 3.0 mmol/L or more: the ketonaemia of diabetic ketoacidosis (JBDS-IP DKA
# guideline; NICE NG18 for children and young people), the value that sends a patient to hospital;
# urine ketones are graded in "+" and are not read
LABS += (
    _lab(
        "blood ketones",
        r"blood ketones?|capillary ketones?|serum ketones?|(?<!urine )(?<!urinary )ketones?|"
        r"BHB|beta-hydroxybutyrate",
        None,
        2.9,
        states=r"ketoacidosis|\bDKA\b",
    ),
)
_RANGE_TABLE = "lab_ranges.toml"


@dataclass(frozen=True, slots=True)
class LabRange:
    """An analyte's abnormal (not yet critical) limits and the change between two results of
    one input that counts as large (medfact/lexicon/data/lab_ranges.toml)."""

    low: float | None = None
    high: float | None = None
    delta: float | None = None

    def abnormal(self, value: float) -> bool:
        """Whether ``value`` lies outside the limits."""
        return (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        )


def _read_lab_ranges() -> dict[str, LabRange]:
    """The [lab.*] tables of lab_ranges.toml by analyte name; a ConfigError naming the analyte
    and the field for a name LABS does not know or a limit that is not a number."""
    names = {lab.name for lab in LABS}
    ranges = {}
    for name, entry in read_tables(_RANGE_TABLE).get("lab", {}).items():
        where = f"lexicon table data/{_RANGE_TABLE}, lab {name!r}"
        if name not in names:
            raise ConfigError(f"{where}: no analyte of that name (known: {sorted(names)})")
        limits = {}
        for field in ("low", "high", "delta"):
            value = entry.get(field)
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            if value is not None and not numeric:
                raise ConfigError(f"{where}, field {field!r}: must be a number; received {value!r}")
            limits[field] = None if value is None else float(value)
        ranges[name] = LabRange(**limits)
    return ranges


LAB_RANGES: dict[str, LabRange] = _read_lab_ranges()
_DIAGNOSTIC = re.compile(
    r"\b(?:diagnos\w*|found to have|consistent with|confirm\w*|shows?|showed|reveal\w*|"
    r"demonstrat\w*|new(?:ly)?|positive for|incidental\w*|identified|evidence of)\b|"
    r"^\s*(?:CT|MRI|x-ray|chest x-ray|CXR|ultrasound|"
    r"echo\w*|biopsy|pathology|impression)\b[^:\n]{0,40}:",
    re.IGNORECASE,
)
# Red-flag findings (medfact/lexicon/data/red_flags.toml): an affirmed one that the output drops
# is a critical omission. Each has the pattern that finds it in the input, a looser one of the
# words that keep it in an output ("syncope" keeps "passed out") and the finding's risk.
_RED_FLAG_TABLE = "red_flags.toml"


@dataclass(frozen=True, slots=True)
class RedFlag:
    """A red flag: the input pattern that finds it, the output words that keep it, its risk."""

    name: str
    found: re.Pattern[str]
    kept: re.Pattern[str]
    risk: int


def _flag_source(name: str, field: str, value: Any) -> str:
    """A flag's regular expression: one string, or a list of them read as their alternation;
    a ConfigError naming the flag and the field when it is neither or does not compile."""
    where = f"lexicon table data/{_RED_FLAG_TABLE}, flag {name!r}, field {field!r}"
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        value = "|".join(f"(?:{v})" for v in value)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: must be a non-empty string or list of strings")
    try:
        re.compile(value)
    except re.error as exc:
        raise ConfigError(f"{where}: not a valid regular expression ({exc})") from exc
    return value


def _read_red_flags() -> dict[str, tuple[str, str, int]]:
    """The flags of red_flags.toml as (found, kept, risk) sources, in file order."""
    table = read_tables(_RED_FLAG_TABLE).get("flag")
    if not isinstance(table, dict) or not table:
        raise ConfigError(f"lexicon table data/{_RED_FLAG_TABLE} has no [flag.*] tables")
    flags = {}
    for name, entry in table.items():
        risk = entry.get("risk")
        if risk not in (3, 4):
            raise ConfigError(
                f"lexicon table data/{_RED_FLAG_TABLE}, flag {name!r}, field 'risk': must be 3 "
                f"or 4; received {risk!r}"
            )
        found = _flag_source(name, "found", entry.get("found"))
        flags[name] = (found, _flag_source(name, "kept", entry.get("kept")), risk)
    return flags


_FLAGS = _read_red_flags()
RED_FLAGS: tuple[RedFlag, ...] = tuple(
    RedFlag(name, re.compile(found, re.IGNORECASE), re.compile(kept, re.IGNORECASE), risk)
    for name, (found, kept, risk) in _FLAGS.items()
)
# every red flag in one pattern: most inputs hold none, and one pass over them tells so
_ANY_FLAG_SOURCE = "|".join(f"(?:{found})" for found, _, _ in _FLAGS.values())
_ANY_FLAG = re.compile(_ANY_FLAG_SOURCE, re.IGNORECASE)
# ignored case costs `re` a set per letter (several times the search): ASCII text is searched
# lower-cased with a lower-cased copy, which matches where the pattern matches (its escapes are
# all lower-case, \b and \w); other text keeps the ignored case, which also folds a few
# non-ASCII letters (the Kelvin sign, the long s)
_ANY_FLAG_LOWER = re.compile(_ANY_FLAG_SOURCE.lower())
# each flag's pattern with the strings one of which each of its matches holds (most inputs
# hold none of any flag's) and its lower-cased copy: faster again on ASCII text up to 200,000
# characters (medfact.rehint)
_FAST_FLAGS: tuple[FastPattern, ...] = tuple(FastPattern(flag.found) for flag in RED_FLAGS)


# A flag's pattern read branch by branch (rehint.alternative_needs): each of its alternatives with
# the strings that every match of it holds, one of each set ("gcs " and "dropped"/"fell"/...). A
# text in which no alternative finds all of its strings holds no match, where the strings of the
# whole pattern (its FastPattern's, one set for all alternatives: "in " for "within seconds") may
# all be there.


def _may_hold(low: str, needs: Needs, seen: dict[str, bool]) -> bool:
    """False only where no alternative of a flag finds all its strings in the lower-cased text;
    ``seen``: whether each string looked up in the text so far is there (flags share some)."""
    for alt in needs:  # loops: no generator frame per call
        for strings in alt:
            for string in strings:
                there = seen.get(string)
                if there is None:
                    there = seen[string] = string in low
                if there:
                    break
            else:
                break  # none of this set: the alternative cannot match
        else:
            return True
    return False


_FLAG_NEEDS: tuple[Needs | None, ...] = tuple(alternative_needs(flag.found) for flag in RED_FLAGS)
_FLAG_STRINGS = tuple(fast.shortcuts()[0] for fast in _FAST_FLAGS)  # read once, at import
# A word boundary that opens a pattern ("\bsuicid\w*|\bSI\b") makes `re` try the whole pattern at
# every character; the copy without it opens with letters and `re` skips to where they are.
_FLAG_OPENERS = tuple(opening_unbounded(flag.found) for flag in RED_FLAGS)


def _flag_from(
    low: str,
    strings: tuple[str, ...] | None,
    needs: Needs | None,
    opener: re.Pattern[str] | None,
    seen: dict[str, bool],
) -> int | None:
    """Where the search for a flag in a text (``low``: lower-cased, ASCII) may start: None where
    it is nowhere in it. ``strings``: those of the flag's FastPattern, one of which every match
    holds."""
    if strings is not None:
        for string in strings:  # noqa: SIM110 (a loop: no generator frame per call)
            if string in low:
                break
        else:
            return None  # none of the flag's strings
    if needs is not None and not _may_hold(low, needs, seen):
        return None  # no alternative finds all its strings
    if opener is None:
        return 0
    first = opener.search(low)
    return None if first is None else first.start()


# the output speaks of a code status ("code status discussed"), not of "codeine"
_CODE_WORD = re.compile(r"\bcode\b")
# the line of a report that says why it was asked for: its red flags are the question, which a
# summary of the findings need not repeat
_ASKED_OF_A_REPORT = re.compile(
    r"\s*(?:indications?|clinical(?: (?:history|details|information|indication|question))?|"
    r"reason for (?:exam\w*|study|referral|request|scan)|history)\s*:",
    re.IGNORECASE,
)


_PASSAGE = 300  # characters: mentions of one red flag this close tell of it together


def _denies_itself(ctx: AnalyzedText, tok: Token, start: int) -> bool:
    """A "non-" word that only denies itself ("a non-blanching rash"), not one a denial before
    it reaches ("no non-blanching rash": the rash after it is denied from before too)."""
    if tok.polarity != NEGATED or tok.trigger != tok.start:
        return False
    after = ctx.tokens_in(tok.end, tok.end + 40)[:1]
    return not any(
        t.sentence == tok.sentence
        and t.polarity == NEGATED
        and t.trigger is not None
        and t.trigger < start
        for t in after
    )


def _affirmed_flag(ctx: AnalyzedText, m: re.Match[str]) -> bool:
    """Whether the input affirms a red flag's mention: not denied, asked or hedged, not a
    relative's, not a report's question."""
    toks = ctx.tokens_in(m.start(), m.end())
    if toks and toks[0].polarity != AFFIRMED and not _denies_itself(ctx, toks[0], m.start()):
        return False  # denied, asked or hedged
    if any(t.scope == FAMILY for t in toks):
        return False  # "his father had a seizure": a relative's
    if _treated_by_a_drug(ctx, m.start()):
        return False  # "I take Dilantin for my seizures": a long-treated condition, no event
    if _glosses_a_question(ctx, m.start()):
        return False  # "Any TIA or CVA? That is slurred speech or stroke symptoms."
    # a report's "Indication: ... new confusion": its question
    return not _asked_of_a_report(ctx, m.start())


# a sentence that explains the question before it: "That is ...", "I mean ...", "Meaning ..."
_GLOSS = re.compile(
    r"\s*(?:that\s+is|that's|i\.?\s?e\.?|i\s+mean|meaning|in\s+other\s+words|such\s+as|"
    r"for\s+example|like)\b",
    re.IGNORECASE,
)


def _glosses_a_question(ctx: AnalyzedText, start: int) -> bool:
    """Whether the mention at ``start`` stands in a sentence that glosses the question just
    before it ("Any TIA or CVA? That is slurred speech or stroke symptoms."): asked, not said."""
    sent = sentence_at(ctx.sentences, start)
    if sent is None or _GLOSS.match(ctx.text, sent.span[0]) is None:
        return False
    return ctx.text[max(0, sent.span[0] - 200) : sent.span[0]].rstrip().endswith("?")


# what joins a drug to what it is taken for: "Dilantin for my seizures", "Keppra 500 mg twice a
# day for his epilepsy"
_TAKEN_FOR = re.compile(r"^[^.;\n]{0,25}?\bfor\s+(?:my|his|her|their|your|the|her\s+)?\s*$", re.I)


def _treated_by_a_drug(ctx: AnalyzedText, start: int) -> bool:
    """Whether the mention at ``start`` is what a drug named just before it is taken for."""
    return any(
        0 <= start - d.end <= 40 and _TAKEN_FOR.match(ctx.text[d.end : start]) is not None
        for d in ctx.drugs
    )


def _asked_of_a_report(ctx: AnalyzedText, start: int) -> bool:
    """Whether ``start`` of the input lies on a report's request line ("Indication: ...")."""
    sent = sentence_at(ctx.sentences, start)
    return sent is not None and _ASKED_OF_A_REPORT.match(ctx.text, sent.span[0]) is not None


# words only a pregnancy explains: "gestational diabetes", "antenatal clinic", "third trimester"
_OF_A_PREGNANCY = re.compile(
    r"\b(?:gestational|antenatal|prenatal|antepartum|(?:first|second|third|1st|2nd|3rd)\s+"
    r"trimester)\b",
    re.IGNORECASE,
)
# a pregnancy the speaker tells as over ("while I was pregnant with him", "when she was
# pregnant") or rules out ("there is no possibility that I am pregnant", "no way she's pregnant")
_NOT_PREGNANT_NOW = re.compile(
    r"\b(?:while|when|whilst)\s+(?:i|she|you|mum|mom|his\s+mother|her\s+mother)\s+(?:was|were)\s+$"
    r"|\bno\s+(?:possibility|possible\s+way|chance|way|risk)\s+(?:that\s+|of\s+)?"
    r"(?:i|she|you|her)?\s*(?:am|'m|is|'s|are|could\s+be|can\s+be|might\s+be|being)?\s*$"
    # a question told without its "?": "Doctor: Any abnormal pregnancy. Any abortions?"
    r"|(?:^|[.?!:\n])\s*any\s+(?:[a-z-]+\s+){0,2}$",
    re.IGNORECASE,
)


def _keeps_pregnancy(text: str) -> bool:
    """Whether an output names a pregnancy ("pregnant", "G2", "28+3", "28/40", "gestational
    diabetes")."""
    return bool(
        PREGNANCY.search(text) or _GESTATION_SHORTHAND.search(text) or _OF_A_PREGNANCY.search(text)
    )


def any_red_flag(text: str) -> bool:
    """Whether ``text`` holds any red flag's pattern (affirmed or not)."""
    if lower_ascii(text) is not None:
        return any(flag.search(text) is not None for flag in _FAST_FLAGS)
    if text.isascii():
        return _ANY_FLAG_LOWER.search(text.lower()) is not None
    return _ANY_FLAG.search(text) is not None


_INACTIVE = re.compile(
    r"\b(?:stopped|discontinued|d/c'?d|no longer|used to|previously|quit|allergic|allergy)\b",
    re.IGNORECASE,
)


# a number not after a word or a point; the pattern opens on its first digit, which `re` scans
# for, and looks behind it from there ("(?<![\w.])" before the number, as "(?<![\w.]\d)")
_NUMBER = re.compile(r"(\d(?<![\w.]\d)\d*(?:[.,]\d+)*)\s*([kK])?\b")
# Up to eight short words between an analyte and its value: "calcium came back at 14.2",
# "potassium level was 6.9", "INR: 8", "lithium toxicity (level 2.4".
_LAB_LINK = (
    r"(?:\s*(?:levels?|count|of|is|was|were|at|came|come|has|have|back|now|today|result|"
    r"reading|high|low|very|raised|elevated|on|the|gas|vbg|abg|sample|serum|blood|"
    # when it was taken: "INR from this morning came back at 8.9"
    r"from\s+(?:this|last|yesterday)(?:\s+(?:morning|afternoon|evening|night))?|"
    r"this\s+(?:morning|afternoon|evening)|yesterday|"
    # "a" of a number said in words: "sodium is low at a hundred and twenty-four"
    r"a(?=\s*$)|"
    r"toxicity|[0-2]?\d:[0-5]\d|:|=|-|,|\())?"
) * 8
_LAB_BEFORE = [(lab, re.compile(rf"{lab.pattern.pattern}{_LAB_LINK}\s*$")) for lab in LABS]
# any analyte's name, in one pattern: a number with none just before it is no lab value (most)
_ANY_LAB = re.compile("|".join(f"(?:{lab.pattern.pattern})" for lab in LABS))


# "Bed 12's troponin came back. It's 850": a value given as "it's" after the analyte was named.
# "It's saying eighty-seven": a meter's reading, said the same way
_SPOKEN = re.compile(
    r"\b(?:it'?s|it is|it was|that'?s|that is|which is)"
    r"(?:\s+(?:saying|showing|reading|says|shows|reads))?\s*$",
    re.IGNORECASE,
)
_SPOKEN_REACH = 100  # characters back the analyte of "it's ..." may be named


def _spoken_result(text: str, at: int, lab: Lab) -> re.Match[str] | None:
    """The last mention of ``lab`` in the characters before ``at``, if it is the last
    analyte named there."""
    window = text[max(0, at - _SPOKEN_REACH) : at]
    names = list(lab.pattern.finditer(window))
    if not names:
        return None
    last = names[-1]
    if any(other.pattern.search(window, last.end()) for other in LABS if other is not lab):
        return None
    return lab.pattern.search(text, max(0, at - _SPOKEN_REACH) + last.start())


_NOT_RESULTS = frozenset({"time", "age", "x", "weight"})  # "blood sugar two hours after"


def critical_labs(doc: AnalyzedText) -> list[tuple[Lab, float, int, int]]:
    """(lab, value, start, end) of each laboratory value of ``doc`` in its critical range."""
    return _in_critical_range(lab_values(doc))


def _in_critical_range(
    values: list[tuple[Lab, float, int, int]],
) -> list[tuple[Lab, float, int, int]]:
    return [
        (lab, value, start, end)
        for lab, value, start, end in values
        if (lab.low is not None and value < lab.low) or (lab.high is not None and value > lab.high)
    ]


def _in_abnormal_range(
    values: list[tuple[Lab, float, int, int]],
) -> list[tuple[Lab, float, int, int]]:
    """The values outside their analyte's abnormal limits (lab_ranges.toml) but inside its
    critical ones."""
    critical = set(_in_critical_range(values))
    return [
        v
        for v in values
        if v not in critical and (r := LAB_RANGES.get(v[0].name)) is not None and r.abnormal(v[1])
    ]


_ABNORMAL_WORDS = (
    "low|high|raised|elevated|reduced|deranged|abnormal|rising|falling|increased|decreased"
    "|borderline"
)


def _abnormality_said(text: str, lab: Lab) -> bool:
    """Whether ``text`` names the analyte with a word of its abnormality ("low potassium",
    "sodium is low", "Hb down", "K \u2191"); not a hyphened diet ("low-potassium diet")."""
    name = lab.pattern.pattern
    before = rf"(?i:\b(?:{_ABNORMAL_WORDS})\s+(?:serum\s+)?){name}"
    after = (
        rf"{name}\s*(?i:(?:level\s+)?(?:is\s+|was\s+|now\s+)?(?:{_ABNORMAL_WORDS}|up|down)\b"
        r"|[\u2191\u2193])"
    )
    return re.search(f"{before}|{after}", text) is not None


# words that date a result before another: "it was 134 in January", "down from 5.1", "baseline"
_EARLIER = re.compile(
    r"\b(?:was|were|from|previous(?:ly)?|prior|baseline|before|last|ago|earlier|used to be|"
    r"on admission|pre-?op\w*)\b",
    re.IGNORECASE,
)


def _earlier_result(
    text: str, lab: Lab, value: float, values: list[tuple[Lab, float, int, int]]
) -> tuple[int, int] | None:
    """The span of another result of ``lab`` in ``values`` that differs from ``value`` by at
    least the analyte's delta and is dated before it ("Hb 71, it was 134 in January"); None
    when there is none."""
    delta = LAB_RANGES[lab.name].delta
    if delta is None:
        return None
    for other, earlier, start, end in values:
        if other.name != lab.name or abs(earlier - value) < delta:
            continue
        if _EARLIER.search(text, max(start, end - 40), min(len(text), end + 20)):
            return start, end
    return None


# a capital letter alone before a name: the name's first letter continues a spelled-out run
_SPELLED_LETTER_BEFORE = re.compile(r"(?<![\w'])[A-Z] $")


# analytes whose unit-less values overlap in the two unit systems ("bilirubin 12": 12 mg/dL is
# deep jaundice, 12 umol/L normal): above this value (mg/dL), a text that writes its other
# results in SI units is read in SI (factor: umol/L per mg/dL, 17.1 for bilirubin)
_SI_AMBIGUOUS = {"bilirubin": 2.0}
_SI_FACTORS = {"bilirubin": 17.1}
# signs of SI units: a micromole unit, haemoglobin in g/L (a value of 30 or more, with no
# decimal) or creatinine in umol/L (20 or more)
_SI_UNIT = re.compile(r"[u\u00b5\u03bc]mol|\bg/L\b", re.IGNORECASE)
_SI_HB = re.compile(
    r"\b(?:Hb|Hgb|ha?emoglobin)\s*(?::|=|of|is|was)?\s*(\d{2,3})(?![\d.])", re.IGNORECASE
)
_SI_CREATININE = re.compile(
    r"\b(?:creat(?:inine)?|Cr)\s*(?::|=|of|is|was)?\s*(\d{2,4})(?![\d.])", re.IGNORECASE
)


def si_units(text: str) -> bool:
    """Whether ``text`` writes its laboratory results in SI units ("Hb 109, creatinine 71",
    "umol/L"), so that an ambiguous value is read in them."""
    if _SI_UNIT.search(text):
        return True
    if any(int(m.group(1)) >= 30 for m in _SI_HB.finditer(text)):
        return True
    return any(int(m.group(1)) >= 20 for m in _SI_CREATININE.finditer(text))


def lab_values(doc: AnalyzedText) -> list[tuple[Lab, float, int, int]]:
    """(lab, value, start, end) of each value of a critical-value analyte ``doc`` states, in
    the analyte's normal units."""
    found = []
    text = doc.text
    si: bool | None = None  # whether the text writes its results in SI units, read once
    # numbers written in digits, then numbers said in words ("seven point nine")
    spoken_numbers = [
        (q.start, q.end, q.value)
        for q in doc.quantities
        if text[q.start : q.start + 1].isalpha() and q.unit_class not in _NOT_RESULTS
    ]
    numbers = [(v.start(), v.end(), v) for v in _NUMBER.finditer(text)]
    for start, end, v in [*numbers, *spoken_numbers]:
        if text[end : end + 1] == ":":
            continue  # "18:00": a clock time
        if _HOW_OFTEN.match(text, end) or text[start:end].lower() in ("once", "twice", "thrice"):
            continue  # "check my sugar two or three times a week": how often, not a value
        if _DOSE_AFTER.match(text, end) or _DOSE_UNIT_END.search(text, start, end):
            continue  # "lithium 400 mg", "calcium 500 mg": a dose of the salt, not its level
        head = text[max(0, start - 40) : start]
        if not head or not head[-1:].isspace() and head[-1:] not in ":=-,":
            continue
        spoken = _SPOKEN.search(head) is not None  # "it's 850": the analyte named before
        if not spoken and _ANY_LAB.search(head) is None:
            continue  # no analyte named in the characters before: no pattern below can match
        for lab, pattern in _LAB_BEFORE:
            m = pattern.search(head)
            if m is not None:
                name_start = start - len(head) + m.start()
            elif spoken and (said := _spoken_result(text, start, lab)) is not None:
                name_start = said.start()
            else:
                continue
            if isinstance(v, float) and lab.written:
                break  # said in words: not read for this analyte
            if _SPELLED_LETTER_BEFORE.search(text, max(0, name_start - 3), name_start):
                break  # "J A K two": the last letter of a spelled-out name, not potassium
            if isinstance(v, float):
                value, thousands = v, False
            else:
                try:
                    value = float(v.group(1).replace(",", ""))
                except ValueError:
                    break
                thousands = bool(v.group(2))
            if lab.thousands and (value >= 1000 or thousands):
                value = value / 1000 if value >= 1000 else value
            normal = lab.normal_units(value)
            if lab.name in _SI_AMBIGUOUS and normal == value and value > _SI_AMBIGUOUS[lab.name]:
                if si is None:
                    si = si_units(text)
                if si:
                    normal = value / _SI_FACTORS[lab.name]  # "bilirubin 12" in umol/L
            found.append((lab, normal, name_start, end))
            break
    return found


# a value the input marks as out of range in a parenthesis after it: "(toxic range)", "(CRITICAL)",
# "(target 5-8)", "(baseline 110 in August)"
_FLAGGED = re.compile(
    r"\b(?P<name>[A-Za-z][A-Za-z-]+(?:\s+[a-z][a-z-]+){0,2})\s+(?:(?:level|trough|result|was|"
    r"is|of|at)\s+)?(?P<value>\d+(?:\.\d+)?)\s*(?:[a-zA-Z\u00b5/%]+(?:/[a-zA-Z]+)?)?\s*\("
    r"(?P<mark>[^()\n]{0,40})\)"
)
_MARK_TOXIC = re.compile(r"\b(?:toxic|critical|panic)\b", re.IGNORECASE)
_MARK_RANGE = re.compile(
    r"\b(?:target|range|ref(?:erence)?(?:\s+range)?)\s*:?\s*(\d+(?:\.\d+)?)\s*(?:-|\u2013|to)\s*"
    r"(\d+(?:\.\d+)?)",
    re.IGNORECASE,
)
_MARK_BASELINE = re.compile(r"\bbaseline\s*:?\s*(?:~|of\s+)?(\d+(?:\.\d+)?)\b", re.IGNORECASE)
_FAR = 2.0  # a value this many times past its range's end, or its baseline, is far out


def flagged_values(text: str) -> list[tuple[int, int, str]]:
    """(start, end, value) of each value the text marks as far out of range in a parenthesis
    right after it: toxic or critical, more than twice its target range's end (or under half its
    start), at least twice its baseline or half of it."""
    found: list[tuple[int, int, str]] = []
    if "(" not in text:
        return found  # every mark is in a parenthesis (most texts have none)
    for m in _FLAGGED.finditer(text):
        value, mark = float(m.group("value")), m.group("mark")
        far = bool(_MARK_TOXIC.search(mark))
        if (r := _MARK_RANGE.search(mark)) is not None:
            low, high = float(r.group(1)), float(r.group(2))
            far = far or value > _FAR * high or (low > 0 and value < low / _FAR)
        if (b := _MARK_BASELINE.search(mark)) is not None and float(b.group(1)) > 0:
            ratio = value / float(b.group(1))
            far = far or ratio >= _FAR or ratio <= 1 / _FAR
        if far:
            found.append((m.start(), m.end(), m.group("value")))
    return found


# a dose's unit or form after a number ("400 mg", "two effervescent tablets"), or a household
# measure of something taken ("some sugar, three teaspoons", "two sugar cubes"), not a
# concentration ("mg/dL")
_DOSE_AFTER = re.compile(
    r"\s*(?:mg|milligrams?|mcg|micrograms?|g|grams?)\b(?!\s*/|\s+per\b)"
    r"|\s*(?:[a-z-]+\s+)?(?:tablets?|tabs?|capsules?|sachets?|(?:tea|table|dessert)?spoon(?:s|ful"
    r"|fuls)?|cubes?|lumps?|packets?|cups?|glass(?:es)?|sweets?|biscuits?)\b",
    re.IGNORECASE,
)
_DOSE_UNIT_END = re.compile(r"\b(?:mg|milligrams?|mcg|micrograms?|grams?|tablets?)\s*$", re.I)
_HOW_OFTEN = re.compile(
    r"\s*(?:(?:or|to|-)\s*\w+\s+)?(?:times?\b|x\s+(?:a|per)\b|a\s+(?:day|week|month)\b|"
    r"(?:per|each|every)\s+(?:day|week|month)\b|daily\b|weekly\b)",
    re.IGNORECASE,
)
_NO_ALLERGY_OF = re.compile(r"\bno\s+(?:\w+\s+){0,2}allerg\w*", re.IGNORECASE)


# a class word too broad to be an allergen by itself ("an antibiotic", "ACE inhibitor"): the
# allergy is to the member the text names
_BROAD_CLASS = re.compile(
    r"antibiotic|inhibitor|blocker|medicine|medication|drug|tablet|painkiller|agent", re.I
)


def _class_allergen(drug: Any, reacted: dict[str, Any], out: AnalyzedText) -> bool:
    """Whether a drug class the input names is an allergen the output must keep: one it gives
    a reaction to, named as a family ("penicillin", "cephalosporins"), no member of which the
    output names."""
    if drug.canonical not in reacted or _BROAD_CLASS.search(drug.surface):
        return False
    family = class_named(drug.surface) or drug.canonical
    return not any(
        class_of_drug(d.canonical) == family or class_of_drug(d.surface) == family
        for d in out.drugs
    )


def _names_an_allergy(text: str) -> bool:
    """Whether a text states some allergy ("no food allergies" states none)."""
    return "allerg" in _NO_ALLERGY_OF.sub("", text).lower()


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")  # "1,850": one number, its separator


def _number_in(text: str, number: str) -> bool:
    """Whether ``text`` gives ``number``, with or without a thousands separator ("1,850" is
    "1850")."""
    if re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", text) is not None:
        return True
    bare = _THOUSANDS.sub("", number)
    if bare == number and "," not in text:
        return False
    found = re.search(rf"(?<![\d.]){re.escape(bare)}(?![\d])", _THOUSANDS.sub("", text))
    return found is not None


def _shortened(output: str, context: str) -> list[tuple[int, int]]:
    """The phrases of the input that the output's abbreviations shorten ("GTCS" for "generalised
    tonic-clonic seizure")."""
    spans = (spelled_out(m.group(), context) for m in ABBREVIATION.finditer(output))
    return [span for span in spans if span is not None]


# A regimen or short name that the input spells out in brackets: "CAPOX (capecitabine +
# oxaliplatin)", "R-CHOP (rituximab, ...)"
_DEFINED = re.compile(r"\b([A-Z][A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*)\s*\(([^()\n]{3,120})\)")


# a product's name with its drug in brackets after it: "Buccolam (midazolam oromucosal
# solution)", "Epilim (sodium valproate)"
_BRAND_BEFORE = re.compile(r"\b([A-Z][a-z][\w-]{2,})[^\S\n]*\([^\S\n]*$")


def _brand_kept(output: str, context: str, start: int) -> bool:
    """Whether the input names the drug at ``start`` as the bracketed contents of a product's
    name, which the output keeps ("Buccolam 10 mg" for "Buccolam (midazolam ...)")."""
    m = _BRAND_BEFORE.search(context, max(0, start - 40), start)
    return m is not None and re.search(rf"\b{re.escape(m.group(1))}\b", output) is not None


# A headline: an output of one short item (one sentence, no list) that names no drug, denies
# nothing and is a small part of its input ("I need refills.", "Follow-up of her knee pain."): a
# chief complaint or reason for visit, which no one expects to list the input's drugs ("None." and
# "No medications." say something of all of them; "RA; plt transfusion ordered." is a summary).
_HEADLINE_WORDS = 6
_HEADLINE_SHARE = 8  # the input has at least eight times the headline's words
_LIST_MARK = re.compile(r"[;,:\n]")
_DENYING_WORD = re.compile(r"\b(?:no|none|nil|not|denies|denied|never|nkda|nka)\b", re.I)


def _headline(out: AnalyzedText, ctx: AnalyzedText) -> bool:
    """Whether an output is a headline of its input: one sentence of at most six words and no
    list, no drug named, no denying word, the input eight times as long or more."""
    words = len(out.text.split())
    return (
        len(out.sentences) <= 1
        and words <= _HEADLINE_WORDS
        and len(ctx.text.split()) >= _HEADLINE_SHARE * words
        and not out.drugs
        and _LIST_MARK.search(out.text.strip()) is None
        and _DENYING_WORD.search(out.text) is None
    )


def _classes_named(text: str) -> set[str]:
    """The drug classes a text names by a word or two ("PPI", "beta blocker")."""
    words = re.findall(r"[A-Za-z][\w-]*", text)
    pairs = (f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    return {c for w in (*words, *pairs) if (c := class_named(w)) is not None}


def _defined_kept(output: str, context: str) -> list[tuple[int, int]]:
    """The input's bracketed expansions of short names that the output keeps, as spans."""
    return [
        m.span(2)
        for m in _DEFINED.finditer(context)
        if re.search(rf"(?<![\w-]){re.escape(m.group(1))}(?![\w-])", output)
    ]


# an output written to the patient: a salutation that names no clinician ("Dear Mr Ilori",
# "Hi Sam"), or an opening in the second person ("Thank you for coming", "You were seen");
# session 20
_SALUTATION = re.compile(r"\s*(?:dear|hi|hello)\s+([A-Za-z]+)", re.IGNORECASE)
_CLINICIAN_ADDRESS = frozenset(
    {"dr", "doctor", "colleague", "colleagues", "sir", "madam", "sirs", "team", "gp", "prof"}
    | {"professor", "consultant", "nurse", "sister", "all", "to"}
)
_SECOND_PERSON_OPENING = re.compile(
    r"\s*(?:thank\s+you\s+for|you\s+(?:were|came|have|had|attended|saw)|your\s+\w+\s+(?:is|was|are))\b",
    re.IGNORECASE,
)


def _to_patient(text: str) -> bool:
    """Whether the output is written to the patient, who need not be told the input's list of
    diagnoses again as a clinician-facing summary must be."""
    m = _SALUTATION.match(text)
    if m is not None:
        return m.group(1).lower() not in _CLINICIAN_ADDRESS
    return _SECOND_PERSON_OPENING.match(text) is not None


@verifiers.register("omission.v1")
class OmissionRule(Rule):
    name = "omission.v1"

    def __init__(
        self,
        drug_risk: int = 2,
        finding_risk: int = 2,
        coverage: float = 0.5,
        high_alert_risk: int = 3,
        allergy_risk: int = 4,
        code_status_risk: int = 4,
        critical_lab_risk: int = 4,
        pregnancy_risk: int = 4,
        diagnosis_risk: int = 3,
        red_flag_risk: int = 3,
        named_lab_risk: int = 3,
        abnormal_lab_risk: int = 3,
    ) -> None:
        self.drug_risk = drug_risk
        self.finding_risk = finding_risk
        self.coverage = coverage
        self.high_alert_risk = high_alert_risk
        self.allergy_risk = allergy_risk
        self.code_status_risk = code_status_risk
        self.critical_lab_risk = critical_lab_risk
        self.pregnancy_risk = pregnancy_risk
        self.diagnosis_risk = diagnosis_risk
        self.red_flag_risk = red_flag_risk
        self.named_lab_risk = named_lab_risk
        self.abnormal_lab_risk = abnormal_lab_risk

    def omitted(
        self, view: CaseDoc, risk: int, span: tuple[int, int], message: str, conf: float
    ) -> Finding:
        return self.finding(
            view,
            ErrorCategory.MISSING_CLAIM,
            risk,
            None,
            message,
            relation=OMITTED,
            context_span=span,
            confidence=conf,
        )

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None
        findings = self._critical(view, out, ctx)
        findings += self._drugs(view, out, ctx, findings)
        findings += self._sentences(view, out, ctx)
        return findings

    def _critical(self, view: CaseDoc, out: AnalyzedText, ctx: AnalyzedText) -> list[Finding]:
        findings = []
        low = out.text.lower()
        stated = allergies(ctx)
        kept = allergies(out) if stated else []
        if stated and not re.search(r"\bnkda\b", low):
            named = "allerg" in low or "anaphyla" in low
            drug_starts = {d.start for d in ctx.drugs}
            for a in stated:
                # one allergy dropped from a list the output keeps is an omission too, where
                # the allergen is a drug or an allergen word (not any word before "allergy")
                if named and not names_allergen(a.allergen, a.word[0], drug_starts):
                    continue
                if a.allergen not in low and not any(
                    same_allergen(a.allergen, b.allergen) for b in kept
                ):
                    findings.append(
                        self.omitted(
                            view,
                            self.allergy_risk,
                            (a.start, a.end),
                            f"allergy: the input states an allergy to '{a.allergen}', "
                            "which the output leaves out",
                            0.8,
                        )
                    )
                    break
        c = code_status(ctx)
        said = code_status(out)
        if c.any and not (said.any or said.cpr_ok) and not _CODE_WORD.search(low):
            span = (c.full + c.dnr + c.dni + c.comfort)[0]
            findings.append(
                self.omitted(
                    view,
                    self.code_status_risk,
                    span,
                    f"code status: the input's '{ctx.text[span[0] : span[1]]}' is left out",
                    0.8,
                )
            )
        ctx_labs = lab_values(ctx)
        ctx_values = _in_critical_range(ctx_labs)
        abnormal = _in_abnormal_range(ctx_labs)
        # read only when the input has one
        out_labs = lab_values(out) if ctx_values or abnormal else []
        findings += self._abnormal_labs(view, ctx_labs, abnormal, out_labs)
        out_values = {(lab.name, round(value, 3)) for lab, value, _, _ in out_labs}
        for lab, value, start, end in ctx_values:
            if _asked_of_a_report(ctx, start):
                continue  # "Indication: NSTEMI, troponin 2,340": why the report was asked for
            shown = ctx.text[start:end]
            digits = re.findall(r"\d+(?:[.,]\d+)*", shown)
            if (lab.name, round(value, 3)) in out_values:
                continue  # the value ("Plt 12K" for "platelets 12,000")
            if digits and _number_in(out.text, digits[-1]):
                continue
            if not digits and any(
                lb.name == lab.name and abs(v - value) < 1e-6 for lb, v, _, _ in out_labs
            ):
                continue  # a value said in words ("neutrophils zero point three"), written
            other = [o for o in out_labs if o[0].name == lab.name]
            if len(other) == 1 and len({v for lb, v, _, _ in ctx_labs if lb.name == lab.name}) == 1:
                # the input's only value of the analyte, which the output gives another value
                said = out.text[other[0][2] : other[0][3]]
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.DETAIL_MISIDENTIFICATION,
                        self.critical_lab_risk,
                        (other[0][2], other[0][3]),
                        f"critical value: output says '{said.strip()}'; input says "
                        f"'{shown.strip()}'",
                        relation=CONTRADICTED,
                        context_span=(start, end),
                        confidence=0.8,
                    )
                )
                continue
            named = lab.states is not None and lab.states.search(out.text) is not None
            findings.append(
                self.omitted(
                    view,
                    # "hyperkalaemia" without the 6.8: the abnormality kept, not how far it goes
                    self.named_lab_risk if named else self.critical_lab_risk,
                    (start, end),
                    f"critical value: {lab.name} '{shown.strip()}' is left out"
                    + (" (the output names only the abnormality)" if named else ""),
                    0.75,
                )
            )
        reported = {start for _, _, start, _ in ctx_values}
        for start, end, value in flagged_values(ctx.text):
            if start in reported or _number_in(out.text, value):
                continue
            findings.append(
                self.omitted(
                    view,
                    self.named_lab_risk,
                    (start, end),
                    f"abnormal value: '{ctx.text[start:end].strip()}', which the input marks as "
                    "out of range, is left out",
                    0.7,
                )
            )
        from medfact.compare import pregnancy_facts  # compare imports the rules' helpers

        preg = [f for f in pregnancy_facts(ctx) if f.value == "yes"]  # a negative test is none
        preg = [
            f
            for f in preg
            if polarity_at(ctx, f.start, f.end) == AFFIRMED
            and not _NOT_PREGNANT_NOW.search(ctx.text, max(0, f.start - 40), f.start)
        ]
        # the output is searched only where the input states a pregnancy (few inputs do)
        if preg and "hcg" not in low and not _keeps_pregnancy(out.text):
            f = preg[0]
            findings.append(
                self.omitted(
                    view,
                    self.pregnancy_risk,
                    (f.start, f.end),
                    "pregnancy: the input states a pregnancy that the output leaves out",
                    0.75,
                )
            )
        findings += self._diagnoses(view, out, ctx)
        findings += self._red_flags(view, out, ctx)
        return findings

    def _red_flags(self, view: CaseDoc, out: AnalyzedText, ctx: AnalyzedText) -> list[Finding]:
        """Red-flag findings the input affirms (not denied, asked or hedged) that the output
        does not name in any of their words."""
        findings: list[Finding] = []
        if lower_ascii(ctx.text) is None and not any_red_flag(ctx.text):
            return findings  # one pattern for them all (on ASCII text each flag's own search
            # below answers as any_red_flag would, so it is not searched twice)
        shortened: list[tuple[int, int]] | None = None  # read where a flag is left out
        low = lower_ascii(ctx.text)
        seen: dict[str, bool] = {}  # the strings looked up in the input, and whether there
        for flag, fast, strings, needs, opener in zip(
            RED_FLAGS, _FAST_FLAGS, _FLAG_STRINGS, _FLAG_NEEDS, _FLAG_OPENERS, strict=True
        ):
            start = 0 if low is None else _flag_from(low, strings, needs, opener, seen)
            if start is None or not fast.search(ctx.text, start) or flag.kept.search(out.text):
                continue
            said = [m for m in flag.found.finditer(ctx.text) if _affirmed_flag(ctx, m)]
            if said and shortened is None:
                shortened = _shortened(out.text, ctx.text)
            if not said or any(s <= m.start() < e for m in said for s, e in shortened or ()):
                continue  # "GTCS" keeps the input's "generalised tonic-clonic seizure"
            first = said[0]
            # the passage that tells of it: "I did the glass test ... Yes, there are
            # non-blanching spots on both shins" is one flag, said twice
            end = max(m.end() for m in said if m.start() - first.start() <= _PASSAGE)
            findings.append(
                self.omitted(
                    view,
                    max(self.red_flag_risk, flag.risk),
                    (first.start(), end),
                    f"red flag: the input's '{first.group()}' ({flag.name}) is left out",
                    0.6,
                )
            )
        return findings

    def _diagnoses(self, view: CaseDoc, out: AnalyzedText, ctx: AnalyzedText) -> list[Finding]:
        """Conditions the input establishes (in a diagnostic statement) that the output drops."""
        out_concepts = {c for k, c in supported_concepts(out.text) if k == "condition"}
        out_concepts |= symbol_concepts(out.text)  # "old healed L rib #"
        if _MALIGNANCY_ABBREVIATION.search(out.text):
            out_concepts.add("malignancy")  # "L breast IDC" for the input's carcinoma
        findings, seen = [], set()
        # a letter to the patient need not list the diagnoses: check, not unsafe
        risk = 2 if _to_patient(out.text) else self.diagnosis_risk
        for m in mentions(ctx.text, ("condition",)):
            if m.concept in out_concepts or m.concept in seen:
                continue
            if abbreviated_in(m.surface, out.text, least=2):
                continue  # "severe AS" for the input's "severe aortic stenosis"
            if polarity_at(ctx, m.start, m.end) != AFFIRMED:
                continue
            if any(t.scope == FAMILY for t in ctx.tokens_in(m.start, m.end)):
                continue  # "her mother was diagnosed with breast cancer": a relative's
            sent = sentence_at(ctx.sentences, m.start)
            if sent is None:
                continue
            if ctx.is_dialogue:
                continue  # what a conversation "shows" is rarely a stated diagnosis
            if not _DIAGNOSTIC.search(ctx.text[sent.span[0] : m.start]):
                continue
            seen.add(m.concept)
            findings.append(
                self.omitted(
                    view,
                    risk,
                    (m.start, m.end),
                    f"diagnosis: the input establishes '{m.surface}' ({m.concept}), "
                    "which the output leaves out",
                    0.6,
                )
            )
        return findings

    def _abnormal_labs(
        self,
        view: CaseDoc,
        ctx_labs: list[tuple[Lab, float, int, int]],
        abnormal: list[tuple[Lab, float, int, int]],
        out_labs: list[tuple[Lab, float, int, int]],
    ) -> list[Finding]:
        """Abnormal (not critical) values of the input whose analyte the output gives no value
        for and whose abnormality it does not name ("K 5.9" dropped): one finding per analyte,
        a large change from an earlier result of the input ("Hb 71, it was 134") said so."""
        findings: list[Finding] = []
        out, ctx = view.output, view.context
        assert ctx is not None
        given = {lab.name for lab, _, _, _ in out_labs}
        for lab, value, start, end in abnormal:
            if lab.name in given or (lab.states is not None and lab.states.search(out.text)):
                continue
            if _abnormality_said(out.text, lab):
                continue  # "low potassium", "Hb down": the abnormality kept, in words
            given.add(lab.name)  # one finding per analyte
            digits = re.findall(r"\d+(?:[.,]\d+)*", ctx.text[start:end])
            if digits and _number_in(out.text, digits[-1]):
                continue
            if not digits and _number_in(out.text, f"{value:g}"):
                continue  # "potassium level is three point one": the output's "3.1"
            shown = ctx.text[start:end].strip()
            end = start + len(ctx.text[start:end].rstrip())  # "Sodium 127 " read to the space
            before = _earlier_result(ctx.text, lab, value, ctx_labs)
            if before is None:
                message = f"abnormal value: {lab.name} '{shown}' is left out"
            else:
                # "haemoglobin is seventy one it was one thirty four": the earlier part alone
                first = end if before[0] < end <= before[1] else before[0]
                said = ctx.text[first : before[1]].strip(" ,;:(")
                message = f"abnormal change: {lab.name} '{shown}' ({said}) is left out"
            findings.append(self.omitted(view, self.abnormal_lab_risk, (start, end), message, 0.7))
        return findings

    def _drugs(
        self, view: CaseDoc, out: AnalyzedText, ctx: AnalyzedText, earlier: list[Finding]
    ) -> list[Finding]:
        findings: list[Finding] = []
        low = out.text.lower()
        reported: set[tuple[int, int]] = set()
        reacted: dict[str, Any] | None = None
        inside = SpanIndex([f.context_span for f in earlier if f.context_span])
        shortened: list[tuple[int, int]] | None = None  # read where a drug is left out
        defined: list[tuple[int, int]] | None = None
        out_classes: set[str] | None = None
        for d in ctx.drugs:
            if d.canonical in out.drug_names or d.surface.lower() in low:
                continue
            if any(same_but_salt(d.canonical, c) for c in out.drug_names):
                continue  # the input's potassium chloride kept as K-Dur (potassium)
            if any(d.canonical in c.split("/") for c in out.drug_names if "/" in c):
                continue  # the input's codeine kept in "Tylenol #3" (acetaminophen/codeine)
            if drug_abbreviated(d.canonical, out.text):
                continue  # "MTX" for methotrexate
            if shortened is None:
                shortened = _shortened(out.text, ctx.text)
            if any(s <= d.start < e for s, e in shortened):
                continue  # "LMWH" for the input's "low molecular weight heparin"
            if defined is None:
                defined = _defined_kept(out.text, ctx.text)
            if any(s <= d.start < e for s, e in defined):
                continue  # "CAPOX" for "CAPOX (capecitabine + oxaliplatin)"
            if _brand_kept(out.text, ctx.text, d.start):
                continue  # "Buccolam" for "Buccolam (midazolam oromucosal solution)"
            if d.canonical in regimen_drugs(out.text):
                continue  # "Adjuvant EC" for the input's epirubicin and cyclophosphamide
            if any(
                len(w) >= 5 and re.search(rf"\b{re.escape(w)}\b", low)
                for w in d.surface.lower().split()[1:]
            ):
                continue  # "plt transfusion" for platelet transfusion
            if reacted is None:
                reacted = reacted_drugs(ctx)
            if is_drug_class(d.canonical, d.surface) and not _class_allergen(d, reacted, out):
                continue  # a class is no drug left out, unless it is an allergen ("Penicillin.
                # He swelled right up")
            if (d.start, d.end) in reported:
                continue
            if inside.holds(d.start):
                continue  # already reported as a dropped allergy or value
            reported.add((d.start, d.end))
            if d.canonical in reacted and not any(
                same_allergen(d.canonical, a.allergen) or same_allergen(d.surface, a.allergen)
                for a in allergies(out)
            ):
                a, b = reacted[d.canonical][1]
                findings.append(
                    self.omitted(
                        view,
                        self.allergy_risk,
                        (d.start, d.end),
                        f"allergy: the input gives a reaction to '{d.surface}' "
                        f"('{ctx.text[a:b]}'), which the output leaves out",
                        0.7,
                    )
                )
                continue
            # a drug the output names by its class ("IV PPI" for pantoprazole); not one the
            # input gives a reaction to, whose name the allergy needs ("avoid all NSAIDs" does
            # not say which one swelled the face)
            drug_class = class_of_drug(d.canonical) or class_of_drug(d.surface)
            if drug_class is not None:
                if out_classes is None:
                    out_classes = _classes_named(out.text)
                if drug_class in out_classes:
                    continue
            alert = high_alert_class(d.surface) or high_alert_class(d.canonical)
            sent = sentence_at(ctx.sentences, d.start)
            active = (
                alert is not None
                and not _headline(out, ctx)  # "I need refills.": a reason for visit lists no drugs
                and polarity_at(ctx, d.start, d.end) == AFFIRMED
                and not (sent and _INACTIVE.search(ctx.text, sent.span[0], sent.span[1]))
            )
            findings.append(
                self.omitted(
                    view,
                    self.high_alert_risk if active else self.drug_risk,
                    (d.start, d.end),
                    f"the input mentions '{d.surface}', which the output leaves out"
                    + (f" (active high-alert medication: {alert})" if active else ""),
                    0.6 if active else 0.45,  # a weak signal: below the severity policy's bar
                )
            )
        return findings

    def _sentences(self, view: CaseDoc, out: AnalyzedText, ctx: AnalyzedText) -> list[Finding]:
        """Sentences of the input whose content the output mostly lacks, between covered ones."""
        out_stems = out.stems
        covered = []
        for sent in ctx.sentences:
            toks = [t for t in ctx.sentence_tokens(sent.index) if t.content]
            share = len([t for t in toks if t.stem in out_stems]) / len(toks) if toks else 1.0
            covered.append((share, toks))
        findings = []
        for i, (share, toks) in enumerate(covered):
            if share >= 0.25:
                continue
            asserted = [t for t in toks if t.polarity in (AFFIRMED, NEGATED)]
            if len(asserted) < 2:
                continue
            before = any(s >= self.coverage for s, _ in covered[max(0, i - 2) : i])
            after = any(s >= self.coverage for s, _ in covered[i + 1 : i + 3])
            if not (before and after):
                continue
            sent = ctx.sentences[i]
            findings.append(
                self.omitted(
                    view,
                    self.finding_risk,
                    tuple(sent.span),  # type: ignore[arg-type]
                    "the output summarises around this part of the input but leaves it out: "
                    + ", ".join(t.text for t in asserted[:4]),
                    0.4,
                )
            )
        return findings
