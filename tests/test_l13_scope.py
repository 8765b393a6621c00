"""Session 13: whose a finding is, where a negation ends and how a resolution reads. A relative
who reports on the patient is a historian, not the subject; a relative named beside the patient
does not take the patient's own verb; a finding told as settled is resolved on both sides; an
order to stop a drug says what "no more" says; a list item with its own predicate ("appetite
good") ends a denied list; a clause of time before a question is not what the answer denies."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules first
from medfact.analysis import FAMILY, NEGATED, AnalyzedText, Analyzer, Token
from medfact.pipeline import cached_engine
from medfact.segment import ClinicalSegmenter
from medfact.types import Assessment


def _read(text: str) -> AnalyzedText:
    return Analyzer()(text, ClinicalSegmenter()(text))


def _tok(doc: AnalyzedText, word: str, nth: int = 0) -> Token:
    return [t for t in doc.tokens if t.text == word][nth]


def _score(output: str, context: str) -> Assessment:
    engine = cached_engine({"pipeline": {"learned_verifiers": [], "model": ""}})
    return engine.score_one(output, context)


def _negation(assessment: Assessment) -> list[str]:
    return [f.message for f in assessment.findings if f.rule == "negation.v1" and f.risk >= 3]


# -- family scope ---------------------------------------------------------------------------

_HISTORIAN = (
    "Doctor: Your mum's been confused since yesterday, is that right?\n"
    "Daughter: Yes, she didn't know what day it was.\n"
)


def test_a_clinicians_your_mum_to_a_daughter_who_speaks_is_the_patient() -> None:
    assert _tok(_read(_HISTORIAN), "confused").scope != FAMILY
    assert not _negation(_score("Confused since yesterday.", _HISTORIAN))


def test_your_mum_to_the_patient_is_still_a_relative() -> None:
    # control: no relative speaks, so "your mum" is the patient's mother
    text = "Doctor: Does your mum have diabetes?\nPatient: Yes, she has had it for years.\n"
    assert _tok(_read(text), "diabetes").scope == FAMILY


def test_a_daughters_mum_later_in_her_turn_is_still_the_patient() -> None:
    text = (
        "Doctor: Does she have any allergies?\n"
        "Daughter: Co-trimoxazole, I think? No wait, that was my dad. Mum's is trimethoprim.\n"
    )
    assert _tok(_read(text), "trimethoprim").scope != FAMILY
    # control: the patient's own mum, later in the patient's turn, is a relative
    text = "Doctor: Any family history?\nPatient: Yes. My mum's is diabetes.\n"
    assert _tok(_read(text), "diabetes").scope == FAMILY


def test_a_relative_beside_the_patient_does_not_take_her_verb() -> None:
    text = "After discussion with her and her husband she is DNR/DNI and wishes hospice."
    doc = _read(text)
    assert _tok(doc, "hospice").scope != FAMILY
    assert _tok(doc, "dnr").scope != FAMILY


def test_a_resumptive_pronoun_of_the_relative_keeps_the_family_scope() -> None:
    # controls: "My sister, she had", "her husband he has": the relative's own verb
    assert _tok(_read("Patient: My sister, she had a melanoma."), "melanoma").scope == FAMILY
    assert _tok(_read("Her husband he has diabetes."), "diabetes").scope == FAMILY


def test_a_pronoun_of_the_other_sex_after_a_relatives_condition_is_the_patient_again() -> None:
    doc = _read("Her father had a stroke and she has hypertension.")
    assert _tok(doc, "stroke").scope == FAMILY
    assert _tok(doc, "hypertension").scope != FAMILY
    # control: "she" after a mother's condition is the mother
    assert _tok(_read("My mother had breast cancer and she died at 50."), "died").scope == FAMILY


def test_a_relatives_condition_written_as_the_patients_is_still_caught() -> None:
    context = "Doctor: Any heart problems?\nPatient: My dad had a heart attack at fifty.\n"
    assert any("relative's" in m for m in _negation(_score("Heart attack at 50.", context)))


# -- resolution ------------------------------------------------------------------------------

_SETTLED = "Mild constipation; jaw pain after the last vincristine has settled. Weight 18.5 kg."


def test_has_settled_reads_as_resolved() -> None:
    assert _tok(_read(_SETTLED), "pain").polarity == NEGATED
    assert not _negation(_score("Mild constipation; jaw pain after last VCR resolved.", _SETTLED))
    # "gone into her leg" is no resolution
    assert _tok(_read("The pain has gone into her leg."), "pain").polarity != NEGATED


def test_settled_in_the_output_matches_has_settled_in_the_input() -> None:
    context = "Her pain has settled and was likely biliary colic from gallstones."
    assert not _negation(_score("Pain settled; likely biliary colic.", context))


def test_a_symptom_ongoing_where_the_input_denies_it_outright_is_still_a_flip() -> None:
    # control: "no jaw pain" is a denial, not a resolution
    context = "Well at home. No jaw pain. Weight 18.5 kg."
    assert _negation(_score("Ongoing jaw pain.", context))


# -- stopping a drug ---------------------------------------------------------------------------

_NO_MORE = "Doctor: Your kidney function has dropped a bit, so no more ibuprofen for your knees."


def test_an_order_to_stop_a_drug_agrees_with_no_more() -> None:
    assert not _negation(_score("Reduced kidney function: stop oral ibuprofen.", _NO_MORE))


def test_a_drug_continued_or_not_to_be_stopped_is_still_caught() -> None:
    assert _negation(_score("Reduced kidney function: oral ibuprofen can continue.", _NO_MORE))
    assert _negation(_score("Reduced kidney function: do not stop oral ibuprofen.", _NO_MORE))


# -- list scope ------------------------------------------------------------------------------


def test_an_item_with_its_own_predicate_ends_a_denied_list() -> None:
    doc = _read("Mild ankle edema, no SOB or pruritus, appetite good.")
    assert _tok(doc, "pruritus").polarity == NEGATED
    assert _tok(doc, "appetite").polarity != NEGATED
    # control: a list of bare items stays denied to its end
    doc = _read("No fever, chills, nausea, vomiting or diarrhea.")
    assert _tok(doc, "diarrhea").polarity == NEGATED
    # "as well as" joins on: no predicate of its own
    doc = _read("The patient denies use of any tobacco product, as well as marijuana.")
    assert _tok(doc, "marijuana").polarity == NEGATED


# -- dialogue answers ------------------------------------------------------------------------


def test_a_clause_of_time_before_a_question_is_not_denied_by_the_answer() -> None:
    context = (
        "Doctor: Before we start the methotrexate, is there any chance you could be pregnant?\n"
        "Patient: No, I've got the coil.\n"
    )
    doc = _read(context)
    assert _tok(doc, "methotrexate").polarity != NEGATED
    assert _tok(doc, "pregnant").polarity == NEGATED
    output = "Pregnancy test before any methotrexate, not started today."
    assert not _negation(_score(output, context))


def test_a_no_that_names_one_item_and_sets_the_rest_against_it_denies_that_item_only() -> None:
    doc = _read(
        "Doctor: Any weight loss or night sweats?\n"
        "Patient: No weight loss. I do wake up drenched a few nights a week.\n"
    )
    assert _tok(doc, "sweats").polarity != NEGATED
    assert _tok(doc, "loss", 1).polarity == NEGATED
    # controls: a bare "No" denies the whole question; a named no with nothing set against it
    # ("My eyes are fine") leaves the question denied as before
    doc = _read("Doctor: Any weight loss or night sweats?\nPatient: No.\n")
    assert _tok(doc, "sweats").polarity == NEGATED
    doc = _read(
        "Doctor: Any vomiting, or problems with your vision?\n"
        "Patient: No vomiting. My eyes are fine.\n"
    )
    assert _tok(doc, "vision").polarity == NEGATED


def test_a_negation_after_a_list_item_does_not_reach_back_into_an_instruction() -> None:
    doc = _read("Plan: continue denosumab for bone, dexamethasone not needed at present.")
    assert _tok(doc, "denosumab").polarity != NEGATED
    assert _tok(doc, "dexamethasone").polarity == NEGATED
    # control: a treatment and its purpose before the negation are denied together
    doc = _read("Diazepam for daytime anxiety - not prescribed.")
    assert _tok(doc, "diazepam").polarity == NEGATED


def test_a_course_completed_agrees_with_no_longer_taking_it() -> None:
    context = (
        "Doctor: Are you still on the prednisone?\nPatient: No, I finished the taper last week.\n"
    )
    assert not _negation(_score("Completed the prednisone taper last week.", context))
    # control: still taking it is a flip
    assert _negation(_score("Still taking prednisone daily.", context))


def test_thoughts_of_harming_a_baby_the_patient_denied_are_still_a_flip() -> None:
    # the baby of a denied question is read as denied; dropping that reading (which made the
    # faithful "worrying harm will come to the baby" a false alarm) would lose this catch
    context = (
        "Doctor: Any thoughts of harming yourself or the baby?\n"
        "Patient: No. I just feel so anxious all the time.\n"
    )
    assert _negation(_score("Thoughts of harming the baby.", context))
