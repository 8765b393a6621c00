"""Session 13 (helper C2): facts compared on fresh text - routes written after a dose, values
the input writes in another form, drugs taken up again, "new" that names no drug, brain and
joint sides - each with a control that the rule still reports the error."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - registers the rules
from medfact.testing import analysed, run_rule
from medfact.verifiers.route import route_mentions
from medfact.verifiers.temporal import mentions


def _messages(rule: str, output: str, context: str) -> list[str]:
    return [f.message for f in run_rule(rule, output, context)]


def _routes(text: str) -> list[tuple[str, str]]:
    return [(m.route, m.drug) for m in route_mentions(analysed(text, "x").output)]


def _actions(text: str) -> list[tuple[str, str | None]]:
    doc = analysed(text, "x").output
    return [(m.value, m.drug) for m in mentions(doc, carry=True) if m.kind == "action"]


def test_a_route_after_a_dose_is_that_drugs() -> None:
    given = "Given diclofenac 75 mg IM and ondansetron 4 mg IV. Discharge with diclofenac PR PRN."
    assert _routes("Given diclofenac 75 mg IM and ondansetron 4 mg IV.") == [
        ("intramuscular", "diclofenac"),
        ("intravenous", "ondansetron"),
    ]
    assert (
        _messages("route.v1", "Analgesia: diclofenac 75 mg IM, ondansetron 4 mg IV.", given) == []
    )
    assert _routes("Analgesia: fentanyl 12 mcg/h patch + morphine 5 mg PO PRN.") == [
        ("transdermal", "fentanyl"),
        ("oral", "morphine"),
    ]
    # control: the route changed on the drug before its dose is still read
    assert _messages("route.v1", "Analgesia: diclofenac 75 mg IV, ondansetron 4 mg IV.", given)


def test_a_route_before_an_item_with_a_route_of_its_own_is_not_the_next_drugs() -> None:
    ctx = "Hospital course: IV vancomycin then switched to oral linezolid 600 mg every 12 hours."
    # "vanc" is in the drug lexicon since helper A2's short names: its own IV is read too
    assert _routes("Course: IV vanc -> PO linezolid 600 mg q12h.") == [
        ("intravenous", "vancomycin"),
        ("oral", "linezolid"),
    ]
    assert _messages("route.v1", "Course: IV vanc -> PO linezolid 600 mg q12h.", ctx) == []
    # controls: routes joined by "then" qualify the one drug; a changed route is a finding
    assert _routes("treated with IV then oral amoxicillin") == [
        ("intravenous", "amoxicillin"),
        ("oral", "amoxicillin"),
    ]
    assert _messages("route.v1", "Course: IV linezolid 600 mg q12h.", ctx)


def test_a_value_written_otherwise_in_the_input_is_supported() -> None:
    handover = "SpO2 95% on 2 L. Potassium 3.1 - 20 mmol KCl in 1 L saline running over 8 h."
    assert _messages("numbers.v1", "K+ 3.1: 20 mmol KCl/1 L NaCl 0.9% over 8 h.", handover) == []
    assert (
        _messages("numbers.v1", "81-year-old woman, fall on warfarin.", "81F fall on warfarin.")
        == []
    )
    plan = "Stop warfarin 5 days pre-op (last dose 15 October), bridge from 17 October."
    assert _messages("numbers.v1", "Warfarin last dose 15/10; bridging from 17/10.", plan) == []
    # controls: another age, another day of that month, a saturation changed
    assert _messages("numbers.v1", "71-year-old woman, fall on warfarin.", "81F fall on warfarin.")
    assert _messages("numbers.v1", "Warfarin last dose 16/10; bridging from 17/10.", plan)
    assert _messages("numbers.v1", "Sats 90% on 2 L; KCl in NaCl 0.9%.", handover)


def test_a_drug_restarted_on_discharge_is_taken_up_again() -> None:
    ctx = "Metformin was withheld on admission because eGFR fell to 38; restarted on discharge."
    assert ("resumed", "metformin") in _actions(ctx)
    out = "Metformin held on admission (eGFR 38), restarted at discharge."
    assert _messages("temporal.v1", out, ctx) == []
    # controls: an input that only holds it, and "continue on" an object that is no drug
    held = "Metformin was withheld on admission because eGFR fell to 38."
    assert any("resumed vs held" in m for m in _messages("temporal.v1", out, held))
    assert _actions("Metformin stopped. Continue on the diet.") == [("stopped", "metformin")]


def test_new_before_something_else_than_a_drug_starts_nothing() -> None:
    assert _actions("Epilepsy, new pregnancy (~6/40) on sodium valproate.") == []
    # controls: "new" before a drug or a prescription still starts it
    assert _actions("Plan: new metformin 500 mg BD.") == [("started", "metformin")]
    assert _actions("Given a new prescription for amlodipine.") == [("started", "amlodipine")]


def test_brain_regions_and_joint_replacements_carry_their_side() -> None:
    ct = "Acute subdural haematoma over the left frontoparietal convexity. Acute left SDH."
    assert _messages("laterality.v1", "Acute R frontoparietal subdural haematoma.", ct)
    assert _messages("laterality.v1", "Acute L frontoparietal subdural haematoma.", ct) == []
    knee = "Mr Shah, 64, for elective right total knee replacement on 21 October."
    assert _messages("laterality.v1", "Pre-op: 64M, elective L TKR.", knee)
    assert _messages("laterality.v1", "Pre-op: 64M, elective R TKR.", knee) == []
    colon = "Mr Park, 71, awaiting theatre for right hemicolectomy, NBM from midnight."
    assert _messages("laterality.v1", "71M awaiting L hemicolectomy: NBM since 00:00.", colon)
    assert _messages("laterality.v1", "71M awaiting R hemicolectomy: NBM since 00:00.", colon) == []


def test_a_frequency_of_no_drug_the_input_gives_is_not_a_drugs() -> None:
    ctx = (
        "Reports constipation, opening bowels every 4 days. Started senna 15 mg at night and "
        "docusate 200 mg twice daily today."
    )
    out = "Constipation (BO every 4 days) - senna 15 mg ON + docusate 200 mg BD started."
    assert not [m for m in _messages("numbers.v1", out, ctx) if "frequency" in m]
    # control: a rate the input does not give is still compared with the input's
    changed = "Constipation (BO every 4 days) - senna 15 mg ON + docusate 200 mg QDS started."
    assert [m for m in _messages("numbers.v1", changed, ctx) if "frequency" in m]


def test_a_wait_between_two_events_is_after_one_and_before_the_other() -> None:
    ctx = "Given ulipristal 30 mg. Advised to wait 5 days before starting hormonal contraception."
    assert (
        _messages("temporal.v1", "Ulipristal given; POP after (wait 5 days after UPA).", ctx) == []
    )
    # control: without the wait, a time after for a time before is read
    told = "Take the first tablet 5 days before the procedure."
    assert _messages("temporal.v1", "First tablet 5 days after the procedure.", told)


def test_a_dose_kept_at_its_level_is_unchanged() -> None:
    ctx = (
        "Doctor: how have things been since we increased the sertraline\n"
        "Patient: a bit better\n"
        "Doctor: I'd like to keep the sertraline at a hundred for another four weeks"
    )
    out = "Plan: continue sertraline 100 mg mane, unchanged for 4/52."
    assert _messages("comparison.v1", out, ctx) == []
    # control: without a sentence keeping it, "unchanged" against the increase is a finding
    raised = "Doctor: how have things been since we increased the sertraline\nPatient: better"
    assert _messages("comparison.v1", "Sertraline 100 mg, unchanged.", raised)


def test_a_drug_the_input_decides_not_to_start_is_not_started() -> None:
    ctx = "I have not started azithromycin at this stage; we will reconsider if he worsens."
    started = "Plan: azithromycin prophylaxis started - revisit if further exacerbations."
    assert any("not started" in m for m in _messages("temporal.v1", started, ctx))
    ckd = "Metformin 500 mg BD withheld during admission and NOT restarted - GP to review."
    assert _messages("temporal.v1", "Metformin 500 mg BD - restarted at discharge.", ckd)
    # controls: the output that keeps it unstarted, and an input that starts it
    assert _messages("temporal.v1", "Plan: azithromycin not started for now.", ctx) == []
    begun = "I have started azithromycin three times a week."
    assert _messages("temporal.v1", started, begun) == []


def test_upper_and_lower_are_sides_of_one_part() -> None:
    ctx = "Admitted 3-7 March with right lower lobe community-acquired pneumonia, CURB-65 of 1."
    assert _messages("laterality.v1", "Adm 3-7 March: right upper lobe CAP (CURB-65 = 1).", ctx)
    back = "Excision of a lesion from the left upper back: superficial spreading melanoma."
    assert _messages("laterality.v1", "Histology (L lower back excision): SSM.", back)
    # controls: the same level, and a level the input does not contradict
    assert _messages("laterality.v1", "Adm: right lower lobe CAP (CURB-65 = 1).", ctx) == []
    assert _messages("laterality.v1", "Histology (L upper back excision): SSM.", back) == []
