"""Session 12: readings that flagged faithful twins (issue 13's false alarms), each with a control
that the same rule still reports the error."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports the compare stage
from medfact.analysis import AFFIRMED, NEGATED
from medfact.compare import RULE, CompareStage
from medfact.pipeline import cached_engine
from medfact.testing import analysed, run_rule
from medfact.verifiers.polarity import read_polarity

_RULES_ONLY = {"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}}


def _compared(output: str, context: str) -> list[str]:
    """compare.v1's contradictions (a stage, not a registered rule)."""
    engine = cached_engine(_RULES_ONLY)
    doc = analysed(output, context)
    CompareStage(engine.settings, engine.parts)(doc)
    return [f.message for f in doc.findings if f.rule == RULE and f.relation == "contradicted"]


def _risks(rule: str, output: str, context: str) -> list[int]:
    return [int(f.risk) for f in run_rule(rule, output, context)]


def test_a_temperature_below_a_fever_is_no_fever() -> None:
    exam = "Doctor: okay on exam temperature {}, right knee incision with staples in place"
    normal = exam.format("ninety nine point one")
    assert _risks("negation.v1", "Denies fever and chills.", normal) == []
    assert _risks("negation.v1", "Denies fever.", "On exam temperature 37.2, chest clear.") == []
    # controls: a reading in the fever range, and a temperature had, still contradict it
    febrile = exam.format("one hundred and one point two")
    assert _risks("negation.v1", "Denies fever and chills.", febrile) == [4]
    assert _risks("negation.v1", "Denies fever.", "On exam temperature 38.9, chest clear.") == [4]
    assert _risks("negation.v1", "Denies fever.", "She has had a temperature since Monday.") == [4]


def test_a_treatment_that_will_not_be_started_is_denied() -> None:
    ctx = "Plan: start sertraline 25 mg daily, refer to CBT, no benzodiazepines, follow up."
    said = "We discussed why a benzodiazepine will not be started given alcohol use."
    assert _risks("negation.v1", said, ctx) == []
    out = analysed(said, ctx).output
    assert out is not None
    polarity = {t.text: t.polarity for t in out.tokens}
    assert polarity["benzodiazepine"] == NEGATED
    assert polarity["alcohol"] == AFFIRMED  # the reason after it is not denied
    # controls: a start still contradicts the input; a person's "not be" still looks ahead
    assert _risks("negation.v1", "A benzodiazepine will be started for sleep.", ctx) == [3]
    person = analysed("She will not be prescribed opioids.").output
    assert person is not None
    assert next(t.polarity for t in person.tokens if t.text == "opioids") == NEGATED


def test_two_tens_numbers_said_in_a_row_are_two_numbers() -> None:
    ctx = "Doctor: and the entresto you're on the twenty four twenty six twice a day\nPatient: yes"
    doc = analysed("x", ctx).context
    assert doc is not None
    assert [q.value for q in doc.quantities][:2] == [24.0, 26.0]
    assert run_rule("numbers.v1", "Sacubitril/valsartan 24/26 mg BID.", ctx) == []
    # controls: hundreds said the short way, and a tens number with its units, stay one number
    spoken = analysed("x", "weight one seventy eight, dose seven fifty, in nineteen eighty four")
    assert spoken.context is not None
    assert [q.value for q in spoken.context.quantities] == [178.0, 750.0, 1984.0]
    assert run_rule("numbers.v1", "Sacubitril/valsartan 49/51 mg BID.", ctx) != []


def test_a_dose_before_the_plan_stops_it_is_no_contradiction() -> None:
    ctx = (
        "Doctor: my impression acute urinary retention likely precipitated by pseudoephedrine. "
        "let's go ahead and start tamsulosin, stop the pseudoephedrine and any decongestants."
    )
    assert _risks("temporal.v1", "He took pseudoephedrine two days ago.", ctx) == []
    # control: a dose given now, where the plan stops the drug, still contradicts it
    assert _risks("temporal.v1", "Pseudoephedrine given today.", ctx) == [4]


def test_a_titration_step_and_target_carry_the_dose_unit() -> None:
    ctx = (
        "Doctor: let's go ahead and start topiramate twenty five milligrams at night, increase "
        "by twenty five each week to fifty twice daily, limit excedrin"
    )
    said = "Start topiramate 25 mg qHS, increase by 25 mg weekly to {} mg BID."
    assert _compared(said.format(50), ctx) == []
    # control: another target is still a dose the input does not give
    assert _compared(said.format(100), ctx)


def test_a_temperature_in_fahrenheit_is_no_sex_or_age() -> None:
    ctx = "Doctor: any fever?\nPatient: no\nDoctor: he can go home, and if fever over one hundred "
    ctx += "point four or uncontrolled pain go to the ER, man."
    said = "ED precautions: fever above {} F or uncontrolled pain."
    assert _risks("entities.v1", said.format("100.4"), ctx) == []
    assert _risks("entities.v1", said.format("103"), ctx) == []
    # control: an age with its sex still contradicts the input's
    assert 3 in _risks("entities.v1", "54 F with flank pain.", ctx)
    # a bare number after "fever over" is a temperature: another threshold differs from it
    assert _compared(said.format("100.4"), ctx) == []
    assert _compared(said.format("103"), ctx)
    assert _compared("Return if fever over 38 C.", ctx) == []  # 100.4 F, in Celsius


def test_a_denial_said_with_an_auxiliary_reads_as_the_input_means() -> None:
    ctx = (
        "Doctor: pain now\nPatient: it comes and goes, I haven't needed the oxycodone since "
        "Friday\nDoctor: okay, ibuprofen for pain, he can stop the oxycodone."
    )
    assert _risks("negation.v1", "No oxycodone needed since Friday.", ctx) == []
    doc = analysed("x", "Patient: I don't have any weakness as such, just clumsiness.").context
    assert doc is not None
    assert read_polarity(doc, next(t for t in doc.tokens if t.text == "weakness")) is not None
    # control: a patient who still needs it contradicts the output
    still = "Doctor: pain now\nPatient: I still need the oxycodone at night\nDoctor: okay."
    assert _risks("negation.v1", "No oxycodone needed since Friday.", still) == [3]
    # "hasn't had a drink since Tuesday": "last drink Tuesday" tells when it last was
    son = "Son: He hasn't had a drink since he came in on Tuesday.\nDoctor: Thank you."
    assert _risks("negation.v1", "Last drink Tue (on admission).", son) == []
    assert _risks("negation.v1", "Drinks daily, a drink this morning.", son) == [4]


def test_a_result_after_the_words_it_reports_denies_them() -> None:
    ctx = "urinalysis today small blood no leukocyte esterase no nitrites. creatinine normal."
    assert _risks("negation.v1", "Leukocyte esterase and nitrite negative.", ctx) == []
    out = analysed("Urine dipstick negative. Reflexes bilateral all negative.").output
    assert out is not None
    # a test's result is the test's; "all negative" is said of items the rule reads otherwise
    assert {t.text for t in out.tokens if t.polarity == NEGATED} == set()
    # control: an affirmed finding still contradicts the input's denial
    assert _risks("negation.v1", "Leukocyte esterase positive.", ctx) == [3]


def test_an_opinion_and_the_input_s_own_continue_are_no_ban() -> None:
    ctx = (
        "Doctor: have you passed it\nPatient: I don't think so I've been peeing through the "
        "strainer nothing yet\nDoctor: okay keep straining."
    )
    assert _risks("unsupported.v1", "Continue straining urine.", ctx) == []
    plan = (
        "Doctor: let's go ahead and continue mycophenolate for now with the pill, and keep her "
        "off mycophenolate at least three months before conception."
    )
    said = "Continue mycophenolate with oral contraception for now."
    assert 3 not in _risks("unsupported.v1", said, plan)
    # controls: a ban alone, or a "do not continue", still forbids it
    ban = "Doctor: keep her off mycophenolate at least three months before conception."
    assert 3 in _risks("unsupported.v1", said, ban)
    stop = "Doctor: do not continue the mycophenolate, stop it now."
    assert 3 in _risks("unsupported.v1", "Continue mycophenolate.", stop)


def test_a_result_names_what_came_before_it_not_the_next_order() -> None:
    ctx = (
        "Doctor: ECG in the office today atrial fibrillation rate seventy, no peaked T waves, "
        "QRS normal. repeat potassium today stat. creatinine on tuesday one point six."
    )
    assert _risks("negation.v1", "CHIEF COMPLAINT: Abnormal labs (elevated potassium).", ctx) == []
    # control: the result said of the potassium itself still contradicts
    normal = "Doctor: ECG today, QRS normal, potassium normal. repeat in a week."
    assert _risks("negation.v1", "Potassium abnormal on labs.", normal) == [3]


def _degrees(output: str, context: str) -> list[str]:
    """certainty.v1's comparisons with a degree word of the input."""
    found = run_rule("certainty.v1", output, context)
    return [f.message for f in found if "than the input's" in f.message]


def test_a_degree_is_compared_only_with_one_about_the_same_finding() -> None:
    # a time word is no shared topic; a drug's dosing is no finding's frequency; a body part
    # alone names no finding of a degree
    now = (
        "Doctor: left atrium mildly dilated now. my impression paroxysmal atrial fibrillation "
        "now maintaining sinus rhythm after cardioversion."
    )
    assert _degrees("Reports marked improvement now.", now) == []
    dosing = "Doctor: continue isotretinoin sixty milligrams daily, petrolatum to lips."
    assert _degrees("Reports occasional lip dryness.", dosing) == []
    wrist = "Patient: the wrist swells sometimes\nDoctor: still active at the right wrist."
    assert _degrees("Persistent activity at the right wrist.", wrist) == []
    # controls: the same finding's frequency and a diagnosis named by its organ still differ
    assert _degrees("Reports occasional lip dryness.", "Patient: lip dryness daily.")
    assert _degrees("Persistent wrist swelling.", "Patient: wrist swelling sometimes.")
    colic = "Doctor: It might well be a kidney stone, but I want a CT scan to be sure."
    assert _risks("certainty.v1", "Renal colic confirmed.", colic) == [3]


def test_a_section_name_a_past_start_and_another_act_are_no_medication_change() -> None:
    ctx = (
        "Doctor: seropositive rheumatoid arthritis improving but still active at the right "
        "wrist. continue methotrexate fifteen milligrams once weekly."
    )
    assert _risks("temporal.v1", "HISTORY OF PRESENT ILLNESS: Seropositive RA.", ctx) == []
    said = "She stopped drinking alcohol when starting methotrexate."
    assert _risks("temporal.v1", said, ctx) == []
    # controls: a history, a stop and a start of the drug itself still differ from the plan
    assert _risks("temporal.v1", "History of seropositive RA.", ctx) == [3]
    assert _risks("temporal.v1", "Methotrexate stopped.", ctx) == [4]
    assert _risks("temporal.v1", "Start methotrexate 15 mg weekly.", ctx) == [4]


def test_a_spoken_no_after_a_finding_denies_it() -> None:
    ctx = "Doctor: any dizziness or fainting\nPatient: no fainting. dizzy no\nDoctor: okay"
    assert _compared("She denies dizziness and syncope.", ctx) == []
    # controls: "or no" asks, and a finding the patient affirms still contradicts the denial
    asked = analysed("x", "Patient: is that normal or no").context
    assert asked is not None
    assert next(t.polarity for t in asked.tokens if t.text == "normal") == AFFIRMED
    yes = "Doctor: any dizziness or fainting\nPatient: no fainting. dizzy yes\nDoctor: okay"
    assert _compared("She denies dizziness and syncope.", yes)


def test_a_treatment_s_denial_is_not_its_indication_s() -> None:
    note = "Hydralazine 25 mg at 22:00. Hydroxyzine 25 mg PRN for itch was offered but declined."
    assert _risks("negation.v1", "PRN hydroxyzine 25 mg for itch offered - declined.", note) == []
    out = analysed("Had asked about diazepam for daytime anxiety - not prescribed").output
    assert out is not None
    polarity = {t.text: t.polarity for t in out.tokens}
    assert (polarity["diazepam"], polarity["anxiety"]) == (NEGATED, AFFIRMED)
    # control: the indication itself denied still contradicts an input that has it
    assert _risks("negation.v1", "No itch.", "Patient: my skin has been itching all week.")


def test_a_word_that_names_the_kind_of_a_denied_treatment() -> None:
    plan = "Impression: viral conjunctivitis. Plan: cool compresses, lid hygiene, no antibiotics."
    assert _risks("negation.v1", "Antibiotic drops are not needed.", plan) == []
    diabetes = "Doctor: So no medicines needed for the diabetes for now. Your diabetes is mild."
    assert _risks("negation.v1", "Plan: no diabetes meds for now", diabetes) == []
    # controls: the treatment started, or the disease denied, still contradict the input
    assert _risks("negation.v1", "Antibiotic drops were started.", plan) == [3]
    assert _risks("negation.v1", "No diabetes.", diabetes) == [4]
    # a list before the verb is still the list's ("the tumor and margins were negative")
    listed = analysed("The tumor and margins were negative.").output
    assert listed is not None
    assert read_polarity(listed, listed.tokens[1]) is not None
    assert read_polarity(listed, listed.tokens[1]).polarity == AFFIRMED


def test_a_reply_s_bare_numbers_carry_the_asked_dose_s_unit() -> None:
    ctx = (
        "Doctor: and the warfarin you're taking the three milligrams every day\n"
        "Daughter: three every day except mondays and fridays it's four and a half\n"
        "Doctor: okay and her INR tuesday was two point six so that's fine"
    )
    said = "Warfarin 3 mg daily except {} mg on Mondays and Fridays (per daughter)."
    assert _compared(said.format("4.5"), ctx) == []
    # controls: another dose still differs; a note's lines are no turns ("MAP > 65")
    assert _compared(said.format("6"), ctx)
    note = "Sedation: fentanyl 50 micrograms/hour.\nNoradrenaline 0.08 micrograms/kg/min, MAP 65."
    assert _compared("Sedation: fentanyl 50 mcg/h.\nNorad 0.08 mcg/kg/min, MAP > 65.", note) == []


def test_a_result_after_a_code_is_the_code_s() -> None:
    ctx = (
        "Doctor: labs creatinine zero point seven, C3 and C4 normal, double stranded DNA low "
        "positive, stable. anti-Ro and La negative."
    )
    said = "RESULTS: creatinine 0.7, C3/C4 normal, dsDNA low-positive (stable)."
    assert _compared(said, ctx) == []
    # control: the code's result changed still differs
    assert _compared("RESULTS: C3/C4 abnormal.", ctx)


def test_a_subject_and_its_past_verb_end_a_denied_list() -> None:
    ctx = "Nurse A: Yeah. No bleeding, I checked her gums, urine and stools, all fine."
    said = "INR 8.2 - no bleeding (gums, urine, stools checked)."
    assert _risks("negation.v1", said, ctx) == []
    # control: a list without a clause of its own is still denied item by item
    listed = analysed("No cough, wheeze, or sputum.").output
    assert listed is not None
    assert {t.text for t in listed.tokens if t.polarity == NEGATED} >= {"cough", "sputum"}
    assert _risks("negation.v1", "Ongoing bleeding from the gums.", ctx) == [4]
