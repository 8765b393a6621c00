"""Session 9 rule fixes found on development parts written blind (dev7, dev8), each with a
control."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports the compare stage
from medfact.testing import analysed, run_rule


def _polarity(text: str, word: str) -> str:
    return next(t.polarity for t in analysed(text).output.tokens if t.text == word)


def test_a_forward_negation_stops_where_a_parenthesis_closes_or_a_spaced_dash_begins() -> None:
    lesion = "New liver lesion (not present in March) - indeterminate, metastasis not excluded."
    assert _polarity(lesion, "march") == "negated"
    assert _polarity(lesion, "metastasis") == "uncertain"
    bleed = "No anticoagulant - upper GI bleed last year."
    assert _polarity(bleed, "anticoagulant") == "negated"
    assert _polarity(bleed, "bleed") == "affirmed"
    # controls: a parenthesis inside a list goes on; a dash without spaces joins words; a
    # negation after the dash still reads back across it
    assert _polarity("No orthopnoea (one pillow) or PND.", "pnd") == "negated"
    assert _polarity("No anticoagulant-related bleeding.", "bleeding") == "negated"
    assert _polarity("Asked about diazepam - not prescribed.", "diazepam") == "negated"


def test_not_yet_negates_what_follows() -> None:
    assert _polarity("He has not yet had any endoscopy.", "endoscopy") == "negated"
    assert _polarity("Not yet started on insulin.", "insulin") == "negated"
    # control: "yet" still ends a negation's scope elsewhere
    assert _polarity("No pain yet still tired.", "tired") == "affirmed"


def _quantities(text: str) -> list[tuple[float, str | None]]:
    return [(q.value, q.unit) for q in analysed(text).output.quantities]


def test_gestation_written_as_weeks_plus_days() -> None:
    assert _quantities("22+3/40, no PV bleeding.") == [(22.0, "wk"), (3.0, "d")]
    assert _quantities("She is 30+4 weeks.") == [(30.0, "wk"), (4.0, "d")]
    # controls: weeks the British way, and weeks
    assert _quantities("Now 36/40.") == [(36.0, "wk")]
    assert _quantities("Review in 2 weeks.") == [(2.0, "wk")]


def test_a_bare_number_answering_how_many_weeks_is_in_weeks() -> None:
    dialogue = "Doctor: How many weeks pregnant are you?\nPatient: Twenty-two."
    assert [(q.value, q.unit) for q in analysed("x", dialogue).context.quantities] == [(22.0, "wk")]
    # controls: two numbers in the answer ("36 and 2") and a question about a rate
    two = "Doctor: How many weeks are you now?\nPatient: 36 and 2."
    assert [q.unit for q in analysed("x", two).context.quantities] == [None, None]
    rate = "Doctor: How many days a week do you drink?\nPatient: Three."
    assert [q.unit for q in analysed("x", rate).context.quantities] == [None]


def test_saline_is_its_own_strength() -> None:
    litre = "Start a litre of saline over 4 hours and get an ECG."
    assert not run_rule("numbers.v1", "1 L NaCl 0.9% over 4 h + ECG.", litre)
    # controls: another strength, and a volume the input does not give
    assert run_rule("numbers.v1", "NaCl 0.45% 1 L over 4 h.", litre)
    assert run_rule("numbers.v1", "2 L NaCl 0.9% over 4 h.", litre)


def test_a_drug_held_for_a_while_is_still_the_patients() -> None:
    hold = (
        "Nurse: And what dose of warfarin are you on at the moment?\n"
        "Patient: Five milligrams a day.\n"
        "Nurse: Don't take any warfarin tonight or tomorrow."
    )
    out = "Warfarin 5 mg OD. Plan: omit warfarin tonight + tomorrow."
    assert not [f for f in run_rule("negation.v1", out, hold) if f.risk >= 3]
    # control: a drug the input says is not taken at all
    never = "Nurse: Are you on warfarin?\nPatient: No, never been on it."
    assert [f for f in run_rule("negation.v1", "Warfarin 5 mg OD.", never) if f.risk >= 3]


def test_an_instruction_to_keep_taking_negates_nothing() -> None:
    assert _polarity("Never omit Toujeo.", "toujeo") == "affirmed"
    assert _polarity("Don't stop the apixaban.", "apixaban") == "affirmed"
    # control: a plain "never"
    assert _polarity("Never had insulin.", "insulin") == "negated"


def test_a_denied_change_denies_the_change_not_what_changed() -> None:
    assert _polarity("No recent smoking change.", "smoking") == "affirmed"
    assert _polarity("No weight change.", "weight") == "affirmed"
    # controls: a list, punctuation, and a clause before the change word
    assert _polarity("No nausea or visual change.", "nausea") == "negated"
    assert _polarity("No nipple discharge/skin change.", "discharge") == "negated"
    assert _polarity("CT: no haemorrhage, early change in the MCA.", "haemorrhage") == "negated"


def test_a_clock_time_without_am_or_pm_may_be_either_half_of_the_day() -> None:
    booked = "Nurse: I'll book him in at the out-of-hours centre for 10:40 tonight."
    assert not run_rule("temporal.v1", "OOH centre appt 22:40.", booked)
    assert run_rule("temporal.v1", "OOH centre appt 21:40.", booked)  # control
    # control: a time written with a leading zero is the morning's
    assert run_rule("temporal.v1", "OOH centre appt 22:40.", "Booked for 09:40 at the centre.")


def test_a_post_op_clinic_is_a_visit_not_a_done_operation() -> None:
    ctx = "Laryngoscopy has been booked for the post-operative clinic in two weeks."
    assert not run_rule("temporal.v1", "Laryngoscopy booked at post-op clinic (2/52).", ctx)
    assert run_rule("temporal.v1", "Laryngoscopy done post-op.", ctx)  # control


def test_uk_brands_and_ward_abbreviations_are_drugs() -> None:
    from medfact.lexicon.drugs import default_lexicon

    names = {
        "MMF": "mycophenolate",
        "mycophenolate mofetil": "mycophenolate",
        "Laxido": "macrogol",
        "Priadel": "lithium",
        "lithium carbonate": "lithium",
        "Tazocin": "piperacillin-tazobactam",
        "pip-tazo": "piperacillin-tazobactam",
        "Augmentin": "co-amoxiclav",
        "Clenil": "beclomethasone",
        "Qvar": "beclomethasone",
    }
    lexicon = default_lexicon()
    assert {name: [d.canonical for d in lexicon.find(name)] for name in names} == {
        name: [canonical] for name, canonical in names.items()
    }
    # control: the words around a dose name no drug
    assert lexicon.find("one sachet twice a day, with food") == []


def test_for_cpr_opening_a_notes_item_is_an_order() -> None:
    dnacpr = "Community DNACPR form from the GP last year. Not for intubation or ICU."

    def code(out: str) -> list[str]:
        return [f.message for f in run_rule("entities.v1", out, dnacpr) if "code" in f.message]

    assert code("Escalation (with daughter): for CPR. Not for intubation/ICU.")
    assert code("- For CPR (family supportive).")
    assert code("Escalation: for ICU readmission and intubation if NIV fails; DNACPR.")
    # controls: the input's own orders, and a discussion about CPR
    assert not code("Escalation: not for CPR, not for intubation/ICU; for NIV.")
    assert not code("Plan: for CPR discussion with family.")


def test_a_critical_value_the_output_gives_another_value_is_changed_not_left_out() -> None:
    high = "Bloods this morning show the potassium is high, 6.4."
    (changed,) = run_rule("omission.v1", "Bloods show K 5.4. Asymptomatic.", high)
    assert changed.relation == "contradicted" and changed.risk == 4
    assert changed.span is not None and changed.span[0] == len("Bloods show ")
    # controls: the value kept, and an input that gives the analyte twice
    assert not run_rule("omission.v1", "Bloods show K 6.4.", high)
    twice = "Potassium 6.4 this morning, 5.4 after insulin dextrose."
    assert not run_rule("omission.v1", "K 6.4 this AM, 5.4 after insulin-dextrose.", twice)


def test_the_other_sides_mention_is_read_in_its_own_clause() -> None:
    hernia = (
        "Surgeon: On examination there's a reducible right inguinal hernia; left side normal. "
        "We'll do a laparoscopic right inguinal hernia repair, as a day case."
    )
    wrong = "Reducible R inguinal hernia. L groin normal. Listed: lap L inguinal hernia repair."
    assert [f for f in run_rule("laterality.v1", wrong, hernia) if f.relation == "contradicted"]
    right = "Reducible R inguinal hernia. L groin normal. Listed: lap R inguinal hernia repair."
    listed = right.index("R inguinal hernia repair")
    found = run_rule("laterality.v1", right, hernia)
    assert not [f for f in found if f.span is not None and f.span[0] >= listed]


def test_an_operation_named_by_its_organ_has_that_organs_side() -> None:
    sides = analysed("Plan: R vitrectomy tomorrow; L mastectomy.").output.sides
    assert [(m.side, m.anatomy) for m in sides] == [("right", "eye"), ("left", "breast")]
    plan = "Plan: urgent referral for left vitrectomy tomorrow."
    assert run_rule("laterality.v1", "Plan: R vitrectomy tomorrow.", plan)
    assert not run_rule("laterality.v1", "Plan: L vitrectomy tomorrow.", plan)  # control


def test_a_severe_reaction_written_as_a_rash_alone_is_understated() -> None:
    swelling = (
        "Nurse: What happened when she reacted?\n"
        "Parent: She was 3, on amoxicillin. On day 2 she came up in itchy blotches all over and "
        "her eyes and lips puffed up. We took her to A&E and she had an antihistamine."
    )
    out = "Allergy: amoxicillin - mild non-itchy rash (seen in ED)."
    found = run_rule("entities.v1", out, swelling)
    assert [f.message for f in found if f.risk >= 3 and "mild reaction" in f.message]
    kept = "Allergy: amoxicillin - urticaria + lip/eye swelling (seen in ED)."
    assert not [f for f in run_rule("entities.v1", kept, swelling) if f.risk >= 3]
    # control: an input whose reaction was itself an itchy rash
    itchy = (
        "Doctor: What did the clarithromycin do?\nPatient: A rash, really itchy, all over my back."
    )
    out = "Allergy: clarithromycin - itchy rash on back."
    assert not [f for f in run_rule("entities.v1", out, itchy) if f.risk >= 3]


def test_not_before_allergy_names_no_allergen() -> None:
    ctx = "Paclitaxel was stopped because of neuropathy, not a reaction. Allergy: carboplatin."
    out = "Paclitaxel stopped for neuropathy (not allergy). Carboplatin allergy."
    assert not [f for f in run_rule("entities.v1", out, ctx) if "'not'" in f.message]


def test_a_post_negation_that_takes_no_object_reads_back() -> None:
    said = "Antibiotics are not indicated as the infection is localised and drained."
    assert _polarity(said, "antibiotics") == "negated"
    assert _polarity(said, "infection") == "affirmed"
    # control: "not" with a verb that takes an object denies what follows
    assert _polarity("He was not prescribed any medications.", "medications") == "negated"


def test_a_duration_of_another_unit_about_something_else_is_no_unit_error() -> None:
    ctx = "Neutrophils 1.9 last month. Repeat full blood count in one week."
    out = "Neut 0.7 (1.9 one month ago); FBC in 1 wk."
    assert not [f for f in run_rule("numbers.v1", out, ctx) if "unit" in f.message]
    # control: the same topic with another unit, here in the answer to a question
    cough = "Doctor: How long have you had the cough?\nPatient: About three weeks now."
    assert [f for f in run_rule("numbers.v1", "Cough for about three days.", cough) if f.risk >= 3]


def test_one_drug_by_two_names_is_one_allergen_and_a_reaction_is_no_allergen() -> None:
    from medfact.verifiers.entities import same_allergen

    assert same_allergen("pip-tazo", "piperacillin-tazobactam")
    assert not same_allergen("heparin", "carbamazepine")  # control
    ctx = "Nurse A: Big thing with him - he's allergic to heparin. He had HIT last year."
    out = "HEPARIN ALLERGY: HIT last year (hip admission) - no enoxaparin."
    assert not [f for f in run_rule("entities.v1", out, ctx) if "'hit'" in f.message]
    # control: an allergy to another drug is still reported
    wrong = "PENICILLIN ALLERGY: rash last year."
    assert [f for f in run_rule("entities.v1", wrong, ctx) if f.risk >= 3]


def test_the_child_of_a_pregnancy_is_no_relative_with_a_history() -> None:
    text = "31F, 14 weeks pregnant with her second child, attends with bleeding gums."
    scopes = {t.text: t.scope for t in analysed(text).output.tokens}
    assert scopes["bleeding"] != "family"
    # control: a child with a condition of its own
    scopes = {t.text: t.scope for t in analysed("Her child has asthma.").output.tokens}
    assert scopes["asthma"] == "family"


def test_a_drug_stopped_is_not_advised() -> None:
    ctx = "Consultant: Put digoxin toxicity on the allergy list so nobody restarts it."
    stop = "Plan: STOP digoxin (record toxicity on intolerance list)."
    assert not [f for f in run_rule("entities.v1", stop, ctx) if "advised" in f.message]
    restart = "Plan: restart digoxin 62.5 mcg OD."
    assert [f for f in run_rule("entities.v1", restart, ctx) if "advised" in f.message]  # control


def test_frequencies_said_as_times_of_day_or_days_of_the_week() -> None:
    from medfact.verifiers.values import frequencies

    text = "Two puffs morning and night. Methotrexate twice a week. Once a week after football."
    doc = analysed(text).output
    assert [round(f.per_day, 3) for f in frequencies(doc)] == [2, 0.286, 0.143]


def test_an_adjective_before_allergy_is_no_allergen_and_advice_to_attend_is_no_reaction() -> None:
    ctx = "Doctor: The co-amoxiclav gave you the rash and the swollen face.\nPatient: Yes."
    out = "NEW ALLERGY: co-amoxiclav (Augmentin) - rash + facial swelling."
    assert not [f for f in run_rule("entities.v1", out, ctx) if "'new'" in f.message]
    # control: another allergen is still reported
    assert run_rule("entities.v1", "NEW ALLERGY: penicillin - rash.", ctx)
    from medfact.verifiers.entities import reacted_drugs

    advice = "Nurse: Keep taking the atorvastatin. If you're still vomiting, go to A&E."
    assert reacted_drugs(analysed("x", advice).context) == {}
    reaction = "Nurse: Did the atorvastatin do anything?\nPatient: I went to A&E with hives."
    assert reacted_drugs(analysed("x", reaction).context)  # control


def test_a_differential_hedges_both_sides_and_cant_sleep_is_a_symptom() -> None:
    text = "Nature uncertain (cyst vs more serious pathology)."
    assert _polarity(text, "cyst") == "uncertain"
    assert _polarity(text, "pathology") == "uncertain"
    # control: a clause before the differential keeps its reading
    assert _polarity("Pancreas lesion seen, cyst vs IPMN.", "lesion") == "affirmed"
    assert _polarity("I can't sleep and I'm panicking.", "sleep") == "affirmed"
    assert _polarity("I can't walk far.", "walk") == "negated"  # control


def test_hand_gel_is_no_alcohol_use() -> None:
    gel = {t.text: t.stem for t in analysed("Soap and water, no alcohol gel.").output.tokens}
    drink = {t.text: t.stem for t in analysed("No alcohol at weekends.").output.tokens}
    assert gel["alcohol"] != drink["alcohol"]


def test_a_value_another_speaker_corrects_is_taken_back() -> None:
    from medfact.verifiers.values import frequencies

    corrected = (
        "Pharmacist: And the bisoprolol, how many do you take?\n"
        "Patient: One a day. In the morning.\n"
        "Daughter: Dad, no - it's two. The hospital increased it in March."
    )
    doc = analysed("x", corrected).context
    assert [q.value for q in doc.quantities] == [2.0]
    assert frequencies(doc) == []
    # control: a "no" that corrects nothing with a value of its own
    agreed = "Doctor: How many do you take?\nPatient: One a day.\nDaughter: No, that's right."
    doc = analysed("x", agreed).context
    assert [q.value for q in doc.quantities] == [1.0] and frequencies(doc)


def test_drugs_joined_by_a_plus_or_named_by_both_share_their_action() -> None:
    from medfact.verifiers.temporal import mentions

    out = analysed("On bendroflumethiazide 2.5 mg. Plan: stop citalopram + bendroflumethiazide.")
    stopped = {m.drug for m in mentions(out.output) if m.value == "stopped"}
    assert stopped == {"citalopram", "bendroflumethiazide"}
    held = analysed(
        "x",
        "Doctor: Is he still on the ramipril and the spironolactone?\n"
        "Nurse: They were both given this morning.\nDoctor: Hold both from now.",
    ).context
    actions = {(m.value, m.drug) for m in mentions(held, carry=True) if m.kind == "action"}
    assert {("held", "ramipril"), ("held", "spironolactone")} <= actions
    # control: a drug named in another clause is not joined
    one = analysed("Stop citalopram. Continue bendroflumethiazide.").output
    assert {m.drug for m in mentions(one) if m.value == "stopped"} == {"citalopram"}


def test_inhalers_named_by_colour_where_the_talk_is_of_inhalers() -> None:
    talk = (
        "Doctor: How's the new inhaler?\nPatient: I'm using the brown one, two puffs morning "
        "and night.\nDoctor: And the blue one?\nPatient: Maybe once a week."
    )
    assert [d.canonical for d in analysed("x", talk).context.drugs] == [
        "beclomethasone",
        "albuterol",
    ]
    # control: a colour with no inhaler in sight names no drug
    tablets = "Patient: I take the blue one in the morning and the brown one at night."
    assert analysed("x", tablets).context.drugs == []


def test_tablets_counted_by_strength_and_a_litre_and_a_half() -> None:
    said = (
        "Patient: Paracetamol, two of the 500 ones, four times a day. And ibuprofen, two of the "
        "200s, three times a day. I drank a litre and a half yesterday."
    )
    assert not run_rule("numbers.v1", "Paracetamol 1 g QDS + ibuprofen 400 mg TDS.", said)
    assert not run_rule("numbers.v1", "Oral intake ~1.5 L yesterday.", said)
    # control: a dose that is no count of the input's tablets
    assert run_rule("numbers.v1", "Paracetamol 1 g QDS + ibuprofen 600 mg TDS.", said)


def test_uric_acid_is_a_blood_test_not_a_drug() -> None:
    from medfact.lexicon.drugs import default_lexicon

    assert default_lexicon().find("We will check your urate (uric acid) level.") == []
    assert default_lexicon().find("Allopurinol 100 mg OD.")  # control


def test_a_route_of_what_a_drug_replaces_is_not_its_route() -> None:
    ctx = (
        "Doctor: Morphine 10 mg subcutaneously four-hourly as needed; we have stopped his tablets."
    )
    assert not run_rule("route.v1", "Morphine 10 mg SC PRN in place of oral morphine.", ctx)
    assert run_rule("route.v1", "Morphine 10 mg PO PRN.", ctx)  # control


def test_advice_after_an_allergy_list_names_no_allergy_and_full_cpr_is_full_code() -> None:
    ctx = "Doctor: You can't have carbamazepine because of the Stevens-Johnson reaction in 2015."
    out = "Allergy: carbamazepine - SJS 2015; avoid carbamazepine and oxcarbazepine."
    assert not [f for f in run_rule("entities.v1", out, ctx) if "oxcarbazepine" in f.message]
    wrong = "Allergy: carbamazepine - SJS 2015, oxcarbazepine."  # control: a listed allergy
    assert [f for f in run_rule("entities.v1", wrong, ctx) if "oxcarbazepine" in f.message]
    full = "Doctor: Then he is for full resuscitation and for intensive care if needed."
    assert not run_rule("omission.v1", "Decision: FOR full CPR and ICU escalation.", full)
    assert run_rule("omission.v1", "Decision: ward-based care.", full)  # control: left out


def test_an_unsupported_change_stays_check_this_beside_a_safety_term() -> None:
    from medfact.pipeline import cached_engine

    engine = cached_engine({"pipeline": {"model": ""}})
    ctx = "Doctor: Her heart is very weak and her kidneys are failing. CPR would not work."
    out = "Severe HF + progressive renal failure; CPR unlikely to succeed."
    assessment = engine.score({"id": "x", "context": ctx, "output": out})
    change = [f for f in assessment.findings if f.rule == "comparison.v1"]
    assert change and all(f.risk <= 2 for f in change)
    # control: a change the input contradicts is still unsafe
    ctx = "Doctor: Her kidney function has been stable for a year. CPR would not work."
    out = "Worsening renal function; CPR unlikely to succeed."
    contradicted = engine.score({"id": "y", "context": ctx, "output": out}).findings
    assert [f for f in contradicted if f.rule == "comparison.v1" and f.risk >= 3]


def test_an_unsupported_setting_beside_a_high_alert_drug_stays_check_this() -> None:
    from medfact.pipeline import cached_engine

    engine = cached_engine({"pipeline": {"model": ""}})
    ctx = "Registrar: Adrenaline 0.5 milligrams IM at 13:10 and a second dose at 13:20."
    out = "Adrenaline 0.5 mg IM x2 (13:10, 13:20 ED)."
    found = engine.score({"id": "x", "context": ctx, "output": out}).findings
    setting = [f for f in found if f.rule == "entities.v1" and "setting" in f.message]
    assert setting and all(f.risk <= 2 for f in setting)
    # control: the high-alert drug itself, fabricated, is still unsafe
    found = engine.score({"id": "y", "context": ctx, "output": out + " Heparin 5000 units SC."})
    assert found.risk_level >= 3


def test_a_pregnancy_check_is_no_pregnancy() -> None:
    ctx = "Radiographer: Any chance you could be pregnant?\nPatient: Um, I don't think so."
    out = "Pre-CT pregnancy check: pt doesn't think so."
    assert not [f for f in run_rule("entities.v1", out, ctx) if "pregnan" in f.message]
    # control: a pregnancy stated where the input rules it out
    assert [f for f in run_rule("entities.v1", "Pt is pregnant.", ctx) if "pregnan" in f.message]
    # control: a positive test states a pregnancy
    positive = "Urine pregnancy test positive."
    assert [f for f in run_rule("entities.v1", positive, ctx) if "pregnan" in f.message]
