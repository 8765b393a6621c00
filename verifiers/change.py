"""comparison.v1: comparisons and changes over time that the input does not state."""

from __future__ import annotations

import re

from medfact.analysis import HYPOTHETICAL, AnalyzedText, Token, once_per_text
from medfact.document import CaseDoc
from medfact.lexicon.terms import CHANGE_PHRASES, CHANGE_WORDS
from medfact.registry import verifiers
from medfact.rehint import fast_compile
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule, window_stems

# Words that name a change over time by themselves ("worsening", "has improved").
_CHANGE_STEMS = ("worsen", "improv", "progress", "deteriorat", "resolv", "subsid", "escalat")
_CHANGE_STEMS += ("unchang", "declin", "shrunk", "shrank", "shrink")
_COMPARATIVES = frozenset({"better", "worse"})
# Amount comparatives: a comparison only with "than" ("higher than last visit"), and not as
# a bound ("less than a pack a day", "more than 2 weeks").
_NEEDS_THAN = frozenset({"more", "less", "higher", "lower", "larger", "smaller", "fewer"})
# State words ("elevated blood pressure", "decreased breath sounds", "stable angina"): a change
# only with a comparison marker near them or a "has become" verb just before.
_MARKERS = frozenset(
    [
        "than",
        "since",
        "compared",
        "from",
        "previous",
        "previously",
        "prior",
        "baseline",
        "last",
        "ago",
        "now",
        "progressively",
        "steadily",
        "gradually",
        "interval",
        "anymore",
        "again",
        "lately",
        "today",
        "further",
        "rapidly",  # "eGFR rapidly declining"
    ]
)
_BECOME = frozenset(
    [
        "has",
        "have",
        "had",
        "got",
        "gotten",
        "getting",
        "become",
        "became",
        "becoming",
        "gets",
        "grown",
        "went",
        "gone",
        "been",
        "remains",
        "remained",
        "stayed",
    ]
)
# After a comparative or a present-tense verb, these open a trigger or a relieving factor:
# "worse with overhead reaching", "better with rest", "improves on lying down".
_TRIGGER_WORDS = frozenset(
    [
        "with",
        "w",  # "worse w/ caffeine"
        "when",
        "on",
        "by",
        "during",
        "while",
        "upon",
        "if",
        "whenever",
        "at",
        "in",
        "lying",
        "sitting",
        "standing",
        "walking",
        "bending",
        "eating",
        "exertion",
        "activity",
        "movement",
        "rest",
        "cold",
        "heat",
        "after",
        "before",
    ]
)
_RISING = frozenset({"rising", "rises", "rose"})
_POSITIONS = frozenset({"chair", "bed", "sitting", "lying", "seat", "toilet", "floor", "squatting"})
# what "over" spans when a change is dated ("worse over the last week", "over 3 days")
_SPANS = frozenset(
    {"the", "last", "past", "a", "an", "several", "few", "recent", "time", "night", "weeks"}
    | {"days", "months", "years", "hours", "two", "three", "four", "five", "this", "that"}
)
_NOT_GERUNDS = frozenset({"morning", "evening", "nothing", "something", "everything", "anything"})
# "better after rest", "worse before meals": a trigger when an activity follows, a change when
# a time does ("better after a couple of hours", "worse after that").
_ACTIVITIES = frozenset(
    [
        "meals",
        "meal",
        "eating",
        "food",
        "exercise",
        "exertion",
        "activity",
        "activities",
        "rest",
        "resting",
        "sleep",
        "sleeping",
        "work",
        "standing",
        "sitting",
        "lying",
        "walking",
        "running",
        "climbing",
        "bending",
        "lifting",
        "stairs",
        "bowel",
        "urination",
        "intercourse",
        "coughing",
        "breathing",
        "swallowing",
    ]
)
# what one does for a while, after an article ("after a long shift", "after the school run")
_SPELLS = _ACTIVITIES | {"shift", "shifts", "walk", "walks", "run", "workout", "session"}
_HABITUAL = frozenset(
    [
        "improves",
        "worsens",
        "increases",
        "decreases",
        "eases",
        "relieved",
        "aggravated",
        "exacerbated",
        "eased",
        "relief",
        "better",
        "worse",
    ]
)
_BOUND_AFTER_THAN = frozenset({"a", "an", "one", "half", "usual"})
_CLAUSE_END = frozenset(",;:")


def _clause_tokens(doc: AnalyzedText, i: int, width: int, step: int) -> list[Token]:
    """Up to ``width`` tokens from token ``i`` (exclusive) in direction ``step``, same
    sentence, stopping at a comma, semicolon or colon."""
    toks: list[Token] = doc.tokens
    text, sentence = doc.text, toks[i].sentence
    out: list[Token] = []
    j = i
    while len(out) < width:
        k = j + step
        if not 0 <= k < len(toks) or toks[k].sentence != sentence:
            break
        lo, hi = (toks[j].end, toks[k].start) if step > 0 else (toks[k].end, toks[j].start)
        if not _CLAUSE_END.isdisjoint(text[lo:hi]):
            break
        out.append(toks[k])
        j = k
    return out


def _clause(doc: AnalyzedText, i: int, width: int, step: int) -> list[str]:
    """The words of ``_clause_tokens``."""
    return [t.text for t in _clause_tokens(doc, i, width, step)]


_MAKES = frozenset({"make", "makes", "made", "making"})
_WHEN_TAKING = frozenset(
    (w, g) for w in ("when", "while", "after") for g in ("taking", "using", "resting", "on")
)


def is_trigger(doc: AnalyzedText, i: int) -> bool:
    """Whether the change word at token ``i`` names what makes something better or worse
    ("worse with walking", "better after rest", "relieved by rest"), not a change over time."""
    word = doc.tokens[i].text
    before = doc.tokens[max(0, i - 4) : i]
    if any(t.text in _MAKES and t.sentence == doc.tokens[i].sentence for t in before):
        return True  # "anything make the pain worse?", "ice makes it better": what does it
    opening = [
        t.text for t in doc.tokens[max(0, i - 8) : i] if t.sentence == doc.tokens[i].sentence
    ]
    if any(pair in _WHEN_TAKING for pair in zip(opening, opening[1:], strict=False)):
        return True  # "When taking ibuprofen, his pain improves to 5/10": what relieves it
    after = _clause(doc, i, 6, 1)
    if word in _RISING and after[:1] == ["from"] and set(after[1:3]) & _POSITIONS:
        return True  # "falls on rising from a chair": standing up, not a rise
    if word not in _HABITUAL or not after:
        return False
    if after[0] == "over":  # "worse over bumps", not "worse over the last week"
        return len(after) > 1 and not (after[1] in _SPANS or after[1][0].isdigit())
    gerund = after[0].endswith("ing") and len(after[0]) > 5 and after[0] not in _NOT_GERUNDS
    if after[0] not in _TRIGGER_WORDS and not gerund:  # "worse leaning on his elbows"
        return False
    # "worse after a long shift on my feet": an activity after an article or a word
    if after[0] in ("after", "before") and not (
        len(after) > 1
        and (after[1] in _ACTIVITIES or after[1].endswith("ing") or set(after[1:4]) & _SPELLS)
    ):
        return False
    return not (_MARKERS & set(after))


def change_mentions(doc: AnalyzedText, strict: bool = True) -> list[tuple[int, str]]:
    """(token index, direction) for each word that states a change over time or a comparison.
    Triggers ("worse with walking") never count; with ``strict``, state words ("elevated",
    "decreased breath sounds") and amount bounds ("less than a pack") do not either. Read once
    per text each way (change.v1, comparison.v1 and compare.v1 read the same texts)."""
    return list(_strict_changes(doc) if strict else _change_words(doc))


@once_per_text
def _change_words(doc: AnalyzedText) -> tuple[tuple[int, str], ...]:
    """``change_mentions`` without ``strict``."""
    found = []
    for i, tok in enumerate(doc.tokens):
        direction = CHANGE_WORDS.get(tok.text)
        if direction is None or is_trigger(doc, i):
            continue
        found.append((i, direction))
    return tuple(found)


@once_per_text
def _strict_changes(doc: AnalyzedText) -> tuple[tuple[int, str], ...]:
    """``change_mentions`` with ``strict``."""
    return tuple((i, d) for i, d in _change_words(doc) if _strictly_a_change(doc, i))


def _strictly_a_change(doc: AnalyzedText, i: int) -> bool:
    """Whether the change word at token ``i`` (no trigger) is a change, not a state or an amount
    bound (what ``change_mentions`` reads with ``strict``)."""
    tok = doc.tokens[i]
    after = _clause(doc, i, 5, 1)
    if tok.text in _NEEDS_THAN:
        if not after or after[0] != "than":
            return False
        if len(after) > 1 and (after[1] in _BOUND_AFTER_THAN or after[1][0].isdigit()):
            return False
    elif not (tok.text in _COMPARATIVES or tok.text.startswith(_CHANGE_STEMS)):
        near = set(after) | set(_clause(doc, i, 3, -1))
        if _attributive(doc, i) and not near & _COMPARING:
            return False  # "had elevated blood sugar", "decreased mental status": a state
        if not (near & _STATE_MARKERS or set(_clause(doc, i, 2, -1)) & _STATE_BECOME):
            return False  # "still elevated today", "has always been elevated": a state
    return True


def _states_no_change(doc: AnalyzedText, i: int) -> bool:
    """Whether a word of no change ("stable", "the same") at token ``i`` of the input says that
    something did not change: said of it ("It's stable.", "pain persistent") rather than
    before a noun ("stable angina"), or in the answer to a question ("Better or worse? - About
    the same.")."""
    sentence = doc.tokens[i].sentence
    if doc.sentences[sentence].text.rstrip().endswith("?"):
        return False
    nxt = _clause_tokens(doc, i, 1, 1)
    if nxt and nxt[0].text in _SAME_OCCASION:
        return False  # "pain and numbness at the same time": together, not unchanged
    prev = [t.text for t in reversed(_clause_tokens(doc, i, 2, -1))]
    if prev[-1:] in (["with"], ["has"], ["had"]) or prev[-2:] in (
        ["with", "the"],
        ["has", "the"],
        ["had", "the"],
    ):
        return False  # "partner unwell with same", "her sister had the same": that illness
    if sentence > 0 and doc.sentences[sentence - 1].text.rstrip().endswith("?"):
        return True
    return not _attributive(doc, i)


# after "same", an occasion: "at the same time", "on the same day" say when, not that nothing
# changed
_SAME_OCCASION = frozenset({"time", "times", "day", "night", "week", "moment", "visit"})

# A state word with these near it still compares ("elevated compared with last year"); "today"
# and a verb of being ("has been", "remained") date or keep a state, they do not change it.
_COMPARING = frozenset({"than", "compared", "from", "baseline", "previous", "previously", "prior"})
_STATE_MARKERS = _MARKERS - {"today"}
_STATE_BECOME = _BECOME - {"been", "remains", "remained", "stayed"}


def _attributive(doc: AnalyzedText, i: int) -> bool:
    """A state word used before the noun it describes ("elevated blood sugar levels",
    "decreased breath sounds"), not as the verb of a change ("has decreased")."""
    nxt = _clause_tokens(doc, i, 1, 1)
    return bool(nxt) and nxt[0].content and nxt[0].text not in _MARKERS


def _phrase_mentions(doc: AnalyzedText) -> list[tuple[int, str]]:
    """(token index, direction) of each change phrase of ``doc`` ("gone down", "went away")."""
    words = [t.text for t in doc.tokens]
    found = []
    for i, word in enumerate(words):
        for phrase, direction in _PHRASES_BY_FIRST.get(word, ()):
            if words[i : i + len(phrase)] == phrase and all(
                t.sentence == doc.tokens[i].sentence for t in doc.tokens[i : i + len(phrase)]
            ):
                found.append((i, direction))
    return found


_PHRASES_BY_FIRST: dict[str, list[tuple[list[str], str]]] = {}
for _phrase, _direction in CHANGE_PHRASES.items():
    _words = re.findall(r"[a-z]+(?:'[a-z]+)?", _phrase)
    _PHRASES_BY_FIRST.setdefault(_words[0], []).append((_words, _direction))


def _clause_stems(doc: AnalyzedText, i: int, width: int = 6) -> frozenset[str]:
    """Content stems of the words around token ``i`` in its clause: what the change is of
    ("dose unchanged" is about the dose, not the mood of the same sentence)."""
    near = _clause_tokens(doc, i, width, -1) + _clause_tokens(doc, i, width, 1)
    return frozenset(t.stem for t in near if t.content)


_KEEPS = re.compile(
    r"\b(?:no\s+changes?|continu\w*|same|as\s+before|unchanged|current\s+dose|remains?\s+on|"
    r"carry\s+on|"
    # "keep the sertraline at a hundred", "stays at 5 mg", "leave the dose at 10"
    r"(?:keep|leave)\s+(?:[\w-]+\s+){0,3}?(?:at|on)|stay(?:s|ing)?\s+(?:at|on))\b",
    re.IGNORECASE,
)


def _kept_stems(ctx: AnalyzedText) -> frozenset[str]:
    """Content stems of the input's sentences that keep something as it is ("no change to
    insulin", "continue the current digoxin dose")."""
    stems: set[str] = set()
    for sentence in ctx.sentences:
        if _KEEPS.search(sentence.text):
            toks = ctx.sentence_tokens(sentence.index)
            stems.update(t.stem for t in toks if t.content)
    return frozenset(stems)


def _words_before(doc: AnalyzedText, i: int, width: int = 6) -> frozenset[str]:
    """Content stems of up to ``width`` words before token ``i`` in its sentence, across
    commas: what a trailing change word is said of ("systolic murmur, unchanged")."""
    sent = doc.tokens[i].sentence
    near = doc.tokens[max(0, i - width) : i]
    return frozenset(t.stem for t in near if t.sentence == sent and t.content)


_RUN_ON = 40  # tokens: a transcript's sentence without stops, where a topic is no longer one


def _elsewhere_in_run_on(ctx: AnalyzedText, j: int, about: frozenset[str]) -> bool:
    """Whether the input's change word at token ``j`` sits in a run-on sentence and nothing
    the output's change is about lies near it."""
    if len(ctx.sentence_tokens(ctx.tokens[j].sentence)) < _RUN_ON:
        return False
    return not about & window_stems(ctx.tokens, j, 8)


def _denied_change(doc: AnalyzedText, i: int) -> bool:
    """A change the output says did not happen ("no relief from paracetamol", "not improved"):
    a claim of no change, not of a change."""
    before = doc.tokens[max(0, i - 2) : i]
    return any(t.text in ("no", "not", "without", "never") for t in before)


_DOSE_WORDS = frozenset({"dose", "doses", "dosage", "mg", "mcg", "units", "titration"})


# words before "to" that make the change after it a purpose ("trying to improve her diet")
_INTENT = frozenset(
    {
        "try",
        "tries",
        "trying",
        "tried",
        "want",
        "wants",
        "wanted",
        "aim",
        "aims",
        "goal",
        "plan",
        "plans",
        "planning",
        "hope",
        "hopes",
        "hoping",
        "order",
        "attempt",
        "attempting",
        "working",
        "like",
        "help",
    }
)


def _intended(doc: AnalyzedText, i: int) -> bool:
    """Whether the change word at token ``i`` is a purpose or a wish: "trying to improve",
    "in order to reduce", "to help improve" ("continues to improve" is still a change)."""
    before = _clause(doc, i, 3, -1)
    if before[:1] == ["help"]:
        return True
    return len(before) >= 2 and before[0] == "to" and before[1] in _INTENT


def _dose_change(doc: AnalyzedText, i: int) -> bool:
    """A change word about a medication's dose ("since the sertraline increase", "dose
    decreased"), not about the patient's condition: an amount word with a drug or a dose word
    next to it."""
    tok = doc.tokens[i]
    if not tok.text.startswith(("increas", "decreas", "reduc", "lower", "rais", "titrat")):
        return False  # "worse on sertraline" is about the patient
    near = doc.tokens[max(0, i - 2) : i + 3]
    if any(t.text in _DOSE_WORDS for t in near if t.sentence == tok.sentence):
        return True
    lo, hi = near[0].start, near[-1].end
    return any(lo <= d.start < hi and d.end <= hi for d in doc.drugs)


def _negated_here(doc: AnalyzedText, j: int) -> bool:
    """A change word negated by a word just before it ("not better", "no worse")."""
    tok = doc.tokens[j]
    return (
        tok.polarity == "negated" and tok.trigger is not None and 0 <= tok.start - tok.trigger < 12
    )


def _topic(doc: AnalyzedText, sentence: int, width: int) -> set[str]:
    """Content stems of a sentence and its ``width`` neighbours on each side."""
    return _Topics(doc).around(sentence, width)


# Words that date a change but name nothing it is of: "worse since March" and "weight 84 in
# March" are not about one thing.
_WHEN_WORDS = frozenset(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september"]
    + ["october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug"]
    + ["sep", "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday"]
    + ["friday", "saturday", "sunday"]
)


class _Topics:
    """Content stems per sentence of ``doc``, each sentence read once (texts can be long): what
    a change there may be of (the change words themselves and month or day names aside)."""

    def __init__(self, doc: AnalyzedText) -> None:
        self.doc = doc
        self._by_sentence: dict[int, frozenset[str]] = {}

    def of(self, sentence: int) -> frozenset[str]:
        stems = self._by_sentence.get(sentence)
        if stems is None:
            toks = self.doc.sentence_tokens(sentence)
            stems = frozenset(
                t.stem
                for t in toks
                if t.content and t.text not in CHANGE_WORDS and t.text not in _WHEN_WORDS
            )
            self._by_sentence[sentence] = stems
        return stems

    def around(self, sentence: int, width: int) -> set[str]:
        out: set[str] = set()
        for s in range(sentence - width, sentence + width + 1):
            out |= self.of(s)
        return out


class _ChangeIndex:
    """The input's change mentions by topic stem: for each stem and direction, the first
    mention (lowest token index) whose topic holds the stem. Lookups cost the size of the
    output's topic, not the number of the input's mentions."""

    def __init__(self, ctx: AnalyzedText) -> None:
        # Agreement reads every change word of the input but its triggers (lenient: "they
        # increased my dose" supports "since the dose was increased"); contradiction reads
        # only its real changes, a change negated just before it ("not better") as "same".
        # The first mention per sentence and direction: later ones in the same sentence share
        # its topic, so they can never come first (a sentence is read once however many).
        mentioned = change_mentions(ctx, strict=False)
        strict = {  # one pass: a subset
            (j, d)
            for j, d in mentioned
            if _strictly_a_change(ctx, j) or (d == "same" and _states_no_change(ctx, j))
        }
        by_sentence: dict[int, dict[str, int]] = {}
        against: dict[int, dict[str, int]] = {}
        # "Is your breathing better or worse?": a question offering two directions states none
        asked: dict[int, set[str]] = {}
        for j, direction in mentioned:
            sentence = ctx.tokens[j].sentence
            if ctx.sentences[sentence].text.rstrip().endswith("?"):
                asked.setdefault(sentence, set()).add(direction)
        alternatives = {s for s, directions in asked.items() if len(directions) > 1}
        for j, direction in mentioned:
            if ctx.tokens[j].sentence in alternatives:
                continue  # "Is your breathing better or worse?" states neither
            if _negated_here(ctx, j):
                direction = "same"  # "not better or worse"
            by_sentence.setdefault(ctx.tokens[j].sentence, {}).setdefault(direction, j)
            if (j, CHANGE_WORDS[ctx.tokens[j].text]) in strict:
                against.setdefault(ctx.tokens[j].sentence, {}).setdefault(direction, j)
        for j, direction in _phrase_mentions(ctx):  # agreement only: "it's gone down a bit"
            firsts = by_sentence.setdefault(ctx.tokens[j].sentence, {})
            firsts[direction] = min(firsts.get(direction, j), j)
        topics = _Topics(ctx)
        self.first = self._by_stem(by_sentence, topics, 1)
        # every direction the input states a change in, of anything
        self.directions = frozenset(d for firsts in by_sentence.values() for d in firsts)
        # a contradiction needs the input's change in a sentence about the same thing (or in
        # the answer to a question about it)
        self.against = self._by_stem(against, topics, 0)

    @staticmethod
    def _by_stem(
        by_sentence: dict[int, dict[str, int]], topics: _Topics, width: int
    ) -> dict[str, dict[str, int]]:
        first: dict[str, dict[str, int]] = {}
        sentences = topics.doc.sentences
        for sentence, firsts in by_sentence.items():
            stems = topics.around(sentence, width)
            if width == 0 and sentence > 0 and sentences[sentence - 1].text.rstrip().endswith("?"):
                stems |= topics.of(sentence - 1)
            elif width > 0 and sentence > 1 and sentences[sentence - 2].text.rstrip().endswith("?"):
                # an answer to a question of two sentences ("How is your dysphagia? Are you
                # able to swallow now?" - "It has been better now."), or the second sentence
                # of an answer ("Any nausea? - The first couple of weeks. It's fine now.")
                stems |= topics.of(sentence - 2)
            for stem in stems:
                known = first.setdefault(stem, {})
                for direction, j in firsts.items():
                    if j < known.get(direction, j + 1):
                        known[direction] = j
        return first

    def agrees(self, topic: frozenset[str], direction: str) -> bool:
        """Some input mention in ``direction`` shares a stem with ``topic``."""
        return any(direction in self.first.get(stem, ()) for stem in topic)

    def opposite(self, topic: frozenset[str], direction: str) -> tuple[int, str] | None:
        """Token index of the first input mention of another change (or of no change) that
        shares a stem with ``topic``, or None."""
        best: tuple[int, str] | None = None
        for stem in topic:
            for d, j in self.against.get(stem, {}).items():
                if d != direction and (best is None or j < best[0]):
                    best = (j, d)
        return best


# words that put a change on a course over time ("progressively worsening", "improving daily",
# "worse since last visit", "higher than at every previous visit", "decline over last yr"):
# a trend, never a trigger ("worse with overhead reaching")
_COURSE_WORDS = frozenset({"progressively", "steadily", "rapidly", "gradually", "daily"})
# after "than", "since", "from" or "over": an earlier time the change is measured from; "since
# January", "since the injection" date a change the input may give in other words ("eating
# badly since my husband passed") and do not count
_EARLIER = frozenset(
    {"last", "previous", "previously", "prior", "before", "earlier", "admission", "baseline"}
    | {"yesterday", "ago", "onset", "past"}
)
_MEASURED_FROM = frozenset({"than", "since", "from", "over", "vs"})


def on_a_course(doc: AnalyzedText, i: int) -> bool:
    """Whether the change word at token ``i`` is dated as a course over time: a course word in
    its clause ("steadily", "since onset", "improving daily") or an earlier time it is measured
    from ("worse than last week", "decline over last yr")."""
    word = doc.tokens[i].text
    if not (word in _COMPARATIVES or word in _NEEDS_THAN or word.startswith(_CHANGE_STEMS)):
        return False  # a state word ("decreased status since the last one day")
    after = _clause(doc, i, 6, 1)
    if _spreads(_clause(doc, i, 10, 1)):
        return False  # "progressed over a day to involve the wrist": where it is, not how bad
    near = set(after) | set(_clause(doc, i, 2, -1))
    if near & _COURSE_WORDS:
        return True
    return any(
        word in _MEASURED_FROM and set(after[k + 1 : k + 5]) & _EARLIER
        for k, word in enumerate(after)
    )


# words of a spread in place after a change word ("progressed rostrally to the mid chest",
# "progressed ... to involve his wrist"): the extent changed, told by where it reached
_SPREAD_WORDS = frozenset(
    {"involve", "involving", "rostrally", "caudally", "distally", "proximally", "proximal"}
    | {"distal", "upward", "upwards", "downward", "downwards", "spread", "spreading"}
)


def _spreads(after: list[str]) -> bool:
    """Whether the clause after a change word tells where it spread to (session 17)."""
    return bool(_SPREAD_WORDS.intersection(after))


# the input says there is nothing earlier to compare with ("Comparison: no previous chest
# imaging available", "no prior studies", "Comparison: none")
_NO_PRIOR = fast_compile(  # searched in the whole input: its words looked up first
    r"\bno (?:previous|prior|earlier|old)\b[^.;\n]{0,30}?\b(?:imaging|images?|stud(?:y|ies)|"
    r"scans?|films?|x-rays?|radiographs?|examinations?|for comparison|available)\b"
    r"|\bcomparison:\s*(?:none|not available|nil)\b",
    re.IGNORECASE,
)
# words by which a change names the earlier one it is measured from
_PRIOR_REFERENCES = frozenset(
    {"previous", "prior", "previously", "compared", "comparison", "interval"}
)


_NUM = r"(\d+(?:\.\d+)?)"
# a value and the one it became: "9 -> 14", "2.9 (08:00) → 4.8", "from 14 to 9"
_TREND_ARROW = re.compile(
    _NUM
    + r"(?:\s*\([^()\n]{1,16}\))?\s*(?:->|→|=>|⇒)\s*"
    + _NUM
    + r"|\bfrom\s+"
    + _NUM
    + r"\s+to\s+"
    + _NUM
    + r"\b"
)
# a value and the one it came from: "71, up from 58", "9 (from 14)", "1.6 (was 3.9)", "310,
# previously 280"; a bare "from" is not one ("30 min from 1012")
_TREND_FROM = fast_compile(  # read over whole texts: its words looked up first
    _NUM + r"(?:\s*[a-zA-Z/%]{1,10})?(?:\s*[,(]\s*|\s+)(?:(?:(up|down|rising|falling|improved|"
    r"worse|better|increased|decreased|dropped|fallen|risen)\s+from)|(?<=[,(]\s)(?:from|was|"
    r"previous(?:ly)?|prev|it\s+used\s+to\s+be)|(?<=[,(])(?:from|was|previous(?:ly)?|prev))\s+"
    + _NUM
    + r"\b",
    re.IGNORECASE,
)
_RISE_WORDS = frozenset({"up", "rising", "increased", "risen", "worse"})
_FALL_WORDS = frozenset({"down", "falling", "decreased", "dropped", "fallen", "improved"})
_ORDER_SPAN = 60  # characters between two values read in the order they are given
# two values read in the order given only when the first is timed ("4.8 at 08:00, 2.9 at 14:00")
# and nothing between them looks back ("4.8, was 2.9 last week")
_TIMED = re.compile(r"\b\d{1,2}:\d{2}\b|\b(?:day|d)\s?\d{1,2}\b|\b\d{1,2}/\d{1,2}\b", re.I)
_LOOKS_BACK = re.compile(
    r"\b(?:from|was|were|previous\w*|prev|used|earlier|before|ago|last)\b", re.I
)


# a direction word with the value it is measured from: "up from", "lower than", "unchanged from"
_DIRECTED = fast_compile(
    r"\b(up|down|higher|lower|increased|decreased|rose|fell|dropped|risen|fallen|unchanged)"
    r"\s+(?:from|than|since|compared\s+(?:with|to))\b",
    re.IGNORECASE,
)
_UP_WORDS = frozenset({"up", "higher", "increased", "rose", "risen"})
_VALUE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(/\d+)?(\s*%)?")
_PARENTHESIS = re.compile(r"\([^()]*\)")
_CLAUSE_STOP = re.compile(r"[.;\n](?:\s|$)")
_BEFORE_REACH, _AFTER_REACH = 80, 50  # characters a direction word's two values are read in


def directed_values(text: str, m: re.Match[str]) -> tuple[float, float] | None:
    """The value a direction word is said of (the last before it in its clause, parentheses
    aside: "490 (3/52 ago) - lower than") and the one it is measured from (the first after it:
    "than last year (420)"), when both are written alike: two plain numbers or two pairs (blood
    pressures, of which the first parts compare), the same unit or none, within a factor of 5;
    None otherwise ("unchanged from 14/01" is a date)."""
    head = text[max(0, m.start() - _BEFORE_REACH) : m.start()]
    stops = list(_CLAUSE_STOP.finditer(head))
    head = _PARENTHESIS.sub(" ", head[stops[-1].end() :] if stops else head)
    tail = text[m.end() : m.end() + _AFTER_REACH]
    stop = _CLAUSE_STOP.search(tail)
    tail = tail[: stop.start()] if stop else tail
    before = list(_VALUE.finditer(head))
    after = _VALUE.search(tail)
    if not before or after is None:
        return None
    a, b = before[-1], after
    if bool(a.group(2)) != bool(b.group(2)) or bool(a.group(3)) != bool(b.group(3)):
        return None  # a pair against a number (a date), a percentage against a count
    x, y = float(a.group(1)), float(b.group(1))
    if x <= 0 or y <= 0 or max(x, y) > 5 * min(x, y):
        return None
    return x, y


# the earlier value the input gives right after a value: "118 mmol/L (previous 131 on 14/01)"
_EARLIER_AFTER = re.compile(
    r"\s*(?:[a-zA-Z/%]{1,8}\s*)?[(,]?\s*(?:previous(?:ly)?|prev|was|from|baseline|"
    r"pre-treatment)\s*:?\s*(\d+(?:\.\d+)?)\b",
    re.IGNORECASE,
)


def _valued_directions(out: str, ctx: AnalyzedText) -> set[int]:
    """Starts of the output's direction words ("lower than", "up from") that its own two values
    bear out, both of them the input's ("eGFR 22, a little lower than three months ago, when it
    was 24" where the input has "eGFR 22 (24 three months ago)"): a change the input's values
    give, though it names none."""
    if not _DIRECTED.search(out):
        return set()
    given = [v for q in ctx.quantities for v in (q.value, q.second) if v is not None]
    found = set()
    for m in _DIRECTED.finditer(out):
        pair = directed_values(out, m)
        word = m.group(1).lower()
        if pair is None or word == "unchanged":
            continue
        a, b = pair
        if not all(any(abs(v - x) <= 0.01 * x for v in given) for x in (a, b)):
            continue
        if (a > b) if word in _UP_WORDS else (a < b):
            found.add(m.start(1))
    return found


def _earlier_in_input(out: str, m: re.Match[str], ctx: str) -> tuple[float, float] | None:
    """For "unchanged from <a date or visit>": the output's value before the word and the
    earlier value the input writes right after that same value, when it gives one."""
    head = out[max(0, m.start() - _BEFORE_REACH) : m.start()]
    stops = list(_CLAUSE_STOP.finditer(head))
    before = list(_VALUE.finditer(head[stops[-1].end() :] if stops else head))
    if not before or before[-1].group(2):
        return None
    value = before[-1].group(1)
    for at in _number_at(ctx, value):
        earlier = _EARLIER_AFTER.match(ctx, at + len(value))
        if earlier is not None:
            return float(value), float(earlier.group(1))
    return None


def trend_pairs(text: str) -> list[tuple[str, str, str, int, int]]:
    """Values given as a change: (earlier, later, direction word or "", start, end)."""
    pairs = []
    for m in _TREND_ARROW.finditer(text):
        a, b = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        pairs.append((a, b, "", m.start(), m.end()))
    for m in _TREND_FROM.finditer(text):
        pairs.append((m.group(3), m.group(1), (m.group(2) or "").lower(), m.start(), m.end()))
    return pairs


def _number_at(text: str, value: str) -> list[int]:
    """Where ``value`` stands as a whole number in ``text``."""
    pattern = r"(?<![\d.])" + re.escape(value) + r"(?![\d]|\.\d)"
    return [m.start() for m in re.finditer(pattern, text)]


def _reversed_trend(ctx: str, a: str, b: str, word: str) -> tuple[int, int] | None:
    """The span of the input that gives ``a`` -> ``b`` the other way: as a change ("9 (from
    14)") or in the order said ("4.8 at 08:00, 2.9 at 14:00"); or where the output's direction
    word ("down from") is not the way its own values go, the input's pair; else None."""
    if a == b:
        return None
    theirs = trend_pairs(ctx)
    for x, y, _, start, end in theirs:
        if (x, y) == (b, a):
            return start, end
    if word and (x_y := next(((s, e) for x, y, _, s, e in theirs if (x, y) == (a, b)), None)):
        rise = float(b) > float(a)
        if (word in _RISE_WORDS and not rise) or (word in _FALL_WORDS and rise):
            return x_y  # "71, down from 58" where the input has "71, up from 58"
        return None
    if word or any({x, y} == {a, b} for x, y, _, _, _ in theirs):
        return None
    at_a, at_b = _number_at(ctx, a), _number_at(ctx, b)
    if len(at_a) != 1 or len(at_b) != 1:
        return None
    between = ctx[at_b[0] : at_a[0]]
    if (
        0 < at_a[0] - at_b[0] <= _ORDER_SPAN
        and "\n" not in between
        and _TIMED.search(between)
        and not _LOOKS_BACK.search(between)
    ):
        return at_b[0], at_a[0] + len(a)
    return None


@verifiers.register("comparison.v1")
class ComparisonRule(Rule):
    name = "comparison.v1"

    def __init__(
        self, unsupported_risk: int = 2, opposite_risk: int = 3, course_risk: int = 3
    ) -> None:
        """``unsupported_risk``: a change the input never states, on either side. Its default is
        "check this" (2): on development parts scored before anyone read them, 1 in 9 of these
        findings at risk 3 was an error and 8 were faithful rewordings ("improving" for "much
        better now"); a change the input contradicts is ``opposite_risk``, and so is one dated
        as a course ("progressively worsening since onset"), ``course_risk``."""
        self.course_risk = course_risk
        self.unsupported_risk = unsupported_risk
        self.opposite_risk = opposite_risk

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None
        findings = self._trends(view) + self._against_values(view)
        said = change_mentions(out)
        if not said:
            return findings  # no change word in the output: the input's changes are not read
        index = _ChangeIndex(ctx)
        no_prior = _NO_PRIOR.search(ctx.text)  # once per case: "no previous imaging available"
        topics = _Topics(out)
        kept: frozenset[str] | None = None  # stems of the input's sentences that keep things
        valued = _valued_directions(out.text, ctx)
        for i, direction in said:
            tok = out.tokens[i]
            if tok.polarity == "negated" or _dose_change(out, i) or _denied_change(out, i):
                continue
            if tok.start in valued:
                continue  # "eGFR 22, lower than 3 months ago (24)": the input's two values
            if tok.scope == HYPOTHETICAL or _intended(out, i):
                continue  # "call if symptoms worsen", "trying to improve her diet": no change
            if no_prior is not None and set(_clause(out, i, 5, 1) + _clause(out, i, 3, -1)) & (
                _PRIOR_REFERENCES
            ):
                # "unchanged from previous imaging" where the input has none to compare with
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.FALSE_COMPARISON,
                        self.opposite_risk,
                        (tok.start, tok.end),
                        f"'{tok.text}' compares with an earlier one; the input says there is "
                        f"none ('{no_prior.group()}')",
                        relation=CONTRADICTED,
                        context_span=no_prior.span(),
                        confidence=0.7,
                    )
                )
                continue
            topic = topics.of(tok.sentence)
            if index.agrees(topic, direction):
                continue
            if direction == "same":
                if kept is None:
                    kept = _kept_stems(ctx)
                if (_clause_stems(out, i) or _words_before(out, i)) & kept:
                    # "digoxin unchanged" where the input continues the same dose; "sertraline
                    # 100 mg, unchanged for 4/52" where it keeps it at a hundred
                    continue
            # what the change is of: its clause, else the words it follows ("murmur, unchanged")
            about = _clause_stems(out, i) or _words_before(out, i) or topic
            opposite = index.opposite(about, direction)
            if opposite is not None and _elsewhere_in_run_on(ctx, opposite[0], about):
                # the input's change is of something else in a long run-on sentence ("... to
                # help you feel better ..." against "murmur, unchanged"): check this, no more
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.FALSE_COMPARISON,
                        2,
                        (tok.start, tok.end),
                        f"'{tok.text}' states a change; the input's nearest change on this "
                        f"topic ('{ctx.tokens[opposite[0]].text}') is about something else",
                        confidence=0.4,
                    )
                )
            elif opposite is not None:
                other = ctx.tokens[opposite[0]]
                said = "says it did not change" if opposite[1] == "same" else "gives the other way"
                if _negated_here(ctx, opposite[0]):
                    said = "says it did not change ('not"
                    quoted = f"{said} {other.text}')"
                else:
                    quoted = f"{said} ('{other.text}')"
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.FALSE_COMPARISON,
                        self.opposite_risk,
                        (tok.start, tok.end),
                        f"'{tok.text}' states a change; the input {quoted}",
                        relation=CONTRADICTED,
                        context_span=(other.start, other.end),
                        suggestion=other.text,
                        confidence=0.7,
                    )
                )
            elif direction != "same" and direction not in index.directions and on_a_course(out, i):
                # a worsening or improving course where the input states no change that way
                # of anything ("worsening steadily since onset" where the pain is the same
                # each time): an invented trend; with one, its topic may only be worded
                # otherwise ("doing better since her last visit" - "i've been doing better")
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.FALSE_COMPARISON,
                        self.course_risk,
                        (tok.start, tok.end),
                        f"'{tok.text}' states a course over time that the input does not give",
                        confidence=0.6,
                    )
                )
            else:
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.FALSE_COMPARISON,
                        2 if direction == "same" else self.unsupported_risk,
                        (tok.start, tok.end),
                        f"'{tok.text}' states a change or comparison the input does not make",
                        # a weak reading: below the severity policy's bar, so a sentence's
                        # "CPR" or "warfarin" does not raise it
                        confidence=0.45,
                    )
                )
        return findings

    def _against_values(self, view: CaseDoc) -> list[Finding]:
        """A direction word that goes against the two values the output gives it, both of them
        the input's ("152/94 - up from 164/98", "490 - lower than last year (420)"): the values
        are the input's, so the word is what was changed."""
        out, ctx = view.output, view.context
        assert ctx is not None
        if not _DIRECTED.search(out.text):
            return []
        given = [v for q in ctx.quantities for v in (q.value, q.second) if v is not None]
        findings = []
        for m in _DIRECTED.finditer(out.text):
            pair = directed_values(out.text, m)
            own = pair is not None
            if pair is None and m.group(1).lower() == "unchanged":
                pair = _earlier_in_input(out.text, m, ctx.text)
            if pair is None:
                continue
            a, b = pair
            if not all(any(abs(v - x) <= 0.01 * x for v in given) for x in (a, b)):
                continue  # a value the input does not give: left to numbers.v1
            word = m.group(1).lower()
            rise = word in _UP_WORDS
            if word == "unchanged":
                wrong = abs(a - b) > 0.05 * max(a, b)
            else:
                wrong = a < b if rise else a > b
            if not wrong:
                continue
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.FALSE_COMPARISON,
                    self.opposite_risk,
                    m.span(1),
                    f"'{m.group(1)}': the output's own values go the other way ({a:g} against "
                    f"{b:g}, both the input's)"
                    if own
                    else f"'{m.group(1)}': the input gives {a:g} against an earlier {b:g}",
                    relation=CONTRADICTED,
                    confidence=0.75,
                )
            )
        return findings

    def _trends(self, view: CaseDoc) -> list[Finding]:
        """Values written as a change the input gives the other way ("NIHSS 9 -> 14" where
        the input has "NIHSS 9 (from 14)")."""
        out, ctx = view.output.text, view.context_text
        if not ctx or not any(c in out for c in "->→⇒") and "from" not in out:
            return []
        findings = []
        for a, b, word, start, end in trend_pairs(out):
            found = _reversed_trend(ctx, a, b, word)
            if found is None:
                continue
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.FALSE_COMPARISON,
                    self.opposite_risk,
                    (start, end),
                    f"'{out[start:end]}': the input gives this change the other way "
                    f"('{ctx[found[0] : found[1]]}')",
                    relation=CONTRADICTED,
                    context_span=found,
                    suggestion=ctx[found[0] : found[1]],
                    confidence=0.7,
                )
            )
        return findings
