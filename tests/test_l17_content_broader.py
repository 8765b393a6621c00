"""Session 17 (helper RA3): a diagnosis more specific than the finding the input states
(``broader`` in ``lexicon/data/entities.toml``): "a heart rhythm disorder" for atrial
fibrillation, "bone disease" for osteoporosis, "arthritis" for degenerative joint disease. A
clinician's ordinary judgement, graded 2 ("more specific than the input: a clinical judgement to
confirm"), not a fabrication (3); where the input denies the finding, says it of a relative, or
names another diagnosis the same words ground, it stays 3. Also: lay names of high cholesterol,
"-ies" plurals of procedure names, and a stance word after "yes" is no allergen.
"""

from __future__ import annotations

from medfact.pipeline import cached_engine
from medfact.testing import run_rule


def _condition_risks(output: str, context: str) -> list[tuple[int, str]]:
    return [
        (int(f.risk), f.message)
        for f in run_rule("entities.v1", output, context)
        if f.message.startswith("condition")
    ]


def _risk(output: str, context: str) -> int:
    engine = cached_engine(None, {"pipeline": {"learned_verifiers": [], "model": ""}})
    return int(engine.score({"id": "t", "output": output, "context": context}).risk_level)


_RHYTHM = (
    "Doctor: Any heart trouble?\n"
    "Patient: They told me I've got a heart rhythm disorder, I'm on a blood thinner for it."
)


def test_a_diagnosis_more_specific_than_the_inputs_finding_is_a_check() -> None:
    found = _condition_risks("PMH: atrial fibrillation on anticoagulation.", _RHYTHM)
    assert found and all(risk == 2 for risk, _ in found)
    assert "more specific than the input's 'heart rhythm disorder'" in found[0][1]
    assert _risk("PMH: atrial fibrillation on anticoagulation.", _RHYTHM) <= 2


def test_without_the_finding_the_diagnosis_is_made_up() -> None:
    # twin: the input states no rhythm problem at all
    context = "Doctor: Any heart trouble?\nPatient: None, I'm only on a blood thinner after a clot."
    found = _condition_risks("PMH: atrial fibrillation on anticoagulation.", context)
    assert found and max(risk for risk, _ in found) >= 3


def test_a_denied_finding_grounds_nothing() -> None:
    context = "Doctor: Any bone disease in the past?\nPatient: No, none."
    found = _condition_risks("History of osteoporosis.", context)
    assert found and max(risk for risk, _ in found) >= 3


def test_a_relatives_finding_does_not_ground_the_patients_diagnosis() -> None:
    context = "Patient: My mother had bone disease in her seventies; I'm fine myself."
    found = _condition_risks("History of osteoporosis.", context)
    assert found and max(risk for risk, _ in found) >= 3


def test_another_named_diagnosis_for_the_same_words_keeps_it_made_up() -> None:
    context = "Patient: I have rheumatoid arthritis, on methotrexate; the arthritis is worse."
    found = _condition_risks("Degenerative joint disease of the hands.", context)
    assert found and max(risk for risk, _ in found) >= 3
    plain = "Patient: I have arthritis and take paracetamol for it most days."
    found = _condition_risks("Degenerative joint disease of the hands.", plain)
    assert found and all(risk == 2 for risk, _ in found)


def test_the_table_keeps_the_work_up_diagnoses_out() -> None:
    # a memory complaint is what a dementia work-up is for: dementia stays made up
    context = "Daughter: Mum has had some memory loss over the last year, we're worried."
    found = _condition_risks("Background of dementia.", context)
    assert found and max(risk for risk, _ in found) >= 3


def test_lay_names_of_high_cholesterol() -> None:
    context = "Doctor: You've had cholesterol problems for years, haven't you?\nPatient: Yes."
    assert _condition_risks("Hyperlipidaemia, diet controlled.", context) == []
    # twin: a cholesterol test is not high cholesterol
    test = "Doctor: We'll check your cholesterol today.\nPatient: Okay."
    found = _condition_risks("Hyperlipidaemia, diet controlled.", test)
    assert found and max(risk for risk, _ in found) >= 3


def test_a_procedure_names_plural_in_ies_is_read() -> None:
    context = "Patient: I've had two colonoscopies, both clear."
    found = [f for f in run_rule("entities.v1", "Prior colonoscopy normal.", context)]
    assert found == []
    # twin: a different procedure in the plural supports nothing else
    context = "Patient: I've had two biopsies of the skin, both clear."
    found = run_rule("entities.v1", "Prior colonoscopy normal.", context)
    assert found and max(int(f.risk) for f in found) >= 3


def test_a_stance_word_after_yes_is_no_allergen() -> None:
    context = (
        "Doctor: Any allergies to medicines?\n"
        "Patient: Yes, unfortunately I have a few, penicillin gives me hives."
    )
    output = "Allergies: penicillin (hives)."
    messages = [f.message for f in run_rule("omission.v1", output, context)]
    assert not any("unfortunately" in m for m in messages)
    # twin: an allergy the note drops is still left out
    messages = [f.message for f in run_rule("omission.v1", "No known allergies.", context)]
    assert _risk("No known drug allergies.", context) >= 3


def test_a_modality_for_the_inputs_images_is_a_check() -> None:
    note = "Plain film (x-ray) of the ankle showed a fracture."
    context = "Doctor: The images they took at urgent care show a small fracture of the ankle."
    found = [
        (int(f.risk), f.message)
        for f in run_rule("entities.v1", note, context)
        if f.message.startswith("procedure")
    ]
    assert found and all(risk == 2 for risk, _ in found)
    # twin: the input names another modality for the images: the x-ray stays made up
    other = "Doctor: The MRI images they took at urgent care show a small fracture of the ankle."
    found = [int(f.risk) for f in run_rule("entities.v1", note, other)]
    assert found and max(found) >= 3
