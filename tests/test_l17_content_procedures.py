"""Session 17 (helper RA3): a procedure the input tells as what was done to what
(``lexicon/actions.py``, ``lexicon/data/procedure_actions.toml``): "they took my womb out" for a
hysterectomy, "they put in new ones" after the hips for hip replacements, a lesion "taken off"
for its excision. The action must be of the procedure's kind, said of the procedure's own organ
(or, for a bare "excision", of what the note says it was done to), affirmed, not asked, not
planned; a procedure on another organ stays made up.
"""

from __future__ import annotations

from medfact.lexicon.actions import acted_on, action_kind, told
from medfact.testing import run_rule


def _procedure_risks(output: str, context: str) -> list[int]:
    return [
        int(f.risk)
        for f in run_rule("entities.v1", output, context)
        if f.message.startswith("procedure")
    ]


def test_a_procedures_name_gives_its_kind_of_action() -> None:
    assert action_kind("appendectomy") == "remove"
    assert action_kind("hip replacements") == "replace"
    assert action_kind("gastroscopy") == "look"
    assert action_kind("hernia repair") == "repair"
    assert action_kind("catheterization") is None


def test_what_a_procedure_acts_on() -> None:
    objects, own = acted_on("hysterectomy", "s/p hysterectomy", 4, 16)
    assert own and ("womb",) in objects
    text = "Basal cell carcinoma of the cheek, treated by wide excision."
    start = text.index("excision")
    objects, own = acted_on("excision", text, start, start + 8)
    assert not own and objects == (("carcinoma",), ("cheek",))
    text = "Excision of a sebaceous cyst in 2015."
    objects, _ = acted_on("Excision", text, 0, 8)
    assert ("cyst",) in objects


_WOMB = "Patient: I had my womb taken out after the twins were born."


def test_a_removal_of_the_organ_supports_its_ectomy() -> None:
    assert _procedure_risks("Past surgical history: hysterectomy.", _WOMB) == []


def test_a_removal_of_another_organ_does_not() -> None:
    # twin: the appendix was taken out, not the womb
    context = "Patient: I had my appendix taken out after the twins were born."
    assert max(_procedure_risks("Past surgical history: hysterectomy.", context)) >= 3


def test_a_planned_or_asked_removal_does_not() -> None:
    planned = "Doctor: We will take the whole womb away next spring if the bleeding goes on."
    assert max(_procedure_risks("Past surgical history: hysterectomy.", planned)) >= 3
    asked = "Doctor: Did they take the whole womb away?\nPatient: Not sure."
    assert max(_procedure_risks("Past surgical history: hysterectomy.", asked)) >= 3


_HIPS = "Patient: Both my hips wore out, so in 2019 the surgeon put in new ones."


def test_new_ones_after_a_joint_is_its_replacement() -> None:
    assert _procedure_risks("Bilateral hip replacements in 2019.", _HIPS) == []


def test_new_ones_for_another_joint_is_not() -> None:
    # twin: the hips were replaced, not the knees
    assert max(_procedure_risks("Bilateral knee replacements in 2019.", _HIPS)) >= 3


_MOLE = "Patient: The dermatologist said the mole was a melanoma and got rid of it last May."


def test_a_bare_excision_is_read_by_what_the_note_says_it_was_done_to() -> None:
    assert _procedure_risks("Melanoma of the back, treated by local excision.", _MOLE) == []


def test_an_excision_of_something_the_input_never_had_removed_stays() -> None:
    # twin: the note's excision is of a lipoma the input never names
    found = _procedure_risks("Excision of a lipoma from the back last May.", _MOLE)
    assert found and max(found) >= 3


def test_a_scope_told_as_a_camera_on_the_organ() -> None:
    context = "Patient: Last year they put a camera in to look at my colon and it was fine."
    assert _procedure_risks("Colonoscopy last year was normal.", context) == []
    assert told("look", (("colon",),), context, lambda s, e: True)
    # twin: the camera looked at the stomach
    other = "Patient: Last year they put a camera down to look at my stomach and it was fine."
    assert max(_procedure_risks("Colonoscopy last year was normal.", other)) >= 3


def test_a_gallbladder_removal_told_by_its_stones() -> None:
    context = "Doctor: I see you had an operation to take out your gall stones in 2015."
    assert _procedure_risks("Status post cholecystectomy (2015).", context) == []
