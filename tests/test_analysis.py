"""The Analyzer (polarity, quantities, sides, scale words, drugs) and the drug lexicon.

Sentences are cut here with a plain regex so that these tests exercise the analysis alone, not the
clinical segmenter.
"""

from __future__ import annotations

import bz2
import pickle
import re
from collections import OrderedDict
from pathlib import Path

import pytest

from medfact.analysis import AFFIRMED, ASKED, NEGATED, UNCERTAIN, AnalyzedText, Analyzer
from medfact.lexicon.drugs import DrugLexicon, default_lexicon
from medfact.lexicon.terms import UNIT_FACTORS
from medfact.types import Sentence

_SENT = re.compile(r".+?(?:[.?!]+(?=\s|$)|$)")


def sentences(text: str) -> list[Sentence]:
    out = []
    for m in _SENT.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            out.append(Sentence(index=len(out), span=(start, end), text=text[start:end]))
    return out


@pytest.fixture(scope="module")
def analyze():
    analyzer = Analyzer()

    def run(text: str) -> AnalyzedText:
        return analyzer(text, sentences(text))

    return run


def polarity(doc: AnalyzedText, word: str, nth: int = 0) -> str:
    found = [t for t in doc.tokens if t.text == word]
    assert len(found) > nth, f"{word!r} not among the tokens {[t.text for t in doc.tokens]}"
    return found[nth].polarity


def quantities(doc: AnalyzedText) -> list[tuple[float, str | None, str | None, str]]:
    return [(q.value, q.unit_class, q.unit, doc.text[q.start : q.end]) for q in doc.quantities]


def test_sentence_helper_gives_exact_spans() -> None:
    text = "Doctor: Any fever?  Patient: No. "
    sents = sentences(text)
    assert [s.text for s in sents] == ["Doctor: Any fever?", "Patient: No."]
    assert all(text[s.span[0] : s.span[1]] == s.text for s in sents)


# --- tokens --------------------------------------------------------------------------------------


def test_tokens_keep_spans_and_sentence_index(analyze) -> None:
    text = "Left knee pain. BP 120/80 mm Hg."
    doc = analyze(text)
    assert [t.text for t in doc.tokens] == ["left", "knee", "pain", "bp", "120/80", "mm", "hg"]
    assert all(text[t.start : t.end].lower() == t.text for t in doc.tokens)
    assert [t.sentence for t in doc.tokens] == [0, 0, 0, 1, 1, 1, 1]
    assert doc.tokens_in(0, 15) == doc.sentence_tokens(0)


def test_lay_and_clinical_synonyms_share_a_key(analyze) -> None:
    doc = analyze("Htn and hypertension; dizzy and dizziness.")
    keys = {t.text: t.stem for t in doc.tokens}
    assert keys["htn"] == keys["hypertension"]
    assert keys["dizzy"] == keys["dizziness"]
    assert keys["htn"] != keys["dizzy"]


# --- polarity ------------------------------------------------------------------------------------


def test_pre_trigger_negates_until_but(analyze) -> None:
    doc = analyze("Patient denies chest pain but reports nausea.")
    assert polarity(doc, "chest") == NEGATED
    assert polarity(doc, "pain") == NEGATED
    assert polarity(doc, "nausea") == AFFIRMED
    assert polarity(doc, "patient") == AFFIRMED


def test_pre_trigger_covers_a_list(analyze) -> None:
    doc = analyze("No fever, chills or night sweats.")
    for word in ("fever", "chills", "sweats"):
        assert polarity(doc, word) == NEGATED, word


def test_multiword_pre_trigger_and_terminator_reports(analyze) -> None:
    doc = analyze("Negative for fever, reports cough.")
    assert polarity(doc, "fever") == NEGATED
    assert polarity(doc, "cough") == AFFIRMED


def test_negation_scope_is_a_window(analyze) -> None:
    doc = analyze(
        "Denies fever in the past two weeks at home while staying with his family and "
        "coughing relatives."
    )
    assert polarity(doc, "fever") == NEGATED
    assert polarity(doc, "relatives") == AFFIRMED  # far beyond the trigger


def test_negation_covers_a_long_symptom_list(analyze) -> None:
    doc = analyze("Denies fever, chills, night sweats, nausea, vomiting, diarrhea or constipation.")
    for word in ("fever", "nausea", "diarrhea", "constipation"):
        assert polarity(doc, word) == NEGATED, word


def test_does_not_negates_the_verb_after_it(analyze) -> None:
    doc = analyze("Pain does not radiate to the arm.")
    assert polarity(doc, "pain") == AFFIRMED
    assert polarity(doc, "radiate") == NEGATED
    assert polarity(doc, "arm") == NEGATED


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Chest pain was ruled out.", "pain"),
        ("Headache is absent.", "headache"),
        ("Pneumonia is unlikely.", "pneumonia"),
        ("The strep test was negative.", "strep"),
    ],
)
def test_post_triggers_negate_what_comes_before(analyze, text: str, word: str) -> None:
    assert polarity(analyze(text), word) == NEGATED


def test_post_trigger_scope_ends_at_but(analyze) -> None:
    doc = analyze("She has a cough but the fever resolved.")
    assert polarity(doc, "fever") == NEGATED
    assert polarity(doc, "cough") == AFFIRMED


def test_non_prefix_negates(analyze) -> None:
    doc = analyze("He is a non-smoker and drinks wine.")
    assert polarity(doc, "non-smoker") == NEGATED
    assert polarity(doc, "he") == AFFIRMED


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Possible pneumonia in the right lung.", "pneumonia"),
        ("She may have the flu.", "flu"),
        ("Concern for appendicitis.", "appendicitis"),
    ],
)
def test_uncertainty_triggers(analyze, text: str, word: str) -> None:
    doc = analyze(text)
    assert polarity(doc, word) == UNCERTAIN


def test_negation_wins_over_uncertainty(analyze) -> None:
    doc = analyze("Possibly no fever.")
    assert polarity(doc, "fever") == NEGATED


# --- dialogue ------------------------------------------------------------------------------------


def test_question_answered_no_is_negated(analyze) -> None:
    doc = analyze("Doctor: Any fever? Patient: No.")
    assert doc.is_dialogue
    assert polarity(doc, "fever") == NEGATED


def test_question_answered_yes_is_affirmed(analyze) -> None:
    doc = analyze("Doctor: Any fever? Patient: Yes.")
    assert polarity(doc, "fever") == AFFIRMED


def test_bracket_speaker_tags_are_dialogue(analyze) -> None:
    doc = analyze("[doctor] any fever? [patient] nope.")
    assert doc.is_dialogue
    assert polarity(doc, "fever") == NEGATED


def test_long_answer_does_not_set_the_question_polarity(analyze) -> None:
    # "I have" alone would affirm; a long answer speaks for itself, not for the question.
    doc = analyze(
        "Doctor: Any fever? Patient: I have had a terrible cough for two weeks now at night."
    )
    assert polarity(doc, "fever") == ASKED
    assert polarity(doc, "cough") == AFFIRMED
    short = analyze("Doctor: Any fever? Patient: I have.")
    assert polarity(short, "fever") == AFFIRMED


def test_unanswered_question_is_asked(analyze) -> None:
    doc = analyze("Doctor: Any fever? Patient: No. Doctor: Any cough?")
    assert polarity(doc, "fever") == NEGATED
    assert polarity(doc, "cough") == ASKED


def test_or_question_answered_yes_stays_asked(analyze) -> None:
    doc = analyze("Doctor: Any fever or chills? Patient: Yes.")
    assert polarity(doc, "fever") == ASKED
    assert polarity(doc, "chills") == ASKED


def test_or_question_answered_no_negates_both(analyze) -> None:
    doc = analyze("Doctor: Any fever or chills? Patient: No.")
    assert polarity(doc, "fever") == NEGATED
    assert polarity(doc, "chills") == NEGATED


def test_negated_question_answered_no_confirms_the_denial(analyze) -> None:
    doc = analyze("Doctor: And no nausea or headaches? Patient: No.")
    assert polarity(doc, "nausea") == NEGATED
    assert polarity(doc, "headaches") == NEGATED


def test_negated_question_answered_yes_is_unclear(analyze) -> None:
    doc = analyze("Doctor: And no nausea? Patient: Yes.")
    assert polarity(doc, "nausea") == ASKED


def test_question_outside_dialogue_is_left_alone(analyze) -> None:
    doc = analyze("Any fever? No.")
    assert not doc.is_dialogue
    assert polarity(doc, "fever") == AFFIRMED


# --- quantities ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit_class", "unit"),
    [
        ("She is twenty six years old.", 26, "age", "yr"),
        ("A 26-year-old woman.", 26, "age", "yr"),
        ("A 26 year old man.", 26, "age", "yr"),
        ("Born in two thousand and two.", 2002, None, None),
        ("Take five hundred milligrams daily.", 500, "mass", "mg"),
        ("She took three hundred and fifty mg.", 350, "mass", "mg"),
        ("Count one hundred and twenty.", 120, None, None),
        ("Give 1,000 mg now.", 1000, "mass", "mg"),
        ("Give 0.5 mg now.", 0.5, "mass", "mg"),
        ("Give 250 mcg now.", 250, "mass", "mcg"),
        ("Give 10 units now.", 10, "units", "units"),
        ("Give 5 ml now.", 5, "volume", "ml"),
        ("HR 88 bpm.", 88, "rate", "bpm"),
        ("Temp 101.5 F.", 101.5, "temperature", "f"),
        ("Weight 70 kg.", 70, "weight", "kg"),
        ("Saturation 98% on room air.", 98, "percent", "%"),
        ("Cough for three weeks.", 3, "time", "wk"),
    ],
)
def test_quantity_values_and_units(
    analyze, text: str, value: float, unit_class: str | None, unit: str | None
) -> None:
    doc = analyze(text)
    assert len(doc.quantities) == 1, quantities(doc)
    q = doc.quantities[0]
    assert (q.value, q.unit_class, q.unit) == (value, unit_class, unit)


def test_unit_spans_cover_number_and_unit(analyze) -> None:
    text = "BP 120/80 mm Hg, HR 88 bpm, metformin 500 mg."
    doc = analyze(text)
    assert [t for *_, t in quantities(doc)] == ["120/80 mm Hg", "88 bpm", "500 mg"]
    bp = doc.quantities[0]
    assert (bp.value, bp.second, bp.unit_class) == (120, 80, "pressure")


def test_bare_ratio_has_ratio_class(analyze) -> None:
    doc = analyze("Blood pressure 140/90 today.")
    assert [(q.value, q.second, q.unit_class) for q in doc.quantities] == [(140, 90, "ratio")]


def test_units_convert_inside_a_class(analyze) -> None:
    grams = analyze("Give 2 g now.").quantities[0]
    mgs = analyze("Give 2000 mg now.").quantities[0]
    assert grams.base_value() == pytest.approx(mgs.base_value())
    assert UNIT_FACTORS["mcg"] * 1000 == pytest.approx(UNIT_FACTORS["mg"])


def test_number_word_once_twice_do_not_merge(analyze) -> None:
    doc = analyze("He coughs once or twice a day.")
    assert [q.value for q in doc.quantities] == [1, 2]


def test_twice_after_a_count_is_two(analyze) -> None:
    doc = analyze("Take two twice a day.")
    assert [q.value for q in doc.quantities] == [2, 2]


def test_and_between_two_numbers_is_not_a_compound(analyze) -> None:
    doc = analyze("The spells last between five and ten minutes.")
    assert [q.value for q in doc.quantities] == [5, 10]


def test_compound_number_span_starts_at_first_word(analyze) -> None:
    text = "She takes four hundred milligrams daily."
    doc = analyze(text)
    assert quantities(doc)[0][3] == "four hundred milligrams"


# --- sides and scale words -----------------------------------------------------------------------


def test_sides_with_anatomy(analyze) -> None:
    text = "Pain in the right knee and left-sided chest pain, R arm swelling, bilateral feet."
    doc = analyze(text)
    found = [(s.side, s.anatomy, text[s.start : s.end]) for s in doc.sides]
    assert ("right", "knee", "right knee") in found
    assert ("left", "chest", "left-sided chest") in found
    assert ("right", "arm", "R arm") in found
    assert any(side == "bilateral" for side, _, _ in found)


def test_side_words_without_anatomy_or_lowercase_letter_are_ignored(analyze) -> None:
    doc = analyze("He turned left at the corner. Pain in r knee.")
    assert doc.sides == []


def test_scale_words(analyze) -> None:
    doc = analyze("Severe pain, occasionally. Mild ache, probably viral.")
    assert [(w.scale, w.value, w.word) for w in doc.scale_words] == [
        ("severity", 3, "severe"),
        ("frequency", 1, "occasionally"),
        ("severity", 1, "mild"),
        ("certainty", 2, "probably"),
    ]


# --- drugs ---------------------------------------------------------------------------------------


def test_drug_lexicon_finds_brand_and_generic_with_spans() -> None:
    text = "Takes Tylenol and acetaminophen, plus Lipitor and Zestril."
    found = default_lexicon().find(text)
    assert [(d.surface, d.canonical) for d in found] == [
        ("Tylenol", "acetaminophen"),
        ("acetaminophen", "acetaminophen"),
        ("Lipitor", "atorvastatin"),
        ("Zestril", "lisinopril"),
    ]
    assert all(text[d.start : d.end] == d.surface for d in found)


def test_drug_lexicon_multiword_name() -> None:
    text = "Start vitamin D weekly."
    found = default_lexicon().find(text)
    assert [text[d.start : d.end] for d in found] == ["vitamin D"]


@pytest.mark.parametrize("word", ["today", "pain", "water", "fever", "plan", "rest", "insulin"])
def test_drug_lexicon_ignores_common_words(word: str) -> None:
    assert word not in default_lexicon()
    assert default_lexicon().find(f"Drink {word} now, and {word.upper()} later.") == []


def test_analyzer_attaches_drugs(analyze) -> None:
    doc = analyze("Pain today, drinks water, takes Advil.")
    assert doc.drug_names == {"ibuprofen"}
    assert [doc.text[d.start : d.end] for d in doc.drugs] == ["Advil"]


def test_analyzer_can_skip_drugs() -> None:
    text = "Takes Advil."
    assert Analyzer(drugs=False)(text, sentences(text)).drugs == []


def _write_bz2_pickle(path: Path, obj: object) -> Path:
    path.write_bytes(bz2.compress(pickle.dumps(obj)))
    return path


def test_lexicon_loads_a_data_only_table(tmp_path: Path) -> None:
    table = {"drug_variant_to_canonical": {"Fakoxetine": ["fakoxetine"], "Brandex": ["fakoxetine"]}}
    lexicon = DrugLexicon.load(_write_bz2_pickle(tmp_path / "ok.pkl.bz2", table))
    found = lexicon.find("On brandex daily.")
    assert [(d.surface, d.canonical) for d in found] == [("brandex", "fakoxetine")]


def test_lexicon_refuses_a_pickled_class(tmp_path: Path) -> None:
    table = {"drug_variant_to_canonical": OrderedDict(aspirin=["aspirin"])}
    path = _write_bz2_pickle(tmp_path / "ordered.pkl.bz2", table)
    with pytest.raises(pickle.UnpicklingError, match="collections.OrderedDict"):
        DrugLexicon.load(path)


CALLS: list[str] = []


def _side_effect(arg: str) -> dict:
    CALLS.append(arg)
    return {"drug_variant_to_canonical": {}}


class _Exploit:
    def __reduce__(self):
        return (_side_effect, ("ran",))


def test_lexicon_refuses_code_in_a_pickle(tmp_path: Path) -> None:
    CALLS.clear()
    path = _write_bz2_pickle(tmp_path / "evil.pkl.bz2", _Exploit())
    assert CALLS == []
    with pytest.raises(pickle.UnpicklingError, match="refused"):
        DrugLexicon.load(path)
    assert CALLS == []  # nothing ran
    pickle.loads(pickle.dumps(_Exploit()))  # the plain unpickler would have run it
    assert CALLS == ["ran"]
