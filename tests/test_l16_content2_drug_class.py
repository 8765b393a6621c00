"""Session 16 (helper RA2): a drug named where the input gives only its class by a name of the
class table (``lexicon/data/drug_classes.toml``): "anti-inflammatories" in the input, ibuprofen
in the note. The note is more specific than the input (graded 2, check), not made up; a member
named in the input, or the class denied, still leaves the note's drug unsupported or changed.
"""

from __future__ import annotations

from medfact.lexicon.drugs import class_mentions
from medfact.pipeline import cached_engine
from medfact.testing import run_rule


def _drug_findings(output: str, context: str) -> list[tuple[int, str]]:
    return [(int(f.risk), f.message) for f in run_rule("drugs.v1", output, context)]


def _risk(output: str, context: str) -> int:
    engine = cached_engine(None, {"pipeline": {"learned_verifiers": [], "model": ""}})
    return int(engine.score({"id": "t", "output": output, "context": context}).risk_level)


def test_class_names_are_read_as_whole_words_with_their_plurals() -> None:
    text = "he uses anti inflammatories and a statin; beta-blockers made him dizzy"
    assert [w for w, _, _ in class_mentions("nsaid", text)] == ["anti inflammatories"]
    assert [w for w, _, _ in class_mentions("statin", text)] == ["statin"]
    assert [w for w, _, _ in class_mentions("beta blocker", text)] == ["beta-blockers"]
    # "ace" alone is a bandage as often as a class: names under four letters are not read
    assert class_mentions("ace inhibitor", "an ace wrap on the ankle") == []
    assert class_mentions("not a class", text) == []


_KNEE = (
    "Doctor: What helps when the knee flares up?\n"
    "Patient: Rest mostly, and I take anti-inflammatories when it gets bad."
)


def test_a_member_of_a_class_the_input_names_is_more_specific() -> None:
    found = _drug_findings("Takes ibuprofen when the knee flares.", _KNEE)
    assert found and all(risk == 2 for risk, _ in found)
    assert "only its class ('anti-inflammatories')" in found[0][1]
    assert _risk("Takes ibuprofen when the knee flares.", _KNEE) <= 2
    statin = "Doctor: Anything for cholesterol?\nPatient: Yes, I'm on a statin at night."
    assert _risk("Rosuvastatin at night.", statin) <= 2


def test_a_member_of_another_class_is_still_made_up() -> None:
    # twin: the input's class is not this drug's class
    found = _drug_findings("Takes metoprolol when the knee flares.", _KNEE)
    assert found and max(risk for risk, _ in found) >= 3


def test_a_denied_class_supports_none_of_its_members() -> None:
    context = "Doctor: Do you take any anti-inflammatories?\nPatient: No, they upset my stomach."
    found = _drug_findings("Takes naproxen for the knee.", context)
    assert found and max(risk for risk, _ in found) >= 3


def test_a_member_named_in_the_input_makes_another_member_a_substitution() -> None:
    context = "Patient: I take naproxen, it's an anti-inflammatory, for the knee."
    found = _drug_findings("Takes ibuprofen for the knee.", context)
    assert found and max(risk for risk, _ in found) >= 3
    assert _risk("Takes ibuprofen for the knee.", context) >= 3


def test_a_class_affirmed_once_and_supposed_later_still_names_it() -> None:
    context = (
        "Doctor: Do you take anti-inflammatories for the wrist?\n"
        "Patient: Yes, I do. If the anti-inflammatories keep it settled, do I need an operation?"
    )
    found = _drug_findings("She takes naproxen for the wrist.", context)
    assert found and all(risk == 2 for risk, _ in found)


def test_a_class_only_asked_about_supports_no_member() -> None:
    # twin: the class is only offered in a question, never said to be taken
    context = (
        "Doctor: Would anti-inflammatories be worth a try for the wrist?\n"
        "Patient: Maybe, I will think about it."
    )
    found = _drug_findings("She takes naproxen for the wrist.", context)
    assert found and max(risk for risk, _ in found) >= 3


def test_a_class_avoided_stopped_or_reacted_to_supports_no_member() -> None:
    # twins: the input names the class only as not taken now
    for context in (
        "Clinic letter. Hip pain; she has been told to avoid anti-inflammatories since the bleed.",
        "Patient: I stopped the statin in the spring, it made my legs ache.",
        "Patient: Anti-inflammatories bring me out in hives, so I keep clear of them.",
    ):
        found = _drug_findings("Takes diclofenac and simvastatin.", context)
        assert found and all(risk >= 3 for risk, _ in found), context
