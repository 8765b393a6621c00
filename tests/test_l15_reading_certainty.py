"""A diagnosis stated as found where the input only suggests it (session 15, helper C1): the
hedge dropped under an Impression header, at the head of a list item or after "this was a";
conditions the concept table lacks read by their word ("SVT", "fibroadenoma"). Each with a
control that must be left alone. Small texts written for these tests."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.testing import analysed, run_rule
from medfact.types import Finding
from medfact.verifiers.certainty import _input_finds
from medfact.verifiers.entities import mentions

_STATED = "is stated as found"


def overstated(output: str, context: str) -> list[Finding]:
    """certainty.v1's findings of a diagnosis stated as found, at risk 3 or more."""
    found = run_rule("certainty.v1", output, context)
    return [f for f in found if _STATED in f.message and f.risk >= 3]


_CHEST = (
    "Doctor: How long did the tightness last?\nPatient: About twenty minutes, then it eased.\n"
    "Doctor: Your tracing is normal now. This could be unstable angina, so we will repeat the "
    "blood test in three hours and keep you on the monitor."
)


def test_hedge_dropped_under_impression_header_is_caught() -> None:
    found = overstated("Chest tightness 20 min, resolved.\nImp: unstable angina.", _CHEST)
    assert [f.message.split("'")[1] for f in found] == ["unstable angina"]


def test_hedge_kept_under_impression_header_is_left_alone() -> None:
    assert not overstated("Chest tightness 20 min, resolved.\nImp: ?unstable angina.", _CHEST)
    assert not overstated(
        "Chest tightness 20 min, resolved.\nImp: possible unstable angina.", _CHEST
    )


def test_impression_matching_the_inputs_certainty_is_left_alone() -> None:
    sure = "Doctor: Your tracing shows it clearly. This is unstable angina, so you stay in."
    assert not overstated("Imp: unstable angina.", sure)


_MOLE = (
    "Dermatology clinic. 41-year-old woman with a changing mole on the left calf. Dermoscopy "
    "shows an irregular network; melanoma cannot be excluded. Excision biopsy booked."
)


def test_trailing_hedge_of_the_input_is_read() -> None:
    assert overstated("Changing L calf mole. Melanoma on dermoscopy. Excision booked.", _MOLE)
    assert not overstated(
        "Changing L calf mole; melanoma not excluded on dermoscopy. Excision booked.", _MOLE
    )


def test_this_was_a_states_it_as_found() -> None:
    ctx = (
        "Consultant: The numbness lasted half an hour and has gone. It might have been a "
        "stroke warning, a TIA, or a migraine; we cannot tell yet."
    )
    assert overstated("This was a TIA. Scan of the brain arranged.", ctx)
    assert not overstated("This may have been a TIA. Scan of the brain arranged.", ctx)


def test_question_left_open_by_the_answer_is_a_suggestion() -> None:
    ctx = "Patient: Is it pneumonia?\nDoctor: Possibly. The X-ray will tell us this afternoon."
    assert overstated("Pneumonia. X-ray this afternoon.", ctx)
    answered = "Patient: Is it pneumonia?\nDoctor: Yes, the X-ray shows a patch on the right."
    assert not overstated("Pneumonia. X-ray this afternoon.", answered)


def test_looks_like_is_a_hedge_only_with_a_doubt() -> None:
    doubted = "Doctor: It looks like gout, but I can't be sure until the fluid is examined."
    plain = "Doctor: It looks like gout. I'll give you colchicine."
    assert overstated("Hot swollen toe. Gout.", doubted)
    assert not overstated("Hot swollen toe. Gout.", plain)


def test_a_clinicians_i_think_names_the_diagnosis() -> None:
    ctx = "Doctor: I think it's a viral gastroenteritis. Plenty of fluids."
    assert not overstated("Impression: viral gastroenteritis.", ctx)


def test_subordinate_mention_is_not_stated_as_found() -> None:
    ctx = "Doctor: Your snoring could mean sleep apnoea, so I'll refer you for a sleep study."
    assert not overstated("Referred for sleep study for sleep apnoea.", ctx)


def test_asked_question_mark_is_no_hedge() -> None:
    ctx = "Doctor: Does he have asthma?\nWife: Yes, since he was a boy."
    assert not overstated("Asthma since childhood.", ctx)


def test_unlisted_condition_read_by_its_word() -> None:
    ctx = (
        "Radiology: 14 mm well-defined solid lesion in the right breast, probably a "
        "fibroadenoma; core biopsy advised."
    )
    assert overstated("R breast: fibroadenoma, 14 mm. Core biopsy advised.", ctx)
    assert not overstated("R breast: probable fibroadenoma, 14 mm. Core biopsy advised.", ctx)


def test_abbreviation_needs_the_same_capitals_in_the_input() -> None:
    hedged = "Doctor: The racing heart might be SVT; we'll fit a monitor."
    assert overstated("Imp: SVT. Plan: monitor.", hedged)
    header = "Doctor: Your history may matter here; tell me about your heart."
    assert not overstated("HISTORY: palpitations.", header)


# --- a diagnosis ruled out where the input leaves it open -------------------------------------


def shifted(output: str, context: str, said: str) -> list[Finding]:
    """certainty.v1's findings at risk 3 or more whose message holds ``said``."""
    found = run_rule("certainty.v1", output, context)
    return [f for f in found if said in f.message and f.risk >= 3]


_WOUND = (
    "Review of the hip wound on day 9: redness at the lower end, some serous ooze, no pus. "
    "Superficial wound infection likely; deep infection cannot be excluded, so we will "
    "aspirate if the ooze continues."
)


def test_open_diagnosis_ruled_out_is_caught() -> None:
    out = "Day 9 hip wound: superficial infection likely; no concern for deep infection."
    assert [f.message.split("'")[1] for f in shifted(out, _WOUND, "ruled out")] == ["infection"]


def test_open_diagnosis_kept_open_is_left_alone() -> None:
    out = "Day 9 hip wound: superficial infection likely; deep infection not excluded."
    assert not shifted(out, _WOUND, "ruled out")


def test_denial_of_a_test_with_the_diagnosis_still_open_is_left_alone() -> None:
    ctx = (
        "Doctor: The X-ray doesn't show a break, but you are tender over the scaphoid, so "
        "we'll treat it as a possible scaphoid fracture."
    )
    out = "XR: no fracture seen. Imp: possible scaphoid fracture; splint."
    assert not shifted(out, ctx, "ruled out")


# --- a diagnosis hedged where the input finds it ---------------------------------------------


def test_found_diagnosis_hedged_is_caught() -> None:
    ctx = "Ambulatory ECG report: paroxysmal atrial fibrillation, longest run 40 minutes."
    out = "Your heart monitor may have shown atrial fibrillation."
    found = shifted(out, ctx, "hedged here but the input finds it")
    assert [f.message.split("'")[1] for f in found] == ["may have shown atrial fibrillation"]


def test_a_clinicians_i_think_may_be_written_as_suspected() -> None:
    ctx = "Doctor: Your pulse is irregular and I think this is atrial fibrillation."
    assert not shifted("Suspected atrial fibrillation.", ctx, "hedged here")


def test_found_diagnosis_kept_is_left_alone() -> None:
    ctx = "Ambulatory ECG report: paroxysmal atrial fibrillation, longest run 40 minutes."
    assert not shifted("Your heart monitor showed atrial fibrillation.", ctx, "hedged here")


def test_talk_is_no_firm_finding_a_written_report_is() -> None:
    talk = "Patient: I can't lie flat at night.\nDoctor: This is heart failure, I'm sure of it."
    report = "Chest X-ray report: cardiomegaly and upper lobe diversion; shows heart failure."
    for ctx, found in ((talk, False), (report, True)):
        doc = analysed("x", ctx).context
        m = next(m for m in mentions(doc.text, ("condition",)) if m.concept == "heart failure")
        assert (_input_finds(doc, m.concept, {"heart", "failure"}) is not None) is found


_ASKED_HISTORY = (
    "Doctor: You have asthma?\nPatient: Yes, since school.\n"
    "Doctor: And gout?\nPatient: Yes.\nDoctor: Okay, thanks."
)


def test_a_question_answered_in_a_conversation_is_no_hedge() -> None:
    # "And gout?" asks; the answer confirms it: a note's "gout" overstates nothing
    assert not overstated("Asthma, gout.", _ASKED_HISTORY)
    assert not overstated("Gout.", _ASKED_HISTORY)


def test_a_note_question_mark_after_a_diagnosis_still_hedges() -> None:
    note = "Assessment: painful swollen first MTP joint, gout?. Plan: aspirate joint."
    found = overstated("Assessment: gout. Plan: aspirate joint.", note)
    assert [f.message.split("'")[1] for f in found] == ["gout"]
