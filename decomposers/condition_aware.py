"""``condition_aware.v1``: rule-based, condition-aware claim decomposition (MedScore's idea).

Rules, applied per sentence with regular expressions and word lists only:

(a) A condition clause ("if", "when", "unless", "in case", "whenever", "while", "after", "before",
    "for/in patients with") stays inside the claim it conditions; its text is also listed in
    ``Claim.conditions`` and the claim's kind is "conditional".
(b) Independent statements are split: clauses joined by ";", and "and", "but", "however", "so"
    joining a clause or a verb phrase. A list of objects under one verb ("She denies fever,
    chills, or cough.") stays one claim; "or" never splits.
(c) Advice (should, must, recommend, advise, consider, an imperative verb first: "Take", "Stop",
    "Follow up", "Return if ...") is its own claim of kind "recommendation" (kept when it also
    carries a condition).
(d) No claim for pleasantries, bare headers or speaker tags, questions, and, outside dialogues,
    the writer's personal anecdotes ("I had this too.").
(e) ``Claim.span`` is always the exact clause region of the text (list markers and speaker tags
    left out). ``Claim.text`` equals ``text[start:end]`` except for a clause split off a longer
    sentence, which is made to stand alone: its first letter is capitalised and it gets the
    words it shares with the first clause, namely the subject (and modal) of a coordinated verb
    phrase ("The patient has hypertension and takes lisinopril." -> "The patient takes
    lisinopril.") and a leading condition ("If you have a fever, rest and call your doctor." ->
    "If you have a fever, call your doctor.").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from medfact.components import Decomposer
from medfact.decomposers.sentence import is_empty_sentence
from medfact.errors import ConfigError
from medfact.registry import decomposers
from medfact.rehint import fast_compile
from medfact.segment import speaker_tag_length
from medfact.types import CLAIMS, Claim, Sentence


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_MODALS = _wordset("should must will would can could may might shall")
_FINITE = _MODALS | _wordset(
    """is was are were am has have had does did do takes took denies denied reports reported
    presents presented complains complained describes described states stated notes noted
    endorses endorsed uses underwent undergoes received receives developed develops started
    starts stopped stops continues continued remains remained appears appeared shows showed
    demonstrates demonstrated reveals revealed lives lived works worked drinks drank smokes
    smoked quit quits walks exercises requires required needs needed tolerates tolerated
    responded responds improves worsens feels felt experiences experienced admits admitted
    lost gained refused refuses agrees agreed wishes wants wanted plans planned follows
    followed sees saw visited visits returned returns suffered suffers recovered attends
    attended sleeps slept eats ate weighs weighed causes caused occurs occurred helps helped
    leads led contains includes included indicates indicated confirms confirmed involves
    prevents prevented treats seems seemed became becomes got gets went goes came comes began
    begins resolved resolves persists persisted radiates radiated tested tests lacks carries
    carried keeps kept knows knew thinks thought says said believes believed understands
    understood tried tries lies sits stands wears wore rides drives drove runs ran plays
    played enjoys enjoyed prefers prescribed administered discontinued recommended advised
    counseled instructed ordered referred scheduled obtained performed"""
)
_BASE = _wordset(
    """take start stop continue avoid follow return call seek see consult use apply drink eat
    keep make try get limit reduce increase decrease monitor check schedule rest elevate ice go
    contact ask talk discuss wear remember be do report record weigh walk exercise stay
    maintain notify inform visit obtain order begin discontinue hold resume titrate taper switch
    add give administer encourage consider wash clean cover watch measure track quit cut lose
    sleep lie sit attend refer arrange repeat recheck perform complete finish hydrate bring
    tell let read review prescribe treat send test draw place admit discharge proceed initiate
    restart educate counsel advise recommend"""
)
_ADVERBS = _wordset(
    """also then currently still now later subsequently recently previously occasionally
    regularly often usually sometimes always really just further additionally otherwise
    immediately daily"""
)
_PRONOUNS = _wordset("he she they we i you it there this that these those")
_DETERMINERS = _wordset("the his her their your my a an its our this these that those")
_BE = _wordset("is was are were")
_PASSIVE_NEXT = _wordset("on with to for by at in home from into off")
_LOWERABLE = _BASE | _DETERMINERS | (_PRONOUNS - {"i"}) | {"please", "patient", "patients"}
_NEGATED_RE = re.compile(r"(?i)\b(?:not|never|no longer)\b|n't\b")
_EMBEDDING = _wordset(
    "as sure know see ask asked wonder determine check unsure unclear whether decide tell a"
)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_LIST_MARK_RE = re.compile(r"(?:[-*•‣◦▪–—]|\(?\d{1,3}[.)]|\(?[a-z]\))\s+")
_LABEL_RE = re.compile(r"[A-Z][\w/&'-]*(?:[ \t][\w/&'-]+){0,3}:\s+")
_SEMICOLON_RE = re.compile(r"\s*;\s*(?:(?:however|but|and)\b,?\s*)?")
_JOIN_RE = re.compile(
    r",?\s+(?:and(?:\s+(?:then|also|so))?|but(?:\s+also)?|whereas)\s+(?=\w)"
    r"|,\s+(?:so|then|yet|however,)\s+(?=\w)"
)
_LEAD_RE = re.compile(
    r"(?i)(?:if|unless|in\s+case(?:\s+of)?|whenever|when|while|after|before"
    r"|(?:for|in)\s+(?:patients|people|adults|children|women|men|those|anyone|individuals)"
    r"\s+(?:with|who))\b"
)
_TRAIL_RE = fast_compile(
    r"(?i)(?:,\s*|\s+)(?P<m>if|unless|in\s+case(?:\s+of)?|whenever|when|while|after|before"
    r"|(?:for|in)\s+(?:patients|people|adults|children|women|men|those|anyone"
    r"|individuals)\s+(?:with|who))\b"
)
_TRAIL_HINT_RE = fast_compile(
    r"(?i)if|unless|case|when|while|after|before|patients|people|adults|children|men|those"
    r"|anyone|individuals"
)
_ADVICE_WORDS = _wordset(
    """should must recommend recommends recommendation recommendations advise advises consider
    encourage encourages we'll"""
)
_ADVICE_PAIRS = frozenset(
    tuple(pair.split("+"))
    for pair in _wordset(
        """ought+to need+to needs+to have+to i+suggest we+suggest would+suggest be+sure
        make+sure we+will will+need plan+to plans+to is+important is+essential is+advisable"""
    )
)
_ADVISED = _wordset("recommended advised encouraged instructed counseled counselled")
_ADVISED_BY = _wordset("i we is are was were be been has have had strongly also")
# every word the advice loop of ``_is_advice`` can say True at: an advice word, a pair's second
# word, an "advised" word, or "will" (before a base verb)
_ADVICE_CUES = _ADVICE_WORDS | {second for _, second in _ADVICE_PAIRS} | _ADVISED | {"will"}
_XREF = _wordset(
    """above below hpi history note notes evaluation report attached chart dictation discussion
    ros psychiatric separate problem results"""
)
_NOT_IMPERATIVE_NEXT = _wordset("of in is was are were has")
_ANECDOTE_RE = re.compile(
    r"(?i)(?:personally,?\s+|in\s+my\s+(?:own\s+)?experience,?\s+)?"
    r"(?:same\s+here|me\s+too|i(?:'ve|\s+have)?\s+(?:also\s+|too\s+|myself\s+|personally\s+"
    r"|once\s+)?(?:had|been|went\s+through|suffered|experienced|was\s+diagnosed|used\s+to"
    r"|remember|tried|took|struggled|dealt)|my\s+(?:own\s+)?(?:mom|mother|dad|father|wife"
    r"|husband|son|daughter|sister|brother|friend|partner|grandmother|grandfather|grandma"
    r"|grandpa|aunt|uncle|cousin|kids?|child|children|family|boyfriend|girlfriend)\b)\b"
)
_OPENERS = _wordset(
    """regarding for in on at after during over since however additionally also today
    yesterday currently recently then overall"""
)
_PERSONAL = _wordset("he she they we i you it")
_FUNCTION = _wordset("as is was has his its this thus across towards unless less")
_THEN_RE = re.compile(r"\sthen\s")
_RELATIVE_RE = re.compile(r"(?i)\b(?:who|which|that|whose)\b")
_THIRD_PERSON_RE = re.compile(r"(?i)\b(?:patient|he|she|him|her|his|they|them|their)\b")


@dataclass
class _Clause:
    """One claim in the making: its span, carried-in words and conditions."""

    start: int
    end: int
    prefix: str = ""
    lead: str = ""
    conditions: list[str] = field(default_factory=list)
    kind: str = "statement"
    standalone: bool = False

    def render(self, text: str) -> str:
        """The claim's text: the span's text, made to stand alone when it was split off."""
        body = text[self.start : self.end]
        if self.prefix:
            body = f"{self.prefix} {body}"
        if self.lead:
            return f"{self.lead}, {_lower_first(body)}"
        return body[:1].upper() + body[1:] if self.standalone else body


def _lower_first(body: str) -> str:
    """Lower-case a first word that only had a capital for starting the sentence."""
    m = _WORD_RE.match(body)
    if m and m.group().lower() in _LOWERABLE:
        return body[:1].lower() + body[1:]
    return body


@decomposers.register("condition_aware.v1")
class ConditionAwareDecomposer(Decomposer):
    """Split sentences into condition-aware claims (see the module docstring for the rules).

    ``split_coordination`` turns rule (b) on or off (off: at most one claim per sentence);
    claims whose span is shorter than ``min_claim_chars`` characters are dropped.
    """

    name = "condition_aware.v1"

    def __init__(self, split_coordination: bool = True, min_claim_chars: int = 3) -> None:
        _check_params(split_coordination, min_claim_chars)
        self.split_coordination = split_coordination
        self.min_claim_chars = min_claim_chars

    def __call__(self, text: str, sentences: Sequence[Sentence]) -> list[Claim]:
        dialogue = any(speaker_tag_length(s.text) for s in sentences)
        claims: list[dict[str, Any]] = []
        for sent in sentences:
            for c in self._clauses(text, sent, dialogue):
                claims.append(
                    {
                        "id": f"c{len(claims)}",
                        "text": c.render(text),
                        "span": (c.start, c.end),
                        "sentence": sent.index,
                        "conditions": c.conditions,
                        "kind": c.kind,
                    }
                )
        return CLAIMS.validate_python(claims)

    def _clauses(self, text: str, sent: Sentence, dialogue: bool) -> list[_Clause]:
        start, end = _body(text, sent)
        body = text[start:end]
        if not body or _skip(body, dialogue):
            return []
        if not self.split_coordination:
            parts = [(start, end)]
        else:
            parts = _semicolon_parts(text, start, end)
        out: list[_Clause] = []
        for i, (pstart, pend) in enumerate(parts):
            out.extend(_part_clauses(text, pstart, pend, self.split_coordination, i == 0))
        shortest = max(1, self.min_claim_chars)
        return [c for c in out if c.end - c.start >= shortest]


def _body(text: str, sent: Sentence) -> tuple[int, int]:
    """The sentence without its speaker tag, list marker and surrounding whitespace."""
    start, end = sent.span
    start += speaker_tag_length(sent.text)
    m = _LIST_MARK_RE.match(text, start, end)
    if m:
        start = m.end()
    while start < end and text[start].isspace():
        start += 1
    return start, end


def _skip(body: str, dialogue: bool) -> bool:
    """Rule (d): nothing to check in this sentence."""
    if is_empty_sentence(body) or body.rstrip("\"'”’) ").endswith("?"):
        return True
    if dialogue or not _ANECDOTE_RE.match(body):
        return False
    return _THIRD_PERSON_RE.search(body) is None


def _semicolon_parts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut at semicolons, which always join independent statements."""
    parts: list[tuple[int, int]] = []
    for m in _SEMICOLON_RE.finditer(text, start, end):
        if m.start() > start:
            parts.append((start, m.start()))
        start = m.end()
    if start < end:
        parts.append((start, end))
    return parts


def _part_clauses(text: str, start: int, end: int, split: bool, first: bool) -> list[_Clause]:
    """Rules (a)-(c) on one semicolon-free part of a sentence (``first``: the sentence's first)."""
    label = _LABEL_RE.match(text, start, end)
    lead, main = _leading_condition(text, label.end() if label else start, end)
    bounds = _coordination(text, main, end) if split else [(main, end, "")]
    clauses: list[_Clause] = []
    for i, (cstart, cend, prefix) in enumerate(bounds):
        clause = _make_clause(text, cstart, cend, prefix, lead)
        if i == 0:
            clause.start, clause.end, clause.lead = start, _trim_end(text, start, cend), ""
        clause.standalone = i > 0 or not first
        clauses.append(clause)
    return clauses


def _make_clause(text: str, start: int, end: int, prefix: str, lead: str) -> _Clause:
    """A clause with its conditions and kind; ``lead`` is the part's leading condition."""
    end = _trim_end(text, start, end)
    advice = _is_advice(text, start, end, prefix)
    trail = _trailing_condition(text, start, end, advice)
    conditions = [c for c in (lead, trail) if c]
    kind = "recommendation" if advice else "conditional" if conditions else "statement"
    return _Clause(start, end, prefix, lead, conditions, kind)


def _trim_end(text: str, start: int, end: int) -> int:
    """Drop trailing whitespace and joining punctuation (",", ";", ":") from a clause."""
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    return end


def _words(text: str, start: int, end: int, n: int = 6) -> list[str]:
    """The first ``n`` words of ``text[start:end]``, lower-cased (a word cut by the look-ahead
    window of ``16 * n`` characters may come back truncated)."""
    chunk = text[start : min(end, start + 16 * n)].lower()
    if "’" in chunk:
        chunk = chunk.replace("’", "'")
    return _WORD_RE.findall(chunk)[:n]


def _leading_condition(text: str, start: int, end: int) -> tuple[str, int]:
    """A condition opening the part: its text and where the main clause starts."""
    if not _LEAD_RE.match(text, start, end):
        return "", start
    first_comma = -1
    pos = text.find(",", start, end)
    while pos >= 0:
        first_comma = pos if first_comma < 0 else first_comma
        if _starts_main(_words(text, pos + 1, end)):
            return _condition_text(text, start, pos), _skip_space(text, pos + 1, end)
        pos = text.find(",", pos + 1, end)
    if first_comma >= 0:
        return _condition_text(text, start, first_comma), _skip_space(text, first_comma + 1, end)
    return _uncommaed_condition(text, start, end)


def _uncommaed_condition(text: str, start: int, end: int) -> tuple[str, int]:
    """A leading condition without a comma: it ends at "then" or before an imperative verb."""
    then = _THEN_RE.search(text, start, end)
    if then:
        return _condition_text(text, start, then.start()), then.end()
    for m in list(_WORD_RE.finditer(text, start, end))[3:]:
        if _is_imperative(_words(text, m.start(), end, 2)):
            return _condition_text(text, start, m.start()), m.start()
    return _condition_text(text, start, end), start


def _condition_text(text: str, start: int, end: int) -> str:
    return text[start : _trim_end(text, start, end)].rstrip(".!")


def _skip_space(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos].isspace():
        pos += 1
    return pos


def _starts_main(words: list[str]) -> bool:
    """Do these words open a main clause (after a leading condition)?"""
    if not words:
        return False
    if words[0] in ("then", "please") or _is_imperative(words):
        return True
    if _right_kind(words, base_ok=False) == "clause":
        return True
    subject_first = words[0] in _DETERMINERS or words[0] in _PRONOUNS
    return subject_first and any(w.endswith("ed") for w in words[1:4])


def _is_imperative(words: list[str]) -> bool:
    """An imperative verb first ("Take ...", "Do not ..."), not a noun use ("Rest of ...")."""
    while words and (words[0] == "please" or words[0] in _ADVERBS):
        words = words[1:]
    if not words or words[0] not in _BASE and words[0] not in ("don't", "never"):
        return False
    if words[0] == "see" and len(words) > 1 and words[1] in _XREF:
        return False
    return len(words) < 2 or words[1] not in _NOT_IMPERATIVE_NEXT


def _right_kind(words: list[str], base_ok: bool) -> str | None:
    """What follows a conjunction: "clause" (own subject), "vp" (shares the subject) or None."""
    while words and words[0] in _ADVERBS:
        words = words[1:]
    if not words:
        return None
    first = words[0]
    if first in _FINITE or base_ok and first in _BASE:
        return "vp"
    if "'" in first and first.split("'")[0] in _PRONOUNS:
        return "clause"
    rest = [w for w in words[1:4] if w not in _ADVERBS and not w.endswith("ly")]
    if first in _PRONOUNS and rest and _finite_like(rest[0], first in _PERSONAL):
        return "clause"
    if (first in _DETERMINERS or first == "patient") and len(words) > 1:
        if words[1] in _PRONOUNS or words[1] in _DETERMINERS:
            return None
        return "clause" if any(w in _FINITE for w in words[1:5]) else None
    return None


def _finite_like(word: str, personal: bool) -> bool:
    """A known finite verb or negated auxiliary ("didn't"), or after a personal pronoun any
    "-s"/"-ed" form ("he wakes")."""
    if word in _FINITE or word.endswith("n't"):
        return True
    return personal and word.endswith(("s", "ed")) and word not in _FUNCTION


def _subject(text: str, start: int, end: int) -> tuple[str, str] | None:
    """(subject, modal or "be" form) of the clause at ``start``; ("", "") when imperative;
    None when it has no verb or its subject holds a relative clause."""
    words = list(islice(_WORD_RE.finditer(text, start, end), 8))
    lowered = [w.group().lower() for w in words]
    if _is_imperative(lowered) or lowered and lowered[0] in _FINITE:
        return "", ""
    if len(words) > 1 and lowered[0] in _PRONOUNS and lowered[0] not in _DETERMINERS:
        verb = lowered[1]
        return words[0].group(), verb if verb in _MODALS or verb in _BE else ""
    for i, word in enumerate(lowered[1:], 1):
        if word in _FINITE:
            subject = _drop_opener(text[start : words[i].start()].strip(" ,"))
            if _RELATIVE_RE.search(subject) or _LEAD_RE.search(subject):
                return None
            return subject, word if word in _MODALS or word in _BE else ""
    return None


def _drop_opener(subject: str) -> str:
    """ "Regarding his diabetes, he" -> "he": keep what follows an opening adverbial."""
    head, sep, tail = subject.rpartition(",")
    first = head.split(maxsplit=1)[0].lower() if sep and head.strip() else ""
    return tail.strip() if first in _OPENERS or first.endswith("ly") else subject


def _coordination(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Rule (b): cut a part at conjunctions joining independent statements.

    Returns ``(start, end, prefix)`` per clause, prefix being the carried subject (and modal).
    """
    joins = list(_JOIN_RE.finditer(text, start, end))
    if not joins:
        return [(start, end, "")]  # no conjunction (most parts): the subject is not read
    subject = _subject(text, start, end)
    trail = _trailing_match(text, start, end)
    bounds: list[tuple[int, int, str]] = []
    cstart, prefix = start, ""
    for m in joins:
        kind = _join_kind(text, cstart, m, end, subject, trail)
        if kind is None:
            continue
        bounds.append((cstart, m.start(), prefix))
        cstart = m.end()
        prefix = _carry(subject, _words(text, cstart, end)) if subject and kind == "vp" else ""
    bounds.append((cstart, end, prefix))
    return bounds


def _join_kind(
    text: str,
    cstart: int,
    m: re.Match[str],
    end: int,
    subject: tuple[str, str] | None,
    trail: re.Match[str] | None,
) -> str | None:
    """Is conjunction ``m`` a split point? Returns the right side's kind or None."""
    left = text[cstart : m.start()]
    if left.count("(") > left.count(")") or len(_WORD_RE.findall(left)) < 1:
        return None
    if trail is not None and trail.start() < m.start() and "," not in m.group():
        return None
    shared = subject is not None and (subject[0] == "" or subject[1] in _MODALS)
    kind = _right_kind(_words(text, m.end(), end), base_ok=shared)
    if kind == "vp" and (subject is None or not _has_verb(left) or _has_relative(left)):
        return None
    if kind == "vp" and shared and _NEGATED_RE.search(left):
        return None
    return kind


def _has_relative(left: str) -> bool:
    """A relative clause ("an ulcer that was not painful"), not a complement ("states that")."""
    for m in _RELATIVE_RE.finditer(left):
        before = _WORD_RE.findall(left, max(0, m.start() - 20), m.start())
        if m.group().lower() != "that" or not before or before[-1].lower() not in _FINITE:
            return True
    return False


def _has_verb(left: str) -> bool:
    words = [w.lower() for w in _WORD_RE.findall(left)]
    return _is_imperative(words) or any(w in _FINITE for w in words)


def _carry(subject: tuple[str, str], right: list[str]) -> str:
    """Words the right-hand verb phrase borrows: the subject, plus its modal before a base verb
    ("should ... and drink") or its "was" before a passive ("was admitted and started on")."""
    words = [w for w in right if w not in _ADVERBS]
    noun, verb = subject
    if not words or not verb:
        return noun
    if verb in _MODALS and words[0] in _BASE and words[0] not in _FINITE:
        return f"{noun} {verb}".strip()
    passive = words[0].endswith(("ed", "en")) and len(words) > 1 and words[1] in _PASSIVE_NEXT
    return f"{noun} {verb}" if verb in _BE and passive else noun


def _trailing_condition(text: str, start: int, end: int, advice: bool) -> str:
    """A condition closing the clause ("... if symptoms worsen"); "" when there is none."""
    m = _trailing_match(text, start, end, advice)
    if m is None:
        return ""
    pos = text.find(",", m.end(), end)
    while pos >= 0:
        words = _words(text, pos + 1, end)
        if words and words[0] in ("and", "but", "so"):
            words = words[1:]
        if _starts_main(words):
            return _condition_text(text, m.start("m"), pos)
        pos = text.find(",", pos + 1, end)
    return _condition_text(text, m.start("m"), end)


def _trailing_match(text: str, start: int, end: int, advice: bool = False) -> re.Match[str] | None:
    """The first condition marker inside a clause, past embedded uses ("not sure if").

    "after"/"before" need a clause or gerund after them ("after eating"), except in advice
    ("Take it before meals").
    """
    if _TRAIL_HINT_RE.search(text, start, end) is None:
        return None
    for m in _TRAIL_RE.finditer(text, start, end):
        before = _WORD_RE.findall(text, max(start, m.start() - 20), m.start())
        if not before or before[-1].lower() in _EMBEDDING:
            continue
        marker = m.group("m").lower()
        if marker in ("after", "before") and not advice and not _clause_follows(text, m.end(), end):
            continue
        return m
    return None


def _clause_follows(text: str, pos: int, end: int) -> bool:
    """After "after"/"before": a gerund or a subject with a verb, not a bare noun."""
    words = _words(text, pos, end, 4)
    if not words:
        return False
    return words[0].endswith("ing") or _right_kind(words, base_ok=False) == "clause"


def _is_advice(text: str, start: int, end: int, prefix: str) -> bool:
    """Rule (c): advice words, an imperative verb first, or a carried "should"/"must"."""
    verb = prefix.split()[-1].lower() if prefix else ""
    if verb in ("should", "must") or _is_imperative(_words(text, start, end)):
        return True
    words = _words(text, start, end, 400)
    if _ADVICE_CUES.isdisjoint(words):
        return False  # no word the loop below could answer True on (most clauses)
    prev = ""
    for word in words:
        if word in _ADVICE_WORDS or (prev, word) in _ADVICE_PAIRS:
            return True
        if word in _ADVISED and prev in _ADVISED_BY or prev == "will" and word in _BASE:
            return True
        prev = word
    return False


def _check_params(split_coordination: object, min_claim_chars: object) -> None:
    """Reject parameter values of the wrong type or range, naming the parameter."""
    owner = "decomposer 'condition_aware.v1'"
    if not isinstance(split_coordination, bool):
        raise ConfigError(
            f"{owner} parameter 'split_coordination' must be true or false; "
            f"got {split_coordination!r}."
        )
    value = min_claim_chars
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(
            f"{owner} parameter 'min_claim_chars' must be an integer >= 0; got {min_claim_chars!r}."
        )
