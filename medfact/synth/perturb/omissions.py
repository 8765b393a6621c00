"""Omissions: a whole sentence (``drop_finding``), a qualifier (``drop_qualifier``) or a stated
trend or comparison (``drop_comparison``) removed from the output."""

from __future__ import annotations

import random
import re

from medfact.synth.perturb.base import Perturbation, Span
from medfact.synth.perturb.drugs import DRUG_RE
from medfact.synth.perturb.edits import make_deletion
from medfact.synth.perturb.text import (
    is_header,
    is_list_item,
    sentence_at,
    split_sentences,
    wordlist,
    words_of,
)
from medfact.synth.perturb.vocabulary import CONCERN_RE, FINDING_RE, NEGATION_RE
from medfact.taxonomy import ErrorCategory, RiskLevel

_PLAN_RE = re.compile(
    r"\b(?:start|continue|prescrib|refer|schedul|follow[- ]?up|recommend|order|discontinu|"
    r"increase|decrease|return|admit|discharg|given|taking|treated)\w*",
    re.IGNORECASE,
)


def _negated(sentence: str) -> bool:
    """A negation cue comes before the sentence's first finding ("denies chest pain")."""
    cue = NEGATION_RE.search(sentence)
    finding = FINDING_RE.search(sentence) or DRUG_RE.search(sentence)
    return bool(cue) and (finding is None or cue.start() < finding.start())


def _salient(sentence: str) -> bool:
    content = FINDING_RE.search(sentence) or DRUG_RE.search(sentence) or _PLAN_RE.search(sentence)
    return bool(content) and len(words_of(sentence)) >= 2


def drop_finding(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Remove a whole sentence carrying a finding, diagnosis, medication or plan."""
    spans = split_sentences(output)
    texts = [output[s:e] for s, e in spans]
    body = [i for i, t in enumerate(texts) if not is_header(t)]
    if len(body) < 2:
        return None
    candidates = []
    for i in body:
        prev_header = i == 0 or is_header(texts[i - 1])
        next_header = i + 1 == len(texts) or is_header(texts[i + 1])
        numbered = is_list_item(texts[i]) and i + 1 < len(texts) and is_list_item(texts[i + 1])
        if _salient(texts[i]) and not (prev_header and next_header) and not numbered:
            candidates.append(i)
    affirmed = [i for i in candidates if not _negated(texts[i])]
    if not candidates:
        return None
    # an affirmed finding if there is one; a pertinent negative left out is a lesser omission
    i = rng.choice(affirmed or candidates)
    start, end = _sentence_cut(output, spans, i)
    return make_deletion(
        "drop_finding",
        output,
        start,
        end,
        (ErrorCategory.MISSING_CLAIM, RiskLevel.MODERATE if affirmed else RiskLevel.LOW),
        f"Removed the sentence '{texts[i]}'.",
        context,
    )


def _sentence_cut(output: str, spans: list[Span], i: int) -> Span:
    """The characters to remove with sentence ``i``: one adjoining gap, keeping line breaks."""
    start, end = spans[i]
    after = output[end : spans[i + 1][0]] if i + 1 < len(spans) else None
    before = output[spans[i - 1][1] : start] if i > 0 else None
    if after is not None and ("\n" not in after or before is None or "\n" in before):
        return start, spans[i + 1][0]
    if before is not None:
        return spans[i - 1][1], end
    return start, end


_END = r"(?=[,.;]|\s+(?:and|but)\b|$)"
_HISTORY_NOUNS = wordlist(
    "stroke mi mis myocardial surgery fracture injury infection episode episodes diagnosis "
    "pneumonia cancer dvt clot"
)
_QUALIFIERS: tuple[tuple[str, str], ...] = (
    (
        "timing",
        r"(?:,\s*|\s+)(?:especially |mostly |mainly |usually |only )?(?:at night|in the morning|"
        r"in the evening|at rest|during the night|overnight|after meals|after eating|"
        r"before meals|on waking)" + _END,
    ),
    (
        "trigger",
        r"\s+(?:with|on|upon|during|after) (?:exertion|exercise|activity|physical activity|"
        r"walking|climbing stairs|position changes|deep breathing|deep inspiration|coughing|"
        r"eating|urination|movement|standing|lifting|bending)" + _END,
    ),
    (
        "condition",
        r"\s+(?:when|while|whenever) (?:(?:he|she|they|the patient) )?(?:\w+ing|stands?|sits?|"
        r"walks?|climbs?|lies|lays?|bends?|eats?|lifts?|coughs?|gets? up|moves?|turns?)\b"
        r"[^,.;()]{0,30}" + _END,
    ),
    ("duration", r"\s+for (?:the )?(?:past|last) (?:[\w-]+ ){0,2}(?:days?|weeks?|months?|years?)"),
    ("scope", r",\s*(?:especially|particularly|mainly|mostly|only) [^,.;()]{3,50}(?=[.;])"),
    ("history", r"(?<!-)\b(?:a )?(?:known )?history of\s+(?!present illness)(?=\w)"),
    ("history", r"\bstatus post\s+(?=\w)"),
    (
        "history",
        r"\b(?:previous|prior|remote)\s+(?=(?:\w+ )?(?:" + "|".join(_HISTORY_NOUNS) + r")\b)",
    ),
    ("extent", r"\b(?:partial|borderline|subclinical)\s+(?=\w)"),
)
_QUALIFIER_RES = tuple((name, re.compile(p, re.IGNORECASE)) for name, p in _QUALIFIERS)
_NOT_AFTER = re.compile(
    r"\b(?:medical|family|familial|surgical|social|past|no|any|denies|denied|negative|without|of|"
    r"had|long|longstanding|significant|extensive|remote|prior|strong|positive|personal|"
    r"see)\s+$",
    re.IGNORECASE,
)
_DATED_RE = re.compile(r"\b(?:19|20)\d\d\b|\bago\b|\bin (?:the )?past\b", re.IGNORECASE)


def drop_qualifier(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Remove a qualifier that changes the reading: timing, trigger, duration, history-of."""
    candidates = []
    for name, pattern in _QUALIFIER_RES:
        for m in pattern.finditer(output):
            if name == "history" and _NOT_AFTER.search(output[max(0, m.start() - 24) : m.start()]):
                continue
            sentence = output[slice(*sentence_at(output, m.start()))]
            if name == "history" and _DATED_RE.search(sentence):
                continue  # "prior surgery 13 years ago" reads the same without "prior"
            candidates.append((name, m.start(), m.end()))
    rng.shuffle(candidates)
    for name, start, end in candidates:
        sentence = output[slice(*sentence_at(output, start))]
        concerning = name in ("trigger", "condition", "timing") and CONCERN_RE.search(sentence)
        risk = RiskLevel.MODERATE if name == "history" or concerning else RiskLevel.LOW
        removed = output[start:end].strip(" ,")
        result = make_deletion(
            "drop_qualifier",
            output,
            start,
            end,
            (ErrorCategory.MISSING_CONTEXT, risk),
            f"Removed the {name} qualifier '{removed}'.",
            context,
        )
        if result is not None:
            return result
    return None


_TREND_CLAUSE = re.compile(
    r"(?:,\s*|\s+)(?:although|but|and|which|though)\s+(?:(?:this|that|it|(?:these|the|her|his|"
    r"their)\s+\w+|symptoms|pain)\s+)?(?:has|have)\s+(?:since\s+)?(?:\w+ly\s+)?"
    r"(?P<verb>improved|worsened|progressed|increased|decreased|resolved|gotten worse|"
    r"gotten better)(?:\s+[^,.;()]{0,40})?(?=[,.;]|$)",
    re.IGNORECASE,
)
_TREND_ADJECTIVE = re.compile(
    r"(?<!been )(?<!is )(?<!are )(?<!was )(?<!were )(?<!be )"
    r"\b(?:(?:gradually|progressively|steadily)\s+)?(?P<verb>increasing|worsening|progressive|"
    r"improving|decreasing|escalating)\s+(?!(?:in|of|to|and|or|but|the|a|an|over|with|after|"
    r"since|for|at|on|as|when|while|until|despite|from|during|by|than)\b)"
    r"(?=(?:[\w-]+\s+){0,2}" + FINDING_RE.pattern[2:] + r")",
    re.IGNORECASE,
)
_SIDE_COMPARISON = re.compile(
    r",\s*(?P<verb>right|left) (?:greater|worse) than (?:left|right)(?=[,.;]|$)", re.IGNORECASE
)
_TREND_THAN = re.compile(
    r",\s*(?:(?:much|significantly|slightly|somewhat)\s+)?(?P<verb>better|worse) than "
    r"(?:before|previously|at the last visit|last time|prior|usual|yesterday)(?=[,.;]|$)",
    re.IGNORECASE,
)
_WORSENING = ("wors", "progress", "increas", "escalat", "gotten worse")


def drop_comparison(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Remove a stated trend or comparison ("which has worsened", "increasing pain")."""
    candidates = [
        (m.start(), m.end(), m.group("verb").lower())
        for pattern in (_TREND_CLAUSE, _TREND_ADJECTIVE, _SIDE_COMPARISON, _TREND_THAN)
        for m in pattern.finditer(output)
    ]
    for start, end, verb in sorted(candidates, key=lambda c: (rng.random(), c)):
        worsening = verb.startswith(_WORSENING)
        risk = RiskLevel.MODERATE if worsening else RiskLevel.LOW
        removed = output[start:end].strip(" ,")
        result = make_deletion(
            "drop_comparison",
            output,
            start,
            end,
            (ErrorCategory.MISSING_COMPARISON, risk),
            f"Removed the comparison '{removed}'.",
            context,
        )
        if result is not None:
            return result
    return None
