"""Numbered sites read in more notations (session 15, helper C1): teeth in FDI notation and in
words as well as Palmer ("tooth 46", "lower right first molar", "LR6"), and the joint at a
numbered bone's head ("5th MTP joint" is the fifth metatarsal's). Each with a control that
must be left alone. Small texts written for these tests."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.testing import run_rule
from medfact.types import Finding
from medfact.verifiers.anatomy import numbered_sites


def sites(output: str, context: str) -> list[Finding]:
    """laterality.v1's numbered-site findings at risk 3 or more."""
    found = run_rule("laterality.v1", output, context)
    return [f for f in found if f.message.startswith("site:") and f.risk >= 3]


def test_teeth_in_three_notations_are_one_code() -> None:
    text = "Pain at tooth 46; the lower right first molar (46) is carious. LR6 to be extracted."
    codes = [site for kind, site, _, _ in numbered_sites(text) if kind == "tooth"]
    assert codes == [("LR6",)] * 4


def test_worded_premolars_and_molars_count_from_the_midline() -> None:
    text = "upper left second premolar and lower right third molar"
    codes = sorted(site[0] for kind, site, _, _ in numbered_sites(text) if kind == "tooth")
    assert codes == ["LR8", "UL5"]


def test_a_bracketed_number_without_a_tooth_is_no_tooth() -> None:
    assert not [k for k, *_ in numbered_sites("Blood pressure settled (36) today.") if k == "tooth"]


_DENTAL = (
    "Referral: please extract the upper right second molar (tooth 17), which is broken down "
    "below the gum. He takes apixaban for AF."
)


def test_other_tooth_than_the_fdi_one_is_caught() -> None:
    assert sites("Extraction of UR6 requested; on apixaban.", _DENTAL)


def test_same_tooth_in_palmer_notation_is_left_alone() -> None:
    assert not sites("Extraction of UR7 requested; on apixaban.", _DENTAL)


_FOOT = (
    "Diabetic foot review: a 1 cm ulcer under the second metatarsal head of the left foot, "
    "clean base, no probe to bone."
)


def test_joint_numbered_by_its_bone_is_compared() -> None:
    assert sites("1 cm ulcer under L 4th MTP joint, clean base.", _FOOT)
    assert not sites("1 cm ulcer under L 2nd MTP joint, clean base.", _FOOT)
