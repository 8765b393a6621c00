"""Issue 13, session 8: false alarms on faithful ACI-Bench reference notes, by cause.

Each test is a cause read by hand on the flagged notes of ACI-Bench test2 (bench/RESULTS.md,
"Faithful reference notes left alone, second split ... helper E, session 8"), written as a small
case of our own, with a control: the true disagreement of the same form that the rule must still
report at risk 3 or more.
"""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - registers the rules
from medfact.analysis import Analyzer
from medfact.compare import RULE, CompareStage, status_facts
from medfact.pipeline import cached_engine
from medfact.segment import segment
from medfact.testing import analysed, run_rule

_CONFIG = {"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}}


def _values(text: str) -> list[tuple[float, str | None, float | None]]:
    doc = Analyzer(drugs=False)(text, segment(text))
    return [(round(q.value, 4), q.unit, q.second) for q in doc.quantities]


def _flags(rule: str, output: str, context: str, at_least: int = 3) -> list[str]:
    """Messages of one rule (compare.v1: the comparison stage) at or above a risk."""
    if rule == RULE:
        engine = cached_engine(_CONFIG)
        doc = analysed(output, context)
        CompareStage(engine.settings, engine.parts)(doc)
        found = [f for f in doc.findings if f.rule == RULE]
    else:
        found = run_rule(rule, output, context)
    return [f.message for f in found if f.risk >= at_least]


# --- numbers as a transcript says them ----------------------------------------------------------


def test_hundreds_said_the_short_way() -> None:
    assert _values("we will go from five hundred to seven fifty twice a day")[1] == (
        750.0,
        None,
        None,
    )
    assert _values("take one twenty five milligrams")[0] == (125.0, "mg", None)
    assert _values("back in nineteen ninety eight")[0] == (1998.0, None, None)
    # compounds read as before
    assert _values("twenty six milligrams")[0] == (26.0, "mg", None)
    assert _values("five hundred five hundred milligrams")[0] == (500.0, "mg", None)
    assert _values("in two thousand and two")[0] == (2002.0, None, None)
    assert _values("a zero . zero five percent solution")[0] == (0.05, "%", None)


def test_two_number_words_that_make_no_compound_are_a_range() -> None:
    assert _values("ice it for twenty thirty minutes at a time") == [
        (20.0, None, None),
        (30.0, "min", None),
    ]
    assert _values("maybe like three four years ago") == [(3.0, None, None), (4.0, "yr", None)]


def test_spoken_doses_and_ranges_agree_with_the_note_and_a_changed_one_is_caught() -> None:
    context = (
        "[doctor] we will increase your metformin from five hundred twice a day to seven fifty "
        "twice a day ."
    )
    assert not _flags("numbers.v1", "Increase metformin to 750 mg twice daily.", context)
    assert _flags("numbers.v1", "Increase metformin to 1000 mg twice daily.", context)
    ice = "[doctor] ice it three or four times a day for twenty thirty minutes at a time ."
    assert not _flags("numbers.v1", "Ice 3 to 4 times a day for 20 to 30 minutes.", ice)
    assert _flags("numbers.v1", "Ice 3 to 4 times a day for 20 to 90 minutes.", ice)


def test_a_unit_and_a_half() -> None:
    assert _values("the surgery takes about an hour to an hour and a half") == [(1.5, "h", None)]
    assert _values("for a day and a half") == [(1.5, "d", None)]
    context = "[doctor] the surgery is gon na take about an hour to an hour and a half ."
    assert not _flags("numbers.v1", "The surgery will take 1 to 1.5 hours.", context)
    assert _flags("numbers.v1", "The surgery will take 1 to 4 hours.", context)


def test_a_score_out_of_a_total_is_a_score() -> None:
    assert _values("he scored a 26 out of 30 on the mmse") == [(26.0, None, 30.0)]
    assert _values("pain from two through seven out of 10") == [
        (2.0, None, 10.0),
        (7.0, None, 10.0),
    ]
    context = (
        "[doctor] vitals , blood pressure is 124/80 , heart rate 64 , and pain zero out of 10 .\n"
        "[doctor] he scored a 26 out of 30 on the mmse ."
    )
    assert not _flags("numbers.v1", "BP 124/80, pain 0/10. He scored 26/30 on the MMSE.", context)
    assert _flags("numbers.v1", "He scored 21/30 on the MMSE.", context)
    assert _flags("numbers.v1", "BP 142/80.", context)


def test_a_score_is_not_compared_with_a_pressure_or_another_scale() -> None:
    context = (
        "[doctor] strength is five out of five . your blood pressure is 120/80 .\n"
        "[patient] the pain is about seven out of 10 ."
    )
    assert not _flags("numbers.v1", "Strength 5/5. BP 120/80. Pain 7/10.", context)
    assert _flags("numbers.v1", "Pain 4/10.", context)


# --- a test's result, compared with the same test's ---------------------------------------------


def test_a_result_is_compared_with_the_same_tests_result() -> None:
    context = (
        "[doctor] okay so lachman anterior and posterior drawer and mcmurray tests are all "
        "negative bilaterally so that's good there .\n[patient] okay .\n"
        "[doctor] your reflexes are symmetrical .\n[patient] good .\n"
        "[doctor] there is tenderness to palpation of the bilateral retinaculum and there is "
        "positive patellar grind test .\n[patient] that hurts ."
    )
    faithful = (
        "Positive patellar grind test of the bilateral knees.\n"
        "Negative Lachman test bilaterally.\nNegative McMurray test bilaterally."
    )
    for rule in ("negation.v1", "compare.v1"):
        assert not _flags(rule, faithful, context), rule
    flipped = "Negative patellar grind test bilaterally."
    assert _flags("negation.v1", flipped, context) or _flags("compare.v1", flipped, context)
    flipped = "Positive McMurray test."
    assert _flags("negation.v1", flipped, context) or _flags("compare.v1", flipped, context)


def test_a_result_word_far_on_in_a_run_on_sentence_is_about_another_test() -> None:
    context = (
        "[doctor] does that hurt ?\n[patient] no .\n"
        "[doctor] okay okay well that's good your thompson test is negative that's a really good "
        "finding and i just wan na continue pressing here on your right from your heel when i "
        "squeeze your heel does that cause significant pain at all [patient] yeah"
    )
    assert not _flags("negation.v1", "Positive calcaneal squeeze test.", context)
    assert _flags("negation.v1", "Positive Thompson test.", context)


# --- temporal.v1 ------------------------------------------------------------------------------


def test_a_chronic_conditions_history_goes_on_under_treatment() -> None:
    context = (
        "[doctor] i know that you also have a history of hypertension and that we have you on "
        "ten milligrams of lisinopril . have you been checking your blood pressures ?\n"
        "[patient] yeah they have been pretty good ."
    )
    faithful = "The patient's hypertension is currently controlled with medication."
    assert not _flags("temporal.v1", faithful, context)
    smoker = "[doctor] you have a history of smoking .\n[patient] yes , i quit years ago ."
    assert _flags("temporal.v1", "He is currently smoking.", smoker)


# --- comparison.v1 ----------------------------------------------------------------------------


def test_a_change_under_a_condition_or_as_a_purpose_is_no_change() -> None:
    context = (
        "[doctor] i want you to try to cut down on the snacking and additional sweets .\n"
        "[patient] yeah ."
    )
    for faithful in (
        "Call the clinic if symptoms worsen.",
        "She is trying to improve her diet by removing additional sweets.",
        "Metformin to help improve her blood sugars.",
    ):
        assert not _flags("comparison.v1", faithful, context, at_least=2), faithful
    assert _flags("comparison.v1", "Her blood sugars have worsened.", context, at_least=2)
    assert _flags("comparison.v1", "Her diet continues to improve.", context, at_least=2)


# --- certainty.v1 -----------------------------------------------------------------------------


def test_a_denied_degree_of_the_input_asserts_none() -> None:
    context = (
        "[doctor] your a1c is a little elevated , but it's not , it's not terrible , so we'll "
        "just continue you on the current regimen ."
    )
    assert not _flags("certainty.v1", "Her hemoglobin A1c is slightly elevated.", context)
    severe = "[doctor] your a1c is severely elevated , we need to act ."
    assert _flags("certainty.v1", "Her hemoglobin A1c is slightly elevated.", severe)


def test_a_question_offering_alternatives_inside_a_run_on_sentence() -> None:
    context = (
        "[doctor] okay i'm gon na start here on the right side when i lift that right leg up "
        "does that cause you significant pain or any pain at all\n[patient] a little a little bit"
    )
    assert not _flags("certainty.v1", "Mildly positive straight leg raise on the right.", context)
    told = "[doctor] lifting the right leg causes him significant pain ."
    assert _flags("certainty.v1", "Mildly positive straight leg raise on the right.", told)


def test_certain_and_certainly_in_another_sense() -> None:
    context = (
        "[patient] if i turn a little wrong it could hurt\n"
        "[doctor] i think you could pass the driving test at that point , and i would be happy "
        "to recommend it ."
    )
    assert not _flags("certainty.v1", "He has sharp pain when he turns a certain way.", context)
    courtesy = "I would certainly be happy to recommend the driving test."
    assert not _flags("certainty.v1", courtesy, context)
    assert _flags("certainty.v1", "He can certainly pass the driving test.", context)


def test_a_diagnosis_still_to_be_made_is_no_certainty() -> None:
    context = (
        "[doctor] once we get you over this shortness of breath and get this diagnosed , we "
        "will order another a1c ."
    )
    assert not _flags("certainty.v1", "This could be caused by his shortness of breath.", context)
    made = "[doctor] the shortness of breath is diagnosed as heart failure ."
    assert _flags("certainty.v1", "This could be heart failure.", made)


# --- negation.v1 ------------------------------------------------------------------------------


def test_a_transcripts_split_negation_with_its_own_verb() -> None:
    context = (
        "[doctor] i looked at your knee x-ray and it does n't show any acute fracture or bony "
        "abnormality which is not surprising .\n"
        "[doctor] you are positive for some slight guarding but i do n't note any rebound "
        "tenderness now ."
    )
    faithful = "X-ray reveals no evidence of fractures. No rebound tenderness."
    assert not _flags("negation.v1", faithful, context)
    assert _flags("negation.v1", "X-ray shows an acute fracture.", context)
    assert _flags("negation.v1", "Positive rebound tenderness.", context) or _flags(
        "compare.v1", "Positive rebound tenderness.", context
    )


def test_a_site_after_a_preposition_is_where_the_finding_is() -> None:
    context = (
        "[doctor] on your knee exam there is no overlying erythema that's redness or ecchymosis "
        "and that's bruising or any warmth of the skin appreciated .\n"
        "[doctor] i don't notice any redness or bruising on the skin of your back ."
    )
    faithful = (
        "No overlying erythema, ecchymosis, or warmth of the skin appreciated.\n"
        "Risks include reaction to the medication, including skin changes."
    )
    assert not _flags("negation.v1", faithful, context)
    denied = "[doctor] on your knee exam there is no swelling of the knee ."
    assert _flags("negation.v1", "Swelling of the knee.", denied)


def test_a_line_of_parts_joined_by_a_slash_is_a_header() -> None:
    context = "[doctor] one in 100 men might develop tenderness in their chest , a rare effect ."
    assert not _flags("negation.v1", "PHYSICAL EXAM\nPulmonary/Chest\nLungs clear.", context)
    hedged = "[doctor] one in 100 men might develop chest tenderness , a rare side effect ."
    assert _flags("negation.v1", "Chest tenderness.", hedged)


def test_a_denial_of_another_episode() -> None:
    context = (
        "[doctor] he's 49 with hypertension and palpitations .\n"
        "[doctor] have you felt it again since ?\n[patient] uh , no ."
    )
    assert not _flags("negation.v1", "He denies additional episodes of palpitations.", context)
    assert _flags("negation.v1", "He denies palpitations.", context)


def test_a_drug_as_the_circumstance_of_a_denial() -> None:
    context = (
        "[patient] i took some tylenol , i took some ibuprofen , and nothing really helps .\n"
        "[doctor] does the ibuprofen upset your stomach ?\n[patient] no ."
    )
    for faithful in (
        "He denies upset stomach with the use of ibuprofen.",
        "He denies ibuprofen or ice provide pain relief.",
    ):
        assert not _flags("negation.v1", faithful, context), faithful
    assert _flags("negation.v1", "He denies taking ibuprofen.", context)
    assert _flags("negation.v1", "He is not on ibuprofen.", context)


def test_a_list_item_with_its_own_verb_ends_the_denial() -> None:
    context = "[doctor] no tobacco , no substance abuse , skin is moist , no tremor ."
    assert not _flags("negation.v1", "Skin is moist.", context)
    assert _flags("negation.v1", "Tremor present.", context)


def test_presents_ends_a_denial_of_past_history() -> None:
    context = (
        "[doctor] julie is a 17-year-old with no significant past medical history presents for "
        "evaluation of newly diagnosed hypercholesterolemia ."
    )
    assert not _flags("negation.v1", "ASSESSMENT\nHypercholesterolemia.", context)
    context = "[doctor] julie is a 17-year-old with no hypercholesterolemia ."
    assert _flags("negation.v1", "ASSESSMENT\nHypercholesterolemia.", context)


# --- compare.v1: done vs planned ----------------------------------------------------------------


_RUN_ON_VISIT = (
    "[doctor] okay so there is no dead tissue around it there's no odor and i do n't appreciate "
    "any bony exposure and does it hurt when i touch it here\n[patient] no\n"
    "[doctor] okay so we did a x-ray of your right foot before you came in and it showed no "
    "evidence of osteomyelitis that means that there is no bone infection which is really good "
    "so let me just talk a little about my assessment and plan for you i want to get an ankle "
    "brachial index to determine your blood supply to see if we can heal the wound"
)


def test_done_or_planned_in_a_run_on_sentence_is_about_the_words_near_it() -> None:
    faithful = (
        "I have recommended that we obtain an ankle brachial index to determine her blood "
        "supply to see if we can heal the wound."
    )
    assert not _flags(RULE, faithful, _RUN_ON_VISIT)
    changed = "We did an ankle brachial index to determine her blood supply."
    assert _flags(RULE, changed, _RUN_ON_VISIT) or _flags("temporal.v1", changed, _RUN_ON_VISIT)


def test_a_status_with_no_word_of_its_own_is_read_with_the_words_near_it() -> None:
    context = (
        "[doctor] so this is a typical procedure this should help with the inflammation that's "
        "causing your pain i know that sounds a bit scary but this is a typical procedure that i "
        "do all the time it's in office , and we can get you scheduled today if you would like so "
        "what questions do you have right now\n[patient] yes ."
    )
    doc = analysed("x", context).context
    assert doc is not None
    topics = [f.data for f in status_facts(doc) if doc.text[f.start : f.end] == "scheduled"]
    # not empty, which would align it with every claim of a long input
    assert topics and all(topics)


def test_a_drug_started_months_ago_is_continued_now() -> None:
    context = (
        "[patient] i'm also taking celebrex which i started maybe 2 months ago .\n"
        "[doctor] yes , the 200 mg daily ."
    )
    assert not _flags("temporal.v1", "He will continue Celebrex 200 mg daily.", context)
    today = "[doctor] i am starting you on celebrex 200 mg daily today ."
    assert _flags("temporal.v1", "He will continue Celebrex 200 mg daily.", today)


def test_at_home_is_a_place_not_a_home_medication() -> None:
    context = (
        "[doctor] how has your blood pressure been at home since you've been taking norvasc\n"
        "[patient] it has been running low .\n[doctor] hold off on the norvasc for now ."
    )
    assert not _flags("temporal.v1", "He will discontinue Norvasc.", context)
    kept = "[doctor] continue your home norvasc ."
    assert _flags("temporal.v1", "He will discontinue Norvasc.", kept)


def test_consistent_with_is_a_small_step_from_diagnosed() -> None:
    context = "[doctor] she presents for evaluation of newly diagnosed hypercholesterolemia ."
    judged = "Medical Reasoning: Her previous tests are consistent with hypercholesterolemia."
    assert not _flags("certainty.v1", judged, context)
    assert _flags("certainty.v1", "Her tests possibly suggest hypercholesterolemia.", context)
    hedged = "[doctor] the x-ray is consistent with pneumonia ."
    assert _flags("certainty.v1", "The x-ray confirms pneumonia.", hedged)


def test_a_range_of_ages_is_a_group_not_the_patient() -> None:
    context = "[doctor] julie cruz is a 17-year-old presenting for high cholesterol ."
    guideline = (
        "The AAP recommends children between the ages of 9 to 11 years old and again between "
        "17 to 20 years old be screened for cholesterol."
    )
    assert not _flags("entities.v1", guideline, context)
    assert _flags("entities.v1", "Julie is a 20-year-old.", context)


def test_a_pill_under_the_tongue_is_sublingual() -> None:
    context = (
        "[doctor] i'm gon na give you a prescription for nitroglycerin it's a little pill you put "
        "underneath your tongue if you have this chest pain ."
    )
    assert not _flags("route.v1", "Sublingual nitroglycerin for chest pain.", context)
    assert _flags("route.v1", "Intravenous nitroglycerin for chest pain.", context)


def test_get_something_done_is_a_plan() -> None:
    context = (
        "[doctor] i also wan na send you to the emergency department to get some blood testing "
        "done i'm worried about a blood clot ."
    )
    assert not _flags("temporal.v1", "I have ordered blood work to be done in the ER.", context)
    assert _flags("temporal.v1", "Blood work was done in the ER.", context)
    past = "[doctor] we got some blood testing done last week in the emergency department ."
    assert _flags("temporal.v1", "Blood work is to be done in the ER.", past)


def test_positive_bowel_sounds_are_normal_ones() -> None:
    context = (
        "[doctor] now i'm gon na do an abdominal exam i do note positive bowel sounds soft "
        "nondistended abdomen ."
    )
    assert not _flags(RULE, "Bowel sounds normal in all 4 quadrants.", context)
    absent = "[doctor] on your abdominal exam bowel sounds are absent , abdomen distended ."
    assert _flags(RULE, "Bowel sounds normal in all 4 quadrants.", absent) or _flags(
        "negation.v1", "Bowel sounds normal in all 4 quadrants.", absent
    )


# --- laterality.v1 ----------------------------------------------------------------------------


def test_the_side_compared_with_where_the_input_names_both() -> None:
    context = (
        "[patient] it's mostly in my elbows .\n"
        "[doctor] does one elbow bother you more than the other ?\n"
        "[patient] my right elbow does bother me more than the other , but it flares up in both ."
    )
    faithful = "Her right elbow bothers her more than her left elbow."
    assert not _flags("laterality.v1", faithful, context)
    swapped = "Her left elbow bothers her more than her right elbow."
    assert _flags("laterality.v1", swapped, context)


def test_a_transcripts_hands_is_the_hand() -> None:
    pad = "[doctor] how was the drive in today ?\n[patient] it was fine , a bit of traffic .\n" * 3
    context = pad + (
        "[doctor] okay and any problems with the strength of the arm at all are you able to grab "
        "a cup of coffee\n[patient] yeah i hand's doing okay i can grab yeah i'm just trying to "
        "avoid lifting anything too heavy"
    )
    assert not _flags(RULE, "He states that the strength in his hand is okay.", context)
    other = context.replace("i hand's doing okay", "it's doing okay")
    assert _flags(RULE, "He states that the strength in his hand is okay.", other)


# --- omission.v1 ------------------------------------------------------------------------------


def test_the_rash_being_treated_is_no_reaction_to_a_drug() -> None:
    context = (
        "[doctor] i'll prescribe tacrolimus ointment , it's called a calcineurin inhibitor .\n"
        "[doctor] but it's not a steroid , so don't use steroids on your face , as they'll make "
        "this kind of rash worse ."
    )
    output = "Perioral dermatitis: start tacrolimus ointment. Avoid topical steroids on the face."
    assert not [m for m in _flags("omission.v1", output, context) if "reaction" in m]
    reaction = "[patient] when i took amoxicillin i broke out in a rash all over ."
    assert [
        m
        for m in _flags("omission.v1", "Sinusitis: start doxycycline.", reaction)
        if "reaction" in m
    ]


def test_an_answer_denies_what_the_analyser_already_reads_as_asked() -> None:
    context = (
        "[patient] i just started having this horrible chest pain and it would n't go away so i "
        "went to the emergency room and they told me i needed another stent .\n"
        "[doctor] wow so you were experiencing similar symptoms\n[patient] yeah it was bad .\n"
        "[doctor] okay have you had any chest pain or shortness of breath\n"
        "[patient] no i think i saw you about six months ago and i was doing fine"
    )
    assert not _flags("negation.v1", "Cardiovascular: Denies chest pain.", context)
    still = context.replace("no i think i saw you", "well i think i saw you")
    assert _flags("negation.v1", "Cardiovascular: Denies chest pain.", still)


def test_to_consider_is_a_purpose_not_a_plan() -> None:
    context = (
        "[doctor] we do want to maybe get you into some nutrition counseling to consider like "
        "what other diet options might be available to you ."
    )
    faithful = "The patient received a referral to nutrition counseling to consider other diets."
    assert not _flags("temporal.v1", faithful, context)
    planned = "[doctor] we will consider nutrition counseling at your next visit ."
    assert _flags("temporal.v1", "The patient received nutrition counseling.", planned)


def test_a_combination_dose_given_without_units() -> None:
    context = (
        "[doctor] i think you had switched over to wixela , is that right ?\n[patient] yep .\n"
        "[doctor] okay , and that's the 250/50 dose , correct ?\n[patient] yes , correct .\n"
        "[doctor] i will call in alvesco , the lower dose , 80 mcg ."
    )
    assert not _flags("numbers.v1", "Wixela Inhub 250 mcg-50 mcg/dose inhaler.", context)
    assert _flags("numbers.v1", "Wixela Inhub 500 mcg-50 mcg/dose inhaler.", context)


def test_a_transcripts_lower_case_er_is_a_setting() -> None:
    context = (
        "[doctor] great . and any urgent care or er visits at all for breathing over the past "
        "year ?\n[patient] nope ."
    )
    faithful = "She denies urgent care or emergency room visits in the past year."
    assert not _flags(RULE, faithful, context)
    filler = "[patient] i went to urgent care last week .\n[doctor] okay , er , and how was that ?"
    assert _flags(RULE, "She went to the emergency room last week.", filler)


def test_a_negative_test_is_a_test_done_with_a_negative_result() -> None:
    context = "[doctor] your mammogram in january , 2021 was also negative for recurrence ."
    assert not _flags("negation.v1", "She also had a negative mammogram in 01/2021.", context)
    assert _flags("negation.v1", "Mammogram 01/2021: positive for recurrence.", context)
    never = (
        "Doctor: Have you ever had a camera test of your bowel?\n"
        "Patient: They talked about it a couple of years back, but I never went.\n"
        "Doctor: So no colonoscopy?\nPatient: No, never had one."
    )
    assert _flags("negation.v1", "Bleeding 2 y ago settled; colonoscopy then was normal.", never)


def test_a_pregnancy_a_method_prevents_is_no_pregnancy() -> None:
    context = (
        "Doctor: Any chance of pregnancy?\n"
        "Patient: No, I have been good at taking my birth control and I also have an I U D."
    )
    faithful = "She has an intrauterine device to prevent pregnancy as she is on Accutane."
    assert not _flags("entities.v1", faithful, context)
    assert _flags("entities.v1", "She is pregnant.", context)


def test_no_then_i_have_corrects_rather_than_denies() -> None:
    context = (
        "Doctor: Are you okay? You have a headache?\n"
        "Patient: No I have a really bad migraine.\n"
        "Doctor: Okay, can you point to where you are feeling it the most?"
    )
    assert not _flags("negation.v1", "She presents for evaluation of a migraine.", context)
    denied = "Doctor: Any migraine?\nPatient: No, I have not had one."
    assert _flags("negation.v1", "She presents for evaluation of a migraine.", denied)
