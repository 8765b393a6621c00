"""laterality.v1: a side or body part of the output that the input gives differently.

Sides lie on axes (left/right, medial/lateral, proximal/distal, anterior/posterior); two sides of
one part contradict only on the same axis. Only left/right is checked against other parts too.
"""

from __future__ import annotations

import bisect
import re
from itertools import islice, takewhile

from medfact.analysis import NEGATED, AnalyzedText, SideMention
from medfact.document import CaseDoc
from medfact.lexicon.terms import (
    LOOSE_SIBLING_GROUPS,
    PROCEDURE_WORDS,
    REGIONS,
    SIBLING_ALIASES,
    SIBLING_COLLECTIVES,
    SIBLING_GROUPS,
    SIDE_AXES,
)
from medfact.registry import verifiers
from medfact.rehint import fast_compile, lower_ascii
from medfact.taxonomy import ErrorCategory
from medfact.textutil import stem
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule, clause_window_stems, window_stems

_LEFT_RIGHT = "left-right"
_TOPIC = 4  # words on either side of a structure that say what is found there


def _axis(side: str) -> str:
    return SIDE_AXES.get(side, _LEFT_RIGHT)


# "RT" as radiotherapy, not right: before a referral, a plan, a course, fractions or a dose, or
# after what qualifies a treatment ("RT referral L hip", "palliative RT to the spine")
_RT_AFTER = re.compile(
    r"RT\b(?:\s+(?:referral|refer|planning|plan|course|fractions?|boost|field|sessions?|"
    r"consent|simulation|to|for)\b|\s+\d+(?:\.\d+)?\s*Gy\b)"
)
_RT_BEFORE = re.compile(
    r"\b(?:palliative|adjuvant|neoadjuvant|radical|curative|chemo|post|prior|previous|"
    r"external\s+beam|stereotactic)[\s-]*$",
    re.IGNORECASE,
)


def _radiotherapy(doc: AnalyzedText, m: SideMention) -> bool:
    """Whether the side word of ``m`` is "RT" that names radiotherapy."""
    text = doc.text
    return bool(_RT_AFTER.match(text, m.start)) or (
        text.startswith("RT", m.start)
        and bool(_RT_BEFORE.search(text, max(0, m.start - 24), m.start))
    )


_BARE_SIDE = fast_compile(r"\b(left|right)\b", re.IGNORECASE)
_OPPOSITE = {"left": "right", "right": "left"}
# a speaker taking back what was just said: "the right... no, sorry, the left"
_TAKEN_BACK = re.compile(r"\b(?:no|sorry|wait|oops)\s*[,.!]|\bI\s+mean\b|\bactually\b", re.I)
_CLAUSE_WIDTH = 6  # words either side of a bare side read as what is said of it


def _bare_sides(doc: AnalyzedText) -> list[tuple[str, int, int]]:
    """Sides said without a part ("the left's the one I had replaced"): (side, start, end) of
    each "left" or "right" outside the text's side mentions."""
    if not doc.sides:
        return []
    spans = [(m.start, m.end) for m in doc.sides]
    return [
        (b.group(1).lower(), b.start(), b.end())
        for b in _BARE_SIDE.finditer(doc.text)
        if not any(s <= b.start() < e for s, e in spans)
    ]


def _taken_back(
    doc: AnalyzedText, c: SideMention, bare: list[tuple[str, int, int]]
) -> SideMention | None:
    """The side a speaker corrects ``c`` to later in the same turn ("The right, definitely the
    right... no, sorry, I'm getting muddled. It's this one, the left."), read as a mention of
    ``c``'s part; None when the turn takes nothing back."""
    if c.side not in _OPPOSITE:
        return None
    turn_end = doc.text.find("\n", c.end)
    turn_end = len(doc.text) if turn_end < 0 else turn_end
    back = _TAKEN_BACK.search(doc.text, c.end, turn_end)
    if back is None:
        return None
    for side, start, end in bare:
        if back.end() <= start < turn_end and side == _OPPOSITE[c.side]:
            sentence = doc.tokens[_token_at(doc, start)].sentence
            return SideMention(side, c.anatomy, start, end, sentence)
    return None


def _token_at(doc: AnalyzedText, offset: int) -> int:
    return max(0, bisect.bisect_right(doc._starts, offset) - 1)  # the analysis's token starts


def _asked(doc: AnalyzedText, offset: int) -> bool:
    """Whether the sentence at ``offset`` is a question: it states no side."""
    sentence = doc.sentences[doc.tokens[_token_at(doc, offset)].sentence]
    return sentence.text.rstrip().endswith("?")


# a side given alone as what is pointed to ("on the left", "his left.", "my right and I'm ..."):
# a possessive or article before it, and nothing after it that it could qualify
_ANSWERED_SIDE = fast_compile(
    r"\b(?:on\s+the|the|my|his|her|their|your)\s+(left|right)\b"
    r"(?=\s*(?:[,.;!]|$|one\b|side\b|and\b|hand\s+side\b))",
    re.IGNORECASE | re.MULTILINE,
)


# "left" and "right" that name no side: handedness, assent, "right away"
_NOT_A_SIDE = re.compile(
    r"\b(?:left|right)[\s-]+hand(?:ed|er)\b|\b(?:that'?s|all|yeah|yes)\s+right\b|"
    r"\bright\s+(?:now|away|after|before|then|there|here|off)\b|(?:^|:)\s*right\s*[,.]",
    re.IGNORECASE | re.MULTILINE,
)


def _answered_sides(ctx: AnalyzedText) -> tuple[set[str], set[str]]:
    """The sides the input gives alone, outside questions ("Here, on the left" after "Can you
    show me where?"), and the sides it words anywhere, asked or not, handedness and assent
    aside ("Is it your left leg?")."""
    given = {
        m.group(1).lower() for m in _ANSWERED_SIDE.finditer(ctx.text) if not _asked(ctx, m.start(1))
    }
    worded = {
        b.group(1).lower()
        for b in _BARE_SIDE.finditer(ctx.text)
        if not _idle_side(ctx.text, b.start())
    }
    return given, worded


def _idle_side(text: str, at: int) -> bool:
    """Whether the side word at ``at`` is part of a phrase that names no side ("I'm right
    handed", "That's right", "Doctor: Right, let me look")."""
    lo = max(0, text.rfind("\n", 0, at) + 1, at - 12)
    return any(m.start() <= at < m.end() for m in _NOT_A_SIDE.finditer(text, lo, at + 16))


def _said_of_bare_side(
    out: AnalyzedText, ctx: AnalyzedText, m: SideMention, bare: list[tuple[str, int, int]]
) -> bool:
    """Whether the input says what the output's clause says of ``m`` of a side named without a
    part ("Previous left knee replacement" - "The left's the one I had replaced")."""
    if not bare:
        return False
    own = {m.anatomy, stem(m.side)}
    mine = clause_window_stems(out, _token_at(out, m.start), _CLAUSE_WIDTH) - own
    for side, start, _ in bare:
        if side == m.side and not _asked(ctx, start):
            theirs = clause_window_stems(ctx, _token_at(ctx, start), _CLAUSE_WIDTH) - own
            if mine & theirs:
                return True
    return False


class _Sentences:
    """Whether a sentence of ``doc`` names a procedure or a drug, each sentence read once."""

    def __init__(self, doc: AnalyzedText) -> None:
        self.doc = doc
        self._drugs = sorted((d.start, d.end) for d in doc.drugs)
        self._drug_starts = [start for start, _ in self._drugs]
        self._risky: dict[int, bool] = {}

    def risky(self, sentence: int) -> bool:
        known = self._risky.get(sentence)
        if known is None:
            known = self._risky[sentence] = self._check(sentence)
        return known

    def _check(self, sentence: int) -> bool:
        words = {t.text for t in self.doc.sentence_tokens(sentence)}
        if words & PROCEDURE_WORDS:
            return True
        lo, hi = self.doc.sentences[sentence].span
        # a drug inside the sentence starts at or after lo and so at or before hi
        first = bisect.bisect_left(self._drug_starts, lo)
        last = bisect.bisect_right(self._drug_starts, hi)
        return any(end <= hi for _, end in self._drugs[first:last])


@verifiers.register("laterality.v1")
class LateralityRule(Rule):
    name = "laterality.v1"

    def __init__(self, swap_risk: int = 3, procedure_swap_risk: int = 4, unsupported_risk: int = 2):
        self.swap_risk = swap_risk
        self.procedure_swap_risk = procedure_swap_risk
        self.unsupported_risk = unsupported_risk

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None
        # the input's side mentions by body part and by side, first one first
        by_part: dict[tuple[str, str], SideMention] = {}
        part_sides: dict[tuple[str, str], set[str]] = {}
        by_side: dict[str, SideMention] = {}
        mentions_of: dict[tuple[str, str], list[SideMention]] = {}
        bare = _bare_sides(ctx)
        for said in ctx.sides:
            if _radiotherapy(ctx, said):
                continue
            c = _taken_back(ctx, said, bare) or said
            key = (c.anatomy, _axis(c.side))
            by_part.setdefault(key, c)
            part_sides.setdefault(key, set()).add(c.side)
            mentions_of.setdefault(key, []).append(c)
            if not c.coded:
                by_side.setdefault(c.side, c)
        sentences = _Sentences(out)
        ctx_words: set[str] | None = None  # the input's words without a plural "s"
        answered: tuple[set[str], set[str]] | None = None  # sides given alone, sides worded
        findings = []
        for m in out.sides:
            if _radiotherapy(out, m):
                continue
            axis = _axis(m.side)
            given = part_sides.get((m.anatomy, axis), set())
            if m.coded and not given:
                continue  # "R ICA" where the input never names the ICA with a side
            if axis == _LEFT_RIGHT and "bilateral" in given:
                continue  # "both my elbows, the right one most": either side, or both, is said
            if m.side == "bilateral" and _both_named(ctx, m.anatomy):
                continue  # "examination of the hips", "no mass in either breast"
            if (
                axis == _LEFT_RIGHT
                and any(
                    o.anatomy == m.anatomy
                    and o.sentence == m.sentence
                    and o.start < m.start
                    and o.side in given
                    and o.side != m.side
                    for o in out.sides
                )
                and _both_named(ctx, m.anatomy)
            ):
                # "her right elbow bothers her more than her left" where the input has "my
                # elbows ... my right elbow more than the other": the side compared with
                continue
            if _direction_said(out, ctx, m):
                continue  # "midline shift to the left" where the input has a "leftward shift"
            if _denies_other_side(out, ctx, m, mentions_of.get((m.anatomy, axis), [])):
                continue  # "no pain laterally" where the input finds pain medially
            if m.side in given:
                other = _other_side_said(out, ctx, m, mentions_of.get((m.anatomy, axis), []))
                if other is not None:
                    findings.append(
                        self.finding(
                            view,
                            ErrorCategory.DETAIL_MISIDENTIFICATION,
                            self.procedure_swap_risk if sentences.risky(m.sentence) else 3,
                            (m.start, m.end),
                            f"'{out.text[m.start : m.end]}': the input says this of the "
                            f"{other.side} {other.anatomy}",
                            relation=CONTRADICTED,
                            context_span=(other.start, other.end),
                            suggestion=ctx.text[other.start : other.end],
                            confidence=0.6,
                        )
                    )
                continue
            if axis == _LEFT_RIGHT and (
                (m.side == "bilateral" and {"left", "right"} <= given)
                or (m.side in ("left", "right") and "bilateral" in given)
            ):
                continue  # "bilateral knees" where the input names each knee, or the reverse
            risky = sentences.risky(m.sentence)
            surface = out.text[m.start : m.end]
            other = by_part.get((m.anatomy, axis))
            if other is not None and _said_of_bare_side(out, ctx, m, bare):
                continue  # "Previous left knee replacement" - "The left's the one I had replaced"
            if other is not None:
                message = f"'{surface}': the input gives the {other.side} side"
                findings.append(self._against(view, ctx, m, other, risky, message, 0.85))
                continue
            if axis != _LEFT_RIGHT:
                continue  # "distal radius" where the input says "radius": rewording, not a side
            if m.side in _OPPOSITE and by_side.get(m.side) is None:
                if answered is None:
                    answered = _answered_sides(ctx)
                given_alone, worded = answered
                own = out.tokens_in(m.start, m.end)
                if (
                    given_alone == {_OPPOSITE[m.side]}
                    and m.side not in worded
                    and own
                    and own[0].polarity != NEGATED
                ):
                    # "Right breast lump" where the patient shows it "on the left"
                    findings.append(
                        self.finding(
                            view,
                            ErrorCategory.DETAIL_MISIDENTIFICATION,
                            self.procedure_swap_risk if risky else self.swap_risk,
                            (m.start, m.end),
                            f"'{surface}': the input gives the {_OPPOSITE[m.side]} side only",
                            relation=CONTRADICTED,
                            confidence=0.5,
                        )
                    )
                    continue
            part_in_context = m.anatomy in ctx.stems
            if not part_in_context:
                if ctx_words is None:
                    ctx_words = {t.text.rstrip("s") for t in ctx.tokens}
                part_in_context = m.anatomy in ctx_words
            same_side = by_side.get(m.side)
            if same_side is not None and same_place(m.anatomy, same_side.anatomy):
                continue  # "right lower extremity" where the input names the right foot
            if part_in_context:
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.DETAIL_MISIDENTIFICATION,
                        self.unsupported_risk,
                        (m.start, m.end),
                        f"'{surface}': the input does not state the side",
                        confidence=0.5,
                    )
                )
            elif same_side is None and (across := _across(m, by_side)) is not None:
                # "L occipital laceration" where the input has the back of the head, right side
                message = f"'{surface}': the input gives the {across.side} {across.anatomy}"
                findings.append(self._against(view, ctx, m, across, risky, message, 0.45))
            elif same_side is not None:
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.DETAIL_MISIDENTIFICATION,
                        self.procedure_swap_risk if risky else self.swap_risk,
                        (m.start, m.end),
                        f"'{surface}': the input names the {same_side.side} "
                        f"{same_side.anatomy}, not the {m.anatomy}",
                        relation=CONTRADICTED,
                        context_span=(same_side.start, same_side.end),
                        suggestion=ctx.text[same_side.start : same_side.end],
                        confidence=0.45,
                    )
                )
        findings.extend(self._siblings(view))
        findings.extend(self._spinal_levels(view))
        findings.extend(self._named_sides(view, findings))
        findings.extend(self._directions_swapped(view))
        return findings

    def _directions_swapped(self, view: CaseDoc) -> list[Finding]:
        """A movement the output gives one direction ("midline shift to the right") that the
        input gives only the other ("leftward midline shift"): the same kind of movement, its
        side swapped (session 20)."""
        assert view.context is not None
        theirs = movements(view.context.text)
        if not theirs:
            return []
        findings = []
        for side, move, start, end in movements(view.output.text):
            given = {s for s, m, _, _ in theirs if m == move}
            if given != {_OPPOSITE[side]}:
                continue
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.swap_risk,
                    (start, end),
                    f"'{view.output.text[start:end]}': the input gives the movement to the "
                    f"{_OPPOSITE[side]}",
                    relation=CONTRADICTED,
                    confidence=0.6,
                )
            )
        return findings

    def _against(
        self,
        view: CaseDoc,
        ctx: AnalyzedText,
        m: SideMention,
        other: SideMention,
        risky: bool,
        message: str,
        confidence: float,
    ) -> Finding:
        """A contradiction of the output's mention ``m`` by the input's mention ``other``."""
        return self.finding(
            view,
            ErrorCategory.DETAIL_MISIDENTIFICATION,
            self.procedure_swap_risk if risky else self.swap_risk,
            (m.start, m.end),
            message,
            relation=CONTRADICTED,
            context_span=(other.start, other.end),
            suggestion=ctx.text[other.start : other.end],
            confidence=confidence,
        )

    def _named_sides(self, view: CaseDoc, found: list[Finding]) -> list[Finding]:
        """A side given to a named thing ("R vitrectomy", "right acetabulum") that the input
        names only with the other side ("left vitrectomy" each time), where the body part's
        sides alone do not tell (the input names both eyes, both hips)."""
        out, ctx = view.output, view.context
        assert ctx is not None
        taken = [f.span for f in found if f.span is not None]
        parts = {stem(m.anatomy) for m in out.sides}
        findings = []
        for side, start, i in _sided_words(out):
            if any(s <= start < e for s, e in taken):
                continue
            word = out.tokens[i].text
            if stem(word) in parts:
                continue  # a body part ("L hand"): the sides of parts are read above
            theirs = [(s, st, j) for s, st, j in _sided_words(ctx) if ctx.tokens[j].text == word]
            named = [t for t in ctx.tokens if t.text == word]
            sides = {s for s, _, _ in theirs}
            if not theirs or len(theirs) < len(named) or sides != {_OPPOSITE[side]}:
                continue  # unnamed in the input, named once without a side, or on both sides
            topic = clause_window_stems(out, i, _NAMED_TOPIC) - {out.tokens[i].stem}
            if not any(topic & clause_window_stems(ctx, j, _NAMED_TOPIC) for _, _, j in theirs):
                continue  # "L adnexa normal" - "mass in the right adnexa": another finding
            tok = out.tokens[i]
            _, c_start, j = theirs[0]
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.procedure_swap_risk,
                    (start, tok.end),
                    f"'{out.text[start : tok.end]}': the input names the {word} on the "
                    f"{_OPPOSITE[side]} only",
                    relation=CONTRADICTED,
                    context_span=(c_start, ctx.tokens[j].end),
                    confidence=0.75,
                )
            )
        return findings

    def _spinal_levels(self, view: CaseDoc) -> list[Finding]:
        """A numbered site of the output (a spinal level or disc, a tooth, a metatarsal) that
        the input, naming others of its kind, does not name ("L3/4 protrusion" where the MRI
        shows L5/S1), or names with something else that it says of another ("LR7 extracted"
        where the input has LR6 extracted and LR7 sound)."""
        out, ctx = view.output, view.context
        assert ctx is not None
        theirs = numbered_sites(ctx.text, bare=True)
        if not theirs:
            return []
        ours = numbered_sites(out.text)
        if _counts_cycles(ctx.text, out.text):
            theirs, ours = _no_cervical(theirs), _no_cervical(ours)
        findings = []
        for kind, site, start, end in ours:
            kin = [(s, a, b) for k, s, a, b in theirs if k == kind]
            if not kin:
                continue
            same = [(s, a, b) for s, a, b in kin if set(site) <= set(s)]
            if same:
                rivals = [(s, a, b) for s, a, b in kin if len(s) == len(site) and s != site]
                found = _said_of_another(out, ctx, start, end, same, rivals)
                if found is None:
                    continue
                c_start, c_end = found
                what = "says this of"
            else:
                _, c_start, c_end = kin[0]  # the level, or one of a disc's two ("L2" at "L2-L3")
                what = "names"
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.swap_risk,
                    (start, end),
                    f"site: '{out.text[start:end]}' where the input {what} "
                    f"'{ctx.text[c_start:c_end]}'",
                    relation=CONTRADICTED,
                    context_span=(c_start, c_end),
                    suggestion=ctx.text[c_start:c_end],
                    confidence=0.8 if what == "names" else 0.7,
                )
            )
        return findings

    def _siblings(self, view: CaseDoc) -> list[Finding]:
        """A structure where the input names its neighbour in the same region with what the
        output says of it ("distal tibia fracture" where the input has a fracture of the distal
        fibula and an intact tibia)."""
        out, ctx = view.output, view.context
        assert ctx is not None
        theirs = _structures(ctx)
        if not theirs:
            return []
        findings = []
        ctx_stems: frozenset[str] | None = None
        for group, name, i in _structures(out):
            # the structure's own words say nothing of it ("aortic" of "aortic valve")
            own = {stem(w) for w in name.split()} | {out.tokens[i].stem}
            topic = clause_window_stems(out, i) - own
            same = [(n, j) for g, n, j in theirs if g == group and n == name]
            if same and group in _LOOSE:
                continue  # "knee" of a leg the input names elsewhere: a loose name, not a swap
            if any(topic & clause_window_stems(ctx, j, _TOPIC + 2) for _, j in same):
                continue  # the input says the same of this structure
            rivals = [(n, j) for g, n, j in theirs if g == group and n != name]
            if rivals and out.tokens[i].text in _SINGULAR:
                listed = _listed_before(out, i - len(name.split()) + 1)
                rivals = [(n, j) for n, j in rivals if n.split()[-1] not in listed]
            said = [(n, j) for n, j in rivals if topic & clause_window_stems(ctx, j, _TOPIC + 2)]
            if same and not said:
                continue  # the input names it, and says nothing else of a neighbour
            if not same and not said and " " in name:
                if ctx_stems is None:
                    ctx_stems = ctx.stems
                if stem(name.split()[0]) in ctx_stems:
                    continue  # named short ("Tricuspid: mild regurgitation"), not swapped
            if not (said or rivals):
                continue
            other, j = (said or rivals)[0]
            tok, c_tok = out.tokens[i], ctx.tokens[j]
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.swap_risk,
                    (tok.start, tok.end),
                    f"site: '{tok.text}' where the input names the {other}",
                    relation=CONTRADICTED,
                    context_span=(c_tok.start, c_tok.end),
                    suggestion=ctx.text[c_tok.start : c_tok.end],
                    confidence=0.8,
                )
            )
        return findings


_PAIRED_PLURALS = {"feet": "foot"}

_NAMED_TOPIC = 8  # words either side of a named thing that say what is done or found there
_SIDE_WORDS = {"left": "left", "right": "right", "L": "left", "R": "right"}
# words after a side word that are no named thing ("right away", "left over", "right-sided")
_NOT_NAMED = frozenset(
    {"away", "now", "over", "after", "side", "sided", "then", "there", "here", "thing", "enough"}
    | {"lower", "upper", "middle", "main", "total", "greater", "lesser", "anterior", "posterior"}
    | {"lateral", "medial", "proximal", "distal", "superior", "inferior", "with", "from", "than"}
)


# a side given as the direction of a movement ("shift to the left", "deviates towards the
# right"), not as the side of the last part named
_TOWARDS = re.compile(
    r"\b(?:shift\w*|deviat\w*|displac\w*|tilt\w*|rotat\w*|turn\w*|mov\w*|veer\w*|"
    r"lean\w*|point\w*|drift\w*|push\w*|pull\w*|convex\w*|curv\w*|scoliosis)"
    r"\b[^.;:\n]{0,30}?\b(?:to|towards?)\s+(?:the\s+)?$",
    re.I,
)


def _directions(text: str) -> set[str]:
    """The directions a text gives a movement ("leftward", "shift to the right")."""
    found = {m.group(1).lower() for m in re.finditer(r"\b(left|right)wards?\b", text, re.I)}
    for m in re.finditer(r"\b(left|right)\b", text, re.I):
        if _TOWARDS.search(text, max(0, m.start() - 60), m.start()):
            found.add(m.group(1).lower())
    return found


# a movement and its direction, either way round: "shift to the right", "deviated towards the
# left", "leftward midline shift", "displaced rightwards" (session 20)
_MOVE_STEMS = ("shift", "deviat", "displac", "tilt", "rotat", "veer", "lean", "drift", "push")
_MOVE_STEMS += ("convex", "curv")
_MOVE = rf"(?P<move>{'|'.join(_MOVE_STEMS)})\w*"
_MOVEMENTS = (
    re.compile(
        rf"\b{_MOVE}\b[^.;:\n]{{0,30}}?\b(?:to|towards?)\s+(?:the\s+)?(?P<side>left|right)\b", re.I
    ),
    re.compile(rf"\b(?P<side>left|right)wards?\b(?:\s+[a-z]+){{0,2}}?\s+{_MOVE}", re.I),
    re.compile(rf"\b{_MOVE}\s+(?P<side>left|right)wards?\b", re.I),
)


def movements(text: str) -> list[tuple[str, str, int, int]]:
    """(direction, kind of movement, start, end) of each movement a text gives a direction
    ("midline shift to the right": right, shift)."""
    low = lower_ascii(text)
    if low is not None and not (
        ("left" in low or "right" in low) and any(move in low for move in _MOVE_STEMS)
    ):
        return []  # every match holds a side and a movement (ASCII: as the lower-cased text)
    found = []
    for pattern in _MOVEMENTS:
        for m in pattern.finditer(text):
            found.append((m.group("side").lower(), m.group("move").lower(), m.start(), m.end()))
    return found


def _direction_said(out: AnalyzedText, ctx: AnalyzedText, m: SideMention) -> bool:
    """Whether a bare side of the output is the direction of a movement ("midline shift to
    the left") that the input gives too ("leftward midline shift")."""
    surface = out.text[m.start : m.end].lower()
    if surface not in ("left", "right"):
        return False
    if not _TOWARDS.search(out.text, max(0, m.start - 60), m.start):
        return False
    return surface in _directions(ctx.text)


def _across(m: SideMention, by_side: dict[str, SideMention]) -> SideMention | None:
    """The input's first mention of the other side, where it names a region that holds the
    output's part ("right head" for "L occipital") and the input never gives the output's
    side; None otherwise."""
    other = by_side.get(_OPPOSITE.get(m.side, ""))
    if other is None or other.anatomy in ("side", "sided") or m.anatomy in ("side", "sided"):
        return None
    return other if same_place(m.anatomy, other.anatomy) else None


def _sided_words(doc: AnalyzedText) -> list[tuple[str, int, int]]:
    """(side, start of the side word, index of the word it names) for each side word
    ("left", "right", or "L", "R" in capitals) right before a word of four letters or more in
    the same sentence ("R vitrectomy", "left acetabulum")."""
    found = []
    toks = doc.tokens
    for i, tok in enumerate(toks[:-1]):
        surface = doc.text[tok.start : tok.end]
        side = _SIDE_WORDS.get(surface if len(surface) == 1 else surface.lower())
        nxt = toks[i + 1]
        if side is None or nxt.sentence != tok.sentence or nxt.text in _NOT_NAMED:
            continue
        if not nxt.text.isalpha() or len(nxt.text) < 4 or doc.text[tok.end : nxt.start] != " ":
            continue
        found.append((side, tok.start, i + 1))
    return found


def _both_named(ctx: AnalyzedText, part: str) -> bool:
    """Whether the input names a paired part in the plural ("the hips", "both knees") or with
    "either" ("either breast"): both sides, without a side word."""
    toks = ctx.tokens
    for k, tok in enumerate(toks):
        word = _PAIRED_PLURALS.get(tok.text) or (tok.text[:-1] if tok.text.endswith("s") else "")
        if word == part:
            return True
        if tok.text == part and k > 0 and toks[k - 1].text == "either":
            return True
    return False


_NORMAL = frozenset({"normal", "nl", "unremarkable", "quiet", "clear", "fine", "nad", "spared"})


def _denies_other_side(
    out: AnalyzedText, ctx: AnalyzedText, m: SideMention, theirs: list[SideMention]
) -> bool:
    """A side the output denies something of ("no pain over the lateral aspect") where the
    input affirms it only of another side ("pain on the medial side"): consistent."""
    if not theirs or any(c.side == m.side for c in theirs):
        return False
    own = out.tokens_in(m.start, m.end)
    after = out.tokens_in(m.end, min(len(out.text), m.end + 16))[:2]
    normal = any(t.text in _NORMAL for t in after)  # "L side normal", "L hand quiet"
    if not own or (own[0].polarity != NEGATED and not normal):
        return False
    for c in theirs:
        toks = ctx.tokens_in(c.start, c.end)
        if not toks or toks[0].polarity == NEGATED:
            return False  # the input denies another side too: compare as usual
    return True


def _other_side_said(
    out: AnalyzedText, ctx: AnalyzedText, m: SideMention, theirs: list[SideMention]
) -> SideMention | None:
    """Where the input names both sides of a part, the mention of the other side that says
    what the output says of this one ("left eye, aflibercept" and "the right one's my good
    one": "aflibercept to the R eye" is the other eye's), or None."""
    sides = {c.side for c in theirs}
    if len(sides) < 2:
        return None
    at = _token_at(out, m.start)
    named = {t.stem for t in takewhile(lambda t: t.start < m.end, islice(out.tokens, at, None))}
    topic = clause_window_stems(out, at) - named - {m.anatomy}
    for o in out.sides:
        if o.sentence == m.sentence and o.anatomy == m.anatomy and o.side != m.side:
            # "the hypertrophic left kidney and atrophic right kidney": what the output says of
            # its other side is not said of this one
            k = _token_at(out, o.start)
            topic -= {t.stem for t in out.tokens[max(0, k - 3) : k + 3]}
    if not topic:
        return None

    def said(c: SideMention) -> bool:
        # what the input says of that mention, in its own clause and sentence ("right inguinal
        # hernia; left side normal. We'll do a right hernia repair": no repair of the left)
        k = _token_at(ctx, c.start)
        own = {
            t.stem
            for t in ctx.tokens[max(0, k - 6) : k + 7]
            if t.sentence == c.sentence
            and ";" not in ctx.text[min(t.start, c.start) : max(t.end, c.end)]
        }
        return bool(topic & (window_stems(ctx.tokens, k, 6) & own) - named)

    if any(said(c) for c in theirs if c.side == m.side):
        return None
    return next((c for c in theirs if c.side != m.side and said(c)), None)


_COMPLEMENT = re.compile(
    r"(?:\s*(?:and|/|,)\s*C\d)?\s*(?:levels?\s+)?(?:(?:are|were|is|was)\s+)?"
    r"(?:normal|low|high|raised|elevated|decreased|reduced|consumed|complement)\b",
    re.IGNORECASE,
)
_LEVEL = re.compile(r"\b([CTLS])(\d{1,2})(?:\s*[/-]\s*([CTLS])?(\d{1,2}))?\b")
# what every match of _LEVEL holds: without the leading "\b", re scans for its letters fast
_LEVEL_HINT = re.compile(r"[CTLS]\d")


def spinal_levels(text: str) -> list[tuple[tuple[str, ...], int, int]]:
    """Spinal levels and discs written as "L5/S1", "L4-5", "C6" (capital letters only):
    (("L5", "S1"), start, end)."""
    found: list[tuple[tuple[str, ...], int, int]] = []
    if not _LEVEL_HINT.search(text):
        return found
    for m in _LEVEL.finditer(text):
        letter, number, letter2, number2 = m.groups()
        if int(number) > 12 or (number2 and int(number2) > 12):
            continue
        if not number2 and letter in "ST":
            continue  # "S1 S2" heart sounds, "T2" MRI sequences: only a pair is a level
        if letter == "C" and _COMPLEMENT.match(text, m.end(), m.end() + 30):
            continue  # "C3/C4 normal", "C3 and C4 low": complement levels, not vertebrae
        level = (f"{letter}{int(number)}",)
        if number2:
            level += (f"{letter2 or letter}{int(number2)}",)
        found.append((level, m.start(), m.end()))
    return found


# treatment cycles counted ("cycle 4 of 8", "C2D8", "C3 D1"): a "C" and a number there is a
# cycle, not a cervical level, unless the texts speak of the spine at all
_CYCLES = re.compile(r"\bcycles?\s+(?:\d|one|two|three|four|five|six)|\bC\d{1,2}\s?D\d", re.I)
_SPINE = re.compile(
    r"\b(?:spin\w*|vertebr\w*|cervical|discs?|disks?|cord|neck|radicul\w*|myelo\w*|"
    r"foramin\w*|c-spine|dermatom\w*|nerve roots?|cauda)\b",
    re.I,
)


def _counts_cycles(*texts: str) -> bool:
    """Whether the texts count treatment cycles and never speak of the spine ("CAPOX cycle 4
    of 8" ... "toxicity since C3")."""
    return any(_CYCLES.search(t) for t in texts) and not any(_SPINE.search(t) for t in texts)


def _no_cervical(
    sites: list[tuple[str, tuple[str, ...], int, int]],
) -> list[tuple[str, tuple[str, ...], int, int]]:
    """The numbered sites less the "C" levels (treatment cycles where cycles are counted)."""
    return [x for x in sites if not (x[0] == "spine" and x[1][0].startswith("C"))]


def _said_of_another(
    out: AnalyzedText,
    ctx: AnalyzedText,
    start: int,
    end: int,
    same: list[tuple[tuple[str, ...], int, int]],
    rivals: list[tuple[tuple[str, ...], int, int]],
) -> tuple[int, int] | None:
    """The span of another site of the input that says more of what the output says of this
    one than the input's own mentions of it do, or None ("LR7 extracted": the input extracts
    LR6 and finds LR7 sound)."""
    if not rivals:
        return None
    at = _token_at(out, max(start, end - 1))
    own = {t.stem for t in out.tokens_in(start, end)}
    topic = clause_window_stems(out, at) - own
    if not topic:
        return None

    def said(a: int, b: int) -> set[str]:
        return topic & clause_window_stems(ctx, _token_at(ctx, max(a, b - 1)), _TOPIC + 2)

    told = set().union(*(said(a, b) for _, a, b in same))
    for _, a, b in rivals:
        if said(a, b) > told:
            return a, b
    return None


_ORDINALS = {
    word: n
    for n, words in enumerate(
        (
            ("first", "1st"),
            ("second", "2nd"),
            ("third", "3rd"),
            ("fourth", "4th"),
            ("fifth", "5th"),
        ),
        start=1,
    )
    for word in words
}
_NUMBERED_BONES = {
    "metatarsal": "metatarsal",
    "mt": "metatarsal",
    "metacarpal": "metacarpal",
    "mc": "metacarpal",
    # the joint at a numbered bone's head is numbered by it ("1st MTP joint", "5th MCPJ")
    "mtp": "metatarsal",
    "mtpj": "metatarsal",
    "metatarsophalangeal": "metatarsal",
    "mcp": "metacarpal",
    "mcpj": "metacarpal",
    "metacarpophalangeal": "metacarpal",
}
_ORDINAL_BONE = fast_compile(
    r"\b(" + "|".join(_ORDINALS) + r")\s+(" + "|".join(_NUMBERED_BONES) + r")s?\b", re.IGNORECASE
)
# "The fourth is fine" after "the fifth metacarpal": the bone named before
_BARE_ORDINAL = re.compile(
    r"\bthe\s+(" + "|".join(_ORDINALS) + r")\b(?=\s*(?:is|was|one|[,.;]))", re.IGNORECASE
)
# a tooth in Palmer notation: quadrant (upper/lower, left/right) and number ("LR6", "UL8")
_TOOTH = re.compile(r"\b([UL][LR])\s?([1-8])\b")
_TOOTH_HINT = re.compile(r"[UL][LR]\s?[1-8]")  # what every match of _TOOTH holds (a fast scan)
# a permanent tooth in FDI notation ("tooth 36", "(36)" after a tooth's name): the first digit
# its quadrant (1 upper right, 2 upper left, 3 lower left, 4 lower right), the second its place
# from the midline (FDI World Dental Federation, ISO 3950)
_FDI = re.compile(r"\b(?:tooth|teeth)\s+([1-4])([1-8])\b|(?<=\()([1-4])([1-8])(?=\))", re.I)
_FDI_QUADRANTS = {"1": "UR", "2": "UL", "3": "LL", "4": "LR"}
# a tooth named in words ("lower left first molar", "upper right canine")
_TOOTH_WORDS = fast_compile(
    r"\b(upper|lower)\s+(left|right)\s+(?:(first|second|third|1st|2nd|3rd)\s+)?"
    r"(central\s+incisor|lateral\s+incisor|canine|premolar|bicuspid|molar|wisdom\s+tooth)\b",
    re.IGNORECASE,
)
_TOOTH_PLACES = {
    "central incisor": 1,
    "lateral incisor": 2,
    "canine": 3,
    "premolar": 4,
    "bicuspid": 4,
    "molar": 6,
    "wisdom tooth": 8,
}
# a named tooth word near an FDI number in brackets makes it a tooth ("first molar (36)")
_TOOTH_NEAR = re.compile(r"\b(?:tooth|teeth|molar|premolar|incisor|canine|[UL][LR]\s?[1-8])\b")


def _teeth(text: str) -> list[tuple[str, tuple[str, ...], int, int]]:
    """Teeth named in Palmer notation ("LL6"), FDI notation ("tooth 36", "LL6 (36)") or words
    ("lower left first molar"), each as its Palmer code."""
    low = lower_ascii(text)  # None for a text whose case may fold onto ASCII otherwise
    found = [
        ("tooth", (m.group(1) + m.group(2),), m.start(), m.end())
        for m in (_TOOTH.finditer(text) if _TOOTH_HINT.search(text) else ())
    ]
    # an FDI number is in brackets or after "tooth"; a tooth in words is upper or lower
    fdi = low is None or "(" in text or "tooth" in low or "teeth" in low
    for m in _FDI.finditer(text) if fdi else ():
        quadrant, place = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if not m.group(1) and not _TOOTH_NEAR.search(text, max(0, m.start() - 40), m.start()):
            continue  # "(36)" alone: a number, not a tooth
        found.append(("tooth", (_FDI_QUADRANTS[quadrant] + place,), m.start(), m.end()))
    words = low is None or "upper" in low or "lower" in low
    for m in _TOOTH_WORDS.finditer(text) if words else ():
        quadrant = m.group(1)[0].upper() + m.group(2)[0].upper()
        kind = " ".join(m.group(4).lower().split())
        place = _TOOTH_PLACES[kind]
        if m.group(3) and kind in ("premolar", "bicuspid", "molar"):
            place += _ORDINALS[m.group(3).lower()] - 1
        found.append(("tooth", (f"{quadrant}{place}",), m.start(), m.end()))
    return found


def numbered_sites(text: str, bare: bool = False) -> list[tuple[str, tuple[str, ...], int, int]]:
    """Sites named by number: (kind, site, start, end) of spinal levels ("spine", ("L5",
    "S1")), teeth ("tooth", ("LR6",)) and numbered bones ("metatarsal", ("5",)); with
    ``bare``, also an ordinal alone after a bone of its kind ("the fourth is fine")."""
    found = [("spine", level, start, end) for level, start, end in spinal_levels(text)]
    found += _teeth(text)
    bones = [
        (
            _NUMBERED_BONES[m.group(2).lower()],
            (str(_ORDINALS[m.group(1).lower()]),),
            m.start(),
            m.end(),
        )
        for m in _ORDINAL_BONE.finditer(text)
    ]
    if bones and bare:
        starts = [b[2] for b in bones]
        for m in _BARE_ORDINAL.finditer(text):
            k = bisect.bisect_left(starts, m.start()) - 1
            if k >= 0 and m.start() - bones[k][3] < 200:
                number = (str(_ORDINALS[m.group(1).lower()]),)
                bones.append((bones[k][0], number, m.start(1), m.end(1)))
    return found + bones


def same_place(a: str, b: str) -> bool:
    """Whether two body parts can name one place: the same, one holds the other, or a bare
    "side"."""
    a, b = _one(a), _one(b)
    if a == b or "side" in (a, b) or "sided" in (a, b):
        return True
    return b in _REGIONS.get(a, ()) or a in _REGIONS.get(b, ())


def _one(part: str) -> str:
    """A part's singular ("extremities" -> "extremity", "knees" -> "knee"; "feet" stays, as
    the regions list it)."""
    if part.endswith("ies"):
        return part[:-3] + "y"
    return part[:-1] if part.endswith("s") and not part.endswith("ss") else part


_REGIONS = {group[0]: frozenset(group[1:]) for group in REGIONS}
_ALIASES = {alias: name for alias, name in SIBLING_ALIASES}
_LOOSE = frozenset(SIBLING_GROUPS.index(group) for group in LOOSE_SIBLING_GROUPS)
_SIBLING_INDEX: dict[str, list[tuple[int, list[str]]]] = {}
for _number, _group in enumerate(SIBLING_GROUPS):
    for _member in _group:
        _SIBLING_INDEX.setdefault(_member.split()[0], []).append((_number, _member.split()))


def _plural(word: str) -> str:
    """A structure word's regular plural ("knee" -> "knees", "artery" -> "arteries")."""
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "o", "u"):
        return word[:-1] + "ies"
    return word + "s"


# plural forms of the sibling structures' last words ("knees", "arteries", "feet"; "ulnae" is
# rare)
_SINGULAR = {
    **{_plural(w.split()[-1]): w.split()[-1] for g in SIBLING_GROUPS for w in g},
    "feet": "foot",
}
# a collective plural and the members it names, by its first word
_COLLECTIVES: dict[str, list[tuple[list[str], tuple[str, ...]]]] = {}
for _group in SIBLING_COLLECTIVES:
    _COLLECTIVES.setdefault(_group[0].split()[0], []).append((_group[0].split(), _group[1:]))
# the words (possessive's "'s" left out) that _structures reads: a collective's first word, or
# one whose singular opens a structure
_OPENERS = frozenset(_COLLECTIVES) | {
    w for w in (*_SIBLING_INDEX, *_SINGULAR) if _SINGULAR.get(w, w) in _SIBLING_INDEX
}
# the token texts of those words, with or without the "'s": a text with none of them names no
# structure (most texts), and _structures reads no further
_OPENER_TEXTS = frozenset(
    {w for w in _OPENERS if not w.endswith(("'s", "\u2019s"))}
    | {w + s for w in _OPENERS for s in ("'s", "\u2019s")}
)


_LIST_GAP = re.compile(r"^(?:\s*(?:[,+&/]|and)\s*)$")


def _listed_before(doc: AnalyzedText, first: int) -> set[str]:
    """Words listed before a plural structure that collects them ("thumb, index, middle
    fingers", "4th and 5th ribs"): up to four tokens back, joined by ",", "+", "&", "/" or
    "and" (the tokens between are the list's own items)."""
    toks = doc.tokens
    listed: set[str] = set()
    for k in range(first - 1, max(-1, first - 5), -1):
        gap = doc.text[toks[k].end : toks[k + 1].start]
        if toks[k].text == "and":
            continue
        if gap.strip() and not _LIST_GAP.match(gap):
            break
        listed.add(_SINGULAR.get(toks[k].text, toks[k].text))
    return listed


def _structures(doc: AnalyzedText) -> list[tuple[int, str, int]]:
    """(group number, name, index of its last token) of each structure of a sibling group."""
    toks = doc.tokens
    if _OPENER_TEXTS.isdisjoint([t.text for t in toks]):
        return []
    # "the ankle's fine": the possessive's "'s" is left out
    raw = [t.text[:-2] if t.text.endswith(("'s", "’s")) else t.text for t in toks]
    words = [_SINGULAR.get(w, w) for w in raw]
    found = []
    collective = []
    for i, word in enumerate(words):
        if raw[i] in _COLLECTIVES:
            collective.extend(_collective(raw, i))
        if word not in _SIBLING_INDEX:
            continue
        for number, phrase in _SIBLING_INDEX[word]:
            if words[i : i + len(phrase)] == phrase:
                name = " ".join(phrase)
                found.append((number, _ALIASES.get(name, name), i + len(phrase) - 1))
                break
    # "right coronary arteries" names the RCA, not every coronary artery
    ends = {last for _, _, last in found}
    return found + [c for c in collective if c[2] not in ends]


def _collective(raw: list[str], i: int) -> list[tuple[int, str, int]]:
    """(group number, member, index of its last token) of each member that a collective plural
    starting at token ``i`` names ("collateral ligaments": the MCL and the LCL)."""
    for phrase, members in _COLLECTIVES.get(raw[i], ()):
        if raw[i : i + len(phrase)] == phrase:
            last = i + len(phrase) - 1
            found = []
            for member in members:
                for number, words in _SIBLING_INDEX.get(member.split()[0], ()):
                    if words == member.split():
                        found.append((number, _ALIASES.get(member, member), last))
                        break
            return found
    return []
