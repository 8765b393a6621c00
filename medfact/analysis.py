"""One pass over a text that every rule reads: tokens, stems, polarity, quantities, sides, drugs.

The output and the context of a case are analysed the same way, once, so rules only compare.
Polarity follows ConText: a trigger ("denies", "no", "without") negates the words after it up to a
terminator or the sentence end; in dialogue, a question answered "No" negates what it asked.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from medfact.lexicon import terms
from medfact.lexicon.drugs import DrugMention, default_lexicon
from medfact.registry import analyzers
from medfact.textutil import STOPWORDS, stem
from medfact.types import Sentence

_TOKEN = re.compile(r"[A-Za-z]+(?:[-'][A-Za-z]+)*|\d+(?:[.,]\d+)*(?:/\d+(?:\.\d+)?)?|%|°[FC]")
_SPEAKER = re.compile(r"^\s*(?:\[(\w+)\]|(\w+)\s*:)")
_SCOPE_WINDOW = 12  # long enough for "denies fever, chills, nausea, vomiting or diarrhea"
_BARE_ANSWER = re.compile(r"(yes|yeah|yep|yup|no|nope|nah)\b\s*[,.!;]")

AFFIRMED, NEGATED, UNCERTAIN, ASKED = "affirmed", "negated", "uncertain", "asked"


@dataclass(slots=True)
class Token:
    text: str  # lower-cased surface
    start: int
    end: int
    sentence: int
    stem: str
    polarity: str = AFFIRMED
    trigger: int | None = None  # start offset of the word that set a non-affirmed polarity

    @property
    def is_number(self) -> bool:
        return self.text[0].isdigit()


@dataclass(slots=True)
class Quantity:
    value: float
    unit_class: str | None
    unit: str | None
    start: int
    end: int
    sentence: int
    token_index: int
    second: float | None = None  # 120/80 -> 80

    def base_value(self) -> float:
        return self.value * terms.UNIT_FACTORS.get(self.unit or "", 1.0)


@dataclass(slots=True)
class SideMention:
    side: str
    anatomy: str
    start: int  # span of "left knee"
    end: int
    sentence: int


@dataclass(slots=True)
class ScaleWord:
    scale: str  # certainty / severity / frequency
    value: int
    word: str
    start: int
    end: int
    sentence: int
    token_index: int


@dataclass
class AnalyzedText:
    text: str
    sentences: list[Sentence]
    tokens: list[Token] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    sides: list[SideMention] = field(default_factory=list)
    scale_words: list[ScaleWord] = field(default_factory=list)
    drugs: list[DrugMention] = field(default_factory=list)
    is_dialogue: bool = False

    @cached_property
    def stem_polarities(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for tok in self.tokens:
            out.setdefault(tok.stem, set()).add(tok.polarity)
        return out

    @cached_property
    def stems(self) -> frozenset[str]:
        """Concept keys of every token, plus acronyms spelled out letter by letter."""
        return frozenset(t.stem for t in self.tokens) | self._acronyms()

    def _acronyms(self) -> set[str]:
        """Spelled-out letters of a dialogue ("P T", "M R I") read as the acronym they spell."""
        found, run = set(), []
        for tok in [*self.tokens, None]:
            if tok is not None and len(tok.text) == 1 and tok.text.isalpha():
                run.append(tok.text)
                continue
            if len(run) >= 2:
                found.add(concept_key("".join(run)))
            run = []
        return found

    @cached_property
    def drug_names(self) -> frozenset[str]:
        return frozenset(d.canonical for d in self.drugs)

    @cached_property
    def _starts(self) -> list[int]:
        return [t.start for t in self.tokens]

    @cached_property
    def _sentence_ranges(self) -> dict[int, tuple[int, int]]:
        ranges: dict[int, tuple[int, int]] = {}
        for i, tok in enumerate(self.tokens):
            first, _ = ranges.get(tok.sentence, (i, i))
            ranges[tok.sentence] = (first, i + 1)
        return ranges

    def tokens_in(self, start: int, end: int) -> list[Token]:
        """Tokens inside [start, end), by binary search (texts can be long)."""
        lo = bisect.bisect_left(self._starts, start)
        hi = bisect.bisect_left(self._starts, end)
        return [t for t in self.tokens[lo:hi] if t.end <= end]

    def sentence_tokens(self, index: int) -> list[Token]:
        first, last = self._sentence_ranges.get(index, (0, 0))
        return self.tokens[first:last]


def concept_key(word: str) -> str:
    """Stem with lay/clinical synonyms folded to one key ("htn" and "hypertension" agree);
    "non-smoker" keys as "smoker" (its negation is the polarity's business)."""
    if word.startswith("non-") and len(word) > 4:
        word = word[4:]
    return _SYNONYM_KEY.get(word, stem(word))


def group_key(group: tuple[str, ...]) -> str:
    return stem(group[0].split()[0])


_SYNONYM_KEY: dict[str, str] = {}
for _group in terms.SYNONYM_GROUPS:
    for _w in _group:
        if " " not in _w:
            _SYNONYM_KEY.setdefault(_w, group_key(_group))
for _surface, (_cls, _canonical) in terms.UNITS.items():
    if " " not in _surface and len(_surface) > 1:
        _SYNONYM_KEY.setdefault(_surface, _canonical)


_PHRASES = [
    (member.split(), group_key(group))
    for group in terms.SYNONYM_GROUPS
    for member in group
    if " " in member
]


_PHRASE_KEYS = {" ".join(phrase): key for phrase, key in _PHRASES}


def _fold_phrases(toks: list[Token]) -> None:
    """Give every word of a multi-word synonym its group's key ("high blood pressure" -> htn)."""
    words = [t.text for t in toks]
    for start, end in _match_phrases(words, tuple(_PHRASE_KEYS)):
        key = _PHRASE_KEYS[" ".join(words[start:end])]
        for tok in toks[start:end]:
            tok.stem = key


@lru_cache(maxsize=64)
def _phrase_index(phrases: tuple[str, ...]) -> dict[str, list[list[str]]]:
    """Phrases grouped by their first word, so matching costs one lookup per token."""
    index: dict[str, list[list[str]]] = {}
    for phrase in phrases:
        words = phrase.split()
        index.setdefault(words[0], []).append(words)
    return index


def _match_phrases(words: list[str], phrases: tuple[str, ...]) -> list[tuple[int, int]]:
    """Token index ranges where any phrase (space-separated words) occurs."""
    index = _phrase_index(phrases)
    found = []
    for i, word in enumerate(words):
        for p in index.get(word, ()):
            if words[i : i + len(p)] == p:
                found.append((i, i + len(p)))
    return found


def _parse_number(word: str) -> float | None:
    if word in terms.NUMBER_WORDS:
        return float(terms.NUMBER_WORDS[word])
    try:
        return float(word.replace(",", ""))
    except ValueError:
        return None


_MULTIPLIERS = {"hundred": 100, "thousand": 1000}
_NOT_COMPOUND = frozenset({"once", "twice", "half", "couple", "single", "double", "dozen"})


def _continues_number(toks: list[Token], i: int) -> bool:
    nxt = toks[i + 1].text if i + 1 < len(toks) else ""
    after = toks[i + 2].text if i + 2 < len(toks) else ""
    if toks[i].text in _NOT_COMPOUND:
        return False
    return (nxt in terms.NUMBER_WORDS and nxt not in _NOT_COMPOUND) or (
        nxt == "and" and toks[i].text in _MULTIPLIERS and after in terms.NUMBER_WORDS
    )


def _compound_number(toks: list[Token], last: int) -> tuple[float, int]:
    """Value and first token index of the number words ending at ``toks[last]``.

    "two thousand and two" -> 2002; "and" joins only after hundred/thousand ("five and ten" is
    two numbers); once/twice/half/... never join a compound.
    """
    words = [toks[last].text]
    j = last - 1
    if toks[last].text not in _NOT_COMPOUND:
        while j >= 0:
            word = toks[j].text
            joins = word == "and" and j > 0 and toks[j - 1].text in _MULTIPLIERS
            counts = word in terms.NUMBER_WORDS and word not in _NOT_COMPOUND
            if joins or counts:
                words.append(word)
            else:
                break
            j -= 1
    total, current = 0.0, 0.0
    for word in reversed(words):
        if word == "and":
            continue
        value = terms.NUMBER_WORDS[word]
        if word in _MULTIPLIERS:
            current = max(current, 1) * value
            if value >= 1000:
                total, current = total + current, 0.0
        else:
            current += value
    return total + current, j + 1


@analyzers.register("clinical.v1")
class Analyzer:
    """Turns text plus its sentences into an AnalyzedText. Stateless apart from lexicons."""

    def __init__(self, drugs: bool = True) -> None:
        self.use_drugs = drugs

    def __call__(self, text: str, sentences: list[Sentence]) -> AnalyzedText:
        doc = AnalyzedText(text=text, sentences=sentences)
        speakers = []
        for sent in sentences:
            first = len(doc.tokens)
            for m in _TOKEN.finditer(sent.text):
                word = m.group().lower()
                doc.tokens.append(
                    Token(
                        word,
                        sent.span[0] + m.start(),
                        sent.span[0] + m.end(),
                        sent.index,
                        concept_key(word),
                    )
                )
            sent_tokens = doc.tokens[first:]
            _fold_phrases(sent_tokens)
            self._polarity(sent_tokens)
            self._quantities(doc, sent_tokens, first)
            self._sides(doc, sent_tokens)
            self._scales(doc, sent_tokens, first)
            match = _SPEAKER.match(sent.text)
            speakers.append((match.group(1) or match.group(2)).lower() if match else None)
        doc.is_dialogue = sum(s is not None for s in speakers) >= 2
        if doc.is_dialogue:
            self._dialogue_polarity(doc, speakers)
        if self.use_drugs:
            doc.drugs = default_lexicon().find(text)
        return doc

    @staticmethod
    def _polarity(toks: list[Token]) -> None:
        words = [t.text for t in toks]
        terminators = {i for a, _ in _match_phrases(words, terms.SCOPE_TERMINATORS) for i in [a]}
        terminators |= {i for i, w in enumerate(words) if w in {";"}}
        prefixed = [(i, i) for i, w in enumerate(words) if w.startswith("non-")]
        for kind, triggers in ((NEGATED, terms.NEGATION_PRE), (UNCERTAIN, terms.UNCERTAINTY_PRE)):
            extra = prefixed if kind == NEGATED else []
            for start, end in _match_phrases(words, triggers) + extra:
                for j in range(end, min(end + _SCOPE_WINDOW, len(toks))):
                    if j in terminators:
                        break
                    if toks[j].polarity == AFFIRMED or kind == NEGATED:
                        toks[j].polarity = kind
                        toks[j].trigger = toks[start].start
        for start, end in _match_phrases(words, terms.NEGATION_POST):
            for j in range(start - 1, max(-1, start - 6), -1):
                if j in terminators:
                    break
                toks[j].polarity = NEGATED
                toks[j].trigger = toks[end - 1].start

    @staticmethod
    def _dialogue_polarity(doc: AnalyzedText, speakers: list[str | None]) -> None:
        """A question's words take the polarity of the answer in the next speaker's turn."""
        sents = doc.sentences
        by_sentence: dict[int, list[Token]] = {}
        for tok in doc.tokens:
            by_sentence.setdefault(tok.sentence, []).append(tok)
        current = None
        for i, sent in enumerate(sents):
            current = speakers[i] or current
            if not sent.text.rstrip().endswith("?"):
                # A turn that ends without "?" but draws a one-word "no" was a question too
                # ("[doctor] blood in your stool . [patient] no ."): its words are denied.
                if i + 1 < len(sents) and speakers[i + 1] not in (None, current):
                    reply = _SPEAKER.sub("", sents[i + 1].text).strip().lower()
                    if len(reply.split()) <= 3 and _is_bare_no(reply):
                        # what was said just before the reply (ACI turns can be one long line)
                        for tok in by_sentence.get(sent.index, [])[-_SCOPE_WINDOW:]:
                            tok.polarity = NEGATED
                continue
            answer = None
            for j in range(i + 1, min(i + 4, len(sents))):
                if speakers[j] is not None and speakers[j] != current:
                    answer = _SPEAKER.sub("", sents[j].text).strip().lower()
                    break
                if speakers[j] is None and not sents[j].text.rstrip().endswith("?"):
                    break
            polarity = ASKED
            # Only a bare yes/no answers the question; a longer answer speaks for itself.
            if answer is not None and (len(answer.split()) <= 5 or _BARE_ANSWER.match(answer)):
                if _is_bare_no(answer):
                    polarity = NEGATED
                elif any(re.match(rf"{a}\b", answer) for a in terms.POSITIVE_ANSWERS):
                    polarity = AFFIRMED
            alternative = " or " in sent.text.lower() and polarity != NEGATED
            for tok in by_sentence.get(sent.index, []):
                if tok.polarity == NEGATED:
                    # "No nausea?" "No." confirms the denial; "Yes" leaves it unclear.
                    tok.polarity = NEGATED if polarity == NEGATED else ASKED
                else:
                    tok.polarity = ASKED if alternative else polarity

    @staticmethod
    def _quantities(doc: AnalyzedText, toks: list[Token], offset: int) -> None:
        for i, tok in enumerate(toks):
            word = tok.text
            if not (tok.is_number or word in terms.NUMBER_WORDS):
                continue
            second = None
            if tok.is_number and "/" in word:
                head, _, tail = word.partition("/")
                value, second = _parse_number(head), _parse_number(tail)
            else:
                value = _parse_number(word)
            if value is None:
                continue
            if not tok.is_number and _continues_number(toks, i):
                continue  # "twenty" of "twenty six": the compound is read at its last word
            first = i
            if not tok.is_number:
                value, first = _compound_number(toks, i)
            unit_class = unit = None
            end = tok.end
            if i + 1 < len(toks):
                nxt = toks[i + 1].text
                pair = nxt + (" " + toks[i + 2].text if i + 2 < len(toks) else "")
                for cand in (pair, nxt):
                    if cand in terms.UNITS:
                        unit_class, unit = terms.UNITS[cand]
                        end = toks[i + 1 + cand.count(" ")].end
                        break
                if nxt in ("year", "years") and i + 2 < len(toks) and toks[i + 2].text == "old":
                    unit_class, unit, end = "age", "yr", toks[i + 2].end
            if second is not None and unit_class is None:
                unit_class = "ratio"
            doc.quantities.append(
                Quantity(
                    value,
                    unit_class,
                    unit,
                    toks[first].start,
                    end,
                    tok.sentence,
                    offset + i,
                    second,
                )
            )

    @staticmethod
    def _sides(doc: AnalyzedText, toks: list[Token]) -> None:
        for i, tok in enumerate(toks):
            side = terms.LATERALITY.get(tok.text)
            if side is None or (len(tok.text) <= 2 and not doc.text[tok.start].isupper()):
                continue
            for j in range(i + 1, min(i + 4, len(toks))):
                word = toks[j].text
                if word in terms.ANATOMY or word.rstrip("s") in terms.ANATOMY:
                    doc.sides.append(
                        SideMention(side, word.rstrip("s"), tok.start, toks[j].end, tok.sentence)
                    )
                    break

    @staticmethod
    def _scales(doc: AnalyzedText, toks: list[Token], offset: int) -> None:
        for i, tok in enumerate(toks):
            for scale, table in terms.SCALES.items():
                value = table.get(tok.text)
                if value is not None:
                    doc.scale_words.append(
                        ScaleWord(
                            scale, value, tok.text, tok.start, tok.end, tok.sentence, offset + i
                        )
                    )


def _is_bare_no(answer: str) -> bool:
    """A short reply (or one that opens with a bare yes/no) that says no."""
    short = len(answer.split()) <= 5 or _BARE_ANSWER.match(answer)
    return bool(short) and any(re.match(rf"{a}\b", answer) for a in terms.NEGATIVE_ANSWERS)


def is_content(tok: Token) -> bool:
    """A word that carries checkable content: not a stopword, generic word or number."""
    return (
        len(tok.text) > 2
        and not tok.is_number
        and tok.text not in STOPWORDS
        and tok.text not in terms.GENERIC_WORDS
        and tok.text not in terms.NUMBER_WORDS
        and tok.text not in terms.DEMOGRAPHIC_WORDS
    )


_CLINICAL_SUFFIX = re.compile(
    r"(itis|osis|emia|oma|omas|ectomy|otomy|ostomy|plasty|scopy|graphy|gram|pathy|algia|uria|"
    r"penia|megaly|plegia|paresis|trophy|rrhea|rrhage|cardia|pnea|lysis|cyte|cytes|ology|ologist)$"
)


def is_clinical(tok: Token) -> bool:
    """A word that names a diagnosis, finding, test, body part or treatment."""
    word = tok.text
    return (
        word in terms.CLINICAL_WORDS
        or word in terms.ANATOMY
        or word.rstrip("s") in terms.ANATOMY
        or word in _SYNONYM_KEY
        or (len(word) > 5 and _CLINICAL_SUFFIX.search(word) is not None)
        or default_lexicon().variants.get(word) is not None
    )
