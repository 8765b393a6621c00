"""Session 14: drugs, values and advice a note gives in another form than the input - a product
named with its drug in brackets, a number with its thousands separator, a drug named by the
service that doses it, "the surgery" that is a GP practice, a report's request line - each with a
control that a dropped or invented one is still reported."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - registers the rules
from medfact.testing import run_rule


def _risky(rule: str, output: str, context: str) -> list[str]:
    return [f.message for f in run_rule(rule, output, context) if f.risk >= 3]


def test_a_product_kept_by_name_keeps_the_drug_in_its_brackets() -> None:
    ctx = (
        "Rescue plan: Epistatus (midazolam 10 mg buccal liquid) if a seizure lasts over 5 min.\n"
        "Regular: levetiracetam 500 mg BD."
    )
    out = "If seizure >5 min: Epistatus 10 mg buccal. Regular levetiracetam 500 mg BD."
    assert not [m for m in _risky("omission.v1", out, ctx) if "midazolam" in m]
    # control: a plan without the product drops the sedative
    dropped = "Regular levetiracetam 500 mg BD."
    assert [m for m in _risky("omission.v1", dropped, ctx) if "midazolam" in m]


def test_a_critical_value_with_a_thousands_separator_is_the_same_number() -> None:
    ctx = "Bloods: troponin T 2,340 ng/L (ref <14). ECG: ST elevation V2-V5."
    kept = _risky("omission.v1", "Trop T 2340; anterior STEMI.", ctx)
    assert not [m for m in kept if "troponin" in m]
    # control: the value dropped, the abnormality alone named, is still reported
    named = _risky("omission.v1", "Raised troponin; anterior STEMI.", ctx)
    assert [m for m in named if "troponin" in m]


def test_a_reports_request_line_is_its_question_not_a_finding() -> None:
    ctx = (
        "CT HEAD\nClinical: 80F on apixaban, fall with head strike, new confusion and vomiting.\n"
        "Findings: 8 mm acute right subdural haematoma with 3 mm midline shift.\n"
        "Impression: acute right SDH. Neurosurgical referral advised."
    )
    out = "CT head: 8 mm acute R SDH, 3 mm midline shift. Neurosurgical referral advised."
    assert not [m for m in _risky("omission.v1", out, ctx) if "red flag" in m]
    # control: the same red flag told as the patient's history, not the report's question,
    # is still one the output must keep
    told = ctx.replace("Clinical: 80F", "Clinical: fall.\nShe is 80 and")
    assert any("red flag" in m for m in _risky("omission.v1", out, told))


def test_radioiodine_and_warfarin_named_by_what_the_input_says() -> None:
    iodine = "Patient: my sister had radioactive iodine for her overactive thyroid."
    assert _risky("drugs.v1", "FHx: sister - Graves', treated with radioiodine.", iodine) == []
    inr = "Nurse: your INR is 3.8 today, the target is two to three. Take 4 mg tonight."
    assert _risky("drugs.v1", "INR 3.8 (target 2-3): warfarin 4 mg tonight.", inr) == []
    # control: a target of another drug names no warfarin
    level = "Ciclosporin level 120, within the target range. Continue the same dose."
    assert _risky("drugs.v1", "Ciclosporin level in range; warfarin per INR.", level) != []


def test_contacting_the_surgery_is_safety_netting_not_a_specialty() -> None:
    ctx = (
        "Doctor: If the cough isn't better in three weeks, or you cough up blood, let us know "
        "straight away.\nPatient: Will do."
    )
    out = "Safety net: contact the surgery urgently if haemoptysis or no better in 3/52."
    assert not [m for m in _risky("unsupported.v1", out, ctx) if "content words" in m]
    # control: a referral to a surgical team the input never makes is still advice it lacks
    referral = "Plan: refer to surgery for excision of the lump."
    assert [m for m in _risky("unsupported.v1", referral, ctx) if "content words" in m]


def test_a_critical_value_on_a_reports_request_line_is_its_question() -> None:
    ctx = (
        "Coronary angiogram report. Indication: chest pain, troponin 4,120 ng/L.\n"
        "Findings: 90% proximal RCA stenosis, stented. LAD and circumflex unobstructed."
    )
    out = "Angiogram: 90% proximal RCA lesion stented; LAD and Cx unobstructed."
    assert not [m for m in _risky("omission.v1", out, ctx) if "troponin" in m]
    # control: the same value among the report's findings is still one to keep
    found = ctx.replace("Indication: chest pain, troponin", "Indication: chest pain. Troponin")
    assert [m for m in _risky("omission.v1", out, found) if "troponin" in m]
