"""A decision or wish told in the future or the conditional with a contracted negation ("we
won't do CPR", "he wouldn't want a feeding tube") denies what follows, as "will not" and
"would not" already did (negation.toml negation_pre); a treatment "not suitable" is ruled out
like one "not an option"; session 20 (helper J).

Controls failed before the reading; a true error of the same shape is still caught.
"""

from __future__ import annotations

from medfact.testing import context_polarity as _polarity
from medfact.testing import negation_flips as _flips

RESUS = (
    "Doctor: With your heart this weak, we won't do CPR, it would do more harm than good.\n"
    "Patient: I understand. And I wouldn't want a feeding tube either.\n"
    "Doctor: We'll write that down."
)


def test_wont_and_wouldnt_deny_what_follows() -> None:
    assert _polarity(RESUS, "cpr") == "negated"
    assert _polarity(RESUS, "tube") == "negated"


def test_a_denial_of_cpr_agrees_with_wont_do_cpr() -> None:
    assert not _flips("Not for CPR. Does not want a feeding tube.", RESUS)


DRUG_WITHHELD = (
    "Doctor: I'll give you cefalexin for a week. I won't use ciprofloxacin with your tendons.\n"
    "Patient: Okay."
)


def test_a_drug_the_clinician_wont_use_agrees_with_its_denial() -> None:
    assert not _flips(
        "Cefalexin 500 mg QDS for 7 days. Not ciprofloxacin (tendons).", DRUG_WITHHELD
    )
    assert not _flips("Cefalexin for a week; ciprofloxacin not suitable.", DRUG_WITHHELD)


def test_a_drug_the_clinician_wont_use_is_caught_when_prescribed() -> None:
    assert any("'ciprofloxacin'" in m for m in _flips("Ciprofloxacin 500 mg BD.", DRUG_WITHHELD))


def test_a_symptom_that_wont_stop_is_still_there() -> None:
    assert _polarity("Patient: The cough won't stop at night.", "cough") == "affirmed"
