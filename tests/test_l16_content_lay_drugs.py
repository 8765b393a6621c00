"""Session 16 (helper RA): lay names of drugs in the input (``lexicon/data/lay_terms.toml``).

A patient's "weed" supports the note's marijuana; a "water pill" names only a class, so a note's
furosemide is more specific than the input (graded 2, check), not made up. Each reading has a
control that failed before it and a twin, a true error of the same shape, that must still be found.
"""

from __future__ import annotations

from medfact.lexicon.lay import lay_class, lay_named
from medfact.pipeline import cached_engine
from medfact.testing import run_rule


def _drug_findings(output: str, context: str) -> list[tuple[int, str]]:
    return [(int(f.risk), f.message) for f in run_rule("drugs.v1", output, context)]


def _risk(output: str, context: str) -> int:
    engine = cached_engine(None, {"pipeline": {"learned_verifiers": [], "model": ""}})
    return int(engine.score({"id": "t", "output": output, "context": context}).risk_level)


def test_the_table_reads_whole_words_only() -> None:
    assert lay_named("medical cannabis", "i smoke weed at weekends") == "weed"
    assert lay_named("medical cannabis", "weeding the garden hurts my back") is None
    assert lay_class("furosemide", "she takes a water pill") == [("diuretic", "water pill", 12, 22)]
    assert lay_class("amlodipine", "she takes a water pill") == []


_WEED = "Doctor: Anything recreational?\nPatient: I smoke weed most evenings to unwind."


def test_a_lay_name_of_the_drug_supports_its_clinical_name() -> None:
    assert _drug_findings("Smokes marijuana most evenings.", _WEED) == []
    assert _risk("Smokes marijuana most evenings.", _WEED) <= 2
    # twin: the same claim where the input denies any drug is still made up
    denied = "Doctor: Anything recreational?\nPatient: Nothing at all, I don't even drink."
    assert any("marijuana" in m for _, m in _drug_findings("Smokes marijuana.", denied))


def test_an_emergency_short_form_in_the_input_supports_the_drug() -> None:
    context = "Paramedic: We gave epi zero point five milligrams IM at the scene."
    assert _drug_findings("Epinephrine 0.5 mg IM given pre-hospital.", context) == []
    # twin: a different vasoactive drug is still not in the input
    assert _drug_findings("Norepinephrine infusion given pre-hospital.", context)


_WATER = "Patient: I take a water pill every morning, and that's about it."


def test_a_lay_class_name_grades_its_member_as_more_specific() -> None:
    found = _drug_findings("Takes furosemide each morning.", _WATER)
    assert found and all(risk == 2 for risk, _ in found)
    assert "only its class ('water pill')" in found[0][1]
    assert _risk("Takes furosemide each morning.", _WATER) <= 2


def test_a_member_of_the_class_named_in_the_input_is_still_another_drug() -> None:
    context = "Patient: I'm on a blood thinner, the apixaban, twice a day."
    found = _drug_findings("On warfarin twice daily.", context)
    assert any(risk == 4 and "apixaban" in m for risk, m in found)
    # a class the input declines supports none of its members
    declined = "Doctor: We talked about a blood thinner.\nPatient: I don't want a blood thinner."
    assert any(risk == 4 for risk, _ in _drug_findings("Started on warfarin.", declined))
    # and a class the input never names leaves a high-alert drug made up
    other = "Patient: I take something for my heart every morning."
    assert any(risk == 4 for risk, _ in _drug_findings("On warfarin.", other))


def test_us_brands_the_package_lacks_are_read_as_their_generics() -> None:
    seizures = "Patient: I take Dilantin for my seizures, and have done for years."
    assert _drug_findings("On phenytoin long term.", seizures) == []
    # twin: the brand in a note whose input names no such drug is made up (it was not read)
    knee = "Patient: My knee hurts when I climb the stairs."
    assert any("Percocet" in m for _, m in _drug_findings("Takes Percocet at night.", knee))
