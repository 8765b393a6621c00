"""Edges of a negation's scope in speech (session 20, helper K2; own sentences):

- an exception after a denied list ("no vomiting, only the diarrhoea", "nothing else, just my
  inhaler") is affirmed: "just the", "only the", "just my", "only my" end the denial's scope, as
  "except" and "apart from" already did;
- a speaker's tag opening a turn ("Doctor:", "[doctor]", "Staff nurse:") is never inside a
  negation's scope: "Doctor: aspirin not indicated" denied "doctor" by reaching back;
- a post-negation whose forward reach only names whom the verdict is for ("not an option for
  him", "not an option for the patient") denies what comes before, as a reach with an object
  ahead ("not suitable for thrombectomy") still denies what follows.

Each control failed at the start; a true error of the same shape is still caught.
"""

from __future__ import annotations

from medfact.testing import context_polarity as _polarity
from medfact.testing import negation_flips as _flips


def test_the_exception_after_a_denial_is_affirmed() -> None:
    assert _polarity("Patient: No vomiting at all, only the diarrhoea.", "diarrhoea") == (
        "affirmed"
    )
    assert _polarity("Patient: I don't recall any fever, just the cough.", "cough") == "affirmed"
    assert _polarity("Patient: Nothing else, just my inhaler.", "inhaler") == "affirmed"


def test_the_denied_items_stay_denied() -> None:
    assert _polarity("Patient: No vomiting at all, only the diarrhoea.", "vomiting") == ("negated")
    assert _polarity("Patient: no fever except a cough.", "fever") == "negated"


def test_denying_the_exception_is_caught() -> None:
    context = "Doctor: Any fever? Patient: No fever, just the cough really."
    assert not _flips("Cough, no fever.", context)
    assert any("'cough'" in m for m in _flips("No cough, no fever.", context))


def test_a_speaker_tag_is_outside_a_post_negation() -> None:
    assert _polarity("Doctor: aspirin not indicated.", "doctor") == "affirmed"
    assert _polarity("[doctor] warfarin not advised.", "doctor") == "affirmed"
    assert _polarity("Doctor: aspirin not indicated.", "aspirin") == "negated"


def test_a_label_that_is_no_person_is_still_denied() -> None:
    assert _polarity("Aspirin: not indicated.", "aspirin") == "negated"


def test_prescribing_the_denied_drug_after_a_tag_is_caught() -> None:
    context = "Doctor: aspirin not indicated, continue the statin."
    assert not _flips("Aspirin not indicated.", context)
    assert any("'aspirin'" in m for m in _flips("Start aspirin 75 mg.", context))


def test_a_verdict_for_a_person_denies_what_comes_before() -> None:
    assert _polarity("Doctor: Surgery is not an option for him.", "surgery") == "negated"
    assert _polarity("Dialysis is not an option for her now.", "dialysis") == "negated"
    assert _polarity("Doctor: Surgery is not an option for him.", "him") == "affirmed"


def test_a_verdict_with_an_object_ahead_still_reads_forward() -> None:
    assert _polarity("He is not suitable for thrombectomy.", "thrombectomy") == "negated"


def test_a_verdict_for_a_person_clears_and_catches() -> None:
    context = "Doctor: Surgery is not an option for him given his heart. We'll use tablets."
    assert not _flips("Surgery not an option; medical management.", context)
    assert any("'surgery'" in m for m in _flips("Plan for surgery.", context))
