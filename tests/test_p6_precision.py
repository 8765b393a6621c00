"""Issue 13, session 6: false alarms of compare.v1 and negation.v1 on faithful reference notes.

Each test is a cause read by hand on flagged ACI-Bench / MTS-Dialog reference notes of the
development inputs (bench/RESULTS.md, "False alarms on faithful reference notes ... helper P"),
written here as a small case of our own, with a control: the true disagreement of the same
form that the rule must still report (so no fix passes by silencing the rule).
"""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports the compare stage
from medfact.compare import (
    RULE,
    CompareStage,
    Windows,
    _named,
    _with_answer,
    facts_in,
    read_facts,
)
from medfact.document import CaseDoc
from medfact.pipeline import cached_engine
from medfact.testing import analysed, run_rule
from medfact.types import Evidence, Finding

_CONFIG = {"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}}


def _compare(output: str, context: str) -> list[Finding]:
    engine = cached_engine(_CONFIG)
    doc: CaseDoc = analysed(output, context)
    CompareStage(engine.settings, engine.parts)(doc)
    return [f for f in doc.findings if f.rule == RULE]


def _flags(output: str, context: str, at_least: int = 3) -> list[str]:
    """compare.v1 messages at or above a risk."""
    return [f.message for f in _compare(output, context) if f.risk >= at_least]


def _negation(output: str, context: str, at_least: int = 3) -> list[str]:
    return [f.message for f in run_rule("negation.v1", output, context) if f.risk >= at_least]


# --- compare.v1 --------------------------------------------------------------------------------

_QUESTIONS = "Doctor: Do you have any questions?\nPatient: No, I think I'm good."


def test_an_ordinary_word_of_a_dialogue_has_no_polarity_to_compare() -> None:
    assert not _flags("All questions were answered.", _QUESTIONS)


def test_a_finding_word_of_a_dialogue_still_has_one() -> None:
    context = "Doctor: Do you have any fever?\nPatient: No, none at all."
    assert any("polarity" in m for m in _flags("She reports fever.", context))


def test_a_claim_that_affirms_and_denies_a_finding_tells_a_change() -> None:
    context = "Patient: I felt some tingling in my toes until Sunday, then it went away."
    output = "Endorsed tingling in toes until Sunday, denies tingling today."
    assert not _flags(output, context)
    assert _flags("Denies tingling in the toes.", context)  # control: a plain denial


def test_a_side_in_a_denial_is_compared_only_with_denied_sides() -> None:
    context = "Exam: tenderness over the distal phalanx of the right index finger."
    output = "Tenderness over the distal phalanx. No tenderness over the proximal phalanx."
    assert not [m for m in _flags(output, context) if m.startswith("side")]
    control = _flags("Tenderness over the proximal phalanx.", context)
    assert any(m.startswith("side") for m in control)


def test_a_claim_naming_two_routes_is_two_events() -> None:
    context = "i'd like to avoid intravenous antibiotics if we can ."
    output = "A course of oral antibiotics, as I would like to avoid intravenous antibiotics."
    assert not [m for m in _flags(output, context) if m.startswith("route")]
    control = _flags("Oral antibiotics.", context)
    assert any(m.startswith("route") for m in control)


def test_a_prefix_result_is_keyed_by_what_follows_it() -> None:
    context = (
        "On exam there is no tenderness to palpation there is no evidence of any rebound or "
        "guarding there is positive cva tenderness on the right flank."
    )
    assert not _flags("Positive CVA tenderness on the right flank.", context)
    control = _flags("Positive for rebound and guarding.", context)
    assert any(m.startswith("result") for m in control)


def test_a_reporting_verb_followed_by_normal_findings_is_no_abnormal_result() -> None:
    context = (
        "the echo does show preserved ejection fraction of fifty five percent and normal "
        "diastolic filling ."
    )
    output = "It demonstrates a preserved ejection fraction of 55%."
    assert not [m for m in _flags(output, context) if m.startswith("result")]
    found = _flags(
        "It demonstrates a reduced ejection fraction of 55% and abnormal filling.", context
    )
    assert any(m.startswith("result") for m in found)


def _against(output: str, context: str, window: str, named: bool) -> list[str]:
    """compare.v1 messages of the output's first claim against one sentence of the input as
    its window, with or without the drugs and parts the whole input names."""
    engine = cached_engine(_CONFIG)
    doc = analysed(output, context)
    assert doc.output is not None and doc.context is not None
    start = context.index(window)
    evidence = Evidence(text=window, source="context", span=(start, start + len(window)))
    claim = doc.claims[0]
    said = facts_in(read_facts(doc.output), *claim.span)
    stage = CompareStage(engine.settings, engine.parts)
    names = _named(doc.context) if named else frozenset()
    found = stage._compare(doc, claim, said, evidence, Windows(doc.context), names)
    return [f.message for f in found]


def test_a_drug_the_input_names_elsewhere_is_no_substitution() -> None:
    window = "For the blood pressure, continue the Cozaar."
    context = "Your fluid: continue the Bumex 2 mg daily. " + window
    assert _against("He will continue Bumex.", context, window, named=False)  # the frame alone
    assert not _against("He will continue Bumex.", context, window, named=True)
    other = "Your fluid: keep the salt low. " + window
    assert _against("He will continue Lasix.", other, window, named=True)  # control


def test_frequencies_without_a_drug_are_compared_only_within_their_topic() -> None:
    context = "The prosthetist told me to check my feet every day for the first week."
    output = "He changes the shoe inserts every 3 to 4 months."
    assert not [m for m in _flags(output, context) if m.startswith("frequency")]
    found = _flags("He checks his feet every week.", context)
    assert any(m.startswith("frequency") for m in found)


def test_times_of_different_events_are_not_compared() -> None:
    context = "My doctor started me on antibiotics about six days ago."
    output = "The foot pain began 6 weeks ago after wearing tight shoes."
    assert not [m for m in _flags(output, context) if m.startswith("time")]
    found = _flags("He started antibiotics 6 weeks ago.", context)
    assert any(m.startswith("time") for m in found)


def test_a_vague_count_agrees_within_twice() -> None:
    context = "They removed a cataract from your eye , like couple months ago ."
    assert not _flags("Status post cataract extraction 3 months ago.", context)
    assert _flags("Status post cataract extraction 8 months ago.", context)


def test_the_assessments_diagnosis_is_no_overstated_certainty() -> None:
    context = "Doctor: I think you have a lumbar strain from the lifting."
    output = "ASSESSMENT\nLumbar strain."
    assert not [m for m in _flags(output, context) if m.startswith("certainty")]


def test_a_patients_hedge_is_no_clinical_uncertainty_but_the_doctors_is() -> None:
    lay = "Doctor: More constipation or diarrhea?\nPatient: Probably more constipation."
    assert not _flags("He has constipation.", lay)
    doctor = "Doctor: This is probably a sinus infection."
    assert any(m.startswith("certainty") for m in _flags("Sinus infection.", doctor))


def test_word_readings_on_a_long_transcript_are_a_check_not_a_contradiction() -> None:
    talk = "[doctor] how is the garden ?\n[patient] busy , the tomatoes are coming in .\n" * 40
    context = talk + "[doctor] any cough ?\n[patient] no , no cough .\n"
    assert len(context) > 2500
    found = _compare("He reports a cough.", context)
    assert found and all(f.risk == 2 for f in found if "polarity" in f.message)
    short = _compare("He reports a cough.", "[doctor] any cough ?\n[patient] no , no cough .")
    assert any(f.risk >= 3 for f in short)


def test_a_dose_of_a_drug_is_keyed_by_that_drug() -> None:
    context = "We injected one cc of celestone with half a cc of lidocaine."
    output = "We injected 1.0 cc of Celestone with 0.5 cc of lidocaine."
    assert not [m for m in _flags(output, context) if m.startswith("dose")]
    assert any(m.startswith("dose") for m in _flags("We injected 2 cc of celestone.", context))


def test_non_tender_is_a_normal_result() -> None:
    context = "Examination of the hips: trochanteric is non tender."
    assert not _flags("Bilateral trochanteric regions are nontender to palpation.", context)
    assert _flags("The trochanteric region is tender to palpation.", context)


def test_we_did_not_is_no_done() -> None:
    context = (
        "we did n't really appreciate that on exam so we will try to start you on flomax at night ."
    )
    assert not _flags("We will start him on Flomax at night.", context)
    done = "we did start you on flomax at night last month ."
    assert any(
        m.startswith("status") for m in _flags("We will start him on Flomax at night.", done)
    )


# --- negation.v1 -------------------------------------------------------------------------------


def test_a_negation_does_not_run_past_a_new_clause() -> None:
    context = (
        "[doctor] on exam there's no rebound or guarding there is some swelling near your flank ."
    )
    assert not _negation("There is swelling near her flank.", context)
    denied = "[doctor] on exam there's no rebound or guarding or swelling near your flank ."
    assert _negation("There is swelling near her flank.", denied)


def test_a_contrast_ends_the_denial() -> None:
    context = "[doctor] any nausea chills fever ?\n[patient] no fever some chills and no appetite ."
    assert not _negation("Reports chills. Denies fever.", context)
    assert _negation("Reports fever.", context)


def test_a_negation_that_denies_no_finding_says_nothing() -> None:
    context = "[patient] i have that history of discectomy , and i'm worried ."
    output = "I do not believe this is related to his previous discectomy."
    assert not _negation(output, context)
    assert _negation("He denies any history of discectomy.", context)


def test_a_question_without_a_question_mark_answered_no_is_a_denial() -> None:
    context = "[doctor] sure any problems sleeping\n[patient] no i sleep like a rock\n"
    assert not _negation("Denies problems sleeping.", context)
    assert _negation("Reports problems sleeping.", context)


def test_an_unanswered_question_without_a_question_mark_states_nothing() -> None:
    context = "[doctor] how about any dizziness lately\n[patient] i have been sleeping badly\n"
    assert not _negation("Denies dizziness.", context)
    said = "[doctor] how about any dizziness lately\n[patient] yes , some dizziness\n"
    assert _negation("Denies dizziness.", said)


def test_a_wish_states_nothing() -> None:
    context = "[patient] slightly decreased appetite , but i wish i had some weight loss ."
    assert not _negation("No fevers, chills, or weight loss.", context)
    assert _negation("No weight loss.", "[patient] i have had some weight loss this month .")


def test_a_qualified_denial_is_compared_where_the_input_speaks_of_the_qualifier() -> None:
    context = (
        "[doctor] we talked about your pain , how bad is that pain ?\n"
        "[doctor] you do have pain with pronation of the forearm .\n"
    )
    assert not _negation("No pain with supination of the forearm.", context)
    assert _negation("No pain with pronation of the forearm.", context)


def test_a_resolved_finding_against_a_present_one_is_a_check() -> None:
    context = "[patient] i was having chest pains , but it stopped after four days ."
    found = run_rule("negation.v1", "Her chest pain resolved after four days.", context)
    assert all(f.risk <= 2 for f in found)
    assert _negation("She denies chest pain.", context)


def test_people_and_measurements_are_no_findings() -> None:
    context = "[doctor] i hear your dermatologist sent you to me .\n"
    assert not _negation("She has never seen a dermatologist before.", context)
    vitals = "[doctor] i don't see any fever or your blood pressure and heart rate are fine ."
    assert not _negation("Vitals look good, blood pressure and heart rate are normal.", vitals)


def test_a_field_label_is_a_header() -> None:
    context = "[doctor] do you smoke or use drugs ?\n[patient] nope , never have .\n"
    assert not _negation("Tobacco Use: Non-smoker.\nIllicit drug use: Never.", context)
    assert _negation("He smokes daily.", context)


def test_back_pain_is_not_chest_pain() -> None:
    context = "[doctor] and i know that you were endorsing the back pain .\n"
    assert not _negation("Denies chest pain.", context)
    assert _negation("Denies chest pain.", context.replace("back", "chest"))


def test_an_aside_does_not_end_a_denial() -> None:
    context = "Doctor: Any trouble with your bowels?\nPatient: Nope, they are fine."
    assert not _negation("He denies, however, any bowel problems.", context)
    own = "Patient: I have had bowel problems for weeks."
    assert _negation("He denies, however, any bowel problems.", own)


def test_a_purpose_states_no_presence() -> None:
    context = "Doctor: Any chance of pregnancy?\nPatient: No, I have an IUD."
    assert not _negation("She has an intrauterine device to prevent pregnancy.", context)
    assert _negation("She is pregnant.", context)


def test_another_episode_is_not_this_one() -> None:
    context = "Patient: I feel a lot of pressure.\nDoctor: I can understand the discomfort."
    assert not _negation("She denies having had similar discomfort in the past.", context)
    assert _negation("She denies discomfort.", context)


def test_no_issues_with_a_finding_does_not_deny_it() -> None:
    context = "Patient: Oh no, I have no issues with my pain. I am here for the weakness."
    output = "The patient reports that the pain is not an issue."
    assert not _negation(output, context) and not _flags(output, context)
    assert _negation("She reports pain.", "Patient: I have no pain at all.")


def test_an_answer_to_a_later_question_does_not_deny_an_earlier_finding() -> None:
    context = (
        "[doctor] there is associated swelling when i touch on your midfoot here does it hurt\n"
        "[patient] no\n"
    )
    assert not _negation("Associated swelling of the foot.", context)
    asked = "[doctor] any swelling of the foot\n[patient] no\n"
    assert _negation("Associated swelling of the foot.", asked)


def test_a_coordinated_denial_keeps_its_qualifier() -> None:
    output = "No pain or tenderness with flexion of the lower leg."
    assert not _negation(output, "[doctor] you have some pain in the upper leg .")
    assert _negation(output, "[doctor] you have pain with flexion of the lower leg .")


def test_a_past_result_is_not_todays() -> None:
    context = "[patient] i had an abnormal one in 2009 , and then i had a normal pap ."
    assert not _negation("History of abnormal pap smear in 2009.", context)
    assert _negation("Her pap smear was abnormal.", "[doctor] your pap smear was normal .")


def test_a_time_counted_from_another_event_is_not_compared_with_now() -> None:
    context = "We are going to do the procedure tomorrow."
    assert not _flags(
        "He will follow up 24 hours post procedure, and again 2 weeks later.", context
    )
    assert _flags("We are going to do the procedure 2 weeks from now.", context)


def test_a_lower_extremity_is_a_leg() -> None:
    context = "[doctor] how about are your legs swelling up\n[patient] nope\n"
    assert not [m for m in _flags("Denies lower extremity swelling.", context) if "part" in m]
    assert [m for m in _flags("Denies neck swelling.", context) if "part" in m]


def test_a_dialogue_correction_belongs_to_the_window() -> None:
    context = (
        "[doctor] i understand you've come in with some right knee pain what's going on\n"
        "[patient] it it's not the right knee it's the left knee\n"
        "[doctor] okay the left knee\n"
    )
    doc = analysed("Left knee pain.", context)
    first = context.index("\n")
    assert _with_answer(doc, (0, first)) == (0, context.index("\n", first + 1))
    assert not _flags("Left knee pain.", context)
    plain = "[doctor] you've come in with some right knee pain what's going on\n[patient] yes\n"
    assert (
        _with_answer(analysed("Left knee pain.", plain), (0, plain.index("\n")))[1] < len(plain) - 1
    )
    assert _flags("Left knee pain.", plain)


def test_a_month_and_year_is_no_ratio() -> None:
    context = "her followup blood work on 01/20/20 revealed a low hemoglobin ."
    assert not _flags("Her follow-up blood work in 01/2020 revealed a low hemoglobin.", context)
    assert _flags("Blood pressure 150/90.", "Blood pressure 120/80 today.")


def test_weight_gain_is_read_by_its_head() -> None:
    context = "[doctor] so how has your weight been .\n[patient] i've been trying to lose weight ."
    assert not _negation("She denies weight gain.", context)
    assert _negation("She denies weight gain.", "[patient] i have had some weight gain .")


def test_an_allergy_frame_names_its_drug_even_where_the_input_names_it_elsewhere() -> None:
    window = "Allergy: ciprofloxacin, which ruptured his Achilles tendon."
    context = window + " The culture grew Klebsiella sensitive to cefalexin."
    assert _against("ALLERGY: cefalexin (Achilles rupture).", context, window, named=True)
    assert not _against("ALLERGY: ciprofloxacin (Achilles rupture).", context, window, named=True)


def test_not_using_denies() -> None:
    context = "He is not using alcohol or drugs. Plan: restart sertraline 50 mg daily."
    assert not _negation("No EtOH/drugs.", context)
    assert _negation("Uses drugs daily.", context)


def test_a_parenthesis_ends_a_denial() -> None:
    context = "Doctor: No injections at home. Just the liquid, and the paracetamol regularly."
    output = "Oral morphine solution 5 mg q4h PRN (no injections at home) + regular paracetamol."
    assert not _negation(output, context)
    assert _negation("No paracetamol.", context)
