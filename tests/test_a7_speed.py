"""Speed changes of the rule tier that must not change any output (issue 13, speed bar).

Each fast path is checked against the plain reading it replaces, on texts written for the test,
and a control shows the fast path is taken (the slow reading is not called) where it should be.
"""

from __future__ import annotations

import pytest

from medfact.analysis import Analyzer, Token, is_clinical, is_content
from medfact.lexicon import terms
from medfact.lexicon.drugs import default_lexicon
from medfact.segment import ClinicalSegmenter
from medfact.textutil import STOPWORDS
from medfact.verifiers import route, temporal
from medfact.verifiers.entities import AliasIndex, Mention, _index, abbreviation_index

TEXTS = [
    "Patient denies chest pain. Takes metoprolol 50 mg PO daily; no known drug allergies.",
    "[doctor] any fevers or chills ? [patient] no . [doctor] and the strokes , x rays , "
    "biopsies ? [patient] she had a stroke in 2019 and an appy as a kid .",
    "History of diabetes mellitus type 2, hypertension and CHF. S/p appendectomy. Haemoglobin "
    "low; tumours resected. Vit K given IV. TXA 1 g IV. VCR held.",
    "She was admitted to the ICU with sepsis and pneumonias; started on pip-tazo IV q8h.",
    "Sodium bicarbonate 8.4% and vitamin D3; insulin lispro sliding scale, folic acid 1 mg.",
    "",
    "ok",
]


def _plain_is_content(tok: Token) -> bool:
    """is_content as it read before the one-set look-up."""
    return (
        len(tok.text) > 2
        and not tok.is_number
        and tok.text not in STOPWORDS
        and tok.text not in terms.GENERIC_WORDS
        and tok.text not in terms.NUMBER_WORDS
        and tok.text not in terms.DEMOGRAPHIC_WORDS
    )


def _analyse(text: str):
    return Analyzer()(text, ClinicalSegmenter()(text))


def test_is_content_matches_the_plain_reading() -> None:
    words = sorted(STOPWORDS | terms.GENERIC_WORDS | terms.DEMOGRAPHIC_WORDS)
    words += list(terms.NUMBER_WORDS) + ["pain", "fever", "12", "3rd", "ab", "abc", "metoprolol"]
    for word in words:
        tok = Token(word, 0, len(word), 0, word)
        assert is_content(tok) == _plain_is_content(tok), word
    assert is_content(Token("fever", 0, 5, 0, "fever"))  # control: a content word is one
    assert not is_content(Token("the", 0, 3, 0, "the"))


def test_scale_words_keep_every_scale_in_table_order() -> None:
    doc = _analyse("Mild pain, possibly severe at times, occurring daily and rarely at night.")
    expected = [
        (scale, table[t.text], t.start)
        for t in doc.tokens
        for scale, table in terms.SCALES.items()
        if t.text in table
    ]
    assert [(s.scale, s.value, s.start) for s in doc.scale_words] == expected
    assert expected  # control: the sentence has scale words


class _Everything:
    """A set that holds every word: no word is passed over without a look-up."""

    def __contains__(self, item: object) -> bool:
        return True


def _plain_find(index: AliasIndex, text: str) -> list[Mention]:
    """AliasIndex.find as it read before the fast path: every word looked up."""
    singles = index.singles
    index.singles = _Everything()  # type: ignore[assignment]
    try:
        return index.find(text)
    finally:
        index.singles = singles


@pytest.mark.parametrize("text", TEXTS)
def test_alias_index_fast_path_finds_the_same(text: str) -> None:
    for index in (_index(), abbreviation_index()):
        assert index.find(text) == _plain_find(index, text)


def test_alias_index_fast_path_skips_look_ups(monkeypatch) -> None:
    index, text = _index(), TEXTS[0] + " " + TEXTS[2]
    calls = []
    real = AliasIndex._lookup
    monkeypatch.setattr(AliasIndex, "_lookup", lambda self, *a: calls.append(1) or real(self, *a))
    fast = index.find(text)
    n_fast, calls[:] = len(calls), []
    assert _plain_find(index, text) == fast
    assert 0 < n_fast < len(calls)  # control: the plain reading looks up more words


def test_alias_index_finds_plurals_through_the_fast_path() -> None:
    found = {(m.concept, m.surface) for m in _index().find("two strokes and several biopsies")}
    assert any(surface == "strokes" for _, surface in found)


def test_route_mentions_skip_drugs_without_a_route_word(monkeypatch) -> None:
    calls = []
    real = route._drug_spans
    monkeypatch.setattr(route, "_drug_spans", lambda doc: calls.append(1) or real(doc))
    assert route.route_mentions(_analyse("Takes metoprolol 50 mg daily for blood pressure.")) == []
    assert calls == []
    found = route.route_mentions(_analyse("Takes metoprolol 50 mg PO daily."))  # control
    assert [(m.route, m.drug) for m in found] == [("oral", "metoprolol")]
    assert calls == [1]


def test_temporal_concepts_are_read_only_when_a_topic_is_asked(monkeypatch) -> None:
    calls = []
    real = temporal.concept_mentions
    monkeypatch.setattr(temporal, "concept_mentions", lambda *a: calls.append(1) or real(*a))
    assert temporal.mentions(_analyse("Blood pressure is fine.")) == []
    assert calls == []
    found = temporal.mentions(_analyse("She had an appendectomy 5 years ago."))  # control
    assert found and calls
    assert any("@appendectomy" in m.topic for m in found)


def _plain_drugs(lexicon, text: str):
    """DrugLexicon.find as it read before the one-word fast path: every word tries every
    length it may start."""
    first_words, first_pairs = lexicon.first_words, lexicon.first_pairs
    lexicon.first_words = lexicon.first_pairs = _Everything()
    try:
        return lexicon.find(text)
    finally:
        lexicon.first_words, lexicon.first_pairs = first_words, first_pairs


@pytest.mark.parametrize("text", TEXTS)
def test_drug_lexicon_fast_path_finds_the_same(text: str) -> None:
    lexicon = default_lexicon()
    assert lexicon.find(text) == _plain_drugs(lexicon, text)


def test_drug_lexicon_still_finds_multi_word_names() -> None:
    lexicon = default_lexicon()
    found = lexicon.find("She takes folic acid daily and metoprolol, insulin glargine too.")
    assert [(m.surface, m.canonical) for m in found] == [
        ("folic acid", "folic acid"),
        ("metoprolol", "metoprolol"),  # control: a one-word name too
        ("insulin glargine", "insulin glargine"),
    ]
    three = next(v for v in sorted(lexicon.variants) if v.count(" ") == 2 and v.isascii())
    text = f"Given {three} today."
    assert lexicon.find(text) == _plain_drugs(lexicon, text)


def _plain_is_clinical(word: str) -> bool:
    from medfact.analysis import _CLINICAL_SUFFIX, _SYNONYM_KEY

    return (
        word in terms.CLINICAL_WORDS
        or word in terms.ANATOMY
        or word.rstrip("s") in terms.ANATOMY
        or word in _SYNONYM_KEY
        or (len(word) > 5 and _CLINICAL_SUFFIX.search(word) is not None)
        or default_lexicon().variants.get(word) is not None
    )


def test_is_clinical_memo_answers_as_the_plain_reading() -> None:
    words = ["pneumonia", "knees", "metoprolol", "walked", "appendicitis", "table", "htn", "the"]
    for _ in range(2):  # the second round answers from the memo
        for word in words:
            assert is_clinical(Token(word, 0, len(word), 0, word)) == _plain_is_clinical(word)
    assert is_clinical(Token("pneumonia", 0, 9, 0, "pneumonia"))  # control
    assert not is_clinical(Token("table", 0, 5, 0, "tabl"))


def test_names_finding_memo_keys_on_word_and_stem() -> None:
    from medfact.compare import _names_finding
    from medfact.verifiers.polarity import FINDING_STEMS

    stem = FINDING_STEMS[0]
    word = "zzword"
    plain = Token(word, 0, 6, 0, word)
    finding = Token(word, 0, 6, 0, stem)  # same word, a stem that names a finding
    for _ in range(2):
        assert _names_finding(plain) is False
        assert _names_finding(finding) is True


def test_pregnancy_facts_read_aims_only_at_a_pregnancy_word(monkeypatch) -> None:
    from medfact import compare

    calls = []
    real = compare._aim_sentences
    monkeypatch.setattr(compare, "_aim_sentences", lambda doc: calls.append(1) or real(doc))
    assert compare.pregnancy_facts(_analyse("Blood pressure is fine today.")) == []
    assert calls == []
    facts = compare.pregnancy_facts(_analyse("She is pregnant. We aim to assess whether it helps."))
    assert [(f.kind, f.value) for f in facts] == [("pregnancy", "yes")]  # control
    assert calls == [1]
    facts = compare.pregnancy_facts(_analyse("We sought to assess whether pregnant women do well."))
    assert facts == []  # an aim, not a statement: the memo of aims is read


def test_token_index_is_the_analysis_list_of_starts() -> None:
    from medfact.compare import _token_index

    doc = _analyse("No fever. Takes 5 mg daily.")
    assert _token_index(doc) == [t.start for t in doc.tokens]


def test_stops_read_semicolons_only_where_there_are_some() -> None:
    from medfact.analysis import _stops

    words = ["a", "b", "c", "d"]
    assert _stops([(2, 3)], ["", " ", " ", " "], words) == {2}
    assert _stops([(2, 3)], ["", " ", "; ", " "], words) == {2}  # the ";" before token 2
    assert _stops([], ["", " ; ", " ", "; "], words) == {1, 3}  # control: every ";" gap


def test_negation_after_a_semicolon_and_colon_as_before() -> None:
    doc = _analyse("Denies fever; cough present. Without contrast: small hematoma.")
    polarity = {t.text: t.polarity for t in doc.tokens}
    assert polarity["fever"] == "negated"
    assert polarity["cough"] == "affirmed"  # the ";" ends the denial
    assert polarity["hematoma"] == "affirmed"  # the ":" ends it too


def test_temporal_clause_ends_read_only_when_asked() -> None:
    text = temporal._Text(_analyse("She had surgery last year, then rested; now walks. Fine."))
    doc = text.doc.text
    assert text._breaks == {}  # nothing read yet
    assert doc[slice(*text.clause(doc.index("rested")))] == "She had surgery last year, then rested"
    assert set(text._breaks) == {False}
    assert text._breaks[False] == [m.start() for m in temporal._CLAUSE_BREAK.finditer(doc)]
    assert doc[slice(*text.clause(doc.index("rested"), phrase=True))] == " then rested"
    assert text._breaks[True] == [m.start() for m in temporal._PHRASE_BREAK.finditer(doc)]


def test_reactions_and_avoided_drugs_need_a_drug() -> None:
    from medfact.verifiers.entities import avoided_drugs, reacted_drugs

    none = _analyse("She got hives and her throat closed up. Avoid it.")
    assert reacted_drugs(none) == {} and avoided_drugs(none) == {}
    named = _analyse("She took penicillin and got hives. Avoid ibuprofen.")
    assert "penicillins" in reacted_drugs(named)  # control: with drugs named, they are read
    assert "ibuprofen" in avoided_drugs(named)


def test_concept_key_memo_answers_as_the_plain_reading() -> None:
    from medfact.analysis import _SYNONYM_KEY, concept_key
    from medfact.textutil import stem

    def plain(word: str) -> str:
        if word.startswith("non-") and len(word) > 4:
            word = word[4:]
        return _SYNONYM_KEY.get(word, stem(word))

    words = ["htn", "hypertension", "non-smoker", "smoker", "non-", "running", "mg", "knees"]
    for _ in range(2):  # the second round answers from the memo
        assert [concept_key(w) for w in words] == [plain(w) for w in words]
    assert concept_key("htn") == concept_key("hypertension")  # control: synonyms still fold


def test_code_status_and_allergies_read_once_per_text() -> None:
    from medfact.verifiers.entities import allergies, code_status

    doc = _analyse("DNR/DNI. Allergic to penicillin. Full code was discussed.")
    first = code_status(doc)
    assert first.dnr and first.full
    assert code_status(doc) is first  # kept on the text: the second reader shares it
    assert allergies(doc) is allergies(doc)
    assert set(doc.readings) == {"code_status", "allergies"}
    other = _analyse("Full code. No known allergies.")
    assert not code_status(other).dnr and allergies(other) == []  # control: per text
    assert _analyse(doc.text) == doc  # the readings are not part of the text's value


def test_read_polarity_prefilter_never_hides_a_pattern_match() -> None:
    from medfact.verifiers import polarity

    befores = [
        "I wish I had some",
        "a device to prevent",
        "taken to reduce the risk of",
        "she denies similar",
        "no such",
        "WISH we had less",
        "Protecting against",
        "the patient has had",
        "\u017fuch",  # a long s: the ignored case folds it to "s", so it goes to the patterns
        "",
    ]
    for before in befores:
        matched = bool(
            polarity._WISH.search(before)
            or polarity._PURPOSE.search(before)
            or polarity._ANOTHER.search(before)
        )
        assert not matched or polarity._may_not_state(before), before
    assert polarity._ANOTHER.search("\u017fuch") and polarity._may_not_state("\u017fuch")
    assert not polarity._may_not_state("the patient has had")  # control: skipped


def test_negation_reads_a_wish_and_a_purpose_as_before() -> None:
    from medfact.verifiers.polarity import read_polarity

    doc = _analyse("I wish I had some weight loss. It helps to prevent pregnancy. No fever.")
    by_text = {t.text: t for t in doc.tokens}
    assert read_polarity(doc, by_text["loss"]) is None
    assert read_polarity(doc, by_text["pregnancy"]) is None
    assert read_polarity(doc, by_text["fever"]).polarity == "negated"  # control


def test_code_hint_answers_as_its_pattern() -> None:
    import random

    from medfact.verifiers.entities import _CODE_HINT, _CODE_HINT_WORDS, _code_hint

    pieces = [*_CODE_HINT_WORDS, "Natural Death", "natural  death", "DnR", "C P R", "tub", "co de"]
    pieces += ["the", "patient", " ", ".", "\\n", "stable", "INTUBATED", "cmO", "x"]
    rng = random.Random(13)
    texts = ["", "no hint here", "compre\u017f\u017fion", "CODE STATUS: full"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))) for _ in range(500)]
    for text in texts:
        assert _code_hint(text) == (_CODE_HINT.search(text) is not None), text
    assert _code_hint("compre\u017f\u017fion")  # control: a long s, folded by the pattern
    assert not _code_hint("no hint here")


_FACT_TEXT = (
    "[doctor] Any chest pain or shortness of breath?\n[patient] No, but my left knee hurts.\n"
    "[doctor] You are 45, a woman, allergic to penicillin, full code.\n[patient] Yes.\n"
    "[doctor] We started metoprolol 25 mg PO twice daily two weeks ago; the x-ray was normal. "
    "She is pregnant at 12 weeks. Pain is worse than before and more common in men than in "
    "women. Surgery will be scheduled next week in the ICU. Her mother had breast cancer."
)


def _kinds_of(facts) -> frozenset[str]:
    return frozenset(f.kind for f in facts)


def test_read_facts_by_kinds_is_the_full_reading_filtered() -> None:
    from medfact.compare import read_facts

    doc = _analyse(_FACT_TEXT)
    full = read_facts(doc)
    kinds = sorted(_kinds_of(full))
    assert len(kinds) >= 12  # control: the text holds facts of most kinds
    memo: dict = {}
    for kind in [*kinds, "absent-kind"]:
        assert read_facts(doc, frozenset({kind})) == [f for f in full if f.kind == kind], kind
        assert read_facts(doc, frozenset({kind}), memo) == [f for f in full if f.kind == kind]
    pair = frozenset({"amount", "polarity"})
    assert read_facts(doc, pair, memo) == [f for f in full if f.kind in pair]
    assert read_facts(doc, None, memo) == full  # the memo read again whole


def test_read_facts_by_kinds_runs_only_their_readers() -> None:
    from medfact import compare

    doc = _analyse(_FACT_TEXT)
    memo: dict = {}
    compare.read_facts(doc, frozenset({"polarity"}), memo)
    assert set(memo) == {compare.concept_facts}
    compare.read_facts(doc, frozenset({"amount"}), memo)  # amounts skip times and ages
    assert {compare.status_facts, compare.demographic_facts, compare.amount_facts} <= set(memo)
    assert compare.pregnancy_facts not in memo  # control: a reader of no asked kind


def test_windows_by_kinds_give_the_full_windows_facts_and_topics() -> None:
    from medfact.compare import _TOKEN_KINDS, Windows

    doc = _analyse(_FACT_TEXT)
    plain, lazy = Windows(doc), Windows(doc)
    bounds = [
        (s.span[0], doc.sentences[min(k + 1, len(doc.sentences) - 1)].span[1])
        for k, s in enumerate(doc.sentences)
    ] + [(0, len(doc.text))]
    for start, end in bounds:
        full = plain.facts(start, end)
        topics = plain.topics(start, end)
        for kinds in [frozenset({k}) for k in _kinds_of(full)] + [_kinds_of(full)]:
            assert lazy.facts(start, end, kinds) == [f for f in full if f.kind in kinds]
            part = lazy.topics(start, end, kinds)
            assert all(topics[at] == words for at, words in part.items())
            # every word-level fact of the kinds has its topic, the one the full reading gives
            assert {f.start for f in full if f.kind in kinds & _TOKEN_KINDS} <= set(part)


def test_aims_memo_keeps_short_sentences_only() -> None:
    from medfact import compare

    long = "We sought to assess whether it helps. " + "word " * 400
    short = "We aim to compare two doses."
    assert compare._aims(long) and compare._aims(short)
    assert not compare._aims("The knee is swollen.")  # control
    assert short in compare._AIMS and long not in compare._AIMS
