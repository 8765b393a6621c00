"""Session 7 rule fixes (recall and precision on new development cases), each with a control."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports the compare stage
from medfact.compare import RULE, CompareStage
from medfact.pipeline import cached_engine
from medfact.testing import analysed, run_rule

_RULES_ONLY = {"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}}


def _contradictions(rule: str, output: str, context: str) -> list[str]:
    if rule == RULE:
        engine = cached_engine(_RULES_ONLY)
        doc = analysed(output, context)
        CompareStage(engine.settings, engine.parts)(doc)
        found = [f for f in doc.findings if f.rule == RULE]
    else:
        found = run_rule(rule, output, context)
    return [f.message for f in found if f.relation == "contradicted"]


def test_a_corrected_answer_is_the_answer() -> None:
    ctx = (
        "Doctor: Any chest pain with the breathlessness?\n"
        "Patient: No. Well... actually, yes, on Tuesday, a tightness when I was hoovering.\n"
        "Doctor: And your ankles?\nPatient: Swollen by the evening."
    )
    assert _contradictions("negation.v1", "No chest pain. Ankles swollen by evening.", ctx)
    plain = ctx.replace("No. Well... actually, yes, on Tuesday, a", "No. Just a")
    assert not _contradictions("negation.v1", "No chest pain. Ankles swollen by evening.", plain)
    doc = analysed("x", ctx).context
    chest = next(t for t in doc.tokens if t.text == "chest")
    assert chest.polarity == "affirmed"


def test_an_answer_that_counts_says_yes() -> None:
    ctx = "Doctor: Have you ever had a seizure?\nPatient: Once. When I was nineteen."
    chest = next(t for t in analysed("x", ctx).context.tokens if t.text == "seizure")
    assert chest.polarity == "affirmed"
    never = "Doctor: Have you ever had a seizure?\nPatient: Never."
    assert next(t for t in analysed("x", never).context.tokens if t.text == "seizure").polarity == (
        "negated"
    )


def test_a_dated_event_is_past_and_a_period_of_life_is_past() -> None:
    dvt = "She had a left leg DVT in 2015 while on the pill, treated with rivaroxaban."
    assert _contradictions("temporal.v1", "Current L leg DVT.", dvt)
    assert not _contradictions("temporal.v1", "H/o L leg DVT (2015).", dvt)
    undated = "She had a left leg DVT, now on rivaroxaban."
    assert not _contradictions("temporal.v1", "Current L leg DVT.", undated)
    heroin = (
        "Doctor: Do you use any drugs?\n"
        "Patient: Not anymore. I used heroin, injected, in my twenties."
    )
    assert _contradictions("temporal.v1", "Active IVDU (heroin).", heroin)
    assert not _contradictions("temporal.v1", "Ex-IVDU (heroin in his 20s).", heroin)


def test_exam_signs_not_found_and_treatments_ruled_out_are_negations() -> None:
    pulses = "Heart sounds normal, femoral pulses palpable on both sides."
    assert _contradictions("negation.v1", "Femoral pulses not palpable.", pulses)
    assert not _contradictions("negation.v1", "Femoral pulses palpable bilat.", pulses)
    assert not _contradictions("negation.v1", "No pulse recorded.", "Pulse 88, regular.")
    ruled_out = "She is pregnant, so oral isotretinoin and tetracyclines are not options."
    assert not _contradictions("negation.v1", "Pregnant: no isotretinoin/tetracyclines.", ruled_out)
    assert _contradictions("negation.v1", "Pregnant: no isotretinoin.", "Isotretinoin started.")
    # a result still reports its own subject: "the tumor and margins were negative"
    doc = analysed("x", "The tumor and margins were negative.").context
    from medfact.verifiers.polarity import read_polarity

    tumor = next(t for t in doc.tokens if t.text == "tumor")
    assert read_polarity(doc, tumor).polarity == "affirmed"


def test_a_clause_that_opens_with_absent_negates_its_words() -> None:
    ctx = "Breath sounds absent on the left. Trachea central."
    assert not _contradictions("negation.v1", "Absent breath sounds L, trachea central.", ctx)
    present = "Breath sounds present bilaterally."
    assert _contradictions("negation.v1", "Absent breath sounds L.", present)
    doc = analysed("x", "Reflexes absent, sensation intact.").context
    assert next(t for t in doc.tokens if t.text == "sensation").polarity == "affirmed"


def test_a_question_takes_its_definite_subject_as_given() -> None:
    ctx = (
        "Doctor: When did it start?\nPatient: Saturday, lifting compost.\n"
        "Doctor: Does the pain go down your legs?\nPatient: No, it stays in the back."
    )
    assert not _contradictions("negation.v1", "Low back pain since Saturday.", ctx)
    asked = "Doctor: Do you have any pain in your legs?\nPatient: No."
    assert _contradictions("negation.v1", "Leg pain.", asked)
    # "Is that aspirin?" asks what the drug is: "that" is no determiner
    doc = analysed("x", "Doctor: Is that aspirin or something else?\nPatient: No, not aspirin.")
    assert next(t for t in doc.context.tokens if t.text == "aspirin").polarity != "affirmed"


def test_a_count_of_zero_negates() -> None:
    ctx = "Two tender joints, no swollen joints. DAS28 2.4."
    assert not _contradictions("negation.v1", "2 tender, 0 swollen joints; DAS28 2.4.", ctx)
    swollen = "Two tender joints, three swollen joints."
    assert _contradictions("negation.v1", "2 tender, 0 swollen joints.", swollen)


def test_pregnancy_written_the_obstetric_way_is_kept() -> None:
    ctx = "31-year-old, 33+4 weeks, second pregnancy, with epigastric pain since last night."
    for kept in ("G2, 33+4, epigastric pain since last night.", "33+4/40, epigastric pain."):
        found = run_rule("omission.v1", kept, ctx)
        assert not [f for f in found if "pregnancy" in f.message], kept
    found = run_rule("omission.v1", "Epigastric pain since last night.", ctx)
    assert [int(f.risk) for f in found if "pregnancy" in f.message] == [4]


def test_a_resolution_told_later_in_the_input_sentence_agrees() -> None:
    ctx = "Mild jaw pain after the last vincristine dose, now resolved. No fever."
    assert not _contradictions("negation.v1", "Jaw pain after last VCR, resolved.", ctx)
    still = "Mild jaw pain after the last vincristine dose, still present. No fever."
    assert _contradictions("negation.v1", "Jaw pain after last VCR, resolved.", still)


def test_a_clock_time_the_input_gives_is_not_another_events() -> None:
    ctx = "Adrenaline 0.5 milligrams IM at 13:20, then a second 0.5 IM at 13:27, still wheezy."
    out = "Adrenaline 0.5 mg IM 13:20 + repeat 0.5 mg IM 13:27 for persistent wheeze."
    assert not _contradictions("temporal.v1", out, ctx)
    assert _contradictions("temporal.v1", "Adrenaline 0.5 mg IM at 13:50.", ctx)


def test_an_action_in_a_condition_is_not_compared() -> None:
    ctx = (
        "Doctor: So if his heart stopped, we would not attempt resuscitation, but we'd carry "
        "on with the antibiotics and fluids."
    )
    assert not _contradictions("compare.v1", "DNACPR agreed; continue antibiotics.", ctx)
    stopped = "Antibiotics stopped today."
    assert _contradictions("compare.v1", "Continue antibiotics.", stopped)


def test_no_reaction_is_no_reaction_and_a_reaction_belongs_to_its_own_drug() -> None:
    ctx = (
        "Cycle 4: carboplatin reaction with flushing, throat tightness and hypotension. "
        "She tolerated paclitaxel with no reaction."
    )
    out = "C4 carboplatin reaction: flushing, throat tightness. Paclitaxel tolerated."
    assert not _contradictions("entities.v1", out, ctx)
    assert _contradictions("entities.v1", "Carboplatin tolerated.", ctx)
    allergies = (
        "Allergy list: penicillin caused swelling of the face and a collapse in 1998; "
        "simvastatin caused muscle aches."
    )
    listed = (
        "Allergies: penicillin - facial swelling + collapse; simvastatin - myalgia (intolerance)."
    )
    assert not _contradictions("entities.v1", listed, allergies)
    assert _contradictions("entities.v1", "Allergies: penicillin - nausea.", allergies)


def test_a_platelet_count_below_fifty_is_critical() -> None:
    ctx = "Bloods: haemoglobin 109, platelets 42, ALT 310."
    found = run_rule("omission.v1", "Hb 109, ALT 310.", ctx)
    assert [int(f.risk) for f in found if "critical value" in f.message] == [4]
    normal = run_rule("omission.v1", "Hb 109, ALT 310.", ctx.replace("42", "142"))
    assert not [f for f in normal if "critical value" in f.message]


def test_a_stopped_drug_agrees_with_a_no_and_a_drugs_reaction_is_its_own() -> None:
    ctx = (
        "Doctor: Are you still on the amlodipine for your blood pressure?\n"
        "Patient: No, the other doctor took me off it."
    )
    assert not _contradictions("negation.v1", "Amlodipine stopped a month ago.", ctx)
    assert _contradictions("negation.v1", "Continues amlodipine.", ctx)
    reactions = "Carboplatin infusion: flushing and throat tightness. Paclitaxel, no reaction."
    assert not _contradictions("negation.v1", "Carboplatin reaction: flushing.", reactions)


def test_tests_have_no_polarity_to_compare_and_a_new_subject_ends_a_hedge() -> None:
    ctx = "Doctor: Have you had the MRI scan of your head yet?\nPatient: No, not yet."
    assert not _contradictions(RULE, "MRI head not yet done - booked for the 22nd.", ctx)
    hedge = "He was referred on the suspected cancer pathway and his colonoscopy is booked."
    doc = analysed("x", hedge).context
    assert next(t for t in doc.tokens if t.text == "colonoscopy").polarity == "affirmed"
    assert next(t for t in doc.tokens if t.text == "cancer").polarity == "uncertain"


def test_an_event_after_and_is_a_new_clause() -> None:
    doc = analysed("x", "She has no appetite and vomited once.").context
    assert next(t for t in doc.tokens if t.text == "vomited").polarity == "affirmed"
    assert next(t for t in doc.tokens if t.text == "appetite").polarity == "negated"
    listed = analysed("x", "No nausea and vomiting.").context
    assert next(t for t in listed.tokens if t.text == "vomiting").polarity == "negated"


def test_abbreviations_and_tests_named_like_conditions() -> None:
    ctx = "69-year-old man with a left basal ganglia intracerebral haemorrhage two days ago."
    found = run_rule("entities.v1", "69M, L basal ganglia ICH D2.", ctx)
    assert not [f for f in found if "ICH" in f.message]
    found = run_rule("entities.v1", "69M, L basal ganglia ICH D2.", "69-year-old man, headache.")
    assert [f for f in found if "ICH" in f.message]
    screen = "Fever at six weeks: lumbar puncture and antibiotics now."
    found = run_rule("entities.v1", "Plan: septic screen incl. LP, antibiotics.", screen)
    assert not [f for f in found if "septic" in f.message]
    from medfact.verifiers.entities import mentions

    assert [m.concept for m in mentions("Septic shock.", ("condition",))] == ["sepsis"]
    assert mentions("Septic screen sent.", ("condition",)) == []


def test_modified_release_is_not_a_man() -> None:
    ctx = "29-year-old woman with dysuria. Plan: nitrofurantoin 100 mg twice daily."
    found = run_rule("entities.v1", "29F, dysuria. Nitrofurantoin MR 100 mg BID.", ctx)
    assert not [f for f in found if "sex" in f.message]
    found = run_rule("entities.v1", "Mr Jones, 29, dysuria.", ctx)
    assert [f for f in found if "sex" in f.message]


def test_a_trigger_told_by_a_gerund_or_after_an_activity_is_no_change() -> None:
    ctx = "Tingling in the little and ring fingers, worse when he leans on his elbows."
    found = run_rule(
        "comparison.v1", "Tingling in little/ring finger, worse leaning on elbows.", ctx
    )
    assert found == []
    assert run_rule("comparison.v1", "Knee pain, better after rest.", "Knee pain.") == []
    assert run_rule("comparison.v1", "Knee pain worse this morning.", "Knee pain for a month.")


def test_unchanged_agrees_with_an_input_that_keeps_the_same() -> None:
    for ctx in (
        "Plan: no change to insulin, education on carrying glucose tablets.",
        "Plan: complete doxycycline, continue the current digoxin dose.",
    ):
        out = "Plan: insulin unchanged." if "insulin" in ctx else "Plan: digoxin unchanged."
        assert run_rule("comparison.v1", out, ctx) == [], ctx
    assert run_rule("comparison.v1", "Plan: insulin unchanged.", "Plan: increase insulin by 2.")


def test_code_status_answered_in_a_conversation() -> None:
    asked = (
        "Doctor: If your heart were to stop, would you want us to try to restart it?\n"
        "Patient: {0} Definitely.\nDoctor: And a breathing tube, if it came to that?\n"
        "Patient: {0}"
    )
    full = "Resuscitation discussed: wants CPR and intubation. Full code."
    assert not _contradictions("entities.v1", full, asked.format("Yes."))
    found = run_rule("entities.v1", full, asked.format("Yes."))
    assert not [f for f in found if "code status" in f.message]
    assert _contradictions("entities.v1", "Full code.", asked.format("No."))


def _quantities(text: str) -> list[tuple[float, str | None, str]]:
    doc = analysed("x", text).context
    return [(q.value, q.unit, doc.text[q.start : q.end]) for q in doc.quantities]


def test_numbers_written_the_ways_notes_and_people_write_them() -> None:
    assert _quantities("Levothyroxine. Seventy-five... micrograms.") == [
        (75.0, "mcg", "Seventy-five... micrograms")
    ]
    assert _quantities("30F, 8/52 postpartum, 3/7 of cough") == [
        (30.0, "f", "30F"),
        (8.0, "wk", "8/52"),
        (3.0, "d", "3/7"),
    ]
    assert [q[2] for q in _quantities("paracetamol (120 mg/5 mL) 10 mls")] == ["120 mg", "10 mls"]
    assert _quantities("BP 120/80")[0][1] is None  # a ratio, not weeks
    ctx = "Mother: The Calpol, the 120 one. I gave him 10 mls."
    assert run_rule("numbers.v1", "Paracetamol (120 mg/5 mL) 10 mL given.", ctx) == []


def test_a_fact_the_input_states_elsewhere_is_no_contradiction() -> None:
    titration = "Lamotrigine 25 mg daily for two weeks, then 50 mg daily, then 100 mg daily."
    out = "Lamotrigine 25 mg qd x2 wk, then 50 mg qd, then 100 mg qd."
    assert not _contradictions(RULE, out, titration)
    # a word's reading elsewhere counts only in a sentence about the same thing
    ctx = (
        "Tender over the base of the fifth metatarsal. No tenderness at the tip of either "
        "malleolus, and no navicular tenderness."
    )
    assert _contradictions(RULE, "Tender at tip of lateral malleolus.", ctx) or _contradictions(
        "negation.v1", "Tender at tip of lateral malleolus.", ctx
    )


def test_an_action_not_done_or_planned_after_a_condition_is_no_action() -> None:
    held = (
        "Clozapine is held and must be re-titrated from 12.5 mg rather than restarted at his "
        "usual dose."
    )
    assert not _contradictions("temporal.v1", "Clozapine held; not restart at usual dose.", held)
    assert _contradictions("temporal.v1", "Clozapine restarted at 400 mg today.", held)
    stopped = "Aspirin has been stopped and will not be restarted until review at 2 weeks."
    assert not _contradictions("temporal.v1", "Aspirin stopped; restart only after r/v.", stopped)
    plan = "Hold apixaban tonight."
    assert not _contradictions("temporal.v1", "Apixaban held tonight; resume after review.", plan)


def test_allergies_told_in_a_conversation_and_written_as_allergy_colon() -> None:
    ctx = (
        "Doctor: Are you allergic to any medicines?\n"
        "Patient: Hmm. There was one... the sulfa one. Bactrim, I think it was called.\n"
        "Doctor: What happened when you took it?\n"
        "Patient: My skin peeled, like in sheets, around my mouth.\n"
        "Doctor: Any others?\nPatient: No, just that one."
    )
    assert _contradictions("entities.v1", "Dysuria since Tuesday. NKDA.", ctx)
    kept = "Dysuria since Tuesday. ALLERGY: Bactrim (TMP-SMX) - skin peeling, hospitalised."
    assert not _contradictions("entities.v1", kept, ctx)
    swapped = (
        "Doctor: Any drug allergies?\nPatient: Yes, one of the antibiotics, clarithromycin.\n"
        "Doctor: What did the clarithromycin do?\nPatient: A rash, really itchy, on my back.\n"
        "Doctor: And you're still on the doxycycline?\nPatient: Yes, every morning."
    )
    assert _contradictions("entities.v1", "Allergy: doxycycline - itchy rash.", swapped)
    assert not _contradictions("entities.v1", "Allergy: clarithromycin - itchy rash.", swapped)
    far = (
        "Doctor: Does she have any allergies?\n"
        "Mother: Food, no. Medicines... yes, the amoxicillin. When she was two.\n"
        "Doctor: What happened?\nMother: Her lips swelled up and she got a blotchy rash."
    )
    found = run_rule("omission.v1", "Otalgia since last night. No food allergies.", far)
    assert [int(f.risk) for f in found if "allergy" in f.message] == [4]


def test_sides_of_abbreviated_findings_and_arteries() -> None:
    cxr = "Chest X-ray: large right pneumothorax with a 4 cm rim at the hilum; left lung clear."
    assert _contradictions("laterality.v1", "CXR: large L PTX (4 cm at hilum), R clear.", cxr)
    assert not _contradictions(RULE, "CXR: large R PTX (4 cm at hilum), L clear.", cxr)
    assert not _contradictions("laterality.v1", "CXR: large R PTX, L clear.", cxr)
    ct = "CT head: early hypodensity in the right middle cerebral artery territory."
    assert _contradictions("laterality.v1", "CT: early L MCA territory hypodensity.", ct)
    assert not _contradictions("laterality.v1", "CT: early R MCA territory hypodensity.", ct)


def test_a_critical_value_told_in_a_sentence_and_routes_and_names_of_the_uk() -> None:
    call = "Doctor: Your calcium level has come back high, at 3.4. That's higher than it should be."
    found = run_rule("omission.v1", "Thirst, constipation x2 wk.", call)
    assert [int(f.risk) for f in found if "critical value" in f.message] == [4]
    pv = "Misoprostol 25 micrograms vaginally given at 08:00."
    assert _contradictions("route.v1", "Misoprostol 25 mcg PO @ 08:00.", pv)
    assert not _contradictions("route.v1", "Misoprostol 25 mcg PV @ 08:00.", pv)
    im = "Paramedic: Adrenaline 0.5 milligrams IM into the thigh at 13:20, then 0.5 IM at 13:27."
    assert _contradictions("route.v1", "Adrenaline 0.5 mg IV 13:20 + 0.5 mg IM 13:27.", im)
    blue = "Mother: Last winter, with a bad cold, they gave him the blue inhaler for a week."
    assert not run_rule("drugs.v1", "Wheeze last winter, salbutamol x1 wk.", blue)
    assert run_rule("drugs.v1", "Wheeze last winter, montelukast x1 wk.", blue)


def test_a_relatives_condition_told_by_pronoun_post_mortem_or_abbreviation() -> None:
    mum = (
        "Doctor: Has anyone in your family had problems with their mood?\n"
        "Patient: My mum. She had bipolar, she was in hospital a few times.\n"
        "Doctor: And you?\nPatient: No, nothing like that."
    )
    assert _contradictions("negation.v1", "Known bipolar disorder.", mum)
    assert not _contradictions("negation.v1", "FHx: mother bipolar disorder.", mum)
    # a parent speaking of a child: "she" is the patient
    child = "Mother: Her dad has asthma. She has had a cough for a week."
    assert analysed("x", child).context.tokens[-1].scope != "family"
    pm = (
        "23-year-old man referred after his father died suddenly at 42; the post-mortem "
        "showed hypertrophic cardiomyopathy. He himself has no chest pain."
    )
    assert _contradictions("negation.v1", "23M, h/o HCM; FHx: father SCD at 42.", pm)
    assert not _contradictions("negation.v1", "23M; FHx: father SCD at 42, PM showed HCM.", pm)


def test_answers_corrected_by_the_speaker_or_settled_by_a_witness() -> None:
    eye = (
        "Doctor: Which eye is the blurry one?\n"
        "Patient: The left... no, wait. The right. Sorry, I always mix them up.\n"
        "Doctor: Since when?\nPatient: Since Saturday."
    )
    assert _contradictions("laterality.v1", "L eye blurred vision since Sat.", eye)
    assert not _contradictions("laterality.v1", "R eye blurred vision since Sat.", eye)
    tongue = (
        "Doctor: Did he bite his tongue?\nPatient: I don't think so.\n"
        "Wife: He did, there was blood on his lip.\nDoctor: Did he wet himself?\nWife: No."
    )
    assert _contradictions("negation.v1", "No tongue biting. No incontinence.", tongue)
    assert not _contradictions("negation.v1", "Tongue bitten. No incontinence.", tongue)
    # a statement followed by another speaker's "No" to a new question is not denied
    listed = (
        "Doctor: What tablets are you on?\nDaughter: Amlodipine 5 and furosemide 20.\n"
        "Doctor: Anything to help you sleep?\nPatient: No, I sleep like a log."
    )
    assert not _contradictions("negation.v1", "Meds: amlodipine 5 mg, furosemide 20 mg.", listed)


def test_never_smoker_where_the_input_quit_and_one_minute_in_words() -> None:
    quit_ = (
        "Doctor: Do you smoke?\nPatient: No. Well, I quit.\n"
        "Doctor: When was that?\nPatient: Last month, after the chest infection."
    )
    assert _contradictions("temporal.v1", "Never smoker; chest infection last month.", quit_)
    assert not _contradictions("temporal.v1", "Ex-smoker, quit last month.", quit_)
    never = "Doctor: Do you smoke?\nPatient: No, never."
    assert not _contradictions("temporal.v1", "Never smoker.", never)
    fit = "Wife: His arms and legs were jerking, maybe a minute. Confused for twenty minutes."
    assert not run_rule("numbers.v1", "~1 min jerking; post-ictal confusion ~20 min.", fit)
    assert run_rule("numbers.v1", "~5 min jerking; post-ictal confusion ~20 min.", fit)


def test_dropped_gcs_fall_and_suicide_preparations_are_critical_omissions() -> None:
    ctx = "On arrival GCS 15, now GCS 12 (E3 V4 M5) and she is more drowsy."
    found = run_rule("omission.v1", "More drowsy.", ctx)
    assert [int(f.risk) for f in found if "critical value" in f.message] == [4]
    assert not [
        f for f in run_rule("omission.v1", "GCS 15 -> 12, more drowsy.", ctx) if "GCS" in f.message
    ]
    acts = "Low mood. He has written letters to his children and given his dog to his brother."
    found = run_rule("omission.v1", "Low mood.", acts)
    assert [f for f in found if "final acts" in f.message]
    kept = run_rule("omission.v1", "Low mood; letters written to children, dog given away.", acts)
    assert not [f for f in kept if "final acts" in f.message]


def test_a_mild_reaction_points_at_its_words() -> None:
    ctx = "Allergy list: penicillin caused swelling of the face and a collapse in 1998."
    out = "72M. Allergies: penicillin - nausea 1998."
    found = [f for f in run_rule("entities.v1", out, ctx) if "mild reaction" in f.message]
    assert [out[f.span[0] : f.span[1]] for f in found] == ["nausea"]


def test_done_where_the_input_books_or_requests_it() -> None:
    booked = "He was referred and his colonoscopy is booked for 14 March. Abdomen normal."
    assert _contradictions("temporal.v1", "Colonoscopy done 14 Mar. Abdo normal.", booked)
    assert not _contradictions("temporal.v1", "Colonoscopy booked 14 Mar. Abdo normal.", booked)
    asked = "Doctor: Have you had the MRI scan of your head yet?\nPatient: No, not yet."
    assert not _contradictions("temporal.v1", "MRI head not yet done - booked.", asked)
    assert _contradictions("temporal.v1", "MRI head done on the 22nd.", asked)
    requested = "A coronary angiogram has been requested; a date will follow within four weeks."
    assert _contradictions("temporal.v1", "Coronary angiogram performed.", requested)
    assert not _contradictions("temporal.v1", "Coronary angiogram requested.", requested)


def test_melaena_by_its_lay_words_opposite_plantars_and_an_answer_after_a_filler() -> None:
    ctx = "Doctor: What about black, tarry stools?\nPatient: No, never. They're a normal colour."
    assert _contradictions("negation.v1", "Dyspepsia; reports melaena.", ctx)
    assert not _contradictions("negation.v1", "Dyspepsia; no melaena.", ctx)
    exam = "Tone increased in both legs, reflexes brisk, both plantars upgoing."
    assert _contradictions("negation.v1", "Brisk reflexes, plantars downgoing bilat.", exam)
    assert not _contradictions("negation.v1", "Brisk reflexes, plantars upgoing bilat.", exam)
    eyes = (
        "Midwife: Any problems with your eyes?\n"
        "Patient: Actually, yes, I keep seeing flashing lights, like zigzags."
    )
    assert next(t for t in analysed("x", eyes).context.tokens if t.text == "eyes").polarity == (
        "affirmed"
    )


def test_values_by_what_they_measure_and_changes_offered_as_alternatives() -> None:
    ctx = "He has lost 8 kg over three months, from 79 to 71 kg, without trying."
    assert run_rule("numbers.v1", "Unintentional wt loss 3 kg in 3 mo (79 -> 71 kg).", ctx)
    assert not run_rule("numbers.v1", "Unintentional wt loss 8 kg in 3 mo (79 -> 71 kg).", ctx)
    asked = (
        "Doctor: Is your breathing better or worse than last week?\n"
        "Patient: About the same, honestly."
    )
    assert run_rule("comparison.v1", "Breathing improved since last wk.", asked)
    assert not run_rule("comparison.v1", "Breathing unchanged since last wk.", asked)
    trigger = (
        "Doctor: Do those symptoms improve when you stand up or change position?\n"
        "Patient: Yeah, it does."
    )
    assert not run_rule("comparison.v1", "Symptoms improve when she stands up.", trigger)


def test_an_aim_states_nothing() -> None:
    ctx = "Doctor: How has your weight been?\nPatient: I've been trying to lose weight."
    assert not _contradictions("negation.v1", "Denies unintentional weight loss.", ctx)
    lost = "She has lost 5 kg of weight this month."
    assert _contradictions("negation.v1", "No weight loss.", lost)


def test_doses_vaccines_and_driving_carry_no_polarity_and_txa_is_a_drug() -> None:
    warfarin = "Regimen 2.5 mg daily except 5 mg on Mondays. He has missed no doses."
    assert not _contradictions(RULE, "Dose 2.5 mg qd, 5 mg Mon; no missed doses.", warfarin)
    drive = "Doctor: The law says you can't drive for six months.\nPatient: I drive for work."
    assert not _contradictions(RULE, "No driving for 6 mo; drives for work.", drive)
    pph = "Carboprost 250 micrograms IM at 0430. Tranexamic acid 1 g IV at 0435."
    assert not _contradictions(RULE, "Carboprost 250 mcg IM 0430, TXA 1 g IV 0435.", pph)
    assert _contradictions("numbers.v1", "Carboprost 250 mcg IM 0430, TXA 2 g IV 0435.", pph)


def test_whose_it_is_matters_only_for_what_is_present() -> None:
    ctx = (
        "Patient: My mum had bowel cancer at 48.\nDoctor: Anyone else?\n"
        "Patient: Her brother, my uncle, had polyps taken out. Not cancer."
    )
    assert not _contradictions(
        RULE, "FHx: mother CRC at 48; maternal uncle polyps (not cancer).", ctx
    )


def test_a_correction_a_reason_and_a_companion_are_not_what_they_look_like() -> None:
    pink = "Mother: The antibiotic, the pink one... no, the white one, co-amoxiclav, a rash."
    drug = next(t for t in analysed("x", pink).context.tokens if t.text == "co-amoxiclav")
    assert drug.polarity == "affirmed"
    assert next(
        t for t in analysed("x", "No rash.").context.tokens if t.text == "rash"
    ).polarity == ("negated")
    reason = "CT angiogram requested to rule out pulmonary embolism given the tachycardia."
    toks = analysed("x", reason).context.tokens
    assert next(t for t in toks if t.text == "tachycardia").polarity == "affirmed"
    assert next(t for t in toks if t.text == "embolism").polarity == "uncertain"
    companion = "76-year-old brought in by her daughter with two days of confusion."
    assert next(
        t for t in analysed("x", companion).context.tokens if t.text == "confusion"
    ).scope != ("family")
    relative = "Her daughter has diabetes."
    assert analysed("x", relative).context.tokens[-1].scope == "family"


def test_an_activity_the_output_allows_and_the_input_forbids() -> None:
    ctx = "Doctor: After a first seizure, the law says you can't drive for six months."
    assert _contradictions("negation.v1", "First seizure. May continue driving for work.", ctx)
    assert not _contradictions("negation.v1", "First seizure. No driving for 6 mo.", ctx)
    assert not _contradictions("negation.v1", "May drive again after 6 months.", ctx)


def test_chest_pressure_is_felt_and_blood_pressure_is_measured() -> None:
    ctx = "Doctor: Any chest pain?\nPatient: Um... not pain exactly. More of a pressure."
    assert _contradictions("negation.v1", "Denies chest pain or pressure.", ctx)
    assert not _contradictions("negation.v1", "Chest pressure, not pain.", ctx)
    bp = "Blood pressure 148/90 today. No headache."
    assert not _contradictions("negation.v1", "No pressure symptoms; no headache.", bp)


def test_nstemi_by_its_long_name() -> None:
    ctx = "The diagnosis is non-ST-elevation myocardial infarction. Aspirin given."
    assert _contradictions("certainty.v1", "Possible NSTEMI. Aspirin given.", ctx)
    assert not _contradictions("certainty.v1", "Dx: NSTEMI. Aspirin given.", ctx)


def test_notes_shorthand_for_times_and_rates() -> None:
    assert _quantities("36/40 G2P1, GBS+.")[0][:2] == (36.0, "wk")
    assert _quantities("Echo 3/12.")[0][:2] == (3.0, "mo")
    assert _quantities("VA 6/12 right eye")[0][1] is None  # a visual acuity, not six months
    bloods = "Plan: repeat prescription, bloods every three months."
    assert not run_rule("numbers.v1", "Plan: repeat Rx, 3-monthly bloods.", bloods)
    feeds = "Plan: feed every 3 hours and check glucose."
    assert not _contradictions(RULE, "Plan: 3-hourly feeds.", feeds)
    assert _contradictions(RULE, "Plan: hourly feeds.", feeds)


def test_what_is_not_a_pregnancy_an_allergen_or_the_patients_diagnosis() -> None:
    ppp = "She uses the implant and understands the pregnancy prevention programme."
    found = run_rule("omission.v1", "24F, acne; implant; start isotretinoin.", ppp)
    assert not [f for f in found if "pregnancy" in f.message]
    found = run_rule("omission.v1", "Acne.", "She is 10 weeks pregnant.")
    assert [f for f in found if "pregnancy" in f.message]
    said = "Patient: The one I'm actually allergic to is cefalexin. My throat closed up."
    assert not _contradictions(RULE, "Allergy: cefalexin - throat swelling.", said)
    relative = "Her mother was diagnosed with breast cancer at 41 and carries a BRCA1 variant."
    found = run_rule("omission.v1", "36F, FHx: mother breast ca at 41 (BRCA1).", relative)
    assert not [f for f in found if "diagnosis" in f.message]


def test_lay_names_of_scopes_scans_and_transfusions_support_them() -> None:
    ctx = "Doctor: We're going to admit you, give you blood and arrange a camera test."
    found = run_rule("entities.v1", "Admit for transfusion and endoscopy.", ctx)
    assert not [f for f in found if "procedure" in f.message]
    found = run_rule("entities.v1", "Admit for transfusion and endoscopy.", "Admit today.")
    assert len([f for f in found if "procedure" in f.message]) == 2


def test_a_relative_who_speaks_names_the_patient_by_her_relation() -> None:
    daughter = "Daughter: Mum's allergic to ibuprofen, she went all tight-chested with it."
    assert not _contradictions("negation.v1", "Allergy: ibuprofen (bronchospasm).", daughter)
    patient = "Patient: My mum is allergic to ibuprofen."
    assert _contradictions("negation.v1", "Allergy: ibuprofen.", patient)


def test_more_shorthand_scopes_and_conditions_of_a_prohibition() -> None:
    assert _quantities("eGFR 38 (37 at 6/12), r/v 6/12.")[2][:2] == (6.0, "mo")
    assert _quantities("digoxin sixty-two point five micrograms daily")[0][:2] == (62.5, "mcg")
    kidneys = "Doctor: Any problems with your kidneys?\nPatient: Not that I know of."
    doc = analysed("No known renal disease (bloods normal last yr).", kidneys).output
    assert next(t for t in doc.tokens if t.text == "bloods").polarity == "affirmed"
    withdrawal = "She should not drive during withdrawal or for six months after stopping."
    assert not _contradictions("negation.v1", "Seizure-free 3 y. Can drive.", withdrawal)
    dysuria = "Nurse: Any pain when you pass urine?\nPatient: No. I'm going all the time."
    assert not _contradictions("negation.v1", "Urinary frequency without dysuria.", dysuria)
    nsaid = "Patient: Can I still take my ibuprofen?\nDoctor: No, please don't."
    assert not _contradictions(RULE, "Avoid ibuprofen/NSAIDs (bleeding risk).", nsaid)


def test_every_allergy_of_a_list_and_reactions_by_their_names() -> None:
    listed = (
        "Allergies: morphine (hallucinations and vomiting) and sulfa drugs (Stevens-Johnson "
        "syndrome in 2009). Exam: deformity of the left wrist."
    )
    found = run_rule(
        "omission.v1", "Allergies: morphine (hallucinations). L wrist deformity.", listed
    )
    assert [f for f in found if "sulfa" in f.message]
    both = "Allergies: morphine (hallucinations), sulfa (SJS). L wrist deformity."
    assert not [f for f in run_rule("omission.v1", both, listed) if "allergy" in f.message]
    dress = (
        "Allergies and adverse reactions: carbamazepine caused DRESS syndrome in 2021; "
        "lamotrigine caused a mild rash in 2018."
    )
    found = run_rule("omission.v1", "ADRs: lamotrigine - mild rash 2018.", dress)
    assert [f for f in found if "carbamazepine" in f.message]
    severe = "She reports a penicillin allergy: lip and tongue swelling and wheeze at 19."
    assert _contradictions("entities.v1", "Penicillin allergy: mild rash at 19.", severe)
    tolerated = "Allergies: cephalexin causes rash. Tolerates penicillin without problems."
    assert not _contradictions(
        "entities.v1", "Allergies: cephalexin rash; penicillin tolerated.", tolerated
    )


def test_british_prescription_shorthand_clock_times_and_sample_hours() -> None:
    ctx = "He takes furosemide 40 mg once in the morning."
    assert run_rule("numbers.v1", "Usual furosemide 40 mg TDS.", ctx)
    assert not run_rule("numbers.v1", "Furosemide 40 mg OD.", ctx)
    gas = "Potassium on the 18:00 gas is 2.6 mmol/L despite replacement."
    found = run_rule("omission.v1", "K replaced.", gas)
    assert [f.message for f in found if "critical value" in f.message] == [
        "critical value: potassium 'Potassium on the 18:00 gas is 2.6' is left out"
    ]
    trop = "Troponin 22 ng/L at arrival and 410 ng/L at three hours. Blood pressure 146/88."
    assert not run_rule("numbers.v1", "hs-trop 22 -> 410 ng/L (0/3 h). BP 146/88.", trop)
    plan = "Diabetes nurse to see tomorrow. Plan: stop the infusion one hour after the insulin."
    assert not _contradictions(
        "temporal.v1", "DSN tomorrow. Stop FRIII 1 h after SC insulin.", plan
    )


def test_an_action_on_a_list_with_articles_reaches_every_drug() -> None:
    ctx = (
        "Doctor: I want you to stop the metformin, the furosemide and the ramipril until "
        "you're eating again. Keep taking the atorvastatin."
    )
    assert _contradictions("temporal.v1", "Hold metformin and furosemide, continue ramipril.", ctx)
    assert not _contradictions("temporal.v1", "Hold metformin, furosemide and ramipril.", ctx)


def test_a_query_mark_hedges_and_a_bare_side_takes_its_part() -> None:
    ctx = "Plan: no antidepressant alone given possible bipolar spectrum; mood diary."
    assert not _contradictions("negation.v1", "Plan: avoid antidepressant alone (?bipolar).", ctx)
    doc = analysed("x", "Doctor: So last year was the right knee, and now it's the left.").context
    assert [(m.side, m.anatomy) for m in doc.sides] == [("right", "knee"), ("left", "knee")]
    colic = "Sudden severe colicky pain in the left flank radiating to the groin."
    found = run_rule("omission.v1", "L renal colic radiating to groin.", colic)
    assert not [f for f in found if "headache" in f.message]
    stone = "CT: stone at the left ureter with mild left hydronephrosis. Right kidney normal."
    assert not _contradictions(
        "laterality.v1", "CT: L ureteric stone, mild L hydronephrosis.", stone
    )


def test_more_lay_names_that_support_the_clinical_term() -> None:
    pairs = [
        ("Nurse: Pre-op questions for your gallbladder operation.", "Pre-op cholecystectomy."),
        ("Nurse: Any operations?\nPatient: Tonsils as a kid.", "PSHx: tonsillectomy."),
        ("Doctor: So the scan confirms a clot in your leg.", "DVT confirmed."),
        ("Doctor: Right ear drum is red and bulging.", "R AOM."),
        ("Admitted yesterday with a left thalamic haemorrhage.", "L thalamic ICH yesterday."),
    ]
    for ctx, out in pairs:
        assert not run_rule("entities.v1", out, ctx), out
    assert run_rule("entities.v1", "DVT confirmed.", "Doctor: So the scan was normal.")


def test_intensive_care_by_its_abbreviations() -> None:
    ctx = "Doctor: Ever in intensive care?\nMother: No, no. Just the children's ward."
    assert _contradictions("negation.v1", "One admission (overnight nebs, required PICU).", ctx)
    assert not _contradictions("negation.v1", "One admission, ward only; never PICU.", ctx)


def test_done_as_created_or_inserted_and_planned_as_waiting_listed() -> None:
    listed = "Added to the waiting list for laparoscopic cholecystectomy, expected in four months."
    assert _contradictions("temporal.v1", "Lap chole performed.", listed)
    assert not _contradictions("temporal.v1", "Waiting list for lap chole (~4 mo).", listed)
    planned = "A left radiocephalic fistula is planned for next month."
    assert _contradictions(RULE, "L radiocephalic AVF created last month.", planned)
    assert not _contradictions(RULE, "L radiocephalic AVF planned next month.", planned)


def test_subcut_is_a_route() -> None:
    ctx = "Anticipatory medicines: midazolam 2.5 mg subcut for agitation."
    assert _contradictions("route.v1", "Midazolam 2.5 mg IV (agitation).", ctx)
    assert not _contradictions("route.v1", "Midazolam 2.5 mg SC (agitation).", ctx)


def test_exam_lists_asides_in_parentheses_and_lay_names_of_orthopnoea() -> None:
    exam = "Heart sounds normal, no murmur, femoral pulses palpable."
    doc = analysed("x", exam).context
    assert next(t for t in doc.tokens if t.text == "pulses").polarity == "affirmed"
    assert _contradictions("negation.v1", "HS normal, no murmur, femorals not palpable.", exam)
    assert not _contradictions("negation.v1", "HS normal, no murmur, femorals palpable.", exam)
    flat = (
        "Doctor: Do you get short of breath lying flat at night?\nPatient: No, one pillow.\n"
        "Doctor: Do you wake up gasping?\nPatient: No."
    )
    assert _contradictions("negation.v1", "Orthopnoea and PND.", flat)
    assert not _contradictions("negation.v1", "No orthopnoea (one pillow) or PND.", flat)
    neck = "Headache, worst of his life. Neck feels stiff. GCS 15."
    found = run_rule("omission.v1", "Thunderclap headache. GCS 15.", neck)
    assert [f for f in found if "neck stiffness" in f.message]


def test_rates_in_one_word_combined_drugs_and_pregnancy_tests() -> None:
    bp = "Plan: admit, four-hourly BP, bloods twice weekly."
    assert not _contradictions(RULE, "Plan: admit, 4-hourly BP, bloods twice weekly.", bp)
    assert _contradictions(RULE, "Plan: admit, hourly BP, bloods twice weekly.", bp)
    combo = "Current medicines: sacubitril-valsartan 49/51 mg twice daily."
    assert not run_rule("drugs.v1", "Meds: sacubitril/valsartan 49/51 mg BD.", combo)
    tests = "Start isotretinoin 20 mg daily next month with monthly pregnancy tests."
    found = run_rule("omission.v1", "Start isotretinoin 20 mg daily next month.", tests)
    assert not [f for f in found if "pregnancy" in f.message]
