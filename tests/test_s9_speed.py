"""Speed changes of the rule tier, session 9, that must not change any output (issue 13).

As in test_a7_speed.py: each fast path is checked against the plain reading it replaces, on
texts written for the test, and a control shows the fast path is taken where it should be.
"""

from __future__ import annotations

import pytest

from medfact import verdicts
from medfact.analysis import _ANAPHORA, Analyzer, _part_key, _part_word
from medfact.config import NO_MODEL
from medfact.lexicon import terms
from medfact.pipeline import Engine
from medfact.segment import ClinicalSegmenter
from medfact.verifiers import omission

FLAG_TEXTS = [
    "Patient denies chest pain. Takes metoprolol 50 mg PO daily; no known drug allergies.",
    "[doctor] any LOC ? [patient] I passed OUT twice and had a SEIZURE .",
    "Black and tarry stools since Monday; coughed up blood once.",
    "He has written goodbye letters to his kids. SI with a plan.",
    "Sudden, severe pain at the back of the head, worst headache of her life.",
    "sudden severe flank pain",  # the lookahead's "head" is missing: no flag
    "Neck is a bit stiff; a rash that doesn't fade under a glass.",
    "",
    "ok",
    # non-ASCII text keeps the ignored-case pattern, which folds these letters into ASCII ones
    "\u017feizures last week",  # the long s: "seizures"
    "Syncop\u0435",  # a Cyrillic e: "syncop" then a word letter, still a flag
    "caf\u00e9 visit; stroke-like slurred speech",
]


@pytest.mark.parametrize("text", FLAG_TEXTS)
def test_any_red_flag_answers_as_the_ignored_case_pattern(text: str) -> None:
    assert omission.any_red_flag(text) == (omission._ANY_FLAG.search(text) is not None)


def test_any_red_flag_reads_ascii_text_without_ignored_case(monkeypatch) -> None:
    class Refuse:
        def search(self, text: str) -> None:
            raise AssertionError("the ignored-case pattern ran on ASCII text")

    monkeypatch.setattr(omission, "_ANY_FLAG", Refuse())
    assert omission.any_red_flag("She had a SEIZURE at home.")  # control: a flag is found
    assert not omission.any_red_flag("No complaints today.")


def test_red_flag_patterns_hold_no_upper_case_escape() -> None:
    # lower-casing the pattern would turn \W, \S, \B, \D into their opposites
    assert "\\" + "W" not in omission._ANY_FLAG_SOURCE
    for letter in "ABDSWZ":
        assert "\\" + letter not in omission._ANY_FLAG_SOURCE


def _plain_part(word: str) -> str | None:
    """The part key as _sides read it before the memo."""
    part = _part_word(word)
    if (part in terms.ANATOMY or part in terms.ANATOMY_KEYS) and part not in _ANAPHORA:
        return terms.ANATOMY_KEYS.get(word, part)
    return None


def test_part_key_memo_answers_as_the_plain_reading() -> None:
    words = sorted(terms.ANATOMY) + sorted(terms.ANATOMY_KEYS)
    words += [w + "s" for w in words[:200]] + ["one", "side", "sided", "s", "the", "thoracentesis"]
    for word in words:
        assert (_part_key(word) or None) == _plain_part(word), word
    assert _part_key("knees") == _plain_part("knees")  # control: a plural names its part
    assert _part_key("knees")
    assert _part_key("one") == ""


def test_sides_read_as_before_with_the_part_memo() -> None:
    text = "Left knee swollen. [doctor] which ankle ? [patient] the right one . R ICA stenosis."
    doc = Analyzer()(text, ClinicalSegmenter()(text))
    assert [(m.side, m.anatomy) for m in doc.sides] == [
        ("left", "knee"),
        ("right", "ankle"),
        ("right", "carotid"),
    ]


def test_quantities_skip_only_words_that_start_no_number() -> None:
    text = (
        "Took two and a half tablets, an hour and a half ago; BP 120/80, seventy-five kg, "
        "pain seven out of ten, 3/7 of cough, half a day, twenty six years old."
    )
    doc = Analyzer()(text, ClinicalSegmenter()(text))
    # as the start (fb06381) read them: "half" opens two readings, "-" one, digits the rest
    assert [(q.value, q.unit, q.second) for q in doc.quantities] == [
        (2.5, "tab", None),
        (1.5, "h", None),
        (120.0, None, 80.0),
        (75.0, "kg", None),
        (7.0, None, 10.0),
        (3.0, "d", None),
        (0.5, "d", None),
        (26.0, "yr", None),
    ]


def test_word_share_verdicts_read_the_input_once(monkeypatch) -> None:
    built = []
    plain = verdicts.SupportIndex

    def counting(context):
        built.append(context)
        return plain(context)

    engine = Engine.from_config(None, NO_MODEL).load()
    case = {
        "id": "s9",
        "context": "Patient has a cough and a mild fever. She takes paracetamol. Sleeps well.",
        "output": "Cough. Mild fever. Takes paracetamol. Sleeps well. Walks daily.",
    }
    before = engine.score(case)
    monkeypatch.setattr(verdicts, "SupportIndex", counting)
    after = engine.score(case)
    shared = [v for v in after.verdicts if v.verifier == "support.v1"]
    assert len(shared) >= 2  # control: several claims are judged by their word share
    assert len(built) == 1
    assert [v.model_dump() for v in after.verdicts] == [v.model_dump() for v in before.verdicts]
