"""Session 19 (helper E): a written note's structure read as such. One-word field labels
("Extent:", "Course:") are no speakers; "VS:" labels vital signs; a hedge of a cause ("likely
due to X") doubts X; compare.v1 pairs a hedged mention only with input mentions of the same
head word, and shows each side's reading where the words are the same."""

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports compare
from medfact.compare import CompareStage
from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine
from medfact.testing import analysed


def _score(output: str, context: str) -> tuple[int, list[str]]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return result.risk_level, [f.message for f in result.findings if f.risk >= 3]


def _polarity(text: str, word: str) -> str:
    toks = analysed(text).output.tokens
    return next(t.polarity for t in toks if t.text == word)


# --- field labels --------------------------------------------------------------------------

_FORM = (
    "Operation: laparoscopic appendicectomy.\n"
    "Findings: inflamed appendix, no perforation.\n"
    "Drains: one pelvic drain left in place.\n"
    "Complications: none.\n"
    "Course: uneventful recovery on the ward."
)


def test_a_forms_one_word_labels_are_no_dialogue() -> None:
    doc = analysed(_FORM)
    assert not doc.output.is_dialogue


def test_none_after_a_label_does_not_deny_the_line_before() -> None:
    assert _polarity(_FORM, "drain") != "negated"


def test_a_dialogue_whose_parties_speak_once_is_still_a_dialogue() -> None:
    text = "Paramedic: Found him on the floor at home.\nInterpreter: He says his hip hurts."
    assert analysed(text).output.is_dialogue


def test_a_dialogue_with_a_relative_and_a_carer_is_still_a_dialogue() -> None:
    text = "Dad: She has been coughing all night.\nCarer: And she would not eat her tea."
    assert analysed(text).output.is_dialogue


def test_a_named_speaker_who_speaks_twice_is_a_speaker() -> None:
    text = "Gwen: My knee is sore.\nClinician: Since when?\nGwen: Since Friday."
    assert analysed(text).output.is_dialogue


def test_a_reply_of_none_in_a_real_dialogue_still_denies() -> None:
    text = "Anaesthetist: Any problems with a general anaesthetic before?\nPatient: None."
    assert _polarity(text, "problems") == "negated"


# --- "VS:" ---------------------------------------------------------------------------------


def test_vs_label_does_not_hedge_what_follows() -> None:
    assert _polarity("VS: tachycardia to 120, afebrile.", "tachycardia") == "affirmed"


def test_vs_between_two_diagnoses_still_hedges() -> None:
    assert _polarity("Gout vs cellulitis of the left foot.", "gout") == "uncertain"


# --- a cause's certainty is not compared ---------------------------------------------------


def test_a_hedged_cause_is_not_read_against_a_cause_whose_hedge_ends_at_due_to() -> None:
    context = (
        "Doctor: Your ankles are swollen, and that is most likely due to the amlodipine. "
        "Doctor: We will switch it to another tablet."
    )
    risk, found = _score("Ankle swelling, possibly related to amlodipine; switching.", context)
    assert not any("certainty" in m for m in found), found


def test_a_form_with_a_sonographer_asking_is_a_dialogue() -> None:
    text = "Sonographer: Any chance you could be pregnant?\nPatient: No, none."
    assert analysed(text).output.is_dialogue


# --- compare.v1: the same head -------------------------------------------------------------

_IRRADIATED = (
    "Doctor: The redness on your breast could be from the radiotherapy. "
    "Doctor: The scan also shows radiotherapy fibrosis in the lung, which we will watch."
)


def test_a_hedged_cause_is_not_paired_with_a_diagnosis_of_another_head() -> None:
    output = "Breast redness, possibly related to radiotherapy. Radiotherapy fibrosis on the scan."
    risk, found = _score(output, _IRRADIATED)
    assert not any("certainty" in m for m in found), found


def test_a_hedged_diagnosis_against_a_stated_one_is_still_caught() -> None:
    context = "Doctor: The scan shows pneumonia in the right lower lobe. We will start antibiotics."
    output = "Possible pneumonia in the right lower lobe; antibiotics started."
    risk, found = _score(output, context)
    assert risk >= 3 and found


def test_same_words_show_both_readings() -> None:
    doc = analysed("She reports night sweats.", "She denies night sweats or weight loss.")
    CompareStage(*_parts())(doc)
    found = [f.message for f in doc.findings if f.rule == "compare.v1"]
    assert any("'sweats' (affirmed)" in m and "'sweats' (negated)" in m for m in found), found


def _parts() -> tuple:
    engine = cached_engine({"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}})
    return engine.settings, engine.parts


# --- quantities: "48 h" and "2-1/2" ----------------------------------------------------------


def _quantities(text: str) -> list[tuple[float, str | None]]:
    return [(q.value, q.unit) for q in analysed(text).output.quantities]


def test_a_bare_h_after_digits_is_hours() -> None:
    assert _quantities("Recheck the potassium in 36 h.") == [(36.0, "h")]
    assert _quantities("Fasting for 12h.") == [(12.0, "h")]


def test_q_rates_and_fractions_are_not_read_as_bare_hours() -> None:
    assert (6.0, "h") not in _quantities("Ibuprofen 400 mg q6h.")
    assert all(unit != "h" for _, unit in _quantities("Troponin 15 then 40 (0/3 h)."))


def test_a_mixed_number_is_whole_plus_fraction() -> None:
    assert _quantities("Limping for 3-1/2 weeks.") == [(3.5, "wk")]
    assert _quantities("Take 2 1/2 tablets at night.") == [(2.5, "tab")]


def test_a_pain_range_out_of_ten_is_no_mixed_number() -> None:
    assert (3.4, None) not in _quantities("Pain 3-4/10 today.")


def test_a_changed_mixed_number_is_caught() -> None:
    risk, found = _score("Take 1/2 tablet of sotalol.", "Sotalol: take 1 1/2 tablets twice daily.")
    assert risk >= 3 and found


def test_spoken_hours_an_output_writes_as_h_are_read_in_the_input() -> None:
    assert _quantities("The six-hour level is back.") == [(6.0, "h")]
    assert _quantities("Antibiotics within the hour.") == [(1.0, "h")]
    assert _quantities("A seven-year-old girl.") == []


def test_hours_written_as_h_agree_with_spoken_hours() -> None:
    context = "Doctor: The six-hour lactate is down. Start antibiotics within the hour."
    risk, found = _score("Lactate down at 6 h. Antibiotics within 1 h.", context)
    assert risk <= 2, found


def test_other_hours_written_as_h_are_caught() -> None:
    context = "Doctor: The six-hour lactate is down. Start antibiotics within the hour."
    risk, found = _score("Lactate down at 6 h. Antibiotics within 8 h.", context)
    assert risk >= 3 and found


def test_a_compound_tag_naming_a_person_is_a_speaker_who_speaks_once() -> None:
    text = "Clinician: Is she allergic to anything?\nGuest_family: No, nothing at all."
    assert analysed(text).output.is_dialogue
