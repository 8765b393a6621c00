"""condition.v1: a condition the input sets on a drug or an activity that the output drops.

"Metoprolol 25 mg every morning, only if the heart rate is above 60" summarised as "metoprolol
25 mg every morning"; "no driving until cleared by the fracture clinic" as "no driving": the
instruction is still worded from the input, so a claim-level check reads it as supported. This
check finds the input's constraints (only if, provided, as long as, unless, until ..., once ...,
hold or stop ... if), each attached to the drugs or the activity its sentence names, and reports
one whose drug or activity the output names only in sentences that carry no condition at all
(category missing_context, relation "omitted", the input's condition as ``context_span``).

A plan's contingency ("if it is still high we will increase it") is not a constraint on what
the patient does now and is left alone; so is a question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from medfact.analysis import AnalyzedText
from medfact.document import CaseDoc
from medfact.registry import verifiers
from medfact.rehint import fast_compile
from medfact.taxonomy import ErrorCategory
from medfact.textutil import sentence_at
from medfact.types import Finding
from medfact.verifiers.base import OMITTED, Rule

_STOP_TAKING = (
    r"(?:hold|withhold|omit|skip|stop|pause|don't take|do not take|don't give|do not give)"
)
# a constraint on taking a drug or doing something: the words that open it
_CONSTRAINT = fast_compile(
    r"\bonly (?:if|when|after|once|while|until)\b|\bprovided(?: that)?\b|\b(?:as|so) long as\b"
    r"|\bunless\b"
    r"|\buntil (?:cleared|reviewed|seen|told|advised|after|the|your|his|her|their|you|she|he|they"
    r"|it|eating|inr|bp|sbp)\b"
    r"|\bonce (?:cleared|able|(?:you|she|he|they)(?:'re|'s| are| is| can| have| has)(?: been)? "
    r"(?:cleared|able|eating|free))\b"
    # "Once you can do an emergency stop comfortably": what one must be able to do first
    r"|\bonce (?:you|she|he|they) can\b"
    r"|\b" + _STOP_TAKING + r"\b[^.;\n?]{0,50}?\bif\b"
    r"|\bif\b[^.;\n?]{0,60}?\b" + _STOP_TAKING + r"\b",
    re.IGNORECASE,
)
# a limit on how long or how much ("but only for a week", "five to seven days at most", "for
# the duration of immobilisation"): an output keeps it only with a limit of its own
_LIMIT = fast_compile(
    r"\bonly for\b|\bat (?:the )?most\b|\bno (?:more|longer) than\b|\bnot (?:more|longer) than\b"
    r"|\bfor the duration of\b|\ba maximum of\b",
    re.IGNORECASE,
)
# a condition on starting a drug again ("restart the metformin after your kidney test",
# "Restart it with his first meal"): an output keeps it only by saying when
_RESTART = fast_compile(
    r"\b(?:restart|resume|re-start|recommence)\w*\b[^.;\n?]{0,40}?\b(?:after|once|when|if|with)\b",
    re.IGNORECASE,
)
_LIMIT_KEPT = re.compile(
    r"\b(?:max(?:imum)?|at most|no more than|not more than|up to|only|while|during)\b"
    r"|[<>\u2264\u2265]"
    r"|\bx ?\d|\b\d+ ?(?:d|days?|wks?|weeks?|months?|/7|/52)\b"
    r"|\bfor (?:\d+|a|one|two|three|four|five|six|seven|ten|fourteen) (?:days?|weeks?|months?)\b",
    re.IGNORECASE,
)
_RESTART_KEPT = re.compile(
    r"\b(?:until|after|once|when|then|if|with|on|near|pending|depending|provided|unless|by)\b",
    re.IGNORECASE,
)
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("condition", _CONSTRAINT),
    ("limit", _LIMIT),
    ("restart", _RESTART),
)
# what the condition is set on, when no drug is named: an activity the patient is told about
_ACTIVITY = re.compile(
    r"\b(?:driv\w*|work|school|nursery|sports?|gym|swim\w*|fly\w*|flights?|weight[- ]bearing"
    r"|activit\w*|home"
    r"|bear(?:ing)? weight|exercis\w*|lifting|bath\w*|shower\w*)\b",
    re.IGNORECASE,
)
# words by which an output keeps a condition, or one of its own
_KEPT = re.compile(
    r"\b(?:if|only|provided|as long as|unless|until|once|when|whenever|prn|as needed|as required"
    r"|hold|withhold|omit|parameters?|max(?:imum)?|no more than|not more than|at most"
    r"|then stop|pending|cleared|clearance|after|before|depending|subject to|conditional|while)\b"
    r"|[<>\u2264\u2265]|\bp\.r\.n\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.;\n?!]")
# the drug or activity a condition is set on is named this near it (characters before its
# first word, after its last)
_BEFORE, _AFTER = 80, 120
# a transcript's sentence longer than this is speech run on without stops: what a condition in
# it is set on cannot be told
_RUN_ON = 300


@dataclass(frozen=True, slots=True)
class Constraint:
    """An input condition (its span) and what it is set on: drugs (canonical names) or an
    activity's stem."""

    start: int
    end: int
    drugs: frozenset[str]
    activity: str | None
    kind: str = "condition"  # condition, limit (how long or how much) or restart


# a sentence about the drug of the sentence before: "Stop it if ...", "She must stop it and seek
# help the same day if any rash appears"
_STOP_IT = re.compile(
    r"\s*(?:\w+:\s*)?(?:(?:she|he|they|you|the patient)\s+)?(?:(?:must|should|will|can)\s+)?"
    r"(?:stop|hold|take|restart|resume)\s+it\b",
    re.IGNORECASE,
)


def _activity_stem(word: str) -> str:
    return word.lower()[:4]


def constraints(ctx: AnalyzedText) -> list[Constraint]:
    """The input's conditions on a drug or an activity, one per sentence and marker."""
    out = []
    found_by_kind = [(kind, m) for kind, pattern in _KINDS for m in pattern.finditer(ctx.text)]
    for kind, m in found_by_kind:
        sent = sentence_at(ctx.sentences, m.start())
        if sent is None or sent.text.rstrip().endswith("?"):
            continue  # a question sets nothing
        lo, hi = sent.span
        if ctx.is_dialogue and hi - lo > _RUN_ON:
            continue
        end = _CLAUSE_END.search(ctx.text, m.end(), hi)
        near_lo, near_hi = max(lo, m.start() - _BEFORE), min(hi, m.end() + _AFTER)
        drugs = frozenset(d.canonical for d in ctx.drugs if near_lo <= d.start < near_hi)
        stop_it = _STOP_IT.match(ctx.text, lo, hi)
        if not drugs and stop_it and sent.index > 0:
            # "Stop it and seek help if any rash appears": the drug of the sentence before
            b_lo, b_hi = ctx.sentences[sent.index - 1].span
            drugs = frozenset(d.canonical for d in ctx.drugs if b_lo <= d.start < b_hi)
        if not drugs and kind != "condition":
            # "For how long? - Just until it settles, five days at most": the drug of the two
            # sentences before (a limit or a restart is said of a drug just named)
            b_lo = ctx.sentences[max(0, sent.index - 2)].span[0]
            drugs = frozenset(d.canonical for d in ctx.drugs if b_lo <= d.start < lo)
        activity = None
        if not drugs:
            found = _ACTIVITY.search(ctx.text, near_lo, near_hi)
            if found is None and sent.index > 0 and kind == "condition":
                # the answer to a question about it ("When can I drive again? - Once you can
                # do an emergency stop comfortably")
                q_lo, q_hi = ctx.sentences[sent.index - 1].span
                if ctx.text[q_lo:q_hi].rstrip().endswith("?"):
                    found = _ACTIVITY.search(ctx.text, q_lo, q_hi)
            if found is None:
                continue
            activity = _activity_stem(found.group())
        if kind != "condition" and not drugs:
            continue  # a limit or a restart of a drug only
        start = m.start()
        if kind == "limit" and m.group().lower().startswith("at"):
            # "five to seven days at most": the limit is the clause before its marker
            cut = max(lo, *(ctx.text.rfind(ch, lo, start) + 1 for ch in ",;:"))
            start = cut + len(ctx.text[cut:start]) - len(ctx.text[cut:start].lstrip())
        out.append(Constraint(start, end.start() if end else hi, drugs, activity, kind))
    return sorted(out, key=lambda c: c.start)


def _sentences_naming(out: AnalyzedText, c: Constraint) -> list[int]:
    """Indices of the output sentences that name the constraint's drug or activity."""
    if c.drugs:
        starts = [d.start for d in out.drugs if d.canonical in c.drugs]
    else:
        starts = [
            m.start()
            for m in _ACTIVITY.finditer(out.text)
            if _activity_stem(m.group()) == c.activity
        ]
    found = {s.index for at in starts if (s := sentence_at(out.sentences, at)) is not None}
    return sorted(found)


def _parts_naming(out: AnalyzedText, c: Constraint) -> list[str]:
    """The output's list items that name the constraint's drugs (a sentence's part between
    semicolons or line breaks: "NWB x 6/52; rivaroxaban 10 mg OD; physio"), each with the next
    sentence ("Ibuprofen 400 mg TDS. One week only.")."""
    parts = []
    for d in out.drugs:
        if d.canonical not in c.drugs or (sent := sentence_at(out.sentences, d.start)) is None:
            continue
        lo, hi = sent.span
        a = max(lo, *(out.text.rfind(ch, lo, d.start) + 1 for ch in ";\n"))
        b = min([hi] + [k for ch in ";\n" if (k := out.text.find(ch, d.start, hi)) >= 0])
        after = out.sentences[sent.index + 1].text if sent.index + 1 < len(out.sentences) else ""
        parts.append(out.text[a:b] + " " + after)
    return parts


# an oxygen saturation and what follows it ("SpO2 93% on 4 L/min", "sats 91% on 2 litres")
_SATURATION = fast_compile(
    r"\b(?:SpO2|SaO2|O2 sats?|sats?|saturations?|oxygen saturations?)\b\W{0,3}(?:\w+\W+){0,2}?"
    r"(?P<value>\d{2,3})\s*%",
    re.IGNORECASE,
)
# supplemental oxygen after a saturation (not "on air" / "on room air")
_SUPPLEMENTAL = re.compile(
    r"\s*(?:\(|,)?\s*(?:on|with|via)\s+(?:\d+(?:\.\d+)?\s*(?:L|l|litres?|liters?|lpm)\b|\d{2,3}\s*%"
    r"|(?:high[- ]flow|oxygen|O2|nasal cannula|NC|face ?mask|venturi|NRB|CPAP|BiPAP|NIV))",
    re.IGNORECASE,
)
# anything an output writes after a saturation to say what it was on
_OXYGEN_KEPT = re.compile(
    r"\s*(?:\(|,|-)?\s*(?:(?:on|with|via|in|off)\b|RA\b|room air|air\b"
    r"|\d+(?:\.\d+)?\s*(?:L\b|l\b|%)|FM\b|NC\b|NRB\b|HFNO\b|mask|high[- ]flow|O2\b|oxygen)",
    re.IGNORECASE,
)


def _on_oxygen(m: re.Match[str]) -> bool:
    """Whether a saturation of the input is read on supplemental oxygen."""
    return _SUPPLEMENTAL.match(m.string, m.end()) is not None


_RESTART_VERB = re.compile(r"(?:restart|resume|re-start|recommence)", re.IGNORECASE)


def _restated(out: AnalyzedText, ctx: AnalyzedText, c: Constraint, near: set[int]) -> bool:
    """Whether the output's sentences ``near`` the drug or activity hold two content words of
    the input's condition ("as long as a responsible adult stays with him" and "with
    responsible adult"): the condition kept without a condition word."""
    drug_spans = [(d.start, d.end) for d in ctx.drugs if c.start <= d.start < c.end]
    said = {
        t.stem
        for t in ctx.tokens_in(c.start, c.end)
        if t.content
        and not any(a <= t.start < b for a, b in drug_spans)  # what it is set on, not the
        and _activity_stem(t.text) != c.activity  # condition ("restart the metformin after")
        and not _RESTART_VERB.match(t.text)
    }
    if len(said) < 2:
        return False
    here = {t.stem for k in near for t in out.sentence_tokens(k)}
    return len(said & here) >= 2


_KEPT_BY_KIND = {"condition": _KEPT, "limit": _LIMIT_KEPT, "restart": _RESTART_KEPT}


@verifiers.register("condition.v1")
class ConditionRule(Rule):
    """``risk``: the finding's risk (the severity policy may raise it)."""

    name = "condition.v1"

    def __init__(self, risk: int = 3) -> None:
        self.risk = risk

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None
        findings: list[Finding] = []
        done: set[frozenset[str] | str | None] = set()
        for c in constraints(ctx):
            key = c.drugs or c.activity
            if key in done:
                continue
            naming = _sentences_naming(out, c)
            if not naming:
                continue  # the output leaves the drug or activity out: another rule's business
            # the sentence naming it, or the next one ("Metoprolol 25 mg. Hold if HR < 60.")
            near = {k for i in naming for k in (i, i + 1) if k < len(out.sentences)}
            kept = _KEPT_BY_KIND[c.kind]
            if c.kind != "limit":
                if any(kept.search(out.sentences[k].text) for k in near):
                    continue
            elif any(kept.search(part) for part in _parts_naming(out, c)):
                continue
            if _restated(out, ctx, c, near):
                continue  # "D/c home with responsible adult for 24 h": the condition in its words
            done.add(key)
            first = out.sentences[naming[0]]
            what = ", ".join(sorted(c.drugs)) if c.drugs else f"'{c.activity}...'"
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.MISSING_CONTEXT,
                    self.risk,
                    tuple(first.span),  # type: ignore[arg-type]
                    f"condition dropped: the input sets '{ctx.text[c.start : c.end]}' on {what}; "
                    "the output states it without any condition",
                    relation=OMITTED,
                    context_span=(c.start, c.end),
                    confidence=0.6,
                )
            )
        findings.extend(self._oxygen_dropped(view))
        return findings

    def _oxygen_dropped(self, view: CaseDoc) -> list[Finding]:
        """A saturation the input reads on supplemental oxygen ("SpO2 93% on 4 L/min via nasal
        cannula") that the output gives bare ("SpO2 93%."): without the oxygen it reads as on
        air, and the oxygen need is hidden."""
        out, ctx = view.output, view.context
        assert ctx is not None
        if not _SATURATION.search(out.text):
            return []
        on_oxygen = {
            m.group("value"): m.span() for m in _SATURATION.finditer(ctx.text) if _on_oxygen(m)
        }
        findings = []
        for m in _SATURATION.finditer(out.text):
            context_span = on_oxygen.get(m.group("value"))
            if context_span is None or _OXYGEN_KEPT.match(out.text, m.end()):
                continue
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.MISSING_CONTEXT,
                    self.risk,
                    m.span(),
                    f"condition dropped: the input reads '{ctx.text[slice(*context_span)]}' on "
                    "oxygen; the output gives the saturation without it",
                    relation=OMITTED,
                    context_span=context_span,
                    confidence=0.6,
                )
            )
        return findings
