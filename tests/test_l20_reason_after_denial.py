"""A post-negation with a reason after it ("X not suitable given ...", "X was not started
because of ..."): the "not" read forward reached no word past the trigger (the reason is a clause
of its own), and that reading took the place of the backward one, so X stayed affirmed. A "not"
now denies what follows only when its reach passes the trigger and the next word does not open
a reason. Session 20 (helper K); own sentences.

Controls failed before the reading; a true error of the same shape is still caught.
"""

from __future__ import annotations

from medfact.testing import context_polarity as _polarity
from medfact.testing import negation_flips as _flips

CHEST = (
    "Doctor: Co-amoxiclav is not suitable given his penicillin allergy, so we'll use "
    "doxycycline 100 mg once daily for five days."
)
KIDNEY = "Ibuprofen was not started because of her kidney function. Paracetamol only."


def test_the_treatment_before_the_reason_is_denied() -> None:
    assert _polarity(CHEST, "co-amoxiclav") == "negated"
    assert _polarity(KIDNEY, "ibuprofen") == "negated"
    assert _polarity("Surgery is not appropriate given the frailty.", "surgery") == "negated"


def test_the_reason_is_not_denied() -> None:
    assert _polarity(CHEST, "allergy") == "affirmed"
    assert _polarity("Warfarin not advised, given renal function; heparin.", "heparin") == (
        "affirmed"
    )


def test_the_faithful_denial_is_clear() -> None:
    assert not _flips("Co-amoxiclav not suitable (penicillin allergy). Doxycycline.", CHEST)


def test_prescribing_the_ruled_out_drug_is_caught() -> None:
    assert any("'co-amoxiclav'" in m for m in _flips("Start co-amoxiclav 625 mg TDS.", CHEST))
    assert any("'ibuprofen'" in m for m in _flips("Ibuprofen 400 mg TDS.", KIDNEY))


def test_a_not_with_an_object_ahead_still_denies_it() -> None:
    assert _polarity("She was not prescribed any antibiotics.", "antibiotics") == "negated"
    assert _polarity("Not suitable for thrombolysis.", "thrombolysis") == "negated"
