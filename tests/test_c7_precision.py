"""Issue 13, session 7: false alarms of the rules other than compare.v1 and negation.v1 on
faithful reference notes (ACI-Bench and MTS-Dialog development notes).

Each test is a cause read by hand on flagged reference notes (bench/RESULTS.md, "Faithful
reference notes left alone ... helper C, session 7"), written as a small case of our own, with
a control: the true disagreement of the same form that the rule must still report.
"""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - registers the rules
from medfact.analysis import Analyzer, fraction_digits
from medfact.segment import segment
from medfact.testing import run_rule


def _values(text: str) -> list[tuple[float, str | None]]:
    doc = Analyzer(drugs=False)(text, segment(text))
    return [(round(q.value, 4), q.unit) for q in doc.quantities]


def _flags(rule: str, output: str, context: str, at_least: int = 3) -> list[str]:
    return [f.message for f in run_rule(rule, output, context) if f.risk >= at_least]


# --- numbers as a transcript writes them --------------------------------------------------------


def test_a_decimal_point_written_as_a_full_stop_joins_the_two_halves() -> None:
    assert _values("[doctor] you're on two . five of norvasc for your blood pressure .") == [
        (2.5, None)
    ]
    assert _values("[doctor] i want to add aldactone twelve . five milligrams daily .") == [
        (12.5, "mg")
    ]
    assert _values("[doctor] use clobetasol that's a zero . zero five percent solution") == [
        (0.05, "%")
    ]
    assert _values("[doctor] it does show a . five centimeter kidney stone") == [(0.5, "cm")]


def test_a_full_stop_between_a_number_and_a_new_sentence_is_no_point() -> None:
    # a time after the stop, a capital, or no unit: two numbers, as before
    assert _values("i was there until two . five days later it hurt") == [
        (2.0, None),
        (5.0, "d"),
    ]
    assert _values("I saw him at 5 . Five mg was given.") == [(5.0, None), (5.0, "mg")]
    assert _values("we had two . five of us came") == [(2.0, None), (5.0, None)]


def test_a_leading_point_and_digit_groups_after_a_spoken_point() -> None:
    assert _values("your creatinine was .7 not .8") == [(0.7, None), (0.8, None)]
    assert _values("he takes point one twenty five M G of Xanax") == [(0.125, "mg")]
    assert _values("take point twenty five mg") == [(0.25, "mg")]
    assert fraction_digits(["zero", "five"]) == "05"
    assert fraction_digits(["five", "hundred"]) is None


def test_half_an_hour_is_a_time() -> None:
    assert _values("after about a half an hour i was short of breath") == [(0.5, "h")]


def test_transcript_doses_agree_with_the_note_and_a_changed_dose_is_still_caught() -> None:
    context = (
        "[doctor] you're on two . five of norvasc for your blood pressure . [patient] yes .\n"
        "[doctor] i want to add aldactone twelve . five milligrams daily ."
    )
    assert not _flags("numbers.v1", "Norvasc 2.5 mg daily. Aldactone 12.5 mg daily.", context)
    assert _flags("numbers.v1", "Norvasc 2.5 mg daily. Aldactone 25 mg daily.", context)
    lab = "[doctor] your creatinine was .7 not .8 so you're doing well ."
    assert not _flags("numbers.v1", "Creatinine 0.7.", lab)
    assert _flags("numbers.v1", "Creatinine 7.", lab)


# --- laterality.v1 ----------------------------------------------------------------------------


def test_both_sides_named_supports_either_side_and_bilateral() -> None:
    context = (
        "[doctor] which elbow is it ?\n"
        "[patient] actually it's both my elbows but my right elbow is hurting me the most ."
    )
    assert not _flags("laterality.v1", "Bilateral elbow pain, right worse than left.", context)
    assert not _flags("laterality.v1", "Examination of the left elbow: minimal pain.", context)
    # control: a part named on one side only
    one = "[patient] my right elbow is hurting me the most ."
    assert _flags("laterality.v1", "Bilateral elbow pain.", one)
    assert _flags("laterality.v1", "Left elbow pain.", one)


def test_a_plural_or_either_part_is_both_sides() -> None:
    hips = "[doctor] let me look at the hips . [doctor] pain in the right hip with rotation ."
    assert not _flags("laterality.v1", "Bilateral hip exam: pain in the right hip.", hips)
    breast = (
        "[patient] there was a lump under my left breast .\n"
        "[doctor] i do not feel any mass on either breast ."
    )
    assert not _flags("laterality.v1", "Bilateral breast incisions well healed.", breast)
    only_left = "[patient] there was a lump under my left breast ."
    assert _flags("laterality.v1", "Bilateral breast incisions well healed.", only_left)


def test_a_side_denied_where_the_input_affirms_the_other_is_consistent() -> None:
    context = "[doctor] you do have pain with palpation on the medial aspect of that right knee ."
    out = "Right knee: no pain to palpation of the lateral aspect of the right knee."
    assert not _flags("laterality.v1", out, context)
    # control: the finding itself moved to the other side
    moved = "Right knee: pain to palpation of the lateral aspect of the right knee."
    assert _flags("laterality.v1", moved, context)


def test_a_region_holds_the_arteries_of_its_limb() -> None:
    radial = "[doctor] i don't see any swelling on your right radial artery cath site ."
    assert not _flags("laterality.v1", "Right upper extremity: no swelling.", radial)
    assert _flags("laterality.v1", "No swelling at the left radial artery cath site.", radial)


# --- comparison.v1 ----------------------------------------------------------------------------


def test_a_state_word_before_its_noun_or_after_a_verb_of_being_is_a_state() -> None:
    context = "[doctor] the er told you , um , you had a really high blood sugar ."
    for out in (
        "The emergency room notified him that he had elevated blood sugar levels.",
        "His triglycerides have always been elevated.",
        "His blood glucose is also elevated in clinic today.",
    ):
        assert not _flags("comparison.v1", out, context, at_least=2), out
    # control: a change said with a comparison marker, which the input does not make
    normal = "[doctor] the er told you , um , your blood sugar was fine ."
    assert _flags(
        "comparison.v1", "His blood sugar has become elevated since last visit.", normal, at_least=2
    )


def test_a_change_told_without_a_change_word_supports_the_change() -> None:
    smoke = (
        "[doctor] last time you were smoking two packs a day . how much now ?\n"
        "[patient] um , it's gone down quite a bit , a couple of cigarettes a day ."
    )
    out = "She has decreased her smoking from two packs a day to a couple of cigarettes."
    assert not _flags("comparison.v1", out, smoke, at_least=2)
    steady = "[doctor] last time you were smoking two packs a day . [patient] still two packs ."
    assert _flags("comparison.v1", out, steady, at_least=2)
    pain = "[patient] the pain radiated to my groin , and since then i have n't had any more pain ."
    assert not _flags("comparison.v1", "The groin pain has now resolved.", pain, at_least=2)


def test_an_answer_to_a_two_sentence_question_is_about_its_first_sentence() -> None:
    context = (
        "Doctor: How is your dysphagia? Are you able to swallow and eat your food now?\n"
        "Patient: It has been better now."
    )
    assert not _flags("comparison.v1", "She has resolving dysphagia.", context, at_least=2)
    worse = (
        "Doctor: How is your dysphagia? Are you able to swallow and eat your food now?\n"
        "Patient: It has been worse."
    )
    assert _flags("comparison.v1", "She has resolving dysphagia.", worse, at_least=2)


def test_a_change_of_something_else_in_a_run_on_sentence_is_only_checked() -> None:
    filler = " ".join(["and then we talked about your diet and your exercise plan"] * 4)
    context = (
        f"[doctor] i'm gon na prescribe oxycodone so hopefully you feel better {filler} "
        "and your heart has a grade two systolic ejection murmur"
    )
    out = "Heart: grade 2 systolic ejection murmur, unchanged."
    assert not _flags("comparison.v1", out, context)
    assert _flags("comparison.v1", out, context, at_least=2)
    # control: the same disagreement in a sentence of its own
    short = (
        "Doctor: How is the murmur compared with last year?\nPatient: The doctor said it is worse."
    )
    assert _flags("comparison.v1", out, short)


# --- certainty.v1 -----------------------------------------------------------------------------


def test_chronic_is_a_duration_not_a_frequency() -> None:
    context = "[doctor] here for chronic abdominal pain . [patient] it hurts on and off ."
    assert not _flags("certainty.v1", "He reports intermittent abdominal pain.", context)
    always = "[patient] the abdominal pain is there all the time , constant ."
    assert _flags("certainty.v1", "He reports intermittent abdominal pain.", always)


def test_scale_words_in_another_sense_are_no_degree() -> None:
    meds = "[doctor] certain medications like crestor can be toxic to the liver enzymes ."
    assert not _flags("certainty.v1", "Crestor may be contributing to his liver enzymes.", meds)
    sure = "[doctor] i am certain that crestor is toxic to your liver ."
    assert _flags("certainty.v1", "Crestor may be toxic to his liver.", sure)
    mystery = "[doctor] so like a little mystery so have you had shoulder pain with reaching"
    assert not _flags("certainty.v1", "Significant shoulder pain with reaching.", mystery)
    bit = "[patient] i have a little shoulder pain with reaching ."
    assert _flags("certainty.v1", "Severe shoulder pain with reaching.", bit)


def test_a_question_asserts_no_degree_and_an_answer_does() -> None:
    asked = (
        "[doctor] okay and is the pain constant or does it come and go\n"
        "[patient] well it came a couple times but it did n't last"
    )
    assert not _flags("certainty.v1", "The pain is intermittent.", asked)
    told = "[patient] the pain is constant , it never goes away ."
    assert _flags("certainty.v1", "The pain is intermittent.", told)
    denied = "Doctor: Did you always have that back pain?\nPatient: No. It comes and goes."
    assert not _flags("certainty.v1", "He has had back pain intermittently.", denied)
    # a question the next turn confirms is a statement
    confirmed = "Doctor: Is the back pain constant?\nPatient: Yes, it is there all day."
    assert _flags("certainty.v1", "He has had back pain intermittently.", confirmed)


def test_a_change_of_degree_told_in_one_sentence() -> None:
    context = (
        "[patient] at first it was coming and going , and then for the last 48 hours it's "
        "been constant ."
    )
    out = "Initially the pain was intermittent, but over the last 48 hours it has been constant."
    assert not _flags("certainty.v1", out, context)
    # control: two findings of one sentence, one of them overstated
    mild = "Mild tenderness over the epicondyle. Mild pain with resisted wrist extension."
    out = "Severe tenderness of the epicondyle with mild pain on resisted wrist extension."
    assert _flags("certainty.v1", out, mild)


def test_a_denied_degree_is_no_stronger_claim() -> None:
    context = "[patient] i took some ibuprofen and that helped a little bit with the pain"
    out = "Ibuprofen is not providing significant relief of the pain."
    assert not _flags("certainty.v1", out, context)
    assert _flags("certainty.v1", "Ibuprofen is providing significant relief of the pain.", context)


# --- temporal.v1 ------------------------------------------------------------------------------


def test_a_year_the_input_names_is_no_other_time() -> None:
    context = (
        "[doctor] so your pap was in 2019 . have you ever had an abnormal pap ?\n"
        "[patient] not with you , but i did around 2009 , and then i had a normal pap ."
    )
    assert not _flags("temporal.v1", "She had an abnormal pap smear in 2009.", context)
    assert not _flags("temporal.v1", "History of abnormal pap smear: 2009.", context)
    assert _flags("temporal.v1", "She had an abnormal pap smear in 2012.", context)


def test_a_second_time_in_the_output_sentence_is_a_second_event() -> None:
    context = (
        "[patient] off and on for about two weeks , but last week is when it really "
        "became painful ."
    )
    out = "The pain began 2 weeks ago, however it worsened last week."
    assert not _flags("temporal.v1", out, context)
    assert _flags("temporal.v1", "The pain worsened 2 weeks ago.", context)


def test_a_plan_and_a_past_event_are_only_checked() -> None:
    context = "[patient] i slipped on the ice last night and the ankle pain is bad ."
    out = "Her ankle pain should settle over the next week."
    assert not _flags("temporal.v1", out, context)
    assert _flags("temporal.v1", out, context, at_least=2)
    assert _flags("temporal.v1", "She slipped on the ice 2 days ago.", context)


def test_aspect_words_in_another_sense() -> None:
    quit_ = "[patient] i'm here , i'm just ready to quit smoking but it is hard ."
    assert not _flags("temporal.v1", "He is currently smoking 1 pack a day.", quit_)
    quitted = "[patient] i quit smoking two years ago ."
    assert _flags("temporal.v1", "He is currently smoking 1 pack a day.", quitted)
    bowels = "[doctor] your bowels are active and working , no family history of cancer ."
    assert not _flags("temporal.v1", "He has no family history of colon cancer.", bowels)
    harm = "[doctor] reassured him that no harm was done to his finger . recommended icing ."
    out = "I recommended icing of the finger this evening."
    assert not _flags("temporal.v1", out, harm)
    done = "[doctor] icing of the finger was done . recommended ibuprofen ."
    assert _flags("temporal.v1", out, done)


def test_history_of_is_about_what_follows_it() -> None:
    context = (
        "[doctor] you've got a history of diabetes and you're on metformin five hundred "
        "milligrams twice a day"
    )
    assert not _flags("temporal.v1", "He currently takes metformin 500 mg twice daily.", context)
    assert _flags("temporal.v1", "He currently has diabetes.", context)


def test_a_result_reported_next_to_a_plan_is_done() -> None:
    context = (
        "[doctor] based on your exam and what i'm seeing on your x-ray i am gon na recommend "
        "surgery for your foot"
    )
    assert not _flags("temporal.v1", "Her x-rays revealed a fracture of the foot.", context)
    planned = "[doctor] i am gon na recommend an x-ray of your foot"
    assert _flags("temporal.v1", "Her x-rays revealed a fracture of the foot.", planned)


def test_a_start_in_the_past_agrees_with_a_plan_to_continue() -> None:
    context = (
        "[patient] the er put me on metformin .\n"
        "[doctor] for your diabetes , i want to continue the metformin 500 mg twice a day ."
    )
    out = "He was started on metformin 500 mg twice daily during that time."
    assert not _flags("temporal.v1", out, context)
    assert _flags("temporal.v1", "Start metformin 500 mg twice daily.", context)


# --- entities.v1, drugs.v1, numbers.v1: lexicon gaps and frames ---------------------------------


def test_a_word_cut_off_in_a_transcript_still_names_its_concept() -> None:
    context = "[doctor] if you're still having symptoms , i wan na order an mri- just to check ."
    assert not _flags("entities.v1", "If pain continues, we will obtain an MRI.", context)
    guided = "[doctor] we did an mri-guided biopsy last year ."
    assert not _flags("entities.v1", "She had a biopsy.", guided)
    assert _flags("entities.v1", "We will obtain an MRI.", "[doctor] we will get an x-ray .")


def test_lay_names_of_operations_and_conditions_support_the_clinical_name() -> None:
    cases = [
        ("Surgical history: cholecystectomy.", "[patient] i had gall bladder and appendix ."),
        ("Plan: right foot ORIF.", "[doctor] we will put the bones back using plates and screws"),
        ("History of urinary tract infections.", "Patient: I get frequent urinary infections."),
        (
            "History of intracranial hemorrhage.",
            "Patient: They told me I had bleeding in the brain.",
        ),
        ("Prior heartburn.", "[doctor] how is your heart burn doing ?"),
        ("Chronic kidney disease.", "Patient: I have hypertension and kidney problems."),
    ]
    for out, context in cases:
        assert not _flags("entities.v1", out, context), out
    # control: the operation is not in the input at all
    assert _flags(
        "entities.v1", "Surgical history: cholecystectomy.", "[patient] i had my knee done ."
    )


def test_adjuvant_radiation_is_no_chemotherapy() -> None:
    context = (
        "[doctor] after the lumpectomy you had radiation therapy but declined endocrine therapy"
    )
    assert not _flags("entities.v1", "Lumpectomy followed by adjuvant radiation therapy.", context)
    assert _flags("entities.v1", "Lumpectomy followed by adjuvant chemotherapy.", context)


def test_a_list_of_risks_is_only_checked() -> None:
    context = "[doctor] there are some risks with any surgery , bleeding , nerve damage ."
    out = "There is always a risk of amputation, heart attack, stroke and blood clots."
    assert not _flags("entities.v1", out, context)
    assert _flags("entities.v1", out, context, at_least=2)
    assert _flags("entities.v1", "He had a stroke last year.", context)


def test_a_salt_form_or_a_vaccine_named_more_precisely() -> None:
    testosterone = "[patient] what about increasing my testosterone to 175 milligrams ?"
    assert not _flags("drugs.v1", "He takes testosterone cypionate 140 mg.", testosterone)
    assert _flags("drugs.v1", "He takes estradiol cypionate 140 mg.", testosterone)
    vaccine = "[patient] and i got my vaccine , so i feel safer about traveling ."
    assert not _flags("drugs.v1", "She got her COVID-19 vaccine.", vaccine)
    assert _flags("drugs.v1", "She got her COVID-19 vaccine.", vaccine, at_least=2)


def test_a_dose_implied_by_a_name_and_rounded_conversions() -> None:
    aspirin = "[patient] i am yes , i do the baby aspirin every day ."
    assert not _flags("numbers.v1", "He takes aspirin 81 mg daily.", aspirin)
    assert _flags("numbers.v1", "He takes aspirin 325 mg daily.", aspirin)
    weight = "[doctor] she's about 3 , 3 and a half pounds down in weight ."
    assert not _flags("numbers.v1", "She is about 1.5 kg down in weight.", weight)
    assert _flags("numbers.v1", "She is about 5 kg down in weight.", weight)


# --- transcript forms read by several rules ------------------------------------------------------


def test_a_number_said_twice_is_one_number() -> None:
    assert _values("start naprosyn five hundred five hundred milligrams twice a day")[0] == (
        500.0,
        "mg",
    )
    assert _values("one hundred twenty five mg") == [(125.0, "mg")]


def test_a_compound_number_of_a_relative_time() -> None:
    context = "Doctor: When was the crash?\nPatient: The crash was about forty five minutes ago."
    assert not _flags("temporal.v1", "The car crash was approximately 45 minutes ago.", context)
    assert _flags("temporal.v1", "The car crash was approximately 5 minutes ago.", context)


def test_no_guarantees_negate_nothing() -> None:
    context = "[doctor] have you noticed any change in your vision ? [patient] yes , it's blurry ."
    out = "We discussed that no guarantees could be given that his vision would return."
    assert not _flags("negation.v1", out, context)
    assert _flags("negation.v1", "He denies any change in his vision.", context)


def test_compare_a_claim_with_two_times_one_of_them_the_inputs() -> None:
    from medfact.compare import CompareStage
    from medfact.pipeline import cached_engine
    from medfact.testing import analysed

    def compare(output: str, context: str) -> list[str]:
        engine = cached_engine(
            {"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}}
        )
        doc = analysed(output, context)
        CompareStage(engine.settings, engine.parts)(doc)
        return [f.message for f in doc.findings if f.rule == "compare.v1" and f.risk >= 3]

    context = "[patient] my toe hurts off and on , but last week is when it became painful ."
    assert not compare("The toe pain began 2 weeks ago, however it worsened last week.", context)
    assert compare("The toe pain became painful 2 weeks ago.", context)


def test_check_this_findings_stay_below_the_severity_floor_in_the_rule_tier() -> None:
    from medfact.config import NO_MODEL
    from medfact.pipeline import Engine

    engine = Engine.from_config(None, NO_MODEL)
    records = [
        {
            "id": "vaccine",
            "output": "She got her COVID-19 vaccine, so she feels safer about traveling.",
            "context": "[patient] and i got my vaccine , so i feel safer about traveling .",
        },
        {
            "id": "fabricated",
            "output": "She got her COVID-19 vaccine and takes warfarin, so she feels safer.",
            "context": "[patient] and i got my vaccine , so i feel safer about traveling .",
        },
    ]
    vaccine, fabricated = engine.score_many(records)
    assert vaccine.risk_level < 3
    assert fabricated.risk_level >= 3  # control: a drug the input never names


def test_an_amount_denied_and_a_follow_up_visit_are_no_negation_or_hedge() -> None:
    water = "[doctor] have you been drinking enough water ? [patient] probably not enough , some ."
    out = "She admits that she has likely not been drinking enough water."
    assert not _flags("negation.v1", out, water)
    assert _flags("negation.v1", "She denies drinking water.", "[patient] i drink water all day .")
    visit = (
        "Doctor: It's been about five months since your last evaluation for type two diabetes "
        "and high blood pressure.\nPatient: Yes."
    )
    out = "She presents for a recheck of her type II diabetes mellitus and hypertension."
    assert not _flags("negation.v1", out, visit)
    hedge = "Doctor: We will start an evaluation for high blood pressure.\nPatient: Okay."
    assert _flags("negation.v1", "She has hypertension.", hedge)


def test_compare_a_drug_taken_then_stopped() -> None:
    from medfact.compare import CompareStage
    from medfact.pipeline import cached_engine
    from medfact.testing import analysed

    def compare(output: str, context: str) -> list[str]:
        engine = cached_engine(
            {"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}}
        )
        doc = analysed(output, context)
        CompareStage(engine.settings, engine.parts)(doc)
        return [f.message for f in doc.findings if f.rule == "compare.v1" and f.risk >= 3]

    context = (
        "Doctor: Have you taken any medicines?\nPatient: I've taken Elavil and Topamax.\n"
        "Doctor: Are you still taking any of these?\nPatient: No, I had bad side effects."
    )
    assert not compare("He tried Elavil and Topamax, which he discontinued.", context)
    held = "Doctor: Hold the Elavil for now.\nPatient: Okay."
    assert compare("He was given Elavil.", held)


def test_compare_a_frequency_of_another_thing_in_a_run_on_sentence() -> None:
    from medfact.compare import CompareStage
    from medfact.pipeline import cached_engine
    from medfact.testing import analysed

    def compare(output: str, context: str) -> list[str]:
        engine = cached_engine(
            {"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}}
        )
        doc = analysed(output, context)
        CompareStage(engine.settings, engine.parts)(doc)
        return [f.message for f in doc.findings if f.rule == "compare.v1" and f.risk >= 3]

    filler = " ".join(["and we talked about your diet and your exercise and your sleep"] * 3)
    context = (
        "[doctor] i think surgery is best and in the meantime i wan na put you on fifty "
        f"milligrams of ultram every six hours {filler} and then physical therapy after surgery"
    )
    out = "After surgery she will attend physical therapy 3 times per week for her wrist."
    assert not compare(out, context)
    # control: a drug's frequency against a drug-less one in a short sentence is still read
    assert compare("MTX 10 mg PO daily.", "Methotrexate 10 mg orally once a week.")
