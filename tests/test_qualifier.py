"""qualifier.v1 (missing context) and ``medfact train qualifier``, on texts written here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

from click.testing import CliRunner  # noqa: E402

from medfact.cli import main  # noqa: E402
from medfact.config import NO_MODEL, load_config  # noqa: E402
from medfact.errors import ConfigError, NotFittedError  # noqa: E402
from medfact.pipeline import Engine  # noqa: E402
from medfact.taxonomy import ErrorCategory  # noqa: E402
from medfact.train.data import read_examples  # noqa: E402
from medfact.train.qualifier import ANALYSIS_ONLY, best_threshold, train_qualifier  # noqa: E402
from medfact.verifiers.qualifier import (  # noqa: E402
    FEATURES,
    QualifierRule,
    candidates,
    find_qualifiers,
)

CONTEXT = (
    "Doctor: What brings you in today?\n"
    "Patient: I get a tight chest pain when I walk up the stairs.\n"
    "Doctor: Anything else?\n"
    "Patient: My knee has been swollen for the past two weeks."
)
KEPT = "She reports chest pain when walking up stairs. Knee swelling for two weeks."
DROPPED = "She reports chest pain. Knee swelling for two weeks."
UNRELATED = "Blood pressure is 120/80."


@pytest.fixture(scope="module")
def analysis() -> Engine:
    return Engine.from_config(None, ANALYSIS_ONLY).load()


def _view(engine: Engine, output: str, context: str = CONTEXT):
    return engine.view({"id": "q", "output": output, "context": context})


def _model(tmp_path: Path, weights: dict[str, float], intercept: float, threshold: float) -> Path:
    """A qualifier model written by hand: unit scale, the given weights, the rest zero."""
    path = tmp_path / "qualifier.json"
    path.write_text(
        json.dumps(
            {
                "features": list(FEATURES),
                "mean": [0.0] * len(FEATURES),
                "scale": [1.0] * len(FEATURES),
                "coef": [weights.get(f, 0.0) for f in FEATURES],
                "intercept": intercept,
                "threshold": threshold,
            }
        )
    )
    return path


# P(lost) = sigmoid(4 - 8 * share of the qualifier's words the output keeps): 0.98 when it keeps
# none, 0.02 when it keeps all.
LOST_WHEN_ABSENT = {"qualifier_in_output": -8.0}


def test_find_qualifiers_reads_notes_and_dialogue():
    text = (
        "Patient: It hurts at night and when I bend over. I have had it for three weeks. "
        "She has a history of asthma, a partial tear, worse especially in the morning."
    )
    found = {(kind, text[a:b].lower()) for kind, a, b in find_qualifiers(text)}
    assert ("timing", "at night") in found
    assert ("trigger", "when i bend") in found
    assert ("duration", "for three weeks") in found
    assert ("history", "a history of") in found
    assert ("extent", "partial") in found
    assert ("scope", "especially in") in found


def test_find_qualifiers_skips_a_relative_or_denied_history_and_prior_to():
    text = "Family history of diabetes. No history of stroke. Prior to surgery she felt well."
    assert [k for k, _, _ in find_qualifiers(text)] == []
    assert [k for k, _, _ in find_qualifiers("He has a prior stroke.")] == ["history"]


def test_candidates_align_each_qualifier_to_the_sentence_about_the_same_thing(analysis):
    dropped = {c.kind: c for c in candidates(_view(analysis, DROPPED))}
    assert set(dropped) == {"trigger", "duration"}
    assert dropped["trigger"].sentence == 0 and dropped["duration"].sentence == 1
    assert CONTEXT[slice(*dropped["trigger"].context_span)] == "when I walk up the stairs"
    in_output = FEATURES.index("qualifier_in_output")
    assert dropped["trigger"].features[in_output] == 0.0
    assert dropped["duration"].features[in_output] == 1.0  # "two" meets "two"
    kept = {c.kind: c for c in candidates(_view(analysis, KEPT))}
    assert kept["trigger"].features[in_output] == 1.0  # "walk" meets "walking", "stair" "stairs"
    assert all(len(c.features) == len(FEATURES) for c in kept.values())


def test_no_candidate_when_the_output_never_speaks_of_the_qualified_thing(analysis):
    assert candidates(_view(analysis, UNRELATED)) == []
    assert candidates(_view(analysis, DROPPED, context="Doctor: Hello.")) == []


def test_rule_finds_the_dropped_qualifier_and_not_the_kept_one(analysis, tmp_path):
    rule = QualifierRule(str(_model(tmp_path, LOST_WHEN_ABSENT, 4.0, 0.5)))
    findings = rule(_view(analysis, DROPPED))
    assert len(findings) == 1
    f = findings[0]
    assert f.category == ErrorCategory.MISSING_CONTEXT and int(f.risk) == 2
    assert f.rule == "qualifier.v1" and f.relation == "omitted"
    assert DROPPED[slice(*f.span)] == "She reports chest pain."
    assert f.evidence[0].text == "when I walk up the stairs" and f.confidence > 0.9
    assert rule(_view(analysis, KEPT)) == []
    assert rule(_view(analysis, UNRELATED)) == []
    assert rule(_view(analysis, DROPPED, context=None)) == []  # nothing to compare with


def test_rule_threshold_and_risk_come_from_the_constructor(analysis, tmp_path):
    path = str(_model(tmp_path, LOST_WHEN_ABSENT, 4.0, 0.5))
    assert QualifierRule(path, threshold=0.99)(_view(analysis, DROPPED)) == []
    assert int(QualifierRule(path, risk=3)(_view(analysis, DROPPED))[0].risk) == 3


def test_missing_or_mismatched_model_is_not_fitted(tmp_path):
    with pytest.raises(NotFittedError, match="medfact train qualifier"):
        QualifierRule(str(tmp_path / "none.json")).load()
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"features": ["something_else"]}))
    with pytest.raises(NotFittedError, match="other features"):
        QualifierRule(str(other)).load()


def test_shipped_model_loads_and_flags_a_dropped_trigger(analysis):
    rule = QualifierRule().load()
    assert rule.model_["features"] == list(FEATURES)
    assert 0.0 < rule.model_["threshold"] < 1.0
    assert rule.model_["metrics"]["valid"]["auroc"] > 0.5
    view = _view(analysis, DROPPED)
    p = dict(
        zip(
            [c.kind for c in candidates(view)],
            rule.probabilities([c.features for c in candidates(view)]),
            strict=True,
        )
    )
    p_kept = rule.probabilities([c.features for c in candidates(_view(analysis, KEPT))])
    assert p["trigger"] > max(p_kept)  # losing the qualifier raises P(lost)


def test_learned_verifiers_run_by_default_and_not_under_no_model():
    assert load_config()["pipeline"]["learned_verifiers"] == ["qualifier.v1"]
    rules = Engine.from_config(None, NO_MODEL)
    assert rules.parts.learned == [] and rules.stage("learned") is not None
    tuned = {"components": {"qualifier.v1": {"threshold": 0.0}}}
    engine = Engine.from_config(None, {**tuned, "pipeline": {"model": "", "scorer": "rules.v1"}})
    result = engine.score_one(DROPPED, CONTEXT)
    assert any(f.rule == "qualifier.v1" for f in result.findings)
    assert not any(f.rule == "qualifier.v1" for f in rules.score_one(DROPPED, CONTEXT).findings)


def test_learned_verifiers_must_be_a_list_of_names():
    with pytest.raises(ConfigError, match="learned_verifiers must be a list"):
        load_config(None, {"pipeline": {"learned_verifiers": "qualifier.v1"}})


def test_best_threshold_picks_the_best_f1():
    scores = np.array([0.9, 0.8, 0.7, 0.2, 0.1])
    truth = np.array([True, False, True, False, False])
    assert best_threshold(scores, truth) == pytest.approx(0.7)  # F1 0.8 vs 0.67 at 0.9


# Written (input, output) pairs; most outputs keep a qualifier their input states, which
# `synth make` cuts to make the positives.
PAIRS = [
    (
        "Patient: I get chest pain when I climb stairs. Doctor: Any fever? Patient: No.",
        "Chest pain when climbing stairs. No fever.",
    ),
    (
        "Patient: My cough is worse at night. Doctor: Any blood? Patient: No blood.",
        "Cough, worse at night. No hemoptysis.",
    ),
    (
        "Patient: The knee has hurt for the past three weeks. Doctor: Any swelling? Patient: Yes.",
        "Knee pain for the past three weeks with swelling.",
    ),
    (
        "Doctor: Any past illnesses? Patient: I have a history of asthma. I use an inhaler.",
        "She has a history of asthma and uses an inhaler.",
    ),
    (
        "Patient: I feel dizzy when I stand up quickly. Doctor: Any falls? Patient: No falls.",
        "Dizziness when standing up quickly. No falls.",
    ),
    (
        "Patient: My back hurts in the morning. Doctor: Any numbness? Patient: No numbness.",
        "Back pain in the morning. No numbness.",
    ),
    (
        "Patient: I had a stroke in 2015. Doctor: Any weakness now? Patient: Some in my left arm.",
        "She has a history of stroke with residual left arm weakness.",
    ),
    (
        "Patient: The headaches started two months ago. Doctor: Any nausea? Patient: Yes.",
        "Headaches for the last two months with nausea.",
    ),
    (
        "Patient: My ankle is painful with walking. Doctor: Did you twist it? Patient: Yes.",
        "Ankle pain with walking after a twisting injury.",
    ),
    (
        "Patient: I get short of breath on exertion. Doctor: Any chest pain? Patient: No.",
        "Shortness of breath on exertion. No chest pain.",
    ),
    (
        "Patient: My wrist hurts, especially when I type. Doctor: Any tingling? Patient: No.",
        "Wrist pain, especially when typing. No tingling.",
    ),
    (
        "Doctor: Your scan shows a partial tear of the tendon. Patient: Will it heal?",
        "Imaging shows a partial tear of the tendon.",
    ),
    (
        "Patient: I have heartburn after meals. Doctor: Any weight loss? Patient: No.",
        "Heartburn after meals. No weight loss.",
    ),
    (
        "Patient: My hip has been stiff for the last year. Doctor: Any fever? Patient: No.",
        "Hip stiffness for the last year. No fever.",
    ),
    (
        "Patient: I wheeze at night. Doctor: Do you smoke? Patient: I used to smoke.",
        "Wheezing at night. Former smoker.",
    ),
    (
        "Patient: My legs swell in the evening. Doctor: Any shortness of breath? Patient: No.",
        "Leg swelling in the evening. No shortness of breath.",
    ),
]


@pytest.fixture(scope="module")
def synth_dir(make_synth) -> Path:
    return make_synth(PAIRS)


def test_train_qualifier_writes_a_loadable_json_model(synth_dir, tmp_path, analysis):
    out = tmp_path / "q.json"
    card = train_qualifier(synth_dir, out, seeds=3, folds=3, command="test")
    saved = json.loads(out.read_text())
    assert saved == card
    assert saved["features"] == list(FEATURES) and len(saved["coef"]) == len(FEATURES)
    assert saved["training"]["lost"] > 0 and saved["training"]["rows"] > saved["training"]["lost"]
    assert set(saved["metrics"]) == {"train_cross_fitted", "valid", "test"}
    assert saved["data"]["sha256"]["train"]
    assert sum(1 for _ in read_examples(synth_dir / "train.jsonl")) > 0
    # the cut outputs are the positives: keeping the qualifier's words lowers P(lost)
    assert saved["coef"][FEATURES.index("qualifier_in_output")] < 0
    rule = QualifierRule(str(out))
    assert all(
        0.0 < p < 1.0
        for p in rule.probabilities([c.features for c in candidates(_view(analysis, DROPPED))])
    )
    # the same data and seeds give the same model
    again = train_qualifier(synth_dir, tmp_path / "again.json", seeds=3, folds=3, command="test")
    assert again["coef"] == saved["coef"] and again["threshold"] == saved["threshold"]


def test_train_qualifier_cli(synth_dir, tmp_path):
    out = tmp_path / "cli.json"
    result = CliRunner().invoke(
        main,
        ["train", "qualifier", "--data", str(synth_dir), "--out", str(out), "--seeds", "2"],
    )
    assert result.exit_code == 0, result.output
    assert "threshold" in json.loads(result.output) and out.is_file()
