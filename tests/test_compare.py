"""The comparison stage (medfact/compare.py): a claim against its aligned window, fact by fact.

Each kind of fact: the contradiction is found with the differing span on both sides, its faithful
rewording is not flagged, and silence (the window does not state the fact) is not flagged.
"""

from __future__ import annotations

import pytest

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports this stage
from medfact.compare import RULE, CompareStage, Fact, differences
from medfact.document import CaseDoc
from medfact.pipeline import cached_engine
from medfact.taxonomy import ErrorCategory
from medfact.testing import analysed
from medfact.types import Evidence, Finding

_CONFIG = {"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}}


def _stage() -> CompareStage:
    engine = cached_engine(_CONFIG)
    return CompareStage(engine.settings, engine.parts)


def compare(output: str, context: str) -> tuple[CaseDoc, list[Finding]]:
    doc = analysed(output, context)
    _stage()(doc)
    return doc, [f for f in doc.findings if f.rule == RULE]


def spans(doc: CaseDoc, finding: Finding) -> tuple[str, str]:
    """The differing words of the output and of the input, read back through the spans."""
    assert finding.span is not None and finding.evidence and finding.evidence[0].span
    said = doc.case.output[finding.span[0] : finding.span[1]]
    start, end = finding.evidence[0].span
    given = (doc.case.context or "")[start:end]
    assert finding.context_span == (start, end)
    assert given == finding.evidence[0].text
    return said, given


# (output, input, the output's differing words, the input's differing words)
CONTRADICTIONS = [
    ("Lisinopril 10 mcg daily.", "Started lisinopril 10 mg daily.", "10 mcg", "10 mg"),
    (
        "Insulin glargine 20 mL at night.",
        "Insulin glargine 20 units at night.",
        "20 mL",
        "20 units",
    ),
    ("Ceftriaxone 50 mg/kg was given.", "Ceftriaxone 50 mg was given.", "50 mg", "50 mg"),
    ("Furosemide 80 mg daily.", "Continue furosemide 40 mg daily.", "80 mg", "40 mg"),
    (
        "Metformin 500 mg four times daily.",
        "Metformin 500 mg twice daily.",
        "four times daily",
        "twice daily",
    ),
    ("Ondansetron 4 mg IV.", "Ondansetron 4 mg PO as needed.", "IV", "PO"),
    ("Pain in the left knee.", "She has right knee pain for two weeks.", "left knee", "right knee"),
    ("Fracture of the fibula.", "Imaging shows a fracture of the tibia.", "fibula", "tibia"),
    (
        "Nodule in the right lower lobe.",
        "CT shows a nodule in the right upper lobe.",
        "lower lobe",
        "upper lobe",
    ),
    ("He takes metoprolol daily.", "He takes atenolol daily.", "metoprolol", "atenolol"),
    ("He complains of myalgias.", "He denies myalgias.", "myalgias", "myalgias"),
    ("The patient is febrile.", "The patient has been afebrile.", "febrile", "afebrile"),
    (
        "Chest x-ray shows a mass.",
        "The chest x-ray is unremarkable.",
        "shows",
        "unremarkable",
    ),
    (
        "The MRI was completed.",
        "We will schedule an MRI of the spine.",
        "was completed",
        "will schedule",
    ),
    ("Apixaban is continued.", "Hold apixaban before surgery.", "continued", "Hold"),
    (
        "Cough started two weeks after admission.",
        "Cough started two days before admission.",
        "two weeks after",
        "two days before",
    ),
    ("Family history of colon cancer.", "She was treated for colon cancer.", "colon", "colon"),
    (
        "No known drug allergies.",
        "She has drug allergies to penicillin.",
        "No known drug allergies",
        "penicillin",
    ),
    ("Code status: full code.", "Code status is DNR/DNI.", "full code", "DNR"),
    ("The patient is pregnant.", "She is not pregnant.", "pregnant", "pregnant"),
    ("She is 35 weeks' gestation.", "She is 23 weeks pregnant.", "35 weeks", "23 weeks"),
    ("60F with cough.", "A 72-year-old woman with cough.", "60F", "72-year-old"),
    ("A 72-year-old man with cough.", "A 72-year-old woman with cough.", "man", "woman"),
    (
        "Seen in the clinic for chest pain.",
        "Seen in the emergency department for chest pain.",
        "clinic",
        "emergency department",
    ),
    (
        "The rash has worsened since the last visit.",
        "The rash has improved since the last visit.",
        "worsened",
        "improved",
    ),
]


@pytest.mark.parametrize(("output", "context", "said", "given"), CONTRADICTIONS)
def test_contradiction_found_with_both_spans(
    output: str, context: str, said: str, given: str
) -> None:
    doc, found = compare(output, context)
    assert found, f"no difference found: {output!r} vs {context!r}"
    assert all(f.relation == "contradicted" and f.claim_id == doc.claims[0].id for f in found)
    pairs = [spans(doc, f) for f in found]
    assert (said, given) in pairs, pairs
    f = found[pairs.index((said, given))]
    label = f.message.split(":")[0]
    if said.lower() == given.lower():  # the same words: each side's reading is shown
        assert f.message.startswith(f"{label}: output says '{said}' (")
        assert f"; input says '{given}' (" in f.message
    else:
        assert f.message == f"{label}: output says '{said}'; input says '{given}'"


# faithful rewordings: the same facts in other words
REWORDINGS = [
    ("Lisinopril 10 mg once a day.", "Started lisinopril 10 mg daily."),
    ("Lisinopril 10 mg q.d.", "Lisinopril 10 mg daily."),
    ("Amoxicillin 0.5 g twice daily.", "Amoxicillin 500 mg b.i.d."),
    ("Furosemide 40 mg b.i.d.", "Furosemide 40 mg twice daily."),
    ("Levothyroxine is given PO.", "Levothyroxine is given orally."),
    ("History of CHF.", "History of congestive heart failure."),
    ("Labs WNL.", "Labs within normal limits."),
    ("Chest x-ray normal.", "The chest x-ray is unremarkable."),
    (
        "The patient has been without fever since admission.",
        "He has been afebrile since admission.",
    ),
    ("72F with cough.", "A 72-year-old woman with cough."),
    ("Seen in the ER.", "Seen in the emergency room."),
    ("Atorvastatin is on hold.", "Hold atorvastatin."),
    ("Cough started 6 weeks before admission.", "Cough started six weeks before admission."),
    ("Family history of breast cancer.", "Her sister had breast cancer."),
    ("The patient has no known drug allergies.", "Allergies: NKDA."),
    ("Code status: DNR/DNI.", "Code status is do not resuscitate and do not intubate."),
    ("He denies visual problems.", "He denies any visual problems."),
    ("Effusion in the right ankle.", "There is an effusion of the right ankle."),
]


@pytest.mark.parametrize(("output", "context"), REWORDINGS)
def test_rewording_is_no_difference(output: str, context: str) -> None:
    _, found = compare(output, context)
    assert found == [], [f.message for f in found]


# silence: the input does not state the output's fact at all
SILENCES = [
    ("Lisinopril 10 mg daily.", "She reports knee pain."),
    ("Knee pain for two weeks.", "Right knee pain for two weeks."),
    ("Metformin 500 mg twice daily.", "Metformin was continued."),
    ("The MRI was completed.", "She has low back pain."),
    ("No known drug allergies.", "She takes aspirin daily."),
    ("A 72-year-old woman with cough.", "Cough for three days."),
    ("He takes metoprolol daily.", "He takes metoprolol and aspirin daily."),
]


@pytest.mark.parametrize(("output", "context"), SILENCES)
def test_silence_is_no_contradiction(output: str, context: str) -> None:
    _, found = compare(output, context)
    assert found == [], [f.message for f in found]


def _corpus_doc(output: str, passage: str) -> CaseDoc:
    """A case with no context whose claims are aligned to a corpus passage window."""
    engine = cached_engine(_CONFIG)
    doc = engine.document({"id": "corpus", "output": output})
    engine.run_stages(doc_list := [doc], [s for s in engine.stages if s.name in _PREPARE])
    assert doc_list[0] is doc
    window = Evidence(text=passage, source="medquad", doc_id="gout-1", span=(40, 40 + len(passage)))
    doc.evidence = {c.id: [window] for c in doc.claims}
    doc.checkable = True
    return doc


_PREPARE = ("segment", "decompose", "analyze")
_GOUT = "Gout is more common in men than in women and more common in adults than in children."


def test_gout_comparative_order_is_contradicted() -> None:
    doc = _corpus_doc("Gout is more common in women than in men.", _GOUT)
    _stage()(doc)
    found = [f for f in doc.findings if f.rule == RULE]
    assert len(found) == 1
    f = found[0]
    assert f.category == ErrorCategory.FALSE_COMPARISON
    assert doc.case.output[f.span[0] : f.span[1]].startswith("more common in women than")
    assert f.evidence[0].text.startswith("more common in men than")
    start = _GOUT.index("more common in men")
    assert f.evidence[0].span == (40 + start, 40 + start + len(f.evidence[0].text))
    assert _GOUT[start : start + len(f.evidence[0].text)] == f.evidence[0].text
    assert f.context_span is None  # a corpus passage is no input of the case
    assert "; passage says 'more common in men than" in f.message


def test_gout_same_order_and_patient_facts_in_corpus_mode() -> None:
    doc = _corpus_doc("Gout is less common in women than in men.", _GOUT)
    _stage()(doc)
    assert [f for f in doc.findings if f.rule == RULE] == []
    # a passage is general knowledge: a side or a dose of the claim is not compared with it
    doc = _corpus_doc("Her left knee is swollen.", "Gout often affects the right knee.")
    _stage()(doc)
    assert [f for f in doc.findings if f.rule == RULE] == []


def test_claims_with_a_contradiction_already_are_left_alone() -> None:
    doc = analysed("Lisinopril 10 mcg daily.", "Started lisinopril 10 mg daily.")
    claim = doc.claims[0]
    prior = Finding(
        category=ErrorCategory.DETAIL_MISIDENTIFICATION,
        risk=4,
        span=claim.span,
        message="another rule",
        relation="contradicted",
        rule="numbers.v1",
        claim_id=claim.id,
    )
    doc.findings = [prior]
    _stage()(doc)
    assert doc.findings == [prior]


def test_no_context_and_no_corpus_is_left_alone() -> None:
    doc = analysed("Lisinopril 10 mcg daily.", None)
    _stage()(doc)
    assert doc.findings == []


def test_finding_is_graded_by_the_severity_policy() -> None:
    from medfact.severity import apply_policy, load_policy

    doc, found = compare("Insulin glargine 20 mL at night.", "Insulin glargine 20 units at night.")
    graded = apply_policy(
        found,
        doc.case.output,
        doc.context_text,
        doc.output_sentences,
        doc.context_sentences,
        load_policy(),
    )
    assert graded[0].policy is not None and graded[0].risk == 4


def test_differences_need_the_same_key() -> None:
    left = Fact("side", "knee|left-right", "left", 0, 4)
    right_knee = Fact("side", "knee|left-right", "right", 10, 15)
    right_hip = Fact("side", "hip|left-right", "right", 20, 25)
    assert [d.given for d in differences([left], [right_knee])] == [right_knee]
    assert differences([left], [right_hip]) == []
    assert differences([left], [right_knee, Fact("side", "knee|left-right", "left", 30, 34)]) == []


def test_stage_is_registered() -> None:
    from medfact import registry

    assert registry.stages.get("compare") is CompareStage


def test_window_cut_reads_what_the_whole_text_reads() -> None:
    """A window's facts, read from the analysis cut to its sentences, are the whole input's
    facts inside the window (polarity, scope and answers as the whole analysis read them)."""
    from medfact.compare import Windows, facts_in, read_facts

    context = (
        "Family history: her mother had breast cancer. Continue furosemide 40 mg twice daily. "
        "She denies chest pain. Doctor: Is it your left knee? Patient: No, the other one."
    )
    doc = analysed("Summary.", context)
    assert doc.context is not None
    whole = read_facts(doc.context)
    windows = Windows(doc.context)
    for sentence in doc.context_sentences:
        start, end = sentence.span
        cut = [(f.kind, f.key, f.value, f.start, f.end) for f in windows.facts(start, end)]
        full = [(f.kind, f.key, f.value, f.start, f.end) for f in facts_in(whole, start, end)]
        assert cut == full, sentence.text


def test_study_effect_is_compared() -> None:
    doc, found = compare(
        "Drug A significantly increased pain scores compared with placebo.",
        "Drug A made no significant difference in pain scores compared with placebo.",
    )
    # the effect with its outcome (medfact/direction.py) is shown before the bare adverb
    assert [spans(doc, f) for f in found] == [
        ("increased pain scores", "no significant difference in pain scores")
    ]
    assert found[0].category == ErrorCategory.FALSE_COMPARISON


def test_hedged_finding_stated_as_certain() -> None:
    doc, found = compare("She has pneumonia.", "She has possible pneumonia.")
    assert [spans(doc, f) for f in found] == [("pneumonia", "pneumonia")]
    assert found[0].category == ErrorCategory.OVERSTATED_INTENSITY


def test_with_tier1_only_a_supporting_window_counts() -> None:
    import numpy as np

    from medfact.config import NO_MODEL

    engine = cached_engine(None, NO_MODEL)
    case = {"id": "k", "context": "Left knee swollen.", "output": "The right knee is swollen."}

    def compare_findings(p_supported: float | None) -> list[Finding]:
        doc = next(iter(engine.pipe([case], until="retrieve")))
        if p_supported is not None:  # as tier 1 leaves it: P(supported) and the card's cut
            doc.probabilities = np.array([[p_supported, 0.0, 1.0 - p_supported]] * len(doc.claims))
            doc.thresholds = {"supported": 0.5}
        return [f for f in engine.stage("compare")(doc).findings if f.rule == RULE]

    assert compare_findings(None)  # no tier 1: the first window is compared
    assert compare_findings(0.9)  # a supporting window: the side differs
    assert compare_findings(0.2) == []  # a window tier 1 does not align: no comparison


def test_a_dialogue_sentence_about_someone_else_is_not_the_patients() -> None:
    from medfact.config import NO_MODEL

    engine = cached_engine(None, NO_MODEL)
    told = (
        "Doctor: Any family history?\nPatient: My dad died a few years back. "
        "He had colon cancer and thyroid cancer.\nDoctor: Anything yourself?\nPatient: No."
    )
    faithful = engine.score_one("His father died of colon and thyroid cancers.", told)
    assert not [f for f in faithful.findings if f.rule == RULE]
    own = "Doctor: Any cancer?\nPatient: I had thyroid cancer.\nDoctor: Family?\nPatient: No."
    swapped = engine.score_one("His father had thyroid cancer.", own)
    assert any(f.rule == RULE and f.message.startswith("scope") for f in swapped.findings)
