"""Session 14: conditions and procedures a note names that the input implies without naming
(the treatment only the condition explains, a device's lay name, a relative's operation, a
queried diagnosis), each with a control that a fabricated one is still reported."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - registers the rules
from medfact.analysis import AFFIRMED, UNCERTAIN
from medfact.testing import analysed, run_rule


def _risky(rule: str, output: str, context: str) -> list[str]:
    return [f.message for f in run_rule(rule, output, context) if f.risk >= 3]


def _polarity(output: str, word: str) -> str:
    doc = analysed(output, "x").output
    return next(t.polarity for t in doc.tokens if t.text == word)


def test_copd_is_implied_by_its_own_inhalers_and_rehabilitation() -> None:
    ctx = (
        "Doctor: Still using the Spiriva every morning?\nPatient: Yes, and the blue one.\n"
        "Doctor: I'll put you forward for pulmonary rehabilitation at the leisure centre."
    )
    assert _risky("entities.v1", "COPD: on tiotropium, referred to pulmonary rehab.", ctx) == []
    # control: an asthma inhaler alone does not make a note's COPD
    asthma = "Doctor: Still using the brown inhaler twice a day?\nPatient: Yes, and the blue one."
    assert _risky("entities.v1", "COPD: on inhaled steroid.", asthma) != []


def test_ckd_is_implied_by_dialysis_planning_and_lay_staging() -> None:
    planned = "Seen in the low clearance clinic; he has opted for haemodialysis at home."
    assert _risky("entities.v1", "CKD 5, dialysis planning.", planned) == []
    said = "Patient: my kidneys are a bit weak, the nurse said stage three."
    assert _risky("entities.v1", "PMH: CKD stage 3.", said) == []
    # control: a normal renal result supports no chronic kidney disease
    normal = "Bloods: creatinine 78, kidney function normal."
    assert _risky("entities.v1", "PMH: CKD stage 3.", normal) != []


def test_stemi_is_named_from_st_elevation_and_appendicitis_from_an_inflamed_appendix() -> None:
    ecg = "ECG: 3 mm ST elevation V1-V4. Cath lab activated at 09:12."
    assert _risky("entities.v1", "Anterior STEMI; cath lab activated.", ecg) == []
    scan = "Doctor: the ultrasound shows the appendix is inflamed but not burst."
    assert _risky("entities.v1", "US: acute appendicitis, no perforation.", scan) == []
    # controls: chest pain with a normal ECG names no infarct; a sore tummy no appendicitis
    plain = "Central chest pain for an hour. ECG normal sinus rhythm."
    assert _risky("entities.v1", "Anterior STEMI; cath lab activated.", plain) != []
    tummy = "Doctor: the ultrasound of your tummy was normal."
    assert _risky("entities.v1", "US: acute appendicitis, no perforation.", tummy) != []


def test_an_ambulatory_ecg_and_a_laser_lithotripsy_by_their_lay_names() -> None:
    monitor = "Doctor: we'll fit a heart monitor for forty-eight hours to catch the flutters."
    assert _risky("entities.v1", "Plan: 48 h ambulatory ECG.", monitor) == []
    laser = "Doctor: we'll book a ureteroscopy and laser for the stone on the right."
    assert _risky("entities.v1", "Plan: R URS + laser lithotripsy.", laser) == []
    # control: a plan with neither names no ECG or lithotripsy
    none = "Doctor: come back in a month and we'll see how the pain is."
    assert _risky("entities.v1", "Plan: 48 h ambulatory ECG.", none) != []
    assert _risky("entities.v1", "Plan: R URS + laser lithotripsy.", none) != []


def test_a_relative_named_just_before_a_procedure_makes_it_theirs() -> None:
    ctx = "Doctor: contraception?\nPatient: my partner had the snip last year."
    assert _risky("entities.v1", "Contraception: partner vasectomy.", ctx) == []
    assert _risky("entities.v1", "Contraception: husband's vasectomy.", ctx) == []
    # control: the same operation said as the patient's own is not supported
    assert _risky("entities.v1", "PSH: vasectomy last year.", ctx) != []


def test_a_query_before_a_phrase_hedges_the_whole_phrase() -> None:
    out = "Pain L wrist after a fall - ?L distal radius fracture, XR requested."
    assert _polarity(out, "fracture") == UNCERTAIN
    assert _polarity(out, "requested") == AFFIRMED
    ctx = "Fell on an outstretched hand, tender over the left wrist. X-ray requested."
    assert _risky("entities.v1", out, ctx) == []
    # control: the query ends at a joining word, and an unqueried fracture is still reported
    assert _polarity("?Scaphoid injury and wrist fracture.", "fracture") == AFFIRMED
    assert _risky("entities.v1", "L distal radius fracture, XR requested.", ctx) != []


def test_a_named_valve_lesion_supports_valvular_disease() -> None:
    ctx = "Doctor: I think you may have aortic stenosis, a narrowing of the valve. An echo first."
    assert _risky("entities.v1", "Echo to assess for valvular disease.", ctx) == []
    # control: an echo for breathlessness alone names no valve disease
    plain = "Doctor: we will get an echo for the breathlessness."
    assert _risky("entities.v1", "Echo to assess for valvular disease.", plain) != []
