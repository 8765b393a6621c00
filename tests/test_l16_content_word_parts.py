"""Session 16 (helper RA): a note's clinical term supported where the input describes it by its
word parts in one clause (``lexicon/data/word_parts.toml``): "cholecystitis" for "the gallbladder
has got inflamed", "hypercholesterolemia" for "your cholesterol numbers came back raised".

Each reading has a control that failed before it and a twin, a made-up or denied term of the same
shape, that must still be found.
"""

from __future__ import annotations

from medfact.lexicon.parts import clauses, described, split_term
from medfact.testing import run_rule


def _unsupported(output: str, context: str) -> list[str]:
    return [
        f.message
        for f in run_rule("entities.v1", output, context)
        if "has no support" in f.message and f.risk >= 3
    ]


def test_terms_split_into_their_parts() -> None:
    assert split_term("cholecystitis") == ("cholecyst", "itis")
    assert split_term("hypoglycemia") == ("hypo", "glyc", "emia")
    assert split_term("nephrolithiasis") == ("nephr", "lithiasis")
    assert split_term("pneumonia") is None  # no known parts: left to the concept tables


def test_one_clause_must_say_every_part_near_the_others() -> None:
    def says(term: str, text: str) -> bool:
        return described(term, clauses(text), lambda s, e: True)

    assert says("hepatomegaly", "On the scan his liver looked enlarged.")
    assert not says("hepatomegaly", "The liver was fine. The spleen looked enlarged.")
    assert says("choledocholithiasis", "There's a stone stuck in the C B D.")


_GALL = "Doctor: The scan shows your gallbladder has got quite inflamed.\nPatient: Oh dear."


def test_an_inflamed_organ_described_supports_its_itis() -> None:
    assert _unsupported("Acute cholecystitis.", _GALL) == []
    # twin: the organ denied its inflammation does not support it
    clear = "Doctor: The scan shows your gallbladder is fine, nothing inflamed.\nPatient: Good."
    assert _unsupported("Acute cholecystitis.", clear)


_LIPIDS = "Doctor: Your cholesterol numbers came back quite raised on the last blood test."


def test_a_raised_level_described_supports_its_emia() -> None:
    assert _unsupported("Hypercholesterolemia on recent bloods.", _LIPIDS) == []
    # twin: the level said to be normal, another one high, is no support
    other = "Doctor: Your cholesterol is normal; the potassium readings ran high."
    assert _unsupported("Hypercholesterolemia.", other)


_REMOVED = "Patient: Years ago they took out my womb because of heavy bleeding."


def test_an_organ_taken_out_supports_its_ectomy() -> None:
    assert _unsupported("Past history of hysterectomy.", _REMOVED) == []
    # twin: a different organ's removal is still made up
    assert _unsupported("Past history of oophorectomy.", _REMOVED)
