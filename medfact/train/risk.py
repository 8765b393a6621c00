"""``medfact train risk``: a calibrated model from findings and verifier probabilities to risk 1-4.

Multinomial logistic regression on standardised ``case_features``; the regularisation strength is
chosen on the validation split by risk macro-F1. Stored as plain JSON (coefficients, scaler,
classes, metrics), never pickle.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from medfact.scoring import FEATURES
from medfact.train.data import read_examples, sample_examples, sha256_file


def risk_metrics(
    y: np.ndarray, pred: np.ndarray, probs: np.ndarray | None = None
) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, f1_score

    out = {
        "n": int(len(y)),
        "accuracy": round(float(accuracy_score(y, pred)), 4),
        "risk_macro_f1": round(
            float(f1_score(y, pred, labels=[1, 2, 3, 4], average="macro", zero_division=0)), 4
        ),
        "unsafe_f1": round(float(f1_score(y >= 3, pred >= 3, zero_division=0)), 4),
        "safe_unsafe_macro_f1": round(
            float(f1_score(y >= 3, pred >= 3, average="macro", zero_division=0)), 4
        ),
    }
    if probs is not None:
        # expected calibration error of the predicted level's probability, 10 bins
        conf = probs.max(axis=1)
        correct = (pred == y).astype(float)
        bins = np.minimum((conf * 10).astype(int), 9)
        ece = sum(
            abs(correct[bins == b].mean() - conf[bins == b].mean()) * (bins == b).mean()
            for b in range(10)
            if (bins == b).any()
        )
        out["ece"] = round(float(ece), 4)
    return out


def floor_precision(
    engine: Any,
    examples: list[dict[str, Any]],
    floor_confidence: float = 0.7,
) -> dict[str, dict[str, float]]:
    """Per rule: how often its confident contradictions (risk >= 3, confidence >=
    ``floor_confidence``: those the calibrated scorer would not grade below) are the example's
    true error."""
    from medfact.train.data import finding_matches

    counts: dict[str, list[int]] = {}
    rows = [{k: e[k] for k in ("id", "output", "context")} for e in examples]
    for ex, result in zip(examples, engine.score_many(rows), strict=True):
        for f in getattr(result, "findings", []):
            if f.relation == "contradicted" and f.confidence >= floor_confidence and f.risk >= 3:
                right, n = counts.setdefault(f.rule, [0, 0])
                counts[f.rule] = [right + finding_matches(f, ex["label"]), n + 1]
    return {
        rule: {"n": n, "precision": round(right / n, 4)}
        for rule, (right, n) in sorted(counts.items())
    }


def train_risk(
    data_dir: Path,
    out_path: Path,
    *,
    engine_config: Any = None,
    limit: int | None = None,
    floor_precision_min: float = 0.0,
    command: str = "",
) -> dict[str, Any]:
    """Fit the risk model; C is chosen on the validation split by risk macro-F1.

    The floor (never grade below a rule's confident contradiction) applies to every rule by
    default. With ``floor_precision_min`` > 0 it is kept only for the rules whose confident
    contradictions on the validation split were right at least that often (and at least 5 of
    them): fewer false alarms, fewer caught errors. Each rule's precision is recorded either way.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from medfact import __version__
    from medfact.pipeline import Engine

    engine = Engine.from_config(engine_config).load()
    data, hashes, samples = {}, {}, {}
    start = time.perf_counter()
    for split in ("train", "valid", "test"):
        path = data_dir / f"{split}.jsonl"
        examples = samples[split] = sample_examples(list(read_examples(path)), limit, 0)
        hashes[split] = sha256_file(path)
        rows = [{"id": e["id"], "output": e["output"], "context": e["context"]} for e in examples]
        x = np.array(list(engine.feature_rows(rows)), dtype=float)
        y = np.array([int(e["label"]["risk_level"]) for e in examples])
        data[split] = (x, y)
    scaler = StandardScaler().fit(data["train"][0])
    scaler.scale_[scaler.scale_ == 0] = 1.0
    xs = {k: scaler.transform(v[0]) for k, v in data.items()}
    best = None
    for c in (0.03, 0.1, 0.3, 1.0, 3.0):
        clf = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
        clf.fit(xs["train"], data["train"][1])
        f1 = risk_metrics(data["valid"][1], clf.predict(xs["valid"]))["risk_macro_f1"]
        if best is None or f1 > best[0]:
            best = (f1, c, clf)
    _, c, clf = best
    floor = floor_precision(engine, samples["valid"])
    floor_rules = (
        sorted(r for r, m in floor.items() if m["n"] >= 5 and m["precision"] >= floor_precision_min)
        if floor_precision_min > 0
        else None  # every rule
    )
    metrics = {
        split: risk_metrics(data[split][1], clf.predict(xs[split]), clf.predict_proba(xs[split]))
        for split in ("train", "valid", "test")
    }
    model = {
        "name": "medfact calibrated risk model",
        "medfact_version": __version__,
        "features": list(FEATURES),
        "classes": [int(k) for k in clf.classes_],
        "mean": scaler.mean_.tolist(),
        "scale": scaler.scale_.tolist(),
        "coef": clf.coef_.tolist(),
        "intercept": clf.intercept_.tolist(),
        "C": c,
        "floor_rules": floor_rules,
        "floor_precision": floor,
        "tier1": engine.config["pipeline"].get("model"),
        "learned_verifiers": engine.config["pipeline"].get("learned_verifiers", []),
        "data": {
            "dir_name": data_dir.name,
            "sha256": hashes,
            "limit": limit,
            "n": {k: int(len(v[1])) for k, v in data.items()},
        },
        "metrics": metrics,
        "seconds": round(time.perf_counter() - start, 1),
        "command": command,
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(model, indent=2) + "\n")
    return model
