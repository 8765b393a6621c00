"""opposite.v1: a finding whose state the output turns to its opposite while the finding stays.

"Perforated appendix" written from "appendix, not perforated", "JVP raised" from "JVP not
raised", "sensation reduced" from "sensation intact", "tender medial malleolus" from "tender
lateral malleolus": the output keeps the finding (its head: organ, symptom, structure) and every
other word, so a reading of support by shared words finds it supported. This rule reads each
state word of the output (a qualifier: "perforated", "raised", "reduced", "medial") with the
words next to it in its clause, and looks in the input for the same head with the opposite
state: the same word with the other polarity, negated by a word next to it ("not", "non-",
"absent"; medfact.analysis reads the polarity), or a word of the opposite sense in the same
polarity (medfact.opposites: a listed pair, a prefixed form). Where the input also gives the
head the output's own state, or a state of the same sense (two sides, two times, a rewording),
the rule says nothing. Directional terms of anatomy ("medial", "upper") are read against their
opposites only: a "no" before them denies the structure's finding, not the place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from medfact.analysis import AFFIRMED, HYPOTHETICAL, NEGATED, AnalyzedText, Token
from medfact.document import CaseDoc
from medfact.opposites import (
    PLACES,
    RESULTS,
    STATE_OPPOSITES,
    STATE_WORDS,
    listed_opposites,
    opposite_by_prefix,
    opposite_states,
    same_state,
)
from medfact.registry import verifiers
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule

_WIDTH = 4  # words either side of a state word that may name its head
_WIDE = 6  # words either side in which a mention of the same state keeps the output's
_NEAR = 16  # characters between a negated word and the word that negates it ("not raised")
# word endings of a state a finding is in ("perforated", "gangrenous", "palpable")
_STATE_ENDINGS = ("ed", "ing", "ous", "ive", "able", "ible")
# words of those endings that are no state of a finding: reporting, plans, care, habits
_NOT_STATES = frozenset(
    ["reported", "noted", "denied", "started", "stopped", "used", "needed", "advised"]
    + ["discussed", "planned", "given", "asked", "told", "seen", "checked", "tested", "related"]
    + ["recommended", "prescribed", "ordered", "referred", "requested", "scheduled", "booked"]
    + ["explained", "confirmed", "showed", "offered", "declined", "consented", "agreed"]
    + ["wanted", "tried", "missed", "interrupted", "combined", "continued", "associated"]
    + ["active", "relative", "objective", "subjective", "available", "comfortable"]
    + ["previous", "various", "serious", "nervous", "obvious", "during", "following"]
    + ["including", "regarding", "according", "morning", "evening", "nothing", "something"]
    + ["anything", "everything", "feeling", "having", "getting", "going", "taking", "doing"]
    + ["coming", "being", "planning", "trying", "working", "thing", "things"]
)
# words that deny the word right after them ("not raised", "non-tender", "no blood")
_PRE_NEGATORS = frozenset(
    {"not", "non", "no", "without", "never", "nor", "neither", "avoid", "avoiding", "refrain"}
)
# words that deny the word right before them ("ulceration absent", "Murphy's -ve")
_POST_NEGATORS = frozenset({"absent", "negative", "-ve", "nil"})
# heads too general to tie two mentions to one finding
_NOT_HEADS = frozenset(
    ["left", "right", "both", "bilateral", "mild", "moderate", "severe", "slight", "slightly"]
    + ["very", "some", "little", "much", "more", "less", "now", "today", "time", "times", "day"]
    + ["days", "week", "weeks", "also", "well", "good", "side", "sides", "area", "patient"]
    + ["exam", "examination", "full", "normal", "all", "any", "other", "still", "seen"]
    + ["test", "tests", "result", "results", "level", "levels", "count", "finding", "findings"]
    + ["lab", "labs", "value", "values", "reading", "readings", "sign", "signs", "history"]
)
# endings of a word that qualifies the head rather than naming it ("vaginal", "cardiac"): such a
# word alone ties "vaginal bleeding" to "vaginal vault"
_MODIFIER_ENDINGS = ("al", "ic")
# words after a state word that take the state from the finding ("acute onset of headache")
_OF_ANOTHER = frozenset({"onset"})
# words that open a question in a conversation ("are you planning ...", "any chest pain")
_QUESTION_OPENERS = frozenset(
    ["are", "is", "do", "does", "did", "have", "has", "any", "how", "what", "can", "could"]
    + ["was", "were", "will", "would", "should", "when", "where", "which", "who", "why"]
)
_WORD = re.compile(r"[a-z']+")
# words before a state that deny it or leave it open: "unable to", "any elevated readings",
# "no numbness or other abnormal sensation"
_UNSPECIFIC = frozenset({"unable", "denies", "denied", "deny", "any", "other", "if"})
_FUNCTION_WORDS = frozenset(
    ["and", "or", "but", "with", "without", "in", "on", "at", "of", "to", "for", "from", "by"]
    + ["since", "as", "than", "today", "now", "yet", "nor", "is", "are", "was", "were"]
    + ["be", "been", "the", "a", "an", "this", "that", "bilaterally", "throughout", "either"]
)
_NEGATING_PREFIX = re.compile(r"^non-?(?=[a-z]{4})")
_STOPS = ".;:!?"  # marks no head reaches across
_CLAUSE = ",()" + _STOPS
# the same marks as sets, so a gap is tested in one call ("isdisjoint")
_STOP_MARKS = frozenset(_STOPS)
_CLAUSE_MARKS = frozenset(_CLAUSE)
_SEPARATORS = frozenset(",;.()")


@dataclass(frozen=True, slots=True)
class _State:
    """A state word of a text as read: its token index, polarity and head stems."""

    index: int
    token: Token
    word: str  # as the tables spell it ("-ve")
    polarity: str | None  # None: not read for sure (a far negation, a question, a plan)
    near: frozenset[str]  # heads in its clause (and before the comma it opens after)
    wide: frozenset[str]  # heads in its sentence around it


@dataclass(frozen=True, slots=True)
class _Opposed:
    """An output state word, the input word of the opposite state and the head they share."""

    said: _State
    against: _State
    head: str


def _word(doc: AnalyzedText, tok: Token) -> str:
    """The token's word as the tables spell it: "+ve" and "-ve" keep their sign (the tokens
    drop it)."""
    if tok.text == "ve" and tok.start > 0 and doc.text[tok.start - 1] in "+-":
        return doc.text[tok.start - 1] + "ve"
    return tok.text


@lru_cache(maxsize=16384)
def _is_state(word: str) -> bool:
    """A word that gives a finding a state: a listed state or place word, or a participle or
    adjective of a state ("perforated", "gangrenous", "palpable"), with or without a prefix
    that negates it ("non-blanching")."""
    text = _NEGATING_PREFIX.sub("", word)
    if text in STATE_OPPOSITES or text in STATE_WORDS:
        return True
    if text in _NOT_STATES or not text.replace("-", "").isalpha() or len(text) < 5:
        return False
    return any(text.endswith(e) and len(text) - len(e) >= 3 for e in _STATE_ENDINGS)


def _polarity(doc: AnalyzedText, i: int) -> str | None:
    """The polarity of the state word at token ``i`` where it is read for sure: affirmed with
    no denying word next to it, or negated by one next to it in its clause ("not raised",
    "non-blanching", "ulceration: absent"); None for a question, a doubt, a plan, a negation
    from afar (a far "no" may not reach it), and a place word that is not affirmed."""
    tok = doc.tokens[i]
    if tok.scope == HYPOTHETICAL or _questioned(doc, tok) or _of_another(doc, i):
        return None
    negator = _negator_next_to(doc, i)
    if tok.polarity == AFFIRMED and negator is None:
        return None if _denial_before(doc, i) else AFFIRMED
    word = _word(doc, tok)
    if tok.polarity != NEGATED or word in PLACES or word in RESULTS:
        return None
    if _NEGATING_PREFIX.match(tok.text):
        return NEGATED  # "non-blanching": the prefix negates the word itself
    if negator is None or (negator.start < tok.start and _attributive(doc, i)):
        return None  # "no soft tissue gas": the "no" denies the noun the word qualifies
    return NEGATED


def _negator_next_to(doc: AnalyzedText, i: int) -> Token | None:
    """A denying word right before the word at token ``i`` (one word may come between: "not
    markedly raised") or right after it, in its clause."""
    toks, text = doc.tokens, doc.text
    for j in (i - 1, i - 2):
        if j < 0 or toks[j].sentence != toks[i].sentence:
            break
        if _crosses(text, toks[j].end, toks[i].start):
            break
        if _denies(toks[j].text) and toks[i].start - toks[j].start <= _NEAR:
            return toks[j]
    k = i + 1
    if k >= len(toks) or toks[k].sentence != toks[i].sentence:
        return None
    if _word(doc, toks[k]) in _POST_NEGATORS and not _separated(text[toks[i].end : toks[k].start]):
        return toks[k]  # "ulceration: absent", "Murphy's -ve"
    return None


def _of_another(doc: AnalyzedText, i: int) -> bool:
    """Whether the state word at token ``i`` is said of a word after it that is no finding
    ("acute onset")."""
    k = i + 1
    return k < len(doc.tokens) and doc.tokens[k].text in _OF_ANOTHER


def _denial_before(doc: AnalyzedText, i: int, width: int = 4) -> bool:
    """Whether a denying or open word comes up to ``width`` words before token ``i`` in its
    clause ("won't be able to drive", "any elevated readings"): a word the analysis reads as
    affirmed may be denied or unsaid there."""
    toks = doc.tokens
    for j in range(i - 1, max(-1, i - width - 1), -1):
        if toks[j].sentence != toks[i].sentence or _crosses(
            doc.text, toks[j].end, toks[j + 1].start
        ):
            return False
        if _denies(toks[j].text) or toks[j].text in _UNSPECIFIC:
            return True
    return False


def _denies(word: str) -> bool:
    """A word that denies the word after it ("not", "no", "couldn't", "cannot")."""
    return word in _PRE_NEGATORS or word.endswith("n't") or word == "cannot"


def _attributive(doc: AnalyzedText, i: int) -> bool:
    """Whether the word at token ``i`` qualifies the word right after it in its clause ("soft
    tissue", "upper tract", "elevated white cells")."""
    toks = doc.tokens
    k = i + 1
    if k >= len(toks) or toks[k].sentence != toks[i].sentence:
        return False
    nxt = toks[k].text
    word = nxt.isalpha() and nxt not in _FUNCTION_WORDS
    return word and not _crosses(doc.text, toks[i].end, toks[k].start)


def _separated(gap: str) -> bool:
    """Whether the text between two words parts their clauses (a field's colon does not)."""
    return not _SEPARATORS.isdisjoint(gap)


def _crosses(text: str, start: int, end: int) -> bool:
    """Whether a clause mark lies between two offsets."""
    return not _CLAUSE_MARKS.isdisjoint(text[start:end])


def _questioned(doc: AnalyzedText, tok: Token) -> bool:
    """A word of a conversation's question ("is it tender?", "any bleeding")."""
    if not doc.is_dialogue:
        return False
    sentence = doc.sentences[tok.sentence].text
    if sentence.rstrip().endswith("?"):
        return True
    words = _WORD.findall(sentence.lower().split(":", 1)[-1])
    return bool(words) and words[0] in _QUESTION_OPENERS


def _general_stems(doc: AnalyzedText, among: set[str]) -> frozenset[str]:
    """Stems of the text's words too general to be a head, of its state words and of words
    that qualify a head ("vaginal"): those of ``among`` (the stems around the text's state
    words, the only ones a head set loses); a stem found general is not read again."""
    general: set[str] = set()
    for tok in doc.tokens:
        if tok.stem in among and tok.stem not in general and _general(doc, tok):
            general.add(tok.stem)
    return frozenset(general)


def _general(doc: AnalyzedText, tok: Token) -> bool:
    """Whether a word is too general to be a head, a state word or a word that qualifies a
    head. The cheap tests first; only a "ve" may keep a sign (``_word``)."""
    return (
        tok.text in _NOT_HEADS
        or len(tok.stem) < 3
        or tok.text.endswith(_MODIFIER_ENDINGS)
        or not tok.content
        or _is_state(_word(doc, tok) if tok.text == "ve" else tok.text)
    )


def _window(doc: AnalyzedText, i: int, width: int, marks: frozenset[str]) -> set[str]:
    """Stems within ``width`` words of token ``i`` in its sentence, not across ``marks``."""
    toks, text = doc.tokens, doc.text
    sentence = toks[i].sentence
    out: set[str] = set()
    for step, stop in ((-1, max(i - width, 0) - 1), (1, min(i + width, len(toks) - 1) + 1)):
        for j in range(i + step, stop, step):
            tok = toks[j]
            if tok.sentence != sentence:
                break
            near = toks[j - step]  # the word before it, on the way out from ``i``
            gap = text[tok.end : near.start] if step < 0 else text[near.end : tok.start]
            if not marks.isdisjoint(gap) and not _listed_states(doc, near, tok):
                break
            out.add(tok.stem)
    return out


def _structure(doc: AnalyzedText, i: int) -> set[str]:
    """The stem of the word after a directional term in its clause: the structure it names
    ("medial malleolus"; "distal femoral vein" names the femoral part, not a distal vein)."""
    toks = doc.tokens
    k = i + 1
    if k >= len(toks) or toks[k].sentence != toks[i].sentence:
        return set()
    if _crosses(doc.text, toks[i].end, toks[k].start) or not toks[k].content:
        return set()
    return {toks[k].stem}


def _listed_states(doc: AnalyzedText, a: Token, b: Token) -> bool:
    """Whether two neighbouring words are states of one finding listed with a comma ("hard,
    irregular lobe"): the comma between them parts no clause."""
    gap = doc.text[min(a.end, b.end) : max(a.start, b.start)].strip()
    return gap == "," and _is_state(_word(doc, a)) and _is_state(_word(doc, b))


def _clause_before(doc: AnalyzedText, i: int) -> set[str]:
    """Where the word at token ``i`` opens its comma clause, with at most a negation before it
    ("appendix, not perforated"), the stems of the two words before the comma."""
    toks, text = doc.tokens, doc.text
    k = i
    while k > 0 and toks[k - 1].sentence == toks[i].sentence:
        gap = text[toks[k - 1].end : toks[k].start]
        if "," in gap:
            return {t.stem for t in toks[max(0, k - 2) : k] if t.sentence == toks[i].sentence}
        if not _STOP_MARKS.isdisjoint(gap):
            return set()
        if toks[k - 1].content and toks[k - 1].text not in _PRE_NEGATORS:
            return set()
        k -= 1
    return set()


def _states(
    doc: AnalyzedText,
    width: int,
    stems: frozenset[str] = frozenset(),
    of: Sequence[_State] | None = None,
) -> list[_State]:
    """The text's state words read for sure, with their heads; ``stems``: stems of other words
    to read as states ("ulceration" where the output says "ulcerated"); ``of``: only the words
    some of these states can be compared with (:func:`_speaks_of`), the others' reading being
    never used (the general stems of a state's heads are the same either way)."""
    # each state word with its polarity and heads, before the general stems are taken out
    read: list[tuple[int, Token, str, str | None, set[str], set[str]]] = []
    for i, tok in enumerate(doc.tokens):
        word = _word(doc, tok) if tok.text == "ve" else tok.text  # only a "ve" keeps a sign
        if not (_is_state(word) or (tok.stem in stems and tok.content)):
            continue
        if of is not None and not any(_speaks_of(s, word, tok.stem) for s in of):
            continue
        polarity = _polarity(doc, i)
        if word in PLACES:
            near = _structure(doc, i)
        else:
            near = _window(doc, i, width, _CLAUSE_MARKS) | _clause_before(doc, i)
        wide = _window(doc, i, _WIDE, _STOP_MARKS)
        read.append((i, tok, word, polarity, near, wide))
    if not read:
        return []
    general = _general_stems(doc, set().union(*(near | wide for *_, near, wide in read)))
    out = []
    for i, tok, word, polarity, near, wide in read:
        near -= general
        out.append(
            _State(i, tok, word, polarity, frozenset(near), frozenset((wide - general) | near))
        )
    return out


def _speaks_of(said: _State, word: str, stem: str) -> bool:
    """Whether a state word ``word`` of stem ``stem`` is one ``said`` is compared with: a
    listed opposite, the same stem or state, or an opposite by prefix (``_verdict`` is None
    for any other)."""
    x = said.word
    return (
        said.token.stem == stem
        or same_state(x, word)
        or listed_opposites(x, word)
        or opposite_by_prefix(x, word)
    )


def _verdict(said: _State, other: _State) -> bool | None:
    """True where ``other`` gives the opposite state of ``said``, False where the same, None
    where it speaks of something else. A listed opposite ("+ve", "-ve") is read before the
    word's stem; a prefixed one ("non-blanching") after it, as the analysis reads the prefix
    as a negation of the same word where it can."""
    a, b = said.token, other.token
    x, y = said.word, other.word
    listed = listed_opposites(x, y)
    same = not listed and (a.stem == b.stem or same_state(x, y))
    prefixed = not listed and not same and opposite_states(x, y)
    if not (listed or same or prefixed):
        return None
    if other.polarity is None:
        return False  # a mention not read for sure: it may say either
    same_polarity = said.polarity == other.polarity
    return not same_polarity if same else same_polarity


def _opposed(said: _State, context: list[_State]) -> _Opposed | None:
    """The input's mention of the output state's head in the opposite state, where no mention
    of it in the input (in a wider window) is in the output's own state."""
    found: _Opposed | None = None
    for other in context:
        verdict = _verdict(said, other)
        if verdict is None or not said.near & other.wide:
            continue
        if verdict is False:
            return None  # the input gives the head the output's state too
        shared = said.near & other.near
        if shared and found is None and _same_finding(said, other, shared):
            found = _Opposed(said, other, sorted(shared)[0])
    return found


def _same_finding(said: _State, other: _State, shared: set[str] | frozenset[str]) -> bool:
    """Whether two mentions of one structure in opposite places are of one finding: a word
    besides the structure is shared around them ("tear" of a "medial meniscus"). A paired
    structure is named on both sides in many texts ("upper extremity", "lower extremities")."""
    if said.word not in PLACES:
        return True
    return bool((said.wide & other.wide) - shared)


def _phrase(doc: AnalyzedText, state: _State) -> str:
    """The state word with the word that negates it, where one does ("not perforated")."""
    negator = _negator_next_to(doc, state.index)
    start, end = state.token.start, state.token.end
    start -= len(state.word) - len(state.token.text)  # "-ve"
    if state.polarity == NEGATED and negator is not None:
        start, end = min(start, negator.start), max(end, negator.end)
    return doc.text[start:end]


@verifiers.register("opposite.v1")
class OppositeStateRule(Rule):
    """A finding the output gives the opposite state of the one the input gives it."""

    name = "opposite.v1"

    def __init__(self, risk: int = 3) -> None:
        """``risk``: the grade of a finding turned to its opposite (the severity policy may
        raise it)."""
        self.risk = risk

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None
        said = [s for s in _states(out, _WIDTH) if s.near and s.polarity is not None]
        if not said:
            return []
        context = _states(ctx, _WIDTH, frozenset(s.token.stem for s in said), said)
        findings = []
        for state in said:
            hit = _opposed(state, context)
            if hit is not None:
                findings.append(self._finding(view, hit))
        return findings

    def _finding(self, view: CaseDoc, hit: _Opposed) -> Finding:
        assert view.context is not None
        said, against = _phrase(view.output, hit.said), _phrase(view.context, hit.against)
        token = hit.said.token
        return self.finding(
            view,
            ErrorCategory.DETAIL_MISIDENTIFICATION,
            self.risk,
            (token.start, token.end),
            f"output says '{said}', input says '{against}' (of '{hit.head}')",
            relation=CONTRADICTED,
            context_span=(hit.against.token.start, hit.against.token.end),
            confidence=0.7,
        )
