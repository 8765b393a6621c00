"""Session 12: severity-4 errors graded 4 by what they touch (issue 13), each with a control that
the opposite case keeps its grade."""

from __future__ import annotations

from functools import lru_cache

import pytest

from medfact.errors import ConfigError
from medfact.pipeline import Engine
from medfact.severity import Texts, classify, lab_values, load_policy, parse_policy
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.types import Finding

_REC = ErrorCategory.INCORRECT_RECOMMENDATION


def finding(
    rule: str,
    relation: str,
    category: ErrorCategory = ErrorCategory.MISSING_CLAIM,
    message: str = "a finding",
    risk: int = 3,
) -> Finding:
    return Finding(
        category=category,
        risk=RiskLevel(risk),
        message=message,
        relation=relation,
        rule=rule,
        confidence=0.6,
    )


def row_of(f: Finding, **texts: str) -> str | None:
    row = classify(f, Texts(message=f.message, **texts))
    return row.id if row else None


@lru_cache(maxsize=1)
def _engine() -> Engine:
    from medfact.config import NO_MODEL

    return Engine.from_config(None, NO_MODEL)


def risk_of(output: str, context: str) -> int:
    return int(_engine().score_one(output, context).risk_level)


# --- a red flag the record drops --------------------------------------------------------------


def test_a_dropped_red_flag_is_floored_at_4() -> None:
    dropped = finding(
        "omission.v1", "omitted", message="red flag: the input's 'glass test' (x) is left out"
    )
    assert row_of(dropped, context="glass test") == "safety.red_flag_omitted"
    # control: omission.v1's word-overlap omission names no red flag
    plain = finding(
        "omission.v1",
        "omitted",
        message="the output summarises around this part of the input but leaves it out: knee",
    )
    assert row_of(plain, context="Knee pain for two weeks.") is None


def test_a_note_without_the_thunderclap_onset_is_graded_4() -> None:
    context = (
        "Doctor: Tell me about the headache.\n"
        "Patient: It came on while I was lifting. Worst headache I've ever had.\n"
        "Doctor: Any vomiting?\nPatient: Once."
    )
    assert risk_of("Headache after lifting. Vomited once.", context) == 4
    # control: the note that keeps it is not flagged for the omission
    assert risk_of("Worst headache of her life, onset while lifting. Vomited once.", context) < 3


# --- advice that puts off what the input says to do at once -------------------------------------


def test_advice_that_defers_urgent_care_is_floored_at_4() -> None:
    late = finding(
        "unsupported.v1",
        "contradicted",
        _REC,
        "the output puts off what the input says to do at once ('straight away')",
    )
    assert row_of(late, span="if no movements by tomorrow", context="straight away") == (
        "advice.urgent_care_deferred"
    )
    # control: a permission of what the input forbids is not a deferral (it stays at 3)
    allowed = finding(
        "unsupported.v1",
        "contradicted",
        _REC,
        "the output permits what the input forbids: 'not drive'",
    )
    row = classify(allowed, Texts(span="may drive", context="not drive", message=allowed.message))
    assert row is None or row.floor == 3


def test_a_deferred_call_for_reduced_movements_is_graded_4() -> None:
    context = (
        "Midwife: If the baby is moving less than usual, ring the maternity unit straight away. "
        "Don't wait until the next day."
    )
    output = "Advised to call the maternity unit if no movements by tomorrow."
    assert risk_of(output, context) == 4
    # control: the faithful advice is no finding
    assert risk_of("Advised to call the maternity unit straight away if moving less.", context) < 3


# --- unsupported.v1: its contradictions are graded, its bag of words is not -----------------------


def test_a_permission_that_touches_an_anticoagulant_takes_its_floor() -> None:
    allowed = finding(
        "unsupported.v1",
        "contradicted",
        _REC,
        "the output permits what the input forbids: 'no apixaban on Tuesday'",
    )
    assert row_of(allowed, span="may take apixaban", context="no apixaban on Tuesday") == (
        "high_alert.anticoagulant"
    )
    # control: the same rule's sentence without support is still left alone
    bag = finding("unsupported.v1", "unsupported", ErrorCategory.FABRICATED_CLAIM)
    assert row_of(bag, span="Continue apixaban.") is None
    # and a skipped rule that the exception does not name stays skipped whatever its relation
    model = finding("crossencoder.v1", "contradicted", ErrorCategory.FABRICATED_CLAIM)
    assert row_of(model, span="Continue apixaban.") is None


def test_skip_rules_except_must_be_a_table_of_relations() -> None:
    row = {"id": "a.b", "floor": 3, "match": "term", "terms": ["x"], "source": "s"}
    policy = parse_policy(
        {
            "policy": {"skip_rules": ["r.v1"], "skip_rules_except": {"r.v1": ["contradicted"]}},
            "row": [row],
        }
    )
    assert policy.skip_rules_except == {"r.v1": frozenset({"contradicted"})}
    with pytest.raises(ConfigError, match="skip_rules_except"):
        parse_policy({"policy": {"skip_rules_except": ["contradicted"]}, "row": [row]})
    with pytest.raises(ConfigError, match="skip_rules_except"):
        parse_policy({"policy": {"skip_rules_except": {"r.v1": "contradicted"}}, "row": [row]})


# --- critical values said in words ------------------------------------------------------------


def test_a_critical_value_said_in_words_is_critical() -> None:
    analytes = load_policy().analytes
    assert [v for _, v in lab_values("hemoglobin six point eight", analytes)] == [6.8]
    assert [v for _, v in lab_values("sugar today was four eighty six", analytes)] == [486.0]
    dropped = finding("omission.v1", "omitted", message="critical value: hemoglobin is left out")
    assert row_of(dropped, context="hemoglobin six point eight") == "lab.critical_value"
    # controls: a normal value said in words, and a number word that is not the analyte's
    assert row_of(dropped, context="hemoglobin thirteen point two") == "lab.value"
    assert [v for _, v in lab_values("his potassium and then one more thing", analytes)] == [None]
    assert [v for _, v in lab_values("platelets of two hundred thousand", analytes)] == [200.0]


# --- a route changed to intravenous or neuraxial -------------------------------------------------


def test_a_route_written_as_intravenous_is_floored_at_4() -> None:
    changed = finding("route.v1", "contradicted", ErrorCategory.DETAIL_MISIDENTIFICATION)
    assert row_of(changed, span="IV", context="oral") == "dose.route_to_intravenous_or_neuraxial"
    assert row_of(changed, span="intrathecal", context="IV") == (
        "dose.route_to_intravenous_or_neuraxial"
    )
    # control: intravenous written as oral is a route error at 3
    assert row_of(changed, span="PO", context="IV") == "dose.route"


def test_oral_vancomycin_written_as_iv_is_graded_4() -> None:
    context = "C. difficile colitis. Plan: vancomycin 125 mg oral four times a day for 10 days."
    assert risk_of("C. diff colitis: vancomycin 125 mg IV QDS x10 days.", context) == 4
    assert risk_of("C. diff colitis: vancomycin 125 mg PO QDS x10 days.", context) < 3


# --- a frequency that doubles the daily dose ----------------------------------------------------


def test_a_dose_given_twice_as_often_is_floored_at_4() -> None:
    changed = finding("compare.v1", "contradicted", ErrorCategory.DETAIL_MISIDENTIFICATION)
    assert row_of(changed, span="BID", context="once daily") == "dose.frequency_doubled"
    # control: three times a day for twice is an escalation below 2x, at 3
    assert row_of(changed, span="TID", context="twice daily") == "dose.frequency_escalation"


# --- a reaction to a drug is an allergy the record must keep -----------------------------------


def test_a_reaction_to_a_drug_is_read_as_an_allergy() -> None:
    from medfact.testing import analysed
    from medfact.verifiers.entities import allergies

    context = (
        "She had an acute lung reaction to nitrofurantoin in 2022 and must not have it again. "
        "Current treatment: cefalexin 500 mg twice daily."
    )
    doc = analysed("x", context).context
    assert doc is not None
    assert [a.allergen for a in allergies(doc)] == ["nitrofurantoin"]
    assert risk_of("On cefalexin 500 mg BD.", context) == 4
    # controls: the note that keeps the reaction, and a reaction to what is not a drug
    assert risk_of("Nitrofurantoin: lung reaction. On cefalexin 500 mg BD.", context) < 3
    tick = analysed("x", "A tick bite can give you an allergic reaction to meat.").context
    assert tick is not None and allergies(tick) == []


# --- tablets held back in the mouth or put by "in case": a stockpiling red flag ------------------


def test_cheeked_tablets_saved_in_case_are_a_red_flag() -> None:
    context = (
        "Inpatient, severe depression, overdose three weeks ago. She told the nurse she has been "
        "keeping her evening tablets under her tongue and spitting them out, with a few saved in "
        "her locker in case. Locker searched: 9 tablets removed. Observations unchanged."
    )
    assert risk_of("Severe depression. Locker searched. Observations unchanged.", context) == 4
    # control: the note that keeps it
    kept = "Severe depression. Has been cheeking evening tablets; 9 removed from locker."
    assert risk_of(kept + " Observations unchanged.", context) < 3
