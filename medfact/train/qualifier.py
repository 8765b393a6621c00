"""``medfact train qualifier``: the model behind ``qualifier.v1`` (missing context).

Training rows are the input qualifiers ``qualifier.v1`` aligns to an output sentence
(``candidates``). Negatives: every candidate of the clean outputs of the train split. Positives:
the same clean outputs with one qualifier removed by ``drop_qualifier`` (``seeds`` draws each),
the candidate of the sentence it was cut from and of the same kind. A logistic regression is fitted
on standardised features; its strength and the decision threshold are chosen by cross-fitting
over the train split's documents, by how well it tells that split's own missing-context examples
from all others (as ``medfact bench synth`` counts them). Stored as plain JSON.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from medfact.synth.perturb import drop_qualifier
from medfact.train.data import read_examples, sha256_file
from medfact.verifiers.qualifier import FEATURES, candidates

CATEGORY = "missing_context"
# The analysis the rules run on, without the rules themselves: candidates need nothing more.
ANALYSIS_ONLY = {
    "pipeline": {"model": "", "scorer": "rules.v1", "verifiers": [], "learned_verifiers": []}
}


def candidate_rows(
    engine: Any, context: str, output: str, cut_at: int | None = None, kind: str | None = None
) -> list[tuple[tuple[float, ...], bool]]:
    """(features, lost) per candidate; ``lost`` when its output sentence holds ``cut_at``, the
    offset where a qualifier of ``kind`` was removed."""
    view = engine.view({"id": "candidate", "output": output, "context": context})
    rows = []
    for cand in candidates(view):
        start, end = view.output.sentences[cand.sentence].span
        lost = cut_at is not None and start <= cut_at <= end and cand.kind == kind
        rows.append((cand.features, lost))
    return rows


def training_rows(
    engine: Any, examples: list[dict[str, Any]], seeds: int
) -> dict[str, tuple[list[tuple[float, ...]], list[bool]]]:
    """Per source document: the candidates of its clean output (negatives) and of its
    ``seeds`` qualifier cuts (positives: the cut sentence's candidate of the cut kind)."""
    rows: dict[str, tuple[list[tuple[float, ...]], list[bool]]] = {}
    for ex in examples:
        if ex["label"].get("category") is not None:
            continue  # clean outputs only; their perturbations are made here
        x, y = rows.setdefault(ex.get("doc_id", ex["id"]), ([], []))
        for features, _ in candidate_rows(engine, ex["context"], ex["output"]):
            x.append(features)
            y.append(False)
        seen = set()
        for seed in range(seeds):
            cut = drop_qualifier(ex["context"], ex["output"], random.Random(seed))
            if cut is None or cut.output in seen:
                continue
            seen.add(cut.output)
            kind = cut_kind(cut.description)
            for features, lost in candidate_rows(
                engine, ex["context"], cut.output, cut.original_span[0], kind
            ):
                if lost:
                    x.append(features)
                    y.append(True)
    return rows


def example_rows(
    engine: Any, examples: list[dict[str, Any]]
) -> tuple[list[np.ndarray], np.ndarray, float]:
    """Per example: its candidates' features, whether it truly has a missing-context error, and
    the share of those errors with a candidate on the cut sentence (what can be found at all)."""
    feats, truth, reachable = [], [], 0
    for ex in examples:
        label = ex["label"]
        cut_at = label["original_span"][0] if label.get("category") == CATEGORY else None
        rows = candidate_rows(engine, ex["context"], ex["output"], cut_at, _kind(label))
        feats.append(np.array([f for f, _ in rows], dtype=float).reshape(-1, len(FEATURES)))
        truth.append(cut_at is not None)
        reachable += any(lost for _, lost in rows)
    return feats, np.array(truth), reachable / max(1, sum(truth))


def example_scores(feats: list[np.ndarray], predict: Any) -> np.ndarray:
    """The highest P(lost) of each example's candidates (0 with none)."""
    return np.array([float(max(predict(f), default=0.0)) if len(f) else 0.0 for f in feats])


def cut_kind(description: str) -> str:
    """The ``QUALIFIER_KINDS`` kind of a ``drop_qualifier`` cut, from its description ("Removed
    the <kind> qualifier ..."); its "condition" ("when walking") is a trigger here."""
    kind = description.split()[2]
    return "trigger" if kind == "condition" else kind


def _kind(label: dict[str, Any]) -> str | None:
    return cut_kind(str(label["description"])) if label.get("kind") == "drop_qualifier" else None


def _precision_recall(
    scores: np.ndarray, truth: np.ndarray, threshold: float
) -> tuple[float, float]:
    flagged = scores >= threshold
    tp = int((flagged & truth).sum())
    precision = tp / flagged.sum() if flagged.sum() else 0.0
    recall = tp / truth.sum() if truth.sum() else 0.0
    return float(precision), float(recall)


def detection_metrics(scores: np.ndarray, truth: np.ndarray, threshold: float) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    flagged = scores >= threshold
    precision, recall = _precision_recall(scores, truth, threshold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out = {
        "examples": int(len(truth)),
        "missing_context": int(truth.sum()),
        "flagged": int(flagged.sum()),
        "precision": round(float(precision), 4),
        "recall": round(float(recall), 4),
        "f1": round(float(f1), 4),
    }
    if 0 < truth.sum() < len(truth):
        out["auroc"] = round(float(roc_auc_score(truth, scores)), 4)
    return out


def f_beta(scores: np.ndarray, truth: np.ndarray, threshold: float, beta: float) -> float:
    p, r = (round(v, 4) for v in _precision_recall(scores, truth, threshold))
    return (1 + beta**2) * p * r / (beta**2 * p + r) if p + r else 0.0


def best_threshold(scores: np.ndarray, truth: np.ndarray, beta: float = 1.0) -> float:
    """The score threshold with the best F-beta (beta < 1 weighs precision more; ties: the
    higher threshold, fewer flags)."""
    best_f, best_t = -1.0, 1.0
    for t in sorted(set(scores[truth].tolist())):
        f = f_beta(scores, truth, t, beta)
        if t > 0 and f >= best_f:
            best_f, best_t = f, t
    return best_t


def _fit(rows: list[tuple[list[Any], list[bool]]], c: float) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.array([f for r in rows for f in r[0]], dtype=float)
    y = np.array([v for r in rows for v in r[1]], dtype=bool)
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000)).fit(x, y)


def _predictor(model: Any) -> Any:
    return lambda rows: model.predict_proba(rows)[:, 1].tolist()


def train_qualifier(
    data_dir: Path,
    out_path: Path,
    *,
    seeds: int = 6,
    folds: int = 5,
    beta: float = 0.5,
    limit: int | None = None,
    command: str = "",
) -> dict[str, Any]:
    """Fit, choose C and the threshold by ``folds``-fold cross-fitting over the train split's
    documents (its own missing-context examples among all others), report valid and test.

    The threshold maximises F-``beta``: 0.5 by default, because a check in the default pipeline
    should rather miss a dropped qualifier than flag many outputs that merely summarise.
    """
    import zlib

    from medfact import __version__
    from medfact.errors import InputError
    from medfact.pipeline import Engine
    from medfact.train.data import sample_examples

    engine = Engine.from_config(None, ANALYSIS_ONLY).load()
    start = time.perf_counter()
    splits = {
        s: sample_examples(list(read_examples(data_dir / f"{s}.jsonl")), limit, 0)
        for s in ("train", "valid", "test")
    }
    by_doc = training_rows(engine, splits["train"], seeds)
    lost = sum(sum(y) for _, y in by_doc.values())
    total = sum(len(y) for _, y in by_doc.values())
    if lost == 0 or lost == total:
        raise InputError(
            "needs clean outputs with qualifiers the input also has; found "
            f"{lost} positive and {total - lost} negative candidates",
            record=str(data_dir / "train.jsonl"),
        )

    def fold(doc: str) -> int:
        return zlib.crc32(doc.encode()) % folds

    train_docs = [e.get("doc_id", e["id"]) for e in splits["train"]]
    feats, truth, _ = example_rows(engine, splits["train"])
    best = None
    for c in (0.03, 0.1, 0.3, 1.0):
        scores = np.zeros(len(truth))
        for k in range(folds):
            rows = [r for d, r in by_doc.items() if fold(d) != k]
            if len({v for _, y in rows for v in y}) < 2:
                continue  # too few documents outside this fold: its examples score 0
            model = _fit(rows, c)
            held = [i for i, d in enumerate(train_docs) if fold(d) == k]
            scores[held] = example_scores([feats[i] for i in held], _predictor(model))
        threshold = best_threshold(scores, truth, beta)
        f = f_beta(scores, truth, threshold, beta)
        if best is None or f > best[0]:
            best = (f, c, threshold, detection_metrics(scores, truth, threshold))
    _, c, threshold, cross_fitted = best
    model = _fit(list(by_doc.values()), c)
    metrics = {"train_cross_fitted": cross_fitted}
    for split in ("valid", "test"):
        feats, truth, reachable = example_rows(engine, splits[split])
        scores = example_scores(feats, _predictor(model))
        metrics[split] = {
            **detection_metrics(scores, truth, threshold),
            "reachable": round(reachable, 4),
        }
    scaler, clf = model[0], model[-1]
    card = {
        "name": "medfact qualifier model (missing context)",
        "medfact_version": __version__,
        "features": list(FEATURES),
        "mean": scaler.mean_.tolist(),
        "scale": scaler.scale_.tolist(),
        "coef": clf.coef_[0].tolist(),
        "intercept": float(clf.intercept_[0]),
        "threshold": round(float(threshold), 4),
        "C": c,
        "training": {"rows": total, "lost": lost, "seeds": seeds, "folds": folds, "beta": beta},
        "data": {
            "dir_name": data_dir.name,
            "sha256": {s: sha256_file(data_dir / f"{s}.jsonl") for s in splits},
            "limit": limit,
        },
        "metrics": metrics,
        "seconds": round(time.perf_counter() - start, 1),
        "command": command,
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(card, indent=2) + "\n")
    return card
