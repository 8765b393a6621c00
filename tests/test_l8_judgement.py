"""Session 8 rule fixes (recall and precision on new development cases), each with a control."""

from __future__ import annotations

import medfact.analysis
import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports the compare stage
from medfact.testing import analysed, run_rule


def _contradictions(rule: str, output: str, context: str) -> list[str]:
    return [f.message for f in run_rule(rule, output, context) if f.relation == "contradicted"]


def test_a_structure_written_as_a_code_keeps_its_side() -> None:
    stroke = "CT angiogram: right M1 occlusion. Left arm weakness."
    assert _contradictions("laterality.v1", "CTA L M1 occlusion.", stroke)
    assert not _contradictions("laterality.v1", "CTA R M1 occlusion; L arm weak.", stroke)
    # a code the input never gives a side is no contradiction ("L SCM": only M1 is sided)
    assert not _contradictions("laterality.v1", "L SCM tender.", stroke)
    # "left" the verb before an acronym is no side of anything the input sides
    assert not _contradictions("laterality.v1", "Left ICU on day 3.", "Right MCA stroke.")


def test_abbreviated_parts_are_parts_where_a_side_names_them() -> None:
    stone = "CT KUB: 6 mm stone at the left vesicoureteric junction. Right kidney normal."
    assert _contradictions("laterality.v1", "6 mm R VUJ stone; R kidney nl.", stone)
    assert not _contradictions("laterality.v1", "6 mm L VUJ stone; R kidney nl.", stone)
    ear = "Right eardrum is red and bulging. The left one looks normal."
    assert not _contradictions("laterality.v1", "R TM red, bulging; L TM normal.", ear)
    assert _contradictions("laterality.v1", "L TM red, bulging.", ear)
    # "the left one" after an abbreviated part names that part
    sides = {(m.side, m.anatomy) for m in analysed("x", ear).context.sides}
    assert sides == {("right", "ear"), ("left", "ear")}


def test_two_letter_condition_abbreviations_are_read() -> None:
    dad = (
        "Doctor: Anyone in the family had heart problems?\n"
        "Patient: My dad had a heart attack at 48. He survived, had bypass."
    )
    assert _contradictions("negation.v1", "PMHx: MI at 48 (CABG).", dad)
    assert not _contradictions("negation.v1", "FHx: father MI at 48 (CABG).", dad)
    tokens = analysed("Known AF and DM. PE: normal. Sats 97% on RA.").output.tokens
    content = {t.text for t in tokens if medfact.analysis.is_content(t)}
    assert {"af", "dm"} <= content and not {"pe", "ra"} & content


def test_a_post_negation_that_opens_its_own_clause_negates_nothing_before_it() -> None:
    def polarity(text: str, word: str) -> str:
        return next(t.polarity for t in analysed(text).output.tokens if t.text == word)

    assert polarity("One AF episode in 2019, none since on monitoring.", "af") == "affirmed"
    assert polarity("Chest pain: none.", "pain") == "negated"
    assert polarity("Vomiting, resolved.", "vomiting") == "negated"


def test_an_answer_after_a_counter_question_answers_the_first_question() -> None:
    ctx = (
        "Doctor: Have you ever tried to end your life?\n"
        "Patient: Is that going in the notes?\n"
        "Doctor: It's important I know, to keep you safe.\n"
        "Patient: Yes. Tablets, two years ago."
    )
    assert _contradictions("negation.v1", "No previous suicide attempts.", ctx)
    assert not _contradictions("negation.v1", "Previous suicide attempt (tablets).", ctx)
    # the doctor asks something new instead: the "Yes" answers that, not the first question
    other = ctx.replace("It's important I know, to keep you safe.", "Do you drink alcohol?")
    words = analysed("x", other).context.tokens
    assert next(t for t in words if t.text == "life").polarity == "asked"


def test_unlikely_denies_and_a_denied_cancer_is_severe() -> None:
    ctx = "Dermoscopy: atypical network. Clinical diagnosis: melanoma. Excision biopsy booked."
    found = run_rule("negation.v1", "Probably benign naevus, melanoma unlikely.", ctx)
    assert [f.risk for f in found if f.relation == "contradicted"] == [4]
    assert not _contradictions("negation.v1", "Clinically melanoma; excision booked.", ctx)
    chest = analysed("Chest pain unlikely to be cardiac.").output.tokens
    assert next(t for t in chest if t.text == "cardiac").polarity == "negated"
    assert next(t for t in chest if t.text == "chest").polarity == "affirmed"


def _polarity(text: str, word: str) -> str:
    return next(t.polarity for t in analysed(text).output.tokens if t.text == word)


def test_treatments_not_given_declined_or_chosen_against_are_denied() -> None:
    assert _polarity("Antibiotics were not started.", "antibiotics") == "negated"
    assert _polarity("Levetiracetam not indicated.", "levetiracetam") == "negated"
    assert _polarity("Antibiotics won't help.", "antibiotics") == "negated"
    assert _polarity("Declines intubation.", "intubation") == "negated"
    assert _polarity("Heparin chosen over enoxaparin.", "enoxaparin") == "negated"
    assert _polarity("Heparin chosen over enoxaparin.", "heparin") == "affirmed"
    offered = "Invasive angiography was offered and she declined, preferring medication."
    assert _polarity(offered, "angiography") == "negated"
    # controls: a treatment that helped, and one that did not help (so was taken)
    assert _polarity("Antibiotics were started.", "antibiotics") == "affirmed"
    assert _polarity("Paracetamol did not help.", "paracetamol") == "affirmed"


def test_no_further_denies_and_a_plan_told_as_an_opinion_is_no_hedge() -> None:
    ctx = "Doctor: Any more falls since last month?\nPatient: No, touch wood."
    assert not _contradictions("negation.v1", "No further falls since last month.", ctx)
    lesion = "MRI: a 14 mm liver lesion. Plan: no further imaging of the lesion needed."
    assert not _contradictions("negation.v1", "14 mm lesion; no further lesion imaging.", lesion)
    uvb = "Doctor: I think we'll start narrowband UVB and keep the steroid ointment for flares."
    assert _polarity(uvb, "steroid") == "affirmed"
    assert _polarity("I think it is eczema.", "eczema") == "uncertain"


def test_a_possessive_relative_makes_a_family_mention() -> None:
    ctx = (
        "Doctor: Any chance you could be pregnant?\n"
        "Patient: Me? No, I'm fifty-three. My daughter's pregnant though, due in a month."
    )
    assert not _contradictions("negation.v1", "Postmenopausal, not pregnant.", ctx)
    scopes = {t.text: t.scope for t in analysed(ctx).output.tokens}
    assert scopes["pregnant"] == "family"
    assert analysed("My pregnancy is going well.").output.tokens[1].scope == "current"


def test_conditions_of_a_plan_are_not_findings() -> None:
    ctx = (
        "There is no rash. Advice: check for a rash regularly; no steroid until infection excluded."
    )
    tokens = analysed(ctx).output.tokens
    rash = [t for t in tokens if t.text == "rash"]
    assert rash[0].polarity == "negated" and rash[1].scope == "hypothetical"
    assert next(t for t in tokens if t.text == "infection").scope == "hypothetical"
    assert not _contradictions("negation.v1", "No rash.", ctx)


def _values(text: str) -> list[tuple[float, str | None]]:
    return [(q.value, q.unit) for q in analysed(text).output.quantities]


def test_spoken_doses_are_read_as_said() -> None:
    assert _values("Go to seven fifty twice a day.") == [(750.0, None), (2.0, None)]
    assert _values("One twenty-five.") == [(125.0, None)]
    assert _values("Three four years ago.")[0] == (3.0, None)  # a range, not 34 or 7
    assert _values("One hundred and twenty-five micrograms.") == [(125.0, "mcg")]
    assert _values("Increase it to fifty three times a day.") == [(50.0, None), (3.0, "x")]
    assert _values("Three, four times.") == [(3.0, None), (4.0, "x")]
    assert _values("Thirty mics per kilo.") == [(30.0, "mcg")]
    # controls: ordinary compounds
    assert _values("fifty three years") == [(53.0, "yr")]
    assert _values("two thousand and two") == [(2002.0, None)]
    assert _values("twenty six") == [(26.0, None)]
    ctx = "Doctor: Let's start levetiracetam, two fifty twice a day."
    assert not run_rule("numbers.v1", "Levetiracetam 250 mg BID.", ctx)
    assert run_rule("numbers.v1", "Levetiracetam 500 mg BID.", ctx)


def test_no_unit_across_a_clause_and_no_drug_across_a_list_item() -> None:
    assert _values("Synovitis R MCP 2-3; L hand quiet.")[-1] == (3.0, None)
    assert _values("Levothyroxine seventy-five... micrograms.") == [(75.0, "mcg")]
    ctx = (
        "Nurse: And what does she take regularly?\n"
        "Son: Amlodipine in the morning, and the inhalers, the brown one twice a day."
    )
    assert not run_rule("numbers.v1", "Amlodipine mane.", ctx)
    hydroxyzine = (
        "Patient: I can't sleep for the itch.\n"
        "Doctor: I'll give you hydroxyzine, 25 milligrams, to take twice a day."
    )
    assert run_rule("numbers.v1", "Hydroxyzine 25 mg qHS.", hydroxyzine)


def _unsupported(output: str, context: str) -> list[str]:
    return [f.message for f in run_rule("entities.v1", output, context)]


def test_abbreviations_and_lay_names_support_procedures_and_conditions() -> None:
    pairs = [
        ("5-FU cream BID to scalp.", "Plan: 5-fluorouracil cream twice daily to the scalp."),
        ("OSA on CPAP.", "Obstructive sleep apnoea, uses CPAP at night."),
        ("ECG today.", "We'll do a heart tracing today."),
        ("ECG: LBBB, QRS 156 ms.", "QRS 156 ms, left bundle branch block."),
        ("Plan: I&D.", "Doctor: There's a small abscess here. We'll drain it."),
        ("Post anterior MI (PCI yesterday).", "Anterior MI, stented yesterday."),
        ("A: Viral pharyngitis.", "Doctor: So the throat's been sore for three days?"),
    ]
    for output, context in pairs:
        assert not _unsupported(output, context), output
    # controls: the same outputs against an input that names none of it
    assert _unsupported("5-FU cream BID to scalp.", "Plan: sun protection.")
    assert _unsupported("ECG today.", "We'll check your bloods today.")


def test_a_relatives_age_is_not_the_patients() -> None:
    ctx = "33-year-old man with schizophrenia."
    out = "33M. Voices telling him to hurt his 4-year-old daughter."
    assert not [m for m in _unsupported(out, ctx) if "age" in m]
    assert [m for m in _unsupported("43M with schizophrenia.", ctx) if "age" in m]


def test_allergens_are_not_fillers_pronouns_or_parenthesised_details() -> None:
    from medfact.verifiers.entities import allergies

    def named(text: str) -> list[str]:
        return [a.allergen for a in allergies(analysed(text).output)]

    dialogue = "Doctor: Any allergies to medicines?\nPatient: Yeah, uh, the iodine dye."
    assert named(dialogue) == ["iodine"]
    assert "your" not in named("Allergies: your son is allergic to cashew nuts.")
    parenthesised = "Allergy: peanut - anaphylaxis (facial swelling, wheeze, adrenaline)."
    assert named(parenthesised) == ["peanut"]
    assert named("Allergies: morphine (hallucinations), sulfa (rash).") == ["morphine", "sulfa"]


def test_a_post_negation_reaches_the_first_word_of_its_clause() -> None:
    text = "A: Viral pharyngitis; antibiotics not indicated."
    assert _polarity(text, "antibiotics") == "negated"
    assert _polarity(text, "pharyngitis") == "affirmed"


def test_standing_up_bumps_and_resolution_in_other_words_are_no_false_comparison() -> None:
    def compared(output: str, context: str) -> list[str]:
        return [f.message for f in run_rule("comparison.v1", output, context)]

    assert not compared("2 falls in 1 mo on rising from chair.", "Two falls when getting up.")
    assert compared("Creatinine rising from 90 to 140.", "Creatinine 90 last month, 140 now.")
    bumps = "Patient: It's sharp now. Worse when the car went over bumps."
    assert not compared("Sharp RIF pain; worse over bumps in car.", bumps)
    assert compared("Pain worse over the last week.", "Patient: It's been the same for weeks.")
    nausea = "Doctor: Any nausea?\nPatient: The first couple of weeks. It's fine now."
    assert not compared("Early nausea, resolved.", nausea)
    keep = "Doctor: Let's keep the fentanyl where it is and wean the propofol."
    assert not compared("Fentanyl unchanged; wean propofol.", keep)


def test_a_maximum_interval_belongs_to_its_drug() -> None:
    ctx = (
        "Patient: I take the hydromorphone when it gets really bad.\n"
        "Doctor: How often are you allowed it?\n"
        "Patient: The label says every six hours if I need it."
    )
    assert run_rule("numbers.v1", "Hydromorphone PRN, max q2h.", ctx)
    assert not run_rule("numbers.v1", "Hydromorphone PRN, max q6h.", ctx)


def test_the_other_side_said_normal_and_parts_named_otherwise() -> None:
    hernia = "Doctor: Okay, the right groin. Does it go back in when you lie down?"
    assert not _contradictions("laterality.v1", "R groin swelling; L side normal.", hernia)
    assert _contradictions("laterality.v1", "L groin swelling.", hernia)
    breast = "Screen-detected left breast lesion at 2 o'clock."
    assert not run_rule("laterality.v1", "L breast lesion. L axilla USS normal.", breast)
    testis = "The left testicle is sitting higher and it's very tender."
    assert not run_rule("laterality.v1", "L testis high-riding, tender.", testis)
    assert _contradictions("laterality.v1", "R testis high-riding, tender.", testis)
    angio = (
        "90% stenosis of the proximal left anterior descending artery. Left circumflex with "
        "mild irregularities. Right coronary artery 50% stenosis."
    )
    assert not run_rule("laterality.v1", "Prox LAD 90%. LCx mild irregularities. RCA 50%.", angio)
    assert run_rule("laterality.v1", "Prox LCx 90%.", "90% stenosis of the proximal LAD.")


def test_a_stop_not_required_a_discharge_and_a_condition_are_no_actions() -> None:
    ctx = "Plan: Mohs surgery to the left nasal ala. Stop aspirin is not required."
    assert not run_rule("temporal.v1", "Mohs to L nasal ala; aspirin may continue.", ctx)
    assert not run_rule("negation.v1", "Mohs to L nasal ala; aspirin may continue.", ctx)
    assert _contradictions("laterality.v1", "Mohs to R nasal ala.", ctx)
    stop = "Plan: stop aspirin 7 days before surgery."
    assert run_rule("temporal.v1", "Aspirin continued.", stop)
    home = "Doctor: We'll send you home with two adrenaline pens."
    assert not run_rule("temporal.v1", "D/c with 2 adrenaline auto-injectors.", home)
    cysto = "Explained that bladder cancer has not been excluded until the cystoscopy is done."
    assert not run_rule("temporal.v1", "Cystoscopy not done; cancer not yet excluded.", cysto)


def _compared(output: str, context: str) -> list[str]:
    from medfact.compare import RULE, CompareStage
    from medfact.pipeline import cached_engine

    engine = cached_engine({"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}})
    doc = analysed(output, context)
    CompareStage(engine.settings, engine.parts)(doc)
    return [f.message for f in doc.findings if f.rule == RULE]


def test_an_impression_states_the_clinicians_view_but_not_over_a_real_hedge() -> None:
    view = "Doctor: Your throat's red. I think it's tonsillitis. Penicillin V for ten days."
    assert not _compared("Red pharynx. Imp: tonsillitis. Plan: penicillin V x10 d.", view)
    hedge = "Doctor: It could be a melanoma, I can't tell for sure by looking."
    assert _compared("Imp: melanoma. Plan: excision biopsy.", hedge)
    # a plan is no judgement of certainty: "CXR-confirmed" where no x-ray was done
    from medfact.verifiers.certainty import judgement_spans

    text = "Exam: red pharynx. Imp: tonsillitis. Plan: penicillin V, given confirmed pneumonia."
    assert [text[a:b] for a, b in judgement_spans(text)] == ["Imp: tonsillitis. "]


def test_salts_generic_parts_and_list_items_in_the_comparison() -> None:
    valproate = "She was switched from sodium valproate in 2021 because she was planning a family."
    assert not _compared("Switched from valproate in 2021 (planning a family).", valproate)
    seizure = "Wife: His arms and legs were jerking, maybe two minutes, and then he was confused."
    assert not _compared("Limb jerking ~2 min, then confusion.", seizure)
    meds = "Son: Amlodipine in the morning, and the inhalers, the brown one twice a day."
    assert not _compared("Meds: amlodipine mane.", meds)


def test_more_procedures_and_conditions_are_checked_for_support() -> None:
    fabricated = [
        ("Course of ECT in 2019.", "Depression treated with sertraline and talking therapy."),
        ("S/p TURP.", "Urinary frequency for a year; PSA normal."),
        ("PPM in situ.", "Palpitations, ECG sinus rhythm."),
        ("ERCP + sphincterotomy D3.", "Gallstone pancreatitis, settled with fluids."),
        ("Impression: pre-eclampsia.", "BP 128/80 at 34 weeks, urine clear."),
    ]
    for output, context in fabricated:
        assert _unsupported(output, context), output
    supported = [
        ("S/p TURP.", "He had a transurethral resection of the prostate in 2020."),
        ("PPM in situ.", "She has a permanent pacemaker since 2019."),
        ("Hx ACS.", "NSTEMI in 2021, stented."),
        ("Plan: cystoscopy.", "We'll put a camera into the bladder to have a look."),
        ("Plan: hysterectomy and oophorectomy.", "We would remove your uterus and your ovaries."),
    ]
    for output, context in supported:
        assert not _unsupported(output, context), output


def test_a_denial_taken_back_turns_later_is_no_denial() -> None:
    ctx = (
        "Doctor: Any blood?\nPatient: No. No, I don't think so.\nDoctor: Night sweats?\n"
        "Patient: Some nights. Oh, actually, the blood. There was once a streak of red."
    )
    assert _contradictions("negation.v1", "No blood.", ctx)
    kept = ctx.replace("Oh, actually, the blood. There was once a streak of red.", "Not many.")
    assert not _contradictions("negation.v1", "No blood.", kept)


def test_blood_in_the_stool_urine_or_sputum_is_one_finding_each() -> None:
    stool = "Doctor: Have you noticed any blood in your stool?\nPatient: Yes, bright red."
    assert _contradictions("negation.v1", "No PR bleeding.", stool)
    assert not _contradictions("negation.v1", "Rectal bleeding (bright red).", stool)
    urine = "Patient: There's been blood in my pee twice."
    assert _contradictions("negation.v1", "No haematuria.", urine)


def test_critical_values_said_in_words_or_named_otherwise() -> None:
    def dropped(output: str, context: str) -> list[str]:
        found = run_rule("omission.v1", output, context)
        return [f.message for f in found if "critical value" in f.message]

    sodium = "Doctor: His sodium has come back at one hundred and sixteen. That's very low."
    assert dropped("Confused, on a diuretic.", sodium)
    assert not dropped("Confused; Na 116.", sodium)
    inr = "Doctor: Your INR today is seven point nine."
    assert dropped("INR checked today.", inr)
    sugar = "Nurse: his finger-prick sugar was 1.9 when the ambulance came."
    assert dropped("Found drowsy at home.", sugar)
    assert not dropped("Drowsy.", "Doctor: Check his blood sugar two hours after lunch.")
    gas = "Venous gas: pH 6.94, bicarbonate 4."
    assert _contradictions("numbers.v1", "VBG: pH 7.24, HCO3 4.", gas)
    neuts = "Nurse: White count one point one, neutrophils zero point three."
    assert _contradictions("numbers.v1", "WCC 1.1, neuts 3.0.", neuts)
    assert not _contradictions("numbers.v1", "WCC 1.1, neuts 0.3.", neuts)


def test_oxytocin_and_nebulised_drugs_have_routes() -> None:
    third_stage = "Active management of the third stage: oxytocin 10 units IM given."
    assert _contradictions("route.v1", "Oxytocin 10 units IV.", third_stage)
    assert not _contradictions("route.v1", "Oxytocin 10 units IM.", third_stage)
    stridor = "Nebulised adrenaline 5 mL of 1:1000 given at 1105."
    assert _contradictions("route.v1", "IV adrenaline 5 mL 1:1000 at 1105.", stridor)
    assert not _contradictions("route.v1", "Neb adrenaline 5 mL 1:1000 at 1105.", stridor)


def test_keep_taking_is_continuing_and_not_done_or_next_is_not_done() -> None:
    stop = "Doctor: While you're ill, stop the metformin, the ramipril and the indapamide."
    assert _contradictions("temporal.v1", "KEEP TAKING ramipril.", stop)
    keep = "Doctor: The apixaban, the blood thinner, you keep taking it. Don't stop it."
    assert _contradictions("temporal.v1", "Plan: hold apixaban 48 h.", keep)
    assert not _contradictions("temporal.v1", "Apixaban: keep taking it.", keep)
    asked = "Nurse: Are you still taking the apixaban?\nPatient: I stopped it like the letter said."
    assert _contradictions("temporal.v1", "Apixaban continued.", asked)
    cast = "Plan: keep the backslab; a full cast will be applied at next week's visit."
    assert _contradictions("temporal.v1", "Full cast applied today.", cast)
    ecg = "An ECG was not done on the ward because he declined."
    assert _contradictions("temporal.v1", "Baseline ECG done on ward.", ecg)
    gallbladder = "Patient: They talked about taking the gallbladder out but I never had it done."
    assert not run_rule("temporal.v1", "Cholecystectomy discussed but not done.", gallbladder)


def test_headers_are_no_speakers_and_other_allergies_leave_the_named_one() -> None:
    sbar = (
        "S: 47F, sudden severe occipital headache, vomiting.\nB: No anticoagulants.\n"
        "A: GCS 15, neck stiff."
    )
    doc = analysed(sbar).output
    assert not doc.is_dialogue
    assert next(t for t in doc.tokens if t.text == "headache").polarity == "affirmed"
    ctx = "Facial and tongue swelling with clarithromycin in 2021. He has no other allergies."
    assert not _contradictions("negation.v1", "You are allergic to clarithromycin.", ctx)
    assert _contradictions("negation.v1", "You have allergies.", "He has no allergies.")


def test_a_drug_not_started_tolerated_or_contraindicated_is_no_flip() -> None:
    ctx = "Doctor: So we were going to start the isotretinoin today."
    assert not _contradictions("negation.v1", "Isotretinoin NOT started (teratogenic).", ctx)
    allergy = "Patient: One of the antibiotics. Not penicillin, I've had that loads."
    assert not _contradictions("negation.v1", "Tolerates penicillin.", allergy)
    aspirin = "Son: She can't have aspirin. Her breathing goes."
    assert not _contradictions("negation.v1", "Allergy: aspirin (bronchospasm).", aspirin)
    assert _contradictions("negation.v1", "Takes aspirin daily.", "Patient: No aspirin, ever.")
    diabetes = "Doctor: So no medicines needed for the diabetes for now."
    assert not _contradictions("negation.v1", "T2DM, diet-controlled.", diabetes)


def test_a_unit_said_on_its_own_and_drug_names_of_other_forms() -> None:
    ctx = "Patient: One hundred and twenty-five. Micrograms.\nDoctor: Right, down to 112."
    assert _values(ctx)[0] == (125.0, "mcg")
    assert _contradictions("numbers.v1", "Levothyroxine 125 mg.", ctx)
    assert _values("It was 5. Then it rose.")[0] == (5.0, None)
    thyroxine = "Doctor: We're giving you a bit too much thyroxine."
    assert not run_rule("drugs.v1", "Levothyroxine reduced.", thyroxine)
    assert not run_rule("drugs.v1", "Meds: low-dose aspirin.", "Patient: And a baby aspirin.")
    assert not run_rule("drugs.v1", "DAPT: aspirin + ticagrelor.", "Aspirin and ticagrelor.")


def test_a_micro_sign_or_greek_mu_is_micrograms_and_no_engine_error() -> None:
    from medfact.severity import amounts

    assert amounts("50 \u00b5g, 20 \u03bcg, 5 MG") == [(50.0, "mcg"), (20.0, "mcg"), (5.0, "mg")]
    found = run_rule("numbers.v1", "Fentanyl 50 \u03bcg IV.", "Fentanyl 50 \u00b5g IV given.")
    assert not found


def test_a_value_taken_back_in_the_next_sentence_is_dropped() -> None:
    ctx = (
        "Doctor: How many pillows do you sleep on?\n"
        "Patient: Just the one. Well... no, that's not right. Three now."
    )
    assert _values(ctx) == [(3.0, None)]
    kept = ctx.replace("Well... no, that's not right. Three now.", "Always has been.")
    assert _values(kept) == [(1.0, None)]


def test_a_drug_the_input_stopped_listed_as_taken() -> None:
    swapped = (
        "Patient: Amlodipine, the five. And losartan. "
        "The lisinopril gave me a cough so they swapped it."
    )
    assert _contradictions("temporal.v1", "Meds: amlodipine 5 mg, lisinopril.", swapped)
    told = "Antihypertensives: amlodipine 5 mg, losartan (lisinopril stopped: cough)."
    assert not _contradictions("temporal.v1", told, swapped)
    stopped = "Ramipril was discontinued in March due to AKI."
    assert _contradictions("temporal.v1", "Current meds: ramipril 5 mg.", stopped)
    last = "Clopidogrel: your last dose is on 13 November."
    assert not _contradictions("temporal.v1", last, "Clopidogrel can be stopped on 14 November.")
    route = "Switched from IV to oral co-amoxiclav at 48 hours."
    assert not _contradictions("temporal.v1", "IV -> PO co-amoxiclav at 48 h.", route)


def test_digits_after_point_are_read_one_by_one() -> None:
    assert _values("pH seven point two one.") == [(7.21, None)]
    assert _values("Creatinine one point one five.") == [(1.15, None)]
    assert _values("Three four years ago.")[0] == (3.0, None)


def test_not_before_a_verb_with_an_object_denies_forward() -> None:
    assert _polarity("She was not prescribed any medications.", "medications") == "negated"
    assert _polarity("Antibiotics were not started.", "antibiotics") == "negated"
    ctx = "Doctor: Did they prescribe you any medications?\nPatient: No."
    assert not run_rule("negation.v1", "She was not prescribed any medications.", ctx)
    tylenol = "Patient: I tried tylenol a few times but it didn't work, so I stopped."
    assert not _contradictions("temporal.v1", "Tylenol failed to improve headaches.", tylenol)


def test_a_tablet_strength_a_pair_of_known_values_and_daily_told_twice() -> None:
    ctx = "Pharmacist: methotrexate 15 milligrams.\nPatient: Six little tablets, just on Mondays."
    out = "Methotrexate 15 mg (6 x 2.5 mg) on Mondays."
    assert not run_rule("numbers.v1", out, ctx)
    assert not _compared(out, ctx)
    assert run_rule("numbers.v1", "Methotrexate 25 mg on Mondays.", ctx)
    renal = "Creatinine 210 today; creatinine 205 and eGFR 29 in March. BP 134/76."
    assert not run_rule("numbers.v1", "Cr 210 (205/29 in March). BP 134/76.", renal)
    inhaler = "Beclometasone 100 micrograms twice daily via spacer."
    daily = "Beclometasone 100 micrograms twice a day through the spacer, every day."
    assert not run_rule("numbers.v1", daily, inhaler) and not _compared(daily, inhaler)
    assert run_rule("numbers.v1", "Beclometasone 100 micrograms once a day.", inhaler)


def test_advice_half_reworded_is_a_check_not_an_alarm() -> None:
    ctx = (
        "Doctor: I'll keep the hydromorphone as it is for now and we'll look at increasing "
        "the long-acting one instead."
    )
    plan = "Plan to titrate long-acting opioid instead."
    assert all(f.risk <= 2 for f in run_rule("unsupported.v1", plan, ctx))
    invented = "Refer to cardiology for angiogram and start warfarin."
    assert any(f.risk >= 3 for f in run_rule("unsupported.v1", invented, ctx))


def test_wheeze_near_an_inhaler_is_its_indication_not_a_reaction() -> None:
    from medfact.verifiers.entities import reacted_drugs

    chest = (
        "Doctor: Using the blue inhaler much?\nPatient: Once or twice a day.\n"
        "Doctor: Your chest sounds clear today, a few wheezes at the bases."
    )
    assert not reacted_drugs(analysed(chest).output)
    aspirin = "Aspirin gave her a really bad asthma attack."
    assert "aspirin" in reacted_drugs(analysed(aspirin).output)


def test_a_frequency_is_said_of_its_own_part_of_a_sentence() -> None:
    ctx = "She takes lithium 400 mg at night. Plan: continue the same dose; bloods every 6 months."
    out = "Keep taking lithium 400 mg every night, the same dose as now."
    assert not run_rule("numbers.v1", out, ctx)
    daily = "Plan: continue the same dose; ice the knee twice a day."
    assert run_rule("numbers.v1", "Ice the knee four times a day.", daily)


def test_a_clock_time_before_with_or_by_is_read() -> None:
    ctx = "Lorazepam 4 mg IV at 1005. Phenytoin loading dose started at 1012 with ECG monitoring."
    assert not run_rule("temporal.v1", "Lorazepam 4 mg IV 1005. Phenytoin from 1012.", ctx)
    assert run_rule("temporal.v1", "Lorazepam 4 mg IV 1005. Phenytoin from 1040.", ctx)
