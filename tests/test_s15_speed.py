"""Session 15 speed paths: each shortcut against the plain reading it replaces."""

from __future__ import annotations

import gc
import re

import pytest

import medfact.verifiers.omission as omission
import medfact.verifiers.temporal as temporal
from medfact import analysis
from medfact.config import NO_MODEL
from medfact.pipeline import Engine
from medfact.rehint import _fewest, fast_compile
from medfact.verifiers import entities, polarity

TEXTS = [
    "Doctor: Any chest pain on exertion? Patient: No. My mother's sister had a stroke.",
    "Plan: repeat echo is now due; colonoscopy screening is due. Will book a CT scan.",
    "Lithium 2.4 (toxic), sodium 118 (ref 135-145). Creatinine 180 from baseline 80.",
    "Pt is a 45-year-old F, aged 45, 72F. 100.4 F fever. Mrs Hana Sato, 34, P1.",
    "No fever -> 999 if worse. Floppy or hard to wake -> call ambulance; a first-degree "
    "relative had colon cancer. Right-handed. Left knee pain, right? Okay, sounds good?",
    "Seizure yesterday! Vision loss, facial droop. Thunderclap headache, worst ever.\n",
    "caf\u00e9 visit; stroke-like slurred speech. \u017feizure. INR was 8 (critical)",
    "",
    "Then after that, before lunch, prior to surgery -> home \u2192 rehab. Done, taken.",
]


def test_engine_load_freezes_what_is_alive() -> None:
    gc.unfreeze()
    Engine.from_config(None, dict(NO_MODEL)).load()
    assert gc.get_freeze_count() > 0


_WORD_LISTS = analysis._SENTENCE_LISTS + 1  # the sentence lists and the synonym phrases


def _plain_match_groups(words, index, count):
    found = [[] for _ in range(count)]
    for i, word in enumerate(words):
        for phrase, number in index.get(word, ()):
            if len(phrase) == 1 or words[i : i + len(phrase)] == phrase:
                found[number].append((i, i + len(phrase)))
    return found


@pytest.mark.parametrize("text", TEXTS)
def test_match_groups_as_the_plain_pass(text: str) -> None:
    words = [m.group().lower() for m in analysis._TOKEN.finditer(text)]
    for n in range(len(words) + 1):
        part = words[:n]
        assert analysis._match_groups(part, analysis._WORD_INDEX, _WORD_LISTS) == (
            _plain_match_groups(part, analysis._WORD_INDEX, _WORD_LISTS)
        )


def test_a_sentence_without_phrase_words_skips_the_pass() -> None:
    assert analysis._match_groups(["zzz", "qqq"], analysis._WORD_INDEX, 3) == [[], [], []]
    found = analysis._match_groups(["no", "fever"], analysis._WORD_INDEX, _WORD_LISTS)
    assert any(found)  # control: "no" opens a trigger


def test_escalation_and_stops_with_joined_gaps() -> None:
    words = ["floppy", "hard", "to", "wake", "call", "ambulance"]
    gaps = ["", ", ", " ", " ", " -> ", " "]
    joined = "".join(gaps)
    assert analysis._escalation_after(words, gaps) == 4
    assert analysis._escalation_after(words, gaps, joined) == 4
    plain = ["", ", ", " ", " ", " ", " "]
    assert analysis._escalation_after(words, plain) is None  # no arrow: not read
    assert analysis._stops([], gaps, words, joined) == analysis._stops([], gaps, words) == {4}


def test_relative_words_hold_every_plain_relative() -> None:
    for word in ["mother", "mom's", "great-uncle", "half-brother", "relative", "relatives"]:
        accepted = analysis.is_relative(word) or analysis._by_degree(["first-degree", word], 1)
        if accepted:
            assert (
                word in analysis._RELATIVE_WORDS or "'" in word or "-" in word or "\u2019" in word
            )


def test_planned_due_words_possessive_match_as_before() -> None:
    plain = re.compile(polarity._PLANNED.pattern.replace(r"\w++", r"\w+"), polarity._PLANNED.flags)
    assert plain.pattern != polarity._PLANNED.pattern
    for text in TEXTS:
        assert [m.span() for m in polarity._PLANNED.finditer(text)] == [
            m.span() for m in plain.finditer(text)
        ]
        assert [m.groups() for m in polarity._PLANNED.compiled.finditer(text)] == [
            m.groups() for m in plain.finditer(text)
        ]


@pytest.mark.parametrize(
    ("fast", "plain"),
    [
        (temporal._CLAUSE_BREAK, r"[.!?](?:\s|$)|[;\n]"),
        (temporal._PHRASE_BREAK, r"[.!?,](?:\s|$)|[;\n]"),
    ],
)
def test_breaks_as_the_two_branch_patterns(fast: re.Pattern[str], plain: str) -> None:
    for text in [*TEXTS, "a.\n", "a.", "a!b? c;d\ne, f", ".,;\n. ", "x. \n"]:
        assert [m.span() for m in fast.finditer(text)] == [
            m.span() for m in re.finditer(plain, text)
        ]


def test_fewest_drops_a_string_holding_another() -> None:
    assert _fewest(frozenset({"vision", "loss of vision", "amaurosis"})) == ("amaurosis", "vision")
    assert _fewest(frozenset({" confus", "confus", "delirium"})) == ("confus", "delirium")
    fast = fast_compile(r"\b(?:confus\w*|acute confusion|delirium)\b", re.IGNORECASE)
    assert fast.shortcuts()[0] == ("confus", "delirium")
    assert fast.search("Has ACUTE CONFUSION today") is not None
    assert fast.search("Not confusing") is not None
    assert fast.search("No complaints") is None


@pytest.mark.parametrize("text", TEXTS)
def test_flagged_values_as_the_pattern(text: str) -> None:
    found = omission.flagged_values(text)
    if "(" not in text:
        assert found == [] and omission._FLAGGED.search(text) is None


def test_flagged_values_control() -> None:
    assert omission.flagged_values("Lithium 2.4 (toxic)")  # control: a mark in a parenthesis


@pytest.mark.parametrize("text", TEXTS)
def test_age_matches_read_once_as_the_pattern(text: str) -> None:
    assert [m.span() for m in entities._age_matches(text)] == [
        m.span() for m in entities._AGE.finditer(text)
    ]


def test_red_flags_on_ascii_input_skip_the_one_pattern(monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(omission, "any_red_flag", lambda text: calls.append(text) or True)
    engine = Engine.from_config(None, dict(NO_MODEL)).load()
    result = engine.score(
        {"id": "1", "output": "Headache for two days.", "context": "She had a seizure yesterday."}
    )
    assert calls == []
    assert any("red flag" in f.message for f in result.findings)  # control: still found
    engine.score({"id": "2", "output": "Headache.", "context": "Caf\u00e9. She had a seizure."})
    assert calls  # non-ASCII input: the one pattern first
