"""Session 14, helper F1: polarity readings behind negation.v1 / compare.v1 false alarms on
faithful, reworded notes (issue 13). Each reading has a control that still flips."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.analysis import HYPOTHETICAL, NEGATED, AnalyzedText, Token
from medfact.testing import analysed, run_rule


def _flips(output: str, context: str) -> list[str]:
    """Messages of negation.v1's findings at risk 3 or more."""
    return [f.message for f in run_rule("negation.v1", output, context) if f.risk >= 3]


def _tokens(doc: AnalyzedText, word: str) -> list[Token]:
    return [t for t in doc.tokens if t.text == word]


# --- conditions and safety-netting -------------------------------------------------------------


def test_a_long_conditional_sentence_is_hypothetical_to_its_end() -> None:
    ctx = (
        "Doctor: Rest it for a week.\n"
        "Doctor: If you notice any tingling in your fingers, or weakness when gripping a cup or "
        "a change in the colour of your hand, ring the ward at once.\n"
        "Patient: Will do."
    )
    doc = analysed("x", ctx).context
    assert doc is not None
    assert all(t.scope == HYPOTHETICAL for t in _tokens(doc, "hand"))
    assert not _flips("No tingling, weakness or colour change of the hand.", ctx)


def test_a_stated_symptom_still_contradicts_its_denial() -> None:
    # control: the same words said as a finding, not a condition
    ctx = "Doctor: Any tingling in your fingers?\nPatient: Yes, in the index finger.\nDoctor: OK."
    assert _flips("No tingling in the fingers.", ctx)


def test_the_consequence_of_a_condition_is_no_plan_made() -> None:
    ctx = (
        "Doctor: Fluids and rest for now. If the cough is no better in a week, or the fever "
        "comes back, come and see us and we'll think about a course of doxycycline.\n"
        "Patient: Fine."
    )
    assert not _flips("Plan: fluids, rest; no doxycycline at present.", ctx)


def test_signs_before_an_arrow_to_help_are_hypothetical() -> None:
    out = "Advice given. Warning: drowsy, not feeding, or a purple rash -> 999 immediately."
    doc = analysed(out, "x").output
    assert all(t.scope == HYPOTHETICAL for t in _tokens(doc, "rash"))
    ctx = "Nurse: Any rash on him?\nMother: No, no rash at all.\nNurse: Good."
    assert not _flips(out, ctx)


def test_an_arrow_ends_a_denial() -> None:
    out = "Echo: no thrombus -> apixaban started."
    doc = analysed(out, "x").output
    assert all(t.polarity != NEGATED for t in _tokens(doc, "apixaban"))
    # control: a denial without an arrow still reaches its list
    doc = analysed("No thrombus, no apixaban.", "x").output
    assert all(t.polarity == NEGATED for t in _tokens(doc, "apixaban"))


def test_safety_netting_names_signs_to_come_back_for() -> None:
    ctx = "Wound clean. No fever today. Told to phone us if a fever or redness develops."
    assert not _flips("Wound clean; apyrexial. Safety-netted about fever and redness.", ctx)
    # control: the fever stated as present
    assert _flips("Wound clean. Fever today.", ctx)


def test_what_a_drug_is_safe_in_says_nothing_of_the_patient() -> None:
    ctx = (
        "Doctor: Before you start trying we'll switch you to a tablet that's safe in "
        "pregnancy.\nPatient: Right."
    )
    assert not _flips("No current pregnancy.", ctx)


# --- dialogue answers ---------------------------------------------------------------------------


def test_no_more_than_before_is_no_denial() -> None:
    ctx = "Doctor: Any wheeze lately?\nPatient: No more than usual.\nDoctor: Good."
    assert not _flips("Wheeze at baseline level.", ctx)
    # control: a bare no still denies it
    ctx = "Doctor: Any wheeze lately?\nPatient: No.\nDoctor: Good."
    assert _flips("Wheeze at baseline level.", ctx)


def test_a_listed_question_answered_item_by_item() -> None:
    ctx = (
        "Doctor: Any cough, sputum, trouble with your breathing?\n"
        "Patient: I was coughing last week. No phlegm. My breathing's alright.\n"
        "Doctor: OK."
    )
    doc = analysed("x", ctx).context
    assert doc is not None
    assert _tokens(doc, "sputum")[0].polarity != "affirmed"
    # control: a yes in so many words still affirms the list
    ctx = "Doctor: Any cough, sputum, wheeze?\nPatient: Yes. All of it, this week.\nDoctor: OK."
    doc = analysed("x", ctx).context
    assert doc is not None
    assert _tokens(doc, "sputum")[0].polarity == "affirmed"


def test_a_no_to_a_narrowed_question_denies_that_kind() -> None:
    ctx = (
        "Doctor: Any falls where you hurt yourself?\n"
        "Patient: No, never hurt myself. I trip now and then.\n"
        "Doctor: OK."
    )
    assert not _flips("Occasional trips; falls without injury.", ctx)
    # control: the narrowing clause that the answer does not repeat leaves the no for all
    ctx = "Doctor: Any falls when you get up at night?\nPatient: No.\nDoctor: OK."
    assert _flips("Two falls this month.", ctx)


# --- degree, visibility, lists ------------------------------------------------------------------


def test_not_much_tells_a_degree() -> None:
    ctx = "Doctor: Is it itchy?\nPatient: Not much itch now, mostly dry.\nDoctor: OK."
    assert not _flips("Mild itch. Dry skin.", ctx)
    # control: a plain denial against the same output
    ctx = "Doctor: Is it itchy?\nPatient: No itch now, mostly dry.\nDoctor: OK."
    assert _flips("Mild itch. Dry skin.", ctx)


def test_cannot_see_denies_what_is_looked_for() -> None:
    ctx = "Doctor: I can't see a foreign body, but small ones often hide in the fold."
    doc = analysed("x", ctx).context
    assert doc is not None
    from medfact.verifiers.polarity import read_polarity

    read = read_polarity(doc, _tokens(doc, "foreign")[0])
    assert read is not None and read.polarity == NEGATED


def test_an_abbreviated_including_keeps_the_list_denied() -> None:
    doc = analysed("No headache incl. morning headache. Eating well.", "x").output
    assert all(t.polarity == NEGATED for t in _tokens(doc, "morning"))


def test_a_steady_item_states_itself() -> None:
    ctx = (
        "Doctor: Any night sweats, appetite change, weight loss?\n"
        "Patient: no sweats, weight's unchanged, appetite fine\nDoctor: good"
    )
    assert not _flips("No night sweats; weight unchanged.", ctx)


# --- which mention is compared ------------------------------------------------------------------


def test_a_denial_placed_by_what_follows_is_another_kind() -> None:
    ctx = "Doctor: Any pain after eating?\nPatient: No.\nDoctor: And the cramps?\nPatient: Bad."
    assert not _flips("Crampy period pain, severe.", ctx)
    # control: the same modifier on both sides still flips
    ctx = "Doctor: Any period pain?\nPatient: No.\nDoctor: OK."
    assert _flips("Severe period pain.", ctx)


def test_a_status_word_is_no_kind() -> None:
    ctx = (
        "Penicillin challenge: tolerated, no reaction. Label removed. Confirmed allergies "
        "(unchanged): latex - urticaria 2019."
    )
    assert not _flips("Penicillin label removed. Remaining allergies: latex - urticaria.", ctx)


def test_a_baby_is_nobody_s_condition() -> None:
    ctx = "Patient: my first was born at term, four kilos. My aunt had a stroke after her baby."
    assert not [m for m in _flips("G2P1, term delivery, baby 4 kg.", ctx) if "relative" in m]


def test_a_result_the_input_gives_for_the_same_test_agrees() -> None:
    ctx = "Dipstick: leucocytes positive. Blood positive. Nitrites negative."
    assert not _flips("Leucocytes +, blood +, nitrites negative.", ctx)
    # control: a result turned round for its own test is still caught
    assert _flips("Leucocytes negative, blood +, nitrites negative.", ctx)


def test_negative_and_a_new_clause() -> None:
    doc = analysed("Patch tests negative and oral challenge tolerated.", "x").output
    assert all(t.polarity != NEGATED for t in _tokens(doc, "challenge"))


def test_a_field_whose_value_denies_its_label() -> None:
    doc = analysed("x", "Allergies: penicillin. Smoking: never. Alcohol: 4 units.").context
    assert doc is not None
    assert _tokens(doc, "smoking")[0].polarity == NEGATED
    assert _tokens(doc, "alcohol")[0].polarity != NEGATED


def test_values_compared_are_no_differential() -> None:
    doc = analysed("x", "Urine 12/03 vs 02/02: protein trace.").context
    assert doc is not None
    assert _tokens(doc, "urine")[0].polarity != "uncertain"
    # control: a differential between conditions still hedges
    doc = analysed("x", "Cellulitis vs gout of the left foot.").context
    assert doc is not None
    assert _tokens(doc, "gout")[0].polarity == "uncertain"


def test_the_site_of_an_image_is_not_denied() -> None:
    ctx = "Crackles at both bases. No effusion on chest X-ray. Plan: furosemide."
    assert not _flips("Bibasal crackles; CXR shows no effusion.", ctx)
    # control: the chest named as a finding's site is still compared
    ctx = "Doctor: Any chest pain?\nPatient: No.\nDoctor: OK."
    assert _flips("Chest pain on exertion.", ctx)


def _compare_messages(output: str, context: str) -> list[str]:
    """Messages of compare.v1's findings for the pair."""
    from medfact.compare import RULE, CompareStage
    from medfact.pipeline import cached_engine

    engine = cached_engine({"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}})
    doc = analysed(output, context)
    CompareStage(engine.settings, engine.parts)(doc)
    return [f.message for f in doc.findings if f.rule == RULE and f.risk >= 3]


def test_what_is_due_has_not_been_had() -> None:
    ctx = "Mammogram screening is now due; she has never had one. Referral sent to the unit."
    out = "Has never had a mammogram; referred for screening."
    assert not _flips(out, ctx)
    assert not [m for m in _compare_messages(out, ctx) if "polarity" in m]
    # control: one told as had is still contradicted by its denial
    ctx = "Mammogram done in March, normal. Referral sent to the unit."
    assert _flips(out, ctx) or [m for m in _compare_messages(out, ctx) if "polarity" in m]
