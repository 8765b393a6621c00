"""numbers.v1: values, units, doses, frequencies and durations the input states otherwise.

Beyond a changed value, three dose errors are named in the message so the severity policy can
grade them: a **unit class** error (the input's number with another unit: mcg vs mg, units vs mL,
mg vs mg/kg), a dose **x N** of the input's (N >= 2 or <= 1/2) and a **frequency** escalation
(daily -> q4h, b.i.d. -> q.i.d.) or reduction.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, replace

from medfact.analysis import AnalyzedText, Quantity, Token, once_per_text, speaker_tag
from medfact.document import CaseDoc
from medfact.lexicon.terms import DOSE_CLASSES, FREQUENCIES, LABS, NUMBER_WORDS, UNIT_FACTORS
from medfact.registry import verifiers
from medfact.rehint import fast_compile
from medfact.taxonomy import ErrorCategory
from medfact.textutil import sentence_at
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule, clause_window_stems, window_stems
from medfact.verifiers.temporal import anchored, first_words

# Classes whose values are specific enough that a lone competitor is a real disagreement.
_SPECIFIC = DOSE_CLASSES | {"pressure", "ratio", "temperature", "age", "weight", "rate", "percent"}
PER_KG = re.compile(r"\s*(?:/|per\s+)(?:kg|kilos?|kilograms?)\b", re.IGNORECASE)
_SOMEONE_ELSES = re.compile(r"\b(?:my|his|her|your|their|our)\s+(?:\w+\s+)?$", re.IGNORECASE)
_AGE_SEX = re.compile(r"[FM]\b")  # "44F", "22M": an age and a sex, not degrees or metres

# --- dosing frequency --------------------------------------------------------------------------

_PER_DAY = {"minute": 1440.0, "min": 1440.0, "hour": 24.0, "hr": 24.0, "h": 24.0, "day": 1.0}
_PER_DAY |= {"week": 1 / 7, "wk": 1 / 7, "month": 1 / 30}
_COUNT = (
    r"(?:\d+(?:\.\d+)?|"
    + "|".join(sorted((w for w in NUMBER_WORDS if " " not in w), key=len, reverse=True))
    + r")"
)
_EXTRA = {
    "hourly": 24.0,
    "q.d.": 1.0,
    "qam": 1.0,
    "qpm": 1.0,
    "every morning": 1.0,
    "every evening": 1.0,
    "each morning": 1.0,
    "each night": 1.0,
    "q.o.d.": 0.5,
    "qod": 0.5,
    "one a day": 1.0,
    "one daily": 1.0,
    "at night": 1.0,  # only after a dose: "twenty five milligrams at night" (see _AT_NIGHT)
    "once": None,  # only as part of the patterns below
}
_TABLE = {k: v for k, v in {**FREQUENCIES, **_EXTRA}.items() if v is not None}
_PHRASE = "|".join(
    re.escape(p).replace(r"\ ", r"\s+") for p in sorted(_TABLE, key=len, reverse=True)
)
_FREQ = fast_compile(
    r"(?<![\w.])(?:"
    rf"q\.?\s?(?P<qn>\d+)(?:\s?-\s?(?P<qn2>\d+))?\s?(?P<qu>h|hr|hrs|hours?|min)\b\.?"
    rf"|(?:every|each)\s+(?:(?P<en>{_COUNT}|a|an|other)(?:\s*(?:-|to|or)\s*(?P<en2>{_COUNT}))?\s+)?(?P<eu>minute|min|hour|hr|h|day|week|wk|month)s?\b"
    # "4x daily", "2-3x/day", "3 x a week": a count of times written with "x"
    rf"|(?P<xn>{_COUNT})\s?[x\u00d7]\s?(?:/\s?(?P<xs>day|d|week|wk)|(?:a|per|each)\s+(?P<xa>day|week|month)|(?P<xly>daily|weekly|monthly))\b"
    # "the two a day", "3 a week": a small count of doses a day (not "sixty a day", an amount)
    r"|(?P<an>one|two|three|four|five|six|[1-6])\s+(?:a|per)\s+(?P<au>day|week)\b"
    rf"|(?P<tn>once|twice|thrice|{_COUNT}\s+(?:times|doses))\s+(?:(?:a|an|per|each|every|a\s+single)\s+(?P<tu>minute|hour|day|week|month)\b|(?P<tly>daily|weekly|monthly|hourly)\b)"
    # "3-monthly", "4-hourly", "2 weekly"; not "losartan twenty five daily" (a dose, daily)
    rf"|(?:(?P<nn0>{_COUNT})\s?(?:-|to)\s?)?(?P<nn>{_COUNT})(?:-|\s(?!daily))(?P<nly>hourly|daily|weekly|monthly)\b"
    # "twelve hours apart": a dose every twelve hours
    rf"|(?P<apn>{_COUNT})\s+(?:hours?|hrs?)\s+apart\b"
    rf"|(?P<ph>{_PHRASE})(?![\w])"
    r")",
    re.IGNORECASE,
)


# a dose or dose form just before "at night" makes it a dosing time, once a day
_DOSE_BEFORE = re.compile(
    r"\b(?:mg|milligrams?|mcg|micrograms?|units?|tablets?|tabs?|capsules?|puffs?|drops?)\s+$",
    re.IGNORECASE,
)
# or a spoken amount ("the gabapentin three hundred at night", "300 at night")
_AMOUNT_BEFORE = re.compile(
    r"\b(?:\d+(?:\.\d+)?|hundred|thousand|"
    + "|".join(sorted((w for w in NUMBER_WORDS if " " not in w), key=len, reverse=True))
    + r")\s+$",
    re.IGNORECASE,
)
_FREQ_FIRSTS = first_words(_TABLE) | {"q", "every", "each", "once", "twice", "thrice"}
_FREQ_FIRSTS |= {w for w in NUMBER_WORDS if " " not in w}
# "four-hourly" is one word
_FREQ_FIRSTS |= {
    f"{w}-{rate}"
    for w in NUMBER_WORDS
    if " " not in w
    for rate in ("hourly", "daily", "weekly", "monthly")
}


@dataclass(frozen=True, slots=True)
class Frequency:
    """A dosing or event frequency: its span and how many times a day it means."""

    start: int
    end: int
    per_day: float
    other: float | None = None  # a range's other end ("every 4 to 6 hours": 6 and 4 a day)

    def agrees(self, other: Frequency) -> bool:
        """Whether two rates are the same, or two ranges (or a range and a rate) overlap."""
        lo, hi = self._bounds()
        their_lo, their_hi = other._bounds()
        return lo <= their_hi * 1.05 and their_lo <= hi * 1.05

    def _bounds(self) -> tuple[float, float]:
        ends = (self.per_day, self.per_day if self.other is None else self.other)
        return min(ends), max(ends)


def _count(word: str | None) -> float | None:
    if word is None or word.lower() in ("a", "an"):
        return 1.0
    word = word.lower()
    if word == "other":
        return 2.0
    if word in NUMBER_WORDS:
        return float(NUMBER_WORDS[word])
    try:
        return float(word)
    except ValueError:
        return None


# what a frequency word before a noun names besides a dose ("a weekly pill organizer")
_NOT_A_DOSING = re.compile(
    r"\s+(?:pill|organi[sz]er|dosette|blister|planner|appointments?|clinic|visits?|meetings?|"
    r"calls?|phone|newsletter|support\s+group|group|class(?:es)?)\b",
    re.IGNORECASE,
)


def _dose_at_night(text: str, at: int) -> bool:
    """Whether the "at night" at ``at`` follows a dose ("300 mg at night", "the gabapentin three
    hundred at night"), not one half of a twice-daily dose ("100 in the morning and 100 at
    night")."""
    if _DOSE_BEFORE.search(text, max(0, at - 24), at):
        return True
    return bool(_AMOUNT_BEFORE.search(text, max(0, at - 24), at)) and (
        "morning" not in text[max(0, at - 40) : at].lower()
    )


_UNIT_OF = {"daily": "day", "weekly": "week", "monthly": "month", "d": "day", "wk": "week"}


def _times_rate(m: re.Match[str]) -> float | None:
    """Times a day of a count written with "x" ("4x daily", "2x/week", "3 x a day")."""
    n = _count(m.group("xn"))
    unit = (m.group("xs") or m.group("xa") or m.group("xly")).lower()
    return n * _PER_DAY[_UNIT_OF.get(unit, unit)] if n else None


def _range_rate(per: float, word: str | None) -> float | None:
    """Times a day of a range's second count ("every 4 to 6 hours": 4), or None."""
    n = _count(word) if word is not None else None
    return per / n if n else None


@once_per_text
def frequencies(doc: AnalyzedText) -> list[Frequency]:
    """Every frequency expression of ``doc``, left to right, longest first where they overlap;
    read once per text (numbers.v1 and compare.v1 both read an output's). Callers never change
    it."""
    found = []
    for m in anchored(_FREQ, doc, _FREQ_FIRSTS, numbers=True):
        other = None  # a range's other end
        if m.group("qn"):
            unit = m.group("qu").lower().rstrip("s")
            per = _PER_DAY.get(unit, 24.0 if unit.startswith("h") else 1440.0)
            rate = per / float(m["qn"])
            other = _range_rate(per, m.group("qn2"))
        elif m.group("eu"):
            n = _count(m.group("en"))
            rate = _PER_DAY[m.group("eu").lower()] / n if n else None
            other = _range_rate(_PER_DAY[m.group("eu").lower()], m.group("en2"))
        elif m.group("nly"):
            unit = {"daily": "day", "weekly": "week", "monthly": "month"}.get(
                m.group("nly").lower(), "hour"
            )
            n = _count(m.group("nn0") or m.group("nn"))
            rate = _PER_DAY[unit] / n if n else None
            other = _range_rate(_PER_DAY[unit], m.group("nn") if m.group("nn0") else None)
        elif m.group("an"):
            rate = (_count(m.group("an")) or 0.0) * _PER_DAY[m.group("au").lower()]
        elif m.group("xn"):
            rate = _times_rate(m)
        elif m.group("apn"):
            n = _count(m.group("apn"))
            rate = 24.0 / n if n else None
        elif m.group("tn"):
            times = m.group("tn").lower()
            n = {"once": 1.0, "twice": 2.0, "thrice": 3.0}.get(times) or _count(times.split()[0])
            unit = m.group("tu") or {"daily": "day", "weekly": "week", "monthly": "month"}.get(
                m.group("tly").lower(), "hour"
            )
            rate = n * _PER_DAY[unit.lower()] if n else None
        else:
            phrase = re.sub(r"\s+", " ", m.group("ph").lower())
            rate = _TABLE.get(phrase)
            if phrase == "at night" and not _dose_at_night(doc.text, m.start()):
                rate = None  # "pain at night", "wakes at night": when, not how often
        if rate and _NOT_A_DOSING.match(doc.text, m.end()):
            rate = None  # "a weekly pill organizer", "the monthly clinic": a thing's name
        if rate:
            found.append(Frequency(m.start(), m.end(), rate, other))
    retracted = doc.readings.get("retracted")
    if retracted:  # "One a day. - Dad, no - it's two.": the rate taken back is no rate
        found = [
            f
            for f in found
            if (sent := sentence_at(doc.sentences, f.start)) is None or sent.index not in retracted
        ]
    return found


_DOSE_REACH = 60  # characters before a frequency where the dose it is the rate of is read


def dose_before(doc: AnalyzedText, at: int) -> Quantity | None:
    """The dose said just before the frequency at ``at`` in its clause, past no drug's name
    ("30 mg BD", "five milligrams under the skin, up to every hour"), or None."""
    hi = bisect_right(doc.quantities, at, key=lambda q: q.end)
    for q in reversed(doc.quantities[max(0, hi - 4) : hi]):
        if q.unit_class not in DOSE_CLASSES or q.end > at or at - q.end > _DOSE_REACH:
            continue
        if TABLETS_OF.search(doc.text, max(0, q.start - 8), q.start):
            continue  # "20 mg (8 x 2.5 mg) once weekly": each tablet's strength
        if re.search(r"[.;:!?\n]", doc.text[q.end : at]):
            return None
        if any(q.end <= d.start < at for d in doc.drugs):
            return None  # "5 mg, then lactulose BD": another drug's
        return q
    return None


def _fmt_rate(per_day: float) -> str:
    if per_day >= 1:
        return f"{per_day:g}/day"
    return f"{per_day * 7:.3g}/week"


# --- values ------------------------------------------------------------------------------------


def _per_kg(q: Quantity, text: str) -> bool:
    return q.unit_class == "mass" and PER_KG.match(text, q.end) is not None


def same_value(a: Quantity, b: Quantity, a_text: str = "", b_text: str = "") -> bool:
    """The same value: equal numbers in the same unit (or unit-less on one side), or equal
    amounts after converting units of one class (500 mg = 0.5 g)."""
    if a.second is not None or b.second is not None:
        return a.value == b.value and a.second == b.second
    if a_text and b_text and _per_kg(a, a_text) != _per_kg(b, b_text):
        return False
    if a.unit is None or b.unit is None:
        return a.value == b.value and (a.unit is None or b.unit is None)
    if a.unit == b.unit or (a.unit_class == b.unit_class == "count" and "x" in (a.unit, b.unit)):
        return a.value == b.value  # "28 x" counts whatever the other side counts ("28 tablets")
    if a.unit_class == b.unit_class == "temperature" and {a.unit, b.unit} == {"c", "f"}:
        # degrees on two scales: 38 C is 100.4 F (an offset, no factor)
        c, f = (a, b) if a.unit == "c" else (b, a)
        return abs(c.value - (f.value - 32) * 5 / 9) <= 0.15
    if _weeks_as_months(a, b):
        return True
    if a.unit_class == b.unit_class and a.unit_class not in ("units", "count"):
        base_a, base_b = a.base_value(), b.base_value()
        # a body weight or length converted between systems is rounded ("3.5 pounds" is
        # "about 1.5 kg"); doses and other classes convert exactly
        share = 0.07 if a.unit_class in ("weight", "length") else 0.02
        return abs(base_a - base_b) <= share * max(abs(base_a), abs(base_b))
    return False


def _weeks_as_months(a: Quantity, b: Quantity) -> bool:
    """Weeks told as whole months ("twenty weeks" pregnant written "5 months"): a month is no
    whole number of weeks, so a count of weeks in months is rounded; it holds within half a
    month ("twenty weeks" is no "4 months")."""
    if a.unit_class != "time" or b.unit_class != "time" or {a.unit, b.unit} != {"wk", "mo"}:
        return False
    months, weeks = (a, b) if a.unit == "mo" else (b, a)
    if not (2 * months.value).is_integer():  # whole or half months ("one and a half months")
        return False
    return abs(months.base_value() - weeks.base_value()) < 0.5 * UNIT_FACTORS["mo"]


def _calendar_year(q: Quantity, text: str) -> bool:
    """A bare number written as a year of this or the last century ("in 2005")."""
    if q.unit is not None or q.second is not None or not 1900 <= q.value <= 2100:
        return False
    return re.fullmatch(r"(?:19|20)\d\d", text[q.start : q.end]) is not None


def _bare_repeats(q: Quantity, matched: list[Quantity], theirs: list[Quantity]) -> bool:
    """Whether the input's values that match the dose ``q`` are only its number said bare
    where the input gives that number with a dose unit elsewhere ("one hundred and twelve
    micrograms ... - One twelve. Okay."): the repetition does not vouch for another unit."""
    if q.unit is None or q.unit_class not in DOSE_CLASSES or any(c.unit for c in matched):
        return False
    return any(c.value == q.value and c.unit_class in DOSE_CLASSES for c in theirs)


_DATE_TAIL = re.compile(r"/\d")


_TIMES_STRENGTH = re.compile(r"(?<![\d.])(\d+)\s?[x\u00d7]\s?\d")  # "16 x 500 mg": a count of them


def _total_of(q: Quantity, theirs: list[Quantity], output: str = "") -> bool:
    """A dose that is a counted number of the input's doses ("28 tablets, 500 mg each" ->
    "14 g"; "took sixteen of the 500 mg ones" -> "16 x 500 mg (8 g)")."""
    if q.unit_class not in DOSE_CLASSES:
        return False
    # counted things only ("28 tablets"): "twice a day" times a dose is a doubled dose
    counts = {c.value for c in theirs if c.unit_class == "count" and c.value.is_integer()}
    # a bare number of the input that the output writes as a count of a strength ("16 x")
    written = {float(m.group(1)) for m in _TIMES_STRENGTH.finditer(output)}
    counts |= {c.value for c in theirs if c.unit is None and c.value in written}
    target = q.base_value()
    for c in theirs:
        if c.unit_class != q.unit_class or not c.base_value():
            continue
        n = target / c.base_value()
        if n in counts or any(abs(n - k) <= 1e-6 * n for k in counts):
            return True
    return False


# a count of tablets taken, said with no unit ("I took two then one an hour later", "she takes
# three at night"): not "took two weeks", "take two puffs"
_TAKEN = re.compile(
    r"\b(?:took|take|takes|taking|had)\s+(two|three|four|2|3|4)\b(?!\s*(?:mg|mcg|g|ml|units?|"
    r"milligrams?|micrograms?|grams?|puffs?|drops?|sprays?|times?|days?|weeks?|months?|years?|"
    r"hours?|minutes?|doses?|[-/%.]\d))",
    re.IGNORECASE,
)


def _tablets_taken(q: Quantity, theirs: list[Quantity], context: str) -> bool:
    """A dose that is the input's dose times the tablets it says were taken ("colchicine 1.2 mg"
    where the input says "point six milligrams" and "I took two")."""
    if q.unit_class not in DOSE_CLASSES or not q.base_value():
        return False
    ratios = {
        round(q.base_value() / c.base_value(), 6)
        for c in theirs
        if c.unit_class == q.unit_class and c.base_value()
    }
    if not ratios & {2.0, 3.0, 4.0}:
        return False  # the input is read only where a dose is two to four of its doses
    counts = {_COUNTS.get(m.group(1).lower()) or int(m.group(1)) for m in _TAKEN.finditer(context)}
    return bool(ratios & counts)


def _gestation_stated(q: Quantity, context: str) -> bool:
    """ "11/40" (weeks of gestation) where the input gives the same number of weeks."""
    if q.unit_class != "ratio" or q.second != 40 or q.value > 42:
        return False
    weeks = f"{q.value:g}"
    words = [w for w, n in NUMBER_WORDS.items() if n == q.value]
    number = "|".join([re.escape(weeks), *map(re.escape, words)])
    return re.search(rf"\b(?:{number})\s*(?:-\s*)?(?:weeks?|wks?)\b", context, re.I) is not None


_WHOLE_BEFORE = re.compile(r"(?<![\d./])(\d+)[-\s]$")  # the "2-" of "2-1/2 years"


def _mixed_number(q: Quantity, text: str) -> Quantity:
    """A fraction written after a whole number ("2-1/2 years", "1 1/2 tablets") as the one
    value it is (2.5 years), not a ratio 1/2."""
    if q.second is None or not 0 < q.value < q.second or q.second not in (2, 3, 4, 8):
        return q
    whole = _WHOLE_BEFORE.search(text, max(0, q.start - 5), q.start)
    if whole is None:
        return _fraction_of_unit(q, text)
    value = int(whole.group(1)) + q.value / q.second
    return replace(q, value=value, second=None, start=whole.start())


# a tablet named after a bare fraction ("1/2 tab", "1/4 tablet") that the analysis leaves unread
_TABLET_AFTER = re.compile(r"\s*(?:tabs?|tablets?|pills?)\b", re.IGNORECASE)


def _fraction_of_unit(q: Quantity, text: str) -> Quantity:
    """A fraction of a dose unit ("1/2 tablet", "1/4 tab") as the one value it is (0.5 tablet,
    as "half a tablet"), not a ratio 1/2 (session 20). ``q`` is a proper fraction."""
    assert q.second is not None
    if q.unit_class not in (None, "ratio"):
        return replace(q, value=q.value / q.second, second=None)
    if _TABLET_AFTER.match(text, q.end):
        return replace(q, value=q.value / q.second, second=None, unit_class="count", unit="tab")
    return q


def _not_a_value(q: Quantity, text: str) -> bool:
    """A number that is part of a word ("a1c", "b12"), of a date ("3/4/21", "12/2019") or of a
    clock time ("12:00", "08:00/20:00"); "x2 days" (twice, for two days) is a value."""
    if (
        q.start > 0
        and text[q.start - 1].isalpha()
        and (q.second is not None or not _TIMES_X.search(text, max(0, q.start - 2), q.start))
    ):
        return True  # "x10/7" (for ten days) stays unread: a course, told otherwise
    if _CLOCK_BEFORE.search(text, max(0, q.start - 3), q.start) and _MINUTES.match(text, q.start):
        return True  # the minutes of "12:00" (and "00/20" of "08:00/20:00")
    if (
        q.value < 90
        and q.unit_class == "temperature"
        and q.end - q.start <= 4
        and _AGE_SEX.match(text, q.end - 1)
    ):
        return True  # "44F" written as one word: an age and a sex
    date_tail = _DATE_TAIL.match(text, q.end) is not None
    if q.second is not None and _HOURS_AFTER.match(text, q.end):
        return True  # "(0/3 h)": the hours of two samples
    return q.second is not None and (q.second >= 1900 or date_tail)


_HOURS_AFTER = re.compile(r"\s*(?:h|hr|hrs|hours?)\b", re.IGNORECASE)
# "x2", "(x3 weeks)": a count of times or a course's length, not a number inside a word
_TIMES_X = re.compile(r"(?:^|[^\w])[x\u00d7]$", re.IGNORECASE)
_CLOCK_BEFORE = re.compile(r"(?<![\d.:])(?:[01]?\d|2[0-4]):$")  # the "12:" of "12:00"
_MINUTES = re.compile(r"[0-5]\d(?!\d)")


# a value stated as a change or a difference: "+1.2 L", "2.4 kg above dry weight", "down 3 kg"
_SIGNED_BEFORE = re.compile(
    r"(?:[+\u00b1]|\b(?:balance|net|gain(?:ed)?|los[st]|up|down|by|difference|deficit|excess)\s+)$",
    re.IGNORECASE,
)
_CHANGE_AFTER = re.compile(
    r"\s*(?:above|below|over|under|more|less|higher|lower|up|down|gain(?:ed)?|los[st]|"
    r"heavier|lighter)\b",
    re.IGNORECASE,
)


def _difference_of(q: Quantity, theirs: list[Quantity], output: str) -> bool:
    """Whether a value the output states as a change or a difference ("+1.2 L", "2.4 kg above
    dry weight") is the difference of two of the input's values of its unit class ("in 2.1 L,
    out 0.9 L"; "81.4 kg, dry weight 79 kg"): arithmetic on what the input says."""
    if q.unit is None or q.second is not None or not stated_as_change(q, output):
        return False
    return difference_of_two(q, [c for c in theirs if c.unit])


def stated_as_change(q: Quantity, text: str) -> bool:
    """Whether a value is written as a change or a difference ("+1.2 L", "2.4 kg above")."""
    return bool(
        _SIGNED_BEFORE.search(text, max(0, q.start - 12), q.start)
        or _CHANGE_AFTER.match(text, q.end)
    )


def difference_of_two(q: Quantity, theirs: list[Quantity]) -> bool:
    """Whether ``q`` is the difference of two of ``theirs`` of its unit class."""
    same = [c.base_value() for c in theirs if c.unit_class == q.unit_class]
    target = q.base_value()
    return any(
        abs(abs(a - b) - target) <= 0.01 * max(target, 1e-9)
        for i, a in enumerate(same)
        for b in same[i + 1 :]
    )


def _per_kg_of(q: Quantity, out: AnalyzedText, ctx: AnalyzedText) -> bool:
    """Whether a dose per kilogram the output works out ("8 g; ~148 mg/kg at 54 kg") is a total
    dose of the output or the input divided by a body weight either gives."""
    if not _per_kg(q, out.text):
        return False
    quantities = [*out.quantities, *ctx.quantities]
    weights = {c.base_value() for c in quantities if c.unit_class == "weight" and c.unit == "kg"}
    totals = {c.base_value() for c in quantities if c.unit_class == q.unit_class and c is not q}
    return any(
        abs(q.base_value() * w - t) <= _PER_KG_ROUNDING * t for w in weights for t in totals if t
    )


_PER_KG_ROUNDING = 0.03  # "~148 mg/kg": a worked-out dose per kilogram is rounded


def _unit_name(q: Quantity, text: str) -> str:
    return f"{q.unit}/kg" if _per_kg(q, text) else str(q.unit)


def _unit_swap(
    q: Quantity, out: AnalyzedText, ctx: AnalyzedText, theirs: list[Quantity]
) -> Quantity | None:
    """The input's quantity with the same number as ``q`` but another unit: a dose (88 mcg ->
    88 mg, 6 units -> 6 mL, mg/kg -> mg) or a duration (three weeks -> three days). None when
    the number is not there, or when several such quantities leave it ambiguous."""
    if q.unit_class is None or q.second is not None or q.unit_class == "count":
        return None
    dose = q.unit_class in DOSE_CLASSES
    anchors = window_stems(out.tokens, q.token_index, width=6)
    candidates: list[tuple[int, Quantity]] = []
    for c in theirs:
        if c.value != q.value or c.second is not None:
            continue
        if (c.unit_class in DOSE_CLASSES) != dose or (not dose and c.unit_class != q.unit_class):
            continue
        if _unit_name(c, ctx.text) == _unit_name(q, out.text) or same_value(
            q, c, out.text, ctx.text
        ):
            continue  # same unit, or 500 mg = 0.5 g: not a unit error
        theirs_said = window_stems(ctx.tokens, c.token_index, width=6) | _question_before(ctx, c)
        candidates.append((len(anchors & theirs_said), c))
    if not candidates:
        return None
    overlap, best = max(candidates, key=lambda x: x[0])
    if overlap == 0 and (len(candidates) > 1 or not dose):
        # a duration of another unit about something else ("1.9 one month ago" against
        # "repeat the blood count in one week") is no unit error
        return None
    return best


def _question_before(ctx: AnalyzedText, c: Quantity) -> set[str]:
    """The content stems of the question a value answers ("How long have you had the cough?
    - About three weeks."), if the sentence before it asks one."""
    if c.sentence == 0 or not ctx.sentences[c.sentence - 1].text.rstrip().endswith("?"):
        return set()
    return {t.stem for t in ctx.sentence_tokens(c.sentence - 1) if t.content}


def _relative_distance(q: Quantity, c: Quantity, out: AnalyzedText, ctx: AnalyzedText) -> float:
    """How far apart two values sit, as fractions of their texts (notes follow dialogues)."""
    return abs(c.start / max(len(ctx.text), 1) - q.start / max(len(out.text), 1))


_HOW_MANY = re.compile(r"\bhow\s+(?:many|much)\b", re.IGNORECASE)
_SETTLED_REACH = 3  # sentences into a reply turn that its settled number may come


def _asked_count(ctx: AnalyzedText, c: Quantity, counted: str | None = None) -> set[str]:
    """The content stems of a "how many ...?" question that the number ``c`` answers ("How
    many pillows? - Three."): a short reply right after it, or the number its turn settles on
    where the output's count counts what was asked (``counted``: the word after it)."""
    sent = c.sentence
    if sent == 0 or len(ctx.sentences[sent].text.split()) > 4:
        return set()
    if _HOW_MANY.search(ctx.sentences[sent - 1].text):
        return _question_before(ctx, c)
    # "How many pillows? - Just the one. Well... no, that's not right. Three now.": the number
    # a turn settles on a few sentences in answers the question before the turn too
    opens = next(
        (
            k
            for k in range(sent - 1, max(0, sent - 1 - _SETTLED_REACH), -1)
            if speaker_tag(ctx.sentences[k].text, 0) is not None
        ),
        None,
    )
    if opens is None or speaker_tag(ctx.sentences[sent].text, 0) is not None:
        return set()
    asked = ctx.sentences[opens - 1]
    if not _HOW_MANY.search(asked.text) or not asked.text.rstrip().endswith("?"):
        return set()
    stems = {t.stem for t in ctx.sentence_tokens(opens - 1) if t.content}
    # "~1 mo" against "How many pillows?": it counts something else
    return stems if counted is None or counted in stems else set()


def _counted_word(doc: AnalyzedText, q: Quantity) -> str | None:
    """The stem of the word a bare count counts, right after it ("1 pillow", "~1 mo"), or
    None where none follows in its sentence."""
    k = q.token_index + 1
    if q.unit_class is not None or k >= len(doc.tokens):
        return None
    after = doc.tokens[k]
    if after.sentence != doc.tokens[q.token_index].sentence or not after.text[0].isalpha():
        return None
    return after.stem


_ONE_UNIT = {
    "min": "minute",
    "h": "hour",
    "d": "day",
    "wk": "week",
    "mo": "month",
    "yr": "year",
    "l": "lit(?:re|er)",
    "g": "gram(?:me)?",
    "mg": "milligram(?:me)?",
    "mcg": "microgram(?:me)?",
}
# the class each unit of _ONE_UNIT measures, so "7 days" is "a week" and "1000 mg" "a gram"
_ONE_UNIT_CLASS = {"min": "time", "h": "time", "d": "time", "wk": "time", "mo": "time"}
_ONE_UNIT_CLASS |= {"yr": "time", "l": "volume", "g": "mass", "mg": "mass", "mcg": "mass"}
# saline is 0.9% sodium chloride by definition: "NaCl 0.9%" where the input says "saline"
_SALINE = re.compile(r"\b(?:normal\s+)?saline\b|\bnacl\b|\bsodium\s+chloride\b|\bNS\b", re.I)


# tablets counted by their strength, as patients say them: "two of the 500 ones", "two 500s"
_COUNTED = re.compile(
    r"\b(one|two|three|four|[1-4])\s+(?:of\s+(?:the|my)\s+)?(\d+(?:\.\d+)?)(?:s\b|\s*ones?\b)",
    re.IGNORECASE,
)
_COUNTS = {"one": 1, "two": 2, "three": 3, "four": 4}


def _counted_dose(q: Quantity, ctx: str) -> bool:
    """Whether a dose in mg or g is the input's tablets counted by strength ("paracetamol 1 g"
    where the input says "two of the 500 ones"; "ibuprofen 400 mg" for "two of the 200s")."""
    if q.unit not in ("mg", "g"):
        return False
    mg = q.value * (1000 if q.unit == "g" else 1)
    for m in _COUNTED.finditer(ctx):
        count = _COUNTS.get(m.group(1).lower()) or int(m.group(1))
        if abs(count * float(m.group(2)) - mg) < 1e-6:
            return True
    return False


def _saline_strength(q: Quantity, out: str, ctx: str) -> bool:
    """Whether ``q`` is the 0.9% of a saline the output names beside it and the input names."""
    if q.unit != "%" or q.value != 0.9:
        return False
    near = out[max(0, q.start - 20) : q.end + 20]
    return _SALINE.search(near) is not None and _SALINE.search(ctx) is not None


_MONTHS = (
    "jan(?:uary)?", "feb(?:ruary)?", "mar(?:ch)?", "apr(?:il)?", "may", "june?", "july?",
    "aug(?:ust)?", "sep(?:t(?:ember)?)?", "oct(?:ober)?", "nov(?:ember)?", "dec(?:ember)?",
)  # fmt: skip


def _written_otherwise(q: Quantity, ctx: str) -> bool:
    """A value the input gives in another common form: an age as "81F" or "64 M" (read there as
    degrees or left out), a day and month "15/10" as "15 October" or "October 15th"."""
    n = f"{q.value:g}"
    if q.unit_class == "age":
        return re.search(rf"\b{n}\s?[FM]\b", ctx) is not None
    if q.second is None or q.unit_class not in (None, "ratio") or not q.second.is_integer():
        return False
    day, month = int(q.value), int(q.second)
    if not (q.value.is_integer() and 1 <= day <= 31 and 1 <= month <= 12):
        return False
    name = _MONTHS[month - 1]
    day_rx = rf"{day}(?:st|nd|rd|th)?"
    return (
        re.search(rf"\b{day_rx}\s+(?:of\s+)?{name}\b|\b{name}\.?\s+{day_rx}\b", ctx, re.I)
        is not None
    )


def _one_of(unit: str | None, text: str, and_a_half: bool = False) -> bool:
    """Whether ``text`` gives one of a unit in words ("a minute", "an hour", "a litre"), or with
    ``and_a_half`` one and a half ("a litre and a half", "an hour and a half")."""
    word = _ONE_UNIT.get(unit or "")
    half = r"s?\s+and\s+a\s+half" if and_a_half else ""
    pattern = rf"\b(?:a|an|one)\s+{word}{half}\b"
    return word is not None and re.search(pattern, text, re.I) is not None


def _one_unit_said(q: Quantity, text: str) -> bool:
    """Whether ``text`` gives ``q``'s amount as one of another unit in words ("7 days" as "a
    week", "1 g" as "a gram", "60 min" as "an hour")."""
    if q.unit_class is None or q.second is not None:
        return False
    amount = q.base_value()
    for unit, kind in _ONE_UNIT_CLASS.items():
        factor = UNIT_FACTORS.get(unit)
        close = factor is not None and abs(amount - factor) <= 1e-6 * factor
        if kind == q.unit_class and close and _one_of(unit, text):
            return True
    return False


def _dose_of_new_drug(q: Quantity, out: AnalyzedText, ctx: AnalyzedText) -> bool:
    """Whether the drug named just before this dose (same sentence) is absent from the input."""
    if q.unit_class not in DOSE_CLASSES:
        return False
    # the drugs ending within 40 characters before the dose (drug mentions are in text order)
    hi = bisect_right(out.drugs, q.start, key=lambda d: d.end)
    lo = bisect_right(out.drugs, q.start - 40, key=lambda d: d.end)
    before = [
        d
        for d in out.drugs[lo:hi]
        if d.end <= q.start and out.text.count(".", d.end, q.start) == 0 and q.start - d.end < 40
    ]
    return bool(before) and before[-1].canonical not in ctx.drug_names


_PER_VOLUME = re.compile(r"\s*/\s*(?:\d+(?:\.\d+)?\s*)?(?:ml|l)\b", re.IGNORECASE)  # "mg/5 ml"


def _dose_drug(doc: AnalyzedText, q: Quantity) -> str | None:
    """The drug named before a value in its clause, or None; a bare number's drug may stand a
    few words further back in its sentence ("the spironolactone, the little one, 25")."""
    starts = [d.start for d in doc.drugs]
    drug = _drug_before(doc, starts, q.start)
    if drug is not None or q.unit is not None:
        return drug
    k = bisect_right(starts, q.start) - 1
    if k < 0 or doc.drugs[k].end > q.start:
        return None
    between = doc.text[doc.drugs[k].end : q.start]
    near = len(between) <= _BARE_REACH and not re.search(r"[.;:\n]", between)
    return doc.drugs[k].canonical if near else None


_BARE_REACH = 30  # characters from a drug to a bare number read as its dose


_BARE_DOSE = (0.2, 5.0)  # a bare number this near a dose may be the same drug's dose, said bare


def _near_dose(bare: Quantity, q: Quantity) -> bool:
    """Whether a bare number is near enough a dose to be read as that drug's dose ("25" for
    "50 mg"; not the "seven" of "at seven this morning" for "120 mg")."""
    return q.value > 0 and _BARE_DOSE[0] <= bare.value / q.value <= _BARE_DOSE[1]


def _another_drugs(q: Quantity, rival: Quantity, out: AnalyzedText, ctx: AnalyzedText) -> bool:
    """Whether an output value and the input value it would be compared with are said of two
    drugs the input both names ("ibuprofen 100 mg" is no rival of "paracetamol 120 mg/5 ml").
    A drug the input does not name keeps its nearest rival (a substituted drug's dose differs
    from the one it replaces) unless the output gives that rival as its own drug's too."""
    ours = _dose_drug(out, q)
    theirs = _dose_drug(ctx, rival)
    if ours is None or theirs is None or ours == theirs:
        return False
    # "clobetasone 0.05% ... then back to hydrocortisone 1%": the rival is accounted for
    return ours in ctx.drug_names or any(
        o is not q and same_value(o, rival) and _dose_drug(out, o) == theirs for o in out.quantities
    )


_STRENGTH_REACH = 80  # characters before a frequency where its product's strength is read


def _strengths(doc: AnalyzedText, at: int) -> set[float]:
    """Percent strengths named just before offset ``at`` in its sentence ("4-5 % benzoyl
    peroxide wash twice daily": {4, 5})."""
    found: set[float] = set()
    for q in doc.quantities:
        if (
            q.unit_class == "percent"
            and at - _STRENGTH_REACH <= q.start < at
            and "." not in doc.text[q.end : at]
        ):
            found.add(q.value)
            partner = _range_end(q, doc)
            if partner is not None:
                found.add(partner.value)
    return found


_RANGE_SPREAD = 1.5  # a range's upper end at most this many times its lower one reads as about
_RANGE_JOIN = re.compile(r"\s*(?:-|\u2013|to|or)\s*", re.IGNORECASE)


# a dose the text gives as the one before a change: "reduced from 80 mg", "(previously 125
# micrograms daily)", "was 5 mg"
_FORMER_BEFORE = re.compile(
    r"\b(?:from|previously|formerly|was|were|prev\.?|prior|old|instead\s+of|rather\s+than)"
    r"(?:\s+(?:a|the|dose\s+of))?\s*$",
    re.IGNORECASE,
)
# a dose followed by the one it changed to: "80 mg -> 40 mg", "80 mg BD to 40 mg BD"
_CHANGED_TO = re.compile(r"^[^,;.\n]{0,20}?(?:->|\u2192|\bto\s+\d|\bnow\b)", re.IGNORECASE)


def _former(doc: AnalyzedText, q: Quantity) -> bool:
    """Whether the text gives ``q`` as a dose before a change ("reduced from 80 mg to 40 mg")."""
    return (
        _FORMER_BEFORE.search(doc.text, max(0, q.start - 24), q.start) is not None
        or _CHANGED_TO.match(doc.text[q.end : q.end + 30]) is not None
    )


def _start_of_change_unsaid(q: Quantity, out: AnalyzedText, ctx: AnalyzedText) -> bool:
    """Whether the output gives ``q`` as the dose a change starts from ("folic acid 400 mcg ->
    5 mg") where the input gives the drug only the dose it changes to: the start is unsaid,
    not contradicted (an input that gives the start too is compared as usual)."""
    if q.unit_class not in DOSE_CLASSES or not _CHANGED_TO.match(out.text[q.end : q.end + 30]):
        return False
    drug = _dose_drug(out, q)
    if drug is None:
        return False
    after = [o for o in out.quantities if o.start > q.end and o.unit_class in DOSE_CLASSES]
    if not after or after[0].start - q.end > 30:
        return False
    starts = [d.start for d in ctx.drugs]
    doses = [
        c
        for c in ctx.quantities
        if c.unit_class in DOSE_CLASSES and _drug_before(ctx, starts, c.start) == drug
    ]
    return bool(doses) and all(same_value(after[0], c) for c in doses)


def _former_dose(
    q: Quantity, matched: list[Quantity], out: AnalyzedText, ctx: AnalyzedText
) -> tuple[str, Quantity] | None:
    """(drug, the input's dose of it now) where the output gives a drug ``q`` as its dose that
    the input gives only as the drug's former dose ("Gliclazide: now 80 mg twice a day" for
    "gliclazide reduced from 80 mg twice daily to 40 mg twice daily"); None otherwise."""
    if q.unit_class not in DOSE_CLASSES or _former(out, q):
        return None
    drug = _drug_before(out, [d.start for d in out.drugs], q.start)
    if drug is None:
        return None
    starts = [d.start for d in ctx.drugs]
    doses = [
        c
        for c in ctx.quantities
        if c.unit_class == q.unit_class and _drug_before(ctx, starts, c.start) == drug
    ]
    own = [c for c in matched if c in doses]
    if not own or not all(_former(ctx, c) for c in own):
        return None  # the input gives the dose as the drug's (or gives it of another drug)
    now = [c for c in doses if not _former(ctx, c) and not same_value(c, q)]
    return (drug, now[-1]) if now else None


def _left_unsaid(
    q: Quantity, same_class: list[Quantity], out: AnalyzedText, ctx: AnalyzedText
) -> Quantity | None:
    """The input's one value in the unit of ``q`` that the output never gives, where ``q`` is
    a value the input never gives, within twice or half of it ("Wt 74.8 kg (adm 77.2; dry ~70)"
    for "weight today 71.8 kg, admission weight 77.2 kg, dry weight around 70 kg"; "clinic
    126/78" where the clinic reading is the input's only blood pressure the output leaves out):
    the value written in its place. None when the input leaves out none or several."""
    pool = [
        c
        for c in same_class
        if c.unit == q.unit
        and (q.unit_class != "ratio" or _ratio_kind(q) == _ratio_kind(c))
        and not any(same_value(o, c, out.text, ctx.text) for o in out.quantities)
    ]
    if len({(c.value, c.second) for c in pool}) != 1 or q.value <= 0:
        return None
    c = pool[0]
    return c if 0.5 <= c.value / q.value <= 2 else None


def _range_end(q: Quantity, doc: AnalyzedText) -> Quantity | None:
    """The other end of a range ``q`` is one end of ("3-4 times", "2 to 3 days"), or None."""
    for p in doc.quantities:
        lo, hi = (p, q) if p.end <= q.start else (q, p)
        if p is not q and _RANGE_JOIN.fullmatch(doc.text, lo.end, hi.start):
            return p
    return None


def _combination_part(q: Quantity, ours: list[Quantity], theirs: list[Quantity]) -> bool:
    """Whether a dose is one part of a combination the input gives without units ("that's
    the 250/50 dose" for "250 mcg-50 mcg"): the output's sentence names the other part too."""
    if q.unit_class not in DOSE_CLASSES:
        return False
    for c in theirs:
        if c.second is None or c.unit is not None or q.value not in (c.value, c.second):
            continue
        other = c.second if q.value == c.value else c.value
        if any(o is not q and o.sentence == q.sentence and o.value == other for o in ours):
            return True
    return False


_SCORE_REACH = 2  # sentences after a score "out of N" where a bare earlier score may be said


def _score_said_bare(q: Quantity, theirs: list[Quantity]) -> bool:
    """A score "21/30" whose total the input gives with another score and whose points it says
    bare just after ("eighteen out of thirty. It was twenty-one last year")."""
    if q.second is None or q.value > q.second:
        return False
    totals = [c.sentence for c in theirs if c.second == q.second and c.value <= c.second]
    return any(
        c.second is None
        and c.unit_class is None
        and c.value == q.value
        and any(0 <= c.sentence - s <= _SCORE_REACH for s in totals)
        for c in theirs
    )


def _ratio_kind(q: Quantity) -> float | None:
    """What a two-part value measures, as far as its numbers tell: None for a pressure (the
    first part larger, "124/80"), else the score's total ("26/30", "5 out of 10": 30, 10)."""
    if q.second is None or q.value > q.second:
        return None
    return q.second


def _ratio_text(q: Quantity, c: Quantity) -> str | None:
    """ "x10" or "x1/2" when ``q`` is at least twice or at most half of ``c`` (same class)."""
    if q.unit_class != c.unit_class or q.second is not None or c.second is not None:
        return None
    if q.unit_class == "units" and q.unit != c.unit:
        return None
    a, b = q.base_value(), c.base_value()
    if a <= 0 or b <= 0:
        return None
    ratio = a / b
    if ratio >= 2:
        return f"x{ratio:.3g}"
    if ratio <= 0.5:
        return f"x1/{1 / ratio:.3g}"
    return None


# Doses a name of the input implies: (drug, mg) -> the name.
_NAMED_DOSES = {
    ("aspirin", 81.0): re.compile(r"\b(?:baby|low[- ]dose)\s+aspirins?\b", re.IGNORECASE),
}


def _named_dose(q: Quantity, out: AnalyzedText, ctx: AnalyzedText) -> bool:
    """Whether the output's dose is the one a name of the input implies ("baby aspirin")."""
    if q.unit_class != "mass":
        return False
    before = out.text[max(0, q.start - 24) : q.start].lower()
    for (drug, mg), name in _NAMED_DOSES.items():
        if drug in before and abs(q.base_value() - mg) < 0.5 and name.search(ctx.text):
            return True
    return False


_CLAUSE_BREAK = re.compile(r"[.!?]\s+[A-Z]|[;\n]")


# a rate the input rules out ("once a week ... not every day"): no rate it gives
_RATE_DENIED = re.compile(r"\b(?:not|never)\s+$", re.IGNORECASE)
_NEXT_ITEM = re.compile(r",\s+and\b|;")  # a list's next item ("..., and the blue one")


TABLETS_OF = re.compile(r"\b\d+\s*[x\u00d7]\s*$")  # "6 x 2.5 mg": a tablet's strength follows


def _drug_before(
    doc: AnalyzedText, starts: list[int], start: int, clause: bool = True
) -> str | None:
    """Canonical name of the last drug named before ``start`` in the same clause (``starts``:
    the drug mentions' starts, in order)."""
    k = bisect_right(starts, start) - 1
    while k >= 0 and doc.drugs[k].end > start:
        k -= 1
    if k < 0:
        return None
    found = doc.drugs[k]
    if clause and (start - found.end > 80 or _CLAUSE_BREAK.search(doc.text, found.end, start)):
        return None
    if clause and another_item(doc.text[found.end : start]):
        return None  # "hydroxyzine 25 mg qHS, emollient at least BID": another subject
    if clause and rate_then_joined(doc.text[found.end : start]):
        return None  # "alendronic acid 70 mg once weekly + Adcal-D3 1 tab BD": the next item's
    if clause and rate_closed(doc.text[found.end : start]):
        return None  # "Symbicort 2 puffs BD: reliever use 1-2x/week": the drug's rate was given
    return found.canonical


def rate_closed(between: str) -> bool:
    """Whether a rate followed by a colon stands between a drug and what follows: the drug's
    schedule is told, and the colon opens a statement about something else."""
    return any(between[m.end() :].lstrip().startswith(":") for m in _FREQ.finditer(between))


_JOINER = re.compile(r"[+&]|\bplus\b", re.IGNORECASE)


def rate_then_joined(between: str) -> bool:
    """Whether the text between a drug and a later word gives the drug its own rate and then
    joins another item ("once weekly + calcium 1 tab ...", "BD plus senna ...")."""
    m = _FREQ.search(between)
    return m is not None and _JOINER.search(between, m.end()) is not None


# what a frequency said just before it is the rate of, not a drug's: "QDS BP", "daily weights"
_MONITORING = re.compile(
    r"\s*(?:BP|blood pressures?|obs|observations|weights?|bloods|labs|INR|glucose|CBGs?|BMs?|"
    r"BGs?|blood sugars?|sugars|ketones|K|potassium|sodium|lactate|gas(?:es)?|[AV]BGs?|GCS|"
    r"neuro obs|urine output|ECGs?|sats|vitals|U&Es?|FBC|LFTs|temps?|temperatures?|pulse|"
    r"fluid balance|CK|UPTs?|pregnancy tests?|(?:drug\s+)?levels?|CRP|TFTs?|HbA1c|lipids|"
    r"tests?|checks?)\b",
    re.IGNORECASE,
)


_MONITORING_WORD = re.compile(
    _MONITORING.pattern.replace(r"\s*(?:", r"\b(?:", 1)[: -len(r")\b")]
    + r"|monitoring|checks?|tests?|testing|scans?|reviews?|appointments?)\b",
    re.IGNORECASE,
)
_CLAUSE_START = re.compile(r"[.;:!?\n]")


def checked_subject(doc: AnalyzedText, offset: int) -> bool:
    """Whether the frequency at ``offset`` is a check's rate by its clause's subject ("Bloods
    every two weeks, then monthly", "CBG monitoring QDS"): a monitoring word before it in its
    clause with no drug named after that word."""
    text = doc.text
    lo = max(0, offset - 80)
    cut = [m.end() for m in _CLAUSE_START.finditer(text, lo, offset)]
    lo = cut[-1] if cut else lo
    words = list(_MONITORING_WORD.finditer(text, lo, offset))
    if not words:
        return False
    first = words[0].start()
    return not any(first <= d.end and d.start < offset for d in doc.drugs)


def monitored(text: str, end: int) -> str | None:
    """The check named right after the frequency ending at ``end`` ("QDS BP": "BP"), whose
    rate it is, or None."""
    m = _MONITORING.match(text, end)
    return None if m is None else m.group()


def another_item(between: str) -> bool:
    """Whether the text between a drug and a word said of it starts another item of a list: a
    semicolon, or a comma or plus followed by words that are not part of a dosing instruction
    ("hydroxyzine 25 mg, emollient BID" but not "morphine liquid, 5 milligrams by mouth")."""
    if ";" in between:
        return True
    joint = _ITEM_JOINT.search(between)
    words = re.findall(r"[A-Za-z]{2,}", between[joint.end() :]) if joint else []
    return any(
        w.lower() not in _DOSING_WORDS
        and w.lower() not in _TIMING_WORDS
        and w.lower() not in NUMBER_WORDS
        for w in words
    )


# words of a dose's amount and time that keep it with its drug ("Humulin, fourteen units in the
# morning, given under the skin")
_TIMING_WORDS = frozenset({"in", "the", "at", "a", "an", "on", "by", "per", "before", "after"})


# what joins two items of a list: a comma, or a plus ("alendronate 70 mg weekly + Adcal 1 BD")
_ITEM_JOINT = re.compile(r",|\+|\bplus\b", re.IGNORECASE)


# Words of a dosing instruction that keep a frequency with the drug before a comma ("lisinopril
# 10 mg, take one tablet daily").
_DOSING_WORDS = frozenset(
    {
        "take",
        "takes",
        "taking",
        "tablet",
        "tablets",
        "capsule",
        "capsules",
        "mouth",
        "orally",
        "with",
        "food",
        "meals",
        "then",
        # a change of route or form of the same drug: "IV for 48 hours, then switch to oral"
        "switch",
        "switched",
        "step",
        "down",
        "to",
        "dose",
        "doses",
        "puff",
        "puffs",
        "drop",
        "drops",
        "unit",
        "units",
        "once",
        "twice",
        "three",
        "four",
        "times",
        "every",
        "each",
        "daily",
        "nightly",
        "morning",
        "evening",
        "night",
        "bedtime",
        "least",
        "most",
        "about",
        "around",
        "only",
        "also",
        "given",
        "used",
        "uses",
        "apply",
        "applied",
        "inhaled",
        "injected",
        "subcutaneously",
        "intravenously",
        "after",
        "before",
        "needed",
        "hours",
        "days",
    }
    | {"mg", "mcg", "ml", "iu", "po", "iv", "sc", "im", "pr", "prn", "qd", "od", "bd", "by", "as"}
    | {"at", "in", "of", "the", "an", "per", "day", "tab", "tabs", "cap", "caps", "hs", "qhs"}
    | {"milligrams", "micrograms", "grams", "liquid", "solution", "syrup", "suspension", "cream"}
    | {"max", "maximum", "up", "to", "no", "more", "than", "not", "when", "required", "if"}
)


def _sentence_stems(doc: AnalyzedText, offset: int) -> frozenset[str]:
    """Content stems of the sentence at ``offset``."""
    if not doc.tokens:
        return frozenset()
    i = max(bisect_right(doc.tokens, offset, key=lambda t: t.start) - 1, 0)
    return frozenset(t.stem for t in doc.sentence_tokens(doc.tokens[i].sentence) if t.content)


_CARRY_REACH = 300  # characters back a conversation's frequency looks for its drug


class _Subject:
    """What a frequency is said of: the drug named just before it in its clause and the content
    stems around it. An answer ("Maybe twice a week.") is about its question ("How often do you
    use the albuterol inhaler?"), so it takes the question's drug and words too."""

    def __init__(self, doc: AnalyzedText) -> None:
        self.doc = doc
        self.token_starts = [t.start for t in doc.tokens]
        self.drug_starts = [d.start for d in doc.drugs]

    def of(self, offset: int, carry: bool = False) -> tuple[str | None, frozenset[str]]:
        """The drug and topic of a frequency at ``offset``; with ``carry`` (a conversation), a
        frequency with no drug of its own is the drug's named in the turns just before
        ("...the hydromorphone? - She takes it twice a day. - The prescription says every six
        hours")."""
        doc = self.doc
        if not doc.tokens:
            return None, frozenset()
        i = max(bisect_right(self.token_starts, offset) - 1, 0)
        checked = checked_subject(doc, offset)  # "Bloods every two weeks": no drug's rate
        drug = None if checked else _drug_before(doc, self.drug_starts, offset)
        if drug is None and carry and not checked:
            k = bisect_right(self.drug_starts, offset) - 1
            if k >= 0 and offset - doc.drugs[k].end <= _CARRY_REACH:
                sentence = doc.tokens[i].sentence
                first = doc.sentences[max(0, sentence - 3)].span[0]
                # not past another item of the frequency's own sentence ("Amlodipine in the
                # morning, and the brown one twice a day")
                own = doc.sentences[sentence].span[0]
                joined = doc.drugs[k].start >= own and _NEXT_ITEM.search(
                    doc.text, doc.drugs[k].end, offset
                )
                if doc.drugs[k].start >= first and not joined:
                    drug = doc.drugs[k].canonical
        stems = set(window_stems(doc.tokens, i, width=8))
        sentence = doc.tokens[i].sentence
        if ";" in doc.text[doc.sentences[sentence].span[0] : doc.sentences[sentence].span[1]]:
            # "continue the same dose; bloods every 6 months": the part of its own ";" only
            span = doc.sentences[sentence].span
            left = doc.text.rfind(";", span[0], offset)
            right = doc.text.find(";", offset, span[1])
            lo, hi = (left if left >= 0 else span[0]), (right if right >= 0 else span[1])
            stems &= {t.stem for t in doc.tokens[max(0, i - 8) : i + 9] if lo <= t.start < hi}
        if sentence > 0 and doc.sentences[sentence - 1].text.rstrip().endswith("?"):
            opening = doc.text[doc.sentences[sentence].span[0] : offset]
            if len(opening.split()) <= 4:
                prev = doc.sentences[sentence - 1].span
                stems |= {t.stem for t in doc.sentence_tokens(sentence - 1) if t.content}
                if drug is None and not checked:
                    drug = _drug_before(doc, self.drug_starts, prev[1], clause=False)
                    if drug is not None and not self._named_in(prev, drug):
                        drug = None
        return drug, frozenset(stems)

    def _named_in(self, span: tuple[int, int], drug: str) -> bool:
        k = bisect_right(self.drug_starts, span[0] - 1)
        return any(d.canonical == drug and d.start < span[1] for d in self.doc.drugs[k : k + 8])


# Words that may stand between an analyte and its value ("INR of 8.2", "potassium was 6.8").
_LAB_FILLERS = frozenset(
    {"of", "was", "is", "at", "level", "levels", "came", "back", "now", "the", "a", "value", "were"}
    | {"rose", "increased", "decreased", "fell", "dropped", "up", "down", "from", "to"}
    | {"has", "have", "come", "today", "this", "morning", "been", "just", "checked", "only"}
    | {"it", "it's", "its"}
    | {"very", "low", "high", "slightly", "raised", "elevated", "quite", "dangerously"}
    | {"on", "arrival", "admission", "presentation"}
)
_WHEN_AFTER = re.compile(
    r"\s*(?:-\s*)?(?:hourly|h|hrs?|hours?|mo|mos|mths?|months?|wks?|weeks?|/52|/12|/7|o'clock)\b"
    r"|:\d\d",
    re.IGNORECASE,
)
_POINT_CUT = re.compile(
    r"\s+\.\s+(?:zero|one|two|three|four|five|six|seven|eight|nine|\d)\b", re.IGNORECASE
)
_A1C = re.compile(r"\b(?:h(?:a)?emoglobin\s|hb\s?)?a1c$", re.IGNORECASE)
# values with these units are no laboratory result: "84-year-old" is not "HR 84"
_OTHER_KINDS = frozenset({"age", "mass", "volume", "units", "length", "weight"})
_CARRIED_CLASSES = frozenset({None, "conc", "count"})  # a result's units, not a dose's
_ANALYTE_REACH = 10  # tokens back from a bare value that opens its sentence, for its analyte
_LAB_REACH = 4  # tokens before a value searched for its analyte ("calcium came back at 14.2")
_LAB_INDEX: dict[str, list[list[str]]] = {}
for _name in sorted(LABS, key=lambda n: -len(n.split())):
    _LAB_INDEX.setdefault(_name.split()[-1], []).append(_name.split())


def _close(a: float, b: float) -> bool:
    """Equal values, counting a count in thousands as the same ("Plt 12" and "12,000")."""
    return any(
        abs(x - y) <= 1e-6 * max(1.0, abs(x), abs(y))
        for x, y in ((a, b), (a * 1000, b), (a, b * 1000))
    )


def _analyte_ending_at(doc: AnalyzedText, k: int) -> tuple[str, int] | None:
    """The analyte whose name ends at token ``k`` ("potassium", "potassium's", "K"), and where
    its name starts. Names of one or two letters count only in upper case ("K", "BG")."""
    toks = doc.tokens
    a1c = _A1C.search(doc.text, max(0, toks[k].end - 16), toks[k].end)
    if a1c is not None and toks[k].text == "c":
        return "a1c", a1c.start()  # "HbA1c" is read as the words "hba", "1", "c"
    last = toks[k].text.removesuffix("'s")
    for words in _LAB_INDEX.get(last, ()):
        first = k - len(words) + 1
        if first < 0 or [t.text for t in toks[first:k]] + [last] != words:
            continue
        surface = doc.text[toks[first].start : toks[first].start + len(" ".join(words))]
        if len(surface) <= 2 and surface == surface.lower():
            continue  # "k", "bs": a word, unless written as a name ("K", "pH")
        return LABS[" ".join(words)], toks[first].start
    return None


def _aside(doc: AnalyzedText, k: int) -> bool:
    """Token ``k`` is a speaker's tag ("Nurse:") or a word in brackets ("sodium (salt) level")."""
    tok = doc.tokens[k]
    if not tok.text[:1].isalpha():
        return False  # "10" of "10:00" is no speaker
    before, after = doc.text[max(0, tok.start - 1) : tok.start], doc.text[tok.end : tok.end + 1]
    return (before == "(" and after == ")") or speaker_tag(doc.text, tok.start) is not None


def _analyte_said_before(doc: AnalyzedText, k: int, q: Quantity) -> tuple[str, int] | None:
    """The analyte named last in the few words up to token ``k`` (the end of the sentence
    before a value that opens its sentence with no analyte of its own: "your potassium. It came
    back at six point four"; "your INR. - Oh yes. - It's come back at seven point eight"), over
    at most one short reply between; None when a value follows that name already."""
    toks = doc.tokens
    sentences = {toks[k].sentence}
    for i in range(k, max(-1, k - _ANALYTE_REACH), -1):
        sentences.add(toks[i].sentence)
        if len(sentences) > 2:
            return None
        named = _analyte_ending_at(doc, i)
        if named is not None:
            if any(toks[i].end <= c.start < q.start for c in doc.quantities):
                return None  # "potassium 4.1. Six point nine ...": the name has its value
            return named
    return None


def _clock_word(toks: list[Token], k: int) -> bool:
    """Whether token ``k`` is "o'clock" or the hour said before it ("four o'clock")."""
    nxt = toks[k + 1].text if k + 1 < len(toks) else ""
    return toks[k].text == "o'clock" or (nxt == "o'clock" and toks[k].text in NUMBER_WORDS)


def lab_name(doc: AnalyzedText, q: Quantity) -> tuple[str, int] | None:
    """The analyte named right before a value ("K 6.8", "INR of 8.2", "your potassium. It came
    back at six point four"), and where its name starts; None when no analyte is named there."""
    toks = doc.tokens
    j = q.token_index
    while j > 0 and toks[j].start > q.start:
        j -= 1  # the value's first token ("twenty" of "twenty six")
    if toks[j].start != q.start or _WHEN_AFTER.match(doc.text, q.end):
        return None  # "repeat Na 4 h", "HbA1c 3 mo", "K 10:00": when a check is due
    if _POINT_CUT.match(doc.text, q.end):
        return None  # "a1c was six . seven": a transcript's "point" cut the value in two
    sentence = toks[j].sentence
    k = j - 1
    reach = _LAB_REACH
    while reach > 0:
        reach -= 1
        if k < 0:
            return None
        if _clock_word(toks, k):
            reach += 1  # "INR came back at four o'clock, 8.2": when, not what
            k -= 1
            continue
        if toks[k].sentence != sentence:
            carried = q.unit_class in _CARRIED_CLASSES
            return _analyte_said_before(doc, k, q) if carried else None
        named = _analyte_ending_at(doc, k)
        if named is not None:
            return named
        if toks[k].text not in _LAB_FILLERS and not _aside(doc, k):
            return None
        k -= 1
    while k >= 0 and toks[k].sentence == sentence and _aside(doc, k):
        k -= 1  # "Doctor: It's come back at"
    if k >= 0 and toks[k].sentence != sentence and q.unit_class in _CARRIED_CLASSES:
        return _analyte_said_before(doc, k, q)  # "It's come back at" fills the reach
    return None


# A value that an analyte's result introduces as its earlier or later value: "creatinine 1.4, up
# from 0.9", "troponin rose from 0.3 to 2.4", "hemoglobin 6.1 (baseline 11)".
_PRIOR_LINK = re.compile(
    r"(?:\b(?:up|down|increased|decreased|rose|risen|rising|fell|fallen|falling|dropped|improved|"
    r"worsened)\s+)?\bfrom\s*$|\b(?:previously|prior|baseline(?:\s+of)?|versus|vs\.?|"
    r"compared\s+(?:with|to))\s*$",
    re.IGNORECASE,
)
_TO_LINK = re.compile(r"^\s*(?:[a-zA-Z/]+\s+)?(?:to|then)\s*$", re.IGNORECASE)  # "from 0.3 to 2.4"


def lab_results(doc: AnalyzedText) -> dict[str, list[tuple[int, Quantity]]]:
    """Each analyte's results in a text: (start of its name, the value). A value linked to the
    result just before it in its sentence ("up from 0.9") is that analyte's too."""
    found: dict[str, list[tuple[int, Quantity]]] = {}
    for q, named in lab_names(doc):
        found.setdefault(named[0], []).append((named[1], q))
    return found


def lab_names(doc: AnalyzedText) -> Iterator[tuple[Quantity, tuple[str, int]]]:
    """(value, (analyte, start of its name)) for each laboratory value of ``doc``, named
    directly or linked to the named result before it in its sentence."""
    last: tuple[Quantity, tuple[str, int]] | None = None
    after_from = False
    for q in doc.quantities:
        named = lab_name(doc, q)
        if named is None and last is not None and last[0].sentence == q.sentence:
            between = doc.text[last[0].end : q.start]
            if len(between) <= 40 and (
                _PRIOR_LINK.search(between) or (after_from and _TO_LINK.match(between))
            ):
                named = last[1]
        if named is not None:
            before = doc.text[max(0, q.start - 12) : q.start]
            after_from = re.search(r"\bfrom\s*$", before, re.IGNORECASE) is not None
            last = (q, named)
            yield q, named
        elif q.unit_class is not None and q.unit_class != "ratio":
            last = None  # a dose or a duration ends the analyte's run


@verifiers.register("numbers.v1")
class NumbersRule(Rule):
    name = "numbers.v1"

    def __init__(
        self,
        dose_risk: int = 4,
        value_risk: int = 3,
        unsupported_risk: int = 2,
        frequency_risk: int = 4,
    ) -> None:
        self.dose_risk = dose_risk
        self.value_risk = value_risk
        self.unsupported_risk = unsupported_risk
        self.frequency_risk = frequency_risk

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None
        out_freqs = frequencies(out)
        findings = self._frequency_findings(view, out_freqs)
        if not out.quantities:
            return findings  # no value in the output: the input's values are not read
        in_freq = [(f.start, f.end) for f in out_freqs]
        theirs = [
            _mixed_number(c, ctx.text) for c in ctx.quantities if not _not_a_value(c, ctx.text)
        ]
        ctx_labs = lab_results(ctx)
        out_labs = {id(q): named for q, named in lab_names(out)}
        for q in [_mixed_number(o, out.text) for o in out.quantities]:
            if any(s <= q.start and q.end <= e for s, e in in_freq) and q.unit_class == "time":
                continue  # "every 4 hours" is read as a frequency above
            if _not_a_value(q, out.text):
                continue
            matched = [c for c in theirs if same_value(q, c, out.text, ctx.text)]
            former = _former_dose(q, matched, out, ctx) if matched else None
            if former is not None:
                findings.append(self._former_finding(view, q, *former))
                continue
            if matched and not _bare_repeats(q, matched, theirs):
                if q.unit_class is not None or any(
                    c.unit_class not in _OTHER_KINDS for c in matched
                ):
                    continue
                # a bare result ("HR 84") that the input gives only as a value with a unit
                # ("84-year-old") is compared with its analyte's results
                finding = self._lab_finding(view, q, ctx_labs, out_labs)
                if finding is not None:
                    findings.append(finding)
                continue
            partner = _range_end(q, out)
            if (
                partner is not None
                and 0 < partner.value < q.value <= _RANGE_SPREAD * partner.value
                and any(same_value(partner, c, out.text, ctx.text) for c in theirs)
            ):
                # "3-4 times a week" where the input says "three times a week": a narrow range
                # up from the value said ("20 to 90 minutes" for "twenty thirty" is no such one)
                continue
            if _combination_part(q, out.quantities, theirs):
                continue  # "250 mcg-50 mcg/dose" where the input says "the 250/50 dose"
            if _score_said_bare(q, theirs):
                continue  # "MMSE 18/30 (21/30 last year)" for "18 out of 30. It was 21 ..."
            if _gestation_stated(q, ctx.text) or _total_of(q, theirs, out.text):
                continue
            if _difference_of(q, theirs, out.text) or _per_kg_of(q, out, ctx):
                continue  # arithmetic on the input's values
            if _tablets_taken(q, theirs, ctx.text):
                continue
            if _saline_strength(q, out.text, ctx.text) or _written_otherwise(q, ctx.text):
                continue
            finding = self._lab_finding(view, q, ctx_labs, out_labs)
            if finding is None and _start_of_change_unsaid(q, out, ctx):
                finding = self._unsaid_start(view, q)
            if finding is None:
                finding = self._value_finding(view, q, theirs)
            if finding is not None:
                findings.append(finding)
        return findings

    def _unsaid_start(self, view: CaseDoc, q: Quantity) -> Finding:
        """A dose the output changes from where the input gives only the dose changed to."""
        surface = view.output.text[q.start : q.end]
        return self.finding(
            view,
            ErrorCategory.DETAIL_MISIDENTIFICATION,
            self.unsupported_risk,
            (q.start, q.end),
            f"former dose '{surface}' does not appear in the input, which gives only the new one",
            confidence=0.55,
        )

    def _former_finding(self, view: CaseDoc, q: Quantity, drug: str, now: Quantity) -> Finding:
        """The finding for a drug's former dose given as its dose ("gliclazide 80 mg" where the
        input reduced it from 80 mg to 40 mg)."""
        out, ctx = view.output, view.context
        assert ctx is not None
        surface, stated = out.text[q.start : q.end], ctx.text[now.start : now.end]
        return self.finding(
            view,
            ErrorCategory.DETAIL_MISIDENTIFICATION,
            self.dose_risk,
            (q.start, q.end),
            f"dose: '{surface}' is the input's former dose of {drug}; its dose now is '{stated}'",
            relation=CONTRADICTED,
            context_span=(now.start, now.end),
            suggestion=stated,
            confidence=0.8,
        )

    def _lab_finding(
        self,
        view: CaseDoc,
        q: Quantity,
        ctx_labs: dict[str, list[tuple[int, Quantity]]],
        out_labs: dict[int, tuple[str, int]],
    ) -> Finding | None:
        """A laboratory result ("K 4.8") whose analyte the input gives only other values for."""
        out, ctx = view.output, view.context
        assert ctx is not None
        named = out_labs.get(id(q))
        if named is None:
            return None
        analyte, name_start = named
        results = ctx_labs.get(analyte)
        if not results or any(_close(q.value, c.value) for _, c in results):
            return None
        # the result the output gives no value of is the one written over ("CBG 9.1 on arrival
        # -> 8.4" for "glucose on arrival 1.9 ... glucose 8.4")
        given = [o.value for o in out.quantities if o is not q]
        unsaid = [r for r in results if not any(_close(v, r[1].value) for v in given)]
        c_start, c = min(unsaid or results, key=lambda r: abs(r[1].value - q.value))
        surface = out.text[name_start : q.end]
        stated = ctx.text[c_start : c.end]
        # the result is named with its value, for the policy's critical limits where words stand
        # between them ("your potassium. It came back at six point four")
        said = f" {c.value:g}"
        return self.finding(
            view,
            ErrorCategory.DETAIL_MISIDENTIFICATION,
            self.value_risk,
            (name_start, q.end),
            f"lab value: '{surface}' differs from the input's '{stated}' ({analyte}{said})",
            relation=CONTRADICTED,
            context_span=(c_start, c.end),
            suggestion=stated,
            confidence=0.85,
        )

    def _value_finding(self, view: CaseDoc, q: Quantity, theirs: list[Quantity]) -> Finding | None:
        out, ctx = view.output, view.context
        assert ctx is not None
        if TABLETS_OF.search(out.text, max(0, q.start - 8), q.start):
            return None  # "15 mg (6 x 2.5 mg)": the strength of each tablet, not the dose
        if q.second is not None and {q.value, q.second} <= {c.value for c in theirs}:
            return None  # "(205/29 in March)": two values the input gives, written as a pair
        if _named_dose(q, out, ctx):
            return None  # "aspirin 81 mg" where the input says "baby aspirin"
        surface = out.text[q.start : q.end]
        unit_rival = _unit_swap(q, out, ctx, theirs)
        if unit_rival is not None:
            per_kg = PER_KG.match(ctx.text, unit_rival.end)
            stated = ctx.text[unit_rival.start : per_kg.end() if per_kg else unit_rival.end]
            units = f"{_unit_name(q, out.text)} vs {_unit_name(unit_rival, ctx.text)}"
            dose = q.unit_class in DOSE_CLASSES
            return self.finding(
                view,
                ErrorCategory.DETAIL_MISIDENTIFICATION,
                self.dose_risk if dose else self.value_risk,
                (q.start, q.end),
                f"unit class error: dose '{surface}' is the input's '{stated}' with another unit "
                f"({units})"
                if dose
                else f"unit changed: '{surface}' is the input's '{stated}' with another unit "
                f"({units})",
                relation=CONTRADICTED,
                context_span=(unit_rival.start, unit_rival.end),
                suggestion=stated,
                confidence=0.9,
            )
        if _one_unit_said(q, ctx.text):
            return None  # "~1 min" for "maybe a minute", "x 7 days" for "a week of"
        if q.value == 1.5 and _one_of(q.unit, ctx.text, and_a_half=True):
            return None  # "1.5 L" where the input says "a litre and a half"
        anchors = clause_window_stems(out, q.token_index)
        counted = _counted_word(out, q)
        rivals = []
        answered = False
        for c in theirs:
            if q.unit_class is None and c.unit_class is not None:
                continue
            if q.unit_class is not None and c.unit_class != q.unit_class:
                continue
            if _calendar_year(q, out.text) != _calendar_year(c, ctx.text):
                continue  # "in 2005" dates an event; it is no count ("four" surgeries)
            if q.unit_class == "ratio" and _ratio_kind(q) != _ratio_kind(c):
                continue  # a pain score of 5/10 is no blood pressure and no strength of 5/5
            if c.unit_class == "age" and _SOMEONE_ELSES.search(
                ctx.text, max(0, c.start - 20), c.start
            ):
                continue  # "i chase my two four-year-olds": a child's age, not the patient's
            asked = _asked_count(ctx, c, counted) if q.unit_class is None else set()
            overlap = len(anchors & (clause_window_stems(ctx, c.token_index) | asked))
            answered = answered or bool(anchors & asked)
            rivals.append((overlap, c))
        same_class = [c for _, c in rivals]
        best = max(rivals, key=lambda r: r[0], default=(0, None))
        # a count is compared where it answers a "how many" question about the same thing
        rival = best[1] if best[0] > 0 and (q.unit_class is not None or answered) else None
        if _dose_of_new_drug(q, out, ctx):
            rival = None  # "start prednisone 40 mg": no dose in the input to compare with
        elif rival is None and q.unit_class is not None and same_class:
            # The input speaks of the same kind of value (a dose, a duration), not this one.
            same_unit = [c for c in same_class if c.unit == q.unit]
            if q.unit_class in _SPECIFIC or (same_unit and q.unit_class != "time"):
                pool = same_class if q.unit_class in _SPECIFIC else same_unit
                if q.unit_class in DOSE_CLASSES or len(pool) == 1:
                    # another value of a non-dose class is about something else unless it is
                    # the input's only one ("feeds 50%" is not "saturations above 92%")
                    rival = min(pool, key=lambda c: _relative_distance(q, c, out, ctx))
        if (
            rival is None
            and q.unit_class not in (None, *DOSE_CLASSES)
            and not _dose_of_new_drug(q, out, ctx)
        ):
            rival = _left_unsaid(q, same_class, out, ctx)
        is_dose = q.unit_class in DOSE_CLASSES
        if rival is not None and _another_drugs(q, rival, out, ctx):
            # "paracetamol 120 mg/5 ml" is not the input's "ibuprofen 100 mg": the drug's own
            # value of this class, if the input gives one, is the rival
            drug = _dose_drug(out, q)
            ours = [
                c
                for c in theirs
                if (c.unit_class == q.unit_class or (c.unit is None and _near_dose(c, q)))
                and c.second is None
                and _dose_drug(ctx, c) == drug
            ]  # its own dose, said with a unit or bare ("the spironolactone, the little one, 25")
            rival = min(ours, key=lambda c: _relative_distance(q, c, out, ctx), default=None)
        if rival is not None:
            stated = ctx.text[rival.start : rival.end]
            ratio = _ratio_text(q, rival) if is_dose else None
            what = f"dose {ratio}" if ratio else ("dose" if is_dose else "value")
            return self.finding(
                view,
                ErrorCategory.DETAIL_MISIDENTIFICATION,
                self.dose_risk if is_dose else self.value_risk,
                (q.start, q.end),
                f"{what}: '{surface}' differs from the input's '{stated}'",
                relation=CONTRADICTED,
                context_span=(rival.start, rival.end),
                suggestion=stated,
                confidence=0.9 if ratio and best[0] else (0.85 if best[0] else 0.65),
            )
        if (
            q.unit_class is not None
            and not _saline_strength(q, out.text, ctx.text)
            and not _counted_dose(q, ctx.text)
        ):
            strength = _PER_VOLUME.match(out.text, q.end) is not None
            return self.finding(
                view,
                ErrorCategory.DETAIL_MISIDENTIFICATION,
                # a product's strength ("120 mg/5 ml") is no dose given: check it, no more
                max(self.unsupported_risk, 3)
                if is_dose and not strength
                else self.unsupported_risk,
                (q.start, q.end),
                f"value '{surface}' does not appear in the input",
                confidence=0.55,
            )
        return None

    def _frequency_findings(self, view: CaseDoc, out_freqs: list[Frequency]) -> list[Finding]:
        """Frequencies of the output that the input gives another rate for the same thing."""
        out, ctx = view.output, view.context
        assert ctx is not None
        out_freqs = [f for f in out_freqs if monitored(out.text, f.end) is None]
        if not out_freqs:
            return []
        ctx_freqs = [
            f
            for f in frequencies(ctx)
            if monitored(ctx.text, f.end) is None
            and not _RATE_DENIED.search(ctx.text, max(0, f.start - 16), f.start)
        ]
        if not ctx_freqs:
            return []
        subject = _Subject(ctx)
        ctx_keys = [(f, *subject.of(f.start, carry=ctx.is_dialogue)) for f in ctx_freqs]
        out_subject = _Subject(out)
        findings = []
        for f in out_freqs:
            drug, topic = out_subject.of(f.start)
            if drug is None and _DOSE_BEFORE.search(out.text, max(0, f.start - 24), f.start):
                # "Counselling - methotrexate (RA)\nDose: 15 mg ONCE DAILY": a dose with no drug
                # of its own is the drug's named a few words before, past no sentence's end
                k = bisect_right(out_subject.drug_starts, f.start) - 1
                between = out.text[out.drugs[k].end : f.start] if k >= 0 else "."
                if (
                    not re.search(r"[.;]", between)
                    and len(between.split()) <= 6
                    and not rate_then_joined(between)
                ):
                    drug = out.drugs[k].canonical
            if f.per_day == 1 and any(
                g is not f
                and abs(g.start - f.start) <= 60
                and abs(g.per_day - c.per_day) <= 0.05 * c.per_day
                and (drug is None or out_subject.of(g.start)[0] in (None, drug))
                and not _JOINER.search(out.text, min(f.end, g.end), max(f.start, g.start))
                and not re.search(r"[;\n]", out.text[min(f.end, g.end) : max(f.start, g.start)])
                for g in out_freqs
                for c in ctx_freqs
            ):
                # "twice a day through the spacer, every day": the daily use told twice; not
                # another named drug's rate beside it ("bisoprolol OD; methotrexate once daily")
                continue
            strength = _strengths(out, f.start)
            dose = dose_before(out, f.start)
            # a dose the input gives too: its rate is that regimen's, not another dose's
            dose_stated = dose is not None and any(
                same_value(dose, c, out.text, ctx.text) for c in ctx.quantities
            )
            scored = []
            for c, c_drug, c_topic in ctx_keys:
                theirs = _strengths(ctx, c.start) if strength else set()
                if theirs and not theirs & strength:
                    continue  # "4-5% wash twice daily" vs "10% foaming wash daily": two products
                their_dose = dose_before(ctx, c.start) if dose_stated else None
                if their_dose is not None and not same_value(dose, their_dose, out.text, ctx.text):
                    continue  # "30 mg BD" vs a breakthrough "5 mg ... every hour": two regimens
                if drug is not None and c_drug is None and their_dose is not None:
                    # "180 mg every 6 hours" against the input's "180 milligrams, no more than
                    # every 6 hours" with no drug named: the same dose is the same regimen
                    score = 2 + len(topic & c_topic)
                elif drug is not None or c_drug is not None:
                    # a drug's schedule compares only with the same drug's
                    score = 3 + len(topic & c_topic) if drug == c_drug else 0
                else:
                    shared = len(topic & c_topic)
                    score = shared if shared >= 2 else 0  # "ice 3 times daily" vs "ice ..."
                if score:
                    scored.append((score, c))
            if not scored or any(f.agrees(c) for _, c in scored):
                continue
            if drug is None and any(
                abs(c.per_day - f.per_day) <= 0.05 * c.per_day
                and len(topic & _sentence_stems(ctx, c.start)) >= 2
                for c in ctx_freqs
            ):
                continue  # the same rate said of the same thing elsewhere in its sentence
            if drug is None and any(
                abs(c.per_day - f.per_day) <= 0.05 * c.per_day and c_drug is None and topic & c_t
                for c, c_drug, c_t in ctx_keys
            ):
                # a rate of no drug the input gives, said of something it shares ("BO every 4
                # days" for "constipation, opening bowels every 4 days"), not another's rate
                continue
            c = max(scored, key=lambda s: (s[0], -s[1].start))[1]
            ratio = f.per_day / c.per_day
            surface, stated = out.text[f.start : f.end], ctx.text[c.start : c.end]
            rates = f"{_fmt_rate(f.per_day)} vs {_fmt_rate(c.per_day)}"
            if ratio > 1:
                message = (
                    f"frequency escalation x{ratio:.3g}: '{surface}' where the input has "
                    f"'{stated}' ({rates})"
                )
                risk = self.frequency_risk if drug is not None else self.value_risk
            else:
                message = (
                    f"frequency reduced x1/{1 / ratio:.3g}: '{surface}' where the input has "
                    f"'{stated}' ({rates})"
                )
                risk = self.value_risk
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    risk,
                    (f.start, f.end),
                    message,
                    relation=CONTRADICTED,
                    context_span=(c.start, c.end),
                    suggestion=stated,
                    confidence=0.9 if drug is not None else 0.75,
                )
            )
        return findings
