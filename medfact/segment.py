"""Clinical-aware sentence segmentation with exact character spans.

Two passes, both regex-driven: lines are grouped into blocks (blank lines, list items, speaker
tags, headers and short table-like lines start a new block; wrapped lines continue one), then each
block is cut at sentence-final punctuation and at speaker tags inside a line. Abbreviations,
decimals, initials and list numbers do not end a sentence. Every sentence satisfies
``text[start:end] == sentence.text`` with surrounding whitespace left out.
"""

from __future__ import annotations

import re

from medfact.errors import ConfigError
from medfact.registry import segmenters
from medfact.types import SENTENCES, Sentence


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NAMES = (
    r"(?:Doctor|Patient|G(?:ue)?st_[A-Za-z]+|Nurse|Physician|Clinician|Provider|Caregiver"
    r"|Interpreter|Parent|Mother|Father|Assistant|User|Speaker[ _]?\d{1,2}"
    # a relative or another clinician who speaks in the visit ("Wife: four millimeter"): a
    # turn of its own where the line before ends without a full stop
    r"|Wife|Husband|Partner|Son|Daughter|Brother|Sister|Mum|Mom|Dad|Grandmother|Grandfather"
    r"|Grandma|Grandpa|Aunt|Uncle|Carer|Midwife|Pharmacist|Paramedic|Registrar|Surgeon"
    r"|Anaesthetist|Anesthetist|Therapist|Physiotherapist)"
)
_BRACKET = (
    r"\[(?:doctor|patient|nurse|physician|clinician|provider|caregiver|interpreter|guest"
    r"|family|speaker)(?:_[a-z]+)?\]"
)
#: A dialogue speaker tag: "Doctor:", "Guest_family:", "[patient]" (case of the name kept loose).
SPEAKER_TAG = rf"(?:(?=[A-Z])(?i:{_NAMES})[ \t]*:|(?i:{_BRACKET}))"
_SPEAKER_START_RE = re.compile(rf"{SPEAKER_TAG}(?=\s|$)")
_SPEAKER_LEAD_RE = re.compile(rf"{SPEAKER_TAG}\s*")
_SPEAKER_TAIL_RE = re.compile(rf"{SPEAKER_TAG}\Z")
_LIST_RE = re.compile(r"(?:[-*•‣◦▪–—]|\(?\d{1,3}[.)]|\(?[a-z]\))\s")
_HEADER_RE = re.compile(
    r"[A-Z][A-Z &/,()'+\-]*[A-Z)](?:[ \t]*:)?"
    r"|[A-Z][\w'/&()+\-]*(?:[ \t][\w'/&()+\-]+){0,5}[ \t]*:"
)
_CAND_RE = re.compile(r"([.!?…:\]])[\"'”’)\]]*(\s+|$)")
_LAST_WORD_RE = re.compile(r"(\S+)\s*\Z")

_TITLES = _wordset("dr mr mrs ms mx prof st sr")
_NEVER = _wordset("vs e.g i.e eg ie cf approx viz esp incl")
_SOFT = _wordset(
    """no nos fig figs mg mcg cm mm ml kg lb lbs oz etc a.m p.m b.i.d t.i.d q.i.d q.d q.o.d
    p.o p.r.n h.s q.h.s q.a.m q.p.m i.v i.m s.c min hr hrs wk wks yr yrs mo mos vol ref pg pp
    dept inc est ext ft in"""
)
_LETTER_NOUNS = _wordset(
    """vitamin hepatitis hep type group grade stage class phase figure fig factor lead
    schedule plan option level zone appendix table part section"""
)
_STARTERS = _wordset(
    """the he she they we it i this that these there his her their patient patients you your
    a an in on at no she's he's it's we'll i'm after before if when she'll he'll"""
)
_JOINERS = _wordset("and or of with the to for a an in on at by from but nor as")
_OPENERS = "\"'“‘([{"
_CLOSERS = ",;-(&/.!?…"
_SHORT_LINE = 40


def is_header(text: str) -> bool:
    """True when ``text`` (one stripped line) is a section header such as "HPI:" or "PLAN"."""
    return _HEADER_RE.fullmatch(text) is not None


def speaker_tag_length(text: str) -> int:
    """Length of a leading speaker tag plus the whitespace after it; 0 when there is none."""
    m = _SPEAKER_LEAD_RE.match(text)
    return m.end() if m else 0


@segmenters.register("clinical.v1")
class ClinicalSegmenter:
    """Split clinical text (notes, dialogues, LM answers) into sentences with exact spans.

    ``max_sentence_chars`` bounds a sentence's length: longer ones are cut at the last
    whitespace before the limit (or at the limit when there is none).
    """

    name = "clinical.v1"

    def __init__(self, max_sentence_chars: int = 2000) -> None:
        value = max_sentence_chars
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(
                "segmenter 'clinical.v1' parameter 'max_sentence_chars' must be an integer >= 1; "
                f"got {value!r}."
            )
        self.max_sentence_chars = max_sentence_chars

    def __call__(self, text: str) -> list[Sentence]:
        spans = self.spans(text)
        return SENTENCES.validate_python(
            [{"index": i, "span": (s, e), "text": text[s:e]} for i, (s, e) in enumerate(spans)]
        )

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The sentences' ``(start, end)`` offsets only (what ``__call__`` wraps)."""
        out: list[tuple[int, int]] = []
        limit = max(1, self.max_sentence_chars)
        cands = _CAND_RE.finditer(text)
        m = next(cands, None)
        for bstart, bend in _blocks(text):
            found: list[re.Match[str]] = []
            while m is not None and m.start() < bend:
                if m.start() >= bstart:
                    found.append(m)
                m = next(cands, None)
            for start, end in _split_block(text, bstart, bend, found):
                if end - start > limit:
                    out.extend(_bounded(text, start, end, limit))
                else:
                    out.append((start, end))
        return out


def _blocks(text: str) -> list[tuple[int, int]]:
    """Group lines into blocks of stripped ``(start, end)`` offsets."""
    blocks: list[tuple[int, int]] = []
    start = end = -1
    prev = ""
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            if start >= 0:
                blocks.append((start, end))
                start = -1
        else:
            lstart = pos + len(line) - len(line.lstrip())
            if start < 0 or _starts_block(prev, stripped):
                if start >= 0:
                    blocks.append((start, end))
                start = lstart
            end = lstart + len(stripped)
            prev = stripped
        pos += len(line) + 1
    if start >= 0:
        blocks.append((start, end))
    return blocks


def _starts_block(prev: str, line: str) -> bool:
    """Does ``line`` open a new block after ``prev`` (both stripped, non-empty)?"""
    if _LIST_RE.match(line) or _SPEAKER_START_RE.match(line) or is_header(line):
        return True
    if prev[-1] == ":" or is_header(prev):
        return True
    return len(prev) <= _SHORT_LINE and line[0].isupper() and _ends_line(prev)


def _ends_line(line: str) -> bool:
    """A short line whose last word does not ask for a continuation (table rows, lab values)."""
    if line[-1] in _CLOSERS:
        return False
    m = _LAST_WORD_RE.search(line)
    return m is None or m.group(1).lower() not in _JOINERS


def _split_block(
    text: str, bstart: int, bend: int, cands: list[re.Match[str]]
) -> list[tuple[int, int]]:
    """Cut one block at the candidates that end a sentence or open a speaker turn."""
    out: list[tuple[int, int]] = []
    start = bstart
    for m in cands:
        punct = m.group(1)
        if punct in ":]":
            tag = _inline_tag(text, bstart, m.start() + 1)
            if tag > start:
                end = start + len(text[start:tag].rstrip())
                if end > start:
                    out.append((start, end))
                start = tag
        elif m.end() < bend and _is_boundary(text, m, start):
            out.append((start, m.start(2)))
            start = m.end()
    out.append((start, bend))
    return out


def _inline_tag(text: str, bstart: int, end: int) -> int:
    """Start of a speaker tag ending at ``end`` and preceded by whitespace, else -1."""
    m = _SPEAKER_TAIL_RE.search(text, max(bstart, end - 32), end)
    if m is None or m.start() <= bstart or not text[m.start() - 1].isspace():
        return -1
    return m.start()


def _word_start(text: str, lo: int, end: int) -> int:
    """Start of the whitespace-free run that ends at ``end`` (looking back no further than lo)."""
    return (
        max(text.rfind(" ", lo, end), text.rfind("\n", lo, end), text.rfind("\t", lo, end), lo - 1)
        + 1
    )


def _is_boundary(text: str, m: re.Match[str], sent: int) -> bool:
    """Decide whether the punctuation matched by ``m`` ends the sentence begun at ``sent``."""
    nxt, gap = m.end(), m.group(2)
    pstart = _punct_start(text, m.start(), sent)
    punct = text[pstart : m.start() + 1]
    ch = text[nxt]
    wstart = _word_start(text, max(sent, pstart - 40), pstart)
    if wstart == pstart:  # tokenised text: "okay . all right"
        return ch.isalnum() or ch in _OPENERS
    line_end = "\n" in gap
    if punct != ".":
        return line_end or not ch.islower()
    word = text[wstart:pstart].lstrip(_OPENERS)
    low = word.lower()
    if low in _NEVER or low in _TITLES and word[:1].isupper():
        return False
    if ch.islower():
        return line_end and low not in _SOFT and "." not in low
    if ch.isdigit() and (low in _SOFT or "." in low):
        return False
    if _is_list_marker(text, wstart, word, sent):
        return False
    return len(gap) > 1 or not _is_initial(text, wstart, nxt, word, sent)


def _punct_start(text: str, pos: int, lo: int) -> int:
    """Start of the run of sentence punctuation ("?!", "...") whose last character is at pos."""
    start = pos
    while start > lo and pos - start < 10 and text[start - 1] in ".!?…":
        start -= 1
    return start


def _is_list_marker(text: str, wstart: int, word: str, sent_start: int) -> bool:
    """ "1." or "a." opening a sentence or following ":" or ";" is a list number ("Plan: 1.")."""
    if not (len(word) <= 3 and word.isdigit()) and not (len(word) == 1 and word.isalpha()):
        return False
    if wstart <= sent_start:
        return True
    window = max(sent_start, wstart - 8)
    before = text[window:wstart].rstrip()
    if not before:
        return window == sent_start
    return before[-1] in ":;"


def _is_initial(text: str, wstart: int, nxt: int, word: str, sent_start: int) -> bool:
    """ "J. Smith": a single capital, after a name or title, before a capitalised word."""
    if len(word) != 1 or not word.isupper():
        return False
    follow = text[nxt : nxt + 12].split(maxsplit=1)
    if follow and follow[0].lower().rstrip(",.") in _STARTERS:
        return False
    before = _LAST_WORD_RE.search(text, max(sent_start, wstart - 40), wstart)
    if before is None:
        return True
    prev = before.group(1)
    if prev.rstrip(".").lower() in _LETTER_NOUNS:
        return False
    return prev[0].isupper() and (len(prev) > 1 or prev.endswith("."))


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Shrink ``[start, end)`` past surrounding whitespace; None when nothing is left."""
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return None
    left = start + len(piece) - len(piece.lstrip())
    return left, left + len(stripped)


def _bounded(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence at the last whitespace before each ``limit`` characters."""
    out: list[tuple[int, int]] = []
    while end - start > limit:
        cut = max(text.rfind(c, start + 1, start + limit + 1) for c in " \n\t")
        if cut <= start:
            cut = start + limit
        if span := _trim(text, start, cut):
            out.append(span)
        start = cut
        rest = _trim(text, start, end)
        if rest is None:
            return out
        start = rest[0]
    out.append((start, end))
    return out


_DEFAULT = ClinicalSegmenter()


def segment(text: str) -> list[Sentence]:
    """Segment ``text`` with a default :class:`ClinicalSegmenter`."""
    return _DEFAULT(text)
