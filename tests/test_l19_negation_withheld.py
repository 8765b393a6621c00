"""negation.v1: a drug a plan withholds, session 19 (helper B), from false alarms on the
rotated parts (blind2-blind6).

A drug named after a withholding verb ("skip the naproxen", "hold off on a statin", "avoid
diclofenac") or before a withholding participle or a chart's status ("codeine avoided",
"metformin 500 mg BD - HOLD", "Oramorph 5 mg PRN - nil given") is named and not to be taken:
an output that writes it either way ("no naproxen", "metformin held") agrees with the input,
and an output that withholds a drug in those words states an action on it, not a finding's
polarity.

Each reading has a control that failed before it and a twin, a true error of the same shape,
that is still caught.
"""

from __future__ import annotations

from medfact.testing import negation_flips as _flips

SKIP = (
    "Doctor: You could take naproxen with food for the pain.\n"
    "Patient: I had a bleeding ulcer two years ago.\n"
    "Doctor: Then skip the naproxen and use paracetamol."
)


def test_skip_agrees_with_no() -> None:
    assert not _flips("Analgesia: paracetamol. No naproxen (previous bleeding ulcer).", SKIP)


def test_hold_off_on_agrees_with_no() -> None:
    context = (
        "Doctor: Your cholesterol is borderline, so I'd hold off on a statin for now and "
        "recheck in six months.\nPatient: Fine."
    )
    assert not _flips("Borderline cholesterol: no statin for now, recheck 6/12.", context)


def test_chart_status_after_the_dose_agrees_with_no() -> None:
    context = "PRN: Oramorph 5 mg PO 2-hourly - nil given. Paracetamol 1 g - given 08:00."
    assert not _flips("PRN: paracetamol 1 g at 08:00; no Oramorph given.", context)


def test_output_participle_is_an_action_not_a_finding() -> None:
    context = "Doctor: Not codeine, it made you sick last time. Take paracetamol instead."
    assert not _flips("Paracetamol PRN (codeine avoided - vomiting previously).", context)


def test_drug_denied_against_a_drug_taken_is_still_caught() -> None:
    context = "Patient: I take naproxen every day for my knees."
    assert any("'naproxen'" in m for m in _flips("No naproxen.", context))
