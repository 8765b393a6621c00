"""Session 19 (helper D): laterality.v1 read sites the way notes write them. A collective
plural ("the collateral ligaments", "coronary arteries") names each of its members, a plural
in "-ies" and a possessive ("the ankle's fine") name the structure, a "C3" where cycles are
counted is a cycle, a side after "shift to the" is a direction, and the occiput lies in the
head. Each with a true error of the same shape still caught. Sentences written for these
tests."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.testing import analysed, run_rule
from medfact.verifiers.anatomy import _structures


def _found(output: str, context: str) -> list[str]:
    """laterality.v1's messages at risk 3 or more."""
    return [f.message for f in run_rule("laterality.v1", output, context) if f.risk >= 3]


_KNEE = (
    "Exam: large effusion. Lachman test positive, so probably an ACL tear. The collateral "
    "ligaments are stable to stress and the joint lines are not tender."
)


def test_a_collective_plural_names_each_member() -> None:
    assert _found("Lachman +ve (?ACL). MCL and LCL stable.", _KNEE) == []


def test_a_swapped_member_is_still_caught() -> None:
    context = (
        "Exam: the medial collateral ligament is lax; the lateral collateral ligament is intact."
    )
    assert _found("LCL lax on stress testing.", context)


_ANGIO = (
    "Angiography showed a tight stenosis of the left anterior descending artery, stented. The "
    "circumflex and right coronary arteries had minor plaque."
)


def test_a_plural_in_ies_names_the_structure() -> None:
    assert _found("LAD stented. Minor plaque in Cx and RCA.", _ANGIO) == []


def test_a_specific_name_before_a_collective_is_that_one_only() -> None:
    doc = analysed("x", "The right coronary arteries were normal.").context
    assert doc is not None
    assert [name for _, name, _ in _structures(doc)] == ["rca"]


def test_a_possessive_names_the_structure() -> None:
    context = "On exam the wrist is swollen and hot; the knee's normal and the elbows are fine."
    assert _found("Hot swollen wrist. Knee normal.", context) == []


def test_a_wrong_joint_is_still_caught() -> None:
    context = "On exam the wrist is swollen and hot; the knee's normal."
    assert _found("Hot swollen elbow. Knee normal.", context)


_CHEMO = (
    "Treatment: adjuvant FOLFOX, cycle 5 of 12 due today. Since C4: mild nausea. Bloods fine. "
    "Proceed with cycle 5."
)


def test_cycles_counted_are_no_cervical_levels() -> None:
    assert _found("FOLFOX C5/12 today. Nausea since C4, mild.", _CHEMO) == []


def test_a_swapped_cervical_level_is_still_caught() -> None:
    context = "MRI cervical spine: C6/7 disc prolapse compressing the exiting root."
    assert _found("C5/6 disc prolapse on MRI.", context)


_CT = "CT head: right temporal subdural haematoma with 5 mm leftward midline shift."


def test_a_direction_the_input_gives_is_no_side_swap() -> None:
    assert _found("R temporal SDH, midline shift 5 mm to the left.", _CT) == []


def test_a_direction_given_the_other_way_is_not_excused() -> None:
    from medfact.verifiers.anatomy import _directions

    assert _directions(_CT) == {"left"}
    assert "right" not in _directions(_CT)


def test_the_back_of_the_head_holds_the_occiput() -> None:
    context = "Exam: a 3 cm laceration at the back of the head, left side. Neuro intact."
    assert _found("3 cm L occipital laceration.", context) == []


def test_the_other_side_of_the_head_is_still_caught() -> None:
    context = "Exam: a 3 cm laceration at the back of the head, left side. Neuro intact."
    assert _found("3 cm R occipital laceration.", context)
