"""qualifier.v1: a qualifier of the input that the output drops (missing context).

"Chest pain on exertion" summarised as "chest pain", "a history of stroke" as "stroke": the claim
is still worded from the input, so a claim-level verifier reads it as supported. This check reads
the other way round. It finds the qualifiers of the input (when, on what trigger, for how long,
in the past, in part, especially where), aligns each to the output sentence that speaks of the
same thing, and asks a learned model whether the output lost it.

The model is a logistic regression over the candidate's features (``FEATURES``), fitted on
synthetic dropped qualifiers by ``medfact train qualifier`` and stored as JSON
(``medfact/models/qualifier-v1.json``) with its decision threshold.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from medfact.analysis import ASKED, NEGATED, AnalyzedText, Token
from medfact.document import CaseDoc
from medfact.fitted import load_fitted
from medfact.lexicon import terms
from medfact.registry import verifiers
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.base import OMITTED, Rule

_ACTIVITY = (
    r"exert\w*|exercis\w*|activit\w*|walk\w*|climb\w*|(?:going |walking )?(?:up|down) ?stairs|"
    r"stairs|stand\w*|sitting|sit|lift\w*|bend\w*|cough\w*|eat\w*|swallow\w*|(?:deep )?breath\w*|"
    r"mov\w*|urinat\w*|running|run|lying(?: down)?|lie down|laying down|position\w*|turn\w*|"
    r"work\w*|sleep\w*|twist\w*|kneel\w*|squat\w*|reach\w*|push\w*|pull\w*|chew\w*|talk\w*|"
    r"drink\w*|meals?|food|stress|cold|heat|touch\w*|pressure|weight[- ]bearing|inspiration"
)
# Each kind of qualifier, as the input may word it (notes and dialogue alike).
QUALIFIER_KINDS: tuple[str, ...] = (
    "timing",
    "trigger",
    "duration",
    "history",
    "scope",
    "extent",
)
_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "timing",
        r"\b(?:at night|in the night|(?:at|during the) night ?time|nighttime|nocturnal|overnight|"
        r"at bedtime|in the (?:morning|evening|afternoon)s?|"
        r"first thing in the morning|on waking|"
        r"when (?:i|he|she|they) (?:wake|woke|get|got) up|(?:after|before|with) (?:meals|eating|"
        r"dinner|lunch|breakfast)|during the day|at rest|while (?:resting|asleep))\b",
    ),
    (
        "trigger",
        r"\b(?:with|on|upon|during|after|when|while|whenever|if|anytime|any time|every time|"
        r"each time)\s+(?:(?:i|he|she|they|you|the patient|it's|i'm|she's|he's)\s+)?"
        r"(?:(?:try(?:ing)? to|tries to|going to|am|is|are|was|do|does|did|have|has|get|gets)\s+)?"
        r"(?:\w+\s+)?(?:" + _ACTIVITY + r")\b(?:\s+(?:up|down)(?:\s+the)?\s+stairs\b)?",
    ),
    (
        "duration",
        r"\b(?:for|over|in)\s+(?:about\s+|around\s+|approximately\s+|almost\s+|nearly\s+|over\s+)?"
        r"(?:the\s+)?(?:past|last|next)?\s*(?:[\w-]+\s+){0,2}(?:days?|weeks?|months?|years?)\b|"
        r"\bsince\s+(?:last\s+\w+|(?:19|20)\d\d|childhood|birth|(?:he|she|i|they) was)\b|"
        r"\b(?:\d+|a|one|two|three|four|five|six|several|few|couple of)\s+(?:days?|weeks?|months?|"
        r"years?)\s+ago\b",
    ),
    (
        "history",
        r"\b(?:(?:a\s+)?(?:known\s+)?(?:past\s+)?history (?:of|significant for|positive for)|h/o|"
        r"hx of|status post|s/p|"
        r"previous(?:ly)?|prior(?! to)|remote|in the past|formerly|former|"
        r"(?<!was )(?<!were )(?<!is )(?<!be )(?<!am )(?<!'m )(?<!are )used to (?=(?:have|smoke|"
        r"drink|take|use|get|be|feel|suffer|need)\b)|"
        r"had (?:a|an) (?:\w+ )?(?:stroke|heart attack|surgery|fracture|infection|episode|mi|"
        r"clot|dvt|operation|procedure|injury)|diagnosed (?:with|as having))\b",
    ),
    (
        "scope",
        r"\b(?:especially|particularly|mainly|mostly|primarily|predominantly|only)\s+"
        r"(?:in|on|at|with|when|while|for|during|after|around|the|her|his|my|your|if)\b",
    ),
    ("extent", r"\b(?:partial(?:ly)?|borderline|subclinical|incomplete(?:ly)?|mild(?:ly)?)\b"),
)
_QUALIFIER_RES = tuple((kind, re.compile(p, re.IGNORECASE)) for kind, p in _PATTERNS)
_NOT_HISTORY = re.compile(r"\b(?:family|social|no|denies|without|negative)\b[^.?!]{0,20}$", re.I)

FEATURES: tuple[str, ...] = (
    *(f"kind_{k}" for k in QUALIFIER_KINDS),
    "anchor_overlap",
    "anchor_share",
    "head_before",
    "head_after",
    "qualifier_in_sentence",
    "qualifier_in_output",
    "same_kind_in_sentence",
    "sentence_share",
    "log_sentence_len",
    "log_context_sentence_len",
    "dialogue",
    "asked",
    "negated",
    "rivals",
    "sentence_dated",
    "sentence_present",
    "patient_turn",
    "doctor_turn",
    "question",
    "family",
    "section_style",
)
# A list under a history-like heading ("Significant for asthma."): the heading carries the
# qualifier, which the sentence need not repeat.
_SECTION = re.compile(
    r"^\W*(?:\d+\.\s*)?(?:(?:significant|positive|negative|notable|remarkable|strong|"
    r"pertinent)\s+for|includes?|pmh|past medical)\b",
    re.IGNORECASE,
)
# The output sentence already places the finding in time ("in 2004", "was treated", "ago").
_DATED = re.compile(
    r"\b(?:(?:19|20)\d\d|ago|had|was|were|diagnosed|underwent|treated|since|until|resolved)\b",
    re.IGNORECASE,
)
# ... or states it as present ("has", "is", "positive for", "complains of").
_PRESENT = re.compile(
    r"\b(?:has|have|is|are|positive for|complains? of|reports?|presents? with|with)\b", re.I
)
# A relative's history, not the patient's ("your father has a history of ...").
_FAMILY = re.compile(
    r"\b(?:family|father|mother|dad|mom|brother|sister|sibling|son|daughter|uncle|aunt|"
    r"grand\w+|cousin|parents?)\b",
    re.IGNORECASE,
)
_SPEAKER = re.compile(r"^\s*(?:\[(\w+)\]|(\w+)\s*:)")


@dataclass(frozen=True)
class Candidate:
    """One input qualifier aligned to the output sentence that speaks of the same thing."""

    kind: str
    context_span: tuple[int, int]
    sentence: int  # output sentence index
    features: tuple[float, ...]


def find_qualifiers(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of each qualifier phrase in ``text``, in order, none overlapping."""
    found = []
    for kind, pattern in _QUALIFIER_RES:
        for m in pattern.finditer(text):
            if kind == "history" and _NOT_HISTORY.search(text[max(0, m.start() - 30) : m.start()]):
                continue
            found.append((kind, m.start(), m.end()))
    found.sort(key=lambda q: (q[1], -q[2]))
    out: list[tuple[str, int, int]] = []
    for q in found:
        if not out or q[1] >= out[-1][2]:
            out.append(q)
    return out


# Words that carry the same qualifier (by their first five letters): "prior" keeps "in the past".
_SAME = {
    **dict.fromkeys(("histo", "prior", "previ", "past", "forme", "remot", "used"), "HISTORY"),
    **dict.fromkeys(("night", "noctu", "overn", "bedti"), "NIGHT"),
    **dict.fromkeys(("meal", "meals", "postp", "eatin", "eat"), "MEAL"),
    **dict.fromkeys(("exert", "exerc", "activ"), "EXERTION"),
}


def _key(tok: Token) -> str:
    """A content word's stem cut to five letters, so "leak" meets "leakage" and "walking"
    "walks"; a number word as its digits ("three" meets "3"); words of one qualifier as one."""
    value = terms.NUMBER_WORDS.get(tok.text)
    if value is not None:
        return str(value)
    return _SAME.get(tok.stem[:5], tok.stem[:5])


def _content(tokens: list[Token]) -> set[str]:
    return {_key(t) for t in tokens if t.content or t.text in terms.NUMBER_WORDS}


@dataclass(frozen=True)
class _Place:
    """Where an input qualifier sits: its words, its sentence, and the words around it."""

    kind: str
    span: tuple[int, int]
    words: set[str]
    sentence: int
    anchor: set[str]  # content words near it (what it qualifies)
    before: set[str]  # the three words before and after it
    after: set[str]
    first_token: Token


def _places(ctx: AnalyzedText, width: int) -> list[_Place]:
    """Every qualifier of the input with an anchor; in a dialogue, a short answer ("yes, at
    night") also takes the question before it as its anchor."""
    places = []
    for kind, start, end in find_qualifiers(ctx.text):
        q_tokens = ctx.tokens_in(start, end)
        if not q_tokens:
            continue
        words = _content(q_tokens)
        sent = q_tokens[0].sentence
        s_tokens = ctx.sentence_tokens(sent)
        first = next(i for i, t in enumerate(s_tokens) if t.start == q_tokens[0].start)
        last = first + len(q_tokens)
        anchor = _content(s_tokens[max(0, first - width) : first] + s_tokens[last : last + width])
        if ctx.is_dialogue and len(_content(s_tokens) - words) < 3 and sent > 0:
            anchor |= _content(ctx.sentence_tokens(sent - 1))
        anchor -= words
        if anchor:
            places.append(
                _Place(
                    kind,
                    (start, end),
                    words,
                    sent,
                    anchor,
                    _content(s_tokens[max(0, first - 3) : first]) - words,
                    _content(s_tokens[last : last + 3]) - words,
                    q_tokens[0],
                )
            )
    return places


def candidates(view: CaseDoc, width: int = 6) -> list[Candidate]:
    """Each input qualifier whose neighbourhood the output speaks of, with its features.

    The anchor is the content words within ``width`` tokens of the qualifier; the output
    sentence sharing most anchor words is where the qualifier belongs. A qualifier whose anchor
    the output never mentions yields nothing: that is an omission of the finding itself, not of
    its context (``omission.v1``'s business).
    """
    out, ctx = view.output, view.context
    if ctx is None or not out.sentences:
        return []
    out_sets = [_content(out.sentence_tokens(i)) for i in range(len(out.sentences))]
    out_words = _content(out.tokens)
    result = []
    for place in _places(ctx, width):
        overlaps = [len(place.anchor & s) for s in out_sets]
        best = max(range(len(overlaps)), key=overlaps.__getitem__)
        if overlaps[best]:
            features = _features(view, place, best, out_sets, out_words, overlaps)
            result.append(Candidate(place.kind, place.span, best, features))
    return result


def _features(
    view: CaseDoc,
    place: _Place,
    best: int,
    out_sets: list[set[str]],
    out_words: set[str],
    overlaps: list[int],
) -> tuple[float, ...]:
    """``FEATURES`` of one input qualifier against the output sentence ``best``."""
    ctx = view.context
    assert ctx is not None
    o_set, o_text = out_sets[best], view.output.sentences[best].text
    s_set = _content(ctx.sentence_tokens(place.sentence))
    s_text = ctx.sentences[place.sentence].text
    line = ctx.text[ctx.text.rfind("\n", 0, place.span[0]) + 1 : place.span[0]]
    who = _SPEAKER.match(line)
    speaker = (who.group(1) or who.group(2)).lower() if who else ""
    words = place.words
    return (
        *(float(place.kind == k) for k in QUALIFIER_KINDS),
        math.log1p(overlaps[best]),
        overlaps[best] / len(place.anchor),
        float(len(place.before & o_set)),
        float(len(place.after & o_set)),
        len(words & o_set) / len(words) if words else 0.0,
        len(words & out_words) / len(words) if words else 0.0,
        float(place.kind in {k for k, _, _ in find_qualifiers(o_text)}),
        len(s_set & o_set) / len(s_set | o_set),
        math.log1p(len(o_set)),
        math.log1p(len(s_set)),
        float(ctx.is_dialogue),
        float(place.first_token.polarity == ASKED),
        float(place.first_token.polarity == NEGATED),
        float(min(sum(o == overlaps[best] for o in overlaps) - 1, 3)),
        float(bool(_DATED.search(o_text))),
        float(bool(_PRESENT.search(o_text))),
        float(speaker in ("patient", "pt")),
        float(speaker in ("doctor", "dr", "clinician", "physician", "provider")),
        float(s_text.rstrip().endswith("?")),
        float(bool(_FAMILY.search(s_text))),
        float(bool(_SECTION.search(o_text))),
    )


@verifiers.register("qualifier.v1")
class QualifierRule(Rule):
    """Missing-context findings from a fitted qualifier model (JSON, no pickle).

    ``path``: the model (default: the shipped ``qualifier-v1.json``); ``threshold``: P(lost) at
    which a candidate becomes a finding (default: the model's, chosen in training); ``risk``: the
    findings' level (2: at the precision measured, a pointer for review, not a verdict; the
    calibrated scorer weighs it with the rest).
    """

    name = "qualifier.v1"

    def __init__(
        self, path: str | None = None, threshold: float | None = None, risk: int = 2
    ) -> None:
        self.path = path
        self.threshold = threshold
        self.risk = risk
        self.model_: dict[str, Any] | None = None

    def load(self) -> QualifierRule:
        if self.model_ is None:
            self.model_ = load_fitted(
                self.path, "qualifier-v1.json", "qualifier", "medfact train qualifier", FEATURES
            )
        return self

    def probabilities(self, rows: list[tuple[float, ...]]) -> list[float]:
        """P(the output lost this qualifier) for each candidate's feature row."""
        from medfact.fitted import logistic_probabilities

        if not rows:
            return []
        return logistic_probabilities(self.load().model_, rows)[:, 1].tolist()

    def check(self, view: CaseDoc) -> list[Finding]:
        found = candidates(view)
        if not found:
            return []
        m = self.load().model_
        assert m is not None
        threshold = self.threshold if self.threshold is not None else m["threshold"]
        best: dict[int, tuple[float, Candidate]] = {}
        for cand, p in zip(found, self.probabilities([c.features for c in found]), strict=True):
            if p >= threshold and p > best.get(cand.sentence, (0.0, cand))[0]:
                best[cand.sentence] = (p, cand)
        findings = []
        assert view.context is not None
        for sentence, (p, cand) in sorted(best.items()):
            span = tuple(view.output.sentences[sentence].span)
            phrase = view.context.text[slice(*cand.context_span)]
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.MISSING_CONTEXT,
                    self.risk,
                    span,  # type: ignore[arg-type]
                    f"the input qualifies this with a {cand.kind} qualifier ('{phrase}') that "
                    f"the output leaves out (p={p:.2f})",
                    relation=OMITTED,
                    context_span=cand.context_span,
                    confidence=round(p, 4),
                )
            )
        return findings
