"""Session 17 (helper E2): a name whose own bracketed short form the input uses is named there.

"Hydroxychloroquine (HCQ) ..." read against "... with HCQ ..." names the drug: drugs.v1 leaves
it. A short form the input lacks, one letter long, or not the name's ("Ibandronate (PSP)") does
not.
"""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules first
from medfact.short_forms import defined_short_form
from medfact.testing import run_rule

_CLAIM = "Hydroxychloroquine (HCQ) did not shorten viral shedding compared with standard care."


def _drug_findings(output: str, context: str) -> list[str]:
    return [f.message for f in run_rule("drugs.v1", output, context)]


def test_the_input_names_the_drug_by_its_short_form() -> None:
    ctx = "Viral shedding lasted 9 days with HCQ and 8 days with standard care (p = 0.6)."
    assert _drug_findings(_CLAIM, ctx) == []


def test_an_input_without_the_short_form_still_lacks_the_drug() -> None:
    ctx = "Viral shedding lasted 9 days with the study drug and 8 days with standard care."
    assert _drug_findings(_CLAIM, ctx) != []


def test_one_letter_is_no_short_form() -> None:
    claim = "Furosemide (F) 40 mg daily was started."
    assert defined_short_form(claim, 0, len("Furosemide")) is None
    assert _drug_findings(claim, "72 F, admitted with ankle swelling.") != []


def test_a_bracket_after_another_name_is_not_the_drugs() -> None:
    text = "Ibandronate plus a patient support programme (PSP)"
    assert defined_short_form(text, 0, len("Ibandronate")) is None
