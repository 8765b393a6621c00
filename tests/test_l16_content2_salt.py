"""Session 16 (helper RA2): a brand the drug table reads as a drug's base name (K-Dur, Klor-Con:
"potassium") and the input's name of it with its salt ("potassium chloride") are one drug: not a
substitution (drugs.v1) and not one left out (omission.v1). Another drug stays a substitution.
"""

from __future__ import annotations

from medfact.testing import run_rule
from medfact.verifiers.drugs import same_but_salt

_CONTEXT = (
    "Doctor: Are you still taking the potassium chloride with your water tablet?\n"
    "Patient: Yes, one every morning."
)


def _risks(output: str) -> list[int]:
    return [int(f.risk) for r in ("drugs.v1", "omission.v1") for f in run_rule(r, output, _CONTEXT)]


def test_salt_words_after_the_same_name_are_one_drug() -> None:
    assert same_but_salt("potassium", "potassium chloride")
    assert same_but_salt("metoprolol succinate", "metoprolol")
    assert not same_but_salt("potassium", "potassium")
    assert not same_but_salt("potassium", "magnesium chloride")
    assert not same_but_salt("insulin", "insulin glargine")


def test_a_brand_of_the_salt_is_the_inputs_drug() -> None:
    assert max(_risks("Takes K-Dur every morning."), default=0) <= 2


def test_another_electrolyte_is_still_a_substitution() -> None:
    assert max(_risks("Takes magnesium oxide every morning.")) >= 3
