"""Readings of the analysis and of negation.v1, session 19 (helper B), from false alarms on the
rotated parts (blind2-blind6).

- A list whose items each carry their own "no" ends at an item without one ("no mass, no
  ulcer, blood on the glove"), unless "or" joins it to the last "no"'s own alternatives.
- A parenthesis inside a word ("(pre)syncope") is part of the word: no scope ends at it.
- A sample named before what is measured in it ("urine hCG") is no finding, and neither are
  a medicine or a stay named in general ("meds", "admission").

Each reading has a control that failed before it and a twin, a true error of the same shape,
that is still caught.
"""

from __future__ import annotations

from medfact.testing import analysed, run_rule
from medfact.testing import negation_flips as _flips


def _polarities(text: str) -> dict[str, str]:
    return {t.text: t.polarity for t in analysed(text, "Patient: Hello.").output.tokens}


# --- a list of items that each carry their own "no" --------------------------------------------


def test_item_without_its_own_no_is_told_present() -> None:
    read = _polarities("PR: no mass, no fissure, dark blood on the glove.")
    assert read["fissure"] == "negated"
    assert read["blood"] == "affirmed"


def test_last_no_with_alternatives_reaches_them() -> None:
    read = _polarities("No rash, no swelling, redness or warmth.")
    assert read["redness"] == "negated"
    assert read["warmth"] == "negated"


def test_plain_list_after_one_no_is_still_denied() -> None:
    read = _polarities("No fever, chills, night sweats.")
    assert read["chills"] == "negated"


def test_blood_on_glove_is_not_read_as_denied() -> None:
    context = "Doctor: On examination there's some blood on my glove, no mass felt."
    assert not _flips("PR: no mass, no fissure, blood on glove.", context)


# --- a parenthesis inside a word -----------------------------------------------------------------


def test_parenthesised_prefix_stays_in_the_scope() -> None:
    read = _polarities("Denies chest pain and (pre)syncope.")
    assert read["syncope"] == "negated"


def test_parenthesised_aside_still_ends_the_scope() -> None:
    read = _polarities("No pain (since Monday) swelling of the ankle.")
    assert read["swelling"] == "affirmed"


# --- words that name no finding -----------------------------------------------------------------


def test_specimen_before_its_test_is_not_compared() -> None:
    context = "Bloods unremarkable. Urine hCG negative."
    assert not _flips("Urine hCG neg.", context)


def test_a_finding_in_the_sample_is_still_compared() -> None:
    context = "Urine dip: no blood, no protein."
    assert any("'blood'" in m for m in _flips("Urine dip: blood +++.", context))


def test_admission_names_no_finding() -> None:
    context = "Croup, second admission this winter; settled with dexamethasone."
    assert not _flips("Settled with dexamethasone. No HDU admission needed.", context)


def test_meds_name_no_finding() -> None:
    context = "MEDICINES REVIEW - ward 3\nRegular medicines: ramipril."
    assert not _flips("No oral meds for 2 days (vomiting).", context)


def test_a_drug_denied_against_its_use_is_still_caught() -> None:
    context = "MEDICINES REVIEW - ward 3\nRegular medicines: ramipril 5 mg OD."
    assert any("'ramipril'" in m for m in _flips("Not on ramipril.", context))


def test_specimen_followed_by_a_verb_is_still_compared() -> None:
    # "passed urine shows ...": no test named after the urine, which is compared as before
    context = "Doctor: The scan after you passed urine shows 350 mL left in the bladder."
    assert any("'urinary'" in m for m in _flips("No urinary symptoms.", context))


def test_result_of_the_test_in_the_sample_is_still_compared() -> None:
    found = run_rule("negation.v1", "Urine hCG negative.", "Urine hCG positive.")
    assert any("'positive'" in f.message for f in found)


def test_skin_alone_names_no_finding() -> None:
    # "broken skin" denied, "skin intact" told: the states agree; the skin is no finding
    context = "Doctor: Any broken skin on the heel?\nPatient: No."
    assert not _flips("Skin intact.", context)


def test_a_finding_of_the_skin_is_still_compared() -> None:
    context = "Doctor: Any skin rash?\nPatient: No."
    assert any("'rash'" in m for m in _flips("Skin rash on the arms.", context))
