"""Session 12: readings that flagged faithful scribe notes of long visit dialogues, each with a
control that the same rule still catches the error it is for."""

from __future__ import annotations

import pytest

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports the compare stage
from medfact.analysis import AFFIRMED, NEGATED
from medfact.compare import RULE, CompareStage
from medfact.errors import ConfigError
from medfact.pipeline import cached_engine
from medfact.severity import apply_policy, case_floor, parse_policy
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.testing import analysed, run_rule
from medfact.types import Finding


def _polarity(context: str, word: str) -> str:
    doc = analysed("x", context).context
    assert doc is not None
    return next(t.polarity for t in doc.tokens if t.text == word)


def _risks(rule: str, output: str, context: str) -> list[int]:
    if rule == RULE:  # compare.v1 is a stage of the pipeline, not a registered rule
        engine = cached_engine(
            {"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}}
        )
        doc = analysed(output, context)
        CompareStage(engine.settings, engine.parts)(doc)
        return [f.risk for f in doc.findings if f.rule == RULE and f.risk >= 3]
    return [f.risk for f in run_rule(rule, output, context) if f.risk >= 3]


def test_a_question_that_closes_a_list_asks_of_the_items_before_it() -> None:
    ctx = (
        "[doctor] blood in your stool .\n[patient] no .\n"
        "[doctor] weight loss . anything like that ?\n[patient] no .\n"
    )
    assert _polarity(ctx, "loss") == NEGATED
    assert _risks("negation.v1", "He denies weight loss.", ctx) == []
    # control: a "yes" to the closing question leaves the item stated
    said = "[doctor] weight loss . anything like that ?\n[patient] yes , about ten pounds .\n"
    assert _polarity(said, "loss") == AFFIRMED


def test_a_denial_may_open_with_its_auxiliary() -> None:
    ctx = (
        "[doctor] have you had any more of that chest pain since the stent ?\n"
        "[patient] i have not had any chest pain since no a little sore right after surgery\n"
    )
    assert _risks("negation.v1", "Denies chest pain.", ctx) == []
    # control: the denial now read is a denial ("reports chest pain" contradicts it), and one
    # far from the word does not reach it
    assert _risks("negation.v1", "Reports chest pain since the stent.", ctx) != []
    far = "[doctor] he has not had any improvement with diet , i recommend a cholecystectomy"
    assert _risks("negation.v1", "I recommend a laparoscopic cholecystectomy.", far) == []


def test_not_passing_urine_is_retention_not_a_denial_of_urine() -> None:
    ctx = "He has not passed urine since this morning despite feeling the need."
    assert _risks("negation.v1", "Urinary retention since this AM.", ctx) == []


def test_loss_of_appetite_is_not_weight_loss() -> None:
    ctx = "[doctor] any weight loss ?\n[patient] no , no unintentional weight loss .\n"
    assert _risks("negation.v1", "Positive for loss of appetite.", ctx) == []
    # control: loss of weight is weight loss
    assert _risks("negation.v1", "Positive for loss of weight.", ctx) != []


def test_an_appetite_told_by_degree_is_no_denial() -> None:
    ctx = "[patient] i have n't had much of an appetite for the past two months ."
    assert _risks("negation.v1", "She admits to a poor appetite.", ctx) == []


def test_oxygen_saturation_is_measured_not_a_relatives_oxygen() -> None:
    ctx = "[patient] my cousin gained a bunch of weight and he had to have oxygen ."
    assert _risks("negation.v1", "Oxygen saturation is in the 95 percent range.", ctx) == []


def test_a_denied_kind_of_cough_is_no_denial_of_the_cough() -> None:
    ctx = "[doctor] does he also have a cough ?\n[patient_guest] yes , but it's not barky .\n"
    assert _risks("negation.v1", "He does not have a barky cough.", ctx) == []
    assert _risks("negation.v1", "He does not have a cough.", ctx) != []


def test_a_range_that_holds_the_inputs_value_agrees() -> None:
    ctx = "[doctor] how often are you getting it ?\n[patient] probably about three times a week ."
    assert _risks("numbers.v1", "Chest pain 3-4 times a week.", ctx) == []
    assert _risks("numbers.v1", "Chest pain 5-6 times a week.", ctx) != []


def test_a_preposition_before_allergies_names_no_allergen() -> None:
    ctx = "[patient] a little bit of congestion , just from allergies , because of the pollen ."
    assert _risks("entities.v1", "Endorses nasal congestion form allergies.", ctx) == []


def test_a_refill_continues_the_drug() -> None:
    ctx = "[doctor] i'm going to send in a new refill for the clindamycin with 11 refills ."
    assert _risks("temporal.v1", "He was instructed to continue clindamycin.", ctx) == []
    held = "[doctor] hold the clindamycin for now ."
    assert _risks("temporal.v1", "He was instructed to continue clindamycin.", held) != []


def test_until_told_to_stop_is_a_condition_not_a_stop() -> None:
    ctx = "[doctor] continue with your aspirin , you're gon na take it lifelong ."
    out = "He will continue aspirin for life or until he is instructed to discontinue it."
    assert _risks("temporal.v1", out, ctx) == []
    assert _risks("temporal.v1", "Aspirin was discontinued.", ctx) != []


def test_a_repeat_test_is_another_than_the_one_done() -> None:
    ctx = "[doctor] i looked on the echocardiogram and it showed mild mitral regurgitation ."
    assert _risks("temporal.v1", "Repeat echocardiogram ordered in 6 months.", ctx) == []


def test_routine_blood_work_to_get_is_planned_and_done_after_is_to_come() -> None:
    ctx = (
        "[doctor] i'd like to get some just normal blood work , and after you get the blood "
        "tests after that's all done i want you to come in to see me ."
    )
    assert _risks("temporal.v1", "Routine blood work was ordered.", ctx) == []


def test_a_time_the_reply_corrects_is_the_replys() -> None:
    ctx = (
        "[doctor] i know you had the cataract surgery about three months ago , vision okay ?\n"
        "[patient] that was about four and a half months ago and it's been great .\n"
    )
    assert _risks("temporal.v1", "Cataract surgery about 4.5 months ago.", ctx) == []
    assert _risks("temporal.v1", "Cataract surgery about 6 months ago.", ctx) != []


def test_a_time_of_another_event_nearby_is_no_correction() -> None:
    ctx = "Fever began three days ago, followed by a rash on the trunk yesterday."
    assert _risks("temporal.v1", "Truncal rash x3 d, then fever since yesterday.", ctx) != []


def test_a_denied_current_habit_does_not_clash_with_its_history() -> None:
    ctx = "[doctor] let me know are you currently like smoking\n[patient] no\n"
    assert _risks("temporal.v1", "He has a history of smoking.", ctx) == []
    smoker = "[doctor] are you currently smoking\n[patient] yes , a pack a day\n"
    assert _risks("temporal.v1", "He has a history of smoking, quit years ago.", smoker) != []


def test_a_mention_with_a_clause_of_its_own_after_it_is_stated() -> None:
    ctx = (
        "[patient] sometimes i get migraine but i know i never really take anything for it , "
        "once a year or so"
    )
    assert _risks("entities.v1", "She has migraines every 1 to 2 years.", ctx) == []
    declined = "[doctor] we offered a colonoscopy but she declined ."
    assert _risks("entities.v1", "She had a colonoscopy.", declined) != []


def test_a_drugless_rate_agreeing_with_the_claims_other_drug_is_that_drugs() -> None:
    ctx = (
        "[doctor] you're on lisinopril 20 mg . and the metformin , you're supposed to be taking a "
        "thousand milligrams twice a day , are you taking it twice a day ?\n[patient] yes .\n"
    )
    out = "Patient reports taking lisinopril 20 mg daily and metformin 1000 mg twice a day."
    assert _risks(RULE, out, ctx) == []
    # control: the same rate against the one drug the claim names
    assert _risks(RULE, "Patient reports taking metformin 1000 mg daily.", ctx) != []


def test_a_side_the_patient_puts_right_replaces_the_one_said_before() -> None:
    ctx = (
        "[doctor] i see you coming in with some right elbow pain .\n"
        "[patient] it's actually my left elbow , my left arm .\n"
        "[doctor] okay they must have written that down wrong .\n"
    )
    out = "The patient locates his pain at his left elbow."
    assert _risks("laterality.v1", out, ctx) == []
    # control: without the correction the right side stands
    said = "[doctor] i see you coming in with some right elbow pain .\n"
    assert _risks("laterality.v1", out, said + "[patient] yes , my elbow , i fell on it .\n") != []


def test_what_a_claim_says_of_its_other_side_is_not_said_of_this_one() -> None:
    ctx = (
        "[doctor] she has an atrophic right kidney . her right kidney is smaller which is making "
        "her left kidney work harder , causing the left to appear bigger ."
    )
    out = "Yearly ultrasound to monitor the hypertrophic left kidney and atrophic right kidney."
    assert _risks("laterality.v1", out, ctx) == []


def test_not_knowing_if_is_a_hedge_and_the_hedged_diagnosis_is_not_established() -> None:
    ctx = (
        "[doctor] based on your exam you have a mcl tear well mcl strain i apologize i do n't "
        "know if you have a tear yet we have to do a mri for that"
    )
    assert _polarity(ctx, "tear") == AFFIRMED  # the first, said and taken back
    doc = analysed("x", ctx).context
    assert doc is not None
    assert [t.polarity for t in doc.tokens if t.text == "tear"][-1] == "uncertain"
    out = "MRI of the right knee to evaluate for a possible MCL tear."
    assert _risks("certainty.v1", out, ctx) == []
    assert _risks("certainty.v1", out, "MRI right knee: complete MCL tear. Plan: repair.") != []


def test_a_transcripts_spelling_of_a_drug_supports_it_but_another_drug_does_not() -> None:
    ctx = "[doctor] see you're on a combination of sysplatin and a topicide , last dose days ago"
    assert _risks("drugs.v1", "Chemotherapy with cisplatin and etoposide.", ctx) == []
    # control: a look-alike, sound-alike drug that the input names is another drug
    lasa = "[doctor] i'll start hydroxyzine 25 mg at night for the itching"
    assert _risks("drugs.v1", "Started hydralazine 25 mg.", lasa) != []


def test_a_rate_of_another_strength_is_another_products() -> None:
    ctx = (
        "[doctor] 4-5 % benzoyl peroxide wash for the face . recommend PanOxyl 10 % foaming wash "
        "to the back in the shower daily ."
    )
    assert _risks("numbers.v1", "4-5 % benzoyl peroxide facial wash twice daily.", ctx) == []
    assert _risks("numbers.v1", "PanOxyl 10 % foaming wash to the back twice daily.", ctx) != []


# --- the severity policy's ceiling on long conversations ---------------------------------------

_VISIT = (
    "[doctor] hi , how are you doing today ? what brings you in ?\n"
    "[patient] my knee has been bothering me , the right one , for about two weeks now .\n"
) * 20 + "[doctor] any chest pain ?\n[patient] no , none at all .\n"


def _finding(rule: str, risk: int, span: tuple[int, int]) -> Finding:
    return Finding(
        category=ErrorCategory.DETAIL_MISIDENTIFICATION,
        risk=RiskLevel(risk),
        span=span,
        message="a reading",
        relation="contradicted",
        rule=rule,
        confidence=0.75,
    )


def test_a_long_conversations_unfloored_reading_is_graded_check() -> None:
    output = "Reports chest pain. Takes warfarin."
    capped = _finding("negation.v1", 4, (0, 19))
    [graded] = apply_policy([capped], output, _VISIT, [], [], dialogue=True)
    assert graded.risk == RiskLevel.LOW and graded.policy == "evidence.long_conversation"
    assert case_floor([graded]) == 2
    # controls: the same finding on a short exchange, or on a long written note, stays
    short = "[doctor] any chest pain ?\n[patient] no .\n"
    assert apply_policy([capped], output, short, [], [], dialogue=True)[0].risk == 4
    assert apply_policy([capped], output, _VISIT, [], [], dialogue=False)[0].risk == 4
    # a finding a row floors keeps its floor: a fabricated anticoagulant stays unsafe
    start = output.index("warfarin")
    drug = _finding("entities.v1", 3, (start, start + len("warfarin")))
    [kept] = apply_policy([drug], output, _VISIT, [], [], dialogue=True)
    assert kept.risk == RiskLevel.HIGH and kept.policy == "high_alert.anticoagulant"
    # a rule the ceiling does not name (doses, drugs; certainty and comparison shifts, which
    # were no false alarms on long transcripts) is left as it is
    for rule in ("numbers.v1", "certainty.v1", "comparison.v1"):
        kept_risk = _finding(rule, 3, (0, 19))
        assert apply_policy([kept_risk], output, _VISIT, [], [], dialogue=True)[0].risk == 3


def test_the_ceiling_holds_through_the_pipeline_and_the_table_is_checked() -> None:
    engine = cached_engine({"pipeline": {"learned_verifiers": [], "model": ""}})
    # a pain the input tells of, denied: a reading the ceiling grades down (a finding the input
    # denies outright and the output affirms is firm: tests/test_l12_conversation.py)
    told = _VISIT.replace("[patient] no , none at all .", "[patient] i've had some chest pain .")
    flipped = engine.score_one("Denies chest pain.", told)
    assert flipped.risk_level <= 2
    assert any(f.policy == "evidence.long_conversation" for f in flipped.findings)
    with pytest.raises(ConfigError, match=r"\[conversation\]"):
        parse_policy(
            {
                "row": [{"id": "a.b", "floor": 3, "match": "term", "terms": ["x"], "source": "s"}],
                "conversation": {
                    "id": "c",
                    "ceiling": 9,
                    "min_chars": 1,
                    "rules": [],
                    "source": "",
                },
            }
        )


def test_a_region_holds_its_parts_in_the_plural_too() -> None:
    ctx = "[doctor] on exam of your knees , bilateral knees show no swelling ."
    out = "Bilateral lower extremities without edema."
    assert _risks("laterality.v1", out, ctx) == []
    flagged = [f.message for f in run_rule("laterality.v1", out, ctx)]
    assert not any("not the extremities" in m for m in flagged)
    # control: a part that is no part of the region is another place
    assert _risks("laterality.v1", "Left knee swelling.", "[doctor] your left elbow is swollen .")


def test_a_hemoglobin_in_grams_per_litre_is_read_at_its_scale() -> None:
    from medfact.severity import Texts, classify

    f = _finding("numbers.v1", 3, (0, 10))
    normal = classify(f, Texts(span="Haemoglobin 131", context="Haemoglobin 131"))
    assert normal is None or normal.id != "lab.critical_value"
    low = classify(f, Texts(span="Haemoglobin 62", context="Haemoglobin 62"))
    assert low is not None and low.id == "lab.critical_value"
    assert classify(f, Texts(span="Hb 6.2", context="Hb 6.2")).id == "lab.critical_value"


def test_a_unit_per_litre_is_no_side() -> None:
    from medfact.severity import Texts, classify

    f = _finding("numbers.v1", 3, (0, 10))
    row = classify(f, Texts(span="Sodium 131 mmol/L", context="Sodium 134 mmol/L"))
    assert row is None or row.id != "safety.side_site"
    side = classify(f, Texts(span="L knee", context="R knee"))
    assert side is not None and side.id == "safety.side_site"
