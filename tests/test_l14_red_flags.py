"""Session 14 (helper K): red flags added to red_flags.toml, each with a control and a twin."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports the compare stage
from medfact.testing import run_rule


def _red_flags(output: str, context: str) -> list[tuple[str, str]]:
    """(flag text in the input, message) of each red-flag omission."""
    return [
        (context[f.context_span[0] : f.context_span[1]], f.message)
        for f in run_rule("omission.v1", output, context)
        if f.message.startswith("red flag") and f.context_span is not None
    ]


_THUNDERCLAP = (
    "52-year-old man with a headache that started while lifting boxes and was at its worst "
    "within a minute. Photophobia. Temperature 36.9. CT head arranged."
)


def test_a_headache_at_its_peak_within_a_minute_or_at_onset_is_thunderclap_onset() -> None:
    flags = _red_flags("52M, headache while lifting, photophobia, afebrile; CT head.", _THUNDERCLAP)
    assert [text for text, _ in flags] == ["worst within a minute"]
    assert "sudden-onset headache" in flags[0][1]
    minute = "The pain reached maximum intensity in under 2 minutes. Neuro exam normal."
    assert [text for text, _ in _red_flags("Headache. Neuro exam normal.", minute)] == [
        "maximum intensity in under 2 minutes"
    ]
    onset = "Occipital headache, maximal at onset, while jogging."
    assert [text for text, _ in _red_flags("Occipital headache.", onset)] == ["maximal at onset"]
    # twin: an output that keeps the onset in its own words is no omission
    assert _red_flags("Thunderclap headache while lifting; CT head.", _THUNDERCLAP) == []
    # control: a headache that built up over hours is no red flag
    slow = "Headache that built up over the afternoon, worse by the evening. CT head not needed."
    assert _red_flags("Headache, CT not needed.", slow) == []


_EXERTION = (
    "Doctor: What brings you in?\n"
    "Patient: Indigestion mostly. And if I hurry for the train I get a heaviness in my chest "
    "that goes into my left arm. It eases off when I stop.\n"
    "Doctor: Do you smoke?\n"
    "Patient: No."
)


def test_chest_or_jaw_tightness_brought_on_by_effort_is_a_red_flag_when_dropped() -> None:
    flags = _red_flags("Dyspepsia. Non-smoker.", _EXERTION)
    assert len(flags) == 1 and "exertional" in flags[0][1]
    assert "heaviness in my chest" in flags[0][0]
    hill = "Patient: Climbing up the stairs at work, I feel a tightness going up to my jaw."
    assert len(_red_flags("Seen today; reassured.", hill)) == 1
    # twin: the output keeps it
    kept = "Dyspepsia; exertional chest heaviness to L arm. Non-smoker."
    assert _red_flags(kept, _EXERTION) == []
    # control: knee pain on walking is no angina
    knee = "Patient: My knee aches when I walk up the stairs, and the pain is worse on walking."
    assert _red_flags("Knee OA.", knee) == []


_CHEMO = (
    "Nurse: what's the matter tonight\n"
    "Patient: I've been hot and cold all evening, I had my chemotherapy eight days ago\n"
    "Nurse: temperature is thirty eight point three, I'll get the doctor"
)


def test_chemotherapy_given_days_ago_is_the_red_flag_of_a_patient_who_becomes_unwell() -> None:
    flags = _red_flags("Temp 38.3, hot and cold all evening; doctor informed.", _CHEMO)
    assert [text for text, _ in flags] == ["chemotherapy eight days ago"]
    cycle = "Seen on day 12 of cycle 3, with a sore throat and shivers."
    assert [text for text, _ in _red_flags("Sore throat, shivers.", cycle)] == ["day 12 of cycle"]
    # twin: shorthand of the cycle keeps it
    assert _red_flags("C3D12: sore throat, shivers.", cycle) == []
    assert _red_flags("Temp 38.3; chemo 8/7 ago; doctor informed.", _CHEMO) == []
    # control: chemotherapy with no timing (a past history) is no red flag
    history = "She had chemotherapy for breast cancer and is now well. Sore throat for two days."
    assert _red_flags("Sore throat 2 days.", history) == []
