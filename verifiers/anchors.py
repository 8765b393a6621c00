"""Times of anchored events read on both sides: a named event's clock time, an interval to a
procedure, a start put now, an event's side of an anchor.

Four readings the mention readings of :mod:`medfact.verifiers.temporal` miss. In the first two
the output's time is a well-formed time the input also holds, only for another event:

- a clock time of a named event: "last known well" (LKW, last seen well), the time a patient
  was "found", the "onset" of symptoms. The output's "LKW 14:20" where the input's last known
  well is 13:30 (and 14:20 is when the patient was found) moves the treatment window. Read
  only where the input gives the same named event digit clock times, none of them the output's.
- an interval before or after a procedure: "stop 2 days pre-op" where the input stops the same
  thing "seven days before the operation". Read only where the output's clause and the input's
  share a word besides the interval (the drug, the verb "stop"), and where no interval of the
  input for that procedure is the output's (two drugs, two intervals: either may be meant).

The other two compare when or in which order a thing happens:

- a start the output puts now ("start febuxostat today") where the input's only start of that
  thing is later ("once the flare has settled", "from day 6", "in three weeks").
- an event the output puts on one side of an anchor ("onset before the cough") that the input
  puts only on the other side of the same anchor, in a sentence that neither asks nor denies.

A rewording (2/52 = two weeks = 14 days) compares as equal: intervals are compared in days.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from medfact.lexicon.terms import NUMBER_WORDS
from medfact.rehint import FastPattern, fast_compile, lower_ascii

_EVENTS = {
    "last known well": r"\b(?:LKW|last\s+(?:known|seen)\s+well|last\s+well)",
    "found": r"\bfound\b",
    "onset": r"\bonset\b",
}
_CLOCK = r"(?P<h>[01]?\d|2[0-3])[:.]?(?P<m>[0-5]\d)\b(?!\s*(?:mg|kg|ml|%|mmol|/))"
# the event's word, then a few words ("by wife on the kitchen floor at about") then a clock
_GAP = r"[^.;\n\d]{0,40}?(?:\bat\s+|~|\babout\s+|\baround\s+|\bapprox\w*\s+)*"
_EVENT_CLOCK = {
    name: fast_compile(pattern + _GAP + _CLOCK, re.IGNORECASE) for name, pattern in _EVENTS.items()
}
_COUNT = "|".join(sorted((w for w in NUMBER_WORDS if " " not in w), key=len, reverse=True))
_UNIT_DAYS = {"day": 1.0, "d": 1.0, "week": 7.0, "wk": 7.0, "/7": 1.0, "/52": 7.0}
_PROCEDURE = r"(?:op|operation|surgery|procedure|theatre)"
_INTERVAL = fast_compile(
    rf"\b(?P<n>\d+|{_COUNT}|a|an|one)\s*(?:-\s*)?(?P<u>days?|d|weeks?|wks?|/7|/52)\s*"
    rf"(?:-\s*)?(?P<side>pre|post|before|after|prior\s+to)"
    rf"(?:\s*-?\s*(?:the\s+|your\s+|his\s+|her\s+|their\s+)?{_PROCEDURE}\b|(?=\s*[.,;?)\n]|$))",
    re.IGNORECASE,
)
_MENTIONS_PROCEDURE = fast_compile(rf"\b{_PROCEDURE}\b|\bpre-?op\b|\bpost-?op\b", re.IGNORECASE)
_PROCEDURE_OPENS = ("op", "surgery", "procedure", "theatre", "pre", "post")  # opens each match
_CLAUSE = re.compile(r"[.;\n?!]")
_WORD = re.compile(r"[a-z]{4,}")
_NOT_SHARED = frozenset(
    {"days", "weeks", "before", "after", "prior", "surgery", "operation", "procedure", "that"}
    | {"this", "with", "from", "should", "will", "would", "your", "there", "they", "have"}
)


@dataclass(frozen=True)
class Clash:
    """An output time and the input's time for the same anchored event."""

    span: tuple[int, int]
    context_span: tuple[int, int]
    message: str


def _clocks(text: str, name: str) -> list[tuple[int, int, int]]:
    """(minutes after midnight, start, end) of each clock time given the named event."""
    found = []
    for m in _EVENT_CLOCK[name].finditer(text):
        found.append((int(m.group("h")) * 60 + int(m.group("m")), m.start("h"), m.end("m")))
    return found


def clock_clashes(out: str, ctx: str) -> list[Clash]:
    """Named events whose output clock time the input never gives them, where it gives them
    one (or more) other digit clock times."""
    clashes = []
    for name in _EVENTS:
        theirs = _clocks(ctx, name)
        if not theirs:
            continue
        times = {t for t, _, _ in theirs}
        for minutes, start, end in _clocks(out, name):
            if minutes in times or (minutes + 720) % 1440 in times:
                continue  # "2:20" for "14:20"
            _, c_start, c_end = theirs[0]
            clashes.append(
                Clash(
                    (start, end),
                    (c_start, c_end),
                    f"{name}: '{out[start:end]}' where the input gives {name} as "
                    f"'{ctx[c_start:c_end]}'",
                )
            )
    return clashes


def _days(m: re.Match[str]) -> float | None:
    """The interval in days ("2/52" = 14, "seven days" = 7)."""
    n = m.group("n").lower()
    count = 1.0 if n in ("a", "an") else NUMBER_WORDS.get(n)
    if count is None:
        try:
            count = float(n)
        except ValueError:
            return None
    unit = m.group("u").lower().rstrip("s") if not m.group("u").startswith("/") else m.group("u")
    return float(count) * _UNIT_DAYS.get(unit, 1.0)


def _side(m: re.Match[str]) -> int:
    """-1 for an interval before the procedure, 1 after."""
    return 1 if m.group("side").lower() in ("post", "after") else -1


def _clause_words(text: str, at: int, reach: int) -> set[str]:
    """Words of four letters or more in the clause before ``at`` (within ``reach``)."""
    lo = max(0, at - reach)
    breaks = [b.end() for b in _CLAUSE.finditer(text, lo, at)]
    lo = breaks[-1] if breaks else lo
    return {w[:4] for w in _WORD.findall(text[lo:at].lower()) if w not in _NOT_SHARED}


_ACTS = frozenset({"stop", "hold", "omit", "with", "paus", "cont", "take", "star", "rest"})


def _window_words(text: str, at: int, reach: int = 200) -> set[str]:
    """Words of four letters or more in the ``reach`` characters before ``at``: a turn that
    says "stop that seven days before" names the thing in the turn before."""
    return {w[:4] for w in _WORD.findall(text[max(0, at - reach) : at].lower())} - _NOT_SHARED


def _same_thing(said: set[str], theirs: set[str]) -> bool:
    """Whether the input's words near its interval name what the output's clause names: a
    shared word besides the action ("stop", "hold"), or the action alone where the output's
    clause names nothing else the input's words lack."""
    things = said - _ACTS
    if things:
        return bool(things & theirs)
    return bool(said & theirs)


def _intervals(text: str) -> list[tuple[float, int, re.Match[str]]]:
    """(days, side, match) of each interval to a procedure in ``text``."""
    found = []
    for m in _INTERVAL.finditer(text):
        days = _days(m)
        if days is not None:
            found.append((days, _side(m), m))
    return found


def interval_clashes(out: str, ctx: str) -> list[Clash]:
    """Intervals to a procedure the output gives a thing the input gives another interval
    for, where no input interval on that side of the procedure is the output's."""
    if next(_matches_opening(_MENTIONS_PROCEDURE, ctx, _PROCEDURE_OPENS), None) is None:
        return []  # no procedure named
    ours = _intervals(out)
    if not ours:
        return []  # the input's intervals are read only where the output gives one
    theirs = _intervals(ctx)
    clashes = []
    for days, side, m in ours:
        if not _MENTIONS_PROCEDURE.search(m.group(0)):
            continue  # "2 days after" with no procedure named: another anchor
        same_side = [t for t in theirs if t[1] == side]
        if not same_side or any(abs(t[0] - days) < 0.01 for t in same_side):
            continue
        words = _clause_words(out, m.start(), 80)
        rivals = [t for t in same_side if _same_thing(words, _window_words(ctx, t[2].start()))]
        if len(rivals) != 1:
            continue
        rival = rivals[0][2]
        clashes.append(
            Clash(
                (m.start(), m.end()),
                (rival.start(), rival.end()),
                f"interval: '{m.group(0)}' where the input has '{rival.group(0)}'",
            )
        )
    return clashes


_NOW = re.compile(
    r"\b(?:today|now|straight\s+away|immediately|right\s+away|this\s+(?:morning|afternoon|"
    r"evening)|tonight|at\s+once)\b",
    re.IGNORECASE,
)
_START = re.compile(
    r"\b(?:start\w*|begin\w*|began|restart\w*|commenc\w*|initiat\w*|from|introduc\w*)\b",
    re.IGNORECASE,
)
_DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)"
_LATER = re.compile(
    rf"\b(?:(?:from|on|at)\s+day\s*\d+|day\s*\d+|(?:from\s+|on\s+)?next\s+(?:week|month|{_DAYS})|"
    rf"in\s+(?:\d+|{_COUNT}|a)\s+(?:days?|weeks?|months?)|after\s+(?:\d+|{_COUNT}|a)\s+"
    rf"(?:days?|weeks?|months?)|once\s+(?:[a-z]+\s+){{1,4}}?(?:(?:has|have|is|are)\s+)?"
    rf"(?:settled|resolved|cleared|confirmed|finished|completed|healed|gone|improved|over))\b",
    re.IGNORECASE,
)
# a whole output searched for either: read lower-cased (no ignored case), as the pattern reads it
_NOW_IN_TEXT = FastPattern(_NOW)
_START_IN_TEXT = FastPattern(_START)
# one character class first, so the scan skips other characters in C: the same matches as
# "[.;!?](?:\s|$)|\n"
_SENTENCE = re.compile(r"[.;!?\n](?:(?<=\n)|\s|$)")
_PLAN_STOP = frozenset(
    {"start", "starts", "started", "starting", "begin", "restart", "from", "today", "now", "the"}
    | {"daily", "once", "twice", "with", "and", "then", "can", "may", "will", "should", "your"}
    | {"his", "her", "their", "for", "mg", "bd", "od", "tds", "qds", "bid", "tid", "plan"}
    | {"straight", "away", "immediately", "right", "this", "morning", "evening", "tonight"}
    | {"you", "him", "them", "are", "was", "not", "all", "but", "off", "per", "day", "week"}
    | {"weeks", "days", "month", "months", "after", "before", "until", "when", "once", "also"}
)


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence or clause ended by a full stop, semicolon or line."""
    spans, lo = [], 0
    for m in _SENTENCE.finditer(text):
        spans.append((lo, m.start()))
        lo = m.end()
    spans.append((lo, len(text)))
    return [(a, b) for a, b in spans if b > a]


def _keys(text: str) -> set[str]:
    """The words of three letters or more that may name what a plan starts."""
    words = re.findall(r"[a-z][a-z-]{2,}", text.lower())
    return {w for w in words if w not in _PLAN_STOP and not w.isdigit()}


_LINKED_GAP = 60  # characters between a start word and its time
_OTHER_CLAUSE = re.compile(
    r"[,(]|\b(?:and|then|but|or|review\w*|see|follow\w*|check\w*|repeat\w*|recheck\w*)\b",
    re.IGNORECASE,
)


def _started_at(text: str, time: re.Match[str]) -> bool:
    """Whether a start word of ``text`` governs ``time``: the nearest one, within a short
    gap holding no word of another clause ("start X, review in 2 weeks" gives the review's)."""
    for start in _START.finditer(text):
        if start.start() >= time.start() and start.end() <= time.end():
            return True  # "from day 6", "from today"
        lo, hi = sorted(
            (start.end(), time.start())
            if start.end() <= time.start()
            else (time.end(), start.start())
        )
        if hi - lo <= _LINKED_GAP and not _OTHER_CLAUSE.search(text, lo, hi):
            return True
    return False


def start_clashes(out: str, ctx: str) -> list[Clash]:
    """A start the output puts now ("start febuxostat today") that the input puts later
    ("start febuxostat once the flare has settled", "apixaban from day 6"), where no sentence
    of the input naming the same thing starts it now."""
    if _NOW_IN_TEXT.search(out) is None or _START_IN_TEXT.search(out) is None:
        return []  # a sentence's "today" or start word is one of the text's: none, no start now
    clashes = []
    said: list[tuple[int, int]] | None = None  # the input's sentences, read when first needed
    for lo, hi in _sentences(out):
        sentence = out[lo:hi]
        now = _NOW.search(sentence)
        if now is None or not _started_at(sentence, now):
            continue
        keys = _keys(sentence[: now.start()][-60:])
        if not keys:
            continue
        if said is None:
            said = _sentences(ctx)
        naming = [(a, b) for a, b in said if keys & _keys(ctx[a:b])]
        if not naming or any(_NOW.search(ctx[a:b]) for a, b in naming):
            continue
        later = [
            (a, b, m)
            for a, b in naming
            if (m := _LATER.search(ctx[a:b])) is not None and _started_at(ctx[a:b], m)
        ]
        if len(later) != 1:
            continue
        a, _, m = later[0]
        clashes.append(
            Clash(
                (lo + now.start(), lo + now.end()),
                (a + m.start(), a + m.end()),
                f"start: '{now.group(0)}' where the input has '{m.group(0)}'",
            )
        )
    return clashes


_RELATION = fast_compile(
    r"(?:\b(?P<word>before|after|prior\s+to|following)\s+(?:the\s+|a\s+|an\s+|his\s+|her\s+|"
    r"your\s+|their\s+|my\s+|first\s+)?|\b(?P<prefix>pre|post)\s*-\s*|\b(?P<bare>pre|post)\s+)"
    r"(?P<anchor>[A-Za-z][A-Za-z-]{2,})",
    re.IGNORECASE,
)
# the words every relation opens with (lower-cased, "prior" of "prior to"): the pattern opens
# with "\b", so `re` would try it at every character; it is tried where these words start
_RELATION_OPENS = ("before", "after", "prior", "following", "pre", "post")
_ANCHOR_STOP = frozenset(
    {"that", "this", "then", "which", "when", "each", "every", "meals", "food", "eating"}
    | {"breakfast", "lunch", "dinner", "bed", "bedtime", "sleep", "going", "being", "having"}
    | {"discharge", "admission", "visit", "appointment", "review", "clinic", "today", "work"}
    | {"school", "hours", "days", "weeks", "months", "years", "minutes", "noon", "midnight"}
    | {"you", "him", "her", "them", "she", "they", "that's", "the", "op", "operative"}
)
_SAME_SIGN = {"before": -1, "prior": -1, "pre": -1, "after": 1, "following": 1, "post": 1}


@dataclass(frozen=True)
class _Relation:
    sign: int
    anchor: str
    start: int
    end: int


_DENIED = re.compile(r"\b(?:no|not|nope|never|none|denie[sd]|deny|without|\w+n't)\b", re.I)


def _asked_or_denied(text: str, spans: list[tuple[int, int]], at: int) -> bool:
    """Whether the sentence holding ``at`` (of ``spans``, the text's :func:`_sentences`) asks
    ("any pain before the fall?") or denies ("no pain before the fall"): it gives the event no
    time. The spans are in order and apart: the one that may hold ``at`` is found by bisection."""
    k = bisect_right(spans, (at, len(text) + 1)) - 1  # the last span starting at or before it
    if k < 0 or not spans[k][0] <= at < spans[k][1]:
        return False
    lo, hi = spans[k]
    sentence = text[lo : hi + 1]
    return sentence.rstrip().endswith("?") or _DENIED.search(sentence) is not None


def _opening_places(low: str, opens: tuple[str, ...]) -> list[int]:
    """Where one of ``opens`` starts in the lower-cased text, in order."""
    places = set()
    for word in opens:
        at = low.find(word)
        while at >= 0:
            places.add(at)
            at = low.find(word, at + 1)
    return sorted(places)


def _matches_opening(
    pattern: FastPattern, text: str, opens: tuple[str, ...]
) -> Iterator[re.Match[str]]:
    """The matches of ``pattern.finditer(text)``, for a pattern that matches no empty string
    and whose every match opens with one of ``opens`` (in lower case): on ASCII text it is
    matched only where one of them starts (no match starts elsewhere), from the end of the
    last match. A pattern that opens with "\\b" is otherwise tried at every character."""
    low = lower_ascii(text)
    if low is None:
        yield from pattern.finditer(text)
        return
    end = 0
    for at in _opening_places(low, opens):
        if at < end:
            continue  # inside the last match: finditer goes on from its end
        m = pattern.match(text, at)
        if m is not None:
            end = m.end()
            yield m


def _relations(text: str) -> list[_Relation]:
    """Each "before X" / "after X" / "pre-X" / "post X" of ``text``, with its side of X, where
    its sentence neither asks nor denies."""
    found: list[_Relation] = []
    spans: list[tuple[int, int]] | None = None  # the sentences, read at the first relation
    for m in _matches_opening(_RELATION, text, _RELATION_OPENS):
        if spans is None:
            spans = _sentences(text)
        if _asked_or_denied(text, spans, m.start()):
            continue
        word = (m.group("word") or m.group("prefix") or m.group("bare")).lower().split()[0]
        anchor = m.group("anchor").lower().strip("-")
        if anchor in _ANCHOR_STOP or len(anchor) < 3:
            continue
        found.append(_Relation(_SAME_SIGN[word], anchor, m.start(), m.end()))
    return found


def _same_anchor(a: str, b: str) -> bool:
    """One anchor in two words: a shared stem ("bloods", "blood") or one word ending the other
    ("scope", "endoscopy")."""
    return a[:5] == b[:5] or (len(b) >= 5 and a.endswith(b)) or (len(a) >= 5 and b.endswith(a))


def order_clashes(out: str, ctx: str) -> list[Clash]:
    """An event the output puts on one side of an anchor ("PPI pre-endoscopy", "onset before
    the cough") that the input puts only on the other side of the same anchor ("after the
    scope"), with a word of the event shared in the clause before each (a word of another
    sentence names another event: "the foot is pink. Post-reduction X-ray awaited")."""
    theirs = _relations(ctx)
    if not theirs:
        return []
    clashes = []
    for said in _relations(out):
        words = _clause_words(out, said.start, 80) - _ACTS
        if not words:
            continue
        same = [
            r
            for r in theirs
            if _same_anchor(said.anchor, r.anchor) and words & _clause_words(ctx, r.start, 120)
        ]
        if not same or any(r.sign == said.sign for r in same):
            continue
        rival = same[0]
        clashes.append(
            Clash(
                (said.start, said.end),
                (rival.start, rival.end),
                f"order: '{out[said.start : said.end]}' where the input has "
                f"'{ctx[rival.start : rival.end]}'",
            )
        )
    return clashes
