"""``change_value``: a dose, frequency, vital sign, lab value, duration, count or age changed
to a clearly different one, written in the style of the original number."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from medfact.synth.perturb.base import Perturbation
from medfact.synth.perturb.drugs import DRUG_RE
from medfact.synth.perturb.edits import make_replacement
from medfact.synth.perturb.text import match_case, sentence_at, wordlist
from medfact.taxonomy import ErrorCategory, RiskLevel

_UNITS_19 = wordlist(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
)
_TENS = wordlist("twenty thirty forty fifty sixty seventy eighty ninety")
_WORD_VALUES = {w: i + 1 for i, w in enumerate(_UNITS_19)} | {
    w: 20 + 10 * i for i, w in enumerate(_TENS)
}
_NUMWORD = (
    rf"(?:(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_UNITS_19[:9])}))?|"
    rf"{'|'.join(sorted(_UNITS_19, key=len, reverse=True))})"
)
_NUM = r"\d+(?:\.\d+)?"
_VALUE = rf"(?P<num>{_NUM}|{_NUMWORD})"

_DOSE_UNITS = r"mg|mcg|µg|milligrams?|micrograms?|grams?|g|ml|mL|cc|units?|IU|mEq|mmol"
_MEASURE_UNITS = (
    r"mg/dl|mmol/l|mm\s?hg|bpm|beats per minute|breaths per minute|%|percent|degrees|kg|"
    r"kilograms?|lbs?|pounds?|ounces?|oz|cm|mm|inches|liters?"
)
_TIME_UNITS = r"seconds?|minutes?|mins|hours?|hrs|days?|weeks?|months?|years?"
_COUNT_UNITS = (
    r"packs?|pack-years?|drinks?|cigarettes?|beers?|cans?|glasses|cups?|times|episodes?|"
    r"tablets?|pills?|capsules?|puffs?|visits?|lacerations?|stones?|lesions?|stitches|"
    r"sutures?|flights?|blocks?|miles?|servings?"
)
_UNIT_RE = re.compile(
    rf"(?<![\w./#-]){_VALUE}(?P<gap>\s?|-)(?P<unit>{_MEASURE_UNITS}|{_DOSE_UNITS}|"
    rf"{_TIME_UNITS}|{_COUNT_UNITS})(?!\w|/\w)",
    re.IGNORECASE,
)
_AGE_RE = re.compile(
    rf"(?<![\w./-]){_VALUE}(?P<unit>[- ]years?[- ]old|[- ]y/?o)\b|"
    rf"\b(?:age|aged|age of)\s+{_VALUE.replace('num', 'num2')}(?![\w./])",
    re.IGNORECASE,
)
_BP_RE = re.compile(r"(?<![\d/])(?P<num>\d{2,3})/(?P<dia>\d{2,3})(?![\d/])")
_LAB_RANGES: dict[str, tuple[float, float]] = {
    "sodium": (120, 155),
    "potassium": (2.5, 6.5),
    "creatinine": (0.5, 4.0),
    "glucose": (50, 400),
    "blood sugar": (50, 400),
    "hemoglobin a1c": (5, 12),
    "a1c": (5, 12),
    "hemoglobin": (6, 17),
    "tsh": (0.01, 10),
    "inr": (0.8, 4),
    "white count": (2, 25),
    "wbc": (2, 25),
    "platelets": (40, 500),
    "heart rate": (45, 150),
    "pulse": (45, 150),
    "a rate": (45, 150),
    "respiratory rate": (8, 32),
    "saturation": (82, 100),
    "o2 sat": (82, 100),
    "spo2": (82, 100),
    "ejection fraction": (15, 70),
    "bmi": (17, 45),
    "temperature": (96, 104),
    "temp": (96, 104),
    "gestation": (24, 42),
}
_LAB_RE = re.compile(
    r"\b(?P<label>"
    + "|".join(sorted(map(re.escape, _LAB_RANGES), key=len, reverse=True))
    + rf")\b(?:\s*(?:was|is|of|at|level|count|measured|:|=|showed|shows|up to|down to)){{0,3}}"
    rf"\s*(?P<num>{_NUM})(?![\w./]|\s?%)",
    re.IGNORECASE,
)
_SINGULAR = {
    "days": "day",
    "weeks": "week",
    "months": "month",
    "years": "year",
    "hours": "hour",
    "minutes": "minute",
    "seconds": "second",
    "packs": "pack",
    "drinks": "drink",
    "cigarettes": "cigarette",
    "beers": "beer",
    "cups": "cup",
    "episodes": "episode",
    "tablets": "tablet",
    "pills": "pill",
    "capsules": "capsule",
    "puffs": "puff",
    "visits": "visit",
    "lacerations": "laceration",
    "stones": "stone",
    "lesions": "lesion",
    "miles": "mile",
    "servings": "serving",
    "blocks": "block",
    "flights": "flight",
    "units": "unit",
    "pounds": "pound",
}
_PLURAL = {v: k for k, v in _SINGULAR.items()}


@dataclass(frozen=True)
class _Value:
    """A number found in the output: where it is, its role and how to rewrite it."""

    start: int
    end: int
    value: float
    role: str  # dose, frequency, age, blood pressure, lab, measure, duration, count
    unit: str
    unit_end: int
    as_words: str | None  # the separator style ("-" or " ") when written in words


def _parse_number(text: str) -> tuple[float, str | None] | None:
    low = text.lower()
    if re.fullmatch(_NUM, low):
        return float(low), None
    parts = re.split(r"([- ])", low)
    if all(p in _WORD_VALUES or p in "- " for p in parts):
        total = sum(_WORD_VALUES[p] for p in parts if p in _WORD_VALUES)
        return float(total), (parts[1] if len(parts) > 1 else " ")
    return None


def _in_range_expression(output: str, start: int, end: int) -> bool:
    """The number is one end of a range ("2-3 packs", "one to two visits") or a date/time."""
    before, after = output[max(0, start - 14) : start], output[end : end + 14]
    number = rf"(?:\d|\b(?:{_NUMWORD}))"
    if re.search(rf"{number}\s*(?:-|–|to|or|and)\s*$", before, re.IGNORECASE):
        return True
    if re.match(rf"\s*(?:-|–|to|or)\s*{number}", after, re.IGNORECASE):
        return True
    return bool(re.search(r"[/:]$", before) or re.match(r"[/:]\d", after))


def _role(unit: str, output: str, start: int) -> str:
    low = unit.lower().replace(" ", "")
    sentence = output[slice(*sentence_at(output, start))]
    if re.fullmatch(_DOSE_UNITS, low, re.IGNORECASE):
        return "dose"
    if re.fullmatch(_TIME_UNITS, low, re.IGNORECASE):
        every = re.search(r"\b(?:every|q)\s*$", output[max(0, start - 8) : start], re.I)
        dosed = DRUG_RE.search(sentence) or re.search(rf"\d\s?(?:{_DOSE_UNITS})\b", sentence)
        return "frequency" if every and dosed else "duration"
    if re.fullmatch(_COUNT_UNITS, low, re.IGNORECASE):
        return "count"
    return "measure"


def _find_values(output: str) -> Iterator[_Value]:
    for m in _UNIT_RE.finditer(output):
        if _in_range_expression(output, m.start("num"), m.end("num")):
            continue
        parsed = _parse_number(m.group("num"))
        unit = m.group("unit")
        if parsed is None or re.match(r"\s*[- ]?old\b", output[m.end() :]):
            continue
        role = _role(unit, output, m.start())
        if role == "duration" and re.match(r"'?\s+(?:of\s+)?gestation", output[m.end() :]):
            role = "lab:gestation"
        yield _Value(m.start("num"), m.end("num"), parsed[0], role, unit, m.end(), parsed[1])
    yield from _find_ages(output)
    for m in _LAB_RE.finditer(output):
        if not _in_range_expression(output, m.start("num"), m.end("num")):
            label = m.group("label").lower()
            value = float(m.group("num"))
            yield _Value(m.start("num"), m.end("num"), value, "lab:" + label, "", m.end(), None)
    for m in _BP_RE.finditer(output):
        before = output[max(0, m.start() - 30) : m.start()].lower()
        after = output[m.end() : m.end() + 8].lower()
        if re.search(r"blood pressure|\bbp\b|b/p", before) or re.match(r"\s?mm\s?hg", after):
            yield _Value(m.start(), m.end(), float(m.group("num")), "blood pressure", "", 0, None)


def _find_ages(output: str) -> Iterator[_Value]:
    for m in _AGE_RE.finditer(output):
        group = "num" if m.group("num") else "num2"
        parsed = _parse_number(m.group(group))
        if parsed and not _in_range_expression(output, m.start(group), m.end(group)):
            yield _Value(
                m.start(group), m.end(group), parsed[0], "age", "", m.end(group), parsed[1]
            )


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _format(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}" if decimals else str(int(round(value)))


def _to_words(n: int, sep: str) -> str | None:
    if not 0 < n < 100:
        return None
    if n < 20:
        return _UNITS_19[n - 1]
    tens, ones = divmod(n, 10)
    return _TENS[tens - 2] + (sep + _UNITS_19[ones - 1] if ones else "")


def _new_value(found: _Value, text: str, rng: random.Random) -> float | None:
    v, decimals = found.value, _decimals(text)
    if found.role == "dose":
        options = [v * f for f in (2, 10, 0.5, 0.1)]
        options = [x for x in options if x == int(x) or (x < 5 and round(x, 1) == x)]
        options = [x for x in options if decimals or x == int(x) or v < 1]
    elif found.role == "frequency":
        options = [x for x in (4, 6, 8, 12, 24) if x != v]
    elif found.role == "age":
        step = rng.randint(12, 25)
        options = [x for x in (v + step, v - step) if 1 <= x <= 99]
    elif found.role == "blood pressure":
        options = [x for x in (v + 40, v - 35, v + 60) if 80 <= x <= 220]
    elif found.role.startswith("lab:"):
        return _new_in_range(v, decimals, _LAB_RANGES[found.role[4:]], rng)
    elif found.role == "measure" and found.unit == "%":
        options = [x for x in (v + 20, v - 20, v + 35, v - 35) if 1 <= x <= 100]
    elif found.role in ("duration", "count") and v == int(v):
        n = int(v)
        options = [2 * n, 3 * n, n + 2] + ([n // 2] if n >= 4 else []) + ([n - 3] if n > 6 else [])
        options = [x for x in options if x > 0 and abs(x - n) >= max(1, 0.4 * n)]
    else:
        options = [v * f for f in (2, 0.5, 3)]
    options = sorted({round(x, decimals) for x in options if x > 0 and round(x, decimals) != v})
    return rng.choice(options) if options else None


def _new_in_range(
    v: float, decimals: int, bounds: tuple[float, float], rng: random.Random
) -> float | None:
    low, high = bounds
    if v > high * 2 or v < low / 2:  # another unit than the table assumes
        return None
    for _ in range(20):
        x = round(rng.uniform(low, high), decimals)
        if abs(x - v) >= 0.25 * (high - low) and x > 0:
            return x
    return None


def _render(found: _Value, text: str, new: float, output: str) -> tuple[int, str] | None:
    """(end of the replaced region, replacement text) with the unit's number agreement kept."""
    if found.as_words is not None:
        words = _to_words(int(new), found.as_words)
        if words is None or new != int(new):
            return None
        number = match_case(text, words)
    else:
        number = _format(new, _decimals(text))
    unit = found.unit
    if not unit or found.role in ("age", "frequency"):
        return found.end, number
    low = unit.lower()
    if new == 1 and low in _SINGULAR:
        unit = match_case(unit, _SINGULAR[low])
    elif found.value == 1 and low in _PLURAL:
        unit = match_case(unit, _PLURAL[low])
    if unit == found.unit:
        return found.end, number
    return found.unit_end, number + output[found.end : found.unit_end - len(found.unit)] + unit


def _value_in_context(context: str, new: float, unit: str) -> bool:
    forms = {_format(new, 0) if new == int(new) else str(new)}
    words = _to_words(int(new), " ") if new == int(new) else None
    if words:
        forms |= {words, words.replace(" ", "-")}
    pattern = "|".join(re.escape(f) for f in forms)
    tail = rf"[\s-]{{0,3}}{re.escape(unit[:3])}" if unit else r"\b"
    return bool(re.search(rf"(?<![\w.])(?:{pattern}){tail}", context, re.IGNORECASE))


def change_value(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """A dose, vital sign, lab value, duration, count or age changed to a clearly different one."""
    found = sorted(set(_find_values(output)), key=lambda f: (f.start, f.role))
    rng.shuffle(found)
    for item in found:
        text = output[item.start : item.end]
        new = _new_value(item, text, rng)
        if new is None or _value_in_context(context, new, item.unit):
            continue
        rendered = _render(item, text, new, output)
        if rendered is None:
            continue
        end, replacement = rendered
        risk = RiskLevel.HIGH if item.role in ("dose", "frequency") else RiskLevel.MODERATE
        what = item.role.split(":")[-1]
        old = output[item.start : end]
        return make_replacement(
            "change_value",
            output,
            item.start,
            end,
            replacement,
            (ErrorCategory.DETAIL_MISIDENTIFICATION, risk),
            f"Changed the {what} from '{old}' to '{replacement}'.",
        )
    return None
