"""comparison.v1: comparisons and changes over time that the input does not state."""

from __future__ import annotations

from medfact.analysis import AnalyzedText, is_content
from medfact.document import CaseDoc
from medfact.lexicon.terms import CHANGE_WORDS
from medfact.registry import verifiers
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule

# Words that name a change over time by themselves ("worsening", "has improved").
_CHANGE_STEMS = (
    "worsen",
    "improv",
    "progress",
    "deteriorat",
    "resolv",
    "subsid",
    "escalat",
    "unchang",
)
# Comparatives and state words: a change only with a comparison marker or a "has become" verb
# ("elevated blood pressure", "decreased breath sounds", "stable angina" are states).
_COMPARATIVES = frozenset({"better", "worse"})
_MARKERS = frozenset(
    {
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
        "recently",
        "lately",
        "today",
        "further",
    }
)
_BECOME = frozenset(
    {
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
    }
)
# After a comparative or a present-tense verb, these open a trigger or a relieving factor:
# "worse with overhead reaching", "better after rest", "improves on lying down".
_TRIGGER_WORDS = frozenset(
    {
        "with",
        "when",
        "on",
        "by",
        "during",
        "while",
        "upon",
        "if",
        "whenever",
        "after",
        "before",
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
    }
)
_HABITUAL = frozenset(
    {
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
    }
)
_CLAUSE_END = frozenset(",;:")


def _clause(doc: AnalyzedText, i: int, width: int, step: int) -> list[str]:
    """Up to ``width`` words from token ``i`` (exclusive) in direction ``step``, same sentence,
    stopping at a comma, semicolon or colon."""
    toks, out = doc.tokens, []
    j = i
    while len(out) < width:
        k = j + step
        if not 0 <= k < len(toks) or toks[k].sentence != toks[i].sentence:
            break
        lo, hi = (toks[j].end, toks[k].start) if step > 0 else (toks[k].end, toks[j].start)
        if any(ch in _CLAUSE_END for ch in doc.text[lo:hi]):
            break
        out.append(toks[k].text)
        j = k
    return out


def is_trigger(doc: AnalyzedText, i: int) -> bool:
    """Whether the change word at token ``i`` names what makes something better or worse
    ("worse with walking", "better after rest", "relieved by rest"), not a change over time."""
    word = doc.tokens[i].text
    after = _clause(doc, i, 6, 1)
    if word not in _HABITUAL or not after or after[0] not in _TRIGGER_WORDS:
        return False
    return not (_MARKERS & set(after))


def change_mentions(doc: AnalyzedText) -> list[tuple[int, str]]:
    """(token index, direction) for each word that states a change over time or a comparison;
    triggers ("worse with walking") and states ("elevated", "decreased breath sounds") are not."""
    found = []
    for i, tok in enumerate(doc.tokens):
        direction = CHANGE_WORDS.get(tok.text)
        if direction is None or is_trigger(doc, i):
            continue
        strong = tok.text in _COMPARATIVES or tok.text.startswith(_CHANGE_STEMS)
        if not strong:
            near = set(_clause(doc, i, 5, 1)) | set(_clause(doc, i, 3, -1))
            if not (near & _MARKERS or set(_clause(doc, i, 2, -1)) & _BECOME):
                continue
        found.append((i, direction))
    return found


def _topic(doc: AnalyzedText, sentence: int, width: int) -> set[str]:
    """Content stems of a sentence and its ``width`` neighbours on each side."""
    return _Topics(doc).around(sentence, width)


class _Topics:
    """Content stems per sentence of ``doc``, each sentence read once (texts can be long)."""

    def __init__(self, doc: AnalyzedText) -> None:
        self.doc = doc
        self._by_sentence: dict[int, frozenset[str]] = {}

    def of(self, sentence: int) -> frozenset[str]:
        stems = self._by_sentence.get(sentence)
        if stems is None:
            toks = self.doc.sentence_tokens(sentence)
            stems = frozenset(t.stem for t in toks if is_content(t))
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
        # the first mention per sentence and direction: later ones in the same sentence share
        # its topic, so they can never come first (a sentence is read once however many)
        by_sentence: dict[int, dict[str, int]] = {}
        for j, direction in change_mentions(ctx):
            if ctx.tokens[j].polarity == "negated":
                direction = "same"  # "not better or worse"
            by_sentence.setdefault(ctx.tokens[j].sentence, {}).setdefault(direction, j)
        topics = _Topics(ctx)
        self.first: dict[str, dict[str, int]] = {}
        for sentence, firsts in by_sentence.items():
            for stem in topics.around(sentence, 1):
                known = self.first.setdefault(stem, {})
                for direction, j in firsts.items():
                    if j < known.get(direction, j + 1):
                        known[direction] = j

    def agrees(self, topic: frozenset[str], direction: str) -> bool:
        """Some input mention in ``direction`` shares a stem with ``topic``."""
        return any(direction in self.first.get(stem, ()) for stem in topic)

    def opposite(self, topic: frozenset[str], direction: str) -> tuple[int, str] | None:
        """Token index of the first input mention of another change (or of no change) that
        shares a stem with ``topic``, or None."""
        best: tuple[int, str] | None = None
        for stem in topic:
            for d, j in self.first.get(stem, {}).items():
                if d != direction and (best is None or j < best[0]):
                    best = (j, d)
        return best


@verifiers.register("comparison.v1")
class ComparisonRule(Rule):
    name = "comparison.v1"

    def __init__(self, unsupported_risk: int = 3, opposite_risk: int = 3) -> None:
        self.unsupported_risk = unsupported_risk
        self.opposite_risk = opposite_risk

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None
        index = _ChangeIndex(ctx)
        topics = _Topics(out)
        findings = []
        for i, direction in change_mentions(out):
            tok = out.tokens[i]
            if tok.polarity == "negated":
                continue
            topic = topics.of(tok.sentence)
            if index.agrees(topic, direction):
                continue
            opposite = index.opposite(topic, direction)
            if opposite is not None:
                other = ctx.tokens[opposite[0]]
                said = "says it did not change" if opposite[1] == "same" else "gives the other way"
                if other.polarity == "negated":
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
            else:
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.FALSE_COMPARISON,
                        2 if direction == "same" else self.unsupported_risk,
                        (tok.start, tok.end),
                        f"'{tok.text}' states a change or comparison the input does not make",
                        confidence=0.6,
                    )
                )
        return findings
