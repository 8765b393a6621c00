"""temporal.v1: when and in what state, by meaning, against the input.

Four checks, each reported as a contradiction with the differing words on both sides:

- done vs planned: "underwent appendectomy" where the input has "scheduled for appendectomy";
- past vs current: "current smoker" where the input has "former smoker" / "history of";
- medication actions: held, continued, started, stopped or given, per drug ("continue apixaban"
  where the input holds it);
- times and sequence: relative times ("two days before admission" vs "two weeks after", "a week
  ago" vs "yesterday"), clock times and years of the same event.

An output aspect is accepted when any input mention of the same event (shared content stems, or
the same drug) has it; only then is an input mention with the opposite aspect reported.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from medfact.analysis import (
    NEGATED,
    AnalyzedText,
    Token,
    is_clinical,
    once_per_text,
    speaker_tag,
)
from medfact.document import CaseDoc
from medfact.lexicon.terms import NUMBER_WORDS
from medfact.registry import verifiers
from medfact.rehint import FastPattern, fast_compile
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.anchors import (
    Clash,
    clock_clashes,
    interval_clashes,
    order_clashes,
    start_clashes,
)
from medfact.verifiers.base import CONTRADICTED, Rule
from medfact.verifiers.entities import mentions as concept_mentions

# --- word tables (written for medfact) --------------------------------------------------------

# a period of life that dates an event ("when I was a boy", "in her early twenties", "as a kid")
_LIFE_PERIODS = (
    *(
        f"{when} {who}"
        for when in ("as a", "when i was a", "when he was a", "when she was a")
        for who in ("boy", "girl", "kid", "child", "teenager", "baby")
    ),
    *(f"when {who} was {age}" for who in ("i", "he", "she") for age in ("young", "little")),
    *(
        f"in {whose} {part}{decade}"
        for whose in ("my", "his", "her", "their")
        for part in ("", "early ", "mid ", "late ")
        for decade in ("teens", "twenties", "thirties", "forties", "fifties")
    ),
)

# what opens a period of life given as an onset ("since I was in my twenties", "ever since she
# was a child"): the thing goes on from then
_ONSET_BEFORE = re.compile(
    r"\b(?:since|from)\s+(?:(?:i|he|she|they|we)\s+(?:was|were)\s+)?$", re.IGNORECASE
)

# a habit given up ("quit", "stopped in 2016", "stopped when I had my MI")
_GIVEN_UP = ("quit", "stopped in", "stopped when", "gave up")

# a result stated is a test done ("X-rays negative for fracture", "ratio normal")
_RESULT_STATED = (
    "negative for",
    "was negative",
    "were negative",
    "was normal",
    "were normal",
    "normal",
    "obtained",
)

_ASPECTS: dict[str, tuple[str, ...]] = {
    "done": (
        "underwent",
        "undergone",
        "status post",
        "s/p",
        "performed",
        "completed",
        "received",
        "was given",
        "were given",
        "showed",
        "revealed",
        "demonstrated",
        "was done",
        "was treated",
        "treated with",
        "already had",
        "post-op",
        "had surgery",
        "done today",
        "done on",
        "done",
        "created",
        "inserted",
        "placed",
        "fashioned",
        "done this",
        "done yesterday",
        "given today",
        "given",  # "anti-D given": a note's done (not "given his age", "none given")
        "given yesterday",
        "performed today",
        "applied",
        "applied today",
        *_RESULT_STATED,
    ),
    "planned": (
        "scheduled",
        "planned",
        "planning",
        "plan to",
        "plans to",
        "will undergo",
        "to be ordered",
        "ordered",
        "pending",
        "upcoming",
        "not yet",
        "awaiting",
        "referred for",
        "referral for",
        "consider",
        "considered",
        "consideration",
        "recommended",
        "recommend",
        "recommends",
        "booked",
        "is booked",
        "arranged",
        "will be given",
        "to be given",
        "to be done",
        "requested",
        "has been requested",
        "waiting list",
        "listed for",
        "expected in",
        "to be arranged",
        "due",
        "will be applied",
        "will be done",
        "will be performed",
        "next step is",
        "put in the request",
        "put in a request",
        "we'll arrange",
        "i'll arrange",
        "i'll request",
        # not done (yet): a test the input says did not happen
        "not done",
        "was not done",
        "were not done",
        "not performed",
        "was not performed",
        "never had it done",
        "never had that done",
        "never had one done",
        # a plan told as the speaker's intent, or a test put off ("rebooked for next Friday")
        "going to request",
        "going to arrange",
        "going to book",
        "will request",
        "rebooked",
        "re-booked",
        "postponed",
        "not possible",
        "was not possible",
    ),
    "past": (
        "history of",
        "h/o",
        "hx of",
        "former",
        "formerly",
        "ex-smoker",
        "used to",
        "no longer",
        "resolved",
        "remote",
        "past history",
        "previously",
        "not since",
        "not anymore",
        "not any more",
        "came off",
        "in childhood",
        # drug use told in the past tense ("used heroin from 2005 until 2014")
        "used heroin",
        "used cocaine",
        "used crack",
        "used drugs",
        "used iv drugs",
        "injected heroin",
        "injected drugs",
        "abstinent",
        # a habit given up, a period of life ("stopped in 2016", "when I was a boy")
        *_GIVEN_UP,
        *_LIFE_PERIODS,
    ),
    # "had a DVT in 2015": past only where its clause dates it (see mentions)
    "had": ("had a", "had an", "had"),
    "never": (
        "never smoker",
        "never-smoker",
        "never smoked",
        "lifelong non-smoker",
        "lifelong nonsmoker",
        "never drank",
        "never used",
    ),
    "current": (
        "current",
        "currently",
        "active",
        "ongoing",
        "continues to",
        "presently",
        "at present",
    ),
}
_CONFLICT = {
    "done": ("planned",),
    "planned": ("done",),
    "past": ("current", "never"),
    "current": ("past",),
    "never": ("past",),  # "never smoker" where the input quit
}

_ACTIONS: dict[str, tuple[str, ...]] = {
    # "remains on hold" is held, not "remains on" (continued)
    "held": ("hold", "held", "holding", "withhold", "withheld", "hold off", "pause", "paused")
    + ("remains on hold", "remain on hold", "kept on hold", "on hold"),
    "continued": (
        "continue",
        "continues",
        "continued",
        "continuing",
        "maintain",
        "maintained",
        "remains on",
        "home",
        "keep taking",
        "keep on taking",
        "carry on taking",
        "carry on with",
        # "keep the methotrexate at 15 mg", "carry on the apixaban", "stay on the statin"
        "keep",
        "keeping",
        "carry on",
        "carrying on",
        "stay on",
        "stays on",
        "staying on",
        "remain on",
    ),
    "resumed": ("resume", "resumed", "resuming", "restart", "restarted"),
    "started": (
        "start",
        "started",
        "starting",
        "initiate",
        "initiated",
        "begin",
        "began",
        "new",
        "newly started",
        "commence",
        "commenced",
        "add",
        "added",
    ),
    "stopped": (
        "stop",
        "stopped",
        "swapped",
        "came off",
        "taken off",
        "discontinue",
        "discontinued",
        "d/c",
        "cease",
        "ceased",
    ),
    "given": ("given", "administered", "gave", "took", "taken"),
}
_ACTION_CONFLICTS = {
    "planned": {"given"},  # "to be given" where the input gave it
    "held": {"continued", "started", "given"},
    "stopped": {"continued"},  # "discontinued X" where the input "took X": taken, then stopped
    "started": {"continued", "held", "not started"},
    "continued": {"held", "stopped", "started"},
    "given": {"held", "stopped", "planned"},
    "resumed": {"held", "not resumed"},
}

_HOURS = {"minute": 1 / 60, "hour": 1.0, "day": 24.0, "night": 24.0, "week": 168.0}
_HOURS |= {"month": 730.0, "year": 8766.0}
_COUNT = "|".join(sorted((w for w in NUMBER_WORDS if " " not in w), key=len, reverse=True))
_TENS = "(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"  # "forty five minutes ago"
_RELATIVE = fast_compile(
    rf"\b(?:(?P<n>\d+(?:\.\d+)?|{_TENS}[\s-]+(?:{_COUNT})|{_COUNT}|a|an|several|few)\s+)"
    r"(?P<half>and\s+a\s+half\s+)?(?P<u>minute|hour|day|night|week|month|year)s?\s+"
    r"(?P<d>ago|before|after|prior\s+to|later|earlier|from\s+now|previously)\b"
    r"|\b(?P<d2>last|next|past|previous|coming|following)\s+(?P<u2>night|week|month|year)\b"
    r"|\b(?P<w>yesterday|tomorrow|last\s+night)\b",
    re.IGNORECASE,
)
_SIGN = {"ago": -1, "before": -1, "prior to": -1, "earlier": -1, "previously": -1, "later": 1}
_SIGN |= {"after": 1, "from now": 1, "last": -1, "past": -1, "previous": -1, "next": 1}
_SIGN |= {"coming": 1, "following": 1}
_WORD_TIMES = {
    "yesterday": (-1, 24.0),
    "tomorrow": (1, 24.0),
    "last night": (-1, 12.0),
}
_CLOCK = re.compile(
    r"\b(?:(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?:\s?(?P<ap>[ap]\.?m\.?))?"
    r"|(?P<h2>1[0-2]|0?[1-9])\s?(?P<ap2>[ap]\.?m\.?)"
    r"|(?P<mil>(?:0\d|1\d|2[0-3])[0-5]\d)(?=\s*(?:h\b|hrs\b|hours\b|,|\.|;|$|\s+(?:and|when|on|to|with|by)\b)"
    # after "at", an order word may follow too ("aspirin at 1510 after arrival in the cath lab")
    r"|(?<=\bat\s\d{4})\s+(?:after|before|then|in|until|from)\b))",
    re.IGNORECASE,
)
# a phrase after a time that says what was happening then (", when she was making breakfast")
_WHEN_CLAUSE = re.compile(r",\s*(?:when|while|as)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:in|since|from|of)\s+(?P<y>19\d\d|20\d\d)\b", re.IGNORECASE)
_TIME_WORDS = frozenset(
    {
        "day",
        "week",
        "month",
        "year",
        "time",
        "today",
        "yesterday",
        "tomorrow",
        "ago",
        "last",
        "next",
        "morn",
        "night",
        "hour",
        "minut",
        "admiss",
        "visit",
    }
)


def _alternation(words: tuple[str, ...] | list[str]) -> str:
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )


_ASPECT_RE = fast_compile(
    r"(?<![\w/-])(?:"
    + "|".join(f"(?P<{k}>{_alternation(v)})" for k, v in _ASPECTS.items())
    + r")(?![\w/-])",
    re.IGNORECASE,
)
_ACTION_RE = re.compile(
    r"(?<![\w/-])(?:"
    + "|".join(f"(?P<{k}>{_alternation(v)})" for k, v in _ACTIONS.items())
    + r")(?![\w/-])",
    re.IGNORECASE,
)
# "d/c" that means discharge: followed by what is discharged with, or after "at/on/for".
_DISCHARGE_AFTER = re.compile(
    r"d/c\b(?=\s*(?:meds|medications|medicines|analgesia|summary|home|planning|plan|instructions|"
    r"letter|prescriptions?|rx|follow|to\b|with\b|:))",
    re.IGNORECASE,
)
_DISCHARGE_BEFORE = re.compile(r"\b(?:at|on|for|after|before|until|post)\s+$", re.IGNORECASE)


def _discharge(text: str, start: int) -> bool:
    """Whether the "d/c" at ``start`` means discharge ("D/c meds:", "at d/c")."""
    if text[start : start + 3].lower() != "d/c":
        return False
    before = _DISCHARGE_BEFORE.search(text, max(0, start - 8), start)
    return bool(_DISCHARGE_AFTER.match(text, start) or before)


# "given" as a preposition: followed by the reason, not by what was given or when.
_GIVEN_AS_PREPOSITION = re.compile(
    r"given\s+(?:(?:the|this|that|these|those)\s+(?!morning|evening|night|afternoon|day|"
    r"week|am\b|pm\b|time|dose)|his|her|their|its|a|an|concerns?|risks?|history|"
    r"recent|ongoing|known|prior|poor|low|high|elevated|worsening|kidney|renal|liver|hepatic|"
    r"age|pregnancy|allerg\w*|lack|absence|presence|improvement|stability)\b",
    re.IGNORECASE,
)
_CONDITION_REACH = 120  # characters before an action word that a condition is read in
_CONDITION = re.compile(
    r"\b(?:if|unless|in case|should (?:you|he|she|they|it|there))\b", re.IGNORECASE
)
# "continue to ice it", "continue on the diet": an object that is no drug; not "restarted on
# discharge", "resumed on day 3": when the drug named before was taken up again
_TO_VERB = re.compile(
    r"\s+(?:to|with|on(?!\s+(?:discharge|admission|day\s+\d|d\d|\w+day\b))|the\s+\w+ing)\b",
    re.IGNORECASE,
)
# an action on something besides a drug named before it ("start taking your blood sugars")
_OTHER_OBJECT = re.compile(
    r"\s+(?:taking|checking|doing|monitoring|testing|measuring|recording)\s+(?:your|his|her|"
    r"their)\s+(?!same|usual|current|regular|normal|dose|medic|tablet|pill)",
    re.IGNORECASE,
)
# a word opening a clause that times another act ("once the insulin starts", "when it is
# started"): a drug named there is the timing's, and an action there is no act of its own
_TIMING = (
    r"\b(?:once(?!\s+(?:daily|weekly|monthly|nightly|a|an|per|every|each|only|more|again|at|"
    r"in|on|off|or|twice)\b)|when|whenever|until|till|as\s+soon\s+as)\s+"
)
_TIMING_WORD = re.compile(_TIMING, re.IGNORECASE)
_TIMED_BY = re.compile(
    _TIMING + r"(?:(?:the|his|her|your|their|it|is|has|been|was|gets?|got|is\s+being)\s+)*"
    r"(?:[\w-]+\s+){0,2}$",
    re.IGNORECASE,
)
_SUBJECT_FILLERS = frozenset(
    {"and", "then", "also", "was", "were", "is", "are", "be", "been", "to", "it", "them", "both"}
    | {"all", "now", "so", "we", "i", "you", "he", "she", "they", "will", "would", "should"}
    | {"can", "may", "please", "but", "or", "the", "this", "that", "these", "those", "has"}
    | {"have", "had", "not", "do", "did", "being", "today", "tonight", "for", "with", "a"}
)


def _own_subject(text: str, lo: int, at: int) -> bool:
    """Whether an action's comma-opened phrase names a subject of its own before the verb at
    ``at`` ("Ca gluconate given, ACEi + spiro held"): words beyond fillers, capitalised or
    joined by "+" or "/", so a drug of an earlier phrase is not what the verb is said of."""
    if lo == 0 or text[lo - 1] != ",":
        return False
    before = text[lo:at]
    words = re.findall(r"[A-Za-z][\w-]*", before)
    content = [w for w in words if w.lower() not in _SUBJECT_FILLERS]
    if not content:
        return False
    return any(w[0].isupper() for w in content) or "+" in before or "/" in before


# a check or test the verb stops or starts ("stop the daily blood tests", "start obs hourly")
_CHECK_OBJECT = re.compile(
    r"[ \t]+(?:(?:the|your|his|her|their|all|these|those)[ \t]+)?(?:[a-z]+[ \t]+){0,2}?"
    r"(?:blood[ \t]+tests?|bloods|tests|testing|obs|observations|monitoring|checks|scans|"
    r"x-?rays|ECGs|weights|finger-?pricks?)\b",
    re.IGNORECASE,
)
# a stop with no agent: what stopped is an event, not a drug ("a nosebleed, stopped by itself")
_SELF_STOPPED = re.compile(
    r"[ \t]+(?:by\s+itself|on\s+its\s+own|of\s+its\s+own\s+accord|spontaneously)\b",
    re.IGNORECASE,
)
# an act the verb starts or stops that is no drug's taking ("stopped drinking alcohol when
# starting methotrexate", "started walking"): the drug named near is not its object
_GERUND_OBJECT = re.compile(
    r"\s+(?!taking\b|using\b|receiving\b|giving\b|injecting\b|applying\b|dosing\b)"
    r"[a-z]{2,}ing\b",
    re.IGNORECASE,
)
# a stop set for a later time: the drug is taken until then ("stop X 7 days before surgery",
# "omit on the morning of the procedure", "last dose on Friday")
_TIMED_STOP = re.compile(
    r"\b(?:days?|weeks?|hours?|nights?)\s+(?:before|prior\s+to|pre-?op)|\bbefore\s+(?:the\s+|your\s+|his\s+|"
    r"her\s+)?(?:surgery|operation|procedure|op|scan|endoscopy|colonoscopy|biopsy|delivery)\b|"
    r"\bon\s+the\s+(?:day|morning|night)\s+(?:of|before)\b|\blast\s+dose\b|\bpre-?op(?:eratively)?\b|"
    # a stop when another treatment begins ("stop aspirin when apixaban starts"): taken till then
    r"\b(?:when|once|as\s+soon\s+as)\b[^.;\n]{0,40}?\b(?:starts|begins|commences|"
    r"is\s+(?:started|begun|commenced|initiated))\b",
    re.IGNORECASE,
)
# a generic name of what a verb stops or starts ("Oral meds stopped", "all tablets held"): the
# phrase's own subject, not a drug named before it
_GENERIC_SUBJECT = re.compile(
    r"\b(?:meds|medications?|medicines?|tablets|pills|drugs|injections|infusions|treatments)\b",
    re.IGNORECASE,
)
_PAST_DATED = fast_compile(
    r"\b(?:ago|last\s+(?:week|month|year)|previously|in\s+(?:19|20)\d\d)\b", re.IGNORECASE
)
_FUTURE_DATED = re.compile(
    r"\b(?:next\s+(?:week|month|year|visit|\w+day)|tomorrow|upcoming|from\s+now|in\s+\w+\s+"
    r"(?:days?|weeks?|months?))\b",
    re.IGNORECASE,
)
_NOT_DONE = re.compile(
    r"\b(?:rather\s+than|instead\s+of|not|never|no|don't|do\s+not)\s+(?:be\s+)?$", re.I
)
_WITHHELD = re.compile(r"\b(?:not|never|don't|do\s+not)\s+(?:be\s+|yet\s+)?$", re.I)
# a refill of a drug ("send in a new refill for the clindamycin"): it goes on
_REFILL = re.compile(r"\s+(?:\w+\s+)?(?:refills?|repeat\s+prescription)\b", re.IGNORECASE)
# an action that waits on an instruction ("until he is instructed to discontinue")
_UNTIL_TOLD = re.compile(
    r"\buntil\b(?:\s+[\w']+){0,4}\s+(?:told|instructed|advised|asked|directed)\s+to\s+$", re.I
)
# "restart only after review", "resume once the INR is below 2": a condition, not done
# what "new" names when it is a drug started: the drug itself, or one of these
_NEW_DRUG = re.compile(
    r"\s+(?:medications?|medicines?|meds|prescriptions?|rx|scripts?|drugs?|tablets?|pills?|"
    r"inhalers?|injections?|doses?|refills?|starts?|trial|course|regimen)\b",
    re.IGNORECASE,
)
_NEXT_WORD = re.compile(r"\s*(?:the\s+|a\s+)?")


def _next_word(text: str, at: int) -> int:
    """The offset of the word after ``at`` (an article skipped)."""
    m = _NEXT_WORD.match(text, at)
    return m.end() if m else at


# an interval waited between two events: counted after one, it ends before the other
WAITED = re.compile(
    r"\b(?:wait(?:ing|ed)?|allow|leave|gap\s+of)\s+(?:for\s+)?(?:at\s+least\s+)?$", re.I
)
_LATER_IF = re.compile(r"\s+(?:only\s+)?(?:after|once|when|until|if)\b", re.I)
_NOT_NEEDED = re.compile(
    r"(?:\s+[\w-]+){1,3}?\s+(?:is|are|was|were)\s+not\s+(?:required|needed|necessary|indicated)",
    re.IGNORECASE,
)
# words of a clause that say a listed drug is not taken now
_NOT_TAKEN = re.compile(
    r"\b(?:stop\w*|discontinu\w*|d/c|ceased|held|hold|withheld|previous\w*|prior|former\w*|"
    r"switched|swapped|changed|replaced|no longer|not on|off|was on|were on|used to|allerg\w*|"
    r"intoleran\w*|reaction|avoid\w*|h/o|history|until|instead|rather|last\s+dose|restart\w*|"
    r"resum\w*|do\s+not\s+take|don't\s+take|not\s+to\s+take|omit\w*|before\s+surgery|"
    r"failed|tried|trial|did\s+not\s+(?:work|help)|didn't\s+(?:work|help)|"
    # a drug decided against: "further IV antibiotics not felt to be of benefit"
    r"not\s+(?:felt|thought|considered|deemed)|not\s+(?:indicated|appropriate)|no\s+further)\b",
    re.IGNORECASE,
)
# a start or a dose that is only to come ("can be started in the ED", "to be given before d/c")
_TO_BE = re.compile(r"\b(?:can|could|should|will|would|may|might|to)\s+be\s+$", re.IGNORECASE)
_GAVE_ME = re.compile(r"\s+(?:me|him|her|them|you|us)\b", re.IGNORECASE)
_AGAIN = re.compile(r"\b(?:again|back)\b", re.IGNORECASE)
# a sentence's end before a space or the text's end, or a ";" or line break (one character class
# first, so the scan skips other characters in C: the same matches as "[.!?](?:\s|$)|[;\n]")
_CLAUSE_BREAK = re.compile(r"[.!?;\n](?:(?<=[;\n])|\s|$)")
_PHRASE_BREAK = re.compile(r"[.!?,;\n](?:(?<=[;\n])|\s|$)")  # and a comma's


_WORD = re.compile(r"[A-Za-z]+(?:[-'][A-Za-z]+)*|\d+")


def first_words(phrases: Iterable[str]) -> frozenset[str]:
    """The first token (as the analyser splits words) of each phrase, lower-cased."""
    out = set()
    for phrase in phrases:
        m = _WORD.search(phrase)
        if m:
            out.add(m.group().lower())
    return frozenset(out)


def anchored(
    pattern: re.Pattern[str] | FastPattern,
    doc: AnalyzedText,
    firsts: frozenset[str],
    numbers: bool = False,
    tokens: list[Token] | None = None,
) -> Iterator[re.Match[str]]:
    """The matches of ``pattern`` that start at a token whose text is in ``firsts`` (or, with
    ``numbers``, at any number), left to right and not overlapping: what ``finditer`` finds
    when every match opens on such a word, at the cost of a dict lookup per token rather than
    a regex attempt per character. ``tokens``, when given, are the document's tokens where
    any match may start (a subsequence holding every such token; the others are passed over
    anyway), so several patterns share one pass over the text."""
    text, end = doc.text, -1
    # a FastPattern's lower-cased copy tried here, as its match would, at each start
    folded = pattern.folded(text) if isinstance(pattern, FastPattern) else None
    copy, low = folded if folded is not None else (None, "")
    exact = pattern.compiled if isinstance(pattern, FastPattern) else pattern
    for tok in doc.tokens if tokens is None else tokens:
        if tok.start < end or not (tok.text in firsts or (numbers and tok.text[:1].isdigit())):
            continue
        if copy is not None and copy.match(low, tok.start) is None:
            continue
        m = exact.match(text, tok.start)
        if m is not None and m.end() > m.start():
            end = m.end()
            yield m


_ASPECT_FIRSTS = first_words(w for words in _ASPECTS.values() for w in words)
_ACTION_FIRSTS = first_words(w for words in _ACTIONS.values() for w in words)
_RELATIVE_FIRSTS = frozenset(
    {w for w in NUMBER_WORDS if " " not in w}
    | {"a", "an", "several", "few", "last", "next", "past", "previous", "coming", "following"}
    | {"yesterday", "tomorrow"}
)
_YEAR_FIRSTS = frozenset({"in", "since", "from", "of"})
# where any marker of mentions() may start: one pass over a text's tokens finds them all
_MENTION_FIRSTS = _ASPECT_FIRSTS | _ACTION_FIRSTS | _RELATIVE_FIRSTS | _YEAR_FIRSTS


@dataclass(frozen=True, slots=True)
class Mention:
    """A marker of aspect, action or time: its kind, value, span and the event it is about."""

    kind: str
    value: str
    start: int
    end: int
    topic: frozenset[str]
    drug: str | None = None
    amount: float | None = None
    asked: bool = False
    dated: str = ""  # "past" or "future" when its clause dates it ("5 years ago", "next week")


class _Text:
    """Per-text helpers: the token at an offset, clause bounds and content stems of a clause."""

    def __init__(self, doc: AnalyzedText) -> None:
        self.doc = doc
        self.starts = doc._starts  # the analysis's token starts (built once per text)
        # clause and phrase ends, read when first asked and kept with the analysed text (a
        # text's markers are read in parts, each with its own helper)
        self._breaks: dict[bool, list[int]] = doc.readings.setdefault("temporal_breaks", {})
        self._concepts: list[tuple[int, int, str]] | None = None  # read when a topic is asked
        self._concept_starts: list[int] = []

    @property
    def concepts(self) -> list[tuple[int, int, str]]:
        """Named procedures and conditions, so that "appy" and "appendectomy" share a topic
        (read on first use: a text with no marker never needs them)."""
        if self._concepts is None:
            self._concepts = [
                (m.start, m.end, f"@{m.concept}")
                for m in concept_mentions(self.doc.text, ("procedure", "condition"))
            ]
            self._concept_starts = [c[0] for c in self._concepts]
        return self._concepts

    @property
    def concept_starts(self) -> list[int]:
        _ = self.concepts
        return self._concept_starts

    def clause(self, offset: int, phrase: bool = False) -> tuple[int, int]:
        """Bounds of the clause (or, with ``phrase``, the comma-delimited phrase) at offset."""
        breaks = self._breaks.get(phrase)
        if breaks is None:
            pattern = _PHRASE_BREAK if phrase else _CLAUSE_BREAK
            breaks = self._breaks[phrase] = [m.start() for m in pattern.finditer(self.doc.text)]
        k = bisect_right(breaks, offset)
        lo = breaks[k - 1] + 1 if k > 0 else 0
        hi = breaks[k] if k < len(breaks) else len(self.doc.text)
        return lo, hi

    def topic(self, start: int, end: int, skip: tuple[int, int]) -> frozenset[str]:
        """Content stems of [start, end) outside ``skip``, and the named concepts there."""
        lo, hi = bisect_right(self.starts, start - 1), bisect_right(self.starts, end)
        stems = {
            t.stem
            for t in self.doc.tokens[lo:hi]
            if t.content and not (skip[0] <= t.start < skip[1]) and t.stem not in _TIME_WORDS
        }
        first = bisect_right(self.concept_starts, start - 1)
        for c_start, c_end, concept in self.concepts[first:]:
            if c_start >= end:
                break
            if c_end <= end and not skip[0] <= c_start < skip[1]:
                stems.add(concept)
        return frozenset(stems)

    def window(self, start: int, end: int, before: int = 6, after: int = 5) -> frozenset[str]:
        """Content stems of the few words around [start, end) in its clause: the event a
        marker such as "history of" or "scheduled for" is about. An answer at the start of a
        turn ("Not yet, ...") is about its question too."""
        lo, hi = self.clause(start, phrase=True)
        first = bisect_right(self.starts, start - 1)
        last = bisect_right(self.starts, end - 1)
        toks = self.doc.tokens
        a, b = max(first - before, 0), min(last + after, len(toks))
        while a < first and toks[a].start < lo:
            a += 1
        stems = self.topic(
            toks[a].start if a < len(toks) else lo,
            min(toks[b - 1].end if b > 0 else hi, hi),
            (start, end),
        )
        if first < len(toks):
            sentence = toks[first].sentence
            sentences = self.doc.sentences
            opening = self.doc.text[sentences[sentence].span[0] : start]
            k = sentence - 1
            # "Do you smoke? - No. Well, I quit.": past a short opening of the same answer
            while k > 0 and len(sentences[k].text.split()) <= 3 and "?" not in sentences[k].text:
                k -= 1
            question = k >= 0 and k >= sentence - 2 and sentences[k].text.rstrip().endswith("?")
            if question and len(opening.split()) <= 4:
                prev = sentences[k].span
                stems |= self.topic(prev[0], prev[1], (start, end))
        return stems

    def asked(self, offset: int) -> bool:
        """A question, or a condition before ``offset`` in its sentence ("if you have these
        symptoms, we will stop aspirin"): not a statement of what is or was done."""
        k = bisect_right(self.starts, offset) - 1
        if not 0 <= k < len(self.doc.tokens):
            return False
        tok = self.doc.tokens[k]
        sent = self.doc.sentences[tok.sentence]
        if tok.polarity == "asked" or sent.text.rstrip().endswith("?"):
            return True
        # a run-on transcript sentence holds many clauses: only a condition near the word
        # ("... if we need to make any modifications ... okay ... stop the norvasc")
        lo = max(sent.span[0], offset - _CONDITION_REACH)
        return _CONDITION.search(self.doc.text, lo, offset) is not None


def _drug_near(doc: AnalyzedText, starts: list[int], lo: int, hi: int, at: int) -> str | None:
    """The drug named in the clause [lo, hi) closest to offset ``at`` (``starts``: the drug
    mentions' starts, in order)."""
    best: tuple[int, str] | None = None
    first = max(bisect_right(starts, lo) - 1, 0)
    for d in doc.drugs[first:]:
        if d.start >= hi:
            break
        if d.end <= lo:
            continue
        gap = min(abs(d.start - at), abs(d.end - at))
        if best is None or gap < best[0]:
            best = (gap, d.canonical)
    return best[1] if best else None


# "Hold both", "They were both given": an action on each drug of the list named before
_BOTH_AFTER = re.compile(r"\s+(?:both|them\s+all|all\s+of\s+them|them\s+both)\b", re.I)
_BOTH_BEFORE = re.compile(r"\b(?:both|all)\s+(?:\w+\s+)?$", re.I)
# "metformin, the furosemide and the ramipril": list joints, with articles
_LIST_GAP = re.compile(
    r"^\s*(?:,|and|or|&|/|\+)?\s*(?:and|or)?\s*(?:the|your|his|her)?\s*$", re.IGNORECASE
)


def _listed_with(doc: AnalyzedText, canonical: str, lo: int, hi: int) -> list[str]:
    """The drugs listed together with ``canonical`` in the clause [lo, hi) ("spironolactone,
    ramipril and furosemide are held"): neighbours joined only by commas and "and"/"or"."""
    drugs = [d for d in doc.drugs if lo <= d.start and d.end <= hi]
    at = next((k for k, d in enumerate(drugs) if d.canonical == canonical), None)
    if at is None:
        return []
    found = []
    for step in (-1, 1):
        k = at
        while 0 <= k + step < len(drugs):
            a, b = (drugs[k + step], drugs[k]) if step < 0 else (drugs[k], drugs[k + step])
            if not _LIST_GAP.match(doc.text[a.end : b.start]):
                break
            k += step
            found.append(drugs[k].canonical)
    return [c for c in dict.fromkeys(found) if c != canonical]


# verbs that act on a drug only when it is their object ("keep the tamsulosin", not "keep a
# diary" after a drug); everyday words otherwise
_OBJECT_ONLY = frozenset(
    {"keep", "keeping", "carry on", "carrying on", "stay on", "stays on", "staying on"}
    | {"remain on"}
)
# only determiners between a verb and the drug it acts on ("keep the tamsulosin", "stop her
# apixaban"): the drug is the verb's object
_OBJECT_GAP = re.compile(r"\s+(?:(?:the|his|her|your|their|my|this|that|on|with)\s+)*", re.I)


def _object_after(doc: AnalyzedText, starts: list[int], at: int, hi: int) -> str | None:
    """The drug named right after a verb ending at ``at``, with only determiners between
    ("stop the doxazosin and keep the tamsulosin": tamsulosin is what is kept, though the
    doxazosin ends nearer), or None."""
    k = bisect_right(starts, at)
    if k >= len(doc.drugs) or doc.drugs[k].start >= hi:
        return None
    gap = _OBJECT_GAP.match(doc.text, at)
    if gap is None or gap.end() != doc.drugs[k].start:
        return None
    return doc.drugs[k].canonical


def _drug_before(doc: AnalyzedText, starts: list[int], offset: int, reach: int = 200) -> str | None:
    """The last drug named within ``reach`` characters before ``offset``."""
    k = bisect_right(starts, offset) - 1
    while k >= 0 and doc.drugs[k].end > offset:
        k -= 1
    if k >= 0 and offset - doc.drugs[k].end <= reach:
        return doc.drugs[k].canonical
    return None


def mentions(doc: AnalyzedText, carry: bool = False) -> list[Mention]:
    """Aspect, medication-action and time markers of ``doc``, each with its clause's topic.
    With ``carry`` (the input), an action with no drug in its clause is about the drug named
    just before ("Hold apixaban ... Resume the day after"). The aspect and time markers do not
    depend on ``carry``: they are read once per text (an output is read both ways)."""
    aspects, times, opening = _carry_free_mentions(doc)
    return [*aspects, *_action_mentions(doc, opening, carry), *times]


@once_per_text
def _carry_free_mentions(doc: AnalyzedText) -> tuple[list[Mention], list[Mention], list[Token]]:
    """The aspect markers and the time markers of ``doc`` (what :func:`mentions` reads the same
    with or without ``carry``), and the tokens a marker may open on. Callers never change them."""
    text = _Text(doc)
    # the tokens a marker may open on (a marker's first word, or a number): few of a text's
    opening = [t for t in doc.tokens if t.text in _MENTION_FIRSTS or t.text[:1].isdigit()]
    aspects: list[Mention] = []
    for m in anchored(_ASPECT_RE, doc, _ASPECT_FIRSTS, tokens=opening):
        if text.asked(m.start()) or _no_aspect(doc.text, m) or _conditional(doc, *m.span()):
            continue  # "not excluded until the cystoscopy is done": no state of the event
        kind = m.lastgroup or ""
        if kind == "current" and any(t.polarity == NEGATED for t in doc.tokens_in(*m.span())):
            continue  # "are you currently smoking? - no": not now, which a past may be
        if kind == "past" and _ONSET_BEFORE.search(doc.text, max(0, m.start() - 30), m.start()):
            continue  # "in pain since I was in my twenties": when it began, not that it ended
        if (
            kind == "done"
            and m.group().lower() == "done"
            and _GET_DONE.search(doc.text, max(0, m.start() - 60), m.start())
        ):
            kind = "planned"  # "i want to send you to get some blood testing done": a plan
        if kind == "done" and _ONCE_DONE.search(doc.text, max(0, m.start() - 40), m.start()):
            kind = "planned"  # "after you get the blood tests, after that's all done": to come
        if kind == "done" and _TO_BE.search(doc.text, max(0, m.start() - 16), m.start()):
            kind = "planned"  # "PICC line to be placed once the results are known": to come
        if kind == "done" and _NONE_BEFORE.search(doc.text, max(0, m.start() - 12), m.start()):
            kind = "planned"  # "we'll postpone today's vaccines - none given today": not done
        if (
            kind == "planned"
            and m.group().lower().startswith("consider")
            and _TO_BEFORE.search(doc.text, max(0, m.start() - 4), m.start())
        ):
            continue  # "nutrition counseling to consider other diet options": a purpose
        lo, hi = text.clause(m.start())
        dated = ""
        if _PAST_DATED.search(doc.text, lo, hi):
            dated = "past"
        elif _FUTURE_DATED.search(doc.text, lo, hi):
            dated = "future"
        if kind == "had":
            if dated != "past":
                continue  # "had a fall" is an event of no stated time
            if m.group().lower() == "had":
                after = doc.tokens_in(m.end(), min(len(doc.text), m.end() + 40))[:1]
                if not after or not is_clinical(after[0]):
                    continue  # "had previously worked": a tense; "had pulmonary TB in 2004"
            kind = "past"
        topic = text.window(*m.span())
        if m.group().lower().endswith(" of"):
            # "history of diabetes and you're on metformin": the history is of what follows
            topic = text.window(*m.span(), before=0, after=3)
        if not topic and " ".join(m.group().lower().split()) in _GIVEN_UP:
            # "I quit ten years ago, I smoked a pack a day": no habit in the marker's own
            # phrase, so the habit is its clause's (not "not as much as I used to")
            topic = text.topic(lo, hi, m.span())
        if kind == "never" or (
            kind == "past" and m.group().lower().startswith(("ex-", "used ", "injected "))
        ):
            topic |= text.topic(m.start(), m.end(), (0, 0))  # "never smoker": its own topic
        if kind == "past" and m.group().lower().startswith(("in ", "as ", "when ")):
            # "I used heroin, injected, in my twenties": a period of life dates its clause
            topic |= text.topic(lo, hi, m.span())
        aspects.append(Mention("aspect", kind, m.start(), m.end(), topic, dated=dated))
    times: list[Mention] = []
    for m in anchored(_RELATIVE, doc, _RELATIVE_FIRSTS, numbers=True, tokens=opening):
        lo, hi = text.clause(m.start(), phrase=True)
        topic = text.topic(lo, hi, m.span())
        if m.group("w"):
            sign, hours = _WORD_TIMES[re.sub(r"\s+", " ", m.group("w").lower())]
        elif m.group("u"):
            n = m.group("n").lower()
            count = NUMBER_WORDS.get(n) or (1.0 if n in ("a", "an") else None)
            parts = re.split(r"[\s-]+", n)
            if count is None and len(parts) == 2 and all(p in NUMBER_WORDS for p in parts):
                count = float(NUMBER_WORDS[parts[0]]) + float(NUMBER_WORDS[parts[1]])
            if count is None:
                try:
                    count = float(n)
                except ValueError:
                    count = None
            if count is not None and m.group("half"):
                count += 0.5  # "four and a half months ago"
            sign = _SIGN[re.sub(r"\s+", " ", m.group("d").lower())]
            hours = count * _HOURS[m.group("u").lower()] if count else None
        else:
            sign = _SIGN[m.group("d2").lower()]
            hours = _HOURS[m.group("u2").lower()]
        times.append(Mention("time", str(sign), m.start(), m.end(), topic, amount=hours))
    for m in anchored(_CLOCK, doc, frozenset(), numbers=True, tokens=opening):
        lo, hi = text.clause(m.start(), phrase=True)
        if _WHEN_CLAUSE.match(doc.text, hi):
            # "last saw her well at 07:50, when she was making breakfast": the moment's clause
            hi = text.clause(hi + 1, phrase=True)[1]
        # "8 am." ends a sentence: the dot is not part of the time ("8 a.m." keeps its own)
        end = m.end() - 1 if m.group().endswith("m.") and m.group()[-3] != "." else m.end()
        topic = text.topic(lo, hi, m.span())
        twelve = _twelve_hour(m)
        times.append(Mention("clock", twelve, m.start(), end, topic, amount=_minutes(m)))
    for m in anchored(_YEAR, doc, _YEAR_FIRSTS, tokens=opening):
        lo, hi = text.clause(m.start())
        topic = text.topic(lo, hi, m.span())
        times.append(
            Mention("year", "", m.start("y"), m.end("y"), topic, amount=float(m.group("y")))
        )
    return aspects, times, opening


def _action_mentions(doc: AnalyzedText, opening: list[Token], carry: bool) -> list[Mention]:
    """The medication-action markers of ``doc`` (``opening``: the tokens a marker may open on);
    with ``carry``, an action with no drug in its clause is about the drug named before."""
    if not doc.drugs:
        return []  # each marker below is kept only with a drug of the text
    text = _Text(doc)
    drug_starts = [d.start for d in doc.drugs]
    found: list[Mention] = []
    for m in anchored(_ACTION_RE, doc, _ACTION_FIRSTS, tokens=opening):
        lo, hi = text.clause(m.start())
        # the drug of the action's own phrase first ("continue apixaban, hold metoprolol")
        p_lo, p_hi = text.clause(m.start(), phrase=True)
        # "start taking your blood sugars": a drug named before is not what is started
        if _GERUND_OBJECT.match(doc.text, m.end()):
            continue  # "stopped drinking alcohol when starting methotrexate": another act
        if _CHECK_OBJECT.match(doc.text, m.end()) or _SELF_STOPPED.match(doc.text, m.end()):
            continue  # "stop the daily blood tests", "a nosebleed, stopped by itself": no drug
        if _TIMED_BY.search(doc.text, max(0, m.start() - 40), m.start()):
            continue  # "stop gliclazide once insulin started": when, not an act on the drug
        timing = _TIMING_WORD.search(doc.text, m.end(), hi)
        if timing is not None:  # "stop that once the insulin starts": not the insulin stopped
            hi, p_hi = timing.start(), min(p_hi, timing.start())
        other = _OTHER_OBJECT.match(doc.text, m.end()) is not None
        if other:
            lo = p_lo = m.start()
        drug = _object_after(doc, drug_starts, m.end(), p_hi)
        if drug is None and m.group().lower() in _OBJECT_ONLY:
            continue  # "keep a headache diary", "keep the other two": no drug kept
        drug = drug or _drug_near(doc, drug_starts, p_lo, p_hi, m.start())
        # not past its own phrase's unnamed subject ("Ca gluconate given, ACEi + spiro held")
        own = drug is None and (
            _own_subject(doc.text, p_lo, m.start())
            or _GENERIC_SUBJECT.search(doc.text, p_lo, m.start()) is not None
        )
        if drug is None and not own:
            drug = _drug_near(doc, drug_starts, lo, hi, m.start())
        carried = False
        if drug is None and carry and not (other or own) and not _TO_VERB.match(doc.text, m.end()):
            # "Resume the day after": the drug named just before; not "continue to ice it"
            drug = _drug_before(doc, drug_starts, m.start(), reach=120)
            carried = True
        asked = text.asked(m.start())
        if drug is None or (asked and not carry):
            continue
        value = m.lastgroup or ""
        if (
            m.group().lower() == "new"
            and not _NEW_DRUG.match(doc.text, m.end())
            and not any(d.start == _next_word(doc.text, m.end()) for d in doc.drugs)
        ):
            continue  # "new pregnancy on valproate", "new onset": not a drug started
        begin = m.start()
        if _NOT_DONE.search(doc.text, max(0, m.start() - 20), m.start()):
            withheld = _WITHHELD.search(doc.text, max(0, m.start() - 20), m.start())
            if not carry or value not in ("started", "resumed") or withheld is None:
                continue  # "re-titrated rather than restarted at his usual dose": not done
            # the input's "I have not started azithromycin at this stage", "withheld and NOT
            # restarted": a drug decided against, which an output's "started" contradicts
            value, begin = f"not {value}", withheld.start()
        if _NOT_NEEDED.match(doc.text, m.end()):
            continue  # "Stop aspirin is not required"
        if value in ("resumed", "started") and _LATER_IF.match(doc.text, m.end()):
            continue
        if value == "given" and _GIVEN_AS_PREPOSITION.match(doc.text, m.start()):
            continue  # "stop ibuprofen given kidney function": a reason, not a dose given
        if value == "given" and _GAVE_ME.match(doc.text, m.end()):
            continue  # "the lisinopril gave me a cough": a side effect, not a dose given
        if value == "started" and _REFILL.match(doc.text, m.end()):
            value = "continued"  # "send in a new refill for the clindamycin": it goes on
        if _UNTIL_TOLD.search(doc.text, max(0, m.start() - 60), m.start()):
            continue  # "take it for life or until instructed to discontinue": a condition
        if value == "stopped" and _discharge(doc.text, m.start()):
            continue  # "D/c meds:", "at d/c": discharge, not discontinue
        if value == "stopped" and _CALL_IN.match(doc.text, m.end()):
            continue  # "stop by the front desk": a visit, not a drug stopped
        if m.group().lower() == "home" and _AT_HOME.search(
            doc.text, max(0, m.start() - 8), m.start()
        ):
            continue  # "your blood pressure at home": a place, not a home medication
        if value in ("started", "given") and _TO_BE.search(
            doc.text, max(0, m.start() - 16), m.start()
        ):
            value = "planned"  # "can be started there", "anti-D to be given": not given yet
        elif value in ("started", "given") and _AGAIN.search(
            doc.text, m.end(), min(hi, m.end() + 60)
        ):
            value = "resumed"  # "start taking baby aspirin again"
        listed = _listed_with(doc, drug, lo, hi)
        if carried and (
            _BOTH_AFTER.match(doc.text, m.end())
            or _BOTH_BEFORE.search(doc.text, max(0, m.start() - 16), m.start())
        ):
            # "Is he on the ramipril and the spironolactone? ... Hold both": each of the list
            named = [d for d in doc.drugs if d.canonical == drug and d.end <= m.start()]
            if named:
                listed = _listed_with(doc, drug, *text.clause(named[-1].start))
        for each in [drug, *listed]:
            found.append(Mention("action", value, begin, m.end(), frozenset(), each, asked=asked))
    return found


# Aspect words used in another sense: an intent ("ready to quit", "trying to quit"), a state
# of an organ or a person ("bowels are active", "he is very active"), a denial ("no harm was
# done").
_INTENT_BEFORE = re.compile(r"\bto\s+$", re.IGNORECASE)
_STATE_BEFORE = re.compile(
    r"\b(?:is|are|very|physically|fairly|pretty|quite|so|sounds|bowels?)\s+$", re.IGNORECASE
)
_ORDINARY_BEFORE = re.compile(
    r"\b(?:quite|pretty|perfectly|totally|completely|fairly|very|entirely|absolutely)\s+$", re.I
)
_ORDINARY_AFTER = re.compile(
    r"\s+(?:to\s+(?:be|have|feel|get|see)|for\s+(?:you|your|her|him|a))\b", re.I
)
_MOTION_AFTER = re.compile(
    r"\s+(?:and\s+passive\s+)?(?:range|rom|motion|movement|flexion|extension)\b", re.I
)
_TOPIC_BEFORE = re.compile(r"\babout\s+(?:your|his|her|the|their)\s+$", re.IGNORECASE)
_DENIED_BEFORE = re.compile(r"\b(?:no|nothing)\b(?:\s+\w+){0,2}\s+$", re.IGNORECASE)


def _conditional(doc: AnalyzedText, start: int, end: int) -> bool:
    """Whether the words at [start, end) are in a condition ("until it is done")."""
    return any(t.scope == "hypothetical" for t in doc.tokens_in(start, end))


def _no_aspect(text: str, m: re.Match[str]) -> bool:
    """Whether the aspect word matched by ``m`` says no aspect of an event."""
    word, at = m.group().lower(), m.start()
    before = max(0, at - 30)
    if word == "quit" and _INTENT_BEFORE.search(text, before, at):
        return True
    if word == "active" and (
        _STATE_BEFORE.search(text, before, at) or _MOTION_AFTER.match(text, m.end())
    ):
        return True  # "physically active", "limited active and passive range of motion"
    if word == "history of" and _TOPIC_BEFORE.search(text, before, at):
        return True  # "tell me more about your history of smoking": a topic, not the past
    if word == "normal" and (
        _ORDINARY_BEFORE.search(text, before, at) or _ORDINARY_AFTER.match(text, m.end())
    ):
        return True  # "it's quite normal after surgery to be a little bruised": usual, no result
    if (
        word == "normal"
        and _ROUTINE_TEST.match(text, m.end())
        and _GET_BEFORE.search(text, max(0, at - 40), at)
    ):
        return True  # "i'd like to get some just normal blood work": routine tests, planned
    if word == "history of" and _PRESENT_ILLNESS.match(text, m.end()):
        return True  # "HISTORY OF PRESENT ILLNESS:": the section of the illness now
    if word == "history of" and _DENIED_BEFORE.search(text, before, at):
        return True  # "no history of drug or alcohol abuse": none, ever - not a past one
    if word in ("done", "done on", "performed", "completed", "requested", "due") and (
        _NOT_YET_BEFORE.search(text, before, at) or _OTHER_SENSE.match(text, m.end())
    ):
        return True  # "not yet done", "well done", "done so far", "due to"
    if word == "given" and (
        _GIVEN_AS_PREPOSITION.match(text, at)
        or _NOT_YET_BEFORE.search(text, before, at)
        or _NONE_BEFORE.search(text, before, at)
    ):
        return True  # "given his age": a reason; "not yet given", "none given": not done
    if word == "post-op" and _VISIT_AFTER.match(text, m.end()):
        return True  # "booked at the post-op clinic": a visit's name, not a done operation
    if word in ("current", "ongoing") and _PRESENT_EPISODE.match(text, m.end()):
        return True  # "the current episodes differ from her migraine": the visit's, named
    return word == "was done" and _DENIED_BEFORE.search(text, before, at) is not None


# what "current" names when it picks out the present episode or visit from the history ("the
# current episodes differ", "current medications"), not a past condition said to go on
_PRESENT_EPISODE = re.compile(
    r"\s+(?:episodes?|symptoms?|presentation|admission|attacks?|complaints?|events?|visit|"
    r"stay|medications?|meds|medicines|regimen|dose|doses|plan|management|situation|"
    r"pattern|picture)\b",
    re.IGNORECASE,
)


# "get some just normal blood work": routine tests to be done, after a verb that orders them
_ROUTINE_TEST = re.compile(r"\s+(?:blood\s*work|bloods|labs?|lab\s+work|tests?)\b", re.I)
_GET_BEFORE = re.compile(
    r"\b(?:get|order|draw|run|do|check|send\s+(?:off|for))\s+(?:(?:some|just|a|the|your)\s+)*$",
    re.IGNORECASE,
)
_PRESENT_ILLNESS = re.compile(r"\s*(?:the\s+)?(?:present|presenting|current)\s+illness\b", re.I)
_CALL_IN = re.compile(r"\s+(?:by|in\s+at|off\s+at)\s+(?:the|my|our|your)\b", re.I)
_VISIT_AFTER = re.compile(
    r"\s+(?:clinic|review|appointment|appt|visit|follow-up|follow\s+up|check|f/u|ward)\b", re.I
)
_NOT_YET_BEFORE = re.compile(
    r"\b(?:not|yet|n't|never|well|be|been|being|get|getting|to)\s+(?:\w+\s+)?$", re.I
)
_OTHER_SENSE = re.compile(r"\s+(?:to|for|with|so|by|at\s+home|anything)\b", re.I)


def _minutes(m: re.Match[str]) -> float:
    if m.group("mil"):
        return int(m.group("mil")[:-2]) * 60.0 + int(m.group("mil")[-2:])
    hour = int(m.group("h") or m.group("h2"))
    minute = int(m.group("m") or 0)
    ap = (m.group("ap") or m.group("ap2") or "").lower()
    if ap.startswith("p") and hour < 12:
        hour += 12
    if ap.startswith("a") and hour == 12:
        hour = 0
    return hour * 60.0 + minute


def _twelve_hour(m: re.Match[str]) -> str:
    """ "12h" for a clock time that may be either half of the day ("10:40 tonight" is 22:40):
    an hour of 1-12 said without am/pm or a leading zero; else ""."""
    hour = m.group("h")
    if hour is None or m.group("ap") or hour.startswith("0") or not 1 <= int(hour) <= 12:
        return ""
    return "12h"


# clock times said in words ("the next level is due at midnight"), as minutes after midnight
_WORD_CLOCK = fast_compile(r"\b(midnight|midday|noon)\b", re.IGNORECASE)  # read over whole texts
_WORD_CLOCK_MINUTES = {"midnight": 0.0, "midday": 720.0, "noon": 720.0}


def _word_clocks(text: str) -> set[tuple[str, float | None]]:
    """The clock stamps a text gives in words: "midnight" is 00:00, "noon" and "midday" 12:00
    (so "Next APTT 00:00" is the input's "due at midnight")."""
    return {("clock", _WORD_CLOCK_MINUTES[m.group(1).lower()]) for m in _WORD_CLOCK.finditer(text)}


def _same_time(a: Mention, b: Mention) -> bool:
    if a.kind == "clock" and a.amount is not None and b.amount is not None:
        apart = abs(a.amount - b.amount)
        return apart == 0 or (apart == 720 and "12h" in (a.value, b.value))
    if a.kind == "time":
        if a.value != b.value and "0" not in (a.value, b.value):
            return False
        if a.amount is None or b.amount is None:
            return a.value == b.value
        return abs(a.amount - b.amount) <= 0.1 * max(a.amount, b.amount, 1e-9)
    return a.amount == b.amount


# --- the order of two events ------------------------------------------------------------------

# an output's order of two events ("appeared before amoxicillin was started", "rash predating
# lamotrigine", "swelling began after starting amlodipine"); "2 wk before" keeps the order
_ORDER = fast_compile(
    r"\b(?P<o>before|after|predating|pre-dating|preceding|following|prior\s+to)\s+", re.I
)
_ORDER_SIGN = {"after": 1, "following": 1}  # the others put the first event earlier (-1)
# a plan or a condition orders what is to come, not what happened ("start it after the flare
# settles", "if no better after a week")
_NOT_HAPPENED = re.compile(
    r"\b(?:will|would|should|could|plan\w*|if|until|unless|once|to\s+be|to\s+start|avoid|not|"
    r"\w+n't|never)\b",
    re.IGNORECASE,
)
_PHRASE_EDGE = re.compile(r"[,;:()\[\]\n]|[.!?](?:\s|$)")
# words of an event that name neither it nor its time ("appeared", "was started")
_EVENT_VERBS = frozenset(
    {"appear", "start", "began", "begin", "begun", "develop", "came", "come", "onset", "note"}
    | {"taken", "given", "took", "gave", "commenc", "initi", "first"}
)
_NOW_WORDS = re.compile(r"\b(?:this\s+(?:morning|afternoon|evening)|today|tonight)\b", re.I)
# how long something has gone on dates its start ("swollen ankles for three weeks", "x3 wk")
_LASTED = re.compile(
    rf"(?:\bfor\s+(?:the\s+(?:past|last)\s+)?|\bx\s?)(?P<n>\d+|{_COUNT}|a|an)\s*"
    r"(?P<u>hour|day|week|month|year|h|d|wk|mo|yr)s?\b",
    re.IGNORECASE,
)
_SHORT_UNITS = {"h": "hour", "d": "day", "wk": "week", "mo": "month", "yr": "year"}
_STARTS = re.compile(r"\b(?:start\w*|began|begun|commenced|initiated|put\s+on)\b", re.I)
_APART = 12.0  # hours between two dated events for an order to be read from their dates
_EVENT_WORDS = 3  # content words on each side of an order word that name its events


@dataclass(frozen=True)
class _Order:
    """An output's order of two events: the first's content stems, the second's (and its drug),
    +1 when the first came after the second, -1 when before, and the span of the order."""

    before_stems: frozenset[str]
    after_stems: frozenset[str]
    drug: str | None
    sign: int
    span: tuple[int, int]


@dataclass(frozen=True)
class _Dated:
    """A date of the input: its span and its hours from now (negative: in the past)."""

    start: int
    end: int
    hours: float


def _event_stems(toks: list[Token]) -> frozenset[str]:
    """Stems of the clinical words that name an event ("rash", "swelling", "amlodipine")."""
    return frozenset(
        t.stem
        for t in toks
        if t.content and is_clinical(t) and t.stem not in _EVENT_VERBS | _TIME_WORDS
    )


# --- a sequence of events told in one sentence ("stiff and jerking, and then he fell") ---------

_SEQUENCE = fast_compile(
    r"\s(?:->|\u2192)\s|\b(?:then|before|prior\s+to|after|following|predating)\b", re.I
)
_NOT_SEQUENCE_BEFORE = re.compile(
    r"\b(?:since|by|until|till|back|from|even|only|now\s+and)\s+$", re.I
)
_AFTER_TIME = re.compile(
    rf"\s+(?:\d|~|a\s+(?:few|couple|day|week|month|year|while)|(?:{_COUNT})\s|meals?|food|eating|"
    r"exercise|exertion|activity|rest|bed|breakfast|lunch|dinner|surgery|discharge|admission)",
    re.IGNORECASE,
)
# "after that, he fell": a "then"; "following that accident" names its event
_THAT = re.compile(
    r"\s+(?:that|this)(?=\s*[,.;:]|\s*$|\s+(?:he|she|i|we|they|it|you|the|his|her|my)\b)", re.I
)
# a denied event is in no order ("no increased back pain after the accident")
_DENIED = re.compile(r"\b(?:no|not|never|denie[sd]|without|\w+n't)\b", re.I)
_SEQUENCE_EDGE = re.compile(r"[;:()\[\]\n]|[.!?](?:\s|$)")
_SEQUENCE_WORDS = 6  # content words of each part nearest the order word
# one event by its several names: a fall, a vomit, palpitations
_SAME_EVENT = {
    "fell": "@fall", "fall": "@fall", "floor": "@fall", "colla": "@fall", "faint": "@fall",
    "slump": "@fall", "sick": "@vomit", "vomit": "@vomit", "palpi": "@palpitation",
}  # fmt: skip


def _event_key(stem: str) -> str:
    key = stem[:5] if len(stem) >= 5 else stem
    return _SAME_EVENT.get(key, _SAME_EVENT.get(stem, key))


def _part(doc: AnalyzedText, lo: int, hi: int, nearest_last: bool) -> frozenset[str]:
    """Event keys of the content words of [lo, hi) nearest the order word."""
    toks = [
        t
        for t in doc.tokens_in(lo, hi)
        if t.content and t.stem not in _EVENT_VERBS | _TIME_WORDS and not t.text[0].isdigit()
    ]
    toks = toks[-_SEQUENCE_WORDS:] if nearest_last else toks[:_SEQUENCE_WORDS]
    return frozenset(_event_key(t.stem) for t in toks)


def _said_of_another(m: Mention, rival: Mention, said: list[Mention]) -> bool:
    """Whether the output itself states the input's aspect of another event: of words of the
    input's mention that this one lacks ("Pneumococcal + flu vaccines done; shingles vaccine
    recommended" - "the shingles vaccine is recommended"; not "echo done - awaiting report",
    both about the echo)."""
    return any(
        o is not m
        and o.kind == "aspect"
        and o.value == rival.value
        and o.topic & rival.topic - m.topic
        for o in said
    )


def _drug_ends(doc: AnalyzedText, offset: int) -> bool:
    """Whether a drug is named right before ``offset`` (nothing but spaces between)."""
    k = bisect_right(doc.drugs, offset, key=lambda d: d.end) - 1
    return k >= 0 and not doc.text[doc.drugs[k].end : offset].strip()


def sequences(
    doc: AnalyzedText, statements_only: bool
) -> list[tuple[frozenset[str], frozenset[str], tuple[int, int]]]:
    """(first event's keys, second event's keys, span of the order) of each order of two events
    told in one sentence ("X, then Y", "X -> Y", "X before Y", "X after Y"); with
    ``statements_only``, not in a question or after a condition."""
    text = doc.text
    found = []
    for sent in doc.sentences:
        lo, hi = sent.span
        if statements_only and sent.text.rstrip().endswith("?"):
            continue
        marks = [m for m in _SEQUENCE.finditer(text, lo, hi)]
        for k, m in enumerate(marks):
            word = m.group().strip().lower()
            if _NOT_SEQUENCE_BEFORE.search(text, max(lo, m.start() - 12), m.start()):
                continue
            if word in ("->", "\u2192") and _drug_ends(doc, m.start()):
                continue  # "lisinopril -> angioedema": what the drug caused, not a sequence
            if word in ("before", "after", "following", "prior to", "predating"):
                if _THAT.match(text, m.end()):
                    word = "then"  # "after that"
                elif _AFTER_TIME.match(text, m.end()):
                    continue  # "after 2 days", "before meals": a time or a trigger
            edge = _SEQUENCE_EDGE.search(text, m.end(), hi)
            end = min(
                edge.start() if edge else hi, marks[k + 1].start() if k + 1 < len(marks) else hi
            )
            back = [e.end() for e in _SEQUENCE_EDGE.finditer(text, lo, m.start())]
            start = max(back[-1] if back else lo, marks[k - 1].end() if k else lo)
            if word not in ("then", "->", "\u2192"):
                # "X before Y": the phrases either side of the order word
                comma = text.rfind(",", start, m.start())
                start = comma + 1 if comma >= 0 else start
                stop = text.find(",", m.end(), end)
                end = stop if stop >= 0 else end
            if statements_only and _CONDITION.search(text, lo, m.start()):
                continue
            if _DENIED.search(text, start, end):
                continue
            before = _part(doc, start, m.start(), nearest_last=True)
            after = _part(doc, m.end(), end, nearest_last=False)
            first, second = (after, before) if word in ("after", "following") else (before, after)
            first, second = first - second, second - first
            if first and second:
                found.append((first, second, (m.start(), end)))
    return found


def _orders(doc: AnalyzedText) -> list[_Order]:
    """The output's orders of two events that happened (not a plan's or a condition's)."""
    text = doc.text
    found = []
    for m in _ORDER.finditer(text):
        edge = _PHRASE_EDGE.search(text, m.end())
        hi = edge.start() if edge else len(text)
        lead = [e.end() for e in _PHRASE_EDGE.finditer(text, max(0, m.start() - 200), m.start())]
        lo = lead[-1] if lead else max(0, m.start() - 200)
        sent_lo = max(text.rfind(mark, 0, m.start()) for mark in ".;\n") + 1
        if _NOT_HAPPENED.search(text, sent_lo, hi):
            continue
        later = [t for t in doc.tokens_in(m.end(), hi) if t.content][:_EVENT_WORDS]
        drug = next((d.canonical for d in doc.drugs if m.end() <= d.start < hi), None)
        after_stems = _event_stems(later)
        if not after_stems:
            continue  # "after meals", "before 8 am": no event named
        earlier = _event_stems(
            [t for t in doc.tokens_in(lo, m.start()) if t.content][-_EVENT_WORDS:]
        )
        if not earlier and lo > 0:  # "rash this AM, appeared before ...": the phrase before
            prev = [e.end() for e in _PHRASE_EDGE.finditer(text, max(0, lo - 200), lo - 1)]
            toks = doc.tokens_in(prev[-1] if prev else max(0, lo - 200), lo)
            earlier = _event_stems([t for t in toks if t.content][-_EVENT_WORDS:])
        if earlier:
            sign = _ORDER_SIGN.get(m.group("o").lower(), -1)
            end = m.end() + len(text[m.end() : hi].rstrip())
            found.append(_Order(earlier, after_stems, drug, sign, (m.start(), end)))
    return found


def _dates(ctx: AnalyzedText, found: list[Mention]) -> list[_Dated]:
    """The input's dates counted from now: relative times ("four days ago", "yesterday"; not
    "two days before admission"), "this morning" and "today", and the start of what has lasted
    a while ("for three weeks")."""
    text = ctx.text
    dates = [
        _Dated(t.start, t.end, float(t.value) * t.amount)
        for t in found
        if t.kind == "time"
        and t.amount is not None
        and t.value in ("-1", "1")
        and not _ANCHORED.search(text, t.start, t.end)
    ]
    dates += [_Dated(m.start(), m.end(), 0.0) for m in _NOW_WORDS.finditer(text)]
    for m in _LASTED.finditer(text):
        n = m.group("n").lower()
        count = 1.0 if n in ("a", "an") else NUMBER_WORDS.get(n)
        if count is None and n.isdigit():
            count = float(n)
        unit = m.group("u").lower()
        if count is not None:
            hours = float(count) * _HOURS[_SHORT_UNITS.get(unit, unit)]
            dates.append(_Dated(m.start(), m.end(), -hours))
    return sorted(dates, key=lambda d: d.start)


_NEW_CLAUSE = re.compile(r"\s*(?:and|but|then|which|who|when|while|so|after|before)\b", re.I)


def _date_at(text: str, near: list[_Dated], lo: int, at: int) -> _Dated | None:
    """The date of the word at ``at`` among its sentence's dates ``near`` (the sentence starts
    at ``lo``): the nearest in its phrase ("a rash that appeared this morning"), else the last
    one before it where its phrase goes on the same clause ("Two days ago she developed a red,
    blotchy rash"); none where its phrase opens another ("..., and the rash came on after")."""
    edge = _PHRASE_EDGE.search(text, at)
    start = max(text.rfind(mark, lo, at) for mark in ",;:(")
    start = lo if start < 0 else start + 1
    end = edge.start() if edge else len(text)
    inside = [d for d in near if start <= d.start < end]
    if inside:
        return min(inside, key=lambda d: min(abs(d.start - at), abs(d.end - at)))
    if _NEW_CLAUSE.match(text, start):
        return None
    earlier = [d for d in near if d.end <= start]
    return earlier[-1] if earlier else None


def _date_of(
    ctx: AnalyzedText, dates: list[_Dated], stems: frozenset[str], drug: str | None, started: bool
) -> _Dated | None:
    """The one date the input gives an event: the nearest date in each sentence that names it
    (a drug by name, in a sentence that starts it when ``started``), or None where it has none
    or several."""
    if drug is not None:
        where = [d.start for d in ctx.drugs if d.canonical == drug]
    else:
        where = [t.start for t in ctx.tokens if t.stem in stems]
    found: list[_Dated] = []
    starts = ctx._starts
    for at in where:
        k = bisect_right(starts, at) - 1
        if k < 0:
            continue
        lo, hi = ctx.sentences[ctx.tokens[k].sentence].span
        if drug is not None and started and not _STARTS.search(ctx.text, lo, hi):
            continue
        when = _date_at(ctx.text, [d for d in dates if lo <= d.start < hi], lo, at)
        if when is not None:
            found.append(when)
    if not found or any(abs(d.hours - found[0].hours) > _APART for d in found):
        return None
    return found[0]


# a test or procedure given as done, in a note's shorthand: "CT CAP done", "level taken today",
# "uPCR repeated", "Has had L arthroscopic repair"
_DONE_CLAIM = fast_compile(
    r"(?<!not )(?<!not yet )(?<!yet to be )(?<!to be )"  # "(not yet done)": not a claim
    r"\b(?:done|taken|(?<!the )(?<!for )(?<!of )(?<!with )(?<!his )(?<!her )(?<!their )repeated"
    r"|performed|completed|carried out)\b(?!\s+(?:by|on|at|in|for)\b)"
    r"|\b(?:has|have)\s+had\b|\bunderwent\b",
    re.IGNORECASE,
)
_BEFORE_VERB = {"has", "have", "underwent"}  # the verbs written before what was done
_TEST_STOP = frozenset(
    {"the", "a", "an", "of", "and", "was", "were", "been", "is", "are", "today", "yesterday"}
    | {"l", "r", "left", "right", "bilateral", "with", "his", "her", "their", "pt", "patient"}
    | {"also", "already", "now", "then", "for", "to", "in", "on", "at", "by", "it", "this"}
)
_CLAIM_CLAUSE = re.compile(r"[.;:,()\n]|\s-\s|\band\b|\bbut\b")
# a sentence that gives a test as planned, and one that gives it as done or resulted
_PLAN_MARK = re.compile(
    r"\b(?:request(?:ed)?|book(?:ed)?|due|plan(?:ned|s)?|to be|pending|await(?:ing|ed)?|"
    r"listed|waiting list|not yet|tomorrow|instead|arrange[ds]?|next|should|would|consider)\b"
    # "I'll request a CT", "we will book the scan": an order, not what the speaker does then
    # and there ("I'll fill in the form")
    r"|(?:\bwill|\w'll)\s+(?:\w+\s+)?(?:request|arrange|book|refer|put|list|organi[sz]e|order|"
    r"schedule|repeat|recheck)\b",
    re.IGNORECASE,
)
_DONE_MARK = re.compile(
    r"\b(?:done|taken|performed|completed|show(?:s|ed|n)?|result(?:s|ed)?|came back|sent|"
    r"normal|negative|positive|reveal\w*|demonstrat\w*|report(?:s|ed)?|had|did|underwent|"
    r"found|confirm\w*|was|were)\b",
    re.IGNORECASE,
)


# what a clinician says they will do in the visit itself: "I'll fill in the form now"
_DURING_VISIT = re.compile(
    r"(?:\bwill|\w'll|\bgoing to)\b.{0,60}?\b(?:now|today|right away|straight away|"
    r"this (?:morning|afternoon|evening))\b",
    re.IGNORECASE,
)
_NOT_YET = re.compile(r"\bnot\s+(?:yet\s+)?(?:been\s+)?\w+", re.IGNORECASE)  # "(not yet taken)"


def _overlapping(finding: Finding, others: list[Finding]) -> bool:
    """Whether another finding at least as risky lies on the same words of the output."""
    a = finding.span
    return a is not None and any(
        f.span is not None and f.span[0] < a[1] and a[0] < f.span[1] and f.risk >= finding.risk
        for f in others
    )


def _claimed_test(out: str, m: re.Match[str]) -> list[str]:
    """The words of the test or procedure a done-claim is about: its clause's words before the
    verb ("staging CT CAP done"), or after it for "has had"/"underwent" ("Has had L ... repair")."""
    before = m.group().split()[0].lower() in _BEFORE_VERB
    if before:
        tail = out[m.end() : m.end() + 80]
        stop = _CLAIM_CLAUSE.search(tail)
        chunk = tail[: stop.start()] if stop else tail
        words = re.findall(r"[A-Za-z][A-Za-z0-9-]*", chunk)[:6]
    else:
        head = out[max(0, m.start() - 60) : m.start()]
        stops = list(_CLAIM_CLAUSE.finditer(head))
        chunk = head[stops[-1].end() :] if stops else head
        words = re.findall(r"[A-Za-z][A-Za-z0-9-]*", chunk)[-5:]
    return [w.lower() for w in words if w.lower() not in _TEST_STOP]


_SUFFIX = re.compile(r"(?:ing|ed|es|s)$")  # "smoking" names what "smoked" does


def _names_test(sentence: str, words: list[str]) -> bool:
    """Whether a sentence names the test: at least two of its words (one for a one-word test),
    by their first five letters past an ending ("arthroscopic", "smoking" for "smoked")."""
    low = sentence.lower()
    found = sum(1 for p in _word_starts(tuple(words)) if p.search(low))
    return found >= min(2, len(words))


@lru_cache(maxsize=4096)
def _word_starts(words: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """For each word, its first five letters past an ending at the start of a word: built once
    per word list (every sentence of the input is asked about the same words)."""
    return tuple(re.compile(rf"\b{re.escape(_SUFFIX.sub('', w)[:5])}") for w in words)


def _sentence_naming_only(
    ctx: str, words: list[str], judge: Callable[[str], bool | None]
) -> tuple[int, int] | None:
    """The span of the input's first sentence naming the thing ``words`` say, where ``judge``
    holds of every sentence naming it (True), none counting where it answers None; else None."""
    first = None
    for m in re.finditer(r"[^.?!\n]+", ctx):
        sentence = m.group()
        if not _names_test(sentence, words):
            continue
        verdict = judge(sentence)
        if verdict is None:
            continue
        if not verdict:
            return None
        first = first or m.span()
    return first


def _planned_only(ctx: str, words: list[str], repeat: bool) -> tuple[int, int] | None:
    """The span of the input's first sentence naming the test, where every sentence naming it
    gives it as planned and none as done (for "repeated", those that name a repeat); else
    None."""

    def as_planned(sentence: str) -> bool | None:
        if repeat and not re.search(r"\brepeat", sentence, re.IGNORECASE):
            return None
        planned = _PLAN_MARK.search(sentence) or (repeat and re.search(r"\brepeat", sentence, re.I))
        if _DURING_VISIT.search(sentence):
            return False  # "I'll complete the DNACPR form today": done by the time of the note
        return bool(planned) and not _DONE_MARK.search(_NOT_YET.sub(" ", sentence))

    return _sentence_naming_only(ctx, words, as_planned)


# what the output gives as going on now: "currently on warfarin", "ongoing daily cannabis use",
# "ulcer - still being dressed"
_CURRENT_CLAIM = fast_compile(
    r"\b(?:currently|ongoing|still)\b(?:\s+(?:on|taking|using|being|has|having))?",
    re.IGNORECASE,
)
_CURRENT_STOP = _TEST_STOP | {"daily", "use", "uses", "using", "on", "taking", "being", "dressed"}
_CURRENT_STOP |= {"treated", "managed", "reviewed", "has", "having", "still", "ongoing"}
# the input's words that a thing is over, and that it goes on ("right now I can't work because
# of this disability, but I used to ...": the sentence tells of now, too)
_OVER = re.compile(
    r"\b(?:finished|completed|stopped|discontinued|ceased|quit|gave up|given up|abstinent|"
    r"healed|resolved|no longer|ex-\w+|until\s+(?:\d{4}|last)|used to)\b"
    r"|\b(?:\d+|one|two|three|four|five|six|ten|a few|several)\s+(?:years?|months?|weeks?)\s+"
    r"(?:ago|back)\b",
    re.IGNORECASE,
)
_GOES_ON = re.compile(
    r"\b(?:currently|ongoing|still|continu\w*|at the moment|remains?|now on|taking|right now|"
    r"at present|presently|these days|nowadays)\b",
    re.IGNORECASE,
)


def _current_subject(out: str, m: re.Match[str]) -> list[str]:
    """What a current-claim is said of: the words after it in its clause ("ongoing rivaroxaban"),
    else those before it ("L heel ulcer - still being dressed")."""
    tail = out[m.end() : m.end() + 60]
    stop = _CLAIM_CLAUSE.search(tail)
    after = re.findall(r"[A-Za-z][A-Za-z0-9-]*", tail[: stop.start()] if stop else tail)[:4]
    words = [w.lower() for w in after if w.lower() not in _CURRENT_STOP]
    if words:
        return words
    head = out[max(0, m.start() - 50) : m.start()]
    head = re.sub(r"\s+-\s*$", "", head)
    stops = list(_CLAIM_CLAUSE.finditer(head))
    before = re.findall(r"[A-Za-z][A-Za-z0-9-]*", head[stops[-1].end() :] if stops else head)
    return [w.lower() for w in before[-4:] if w.lower() not in _CURRENT_STOP]


def _past_only(ctx: str, words: list[str]) -> tuple[int, int] | None:
    """The span of the input's first sentence naming the thing, where every one naming it gives
    it as over and none as going on; else None."""
    return _sentence_naming_only(
        ctx, words, lambda sentence: bool(_OVER.search(sentence)) and not _GOES_ON.search(sentence)
    )


@verifiers.register("temporal.v1")
class TemporalRule(Rule):
    name = "temporal.v1"

    def __init__(
        self,
        aspect_risk: int = 3,
        action_risk: int = 4,
        time_risk: int = 3,
        stopped_listed_risk: int = 3,
    ) -> None:
        self.aspect_risk = aspect_risk
        self.action_risk = action_risk
        self.time_risk = time_risk
        self.stopped_listed_risk = stopped_listed_risk  # a drug the input stopped, listed as taken

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None
        out_mentions = mentions(out)
        orders = _orders(out)
        told = _SEQUENCE.search(out.text) is not None
        planned = self._done_for_planned(view) + self._current_for_past(view)
        planned = self._anchored_clashes(view) + planned
        if not out_mentions and not out.drugs and not orders:
            # no marker and no drug (the stopped-but-listed check) to compare: the input's
            # markers are not read; an order told in one sentence reads the input's own
            return planned + (self._sequence_clashes(view) if told else [])
        theirs = _Index(mentions(ctx, carry=True))
        theirs.stamps |= _word_clocks(ctx.text)
        findings: list[Finding] = []
        seen: set[tuple[str, str, str | None]] = set()
        for m in out_mentions:
            rival = self._rival(m, theirs)
            if rival is None or (m.kind == "action" and (m.kind, m.value, m.drug) in seen):
                continue
            if _another_event(out, ctx, m, rival, out_mentions):
                continue
            if (
                m.kind == "time"
                and m.amount == rival.amount
                and (WAITED.search(out.text, 0, m.start) or WAITED.search(ctx.text, 0, rival.start))
            ):
                continue  # "wait 5 days after UPA" for "wait 5 days before starting the pill"
            if m.kind == "time" and _corrected_in_reply(ctx.text, m, rival, theirs.found):
                continue  # "surgery three months ago? - that was four and a half months ago"
            if m.kind == "aspect" and _said_of_another(m, rival, out_mentions):
                continue  # "flu vaccines done; shingles vaccine recommended": the input's plan
            if m.kind == "aspect" and ("rival", m.value, str(rival.start)) in seen:
                continue  # "Echo showed a normal EF" against one plan: one finding
            seen.add(("rival", m.value, str(rival.start)))
            seen.add((m.kind, m.value, m.drug))
            said = out.text[m.start : m.end]
            stated = ctx.text[rival.start : rival.end]
            if m.kind == "aspect":
                message = (
                    f"{m.value} vs {rival.value}: '{said}' where the input has '{stated}' "
                    "about the same event"
                )
                risk = self.aspect_risk
            elif m.kind == "action":
                message = (
                    f"medication {m.value} vs {rival.value}: '{said}' {m.drug} where the input "
                    f"has '{stated}'"
                )
                risk = self.action_risk
            else:
                message = f"time: '{said}' where the input has '{stated}' for the same event"
                risk = self.time_risk
                if (
                    m.kind == "time"
                    and "0" not in (m.value, rival.value)
                    and m.value != rival.value
                    and not _ANCHORED.search(said + " " + stated)
                ):
                    # a plan's time against a past event's ("over the next week" vs "last
                    # night"): rarely one event; check this
                    risk = min(risk, 2)
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    risk,
                    (m.start, m.end),
                    message,
                    relation=CONTRADICTED,
                    context_span=(rival.start, rival.end),
                    suggestion=stated,
                    confidence=0.8 if m.kind == "action" else 0.7,
                )
            )
        findings.extend(self._stopped_but_listed(view, theirs, out_mentions))
        if orders:
            findings.extend(self._order_clashes(view, orders, theirs.found))
        if told:
            findings.extend(self._sequence_clashes(view))
        # the shorthand readings add only what the mention readings above have not found
        return findings + [p for p in planned if not _overlapping(p, findings)]

    def _anchored_clashes(self, view: CaseDoc) -> list[Finding]:
        """A named event's clock time ("LKW 14:20"), an interval to a procedure ("stop 2 days
        pre-op"), a start put now, or an event put on the other side of an anchor ("before the
        cough"), that the input gives otherwise (medfact.verifiers.anchors)."""
        out, ctx = view.output.text, view.context.text if view.context else ""
        clashes = clock_clashes(out, ctx) + interval_clashes(out, ctx) + start_clashes(out, ctx)
        clashes += order_clashes(out, ctx)
        return [self._clash_finding(view, c) for c in clashes]

    def _clash_finding(self, view: CaseDoc, clash: Clash) -> Finding:
        """The finding of one anchored time the input contradicts."""
        return self.finding(
            view,
            ErrorCategory.DETAIL_MISIDENTIFICATION,
            self.time_risk,
            clash.span,
            clash.message,
            relation=CONTRADICTED,
            context_span=clash.context_span,
            confidence=0.7,
        )

    def _done_for_planned(self, view: CaseDoc) -> list[Finding]:
        """A test or procedure the output gives as done ("staging CT CAP done", "level taken
        today", "Has had L rotator cuff repair") where every sentence of the input that names
        it gives it as planned ("has been requested", "not yet taken", "waiting list")."""
        out, ctx = view.output.text, view.context_text or ""
        findings = []
        for m in _DONE_CLAIM.finditer(out):
            words = _claimed_test(out, m)
            if len(words) < 1:
                continue
            where = _planned_only(ctx, words, repeat=m.group().lower() == "repeated")
            if where is None:
                continue
            findings.append(
                self._aspect_clash(view, m, words, where, "done vs planned", "only as planned")
            )
        return findings

    def _current_for_past(self, view: CaseDoc) -> list[Finding]:
        """A drug, habit or lesion the output gives as current ("currently on warfarin",
        "ongoing rivaroxaban", "ulcer - still being dressed") where every sentence of the input
        that names it gives it as over ("finished two years ago", "completed", "until 2023,
        abstinent since", "healed")."""
        out, ctx = view.output.text, view.context_text or ""
        findings = []
        for m in _CURRENT_CLAIM.finditer(out):
            words = _current_subject(out, m)
            if not words:
                continue
            where = _past_only(ctx, words)
            if where is None:
                continue
            findings.append(self._aspect_clash(view, m, words, where, "current vs past", "as over"))
        return findings

    def _aspect_clash(
        self,
        view: CaseDoc,
        m: re.Match[str],
        words: list[str],
        where: tuple[int, int],
        what: str,
        given: str,
    ) -> Finding:
        """The finding of an output's aspect ("done", "currently") that every input sentence
        naming the same thing gives otherwise (``given``: "only as planned", "as over")."""
        ctx = view.context_text or ""
        return self.finding(
            view,
            ErrorCategory.DETAIL_MISIDENTIFICATION,
            self.aspect_risk,
            m.span(),
            f"{what}: '{m.group()}' ({' '.join(words)}) where the input gives it {given} "
            f"('{ctx[where[0] : where[1]].strip()[:80]}')",
            relation=CONTRADICTED,
            context_span=where,
            confidence=0.7,
        )

    def _sequence_clashes(self, view: CaseDoc) -> list[Finding]:
        """An output's order of two events that an input sentence tells the other way round
        ("fell and hit head, then stiffening + jerking" - "he went stiff and started jerking,
        and then he fell and hit his head")."""
        ctx = view.context
        assert ctx is not None
        ours = sequences(view.output, statements_only=False)
        if not ours:
            return []
        theirs = sequences(ctx, statements_only=True)
        findings = []
        for first, second, span in ours:
            for their_first, their_second, their_span in theirs:
                crossed = first & their_second and second & their_first
                if crossed and not (first & their_first or second & their_second):
                    findings.append(
                        self.finding(
                            view,
                            ErrorCategory.DETAIL_MISIDENTIFICATION,
                            self.time_risk,
                            span,
                            f"order: '{view.output.text[slice(*span)]}' where the input has "
                            f"'{ctx.text[slice(*their_span)]}' the other way round",
                            relation=CONTRADICTED,
                            context_span=their_span,
                            confidence=0.6,
                        )
                    )
                    break
        return findings

    def _order_clashes(
        self, view: CaseDoc, orders: list[_Order], found: list[Mention]
    ) -> list[Finding]:
        """An output's order of two events that the input's dates reverse ("rash predating
        lamotrigine" - "Lamotrigine was started 12 days ago ... Two days ago she developed a
        rash")."""
        ctx = view.context
        assert ctx is not None
        dates = _dates(ctx, found)
        if not dates:
            return []
        findings = []
        for order in orders:
            then = _date_of(ctx, dates, order.after_stems, order.drug, started=True)
            if then is None:
                continue
            first: list[_Dated] = []
            for stem in order.before_stems:
                when = _date_of(ctx, dates, frozenset({stem}), None, started=False)
                if when is not None:
                    first.append(when)
            # every dated word of the first event on the other side of the second
            if not first or any(
                order.sign * (when.hours - then.hours) >= -_APART for when in first
            ):
                continue
            said = ctx.text[first[0].start : first[0].end]
            their = ctx.text[then.start : then.end]
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.time_risk,
                    order.span,
                    f"order: '{view.output.text[slice(*order.span)]}' where the input dates "
                    f"the one '{said}' and the other '{their}'",
                    relation=CONTRADICTED,
                    context_span=(first[0].start, first[0].end),
                    confidence=0.6,
                )
            )
        return findings

    def _stopped_but_listed(
        self, view: CaseDoc, theirs: _Index, out_mentions: list[Mention]
    ) -> list[Finding]:
        """A drug the output lists as taken, with no action of its own, that the input only
        ever stopped ("lisinopril gave me a cough so they swapped it" against "Meds: amlodipine,
        lisinopril")."""
        out, ctx = view.output, view.context
        assert ctx is not None
        acted = {m.drug for m in out_mentions if m.kind == "action"}
        stopped: dict[str, Mention] = {}
        kept: set[str] = set()
        for m in theirs.found:
            if m.kind != "action" or m.drug is None or m.asked:
                continue
            if m.value == "stopped" and _TIMED_STOP.search(ctx.text, m.start, m.end + 80):
                kept.add(m.drug)  # "stop clopidogrel 7 days before surgery": taken until then
            elif m.value == "stopped":
                near = any(
                    d.canonical == m.drug and m.start - 80 <= d.start <= m.end + 40
                    for d in ctx.drugs
                )
                if near:  # not a "stop" carried from a drug named further back
                    stopped.setdefault(m.drug, m)
            else:
                kept.add(m.drug)
        findings = []
        clauses: _Text | None = None  # read at the first drug that needs it
        for d in out.drugs:
            rival = stopped.get(d.canonical)
            if rival is None or d.canonical in kept or d.canonical in acted:
                continue
            if clauses is None:
                clauses = _Text(out)
            lo, hi = clauses.clause(d.start)
            dash = out.text.rfind(" - ", lo, d.start)
            if dash >= 0:
                lo = dash + 3  # "Previous DVT - on warfarin": "previous" dates the DVT
            own = out.tokens_in(d.start, d.end)
            if _NOT_TAKEN.search(out.text, lo, hi) or (own and own[0].polarity != "affirmed"):
                continue  # "lisinopril (stopped: cough)", "previously on", "no longer"
            stopped.pop(d.canonical)
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.stopped_listed_risk,
                    (d.start, d.end),
                    f"'{d.surface}' is listed as taken; the input stopped it "
                    f"('{ctx.text[rival.start : rival.end]}')",
                    relation=CONTRADICTED,
                    context_span=(rival.start, rival.end),
                    confidence=0.6,
                )
            )
        return findings

    @staticmethod
    def _rival(m: Mention, theirs: _Index) -> Mention | None:
        """The input mention this one contradicts, or None when the input agrees or is silent."""
        if m.kind == "action":
            same = theirs.by_drug.get(m.drug or "", [])
            if not same or any(t.value == m.value for t in same):
                return None  # a question ("should I continue it?") still counts as agreement
            clash = [t for t in same if t.value in _ACTION_CONFLICTS[m.value] and not t.asked]
            return clash[0] if clash else None
        related = theirs.related(m)
        if not related:
            return None
        if m.kind == "aspect":
            if any(t.value == m.value for t in related):
                return None
            if m.value == "done" and m.dated == "past":
                # a procedure dated in the past is another one than the input plans, unless
                # the input dates its plan too ("done last month" vs "scheduled next month")
                related = [t for t in related if t.dated == "future"]
            clash = [t for t in related if t.value in _CONFLICT[m.value]]
            return max(clash, key=lambda t: len(m.topic & t.topic)) if clash else None
        if any(_same_time(m, t) for t in related):
            return None
        later = m.amount + 720 if m.value == "12h" and m.amount is not None else None
        if m.kind in ("clock", "year") and (
            (m.kind, m.amount) in theirs.stamps or ("clock", later) in theirs.stamps
        ):
            return None  # "then a second dose at 13:27": a time the input gives, for its event
        return max(related, key=lambda t: len(m.topic & t.topic))


_RESULT_NEAR = re.compile(
    r"\b(?:shows?|showed|shown|seeing|revealed|demonstrat\w*|came\s+back|said\s+that)\b",
    re.IGNORECASE,
)
# times counted from another event ("two days before admission"): one timeline, compared
_ANCHORED = re.compile(r"\b(?:before|after|prior|later|earlier|post)\b", re.IGNORECASE)
_YEAR_LIKE = re.compile(r"(?:19|20)\d\d")
_RESULT_REACH = 150  # characters either side of the input's plan searched for a result
_PAST_START = re.compile(r"\b(?:was|were|been|got|get)\s+$", re.IGNORECASE)
_NOW = re.compile(r"\b(?:today|now|this\s+visit)\b", re.IGNORECASE)
_STARTED_AGO = re.compile(
    r"\b(?:ago|last\s+(?:week|month|year)|in\s+(?:19|20)\d\d)\b", re.IGNORECASE
)
# "get (some blood testing) done", "gon na have that done": what is to be done
_GET_DONE = re.compile(
    r"\b(?:get|getting|gon\s+na\s+have|going\s+to\s+have|want\s+to\s+have)\b(?:\s+[\w'-]+){0,4}\s+$",
    re.IGNORECASE,
)
_TO_BEFORE = re.compile(r"\bto\s+$", re.IGNORECASE)
_TO_BE = re.compile(r"\b(?:to|will|shall|should|would|can|may|might)\s+be\s+$", re.IGNORECASE)
_ONCE_DONE = re.compile(
    r"\b(?:after|once|when|until)\s+(?:that|it|this|they|those|everything|all\s+that)"
    r"(?:'s|'re|\s+is|\s+are|\s+has\s+been|\s+have\s+been|\s+gets?)\s+(?:all\s+)?$",
    re.IGNORECASE,
)
_WHEN_BEFORE = re.compile(r"\b(?:when|since|after|before|while|on)\s+$", re.IGNORECASE)
_STOP_ORDERS = frozenset({"stop", "discontinue", "cease", "d/c"})  # a plan's, not a past stop
# a dose dated before the visit ("two days ago", "last night", "before admission")
_DOSE_BEFORE = re.compile(
    r"\b(?:ago|yesterday|last\s+(?:night|week|month|evening)|earlier\s+(?:today|this\s+week)|"
    r"before\s+(?:admission|presentation|arrival|coming\s+in)|prior\s+to\s+(?:admission|"
    r"presentation|arrival))\b",
    re.IGNORECASE,
)
_NONE_BEFORE = re.compile(r"\b(?:none|nothing|neither)\s+(?:was\s+|were\s+)?$", re.IGNORECASE)
_AT_HOME = re.compile(r"\b(?:at|from|back|go|went|get)\s+$", re.IGNORECASE)
_RESTATED_REACH = 300  # characters after the input's time where a reply may correct it
_REPEAT = re.compile(r"\b(?:repeat|repeated|another|follow-?up|serial|interval)\b", re.I)
_HISTORY_OF = frozenset({"history of", "h/o", "hx of", "past history"})
_CONTROLLED = re.compile(
    r"\b(?:(?:well|poorly|under)[\s-]+)?(?:controlled|managed|treated)\b|\bunder\s+control\b",
    re.IGNORECASE,
)


def _corrected_in_reply(text: str, m: Mention, rival: Mention, theirs: list[Mention]) -> bool:
    """Whether the next speaker's turn right after the input's time gives the output's time
    instead ("the surgery about three months ago? - that was about four and a half months
    ago")."""
    line = text.rfind("\n", 0, rival.start) + 1
    reply = text.find("\n", rival.end)
    if reply < 0 or speaker_tag(text, line) is None:
        return False
    nxt = text.find("\n", reply + 1)
    end = len(text) if nxt < 0 else nxt
    if speaker_tag(text, reply + 1) in (None, speaker_tag(text, line)):
        return False
    return any(
        t.kind == "time"
        and reply < t.start < min(end, reply + _RESTATED_REACH)
        and _same_time(m, t)
        for t in theirs
    )


def _another_event(
    out: AnalyzedText, ctx: AnalyzedText, m: Mention, rival: Mention, ours: list[Mention]
) -> bool:
    """Whether the output mention and its rival are about two events after all: a year the
    input names for something ("abnormal pap around 2009"), a second time the output's
    sentence gives ("began 2 weeks ago, worse last week"), a result the input reports next to
    its plan ("what I'm seeing on your x-ray, I recommend surgery"), a start in the past
    against a plan to continue ("was started on metformin in the ER"), a time counted from
    another event against one counted from now ("one hour after the insulin", "tomorrow"), a
    restart planned where the input holds the drug now ("resume after review")."""
    said = out.text[m.start : m.end]
    if m.kind in ("year", "clock") and _YEAR_LIKE.fullmatch(said):
        # a year ("2009", also read as the clock time 20:09) that the input names too
        return re.search(rf"\b{said}\b", ctx.text) is not None
    if m.kind == "action" and m.value == "resumed":
        return not said.lower().endswith("ed")  # a plan, which a hold may precede
    if m.kind == "time":
        if bool(_ANCHORED.search(said)) != bool(
            _ANCHORED.search(ctx.text[rival.start : rival.end])
        ):
            return True
        sent = out.tokens_in(m.start, m.end)[:1]
        if not sent:
            return False
        span = out.sentences[sent[0].sentence].span
        return any(
            o is not m
            and o.kind == "time"
            and span[0] <= o.start < span[1]
            and _same_time(o, rival)
            for o in ours
        )
    if (
        m.kind == "aspect"
        and (m.value, rival.value) == ("current", "past")
        and ctx.text[rival.start : rival.end].lower() in _HISTORY_OF
    ):
        # "history of hypertension" against "hypertension is currently controlled": a chronic
        # condition's history goes on under treatment ("current smoker" still clashes)
        lo, hi = _Text(out).clause(m.start)
        return _CONTROLLED.search(out.text, lo, hi) is not None
    if m.kind == "aspect" and m.value == "planned" and rival.value == "done":
        # "repeat echocardiogram ordered in 6 months" where the input's echo "showed": the
        # repeat is another one
        lo, _ = _Text(out).clause(m.start)
        return _REPEAT.search(out.text, max(lo, m.start - 60), m.start) is not None
    if m.kind == "aspect" and m.value == "done" and rival.value == "planned":
        lo, hi = max(0, rival.start - _RESULT_REACH), rival.end + _RESULT_REACH
        return _RESULT_NEAR.search(ctx.text, lo, hi) is not None
    if m.kind == "action" and m.value == "given" and rival.value == "stopped":
        # "took pseudoephedrine two days ago" against the plan's "stop the pseudoephedrine": a
        # dose before the stop, which stops what was taken
        lo, hi = _Text(out).clause(m.start)
        return ctx.text[rival.start : rival.end].lower() in _STOP_ORDERS and (
            _DOSE_BEFORE.search(out.text, lo, hi) is not None
        )
    if m.kind == "action" and m.value == "continued" and rival.value == "started":
        # "celebrex which i started maybe 2 months ago": a start in the past, continued now
        lo, hi = _Text(ctx).clause(rival.start)
        return _STARTED_AGO.search(ctx.text, rival.end, min(hi, rival.end + 40)) is not None
    if m.kind == "action" and m.value == "started" and rival.value == "continued":
        if _WHEN_BEFORE.search(out.text, max(0, m.start - 12), m.start):
            return True  # "stopped drinking when starting methotrexate": a time, in the past
        lo, hi = _Text(out).clause(m.start)
        past = _PAST_START.search(out.text, max(0, m.start - 12), m.start)
        return past is not None and not _NOW.search(out.text, lo, hi)
    return False


class _Index:
    """The input's mentions by drug, and by kind and topic stem, so that an output mention
    reads only the input mentions it could be about (inputs can be long)."""

    def __init__(self, found: list[Mention]) -> None:
        self.by_drug: dict[str, list[Mention]] = {}
        self.by_stem: dict[tuple[str, str], list[int]] = {}
        self.found = found
        self.stamps = {(t.kind, t.amount) for t in found if t.kind in ("clock", "year")}
        for k, t in enumerate(found):
            if t.kind == "action" and t.drug is not None:
                self.by_drug.setdefault(t.drug, []).append(t)
            for stem in t.topic:
                self.by_stem.setdefault((t.kind, stem), []).append(k)

    def related(self, m: Mention) -> list[Mention]:
        """Input mentions of the same kind sharing a topic stem with ``m``, in text order."""
        hits: set[int] = set()
        for stem in m.topic:
            hits.update(self.by_stem.get((m.kind, stem), ()))
        return [self.found[k] for k in sorted(hits)]
