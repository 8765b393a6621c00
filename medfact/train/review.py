"""``medfact train review``: choose the threshold at which tier 1 dismisses a finding of the
word-count rule ``unsupported.v1`` (P(supported) >= t), on the validation split of a `medfact
synth` folder.

A finding is true when it names the example's error category on the perturbed span. The
threshold is the one with the best F1 of the reviewed findings among those that keep at least
``min_recall`` of the true ones; it is written into the verifier's model card.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from medfact.train.data import finding_matches, read_examples, sample_examples
from medfact.verifiers.model_findings import REVIEWED_RULES

GRID = tuple(round(0.3 + 0.01 * i, 2) for i in range(41))  # 0.30 .. 0.70


def reviewed_findings(engine: Any, examples: list[dict[str, Any]]) -> list[tuple[float, bool]]:
    """(P(supported) of its claim, is it true) for every reviewable rule finding."""
    from medfact.types import RecordError

    tier1 = engine.stage("tier1")
    if tier1 is None:
        return []
    rows = []
    for lo in range(0, len(examples), 64):
        chunk = examples[lo : lo + 64]
        cases = [{k: e[k] for k in ("id", "output", "context")} for e in chunk]
        # the rules' findings before tier 1 reviews them, and tier 1's probabilities
        docs = list(engine.pipe(cases, until="learned"))
        for doc in docs:
            if isinstance(doc, RecordError):
                raise ValueError(f"example {doc.id}: {doc.message}")
        for ex, doc, prediction in zip(chunk, docs, tier1.predict(docs), strict=True):
            if prediction is None:
                continue
            probabilities = prediction[0]  # (probabilities, aligned evidence)
            position = {c.id: i for i, c in enumerate(doc.claims)}
            for f in doc.findings:
                i = position.get(f.claim_id)
                if i is None or f.rule not in REVIEWED_RULES or int(f.risk) < 2:
                    continue
                rows.append((float(probabilities[i][0]), finding_matches(f, ex["label"])))
    return rows


def choose_threshold(rows: list[tuple[float, bool]], min_recall: float = 0.9) -> dict[str, Any]:
    """The grid threshold with the best F1 whose recall stays >= ``min_recall``."""
    total_true = sum(t for _, t in rows)

    def scores(limit: float) -> dict[str, float]:
        kept = [t for p, t in rows if p < limit]
        tp = sum(kept)
        precision = tp / len(kept) if kept else 0.0
        recall = tp / total_true if total_true else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}

    best = None
    for limit in GRID:
        s = scores(limit)
        if s["recall"] >= min_recall and (best is None or s["f1"] > best[1]["f1"]):
            best = (limit, s)
    if best is None:  # no threshold keeps enough: never dismiss
        return {"dismiss_supported": 1.01, "before": scores(2.0), "after": scores(2.0)}
    return {"dismiss_supported": best[0], "before": scores(2.0), "after": best[1]}


def train_review(
    data_dir: Path,
    verifier_dir: Path,
    *,
    limit: int | None = 500,
    min_recall: float = 0.9,
    command: str = "",
) -> dict[str, Any]:
    """Choose ``dismiss_supported`` on ``valid.jsonl`` and write it into the verifier's card."""
    from medfact.errors import ConfigError
    from medfact.pipeline import Engine

    card_path = verifier_dir / "model_card.json"
    if not card_path.is_file():
        raise ConfigError(f"train review: no model_card.json in {verifier_dir}")
    start = time.perf_counter()
    engine = Engine.from_config(
        None,
        {
            "pipeline": {"model": "crossencoder.v1", "scorer": "rules.v1"},
            "components": {"crossencoder.v1": {"model_dir": str(verifier_dir)}},
        },
    ).load()
    examples = sample_examples(list(read_examples(data_dir / "valid.jsonl")), limit, 1)
    rows = reviewed_findings(engine, examples)
    review = choose_threshold(rows, min_recall)
    review.update(
        findings=len(rows),
        examples=len(examples),
        min_recall=min_recall,
        seconds=round(time.perf_counter() - start, 1),
        command=command,
    )
    card = json.loads(card_path.read_text())
    card.setdefault("thresholds", {})["dismiss_supported"] = review["dismiss_supported"]
    card["review"] = review
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    return review
