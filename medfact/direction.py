"""Effect direction: what a text says an exposure did to an outcome, as a small structured fact.

Research text states effects in a few shapes: "X significantly reduced mortality compared with
placebo", "mortality was lower in the X group than in controls", "no significant difference in
mortality", "did not reduce mortality", "failed to improve survival", "was associated with".
Each is read as an :class:`Effect`: its direction (``up``, ``down``, ``better``, ``worse``, one
of them denied such as ``not-down`` for "did not reduce", ``none`` or ``assoc``), the outcome
words it is about, the words of its clause, and the two sides of a comparison where one is
named (``subject`` before the cue, ``against`` after "than", "compared with", "versus").

The reading reuses the analysis every rule reads (tokens, stems, the negation scope of
:mod:`medfact.analysis`); this module only adds the direction words and the shapes above. Two
effects are compared (:func:`comparable`, :func:`agree`) only where the claim's outcome words
are in the other's clause; up against down, or better against worse, only where the comparison
runs the same way round (or flipped when the groups are named the other way round); an effect
against "no difference" whatever the order. Direction words of two axes (amount and valence:
"reduced mortality" and "improved survival") are never compared with each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from medfact.analysis import (
    HYPOTHETICAL,
    NEGATED,
    UNCERTAIN,
    AnalyzedText,
    Token,
    is_content,
    once_per_text,
)
from medfact.lexicon.tables import word_groups, word_tuple
from medfact.textutil import stem

# --- word tables (written for medfact) ------------------------------------------------------------

# (state words such as "elevated", "unchanged" and "stable" are left out: a note says "blood
# pressure elevated" of a reading, not of a change)
_UP = (
    "increase increased increases increasing higher greater more rise rises rose risen enhanced "
    "augmented doubled tripled larger longer prolonged boosted"
)
_DOWN = (
    "decrease decreased decreases decreasing reduce reduced reduces reducing reduction reductions "
    "lower lowered lowers lowering less fewer decline declined declines drop dropped fell fall "
    "diminished attenuated shortened smaller shorter lessened prevented prevents prevent lesser"
)
_BETTER = "improve improved improves improving improvement improvements better"
_WORSE = "worse worsened worsening worsens deteriorated deterioration deteriorating"

DIRECTION_WORDS: dict[str, str] = {
    **dict.fromkeys(_UP.split(), "up"),
    **dict.fromkeys(_DOWN.split(), "down"),
    **dict.fromkeys(_BETTER.split(), "better"),
    **dict.fromkeys(_WORSE.split(), "worse"),
}
# judgements of a comparison, read as cues only after a copula or before "to" ("survival was
# superior in the X arm", "inferior to placebo"): elsewhere they name anatomy ("inferior wall")
_JUDGED = {
    "superior": "better",
    "inferior": "worse",
    # a non-inferiority finding: not worse, perhaps no different ("noninferior to warfarin")
    "noninferior": "not-worse",
    "non-inferior": "not-worse",
}
_COPULAS = frozenset(["was", "were", "is", "are", "be", "been", "proved", "remained", "appeared"])
AXIS = {"up": "amount", "down": "amount", "better": "valence", "worse": "valence"}
OPPOSITE = {"up": "down", "down": "up", "better": "worse", "worse": "better"}
DIRECTIONS = frozenset(AXIS)

# comparatives that bound a number ("less than 5 mg", "more than 2 weeks"), not an effect
_COMPARATIVES = frozenset(
    [
        "higher",
        "greater",
        "more",
        "larger",
        "longer",
        "lower",
        "less",
        "lesser",
        "fewer",
        "smaller",
        "shorter",
        "better",
        "worse",
    ]
)
# nouns of change, after which "in" or "of" leads to the outcome ("a reduction in mortality")
_CHANGE_NOUNS = frozenset(
    [
        "increase",
        "increases",
        "rise",
        "reduction",
        "reductions",
        "decrease",
        "decline",
        "drop",
        "improvement",
        "improvements",
        "deterioration",
        "difference",
        "differences",
        "change",
        "changes",
        "effect",
        "association",
    ]
)

# "no difference" and its kin: the effect is none
_NONE = re.compile(
    r"\b(?:(?:no|not|nor|without)\s+(?:a\s+|any\s+|the\s+)?(?:statistically\s+)?"
    r"(?:significant(?:ly)?|significance)(?:\s+(?:differences?|changes?|effects?|"
    r"associations?|impact|benefit|improvements?|increases?|decreases?|reductions?))?|"
    r"(?:no|not\s+any)\s+(?:differences?|associations?|effects?|impact|benefit)|"
    r"(?:did|does|do)\s+not\s+(?:significantly\s+)?(?:differ|change|affect|alter|influence)|"
    r"not\s+(?:significantly\s+)?(?:differ\w*|associated|related|correlated)|"
    r"non-?significant(?:ly)?|(?:did|does)\s+not\s+reach\s+(?:statistical\s+)?significance|(?:was|were|remained|are|is)\s+(?:statistically\s+)?"
    r"(?:similar|comparable)|similar\s+(?:in|between|across|among)\b|"
    r"comparable\s+(?:in|between|across|among)\b)",
    re.IGNORECASE,
)
# words before a direction word that deny it ("failed to reduce", "no evidence that ... reduces")
_DENIED_BEFORE = re.compile(
    r"\b(?:failed\s+to|fail\s+to|fails\s+to|unable\s+to|did\s+not|does\s+not|do\s+not|"
    r"was\s+not|were\s+not|not|no|nor|neither|never|without|cannot|could\s+not)\s+"
    r"(?:(?:statistically\s+|significantly\s+|further\s+|substantially\s+|appear\s+to\s+|"
    r"seem\s+to\s+)*)$",
    re.IGNORECASE,
)
# a tendency, not a finding: neither an effect nor its absence
_TREND_BEFORE = re.compile(
    r"\b(?:trend\w*|tend\w*)\s+(?:\w+\s+)?(?:to|toward|towards)\s+(?:a\s+|an\s+|be\s+)?$",
    re.IGNORECASE,
)
# an effect without a direction ("a significant difference", "differed significantly")
_SOME_EFFECT = re.compile(
    r"\b(?:(?:statistically\s+)?significant(?:ly)?\s+(?:differences?|different|association|"
    r"associated|correlated|effects?|impact|interaction)|differ(?:ed|s)?\s+significantly|"
    r"(?:was|were)\s+(?:statistically\s+)?significant\b(?!\s+(?:difference|change|effect)))",
    re.IGNORECASE,
)
_NOT_BEFORE = re.compile(r"\b(?:no|not|nor|without|neither|any)\s+(?:\w+\s+)?$", re.IGNORECASE)
_ASSOCIATED = re.compile(r"\b(?:associated|correlated|linked)\s+with\b", re.IGNORECASE)
_P_VALUE = re.compile(r"\bp\s*(?P<op>[=<>≤≥]|&lt;|&gt;)\s*(?P<value>0?\.\d+|\d(?:\.\d+)?)", re.I)
# "NS" or "N.S.", and a table's lower-case "ns" after a figure ("15.2 ns", "(ns)")
_NS = re.compile(r"\bN\.?S\.?\b|(?:(?<=\d\s)|(?<=\())ns\b")
# a confidence interval: "95% CI 0.35 to 0.75", "(95% CI [-15% to +13%])", "95% CI 9·8-15·4"
_NUMBER = r"[-−–+]?\s?\d+(?:[.·]\d+)?"
_CI = re.compile(
    r"\b(?:C\.?I\.?|confidence\s+intervals?)\b[^\d\-−–+.;]{0,12}?"
    rf"(?P<lo>{_NUMBER})\s*(?P<pct>%?)\s*(?:to|-|–|—|,)\s*(?P<hi>{_NUMBER})",
    re.IGNORECASE,
)
# a ratio measure named before an interval: its null value is 1, not 0
_RATIO = re.compile(
    r"\b(?:a?(?:OR|RR|HR)|IRR)\b|(?i:\b(?:odds|hazards?|risk|rate)\s+ratios?\b|"
    r"\brelative\s+risks?\b|\((?:hr|rr|or)\))"
)
# a clause ends at these (the other half of "X fell, but Y rose")
_BREAK = re.compile(r"[;]|\b(?:but|whereas|while|although|however|though|except)\b", re.IGNORECASE)
_AGAINST = re.compile(
    r"\b(?:than|compared\s+(?:with|to)|versus|vs\.?|relative\s+to|in\s+comparison\s+(?:with|to))"
    r"\s+",
    re.IGNORECASE,
)
# an outcome phrase ends at these words (what follows names groups or a comparison)
_OUTCOME_STOP = frozenset(
    [
        "than",
        "compared",
        "versus",
        "vs",
        "between",
        "among",
        "in",
        "with",
        "relative",
        "when",
        "after",
        "during",
        "from",
        "by",
        "at",
        "who",
        "which",
        "that",
        "whereas",
        "while",
    ]
)
# words of every effect statement, no outcome of their own
_GENERIC = frozenset(
    [
        "group",
        "groups",
        "patient",
        "patients",
        "subject",
        "subjects",
        "participant",
        "participants",
        "arm",
        "arms",
        "significant",
        "significantly",
        "statistically",
        "difference",
        "differences",
        "compared",
        "comparison",
        "versus",
        "value",
        "values",
        "level",
        "levels",
        "rate",
        "rates",
        "score",
        "scores",
        "both",
        "each",
        "those",
        "treated",
        "receiving",
        "received",
        "study",
        "trial",
        "effect",
        "effects",
        "change",
        "changes",
        # measures of how often: "the risk of X", "the incidence of X" is about X
        "risk",
        "risks",
        "odds",
        "likelihood",
        "chance",
        "incidence",
        "proportion",
        "number",
    ]
)
_REACH = 8  # content words of an outcome or comparison side
_NONE_OBJECT = 24  # characters after a "no effect" phrase where a direction word is its object
_WITHIN = frozenset({"both", "each", "either"})


@dataclass(frozen=True, slots=True)
class Effect:
    """One effect statement: direction, the cue's span (and the span with its outcome), the
    outcome words, the words of its clause, and the sides of its comparison."""

    value: str
    start: int
    end: int
    outcome: frozenset[str]
    clause: frozenset[str]
    subject: frozenset[str]
    against: frozenset[str]
    phrase_end: int  # end of the cue with its outcome words (the span a finding shows)
    short: frozenset[str] = frozenset()  # short forms among the outcome words ("CES-D", "MVPA")
    # for "no difference between the groups" without an outcome of its own: the words of the
    # sentence before, which names what was measured
    before: frozenset[str] = frozenset()
    corpus: bool = False  # read from a corpus passage: another study, perhaps of another exposure


def _stems(tokens: list[Token]) -> frozenset[str]:
    return frozenset(
        _SAME.get(t.stem, t.stem) for t in tokens if is_content(t) and t.stem not in _GENERIC_STEMS
    )


# stems of words naming one outcome, folded to the first of their group (outcomes.toml "same")
_SAME = {
    stem(w): stem(group[0]) for group in word_groups("outcomes.toml", "same") for w in group[1:]
}


_GENERIC_STEMS = frozenset(stem(w) for w in _GENERIC) | _GENERIC


def _clauses(doc: AnalyzedText, sentence: int) -> list[tuple[int, int]]:
    """Character bounds of the clauses of one sentence (split at ";" and contrast words)."""
    lo, hi = doc.sentences[sentence].span
    cuts = [lo]
    for m in _BREAK.finditer(doc.text, lo, hi):
        if m.group() == ";" and _in_brackets(doc.text, lo, m.start(), "[("):
            continue  # "(-1%; 95% CI -15% to 13%)": figures of one result
        cuts.append(m.start())
    cuts.append(hi)
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def _words_until(toks: list[Token], stop_at: set[int]) -> list[Token]:
    """Tokens up to the first one that ends an outcome phrase (or is another cue)."""
    out = []
    for i, t in enumerate(toks):
        if t.start in stop_at or (t.text in _OUTCOME_STOP and not _relative_adjective(toks, i)):
            break
        out.append(t)
    return out


def _relative_adjective(toks: list[Token], i: int) -> bool:
    """Whether "relative" is an adjective of the outcome ("absolute and relative peak power"),
    not the comparison "relative to" (tokens in either order: the next in the text is the one
    after "relative" when reading forward)."""
    if toks[i].text != "relative":
        return False
    later = [t for t in toks if t.start > toks[i].start]
    nxt = min(later, key=lambda t: t.start) if later else None
    if nxt is not None and (nxt.text in DIRECTION_WORDS or nxt.text in _CHANGE_NOUNS):
        return False  # "a larger relative increase": the measure of the change, no outcome
    return nxt is not None and nxt.text != "to"


def _gap_breaks(doc: AnalyzedText, a: Token, b: Token) -> bool:
    """Whether the characters between two tokens end a phrase: a comma, colon or square
    bracket, or a round bracket that opens figures ("(p = 0.02", "(12%"), not a name's short
    form ("mortality (MVPA)")."""
    gap = doc.text[a.end : b.start]
    if re.search(r"[,:;\[\]]", gap):
        return True
    return "(" in gap and (b.is_number or b.text in ("p", "n", "or", "ci", "rr", "hr"))


def read_effects(doc: AnalyzedText, skip: frozenset[int] = frozenset()) -> list[Effect]:
    """The effect statements of an analysed text, in order; sentences in ``skip`` (those that
    set out to study something, say) and questions are not read."""
    out: list[Effect] = []
    if not doc.tokens:
        return out
    text = doc.text
    last: frozenset[str] = frozenset()  # the content words of the sentence before
    for s in doc.sentences:
        sentence = text[s.span[0] : s.span[1]]
        toks_all = doc.sentence_tokens(s.index)
        here, last = last, _stems(toks_all)
        if s.index in skip or sentence.rstrip().endswith("?") or _OPEN.search(sentence):
            continue  # a question or an open one ("whether ...") states nothing
        first = len(out)
        previous: list[Effect] = []
        for lo, hi in _clauses(doc, s.index):
            toks = [t for t in toks_all if lo <= t.start < hi]
            found = _clause_effects(doc, toks, lo, hi) if toks else []
            if previous and _DISMISSES.match(text, lo):
                # "fewer calories, although this was not significant (p = 0.24)"
                previous[:] = [
                    _replace_value(e, "none") if e.value in DIRECTIONS else e for e in previous
                ]
                found = [e for e in found if e.outcome or e.value != "none"]
            out.extend(previous)
            previous = found
        out.extend(previous)
        out[first:] = [
            replace(e, before=here) if not e.outcome and e.value in ("none", "assoc") else e
            for e in out[first:]
        ]
    return out


def _replace_value(effect: Effect, value: str) -> Effect:
    return replace(effect, value=value)


_OPEN = re.compile(r"\b(?:whether|unclear|unknown|remains?\s+to\s+be)\b", re.IGNORECASE)
# a clause that takes back the significance of the one before it
_DISMISSES = re.compile(
    r"(?:but|although|though|however|while|whereas)\b[^.;]{0,40}?\b(?:"
    r"(?:was|were|is|are|did|does)\s+not\s+(?:statistically\s+)?(?:significant|reach)|"
    r"(?:not|no|nor)\s+(?:statistically\s+)?significan\w*|non-?significant)",
    re.IGNORECASE,
)


def _cues(doc: AnalyzedText, toks: list[Token], lo: int, hi: int) -> list[tuple[int, int, str]]:
    """(start, end, value) of each cue in a clause: "no difference" phrases, direction words
    (denied ones read as none), "associated with"."""
    text = doc.text
    found: list[tuple[int, int, str]] = []
    within = _within_groups(toks)
    nones = []
    for m in _NONE.finditer(text, lo, hi):
        end = m.end()
        word = re.match(r"\s+([a-z]+)", text[end : end + 20].lower())
        if word is not None and word.group(1) in DIRECTION_WORDS:
            end += word.end()  # "not significantly lower": one cue
        nones.append((m.start(), end))
    found.extend((a, b, "none") for a, b in nones)
    for i, t in enumerate(toks):
        value = DIRECTION_WORDS.get(t.text) or _judged(toks, i)
        if value is None or t.polarity == UNCERTAIN or t.scope == HYPOTHETICAL:
            continue
        if within:
            continue  # "improved in both groups": a change within each group, no effect
        if any(0 <= t.start - b <= _NONE_OBJECT for a, b in nones):
            continue  # "did not significantly alter the rise in tHcy": what was not altered
        prev = toks[i - 1] if i > 0 else None
        if t.text in _COMPARATIVES and (
            (prev is not None and prev.text in DIRECTION_WORDS and not _gap_breaks(doc, prev, t))
            or any(
                x.text in _CHANGE_NOUNS or x.text in ("loss", "gain") for x in toks[i + 1 : i + 3]
            )
        ):
            continue  # "reduced more fat", "greater weight loss": the other word says it
        if any(a <= t.start < b + 2 for a, b in nones):
            continue  # "not significantly lower": the none phrase says it (and spans it)
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if t.text in _COMPARATIVES and nxt is not None:
            after = text[t.end : t.end + 12].lower()
            if re.match(r"\s*(?:than|or\s+equal)\s*(?:\d|\.\d|or\b)", after):
                continue  # "less than 5", "more or less"
            if (
                t.text in ("more", "less")
                and nxt.text in ("likely", "than", "often")
                and (re.match(r"\s*than\s+\d", text[nxt.end : nxt.end + 8]))
            ):
                continue
        before = text[max(lo, t.start - 40) : t.start]
        if _TREND_BEFORE.search(before):
            continue
        denial = _DENIED_BEFORE.search(before)
        start = t.start - len(before) + denial.start() if denial is not None else t.start
        if denial is None and (
            t.polarity == NEGATED
            and t.trigger is not None
            and lo <= t.trigger < t.start
            and text[t.trigger].isalpha()  # not "C16:0 decreased"
            and t.start - t.trigger <= 30
        ):
            start = t.trigger
        found.append((start, t.end, f"not-{value}" if start < t.start else value))
    for m in _SOME_EFFECT.finditer(text, lo, hi):
        if any(a <= m.start() < b + 2 or m.start() <= a < m.end() for a, b, _ in found):
            continue
        if _NOT_BEFORE.search(text, max(lo, m.start() - 20), m.start()):
            continue
        found.append((m.start(), m.end(), "assoc"))
    for m in _ASSOCIATED.finditer(text, lo, hi):
        if any(a <= m.start() < b + 2 or m.start() <= a < m.end() for a, b, _ in found):
            continue
        tail = text[m.end() : m.end() + 40].lower().split()[:4]
        if any(w in DIRECTION_WORDS for w in tail):
            continue  # "associated with increased risk": the direction word says it
        found.append((m.start(), m.end(), "assoc"))
    found.sort()
    return found


def _judged(toks: list[Token], i: int) -> str | None:
    """The valence of "superior" or "inferior" where it judges a comparison: after a copula
    ("was superior") or before "to" ("inferior to placebo"); else None."""
    value = _JUDGED.get(toks[i].text)
    if value is None:
        return None
    prev = toks[i - 1].text if i > 0 else ""
    nxt = toks[i + 1].text if i + 1 < len(toks) else ""
    return value if prev in _COPULAS or nxt == "to" else None


# words after "both", "each" or "either" that make it a change within every group ("improved in
# both groups"), not an effect held in two subgroups ("in either men or women") or on two
# outcomes ("reduced both systolic and diastolic pressure")
_GROUP_WORDS = frozenset(
    ["group", "groups", "arm", "arms", "cohort", "cohorts", "treatment", "treatments"]
    + ["intervention", "interventions", "regimen", "regimens", "condition", "conditions"]
    + ["patients", "participants", "subjects", "patient", "participant", "subject", "study"]
    + ["trial"]
)


def _within_groups(toks: list[Token]) -> bool:
    """Whether a clause speaks of a change within each group: "both", "each" or "either"
    followed by a group word within seven words, before any preposition ("in both the active
    and the sham groups")."""
    for i, t in enumerate(toks):
        if t.text not in _WITHIN:
            continue
        for x in toks[i + 1 : i + 8]:
            if x.text in _GROUP_WORDS:
                return True
            if x.text in ("in", "of", "on", "at"):
                break  # "both systolic and diastolic pressure in the group": two outcomes
    return False


def _clause_effects(doc: AnalyzedText, toks: list[Token], lo: int, hi: int) -> list[Effect]:
    cues = _cues(doc, toks, lo, hi)
    text = doc.text
    if not cues:
        return _figures_only(doc, toks, lo, hi)
    clause = _stems(toks)
    cue_starts = {t.start for t in toks for a, b, _ in cues if a <= t.start < b}
    p_values = _significance(text, lo, hi)
    out = []
    for k, (a, b, value) in enumerate(cues):
        if value in DIRECTIONS and _only_insignificant(p_values, cues, k):
            value = "none"  # "lower in the treated group (p = 0.40)"
        elif value == "assoc":  # "associated with relapse (OR 2.1, 95% CI 1.3-3.4)": more
            stop = cues[k + 1][0] if k + 1 < len(cues) else hi
            value = _ratio_direction(text, b, stop, lo) or value
        after = [t for t in toks if t.start >= b]
        before = [t for t in toks if t.end <= a]
        cue_tok = next((t for t in toks if a <= t.start < b), None)
        if (
            after
            and cue_tok is not None
            and (cue_tok.text in _CHANGE_NOUNS or text[a:b].lower().split()[-1] in _CHANGE_NOUNS)
        ):
            after = after[1:] if after[0].text in ("in", "of", "to", "on") else after
        obj = _trim(doc, _words_until(after, cue_starts), forward=True)
        if cue_tok is not None and cue_tok.text in _PREDICATIVE and _predicative(after):
            obj = []  # "the dose was significantly lower using r-FSH": the outcome is before
        if obj and re.search(r"[,(\[:;]", text[b : obj[0].start]):
            obj = []  # "higher (P = 0.00) than ...": no outcome after the cue
        subj, group = _subject(doc, before, cue_starts)
        reported = [i for i, t in enumerate(subj) if t.text in _REPORTING]
        if reported:
            subj = subj[reported[-1] + 1 :]  # "the t-test showed no difference": no outcome
        outcome = _stems(obj) or _stems(subj)
        against = _against(doc, toks, a, hi)
        phrase_end = max(b, obj[-1].end if obj else b)
        subject = _stems(subj) | _stems(group) | (frozenset() if obj else _own_group(doc, after))
        if any(t.text in ("without", "free") for t in obj[:3]):
            continue  # "more patients without symptoms": the outcome is denied, unreadable here
        named = obj if _stems(obj) else subj
        short = frozenset(t.stem for t in named if _SHORT.fullmatch(text[t.start : t.end]))
        out.append(Effect(value, a, b, outcome, clause, subject, against, phrase_end, short))
    return out


# comparatives and state words that follow what they describe ("X was lower", "X was similar")
_PREDICATIVE = _COMPARATIVES | {"reduced", "increased", "decreased"}


def _predicative(after: list[Token]) -> bool:
    """Whether the words after a comparative leave it describing what came before it: nothing,
    a preposition, or a verb form ("lower using r-FSH", "higher after treatment")."""
    if not after:
        return True
    nxt = after[0]
    return (
        nxt.text in _OUTCOME_STOP
        or nxt.text in ("using", "following", "on", "at", "to", "and", "or", "of", "for")
        or nxt.text.endswith("ing")
    )


def _figures_only(doc: AnalyzedText, toks: list[Token], lo: int, hi: int) -> list[Effect]:
    """A clause that states no direction but gives p-values: all above 0.05 ("Rate of
    recurrence was 21% and 24% (p = NS)"), no effect on what it names; all below, an effect
    of unknown direction."""
    if _within_groups(toks):
        return []  # "improved in both arms (p = 0.04)": each arm's change
    text = doc.text
    found = [sig for _, sig in _significance(text, lo, hi)]
    if not found or (any(found) and not all(found)):
        return []
    clause = _stems(toks)
    first = next((t for t in toks if is_content(t)), toks[0])
    value = "assoc" if all(found) else "none"
    return [
        Effect(value, first.start, first.end, clause, clause, frozenset(), frozenset(), first.end)
    ]


def _trim(doc: AnalyzedText, toks: list[Token], forward: bool) -> list[Token]:
    """Tokens given nearest first, up to ``_REACH`` content words and up to a comma or bracket
    between two of them (``forward``: the tokens run left to right, else right to left)."""
    kept: list[Token] = []
    for t in toks:  # nearest first
        if kept and (_gap_breaks(doc, kept[-1], t) if forward else _gap_breaks(doc, t, kept[-1])):
            break
        kept.append(t)
        if sum(is_content(x) for x in kept) >= _REACH:
            break
    return kept


def _subject(
    doc: AnalyzedText, before: list[Token], stop_at: set[int]
) -> tuple[list[Token], list[Token]]:
    """The words before a cue that name what it is about, and a group named on the way
    ("pregnancy in the intervention group was higher": the words before the group)."""
    back = list(reversed(before))
    near = _words_until(back, stop_at)
    rest = back[len(near) :]
    group: list[Token] = []
    if rest and rest[0].text in ("in", "among") and any(t.text in _ARMS for t in near):
        group, near = near, _words_until(rest[1:], stop_at)
    elif rest and rest[0].text == "between":
        # "the differences (in pain) between the groups were significant": what follows
        # "between" names the groups or times compared; the outcome, if any, comes before it
        head = _words_until(rest[1:], stop_at)
        if any(t.text in _DIFFERENCE_NOUNS for t in head):
            group, near = near, head
    return _trim(doc, near, forward=False)[::-1], group


_DIFFERENCE_NOUNS = frozenset(["difference", "differences", "change", "changes"])
_REPORTING = frozenset(
    [
        "showed",
        "show",
        "shows",
        "found",
        "find",
        "finds",
        "revealed",
        "reveals",
        "observed",
        "demonstrated",
        "indicated",
        "noted",
        "reported",
        "suggested",
    ]
)
_ARMS = frozenset({"group", "groups", "arm", "arms", "cohort"})


def _own_group(doc: AnalyzedText, after: list[Token]) -> frozenset[str]:
    """The group a cue speaks of when it names one right after it ("lower in the treated group
    than ..."): the words from "in", "among" or "for" to the comparison."""
    k = next((i for i, t in enumerate(after[:6]) if t.text in ("in", "among", "for")), None)
    if k is None:
        return frozenset()
    side = []
    for t in after[k + 1 : k + 1 + _REACH]:
        if t.text in ("than", "compared", "versus", "vs", "relative"):
            break
        side.append(t)
    return _stems(side)


def _against(doc: AnalyzedText, toks: list[Token], start: int, hi: int) -> frozenset[str]:
    """The content words of the group a cue's comparison is made against ("than in controls",
    "compared with placebo"), or empty."""
    m = _AGAINST.search(doc.text, start, hi)
    while m is not None and _in_brackets(doc.text, start, m.start()):
        m = _AGAINST.search(doc.text, m.end(), hi)  # "(1.79 vs. 2.23 mmol/l)": figures
    if m is None:
        return frozenset()
    side: list[Token] = []
    for t in toks:
        if t.start < m.end():
            continue
        if not side and t.text in ("that", "those", "in", "of", "the"):
            continue  # "compared to that in the conventional group"
        if side and re.search(r"[,;]", doc.text[side[-1].end : t.start]):
            break
        if t.text in _OUTCOME_STOP - {"in", "with"} or len(side) >= _REACH:
            break
        side.append(t)
    return _stems(side)


def _in_brackets(text: str, start: int, at: int, kinds: str = "(") -> bool:
    """Whether ``at`` lies inside a bracket (of ``kinds``: round by default) opened after
    ``start``."""
    between = text[start:at]
    closing = {"(": ")", "[": "]"}
    return any(between.count(k) > between.count(closing[k]) for k in kinds)


def _significance(text: str, lo: int, hi: int) -> list[tuple[int, bool]]:
    """(offset, significant) of each test of significance in ``text[lo:hi]``: p-values, "NS",
    and confidence intervals (one that holds the null value is no significant effect)."""
    found = [(m.start(), _p_significant(m)) for m in _P_VALUE.finditer(text, lo, hi)]
    found += [(m.start(), False) for m in _NS.finditer(text, lo, hi)]
    for m in _CI.finditer(text, lo, hi):
        before = text[max(lo, m.start() - 60) : m.start()]
        sig = _ci_significant(m, _RATIO.search(before) is not None, bool(_CONTRAST.search(before)))
        if sig is not None:
            found.append((m.start(), sig))
    found.sort()
    return found


def _ratio_direction(text: str, start: int, stop: int, lo: int) -> str | None:
    """ "up" or "down" where the first confidence interval in ``text[start:stop]`` is a ratio's
    (named in the 60 characters before it) and lies wholly above or below 1; else None."""
    m = _CI.search(text, start, stop)
    if m is None or m.group("pct"):
        return None
    if _RATIO.search(text, max(lo, m.start() - 60), m.start()) is None:
        return None
    a, b = sorted((_bound(m.group("lo")), _bound(m.group("hi"))))
    return "up" if a > 1 else "down" if 0 <= b < 1 else None


def _bound(raw: str) -> float:
    return float(re.sub(r"\s", "", raw).replace("·", ".").translate(_MINUS))


_MINUS = str.maketrans({"−": "-", "–": "-"})


# words before an interval that make its estimate a difference between groups or times
_CONTRAST = re.compile(
    r"\b(?:differences?|change|reduction|increase|decrease|effect|versus|vs)\b", re.IGNORECASE
)


def _ci_significant(m: re.Match[str], ratio: bool, contrast: bool) -> bool | None:
    """Whether a confidence interval excludes its null value: 1 for a ratio named before it,
    0 for a difference (an interval with bounds either side of 0 is always a difference's).
    None where it cannot be told: an interval of one group's rate or mean says nothing of an
    effect."""
    a, b = sorted((_bound(m.group("lo")), _bound(m.group("hi"))))
    if a < 0 < b:
        return False  # a ratio's interval is never negative: a difference holding 0
    if ratio and not m.group("pct"):
        return not a <= 1 <= b
    if contrast and not ratio:
        return not a <= 0 <= b
    return None


def _p_significant(m: re.Match[str]) -> bool:
    op, value = m.group("op"), float(m.group("value"))
    if op in ("<", "≤", "&lt;"):
        return value <= 0.05
    return value < 0.05 and op not in (">", "≥", "&gt;")


def _only_insignificant(p_values: list[tuple[int, bool]], cues: list, k: int) -> bool:
    """Whether the p-values nearest the k-th cue (after it and before the next cue, or else
    the last before it) are all above 0.05."""
    start = cues[k][1]
    stop = cues[k + 1][0] if k + 1 < len(cues) else 1 << 30
    mine = [sig for at, sig in p_values if start <= at < stop]
    return bool(mine) and not any(mine)


# --- "no difference" is no absence ---------------------------------------------------------------

# the words that make a "no ..." phrase a study's finding of no effect, not a denial of what
# follows: "no significant difference in pain" says the pain did not differ, not that there was
# none ("no significant valve disease" denies the disease: no such word)
_NO_EFFECT_WORD = re.compile(
    r"\b(?:differ\w*|effects?|impact|associat\w*|benefit|similar|comparable|significance)\b",
    re.IGNORECASE,
)


@once_per_text
def no_effect_phrases(doc: AnalyzedText) -> tuple[tuple[int, int], ...]:
    """Spans of the "no difference" phrases of a text (those of ``_NONE`` naming a difference,
    an effect, an association or a benefit); empty for a conversation."""
    if doc.is_dialogue:
        return ()
    return tuple(
        (m.start(), m.end()) for m in _NONE.finditer(doc.text) if _NO_EFFECT_WORD.search(m.group())
    )


def denied_by_no_effect(doc: AnalyzedText, tok: Token) -> bool:
    """Whether a word is negated only by a finding of no effect on it ("made no significant
    difference to pain", "no difference in weight loss was seen"): the pain and the weight loss
    are not absent. Such a word's polarity is the effect comparison's to judge
    (:func:`comparable`, :func:`agree`), not a denial's."""
    if tok.polarity != NEGATED or tok.trigger is None:
        return False
    return any(a <= tok.trigger < b for a, b in no_effect_phrases(doc))


@once_per_text
def _text_tests(doc: AnalyzedText) -> list[tuple[int, bool]]:
    """The tests of significance of a whole text (:func:`_significance`), read once for
    :func:`finds_no_effect` and :func:`reports_tests`."""
    return _significance(doc.text, 0, len(doc.text))


@once_per_text
def finds_no_effect(doc: AnalyzedText) -> bool:
    """Whether a written text reports a finding of no effect: a "no difference" phrase, or a
    test of significance that finds none ("(NS)", "p = 0.40", an interval holding its null)."""
    if doc.is_dialogue:
        return False
    return bool(no_effect_phrases(doc)) or any(not sig for _, sig in _text_tests(doc))


@once_per_text
def reports_tests(doc: AnalyzedText) -> bool:
    """Whether a written text reports tests of significance (p-values, "NS", confidence
    intervals, "statistically", a finding of no effect): a study's text, where "significant"
    is a test's word, not a degree."""
    if doc.is_dialogue:
        return False
    return (
        bool(_text_tests(doc))
        or bool(no_effect_phrases(doc))
        or _STATISTICAL.search(doc.text) is not None
    )


_STATISTICAL = re.compile(r"\bstatistical(?:ly)?\b", re.IGNORECASE)


def statistical_significance(word: str, context: AnalyzedText) -> bool:
    """Whether an output's "significant(ly)" is a test's word: the input it is read against
    reports tests of significance (:func:`reports_tests`)."""
    return word.lower().startswith("significan") and reports_tests(context)


# --- comparing ------------------------------------------------------------------------------------


def comparable(a: Effect, b: Effect) -> bool:
    """Whether window effect ``b`` speaks of claim effect ``a``'s outcome on an axis that can
    agree or disagree with it (so ``b`` counts as a rival in the "none agrees" test)."""
    if a.value == "none" and b.value == "none" and not b.outcome:
        return True  # "no difference between the groups": about whatever the passage measured
    if not a.outcome or not (_same_outcome(a, b) or _no_effect_against_clause(a, b)):
        return False
    if b.corpus and not _same_exposure(a, b):
        return False  # another study's effect on the same outcome says nothing of this exposure
    da, db = _directed(a.value), _directed(b.value)
    if da is None or db is None:
        return True  # none or assoc against anything: no order to read
    if AXIS[da] != AXIS[db] and not _goodness(a if AXIS[da] == "amount" else b):
        return False  # "reduced X" and "improved X" where X is neither good nor bad
    return _orientation(a, b) != 0


def agree(a: Effect, b: Effect) -> bool:
    """Whether window effect ``b`` says what claim effect ``a`` says (given comparable). A
    denied direction ("did not reduce") agrees with no effect and with the other direction, and
    disagrees only with the direction it denies."""
    va, vb = _on_one_axis(a, b)
    if (vb in DIRECTIONS or vb.startswith("not-")) and _orientation(a, b) < 0:
        vb = _flip(vb)  # "more in the placebo group than with X" is "X: less"
    if va == vb:
        return True
    if va == "none":
        return vb.startswith("not-")
    if vb == "none":
        return va.startswith("not-")
    if "assoc" in (va, vb):
        return True
    if va.startswith("not-") and vb.startswith("not-"):
        return True
    if va.startswith("not-"):
        return va[4:] != vb
    if vb.startswith("not-"):
        return vb[4:] != va
    return va == vb


_DESIRABLE = frozenset(stem(w) for w in word_tuple("outcomes.toml", "desirable"))
_UNDESIRABLE = frozenset(stem(w) for w in word_tuple("outcomes.toml", "undesirable"))


def _goodness(effect: Effect) -> int:
    """+1 where an effect's outcome is good for the patient ("survival"), -1 where bad
    ("mortality"), 0 where unknown or mixed (outcomes.toml)."""
    good, bad = bool(effect.outcome & _DESIRABLE), bool(effect.outcome & _UNDESIRABLE)
    return 0 if good == bad else 1 if good else -1


def _on_one_axis(a: Effect, b: Effect) -> tuple[str, str]:
    """The two values, an amount word read as better or worse where the other is a valence
    word and the outcome's goodness is known ("decreased survival" is worse)."""
    da, db = _directed(a.value), _directed(b.value)
    if da is None or db is None or AXIS[da] == AXIS[db]:
        return a.value, b.value
    good = _goodness(a if AXIS[da] == "amount" else b)  # the amount word's own outcome
    if not good:
        return a.value, b.value
    return _valence(a.value, good), _valence(b.value, good)


def _valence(value: str, good: int) -> str:
    """An amount value as better or worse for an outcome of the given goodness; a valence
    value as it is."""
    denied = value.startswith("not-")
    bare = value[4:] if denied else value
    if AXIS.get(bare) != "amount":
        return value
    better = (bare == "up") == (good > 0)
    return ("not-" if denied else "") + ("better" if better else "worse")


def _directed(value: str) -> str | None:
    """The direction a value states or denies ("down" for "not-down"), or None."""
    bare = value[4:] if value.startswith("not-") else value
    return bare if bare in DIRECTIONS else None


def _flip(value: str) -> str:
    if value.startswith("not-"):
        return "not-" + OPPOSITE[value[4:]]
    return OPPOSITE[value]


_MIN_SHARE = 0.5


_SHORT = re.compile(r"[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9-]*")  # "MVPA", "CES-D", "HbA1c"


def _same_outcome(a: Effect, b: Effect) -> bool:
    """Half the claim's outcome words (at least one) are in the window effect's clause, and
    one of them is in the window effect's own outcome words or its clause holds no other."""
    if a.short & b.clause and (a.short & b.outcome or not b.outcome or b.outcome == b.clause):
        return True  # the outcome's short form ("CES-D") is named there
    clause = b.clause | b.before  # "The t-test showed no significant difference": what was
    shared = a.outcome & clause  # measured is named in the sentence before
    if not shared or len(shared) < _MIN_SHARE * len(a.outcome):
        return False
    return bool(a.outcome & b.outcome) or not b.outcome


def _no_effect_against_clause(a: Effect, b: Effect) -> bool:
    """Whether a claim of no effect ("made no significant difference to PWV, AI and systolic
    pressure") meets a window effect with a direction whose clause holds most of its outcome
    words, though the window's own outcome phrase was read shorter ("had lower PWV, AI,
    systolic ... pressure than those on metformin (p < 0.05)"): an effect there is against it.
    """
    if a.value != "none" or _directed(b.value) is None or b.value.startswith("not-"):
        return False
    shared = a.outcome & b.clause
    return len(shared) >= 2 and len(shared) >= _CLAUSE_SHARE * len(a.outcome)


_CLAUSE_SHARE = 0.75


# words naming a control arm
_CONTROLS = frozenset(
    stem(w) for w in ("control", "controls", "placebo", "sham", "usual", "routine", "standard")
)


def _same_exposure(a: Effect, b: Effect) -> bool:
    """Whether the window names what the claim says had the effect (a word of its subject
    other than the outcome's), or the claim names none."""
    exposure = a.subject - a.outcome - _GENERIC_STEMS
    return not exposure or bool(exposure & (b.clause | b.before | b.subject))


def _orientation(a: Effect, b: Effect) -> int:
    """+1 where both comparisons run the same way round, -1 where the window names the claim's
    groups the other way round, 0 where it cannot be told."""
    if b.against:
        to_comparator = bool(b.against & (a.against - a.subject))
        to_subject = bool(b.against & (a.subject - a.outcome - a.against))
        if to_comparator and not to_subject:
            return 1
        if to_subject and not to_comparator:
            return -1
        if not to_comparator and not to_subject and a.against & _CONTROLS:
            # "higher than the control group" against "X ... compared with placebo": the
            # claim's comparator is a control arm, and so is the window's
            if b.against & _CONTROLS and not b.subject & _CONTROLS:
                return 1
            if b.subject & _CONTROLS and not b.against & _CONTROLS:
                return -1
        return 0
    if not a.against:
        return 1
    named = b.clause - a.outcome
    if named & a.against:
        return 0  # the window names the claim's comparator, without saying how they compare
    return 1


__all__ = [
    "DIRECTION_WORDS",
    "Effect",
    "agree",
    "comparable",
    "denied_by_no_effect",
    "finds_no_effect",
    "read_effects",
    "statistical_significance",
]
