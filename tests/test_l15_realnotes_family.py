"""Whose condition it is in real clinicians' notes (session 15, helper R): a companion of no
stated kinship whose "my dad" is the patient, a pronoun that stands for the relative the
sentence before names, and a family history written without its header. Each with a twin
that must still be caught. Small texts written for these tests."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.testing import analysed, run_rule
from medfact.types import Finding


def compare_findings(output: str, context: str) -> list[Finding]:
    """compare.v1's findings (the compare stage, no other rule) at risk 3 or more."""
    from medfact.compare import CompareStage
    from medfact.pipeline import cached_engine

    engine = cached_engine({"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}})
    doc = analysed(output, context)
    CompareStage(engine.settings, engine.parts)(doc)
    return [f for f in doc.findings if f.rule == "compare.v1" and f.risk >= 3]


def whose(output: str, context: str) -> list[Finding]:
    """negation.v1's and compare.v1's findings that a condition is someone else's, risk >= 3."""
    found = [f for f in run_rule("negation.v1", output, context) if f.risk >= 3]
    found += compare_findings(output, context)
    return [f for f in found if "a relative's in the input" in f.message or "scope:" in f.message]


_COMPANION = (
    "Doctor: Hello, who is with you today?\nGuest_family: I'm his daughter.\n"
    "Doctor: Anything I should know about?\n"
    "Guest_family: My dad has a history of gout and glaucoma.\nPatient: That's right."
)


def test_companions_parent_is_the_patient() -> None:
    assert not whose("He has gout and glaucoma.", _COMPANION)


def test_companions_relatives_relative_is_still_a_relative() -> None:
    ctx = (
        "Doctor: Any conditions in the family?\nGuest_family: My dad's brother has glaucoma.\n"
        "Doctor: And you, sir?\nPatient: Only gout."
    )
    assert whose("He has gout and glaucoma.", ctx)


def test_relative_named_by_the_patient_is_still_caught() -> None:
    ctx = (
        "Doctor: Anyone in the family with eye problems?\nPatient: My dad has glaucoma.\n"
        "Doctor: And yourself?\nPatient: Just gout."
    )
    assert whose("He has gout and glaucoma.", ctx)


_LUNGS = (
    "Doctor: Anyone in the family with lung disease?\n"
    "Patient: Yes, my father. They did a lobectomy when he was sixty."
)


def test_pronoun_after_a_relative_speaks_of_the_relative() -> None:
    note = "Strongly positive for lung disease in her father.  He had a lobectomy at 60."
    assert not whose(note, _LUNGS)


def test_pronoun_of_the_other_sex_is_the_patient() -> None:
    note = "Strongly positive for lung disease in her father.  She had a lobectomy at 60."
    assert whose(note, _LUNGS)


_PARENTS = (
    "Doctor: Are your parents alive?\n"
    "Patient: Yes, both. My mother has glaucoma and my father has glaucoma too."
)


def test_both_after_both_parents_speaks_of_them() -> None:
    assert not whose("Both parents are alive.  Both have glaucoma.", _PARENTS)


def test_she_after_parents_is_the_patient() -> None:
    assert whose("Her parents are alive.  She has glaucoma.", _PARENTS)


_FAMILY_ONLY = (
    "Doctor: Any illnesses that run in your family?\nPatient: Yes, there's a lot of "
    "emphysema, and my aunt had lupus.\nDoctor: Anything else?\nPatient: Not that I know."
)


def test_headerless_family_history_is_left_alone() -> None:
    assert not whose("Positive for emphysema and lupus.", _FAMILY_ONLY)


def test_headerless_list_that_names_a_personal_history_is_caught() -> None:
    assert whose("PMH: lupus.", _FAMILY_ONLY)
    assert whose("Known lupus.", _FAMILY_ONLY)
    assert whose("Personal history of lupus.", _FAMILY_ONLY)
    assert whose("She has lupus.", _FAMILY_ONLY)


def test_headerless_list_where_the_input_asked_of_the_patient_is_caught() -> None:
    ctx = "Doctor: Any lung problems?\nPatient: My aunt had lupus and there's emphysema too."
    assert whose("Positive for emphysema and lupus.", ctx)
