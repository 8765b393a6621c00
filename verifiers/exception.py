"""exception.v1: a whole the input narrows with an exception, stated whole in the output.

"Has he had all his vaccinations? - Everything except the MMR." summarised as "Fully
vaccinated"; "the warfarin, three milligrams every day? - Three every day except Mondays and
Fridays, it's four and a half" as "Warfarin 3 mg daily": each word of the output is worded from
the input, so a claim-level check reads it as supported, yet the output says all where the
input says all but one.

The input's exceptions are read with the question they answer: a sentence that holds an
exception word (except, apart from, aside from, excluding) or a miss not denied ("we miss the
evening one"; not "I never miss it") with something named after it (not "I skip it"), and a
whole (all, every, everything, up to date, fully, daily ...) before it in the sentence, earlier
in the same turn, or in the question that turn answers. Its topic is the content words of all of
these but the whole and the excepted part. An output clause that states a whole with no
narrowing of its own (except, but, not, missed ...), shares a topic word with the exception and
names nothing of what was excepted anywhere in the output is a finding; so is one that states
full adherence ("taken regularly, no missed doses") against a miss (category
missing_context, relation "omitted", the input's exception as ``context_span``).

A question that asks with an exception ("any pain anywhere except your legs?") excepts nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from medfact.analysis import AnalyzedText, Token, speaker_tag
from medfact.document import CaseDoc
from medfact.lexicon.tables import read_tables
from medfact.registry import verifiers
from medfact.rehint import fast_compile, lower_ascii
from medfact.segment import speaker_tag_length
from medfact.taxonomy import ErrorCategory
from medfact.textutil import STOPWORDS
from medfact.types import Finding
from medfact.verifiers.base import OMITTED, Rule

# the words that open an exception to a whole; a miss ("we miss the evening one", "I skip it
# at breakfast") is one too, unless denied ("I never miss it")
_CUE = fast_compile(
    r"\b(?:except(?:\s+for)?|apart\s+from|aside\s+from|excluding"
    r"|(?P<miss>miss(?:es|ed|ing)?|skip(?:s|ped|ping)?|forget(?:s|ting)?|forgot(?:ten)?))\b"
    # "I forgot to mention": a word left unsaid, no dose missed
    r"(?!\s+to\s+(?:mention|say|tell|ask|add)\b)",
    re.I,
)
# a word every match of _CUE holds, in lower case
_CUE_WORDS = ("except", "apart", "aside", "excluding", "miss", "skip", "forget", "forgot")
_MISS_DENIED = re.compile(
    r"\b(?:never|not|no|don'?t|doesn'?t|didn'?t|won'?t|wouldn'?t|hardly|rarely)\b[^,;.]*$", re.I
)
# a whole: every one, every time, completely
_WHOLE = re.compile(
    r"\b(?:all|every|everything|everyone|each|fully|complete(?:ly|d)?|up[\s-]to[\s-]date"
    r"|daily|always|entire(?:ly)?)\b",
    re.I,
)
# a whole of taking every dose: the output says none is missed
_ADHERENT = re.compile(
    r"\b(?:regularly|as\s+prescribed|no\s+missed|never\s+miss(?:es|ed)?|without\s+missing"
    r"|compliant|adherent)\b",
    re.I,
)
# an output's own narrowing of its whole, or a denial of it: it does not state the whole bare
_NARROWED = re.compile(
    r"\b(?:except|apart|aside|excluding|other\s+than|but|save|not|never|no|nor|missed|missing"
    r"|without|partial(?:ly)?|outstanding|overdue|behind|due|incomplete|unless|until|only)\b"
    r"|n't\b",
    re.I,
)
# words a whole is made of, which name no topic of their own
_WHOLE_STEMS = frozenset(
    {"all", "everi", "everyth", "everyon", "each", "fulli", "full", "complet", "date"}
    | {"daili", "alway", "entir", "d", "day", "time", "one"}
)
# units and counting words: two doses share them without sharing a drug
_UNIT_STEMS = frozenset({"mg", "mcg", "g", "ml", "unit", "tablet", "tab", "pill", "dose", "puff"})
_CLAUSE_MARK = re.compile(r"[;,()]")


@dataclass(frozen=True, slots=True)
class Excepted:
    """An exception the input makes to a whole: its topic stems, the stems of what it excepts
    and its span in the input."""

    topic: frozenset[str]
    excepted: frozenset[str]
    start: int
    end: int


@cache
def _topic_groups() -> dict[str, str]:
    """Stem -> group name of the words read as one topic (medfact/lexicon/data/exceptions.toml)."""
    groups: dict[str, str] = {}
    for group in read_tables("exceptions.toml").get("group", []):
        for stem in group["stems"]:
            groups[stem] = group["name"]
    return groups


def _key(tok: Token) -> str:
    """A token's topic key: its group's name, else its stem."""
    groups = _topic_groups()
    return groups.get(tok.stem) or groups.get(tok.text) or tok.stem


def _topic_words(toks: list[Token]) -> set[str]:
    """The topic keys of the content words of ``toks``, wholes and units left out."""
    return {
        _key(t)
        for t in toks
        if t.content and t.stem not in _WHOLE_STEMS and t.stem not in _UNIT_STEMS
    }


def _untagged(doc: AnalyzedText, i: int) -> list[Token]:
    """The tokens of sentence ``i`` after its speaker's tag ("Guest_family:" names no topic)."""
    sent = doc.sentences[i]
    after = sent.span[0] + speaker_tag_length(sent.text)
    return [t for t in doc.sentence_tokens(sent.index) if t.start >= after]


def _turn_start(doc: AnalyzedText, i: int) -> int:
    """The first sentence of the dialogue turn holding sentence ``i`` (``i`` in a text with no
    speakers' tags)."""
    k = i
    while k > 0 and speaker_tag(doc.text, doc.sentences[k].span[0]) is None:
        k -= 1
    if speaker_tag(doc.text, doc.sentences[k].span[0]) is None:
        return i
    return k


def _question_before(doc: AnalyzedText, first: int) -> int | None:
    """The sentence before the turn opening at ``first``, where it asks (the question the turn
    answers); in a transcript with no question marks at all, the sentence that ends the turn
    before ("[doctor] and the warfarin you take three milligrams every day")."""
    if first == 0 or speaker_tag(doc.text, doc.sentences[first].span[0]) is None:
        return None
    if doc.sentences[first - 1].text.rstrip().endswith("?") or "?" not in doc.text:
        return first - 1
    return None


def exceptions(doc: AnalyzedText) -> list[Excepted]:
    """The exceptions to a whole that ``doc`` states (not asks)."""
    found: list[Excepted] = []
    low = lower_ascii(doc.text)
    if low is not None and not any(word in low for word in _CUE_WORDS):
        return found  # no cue's word anywhere (in ASCII text, whose case folds to ASCII only)
    for i, sent in enumerate(doc.sentences):
        text = sent.text
        cue = _CUE.search(text)
        if cue is None or text.rstrip().endswith("?"):
            continue
        if cue.group("miss") and _MISS_DENIED.search(text, 0, cue.start()):
            continue  # "I never miss it": no miss
        at = sent.span[0]
        toks = _untagged(doc, i)
        after = [t for t in toks if t.start >= at + cue.end()]
        if not any(t.text.isalpha() and t.text not in STOPWORDS for t in after):
            continue  # "Everyone at home is sick, except-", "I skip it": no part named
        excepted = _topic_words(after)
        first = _turn_start(doc, i)
        asked = _question_before(doc, first)
        before = [t for t in toks if t.start < at + cue.start()]
        said = [t for k in range(first, i) for t in _untagged(doc, k)]
        question = _untagged(doc, asked) if asked is not None else []
        wholes = [text[: cue.start()]] + [doc.sentences[k].text for k in range(first, i)]
        if asked is not None:
            wholes.append(doc.sentences[asked].text)
        if not any(_WHOLE.search(w) for w in wholes):
            continue
        topic = _topic_words(before + said + question) - excepted
        if topic:
            found.append(
                Excepted(frozenset(topic), frozenset(excepted), at + cue.start(), sent.span[1])
            )
    return found


def _bare_wholes(doc: AnalyzedText) -> list[tuple[int, tuple[int, int], set[str]]]:
    """Each output clause that states a whole without narrowing it: its sentence index, the
    sentence's span and the clause's topic keys."""
    found = []
    for i, sent in enumerate(doc.sentences):
        text = sent.text
        whole = _WHOLE.search(text) or _ADHERENT.search(text)
        if whole is None:
            continue
        opens = max((m.end() for m in _CLAUSE_MARK.finditer(text, 0, whole.start())), default=0)
        # "no missed doses" states the whole; its "no" narrows nothing
        if _NARROWED.search(_ADHERENT.sub(" ", text[opens:])):
            continue
        closes = _CLAUSE_MARK.search(text, whole.end())
        lo, hi = sent.span[0] + opens, sent.span[0] + (closes.start() if closes else len(text))
        toks = [t for t in doc.sentence_tokens(sent.index) if lo <= t.start < hi]
        found.append((i, (sent.span[0], sent.span[1]), _topic_words(toks)))
    return found


@verifiers.register("exception.v1")
class ExceptionRule(Rule):
    """A whole the input narrows with an exception, stated whole in the output."""

    name = "exception.v1"

    def __init__(self, risk: int = 3) -> None:
        self.risk = risk

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None and out is not None
        excepts = exceptions(ctx)
        if not excepts:
            return []
        said = _topic_words(out.tokens)
        findings: list[Finding] = []
        for _, span, topic in _bare_wholes(out):
            hit = next((e for e in excepts if e.topic & topic and not e.excepted & said), None)
            if hit is None:
                continue
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.MISSING_CONTEXT,
                    self.risk,
                    span,
                    f"exception dropped: the input says '{ctx.text[hit.start : hit.end]}'; "
                    "the output states the whole without it",
                    relation=OMITTED,
                    context_span=(hit.start, hit.end),
                    confidence=0.6,
                )
            )
        return findings
