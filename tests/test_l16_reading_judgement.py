"""A clinician's judgement is not an overstated certainty (negation.v1), session 16 (helper RB),
from false alarms on real clinician notes. Small texts written for these tests.

- An output that is a numbered problem list ("1. Viral infection. 2. Dehydration."), as an
  Assessment section written without its header is, names diagnoses as judgements: it does not
  state as fact what the input only suggests. A sentence of its own inside an item, and prose
  outside a list, still do.
- "I feel that ..." in a note is the clinician's view, a hedge like "I think".
"""

from __future__ import annotations

from medfact.testing import run_rule
from medfact.verifiers.polarity import problem_list_item


def _overstated(output: str, context: str) -> list[str]:
    return [
        f.message for f in run_rule("negation.v1", output, context) if "stated as fact" in f.message
    ]


_VIRAL = (
    "Doctor: I think this could be a viral infection, and you may have some dehydration too. "
    "Patient: Okay."
)
_SEIZURE = (
    "Doctor: The fever is really high, I think he is having a febrile seizure.\n"
    "Guest_family: Will he be alright?"
)


def test_numbered_problem_list_is_a_judgement() -> None:
    assert not _overstated("1.  Viral infection. 2.  Dehydration.", _VIRAL)


def test_prose_stating_the_diagnosis_is_still_overstated() -> None:
    assert _overstated("She has a viral infection and dehydration.", _VIRAL)


def test_a_sentence_of_its_own_inside_an_item_is_still_overstated() -> None:
    output = "1.  Vomiting for two days. Viral infection confirmed on swab. 2.  Dehydration."
    assert _overstated(output, _VIRAL)


def test_problem_list_item_reads_the_item_head_only() -> None:
    text = "1.  Pneumonia.  He has had recurrent episodes. 2.  Anemia."
    assert problem_list_item(text, text.index("Pneumonia"))
    assert not problem_list_item(text, text.index("recurrent"))
    assert problem_list_item(text, text.index("Anemia"))
    assert not problem_list_item("Pneumonia. 2. Anemia.", 0)  # no list from the first word


def test_i_feel_that_is_the_clinicians_view() -> None:
    assert not _overstated("I feel that this boy has a febrile seizure.", _SEIZURE)


def test_the_view_written_as_fact_is_still_overstated() -> None:
    assert _overstated("This boy has a febrile seizure.", _SEIZURE)
