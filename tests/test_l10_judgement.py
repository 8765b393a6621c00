"""Session 10 rule changes, each with a control."""

from __future__ import annotations

import pytest

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports the compare stage
from medfact.errors import ConfigError
from medfact.testing import analysed, check_plugin, run_rule
from medfact.verifiers import omission


def _red_flags(output: str, context: str) -> list[tuple[int, str]]:
    return [
        (f.risk, context[f.context_span[0] : f.context_span[1]])
        for f in run_rule("omission.v1", output, context)
        if f.message.startswith("red flag")
    ]


def test_a_dropped_emergency_red_flag_is_a_risk_4_omission_at_the_input_words() -> None:
    ctx = (
        "Erect chest x-ray. Findings: free subdiaphragmatic gas under the right hemidiaphragm. "
        "Lungs clear. No pleural effusion."
    )
    assert _red_flags("CXR: lungs clear, no effusion.", ctx) == [(4, "free subdiaphragmatic gas")]
    # control: an output that keeps it in other words
    assert _red_flags("CXR: pneumoperitoneum; lungs clear.", ctx) == []


@pytest.mark.parametrize(
    ("context", "dropped"),
    [
        (
            "9-day-old. Vomited after feeds; the last two vomits were dark green.",
            "vomits were dark green",
        ),
        (
            "Back pain for a week. He reports numbness around his bottom when wiping.",
            "numbness around his bottom",
        ),
        (
            "Patient: I've been saving my amitriptyline for about a month.",
            "saving my amitriptyline",
        ),
        (
            "Patient: Yesterday, like a curtain came down over my right eye.",
            "like a curtain came down",
        ),
    ],
)
def test_red_flags_of_several_specialties_are_read_in_lay_words(context: str, dropped: str) -> None:
    assert [text for _, text in _red_flags("Seen today; plan as discussed.", context)] == [dropped]


def test_a_red_flag_that_is_denied_asked_a_relatives_or_a_reports_question_is_no_omission() -> None:
    out = "Plan as discussed."
    assert _red_flags(out, "No bilious vomiting. Feeding well.") == []
    assert _red_flags(out, "Doctor: Any numbness around your bottom? Patient: No.") == []
    assert _red_flags(out, "His father had a seizure last year.") == []
    report = "CT head. Indication: fall, new confusion. Findings: no acute haemorrhage."
    assert _red_flags(out, report) == []
    # control: the same flag in a report's findings is one
    assert _red_flags(out, "CT head. Findings: stridor noted on arrival.") == [(4, "stridor")]


def test_a_broken_red_flag_table_names_the_flag_and_the_field(monkeypatch) -> None:
    table = {"flag": {"green vomit": {"found": "(green", "kept": "green", "risk": 4}}}
    monkeypatch.setattr(omission, "read_tables", lambda name: table)
    with pytest.raises(ConfigError, match="flag 'green vomit', field 'found'"):
        omission._read_red_flags()
    table["flag"]["green vomit"] = {"found": "green", "kept": "green", "risk": 5}
    with pytest.raises(ConfigError, match="flag 'green vomit', field 'risk'"):
        omission._read_red_flags()
    # control: a valid table reads, its list of patterns joined
    table["flag"]["green vomit"] = {"found": ["green vomit", "bilious"], "kept": "green", "risk": 4}
    assert omission._read_red_flags() == {
        "green vomit": ("(?:green vomit)|(?:bilious)", "green", 4)
    }


def _conditions(output: str, context: str) -> list[str]:
    return [
        context[f.context_span[0] : f.context_span[1]]
        for f in run_rule("condition.v1", output, context)
    ]


def test_condition_v1_is_a_plugin() -> None:
    check_plugin("verifiers", "condition.v1")


@pytest.mark.parametrize(
    ("context", "output", "condition"),
    [
        (
            "Discharge meds: bisoprolol 2.5 mg every morning, only if heart rate is above 60.",
            "Bisoprolol 2.5 mg every morning.",
            "only if heart rate is above 60",
        ),
        (
            "Restart apixaban on day 2 provided there is no visible blood in the urine.",
            "Restart apixaban day 2.",
            "provided there is no visible blood in the urine",
        ),
        (
            "Hold ramipril if systolic BP is below 100. Continue amlodipine.",
            "Ramipril and amlodipine continue.",
            "if systolic BP is below 100",
        ),
        (
            "Scaphoid fracture. No driving until cleared by the fracture clinic.",
            "Scaphoid fracture; no driving.",
            "until cleared by the fracture clinic",
        ),
    ],
)
def test_a_condition_on_a_drug_or_an_activity_that_the_output_drops(
    context: str, output: str, condition: str
) -> None:
    found = _conditions(output, context)
    assert len(found) == 1 and condition in found[0]


def test_an_output_that_keeps_the_condition_or_a_plan_contingency_is_left_alone() -> None:
    ctx = "Discharge meds: bisoprolol 2.5 mg every morning, only if heart rate is above 60."
    assert _conditions("Bisoprolol 2.5 mg qAM (hold if HR < 60).", ctx) == []
    assert _conditions("Bisoprolol 2.5 mg qAM.\nHold if HR 60 or less.", ctx) == []
    # the drug left out altogether is omission.v1's, not a dropped condition
    assert _conditions("Discharged home.", ctx) == []
    # a plan's contingency and a question set no condition on what is taken now
    plan = "Start metformin 500 mg; if the A1c is still high we will increase it."
    assert _conditions("Start metformin 500 mg daily.", plan) == []
    asked = "Doctor: Do you take the aspirin only if you have pain?"
    assert _conditions("Takes aspirin daily.", asked) == []


def _polarity(text: str, word: str) -> str:
    return next(t.polarity for t in analysed(text).output.tokens if t.text == word)


def test_a_negation_stops_at_a_period_that_speech_runs_on_past() -> None:
    said = "on exam S3 absent, no edema. labs sodium one thirty four creatinine one point three."
    assert _polarity(said, "edema") == "negated"
    assert _polarity(said, "creatinine") == "affirmed"
    # control: an abbreviation's period ends nothing
    assert _polarity("No h. pylori testing done.", "testing") == "negated"
    assert _polarity("No CT vs. MRI yet.", "mri") == "negated"


def test_a_negated_list_ends_at_an_item_with_an_amount_or_a_plans_verb() -> None:
    exam = "Alert, no asterixis, mild scleral icterus, trace edema."
    assert _polarity(exam, "asterixis") == "negated"
    assert _polarity(exam, "icterus") == "affirmed"
    assert _polarity(exam, "edema") == "affirmed"
    plan = "Two gram sodium diet, no NSAIDs, refer for transplant evaluation."
    assert _polarity(plan, "transplant") == "affirmed"
    # control: a list of short denied items is still read to its end
    assert _polarity("Denies fever, chills, night sweats, cough.", "cough") == "negated"


def test_a_bound_is_no_negation() -> None:
    said = "IV potassium at no more than 10 mmol per hour and IV magnesium, then oral replacement."
    assert _polarity(said, "magnesium") == "affirmed"
    assert _polarity("No more pain since Tuesday.", "pain") == "negated"  # control


def _quantities(text: str) -> list[float]:
    return [v for q in analysed(text).output.quantities for v in (q.value, q.second) if v]


def test_three_digits_said_one_by_one_are_one_number() -> None:
    # (session 14: "one oh two over sixty four" is one pressure, 102/64, its parts listed)
    assert _quantities("heart rate one oh four, blood pressure one oh two over sixty four") == [
        104.0,
        102.0,
        64.0,
    ]
    # controls: a filler "oh" joins nothing; tens said the usual way still join
    assert _quantities("I took one. Oh, and two more.") == [1.0, 2.0]
    assert _quantities("sodium one thirty four") == [134.0]


def test_a_dose_said_before_daily_is_no_interval() -> None:
    from medfact.verifiers.values import frequencies

    def rates(text: str) -> list[float]:
        return [round(f.per_day, 3) for f in frequencies(analysed(text).output)]

    assert rates("start losartan twenty five daily") == [1.0]
    # controls: intervals said with a number
    assert rates("bloods 2 weekly") == [round(1 / 14, 3)]
    assert rates("paracetamol 4 hourly") == [6.0]
    assert rates("injections 3-monthly") == [round(1 / 90, 3)]


def _comparisons(output: str, context: str) -> list[tuple[int, str]]:
    return [(f.risk, f.message) for f in run_rule("comparison.v1", output, context)]


def test_a_change_against_an_answer_that_nothing_changed_is_contradicted() -> None:
    ctx = (
        "Doctor: How is your mum's memory since March?\n"
        "Daughter: Honestly, about the same. She still forgets the day.\n"
        "Doctor: Her memory score is 19, as in March. It's stable."
    )
    found = _comparisons("Memory worse since March per daughter.", ctx)
    assert [risk for risk, _ in found] == [3]
    # control: the output that keeps it stable has nothing to answer for
    assert _comparisons("Memory stable since March per daughter.", ctx) == []
    # a month named on both sides is not what the change is about
    weight = "Doctor: Your weight is 84, it was 84 in March.\nPatient: Not gone up then."
    assert [r for r, _ in _comparisons("Breathlessness worse since March.", weight)] == [2]


def _ctx_polarity(context: str, word: str) -> str:
    return next(t.polarity for t in analysed("x", context).context.tokens if t.text == word)


def test_a_result_said_negative_negates_nothing_after_it() -> None:
    said = "urine ketones negative, basic metabolic panel sodium one thirty two, creatinine one."
    assert _polarity(said, "creatinine") == "affirmed"
    assert _polarity("Negative for fever and chills.", "chills") == "negated"  # control


def test_an_item_with_its_own_result_or_a_spoken_number_is_its_own_statement() -> None:
    said = "edema most likely from the amlodipine, hypertension not at goal."
    assert _polarity(said, "amlodipine") == "uncertain"
    assert _polarity(said, "hypertension") != "uncertain"
    # control: a pseudo-negation inside a denied list keeps the list's negation
    listed = "He has no overt bleeding, no change in bowel habit and no weight loss."
    assert _polarity(listed, "bowel") == "negated"


def test_a_bare_no_after_a_lead_in_word_is_an_answer() -> None:
    ctx = (
        "Doctor: any clots, or in the family\n"
        "Patient: me no, my mother had a clot after her hip surgery"
    )
    assert _ctx_polarity(ctx, "surgery") == "affirmed"
    assert _ctx_polarity("Patient: no fever since Monday", "fever") == "negated"  # control


def test_relative_as_an_adjective_is_no_relative() -> None:
    out = "Relative cognitive rest; acetaminophen for headache."
    assert (
        next(t.scope for t in analysed(out).output.tokens if t.text == "acetaminophen") != "family"
    )
    fam = "Relatives with diabetes: mother."  # control
    assert next(t.scope for t in analysed(fam).output.tokens if t.text == "diabetes") == "family"


def test_a_bare_list_turn_answered_no_is_a_denied_question() -> None:
    ctx = "Doctor: vomiting, black stools, weight loss\nPatient: no, none of that"
    assert run_rule("negation.v1", "Denies vomiting and weight loss.", ctx) == []
    assert [f.rule for f in run_rule("negation.v1", "Reports vomiting.", ctx)] == ["negation.v1"]
    # control: a turn that states something is no question
    said = "Patient: Skin cancer.\nDoctor: Any other health problems?"
    assert _ctx_polarity(said, "cancer") == "affirmed"


def test_return_precautions_are_hypothetical() -> None:
    out = "ED precautions: fever above 100.4 F or uncontrolled pain."
    assert next(t.scope for t in analysed(out).output.tokens if t.text == "fever") == "hypothetical"


def test_contrast_allergy_named_as_iodinated_is_one_allergen() -> None:
    from medfact.verifiers.entities import same_allergen

    assert same_allergen("iodinated", "contrast")
    assert not same_allergen("iodinated", "penicillin")  # control


def test_pain_radiating_to_the_leg_is_no_radiotherapy() -> None:
    ctx = "Patient: my back hurts and it goes down the right leg."
    out = "Low back pain with right leg radiation."
    assert not [f for f in run_rule("entities.v1", out, ctx) if "radiation" in f.message]
    fabricated = "Low back pain; started radiation last week."  # control
    assert [f for f in run_rule("entities.v1", fabricated, ctx) if "radiation" in f.message]


def test_a_result_abbreviated_nl_and_unwell_said_with_not_are_their_own() -> None:
    assert _polarity("No distension, lactate nl.", "lactate") == "affirmed"
    assert _polarity("Not well, sleepy, only five minutes on the breast.", "sleepy") == "affirmed"
    assert _polarity("No distension, lactate, or guarding.", "lactate") == "negated"  # control


def test_an_order_to_replace_potassium_supports_potassium_chloride() -> None:
    ctx = (
        "Nurse: Potassium 3.2.\nDoctor: Then replace the potassium too, 40 millimoles over 4 hours."
    )
    out = "KCl 40 mmol over 4 h."
    assert not [f for f in run_rule("entities.v1", out, ctx) if "KCl" in f.message]
    bare = "Nurse: Potassium 3.2.\nDoctor: Recheck in the morning."  # control
    assert [f for f in run_rule("entities.v1", out, bare) if "KCl" in f.message]


def test_a_titration_step_said_without_its_unit_carries_the_dose_unit() -> None:
    from medfact.compare import amount_facts

    said = analysed("Start sertraline 25 milligrams daily for one week then fifty.").output
    assert [f.value for f in amount_facts(said, [])] == ["25 mg", "50 mg"]
    # controls: a duration's "up to" and a count carry no dose unit
    bounded = analysed("Codeine 30 mg as needed for up to five days.").output
    assert [f.value for f in amount_facts(bounded, [])] == ["30 mg"]


def test_at_night_after_a_dose_is_once_a_day() -> None:
    from medfact.verifiers.values import frequencies

    def rates(text: str) -> list[float]:
        return [f.per_day for f in frequencies(analysed(text).output)]

    assert rates("topiramate twenty five milligrams at night") == [1.0]
    assert rates("increase by twenty five each week") == [1 / 7]
    assert rates("the pain wakes me at night") == []  # control: when, not how often


def test_a_turn_that_only_names_findings_and_draws_a_no_denies_them() -> None:
    ctx = "Doctor: vomiting, black stools, weight loss\nPatient: no, none of that\nDoctor: okay"
    assert _ctx_polarity(ctx, "vomiting") == "negated"
    said = "Doctor: I think we go with surgery\nPatient: no, none of that"  # control
    assert _ctx_polarity(said, "surgery") != "negated"


def _omitted_labs(output: str, context: str) -> list[tuple[int, str]]:
    return [
        (f.risk, f.message)
        for f in run_rule("omission.v1", output, context)
        if f.message.startswith("critical value")
    ]


def test_a_critical_value_behind_its_abnormality_is_still_dropped() -> None:
    ctx = "Doctor: labs potassium two point eight, magnesium one point five."
    found = _omitted_labs("Hypokalemia: start KCl 20 mEq BID. Mg 1.5.", ctx)
    assert [risk for risk, _ in found] == [3] and "only the abnormality" in found[0][1]
    # the value kept, in digits for a value said in words, is no omission
    assert _omitted_labs("Hypokalemia (K 2.8): start KCl. Mg 1.5.", ctx) == []
    neuts = "Nurse: White count one point one, neutrophils zero point three."
    assert _omitted_labs("WCC 1.1, neuts 0.3; neutropenic.", neuts) == []


def _allergens(context: str) -> list[str]:
    from medfact.verifiers.entities import allergies

    return sorted({a.allergen for a in allergies(analysed("x", context).context)})


def test_an_answer_that_names_the_allergens_states_them() -> None:
    assert _allergens(
        "Doctor: okay. any allergies\nDaughter: sulfa and codeine, makes her confused"
    ) == [
        "codeine",
        "sulfa",
    ]
    assert _allergens("Midwife: Any allergies?\nWoman: Latex. I'm properly allergic.") == ["latex"]
    # controls: an allergen taken back, a denial and a non-allergen answer state none
    said = "Nurse: Any allergies?\nPatient: Penicillin. No, hang on - it's not penicillin."
    assert _allergens(said) == []
    assert _allergens("Doctor: Any allergies?\nPatient: Not that I know of.") == []


def _code(text: str) -> dict[str, list[str]]:
    from medfact.verifiers.entities import code_status

    c = code_status(analysed(text).output)
    keys = ("full", "dnr", "dni", "cpr_ok", "intubation_ok")
    return {k: [text[a:b] for a, b in getattr(c, k)] for k in keys if getattr(c, k)}


def test_code_status_in_the_words_families_and_notes_use() -> None:
    assert _code("Mum said she'd want everything done.") == {"full": ["'d want everything done"]}
    assert _code("DNR. Would accept ICU care and intubation.") == {
        "dnr": ["DNR"],
        "intubation_ok": ["intubation"],
    }
    assert _code("Declines intubation.") == {"dni": ["intubation"]}  # control


def test_codeine_is_no_code_status() -> None:
    ctx = "Doctor: and we have her as DNR, she did the form with me in the spring."
    out = "Allergies: sulfa, codeine (confusion). Plan as discussed."
    assert [f for f in run_rule("omission.v1", out, ctx) if "code status" in f.message]
    kept = "Allergies: sulfa, codeine. Code status: DNR."  # control
    assert not [f for f in run_rule("omission.v1", kept, ctx) if "code status" in f.message]


def test_a_role_of_several_words_is_a_speakers_tag_that_states_nothing() -> None:
    from medfact.analysis import speaker_tag

    ctx = "Day nurse: He had a bad night.\nNight reg: Any chest pain?\nDay nurse: No."
    doc = analysed("x", ctx).context
    assert doc.is_dialogue
    assert [t.polarity for t in doc.tokens if t.text in ("day", "reg")] == ["asked"] * 3
    assert next(t.polarity for t in doc.tokens if t.text == "chest") == "negated"
    assert speaker_tag(ctx, ctx.index("Night")) == "night reg"
    assert speaker_tag("Plan: review in 2 weeks", 0) == "plan"  # a header, read as before
    assert speaker_tag("Chest pain on exertion: none", 0) is None  # control: no role word


def test_a_no_to_how_is_the_condition_any_symptoms_denies_the_symptoms() -> None:
    ctx = (
        "Doctor: good. how's the lupus, any joint pain rashes mouth sores\nPatient: no, I feel good"
    )
    doc = analysed("x", ctx).context
    assert next(t.polarity for t in doc.tokens if t.text == "rashes") == "negated"
    assert next(t.polarity for t in doc.tokens if t.text == "lupus") != "negated"


def test_a_result_word_after_a_period_is_of_what_follows_it() -> None:
    from medfact.compare import result_facts

    said = "prostate enlarged smooth nontender, no nodules. bladder scan shows 950 mL."
    facts = [(f.key, f.value) for f in result_facts(analysed(said).output)]
    assert [v for k, v in facts if k.startswith("bladder")] == ["abnormal"]
    assert not [k for k, v in facts if "nodul" in k and v == "abnormal"]


def test_in_a_long_input_one_shared_word_makes_no_rival_degree() -> None:
    filler = "We talked about diet, sleep and walking every day. " * 60  # a long input
    ctx = "Doctor: palpitations better, left atrium mildly dilated on the echo. " + filler
    out = "Marked improvement in palpitations."
    assert not [f for f in run_rule("certainty.v1", out, ctx) if "'mildly'" in f.message]
    short = "Doctor: palpitations better, left atrium mildly dilated on the echo."  # control
    assert [f for f in run_rule("certainty.v1", out, short) if "'mildly'" in f.message]


def test_a_frequency_of_a_check_is_no_drugs_frequency() -> None:
    ctx = (
        "Labetalol 200 mg three times daily. Plan: continue labetalol, four-hourly blood pressure."
    )
    assert not run_rule("numbers.v1", "Plan: continue labetalol, QDS BP.", ctx)
    # control: the drug's own frequency changed is still one
    assert run_rule("numbers.v1", "Plan: labetalol 200 mg QDS.", ctx)


def test_a_route_switch_after_a_comma_is_the_same_drugs() -> None:
    ctx = (
        "On IV furosemide 80 mg twice daily. "
        "Plan: continue IV furosemide for 48 hours, then switch to oral."
    )
    assert not run_rule("route.v1", "Plan: IV furosemide 48 h more, then PO.", ctx)
    assert run_rule("route.v1", "Plan: furosemide PO now.", "Plan: IV furosemide.")  # control


def test_the_code_status_hint_reads_ascii_and_other_text_alike() -> None:
    from medfact.verifiers import entities

    said = "Would you want us to try to restart your heart?"
    assert entities._code_hint(said) and entities._code_hint(said + " \u2014 yes")
    assert not entities._code_hint("Resumed amlodipine at the same dose.")  # control


def test_a_drug_class_for_its_member_is_no_fabricated_drug() -> None:
    ctx = "Doctor: given the reflux I'd avoid oral alendronate, let's give zoledronic acid."
    out = "Avoid oral bisphosphonate given reflux; zoledronic acid IV yearly."
    assert not [f for f in run_rule("drugs.v1", out, ctx) if "bisphosphonate" in f.message]
    named = "Avoid oral risedronate given reflux."  # control: another named drug is one
    assert [f for f in run_rule("drugs.v1", named, ctx) if "risedronate" in f.message]


def test_a_combination_brand_supports_each_of_its_drugs() -> None:
    ctx = "Patient: I use the Symbicort, two puffs twice a day, and the Trelegy once a day."
    out = "Budesonide/formoterol 2 puffs BD; fluticasone/umeclidinium/vilanterol daily."
    assert run_rule("drugs.v1", out, ctx) == []
    made_up = "Salmeterol 2 puffs BD."  # control: a drug of neither combination
    assert [f.rule for f in run_rule("drugs.v1", made_up, ctx)] == ["drugs.v1"]
