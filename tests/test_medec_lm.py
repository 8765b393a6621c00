"""lm.v1: the MEDEC corrector through the evaluator LM interface (few-shot, schema-checked)."""

from __future__ import annotations

import json

import pytest

from medfact.lm.base import Generation, LMOutputError
from medfact.medec.data import MedecNote
from medfact.medec.lm_corrector import LMCorrector
from medfact.taxonomy import ErrorCategory, MedecType

NOTE = (
    "A 3-year-old boy has a barking cough and inspiratory stridor. "
    "Neck radiograph shows a steeple sign. "
    "The most likely cause is Escherichia coli."
)


class ScriptedLM:
    """Answers each generate call with the next scripted text; records the chats it saw."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.chats: list[list[dict[str, str]]] = []

    def generate(self, prompts, *, max_new_tokens, temperature=0.0, json_schema=None, stop=None):
        self.chats.extend(prompts)
        return [Generation(self.answers.pop(0), 10, 10, 0.01) for _ in prompts]


def _answer(**fields) -> str:
    base = {
        "has_error": True,
        "error_type": "causal_organism",
        "sentence_id": 2,
        "sentence": "The most likely cause is Escherichia coli.",
        "correction": "The most likely cause is parainfluenza virus.",
    }
    base.update(fields)
    return json.dumps(base)


def test_flags_the_named_sentence_with_type_and_correction() -> None:
    lm = ScriptedLM(_answer(error_type="causal_organism"))
    c = LMCorrector(lm, shots=0).correct(MedecNote(id="n1", text=NOTE))
    assert c.error_flag and c.sentence_index == 2
    assert NOTE[c.sentence_span[0] : c.sentence_span[1]] == c.sentence
    assert c.error_type == MedecType.CAUSAL_ORGANISM
    assert c.category == ErrorCategory.DETAIL_MISIDENTIFICATION
    assert "parainfluenza" in c.corrected_sentence
    # the note is shown one numbered sentence a line
    assert "2 The most likely cause is Escherichia coli." in lm.chats[0][-1]["content"]


def test_no_error_answer() -> None:
    lm = ScriptedLM(
        json.dumps(
            {
                "has_error": False,
                "error_type": None,
                "sentence_id": None,
                "sentence": None,
                "correction": None,
            }
        )
    )
    c = LMCorrector(lm, shots=0).correct(MedecNote(id="n2", text=NOTE))
    assert not c.error_flag and c.sentence_index == -1


def test_malformed_answer_is_retried_then_an_error_never_a_guess() -> None:
    lm = ScriptedLM("I think sentence two is wrong", "still not json")
    with pytest.raises(LMOutputError, match="n3"):
        LMCorrector(lm, shots=0).correct(MedecNote(id="n3", text=NOTE))
    assert len(lm.chats) == 2  # one repair attempt, with the schema complaint
    assert "schema" in lm.chats[1][-1]["content"]


def test_repaired_on_retry() -> None:
    lm = ScriptedLM("```json\n{not json", _answer())
    c = LMCorrector(lm, shots=0).correct(MedecNote(id="n4", text=NOTE))
    assert c.error_flag and c.sentence_index == 2


def test_sentence_found_by_quote_when_the_id_is_wrong() -> None:
    lm = ScriptedLM(_answer(sentence_id=17))
    c = LMCorrector(lm, shots=0).correct(MedecNote(id="n5", text=NOTE))
    assert c.sentence_index == 2


def test_few_shot_uses_the_most_similar_annotated_notes() -> None:
    croup = MedecNote(
        id="ex1",
        text="A child has a barking cough and stridor. Cause: parainfluenza virus.",
        error_flag=False,
    )
    ankle = MedecNote(
        id="ex2", text="An adult twisted an ankle while running. X-ray is normal.", error_flag=False
    )
    lm = ScriptedLM(_answer())
    corrector = LMCorrector(lm, shots=1, examples=[ankle, croup])
    c = corrector.correct(MedecNote(id="n6", text=NOTE))
    chat = lm.chats[0]
    assert [m["role"] for m in chat].count("assistant") == 1  # one shot, answered
    assert "barking cough" in chat[-3]["content"] and "ankle" not in json.dumps(chat)
    assert [e.doc_id for e in c.evidence] == ["ex1"]


def test_shots_never_show_the_note_or_its_error_clean_twin() -> None:
    twin = NOTE.replace("Escherichia coli", "parainfluenza virus")
    other = (
        "A 60-year-old man has crushing chest pain and ST elevation in leads II, III and aVF. "
        "He is diagnosed with acute pericarditis."
    )
    examples = [
        MedecNote(id="twin", text=twin, error_flag=False),
        MedecNote(id="other", text=other, error_flag=True, error_sentence_id=1),
    ]
    lm = ScriptedLM(_answer())
    corrector = LMCorrector(lm, shots=2, examples=examples)
    assert [ex.id for ex in corrector._similar(MedecNote(id="n1", text=NOTE))] == ["other"]
