"""Session 12: negation.v1's firm flips on long visit transcripts keep their risk under the
severity policy's [conversation] ceiling; the flips it reads less surely are still graded down."""

from __future__ import annotations

import pytest

import medfact.verifiers  # noqa: F401 - the rules first
from medfact.errors import ConfigError
from medfact.pipeline import cached_engine
from medfact.severity import apply_policy, load_policy, parse_policy
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.types import Assessment, Finding

# a visit long enough for the ceiling (its [conversation] min_chars), about something else
_VISIT = (
    "[doctor] hi , how are you doing today ? what brings you in ?\n"
    "[patient] my knee has been bothering me , the right one , for about two weeks now .\n"
) * 20


def _score(output: str, tail: str) -> Assessment:
    engine = cached_engine({"pipeline": {"learned_verifiers": [], "model": ""}})
    return engine.score_one(output, _VISIT + tail)


def _flip(assessment: Assessment) -> Finding:
    return next(f for f in assessment.findings if f.rule == "negation.v1")


@pytest.mark.parametrize(
    ("output", "tail"),
    [
        ("Lower extremity edema.", "[doctor] on exam there's no lower extremity edema .\n"),
        (
            "Murmurs, gallops.",
            "[doctor] heart sounds are normal , no murmurs , gallops or rubs .\n",
        ),
        (
            # denied in its own words: a reply that repeats another of its words does not narrow it
            "Carotid bruits.",
            "[doctor] there are no carotid bruits on your heart exam\n[patient] my heart is good\n",
        ),
        (
            "Reports knee swelling.",
            "[doctor] have you noticed any redness or swelling in your knees\n[patient] no\n",
        ),
    ],
)
def test_a_finding_the_transcript_denies_outright_keeps_its_risk(output: str, tail: str) -> None:
    assessment = _score(output, tail)
    flip = _flip(assessment)
    assert flip.firm and flip.policy is None and flip.risk >= RiskLevel.MODERATE
    assert assessment.risk_level >= 3


def test_a_denial_that_names_another_asked_word_is_still_graded_down() -> None:
    asked = "[doctor] so are you coughing up anything any fevers with this at all\n"
    # "no no fever": the denial is the fever's; the cough may be there ("bring up some yuck")
    narrowed = _score(
        "Reports productive cough.", asked + "[patient] no no fever but i bring up some yuck\n"
    )
    flip = _flip(narrowed)
    assert not flip.firm and flip.policy == "evidence.long_conversation"
    assert narrowed.risk_level <= 2
    # control: a plain "no" denies both, and the cough written as present keeps its risk
    denied = _score("Reports productive cough.", asked + "[patient] no not at all\n")
    assert _flip(denied).firm and denied.risk_level >= 3


def test_a_denial_against_a_mention_read_as_present_is_still_graded_down() -> None:
    # the output denies what the input is read to affirm: the weaker reading on a transcript
    assessment = _score("Denies chest pain.", "[patient] i've had some chest pain on and off .\n")
    flip = _flip(assessment)
    assert not flip.firm and flip.policy == "evidence.long_conversation"
    assert assessment.risk_level <= 2


def test_only_the_exempted_rules_firm_findings_pass_the_ceiling() -> None:
    policy = load_policy()
    assert policy.conversation is not None and "negation.v1" in policy.conversation.firm_exempt
    output = "Reports chest pain."
    firm = Finding(
        category=ErrorCategory.DETAIL_MISIDENTIFICATION,
        risk=RiskLevel(4),
        span=(0, 19),
        message="a reading",
        relation="contradicted",
        rule="temporal.v1",
        firm=True,
    )
    # a rule the table does not exempt is graded down, firm or not
    assert apply_policy([firm], output, _VISIT, [], [], policy, dialogue=True)[0].risk == 2
    exempt = firm.model_copy(update={"rule": "negation.v1"})
    assert apply_policy([exempt], output, _VISIT, [], [], policy, dialogue=True)[0].risk == 4
    # the flag is read in-process: the written finding is unchanged
    assert "firm" not in exempt.to_dict()


def test_firm_exempt_names_rules_of_the_ceiling() -> None:
    row = {"id": "a.b", "floor": 3, "match": "term", "terms": ["x"], "source": "s"}
    table = {"id": "c", "ceiling": 2, "min_chars": 1, "rules": ["negation.v1"], "source": ""}
    parsed = parse_policy({"row": [row], "conversation": {**table, "firm_exempt": ["negation.v1"]}})
    assert parsed.conversation is not None
    assert parsed.conversation.firm_exempt == frozenset({"negation.v1"})
    with pytest.raises(ConfigError, match=r"firm_exempt"):
        parse_policy({"row": [row], "conversation": {**table, "firm_exempt": ["omission.v1"]}})
