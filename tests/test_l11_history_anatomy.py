"""Session 11 (helper E): whose history, anatomy within a region; each change with a control."""

from __future__ import annotations

import pytest

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports the compare stage
from medfact.analysis import NEGATED, concept_key
from medfact.testing import analysed, run_rule


def _messages(rule: str, output: str, context: str) -> list[str]:
    return [f.message for f in run_rule(rule, output, context) if f.risk >= 3]


# -- whose history ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cancer", "short"),
    [("lung cancer", "lung ca"), ("breast cancer", "breast ca"), ("bowel cancer", "bowel ca")],
)
def test_ca_beside_an_organ_is_a_cancer_and_a_relatives_one_is_not_the_patients(
    cancer: str, short: str
) -> None:
    ctx = f"Her mother was diagnosed with {cancer} at 52. She has no symptoms herself."
    found = _messages("negation.v1", f"PMH: {short} at 52.", ctx)
    assert any("relative's" in m for m in found)
    # control: the relative's cancer written as the relative's
    assert _messages("negation.v1", f"FHx: mother {short} at 52.", ctx) == []


def test_ca_alone_is_not_read_as_cancer() -> None:
    doc = analysed("Ca 2.31, ovarian ca noted, ca prostate.").output
    keys = [t.stem for t in doc.tokens if t.text == "ca"]
    cancer = concept_key("cancer")
    assert keys == ["ca", cancer, cancer]


def test_a_receptor_status_joined_by_a_hyphen_does_not_deny_the_cancer() -> None:
    doc = analysed("Treated for an ER-positive, HER2-negative left breast cancer.").output
    assert all(t.polarity != NEGATED for t in doc.tokens if t.text == "cancer")
    # control: "negative for" still denies
    doc = analysed("Biopsy negative for cancer.").output
    assert [t.polarity for t in doc.tokens if t.text == "cancer"] == [NEGATED]


def test_a_personal_history_sentence_ends_a_family_history_section() -> None:
    ctx = "Family history: father has glaucoma. Her own pressures have always been normal."
    out = "FHx: father - glaucoma. Personal h/o glaucoma."
    assert any("relative's" in m for m in _messages("negation.v1", out, ctx))
    # control: the family line alone
    assert _messages("negation.v1", "FHx: father - glaucoma.", ctx) == []


def test_a_post_mortem_finding_is_the_dead_relatives() -> None:
    ctx = (
        "His father died suddenly at 41 while running; the post-mortem suggested hypertrophic "
        "cardiomyopathy. ECG today normal."
    )
    doc = analysed(ctx).output
    assert {t.scope for t in doc.tokens if t.text == "cardiomyopathy"} == {"family"}


# -- anatomy within a region -----------------------------------------------------------------------


def test_an_epicondyle_on_the_other_side_is_a_swap() -> None:
    ctx = "Tender over the lateral epicondyle; pain on resisted wrist extension. Tennis elbow."
    found = _messages("laterality.v1", "TTP medial epicondyle.", ctx)
    assert any("lateral side" in m for m in found)
    assert _messages("laterality.v1", "TTP lateral epicondyle. Lateral epicondylitis.", ctx) == []


def test_a_quadrant_written_short_is_compared_with_the_input() -> None:
    ctx = "Single stab wound to the left upper quadrant. FAST: free fluid around the spleen."
    assert any("llq" in m for m in _messages("laterality.v1", "Stab wound LLQ.", ctx))
    assert _messages("laterality.v1", "Stab wound LUQ.", ctx) == []


def test_the_injected_shoulder_compartment_is_compared() -> None:
    ctx = "I did a subacromial injection of the left shoulder today with triamcinolone."
    assert _messages("laterality.v1", "Left glenohumeral injection performed today.", ctx)
    assert _messages("laterality.v1", "Left subacromial injection performed today.", ctx) == []


def test_the_stented_coronary_artery_is_compared_through_prox() -> None:
    ctx = (
        "90% stenosis of the proximal left anterior descending artery, treated with one stent. "
        "Left circumflex with mild irregularities only."
    )
    found = _messages("laterality.v1", "Prox LCx 90%, stented. LCx mild irregularities.", ctx)
    assert any("lcx" in m for m in found)
    assert _messages("laterality.v1", "Prox LAD 90%, stented. LCx mild irregularities.", ctx) == []


def test_a_valve_the_input_names_without_valve_is_not_a_swap() -> None:
    ctx = (
        "Mitral valve: moderate regurgitation. Aortic valve: normal. Tricuspid: mild regurgitation."
    )
    out = "Moderate MR at the mitral valve; the tricuspid valve leaks mildly."
    assert _messages("laterality.v1", out, ctx) == []


def test_a_disc_level_the_input_names_for_something_else_is_a_swap() -> None:
    ctx = (
        "MRI cervical spine: disc protrusion at C5-C6 compressing the C6 root; mild degenerative "
        "change at C6-C7 without root compression. Plan: consider ACDF at C5-C6 if no better."
    )
    found = _messages("laterality.v1", "Plan: consider ACDF C6-7 if no better.", ctx)
    assert any("says this of 'C5-C6'" in m for m in found)
    # control: each level with what the input says of it
    out = "C5-6 protrusion compressing C6 root; mild C6-7 degeneration. Consider ACDF C5-6."
    assert _messages("laterality.v1", out, ctx) == []


def test_a_tooth_the_input_finds_sound_is_not_the_one_extracted() -> None:
    ctx = "LR6 has deep caries into the pulp. LR7 is sound. He chose extraction. LR6 extracted."
    assert _messages("laterality.v1", "LR6 carious. LR7 extracted.", ctx)
    assert _messages("laterality.v1", "LR6 carious; LR7 sound. LR6 extracted.", ctx) == []


def test_a_metatarsal_the_input_does_not_number_is_a_swap() -> None:
    ctx = "X-ray: fracture of the neck of the fifth metacarpal. The fourth is fine."
    assert _messages("laterality.v1", "XR: 4th MC neck fracture.", ctx)
    # control: the bone the input names only as "the fourth"
    assert _messages("laterality.v1", "XR: 5th MC neck fracture; 4th MC intact.", ctx) == []


def test_a_relative_in_an_aside_after_a_history_does_not_own_the_condition() -> None:
    ctx = "Patient: My sister has schizophrenia, she's in supported housing. I had anxiety once."
    found = _messages("negation.v1", "Hx of schizophrenia (sister in supported housing).", ctx)
    assert any("relative's" in m for m in found)
    # controls: the relative named before the condition, or as its subject
    assert _messages("negation.v1", "Hx of anxiety; sister with schizophrenia.", ctx) == []
    assert _messages("negation.v1", "Sister: schizophrenia (in supported housing).", ctx) == []


def test_a_relative_who_speaks_of_her_own_condition_speaks_of_a_relatives() -> None:
    ctx = (
        "Doctor: Anyone in the family with fits or epilepsy?\n"
        "Mother: Me. I had epilepsy as a girl, I was on tablets until I was twelve.\n"
        "Doctor: And has he had a fit before?\nMother: Never."
    )
    assert any("relative's" in m for m in _messages("negation.v1", "PMH: epilepsy.", ctx))
    assert _messages("negation.v1", "FHx: mother had epilepsy in childhood.", ctx) == []
    # control: the relative's "I had to" tells of the patient
    doc = analysed("Doctor: What happened?\nMother: I had to hold him, he was shaking.").output
    assert {t.scope for t in doc.tokens if t.text == "shaking"} == {"current"}


def test_a_thrombophilia_never_tested_for_is_not_the_patients() -> None:
    ctx = (
        "Patient: My dad has factor V Leiden, he had a clot at 45.\n"
        "Doctor: Have you ever been tested for factor V Leiden yourself?\n"
        "Patient: No. Never tested."
    )
    assert _messages("negation.v1", "Pt has factor V Leiden.", ctx)
    assert _messages("negation.v1", "Father has factor V Leiden; pt never tested.", ctx) == []


# -- critical omissions ----------------------------------------------------------------------------


def _red_flags(output: str, context: str) -> list[tuple[int, str]]:
    return [
        (f.risk, context[f.context_span[0] : f.context_span[1]])
        for f in run_rule("omission.v1", output, context)
        if f.message.startswith("red flag") and f.context_span is not None
    ]


def test_a_red_flag_said_twice_is_cited_as_one_passage() -> None:
    ctx = (
        "Mother: I did the glass test and they didn't go away.\n"
        "Doctor: Yes, there are non-blanching spots on both shins."
    )
    [(risk, cited)] = _red_flags("Spots on her legs. Treat now.", ctx)
    assert cited.startswith("glass test") and cited.endswith("non-blanching")
    assert _red_flags("Non-blanching spots on both shins. Treat now.", ctx) == []


def test_a_non_word_red_flag_is_affirmed_not_denied() -> None:
    ctx = "O/E: febrile, a non-blanching rash on both shins."
    assert _red_flags("Febrile with a rash on the shins.", ctx) == [(3, "non-blanching")]
    # control: a denied one is no omission
    assert _red_flags("Febrile, no rash.", "O/E: febrile, no non-blanching rash.") == []


def test_an_answer_of_seconds_is_a_sudden_onset() -> None:
    ctx = "Doctor: How quickly did it get to its worst?\nPatient: Seconds. Straight away."
    assert _red_flags("Headache while lifting shopping.", ctx) == [(3, "Seconds")]
    assert _red_flags("Headache, maximal within seconds.", ctx) == []


def test_a_face_that_looks_droopy_is_a_facial_droop() -> None:
    ctx = "Nurse: Since four o'clock his face looks droopy on the left. His wife noticed."
    assert _red_flags("Unwell since four; wife concerned.", ctx) == [(3, "face looks droopy")]
    assert _red_flags("Left facial droop since 16:00 (per wife).", ctx) == []


# -- negation flips --------------------------------------------------------------------------------


def test_an_edema_word_is_a_finding_whose_denial_is_a_flip() -> None:
    ctx = "Fundoscopy: bilateral papilloedema, Frisen grade 2. No cranial nerve palsy."
    assert _messages("negation.v1", "O/E: no papilloedema.", ctx)
    assert _messages("negation.v1", "O/E: bilateral papilloedema (Frisen 2).", ctx) == []


def test_a_pneumothorax_is_a_finding_not_a_place() -> None:
    ctx = "Chest x-ray shows a right-sided pneumothorax of about 30 percent. Chest tube placed."
    assert _messages("negation.v1", "CXR shows no pneumothorax; chest tube placed.", ctx)
    assert _messages("negation.v1", "CXR: R pneumothorax ~30%; chest tube placed.", ctx) == []


def test_lay_and_abbreviated_names_of_a_finding_are_compared() -> None:
    ctx = "Doctor: Difficulty swallowing?\nPatient: No, food goes down fine."
    assert _messages("negation.v1", "Reflux with dysphagia.", ctx)
    assert _messages("negation.v1", "Reflux; no dysphagia.", ctx) == []
    ctx = "Left relative afferent pupillary defect present. Colour vision reduced."
    assert _messages("negation.v1", "No RAPD.", ctx)
    assert _messages("negation.v1", "L RAPD.", ctx) == []


def test_getting_a_bit_puffed_is_breathlessness() -> None:
    ctx = "Nurse: Breathing okay?\nPatient: Well, I get a bit puffed walking to the toilet."
    assert _messages("negation.v1", "No chest pain. No SOB.", ctx)
    assert _messages("negation.v1", "New SOB walking to the toilet.", ctx) == []


def test_a_relative_named_by_degree_owns_the_condition() -> None:
    ctx = (
        "Impression: anal fissure, but with a first degree relative with colon cancer "
        "diagnosed at sixty one she is due a colonoscopy."
    )
    assert _messages("negation.v1", "Personal history of colon cancer at 61.", ctx)
    # control: "relative" alone names no one, and "family history in first degree relative"
    # does not make what comes before it a relative's
    doc = analysed("Left relative afferent pupillary defect present.").output
    assert {t.scope for t in doc.tokens} == {"current"}
    doc = analysed("Concerning for prostate cancer, family history in first degree relative.")
    assert [t.scope for t in doc.output.tokens if t.text == "cancer"] == ["current"]
