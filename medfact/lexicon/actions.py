"""Procedures told as an action on what they act on (``data/procedure_actions.toml``).

A clinician names an operation ("hysterectomy", "knee replacements", "local excision"); the
patient tells it as what was done to what ("they took the womb out", "they had to put in the new
ones" after the knees, "removal of that part" of a skin cancer). ``action_kind(name)`` gives the
kind of action a procedure's name says (remove, replace, look, repair); ``acted_on(name, text,
start, end)`` what the name acts on (its organ, the rest of its name, or the output's words it is
said of); ``told(kind, objects, text, affirmed)`` whether one sentence of the input, not a
question nor a plan, says an action of that kind within a few words of one of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from medfact.errors import ConfigError
from medfact.lexicon.parts import Phrase, fold, root_words, roots_of
from medfact.lexicon.tables import read_tables
from medfact.textutil import STOPWORDS

_TABLE = "procedure_actions.toml"
_KINDS = ("remove", "replace", "look", "repair")
_WINDOW = 10  # the farthest, in words, the thing acted on may be from the action word
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
# a sentence: up to a stop, a question mark or a line end (the mark is read to skip questions)
_SENTENCE = re.compile(r"[^.?!\n]+[.?!]?")
# words before an action that leave it not done: a plan, an option, a condition
_PLANNED = re.compile(
    r"\b(?:will|\w+'ll|going\s+to|gonna|plan\w*|would|could|might|should|options?|"
    r"consider\w*|if|need\s+to|recommend\w*|discuss\w*|talk\w*\s+about|want\s+to)\b",
    re.IGNORECASE,
)
# what an output says a bare procedure word acts on: "excision of the left breast lump"
_OF_PHRASE = re.compile(
    r"\s+of\s+(?:(?:the|a|an|his|her|their|its|this|that)\s+)?([A-Za-z][A-Za-z\s-]{0,60}?)"
    r"(?=\s+(?:and|or|with|for|in|on|at|by|from|due|which|that|secondary)\b|[.,;:()\n]|$)",
    re.IGNORECASE,
)


def _patterns(data: dict[str, object], section: str) -> dict[str, tuple[str, ...]]:
    table = data.get(section)
    if not isinstance(table, dict):
        raise ConfigError(f"lexicon table data/{_TABLE} has no [{section}]")
    out: dict[str, tuple[str, ...]] = {}
    for key, value in table.items():
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(f"lexicon table data/{_TABLE}, [{section}] {key}: a list of strings")
        out[key] = tuple(value)
    return out


@lru_cache(maxsize=1)
def _table() -> tuple[
    dict[str, tuple[str, ...]],
    dict[str, re.Pattern[str]],
    dict[str, tuple[str, ...]],
    frozenset[str],
]:
    """Name endings by kind, the action pattern of each kind, extra organ names, modifiers."""
    data = read_tables(_TABLE)
    terms = _patterns(data, "terms")
    actions = _patterns(data, "actions")
    if set(terms) != set(_KINDS) or set(actions) != set(_KINDS):
        raise ConfigError(f"lexicon table data/{_TABLE}: [terms] and [actions] need {_KINDS}")
    compiled = {
        kind: re.compile(r"\b(?:" + "|".join(actions[kind]) + r")\b", re.IGNORECASE)
        for kind in _KINDS
    }
    modifiers = frozenset(_patterns(data, "modifiers").get("words", ()))
    return terms, compiled, _patterns(data, "objects"), modifiers


def _words(text: str) -> list[str]:
    return [m.group().lower() for m in _WORD.finditer(text)]


def action_kind(name: str) -> str | None:
    """The kind of action a procedure's name says ("hysterectomy": remove; "knee replacement":
    replace; "colonoscopy": look), or None ("catheterization", "x-ray")."""
    for kind in _KINDS:
        if any(_is_term(w, kind) for w in _words(name)):
            return kind
    return None


def _is_term(word: str, kind: str | None = None) -> bool:
    """Whether ``word`` (or its singular) ends as a procedure name of ``kind`` (any kind)."""
    terms = _table()[0]
    kinds = (kind,) if kind else _KINDS
    return any(w.endswith(t) for w in {word, fold(word)} for k in kinds for t in terms[k])


def _content(word: str) -> bool:
    """A word that may name a thing acted on: not a stopword, modifier, verb form or adverb."""
    return (
        len(word) >= 3
        and word not in STOPWORDS
        and word not in _table()[3]
        and not word.endswith(("ed", "ly", "ing"))
        and not _is_term(word)
    )


def acted_on(name: str, text: str, start: int, end: int) -> tuple[tuple[Phrase, ...], bool]:
    """What the procedure named at ``text[start:end]`` acts on, as folded phrases, and whether
    that is the name's own organ (its word parts): a procedure on a named organ is supported by
    an action on that organ only. A bare action word ("excision") takes the words it is said
    of: the phrase after "of", else the two nearest content words before it in its sentence
    ("carcinoma of the cheek, treated by wide excision": carcinoma, cheek)."""
    extra = _table()[2]
    own: list[Phrase] = []
    for word in _words(name):
        own += root_words(word)
        own += [tuple(fold(w) for w in x.split()) for r in roots_of(word) for x in extra.get(r, ())]
    head = max(text.rfind(c, 0, start) for c in ".;\n")
    lead = _words(text[max(head + 1, start - 40) : start])[-3:]  # "right knee" arthroplasty
    rest = [(fold(w),) for w in [*lead, *_words(name)] if _content(w)]
    if own:
        # "knee arthroplasty": the knee of the joints "arthr" names; "abdominal hysterectomy":
        # the womb, "abdominal" being no organ of the name's own
        return tuple(p for p in rest if p in own) or tuple(own), True
    if rest:
        return tuple(rest), False
    if (of := _OF_PHRASE.match(text, end)) is not None:
        said = [(fold(w),) for w in _words(of.group(1)) if _content(w)]
        if said:
            return tuple(said), False
    before = [w for w in _words(text[head + 1 : start]) if _content(w)]
    return tuple((fold(w),) for w in before[-2:]), False


def _at(words: list[tuple[str, int]], phrase: Phrase) -> list[int]:
    n = len(phrase)
    return [
        i for i in range(len(words) - n + 1) if all(words[i + k][0] == phrase[k] for k in range(n))
    ]


def told(
    kind: str,
    objects: tuple[Phrase, ...],
    text: str,
    affirmed: Callable[[int, int], bool],
) -> bool:
    """Whether one sentence of ``text`` (not a question) says an action of ``kind``, not planned
    before it in the sentence and ``affirmed`` there, within a few words of one of ``objects``."""
    if not objects:
        return False
    pattern = _table()[1][kind]
    for sent in _SENTENCE.finditer(text):
        if sent.group().endswith("?"):
            continue
        s0 = sent.start()
        acts = list(pattern.finditer(text, s0, sent.end()))
        if not acts:
            continue
        words = [(fold(m.group()), s0 + m.start()) for m in _WORD.finditer(sent.group())]
        spots = [i for phrase in objects for i in _at(words, phrase)]
        for act in acts:
            if _PLANNED.search(text, s0, act.start()):
                continue
            at = sum(1 for _, pos in words if pos < act.start())
            if any(abs(i - at) <= _WINDOW for i in spots) and affirmed(act.start(), act.end()):
                return True
    return False
