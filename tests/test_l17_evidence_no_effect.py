"""Session 17 (helper E2): a study's finding of no effect is no denial, and its "significant" no
degree.

- "made no significant difference to blood transfusions" does not say there were none: where
  the input reports no effect too, negation.v1 leaves it (the effect comparison judges it); where
  the input reports an effect, the flip is still found;
- "significantly reduced" against an input that reports tests of significance is a test's word,
  not a degree certainty.v1 finds nowhere in the input; in a note without tests it still is.
"""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules first
from medfact.direction import finds_no_effect, reports_tests
from medfact.testing import analysed, run_rule

_CLAIM = "Carbetocin made no significant difference to blood transfusions compared with oxytocin."


def _messages(rule: str, output: str, context: str) -> list[str]:
    return [f.message for f in run_rule(rule, output, context)]


def test_no_difference_against_an_input_that_finds_none_is_no_flip() -> None:
    ctx = (
        "Blood transfusions were given in 2.2% of the carbetocin group and 2.7% of the "
        "oxytocin group (NS)."
    )
    assert _messages("negation.v1", _CLAIM, ctx) == []
    ctx = "Transfusion of blood did not differ between the carbetocin and oxytocin groups."
    assert _messages("negation.v1", _CLAIM, ctx) == []


def test_no_difference_against_an_input_that_finds_an_effect_is_still_a_flip() -> None:
    ctx = (
        "Blood transfusions were needed by fewer women in the carbetocin group than in the "
        "oxytocin group (p = 0.01)."
    )
    assert _messages("negation.v1", _CLAIM, ctx) != []


def test_reports_of_no_effect_and_of_tests() -> None:
    def text(words: str):  # type: ignore[no-untyped-def]
        return analysed(words, "").output

    assert finds_no_effect(text("Relapse rates were 21% and 24% (p = 0.40)."))
    assert not finds_no_effect(text("Relapse was rarer with X (p = 0.01)."))
    assert reports_tests(text("Relapse was rarer with X (p = 0.01)."))
    assert not reports_tests(text("No significant valve disease. EF 55%."))


def test_significantly_in_a_study_is_a_test_not_a_degree() -> None:
    ctx = (
        "Blood transfusions were given in 2.2% of the carbetocin group and 2.7% of the "
        "oxytocin group (NS)."
    )
    assert not any("stronger" in m for m in _messages("certainty.v1", _CLAIM, ctx))
    out = "Duloxetine significantly reduced pain scores compared with placebo."
    ctx = "Pain scores fell further with duloxetine than with placebo (p = 0.01)."
    assert not any("stronger" in m for m in _messages("certainty.v1", out, ctx))


def test_significant_in_a_note_is_still_a_degree() -> None:
    out = "She has significant pain in the knee."
    ctx = "She has some pain in the knee."
    assert any("stronger" in m for m in _messages("certainty.v1", out, ctx))


def _outcome_findings(output: str, context: str) -> list[str]:
    from medfact.compare import RULE, CompareStage
    from medfact.pipeline import cached_engine

    engine = cached_engine({"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}})
    doc = analysed(output, context)
    CompareStage(engine.settings, engine.parts)(doc)
    return [f.message for f in doc.findings if f.rule == RULE and f.message.startswith("outcome:")]


def test_mortality_and_deaths_name_one_outcome() -> None:
    claim = "Early tocilizumab had no effect on the death rate of ICU patients."
    lower = "In-hospital mortality was lower in ICU patients given early tocilizumab (p = 0.01)."
    assert _outcome_findings(claim, lower) != []
    same = "In-hospital mortality did not differ between ICU patients given tocilizumab or not."
    assert _outcome_findings(claim, same) == []


def test_no_effect_against_an_effect_whose_clause_names_the_outcome() -> None:
    claim = (
        "Warm compresses made no significant difference to infants settling to sleep quickly "
        "compared with no compress."
    )
    more = (
        "Parents were more likely to report that warm compresses helped infants settling to "
        "sleep quickly (p < .001)."
    )
    assert _outcome_findings(claim, more) != []
    same = more.replace("(p < .001)", "(p = .40)")
    assert _outcome_findings(claim, same) == []


def test_noninferior_is_not_worse() -> None:
    window = "Dalteparin was noninferior to warfarin for recurrent thrombosis (HR 0.9)."
    inferior = "Dalteparin was inferior to warfarin for recurrent thrombosis."
    assert _outcome_findings(inferior, window) != []
    none = (
        "Dalteparin made no significant difference to recurrent thrombosis compared with warfarin."
    )
    assert _outcome_findings(none, window) == []
