"""Session 11: readings that flagged faithful reference notes (ACI-Bench, MTS-Dialog), each with
a control that the same rule still catches the error."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports the compare stage
from medfact.analysis import AFFIRMED, NEGATED, UNCERTAIN
from medfact.lexicon.drugs import default_lexicon
from medfact.testing import analysed, run_rule


def _polarity(context: str, word: str) -> str:
    doc = analysed("x", context).context
    assert doc is not None
    return next(t.polarity for t in doc.tokens if t.text == word)


def _rules(output: str, context: str, risk: int = 3) -> set[str]:
    found: set[str] = set()
    for rule in ("negation.v1", "entities.v1", "drugs.v1", "temporal.v1", "omission.v1"):
        found |= {f.rule for f in run_rule(rule, output, context) if f.risk >= risk}
    return found


def test_an_exam_systems_headers_are_no_speakers() -> None:
    note = (
        "HEAD: No angioedema.\nRESPIRATORY: No audible stridor. I do appreciate some faint "
        "expiratory wheezing bilaterally.\nSKIN: No rash."
    )
    assert _polarity(note, "wheezing") == AFFIRMED
    assert _polarity(note, "stridor") == NEGATED
    # control: a speaker's "No." still answers the question before it
    assert _polarity("Doctor: Any wheezing?\nPatient: No.", "wheezing") == NEGATED


def test_a_look_that_denies_reaches_past_there_is() -> None:
    ctx = "[doctor] the x-ray it does n't look like there is any , uh , broken bone or fracture"
    assert run_rule("negation.v1", "X-ray shows no fracture.", ctx) == []
    assert [f.risk for f in run_rule("negation.v1", "X-ray shows a fracture.", ctx)] == [4]


def test_a_negation_stops_at_a_new_subject_and_verb_of_run_on_speech() -> None:
    ctx = (
        "[doctor] i do n't appreciate any extra beats doing a quick extremity exam your skin is "
        "pink warm and dry"
    )
    assert _polarity(ctx, "beats") == NEGATED
    assert _polarity(ctx, "skin") == AFFIRMED
    mother = "[patient] no lung cancer my mom did have breast cancer"
    assert _polarity(mother, "breast") == AFFIRMED
    # control: "that" makes the clause the denied thing
    assert _polarity("He denies that his pain is worse.", "worse") == NEGATED


def test_a_negation_stops_at_the_next_part_of_a_dictated_exam() -> None:
    ctx = (
        "[doctor] your lungs are clear without wheezes rales or rhonchi on your abdominal exam "
        "bowel sounds are present"
    )
    assert _polarity(ctx, "rhonchi") == NEGATED
    assert _polarity(ctx, "bowel") == AFFIRMED


def test_a_comma_item_with_its_own_subject_or_an_instruction_ends_a_negated_list() -> None:
    ctx = (
        "Compared to the previous study, there are no significant changes, and please add in "
        "the history, patient has a history of atrial fibrillation, diabetes, asthma."
    )
    assert _polarity(ctx, "asthma") == AFFIRMED
    assert _polarity("Denies fever, chills, asthma.", "asthma") == NEGATED


def test_an_any_that_points_back_asks_about_the_words_before_it() -> None:
    ctx = (
        "[doctor] okay alright and then things like lung infections or pneumonia do you have any "
        "previous history of that\n[patient] no no not not anything that i'm aware of"
    )
    assert run_rule("negation.v1", "Denies any history of lung infections or pneumonia.", ctx) == []
    assert _polarity(ctx, "pneumonia") == NEGATED


def test_a_hedge_the_answer_confirms_is_a_fact() -> None:
    ctx = (
        "[doctor] i think you've got an allergy to penicillin is that correct\n"
        "[patient] that's correct yes\n[doctor] okay"
    )
    assert _polarity(ctx, "allergy") == AFFIRMED
    denied = ctx.replace("that's correct yes", "no that was my brother")
    assert _polarity(denied, "allergy") == UNCERTAIN


def test_an_answer_answers_the_turns_last_question_not_what_follows_it() -> None:
    ctx = (
        "Doctor: Do you drink? Excessive drinking can cause issues with the liver.\n"
        "Patient: No, I do not. I take a lot of Tylenol for pain."
    )
    assert run_rule("negation.v1", "Negative for use of alcohol.", ctx) == []
    assert [f.risk for f in run_rule("negation.v1", "Drinks alcohol daily.", ctx)] == [4]


def test_a_symptom_said_as_an_adjective_is_the_symptom() -> None:
    ctx = (
        "[doctor] do you get any rashes underneath your breasts ? and it could be from sweating .\n"
        "[patient] no , but they are always sweaty ."
    )
    assert run_rule("negation.v1", "No rash under breasts; persistent sweating.", ctx) == []
    hemoglobin = "[patient] my last hgb a1c was a little over eight"
    assert run_rule("negation.v1", "His last hemoglobin A1C was 8.", hemoglobin) == []


def test_a_denial_at_a_part_or_side_the_input_does_not_affirm_there_is_no_flip() -> None:
    knee = "[doctor] on your right knee examination i do appreciate some edema and an effusion"
    assert run_rule("negation.v1", "No ankle edema.", knee) == []
    assert [f.risk for f in run_rule("negation.v1", "No knee edema.", knee)] == [4]
    face = "[patient] the pain is on the right side of my face , my cheek hurts"
    assert run_rule("negation.v1", "Denies left sided facial pain.", face) == []


def test_pseudo_and_partial_denials_deny_nothing_of_the_input() -> None:
    injury = "[patient] i was able to bend it immediately after the injury but not really now"
    assert run_rule("negation.v1", "This was not a problem right after the injury.", injury) == []
    plan = "[doctor] hopefully physical therapy helps your injury heal"
    assert run_rule("negation.v1", "He denies any specific injury.", plan) == []
    assert [f.risk for f in run_rule("negation.v1", "He denies any injury.", plan)] >= [3]
    cancer = "[doctor] on your prostate exam i do appreciate an enlarged prostate"
    out = "There were no concerning symptoms of prostate cancer."
    assert run_rule("negation.v1", out, cancer) == []


def test_a_brand_number_and_a_lay_name_name_a_drug() -> None:
    codeine = default_lexicon().find("Tylenol No. 3 prn, Tylenol #3, tylenol 325 mg")
    assert [d.canonical for d in codeine] == [
        "acetaminophen/codeine",
        "acetaminophen/codeine",
        "acetaminophen",
    ]
    assert _polarity("She uses Tylenol No. 3 and ibuprofen.", "ibuprofen") == AFFIRMED
    ctx = "[doctor] you're due for a tetanus shot , and if it doesn't settle a steroid injection ."
    out = "Tetanus vaccine given today; cortisone injection if no better."
    assert run_rule("drugs.v1", out, ctx) == []
    assert run_rule("drugs.v1", "Hepatitis B vaccine given today.", ctx) != []
    coke = "Patient: I did some coke. It's this heroin that is going to get me."
    assert run_rule("drugs.v1", "Last use of heroin and cocaine this morning.", coke) == []
    # a group's singular is a class: "Narcotic pain medication: No."
    assert run_rule("drugs.v1", "Narcotic pain medication: No.", "Patient: only ibuprofen.") == []


def test_an_event_age_is_no_patients_age() -> None:
    ctx = "[doctor] she's a 42-year-old female . [patient] my appendix came out when i was seven ."
    assert run_rule("entities.v1", "42-year-old; appendectomy at age 7.", ctx) == []
    assert [f.risk for f in run_rule("entities.v1", "47-year-old woman.", ctx)] != []


def test_a_frequency_of_checks_is_no_critical_value() -> None:
    ctx = (
        "[patient] i check my sugar two or three times a week . [doctor] and check your blood "
        "sugar twice daily for the next two weeks"
    )
    assert run_rule("omission.v1", "He checks his sugars at home.", ctx) == []
    low = "[doctor] his blood sugar 2 this morning so we gave dextrose"
    assert any("critical value" in f.message for f in run_rule("omission.v1", "Seen.", low))


def test_readings_of_temporal_and_severity_words() -> None:
    never = "Doctor: Any drinking or smoking? Patient: No, I never smoked, and I drink rarely."
    assert run_rule("temporal.v1", "No history of drug or alcohol abuse; nonsmoker.", never) == []
    active = "[doctor] you have limited active and passive range of motion of the right shoulder"
    out = "History of right shoulder pain when he was younger."
    assert run_rule("temporal.v1", out, active) == []
    desk = "[doctor] stop by the front desk ; continue the methotrexate ."
    assert run_rule("temporal.v1", "Continue methotrexate.", desk) == []
    assert run_rule("temporal.v1", "Stop methotrexate.", desk) != []
    options = (
        "Doctor: Was the numbness and tingling mild, moderate, or severe?\n"
        "Patient: It was a mild feeling, but it has not changed."
    )
    assert run_rule("certainty.v1", "Mild tingling and numbness in his toes.", options) == []
    level = "Patient: It was in the right side, L2-L3."
    assert run_rule("laterality.v1", "Clinical right L2 radiculopathy.", level) == []
    assert run_rule("laterality.v1", "Clinical right L4 radiculopathy.", level) != []


def test_advice_naming_a_vaccine_the_input_calls_a_shot_is_supported() -> None:
    ctx = "[doctor] it looks like you're due for a tetanus shot so we'll give you a tetanus shot"
    out = "I advised the patient that he is due for a tetanus vaccine."
    assert [f.risk for f in run_rule("unsupported.v1", out, ctx) if f.risk >= 3] == []
    other = "I advised the patient that he is due for a hepatitis B vaccine."
    assert [f.risk for f in run_rule("unsupported.v1", other, ctx) if f.risk >= 3] != []


def test_an_action_on_something_else_is_not_the_drug_named_before_it() -> None:
    ctx = (
        "[doctor] i'm just keep you on that five hundred of metformin okay i do want you to start "
        "taking your blood sugars before every meal"
    )
    assert run_rule("temporal.v1", "Continue metformin 500 mg daily.", ctx) == []
    stop = ctx.replace("start taking your blood sugars", "stop taking your metformin")
    assert run_rule("temporal.v1", "Continue metformin 500 mg daily.", stop) != []


def test_a_childs_age_is_not_the_patients() -> None:
    kids = "[doctor] what activities do you do [patient] i chase my two four -year-old"
    assert [
        f.risk for f in run_rule("numbers.v1", "A 44-year-old woman.", kids) if f.risk > 2
    ] == []
    own = "[doctor] she is a four -year-old girl"
    assert [f.risk for f in run_rule("numbers.v1", "A 44-year-old girl.", own)] == [3]


def _compare_kinds(output: str, context: str) -> list[str]:
    from medfact.compare import compare_texts

    doc = analysed(output, context)
    assert doc.context is not None
    return [d.said.kind for d in compare_texts(doc.output, doc.context)]


def test_compare_reads_bounded_holds_intervals_diets_and_other_ones() -> None:
    hold = "[doctor] INR five point nine. let's hold warfarin tonight and tomorrow, then recheck"
    assert "action" not in _compare_kinds("Resume warfarin at 4 mg daily.", hold)
    held = "[doctor] INR five point nine. let's hold warfarin, cardiology to advise"
    assert "action" in _compare_kinds("Resume warfarin at 4 mg daily.", held)
    tsh = "[doctor] she is about seven weeks pregnant. recheck TSH in four weeks through pregnancy"
    assert "gestation" not in _compare_kinds("Early pregnancy (~7 weeks).", tsh)
    diet = "[doctor] start spironolactone fifty and furosemide twenty daily, two gram sodium diet"
    assert "amount" not in _compare_kinds("Start furosemide 20 mg daily; 2 g sodium diet.", diet)
    bruise = "Doctor: bruising\nPatient: a bruise on my right forearm, I bumped the door"
    assert "polarity" not in _compare_kinds("Bruise, right forearm; no other bruising.", bruise)
    assert "polarity" in _compare_kinds("No bruising.", bruise)


def test_a_frequency_word_before_a_things_name_is_no_dose_rate() -> None:
    ctx = (
        "Doctor: and you're taking the eliquis five twice a day\n"
        "Patient: yes morning and night\nDaughter: I do her pill box every sunday"
    )
    out = "Apixaban 5 mg BID; her daughter fills a weekly pill organizer."
    assert "frequency" not in _compare_kinds(out, ctx)
    assert run_rule("numbers.v1", out, ctx) == []
    assert run_rule("numbers.v1", "Apixaban 5 mg weekly.", ctx) != []


def test_a_current_dose_said_without_its_unit_takes_the_dose_before() -> None:
    ctx = "[patient] what about increasing my testosterone to 175 milligrams ? i'm at 140 now ."
    doc = analysed("x", ctx).context
    assert doc is not None
    assert [(q.value, q.unit) for q in doc.quantities] == [(175, "mg"), (140, "mg")]
    other = analysed("x", "[patient] i take 175 milligrams . i walk 140 steps now .").context
    assert other is not None
    assert [(q.value, q.unit) for q in other.quantities] == [(175, "mg"), (140, None)]


def test_results_and_levels_read_as_what_they_are() -> None:
    ctx = "labs creatinine zero point seven, C3 and C4 normal, double stranded DNA low positive"
    assert run_rule("laterality.v1", "Creatinine 0.7, C3/C4 normal.", ctx) == []
    rectal = "rectal exam: no external hemorrhoids, no palpable mass, brown stool guaiac positive."
    assert _polarity(rectal, "guaiac") == AFFIRMED
    assert _polarity(rectal, "hemorrhoids") == NEGATED
    tpo = "TSH four point one. TPO antibodies were positive last year."
    assert run_rule("negation.v1", "Negative for vomiting, palpitations and tremor.", tpo) == []
    assert default_lexicon().find("salivary cortisol was normal") == []


def test_a_denied_kind_and_a_cause_are_no_contradiction() -> None:
    ctx = "Patient: I still get headache days, about fifteen a month."
    assert run_rule("negation.v1", "Negative for thunderclap headache.", ctx) == []
    assert [f.risk for f in run_rule("negation.v1", "No headache.", ctx)] == [4]
    worse = "[doctor] anything make the pain worse ? [patient] lifting . it's a bit better now ."
    assert run_rule("comparison.v1", "His pain has slightly improved.", worse) == []


def test_a_month_a_relatives_age_a_drugs_form_and_a_conditional_result() -> None:
    letter = "You had anaphylaxis to peanut on 12 May: swelling of the lips and tongue."
    assert _polarity(letter, "swelling") == AFFIRMED
    assert _polarity("It may be asthma.", "asthma") == UNCERTAIN
    assert _polarity("Valproate contraindicated.", "valproate") == NEGATED
    heart = "24-year-old man after a faint while jogging. His father died suddenly at 41."
    assert run_rule("entities.v1", "24M, faint. FHx: father - SCD aged 41.", heart) == []
    assert run_rule("entities.v1", "30M, faint.", heart) != []
    patch = "BuTrans 10 micrograms per hour patch, changed every seven days."
    assert run_rule("drugs.v1", "Buprenorphine 10 mcg/h patch weekly.", patch) == []
    assert run_rule("drugs.v1", "Fentanyl 12 mcg/h patch.", patch) != []
    cultures = (
        "Blood cultures: peripheral and line both positive at 11 hours. "
        "Plan: new line only after 72 hours of negative cultures."
    )
    out = "BCx peripheral + line positive at 11 h. New line only after 72 h negative cultures."
    assert run_rule("negation.v1", out, cultures) == []
    assert run_rule("negation.v1", "Blood cultures negative.", cultures) != []


def test_a_condition_far_back_in_a_run_on_turn_does_not_reach_a_later_action() -> None:
    filler = " and we will go from there okay" * 6
    ctx = (
        "[doctor] we can discuss if we need to make any modifications for that" + filler + " i'm "
        "gon na go ahead and stop the norvasc and we'll put you on some hydrochlorothiazide"
    )
    assert run_rule("temporal.v1", "Continue Norvasc.", ctx) != []
    near = "[doctor] if the swelling gets worse we will stop the norvasc"
    assert run_rule("temporal.v1", "Continue Norvasc.", near) == []


def test_compare_polarity_keeps_a_findings_kind_and_reads_no_plan_as_a_statement() -> None:
    abdomen = "Tender in the right iliac fossa with guarding. No rebound tenderness."
    assert "polarity" not in _compare_kinds("RIF tenderness + guarding, no rebound.", abdomen)
    assert "polarity" in _compare_kinds("Rebound tenderness.", abdomen)
    never = "Doctor: and have you ever had a colonoscopy\nPatient: no never"
    assert "polarity" not in _compare_kinds("Schedule colonoscopy.", never)
    assert "polarity" in _compare_kinds("Colonoscopy was normal.", never)


def test_a_spoken_decimal_ends_before_a_count_of_times() -> None:
    doc = analysed("x", "Wife: yes point two five three times a day").context
    assert doc is not None
    assert [(q.value, q.unit) for q in doc.quantities] == [(0.25, None), (3.0, "x")]
    alone = analysed("x", "the level was point two five three").context
    assert alone is not None
    assert [q.value for q in alone.quantities] == [0.253]


def test_a_pregnancy_test_a_tablets_strength_and_a_lay_name_of_levothyroxine() -> None:
    hcg = "Urine beta-hCG positive; she was not aware she was pregnant."
    assert "pregnancy" not in _compare_kinds("Urine hCG positive (pregnancy unknown).", hcg)
    assert "pregnancy" in _compare_kinds("Urine hCG negative; not pregnant.", hcg)
    halves = "Doctor: yes, fifty micrograms since July.\nPatient: I cut the old hundreds in half."
    out = "Levothyroxine 50 mcg daily, taking half of the old 100 mcg tablets."
    assert "amount" not in _compare_kinds(out, halves)
    assert [d.canonical for d in default_lexicon().find("Synthroid, Levoxyl")] == [
        "levothyroxine",
        "levothyroxine",
    ]
    meds = "Patient: Yes I am taking thyroid meds and Lipitor."
    assert run_rule("drugs.v1", "Synthroid and Lipitor.", meds) == []
    assert run_rule("drugs.v1", "Metoprolol and Lipitor.", meds) != []


def test_dismay_is_no_answer() -> None:
    ctx = (
        "Doctor: I see you have these small folliculitis lesions on your chest.\n"
        "Patient: Oh, no. Is that bad?\nDoctor: It's treatable."
    )
    assert _polarity(ctx, "lesions") == AFFIRMED
    denied = "Doctor: Any chest pain?\nPatient: Oh no, I don't have any of that."
    assert _polarity(denied, "pain") == NEGATED


def test_an_open_question_before_a_yes_no_one_and_praise_with_never() -> None:
    appetite = (
        "Doctor: How is your appetite are you having a proper diet?\n"
        "Patient: No not really. I don't feel hungry that much.\nDoctor: Okay."
    )
    assert _polarity(appetite, "appetite") != NEGATED
    assert _polarity(appetite, "diet") == NEGATED
    praise = "Patient: the nurse said she has never seen my blood pressure this good."
    assert _polarity(praise, "blood") != NEGATED
    assert _polarity("Patient: I have never had chest pain.", "chest") == NEGATED


def test_a_score_answer_a_usual_normal_and_a_relieving_factor() -> None:
    scale = "[doctor] on a scale of one to ten how severe is it\n[patient] about a seven"
    doc = analysed("x", scale).context
    assert doc is not None
    assert [(q.value, q.second) for q in doc.quantities][-1] == (7.0, 10.0)
    plain = analysed("x", "[patient] about a seven").context
    assert plain is not None and [q.second for q in plain.quantities] == [None]
    usual = "[doctor] it's quite normal after surgery to be a little bruised . we'll schedule it ."
    out = "Return to clinic before the scheduled surgery date."
    assert [f for f in run_rule("temporal.v1", out, usual) if f.risk >= 3] == []
    relief = "[patient] ibuprofen helped a little , about five out of ten . it gets worse moving"
    out = "When taking ibuprofen his pain improves to 5/10."
    assert run_rule("comparison.v1", out, relief) == []
    worse = "[patient] my neck pain has gotten worse this week"
    assert run_rule("comparison.v1", "His neck pain has improved.", worse) != []


def test_a_unit_after_more_and_a_claim_that_names_both_parts() -> None:
    said = "[patient] i lost 10 pounds and would like to lose about 20 more pounds"
    doc = analysed("x", said).context
    assert doc is not None
    assert [(q.value, q.unit) for q in doc.quantities] == [(10.0, "lb"), (20.0, "lb")]
    shoulders = (
        "[doctor] and do you have the bra strap indentations in your shoulders ?\n"
        "[patient] yes . i do get indentations ."
    )
    both = "Bra strap grooving in shoulders or indentation on lateral chest wall: Occasionally."
    assert "part" not in _compare_kinds(both, shoulders)
    assert "part" in _compare_kinds("Indentation on lateral chest wall: Occasionally.", shoulders)


def test_a_test_the_input_plans_is_no_test_had() -> None:
    due = "[doctor] with a relative with colon cancer at sixty one she's due for colonoscopy"
    assert run_rule("negation.v1", "No prior colonoscopy.", due) == []
    had = "[doctor] she had a colonoscopy last year which was clear"
    assert run_rule("negation.v1", "No prior colonoscopy.", had) != []
