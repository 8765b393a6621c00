"""Session 17 (helper RA3): content readings found on real clinicians' notes. A household
measure after a number is no laboratory value ("two sugar cubes"); a value said in words is kept
by the output's digits ("three point four" as 3.4); an employer's "they let me go" is no code
status; "Any ..." told without its "?" asks; a combination product keeps its parts ("Tylenol #3"
holds codeine); a drug that names a level, listed among tests, is a test; later items of a list
after "reacted to" are allergens too; "with some radiation to the back" is a pain's spread.
Each with a twin the rules must still catch.
"""

from __future__ import annotations

from medfact.pipeline import cached_engine
from medfact.testing import run_rule


def _messages(rule: str, output: str, context: str) -> list[str]:
    return [f.message for f in run_rule(rule, output, context)]


def _risk(output: str, context: str) -> int:
    engine = cached_engine(None, {"pipeline": {"learned_verifiers": [], "model": ""}})
    return int(engine.score({"id": "t", "output": output, "context": context}).risk_level)


def test_a_household_measure_is_no_glucose_value() -> None:
    context = (
        "Patient: When I feel shaky my wife gives me some sugar, two cubes, and I feel better."
    )
    found = _messages("omission.v1", "Shaky spells relieved by sugar.", context)
    assert not any("glucose" in m for m in found)
    # twin: a glucose reading said the same way is still a value the note must keep
    reading = "Patient: When I feel shaky my wife checks my sugar, two point one, and I eat."
    found = _messages("omission.v1", "Shaky spells relieved by eating.", reading)
    assert any("glucose" in m for m in found)


_POTASSIUM = "Doctor: Your bloods today show the potassium level is three point four."


def test_a_value_said_in_words_is_kept_by_its_digits() -> None:
    found = _messages("omission.v1", "Her potassium on the bloods that day was 3.4.", _POTASSIUM)
    assert not any("potassium" in m for m in found)
    # twin: the value left out is still reported
    found = _messages("omission.v1", "Bloods reviewed today.", _POTASSIUM)
    assert any("potassium" in m for m in found)


def test_an_employer_letting_someone_go_is_no_code_status() -> None:
    context = "Patient: I worked at the bakery for ten years until they let me go."
    assert not any("code status" in m for m in _messages("omission.v1", "Former baker.", context))
    # twin: a patient's own wish not to be brought back is still one
    wish = "Patient: If my heart stops, let me go. I have had a long life."
    assert any("code status" in m for m in _messages("omission.v1", "Long life.", wish))


def test_any_without_a_question_mark_asks() -> None:
    context = "Doctor: Any problem pregnancy. Any miscarriages?\nPatient: No, none at all."
    found = _messages("omission.v1", "No miscarriages.", context)
    assert not any("pregnancy" in m for m in found)
    # twin: a pregnancy stated is still one the note must keep
    stated = "Patient: I'm pregnant, about ten weeks, and no miscarriages before."
    found = _messages("omission.v1", "No miscarriages.", stated)
    assert any("pregnancy" in m for m in found)


def test_a_combination_product_keeps_its_parts() -> None:
    context = "Doctor: I'll give you Tylenol number three, that has codeine in it, every six hours."
    found = _messages("omission.v1", "Tylenol #3 q6h prn.", context)
    assert not any("Codeine" in m or "codeine" in m for m in found)
    # twin: a product without it leaves the codeine out
    found = _messages("omission.v1", "Tylenol 500 mg q6h prn.", context)
    assert any("codeine" in m.lower() for m in found)


def test_a_drug_that_names_a_level_listed_among_tests_is_a_test() -> None:
    context = "Doctor: Your blood tests and the scan all came back normal."
    output = "TSH, B12, folate, CBC and MRI brain were normal."
    assert not any("folate" in m.lower() for m in _messages("drugs.v1", output, context))
    # twin: folate prescribed with a dose is still a drug the input never names
    dosed = "Started folate 5 mg daily; CBC and MRI brain were normal."
    assert any("folate" in m.lower() for m in _messages("drugs.v1", dosed, context))


def test_later_items_of_a_reaction_list_are_allergens() -> None:
    context = (
        "Patient: Over the years I've reacted badly to sulfa drugs, penicillin, and a few "
        "others. I also believe I'm allergic to iodine dye."
    )
    found = _messages("entities.v1", "She is allergic to penicillin.", context)
    assert not any("allergy to 'penicillin'" in m for m in found)
    # twin: an allergen the input never names is still changed
    found = _messages("entities.v1", "She is allergic to cephalexin.", context)
    assert any("allergy to 'cephalexin'" in m for m in found)


def test_with_some_radiation_is_a_pains_spread() -> None:
    context = "Patient: The ache sits up high in my belly and goes through to my back."
    output = (
        "Epigastric ache, dull and constant and worst at night, with some radiation to the back."
    )
    assert not any("radiation" in m for m in _messages("entities.v1", output, context))
    # twin: radiotherapy to the back is still a procedure the input never names
    found = _messages(
        "entities.v1", "Epigastric ache; had radiation therapy to the spine.", context
    )
    assert any("radiation" in m for m in found)


_POOP = "Doctor: Any blood in your poop?\nPatient: No, it looks normal, just a bit loose."


def test_lay_words_for_stools_are_read_as_stools() -> None:
    # the note's "stools" is the input's "poop": a denial there is one here
    assert _risk("Loose stools, no blood in the stools.", _POOP) <= 2
    # twin (the control): blood written in the stools the input's "poop" lacks is caught
    assert _risk("Loose stools with blood in the stools.", _POOP) >= 3


def test_a_question_about_the_patients_own_finding_takes_it_as_given() -> None:
    note = "Seizure disorder, improving on the higher dose."
    context = "Doctor: How are your seizures since the dose went up?\nPatient: Better, one in May."
    found = _messages("entities.v1", note, context)
    assert not any("seizure disorder" in m.lower() for m in found)
    # twins: a question whether there are any, answered no, and a "how" question denied
    asked = "Doctor: Have you ever had any seizures?\nPatient: Never, not once."
    assert any("seizure disorder" in m.lower() for m in _messages("entities.v1", note, asked))
    denied = (
        "Doctor: How are your seizures these days?\n"
        "Patient: No, I don't have seizures, that's my son."
    )
    assert any("seizure disorder" in m.lower() for m in _messages("entities.v1", note, denied))


def test_a_sentence_that_glosses_a_question_asks() -> None:
    context = (
        "Doctor: Any warning signs of a stroke? That is slurred speech or a drooping face.\n"
        "Patient: Thankfully not."
    )
    found = _messages("omission.v1", "No stroke symptoms.", context)
    assert not any("slurred speech" in m for m in found)
    # twin: the patient's own slurred speech is still a red flag the note must keep
    said = "Doctor: Anything else?\nPatient: Yes. I had slurred speech this morning for an hour."
    assert any("slurred speech" in m for m in _messages("omission.v1", "No other issues.", said))
