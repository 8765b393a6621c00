"""takenback.v1: an output that keeps a denial the speaker took back in the conversation.

"Any travel abroad? - No. - Brother: you went to the wedding in Accra. - Oh. Yes, sorry."
summarised as "No recent travel": the output keeps the first answer where the conversation
settles on the corrected one. The analysis affirms the words of a denial its speaker takes back
(a concession after a relative tells otherwise, "oh, actually, the blood", "actually I did")
and keeps them (``readings["taken_back"]``); the polarity rule reads only clinical words'
flips, so a taken-back denial of an ordinary word ("travel", "leaking") goes unread there.

An output word denied whose stem is one the input took back, with no denial of it left in the
input, is a finding (risk 3, detail_misidentification, relation "contradicted", the taken-back
word as ``context_span``), unless its sentence tells the correction itself ("initially denied",
"first said no").

A day a speaker takes back in the same breath for another ("on Thursday the half tablet - no
wait, it's Saturday that's the half") is taken back too: an output that names the day taken
back, which the input names nowhere else, is a finding of the same kind.
"""

from __future__ import annotations

import re

from medfact.analysis import CLINICIAN_SPEAKERS, NEGATED, Token, speaker_tag
from medfact.document import CaseDoc
from medfact.registry import verifiers
from medfact.rehint import fast_compile
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule

# an output sentence that reports the correction, not only its first answer
_TELLS_CORRECTION = re.compile(
    r"\b(?:initially|at\s+first|first\s+(?:said|denied|reported)|corrected|correction"
    r"|later\s+(?:said|recalled|admitted|reported)|on\s+reflection|then\s+recalled)\b",
    re.IGNORECASE,
)


_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_INPUT_DAY = re.compile(r"\b(mon|tues|wednes|thurs|fri|satur|sun)days?\b", re.IGNORECASE)
# an output's day, in full or in its usual short form ("Wed", "Thurs"; not "sat", "sun")
_OUTPUT_DAY = re.compile(
    r"\b(?:(mon|tues|wednes|thurs|fri|satur|sun)days?|(tues?|wed|thur?s?)\.?)\b", re.IGNORECASE
)
# a speaker who takes back what was just said and says it again otherwise
_RETRACTS = fast_compile(  # searched in the whole input: its words looked up first
    r"\b(?:no,?\s+wait|no,?\s+sorry|sorry,?\s+i\s+mean|i\s+mean|no,?\s+hang\s+on)\b",
    re.IGNORECASE,
)


def _day(stem: str) -> str:
    """The day a full or short day stem names ("wednes", "wed" -> "wednesday")."""
    low = stem.lower()
    return next(d for d in _DAYS if d.startswith(low[:3]))


def retracted_days(view: CaseDoc) -> dict[str, tuple[int, int]]:
    """Days a speaker (not a clinician) takes back in the same sentence for another day, which
    the input names nowhere else: day -> its span in the input."""
    ctx = view.context
    if ctx is None or not _RETRACTS.search(ctx.text):
        return {}
    taken: dict[str, tuple[int, int]] = {}
    kept: set[str] = set()
    for sent in ctx.sentences:
        start, end = sent.span
        back = _RETRACTS.search(ctx.text, start, end)
        before = list(_INPUT_DAY.finditer(ctx.text, start, back.start() if back else end))
        if back is None or speaker_tag(ctx.text, start) in CLINICIAN_SPEAKERS:
            kept.update(_day(m.group(1)) for m in before)
            continue
        after = {_day(m.group(1)) for m in _INPUT_DAY.finditer(ctx.text, back.end(), end)}
        kept.update(after)
        for m in before:
            day = _day(m.group(1))
            if after and day not in after:
                taken.setdefault(day, m.span())
            else:
                kept.add(day)
    return {day: span for day, span in taken.items() if day not in kept}


def taken_back(view: CaseDoc) -> dict[str, Token]:
    """The input's words of a denial their speaker took back, by stem, where no denial of the
    stem is left in the input."""
    ctx = view.context
    if ctx is None:
        return {}
    kept = ctx.readings.get("taken_back")
    if not isinstance(kept, list) or not kept:
        return {}
    still_denied = {t.stem for t in ctx.tokens if t.polarity == NEGATED}
    return {t.stem: t for t in kept if t.content and t.stem not in still_denied}


@verifiers.register("takenback.v1")
class TakenBackRule(Rule):
    """An output denial of what the input's speaker took back a denial of."""

    name = "takenback.v1"

    def __init__(self, risk: int = 3) -> None:
        self.risk = risk

    def check(self, view: CaseDoc) -> list[Finding]:
        out = view.output
        if out is None:
            return []
        findings = self._days(view)
        back = taken_back(view)
        if not back:
            return findings
        seen: set[int] = set()
        for tok in out.tokens:
            said = back.get(tok.stem)
            if said is None or tok.polarity != NEGATED or tok.sentence in seen:
                continue
            if _TELLS_CORRECTION.search(out.sentences[tok.sentence].text):
                continue
            seen.add(tok.sentence)
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.risk,
                    (tok.start, tok.end),
                    f"'{tok.text}' is denied here, but the input's speaker took back that denial",
                    relation=CONTRADICTED,
                    context_span=(said.start, said.end),
                    confidence=0.6,
                )
            )
        return findings

    def _days(self, view: CaseDoc) -> list[Finding]:
        """Findings for the output's days that the input's speaker took back for another."""
        days = retracted_days(view)
        out = view.output
        if not days or out is None:
            return []
        findings: list[Finding] = []
        for m in _OUTPUT_DAY.finditer(out.text):
            day = _day(m.group(1) or m.group(2))
            if day not in days:
                continue
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.risk,
                    m.span(),
                    f"'{m.group()}': the input's speaker took that day back for another",
                    relation=CONTRADICTED,
                    context_span=days[day],
                    confidence=0.6,
                )
            )
            del days[day]
        return findings
