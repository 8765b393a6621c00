"""Session 18 (helper C): a finding's state turned to its opposite while its head stays
(opposite.v1). The same state word with the other polarity ("ruptured" against "not ruptured"),
a listed opposite ("diminished" against "intact", "fixed" against "mobile", "-ve" against
"positive") or a directional term of anatomy swapped ("proximal" for "distal") is a
contradiction on the output's word; a rewording of the same state ("normal" for "intact",
"non-ruptured" for "not ruptured"), a head given both states, an instruction ("no heavy lifting"
for "avoid heavy lifting") and a "no" that denies the noun after the state word are not.
Each reading has a twin the rule must still catch.
"""

from __future__ import annotations

from medfact.opposites import listed_opposites, opposite_states, same_state
from medfact.pipeline import cached_engine
from medfact.testing import run_rule

RULE = "opposite.v1"


def _messages(output: str, context: str) -> list[str]:
    return [f.message for f in run_rule(RULE, output, context)]


def _risk(output: str, context: str) -> int:
    engine = cached_engine(None, {"pipeline": {"learned_verifiers": [], "model": ""}})
    return int(engine.score({"id": "t", "output": output, "context": context}).risk_level)


_CYST = "Operative findings: inflamed ovarian cyst, not ruptured, with clear fluid in the pouch."


def test_a_state_the_input_negates_next_to_it_is_contradicted() -> None:
    found = _messages("Inflamed, ruptured ovarian cyst; clear fluid in the pouch.", _CYST)
    assert found and "not ruptured" in found[0]
    # a prefixed rewording of the input's denial says what it says
    assert _messages("Inflamed, non-ruptured ovarian cyst; clear fluid.", _CYST) == []
    assert _messages("Ovarian cyst inflamed, not ruptured.", _CYST) == []


def test_a_denied_state_the_input_affirms_is_contradicted() -> None:
    context = "On examination the spleen is enlarged, three fingers below the costal margin."
    assert _messages("Spleen not enlarged.", context)
    assert _messages("Spleen enlarged, 3 fingerbreadths.", context) == []


def test_a_listed_opposite_of_the_state_is_contradicted() -> None:
    context = "Vibration sense intact at both ankles; reflexes present."
    found = _messages("Vibration sense diminished at both ankles.", context)
    assert found and "intact" in found[0]
    # a word of the same state is a rewording
    assert _messages("Vibration sense normal at both ankles.", context) == []


def test_a_signed_result_against_a_spelled_one_is_contradicted() -> None:
    context = "Neck stiff and Kernig's sign positive; no rash seen."
    assert _messages("Neck stiff, Kernig's -ve, no rash.", context)
    assert _messages("Neck stiff, Kernig's +ve, no rash.", context) == []


def test_states_listed_with_a_comma_share_their_head() -> None:
    context = "Rectal examination found a hard, craggy mass on the left side of the prostate."
    # "soft" reaches "mass" across the comma of the list
    assert _messages("PR: soft, craggy mass L side of prostate.", context)
    assert _messages("PR: hard, craggy mass L side of prostate.", context) == []


def test_a_place_swapped_on_one_structure_is_contradicted() -> None:
    context = "X-ray: a fracture through the proximal phalanx of the ring finger, undisplaced."
    assert _messages("Undisplaced fracture of the distal phalanx, ring finger.", context)
    assert _messages("Undisplaced fracture of the proximal phalanx, ring finger.", context) == []


def test_a_paired_structure_named_for_another_finding_is_no_swap() -> None:
    # "upper limb" in the history, "lower limb" in the examination: two structures
    context = "Power in the lower limbs is five out of five. She broke her wrist as a child."
    assert _messages("History of an upper limb fracture in childhood.", context) == []
    # twin: the same finding, its place swapped
    context = "Swelling and pitting oedema of the lower limbs to the knees."
    assert _messages("Pitting oedema of the upper limbs.", context)


def test_a_head_given_both_states_is_left_alone() -> None:
    context = "Air entry reduced at the left base, air entry normal on the right."
    assert _messages("Reduced air entry at the left base.", context) == []
    assert _messages("Air entry normal on the right.", context) == []
    # twin: one state only in the input
    assert _messages("Air entry normal throughout.", "Air entry reduced throughout.")


def test_an_instruction_reworded_is_no_flip() -> None:
    context = "Please avoid heavy lifting for two weeks after the operation."
    assert _messages("No heavy lifting for 2 weeks post-op.", context) == []


def test_a_no_before_a_qualified_noun_denies_the_noun() -> None:
    # "no soft tissue gas": the "no" denies the gas, not the softness (negation.v1's reading)
    context = "Radiograph: soft tissue swelling around the first toe, no fracture."
    assert _messages("XR: no soft tissue gas; no fracture.", context) == []


def test_a_state_said_of_the_onset_is_not_the_finding_s() -> None:
    context = "She has chronic daily headaches for which her neurologist follows her."
    assert _messages("Acute onset headache this morning.", context) == []
    assert _messages("Acute daily headaches.", context)


def test_a_question_of_a_conversation_states_nothing() -> None:
    # asked without a question mark, answered on the next line
    context = "Doctor: is the wound discharging\nPatient: no, it's been dry all week"
    assert _messages("Wound not discharging; dry for a week.", context) == []
    # twin: the state said, not asked
    context = "Doctor: the wound is discharging a little from the lower end\nPatient: okay"
    assert _messages("Wound not discharging.", context)


def test_the_case_is_graded_unsafe_without_a_model() -> None:
    assert _risk("Inflamed, ruptured ovarian cyst; clear fluid in the pouch.", _CYST) >= 3
    assert _risk("Inflamed ovarian cyst, not ruptured; clear fluid in the pouch.", _CYST) <= 2


def test_the_tables_read_both_ways() -> None:
    assert listed_opposites("medial", "lateral") and listed_opposites("lateral", "medial")
    assert listed_opposites("-ve", "positive") and listed_opposites("low", "normal")
    assert same_state("intact", "normal") and not same_state("intact", "reduced")
    assert opposite_states("equal", "unequal") and not opposite_states("tender", "swollen")


def test_a_denial_a_few_words_before_leaves_the_state_unread() -> None:
    # the analysis may read "infected" as affirmed; "wouldn't" four words before denies it
    context = "The practice nurse said she wouldn't call the wound infected yet."
    assert _messages("Wound not infected.", context) == []
    assert _messages("Wound not infected.", "Wound infected, with pus at the lower end.")
