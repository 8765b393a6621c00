"""A denial of a finding does not deny the word its preposition attaches to it (session 15).

"Any complications with your pregnancy? - No" denies the complications, not the pregnancy;
"side effects from the statin? - No" denies the side effects, not the statin. negation.v1 read
such a word as denied and flagged an output that affirms it. The reading holds the word as
neither denied nor affirmed by it: it still agrees with an output that denies the word ("no
thyroid history" for "any problems with your thyroid? - no"), and it still does not stand in
for the denial of the finding itself.
"""

from __future__ import annotations

from medfact.testing import analysed, run_rule
from medfact.verifiers.polarity import complement_of_denied


def _flips(output: str, context: str) -> list[str]:
    return [
        f.message
        for f in run_rule("negation.v1", output, context)
        if "denied or absent" in f.message
    ]


def test_complication_of_pregnancy_denied_is_not_pregnancy_denied() -> None:
    context = (
        "Doctor: Was there anything difficult about the birth, any complications with your "
        "pregnancy at all? Patient: No, none, it was all straightforward. Doctor: Good."
    )
    output = "Second pregnancy, delivered at term without complications."
    assert not _flips(output, context)


def test_side_effects_of_a_drug_denied_is_not_the_drug_denied() -> None:
    context = "Doctor: Any side effects from the atorvastatin? Patient: No. Doctor: Good."
    output = "Takes atorvastatin nightly and tolerates it well."
    assert not _flips(output, context)


def test_discharge_from_a_wound_denied_is_not_the_wound_denied() -> None:
    context = "Nurse: Any discharge from the wound? Patient: No. Nurse: Any fever? Patient: No."
    output = "Wound healing well, no discharge, afebrile."
    assert not _flips(output, context)


def test_a_trouble_with_a_function_is_its_own() -> None:
    context = "Doctor: Any problems with your breathing? Patient: No."
    output = "Breathing difficulty on exertion."
    assert any("'breathing'" in m for m in _flips(output, context))


def test_the_finding_itself_denied_is_still_contradicted() -> None:
    context = "Doctor: Any vomiting since yesterday? Patient: No. Doctor: Any fever? Patient: No."
    output = "Vomiting since yesterday, no fever."
    assert any("'vomiting'" in m for m in _flips(output, context))


def test_a_framing_word_passes_its_denial_on() -> None:
    context = "Doctor: Any history of epilepsy in yourself? Patient: No, never."
    output = "Known epilepsy."
    assert any("'epilepsy'" in m for m in _flips(output, context))


def test_a_denial_inside_the_attachment_is_the_word_own() -> None:
    context = "Abdomen soft, with no guarding. Tender in the left iliac fossa."
    output = "Abdomen: guarding in the left iliac fossa."
    assert any("'guarding'" in m for m in _flips(output, context))


def test_the_complement_still_agrees_with_an_output_denial() -> None:
    context = (
        "Doctor: The scan shows a small cyst in your kidney. Doctor: Have you ever had any "
        "problems with your kidneys? Patient: No, never."
    )
    output = "Incidental renal cyst. No previous kidney problems."
    findings = run_rule("negation.v1", output, context)
    assert not [f for f in findings if "'kidney" in f.message]


def test_complement_reading_marks_only_the_attached_word() -> None:
    doc = analysed("x", "Doctor: Any discharge from the wound? Patient: No.").context
    assert doc is not None
    words = {t.text: i for i, t in enumerate(doc.tokens)}
    wound, discharge = doc.tokens[words["wound"]], doc.tokens[words["discharge"]]
    assert complement_of_denied(doc, words["wound"], wound)
    assert not complement_of_denied(doc, words["discharge"], discharge)


def _present_flips(output: str, context: str) -> list[str]:
    return [
        f.message
        for f in run_rule("negation.v1", output, context)
        if "negated here but present" in f.message
    ]


def test_output_denial_of_a_treatment_does_not_deny_its_condition() -> None:
    context = "Doctor: Do you have eczema? Patient: Yes, since I was little, mostly on my hands."
    output = "Childhood eczema of the hands. Not using any cream for her eczema at present."
    assert not _present_flips(output, context)


def test_output_denial_of_a_change_in_a_function_does_not_deny_the_function() -> None:
    context = (
        "Doctor: How are your bladder and bowels? Patient: My bowels are regular, bladder fine."
    )
    output = "No change in bowel habit or bladder function."
    assert not _present_flips(output, context)


def test_output_denial_of_the_condition_itself_is_still_read() -> None:
    context = "Doctor: Do you have eczema? Patient: Yes, since I was little, mostly on my hands."
    output = "No eczema."
    assert any("'eczema'" in m for m in _present_flips(output, context))
