"""Session 13, round 3: negation flips missed for a synonym the input wrote otherwise. British
and American names of one sign ("creps" and "crackles", "recession" and "retractions"), a verb
form of a symptom ("vomited" for "vomiting") and a lay name of a diagnosis ("underactive
thyroid") are one word to the negation rule; so are "hearing voices" and hallucinations,
"shivers" and rigors. A sign told "present" or "absent" in so many words ("asterixis present")
is a finding even where the clinical lexicon lacks it. Each has a control: the same words
agreeing in polarity raise no flip."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules first
from medfact.pipeline import cached_engine
from medfact.types import Assessment


def _score(output: str, context: str) -> Assessment:
    engine = cached_engine({"pipeline": {"learned_verifiers": [], "model": ""}})
    return engine.score_one(output, context)


def _negation(assessment: Assessment) -> list[str]:
    return [f.message for f in assessment.findings if f.rule == "negation.v1" and f.risk >= 3]


def test_creps_in_the_input_are_the_crackles_the_output_denies() -> None:
    context = "On examination: creps at the left base, no wheeze. Sats 94% on air."
    assert _negation(_score("Chest: no crackles, no wheeze. SpO2 94% RA.", context))
    assert not _negation(_score("Chest: crackles L base, no wheeze. SpO2 94% RA.", context))


def test_rales_and_crepitations_are_crackles() -> None:
    context = "Chest clear, no crepitations. Heart sounds normal."
    assert _negation(_score("Bibasal rales. Heart sounds normal.", context))
    assert not _negation(_score("Chest clear, no rales. HS normal.", context))


def test_subcostal_recession_denied_is_a_flip() -> None:
    context = (
        "10-month-old with cough and fever. Respiratory rate 48. Mild subcostal recession; "
        "no nasal flaring or grunting. Oxygen saturation 95% in air."
    )
    flipped = "RR 48, no subcostal recession, no nasal flaring or grunting. SpO2 95% RA."
    assert _negation(_score(flipped, context))
    kept = "RR 48, mild subcostal retractions; no nasal flaring or grunting. SpO2 95% RA."
    assert not _negation(_score(kept, context))


def test_vomited_in_the_input_is_the_vomiting_the_output_denies() -> None:
    context = "Mother: he vomited twice this morning and he's off his food."
    assert _negation(_score("Off food. No vomiting.", context))
    assert not _negation(_score("Off food. Vomiting x2 this morning.", context))


def test_underactive_thyroid_is_hypothyroidism() -> None:
    context = "Past history: underactive thyroid on levothyroxine 50 mcg. No diabetes."
    assert _negation(_score("PMH: no hypothyroidism, no diabetes.", context))
    assert not _negation(_score("PMH: hypothyroidism (levothyroxine 50 mcg). No DM.", context))


def test_breathlessness_is_the_breathing_complained_of() -> None:
    context = (
        "Nurse: How's the pain?\nPatient: Pain's fine. It's the breathing that's the problem.\n"
    )
    assert _negation(_score("Pain controlled. No breathlessness.", context))
    assert not _negation(_score("Pain controlled. Main problem breathlessness.", context))


def test_hearing_voices_is_hallucinations() -> None:
    context = (
        "Clinician: Do you ever hear voices or see things other people can't?\n"
        "Patient: No. Never.\n"
    )
    assert _negation(_score("Reports auditory hallucinations.", context))
    assert not _negation(_score("Denies auditory hallucinations.", context))


def test_shivers_are_rigors() -> None:
    context = "Nurse: Any temperatures or shivers?\nPatient: No, none. I've been checking.\n"
    assert _negation(_score("Day 8 post chemo: rigors overnight.", context))
    assert not _negation(_score("Day 8 post chemo: no fever or rigors.", context))


def test_a_sign_told_present_flips_against_its_denial() -> None:
    context = "On exam he's alert and oriented, no asterixis, mild scleral icterus."
    assert _negation(_score("Alert and oriented, asterixis present.", context))
    assert not _negation(_score("Alert and oriented, no asterixis.", context))


def test_a_sign_denied_flips_against_its_told_presence() -> None:
    context = "Perianal exam: fistula present at 6 o'clock, no abscess."
    assert _negation(_score("Perianal: no fistula or abscess.", context))
    assert not _negation(_score("Perianal: fistula at 6 o'clock, no abscess.", context))


def test_an_unlisted_word_not_told_present_is_still_not_compared() -> None:
    # control: without "present" or "absent", a word the lexicon lacks keeps no flip
    context = "On exam he's alert and oriented, no asterixis, mild scleral icterus."
    assert not _negation(_score("Alert and oriented, asterixis.", context))


def test_a_blanching_rash_flips_against_a_non_blanching_one() -> None:
    context = "Examination: scattered non-blanching petechiae on the trunk and legs."
    assert _negation(_score("Blanching spots on the trunk and legs.", context))
    assert not _negation(_score("Non-blanching petechiae on the trunk and legs.", context))
