"""Typed vocabularies for MEDEC corrections: what kind of thing may replace a stated answer.

A correction must have the type its error needs: an organism for a causal-organism error, a
condition for a diagnosis, a drug or regimen for pharmacotherapy and treatment, an action for
management. The vocabularies are curated JSON files shipped beside this module
(``organisms.json``, ``conditions.json``, ``actions.json``): each entry names a concept in the
clinical form it is written in a note, its synonyms, the findings that point to it and, for
conditions and organisms, first-line drugs or regimens. Drug names are checked against the drug
lexicon (:mod:`medfact.lexicon.drugs`); a test or lab name is never a drug.

:func:`rank_concepts` scores every concept of a vocabulary by the note's findings (the sentences
other than the flagged one); only a concept with at least :data:`MIN_SUPPORT` support is a
candidate, so a note whose findings support nothing of the right type gets no correction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from medfact.errors import ConfigError
from medfact.textutil import content_stems

#: Vocabulary kinds and the JSON file each is read from.
FILES = {"organism": "organisms.json", "condition": "conditions.json", "action": "actions.json"}
#: Least support (see :meth:`Vocabulary.rank`) for a concept to be offered as a correction; it
#: also needs :data:`MIN_PHRASES` matched findings, one of them of several words.
MIN_SUPPORT = 5.0
MIN_PHRASES = 2
#: Extra support a replacement needs over the stated concept (one specific finding's worth).
MARGIN = 3.0
#: Drug classes the lexicon knows that name no drug ("broad-spectrum antibiotics"): a sentence's
#: class word is not a stated drug to replace.
DRUG_CLASS_WORDS = frozenset(
    [
        "antibiotic",
        "antibiotics",
        "antimicrobial",
        "antimicrobials",
        "antibacterial",
        "antibacterials",
        "analgesic",
        "analgesics",
        "antiviral",
        "antivirals",
        "antifungal",
        "antifungals",
        "steroid",
        "steroids",
        "corticosteroid",
        "corticosteroids",
        "chemotherapy",
        "immunotherapy",
        "vitamins",
        "supplements",
        "antihypertensives",
        "anticoagulants",
        "anticoagulation",
        "diuretics",
        "vaccine",
        "vaccines",
    ]
)
#: Treatment entries that name no drug, regimen or procedure; never offered.
_NOT_TREATMENTS = frozenset(["supportive care", "treatment of the underlying cause"])
#: Words that make a name a test, a lab value or a body substance rather than a drug.
_TEST_WORDS = re.compile(
    r"\b(protein|antigen|antibod\w*|test|testing|assay|level|levels|count|culture|panel|titer|"
    r"marker|enzyme|reactive|screen\w*|serum|urine|stool|smear|biopsy|scan|imaging|x-ray|"
    r"radiograph\w*|ultraso\w*|ECG|EKG|MRI|CT)\b",
    re.I,
)


@dataclass(frozen=True)
class Concept:
    """One vocabulary entry: its clinical name, synonyms, supporting findings, treatments."""

    name: str
    kind: str
    synonyms: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    treatments: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.synonyms)


@dataclass(frozen=True)
class Mention:
    """Where a concept's name (or a synonym) occurs in a text."""

    concept: Concept
    start: int
    end: int


@dataclass(frozen=True)
class Ranked:
    """A concept with its support by a note's findings and the findings that matched."""

    concept: Concept
    support: float
    matched: tuple[str, ...]

    @property
    def supported(self) -> bool:
        """Enough findings, one of them specific (several words), to offer this concept."""
        return (
            self.support >= MIN_SUPPORT
            and len(self.matched) >= MIN_PHRASES
            and any(len(_phrase_stems(m)) > 1 for m in self.matched)
        )


def _name_pattern(name: str) -> re.Pattern[str]:
    """A whole-word pattern for a name; short all-capital abbreviations match case-sensitively."""
    body = r"\s+".join(re.escape(part) for part in name.split())
    flags = 0 if (name.isupper() and len(name) <= 5) else re.I
    return re.compile(rf"(?<![\w-]){body}(?![\w-])", flags)


class Vocabulary:
    """Concepts of one kind, findable in text by name and rankable by a note's findings."""

    def __init__(self, kind: str, concepts: Sequence[Concept]) -> None:
        self.kind = kind
        self.concepts = list(concepts)
        patterns = [(c, _name_pattern(n)) for c in self.concepts for n in c.names]
        self._patterns = sorted(patterns, key=lambda cp: -len(cp[1].pattern))
        self._finding_stems = {
            c.name: [(f, frozenset(_phrase_stems(f))) for f in c.findings] for c in self.concepts
        }

    @classmethod
    def load(cls, kind: str) -> Vocabulary:
        """The vocabulary shipped with medfact for ``kind`` (organism, condition or action)."""
        if kind not in FILES:
            raise ConfigError(f"vocabulary kind must be one of {', '.join(FILES)}; got {kind!r}")
        text = resources.files("medfact.medec").joinpath(FILES[kind]).read_text("utf-8")
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: dict) -> Vocabulary:
        kind = data.get("kind")
        if kind not in FILES:
            raise ConfigError(f"a vocabulary file needs 'kind' among {', '.join(FILES)}")
        concepts = []
        for i, entry in enumerate(data.get("entries", [])):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                raise ConfigError(f"{kind} vocabulary entry {i} has no 'name'")
            concepts.append(
                Concept(
                    name=entry["name"],
                    kind=kind,
                    synonyms=tuple(entry.get("synonyms", ())),
                    findings=tuple(entry.get("findings", ())),
                    treatments=tuple(
                        t for t in entry.get("treatments", ()) if t not in _NOT_TREATMENTS
                    ),
                )
            )
        return cls(kind, concepts)

    def mentions(self, text: str) -> list[Mention]:
        """Non-overlapping mentions in ``text``, longest names first, in text order."""
        found: list[Mention] = []
        taken: list[tuple[int, int]] = []
        for concept, pattern in self._patterns:
            for m in pattern.finditer(text):
                if any(m.start() < b and a < m.end() for a, b in taken):
                    continue
                found.append(Mention(concept, m.start(), m.end()))
                taken.append((m.start(), m.end()))
        return sorted(found, key=lambda m: m.start)

    def rank(self, findings: str | Iterable[str]) -> list[Ranked]:
        """Every concept with support above 0 for these findings, best first. A finding
        counts when all its stems occur in the findings outside negated clauses ("without
        rebound"); one that another matched finding contains ("ST elevation" in "ST-segment
        elevation") is not counted twice. Support adds up to 3 per finding, by its words."""
        stems = affirmed_stems(findings) if isinstance(findings, str) else set(findings)
        out = []
        for concept in self.concepts:
            hits = [(p, need) for p, need in self._finding_stems[concept.name] if need <= stems]
            kept = [
                (p, need) for p, need in hits if need and not any(need < other for _, other in hits)
            ]
            score = float(sum(min(len(need), 3) for _, need in kept))
            if score > 0:
                out.append(Ranked(concept, score, tuple(p for p, _ in kept)))
        out.sort(key=lambda r: (-r.support, r.concept.name))
        return out


def _phrase_stems(text: str) -> list[str]:
    return content_stems(text)


_CLAUSE = re.compile(r"[.;:,]|\bbut\b|\bhowever\b", re.I)
_NEGATION = re.compile(
    r"\b(no|not|without|denies|denied|negative for|absent|absence of|none|free of|"
    r"unremarkable|normal)\b",
    re.I,
)


def affirmed_stems(text: str) -> set[str]:
    """Content stems of ``text`` outside negated stretches: in each clause, what follows a
    negation cue ("no", "without", "denies", "negative for") is left out."""
    out: set[str] = set()
    for clause in _CLAUSE.split(text):
        m = _NEGATION.search(clause)
        out.update(_phrase_stems(clause[: m.start()] if m else clause))
    return out


@cache
def vocabulary(kind: str) -> Vocabulary:
    """The shipped vocabulary of ``kind``, read once per process."""
    return Vocabulary.load(kind)


@lru_cache(maxsize=1)
def drug_lexicon():
    """The drug lexicon (``drug-named-entity-recognition`` data), loaded on first use."""
    from medfact.lexicon.drugs import default_lexicon

    return default_lexicon()


def is_test_name(name: str) -> bool:
    """Whether a name reads as a test, a lab value or a body substance (never a drug)."""
    return bool(_TEST_WORDS.search(name))


def is_drug_or_regimen(name: str) -> bool:
    """A name the drug lexicon recognises (alone or in a regimen) that is not a test name."""
    if is_test_name(name):
        return False
    return bool(drug_lexicon().find(name))


def treatment_candidates(ranked: Sequence[Ranked], drugs_only: bool) -> list[tuple[str, Ranked]]:
    """``(treatment, the concept that calls for it)`` from supported concepts, best first;
    ``drugs_only`` keeps drugs and regimens the lexicon recognises."""
    out: list[tuple[str, Ranked]] = []
    seen: set[str] = set()
    for r in ranked:
        if not r.supported:
            continue
        for t in r.concept.treatments:
            if t.lower() in seen or is_test_name(t):
                continue
            if drugs_only and not is_drug_or_regimen(t):
                continue
            seen.add(t.lower())
            out.append((t, r))
    return out
