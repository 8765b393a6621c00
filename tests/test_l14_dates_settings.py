"""Session 14, helper F3: values compare.v1 reads that are no amounts or places (issue 13): a
day and month ("admitted 4/2", "from 19/02", "4/2-9/3") is a date, not a ratio; "emergency"
before a noun it qualifies ("emergency seizure plan") is no care setting; a signed score ("RASS
-2") is no dose; and a kidney named by its swelling ("left hydroureteronephrosis") carries its
side. Each with a control that is still found. Sentences written for these tests."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.compare import RULE, CompareStage, day_month
from medfact.pipeline import cached_engine
from medfact.testing import analysed, run_rule

_CONFIG = {"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}}


def compared(output: str, context: str) -> list[str]:
    """compare.v1's messages at risk 3 or more."""
    doc = analysed(output, context)
    engine = cached_engine(_CONFIG)
    CompareStage(engine.settings, engine.parts)(doc)
    return [f.message for f in doc.findings if f.rule == RULE and f.risk >= 3]


def test_day_month_readings() -> None:
    text = "Admitted 4/2-9/3, informal from 19/02; power 4/5; 2/3 bottles"
    at = {w: text.index(w) for w in ("4/2", "9/3", "19/02", "4/5", "2/3")}
    for w in ("4/2", "9/3", "19/02"):
        assert day_month(text, at[w], at[w] + len(w)), w
    for w in ("4/5", "2/3"):  # a power grade and a count of bottles stay values
        assert not day_month(text, at[w], at[w] + len(w)), w


_LETTER = (
    "DISCHARGE LETTER\nAdmitted 04/02 with mania; detained 04/02, informal from 19/02; "
    "discharged 09/03.\nLithium started, level 0.7 mmol/L on 08/03."
)


def test_dates_are_not_compared_as_amounts() -> None:
    out = "Admitted 4/2-9/3 (informal from 19/2). Lithium started; level 0.7 mmol/L (8/3)."
    assert not [m for m in compared(out, _LETTER) if m.startswith("amount")]
    # control: a changed level is still compared
    out = "Admitted 4/2-9/3 (informal from 19/2). Lithium started; level 1.7 mmol/L (8/3)."
    assert [m for m in compared(out, _LETTER) if m.startswith("amount")]


_CARE_PLAN = (
    "SEIZURE CARE PLAN - community epilepsy clinic\n"
    "Buccal midazolam 10 mg if a seizure lasts 5 minutes; call 999 if it continues."
)


def test_emergency_before_a_noun_is_no_setting() -> None:
    out = "Emergency seizure plan: buccal midazolam 10 mg at 5 min; 999 if ongoing."
    assert not [m for m in compared(out, _CARE_PLAN) if m.startswith("setting")]
    # control: a place named as the emergency department is still compared
    out = "Seen in the emergency department: buccal midazolam 10 mg at 5 min."
    assert [m for m in compared(out, _CARE_PLAN) if m.startswith("setting")]


_ICU = (
    "Sedation: propofol 120 mg/h + alfentanil 500 mcg/h, RASS -2.\n"
    "Antibiotics: piperacillin-tazobactam 4.5 g TDS since day 1."
)


def test_signed_score_is_no_dose() -> None:
    out = "Sedation: propofol 120 mg/hr + alfentanil 500 mcg/hr, RASS -2.\nAbx: pip-taz 4.5 g TDS."
    assert not [m for m in compared(out, _ICU) if m.startswith("dose")]


_CT = (
    "CT KUB: 4 mm calculus at the right VUJ with mild right hydroureteronephrosis. Left kidney: "
    "5 mm non-obstructing lower pole stone, no left hydronephrosis."
)


def test_kidney_swelling_carries_its_side() -> None:
    out = "A 4 mm stone in the right ureter is causing mild swelling of the right kidney."
    assert not [f for f in run_rule("laterality.v1", out, _CT) if f.risk >= 3]
    # control: the other kidney, where the input names only the swollen right one, is found
    ctx = "CT KUB: 4 mm calculus at the right VUJ with mild right hydroureteronephrosis."
    out = "A 4 mm stone in the right ureter is causing mild swelling of the left kidney."
    assert [f for f in run_rule("laterality.v1", out, ctx) if f.risk >= 3]


_MEMORY = (
    "Doctor: Her MoCA today is nineteen out of thirty. It was twenty-three at the last visit.\n"
    "Daughter: It's gone down then."
)


def test_earlier_score_said_bare_keeps_its_total() -> None:
    out = "MoCA 19/30 (23/30 at last visit)."
    assert not [m for m in compared(out, _MEMORY) if m.startswith("amount")]
    # control: a score the input never gives is still compared
    out = "MoCA 16/30 (23/30 at last visit)."
    assert [m for m in compared(out, _MEMORY) if m.startswith("amount")]


_BONES = (
    "Start risedronate 35 mg once a week on Sundays, and calcium with vitamin D, one chewable "
    "tablet twice a day."
)


def test_rate_after_a_joined_item_is_not_the_drug_befores() -> None:
    out = "Risedronate 35 mg once weekly (Sun) + Calcichew-D3 1 tab BD."
    assert not [m for m in compared(out, _BONES) if m.startswith("frequency")]
    # control: the weekly drug written as daily is still compared
    out = "Risedronate 35 mg once daily (Sun) + Calcichew-D3 1 tab BD."
    assert [m for m in compared(out, _BONES) if m.startswith("frequency")]
