"""The clinical severity policy: the least risk a finding carries by what it touches.

The policy is data (``medfact/data/severity.toml``): rows such as "an anticoagulant: at least 4"
or "a fabricated diagnosis: at least 3", each with its source. :func:`classify` tests a finding
against every row (the finding's text in the output, the output sentence holding it, its context
span and the input sentence holding that, the rule's message) and returns the highest floor and
its row. The ``severity`` stage (medfact/stages.py) raises each finding to its floor and names
the row in ``Finding.policy``; the scorers never grade a case below :func:`case_floor`. The
table's ``[conversation]`` entry (:class:`Ceiling`) works the other way: on a long dialogue, an
unfloored finding of the rules it names is graded down to its ceiling and names it instead.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from medfact.errors import ConfigError
from medfact.rehint import FastPattern, fast_compile
from medfact.textutil import sentence_at
from medfact.types import Finding, Sentence

MATCHES = ("drug", "term", "dose_ratio", "unit_class", "frequency", "critical_lab", "lab")
PLACES = ("span", "sentence", "context", "context_sentence", "message")
_ROW_KEYS = {
    "id",
    "floor",
    "match",
    "drugs",
    "any_drug",
    "terms",
    "look_in",
    "rules",
    "relations",
    "categories",
    "min_ratio",
    "source",
}


@dataclass(frozen=True)
class Row:
    """One policy row: what it matches, the floor it sets, and where it comes from."""

    id: str
    floor: int
    match: str
    source: str
    look_in: tuple[str, ...] = ("span", "context")
    drugs: tuple[str, ...] = ()
    any_drug: bool = False
    terms: tuple[FastPattern, ...] = ()  # the row's patterns, joined into one
    rules: frozenset[str] = frozenset()
    relations: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    min_ratio: float = 2.0
    has_ratio: bool = False  # whether the table gives `min_ratio` (a frequency row reads it)

    def admits(self, finding: Finding) -> bool:
        """Whether the finding passes the row's filters (rule, relation, category)."""
        return (
            (not self.rules or finding.rule in self.rules)
            and (not self.relations or finding.relation in self.relations)
            and (not self.categories or finding.category.value in self.categories)
        )


@dataclass(frozen=True)
class Analyte:
    """A laboratory analyte and its critical limits (a value below ``low`` or above ``high``)."""

    id: str
    pattern: re.Pattern[str]
    low: float
    high: float
    # a value above this is in a unit ten times smaller (hemoglobin 74 is g/L: 7.4 g/dL)
    tenfold_above: float | None = None
    # a value below ``si_below`` is in the SI unit, ``si_factor`` times smaller (glucose 5.8 is
    # mmol/L: 104 mg/dL)
    si_below: float | None = None
    si_factor: float = 1.0

    def critical(self, value: float) -> bool:
        """Whether the value lies outside the critical limits."""
        if self.tenfold_above is not None and value > self.tenfold_above:
            value /= 10
        if self.si_below is not None and value < self.si_below:
            value *= self.si_factor
        return not self.low <= value <= self.high


@dataclass(frozen=True)
class Ceiling:
    """The most risk an unfloored finding of ``rules`` carries on a long conversation."""

    id: str
    ceiling: int
    min_chars: int
    rules: frozenset[str]
    source: str
    # rules whose firm findings (Finding.firm: evidence the input states outright) keep their risk
    firm_exempt: frozenset[str] = frozenset()

    def caps(self, finding: Finding, context: str | None, dialogue: bool) -> bool:
        """Whether the finding, which no row floors, is graded down to the ceiling."""
        return (
            dialogue
            and context is not None
            and len(context) >= self.min_chars
            and finding.rule in self.rules
            and int(finding.risk) > self.ceiling
            and not (finding.firm and finding.rule in self.firm_exempt)
        )


@dataclass(frozen=True)
class Policy:
    """The loaded table."""

    rows: tuple[Row, ...]
    analytes: tuple[Analyte, ...]
    min_confidence: float = 0.5
    min_risk: int = 2
    skip_rules: frozenset[str] = frozenset()
    # per skipped rule, the relations its findings are still graded in ("contradicted": a named
    # span of the output against a named span of the input, not a bag of words)
    skip_rules_except: dict[str, frozenset[str]] = field(default_factory=dict)
    floors: dict[str, int] = field(default_factory=dict)
    conversation: Ceiling | None = None

    def applies(self, finding: Finding) -> bool:
        """Whether the policy grades this finding at all."""
        return (
            finding.confidence >= self.min_confidence
            and int(finding.risk) >= self.min_risk
            and (
                finding.rule not in self.skip_rules
                or finding.relation in self.skip_rules_except.get(finding.rule, ())
            )
        )


@dataclass(frozen=True)
class Texts:
    """The texts a finding touches, by place (missing places are empty strings)."""

    span: str = ""
    sentence: str = ""
    context: str = ""
    context_sentence: str = ""
    message: str = ""

    def get(self, place: str) -> str:
        return getattr(self, place)


# --- loading -------------------------------------------------------------------------------------


def _fail(where: str, problem: str) -> ConfigError:
    return ConfigError(f"severity policy {where}: {problem}")


def _strings(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, f"'{key}' must be a list of strings, got {value!r}")
    return tuple(value)


def _pattern(text: str, where: str, key: str) -> re.Pattern[str]:
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error as exc:
        raise _fail(where, f"'{key}' pattern {text!r} does not compile: {exc}") from None


def _row(raw: Any, index: int) -> Row:
    if not isinstance(raw, dict):
        raise _fail(f"row {index}", "must be a table")
    where = f"row {index} ({raw.get('id', '?')!r})"
    unknown = sorted(set(raw) - _ROW_KEYS)
    if unknown:
        raise _fail(where, f"unknown field(s) {', '.join(unknown)}")
    for key in ("id", "match", "source"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise _fail(where, f"'{key}' must be a non-empty string")
    floor = raw.get("floor")
    if not isinstance(floor, int) or isinstance(floor, bool) or not 2 <= floor <= 4:
        raise _fail(where, f"'floor' must be an integer 2-4, got {floor!r}")
    if raw["match"] not in MATCHES:
        raise _fail(where, f"'match' must be one of {', '.join(MATCHES)}, got {raw['match']!r}")
    look_in = _strings(raw, "look_in", where) or ("span", "context")
    bad = [p for p in look_in if p not in PLACES]
    if bad:
        raise _fail(where, f"'look_in' place(s) {bad} not among {', '.join(PLACES)}")
    patterns = [_pattern(t, where, "terms").pattern for t in _strings(raw, "terms", where)]
    joined = "|".join(f"(?:{p})" for p in patterns)
    terms = (fast_compile(joined, re.IGNORECASE),) if patterns else ()
    drugs = tuple(d.lower() for d in _strings(raw, "drugs", where))
    any_drug = raw.get("any_drug", False)
    if not isinstance(any_drug, bool):
        raise _fail(where, f"'any_drug' must be true or false, got {any_drug!r}")
    if raw["match"] == "term" and not terms:
        raise _fail(where, "a 'term' row needs 'terms'")
    if raw["match"] == "drug" and not (drugs or terms or any_drug):
        raise _fail(where, "a 'drug' row needs 'drugs', 'terms' or any_drug = true")
    ratio = raw.get("min_ratio", 2.0)
    if not isinstance(ratio, int | float) or isinstance(ratio, bool) or ratio <= 1:
        raise _fail(where, f"'min_ratio' must be a number above 1, got {ratio!r}")
    return Row(
        id=raw["id"],
        floor=floor,
        match=raw["match"],
        source=raw["source"],
        look_in=look_in,
        drugs=drugs,
        any_drug=any_drug,
        terms=terms,
        rules=frozenset(_strings(raw, "rules", where)),
        relations=frozenset(_strings(raw, "relations", where)),
        categories=frozenset(_strings(raw, "categories", where)),
        min_ratio=float(ratio),
        has_ratio="min_ratio" in raw,
    )


def _analyte(raw: Any, index: int) -> Analyte:
    if not isinstance(raw, dict):
        raise _fail(f"analyte {index}", "must be a table")
    where = f"analyte {index} ({raw.get('id', '?')!r})"
    if (
        not {"id", "pattern", "low", "high"}
        <= set(raw)
        <= {"id", "pattern", "low", "high", "tenfold_above", "si_below", "si_factor"}
    ):
        raise _fail(
            where,
            "needs the fields id, pattern, low, high (and may have tenfold_above, si_below and "
            "si_factor)",
        )
    if not isinstance(raw["id"], str) or not isinstance(raw["pattern"], str):
        raise _fail(where, "'id' and 'pattern' must be strings")
    low, high = raw["low"], raw["high"]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
        raise _fail(where, "'low' and 'high' must be numbers")
    if low >= high:
        raise _fail(where, f"'low' ({low}) must be below 'high' ({high})")
    tenfold = raw.get("tenfold_above")
    if tenfold is not None and (not isinstance(tenfold, int | float) or tenfold <= high):
        raise _fail(where, f"'tenfold_above' must be a number above 'high', got {tenfold!r}")
    si_below, si_factor = _si_unit(raw, where)
    return Analyte(
        raw["id"],
        _pattern(raw["pattern"], where, "pattern"),
        float(low),
        float(high),
        None if tenfold is None else float(tenfold),
        si_below,
        si_factor,
    )


def _si_unit(raw: dict[str, Any], where: str) -> tuple[float | None, float]:
    """An analyte's ``si_below`` and ``si_factor``: both given (positive numbers) or neither."""
    below, factor = raw.get("si_below"), raw.get("si_factor")
    if below is None and factor is None:
        return None, 1.0
    if not all(
        isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in (below, factor)
    ):
        raise _fail(where, "'si_below' and 'si_factor' must both be positive numbers")
    return float(below), float(factor)


def _ceiling(raw: Any) -> Ceiling | None:
    """The [conversation] table, or None where the file has none."""
    if raw is None:
        return None
    where = "[conversation]"
    keys = {"id", "ceiling", "min_chars", "rules", "source"}
    optional = {"firm_exempt"}
    if not isinstance(raw, dict) or not keys <= set(raw) <= keys | optional:
        raise _fail(
            where,
            f"takes {', '.join(sorted(keys))} and optionally {', '.join(sorted(optional))}",
        )
    ceiling, min_chars = raw["ceiling"], raw["min_chars"]
    if not isinstance(ceiling, int) or not 1 <= ceiling <= 4:
        raise _fail(where, f"'ceiling' must be an integer 1-4, got {ceiling!r}")
    if not isinstance(min_chars, int) or min_chars < 0:
        raise _fail(where, f"'min_chars' must be a whole number of characters, got {min_chars!r}")
    if not isinstance(raw["id"], str) or not isinstance(raw["source"], str):
        raise _fail(where, "'id' and 'source' must be strings")
    rules = frozenset(_strings(raw, "rules", where))
    exempt = frozenset(_strings(raw, "firm_exempt", where)) if "firm_exempt" in raw else frozenset()
    if not exempt <= rules:
        raise _fail(where, "'firm_exempt' names rules of 'rules' only")
    return Ceiling(raw["id"], ceiling, min_chars, rules, raw["source"], exempt)


def _skip_except(raw: Any) -> dict[str, frozenset[str]]:
    """``skip_rules_except``: a table of rule -> the relations its findings are still graded in."""
    if not isinstance(raw, dict):
        raise _fail("[policy]", f"'skip_rules_except' must be a table, got {raw!r}")
    return {rule: frozenset(_strings(raw, rule, "[policy] skip_rules_except")) for rule in raw}


def parse_policy(data: dict[str, Any]) -> Policy:
    """A :class:`Policy` from the table's parsed TOML; a wrong row raises ConfigError naming it."""
    head = data.get("policy", {})
    known = {"min_confidence", "min_risk", "skip_rules", "skip_rules_except"}
    if not isinstance(head, dict) or set(head) - known:
        raise _fail(
            "[policy]", "takes only min_confidence, min_risk, skip_rules and skip_rules_except"
        )
    min_conf = head.get("min_confidence", 0.5)
    if not isinstance(min_conf, int | float) or not 0.0 <= min_conf <= 1.0:
        raise _fail("[policy]", f"'min_confidence' must be 0-1, got {min_conf!r}")
    min_risk = head.get("min_risk", 2)
    if not isinstance(min_risk, int) or not 1 <= min_risk <= 4:
        raise _fail("[policy]", f"'min_risk' must be an integer 1-4, got {min_risk!r}")
    rows = tuple(_row(raw, i) for i, raw in enumerate(data.get("row", []), start=1))
    if not rows:
        raise _fail("file", "has no [[row]]")
    seen: set[str] = set()
    for row in rows:
        if row.id in seen:
            raise _fail(f"row {row.id!r}", "id used twice")
        seen.add(row.id)
    analytes = tuple(_analyte(raw, i) for i, raw in enumerate(data.get("analyte", []), start=1))
    if any(r.match in ("critical_lab", "lab") for r in rows) and not analytes:
        raise _fail("file", "a lab row needs at least one [[analyte]]")
    conversation = _ceiling(data.get("conversation"))
    floors = {row.id: row.floor for row in rows}
    if conversation is not None:
        floors[conversation.id] = conversation.ceiling  # the case floor of a capped finding
    return Policy(
        rows=rows,
        analytes=analytes,
        min_confidence=float(min_conf),
        min_risk=min_risk,
        skip_rules=frozenset(_strings(head, "skip_rules", "[policy]")),
        skip_rules_except=_skip_except(head.get("skip_rules_except", {})),
        floors=floors,
        conversation=conversation,
    )


@lru_cache(maxsize=8)
def load_policy(path: str | None = None) -> Policy:
    """The policy table at ``path`` (default: the package's ``data/severity.toml``), cached."""
    try:
        if path is None:
            text = files("medfact").joinpath("data/severity.toml").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _fail(f"file {path or 'data/severity.toml'}", str(exc)) from None
    policy = parse_policy(data)
    _KNOWN_FLOORS.update(policy.floors)
    return policy


_KNOWN_FLOORS: dict[str, int] = {}


# --- reading amounts, frequencies and lab values -----------------------------------------------

_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "eight": 8,
    "ten": 10,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "twenty-five": 25,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "one hundred": 100,
}
_UNITS = {
    "mcg": "mcg",
    "µg": "mcg",  # the micro sign
    "\u03bcg": "mcg",  # the Greek mu, which str.lower() makes of the micro sign
    "ug": "mcg",
    "microgram": "mcg",
    "micrograms": "mcg",
    "mg": "mg",
    "milligram": "mg",
    "milligrams": "mg",
    "g": "g",
    "gram": "g",
    "grams": "g",
    "unit": "units",
    "units": "units",
    "u": "units",
    "iu": "units",
    "ml": "mL",
    "milliliter": "mL",
    "milliliters": "mL",
    "millilitre": "mL",
    "millilitres": "mL",
    "cc": "mL",
    "meq": "mEq",
    "mmol": "mmol",
    "tablet": "tablet",
    "tablets": "tablet",
    "tab": "tablet",
    "tabs": "tablet",
    "puff": "puff",
    "puffs": "puff",
}
_NUMBER = r"(\d+(?:[.,]\d+)?|" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + ")"
_UNIT = r"(" + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) + r")"
_PER = r"(?:\s*/\s*(kg|hour|hr|h|min|minute|day|dose|m2))?"
_AMOUNT = re.compile(rf"\b{_NUMBER}\s*{_UNIT}\b{_PER}", re.IGNORECASE)


def _number(text: str) -> float | None:
    text = text.lower().replace(",", "")
    if text in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[text])
    try:
        return float(text)
    except ValueError:
        return None


def amounts(text: str) -> list[tuple[float, str]]:
    """Dose amounts in ``text`` as (value, unit), the unit normalised ("mg/kg", "units", ...)."""
    out = []
    for m in _AMOUNT.finditer(text):
        value = _number(m.group(1))
        if value is None:
            continue
        unit = _UNITS[m.group(2).lower()]
        per = (m.group(3) or "").lower()
        per = {"hr": "hour", "h": "hour", "minute": "min"}.get(per, per)
        out.append((value, f"{unit}/{per}" if per else unit))
    return out


_FREQUENCIES: tuple[tuple[re.Pattern[str], float | None], ...] = tuple(
    (re.compile(p, re.IGNORECASE), v)
    for p, v in (
        (r"\b(?:q|every)\s*(\d+(?:\.\d+)?)\s*(?:-\s*\d+\s*)?(?:h|hrs?|hours?)\b", None),
        (r"\bevery\s+(\d+)\s*(?:min|minutes?)\b", None),
        (r"\b(?:every|each)\s+hour\b|\bhourly\b|\bq\.?\s?h\.?(?=\s|$|,)", 24.0),
        (r"\bq\.?i\.?d\.?(?=\W|$)|\bfour times (?:a|per|each) day\b|\bfour times daily\b", 4.0),
        (r"\bt\.?i\.?d\.?(?=\W|$)|\bthree times (?:a|per|each) day\b|\bthree times daily\b", 3.0),
        (r"\bb\.?i\.?d\.?(?=\W|$)|\btwice (?:a|per|each) day\b|\btwice daily\b", 2.0),
        (r"\bevery other day\b|\bq\.?o\.?d\.?(?=\W|$)|\balternate days\b", 0.5),
        (r"\b(?:once )?weekly\b|\bonce (?:a|per|each) week\b|\bevery week\b", 1 / 7),
        (r"\b(?:once )?monthly\b|\bonce (?:a|per|each) month\b", 1 / 30),
        (
            r"\b(?:once )?daily\b|\bonce (?:a|per|each) day\b|\bevery (?:day|morning|evening|night)"
            r"\b|\bq\.?d\.?(?=\W|$)|\bnightly\b|\bat bedtime\b|\bq\.?h\.?s\.?(?=\W|$)",
            1.0,
        ),
    )
)


@lru_cache(maxsize=1024)  # the frequency rows read the same texts of a finding
def doses_per_day(text: str) -> float | None:
    """How often per day ``text`` says a dose is given (the first frequency stated), or None."""
    best: tuple[int, float] | None = None
    for pattern, value in _FREQUENCIES:
        m = pattern.search(text)
        if m is None:
            continue
        if value is None:
            n = float(m.group(1))
            if n <= 0:
                continue
            value = 1440.0 / n if "min" in m.group(0).lower() else 24.0 / n
        if best is None or m.start() < best[0]:
            best = (m.start(), value)
    return None if best is None else best[1]


_LAB_VALUE = re.compile(r"[^\d.;]{0,20}?(-?\d+(?:\.\d+)?)")
# a value said in words after the analyte, within a few words and no punctuation ("hemoglobin
# six point eight", "sugar today was four eighty six")
_SPOKEN_START = re.compile(
    r"(?:\s+(?:level|count|is|was|were|'s|of|at|like|about|around|only|just|came|back|today|"
    r"tonight|yesterday|this|morning|afternoon|evening|now|down|up|dropped|went|to))*\s+"
    r"(?=(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|"
    r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)\b)",
    re.IGNORECASE,
)
_SPOKEN_END = re.compile(r"[,;:?!\n]|\.(?!\d)")


def _spoken_value(text: str, at: int) -> float | None:
    """The value said in words right after ``at`` ("six point eight": 6.8), read by the
    analyzer's number reading; None when no number word follows within a few words."""
    m = _SPOKEN_START.match(text, at)
    if m is None:
        return None
    from medfact.analysis import Analyzer

    stop = _SPOKEN_END.search(text, m.end(), m.end() + 60)
    said = text[m.end() : stop.start() if stop else m.end() + 60]
    doc = Analyzer(drugs=False)(said, [Sentence(index=0, span=(0, len(said)), text=said)])
    if not doc.quantities or doc.quantities[0].start != 0:
        return None
    q = doc.quantities[0]
    # "two hundred thousand" platelets: the count per microlitre, read as "200" like "200,000"
    return q.value / 1000 if "thousand" in said[q.start : q.end].lower() else q.value


def lab_values(text: str, analytes: Iterable[Analyte]) -> list[tuple[Analyte, float | None]]:
    """Each analyte named in ``text`` with the first number after it (within a few words), in
    digits or said in words."""
    out = []
    for analyte in analytes:
        for m in analyte.pattern.finditer(text):
            v = _LAB_VALUE.match(text, m.end())
            out.append((analyte, float(v.group(1)) if v else _spoken_value(text, m.end())))
    return out


# --- classification ----------------------------------------------------------------------------


def _drug_names(text: str, memo: dict[str, list[str]]) -> list[str]:
    """Canonical names of the drugs ``text`` names (read once per text and finding)."""
    if text not in memo:
        from medfact.lexicon.drugs import default_lexicon

        memo[text] = [m.canonical for m in default_lexicon().find(text)] if text else []
    return memo[text]


def _names_class(canonical: str, drugs: Sequence[str]) -> bool:
    return any(canonical == d or canonical.startswith(d + " ") for d in drugs)


def _both_sides(row: Row, texts: Texts) -> tuple[list[str], list[str]]:
    out = [texts.get(p) for p in ("span", "sentence") if p in row.look_in and texts.get(p)]
    ctx = [
        texts.get(p) for p in ("context", "context_sentence") if p in row.look_in and texts.get(p)
    ]
    return out, ctx


def _matches(row: Row, texts: Texts, policy: Policy, memo: dict[str, list[str]]) -> bool:
    places = [texts.get(p) for p in row.look_in if texts.get(p)]
    if row.match == "term":
        return any(t.search(text) for text in places for t in row.terms)
    if row.match == "drug":
        if any(t.search(text) for text in places for t in row.terms):
            return True
        names = [n for text in places for n in _drug_names(text, memo)]
        return bool(names) and (row.any_drug or any(_names_class(n, row.drugs) for n in names))
    if row.match == "critical_lab":
        return any(
            v is not None and a.critical(v)
            for text in places
            for a, v in lab_values(text, policy.analytes)
        )
    if row.match == "lab":
        return any(a.pattern.search(text) for text in places for a in policy.analytes)
    out, ctx = _both_sides(row, texts)
    if row.match == "frequency":
        said = next((f for f in map(doses_per_day, out) if f is not None), None)
        given = next((f for f in map(doses_per_day, ctx) if f is not None), None)
        if said is None or given is None:
            return False
        # a row's `min_ratio` asks for that many times the doses a day (twice as often: the
        # daily dose doubled); without one, any increase
        return said >= given * row.min_ratio if row.has_ratio else said > given * 1.01
    said_amounts = [a for text in out[:1] for a in amounts(text)]
    given_amounts = [a for text in ctx[:1] for a in amounts(text)]
    if not said_amounts or not given_amounts:
        return False
    (said_v, said_u), (given_v, given_u) = said_amounts[0], given_amounts[0]
    if row.match == "unit_class":
        return said_u != given_u
    # dose_ratio
    if said_u != given_u or min(said_v, given_v) <= 0:
        return False
    return max(said_v, given_v) / min(said_v, given_v) >= row.min_ratio


def _own_places(finding: Finding, texts: Texts) -> Texts:
    """An unsupported mention that names a thing of its own ("lumpectomy", "migraine") is graded by
    what it names: the sentences around it, which may hold another drug or an allergy, are not
    its subject. A bare amount ("5 mg") has no subject of its own and keeps its sentences."""
    span = texts.span
    if finding.relation != "unsupported" or not span or any(c.isdigit() for c in span):
        return texts
    return replace(texts, sentence="", context_sentence="")


def classify(finding: Finding, texts: Texts, policy: Policy | None = None) -> Row | None:
    """The row that sets ``finding``'s floor (the highest floor; the first row of that floor in
    table order), or None when the policy does not grade it or no row matches."""
    policy = policy or load_policy()
    if not policy.applies(finding):
        return None
    texts = _own_places(finding, texts)
    best: Row | None = None
    memo: dict[str, list[str]] = {}
    for row in policy.rows:
        better = best is None or row.floor > best.floor
        if better and row.admits(finding) and _matches(row, texts, policy, memo):
            best = row
            if best.floor == 4:
                break
    return best


def _sentence_at(sentences: Sequence[Sentence], start: int) -> str:
    sentence = sentence_at(sentences, start)
    return sentence.text if sentence is not None else ""


def finding_texts(
    finding: Finding,
    output: str,
    context: str | None,
    output_sentences: Sequence[Sentence] = (),
    context_sentences: Sequence[Sentence] = (),
) -> Texts:
    """The texts of ``finding`` by place, read from the case's output and context."""
    span = sentence = ctx = ctx_sentence = ""
    if finding.span is not None:
        span = output[finding.span[0] : finding.span[1]]
        sentence = _sentence_at(output_sentences, finding.span[0])
    if finding.context_span is not None and context:
        ctx = context[finding.context_span[0] : finding.context_span[1]]
        ctx_sentence = _sentence_at(context_sentences, finding.context_span[0])
    return Texts(span, sentence, ctx, ctx_sentence, finding.message)


def apply_policy(
    findings: list[Finding],
    output: str,
    context: str | None,
    output_sentences: Sequence[Sentence] = (),
    context_sentences: Sequence[Sentence] = (),
    policy: Policy | None = None,
    dialogue: bool = False,
) -> list[Finding]:
    """Each finding raised to its floor, with ``policy`` naming the row (a new list; findings
    the policy does not grade are kept as they are). Where ``dialogue`` (the context is a
    conversation) and the policy has a [conversation] ceiling, an unfloored finding of its
    rules on a long context is graded down to the ceiling and names it."""
    from medfact.taxonomy import RiskLevel

    policy = policy or load_policy()
    out = []
    for finding in findings:
        texts = finding_texts(finding, output, context, output_sentences, context_sentences)
        row = classify(finding, texts, policy)
        if row is not None:
            risk = RiskLevel(max(int(finding.risk), row.floor))
            finding = finding.model_copy(update={"risk": risk, "policy": row.id})
        elif policy.conversation is not None and policy.conversation.caps(
            finding, context, dialogue
        ):
            ceiling = policy.conversation
            finding = finding.model_copy(
                update={"risk": RiskLevel(ceiling.ceiling), "policy": ceiling.id}
            )
        out.append(finding)
    return out


def case_floor(findings: Iterable[Finding]) -> int:
    """The least risk the policy allows for a case: the highest floor among its findings' rows
    (1 when no finding names a row). A row of a table this process has not loaded counts at
    the finding's own risk."""
    if not _KNOWN_FLOORS:
        load_policy()
    floor = 1
    for f in findings:
        if f.policy:
            floor = max(floor, _KNOWN_FLOORS.get(f.policy, int(f.risk)))
    return floor
