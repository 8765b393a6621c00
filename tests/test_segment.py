"""Tests of the clinical-aware segmenter (medfact.segment)."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from medfact.errors import ConfigError
from medfact.registry import segmenters
from medfact.segment import ClinicalSegmenter, is_header, segment, speaker_tag_length
from medfact.types import Sentence

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def assert_invariant(text: str, sentences: list[Sentence]) -> None:
    """Spans are exact, ordered, non-overlapping, trimmed and non-empty; indexes run 0..n-1."""
    previous_end = 0
    for i, sent in enumerate(sentences):
        start, end = sent.span
        assert sent.index == i
        assert text[start:end] == sent.text
        assert sent.text and sent.text == sent.text.strip()
        assert previous_end <= start < end <= len(text)
        previous_end = end


def split(text: str, segmenter: ClinicalSegmenter | None = None) -> list[str]:
    sentences = (segmenter or ClinicalSegmenter())(text)
    assert_invariant(text, sentences)
    return [s.text for s in sentences]


# --- abbreviations, numbers and initials: no split -------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Dr. Smith saw the patient today.",
        "Mr. Jones and Mrs. Jones arrived with Ms. Lee.",
        "She was admitted to St. Mary's Hospital.",
        "Compare the left vs. Right side.",
        "Use a mild analgesic, e.g. Acetaminophen, as needed.",
        "Avoid NSAIDs, i.e. Ibuprofen and naproxen.",
        "Bring your inhaler, spacer, etc. and your list of medications.",
        "The lesion measures approx. 2 cm across.",
        "Take it at 8 a.m. and again at 8 p.m. with water.",
        "Metoprolol 25 mg b.i.d. with meals.",
        "Amoxicillin 500 mg t.i.d. for ten days.",
        "Prednisone q.i.d. then q.d. for a week.",
        "Give 10 mg p.o. daily.",
        "Oxycodone 5 mg p.r.n. pain.",
        "Zolpidem 5 mg h.s. and melatonin q.h.s. as needed.",
        "See item No. 5 in the plan.",
        "As shown in Fig. 2 the lesion is stable.",
        "Take 5 mg. twice daily.",
        "The cyst is 3 cm. in diameter.",
        "The cyst is 3 cm. 4 days ago it was 2 cm.",
    ],
)
def test_abbreviations_do_not_split(text: str) -> None:
    assert split(text) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She said no. Then she left.", ["She said no.", "Then she left."]),
        ("Take 5 mg. Then recheck levels.", ["Take 5 mg.", "Then recheck levels."]),
        (
            "Bring pens, paper, etc. The visit is long.",
            ["Bring pens, paper, etc.", "The visit is long."],
        ),
        (
            "Metformin 500 mg p.o. b.i.d. Lisinopril 10 mg daily.",
            ["Metformin 500 mg p.o. b.i.d.", "Lisinopril 10 mg daily."],
        ),
        ("The wound is 3 cm. The edges are clean.", ["The wound is 3 cm.", "The edges are clean."]),
        ("QRS width was 110 ms. Carbon was given.", ["QRS width was 110 ms.", "Carbon was given."]),
    ],
)
def test_abbreviation_like_words_still_end_sentences(text: str, expected: list[str]) -> None:
    assert split(text) == expected


def test_decimals_and_doses() -> None:
    text = "Give 0.5 mg IV now. Then 2.5 mL orally. Temperature 98.6 F this morning."
    assert split(text) == [
        "Give 0.5 mg IV now.",
        "Then 2.5 mL orally.",
        "Temperature 98.6 F this morning.",
    ]


def test_blood_pressure_mm_hg_dates_and_times() -> None:
    text = "BP 120/80 mm Hg and 118/76 mmHg on 01/10/09 at 10:30. Pulse 72/min."
    assert split(text) == [
        "BP 120/80 mm Hg and 118/76 mmHg on 01/10/09 at 10:30.",
        "Pulse 72/min.",
    ]


def test_initials_do_not_split() -> None:
    assert split("J. Smith reviewed the chart.") == ["J. Smith reviewed the chart."]
    assert split("Seen by Dr. J. R. Smith today.") == ["Seen by Dr. J. R. Smith today."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He takes vitamin D. He feels well.", ["He takes vitamin D.", "He feels well."]),
        ("I got referred to P T. I went once.", ["I got referred to P T.", "I went once."]),
        (
            "Follow with Dr. F.  Unfortunately, it was lost.",
            ["Follow with Dr. F.", "Unfortunately, it was lost."],
        ),
        ("Temp 100.6 F. Pulse is 94/min.", ["Temp 100.6 F.", "Pulse is 94/min."]),
    ],
)
def test_single_capitals_that_end_sentences(text: str, expected: list[str]) -> None:
    assert split(text) == expected


def test_numbered_items_inside_a_sentence() -> None:
    assert split("Plan: 1. Start metformin. 2. Recheck A1c.") == [
        "Plan: 1. Start metformin.",
        "2. Recheck A1c.",
    ]
    assert split("1.  Bipolar disorder. 2.  Iron deficiency anemia.") == [
        "1.  Bipolar disorder.",
        "2.  Iron deficiency anemia.",
    ]


def test_number_at_sentence_end_is_not_a_list_marker() -> None:
    assert split("He was seen on day 2. He improved.") == ["He was seen on day 2.", "He improved."]


# --- sentence ends -----------------------------------------------------------------------------


def test_terminal_punctuation_splits() -> None:
    text = 'Stop! Call 911 now? "Yes," he said. 3 doses were given. (See note.)'
    assert split(text) == [
        "Stop!",
        "Call 911 now?",
        '"Yes," he said.',
        "3 doses were given.",
        "(See note.)",
    ]


def test_closing_quote_stays_with_its_sentence() -> None:
    assert split('He said "stop." Then he left.') == ['He said "stop."', "Then he left."]


def test_lowercase_after_punctuation_does_not_split() -> None:
    assert split("Are you ok? he asked. fine.") == ["Are you ok? he asked. fine."]


def test_tokenised_transcript_splits_on_spaced_punctuation() -> None:
    assert split("[doctor] hi , brian . how are you ?") == [
        "[doctor] hi , brian .",
        "how are you ?",
    ]


def test_blank_lines_split() -> None:
    assert split("Chest pain for two days\n\nno fever reported") == [
        "Chest pain for two days",
        "no fever reported",
    ]


def test_bulleted_and_numbered_lists() -> None:
    text = "Symptoms include\n- fever\n* chills\n• cough\n1. nausea\n2) rash"
    assert split(text) == [
        "Symptoms include",
        "- fever",
        "* chills",
        "• cough",
        "1. nausea",
        "2) rash",
    ]


def test_wrapped_line_continues_the_sentence() -> None:
    text = (
        "The patient is a 45-year-old man who presents with\nchest pain radiating to the left arm."
    )
    assert split(text) == [text]


def test_line_break_after_terminal_punctuation_splits() -> None:
    assert split("He is stable.\nfollow up in two weeks") == [
        "He is stable.",
        "follow up in two weeks",
    ]


def test_line_break_after_abbreviation_does_not_split() -> None:
    assert split("Seen by Dr.\nSmith this morning.") == ["Seen by Dr.\nSmith this morning."]


def test_short_table_lines_are_separate() -> None:
    text = "Laboratory studies show:\nHemoglobin 14.6 g/dL\nGlucose 123 mg/dL\nCreatinine 0.9 mg/dL"
    assert split(text) == [
        "Laboratory studies show:",
        "Hemoglobin 14.6 g/dL",
        "Glucose 123 mg/dL",
        "Creatinine 0.9 mg/dL",
    ]


def test_short_line_ending_in_a_joiner_continues() -> None:
    assert split("History of\nHypertension treated.") == ["History of\nHypertension treated."]


# --- dialogues and headers ---------------------------------------------------------------------


def test_dialogue_lines() -> None:
    text = (
        "Doctor: Any fever?\nPatient: No.\nGuest_family: He was born at 32 weeks.\n"
        " Guest_clinician: Noted.\n[doctor] okay .\n[patient] thanks ."
    )
    assert split(text) == [
        "Doctor: Any fever?",
        "Patient: No.",
        "Guest_family: He was born at 32 weeks.",
        "Guest_clinician: Noted.",
        "[doctor] okay .",
        "[patient] thanks .",
    ]


def test_dialogue_turns_on_one_line() -> None:
    assert split("Patient: No. Doctor: Any hallucinations?") == [
        "Patient: No.",
        "Doctor: Any hallucinations?",
    ]
    assert split("Patient: Yes, I am, Doctor: Okay then") == [
        "Patient: Yes, I am,",
        "Doctor: Okay then",
    ]


def test_speaker_words_in_prose_are_not_tags() -> None:
    assert split("The patient: a 40-year-old man with pain.") == [
        "The patient: a 40-year-old man with pain."
    ]


def test_speaker_line_joins_no_previous_line() -> None:
    assert split("Doctor: How are you\nPatient: fine") == ["Doctor: How are you", "Patient: fine"]


def test_section_headers_on_their_own_line() -> None:
    text = "CHIEF COMPLAINT:\nChest pain\nHPI:\nThe pain began today\nASSESSMENT AND PLAN\nRest"
    assert split(text) == [
        "CHIEF COMPLAINT:",
        "Chest pain",
        "HPI:",
        "The pain began today",
        "ASSESSMENT AND PLAN",
        "Rest",
    ]


def test_inline_header_stays_with_its_text() -> None:
    assert split("HPI: The pain began today.") == ["HPI: The pain began today."]


@pytest.mark.parametrize("line", ["HPI:", "CHIEF COMPLAINT:", "ASSESSMENT AND PLAN", "Plan:"])
def test_is_header(line: str) -> None:
    assert is_header(line)


@pytest.mark.parametrize(
    "line", ["The pain began today.", "BP 120/80", "Hypertension", "Doctor said"]
)
def test_is_not_header(line: str) -> None:
    assert not is_header(line)


def test_speaker_tag_length() -> None:
    assert speaker_tag_length("Doctor: Hello") == len("Doctor: ")
    assert speaker_tag_length("[patient] hi") == len("[patient] ")
    assert speaker_tag_length("Hello there") == 0


# --- bounds, edge cases, configuration ---------------------------------------------------------


def test_long_sentence_is_cut_at_whitespace() -> None:
    text = " ".join(["word"] * 100) + "."
    sentences = ClinicalSegmenter(max_sentence_chars=50)(text)
    assert_invariant(text, sentences)
    assert len(sentences) > 1
    for sent in sentences:
        assert len(sent.text) <= 50
        end = sent.span[1]
        assert end == len(text) or text[end].isspace()


def test_long_token_is_cut_at_the_limit() -> None:
    text = "x" * 120
    assert split(text, ClinicalSegmenter(max_sentence_chars=50)) == ["x" * 50, "x" * 50, "x" * 20]


def test_one_megabyte_input_is_bounded() -> None:
    note = (
        "HPI:\nThe patient is a 58-year-old man with BP 150/90 mm Hg. He takes 0.5 mg "
        "b.i.d. and sees Dr. Smith.\nDoctor: Any pain? Patient: No. Doctor: Good.\n- fever\n\n"
    )
    text = (note * (1_000_000 // len(note) + 1))[:1_000_000]
    started = time.perf_counter()
    sentences = segment(text)
    elapsed = time.perf_counter() - started
    assert_invariant(text, sentences)
    assert elapsed < 15, f"1 MB took {elapsed:.1f} s"
    assert len(sentences) > 40_000


@pytest.mark.parametrize(
    "text",
    [
        "x" * 1_000_000,
        "a. " * 100_000,
        "." * 500_000 + "x y",
        "line\n" * 200_000,
        "word " * 200_000,
    ],
)
def test_pathological_inputs_are_bounded(text: str) -> None:
    started = time.perf_counter()
    sentences = segment(text)
    assert time.perf_counter() - started < 15
    assert_invariant(text, sentences)
    assert max(len(s.text) for s in sentences) <= 2000


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t  \n"])
def test_empty_and_whitespace_only(text: str) -> None:
    assert segment(text) == []


def test_non_ascii_text() -> None:
    text = "Él tiene fiebre. Über 38,5 °C — naïve café. Температура высокая. Fine.\n患者は安定。"
    assert split(text) == [
        "Él tiene fiebre.",
        "Über 38,5 °C — naïve café.",
        "Температура высокая.",
        "Fine.",
        "患者は安定。",
    ]


def test_crlf_line_endings() -> None:
    assert split("HPI:\r\nStable.\r\n\r\nPlan:\r\nRest.") == ["HPI:", "Stable.", "Plan:", "Rest."]


def test_registry_and_convenience_agree() -> None:
    seg = segmenters.create("clinical.v1", {"max_sentence_chars": 100})
    assert isinstance(seg, ClinicalSegmenter)
    assert seg.max_sentence_chars == 100
    text = "Dr. Smith saw her. She is well."
    assert seg(text) == segment(text)


@pytest.mark.parametrize("value", [0, -5, 2.5, "100", True])
def test_bad_max_sentence_chars(value: object) -> None:
    with pytest.raises(ConfigError, match="max_sentence_chars"):
        segmenters.create("clinical.v1", {"max_sentence_chars": value})


def test_unknown_parameter_is_rejected() -> None:
    with pytest.raises(ConfigError, match="max_sentence_chars"):
        segmenters.create("clinical.v1", {"max_sentence_char": 10})


# --- real data (skipped when ../shared/data is absent) -----------------------------------------


def _rows(relative: str) -> list[dict[str, str]]:
    path = DATA / relative
    if not path.exists():
        pytest.skip(f"data file {path} is absent (tests on real data need ../shared/data)")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_mts_dialog_validation_set() -> None:
    rows = _rows("mts-dialog/Main-Dataset/MTS-Dialog-ValidationSet.csv")
    assert len(rows) == 100
    for row in rows:
        dialogue = row["dialogue"]
        sentences = segment(dialogue)
        assert_invariant(dialogue, sentences)
        starts = {s.span[0] for s in sentences}
        offset = 0
        for line in dialogue.split("\n"):
            tag = speaker_tag_length(line.strip())
            if tag:
                assert offset + len(line) - len(line.lstrip()) in starts
            offset += len(line) + 1
        assert_invariant(row["section_text"], segment(row["section_text"]))


def test_aci_bench_notes_keep_headers_apart() -> None:
    rows = _rows("aci-bench/challenge_data/valid.csv")
    for row in rows:
        for column in ("dialogue", "note"):
            assert_invariant(row[column], segment(row[column]))
        texts = [s.text for s in segment(row["note"])]
        assert not any("\n" in t and is_header(t.split("\n")[0]) for t in texts)


def test_medec_notes_keep_units_together() -> None:
    rows = _rows("medec-ms/MEDEC-MS-ValidationSet-with-GroundTruth-and-ErrorType.csv")
    for row in rows:
        sentences = segment(row["Text"])
        assert_invariant(row["Text"], sentences)
        assert not any(s.text.startswith(("Hg", "mg", "mL")) for s in sentences)
