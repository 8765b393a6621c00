"""Session 11 fabrication readings (issue 13): causes, procedures and diagnoses the input does not
give, each with a control."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - registers the rules
from medfact.testing import run_rule


def _causes(output: str, context: str) -> list[tuple[int, str]]:
    return [
        (f.risk, f.message)
        for f in run_rule("unsupported.v1", output, context)
        if "cause" in f.message
    ]


def test_a_cause_the_input_denies_is_risk_3() -> None:
    ctx = (
        "His eGFR has fallen to 25, so metformin has been stopped; he had no gastrointestinal "
        "side effects from it. Linagliptin 5 mg daily started instead."
    )
    found = _causes("Metformin stopped because of GI side effects.", ctx)
    assert [r for r, _ in found] == [3]
    assert found[0][1].startswith("the input rules out this cause")
    # control: the output keeps the denial beside the input's own cause
    kept = _causes("Metformin stopped because of renal function (no GI side effects).", ctx)
    assert all(r < 3 for r, _ in kept)


def test_a_negation_that_is_no_denial_does_not_rule_out_a_cause() -> None:
    # "can't breathe lying flat" says the patient is breathless lying flat, it denies nothing
    ctx = "Three pillows. It used to be one, but I can't breathe lying flat anymore."
    found = _causes("Sleeps on three pillows because of breathlessness lying flat.", ctx)
    assert all(r < 3 for r, _ in found)


def test_a_cause_replacing_the_one_the_input_gives_shows_the_inputs_cause() -> None:
    # shown, at risk 2: read as risk 3 it also flagged faithful rewordings held out of tuning
    ctx = (
        "Atorvastatin was stopped 4 weeks ago because of aching in the thigh muscles; CK was "
        "normal and the aches have resolved. Liver tests normal."
    )
    found = _causes("Atorvastatin stopped 4 wk ago because of raised liver enzymes.", ctx)
    assert [r for r, _ in found] == [2]
    assert "it gives another ('because of')" in found[0][1]
    # control: the input's cause, reworded, is no finding
    kept = _causes("Atorvastatin stopped 4 wk ago because of thigh myalgia.", ctx)
    assert all(r < 3 for r, _ in kept)


def test_a_reworded_cause_sharing_a_word_with_the_input_cause_stays_risk_2() -> None:
    ctx = "He does have multiple trauma due to the accident, and he will require aftercare."
    found = _causes("Aftercare of multiple trauma from a motor vehicle accident.", ctx)
    assert [r for r, _ in found] == [2]


def test_an_unsupported_cause_where_the_input_gives_none_for_the_event_stays_risk_2() -> None:
    ctx = "Atorvastatin was stopped 4 weeks ago. CK was normal. Liver tests normal."
    found = _causes("Atorvastatin stopped 4 wk ago because of raised liver enzymes.", ctx)
    assert [r for r, _ in found] == [2]


def _undone(output: str, context: str) -> list[tuple[int, str]]:
    return [
        (f.risk, output[f.span[0] : f.span[1]])
        for f in run_rule("entities.v1", output, context)
        if "names it only as not done" in f.message
    ]


def test_a_procedure_the_input_says_was_not_needed_is_fabricated_when_said_as_done() -> None:
    ctx = (
        "Gallstone pancreatitis. Liver tests settled and MRCP on day 3 showed no stones in the "
        "bile duct, so ERCP was not needed. Laparoscopic cholecystectomy on the next list."
    )
    assert _undone("LFTs settled after ERCP + sphincterotomy D3.", ctx) == [(3, "ERCP")]
    # control: the output keeps it undone
    assert _undone("MRCP D3: CBD clear, ERCP not required.", ctx) == []


def test_a_procedure_the_input_never_had_is_fabricated_as_a_past_result() -> None:
    ctx = "She has never had an endoscopy. Please see and consider gastroscopy."
    assert _undone("OGD 2022: mild gastritis. Please see and consider OGD.", ctx) == [(3, "OGD")]
    assert _undone("No previous endoscopy. Please consider OGD.", ctx) == []


def test_a_condition_a_dialogue_answer_denies_is_fabricated_as_a_history() -> None:
    ctx = "Doctor: Has Maya ever had a urine infection before?\nMother: No, never."
    assert _undone("Previous UTIs.", ctx) == [(3, "UTIs")]
    # control: a first episode claims no earlier one
    assert _undone("First UTI.", ctx) == []


def test_a_verb_read_as_a_negation_does_not_make_a_condition_undone() -> None:
    ctx = "Doctor: When did you quit?\nPatient: I stopped when I had my heart attack, 2019."
    assert _undone("Ex-smoker, quit 2019 after MI.", ctx) == []


def test_talk_far_from_a_name_in_a_transcript_does_not_make_it_undone() -> None:
    ctx = (
        "so i reviewed the results of your right knee x-ray which showed no evidence of fracture "
        "or bony abnormality so let's talk about my assessment and plan"
    )
    assert _undone("X-rays of the right knee were obtained and reviewed.", ctx) == []


def test_a_year_dates_a_procedure_done_while_an_interval_plans_it() -> None:
    ctx = (
        "Doctor: Did anyone ever talk about ECT with you?\n"
        "Patient: They talked about it in 2019, yeah. But I got better, so we never did it."
    )
    assert _undone("Course of ECT in 2019 with good response.", ctx) == [(3, "ECT")]
    # control: an interval is a plan, not a date
    assert _undone("Reconsider ECT in 6 weeks if no response.", ctx) == []
    assert _undone("ECT in 6 weeks if no better.", ctx) == []


def _entities(output: str, context: str) -> list[tuple[int, str]]:
    return [
        (f.risk, output[f.span[0] : f.span[1]])
        for f in run_rule("entities.v1", output, context)
        if f.risk >= 3
    ]


def test_an_angiogram_does_not_support_a_coronary_intervention() -> None:
    ctx = "Coronary angiography via right radial: smooth coronary arteries, no significant disease."
    assert _entities("Angio (R radial): PCI with 1 DES to mid-LAD.", ctx) == [(3, "PCI")]
    # control: a stent the input names supports the intervention and the catheterization
    ctx = "He had a heart attack in 2018 and we put a stent into his right coronary artery."
    assert _entities("Cardiac catheterization with PCI to the RCA in 2018.", ctx) == []


def test_procedures_and_conditions_added_to_the_table_are_read() -> None:
    ctx = "Laparoscopic cholecystectomy for biliary colic. Critical view of safety obtained."
    found = _entities("Lap chole; on-table cholangiogram normal.", ctx)
    assert found == [(3, "on-table cholangiogram")]
    ctx = "Crohn's ileocolitis flare on adalimumab. CT: terminal ileal thickening."
    assert _entities("Crohn's flare, complicated by ileal stricture.", ctx) == [(3, "stricture")]
    # control: a patient's lay words support the clinical term
    ctx = "You had asthma, nasal inflammation, and some abnormal growth on your neck, correct?"
    assert _entities("Significant for asthma and cervical dysplasia.", ctx) == []


def test_a_lay_phrase_the_input_denies_does_not_support_the_diagnosis() -> None:
    ctx = (
        "Doctor: the biopsies showed no dysplasia, the lower risk kind, no precancerous changes.\n"
        "Assessment and Plan: short segment Barrett's esophagus without dysplasia."
    )
    out = "Assessment and Plan:\n2. Short-segment Barrett's esophagus with low-grade dysplasia."
    assert _entities(out, ctx) == [(3, "low-grade dysplasia")]
    assert _entities("Assessment and Plan:\n2. Barrett's esophagus without dysplasia.", ctx) == []


def test_a_suspicion_nobody_tested_and_a_procedure_under_consideration_are_not_done() -> None:
    ctx = "Patient: No. My mum thinks I've got ADHD but nobody's tested me."
    assert _undone("PMH: ADHD.", ctx) == [(3, "ADHD")]
    assert _undone("Mother suspects ADHD - never assessed.", ctx) == []
    ctx = "Tonsils grade 3. Referred to ENT for consideration of adenotonsillectomy."
    assert _undone("Tonsils grade 3; s/p adenoidectomy at age 3.", ctx) == [(3, "adenoidectomy")]
    assert _undone("Tonsils grade 3. ENT referral re adenotonsillectomy.", ctx) == []


def _permits(output: str, context: str) -> list[tuple[int, str]]:
    return [
        (f.risk, context[f.context_span[0] : f.context_span[1]])
        for f in run_rule("unsupported.v1", output, context)
        if "permits what the input forbids" in f.message and f.context_span is not None
    ]


def test_a_permission_of_an_activity_the_input_forbids_is_risk_3() -> None:
    ctx = "Doctor: I'm afraid not. You must stop driving now and tell the DVLA."
    found = _permits("Advised: may continue driving for work until seen in clinic.", ctx)
    assert [r for r, _ in found] == [3]
    assert found[0][1].startswith("stop driving")
    ctx = "Concussion. Gradual return to school; no contact sports until cleared."
    assert _permits("May return to football this weekend.", ctx) == [
        (3, "no contact sports until cleared")
    ]
    # controls: the input's own ban kept, or a ban with a permission after it
    assert _permits("May return to school next week.", ctx) == []
    ctx = "Advised she may drive, but should not drive during withdrawal or for six months after."
    assert _permits("Can drive.", ctx) == []


def test_continuing_what_the_input_says_not_to_stop_is_no_conflict() -> None:
    ctx = "Do not stop clopidogrel early without speaking to cardiology, even for dental work."
    assert _permits("May continue clopidogrel through dental work.", ctx) == []
    assert [r for r, _ in _permits("May stop clopidogrel before dental work.", ctx)] == [3]
    # a ban the output lifts only later is the input's plan
    ctx = "Not play lacrosse for the next couple of weeks, just to help that heal."
    assert _permits("Avoid lacrosse 2 wk. After that, fine to continue playing.", ctx) == []


def test_a_purpose_the_input_gives_is_shown_and_a_pending_test_makes_a_cause_risk_3() -> None:
    ctx = "Started lisinopril for blood pressure. Also has microalbuminuria."
    found = _causes("Lisinopril started because of a cough.", ctx)
    assert [r for r, _ in found] == [2]
    assert "it gives another ('for ')" in found[0][1]
    ctx = "Anemia, hemoglobin 10.2. Iron studies pending."
    found = _causes("Anemia due to iron deficiency.", ctx)
    assert [r for r, _ in found] == [3] and "its test is pending" in found[0][1]
    # controls: a duration is no purpose; a cause the input names stays unflagged
    ctx = "Started lisinopril for two weeks. Also has microalbuminuria."
    assert [r for r, _ in _causes("Lisinopril started because of a cough.", ctx)] == [2]
    ctx = "Anemia, hemoglobin 10.2, from heavy periods. Iron studies pending."
    assert all(r < 3 for r, _ in _causes("Anemia due to heavy periods.", ctx))


def test_advice_to_keep_on_or_go_as_tolerated_is_read_against_the_input_ban() -> None:
    ctx = "Advice given: limit high-potassium foods (bananas, potatoes unless boiled and drained)."
    assert [r for r, _ in _permits("- Keep eating bananas and jacket potatoes.", ctx)] == [3]
    ctx = "Because of that screw, you mustn't put any weight on that leg for six weeks."
    assert [r for r, _ in _permits("Weight bear as tolerated.", ctx)] == [3]
    # controls: a ban the output keeps, a question, an advice with its own 'no'
    ctx = "She should keep avoiding penicillins, including amoxicillin."
    assert _permits("Advised: keep avoiding all penicillins incl. amoxicillin.", ctx) == []
    ctx = "Patient: Why do I have to stop the sertraline?\nDoctor: You don't - keep taking it."
    assert _permits("Pre-op: continue sertraline.", ctx) == []
    ctx = "Carpal tunnel is stable, so no changes there as well."
    assert _permits("Continue current regimen with no changes at this time.", ctx) == []


def _late(output: str, context: str) -> list[int]:
    return [f.risk for f in run_rule("unsupported.v1", output, context) if "puts off" in f.message]


def test_advice_that_puts_off_what_the_input_says_to_do_at_once_is_risk_3() -> None:
    ctx = (
        "Midwife: If you ever feel the movements have slowed down, ring the maternity unit "
        "straight away, day or night. Don't wait until the next day."
    )
    assert _late("Call maternity unit if no movements by tomorrow.", ctx) == [3]
    assert _late("Call maternity unit straight away if movements slow; do not wait.", ctx) == []
    ctx = "I'm starting prednisolone sixty milligrams today. We don't wait for the biopsy."
    assert _late("Plan: start prednisolone 60 mg once biopsy confirms.", ctx) == [3]
    assert _late("Plan: prednisolone 60 mg today, not delayed for biopsy.", ctx) == []
    # control: a deferral where the input asks for no haste
    ctx = "Start prednisolone if the temporal artery biopsy shows arteritis."
    assert _late("Plan: start prednisolone 60 mg once biopsy confirms.", ctx) == []
