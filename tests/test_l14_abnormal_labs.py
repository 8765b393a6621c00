"""Session 14 (helper K): abnormal (not critical) laboratory values dropped, and large changes."""

from __future__ import annotations

import pytest

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports the compare stage
from medfact.errors import ConfigError
from medfact.pipeline import cached_engine
from medfact.testing import run_rule
from medfact.verifiers import omission


def _abnormal(output: str, context: str) -> list[tuple[str, str]]:
    """(input words, message head) of each abnormal-value omission."""
    return [
        (context[f.context_span[0] : f.context_span[1]], f.message.split(":")[0])
        for f in run_rule("omission.v1", output, context)
        if f.message.startswith("abnormal") and f.context_span is not None
    ]


def _policy(output: str, context: str) -> list[tuple[int, str | None]]:
    engine = cached_engine(None, {"pipeline": {"learned_verifiers": [], "model": ""}})
    result = engine.score({"id": "t", "output": output, "context": context})
    return [(int(f.risk), f.policy) for f in result.findings if f.message.startswith("abnormal")]


_SODIUM = (
    "Ward review. 81-year-old on indapamide, more confused than usual. Sodium 127 today. "
    "Indapamide stopped, fluid restriction 1 litre, repeat U&E tomorrow."
)


def test_an_abnormal_value_inside_the_critical_limits_dropped_is_an_omission() -> None:
    out = "81F, on indapamide, more confused. Indapamide stopped; 1 L fluid restriction; U&E am."
    assert _abnormal(out, _SODIUM) == [("Sodium 127", "abnormal value")]
    assert _policy(out, _SODIUM) == [(3, "lab.abnormal_value")]
    # twin: the output keeps the value, or names the abnormality
    assert _abnormal(out + " Na 127.", _SODIUM) == []
    assert _abnormal(out + " Hyponatraemia.", _SODIUM) == []
    assert _abnormal(out + " Low sodium.", _SODIUM) == []
    assert _abnormal(out + " Na is low.", _SODIUM) == []
    # control: a value inside the reference range is no omission
    assert _abnormal(out, _SODIUM.replace("127", "138")) == []


_BLEED = (
    "Doctor: your blood count has come back, the haemoglobin is eighty two, it was one "
    "twenty eight last month, so with the dark stools I'd like to admit you for a camera test"
)


def test_a_large_fall_from_an_earlier_result_is_graded_as_a_large_abnormal_change() -> None:
    out = "Dark stools. Admit for OGD."
    found = _abnormal(out, _BLEED)
    assert [head for _, head in found] == ["abnormal change"]
    assert found[0][0].startswith("haemoglobin is eighty two")
    assert _policy(out, _BLEED) == [(4, "lab.abnormal_change")]
    # twin: a small change is an abnormal value only
    small = _BLEED.replace("one twenty eight", "ninety")
    assert [head for _, head in _abnormal(out, small)] == ["abnormal value"]
    # control: the output that keeps the result
    assert _abnormal("Hb 82 (128 last month). Dark stools. Admit for OGD.", _BLEED) == []


def test_a_spoken_potassium_is_read_and_another_value_of_it_is_no_omission() -> None:
    ctx = "Doctor: the potassium came back at five point seven so we'll stop the ramipril"
    said = "potassium came back at five point seven"
    assert _abnormal("Ramipril stopped.", ctx) == [(said, "abnormal value")]
    # an output that gives the analyte another value is a changed value, not an omission
    assert _abnormal("K 4.7. Ramipril stopped.", ctx) == []
    # a diet named after the analyte does not keep its result
    assert _abnormal("Ramipril stopped; low-potassium diet.", ctx) == [(said, "abnormal value")]


def test_a_broken_range_table_names_the_analyte_and_the_field(monkeypatch) -> None:
    monkeypatch.setattr(omission, "read_tables", lambda name: {"lab": {"potasium": {"low": 3.5}}})
    with pytest.raises(ConfigError, match="lab 'potasium'"):
        omission._read_lab_ranges()
    table = {"lab": {"potassium": {"low": "3.5"}}}
    monkeypatch.setattr(omission, "read_tables", lambda name: table)
    with pytest.raises(ConfigError, match="field 'low'"):
        omission._read_lab_ranges()
    # control: a valid table reads
    monkeypatch.setattr(omission, "read_tables", lambda name: {"lab": {"potassium": {"high": 5}}})
    assert omission._read_lab_ranges() == {"potassium": omission.LabRange(None, 5.0, None)}
