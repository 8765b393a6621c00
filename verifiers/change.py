"""comparison.v1: comparisons and changes over time that the input does not state."""

from __future__ import annotations

from medfact.analysis import AnalyzedText, is_content
from medfact.document import CaseDoc
from medfact.lexicon.terms import CHANGE_WORDS
from medfact.registry import verifiers
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule

_NEEDS_THAN = frozenset({"more", "less", "higher", "lower", "larger", "smaller", "better", "worse"})


def change_mentions(doc: AnalyzedText) -> list[tuple[int, str]]:
    """(token index, direction) for each word that states a change or comparison."""
    found = []
    toks = doc.tokens
    for i, tok in enumerate(toks):
        direction = CHANGE_WORDS.get(tok.text)
        if direction is None:
            continue
        if tok.text in _NEEDS_THAN and tok.text not in ("better", "worse"):
            nxt = toks[i + 1].text if i + 1 < len(toks) else ""
            if nxt != "than":
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

    def opposite(self, topic: frozenset[str], direction: str) -> int | None:
        """Token index of the first input mention of another change (not "same") that shares
        a stem with ``topic``, or None."""
        best: int | None = None
        for stem in topic:
            for d, j in self.first.get(stem, {}).items():
                if d != "same" and d != direction and (best is None or j < best):
                    best = j
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
                other = ctx.tokens[opposite]
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.FALSE_COMPARISON,
                        self.opposite_risk,
                        (tok.start, tok.end),
                        f"'{tok.text}' states a change the input gives the other way "
                        f"('{other.text}')",
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
