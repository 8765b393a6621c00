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
"""

from __future__ import annotations

import re

from medfact.analysis import NEGATED, Token, is_content
from medfact.document import CaseDoc
from medfact.registry import verifiers
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule

# an output sentence that reports the correction, not only its first answer
_TELLS_CORRECTION = re.compile(
    r"\b(?:initially|at\s+first|first\s+(?:said|denied|reported)|corrected|correction"
    r"|later\s+(?:said|recalled|admitted|reported)|on\s+reflection|then\s+recalled)\b",
    re.IGNORECASE,
)


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
    return {t.stem: t for t in kept if is_content(t) and t.stem not in still_denied}


@verifiers.register("takenback.v1")
class TakenBackRule(Rule):
    """An output denial of what the input's speaker took back a denial of."""

    name = "takenback.v1"

    def __init__(self, risk: int = 3) -> None:
        self.risk = risk

    def check(self, view: CaseDoc) -> list[Finding]:
        back = taken_back(view)
        out = view.output
        if not back or out is None:
            return []
        findings: list[Finding] = []
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
