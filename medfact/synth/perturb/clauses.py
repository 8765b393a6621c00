"""Unsupported clauses attached to a finding: a cause (``add_misleading_justification``) or a
change over time (``invent_comparison``) that the input never states."""

from __future__ import annotations

import random
import re

from medfact.synth.perturb.additions import pick_unsupported, text_style
from medfact.synth.perturb.base import Perturbation
from medfact.synth.perturb.edits import make_clause_insertion
from medfact.synth.perturb.text import is_header, mentions, sentence_at, split_sentences, words_of
from medfact.synth.perturb.vocabulary import FINDING_RE, NEGATION_RE
from medfact.taxonomy import ErrorCategory, RiskLevel

# Plausible but unsupported causes, by the kind of finding they would explain.
_CAUSE_GROUPS: tuple[tuple[re.Pattern[str], tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    (
        re.compile(
            r"\b(?:pain|swelling|injur|sprain|strain|stiff|tender|back|knee|shoulder)", re.I
        ),
        (
            ("heavy lifting", ("lift",)),
            ("a recent fall", ("fall", "fell")),
            ("prolonged sitting at work", ("sitting", "desk")),
            ("a new exercise routine", ("exercis", "gym", "running", "workout")),
        ),
    ),
    (
        re.compile(r"\b(?:nausea|vomit|diarrh|abdominal|stomach|bowel|constipat|appetite)", re.I),
        (
            ("a recent viral infection", ("vir", "infect", "flu", "bug")),
            ("food poisoning", ("food", "ate", "restaurant")),
            ("recent travel", ("travel", "trip", "flight", "flew")),
            ("a recent change in diet", ("diet", "food")),
        ),
    ),
    (
        re.compile(r"\b(?:cough|wheez|rash|itch|sinus|congest|hives|sneez|throat|eczema)", re.I),
        (
            ("seasonal allergies", ("allerg", "season", "pollen")),
            ("a recent viral infection", ("vir", "infect", "flu", "cold")),
            ("a new laundry detergent", ("detergent", "soap", "laundry")),
        ),
    ),
    (
        re.compile(
            r"\b(?:head|migraine|dizz|lighthead|vertigo|fatigue|tired|confus|hallucin)", re.I
        ),
        (
            ("dehydration", ("dehydrat", "fluid", "water")),
            ("lack of sleep", ("sleep", "insomnia")),
            ("stress at home", ("stress", "anxi")),
            ("a side effect of a new medication", ("side effect", "new medication")),
        ),
    ),
)
_NOTE_CAUSES = (
    ("not taking medications as prescribed", ("adheren", "complian", "missed", "forgot")),
    ("stress at home", ("stress", "anxi")),
    ("a side effect of a new medication", ("side effect", "new medication")),
    ("a poor diet", ("diet", "food")),
)
_QA_CAUSES = (
    ("a lack of vitamin D", ("vitamin",)),
    ("exposure to air pollution", ("pollution", "air")),
    ("high dietary salt intake", ("salt", "sodium")),
    ("prolonged antibiotic use", ("antibiotic",)),
    ("a diet low in fiber", ("fiber", "diet")),
)
_ABSTRACT_CAUSES = (
    ("differences in patient age between the groups", ("age", "older", "younger")),
    ("a higher rate of smoking", ("smok", "tobacco")),
    ("the longer follow-up period", ("follow",)),
    ("better adherence to treatment", ("adheren", "complian")),
    ("selection bias in the control group", ("bias", "selection")),
)
_CONNECTIVES = {
    "note": ("likely due to", "probably secondary to", "most likely caused by"),
    "qa": ("because of", "which is explained by", "likely due to"),
    "abstract": ("because of", "which is explained by", "likely due to"),
}
_CAUSAL_RE = re.compile(
    r"\b(?:due to|because|secondary to|caus\w+|from|result of|attributed|since|after|"
    r"following|related to|associated with)\b",
    re.IGNORECASE,
)
_WORSE_WORDS = ("worse", "worsen", "progress", "deteriorat", "getting bad")
_BETTER_WORDS = ("better", "improv", "resolv", "getting good")
_NOTE_COMPARISONS = (
    (", which has worsened since the last visit", _WORSE_WORDS),
    (", which has improved since the last visit", _BETTER_WORDS),
    (", which is worse than at the previous visit", _WORSE_WORDS),
)
_IMAGING_COMPARISONS = (
    (", improved compared with prior imaging", _BETTER_WORDS),
    (", worse than on the previous study", _WORSE_WORDS),
)
_QA_COMPARISONS = (
    (", and this has become more common over the past decade", _WORSE_WORDS),
    (", a rate that has fallen sharply in recent years", _BETTER_WORDS),
)
_ABSTRACT_COMPARISONS = (
    (", a larger effect than reported in earlier studies", _WORSE_WORDS),
    (", an improvement over the results of previous trials", _BETTER_WORDS),
)

_CAUSES = {"note": _NOTE_CAUSES, "qa": _QA_CAUSES, "abstract": _ABSTRACT_CAUSES}
_COMPARISON_RE = re.compile(
    r"\b(?:worse|worsen\w*|better|improv\w*|progress\w*|increas\w*|decreas\w*|compared|"
    r"than|since|unchanged|stable|previous|prior|again|still|anymore)\b",
    re.IGNORECASE,
)
_IMAGING_RE = re.compile(r"\b(?:x-ray|ct|mri|ultrasound|imaging|scan|ekg|ecg|film)\b", re.I)

_SOCIAL_RE = re.compile(r"\b(?:smok|tobacco|alcohol|etoh|drink|abuse|addict|drug)", re.I)
_NOT_A_HOST_RE = re.compile(
    r"\b(?:mother|father|brothers?|sisters?|sons?|daughters?|siblings?|aunts?|uncles?|grand\w+|"
    r"family|familial|parents?|children|child|husband|wife|likely|possibl\w*|probabl\w*|"
    r"suspect\w*|request\w*|information|educat\w*|counsel\w*|"
    r"prevent\w*|if|in order|should|will|we'll|try|plan\w*|recommend\w*|continue|start|take|"
    r"follow\w*|surger\w*|\w+ectomy|\w+plasty|operation|procedure|repair|release|resection|"
    r"compensation|help\w*)\b",
    re.IGNORECASE,
)


def _clause_hosts(output: str, *exclude: re.Pattern[str]) -> list[int]:
    """Final periods of affirmative sentences that end on a finding and can take a clause."""
    hosts = []
    for start, end in split_sentences(output):
        sentence = output[start:end]
        body = sentence[:-1]
        if not sentence.endswith(".") or not body[-1:].isalnum() or is_header(sentence):
            continue
        words = words_of(body)
        if len(words) < 3 or body.count(",") > 1 or sentence.endswith("etc."):
            continue
        tail = " ".join(words[-4:])
        if not FINDING_RE.search(tail) or _SOCIAL_RE.search(tail) or _NOT_A_HOST_RE.search(body):
            continue
        if not NEGATION_RE.search(body) and not any(p.search(body) for p in exclude):
            hosts.append(end - 1)
    return hosts


def add_misleading_justification(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Attach a cause the input never gives: "..., likely due to recent travel."."""
    hosts = _clause_hosts(output, _CAUSAL_RE, _COMPARISON_RE)
    if not hosts:
        return None
    at = rng.choice(hosts)
    style = text_style(context, output, task)
    causes = _CAUSES[style]
    if style == "note":
        tail = " ".join(words_of(output[slice(*sentence_at(output, at - 1))])[-4:])
        causes = next((group for pattern, group in _CAUSE_GROUPS if pattern.search(tail)), causes)
    chosen = pick_unsupported(causes, context + "\n" + output, rng)
    if chosen is None:
        return None
    clause = f", {rng.choice(_CONNECTIVES[style])} {chosen[0]}"
    return make_clause_insertion(
        "add_misleading_justification",
        output,
        at,
        clause,
        (ErrorCategory.MISLEADING_JUSTIFICATION, RiskLevel.MODERATE),
        f"Attached a cause the input does not give: '{clause[2:]}'.",
    )


def invent_comparison(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Add a change over time ("which has worsened since the last visit") the input never states."""
    hosts = _clause_hosts(output, _COMPARISON_RE)
    if not hosts:
        return None
    at = rng.choice(hosts)
    sentence = output[slice(*sentence_at(output, at - 1))]
    style = text_style(context, output, task)
    if style == "note":
        templates = _IMAGING_COMPARISONS if _IMAGING_RE.search(sentence) else _NOTE_COMPARISONS
    else:
        templates = _QA_COMPARISONS if style == "qa" else _ABSTRACT_COMPARISONS
    usable = [t for t in templates if not mentions(context, t[1])]
    if not usable:
        return None
    clause = rng.choice(usable)[0]
    return make_clause_insertion(
        "invent_comparison",
        output,
        at,
        clause,
        (ErrorCategory.FALSE_COMPARISON, RiskLevel.MODERATE),
        f"Added a comparison the input does not state: '{clause[2:]}'.",
    )
