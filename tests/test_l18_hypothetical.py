"""Session 18 (helper H): a condition named as a possibility neither states nor denies it.

A risk ("risk of falls", "bleeding risk"), what a treatment or an instruction is to prevent or
avoid ("to prevent a clot", "to avoid dehydration"), a precaution ("aspiration precautions"), a
consequence or side effect warned of ("it can lead to skin infections", "may cause
drowsiness"), what a patient is counselled or warned about, and a consent's list of risks are
read hypothetical (``medfact.analysis``, ``possibility_pre`` / ``possibility_post`` in
``lexicon/data/scope.toml``), in either word order, in the input and the output alike. The rules
already treat a hypothetical mention as no statement; so "no fever" and "fever precautions" agree.

True errors of the same shape stay caught: a finding the input names only as a possibility that
the output states as had ("at risk of a stroke" -> "Had a stroke.") is negation.v1's "stated as
fact but the input names it only as a possibility". A fact turned into a risk ("she had a stroke"
-> "at risk of stroke") is no contradiction: a patient who had one is at risk of another, and the
lost fact is an omission's to weigh (chosen: no finding at 3 or above).
"""

from __future__ import annotations

from medfact.analysis import HYPOTHETICAL
from medfact.pipeline import cached_engine
from medfact.testing import analysed, run_rule


def _risk(output: str, context: str) -> int:
    engine = cached_engine(None, {"pipeline": {"learned_verifiers": [], "model": ""}})
    return int(engine.score({"id": "t", "output": output, "context": context}).risk_level)


def _scopes(text: str) -> dict[str, str]:
    return {t.text: t.scope for t in analysed(text, "Nothing to add.").output.tokens}


def _negation(output: str, context: str) -> list[str]:
    return [f.message for f in run_rule("negation.v1", output, context) if f.risk >= 3]


# --- the reading ---------------------------------------------------------------------------


def test_a_risk_is_hypothetical_in_either_word_order() -> None:
    assert _scopes("He is at risk of falls.")["falls"] == HYPOTHETICAL
    assert _scopes("Apixaban (bleeding risk).")["bleeding"] == HYPOTHETICAL
    assert _scopes("Seizure precautions on the ward.")["seizure"] == HYPOTHETICAL
    assert _scopes("Enoxaparin for DVT prophylaxis.")["dvt"] == HYPOTHETICAL


def test_prevention_avoidance_and_warned_consequences_are_hypothetical() -> None:
    assert _scopes("Compression stockings to prevent a clot.")["clot"] == HYPOTHETICAL
    assert _scopes("Sip water often to avoid dehydration.")["dehydration"] == HYPOTHETICAL
    assert _scopes("Picking at it can lead to a skin infection.")["infection"] == HYPOTHETICAL
    assert _scopes("The tablets may cause drowsiness.")["drowsiness"] == HYPOTHETICAL
    scopes = _scopes("Risks of the operation include bleeding, infection and a clot.")
    assert scopes["bleeding"] == scopes["infection"] == HYPOTHETICAL


def test_what_follows_the_possibility_is_read_as_it_was() -> None:
    # the reason for the risk and a presupposed condition stay the patient's
    scopes = _scopes("Risk of bleeding on warfarin given her ulcer.")
    assert scopes["bleeding"] == HYPOTHETICAL and scopes["ulcer"] != HYPOTHETICAL
    assert _scopes("Aspirin to prevent another stroke.")["stroke"] != HYPOTHETICAL
    # what is avoided is one thing; the advice list goes on as advice
    assert _scopes("Avoid heavy lifting, weight loss advised.")["loss"] != HYPOTHETICAL
    # complications told in the past are no list of risks
    assert _scopes("Complications included pneumonia.")["pneumonia"] != HYPOTHETICAL


# --- faithful possibilities are no claims ------------------------------------------------------

_NO_FEVER = "Doctor: Any fever?\nPatient: No."


def test_a_risk_of_a_denied_finding_is_consistent() -> None:
    assert not _negation("Fever precautions given.", _NO_FEVER)
    assert not _negation("Small risk of fever after the vaccine.", _NO_FEVER)
    assert _risk("Fever precautions given.", _NO_FEVER) <= 2


def test_a_warned_consequence_agrees_with_a_risk_told_another_way() -> None:
    context = (
        "Doctor: Is the skin infected?\nPatient: No.\n"
        "Doctor: Keep your nails short, scratching can lead to nasty skin infections."
    )
    output = "Scratching puts him at risk of skin infection."
    assert not _negation(output, context)
    assert _risk(output, context) <= 2


def test_instructions_and_counselling_state_nothing() -> None:
    context = (
        "Pharmacist: start the methotrexate on Fridays; if you get a sore throat or mouth "
        "ulcers ring the clinic. It can also make you drowsy."
    )
    output = (
        "Methotrexate weekly (Fridays). Report sore throat or mouth ulcers. Warned re drowsiness."
    )
    assert not _negation(output, context)


def test_what_to_come_back_with_is_no_finding() -> None:
    # the input's condition is an instruction's; the output words the instruction its own way
    context = "Doctor: If you get a fever or the wound starts oozing, come straight back."
    for output in (
        "Advised to return with any fever or wound discharge.",
        "Re-present with fever.",
        "He knows to return in the event of a fever.",
    ):
        assert not _negation(output, context), output
    # twin: the fever stated as had is caught
    assert _negation("He has a fever.", context)


def test_what_a_treatment_keeps_from_happening_is_hypothetical() -> None:
    assert _scopes("This is to prevent you from getting pneumonia.")["pneumonia"] == HYPOTHETICAL
    assert _scopes("Heparin will stop you getting a clot.")["clot"] == HYPOTHETICAL


def test_a_condition_presupposed_by_the_input_is_had() -> None:
    # "if my cough does not settle": the cough is there, told in a condition
    context = "Patient: You said to come back if my cough does not settle, so here I am."
    assert not _negation("He reports that his cough is unchanged.", context)


# --- true errors stay caught -------------------------------------------------------------------

_AT_RISK = "Doctor: With your blood pressure you are at risk of a stroke.\nPatient: I see."


def test_a_risk_told_as_an_event_is_caught() -> None:
    found = _negation("She had a stroke last year.", _AT_RISK)
    assert found and "only as a possibility" in found[0]
    assert _risk("She had a stroke last year.", _AT_RISK) >= 3
    assert _risk("Stroke.", _AT_RISK) >= 3
    # twin control: the possibility written back as a possibility
    assert _risk("At risk of stroke given her blood pressure.", _AT_RISK) <= 2


def test_a_return_precaution_told_as_a_finding_is_caught() -> None:
    context = "Doctor: If you get a fever over the weekend, call us.\nPatient: Will do."
    assert _risk("Patient has a fever.", context) >= 3
    assert _risk("Call if fever develops.", context) <= 2


def test_a_fact_turned_into_a_risk_is_no_contradiction() -> None:
    # chosen: "at risk of a stroke" is true of a patient who had one; no finding at 3+
    context = "Doctor: You had a stroke two years ago.\nPatient: Yes, a small one."
    assert not _negation("At risk of stroke; on aspirin.", context)


def test_a_hedged_risk_is_read_against_the_inputs_risk() -> None:
    context = "Risk assessment: HIGH risk for gestational diabetes (BMI 36, family history)."
    found = run_rule("certainty.v1", "Possibly raised gestational diabetes risk.", context)
    assert any(f.risk >= 3 for f in found)


# --- entities.v1 reads the same possibility ------------------------------------------------------


def _entities(output: str, context: str) -> list[tuple[int, str]]:
    return [(int(f.risk), f.message) for f in run_rule("entities.v1", output, context)]


def test_a_condition_named_as_a_possibility_without_support_is_a_check() -> None:
    context = "Doctor: We will put you in stockings after the operation.\nPatient: Fine."
    found = _entities("Stockings to prevent a pulmonary embolism after surgery.", context)
    assert found and all(risk == 2 for risk, _ in found)
    assert "named as a possibility" in found[0][1]
    # twin: the same condition stated as had is made up
    found = _entities("Pulmonary embolism after surgery.", context)
    assert found and max(risk for risk, _ in found) >= 3


def test_a_concept_the_input_names_only_as_a_possibility_is_not_present() -> None:
    context = "Doctor: Lying in bed this long puts you at risk of a DVT.\nPatient: Okay."
    found = _entities("Patient developed a DVT in hospital.", context)
    assert found and found[0][0] >= 3 and "as a possibility" in found[0][1]
    assert not _entities("Enoxaparin for DVT prophylaxis.", context)
    # a condition the possibility presupposes is had ("if your asthma flares up again")
    context = "Doctor: If your asthma flares up again, use the blue inhaler.\nPatient: Okay."
    assert not _entities("Asthma, uses a blue inhaler.", context)
