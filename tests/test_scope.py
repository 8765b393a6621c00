"""Scope of a mention (issue 13, W2): where negation ends, pseudo-negations and hedges, history,
family and hypothetical scope, section headers, and a dialogue question read with its answer;
then negation.v1 and laterality.v1 on texts that need that reading.

Texts are written for these tests. The clinical segmenter cuts the sentences, as in the engine.
"""

from __future__ import annotations

import pytest

from medfact.analysis import (
    AFFIRMED,
    ASKED,
    CURRENT,
    FAMILY,
    HISTORY,
    HYPOTHETICAL,
    NEGATED,
    UNCERTAIN,
    AnalyzedText,
    Analyzer,
    Token,
    context_labels,
)
from medfact.segment import segment
from medfact.testing import run_rule


@pytest.fixture(scope="module")
def analyze():
    analyzer = Analyzer(drugs=False)

    def run(text: str) -> AnalyzedText:
        return analyzer(text, segment(text))

    return run


def token(doc: AnalyzedText, word: str, nth: int = 0) -> Token:
    found = [t for t in doc.tokens if t.text == word]
    assert len(found) > nth, f"{word!r} not among the tokens {[t.text for t in doc.tokens]}"
    return found[nth]


def labels(doc: AnalyzedText, phrase: str) -> set[str]:
    start = doc.text.index(phrase)
    return set(context_labels(doc, start, start + len(phrase)))


# --- where a negation ends ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "negated", "free"),
    [
        ("No nausea; rash on both arms since Monday.", "nausea", "rash"),
        ("Denies dizziness; gait unsteady on exam.", "dizziness", "gait"),
        ("No cough, although wheezing is heard at the bases.", "cough", "wheezing"),
        ("No edema, however calves are tender.", "edema", "calves"),
        ("Without fever except for chills at night.", "fever", "chills"),
    ],
)
def test_negation_ends_at_semicolon_and_contrast(analyze, text, negated, free) -> None:
    doc = analyze(text)
    assert token(doc, negated).polarity == NEGATED
    assert token(doc, free).polarity == AFFIRMED


def test_negation_does_not_cross_a_colon_after_its_object(analyze) -> None:
    doc = analyze("MRI knee without contrast: large joint effusion.")
    assert token(doc, "contrast").polarity == NEGATED
    assert token(doc, "effusion").polarity == AFFIRMED


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("No change in the size of the thyroid nodule.", "nodule"),
        ("No increase in ankle swelling since the last visit.", "swelling"),
        ("Not only headache but also neck pain.", "headache"),
        ("Walks without difficulty; knee pain persists.", "walks"),
        ("No further vomiting overnight, tolerating soup.", "tolerating"),
        ("Not since the stent was placed.", "stent"),
    ],
)
def test_pseudo_negations_negate_nothing(analyze, text, word) -> None:
    assert token(analyze(text), word).polarity == AFFIRMED


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Pulmonary embolism cannot be excluded.", "embolism"),
        ("Cannot rule out a small pneumothorax.", "pneumothorax"),
        ("CT to evaluate for appendicitis.", "appendicitis"),
        ("Unclear whether the fall was mechanical.", "fall"),
        ("He is not sure whether he had the measles vaccine.", "measles"),
        ("Gastritis is likely, although ulcer cannot be ruled out.", "ulcer"),
    ],
)
def test_hedges_are_uncertain_not_negated(analyze, text, word) -> None:
    assert token(analyze(text), word).polarity == UNCERTAIN


def test_a_bare_no_opening_an_answer_negates_nothing_after_it(analyze) -> None:
    doc = analyze("Doctor: Could you be pregnant?\nPatient: No, I had a tubal ligation.")
    assert token(doc, "pregnant").polarity == NEGATED
    assert token(doc, "ligation").polarity == AFFIRMED


# --- history, family and hypothetical scope ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "word", "scope"),
    [
        ("History of gout; now with left wrist pain.", "gout", HISTORY),
        ("History of gout; now with left wrist pain.", "wrist", CURRENT),
        ("S/p cholecystectomy in 2019.", "cholecystectomy", HISTORY),
        ("Status post appendectomy, presents with knee pain.", "appendectomy", HISTORY),
        ("Status post appendectomy, presents with knee pain.", "knee", CURRENT),
        ("Previously treated for tuberculosis.", "tuberculosis", HISTORY),
        ("History of present illness: cough for two weeks.", "cough", CURRENT),
        ("Her father had a stroke at 60.", "stroke", FAMILY),
        ("Family history of colon cancer.", "colon", FAMILY),
        ("Asthma in her younger brother.", "asthma", FAMILY),
        ("My grandmother on my dad's side had lupus.", "lupus", FAMILY),
        ("Mother reports that he had a fever.", "fever", CURRENT),
        ("Return if the swelling spreads.", "swelling", HYPOTHETICAL),
        ("Should the rash worsen, stop the cream.", "rash", HYPOTHETICAL),
        ("Watch for bleeding at the puncture site.", "bleeding", HYPOTHETICAL),
    ],
)
def test_scope_triggers(analyze, text, word, scope) -> None:
    assert token(analyze(text), word).scope == scope


def test_section_headers_carry_scope_to_their_section(analyze) -> None:
    text = (
        "Past medical history: hypertension, gout.\n"
        "Family history: lymphoma in an uncle.\n"
        "HPI: chest pain since this morning."
    )
    doc = analyze(text)
    assert token(doc, "gout").scope == HISTORY
    assert token(doc, "lymphoma").scope == FAMILY
    assert token(doc, "chest").scope == CURRENT


def test_header_alone_on_its_line_scopes_the_lines_below(analyze) -> None:
    doc = analyze("FAMILY HISTORY:\nGlaucoma in the mother.\nHeart disease.\n\nAsthma as a child.")
    assert token(doc, "glaucoma").scope == FAMILY
    assert token(doc, "heart").scope == FAMILY
    assert token(doc, "asthma").scope == HISTORY  # the blank line closed the section


def test_the_patient_as_subject_ends_a_family_section(analyze) -> None:
    doc = analyze(
        "Family history: sister had melanoma. Patient has had no skin cancers. Fair skin."
    )
    assert token(doc, "melanoma").scope == FAMILY
    assert token(doc, "skin").scope == CURRENT
    assert token(doc, "fair").scope == CURRENT


def test_a_speaker_label_is_not_a_relative(analyze) -> None:
    doc = analyze("Guest_family: He was cooking and burned his hand.\nDoctor: Let me see.")
    assert token(doc, "hand").scope == CURRENT


def test_context_labels_combine_polarity_and_scope(analyze) -> None:
    doc = analyze("No family history of glaucoma. If vision blurs, call us. History of asthma.")
    assert labels(doc, "glaucoma") == {"negated", "family"}
    assert labels(doc, "vision") == {"uncertain"}
    assert labels(doc, "asthma") == {"historical"}


# --- dialogue: a question and its answer are one statement --------------------------------------


def test_yes_answer_affirms_the_question(analyze) -> None:
    doc = analyze("Doctor: Any blood in the stool?\nPatient: Yes, bright red.")
    assert token(doc, "stool").polarity == AFFIRMED
    assert token(doc, "stool").speaker == "patient"


def test_a_no_answers_only_the_last_question_of_the_turn(analyze) -> None:
    doc = analyze("Doctor: Any fever? Any cough?\nPatient: No.")
    assert token(doc, "fever").polarity == ASKED
    assert token(doc, "cough").polarity == NEGATED


def test_a_leading_no_answers_a_long_reply(analyze) -> None:
    doc = analyze("Doctor: Do you still get the headaches?\nPatient: Not since I stopped coffee.")
    assert token(doc, "headaches").polarity == NEGATED


def test_no_to_a_change_leaves_the_thing_itself_alone(analyze) -> None:
    doc = analyze("Doctor: Any change in your appetite?\nPatient: No, it is the same.")
    assert token(doc, "appetite").polarity == ASKED


def test_the_answer_gives_the_side_of_the_part_asked_about(analyze) -> None:
    doc = analyze("Doctor: Which wrist hurts?\nPatient: The left one.")
    assert [(m.side, m.anatomy) for m in doc.sides] == [("left", "wrist")]
    doc = analyze("Doctor: Which hip is it?\nPatient: Right, on the outside.")
    assert [(m.side, m.anatomy) for m in doc.sides] == [("right", "hip")]


def test_a_denied_side_is_replaced_by_the_other_one(analyze) -> None:
    doc = analyze("Doctor: Is it the right shoulder?\nPatient: No, the other one.")
    assert [(m.side, m.anatomy) for m in doc.sides] == [("left", "shoulder")]


def test_sides_offered_as_alternatives_are_not_mentions(analyze) -> None:
    doc = analyze("Doctor: Left ear or right ear?\nPatient: Left.")
    assert [(m.side, m.anatomy) for m in doc.sides] == [("left", "ear")]


# --- the rules ----------------------------------------------------------------------------------


def rule(name: str, output: str, context: str) -> list:
    return [f for f in run_rule(name, output, context) if f.rule == name]


def test_laterality_reads_the_answer() -> None:
    ctx = "Doctor: Which wrist hurts?\nPatient: The left one.\nDoctor: Did you fall?\nPatient: Yes."
    found = rule("laterality.v1", "Right wrist pain after a fall.", ctx)
    assert len(found) == 1 and int(found[0].risk) >= 3
    assert ctx[found[0].context_span[0] : found[0].context_span[1]].lower().startswith("left")
    assert rule("laterality.v1", "Left wrist pain after a fall.", ctx) == []


def test_laterality_reads_the_other_one() -> None:
    ctx = "Doctor: Is it the right shoulder?\nPatient: No, the other one."
    assert len(rule("laterality.v1", "Right shoulder pain.", ctx)) == 1
    assert rule("laterality.v1", "Left shoulder pain.", ctx) == []


def test_negation_family_history_written_as_the_patients_own() -> None:
    ctx = "Her sister has ovarian cancer. The patient's pelvic exam is normal."
    found = rule("negation.v1", "Patient has ovarian cancer; pelvic exam normal.", ctx)
    assert len(found) == 1 and "relative" in found[0].message
    assert int(found[0].risk) >= 3
    assert rule("negation.v1", "Sister has ovarian cancer; pelvic exam normal.", ctx) == []


def test_negation_across_scopes_is_not_a_flip() -> None:
    ctx = "History of pulmonary embolism, treated for six months. Now has knee pain."
    assert (
        rule("negation.v1", "Knee pain. No pulmonary embolism now; treated in the past.", ctx) == []
    )
    # the same words in one scope are a flip
    ctx = "Pulmonary embolism on today's CT. Knee pain."
    assert len(rule("negation.v1", "No pulmonary embolism. Knee pain.", ctx)) == 1
    ctx = "History of kidney stones. Denies flank pain today."
    assert rule("negation.v1", "No flank pain; history of kidney stones.", ctx) == []


def test_negation_after_a_semicolon_is_not_carried() -> None:
    ctx = "No vomiting. Diarrhea four times today."
    assert rule("negation.v1", "No vomiting; diarrhea four times today.", ctx) == []


def test_negation_hypothetical_conditions_are_not_compared() -> None:
    ctx = "Take ibuprofen only if the pain is not relieved by ice."
    assert rule("negation.v1", "Ibuprofen only if ice does not relieve the pain.", ctx) == []


def test_negation_uses_the_answer_to_the_right_question() -> None:
    ctx = "Doctor: Any chest pain?\nPatient: No.\nDoctor: Any cough?\nPatient: Yes, at night."
    found = rule("negation.v1", "Reports chest pain and a night cough.", ctx)
    assert len(found) == 1 and "chest" in found[0].message
    # one "No." after two questions answers the last one only: no evidence for the first
    ctx = "Doctor: Any chest pain? Any cough?\nPatient: No."
    assert rule("negation.v1", "Chest pain, no cough.", ctx) == []


def test_negation_hedged_where_the_input_denies() -> None:
    ctx = "Doctor: Any chance you are pregnant?\nPatient: No, I had a hysterectomy."
    found = rule("negation.v1", "Possibly pregnant.", ctx)
    assert len(found) == 1 and int(found[0].risk) >= 3


# --- lists, replies, headers and axes ------------------------------------------------------------


def test_a_negated_list_of_short_items_is_read_to_its_end(analyze) -> None:
    text = (
        "Denies fever, chills, sweats, sore throat, cough, wheezing, chest pain, palpitations, "
        "nausea, vomiting, melena, dysuria, hematuria, or leg swelling."
    )
    doc = analyze(text)
    assert token(doc, "swelling").polarity == NEGATED


def test_a_list_item_with_a_number_is_a_new_statement(analyze) -> None:
    doc = analyze("Hernia repair with no complications, tonsillectomy 20 years ago.")
    assert token(doc, "complications").polarity == NEGATED
    assert token(doc, "tonsillectomy").polarity == AFFIRMED


def test_a_no_answer_leaves_what_the_reply_itself_mentions(analyze) -> None:
    doc = analyze("Doctor: Any coffee or tea?\nPatient: No, I quit coffee but drink tea daily.")
    assert token(doc, "tea").polarity == ASKED
    assert token(doc, "coffee").polarity == ASKED  # the reply speaks of it: no answer here


def test_a_section_name_is_not_a_claim() -> None:
    ctx = "Doctor: Any chest pain or heart racing?\nPatient: No."
    out = "CARDIAC: Denies chest pain or palpitations."
    assert rule("negation.v1", out, ctx) == []


def test_sides_on_another_axis_of_one_part() -> None:
    ctx = "Tender over the medial joint line of the right knee."
    found = rule("laterality.v1", "Tender over the lateral joint line of the right knee.", ctx)
    assert len(found) == 1 and "medial" in found[0].message
    assert rule("laterality.v1", "Right knee: medial joint line tenderness.", ctx) == []
    # a part with no axis word in the input is rewording, not a finding
    ctx = "Fracture of the right radius."
    assert rule("laterality.v1", "Right distal radius fracture.", ctx) == []


def test_a_non_prefix_negates_its_own_word_only(analyze) -> None:
    doc = analyze("Non-healing ulcer on the left heel.")
    assert token(doc, "non-healing").polarity == NEGATED
    assert token(doc, "ulcer").polarity == AFFIRMED


def test_a_long_list_item_within_the_window_stays_negated(analyze) -> None:
    doc = analyze("He denies any fainting, any neck pain at this time even though he was hit.")
    assert token(doc, "neck").polarity == NEGATED


def test_negation_of_an_unspecific_word_is_not_a_flip() -> None:
    ctx = "Doctor: Are you taking any medication?\nPatient: Yes, an antibiotic."
    assert rule("negation.v1", "No medications other than a recent antibiotic.", ctx) == []
