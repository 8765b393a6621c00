"""Session 14 (helper K): values said aloud read as numbers (pressures, "one eighteen")."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - registers the rules
from medfact.analysis import Analyzer
from medfact.segment import ClinicalSegmenter
from medfact.testing import run_rule


def _values(text: str) -> list[tuple[str, float, float | None]]:
    doc = Analyzer()(text, ClinicalSegmenter()(text))
    return [(text[q.start : q.end], q.value, q.second) for q in doc.quantities]


def test_a_pressure_said_with_over_is_one_two_part_value() -> None:
    assert _values("Nurse: your blood pressure is one twelve over sixty eight today") == [
        ("one twelve over sixty eight", 112.0, 68.0)
    ]
    assert _values("BP a hundred and fifty five over ninety five") == [
        ("hundred and fifty five over ninety five", 155.0, 95.0)
    ]
    # control: "over" between small numbers or a larger second number is no pressure
    assert _values("a pain of six over ten") == [("six", 6.0, None), ("ten", 10.0, None)]
    assert [v[2] for v in _values("weight went from seventy over to eighty")] == [None, None]


def test_a_teen_after_one_or_two_counts_hundreds_where_a_vital_sign_is_said() -> None:
    assert _values("heart rate one sixteen") == [("one sixteen", 116.0, None)]
    assert _values("weighs two ten pounds")[0][1] == 210.0
    assert _values("BP two hundred over one ten") == [("two hundred over one ten", 200.0, 110.0)]
    assert _values("pressure one seventy over a hundred")[0][1:] == (170.0, 100.0)
    # controls: a tablet's strength and a clock time stay two numbers, as does a range
    assert [v[1] for v in _values("take one ten milligram tablet")] == [1.0, 10.0]
    assert [v[1] for v in _values("we met at one fifteen today")] == [1.0, 15.0]
    assert [v[1] for v in _values("three four days ago")] == [3.0, 4.0]


def _numbers(output: str, context: str) -> list[tuple[int, str]]:
    return [(f.risk, f.message) for f in run_rule("numbers.v1", output, context)]


_CLINIC = "Doctor: so your blood pressure today is one forty eight over ninety two, still high"


def test_a_changed_pressure_against_a_spoken_one_is_a_contradiction() -> None:
    found = _numbers("BP 118/92, still high.", _CLINIC)
    assert [risk for risk, _ in found] == [3]
    assert "differs from the input's 'one forty eight over ninety two'" in found[0][1]
    # twin: the same pressure written as digits is supported
    assert _numbers("BP 148/92, still high.", _CLINIC) == []


_DOSE = (
    "Doctor: we'll go up to two hundred and fifty micrograms of the digoxin\n"
    "Patient: two fifty, right"
)


def test_a_bare_repetition_of_a_dose_does_not_vouch_for_another_unit() -> None:
    found = _numbers("Digoxin increased to 250 mg.", _DOSE)
    assert [risk for risk, _ in found] == [4] and "unit class error" in found[0][1]
    # twin: the dose in its own unit is supported
    assert _numbers("Digoxin increased to 250 mcg.", _DOSE) == []
    # control: a bare number with no unit anywhere in the input still supports the output
    assert _numbers("Digoxin increased to 250 mcg.", "Patient: two fifty, right") == []
