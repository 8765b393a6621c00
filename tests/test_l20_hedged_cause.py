"""A hedge before a cause that is owned or definite ("the cough is probably because of your
asthma", "likely due to her diabetes") doubts the causal link, not the condition named as the
cause: certainty.v1 read any hedge word in the clause before a condition as hedging it, so an
output naming the known asthma was "stated as found but the input only suggests it". A bare
cause ("probably due to pneumonia") is the hedged diagnosis and stays hedged. Session 20
(helper K); own sentences.

Controls failed before the reading; a true error of the same shape is still caught.
"""

from __future__ import annotations

from medfact.testing import run_rule

WRITTEN = (
    "Night-time cough for three weeks, probably because of her asthma. Salbutamol twice daily."
)
SPOKEN = (
    "Doctor: The dizziness when you stand could be due to your diabetes affecting the nerves.\n"
    "Patient: I see."
)
BARE = "Wet cough and fever for four days, probably due to pneumonia. Chest X-ray requested."


def _overstated(output: str, context: str) -> list[str]:
    return [
        f.message for f in run_rule("certainty.v1", output, context) if "only suggests" in f.message
    ]


def test_the_owned_cause_is_known() -> None:
    assert not _overstated("Asthma with night-time cough for three weeks. Salbutamol BD.", WRITTEN)
    assert not _overstated("Diabetes. Dizziness on standing.", SPOKEN)


def test_a_bare_cause_stays_hedged_and_its_overstatement_is_caught() -> None:
    assert any(
        "'Pneumonia'" in m
        for m in _overstated("Pneumonia. Wet cough and fever for four days. CXR requested.", BARE)
    )


def test_a_hedge_of_the_condition_itself_after_the_link_still_counts() -> None:
    context = "Night-time cough, probably because of her possible asthma. Salbutamol twice daily."
    assert _overstated("Asthma with night-time cough. Salbutamol BD.", context)
