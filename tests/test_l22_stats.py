"""Intervals on benchmark figures (medfact.stats): Wilson intervals of shares, seeded bootstrap
intervals of AUC and macro-F1, and their place in `bench cases` and `bench nli` reports."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from medfact.benchmarks.cases import _tally, text_report
from medfact.nli.bench import markdown, metrics
from medfact.stats import auc, auc_interval, macro_f1, macro_f1_interval, wilson


def _pairwise_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """The definition: the share of (positive, negative) pairs ordered right, ties half."""
    pos, neg = scores[positive], scores[~positive]
    wins = sum((p > n) + 0.5 * (p == n) for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


def test_wilson_matches_known_intervals() -> None:
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(298, 450) == pytest.approx((0.6174, 0.7043), abs=1e-4)
    assert wilson(3, 0) == (0.0, 1.0)


@pytest.mark.parametrize("seed", range(5))
def test_auc_equals_the_pairwise_definition_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 6, 40).astype(float)  # many ties
    positive = rng.random(40) < 0.4
    assert auc(scores, positive) == pytest.approx(_pairwise_auc(scores, positive))


def test_auc_without_both_classes_is_none() -> None:
    assert auc([0.2, 0.9], [True, True]) is None
    assert auc_interval([0.2, 0.9], [False, False]) is None


def test_auc_interval_is_seeded_brackets_the_figure_and_narrows_with_data() -> None:
    rng = np.random.default_rng(1)

    def sample(n: int) -> tuple[np.ndarray, np.ndarray]:
        positive = rng.random(n) < 0.5
        return rng.normal(positive * 1.0, 1.0), positive

    small, big = sample(60), sample(1500)
    lo, hi = auc_interval(*small, seed=3)
    assert auc_interval(*small, seed=3) == (lo, hi)
    assert lo <= auc(*small) <= hi
    big_lo, big_hi = auc_interval(*big)
    assert big_hi - big_lo < (hi - lo) / 2
    assert big_lo < 0.76 < big_hi  # the true AUC of two unit normals a standard deviation apart


def test_macro_f1_averages_the_labels_present_as_bench_nli_does() -> None:
    rng = np.random.default_rng(2)
    gold = rng.integers(0, 2, 50)  # the third label absent: not averaged
    pred = rng.integers(0, 3, 50)
    probs = np.eye(3)[pred]
    assert macro_f1(pred, gold, 3) == pytest.approx(metrics(probs, gold)["macro_f1"], abs=1e-4)
    lo, hi = macro_f1_interval(pred, gold, 3, seed=0)
    assert lo <= macro_f1(pred, gold, 3) <= hi < 1.0
    assert macro_f1_interval([], [], 3) is None


def test_bench_nli_metrics_carry_intervals() -> None:
    gold = np.array([0, 0, 1, 1, 2, 2] * 5)
    probs = np.eye(3)[gold] * 0.6 + 0.4 / 3
    m = metrics(probs, gold)
    assert m["macro_f1_ci"] == (1.0, 1.0)
    lo, hi = m["auc_supported_vs_nei_ci"]
    assert lo <= m["auc_supported_vs_nei"] <= hi
    table = markdown({"sets": {"a": {"model": m}}})
    assert "| 1.000 (1.00-1.00) |" in table and "macro-F1 (95%)" in table


def _outcome(caught: bool, alarm: bool, text: str) -> dict[str, object]:
    return {
        "kind": "k",
        "part": "held-out",
        "caught": caught,
        "flagged": caught,
        "on_span": caught,
        "false_alarm": alarm,
        "graded_4": caught,
        "faithful_text": text,
    }


def test_bench_cases_tallies_and_report_carry_intervals() -> None:
    outcomes = [_outcome(i < 30, i % 4 == 0, f"t{i // 2}") for i in range(45)]
    tally = _tally(outcomes)
    lo, hi = tally["caught_ci"]
    assert lo < tally["caught_rate"] < hi and hi < 0.9  # 30 of 45 cannot be read as 90%
    assert tally["false_alarm_text_ci"][0] > 0.05
    summary = {
        "kinds": {"k": tally},
        "overall": {**tally, "severity_4_kinds": 1, "severity_4_kinds_all_graded_4": 0},
        "parts": {"held-out": tally},
        "worst_kinds": ["k"],
        "errors": [],
    }
    report = text_report(summary)
    assert "held-out 95% intervals: caught 52%-79%" in report
