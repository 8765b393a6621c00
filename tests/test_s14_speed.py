"""Speed changes of the rule tier, session 14, that must not change any output (issue 13).

``medfact.rehint`` wraps hot patterns in :class:`FastPattern`: a substring hint derived from the
pattern and, for ignored case, a lower-cased copy searched in the lower-cased text. Each is
checked here against the pattern itself (``match``, ``search``, ``finditer``, with and without
``pos`` / ``endpos``) on ASCII and non-ASCII text, with controls that the shortcut is taken.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from medfact import analysis, compare, rehint, severity
from medfact.decomposers import condition_aware
from medfact.lexicon import drugs
from medfact.rehint import FastPattern, fast_compile, lower_ascii, lowered_copy, required_literals
from medfact.verifiers import anatomy, condition, entities, omission, polarity, support, temporal

CASES = Path(__file__).resolve().parents[1] / "bench" / "cases"

TEXTS = [
    "",
    "ok",
    "Patient denies chest pain. Takes metoprolol 50 mg PO daily; NKDA.",
    "[doctor] any LOC ? [patient] I passed OUT twice and had a SEIZURE .",
    "Only if the pain is severe, take 1-2 tablets; no more than 8 in 24 hours.",
    "Restart apixaban after the procedure. Continue aspirin. SpO2 91% on 2 L.",
    "Started on amoxicillin 3 days ago; the rash began after starting it. Done yesterday.",
    "Schedule a colonoscopy. Will be referred to cardiology. She lives with her husband.",
    "He was given IV fluids and had surgery in 2019, s/p appendectomy, status post CABG.",
    "Allergic to penicillin - anaphylaxis; avoids ibuprofen. DNR, not for intubation.",
    "Fracture of the second metatarsal; within normal limits; no known drug allergies.",
    "Oh, actually, I forgot: the pain is worse at night. Because of the cough, she is off work.",
    # non-ASCII text goes to the pattern, whose ignored case folds these onto ASCII letters
    "\u017feizures last week; di\u017f\u017feminated",  # the long s
    "\u212aeep taking it; NAS\u212a",  # the Kelvin sign
    "\u0130f the pain comes back, \u0131f needed",  # dotted and dotless i
    "caf\u00e9 visit; stroke-like slurred speech; no more than 4 g/day",
]


def _case_texts(limit: int = 400) -> list[str]:
    """Inputs and outputs of the challenge set (in the repository), for a wider check."""
    out: list[str] = []
    for path in sorted(CASES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                out += [record.get("context") or "", record.get("faithful") or ""]
        if len(out) >= limit:
            break
    return out[:limit]


def _wrapped() -> list[FastPattern]:
    """Every FastPattern the rule modules define at module level, and the red flags'."""
    modules = (analysis, compare, severity, condition_aware, drugs, anatomy, condition)
    modules += (entities, polarity, support, temporal)
    found = [v for m in modules for v in vars(m).values() if isinstance(v, FastPattern)]
    return found + list(omission._FAST_FLAGS)


def _same(a: re.Match[str] | None, b: re.Match[str] | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.span() == b.span() and a.groups() == b.groups() and a.re is b.re


def test_the_rule_modules_wrap_patterns() -> None:
    wrapped = _wrapped()
    assert len(wrapped) >= 60  # control: the checks below read real patterns
    # each has a shortcut to take (else the wrapper is only a cost)
    assert all(any(p.shortcuts()) for p in wrapped)


@pytest.mark.parametrize("text", TEXTS)
def test_wrapped_patterns_answer_as_the_patterns(text: str) -> None:
    for fast in _wrapped():
        plain = fast.compiled
        assert _same(fast.search(text), plain.search(text)), plain.pattern
        assert [m.span() for m in fast.finditer(text)] == [
            m.span() for m in plain.finditer(text)
        ], plain.pattern
        for at in range(0, len(text), 7):
            assert _same(fast.match(text, at), plain.match(text, at)), plain.pattern
            end = min(len(text), at + 30)
            assert _same(fast.search(text, at, end), plain.search(text, at, end))
            assert [m.span() for m in fast.finditer(text, at, end)] == [
                m.span() for m in plain.finditer(text, at, end)
            ]


def test_wrapped_patterns_answer_as_the_patterns_on_the_challenge_set() -> None:
    texts = _case_texts()
    assert len(texts) >= 300
    for fast in _wrapped():
        plain = fast.compiled
        for text in texts:
            assert _same(fast.search(text), plain.search(text)), (plain.pattern, text[:60])
            ours = [(m.span(), m.groups()) for m in fast.finditer(text)]
            assert ours == [(m.span(), m.groups()) for m in plain.finditer(text)]


def test_matches_are_the_patterns_own() -> None:
    fast = fast_compile(r"\b(?P<word>seizures?)\b", re.IGNORECASE)
    m = fast.search("Had a SEIZURE today")
    assert m is not None and m.group("word") == "SEIZURE"  # the text's case, not the copy's
    assert m.re is fast.compiled
    assert fast.pattern == fast.compiled.pattern and fast.groupindex == {"word": 1}
    assert fast.sub("fit", "a Seizure") == "a fit"  # other methods are the pattern's


class _Refuse:
    """A pattern that fails the test when it is run."""

    pattern = "refused"
    flags = 0

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the pattern was run ({name})")


def test_a_text_without_the_patterns_strings_is_passed_over() -> None:
    fast = fast_compile(r"\b(?:nkda|no known (?:drug )?allergies)\b", re.IGNORECASE)
    assert fast.shortcuts()[0] == ("allergies", "kda")  # re factors out the shared "n"
    fast.compiled = _Refuse()  # type: ignore[assignment]
    fast._lowered = _Refuse()  # type: ignore[assignment]
    assert fast.search("Takes metoprolol daily.") is None
    assert list(fast.finditer("Takes metoprolol daily.")) == []
    with pytest.raises(AssertionError):
        fast.search("NKDA")  # control: a text holding one is read


def test_ascii_text_is_read_through_the_lowered_copy() -> None:
    fast = fast_compile(r"\bsudden(?:ly)? onset\b", re.IGNORECASE)
    lowered = fast.shortcuts()[1]
    assert lowered is not None and not lowered.flags & re.IGNORECASE
    fast.compiled = _Refuse()  # type: ignore[assignment]
    assert fast.match("Gradual onset", 0) is None  # the copy alone says no
    assert fast.search("gradual ONSET of pain", 3, 20) is None
    with pytest.raises(AssertionError):
        fast.search("\u00e9 Sudden onset")  # control: non-ASCII text goes to the pattern


def test_required_literals() -> None:
    def lits(source: str, flags: int = 0) -> frozenset[str] | None:
        return required_literals(re.compile(source, flags))

    assert lits(r"\bNKDA\b|no\s+known\s+allergies") == {"nkda", "allergies"}
    assert lits(r"\b(?:pregnan\w*|hCG)\b", re.IGNORECASE) == {"pregnan", "hcg"}
    assert lits(r"(?:severe )?headache") == {"headache"}
    assert lits(r"a(?=bc)bcd") == {"abcd"}  # a lookahead matches nothing: the run goes on
    assert lits(r"x{2,}") == {"x"}
    assert lits(r"(?:ab|)") is None  # an empty alternative holds nothing
    assert lits(r"\d+\s*mg") == {"mg"}
    assert lits(r"\d+") is None
    assert lits(r"\u00e9t\u00e9") == {"t"}  # non-ASCII letters are no hint
    assert FastPattern(re.compile(r"\bno\b")).shortcuts()[0] is None  # too short to rule out


@pytest.mark.parametrize(
    "source",
    [
        r"[A-z]+ pain",  # a range across letter cases
        r"(?-i:Pain) now",  # a part that keeps case
        r"\x4Bg",  # an upper-case letter written as an escape
        "\u212ag",  # the Kelvin sign, which ignored case matches to k
        "[\u0100-\u0200]",  # holds the long s and dotless i
        r"(a)?(?(1)b|c)",  # a conditional group
    ],
)
def test_lowered_copy_refuses_what_it_cannot_show(source: str) -> None:
    pattern = re.compile(source, re.IGNORECASE)
    assert lowered_copy(pattern) is None
    fast = FastPattern(pattern)
    for text in ["KG", "Kg pain", "Ab pain", "PAIN now", "Pain now", "sk", "abc", "c"]:
        assert _same(fast.search(text), pattern.search(text))


def test_lowered_copy_keeps_escapes_and_group_names() -> None:
    pattern = re.compile(r"(?i)\W(?P<Dose>\d+)\s*MG\b(?P=Dose)?", re.IGNORECASE)
    copy = lowered_copy(pattern)
    assert copy is not None
    assert copy.pattern == r"\W(?P<dose>\d+)\s*mg\b(?P=dose)?"
    assert not copy.flags & re.IGNORECASE
    assert lowered_copy(re.compile("abc")) is None  # a pattern that keeps case needs none


def test_lower_ascii() -> None:
    assert lower_ascii("Hello World") == "hello world"
    assert lower_ascii("caf\u00e9") is None
    assert lower_ascii("A" * (rehint._CACHE_CHARS + 1)) is None  # long texts go to the pattern
    for k in range(3 * rehint._CACHE_TEXTS):  # the cache stays small
        lower_ascii(f"Text {k}")
    assert len(rehint._LOWER_CACHE) <= rehint._CACHE_TEXTS


def test_an_empty_match_pattern_keeps_its_own_finditer() -> None:
    pattern = re.compile(r"\b(?:no)?", re.IGNORECASE)
    fast = FastPattern(pattern)
    fast.shortcuts()
    assert fast._empty
    text = "No pain, no fever"
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in pattern.finditer(text)]


def test_any_red_flag_reads_flags_through_their_shortcuts(monkeypatch) -> None:
    monkeypatch.setattr(omission, "_ANY_FLAG", _Refuse())
    monkeypatch.setattr(omission, "_ANY_FLAG_LOWER", _Refuse())
    assert omission.any_red_flag("She had a SEIZURE at home.")  # control: a flag is found
    assert not omission.any_red_flag("No complaints today.")
    with pytest.raises(AssertionError):
        omission.any_red_flag("\u017feizure")  # non-ASCII text: the one ignored-case pattern


def _plain_find(lexicon: drugs.DrugLexicon, text: str) -> list[drugs.DrugMention]:
    """DrugLexicon.find as it read before session 14: match objects for every word."""
    words = [(m.group().lower(), m.start(), m.end()) for m in lexicon._WORD.finditer(text)]
    found, i = [], 0
    while i < len(words):
        longest = lexicon.max_words if words[i][0] in lexicon.first_words else 1
        for n in range(min(longest, len(words) - i), 0, -1):
            key = " ".join(w for w, _, _ in words[i : i + n])
            canonical = lexicon.variants.get(key)
            if canonical is not None:
                found.append(drugs._mention(text, key, words[i][1], words[i + n - 1][2], canonical))
                i += n
                break
        else:
            i += 1
    if found and ("M" in text or "D" in text):
        found = [
            d
            for d in found
            if not (
                d.surface[:1].isupper()
                and drugs._TITLE_BEFORE.search(text, max(0, d.start - 8), d.start)
            )
        ]
    return found


def test_drug_names_are_found_as_before() -> None:
    lexicon = drugs.default_lexicon()
    texts = (
        _case_texts(2000)
        + TEXTS
        + [
            "Mrs Hana Sato takes aspirin 75 mg; Tylenol No. 3 twice daily.",
            "caf\u00e9: Tylenol No. 3, insulin glargine 10 units, NaCl 0.9%",  # non-ASCII
            "Sodium chloride 0.9% and sodium bicarbonate; Dr Luan; vitamin D",
        ]
    )
    named = 0
    for text in texts:
        found = lexicon.find(text)
        assert found == _plain_find(lexicon, text), text[:80]
        named += bool(found)
    assert named > 100  # control: the texts name drugs


def test_a_text_naming_no_drug_reads_no_offsets(monkeypatch) -> None:
    lexicon = drugs.default_lexicon()

    class Words:
        @staticmethod
        def findall(text: str) -> list[str]:
            return re.findall(r"[a-z][a-z0-9\-]*", text)

        @staticmethod
        def finditer(text: str) -> object:
            raise AssertionError("offsets read")

    monkeypatch.setattr(drugs.DrugLexicon, "_WORD_LOWER", Words)
    assert lexicon.find("No complaints today, she feels well.") == []
    with pytest.raises(AssertionError):
        lexicon.find("Takes aspirin daily.")  # control: a name needs its offsets


def test_shortcuts_are_read_on_first_use() -> None:
    fast = fast_compile(r"\bseizures?\b", re.IGNORECASE)
    assert not fast._ready  # nothing read at import
    assert fast.search("a Seizure") is not None
    assert fast._ready and fast.shortcuts() == (("seizure",), fast._lowered)


@pytest.mark.parametrize("text", [*TEXTS, "trying to avoid", "SIMILAR", "to prev", "such as"])
def test_may_not_state_answers_as_the_word_look_ups(text: str) -> None:
    for k in range(0, len(text) + 1, 5):
        before = text[max(0, k - 30) : k]
        plain = not before.isascii() or any(
            word in before.lower() for word in polarity._NOT_STATING_WORDS
        )
        assert polarity._may_not_state(before) == plain


def test_late_corrections_are_looked_for_only_where_a_sentence_may_hold_one(monkeypatch) -> None:
    text = "Doctor: Any blood? Patient: No. Doctor: Okay. Patient: Oh, actually, the blood."
    plain = "Doctor: Any blood? Patient: No. Doctor: Okay. Patient: The blood test was fine."

    def analyse(text: str) -> list:
        from medfact.segment import ClinicalSegmenter

        return analysis.Analyzer()(text, ClinicalSegmenter()(text)).tokens

    assert analyse(text)[2].text == "blood"
    assert analyse(text)[2].polarity == analysis.AFFIRMED  # the correction is read
    assert analyse(plain)[2].polarity == analysis.NEGATED

    class Spy:
        def __init__(self, fast: FastPattern) -> None:
            self.fast, self.searched = fast, []

        def may_match(self, string: str) -> bool:
            return self.fast.may_match(string)

        def search(self, string: str, *args: int) -> re.Match[str] | None:
            self.searched.append(string)
            return self.fast.search(string, *args)

    spy = Spy(analysis._LATE_CORRECTION)
    monkeypatch.setattr(analysis, "_LATE_CORRECTION", spy)
    analyse(plain)
    assert spy.searched == []  # no sentence holds "actually", "forgot", ...: none is searched
    analyse(text)
    assert spy.searched  # control


def test_answers_read_for_some_sentences_are_the_full_readings_there() -> None:
    from medfact.segment import ClinicalSegmenter

    checked = 0
    # the inputs of the first files (800 texts: the blind parts sort first and hold few answered
    # questions without "?")
    for text in _case_texts(800)[::2]:
        ctx = analysis.Analyzer()(text, ClinicalSegmenter()(text))
        full = polarity._answered(ctx)
        for only in ({s.index for s in ctx.sentences[::2]}, {s.index for s in ctx.sentences[1::3]}):
            part = polarity._answered(ctx, only)
            expected = {i: r for i, r in full.items() if ctx.tokens[i].sentence in only}
            assert part == expected
            checked += len(part)
    assert checked > 20  # control: the inputs hold answered questions
