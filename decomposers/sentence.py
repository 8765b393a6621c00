"""``sentence.v1``: one claim per sentence.

Sentences that carry nothing to check are skipped: a bare section header ("HPI:", "ASSESSMENT AND
PLAN"), a bare speaker tag ("Doctor:") and pleasantries or fillers ("Thank you.", "I hope this
helps!", "Take care.", "Okay."). The filters live here and are shared with ``condition_aware.v1``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from medfact.components import Decomposer
from medfact.registry import decomposers
from medfact.segment import is_header, speaker_tag_length
from medfact.types import Claim, Sentence


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_GREETING = (
    r"(?:hi|hello|hey|dear|good\s+(?:morning|afternoon|evening|day))"
    r"(?:\s*,?\s*(?:there|all|everyone|doctor|doc|sir|ma'?am|(?:mr|mrs|ms|dr)\.?\s+\w+|[a-z]+))?"
)
_THANKS = (
    r"(?:thanks?(?:\s+you)?|many\s+thanks)(?:\s+(?:so|very)\s+much)?"
    r"(?:\s+for\s+[^.!?,;]{1,40})?(?:\s*,\s*(?:doctor|doc|sir|ma'?am|\w+))?"
)
_SHORT = (
    r"(?:i\s+)?hope\s+(?:this|that|it)\s+helps|take\s+care(?:\s+of\s+yourself)?|good\s+luck"
    r"|(?:best|warm)\s+(?:wishes|regards)|(?:kind\s+)?regards|sincerely|cheers"
    r"|(?:i\s+)?wish(?:ing)?\s+you\s+(?:all\s+the\s+best|well|a\s+speedy\s+recovery|the\s+best)"
    r"|(?:i\s+hope\s+you\s+)?feel\s+better(?:\s+soon)?|get\s+well\s+soon|stay\s+safe"
    r"|you'?re\s+(?:very\s+)?welcome|(?:i'?m\s+)?glad\s+(?:i\s+could|to)\s+help"
    r"|(?:i'?m|i\s+am)\s+(?:so\s+|very\s+)?sorry\s+to\s+hear\s+(?:that|about\s+[^.!?,;]{1,40})"
    r"|(?:that'?s\s+a\s+|what\s+a\s+)?(?:great|good|excellent)\s+question"
    r"|(?:please\s+)?(?:let\s+me\s+know|feel\s+free\s+to\s+ask)\s+if\s+you\s+have\s+any"
    r"\s+(?:other\s+|more\s+|further\s+)?questions"
    r"|(?:it'?s\s+)?(?:good|nice|great)\s+to\s+(?:see|meet)\s+you(?:\s+(?:too|again|as\s+well))*"
    r"|see\s+you(?:\s+(?:soon|later|next\s+time))?|bye|goodbye"
    r"|(?:i'?m|i\s+am)\s+not\s+a\s+(?:doctor|physician|medical\s+professional)"
    r"|as\s+an\s+ai(?:\s+language\s+model)?(?:\s*,\s*i\s+[^.!?]{1,60})?"
    r"|okay|ok|alright|all\s+right|sure|great|perfect|got\s+it|i\s+see|mm+-?hmm+|uh-?huh|hmm+"
    r"|um+|uh+|ah+|oh+|wow"
)
_ONE = rf"(?:{_GREETING}|{_THANKS}|{_SHORT})"
_MAX_PLEASANTRY = 160
_FIRST_WORD_RE = re.compile(r"[a-z']+")
_OPENINGS = _wordset(
    """hi hello hey dear good thanks thank many i i'm im hope take best warm kind regards sincerely
    cheers wish wishing feel get stay you're youre you glad that's thats what great excellent
    please let it's its nice see bye goodbye as okay ok alright all sure perfect got wow"""
)
_FILLERS = _wordset("mm uh hm um ah oh")
_PLEASANTRY_RE = re.compile(rf"(?i){_ONE}(?:[\s,.!?…]+{_ONE})*[\s,.!?…]*")

_SECTION_WORDS = _wordset(
    """history of present illness chief complaint assessment and plan review systems physical
    exam examination medications medication allergies allergy results impression diagnosis
    diagnoses hpi ros cc pmh psh fh sh social family vitals vital signs labs laboratory data
    imaging procedure procedures disposition course hospital ed findings recommendations
    instructions follow-up followup subjective objective summary discharge admission note past
    medical surgical current patient education counseling problem problems list reason for visit
    the a & / - interval general data studies radiology pertinent information identifying
    """
)


def is_bare_header(text: str) -> bool:
    """A sentence that is only a section header: "HPI:", "Plan:", "ASSESSMENT AND PLAN"."""
    stripped = text.strip()
    if not is_header(stripped):
        return False
    if stripped.endswith(":"):
        return True
    words = stripped.lower().replace("/", " / ").split()
    return all(w in _SECTION_WORDS for w in words)


def is_pleasantry(text: str) -> bool:
    """Greetings, thanks, well-wishing, disclaimers and fillers ("Okay.", "Mm-hmm.")."""
    stripped = text.strip()
    if len(stripped) > _MAX_PLEASANTRY:
        return False
    first = _FIRST_WORD_RE.match(stripped.lower())
    if first is None or first.group() not in _OPENINGS and first.group()[:2] not in _FILLERS:
        return False
    return _PLEASANTRY_RE.fullmatch(stripped) is not None


def is_empty_sentence(text: str) -> bool:
    """True for sentences without checkable content: bare headers, tags and pleasantries."""
    body = text[speaker_tag_length(text) :].strip()
    return not body or is_bare_header(body) or is_pleasantry(body)


@decomposers.register("sentence.v1")
class SentenceDecomposer(Decomposer):
    """One claim per sentence: id ``c<n>``, span and text of the sentence, kind "statement"."""

    name = "sentence.v1"

    def __call__(self, text: str, sentences: Sequence[Sentence]) -> list[Claim]:
        claims: list[Claim] = []
        for sent in sentences:
            if is_empty_sentence(sent.text):
                continue
            claims.append(
                Claim(id=f"c{len(claims)}", text=sent.text, span=sent.span, sentence=sent.index)
            )
        return claims
