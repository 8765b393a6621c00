"""temporal.v1 alone: done vs planned, past vs current, medication actions, times and sequence."""

from __future__ import annotations

import pytest

from medfact import registry
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.testing import analysed, check_plugin
from medfact.types import Finding
from medfact.verifiers.temporal import mentions


@pytest.fixture(scope="module")
def rule():
    return registry.verifiers.create("temporal.v1")


def findings(rule, context: str, output: str) -> list[Finding]:
    return rule(analysed(output, context))


def only(rule, context: str, output: str) -> Finding:
    found = findings(rule, context, output)
    assert len(found) == 1, [f.message for f in found]
    return found[0]


def said(text: str, span: tuple[int, int] | None) -> str:
    assert span is not None
    return text[span[0] : span[1]]


def test_temporal_passes_the_plugin_contract() -> None:
    # lexicons and entry points load on first use; the contract forbids I/O in the constructor
    for reg in registry.FAMILIES.values():
        reg.names()
    analysed("warm up aspirin", "warm up aspirin")
    check_plugin("verifiers", "temporal.v1")


def test_temporal_is_in_the_default_rule_tier() -> None:
    from medfact.config import load_config

    assert "temporal.v1" in load_config(None)["pipeline"]["verifiers"]


# --- done vs planned ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "output", "out_word", "in_word"),
    [
        (
            "Appendectomy is scheduled for next Tuesday.",
            "She underwent appendectomy for appendicitis.",
            "underwent",
            "scheduled",
        ),
        (
            "CT of the abdomen to be ordered if the pain persists.",
            "CT of the abdomen showed no abscess.",
            "showed",
            "to be ordered",
        ),
        (
            "Doctor: Have you had the colonoscopy yet?\nPatient: Not yet, it's next month.",
            "Colonoscopy completed last month.",
            "completed",
            "Not yet",
        ),
        (
            "He underwent a cholecystectomy in 2019.",
            "Cholecystectomy is scheduled.",
            "scheduled",
            "underwent",
        ),
    ],
)
def test_done_vs_planned(rule, context: str, output: str, out_word: str, in_word: str) -> None:
    f = only(rule, context, output)
    assert f.category == ErrorCategory.DETAIL_MISIDENTIFICATION
    assert f.relation == "contradicted" and f.risk >= RiskLevel.MODERATE
    assert said(output, f.span) == out_word
    assert said(context, f.context_span) == in_word
    assert f.suggestion == in_word


# --- past vs current ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "output", "out_word", "in_word"),
    [
        ("Former smoker, quit in 2005.", "Current smoker.", "Current", "Former"),
        (
            "History of Graves disease, treated in 2010.",
            "Active Graves disease.",
            "Active",
            "History of",
        ),
        (
            "Currently has gout in the left toe.",
            "History of gout, resolved.",
            "History of",
            "Currently",
        ),
        (
            "Doctor: Do you still get the chest pains?\nPatient: Not since the stent last year.",
            "Ongoing chest pain.",
            "Ongoing",
            "Not since",
        ),
    ],
)
def test_past_vs_current(rule, context: str, output: str, out_word: str, in_word: str) -> None:
    f = only(rule, context, output)
    assert f.relation == "contradicted"
    assert said(output, f.span) == out_word
    assert said(context, f.context_span) == in_word


# --- medication actions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "output", "out_word", "in_word"),
    [
        (
            "Plan: hold metoprolol tonight for low blood pressure.",
            "Continue metoprolol.",
            "Continue",
            "hold",
        ),
        (
            "We will start atorvastatin 20 mg tonight.",
            "Continues home atorvastatin 20 mg.",
            "Continues",
            "start",
        ),
        (
            "Insulin glargine held this morning, NPO.",
            "Glargine given this morning.",
            "given",
            "held",
        ),
        ("Discontinue warfarin.", "Continue warfarin 5 mg daily.", "Continue", "Discontinue"),
    ],
)
def test_medication_action(rule, context: str, output: str, out_word: str, in_word: str) -> None:
    f = only(rule, context, output)
    assert f.risk == RiskLevel.HIGH and f.relation == "contradicted"
    assert said(output, f.span) == out_word
    assert said(context, f.context_span) == in_word
    assert "medication" in f.message


def test_one_finding_per_drug_and_action(rule) -> None:
    context = "Start lisinopril 10 mg daily."
    output = "Continues home lisinopril 10 mg daily."
    assert len(findings(rule, context, output)) == 1


# --- times and sequence ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "output", "out_words", "in_words"),
    [
        ("Last known well at 0830, arrived at 1015.", "Last known well at 0530.", "0530", "0830"),
        (
            "Last rivaroxaban dose yesterday at 8 pm.",
            "Last rivaroxaban dose a week ago.",
            "a week ago",
            "yesterday",
        ),
        (
            "Fever began two days before admission.",
            "Fever began two weeks after admission.",
            "two weeks after",
            "two days before",
        ),
        ("Last rivaroxaban dose at 8 pm.", "Last rivaroxaban dose at 8 am.", "8 am", "8 pm"),
    ],
)
def test_time(rule, context: str, output: str, out_words: str, in_words: str) -> None:
    f = only(rule, context, output)
    assert f.relation == "contradicted" and f.risk >= RiskLevel.MODERATE
    assert said(output, f.span) == out_words
    assert said(context, f.context_span) == in_words


# --- faithful rewordings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "output"),
    [
        ("Appendectomy is scheduled for next Tuesday.", "Appendectomy planned next Tuesday."),
        ("Former smoker, quit 15 years ago.", "Ex-smoker; quit 15 years ago."),
        (
            "Plan: hold apixaban 48 hours before the colonoscopy. Resume the day after.",
            "Hold apixaban for 48 h before colonoscopy and resume the next day.",
        ),
        (
            "Doctor: I'd like you to start taking baby aspirin again.\n"
            "Patient: Should I continue taking it daily?",
            "Aspirin restarted; continue daily.",
        ),
        (
            "If you get black stools, we will stop the aspirin.",
            "Continue aspirin; stop it if black stools.",
        ),
        ("Fever began two days before admission.", "Fever for 2 days before admission."),
        ("Last known well at 0830.", "LKW 08:30."),
        (
            "She is seen today for knee pain. The pain began 13 years ago.",
            "Seen today for knee pain.",
        ),
        ("History of hypertension, currently on lisinopril.", "HTN, on lisinopril currently."),
        (
            "Doctor: I'll prescribe meloxicam 15 mg daily. I want you to continue to ice it.",
            "Initiate meloxicam 15 mg daily; ice the knee.",
        ),
        (
            "Patient: I had a colonoscopy about five years ago.\n"
            "Doctor: Let's get an upper endoscopy and colonoscopy scheduled.",
            "Colonoscopy completed 5 years ago; repeat colonoscopy to be scheduled.",
        ),
    ],
)
def test_faithful_rewording_is_not_flagged(rule, context: str, output: str) -> None:
    assert findings(rule, context, output) == [], [
        f.message for f in findings(rule, context, output)
    ]


def test_a_question_in_the_input_is_not_a_statement(rule) -> None:
    context = "Doctor: Did they stop the metoprolol?\nPatient: No, I still take it."
    assert findings(rule, context, "Continues metoprolol.") == []


def test_no_context_no_findings(rule) -> None:
    assert rule(analysed("Underwent appendectomy. Continue metoprolol.", None)) == []


def test_mentions_are_read_once_per_marker() -> None:
    doc = analysed("x", "Hold metoprolol. Hold metoprolol. Resume metoprolol tomorrow.")
    assert doc.context is not None
    found = mentions(doc.context, carry=True)
    actions = [m.value for m in found if m.kind == "action"]
    assert actions == ["held", "held", "resumed"]
