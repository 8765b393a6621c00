"""``flip_negation``: a negated statement affirmed or an affirmed one negated."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from medfact.synth.perturb.base import Perturbation
from medfact.synth.perturb.edits import make_replacement
from medfact.synth.perturb.text import capitalize, match_case, sentence_at, wordlist
from medfact.synth.perturb.vocabulary import CONCERN_RE
from medfact.taxonomy import ErrorCategory, RiskLevel


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    new: str


_REPORT_VERBS = {
    "denies": "reports",
    "denied": "reported",
    "deny": "report",
    "denying": "reporting",
}
_AFFIRM_VERBS = {
    "reports": "denies",
    "reported": "denied",
    "endorses": "denies",
    "endorsed": "denied",
    "notes": "denies",
    "complains of": "denies",
    "complained of": "denied",
}
_SUBJECT_BEFORE = re.compile(
    r"(?:^|[.:;]\s*|\b(?:he|she|they|patient|mother|father|parents|also)\s+)$", re.IGNORECASE
)
_NO_EXCLUDED = frozenset(
    wordlist("longer more one matter doubt further other significant acute new problem problems")
)
_TEST_WORDS = re.compile(
    r"\b(?:test|screen|culture|biopsy|x-ray|ct|mri|swab|assay|antibod|ppd|hiv|strep|covid|"
    r"result|urinalysis|sign|ana|titer|scan)",
    re.IGNORECASE,
)


def _negation_edits(output: str) -> Iterator[_Edit]:
    yield from _deny_edits(output)
    yield from _affirm_edits(output)
    yield from _no_edits(output)
    yield from _aux_edits(output)
    for m in re.finditer(r"\bwithout(?: any)?\b(?=\s+\w)", output, re.IGNORECASE):
        yield _Edit(m.start(), m.end(), match_case(m.group(), "with"))
    for m in re.finditer(r"\b(negative|positive)\b", output, re.IGNORECASE):
        sentence = output[slice(*sentence_at(output, m.start()))]
        before = output[max(0, m.start() - 12) : m.start()].lower()
        ok = output[m.end() :].startswith(" for") or _TEST_WORDS.search(sentence)
        if ok and "otherwise" not in before and "false" not in before:
            other = "positive" if m.group().lower() == "negative" else "negative"
            yield _Edit(m.start(), m.end(), match_case(m.group(), other))
    pattern = r"\bnon-?((?:cigarette |tobacco )?smoker|drinker|etoh user)\b"
    for m in re.finditer(pattern, output, re.IGNORECASE):
        yield _Edit(m.start(), m.end(), match_case(m.group(), m.group(1)))
    pattern = r"(?<!does )(?<!did )\b(has|have|with)(?: a)?(?= (?:known )?history of\b)"
    for m in re.finditer(pattern, output, re.IGNORECASE):
        yield _Edit(m.start(), m.end(), m.group(1) + " no")


def _deny_edits(output: str) -> Iterator[_Edit]:
    for m in re.finditer(r"\b(denies|denied|deny|denying)(?: any)?\b(?=\s+\w)", output, re.I):
        yield _Edit(m.start(), m.end(), match_case(m.group(), _REPORT_VERBS[m.group(1).lower()]))


def _affirm_edits(output: str) -> Iterator[_Edit]:
    pattern = r"\b(reports|reported|endorses|endorsed|notes|complains of|complained of)\b"
    for m in re.finditer(pattern, output, re.IGNORECASE):
        if _SUBJECT_BEFORE.search(output[max(0, m.start() - 20) : m.start()]):
            new = _AFFIRM_VERBS[m.group(1).lower()]
            yield _Edit(m.start(), m.end(), match_case(m.group(), new))


def _no_edits(output: str) -> Iterator[_Edit]:
    for m in re.finditer(r"\b(no)\s+([A-Za-z][\w-]*)", output, re.IGNORECASE):
        word = m.group(2)
        if word.lower() in _NO_EXCLUDED:
            continue
        new = capitalize(word) if m.group(1)[0].isupper() else word
        yield _Edit(m.start(), m.end(), new)


def _aux_edits(output: str) -> Iterator[_Edit]:
    for m in re.finditer(r"\b(does|did|do) not (\w+)(?: any)?\b", output, re.IGNORECASE):
        yield _Edit(m.start(), m.end(), f"{m.group(1)} {m.group(2)}")
    for m in re.finditer(r"\b(has|have) not had(?: any)?\b", output, re.IGNORECASE):
        yield _Edit(m.start(), m.end(), f"{m.group(1)} had")
    for m in re.finditer(r"\b(doesn't|didn't|don't) (\w+)(?: any)?\b", output, re.IGNORECASE):
        aux = m.group(1).lower().replace("n't", "")
        yield _Edit(m.start(), m.end(), f"{match_case(m.group(1), aux)} {m.group(2)}")
    pattern = r"\b(?:does|did)(?= (?:have|drink|smoke|use|take|report|complain|endorse)\b)"
    for m in re.finditer(pattern, output, re.IGNORECASE):
        yield _Edit(m.start(), m.end(), m.group() + " not")
    for m in re.finditer(
        r"\b(?:is|was|are|were)(?= (?:currently )?(?:on|taking|using) \w)", output
    ):
        yield _Edit(m.start(), m.end(), m.group() + " not")


def flip_negation(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Negated <-> affirmed: "denies X" -> "reports X", "no X" -> "X", "positive" <-> "negative"."""
    edits = sorted(set(_negation_edits(output)), key=lambda e: (e.start, e.end, e.new))
    if not edits:
        return None
    edit = rng.choice(edits)
    sentence_end = sentence_at(output, edit.start)[1]
    scope = output[edit.start : sentence_end]
    risk = RiskLevel.HIGH if CONCERN_RE.search(scope) else RiskLevel.MODERATE
    old = output[edit.start : edit.end]
    return make_replacement(
        "flip_negation",
        output,
        edit.start,
        edit.end,
        edit.new,
        (ErrorCategory.DETAIL_MISIDENTIFICATION, risk),
        f"Reversed the negation: '{old}' became '{edit.new}'.",
    )
