"""Session 15 (helper C2): pregnancy tests, allergy reactions, sides of named things, glucose
limits in mmol/L and drugs on hold.

Each capability has a control that fails without it and a twin that must stay as it is.
"""

from __future__ import annotations

import pytest

from medfact.errors import ConfigError
from medfact.pipeline import cached_engine
from medfact.severity import parse_policy
from medfact.testing import analysed, run_rule
from medfact.verifiers.temporal import mentions


def _messages(rule: str, output: str, context: str) -> list[str]:
    return [f.message for f in run_rule(rule, output, context)]


def _risk(output: str, context: str) -> int:
    engine = cached_engine(None, {"pipeline": {"learned_verifiers": [], "model": ""}})
    return int(engine.score({"id": "t", "output": output, "context": context}).risk_level)


# --- a pregnancy test result the input does not have yet -----------------------------------

_AWAITED = (
    "Gynae triage. 24-year-old with left-sided pelvic pain and a late period. A pregnancy test "
    "has been requested but she has not yet been able to give a urine sample. Obs stable."
)


def test_a_pregnancy_test_result_where_the_input_awaits_one() -> None:
    found = _messages("entities.v1", "24F, L pelvic pain, period late. hCG negative.", _AWAITED)
    assert any("has no result yet" in m for m in found)
    assert _risk("24F, L pelvic pain, period late. hCG negative.", _AWAITED) == 4
    # twins: the test given as awaited, or a result awaited ("until it is negative")
    assert not any(
        "no result" in m
        for m in _messages("entities.v1", "24F, L pelvic pain. UPT awaited.", _AWAITED)
    )
    assert not any(
        "no result" in m
        for m in _messages(
            "entities.v1", "24F, pelvic pain. No methotrexate until UPT negative.", _AWAITED
        )
    )


def test_a_pregnancy_ruled_out_where_the_input_awaits_the_test() -> None:
    ctx = "Pre-op clinic. Last period five weeks ago. We'll do a pregnancy test on the day."
    found = _messages("entities.v1", "Pre-op: denies possibility of pregnancy.", ctx)
    assert any("has no result yet" in m for m in found)
    # control: an input that gives the result is read as that result, not as awaited
    done = ctx.replace("We'll do a pregnancy test on the day.", "The pregnancy test was negative.")
    assert not any("no result" in m for m in _messages("entities.v1", "UPT negative.", done))


def test_a_test_result_answered_in_the_next_turn() -> None:
    ctx = (
        "Doctor: Could you be pregnant? Patient: I did a test. Doctor: And? "
        "Patient: I did one yesterday and it was positive."
    )
    found = _messages("entities.v1", "Home UPT yesterday negative.", ctx)
    assert any("pregnancy test is positive" in m for m in found)
    assert not any("pregnancy" in m for m in _messages("entities.v1", "Home UPT +ve.", ctx))


def test_a_urine_test_for_an_infection_is_no_pregnancy_test() -> None:
    ctx = "Dysuria for two days. We'll send a urine sample to the lab. No fever."
    assert not any("no result" in m for m in _messages("entities.v1", "Urine dip negative.", ctx))


# --- an allergic reaction made mild -------------------------------------------------------

_REACTION = (
    "Doctor: Any allergies? Patient: Enalapril. My tongue swelled up and I ended up in A&E. "
    "Doctor: OK, and anything else? Patient: No."
)


@pytest.mark.parametrize("mild", ["Enalapril (cough)", "Enalapril - rash"])
def test_a_mild_reaction_where_the_input_gives_a_severe_one(mild: str) -> None:
    found = _messages("entities.v1", f"Allergies: {mild}.", _REACTION)
    assert any("a mild reaction" in m for m in found)
    # twin: the severe reaction kept
    kept = "Allergies: enalapril (tongue swelling, A&E)."
    assert not any("mild reaction" in m for m in _messages("entities.v1", kept, _REACTION))


def test_a_rash_is_no_downgrade_of_a_rash() -> None:
    ctx = "Allergies: trimethoprim - rash. Plan: nitrofurantoin."
    out = "Allergies: trimethoprim (rash). Nitrofurantoin."
    assert not any("mild reaction" in m for m in _messages("entities.v1", out, ctx))
    # an itchy rash, or a rash with a stomach upset, where the input says so
    ctx = "Patient: Trimethoprim gave me an upset stomach and a rash, very itchy. Doctor: Noted."
    for out in ("Allergy: trimethoprim - itchy rash.", "Allergy: trimethoprim (GI upset + rash)."):
        assert not any("mild reaction" in m for m in _messages("entities.v1", out, ctx))


# --- a side given to a named thing --------------------------------------------------------

_SITES = (
    "Ophthalmology. Both eyes have early cataract; the right eye sees 6/9. The left eye has a "
    "macular hole with vision 6/36. Plan: left vitrectomy with gas next month."
)


def test_a_side_given_to_a_procedure_the_input_names_on_the_other_side() -> None:
    found = _messages("laterality.v1", "Plan: R vitrectomy with gas next month.", _SITES)
    assert any("vitrectomy on the left only" in m for m in found)
    # twin: the input's side
    same = _messages("laterality.v1", "Plan: L vitrectomy with gas next month.", _SITES)
    assert not any("vitrectomy" in m for m in same)


def test_a_named_side_said_of_another_finding_is_left_alone() -> None:
    ctx = "Scan: cyst in the right kidney, 3 cm. The left ureter and bladder look normal."
    out = "R renal cyst 3 cm; L kidney normal."
    assert not any("only" in m for m in _messages("laterality.v1", out, ctx))


# --- glucose limits read in mmol/L ----------------------------------------------------------


_ROW = {"id": "lab.t", "floor": 4, "match": "critical_lab", "look_in": ["span"], "source": "t"}


def test_glucose_below_the_si_limit_is_read_in_mmol_per_litre() -> None:
    policy = parse_policy(
        {
            "row": [_ROW],
            "analyte": [
                {
                    "id": "glucose",
                    "pattern": r"\bglucose\b",
                    "low": 50.0,
                    "high": 400.0,
                    "si_below": 35.0,
                    "si_factor": 18.0,
                }
            ],
        }
    )
    glucose = policy.analytes[0]
    assert not glucose.critical(6.2)  # 112 mg/dL
    assert glucose.critical(2.1)  # 38 mg/dL
    assert glucose.critical(26.0)  # 468 mg/dL
    assert glucose.critical(42.0) and not glucose.critical(140.0)  # mg/dL as before


def test_a_broken_si_field_names_the_analyte() -> None:
    raw = {"id": "glucose", "pattern": "glucose", "low": 50.0, "high": 400.0, "si_below": 35}
    with pytest.raises(ConfigError, match="si_below"):
        parse_policy({"row": [_ROW], "analyte": [raw]})


# --- a drug that remains on hold -----------------------------------------------------------


def test_remains_on_hold_is_held_not_continued() -> None:
    doc = analysed("x", "Rivaroxaban remains on hold after the bleed.").context
    values = [m.value for m in mentions(doc) if m.kind == "action"]
    assert values == ["held"]
    # twin: "remains on" a drug is still continued
    doc = analysed("x", "He remains on rivaroxaban after the scan.").context
    assert [m.value for m in mentions(doc) if m.kind == "action"] == ["continued"]


# --- "For CPR" as an order opening a sentence, "to be for CPR" -----------------------------

_NOT_FOR = (
    "Ward round. Frail, CFS 8. After discussion with his son, not for CPR; DNACPR form signed. "
    "Continue oral antibiotics on the ward."
)


@pytest.mark.parametrize(
    "said", ["Oral antibiotics on ward. For CPR.", "Oral antibiotics; wishes to be for CPR."]
)
def test_cpr_ordered_in_a_sentence_of_its_own_against_a_dnacpr(said: str) -> None:
    assert any("CPR accepted" in m for m in _messages("entities.v1", said, _NOT_FOR))
    # twin: the order kept
    kept = "Oral antibiotics on ward. Not for CPR (DNACPR signed)."
    assert not any("CPR accepted" in m for m in _messages("entities.v1", kept, _NOT_FOR))


# --- "no known medicine allergies" against a reaction the input names its drug after ---------

_CAUSED = (
    "Telephone review. Cough and fever for four days. He had hives and lip swelling after "
    "co-amoxiclav last year. No other allergies. Plan: doxycycline for five days."
)


def test_no_medicine_allergies_where_the_input_gives_a_reaction_to_a_drug() -> None:
    found = _messages("entities.v1", "You have no known medicine allergies. Doxycycline.", _CAUSED)
    assert any("allergy to 'co-amoxiclav'" in m for m in found)
    # twin: the allergy kept
    kept = "You are allergic to co-amoxiclav (hives, lip swelling). Doxycycline."
    assert not any("states an allergy" in m for m in _messages("entities.v1", kept, _CAUSED))


def test_a_drug_after_a_reaction_that_treats_it_is_no_cause() -> None:
    ctx = "Wheeze settled with salbutamol. No allergies known."
    assert not any(
        "states an allergy" in m for m in _messages("entities.v1", "NKDA. Salbutamol PRN.", ctx)
    )


def test_no_medicine_allergies_is_not_contradicted_by_a_food_allergy() -> None:
    ctx = (
        "Mother: He's allergic to peanuts, his lips swelled up after a peanut bar. "
        "Doctor: Any medicines he reacts to? Mother: No, nothing."
    )
    out = "Allergies: peanut (lip swelling). No known medicine allergies."
    assert not any("states an allergy" in m for m in _messages("entities.v1", out, ctx))


def test_a_drug_named_before_a_reaction_keeps_it() -> None:
    ctx = "Penicillin is avoided because she had angioedema with penicillin V in 2015."
    out = "Penicillin avoided (angioedema 2015)."
    assert not any("allergy" in m for m in _messages("omission.v1", out, ctx))
